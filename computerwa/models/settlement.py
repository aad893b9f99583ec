"""The exact model of Settlement (contracts/Settlement.vy): prepaid balances, settled
amounts and reservations per (payer, node) channel (released after the delay), earnings
and the split of every payment, prepaid withdrawal requests (public at once, maturing after
the delay, expiring after the window), pauses (bounded, stopping Settlement's clock) and fee
changes (announced, applicable `fee_delay` later on that clock), integers only. The property
suite and the simulation compare the chain with it after every step."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

MAX_BPS = 10_000
MAX_FEE_BPS = 1_000
MAX_OPERATOR_SHARE_BPS = 9_000
MAX_BATCH = 100
MAX_NODES_PER_BATCH = 16
DAY = 86_400
MAX_WITHDRAWAL_WINDOW = 30 * DAY
MAX_PAUSE_LIMIT = 30 * DAY
MAX_FEE_DELAY = 2 * 365 * DAY

# VoucherSkipped reasons (interfaces/ISettlement.vyi)
EXPIRED = 1
NOTHING_DUE = 2
UNKNOWN_NODE = 3
INVALID_SIGNATURE = 4
UNDERFUNDED = 5
SKIP_REASONS = {
    EXPIRED: "expired",
    NOTHING_DUE: "nothing due",
    UNKNOWN_NODE: "unknown node",
    INVALID_SIGNATURE: "invalid signature",
    UNDERFUNDED: "underfunded",
}


class VoucherLike(Protocol):
    """What the model reads of a voucher (`computerwa.client.vouchers.Voucher` is one)."""

    @property
    def payer(self) -> str: ...

    @property
    def node_id(self) -> int: ...

    @property
    def cumulative_amount(self) -> int: ...

    @property
    def deadline(self) -> int: ...


def split(amount: int, fee_bps: int, operator_share_bps: int) -> tuple[int, int, int]:
    """(fee, operator, holders) of one payment: floors for fee and operator, the holders
    get the rest, every remainder included (SET-3: they sum to `amount`)."""
    fee = amount * fee_bps // MAX_BPS
    operator = amount * operator_share_bps // MAX_BPS
    return fee, operator, amount - fee - operator


@dataclass
class NodePayment:
    node_id: int
    amount: int
    fee: int
    operator: int
    holders: int


@dataclass
class SettlementModel:
    """Exactly what Settlement stores and pays. `payees` maps node id to (operator,
    operator share bps) for every registered node.

    Time: withdrawal requests run on Settlement's clock (`clock(now)`), the timestamp less
    every second paused; a pause runs from `paused_since` until unpaused or for
    `pause_limit` seconds, whichever is first, and the next may start `pause_limit` after
    it ended. A request `(amount, available_at)` can be paid while
    `available_at <= clock < available_at + withdrawal_window`. A fee change
    `(fee_bps, effective_at)` announced at clock `c` has `effective_at = c + fee_delay` and
    may be applied once `clock >= effective_at`; payments use `fee_bps` until then."""

    treasury: str
    fee_bps: int
    withdrawal_delay: int
    payees: dict[int, tuple[str, int]] = field(default_factory=dict)
    prepaid: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    settled: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    earnings: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    withdrawals: dict[str, tuple[int, int]] = field(
        default_factory=dict
    )  # payer -> (amount, available_at on the clock)
    reservations: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    releases: dict[tuple[str, int], tuple[int, int]] = field(
        default_factory=dict
    )  # (payer, node) -> (amount, available_at on the clock)
    # ghost totals for the invariants
    holders_paid: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    withdrawal_window: int = 2 * DAY
    pause_limit: int = 7 * DAY
    paused_since: int | None = None  # the running (or lapsed, not yet folded) pause's start
    stopped: int = 0  # seconds the clock stood still in pauses that ended
    resumed_at: int = 0  # when the last pause ended
    fee_delay: int = 4 * DAY
    fee_change: tuple[int, int] | None = None  # (fee_bps, effective_at on the clock)
    # a contract wallet's locked voucher per channel: (payer, node) -> (cumulative, deadline)
    locks: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)
    # NodeRentals' escrow: rent Settlement holds (and owes) until `pay_rent` moves it
    rent_escrow: int = 0

    def credit(self, payer: str, amount: int) -> None:
        self.prepaid[payer] += amount

    def voucher_outcome(self, voucher: VoucherLike, signer_ok: bool, now: int) -> tuple[int, int]:
        """(skip reason or 0, amount due) for one voucher, given the balances so far."""
        if now > voucher.deadline:
            return EXPIRED, 0
        if voucher.node_id not in self.payees:
            return UNKNOWN_NODE, 0
        settled = self.settled[(voucher.payer, voucher.node_id)]
        if voucher.cumulative_amount <= settled:
            return NOTHING_DUE, 0
        if not signer_ok and not self.lock_covers(voucher, now):
            return INVALID_SIGNATURE, 0
        if voucher.cumulative_amount >= 2**128:
            return UNDERFUNDED, 0
        due = voucher.cumulative_amount - settled
        reserved = self.reservations[(voucher.payer, voucher.node_id)]
        if due > reserved and self.prepaid[voucher.payer] < due - reserved:
            return UNDERFUNDED, 0
        return 0, due

    def settle(
        self, vouchers: Sequence[VoucherLike], signers_ok: Sequence[bool], now: int
    ) -> tuple[list[tuple[int, int]], list[NodePayment]]:
        """Applies a batch: each voucher's (reason, amount), and each node's payment in the
        order nodes first appear in the batch."""
        outcomes: list[tuple[int, int]] = []
        totals: dict[int, int] = {}
        for voucher, ok in zip(vouchers, signers_ok, strict=True):
            totals.setdefault(voucher.node_id, 0)
            reason, due = self.voucher_outcome(voucher, ok, now)
            outcomes.append((reason, due))
            if reason == 0:
                channel = (voucher.payer, voucher.node_id)
                from_reservation = min(due, self.reservations[channel])
                self.reservations[channel] -= from_reservation
                self.prepaid[voucher.payer] -= due - from_reservation
                self.settled[(voucher.payer, voucher.node_id)] = voucher.cumulative_amount
                totals[voucher.node_id] += due
        payments = [self.pay(node_id, amount) for node_id, amount in totals.items() if amount]
        return outcomes, payments

    def lock_covers(self, voucher: VoucherLike, now: int) -> bool:
        """Whether the channel's lock answers for the voucher's signature: its cumulative
        amount is at most the locked one and the locked deadline has not passed."""
        amount, deadline = self.locks.get((voucher.payer, voucher.node_id), (0, 0))
        return voucher.cumulative_amount <= amount and now <= deadline

    def lock_refusal(self, voucher: VoucherLike, is_contract: bool, signer_ok: bool, now: int) -> str | None:
        """Why `lock_voucher` refuses the voucher now, or None when it locks it."""
        if now > voucher.deadline:
            return "settlement: voucher expired"
        if not is_contract:
            return "settlement: an EOA's voucher needs no lock"
        if voucher.cumulative_amount >= 2**128:
            return "settlement: voucher amount above 2**128 - 1"
        settled = self.settled[(voucher.payer, voucher.node_id)]
        if voucher.cumulative_amount <= settled:
            return "settlement: voucher already settled"
        amount, deadline = self.locks.get((voucher.payer, voucher.node_id), (0, 0))
        if now <= deadline and amount > settled:
            if voucher.cumulative_amount <= amount:
                return "settlement: a voucher at least as large is locked"
            if voucher.deadline < deadline:
                return "settlement: the locked voucher lasts longer; settle it first"
        if not signer_ok:
            return "settlement: the wallet refuses the signature"
        return None

    def lock(self, voucher: VoucherLike) -> tuple[int, int]:
        """Records the voucher as its channel's lock; returns (cumulative, stored deadline)."""
        lock = (voucher.cumulative_amount, min(voucher.deadline, 2**128 - 1))
        self.locks[(voucher.payer, voucher.node_id)] = lock
        return lock

    def pay(self, node_id: int, amount: int) -> NodePayment:
        operator, share = self.payees[node_id]
        fee, operator_amount, holders = split(amount, self.fee_bps, share)
        self.earnings[self.treasury] += fee
        self.earnings[operator] += operator_amount
        self.holders_paid[node_id] += holders
        return NodePayment(node_id, amount, fee, operator_amount, holders)

    # --- pauses and Settlement's clock ------------------------------------------------------
    def is_paused(self, now: int) -> bool:
        """A pause is running at `now` (it has neither been unpaused nor lapsed)."""
        return self.paused_since is not None and now < self.paused_since + self.pause_limit

    def paused_until(self, now: int) -> int:
        """When the running pause lapses; 0 when none is running."""
        return self.paused_since + self.pause_limit if self.is_paused(now) else 0  # type: ignore[operator]

    def clock(self, now: int) -> int:
        """Settlement's clock at `now`: every second paused so far taken out."""
        stopped = self.stopped
        if self.paused_since is not None:
            stopped += min(now - self.paused_since, self.pause_limit)
        return now - stopped

    def next_pause_at(self) -> int:
        """The earliest time a new pause may start (a running pause counted as lapsing)."""
        if self.paused_since is not None:
            return self.paused_since + 2 * self.pause_limit
        return self.resumed_at + self.pause_limit

    def pause(self, now: int) -> None:
        """A pause begins at `now` (the caller has checked it may: not running, and
        `now >= next_pause_at()`); a lapsed pause is folded in for its whole limit."""
        assert not self.is_paused(now) and now >= self.next_pause_at()
        if self.paused_since is not None:
            self.stopped += self.pause_limit
            self.resumed_at = self.paused_since + self.pause_limit
        self.paused_since = now

    def unpause(self, now: int) -> None:
        """The running pause ends at `now`."""
        assert self.is_paused(now) and self.paused_since is not None
        self.stopped += now - self.paused_since
        self.resumed_at = now
        self.paused_since = None

    # --- fee changes --------------------------------------------------------------------------
    def announce_fee(self, fee_bps: int, now: int) -> None:
        """The owner announces `fee_bps` (at most the cap): it replaces any pending change."""
        assert fee_bps <= MAX_FEE_BPS
        self.fee_change = (fee_bps, self.clock(now) + self.fee_delay)

    def fee_refusal(self, now: int) -> str | None:
        """Why `apply_fee` at `now` is refused: "none" announced, "early"; None when it applies."""
        if self.fee_change is None:
            return "none"
        return "early" if self.clock(now) < self.fee_change[1] else None

    def apply_fee(self, now: int) -> int:
        """The announced fee comes into force (the caller has checked `fee_refusal`)."""
        assert self.fee_change is not None and self.fee_refusal(now) is None
        self.fee_bps = self.fee_change[0]
        self.fee_change = None
        return self.fee_bps

    def cancel_fee(self) -> int:
        """The announced change is withdrawn; returns its fee."""
        assert self.fee_change is not None
        fee_bps, _ = self.fee_change
        self.fee_change = None
        return fee_bps

    def pending_fee(self) -> tuple[int, int]:
        """What `pending_fee()` reads: (fee_bps, effective_at), zeros when none is announced."""
        return self.fee_change or (0, 0)

    # --- prepaid withdrawals ------------------------------------------------------------------
    def request_withdrawal(self, payer: str, amount: int, now: int) -> None:
        self.withdrawals[payer] = (amount, self.clock(now) + self.withdrawal_delay)

    def withdrawal_state(self, payer: str, now: int) -> str:
        """ "none", "early" (not yet matured), "open" (can be paid) or "expired"."""
        if payer not in self.withdrawals:
            return "none"
        _, available_at = self.withdrawals[payer]
        clock = self.clock(now)
        if clock < available_at:
            return "early"
        return "open" if clock < available_at + self.withdrawal_window else "expired"

    def withdrawal_request(self, payer: str, now: int) -> tuple[int, int, int]:
        """What `withdrawal_request(payer)` reads: (amount, available_at, expires_at) on the
        clock, zeros when none is pending or it expired."""
        if self.withdrawal_state(payer, now) in ("none", "expired"):
            return (0, 0, 0)
        amount, available_at = self.withdrawals[payer]
        return (amount, available_at, available_at + self.withdrawal_window)

    def available(self, payer: str, now: int) -> int:
        """What nodes can serve the payer against: its balance less its pending request."""
        balance = self.prepaid[payer]
        pending = self.withdrawal_request(payer, now)[0]
        return balance - min(pending, balance)

    def withdraw(self, payer: str) -> int:
        amount, _ = self.withdrawals.pop(payer)
        amount = min(amount, self.prepaid[payer])
        self.prepaid[payer] -= amount
        return amount

    # --- reservations -----------------------------------------------------------------------------
    def reserve(self, payer: str, node_id: int, amount: int) -> None:
        """`amount` (at most `available`) moves from the free balance into the channel."""
        self.prepaid[payer] -= amount
        self.reservations[(payer, node_id)] += amount

    def request_release(self, payer: str, node_id: int, amount: int, now: int) -> None:
        self.releases[(payer, node_id)] = (amount, self.clock(now) + self.withdrawal_delay)

    def release_state(self, payer: str, node_id: int, now: int) -> str:
        """ "none", "early", "open" or "expired", as `withdrawal_state`."""
        if (payer, node_id) not in self.releases:
            return "none"
        _, available_at = self.releases[(payer, node_id)]
        clock = self.clock(now)
        if clock < available_at:
            return "early"
        return "open" if clock < available_at + self.withdrawal_window else "expired"

    def release_request(self, payer: str, node_id: int, now: int) -> tuple[int, int, int]:
        """What `release_request(payer, node_id)` reads; zeros when none is pending or it expired."""
        if self.release_state(payer, node_id, now) in ("none", "expired"):
            return (0, 0, 0)
        amount, available_at = self.releases[(payer, node_id)]
        return (amount, available_at, available_at + self.withdrawal_window)

    def reserved(self, payer: str, node_id: int, now: int) -> int:
        """What the channel's reservation guarantees the node: less its pending release."""
        reservation = self.reservations[(payer, node_id)]
        return reservation - min(self.release_request(payer, node_id, now)[0], reservation)

    def complete_release(self, payer: str, node_id: int) -> int:
        amount, _ = self.releases.pop((payer, node_id))
        amount = min(amount, self.reservations[(payer, node_id)])
        self.reservations[(payer, node_id)] -= amount
        self.prepaid[payer] += amount
        return amount

    def withdraw_earnings(self, account: str) -> int:
        amount = self.earnings[account]
        self.earnings[account] = 0
        return amount

    def liabilities(self) -> int:
        """SET-1: what Settlement owes, which must equal its stablecoin balance."""
        return (
            sum(self.prepaid.values())
            + sum(self.reservations.values())
            + sum(self.earnings.values())
            + self.rent_escrow
        )

    # --- NodeRentals' escrow (its RENTALS-only functions) -------------------------------------
    def escrow_rent(self, payer: str, amount: int) -> None:
        """`escrow_rent`: the payer's available balance into the rent escrow."""
        self.prepaid[payer] -= amount
        self.rent_escrow += amount

    def escrow_received(self, amount: int) -> None:
        """`escrow_rent_with_authorization`: rent received from the payer's signed transfer,
        straight into the rent escrow (no prepaid balance moves)."""
        self.rent_escrow += amount

    def pay_rent(self, node_id: int, payer: str, paid: int, refund: int) -> NodePayment | None:
        """`pay_rent`: `paid` of the escrow to the node (split like any payment), `refund` back to
        the payer's prepaid balance; the payment, or None when nothing was paid."""
        self.rent_escrow -= paid + refund
        self.prepaid[payer] += refund
        return self.pay(node_id, paid) if paid else None
