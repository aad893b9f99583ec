"""Settlement's constructor: what it refuses and the state it starts from."""

import pytest

from computerwa.evm.chain import reverts
from computerwa.models.settlement import MAX_FEE_BPS
from tests.conftest import FEE_BPS, FEE_DELAY, PAUSE_LIMIT, WITHDRAWAL_DELAY, WITHDRAWAL_WINDOW

ZERO = "0x" + "00" * 20
THIRTY_DAYS = 30 * 86_400
TWO_YEARS = 2 * 365 * 86_400


def deploy(backend, issuer, *args, window=WITHDRAWAL_WINDOW, pause_limit=PAUSE_LIMIT, fee_delay=None):
    """Settlement from its first five arguments, with the suite's withdrawal window and
    pause limit unless given, and the least fee delay (withdrawal delay + window) unless given."""
    if fee_delay is None:
        fee_delay = args[-1] + window
    blueprint = backend.deploy_blueprint("NodeRentals", sender=issuer)
    return backend.deploy("Settlement", *args, window, pause_limit, fee_delay, blueprint, sender=issuer)


def test_deployed_settlement_starts_open_with_its_configuration(settlement, stablecoin, registry, issuer, treasury):
    assert settlement.owner() == issuer.address
    assert settlement.pending_owner() == ZERO
    assert settlement.STABLECOIN() == stablecoin.address
    assert settlement.REGISTRY() == registry.address
    assert settlement.WITHDRAWAL_DELAY() == WITHDRAWAL_DELAY
    assert settlement.WITHDRAWAL_WINDOW() == WITHDRAWAL_WINDOW
    assert settlement.PAUSE_LIMIT() == PAUSE_LIMIT
    assert settlement.FEE_DELAY() == FEE_DELAY
    assert settlement.pending_fee() == (0, 0)
    assert settlement.treasury() == treasury.address
    assert settlement.fee_bps() == FEE_BPS
    assert settlement.guardian() == ZERO
    assert not settlement.paused()
    assert settlement.paused_until() == 0
    assert settlement.earnings(treasury) == 0


def test_stablecoin_without_code_is_refused(backend, registry, issuer, treasury, customer):
    with reverts("settlement: stablecoin has no code"):
        deploy(backend, issuer, customer.address, registry, treasury, FEE_BPS, WITHDRAWAL_DELAY)


def test_registry_without_code_is_refused(backend, stablecoin, issuer, treasury, customer):
    with reverts("settlement: registry has no code"):
        deploy(backend, issuer, stablecoin, customer.address, treasury, FEE_BPS, WITHDRAWAL_DELAY)


def test_zero_treasury_is_refused(backend, stablecoin, registry, issuer):
    with reverts("settlement: treasury is the zero address"):
        deploy(backend, issuer, stablecoin, registry, ZERO, FEE_BPS, WITHDRAWAL_DELAY)


@pytest.mark.parametrize("fee_bps", [MAX_FEE_BPS + 1, 65_536, 2**256 - 1])
def test_fee_above_the_cap_is_refused(backend, stablecoin, registry, issuer, treasury, fee_bps):
    with reverts("settlement: fee above the cap"):
        deploy(backend, issuer, stablecoin, registry, treasury, fee_bps, WITHDRAWAL_DELAY)


@pytest.mark.parametrize("fee_bps", [0, MAX_FEE_BPS])
def test_fee_at_the_bounds_is_accepted(backend, stablecoin, registry, issuer, treasury, fee_bps):
    assert deploy(backend, issuer, stablecoin, registry, treasury, fee_bps, 0).fee_bps() == fee_bps


def test_zero_withdrawal_delay_pays_a_request_at_once(backend, stablecoin, registry, issuer, treasury, customer):
    settlement = deploy(backend, issuer, stablecoin, registry, treasury, FEE_BPS, 0)
    stablecoin.approve(settlement, 5, sender=customer)
    settlement.deposit(5, sender=customer)
    settlement.request_withdrawal(5, sender=customer)
    assert settlement.withdraw(customer, sender=customer).return_value == 5


def test_the_deployer_owns_it(backend, stablecoin, registry, treasury, operator):
    assert deploy(backend, operator, stablecoin, registry, treasury, FEE_BPS, 0).owner() == operator.address


def test_withdrawal_delay_of_a_year_is_accepted_and_a_second_more_refused(
    backend, stablecoin, registry, issuer, treasury
):
    year = 365 * 86_400
    assert deploy(backend, issuer, stablecoin, registry, treasury, FEE_BPS, year).WITHDRAWAL_DELAY() == year
    with reverts("settlement: withdrawal delay above a year"):
        deploy(backend, issuer, stablecoin, registry, treasury, FEE_BPS, year + 1)


@pytest.mark.parametrize("window", [1, THIRTY_DAYS])
def test_withdrawal_window_from_a_second_to_thirty_days_is_accepted(
    backend, stablecoin, registry, issuer, treasury, window
):
    settlement = deploy(backend, issuer, stablecoin, registry, treasury, FEE_BPS, 0, window=window)
    assert settlement.WITHDRAWAL_WINDOW() == window


@pytest.mark.parametrize("window", [0, THIRTY_DAYS + 1, 2**256 - 1])
def test_withdrawal_window_of_nothing_or_above_thirty_days_is_refused(
    backend, stablecoin, registry, issuer, treasury, window
):
    with reverts("settlement: withdrawal window not within 1 s to 30 days"):
        deploy(backend, issuer, stablecoin, registry, treasury, FEE_BPS, 0, window=window)


@pytest.mark.parametrize("pause_limit", [1, THIRTY_DAYS])
def test_pause_limit_from_a_second_to_thirty_days_is_accepted(
    backend, stablecoin, registry, issuer, treasury, pause_limit
):
    settlement = deploy(backend, issuer, stablecoin, registry, treasury, FEE_BPS, 0, pause_limit=pause_limit)
    assert settlement.PAUSE_LIMIT() == pause_limit


@pytest.mark.parametrize("pause_limit", [0, THIRTY_DAYS + 1, 2**256 - 1])
def test_pause_limit_of_nothing_or_above_thirty_days_is_refused(
    backend, stablecoin, registry, issuer, treasury, pause_limit
):
    with reverts("settlement: pause limit not within 1 s to 30 days"):
        deploy(backend, issuer, stablecoin, registry, treasury, FEE_BPS, 0, pause_limit=pause_limit)


def test_fee_delay_from_the_withdrawal_delay_and_window_to_two_years_is_accepted(
    backend, stablecoin, registry, issuer, treasury
):
    least = WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW
    for fee_delay in (least, TWO_YEARS):
        settlement = deploy(
            backend, issuer, stablecoin, registry, treasury, FEE_BPS, WITHDRAWAL_DELAY, fee_delay=fee_delay
        )
        assert settlement.FEE_DELAY() == fee_delay


def test_fee_delay_shorter_than_a_payer_needs_to_leave_is_refused(backend, stablecoin, registry, issuer, treasury):
    with reverts("settlement: fee delay shorter than the withdrawal delay and window"):
        deploy(
            backend,
            issuer,
            stablecoin,
            registry,
            treasury,
            FEE_BPS,
            WITHDRAWAL_DELAY,
            fee_delay=WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW - 1,
        )


@pytest.mark.parametrize("fee_delay", [TWO_YEARS + 1, 2**200])
def test_fee_delay_above_two_years_is_refused(backend, stablecoin, registry, issuer, treasury, fee_delay):
    with reverts("settlement: fee delay above two years"):
        deploy(backend, issuer, stablecoin, registry, treasury, FEE_BPS, 0, fee_delay=fee_delay)
