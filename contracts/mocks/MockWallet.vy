# pragma version ~=0.4.3
"""
@title MockWallet
@custom:contract-name MockWallet
@license MIT
@notice Tests only: a contract wallet (ERC-1271) whose owner key signs for it, and
        which the owner drives with `execute` and `create`, as a customer that pays from
        a smart account. `set_valid(False)` makes it refuse every signature (a revoked key).
"""

from snekmate.utils import ecdsa

OWNER: public(immutable(address))
valid: public(bool)

_MAGIC: constant(bytes4) = 0x1626BA7E


@deploy
def __init__(owner: address):
    """
    @param owner The key that signs for the wallet and may execute calls.
    """
    OWNER = owner
    self.valid = True


@external
@view
def isValidSignature(digest: bytes32, signature: Bytes[65]) -> bytes4:
    """
    @dev ERC-1271: the magic value when the owner signed `digest` (65-byte or EIP-2098
         64-byte signature) and the wallet accepts signatures.
    """
    if self.valid and ecdsa._recover_sig(digest, signature) == OWNER:
        return _MAGIC
    return 0xFFFFFFFF


@external
def execute(target: address, data: Bytes[1_024]) -> Bytes[256]:
    """
    @dev Calls `target` with `data`. Owner only.
    """
    assert msg.sender == OWNER, "wallet: caller is not the owner"
    return raw_call(target, data, max_outsize=256)


@external
def create(blueprint: address, args: Bytes[1_024]) -> address:
    """
    @dev Deploys a contract from the ERC-5202 `blueprint` with the ABI-encoded constructor
         `args`, in the wallet's name (as a smart account's CREATE helper does). Owner only.
    """
    assert msg.sender == OWNER, "wallet: caller is not the owner"
    return create_from_blueprint(blueprint, args, raw_args=True)


@external
def set_valid(valid: bool):
    """
    @dev Accept or refuse every signature from now on. Owner only.
    """
    assert msg.sender == OWNER, "wallet: caller is not the owner"
    self.valid = valid
