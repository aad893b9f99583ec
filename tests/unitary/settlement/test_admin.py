"""Settlement administration: treasury, guardian, pause and two-step ownership (fee
changes: test_announce_fee.py).

The owner is the issuer (the deployer). Pausing stops money coming in, being charged and
leaving a prepaid balance; earnings stay open. How long a pause lasts, and what it does to
withdrawal requests: test_pause.py.
"""

import pytest

from computerwa.evm.chain import reverts
from computerwa.models.settlement import split
from tests.conftest import FEE_BPS, FEE_DELAY, PAUSE_LIMIT
from tests.unitary.settlement.conftest import DOLLAR, SHARE, signed_batch

NOT_OWNER = "ownable: caller is not the owner"
NOT_GUARDIAN = "settlement: caller is not the guardian"


def pay(settlement, domain, node, customer, relayer, voucher, cumulative):
    return settlement.settle(*signed_batch(domain, [voucher(node, cumulative)], customer), sender=relayer)


# --- treasury ---------------------------------------------------------------------------------------
def test_new_treasury_gets_later_fees_and_the_old_one_keeps_what_it_earned(
    stablecoin, settlement, domain, node, customer, issuer, treasury, receiver, relayer, prepaid, voucher
):
    pay(settlement, domain, node, customer, relayer, voucher, 100 * DOLLAR + 1)
    old_fees = split(100 * DOLLAR + 1, FEE_BPS, SHARE)[0]
    receipt = settlement.set_treasury(receiver, sender=issuer)
    assert [e.args for e in receipt.filter("TreasurySet")] == [{"treasury": receiver}]
    assert settlement.treasury() == receiver
    assert settlement.earnings(treasury) == old_fees
    assert settlement.earnings(receiver) == 0

    pay(settlement, domain, node, customer, relayer, voucher, 150 * DOLLAR + 1)
    new_fees = split(50 * DOLLAR, FEE_BPS, SHARE)[0]
    assert settlement.earnings(receiver) == new_fees
    assert settlement.earnings(treasury) == old_fees
    assert settlement.withdraw_earnings(treasury, sender=treasury).return_value == old_fees
    assert stablecoin.balanceOf(treasury) == old_fees


def test_setting_the_same_treasury_again_keeps_its_fees(
    settlement, domain, node, customer, issuer, treasury, relayer, prepaid, voucher
):
    pay(settlement, domain, node, customer, relayer, voucher, 100 * DOLLAR)
    settlement.set_treasury(treasury, sender=issuer)
    fee = split(100 * DOLLAR, FEE_BPS, SHARE)[0]
    assert settlement.earnings(treasury) == fee
    pay(settlement, domain, node, customer, relayer, voucher, 200 * DOLLAR)
    assert settlement.earnings(treasury) == 2 * fee
    assert settlement.withdraw_earnings(treasury, sender=treasury).return_value == 2 * fee


def test_treasury_handed_back_and_forth_keeps_every_fee_with_who_earned_it(
    settlement, domain, node, customer, issuer, treasury, receiver, relayer, prepaid, voucher
):
    fee = split(100 * DOLLAR, FEE_BPS, SHARE)[0]
    pay(settlement, domain, node, customer, relayer, voucher, 100 * DOLLAR)
    settlement.set_treasury(receiver, sender=issuer)
    pay(settlement, domain, node, customer, relayer, voucher, 200 * DOLLAR)
    settlement.set_treasury(treasury, sender=issuer)
    pay(settlement, domain, node, customer, relayer, voucher, 300 * DOLLAR)
    assert settlement.earnings(treasury) == 2 * fee
    assert settlement.earnings(receiver) == fee
    assert settlement.withdraw_earnings(treasury, sender=treasury).return_value == 2 * fee


def test_zero_treasury_is_refused(settlement, issuer, treasury):
    with reverts("settlement: treasury is the zero address"):
        settlement.set_treasury("0x" + "00" * 20, sender=issuer)
    assert settlement.treasury() == treasury.address


def test_only_the_owner_sets_the_treasury(settlement, attacker, treasury):
    for account in (attacker, treasury):
        with reverts(NOT_OWNER):
            settlement.set_treasury(attacker, sender=account)


# --- guardian and pause ------------------------------------------------------------------------------
def test_owner_sets_and_removes_the_guardian(settlement, issuer, guardian):
    assert settlement.guardian() == "0x" + "00" * 20
    receipt = settlement.set_guardian(guardian, sender=issuer)
    assert [e.args for e in receipt.filter("GuardianSet")] == [{"guardian": guardian.address}]
    assert settlement.guardian() == guardian.address
    settlement.set_guardian("0x" + "00" * 20, sender=issuer)
    with reverts(NOT_GUARDIAN):
        settlement.pause(sender=guardian)


def test_only_the_owner_sets_the_guardian(settlement, attacker):
    with reverts(NOT_OWNER):
        settlement.set_guardian(attacker, sender=attacker)


@pytest.mark.parametrize("who", ["guardian", "issuer"])
def test_guardian_or_owner_pauses_and_unpauses(settlement, issuer, guardian, who):
    settlement.set_guardian(guardian, sender=issuer)
    account = guardian if who == "guardian" else issuer
    receipt = settlement.pause(sender=account)
    assert [e.args for e in receipt.filter("Paused")] == [
        {"account": account.address, "lapses_at": receipt.timestamp + PAUSE_LIMIT}
    ]
    assert settlement.paused()
    receipt = settlement.unpause(sender=account)
    assert [e.args for e in receipt.filter("Unpaused")] == [{"account": account.address}]
    assert not settlement.paused()


def test_nobody_else_pauses_or_unpauses(settlement, issuer, guardian, attacker, treasury):
    settlement.set_guardian(guardian, sender=issuer)
    for account in (attacker, treasury):
        with reverts(NOT_GUARDIAN):
            settlement.pause(sender=account)
    settlement.pause(sender=guardian)
    with reverts(NOT_GUARDIAN):
        settlement.unpause(sender=attacker)
    assert settlement.paused()


def test_pausing_twice_or_unpausing_when_running_is_refused(settlement, issuer):
    with reverts("settlement: not paused"):
        settlement.unpause(sender=issuer)
    settlement.pause(sender=issuer)
    with reverts("settlement: already paused"):
        settlement.pause(sender=issuer)


def test_pause_keeps_fee_treasury_and_an_announced_fee(settlement, issuer, treasury):
    settlement.pause(sender=issuer)
    settlement.announce_fee(777, sender=issuer)
    assert settlement.paused()
    assert settlement.fee_bps() == FEE_BPS
    assert settlement.treasury() == treasury.address
    settlement.unpause(sender=issuer)
    assert settlement.pending_fee() == (777, settlement.clock() + FEE_DELAY)


def test_pause_stops_every_deposit(stablecoin, settlement, customer, second_customer, issuer, relayer, authorize):
    stablecoin.approve(settlement, DOLLAR, sender=customer)
    settlement.pause(sender=issuer)
    with reverts("settlement: paused"):
        settlement.deposit(DOLLAR, sender=customer)
    with reverts("settlement: paused"):
        settlement.deposit_with_permit(DOLLAR, 0, 27, b"\x00" * 32, b"\x00" * 32, sender=customer)
    with reverts("settlement: paused"):
        settlement.deposit_with_authorization(
            second_customer.address, *authorize(second_customer, DOLLAR).args(), sender=relayer
        )


def test_earnings_stay_open_while_paused(
    stablecoin, settlement, domain, node, customer, operator, treasury, issuer, relayer, prepaid, voucher
):
    fee, operator_amount, _ = split(100 * DOLLAR, FEE_BPS, SHARE)
    pay(settlement, domain, node, customer, relayer, voucher, 100 * DOLLAR)
    settlement.pause(sender=issuer)
    assert settlement.withdraw_earnings(treasury, sender=treasury).return_value == fee
    assert settlement.withdraw_earnings(operator, sender=operator).return_value == operator_amount
    assert stablecoin.balanceOf(settlement) == settlement.prepaid(customer)


# --- ownership (two steps) ------------------------------------------------------------------------------
def test_ownership_moves_in_two_steps(settlement, issuer, treasury):
    receipt = settlement.transfer_ownership(treasury, sender=issuer)
    assert [e.args for e in receipt.filter("OwnershipTransferStarted")] == [
        {"previous_owner": issuer.address, "new_owner": treasury.address}
    ]
    assert settlement.owner() == issuer.address
    assert settlement.pending_owner() == treasury.address
    # until accepted, the old owner still rules
    settlement.announce_fee(0, sender=issuer)
    settlement.accept_ownership(sender=treasury)
    assert settlement.owner() == treasury.address
    assert settlement.pending_owner() == "0x" + "00" * 20
    with reverts(NOT_OWNER):
        settlement.announce_fee(1, sender=issuer)
    with reverts(NOT_GUARDIAN):
        settlement.pause(sender=issuer)
    settlement.announce_fee(1, sender=treasury)
    settlement.pause(sender=treasury)


def test_only_the_pending_owner_accepts(settlement, issuer, treasury, attacker):
    settlement.transfer_ownership(treasury, sender=issuer)
    with reverts("ownable_2step: caller is not the new owner"):
        settlement.accept_ownership(sender=attacker)
    assert settlement.owner() == issuer.address


def test_only_the_owner_starts_a_transfer(settlement, attacker):
    with reverts(NOT_OWNER):
        settlement.transfer_ownership(attacker, sender=attacker)
