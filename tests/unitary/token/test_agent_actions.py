"""The compliance agent: freeze, unfreeze, pause, unpause, forced transfers, recovery of
lost wallets (balance AND unclaimed revenue)."""

import pytest

from computerwa.evm.chain import reverts
from tests.unitary.token.conftest import ACC_PRECISION, MESSAGES, NOT_AGENT, REVENUE, SHARE, SHARES, ZERO

AGENT_CALLS = [
    pytest.param(lambda t, who, other: t.freeze(other, sender=who), id="freeze"),
    pytest.param(lambda t, who, other: t.unfreeze(other, sender=who), id="unfreeze"),
    pytest.param(lambda t, who, other: t.pause(sender=who), id="pause"),
    pytest.param(lambda t, who, other: t.unpause(sender=who), id="unpause"),
    pytest.param(lambda t, who, other: t.forced_transfer(other, who, 1, sender=who), id="forced_transfer"),
    pytest.param(lambda t, who, other: t.recover(other, who, sender=who), id="recover"),
]


@pytest.mark.parametrize("call", AGENT_CALLS)
@pytest.mark.parametrize("caller", ["issuer", "minter", "investor", "attacker"])
def test_agent_actions_refuse_everyone_else(compute_token, investor, caller, call, request, issued):
    with reverts(NOT_AGENT):
        call(compute_token, request.getfixturevalue(caller), investor)


def test_revoked_agent_can_no_longer_act(compute_token, issuer, agent, investor):
    compute_token.set_agent(agent, False, sender=issuer)
    with reverts(NOT_AGENT):
        compute_token.freeze(investor, sender=agent)


# --- freeze --------------------------------------------------------------------------------------
def test_freeze_and_unfreeze_log_account_and_agent(compute_token, agent, investor):
    receipt = compute_token.freeze(investor, sender=agent)
    assert compute_token.is_frozen(investor)
    assert receipt.filter("Frozen")[0].args == {"account": investor.address, "agent": agent.address}
    receipt = compute_token.unfreeze(investor, sender=agent)
    assert not compute_token.is_frozen(investor)
    assert receipt.filter("Unfrozen")[0].args == {"account": investor.address, "agent": agent.address}


# --- pause ---------------------------------------------------------------------------------------
def test_pause_and_unpause_log_the_agent(compute_token, agent):
    receipt = compute_token.pause(sender=agent)
    assert compute_token.paused()
    assert receipt.filter("Paused")[0].args == {"agent": agent.address}
    receipt = compute_token.unpause(sender=agent)
    assert not compute_token.paused()
    assert receipt.filter("Unpaused")[0].args == {"agent": agent.address}


def test_pause_twice_reverts(compute_token, agent):
    compute_token.pause(sender=agent)
    with reverts("compute_token: already paused"):
        compute_token.pause(sender=agent)


def test_unpause_when_not_paused_reverts(compute_token, agent):
    with reverts("compute_token: not paused"):
        compute_token.unpause(sender=agent)


# --- forced transfer -----------------------------------------------------------------------------
def test_forced_transfer_moves_shares_and_logs(compute_token, agent, investor, holder, issued):
    receipt = compute_token.forced_transfer(investor, holder, 300 * SHARE, sender=agent)
    assert compute_token.balanceOf(investor) == SHARES - 300 * SHARE
    assert compute_token.balanceOf(holder) == 300 * SHARE
    assert receipt.filter("ForcedTransfer")[0].args == {
        "agent": agent.address,
        "sender": investor.address,
        "receiver": holder.address,
        "amount": 300 * SHARE,
    }
    assert receipt.filter("Transfer")[0].args == {
        "sender": investor.address,
        "receiver": holder.address,
        "value": 300 * SHARE,
    }


def test_forced_transfer_works_through_pause_and_a_frozen_sender(compute_token, agent, investor, holder, issued):
    compute_token.pause(sender=agent)
    compute_token.freeze(investor, sender=agent)
    compute_token.forced_transfer(investor, holder, SHARES, sender=agent)
    assert compute_token.balanceOf(holder) == SHARES
    assert compute_token.is_frozen(investor) and not compute_token.is_frozen(holder)


def test_forced_transfer_from_a_frozen_sender_keeps_it_frozen_and_its_revenue(
    compute_token, agent, investor, holder, clock, deposit, issued
):
    epoch = deposit().filter("RevenueDeposited")[0].args["epoch"]
    clock.at(clock.epoch_start(epoch + 2))
    compute_token.freeze(investor, sender=agent)
    compute_token.forced_transfer(investor, holder, SHARES // 2, sender=agent)
    assert compute_token.is_frozen(investor) and not compute_token.is_frozen(holder)
    assert compute_token.claimable(investor) == REVENUE
    assert compute_token.claimable(holder) == 0
    with reverts(MESSAGES[2]):
        compute_token.transfer(holder, 1, sender=investor)


def test_forced_transfer_from_an_unverified_sender(compute_token, identity, issuer, agent, investor, holder, issued):
    # a court order against a holder whose KYC lapsed
    identity.revoke(investor, sender=issuer)
    compute_token.forced_transfer(investor, holder, SHARES, sender=agent)
    assert compute_token.balanceOf(holder) == SHARES


def test_forced_transfer_to_a_frozen_receiver_is_refused(compute_token, agent, investor, holder, issued):
    compute_token.freeze(holder, sender=agent)
    with reverts(MESSAGES[3]):
        compute_token.forced_transfer(investor, holder, SHARE, sender=agent)


def test_forced_transfer_to_an_unverified_receiver_is_refused(compute_token, agent, investor, operator, issued):
    with reverts(MESSAGES[5]):
        compute_token.forced_transfer(investor, operator, SHARE, sender=agent)


def test_unrestricted_forced_transfer_to_an_unverified_receiver(
    compute_token, issuer, agent, investor, operator, issued
):
    compute_token.set_restricted(False, sender=issuer)
    compute_token.forced_transfer(investor, operator, SHARE, sender=agent)
    assert compute_token.balanceOf(operator) == SHARE


def test_forced_transfer_beyond_balance_reverts(compute_token, agent, investor, holder, issued):
    with reverts("erc20: transfer amount exceeds balance"):
        compute_token.forced_transfer(investor, holder, SHARES + 1, sender=agent)


def test_forced_transfer_leaves_accrued_revenue_with_each_party(
    compute_token, agent, investor, holder, clock, deposit, issued
):
    epoch = deposit().filter("RevenueDeposited")[0].args["epoch"]
    clock.at(clock.epoch_start(epoch + 2))
    compute_token.forced_transfer(investor, holder, SHARES, sender=agent)
    assert compute_token.claimable(investor) == REVENUE
    assert compute_token.claimable(holder) == 0


def test_forced_transfer_from_the_zero_address_cannot_mint(compute_token, agent, investor):
    with reverts("erc20: transfer from the zero address"):
        compute_token.forced_transfer(ZERO, investor, 2**200, sender=agent)


def test_forced_transfer_to_the_zero_address_cannot_burn(compute_token, agent, investor, issued):
    with reverts("erc20: transfer to the zero address"):
        compute_token.forced_transfer(investor, ZERO, SHARES, sender=agent)


# --- recovery --------------------------------------------------------------------------------------
def test_recover_moves_the_whole_balance_and_logs(compute_token, agent, investor, holder, issued):
    receipt = compute_token.recover(investor, holder, sender=agent)
    assert compute_token.balanceOf(investor) == 0
    assert compute_token.balanceOf(holder) == SHARES
    assert receipt.filter("Recovered")[0].args == {
        "agent": agent.address,
        "lost": investor.address,
        "replacement": holder.address,
        "amount": SHARES,
    }
    assert receipt.filter("RevenueMoved")[0].args == {
        "lost": investor.address,
        "replacement": holder.address,
        "amount": 0,
    }


def test_recover_moves_the_unclaimed_revenue(compute_token, agent, investor, holder, clock, deposit, issued):
    epoch = deposit().filter("RevenueDeposited")[0].args["epoch"]
    clock.at(clock.epoch_start(epoch + 2))  # the whole of epoch + 1 has streamed
    assert compute_token.claimable(investor) == REVENUE
    scaled = compute_token.accrued_scaled(investor)
    assert scaled == REVENUE * ACC_PRECISION
    receipt = compute_token.recover(investor, holder, sender=agent)
    assert receipt.filter("RevenueMoved")[0].args == {
        "lost": investor.address,
        "replacement": holder.address,
        "amount": scaled,
    }
    assert compute_token.claimable(holder) == REVENUE
    assert compute_token.claimable(investor) == 0
    assert compute_token.accrued_scaled(investor) == 0


def test_recovered_revenue_is_claimed_by_the_replacement(
    compute_token, stablecoin, agent, investor, holder, clock, deposit, issued
):
    epoch = deposit().filter("RevenueDeposited")[0].args["epoch"]
    clock.at(clock.epoch_start(epoch + 2))
    compute_token.recover(investor, holder, sender=agent)
    compute_token.claim(holder, sender=holder)
    assert stablecoin.balanceOf(holder) == REVENUE
    receipt = compute_token.claim(investor, sender=investor)
    assert receipt.filter("RevenueClaimed")[0].args["amount"] == 0


def test_recover_works_through_pause_and_a_frozen_lost_wallet(compute_token, agent, investor, holder, issued):
    compute_token.pause(sender=agent)
    compute_token.freeze(investor, sender=agent)
    compute_token.recover(investor, holder, sender=agent)
    assert compute_token.balanceOf(holder) == SHARES
    assert compute_token.is_frozen(investor) and not compute_token.is_frozen(holder)


def test_recover_into_the_lost_wallet_itself_is_refused(compute_token, agent, investor, issued):
    with reverts("compute_token: replacement is the lost wallet"):
        compute_token.recover(investor, investor, sender=agent)


def test_recover_into_the_zero_address_is_refused(compute_token, agent, investor, issued):
    with reverts("compute_token: replacement is the zero address"):
        compute_token.recover(investor, ZERO, sender=agent)


def test_recover_into_a_frozen_wallet_is_refused(compute_token, agent, investor, holder, issued):
    compute_token.freeze(holder, sender=agent)
    with reverts(MESSAGES[3]):
        compute_token.recover(investor, holder, sender=agent)


def test_recover_into_an_unverified_wallet_is_refused(compute_token, agent, investor, operator, issued):
    with reverts(MESSAGES[5]):
        compute_token.recover(investor, operator, sender=agent)
