"""The fleet's renters (issue #20): they book capacity by the hour, are paid back for downtime and
cancels, and every booking, hour and prepaid balance reconciles to the wei."""

import pytest

from computerwa.sim import ReconciliationError
from tests.sim.conftest import run_fleet


@pytest.fixture(scope="module")
def rented(backend):
    return run_fleet(backend, epochs=3)


def test_every_unit_of_rent_escrowed_is_paid_refunded_or_still_escrowed(rented):
    fleet, report = rented
    r = report["rentals"]
    assert r["bookings"] > 0 and r["releases"] > 0 and r["cancellations"] > 0
    assert r["rent_booked"] == (
        r["rent_paid_for_uptime"]
        + r["refunded_for_downtime"]
        + r["refunded_on_cancel"]
        + r["cancellation_fees_paid"]
        + r["still_escrowed"]
    )
    assert r["rent_paid_for_uptime"] > 0 and r["cancellation_fees_paid"] > 0
    assert fleet.model.rent_escrow == r["still_escrowed"] == fleet.rentals.escrowed()
    assert 0 < r["utilization_of_offered"] < 1
    # the signing renters book by authorization, the one spare test account from its prepaid balance
    ops = report["gas_per_operation"]
    assert ops["book_with_authorization"]["count"] + ops["book (prepaid)"]["count"] == r["bookings"]
    assert ops["cancel"]["count"] == r["cancellations"]


def test_rental_payments_reach_the_nodes_like_any_payment(rented):
    fleet, report = rented
    r = report["rentals"]
    paid = r["rent_paid_for_uptime"] + r["cancellation_fees_paid"]
    # the chain's NodePaid events of the releases: the nodes were paid exactly what the renters' model says
    assert r["paid_in_node_paid_events"] == paid > 0
    # and each went through the fleet's payment record (revenue, holders, fees) beside the vouchers
    assert sum(fleet.stats.revenue.values()) >= paid


def test_the_reconciliation_sees_a_booking_that_differs(rented):
    fleet, _ = rented
    booking = next(iter(fleet.rentals.bookings.values()))
    booking.fee_due += 1
    fleet.rentals.dirty.add(booking.booking_id)
    with pytest.raises(ReconciliationError, match=f"booking {booking.booking_id} fees due"):
        fleet.reconcile()
    booking.fee_due -= 1
    fleet.rentals.dirty.add(booking.booking_id)
    fleet.reconcile()
