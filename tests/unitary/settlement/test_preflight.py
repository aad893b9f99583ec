"""Settlement.preflight and voucher_digest: what `settle` would do with a batch, told before
it is sent (issue #18).

`preflight` must give every voucher the reason `settle` then logs (0 for VoucherSettled, the
VoucherSkipped reason otherwise), with the batch's own effects; `voucher_digest` must be the
digest eth-account signs and the one `settle` checks. Signatures come from eth_account
(computerwa.client.vouchers); the reference digest is eth_account's `encode_typed_data`.
"""

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from computerwa.client.signing import digest, encode, sign_digest_compact
from computerwa.client.vouchers import Voucher, sign_voucher, voucher_typed_data
from computerwa.evm.chain import reverts
from computerwa.models.settlement import (
    EXPIRED,
    INVALID_SIGNATURE,
    MAX_NODES_PER_BATCH,
    NOTHING_DUE,
    UNDERFUNDED,
    UNKNOWN_NODE,
)
from tests.unitary.settlement.conftest import DOLLAR, HOUR, UNKNOWN_NODE_ID, register, signed_batch

PAID = 0
NO_SIGNATURE = (b"\x00" * 32, b"\x00" * 32)


def reasons(receipt) -> list[int]:
    """What `settle` did with each voucher, in order: 0 paid, else the VoucherSkipped reason."""
    return [
        0 if event.name == "VoucherSettled" else event.args["reason"]
        for event in receipt.events
        if event.name in ("VoucherSettled", "VoucherSkipped")
    ]


def preflight(settlement, vouchers, signatures) -> list[int]:
    return list(settlement.preflight(vouchers, signatures))


def preflight_then_settle(settlement, batch, relayer) -> list[int]:
    """Asserts that `preflight` predicts what `settle` then does with `batch`; returns it."""
    predicted = preflight(settlement, *batch)
    assert reasons(settlement.settle(*batch, sender=relayer)) == predicted
    return predicted


@pytest.fixture
def funded(stablecoin, settlement, customer):
    """`funded(amount, reserved={node: amount})`: the customer prepays `amount` and reserves
    part of it for some channels."""

    def fund(amount, reserved=None):
        stablecoin.approve(settlement, amount, sender=customer)
        settlement.deposit(amount, sender=customer)
        for node_id, reservation in (reserved or {}).items():
            settlement.reserve(node_id, reservation, sender=customer)

    return fund


# --- voucher_digest ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cumulative", [1, 12_345_679, 2**128 - 1, 2**256 - 1])
def test_voucher_digest_is_eth_accounts_eip712_digest(settlement, domain, node, customer, voucher, cumulative):
    paid = voucher(node, cumulative)
    message = encode(voucher_typed_data(domain, paid))
    reference = keccak(b"\x19" + message.version + message.header + message.body)
    assert settlement.voucher_digest(paid.as_tuple()) == reference == digest(voucher_typed_data(domain, paid))


def test_voucher_digest_binds_every_field_and_the_domain(settlement, domain, node, customer, attacker, voucher):
    paid = voucher(node, DOLLAR)
    others = [
        voucher(node + 1, DOLLAR),
        voucher(node, DOLLAR + 1),
        voucher(node, DOLLAR, payer=attacker),
        voucher(node, DOLLAR, deadline=paid.deadline + 1),
    ]
    digests = {settlement.voucher_digest(v.as_tuple()) for v in [paid, *others]}
    assert len(digests) == 5


def test_settle_checks_the_digest_voucher_digest_gives(settlement, node, customer, relayer, funded, voucher):
    # settle computes its digest inline: a signature of voucher_digest's raw digest must pay
    funded(10 * DOLLAR)
    paid = voucher(node, DOLLAR)
    signature = sign_digest_compact(customer, settlement.voucher_digest(paid.as_tuple()))
    assert preflight(settlement, [paid.as_tuple()], [signature]) == [PAID]
    assert settlement.settle([paid.as_tuple()], [signature], sender=relayer).return_value == DOLLAR


# --- each reason -------------------------------------------------------------------------------------
def test_preflight_predicts_every_skip_reason(
    backend, settlement, domain, node, second_node, customer, attacker, relayer, funded, voucher
):
    funded(10 * DOLLAR)
    batch = signed_batch(domain, [voucher(node, 2 * DOLLAR)], customer)
    assert preflight_then_settle(settlement, batch, relayer) == [PAID]

    vouchers = [
        voucher(node, 3 * DOLLAR, deadline=backend.timestamp - 1),  # expired
        voucher(node, 2 * DOLLAR),  # nothing due: already settled
        voucher(UNKNOWN_NODE_ID, DOLLAR),  # unknown node
        voucher(second_node, DOLLAR),  # signed by the attacker below
        voucher(second_node, 11 * DOLLAR),  # underfunded
        voucher(second_node, 2**128),  # above every possible balance
        voucher(node, 3 * DOLLAR),  # paid
    ]
    vouchers_, signatures = signed_batch(domain, vouchers, customer)
    signatures[3] = sign_voucher(domain, vouchers[3], attacker)
    assert preflight_then_settle(settlement, (vouchers_, signatures), relayer) == [
        EXPIRED,
        NOTHING_DUE,
        UNKNOWN_NODE,
        INVALID_SIGNATURE,
        UNDERFUNDED,
        UNDERFUNDED,
        PAID,
    ]


def test_checks_run_in_settles_order(backend, settlement, domain, customer, attacker, relayer, funded, voucher):
    # expired before unknown node, unknown node before the signature
    funded(DOLLAR)
    late_and_unknown = voucher(UNKNOWN_NODE_ID, DOLLAR, deadline=backend.timestamp - 1)
    unknown_and_forged = voucher(UNKNOWN_NODE_ID, DOLLAR)
    vouchers = [late_and_unknown.as_tuple(), unknown_and_forged.as_tuple()]
    signatures = [sign_voucher(domain, late_and_unknown, attacker), sign_voucher(domain, unknown_and_forged, attacker)]
    assert preflight_then_settle(settlement, (vouchers, signatures), relayer) == [EXPIRED, UNKNOWN_NODE]


def test_a_stale_forged_voucher_is_nothing_due_not_invalid(
    settlement, domain, node, customer, attacker, relayer, funded, voucher
):
    funded(10 * DOLLAR)
    preflight_then_settle(settlement, signed_batch(domain, [voucher(node, 2 * DOLLAR)], customer), relayer)
    stale = voucher(node, DOLLAR)
    batch = ([stale.as_tuple()], [sign_voucher(domain, stale, attacker)])
    assert preflight_then_settle(settlement, batch, relayer) == [NOTHING_DUE]


def test_a_voucher_of_a_node_never_paid_before_is_read_from_the_registry(
    registry, settlement, domain, customer, operator, relayer, funded, voucher
):
    # registered after Settlement last looked: nothing is cached for it yet
    fresh = register(registry, operator, 2_000, region="preflight")
    funded(DOLLAR)
    batch = signed_batch(domain, [voucher(fresh, DOLLAR)], customer)
    assert preflight(settlement, *batch) == [PAID]
    assert preflight(settlement, *batch) == [PAID]  # a view: still nothing cached, same answer
    assert preflight_then_settle(settlement, batch, relayer) == [PAID]


def test_an_empty_batch_has_no_reasons(settlement):
    assert preflight(settlement, [], []) == []


# --- the batch's own effects -------------------------------------------------------------------------
def test_a_second_voucher_of_a_channel_pays_only_its_increase(
    settlement, domain, node, customer, relayer, funded, voucher
):
    funded(10 * DOLLAR)
    vouchers = [
        voucher(node, 6 * DOLLAR),  # paid: 4 left
        voucher(node, 10 * DOLLAR),  # its increase, 4, is paid: 0 left
        voucher(node, 9 * DOLLAR),  # below what the batch already settled
        voucher(node, 10 * DOLLAR + 1),  # an increase of 1 base unit, and nothing left
    ]
    assert preflight_then_settle(settlement, signed_batch(domain, vouchers, customer), relayer) == [
        PAID,
        PAID,
        NOTHING_DUE,
        UNDERFUNDED,
    ]


def test_a_balance_that_covers_only_the_first_voucher_pays_only_the_first(
    settlement, domain, node, second_node, customer, relayer, funded, voucher
):
    funded(10 * DOLLAR)
    vouchers = [voucher(node, 6 * DOLLAR), voucher(second_node, 6 * DOLLAR)]
    assert preflight_then_settle(settlement, signed_batch(domain, vouchers, customer), relayer) == [
        PAID,
        UNDERFUNDED,
    ]
    # alone, the second would have been paid: the first voucher's draw is what refuses it
    assert preflight(settlement, *signed_batch(domain, [voucher(second_node, 4 * DOLLAR)], customer)) == [PAID]


def test_a_channels_reservation_is_drawn_before_the_free_balance(
    settlement, domain, node, second_node, customer, relayer, funded, voucher
):
    # $10 prepaid, $4 of it reserved for the first node: $6 free
    funded(10 * DOLLAR, reserved={node: 4 * DOLLAR})
    vouchers = [
        voucher(node, 3 * DOLLAR),  # within the reservation: $1 reserved, $6 free left
        voucher(node, 6 * DOLLAR),  # $1 from the reservation, $2 from the free balance: $4 free left
        voucher(second_node, 5 * DOLLAR),  # the other channel has no reservation: underfunded
        voucher(second_node, 4 * DOLLAR),  # exactly the free balance left
        voucher(node, 6 * DOLLAR + 1),  # nothing reserved, nothing free
    ]
    assert preflight_then_settle(settlement, signed_batch(domain, vouchers, customer), relayer) == [
        PAID,
        PAID,
        UNDERFUNDED,
        PAID,
        UNDERFUNDED,
    ]
    assert settlement.prepaid(customer) == 0


def test_another_channels_reservation_is_not_free_balance(
    settlement, domain, node, second_node, customer, relayer, funded, voucher
):
    funded(10 * DOLLAR, reserved={node: 8 * DOLLAR})
    vouchers = [voucher(second_node, 3 * DOLLAR), voucher(node, 9 * DOLLAR), voucher(node, 11 * DOLLAR)]
    assert preflight_then_settle(settlement, signed_batch(domain, vouchers, customer), relayer) == [
        UNDERFUNDED,
        PAID,
        UNDERFUNDED,
    ]


def test_payers_draw_only_their_own_balances(
    settlement, domain, node, customer, second_customer, second_prepaid, relayer, funded, voucher
):
    funded(DOLLAR)
    batch_vouchers = [voucher(node, DOLLAR), voucher(node, DOLLAR, payer=second_customer), voucher(node, 2 * DOLLAR)]
    vouchers, signatures = signed_batch(domain, batch_vouchers, customer)
    signatures[1] = sign_voucher(domain, batch_vouchers[1], second_customer)
    assert preflight_then_settle(settlement, (vouchers, signatures), relayer) == [PAID, PAID, UNDERFUNDED]


# --- a contract wallet (ERC-1271) --------------------------------------------------------------------
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
    return wallet


def test_a_contract_wallets_erc1271_answer_is_asked(settlement, domain, node, customer, relayer, wallet, voucher):
    paid = voucher(node, DOLLAR, payer=wallet.address)
    batch = signed_batch(domain, [paid], customer)
    wallet.set_valid(False, sender=customer)
    assert preflight(settlement, *batch) == [INVALID_SIGNATURE]
    wallet.set_valid(True, sender=customer)
    assert preflight_then_settle(settlement, batch, relayer) == [PAID]


def test_a_contract_wallets_lock_answers_for_it(settlement, domain, node, customer, operator, relayer, wallet, voucher):
    locked = voucher(node, 3 * DOLLAR, payer=wallet.address)
    settlement.lock_voucher(locked.as_tuple(), sign_voucher(domain, locked, customer), sender=operator)
    # the wallet now refuses everything: the lock still covers vouchers up to its amount
    wallet.set_valid(False, sender=customer)
    vouchers = [
        voucher(node, 2 * DOLLAR, payer=wallet.address),
        voucher(node, 3 * DOLLAR, payer=wallet.address),
        voucher(node, 3 * DOLLAR + 1, payer=wallet.address),
    ]
    batch = ([v.as_tuple() for v in vouchers], [NO_SIGNATURE] * len(vouchers))
    assert preflight_then_settle(settlement, batch, relayer) == [PAID, PAID, INVALID_SIGNATURE]


def test_a_lock_past_its_deadline_no_longer_answers(
    backend, settlement, domain, node, customer, operator, relayer, wallet, voucher, mine_at
):
    locked = voucher(node, 3 * DOLLAR, payer=wallet.address, deadline=backend.pending_timestamp + 60)
    settlement.lock_voucher(locked.as_tuple(), sign_voucher(domain, locked, customer), sender=operator)
    wallet.set_valid(False, sender=customer)
    # preflight answers for the latest block: one past the lock's deadline
    mine_at(locked.deadline + 1)
    paid = voucher(node, DOLLAR, payer=wallet.address)
    batch = ([paid.as_tuple()], [NO_SIGNATURE])
    assert preflight_then_settle(settlement, batch, relayer) == [INVALID_SIGNATURE]


# --- whole-batch reverts -----------------------------------------------------------------------------
def test_preflight_is_refused_while_paused(settlement, domain, node, customer, issuer, funded, voucher):
    funded(DOLLAR)
    batch = signed_batch(domain, [voucher(node, DOLLAR)], customer)
    settlement.pause(sender=issuer)
    with reverts("settlement: paused"):
        preflight(settlement, *batch)
    settlement.unpause(sender=issuer)
    assert preflight(settlement, *batch) == [PAID]


def test_preflight_needs_one_signature_per_voucher(settlement, domain, node, customer, voucher):
    vouchers, signatures = signed_batch(domain, [voucher(node, DOLLAR), voucher(node, 2 * DOLLAR)], customer)
    with reverts("settlement: one signature per voucher"):
        preflight(settlement, vouchers, signatures[:1])
    with reverts("settlement: one signature per voucher"):
        preflight(settlement, vouchers[:1], signatures)


def test_preflight_refuses_seventeen_nodes_unknown_ones_included(settlement, domain, node, customer, funded, voucher):
    funded(DOLLAR)
    vouchers = [voucher(node, DOLLAR)] + [voucher(UNKNOWN_NODE_ID + i, DOLLAR) for i in range(MAX_NODES_PER_BATCH)]
    batch = signed_batch(domain, vouchers, customer)
    with reverts("settlement: more than 16 nodes in a batch"):
        preflight(settlement, *batch)
    assert preflight(settlement, *signed_batch(domain, vouchers[:MAX_NODES_PER_BATCH], customer)) == [PAID] + [
        UNKNOWN_NODE
    ] * (MAX_NODES_PER_BATCH - 1)


def test_expired_vouchers_still_count_towards_the_sixteen_nodes(
    backend, settlement, domain, node, customer, relayer, voucher
):
    late = [voucher(UNKNOWN_NODE_ID + i, DOLLAR, deadline=backend.timestamp - 1) for i in range(MAX_NODES_PER_BATCH)]
    batch = signed_batch(domain, [*late, voucher(node, DOLLAR)], customer)
    with reverts("settlement: more than 16 nodes in a batch"):
        preflight(settlement, *batch)
    with reverts("settlement: more than 16 nodes in a batch"):
        settlement.settle(*batch, sender=relayer)


# --- the property: preflight(batch) is what settle(batch) then logs ----------------------------------
UNIT = DOLLAR
# amounts near the balances, so that draws, increases and underfunding all happen
entries = st.tuples(
    st.integers(0, 1),  # payer: the customer or the second customer
    st.sampled_from([0, 0, 0, 1, 1, 1, 2]),  # node: the first, the second, or (rarely) an unknown one
    st.integers(1, 8),  # cumulative amount, in dollars
    st.sampled_from(["signed"] * 8 + ["forged", "expired"]),
)
batches = st.lists(entries, min_size=1, max_size=10)


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=batches, second=batches)
# the reservation used up by the first voucher, the free balance short for the second
@example(first=[(0, 0, 5, "signed"), (0, 0, 7, "signed")], second=[(0, 0, 8, "signed")])
# a payer's free balance drawn by two channels, then short for a third draw
@example(first=[(1, 0, 1, "signed"), (1, 1, 1, "signed"), (1, 0, 4, "signed")], second=[])
# a channel paid three times in one batch, then replayed
@example(first=[(1, 1, 1, "signed"), (1, 1, 2, "signed"), (1, 1, 3, "signed"), (1, 1, 3, "signed")], second=[])
def test_preflight_predicts_what_settle_logs_for_any_batch(
    backend,
    stablecoin,
    settlement,
    domain,
    node,
    second_node,
    customer,
    second_customer,
    attacker,
    relayer,
    authorize,
    first,
    second,
):
    snapshot = backend.snapshot()
    try:
        # the customer: $6 prepaid, $4 of it reserved for the first node; the second: $4
        stablecoin.approve(settlement, 6 * UNIT, sender=customer)
        settlement.deposit(6 * UNIT, sender=customer)
        settlement.reserve(node, 4 * UNIT, sender=customer)
        settlement.deposit_with_authorization(
            second_customer.address, *authorize(second_customer, 4 * UNIT).args(), sender=relayer
        )
        payers = [customer, second_customer]
        nodes = [node, second_node, UNKNOWN_NODE_ID]
        for entries_ in (first, second):
            vouchers, signatures = [], []
            for payer, node_index, dollars, kind in entries_:
                deadline = backend.timestamp - 1 if kind == "expired" else backend.pending_timestamp + HOUR
                paid = Voucher(payers[payer].address, nodes[node_index], dollars * UNIT, deadline)
                vouchers.append(paid.as_tuple())
                signatures.append(sign_voucher(domain, paid, attacker if kind == "forged" else payers[payer]))
            preflight_then_settle(settlement, (vouchers, signatures), relayer)
    finally:
        backend.restore(snapshot)
