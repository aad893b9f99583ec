"""NodeRegistry as deployed: its immutables, its owner, and the constructor's refusals."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import BOND_DELAY, SLASH_BPS
from tests.unitary.registry.conftest import (
    FACTORY_NO_CODE,
    MAX_BPS,
    NOT_CREATOR,
    ORACLE_NO_CODE,
    SLASH_SHARE_OUT_OF_RANGE,
    STABLECOIN_NO_CODE,
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
        }
        unknown = set(overrides) - set(args)
        assert not unknown, f"no constructor argument {unknown}"
        args.update(overrides)
        return backend.deploy("NodeRegistry", *args.values(), sender=issuer)

    return deploy


YEAR = 365 * 86_400


def test_registry_exposes_its_factory_stablecoin_oracle_delay_and_slash_share(
    registry, suite_factory, stablecoin, suite_oracle
):
    assert registry.FACTORY() == suite_factory.address
    assert registry.STABLECOIN() == stablecoin.address
    assert registry.ORACLE() == suite_oracle.address
    assert registry.BOND_DELAY() == BOND_DELAY
    assert registry.SLASH_BPS() == SLASH_BPS


def test_registry_starts_empty_and_owned_by_its_deployer(registry, issuer):
    assert registry.node_count() == 0
    assert registry.owner() == issuer.address
    assert registry.pending_owner() == ZERO


def test_every_constructor_argument_lands_in_its_immutable(deploy_registry, suite_oracle, stablecoin):
    registry = deploy_registry(bond_delay=0, slash_bps=1)
    assert (registry.BOND_DELAY(), registry.SLASH_BPS()) == (0, 1)
    registry = deploy_registry(bond_delay=YEAR, slash_bps=MAX_BPS)
    assert (registry.BOND_DELAY(), registry.SLASH_BPS()) == (YEAR, MAX_BPS)
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
