"""Settlement.reserve_with_authorization and reservation_nonce (issue #15 item 3).

A payer without gas reserves for a node straight from its stablecoin: its EIP-3009
ReceiveWithAuthorization, whose nonce binds it to the node, submitted by anyone.
"""

import pytest
from eth_utils import keccak

from computerwa.client.signing import authorization, sign
from computerwa.client.vouchers import payment_nonce, reservation_authorization, reservation_nonce
from computerwa.evm.chain import reverts
from tests.unitary.settlement.conftest import (
    DOLLAR,
    HOUR,
    INVALID_SIGNATURE,
    fill_to_the_bound,
    node_paid,
    signed_batch,
)

AMOUNT = 700 * DOLLAR + 9


@pytest.fixture
def reserve_authorization(backend, stable_domain, settlement):
    """`reserve_authorization(key, node_id, amount)`: the arguments after `payer` and `node_id`."""
    counter = iter(range(1_000_000))

    def make(key, node_id, amount, valid_after=0, valid_before=None):
        salt = keccak(b"reservation salt %d" % next(counter))
        if valid_before is None:
            valid_before = backend.pending_timestamp + HOUR
        document = reservation_authorization(
            stable_domain, key.address, settlement.address, amount, node_id, salt, valid_after, valid_before
        )
        signature = sign(key, document)
        return (amount, valid_after, valid_before, salt, *signature.vrs)

    return make


def test_anyone_submits_a_reservation_and_the_payers_channel_is_credited(
    stablecoin, settlement, domain, second_customer, relayer, operator, node, reserve_authorization, voucher
):
    args = reserve_authorization(second_customer, node, AMOUNT)
    receipt = settlement.reserve_with_authorization(second_customer.address, node, *args, sender=relayer)
    assert [e.args for e in receipt.filter("Reserved")] == [
        {"payer": second_customer.address, "node_id": node, "amount": AMOUNT, "reservation": AMOUNT}
    ]
    assert settlement.reserved(second_customer.address, node) == AMOUNT
    assert settlement.prepaid(second_customer.address) == 0
    assert stablecoin.balanceOf(settlement) == AMOUNT
    # the node is paid from it
    paid = voucher(node, AMOUNT, payer=second_customer)
    receipt = settlement.settle(*signed_batch(domain, [paid], second_customer), sender=operator)
    assert node_paid(receipt)[node][0] == AMOUNT


def test_a_reservation_authorization_is_bound_to_its_node_and_cannot_be_replayed(
    settlement, second_customer, relayer, node, second_node, reserve_authorization
):
    args = reserve_authorization(second_customer, node, AMOUNT)
    with reverts(INVALID_SIGNATURE):
        settlement.reserve_with_authorization(second_customer.address, second_node, *args, sender=relayer)
    # nor can it be used as a deposit or a direct payment
    with reverts(INVALID_SIGNATURE):
        settlement.deposit_with_authorization(second_customer.address, *args, sender=relayer)
    with reverts(INVALID_SIGNATURE):
        settlement.pay_with_authorization(node, second_customer.address, *args, sender=relayer)
    settlement.reserve_with_authorization(second_customer.address, node, *args, sender=relayer)
    with reverts("stablecoin: authorization is used or canceled"):
        settlement.reserve_with_authorization(second_customer.address, node, *args, sender=relayer)


def test_a_reservation_of_nothing_is_refused(settlement, second_customer, relayer, node, reserve_authorization):
    with reverts("settlement: nothing to pay"):
        settlement.reserve_with_authorization(
            second_customer.address, node, *reserve_authorization(second_customer, node, 0), sender=relayer
        )


def test_a_reservation_by_authorization_is_refused_while_paused(
    settlement, issuer, second_customer, relayer, node, reserve_authorization
):
    args = reserve_authorization(second_customer, node, AMOUNT)
    settlement.pause(sender=issuer)
    with reverts("settlement: paused"):
        settlement.reserve_with_authorization(second_customer.address, node, *args, sender=relayer)


def test_reservation_nonce_differs_from_payment_nonces(settlement):
    salt = keccak(b"salt")
    assert settlement.reservation_nonce(3, salt) == reservation_nonce(3, salt)
    assert reservation_nonce(3, salt) not in (payment_nonce(3, salt), payment_nonce(0, salt))


def test_a_fee_on_transfer_token_reserves_what_arrived(backend, fee_suite, customer, relayer):
    token, settlement = fee_suite.token, fee_suite.settlement
    token.approve(settlement, 1_000 * DOLLAR, sender=customer)
    settlement.deposit(1_000 * DOLLAR, sender=customer)
    settlement.reserve(fee_suite.node, 500 * DOLLAR, sender=customer)
    assert settlement.reservation(customer, fee_suite.node) == 500 * DOLLAR
    assert token.balanceOf(settlement) == settlement.prepaid(customer) + 500 * DOLLAR


def test_an_authorization_to_another_contract_is_refused(
    stable_domain, settlement, second_customer, relayer, attacker, node, backend
):
    salt = keccak(b"elsewhere")
    valid_before = backend.pending_timestamp + HOUR
    document = authorization(
        stable_domain,
        second_customer.address,
        attacker.address,
        AMOUNT,
        0,
        valid_before,
        reservation_nonce(node, salt),
        True,
    )
    signature = sign(second_customer, document)
    with reverts(INVALID_SIGNATURE):
        settlement.reserve_with_authorization(
            second_customer.address, node, AMOUNT, 0, valid_before, salt, *signature.vrs, sender=relayer
        )


def test_a_reservation_past_what_settlement_may_owe_is_refused(
    stablecoin, settlement, second_customer, issuer, attacker, relayer, node, reserve_authorization
):
    fill_to_the_bound(settlement, stablecoin, issuer, attacker, AMOUNT - 1)
    args = reserve_authorization(second_customer, node, AMOUNT)
    with reverts("settlement: holdings above 2**128 - 1"):
        settlement.reserve_with_authorization(second_customer.address, node, *args, sender=relayer)
    args = reserve_authorization(second_customer, node, AMOUNT - 1)
    settlement.reserve_with_authorization(second_customer.address, node, *args, sender=relayer)
    assert settlement.owed() == 2**128 - 1 == stablecoin.balanceOf(settlement)
    assert settlement.reservation(second_customer.address, node) == AMOUNT - 1
