"""Issuer powers: mint, burn, blacklist, pause, two-step issuer transfer."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import CUSTOMER_FUNDS, OPERATOR_FUNDS

ZERO = "0x" + "00" * 20
NOT_OWNER = "ownable: caller is not the owner"


def test_mint_adds_supply_and_logs(stablecoin, issuer, investor):
    receipt = stablecoin.mint(investor, 7, sender=issuer)
    assert stablecoin.balanceOf(investor) == 7
    assert stablecoin.totalSupply() == CUSTOMER_FUNDS + OPERATOR_FUNDS + 7
    assert [e.name for e in receipt.events] == ["Transfer", "Mint"]
    assert receipt.filter("Mint")[0].args == {"minter": issuer.address, "to": investor.address, "amount": 7}


def test_mint_to_zero_address_reverts(stablecoin, issuer):
    with reverts("erc20: mint to the zero address"):
        stablecoin.mint(ZERO, 1, sender=issuer)


def test_burn_redeems_from_issuer_balance(stablecoin, issuer):
    stablecoin.mint(issuer, 100, sender=issuer)
    receipt = stablecoin.burn(60, sender=issuer)
    assert stablecoin.balanceOf(issuer) == 40
    assert stablecoin.totalSupply() == CUSTOMER_FUNDS + OPERATOR_FUNDS + 40
    assert receipt.filter("Burn")[0].args == {"burner": issuer.address, "amount": 60}


def test_burn_beyond_balance_reverts(stablecoin, issuer):
    with reverts("erc20: burn amount exceeds balance"):
        stablecoin.burn(1, sender=issuer)


@pytest.mark.parametrize(
    "call",
    [
        lambda t, who: t.mint(who, 1, sender=who),
        lambda t, who: t.burn(1, sender=who),
        lambda t, who: t.blacklist(who, sender=who),
        lambda t, who: t.unblacklist(who, sender=who),
        lambda t, who: t.pause(sender=who),
        lambda t, who: t.unpause(sender=who),
        lambda t, who: t.transfer_ownership(who, sender=who),
    ],
    ids=["mint", "burn", "blacklist", "unblacklist", "pause", "unpause", "transfer_ownership"],
)
def test_issuer_functions_refuse_everyone_else(stablecoin, attacker, call):
    with reverts(NOT_OWNER):
        call(stablecoin, attacker)


# --- blacklist --------------------------------------------------------------------------------
BLACKLISTED = "stablecoin: account is blacklisted"


def test_blacklist_and_unblacklist_log(stablecoin, issuer, operator):
    receipt = stablecoin.blacklist(operator, sender=issuer)
    assert stablecoin.isBlacklisted(operator)
    assert receipt.filter("Blacklisted")[0].args == {"account": operator.address}
    receipt = stablecoin.unblacklist(operator, sender=issuer)
    assert not stablecoin.isBlacklisted(operator)
    assert receipt.filter("UnBlacklisted")[0].args == {"account": operator.address}


def test_blacklisted_cannot_send_receive_approve_or_be_minted_to(stablecoin, issuer, customer, operator, relayer):
    stablecoin.approve(relayer, 10, sender=customer)
    stablecoin.approve(relayer, 10, sender=operator)
    stablecoin.blacklist(operator, sender=issuer)
    with reverts(BLACKLISTED):
        stablecoin.transfer(customer, 1, sender=operator)
    with reverts(BLACKLISTED):
        stablecoin.transfer(operator, 1, sender=customer)
    with reverts(BLACKLISTED):
        stablecoin.approve(customer, 1, sender=operator)
    with reverts(BLACKLISTED):
        stablecoin.approve(operator, 1, sender=customer)
    with reverts(BLACKLISTED):
        stablecoin.transferFrom(operator, customer, 1, sender=relayer)
    with reverts(BLACKLISTED):
        stablecoin.transferFrom(customer, operator, 1, sender=relayer)
    with reverts(BLACKLISTED):
        stablecoin.mint(operator, 1, sender=issuer)
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS


def test_blacklisted_spender_cannot_spend_an_allowance(stablecoin, issuer, customer, relayer, investor):
    stablecoin.approve(relayer, 10, sender=customer)
    stablecoin.blacklist(relayer, sender=issuer)
    with reverts(BLACKLISTED):
        stablecoin.transferFrom(customer, investor, 1, sender=relayer)


def test_blacklisted_issuer_cannot_mint(stablecoin, issuer, customer):
    stablecoin.blacklist(issuer, sender=issuer)
    with reverts(BLACKLISTED):
        stablecoin.mint(customer, 1, sender=issuer)


def test_blacklisted_issuer_cannot_burn(stablecoin, issuer):
    stablecoin.mint(issuer, 5, sender=issuer)
    stablecoin.blacklist(issuer, sender=issuer)
    with reverts(BLACKLISTED):
        stablecoin.burn(5, sender=issuer)


def test_unblacklisted_account_works_again(stablecoin, issuer, customer, operator):
    stablecoin.blacklist(operator, sender=issuer)
    stablecoin.unblacklist(operator, sender=issuer)
    stablecoin.transfer(customer, 1, sender=operator)
    assert stablecoin.balanceOf(customer) == CUSTOMER_FUNDS + 1


# --- pause ------------------------------------------------------------------------------------
PAUSED = "pausable: contract is paused"


def test_pause_stops_every_balance_and_allowance_change(stablecoin, issuer, customer, operator, relayer):
    stablecoin.approve(relayer, 10, sender=customer)
    receipt = stablecoin.pause(sender=issuer)
    assert stablecoin.paused()
    assert receipt.filter("Paused")[0].args == {"account": issuer.address}
    for call in (
        lambda: stablecoin.transfer(operator, 1, sender=customer),
        lambda: stablecoin.approve(operator, 1, sender=customer),
        lambda: stablecoin.transferFrom(customer, operator, 1, sender=relayer),
        lambda: stablecoin.mint(customer, 1, sender=issuer),
        lambda: stablecoin.burn(0, sender=issuer),
    ):
        with reverts(PAUSED):
            call()
    # the issuer can still police the token while it is paused
    stablecoin.blacklist(operator, sender=issuer)
    assert stablecoin.isBlacklisted(operator)


def test_unpause_resumes_and_logs(stablecoin, issuer, customer, operator):
    stablecoin.pause(sender=issuer)
    receipt = stablecoin.unpause(sender=issuer)
    assert not stablecoin.paused()
    assert receipt.filter("Unpaused")[0].args == {"account": issuer.address}
    stablecoin.transfer(operator, 1, sender=customer)


def test_pause_twice_reverts(stablecoin, issuer):
    stablecoin.pause(sender=issuer)
    with reverts(PAUSED):
        stablecoin.pause(sender=issuer)


def test_unpause_when_running_reverts(stablecoin, issuer):
    with reverts("pausable: contract is not paused"):
        stablecoin.unpause(sender=issuer)


# --- issuer transfer --------------------------------------------------------------------------
def test_issuer_role_moves_in_two_steps(stablecoin, issuer, operator):
    receipt = stablecoin.transfer_ownership(operator, sender=issuer)
    assert receipt.filter("OwnershipTransferStarted")[0].args == {
        "previous_owner": issuer.address,
        "new_owner": operator.address,
    }
    assert stablecoin.owner() == issuer.address
    assert stablecoin.pending_owner() == operator.address
    receipt = stablecoin.accept_ownership(sender=operator)
    assert receipt.filter("OwnershipTransferred")[0].args == {
        "previous_owner": issuer.address,
        "new_owner": operator.address,
    }
    assert stablecoin.owner() == operator.address
    assert stablecoin.pending_owner() == ZERO
    stablecoin.mint(operator, 1, sender=operator)
    with reverts(NOT_OWNER):
        stablecoin.mint(issuer, 1, sender=issuer)


def test_only_the_pending_issuer_can_accept(stablecoin, issuer, operator, attacker):
    stablecoin.transfer_ownership(operator, sender=issuer)
    with reverts("ownable_2step: caller is not the new owner"):
        stablecoin.accept_ownership(sender=attacker)


def test_blacklisting_keeps_the_balance_and_the_supply(stablecoin, issuer, operator):
    # the flag lives in the balance word's high bit: it must never show in a balance
    supply = stablecoin.totalSupply()
    stablecoin.blacklist(operator, sender=issuer)
    stablecoin.blacklist(operator, sender=issuer)  # twice is still once
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS
    assert stablecoin.totalSupply() == supply
    stablecoin.unblacklist(operator, sender=issuer)
    stablecoin.unblacklist(operator, sender=issuer)
    assert not stablecoin.isBlacklisted(operator)
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS


def test_blacklisting_an_empty_account_shows_a_zero_balance(stablecoin, issuer, investor):
    stablecoin.blacklist(investor, sender=issuer)
    assert stablecoin.isBlacklisted(investor)
    assert stablecoin.balanceOf(investor) == 0


def test_mint_refuses_a_supply_that_would_reach_the_blacklist_bit(stablecoin, issuer, investor):
    room = 2**255 - 1 - stablecoin.totalSupply()
    with reverts("stablecoin: supply cap exceeded"):
        stablecoin.mint(investor, room + 1, sender=issuer)
    stablecoin.mint(investor, room, sender=issuer)
    assert stablecoin.totalSupply() == 2**255 - 1
    stablecoin.blacklist(investor, sender=issuer)
    assert stablecoin.balanceOf(investor) == room
    stablecoin.unblacklist(investor, sender=issuer)
    stablecoin.transfer(issuer, room, sender=investor)
    assert stablecoin.balanceOf(issuer) == room
