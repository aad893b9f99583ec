"""Create and redeem in kind: exact amounts of every component, no rounding, and every refusal."""

import pytest

from computerwa.evm.chain import reverts
from tests.unitary.basket.conftest import SHARE, STOCK, UNITS
from tests.unitary.token.conftest import MESSAGES


def holdings(tokens, account):
    return [token.balanceOf(account) for token in tokens]


# --- create ----------------------------------------------------------------------------------------
def test_create_pulls_exact_units_of_every_component_and_mints(basket, node_tokens, investor, stocked):
    receipt = basket.create(7 * SHARE + 3, sender=investor)
    shares = 7 * SHARE + 3
    assert holdings(node_tokens, basket) == [shares * unit for unit in UNITS]
    assert holdings(node_tokens, investor) == [(STOCK - shares) * unit for unit in UNITS]
    assert basket.balanceOf(investor) == basket.totalSupply() == shares
    assert receipt.filter("Created")[0].args == {"account": investor.address, "shares": shares}


@pytest.mark.parametrize("shares", [1, 3, SHARE - 1, STOCK])
def test_a_create_redeem_cycle_returns_exactly_what_went_in(basket, node_tokens, investor, stocked, shares):
    before = holdings(node_tokens, investor)
    basket.create(shares, sender=investor)
    first = shares // 3  # redeemed in parts: splitting gains nothing either
    if first:
        basket.redeem(first, sender=investor)
    basket.redeem(shares - first, sender=investor)
    assert holdings(node_tokens, investor) == before
    assert holdings(node_tokens, basket) == [0, 0, 0] and basket.totalSupply() == 0


def test_create_of_nothing_is_refused(basket, investor, stocked):
    with reverts("compute_basket: nothing to create"):
        basket.create(0, sender=investor)


def test_create_is_refused_while_the_basket_is_paused(basket, agent, investor, stocked):
    basket.pause(sender=agent)
    with reverts("compute_basket: paused"):
        basket.create(SHARE, sender=investor)


def test_a_frozen_account_cannot_create(basket, agent, investor, stocked):
    basket.freeze(investor, sender=agent)
    with reverts(MESSAGES[3]):
        basket.create(SHARE, sender=investor)


def test_an_unverified_account_cannot_create(basket, identity, issuer, investor, stocked):
    identity.revoke(investor, sender=issuer)
    with reverts(MESSAGES[5]):
        basket.create(SHARE, sender=investor)


def test_a_component_that_refuses_refuses_the_whole_create(basket, node_tokens, agent, investor, stocked):
    node_tokens[2].pause(sender=agent)
    with reverts(MESSAGES[1]):
        basket.create(SHARE, sender=investor)
    assert holdings(node_tokens, basket) == [0, 0, 0] and basket.totalSupply() == 0


def test_create_beyond_an_allowance_is_refused(basket, node_tokens, investor, stocked):
    node_tokens[1].approve(basket, 0, sender=investor)
    with reverts("erc20: insufficient allowance"):
        basket.create(SHARE, sender=investor)


# --- redeem ----------------------------------------------------------------------------------------
def test_redeem_burns_and_sends_exact_units_of_every_component(basket, node_tokens, investor, created):
    receipt = basket.redeem(2 * SHARE + 1, sender=investor)
    shares = 2 * SHARE + 1
    assert holdings(node_tokens, investor) == [shares * unit for unit in UNITS]
    assert holdings(node_tokens, basket) == [(created - shares) * unit for unit in UNITS]
    assert basket.balanceOf(investor) == basket.totalSupply() == created - shares
    assert receipt.filter("Redeemed")[0].args == {"account": investor.address, "shares": shares}


def test_redeem_of_nothing_is_refused(basket, investor, created):
    with reverts("compute_basket: nothing to redeem"):
        basket.redeem(0, sender=investor)


def test_redeem_is_refused_while_the_basket_is_paused(basket, agent, investor, created):
    basket.pause(sender=agent)
    with reverts("compute_basket: paused"):
        basket.redeem(SHARE, sender=investor)


def test_a_frozen_account_cannot_redeem(basket, agent, investor, created):
    basket.freeze(investor, sender=agent)
    with reverts("compute_basket: account is frozen"):
        basket.redeem(SHARE, sender=investor)


def test_an_unverified_account_cannot_redeem(basket, identity, issuer, investor, created):
    identity.revoke(investor, sender=issuer)
    with reverts(MESSAGES[4]):
        basket.redeem(SHARE, sender=investor)


def test_redeem_beyond_the_balance_is_refused(basket, investor, created):
    with reverts("erc20: burn amount exceeds balance"):
        basket.redeem(created + 1, sender=investor)


def test_basket_shares_move_under_the_compliance_module(basket, node_tokens, agent, investor, holder, created):
    basket.transfer(holder, SHARE, sender=investor)
    basket.forced_transfer(holder, investor, SHARE // 2, sender=agent)
    assert basket.balanceOf(holder) == SHARE // 2
    basket.redeem(SHARE // 2, sender=holder)
    assert holdings(node_tokens, holder) == [SHARE // 2 * unit for unit in UNITS]
