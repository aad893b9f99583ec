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
        the token's admin is the registry's owner, the issuer; its agent and minter are
        `token_agent()` and `token_minter()` (the owner until the owner names others).
        Operators are known parties: only an account verified in the deployment's
        IdentityRegistry (the factory's) registers, and one operator lists at most
        `MAX_NODES_PER_OPERATOR_IN_REGION` nodes in a region, so no one operator fills a
        region's listing (`MAX_NODES_PER_REGION`). Node ids are this registry's own: the
        factory keys tokens by (registry, node id).
@dev Stablecoins: tokens that return nothing (USDT-style) work, one that answers `false` is
     refused, a fee-on-transfer or short-paying one is credited what arrived; rebasing
     tokens are not supported (the running total below would drift from the balance).
     Bonds: an operator's stablecoin, credited by balance difference (a fee-on-transfer
     or short-paying token is never over-credited). `bonds_held` is the running total of
     what the registry owes, every node's bond at risk plus its pending request; post,
     withdrawal and slash keep it exact. Stablecoin sent to the registry any other way is
     excess, and `skim` (anyone) sends exactly the excess to `treasury`, never a unit owed. The bond a node holds is split in
     two: the bond at risk (`node().bond`, what investors read) and at most one pending
     withdrawal request (`bond_withdrawal()`), public from the moment it is made. A
     request is payable from `BOND_DELAY` after it was made until `BOND_WITHDRAWAL_WINDOW`
     later; then it expires unpaid and its amount counts as at risk again.
     Judging: the registry reads the AttestationOracle's clock (`GENESIS`, `EPOCH_LENGTH`).
     A node's first judged epoch is the first whole one after its registration. An ended
     epoch is judged when it has an accepted report at or above the SLA, or when it was
     slashed. An epoch with no report `GRACE_PERIOD` after its end is *missed*: it counts
     as uptime 0 and anyone may slash it as downtime. Per node a cursor, `judged_until`,
     says that every epoch below it is judged; it starts at the node's first epoch and
     `judge(node, epochs)` (anyone) and `withdraw_bond` move it forward over judged epochs,
     at most `MAX_JUDGED_PER_CALL` epochs a call, stopping at the first epoch not judged
     yet (not ended, report still due, or below the SLA / missed and not slashed). A
     withdrawal requested during epoch `e` is paid only once the cursor is past `e`: every
     ended epoch of the node up to the request has been reported at the SLA or slashed.
     The cost is bounded per call (one oracle read per epoch walked, and one slot read
     for an epoch below the SLA) and each epoch is walked once.
     Slashing: once per (node, epoch), by anyone, when the oracle's accepted report for
     that epoch shows uptime below the node's `sla_uptime_bps`, or when the epoch (at or
     after the cursor) is missed. It moves `SLASH_BPS` (rounded down) of the bond at
     risk now, plus the pending request when the epoch is not after the request's
     epoch (the requested amount was at risk then), into the node's ComputeToken revenue
     stream, so the holders are compensated; the request pays its own share of it and the
     bond at risk the rest (rounding included). A slash that would
     move nothing is refused and leaves the epoch open, so a bond posted later pays for
     it. A node's status does not exempt it, and a slash has no time limit.
     Gas: what Settlement reads per node (token, operator share) and what a slash or a
     judgement reads and writes (SLA, status, cursor) share one slot.
"""

from ethereum.ercs import IERC20

from interfaces import IAttestationOracle
from interfaces import IComputeFactory
from interfaces import IEpochClock
from interfaces import IIdentityRegistry
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
# one operator's nodes in one region: a region's listing takes nodes of 64 operators at least
MAX_NODES_PER_OPERATOR_IN_REGION: constant(uint256) = 16
MAX_BOND_DELAY: constant(uint256) = constants.YEAR
MAX_BOND_WITHDRAWAL_WINDOW: constant(uint256) = 7 * 86_400
MAX_GRACE_PERIOD: constant(uint256) = 30 * 86_400
MAX_JUDGED_PER_CALL: constant(uint256) = 512
# added before dividing by MAX_BPS: a slash rounds up, in the holders' favour
_ROUND_UP: constant(uint256) = constants.MAX_BPS - 1
TOKEN_SYMBOL: constant(String[5]) = "CNODE"

# _profile: token (bits 0..159) | operator share bps (160..175) | SLA uptime bps (176..191)
# | status (192..199) | judged cursor (200..255): every epoch of the node below it is judged;
# at registration the node's first judged epoch
_SHARE_SHIFT: constant(uint256) = 160
_SLA_SHIFT: constant(uint256) = 176
_STATUS_SHIFT: constant(uint256) = 192
_CURSOR_SHIFT: constant(uint256) = 200
_BELOW_CURSOR: constant(uint256) = (1 << _CURSOR_SHIFT) - 1
# _request_timing: available_at (bits 0..63) | the epoch it was requested in (64..127)
_REQUEST_EPOCH_SHIFT: constant(uint256) = 64

# Fixed at deployment: the factory, registry, stablecoin (bonds in its base units) and
# oracle the registry uses; BOND_DELAY, BOND_WITHDRAWAL_WINDOW and GRACE_PERIOD in seconds;
# SLASH_BPS, the share of the bond a slash takes, in basis points; GENESIS (unix time,
# seconds) and EPOCH_LENGTH (seconds), the suite's one epoch clock.
FACTORY: public(immutable(IComputeFactory))
IDENTITY_REGISTRY: public(immutable(IIdentityRegistry))
STABLECOIN: public(immutable(IERC20))
ORACLE: public(immutable(IAttestationOracle))
BOND_DELAY: public(immutable(uint256))
SLASH_BPS: public(immutable(uint256))
BOND_WITHDRAWAL_WINDOW: public(immutable(uint256))
GRACE_PERIOD: public(immutable(uint256))
GENESIS: public(immutable(uint256))
EPOCH_LENGTH: public(immutable(uint256))

# nodes registered so far: ids run from 1 to it
node_count: public(uint256)
_profile: HashMap[uint256, uint256]
_operator: HashMap[uint256, address]
_price: HashMap[uint256, uint256]
_gpu_count: HashMap[uint256, uint32]
_region: HashMap[uint256, String[32]]
_gpu_model: HashMap[uint256, String[32]]
_metadata_uri: HashMap[uint256, String[256]]
_region_nodes: HashMap[bytes32, DynArray[uint256, MAX_NODES_PER_REGION]]
# operator -> region key -> nodes it registered there (retired ones too)
_operator_region_nodes: HashMap[address, HashMap[bytes32, uint256]]
# what the registry holds for the node: the bond at risk plus a pending request
_bond: HashMap[uint256, uint256]
# the latest request's amount (0: none) and timing; it is pending until it expires
_requested: HashMap[uint256, uint256]
_request_timing: HashMap[uint256, uint256]
_slashed: HashMap[uint256, HashMap[uint64, bool]]
# what the registry owes: the sum of `_bond` over every node
bonds_held: public(uint256)
# where `skim` sends stablecoin the registry does not owe
treasury: public(address)
# the agent and minter of every token registered from now on (empty: the owner)
_token_agent: address
_token_minter: address


@deploy
def __init__(
    factory: IComputeFactory,
    stablecoin: IERC20,
    oracle: IAttestationOracle,
    bond_delay: uint256,
    slash_bps: uint256,
    bond_withdrawal_window: uint256,
    grace_period: uint256,
):
    """
    @dev Takes its clock (`GENESIS`, `EPOCH_LENGTH`) from the oracle and the operators'
         allowlist from the factory (`IDENTITY_REGISTRY`, the one its tokens use). The
         deployer is the first treasury (`set_treasury`). Choose
         `bond_delay >= EPOCH_LENGTH + grace_period`, so every epoch up to a request can be
         judged by the time it matures.
    @param factory The ComputeFactory that creates node tokens (make this registry a creator).
    @param stablecoin The bond token, the deployment's stablecoin.
    @param oracle The AttestationOracle whose reports decide slashes.
    @param bond_delay Seconds between a bond withdrawal request and its payment (at most a year).
    @param slash_bps The share of the bond one slash moves to the holders (1..10,000).
    @param bond_withdrawal_window Seconds a matured request stays payable before it
           expires (1 second to 7 days).
    @param grace_period Seconds after an epoch's end before an epoch without a report is
           missed (1 second to 30 days).
    """
    assert factory.address.is_contract, "registry: factory has no code"
    assert stablecoin.address.is_contract, "registry: stablecoin has no code"
    assert oracle.address.is_contract, "registry: oracle has no code"
    assert slash_bps != 0 and slash_bps <= constants.MAX_BPS, "registry: slash share out of range"
    assert bond_delay <= MAX_BOND_DELAY, "registry: bond delay above a year"
    assert (
        bond_withdrawal_window != 0 and bond_withdrawal_window <= MAX_BOND_WITHDRAWAL_WINDOW
    ), "registry: withdrawal window out of range"
    assert grace_period != 0 and grace_period <= MAX_GRACE_PERIOD, "registry: grace period out of range"
    ow.__init__()
    ow2.__init__()
    FACTORY = factory
    IDENTITY_REGISTRY = IIdentityRegistry(staticcall factory.IDENTITY_REGISTRY())
    STABLECOIN = stablecoin
    ORACLE = oracle
    BOND_DELAY = bond_delay
    SLASH_BPS = slash_bps
    BOND_WITHDRAWAL_WINDOW = bond_withdrawal_window
    GRACE_PERIOD = grace_period
    GENESIS = staticcall IEpochClock(oracle.address).GENESIS()
    EPOCH_LENGTH = staticcall IEpochClock(oracle.address).EPOCH_LENGTH()
    self.treasury = msg.sender


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
         ("ComputeRWA #<id>", documents hash = keccak256 of `metadata_uri`). Its first
         judged epoch is the next one, the first whole epoch it exists. The caller must be
         verified in `IDENTITY_REGISTRY` now, and have fewer than
         `MAX_NODES_PER_OPERATOR_IN_REGION` nodes in `region` (retired ones count).
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
    assert staticcall IDENTITY_REGISTRY.is_verified(msg.sender), "registry: operator is not verified"
    node_id: uint256 = self.node_count + 1
    self.node_count = node_id
    region_key: bytes32 = keccak256(region)
    listed: uint256 = self._operator_region_nodes[msg.sender][region_key]
    assert listed < MAX_NODES_PER_OPERATOR_IN_REGION, "registry: operator has 16 nodes in the region"
    self._operator_region_nodes[msg.sender][region_key] = listed + 1
    assert len(self._region_nodes[region_key]) < MAX_NODES_PER_REGION, "registry: region is full"
    self._region_nodes[region_key].append(node_id)
    owner: address = ow.owner
    token: address = extcall FACTORY.create_token(
        node_id,
        concat("ComputeRWA #", uint2str(convert(node_id, uint32))),
        TOKEN_SYMBOL,
        keccak256(metadata_uri),
        owner,
        self._or_owner(self._token_agent, owner),
        self._or_owner(self._token_minter, owner),
    )
    self._profile[node_id] = (
        convert(token, uint256)
        | (convert(operator_share_bps, uint256) << _SHARE_SHIFT)
        | (convert(sla_uptime_bps, uint256) << _SLA_SHIFT)
        | (convert(ACTIVE, uint256) << _STATUS_SHIFT)
        | ((self._current_epoch() + 1) << _CURSOR_SHIFT)
    )
    self._operator[node_id] = msg.sender
    self._rental[node_id] = convert(ACTIVE, uint256) << _RENTAL_STATUS_SHIFT  # not offered for rent yet
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
    # the rental offer's copy, so a booking reads one slot
    self._rental[node_id] = (self._rental[node_id] & ~(constants.UINT8_MASK << _RENTAL_STATUS_SHIFT)) | (
        convert(status, uint256) << _RENTAL_STATUS_SHIFT
    )
    log INodeRegistry.StatusSet(node_id=node_id, status=status)


@external
def post_bond(node_id: uint256, amount: uint256) -> uint256:
    """
    @dev Adds to the node's bond at risk from the caller (approve first); anyone may top
         it up.
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
    self.bonds_held += credited
    requested: uint256 = 0
    timing: uint256 = 0
    requested, timing = self._pending(node_id)
    log INodeRegistry.BondPosted(node_id=node_id, sender=msg.sender, amount=credited, bond=bond - requested)
    return credited


@external
def request_bond_withdrawal(node_id: uint256, amount: uint256):
    """
    @dev Asks to withdraw `amount` of the node's bond. Its operator only. Public at once:
         the amount leaves the bond at risk now, stays slashable for every epoch up to
         the current one, is payable from `BOND_DELAY` after now until
         `BOND_WITHDRAWAL_WINDOW` later, and only once every ended epoch of the node up to
         the current one is judged. A new request replaces the pending one (whose amount
         is at risk again) and restarts the delay.
    @param node_id The node.
    @param amount Stablecoin base units; at most what the node holds (slashes may lower it).
    """
    self._check_operator(node_id)
    assert amount != 0, "registry: nothing to withdraw"
    bond: uint256 = self._bond[node_id]
    assert amount <= bond, "registry: amount above the bond"
    epoch: uint256 = self._current_epoch()
    available_at: uint256 = block.timestamp + BOND_DELAY
    self._requested[node_id] = amount
    self._request_timing[node_id] = available_at | (epoch << _REQUEST_EPOCH_SHIFT)
    log INodeRegistry.BondWithdrawalRequested(
        node_id=node_id,
        amount=amount,
        available_at=available_at,
        expires_at=available_at + BOND_WITHDRAWAL_WINDOW,
        epoch=convert(epoch, uint64),
        bond=bond - amount,
    )


@external
def withdraw_bond(node_id: uint256, receiver: address) -> uint256:
    """
    @dev Pays the pending request (what slashes left of it) once its delay has passed and
         before it expires, when every ended epoch of the node up to the request's epoch
         is judged; it walks the judged cursor there first (as `judge` does, at most
         `MAX_JUDGED_PER_CALL` epochs). Its operator only.
    @param node_id The node.
    @param receiver Where the stablecoin goes (any address the stablecoin accepts).
    @return uint256 The amount paid.
    """
    self._check_operator(node_id)
    amount: uint256 = self._requested[node_id]
    assert amount != 0, "registry: no withdrawal requested"
    timing: uint256 = self._request_timing[node_id]
    available_at: uint256 = timing & constants.UINT64_MASK
    assert block.timestamp >= available_at, "registry: withdrawal not available yet"
    assert block.timestamp < available_at + BOND_WITHDRAWAL_WINDOW, "registry: withdrawal request expired"
    epoch: uint256 = timing >> _REQUEST_EPOCH_SHIFT
    assert (
        self._judge(node_id, self._profile[node_id], epoch, MAX_JUDGED_PER_CALL) > epoch
    ), "registry: an epoch up to the request is not judged yet"
    bond: uint256 = self._bond[node_id] - amount
    self._bond[node_id] = bond
    self.bonds_held -= amount
    self._requested[node_id] = 0
    self._request_timing[node_id] = 0
    assert extcall STABLECOIN.transfer(receiver, amount, default_return_value=True), "registry: transfer failed"
    log INodeRegistry.BondWithdrawn(node_id=node_id, receiver=receiver, amount=amount, bond=bond)
    return amount


@external
def slash(node_id: uint256, epoch: uint64) -> uint256:
    """
    @dev Moves `SLASH_BPS` of the bond that was at risk during `epoch` into the node's
         ComputeToken revenue stream when the oracle's report for `epoch` shows uptime
         below the node's SLA, or when the epoch is missed (no report `GRACE_PERIOD` after
         its end, at or after the node's judged cursor: downtime, uptime 0). The base is
         the bond at risk now plus the pending request if `epoch` is not after the
         request's epoch; the request pays `SLASH_BPS` of itself and the bond at risk the
         rest, each rounded up (in the holders' favour, never the failing operator's). Anyone may call it, once per
         (node, epoch); a slash that would move nothing is refused and consumes nothing.
    @param node_id The node.
    @param epoch The epoch: reported below the SLA, or missed.
    @return uint256 The amount the token credited to its holders.
    """
    profile: uint256 = self._profile[node_id]
    assert profile != 0, "registry: unknown node"
    assert not self._slashed[node_id][epoch], "registry: epoch already slashed"
    report: IAttestationOracle.Attestation = staticcall ORACLE.report(node_id, epoch)
    missed: bool = report.submitted_at == 0
    if missed:
        # below the cursor an epoch was judged on a report, or slashed, or precedes the node
        assert convert(epoch, uint256) >= profile >> _CURSOR_SHIFT, "registry: no report for that epoch"
        assert (
            block.timestamp >= self._epoch_end(convert(epoch, uint256)) + GRACE_PERIOD
        ), "registry: report still due for that epoch"
    sla: uint16 = convert((profile >> _SLA_SHIFT) & constants.UINT16_MASK, uint16)
    assert report.uptime_bps < sla, "registry: uptime met the SLA"
    requested: uint256 = 0
    timing: uint256 = 0
    requested, timing = self._pending(node_id)
    covered: uint256 = 0
    if convert(epoch, uint256) <= timing >> _REQUEST_EPOCH_SHIFT:
        covered = requested
    bond: uint256 = self._bond[node_id]
    # rounded up: a sub-unit remainder goes to the holders, not to the operator that missed
    amount: uint256 = ((bond - requested + covered) * SLASH_BPS + _ROUND_UP) // constants.MAX_BPS
    assert amount != 0, "registry: no bond to slash"
    self._slashed[node_id][epoch] = True
    # the request pays its own share (never more than `amount`); the bond at risk the rest
    from_request: uint256 = (covered * SLASH_BPS + _ROUND_UP) // constants.MAX_BPS
    if from_request != 0:
        requested -= from_request
        self._requested[node_id] = requested
    bond -= amount
    self._bond[node_id] = bond
    self.bonds_held -= amount
    token: address = convert(profile & constants.ADDRESS_MASK, address)
    assert extcall STABLECOIN.approve(token, amount, default_return_value=True), "registry: approve failed"
    credited: uint256 = extcall IRevenueStream(token).deposit_revenue(amount)
    log INodeRegistry.Slashed(
        node_id=node_id,
        epoch=epoch,
        missed=missed,
        uptime_bps=report.uptime_bps,
        sla_uptime_bps=sla,
        amount=amount,
        bond=bond - requested,
        requested=requested,
    )
    return credited


@external
def judge(node_id: uint256, epochs: uint256) -> uint64:
    """
    @dev Moves the node's judged cursor forward over at most `epochs` epochs (and at most
         `MAX_JUDGED_PER_CALL`), stopping at the first one not judged yet: not ended, its
         report still due, or reported below the SLA or missed and not slashed (slash it,
         then judge again). Anyone may call it; a node with a long unjudged history is
         judged in several calls before its operator can withdraw.
    @param node_id The node.
    @param epochs How many epochs to walk at most.
    @return uint64 The cursor after the walk: every epoch of the node below it is judged.
    """
    profile: uint256 = self._profile[node_id]
    assert profile != 0, "registry: unknown node"
    return convert(self._judge(node_id, profile, max_value(uint256), epochs), uint64)


@external
def skim() -> uint256:
    """
    @dev Sends the registry's stablecoin beyond what it owes (`bonds_held`: every node's
         bond at risk plus its pending request) to `treasury`: stablecoin sent to the
         registry other than through `post_bond`. Anyone may call it; it never moves a
         unit owed (the registry's balance after it is `bonds_held`).
    @return uint256 The amount sent (what the treasury receives may be less with a
            fee-on-transfer token).
    """
    held: uint256 = staticcall STABLECOIN.balanceOf(self)
    owed: uint256 = self.bonds_held
    assert held > owed, "registry: nothing to skim"
    excess: uint256 = held - owed
    receiver: address = self.treasury
    assert extcall STABLECOIN.transfer(receiver, excess, default_return_value=True), "registry: transfer failed"
    log INodeRegistry.Skimmed(receiver=receiver, amount=excess)
    return excess


@external
def set_treasury(treasury: address):
    """
    @dev Sets where `skim` sends the excess. Owner only.
    @param treasury The new treasury (not the zero address).
    """
    ow._check_owner()
    assert treasury != empty(address), "registry: treasury is the zero address"
    self.treasury = treasury
    log INodeRegistry.TreasurySet(treasury=treasury)


@external
def set_token_agent(agent: address):
    """
    @dev Sets the agent (freeze, pause, forced transfer, recover) of every node token
         registered from now on; tokens registered before keep theirs. Owner only.
    @param agent The new token agent (not the zero address).
    """
    ow._check_owner()
    assert agent != empty(address), "registry: token agent is the zero address"
    self._token_agent = agent
    log INodeRegistry.TokenAgentSet(agent=agent)


@external
def set_token_minter(minter: address):
    """
    @dev Sets the minter (mint, burn) of every node token registered from now on; tokens
         registered before keep theirs. Owner only.
    @param minter The new token minter (not the zero address).
    """
    ow._check_owner()
    assert minter != empty(address), "registry: token minter is the zero address"
    self._token_minter = minter
    log INodeRegistry.TokenMinterSet(minter=minter)


@external
@view
def token_agent() -> address:
    """
    @dev The agent the next registered node's token gets.
    @return address `set_token_agent`'s address, or the owner while none was set.
    """
    return self._or_owner(self._token_agent, ow.owner)


@external
@view
def token_minter() -> address:
    """
    @dev The minter the next registered node's token gets.
    @return address `set_token_minter`'s address, or the owner while none was set.
    """
    return self._or_owner(self._token_minter, ow.owner)


@external
@view
def node(node_id: uint256) -> INodeRegistry.Node:
    """
    @dev Everything a client quotes from; all zero (`status == 0`) for an unknown id.
         `bond` is the bond at risk: what the node holds less a pending withdrawal request.
    @param node_id The node.
    @return Node Its operator, token, status, location, hardware, price, shares and bond at risk.
    """
    profile: uint256 = self._profile[node_id]
    requested: uint256 = 0
    timing: uint256 = 0
    requested, timing = self._pending(node_id)
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
        bond=self._bond[node_id] - requested,
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
def operator_nodes_in_region(operator: address, region: String[32]) -> uint256:
    """
    @dev How many nodes `operator` registered in `region` (retired ones too); it registers
         there only while this is below `MAX_NODES_PER_OPERATOR_IN_REGION`.
    @param operator The operator.
    @param region The region, matched exactly.
    @return uint256 Its node count there.
    """
    return self._operator_region_nodes[operator][keccak256(region)]


@external
@view
def bond_withdrawal(node_id: uint256) -> INodeRegistry.BondWithdrawal:
    """
    @dev The node's pending bond withdrawal request, apart from the bond at risk.
    @param node_id The node.
    @return BondWithdrawal Amount (what slashes left of it), when it can be paid, when it
            expires and the epoch it was requested in; all zero when none is pending (an
            expired request is not pending).
    """
    requested: uint256 = 0
    timing: uint256 = 0
    requested, timing = self._pending(node_id)
    if requested == 0:
        return empty(INodeRegistry.BondWithdrawal)
    available_at: uint256 = timing & constants.UINT64_MASK
    return INodeRegistry.BondWithdrawal(
        amount=requested,
        available_at=available_at,
        expires_at=available_at + BOND_WITHDRAWAL_WINDOW,
        epoch=convert(timing >> _REQUEST_EPOCH_SHIFT, uint64),
    )


@external
@view
def judged_until(node_id: uint256) -> uint64:
    """
    @dev The node's judged cursor: every epoch of the node below it has an accepted report
         at or above the SLA, or was slashed. It starts at the node's first judged epoch
         (the first whole epoch after its registration) and moves only through `judge`
         and `withdraw_bond`.
    @param node_id The node.
    @return uint64 The first epoch not yet known to be judged (0 for an unknown node).
    """
    return convert(self._profile[node_id] >> _CURSOR_SHIFT, uint64)


@external
@view
def current_epoch() -> uint256:
    """
    @dev The running epoch of the deployment's one clock (the oracle's).
    @return uint256 `(block.timestamp - GENESIS) // EPOCH_LENGTH`.
    """
    return self._current_epoch()


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
@pure
def _or_owner(role: address, owner: address) -> address:
    """
    @dev A token role as configured: `role`, or `owner` while the role is unset.
    @param role The stored role (empty: unset).
    @param owner The registry's owner.
    @return address The address that holds the role.
    """
    if role == empty(address):
        return owner
    return role


@internal
@view
def _check_operator(node_id: uint256):
    """
    @dev Refuses an unknown node, and a caller that is not the node's operator.
    @param node_id The node.
    """
    assert self._profile[node_id] != 0, "registry: unknown node"
    assert msg.sender == self._operator[node_id], "registry: caller is not the operator"


@internal
@view
def _pending(node_id: uint256) -> (uint256, uint256):
    """
    @dev The node's pending withdrawal request: made and not expired (a paid or replaced
         request is gone from storage; an expired one stays but is not pending).
    @param node_id The node.
    @return uint256 The amount requested, what slashes left of it (0 when none is pending).
    @return uint256 Its packed timing, available_at (bits 0..63) | epoch (64..127); 0 when none.
    """
    requested: uint256 = self._requested[node_id]
    if requested == 0:
        return 0, 0
    timing: uint256 = self._request_timing[node_id]
    if block.timestamp >= (timing & constants.UINT64_MASK) + BOND_WITHDRAWAL_WINDOW:
        return 0, 0
    return requested, timing


@internal
def _judge(node_id: uint256, profile: uint256, until: uint256, steps: uint256) -> uint256:
    """
    @dev Walks the node's judged cursor over at most `steps` epochs, none after `until`,
         past every ended epoch whose accepted report meets the SLA or that was slashed (a
         missed epoch counts as uptime 0, so unslashed it passes only an SLA of 0); stops
         at the first other one. Stores the cursor and logs `EpochsJudged` when it moved.
    @param node_id The node.
    @param profile The node's packed profile (SLA, cursor).
    @param until The last epoch the walk may pass.
    @param steps The most epochs to walk (capped at MAX_JUDGED_PER_CALL).
    @return uint256 The cursor after the walk.
    """
    start: uint256 = profile >> _CURSOR_SHIFT
    sla: uint16 = convert((profile >> _SLA_SHIFT) & constants.UINT16_MASK, uint16)
    cursor: uint256 = start
    for walked: uint256 in range(MAX_JUDGED_PER_CALL):
        if walked == steps or cursor > until:
            break
        ended: uint256 = self._epoch_end(cursor)
        if block.timestamp < ended:
            break
        epoch: uint64 = convert(cursor, uint64)
        report: IAttestationOracle.Attestation = staticcall ORACLE.report(node_id, epoch)
        if report.submitted_at == 0 and block.timestamp < ended + GRACE_PERIOD:
            break
        if report.uptime_bps < sla and not self._slashed[node_id][epoch]:
            break
        cursor += 1
    if cursor != start:
        self._profile[node_id] = (profile & _BELOW_CURSOR) | (cursor << _CURSOR_SHIFT)
        log INodeRegistry.EpochsJudged(
            node_id=node_id, from_epoch=convert(start, uint64), judged_until=convert(cursor, uint64)
        )
    return cursor


@internal
@view
def _current_epoch() -> uint256:
    """
    @dev The running epoch of the oracle's clock (the registry is deployed after GENESIS).
    @return uint256 `(block.timestamp - GENESIS) // EPOCH_LENGTH`.
    """
    return (block.timestamp - GENESIS) // EPOCH_LENGTH


@internal
@view
def _epoch_end(epoch: uint256) -> uint256:
    """
    @dev The first second after `epoch`.
    @param epoch The epoch.
    @return uint256 `GENESIS + (epoch + 1) * EPOCH_LENGTH`.
    """
    return GENESIS + (epoch + 1) * EPOCH_LENGTH


# Rentals (NodeRentals books them). Declared last, so the slots above keep their places.
MAX_RENTAL_UNITS: constant(uint256) = 511
MAX_RENTAL_PRICE: constant(uint256) = (1 << 79) - 1
MAX_NOTICE_HOURS: constant(uint256) = 720
# _rental: units (bits 0..15) | cancellation fee bps (16..31) | notice hours (32..47) |
# price per unit-hour (48..126) | the node's status (128..135, a copy of the profile's, kept by
# register_node and set_status) | the offer's version (136..199, one more at every set_rental):
# the one slot a booking reads
_FEE_BPS_SHIFT: constant(uint256) = 16
_NOTICE_SHIFT: constant(uint256) = 32
_PRICE_SHIFT: constant(uint256) = 48
_RENTAL_STATUS_SHIFT: constant(uint256) = 128
_RENTAL_OFFER_MASK: constant(uint256) = (1 << _RENTAL_STATUS_SHIFT) - 1
_VERSION_SHIFT: constant(uint256) = 136
_VERSION_ONE: constant(uint256) = 1 << _VERSION_SHIFT
_rental: HashMap[uint256, uint256]


@external
def set_rental(
    node_id: uint256, units: uint256, price_per_unit_hour: uint256, cancellation_fee_bps: uint256, notice_hours: uint256
):
    """
    @dev Sets the node's rental offer and counts a new version of it. Its operator only,
         whatever the status (NodeRentals books an active node only). Bookings already made keep
         the offer they were made under; lowering `units` never cancels one. A booking names the
         version it accepts, so a change that lands first makes it revert instead of charging
         other terms.
    @param node_id The node.
    @param units Units bookable at any one hour, at most 511 (0: not for rent).
    @param price_per_unit_hour Stablecoin base units per unit-hour, below 2**79.
    @param cancellation_fee_bps What the node keeps of a cancelled part, at most 10,000.
    @param notice_hours Hours before its start a part can still be cancelled, at most 720.
    """
    self._check_operator(node_id)
    assert units <= MAX_RENTAL_UNITS, "registry: rental units above 511"
    assert price_per_unit_hour <= MAX_RENTAL_PRICE, "registry: rental price above 2**79 - 1"
    assert cancellation_fee_bps <= constants.MAX_BPS, "registry: cancellation fee above 100%"
    assert notice_hours <= MAX_NOTICE_HOURS, "registry: notice above 720 hours"
    # status and version above the offer; the version below 2**64 for as long as anyone can pay gas
    kept: uint256 = (self._rental[node_id] & ~_RENTAL_OFFER_MASK) + _VERSION_ONE
    self._rental[node_id] = (
        units
        | (cancellation_fee_bps << _FEE_BPS_SHIFT)
        | (notice_hours << _NOTICE_SHIFT)
        | (price_per_unit_hour << _PRICE_SHIFT)
        | kept
    )
    log INodeRegistry.RentalOfferSet(
        node_id=node_id,
        units=units,
        price_per_unit_hour=price_per_unit_hour,
        cancellation_fee_bps=cancellation_fee_bps,
        notice_hours=notice_hours,
        version=kept >> _VERSION_SHIFT,
    )


@external
@view
def rental(node_id: uint256) -> INodeRegistry.RentalOffer:
    """
    @dev The node's rental offer, status and offer version (all zero for an unknown node): one slot.
    @param node_id The node.
    @return RentalOffer Units, price per unit-hour, cancellation fee, notice, status, version.
    """
    offer: uint256 = self._rental[node_id]
    return INodeRegistry.RentalOffer(
        units=offer & constants.UINT16_MASK,
        price_per_unit_hour=(offer & _RENTAL_OFFER_MASK) >> _PRICE_SHIFT,
        cancellation_fee_bps=(offer >> _FEE_BPS_SHIFT) & constants.UINT16_MASK,
        notice_hours=(offer >> _NOTICE_SHIFT) & constants.UINT16_MASK,
        status=convert((offer >> _RENTAL_STATUS_SHIFT) & constants.UINT8_MASK, uint8),
        version=offer >> _VERSION_SHIFT,
    )
