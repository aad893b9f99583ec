# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title RevenueFeedFactory
@custom:contract-name RevenueFeedFactory
@custom:spec docs/SPEC.md, section "RevenueFeedFactory"
@license MIT
@notice Publishes one RevenueFeed per node token of a deployment, deployed from a blueprint
        (EIP-5202), and answers `feed_of(token)`: where lenders and integrators find the feed
        of any node token.
@dev Permissionless: a feed is a view of its token and writes nothing, so whoever pays the
     deployment gas may publish a node's feed; each token gets one, at most, and only a
     token of this deployment (`ComputeFactory.is_token`), so `feed_of` never points at a
     feed over a look-alike token.
"""

from interfaces import IComputeFactory


interface IRevenueFeed:
    def NODE_ID() -> uint256: view


# Fixed at deployment: the RevenueFeed blueprint, the deployment's token factory, and the
# registry and oracle every feed reads.
BLUEPRINT: public(immutable(address))
COMPUTE_FACTORY: public(immutable(IComputeFactory))
REGISTRY: public(immutable(address))
ORACLE: public(immutable(address))

# the feed published for a node token (the zero address: none yet)
feed_of: public(HashMap[address, address])


# `create_feed`: the feed published for `token`
event FeedCreated:
    token: indexed(address)
    feed: indexed(address)
    node_id: uint256


@deploy
def __init__(blueprint: address, compute_factory: IComputeFactory, registry: address, oracle: address):
    """
    @param blueprint The RevenueFeed blueprint (EIP-5202).
    @param compute_factory The ComputeFactory that creates the deployment's node tokens.
    @param registry The deployment's NodeRegistry.
    @param oracle The deployment's AttestationOracle.
    """
    assert blueprint.is_contract, "feed_factory: blueprint is not a contract"
    BLUEPRINT = blueprint
    COMPUTE_FACTORY = compute_factory
    REGISTRY = registry
    ORACLE = oracle


@external
def create_feed(token: address) -> address:
    """
    @dev Publishes the RevenueFeed of `token`, a node token of this deployment that has
         none yet. Anyone may call it.
    @param token The node's ComputeToken.
    @return address The feed.
    """
    assert self.feed_of[token] == empty(address), "feed_factory: the token has a feed"
    assert staticcall COMPUTE_FACTORY.is_token(token), "feed_factory: not a node token of this deployment"
    feed: address = create_from_blueprint(BLUEPRINT, token, REGISTRY, ORACLE, code_offset=3)
    self.feed_of[token] = feed
    log FeedCreated(token=token, feed=feed, node_id=staticcall IRevenueFeed(feed).NODE_ID())
    return feed
