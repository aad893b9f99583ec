# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title ComputeFactory
@custom:contract-name ComputeFactory
@custom:spec docs/SPEC.md, section "ComputeFactory"
@license MIT
@notice Deploys one ComputeToken per compute node from a blueprint (EIP-5202), with the
        deployment's stablecoin, identity registry and clock, and records it by its creator
        and node id.
@dev Every token of one deployment shares `STABLECOIN`, `IDENTITY_REGISTRY`, `GENESIS`
     and `EPOCH_LENGTH`, so all of them stream on the same epoch boundaries. Creators
     (the owner, and the NodeRegistry once wired) may create tokens. Tokens are keyed by
     (creator, node id): each creator numbers its own nodes, so two NodeRegistries on one
     factory both have a node 1 and neither can take the other's id. A (creator, node id)
     gets one token, forever. `is_token` tells whether an address is one of this factory's
     tokens, which ComputeBasketFactory checks of every basket component.
"""

from interfaces import IComputeFactory
from interfaces import IIdentityRegistry

from snekmate.auth import ownable as ow
from snekmate.auth import ownable_2step as ow2

implements: IComputeFactory

initializes: ow
initializes: ow2[ownable := ow]

exports: (
    ow2.owner,
    ow2.pending_owner,
    ow2.transfer_ownership,
    ow2.accept_ownership,
)

# Fixed at deployment: the ComputeToken blueprint (EIP-5202), the revenue stablecoin and
# the identity registry every new token gets, and the epoch clock every token streams on
# (GENESIS: unix time in seconds; EPOCH_LENGTH: seconds).
BLUEPRINT: public(immutable(address))
STABLECOIN: public(immutable(address))
IDENTITY_REGISTRY: public(immutable(IIdentityRegistry))
GENESIS: public(immutable(uint256))
EPOCH_LENGTH: public(immutable(uint256))

# creator (a NodeRegistry, or the owner) -> node id -> token
token_of: public(HashMap[address, HashMap[uint256, address]])
# who may create tokens besides the owner (`set_creator`, owner only)
is_creator: public(HashMap[address, bool])
# tokens created so far
token_count: public(uint256)
# whether an address is a token this factory created (the basket factory admits only these)
is_token: public(HashMap[address, bool])


# `create_token`: `creator`'s token for its node id `node_id`, with its first roles and the
# hash of its legal and asset documents
event TokenCreated:
    creator: indexed(address)
    node_id: indexed(uint256)
    token: indexed(address)
    admin: address
    agent: address
    minter: address
    documents_hash: bytes32


# the owner allowed (status true) or disallowed `account` to create tokens
event CreatorSet:
    account: indexed(address)
    status: bool


@deploy
def __init__(
    blueprint: address,
    stablecoin: address,
    identity_registry: IIdentityRegistry,
    genesis: uint256,
    epoch_length: uint256,
):
    """
    @param blueprint The ComputeToken blueprint (EIP-5202, deployed with `declare`).
    @param stablecoin The revenue token of the deployment.
    @param identity_registry The shared investor allowlist.
    @param genesis The deployment's epoch origin (not in the future).
    @param epoch_length Seconds per revenue epoch; not 0 (a deposit released at once would go
           to whoever holds at that instant).
    """
    assert blueprint.is_contract, "factory: blueprint has no code"
    assert stablecoin != empty(address), "factory: stablecoin is the zero address"
    assert identity_registry.address != empty(address), "factory: registry is the zero address"
    assert genesis <= block.timestamp, "factory: genesis is in the future"
    assert epoch_length != 0, "factory: epoch length is zero"
    ow.__init__()
    ow2.__init__()
    BLUEPRINT = blueprint
    STABLECOIN = stablecoin
    IDENTITY_REGISTRY = identity_registry
    GENESIS = genesis
    EPOCH_LENGTH = epoch_length


@external
def create_token(
    node_id: uint256,
    name: String[25],
    symbol: String[5],
    documents_hash: bytes32,
    admin: address,
    agent: address,
    minter: address,
) -> address:
    """
    @dev Deploys the ComputeToken of the caller's node `node_id`, recorded as
         `token_of(caller, node_id)`. Owner and creators only; once per (caller, node id):
         another creator's node of the same id is another node.
    @param node_id The node, numbered by the caller.
    @param name Token name (also its EIP-712 domain name).
    @param symbol Token symbol.
    @param documents_hash Hash of the node's legal and asset documents.
    @param admin The token's admin (roles, settings).
    @param agent The token's first compliance agent.
    @param minter The token's first minter.
    @return address The new token.
    """
    assert msg.sender == ow.owner or self.is_creator[msg.sender], "factory: caller is not a creator"
    assert self.token_of[msg.sender][node_id] == empty(address), "factory: node already has a token"
    token: address = create_from_blueprint(
        BLUEPRINT,
        name,
        symbol,
        node_id,
        documents_hash,
        STABLECOIN,
        IDENTITY_REGISTRY,
        GENESIS,
        EPOCH_LENGTH,
        admin,
        agent,
        minter,
        code_offset=3,
    )
    self.token_of[msg.sender][node_id] = token
    self.is_token[token] = True
    self.token_count += 1
    log TokenCreated(
        creator=msg.sender,
        node_id=node_id,
        token=token,
        admin=admin,
        agent=agent,
        minter=minter,
        documents_hash=documents_hash,
    )
    return token


@external
def set_creator(account: address, status: bool):
    """
    @dev Allows or stops `account` creating tokens (the NodeRegistry). Owner only.
    @param account The account.
    @param status True to allow.
    """
    ow._check_owner()
    assert account != empty(address), "factory: creator is the zero address"
    self.is_creator[account] = status
    log CreatorSet(account=account, status=status)
