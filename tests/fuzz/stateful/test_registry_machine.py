"""NodeRegistry bonds against an adversarial operator and the exact model
(computerwa.models.registry.BondModel).

Each example deploys the registry suite (stablecoin, factory, a 3-of-5 oracle, NodeRegistry)
with a random slash share, bond delay, withdrawal window and grace period, and two nodes of
one operator with random SLAs (0 and 100% included). The operator is the attacker: it posts
bonds (dust too), requests its whole bond or part of it at any moment (right after posting,
as its node fails), replaces requests, withdraws early, late and in the last second of the
window, re-posts after slashes, and pauses or retires its nodes. The committee reports ended
epochs in any order (some below the SLA, some late, some never: those become missed); anyone
slashes any epoch
(before the node existed, running, in its grace period, missed, met, already slashed) and
judges; a keeper sweeps (judges and slashes every bad epoch it finds). Time jumps to the
edges: a request's maturity, the last second of its window, its expiry, an epoch's end
plus the grace period and a second before. The model predicts every outcome (success or
exactly which revert, and every amount) before the call. After every step:
- REG-8: every epoch of a node below its judged cursor has a report at or above the SLA
  (a missed one counts as uptime 0) or was slashed; every slash moved exactly what the model
  says (SLASH_BPS of the bond at risk plus the request covering the epoch) into the node's
  token, whose balance is the sum of its slashes; every paid withdrawal left only after every
  epoch of its node up to its request was judged;
- REG-9: the registry holds exactly what the model says each node holds; each node's bond at
  risk and pending request (shown apart) equal the model's; the operator's balance is its
  funds less what it posted plus what it withdrew, to the unit.
After a keeper's sweep, a node's cursor stops only at an epoch that has not ended, whose
report is still due, or whose slash would move nothing.

Judging, the constructor's edges and registration's arguments, in the rules (what the
properties-only mutation campaign of issue #22 found unchecked):
- REG-7: every `judge` call (`anyone_judges` with 0, 1, 3, 512 or 2**256 - 1 steps, the keeper,
  the leap) returns the model's cursor and costs at most JUDGE_GAS plus JUDGED_EPOCH_GAS for
  each epoch it passes and the one it stops at: each epoch is read once a call (a walk that
  re-read the epoch it stops at up to the cap would cost about 2,000 gas a re-read more).
  `time_leaps_past_the_judging_cap`: with every node at an SLA of 0 (a missed epoch passes, so
  no epoch needs a report or a slash), time leaps until MAX_JUDGED_PER_CALL epochs of a node
  from its cursor on are missed (or 1, 2, 40 more), and anyone judges every node with more
  steps than the cap: one call passes exactly min(512, epochs due), the next ones the rest;
- `deploy_another`: another NodeRegistry over the suite's factory, stablecoin and oracle, none,
  one or two arguments out of range (0 where the bound is 1, one above the upper bound,
  2**256 - 1) and the others in range, their bounds included: it deploys exactly when none is
  out of range, and then holds its arguments; else the first out of range in the
  constructor's order is refused for exactly its reason (REG-13: the slash share, 1 to
  10,000 bps; REG-5: the bond delay, at most a year; the window, 1 s to 7 days; the grace
  period, 1 s to 30 days);
- registrations: the empty region is refused for exactly its reason, before the operator is
  looked at (an unverified stranger too; REG-11's prediction), and node ids run on from the
  last one, a refused registration taking none (REG-1).

Issue #15 items 8 and 10: a hostile but verified operator (the attacker) registers as many
nodes as it can in one region, an unverified stranger tries to register, an honest operator
registers there whenever it likes, and anyone sends stablecoin straight to the registry and
skims (to the treasury). After every step:
- REG-10: the registry holds exactly what it owes (`bonds_held`, the model's bonds at risk plus
  pending requests) plus the excess sent to it and not yet skimmed; every skim sent exactly
  that excess to the treasury, whose balance is the sum of the skims;
- REG-11: every operator's nodes in each region equal the model's and never exceed 16; the
  stranger has none; a region where the attacker is capped still has room, and an honest
  operator's registration there always succeeds.

Issue #15 item 12: the issuer names the token agent and minter (or tries the zero address),
the attacker tries to name itself. After every step:
- REG-12: the registry's `token_agent()` / `token_minter()` are the model's (`TokenRoles`),
  and every token registered so far has the registry's owner as admin and the agent and minter
  the model said when it was registered, and no other of the machine's accounts in either role.
"""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule, run_state_machine_as_test

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain
from computerwa.evm.chain import expect
from computerwa.evm.suite import deploy_suite
from computerwa.models.registry import (
    MAX_BPS,
    MAX_JUDGED_PER_CALL,
    MAX_NODES_PER_OPERATOR_IN_REGION,
    MAX_NODES_PER_REGION,
    NO_BOND_TO_SLASH,
    NOT_OWNER,
    ZERO_ADDRESS,
    BondModel,
    Listings,
    RegistryError,
    TokenRoles,
)
from tests.conftest import EPOCH_LENGTH, machine_settings, role
from tests.fuzz.properties import PropertyMachine, check, equal, require

DOLLAR = 10**6
HOUR = 3_600
PAST_EPOCHS = 4
NODES = 2
FUNDS = 100_000 * DOLLAR
ACTIVE, PAUSED, RETIRED = 1, 2, 3
RETIRED_NODE = "registry: node is retired"
REGIONS = ("latam", "asia-southeast")  # the nodes' region, and another one

attestor_keys = sorted(
    (Account.from_key(keccak(b"ComputeRWA registry machine attestor %d" % i)) for i in range(5)),
    key=lambda key: int(key.address, 16),
)
amounts = st.one_of(st.integers(1, 9), st.integers(1, 1_000 * DOLLAR), st.sampled_from([DOLLAR, 500 * DOLLAR]))
slas = st.one_of(st.sampled_from([0, 9_900, 10_000]), st.integers(0, 10_000))
NOT_NEW_OWNER = "ownable_2step: caller is not the new owner"
TREASURY_ZERO = "registry: treasury is the zero address"
REGION_EMPTY = "registry: region is empty"
DAY = 86_400
UINT256_MAX = 2**256 - 1
# the constructor's bounds, in its order of checks: (argument, values in range, values out of
# range, the revert, the property that states the bound)
CONSTRUCTOR_EDGES = (
    ("slash_bps", (1, 2_000, MAX_BPS), (0, MAX_BPS + 1, UINT256_MAX), "registry: slash share out of range", "REG-13"),
    ("bond_delay", (0, HOUR, 365 * DAY), (365 * DAY + 1, UINT256_MAX), "registry: bond delay above a year", "REG-5"),
    ("window", (1, 7 * DAY), (0, 7 * DAY + 1, UINT256_MAX), "registry: withdrawal window out of range", "REG-5"),
    ("grace", (1, 30 * DAY), (0, 30 * DAY + 1, UINT256_MAX), "registry: grace period out of range", "REG-5"),
)
# a judge call costs at most JUDGE_GAS plus JUDGED_EPOCH_GAS per epoch it passes or stops at
# (REG-7; receipts on Ape's provider: 24,380 to 30,940 passing none, about 3,800 more an epoch
# passed on its report or missed, 6,100 a slashed one; 2.01 M passing 512)
JUDGE_GAS = 40_000
JUDGED_EPOCH_GAS = 8_000
# an exit's reports and sweep after its request's epoch ended take at most this many blocks
EXIT_BLOCKS = 64


def predicted(pid: str, reason: str | None, call):
    """`expect(reason, call)` as property `pid`'s prediction: a mismatch names the ID."""
    try:
        return expect(reason, call)
    except AssertionError as err:
        raise AssertionError(f"{pid}: outcome not the model's: {err}") from None


class RegistryMachine(PropertyMachine):
    RULE_IDS = frozenset({"REG-1", "REG-3", "REG-6", "REG-13", "REG-14"})  # checked in rules / end_of_run

    def __init__(self, backend):
        super().__init__()
        self.chain = backend
        self.issuer, self.operator, self.relayer, self.attacker, self.honest, self.treasury, self.stranger = (
            role(backend, name)
            for name in ("issuer", "operator", "relayer", "attacker", "second_operator", "treasury", "customer")
        )
        self.snapshot = backend.snapshot()
        self.posted = self.withdrawn = 0
        self.slashed_into: dict[int, int] = {}  # node -> everything its slashes moved
        self.verified: dict[int, int] = {}  # node -> epochs below it checked judged (REG-8)
        self.first: dict[int, int] = {}  # node -> its first judged epoch
        self.listings = Listings()
        self.excess = self.skimmed = 0  # stablecoin sent straight to the registry, and skimmed
        self.agent, self.minter, self.holder = (role(backend, name) for name in ("agent", "minter", "holder"))
        self.roles = TokenRoles(self.issuer.address)
        self.token_roles: dict[str, tuple[str, str, str]] = {}  # token -> (admin, agent, minter) at registration
        self.checked_roles = 0  # tokens whose roles REG-12 has read
        self.node_count = 0  # nodes registered so far (REG-1: ids run from 1, a refusal takes none)
        # REG-15's model: the registry's owner, the account named to take over, the treasury
        self.accounts = {"issuer": self.issuer, "attacker": self.attacker, "honest": self.honest}
        self.owner_name, self.pending_owner = "issuer", ZERO_ADDRESS
        self.treasuries = {"treasury": self.treasury, "holder": self.holder}
        self.treasury_name = "treasury"
        self.skimmed_to = {name: 0 for name in self.treasuries}

    def restore(self):
        self.chain.restore(self.snapshot)

    @initialize(
        slash_bps=st.one_of(st.sampled_from([1, 2_000, 10_000]), st.integers(1, 10_000)),
        bond_delay=st.sampled_from([0, HOUR, EPOCH_LENGTH + 6 * HOUR, 3 * EPOCH_LENGTH]),
        window=st.sampled_from([1, HOUR, 12 * HOUR, 7 * EPOCH_LENGTH]),
        grace=st.sampled_from([1, 6 * HOUR, EPOCH_LENGTH, 3 * EPOCH_LENGTH]),
        node_slas=st.lists(slas, min_size=NODES, max_size=NODES),
        bonds=st.lists(st.one_of(st.just(0), amounts), min_size=NODES, max_size=NODES),
    )
    def deploy(self, slash_bps, bond_delay, window, grace, node_slas, bonds):
        chain, issuer = self.chain, self.issuer
        genesis = chain.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH
        suite = deploy_suite(
            chain,
            issuer,
            genesis=genesis,
            epoch_length=EPOCH_LENGTH,
            attestors=attestor_keys,
            bond_delay=bond_delay,
            slash_bps=slash_bps,
            bond_withdrawal_window=window,
            grace_period=grace,
            treasury=self.treasury,
            # the attacker is a verified operator too (an RWA operator is a known party); the
            # stranger is not
            operators=[self.operator, self.attacker, self.honest],
            upto="registry",
        )
        self.stable, self.oracle, self.registry = suite.stablecoin, suite.oracle, suite.registry
        self.factory = suite.factory
        self.oracle_domain = Domain.of(self.oracle)
        self.model = BondModel(genesis, EPOCH_LENGTH, bond_delay, slash_bps, window, grace)
        self.tokens, self.status = {}, {}
        for sla in node_slas:
            receipt = self.registry.register_node(
                "latam", "L40S", 4, 1_000, 3_000, sla, "ipfs://m", sender=self.operator
            )
            node = receipt.filter("NodeRegistered")[0].args["node_id"]
            self.node_count += 1
            self.listings.register(self.operator.address, "latam", True)
            self.model.register(node, sla, receipt.timestamp)
            self.first[node] = self.model.judged_until(node)
            assert self.registry.judged_until(node) == self.first[node]
            self.tokens[node] = self.registry.node(node)[1]
            self.token_roles[self.tokens[node]] = self.roles.of_new_token()
            self.status[node] = ACTIVE
            self.slashed_into[node] = 0
            self.verified[node] = self.first[node]
        self.stable.mint(self.operator, FUNDS, sender=issuer)
        self.stable.mint(self.attacker, FUNDS, sender=issuer)
        self.stable.approve(self.registry, 2**256 - 1, sender=self.operator)
        for node, bond in zip(self.tokens, bonds, strict=True):
            if bond:
                self.operator_posts_bond(node - 1, bond)

    # --- helpers ----------------------------------------------------------------------------
    def now(self) -> int:
        return self.chain.pending_timestamp

    def deployed(self) -> bool:
        return hasattr(self, "registry")

    def predict(self, apply):
        """Runs `apply()` on a copy of the node books; returns (result, None) and keeps the
        change, or (None, reason) and keeps nothing."""
        import copy

        saved = copy.deepcopy(self.model.nodes)
        try:
            return apply(), None
        except RegistryError as err:
            self.model.nodes = saved
            return None, err.reason

    # --- the operator -----------------------------------------------------------------------
    @rule(which=st.integers(0, NODES - 1), amount=amounts)
    def operator_posts_bond(self, which, amount):
        node = which + 1
        receipt = self.registry.post_bond(node, amount, sender=self.operator)
        self.model.post(node, amount)
        self.posted += amount
        equal(
            "REG-9",
            "BondPosted's bond at risk",
            receipt.filter("BondPosted")[0].args["bond"],
            self.model.at_risk(node, receipt.timestamp),
        )
        self.touch("bonds")

    @rule(which=st.integers(0, NODES - 1), share=st.sampled_from(["all", "all", "all", "half", "one", "above"]))
    def operator_requests(self, which, share):
        node = which + 1
        held = self.model.nodes[node].held
        amount = {"all": held, "half": held // 2, "one": 1, "above": held + 1}[share]
        self.request(node, amount)

    def request(self, node: int, amount: int) -> str | None:
        now = self.now()
        _, reason = self.predict(lambda: self.model.request(node, amount, now))
        receipt = predicted(
            "REG-5", reason, lambda: self.registry.request_bond_withdrawal(node, amount, sender=self.operator)
        )
        event(f"request: {reason or 'made'}")
        if receipt is not None:
            args = receipt.filter("BondWithdrawalRequested")[0].args
            equal(
                "REG-7",
                "BondWithdrawalRequested's (amount, available_at, expires_at, epoch)",
                (args["amount"], args["available_at"], args["expires_at"], args["epoch"]),
                self.model.pending(node, now),
            )
            equal("REG-7", "BondWithdrawalRequested's bond at risk", args["bond"], self.model.at_risk(node, now))
            self.touch("bonds")
        return reason

    @rule(
        which=st.integers(0, NODES - 1),
        when=st.sampled_from(["now", "early", "early", "mature", "mature", "last", "expiry"]),
    )
    def operator_withdraws(self, which, when):
        """At once; a second before its request matures, after the committee reported every
        ended epoch (so only the delay stands in the way); at its maturity, the last second
        of its window, its expiry."""
        node = which + 1
        book = self.model.nodes[node]
        if when == "early":
            if book.requested:
                self.move_to(book.available_at - 1)
            self.report(node, self.model.judged_until(node), [10_000] * 64)
        target = {
            "now": 0,
            "early": 0,
            "mature": book.available_at,
            "last": book.available_at + self.model.window - 1,
            "expiry": book.available_at + self.model.window,
        }[when]
        self.move_to(target)
        self.withdraw(node)

    def withdraw(self, node: int) -> str | None:
        now = self.now()
        book = self.model.nodes[node]
        request_epoch = book.request_epoch
        amount, reason = self.predict(lambda: self.model.withdraw(node, now))
        before = self.stable.balanceOf(self.operator)
        receipt = predicted(
            "REG-5", reason, lambda: self.registry.withdraw_bond(node, self.operator, sender=self.operator)
        )
        event(f"withdraw: {reason or 'paid'}")
        if receipt is None:
            return reason
        equal("REG-5", "withdraw_bond's return value", receipt.return_value, amount)
        equal(
            "REG-9", "the operator's balance after a withdrawal", self.stable.balanceOf(self.operator), before + amount
        )
        self.withdrawn += amount
        # REG-8: the bond left only once every epoch of the node up to the request was judged
        cursor = self.registry.judged_until(node)
        require(
            cursor > request_epoch,
            "REG-8",
            "a withdrawal left before its epoch was judged",
            cursor=cursor,
            request_epoch=request_epoch,
        )
        self.touch("bonds", "judged")
        return None

    @rule(which=st.integers(0, NODES - 1), status=st.sampled_from([PAUSED, RETIRED, ACTIVE]))
    def operator_sets_status(self, which, status):
        node = which + 1
        reason = RETIRED_NODE if self.status[node] == RETIRED else None
        predicted("REG-3", reason, lambda: self.registry.set_status(node, status, sender=self.operator))
        if reason is None:
            self.status[node] = status
            self.touch("status")

    # --- the committee, slashers, keepers -------------------------------------------------------
    @rule(
        which=st.integers(0, NODES - 1),
        back=st.sampled_from([0, 0, 1, 2, 5]),
        uptimes=st.lists(
            st.one_of(st.sampled_from([0, 0, 9_899, 9_900, 10_000, 10_000]), st.integers(0, 10_000)),
            min_size=1,
            max_size=4,
        ),
    )
    def committee_reports(self, which, back, uptimes):
        """Reports for unreported ended epochs of the node, from `back` epochs before the
        cursor on (some missed already, or slashed as missed: a late report), skipping
        reported ones; the epochs left out become missed."""
        node = which + 1
        self.report(node, max(self.first[node] - 1, self.model.judged_until(node) - back), uptimes)

    @rule(which=st.integers(0, NODES - 1))
    def committee_catches_up(self, which):
        """Every unreported ended epoch from the cursor on, at full uptime."""
        node = which + 1
        self.report(node, self.model.judged_until(node), [10_000] * 64)

    def report(self, node: int, epoch: int, uptimes: list[int]) -> None:
        now = self.now()
        for uptime in uptimes:
            while (node, epoch) in self.model.reports:
                epoch += 1
            if epoch >= self.model.epoch(now):  # only ended epochs are reported
                return
            report = PerformanceReport(node, epoch, uptime, 5_000, 40, 1_000, 1_000, now + HOUR)
            signatures = sign_report(self.oracle_domain, report, attestor_keys[:3])
            self.oracle.submit(report.as_tuple(), signatures, sender=self.relayer)
            self.model.record_report(node, epoch, uptime)
            event(
                "report: late (after the grace period)"
                if now >= self.model.epoch_end(epoch) + self.model.grace
                else "report"
            )
            epoch += 1
            now = self.now()

    @rule(which=st.integers(0, NODES - 1), offset=st.integers(-2, 3), who=st.sampled_from(["attacker", "operator"]))
    def anyone_slashes(self, which, offset, who):
        node = which + 1
        cursor = self.model.judged_until(node)
        epoch = max(0, cursor + offset)
        self.slash(node, epoch, self.attacker if who == "attacker" else self.operator)

    def slash(self, node: int, epoch: int, sender) -> str | None:
        """A slash whose outcome the model predicts; returns the revert reason, None when it
        moved what the model says into the node's token."""
        now = self.now()
        book = self.model.nodes[node]
        # REG-13's operands, from the books before the slash (REG-9 holds them equal to the chain's)
        requested, _, _, request_epoch = self.model.pending(node, now)
        covered = requested if requested and epoch <= request_epoch else 0
        base = book.held - requested + covered
        outcome, reason = self.predict(lambda: self.model.slash(node, epoch, now))
        receipt = predicted("REG-6", reason, lambda: self.registry.slash(node, epoch, sender=sender))
        event(f"slash: {reason or ('missed' if outcome.missed else 'reported')}")
        if receipt is None:
            return reason
        args = receipt.filter("Slashed")[0].args
        equal(
            "REG-6",
            "Slashed's (epoch, missed, amount)",
            (args["epoch"], args["missed"], args["amount"]),
            (epoch, outcome.missed, outcome.amount),
        )
        amount, left = args["amount"], args["requested"]
        share = self.model.slash_bps
        require(
            amount * MAX_BPS >= base * share > (amount - 1) * MAX_BPS and amount <= base,
            "REG-13",
            "a slash is SLASH_BPS of what it draws on, rounded up, never above it",
            amount=amount,
            base=base,
            slash_bps=share,
        )
        taken = covered - left if covered else requested - left
        require(
            0 <= left <= requested
            and (taken == 0 if not covered else taken * MAX_BPS >= covered * share > (taken - 1) * MAX_BPS),
            "REG-13",
            "the request loses its share rounded up, never below zero, and only when the epoch is covered",
            requested_before=requested,
            requested_after=left,
            covered=covered,
            slash_bps=share,
        )
        equal("REG-7", "Slashed's bond at risk", args["bond"], self.model.at_risk(node, now))
        equal("REG-7", "Slashed's request left", left, self.model.pending(node, now)[0])
        deposited = receipt.filter("RevenueDeposited")
        equal(
            "REG-8",
            "the slash's RevenueDeposited",
            [(e.address, e.args["amount"]) for e in deposited],
            [(self.tokens[node], outcome.amount)],
        )
        self.slashed_into[node] += outcome.amount
        self.touch("bonds", "slash", "judged")
        return None

    @rule(which=st.integers(0, NODES - 1), steps=st.sampled_from([0, 1, 3, MAX_JUDGED_PER_CALL, UINT256_MAX]))
    def anyone_judges(self, which, steps):
        self.judge(which + 1, steps, self.attacker, "REG-7")

    def judge(self, node: int, steps: int, sender, pid: str) -> int:
        """`judge(node, steps)` by `sender`: its cursor is the model's (property `pid`), and it
        costs at most JUDGE_GAS plus JUDGED_EPOCH_GAS for each epoch it passes and the one it
        stops at (REG-7: each epoch is read once a call). Returns the cursor."""
        start = self.model.judged_until(node)
        expected = self.model.judge(node, self.now(), steps)
        receipt = self.registry.judge(node, steps, sender=sender)
        equal(pid, f"judge({node}, {steps})'s cursor", receipt.return_value, expected)
        passed = expected - start
        require(
            receipt.gas_used <= JUDGE_GAS + (passed + 1) * JUDGED_EPOCH_GAS,
            "REG-7",
            "a judge call reads each epoch it walks once",
            node=node,
            steps=steps,
            passed=passed,
            gas_used=receipt.gas_used,
        )
        self.touch("judged")
        return expected

    @rule(which=st.integers(0, NODES - 1))
    def keeper_sweeps(self, which):
        """Judges the node and slashes every bad epoch it stops at, until it stops at one it
        cannot act on: that must be unended, still due, or have nothing to slash."""
        node = which + 1
        for _ in range(2_000):
            now = self.now()
            cursor = self.judge(node, MAX_JUDGED_PER_CALL, self.relayer, "REG-8")
            if self.model.uptime(node, cursor, now) is None or now < self.model.epoch_end(cursor):
                event("sweep: stops at an unended or due epoch")
                return
            reason = self.slash(node, cursor, self.relayer)
            if reason is not None:
                # a bad epoch the keeper cannot slash: only because the slash would move nothing
                equal("REG-8", "why the keeper could not slash a bad epoch", reason, NO_BOND_TO_SLASH)
                event("sweep: stops at a bad epoch with nothing to slash")
                return
        raise AssertionError("REG-8: the sweep did not finish in 2,000 rounds")

    # --- who lists nodes, stray stablecoin (issue #15 items 8 and 10) ---------------------------
    def register(self, who, region: str) -> str | None:
        """A registration whose outcome the listings model predicts; returns the revert reason."""
        verified = who in (self.operator, self.attacker, self.honest)
        if region == "":  # the arguments are checked before who calls
            reason = REGION_EMPTY
        else:
            _, reason = self.predict_listing(lambda: self.listings.register(who.address, region, verified))
        receipt = predicted(
            "REG-11",
            reason,
            lambda: self.registry.register_node(region, "H100", 1, 1, 0, 0, "ipfs://x", sender=who),
        )
        event(f"register: {reason or 'listed'}")
        if receipt is not None:
            args = receipt.filter("NodeRegistered")[0].args
            equal("REG-1", "NodeRegistered's operator", args["operator"], who.address)
            self.node_count += 1
            equal(
                "REG-1",
                "NodeRegistered's node id (one more than the last, refusals took none)",
                args["node_id"],
                self.node_count,
            )
            self.token_roles[args["token"]] = self.roles.of_new_token()
            self.touch("listing")
        return reason

    def predict_listing(self, apply):
        import copy

        saved = copy.deepcopy(self.listings)
        try:
            return apply(), None
        except RegistryError as err:
            self.listings = saved
            return None, err.reason

    @rule(region=st.sampled_from((*REGIONS, "")), count=st.sampled_from([1, 5, MAX_NODES_PER_OPERATOR_IN_REGION + 2]))
    def attacker_fills_a_region(self, region, count):
        """A verified but hostile operator lists as many nodes as it can in one region (or
        tries the empty region, refused)."""
        for _ in range(count):
            if self.register(self.attacker, region) is not None:
                return

    @rule(region=st.sampled_from((*REGIONS, "")))
    def stranger_registers(self, region):
        """An operator nobody verified is refused (the empty region first for being empty)."""
        reason = self.register(self.stranger, region)
        require(reason is not None, "REG-11", "an unverified operator was listed", region=region)

    @rule(region=st.sampled_from(REGIONS))
    def honest_operator_registers(self, region):
        """REG-11: an honest operator below its own cap is always listed, wherever the attacker is capped."""
        if self.listings.of(self.honest.address, region) < MAX_NODES_PER_OPERATOR_IN_REGION:
            reason = self.register(self.honest, region)
            require(reason is None, "REG-11", "an honest operator was kept out", region=region, reason=reason)

    # --- who holds the token roles (issue #15 item 12) --------------------------------------------
    @rule(
        which=st.sampled_from(["agent", "minter"]),
        who=st.sampled_from(["owner", "owner", "issuer", "attacker"]),
        to=st.sampled_from(["agent", "minter", "holder", "attacker", "zero"]),
    )
    def someone_names_a_token_role(self, which, who, to):
        """The owner hands a token role to an address (the zero address is refused); the
        attacker tries to name itself, or anyone, and is refused."""
        caller = self.owner if who == "owner" else self.accounts[who]
        account = ZERO_ADDRESS if to == "zero" else getattr(self, to).address
        reason = None
        try:
            self.roles.set(caller.address, which, account)
        except RegistryError as err:
            reason = err.reason
        setter = self.registry.set_token_agent if which == "agent" else self.registry.set_token_minter
        receipt = predicted("REG-12", reason, lambda: setter(account, sender=caller))
        event(f"token role: {reason or 'set'}")
        if receipt is not None:
            name = "TokenAgentSet" if which == "agent" else "TokenMinterSet"
            equal("REG-12", f"{name} logs", [e.args for e in receipt.filter(name)], [{which: account}])
            self.touch("roles")

    # --- the owner's other powers (issue #22: admin actions) --------------------------------------
    @property
    def owner(self):
        return self.accounts[self.owner_name]

    @rule(
        who=st.sampled_from(["owner", "owner", "issuer", "attacker"]),
        to=st.sampled_from(["issuer", "attacker", "honest", "zero"]),
    )
    def someone_transfers_ownership(self, who, to):
        """The owner names a new owner (the zero address cancels); anyone else is refused."""
        sender = self.owner if who == "owner" else self.accounts[who]
        account = ZERO_ADDRESS if to == "zero" else self.accounts[to].address
        reason = None if sender == self.owner else NOT_OWNER
        predicted("REG-15", reason, lambda: self.registry.transfer_ownership(account, sender=sender))
        event(f"ownership: transfer {reason or 'started'}")
        if reason is None:
            self.pending_owner = account
            self.touch("owner")

    @rule(who=st.sampled_from(["issuer", "attacker", "honest"]))
    def someone_accepts_ownership(self, who):
        """Only the named account takes over; unset token roles follow the new owner (REG-12)."""
        sender = self.accounts[who]
        reason = None if sender.address == self.pending_owner else NOT_NEW_OWNER
        predicted("REG-15", reason, lambda: self.registry.accept_ownership(sender=sender))
        event(f"ownership: accept {reason or 'accepted'}")
        if reason is None:
            self.owner_name, self.pending_owner = who, ZERO_ADDRESS
            self.roles.owner = sender.address
            self.touch("owner", "roles")

    @rule(
        who=st.sampled_from(["owner", "owner", "issuer", "attacker"]),
        to=st.sampled_from(["treasury", "holder", "zero"]),
    )
    def someone_moves_the_treasury(self, who, to):
        sender = self.owner if who == "owner" else self.accounts[who]
        account = ZERO_ADDRESS if to == "zero" else self.treasuries[to].address
        reason = NOT_OWNER if sender != self.owner else TREASURY_ZERO if to == "zero" else None
        receipt = predicted("REG-15", reason, lambda: self.registry.set_treasury(account, sender=sender))
        event(f"treasury: {reason or 'set'}")
        if receipt is not None:
            equal(
                "REG-15", "TreasurySet logs", [e.args for e in receipt.filter("TreasurySet")], [{"treasury": account}]
            )
            self.treasury_name = to
            self.touch("owner")

    # --- the constructor's edges -------------------------------------------------------------------
    @rule(
        first=st.sampled_from([None, *(edge[0] for edge in CONSTRUCTOR_EDGES)]),
        later=st.integers(0, len(CONSTRUCTOR_EDGES)),
        picks=st.lists(st.integers(0, 2), min_size=len(CONSTRUCTOR_EDGES), max_size=len(CONSTRUCTOR_EDGES)),
    )
    def deploy_another(self, first, later, picks):
        """Another NodeRegistry over the suite's factory, stablecoin and oracle, argument
        `first` out of range (0 where a bound is 1, one above the upper bound, 2**256 - 1; None:
        every argument in range), the `later`-th too when it comes after it in the
        constructor's order, and the others in range (their bounds included): it deploys
        exactly when none is out of range, its arguments in its immutables; else `first` is
        refused for exactly its reason (REG-13: the slash share is 1 to 10,000 bps; REG-5: the
        bond delay at most a year, the window 1 s to 7 days, the grace period 1 s to 30 days)."""
        names = [edge[0] for edge in CONSTRUCTOR_EDGES]
        bad = set() if first is None else {first} | set(names[names.index(first) + 1 :][later : later + 1])
        args: dict[str, int] = {}
        reason, pid = None, "REG-5"
        for (name, valid, invalid, refusal, prop), pick in zip(CONSTRUCTOR_EDGES, picks, strict=True):
            values = invalid if name in bad else valid
            args[name] = values[pick % len(values)]
            if name == first:
                reason, pid = refusal, prop
        registry = predicted(
            pid,
            reason,
            lambda: self.chain.deploy(
                "NodeRegistry",
                self.factory,
                self.stable,
                self.oracle,
                args["bond_delay"],
                args["slash_bps"],
                args["window"],
                args["grace"],
                sender=self.issuer,
            ),
        )
        event(f"another registry: {reason or 'deployed'}")
        if registry is not None:
            equal("REG-13", "another registry's SLASH_BPS", registry.SLASH_BPS(), args["slash_bps"])
            equal(
                "REG-5",
                "another registry's (BOND_DELAY, BOND_WITHDRAWAL_WINDOW, GRACE_PERIOD)",
                (registry.BOND_DELAY(), registry.BOND_WITHDRAWAL_WINDOW(), registry.GRACE_PERIOD()),
                (args["bond_delay"], args["window"], args["grace"]),
            )

    # --- stray stablecoin (issue #15 item 10) -----------------------------------------------------
    @rule(amount=amounts)
    def stray_transfer(self, amount):
        """Stablecoin sent straight to the registry: nobody's bond."""
        self.stable.transfer(self.registry, amount, sender=self.attacker)
        self.excess += amount
        self.touch("stable")

    @rule(who=st.sampled_from(["attacker", "relayer", "operator"]))
    def anyone_skims(self, who):
        self.skim({"attacker": self.attacker, "relayer": self.relayer, "operator": self.operator}[who])

    def skim(self, sender) -> None:
        balance = self.stable.balanceOf(self.registry)
        amount, reason = None, None
        try:
            amount = self.model.skim(balance)
        except RegistryError as err:
            reason = err.reason
        receipt = predicted("REG-10", reason, lambda: self.registry.skim(sender=sender))
        event(f"skim: {reason or 'sent'}")
        if receipt is None:
            equal("REG-10", "an excess left unskimmable", self.excess, 0)
            return
        # REG-10: a skim sends exactly the excess, to the treasury in force (REG-15)
        equal("REG-10", "what a skim sends", amount, self.excess)
        receiver = self.treasuries[self.treasury_name].address
        equal(
            "REG-10",
            "Skimmed logs",
            [e.args for e in receipt.filter("Skimmed")],
            [{"receiver": receiver, "amount": amount}],
        )
        self.skimmed += amount
        self.skimmed_to[self.treasury_name] += amount
        self.excess = 0
        self.touch("stable")

    # --- time -----------------------------------------------------------------------------------
    def move_to(self, target: int) -> None:
        """The next block at `target` when that is later than the next one anyway."""
        if target > self.now():
            self.chain.pending_timestamp = target

    @rule(seconds=st.sampled_from([1, HOUR, 6 * HOUR, EPOCH_LENGTH // 2, EPOCH_LENGTH, 3 * EPOCH_LENGTH]))
    def time_passes(self, seconds):
        self.chain.sleep(seconds)

    @rule(
        which=st.integers(0, NODES - 1),
        edge=st.sampled_from(["early", "mature", "last", "expiry", "due", "missed", "epoch end"]),
    )
    def time_jumps_to_an_edge(self, which, edge):
        node = which + 1
        book = self.model.nodes[node]
        cursor = self.model.judged_until(node)
        target = {
            "early": book.available_at - 1,
            "mature": book.available_at,
            "last": book.available_at + self.model.window - 1,
            "expiry": book.available_at + self.model.window,
            "due": self.model.epoch_end(cursor) + self.model.grace - 1,
            "missed": self.model.epoch_end(cursor) + self.model.grace,
            "epoch end": self.model.epoch_end(self.model.epoch(self.now())) - 1,  # its last second
        }[edge]
        self.move_to(target)

    @rule(
        which=st.integers(0, NODES - 1),
        past=st.sampled_from([0, 1, 1, 2, 40]),
        steps=st.sampled_from([MAX_JUDGED_PER_CALL + 1, UINT256_MAX]),
    )
    def time_leaps_past_the_judging_cap(self, which, past, steps):
        """With every node at an SLA of 0 (a missed epoch passes unslashed: no epoch needs a
        report or a slash), time leaps until MAX_JUDGED_PER_CALL + `past` epochs of a node
        from its cursor on are missed, and anyone judges every node with more steps than the
        cap: a call passes exactly min(cap, epochs due) (REG-7), the next ones the rest."""
        if any(book.sla_uptime_bps for book in self.model.nodes.values()):
            event("leap: a node has an SLA")
            return
        cursor = self.model.judged_until(which + 1)
        self.move_to(self.model.epoch_end(cursor + MAX_JUDGED_PER_CALL + past - 1) + self.model.grace)
        for node in self.model.nodes:
            start, now = self.model.judged_until(node), self.now()
            due = 0
            while self.model.judged(node, start + due, now):
                due += 1
            event("leap: more epochs due than the cap" if due > MAX_JUDGED_PER_CALL else "leap: at most the cap due")
            passed = self.judge(node, steps, self.relayer, "REG-7") - start
            require(
                passed == min(due, MAX_JUDGED_PER_CALL),
                "REG-7",
                "a judge call passes every epoch due up to MAX_JUDGED_PER_CALL",
                node=node,
                steps=steps,
                due=due,
                passed=passed,
            )
            while passed < due:  # the rest, in as many calls as it takes
                moved = self.judge(node, steps, self.relayer, "REG-7") - start - passed
                require(moved > 0, "REG-7", "a judge call stopped with epochs due", node=node, due=due - passed)
                passed += moved

    # --- the end: everyone exits (REG-14) ---------------------------------------------------------
    def exit(self, node: int) -> tuple[str | None, int]:
        """The operator takes its whole bond out: the committee catches up and a keeper sweeps,
        it requests everything in an epoch's last second, the epoch ends and is reported and
        swept, and it withdraws once the request matures. Returns the withdrawal's refusal
        (None: paid) and how many blocks passed after the request's epoch ended."""
        self.catch_up(node)
        self.move_to(self.model.epoch_end(self.model.epoch(self.now())) - 1)
        held = self.model.nodes[node].held
        if held == 0:  # the keeper's slashes took it all
            return None, 0
        reason = self.request(node, held)
        require(
            reason is None,
            "REG-14",
            "an operator could not request its whole bond",
            node=node,
            held=held,
            reason=reason,
        )
        book = self.model.nodes[node]
        ended = self.model.epoch_end(book.request_epoch)
        self.move_to(ended)
        self.catch_up(node)
        self.move_to(book.available_at)
        blocks = self.now() - ended
        return self.withdraw(node), blocks

    def catch_up(self, node: int) -> None:
        while any(
            (node, epoch) not in self.model.reports
            for epoch in range(self.model.judged_until(node), self.model.epoch(self.now()))
        ):
            self.report(node, self.model.judged_until(node), [10_000] * 64)
        self.keeper_sweeps(node - 1)

    def end_of_run(self) -> None:
        if not self.deployed():
            return
        for node in self.model.nodes:
            if self.model.nodes[node].held == 0:
                continue
            reason, blocks = self.exit(node)
            window = self.model.bond_delay + self.model.window
            require(
                reason is None or window <= blocks,
                "REG-14",
                "an operator could not take out what slashes left of its bond",
                node=node,
                reason=reason,
                delay_plus_window=window,
                blocks_after_its_epoch_ended=blocks,
            )
            if reason is None:
                equal("REG-14", f"node {node}'s bond after its exit", self.registry.node(node)[10], 0)
                equal(
                    "REG-14",
                    f"node {node}'s request after its exit",
                    tuple(self.registry.bond_withdrawal(node)),
                    (0, 0, 0, 0),
                )
        owed = self.registry.bonds_held()
        equal("REG-14", "bonds_held() after every exit", owed, self.model.owed())
        slashed = sum(self.slashed_into.values())
        equal(
            "REG-14",
            "everything posted is withdrawn, slashed or still held (posted, withdrawn + slashed + held)",
            (self.posted, self.posted - self.withdrawn - slashed),
            (self.posted, owed),
        )
        equal(
            "REG-14",
            "the registry's balance after every exit",
            self.stable.balanceOf(self.registry),
            owed + self.excess,
        )
        if self.excess:
            self.skim(self.relayer)
        equal("REG-14", "the registry's balance after the last skim", self.stable.balanceOf(self.registry), owed)
        equal(
            "REG-14",
            "the operator's balance after its exit",
            self.stable.balanceOf(self.operator),
            FUNDS - self.posted + self.withdrawn,
        )

    # --- properties -------------------------------------------------------------------------------
    def check_judged(self, node: int) -> None:
        """REG-8 on the chain's own records: every epoch below the cursor is slashed or met its
        SLA (a missed one counts as uptime 0). Reports and slash marks are write-once, so each
        epoch is checked once."""
        sla = self.model.nodes[node].sla_uptime_bps
        until = self.registry.judged_until(node)
        for epoch in range(self.verified[node], until if sla else 0):  # any uptime meets an SLA of 0
            if self.registry.slashed(node, epoch):
                continue
            report = self.oracle.report(node, epoch)
            uptime = report[0] if report[5] != 0 else 0
            require(
                uptime >= sla,
                "REG-8",
                "an epoch below the SLA passed unslashed",
                node=node,
                epoch=epoch,
                uptime=uptime,
                sla=sla,
            )
        self.verified[node] = max(self.verified[node], until)

    @check("REG-8", watches=("judged", "slash"))
    def reg_8_bad_epochs_end_slashed_into_the_stream(self):
        if not self.deployed():
            return
        for node in self.model.nodes:
            self.check_judged(node)
            equal(
                "REG-8",
                f"node {node}'s token holds the sum of its slashes",
                self.stable.balanceOf(self.tokens[node]),
                self.slashed_into[node],
            )

    @check("REG-9", "REG-7", watches=("bonds", "slash", "judged"))
    def reg_9_the_registry_holds_the_bonds(self):
        if not self.deployed():
            return
        now = self.chain.timestamp
        equal("REG-9", "bonds_held()", self.registry.bonds_held(), self.model.owed())
        for node in self.model.nodes:
            equal("REG-9", f"node {node}'s bond at risk", self.registry.node(node)[10], self.model.at_risk(node, now))
            equal(
                "REG-9",
                f"node {node}'s request",
                tuple(self.registry.bond_withdrawal(node)),
                self.model.pending(node, now),
            )
            equal(
                "REG-7", f"node {node}'s judged cursor", self.registry.judged_until(node), self.model.judged_until(node)
            )
        equal(
            "REG-9",
            "the operator's balance",
            self.stable.balanceOf(self.operator),
            FUNDS - self.posted + self.withdrawn,
        )

    @check("REG-9", "REG-5", watches=("time",))
    def reg_9_requests_expire_on_time(self):
        """What time alone changes: a request that expires is bond at risk again."""
        if not self.deployed():
            return
        now = self.chain.timestamp
        for node, book in self.model.nodes.items():
            if book.requested:
                equal(
                    "REG-5",
                    f"node {node}'s request at {now}",
                    tuple(self.registry.bond_withdrawal(node)),
                    self.model.pending(node, now),
                )
                equal(
                    "REG-9",
                    f"node {node}'s bond at risk at {now}",
                    self.registry.node(node)[10],
                    self.model.at_risk(node, now),
                )

    @check("REG-10", watches=("stable", "bonds", "slash", "owner"))
    def reg_10_the_registry_holds_what_it_owes_plus_the_unskimmed_excess(self):
        if not self.deployed():
            return
        equal(
            "REG-10",
            "the registry's balance (owed + excess)",
            self.stable.balanceOf(self.registry),
            self.model.owed() + self.excess,
        )
        for name, account in self.treasuries.items():
            equal("REG-10", f"the {name}'s balance (its skims)", self.stable.balanceOf(account), self.skimmed_to[name])
        equal(
            "REG-10",
            "the stray sender's balance",
            self.stable.balanceOf(self.attacker),
            FUNDS - self.excess - self.skimmed,
        )

    @check("REG-11", watches=("listing",))
    def reg_11_no_operator_fills_a_region(self):
        if not self.deployed():
            return
        for region in REGIONS:
            listed = len(self.registry.nodes_in_region(region))
            equal("REG-11", f"nodes listed in {region}", listed, self.listings.per_region.get(region, 0))
            for who in (self.operator, self.attacker, self.honest, self.stranger):
                count = self.registry.operator_nodes_in_region(who, region)
                expected = self.listings.of(who.address, region)
                require(
                    count == expected <= MAX_NODES_PER_OPERATOR_IN_REGION,
                    "REG-11",
                    "an operator's nodes in a region",
                    operator=who.address,
                    region=region,
                    count=count,
                    expected=expected,
                    cap=MAX_NODES_PER_OPERATOR_IN_REGION,
                )
            equal("REG-11", f"the stranger's nodes in {region}", self.listings.of(self.stranger.address, region), 0)
            # three operators at most 16 each: room is left for every other verified operator
            require(
                listed <= 3 * MAX_NODES_PER_OPERATOR_IN_REGION < MAX_NODES_PER_REGION,
                "REG-11",
                "a region filled",
                region=region,
                listed=listed,
            )

    @check("REG-12", watches=("roles", "listing"))
    def reg_12_tokens_get_the_roles_the_registry_was_told(self):
        if not self.deployed():
            return
        _, agent, minter = self.roles.of_new_token()
        equal(
            "REG-12",
            "(token_agent(), token_minter())",
            (self.registry.token_agent(), self.registry.token_minter()),
            (agent, minter),
        )
        # a token's roles are fixed when it is created: each is read once, after its registration
        tokens = list(self.token_roles)
        others = (self.issuer, self.agent, self.minter, self.holder, self.attacker)
        for address in tokens[self.checked_roles :]:
            token = self.chain.at("ComputeToken", address)
            admin, agent, minter = self.token_roles[address]
            equal("REG-12", f"token {address}'s admin", token.owner(), admin)
            for account in others:
                equal(
                    "REG-12",
                    f"token {address}: is_agent({account.address})",
                    token.is_agent(account),
                    account.address == agent,
                )
                equal(
                    "REG-12",
                    f"token {address}: is_minter({account.address})",
                    token.is_minter(account),
                    account.address == minter,
                )
        self.checked_roles = len(tokens)

    @check("REG-15", watches=("owner",))
    def reg_15_the_owner_and_the_treasury_are_the_models(self):
        if not self.deployed():
            return
        equal("REG-15", "owner()", self.registry.owner(), self.owner.address)
        equal("REG-15", "pending_owner()", self.registry.pending_owner(), self.pending_owner)
        equal("REG-15", "treasury()", self.registry.treasury(), self.treasuries[self.treasury_name].address)


@pytest.mark.both_engines
def test_registry_machine(backend):
    run_state_machine_as_test(lambda: RegistryMachine(backend), settings=machine_settings(backend))
