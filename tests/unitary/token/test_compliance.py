"""ERC-1404 restrictions: each code's situation, its words, and the refusal of transfer and
transferFrom with exactly those words; restricted mode off; verification expiry."""

from types import SimpleNamespace

import pytest

from computerwa.evm.chain import reverts
from tests.unitary.token.conftest import MESSAGES, SHARE, SHARES, UNKNOWN_CODE, ZERO


@pytest.fixture
def cast(compute_token, identity, issuer, agent, investor, holder, operator):
    return SimpleNamespace(
        token=compute_token,
        identity=identity,
        issuer=issuer,
        agent=agent,
        investor=investor,
        holder=holder,
        operator=operator,
    )


def _paused(c):
    c.token.pause(sender=c.agent)
    return c.investor, c.holder


def _sender_frozen(c):
    c.token.freeze(c.investor, sender=c.agent)
    return c.investor, c.holder


def _receiver_frozen(c):
    c.token.freeze(c.holder, sender=c.agent)
    return c.investor, c.holder


def _sender_not_verified(c):
    c.identity.revoke(c.investor, sender=c.issuer)
    return c.investor, c.holder


def _receiver_not_verified(c):
    # the operator never went through KYC
    return c.investor, c.operator


RESTRICTED_SITUATIONS = [
    pytest.param(1, _paused, id="1-paused"),
    pytest.param(2, _sender_frozen, id="2-sender-frozen"),
    pytest.param(3, _receiver_frozen, id="3-receiver-frozen"),
    pytest.param(4, _sender_not_verified, id="4-sender-not-verified"),
    pytest.param(5, _receiver_not_verified, id="5-receiver-not-verified"),
]


def test_code_0_between_verified_holders_lets_the_transfer_through(compute_token, investor, holder, issued):
    assert compute_token.detect_transfer_restriction(investor, holder, SHARES) == 0
    assert compute_token.message_for_transfer_restriction(0) == MESSAGES[0]
    compute_token.transfer(holder, SHARE, sender=investor)
    assert compute_token.balanceOf(holder) == SHARE


@pytest.mark.parametrize(("code", "situation"), RESTRICTED_SITUATIONS)
def test_restriction_is_detected_explained_and_enforced(cast, relayer, issued, code, situation):
    token = cast.token
    token.approve(relayer, SHARES, sender=cast.investor)
    sender, receiver = situation(cast)
    assert token.detect_transfer_restriction(sender, receiver, SHARE) == code
    message = token.message_for_transfer_restriction(code)
    assert message == MESSAGES[code]
    with reverts(message):
        token.transfer(receiver, SHARE, sender=sender)
    with reverts(message):
        token.transferFrom(sender, receiver, SHARE, sender=relayer)
    assert token.balanceOf(sender) == SHARES


def test_restriction_does_not_depend_on_the_amount(compute_token, investor, operator, issued):
    for amount in (0, 1, SHARES, 2**256 - 1):
        assert compute_token.detect_transfer_restriction(investor, operator, amount) == 5


def test_pause_outranks_freeze_which_outranks_verification(compute_token, agent, investor, operator):
    compute_token.freeze(operator, sender=agent)
    assert compute_token.detect_transfer_restriction(investor, operator, 1) == 3
    compute_token.freeze(investor, sender=agent)
    assert compute_token.detect_transfer_restriction(investor, operator, 1) == 2
    compute_token.pause(sender=agent)
    assert compute_token.detect_transfer_restriction(investor, operator, 1) == 1


@pytest.mark.parametrize("code", [6, 7, 200, 255])
def test_unknown_code_has_its_own_words(compute_token, code):
    assert compute_token.message_for_transfer_restriction(code) == UNKNOWN_CODE


def test_spender_needs_no_verification(compute_token, investor, holder, operator, issued):
    # compliance checks the parties whose balances change, not the unverified spender
    compute_token.approve(operator, SHARE, sender=investor)
    compute_token.transferFrom(investor, holder, SHARE, sender=operator)
    assert compute_token.balanceOf(holder) == SHARE


def test_unfreeze_and_unpause_lift_the_restrictions(compute_token, agent, investor, holder, issued):
    compute_token.freeze(investor, sender=agent)
    compute_token.pause(sender=agent)
    compute_token.unpause(sender=agent)
    assert compute_token.detect_transfer_restriction(investor, holder, 1) == 2
    compute_token.unfreeze(investor, sender=agent)
    assert compute_token.detect_transfer_restriction(investor, holder, 1) == 0
    compute_token.transfer(holder, SHARE, sender=investor)


# --- restricted mode off ---------------------------------------------------------------------
@pytest.fixture
def unrestricted(compute_token, issuer):
    compute_token.set_restricted(False, sender=issuer)


def test_unrestricted_token_lets_unverified_accounts_hold_and_transfer(
    compute_token, minter, investor, operator, attacker, relayer, unrestricted
):
    compute_token.mint(operator, SHARES, sender=minter)
    assert compute_token.detect_transfer_restriction(operator, attacker, 1) == 0
    compute_token.transfer(attacker, SHARE, sender=operator)
    compute_token.approve(relayer, SHARE, sender=attacker)
    compute_token.transferFrom(attacker, investor, SHARE, sender=relayer)
    compute_token.burn(operator, SHARE, sender=minter)
    assert compute_token.balanceOf(operator) == SHARES - 2 * SHARE
    assert compute_token.balanceOf(investor) == SHARE


def test_unrestricted_token_still_pauses(compute_token, agent, minter, operator, attacker, unrestricted):
    compute_token.mint(operator, SHARES, sender=minter)
    compute_token.pause(sender=agent)
    assert compute_token.detect_transfer_restriction(operator, attacker, 1) == 1
    with reverts(MESSAGES[1]):
        compute_token.transfer(attacker, SHARE, sender=operator)


def test_unrestricted_token_still_freezes(compute_token, agent, minter, operator, attacker, unrestricted):
    compute_token.mint(operator, SHARES, sender=minter)
    compute_token.freeze(operator, sender=agent)
    assert compute_token.detect_transfer_restriction(operator, attacker, 1) == 2
    with reverts(MESSAGES[2]):
        compute_token.transfer(attacker, SHARE, sender=operator)
    compute_token.unfreeze(operator, sender=agent)
    compute_token.freeze(attacker, sender=agent)
    assert compute_token.detect_transfer_restriction(operator, attacker, 1) == 3
    with reverts(MESSAGES[3]):
        compute_token.transfer(attacker, SHARE, sender=operator)
    with reverts(MESSAGES[3]):
        compute_token.mint(attacker, SHARE, sender=minter)


def test_restricted_mode_back_on_refuses_unverified_holders_again(
    compute_token, issuer, minter, operator, investor, unrestricted
):
    compute_token.mint(operator, SHARES, sender=minter)
    compute_token.set_restricted(True, sender=issuer)
    assert compute_token.detect_transfer_restriction(operator, investor, 1) == 4
    with reverts(MESSAGES[4]):
        compute_token.transfer(investor, SHARE, sender=operator)


# --- verification expiry -----------------------------------------------------------------------
def test_transfer_refused_once_the_senders_verification_expires(
    backend, compute_token, identity, issuer, investor, holder, clock, issued
):
    valid_until = backend.pending_timestamp + 100
    identity.set_verified(investor, valid_until, sender=issuer)
    backend.pending_timestamp = valid_until  # still valid at `valid_until` itself
    compute_token.transfer(holder, SHARE, sender=investor)
    backend.pending_timestamp = valid_until + 1
    with reverts(MESSAGES[4]):
        compute_token.transfer(holder, SHARE, sender=investor)
    clock.mine()
    assert not identity.is_verified(investor)
    assert compute_token.detect_transfer_restriction(investor, holder, SHARE) == 4


def test_transfer_refused_once_the_receivers_verification_expires(
    backend, compute_token, identity, issuer, investor, holder, clock, issued
):
    valid_until = backend.pending_timestamp + 100
    identity.set_verified(holder, valid_until, sender=issuer)
    backend.sleep(1_000)
    with reverts(MESSAGES[5]):
        compute_token.transfer(holder, SHARE, sender=investor)
    clock.mine()
    assert compute_token.detect_transfer_restriction(investor, holder, SHARE) == 5
    identity.set_verified(holder, valid_until + 10_000, sender=issuer)
    compute_token.transfer(holder, SHARE, sender=investor)
    assert compute_token.balanceOf(holder) == SHARE


def test_switching_to_an_empty_registry_refuses_everyone(backend, compute_token, issuer, investor, holder, issued):
    empty_registry = backend.deploy("IdentityRegistry", sender=issuer)
    compute_token.set_identity_registry(empty_registry, sender=issuer)
    assert compute_token.detect_transfer_restriction(investor, holder, SHARE) == 4
    with reverts(MESSAGES[4]):
        compute_token.transfer(holder, SHARE, sender=investor)


# --- the zero address ----------------------------------------------------------------------------
def test_restricted_transfer_to_the_zero_address_is_refused(compute_token, investor, issued):
    assert compute_token.detect_transfer_restriction(investor, ZERO, SHARE) == 5
    with reverts(MESSAGES[5]):
        compute_token.transfer(ZERO, SHARE, sender=investor)


def test_unrestricted_transfer_to_the_zero_address_reverts(compute_token, investor, issued, unrestricted):
    with reverts("erc20: transfer to the zero address"):
        compute_token.transfer(ZERO, SHARE, sender=investor)


def test_unrestricted_transfer_from_to_the_zero_address_reverts(compute_token, investor, relayer, issued, unrestricted):
    compute_token.approve(relayer, SHARE, sender=investor)
    with reverts("erc20: transfer to the zero address"):
        compute_token.transferFrom(investor, ZERO, SHARE, sender=relayer)
