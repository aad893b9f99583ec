"""The minter issues and redeems shares: role, verification, freeze, supply cap."""

import pytest

from computerwa.evm.chain import reverts
from tests.unitary.token.conftest import MAX_SUPPLY, MESSAGES, NOT_MINTER, SHARE, SHARES, ZERO


def test_minter_issues_shares_to_a_verified_investor(compute_token, minter, investor):
    receipt = compute_token.mint(investor, SHARES, sender=minter)
    assert compute_token.balanceOf(investor) == SHARES
    assert compute_token.totalSupply() == SHARES
    [event] = receipt.filter("Transfer")
    assert event.args == {"sender": ZERO, "receiver": investor.address, "value": SHARES}


def test_minter_redeems_shares_of_a_verified_holder(compute_token, minter, investor, issued):
    receipt = compute_token.burn(investor, 400 * SHARE, sender=minter)
    assert compute_token.balanceOf(investor) == SHARES - 400 * SHARE
    assert compute_token.totalSupply() == SHARES - 400 * SHARE
    [event] = receipt.filter("Transfer")
    assert event.args == {"sender": investor.address, "receiver": ZERO, "value": 400 * SHARE}


@pytest.mark.parametrize("caller", ["agent", "issuer", "investor", "attacker"])
def test_only_a_minter_mints(compute_token, investor, caller, request):
    with reverts(NOT_MINTER):
        compute_token.mint(investor, SHARE, sender=request.getfixturevalue(caller))


@pytest.mark.parametrize("caller", ["agent", "issuer", "investor", "attacker"])
def test_only_a_minter_burns(compute_token, investor, caller, request, issued):
    with reverts(NOT_MINTER):
        compute_token.burn(investor, SHARE, sender=request.getfixturevalue(caller))


def test_restricted_mint_needs_a_verified_receiver(compute_token, minter, operator):
    with reverts(MESSAGES[5]):
        compute_token.mint(operator, SHARE, sender=minter)


def test_restricted_burn_needs_a_verified_holder(compute_token, identity, issuer, minter, investor, issued):
    identity.revoke(investor, sender=issuer)
    with reverts(MESSAGES[4]):
        compute_token.burn(investor, SHARE, sender=minter)


def test_mint_to_a_frozen_account_is_refused(compute_token, agent, minter, investor):
    compute_token.freeze(investor, sender=agent)
    with reverts(MESSAGES[3]):
        compute_token.mint(investor, SHARE, sender=minter)


def test_mint_and_burn_go_on_while_transfers_are_paused(compute_token, agent, minter, investor):
    compute_token.pause(sender=agent)
    compute_token.mint(investor, SHARES, sender=minter)
    compute_token.burn(investor, SHARE, sender=minter)
    assert compute_token.balanceOf(investor) == SHARES - SHARE


def test_mint_to_the_zero_address_reverts(compute_token, issuer, minter):
    compute_token.set_restricted(False, sender=issuer)
    with reverts("erc20: mint to the zero address"):
        compute_token.mint(ZERO, SHARE, sender=minter)


def test_burn_beyond_balance_reverts(compute_token, minter, investor, issued):
    with reverts("erc20: burn amount exceeds balance"):
        compute_token.burn(investor, SHARES + 1, sender=minter)


def test_supply_is_capped_below_2_pow_116(compute_token, minter, investor, holder):
    compute_token.mint(investor, MAX_SUPPLY, sender=minter)
    assert compute_token.totalSupply() == MAX_SUPPLY
    with reverts("compute_token: supply cap exceeded"):
        compute_token.mint(holder, 1, sender=minter)
    compute_token.burn(investor, 1, sender=minter)
    compute_token.mint(holder, 1, sender=minter)
    assert compute_token.totalSupply() == MAX_SUPPLY


def test_revoked_minter_can_no_longer_mint(compute_token, issuer, minter, investor):
    compute_token.set_minter(minter, False, sender=issuer)
    with reverts(NOT_MINTER):
        compute_token.mint(investor, SHARE, sender=minter)
