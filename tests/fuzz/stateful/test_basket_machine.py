"""ComputeBasket (issue #21) against the exact model of holding its node tokens through it.

Deployment: a deployment's stablecoin, identity registry and factory (`deploy_suite(...,
upto="factory")`), four node tokens, and per example a basket over the first 2 to 4 of
them with drawn units per basket base unit (1, 2, 3, 7 or 10**12), deployed directly with
the ComputeBasket constructor, at an address verified in the registry beforehand (a
dedicated deployer whose nonce never moves, so every example's basket lands there).
Actors: three verified EOAs (investor, holder, customer) and a contract wallet (MockWallet,
driven through `execute`), each holding 10**24 base units (a million whole tokens) of every node token, approved to
the basket; the agent of the basket and of the node tokens; a relayer paying revenue in.

Rules: revenue deposited into a node token (1 base unit to 10**15), create and redeem
(one share, half, all, one more than possible, absolute amounts), transfers and
transferFrom of basket shares and approvals, node tokens moved between actors (holding
directly next to the basket), harvest by anyone, claims from the basket, time (within an
epoch, to one second before, at and after an epoch edge, several epochs), the basket frozen
in a component (harvest skips it) and unfrozen, a component paused and unpaused, the basket
paused, a basket holder frozen, stablecoin and node tokens sent straight to the basket
(donations), forced transfers and recoveries of basket shares by the agent. Every call's
outcome (success or exactly which revert) is predicted first.

Models: `RevenueModel` (integers, the contract step for step) of each component and of the
basket's own stream predict every number to the unit; the differential yardstick is exact
Fractions of holding the underlying through the basket: `ExactRevenue` of each component gives
the basket's exact balance-time share of that component's revenue, a harvest moves (ideally)
exactly what the basket earned in each component it claimed since it last claimed there, in
one deposit into an `ExactRevenue` of the basket's stream (`ideal`), which shares it over the
next epoch by balance-time. The contract harvests whole units instead (each component keeps
the sub-unit dust for the next harvest): each harvest's deposit differs from the ideal one by
`e_k`, and `errors` is the same basket stream fed |e_k| instead, which bounds what those
floors can move for each holder (the stream is linear and positive in its deposits).

Properties (IDs in PROPERTIES.md, section ComputeBasket): BSK-1 backing, BSK-2 solvency and
the stream's accounting, BSK-3 the differential bound, BSK-4 create/redeem exactness (in the
rules), BSK-5 harvest exactness (in the rule), BSK-6 end of run (everyone exits, only bounded
dust is left), BSK-7 every outcome predicted, BSK-8 the constructor: a basket deploys exactly when
its composition, clock and roles are valid, and then holds them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from fractions import Fraction

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule, run_state_machine_as_test

from computerwa.evm.chain import Reverted, expect
from computerwa.evm.suite import deploy_suite
from computerwa.models.exact_revenue import ExactRevenue
from computerwa.models.revenue import ACC_PRECISION, IdealShares, RevenueModel
from tests.conftest import DOCUMENTS_HASH, FOREVER, machine_settings, role
from tests.fuzz.properties import PropertyMachine, check, equal, require

MAX = 2**256 - 1
DAY = 86_400
ZERO = "0x" + "00" * 20
NAME, SYMBOL = "ComputeRWA Basket", "CRB"
MAX_COMPONENTS = 32
P = ACC_PRECISION
NODES = (201, 202, 203, 204)  # the four node tokens; a basket takes the first 2 to 4
STOCK = 10**24  # base units of every node token each actor starts with
DEPLOYER = 14  # an account no role uses: it deploys each example's basket, at one address
UNIT_CHOICES = (1, 1, 2, 3, 7, 10**12)
# what rounding may add on top of the stated bounds: the exact models stream continuously, the
# contract in whole scaled units (below 10**-36 base units per release and epoch)
SLACK = Fraction(1, 10**24)

PAUSED = "compute_token: transfers are paused"
SENDER_FROZEN = "compute_token: sender is frozen"
RECEIVER_FROZEN = "compute_token: receiver is frozen"
NO_BALANCE = "erc20: transfer amount exceeds balance"
BASKET_PAUSED = "compute_basket: paused"
FROZEN_CLAIM = "revenue: account is frozen"

ACTORS = 4  # 0..2: EOAs (investor, holder, customer); 3: a contract wallet
WALLET = 3
actor = st.integers(0, ACTORS - 1)
absolute = st.one_of(st.integers(1, 10**3), st.integers(1, 10**22), st.sampled_from([10**18]))
relative = st.sampled_from(["all", "half", "one", "all+1"])
# one_of flattens `absolute`'s three branches: three of relative keep about half the draws relative
amount_of = st.one_of(relative, relative, relative, absolute, st.just(0))
revenue_amount = st.one_of(st.just(1), st.integers(1, 10**3), st.integers(1, 10**15))
# a restriction switched on one time in four, off otherwise: most steps run unrestricted
rarely = st.sampled_from([False, False, False, True])
ALREADY = {True: "compute_token: already paused", False: "compute_token: not paused"}
time_jump = st.one_of(st.sampled_from([1, 3_600, DAY // 2, DAY - 1, DAY, DAY + 1, 3 * DAY]), st.integers(1, 2 * DAY))

SIGNATURES = {
    "transfer": ("transfer(address,uint256)", ["address", "uint256"]),
    "transferFrom": ("transferFrom(address,address,uint256)", ["address", "address", "uint256"]),
    "approve": ("approve(address,uint256)", ["address", "uint256"]),
    "claim": ("claim(address)", ["address"]),
    "create": ("create(uint256)", ["uint256"]),
    "redeem": ("redeem(uint256)", ["uint256"]),
}


def calldata(name: str, *args) -> bytes:
    signature, types = SIGNATURES[name]
    return keccak(text=signature)[:4] + abi_encode(types, list(args))


def outcome(pid: str, reason: str | None, call: Callable):
    """`expect` with the ID of the property the prediction checks in a mismatch's message."""
    try:
        return expect(reason, call)
    except AssertionError as err:
        message = str(err.args[0]) if err.args else "assertion failed"
        raise AssertionError(f"{pid}: predicted outcome: {message}") from None


def copied(exact: ExactRevenue, t: int) -> ExactRevenue:
    """A copy of an exact model brought to t (the model itself moves only with the chain)."""
    probe = copy.copy(exact)
    probe.deposits, probe.shares, probe.balances = dict(exact.deposits), dict(exact.shares), dict(exact.balances)
    probe.advance(t)
    return probe


class BasketDeployment:
    """What every example shares: the node tokens, the actors and their stock, and the address
    each example's basket is deployed at (verified in the registry, approved by every actor)."""

    def __init__(self, backend, stablecoin, identity):
        self.chain, self.stable, self.identity = backend, stablecoin, identity
        self.issuer, self.agent, self.minter, self.relayer = (
            role(backend, name) for name in ("issuer", "agent", "minter", "relayer")
        )
        self.deployer = backend.accounts[DEPLOYER]
        suite = deploy_suite(
            backend, self.issuer, stablecoin=stablecoin, identity=identity, genesis=backend.timestamp, upto="factory"
        )
        factory = suite.factory
        self.tokens = []
        for node in NODES:
            factory.create_token(
                node, f"ComputeRWA Node {node}", f"CN{node}", DOCUMENTS_HASH, self.issuer, self.agent, self.minter,
                sender=self.issuer,
            )  # fmt: skip
            self.tokens.append(backend.at("ComputeToken", factory.token_of(self.issuer, node)))
        self.genesis, self.epoch_length = self.tokens[0].GENESIS(), self.tokens[0].EPOCH_LENGTH()
        # where every example's basket lands: the deployer's next contract address
        probe = backend.snapshot()
        self.address = self.deploy([1, 1]).address
        backend.restore(probe)
        eoas = [role(backend, name) for name in ("investor", "holder", "customer")]
        self.wallet_owner = role(backend, "operator")
        wallet = backend.deploy("MockWallet", self.wallet_owner.address, sender=self.wallet_owner)
        self.actors = [*eoas, wallet]
        for account in (*eoas, wallet, self.address):
            identity.set_verified(account, FOREVER, sender=self.issuer)
        for token in self.tokens:
            for i, account in enumerate(self.actors):
                token.mint(account, STOCK, sender=self.minter)
                if i == WALLET:
                    wallet.execute(token.address, calldata("approve", self.address, MAX), sender=self.wallet_owner)
                else:
                    token.approve(self.address, MAX, sender=account)
        stablecoin.mint(self.relayer, 10**30, sender=self.issuer)
        for token in self.tokens:
            stablecoin.approve(token, MAX, sender=self.relayer)

    def deploy(self, units: list[int], **overrides):
        """A basket over the first len(units) node tokens (or `components`), with overrides."""
        args = {
            "components": [token.address for token in self.tokens[: len(units)]],
            "units": units,
            "stablecoin": self.stable.address,
            "genesis": self.genesis,
            "epoch_length": self.epoch_length,
            "admin": self.issuer.address,
            "agent": self.agent.address,
            "identity": self.identity.address,
        }
        args.update(overrides)
        return self.chain.deploy(
            "ComputeBasket", NAME, SYMBOL, args["components"], args["units"], args["stablecoin"], args["identity"],
            args["genesis"], args["epoch_length"], args["admin"], args["agent"], sender=self.deployer,
        )  # fmt: skip


class BasketMachine(PropertyMachine):
    # checked in rules (outcome predictions, create/redeem and harvest exactness) or at the end
    RULE_IDS = frozenset({"BSK-4", "BSK-5", "BSK-6", "BSK-7", "BSK-8"})

    def __init__(self, deployment: BasketDeployment):
        super().__init__()
        d = self.d = deployment
        self.chain, self.stable = d.chain, d.stable
        self.snapshot = d.chain.snapshot()
        self.actors = d.actors
        self.addr = [a.address for a in d.actors]
        self.basket = None
        self.views: dict = {}  # view results after the latest step (the checks share them)

    def restore(self):
        self.chain.restore(self.snapshot)

    # --- the example's basket ---------------------------------------------------------------
    @initialize(
        count=st.integers(2, 4),
        units=st.lists(st.sampled_from(UNIT_CHOICES), min_size=4, max_size=4),
        creates=st.lists(st.one_of(st.just(0), relative, st.integers(1, 10**3)), min_size=4, max_size=4),
        revenue=st.lists(st.one_of(st.just(0), revenue_amount), min_size=4, max_size=4),
        warm=st.sampled_from([None, 0, 1, DAY // 2, DAY - 1]),
    )
    def deploy(self, count, units, creates, revenue, warm):
        """The example's basket over 2 to 4 node tokens, then (most often) shares created by the
        actors and revenue paid into the components, so most examples stream from the start; a
        warm start then harvests `warm` seconds into the next epoch and moves into the epoch after,
        where the basket's own stream runs."""
        d = self.d
        self.units = units[:count]
        self.basket = d.deploy(self.units)
        assert self.basket.address == d.address, "the basket lands where it was verified"
        self.tokens = d.tokens[:count]
        self.n = count
        self.B = self.basket.address
        now = self.chain.timestamp
        self.deployed_as(self.basket, [t.address for t in self.tokens], self.units)
        # integer models: each component's stream (every holder, the basket included) and the basket's
        self.ideal_in = [IdealShares() for _ in range(count)]  # the basket's exact release shares per component
        self.comp = []
        self.comp_exact = []
        for c, token in enumerate(self.tokens):
            model = RevenueModel(d.genesis, d.epoch_length, last_update=token.last_update(),
                                 on_release=self.ideal_in[c].record)  # fmt: skip
            model.balances = {a: STOCK for a in self.addr}
            model.supply = STOCK * ACTORS
            self.comp.append(model)
            exact = ExactRevenue(d.genesis, d.epoch_length, now=now)
            exact.balances, exact.supply = dict(model.balances), model.supply
            self.comp_exact.append(exact)
        self.ideal_basket = IdealShares()  # the basket's releases, shared exactly (REV-2's yardstick)
        self.model = RevenueModel(d.genesis, d.epoch_length, last_update=self.basket.last_update(),
                                  on_release=self.ideal_basket.record)  # fmt: skip
        self.ideal = ExactRevenue(d.genesis, d.epoch_length, now=now)  # fed the ideal harvests
        self.errors = ExactRevenue(d.genesis, d.epoch_length, now=now)  # fed |actual - ideal| per harvest
        self.harvested_share = [Fraction(0)] * count  # the basket's exact share in c when it last claimed there
        self.deposit_errors: list[Fraction] = []
        self.claimed_by = {a: 0 for a in self.addr}
        self.allowances: dict[tuple[int, int], int] = {}
        self.frozen_in = [False] * count  # the basket frozen in component c
        self.paused_comp = [False] * count
        self.frozen = [False] * ACTORS  # a holder frozen in the basket
        self.paused = False
        self.donated_stable = 0
        self.donated_nodes = [0] * count
        self.touch("all")
        for i, shares in enumerate(creates):
            if shares:
                self.create(i, shares)
        for c, amount in enumerate(revenue[:count]):
            if amount:
                self.deposit(c, amount)
        if warm is not None:
            self.sleep_to_epoch_edge(0, warm)
            self.harvest(0)
            self.sleep_to_epoch_edge(0, warm)

    # --- helpers ----------------------------------------------------------------------------
    def call(self, i: int, target, name: str, *args) -> Callable:
        """Actor i calls `target`: an EOA directly, the contract wallet through `execute`."""
        if i != WALLET:
            return lambda: getattr(target, name)(*args, sender=self.actors[i])
        data = calldata(name, *args)
        return lambda: self.actors[WALLET].execute(target.address, data, sender=self.d.wallet_owner)

    def shares(self, i: int) -> int:
        return self.model.balances.get(self.addr[i], 0)

    def holder(self, i: int) -> int:
        """The i-th actor holding basket shares (i itself when nobody holds): most redeems, transfers
        and forced transfers then move real shares."""
        holders = [j for j in range(ACTORS) if self.shares(j)]
        return holders[i % len(holders)] if holders else i

    def held(self, c: int, account: str) -> int:
        return self.comp[c].balances.get(account, 0)

    @staticmethod
    def resolve(amount, balance: int) -> int:
        if isinstance(amount, int):
            return amount
        return {"all": balance, "half": balance // 2, "one": 1, "all+1": balance + 1}[amount]

    def basket_op(self, t: int, op: Callable[[], object]) -> None:
        """Applies an update of the basket's stream to the integer model (`op`) and mirrors it in
        the exact ones: what streamed to nobody is queued again there, as the contract queues its
        whole units; what the contract set aside as dust instead is an error of that size."""
        dust = self.model.dust
        op()
        self.ideal.touch(t)
        self.errors.touch(t)
        if self.model.dust != dust:
            self.errors._queue(t, Fraction(self.model.dust - dust, P))

    def basket_move(self, t: int, sender: str | None, receiver: str | None, amount: int) -> None:
        self.basket_op(t, lambda: self.model.move(t, sender, receiver, amount))
        self.ideal.move(t, sender, receiver, amount)
        self.errors.move(t, sender, receiver, amount)
        self.touch("basket", "holders")

    def comp_move(self, c: int, t: int, sender: str, receiver: str, amount: int) -> None:
        self.comp[c].move(t, sender, receiver, amount)
        self.comp_exact[c].move(t, sender, receiver, amount)
        self.touch("components")

    def accrued(self, account: str) -> int:
        """An account's credit in the basket's stream as the model has it now (scaled)."""
        acc = self.model._advance(self.chain.pending_timestamp)[0]
        return self.model._pending(account, acc)

    def peek(self, model: RevenueModel, t: int, ideal: IdealShares | None = None) -> RevenueModel:
        probe = copy.copy(model)
        probe.balances, probe.paid, probe.accrued = dict(model.balances), dict(model.paid), dict(model.accrued)
        probe.on_release = ideal.record if ideal is not None else None
        probe.update(t)
        return probe

    def restriction(self, src: int, dst: int) -> str | None:
        """Why a transfer of basket shares from actor src to dst is refused (every actor is verified)."""
        if self.paused:
            return PAUSED
        if self.frozen[src]:
            return SENDER_FROZEN
        if self.frozen[dst]:
            return RECEIVER_FROZEN
        return None

    # --- revenue into the node tokens ----------------------------------------------------------
    @rule(c=st.integers(0, 3), amount=revenue_amount)
    def deposit(self, c, amount):
        c %= self.n
        t = self.chain.pending_timestamp
        outcome("BSK-7", None, lambda: self.tokens[c].deposit_revenue(amount, sender=self.d.relayer))
        self.comp[c].deposit(t, amount)
        self.comp_exact[c].deposit(t, amount)
        self.touch("components")

    # --- create and redeem ------------------------------------------------------------------
    def creatable(self, i: int) -> int:
        return min(self.held(c, self.addr[i]) // u for c, u in enumerate(self.units))

    @rule(i=actor, amount=amount_of)
    def create(self, i, amount):
        t = self.chain.pending_timestamp
        a = self.addr[i]
        shares = self.resolve(amount, self.creatable(i))
        reason = None
        if shares == 0:
            reason = "compute_basket: nothing to create"
        elif self.paused:
            reason = BASKET_PAUSED
        elif self.frozen[i]:
            reason = RECEIVER_FROZEN
        else:
            for c, u in enumerate(self.units):
                if self.paused_comp[c]:
                    reason = PAUSED
                elif self.frozen_in[c]:
                    reason = RECEIVER_FROZEN
                elif self.held(c, a) < shares * u:
                    reason = NO_BALANCE
                if reason:
                    break
        before = self.accrued(a)
        receipt = outcome("BSK-7", reason, self.call(i, self.basket, "create", shares))
        if receipt is None:
            return
        self.basket_move(t, None, a, shares)
        for c, u in enumerate(self.units):
            self.comp_move(c, t, a, self.B, shares * u)
        self.check_in_kind(i, "create", before)

    @rule(i=actor, amount=amount_of)
    def redeem(self, i, amount):
        i = self.holder(i)
        t = self.chain.pending_timestamp
        a = self.addr[i]
        shares = self.resolve(amount, self.shares(i))
        reason = None
        if shares == 0:
            reason = "compute_basket: nothing to redeem"
        elif self.paused:
            reason = BASKET_PAUSED
        elif self.frozen[i]:
            reason = "compute_basket: account is frozen"
        elif shares > self.shares(i):
            reason = "erc20: burn amount exceeds balance"
        else:
            for c in range(self.n):
                if self.paused_comp[c]:
                    reason = PAUSED
                elif self.frozen_in[c]:
                    reason = SENDER_FROZEN
                if reason:
                    break
        before = self.accrued(a)
        receipt = outcome("BSK-7", reason, self.call(i, self.basket, "redeem", shares))
        if receipt is None:
            return
        self.basket_move(t, a, None, shares)
        for c, u in enumerate(self.units):
            self.comp_move(c, t, self.B, a, shares * u)
        self.check_in_kind(i, "redeem", before)

    def check_in_kind(self, i: int, what: str, before: int) -> None:
        """BSK-4: the actor's and the basket's node token balances moved by exactly shares x units
        (the models moved them so), its basket balance by the shares, its basket credit not at all."""
        a = self.addr[i]
        for c, token in enumerate(self.tokens):
            equal("BSK-4", f"{what}: actor {i}'s balance of component {c}", token.balanceOf(a), self.held(c, a))
            equal(
                "BSK-4", f"{what}: the basket's balance of component {c}", token.balanceOf(self.B), self.held(c, self.B)
            )
        equal("BSK-4", f"{what}: actor {i}'s basket shares", self.basket.balanceOf(a), self.shares(i))
        equal("BSK-4", f"{what}: actor {i}'s basket credit is untouched", self.basket.accrued_scaled(a), before)

    # --- basket shares ------------------------------------------------------------------------
    @rule(src=actor, dst=actor, amount=amount_of)
    def transfer(self, src, dst, amount):
        src = self.holder(src)
        t = self.chain.pending_timestamp
        a, b = self.addr[src], self.addr[dst]
        amount = self.resolve(amount, self.shares(src))
        reason = self.restriction(src, dst) or (NO_BALANCE if amount > self.shares(src) else None)
        before = {x: self.accrued(x) for x in (a, b)}
        if outcome("BSK-7", reason, self.call(src, self.basket, "transfer", b, amount)) is None:
            return
        self.basket_move(t, a, b, amount)
        for x, credit in before.items():
            equal("BSK-2", f"{x}'s basket credit after a transfer", self.basket.accrued_scaled(x), credit)

    @rule(spender=actor, owner=actor, dst=actor, amount=amount_of)
    def transfer_from(self, spender, owner, dst, amount):
        t = self.chain.pending_timestamp
        a, b = self.addr[owner], self.addr[dst]
        amount = self.resolve(amount, self.shares(owner))
        allowance = self.allowances.get((owner, spender), 0)
        reason = self.restriction(owner, dst)
        if reason is None and allowance < MAX and allowance < amount:
            reason = "erc20: insufficient allowance"
        if reason is None and amount > self.shares(owner):
            reason = NO_BALANCE
        call = self.call(spender, self.basket, "transferFrom", a, b, amount)
        if outcome("BSK-7", reason, call) is None:
            return
        if allowance < MAX:
            self.allowances[(owner, spender)] = allowance - amount
        self.basket_move(t, a, b, amount)

    @rule(owner=actor, spender=actor, amount=st.one_of(absolute, st.just(MAX)))
    def approve(self, owner, spender, amount):
        outcome("BSK-7", None, self.call(owner, self.basket, "approve", self.addr[spender], amount))
        self.allowances[(owner, spender)] = amount

    @rule(i=actor)
    def claim(self, i):
        t = self.chain.pending_timestamp
        a = self.addr[i]
        expected = self.model.claimable(a, t)
        before = self.stable.balanceOf(a)
        receipt = outcome("BSK-7", FROZEN_CLAIM if self.frozen[i] else None, self.call(i, self.basket, "claim", a))
        if receipt is None:
            return
        paid = self.model.claim(t, a)
        self.claimed_by[a] += paid
        equal("BSK-2", f"actor {i}'s claim pays its claimable", paid, expected)
        equal("BSK-2", "the claimant's stablecoin after the claim", self.stable.balanceOf(a), before + paid)
        self.touch("holders", "stable")

    # --- holding directly, next to the basket --------------------------------------------------
    @rule(c=st.integers(0, 3), src=actor, dst=actor, amount=amount_of)
    def move_node_tokens(self, c, src, dst, amount):
        c %= self.n
        t = self.chain.pending_timestamp
        a, b = self.addr[src], self.addr[dst]
        amount = self.resolve(amount, self.held(c, a))
        reason = PAUSED if self.paused_comp[c] else (NO_BALANCE if amount > self.held(c, a) else None)
        if outcome("BSK-7", reason, self.call(src, self.tokens[c], "transfer", b, amount)) is None:
            return
        self.comp_move(c, t, a, b, amount)

    # --- donations ------------------------------------------------------------------------------
    @rule(amount=revenue_amount)
    def donate_stablecoin(self, amount):
        """Stablecoin sent straight to the basket: nobody's revenue, never harvested."""
        outcome("BSK-7", None, lambda: self.stable.transfer(self.B, amount, sender=self.d.relayer))
        self.donated_stable += amount
        self.touch("stable")

    @rule(c=st.integers(0, 3), i=actor, amount=st.one_of(st.just(1), absolute))
    def donate_node_tokens(self, c, i, amount):
        """Node tokens sent straight to the basket: backing nobody can take out, earning revenue
        the basket harvests for its holders."""
        c %= self.n
        t = self.chain.pending_timestamp
        a = self.addr[i]
        reason = PAUSED if self.paused_comp[c] else (RECEIVER_FROZEN if self.frozen_in[c] else None)
        reason = reason or (NO_BALANCE if amount > self.held(c, a) else None)
        if outcome("BSK-7", reason, self.call(i, self.tokens[c], "transfer", self.B, amount)) is None:
            return
        self.comp_move(c, t, a, self.B, amount)
        self.donated_nodes[c] += amount

    # --- harvest ----------------------------------------------------------------------------
    @rule(by=st.integers(0, WALLET - 1))
    def harvest(self, by):
        t = self.chain.pending_timestamp
        claimed = [c for c in range(self.n) if not self.frozen_in[c]]
        due = {c: self.peek(self.comp[c], t).claimable(self.B, t) for c in claimed}
        # the floors' bound per component: one unit, plus the component stream's own rounding
        # (the basket's part of carried remainders, its floor loss), as the model has them now
        slack = Fraction(0)
        for c in claimed:
            pending = IdealShares()
            self.peek(self.comp[c], t, pending)
            loss = self.ideal_in[c].loss_bound.get(self.B, 0) + pending.loss_bound.get(self.B, 0)
            carried = self.ideal_in[c].carried.get(self.B, Fraction(0)) + pending.carried.get(self.B, Fraction(0))
            slack += 1 + Fraction(loss, P) + carried
        held = self.stable.balanceOf(self.B)
        skipped_before = {c: self.tokens[c].accrued_scaled(self.B) for c in range(self.n) if self.frozen_in[c]}
        receipt = outcome("BSK-7", None, self.call(by, self.basket, "harvest"))
        amount = sum(self.comp[c].claim(t, self.B) for c in claimed)
        equal("BSK-5", "harvest pays what each claimed component owed the basket", amount, sum(due.values()))
        equal("BSK-5", "harvest's return value", receipt.return_value, amount)
        equal("BSK-5", "the basket's stablecoin after harvest", self.stable.balanceOf(self.B), held + amount)
        deposits = receipt.filter("RevenueDeposited")
        equal("BSK-5", "RevenueDeposited by harvest", [(e.sender, e.amount) for e in deposits],
              [(self.B, amount)] if amount else [])  # fmt: skip
        skipped = [e.component for e in receipt.filter("HarvestSkipped")]
        equal("BSK-5", "HarvestSkipped components", skipped, [self.tokens[c].address for c in skipped_before])
        for c, credit in skipped_before.items():
            after = self.tokens[c].accrued_scaled(self.B)
            model = self.comp[c]._pending(self.B, self.comp[c]._advance(self.chain.timestamp)[0])
            equal("BSK-5", f"a skipped component ({c}) keeps the basket's accrual", after, model)
            require(after >= credit, "BSK-5", "a skipped component's accrual fell", before=credit, after=after)
        # the ideal harvest: exactly what the basket earned in each claimed component since its last claim there
        ideal_amount = Fraction(0)
        for c in claimed:
            share = copied(self.comp_exact[c], t).share(self.B)
            ideal_amount += share - self.harvested_share[c]
            self.harvested_share[c] = share
        error = amount - ideal_amount
        require(abs(error) < slack + SLACK, "BSK-5", "harvest deposits the ideal amount but for each component's floor",
                actual=amount, ideal=float(ideal_amount), bound=float(slack))  # fmt: skip
        self.deposit_errors.append(error)
        if amount:
            self.basket_op(t, lambda: self.model.deposit(t, amount))
        else:  # nothing arrived: the contract leaves its stream alone
            self.ideal.advance(t)
            self.errors.advance(t)
        self.ideal._queue(t, ideal_amount)
        self.errors._queue(t, abs(error))
        self.touch("basket", "stable", "components")

    # --- time ---------------------------------------------------------------------------------
    @rule(seconds=time_jump)
    def sleep(self, seconds):
        self.chain.sleep(seconds)

    @rule(ahead=st.integers(0, 2), offset=st.sampled_from([-1, 0, 1]))
    def sleep_to_epoch_edge(self, ahead, offset):
        """The next call lands one second before, at or after an epoch boundary (or `offset`
        seconds into the epoch `ahead` epochs after the next)."""
        now = self.chain.pending_timestamp
        target = self.model.epoch_start(self.model.epoch(now) + 1 + ahead) + offset
        if target > now:
            self.chain.sleep(target - now)

    # --- the agents -------------------------------------------------------------------------------
    @rule(c=st.integers(0, 3), on=rarely)
    def freeze_basket_in_component(self, c, on):
        """A component's agent freezes (or unfreezes) the basket there: harvest skips it,
        create and redeem stop, its revenue keeps accruing to the basket."""
        c %= self.n
        fn = self.tokens[c].freeze if on else self.tokens[c].unfreeze
        outcome("BSK-7", None, lambda: fn(self.B, sender=self.d.agent))
        self.frozen_in[c] = on

    @rule(c=st.integers(0, 3), on=rarely)
    def pause_component(self, c, on):
        c %= self.n
        reason = None if on != self.paused_comp[c] else ALREADY[on]
        fn = self.tokens[c].pause if on else self.tokens[c].unpause
        if outcome("BSK-7", reason, lambda: fn(sender=self.d.agent)) is not None:
            self.paused_comp[c] = on

    @rule(on=rarely)
    def pause_basket(self, on):
        reason = None if on != self.paused else ALREADY[on]
        fn = self.basket.pause if on else self.basket.unpause
        if outcome("BSK-7", reason, lambda: fn(sender=self.d.agent)) is not None:
            self.paused = on

    @rule(i=actor, on=rarely)
    def freeze_holder(self, i, on):
        fn = self.basket.freeze if on else self.basket.unfreeze
        outcome("BSK-7", None, lambda: fn(self.addr[i], sender=self.d.agent))
        self.frozen[i] = on

    @rule(src=actor, dst=actor, amount=amount_of)
    def forced_transfer(self, src, dst, amount):
        src = self.holder(src)
        t = self.chain.pending_timestamp
        a, b = self.addr[src], self.addr[dst]
        amount = self.resolve(amount, self.shares(src))
        reason = RECEIVER_FROZEN if self.frozen[dst] else (NO_BALANCE if amount > self.shares(src) else None)
        before = {x: self.accrued(x) for x in (a, b)}
        call = lambda: self.basket.forced_transfer(a, b, amount, sender=self.d.agent)  # noqa: E731
        if outcome("BSK-7", reason, call) is None:
            return
        self.basket_move(t, a, b, amount)
        for x, credit in before.items():
            equal("BSK-2", f"{x}'s basket credit after a forced transfer", self.basket.accrued_scaled(x), credit)

    @rule(lost=actor, replacement=actor)
    def recover(self, lost, replacement):
        t = self.chain.pending_timestamp
        a, b = self.addr[lost], self.addr[replacement]
        if lost == replacement:
            reason = "compute_token: replacement is the lost wallet"
        else:
            reason = RECEIVER_FROZEN if self.frozen[replacement] else None
        owed = self.accrued(a) + self.accrued(b)
        call = lambda: self.basket.recover(a, b, sender=self.d.agent)  # noqa: E731
        if outcome("BSK-7", reason, call) is None:
            return
        moved = self.model.balances.get(a, 0)
        self.basket_op(t, lambda: self.model.recover(t, a, b))
        for exact in (self.ideal, self.errors):
            exact.move(t, a, b, moved)
            exact.merge(a, b)
        self.ideal_basket.merge(a, b)
        self.claimed_by[b] += self.claimed_by.pop(a)
        self.claimed_by[a] = 0
        self.touch("basket", "holders")
        equal("BSK-2", "recovery moves the unclaimed basket revenue", self.basket.accrued_scaled(b), owed)

    # --- constructor edges --------------------------------------------------------------------------
    def deployed_as(self, basket, components: list[str], units: list[int]) -> None:
        """BSK-8: a deployed basket holds its composition, clock, roles and settings."""
        d = self.d
        equal("BSK-8", "component_count()", basket.component_count(), len(components))
        equal("BSK-8", "components", [basket.components(i) for i in range(len(components))], components)
        equal("BSK-8", "units", [basket.units(i) for i in range(len(units))], units)
        views = ("STABLECOIN", "GENESIS", "EPOCH_LENGTH", "owner", "identity_registry", "restricted", "paused",
                 "totalSupply", "decimals", "name", "symbol", "MAX_COMPONENTS")  # fmt: skip
        equal("BSK-8", f"({', '.join(views)})", tuple(getattr(basket, v)() for v in views),
              (self.stable.address, d.genesis, d.epoch_length, d.issuer.address, d.identity.address, True, False, 0,
               18, NAME, SYMBOL, MAX_COMPONENTS))  # fmt: skip
        equal("BSK-8", "is_agent(agent), is_agent(deployer)", (basket.is_agent(d.agent), basket.is_agent(d.deployer)),
              (True, False))  # fmt: skip

    @rule(
        kind=st.sampled_from([
            "valid", "valid", "no components", "zero units", "duplicate", "lengths differ", "other stablecoin",
            "earlier genesis", "longer epoch", "zero admin", "zero agent", "zero registry", "too many", "the most",
        ]),
        order=st.permutations(range(len(NODES))),
        count=st.integers(1, len(NODES)),
        units=st.lists(st.sampled_from(UNIT_CHOICES), min_size=len(NODES), max_size=len(NODES)),
        spot=st.integers(0, len(NODES) - 1),
    )  # fmt: skip
    def deploy_another(self, kind, order, count, units, spot):
        """BSK-8: another basket, valid or refused for exactly one reason (the constructor's edges)."""
        components = [self.d.tokens[i].address for i in order[:count]]
        units = units[:count]
        spot %= count
        overrides: dict = {}
        reason: str | None = {
            "no components": "compute_basket: no components",
            "zero units": "compute_basket: zero units",
            "duplicate": "compute_basket: duplicate component",
            "lengths differ": "compute_basket: units and components differ in length",
            "other stablecoin": "compute_basket: component on another stablecoin",
            "earlier genesis": "compute_basket: component on another clock",
            "longer epoch": "compute_basket: component on another clock",
            "zero admin": "compute_basket: admin is the zero address",
            "zero agent": "compute_token: role for the zero address",
            "zero registry": "compute_token: registry is the zero address",
        }.get(kind)
        if kind == "no components":
            components, units = [], []
        elif kind == "zero units":
            units[spot] = 0
        elif kind == "duplicate":
            components.append(components[spot])
            units.append(1)
        elif kind == "lengths differ":
            units.append(1)
        elif kind == "other stablecoin":
            overrides["stablecoin"] = self.d.identity.address
        elif kind == "earlier genesis":
            overrides["genesis"] = self.d.genesis - 1
        elif kind == "longer epoch":
            overrides["epoch_length"] = self.d.epoch_length + 1
        elif kind == "zero admin":
            overrides["admin"] = ZERO
        elif kind == "zero agent":
            overrides["agent"] = ZERO
        elif kind == "zero registry":
            overrides["identity"] = ZERO
        elif kind in ("too many", "the most"):
            # MAX_COMPONENTS entries (the dynamic arrays' bound) decode and reach the duplicate check; one
            # more does not decode at all: the constructor reverts without a reason
            size = MAX_COMPONENTS + (kind == "too many")
            components = [components[i % count] for i in range(size)]
            units = [1] * size
            reason = "compute_basket: duplicate component"
        call = lambda: self.d.deploy(units, components=components, **overrides)  # noqa: E731
        if kind == "too many":
            try:
                call()
            except Reverted as err:
                equal("BSK-8", f"{size} components are refused before the constructor runs", err.reason, None)
            else:
                raise AssertionError(f"BSK-8: a basket of {size} components deployed")
            return
        basket = outcome("BSK-8", reason, call)
        if basket is not None:
            self.deployed_as(basket, components, units)

    # --- properties -----------------------------------------------------------------------------
    def view(self, target, name: str, *args):
        """A view at the latest block, read once per step whichever checks need it (on Ape's
        provider a view is a round trip)."""
        if self.views.get("step") != self.steps:  # a new step: the chain moved
            self.views = {"step": self.steps}
        key = (target.address, name, args)
        if key not in self.views:
            self.views[key] = getattr(target, name)(*args)
        return self.views[key]

    @check("BSK-1", watches=("components", "basket"))
    def backing(self):
        """Every component held at least supply x units, exactly that plus the node tokens donated."""
        supply = self.view(self.basket, "totalSupply")
        equal("BSK-1", "totalSupply", supply, self.model.supply)
        for c, (token, u) in enumerate(zip(self.tokens, self.units, strict=True)):
            held = self.view(token, "balanceOf", self.B)
            require(held == supply * u + self.donated_nodes[c], "BSK-1",
                    f"the basket holds supply x units of component {c} plus the donations", held=held,
                    supply=supply, units=u, donated=self.donated_nodes[c])  # fmt: skip

    @check("BSK-2", watches=("basket", "stable", "holders"))
    def solvency(self):
        """The basket holds what its stream owes plus the stablecoin donated, to the unit; the stream's
        every variable and each holder's credit equal the model's; owed covers every credit."""
        t, m = self.chain.timestamp, self.model
        stored = tuple(self.view(self.basket, name) for name in
                       ("revenue_per_share", "remainder", "stream_amount", "queued_amount", "last_update"))  # fmt: skip
        equal("BSK-2", "the basket's stream (revenue_per_share, remainder, stream_amount, queued_amount, last_update)",
              stored, (m.acc, m.remainder, m.stream_amount, m.queued_amount, m.last_update))  # fmt: skip
        owed = self.view(self.basket, "owed")
        equal("BSK-2", "owed()", owed, m.owed)
        held = self.view(self.stable, "balanceOf", self.B)
        require(held == owed + self.donated_stable, "BSK-2", "the basket holds what it owes plus the donations",
                held=held, owed=owed, donated=self.donated_stable)  # fmt: skip
        acc = m._advance(t)[0]
        credits = 0
        for i, a in enumerate(self.addr):
            scaled = self.view(self.basket, "accrued_scaled", a)
            equal("BSK-2", f"actor {i}'s accrued_scaled", scaled, m._pending(a, acc))
            equal(
                "BSK-2",
                f"actor {i}'s claimable is the floor of its credit",
                self.view(self.basket, "claimable", a),
                scaled // P,
            )
            credits += scaled
        unreleased = m.unreleased_scaled(t)
        require(owed * P >= credits + unreleased, "BSK-2", "the basket never owes more than it holds",
                owed=owed, credits=credits, unreleased=unreleased)  # fmt: skip
        equal("BSK-2", "conservation of the basket's stream", m.conservation_gap(t), 0)

    @check("BSK-5", watches=("components",))
    def components_owe_the_basket_what_the_model_says(self):
        """Each component's credit of the basket (what the next harvest claims) is the model's."""
        t = self.chain.timestamp
        for c, token in enumerate(self.tokens):
            m = self.comp[c]
            equal("BSK-5", f"component {c}'s accrued_scaled(basket)", self.view(token, "accrued_scaled", self.B),
                  m._pending(self.B, m._advance(t)[0]))  # fmt: skip

    @check("BSK-3", watches=("basket", "holders", "time"))
    def holders_get_what_holding_the_underlying_gives(self):
        """BSK-3: each basket holder's claimed + accrued (exact, dust included) against the exact model
        of holding the underlying through the basket: below it by at most its share of the harvests'
        floors (`errors`) and the basket stream's floor (below its balance / 10**36 per release),
        above it by at most that share and its part of the remainders carried into its releases."""
        t = self.chain.timestamp
        ideal, errors = copied(self.ideal, t), copied(self.errors, t)
        pending = IdealShares()
        self.peek(self.model, t, pending)
        for i, a in enumerate(self.addr):
            actual = self.claimed_by[a] + Fraction(self.view(self.basket, "accrued_scaled", a), P)
            loss = Fraction(self.ideal_basket.loss_bound.get(a, 0) + pending.loss_bound.get(a, 0), P)
            carried = self.ideal_basket.carried.get(a, Fraction(0)) + pending.carried.get(a, Fraction(0))
            floors = errors.share(a)
            gap = actual - ideal.share(a)
            require(-(floors + loss + SLACK) <= gap <= floors + carried + SLACK, "BSK-3",
                    f"actor {i}'s basket revenue against holding the underlying", actual=float(actual),
                    ideal=float(ideal.share(a)), gap=float(gap), floors=float(floors), loss=float(loss),
                    carried=float(carried))  # fmt: skip

    # --- end of run: everyone exits ---------------------------------------------------------------
    def end_of_run(self):
        """BSK-6: every restriction lifted, the components' streams end, a harvest, the basket's
        stream ends, everyone claims and redeems: the basket keeps only the donations and dust."""
        if self.basket is None:
            return
        for c in range(self.n):
            if self.frozen_in[c]:
                self.freeze_basket_in_component(c, False)
            if self.paused_comp[c]:
                self.pause_component(c, False)
        if self.paused:
            self.pause_basket(False)
        for i in range(ACTORS):
            if self.frozen[i]:
                self.freeze_holder(i, False)
        if self.model.supply == 0:  # revenue streamed to nobody waits for a holder: one share
            creator = next((i for i in range(ACTORS) if self.creatable(i)), None)
            if creator is None:
                return
            self.create(creator, "one")
        self.chain.sleep(2 * self.d.epoch_length + 1)  # every component's stream is over
        self.harvest(0)
        self.chain.sleep(2 * self.d.epoch_length + 1)  # and the basket's
        for i in range(ACTORS):
            self.claim(i)
        self.views = {}
        self.holders_get_what_holding_the_underlying_gives()
        for _ in range(ACTORS):
            if self.model.supply:
                self.redeem(0, "all")  # the first holder's every share
        t = self.chain.timestamp
        self.views = {}  # the exits moved the chain within this step
        equal("BSK-6", "the supply once everyone redeemed", self.basket.totalSupply(), 0)
        for c, token in enumerate(self.tokens):
            equal("BSK-6", f"component {c} left in the basket: the donations", token.balanceOf(self.B),
                  self.donated_nodes[c])  # fmt: skip
            equal("BSK-6", f"component {c} owes the basket only sub-unit dust", token.claimable(self.B), 0)
        credits = [self.basket.accrued_scaled(a) for a in self.addr]
        require(all(x < P for x in credits), "BSK-6", "every holder claimed all but sub-unit dust", credits=credits)
        owed, dust = self.basket.owed(), self.basket.dust()
        equal("BSK-6", "nothing left streaming", self.basket.streaming(), 0)
        equal("BSK-6", "the basket holds what it owes plus the donations", self.stable.balanceOf(self.B),
              owed + self.donated_stable)  # fmt: skip
        remainder = self.model._advance(t)[1]
        require(owed * P == sum(credits) + remainder + dust, "BSK-6",
                "what the basket owes is only the holders' dust, the carry and the dust of releases to nobody",
                owed=owed, credits=sum(credits), remainder=remainder, dust=dust)  # fmt: skip
        require(owed <= ACTORS + 1 + dust // P, "BSK-6", "bounded dust", owed=owed, dust=dust)
        self.solvency()
        self.backing()


@pytest.mark.both_engines
def test_basket_machine(backend, stablecoin, identity):
    deployment = BasketDeployment(backend, stablecoin, identity)
    run_state_machine_as_test(lambda: BasketMachine(deployment), settings=machine_settings(backend))
