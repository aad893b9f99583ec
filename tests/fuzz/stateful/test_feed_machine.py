"""RevenueFeed and MockLender against an exact model (issue #19's state machines), on either engine.

One deployment per test (the full suite through `deploy_suite`, so the RevenueFeedFactory too; a
3-of-5 committee; node 1 of the operator at a 99.00% SLA, node 2 of the second operator at
100.00%; genesis five epochs back, so `trailing` can ask for more rounds than have ended), the
feed of each node token published through the factory (`create_feeds`), and a MockLender over
node 1's feed (LOOKBACK 3 rounds, 30 epochs of revenue, LTV 50%, liquidation at 80%), funded and
verified; snapshot and restore per example. Actors: the issuer (the node tokens' minter), three
verified holders (two of them borrowers), the relayer (deposits revenue, donates stablecoin
straight to a token, submits the committee's reports), the treasury (the liquidator) and the
attacker's key, which only mines empty blocks so the views see a new time. Beside them: a
young feed (a second suite, genesis at its deployment), an old feed (a third suite, genesis a
third of the time it was deployed at, so the clock is at least twice GENESIS), a token the
ComputeFactory's owner created outside the registry and a ComputeToken deployed directly on the
suite's clock for node id 9.

Rules, in any order and time: revenue deposits (0, 1 base unit, small, large, exactly up to the
per-epoch cap and one unit over), mints (1, a share, random, up to the supply cap and one over),
burns (one, all, one more, random, every holder's: to zero supply) and transfers between holders,
stablecoin donated to a token and `skim` (the donation and the whole units of the zero-supply
dust), time (within an epoch, to an epoch's edge and a second either side, to an epoch's end +
GRACE_PERIOD and a second either side, many epochs: 2 to 200, past the token's 128-epoch ring),
the committee's reports of ended epochs (at the SLA, one under, 100%, random, or never), reads of
`getRoundData` (the last ended epoch, a random ended one, the ring's oldest and the one before
it, the current epoch, a future one, the largest round id), `trailing(n)` (0, 1, random, 90, 91,
every ended round, one more), and the lender: deposits of collateral, borrows (at the limit, one
unit above, random), repayments (all, part, one more than owed), withdrawals (all, part, at the
limit), liquidations (healthy: refused; above the threshold: it takes everything), and
publishing: RevenueFeeds deployed directly (valid, or over a token the registry does not record
for its node), the factory asked again or for what is not a node token of its deployment, and
other factories (over the blueprint: one feed per token, FeedCreated; over no code: refused).

The model is written from the specs, not from the contracts nor from RevenueModel: each token's
stream (what streams over the epoch of the last update, the queue deposited during it, the
remainder of the last release and the zero-supply dust), rolled over at a state-changing update
only, where the queue and the supply before the update's balance change become the epoch's
record; revenue released while nobody holds a share is queued again at that moment (whole
units; the rest is dust `skim` streams again). Answers, trailing sums and met/judged counts are
computed from those records, the model's own reports and the clock; the lender's value and
limits from those. Every outcome (success or exactly which revert) is predicted. Properties
(PROPERTIES.md, "RevenueFeed"):
- FEED-1 every readable round's answer equals the model's, and an answer once read never changes;
- FEED-2 round ids, times and reverts: latestRoundData is the last ended epoch, startedAt/updatedAt
  its start/end, a round not ended and one beyond the ring refused with their reasons (the young
  and the old feed's latest round too);
- FEED-3 `trailing(n)` equals the model's (revenue, met, judged), its refusals predicted;
- FEED-4 the lender: value and limits equal the model's; borrows and withdrawals that would leave
  debt above the LTV of the current value are refused, those at it accepted; a liquidation
  succeeds exactly when debt exceeds the liquidation threshold;
- FEED-5 conservation: the lender's stablecoin is its funding less what is borrowed plus what
  was repaid and paid by liquidators, its shares are the collateral pledged; at the end of the
  run every borrower repays and withdraws, and the lender holds exactly its funding;
- FEED-6 the feed's inputs: every deposit, mint, burn, transfer, skim and report outcome
  predicted, and the tokens' supply, balances and stream state equal the model's;
- FEED-7 publishing: a feed deploys only over the token its registry records for the token's node
  (else "feed: not the registry's token for its node", through the factory too), and then reads
  its arguments back; a factory only over a blueprint with code; `create_feed` publishes one feed
  per node token of its deployment, logging FeedCreated(token, feed, node_id), and refuses a
  second ("feed_factory: the token has a feed") and anything else ("feed_factory: not a node token
  of this deployment"), `feed_of` unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain
from computerwa.evm.chain import Reverted
from computerwa.evm.suite import create_feeds, deploy_suite
from tests.conftest import DOCUMENTS_HASH, EPOCH_LENGTH, FOREVER, NODE_REGION, machine_settings, role
from tests.fuzz.properties import PropertyMachine, check, equal, require

SHARE = 10**18
UNIT = 10**6  # the stablecoin's whole unit (6 decimals)
ACC = 10**36  # the stream's scale
MAX_DEPOSITS = 2**96 - 1  # per epoch's queue
STREAM_MAX = 2**100 - 1
MAX_SUPPLY = 2**116 - 1
RECORDS = 128  # epochs the token keeps
MAX_ROUNDS = 90
MAX_BPS = 10_000
UINT256 = 2**256
MAX = UINT256 - 1
GRACE = 86_400
PAST_EPOCHS = 5
SLAS = {1: 9_900, 2: 10_000}
LOOKBACK, VALUE_EPOCHS, LTV_BPS, LIQUIDATION_BPS = 3, 30, 5_000, 8_000
LENDER_FUNDS = 2**200
LIQUIDATOR_FUNDS = 2**200
BORROWER_FUNDS = 10**24
DEPOSITOR_FUNDS = 2**120

PANIC = "<panic: a revert without a reason>"
MORE_THAN_PLEDGED = "lender: more shares than pledged"
MORE_THAN_DEBT = "lender: more than the debt"
STREAM_TOO_LARGE = "revenue: stream too large"
NOTHING_TO_DEPOSIT = "revenue: nothing to deposit"
DEPOSIT_TOO_LARGE = "revenue: deposit too large"
NOTHING_TO_SKIM = "revenue: nothing to skim"
NO_LONGER_RECORDED = "revenue: epoch no longer recorded"
SUPPLY_CAP = "compute_token: supply cap exceeded"
BURN_EXCEEDS = "erc20: burn amount exceeds balance"
TRANSFER_EXCEEDS = "erc20: transfer amount exceeds balance"
NOT_ENDED = "feed: round not ended"
ROUNDS_OUT_OF_RANGE = "feed: rounds out of range"
FEWER_ROUNDS = "feed: fewer rounds have ended"
ABOVE_LIMIT = "lender: debt above the borrow limit"
HEALTHY = "lender: position is healthy"
NO_ROUND = "feed: no round has ended"
NOT_THE_REGISTRYS_TOKEN = "feed: not the registry's token for its node"
HAS_A_FEED = "feed_factory: the token has a feed"
NOT_A_NODE_TOKEN = "feed_factory: not a node token of this deployment"
NO_BLUEPRINT = "feed_factory: blueprint is not a contract"
ZERO = "0x" + "00" * 20

attestor_keys = sorted(
    (Account.from_key(keccak(b"ComputeRWA feed machine attestor %d" % i)) for i in range(5)),
    key=lambda key: int(key.address, 16),
)

node_pick = st.sampled_from([1, 1, 2])
holder_pick = st.integers(0, 2)
borrower_pick = st.integers(0, 1)
pick = st.integers(0, 2**64)


def outcome(pid: str, reason: str | None, call):
    """Runs `call`: success when `reason` is None (its result returned), else exactly that
    revert (PANIC: one without a reason, an arithmetic check); a mismatch fails `pid`."""
    try:
        result = call()
    except Reverted as err:
        got = PANIC if err.reason is None else err.reason
        require(reason is not None, pid, f"predicted success, got revert {got!r}")
        require(got == reason, pid, f"expected revert {reason!r}, got {got!r}")
        return None
    require(reason is None, pid, f"expected revert {reason!r}, but it succeeded")
    return result


def address_of(thing: Any) -> str:
    return to_checksum_address(getattr(thing, "address", thing))


def checked(value: int) -> int | None:
    """Vyper's checked uint256 arithmetic: None when `value` overflows."""
    return value if value < UINT256 else None


@dataclass
class Advanced:
    """A token's stream brought to a time (what a state-changing update would store)."""

    last: int
    stream: int
    queue: int
    remainder: int
    dust: int
    rolled: tuple[int, int, int] | None  # (epoch, queued amount, supply) recorded at the roll-over


@dataclass
class TokenModel:
    """One node token's revenue stream, from the module's spec: revenue queued during epoch e
    streams linearly over e + 1 (by second s of it, `amount * ACC * s // EPOCH_LENGTH` scaled
    units are out); the queue rolls over at the first state-changing update after its epoch,
    recording (queue, supply before the update's balance change); a release at zero supply
    queues its whole units again at that moment and sets the rest and the remainder aside as
    dust; a release at a positive supply carries its remainder."""

    genesis: int
    last: int
    supply: int = 0
    stream: int = 0
    queue: int = 0
    remainder: int = 0
    dust: int = 0
    stray: int = 0  # stablecoin sent to the token and not skimmed
    balances: dict[str, int] = field(default_factory=dict)
    records: dict[int, tuple[int, int]] = field(default_factory=dict)

    def epoch(self, t: int) -> int:
        return (t - self.genesis) // EPOCH_LENGTH

    def advanced(self, now: int) -> Advanced | str:
        length = EPOCH_LENGTH
        since = (self.last - self.genesis) % length
        done = self.stream * ACC * since // length
        elapsed = since + now - self.last
        stream, queue, rolled = self.stream, self.queue, None
        if elapsed < length:
            released = self.stream * ACC * elapsed // length - done
            if released == 0:  # nothing changes: the last update stays where it was
                return Advanced(self.last, stream, queue, self.remainder, self.dust, None)
        else:
            released = self.stream * ACC - done
            if self.queue > STREAM_MAX:
                return STREAM_TOO_LARGE
            stream, queue = self.queue, 0
            if self.queue:
                rolled = (self.epoch(self.last), self.queue, self.supply)
            elapsed -= length
            if elapsed < length:
                released += stream * ACC * elapsed // length
            else:
                released += stream * ACC
                stream = 0
        remainder, dust = self.remainder, self.dust
        if released:
            if self.supply == 0:
                queue += released // ACC
                dust += released % ACC + remainder
                remainder = 0
            else:
                remainder = (released + remainder) % self.supply
        return Advanced(now, stream, queue, remainder, dust, rolled)

    def apply(self, a: Advanced) -> None:
        self.last, self.stream, self.queue, self.remainder, self.dust = (
            a.last,
            a.stream,
            a.queue,
            a.remainder,
            a.dust,
        )
        if a.rolled is not None:
            epoch, amount, supply = a.rolled
            self.records[epoch] = (amount, supply)

    def epoch_revenue(self, epoch: int) -> tuple[int, int] | str:
        """(amount, supply) of an epoch as recorded, live for the epoch of the last update."""
        last_epoch = self.epoch(self.last)
        if epoch < last_epoch:
            if epoch + RECORDS < last_epoch:
                return NO_LONGER_RECORDED
            return self.records.get(epoch, (0, 0))
        if epoch == last_epoch:
            return self.queue, self.supply
        return 0, self.supply

    def answer(self, epoch: int) -> int | str:
        """Revenue per whole share, whole units, 18 decimals, rounded down; 0 at zero supply."""
        record = self.epoch_revenue(epoch)
        if isinstance(record, str):
            return record
        amount, supply = record
        return 0 if supply == 0 else amount * 10**36 // (supply * UNIT)

    def move(self, src: str | None, dst: str | None, amount: int) -> None:
        if src is None:
            self.supply += amount
        else:
            self.balances[src] = self.balances.get(src, 0) - amount
        if dst is None:
            self.supply -= amount
        else:
            self.balances[dst] = self.balances.get(dst, 0) + amount


@dataclass
class World:
    stable: Any
    oracle: Any
    registry: Any
    feed_factory: Any
    tokens: dict[int, Any]
    feeds: dict[int, Any]
    lender: Any
    genesis: int
    created: dict[int, int]  # node -> when its token was deployed (its stream's first update)
    oracle_domain: Domain
    # a feed deployed directly over a token of a second, younger suite (genesis at its deployment):
    # no round has ended when an example starts
    young_feed: Any = None
    young_genesis: int = 0
    # a feed deployed directly over a token of a third suite whose genesis is a third of the time
    # at deployment (now >= 2 * GENESIS: the epoch is (now - GENESIS) // EPOCH_LENGTH, not now % GENESIS)
    old_feed: Any = None
    old_genesis: int = 0
    # for the constructors' and the factory's edges (FEED-7): the suite's ComputeFactory and
    # RevenueFeed blueprint, the young suite's registry and node token, a token the ComputeFactory's
    # owner created outside the registry (node id 1, the suite's clock) and a ComputeToken deployed
    # directly on the suite's clock (node id 9, which the registry does not know)
    compute_factory: Any = None
    feed_blueprint: str = ""
    young_registry: Any = None
    young_token: Any = None
    off_registry: Any = None
    look_alike: Any = None


def deploy_world(backend) -> World:
    """The full suite (RevenueFeedFactory included), two nodes, each token's feed through the
    factory, the lender over node 1's feed funded and verified, the holders verified and approved."""
    issuer, operator, second = (role(backend, n) for n in ("issuer", "operator", "second_operator"))
    genesis = backend.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH
    suite = deploy_suite(
        backend,
        issuer,
        genesis=genesis,
        epoch_length=EPOCH_LENGTH,
        attestors=attestor_keys,
        threshold=3,
        grace_period=GRACE,
        operators=[operator, second],
    )
    tokens, created = {}, {}
    for who, node_sla in zip((operator, second), SLAS.values(), strict=True):
        receipt = suite.registry.register_node(
            NODE_REGION, "H100-SXM", 8, 25_000, 3_000, node_sla, "ipfs://o", sender=who
        )
        node = receipt.filter("NodeRegistered")[0].args["node_id"]
        tokens[node] = backend.at("ComputeToken", suite.registry.node(node)[1])
        created[node] = receipt.timestamp
    published = create_feeds(suite, backend, role(backend, "relayer"), list(tokens.values()))
    feeds = {node: published[token.address] for node, token in tokens.items()}
    stable = suite.stablecoin
    lender = backend.deploy(
        "MockLender", stable, 6, feeds[1], LOOKBACK, VALUE_EPOCHS, LTV_BPS, LIQUIDATION_BPS, sender=issuer
    )
    holders, relayer, liquidator, _ = _actors(backend)
    for account in (*holders, liquidator, lender):
        suite.identity.set_verified(account, FOREVER, sender=issuer)
    stable.mint(lender, LENDER_FUNDS, sender=issuer)
    stable.mint(liquidator, LIQUIDATOR_FUNDS, sender=issuer)
    stable.approve(lender, MAX, sender=liquidator)
    for account in holders[:2]:
        stable.mint(account, BORROWER_FUNDS, sender=issuer)
        stable.approve(lender, MAX, sender=account)
        tokens[1].approve(lender, MAX, sender=account)
    stable.mint(relayer, DEPOSITOR_FUNDS, sender=issuer)
    for token in tokens.values():
        stable.approve(token, MAX, sender=relayer)
    young = deploy_suite(
        backend,
        issuer,
        genesis=backend.timestamp,
        epoch_length=EPOCH_LENGTH,
        attestors=attestor_keys,
        threshold=3,
        grace_period=GRACE,
        operators=[operator],
        upto="registry",
    )
    young.registry.register_node(NODE_REGION, "L40S", 4, 1_000, 3_000, 9_000, "ipfs://y", sender=operator)
    young_feed = backend.deploy("RevenueFeed", young.registry.node(1)[1], young.registry, young.oracle, sender=issuer)
    old = deploy_suite(
        backend,
        issuer,
        genesis=backend.timestamp // 3,
        epoch_length=EPOCH_LENGTH,
        attestors=attestor_keys,
        threshold=3,
        grace_period=GRACE,
        operators=[operator],
        upto="registry",
    )
    old.registry.register_node(NODE_REGION, "L40S", 4, 1_000, 3_000, 9_000, "ipfs://z", sender=operator)
    old_feed = backend.deploy("RevenueFeed", old.registry.node(1)[1], old.registry, old.oracle, sender=issuer)
    suite.factory.create_token(1, "Off-registry #1", "OFF1", DOCUMENTS_HASH, issuer, issuer, issuer, sender=issuer)
    off_registry = backend.at("ComputeToken", suite.factory.token_of(issuer, 1))
    look_alike = backend.deploy(
        "ComputeToken",
        "ComputeRWA #9",
        "CN9",
        9,
        DOCUMENTS_HASH,
        stable,
        suite.identity,
        genesis,
        EPOCH_LENGTH,
        issuer,
        issuer,
        issuer,
        sender=issuer,
    )
    return World(
        stable,
        suite.oracle,
        suite.registry,
        suite.feed_factory,
        tokens,
        feeds,
        lender,
        genesis,
        created,
        Domain.of(suite.oracle),
        young_feed,
        young.genesis,
        old_feed,
        old.genesis,
        suite.factory,
        suite.feed_blueprint,
        young.registry,
        backend.at("ComputeToken", young.registry.node(1)[1]),
        off_registry,
        look_alike,
    )


def _actors(backend):
    holders = [role(backend, n) for n in ("investor", "holder", "customer")]
    return holders, role(backend, "relayer"), role(backend, "treasury"), role(backend, "attacker")


class FeedMachine(PropertyMachine):
    RULE_IDS = frozenset({"FEED-1", "FEED-2", "FEED-3", "FEED-4", "FEED-5", "FEED-6", "FEED-7"})

    def __init__(self, backend, world: World):
        super().__init__()
        self.chain = backend
        self.w = world
        self.snapshot = backend.snapshot()
        self.issuer = role(backend, "issuer")
        self.holders, self.relayer, self.liquidator, self.ticker = _actors(backend)
        self.borrowers = self.holders[:2]
        self.stable, self.lender = world.stable, world.lender
        parties = [*self.holders, self.lender, self.liquidator]
        self.models = {
            node: TokenModel(
                world.genesis,
                world.created[node],
                token.totalSupply(),
                balances={a.address: token.balanceOf(a) for a in parties},
            )
            for node, token in world.tokens.items()
        }
        self.reports: dict[tuple[int, int], int] = {}  # (node, epoch) -> uptime
        self.seen: dict[tuple[int, int], int] = {}  # (node, epoch) -> the answer first read
        self.collateral = {b.address: 0 for b in self.borrowers}
        self.debt = {b.address: 0 for b in self.borrowers}
        self.cash = {
            self.lender.address: LENDER_FUNDS,
            self.liquidator.address: LIQUIDATOR_FUNDS,
            self.relayer.address: DEPOSITOR_FUNDS,
            **{b.address: BORROWER_FUNDS for b in self.borrowers},
        }

    def restore(self):
        self.chain.restore(self.snapshot)

    @invariant()
    def properties(self) -> None:
        """Touches "epoch" when the latest block's time crossed what the feed reads of the clock:
        an epoch's start, or an epoch's end + GRACE_PERIOD (within those, a view reads the same)."""
        now = self.chain.timestamp
        clock = (self.epoch_of(now), self.epoch_of(now - GRACE))
        if clock != getattr(self, "_feed_clock", None):
            self._feed_clock = clock
            self.touch("epoch")
        super().properties()

    # --- helpers --------------------------------------------------------------------------------
    def epoch_of(self, t: int) -> int:
        return (t - self.w.genesis) // EPOCH_LENGTH

    def start(self, epoch: int) -> int:
        return self.w.genesis + epoch * EPOCH_LENGTH

    def at(self, target: int) -> None:
        """Time moves to `target` (if later than the next block anyway) and a block is mined
        there, so the views see it."""
        if target > self.chain.pending_timestamp:
            self.chain.pending_timestamp = target
        self.stable.approve(self.ticker, 0, sender=self.ticker)

    def round_of(self, node: int, epoch: int, now: int) -> tuple | str:
        """getRoundData(epoch) at `now`: the round or the revert."""
        if epoch >= self.epoch_of(now):
            return NOT_ENDED
        answer = self.models[node].answer(epoch)
        if isinstance(answer, str):
            return answer
        return (epoch, answer, self.start(epoch), self.start(epoch + 1), epoch)

    def trailing(self, node: int, rounds: int, now: int) -> tuple[int, int, int] | str:
        if rounds == 0 or rounds > MAX_ROUNDS:
            return ROUNDS_OUT_OF_RANGE
        current = self.epoch_of(now)
        if rounds > current:
            return FEWER_ROUNDS
        revenue = met = judged = 0
        for epoch in range(current - rounds, current):
            answer = self.models[node].answer(epoch)
            assert isinstance(answer, int)  # within 90 epochs of now: recorded
            revenue += answer
            uptime = self.reports.get((node, epoch))
            if uptime is not None:
                judged += 1
                met += uptime >= SLAS[node]
            elif now >= self.start(epoch + 1) + GRACE:
                judged += 1
        return revenue, met, judged

    def value(self, shares: int, now: int) -> int | None:
        """The lender's value of `shares` at `now`, in Vyper's checked order (None: overflow)."""
        trailing = self.trailing(1, LOOKBACK, now)
        assert not isinstance(trailing, str)
        revenue, met, _ = trailing
        x = checked(shares * revenue)
        if x is None:
            return None
        x = checked(x // 10**18 * UNIT)
        if x is None:
            return None
        x = checked(x // 10**18 * VALUE_EPOCHS)
        if x is None:
            return None
        x = checked(x * met)
        return None if x is None else x // (LOOKBACK * LOOKBACK)

    def limit(self, shares: int, now: int, bps: int) -> int | None:
        value = self.value(shares, now)
        return None if value is None else (None if checked(value * bps) is None else value * bps // MAX_BPS)

    def pay(self, src: str, dst: str, amount: int) -> None:
        for who, sign in ((src, -1), (dst, 1)):
            if who in self.cash:
                self.cash[who] += sign * amount
        self.touch("lender")

    def token_step(self, node: int, reason_after, call, effect) -> bool:
        """A token transaction that brings the stream to now first: `reason_after(advanced)`
        gives the refusal after the update, `effect(advanced)` applies a success."""
        model = self.models[node]
        now = self.chain.pending_timestamp
        adv = model.advanced(now)
        reason = adv if isinstance(adv, str) else reason_after(adv)
        if outcome("FEED-6", reason, call) is None and reason is not None:
            return False
        assert isinstance(adv, Advanced)
        model.apply(adv)
        effect(adv)
        self.touch("token", "feed")
        return True

    # --- revenue -----------------------------------------------------------------------------------
    @rule(
        node=node_pick,
        kind=st.sampled_from(["one", "small", "small", "large", "cap", "over", "zero"]),
        salt=pick,
    )
    def deposit(self, node, kind, salt):
        model = self.models[node]
        adv = model.advanced(self.chain.pending_timestamp)
        queue = adv.queue if isinstance(adv, Advanced) else model.queue
        amount = {
            "one": 1,
            "small": 1 + salt % 10**9,
            "large": 1 + salt * 7_919 % 10**27,
            "cap": max(MAX_DEPOSITS - queue, 0),
            "over": max(MAX_DEPOSITS - queue, 0) + 1,
            "zero": 0,
        }[kind]
        token = self.w.tokens[node]

        def reason_after(a: Advanced) -> str | None:
            if amount > self.cash[self.relayer.address]:
                return TRANSFER_EXCEEDS
            return DEPOSIT_TOO_LARGE if a.queue + amount > MAX_DEPOSITS else None

        def effect(_: Advanced) -> None:
            model.queue += amount
            self.cash[self.relayer.address] -= amount

        if amount == 0:
            outcome("FEED-6", NOTHING_TO_DEPOSIT, lambda: token.deposit_revenue(0, sender=self.relayer))
            return
        self.token_step(node, reason_after, lambda: token.deposit_revenue(amount, sender=self.relayer), effect)

    @rule(node=node_pick, amount=st.one_of(st.sampled_from([1, UNIT]), st.integers(1, 10**15)))
    def donate(self, node, amount):
        """Stablecoin sent straight to the token: nobody's until `skim` streams it."""
        token = self.w.tokens[node]
        outcome("FEED-6", None, lambda: self.stable.transfer(token, amount, sender=self.relayer))
        self.models[node].stray += amount
        self.cash[self.relayer.address] -= amount

    @rule(node=node_pick)
    def skim(self, node):
        model = self.models[node]
        token = self.w.tokens[node]
        recovered = 0

        def reason_after(a: Advanced) -> str | None:
            nonlocal recovered
            recovered = a.dust // ACC
            amount = model.stray + recovered
            if amount == 0:
                return NOTHING_TO_SKIM
            return DEPOSIT_TOO_LARGE if amount > MAX_DEPOSITS or a.queue + amount > MAX_DEPOSITS else None

        def effect(_: Advanced) -> None:
            model.queue += model.stray + recovered
            model.dust -= recovered * ACC
            model.stray = 0

        self.token_step(node, reason_after, lambda: token.skim(sender=self.relayer), effect)

    # --- shares ------------------------------------------------------------------------------------
    @rule(
        node=node_pick,
        who=holder_pick,
        kind=st.sampled_from(["one", "share", "random", "random", "random", "cap", "over"]),
        salt=pick,
    )
    def mint(self, node, who, kind, salt):
        model = self.models[node]
        room = MAX_SUPPLY - model.supply
        amount = {
            "one": 1,
            "share": SHARE,
            "random": 1 + salt % 10**24,
            "cap": max(room, 1),
            "over": room + 1,
        }[kind]
        to = self.holders[who]
        token = self.w.tokens[node]
        if model.supply + amount > MAX_SUPPLY:  # refused before the stream is touched
            outcome("FEED-6", SUPPLY_CAP, lambda: token.mint(to, amount, sender=self.issuer))
            return
        self.token_step(
            node,
            lambda a: None,
            lambda: token.mint(to, amount, sender=self.issuer),
            lambda a: model.move(None, to.address, amount),
        )

    @rule(
        node=node_pick,
        who=holder_pick,
        kind=st.sampled_from(["one", "all", "all", "more", "random", "everyone"]),
        salt=pick,
    )
    def burn(self, node, who, kind, salt):
        """The minter burns a holder's shares (never the lender's collateral); "everyone": every
        holder's, so the supply reaches zero unless the lender holds some."""
        model = self.models[node]
        token = self.w.tokens[node]
        owners = self.holders if kind == "everyone" else [self.holders[who]]
        for owner in owners:
            have = model.balances.get(owner.address, 0)
            amount = {"one": 1, "all": have, "everyone": have, "more": have + 1, "random": salt % (have + 1)}[kind]
            self.token_step(
                node,
                lambda a, have=have, amount=amount: BURN_EXCEEDS if amount > have else None,
                lambda owner=owner, amount=amount: token.burn(owner, amount, sender=self.issuer),
                lambda a, owner=owner, amount=amount: model.move(owner.address, None, amount),
            )

    @rule(
        node=node_pick,
        src=holder_pick,
        dst=holder_pick,
        kind=st.sampled_from(["one", "all", "more", "random"]),
        salt=pick,
    )
    def transfer(self, node, src, dst, kind, salt):
        """A transfer between holders: no supply change, but a state-changing update (a roll-over)."""
        model = self.models[node]
        sender, receiver = self.holders[src], self.holders[dst]
        have = model.balances.get(sender.address, 0)
        amount = {"one": 1, "all": have, "more": have + 1, "random": salt % (have + 1)}[kind]
        token = self.w.tokens[node]
        self.token_step(
            node,
            lambda a: TRANSFER_EXCEEDS if amount > have else None,
            lambda: token.transfer(receiver, amount, sender=sender),
            lambda a: model.move(sender.address, receiver.address, amount),
        )

    # --- time --------------------------------------------------------------------------------------
    @rule(seconds=st.sampled_from([1, 59, 3_600, 6 * 3_600, 20 * 3_600]))
    def sleep(self, seconds):
        self.at(self.chain.pending_timestamp + seconds)

    @rule(ahead=st.sampled_from([1, 1, 2, 3]), offset=st.sampled_from([-1, 0, 1]))
    def to_epoch_edge(self, ahead, offset):
        """To the start of a later epoch, or a second either side of it."""
        self.at(self.start(self.epoch_of(self.chain.pending_timestamp) + ahead) + offset)

    @rule(back=st.sampled_from([0, 1, 1, 2, 3]), offset=st.sampled_from([-1, 0, 1]))
    def to_grace_edge(self, back, offset):
        """To an epoch's end + GRACE_PERIOD (when an unreported epoch becomes judged), or a second
        either side of it."""
        epoch = self.epoch_of(self.chain.pending_timestamp) - back
        self.at(self.start(epoch + 1) + GRACE + offset)

    @rule(epochs=st.sampled_from([2, 5, 30, 91, 127, 128, 129, 200]), seconds=st.integers(0, EPOCH_LENGTH - 1))
    def many_epochs(self, epochs, seconds):
        self.at(self.chain.pending_timestamp + epochs * EPOCH_LENGTH + seconds)

    # --- the committee ------------------------------------------------------------------------------
    @rule(
        node=node_pick,
        which=st.sampled_from(["latest", "latest", "random", "oldest"]),
        uptime=st.sampled_from(["sla", "sla", "below", "max", "random"]),
        salt=pick,
    )
    def report(self, node, which, uptime, salt):
        current = self.epoch_of(self.chain.pending_timestamp)
        epochs = [e for e in range(max(current - MAX_ROUNDS - 5, 0), current) if (node, e) not in self.reports]
        if not epochs:
            return
        epoch = {"latest": epochs[-1], "random": epochs[salt % len(epochs)], "oldest": epochs[0]}[which]
        sla = SLAS[node]
        bps = {"sla": sla, "below": sla - 1, "max": MAX_BPS, "random": salt % (MAX_BPS + 1)}[uptime]
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
        signatures = sign_report(self.w.oracle_domain, report, attestor_keys[1:4])
        outcome("FEED-6", None, lambda: self.w.oracle.submit(report.as_tuple(), signatures, sender=self.relayer))
        self.reports[(node, epoch)] = bps
        self.touch("reports")

    # --- reading the feed ---------------------------------------------------------------------------
    def read_round(self, node: int, epoch: int, pid: str = "FEED-1") -> None:
        """getRoundData(epoch) against the model, and its answer against the first one read."""
        now = self.chain.timestamp
        expected = self.round_of(node, epoch, now)
        feed = self.w.feeds[node]
        got = outcome(
            "FEED-2" if isinstance(expected, str) else pid,
            expected if isinstance(expected, str) else None,
            lambda: feed.getRoundData(epoch),
        )
        if got is None:
            return
        got = tuple(got)
        equal(
            "FEED-2",
            f"node {node} getRoundData({epoch}) id and times at {now}",
            (got[0], got[2], got[3], got[4]),
            (expected[0], expected[2], expected[3], expected[4]),
        )
        equal("FEED-1", f"node {node} getRoundData({epoch}).answer at {now}", got[1], expected[1])
        first = self.seen.setdefault((node, epoch), got[1])
        equal("FEED-1", f"node {node} round {epoch}'s answer, first read {first}, now at {now}", got[1], first)

    @rule(
        node=node_pick,
        kind=st.sampled_from(["last", "ended", "ended", "ring_oldest", "beyond", "current", "future", "largest"]),
        salt=pick,
    )
    def read(self, node, kind, salt):
        now = self.chain.timestamp
        current = self.epoch_of(now)
        last_epoch = self.models[node].epoch(self.models[node].last)
        epoch = {
            "last": current - 1,
            "ended": salt % current,
            "ring_oldest": last_epoch - RECORDS,
            "beyond": last_epoch - RECORDS - 1,
            "current": current,
            "future": current + 1 + salt % 1_000,
            "largest": 2**80 - 1,
        }[kind]
        if epoch >= 0:
            self.read_round(node, epoch)

    @rule(
        node=node_pick,
        kind=st.sampled_from(["zero", "one", "random", "ninety", "ninety_one", "all_ended", "one_more"]),
        salt=pick,
    )
    def read_trailing(self, node, kind, salt):
        now = self.chain.timestamp
        current = self.epoch_of(now)
        rounds = {
            "zero": 0,
            "one": 1,
            "random": 1 + salt % MAX_ROUNDS,
            "ninety": MAX_ROUNDS,
            "ninety_one": MAX_ROUNDS + 1,
            "all_ended": current,
            "one_more": current + 1,
        }[kind]
        self.check_trailing(node, rounds, now)

    def check_trailing(self, node: int, rounds: int, now: int) -> None:
        expected = self.trailing(node, rounds, now)
        feed = self.w.feeds[node]
        got = outcome("FEED-3", expected if isinstance(expected, str) else None, lambda: feed.trailing(rounds))
        if got is not None:
            equal("FEED-3", f"node {node} trailing({rounds}) at {now} (revenue, met, judged)", tuple(got), expected)

    # --- the lender ---------------------------------------------------------------------------------
    @rule(who=borrower_pick, kind=st.sampled_from(["one", "share", "all", "half", "more"]))
    def pledge(self, who, kind):
        borrower = self.borrowers[who]
        model = self.models[1]
        have = model.balances.get(borrower.address, 0)
        shares = {"one": 1, "share": SHARE, "all": have, "half": have // 2, "more": have + 1}[kind]
        lender = self.lender.address

        def effect(_: Advanced) -> None:
            model.move(borrower.address, lender, shares)
            self.collateral[borrower.address] += shares
            self.touch("lender")

        self.token_step(
            1,
            lambda a: TRANSFER_EXCEEDS if shares > have else None,
            lambda: self.lender.deposit(shares, sender=borrower),
            effect,
        )

    @rule(who=borrower_pick, kind=st.sampled_from(["limit", "limit", "above", "random", "one"]), salt=pick)
    def borrow(self, who, kind, salt):
        borrower = self.borrowers[who]
        now = self.chain.pending_timestamp
        debt = self.debt[borrower.address]
        limit = self.limit(self.collateral[borrower.address], now, LTV_BPS)
        room = 0 if limit is None else max(limit - debt, 0)
        amount = {"limit": room, "above": room + 1, "random": salt % (room + 1), "one": 1}[kind]
        reason = (
            PANIC
            if limit is None
            else ABOVE_LIMIT
            if debt + amount > limit
            else TRANSFER_EXCEEDS
            if amount > self.cash[self.lender.address]
            else None
        )
        if outcome("FEED-4", reason, lambda: self.lender.borrow(amount, sender=borrower)) is None and reason:
            return
        self.debt[borrower.address] += amount
        self.pay(self.lender.address, borrower.address, amount)

    @rule(who=borrower_pick, kind=st.sampled_from(["all", "half", "one", "more"]))
    def repay(self, who, kind):
        borrower = self.borrowers[who]
        debt = self.debt[borrower.address]
        amount = {"all": debt, "half": debt // 2, "one": 1, "more": debt + 1}[kind]
        reason = MORE_THAN_DEBT if amount > debt else TRANSFER_EXCEEDS if amount > self.cash[borrower.address] else None
        if outcome("FEED-4", reason, lambda: self.lender.repay(amount, sender=borrower)) is None and reason:
            return
        self.debt[borrower.address] -= amount
        self.pay(borrower.address, self.lender.address, amount)

    def withdraw_reason(self, borrower: str, shares: int, now: int) -> str | None:
        held = self.collateral[borrower]
        if shares > held:
            return MORE_THAN_PLEDGED
        limit = self.limit(held - shares, now, LTV_BPS)
        if limit is None:
            return PANIC
        return ABOVE_LIMIT if self.debt[borrower] > limit else None

    def withdraw_at_limit(self, borrower: str, now: int) -> int:
        """The most shares the borrower can take back (a binary search on the model's value)."""
        held = self.collateral[borrower]
        low, high = 0, held
        while low < high:
            mid = (low + high + 1) // 2
            if self.withdraw_reason(borrower, mid, now) is None:
                low = mid
            else:
                high = mid - 1
        return low

    @rule(who=borrower_pick, kind=st.sampled_from(["all", "half", "one", "more", "at_limit", "above_limit"]))
    def withdraw(self, who, kind):
        borrower = self.borrowers[who]
        held = self.collateral[borrower.address]
        now = self.chain.pending_timestamp
        if kind in ("at_limit", "above_limit"):
            shares = self.withdraw_at_limit(borrower.address, now) + (kind == "above_limit")
        else:
            shares = {"all": held, "half": held // 2, "one": 1, "more": held + 1}[kind]
        reason = self.withdraw_reason(borrower.address, shares, now)
        model = self.models[1]
        lender = self.lender.address

        def effect(_: Advanced) -> None:
            model.move(lender, borrower.address, shares)
            self.collateral[borrower.address] -= shares
            self.touch("lender")

        if reason is not None:
            outcome("FEED-4", reason, lambda: self.lender.withdraw(shares, sender=borrower))
            return
        self.token_step(1, lambda a: None, lambda: self.lender.withdraw(shares, sender=borrower), effect)

    @rule(who=borrower_pick, revenue=st.sampled_from(["small", "large"]), salt=pick)
    def open_position(self, who, revenue, salt):
        """A loan that can later fall under water: the borrower gets shares and pledges them,
        revenue is deposited into node 1, the epoch ends and the committee reports the last
        LOOKBACK ended epochs at the SLA, then it borrows at the limit. When the revenue epoch
        leaves the lookback, or a report below the SLA arrives, the position is liquidatable."""
        if self.models[1].balances.get(self.borrowers[who].address, 0) == 0:
            self.mint(1, who, "random", salt)
        self.pledge(who, "all")
        self.deposit(1, revenue, salt)
        self.to_epoch_edge(1, 0)
        for _ in range(LOOKBACK):
            self.report(1, "latest", "sla", salt)
        self.borrow(who, "limit", salt)

    def liquidate_reason(self, borrower: str, now: int) -> str | None:
        threshold = self.limit(self.collateral[borrower], now, LIQUIDATION_BPS)
        if threshold is None:
            return PANIC
        if self.debt[borrower] <= threshold:
            return HEALTHY
        adv = self.models[1].advanced(now)
        return adv if isinstance(adv, str) else None

    @rule(who=borrower_pick)
    def liquidate(self, who):
        borrower = self.borrowers[who].address
        reason = self.liquidate_reason(borrower, self.chain.pending_timestamp)
        if reason is not None:
            outcome("FEED-4", reason, lambda: self.lender.liquidate(borrower, sender=self.liquidator))
            return
        debt, shares = self.debt[borrower], self.collateral[borrower]
        model = self.models[1]
        lender = self.lender.address

        def effect(_: Advanced) -> None:
            model.move(lender, self.liquidator.address, shares)

        done = self.token_step(
            1, lambda a: None, lambda: self.lender.liquidate(borrower, sender=self.liquidator), effect
        )
        require(done, "FEED-4", "a position above its liquidation threshold is liquidated", borrower=borrower)
        self.debt[borrower] = self.collateral[borrower] = 0
        self.pay(self.liquidator.address, lender, debt)

    # --- publishing feeds (the constructors' and the factory's edges) ---------------------------------
    @rule(
        node=node_pick,
        kind=st.sampled_from(
            [
                "direct",
                "direct_off_registry",
                "direct_look_alike",
                "direct_other_registry",
                "again",
                "stablecoin",
                "account",
                "other_deployment",
                "look_alike",
                "off_registry",
                "another_factory",
                "no_blueprint",
                "zero_blueprint",
            ]
        ),
    )
    def publish(self, node, kind):
        """FEED-7: a RevenueFeed deployed directly (over the node's token, the registry and the
        oracle: it deploys and reads its arguments back; over a token the registry does not
        record for its node, or another deployment's registry: refused), the factory asked for a
        feed again, or for one of the stablecoin, an account, another deployment's node token, a
        look-alike or a token of the ComputeFactory outside the registry (the feed's own refusal
        comes through the blueprint's deployment), and another RevenueFeedFactory over the
        blueprint (it publishes the node's feed once, logging FeedCreated, then refuses it) or
        over an address without code. Chain state a feed reads is untouched: nothing to touch."""
        w, token = self.w, self.w.tokens[node]
        if kind.startswith("direct"):
            subject, registry = {
                "direct": (token, w.registry),
                "direct_off_registry": (w.off_registry, w.registry),
                "direct_look_alike": (w.look_alike, w.registry),
                "direct_other_registry": (token, w.young_registry),
            }[kind]
            reason = None if kind == "direct" else NOT_THE_REGISTRYS_TOKEN
            call = lambda: self.chain.deploy("RevenueFeed", subject, registry, w.oracle, sender=self.relayer)  # noqa: E731
            feed = outcome("FEED-7", reason, call)
            if feed is not None:
                published = w.feeds[node]
                names = ("TOKEN", "NODE_ID", "REGISTRY", "ORACLE", "GENESIS", "EPOCH_LENGTH", "description")
                got = tuple(getattr(feed, name)() for name in names)
                expected = tuple(getattr(published, name)() for name in names)
                equal("FEED-7", f"a feed deployed directly over node {node}'s token reads back", got, expected)
                equal("FEED-7", f"node {node}'s token of the direct feed", address_of(got[0]), address_of(token))
                equal(
                    "FEED-7",
                    f"a direct feed's latestRoundData() is the published one's (node {node})",
                    tuple(feed.latestRoundData()),
                    tuple(published.latestRoundData()),
                )
            return
        if kind in ("no_blueprint", "zero_blueprint", "another_factory"):
            blueprint = {"no_blueprint": self.ticker.address, "zero_blueprint": ZERO}.get(kind, w.feed_blueprint)
            factory = outcome(
                "FEED-7",
                None if kind == "another_factory" else NO_BLUEPRINT,
                lambda: self.chain.deploy(
                    "RevenueFeedFactory", blueprint, w.compute_factory, w.registry, w.oracle, sender=self.relayer
                ),
            )
            if factory is not None:
                self.another_factory_publishes(factory, node, token)
            return
        subject = {
            "again": token,
            "stablecoin": self.stable,
            "account": self.ticker,
            "other_deployment": w.young_token,
            "look_alike": w.look_alike,
            "off_registry": w.off_registry,
        }[kind]
        reason = {"again": HAS_A_FEED, "off_registry": NOT_THE_REGISTRYS_TOKEN}.get(kind, NOT_A_NODE_TOKEN)
        before = w.feed_factory.feed_of(subject)
        outcome("FEED-7", reason, lambda: w.feed_factory.create_feed(subject, sender=self.relayer))
        equal("FEED-7", f"feed_of({kind}) after a refused create_feed", w.feed_factory.feed_of(subject), before)

    def another_factory_publishes(self, factory, node: int, token) -> None:
        """A new RevenueFeedFactory over the blueprint: its immutables, no feed yet; create_feed
        publishes node `node`'s feed (FeedCreated(token, feed, node_id) its only log), and a
        second create_feed of the token is refused."""
        w = self.w
        immutables = tuple(
            address_of(getattr(factory, name)()) for name in ("BLUEPRINT", "COMPUTE_FACTORY", "REGISTRY", "ORACLE")
        )
        expected = tuple(address_of(x) for x in (w.feed_blueprint, w.compute_factory, w.registry, w.oracle))
        equal("FEED-7", "another factory's immutables", immutables, expected)
        equal("FEED-7", "another factory's feed_of(token) before create_feed", address_of(factory.feed_of(token)), ZERO)
        receipt = outcome("FEED-7", None, lambda: factory.create_feed(token, sender=self.relayer))
        feed = address_of(receipt.return_value)
        equal("FEED-7", "create_feed returns feed_of(token)", feed, address_of(factory.feed_of(token)))
        logs = [
            (e.name, address_of(e.address), {k: address_of(v) if isinstance(v, str) else v for k, v in e.args.items()})
            for e in receipt.events
        ]
        created = ("FeedCreated", address_of(factory), {"token": address_of(token), "feed": feed, "node_id": node})
        equal("FEED-7", f"create_feed's logs (node {node})", logs, [created])
        published = self.chain.at("RevenueFeed", feed)
        equal(
            "FEED-7",
            "the published feed's token and node",
            (address_of(published.TOKEN()), published.NODE_ID()),
            (address_of(token), node),
        )
        outcome("FEED-7", HAS_A_FEED, lambda: factory.create_feed(token, sender=self.relayer))

    # --- properties ---------------------------------------------------------------------------------
    @check("FEED-1", watches=("feed", "epoch"))
    def feed_1_rounds_equal_the_model_and_never_change(self):
        """The last few ended rounds (every round read before, in a sweep) of both feeds, and the
        current epoch's answer so far (`revenue_per_share`)."""
        now = self.chain.timestamp
        current = self.epoch_of(now)
        for node in self.w.feeds:
            epochs = set(range(max(current - 3, 0), current))
            if self.sweeping():
                epochs |= {e for n, e in self.seen if n == node}
            for epoch in sorted(epochs):
                self.read_round(node, epoch)
            for epoch in (current, current + 1):
                expected = self.models[node].answer(epoch)
                equal(
                    "FEED-1",
                    f"node {node} revenue_per_share({epoch}) at {now}",
                    self.w.feeds[node].revenue_per_share(epoch),
                    expected,
                )

    @check("FEED-2", watches=("feed", "epoch"))
    def feed_2_latest_round_is_the_last_ended_epoch(self):
        """Both feeds' latest round; the young feed's (none before its first epoch ends: then
        rounds of a token nobody holds, 0) and the old feed's (its GENESIS a third of the time
        it was deployed at, so now >= 2 * GENESIS: its epoch count is in the thousands); in a
        sweep, every feed's constants."""
        now = self.chain.timestamp
        for node, feed in self.w.feeds.items():
            expected = self.round_of(node, self.epoch_of(now) - 1, now)
            equal("FEED-2", f"node {node} latestRoundData() at {now}", tuple(feed.latestRoundData()), expected)
        for name, other, genesis in (
            ("young", self.w.young_feed, self.w.young_genesis),
            ("old", self.w.old_feed, self.w.old_genesis),
        ):
            current = (now - genesis) // EPOCH_LENGTH
            last = current - 1
            expected_other = (
                NO_ROUND
                if current == 0
                else (last, 0, genesis + last * EPOCH_LENGTH, genesis + current * EPOCH_LENGTH, last)
            )
            got = outcome(
                "FEED-2",
                expected_other if isinstance(expected_other, str) else None,
                lambda other=other: other.latestRoundData(),
            )
            if got is not None:
                equal("FEED-2", f"the {name} feed's latestRoundData() at {now}", tuple(got), expected_other)
        if not self.sweeping():
            return
        for node, feed in self.w.feeds.items():
            token = self.w.tokens[node]
            constants = (feed.decimals(), feed.version(), feed.description(), feed.TOKEN(), feed.NODE_ID())
            expected = (18, 1, f"Node {node} {token.symbol()} {NODE_REGION} revenue per share", token.address, node)
            equal("FEED-2", f"node {node}'s feed constants", constants, expected)
            equal("FEED-2", f"feed_of(node {node}'s token)", self.w.feed_factory.feed_of(token), feed.address)

    @check("FEED-3", watches=("feed", "epoch", "reports"))
    def feed_3_trailing_equals_the_model(self):
        now = self.chain.timestamp
        current = self.epoch_of(now)
        for node in self.w.feeds:
            for rounds in sorted({1, LOOKBACK, min(current, MAX_ROUNDS)}):
                self.check_trailing(node, rounds, now)

    @check("FEED-4", watches=("feed", "epoch", "reports", "lender"))
    def feed_4_lender_values_and_liquidates_as_the_model(self):
        """The lender's value of each position and of a share, and whether each position can be
        liquidated now (the transaction simulated at the latest block)."""
        now = self.chain.timestamp
        for shares in {SHARE, *self.collateral.values()}:
            expected = self.value(shares, now)
            got = outcome(
                "FEED-4", PANIC if expected is None else None, lambda shares=shares: self.lender.value(shares)
            )
            if expected is not None:
                equal("FEED-4", f"value({shares}) at {now}", got, expected)
        for borrower in self.borrowers:
            reason = self.liquidate_reason(borrower.address, now)
            call = lambda borrower=borrower: self.lender.liquidate.call(borrower, sender=self.liquidator)  # noqa: E731
            outcome("FEED-4", reason, call)

    @check("FEED-5", watches=("lender",))
    def feed_5_lender_conserves_stablecoin_and_collateral(self):
        lender = self.lender.address
        equal("FEED-5", "the lender's stablecoin", self.stable.balanceOf(lender), self.cash[lender])
        equal(
            "FEED-5",
            "the lender's shares (Σ collateral)",
            self.w.tokens[1].balanceOf(lender),
            sum(self.collateral.values()),
        )
        for borrower in self.borrowers:
            who = borrower.address
            equal("FEED-5", f"collateral({who})", self.lender.collateral(who), self.collateral[who])
            equal("FEED-5", f"debt({who})", self.lender.debt(who), self.debt[who])
            equal("FEED-5", f"the stablecoin of {who}", self.stable.balanceOf(who), self.cash[who])

    @check("FEED-6", watches=("token",))
    def feed_6_tokens_equal_the_model(self):
        """Each token's supply, balances and stored stream state (a model drift shows here first)."""
        for node, token in self.w.tokens.items():
            model = self.models[node]
            equal("FEED-6", f"node {node} totalSupply", token.totalSupply(), model.supply)
            for who, balance in model.balances.items():
                equal("FEED-6", f"node {node} balanceOf({who})", token.balanceOf(who), balance)
            stored = (token.last_update(), token.queued_amount(), token.stream_amount(), token.remainder())
            equal(
                "FEED-6",
                f"node {node} (last_update, queued, stream, remainder)",
                stored,
                (model.last, model.queue, model.stream, model.remainder),
            )

    # --- the end of the run ---------------------------------------------------------------------
    def end_of_run(self):
        """FEED-5: every borrower repays its debt and takes its collateral back; the lender then
        holds exactly its funding and no share."""
        for borrower in self.borrowers:
            who = borrower.address
            debt = self.debt[who]
            if debt:
                outcome("FEED-5", None, lambda debt=debt, borrower=borrower: self.lender.repay(debt, sender=borrower))
                self.debt[who] = 0
                self.pay(who, self.lender.address, debt)
            shares = self.collateral[who]
            if shares:
                now = self.chain.pending_timestamp
                reason = self.withdraw_reason(who, shares, now)
                adv = self.models[1].advanced(now)
                if reason is None and isinstance(adv, str):
                    reason = adv
                call = lambda shares=shares, borrower=borrower: self.lender.withdraw(shares, sender=borrower)  # noqa: E731
                if outcome("FEED-5", reason, call) is not None or reason is None:
                    assert isinstance(adv, Advanced)
                    self.models[1].apply(adv)
                    self.models[1].move(self.lender.address, who, shares)
                    self.collateral[who] = 0
        # every unit lent came back, repaid by its borrower or by a liquidator
        equal(
            "FEED-5", "the lender's stablecoin once everyone repaid", self.stable.balanceOf(self.lender), LENDER_FUNDS
        )
        equal("FEED-5", "the lender's stablecoin (the model's)", self.cash[self.lender.address], LENDER_FUNDS)
        for function in self.checks():
            self._run(function)


@pytest.mark.both_engines
def test_feed_machine(backend):
    world = deploy_world(backend)
    run_state_machine_as_test(lambda: FeedMachine(backend, world), settings=machine_settings(backend))
