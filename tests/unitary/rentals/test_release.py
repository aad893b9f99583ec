"""`release`: each judged epoch of a booking pays the node its hours' rent times the
reported uptime (split like a voucher) and refunds the rest; a missed epoch pays nothing."""

from computerwa.evm.chain import reverts
from tests.conftest import GRACE_PERIOD
from tests.unitary.rentals.conftest import (
    FEE_BPS,
    HOURS_PER_EPOCH,
    MAX_BPS,
    PREPAID,
    PRICE,
    SHARE_BPS,
    VERSION,
    booking_of,
    split,
)
from tests.unitary.rentals.reasons import (
    NOTHING_YET,
    SETTLEMENT_PAUSED,
    STABLECOIN_BLACKLISTED,
    STABLECOIN_PAUSED,
    UNKNOWN_BOOKING,
)


def day_of(hour: int) -> int:
    return hour // HOURS_PER_EPOCH


def test_a_full_uptime_epoch_pays_the_node_its_whole_rent(
    rentals, settlement, node_token, treasury, operator, customer, relayer, at, hour, report, next_day
):
    rentals.book(1, 4, next_day + 3, 10, VERSION, sender=customer)
    rent = 4 * PRICE * 10
    epoch = day_of(next_day)
    at(hour(next_day + 24))  # the epoch has ended
    report(epoch, MAX_BPS)
    receipt = rentals.release(1, 8, sender=relayer)  # anyone
    assert receipt.return_value == (rent, 0)
    [released] = receipt.filter("Released")
    assert (released.args["from_hour"], released.args["to_hour"]) == (next_day + 3, next_day + 13)
    assert (released.args["paid"], released.args["refund"], released.args["fee"]) == (rent, 0, 0)
    fee, operator_part, holders = split(rent)
    [paid] = receipt.filter("NodePaid")
    assert (paid.args["amount"], paid.args["fee"], paid.args["operator_amount"]) == (rent, fee, operator_part)
    assert paid.args["holders_amount"] == holders
    assert settlement.earnings(operator) == operator_part
    assert settlement.prepaid(customer) == PREPAID - rent
    assert booking_of(rentals, 1)["escrowed"] == 0
    assert settlement.owed() == PREPAID - holders  # the holders' part went to the token
    with reverts(NOTHING_YET):
        rentals.release(1, 8, sender=relayer)


def test_uptime_below_the_sla_pays_its_share_and_refunds_the_rest(
    rentals, settlement, customer, at, hour, report, next_day
):
    rentals.book(1, 3, next_day + 1, 7, VERSION, sender=customer)
    rent = 3 * PRICE * 7
    at(hour(next_day + 24))
    report(day_of(next_day), 9_123)
    paid, refund = rentals.release(1, 1, sender=customer).return_value
    assert paid == rent * 9_123 // MAX_BPS and refund == rent - paid
    assert settlement.prepaid(customer) == PREPAID - rent + refund


def test_a_missed_epoch_pays_nothing_once_its_grace_period_is_over(
    rentals, settlement, customer, relayer, at, hour, next_day
):
    rentals.book(1, 2, next_day, 24, VERSION, sender=customer)
    rent = 2 * PRICE * 24
    at(hour(next_day + 24))
    with reverts(NOTHING_YET):  # ended, but its report may still come
        rentals.release(1, 1, sender=relayer)
    at(hour(next_day + 24, GRACE_PERIOD - 2))
    with reverts(NOTHING_YET):
        rentals.release(1, 1, sender=relayer)
    at(hour(next_day + 24, GRACE_PERIOD))
    receipt = rentals.release(1, 1, sender=relayer)
    assert receipt.return_value == (0, rent)
    assert receipt.filter("NodePaid") == []
    assert settlement.prepaid(customer) == PREPAID


def test_a_booking_across_epochs_is_released_epoch_by_epoch(
    rentals, settlement, customer, relayer, at, hour, report, next_day
):
    rentals.book(
        1, 1, next_day + 20, 30, VERSION, sender=customer
    )  # 4 hours of one epoch, 24 of the next, 2 of the third
    first = day_of(next_day)
    with reverts(NOTHING_YET):
        rentals.release(1, 3, sender=relayer)
    at(hour(next_day + 24))
    report(first, MAX_BPS)
    assert rentals.release(1, 3, sender=relayer).return_value == (4 * PRICE, 0)
    at(hour(next_day + 49))
    with reverts(NOTHING_YET):
        rentals.release(1, 3, sender=relayer)  # the second epoch's report is still due
    report(first + 1, 7_500)
    receipt = rentals.release(1, 3, sender=relayer)  # the third has not ended
    assert receipt.return_value == (24 * PRICE * 7_500 // MAX_BPS, 24 * PRICE // 4)
    assert booking_of(rentals, 1)["released_until"] == next_day + 48
    at(hour(next_day + 72, GRACE_PERIOD))
    report(first + 2, 5_000)  # late, but before the release: it counts
    assert rentals.release(1, 5, sender=relayer).return_value == (PRICE, PRICE)
    booking = booking_of(rentals, 1)
    assert booking["released_until"] == booking["end_hour"] and booking["escrowed"] == 0


def test_release_needs_a_booking_and_an_unpaused_settlement(
    rentals, settlement, issuer, customer, relayer, at, hour, report, next_day
):
    with reverts(UNKNOWN_BOOKING):
        rentals.release(1, 1, sender=relayer)
    rentals.book(1, 1, next_day, 2, VERSION, sender=customer)
    at(hour(next_day + 24))
    report(day_of(next_day), MAX_BPS)
    settlement.pause(sender=issuer)
    with reverts(SETTLEMENT_PAUSED):
        rentals.release(1, 1, sender=relayer)
    settlement.unpause(sender=issuer)
    assert rentals.release(1, 1, sender=relayer).return_value == (2 * PRICE, 0)


def test_a_paused_stablecoin_delays_a_release_and_loses_nothing(
    rentals, stable, issuer, customer, relayer, at, hour, report, next_day
):
    rentals.book(1, 1, next_day, 2, VERSION, sender=customer)
    at(hour(next_day + 24))
    report(day_of(next_day), MAX_BPS)
    stable.pause(sender=issuer)
    with reverts(STABLECOIN_PAUSED):  # the holders' part moves into the node token
        rentals.release(1, 1, sender=relayer)
    stable.unpause(sender=issuer)
    assert rentals.release(1, 1, sender=relayer).return_value == (2 * PRICE, 0)


def test_a_blacklisted_customer_blocks_nothing(
    rentals, settlement, stable, issuer, operator, customer, relayer, at, hour, report, next_day
):
    rentals.book(1, 1, next_day, 2, VERSION, sender=customer)
    at(hour(next_day + 24))
    report(day_of(next_day), 6_000)
    stable.blacklist(customer, sender=issuer)
    paid, refund = rentals.release(1, 1, sender=relayer).return_value  # refunds stay in Settlement
    assert (paid, refund) == (2 * PRICE * 6_000 // MAX_BPS, 2 * PRICE * 4_000 // MAX_BPS)
    assert settlement.earnings(operator) == paid * SHARE_BPS // MAX_BPS


def test_a_blacklisted_node_token_holds_the_escrow_until_it_is_lifted(
    rentals, settlement, stable, node_token, issuer, customer, relayer, at, hour, report, next_day
):
    """THREAT_MODEL's Low: a node token the stablecoin blacklists blocks the node's releases (its
    holders' part cannot move into it) and with them the refunds of later epochs; refunds alone
    (cancel) still run, nothing leaves the escrow, and all of it is released once lifted."""
    rentals.book(1, 1, next_day + 20, 30, VERSION, sender=customer)  # 4 h of one epoch, 24, then 2
    rent = 30 * PRICE
    first = day_of(next_day)
    at(hour(next_day + 24))
    report(first, MAX_BPS)
    stable.blacklist(node_token, sender=issuer)
    held, owed = stable.balanceOf(settlement), settlement.owed()
    with reverts(STABLECOIN_BLACKLISTED):
        rentals.release(1, 1, sender=relayer)
    # a refund alone does not touch the token: the customer cancels what the notice allows
    cancelled = 23 * PRICE  # the hours from next_day + 24 + 1 + NOTICE on
    fee = cancelled * FEE_BPS // MAX_BPS
    assert rentals.cancel(1, sender=customer).return_value == cancelled - fee
    with reverts(STABLECOIN_BLACKLISTED):  # the fee due pays the node too
        rentals.release(1, 0, sender=relayer)
    booking = booking_of(rentals, 1)
    assert (booking["escrowed"], booking["fee_due"]) == (7 * PRICE + fee, fee)  # the fee waits in escrow
    assert settlement.prepaid(customer) == PREPAID - rent + cancelled - fee
    assert (stable.balanceOf(settlement), settlement.owed()) == (held, owed)  # nothing left Settlement
    stable.unblacklist(node_token, sender=issuer)
    receipt = rentals.release(1, 3, sender=relayer)  # the second epoch has not ended
    assert receipt.return_value == (4 * PRICE + fee, 0)
    [paid] = receipt.filter("NodePaid")
    assert paid.args["amount"] == 4 * PRICE + fee
    at(hour(next_day + 48))
    report(first + 1, 5_000)
    last_paid, last_refund = rentals.release(1, 3, sender=relayer).return_value
    assert (last_paid, last_refund) == (3 * PRICE // 2, 3 * PRICE - 3 * PRICE // 2)
    assert booking_of(rentals, 1)["escrowed"] == 0
    # every unit of the rent went to the node or back to the customer
    assert 4 * PRICE + fee + last_paid + (cancelled - fee) + last_refund == rent
    assert settlement.prepaid(customer) == PREPAID - rent + (cancelled - fee) + last_refund
