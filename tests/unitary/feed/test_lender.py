"""MockLender (test only): a lending market that values a node token from its RevenueFeed.
The value of some shares is their average revenue per epoch over the last LOOKBACK rounds,
times VALUE_EPOCHS, times the share of those epochs that met the SLA; a borrower borrows up to
LTV of it, and anyone liquidates a debt above LIQUIDATION of it once the feed falls.

The lender here: 4 rounds, 30 epochs of revenue, 50% to borrow, liquidation above 60%. After
`history` (4 epochs of $1 per share, each reported at the SLA) 1,000 shares are worth $30,000.
"""

from fractions import Fraction

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import FOREVER, ONE_DOLLAR
from tests.unitary.feed.conftest import REVENUE, SHARE, SHARES, SLA_BPS

LOOKBACK = 4
VALUE_EPOCHS = 30
LTV_BPS = 5_000
LIQUIDATION_BPS = 6_000
BPS = 10_000
LIQUIDITY = 100_000 * ONE_DOLLAR
ABOVE_LIMIT = "lender: debt above the borrow limit"
MORE_THAN_PLEDGED = "lender: more shares than pledged"
MORE_THAN_DEBT = "lender: more than the debt"


def value_of(shares: int, revenue: int, met: int) -> int:
    """What `shares` are worth, in stablecoin base units, from `trailing(LOOKBACK)`'s revenue
    (dollars per whole share summed, 18 decimals) and met epochs; exact for these tests."""
    per_epoch = Fraction(revenue, 10**18) / LOOKBACK  # dollars per share per epoch
    worth = Fraction(shares, SHARE) * per_epoch * VALUE_EPOCHS * Fraction(met, LOOKBACK) * ONE_DOLLAR
    assert worth.denominator == 1
    return int(worth)


@pytest.fixture
def make_lender(backend, stable, feed, issuer):
    def deploy(
        lookback=LOOKBACK, value_epochs=VALUE_EPOCHS, ltv_bps=LTV_BPS, liquidation_bps=LIQUIDATION_BPS, decimals=6
    ):
        return backend.deploy(
            "MockLender", stable, decimals, feed, lookback, value_epochs, ltv_bps, liquidation_bps, sender=issuer
        )

    return deploy


@pytest.fixture
def lender(make_lender, suite, stable, node_token, issuer, investor):
    """The lender, verified to hold node tokens, with LIQUIDITY to lend; the investor has
    approved it its shares and its stablecoin."""
    lender = make_lender()
    suite.identity.set_verified(lender, FOREVER, sender=issuer)
    stable.mint(lender, LIQUIDITY, sender=issuer)
    node_token.approve(lender, 2**256 - 1, sender=investor)
    stable.approve(lender, 2**256 - 1, sender=investor)
    return lender


@pytest.fixture
def history(feed, run_epoch, issued, first_epoch):
    """Four epochs of $1,000 over the investor's 1,000 shares, each reported at the SLA; the
    next epoch has just begun. Returns its number."""
    for _ in range(LOOKBACK):
        run_epoch(REVENUE, SLA_BPS)
    assert feed.trailing(LOOKBACK) == (4 * 10**18, 4, 4)
    return first_epoch + LOOKBACK


LIMIT = 15_000 * ONE_DOLLAR  # 50% of 1,000 shares at $30,000


@pytest.fixture
def pledged(lender, investor, history):
    lender.deposit(SHARES, sender=investor)
    return SHARES


# --- the constructor ----------------------------------------------------------------------------
@pytest.mark.parametrize(("ltv_bps", "liquidation_bps"), [(6_001, 6_000), (5_000, 10_001)])
def test_thresholds_out_of_order_are_refused(make_lender, ltv_bps, liquidation_bps):
    with reverts("lender: thresholds out of order"):
        make_lender(ltv_bps=ltv_bps, liquidation_bps=liquidation_bps)


@pytest.mark.parametrize(("lookback", "value_epochs"), [(0, VALUE_EPOCHS), (LOOKBACK, 0)])
def test_a_zero_lookback_or_value_is_refused(make_lender, lookback, value_epochs):
    with reverts("lender: lookback or value epochs is zero"):
        make_lender(lookback=lookback, value_epochs=value_epochs)


def test_the_lender_reads_the_feeds_token(make_lender, feed, node_token, stable):
    lender = make_lender(ltv_bps=BPS, liquidation_bps=BPS)
    assert lender.TOKEN() == node_token.address
    assert (lender.FEED(), lender.STABLECOIN(), lender.STABLECOIN_UNIT()) == (feed.address, stable.address, 10**6)


# --- value, deposit, borrow, withdraw, repay ----------------------------------------------------
def test_the_collateral_is_valued_from_the_trailing_rounds(lender, history):
    assert lender.value(SHARES) == value_of(SHARES, 4 * 10**18, 4) == 30_000 * ONE_DOLLAR
    assert lender.value(SHARES // 4) == 7_500 * ONE_DOLLAR
    assert lender.value(0) == 0


def test_deposit_pledges_shares(lender, node_token, investor, history):
    receipt = lender.deposit(SHARES, sender=investor)
    assert receipt.filter("Deposited")[0].args == {"borrower": investor.address, "shares": SHARES}
    assert lender.collateral(investor) == SHARES
    assert node_token.balanceOf(lender) == SHARES
    assert node_token.balanceOf(investor) == 0


def test_borrow_up_to_the_limit_and_not_a_unit_more(lender, stable, investor, pledged):
    assert value_of(SHARES, 4 * 10**18, 4) * LTV_BPS // BPS == LIMIT
    with reverts(ABOVE_LIMIT):
        lender.borrow(LIMIT + 1, sender=investor)
    lender.borrow(LIMIT - 1, sender=investor)
    receipt = lender.borrow(1, sender=investor)
    assert receipt.filter("Borrowed")[0].args == {"borrower": investor.address, "amount": 1}
    assert lender.debt(investor) == LIMIT
    assert stable.balanceOf(investor) == LIMIT
    assert stable.balanceOf(lender) == LIQUIDITY - LIMIT
    with reverts(ABOVE_LIMIT):
        lender.borrow(1, sender=investor)


def test_a_withdrawal_that_would_break_the_limit_is_refused(lender, node_token, investor, pledged):
    lender.borrow(LIMIT, sender=investor)
    with reverts(ABOVE_LIMIT):
        lender.withdraw(1, sender=investor)
    lender.repay(LIMIT // 2, sender=investor)
    # half the debt: half the shares may go, not one more
    with reverts(ABOVE_LIMIT):
        lender.withdraw(SHARES // 2 + 1, sender=investor)
    receipt = lender.withdraw(SHARES // 2, sender=investor)
    assert receipt.filter("Withdrawn")[0].args == {"borrower": investor.address, "shares": SHARES // 2}
    assert lender.collateral(investor) == SHARES // 2
    assert node_token.balanceOf(investor) == SHARES // 2


def test_repay_lowers_the_debt_and_pays_the_lender(lender, stable, investor, pledged):
    lender.borrow(LIMIT, sender=investor)
    receipt = lender.repay(1_000 * ONE_DOLLAR, sender=investor)
    assert receipt.filter("Repaid")[0].args == {"borrower": investor.address, "amount": 1_000 * ONE_DOLLAR}
    assert lender.debt(investor) == LIMIT - 1_000 * ONE_DOLLAR
    assert stable.balanceOf(lender) == LIQUIDITY - LIMIT + 1_000 * ONE_DOLLAR
    with reverts(MORE_THAN_DEBT):
        lender.repay(LIMIT - 1_000 * ONE_DOLLAR + 1, sender=investor)
    lender.repay(LIMIT - 1_000 * ONE_DOLLAR, sender=investor)
    assert lender.debt(investor) == 0
    with reverts(MORE_THAN_PLEDGED):
        lender.withdraw(SHARES + 1, sender=investor)
    lender.withdraw(SHARES, sender=investor)
    assert lender.collateral(investor) == 0


def test_a_healthy_position_cannot_be_liquidated(lender, investor, liquidator, pledged):
    lender.borrow(LIMIT, sender=investor)
    with reverts("lender: position is healthy"):
        lender.liquidate(investor, sender=liquidator)


# --- the story ----------------------------------------------------------------------------------
def test_a_node_that_stops_earning_and_misses_its_sla_is_liquidated(
    lender, feed, stable, node_token, issuer, investor, liquidator, run_epoch, history
):
    """Four good epochs: the investor borrows 50% of $30,000. Then the node earns nothing for
    an epoch and its uptime falls below the SLA: the trailing rounds hold $3 a share, 3 epochs
    of 4 met, the collateral is worth $16,875 and 60% of that is below the $15,000 debt. A
    verified liquidator repays the debt and takes the shares."""
    lender.deposit(SHARES, sender=investor)
    lender.borrow(LIMIT, sender=investor)
    with reverts("lender: position is healthy"):
        lender.liquidate(investor, sender=liquidator)

    run_epoch(0, SLA_BPS - 900)  # no revenue, 90.00% uptime
    revenue, met, judged = feed.trailing(LOOKBACK)
    assert (revenue, met, judged) == (3 * 10**18, 3, 4)
    value = value_of(SHARES, revenue, met)
    assert value == lender.value(SHARES) == 16_875 * ONE_DOLLAR
    assert value * LIQUIDATION_BPS // BPS < LIMIT
    with reverts(ABOVE_LIMIT):
        lender.withdraw(1, sender=investor)

    stable.mint(liquidator, LIMIT, sender=issuer)
    stable.approve(lender, LIMIT, sender=liquidator)
    receipt = lender.liquidate(investor, sender=liquidator)
    assert receipt.filter("Liquidated")[0].args == {
        "borrower": investor.address,
        "liquidator": liquidator.address,
        "debt": LIMIT,
        "shares": SHARES,
    }
    assert (lender.debt(investor), lender.collateral(investor)) == (0, 0)
    assert node_token.balanceOf(liquidator) == SHARES
    assert node_token.balanceOf(lender) == 0
    assert stable.balanceOf(liquidator) == 0
    assert stable.balanceOf(lender) == LIQUIDITY
    assert stable.balanceOf(investor) == LIMIT  # the borrower keeps the loan, loses the shares
