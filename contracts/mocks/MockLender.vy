# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title MockLender
@custom:contract-name MockLender
@license MIT
@notice TEST ONLY. A minimal lending market that takes one node token as collateral and
        values it from the token's RevenueFeed, to show the feed end to end: borrow
        stablecoin up to an LTV of that value, and anyone may liquidate a position whose
        debt exceeds its liquidation threshold once the feed falls.
@dev Value of `shares` (stablecoin base units): their average revenue per epoch over the
     last LOOKBACK rounds, times VALUE_EPOCHS (how many epochs of revenue the lender pays
     for), times the share of those epochs that met the SLA (an epoch still awaiting its
     report counts against it: the lender haircuts what it cannot see). No interest, no
     partial liquidation, no oracle of the token's market price: the feed is the only
     price. The lender holds the collateral, so the collateral's revenue accrues to it
     (a real market would pass it through). It must be verified in the token's identity
     registry to hold shares, and a liquidator to receive them.
"""

from ethereum.ercs import IERC20


interface IRevenueFeed:
    def trailing(rounds: uint256) -> (uint256, uint256, uint256): view
    def TOKEN() -> address: view


BPS: constant(uint256) = 10_000

STABLECOIN: public(immutable(IERC20))
TOKEN: public(immutable(IERC20))
FEED: public(immutable(IRevenueFeed))
STABLECOIN_UNIT: public(immutable(uint256))
LOOKBACK: public(immutable(uint256))
VALUE_EPOCHS: public(immutable(uint256))
LTV_BPS: public(immutable(uint256))
LIQUIDATION_BPS: public(immutable(uint256))

collateral: public(HashMap[address, uint256])
debt: public(HashMap[address, uint256])


event Deposited:
    borrower: indexed(address)
    shares: uint256


event Withdrawn:
    borrower: indexed(address)
    shares: uint256


event Borrowed:
    borrower: indexed(address)
    amount: uint256


event Repaid:
    borrower: indexed(address)
    amount: uint256


event Liquidated:
    borrower: indexed(address)
    liquidator: indexed(address)
    debt: uint256
    shares: uint256


@deploy
def __init__(
    stablecoin: IERC20,
    stablecoin_decimals: uint256,
    feed: IRevenueFeed,
    lookback: uint256,
    value_epochs: uint256,
    ltv_bps: uint256,
    liquidation_bps: uint256,
):
    """
    @param stablecoin What the lender lends (the node token's revenue token).
    @param stablecoin_decimals Its decimals.
    @param feed The node token's RevenueFeed.
    @param lookback Rounds averaged (1 to the feed's MAX_ROUNDS).
    @param value_epochs Epochs of revenue the collateral is worth.
    @param ltv_bps Borrow limit, basis points of the value.
    @param liquidation_bps Liquidation threshold, basis points of the value, at least the LTV.
    """
    assert ltv_bps <= liquidation_bps and liquidation_bps <= BPS, "lender: thresholds out of order"
    assert lookback != 0 and value_epochs != 0, "lender: lookback or value epochs is zero"
    STABLECOIN = stablecoin
    TOKEN = IERC20(staticcall feed.TOKEN())
    FEED = feed
    STABLECOIN_UNIT = 10**stablecoin_decimals
    LOOKBACK = lookback
    VALUE_EPOCHS = value_epochs
    LTV_BPS = ltv_bps
    LIQUIDATION_BPS = liquidation_bps


@external
def deposit(shares: uint256):
    """
    @dev Pledges `shares` of the node token (approve first).
    @param shares Share base units.
    """
    assert extcall TOKEN.transferFrom(msg.sender, self, shares), "lender: transfer failed"
    self.collateral[msg.sender] += shares
    log Deposited(borrower=msg.sender, shares=shares)


@external
def withdraw(shares: uint256):
    """
    @dev Takes back pledged shares, if the debt stays within the borrow limit.
    @param shares Share base units.
    """
    pledged: uint256 = self.collateral[msg.sender]
    assert shares <= pledged, "lender: more shares than pledged"
    left: uint256 = pledged - shares
    assert self.debt[msg.sender] <= self._value(left) * LTV_BPS // BPS, "lender: debt above the borrow limit"
    self.collateral[msg.sender] = left
    assert extcall TOKEN.transfer(msg.sender, shares), "lender: transfer failed"
    log Withdrawn(borrower=msg.sender, shares=shares)


@external
def borrow(amount: uint256):
    """
    @dev Borrows `amount` of the stablecoin, within the borrow limit of the collateral.
    @param amount Stablecoin base units.
    """
    debt: uint256 = self.debt[msg.sender] + amount
    assert debt <= self._value(self.collateral[msg.sender]) * LTV_BPS // BPS, "lender: debt above the borrow limit"
    self.debt[msg.sender] = debt
    assert extcall STABLECOIN.transfer(msg.sender, amount, default_return_value=True), "lender: transfer failed"
    log Borrowed(borrower=msg.sender, amount=amount)


@external
def repay(amount: uint256):
    """
    @dev Repays `amount` of the caller's debt (approve first).
    @param amount Stablecoin base units, at most the debt.
    """
    debt: uint256 = self.debt[msg.sender]
    assert amount <= debt, "lender: more than the debt"
    self.debt[msg.sender] = debt - amount
    assert extcall STABLECOIN.transferFrom(
        msg.sender, self, amount, default_return_value=True
    ), "lender: transfer failed"
    log Repaid(borrower=msg.sender, amount=amount)


@external
def liquidate(borrower: address):
    """
    @dev Anyone repays the whole debt of a position above its liquidation threshold and
         takes all its collateral.
    @param borrower The position.
    """
    debt: uint256 = self.debt[borrower]
    shares: uint256 = self.collateral[borrower]
    assert debt > self._value(shares) * LIQUIDATION_BPS // BPS, "lender: position is healthy"
    self.debt[borrower] = 0
    self.collateral[borrower] = 0
    assert extcall STABLECOIN.transferFrom(msg.sender, self, debt, default_return_value=True), "lender: transfer failed"
    assert extcall TOKEN.transfer(msg.sender, shares), "lender: transfer failed"
    log Liquidated(borrower=borrower, liquidator=msg.sender, debt=debt, shares=shares)


@external
@view
def value(shares: uint256) -> uint256:
    """
    @dev What the lender values `shares` at now.
    @param shares Share base units.
    @return uint256 Stablecoin base units.
    """
    return self._value(shares)


@internal
@view
def _value(shares: uint256) -> uint256:
    revenue: uint256 = 0
    met: uint256 = 0
    judged: uint256 = 0
    revenue, met, judged = staticcall FEED.trailing(LOOKBACK)
    # revenue: whole stablecoin units per whole share summed over LOOKBACK rounds, 18 decimals
    return (shares * revenue // 10**18 * STABLECOIN_UNIT // 10**18 * VALUE_EPOCHS * met // (LOOKBACK * LOOKBACK))
