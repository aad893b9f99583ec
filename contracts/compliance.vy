# pragma version ~=0.4.3
"""
@title Compliance
@custom:contract-name compliance
@license MIT
@notice The compliance controls of a regulated share token (ERC-3643 / ERC-1404 inspired):
        the identity registry, the agent and minter roles, freeze, pause, forced transfer,
        recovery of a lost wallet, `detect_transfer_restriction` and
        `message_for_transfer_restriction`, and the compliant `transfer` / `transferFrom`.
        A stateful module: a token initializes it once, after the `revenue_stream` module
        it moves every share through, and exports `__interface__`; ComputeToken does, and
        so can any other share token (a basket) without copying a line.
@dev What the token adds, all internal: `_require_receiver` (a mint's receiver: not frozen,
     verified when restricted), `_require_sender` (a burn's holder: verified when
     restricted) and `is_minter` (who may call its mint and burn; the roles live here, the
     mint and burn in the token).
     - `restricted`: every balance change (transfer, transferFrom, mint, burn, forced
       transfer, recovery) requires its non-zero parties to be verified in the shared
       IdentityRegistry, but for the sender of a forced transfer or recovery (a court
       order does not wait for KYC); `transfer`/`transferFrom` also stop while `paused`
       and for frozen accounts. A refusal reverts with `message_for_transfer_restriction` of
       the code `detect_transfer_restriction` returns, so wallets can explain it first.
     - The agent role freezes, pauses, forces transfers and recovers lost wallets
       (balance AND unclaimed revenue move). The minter role mints and burns. The
       admin (snekmate's `ownable` owner) assigns roles and settings. Every change is
       evented.
     The paused and restricted flags and each account's frozen flag live in the revenue
     stream's slots (`stream._flags`, `stream._is_frozen`), which every balance change reads
     anyway; this module keeps the registry and the roles. Revert strings keep the
     "compute_token:" prefix they had before the module was split out of ComputeToken, so
     integrators matching them see no change.
"""

from interfaces import IIdentityRegistry

from snekmate.auth import ownable as ow
from snekmate.tokens import erc20

from . import revenue_stream as stream

uses: ow
uses: erc20
uses: stream

# ERC-1404 restriction codes (`detect_transfer_restriction`)
SUCCESS: constant(uint8) = 0
PAUSED: constant(uint8) = 1
SENDER_FROZEN: constant(uint8) = 2
RECEIVER_FROZEN: constant(uint8) = 3
SENDER_NOT_VERIFIED: constant(uint8) = 4
RECEIVER_NOT_VERIFIED: constant(uint8) = 5

# `paused` and `restricted` live in the revenue stream's hot slot, which every balance
# change reads anyway; `is_frozen` in each account's revenue slot
identity_registry: public(IIdentityRegistry)
# compliance agents (freeze, pause, forced transfer, recover) and minters (mint, burn),
# granted and revoked by the admin (the owner)
is_agent: public(HashMap[address, bool])
is_minter: public(HashMap[address, bool])


# `admin` granted (status true) or revoked `role` ("agent" or "minter") of `account`
event RoleSet:
    role: indexed(String[6])
    account: indexed(address)
    status: bool
    admin: indexed(address)


# `agent` froze `account`: it can neither send nor receive (ERC-1404 codes 2 and 3)
event Frozen:
    account: indexed(address)
    agent: indexed(address)


# `agent` unfroze `account`
event Unfrozen:
    account: indexed(address)
    agent: indexed(address)


# `agent` stopped every `transfer` and `transferFrom` (ERC-1404 code 1)
event Paused:
    agent: indexed(address)


# `agent` lifted the pause
event Unpaused:
    agent: indexed(address)


# restricted: whether both parties of a balance change must be verified (ERC-1404 codes 4, 5)
event RestrictedSet:
    restricted: bool


# the registry verification is checked against from now on
event IdentityRegistrySet:
    identity_registry: indexed(address)


# `agent` moved `amount` tokens (18 decimals) from `sender` to `receiver`, compliance aside
event ForcedTransfer:
    agent: indexed(address)
    sender: indexed(address)
    receiver: indexed(address)
    amount: uint256


# `agent` moved lost wallet `lost`'s whole balance, `amount` tokens, and unclaimed revenue to
# `replacement`
event Recovered:
    agent: indexed(address)
    lost: indexed(address)
    replacement: indexed(address)
    amount: uint256


@deploy
def __init__(identity_registry_: IIdentityRegistry, agent: address):
    """
    @dev Restricted mode starts on. Call after `stream.__init__`, which writes the slot
         the restricted flag lives in. A token with minters grants its first one with
         `_set_role("minter", ...)` (a token that mints otherwise, a basket, has none).
    @param identity_registry_ The shared investor allowlist; not the zero address.
    @param agent First compliance agent; not the zero address.
    """
    assert identity_registry_.address != empty(address), "compute_token: registry is the zero address"
    self.identity_registry = identity_registry_
    stream._set_flag(stream.RESTRICTED_FLAG, True)
    self._set_role("agent", agent, True)


# --- transfers -----------------------------------------------------------------------------------
@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @dev ERC-20 transfer, subject to pause, freeze and (restricted) verification.
    @param to The receiver.
    @param amount Token amount.
    @return bool Always True; refusals revert with the restriction's message.
    """
    # the stream's hot slot and both account slots are read once, for compliance and for
    # the revenue debt alike. Refusals in order: compliance, zero address, balance.
    state: stream.TransferState = stream._transfer_state(msg.sender, to)
    if state.restrictions != 0:
        # paused, restricted or a party frozen: the full check (the open path skips it)
        self._require_transferable(msg.sender, to, state.restrictions)
    stream._move_shares(msg.sender, to, amount, state)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @dev ERC-20 transferFrom on the caller's allowance, with the checks of `transfer`.
    @param owner The payer.
    @param to The receiver.
    @param amount Token amount.
    @return bool Always True; refusals revert.
    """
    # as `transfer`; refusals in order: compliance, allowance, zero address, balance
    state: stream.TransferState = stream._transfer_state(owner, to)
    if state.restrictions != 0:
        self._require_transferable(owner, to, state.restrictions)
    erc20._spend_allowance(owner, msg.sender, amount)
    stream._move_shares(owner, to, amount, state)
    return True


@external
@view
def is_frozen(arg0: address) -> bool:
    """
    @dev Whether `freeze` stopped the account (kept in its revenue slot, so a transfer
         reads compliance and revenue state at once). Named as the public getter it
         replaced, so the ABI is unchanged.
    @param arg0 The holder.
    @return bool True while frozen.
    """
    return stream._is_frozen(arg0)


@external
@view
def paused() -> bool:
    """
    @dev Whether `transfer` and `transferFrom` are stopped.
    @return bool True while paused.
    """
    return stream._flags() & stream.PAUSED_FLAG != 0


@external
@view
def restricted() -> bool:
    """
    @dev Whether balance changes require verified parties.
    @return bool True in restricted mode.
    """
    return stream._flags() & stream.RESTRICTED_FLAG != 0


@external
@view
def detect_transfer_restriction(sender: address, receiver: address, amount: uint256) -> uint8:
    """
    @dev ERC-1404: why a `transfer` from `sender` to `receiver` would be refused (0: it
         would not). Balance and allowance are the ERC-20's business, not compliance's.
    @param sender The payer.
    @param receiver The receiver.
    @param amount Token amount (compliance here does not depend on it).
    @return uint8 The restriction code.
    """
    return self._check(sender, receiver, stream._transfer_state(sender, receiver).restrictions)


@external
@pure
def message_for_transfer_restriction(code: uint8) -> String[64]:
    """
    @dev ERC-1404: the words for a restriction code; a refused transfer reverts with them.
    @param code A code from `detect_transfer_restriction`.
    @return String The explanation.
    """
    return self._message(code)


# --- agent -----------------------------------------------------------------------------------------
@external
def forced_transfer(sender: address, receiver: address, amount: uint256):
    """
    @dev Moves shares without the holder's consent, through pause and freeze (court
         order, regulator). The receiver must be verified when restricted and not frozen.
         Accrued revenue stays with each party. Agent only.
    @param sender The holder.
    @param receiver The receiver.
    @param amount Token amount.
    """
    self._require_agent()
    self._require_receiver(receiver)
    stream._move_shares(sender, receiver, amount, stream._transfer_state(sender, receiver))
    log ForcedTransfer(agent=msg.sender, sender=sender, receiver=receiver, amount=amount)


@external
def recover(lost: address, replacement: address):
    """
    @dev Moves a lost wallet's whole position to its owner's new wallet: the balance AND
         the unclaimed revenue. The replacement must be verified when restricted and not
         frozen. Agent only.
    @param lost The wallet whose keys are lost.
    @param replacement The holder's new wallet.
    """
    self._require_agent()
    assert lost != replacement, "compute_token: replacement is the lost wallet"
    assert replacement != empty(address), "compute_token: replacement is the zero address"
    self._require_receiver(replacement)
    amount: uint256 = erc20.balanceOf[lost]
    stream._move_shares(lost, replacement, amount, stream._transfer_state(lost, replacement))
    stream._move_accrued(lost, replacement)
    log Recovered(agent=msg.sender, lost=lost, replacement=replacement, amount=amount)


@external
def freeze(account: address):
    """
    @dev Stops `account` sending or receiving by transfer. Agent only.
    @param account The holder.
    """
    self._require_agent()
    stream._set_frozen(account, True)
    log Frozen(account=account, agent=msg.sender)


@external
def unfreeze(account: address):
    """
    @dev Lifts `freeze`. Agent only.
    @param account The holder.
    """
    self._require_agent()
    stream._set_frozen(account, False)
    log Unfrozen(account=account, agent=msg.sender)


@external
def pause():
    """
    @dev Stops every `transfer` and `transferFrom`. Agent only.
    """
    self._require_agent()
    assert stream._flags() & stream.PAUSED_FLAG == 0, "compute_token: already paused"
    stream._set_flag(stream.PAUSED_FLAG, True)
    log Paused(agent=msg.sender)


@external
def unpause():
    """
    @dev Lifts `pause`. Agent only.
    """
    self._require_agent()
    assert stream._flags() & stream.PAUSED_FLAG != 0, "compute_token: not paused"
    stream._set_flag(stream.PAUSED_FLAG, False)
    log Unpaused(agent=msg.sender)


# --- admin -----------------------------------------------------------------------------------------
@external
def set_agent(account: address, status: bool):
    """
    @dev Grants or revokes the agent role. Admin only.
    @param account The account.
    @param status True to grant.
    """
    ow._check_owner()
    self._set_role("agent", account, status)


@external
def set_minter(account: address, status: bool):
    """
    @dev Grants or revokes the minter role. Admin only.
    @param account The account.
    @param status True to grant.
    """
    ow._check_owner()
    self._set_role("minter", account, status)


@external
def set_restricted(restricted: bool):
    """
    @dev Turns identity verification on every balance change on or off. Admin only.
    @param restricted The new mode.
    """
    ow._check_owner()
    stream._set_flag(stream.RESTRICTED_FLAG, restricted)
    log RestrictedSet(restricted=restricted)


@external
def set_identity_registry(identity_registry_: IIdentityRegistry):
    """
    @dev Points the token at another investor allowlist. Admin only.
    @param identity_registry_ The registry.
    """
    ow._check_owner()
    assert identity_registry_.address != empty(address), "compute_token: registry is the zero address"
    self.identity_registry = identity_registry_
    log IdentityRegistrySet(identity_registry=identity_registry_.address)


# --- internal ----------------------------------------------------------------------------------------
@internal
@view
def _require_transferable(sender: address, receiver: address, restrictions: uint256):
    """
    @dev Reverts with the restriction's message unless `_check` finds none.
    @param sender The payer.
    @param receiver The receiver.
    @param restrictions The pre-check's flags (`stream._transfer_state`), not zero.
    """
    code: uint8 = self._check(sender, receiver, restrictions)
    assert code == SUCCESS, self._message(code)


@internal
@view
def _check(sender: address, receiver: address, restrictions: uint256) -> uint8:
    """
    @dev The restriction code of a transfer from `sender` to `receiver`: the pause first,
         then a frozen party, then (restricted) the parties' verification.
    @param sender The payer.
    @param receiver The receiver.
    @param restrictions `stream._transfer_state(sender, receiver).restrictions`: the
           paused and restricted flags and each frozen party's flag.
    @return uint8 SUCCESS or the first restriction that applies.
    """
    if restrictions & stream.PAUSED_FLAG != 0:
        return PAUSED
    if restrictions & stream.SENDER_FROZEN_FLAG != 0:
        return SENDER_FROZEN
    if restrictions & stream.RECEIVER_FROZEN_FLAG != 0:
        return RECEIVER_FROZEN
    if restrictions & stream.RESTRICTED_FLAG != 0:
        registry: IIdentityRegistry = self.identity_registry
        # one call on the happy path; a second only to say which party is refused
        if not staticcall registry.are_verified(sender, receiver):
            if not staticcall registry.is_verified(sender):
                return SENDER_NOT_VERIFIED
            return RECEIVER_NOT_VERIFIED
    return SUCCESS


@internal
@view
def _require_receiver(receiver: address):
    """
    @dev Refuses the receiver of a mint, forced transfer or recovery that is frozen or (in
         restricted mode) not verified now; these reach it through pause and whatever the
         sender's status (a court order does not wait for KYC), but never a frozen or
         unknown account. The zero address is left to the ERC-20's own refusal.
    @param receiver The receiver.
    """
    assert not stream._is_frozen(receiver), self._message(RECEIVER_FROZEN)
    if stream._flags() & stream.RESTRICTED_FLAG != 0 and receiver != empty(address):
        assert staticcall self.identity_registry.is_verified(receiver), self._message(RECEIVER_NOT_VERIFIED)


@internal
@view
def _require_sender(sender: address):
    """
    @dev Refuses the holder of a burn that (in restricted mode) the identity registry does
         not verify now. Its frozen flag is not checked: the minter's redemption, like the
         agent's forced transfer, goes through a freeze. The zero address is left to the
         ERC-20's own refusal.
    @param sender The holder whose shares are burnt.
    """
    if stream._flags() & stream.RESTRICTED_FLAG != 0 and sender != empty(address):
        assert staticcall self.identity_registry.is_verified(sender), self._message(SENDER_NOT_VERIFIED)


@internal
@pure
def _message(code: uint8) -> String[64]:
    """
    @dev The words for a restriction code (ERC-1404); a refused transfer reverts with them.
    @param code A restriction code.
    @return String The explanation; "unknown restriction code" for any other code.
    """
    if code == SUCCESS:
        return "compute_token: no restriction"
    if code == PAUSED:
        return "compute_token: transfers are paused"
    if code == SENDER_FROZEN:
        return "compute_token: sender is frozen"
    if code == RECEIVER_FROZEN:
        return "compute_token: receiver is frozen"
    if code == SENDER_NOT_VERIFIED:
        return "compute_token: sender is not verified"
    if code == RECEIVER_NOT_VERIFIED:
        return "compute_token: receiver is not verified"
    return "compute_token: unknown restriction code"


@internal
@view
def _require_agent():
    """
    @dev Refuses a caller without the agent role.
    """
    assert self.is_agent[msg.sender], "compute_token: caller is not an agent"


@internal
def _set_role(role: String[6], account: address, status: bool):
    """
    @dev Grants or revokes a role and logs `RoleSet`.
    @param role "agent" or "minter" (anything else is the minter role: callers pass a literal).
    @param account The account; not the zero address.
    @param status True to grant.
    """
    assert account != empty(address), "compute_token: role for the zero address"
    if role == "agent":
        self.is_agent[account] = status
    else:
        self.is_minter[account] = status
    log RoleSet(role=role, account=account, status=status, admin=msg.sender)
