"""NodeRegistry as deployed: its immutables, its owner, and the constructor's refusals."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import BOND_DELAY, BOND_WITHDRAWAL_WINDOW, EPOCH_LENGTH, GRACE_PERIOD, SLASH_BPS, with_defaults
from tests.unitary.registry.conftest import (
    FACTORY_NO_CODE,
    GRACE_OUT_OF_RANGE,
    MAX_BPS,
    NOT_CREATOR,
    ORACLE_NO_CODE,
    SLASH_SHARE_OUT_OF_RANGE,
    STABLECOIN_NO_CODE,
    WINDOW_OUT_OF_RANGE,
    ZERO,
)


@pytest.fixture
def deploy_registry(backend, issuer, suite_factory, stablecoin, suite_oracle):
    """Deploys a NodeRegistry with the suite's arguments, `overrides` replacing some."""

    def deploy(**overrides):
        args = {
            "factory": suite_factory,
            "stablecoin": stablecoin,
            "oracle": suite_oracle,
            "bond_delay": BOND_DELAY,
            "slash_bps": SLASH_BPS,
            "bond_withdrawal_window": BOND_WITHDRAWAL_WINDOW,
            "grace_period": GRACE_PERIOD,
        }
        return backend.deploy("NodeRegistry", *with_defaults("constructor", args, overrides), sender=issuer)

    return deploy


YEAR = 365 * 86_400
WEEK = 7 * 86_400
MAX_GRACE_PERIOD = 30 * 86_400


def test_registry_exposes_its_factory_stablecoin_oracle_delay_and_slash_share(
    registry, suite_factory, stablecoin, suite_oracle
):
    assert registry.FACTORY() == suite_factory.address
    assert registry.STABLECOIN() == stablecoin.address
    assert registry.ORACLE() == suite_oracle.address
    assert registry.BOND_DELAY() == BOND_DELAY
    assert registry.SLASH_BPS() == SLASH_BPS
    assert registry.BOND_WITHDRAWAL_WINDOW() == BOND_WITHDRAWAL_WINDOW
    assert registry.GRACE_PERIOD() == GRACE_PERIOD


def test_registry_keeps_the_oracles_clock(registry, suite_oracle, suite_genesis):
    assert (registry.GENESIS(), registry.EPOCH_LENGTH()) == (suite_genesis, EPOCH_LENGTH)
    assert (suite_oracle.GENESIS(), suite_oracle.EPOCH_LENGTH()) == (suite_genesis, EPOCH_LENGTH)
    assert registry.current_epoch() == suite_oracle.current_epoch()


def test_registry_starts_empty_and_owned_by_its_deployer(registry, issuer):
    assert registry.node_count() == 0
    assert registry.owner() == issuer.address
    assert registry.pending_owner() == ZERO


def test_every_constructor_argument_lands_in_its_immutable(deploy_registry, suite_oracle, stablecoin):
    registry = deploy_registry(bond_delay=0, slash_bps=1, bond_withdrawal_window=1, grace_period=1)
    assert (registry.BOND_DELAY(), registry.SLASH_BPS()) == (0, 1)
    assert (registry.BOND_WITHDRAWAL_WINDOW(), registry.GRACE_PERIOD()) == (1, 1)
    registry = deploy_registry(
        bond_delay=YEAR, slash_bps=MAX_BPS, bond_withdrawal_window=WEEK, grace_period=MAX_GRACE_PERIOD
    )
    assert (registry.BOND_DELAY(), registry.SLASH_BPS()) == (YEAR, MAX_BPS)
    assert (registry.BOND_WITHDRAWAL_WINDOW(), registry.GRACE_PERIOD()) == (WEEK, MAX_GRACE_PERIOD)
    assert registry.ORACLE() == suite_oracle.address
    assert registry.STABLECOIN() == stablecoin.address


@pytest.mark.parametrize("argument", ["factory", "stablecoin", "oracle"])
@pytest.mark.parametrize("codeless", ["zero", "account"])
def test_constructor_refuses_a_dependency_without_code(deploy_registry, attacker, argument, codeless):
    reason = {"factory": FACTORY_NO_CODE, "stablecoin": STABLECOIN_NO_CODE, "oracle": ORACLE_NO_CODE}[argument]
    with reverts(reason):
        deploy_registry(**{argument: ZERO if codeless == "zero" else attacker.address})


@pytest.mark.parametrize("bond_delay", [YEAR + 1, 2**256 - 1])
def test_constructor_refuses_a_bond_delay_above_a_year(deploy_registry, bond_delay):
    """An unbounded delay would overflow `now + delay` and lock every bond in for good."""
    with reverts("registry: bond delay above a year"):
        deploy_registry(bond_delay=bond_delay)


@pytest.mark.parametrize("slash_bps", [0, MAX_BPS + 1, 2**256 - 1])
def test_constructor_refuses_a_slash_share_outside_one_bps_to_everything(deploy_registry, slash_bps):
    with reverts(SLASH_SHARE_OUT_OF_RANGE):
        deploy_registry(slash_bps=slash_bps)


@pytest.mark.parametrize("window", [0, WEEK + 1, 2**256 - 1])
def test_constructor_refuses_a_withdrawal_window_outside_a_second_to_a_week(deploy_registry, window):
    """No window would make every request expire as it matures; a long one would let a
    matured request wait, armed, for the node to fail."""
    with reverts(WINDOW_OUT_OF_RANGE):
        deploy_registry(bond_withdrawal_window=window)


@pytest.mark.parametrize("grace", [0, MAX_GRACE_PERIOD + 1, 2**256 - 1])
def test_constructor_refuses_a_grace_period_outside_a_second_to_thirty_days(deploy_registry, grace):
    """No grace would make every epoch missed the second it ends, before any report can land."""
    with reverts(GRACE_OUT_OF_RANGE):
        deploy_registry(grace_period=grace)


def test_a_registry_that_is_not_a_factory_creator_cannot_register(
    deploy_registry, suite_factory, issuer, operator, node_args
):
    registry = deploy_registry()
    with reverts(NOT_CREATOR):
        registry.register_node(*node_args(), sender=operator)
    assert registry.node_count() == 0
    suite_factory.set_creator(registry, True, sender=issuer)
    assert registry.register_node(*node_args(), sender=operator).return_value == 1


def test_a_registry_revoked_as_creator_stops_registering(registry, suite_factory, issuer, operator, register):
    register()
    suite_factory.set_creator(registry, False, sender=issuer)
    with reverts(NOT_CREATOR):
        register()
    assert registry.node_count() == 1
