# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title ComputeBasket
@custom:contract-name ComputeBasket
@custom:spec docs/SPEC.md, section "ComputeBasket"
@license MIT
@notice One compliant token backed in kind by fixed amounts of up to 32 node tokens
        (ComputeToken), whose holders receive the combined revenue of all of them through
        one stream: an investor holds many uncorrelated nodes with one balance and one
        `claim`, and an outage, a slash or a weak region moves a 32nd of the yield, not
        all of it.
@dev Reused, not copied: snekmate `erc20` (18 decimals, EIP-2612, EIP-5267), the
     `revenue_stream` module and the `compliance` module, initialized as ComputeToken
     initializes them: the identity registry, the agent role, freeze, pause, forced
     transfer, recovery (shares AND unclaimed basket revenue), `detect_transfer_restriction`
     and the compliant `transfer` / `transferFrom` are the module's, with its revert
     strings. The minter role is not exported: only `create` mints and only `redeem` burns.
     This contract adds the composition, `create`, `redeem` and `harvest`.

     Composition. `components` (node tokens) and `units` are fixed at creation: one basket
     base unit is backed by exactly `units[i]` base units of component i, so, both having
     18 decimals, one whole basket share is `units[i]` whole node tokens. At most
     MAX_COMPONENTS = 32 components, distinct, each with `units[i] >= 1`, each a token of
     this deployment streaming in the basket's stablecoin on the basket's clock (`GENESIS`,
     `EPOCH_LENGTH`): otherwise one stream could not carry their revenue epoch for epoch.
     Why 32: `create`, `redeem` and `harvest` walk every component with one external call
     each (a node token's restricted `transferFrom` or `transfer`, 45,000-70,000 gas; its
     `claim`, about 40,000), so at 32 the dearest call stays near 2.3 million gas, a small
     part of any block: a basket can always be redeemed in one transaction, and no
     composition can make it too dear to leave. The diversification is mostly bought by
     then: the dispersion of an equal-weight basket of n uncorrelated nodes falls as
     1/sqrt(n), to 18% of one node's at 32; 64 would give 12.5% for twice every cost, and
     today's fleet (four regions, a handful of GPU models) has fewer than 32 distinct risk
     profiles. The bound is also the DynArrays' static size.

     Create and redeem in kind, exactly. `create(shares)` pulls `shares * units[i]` of each
     component from the caller (approve each first) and mints `shares`; `redeem(shares)`
     burns `shares` and sends `shares * units[i]` of each. There is no division, so there
     is no rounding: a create/redeem cycle returns exactly what went in and cannot extract
     a unit, however it is split, and the basket always holds at least
     `totalSupply * units[i]` of each component (more only if someone sends node tokens
     to it directly; nobody can take those out). The price of exactness is granularity:
     the ratios are integer ratios of base units. The supply cap of the stream (2**116)
     cannot be reached: the basket's supply times `units[0]` is held in a component, whose
     own supply is below it. Compliance applies twice: the basket's own (the caller must
     not be frozen and, when the basket is restricted, must be verified: as a mint's
     receiver for `create`, as a burn's holder for `redeem`; neither runs while the basket
     is paused) and each component's (its `transferFrom` / `transfer` between the caller
     and the basket, so the basket must be a verified holder of each component, which the
     deploy script arranges). A component that refuses (paused, the caller or the basket
     frozen or unverified there) refuses the whole `create` or `redeem`: a basket is as
     liquid in kind as its least liquid component, while its shares keep transferring.

     Harvest. Anyone calls `harvest()`: the basket claims its revenue from each component
     (`claim(self)`, whole units; each component keeps the sub-unit dust accrued for the
     next harvest) and credits what actually arrived, measured by balance difference, into
     its own stream in one deposit (`RevenueDeposited` with the basket as sender), which
     streams over the next epoch like any other deposit. A component whose `claim` reverts
     (its agent froze the basket there, the stablecoin refuses the transfer) is skipped
     with an event, so one node's agent cannot stop the revenue of the others; the skipped
     revenue keeps accruing to the basket in that component. Harvest target: at most
     60,000 gas per component. A slashed, retired or paused node stays in the basket: its
     revenue is whatever it earns (a slash's bond share arrives as revenue like any other).

     What a basket holder gives up: one epoch. A node token streams revenue deposited in
     epoch e over e + 1; the basket accrues it during e + 1 and, harvested then, streams it
     to basket holders over e + 2 (later if nobody harvests during e + 1: it waits, accruing
     to the basket in the components; nothing is lost). Over a holding of many epochs a
     basket holder earns exactly what holding `balance * units[i]` of each component would
     have earned, one epoch later, minus nothing but the floors of the two streams (below
     one stablecoin base unit per component per harvest for the basket; the per-holder
     floor of the basket's own stream). Why the delay is the right trade: (1) harvested
     revenue must enter the stream on an epoch boundary like any deposit, or a buyer of
     basket shares just before a harvest would catch revenue earned while others held:
     the sandwich that fixed epoch boundaries exist to stop; (2) passing node revenue
     through without delay would mean tracking each basket holder's share of each
     component's accumulator, 32 accumulators read and written on every basket transfer,
     instead of one. So revenue follows who holds the basket one epoch after the nodes
     earned it: a seller at the end of e + 1 leaves the revenue the basket earned during
     e + 1 to the buyer, and the price of a basket share includes it, as a bond's price
     includes its accrued coupon.
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
    compliance.transfer,
    compliance.transferFrom,
    compliance.is_frozen,
    compliance.paused,
    compliance.restricted,
    compliance.detect_transfer_restriction,
    compliance.message_for_transfer_restriction,
    compliance.forced_transfer,
    compliance.recover,
    compliance.freeze,
    compliance.unfreeze,
    compliance.pause,
    compliance.unpause,
    compliance.set_agent,
    compliance.set_restricted,
    compliance.set_identity_registry,
    compliance.identity_registry,
    compliance.is_agent,
)


# What the basket reads of a component: a ComputeToken's ERC-20 transfers, its `claim` and
# the stablecoin and clock it streams on.
interface IComponent:
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable
    def transferFrom(owner: address, receiver: address, amount: uint256) -> bool: nonpayable
    def claim(receiver: address) -> uint256: nonpayable
    def STABLECOIN() -> address: view
    def GENESIS() -> uint256: view
    def EPOCH_LENGTH() -> uint256: view


# the most node tokens a basket holds (the @dev above says why 32)
MAX_COMPONENTS: public(constant(uint256)) = 32

# the node tokens backing the basket and, for each, its base units per basket base unit;
# fixed at creation
components: public(DynArray[IComponent, MAX_COMPONENTS])
units: public(DynArray[uint256, MAX_COMPONENTS])


# `account` deposited `shares` basket base units' worth of every component and received the shares
event Created:
    account: indexed(address)
    shares: uint256


# `account` burnt `shares` basket base units and received their worth of every component
event Redeemed:
    account: indexed(address)
    shares: uint256


# `harvest` could not claim from `component` (its claim reverted); the revenue stays accrued there
event HarvestSkipped:
    component: indexed(address)


@deploy
def __init__(
    name_: String[25],
    symbol_: String[5],
    components_: DynArray[IComponent, MAX_COMPONENTS],
    units_: DynArray[uint256, MAX_COMPONENTS],
    stablecoin: address,
    identity_registry_: IIdentityRegistry,
    genesis: uint256,
    epoch_length: uint256,
    admin: address,
    agent: address,
):
    """
    @dev Restricted mode starts on. The basket must then be verified in the identity
         registry (and in any other a component reads) before anyone can create.
    @param name_ Basket name, also the EIP-712 domain name (version "1").
    @param symbol_ Basket symbol.
    @param components_ The node tokens, distinct, 1 to 32.
    @param units_ Each component's base units per basket base unit, at least 1.
    @param stablecoin The revenue token, every component's.
    @param identity_registry_ The shared investor allowlist.
    @param genesis The deployment's epoch origin, every component's.
    @param epoch_length Seconds per revenue epoch, every component's.
    @param admin Owner of the roles and settings (two-step transferable).
    @param agent First compliance agent.
    """
    assert len(components_) != 0, "compute_basket: no components"
    assert len(units_) == len(components_), "compute_basket: units and components differ in length"
    for i: uint256 in range(len(components_), bound=MAX_COMPONENTS):
        component: IComponent = components_[i]
        assert units_[i] != 0, "compute_basket: zero units"
        for j: uint256 in range(i, bound=MAX_COMPONENTS):
            assert components_[j] != component, "compute_basket: duplicate component"
        assert staticcall component.STABLECOIN() == stablecoin, "compute_basket: component on another stablecoin"
        assert (
            staticcall component.GENESIS() == genesis and staticcall component.EPOCH_LENGTH() == epoch_length
        ), "compute_basket: component on another clock"
    ow.__init__()
    ow2.__init__()
    erc20.__init__(name_, symbol_, 18, name_, "1")
    stream.__init__(IERC20(stablecoin), genesis, epoch_length)
    assert admin != empty(address), "compute_basket: admin is the zero address"
    ow._transfer_ownership(admin)
    compliance.__init__(identity_registry_, agent)
    self.components = components_
    self.units = units_


@external
@nonreentrant
def create(shares: uint256):
    """
    @dev Mints `shares` to the caller for `shares * units(i)` of every component, pulled
         from it (approve each component first). The caller must not be frozen and, when
         restricted, must be verified; each component's compliance applies to its pull.
    @param shares Basket base units.
    """
    assert shares != 0, "compute_basket: nothing to create"
    assert stream._flags() & stream.PAUSED_FLAG == 0, "compute_basket: paused"
    compliance._require_receiver(msg.sender)
    stream._credit(msg.sender, shares, stream._update())
    erc20._mint(msg.sender, shares)
    units: DynArray[uint256, MAX_COMPONENTS] = self.units
    for i: uint256 in range(len(units), bound=MAX_COMPONENTS):
        # a ComputeToken returns true or reverts with its reason
        extcall self.components[i].transferFrom(msg.sender, self, shares * units[i])
    log Created(account=msg.sender, shares=shares)


@external
@nonreentrant
def redeem(shares: uint256):
    """
    @dev Burns `shares` of the caller's and sends it `shares * units(i)` of every component.
         The caller must not be frozen and, when restricted, must be verified; each
         component's compliance applies to its transfer. The caller keeps the basket
         revenue accrued so far.
    @param shares Basket base units.
    """
    assert shares != 0, "compute_basket: nothing to redeem"
    assert stream._flags() & stream.PAUSED_FLAG == 0, "compute_basket: paused"
    assert not stream._is_frozen(msg.sender), "compute_basket: account is frozen"
    compliance._require_sender(msg.sender)
    stream._debit(msg.sender, shares, stream._update())
    erc20._burn(msg.sender, shares)
    units: DynArray[uint256, MAX_COMPONENTS] = self.units
    for i: uint256 in range(len(units), bound=MAX_COMPONENTS):
        extcall self.components[i].transfer(msg.sender, shares * units[i])
    log Redeemed(account=msg.sender, shares=shares)


@external
@nonreentrant
def harvest() -> uint256:
    """
    @dev Claims the basket's revenue from every component and deposits what arrived into
         its own stream, in one deposit: it streams to basket holders over the next epoch.
         A component whose claim reverts is skipped (`HarvestSkipped`). Anyone may call it.
    @return uint256 The amount deposited, in stablecoin base units (0: nothing arrived).
    """
    before: uint256 = staticcall stream.STABLECOIN.balanceOf(self)
    for component: IComponent in self.components:
        claimed: bool = raw_call(
            component.address,
            abi_encode(self, method_id=method_id("claim(address)")),
            revert_on_failure=False,
        )
        if not claimed:
            log HarvestSkipped(component=component.address)
    amount: uint256 = staticcall stream.STABLECOIN.balanceOf(self) - before
    if amount != 0:
        stream._deposit_held(amount)
    return amount


@external
@view
def component_count() -> uint256:
    """
    @dev How many node tokens back the basket.
    @return uint256 1 to 32.
    """
    return len(self.components)
