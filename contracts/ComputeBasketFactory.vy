# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title ComputeBasketFactory
@custom:contract-name ComputeBasketFactory
@custom:spec docs/SPEC.md, section "ComputeBasketFactory"
@license MIT
@notice Deploys ComputeBaskets from a blueprint (EIP-5202) over node tokens of one deployment,
        with that deployment's stablecoin, identity registry and clock, and records them.
@dev Bound at construction to one ComputeFactory, whose stablecoin, identity registry and
     clock it copies: every basket it creates streams on the same epoch boundaries as the
     node tokens it holds. It admits as components only tokens that factory created
     (`ComputeFactory.is_token`), so a basket of this deployment cannot hold a look-alike
     token that pays nothing or reverts on transfer; the basket's constructor checks the rest
     (at least one component, at most 32, distinct, units at least 1, the same stablecoin and
     clock). Owner only: a basket is an offering of the deployment, as a node token is. A
     basket deployed straight from the blueprint, outside this factory, is checked by its own
     constructor only (`is_basket` tells them apart).
"""

from interfaces import IComputeFactory

from snekmate.auth import ownable as ow
from snekmate.auth import ownable_2step as ow2

initializes: ow
initializes: ow2[ownable := ow]

exports: (
    ow2.owner,
    ow2.pending_owner,
    ow2.transfer_ownership,
    ow2.accept_ownership,
)

# the most components a basket holds (ComputeBasket.MAX_COMPONENTS)
MAX_COMPONENTS: constant(uint256) = 32

# Fixed at deployment: the ComputeBasket blueprint (EIP-5202), the node tokens' factory, and
# what it gives every token (stablecoin, identity registry, clock: GENESIS unix time in
# seconds, EPOCH_LENGTH seconds), which every basket gets too.
BLUEPRINT: public(immutable(address))
COMPUTE_FACTORY: public(immutable(IComputeFactory))
STABLECOIN: public(immutable(address))
IDENTITY_REGISTRY: public(immutable(address))
GENESIS: public(immutable(uint256))
EPOCH_LENGTH: public(immutable(uint256))

# whether an address is a basket this factory created
is_basket: public(HashMap[address, bool])
# baskets created so far
basket_count: public(uint256)


# `create_basket`: a basket of `component_count` node tokens, with its first roles
event BasketCreated:
    basket: indexed(address)
    admin: address
    agent: address
    component_count: uint256


@deploy
def __init__(blueprint: address, compute_factory: IComputeFactory):
    """
    @param blueprint The ComputeBasket blueprint (EIP-5202, deployed with `declare`).
    @param compute_factory The deployment's ComputeFactory: its tokens are the only components
           admitted, and its stablecoin, identity registry and clock are every basket's.
    """
    assert blueprint.is_contract, "basket_factory: blueprint has no code"
    assert compute_factory.address.is_contract, "basket_factory: compute factory has no code"
    ow.__init__()
    ow2.__init__()
    BLUEPRINT = blueprint
    COMPUTE_FACTORY = compute_factory
    STABLECOIN = staticcall compute_factory.STABLECOIN()
    IDENTITY_REGISTRY = staticcall compute_factory.IDENTITY_REGISTRY()
    GENESIS = staticcall compute_factory.GENESIS()
    EPOCH_LENGTH = staticcall compute_factory.EPOCH_LENGTH()


@external
def create_basket(
    name: String[25],
    symbol: String[5],
    components: DynArray[address, MAX_COMPONENTS],
    units: DynArray[uint256, MAX_COMPONENTS],
    admin: address,
    agent: address,
) -> address:
    """
    @dev Deploys a ComputeBasket over `components` (node tokens of COMPUTE_FACTORY), one basket
         base unit backed by `units[i]` base units of component i, recorded in `is_basket`.
         Owner only. The basket starts restricted: verify it in the identity registry before
         anyone creates (it must be a verified holder of every component).
    @param name Basket name (also its EIP-712 domain name).
    @param symbol Basket symbol.
    @param components The node tokens, distinct, 1 to 32.
    @param units Each component's base units per basket base unit, at least 1.
    @param admin The basket's admin (roles, settings).
    @param agent The basket's first compliance agent.
    @return address The new basket.
    """
    ow._check_owner()
    for component: address in components:
        assert staticcall COMPUTE_FACTORY.is_token(
            component
        ), "basket_factory: component is not a node token of this deployment"
    basket: address = create_from_blueprint(
        BLUEPRINT,
        name,
        symbol,
        components,
        units,
        STABLECOIN,
        IDENTITY_REGISTRY,
        GENESIS,
        EPOCH_LENGTH,
        admin,
        agent,
        code_offset=3,
    )
    self.is_basket[basket] = True
    self.basket_count += 1
    log BasketCreated(basket=basket, admin=admin, agent=agent, component_count=len(components))
    return basket
