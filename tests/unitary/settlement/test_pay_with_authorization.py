"""Settlement.pay_with_authorization: one-shot EIP-3009 payments bound to their node.

The payer signs a ReceiveWithAuthorization to Settlement whose nonce is
`payment_nonce(node_id, salt)` (computerwa.client.vouchers.payment_authorization).
"""

import pytest
from eth_utils import keccak

from computerwa.client.signing import sign
from computerwa.client.vouchers import payment_authorization, payment_nonce
from computerwa.evm.chain import reverts
from computerwa.models.settlement import split
from tests.conftest import FEE_BPS
from tests.unitary.settlement.conftest import (
    DOLLAR,
    HOUR,
    INVALID_SIGNATURE,
    SECOND_CUSTOMER_FUNDS,
    SHARE,
    UNKNOWN_NODE_ID,
    assert_solvent,
    fill_to_the_bound,
    node_paid,
    revenue_deposits,
)

AMOUNT = 7_777_777
SALT = keccak(b"x402 request 1")


@pytest.fixture
def signed_payment(backend, stable_domain, settlement, second_customer):
    """`signed_payment(node_id, amount=AMOUNT, salt=SALT, ...)`: (arguments after node_id)."""

    def make(node_id, amount=AMOUNT, salt=SALT, valid_after=0, valid_before=None, key=second_customer):
        if valid_before is None:
            valid_before = backend.pending_timestamp + HOUR
        document = payment_authorization(
            stable_domain, key.address, settlement.address, amount, node_id, salt, valid_after, valid_before
        )
        return (key.address, amount, valid_after, valid_before, salt, *sign(key, document).vrs)

    return make


def test_direct_payment_is_split_exactly_and_logged(
    stablecoin,
    settlement,
    node,
    node_token,
    second_customer,
    operator,
    treasury,
    relayer,
    signed_payment,
):
    fee, operator_amount, holders = split(AMOUNT, FEE_BPS, SHARE)
    receipt = settlement.pay_with_authorization(node, *signed_payment(node), sender=relayer)

    assert receipt.return_value == AMOUNT
    assert [e.args for e in receipt.filter("DirectPayment")] == [
        {"payer": second_customer.address, "node_id": node, "nonce": payment_nonce(node, SALT), "amount": AMOUNT}
    ]
    assert node_paid(receipt) == {node: (AMOUNT, fee, operator_amount, holders)}
    assert revenue_deposits(receipt) == [(node_token.address, holders)]
    assert fee + operator_amount + holders == AMOUNT
    assert settlement.earnings(operator) == operator_amount
    assert settlement.earnings(treasury) == fee
    assert stablecoin.balanceOf(node_token) == holders
    assert stablecoin.balanceOf(second_customer.address) == SECOND_CUSTOMER_FUNDS - AMOUNT
    assert stablecoin.authorizationState(second_customer.address, payment_nonce(node, SALT))
    # a direct payment touches no prepaid balance or channel
    assert settlement.available(second_customer.address) == 0
    assert settlement.settled(second_customer.address, node) == 0
    assert_solvent(stablecoin, settlement, [second_customer.address], [operator, treasury])


def test_anyone_may_submit_a_direct_payment(settlement, node, attacker, operator, signed_payment):
    settlement.pay_with_authorization(node, *signed_payment(node), sender=attacker)
    assert settlement.earnings(operator) == split(AMOUNT, FEE_BPS, SHARE)[1]


def test_authorization_for_one_node_cannot_pay_another(
    settlement, node, second_node, second_operator, attacker, signed_payment
):
    with reverts(INVALID_SIGNATURE):
        settlement.pay_with_authorization(second_node, *signed_payment(node), sender=attacker)
    assert settlement.earnings(second_operator) == 0


def test_authorization_with_another_salt_is_refused(settlement, node, relayer, signed_payment):
    payer, amount, after, before, _, v, r, s = signed_payment(node)
    with reverts(INVALID_SIGNATURE):
        settlement.pay_with_authorization(node, payer, amount, after, before, keccak(b"other"), v, r, s, sender=relayer)


def test_authorization_for_another_amount_is_refused(settlement, node, relayer, signed_payment):
    payer, amount, after, before, salt, v, r, s = signed_payment(node)
    with reverts(INVALID_SIGNATURE):
        settlement.pay_with_authorization(node, payer, amount + 1, after, before, salt, v, r, s, sender=relayer)


def test_payment_to_an_unknown_node_is_refused(settlement, relayer, signed_payment):
    with reverts("settlement: unknown node"):
        settlement.pay_with_authorization(UNKNOWN_NODE_ID, *signed_payment(UNKNOWN_NODE_ID), sender=relayer)


def test_payment_of_nothing_is_refused(settlement, node, relayer, signed_payment):
    with reverts("settlement: nothing to pay"):
        settlement.pay_with_authorization(node, *signed_payment(node, amount=0), sender=relayer)


def test_payment_before_its_window_opens_is_refused(backend, settlement, node, relayer, signed_payment):
    with reverts("stablecoin: authorization is not yet valid"):
        settlement.pay_with_authorization(
            node, *signed_payment(node, valid_after=backend.pending_timestamp), sender=relayer
        )


def test_payment_once_its_window_closed_is_refused(backend, settlement, node, relayer, signed_payment):
    with reverts("stablecoin: authorization is expired"):
        settlement.pay_with_authorization(
            node, *signed_payment(node, valid_before=backend.pending_timestamp), sender=relayer
        )


def test_payment_is_valid_strictly_inside_its_window(backend, settlement, node, relayer, signed_payment):
    now = backend.pending_timestamp
    receipt = settlement.pay_with_authorization(
        node, *signed_payment(node, valid_after=now - 1, valid_before=now + 1), sender=relayer
    )
    assert receipt.return_value == AMOUNT


def test_a_direct_payment_cannot_be_replayed(settlement, node, operator, relayer, signed_payment):
    payment = signed_payment(node)
    settlement.pay_with_authorization(node, *payment, sender=relayer)
    with reverts("stablecoin: authorization is used or canceled"):
        settlement.pay_with_authorization(node, *payment, sender=relayer)
    assert settlement.earnings(operator) == split(AMOUNT, FEE_BPS, SHARE)[1]


def test_payment_above_the_payers_funds_fails_and_pays_nothing(
    stablecoin, settlement, node, operator, relayer, signed_payment
):
    with reverts():
        settlement.pay_with_authorization(node, *signed_payment(node, amount=SECOND_CUSTOMER_FUNDS + 1), sender=relayer)
    assert settlement.earnings(operator) == 0
    assert stablecoin.balanceOf(settlement) == 0


def test_direct_payment_is_refused_while_paused(settlement, node, issuer, relayer, signed_payment):
    settlement.pause(sender=issuer)
    with reverts("settlement: paused"):
        settlement.pay_with_authorization(node, *signed_payment(node), sender=relayer)


def test_payment_nonce_view_is_the_helpers_nonce(settlement, node):
    assert settlement.payment_nonce(node, SALT) == payment_nonce(node, SALT)
    assert settlement.payment_nonce(node + 1, SALT) != payment_nonce(node, SALT)


def test_a_front_runner_cannot_turn_a_direct_payment_into_a_deposit(
    settlement, node, second_customer, operator, attacker, relayer, signed_payment
):
    payer, amount, after, before, salt, v, r, s = signed_payment(node)
    # the payment's authorization, submitted first as a deposit: a deposit's nonce is
    # derived from node id 0, so the signature does not match
    with reverts("stablecoin: invalid signature"):
        settlement.deposit_with_authorization(payer, amount, after, before, salt, v, r, s, sender=attacker)
    settlement.pay_with_authorization(node, payer, amount, after, before, salt, v, r, s, sender=relayer)
    assert settlement.earnings(operator) == split(AMOUNT, FEE_BPS, SHARE)[1]
    assert settlement.available(second_customer.address) == 0


def test_dollar_payment_to_a_node_pays_the_holders_their_remainder(
    settlement, node, node_token, stablecoin, relayer, signed_payment
):
    settlement.pay_with_authorization(node, *signed_payment(node, amount=DOLLAR + 1), sender=relayer)
    fee, operator_amount, holders = split(DOLLAR + 1, FEE_BPS, SHARE)
    assert (fee, operator_amount, holders) == (25_000, 300_000, 675_001)
    assert stablecoin.balanceOf(node_token) == holders


def test_a_payment_past_what_settlement_may_owe_is_refused(
    stablecoin, settlement, node, issuer, attacker, relayer, signed_payment, second_customer
):
    """What arrives is owed until the token pulls the holders' part: it counts against the
    2**128 - 1 bound first, and a payment past it takes nothing from the payer."""
    fill_to_the_bound(settlement, stablecoin, issuer, attacker, AMOUNT - 1)
    with reverts("settlement: holdings above 2**128 - 1"):
        settlement.pay_with_authorization(node, *signed_payment(node), sender=relayer)
    assert stablecoin.balanceOf(second_customer.address) == SECOND_CUSTOMER_FUNDS
    fill = 2**128 - 1 - (AMOUNT - 1)
    settlement.pay_with_authorization(node, *signed_payment(node, amount=AMOUNT - 1), sender=relayer)
    holders = split(AMOUNT - 1, FEE_BPS, SHARE)[2]
    assert settlement.owed() == fill + AMOUNT - 1 - holders == stablecoin.balanceOf(settlement)
