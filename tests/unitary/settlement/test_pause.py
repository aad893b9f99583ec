"""Settlement.pause and unpause: what a pause stops, what it keeps open, and how long it lasts.

A pause stops deposits, settlements and payments. So that no payer can leave while nodes
cannot settle, a pause also stops Settlement's clock (`clock()`): a prepaid withdrawal
request neither matures nor expires while Settlement is paused, and `withdraw` waits for the
end of the pause. Earnings stay withdrawable (SET-8, test_admin.py). A pause lapses by itself
`PAUSE_LIMIT` seconds after it began; a new one may start `PAUSE_LIMIT` after the last ended.
"""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import PAUSE_LIMIT, WITHDRAWAL_DELAY, WITHDRAWAL_WINDOW
from tests.unitary.settlement.conftest import DOLLAR, signed_batch

PAUSED = "settlement: paused"
TOO_SOON = "settlement: too soon after the last pause"
NOT_YET = "settlement: withdrawal not available yet"
EXPIRED = "settlement: withdrawal request expired"
REQUEST = 3_000 * DOLLAR + 1


def at(backend, timestamp):
    """The next transaction is mined at exactly `timestamp`."""
    backend.sleep(timestamp - backend.pending_timestamp)


@pytest.fixture
def paused_at(backend, settlement, issuer):
    """Pauses Settlement (as the owner) and returns the pause's timestamp."""
    return settlement.pause(sender=issuer).timestamp


# --- attacks (issue #15) -----------------------------------------------------------------------------
def test_a_pause_does_not_let_payers_leave_while_nodes_cannot_settle(
    backend, settlement, domain, node, customer, issuer, relayer, prepaid, voucher
):
    # the node served the whole balance; the payer asks for all of it back: the node has
    # WITHDRAWAL_DELAY to settle
    served = voucher(node, prepaid, deadline=backend.pending_timestamp + 4 * WITHDRAWAL_DELAY)
    settlement.request_withdrawal(prepaid, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY // 2)
    # halfway through, Settlement is paused: the node cannot settle...
    settlement.pause(sender=issuer)
    with reverts("settlement: paused"):
        settlement.settle(*signed_batch(domain, [served], customer), sender=relayer)
    # ...and the request does not mature meanwhile, however long the pause lasts
    backend.sleep(WITHDRAWAL_DELAY)
    with reverts("settlement: paused"):
        settlement.withdraw(customer, sender=customer)
    settlement.unpause(sender=issuer)
    # the request's clock stood still: half the delay is left, and the node settles in it
    with reverts("settlement: withdrawal not available yet"):
        settlement.withdraw(customer, sender=customer)
    receipt = settlement.settle(*signed_batch(domain, [served], customer), sender=relayer)
    assert [e.args["amount"] for e in receipt.filter("VoucherSettled")] == [prepaid]


def test_a_voucher_payable_before_a_pause_that_lapses_is_payable_after_it(
    backend, settlement, domain, node, customer, issuer, relayer, prepaid, voucher
):
    # the request matures one second into the pause: the pause runs to its limit, nobody
    # unpauses, and the node still has its second to settle once it has lapsed
    served = voucher(node, prepaid, deadline=backend.pending_timestamp + 2 * PAUSE_LIMIT)
    requested_at = settlement.request_withdrawal(prepaid, sender=customer).timestamp
    at(backend, requested_at + WITHDRAWAL_DELAY - 1)
    paused_at = settlement.pause(sender=issuer).timestamp
    at(backend, paused_at + PAUSE_LIMIT - 1)
    with reverts(PAUSED):
        settlement.settle(*signed_batch(domain, [served], customer), sender=relayer)
    assert settlement.paused()
    receipt = settlement.settle(*signed_batch(domain, [served], customer), sender=relayer)  # at the lapse
    assert receipt.timestamp == paused_at + PAUSE_LIMIT
    assert [e.args["amount"] for e in receipt.filter("VoucherSettled")] == [prepaid]
    assert settlement.withdraw(customer, sender=customer).return_value == 0


# --- how long a pause lasts ---------------------------------------------------------------------------
def test_a_pause_lapses_by_itself_at_its_limit(backend, stablecoin, settlement, customer, paused_at):
    stablecoin.approve(settlement, 2 * DOLLAR, sender=customer)
    assert settlement.paused_until() == paused_at + PAUSE_LIMIT
    at(backend, paused_at + PAUSE_LIMIT - 1)
    with reverts(PAUSED):
        settlement.deposit(DOLLAR, sender=customer)
    assert settlement.paused()  # the latest block is the refused deposit's, the last paused second
    assert settlement.paused_until() == paused_at + PAUSE_LIMIT
    receipt = settlement.deposit(DOLLAR, sender=customer)
    assert receipt.timestamp == paused_at + PAUSE_LIMIT
    assert not settlement.paused()
    assert settlement.paused_until() == 0


def test_unpausing_is_refused_once_the_pause_has_lapsed(backend, settlement, issuer, paused_at):
    at(backend, paused_at + PAUSE_LIMIT)
    with reverts("settlement: not paused"):
        settlement.unpause(sender=issuer)


def test_unpausing_in_the_last_second_of_a_pause_is_accepted(backend, settlement, issuer, paused_at):
    at(backend, paused_at + PAUSE_LIMIT - 1)
    settlement.unpause(sender=issuer)
    assert not settlement.paused()
    assert settlement.clock() == backend.timestamp - (PAUSE_LIMIT - 1)


def test_pausing_again_is_refused_until_the_limit_has_passed_since_the_unpause(
    backend, settlement, issuer, guardian, paused_at
):
    settlement.set_guardian(guardian, sender=issuer)
    resumed_at = settlement.unpause(sender=issuer).timestamp
    assert settlement.next_pause_at() == resumed_at + PAUSE_LIMIT
    at(backend, resumed_at + PAUSE_LIMIT - 1)
    with reverts(TOO_SOON):
        settlement.pause(sender=guardian)
    receipt = settlement.pause(sender=guardian)  # the next second
    assert receipt.timestamp == resumed_at + PAUSE_LIMIT
    assert settlement.paused()


def test_after_a_lapse_pausing_again_waits_the_limit_from_the_lapse(backend, settlement, issuer, paused_at):
    assert settlement.next_pause_at() == paused_at + 2 * PAUSE_LIMIT
    at(backend, paused_at + PAUSE_LIMIT - 1)
    with reverts("settlement: already paused"):
        settlement.pause(sender=issuer)
    at(backend, paused_at + PAUSE_LIMIT)
    with reverts(TOO_SOON):
        settlement.pause(sender=issuer)
    at(backend, paused_at + 2 * PAUSE_LIMIT - 1)
    with reverts(TOO_SOON):
        settlement.pause(sender=issuer)
    assert settlement.next_pause_at() == paused_at + 2 * PAUSE_LIMIT
    second = settlement.pause(sender=issuer).timestamp
    assert second == paused_at + 2 * PAUSE_LIMIT
    # the lapsed pause stopped the clock for exactly its limit
    assert settlement.clock() == second - PAUSE_LIMIT
    assert settlement.paused_until() == second + PAUSE_LIMIT
    assert settlement.next_pause_at() == second + 2 * PAUSE_LIMIT


# --- Settlement's clock ---------------------------------------------------------------------------------
def test_the_clock_stands_still_while_paused_and_runs_on_after(backend, settlement, issuer, paused_at, mine_at):
    mine_at(paused_at + 1_000)
    assert settlement.clock() == paused_at
    resumed_at = settlement.unpause(sender=issuer).timestamp
    assert settlement.clock() == paused_at
    mine_at(resumed_at + 10)
    assert settlement.clock() == paused_at + 10


def test_the_clock_counts_a_lapsed_pause_for_its_limit_only(backend, settlement, paused_at, mine_at):
    mine_at(paused_at + PAUSE_LIMIT + 500)
    assert settlement.clock() == paused_at + 500


def test_every_pause_adds_to_the_time_the_clock_stood_still(backend, settlement, issuer, paused_at, mine_at):
    first_end = settlement.unpause(sender=issuer).timestamp
    at(backend, first_end + PAUSE_LIMIT)
    second = settlement.pause(sender=issuer).timestamp
    mine_at(second + 77)
    assert settlement.clock() == second - (first_end - paused_at)
    at(backend, second + 100)
    settlement.unpause(sender=issuer)
    mine_at(second + 200)
    assert settlement.clock() == second + 200 - (first_end - paused_at) - 100


# --- withdrawal requests across a pause --------------------------------------------------------------------
def test_a_request_made_during_a_pause_starts_its_delay_when_the_pause_ends(
    backend, settlement, customer, issuer, prepaid, paused_at
):
    at(backend, paused_at + 100)
    receipt = settlement.request_withdrawal(REQUEST, sender=customer)
    assert receipt.filter("WithdrawalRequested")[0].args["available_at"] == paused_at + WITHDRAWAL_DELAY
    assert settlement.available(customer) == prepaid - REQUEST  # public and held back at once
    resumed_at = settlement.unpause(sender=issuer).timestamp
    at(backend, resumed_at + WITHDRAWAL_DELAY - 1)
    with reverts(NOT_YET):
        settlement.withdraw(customer, sender=customer)
    assert settlement.withdraw(customer, sender=customer).return_value == REQUEST


@pytest.mark.parametrize(
    ("after_request", "reason"),
    [
        (WITHDRAWAL_DELAY + 1_000 - 1, NOT_YET),
        (WITHDRAWAL_DELAY + 1_000, None),
        (WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW + 1_000 - 1, None),
        (WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW + 1_000, EXPIRED),
    ],
)
def test_a_pause_moves_a_requests_maturity_and_expiry_back_by_its_length(
    backend, settlement, customer, issuer, prepaid, after_request, reason
):
    requested_at = settlement.request_withdrawal(REQUEST, sender=customer).timestamp
    window = settlement.withdrawal_request(customer)
    at(backend, requested_at + 10)
    settlement.pause(sender=issuer)
    at(backend, requested_at + 1_010)
    settlement.unpause(sender=issuer)  # 1,000 seconds paused
    assert settlement.withdrawal_request(customer) == window  # on Settlement's clock: unchanged
    at(backend, requested_at + after_request)
    if reason is None:
        assert settlement.withdraw(customer, sender=customer).return_value == REQUEST
    else:
        with reverts(reason):
            settlement.withdraw(customer, sender=customer)


def test_a_matured_request_waits_out_a_pause_and_is_paid_when_it_lapses(
    backend, settlement, customer, issuer, prepaid, mine_at
):
    requested_at = settlement.request_withdrawal(REQUEST, sender=customer).timestamp
    # one second of its window is left when the pause begins
    at(backend, requested_at + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW - 1)
    paused_at = settlement.pause(sender=issuer).timestamp
    with reverts(PAUSED):
        settlement.withdraw(customer, sender=customer)
    # far past its wall-clock expiry, it is still pending: its time stood still
    mine_at(paused_at + PAUSE_LIMIT - 1)
    assert settlement.available(customer) == prepaid - REQUEST
    assert settlement.withdrawal_request(customer)[0] == REQUEST
    receipt = settlement.withdraw(customer, sender=customer)  # at the lapse, its last second
    assert receipt.timestamp == paused_at + PAUSE_LIMIT
    assert receipt.return_value == REQUEST


def test_a_request_that_had_expired_before_the_pause_stays_expired(backend, settlement, customer, issuer, prepaid):
    requested_at = settlement.request_withdrawal(REQUEST, sender=customer).timestamp
    at(backend, requested_at + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW)
    paused_at = settlement.pause(sender=issuer).timestamp
    assert settlement.available(customer) == prepaid
    assert settlement.withdrawal_request(customer) == (0, 0, 0)
    at(backend, paused_at + PAUSE_LIMIT)
    with reverts(EXPIRED):
        settlement.withdraw(customer, sender=customer)
