"""Settlement.reserve and the vouchers a reservation backs (issue #15 item 3).

A payer commits part of its prepaid balance to one (payer, node) channel; `settle` draws a
voucher's increase from that reservation first, then from the free balance, so the node
is paid up to the reservation whatever other nodes (the payer's own included) settle first
and whatever the payer withdraws.
"""

from computerwa.evm.chain import reverts
from tests.conftest import WITHDRAWAL_DELAY
from tests.unitary.settlement.conftest import (
    DOLLAR,
    THIRD_SHARE,
    node_paid,
    register,
    signed_batch,
    skipped,
)

RESERVED = 6_000 * DOLLAR + 3
UNDERFUNDED = 5


def reserved_events(receipt):
    return [e.args for e in receipt.filter("Reserved")]


# --- the attack ----------------------------------------------------------------------------------
def test_a_payer_cannot_pay_its_own_node_first_within_a_reservation(
    registry, identity, issuer, settlement, stablecoin, domain, customer, operator, node, voucher, prepaid
):
    settlement.reserve(node, RESERVED, sender=customer)
    # the payer, verified as an operator (item 8), registers its own node with a 90% operator
    # share and settles its own voucher first, for everything it prepaid
    identity.set_verified(customer, 2**40, sender=issuer)
    own = register(registry, customer, THIRD_SHARE)
    greedy = settlement.settle(*signed_batch(domain, [voucher(own, prepaid)], customer), sender=customer)
    assert skipped(greedy) == [(customer.address, own, prepaid, UNDERFUNDED)]
    settlement.settle(*signed_batch(domain, [voucher(own, prepaid - RESERVED)], customer), sender=customer)
    assert settlement.available(customer) == 0
    # the honest node's voucher up to the reservation still pays in full
    honest = settlement.settle(*signed_batch(domain, [voucher(node, RESERVED)], customer), sender=operator)
    assert node_paid(honest)[node][0] == RESERVED
    assert settlement.settled(customer, node) == RESERVED
    assert settlement.reserved(customer, node) == 0


def test_a_withdrawal_cannot_take_a_reservation(
    backend, settlement, stablecoin, domain, customer, operator, node, voucher, prepaid, receiver
):
    settlement.reserve(node, RESERVED, sender=customer)
    with reverts("settlement: amount above the balance"):
        settlement.request_withdrawal(prepaid, sender=customer)
    settlement.request_withdrawal(prepaid - RESERVED, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY)
    settlement.withdraw(receiver, sender=customer)
    assert stablecoin.balanceOf(receiver) == prepaid - RESERVED
    receipt = settlement.settle(*signed_batch(domain, [voucher(node, RESERVED)], customer), sender=operator)
    assert node_paid(receipt)[node][0] == RESERVED


# --- reserve -------------------------------------------------------------------------------------
def test_reserve_moves_free_balance_into_the_channel(settlement, stablecoin, customer, operator, node, prepaid):
    receipt = settlement.reserve(node, RESERVED, sender=customer)
    assert reserved_events(receipt) == [
        {"payer": customer.address, "node_id": node, "amount": RESERVED, "reservation": RESERVED}
    ]
    receipt = settlement.reserve(node, 7, sender=customer)
    assert reserved_events(receipt)[0]["reservation"] == RESERVED + 7
    assert settlement.reserved(customer, node) == settlement.reservation(customer, node) == RESERVED + 7
    assert settlement.available(customer) == settlement.prepaid(customer) == prepaid - RESERVED - 7
    assert settlement.settled(customer, node) == 0
    # SET-1: the reservation is still owed
    owed = settlement.prepaid(customer) + settlement.reservation(customer, node)
    assert stablecoin.balanceOf(settlement) == owed


def test_reserve_of_nothing_is_refused(settlement, customer, node, prepaid):
    with reverts("settlement: nothing to reserve"):
        settlement.reserve(node, 0, sender=customer)


def test_reserve_above_the_available_balance_is_refused(settlement, customer, attacker, node, prepaid):
    with reverts("settlement: amount above the available balance"):
        settlement.reserve(node, prepaid + 1, sender=customer)
    with reverts("settlement: amount above the available balance"):
        settlement.reserve(node, 1, sender=attacker)
    # a pending withdrawal request is no longer available: it cannot be reserved
    settlement.request_withdrawal(prepaid - RESERVED + 1, sender=customer)
    with reverts("settlement: amount above the available balance"):
        settlement.reserve(node, RESERVED, sender=customer)
    settlement.reserve(node, RESERVED - 1, sender=customer)


def test_what_settlement_owes_stays_below_128_bits(settlement, stablecoin, issuer, attacker, node):
    """Every balance, reservation and earnings is part of `owed`, which a deposit cannot push
    past 2**128 - 1: so no reservation or settled amount can overflow its 128-bit field."""
    huge = 2**128
    stablecoin.mint(attacker, huge, sender=issuer)
    stablecoin.approve(settlement, huge, sender=attacker)
    headroom = 2**128 - 1 - settlement.owed()
    with reverts("settlement: holdings above 2**128 - 1"):
        settlement.deposit(headroom + 1, sender=attacker)
    settlement.deposit(headroom, sender=attacker)
    assert settlement.owed() == 2**128 - 1 == stablecoin.balanceOf(settlement)
    settlement.reserve(node, headroom, sender=attacker)
    assert settlement.reservation(attacker, node) == headroom
    with reverts("settlement: holdings above 2**128 - 1"):
        settlement.deposit(1, sender=attacker)


def test_reserve_is_refused_while_paused(settlement, issuer, customer, node, prepaid):
    settlement.pause(sender=issuer)
    with reverts("settlement: paused"):
        settlement.reserve(node, RESERVED, sender=customer)
    settlement.unpause(sender=issuer)
    settlement.reserve(node, RESERVED, sender=customer)
    assert settlement.reserved(customer, node) == RESERVED


# --- settle within a reservation ------------------------------------------------------------------
def test_settle_draws_the_reservation_first_then_the_free_balance(
    settlement, stablecoin, domain, customer, operator, second_operator, treasury, node, second_node, voucher, prepaid
):
    settlement.reserve(node, RESERVED, sender=customer)
    settlement.settle(*signed_batch(domain, [voucher(node, RESERVED - 100)], customer), sender=operator)
    assert settlement.reservation(customer, node) == 100
    assert settlement.prepaid(customer) == prepaid - RESERVED
    # beyond the reservation the free balance pays the rest
    settlement.settle(*signed_batch(domain, [voucher(node, RESERVED + 50)], customer), sender=operator)
    assert settlement.reservation(customer, node) == 0
    assert settlement.prepaid(customer) == prepaid - RESERVED - 50
    # another node's voucher never draws on this channel's reservation
    settlement.reserve(node, 10, sender=customer)
    free = settlement.prepaid(customer)
    receipt = settlement.settle(*signed_batch(domain, [voucher(second_node, free + 1)], customer), sender=operator)
    assert skipped(receipt) == [(customer.address, second_node, free + 1, UNDERFUNDED)]
    assert settlement.reservation(customer, node) == 10
    # SET-1: the free balance, the reservation and the earnings are everything it holds
    owed = free + 10 + sum(settlement.earnings(a) for a in (operator, second_operator, treasury))
    assert stablecoin.balanceOf(settlement) == owed


def test_a_voucher_beyond_128_bits_is_underfunded(settlement, domain, customer, operator, node, voucher, prepaid):
    settlement.reserve(node, RESERVED, sender=customer)
    receipt = settlement.settle(*signed_batch(domain, [voucher(node, 2**128)], customer), sender=operator)
    assert skipped(receipt) == [(customer.address, node, 2**128, UNDERFUNDED)]
    assert settlement.reservation(customer, node) == RESERVED
