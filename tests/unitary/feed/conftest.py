"""What the RevenueFeed, RevenueFeedFactory and MockLender unit tests share on top of
tests/conftest.py.

A deployment of their own (its stablecoin, identity registry, factory, 3-of-5 oracle and
NodeRegistry with a 6-hour grace period; GENESIS PAST_EPOCHS epochs back): node 1 is the
operator's, with an SLA of 99.00%, and `feed` is a RevenueFeed over its token deployed
directly. The investor, the holder and the liquidator are verified; the token has no supply
until `issued` mints the investor SHARES. The customer holds FUNDS, approved to the token,
and pays revenue with `pay`. `per_share` is the answer a round must give, computed with
fractions from the amount paid and the supply.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from eth_account import Account
from eth_utils import keccak

from computerwa.evm.suite import deploy_suite
from tests.conftest import (
    ATTESTOR_THRESHOLD,
    EPOCH_LENGTH,
    FOREVER,
    GRACE_PERIOD,
    NODE_REGION,
    ONE_DOLLAR,
    PAST_EPOCHS,
    report_submitter,
)

SHARE = 10**18
SHARES = 1_000 * SHARE
REVENUE = 1_000 * ONE_DOLLAR  # $1 per share of SHARES
FUNDS = 1_000_000 * ONE_DOLLAR
SLA_BPS = 9_900
ZERO = "0x" + "00" * 20


def per_share(amount: int, supply: int, stablecoin_decimals: int = 6) -> int:
    """A round's answer: whole stablecoin units per whole share, with 18 decimals, rounded
    down; 0 when nobody held a share."""
    if supply == 0:
        return 0
    exact = Fraction(amount, 10**stablecoin_decimals) / Fraction(supply, SHARE)
    return math.floor(exact * 10**18)


def register_node(suite, operator, sla_bps: int = SLA_BPS) -> tuple[int, str]:
    """Registers a node of the operator's; returns its id and its token's address."""
    receipt = suite.registry.register_node(
        NODE_REGION, "H100-SXM", 8, 25_000, 3_000, sla_bps, "ipfs://feed-node", sender=operator
    )
    node_id = receipt.return_value
    return node_id, suite.registry.node(node_id)[1]


def make_deployment(backend, issuer, operator, attestors, genesis=None, stablecoin=None):
    """A suite (own identity registry) up to the NodeRegistry, and node 1's token."""
    suite = deploy_suite(
        backend,
        issuer,
        stablecoin=stablecoin,
        genesis=backend.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH if genesis is None else genesis,
        epoch_length=EPOCH_LENGTH,
        attestors=attestors,
        threshold=ATTESTOR_THRESHOLD,
        grace_period=GRACE_PERIOD,
        operators=[operator],
        upto="registry",
    )
    _, token = register_node(suite, operator)
    return suite, backend.at("ComputeToken", token)


@pytest.fixture(scope="session")
def attestors():
    keys = (Account.from_key(keccak(b"ComputeRWA feed attestor %d" % i)) for i in range(5))
    return sorted(keys, key=lambda key: int(key.address, 16))


@pytest.fixture(scope="session")
def deployment(backend, issuer, operator, investor, holder, liquidator, customer, attestors):
    suite, token = make_deployment(backend, issuer, operator, attestors)
    for account in (investor, holder, liquidator):
        suite.identity.set_verified(account, FOREVER, sender=issuer)
    suite.stablecoin.mint(customer, FUNDS, sender=issuer)
    suite.stablecoin.approve(token, 2**256 - 1, sender=customer)
    feed = backend.deploy("RevenueFeed", token, suite.registry, suite.oracle, sender=issuer)
    return suite, token, feed


@pytest.fixture(scope="session")
def suite(deployment):
    return deployment[0]


@pytest.fixture(scope="session")
def stable(deployment):
    """The deployment's own MockStablecoin (6 decimals)."""
    return deployment[0].stablecoin


@pytest.fixture(scope="session")
def node_token(deployment):
    return deployment[1]


@pytest.fixture(scope="session")
def feed(deployment):
    """A RevenueFeed over node 1's token, deployed directly."""
    return deployment[2]


@pytest.fixture(scope="session")
def genesis(suite):
    return suite.genesis


@pytest.fixture
def issued(node_token, issuer, investor):
    """The investor holds SHARES, the whole supply (the issuer is the token's minter)."""
    node_token.mint(investor, SHARES, sender=issuer)
    return SHARES


@pytest.fixture
def clock(backend, genesis, stable, issuer):
    return Clock(backend, genesis, stable, issuer)


class Clock:
    """The deployment's epochs, and moving to an exact moment."""

    def __init__(self, backend, genesis, stable, idler):
        self.backend, self.genesis, self.stable, self.idler = backend, genesis, stable, idler

    def start(self, epoch: int) -> int:
        return self.genesis + epoch * EPOCH_LENGTH

    @property
    def epoch(self) -> int:
        """The epoch of the next block."""
        return (self.backend.pending_timestamp - self.genesis) // EPOCH_LENGTH

    def to(self, timestamp: int) -> None:
        """The next transaction lands at `timestamp`."""
        self.backend.pending_timestamp = timestamp

    def at(self, timestamp: int) -> None:
        """Mines a block at `timestamp`, so that views read that moment."""
        self.to(timestamp)
        self.stable.approve(self.idler, 0, sender=self.idler)


@pytest.fixture
def pay(node_token, customer):
    """`pay(amount)`: the customer deposits `amount` of revenue into node 1's token."""

    def deposit(amount: int = REVENUE):
        return node_token.deposit_revenue(amount, sender=customer)

    return deposit


@pytest.fixture
def report(backend, suite, attestors, relayer):
    """`report(epoch, uptime_bps, node_id=1)`: an accepted report signed by three attestors."""
    return report_submitter(backend, suite.oracle, attestors, relayer)


@pytest.fixture
def run_epoch(clock, pay, report):
    """`run_epoch(revenue, uptime_bps)`: the rest of the current epoch, from its start: `revenue`
    paid into the token (nothing when 0), then the next epoch starts and the ended one is
    reported at `uptime_bps` (no report when None). Returns the ended epoch."""

    def run(revenue: int = REVENUE, uptime_bps: int | None = SLA_BPS) -> int:
        epoch = clock.epoch
        if revenue:
            pay(revenue)
        clock.at(clock.start(epoch + 1))
        if uptime_bps is not None:
            report(epoch, uptime_bps)
        return epoch

    return run


@pytest.fixture
def first_epoch(clock):
    """The next epoch: the next block is its first second."""
    epoch = clock.epoch + 1
    clock.to(clock.start(epoch))
    return epoch
