# pragma version ~=0.4.3
"""
@title MockFeeToken
@custom:contract-name MockFeeToken
@license MIT
@notice Tests only: a 6-decimal dollar that burns `fee_bps` of every transfer, so the
        receiver gets less than was sent (a fee-on-transfer or short-paying token).
        Contracts must credit what arrived (balance difference), never the amount asked.
"""

from ethereum.ercs import IERC20

from snekmate.auth import ownable as ow
from snekmate.tokens import erc20

implements: IERC20

initializes: ow
initializes: erc20[ownable := ow]

exports: (
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.approve,
    erc20.decimals,
    erc20.name,
    erc20.symbol,
)

fee_bps: public(uint256)


@deploy
def __init__(fee_bps: uint256):
    """
    @param fee_bps The share of every transfer burnt, in bps.
    """
    ow.__init__()
    erc20.__init__("Mock Fee USD", "fUSD", 6, "Mock Fee USD", "1")
    self.fee_bps = fee_bps


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @dev Moves `amount` from the caller; `to` receives it less the fee.
    """
    self._transfer_with_fee(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @dev Moves `amount` from `owner` on the caller's allowance; `to` receives it less the fee.
    """
    erc20._spend_allowance(owner, msg.sender, amount)
    self._transfer_with_fee(owner, to, amount)
    return True


@external
def receiveWithAuthorization(
    owner: address,
    to: address,
    amount: uint256,
    valid_after: uint256,
    valid_before: uint256,
    nonce: bytes32,
    v: uint8,
    r: bytes32,
    s: bytes32,
):
    """
    @dev EIP-3009's receive, as far as a short-paying token matters: moves `amount` from
         `owner` to the caller, which receives it less the fee. The signature, validity
         and nonce are NOT checked (tests only: what a contract does with what arrived).
    """
    assert to == msg.sender, "fee token: caller is not the payee"
    self._transfer_with_fee(owner, to, amount)


@external
def mint(to: address, amount: uint256):
    """
    @dev Anyone mints (tests only).
    """
    erc20._mint(to, amount)


@external
def set_fee(fee_bps: uint256):
    """
    @dev Changes the fee (tests only: a token that starts charging).
    """
    self.fee_bps = fee_bps


@internal
def _transfer_with_fee(owner: address, to: address, amount: uint256):
    """
    @dev Moves `amount` less the fee from `owner` to `to` and burns the fee from `owner`.
    @param owner The payer.
    @param to The receiver.
    @param amount What the payer sends; the receiver gets `amount - amount * fee_bps // 10,000`.
    """
    fee: uint256 = amount * self.fee_bps // 10_000
    erc20._transfer(owner, to, amount - fee)
    if fee != 0:
        erc20._burn(owner, fee)
