# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title ComputeToken
@custom:contract-name ComputeToken
@custom:spec docs/SPEC.md, section "ComputeToken"
@license MIT
@notice The real-world-asset share of one compute node: an ERC-20 (18 decimals) with
        EIP-2612 `permit` and EIP-5267 `eip712Domain`, the compliance controls a regulated
        issuer needs, and the node's stablecoin revenue streamed to its holders pro rata
        (the `revenue_stream` module).
@dev Compliance (ERC-3643 / ERC-1404 inspired), the `compliance` module (exported whole):
     - `restricted`: every balance change (transfer, transferFrom, mint, burn, forced
       transfer, recovery) requires its non-zero parties to be verified in the shared
       IdentityRegistry, but for the sender of a forced transfer or recovery (a court
       order does not wait for KYC); `transfer`/`transferFrom` also stop while `paused`
       and for frozen accounts. A refusal reverts with `message_for_transfer_restriction` of
       the code `detect_transfer_restriction` returns, so wallets can explain it first.
     - The agent role freezes, pauses, forces transfers and recovers lost wallets
       (balance AND unclaimed revenue move). The minter role mints and burns. The
       admin (two-step) assigns roles and settings. Every change is evented.
     - Approvals and claims are never restricted: an allowance moves nothing, and a
       holder's revenue stays claimable, to any receiver, whatever its status.
     Every balance change first brings the revenue stream up to date and checkpoints
     both parties, so accrued revenue never moves with the tokens (REV-3).
     This contract adds the node's identity (`node_id`, `documents_hash`) and the
     minter's `mint` and `burn` (capped at the stream's `MAX_SUPPLY`).
     Stablecoins supported: any ERC-20, with or without return values; fee-on-transfer
     and short-paying tokens are credited by balance difference.
"""

from ethereum.ercs import IERC20

from interfaces import IIdentityRegistry

from snekmate.auth import ownable as ow
from snekmate.auth import ownable_2step as ow2
from snekmate.tokens import erc20

from . import compliance
from . import revenue_stream as stream

initializes: ow
initializes: ow2[ownable := ow]
initializes: erc20[ownable := ow]
initializes: stream[erc20 := erc20]
initializes: compliance[ow := ow, erc20 := erc20, stream := stream]

exports: (
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.totalSupply,
    erc20.balanceOf,
    erc20.allowance,
    erc20.approve,
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
    ow2.owner,
    ow2.pending_owner,
    ow2.transfer_ownership,
    ow2.accept_ownership,
    stream.STABLECOIN,
    stream.GENESIS,
    stream.EPOCH_LENGTH,
    stream.revenue_per_share,
    stream.remainder,
    stream.last_update,
    stream.stream_amount,
    stream.queued_amount,
    stream.deposit_revenue,
    stream.skim,
    stream.owed,
    stream.dust,
    stream.skimmable,
    stream.claim,
    stream.claimable,
    stream.accrued_scaled,
    stream.streaming,
    stream.current_epoch,
    stream.epoch_revenue,
    compliance.__interface__,
)

# the NodeRegistry id of the node this token is a share of
node_id: public(immutable(uint256))
# hash of the legal and asset documents (`set_documents_hash`, admin only)
documents_hash: public(bytes32)


# the new hash of the legal and asset documents
event DocumentsHashSet:
    documents_hash: bytes32


@deploy
def __init__(
    name_: String[25],
    symbol_: String[5],
    node_id_: uint256,
    documents_hash_: bytes32,
    stablecoin: address,
    identity_registry_: IIdentityRegistry,
    genesis: uint256,
    epoch_length: uint256,
    admin: address,
    agent: address,
    minter: address,
):
    """
    @dev Restricted mode starts on. Deployed per node by ComputeFactory.
    @param name_ Token name, also the EIP-712 domain name (version "1").
    @param symbol_ Token symbol.
    @param node_id_ The node this token is a share of.
    @param documents_hash_ Hash of the legal and asset documents.
    @param stablecoin The revenue token.
    @param identity_registry_ The shared investor allowlist.
    @param genesis The deployment's epoch origin.
    @param epoch_length Seconds per revenue epoch; not 0.
    @param admin Owner of the roles and settings (two-step transferable).
    @param agent First compliance agent.
    @param minter First minter.
    """
    ow.__init__()
    ow2.__init__()
    erc20.__init__(name_, symbol_, 18, name_, "1")
    stream.__init__(IERC20(stablecoin), genesis, epoch_length)
    assert admin != empty(address), "compute_token: admin is the zero address"
    ow._transfer_ownership(admin)
    node_id = node_id_
    self.documents_hash = documents_hash_
    # after the stream's: the restricted flag lives in its hot slot
    compliance.__init__(identity_registry_, agent)
    compliance._set_role("minter", minter, True)


# --- minter ----------------------------------------------------------------------------------------
@external
def mint(to: address, amount: uint256):
    """
    @dev Issues shares to `to` (verified when restricted, not frozen). Minter only.
    @param to The receiver.
    @param amount Token amount.
    """
    assert compliance.is_minter[msg.sender], "compute_token: caller is not a minter"
    compliance._require_receiver(to)
    assert erc20.totalSupply + amount <= stream.MAX_SUPPLY, "compute_token: supply cap exceeded"
    # snekmate refuses the zero address before anything is written
    stream._credit(to, amount, stream._update())
    erc20._mint(to, amount)


@external
def burn(owner: address, amount: uint256):
    """
    @dev Redeems `owner`'s shares (verified when restricted). Minter only. The holder
         keeps the revenue accrued so far.
    @param owner The holder.
    @param amount Token amount.
    """
    assert compliance.is_minter[msg.sender], "compute_token: caller is not a minter"
    compliance._require_sender(owner)
    stream._debit(owner, amount, stream._update())
    erc20._burn(owner, amount)


# --- admin -----------------------------------------------------------------------------------------
@external
def set_documents_hash(documents_hash_: bytes32):
    """
    @dev Records a new version of the legal and asset documents. Admin only.
    @param documents_hash_ The documents' hash.
    """
    ow._check_owner()
    self.documents_hash = documents_hash_
    log DocumentsHashSet(documents_hash=documents_hash_)
