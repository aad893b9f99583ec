# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title RevenueFeed
@custom:contract-name RevenueFeed
@custom:spec docs/SPEC.md, section "RevenueFeed"
@license MIT
@notice A Chainlink `AggregatorV3Interface` over one node token's revenue, for lenders
        that value node tokens as collateral: round `e` is epoch `e`, and its answer is the
        stablecoin revenue deposited into the token during that epoch (it streams to the
        holders over the next one) per whole share, in whole stablecoin units with 18
        decimals. Plus what a lender values on: the trailing revenue per share over the
        last rounds and how many of their epochs the attestors judged at or above the
        node's SLA.
@dev Reads only what is on-chain already, so it adds no trusted party: the token's
     `epoch_revenue` (each epoch's queued revenue and the supply it streams to, recorded
     by the token when the epoch's queue rolls over into its stream; kept for the token's
     last 128 epochs), the AttestationOracle's reports and the NodeRegistry's SLA and
     grace period. Nothing is written: a feed is a view of its token, so anyone may
     deploy one (RevenueFeedFactory keeps the one per token a deployment publishes).
     Rounds: `roundId` = `answeredInRound` = the epoch; `startedAt` its start, `updatedAt`
     its end (`GENESIS + (epoch + 1) * EPOCH_LENGTH`); only ended epochs are rounds, so
     an answer never changes once readable. `latestRoundData` is the last ended epoch.
     Answer: `amount * 10**36 // (supply * 10**stablecoin decimals)`, rounded down (a lender
     never reads more than was paid); 0 when nobody held a share. Limits a lender must
     price in (README, "Borrow against node tokens"): anyone can deposit revenue, so an
     operator can wash revenue in at the cost of the other holders' share of it; the
     supply is the one the stream starts with, so shares minted during the next epoch
     dilute what it pays; one epoch is one sample: value on trailing rounds, with a
     haircut.
"""

from ethereum.ercs import IERC20Detailed

from interfaces import IAttestationOracle
from interfaces import IEpochClock
from interfaces import INodeRegistry


interface INodeToken:
    def epoch_revenue(epoch: uint256) -> (uint256, uint256): view
    def node_id() -> uint256: view
    def symbol() -> String[5]: view
    def STABLECOIN() -> address: view
    def GENESIS() -> uint256: view
    def EPOCH_LENGTH() -> uint256: view


interface IGracePeriod:
    def GRACE_PERIOD() -> uint256: view


# AggregatorV3Interface: the answer's decimals, and this implementation's version
DECIMALS: constant(uint8) = 18
VERSION: constant(uint256) = 1
# the most rounds `trailing` sums (a quarter of daily epochs; the token keeps 128)
MAX_ROUNDS: constant(uint256) = 90

# Fixed at deployment: the node token, its node, where its reports and SLA are read, the
# suite's clock (GENESIS unix time in seconds, EPOCH_LENGTH seconds), and the stablecoin's
# whole unit in base units.
TOKEN: public(immutable(INodeToken))
NODE_ID: public(immutable(uint256))
ORACLE: public(immutable(IAttestationOracle))
REGISTRY: public(immutable(INodeRegistry))
GENESIS: public(immutable(uint256))
EPOCH_LENGTH: public(immutable(uint256))
_UNIT: immutable(uint256)

# "Node <id> <symbol> <region> revenue per share"
description: public(String[144])


@deploy
def __init__(token: INodeToken, registry: INodeRegistry, oracle: IAttestationOracle):
    """
    @dev Binds the feed to `token`, which must be the token `registry` records for the
         token's node, on the suite's clock.
    @param token The node's ComputeToken.
    @param registry The NodeRegistry the node is registered in.
    @param oracle The AttestationOracle that judges the node's epochs.
    """
    node_id: uint256 = staticcall token.node_id()
    node: INodeRegistry.Node = staticcall registry.node(node_id)
    assert node.token == token.address, "feed: not the registry's token for its node"
    genesis: uint256 = staticcall token.GENESIS()
    epoch_length: uint256 = staticcall token.EPOCH_LENGTH()
    assert (
        genesis == staticcall IEpochClock(oracle.address).GENESIS()
        and epoch_length == staticcall IEpochClock(oracle.address).EPOCH_LENGTH()
    ), "feed: the oracle runs on another clock"
    decimals: uint8 = staticcall IERC20Detailed(staticcall token.STABLECOIN()).decimals()
    TOKEN = token
    NODE_ID = node_id
    ORACLE = oracle
    REGISTRY = registry
    GENESIS = genesis
    EPOCH_LENGTH = epoch_length
    _UNIT = 10**convert(decimals, uint256)
    self.description = concat(
        "Node ", uint2str(node_id), " ", staticcall token.symbol(), " ", node.region, " revenue per share"
    )


@external
@view
def decimals() -> uint8:
    """
    @dev The answer's decimals: answers are whole stablecoin units per whole share.
    @return uint8 18.
    """
    return DECIMALS


@external
@view
def version() -> uint256:
    """
    @dev This feed's implementation version.
    @return uint256 1.
    """
    return VERSION


@external
@view
def getRoundData(_roundId: uint80) -> (uint80, int256, uint256, uint256, uint80):
    """
    @dev Round `_roundId` is epoch `_roundId`; it must have ended.
    @param _roundId The epoch.
    @return uint80 roundId, the epoch.
    @return int256 answer: revenue deposited during the epoch per whole share, in whole
            stablecoin units with 18 decimals.
    @return uint256 startedAt: the epoch's start (unix seconds).
    @return uint256 updatedAt: the epoch's end (unix seconds).
    @return uint80 answeredInRound, the epoch.
    """
    epoch: uint256 = convert(_roundId, uint256)
    assert epoch < self._current_epoch(), "feed: round not ended"
    return self._round(epoch)


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @dev The last ended epoch's round (see `getRoundData`).
    @return uint80 roundId, the epoch.
    @return int256 answer, 18 decimals.
    @return uint256 startedAt.
    @return uint256 updatedAt.
    @return uint80 answeredInRound.
    """
    current: uint256 = self._current_epoch()
    assert current != 0, "feed: no round has ended"
    return self._round(current - 1)


@external
@view
def revenue_per_share(epoch: uint256) -> uint256:
    """
    @dev Round `epoch`'s answer, whether or not the epoch has ended (so far, for the
         current one).
    @param epoch The epoch.
    @return uint256 Whole stablecoin units per whole share, 18 decimals.
    """
    return self._answer(epoch)


@external
@view
def trailing(rounds: uint256) -> (uint256, uint256, uint256):
    """
    @dev What a lender values on, over the last `rounds` ended epochs (the latest round
         and the `rounds - 1` before it): their revenue per share summed, and how the
         attestors judged them. An epoch is judged once the oracle accepted its report,
         or once `GRACE_PERIOD` passed after its end without one (then it is missed, as
         for the registry's `slash`; so is an epoch before the node registered, which no
         report covers: a new node scores full only after `rounds` epochs); it met the SLA
         when its report's uptime is at or above the node's SLA (fixed at registration).
         Epochs still awaiting their report count in neither.
    @param rounds How many epochs, 1 to MAX_ROUNDS, at most the epochs ended so far.
    @return uint256 Revenue per whole share summed over the rounds, 18 decimals.
    @return uint256 Of those epochs, how many met the SLA.
    @return uint256 Of those epochs, how many are judged.
    """
    assert rounds != 0 and rounds <= MAX_ROUNDS, "feed: rounds out of range"
    current: uint256 = self._current_epoch()
    assert rounds <= current, "feed: fewer rounds have ended"
    sla: uint256 = convert((staticcall REGISTRY.node(NODE_ID)).sla_uptime_bps, uint256)
    grace: uint256 = staticcall IGracePeriod(REGISTRY.address).GRACE_PERIOD()
    revenue: uint256 = 0
    met: uint256 = 0
    judged: uint256 = 0
    for i: uint256 in range(rounds, bound=MAX_ROUNDS):
        epoch: uint256 = current - 1 - i
        revenue += self._answer(epoch)
        attestation: IAttestationOracle.Attestation = staticcall ORACLE.report(NODE_ID, convert(epoch, uint64))
        if attestation.submitted_at != 0:
            judged += 1
            if convert(attestation.uptime_bps, uint256) >= sla:
                met += 1
        elif block.timestamp >= GENESIS + (epoch + 1) * EPOCH_LENGTH + grace:
            judged += 1
    return revenue, met, judged


@internal
@view
def _round(epoch: uint256) -> (uint80, int256, uint256, uint256, uint80):
    """
    @dev An ended epoch's round.
    @param epoch The epoch.
    @return uint80 roundId.
    @return int256 answer.
    @return uint256 startedAt.
    @return uint256 updatedAt.
    @return uint80 answeredInRound.
    """
    start: uint256 = GENESIS + epoch * EPOCH_LENGTH
    # an epoch below the current one fits 80 bits (timestamps stay below 2**38); the answer
    # is below 2**96 * 10**36, far below 2**255
    return (
        convert(epoch, uint80),
        convert(self._answer(epoch), int256),
        start,
        start + EPOCH_LENGTH,
        convert(epoch, uint80),
    )


@internal
@view
def _answer(epoch: uint256) -> uint256:
    """
    @dev Revenue queued during `epoch` per whole share, rounded down; 0 at zero supply.
    @param epoch The epoch.
    @return uint256 Whole stablecoin units per whole share, 18 decimals.
    """
    amount: uint256 = 0
    supply: uint256 = 0
    amount, supply = staticcall TOKEN.epoch_revenue(epoch)
    if supply == 0:
        return 0
    # whole shares are 10**18 base units and the answer has 18 decimals
    return amount * 10**36 // (supply * _UNIT)


@internal
@view
def _current_epoch() -> uint256:
    """
    @dev The epoch of the latest block.
    @return uint256 The epoch number.
    """
    return (block.timestamp - GENESIS) // EPOCH_LENGTH
