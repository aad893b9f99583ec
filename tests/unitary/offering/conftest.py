"""What the NodeOffering unit tests share on top of tests/conftest.py.

A deployment of their own (its stablecoin, identity registry, factory, 3-of-5 oracle and
NodeRegistry; GENESIS PAST_EPOCHS epochs back), so nothing they verify or register shows in
other suites. Node 1 is the operator's, with an SLA of 99.00%; `offering` (the contract) is a
minter of its token. The investor and the holder are verified and hold $1,000,000 each,
approved to the offering; the attacker is neither. `open_offering` is an offering of 1,000
shares at $2 a share, minimum $500, open for one epoch from now, 20% released at the close,
burn-in 3 epochs, with a deadline 2 epochs after the earliest possible, and exits open for 2
epochs after it.
"""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak

from computerwa.evm.suite import deploy_suite
from tests.conftest import (
    ATTESTOR_THRESHOLD,
    EPOCH_LENGTH,
    FOREVER,
    NODE_REGION,
    ONE_DOLLAR,
    PAST_EPOCHS,
    report_submitter,
    with_defaults,
)

SHARE = 10**18
MAX_BPS = 10_000
FUNDS = 1_000_000 * ONE_DOLLAR
SLA_BPS = 9_900
PENDING, OPEN, SUCCEEDED, FAILED = 1, 2, 3, 4
ZERO = "0x" + "00" * 20

# the default offering
SHARES = 1_000 * SHARE
PRICE = 2 * ONE_DOLLAR
MIN_RAISE = 500 * ONE_DOLLAR
RELEASE_BPS = 2_000
BURN_IN = 3
EXIT_WINDOW = 2 * EPOCH_LENGTH


def cost(shares: int, price: int = PRICE) -> int:
    """ceil(shares * price / 10**18), as the contract prices a purchase."""
    return -(-shares * price // SHARE)


def make_deployment(backend, issuer, operator, attestors, stablecoin=None):
    """A suite (own identity registry) up to the NodeRegistry, node 1 registered by the
    operator, and a NodeOffering that is a minter of node 1's token."""
    suite = deploy_suite(
        backend,
        issuer,
        stablecoin=stablecoin,
        genesis=backend.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH,
        epoch_length=EPOCH_LENGTH,
        attestors=attestors,
        threshold=ATTESTOR_THRESHOLD,
        operators=[operator],
        upto="registry",
    )
    receipt = suite.registry.register_node(
        NODE_REGION, "H100-SXM", 8, 25_000, 3_000, SLA_BPS, "ipfs://offering-node", sender=operator
    )
    token = backend.at("ComputeToken", suite.registry.node(receipt.return_value)[1])
    offering = backend.deploy("NodeOffering", suite.stablecoin, suite.registry, suite.oracle, sender=issuer)
    token.set_minter(offering, True, sender=issuer)
    return suite, token, offering


@pytest.fixture(scope="session")
def attestors():
    keys = (Account.from_key(keccak(b"ComputeRWA offering attestor %d" % i)) for i in range(5))
    return sorted(keys, key=lambda key: int(key.address, 16))


@pytest.fixture(scope="session")
def deployment(backend, issuer, operator, investor, holder, attacker, attestors):
    suite, token, offering = make_deployment(backend, issuer, operator, attestors)
    for account in (investor, holder):
        suite.identity.set_verified(account, FOREVER, sender=issuer)
        suite.stablecoin.mint(account, FUNDS, sender=issuer)
        suite.stablecoin.approve(offering, 2**256 - 1, sender=account)
    suite.stablecoin.mint(attacker, FUNDS, sender=issuer)  # not verified
    suite.stablecoin.approve(offering, 2**256 - 1, sender=attacker)
    return suite, token, offering


@pytest.fixture(scope="session")
def suite(deployment):
    return deployment[0]


@pytest.fixture(scope="session")
def stable(deployment):
    """The deployment's own MockStablecoin."""
    return deployment[0].stablecoin


@pytest.fixture(scope="session")
def node_token(deployment):
    return deployment[1]


@pytest.fixture(scope="session")
def offering(deployment):
    return deployment[2]


@pytest.fixture(scope="session")
def genesis(suite):
    return suite.genesis


@pytest.fixture
def at(backend):
    """`at(timestamp)`: the next block lands at `timestamp`."""

    def travel(timestamp):
        backend.pending_timestamp = timestamp
        return timestamp

    return travel


@pytest.fixture
def mine_at(backend, stable, issuer):
    """`mine_at(timestamp)`: mines a block at `timestamp`, so views read then."""

    def mine(timestamp):
        backend.pending_timestamp = timestamp
        stable.approve(issuer, 0, sender=issuer)

    return mine


def epoch_start(genesis: int, epoch: int) -> int:
    return genesis + epoch * EPOCH_LENGTH


@pytest.fixture
def terms(backend, genesis):
    """`terms(**overrides)`: create_offering's arguments, in order: the default offering,
    starting at the next block and open for one epoch."""

    def make(**overrides):
        start = backend.pending_timestamp
        end = start + EPOCH_LENGTH
        first = -(-(end - genesis) // EPOCH_LENGTH)
        values = {
            "node_id": 1,
            "shares_for_sale": SHARES,
            "price": PRICE,
            "min_raise": MIN_RAISE,
            "start": start,
            "end": end,
            "release_bps": RELEASE_BPS,
            "burn_in_epochs": BURN_IN,
            "burn_in_deadline": epoch_start(genesis, first + BURN_IN + 2),
            "exit_window": EXIT_WINDOW,
        }
        return with_defaults("create_offering", values, overrides)

    return make


@pytest.fixture
def create(offering, terms, issuer):
    """`create(**overrides)`: creates an offering; returns its id."""

    def make(**overrides):
        offering.create_offering(*terms(**overrides), sender=issuer)
        return offering.offering_count()

    return make


@pytest.fixture
def open_offering(create):
    """The default offering, open (its start is the next block)."""
    return create()


class Terms:
    """`NodeOffering.terms(id)`, by name."""

    FIELDS = (
        "node_id",
        "token",
        "operator",
        "shares_for_sale",
        "price",
        "min_raise",
        "start",
        "end",
        "release_bps",
        "burn_in_epochs",
        "burn_in_deadline",
        "exit_window",
        "first_epoch",
        "sla_uptime_bps",
    )

    def __init__(self, values):
        self.__dict__.update(zip(self.FIELDS, values, strict=True))


def terms_of(offering, offering_id) -> Terms:
    return Terms(offering.terms(offering_id))


TOTALS = ("sold", "raised", "withdrawn", "exit_paid", "exited", "burn_in_confirmed", "swept")


def totals_of(offering, offering_id) -> dict:
    return dict(zip(TOTALS, offering.totals(offering_id), strict=True))


def purchase_of(offering, offering_id, buyer) -> dict:
    return dict(zip(("shares", "claimed", "paid"), offering.purchase(offering_id, buyer), strict=True))


@pytest.fixture
def report(backend, suite, attestors, relayer):
    """`report(epoch, uptime_bps, node_id=1)`: an accepted report signed by three attestors."""
    return report_submitter(backend, suite.oracle, attestors, relayer)


@pytest.fixture
def succeeded(backend, offering, open_offering, investor, holder, mine_at):
    """The default offering, ended (a block mined at its end): the investor bought 300
    shares, the holder 200 ($1,000 raised, above the $500 minimum)."""
    offering.buy(open_offering, 300 * SHARE, sender=investor)
    offering.buy(open_offering, 200 * SHARE, sender=holder)
    mine_at(terms_of(offering, open_offering).end)
    return open_offering


@pytest.fixture
def failed(backend, offering, open_offering, investor, holder, mine_at):
    """The default offering, ended (a block mined at its end): the investor bought 100
    shares, the holder 50 ($300 raised, below the $500 minimum)."""
    offering.buy(open_offering, 100 * SHARE, sender=investor)
    offering.buy(open_offering, 50 * SHARE, sender=holder)
    mine_at(terms_of(offering, open_offering).end)
    return open_offering


@pytest.fixture
def odd_deployment(backend, issuer, operator, investor, attestors, at):
    """`odd_deployment(stablecoin)`: the offering's own deployment over `stablecoin`, the
    investor verified, holding $1,000 of it, approved; returns (stablecoin, offering, id)."""

    def make(stablecoin):
        suite, _, offering = make_deployment(backend, issuer, operator, attestors, stablecoin=stablecoin)
        suite.identity.set_verified(investor, FOREVER, sender=issuer)
        stablecoin.mint(investor, 1_000 * 10**6, sender=issuer)
        stablecoin.approve(offering, 2**256 - 1, sender=investor)
        start = backend.pending_timestamp
        end = start + EPOCH_LENGTH
        first = -(-(end - suite.genesis) // EPOCH_LENGTH)
        offering.create_offering(
            1,
            SHARES,
            2 * 10**6,
            0,
            start,
            end,
            0,
            1,
            suite.genesis + (first + 2) * EPOCH_LENGTH,
            EPOCH_LENGTH,
            sender=issuer,
        )
        return stablecoin, offering, 1

    return make
