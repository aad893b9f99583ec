"""What the stablecoin or an adversary can do to Settlement (ALL-1, SET-1, SET-2).

- the stablecoin blacklists an operator, the treasury, a token holder or a customer:
  everyone else is still paid, and the blacklisted party is paid to a receiver it names;
- the stablecoin is paused: every call that moves it fails with the stablecoin's reason,
  nothing changes, and everything works again after unpause;
- a fee-on-transfer token: amounts are what arrived, and SET-1 holds after every step;
- replays on another deployment, another chain, after the deadline or below what was
  settled are refused or pay nothing.
"""

from dataclasses import replace

import pytest
from eth_utils import keccak

from computerwa.client.signing import Domain, permit, sign
from computerwa.client.vouchers import Voucher, payment_authorization, sign_voucher
from computerwa.evm.chain import reverts
from computerwa.evm.engine import RevmChain
from computerwa.evm.suite import deploy_suite
from computerwa.models.settlement import EXPIRED, INVALID_SIGNATURE, NOTHING_DUE, split
from tests.conftest import EPOCH_LENGTH, FEE_BPS, SLASH_BPS, WITHDRAWAL_DELAY, role
from tests.unitary.settlement.conftest import (
    BLACKLISTED,
    DOLLAR,
    FOREVER,
    HOUR,
    PAUSED,
    SECOND_SHARE,
    SHARE,
    TRANSFER_FEE_BPS,
    assert_solvent,
    deploy_settlement,
    register,
    revenue_deposits,
    signed_batch,
    skipped,
)

ZERO_SIGNATURE = (b"\x00" * 32, b"\x00" * 32)


def settle(settlement, domain, vouchers, key, sender):
    return settlement.settle(*signed_batch(domain, vouchers, key), sender=sender)


# --- blacklisting ---------------------------------------------------------------------------------
@pytest.fixture
def two_nodes_paid(settlement, domain, node, second_node, customer, relayer, prepaid, voucher):
    """The customer paid $100 to each node; returns each node's split."""
    settle(settlement, domain, [voucher(node, 100 * DOLLAR), voucher(second_node, 100 * DOLLAR)], customer, relayer)
    return {node: split(100 * DOLLAR, FEE_BPS, SHARE), second_node: split(100 * DOLLAR, FEE_BPS, SECOND_SHARE)}


def test_blacklisted_operator_delays_only_its_own_payout_and_is_paid_to_its_receiver(
    backend,
    stablecoin,
    settlement,
    domain,
    node,
    second_node,
    customer,
    operator,
    second_operator,
    treasury,
    issuer,
    receiver,
    relayer,
    voucher,
    two_nodes_paid,
):
    stablecoin.blacklist(operator, sender=issuer)
    # the blacklisted operator's node is still settled
    settle(settlement, domain, [voucher(node, 300 * DOLLAR), voucher(second_node, 200 * DOLLAR)], customer, relayer)
    operator_earned = two_nodes_paid[node][1] + split(200 * DOLLAR, FEE_BPS, SHARE)[1]
    second_earned = two_nodes_paid[second_node][1] + split(100 * DOLLAR, FEE_BPS, SECOND_SHARE)[1]
    fees = settlement.earnings(treasury)
    assert settlement.earnings(operator) == operator_earned

    with reverts(BLACKLISTED):
        settlement.withdraw_earnings(operator, sender=operator)
    assert settlement.earnings(operator) == operator_earned
    # everyone else is paid
    assert settlement.withdraw_earnings(second_operator, sender=second_operator).return_value == second_earned
    assert settlement.withdraw_earnings(treasury, sender=treasury).return_value == fees
    settlement.request_withdrawal(DOLLAR, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY)
    assert settlement.withdraw(customer, sender=customer).return_value == DOLLAR
    # and the blacklisted operator is paid where it says
    assert settlement.withdraw_earnings(receiver, sender=operator).return_value == operator_earned
    assert stablecoin.balanceOf(receiver) == operator_earned
    assert_solvent(stablecoin, settlement, [customer], [operator, second_operator, treasury])


def test_blacklisted_treasury_delays_only_the_fees_and_is_paid_to_its_receiver(
    backend,
    stablecoin,
    settlement,
    domain,
    node,
    customer,
    operator,
    second_operator,
    treasury,
    issuer,
    receiver,
    relayer,
    voucher,
    two_nodes_paid,
):
    stablecoin.blacklist(treasury, sender=issuer)
    settle(settlement, domain, [voucher(node, 150 * DOLLAR)], customer, relayer)
    fees = sum(s[0] for s in two_nodes_paid.values()) + split(50 * DOLLAR, FEE_BPS, SHARE)[0]
    assert settlement.earnings(treasury) == fees
    with reverts(BLACKLISTED):
        settlement.withdraw_earnings(treasury, sender=treasury)
    assert settlement.earnings(treasury) == fees
    for account in (operator, second_operator):
        settlement.withdraw_earnings(account, sender=account)
    settlement.request_withdrawal(DOLLAR, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY)
    assert settlement.withdraw(customer, sender=customer).return_value == DOLLAR
    assert settlement.withdraw_earnings(receiver, sender=treasury).return_value == fees
    assert stablecoin.balanceOf(receiver) == fees
    assert_solvent(stablecoin, settlement, [customer], [operator, second_operator, treasury])


def test_blacklisted_token_holder_is_paid_its_revenue_to_its_receiver(
    backend,
    stablecoin,
    identity,
    settlement,
    domain,
    node,
    node_token,
    customer,
    investor,
    holder,
    operator,
    issuer,
    receiver,
    relayer,
    prepaid,
    voucher,
):
    for account in (investor, holder):
        identity.set_verified(account, FOREVER, sender=issuer)
    node_token.mint(investor, 3 * 10**21, sender=issuer)
    node_token.mint(holder, 10**21, sender=issuer)
    _, _, holders = split(100 * DOLLAR, FEE_BPS, SHARE)
    assert holders == 67_500_000

    stablecoin.blacklist(investor, sender=issuer)
    receipt = settle(settlement, domain, [voucher(node, 100 * DOLLAR)], customer, relayer)
    assert revenue_deposits(receipt) == [(node_token.address, holders)]
    backend.sleep(2 * EPOCH_LENGTH)  # it streams over the next epoch
    settlement.withdraw_earnings(operator, sender=operator)  # mines a block after the stream
    assert node_token.claimable(investor) == holders * 3 // 4
    assert node_token.claimable(holder) == holders // 4

    with reverts(BLACKLISTED):
        node_token.claim(investor, sender=investor)
    assert node_token.claim(holder, sender=holder).return_value == holders // 4
    assert node_token.claim(receiver, sender=investor).return_value == holders * 3 // 4
    assert stablecoin.balanceOf(receiver) == holders * 3 // 4
    assert stablecoin.balanceOf(node_token) == 0


def test_blacklisted_customer_is_still_charged_and_withdraws_to_its_receiver(
    backend, stablecoin, settlement, domain, node, customer, operator, treasury, issuer, receiver, relayer, voucher
):
    stablecoin.approve(settlement, 1_000 * DOLLAR, sender=customer)
    settlement.deposit(1_000 * DOLLAR, sender=customer)
    stablecoin.blacklist(customer, sender=issuer)
    assert settle(settlement, domain, [voucher(node, 400 * DOLLAR)], customer, relayer).return_value == 400 * DOLLAR
    settlement.request_withdrawal(600 * DOLLAR, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY)
    with reverts(BLACKLISTED):
        settlement.withdraw(customer, sender=customer)
    assert settlement.withdraw(receiver, sender=customer).return_value == 600 * DOLLAR
    assert stablecoin.balanceOf(receiver) == 600 * DOLLAR
    assert_solvent(stablecoin, settlement, [customer], [operator, treasury])


def test_blacklisted_node_token_stops_its_batches_but_not_other_nodes(
    stablecoin, settlement, domain, node, second_node, second_node_token, customer, issuer, relayer, prepaid, voucher
):
    # the holders' share cannot reach a token the stablecoin refuses: a batch with that
    # node fails whole, and the other nodes settle in a batch of their own
    settle(settlement, domain, [voucher(second_node, DOLLAR)], customer, relayer)
    stablecoin.blacklist(second_node_token, sender=issuer)
    with reverts(BLACKLISTED):
        settle(settlement, domain, [voucher(node, DOLLAR), voucher(second_node, 2 * DOLLAR)], customer, relayer)
    assert settle(settlement, domain, [voucher(node, DOLLAR)], customer, relayer).return_value == DOLLAR
    assert settlement.settled(customer, second_node) == DOLLAR
    stablecoin.unblacklist(second_node_token, sender=issuer)
    assert settle(settlement, domain, [voucher(second_node, 2 * DOLLAR)], customer, relayer).return_value == DOLLAR


# --- the stablecoin paused ----------------------------------------------------------------------------
def test_paused_stablecoin_fails_every_money_move_with_its_reason_and_changes_nothing(
    backend,
    stablecoin,
    stable_domain,
    settlement,
    domain,
    node,
    node_token,
    customer,
    second_customer,
    operator,
    treasury,
    issuer,
    relayer,
    prepaid,
    voucher,
    authorize,
):
    settle(settlement, domain, [voucher(node, 10 * DOLLAR)], customer, relayer)
    settlement.request_withdrawal(DOLLAR, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY)
    stablecoin.approve(settlement, DOLLAR, sender=customer)
    far = backend.pending_timestamp + 10 * HOUR
    permit_signature = sign(
        customer,
        permit(stable_domain, customer.address, settlement.address, 2 * DOLLAR, stablecoin.nonces(customer), far),
    )
    deposit_authorization = authorize(second_customer, DOLLAR, valid_before=far)
    salt = keccak(b"paused payment")
    payment = sign(
        second_customer,
        payment_authorization(stable_domain, second_customer.address, settlement.address, DOLLAR, node, salt, 0, far),
    )
    later = voucher(node, 15 * DOLLAR, deadline=far)

    def state():
        return (
            stablecoin.balanceOf(settlement),
            stablecoin.balanceOf(node_token),
            settlement.available(customer),
            settlement.available(second_customer.address),
            settlement.settled(customer, node),
            settlement.earnings(operator),
            settlement.earnings(treasury),
            settlement.withdrawal_request(customer),
        )

    before = state()

    stablecoin.pause(sender=issuer)
    calls = {
        "deposit": lambda: settlement.deposit(DOLLAR, sender=customer),
        "deposit_with_permit": lambda: settlement.deposit_with_permit(
            2 * DOLLAR, far, *permit_signature.vrs, sender=customer
        ),
        "deposit_with_authorization": lambda: settlement.deposit_with_authorization(
            second_customer.address, *deposit_authorization.args(), sender=relayer
        ),
        "settle": lambda: settle(settlement, domain, [later], customer, relayer),
        "pay_with_authorization": lambda: settlement.pay_with_authorization(
            node, second_customer.address, DOLLAR, 0, far, salt, *payment.vrs, sender=relayer
        ),
        "withdraw": lambda: settlement.withdraw(customer, sender=customer),
        "withdraw_earnings (operator)": lambda: settlement.withdraw_earnings(operator, sender=operator),
        "withdraw_earnings (treasury)": lambda: settlement.withdraw_earnings(treasury, sender=treasury),
    }
    for name, call in calls.items():
        with reverts(PAUSED):
            call()
        assert state() == before, name

    stablecoin.unpause(sender=issuer)
    for call in calls.values():
        call()
    assert settlement.available(customer) == prepaid - 10 * DOLLAR + DOLLAR + 2 * DOLLAR - 5 * DOLLAR - DOLLAR
    assert settlement.available(second_customer.address) == DOLLAR
    assert settlement.settled(customer, node) == 15 * DOLLAR
    assert settlement.earnings(operator) == 0
    assert settlement.earnings(treasury) == 0
    assert_solvent(stablecoin, settlement, [customer, second_customer.address], [operator, treasury])


def test_a_request_made_while_the_stablecoin_is_paused_is_paid_after_unpause(
    backend, stablecoin, settlement, customer, issuer, prepaid
):
    stablecoin.pause(sender=issuer)
    settlement.request_withdrawal(prepaid, sender=customer)  # moves no money
    backend.sleep(WITHDRAWAL_DELAY)
    with reverts(PAUSED):
        settlement.withdraw(customer, sender=customer)
    assert settlement.withdrawal_request(customer)[0] == prepaid
    stablecoin.unpause(sender=issuer)
    assert settlement.withdraw(customer, sender=customer).return_value == prepaid


# --- a fee-on-transfer token ---------------------------------------------------------------------------
def test_fee_on_transfer_token_credits_what_arrived_and_stays_solvent(
    backend, fee_suite, customer, operator, treasury, receiver, relayer
):
    token, settlement, node = fee_suite.token, fee_suite.settlement, fee_suite.node

    def burnt(amount):
        return amount * TRANSFER_FEE_BPS // 10_000

    def solvent():
        assert_solvent(token, settlement, [customer], [operator, treasury])

    # deposit: 1% burnt on the way in
    token.approve(settlement, 1_000 * DOLLAR, sender=customer)
    receipt = settlement.deposit(1_000 * DOLLAR, sender=customer)
    assert receipt.return_value == 990 * DOLLAR
    assert receipt.filter("Deposited")[0].args["amount"] == 990 * DOLLAR
    assert settlement.available(customer) == 990 * DOLLAR
    solvent()

    # settle: the holders' share is sent, the token credits what arrived
    amount = 123 * DOLLAR + 45
    fee, operator_amount, holders = split(amount, FEE_BPS, SHARE)
    paid = Voucher(customer.address, node, amount, backend.pending_timestamp + HOUR)
    receipt = settlement.settle(*signed_batch(fee_suite.domain, [paid], customer), sender=relayer)
    assert receipt.filter("NodePaid")[0].args == {
        "node_id": node,
        "amount": amount,
        "fee": fee,
        "operator_amount": operator_amount,
        "holders_amount": holders,
    }
    assert revenue_deposits(receipt) == [(fee_suite.node_token.address, holders - burnt(holders))]
    assert token.balanceOf(fee_suite.node_token) == holders - burnt(holders)
    assert settlement.available(customer) == 990 * DOLLAR - amount
    solvent()

    # withdrawals: Settlement sends the amount owed, the receiver gets it less the burn
    settlement.request_withdrawal(100 * DOLLAR, sender=customer)
    backend.sleep(WITHDRAWAL_DELAY)
    assert settlement.withdraw(receiver, sender=customer).return_value == 100 * DOLLAR
    assert token.balanceOf(receiver) == 100 * DOLLAR - burnt(100 * DOLLAR)
    solvent()
    assert settlement.withdraw_earnings(operator, sender=operator).return_value == operator_amount
    solvent()
    assert settlement.withdraw_earnings(treasury, sender=treasury).return_value == fee
    solvent()
    assert token.balanceOf(settlement) == 990 * DOLLAR - amount - 100 * DOLLAR


def test_fee_token_that_starts_charging_later_is_still_credited_by_arrival(fee_suite, customer, operator, treasury):
    token, settlement = fee_suite.token, fee_suite.settlement
    token.set_fee(0, sender=customer)
    token.approve(settlement, 2_000 * DOLLAR, sender=customer)
    assert settlement.deposit(1_000 * DOLLAR, sender=customer).return_value == 1_000 * DOLLAR
    token.set_fee(5_000, sender=customer)
    assert settlement.deposit(1_000 * DOLLAR, sender=customer).return_value == 500 * DOLLAR
    assert settlement.available(customer) == 1_500 * DOLLAR
    assert_solvent(token, settlement, [customer], [operator, treasury])


# --- replays (SET-2) --------------------------------------------------------------------------------------
def test_voucher_for_one_deployment_pays_nothing_on_another(
    backend, stablecoin, registry, settlement, domain, node, customer, treasury, issuer, relayer, prepaid, voucher
):
    other = deploy_settlement(backend, stablecoin, registry, treasury, issuer)
    stablecoin.approve(other, 50 * DOLLAR, sender=customer)
    other.deposit(50 * DOLLAR, sender=customer)
    paid = voucher(node, 20 * DOLLAR)
    signature = sign_voucher(domain, paid, customer)
    assert settlement.settle([paid.as_tuple()], [signature], sender=relayer).return_value == 20 * DOLLAR
    receipt = other.settle([paid.as_tuple()], [signature], sender=relayer)
    assert skipped(receipt) == [(customer.address, node, 20 * DOLLAR, INVALID_SIGNATURE)]
    assert other.available(customer) == 50 * DOLLAR


def test_voucher_past_its_deadline_pays_nothing_even_if_never_settled(
    backend, settlement, domain, node, customer, relayer, prepaid, voucher
):
    paid = voucher(node, 20 * DOLLAR)
    signature = sign_voucher(domain, paid, customer)
    settlement.settle([paid.as_tuple()], [signature], sender=relayer)
    later = voucher(node, 30 * DOLLAR, deadline=backend.pending_timestamp + HOUR)
    later_signature = sign_voucher(domain, later, customer)
    backend.sleep(HOUR + 1)
    receipt = settlement.settle([paid.as_tuple(), later.as_tuple()], [signature, later_signature], sender=relayer)
    assert skipped(receipt) == [
        (customer.address, node, 20 * DOLLAR, EXPIRED),
        (customer.address, node, 30 * DOLLAR, EXPIRED),
    ]
    assert settlement.available(customer) == prepaid - 20 * DOLLAR


def test_replaying_a_lower_voucher_pays_nothing(settlement, domain, node, customer, relayer, prepaid, voucher):
    low, high = voucher(node, 5 * DOLLAR), voucher(node, 9 * DOLLAR)
    low_signature = sign_voucher(domain, low, customer)
    settle(settlement, domain, [high], customer, relayer)
    for _ in range(3):
        receipt = settlement.settle([low.as_tuple()], [low_signature], sender=relayer)
        assert skipped(receipt) == [(customer.address, node, 5 * DOLLAR, NOTHING_DUE)]
    assert settlement.available(customer) == prepaid - 9 * DOLLAR


def _deploy_payment_suite(chain, attestors):
    """The same suite, deployed by the same accounts in the same order: the same addresses."""
    issuer, customer, operator, treasury = (
        role(chain, name) for name in ("issuer", "customer", "operator", "treasury")
    )
    suite = deploy_suite(
        chain,
        issuer,
        genesis=chain.pending_timestamp - 10 * EPOCH_LENGTH,
        epoch_length=EPOCH_LENGTH,
        attestors=attestors,
        bond_delay=3 * EPOCH_LENGTH,
        slash_bps=SLASH_BPS,
        treasury=treasury,
        fee_bps=FEE_BPS,
        withdrawal_delay=WITHDRAWAL_DELAY,
        operators=[operator],
    )
    stable, registry, settlement = suite.stablecoin, suite.registry, suite.settlement
    node_id = register(registry, operator, SHARE)
    stable.mint(customer, 100 * DOLLAR, sender=issuer)
    stable.approve(settlement, 100 * DOLLAR, sender=customer)
    settlement.deposit(100 * DOLLAR, sender=customer)
    return settlement, node_id


def test_voucher_signed_for_one_chain_pays_nothing_on_another(artifacts, suite_attestors):
    attestors = [key.address for key in suite_attestors]
    home, away = RevmChain(artifacts=artifacts, chain_id=1337), RevmChain(artifacts=artifacts, chain_id=8453)
    (home_settlement, node), (away_settlement, away_node) = (
        _deploy_payment_suite(home, attestors),
        _deploy_payment_suite(away, attestors),
    )
    # same contract, same node, same customer: only the chain id tells the domains apart
    assert (home_settlement.address, node) == (away_settlement.address, away_node)
    home_domain, away_domain = Domain.of(home_settlement), Domain.of(away_settlement)
    assert replace(home_domain, chain_id=away_domain.chain_id) == away_domain

    customer = role(home, "customer")
    paid = Voucher(customer.address, node, 40 * DOLLAR, home.pending_timestamp + HOUR)
    signature = sign_voucher(home_domain, paid, customer)
    receipt = away_settlement.settle([paid.as_tuple()], [signature], sender=role(away, "relayer"))
    assert skipped(receipt) == [(customer.address, node, 40 * DOLLAR, INVALID_SIGNATURE)]
    assert away_settlement.available(customer) == 100 * DOLLAR
    assert (
        home_settlement.settle([paid.as_tuple()], [signature], sender=role(home, "relayer")).return_value == 40 * DOLLAR
    )


def test_anyone_relaying_a_zero_signature_for_a_customer_gets_nothing(
    settlement, node, customer, attacker, prepaid, voucher
):
    receipt = settlement.settle([voucher(node, prepaid).as_tuple()], [ZERO_SIGNATURE], sender=attacker)
    assert skipped(receipt) == [(customer.address, node, prepaid, INVALID_SIGNATURE)]
    assert settlement.available(customer) == prepaid


# --- a stablecoin that answers `false` ---------------------------------------------------------------------
def test_false_returning_stablecoin_is_caught_on_every_transfer_and_approve(
    backend, false_token, registry, node, treasury, issuer, customer, relayer
):
    settlement = deploy_settlement(backend, false_token, registry, treasury, issuer, withdrawal_delay=0)
    domain = Domain.of(settlement)
    false_token.mint(customer, DOLLAR, sender=issuer)
    false_token.set_fails(False, True, False, sender=issuer)
    with reverts("settlement: transfer failed"):
        settlement.deposit(DOLLAR, sender=customer)
    false_token.set_fails(False, False, False, sender=issuer)
    assert settlement.deposit(DOLLAR, sender=customer).return_value == DOLLAR
    false_token.set_fails(True, False, True, sender=issuer)  # from now on transfer and approve answer false

    # the first payment to a node approves its token: a refused approve stops it
    paid = Voucher(customer.address, node, DOLLAR, backend.pending_timestamp + HOUR)
    with reverts("settlement: approve failed"):
        settlement.settle([paid.as_tuple()], [sign_voucher(domain, paid, customer)], sender=relayer)
    assert settlement.settled(customer, node) == 0

    # a refused transfer out keeps the balance and the request
    settlement.request_withdrawal(DOLLAR, sender=customer)
    with reverts("settlement: transfer failed"):
        settlement.withdraw(customer, sender=customer)
    assert settlement.prepaid(customer) == DOLLAR
    assert settlement.available(customer) == 0  # still requested
    assert settlement.withdrawal_request(customer)[0] == DOLLAR


def test_a_stablecoin_that_returns_nothing_is_deposited_settled_and_withdrawn(
    backend, make_registry, silent_token, operator, treasury, issuer, customer, relayer
):
    """USDT-style: transfer, transferFrom and approve answer nothing; Settlement (and the node
    token it pays) take that as success, and every cent ends where the split says."""
    registry = make_registry(silent_token)
    node = register(registry, operator, SHARE)
    settlement = deploy_settlement(backend, silent_token, registry, treasury, issuer, withdrawal_delay=0)
    silent_token.mint(customer, 2 * DOLLAR, sender=customer)
    silent_token.approve(settlement, 2 * DOLLAR, sender=customer)
    assert settlement.deposit(2 * DOLLAR, sender=customer).return_value == 2 * DOLLAR

    paid = Voucher(customer.address, node, DOLLAR, backend.pending_timestamp + HOUR)
    settle(settlement, Domain.of(settlement), [paid], customer, relayer)  # approves the node token once
    fee, operator_amount, holders_amount = split(DOLLAR, FEE_BPS, SHARE)
    node_token = registry.payee(node)[0]
    assert silent_token.balanceOf(node_token) == holders_amount
    assert settlement.withdraw_earnings(operator, sender=operator).return_value == operator_amount
    assert settlement.withdraw_earnings(treasury, sender=treasury).return_value == fee
    settlement.request_withdrawal(DOLLAR, sender=customer)
    assert settlement.withdraw(customer, sender=customer).return_value == DOLLAR
    assert [silent_token.balanceOf(a) for a in (customer, operator, treasury, settlement)] == [
        DOLLAR,
        operator_amount,
        fee,
        0,
    ]
