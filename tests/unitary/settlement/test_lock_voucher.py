"""Settlement.lock_voucher: a contract wallet's (ERC-1271) voucher checked once and locked
for its (payer, node) channel, so the wallet cannot revoke it later (issue #15 item 5, SET-14).
"""

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.client.vouchers import sign_voucher
from computerwa.evm.chain import reverts
from computerwa.models.settlement import EXPIRED, INVALID_SIGNATURE, NOTHING_DUE
from tests.unitary.settlement.conftest import DOLLAR, HOUR, signed_batch, skipped

AMOUNT = 12_345_679
FUNDS = 5_000 * DOLLAR
NO_SIGNATURE = (b"\x00" * 32, b"\x00" * 32)


def _call(signature: str, types: list[str], values: list) -> bytes:
    return keccak(text=signature)[:4] + abi_encode(types, values)


@pytest.fixture
def wallet(backend, stablecoin, settlement, customer):
    """The customer's smart account (MockWallet, customer key), holding $5,000 prepaid."""
    wallet = backend.deploy("MockWallet", customer.address, sender=customer)
    stablecoin.transfer(wallet, FUNDS, sender=customer)
    wallet.execute(
        stablecoin,
        _call("approve(address,uint256)", ["address", "uint256"], [settlement.address, FUNDS]),
        sender=customer,
    )
    wallet.execute(settlement, _call("deposit(uint256)", ["uint256"], [FUNDS]), sender=customer)
    return wallet


def lock(settlement, domain, paid, key, sender):
    return settlement.lock_voucher(paid.as_tuple(), sign_voucher(domain, paid, key), sender=sender)


def test_a_contract_wallet_cannot_revoke_a_locked_voucher(
    backend, settlement, domain, node, customer, operator, relayer, wallet, voucher
):
    paid = voucher(node, AMOUNT, payer=wallet.address)
    lock(settlement, domain, paid, customer, operator)
    # the wallet rotates its signer: every signature it approved is refused from now on
    wallet.set_valid(False, sender=customer)
    assert not settlement.settle(*signed_batch(domain, [paid], customer), sender=relayer).filter("VoucherSkipped")
    assert settlement.settled(wallet, node) == AMOUNT
    assert settlement.prepaid(wallet) == FUNDS - AMOUNT


def test_lock_voucher_records_the_lock_and_logs_it(settlement, domain, node, customer, operator, wallet, voucher):
    paid = voucher(node, AMOUNT, payer=wallet.address)
    receipt = lock(settlement, domain, paid, customer, operator)
    assert [e.args for e in receipt.filter("VoucherLocked")] == [
        {"payer": wallet.address, "node_id": node, "cumulative_amount": AMOUNT, "deadline": paid.deadline}
    ]
    assert settlement.locked(wallet, node) == (AMOUNT, paid.deadline)


def test_a_locked_voucher_settles_without_any_signature(settlement, domain, node, customer, relayer, wallet, voucher):
    paid = voucher(node, AMOUNT, payer=wallet.address)
    lock(settlement, domain, paid, customer, relayer)
    receipt = settlement.settle([paid.as_tuple()], [NO_SIGNATURE], sender=relayer)
    assert receipt.return_value == AMOUNT
    assert settlement.settled(wallet, node) == AMOUNT


def test_a_lock_covers_smaller_vouchers_but_never_more_than_was_signed(
    settlement, domain, node, customer, relayer, wallet, voucher
):
    paid = voucher(node, AMOUNT, payer=wallet.address)
    lock(settlement, domain, paid, customer, relayer)
    wallet.set_valid(False, sender=customer)
    smaller = voucher(node, AMOUNT - 1, payer=wallet.address)
    assert settlement.settle([smaller.as_tuple()], [NO_SIGNATURE], sender=relayer).return_value == AMOUNT - 1
    more = voucher(node, AMOUNT + 1, payer=wallet.address)
    receipt = settlement.settle([more.as_tuple()], [NO_SIGNATURE], sender=relayer)
    assert skipped(receipt) == [(wallet.address, node, AMOUNT + 1, INVALID_SIGNATURE)]
    assert settlement.settle([paid.as_tuple()], [NO_SIGNATURE], sender=relayer).return_value == 1
    receipt = settlement.settle([paid.as_tuple()], [NO_SIGNATURE], sender=relayer)
    assert skipped(receipt) == [(wallet.address, node, AMOUNT, NOTHING_DUE)]
    assert settlement.settled(wallet, node) == AMOUNT


def test_a_lock_ends_at_the_locked_vouchers_deadline(
    backend, settlement, domain, node, customer, relayer, wallet, voucher
):
    paid = voucher(node, AMOUNT, payer=wallet.address)
    lock(settlement, domain, paid, customer, relayer)
    wallet.set_valid(False, sender=customer)
    # a voucher of a later deadline is covered only until the lock's own deadline
    later = voucher(node, AMOUNT, payer=wallet.address, deadline=paid.deadline + HOUR)
    backend.sleep(paid.deadline - backend.pending_timestamp + 1)
    receipt = settlement.settle([later.as_tuple()], [NO_SIGNATURE], sender=relayer)
    assert skipped(receipt) == [(wallet.address, node, AMOUNT, INVALID_SIGNATURE)]
    receipt = settlement.settle([paid.as_tuple()], [NO_SIGNATURE], sender=relayer)
    assert skipped(receipt) == [(wallet.address, node, AMOUNT, EXPIRED)]
    assert settlement.settled(wallet, node) == 0


def test_a_lock_settles_at_its_deadline(backend, settlement, domain, node, customer, relayer, wallet, voucher):
    paid = voucher(node, AMOUNT, payer=wallet.address)
    lock(settlement, domain, paid, customer, relayer)
    wallet.set_valid(False, sender=customer)
    backend.sleep(paid.deadline - backend.pending_timestamp)
    assert settlement.settle([paid.as_tuple()], [NO_SIGNATURE], sender=relayer).return_value == AMOUNT


def test_a_lock_is_per_channel(settlement, domain, node, second_node, customer, relayer, wallet, voucher):
    lock(settlement, domain, voucher(node, AMOUNT, payer=wallet.address), customer, relayer)
    wallet.set_valid(False, sender=customer)
    other = voucher(second_node, AMOUNT, payer=wallet.address)
    receipt = settlement.settle([other.as_tuple()], [NO_SIGNATURE], sender=relayer)
    assert skipped(receipt) == [(wallet.address, second_node, AMOUNT, INVALID_SIGNATURE)]


def test_a_larger_voucher_replaces_the_lock(settlement, domain, node, customer, relayer, wallet, voucher):
    lock(settlement, domain, voucher(node, AMOUNT, payer=wallet.address), customer, relayer)
    bigger = voucher(node, 2 * AMOUNT, payer=wallet.address)
    lock(settlement, domain, bigger, customer, relayer)
    assert settlement.locked(wallet, node) == (2 * AMOUNT, bigger.deadline)


def test_a_lock_that_ended_or_was_settled_can_be_replaced_by_a_shorter_one(
    backend, settlement, domain, node, customer, relayer, wallet, voucher
):
    long = voucher(node, AMOUNT, payer=wallet.address, deadline=backend.pending_timestamp + 10 * HOUR)
    lock(settlement, domain, long, customer, relayer)
    settlement.settle([long.as_tuple()], [NO_SIGNATURE], sender=relayer)
    short = voucher(node, 2 * AMOUNT, payer=wallet.address)
    lock(settlement, domain, short, customer, relayer)
    assert settlement.locked(wallet, node) == (2 * AMOUNT, short.deadline)
    backend.sleep(short.deadline - backend.pending_timestamp + 1)
    shorter = voucher(node, 3 * AMOUNT, payer=wallet.address, deadline=backend.pending_timestamp + 60)
    lock(settlement, domain, shorter, customer, relayer)
    assert settlement.locked(wallet, node) == (3 * AMOUNT, shorter.deadline)


def test_a_far_deadline_is_locked_as_the_largest_128_bit_time(
    settlement, domain, node, customer, relayer, wallet, voucher
):
    forever = voucher(node, AMOUNT, payer=wallet.address, deadline=2**256 - 1)
    lock(settlement, domain, forever, customer, relayer)
    assert settlement.locked(wallet, node) == (AMOUNT, 2**128 - 1)
    wallet.set_valid(False, sender=customer)
    assert settlement.settle([forever.as_tuple()], [NO_SIGNATURE], sender=relayer).return_value == AMOUNT


def test_a_lock_works_while_paused(settlement, domain, node, customer, issuer, relayer, wallet, voucher):
    settlement.pause(sender=issuer)
    paid = voucher(node, AMOUNT, payer=wallet.address)
    lock(settlement, domain, paid, customer, relayer)
    settlement.unpause(sender=issuer)
    wallet.set_valid(False, sender=customer)
    assert settlement.settle([paid.as_tuple()], [NO_SIGNATURE], sender=relayer).return_value == AMOUNT


def test_locked_is_zero_without_a_lock(settlement, node, wallet):
    assert settlement.locked(wallet, node) == (0, 0)


# --- refusals ------------------------------------------------------------------------------------
def test_an_eoa_voucher_cannot_be_locked(settlement, domain, node, customer, relayer, voucher):
    with reverts("settlement: an EOA's voucher needs no lock"):
        lock(settlement, domain, voucher(node, AMOUNT), customer, relayer)


def test_an_expired_voucher_cannot_be_locked(backend, settlement, domain, node, customer, relayer, wallet, voucher):
    paid = voucher(node, AMOUNT, payer=wallet.address, deadline=backend.pending_timestamp - 1)
    with reverts("settlement: voucher expired"):
        lock(settlement, domain, paid, customer, relayer)


def test_a_wrongly_signed_voucher_cannot_be_locked(
    settlement, domain, node, attacker, customer, relayer, wallet, voucher
):
    paid = voucher(node, AMOUNT, payer=wallet.address)
    with reverts("settlement: the wallet refuses the signature"):
        lock(settlement, domain, paid, attacker, relayer)
    wallet.set_valid(False, sender=customer)
    with reverts("settlement: the wallet refuses the signature"):
        lock(settlement, domain, paid, customer, relayer)


def test_a_voucher_above_128_bits_cannot_be_locked(settlement, domain, node, customer, relayer, wallet, voucher):
    with reverts("settlement: voucher amount above 2**128 - 1"):
        lock(settlement, domain, voucher(node, 2**128, payer=wallet.address), customer, relayer)


def test_a_settled_voucher_cannot_be_locked(settlement, domain, node, customer, relayer, wallet, voucher):
    paid = voucher(node, AMOUNT, payer=wallet.address)
    settlement.settle(*signed_batch(domain, [paid], customer), sender=relayer)
    with reverts("settlement: voucher already settled"):
        lock(settlement, domain, paid, customer, relayer)


def test_a_lock_is_never_lowered(settlement, domain, node, customer, attacker, relayer, wallet, voucher):
    # anyone may lock: an older, smaller voucher of the wallet cannot replace a larger lock
    lock(settlement, domain, voucher(node, AMOUNT, payer=wallet.address), customer, relayer)
    older = voucher(node, AMOUNT, payer=wallet.address)
    with reverts("settlement: a voucher at least as large is locked"):
        lock(settlement, domain, older, customer, attacker)


def test_a_live_lock_is_never_shortened(
    backend, settlement, domain, node, customer, attacker, relayer, wallet, voucher
):
    # the wallet signs a larger voucher that ends sooner: it cannot cut a node's live lock short
    long = voucher(node, AMOUNT, payer=wallet.address, deadline=backend.pending_timestamp + 10 * HOUR)
    lock(settlement, domain, long, customer, relayer)
    short = voucher(node, 2 * AMOUNT, payer=wallet.address, deadline=long.deadline - 1)
    with reverts("settlement: the locked voucher lasts longer; settle it first"):
        lock(settlement, domain, short, customer, attacker)
