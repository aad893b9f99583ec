"""Settlement views: the EIP-5267 domain, payment nonces and the per-account reads."""

import pytest
from eth_utils import keccak

from computerwa.client.signing import Domain
from computerwa.client.vouchers import payment_nonce
from computerwa.models.settlement import split
from tests.conftest import FEE_BPS, PAUSE_LIMIT, WITHDRAWAL_DELAY, WITHDRAWAL_WINDOW
from tests.unitary.settlement.conftest import DOLLAR, SHARE, signed_batch


def test_eip712_domain_names_the_settlement_version_chain_and_contract(backend, settlement):
    fields, name, version, chain_id, verifying_contract, salt, extensions = settlement.eip712Domain()
    assert fields == b"\x0f"
    assert (name, version) == ("ComputeRWA Settlement", "1")
    assert chain_id == backend.chain_id
    assert verifying_contract == settlement.address
    assert salt == b"\x00" * 32
    assert list(extensions) == []
    assert Domain.of(settlement) == Domain("ComputeRWA Settlement", "1", backend.chain_id, settlement.address)


@pytest.mark.parametrize(
    ("node_id", "salt"),
    [(0, b"\x00" * 32), (1, keccak(b"salt")), (2**256 - 1, b"\xff" * 32), (7, keccak(b"x402"))],
)
def test_payment_nonce_is_keccak_of_the_node_and_salt(settlement, node_id, salt):
    assert settlement.payment_nonce(node_id, salt) == payment_nonce(node_id, salt)


def test_accounts_start_with_nothing(settlement, customer, node):
    assert settlement.available(customer) == 0
    assert settlement.prepaid(customer) == 0
    assert settlement.settled(customer, node) == 0
    assert settlement.earnings(customer) == 0
    assert settlement.withdrawal_request(customer) == (0, 0, 0)


def test_a_never_paused_clock_is_the_block_time_and_a_pause_may_start_at_once(backend, settlement):
    assert settlement.clock() == backend.timestamp
    assert settlement.paused_until() == 0
    assert settlement.next_pause_at() == PAUSE_LIMIT  # the time of no pause, plus the limit: long past


def test_views_follow_a_deposit_a_voucher_and_a_request(
    backend, settlement, domain, node, customer, operator, treasury, relayer, prepaid, voucher
):
    settlement.settle(*signed_batch(domain, [voucher(node, 20 * DOLLAR + 1)], customer), sender=relayer)
    now = backend.pending_timestamp
    settlement.request_withdrawal(DOLLAR, sender=customer)
    fee, operator_amount, _ = split(20 * DOLLAR + 1, FEE_BPS, SHARE)
    assert settlement.prepaid(customer) == prepaid - 20 * DOLLAR - 1
    assert settlement.available(customer) == prepaid - 20 * DOLLAR - 1 - DOLLAR
    assert settlement.settled(customer, node) == 20 * DOLLAR + 1
    assert settlement.settled(customer, node + 1) == 0
    assert settlement.earnings(operator) == operator_amount
    assert settlement.earnings(treasury) == fee
    assert settlement.withdrawal_request(customer) == (
        DOLLAR,
        now + WITHDRAWAL_DELAY,
        now + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW,
    )


def test_earnings_of_a_treasury_that_is_also_an_operator_add_up(
    backend, registry, settlement, domain, customer, treasury, relayer, prepaid, voucher, identity, issuer
):
    from tests.unitary.settlement.conftest import register

    identity.set_verified(treasury, 2**40, sender=issuer)  # an operator is verified to register
    own_node = register(registry, treasury, SHARE)
    settlement.settle(*signed_batch(domain, [voucher(own_node, 40 * DOLLAR)], customer), sender=relayer)
    fee, operator_amount, _ = split(40 * DOLLAR, FEE_BPS, SHARE)
    assert settlement.earnings(treasury) == fee + operator_amount
    assert settlement.withdraw_earnings(treasury, sender=treasury).return_value == fee + operator_amount
    assert settlement.earnings(treasury) == 0
