# pragma version ~=0.4.3
"""
@title MockReentrantComponent
@custom:contract-name MockReentrantComponent
@license MIT
@notice Tests only: a hostile basket component. It reports the stablecoin and clock it is
        given, so a basket deployed directly with it accepts it, and on every `transfer`,
        `transferFrom` and `claim` calls back into `target` with `data` (a basket's `harvest`,
        `create`, `redeem`), recording whether that re-entry succeeded. The basket's lock must
        refuse every one.
"""

STABLECOIN: public(immutable(address))
GENESIS: public(immutable(uint256))
EPOCH_LENGTH: public(immutable(uint256))

target: public(address)
data: public(Bytes[68])
# re-entries tried and re-entries that succeeded
attempts: public(uint256)
reentered: public(uint256)


@deploy
def __init__(stablecoin: address, genesis: uint256, epoch_length: uint256):
    STABLECOIN = stablecoin
    GENESIS = genesis
    EPOCH_LENGTH = epoch_length


@external
def arm(target: address, data: Bytes[68]):
    """
    @dev The call to make back into `target` from now on (empty: none).
    """
    self.target = target
    self.data = data


@internal
def _reenter():
    if len(self.data) == 0:
        return
    self.attempts += 1
    if raw_call(self.target, self.data, revert_on_failure=False):
        self.reentered += 1


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._reenter()
    return True


@external
def transferFrom(owner: address, receiver: address, amount: uint256) -> bool:
    self._reenter()
    return True


@external
def claim(receiver: address) -> uint256:
    self._reenter()
    return 0
