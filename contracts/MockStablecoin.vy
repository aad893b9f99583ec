# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title MockStablecoin
@custom:contract-name MockStablecoin
@custom:spec docs/SPEC.md, section "MockStablecoin"
@license MIT
@notice A GENIUS-style dollar for local networks and tests: 6 decimals,
        issuer-only mint and burn, blacklist, pause, EIP-2612 `permit`,
        EIP-3009 transfers by authorization and EIP-5267 `eip712Domain`.
        Its surface follows the USDC family so that code written against
        it also runs against the real tokens: `isBlacklisted`,
        `transferWithAuthorization`, `receiveWithAuthorization`,
        `cancelAuthorization`, `authorizationState`.
@dev Rules that the protocol must survive, exactly as a regulated issuer
     applies them:
     - a blacklisted address can neither send, receive, approve, spend
       an allowance nor be approved; the issuer can still blacklist or
       unblacklist it at any time;
     - while paused, no balance or allowance changes and no authorization
       can be used or cancelled;
     - an EIP-3009 nonce is random (bytes32), usable once, and cancellable
       while unused; `receiveWithAuthorization` must be called by its
       payee, so a front-runner cannot move the funds elsewhere.
     Signatures are secp256k1 only (snekmate's `ecdsa`, which refuses
     high-s and the zero address).
     Storage, as USDC v2.2 keeps it: an account's blacklist flag is the high
     bit (255) of its balance word, so a transfer's blacklist checks read the
     slots it moves anyway. snekmate's `erc20` moves the raw words: only
     accounts that are not blacklisted (flag clear) ever move, and balances
     stay below 2**255 because the supply does (`mint` refuses more).
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

from interfaces import IERC3009

from snekmate.tokens.interfaces import IERC20Permit
from snekmate.utils.interfaces import IERC5267

implements: IERC20
implements: IERC20Detailed
implements: IERC20Permit
implements: IERC5267
implements: IERC3009

from snekmate.auth import ownable as ow
from snekmate.auth import ownable_2step as ow2
from snekmate.tokens import erc20
from snekmate.utils import ecdsa
from snekmate.utils import pausable

initializes: ow
initializes: ow2[ownable := ow]
initializes: erc20[ownable := ow]
initializes: pausable

exports: (
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.totalSupply,
    erc20.allowance,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
    ow2.owner,
    ow2.pending_owner,
    ow2.transfer_ownership,
    ow2.accept_ownership,
    pausable.paused,
)

_PERMIT_TYPEHASH: constant(bytes32) = keccak256(
    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
)
_TRANSFER_WITH_AUTHORIZATION_TYPEHASH: constant(bytes32) = keccak256(
    "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
)
_RECEIVE_WITH_AUTHORIZATION_TYPEHASH: constant(bytes32) = keccak256(
    "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
)
_CANCEL_AUTHORIZATION_TYPEHASH: constant(bytes32) = keccak256("CancelAuthorization(address authorizer,bytes32 nonce)")

_BLACKLISTED: constant(uint256) = 1 << 255
MAX_SUPPLY: constant(uint256) = _BLACKLISTED - 1

_authorization_used: HashMap[address, HashMap[bytes32, bool]]


# the issuer blocked `account` from sending and receiving
event Blacklisted:
    account: indexed(address)


# the issuer unblocked `account`
event UnBlacklisted:
    account: indexed(address)


# `minter` (the issuer) issued `amount` base units to `to`
event Mint:
    minter: indexed(address)
    to: indexed(address)
    amount: uint256


# `burner` (the issuer) redeemed `amount` base units of its own balance
event Burn:
    burner: indexed(address)
    amount: uint256


@deploy
def __init__(name_: String[25], symbol_: String[5]):
    """
    @dev The deployer becomes the issuer (`owner`), transferable in two
         steps. The EIP-712 domain is the token's name with version "1".
    @param name_ The token name, also the EIP-712 domain name.
    @param symbol_ The token symbol.
    """
    ow.__init__()
    ow2.__init__()
    erc20.__init__(name_, symbol_, 6, name_, "1")
    pausable.__init__()


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @dev Moves `amount` from the caller to `to`.
    @param to The receiver.
    @param amount The amount in base units.
    @return bool Always True; failures revert.
    """
    self._check_parties(msg.sender, to)
    erc20._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @dev Moves `amount` from `owner` to `to` on the caller's allowance.
         The spender must not be blacklisted either.
    @param owner The payer.
    @param to The receiver.
    @param amount The amount in base units.
    @return bool Always True; failures revert.
    """
    self._check_parties(owner, to)
    self._check_not_blacklisted(msg.sender)
    erc20._spend_allowance(owner, msg.sender, amount)
    erc20._transfer(owner, to, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    """
    @dev Sets the caller's allowance for `spender` to `amount`.
    @param spender The spender.
    @param amount The allowance in base units.
    @return bool Always True; failures revert.
    """
    self._check_parties(msg.sender, spender)
    erc20._approve(msg.sender, spender, amount)
    return True


@external
def permit(
    owner: address,
    spender: address,
    amount: uint256,
    deadline: uint256,
    v: uint8,
    r: bytes32,
    s: bytes32,
):
    """
    @dev EIP-2612: sets `owner`'s allowance for `spender` from `owner`'s
         signature over its current nonce.
    @param owner The signer whose tokens are approved.
    @param spender The spender.
    @param amount The allowance in base units.
    @param deadline The last timestamp at which the signature is valid.
    @param v The signature's recovery byte.
    @param r The signature's r.
    @param s The signature's s (low half of the curve order only).
    """
    self._check_parties(owner, spender)
    assert block.timestamp <= deadline, "stablecoin: permit expired"
    nonce: uint256 = erc20.nonces[owner]
    erc20.nonces[owner] = unsafe_add(nonce, 1)
    self._verify(
        owner,
        keccak256(abi_encode(_PERMIT_TYPEHASH, owner, spender, amount, nonce, deadline)),
        v,
        r,
        s,
    )
    erc20._approve(owner, spender, amount)


@external
def transferWithAuthorization(
    from_: address,
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
    @dev EIP-3009: moves `amount` from `from_` to `to` on `from_`'s
         signature; anyone may submit it.
    @param from_ The payer and signer.
    @param to The payee.
    @param amount The amount in base units.
    @param valid_after The authorization is valid strictly after this time.
    @param valid_before The authorization is valid strictly before this time.
    @param nonce The payer's unique random nonce.
    @param v The signature's recovery byte.
    @param r The signature's r.
    @param s The signature's s.
    """
    self._use_authorization(
        _TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from_, to, amount, valid_after, valid_before, nonce, v, r, s
    )


@external
def receiveWithAuthorization(
    from_: address,
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
    @dev EIP-3009: as `transferWithAuthorization`, but only the payee
         may submit it, which stops a front-runner from replaying the
         authorization outside the payee's own call.
    @param from_ The payer and signer.
    @param to The payee, which must be the caller.
    @param amount The amount in base units.
    @param valid_after The authorization is valid strictly after this time.
    @param valid_before The authorization is valid strictly before this time.
    @param nonce The payer's unique random nonce.
    @param v The signature's recovery byte.
    @param r The signature's r.
    @param s The signature's s.
    """
    assert to == msg.sender, "stablecoin: caller must be the payee"
    self._use_authorization(
        _RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from_, to, amount, valid_after, valid_before, nonce, v, r, s
    )


@external
def cancelAuthorization(authorizer: address, nonce: bytes32, v: uint8, r: bytes32, s: bytes32):
    """
    @dev EIP-3009: burns an unused authorization nonce on its signer's
         signature, so the authorization can never be used.
    @param authorizer The signer of the authorization.
    @param nonce The nonce to cancel.
    @param v The signature's recovery byte.
    @param r The signature's r.
    @param s The signature's s.
    """
    pausable._require_not_paused()
    assert not self._authorization_used[authorizer][nonce], "stablecoin: authorization is used or canceled"
    self._verify(authorizer, keccak256(abi_encode(_CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce)), v, r, s)
    self._authorization_used[authorizer][nonce] = True
    log IERC3009.AuthorizationCanceled(authorizer=authorizer, nonce=nonce)


@external
@view
def balanceOf(arg0: address) -> uint256:
    """
    @dev The balance of `arg0` (named as the public getter it replaces, so the
         ABI is unchanged), without the blacklist flag kept in its high bit.
    @param arg0 The account.
    @return uint256 The balance in base units.
    """
    return erc20.balanceOf[arg0] & MAX_SUPPLY


@external
@view
def isBlacklisted(arg0: address) -> bool:
    """
    @dev Whether `arg0` is blacklisted (named as the public getter it
         replaces, so the ABI is unchanged).
    @param arg0 The account.
    @return bool True while blacklisted.
    """
    return erc20.balanceOf[arg0] >= _BLACKLISTED


@external
@view
def authorizationState(authorizer: address, nonce: bytes32) -> bool:
    """
    @dev EIP-3009: whether `nonce` of `authorizer` is used or cancelled.
    @param authorizer The signer.
    @param nonce The nonce.
    @return bool True once used or cancelled.
    """
    return self._authorization_used[authorizer][nonce]


@external
def mint(to: address, amount: uint256):
    """
    @dev Issues `amount` new tokens to `to`. Issuer only; neither may be blacklisted.
    @param to The receiver.
    @param amount The amount in base units.
    """
    ow._check_owner()
    self._check_parties(msg.sender, to)
    # keeps every balance below the blacklist bit
    assert erc20.totalSupply + amount <= MAX_SUPPLY, "stablecoin: supply cap exceeded"
    erc20._mint(to, amount)
    log Mint(minter=msg.sender, to=to, amount=amount)


@external
def burn(amount: uint256):
    """
    @dev Redeems `amount` from the issuer's own balance. Issuer only.
    @param amount The amount in base units.
    """
    ow._check_owner()
    pausable._require_not_paused()
    self._check_not_blacklisted(msg.sender)
    erc20._burn(msg.sender, amount)
    log Burn(burner=msg.sender, amount=amount)


@external
def blacklist(account: address):
    """
    @dev Freezes `account` out of every balance and allowance change.
         Issuer only; allowed while paused.
    @param account The account.
    """
    ow._check_owner()
    erc20.balanceOf[account] |= _BLACKLISTED
    log Blacklisted(account=account)


@external
def unblacklist(account: address):
    """
    @dev Lifts the blacklisting of `account`. Issuer only.
    @param account The account.
    """
    ow._check_owner()
    erc20.balanceOf[account] &= MAX_SUPPLY
    log UnBlacklisted(account=account)


@external
def pause():
    """
    @dev Stops every balance and allowance change. Issuer only.
    """
    ow._check_owner()
    pausable._pause()


@external
def unpause():
    """
    @dev Resumes after `pause`. Issuer only.
    """
    ow._check_owner()
    pausable._unpause()


@internal
def _use_authorization(
    typehash: bytes32,
    from_: address,
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
    @dev Uses an EIP-3009 authorization: checks the parties (pause, blacklist), its validity
         window, that its nonce is unused and its signature, marks the nonce used (logs
         `AuthorizationUsed`) and moves `amount` from `from_` to `to`.
    @param typehash TransferWithAuthorization's or ReceiveWithAuthorization's type hash.
    @param from_ The authorizer, who pays.
    @param to The payee.
    @param amount Base units.
    @param valid_after Valid strictly after this time.
    @param valid_before Valid strictly before this time.
    @param nonce The authorizer's random nonce.
    @param v The signature's v.
    @param r The signature's r.
    @param s The signature's s.
    """
    self._check_parties(from_, to)
    assert block.timestamp > valid_after, "stablecoin: authorization is not yet valid"
    assert block.timestamp < valid_before, "stablecoin: authorization is expired"
    assert not self._authorization_used[from_][nonce], "stablecoin: authorization is used or canceled"
    self._verify(
        from_,
        keccak256(abi_encode(typehash, from_, to, amount, valid_after, valid_before, nonce)),
        v,
        r,
        s,
    )
    self._authorization_used[from_][nonce] = True
    log IERC3009.AuthorizationUsed(authorizer=from_, nonce=nonce)
    erc20._transfer(from_, to, amount)


@internal
@view
def _verify(signer: address, struct_hash: bytes32, v: uint8, r: bytes32, s: bytes32):
    """
    @dev Refuses a signature of the EIP-712 digest of `struct_hash` that `signer` did not
         make (snekmate's ecdsa refuses high-s and a zero-address recovery with its own
         reasons).
    @param signer Who must have signed.
    @param struct_hash The typed struct's hash.
    @param v The signature's v.
    @param r The signature's r.
    @param s The signature's s.
    """
    recovered: address = ecdsa._recover_vrs(
        erc20.eip712_domain_separator._hash_typed_data_v4(struct_hash),
        convert(v, uint256),
        convert(r, uint256),
        convert(s, uint256),
    )
    assert recovered == signer, "stablecoin: invalid signature"


@internal
def _check_parties(sender: address, receiver: address):
    """
    @dev The rule that guards a transfer (payer, payee) and an approval (owner, spender)
         alike: not paused, neither party blacklisted.
    @param sender The payer or owner.
    @param receiver The payee or spender.
    """
    pausable._require_not_paused()
    self._check_not_blacklisted(sender)
    self._check_not_blacklisted(receiver)


@internal
@view
def _check_not_blacklisted(account: address):
    """
    @dev Refuses a blacklisted account (the top bit of its balance word).
    @param account The account.
    """
    assert erc20.balanceOf[account] < _BLACKLISTED, "stablecoin: account is blacklisted"
