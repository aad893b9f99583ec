"""Fee changes: announced, applied after `FEE_DELAY` of Settlement's clock, cancellable.

A node accepts only vouchers whose deadline is at most `FEE_DELAY` ahead (the voucher
lifetime bound), so every voucher signed before an announcement has expired by the time
the change can apply: a fee change never applies to a voucher signed before it.
"""

from computerwa.evm.chain import reverts
from computerwa.models.settlement import MAX_FEE_BPS, split
from tests.conftest import FEE_BPS, FEE_DELAY, PAUSE_LIMIT, WITHDRAWAL_DELAY, WITHDRAWAL_WINDOW
from tests.unitary.settlement.conftest import DOLLAR, SHARE, signed_batch

NOT_OWNER = "ownable: caller is not the owner"
NOTHING_ANNOUNCED = "settlement: no fee change announced"
NOT_DUE = "settlement: fee change not due yet"
EXPIRED = 1  # VoucherSkipped reason


def at(backend, timestamp):
    """The next transaction is mined at exactly `timestamp`."""
    backend.sleep(timestamp - backend.pending_timestamp)


def test_a_fee_change_does_not_apply_to_vouchers_signed_before_it(
    backend, settlement, domain, node, customer, issuer, relayer, prepaid, voucher
):
    # the customer signs vouchers the second before the announcement's block, as a node
    # accepts them: deadline at most FEE_DELAY after the signing
    signed_at = backend.pending_timestamp - 1
    deadline = signed_at + FEE_DELAY
    first, second = voucher(node, 100 * DOLLAR, deadline=deadline), voucher(node, 200 * DOLLAR, deadline=deadline)
    # then the issuer raises the fee to the cap as fast as it can
    announced_at = settlement.announce_fee(MAX_FEE_BPS, sender=issuer).timestamp
    with reverts(NOT_DUE):
        settlement.apply_fee(sender=issuer)
    # settled at the last second of its life, a voucher pays the old fee
    at(backend, deadline)
    receipt = settlement.settle(*signed_batch(domain, [first], customer), sender=relayer)
    assert receipt.filter("NodePaid")[0].args["fee"] == split(100 * DOLLAR, FEE_BPS, SHARE)[0]
    # and by the time the change can apply, every voucher signed before it has expired
    at(backend, announced_at + FEE_DELAY)
    settlement.apply_fee(sender=issuer)
    receipt = settlement.settle(*signed_batch(domain, [second], customer), sender=relayer)
    assert [e.args["reason"] for e in receipt.filter("VoucherSkipped")] == [EXPIRED]
    assert receipt.filter("NodePaid") == []


def test_owner_announces_then_applies_a_fee_after_the_delay(
    backend, settlement, domain, node, customer, issuer, treasury, relayer, prepaid, voucher
):
    receipt = settlement.announce_fee(MAX_FEE_BPS, sender=issuer)
    effective_at = settlement.clock() + FEE_DELAY
    assert [e.args for e in receipt.filter("FeeChangeAnnounced")] == [
        {"fee_bps": MAX_FEE_BPS, "effective_at": effective_at}
    ]
    assert settlement.pending_fee() == (MAX_FEE_BPS, effective_at)
    assert settlement.fee_bps() == FEE_BPS
    at(backend, receipt.timestamp + FEE_DELAY - 1)
    with reverts(NOT_DUE):
        settlement.apply_fee(sender=issuer)
    at(backend, receipt.timestamp + FEE_DELAY)
    receipt = settlement.apply_fee(sender=issuer)
    assert [e.args for e in receipt.filter("FeeSet")] == [{"fee_bps": MAX_FEE_BPS}]
    assert settlement.fee_bps() == MAX_FEE_BPS
    assert settlement.pending_fee() == (0, 0)
    receipt = settlement.settle(*signed_batch(domain, [voucher(node, 200 * DOLLAR + 9)], customer), sender=relayer)
    assert receipt.filter("NodePaid")[0].args["fee"] == split(200 * DOLLAR + 9, MAX_FEE_BPS, SHARE)[0]
    assert settlement.earnings(treasury) == split(200 * DOLLAR + 9, MAX_FEE_BPS, SHARE)[0]


def test_a_payer_who_requests_at_the_announcement_can_withdraw_before_the_fee_applies(
    backend, settlement, customer, issuer, prepaid
):
    announced_at = settlement.announce_fee(MAX_FEE_BPS, sender=issuer).timestamp
    requested_at = settlement.request_withdrawal(prepaid, sender=customer).timestamp
    # the last second of the request's window comes before the fee can apply
    at(backend, requested_at + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW - 1)
    assert requested_at + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW - 1 < announced_at + FEE_DELAY
    assert settlement.withdraw(customer, sender=customer).return_value == prepaid
    with reverts(NOT_DUE):
        settlement.apply_fee(sender=issuer)


def test_a_pause_stops_the_fee_delay(backend, settlement, issuer):
    announced_at = settlement.announce_fee(0, sender=issuer).timestamp
    settlement.pause(sender=issuer)
    # the pause lapses after PAUSE_LIMIT: the clock stood still that long, so the change is due that much later
    at(backend, announced_at + FEE_DELAY + PAUSE_LIMIT - 1)
    with reverts(NOT_DUE):
        settlement.apply_fee(sender=issuer)
    at(backend, announced_at + FEE_DELAY + PAUSE_LIMIT)
    settlement.apply_fee(sender=issuer)
    assert settlement.fee_bps() == 0


def test_a_zero_fee_sends_nothing_to_the_treasury(
    backend, settlement, domain, node, customer, issuer, treasury, relayer, prepaid, voucher
):
    settlement.announce_fee(0, sender=issuer)
    backend.sleep(FEE_DELAY)
    settlement.apply_fee(sender=issuer)
    receipt = settlement.settle(*signed_batch(domain, [voucher(node, 100 * DOLLAR)], customer), sender=relayer)
    assert receipt.filter("NodePaid")[0].args["fee"] == 0
    assert settlement.earnings(treasury) == 0


def test_a_new_announcement_replaces_the_pending_one_and_restarts_the_delay(backend, settlement, issuer):
    settlement.announce_fee(MAX_FEE_BPS, sender=issuer)
    backend.sleep(FEE_DELAY - 10)
    settlement.announce_fee(1, sender=issuer)
    assert settlement.pending_fee() == (1, settlement.clock() + FEE_DELAY)
    backend.sleep(10)
    with reverts(NOT_DUE):
        settlement.apply_fee(sender=issuer)


def test_owner_cancels_an_announced_fee(backend, settlement, issuer):
    settlement.announce_fee(MAX_FEE_BPS, sender=issuer)
    receipt = settlement.cancel_fee(sender=issuer)
    assert [e.args for e in receipt.filter("FeeChangeCancelled")] == [{"fee_bps": MAX_FEE_BPS}]
    assert settlement.pending_fee() == (0, 0)
    backend.sleep(FEE_DELAY)
    with reverts(NOTHING_ANNOUNCED):
        settlement.apply_fee(sender=issuer)
    with reverts(NOTHING_ANNOUNCED):
        settlement.cancel_fee(sender=issuer)
    assert settlement.fee_bps() == FEE_BPS


def test_fee_above_ten_percent_is_refused(settlement, issuer):
    with reverts("settlement: fee above the cap"):
        settlement.announce_fee(MAX_FEE_BPS + 1, sender=issuer)
    assert settlement.pending_fee() == (0, 0)


def test_only_the_owner_announces_applies_or_cancels_a_fee(backend, settlement, issuer, attacker, treasury, guardian):
    settlement.set_guardian(guardian, sender=issuer)
    for account in (attacker, treasury, guardian):
        with reverts(NOT_OWNER):
            settlement.announce_fee(0, sender=account)
    settlement.announce_fee(0, sender=issuer)
    backend.sleep(FEE_DELAY)
    for account in (attacker, treasury, guardian):
        with reverts(NOT_OWNER):
            settlement.apply_fee(sender=account)
        with reverts(NOT_OWNER):
            settlement.cancel_fee(sender=account)
