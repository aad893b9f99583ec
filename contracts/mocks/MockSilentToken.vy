# pragma version ~=0.4.3
"""
@title MockSilentToken
@custom:contract-name MockSilentToken
@license MIT
@notice Tests only: a USDT-style ERC-20 whose `transfer`, `transferFrom` and `approve`
        return nothing and revert on failure. Contracts that call it must accept an
        empty answer as success (`default_return_value=True`).
"""

balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
totalSupply: public(uint256)
decimals: public(constant(uint8)) = 6


@external
def mint(to: address, amount: uint256):
    """
    @dev Anyone mints (tests only).
    """
    self.balanceOf[to] += amount
    self.totalSupply += amount


@external
def approve(spender: address, amount: uint256):
    """
    @dev Records the allowance; returns nothing.
    """
    self.allowance[msg.sender][spender] = amount


@external
def transfer(to: address, amount: uint256):
    """
    @dev Moves `amount` from the caller (reverts when short); returns nothing.
    """
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[to] += amount


@external
def transferFrom(owner: address, to: address, amount: uint256):
    """
    @dev Moves `amount` from `owner` within the caller's allowance (reverts when short);
         an unlimited allowance is not spent. Returns nothing.
    """
    allowed: uint256 = self.allowance[owner][msg.sender]
    if allowed != max_value(uint256):
        self.allowance[owner][msg.sender] = allowed - amount
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount
