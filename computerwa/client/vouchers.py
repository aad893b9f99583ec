"""Vouchers and payments for Settlement (contracts/Settlement.vy).

For customers, nodes and integrators: a customer signs a cumulative `Voucher` with its
eth_account key as its usage grows; a node (or anyone) settles the latest one:

    voucher = Voucher(payer=customer.address, node_id=7, cumulative_amount=12_500_000,
                      deadline=now + 86_400)
    settlement.settle([voucher.as_tuple()], [sign_voucher(Domain.of(settlement), voucher, customer)])

A one-shot payment is an EIP-3009 ReceiveWithAuthorization to the Settlement contract
whose nonce binds it to the node (`payment_nonce`): see `payment_authorization`.

The exact model of what Settlement stores and pays (`SettlementModel`, `split`) is in
`computerwa.models.settlement`; its constants and skip reasons are re-exported here.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.client.signing import Domain, authorization, digest, is_low_s, recover_compact, sign, typed_data
from computerwa.models.settlement import SKIP_REASONS

__all__ = [
    "SKIP_REASONS",
    "Voucher",
    "booking_authorization",
    "booking_nonce",
    "deposit_authorization",
    "payment_authorization",
    "payment_nonce",
    "reservation_authorization",
    "reservation_nonce",
    "sign_voucher",
    "voucher_signer",
    "voucher_typed_data",
]


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
    if not is_low_s(signature):
        return None
    return recover_compact(digest(voucher_typed_data(domain, voucher)), signature)


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


def reservation_nonce(node_id: int, salt: bytes) -> bytes:
    """The EIP-3009 nonce of a reservation for `node_id` (Settlement.reservation_nonce)."""
    return keccak(abi_encode(["uint256", "bytes32", "uint256"], [node_id, salt, 1]))


def reservation_authorization(
    stablecoin_domain: Domain,
    payer: str,
    settlement: str,
    amount: int,
    node_id: int,
    salt: bytes,
    valid_after: int,
    valid_before: int,
) -> dict:
    """The ReceiveWithAuthorization a payer signs for `reserve_with_authorization(payer, node_id, ...)`."""
    nonce = reservation_nonce(node_id, salt)
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


def purchase_nonce(offering_id: int, shares: int, salt: bytes) -> bytes:
    """The EIP-3009 nonce of a primary purchase (NodeOffering.purchase_nonce): it binds the
    authorization to one offering and one number of shares."""
    return keccak(abi_encode(["uint256", "uint256", "bytes32"], [offering_id, shares, salt]))


def purchase_authorization(
    stablecoin_domain: Domain,
    buyer: str,
    offering: str,
    cost: int,
    offering_id: int,
    shares: int,
    salt: bytes,
    valid_after: int,
    valid_before: int,
) -> dict:
    """The ReceiveWithAuthorization a buyer signs for `buy_with_authorization(offering_id, buyer,
    shares, ...)`: exactly the shares' `cost` to the NodeOffering."""
    nonce = purchase_nonce(offering_id, shares, salt)
    return authorization(stablecoin_domain, buyer, offering, cost, valid_after, valid_before, nonce, receive=True)


BOOKING_NONCE_TAG = keccak(b"ComputeRWA NodeRentals booking")


def booking_nonce(node_id: int, units: int, start_hour: int, hours: int, offer_version: int, salt: bytes) -> bytes:
    """The EIP-3009 nonce of a signed booking (NodeRentals.booking_nonce): it binds the
    authorization to one node, number of units, window and version of the node's offer."""
    return keccak(
        abi_encode(
            ["bytes32", "uint256", "uint256", "uint256", "uint256", "uint256", "bytes32"],
            [BOOKING_NONCE_TAG, node_id, units, start_hour, hours, offer_version, salt],
        )
    )


def booking_authorization(
    stablecoin_domain: Domain,
    customer: str,
    settlement: str,
    rent: int,
    node_id: int,
    units: int,
    start_hour: int,
    hours: int,
    offer_version: int,
    salt: bytes,
    valid_after: int,
    valid_before: int,
) -> dict:
    """The ReceiveWithAuthorization a customer signs for `NodeRentals.book_with_authorization(customer,
    node_id, units, start_hour, hours, offer_version, rent, ...)`: exactly the booking's rent, to
    Settlement (which holds the escrow), under that version of the node's offer."""
    nonce = booking_nonce(node_id, units, start_hour, hours, offer_version, salt)
    return authorization(stablecoin_domain, customer, settlement, rent, valid_after, valid_before, nonce, receive=True)
