# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title NodeRegistry
@custom:contract-name NodeRegistry
@custom:spec docs/SPEC.md, section "NodeRegistry"
@license MIT
@notice The compute nodes of a deployment: who operates each, where it is, what it
        costs, its SLA and its stablecoin bond. Registering a node creates its
        ComputeToken through the ComputeFactory (this registry must be a creator there);
        the token's admin, agent and minter are the registry's owner, the issuer.
@dev Bonds: an operator's stablecoin, credited by balance difference (a fee-on-transfer
     or short-paying token is never over-credited). A withdrawal is requested first and
     paid after `BOND_DELAY`, and slashing still reaches a bond with a pending
     withdrawal, so an operator cannot run from an epoch it is about to be slashed for:
     choose `BOND_DELAY` longer than an epoch plus the time reports take to land.
     Slashing: once per (node, epoch), by anyone, when the AttestationOracle's accepted
     report for that epoch shows uptime below the node's `sla_uptime_bps`;
     `SLASH_BPS` of the bond (rounded down) moves into the node's ComputeToken revenue
     stream, so the holders are compensated. A slash of a zero bond moves nothing but
     is recorded all the same. A node's status does not exempt it: an epoch the
     committee reported below the SLA can be slashed whatever the status, and at any
     later time (the bond at that moment pays).
     Gas: what Settlement reads per node (token, operator share) and what a slash reads
     (SLA, status) share one slot.
"""

from ethereum.ercs import IERC20

from interfaces import IAttestationOracle
from interfaces import IComputeFactory
from interfaces import INodeRegistry
from interfaces import IRevenueStream

from . import constants

from snekmate.auth import ownable as ow
from snekmate.auth import ownable_2step as ow2

implements: INodeRegistry

initializes: ow
initializes: ow2[ownable := ow]

exports: (
    ow2.owner,
    ow2.pending_owner,
    ow2.transfer_ownership,
    ow2.accept_ownership,
)

ACTIVE: constant(uint8) = 1
PAUSED: constant(uint8) = 2
RETIRED: constant(uint8) = 3
# the protocol fee is capped at 10% in Settlement: fee + operator share never exceed 100%
MAX_OPERATOR_SHARE_BPS: constant(uint16) = 9_000
MAX_NODES_PER_REGION: constant(uint256) = 1_024
MAX_BOND_DELAY: constant(uint256) = constants.YEAR
TOKEN_SYMBOL: constant(String[5]) = "CNODE"

# _profile: token (bits 0..159) | operator share bps (160..175) | SLA uptime bps (176..191)
# | status (192..199)
_SHARE_SHIFT: constant(uint256) = 160
_SLA_SHIFT: constant(uint256) = 176
_STATUS_SHIFT: constant(uint256) = 192

FACTORY: public(immutable(IComputeFactory))
STABLECOIN: public(immutable(IERC20))
ORACLE: public(immutable(IAttestationOracle))
BOND_DELAY: public(immutable(uint256))
SLASH_BPS: public(immutable(uint256))

node_count: public(uint256)
_profile: HashMap[uint256, uint256]
_operator: HashMap[uint256, address]
_price: HashMap[uint256, uint256]
_gpu_count: HashMap[uint256, uint32]
_region: HashMap[uint256, String[32]]
_gpu_model: HashMap[uint256, String[32]]
_metadata_uri: HashMap[uint256, String[256]]
_region_nodes: HashMap[bytes32, DynArray[uint256, MAX_NODES_PER_REGION]]
_bond: HashMap[uint256, uint256]
_bond_withdrawal: HashMap[uint256, INodeRegistry.BondWithdrawal]
_slashed: HashMap[uint256, HashMap[uint64, bool]]


@deploy
def __init__(
    factory: IComputeFactory, stablecoin: IERC20, oracle: IAttestationOracle, bond_delay: uint256, slash_bps: uint256
):
    """
    @param factory The ComputeFactory that creates node tokens (make this registry a creator).
    @param stablecoin The bond token, the deployment's stablecoin.
    @param oracle The AttestationOracle whose reports decide slashes.
    @param bond_delay Seconds between a bond withdrawal request and its payment (at most a year).
    @param slash_bps The share of the bond one slash moves to the holders (1..10,000).
    """
    assert factory.address.is_contract, "registry: factory has no code"
    assert stablecoin.address.is_contract, "registry: stablecoin has no code"
    assert oracle.address.is_contract, "registry: oracle has no code"
    assert slash_bps != 0 and slash_bps <= constants.MAX_BPS, "registry: slash share out of range"
    assert bond_delay <= MAX_BOND_DELAY, "registry: bond delay above a year"
    ow.__init__()
    ow2.__init__()
    FACTORY = factory
    STABLECOIN = stablecoin
    ORACLE = oracle
    BOND_DELAY = bond_delay
    SLASH_BPS = slash_bps


@external
def register_node(
    region: String[32],
    gpu_model: String[32],
    gpu_count: uint32,
    price_per_unit: uint256,
    operator_share_bps: uint16,
    sla_uptime_bps: uint16,
    metadata_uri: String[256],
) -> uint256:
    """
    @dev Registers a node operated by the caller, Active, and creates its ComputeToken
         ("ComputeRWA #<id>", documents hash = keccak256 of `metadata_uri`).
    @param region Where it runs, e.g. "asia-southeast"; quoted by exact match.
    @param gpu_model e.g. "H100-SXM".
    @param gpu_count At least 1.
    @param price_per_unit Stablecoin base units per 1,000 work units (what `quote` and the simulation assume).
    @param operator_share_bps The operator's share of every payment (at most 9,000).
    @param sla_uptime_bps The uptime it promises (at most 10,000); below it, it is slashed.
    @param metadata_uri The node's documents and specifications.
    @return uint256 The new node id (ids start at 1).
    """
    assert len(region) != 0, "registry: region is empty"
    assert gpu_count != 0, "registry: gpu count is zero"
    assert operator_share_bps <= MAX_OPERATOR_SHARE_BPS, "registry: operator share above 90%"
    assert convert(sla_uptime_bps, uint256) <= constants.MAX_BPS, "registry: SLA above 100%"
    node_id: uint256 = self.node_count + 1
    self.node_count = node_id
    region_key: bytes32 = keccak256(region)
    assert len(self._region_nodes[region_key]) < MAX_NODES_PER_REGION, "registry: region is full"
    self._region_nodes[region_key].append(node_id)
    owner: address = ow.owner
    token: address = extcall FACTORY.create_token(
        node_id,
        concat("ComputeRWA #", uint2str(convert(node_id, uint32))),
        TOKEN_SYMBOL,
        keccak256(metadata_uri),
        owner,
        owner,
        owner,
    )
    self._profile[node_id] = (
        convert(token, uint256)
        | (convert(operator_share_bps, uint256) << _SHARE_SHIFT)
        | (convert(sla_uptime_bps, uint256) << _SLA_SHIFT)
        | (convert(ACTIVE, uint256) << _STATUS_SHIFT)
    )
    self._operator[node_id] = msg.sender
    self._price[node_id] = price_per_unit
    self._gpu_count[node_id] = gpu_count
    self._region[node_id] = region
    self._gpu_model[node_id] = gpu_model
    self._metadata_uri[node_id] = metadata_uri
    log INodeRegistry.NodeRegistered(
        node_id=node_id,
        operator=msg.sender,
        token=token,
        region=region,
        gpu_model=gpu_model,
        gpu_count=gpu_count,
        price_per_unit=price_per_unit,
        operator_share_bps=operator_share_bps,
        sla_uptime_bps=sla_uptime_bps,
        metadata_uri=metadata_uri,
    )
    return node_id


@external
def set_price(node_id: uint256, price_per_unit: uint256):
    """
    @dev Sets the node's price. Its operator only.
    @param node_id The node.
    @param price_per_unit Stablecoin base units per 1,000 work units (what `quote` and the simulation assume).
    """
    self._check_operator(node_id)
    self._price[node_id] = price_per_unit
    log INodeRegistry.PriceSet(node_id=node_id, price_per_unit=price_per_unit)


@external
def set_status(node_id: uint256, status: uint8):
    """
    @dev Pauses, resumes or retires the node. Its operator only; retiring is final.
         Status is what clients quote from: vouchers for work already done still
         settle whatever the status.
    @param node_id The node.
    @param status 1 Active, 2 Paused, 3 Retired.
    """
    self._check_operator(node_id)
    assert status >= ACTIVE and status <= RETIRED, "registry: unknown status"
    profile: uint256 = self._profile[node_id]
    assert (profile >> _STATUS_SHIFT) & constants.UINT8_MASK != convert(RETIRED, uint256), "registry: node is retired"
    self._profile[node_id] = (profile & ~(constants.UINT8_MASK << _STATUS_SHIFT)) | (
        convert(status, uint256) << _STATUS_SHIFT
    )
    log INodeRegistry.StatusSet(node_id=node_id, status=status)


@external
def post_bond(node_id: uint256, amount: uint256) -> uint256:
    """
    @dev Adds to the node's bond from the caller (approve first); anyone may top it up.
    @param node_id The node.
    @param amount Stablecoin base units to pull.
    @return uint256 What was credited (what actually arrived).
    """
    assert self._profile[node_id] != 0, "registry: unknown node"
    assert amount != 0, "registry: nothing to bond"
    before: uint256 = staticcall STABLECOIN.balanceOf(self)
    assert extcall STABLECOIN.transferFrom(
        msg.sender, self, amount, default_return_value=True
    ), "registry: transfer failed"
    credited: uint256 = staticcall STABLECOIN.balanceOf(self) - before
    bond: uint256 = self._bond[node_id] + credited
    self._bond[node_id] = bond
    log INodeRegistry.BondPosted(node_id=node_id, sender=msg.sender, amount=credited, bond=bond)
    return credited


@external
def request_bond_withdrawal(node_id: uint256, amount: uint256):
    """
    @dev Asks to withdraw `amount` of the bond after `BOND_DELAY`. Its operator only; a
         new request replaces the pending one and restarts the delay.
    @param node_id The node.
    @param amount Stablecoin base units; at most the bond now (slashes may lower it).
    """
    self._check_operator(node_id)
    assert amount != 0, "registry: nothing to withdraw"
    assert amount <= self._bond[node_id], "registry: amount above the bond"
    available_at: uint256 = block.timestamp + BOND_DELAY
    self._bond_withdrawal[node_id] = INodeRegistry.BondWithdrawal(amount=amount, available_at=available_at)
    log INodeRegistry.BondWithdrawalRequested(node_id=node_id, amount=amount, available_at=available_at)


@external
def withdraw_bond(node_id: uint256, receiver: address) -> uint256:
    """
    @dev Pays the requested withdrawal once its delay has passed, capped at what is left
         of the bond after slashes. Its operator only.
    @param node_id The node.
    @param receiver Where the stablecoin goes (any address the stablecoin accepts).
    @return uint256 The amount paid.
    """
    self._check_operator(node_id)
    request: INodeRegistry.BondWithdrawal = self._bond_withdrawal[node_id]
    assert request.amount != 0, "registry: no withdrawal requested"
    assert block.timestamp >= request.available_at, "registry: withdrawal not available yet"
    bond: uint256 = self._bond[node_id]
    amount: uint256 = min(request.amount, bond)
    bond -= amount
    self._bond[node_id] = bond
    self._bond_withdrawal[node_id] = empty(INodeRegistry.BondWithdrawal)
    if amount != 0:
        assert extcall STABLECOIN.transfer(receiver, amount, default_return_value=True), "registry: transfer failed"
    log INodeRegistry.BondWithdrawn(node_id=node_id, receiver=receiver, amount=amount, bond=bond)
    return amount


@external
def slash(node_id: uint256, epoch: uint64) -> uint256:
    """
    @dev Moves `SLASH_BPS` of the node's bond into its ComputeToken's revenue stream when
         the oracle's report for `epoch` shows uptime below the node's SLA. Anyone may
         call it, once per (node, epoch).
    @param node_id The node.
    @param epoch The epoch of an accepted report.
    @return uint256 The amount the token credited to its holders.
    """
    profile: uint256 = self._profile[node_id]
    assert profile != 0, "registry: unknown node"
    assert not self._slashed[node_id][epoch], "registry: epoch already slashed"
    report: IAttestationOracle.Attestation = staticcall ORACLE.report(node_id, epoch)
    assert report.submitted_at != 0, "registry: no report for that epoch"
    sla: uint16 = convert((profile >> _SLA_SHIFT) & constants.UINT16_MASK, uint16)
    assert report.uptime_bps < sla, "registry: uptime met the SLA"
    self._slashed[node_id][epoch] = True
    bond: uint256 = self._bond[node_id]
    amount: uint256 = bond * SLASH_BPS // constants.MAX_BPS
    credited: uint256 = 0
    if amount != 0:
        bond -= amount
        self._bond[node_id] = bond
        token: address = convert(profile & constants.ADDRESS_MASK, address)
        assert extcall STABLECOIN.approve(token, amount, default_return_value=True), "registry: approve failed"
        credited = extcall IRevenueStream(token).deposit_revenue(amount)
    log INodeRegistry.Slashed(
        node_id=node_id, epoch=epoch, uptime_bps=report.uptime_bps, sla_uptime_bps=sla, amount=amount, bond=bond
    )
    return credited


@external
@view
def node(node_id: uint256) -> INodeRegistry.Node:
    """
    @dev Everything a client quotes from; all zero (`status == 0`) for an unknown id.
    @param node_id The node.
    @return Node Its operator, token, status, location, hardware, price, shares and bond.
    """
    profile: uint256 = self._profile[node_id]
    return INodeRegistry.Node(
        operator=self._operator[node_id],
        token=convert(profile & constants.ADDRESS_MASK, address),
        status=convert((profile >> _STATUS_SHIFT) & constants.UINT8_MASK, uint8),
        region=self._region[node_id],
        gpu_model=self._gpu_model[node_id],
        gpu_count=self._gpu_count[node_id],
        price_per_unit=self._price[node_id],
        operator_share_bps=convert((profile >> _SHARE_SHIFT) & constants.UINT16_MASK, uint16),
        sla_uptime_bps=convert((profile >> _SLA_SHIFT) & constants.UINT16_MASK, uint16),
        metadata_uri=self._metadata_uri[node_id],
        bond=self._bond[node_id],
    )


@external
@view
def payee(node_id: uint256) -> (address, address, uint256):
    """
    @dev Who a payment to the node goes to: what Settlement reads once per node and batch.
    @param node_id The node.
    @return address Its ComputeToken (zero for an unknown node).
    @return address Its operator.
    @return uint256 The operator's share in bps.
    """
    profile: uint256 = self._profile[node_id]
    return convert(profile & constants.ADDRESS_MASK, address), self._operator[node_id], (
        profile >> _SHARE_SHIFT
    ) & constants.UINT16_MASK


@external
@view
def nodes_in_region(region: String[32]) -> DynArray[uint256, MAX_NODES_PER_REGION]:
    """
    @dev The ids of every node registered in `region`, in registration order, whatever
         their status.
    @param region The region, matched exactly.
    @return DynArray The node ids.
    """
    return self._region_nodes[keccak256(region)]


@external
@view
def bond_withdrawal(node_id: uint256) -> INodeRegistry.BondWithdrawal:
    """
    @dev The node's pending bond withdrawal.
    @param node_id The node.
    @return BondWithdrawal Amount and when it can be paid; zero when none is pending.
    """
    return self._bond_withdrawal[node_id]


@external
@view
def slashed(node_id: uint256, epoch: uint64) -> bool:
    """
    @dev Whether the node was already slashed for `epoch`.
    @param node_id The node.
    @param epoch The epoch.
    @return bool True once slashed.
    """
    return self._slashed[node_id][epoch]


@internal
@view
def _check_operator(node_id: uint256):
    """
    @dev Refuses an unknown node, and a caller that is not the node's operator.
    @param node_id The node.
    """
    assert self._profile[node_id] != 0, "registry: unknown node"
    assert msg.sender == self._operator[node_id], "registry: caller is not the operator"
