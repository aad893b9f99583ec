"""ComputeBasketFactory: baskets of one deployment's node tokens only, from the blueprint, with
the deployment's stablecoin, registry and clock; owner only; every refusal.

Each test takes a basket factory of its own (`own_factory`), so that its `basket_count` starts
at 0 whatever the session's `basket` fixture created."""

import pytest

from computerwa.evm.chain import reverts
from computerwa.evm.suite import deploy_suite
from tests.conftest import DOCUMENTS_HASH, EPOCH_LENGTH, FOREVER, ONE_DOLLAR
from tests.unitary.basket.conftest import UNITS
from tests.unitary.basket.test_harvest import next_epoch
from tests.unitary.token.conftest import NOT_NEW_OWNER, NOT_OWNER, ZERO

NOT_A_NODE_TOKEN = "basket_factory: component is not a node token of this deployment"


@pytest.fixture
def own_factory(backend, issuer, basket_blueprint, node_factory):
    """A ComputeBasketFactory over the basket tests' ComputeFactory, created by no fixture."""
    return backend.deploy("ComputeBasketFactory", basket_blueprint, node_factory, sender=issuer)


@pytest.fixture
def create(own_factory, node_tokens, issuer, agent):
    """`create(**overrides)`: `create_basket` over the three node tokens as the issuer; the receipt."""

    def create(sender=issuer, **overrides):
        args = {
            "name": "Factory Basket",
            "symbol": "FB",
            "components": [token.address for token in node_tokens],
            "units": list(UNITS),
            "admin": issuer,
            "agent": agent,
        }
        unknown = set(overrides) - set(args)
        assert not unknown, f"no create_basket argument {unknown}"
        return own_factory.create_basket(*{**args, **overrides}.values(), sender=sender)

    return create


def _created(backend, receipt):
    return backend.at("ComputeBasket", receipt.filter("BasketCreated")[0].args["basket"])


def test_the_factory_copies_the_deployments_settings_from_the_compute_factory(
    own_factory, basket_blueprint, node_factory, stablecoin, identity, issuer
):
    assert own_factory.BLUEPRINT() == basket_blueprint
    assert own_factory.COMPUTE_FACTORY() == node_factory.address
    assert own_factory.STABLECOIN() == stablecoin.address == node_factory.STABLECOIN()
    assert own_factory.IDENTITY_REGISTRY() == identity.address == node_factory.IDENTITY_REGISTRY()
    assert own_factory.GENESIS() == node_factory.GENESIS()
    assert own_factory.EPOCH_LENGTH() == EPOCH_LENGTH == node_factory.EPOCH_LENGTH()
    assert own_factory.owner() == issuer.address and own_factory.pending_owner() == ZERO
    assert own_factory.basket_count() == 0


def test_create_basket_records_it_counts_it_and_logs(backend, own_factory, create, issuer, agent, node_tokens):
    receipt = create()
    basket = _created(backend, receipt)
    assert receipt.return_value == basket.address
    assert own_factory.is_basket(basket) and own_factory.basket_count() == 1
    assert receipt.filter("BasketCreated")[0].args == {
        "basket": basket.address,
        "admin": issuer.address,
        "agent": agent.address,
        "component_count": len(node_tokens),
    }
    second = _created(backend, create(components=[node_tokens[2].address], units=[5]))
    assert second.address != basket.address
    assert own_factory.is_basket(second) and own_factory.basket_count() == 2
    # neither a node token nor the factory itself is a basket
    assert not own_factory.is_basket(node_tokens[0]) and not own_factory.is_basket(own_factory)


def test_a_created_basket_has_its_composition_roles_and_the_deployments_settings(
    backend, create, node_tokens, stablecoin, identity, issuer, agent, operator
):
    basket = _created(backend, create(admin=operator))
    assert [basket.components(i) for i in range(basket.component_count())] == [t.address for t in node_tokens]
    assert [basket.units(i) for i in range(3)] == list(UNITS)
    assert (basket.name(), basket.symbol(), basket.decimals()) == ("Factory Basket", "FB", 18)
    assert basket.STABLECOIN() == stablecoin.address and basket.identity_registry() == identity.address
    assert basket.GENESIS() == node_tokens[0].GENESIS() and basket.EPOCH_LENGTH() == EPOCH_LENGTH
    assert basket.owner() == operator.address and basket.is_agent(agent)
    assert basket.restricted() and not basket.is_agent(issuer)


def test_a_basket_the_factory_created_creates_harvests_and_redeems(
    backend, create, node_tokens, identity, stablecoin, issuer, minter, investor, customer
):
    basket = _created(backend, create())
    identity.set_verified(basket, FOREVER, sender=issuer)
    shares = 10**18
    for token, unit in zip(node_tokens, UNITS, strict=True):
        token.mint(investor, shares * unit, sender=minter)
        token.approve(basket, shares * unit, sender=investor)
    basket.create(shares, sender=investor)
    assert basket.balanceOf(investor) == shares
    assert [token.balanceOf(basket) for token in node_tokens] == [shares * unit for unit in UNITS]
    revenue = 100 * ONE_DOLLAR
    stablecoin.approve(node_tokens[0], revenue, sender=customer)
    node_tokens[0].deposit_revenue(revenue, sender=customer)
    next_epoch(backend, basket, 2)
    harvested = basket.harvest(sender=customer).return_value
    assert revenue - 1 <= harvested <= revenue and stablecoin.balanceOf(basket) == harvested
    basket.redeem(shares, sender=investor)
    assert basket.totalSupply() == 0
    assert [token.balanceOf(investor) for token in node_tokens] == [shares * unit for unit in UNITS]


def test_only_the_owner_creates_baskets(create, own_factory, attacker):
    with reverts(NOT_OWNER):
        create(sender=attacker)
    assert own_factory.basket_count() == 0


def test_a_new_owner_creates_once_it_accepted(backend, create, own_factory, issuer, operator):
    own_factory.transfer_ownership(operator, sender=issuer)
    with reverts(NOT_NEW_OWNER):
        own_factory.accept_ownership(sender=issuer)
    own_factory.accept_ownership(sender=operator)
    with reverts(NOT_OWNER):
        create(sender=issuer)
    assert own_factory.is_basket(_created(backend, create(sender=operator)))


def test_a_token_of_another_deployment_is_refused(backend, create, node_tokens, stablecoin, identity, issuer, agent):
    # another ComputeFactory on the same stablecoin, registry and clock: its token would pass
    # every check of the basket's constructor, and is still not this deployment's
    other = deploy_suite(
        backend, issuer, stablecoin=stablecoin, identity=identity, genesis=node_tokens[0].GENESIS(), upto="factory"
    ).factory
    other.create_token(101, "Look-alike", "LA", DOCUMENTS_HASH, issuer, agent, agent, sender=issuer)
    foreign = other.token_of(issuer, 101)
    with reverts(NOT_A_NODE_TOKEN):
        create(components=[node_tokens[0].address, foreign], units=[1, 1])


@pytest.mark.parametrize("what", ["stablecoin", "account", "zero"])
def test_a_component_that_is_no_token_at_all_is_refused(create, node_tokens, stablecoin, investor, what):
    stranger = {"stablecoin": stablecoin.address, "account": investor.address, "zero": ZERO}[what]
    with reverts(NOT_A_NODE_TOKEN):
        create(components=[stranger, node_tokens[0].address], units=[1, 1])


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"components": [], "units": []}, "compute_basket: no components"),
        ({"units": [1, 2]}, "compute_basket: units and components differ in length"),
        ({"units": [1, 0, 3]}, "compute_basket: zero units"),
        ({"admin": ZERO}, "compute_basket: admin is the zero address"),
        ({"agent": ZERO}, "compute_token: role for the zero address"),
    ],
)
def test_the_baskets_own_refusals_reach_the_caller(create, own_factory, overrides, reason):
    with reverts(reason):
        create(**overrides)
    assert own_factory.basket_count() == 0


def test_a_component_listed_twice_is_refused_by_the_basket(create, node_tokens):
    twice = [node_tokens[0].address, node_tokens[0].address]
    with reverts("compute_basket: duplicate component"):
        create(components=twice, units=[1, 1])


def test_the_constructor_refuses_a_blueprint_without_code(backend, issuer, node_factory, investor):
    with reverts("basket_factory: blueprint has no code"):
        backend.deploy("ComputeBasketFactory", investor, node_factory, sender=issuer)


@pytest.mark.parametrize("what", ["zero", "account"])
def test_the_constructor_refuses_a_compute_factory_without_code(backend, issuer, basket_blueprint, investor, what):
    factory = {"zero": ZERO, "account": investor.address}[what]
    with reverts("basket_factory: compute factory has no code"):
        backend.deploy("ComputeBasketFactory", basket_blueprint, factory, sender=issuer)


def test_names_symbols_and_components_take_their_bound_and_no_more(backend, create, own_factory, node_tokens):
    name, symbol = "B" * 25, "S" * 5  # ComputeBasket's String[25] name and String[5] symbol
    basket = _created(backend, create(name=name, symbol=symbol))
    assert (basket.name(), basket.symbol()) == (name, symbol)
    with reverts():
        create(name=name + "B")
    with reverts():
        create(symbol=symbol + "S")
    with reverts():  # MAX_COMPONENTS is 32: a 33rd does not even decode
        create(components=[node_tokens[0].address] * 33, units=[1] * 33)
    assert own_factory.basket_count() == 1


def test_a_basket_of_32_node_tokens_is_created(backend, create, own_factory, node_factory, issuer, agent, minter):
    """MAX_COMPONENTS, the basket's bound, is the factory's too: a full basket gets through."""
    tokens = []
    for node in range(201, 233):
        node_factory.create_token(node, f"Node {node}", "N", DOCUMENTS_HASH, issuer, agent, minter, sender=issuer)
        tokens.append(node_factory.token_of(issuer, node))
    basket = _created(backend, create(components=tokens, units=[1] * 32))
    assert basket.component_count() == 32 == basket.MAX_COMPONENTS()
    assert basket.components(31) == tokens[31] and own_factory.basket_count() == 1
