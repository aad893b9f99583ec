"""NodeOffering against an exact model (issue #19's proof), on either engine.

One deployment per test (a suite up to the NodeRegistry with its own identity registry and a
3-of-5 oracle; node 1 of the operator at a 99.00% SLA, node 2 of the second operator at
100.00%; the offering a minter of both tokens), snapshot and restore per example. Actors: the
issuer (owner of the offering, admin and agent of the node tokens), the two operators, four
verified buyers funded and approved (each also signs EIP-3009 purchases a relayer submits),
an unverified stranger (funded and approved too), the relayer (donates stablecoin straight to
the offering) and an outsider that only receives.

Each example starts with an offering and creates up to three more (by the issuer or not; terms
at their edges: minimum 0, equal to the maximum or between; release 0, 100% or between; burn-in
1 to 4 epochs; deadline at its least or later; start at the next block or later; windows from
one second to two days; and each argument out of range once in a while). Rules, in any order
and time: buys (zero, one base unit, a share, the remainder exactly, one more, random; at the
window's edges: start - 1, start, end - 1, end), signed purchases (valid, submitted for other
shares, replayed), refunds, claims by anyone for buyers and non-buyers (one by one, and in
batches with repeats and non-buyers), the oracle's reports
of ended epochs (at the SLA, one below, 100%, random; epochs left missing), burn-in
confirmations (from the offering's first epoch, later, earlier, the first passing run; at the
deadline second or after), withdrawals (the operator, the other operator, the stranger; zero
receiver), exits (one, all, more than bought, random; at or after the deadline, at the end of
the exit window or after), sweeps (at the end of the exit window or after, or whenever), token
freezes, pauses and transfers, the agent's recoveries of lost wallets (the purchase, and the
token's balance first or not; into an empty wallet or one with a position; by the agent or not;
to the zero address, the lost wallet itself, a frozen or an unverified one), stablecoin donations
and time (to the next edge of any offering, small and large jumps). The model predicts every
outcome (success or exactly which revert) before the call and every amount moved. Properties
(PROPERTIES.md, "NodeOffering"):
- NOF-1 the offering's stablecoin is Σ (raised - withdrawn - exit_paid - swept) + donations, to
  the wei;
- NOF-2 each node token's supply over its initial one is Σ shares claimed less shares burnt by
  exits, which is Σ claimed positions not exited; every holder's balance is the model's; claims,
  burns and transfers are predicted;
- NOF-3 refunds, withdrawals, confirmations and exits: outcomes and amounts predicted;
- NOF-4 buys and signed purchases: outcomes and costs predicted;
- NOF-5 the views (`status`, `totals`, `purchase`, `withdrawable`, `exit_value`,
  `offering_count`) equal the model's;
- NOF-6 every actor's stablecoin balance equals the model's;
- NOF-7 end of the run: every restriction lifted, time past every deadline, every buyer
  refunds, claims and, unless the offering was swept, exits what it still holds (shares passed
  on stay with their holders), every operator withdraws, and past every exit window anyone sweeps the
  rest: the offering holds exactly the donations and nothing is owed or lost;
- NOF-8 only the owner creates offerings, with terms in range (each refusal in the contract's
  order), and `terms` records them with the node's token, operator and SLA;
- NOF-9 every exit against exact fractions, from the chain's totals before it (not the model's
  floor formula): it pays more than its exact pro-rata part of the pool left (unreleased, not
  yet paid to exits) less one base unit, and at most that part; more than its exact part of the
  unreleased proceeds at the close (over every share sold) less one unit, and at most that part
  plus the rounding earlier exits left behind; the last shares out take the pool exactly, so
  exits pay out exactly the unreleased proceeds and nothing is stranded;
- NOF-10 recoveries: only the node token's agent moves a lost wallet's position, whole, to a
  replacement that could hold the shares, merged exactly into any position it has (refused while
  one is claimed and the other not); outcomes, the event and the positions predicted;
- NOF-11 sweeps: only after the exit window of a sale that succeeded without burn-in, while
  someone holds the node's shares, once,
  exactly the pool no exit took, into the node token's revenue stream (each token owes exactly
  what was swept into it); exits stay open after the window until the sweep, which closes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pytest
from eth_account import Account
from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule, run_state_machine_as_test

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain, authorization, sign
from computerwa.evm.chain import expect
from computerwa.evm.suite import deploy_suite
from tests.conftest import EPOCH_LENGTH, FOREVER, NODE_REGION, machine_settings, role
from tests.fuzz.properties import PropertyMachine, check, equal, require
from tests.unitary.offering.reasons import (
    ALREADY_CONFIRMED,
    ALREADY_PAUSED,
    BAD_SIGNATURE,
    BELOW_SLA,
    BURN_EXCEEDS,
    BURN_IN_RANGE,
    BUYER_FROZEN,
    BUYER_NOT_VERIFIED,
    CLAIM_BOTH_FIRST,
    CONFIRMED,
    DEADLINE_EARLY,
    DEADLINE_NOT_PASSED,
    DEADLINE_PASSED,
    DEADLINE_TOO_FAR,
    END_NOT_AFTER,
    EPOCH_TOO_EARLY,
    EXIT_WINDOW_OPEN,
    EXIT_WINDOW_RANGE,
    EXPIRED,
    MIN_ABOVE_MAX,
    MORE_THAN_BOUGHT,
    NO_BALANCE,
    NO_HOLDERS,
    NO_PURCHASE,
    NO_REPORT,
    NO_SHARES,
    NODE_RETIRED,
    NOT_AGENT,
    NOT_FAILED,
    NOT_OPEN,
    NOT_OPERATOR,
    NOT_OWNER,
    NOT_PAUSED,
    NOT_SUCCEEDED,
    NOT_THAT_MANY,
    NOT_TOKEN_AGENT,
    NOTHING_TO_CLAIM,
    NOTHING_TO_EXIT,
    NOTHING_TO_REFUND,
    NOTHING_TO_SWEEP,
    NOTHING_TO_WITHDRAW,
    PRICE_TOO_LARGE,
    PRICE_ZERO,
    PROCEEDS_SWEPT,
    RAISE_TOO_LARGE,
    RECEIVER_FROZEN,
    RECEIVER_NOT_VERIFIED,
    RECEIVER_ZERO,
    RELEASE_ABOVE,
    REPLACEMENT_FROZEN,
    REPLACEMENT_IS_LOST,
    REPLACEMENT_NOT_VERIFIED,
    REPLACEMENT_ZERO,
    SENDER_FROZEN,
    SENDER_NOT_VERIFIED,
    SHARES_OUT_OF_RANGE,
    START_PAST,
    TOKEN_PAUSED,
    TOKEN_REPLACEMENT_IS_LOST,
    TRANSFERS_PAUSED,
    UNKNOWN_NODE,
    USED,
)

SHARE = 10**18
DOLLAR = 10**6
MAX_BPS = 10_000
PAST_EPOCHS = 10
FUNDS = 10**15  # each buyer's and the stranger's stablecoin: more than any offering's maximum raise
MAX = 2**256 - 1
ZERO = "0x" + "00" * 20
MAX_OFFERINGS = 4
# the terms `new_offering` refuses, each at the edge past its bound ("burn_in_90", the longest, is accepted)
REFUSED_TERMS = [
    "unknown_node",
    "retired_node",
    "zero_shares",
    "shares_above_cap",
    "raise_too_large",
    "zero_price",
    "min_above",
    "start_past",
    "end_at_start",
    "release_above",
    "burn_in_zero",
    "burn_in_91",
    "deadline_early",
    "deadline_far",
    "exit_window_short",
    "exit_window_long",
]
MAX_SHARES = 2**116 - 1  # a node token's cap: the most one offering sells
MAX_RAISE = 2**126  # the largest maximum raise
PENDING, OPEN, SUCCEEDED, FAILED = 1, 2, 3, 4
SLAS = (9_900, 10_000)  # node 1's and node 2's
RETIRED_NODE = 3  # the operator's third node, retired at deployment (4: no such node)

attestor_keys = sorted(
    (Account.from_key(keccak(b"ComputeRWA offering machine attestor %d" % i)) for i in range(5)),
    key=lambda key: int(key.address, 16),
)

BUYERS = 4
buyer = st.integers(0, BUYERS - 1)
anyone = st.integers(0, BUYERS)  # BUYERS: the unverified stranger
offering_pick = st.integers(0, MAX_OFFERINGS - 1)
receiver_kind = st.sampled_from(["self", "self", "self", "other", "zero"])
aim = st.sampled_from([True, True, True, False])  # at an offering (and a party) where the call can succeed
pick = st.integers(0, 2**64)


def cost(shares: int, price: int) -> int:
    """ceil(shares * price / 10**18): what the contract charges."""
    return -(-shares * price // SHARE)


def outcome(pid: str, reason: str | None, call):
    """`expect` with the ID of the property the prediction checks in a mismatch's message."""
    try:
        return expect(reason, call)
    except AssertionError as err:
        message = str(err.args[0]) if err.args else "assertion failed"
        raise AssertionError(f"{pid}: predicted outcome: {message}") from None


@dataclass
class World:
    """The deployment every example starts from (the machine snapshots it)."""

    stable: Any
    identity: Any
    oracle: Any
    registry: Any
    offering: Any
    tokens: dict[int, Any]  # node id -> its ComputeToken
    operators: dict[int, Any]  # node id -> its operator
    genesis: int
    domain: Domain  # the stablecoin's EIP-712 domain (buyers sign purchases with it)
    oracle_domain: Domain


def deploy_world(backend) -> World:
    """The suite up to the registry, two nodes, the offering a minter of both tokens, the
    buyers verified, funded and approved, the stranger funded and approved but not verified."""
    issuer, operator, second = (role(backend, n) for n in ("issuer", "operator", "second_operator"))
    genesis = backend.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH
    suite = deploy_suite(
        backend,
        issuer,
        genesis=genesis,
        epoch_length=EPOCH_LENGTH,
        attestors=attestor_keys,
        threshold=3,
        operators=[operator, second],
        upto="registry",
    )
    offering = backend.deploy("NodeOffering", suite.stablecoin, suite.registry, suite.oracle, sender=issuer)
    tokens, operators = {}, {}
    for who, sla in zip((operator, second), SLAS, strict=True):
        receipt = suite.registry.register_node(NODE_REGION, "H100-SXM", 8, 25_000, 3_000, sla, "ipfs://o", sender=who)
        node = receipt.filter("NodeRegistered")[0].args["node_id"]
        tokens[node] = backend.at("ComputeToken", suite.registry.node(node)[1])
        tokens[node].set_minter(offering, True, sender=issuer)
        operators[node] = who
    receipt = suite.registry.register_node(NODE_REGION, "L40S", 4, 1_000, 3_000, 9_000, "ipfs://r", sender=operator)
    retired = receipt.filter("NodeRegistered")[0].args["node_id"]
    assert retired == RETIRED_NODE
    suite.registry.set_status(retired, 3, sender=operator)
    buyers, stranger, relayer = _actors(backend)[:3]
    for account in buyers:
        suite.identity.set_verified(account, FOREVER, sender=issuer)
    for account in (*buyers, stranger):
        suite.stablecoin.mint(account, FUNDS, sender=issuer)
        suite.stablecoin.approve(offering, MAX, sender=account)
    suite.stablecoin.mint(relayer, 10**12, sender=issuer)
    return World(
        suite.stablecoin,
        suite.identity,
        suite.oracle,
        suite.registry,
        offering,
        tokens,
        operators,
        genesis,
        Domain.of(suite.stablecoin),
        Domain.of(suite.oracle),
    )


def _actors(backend):
    buyers = [role(backend, n) for n in ("investor", "holder", "customer", "treasury")]
    return buyers, role(backend, "attacker"), role(backend, "relayer"), role(backend, "guardian")


@dataclass
class Offer:
    """One offering's terms and books, as the model keeps them."""

    id: int
    node: int
    shares_for_sale: int
    price: int
    min_raise: int
    start: int
    end: int
    release_bps: int
    burn_in: int
    deadline: int
    exit_window: int
    first_epoch: int
    sla: int
    sold: int = 0
    raised: int = 0
    withdrawn: int = 0
    exit_paid: int = 0
    exited: int = 0
    confirmed: bool = False
    swept: int = 0
    # buyer address -> [shares not exited, claimed, paid not refunded]
    purchases: dict[str, list] = field(default_factory=dict)
    # NOF-9: the rounding exits left in the pool so far (exact part less what was paid)
    exit_dust: Fraction = Fraction(0)

    def position(self, who: str) -> list:
        return self.purchases.get(who, [0, False, 0])

    def status(self, now: int) -> int:
        if now < self.start:
            return PENDING
        if now < self.end:
            return SUCCEEDED if self.sold == self.shares_for_sale else OPEN
        return SUCCEEDED if self.raised >= self.min_raise else FAILED

    def released_at_close(self) -> int:
        return self.raised * self.release_bps // MAX_BPS

    def withdrawable(self, now: int) -> int:
        if self.status(now) != SUCCEEDED:
            return 0
        released = self.raised if self.confirmed else self.released_at_close()
        return released - self.withdrawn

    def outstanding(self) -> int:
        return self.sold - self.exited

    def exit_value(self, shares: int) -> int:
        """The view: 0 for more than is outstanding (or nothing outstanding)."""
        outstanding = self.outstanding()
        if shares > outstanding or outstanding == 0:
            return 0
        return self.pool() * shares // outstanding

    def pool(self) -> int:
        """What exits share and a sweep deposits: not released at the close, not paid, not swept."""
        return self.raised - self.released_at_close() - self.exit_paid - self.swept

    def window_end(self) -> int:
        """The last second exits are open."""
        return self.deadline + self.exit_window

    def owed(self) -> int:
        return self.raised - self.withdrawn - self.exit_paid - self.swept


class OfferingMachine(PropertyMachine):
    RULE_IDS = frozenset(
        {"NOF-3", "NOF-4", "NOF-7", "NOF-8", "NOF-9", "NOF-10", "NOF-11"}
    )  # checked in rules / end_of_run

    def __init__(self, backend, world: World):
        super().__init__()
        self.chain = backend
        self.w = world
        self.stable, self.offering = world.stable, world.offering
        self.snapshot = backend.snapshot()
        self.issuer = role(backend, "issuer")
        buyers, self.stranger, self.relayer, self.outsider = _actors(backend)
        self.buyers = buyers
        self.parties = [*buyers, self.stranger]  # who buys, refunds, exits (index BUYERS: the stranger)
        self.verified = {a.address for a in buyers}
        wallets = [*self.parties, self.relayer, self.outsider, *world.operators.values()]
        self.wallets = {a.address: self.stable.balanceOf(a) for a in wallets}
        self.held = self.stable.balanceOf(self.offering)  # the offering's stablecoin (NOF-1)
        self.donations = self.held
        self.offers: list[Offer] = []
        self.supply0 = {node: token.totalSupply() for node, token in world.tokens.items()}
        self.owed0 = {node: token.owed() for node, token in world.tokens.items()}  # the tokens' revenue owed
        self.shares = {
            node: {a.address: token.balanceOf(a) for a in self.parties} for node, token in world.tokens.items()
        }
        self.frozen: dict[int, set[str]] = {node: set() for node in world.tokens}
        self.paused = dict.fromkeys(world.tokens, False)
        self.reports: dict[tuple[int, int], int] = {}  # (node, epoch) -> uptime
        self.used: list[tuple] = []  # signed purchases that went through (to replay)
        self.salts = 0
        self.dirty_wallets: set[str] = set()
        self.dirty_offers: set[int] = set()
        self.dirty_holders: set[tuple[int, str]] = set()

    def restore(self):
        self.chain.restore(self.snapshot)

    # --- helpers --------------------------------------------------------------------------------
    def epoch_of(self, t: int) -> int:
        return (t - self.w.genesis) // EPOCH_LENGTH

    def epoch_start(self, epoch: int) -> int:
        return self.w.genesis + epoch * EPOCH_LENGTH

    def offer(self, i: int, aim: bool = False, fit=None) -> Offer | None:
        """Offering `i` (mod the count); when aiming, one of those `fit(offer, now)` accepts if any
        (a rule aims at offerings where it can succeed three times in four, and at any otherwise)."""
        if not self.offers:
            return None
        if aim and fit is not None:
            now = self.chain.pending_timestamp
            fitting = [o for o in self.offers if fit(o, now)]
            if fitting:
                return fitting[i % len(fitting)]
        return self.offers[i % len(self.offers)]

    def party(self, who: int, aim: bool, o: Offer, paid: bool = False) -> Any:
        """Party `who`; when aiming, one with a position in `o` (paid: not refunded) if any."""
        if aim:
            holding = [p for p in self.parties if o.position(p.address)[2 if paid else 0]]
            if holding:
                return holding[who % len(holding)]
        return self.parties[who]

    def at(self, target: int | None) -> None:
        """The next transaction lands at `target` if that is not earlier than it would anyway."""
        if target is not None and target >= self.chain.pending_timestamp:
            self.chain.pending_timestamp = target

    def pay(self, src: str | None, dst: str | None, amount: int) -> None:
        """`amount` of stablecoin moved from `src` to `dst` (None: the offering)."""
        for who, sign_ in ((src, -1), (dst, 1)):
            if who is None:
                self.held += sign_ * amount
            elif who in self.wallets:
                self.wallets[who] += sign_ * amount
                self.dirty_wallets.add(who)
        self.touch("money")

    def move_shares(self, node: int, src: str | None, dst: str | None, amount: int) -> None:
        """Node token shares moved (None: minted or burnt)."""
        for who, sign_ in ((src, -1), (dst, 1)):
            if who is not None:
                self.shares[node][who] += sign_ * amount
                self.dirty_holders.add((node, who))
        self.touch("shares")

    def supply(self, node: int) -> int:
        """The node token's supply, as the model has it: its initial one and the claimed positions."""
        claimed = sum(p[0] for o in self.offers if o.node == node for p in o.purchases.values() if p[1])
        return self.supply0[node] + claimed

    def changed(self, o: Offer) -> None:
        self.dirty_offers.add(o.id)
        self.touch("offers")

    def receiver(self, kind: str, who) -> str:
        return {"self": who.address, "other": self.outsider.address, "zero": ZERO}[kind]

    def restriction(self, node: int, who: str) -> str | None:
        """`_check_buy`'s reading of the token's code for a transfer from `who` to itself."""
        if self.paused[node]:
            return TOKEN_PAUSED
        if who in self.frozen[node]:
            return BUYER_FROZEN
        if who not in self.verified:
            return BUYER_NOT_VERIFIED
        return None

    def buy_reason(self, o: Offer, who: str, shares: int, now: int) -> str | None:
        if o.status(now) != OPEN:
            return NOT_OPEN
        if shares == 0:
            return NO_SHARES
        if o.sold + shares > o.shares_for_sale:
            return NOT_THAT_MANY
        return self.restriction(o.node, who)

    def record_buy(self, o: Offer, who: str, shares: int, paid: int) -> None:
        o.sold += shares
        o.raised += paid
        p = o.purchases.setdefault(who, [0, False, 0])
        p[0] += shares
        p[2] += paid
        self.pay(who, None, paid)
        self.changed(o)

    @staticmethod
    def shares_of(kind: str, left: int, salt: int) -> int:
        return {
            "zero": 0,
            "one": 1,
            "share": SHARE,
            "rest": left,
            "rest+1": left + 1,
            "half": max(left // 2, 1),
            "random": 1 + salt % max(left, 1),
        }[kind]

    # --- the issuer: offerings ------------------------------------------------------------------
    @initialize(
        node=st.sampled_from([1, 2]),
        shares=st.one_of(st.sampled_from([1, SHARE, 7 * SHARE + 3, 1_000 * SHARE]), st.integers(1, 10**22)),
        price=st.one_of(st.sampled_from([1, DOLLAR, 2 * DOLLAR + 1, 999_999_999]), st.integers(1, 10**9)),
        minimum=st.sampled_from(["zero", "max", "max", "half", "random"]),
        release=st.one_of(st.sampled_from([0, 2_000, MAX_BPS]), st.integers(0, MAX_BPS)),
        burn_in=st.integers(1, 4),
        delay=st.sampled_from([0, 0, 1]),
        window=st.sampled_from([3_600, EPOCH_LENGTH, 2 * EPOCH_LENGTH]),
        late=st.sampled_from([0, 1, EPOCH_LENGTH, EPOCH_LENGTH, 2 * EPOCH_LENGTH]),
        exits=st.sampled_from([EPOCH_LENGTH, EPOCH_LENGTH + 1, 2 * EPOCH_LENGTH]),
        salt=pick,
    )
    def first_offering(  # `exits` defaults for the regression corpus, recorded before offerings had it
        self, node, shares, price, minimum, release, burn_in, delay, window, late, salt, exits=EPOCH_LENGTH
    ):
        terms = (node, shares, price, minimum, release, burn_in, delay, window, late, exits)
        self.create_offering(0, *terms, None, salt)

    @rule(
        caller=st.sampled_from(["issuer", "issuer", "issuer", "stranger"]),
        node=st.sampled_from([1, 2]),
        shares=st.one_of(st.sampled_from([1, SHARE, 7 * SHARE + 3, 1_000 * SHARE]), st.integers(1, 10**22)),
        price=st.one_of(st.sampled_from([1, DOLLAR, 2 * DOLLAR + 1, 999_999_999]), st.integers(1, 10**9)),
        minimum=st.sampled_from(["zero", "max", "max", "half", "random"]),
        release=st.one_of(st.sampled_from([0, 2_000, MAX_BPS]), st.integers(0, MAX_BPS)),
        burn_in=st.integers(1, 4),
        delay=st.sampled_from([0, 0, 1, 3_600]),
        window=st.sampled_from([1, 2, 3_600, EPOCH_LENGTH, EPOCH_LENGTH, 2 * EPOCH_LENGTH, 2 * EPOCH_LENGTH]),
        late=st.sampled_from([0, 1, EPOCH_LENGTH, EPOCH_LENGTH, 2 * EPOCH_LENGTH]),
        exits=st.sampled_from([EPOCH_LENGTH, EPOCH_LENGTH + 1, 2 * EPOCH_LENGTH]),
        fault=st.one_of(
            st.none(),
            st.sampled_from(
                [
                    "unknown_node",
                    "retired_node",
                    "zero_shares",
                    "shares_above_cap",
                    "raise_too_large",
                    "zero_price",
                    "min_above",
                    "start_past",
                    "end_at_start",
                    "release_above",
                    "burn_in_zero",
                    "burn_in_91",
                    "burn_in_90",
                    "deadline_early",
                    "deadline_far",
                    "exit_window_short",
                    "exit_window_long",
                ]
            ),
        ),
        salt=pick,
    )
    def new_offering(  # `exits` defaults as in `first_offering`
        self,
        caller,
        node,
        shares,
        price,
        minimum,
        release,
        burn_in,
        delay,
        window,
        late,
        fault,
        salt,
        exits=EPOCH_LENGTH,
    ):
        if len(self.offers) < MAX_OFFERINGS:
            terms = (node, shares, price, minimum, release, burn_in, delay, window, late, exits)
            self.create_offering(0 if caller == "issuer" else 1, *terms, fault, salt)

    @rule(
        fault=st.sampled_from(REFUSED_TERMS),
        shares=st.sampled_from([1, SHARE, 1_000 * SHARE]),
        window=st.sampled_from([1, EPOCH_LENGTH]),
        salt=pick,
    )
    def issuer_asks_for_refused_terms(self, fault, shares, window, salt):
        """The issuer asks for an offering with one term at the edge past its bound (an end at
        the start, a burn-in deadline a second short of an epoch to confirm, ...): each refused
        with its exact reason (`new_offering` draws these too, among every other term)."""
        terms = (1, shares, DOLLAR, "half", 2_000, 2, 0, window, 0, EPOCH_LENGTH)
        self.create_offering(0, *terms, fault, salt)

    def create_offering(
        self, caller, node, shares, price, minimum, release, burn_in, delay, window, late, exits, fault, salt
    ):
        now = self.chain.pending_timestamp
        g, length = self.w.genesis, EPOCH_LENGTH
        if fault in ("unknown_node", "retired_node"):
            node = RETIRED_NODE + (fault == "unknown_node")
        if fault == "zero_shares":
            shares = 0
        if fault == "shares_above_cap":
            shares = MAX_SHARES + 1
        if fault == "zero_price":
            price = 0
        if fault == "raise_too_large":  # the largest sale at a price one unit too high for 2**126
            shares, price = MAX_SHARES, MAX_RAISE * SHARE // MAX_SHARES + 1
        max_raise = cost(shares, price)
        min_raise = {"zero": 0, "max": max_raise, "half": max_raise // 2, "random": salt % (max_raise + 1)}[minimum]
        if fault == "min_above":
            min_raise = max_raise + 1
        start = now - 1 if fault == "start_past" else now + delay
        end = start if fault == "end_at_start" else start + window
        if fault == "release_above":
            release = MAX_BPS + 1
        if fault in ("burn_in_zero", "burn_in_90", "burn_in_91"):  # 90: the longest burn-in, accepted
            burn_in = {"burn_in_zero": 0, "burn_in_90": 90, "burn_in_91": 91}[fault]
        first = -(-(end - g) // length)
        least = g + (first + burn_in + 1) * length  # an epoch after the last one, to report it
        deadline = least - 1 if fault == "deadline_early" else 2**48 if fault == "deadline_far" else least + late
        if fault in ("exit_window_short", "exit_window_long"):  # an epoch less a second; 2**40 seconds
            exits = EPOCH_LENGTH - 1 if fault == "exit_window_short" else 2**40
        args = (node, shares, price, min_raise, start, end, release, burn_in, deadline, exits)
        sender = self.issuer if caller == 0 else self.stranger
        reason = (
            NOT_OWNER
            if caller != 0
            else UNKNOWN_NODE
            if node > RETIRED_NODE
            else NODE_RETIRED
            if node == RETIRED_NODE
            else SHARES_OUT_OF_RANGE
            if not 0 < shares <= MAX_SHARES
            else PRICE_ZERO
            if price == 0
            else PRICE_TOO_LARGE
            if price >= 2**128
            else RAISE_TOO_LARGE
            if max_raise > MAX_RAISE
            else MIN_ABOVE_MAX
            if min_raise > max_raise
            else START_PAST
            if start < now
            else END_NOT_AFTER
            if end <= start
            else RELEASE_ABOVE
            if release > MAX_BPS
            else BURN_IN_RANGE
            if not 1 <= burn_in <= 90
            else DEADLINE_EARLY
            if deadline < least
            else DEADLINE_TOO_FAR
            if deadline >= 2**48
            else EXIT_WINDOW_RANGE
            if not EPOCH_LENGTH <= exits < 2**40
            else None
        )
        receipt = outcome("NOF-8", reason, lambda: self.offering.create_offering(*args, sender=sender))
        if not receipt:
            return
        o = Offer(len(self.offers) + 1, *args[:8], deadline, exits, first, SLAS[node - 1])
        equal("NOF-8", "create_offering's id", receipt.return_value, o.id)
        self.offers.append(o)
        token, operator = self.w.tokens[node].address, self.w.operators[node].address
        expected = (
            node,
            token,
            operator,
            shares,
            price,
            min_raise,
            start,
            end,
            release,
            burn_in,
            deadline,
            exits,
            first,
        )
        equal("NOF-8", f"terms({o.id})", tuple(self.offering.terms(o.id)), (*expected, o.sla))
        self.changed(o)

    # --- buyers -------------------------------------------------------------------------------------
    @rule(
        who=anyone,
        i=offering_pick,
        kind=st.sampled_from(["zero", "one", "share", "rest", "rest", "rest+1", "half", "random", "random"]),
        edge=st.sampled_from([None, None, None, None, None, "start-1", "start", "end-1", "end"]),
        salt=pick,
        aiming=aim,
    )
    def buy(self, who, i, kind, edge, salt, aiming):
        o = self.offer(i, aiming, lambda o, now: o.status(now) == OPEN or now < o.start)
        if o is None:
            return
        if edge is None and aiming:
            edge = "start"  # a pending sale: at its first second
        if edge is not None:
            self.at({"start-1": o.start - 1, "start": o.start, "end-1": o.end - 1, "end": o.end}[edge])
        self.buy_now(o, self.parties[who], self.shares_of(kind, o.shares_for_sale - o.sold, salt))

    def buy_now(self, o: Offer, buyer_, shares: int) -> None:
        now = self.chain.pending_timestamp
        price = cost(shares, o.price)
        reason = self.buy_reason(o, buyer_.address, shares, now)
        if reason is None and price > self.wallets[buyer_.address]:
            reason = NO_BALANCE
        pid = "NOF-4"
        receipt = outcome(pid, reason, lambda: self.offering.buy(o.id, shares, sender=buyer_))
        if receipt:
            equal(pid, f"buy({o.id}, {shares})'s cost", receipt.return_value, price)
            self.record_buy(o, buyer_.address, shares, price)

    @rule(
        who=anyone,
        i=offering_pick,
        kind=st.sampled_from(["one", "share", "rest", "rest+1", "half", "random"]),
        how=st.sampled_from(["valid", "valid", "other_shares", "replay"]),
        salt=pick,
        aiming=aim,
    )
    def buy_signed(self, who, i, kind, how, salt, aiming):
        """A relayer submits a buyer's ReceiveWithAuthorization (nonce bound to the offering and shares)."""
        o = self.offer(i, aiming, lambda o, now: o.status(now) == OPEN)
        if o is None:
            return
        now = self.chain.pending_timestamp
        if how == "replay" and self.used:
            oid, signer, shares, valid_before, args = self.used[salt % len(self.used)]
            o = self.offers[oid - 1]
            submitted = shares
        else:
            signer = self.parties[who]
            shares = max(self.shares_of(kind, o.shares_for_sale - o.sold, salt), 1)
            self.salts += 1
            nonce_salt = keccak(b"offering machine salt %d" % self.salts)
            nonce = keccak(o.id.to_bytes(32, "big") + shares.to_bytes(32, "big") + nonce_salt)
            equal("NOF-4", "purchase_nonce: keccak256(abi.encode(id, shares, salt))",
                  self.offering.purchase_nonce(o.id, shares, nonce_salt), nonce)  # fmt: skip
            valid_before = now + 3_600
            document = authorization(
                self.w.domain,
                signer.address,
                self.offering.address,
                cost(shares, o.price),
                0,
                valid_before,
                nonce,
                True,
            )
            args = (0, valid_before, nonce_salt, *sign(signer, document).vrs)
            submitted = shares + 1 if how == "other_shares" else shares
        price = cost(submitted, o.price)
        reason = self.buy_reason(o, signer.address, submitted, now)
        if reason is None and now >= valid_before:
            reason = EXPIRED
        if reason is None and how == "replay" and self.used:
            reason = USED
        if reason is None and submitted != shares:
            reason = BAD_SIGNATURE
        if reason is None and price > self.wallets[signer.address]:
            reason = NO_BALANCE
        call = lambda: self.offering.buy_with_authorization(  # noqa: E731
            o.id, signer.address, submitted, *args, sender=self.relayer
        )
        receipt = outcome("NOF-4", reason, call)
        if receipt:
            equal("NOF-4", f"buy_with_authorization({o.id}, {submitted})'s cost", receipt.return_value, price)
            self.record_buy(o, signer.address, submitted, price)
            self.used.append((o.id, signer, shares, valid_before, args))

    @rule(
        i=offering_pick,
        parts=st.lists(
            st.sampled_from(["one", "share", "half", "half", "random", "random", "rest"]), min_size=2, max_size=BUYERS
        ),
        salt=pick,
    )
    def crowd_buys(self, i, parts, salt):
        """Buyers, in turn, buy from an open (or the first pending) offering, each what `parts` says
        of what is left."""
        o = self.offer(i, True, lambda o, now: o.status(now) == OPEN or now < o.start)
        if o is None:
            return
        self.at(o.start)
        for k, kind in enumerate(parts):
            self.buy_now(o, self.buyers[k], self.shares_of(kind, o.shares_for_sale - o.sold, salt >> k))

    @rule(who=anyone, i=offering_pick, to=receiver_kind, aiming=aim)
    def refund(self, who, i, to, aiming):
        o = self.offer(i, aiming, lambda o, now: o.status(now) == FAILED and o.raised > 0)
        if o is not None:
            self.do_refund(o, self.party(who, aiming, o, paid=True), to)

    def do_refund(self, o: Offer, who, to: str) -> bool:
        now = self.chain.pending_timestamp
        receiver = self.receiver(to, who)
        shares, _, paid = o.position(who.address)
        reason = (
            NOT_FAILED
            if o.status(now) != FAILED
            else RECEIVER_ZERO
            if receiver == ZERO
            else NOTHING_TO_REFUND
            if paid == 0
            else None
        )
        receipt = outcome("NOF-3", reason, lambda: self.offering.refund(o.id, receiver, sender=who))
        if not receipt:
            return False
        equal("NOF-3", f"refund({o.id}) to the buyer that paid {paid}", receipt.return_value, paid)
        del o.purchases[who.address]
        o.sold -= shares
        o.raised -= paid
        self.pay(None, receiver, paid)
        self.changed(o)
        return True

    @rule(caller=st.sampled_from(["relayer", "buyer"]), who=anyone, i=offering_pick, aiming=aim)
    def claim(self, caller, who, i, aiming):
        o = self.offer(i, aiming, lambda o, now: o.status(now) == SUCCEEDED and o.sold > 0)
        if o is not None:
            buyer_ = self.party(who, aiming, o)
            self.do_claim(o, buyer_, buyer_ if caller == "buyer" else self.relayer)

    def do_claim(self, o: Offer, who, caller) -> bool:
        now = self.chain.pending_timestamp
        shares, claimed, _ = o.position(who.address)
        reason = (
            NOT_SUCCEEDED
            if o.status(now) != SUCCEEDED
            else NOTHING_TO_CLAIM
            if shares == 0 or claimed
            else RECEIVER_FROZEN
            if who.address in self.frozen[o.node]
            else RECEIVER_NOT_VERIFIED
            if who.address not in self.verified
            else None
        )
        receipt = outcome("NOF-2", reason, lambda: self.offering.claim_shares(o.id, who, sender=caller))
        if not receipt:
            return False
        equal("NOF-2", f"claim_shares({o.id})'s shares minted", receipt.return_value, shares)
        o.purchases[who.address][1] = True
        self.move_shares(o.node, None, who.address, shares)
        self.changed(o)
        return True

    @rule(who=st.lists(anyone, max_size=6), i=offering_pick, aiming=aim)
    def claim_batch(self, who, i, aiming):
        """The relayer claims for a list of parties at once (repeats and non-buyers included;
        aiming, every party with a position is added)."""
        o = self.offer(i, aiming, lambda o, now: o.status(now) == SUCCEEDED and o.sold > 0)
        if o is None:
            return
        listed = [self.parties[k] for k in who]
        if aiming:
            listed += [p for p in self.parties if o.position(p.address)[0]]
        now = self.chain.pending_timestamp
        due, seen = [], set()
        for p in listed:
            shares, claimed, _ = o.position(p.address)
            if shares and not claimed and p.address not in seen:
                seen.add(p.address)
                due.append((p.address, shares))
        refusal = next(
            (
                RECEIVER_FROZEN if a in self.frozen[o.node] else RECEIVER_NOT_VERIFIED
                for a, _ in due
                if a in self.frozen[o.node] or a not in self.verified
            ),
            None,
        )
        reason = NOT_SUCCEEDED if o.status(now) != SUCCEEDED else NOTHING_TO_CLAIM if not due else refusal
        addresses = [p.address for p in listed]
        relayer = self.relayer
        receipt = outcome("NOF-2", reason, lambda: self.offering.claim_shares_batch(o.id, addresses, sender=relayer))
        if not receipt:
            return
        equal("NOF-2", f"claim_shares_batch({o.id})'s shares minted", receipt.return_value, sum(n for _, n in due))
        logged = [(e.args["buyer"], e.args["shares"]) for e in receipt.filter("SharesClaimed")]
        equal("NOF-2", f"claim_shares_batch({o.id})'s SharesClaimed events", logged, due)
        for address, shares in due:
            o.purchases[address][1] = True
            self.move_shares(o.node, None, address, shares)
        self.changed(o)

    # --- the oracle and burn-in ---------------------------------------------------------------------
    @rule(
        node=st.sampled_from([1, 2]),
        which=st.sampled_from(["earliest", "all", "all", "latest", "random"]),
        uptime=st.sampled_from(["sla", "sla", "max", "below", "random"]),
        salt=pick,
    )
    def report(self, node, which, uptime, salt):
        """The committee reports ended epochs of the node not yet reported (from the epoch before
        the earliest first epoch of its offerings, or the last few): one of them, or up to six in
        a row ("all": the first at `uptime`, the rest at the SLA or 100% unless `uptime` is)."""
        current = self.epoch_of(self.chain.pending_timestamp)
        firsts = [o.first_epoch for o in self.offers if o.node == node]
        low = min([*firsts, current - 2])
        epochs = [e for e in range(max(low - 1, 0), current) if (node, e) not in self.reports]
        if not epochs:
            return
        chosen = {
            "earliest": epochs[:1],
            "all": epochs[:6],
            "latest": epochs[-1:],
            "random": [epochs[salt % len(epochs)]],
        }[which]
        sla = SLAS[node - 1]
        for k, epoch in enumerate(chosen):
            kind = uptime if k == 0 or uptime in ("sla", "max") else "sla"
            bps = {"sla": sla, "max": MAX_BPS, "below": sla - 1, "random": salt % (MAX_BPS + 1)}[kind]
            self.submit(node, epoch, bps)

    @rule(
        i=offering_pick,
        uptime=st.sampled_from(["sla", "sla", "max", "below", "missing"]),
        aiming=aim,
        salt=pick,
        confirm=st.booleans(),
    )
    def burn_in_runs(self, i, uptime, aiming, salt, confirm):
        """An offering's burn-in epochs pass (time moves to the end of its N epochs unless later)
        and the committee reports each one not yet reported at the SLA or 100%, but one of them
        at `uptime` ("below": one under the SLA; "missing": never reported); then, with `confirm`,
        anyone confirms burn-in from the offering's first epoch at once."""
        o = self.offer(i, aiming, lambda o, now: self.will_succeed(o, now) and not o.confirmed and now <= o.deadline)
        if o is None or not self.will_succeed(o, self.chain.pending_timestamp):
            return
        self.at(self.epoch_start(o.first_epoch + o.burn_in))  # after the end: the sale is over
        odd = o.first_epoch + salt % o.burn_in
        for epoch in range(o.first_epoch, o.first_epoch + o.burn_in):
            if (o.node, epoch) in self.reports or (epoch == odd and uptime == "missing"):
                continue
            kind = uptime if epoch == odd else ("max" if uptime == "max" else "sla")
            self.submit(o.node, epoch, {"sla": o.sla, "max": MAX_BPS, "below": o.sla - 1}[kind])
        if confirm:
            self.do_confirm(o, o.first_epoch)

    @staticmethod
    def will_succeed(o: Offer, now: int) -> bool:
        """Succeeded, or open with the minimum raised (it succeeds at its end)."""
        return o.status(now) == SUCCEEDED or (o.status(now) == OPEN and o.raised >= o.min_raise)

    def submit(self, node: int, epoch: int, bps: int) -> None:
        report = PerformanceReport(
            node_id=node,
            epoch=epoch,
            uptime_bps=bps,
            utilization_bps=7_000,
            latency_ms_p50=40,
            energy_wh=480_000,
            work_units=1_000_000,
            deadline=self.chain.pending_timestamp + 3_600,
        )
        signatures = sign_report(self.w.oracle_domain, report, attestor_keys[:3])
        outcome("NOF-3", None, lambda: self.w.oracle.submit(report.as_tuple(), signatures, sender=self.relayer))
        self.reports[(node, epoch)] = bps

    def passing_run(self, o: Offer) -> int | None:
        """The first epoch from the offering's first with N consecutive reports at the SLA."""
        top = max([e for n, e in self.reports if n == o.node], default=-1)
        for first in range(o.first_epoch, top + 1):
            if all(self.reports.get((o.node, first + k), -1) >= o.sla for k in range(o.burn_in)):
                return first
        return None

    def confirm_reason(self, o: Offer, first: int, now: int) -> str | None:
        if o.status(now) != SUCCEEDED:
            return NOT_SUCCEEDED
        if o.confirmed:
            return ALREADY_CONFIRMED
        if now > o.deadline:
            return DEADLINE_PASSED
        if first < o.first_epoch:
            return EPOCH_TOO_EARLY
        for k in range(o.burn_in):
            uptime = self.reports.get((o.node, first + k))
            if uptime is None:
                return NO_REPORT
            if uptime < o.sla:
                return BELOW_SLA
        return None

    @rule(
        i=offering_pick,
        which=st.sampled_from(["first", "run", "run", "later", "earlier"]),
        edge=st.sampled_from([None, None, None, "deadline", "deadline+1"]),
        aiming=aim,
    )
    def confirm_burn_in(self, i, which, edge, aiming):
        o = self.offer(i, aiming, lambda o, now: o.status(now) == SUCCEEDED and not o.confirmed and now <= o.deadline)
        if o is None:
            return
        run = self.passing_run(o)
        first = {
            "first": o.first_epoch,
            "run": o.first_epoch if run is None else run,
            "later": o.first_epoch + 1,
            "earlier": o.first_epoch - 1,
        }[which]
        if edge is not None and o.status(self.chain.pending_timestamp) == SUCCEEDED:  # only a sale that is over
            self.at(o.deadline + (edge == "deadline+1"))
        self.do_confirm(o, first)

    def do_confirm(self, o: Offer, first: int) -> None:
        reason = self.confirm_reason(o, first, self.chain.pending_timestamp)
        relayer = self.relayer
        if outcome("NOF-3", reason, lambda: self.offering.confirm_burn_in(o.id, first, sender=relayer)) is not None:
            o.confirmed = True
            self.changed(o)

    # --- the operator -------------------------------------------------------------------------------
    @rule(
        i=offering_pick,
        caller=st.sampled_from(["operator", "operator", "operator", "other", "stranger"]),
        to=receiver_kind,
        aiming=aim,
    )
    def withdraw(self, i, caller, to, aiming):
        o = self.offer(i, aiming, lambda o, now: o.withdrawable(now) > 0)
        if o is None:
            return
        operator = self.w.operators[o.node]
        sender = {"operator": operator, "other": self.w.operators[3 - o.node], "stranger": self.stranger}[caller]
        self.do_withdraw(o, sender, to)

    def do_withdraw(self, o: Offer, sender, to: str) -> bool:
        now = self.chain.pending_timestamp
        receiver = self.receiver(to, sender)
        amount = o.withdrawable(now)
        reason = (
            NOT_OPERATOR
            if sender.address != self.w.operators[o.node].address
            else RECEIVER_ZERO
            if receiver == ZERO
            else NOTHING_TO_WITHDRAW
            if amount == 0
            else None
        )
        receipt = outcome("NOF-3", reason, lambda: self.offering.withdraw_proceeds(o.id, receiver, sender=sender))
        if not receipt:
            return False
        equal("NOF-3", f"withdraw_proceeds({o.id})", receipt.return_value, amount)
        o.withdrawn += amount
        self.pay(None, receiver, amount)
        self.changed(o)
        return True

    # --- exits --------------------------------------------------------------------------------------
    @rule(
        who=anyone,
        i=offering_pick,
        kind=st.sampled_from(["zero", "one", "all", "all", "more", "random"]),
        to=receiver_kind,
        edge=st.sampled_from([None, None, "deadline", "deadline+1", "window_end", "window_end+1"]),
        salt=pick,
        aiming=aim,
    )
    def exit(self, who, i, kind, to, edge, salt, aiming):
        o = self.offer(
            i,
            aiming,
            lambda o, now: o.status(now) == SUCCEEDED and not o.confirmed and o.outstanding() > 0 and not o.swept,
        )
        if o is None:
            return
        if edge is not None and o.status(self.chain.pending_timestamp) == SUCCEEDED:  # only a sale that is over
            self.at(
                {
                    "deadline": o.deadline,
                    "deadline+1": o.deadline + 1,
                    "window_end": o.window_end(),
                    "window_end+1": o.window_end() + 1,
                }[edge]
            )
        party = self.party(who, aiming, o)
        held = o.position(party.address)[0]
        shares = {"zero": 0, "one": 1, "all": held, "more": held + 1, "random": 1 + salt % max(held, 1)}[kind]
        self.do_exit(o, party, shares, to)

    def do_exit(self, o: Offer, who, shares: int, to: str) -> bool:
        now = self.chain.pending_timestamp
        receiver = self.receiver(to, who)
        held, claimed, _ = o.position(who.address)
        reason = (
            NOT_SUCCEEDED
            if o.status(now) != SUCCEEDED
            else CONFIRMED
            if o.confirmed
            else DEADLINE_NOT_PASSED
            if now <= o.deadline
            else PROCEEDS_SWEPT
            if o.swept
            else RECEIVER_ZERO
            if receiver == ZERO
            else NOTHING_TO_EXIT
            if shares == 0
            else MORE_THAN_BOUGHT
            if shares > held
            else None
        )
        if reason is None and claimed:
            if who.address not in self.verified:
                reason = SENDER_NOT_VERIFIED
            elif self.shares[o.node][who.address] < shares:
                reason = BURN_EXCEEDS
        amount = o.exit_value(shares)
        before = self.offering.totals(o.id) if reason is None else None
        receipt = outcome("NOF-3", reason, lambda: self.offering.exit(o.id, shares, receiver, sender=who))
        if not receipt:
            return False
        equal("NOF-3", f"exit({o.id}, {shares}) of {o.outstanding()} outstanding", receipt.return_value, amount)
        self.exit_bound(o, shares, receipt.return_value, before)
        o.purchases[who.address][0] -= shares
        o.exited += shares
        o.exit_paid += amount
        if claimed:
            self.move_shares(o.node, who.address, None, shares)
        self.pay(None, receiver, amount)
        self.changed(o)
        return True

    def exit_bound(self, o: Offer, shares: int, paid: int, before) -> None:
        """NOF-9: an exit of `shares` that paid `paid`, against exact fractions of the chain's totals
        before it. The pool is what was not released at the close (the operator's share floored, as
        the terms say) less what exits were paid; each exit pays the floor of its part of it. With
        r = pool / outstanding, an exit of s that drops d (< 1) leaves r' = r + d / outstanding', so r
        only grows from unreleased / sold, by Σ d_i / outstanding_(i+1) <= Σ d_i / s for any later exit
        of s: an exit gets its exact part of the unreleased proceeds less under a unit, and more only
        by the rounding earlier exits left (`exit_dust`)."""
        sold, raised, _, exit_paid, exited, _, _ = before
        unreleased = raised - raised * o.release_bps // MAX_BPS
        pool, outstanding = unreleased - exit_paid, sold - exited
        exact = Fraction(pool * shares, outstanding)
        require(
            exact - 1 < paid <= exact,
            "NOF-9",
            "an exit pays its exact part of the pool left, less under one base unit",
            offering=o.id,
            shares=shares,
            paid=paid,
            exact=exact,
        )
        fair = Fraction(unreleased * shares, sold)
        require(
            fair - 1 < paid <= fair + o.exit_dust,
            "NOF-9",
            "an exit pays its exact part of the unreleased proceeds, less under a unit, plus at most the "
            "rounding earlier exits left",
            offering=o.id,
            shares=shares,
            paid=paid,
            fair=fair,
            dust=o.exit_dust,
        )
        o.exit_dust += exact - paid
        if shares == outstanding:
            require(
                paid == pool and exit_paid + paid == unreleased,
                "NOF-9",
                "the last shares out take the pool: exits pay out the unreleased proceeds exactly",
                offering=o.id,
                paid=paid,
                pool=pool,
                unreleased=unreleased,
            )

    # --- the sweep ----------------------------------------------------------------------------------
    @rule(i=offering_pick, edge=st.sampled_from([None, None, "window_end", "window_end+1"]), aiming=aim)
    def sweep(self, i, edge, aiming):
        """Anyone sweeps an offering's unreleased proceeds into its node token's revenue stream
        (aiming: one whose burn-in failed, with something left), at the last second of its exit
        window or the one after, or whenever."""
        o = self.offer(i, aiming, lambda o, now: o.status(now) == SUCCEEDED and not o.confirmed and o.pool() > 0)
        if o is None:
            return
        if edge is not None and o.status(self.chain.pending_timestamp) == SUCCEEDED:  # only a sale that is over
            self.at(o.window_end() + (edge == "window_end+1"))
        self.do_sweep(o)

    def do_sweep(self, o: Offer) -> bool:
        """NOF-11: a sweep deposits exactly the pool no exit took into the node token (its `owed`
        rises by it), once, and only after the exit window; exits are closed from then on (NOF-3
        predicts "offering: proceeds were swept")."""
        now = self.chain.pending_timestamp
        amount = o.pool()
        reason = (
            NOT_SUCCEEDED
            if o.status(now) != SUCCEEDED
            else CONFIRMED
            if o.confirmed
            else EXIT_WINDOW_OPEN
            if now <= o.window_end()
            else NOTHING_TO_SWEEP
            if amount == 0
            else NO_HOLDERS
            if self.supply(o.node) == 0
            else None
        )
        relayer = self.relayer
        before = self.offering.totals(o.id) if reason is None else None
        receipt = outcome("NOF-11", reason, lambda: self.offering.sweep(o.id, sender=relayer))
        if not receipt:
            return False
        # independent of the model's pool: from the chain's totals, what exits were paid and the
        # sweep took are exactly the unreleased proceeds (the close share floored, as the terms say)
        _, raised, _, exit_paid, _, _, _ = before
        unreleased = raised - raised * o.release_bps // MAX_BPS
        require(
            exit_paid + receipt.return_value == unreleased,
            "NOF-11",
            "exits and the sweep pay out exactly the unreleased proceeds",
            offering=o.id,
            exit_paid=exit_paid,
            swept=receipt.return_value,
            unreleased=unreleased,
        )
        token = self.w.tokens[o.node]
        [event] = receipt.filter("Swept")
        args = tuple(event.args[k] for k in ("offering_id", "token", "amount", "credited"))
        equal(
            "NOF-11",
            f"sweep({o.id})'s return and Swept event",
            (receipt.return_value, *args),
            (amount, o.id, token.address, amount, amount),
        )
        o.swept += amount
        self.pay(None, token.address, amount)
        self.changed(o)
        return True

    # --- the node tokens' agent: lost wallets -------------------------------------------------------
    @rule(
        caller=st.sampled_from(["issuer"] * 6 + ["stranger", "operator"]),
        i=offering_pick,
        lost=anyone,
        to=st.sampled_from([0, 1, 2, 3, BUYERS, BUYERS, "zero", "lost"]),
        tokens=st.sampled_from(["first", "first", "no"]),
        want=st.sampled_from(["fit", "fit", "fit", "fit", "clash", "frozen", "exited"]),
        aiming=aim,
    )
    def recover(self, caller, i, lost, to, tokens, want, aiming):
        """The issuer (the node tokens' agent), or someone who is not, recovers a buyer's lost wallet:
        with `tokens` "first" the token's balance (`recover`), then the offering's position
        (`recover_purchase`); aiming, from a wallet with a position to a verified buyer that `want`s:
        one it merges with ("fit": empty, or claimed alike), one claimed unlike it ("clash"), or a
        frozen one; or ("exited") from a wallet that exited all its shares to a buyer holding shares
        claimed unlike it (the merged position is claimed as the side that holds shares)."""
        o = self.offer(i, aiming, lambda o, now: any(any(p) for p in o.purchases.values()))
        if o is None:
            return
        lost_ = self.party(lost, aiming, o, paid=True)
        if aiming and want == "clash":  # a buyer with shares claimed unlike another buyer's, if any
            mixed = {bool(o.position(b.address)[1]) for b in self.buyers if o.position(b.address)[0]}
            clashing = [b for b in self.buyers if o.position(b.address)[0]] if len(mixed) == 2 else []
            lost_ = clashing[lost % len(clashing)] if clashing else lost_
        if aiming and want == "exited":  # a position with no shares left (all exited), paid for
            gone = [b for b in self.buyers if any(o.position(b.address)) and not o.position(b.address)[0]]
            lost_ = gone[lost % len(gone)] if gone else lost_
        moved = o.position(lost_.address)
        node = o.node
        if to == "zero":
            replacement = ZERO
        elif to == "lost":
            replacement = lost_.address
        else:
            replacement = self.parties[to].address
            if aiming:

                def clash(b: str) -> bool:
                    return bool(moved[0] and o.position(b)[0] and o.position(b)[1] != moved[1])

                fits = [
                    b.address
                    for b in self.buyers
                    if b.address != lost_.address
                    and (b.address in self.frozen[node]) == (want == "frozen")
                    and clash(b.address) == (want == "clash")
                    and (want != "exited" or bool(o.position(b.address)[0] and o.position(b.address)[1] != moved[1]))
                ]
                replacement = fits[to % len(fits)] if fits else replacement
        sender = {"issuer": self.issuer, "stranger": self.stranger, "operator": self.w.operators[node]}[caller]
        if tokens == "first" and caller == "issuer" and replacement != ZERO:
            reason = (
                TOKEN_REPLACEMENT_IS_LOST
                if replacement == lost_.address
                else RECEIVER_FROZEN
                if replacement in self.frozen[node]
                else RECEIVER_NOT_VERIFIED
                if replacement not in self.verified
                else None
            )
            token = self.w.tokens[node]
            if outcome("NOF-10", reason, lambda: token.recover(lost_, replacement, sender=sender)):
                self.move_shares(node, lost_.address, replacement, self.shares[node][lost_.address])
        held = o.position(replacement)
        reason = (
            NOT_TOKEN_AGENT
            if caller != "issuer"
            else REPLACEMENT_ZERO
            if replacement == ZERO
            else REPLACEMENT_IS_LOST
            if replacement == lost_.address
            else REPLACEMENT_FROZEN
            if replacement in self.frozen[node]
            else REPLACEMENT_NOT_VERIFIED
            if replacement not in self.verified
            else NO_PURCHASE
            if not any(moved)
            else CLAIM_BOTH_FIRST
            if moved[0] and held[0] and moved[1] != held[1]
            else None
        )
        call = lambda: self.offering.recover_purchase(o.id, lost_, replacement, sender=sender)  # noqa: E731
        receipt = outcome("NOF-10", reason, call)
        if not receipt:
            return
        [event] = receipt.filter("PurchaseRecovered")
        args = {k: event.args[k] for k in ("offering_id", "lost", "replacement", "agent", "shares", "claimed", "paid")}
        expected = (o.id, lost_.address, replacement, sender.address, *moved)
        equal("NOF-10", f"PurchaseRecovered of offering {o.id}", tuple(args.values()), expected)
        claimed = moved[1] if moved[0] else held[1] if held[0] else moved[1] or held[1]
        o.purchases.pop(lost_.address, None)
        o.purchases[replacement] = [moved[0] + held[0], claimed, moved[2] + held[2]]
        self.changed(o)

    # --- the node tokens: the issuer (admin and agent) and holders ----------------------------------
    @rule(
        caller=st.sampled_from(["issuer", "issuer", "issuer", "stranger"]),
        node=st.sampled_from([1, 2]),
        action=st.sampled_from(["freeze", "unfreeze", "pause", "pause", "unpause"]),
        who=buyer,
        aiming=aim,
    )
    def compliance(self, caller, node, action, who, aiming):
        """The issuer (the tokens' agent), or the stranger, freezes or unfreezes a buyer, pauses or
        unpauses; aiming, the token of a sale that is open (so buys meet the restriction)."""
        now = self.chain.pending_timestamp
        selling = sorted({o.node for o in self.offers if o.status(now) == OPEN})
        if aiming and selling:
            node = selling[node % len(selling)]
        token, account = self.w.tokens[node], self.buyers[who]
        sender = self.issuer if caller == "issuer" else self.stranger
        on = action in ("freeze", "pause")
        if action in ("freeze", "unfreeze"):
            fn = token.freeze if on else token.unfreeze
            if outcome("NOF-2", None if caller == "issuer" else NOT_AGENT, lambda: fn(account, sender=sender)):
                (self.frozen[node].add if on else self.frozen[node].discard)(account.address)
            return
        reason = (
            NOT_AGENT
            if caller != "issuer"
            else ALREADY_PAUSED
            if on and self.paused[node]
            else NOT_PAUSED
            if not on and not self.paused[node]
            else None
        )
        fn = token.pause if on else token.unpause
        if outcome("NOF-2", reason, lambda: fn(sender=sender)):
            self.paused[node] = on

    @rule(
        node=st.sampled_from([1, 2]),
        src=buyer,
        dst=anyone,
        kind=st.sampled_from(["one", "all", "all", "more", "random"]),
        salt=pick,
    )
    def transfer_shares(self, node, src, dst, kind, salt):
        self.do_transfer(node, self.buyers[src], self.parties[dst], kind, salt)

    def do_transfer(self, node: int, src, dst, kind: str | int, salt: int = 0) -> bool:
        have = self.shares[node][src.address]
        amount = (
            kind
            if isinstance(kind, int)
            else {"one": 1, "all": have, "more": have + 1, "random": salt % (have + 1)}[kind]
        )
        reason = (
            TRANSFERS_PAUSED
            if self.paused[node]
            else SENDER_FROZEN
            if src.address in self.frozen[node]
            else RECEIVER_FROZEN
            if dst.address in self.frozen[node]
            else RECEIVER_NOT_VERIFIED
            if dst.address not in self.verified
            else NO_BALANCE
            if amount > have
            else None
        )
        token = self.w.tokens[node]
        if outcome("NOF-2", reason, lambda: token.transfer(dst, amount, sender=src)) is None:
            return False
        self.move_shares(node, src.address, dst.address, amount)
        return True

    # --- anyone -------------------------------------------------------------------------------------
    def edges(self, o: Offer) -> list[int]:
        """An offering's edges: a second before and at its start and end, its deadline and the end
        of its exit window and the second after each, and the start of every epoch from its first
        through the end of burn-in."""
        epochs = [self.epoch_start(o.first_epoch + k) for k in range(o.burn_in + 1)]
        windows = {o.deadline, o.deadline + 1, o.window_end(), o.window_end() + 1}
        return sorted({o.start - 1, o.start, o.end - 1, o.end, *windows, *epochs})

    @rule(i=offering_pick, skip=st.sampled_from([0, 0, 0, 1, 2]))
    def to_edge(self, i, skip):
        """Time moves to the next edge of an offering (or the one after it, or the one after that)."""
        o = self.offer(i)
        if o is None:
            return
        now = self.chain.pending_timestamp
        ahead = [t for t in self.edges(o) if t > now]
        if ahead:
            self.at(ahead[min(skip, len(ahead) - 1)])

    @rule(
        seconds=st.sampled_from([1, 59, 600, 3_600, 6 * 3_600, EPOCH_LENGTH, 3 * EPOCH_LENGTH]),
        donation=st.one_of(st.none(), st.none(), st.sampled_from([1, DOLLAR]), st.integers(1, 10**9)),
    )
    def sleep(self, seconds, donation):
        """Time passes; sometimes the relayer sends stablecoin straight to the offering, which is
        nobody's and stays (NOF-1)."""
        self.chain.sleep(seconds)
        if donation is not None:
            relayer = self.relayer
            outcome("NOF-1", None, lambda: self.stable.transfer(self.offering, donation, sender=relayer))
            self.pay(relayer.address, None, donation)
            self.donations += donation

    # --- properties ---------------------------------------------------------------------------------
    @check("NOF-1", watches=("money",))
    def nof_1_offering_holds_what_it_owes(self):
        owed = sum(o.owed() for o in self.offers)
        held = self.stable.balanceOf(self.offering)
        require(
            held == owed + self.donations,
            "NOF-1",
            "the offering's stablecoin is Σ (raised - withdrawn - exit_paid - swept) + donations",
            held=held,
            owed=owed,
            donations=self.donations,
        )
        equal("NOF-1", "the offering's stablecoin (the model's ledger)", held, self.held)

    @check("NOF-2", watches=("shares",))
    def nof_2_shares_minted_equal_shares_bought(self):
        """Each holder's balance (those a step moved; all in a sweep), each token's supply over its
        initial one against the model's claimed positions, and in a sweep the holders' balances
        against the offering's `purchase` views (claimed positions), with no model in between."""
        every = self.sweeping() or not self.dirty_holders
        holders = [(n, a.address) for n in self.w.tokens for a in self.parties] if every else sorted(self.dirty_holders)
        self.dirty_holders = set()
        for node, who in holders:
            equal(
                "NOF-2",
                f"node {node} token balanceOf({who})",
                self.w.tokens[node].balanceOf(who),
                self.shares[node][who],
            )
        for node, token in self.w.tokens.items():
            minted = token.totalSupply() - self.supply0[node]
            claimed = self.supply(node) - self.supply0[node]
            equal("NOF-2", f"node {node}: supply minted by claims less burnt by exits", minted, claimed)
            if self.sweeping():  # the chain against itself: the holders' shares are the claimed positions
                held = sum(token.balanceOf(p) for p in self.parties)
                positions = [
                    self.offering.purchase(o.id, p) for o in self.offers if o.node == node for p in self.parties
                ]
                on_chain = sum(shares for shares, was_claimed, _ in positions if was_claimed)
                equal("NOF-2", f"node {node}: the holders' shares are the claimed positions (views)", held, on_chain)

    @check("NOF-5", watches=("offers", "time"))
    def nof_5_views_equal_the_model(self):
        now = self.chain.timestamp
        equal("NOF-5", "offering_count()", self.offering.offering_count(), len(self.offers))
        every = self.sweeping()
        for o in self.offers:
            equal("NOF-5", f"status({o.id}) at {now}", self.offering.status(o.id), o.status(now))
            equal("NOF-5", f"withdrawable({o.id}) at {now}", self.offering.withdrawable(o.id), o.withdrawable(now))
            if not every and o.id not in self.dirty_offers:
                continue
            equal("NOF-5", f"max_raise({o.id})", self.offering.max_raise(o.id), cost(o.shares_for_sale, o.price))
            equal("NOF-5", f"cost({o.id}, a share)", self.offering.cost(o.id, SHARE), cost(SHARE, o.price))
            totals = (o.sold, o.raised, o.withdrawn, o.exit_paid, o.exited, o.confirmed, o.swept)
            equal("NOF-5", f"totals({o.id})", tuple(self.offering.totals(o.id)), totals)
            outstanding = o.outstanding()
            for shares in {1, outstanding, outstanding + 1, max(outstanding // 3, 1)}:
                equal(
                    "NOF-5",
                    f"exit_value({o.id}, {shares})",
                    self.offering.exit_value(o.id, shares),
                    o.exit_value(shares),
                )
            for who in self.parties:
                expected = tuple(o.position(who.address))
                equal("NOF-5", f"purchase({o.id}, {who.address})", tuple(self.offering.purchase(o.id, who)), expected)
        self.dirty_offers = set()

    @check("NOF-11", watches=("money",))
    def nof_11_swept_proceeds_reach_the_node_tokens(self):
        """Nobody claims the tokens' revenue here, and only sweeps deposit it: each token owes its
        holders exactly what was swept into it."""
        for node, token in self.w.tokens.items():
            swept = sum(o.swept for o in self.offers if o.node == node)
            equal(
                "NOF-11",
                f"node {node} token's owed revenue: the sweeps into it",
                token.owed() - self.owed0[node],
                swept,
            )

    @check("NOF-6", watches=("money",))
    def nof_6_every_actor_holds_what_the_model_says(self):
        every = self.sweeping() or not self.dirty_wallets
        wallets = sorted(self.wallets) if every else sorted(self.dirty_wallets)
        self.dirty_wallets = set()
        for who in wallets:
            equal("NOF-6", f"the stablecoin of {who}", self.stable.balanceOf(who), self.wallets[who])

    # --- the end of the run ---------------------------------------------------------------------
    def end_of_run(self):
        """NOF-7: every restriction lifted and time past every deadline, everyone refunds, claims
        and, unless the offering was swept, exits what it still holds, every operator withdraws,
        and past every exit window anyone sweeps the rest: the offering then holds exactly the donations.
        Then every check again."""
        for node, token in self.w.tokens.items():
            if self.paused[node]:
                outcome("NOF-7", None, lambda token=token: token.unpause(sender=self.issuer))
                self.paused[node] = False
            for who in sorted(self.frozen[node]):
                outcome("NOF-7", None, lambda token=token, who=who: token.unfreeze(who, sender=self.issuer))
            self.frozen[node] = set()
        if self.offers:
            self.at(max(max(o.deadline, o.end) for o in self.offers) + 1)
        for o in self.offers:
            for who in self.parties:
                shares, claimed, paid = o.position(who.address)
                status = o.status(self.chain.pending_timestamp)
                if status == FAILED and paid:
                    require(
                        self.do_refund(o, who, "self"), "NOF-7", "a buyer of a failed sale is refunded", offering=o.id
                    )
                elif status == SUCCEEDED and shares and not claimed:
                    require(self.do_claim(o, who, self.relayer), "NOF-7", "a buyer claims its shares", offering=o.id)
        # burn-in missed: each buyer exits what it still can, unless the offering was swept (shares
        # it passed on stay with their holders: nobody can exit them), the operator withdraws;
        # then, past every window, anyone sweeps what is left into the node's token (NOF-11):
        # nothing stays in escrow
        for o in self.offers:
            now = self.chain.pending_timestamp
            if o.status(now) == SUCCEEDED and not o.confirmed and not o.swept:
                for who in self.parties:
                    shares, claimed, _ = o.position(who.address)
                    if claimed:
                        shares = min(shares, self.shares[o.node][who.address])
                    if shares:
                        require(self.do_exit(o, who, shares, "self"), "NOF-7", "a buyer exits", offering=o.id)
            if o.withdrawable(self.chain.pending_timestamp):
                operator = self.w.operators[o.node]
                require(self.do_withdraw(o, operator, "self"), "NOF-7", "the operator withdraws", offering=o.id)
        if self.offers:
            self.at(max(o.window_end() for o in self.offers) + 1)
        for o in self.offers:
            # every buyer claimed above, so a pool left is claimed shares outstanding: someone holds
            # the node's shares (NOF-2) and the sweep has holders to go to
            if o.status(self.chain.pending_timestamp) == SUCCEEDED and not o.confirmed and o.pool():
                require(self.do_sweep(o), "NOF-7", "what no exit took is swept", offering=o.id)
        for o in self.offers:
            require(
                o.owed() == 0,
                "NOF-7",
                "an offering owes nothing once everyone acted",
                offering=o.id,
                raised=o.raised,
                withdrawn=o.withdrawn,
                exit_paid=o.exit_paid,
                outstanding=o.outstanding(),
            )
        equal(
            "NOF-7",
            "the offering's stablecoin once everyone acted (the donations)",
            self.stable.balanceOf(self.offering),
            self.donations,
        )
        for who in sorted(self.wallets):
            equal(
                "NOF-7", f"the stablecoin of {who} once everyone acted", self.stable.balanceOf(who), self.wallets[who]
            )
        for node, token in self.w.tokens.items():
            kept = sum(p[0] for o in self.offers if o.node == node for p in o.purchases.values())
            equal(
                "NOF-7",
                f"node {node}'s supply: the shares bought and not exited, every one claimed",
                token.totalSupply() - self.supply0[node],
                kept,
            )
        # and every property once more, everything read (the views after the last refunds, claims,
        # exits and withdrawals)
        for function in self.checks():
            self._run(function)


@pytest.mark.both_engines
def test_offering_machine(backend):
    world = deploy_world(backend)
    run_state_machine_as_test(lambda: OfferingMachine(backend, world), settings=machine_settings(backend))
