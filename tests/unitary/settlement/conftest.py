"""The payment suite of tests/conftest.py (stablecoin, registry, settlement at a 2.5% fee)
with three registered nodes, a funded second customer and helpers that sign with
eth_account (computerwa.client.vouchers, computerwa.client.signing): nothing here hashes EIP-712.

Nodes: `node` (the operator, 30% share), `second_node` (the second operator, 15%) and
`third_node` (the third operator, 90%). The second and third operators are test accounts
5 and 6, which the settlement tests use for nothing else. The second customer is a key
that only signs: its stablecoin arrives by mint and its deposits by EIP-3009
authorizations a relayer submits.

`fee_suite` is a whole second deployment (factory, oracle, registry, settlement) over
MockFeeToken, which burns 1% of every transfer.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from eth_account import Account
from eth_utils import keccak

from computerwa.client.signing import Domain, authorization, sign
from computerwa.client.vouchers import Voucher, payment_nonce, sign_voucher
from computerwa.evm.suite import deploy_suite
from tests.conftest import (
    BOND_DELAY,
    EPOCH_LENGTH,
    FEE_BPS,
    NODE_REGION,
    PAUSE_LIMIT,
    SLASH_BPS,
    WITHDRAWAL_DELAY,
    WITHDRAWAL_WINDOW,
)

DOLLAR = 10**6
PREPAID = 10_000 * DOLLAR
PRICE = 2_000
SHARE = 3_000
SECOND_SHARE = 1_500
THIRD_SHARE = 9_000
SLA = 9_900
HOUR = 3_600
FOREVER = 2**40
UNKNOWN_NODE_ID = 999
TRANSFER_FEE_BPS = 100  # MockFeeToken burns 1% of every transfer
SECOND_CUSTOMER_FUNDS = 50_000 * DOLLAR

PAUSED = "pausable: contract is paused"
BLACKLISTED = "stablecoin: account is blacklisted"
INVALID_SIGNATURE = "stablecoin: invalid signature"
INSUFFICIENT_ALLOWANCE = "erc20: insufficient allowance"


def register(registry: Any, operator: Any, share: int, region: str = NODE_REGION) -> int:
    """Registers a node of `operator` with `share` bps; returns its id."""
    receipt = registry.register_node(region, "H100", 8, PRICE, share, SLA, "ipfs://node", sender=operator)
    return receipt.filter("NodeRegistered")[0].args["node_id"]


def token_of(backend: Any, registry: Any, node_id: int) -> Any:
    return backend.at("ComputeToken", registry.payee(node_id)[0])


def signed_batch(domain: Domain, vouchers: list[Voucher], key: Any) -> tuple[list[tuple], list[tuple]]:
    """`settle`'s two arguments for vouchers all signed by `key`."""
    return [v.as_tuple() for v in vouchers], [sign_voucher(domain, v, key) for v in vouchers]


def skipped(receipt: Any) -> list[tuple[str, int, int, int]]:
    """Every VoucherSkipped of a receipt as (payer, node_id, cumulative_amount, reason)."""
    return [
        (e.args["payer"], e.args["node_id"], e.args["cumulative_amount"], e.args["reason"])
        for e in receipt.filter("VoucherSkipped")
    ]


def node_paid(receipt: Any) -> dict[int, tuple[int, int, int, int]]:
    """Every NodePaid of a receipt: node_id -> (amount, fee, operator_amount, holders_amount)."""
    return {
        e.args["node_id"]: (e.args["amount"], e.args["fee"], e.args["operator_amount"], e.args["holders_amount"])
        for e in receipt.filter("NodePaid")
    }


def revenue_deposits(receipt: Any) -> list[tuple[str, int]]:
    """Every ComputeToken RevenueDeposited of a receipt as (token address, amount credited)."""
    return [(e.address, e.args["amount"]) for e in receipt.filter("RevenueDeposited")]


def assert_solvent(token: Any, settlement: Any, payers: list[Any], earners: list[Any]) -> None:
    """SET-1: the token Settlement holds equals every prepaid balance plus every unwithdrawn
    earning (the lists must name every payer and earner that has any)."""
    owed = sum(settlement.available(p) for p in payers) + sum(settlement.earnings(e) for e in earners)
    assert token.balanceOf(settlement) == owed


@dataclass(frozen=True)
class Authorized:
    """An EIP-3009 authorization the payer signed: the arguments after `payer`."""

    amount: int
    valid_after: int
    valid_before: int
    salt: bytes
    v: int
    r: bytes
    s: bytes

    @property
    def nonce(self) -> bytes:
        """The EIP-3009 nonce signed: a deposit's, derived from the salt (node id 0)."""
        return payment_nonce(0, self.salt)

    def args(self) -> tuple:
        return (self.amount, self.valid_after, self.valid_before, self.salt, self.v, self.r, self.s)


# --- actors ------------------------------------------------------------------------------------
@pytest.fixture
def second_customer(stablecoin, issuer):
    """A customer key that only signs; it holds $50,000 of the stablecoin. Function-scoped:
    the mint is undone after each test, so the shared stablecoin's supply stays what other
    suites expect."""
    key = Account.from_key(keccak(b"ComputeRWA settlement second customer"))
    stablecoin.mint(key.address, SECOND_CUSTOMER_FUNDS, sender=issuer)
    return key


def deploy_settlement(backend, token, registry, treasury, issuer, withdrawal_delay: int = WITHDRAWAL_DELAY):
    """A Settlement of its own over `token` and `registry`, with the suite's fee, window and
    pause limit and the least fee delay (the withdrawal delay plus its window), creating its
    NodeRentals from a blueprint of its own."""
    return backend.deploy(
        "Settlement",
        token,
        registry,
        treasury,
        FEE_BPS,
        withdrawal_delay,
        WITHDRAWAL_WINDOW,
        PAUSE_LIMIT,
        withdrawal_delay + WITHDRAWAL_WINDOW,
        backend.deploy_blueprint("NodeRentals", sender=issuer),
        sender=issuer,
    )


@pytest.fixture(autouse=True)
def _operators_verified(verified_operators):
    """Only operators verified in the identity registry register nodes."""


@pytest.fixture(scope="session")
def receiver():
    """An address that receives payouts someone else names (never sends)."""
    return Account.from_key(keccak(b"ComputeRWA settlement receiver")).address


# --- domains and nodes -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def domain(settlement):
    return Domain.of(settlement)


@pytest.fixture(scope="session")
def stable_domain(stablecoin):
    return Domain.of(stablecoin)


# Nodes are registered per test (and undone with it): the registry is shared with the
# registry's own suite, which counts node ids from 1.
@pytest.fixture
def node(registry, operator):
    return register(registry, operator, SHARE)


@pytest.fixture
def second_node(registry, second_operator, node):
    return register(registry, second_operator, SECOND_SHARE)


@pytest.fixture
def third_node(registry, third_operator, second_node):
    return register(registry, third_operator, THIRD_SHARE)


@pytest.fixture
def node_token(backend, registry, node):
    return token_of(backend, registry, node)


@pytest.fixture
def second_node_token(backend, registry, second_node):
    return token_of(backend, registry, second_node)


@pytest.fixture
def third_node_token(backend, registry, third_node):
    return token_of(backend, registry, third_node)


# --- time --------------------------------------------------------------------------------------
@pytest.fixture
def mine_at(backend, stablecoin, relayer, receiver):
    """`mine_at(timestamp)`: mines a block at exactly `timestamp` (a harmless approval), so
    the views that follow read that second (views read the latest block)."""

    def mine(timestamp):
        backend.sleep(timestamp - backend.pending_timestamp)
        stablecoin.approve(receiver, 0, sender=relayer)
        assert backend.timestamp == timestamp

    return mine


# --- money in ----------------------------------------------------------------------------------
@pytest.fixture
def prepaid(stablecoin, settlement, customer):
    """The customer prepays $10,000."""
    stablecoin.approve(settlement, PREPAID, sender=customer)
    settlement.deposit(PREPAID, sender=customer)
    return PREPAID


@pytest.fixture
def authorize(backend, stable_domain, settlement):
    """`authorize(key, amount, salt=..., valid_after=0, valid_before=now + 1h)`: the key's
    ReceiveWithAuthorization of `amount` to Settlement for a deposit (nonce from the salt)."""
    counter = iter(range(1_000_000))

    def make(key, amount, salt=None, valid_after=0, valid_before=None, to=None) -> Authorized:
        if salt is None:
            salt = keccak(b"settlement test salt %d" % next(counter))
        nonce = payment_nonce(0, salt)
        if valid_before is None:
            valid_before = backend.pending_timestamp + HOUR
        document = authorization(
            stable_domain, key.address, to or settlement.address, amount, valid_after, valid_before, nonce, True
        )
        signature = sign(key, document)
        return Authorized(amount, valid_after, valid_before, salt, *signature.vrs)

    return make


@pytest.fixture
def second_prepaid(settlement, second_customer, relayer, authorize):
    """The second customer prepays $10,000 by an authorization the relayer submits."""
    settlement.deposit_with_authorization(
        second_customer.address, *authorize(second_customer, PREPAID).args(), sender=relayer
    )
    return PREPAID


@pytest.fixture
def voucher(backend, customer):
    """`voucher(node_id, cumulative, payer=customer, deadline=now + 1h)`."""

    def make(node_id, cumulative, payer=None, deadline=None) -> Voucher:
        if deadline is None:
            deadline = backend.pending_timestamp + HOUR
        address = getattr(payer, "address", payer) or customer.address
        return Voucher(payer=address, node_id=node_id, cumulative_amount=cumulative, deadline=deadline)

    return make


# --- a stablecoin that answers `false` ----------------------------------------------------------


# --- a second deployment over a fee-on-transfer token -------------------------------------------
@pytest.fixture(scope="session")
def fee_suite(backend, issuer, identity, treasury, suite_attestors, operator, customer):
    """Factory, oracle, registry and settlement over MockFeeToken (1% burnt per transfer),
    one node of the operator (30% share), the customer holding $100,000 of the fee token."""
    genesis = backend.pending_timestamp - 10 * EPOCH_LENGTH
    fee_token = backend.deploy("MockFeeToken", TRANSFER_FEE_BPS, sender=issuer)
    suite = deploy_suite(
        backend,
        issuer,
        stablecoin=fee_token,
        identity=identity,
        genesis=genesis,
        epoch_length=EPOCH_LENGTH,
        attestors=suite_attestors,
        bond_delay=BOND_DELAY,
        slash_bps=SLASH_BPS,
        treasury=treasury,
        fee_bps=FEE_BPS,
        withdrawal_delay=WITHDRAWAL_DELAY,
    )
    registry, settlement = suite.registry, suite.settlement
    # verified to register, then revoked: this session fixture must leave the shared registry as it was
    identity.set_verified(operator, 2**40, sender=issuer)
    node_id = register(registry, operator, SHARE)
    identity.revoke(operator, sender=issuer)
    fee_token.mint(customer, 100_000 * DOLLAR, sender=issuer)
    return SimpleNamespace(
        token=fee_token,
        registry=registry,
        settlement=settlement,
        node=node_id,
        node_token=token_of(backend, registry, node_id),
        domain=Domain.of(settlement),
    )


def fill_to_the_bound(settlement: Any, stablecoin: Any, issuer: Any, whale: Any, headroom: int) -> None:
    """Deposits for `whale` until what Settlement owes is `headroom` below `2**128 - 1`, the
    most it may owe (so each 128-bit balance, reservation and settled amount fits)."""
    amount = 2**128 - 1 - headroom - settlement.owed()
    stablecoin.mint(whale, amount, sender=issuer)
    stablecoin.approve(settlement, amount, sender=whale)
    settlement.deposit(amount, sender=whale)
