# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title IdentityRegistry
@custom:contract-name IdentityRegistry
@custom:spec docs/SPEC.md, section "IdentityRegistry"
@license MIT
@notice The investor allowlist every ComputeToken of a deployment shares (ERC-3643's
        identity registry, simplified): registrars verify an account until a timestamp
        (its KYC expiry) or revoke it; the owner (two-step) appoints registrars.
@dev Tokens call `are_verified` on every restricted transfer, so it reads two
     storage slots and nothing else. Roles are separate and take effect at once:
     - removing a registrar stops its next call, but the verifications it made
       stand until they expire or a registrar revokes them;
     - handing over ownership does not change who is a registrar (the deployer
       stays one until the owner removes it).
"""

from interfaces import IIdentityRegistry

from snekmate.auth import ownable as ow
from snekmate.auth import ownable_2step as ow2

implements: IIdentityRegistry

initializes: ow
initializes: ow2[ownable := ow]

exports: (
    ow2.owner,
    ow2.pending_owner,
    ow2.transfer_ownership,
    ow2.accept_ownership,
)

# @dev The last second (inclusive) at which an account is verified;
# zero for an account never verified or revoked.
valid_until: public(HashMap[address, uint64])


# @dev Whether an account may verify and revoke.
is_registrar: public(HashMap[address, bool])


@deploy
def __init__():
    """
    @dev The deployer owns the registry and is its first registrar.
    """
    ow.__init__()
    ow2.__init__()
    self._set_registrar(msg.sender, True)


@external
@view
def is_verified(account: address) -> bool:
    """
    @dev Whether `account` is verified now (true up to and including `valid_until`).
    @param account The investor.
    @return bool True while verified.
    """
    return block.timestamp <= convert(self.valid_until[account], uint256)


@external
@view
def are_verified(first: address, second: address) -> bool:
    """
    @dev Both accounts verified now, in one call.
    @param first An investor.
    @param second Another investor.
    @return bool True when both are.
    """
    return block.timestamp <= convert(min(self.valid_until[first], self.valid_until[second]), uint256)


@external
def set_verified(account: address, valid_until: uint64):
    """
    @dev Verifies `account` until `valid_until` (inclusive). Registrars only.
    @param account The investor.
    @param valid_until The last second of verification; not in the past.
    """
    self._check_registrar()
    assert account != empty(address), "identity: account is the zero address"
    assert convert(valid_until, uint256) >= block.timestamp, "identity: valid_until is in the past"
    self.valid_until[account] = valid_until
    log IIdentityRegistry.IdentityVerified(account=account, valid_until=valid_until, registrar=msg.sender)


@external
def revoke(account: address):
    """
    @dev Ends `account`'s verification now. Registrars only.
    @param account The investor.
    """
    self._check_registrar()
    self.valid_until[account] = 0
    log IIdentityRegistry.IdentityRevoked(account=account, registrar=msg.sender)


@external
def set_registrar(account: address, status: bool):
    """
    @dev Appoints or removes a registrar. Owner only.
    @param account The registrar; not the zero address.
    @param status True to appoint, False to remove.
    """
    ow._check_owner()
    self._set_registrar(account, status)


@internal
def _set_registrar(account: address, status: bool):
    """
    @dev Appoints or removes `account` as a registrar and logs it.
    @param account The registrar.
    @param status True to appoint, False to remove.
    """
    assert account != empty(address), "identity: registrar is the zero address"
    self.is_registrar[account] = status
    log IIdentityRegistry.RegistrarSet(account=account, status=status)


@internal
@view
def _check_registrar():
    """
    @dev Throws if the caller is not a registrar.
    """
    assert self.is_registrar[msg.sender], "identity: caller is not a registrar"
