"""ComputeBasket's constructor: its composition, its roles and every refusal."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import EPOCH_LENGTH
from tests.unitary.basket.conftest import UNITS

ZERO = "0x" + "00" * 20


def test_the_basket_starts_with_its_composition_and_restricted(
    basket, node_tokens, stablecoin, identity, issuer, agent
):
    assert basket.component_count() == len(node_tokens) and basket.MAX_COMPONENTS() == 32
    assert [basket.components(i) for i in range(3)] == [t.address for t in node_tokens]
    assert [basket.units(i) for i in range(3)] == list(UNITS)
    assert (basket.name(), basket.symbol(), basket.decimals()) == ("ComputeRWA Basket", "CRB", 18)
    assert basket.totalSupply() == 0
    assert basket.STABLECOIN() == stablecoin.address and basket.EPOCH_LENGTH() == EPOCH_LENGTH
    assert basket.GENESIS() == node_tokens[0].GENESIS()
    assert basket.restricted() and not basket.paused()
    assert basket.identity_registry() == identity.address
    assert basket.owner() == issuer.address and basket.is_agent(agent)


def test_the_basket_has_no_minter_role(artifacts):
    names = {entry.get("name") for entry in artifacts["ComputeBasket"].abi}
    assert {"create", "redeem", "harvest"} <= names
    assert not {"mint", "burn", "set_minter", "is_minter"} & names


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"components": [], "units": []}, "compute_basket: no components"),
        ({"units": [1, 2]}, "compute_basket: units and components differ in length"),
        ({"units": [1, 0, 3]}, "compute_basket: zero units"),
        ({"admin": ZERO}, "compute_basket: admin is the zero address"),
        ({"identity_registry": ZERO}, "compute_token: registry is the zero address"),
        ({"agent": ZERO}, "compute_token: role for the zero address"),
    ],
)
def test_a_bad_composition_or_role_is_refused(deploy_basket, overrides, reason):
    with reverts(reason):
        deploy_basket(**overrides)


def test_a_component_listed_twice_is_refused(deploy_basket, node_tokens):
    with reverts("compute_basket: duplicate component"):
        deploy_basket(components=[node_tokens[0].address, node_tokens[1].address, node_tokens[0].address])


def test_a_component_on_another_stablecoin_is_refused(deploy_basket, backend, issuer):
    other = backend.deploy("MockStablecoin", "Other USD", "oUSD", sender=issuer)
    with reverts("compute_basket: component on another stablecoin"):
        deploy_basket(stablecoin=other)


@pytest.mark.parametrize("clock", ["genesis", "epoch_length"])
def test_a_component_on_another_clock_is_refused(deploy_basket, node_tokens, clock):
    shifted = {"genesis": node_tokens[0].GENESIS() - 1, "epoch_length": EPOCH_LENGTH + 1}
    with reverts("compute_basket: component on another clock"):
        deploy_basket(**{clock: shifted[clock]})
