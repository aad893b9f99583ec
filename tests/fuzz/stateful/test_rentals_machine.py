"""NodeRentals against an exact model (issue #20's state machine), on either engine.

One deployment per test (the whole suite through `deploy_suite`: Settlement and the NodeRentals it
created; 4-hour epochs, so a booking crosses epochs often; a 2-hour grace period; genesis three
epochs back; a 3-of-5 committee); node 1 of the operator (30% operator share) and node 2 of the
second operator (90%), both offered for rent; snapshot and restore per example. Actors: two
customers with prepaid balances (one asks to withdraw part of it now and then), a key that only
signs EIP-3009 bookings a relayer submits, the relayer (releases, reports, opens days) and the
attacker (cancels and halts what is not its own).

Rules, in any order and time: bookings (units 0, 1, the offer, one over, random; windows starting
at the current hour, the next, random, a year ahead and one more; 0, 1, random and 168 hours, and
169), signed bookings (the rent, another amount, another window: refused), cancellations (by the
customer, by the attacker; before, at and after the notice's edge second), halts (active, paused,
retired nodes; the customer, the attacker), releases (0, 1, several, every epoch; before an epoch
ends, before and after its grace period), the committee's reports of ended epochs (uptime 0, one
under 100%, 100%, random, or never), the operators' offers (units 0, 1, random, the most; any price;
fee 0, all, random; notice 0 to 720 hours), pauses, resumptions and retirements, `open_days` (an
unknown node, 0 to 32 days), prepaid deposits and withdrawal requests (the escrow takes only what
is available), and time (to an hour's or an epoch's edge and a second either side, past a grace
period, up to two days).

The model is written from docs/SPEC.md, not from the contract: every booking's terms, hours,
release cursor and fees due; units booked per (node, hour); every prepaid balance and pending
withdrawal; every account's earnings and the node tokens' stablecoin. Every outcome (success or
exactly which revert) is predicted. Properties (PROPERTIES.md, "NodeRentals"):
- RNT-1 conservation: per booking, rent escrowed = paid to its node + refunded + still escrowed, to
  the base unit, and `booking(id)` equals the model; Settlement holds exactly the prepaid balances,
  the earnings and every booking's escrow;
- RNT-2 capacity: units booked at every hour a booking touched equal the model's (and `free_units`
  of the next day and of an hour a year ahead), no booking ever took an hour past the offer it was
  checked against (the model refuses it first), and `open_days` writes only the days asked (gas);
- RNT-3 a release pays `floor(rent x uptime / 10,000)` of each judged epoch in order (a missed one
  nothing) plus the fees due, split like any payment, and refunds the rest;
- RNT-4 a cancel frees the hours past the notice, refunds them less the floor of the fee at once
  and leaves the fee due; a halt refunds the hours not started in full;
- RNT-5 every outcome predicted; a booking names the offer version it accepts (a stale one, or one
  not set yet, is refused); a signed booking books exactly what was signed;
- RNT-6 at the end of the run every booking is halted or cancelled where it can be and released
  through its last epoch: nothing stays escrowed, and Settlement holds exactly the prepaid
  balances and earnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account
from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import rule, run_state_machine_as_test

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain, authorization, sign
from computerwa.client.vouchers import booking_nonce
from computerwa.evm.chain import Reverted
from computerwa.evm.suite import deploy_suite
from tests.conftest import NODE_REGION, machine_settings, role
from tests.fuzz.properties import PropertyMachine, check, equal, require
from tests.unitary.rentals.reasons import (
    ABOVE_AVAILABLE,
    DAYS_RANGE,
    FULL,
    HOURS_RANGE,
    INVALID_SIGNATURE,
    NO_HOURS_TO_CANCEL,
    NO_HOURS_TO_REFUND,
    NODE_ACTIVE,
    NOT_ACTIVE,
    NOT_AFTER_NOW,
    NOT_CUSTOMER,
    NOT_OFFERED,
    NOT_THE_RENT,
    NOTHING_YET,
    OFFER_CHANGED,
    TOO_FAR,
    UNITS_RANGE,
    UNKNOWN_BOOKING,
    UNKNOWN_NODE,
)

HOUR = 3_600
EPOCH = 4 * HOUR
HOURS_PER_EPOCH = EPOCH // HOUR
GRACE = 2 * HOUR
PAST_EPOCHS = 3
MAX_BPS = 10_000
FEE_BPS = 250
SHARES = {1: 3_000, 2: 9_000}
MAX_HOURS = 168
LEAD = 365 * 24
ACTIVE, PAUSED, RETIRED = 1, 2, 3
PREPAID = 10**15
SIGNER_FUNDS = 10**15
PANIC = "<panic: a revert without a reason>"
# open_days's gas, at most: the transaction and its checks, then a new storage word (and its
# read) per day asked; a call that wrote days it was not asked would pass it
OPEN_DAYS_BASE_GAS = 40_000
OPEN_DAY_GAS = 25_000

attestor_keys = sorted(
    (Account.from_key(keccak(b"ComputeRWA rentals machine attestor %d" % i)) for i in range(5)),
    key=lambda key: int(key.address, 16),
)
SIGNER = Account.from_key(keccak(b"ComputeRWA rentals machine signer"))

pick = st.integers(0, 2**64)
node_pick = st.sampled_from([1, 1, 2, 3])  # 3: no such node
units_pick = st.one_of(st.sampled_from(["zero", "one", "offer", "over"]), st.integers(1, 12))
hours_pick = st.one_of(st.sampled_from([0, 1, 1, 2, 24, MAX_HOURS, MAX_HOURS + 1]), st.integers(1, 60))
start_pick = st.one_of(st.sampled_from(["now", "next", "lead", "beyond"]), st.integers(1, 80))


def outcome(pid: str, reason: str | None, call):
    """Runs `call`: success when `reason` is None (its result returned), else exactly that revert."""
    try:
        result = call()
    except Reverted as err:
        got = PANIC if err.reason is None else err.reason
        require(reason is not None, pid, f"predicted success, got revert {got!r}")
        require(got == reason, pid, f"expected revert {reason!r}, got {got!r}")
        return None
    require(reason is None, pid, f"expected revert {reason!r}, but it succeeded")
    return result


@dataclass
class World:
    suite: Any
    tokens: dict[int, Any]
    operators: dict[int, Any]


def deploy_world(backend) -> World:
    issuer = role(backend, "issuer")
    operators = {1: role(backend, "operator"), 2: role(backend, "second_operator")}
    suite = deploy_suite(
        backend,
        issuer,
        genesis=backend.pending_timestamp - PAST_EPOCHS * EPOCH,
        epoch_length=EPOCH,
        attestors=attestor_keys,
        threshold=3,
        grace_period=GRACE,
        bond_delay=EPOCH + GRACE,
        fee_bps=FEE_BPS,
        treasury=role(backend, "treasury"),
        operators=list(operators.values()),
    )
    tokens = {}
    for node, operator in operators.items():
        suite.registry.register_node(NODE_REGION, "H100", 8, 1_000, SHARES[node], 9_900, "ipfs://r", sender=operator)
        tokens[node] = backend.at("ComputeToken", suite.registry.payee(node)[0])
    suite.registry.set_rental(1, 5, 1_000_003, 2_000, 3, sender=operators[1])
    suite.registry.set_rental(2, 3, 7, 10_000, 0, sender=operators[2])
    stable = suite.stablecoin
    for name in ("customer", "investor"):
        who = role(backend, name)
        stable.mint(who, PREPAID, sender=issuer)
        stable.approve(suite.settlement, 2**256 - 1, sender=who)
        suite.settlement.deposit(PREPAID // 2, sender=who)
    stable.mint(SIGNER.address, SIGNER_FUNDS, sender=issuer)
    return World(suite, tokens, operators)


@dataclass
class Booking:
    customer: str
    node: int
    units: int
    price: int
    fee_bps: int
    notice: int
    start: int
    end: int
    cursor: int
    fee_due: int = 0
    escrowed_at_booking: int = 0
    paid: int = 0
    refunded: int = 0

    def escrowed(self) -> int:
        return self.units * self.price * (self.end - self.cursor) + self.fee_due


class RentalsMachine(PropertyMachine):
    RULE_IDS = frozenset({"RNT-3", "RNT-4", "RNT-5", "RNT-6"})

    def __init__(self, backend, world: World):
        super().__init__()
        self.chain = backend
        self.w = world
        suite = world.suite
        self.rentals, self.settlement, self.stable = suite.rentals, suite.settlement, suite.stablecoin
        self.registry, self.oracle = suite.registry, suite.oracle
        self.genesis = suite.genesis
        self.snapshot = backend.snapshot()
        self.customers = [role(backend, "customer"), role(backend, "investor")]
        self.relayer, self.attacker = role(backend, "relayer"), role(backend, "attacker")
        self.treasury = role(backend, "treasury").address
        self.prepaid = {c.address: self.settlement.prepaid(c) for c in self.customers}
        self.prepaid[SIGNER.address] = 0
        self.requests: dict[str, tuple[int, int]] = {}  # customer -> (amount, expires at)
        self.delays = self.settlement.WITHDRAWAL_DELAY() + self.settlement.WITHDRAWAL_WINDOW()
        self.earnings = {op.address: 0 for op in world.operators.values()} | {self.treasury: 0}
        self.token_cash = {node: self.stable.balanceOf(token) for node, token in world.tokens.items()}
        self.offers = {1: (5, 1_000_003, 2_000, 3), 2: (3, 7, 10_000, 0)}
        self.versions = {1: 1, 2: 1}
        self.status = {1: ACTIVE, 2: ACTIVE}
        self.bookings: dict[int, Booking] = {}
        self.booked: dict[tuple[int, int], int] = {}
        self.reports: dict[tuple[int, int], int] = {}
        self.salts = 0
        self.signer_cash = SIGNER_FUNDS
        self.dirty: set[int] = set()

    def restore(self):
        self.chain.restore(self.snapshot)

    # --- clock ------------------------------------------------------------------------------------
    def now(self) -> int:
        return self.chain.pending_timestamp

    def hour(self, t: int | None = None) -> int:
        return ((self.now() if t is None else t) - self.genesis) // HOUR

    def next_hour(self) -> int:
        return (self.now() - self.genesis) // HOUR + 1

    def hour_start(self, h: int) -> int:
        return self.genesis + h * HOUR

    def available(self, who: str) -> int:
        balance = self.prepaid[who]
        request = self.requests.get(who)
        if request is None or self.now() >= request[1]:  # no pause rule: Settlement's clock is the time
            return balance
        return balance - min(request[0], balance)

    def aimed(self, i: int, fit) -> tuple[int, Booking | None]:
        """A booking `fit(booking)` accepts, if any (a rule aims three times in four), else `booking(i)`."""
        fitting = sorted(k for k, b in self.bookings.items() if fit(b))
        if fitting:
            booking_id = fitting[i % len(fitting)]
            return booking_id, self.bookings[booking_id]
        return self.booking(i)

    def free(self, node: int, start: int, hours: int) -> int:
        units = self.offers[node][0]
        return max(0, units - max(self.booked.get((node, h), 0) for h in range(start, start + hours)))

    def aim_booking(self, i: int) -> tuple[int, int, int, int] | None:
        """(node, units, start, hours) of a booking that fits now, if some node can take one."""
        nodes = [n for n in (1, 2) if self.status[n] == ACTIVE and self.offers[n][0]]
        if not nodes:
            return None
        node = nodes[i % len(nodes)]
        start = self.hour() + 1 + (i >> 3) % 30
        hours = 1 + (i >> 8) % 48
        free = self.free(node, start, hours)
        if free == 0:
            return None
        return node, 1 + (i >> 16) % free, start, hours

    def booking(self, i: int) -> tuple[int, Booking | None]:
        if not self.bookings or i % 5 == 0:
            return len(self.bookings) + 1, None  # an unknown id now and then
        ids = sorted(self.bookings)
        booking_id = ids[(i // 5) % len(ids)]
        return booking_id, self.bookings[booking_id]

    def pay(self, node: int, amount: int) -> None:
        """Settlement's split of a payment to `node`."""
        fee = amount * FEE_BPS // MAX_BPS
        operator = amount * SHARES[node] // MAX_BPS
        self.earnings[self.treasury] += fee
        self.earnings[self.w.operators[node].address] += operator
        self.token_cash[node] += amount - fee - operator

    # --- booking ----------------------------------------------------------------------------------
    def terms(self, node: int, units: Any, start: Any, hours: int) -> tuple[int, int]:
        offer_units = self.offers.get(node, (0,))[0]
        units = {"zero": 0, "one": 1, "offer": offer_units, "over": offer_units + 1}.get(units, units)
        now = self.hour()
        start = {"now": now, "next": now + 1, "lead": now + LEAD, "beyond": now + LEAD + 1}.get(start) or (now + start)
        return units, start

    def book_reason(
        self, customer: str, node: int, units: int, start: int, hours: int, version: int
    ) -> tuple[str | None, int]:
        if not 1 <= hours <= MAX_HOURS:
            return HOURS_RANGE, 0
        now = self.hour()
        if start <= now:
            return NOT_AFTER_NOW, 0
        if start > now + LEAD:
            return TOO_FAR, 0
        if node not in self.status:
            return UNKNOWN_NODE, 0
        if self.status[node] != ACTIVE:
            return NOT_ACTIVE, 0
        offer_units, price, _, _ = self.offers[node]
        if offer_units == 0:
            return NOT_OFFERED, 0
        if version != self.versions[node]:
            return OFFER_CHANGED, 0
        if not 1 <= units <= offer_units:
            return UNITS_RANGE, 0
        if any(self.booked.get((node, h), 0) + units > offer_units for h in range(start, start + hours)):
            return FULL, 0
        return None, units * price * hours

    def record(self, booking_id: int, customer: str, node: int, units: int, start: int, hours: int, rent: int):
        _, price, fee_bps, notice = self.offers[node]
        self.bookings[booking_id] = Booking(
            customer, node, units, price, fee_bps, notice, start, start + hours, start, escrowed_at_booking=rent
        )
        for h in range(start, start + hours):
            self.booked[(node, h)] = self.booked.get((node, h), 0) + units
        self.dirty.add(booking_id)

    @rule(
        who=st.integers(0, 1),
        node=node_pick,
        units=units_pick,
        start=start_pick,
        hours=hours_pick,
        aim=st.integers(0, 3),
        i=pick,
    )
    def book(self, who, node, units, start, hours, aim, i):
        customer = self.customers[who]
        units, start = self.terms(node, units, start, hours)
        aimed = self.aim_booking(i) if aim else None
        if aimed is not None:
            node, units, start, hours = aimed
        version = self.versions.get(node, 0)
        if i % 11 == 0:
            version = max(0, version - 1)  # a stale one now and then
        elif i % 13 == 0:
            version += 1  # or one the operator has not set yet
        reason, rent = self.book_reason(customer.address, node, units, start, hours, version)
        if reason is None and rent > self.available(customer.address):
            reason = ABOVE_AVAILABLE
        result = outcome(
            "RNT-5", reason, lambda: self.rentals.book(node, units, start, hours, version, sender=customer)
        )
        if reason is None:
            booking_id = result.return_value
            equal("RNT-5", "the new booking's id", booking_id, len(self.bookings) + 1)
            equal("RNT-5", f"rent({node}, {units}, {hours})", self.rentals.rent(node, units, hours), rent)
            self.prepaid[customer.address] -= rent
            self.record(booking_id, customer.address, node, units, start, hours, rent)
            self.touch("money", "capacity")

    @rule(node=node_pick, units=units_pick, start=start_pick, hours=hours_pick, kind=st.integers(0, 5), i=pick)
    def book_signed(self, node, units, start, hours, kind, i):
        units, start = self.terms(node, units, start, hours)
        aimed = self.aim_booking(i) if kind > 1 else None
        if aimed is not None:
            node, units, start, hours = aimed
        version = self.versions.get(node, 0)
        reason, rent = self.book_reason(SIGNER.address, node, units, start, hours, version)
        self.salts += 1
        salt = self.salts.to_bytes(32, "big")
        signed = rent if reason is None else units * self.offers.get(node, (0, 1))[1] * max(hours, 1)
        amount = signed + 1 if kind == 0 else signed
        other_start = start + 1 if kind == 1 else start
        if reason is None and kind == 0:
            reason = NOT_THE_RENT
        elif reason is None and amount == 0:
            reason = "settlement: nothing to pay"
        elif reason is None and kind == 1:
            reason = INVALID_SIGNATURE  # the signature is of another window
        elif reason is None and amount > self.signer_cash:
            reason = "erc20: transfer amount exceeds balance"
        # the client's nonce (from SPEC), which the contract's view must agree with: what is signed
        nonce = booking_nonce(node, units, other_start, hours, version, salt)
        equal(
            "RNT-5",
            "booking_nonce(...)",
            self.rentals.booking_nonce(node, units, other_start, hours, version, salt),
            nonce,
        )
        valid_before = self.now() + HOUR
        document = authorization(
            Domain.of(self.stable), SIGNER.address, self.settlement.address, amount, 0, valid_before, nonce, True
        )
        v, r, s = sign(SIGNER, document).vrs
        result = outcome(
            "RNT-5",
            reason,
            lambda: self.rentals.book_with_authorization(
                SIGNER.address,
                node,
                units,
                start,
                hours,
                version,
                amount,
                0,
                valid_before,
                salt,
                v,
                r,
                s,
                sender=self.relayer,
            ),
        )
        if reason is None:
            self.record(result.return_value, SIGNER.address, node, units, start, hours, rent)
            self.signer_cash -= rent
            self.touch("money", "capacity")

    # --- cancel and halt --------------------------------------------------------------------------
    def cut(self, b: Booking, cut: int) -> int:
        for h in range(cut, b.end):
            self.booked[(b.node, h)] -= b.units
        rent = b.units * b.price * (b.end - cut)
        b.end = cut
        return rent

    @rule(i=pick, attacker=st.sampled_from([False, False, False, True]), edge=st.sampled_from([None, -1, 0, 1]))
    def cancel(self, i, attacker, edge):
        booking_id, b = self.aimed(
            i, lambda b: b.customer != SIGNER.address and max(b.start, self.next_hour() + b.notice) < b.end
        )
        if b is not None and edge is not None:
            # to the second the first hour still cancellable starts its notice (+ edge)
            target = self.hour_start(max(b.start, self.hour() + 1) - b.notice) + edge
            if target >= self.now():
                self.chain.pending_timestamp = target
        sender = self.attacker if attacker or b is None else self._account(b.customer)
        reason = None
        if b is None:
            reason = UNKNOWN_BOOKING
        elif sender.address != b.customer:
            reason = NOT_CUSTOMER
        else:
            cut = max(b.start, self.next_hour() + b.notice)
            if cut >= b.end:
                reason = NO_HOURS_TO_CANCEL
        result = outcome("RNT-4", reason, lambda: self.rentals.cancel(booking_id, sender=sender))
        if reason is None:
            assert b is not None
            rent = self.cut(b, cut)
            fee = rent * b.fee_bps // MAX_BPS
            b.fee_due += fee
            b.refunded += rent - fee
            self.prepaid[b.customer] += rent - fee
            equal("RNT-4", "cancel's refund", result.return_value, rent - fee)
            self.dirty.add(booking_id)
            self.touch("money", "capacity")

    @rule(i=pick, attacker=st.sampled_from([False, False, False, True]))
    def halt(self, i, attacker):
        booking_id, b = self.aimed(
            i, lambda b: self.status[b.node] != ACTIVE and max(b.start, self.next_hour()) < b.end
        )
        self.halt_booking(booking_id, b, self.attacker if attacker or b is None else self._account(b.customer))

    def halt_booking(self, booking_id: int, b: Booking | None, sender: Any) -> None:
        reason = None
        if b is None:
            reason = UNKNOWN_BOOKING
        elif self.status[b.node] == ACTIVE:
            reason = NODE_ACTIVE
        elif self.status[b.node] == PAUSED and sender.address != b.customer:
            reason = NOT_CUSTOMER
        else:
            cut = max(b.start, self.next_hour())
            if cut >= b.end:
                reason = NO_HOURS_TO_REFUND
        result = outcome("RNT-4", reason, lambda: self.rentals.halt(booking_id, sender=sender))
        if reason is None:
            assert b is not None
            rent = self.cut(b, cut)
            b.refunded += rent
            self.prepaid[b.customer] += rent
            equal("RNT-4", "halt's refund", result.return_value, rent)
            self.dirty.add(booking_id)
            self.touch("money", "capacity")

    def _account(self, address: str) -> Any:
        for account in self.customers:
            if account.address == address:
                return account
        return self.attacker  # the signer has no gas: its bookings are cancelled by nobody

    # --- release ----------------------------------------------------------------------------------
    def release_plan(self, b: Booking, epochs: int) -> tuple[int, int, int, int]:
        """(new cursor, epochs walked, paid, refunded) of a release of at most `epochs` epochs now."""
        now = self.now()
        cursor, walked, paid, refund = b.cursor, 0, 0, 0
        while walked < min(epochs, MAX_HOURS) and cursor < b.end:
            epoch = cursor // HOURS_PER_EPOCH
            boundary = (epoch + 1) * HOURS_PER_EPOCH
            ended = self.genesis + boundary * HOUR
            if now < ended:
                break
            uptime = self.reports.get((b.node, epoch))
            if uptime is None:
                if now < ended + GRACE:
                    break
                uptime = 0
            upto = min(b.end, boundary)
            rent = b.units * b.price * (upto - cursor)
            share = rent * uptime // MAX_BPS
            paid, refund, cursor, walked = paid + share, refund + rent - share, upto, walked + 1
        return cursor, walked, paid, refund

    @rule(i=pick, epochs=st.sampled_from([0, 1, 1, 2, 5, MAX_HOURS]))
    def release(self, i, epochs):
        booking_id, b = self.aimed(i, lambda b: b.fee_due or self.release_plan(b, 1)[1])
        self.release_booking(booking_id, b, epochs)

    def release_booking(self, booking_id: int, b: Booking | None, epochs: int) -> None:
        reason = None
        if b is None:
            reason = UNKNOWN_BOOKING
        else:
            cursor, _, paid, refund = self.release_plan(b, epochs)
            if cursor == b.cursor and b.fee_due == 0:
                reason = NOTHING_YET
        result = outcome("RNT-3", reason, lambda: self.rentals.release(booking_id, epochs, sender=self.relayer))
        if reason is None:
            assert b is not None
            paid += b.fee_due
            equal("RNT-3", "release's (paid, refund)", tuple(result.return_value), (paid, refund))
            b.cursor, b.fee_due = cursor, 0
            b.paid += paid
            b.refunded += refund
            self.prepaid[b.customer] += refund
            if paid:
                self.pay(b.node, paid)
            self.dirty.add(booking_id)
            self.touch("money")

    # --- the committee, the operators, the customers ------------------------------------------------
    @rule(
        node=st.sampled_from([1, 2]),
        back=st.integers(1, 6),
        uptime=st.sampled_from([0, 9_999, 10_000, None]),
        raw=st.integers(0, 10_000),
    )
    def report(self, node, back, uptime, raw):
        epoch = (self.now() - self.genesis) // EPOCH - back
        if epoch < 0 or (node, epoch) in self.reports:
            return
        uptime = raw if uptime is None else uptime
        signed = PerformanceReport(node, epoch, uptime, 5_000, 40, 1_000, 1_000, self.now() + HOUR)
        signatures = sign_report(Domain.of(self.oracle), signed, attestor_keys[:3])
        self.oracle.submit(signed.as_tuple(), signatures, sender=self.relayer)
        self.reports[(node, epoch)] = uptime

    @rule(
        node=st.sampled_from([1, 2]),
        units=st.sampled_from([0, 1, 3, 5, 8, 8, 511]),
        price=st.sampled_from([0, 1, 7, 1_000_003, 1_000_003, 10**9, 2**79 - 1]),
        fee=st.sampled_from([0, 1, 2_500, 10_000]),
        notice=st.sampled_from([0, 0, 1, 3, 24, 720]),
    )
    def set_offer(self, node, units, price, fee, notice):
        self.registry.set_rental(node, units, price, fee, notice, sender=self.w.operators[node])
        self.offers[node] = (units, price, fee, notice)
        self.versions[node] += 1
        self.touch("offers")

    @rule(node=st.sampled_from([1, 2]), status=st.sampled_from([ACTIVE] * 5 + [PAUSED] * 2 + [RETIRED]))
    def set_status(self, node, status):
        if self.status[node] == RETIRED:
            return
        self.registry.set_status(node, status, sender=self.w.operators[node])
        self.status[node] = status
        self.touch("offers")

    @rule(who=st.integers(0, 1), share=st.sampled_from([0, 1, 2]))
    def request_withdrawal(self, who, share):
        customer = self.customers[who].address
        amount = [1, self.prepaid[customer] // 2, self.prepaid[customer]][share]
        if amount == 0:
            return
        expires = self.now() + self.delays
        self.settlement.request_withdrawal(amount, sender=self.customers[who])
        self.requests[customer] = (amount, expires)

    @rule(
        node=node_pick,
        ahead=st.integers(0, 10),
        days=st.one_of(st.sampled_from([0, 1, 31, 32]), st.integers(1, 31)),
    )
    def open_days(self, node, ahead, days):
        reason = DAYS_RANGE if not 1 <= days <= 31 else UNKNOWN_NODE if node not in self.status else None
        first = self.hour() // 24 + ahead
        receipt = outcome("RNT-5", reason, lambda: self.rentals.open_days(node, first, days, sender=self.relayer))
        if receipt is not None:  # RNT-2: it writes the days asked and no others
            require(
                receipt.gas_used <= OPEN_DAYS_BASE_GAS + days * OPEN_DAY_GAS,
                "RNT-2",
                "open_days writes only the days asked",
                days=days,
                gas_used=receipt.gas_used,
            )

    @rule(
        kind=st.sampled_from(["hour", "epoch", "grace", "seconds"]),
        edge=st.sampled_from([-1, 0, 1]),
        count=st.integers(1, 12),
    )
    def advance(self, kind, edge, count):
        now = self.now()
        if kind == "hour":
            target = self.hour_start(self.hour() + count) + edge
        elif kind == "epoch":
            epoch = (now - self.genesis) // EPOCH
            target = self.genesis + (epoch + 1 + count % 3) * EPOCH + edge
        elif kind == "grace":
            epoch = (now - self.genesis) // EPOCH
            target = self.genesis + (epoch + 1) * EPOCH + GRACE + edge
        else:
            target = now + count * 997
        if target > now:
            self.chain.pending_timestamp = target

    # --- properties ---------------------------------------------------------------------------------
    @check("RNT-1", watches=("money",))
    def rnt_1_escrow_is_conserved(self):
        """Each booking: escrowed at booking = paid + refunded + still escrowed; the contract's view
        equals the model's; Settlement holds every prepaid balance, earnings and escrow exactly."""
        ids = self.bookings if self.sweeping() else self.dirty
        for booking_id in ids:
            b = self.bookings[booking_id]
            equal(
                "RNT-1",
                f"booking {booking_id}: escrowed at booking = paid + refunded + escrowed",
                b.escrowed_at_booking,
                b.paid + b.refunded + b.escrowed(),
            )
            view = self.rentals.booking(booking_id)
            expected = (
                b.customer,
                b.node,
                b.units,
                b.price,
                b.fee_bps,
                b.notice,
                b.start,
                b.end,
                b.cursor,
                b.fee_due,
                b.escrowed(),
            )
            equal("RNT-1", f"booking({booking_id})", tuple(view), expected)
        self.dirty = set()
        for who, balance in self.prepaid.items():
            equal("RNT-1", f"prepaid({who})", self.settlement.prepaid(who), balance)
        for who, earned in self.earnings.items():
            equal("RNT-1", f"earnings({who})", self.settlement.earnings(who), earned)
        escrow = sum(b.escrowed() for b in self.bookings.values())
        held = sum(self.prepaid.values()) + sum(self.earnings.values()) + escrow
        equal(
            "RNT-1",
            "Settlement's stablecoin = prepaid + earnings + escrow",
            self.stable.balanceOf(self.settlement),
            held,
        )
        equal("RNT-1", "owed() = prepaid + earnings + escrow", self.settlement.owed(), held)
        for node, token in self.w.tokens.items():
            equal("RNT-3", f"node {node} token's stablecoin", self.stable.balanceOf(token), self.token_cash[node])

    @check("RNT-2", watches=("capacity", "offers"))
    def rnt_2_capacity_equals_the_model(self):
        """Units booked at every hour any booking touched equal the model's; `free_units` of the
        next day and of an hour a year ahead (free unless the node is not active or offered)."""
        for (node, h), units in self.booked.items():
            equal("RNT-2", f"booked({node}, {h})", self.rentals.booked(node, h), units)
        for node in (1, 2):
            for start, hours in ((self.next_hour(), 24), (self.hour() + LEAD, 1)):
                expected = self.free(node, start, hours) if self.status[node] == ACTIVE else 0
                equal(
                    "RNT-2",
                    f"free_units({node}, {start}, {hours})",
                    self.rentals.free_units(node, start, hours),
                    expected,
                )

    # --- the end of the run ---------------------------------------------------------------------------
    def end_of_run(self):
        """RNT-6: every node retired, every booking halted where it has hours left, time past every
        booking's last epoch and grace period, every booking released: nothing stays escrowed."""
        for node in (1, 2):
            if self.status[node] != RETIRED:
                self.registry.set_status(node, RETIRED, sender=self.w.operators[node])
                self.status[node] = RETIRED
        for booking_id, b in sorted(self.bookings.items()):
            self.halt_booking(booking_id, b, self.relayer)  # retired: anyone
        last = max((b.end for b in self.bookings.values()), default=self.hour())
        target = self.hour_start(-(-last // HOURS_PER_EPOCH) * HOURS_PER_EPOCH) + GRACE
        if target > self.now():
            self.chain.pending_timestamp = target
        for booking_id, b in sorted(self.bookings.items()):
            if b.escrowed():
                self.release_booking(booking_id, b, MAX_HOURS)
            equal("RNT-6", f"booking {booking_id} escrow at the end", b.escrowed(), 0)
        self.sweep_all()

    def sweep_all(self):
        self._sweeping = True
        for function in self.checks():
            self._run(function)


@pytest.mark.both_engines
def test_rentals_machine(backend):
    world = deploy_world(backend)
    run_state_machine_as_test(lambda: RentalsMachine(backend, world), settings=machine_settings(backend))
