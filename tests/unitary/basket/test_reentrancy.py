"""A hostile component (the constructor accepts any contract reporting the basket's stablecoin and
clock) cannot call back into the basket while `create`, `redeem` or `harvest` runs: one lock covers them."""

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from tests.conftest import EPOCH_LENGTH
from tests.unitary.basket.conftest import SHARE


def call(signature: str, *args) -> bytes:
    types = signature[signature.index("(") + 1 : -1].split(",") if args else []
    return keccak(text=signature)[:4] + abi_encode(types, list(args))


@pytest.fixture
def hostile(backend, stablecoin, node_tokens, issuer):
    return backend.deploy("MockReentrantComponent", stablecoin, node_tokens[0].GENESIS(), EPOCH_LENGTH, sender=issuer)


@pytest.fixture
def hostile_basket(deploy_basket, identity, issuer, node_tokens, hostile):
    from tests.conftest import FOREVER

    basket = deploy_basket(components=[node_tokens[0].address, hostile.address], units=[1, 1])
    identity.set_verified(basket, FOREVER, sender=issuer)
    return basket


@pytest.mark.parametrize("outer", ["create", "redeem", "harvest"])
@pytest.mark.parametrize("inner", ["create(uint256)", "redeem(uint256)", "harvest()"])
def test_a_component_cannot_reenter_the_basket(hostile_basket, hostile, node_tokens, minter, investor, outer, inner):
    basket = hostile_basket
    node_tokens[0].mint(investor, 10 * SHARE, sender=minter)
    node_tokens[0].approve(basket, 10 * SHARE, sender=investor)
    basket.create(2 * SHARE, sender=investor)  # not armed yet
    hostile.arm(basket, call(inner, 1) if "uint256" in inner else call(inner), sender=investor)
    if outer == "harvest":
        basket.harvest(sender=investor)
    else:
        getattr(basket, outer)(SHARE, sender=investor)
    assert hostile.attempts() == 1
    assert hostile.reentered() == 0, f"{inner} re-entered the basket during {outer}"
