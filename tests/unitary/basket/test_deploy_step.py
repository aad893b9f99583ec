"""The deploy step of issue #21: the full suite deploys the ComputeBasket blueprint and the
ComputeBasketFactory last, hands the factory to the admin like ComputeFactory, and
`computerwa.evm.suite.create_basket` (what the simulation calls) creates a basket of the
registry's node tokens and verifies it, on the in-process engine and on Ape's provider alike.

Each test deploys a suite of its own (`own_suite`), so nothing it creates shows elsewhere."""

import pytest

from computerwa.evm.chain import reverts
from computerwa.evm.suite import attach_suite, create_basket, deploy_suite
from tests.conftest import FOREVER
from tests.unitary.token.conftest import NOT_OWNER

SHARE = 10**18


@pytest.fixture
def own_suite(backend, issuer, operator, suite_attestors):
    """A full suite of this test's own (a 3-of-5 committee, the operator verified), everything
    owned by the issuer."""
    return deploy_suite(backend, issuer, attestors=suite_attestors, threshold=3, operators=[operator])


@pytest.fixture
def node_tokens(backend, own_suite, operator):
    """Two nodes registered by the operator: their tokens, created by the registry."""
    registry = own_suite.registry
    tokens = []
    for gpus in (4, 8):
        registry.register_node("eu-west", "H100", gpus, 500_000, 3_000, 9_900, "ipfs://b", sender=operator)
        node_id = registry.node_count()
        tokens.append(backend.at("ComputeToken", registry.node(node_id)[1]))
    return tokens


def test_the_full_suite_deploys_the_basket_factory_after_the_rest_over_its_compute_factory(backend, own_suite, issuer):
    suite = own_suite
    # after every other contract, then NodeOffering (tests/unitary/offering/test_deploy_step.py)
    # and the revenue feeds' (tests/unitary/feed/test_deploy_step.py)
    assert list(suite.deployed)[-5:-3] == ["ComputeBasketBlueprint", "ComputeBasketFactory"]
    assert suite.deployed["ComputeBasketBlueprint"] == suite.basket_blueprint
    assert backend.code(suite.basket_blueprint)[:3] == bytes.fromhex("fe7100")  # EIP-5202, version 0
    factory = suite.basket_factory
    assert factory.BLUEPRINT() == suite.basket_blueprint
    assert factory.COMPUTE_FACTORY() == suite.factory.address
    assert factory.STABLECOIN() == suite.stablecoin.address and factory.IDENTITY_REGISTRY() == suite.identity.address
    assert (factory.GENESIS(), factory.EPOCH_LENGTH()) == (suite.genesis, suite.epoch_length)
    assert factory.owner() == issuer.address and factory.basket_count() == 0


@pytest.mark.parametrize("upto", ["factory", "oracle", "registry"])
def test_a_partial_suite_has_no_basket_factory(backend, issuer, upto, investor):
    suite = deploy_suite(backend, issuer, upto=upto, attestors=[investor], threshold=1)
    assert suite.basket_factory is None and suite.basket_blueprint is None
    assert not {"ComputeBasketBlueprint", "ComputeBasketFactory"} & set(suite.deployed)
    with pytest.raises(ValueError, match="no basket factory"):
        create_basket(suite, backend, issuer, [], [], "B", "B")


def test_the_admin_is_offered_the_basket_factory(backend, issuer, operator, suite_attestors):
    suite = deploy_suite(backend, issuer, attestors=suite_attestors, admin=operator)
    assert suite.pending_owners["ComputeBasketFactory"] == operator.address
    assert suite.basket_factory.pending_owner() == operator.address
    suite.basket_factory.accept_ownership(sender=operator)
    assert suite.basket_factory.owner() == operator.address


@pytest.mark.both_engines
def test_create_basket_creates_verifies_and_binds_a_working_basket(
    backend, own_suite, node_tokens, issuer, investor, agent
):
    suite = own_suite
    basket = create_basket(suite, backend, issuer, node_tokens, [1, 3], "Two Nodes", "TWO", agent=agent)
    assert suite.basket_factory.is_basket(basket) and suite.basket_factory.basket_count() == 1
    assert suite.identity.is_verified(basket)
    assert [basket.components(i) for i in range(basket.component_count())] == [t.address for t in node_tokens]
    assert (basket.name(), basket.symbol()) == ("Two Nodes", "TWO")
    assert basket.owner() == issuer.address and basket.is_agent(agent) and not basket.is_agent(issuer)
    # the basket holds its components: an investor creates a share and redeems it
    suite.identity.set_verified(investor, FOREVER, sender=issuer)
    for token, units in zip(node_tokens, (1, 3), strict=True):
        token.mint(investor, SHARE * units, sender=issuer)  # the registry's tokens: the owner mints
        token.approve(basket, SHARE * units, sender=investor)
    basket.create(SHARE, sender=investor)
    assert basket.balanceOf(investor) == SHARE
    assert [token.balanceOf(basket) for token in node_tokens] == [SHARE, 3 * SHARE]
    basket.redeem(SHARE, sender=investor)
    assert [token.balanceOf(investor) for token in node_tokens] == [SHARE, 3 * SHARE]


@pytest.mark.both_engines
def test_create_basket_by_anyone_but_the_owner_is_refused(backend, own_suite, node_tokens, attacker):
    with reverts(NOT_OWNER):
        create_basket(own_suite, backend, attacker, node_tokens, [1, 1], "Nope", "NO")
    assert own_suite.basket_factory.basket_count() == 0


def test_a_recorded_suite_attaches_with_its_basket_factory(backend, own_suite, node_tokens, issuer):
    """`attach_suite` (a deployment record's addresses, as the simulation reads them back)
    binds the basket factory and blueprint too, and `create_basket` works on what it binds."""
    addresses = {name: getattr(c, "address", c) for name, c in own_suite.deployed.items()}
    addresses["Stablecoin"] = addresses.pop("MockStablecoin")
    attached = attach_suite(backend, addresses)
    assert attached.basket_factory.address == own_suite.basket_factory.address
    assert attached.basket_blueprint == own_suite.basket_blueprint
    basket = create_basket(attached, backend, issuer, node_tokens[:1], [2], "Attached", "ATT")
    assert own_suite.basket_factory.is_basket(basket) and own_suite.identity.is_verified(basket)
