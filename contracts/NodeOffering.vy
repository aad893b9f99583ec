# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title NodeOffering
@custom:contract-name NodeOffering
@custom:spec docs/SPEC.md, section "NodeOffering"
@license MIT
@notice Primary issuance of node shares for the stablecoin: investors buy a node's
        ComputeToken shares at a fixed price; if the minimum is not raised by the end,
        every buyer takes its money back; if it is, buyers claim their shares and the
        proceeds are released to the node's operator in two parts, a share at the close
        and the rest only once the AttestationOracle has accepted reports of the node at
        or above its SLA for N consecutive epochs (burn-in). If burn-in is not confirmed
        by its deadline, buyers exit pro rata of the proceeds not yet released by burning
        their shares; after an exit window, anyone may sweep what they leave into the node
        token's revenue stream, to its holders.
@dev One contract serves every node of a deployment (offerings are numbered from 1): one
     address for the issuer to make a minter of each node token, one for integrators to
     index, one set of approvals for buyers; an offering's terms and totals are its own.

     Terms (`create_offering`, owner only, fixed): the node; `shares_for_sale` (token base
     units; with `price`, the maximum raise: `max_raise`); `price` (stablecoin base units
     per whole share, 10**18 token base units); `min_raise` (stablecoin base units); the
     sale window [`start`, `end`); `release_bps` of the proceeds the operator may take at
     the close; `burn_in_epochs` N (1 to 90), `burn_in_deadline` and `exit_window` (seconds
     after the deadline that exits stay open, one epoch to 2**32 - 1). The node's token,
     operator and SLA are read from the NodeRegistry when the offering is created and kept:
     what the buyers were offered does not change under them.

     Status: PENDING before `start`; OPEN from `start` while shares are left and before
     `end`; then SUCCEEDED if at least `min_raise` was raised (or everything sold, which
     closes the sale at once), FAILED otherwise. No transaction closes a sale: time does.

     Buying. `buy(id, shares)` pulls `cost(id, shares)` = ceil(shares * price / 10**18)
     (the rounding is the buyer's: nobody buys a base unit for nothing) by `transferFrom`;
     `buy_with_authorization` takes it with the buyer's EIP-3009 ReceiveWithAuthorization
     to this contract, whose nonce `purchase_nonce(id, shares, salt)` binds it to that
     offering and that number of shares, so a relayer can submit it but not use it for
     anything else. What arrived is measured by balance difference and must be at least
     the cost: a fee-on-transfer stablecoin is refused, not under-collected. The buyer is
     credited the cost. The buyer must
     pass the node token's own compliance for a transfer to itself (not paused, not frozen,
     verified when restricted), so only an investor who could hold the shares buys them.

     Failure. Each buyer `refund`s exactly what it paid; nothing is minted.

     Success. Shares are claimable at once: `claim_shares(id, buyer)`, by anyone, mints the
     buyer's unclaimed shares to it (this contract must be a minter of the node token; the
     token's compliance applies: a frozen buyer claims once unfrozen); `claim_shares_batch`
     does it for up to 100 buyers at once. Revenue streams to shares from their mint, so a
     buyer (or a relayer for it) claims early. The operator
     `withdraw_proceeds` whatever is released: `release_bps` of the raise from the close,
     everything once `confirm_burn_in(id, first_epoch)` has found accepted reports of the
     node for N consecutive epochs from `first_epoch`, each at or above the SLA kept at
     creation; the epochs must start at or after `end` and it must be called by
     `burn_in_deadline` (anyone may call it; the oracle's reports are the only judge).

     Exit. After `burn_in_deadline` without a confirmed burn-in, a buyer `exit`s: up to the
     shares it bought and has not exited, its unclaimed shares first, then shares burnt
     from its balance, each paid `unreleased * shares / shares outstanding` (floored; the
     last shares out take what is left, so nothing is stranded, and splitting an exit only
     loses the splitter its floors). Confirmation and exit are separated by the deadline
     second: one is allowed up to it, the other only after, until a sweep.

     Sweep. Exits are keyed to buyers: shares a buyer sold on or pledged cannot be burnt by
     it, and their new holders bought no position, so their part of the escrow would stay here
     forever. When the exit window is over (the second after `burn_in_deadline +
     exit_window`), anyone may `sweep` what is still unreleased into the node token's revenue
     stream (`deposit_revenue`): it streams over the next epoch to the node's holders, pro
     rata, whoever holds the shares that left the buyers, and whoever else holds the node's
     shares (shares minted outside the offering share it too: THREAT_MODEL.md). Exits stay
     open until the sweep, which closes them (a buyer kept from exiting in the window by a
     paused stablecoin or a lapsed verification still exits if nobody swept first);
     unclaimed shares can still be claimed after it, and earn the stream from their mint
     (claim them, for anyone, before sweeping, so they share it). While nobody holds the
     node's shares, nothing is swept: the pool stays for the buyers' exits.

     Recovery. A buyer whose wallet the node token's compliance agent `recover`s (lost keys)
     keeps its purchase in the offering too: `recover_purchase(id, lost, replacement)`, by a
     compliance agent of that offering's node token (the same party, the same trust), moves the
     lost wallet's whole position (shares not exited, whether claimed, stablecoin paid) to the
     replacement, which must be able to receive the token's shares (not frozen, verified when
     restricted, as the token's `recover` asks). Into a replacement that has a position too, the
     two merge exactly: shares and paid add up; both claimed or both not (a position is minted
     whole), unless one side has no shares left. Totals do not change: nothing is paid, minted
     or burnt. Claimed shares are burnt at an exit from the replacement's balance, so the agent
     recovers the token too.

     Conservation (NOF-1): the stablecoin this contract holds is, over all offerings, what
     was raised (net of refunds) less what operators withdrew, exits were paid and sweeps
     deposited, to the wei; nothing else moves it. Stablecoin sent here directly is nobody's and stays.
"""

from ethereum.ercs import IERC20

from interfaces import IAttestationOracle
from interfaces import IEpochClock
from interfaces import IERC3009
from interfaces import INodeRegistry
from interfaces import IRevenueStream

from . import constants

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


# What an offering reads of a node token: its clock and stablecoin, its compliance and its
# minter role (ComputeToken).
interface INodeToken:
    def STABLECOIN() -> address: view
    def GENESIS() -> uint256: view
    def EPOCH_LENGTH() -> uint256: view
    def is_minter(account: address) -> bool: view
    def totalSupply() -> uint256: view
    def detect_transfer_restriction(sender: address, receiver: address, amount: uint256) -> uint8: view
    def mint(receiver: address, amount: uint256): nonpayable
    def burn(owner: address, amount: uint256): nonpayable
    def is_agent(account: address) -> bool: view
    def is_frozen(account: address) -> bool: view
    def restricted() -> bool: view
    def identity_registry() -> address: view


# the node token's identity registry, asked whether a recovery's replacement is verified
interface IVerifier:
    def is_verified(account: address) -> bool: view


# NodeRegistry's status of a node that will never work again
RETIRED: constant(uint8) = 3

# the node token's ERC-1404 restriction codes (compliance.vy) a buyer can meet: for a transfer
# from the buyer to itself, the pause (1), then the buyer frozen (2), then the buyer not
# verified (4; the receiver's codes, 3 and 5, come after the sender's)
_PAUSED: constant(uint8) = 1
_SENDER_FROZEN: constant(uint8) = 2

# Status (`status`): PENDING before the start; OPEN while buying; SUCCEEDED and FAILED once over
PENDING: constant(uint8) = 1
OPEN: constant(uint8) = 2
SUCCEEDED: constant(uint8) = 3
FAILED: constant(uint8) = 4

# one whole share, in token base units (18 decimals)
SHARE: constant(uint256) = 10**18
# the longest burn-in `confirm_burn_in` walks in one call (one oracle read per epoch)
MAX_BURN_IN_EPOCHS: public(constant(uint256)) = 90
# the most buyers one `claim_shares_batch` claims for
MAX_CLAIM_BATCH: public(constant(uint256)) = 100
# the longest exit window, in seconds (its field in `_rules` is 40 bits: 34,000 years; at
# least the longest epoch a node token takes, 2**32 seconds)
MAX_EXIT_WINDOW: public(constant(uint256)) = 2**40 - 1
# the most shares one offering sells: a node token's supply cap (revenue_stream.MAX_SUPPLY)
MAX_SHARES: constant(uint256) = 2**116 - 1

# the deployment's stablecoin (what buyers pay and node tokens stream)
STABLECOIN: public(immutable(IERC20))
# the NodeRegistry whose nodes are offered (token, operator and SLA are read from it)
REGISTRY: public(immutable(INodeRegistry))
# the AttestationOracle whose reports judge burn-in
ORACLE: public(immutable(IAttestationOracle))
# the deployment's clock, the oracle's: GENESIS (unix time, seconds), EPOCH_LENGTH (seconds)
GENESIS: public(immutable(uint256))
EPOCH_LENGTH: public(immutable(uint256))


# An offering's terms, fixed at creation (units in the @dev above); `first_epoch` is the
# first epoch burn-in may count (the first starting at or after `end`), `operator`, `token`
# and `sla_uptime_bps` the node's when the offering was created. `terms` returns it; storage
# packs it into four words.
struct Terms:
    node_id: uint256
    token: address
    operator: address
    shares_for_sale: uint256
    price: uint256
    min_raise: uint256
    start: uint256
    end: uint256
    release_bps: uint256
    burn_in_epochs: uint256
    burn_in_deadline: uint256
    exit_window: uint256
    first_epoch: uint256
    sla_uptime_bps: uint256


# An offering's running totals: shares bought and stablecoin raised (both net of refunds),
# stablecoin withdrawn by the operator and paid to exits, shares exited, whether burn-in was
# confirmed, and stablecoin swept into the node token's revenue stream.
struct Totals:
    sold: uint256
    raised: uint256
    withdrawn: uint256
    exit_paid: uint256
    exited: uint256
    burn_in_confirmed: bool
    swept: uint256


# A buyer's position in one offering: shares bought and not exited, whether they were
# claimed (minted to it: claims open only when the sale is over, and take every share at
# once, so a position is all claimed or all not), and stablecoin paid and not refunded.
struct Purchase:
    shares: uint256
    claimed: bool
    paid: uint256


# Storage: each offering in packed words, so a purchase reads three and writes two, a claim or
# a refund reads three and writes two (gas targets of issue #19: buy 90,000, claim 75,000,
# refund 60,000). Times fit 48 bits (8.9
# million years), shares 116 (the token's cap), stablecoin amounts and prices 128, node
# ids and epochs 48, basis points 16.
# _sale: the times and the token, read by every call
#   token (160) | start (48) << 160 | end (48) << 208
_sale: HashMap[uint256, uint256]
# _price: price (128) | shares_for_sale (128) << 128
_price: HashMap[uint256, uint256]
# _rules: min_raise (128) | burn_in_deadline (48) << 128 | release_bps (16) << 176
#   | burn_in_epochs (8) << 192 | sla_uptime_bps (16) << 200 | exit_window (40) << 216
_rules: HashMap[uint256, uint256]
# _node: operator (160) | first_epoch (48) << 160 | node_id (48) << 208
_node: HashMap[uint256, uint256]
# _sold: sold (128) | (raised + 2**127 - min_raise) (128) << 128: every purchase writes it;
#   the raise is kept offset by the minimum (`create_offering` writes the offset), so the top
#   bit says whether the minimum was raised: a claim or refund reads no `_rules` to know
_sold: HashMap[uint256, uint256]
# _paid_out: withdrawn (128) | exit_paid (128) << 128
_paid_out: HashMap[uint256, uint256]
# _closed: exited (128) | swept (127) << 128 | burn-in confirmed (1) << 255
_closed: HashMap[uint256, uint256]
# _purchases: shares (128) | paid (127) << 128 | claimed (1) << 255
_purchases: HashMap[uint256, HashMap[address, uint256]]

_HIGH: constant(uint256) = 128
_MASK128: constant(uint256) = (1 << 128) - 1
_MASK127: constant(uint256) = (1 << 127) - 1
_MASK48: constant(uint256) = (1 << 48) - 1
_TOP: constant(uint256) = 1 << 255
# `_sold`'s raise offset: the high half is raised + _OFFSET - min_raise, in [2**126, 2**128)
_OFFSET: constant(uint256) = 1 << 127
_MASK255: constant(uint256) = _TOP - 1
# the largest maximum raise: a sum of costs then stays below 2**127 (`_purchases`' paid field)
_MAX_RAISE: constant(uint256) = 2**126
_START: constant(uint256) = 160
_END: constant(uint256) = 208
_DEADLINE: constant(uint256) = 128
_RELEASE: constant(uint256) = 176
_EPOCHS: constant(uint256) = 192
_SLA: constant(uint256) = 200
_WINDOW: constant(uint256) = 216
_FIRST_EPOCH: constant(uint256) = 160
_NODE_ID: constant(uint256) = 208

# offerings created so far; ids run from 1
offering_count: public(uint256)


# `create_offering`: offering `offering_id` of node `node_id`'s `token`, proceeds to `operator`,
# with its terms (units as in `Terms`)
event OfferingCreated:
    offering_id: indexed(uint256)
    node_id: indexed(uint256)
    token: indexed(address)
    operator: address
    shares_for_sale: uint256
    price: uint256
    min_raise: uint256
    start: uint256
    end: uint256
    release_bps: uint256
    burn_in_epochs: uint256
    burn_in_deadline: uint256
    exit_window: uint256


# `buyer` bought `shares` for `paid` stablecoin base units (what arrived)
event Purchased:
    offering_id: indexed(uint256)
    buyer: indexed(address)
    shares: uint256
    paid: uint256


# the sale failed: `buyer` took back `amount`, sent to `receiver`
event Refunded:
    offering_id: indexed(uint256)
    buyer: indexed(address)
    receiver: address
    amount: uint256


# `shares` bought by `buyer` were minted to it
event SharesClaimed:
    offering_id: indexed(uint256)
    buyer: indexed(address)
    shares: uint256


# the oracle's reports met the SLA for the offering's N epochs from `first_epoch`
event BurnInConfirmed:
    offering_id: indexed(uint256)
    first_epoch: uint256


# the operator took `amount` of the released proceeds, sent to `receiver`
event ProceedsWithdrawn:
    offering_id: indexed(uint256)
    operator: indexed(address)
    receiver: address
    amount: uint256


# burn-in missed its deadline: `buyer` gave up `shares` (`burnt` of them from its balance,
# the rest unclaimed) for `amount`, sent to `receiver`
event Exited:
    offering_id: indexed(uint256)
    buyer: indexed(address)
    receiver: address
    shares: uint256
    burnt: uint256
    amount: uint256


# the exit window is over: `amount` of the proceeds not released went to the node token's
# revenue stream (`credited` of it arrived there), for its holders
event Swept:
    offering_id: indexed(uint256)
    token: indexed(address)
    amount: uint256
    credited: uint256


# `agent`, a compliance agent of the node token, moved lost wallet `lost`'s position (`shares`
# not exited, `claimed`, `paid`) to `replacement`, merged into any position it had
event PurchaseRecovered:
    offering_id: indexed(uint256)
    lost: indexed(address)
    replacement: indexed(address)
    agent: address
    shares: uint256
    claimed: bool
    paid: uint256


@deploy
def __init__(stablecoin: IERC20, registry: INodeRegistry, oracle: IAttestationOracle):
    """
    @param stablecoin The deployment's stablecoin, every node token's revenue token.
    @param registry The NodeRegistry whose nodes are offered.
    @param oracle The AttestationOracle whose reports judge burn-in.
    """
    assert stablecoin.address != empty(address), "offering: stablecoin is the zero address"
    assert registry.address.is_contract, "offering: registry has no code"
    assert oracle.address.is_contract, "offering: oracle has no code"
    ow.__init__()
    ow2.__init__()
    STABLECOIN = stablecoin
    REGISTRY = registry
    ORACLE = oracle
    GENESIS = staticcall IEpochClock(oracle.address).GENESIS()
    EPOCH_LENGTH = staticcall IEpochClock(oracle.address).EPOCH_LENGTH()


@external
def create_offering(
    node_id: uint256,
    shares_for_sale: uint256,
    price: uint256,
    min_raise: uint256,
    start: uint256,
    end: uint256,
    release_bps: uint256,
    burn_in_epochs: uint256,
    burn_in_deadline: uint256,
    exit_window: uint256,
) -> uint256:
    """
    @dev Opens an offering of `node_id`'s shares. Owner only. This contract must already be
         a minter of the node's token.
    @param node_id A registered node, not retired.
    @param shares_for_sale Token base units for sale; 1 to 2**116 - 1 (a token's cap).
    @param price Stablecoin base units per whole share (10**18 base units); not 0, and the
           maximum raise at most 2**126.
    @param min_raise The least the sale must raise, at most `max_raise`.
    @param start When buying opens; not in the past.
    @param end When buying closes; after `start`, before 2**48.
    @param release_bps Basis points of the raise the operator may take at the close.
    @param burn_in_epochs N: consecutive epochs at or above the SLA that release the rest (1 to 90).
    @param burn_in_deadline The last second burn-in may be confirmed; at least one epoch
           after the end of the N epochs from the first after `end` (reports of an epoch
           land only once it has ended: the last one needs time to be reported and
           confirmed), before 2**48.
    @param exit_window Seconds after `burn_in_deadline` before anyone may sweep what is
           unreleased to the node's holders (exits stay open until then), from one epoch to
           2**40 - 1.
    @return uint256 The offering's id.
    """
    ow._check_owner()
    node: INodeRegistry.Node = staticcall REGISTRY.node(node_id)
    assert node.status != 0, "offering: unknown node"
    assert node.status != RETIRED, "offering: node is retired"
    token: INodeToken = INodeToken(node.token)
    assert staticcall token.STABLECOIN() == STABLECOIN.address, "offering: node token on another stablecoin"
    assert staticcall token.is_minter(self), "offering: not a minter of the node's token"
    assert shares_for_sale != 0 and shares_for_sale <= MAX_SHARES, "offering: shares for sale out of range"
    assert price != 0, "offering: price is zero"
    # `_price` keeps it in 128 bits: a larger one passes the raise cap only for a tiny sale
    assert price <= _MASK128, "offering: price too large"
    max_raise: uint256 = self._cost(shares_for_sale, price)
    assert max_raise <= _MAX_RAISE, "offering: maximum raise too large"
    assert min_raise <= max_raise, "offering: minimum above the maximum raise"
    assert start >= block.timestamp, "offering: start is in the past"
    assert end > start, "offering: end is not after start"
    assert release_bps <= constants.MAX_BPS, "offering: release share above 100%"
    assert burn_in_epochs != 0 and burn_in_epochs <= MAX_BURN_IN_EPOCHS, "offering: burn-in is 1 to 90 epochs"
    # the first epoch starting at or after `end` (GENESIS is in the past, so `end` is after it)
    first_epoch: uint256 = (end - GENESIS + EPOCH_LENGTH - 1) // EPOCH_LENGTH
    # the N epochs, then one more: the oracle takes reports of ended epochs only, so a deadline
    # at the end of the last one could be met only within that very second
    assert (
        burn_in_deadline >= GENESIS + (first_epoch + burn_in_epochs + 1) * EPOCH_LENGTH
    ), "offering: burn-in deadline leaves no epoch to confirm"
    # every other field is bounded above, and the node's id by its registry (32 bits)
    assert burn_in_deadline <= _MASK48, "offering: burn-in deadline too far"
    # at least an epoch: buyers who miss the deadline's epoch get the next to exit in
    assert exit_window >= EPOCH_LENGTH and exit_window <= MAX_EXIT_WINDOW, "offering: exit window out of range"
    offering_id: uint256 = self.offering_count + 1
    self.offering_count = offering_id
    self._sale[offering_id] = convert(node.token, uint256) | (start << _START) | (end << _END)
    self._price[offering_id] = price | (shares_for_sale << _HIGH)
    self._rules[offering_id] = (
        min_raise
        | (burn_in_deadline << _DEADLINE)
        | (release_bps << _RELEASE)
        | (burn_in_epochs << _EPOCHS)
        | (convert(node.sla_uptime_bps, uint256) << _SLA)
        | (exit_window << _WINDOW)
    )
    self._node[offering_id] = convert(node.operator, uint256) | (first_epoch << _FIRST_EPOCH) | (node_id << _NODE_ID)
    # nothing raised yet: min_raise <= 2**126 short of the top bit
    self._sold[offering_id] = (_OFFSET - min_raise) << _HIGH
    log OfferingCreated(
        offering_id=offering_id,
        node_id=node_id,
        token=node.token,
        operator=node.operator,
        shares_for_sale=shares_for_sale,
        price=price,
        min_raise=min_raise,
        start=start,
        end=end,
        release_bps=release_bps,
        burn_in_epochs=burn_in_epochs,
        burn_in_deadline=burn_in_deadline,
        exit_window=exit_window,
    )
    return offering_id


@external
def buy(offering_id: uint256, shares: uint256) -> uint256:
    """
    @dev Buys `shares` for `cost(offering_id, shares)`, pulled from the caller (approve
         first). The caller must be able to hold the node token (its compliance).
    @param offering_id The offering, open.
    @param shares Token base units; not 0, at most what is left.
    @return uint256 The cost paid, in stablecoin base units.
    """
    cost: uint256 = self._check_buy(offering_id, msg.sender, shares)
    before: uint256 = staticcall STABLECOIN.balanceOf(self)
    assert extcall STABLECOIN.transferFrom(
        msg.sender, self, cost, default_return_value=True
    ), "offering: transfer failed"
    return self._record_buy(offering_id, msg.sender, shares, cost, before)


@external
def buy_with_authorization(
    offering_id: uint256,
    buyer: address,
    shares: uint256,
    valid_after: uint256,
    valid_before: uint256,
    salt: bytes32,
    v: uint8,
    r: bytes32,
    s: bytes32,
) -> uint256:
    """
    @dev Buys `shares` for `buyer` with its EIP-3009 ReceiveWithAuthorization of exactly
         `cost(offering_id, shares)` to this contract, nonce `purchase_nonce(offering_id,
         shares, salt)`; anyone may submit it.
    @param offering_id The offering, open.
    @param buyer The authorization's signer, who gets the shares.
    @param shares Token base units; not 0, at most what is left.
    @param valid_after The authorization is valid strictly after this time.
    @param valid_before The authorization is valid strictly before this time.
    @param salt The buyer's random salt; the nonce is derived from it.
    @param v The signature's v.
    @param r The signature's r.
    @param s The signature's s.
    @return uint256 The cost paid, in stablecoin base units.
    """
    cost: uint256 = self._check_buy(offering_id, buyer, shares)
    before: uint256 = staticcall STABLECOIN.balanceOf(self)
    extcall IERC3009(STABLECOIN.address).receiveWithAuthorization(
        buyer, self, cost, valid_after, valid_before, self._purchase_nonce(offering_id, shares, salt), v, r, s
    )
    return self._record_buy(offering_id, buyer, shares, cost, before)


@external
def refund(offering_id: uint256, receiver: address) -> uint256:
    """
    @dev The sale failed: pays the caller back everything that arrived from it.
    @param offering_id The offering, failed.
    @param receiver Where the money goes (the caller, or another address of its own).
    @return uint256 The amount, in stablecoin base units.
    """
    assert self._status(offering_id) == FAILED, "offering: sale did not fail"
    assert receiver != empty(address), "offering: receiver is the zero address"
    purchase: uint256 = self._purchases[offering_id][msg.sender]
    amount: uint256 = (purchase >> _HIGH) & _MASK127
    assert amount != 0, "offering: nothing to refund"
    self._purchases[offering_id][msg.sender] = 0
    # the sale's totals net of refunds: it stays below its minimum (top bit clear), so it stays
    # failed; the last refund clears the word, offset and all (nothing sold, nothing raised)
    sold: uint256 = self._sold[offering_id] - (purchase & _MASK128) - (amount << _HIGH)
    if sold & _MASK128 == 0:
        sold = 0
    self._sold[offering_id] = sold
    assert extcall STABLECOIN.transfer(receiver, amount, default_return_value=True), "offering: transfer failed"
    log Refunded(offering_id=offering_id, buyer=msg.sender, receiver=receiver, amount=amount)
    return amount


@external
def claim_shares(offering_id: uint256, buyer: address) -> uint256:
    """
    @dev The sale succeeded: mints `buyer`'s unclaimed shares to it. Anyone may call it.
    @param offering_id The offering, succeeded.
    @param buyer The buyer.
    @return uint256 Token base units minted.
    """
    sale: uint256 = self._sale[offering_id]
    assert self._status_of(offering_id, sale, self._sold[offering_id]) == SUCCEEDED, "offering: sale did not succeed"
    purchase: uint256 = self._purchases[offering_id][buyer]
    shares: uint256 = purchase & _MASK128
    assert shares != 0 and purchase & _TOP == 0, "offering: no shares to claim"
    self._purchases[offering_id][buyer] = purchase | _TOP
    extcall INodeToken(convert(sale & constants.ADDRESS_MASK, address)).mint(buyer, shares)
    log SharesClaimed(offering_id=offering_id, buyer=buyer, shares=shares)
    return shares


@external
def claim_shares_batch(offering_id: uint256, buyers: DynArray[address, MAX_CLAIM_BATCH]) -> uint256:
    """
    @dev The sale succeeded: mints each listed buyer's unclaimed shares to it, as `claim_shares`
         for each, in one transaction (a relayer claiming for every buyer at the close pays the
         transaction's base cost and the offering's and token's shared words once). Buyers
         with nothing to claim (claimed, exited, never bought, listed twice) are
         skipped, so a buyer claiming for itself meanwhile does not undo the batch; the node
         token's refusal of any buyer (frozen, not verified) refuses the batch. Anyone may call it.
    @param offering_id The offering, succeeded.
    @param buyers Up to MAX_CLAIM_BATCH buyers.
    @return uint256 Token base units minted in all; not 0.
    """
    sale: uint256 = self._sale[offering_id]
    assert self._status_of(offering_id, sale, self._sold[offering_id]) == SUCCEEDED, "offering: sale did not succeed"
    token: INodeToken = INodeToken(convert(sale & constants.ADDRESS_MASK, address))
    minted: uint256 = 0
    for buyer: address in buyers:
        purchase: uint256 = self._purchases[offering_id][buyer]
        shares: uint256 = purchase & _MASK128
        if shares == 0 or purchase & _TOP != 0:
            continue
        self._purchases[offering_id][buyer] = purchase | _TOP
        extcall token.mint(buyer, shares)
        log SharesClaimed(offering_id=offering_id, buyer=buyer, shares=shares)
        # each below the offering's sale (< 2**116)
        minted += shares
    assert minted != 0, "offering: no shares to claim"
    return minted


@external
def confirm_burn_in(offering_id: uint256, first_epoch: uint256):
    """
    @dev Confirms burn-in: the oracle accepted a report of the node for each of the
         offering's N epochs from `first_epoch`, each at or above the SLA. The rest of the
         proceeds is then released to the operator. Anyone may call it, by the deadline.
    @param offering_id The offering, succeeded.
    @param first_epoch The first of the N epochs; at or after the offering's first (`terms`).
    """
    assert self._status(offering_id) == SUCCEEDED, "offering: sale did not succeed"
    closed: uint256 = self._closed[offering_id]
    assert closed & _TOP == 0, "offering: burn-in already confirmed"
    rules: uint256 = self._rules[offering_id]
    node: uint256 = self._node[offering_id]
    assert block.timestamp <= (rules >> _DEADLINE) & _MASK48, "offering: burn-in deadline passed"
    assert first_epoch >= (node >> _FIRST_EPOCH) & _MASK48, "offering: epoch before the sale ended"
    node_id: uint256 = node >> _NODE_ID
    sla: uint256 = (rules >> _SLA) & constants.UINT16_MASK
    for i: uint256 in range((rules >> _EPOCHS) & constants.UINT8_MASK, bound=MAX_BURN_IN_EPOCHS):
        attestation: IAttestationOracle.Attestation = staticcall ORACLE.report(
            node_id, convert(first_epoch + i, uint64)
        )
        assert attestation.submitted_at != 0, "offering: an epoch has no report"
        assert convert(attestation.uptime_bps, uint256) >= sla, "offering: an epoch is below the SLA"
    self._closed[offering_id] = closed | _TOP
    log BurnInConfirmed(offering_id=offering_id, first_epoch=first_epoch)


@external
def withdraw_proceeds(offering_id: uint256, receiver: address) -> uint256:
    """
    @dev Pays the operator the released proceeds it has not taken. Operator only.
    @param offering_id The offering, succeeded.
    @param receiver Where the money goes.
    @return uint256 The amount, in stablecoin base units.
    """
    assert msg.sender == convert(self._node[offering_id] & constants.ADDRESS_MASK, address), (
        "offering: caller is not the operator"
    )
    assert receiver != empty(address), "offering: receiver is the zero address"
    amount: uint256 = self._withdrawable(offering_id)
    assert amount != 0, "offering: nothing to withdraw"
    # withdrawn is the low half; it never exceeds the raise (< 2**127)
    self._paid_out[offering_id] += amount
    assert extcall STABLECOIN.transfer(receiver, amount, default_return_value=True), "offering: transfer failed"
    log ProceedsWithdrawn(offering_id=offering_id, operator=msg.sender, receiver=receiver, amount=amount)
    return amount


@external
def exit(offering_id: uint256, shares: uint256, receiver: address) -> uint256:
    """
    @dev Burn-in was not confirmed by its deadline: gives up `shares` the caller bought
         (unclaimed ones are not minted; claimed ones are burnt from its balance) for their
         pro-rata part of the proceeds not released. Open from the second after the deadline
         until the offering is swept.
    @param offering_id The offering, succeeded, past its burn-in deadline unconfirmed, not
           swept.
    @param shares Token base units; not 0, at most what the caller bought and has not exited.
    @param receiver Where the money goes.
    @return uint256 The amount, in stablecoin base units.
    """
    assert self._status(offering_id) == SUCCEEDED, "offering: sale did not succeed"
    closed: uint256 = self._closed[offering_id]
    assert closed & _TOP == 0, "offering: burn-in was confirmed"
    assert block.timestamp > (self._rules[offering_id] >> _DEADLINE) & _MASK48, "offering: burn-in deadline not passed"
    # the swept field (the confirmed bit above it is clear)
    assert closed >> _HIGH == 0, "offering: proceeds were swept"
    assert receiver != empty(address), "offering: receiver is the zero address"
    assert shares != 0, "offering: nothing to exit"
    purchase: uint256 = self._purchases[offering_id][msg.sender]
    assert shares <= purchase & _MASK128, "offering: more shares than bought"
    amount: uint256 = self._exit_value(offering_id, shares)
    # both positions' and totals' fields are the low halves, each at least what is taken off
    self._purchases[offering_id][msg.sender] = purchase - shares
    self._closed[offering_id] = closed + shares
    self._paid_out[offering_id] += amount << _HIGH
    burnt: uint256 = 0
    if purchase & _TOP != 0:
        burnt = shares
        extcall INodeToken(self._token(offering_id)).burn(msg.sender, shares)
    if amount != 0:
        assert extcall STABLECOIN.transfer(receiver, amount, default_return_value=True), "offering: transfer failed"
    log Exited(offering_id=offering_id, buyer=msg.sender, receiver=receiver, shares=shares, burnt=burnt, amount=amount)
    return amount


@external
def sweep(offering_id: uint256) -> uint256:
    """
    @dev The exit window is over: deposits the proceeds still unreleased (what buyers did not
         exit with, and what shares that left the buyers would strand) into the node token's
         revenue stream, for its holders over the next epoch; exits close with it. Anyone may
         call it.
    @param offering_id The offering, succeeded, burn-in unconfirmed, past its exit window.
    @return uint256 The amount deposited, in stablecoin base units.
    """
    assert self._status(offering_id) == SUCCEEDED, "offering: sale did not succeed"
    closed: uint256 = self._closed[offering_id]
    assert closed & _TOP == 0, "offering: burn-in was confirmed"
    rules: uint256 = self._rules[offering_id]
    assert block.timestamp > ((rules >> _DEADLINE) & _MASK48) + (rules >> _WINDOW), "offering: exit window not over"
    # every share's part, outstanding or not: what no exit took (zero once swept)
    amount: uint256 = self._pool(offering_id)
    assert amount != 0, "offering: nothing to sweep"
    token: address = self._token(offering_id)
    # revenue streamed to nobody waits for the first shares minted, which would take it all:
    # with no holders, the pool stays here, for the buyers' exits (of unclaimed shares)
    assert staticcall INodeToken(token).totalSupply() != 0, "offering: nobody holds the node's shares"
    # the pool is below the raise (< 2**127): it fits the swept field, which was zero
    self._closed[offering_id] = closed | (amount << _HIGH)
    assert extcall STABLECOIN.approve(token, amount, default_return_value=True), "offering: approve failed"
    credited: uint256 = extcall IRevenueStream(token).deposit_revenue(amount)
    log Swept(offering_id=offering_id, token=token, amount=amount, credited=credited)
    return amount


@external
def recover_purchase(offering_id: uint256, lost: address, replacement: address):
    """
    @dev Moves lost wallet `lost`'s position in an offering to its holder's new wallet, as the
         node token's `recover` moves its shares and revenue: the replacement then claims,
         refunds or exits in its place. Into a replacement with a position of its own, merged
         exactly: shares and paid add up, and both must be claimed or both not unless a side
         has no shares left (claim the unclaimed one first). A compliance agent of the
         offering's node token only.
    @param offering_id The offering.
    @param lost The wallet whose keys are lost; it must have a position.
    @param replacement The holder's new wallet: not frozen, verified when the token is restricted.
    """
    token: INodeToken = INodeToken(self._token(offering_id))
    assert token.address != empty(address), "offering: unknown offering"
    assert staticcall token.is_agent(msg.sender), "offering: caller is not an agent of the node token"
    assert replacement != empty(address), "offering: replacement is the zero address"
    assert replacement != lost, "offering: replacement is the lost wallet"
    # what the token's `recover` asks of its replacement, so the position's shares can reach it
    assert not staticcall token.is_frozen(replacement), "offering: replacement is frozen"
    if staticcall token.restricted():
        verifier: IVerifier = IVerifier(staticcall token.identity_registry())
        assert staticcall verifier.is_verified(replacement), "offering: replacement is not verified"
    moved: uint256 = self._purchases[offering_id][lost]
    assert moved != 0, "offering: lost wallet has no purchase"
    held: uint256 = self._purchases[offering_id][replacement]
    # the merged position is claimed as the side holding shares; both holding shares, they must
    # agree (one claim mints a whole position); neither, it stays claimed if either was
    claimed: uint256 = (moved | held) & _TOP
    if moved & _MASK128 != 0 and held & _MASK128 != 0:
        assert (moved ^ held) & _TOP == 0, "offering: claim both purchases first"
    elif moved & _MASK128 != 0:
        claimed = moved & _TOP
    elif held & _MASK128 != 0:
        claimed = held & _TOP
    self._purchases[offering_id][lost] = 0
    # shares add below 2**117 and paid below the raise (< 2**127): no field carries into the next
    self._purchases[offering_id][replacement] = ((moved & _MASK255) + (held & _MASK255)) | claimed
    log PurchaseRecovered(
        offering_id=offering_id,
        lost=lost,
        replacement=replacement,
        agent=msg.sender,
        shares=moved & _MASK128,
        claimed=moved & _TOP != 0,
        paid=(moved >> _HIGH) & _MASK127,
    )


# --- views -----------------------------------------------------------------------------------
@external
@view
def terms(offering_id: uint256) -> Terms:
    """
    @dev An offering's terms; all zero for an unknown id.
    @param offering_id The offering.
    @return Terms Its terms.
    """
    sale: uint256 = self._sale[offering_id]
    price: uint256 = self._price[offering_id]
    rules: uint256 = self._rules[offering_id]
    node: uint256 = self._node[offering_id]
    return Terms(
        node_id=node >> _NODE_ID,
        token=convert(sale & constants.ADDRESS_MASK, address),
        operator=convert(node & constants.ADDRESS_MASK, address),
        shares_for_sale=price >> _HIGH,
        price=price & _MASK128,
        min_raise=rules & _MASK128,
        start=(sale >> _START) & _MASK48,
        end=sale >> _END,
        release_bps=(rules >> _RELEASE) & constants.UINT16_MASK,
        burn_in_epochs=(rules >> _EPOCHS) & constants.UINT8_MASK,
        burn_in_deadline=(rules >> _DEADLINE) & _MASK48,
        exit_window=rules >> _WINDOW,
        first_epoch=(node >> _FIRST_EPOCH) & _MASK48,
        sla_uptime_bps=(rules >> _SLA) & constants.UINT16_MASK,
    )


@external
@view
def totals(offering_id: uint256) -> Totals:
    """
    @dev An offering's running totals.
    @param offering_id The offering.
    @return Totals Its totals.
    """
    sold: uint256 = self._sold[offering_id]
    paid_out: uint256 = self._paid_out[offering_id]
    closed: uint256 = self._closed[offering_id]
    raised: uint256 = 0
    if sold != 0:
        raised = self._raised(offering_id, sold)
    return Totals(
        sold=sold & _MASK128,
        raised=raised,
        withdrawn=paid_out & _MASK128,
        exit_paid=paid_out >> _HIGH,
        exited=closed & _MASK128,
        burn_in_confirmed=closed & _TOP != 0,
        swept=(closed >> _HIGH) & _MASK127,
    )


@external
@view
def purchase(offering_id: uint256, buyer: address) -> Purchase:
    """
    @dev A buyer's position in an offering.
    @param offering_id The offering.
    @param buyer The buyer.
    @return Purchase Shares bought (not exited), whether claimed, stablecoin paid (not refunded).
    """
    purchase: uint256 = self._purchases[offering_id][buyer]
    return Purchase(shares=purchase & _MASK128, claimed=purchase & _TOP != 0, paid=(purchase >> _HIGH) & _MASK127)


@external
@view
def status(offering_id: uint256) -> uint8:
    """
    @dev PENDING (1), OPEN (2), SUCCEEDED (3) or FAILED (4); 0 for an unknown id.
    @param offering_id The offering.
    @return uint8 The status now.
    """
    return self._status(offering_id)


@external
@view
def cost(offering_id: uint256, shares: uint256) -> uint256:
    """
    @dev What `shares` cost: ceil(shares * price / 10**18).
    @param offering_id The offering.
    @param shares Token base units.
    @return uint256 Stablecoin base units.
    """
    return self._cost(shares, self._price[offering_id] & _MASK128)


@external
@view
def max_raise(offering_id: uint256) -> uint256:
    """
    @dev What the sale raises if every share is sold in one purchase (more, by the rounding
         of each purchase's cost, if in several).
    @param offering_id The offering.
    @return uint256 Stablecoin base units.
    """
    price: uint256 = self._price[offering_id]
    return self._cost(price >> _HIGH, price & _MASK128)


@external
@view
def withdrawable(offering_id: uint256) -> uint256:
    """
    @dev What the operator may withdraw now.
    @param offering_id The offering.
    @return uint256 Stablecoin base units.
    """
    return self._withdrawable(offering_id)


@external
@view
def exit_value(offering_id: uint256, shares: uint256) -> uint256:
    """
    @dev What exiting `shares` would pay now, were exits open (0 for more than is outstanding).
    @param offering_id The offering.
    @param shares Token base units.
    @return uint256 Stablecoin base units.
    """
    if shares > (self._sold[offering_id] & _MASK128) - (self._closed[offering_id] & _MASK128):
        return 0
    return self._exit_value(offering_id, shares)


@external
@view
def purchase_nonce(offering_id: uint256, shares: uint256, salt: bytes32) -> bytes32:
    """
    @dev The EIP-3009 nonce a buyer signs for `buy_with_authorization`.
    @param offering_id The offering.
    @param shares The shares bought.
    @param salt The buyer's random salt.
    @return bytes32 keccak256(abi.encode(offering_id, shares, salt)).
    """
    return self._purchase_nonce(offering_id, shares, salt)


# --- internal --------------------------------------------------------------------------------
@internal
@view
def _status(offering_id: uint256) -> uint8:
    """
    @dev The status now (see `status`).
    @param offering_id The offering.
    @return uint8 The status.
    """
    return self._status_of(offering_id, self._sale[offering_id], self._sold[offering_id])


@internal
@view
def _status_of(offering_id: uint256, sale: uint256, sold: uint256) -> uint8:
    """
    @dev The status now, from the offering's `_sale` and `_sold` words (read once by a caller
         that needs them again).
    @param offering_id The offering.
    @param sale Its `_sale` word.
    @param sold Its `_sold` word.
    @return uint8 The status.
    """
    if sale == 0:
        return 0
    if block.timestamp < (sale >> _START) & _MASK48:
        return PENDING
    if block.timestamp < sale >> _END:
        # sold out, the sale is over before its end
        if sold & _MASK128 == self._price[offering_id] >> _HIGH:
            return SUCCEEDED
        return OPEN
    # a sale that sold out raised at least its maximum, so at least its minimum: over, only
    # the raise decides, and `_sold`'s top bit says whether it reached the minimum
    if sold & _TOP != 0:
        return SUCCEEDED
    return FAILED


@internal
@view
def _token(offering_id: uint256) -> address:
    """
    @dev The offering's node token.
    @param offering_id The offering.
    @return address The token.
    """
    return convert(self._sale[offering_id] & constants.ADDRESS_MASK, address)


@internal
@pure
def _cost(shares: uint256, price: uint256) -> uint256:
    """
    @dev ceil(shares * price / SHARE).
    @param shares Token base units.
    @param price Stablecoin base units per whole share.
    @return uint256 Stablecoin base units.
    """
    return (shares * price + SHARE - 1) // SHARE


@internal
@view
def _raised(offering_id: uint256, sold: uint256) -> uint256:
    """
    @dev What an offering raised (net of refunds), from its `_sold` word.
    @param offering_id The offering, created.
    @param sold Its `_sold` word.
    @return uint256 Stablecoin base units.
    """
    return (sold >> _HIGH) + (self._rules[offering_id] & _MASK128) - _OFFSET


@internal
@view
def _released_at_close(offering_id: uint256, raised: uint256) -> uint256:
    """
    @dev The operator's share of the raise from the close (floored: the rest stays in escrow).
    @param offering_id The offering.
    @param raised Stablecoin base units raised.
    @return uint256 Stablecoin base units.
    """
    return raised * ((self._rules[offering_id] >> _RELEASE) & constants.UINT16_MASK) // constants.MAX_BPS


@internal
@view
def _withdrawable(offering_id: uint256) -> uint256:
    """
    @dev The operator's released proceeds not yet withdrawn: none unless the sale
         succeeded; the close's share, or everything once burn-in is confirmed.
    @param offering_id The offering.
    @return uint256 Stablecoin base units.
    """
    if self._status(offering_id) != SUCCEEDED:
        return 0
    released: uint256 = self._raised(offering_id, self._sold[offering_id])
    if self._closed[offering_id] & _TOP == 0:
        released = self._released_at_close(offering_id, released)
    return released - (self._paid_out[offering_id] & _MASK128)


@internal
@view
def _exit_value(offering_id: uint256, shares: uint256) -> uint256:
    """
    @dev `shares`' pro-rata part of the proceeds not released and not yet paid to exits:
         floored, and all of it for the last shares out.
    @param offering_id The offering.
    @param shares Token base units, at most what is outstanding.
    @return uint256 Stablecoin base units.
    """
    outstanding: uint256 = (self._sold[offering_id] & _MASK128) - (self._closed[offering_id] & _MASK128)
    if outstanding == 0:
        return 0
    return self._pool(offering_id) * shares // outstanding


@internal
@view
def _pool(offering_id: uint256) -> uint256:
    """
    @dev The proceeds not released at the close, not paid to exits and not swept: what
         exits share (burn-in unconfirmed), and what a sweep deposits.
    @param offering_id The offering, created.
    @return uint256 Stablecoin base units.
    """
    raised: uint256 = self._raised(offering_id, self._sold[offering_id])
    closed: uint256 = self._closed[offering_id]
    return (
        raised
        - self._released_at_close(offering_id, raised)
        - (self._paid_out[offering_id] >> _HIGH)
        - ((closed >> _HIGH) & _MASK127)
    )


@internal
@view
def _check_buy(offering_id: uint256, buyer: address, shares: uint256) -> uint256:
    """
    @dev Refuses a purchase the offering cannot take, or by a buyer who could not hold the
         shares; returns its cost.
    @param offering_id The offering.
    @param buyer The buyer.
    @param shares Token base units.
    @return uint256 The cost, in stablecoin base units.
    """
    sale: uint256 = self._sale[offering_id]
    sold: uint256 = self._sold[offering_id]
    assert self._status_of(offering_id, sale, sold) == OPEN, "offering: not open"
    assert shares != 0, "offering: no shares"
    price: uint256 = self._price[offering_id]
    assert (sold & _MASK128) + shares <= price >> _HIGH, "offering: not that many shares left"
    # the token's ERC-1404 code for a transfer from the buyer to itself (compliance.vy's codes)
    code: uint8 = staticcall INodeToken(convert(sale & constants.ADDRESS_MASK, address)).detect_transfer_restriction(
        buyer, buyer, shares
    )
    if code != 0:
        assert code != _PAUSED, "offering: node token is paused"
        assert code != _SENDER_FROZEN, "offering: buyer is frozen"
        raise "offering: buyer is not verified"
    return self._cost(shares, price & _MASK128)


@internal
def _record_buy(offering_id: uint256, buyer: address, shares: uint256, cost: uint256, before: uint256) -> uint256:
    """
    @dev Records a purchase whose payment has been taken: what arrived must cover the cost,
         which the buyer is credited (anything beyond it, from a stablecoin that moves more
         than asked, is nobody's, like stablecoin sent here directly).
    @param offering_id The offering.
    @param buyer The buyer.
    @param shares Token base units.
    @param cost The cost, in stablecoin base units.
    @param before This contract's stablecoin before the payment.
    @return uint256 The cost.
    """
    assert staticcall STABLECOIN.balanceOf(self) - before >= cost, "offering: received less than the cost"
    # sold stays below 2**116 and the raise, a sum of costs, below the maximum raise (at most
    # 2**126) plus a unit per purchase, so its offset field below 2**128: no field overflows
    self._sold[offering_id] += shares + (cost << _HIGH)
    self._purchases[offering_id][buyer] += shares + (cost << _HIGH)
    log Purchased(offering_id=offering_id, buyer=buyer, shares=shares, paid=cost)
    return cost


@internal
@pure
def _purchase_nonce(offering_id: uint256, shares: uint256, salt: bytes32) -> bytes32:
    """
    @dev The EIP-3009 nonce that binds an authorization to its offering and shares.
    @param offering_id The offering.
    @param shares The shares bought.
    @param salt The buyer's random salt.
    @return bytes32 keccak256(abi.encode(offering_id, shares, salt)).
    """
    return keccak256(abi_encode(offering_id, shares, salt))
