"""Vouchers and payments for Settlement (contracts/Settlement.vy).

For customers, nodes and integrators: a customer signs a cumulative `Voucher` with its
eth_account key as its usage grows; a node (or anyone) settles the latest one:

    voucher = Voucher(payer=customer.address, node_id=7, cumulative_amount=12_500_000,
                      deadline=now + 86_400)
    settlement.settle([voucher.as_tuple()], [sign_voucher(Domain.of(settlement), voucher, customer)])

A one-shot payment is an EIP-3009 ReceiveWithAuthorization to the Settlement contract
whose nonce binds it to the node (`payment_nonce`): see `payment_authorization`.

`SettlementModel` is the exact model of balances, settled amounts, earnings and splits
that the property suite and the simulation compare with the chain.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import astuple, dataclass, field
from typing import Any

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak

from computerwa.signing import Domain, authorization, encode, sign, typed_data

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


@dataclass(frozen=True)
class Voucher:
    """A customer's running total owed to one node (DESIGN.md, Signed messages)."""

    payer: str
    node_id: int
    cumulative_amount: int
    deadline: int

    def message(self) -> dict:
        return {
            "payer": self.payer,
            "nodeId": self.node_id,
            "cumulativeAmount": self.cumulative_amount,
            "deadline": self.deadline,
        }

    def as_tuple(self) -> tuple:
        """The voucher as `settle` takes it."""
        return astuple(self)


def voucher_typed_data(domain: Domain, voucher: Voucher) -> dict:
    return typed_data(domain, "Voucher", voucher.message())


def sign_voucher(domain: Domain, voucher: Voucher, key: Any) -> tuple[bytes, bytes]:
    """The payer's EIP-2098 compact signature (r, vs), as `settle` takes it."""
    return sign(key, voucher_typed_data(domain, voucher)).compact


def voucher_signer(domain: Domain, voucher: Voucher, signature: tuple[bytes, bytes]) -> str | None:
    """Who signed a compact voucher signature, or None if it is not a valid low-s signature."""
    r, vs = signature
    word = int.from_bytes(vs, "big")
    s = word & (2**255 - 1)
    if s > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0:
        return None
    try:
        return Account._recover_hash(_digest(domain, voucher), vrs=(27 + (word >> 255), int.from_bytes(r, "big"), s))
    except Exception:  # an unrecoverable signature is simply invalid
        return None


def _digest(domain: Domain, voucher: Voucher) -> bytes:
    message = encode(voucher_typed_data(domain, voucher))
    return keccak(b"\x19\x01" + message.header + message.body)


def payment_nonce(node_id: int, salt: bytes) -> bytes:
    """The EIP-3009 nonce of a direct payment to `node_id`, or of a deposit with node id 0
    (Settlement.payment_nonce)."""
    return keccak(abi_encode(["uint256", "bytes32"], [node_id, salt]))


def payment_authorization(
    stablecoin_domain: Domain,
    payer: str,
    settlement: str,
    amount: int,
    node_id: int,
    salt: bytes,
    valid_after: int,
    valid_before: int,
) -> dict:
    """The ReceiveWithAuthorization a payer signs for `pay_with_authorization(node_id, ...)`."""
    nonce = payment_nonce(node_id, salt)
    return authorization(stablecoin_domain, payer, settlement, amount, valid_after, valid_before, nonce, receive=True)


def deposit_authorization(
    stablecoin_domain: Domain,
    payer: str,
    settlement: str,
    amount: int,
    salt: bytes,
    valid_after: int,
    valid_before: int,
) -> dict:
    """The ReceiveWithAuthorization a payer signs for `deposit_with_authorization(..., salt, ...)`."""
    return payment_authorization(stablecoin_domain, payer, settlement, amount, 0, salt, valid_after, valid_before)


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

    def voucher_outcome(self, voucher: Voucher, signer_ok: bool, now: int) -> tuple[int, int]:
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
        self, vouchers: list[Voucher], signers_ok: list[bool], now: int
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
