"""`cancel` (the customer, after the notice, for the cancellation fee) and `halt` (the hours
not started of a booking on a paused or retired node, refunded in full)."""

import pytest

from computerwa.evm.chain import reverts
from tests.unitary.rentals.conftest import (
    FEE_BPS,
    HOURS_PER_EPOCH,
    MAX_BPS,
    NOTICE,
    PREPAID,
    PRICE,
    VERSION,
    booking_of,
    split,
)
from tests.unitary.rentals.reasons import (
    NO_HOURS_TO_CANCEL,
    NO_HOURS_TO_REFUND,
    NODE_ACTIVE,
    NOT_CUSTOMER,
    NOTHING_YET,
    UNKNOWN_BOOKING,
)


def test_cancelling_refunds_at_once_and_the_node_keeps_its_fee(
    rentals, settlement, customer, relayer, at, hour, next_day
):
    rentals.book(1, 4, next_day + 10, 6, VERSION, sender=customer)
    rent = 4 * PRICE * 6
    receipt = rentals.cancel(1, sender=customer)
    fee = rent * FEE_BPS // MAX_BPS
    assert receipt.return_value == rent - fee
    [cancelled] = receipt.filter("Cancelled")
    assert (cancelled.args["end_hour"], cancelled.args["refund"], cancelled.args["fee"]) == (
        next_day + 10,
        rent - fee,
        fee,
    )
    [refunded] = receipt.filter("RentRefunded")
    assert refunded.args["amount"] == rent - fee
    assert settlement.prepaid(customer) == PREPAID - fee
    booking = booking_of(rentals, 1)
    assert (booking["end_hour"], booking["fee_due"], booking["escrowed"]) == (next_day + 10, fee, fee)
    assert rentals.free_units(1, next_day + 10, 6) == 8
    with reverts(NO_HOURS_TO_CANCEL):
        rentals.cancel(1, sender=customer)
    # the fee is paid by the next release, which anyone may call at once
    receipt = rentals.release(1, 0, sender=relayer)
    assert receipt.return_value == (fee, 0)
    [paid] = receipt.filter("NodePaid")
    assert paid.args["amount"] == fee and paid.args["fee"] == split(fee)[0]
    assert booking_of(rentals, 1)["escrowed"] == 0
    with reverts(NOTHING_YET):
        rentals.release(1, 0, sender=relayer)


def test_only_hours_past_the_notice_are_cancelled(rentals, settlement, customer, at, hour, now_hour):
    start = now_hour + 4
    rentals.book(1, 1, start, 5, VERSION, sender=customer)  # hours start .. start + 4
    at(hour(start - NOTICE, -1))  # one second before the notice of the booking's first hour
    receipt = rentals.cancel(1, sender=customer)
    assert booking_of(rentals, 1)["end_hour"] == start  # every hour cancelled
    assert receipt.return_value == 5 * PRICE * (MAX_BPS - FEE_BPS) // MAX_BPS


def test_at_the_notice_edge_the_first_hour_stays(rentals, customer, at, hour, now_hour):
    start = now_hour + 4
    rentals.book(1, 1, start, 5, VERSION, sender=customer)
    at(hour(start - NOTICE, 1))  # one second past the notice of the first hour
    rentals.cancel(1, sender=customer)
    assert booking_of(rentals, 1)["end_hour"] == start + 1
    assert rentals.booked(1, start) == 1 and rentals.booked(1, start + 1) == 0


def test_hours_within_the_notice_cannot_be_cancelled(rentals, customer, at, hour, now_hour):
    start = now_hour + 3
    rentals.book(1, 1, start, 2, VERSION, sender=customer)
    at(hour(start + 1 - NOTICE, 1))  # the last hour starts within the notice
    with reverts(NO_HOURS_TO_CANCEL):
        rentals.cancel(1, sender=customer)


def test_only_the_customer_cancels(rentals, customer, attacker, next_day):
    with reverts(UNKNOWN_BOOKING):
        rentals.cancel(1, sender=customer)
    rentals.book(1, 1, next_day, 2, VERSION, sender=customer)
    with reverts(NOT_CUSTOMER):
        rentals.cancel(1, sender=attacker)


def test_a_paused_node_lets_its_customer_take_back_the_hours_not_started(
    rentals, registry, settlement, operator, customer, attacker, at, hour, now_hour
):
    start = now_hour + 2
    rentals.book(1, 2, start, 10, VERSION, sender=customer)
    with reverts(NODE_ACTIVE):
        rentals.halt(1, sender=customer)
    registry.set_status(1, 2, sender=operator)
    with reverts(NOT_CUSTOMER):  # the operator cannot end a booking by pausing
        rentals.halt(1, sender=attacker)
    at(hour(start + 3, 5))  # during the booking's fourth hour
    receipt = rentals.halt(1, sender=customer)
    assert receipt.return_value == 2 * PRICE * 6  # the hours from start + 4 on, no fee
    [halted] = receipt.filter("Halted")
    assert (halted.args["end_hour"], halted.args["refund"]) == (start + 4, 2 * PRICE * 6)
    assert settlement.prepaid(customer) == PREPAID - 2 * PRICE * 4
    assert booking_of(rentals, 1)["escrowed"] == 2 * PRICE * 4  # released on their uptime later
    with reverts(NO_HOURS_TO_REFUND):
        rentals.halt(1, sender=customer)


def test_anyone_refunds_a_retired_nodes_booking(rentals, registry, settlement, operator, customer, relayer, next_day):
    with reverts(UNKNOWN_BOOKING):
        rentals.halt(1, sender=relayer)
    rentals.book(1, 3, next_day, 5, VERSION, sender=customer)
    registry.set_status(1, 3, sender=operator)
    assert rentals.halt(1, sender=relayer).return_value == 3 * PRICE * 5
    assert settlement.prepaid(customer) == PREPAID
    assert rentals.free_units(1, next_day, 5) == 0  # retired: nothing to book
    assert rentals.booked(1, next_day) == 0


@pytest.mark.parametrize("halt_first", [False, True], ids=["release_then_halt", "halt_then_release"])
def test_a_halt_and_a_release_at_an_epoch_edge_split_the_rent_exactly_in_either_order(
    rentals, registry, settlement, operator, customer, relayer, at, hour, report, next_day, halt_first
):
    """In the first seconds of an epoch (the one before has just ended), a halt and a release land
    in either order (the halt at the edge second itself when first): the release pays the ended
    epoch's hours, the halt refunds the hours from the next one on (the current hour has started:
    it stays, for its epoch's report); no hour is both paid and refunded, none is lost."""
    rentals.book(1, 2, next_day + 20, 30, VERSION, sender=customer)  # 4 h of one epoch, 24, then 2
    rent = 2 * PRICE * 30
    first = next_day // HOURS_PER_EPOCH
    registry.set_status(1, 2, sender=operator)  # paused: the customer may halt
    edge = hour(next_day + 24)
    ended = 2 * PRICE * 4
    results = {}
    if halt_first:
        at(edge)
        results["halt"] = rentals.halt(1, sender=customer).return_value
    at(edge + 1)
    report(first, 8_000)
    results["release"] = rentals.release(1, 5, sender=relayer).return_value
    if not halt_first:
        results["halt"] = rentals.halt(1, sender=customer).return_value
    assert results["release"] == (ended * 8_000 // MAX_BPS, ended - ended * 8_000 // MAX_BPS)
    assert results["halt"] == 2 * PRICE * 25  # the hours from next_day + 25 to the end
    booking = booking_of(rentals, 1)
    assert (booking["released_until"], booking["end_hour"]) == (next_day + 24, next_day + 25)
    assert booking["escrowed"] == 2 * PRICE  # the started hour, released on its epoch's uptime
    with reverts(NO_HOURS_TO_REFUND):
        rentals.halt(1, sender=customer)
    at(hour(next_day + 48))
    report(first + 1, MAX_BPS)
    assert rentals.release(1, 5, sender=relayer).return_value == (2 * PRICE, 0)
    paid = results["release"][0] + 2 * PRICE
    assert paid + results["release"][1] + results["halt"] == rent
    assert settlement.prepaid(customer) == PREPAID - paid
    assert booking_of(rentals, 1)["escrowed"] == 0
