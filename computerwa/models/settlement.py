"""The exact model of Settlement (contracts/Settlement.vy): prepaid balances, settled
amounts per (payer, node) channel, earnings and the split of every payment, integers only.
The property suite and the simulation compare the chain with it after every step."""

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
    operator share bps) for every registered node."""

    treasury: str
    fee_bps: int
    withdrawal_delay: int
    payees: dict[int, tuple[str, int]] = field(default_factory=dict)
    prepaid: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    settled: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    earnings: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    withdrawals: dict[str, tuple[int, int]] = field(default_factory=dict)  # payer -> (amount, available_at)
    paused: bool = False
    # ghost totals for the invariants
    holders_paid: dict[int, int] = field(default_factory=lambda: defaultdict(int))

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
        if not signer_ok:
            return INVALID_SIGNATURE, 0
        due = voucher.cumulative_amount - settled
        if self.prepaid[voucher.payer] < due:
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
                self.prepaid[voucher.payer] -= due
                self.settled[(voucher.payer, voucher.node_id)] = voucher.cumulative_amount
                totals[voucher.node_id] += due
        payments = [self.pay(node_id, amount) for node_id, amount in totals.items() if amount]
        return outcomes, payments

    def pay(self, node_id: int, amount: int) -> NodePayment:
        operator, share = self.payees[node_id]
        fee, operator_amount, holders = split(amount, self.fee_bps, share)
        self.earnings[self.treasury] += fee
        self.earnings[operator] += operator_amount
        self.holders_paid[node_id] += holders
        return NodePayment(node_id, amount, fee, operator_amount, holders)

    def request_withdrawal(self, payer: str, amount: int, now: int) -> None:
        self.withdrawals[payer] = (amount, now + self.withdrawal_delay)

    def withdraw(self, payer: str) -> int:
        amount, _ = self.withdrawals.pop(payer)
        amount = min(amount, self.prepaid[payer])
        self.prepaid[payer] -= amount
        return amount

    def withdraw_earnings(self, account: str) -> int:
        amount = self.earnings[account]
        self.earnings[account] = 0
        return amount

    def liabilities(self) -> int:
        """SET-1: what Settlement owes, which must equal its stablecoin balance."""
        return sum(self.prepaid.values()) + sum(self.earnings.values())
