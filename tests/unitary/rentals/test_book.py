"""`book`, `book_with_authorization` and `open_days`: what a booking escrows, the capacity
it takes, and every reason one is refused."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import ONE_DOLLAR
from tests.unitary.rentals.conftest import (
    NOTICE,
    PREPAID,
    PRICE,
    UNITS,
    VERSION,
    booking_of,
    make_suite,
)
from tests.unitary.rentals.reasons import (
    ABOVE_AVAILABLE,
    DAYS_RANGE,
    FULL,
    HOURS_RANGE,
    INVALID_SIGNATURE,
    NOT_ACTIVE,
    NOT_AFTER_NOW,
    NOT_OFFERED,
    NOT_RENTALS,
    NOT_THE_RENT,
    NOT_WHOLE_HOURS,
    OFFER_CHANGED,
    SETTLEMENT_PAUSED,
    SHORT,
    TOO_FAR,
    UNITS_RANGE,
    UNKNOWN_NODE,
)

OPENED = 1 << 255


def test_a_booking_escrows_its_rent_from_the_prepaid_balance(rentals, settlement, customer, next_day):
    receipt = rentals.book(1, 3, next_day + 5, 4, VERSION, sender=customer)
    rent = 3 * PRICE * 4
    assert receipt.return_value == 1 == rentals.booking_count()
    assert settlement.prepaid(customer) == PREPAID - rent
    assert settlement.available(customer) == PREPAID - rent
    [booked] = receipt.filter("Booked")
    assert booked.args["booking_id"] == 1 and booked.args["node_id"] == 1
    assert booked.args["customer"] == customer.address
    assert (booked.args["units"], booked.args["start_hour"], booked.args["end_hour"]) == (3, next_day + 5, next_day + 9)
    assert booked.args["rent"] == rent
    [escrowed] = receipt.filter("RentEscrowed")
    assert (escrowed.args["payer"], escrowed.args["amount"]) == (customer.address, rent)
    assert escrowed.args["balance"] == PREPAID - rent
    assert booking_of(rentals, 1) == {
        "customer": customer.address,
        "node_id": 1,
        "units": 3,
        "price_per_unit_hour": PRICE,
        "cancellation_fee_bps": 2_000,
        "notice_hours": NOTICE,
        "start_hour": next_day + 5,
        "end_hour": next_day + 9,
        "released_until": next_day + 5,
        "fee_due": 0,
        "escrowed": rent,
    }
    assert [rentals.booked(1, h) for h in range(next_day + 4, next_day + 10)] == [0, 3, 3, 3, 3, 0]
    assert settlement.owed() == PREPAID  # the escrow is still owed by Settlement


def test_bookings_fill_the_offer_and_no_more_at_any_hour(rentals, customer, next_day):
    rentals.book(1, 5, next_day + 2, 6, VERSION, sender=customer)  # hours 2..7
    rentals.book(1, 3, next_day + 4, 6, VERSION, sender=customer)  # hours 4..9: 8 at hours 4..7
    assert rentals.free_units(1, next_day + 4, 4) == 0
    assert rentals.free_units(1, next_day + 2, 2) == 3
    assert rentals.free_units(1, next_day + 8, 2) == 5
    with reverts(FULL):
        rentals.book(1, 1, next_day + 7, 1, VERSION, sender=customer)  # one hour of the overlap
    with reverts(FULL):
        rentals.book(1, 1, next_day, 24, VERSION, sender=customer)  # a window covering it
    rentals.book(1, 4, next_day + 8, 2, VERSION, sender=customer)  # 3 + 4 at hours 8, 9: fits
    rentals.book(1, 8, next_day + 10, 1, VERSION, sender=customer)  # the whole offer, after them
    assert [rentals.booked(1, h) for h in range(next_day + 1, next_day + 12)] == [0, 5, 5, 8, 8, 8, 8, 7, 7, 8, 0]
    with reverts(FULL):
        rentals.book(1, 2, next_day + 8, 1, VERSION, sender=customer)


def test_a_booking_across_days_takes_each_days_lanes(rentals, customer, next_day):
    rentals.book(1, 2, next_day + 20, 30, VERSION, sender=customer)  # hours 20..23, the next day, 0..1 after
    assert [rentals.booked(1, h) for h in (next_day + 19, next_day + 20, next_day + 23)] == [0, 2, 2]
    assert [rentals.booked(1, next_day + 24 + h) for h in range(24)] == [2] * 24
    assert [rentals.booked(1, next_day + 48 + h) for h in range(3)] == [2, 2, 0]
    with reverts(FULL):
        rentals.book(1, 7, next_day + 47, 2, VERSION, sender=customer)
    rentals.book(1, 6, next_day + 47, 2, VERSION, sender=customer)


def test_a_week_is_the_longest_booking(rentals, customer, next_day):
    rentals.book(1, 1, next_day + 13, 168, VERSION, sender=customer)  # spans 8 day words
    assert rentals.booked(1, next_day + 13 + 167) == 1 and rentals.booked(1, next_day + 13 + 168) == 0
    for hours in (0, 169):
        with reverts(HOURS_RANGE):
            rentals.book(1, 1, next_day, hours, VERSION, sender=customer)
    with reverts(HOURS_RANGE):
        rentals.free_units(1, next_day, 169)


def test_a_window_starts_after_the_current_hour_and_within_a_year(rentals, customer, at, hour, now_hour):
    at(hour(now_hour + 1))  # the first second of an hour
    with reverts(NOT_AFTER_NOW):
        rentals.book(1, 1, now_hour + 1, 1, VERSION, sender=customer)
    with reverts(NOT_AFTER_NOW):
        rentals.book(1, 1, now_hour, 1, VERSION, sender=customer)
    rentals.book(1, 1, now_hour + 2, 1, VERSION, sender=customer)
    at(hour(now_hour + 2, -2))  # still in hour now_hour + 1 (each block is a second later)
    with reverts(TOO_FAR):
        rentals.book(1, 1, now_hour + 2 + 365 * 24, 1, VERSION, sender=customer)
    rentals.book(1, 1, now_hour + 1 + 365 * 24, 1, VERSION, sender=customer)


def test_only_an_active_node_offered_for_rent_is_booked(rentals, registry, operator, customer, next_day):
    with reverts(UNKNOWN_NODE):
        rentals.book(2, 1, next_day, 1, VERSION, sender=customer)
    for units in (0, UNITS + 1):
        with reverts(UNITS_RANGE):
            rentals.book(1, units, next_day, 1, VERSION, sender=customer)
    registry.set_status(1, 2, sender=operator)
    with reverts(NOT_ACTIVE):
        rentals.book(1, 1, next_day, 1, VERSION, sender=customer)
    registry.set_status(1, 1, sender=operator)
    registry.set_rental(1, 0, PRICE, 0, 0, sender=operator)
    with reverts(NOT_OFFERED):
        rentals.book(1, 1, next_day, 1, VERSION, sender=customer)
    assert rentals.free_units(1, next_day, 1) == 0
    registry.set_status(1, 3, sender=operator)
    with reverts(NOT_ACTIVE):
        rentals.book(1, 1, next_day, 1, VERSION, sender=customer)


def test_a_booking_keeps_its_offer_and_a_smaller_offer_cancels_nothing(rentals, registry, operator, customer, next_day):
    rentals.book(1, 6, next_day, 2, VERSION, sender=customer)
    registry.set_rental(1, 4, 3 * PRICE, 5_000, 10, sender=operator)
    booking = booking_of(rentals, 1)
    assert (booking["units"], booking["price_per_unit_hour"], booking["cancellation_fee_bps"]) == (6, PRICE, 2_000)
    assert booking["notice_hours"] == NOTICE
    assert rentals.free_units(1, next_day, 2) == 0  # 6 booked above an offer of 4
    with reverts(OFFER_CHANGED):  # a booking sent for the first version
        rentals.book(1, 1, next_day + 2, 1, VERSION, sender=customer)
    with reverts(FULL):
        rentals.book(1, 1, next_day + 1, 1, VERSION + 1, sender=customer)
    assert rentals.rent(1, 4, 2) == 4 * 3 * PRICE * 2
    rentals.book(1, 4, next_day + 2, 1, VERSION + 1, sender=customer)


def test_the_rent_must_be_available_in_the_prepaid_balance(rentals, settlement, customer, investor, next_day):
    with reverts(ABOVE_AVAILABLE):
        rentals.book(1, 1, next_day, 1, VERSION, sender=investor)  # no prepaid balance
    settlement.request_withdrawal(PREPAID - 10 * ONE_DOLLAR, sender=customer)
    with reverts(ABOVE_AVAILABLE):
        rentals.book(1, 3, next_day, 2, VERSION, sender=customer)  # $12 > $10 available
    rentals.book(1, 1, next_day, 5, VERSION, sender=customer)  # $10


def test_no_booking_while_settlement_is_paused(rentals, settlement, issuer, customer, next_day):
    settlement.pause(sender=issuer)
    with reverts(SETTLEMENT_PAUSED):
        rentals.book(1, 1, next_day, 1, VERSION, sender=customer)


def test_rentals_need_epochs_of_whole_hours(backend, issuer, operator, attestors, treasury, customer):
    suite = make_suite(backend, issuer, operator, attestors, treasury, epoch_length=5_400)
    assert suite.rentals.HOURS_PER_EPOCH() == 0
    with reverts(NOT_WHOLE_HOURS):
        suite.rentals.book(1, 1, suite.rentals.current_hour() + 1, 1, VERSION, sender=customer)


def test_the_rentals_contract_is_settlements_and_settlement_takes_rent_from_it_alone(
    suite, rentals, settlement, customer, attacker
):
    assert settlement.RENTALS() == rentals.address
    assert rentals.SETTLEMENT() == settlement.address
    assert rentals.REGISTRY() == suite.registry.address
    assert rentals.ORACLE() == suite.oracle.address
    assert (rentals.GENESIS(), rentals.EPOCH_LENGTH()) == (suite.genesis, suite.epoch_length)
    assert rentals.HOURS_PER_EPOCH() == 24
    with reverts(NOT_RENTALS):
        settlement.escrow_rent(customer, 1, sender=attacker)
    with reverts(NOT_RENTALS):
        settlement.escrow_rent_with_authorization(
            customer, 1, 0, 2**40, b"\x00" * 32, 27, b"\x00" * 32, b"\x00" * 32, sender=attacker
        )
    with reverts(NOT_RENTALS):
        settlement.pay_rent(1, attacker, 0, PREPAID, sender=attacker)


# --- with an EIP-3009 authorization ----------------------------------------------------------
def test_a_relayer_books_with_the_customers_signed_rent(rentals, settlement, stable, signer, relayer, signed, next_day):
    rent = rentals.rent(1, 2, 3)
    args = signed(signer, 1, 2, next_day, 3, rent)
    receipt = rentals.book_with_authorization(signer.address, 1, 2, next_day, 3, *args, sender=relayer)
    assert booking_of(rentals, receipt.return_value)["customer"] == signer.address
    assert stable.balanceOf(signer) == 10_000 * ONE_DOLLAR - rent
    assert settlement.prepaid(signer) == 0
    assert settlement.owed() == PREPAID + rent
    [escrowed] = receipt.filter("RentEscrowed")
    assert (escrowed.args["amount"], escrowed.args["balance"]) == (rent, 0)
    with reverts():  # the authorization is used
        rentals.book_with_authorization(signer.address, 1, 2, next_day, 3, *args, sender=relayer)


def test_a_signed_rent_books_nothing_else(rentals, signer, relayer, signed, next_day):
    rent = rentals.rent(1, 2, 3)
    args = signed(signer, 1, 2, next_day, 3, rent)
    with reverts(NOT_THE_RENT):
        rentals.book_with_authorization(signer.address, 1, 2, next_day, 2, *args, sender=relayer)
    with reverts(INVALID_SIGNATURE):  # another window: another nonce
        rentals.book_with_authorization(signer.address, 1, 2, next_day + 1, 3, *args, sender=relayer)
    with reverts(INVALID_SIGNATURE):
        rentals.book_with_authorization(signer.address, 1, 1, next_day, 6, *args, sender=relayer)


def test_an_offer_change_voids_a_signed_rent(rentals, registry, operator, signer, relayer, signed, next_day):
    """A change of the fee or notice alone, landing first, voids it too: the signature names the version."""
    args = signed(signer, 1, 2, next_day, 3, rentals.rent(1, 2, 3))
    registry.set_rental(1, UNITS, PRICE, 10_000, 720, sender=operator)
    with reverts(OFFER_CHANGED):
        rentals.book_with_authorization(signer.address, 1, 2, next_day, 3, *args, sender=relayer)
    version = VERSION + 1
    again = signed(signer, 1, 2, next_day, 3, rentals.rent(1, 2, 3), version=version)
    with reverts(INVALID_SIGNATURE):  # signed for the first version, sent for the second
        rentals.book_with_authorization(signer.address, 1, 2, next_day, 3, version, *args[1:], sender=relayer)
    rentals.book_with_authorization(signer.address, 1, 2, next_day, 3, *again, sender=relayer)


def test_an_offer_change_that_lands_first_voids_a_booking(rentals, registry, operator, customer, settlement, next_day):
    """The operator front-runs a booking with a dearer offer: the booking reverts, nothing is taken."""
    registry.set_rental(1, UNITS, PREPAID, 10_000, 720, sender=operator)
    with reverts(OFFER_CHANGED):
        rentals.book(1, 1, next_day, 1, VERSION, sender=customer)
    assert settlement.prepaid(customer) == PREPAID


@pytest.fixture(scope="module")
def fee_suite(backend, issuer, operator, attestors, treasury, customer):
    """A whole suite over MockFeeToken (1% burnt per transfer), node 1 offered for rent, the
    customer holding $1,000 prepaid (what arrived of $1,010.11)."""
    token = backend.deploy("MockFeeToken", 100, sender=issuer)
    suite = make_suite(backend, issuer, operator, attestors, treasury, stablecoin=token)
    token.mint(customer, 10_000 * ONE_DOLLAR, sender=issuer)
    token.approve(suite.settlement, 2**256 - 1, sender=customer)
    return suite


def test_a_short_paying_stablecoin_never_over_credits_a_booking(fee_suite, customer, relayer):
    rentals, settlement = fee_suite.rentals, fee_suite.settlement
    start = rentals.current_hour() + 2
    rent = rentals.rent(1, 1, 1)
    with reverts(SHORT):  # 99% of the rent arrives
        rentals.book_with_authorization(
            customer,
            1,
            1,
            start,
            1,
            VERSION,
            rent,
            0,
            2**40,
            b"\x01" * 32,
            27,
            b"\x00" * 32,
            b"\x00" * 32,
            sender=relayer,
        )
    settlement.deposit(1_000 * ONE_DOLLAR, sender=customer)
    credited = settlement.prepaid(customer)
    assert credited == 990 * ONE_DOLLAR
    rentals.book(1, 1, start, 1, VERSION, sender=customer)  # from what was credited
    assert settlement.prepaid(customer) == credited - rent


# --- open_days --------------------------------------------------------------------------------
def test_an_opened_day_makes_the_first_booking_cheaper(backend, rentals, customer, relayer, next_day):
    day = next_day // 24
    receipt = rentals.open_days(1, day + 1, 3, sender=relayer)
    [opened] = receipt.filter("DaysOpened")
    assert (opened.args["node_id"], opened.args["first_day"], opened.args["days"]) == (1, day + 1, 3)
    rentals.book(1, 1, next_day + 2, 1, VERSION, sender=customer)  # the first booking: its count's first write
    # the same booking (an hour, a day word's hour 2) on the last day opened and on the day after it
    prepared = rentals.book(1, 1, next_day + 3 * 24 + 2, 1, VERSION, sender=customer).gas_used
    fresh = rentals.book(1, 1, next_day + 4 * 24 + 2, 1, VERSION, sender=customer).gas_used
    assert fresh - prepared > 15_000  # a zero slot's first write is paid by open_days, and only for the days asked
    rentals.open_days(1, day, 5, sender=relayer)  # opened days and booked ones stay as they are
    assert [rentals.booked(1, next_day + d * 24 + 2) for d in range(5)] == [1, 0, 0, 1, 1]


def test_open_days_takes_a_known_node_and_up_to_a_month(rentals, relayer):
    for days in (0, 32):
        with reverts(DAYS_RANGE):
            rentals.open_days(1, 0, days, sender=relayer)
    with reverts(UNKNOWN_NODE):
        rentals.open_days(2, 0, 1, sender=relayer)
    rentals.open_days(1, 0, 31, sender=relayer)
