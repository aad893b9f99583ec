# pragma version ~=0.4.3
"""
@title MockFalseToken
@custom:contract-name MockFalseToken
@license MIT
@notice Tests only: an ERC-20 that reports failure by returning `false` instead of
        reverting, per function (`set_fails`) or all at once (`set_failing`). Contracts
        must check every return value. It moves balances but keeps no allowance books:
        only what each call returns is under test.
"""

balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
fail_transfer: public(bool)
fail_transfer_from: public(bool)
fail_approve: public(bool)


@external
def mint(to: address, amount: uint256):
    """
    @dev Anyone mints (tests only).
    """
    self.balanceOf[to] += amount


@external
def set_failing(failing: bool):
    """
    @dev transfer, transferFrom and approve all answer `false` (or all work again).
    """
    self.fail_transfer = failing
    self.fail_transfer_from = failing
    self.fail_approve = failing


@external
def set_fails(transfer: bool, transfer_from: bool, approve: bool):
    """
    @dev Which calls answer `false`.
    """
    self.fail_transfer = transfer
    self.fail_transfer_from = transfer_from
    self.fail_approve = approve


@external
def approve(spender: address, amount: uint256) -> bool:
    """
    @dev Records the allowance, or answers `false`.
    """
    if self.fail_approve:
        return False
    self.allowance[msg.sender][spender] = amount
    return True


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @dev Moves `amount` from the caller, or answers `false`.
    """
    if self.fail_transfer:
        return False
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[to] += amount
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @dev Moves `amount` from `owner`, or answers `false`.
    """
    if self.fail_transfer_from:
        return False
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount
    return True
