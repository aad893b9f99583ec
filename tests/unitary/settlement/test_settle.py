"""Settlement.settle: cumulative EIP-712 vouchers paid in batches (SET-2, SET-3).

Every signature comes from eth_account through computerwa.client.vouchers.sign_voucher (or
computerwa.client.signing.sign for a tampered one); nothing re-implements the hashing.
"""

from dataclasses import replace

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.client.signing import SECP256K1_N, Domain, encode, malleate, sign
from computerwa.client.vouchers import sign_voucher, voucher_typed_data
from computerwa.evm.chain import reverts
from computerwa.models.settlement import (
    EXPIRED,
    INVALID_SIGNATURE,
    MAX_NODES_PER_BATCH,
    NOTHING_DUE,
    UNDERFUNDED,
    UNKNOWN_NODE,
    split,
)
from tests.conftest import FEE_BPS
from tests.unitary.settlement.conftest import (
    DOLLAR,
    SECOND_SHARE,
    SHARE,
    THIRD_SHARE,
    UNKNOWN_NODE_ID,
    assert_solvent,
    deploy_settlement,
    node_paid,
    register,
    revenue_deposits,
    signed_batch,
    skipped,
)

# an amount whose fee and operator share both leave a remainder for the holders
AMOUNT = 12_345_679


def settle(settlement, domain, vouchers, key, sender):
    return settlement.settle(*signed_batch(domain, vouchers, key), sender=sender)


# --- one voucher ----------------------------------------------------------------------------------
def test_settle_pays_a_voucher_split_into_fee_operator_share_and_holders(
    stablecoin, settlement, domain, node, node_token, customer, operator, treasury, relayer, prepaid, voucher
):
    fee, operator_amount, holders = split(AMOUNT, FEE_BPS, SHARE)
    assert (fee, operator_amount, holders) == (308_641, 3_703_703, 8_333_335)

    receipt = settle(settlement, domain, [voucher(node, AMOUNT)], customer, relayer)

    assert receipt.return_value == AMOUNT
    assert [e.args for e in receipt.filter("VoucherSettled")] == [
        {"payer": customer.address, "node_id": node, "cumulative_amount": AMOUNT, "amount": AMOUNT}
    ]
    assert node_paid(receipt) == {node: (AMOUNT, fee, operator_amount, holders)}
    assert revenue_deposits(receipt) == [(node_token.address, holders)]
    assert skipped(receipt) == []
    assert settlement.available(customer) == prepaid - AMOUNT
    assert settlement.settled(customer, node) == AMOUNT
    assert settlement.earnings(operator) == operator_amount
    assert settlement.earnings(treasury) == fee
    assert stablecoin.balanceOf(node_token) == holders
    assert stablecoin.balanceOf(settlement) == prepaid - holders
    assert_solvent(stablecoin, settlement, [customer], [operator, treasury])


def test_anyone_may_settle_a_signed_voucher(settlement, domain, node, customer, attacker, prepaid, voucher):
    settle(settlement, domain, [voucher(node, AMOUNT)], customer, attacker)
    assert settlement.settled(customer, node) == AMOUNT


def test_settling_an_empty_batch_pays_nothing(settlement, relayer):
    receipt = settlement.settle([], [], sender=relayer)
    assert receipt.return_value == 0
    assert receipt.events == []


def test_batch_with_fewer_signatures_than_vouchers_is_refused(
    settlement, domain, node, customer, relayer, prepaid, voucher
):
    vouchers, signatures = signed_batch(domain, [voucher(node, DOLLAR), voucher(node, 2 * DOLLAR)], customer)
    with reverts("settlement: one signature per voucher"):
        settlement.settle(vouchers, signatures[:1], sender=relayer)
    with reverts("settlement: one signature per voucher"):
        settlement.settle(vouchers[:1], signatures, sender=relayer)


def test_settle_is_refused_while_paused(settlement, domain, node, customer, issuer, relayer, prepaid, voucher):
    settlement.pause(sender=issuer)
    with reverts("settlement: paused"):
        settle(settlement, domain, [voucher(node, DOLLAR)], customer, relayer)
    settlement.unpause(sender=issuer)
    settle(settlement, domain, [voucher(node, DOLLAR)], customer, relayer)
    assert settlement.settled(customer, node) == DOLLAR


# --- cumulative semantics (SET-2) -------------------------------------------------------------------
def test_a_later_voucher_pays_only_its_increase(
    settlement, domain, node, customer, operator, treasury, relayer, prepaid, voucher
):
    settle(settlement, domain, [voucher(node, 5 * DOLLAR)], customer, relayer)
    receipt = settle(settlement, domain, [voucher(node, 8 * DOLLAR + 1)], customer, relayer)
    assert receipt.return_value == 3 * DOLLAR + 1
    assert receipt.filter("VoucherSettled")[0].args["amount"] == 3 * DOLLAR + 1
    assert node_paid(receipt) == {node: (3 * DOLLAR + 1, *split(3 * DOLLAR + 1, FEE_BPS, SHARE))}
    assert settlement.available(customer) == prepaid - 8 * DOLLAR - 1
    assert settlement.settled(customer, node) == 8 * DOLLAR + 1
    fee_1, operator_1, _ = split(5 * DOLLAR, FEE_BPS, SHARE)
    fee_2, operator_2, _ = split(3 * DOLLAR + 1, FEE_BPS, SHARE)
    assert settlement.earnings(operator) == operator_1 + operator_2
    assert settlement.earnings(treasury) == fee_1 + fee_2


@pytest.mark.parametrize("cumulative", [5 * DOLLAR, 5 * DOLLAR - 1, 1], ids=["same", "lower", "one"])
def test_replaying_the_same_or_a_lower_voucher_pays_nothing(
    stablecoin, settlement, domain, node, customer, relayer, prepaid, voucher, cumulative
):
    first = voucher(node, 5 * DOLLAR)
    settle(settlement, domain, [first], customer, relayer)
    balance = stablecoin.balanceOf(settlement)
    stale = first if cumulative == first.cumulative_amount else voucher(node, cumulative)
    receipt = settle(settlement, domain, [stale], customer, relayer)
    assert receipt.return_value == 0
    assert skipped(receipt) == [(customer.address, node, cumulative, NOTHING_DUE)]
    assert receipt.filter("NodePaid") == []
    assert settlement.available(customer) == prepaid - 5 * DOLLAR
    assert settlement.settled(customer, node) == 5 * DOLLAR
    assert stablecoin.balanceOf(settlement) == balance


def test_a_voucher_of_zero_is_nothing_due(settlement, domain, node, customer, relayer, prepaid, voucher):
    receipt = settle(settlement, domain, [voucher(node, 0)], customer, relayer)
    assert skipped(receipt) == [(customer.address, node, 0, NOTHING_DUE)]


def test_two_vouchers_of_one_channel_in_a_batch_pay_the_highest_once(
    settlement, domain, node, customer, relayer, prepaid, voucher
):
    vouchers = [voucher(node, 2 * DOLLAR), voucher(node, 7 * DOLLAR), voucher(node, 4 * DOLLAR)]
    receipt = settle(settlement, domain, vouchers, customer, relayer)
    assert receipt.return_value == 7 * DOLLAR
    assert [e.args["amount"] for e in receipt.filter("VoucherSettled")] == [2 * DOLLAR, 5 * DOLLAR]
    assert skipped(receipt) == [(customer.address, node, 4 * DOLLAR, NOTHING_DUE)]
    assert node_paid(receipt) == {node: (7 * DOLLAR, *split(7 * DOLLAR, FEE_BPS, SHARE))}
    assert settlement.available(customer) == prepaid - 7 * DOLLAR


def test_channels_are_per_payer_and_node(
    settlement, domain, node, second_node, customer, second_customer, relayer, prepaid, second_prepaid, voucher
):
    settle(settlement, domain, [voucher(node, 5 * DOLLAR)], customer, relayer)
    # the same cumulative amount is new for another node and for another payer
    settle(settlement, domain, [voucher(second_node, 5 * DOLLAR)], customer, relayer)
    settle(settlement, domain, [voucher(node, 5 * DOLLAR, payer=second_customer)], second_customer, relayer)
    assert settlement.settled(customer, node) == 5 * DOLLAR
    assert settlement.settled(customer, second_node) == 5 * DOLLAR
    assert settlement.settled(second_customer.address, node) == 5 * DOLLAR
    assert settlement.available(customer) == prepaid - 10 * DOLLAR
    assert settlement.available(second_customer.address) == second_prepaid - 5 * DOLLAR


# --- batches across nodes --------------------------------------------------------------------------
def test_batch_across_nodes_deposits_each_nodes_revenue_once_and_splits_its_total(
    stablecoin,
    settlement,
    domain,
    node,
    second_node,
    third_node,
    node_token,
    second_node_token,
    third_node_token,
    customer,
    second_customer,
    operator,
    second_operator,
    third_operator,
    treasury,
    relayer,
    prepaid,
    second_prepaid,
    voucher,
):
    # interleaved, two payers, one channel twice: per node the batch totals
    plan = [
        (customer, node, 1_000_001),
        (second_customer, second_node, 2_000_003),
        (customer, third_node, 333_333),
        (second_customer, node, 4_444_447),
        (customer, node, 1_500_000),  # the customer's channel again: pays 499,999 more
        (customer, second_node, 777),
        (second_customer, third_node, 9_999_999),
    ]
    vouchers = [voucher(node_id, amount, payer=key) for key, node_id, amount in plan]
    signatures = [sign_voucher(domain, v, key) for v, (key, _, _) in zip(vouchers, plan, strict=True)]
    totals = {node: 1_500_000 + 4_444_447, second_node: 2_000_003 + 777, third_node: 333_333 + 9_999_999}
    shares = {node: SHARE, second_node: SECOND_SHARE, third_node: THIRD_SHARE}
    expected = {n: (total, *split(total, FEE_BPS, shares[n])) for n, total in totals.items()}

    receipt = settlement.settle([v.as_tuple() for v in vouchers], signatures, sender=relayer)

    assert receipt.return_value == sum(totals.values())
    assert len(receipt.filter("VoucherSettled")) == len(plan)
    assert node_paid(receipt) == expected
    assert [e.args["node_id"] for e in receipt.filter("NodePaid")] == [node, second_node, third_node]
    tokens = {node: node_token, second_node: second_node_token, third_node: third_node_token}
    assert revenue_deposits(receipt) == [(tokens[n].address, expected[n][3]) for n in (node, second_node, third_node)]
    for n, token in tokens.items():
        assert stablecoin.balanceOf(token) == expected[n][3]
    assert settlement.earnings(treasury) == sum(e[1] for e in expected.values())
    assert settlement.earnings(operator) == expected[node][2]
    assert settlement.earnings(second_operator) == expected[second_node][2]
    assert settlement.earnings(third_operator) == expected[third_node][2]
    assert settlement.available(customer) == prepaid - 1_500_000 - 333_333 - 777
    assert settlement.available(second_customer.address) == second_prepaid - 2_000_003 - 4_444_447 - 9_999_999
    for fee_split in expected.values():
        assert fee_split[1] + fee_split[2] + fee_split[3] == fee_split[0]  # SET-3
    assert_solvent(
        stablecoin,
        settlement,
        [customer, second_customer.address],
        [treasury, operator, second_operator, third_operator],
    )


def test_two_settles_in_one_transaction_never_reuse_each_others_payees(
    backend, settlement, domain, node, second_node, third_node, customer, operator, relayer, prepaid, voucher
):
    # settle keeps each node's place in the batch in transient storage, which lives until
    # the end of the transaction: the second call finds the first call's places stale
    multicall = backend.deploy("MockMulticall", sender=relayer)
    selector = keccak(text="settle((address,uint256,uint256,uint256)[],(bytes32,bytes32)[])")[:4]
    types = ["(address,uint256,uint256,uint256)[]", "(bytes32,bytes32)[]"]
    first = [voucher(node, DOLLAR), voucher(second_node, 2 * DOLLAR)]
    second = [voucher(third_node, 3 * DOLLAR), voucher(node, 5 * DOLLAR)]  # node was first's place 1
    calls = [selector + abi_encode(types, list(signed_batch(domain, batch, customer))) for batch in (first, second)]

    receipt = multicall.aggregate(settlement, calls, sender=relayer)

    paid = [(e.args["node_id"], e.args["amount"]) for e in receipt.filter("NodePaid")]
    assert paid == [(node, DOLLAR), (second_node, 2 * DOLLAR), (third_node, 3 * DOLLAR), (node, 4 * DOLLAR)]
    assert settlement.earnings(operator) == split(DOLLAR, FEE_BPS, SHARE)[1] + split(4 * DOLLAR, FEE_BPS, SHARE)[1]


def test_skipped_vouchers_do_not_stop_the_rest_of_the_batch(
    backend,
    stablecoin,
    settlement,
    domain,
    node,
    second_node,
    customer,
    second_customer,
    attacker,
    operator,
    treasury,
    relayer,
    prepaid,
    voucher,
):
    settle(settlement, domain, [voucher(node, 3 * DOLLAR)], customer, relayer)
    now = backend.pending_timestamp
    good_first, good_last = voucher(node, 5 * DOLLAR), voucher(second_node, 6 * DOLLAR)
    expired = voucher(second_node, DOLLAR, deadline=now - 1)
    stale = voucher(node, 2 * DOLLAR)  # before good_first: below what was settled
    unknown = voucher(UNKNOWN_NODE_ID, DOLLAR)
    forged = voucher(second_node, 3 * DOLLAR)
    broke = voucher(node, DOLLAR, payer=second_customer)  # nothing prepaid
    batch = [expired, stale, good_first, unknown, forged, broke, good_last]
    signatures = [sign_voucher(domain, v, customer) for v in batch]
    signatures[4] = sign_voucher(domain, forged, attacker)
    signatures[5] = sign_voucher(domain, broke, second_customer)

    receipt = settlement.settle([v.as_tuple() for v in batch], signatures, sender=relayer)

    assert skipped(receipt) == [
        (customer.address, second_node, DOLLAR, EXPIRED),
        (customer.address, node, 2 * DOLLAR, NOTHING_DUE),
        (customer.address, UNKNOWN_NODE_ID, DOLLAR, UNKNOWN_NODE),
        (customer.address, second_node, 3 * DOLLAR, INVALID_SIGNATURE),
        (second_customer.address, node, DOLLAR, UNDERFUNDED),
    ]
    assert receipt.return_value == 2 * DOLLAR + 6 * DOLLAR
    assert node_paid(receipt) == {
        node: (2 * DOLLAR, *split(2 * DOLLAR, FEE_BPS, SHARE)),
        second_node: (6 * DOLLAR, *split(6 * DOLLAR, FEE_BPS, SECOND_SHARE)),
    }
    assert settlement.available(customer) == prepaid - 11 * DOLLAR
    assert settlement.settled(customer, second_node) == 6 * DOLLAR
    assert settlement.settled(second_customer.address, node) == 0


def test_a_batch_where_every_voucher_is_skipped_pays_nothing(
    stablecoin, settlement, domain, node, customer, attacker, relayer, prepaid, voucher
):
    forged = voucher(node, DOLLAR)
    receipt = settlement.settle([forged.as_tuple()], [sign_voucher(domain, forged, attacker)], sender=relayer)
    assert receipt.return_value == 0
    assert [e.name for e in receipt.filter("VoucherSkipped")] == ["VoucherSkipped"]
    assert receipt.filter("NodePaid") == receipt.filter("Transfer") == []
    assert stablecoin.balanceOf(settlement) == prepaid


def test_sixteen_distinct_nodes_settle_in_one_batch_but_seventeen_are_refused(
    registry, settlement, domain, node, customer, operator, relayer, prepaid, voucher
):
    # one operator lists at most 16 nodes per region: these are spread over two
    nodes = [node] + [register(registry, operator, SHARE, region=f"r{i % 2}") for i in range(MAX_NODES_PER_BATCH)]
    vouchers = [voucher(n, DOLLAR) for n in nodes]
    with reverts("settlement: more than 16 nodes in a batch"):
        settle(settlement, domain, vouchers, customer, relayer)
    receipt = settle(settlement, domain, vouchers[:MAX_NODES_PER_BATCH], customer, relayer)
    assert len(receipt.filter("NodePaid")) == MAX_NODES_PER_BATCH
    assert len(receipt.filter("RevenueDeposited")) == MAX_NODES_PER_BATCH
    assert settlement.available(customer) == prepaid - MAX_NODES_PER_BATCH * DOLLAR


def test_unknown_nodes_count_towards_the_sixteen_node_limit(
    settlement, domain, node, customer, relayer, prepaid, voucher
):
    vouchers = [voucher(node, DOLLAR)] + [voucher(UNKNOWN_NODE_ID + i, DOLLAR) for i in range(MAX_NODES_PER_BATCH)]
    with reverts("settlement: more than 16 nodes in a batch"):
        settle(settlement, domain, vouchers, customer, relayer)


def test_many_vouchers_of_few_nodes_are_not_limited_by_the_node_count(
    settlement, domain, node, second_node, customer, relayer, prepaid, voucher
):
    vouchers = [voucher(node if i % 2 else second_node, (i // 2 + 1) * DOLLAR) for i in range(40)]
    receipt = settle(settlement, domain, vouchers, customer, relayer)
    assert receipt.return_value == 40 * DOLLAR
    assert len(receipt.filter("RevenueDeposited")) == 2


# --- deadline ----------------------------------------------------------------------------------------
def test_voucher_is_valid_up_to_and_including_its_deadline(
    backend, settlement, domain, node, customer, relayer, prepaid, voucher
):
    receipt = settle(settlement, domain, [voucher(node, DOLLAR, deadline=backend.pending_timestamp)], customer, relayer)
    assert receipt.return_value == DOLLAR


def test_voucher_one_second_past_its_deadline_is_skipped_as_expired(
    backend, stablecoin, settlement, domain, node, customer, relayer, prepaid, voucher
):
    late = voucher(node, DOLLAR, deadline=backend.pending_timestamp - 1)
    receipt = settle(settlement, domain, [late], customer, relayer)
    assert receipt.return_value == 0
    assert skipped(receipt) == [(customer.address, node, DOLLAR, EXPIRED)]
    assert settlement.settled(customer, node) == 0
    assert stablecoin.balanceOf(settlement) == prepaid


# --- signatures --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "forgery",
    [
        "wrong signer",
        "wrong domain name",
        "wrong domain version",
        "other chain id",
        "other settlement",
        "high s",
        "zero r and vs",
        "amount raised",
        "node changed",
        "deadline extended",
        "payer changed",
    ],
)
def test_voucher_with_an_invalid_signature_is_skipped_and_the_right_one_settles(
    backend,
    stablecoin,
    registry,
    settlement,
    domain,
    node,
    second_node,
    customer,
    second_customer,
    attacker,
    treasury,
    issuer,
    relayer,
    prepaid,
    second_prepaid,
    voucher,
    forgery,
):
    honest = voucher(node, AMOUNT)
    submitted = honest
    if forgery == "wrong signer":
        signature = sign_voucher(domain, honest, attacker)
    elif forgery == "wrong domain name":
        signature = sign_voucher(replace(domain, name="ComputeRWA Oracle"), honest, customer)
    elif forgery == "wrong domain version":
        signature = sign_voucher(replace(domain, version="2"), honest, customer)
    elif forgery == "other chain id":
        signature = sign_voucher(replace(domain, chain_id=domain.chain_id + 1), honest, customer)
    elif forgery == "other settlement":
        other = deploy_settlement(backend, stablecoin, registry, treasury, issuer)
        signature = sign_voucher(Domain.of(other), honest, customer)
    elif forgery == "high s":
        # the malleable twin: (r, n - s) where the compact form carries s
        twin = malleate(sign(customer, voucher_typed_data(domain, honest)))
        assert int.from_bytes(twin.s, "big") > SECP256K1_N // 2
        signature = (twin.r, twin.s)
    elif forgery == "zero r and vs":
        signature = (b"\x00" * 32, b"\x00" * 32)
    else:
        signature = sign_voucher(domain, honest, customer)
        submitted = {
            "amount raised": replace(honest, cumulative_amount=AMOUNT + 1),
            "node changed": replace(honest, node_id=second_node),
            "deadline extended": replace(honest, deadline=honest.deadline + 1),
            "payer changed": replace(honest, payer=second_customer.address),
        }[forgery]

    receipt = settlement.settle([submitted.as_tuple()], [signature], sender=relayer)

    assert receipt.return_value == 0
    assert skipped(receipt) == [(submitted.payer, submitted.node_id, submitted.cumulative_amount, INVALID_SIGNATURE)]
    assert stablecoin.balanceOf(settlement) == prepaid + second_prepaid
    assert settlement.settled(submitted.payer, submitted.node_id) == 0
    # the honest signature still settles: only the signature was refused
    assert settle(settlement, domain, [honest], customer, relayer).return_value == AMOUNT


def test_high_s_twin_is_a_real_signature_of_the_voucher(domain, customer, node, voucher):
    # guards the test above: the twin recovers to the customer, only the low-s rule refuses it
    from eth_account import Account

    document = voucher_typed_data(domain, voucher(node, AMOUNT))
    twin = malleate(sign(customer, document))
    assert Account.recover_message(encode(document), vrs=twin.vrs) == customer.address


def test_a_voucher_from_the_zero_address_with_a_zero_signature_is_invalid(settlement, node, relayer, prepaid, voucher):
    nobody = voucher(node, DOLLAR, payer="0x" + "00" * 20)
    receipt = settlement.settle([nobody.as_tuple()], [(b"\x00" * 32, b"\x00" * 32)], sender=relayer)
    assert skipped(receipt) == [(nobody.payer, node, DOLLAR, INVALID_SIGNATURE)]


# --- a contract wallet (ERC-1271) pays -------------------------------------------------------------
def _call(signature: str, types: list[str], values: list) -> bytes:
    return keccak(text=signature)[:4] + abi_encode(types, values)


@pytest.fixture
def wallet(backend, stablecoin, settlement, customer):
    """The customer's smart account (MockWallet, customer key), holding $5,000 prepaid."""
    wallet = backend.deploy("MockWallet", customer.address, sender=customer)
    stablecoin.transfer(wallet, 5_000 * DOLLAR, sender=customer)
    wallet.execute(
        stablecoin,
        _call("approve(address,uint256)", ["address", "uint256"], [settlement.address, 5_000 * DOLLAR]),
        sender=customer,
    )
    wallet.execute(settlement, _call("deposit(uint256)", ["uint256"], [5_000 * DOLLAR]), sender=customer)
    assert settlement.available(wallet) == 5_000 * DOLLAR
    return wallet


def test_a_contract_wallet_pays_with_its_owners_erc1271_signature(
    stablecoin, settlement, domain, node, node_token, customer, relayer, wallet, voucher
):
    paid = voucher(node, AMOUNT, payer=wallet.address)
    receipt = settle(settlement, domain, [paid], customer, relayer)
    assert receipt.return_value == AMOUNT
    assert settlement.available(wallet) == 5_000 * DOLLAR - AMOUNT
    assert settlement.settled(wallet, node) == AMOUNT
    assert stablecoin.balanceOf(node_token) == split(AMOUNT, FEE_BPS, SHARE)[2]


def test_a_contract_wallet_that_refuses_signatures_is_skipped_as_invalid(
    settlement, domain, node, customer, relayer, wallet, voucher
):
    wallet.set_valid(False, sender=customer)
    paid = voucher(node, AMOUNT, payer=wallet.address)
    receipt = settle(settlement, domain, [paid], customer, relayer)
    assert skipped(receipt) == [(wallet.address, node, AMOUNT, INVALID_SIGNATURE)]
    assert settlement.available(wallet) == 5_000 * DOLLAR
    wallet.set_valid(True, sender=customer)
    assert settle(settlement, domain, [paid], customer, relayer).return_value == AMOUNT


def test_a_contract_wallet_voucher_signed_by_another_key_is_invalid(
    settlement, domain, node, attacker, relayer, wallet, voucher
):
    paid = voucher(node, AMOUNT, payer=wallet.address)
    receipt = settle(settlement, domain, [paid], attacker, relayer)
    assert skipped(receipt) == [(wallet.address, node, AMOUNT, INVALID_SIGNATURE)]


def test_a_contract_wallet_voucher_with_a_zero_signature_is_invalid(settlement, node, relayer, wallet, voucher):
    # the wallet's own ecdsa reverts on it: a failed ERC-1271 call is an invalid signature
    paid = voucher(node, AMOUNT, payer=wallet.address)
    receipt = settlement.settle([paid.as_tuple()], [(b"\x00" * 32, b"\x00" * 32)], sender=relayer)
    assert skipped(receipt) == [(wallet.address, node, AMOUNT, INVALID_SIGNATURE)]


def test_a_contract_without_erc1271_never_pays(stablecoin, settlement, domain, node, customer, relayer, voucher):
    # the stablecoin has code but no isValidSignature
    paid = voucher(node, AMOUNT, payer=stablecoin.address)
    receipt = settle(settlement, domain, [paid], customer, relayer)
    assert skipped(receipt) == [(stablecoin.address, node, AMOUNT, INVALID_SIGNATURE)]


# --- underfunded ------------------------------------------------------------------------------------
def test_underfunded_voucher_is_skipped_and_settles_after_a_top_up(
    stablecoin, settlement, domain, node, customer, relayer, voucher
):
    stablecoin.approve(settlement, 10 * DOLLAR, sender=customer)
    settlement.deposit(5 * DOLLAR, sender=customer)
    big = voucher(node, 5 * DOLLAR + 1)
    receipt = settle(settlement, domain, [big], customer, relayer)
    assert receipt.return_value == 0
    assert skipped(receipt) == [(customer.address, node, 5 * DOLLAR + 1, UNDERFUNDED)]
    assert receipt.filter("NodePaid") == []
    assert settlement.available(customer) == 5 * DOLLAR
    assert settlement.settled(customer, node) == 0

    settlement.deposit(1, sender=customer)
    receipt = settle(settlement, domain, [big], customer, relayer)
    assert receipt.return_value == 5 * DOLLAR + 1
    assert settlement.available(customer) == 0


def test_a_voucher_for_exactly_the_balance_settles(stablecoin, settlement, domain, node, customer, relayer, voucher):
    stablecoin.approve(settlement, AMOUNT, sender=customer)
    settlement.deposit(AMOUNT, sender=customer)
    assert settle(settlement, domain, [voucher(node, AMOUNT)], customer, relayer).return_value == AMOUNT
    assert settlement.available(customer) == 0


def test_later_vouchers_of_a_batch_see_the_balance_earlier_ones_left(
    stablecoin, settlement, domain, node, second_node, customer, relayer, voucher
):
    stablecoin.approve(settlement, 10 * DOLLAR, sender=customer)
    settlement.deposit(10 * DOLLAR, sender=customer)
    batch = [voucher(node, 6 * DOLLAR), voucher(second_node, 5 * DOLLAR), voucher(second_node, 4 * DOLLAR)]
    receipt = settle(settlement, domain, batch, customer, relayer)
    assert skipped(receipt) == [(customer.address, second_node, 5 * DOLLAR, UNDERFUNDED)]
    assert receipt.return_value == 10 * DOLLAR
    assert settlement.available(customer) == 0


def test_a_second_settle_in_one_transaction_may_start_with_the_firsts_later_nodes(
    backend, settlement, domain, node, second_node, customer, relayer, prepaid, voucher
):
    # the second call's first node had place 2 in the first call, beyond the new (empty) batch
    multicall = backend.deploy("MockMulticall", sender=relayer)
    selector = keccak(text="settle((address,uint256,uint256,uint256)[],(bytes32,bytes32)[])")[:4]
    types = ["(address,uint256,uint256,uint256)[]", "(bytes32,bytes32)[]"]
    first = [voucher(node, DOLLAR), voucher(second_node, 2 * DOLLAR)]
    second = [voucher(second_node, 7 * DOLLAR), voucher(node, 3 * DOLLAR)]
    calls = [selector + abi_encode(types, list(signed_batch(domain, batch, customer))) for batch in (first, second)]

    receipt = multicall.aggregate(settlement, calls, sender=relayer)

    paid = [(e.args["node_id"], e.args["amount"]) for e in receipt.filter("NodePaid")]
    assert paid == [(node, DOLLAR), (second_node, 2 * DOLLAR), (second_node, 5 * DOLLAR), (node, 2 * DOLLAR)]
