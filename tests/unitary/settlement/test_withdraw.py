"""Settlement.request_withdrawal, withdraw and withdraw_earnings.

A prepaid balance leaves in two steps, WITHDRAWAL_DELAY apart, so nodes can settle their
last vouchers first; earnings (fees, operator shares) are pulled at once, to any receiver.
"""

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.evm.chain import reverts
from computerwa.models.settlement import MAX_FEE_BPS, split
from tests.conftest import FEE_BPS, FEE_DELAY, NODE_REGION, WITHDRAWAL_DELAY, WITHDRAWAL_WINDOW
from tests.unitary.settlement.conftest import DOLLAR, PRICE, SHARE, SLA, THIRD_SHARE, assert_solvent, signed_batch

REQUEST = 4_000 * DOLLAR + 7


def sleep_until(backend, timestamp):
    backend.sleep(timestamp - backend.pending_timestamp)


def requested(receipt):
    return [e.args for e in receipt.filter("WithdrawalRequested")]


# --- request_withdrawal --------------------------------------------------------------------------
def test_request_records_the_amount_and_when_it_can_be_paid(backend, settlement, customer, prepaid):
    now = backend.pending_timestamp
    receipt = settlement.request_withdrawal(REQUEST, sender=customer)
    window = (now + WITHDRAWAL_DELAY, now + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW)
    assert requested(receipt) == [
        {"payer": customer.address, "amount": REQUEST, "available_at": window[0], "expires_at": window[1]}
    ]
    assert settlement.withdrawal_request(customer) == (REQUEST, *window)
    # from the request on, nodes no longer count it as available, though they can still charge it
    assert settlement.available(customer) == prepaid - REQUEST
    assert settlement.prepaid(customer) == prepaid


def test_request_of_nothing_is_refused(settlement, customer, prepaid):
    with reverts("settlement: nothing to withdraw"):
        settlement.request_withdrawal(0, sender=customer)


def test_request_above_the_balance_is_refused(settlement, customer, attacker, prepaid):
    with reverts("settlement: amount above the balance"):
        settlement.request_withdrawal(prepaid + 1, sender=customer)
    with reverts("settlement: amount above the balance"):
        settlement.request_withdrawal(1, sender=attacker)


def test_request_of_the_whole_balance_is_accepted(settlement, customer, prepaid):
    settlement.request_withdrawal(prepaid, sender=customer)
    assert settlement.withdrawal_request(customer)[0] == prepaid


def test_a_new_request_replaces_the_pending_one_and_restarts_the_delay(backend, settlement, customer, prepaid):
    settlement.request_withdrawal(REQUEST, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY // 2)
    now = backend.pending_timestamp
    settlement.request_withdrawal(DOLLAR, sender=customer)
    assert settlement.withdrawal_request(customer) == (
        DOLLAR,
        now + WITHDRAWAL_DELAY,
        now + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW,
    )
    assert settlement.available(customer) == prepaid - DOLLAR
    sleep_until(backend, now + WITHDRAWAL_DELAY - 1)
    with reverts("settlement: withdrawal not available yet"):
        settlement.withdraw(customer, sender=customer)


# --- withdraw --------------------------------------------------------------------------------------
def test_withdraw_without_a_request_is_refused(settlement, customer, prepaid):
    with reverts("settlement: no withdrawal requested"):
        settlement.withdraw(customer, sender=customer)


def test_withdraw_one_second_early_fails_and_at_available_at_pays(backend, stablecoin, settlement, customer, prepaid):
    now = backend.pending_timestamp
    settlement.request_withdrawal(REQUEST, sender=customer)
    sleep_until(backend, now + WITHDRAWAL_DELAY - 1)
    with reverts("settlement: withdrawal not available yet"):
        settlement.withdraw(customer, sender=customer)
    sleep_until(backend, now + WITHDRAWAL_DELAY)
    before = stablecoin.balanceOf(customer)
    receipt = settlement.withdraw(customer, sender=customer)
    assert receipt.timestamp == now + WITHDRAWAL_DELAY
    assert receipt.return_value == REQUEST
    assert [e.args for e in receipt.filter("Withdrawn")] == [
        {"payer": customer.address, "receiver": customer.address, "amount": REQUEST}
    ]
    assert stablecoin.balanceOf(customer) == before + REQUEST
    assert settlement.available(customer) == prepaid - REQUEST
    assert settlement.withdrawal_request(customer) == (0, 0, 0)
    assert_solvent(stablecoin, settlement, [customer], [])


def test_withdraw_pays_any_receiver_the_payer_names(backend, stablecoin, settlement, customer, receiver, prepaid):
    settlement.request_withdrawal(REQUEST, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY)
    receipt = settlement.withdraw(receiver, sender=customer)
    assert receipt.filter("Withdrawn")[0].args == {"payer": customer.address, "receiver": receiver, "amount": REQUEST}
    assert stablecoin.balanceOf(receiver) == REQUEST


def test_a_withdrawal_is_paid_once(backend, settlement, customer, prepaid):
    settlement.request_withdrawal(REQUEST, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY)
    settlement.withdraw(customer, sender=customer)
    with reverts("settlement: no withdrawal requested"):
        settlement.withdraw(customer, sender=customer)
    assert settlement.available(customer) == prepaid - REQUEST


def test_nobody_withdraws_someone_elses_request(backend, settlement, customer, attacker, prepaid):
    settlement.request_withdrawal(REQUEST, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY)
    with reverts("settlement: no withdrawal requested"):
        settlement.withdraw(attacker, sender=attacker)


def test_vouchers_can_still_charge_a_pending_withdrawal(
    backend, stablecoin, settlement, domain, node, customer, relayer, prepaid, voucher
):
    settlement.request_withdrawal(prepaid, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY - 10)
    settlement.settle(*signed_batch(domain, [voucher(node, 2_500 * DOLLAR + 3)], customer), sender=relayer)
    assert settlement.prepaid(customer) == prepaid - 2_500 * DOLLAR - 3
    assert settlement.available(customer) == 0  # all of what is left is requested
    backend.sleep(10)
    receipt = settlement.withdraw(customer, sender=customer)
    # min(request, balance left)
    assert receipt.return_value == prepaid - 2_500 * DOLLAR - 3
    assert settlement.available(customer) == 0


def test_withdraw_pays_the_request_when_vouchers_left_enough(
    backend, settlement, domain, node, customer, relayer, prepaid, voucher
):
    settlement.request_withdrawal(REQUEST, sender=customer)
    settlement.settle(*signed_batch(domain, [voucher(node, 1_000 * DOLLAR)], customer), sender=relayer)
    backend.sleep(WITHDRAWAL_DELAY)
    assert settlement.withdraw(customer, sender=customer).return_value == REQUEST
    assert settlement.available(customer) == prepaid - 1_000 * DOLLAR - REQUEST


def test_withdraw_after_vouchers_took_everything_pays_nothing_and_clears_the_request(
    backend, stablecoin, settlement, domain, node, customer, relayer, prepaid, voucher
):
    settlement.request_withdrawal(REQUEST, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY - 5)
    settlement.settle(*signed_batch(domain, [voucher(node, prepaid)], customer), sender=relayer)
    backend.sleep(5)
    before = stablecoin.balanceOf(customer)
    receipt = settlement.withdraw(customer, sender=customer)
    assert receipt.return_value == 0
    assert receipt.filter("Withdrawn")[0].args["amount"] == 0
    assert receipt.filter("Transfer") == []
    assert stablecoin.balanceOf(customer) == before
    assert settlement.withdrawal_request(customer) == (0, 0, 0)


# --- expiry -----------------------------------------------------------------------------------------
def test_a_matured_request_is_paid_up_to_the_last_second_of_its_window(backend, settlement, customer, prepaid):
    requested_at = settlement.request_withdrawal(REQUEST, sender=customer).timestamp
    sleep_until(backend, requested_at + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW - 1)
    assert settlement.withdraw(customer, sender=customer).return_value == REQUEST


def test_a_request_not_paid_within_its_window_expires(backend, stablecoin, settlement, customer, prepaid):
    requested_at = settlement.request_withdrawal(REQUEST, sender=customer).timestamp
    sleep_until(backend, requested_at + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW)
    before = stablecoin.balanceOf(customer)
    with reverts("settlement: withdrawal request expired"):
        settlement.withdraw(customer, sender=customer)
    assert stablecoin.balanceOf(customer) == before
    assert settlement.prepaid(customer) == prepaid


def test_an_expired_request_is_available_to_nodes_again_and_reads_as_none(
    backend, settlement, customer, prepaid, mine_at
):
    requested_at = settlement.request_withdrawal(REQUEST, sender=customer).timestamp
    expires_at = requested_at + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW
    mine_at(expires_at - 1)
    assert settlement.available(customer) == prepaid - REQUEST
    assert settlement.withdrawal_request(customer) == (REQUEST, requested_at + WITHDRAWAL_DELAY, expires_at)
    mine_at(expires_at)
    assert settlement.available(customer) == prepaid
    assert settlement.withdrawal_request(customer) == (0, 0, 0)
    assert settlement.prepaid(customer) == prepaid


def test_after_expiry_a_new_request_waits_the_whole_delay_again(backend, settlement, customer, prepaid):
    requested_at = settlement.request_withdrawal(REQUEST, sender=customer).timestamp
    sleep_until(backend, requested_at + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW + 5)
    again = settlement.request_withdrawal(REQUEST, sender=customer).timestamp
    assert settlement.available(customer) == prepaid - REQUEST
    sleep_until(backend, again + WITHDRAWAL_DELAY - 1)
    with reverts("settlement: withdrawal not available yet"):
        settlement.withdraw(customer, sender=customer)
    assert settlement.withdraw(customer, sender=customer).return_value == REQUEST


def test_available_is_net_of_a_request_and_never_below_zero(
    backend, settlement, domain, node, customer, relayer, prepaid, voucher
):
    settlement.request_withdrawal(REQUEST, sender=customer)
    assert settlement.available(customer) == prepaid - REQUEST
    # vouchers charge the balance down to below the request: nothing is available, the rest
    # is what the payer can still withdraw
    settlement.settle(*signed_batch(domain, [voucher(node, prepaid - REQUEST + 5)], customer), sender=relayer)
    assert settlement.prepaid(customer) == REQUEST - 5
    assert settlement.available(customer) == 0
    backend.sleep(WITHDRAWAL_DELAY)
    assert settlement.withdraw(customer, sender=customer).return_value == REQUEST - 5


# --- withdraw_earnings ------------------------------------------------------------------------------
def _earn(settlement, domain, node, customer, relayer, voucher, amount):
    settlement.settle(*signed_batch(domain, [voucher(node, amount)], customer), sender=relayer)
    return split(amount, FEE_BPS, SHARE)


def test_treasury_withdraws_its_fees_to_any_receiver(
    stablecoin, settlement, domain, node, customer, operator, treasury, receiver, relayer, prepaid, voucher
):
    fee, operator_amount, _ = _earn(settlement, domain, node, customer, relayer, voucher, 333 * DOLLAR + 33)
    receipt = settlement.withdraw_earnings(receiver, sender=treasury)
    assert receipt.return_value == fee
    assert [e.args for e in receipt.filter("EarningsWithdrawn")] == [
        {"account": treasury.address, "receiver": receiver, "amount": fee}
    ]
    assert stablecoin.balanceOf(receiver) == fee
    assert settlement.earnings(treasury) == 0
    assert settlement.earnings(operator) == operator_amount
    assert_solvent(stablecoin, settlement, [customer], [operator, treasury])


def test_operator_withdraws_its_share_to_itself_or_another_receiver(
    stablecoin, settlement, domain, node, customer, operator, treasury, receiver, relayer, prepaid, voucher
):
    fee, first, _ = _earn(settlement, domain, node, customer, relayer, voucher, 100 * DOLLAR + 1)
    before = stablecoin.balanceOf(operator)
    assert settlement.withdraw_earnings(operator, sender=operator).return_value == first
    assert stablecoin.balanceOf(operator) == before + first
    _, second, _ = split(50 * DOLLAR, FEE_BPS, SHARE)
    _earn(settlement, domain, node, customer, relayer, voucher, 150 * DOLLAR + 1)
    assert settlement.withdraw_earnings(receiver, sender=operator).return_value == second
    assert stablecoin.balanceOf(receiver) == second
    assert settlement.earnings(operator) == 0
    assert settlement.earnings(treasury) == fee + split(50 * DOLLAR, FEE_BPS, SHARE)[0]


def test_withdrawing_no_earnings_is_refused(settlement, attacker, treasury, operator):
    for account in (attacker, treasury, operator):
        with reverts("settlement: no earnings"):
            settlement.withdraw_earnings(account, sender=account)


def test_earnings_are_withdrawn_once(settlement, domain, node, customer, operator, treasury, relayer, prepaid, voucher):
    _earn(settlement, domain, node, customer, relayer, voucher, 10 * DOLLAR)
    for account in (treasury, operator):
        settlement.withdraw_earnings(account, sender=account)
        with reverts("settlement: no earnings"):
            settlement.withdraw_earnings(account, sender=account)


def test_a_customer_has_no_earnings_to_withdraw(settlement, customer, prepaid):
    with reverts("settlement: no earnings"):
        settlement.withdraw_earnings(customer, sender=customer)


EDGE = 2**79 - 1  # the treasury's fees share a slot with the settings, 79 bits wide


@pytest.fixture
def pay_at_max_fee(backend, stablecoin, settlement, domain, third_node, customer, issuer, relayer, voucher):
    """`pay_at_max_fee(funds)`: the customer prepays `funds` and the fee goes to 10%; returns
    `pay(cumulative)`, which settles the customer's voucher to the third node. Its operator
    takes 90%, so the holders get nothing and the fee pool can be driven to its edge."""

    def prepare(funds):
        stablecoin.mint(customer, funds, sender=issuer)
        stablecoin.approve(settlement, funds, sender=customer)
        settlement.deposit(funds, sender=customer)
        settlement.announce_fee(MAX_FEE_BPS, sender=issuer)
        backend.sleep(FEE_DELAY)
        settlement.apply_fee(sender=issuer)

        def pay(cumulative):
            settlement.settle(*signed_batch(domain, [voucher(third_node, cumulative)], customer), sender=relayer)

        return pay

    return prepare


def test_fees_beyond_the_packed_fee_pool_are_kept_in_full(
    stablecoin, settlement, customer, third_operator, treasury, pay_at_max_fee
):
    pay = pay_at_max_fee(10 * EDGE + 10 + 10**9)
    assert split(10 * EDGE, MAX_FEE_BPS, THIRD_SHARE) == (EDGE, 9 * EDGE, 0)
    pay(10 * EDGE)
    assert settlement.earnings(treasury) == EDGE
    pay(10 * EDGE + 10)  # one more base unit of fees: the pool overflows into the earnings slot
    assert settlement.earnings(treasury) == EDGE + 1
    pay(10 * EDGE + 10 + 10**9)
    assert settlement.earnings(treasury) == EDGE + 1 + 10**8
    assert settlement.earnings(third_operator) == 9 * EDGE + 9 + 9 * 10**8
    assert_solvent(stablecoin, settlement, [customer], [third_operator, treasury])
    assert settlement.fee_bps() == MAX_FEE_BPS
    assert settlement.treasury() == treasury.address
    assert not settlement.paused()
    assert settlement.withdraw_earnings(treasury, sender=treasury).return_value == EDGE + 1 + 10**8
    assert settlement.earnings(treasury) == 0
    assert_solvent(stablecoin, settlement, [customer], [third_operator, treasury])


def _call(signature: str, types: list[str], values: list) -> bytes:
    return keccak(text=signature)[:4] + abi_encode(types, values)


def test_a_contract_wallet_withdraws_its_own_balance(backend, stablecoin, settlement, customer):
    # the balance withdrawn is the caller's (the smart account's), not the key's that drives it
    wallet = backend.deploy("MockWallet", customer.address, sender=customer)
    stablecoin.transfer(wallet, REQUEST, sender=customer)
    approve = _call("approve(address,uint256)", ["address", "uint256"], [settlement.address, REQUEST])
    wallet.execute(stablecoin, approve, sender=customer)
    wallet.execute(settlement, _call("deposit(uint256)", ["uint256"], [REQUEST]), sender=customer)
    wallet.execute(settlement, _call("request_withdrawal(uint256)", ["uint256"], [REQUEST]), sender=customer)
    sleep_until(backend, settlement.withdrawal_request(wallet)[1])
    receipt = wallet.execute(settlement, _call("withdraw(address)", ["address"], [wallet.address]), sender=customer)
    assert [e.args for e in receipt.filter("Withdrawn")] == [
        {"payer": wallet.address, "receiver": wallet.address, "amount": REQUEST}
    ]
    assert settlement.available(wallet) == 0
    assert stablecoin.balanceOf(wallet) == REQUEST


def test_a_contract_treasury_and_a_contract_operator_withdraw_their_own_earnings(
    backend, stablecoin, settlement, registry, domain, customer, operator, issuer, relayer, prepaid, voucher, identity
):
    # a multisig treasury and a smart-account operator: what is paid is the contract's, never
    # the earnings of the key that drives it
    treasury = backend.deploy("MockWallet", issuer.address, sender=issuer)
    settlement.set_treasury(treasury, sender=issuer)
    operator_wallet = backend.deploy("MockWallet", operator.address, sender=operator)
    identity.set_verified(operator_wallet, 2**40, sender=issuer)  # an operator is verified to register
    register = _call(
        "register_node(string,string,uint32,uint256,uint16,uint16,string)",
        ["string", "string", "uint32", "uint256", "uint16", "uint16", "string"],
        [NODE_REGION, "H100", 8, PRICE, SHARE, SLA, "ipfs://node"],
    )
    node = operator_wallet.execute(registry, register, sender=operator).filter("NodeRegistered")[0].args["node_id"]
    settlement.settle(*signed_batch(domain, [voucher(node, 100 * DOLLAR)], customer), sender=relayer)
    fee, operator_amount, _ = split(100 * DOLLAR, FEE_BPS, SHARE)
    assert (settlement.earnings(treasury), settlement.earnings(operator_wallet)) == (fee, operator_amount)

    withdraw = _call("withdraw_earnings(address)", ["address"], [operator_wallet.address])
    for key in (operator, issuer):  # the keys themselves earned nothing
        with reverts("settlement: no earnings"):
            settlement.withdraw_earnings(key, sender=key)
    operator_wallet.execute(settlement, withdraw, sender=operator)
    assert stablecoin.balanceOf(operator_wallet) == operator_amount
    withdraw = _call("withdraw_earnings(address)", ["address"], [treasury.address])
    receipt = treasury.execute(settlement, withdraw, sender=issuer)
    assert [e.args for e in receipt.filter("EarningsWithdrawn")] == [
        {"account": treasury.address, "receiver": treasury.address, "amount": fee}
    ]
    assert stablecoin.balanceOf(treasury) == fee
    assert settlement.earnings(treasury) == settlement.earnings(operator_wallet) == 0


def test_fees_overflowing_the_packed_pool_move_whole_and_leave_it_empty(settlement, treasury, pay_at_max_fee):
    # as above, but the overflowing pool is not a power of two: nothing of it may stay behind
    pay = pay_at_max_fee(10 * EDGE + 50 + 100)
    pay(10 * EDGE)
    pay(10 * EDGE + 50)  # five more base units of fees: the pool is 2**79 + 4
    assert settlement.earnings(treasury) == EDGE + 5
    pay(10 * EDGE + 50 + 100)
    assert settlement.earnings(treasury) == EDGE + 5 + 10


# --- attacks (issue #15) -----------------------------------------------------------------------------
def test_prearmed_prepaid_withdrawal_cannot_empty_a_balance_before_settle(
    backend, settlement, domain, node, customer, relayer, prepaid, voucher, mine_at
):
    # the payer asks for everything right after prepaying: the request is public at once, and
    # a node reading `available` sees nothing it can serve against
    now = backend.pending_timestamp
    receipt = settlement.request_withdrawal(prepaid, sender=customer)
    assert [e.args["payer"] for e in receipt.filter("WithdrawalRequested")] == [customer.address]
    assert settlement.available(customer) == 0
    # the request matures, then the payer sits on it: once its window has passed it is
    # expired, and the whole balance is what nodes can charge again
    mine_at(now + WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW)
    assert settlement.available(customer) == prepaid
    # a node serves against it; in the block before the node's settle the payer tries to
    # empty the balance with its old request
    served = voucher(node, prepaid, deadline=backend.pending_timestamp + 2 * WITHDRAWAL_DELAY)
    with reverts("settlement: withdrawal request expired"):
        settlement.withdraw(customer, sender=customer)
    receipt = settlement.settle(*signed_batch(domain, [served], customer), sender=relayer)
    assert [e.args["amount"] for e in receipt.filter("VoucherSettled")] == [prepaid]
    assert settlement.available(customer) == 0
