"""What the NodeRentals unit tests share on top of tests/conftest.py.

A whole deployment of their own (stablecoin, identity registry, factory, 3-of-5 oracle,
NodeRegistry, Settlement and the NodeRentals it created; daily epochs, GENESIS PAST_EPOCHS
epochs back, a 6-hour grace period), so nothing they book shows in other suites. Node 1 is the
operator's (30% operator share, SLA 99%), offered for rent: 8 units at $2 a unit-hour, a 20%
cancellation fee, 2 hours' notice. The customer holds $100,000 prepaid in Settlement.
Hours are hour indices of the oracle's clock (`GENESIS + h * 3600`).
"""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak

from computerwa.client.signing import Domain, sign
from computerwa.client.vouchers import booking_authorization
from computerwa.evm.suite import deploy_suite
from tests.conftest import (
    ATTESTOR_THRESHOLD,
    EPOCH_LENGTH,
    GRACE_PERIOD,
    NODE_REGION,
    ONE_DOLLAR,
    PAST_EPOCHS,
    report_submitter,
)

HOUR = 3_600
HOURS_PER_EPOCH = EPOCH_LENGTH // HOUR
MAX_BPS = 10_000
UNITS = 8
PRICE = 2 * ONE_DOLLAR  # per unit-hour
FEE_BPS = 2_000  # the cancellation fee
NOTICE = 2  # hours
SHARE_BPS = 3_000  # the operator's share
PROTOCOL_FEE_BPS = 250
PREPAID = 100_000 * ONE_DOLLAR
SIGNER = Account.from_key(keccak(b"ComputeRWA rentals signer"))
VERSION = 1  # node 1's offer as the suite sets it: its first version


def make_suite(backend, issuer, operator, attestors, treasury, stablecoin=None, epoch_length=EPOCH_LENGTH):
    """A full suite with node 1 of the operator registered and offered for rent."""
    suite = deploy_suite(
        backend,
        issuer,
        stablecoin=stablecoin,
        genesis=backend.pending_timestamp - PAST_EPOCHS * epoch_length,
        epoch_length=epoch_length,
        attestors=attestors,
        threshold=ATTESTOR_THRESHOLD,
        grace_period=GRACE_PERIOD,
        treasury=treasury,
        fee_bps=PROTOCOL_FEE_BPS,
        operators=[operator],
    )
    suite.registry.register_node(NODE_REGION, "H100", 8, 25_000, SHARE_BPS, 9_900, "ipfs://rent", sender=operator)
    suite.registry.set_rental(1, UNITS, PRICE, FEE_BPS, NOTICE, sender=operator)
    return suite


@pytest.fixture(scope="session")
def attestors():
    keys = (Account.from_key(keccak(b"ComputeRWA rentals attestor %d" % i)) for i in range(5))
    return sorted(keys, key=lambda key: int(key.address, 16))


@pytest.fixture(scope="session")
def suite(backend, issuer, operator, attestors, treasury, customer):
    suite = make_suite(backend, issuer, operator, attestors, treasury)
    suite.stablecoin.mint(customer, PREPAID, sender=issuer)
    suite.stablecoin.approve(suite.settlement, PREPAID, sender=customer)
    suite.settlement.deposit(PREPAID, sender=customer)
    return suite


@pytest.fixture(scope="session")
def rentals(suite):
    return suite.rentals


@pytest.fixture(scope="session")
def settlement(suite):
    return suite.settlement


@pytest.fixture(scope="session")
def registry(suite):
    return suite.registry


@pytest.fixture(scope="session")
def stable(suite):
    return suite.stablecoin


@pytest.fixture(scope="session")
def node_token(backend, suite):
    return backend.at("ComputeToken", suite.registry.payee(1)[0])


@pytest.fixture
def hour(backend, suite):
    """`hour(h, seconds=0)`: the unix time of hour `h` (plus `seconds`)."""

    def at(h, seconds=0):
        return suite.genesis + h * HOUR + seconds

    return at


@pytest.fixture
def now_hour(backend, suite):
    """The hour the next block falls in."""
    return (backend.pending_timestamp - suite.genesis) // HOUR


@pytest.fixture
def at(backend):
    """`at(timestamp)`: the next block lands at `timestamp`."""

    def travel(timestamp):
        backend.pending_timestamp = timestamp
        return timestamp

    return travel


@pytest.fixture
def next_day(now_hour):
    """The first hour of the day after the next block's (a day word of its own)."""
    return (now_hour // 24 + 1) * 24


@pytest.fixture
def report(backend, suite, attestors, relayer):
    """`report(epoch, uptime_bps, node_id=1)`: an accepted report signed by three attestors."""
    return report_submitter(backend, suite.oracle, attestors, relayer)


@pytest.fixture
def signer(suite, issuer):
    """A customer key that only signs, holding $10,000 of the stablecoin."""
    suite.stablecoin.mint(SIGNER.address, 10_000 * ONE_DOLLAR, sender=issuer)
    return SIGNER


@pytest.fixture
def signed(backend, rentals, stable, settlement):
    """`signed(key, node_id, units, start, hours, amount, salt=b"\\x07" * 32, version=VERSION)`: the
    key's ReceiveWithAuthorization of `amount` to Settlement with the booking's nonce (the client's
    `booking_authorization`, checked against the contract's `booking_nonce`); returns
    `book_with_authorization`'s arguments after `hours`."""
    domain = Domain.of(stable)

    def make(key, node_id, units, start, hours, amount, salt=b"\x07" * 32, version=VERSION):
        document = booking_authorization(
            domain,
            key.address,
            settlement.address,
            amount,
            node_id,
            units,
            start,
            hours,
            version,
            salt,
            0,
            backend.pending_timestamp + 3_600,
        )
        nonce = rentals.booking_nonce(node_id, units, start, hours, version, salt)
        assert document["message"]["nonce"] == nonce
        valid_before = document["message"]["validBefore"]
        return (version, amount, 0, valid_before, salt, *sign(key, document).vrs)

    return make


def booking_of(rentals, booking_id) -> dict:
    """`NodeRentals.booking(id)`, by name."""
    fields = (
        "customer",
        "node_id",
        "units",
        "price_per_unit_hour",
        "cancellation_fee_bps",
        "notice_hours",
        "start_hour",
        "end_hour",
        "released_until",
        "fee_due",
        "escrowed",
    )
    return dict(zip(fields, rentals.booking(booking_id), strict=True))


def split(amount: int, share_bps: int = SHARE_BPS, fee_bps: int = PROTOCOL_FEE_BPS) -> tuple[int, int, int]:
    """Settlement's split of a payment: (protocol fee, operator, holders)."""
    fee = amount * fee_bps // MAX_BPS
    operator = amount * share_bps // MAX_BPS
    return fee, operator, amount - fee - operator
