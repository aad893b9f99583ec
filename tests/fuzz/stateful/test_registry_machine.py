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
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain
from computerwa.evm.chain import expect
from computerwa.evm.suite import deploy_suite
from computerwa.models.registry import (
    MAX_JUDGED_PER_CALL,
    MAX_NODES_PER_OPERATOR_IN_REGION,
    MAX_NODES_PER_REGION,
    NO_BOND_TO_SLASH,
    ZERO_ADDRESS,
    BondModel,
    Listings,
    RegistryError,
    TokenRoles,
)
from tests.conftest import EPOCH_LENGTH, machine_settings, role

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


class RegistryMachine(RuleBasedStateMachine):
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

    def teardown(self):
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
        self.oracle_domain = Domain.of(self.oracle)
        self.model = BondModel(genesis, EPOCH_LENGTH, bond_delay, slash_bps, window, grace)
        self.tokens, self.status = {}, {}
        for sla in node_slas:
            receipt = self.registry.register_node(
                "latam", "L40S", 4, 1_000, 3_000, sla, "ipfs://m", sender=self.operator
            )
            node = receipt.filter("NodeRegistered")[0].args["node_id"]
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
        assert receipt.filter("BondPosted")[0].args["bond"] == self.model.at_risk(node, receipt.timestamp)

    @rule(which=st.integers(0, NODES - 1), share=st.sampled_from(["all", "all", "all", "half", "one", "above"]))
    def operator_requests(self, which, share):
        node = which + 1
        held = self.model.nodes[node].held
        amount = {"all": held, "half": held // 2, "one": 1, "above": held + 1}[share]
        now = self.now()
        _, reason = self.predict(lambda: self.model.request(node, amount, now))
        receipt = expect(reason, lambda: self.registry.request_bond_withdrawal(node, amount, sender=self.operator))
        if receipt is not None:
            args = receipt.filter("BondWithdrawalRequested")[0].args
            assert (args["amount"], args["available_at"], args["expires_at"], args["epoch"]) == self.model.pending(
                node, now
            )
            assert args["bond"] == self.model.at_risk(node, now)
        event(f"request: {reason or 'made'}")

    @rule(which=st.integers(0, NODES - 1), when=st.sampled_from(["now", "mature", "mature", "last", "expiry"]))
    def operator_withdraws(self, which, when):
        """At once, or at its request's maturity, the last second of its window, its expiry."""
        node = which + 1
        book = self.model.nodes[node]
        target = {
            "now": 0,
            "mature": book.available_at,
            "last": book.available_at + self.model.window - 1,
            "expiry": book.available_at + self.model.window,
        }[when]
        if target > self.now():
            self.chain.pending_timestamp = target
        now = self.now()
        request_epoch = book.request_epoch
        amount, reason = self.predict(lambda: self.model.withdraw(node, now))
        before = self.stable.balanceOf(self.operator)
        receipt = expect(reason, lambda: self.registry.withdraw_bond(node, self.operator, sender=self.operator))
        event(f"withdraw: {reason or 'paid'}")
        if receipt is None:
            return
        assert receipt.return_value == amount
        assert self.stable.balanceOf(self.operator) == before + amount
        self.withdrawn += amount
        # REG-8: the bond left only once every epoch of the node up to the request was judged
        assert self.registry.judged_until(node) > request_epoch
        self.check_judged(node)

    @rule(which=st.integers(0, NODES - 1), status=st.sampled_from([PAUSED, RETIRED, ACTIVE]))
    def operator_sets_status(self, which, status):
        node = which + 1
        reason = RETIRED_NODE if self.status[node] == RETIRED else None
        expect(reason, lambda: self.registry.set_status(node, status, sender=self.operator))
        if reason is None:
            self.status[node] = status

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
        outcome, reason = self.predict(lambda: self.model.slash(node, epoch, now))
        receipt = expect(reason, lambda: self.registry.slash(node, epoch, sender=sender))
        event(f"slash: {reason or ('missed' if outcome.missed else 'reported')}")
        if receipt is None:
            return reason
        args = receipt.filter("Slashed")[0].args
        assert (args["epoch"], args["missed"], args["amount"]) == (epoch, outcome.missed, outcome.amount)
        assert args["bond"] == self.model.at_risk(node, now)
        assert args["requested"] == self.model.pending(node, now)[0]
        deposited = receipt.filter("RevenueDeposited")
        assert [(e.address, e.args["amount"]) for e in deposited] == [(self.tokens[node], outcome.amount)]
        self.slashed_into[node] += outcome.amount
        return None

    @rule(which=st.integers(0, NODES - 1), steps=st.sampled_from([0, 1, 3, MAX_JUDGED_PER_CALL]))
    def anyone_judges(self, which, steps):
        node = which + 1
        expected = self.model.judge(node, self.now(), steps)
        receipt = self.registry.judge(node, steps, sender=self.attacker)
        assert receipt.return_value == expected

    @rule(which=st.integers(0, NODES - 1))
    def keeper_sweeps(self, which):
        """Judges the node and slashes every bad epoch it stops at, until it stops at one it
        cannot act on: that must be unended, still due, or have nothing to slash."""
        node = which + 1
        for _ in range(200):
            now = self.now()
            cursor = self.model.judge(node, now, MAX_JUDGED_PER_CALL)
            assert self.registry.judge(node, MAX_JUDGED_PER_CALL, sender=self.relayer).return_value == cursor
            if self.model.uptime(node, cursor, now) is None or now < self.model.epoch_end(cursor):
                event("sweep: stops at an unended or due epoch")
                return
            reason = self.slash(node, cursor, self.relayer)
            if reason is not None:
                # a bad epoch the keeper cannot slash: only because the slash would move nothing
                assert reason == NO_BOND_TO_SLASH, reason
                event("sweep: stops at a bad epoch with nothing to slash")
                return
        raise AssertionError("the sweep did not finish")

    # --- who lists nodes, stray stablecoin (issue #15 items 8 and 10) ---------------------------
    def register(self, who, region: str) -> str | None:
        """A registration whose outcome the listings model predicts; returns the revert reason."""
        verified = who in (self.operator, self.attacker, self.honest)
        _, reason = self.predict_listing(lambda: self.listings.register(who.address, region, verified))
        receipt = expect(
            reason,
            lambda: self.registry.register_node(region, "H100", 1, 1, 0, 0, "ipfs://x", sender=who),
        )
        event(f"register: {reason or 'listed'}")
        if receipt is not None:
            args = receipt.filter("NodeRegistered")[0].args
            assert args["operator"] == who.address
            self.token_roles[args["token"]] = self.roles.of_new_token()
        return reason

    def predict_listing(self, apply):
        import copy

        saved = copy.deepcopy(self.listings)
        try:
            return apply(), None
        except RegistryError as err:
            self.listings = saved
            return None, err.reason

    @rule(region=st.sampled_from(REGIONS), count=st.sampled_from([1, 5, MAX_NODES_PER_OPERATOR_IN_REGION + 2]))
    def attacker_fills_a_region(self, region, count):
        """A verified but hostile operator lists as many nodes as it can in one region."""
        for _ in range(count):
            if self.register(self.attacker, region) is not None:
                return

    @rule(region=st.sampled_from(REGIONS))
    def stranger_registers(self, region):
        """An operator nobody verified is refused."""
        assert self.register(self.stranger, region) is not None

    @rule(region=st.sampled_from(REGIONS))
    def honest_operator_registers(self, region):
        """REG-11: an honest operator below its own cap is always listed, wherever the attacker is capped."""
        if self.listings.of(self.honest.address, region) < MAX_NODES_PER_OPERATOR_IN_REGION:
            assert self.register(self.honest, region) is None, "REG-11: an honest operator was kept out"

    # --- who holds the token roles (issue #15 item 12) --------------------------------------------
    @rule(
        which=st.sampled_from(["agent", "minter"]),
        who=st.sampled_from(["issuer", "issuer", "attacker"]),
        to=st.sampled_from(["agent", "minter", "holder", "attacker", "zero"]),
    )
    def someone_names_a_token_role(self, which, who, to):
        """The issuer hands a token role to an address (the zero address is refused); the
        attacker tries to name itself, or anyone, and is refused."""
        caller = self.issuer if who == "issuer" else self.attacker
        account = ZERO_ADDRESS if to == "zero" else getattr(self, to).address
        reason = None
        try:
            self.roles.set(caller.address, which, account)
        except RegistryError as err:
            reason = err.reason
        setter = self.registry.set_token_agent if which == "agent" else self.registry.set_token_minter
        receipt = expect(reason, lambda: setter(account, sender=caller))
        event(f"token role: {reason or 'set'}")
        if receipt is not None:
            name = "TokenAgentSet" if which == "agent" else "TokenMinterSet"
            assert [e.args for e in receipt.filter(name)] == [{which: account}]

    @rule(amount=amounts)
    def stray_transfer(self, amount):
        """Stablecoin sent straight to the registry: nobody's bond."""
        self.stable.transfer(self.registry, amount, sender=self.attacker)
        self.excess += amount

    @rule(who=st.sampled_from(["attacker", "relayer", "operator"]))
    def anyone_skims(self, who):
        sender = {"attacker": self.attacker, "relayer": self.relayer, "operator": self.operator}[who]
        balance = self.stable.balanceOf(self.registry)
        amount, reason = None, None
        try:
            amount = self.model.skim(balance)
        except RegistryError as err:
            reason = err.reason
        receipt = expect(reason, lambda: self.registry.skim(sender=sender))
        event(f"skim: {reason or 'sent'}")
        if receipt is None:
            assert self.excess == 0, "REG-10: an excess was left unskimmable"
            return
        # REG-10: a skim sends exactly the excess, to the treasury
        assert amount == self.excess
        assert [e.args for e in receipt.filter("Skimmed")] == [{"receiver": self.treasury.address, "amount": amount}]
        self.skimmed += amount
        self.excess = 0

    # --- time -----------------------------------------------------------------------------------
    @rule(seconds=st.sampled_from([1, HOUR, 6 * HOUR, EPOCH_LENGTH // 2, EPOCH_LENGTH, 3 * EPOCH_LENGTH]))
    def time_passes(self, seconds):
        self.chain.sleep(seconds)

    @rule(which=st.integers(0, NODES - 1), edge=st.sampled_from(["mature", "last", "expiry", "due", "missed"]))
    def time_jumps_to_an_edge(self, which, edge):
        node = which + 1
        book = self.model.nodes[node]
        cursor = self.model.judged_until(node)
        target = {
            "mature": book.available_at,
            "last": book.available_at + self.model.window - 1,
            "expiry": book.available_at + self.model.window,
            "due": self.model.epoch_end(cursor) + self.model.grace - 1,
            "missed": self.model.epoch_end(cursor) + self.model.grace,
        }[edge]
        if target > self.now():
            self.chain.pending_timestamp = target

    # --- invariants -------------------------------------------------------------------------------
    def check_judged(self, node: int) -> None:
        """REG-8 on the chain's own records: every epoch below the cursor is slashed or met its
        SLA (a missed one counts as uptime 0). Reports and slash marks are write-once, so each
        epoch is checked once."""
        sla = self.model.nodes[node].sla_uptime_bps
        until = self.registry.judged_until(node)
        for epoch in range(self.verified[node], until):
            if self.registry.slashed(node, epoch):
                continue
            report = self.oracle.report(node, epoch)
            uptime = report[0] if report[5] != 0 else 0
            assert uptime >= sla, f"REG-8: epoch {epoch} of node {node} passed unjudged"
        self.verified[node] = max(self.verified[node], until)

    @invariant()
    def reg_8_bad_epochs_end_slashed_into_the_stream(self):
        if not self.deployed():
            return
        for node in self.model.nodes:
            self.check_judged(node)
            assert self.stable.balanceOf(self.tokens[node]) == self.slashed_into[node], "REG-8: slash not in stream"

    @invariant()
    def reg_9_the_registry_holds_the_bonds(self):
        if not self.deployed():
            return
        now = self.chain.timestamp
        assert self.registry.bonds_held() == self.model.owed(), "REG-9: bonds held"
        for node in self.model.nodes:
            assert self.registry.node(node)[10] == self.model.at_risk(node, now), "REG-9: bond at risk"
            assert tuple(self.registry.bond_withdrawal(node)) == self.model.pending(node, now), "REG-9: request"
            assert self.registry.judged_until(node) == self.model.judged_until(node)
        assert self.stable.balanceOf(self.operator) == FUNDS - self.posted + self.withdrawn, "REG-9: operator"

    @invariant()
    def reg_10_the_registry_holds_what_it_owes_plus_the_unskimmed_excess(self):
        if not self.deployed():
            return
        assert self.stable.balanceOf(self.registry) == self.model.owed() + self.excess, "REG-10: registry"
        assert self.stable.balanceOf(self.treasury) == self.skimmed, "REG-10: treasury"
        assert self.stable.balanceOf(self.attacker) == FUNDS - self.excess - self.skimmed, "REG-10: attacker"

    @invariant()
    def reg_11_no_operator_fills_a_region(self):
        if not self.deployed():
            return
        for region in REGIONS:
            listed = len(self.registry.nodes_in_region(region))
            assert listed == self.listings.per_region.get(region, 0), "REG-11: listing"
            for who in (self.operator, self.attacker, self.honest, self.stranger):
                count = self.registry.operator_nodes_in_region(who, region)
                assert count == self.listings.of(who.address, region) <= MAX_NODES_PER_OPERATOR_IN_REGION, "REG-11"
            assert self.listings.of(self.stranger.address, region) == 0
            # three operators at most 16 each: room is left for every other verified operator
            assert listed <= 3 * MAX_NODES_PER_OPERATOR_IN_REGION < MAX_NODES_PER_REGION, "REG-11: region filled"

    @invariant()
    def reg_12_tokens_get_the_roles_the_registry_was_told(self):
        if not self.deployed():
            return
        _, agent, minter = self.roles.of_new_token()
        assert (self.registry.token_agent(), self.registry.token_minter()) == (agent, minter), "REG-12: registry"
        # a token's roles are fixed when it is created: each is read once, after its registration
        tokens = list(self.token_roles)
        others = (self.issuer, self.agent, self.minter, self.holder, self.attacker)
        for address in tokens[self.checked_roles :]:
            token = self.chain.at("ComputeToken", address)
            expected = self.token_roles[address]
            assert token.owner() == expected[0], "REG-12: admin"
            for account in others:
                assert token.is_agent(account) == (account.address == expected[1]), "REG-12: agent"
                assert token.is_minter(account) == (account.address == expected[2]), "REG-12: minter"
        self.checked_roles = len(tokens)


@pytest.mark.both_engines
def test_registry_machine(backend):
    run_state_machine_as_test(lambda: RegistryMachine(backend), settings=machine_settings(backend))
