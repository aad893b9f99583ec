"""Settlement.release and complete_release (issue #15 item 3).

A reservation leaves its channel in two steps, WITHDRAWAL_DELAY of Settlement's clock
apart, like a prepaid withdrawal: the request is public at once and leaves `reserved` at
once, the whole reservation keeps backing the node's vouchers until the release completes,
and a matured request can be completed for WITHDRAWAL_WINDOW, then it expires.
"""

from computerwa.evm.chain import reverts
from tests.conftest import WITHDRAWAL_DELAY, WITHDRAWAL_WINDOW
from tests.unitary.settlement.conftest import DOLLAR, node_paid, signed_batch

RESERVED = 6_000 * DOLLAR
RELEASE = 4_000 * DOLLAR + 1


def sleep_until(backend, timestamp):
    backend.sleep(timestamp - backend.pending_timestamp)


def release_requested(receipt):
    return [e.args for e in receipt.filter("ReleaseRequested")]


def released(receipt):
    return [e.args for e in receipt.filter("Released")]


# --- release --------------------------------------------------------------------------------------
def test_release_is_public_and_leaves_reserved_at_once(backend, settlement, customer, node, prepaid):
    settlement.reserve(node, RESERVED, sender=customer)
    now = backend.pending_timestamp
    receipt = settlement.release(node, RELEASE, sender=customer)
    window = (now + WITHDRAWAL_DELAY, now + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW)
    assert release_requested(receipt) == [
        {
            "payer": customer.address,
            "node_id": node,
            "amount": RELEASE,
            "available_at": window[0],
            "expires_at": window[1],
        }
    ]
    assert settlement.release_request(customer, node) == (RELEASE, *window)
    assert settlement.reserved(customer, node) == RESERVED - RELEASE
    assert settlement.reservation(customer, node) == RESERVED
    assert settlement.available(customer) == prepaid - RESERVED


def test_release_of_nothing_is_refused(settlement, customer, node, prepaid):
    settlement.reserve(node, RESERVED, sender=customer)
    with reverts("settlement: nothing to release"):
        settlement.release(node, 0, sender=customer)


def test_release_above_the_reservation_is_refused(settlement, customer, attacker, node, prepaid):
    settlement.reserve(node, RESERVED, sender=customer)
    with reverts("settlement: amount above the reservation"):
        settlement.release(node, RESERVED + 1, sender=customer)
    with reverts("settlement: amount above the reservation"):
        settlement.release(node, 1, sender=attacker)
    settlement.release(node, RESERVED, sender=customer)
    assert settlement.reserved(customer, node) == 0


def test_the_node_is_paid_from_the_whole_reservation_until_the_release_completes(
    backend, settlement, domain, customer, operator, node, second_node, voucher, prepaid
):
    settlement.reserve(node, RESERVED, sender=customer)
    settlement.release(node, RESERVED, sender=customer)
    sleep_until(backend, settlement.release_request(customer, node)[1])
    # another node takes the free balance; the matured release is not complete yet
    settlement.settle(*signed_batch(domain, [voucher(second_node, prepaid - RESERVED)], customer), sender=operator)
    assert settlement.prepaid(customer) == 0
    receipt = settlement.settle(*signed_batch(domain, [voucher(node, RESERVED - 5)], customer), sender=operator)
    assert node_paid(receipt)[node][0] == RESERVED - 5
    # completing pays back only what is left of the reservation
    receipt = settlement.complete_release(node, sender=customer)
    assert released(receipt) == [{"payer": customer.address, "node_id": node, "amount": 5, "reservation": 0}]
    assert settlement.prepaid(customer) == 5


# --- complete_release ------------------------------------------------------------------------------
def test_complete_release_one_second_early_fails_and_at_available_at_returns_it(
    backend, settlement, customer, node, prepaid
):
    settlement.reserve(node, RESERVED, sender=customer)
    settlement.release(node, RELEASE, sender=customer)
    available_at = settlement.release_request(customer, node)[1]
    sleep_until(backend, available_at - 1)
    with reverts("settlement: release not available yet"):
        settlement.complete_release(node, sender=customer)
    sleep_until(backend, available_at)
    receipt = settlement.complete_release(node, sender=customer)
    assert released(receipt) == [
        {"payer": customer.address, "node_id": node, "amount": RELEASE, "reservation": RESERVED - RELEASE}
    ]
    assert settlement.reserved(customer, node) == settlement.reservation(customer, node) == RESERVED - RELEASE
    assert settlement.available(customer) == prepaid - RESERVED + RELEASE
    assert settlement.release_request(customer, node) == (0, 0, 0)
    with reverts("settlement: no release requested"):
        settlement.complete_release(node, sender=customer)


def test_complete_release_without_a_request_is_refused(settlement, customer, attacker, node, prepaid):
    settlement.reserve(node, RESERVED, sender=customer)
    with reverts("settlement: no release requested"):
        settlement.complete_release(node, sender=customer)
    settlement.release(node, RELEASE, sender=customer)
    with reverts("settlement: no release requested"):
        settlement.complete_release(node, sender=attacker)


def test_a_release_request_expires_and_the_reservation_is_guaranteed_again(
    backend, settlement, customer, node, prepaid
):
    settlement.reserve(node, RESERVED, sender=customer)
    settlement.release(node, RELEASE, sender=customer)
    expires_at = settlement.release_request(customer, node)[2]
    sleep_until(backend, expires_at)
    with reverts("settlement: release request expired"):
        settlement.complete_release(node, sender=customer)
    assert settlement.release_request(customer, node) == (0, 0, 0)
    assert settlement.reserved(customer, node) == RESERVED


def test_complete_release_is_refused_while_paused_and_a_pause_stops_its_delay(
    backend, settlement, issuer, customer, node, prepaid
):
    settlement.reserve(node, RESERVED, sender=customer)
    settlement.release(node, RELEASE, sender=customer)
    available_at = settlement.release_request(customer, node)[1]
    settlement.pause(sender=issuer)
    sleep_until(backend, available_at)
    with reverts("settlement: paused"):
        settlement.complete_release(node, sender=customer)
    settlement.unpause(sender=issuer)
    with reverts("settlement: release not available yet"):
        settlement.complete_release(node, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY)
    settlement.complete_release(node, sender=customer)
    assert settlement.reservation(customer, node) == RESERVED - RELEASE
