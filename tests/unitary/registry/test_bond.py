"""NodeRegistry bonds: post_bond, request_bond_withdrawal, withdraw_bond.

Bonds are credited by balance difference; a withdrawal is requested, then paid after
BOND_DELAY to any receiver, capped at what slashes left (see test_slash.py)."""

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.evm.chain import reverts
from computerwa.models.registry import slash_amount
from tests.conftest import BOND_DELAY, BOND_WITHDRAWAL_WINDOW, EPOCH_LENGTH, ONE_DOLLAR, OPERATOR_FUNDS, SLASH_BPS
from tests.unitary.registry.conftest import (
    ABOVE_THE_BOND,
    BOND,
    FIRST_EPOCH,
    MAX_BPS,
    NO_REQUEST,
    NO_WITHDRAWAL,
    NOT_AVAILABLE_YET,
    NOT_JUDGED,
    NOT_OPERATOR,
    NOTHING_TO_BOND,
    NOTHING_TO_WITHDRAW,
    REQUEST_EXPIRED,
    RETIRED,
    TRANSFER_FAILED,
    UNKNOWN_NODE,
    node_of,
)

BLACKLISTED = "stablecoin: account is blacklisted"
FIFTH = slash_amount(BOND, SLASH_BPS)


# --- post_bond ---------------------------------------------------------------------------------
def test_operator_posts_a_bond_with_an_event(registry, node, operator, stablecoin, post_bond):
    receipt = post_bond(registry, node, BOND, operator)
    assert receipt.return_value == BOND
    assert receipt.filter("BondPosted")[0].args == {
        "node_id": node,
        "sender": operator.address,
        "amount": BOND,
        "bond": BOND,
    }
    assert node_of(registry, node).bond == BOND
    assert stablecoin.balanceOf(registry) == BOND
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS - BOND


def test_anyone_may_top_up_a_bond(registry, bonded, investor, issuer, stablecoin, post_bond):
    stablecoin.mint(investor, 300 * ONE_DOLLAR, sender=issuer)
    receipt = post_bond(registry, bonded, 300 * ONE_DOLLAR, investor)
    assert receipt.filter("BondPosted")[0].args == {
        "node_id": bonded,
        "sender": investor.address,
        "amount": 300 * ONE_DOLLAR,
        "bond": BOND + 300 * ONE_DOLLAR,
    }
    assert node_of(registry, bonded).bond == BOND + 300 * ONE_DOLLAR
    assert stablecoin.balanceOf(registry) == BOND + 300 * ONE_DOLLAR
    assert stablecoin.balanceOf(investor) == 0


def test_bonds_of_different_nodes_are_kept_apart(registry, register, operator, stablecoin, post_bond):
    first = register().return_value
    second = register().return_value
    post_bond(registry, first, 1, operator)
    post_bond(registry, second, 2 * ONE_DOLLAR, operator)
    assert (node_of(registry, first).bond, node_of(registry, second).bond) == (1, 2 * ONE_DOLLAR)
    assert stablecoin.balanceOf(registry) == 2 * ONE_DOLLAR + 1


def test_a_bond_may_be_posted_on_a_retired_node(registry, node, operator, post_bond):
    registry.set_status(node, RETIRED, sender=operator)
    post_bond(registry, node, 1, operator)
    assert node_of(registry, node).bond == 1


def test_post_bond_refuses_zero(registry, node, operator, post_bond):
    with reverts(NOTHING_TO_BOND):
        post_bond(registry, node, 0, operator)


@pytest.mark.parametrize("node_id", [0, 2])
def test_post_bond_refuses_an_unknown_node(registry, node, operator, post_bond, node_id):
    with reverts(UNKNOWN_NODE):
        post_bond(registry, node_id, BOND, operator)


def test_unknown_node_is_refused_before_a_zero_amount(registry, operator):
    with reverts(UNKNOWN_NODE):
        registry.post_bond(1, 0, sender=operator)


def test_post_bond_needs_an_allowance(registry, node, operator, stablecoin):
    stablecoin.approve(registry, BOND - 1, sender=operator)
    with reverts():
        registry.post_bond(node, BOND, sender=operator)
    assert node_of(registry, node).bond == 0


def test_a_contract_posts_a_bond_from_its_own_balance(registry, node, operator, stablecoin, backend):
    # a smart-account operator (or any contract topping up) pays from its own balance, not from
    # that of the key driving it, even where that key has funds and an allowance
    wallet = backend.deploy("MockWallet", operator.address, sender=operator)
    stablecoin.transfer(wallet, BOND, sender=operator)
    stablecoin.approve(registry, BOND, sender=operator)
    before = stablecoin.balanceOf(operator)
    approve = keccak(text="approve(address,uint256)")[:4] + abi_encode(["address", "uint256"], [registry.address, BOND])
    wallet.execute(stablecoin, approve, sender=operator)
    post = keccak(text="post_bond(uint256,uint256)")[:4] + abi_encode(["uint256", "uint256"], [node, BOND])
    receipt = wallet.execute(registry, post, sender=operator)
    assert receipt.filter("BondPosted")[0].args["sender"] == wallet.address
    assert stablecoin.balanceOf(wallet) == 0 and stablecoin.balanceOf(operator) == before
    assert node_of(registry, node).bond == BOND


def test_a_fee_on_transfer_token_credits_what_arrived(backend, node_in, operator):
    fee_token = backend.deploy("MockFeeToken", 100, sender=operator)  # burns 1% of every transfer
    registry, node = node_in(fee_token)
    receipt = registry.post_bond(node, BOND, sender=operator)
    arrived = BOND - BOND // 100
    assert receipt.return_value == arrived
    assert receipt.filter("BondPosted")[0].args == {
        "node_id": node,
        "sender": operator.address,
        "amount": arrived,
        "bond": arrived,
    }
    assert node_of(registry, node).bond == arrived
    assert fee_token.balanceOf(registry) == arrived
    # the bond is exactly what the registry holds: all of it can be withdrawn
    registry.request_bond_withdrawal(node, arrived, sender=operator)
    backend.sleep(BOND_DELAY)
    paid = registry.withdraw_bond(node, operator, sender=operator)
    assert paid.return_value == arrived
    assert fee_token.balanceOf(registry) == 0
    assert fee_token.balanceOf(operator) == arrived - arrived // 100


def test_post_bond_refuses_a_token_that_returns_false(node_in, false_token, operator):
    registry, node = node_in(false_token)
    false_token.set_failing(True, sender=operator)
    with reverts(TRANSFER_FAILED):
        registry.post_bond(node, BOND, sender=operator)


def test_a_bond_in_a_token_that_returns_nothing_is_posted_and_withdrawn(backend, node_in, silent_token, operator):
    """USDT-style: transfer and transferFrom answer nothing; the registry takes that as success."""
    registry, node = node_in(silent_token)
    assert registry.post_bond(node, BOND, sender=operator).return_value == BOND
    assert silent_token.balanceOf(registry) == BOND == node_of(registry, node).bond
    registry.request_bond_withdrawal(node, BOND, sender=operator)
    backend.sleep(BOND_DELAY)
    assert registry.withdraw_bond(node, operator, sender=operator).return_value == BOND
    assert silent_token.balanceOf(operator) == BOND
    assert silent_token.balanceOf(registry) == 0 == node_of(registry, node).bond


# --- request_bond_withdrawal -------------------------------------------------------------------
def test_operator_requests_a_withdrawal_after_the_delay(registry, bonded, operator, stablecoin):
    receipt = registry.request_bond_withdrawal(bonded, 200 * ONE_DOLLAR, sender=operator)
    available_at = receipt.timestamp + BOND_DELAY
    assert [event.name for event in receipt.events] == ["BondWithdrawalRequested"]
    assert receipt.events[0].args["available_at"] == available_at
    assert registry.bond_withdrawal(bonded)[:2] == (200 * ONE_DOLLAR, available_at)
    # a request moves nothing: the registry holds it until it is paid (the bond at risk is
    # shown without it: test_a_requested_bond_is_shown_apart_from_the_bond_at_risk)
    assert stablecoin.balanceOf(registry) == BOND


def test_the_whole_bond_may_be_requested_but_no_more(registry, bonded, operator):
    with reverts(ABOVE_THE_BOND):
        registry.request_bond_withdrawal(bonded, BOND + 1, sender=operator)
    registry.request_bond_withdrawal(bonded, BOND, sender=operator)
    assert registry.bond_withdrawal(bonded)[0] == BOND


def test_a_node_without_a_bond_cannot_request_a_withdrawal(registry, node, operator):
    with reverts(ABOVE_THE_BOND):
        registry.request_bond_withdrawal(node, 1, sender=operator)


def test_request_refuses_zero(registry, bonded, operator):
    with reverts(NOTHING_TO_WITHDRAW):
        registry.request_bond_withdrawal(bonded, 0, sender=operator)


@pytest.mark.parametrize("caller", ["attacker", "issuer", "investor"])
def test_only_the_operator_requests_a_withdrawal(request, registry, bonded, caller):
    with reverts(NOT_OPERATOR):
        registry.request_bond_withdrawal(bonded, 1, sender=request.getfixturevalue(caller))
    assert registry.bond_withdrawal(bonded) == NO_REQUEST


def test_request_refuses_an_unknown_node(registry, bonded, operator):
    with reverts(UNKNOWN_NODE):
        registry.request_bond_withdrawal(2, 1, sender=operator)


def test_a_new_request_replaces_the_pending_one_and_restarts_the_delay(
    backend, registry, bonded, operator, report_uptime
):
    first = registry.request_bond_withdrawal(bonded, 100 * ONE_DOLLAR, sender=operator)
    backend.sleep(BOND_DELAY // 2)
    second = registry.request_bond_withdrawal(bonded, 40 * ONE_DOLLAR, sender=operator)
    assert registry.bond_withdrawal(bonded)[:2] == (40 * ONE_DOLLAR, second.timestamp + BOND_DELAY)
    assert node_of(registry, bonded).bond == BOND - 40 * ONE_DOLLAR  # the first request's 100 is at risk again
    backend.pending_timestamp = first.timestamp + BOND_DELAY
    with reverts(NOT_AVAILABLE_YET):
        registry.withdraw_bond(bonded, operator, sender=operator)
    backend.pending_timestamp = second.timestamp + BOND_DELAY
    report_uptime(bonded, FIRST_EPOCH, MAX_BPS)  # the second request's epoch, judged
    assert registry.withdraw_bond(bonded, operator, sender=operator).return_value == 40 * ONE_DOLLAR
    assert node_of(registry, bonded).bond == BOND - 40 * ONE_DOLLAR


# --- withdraw_bond -----------------------------------------------------------------------------
@pytest.fixture
def requested(registry, bonded, operator):
    """200 dollars of the bond requested; returns the moment it becomes payable."""
    receipt = registry.request_bond_withdrawal(bonded, 200 * ONE_DOLLAR, sender=operator)
    return receipt.timestamp + BOND_DELAY


def test_withdrawal_is_paid_exactly_at_available_at_not_a_second_earlier(
    backend, registry, bonded, requested, operator, stablecoin
):
    backend.pending_timestamp = requested - 1
    with reverts(NOT_AVAILABLE_YET):
        registry.withdraw_bond(bonded, operator, sender=operator)
    backend.pending_timestamp = requested
    receipt = registry.withdraw_bond(bonded, operator, sender=operator)
    assert receipt.timestamp == requested
    assert receipt.return_value == 200 * ONE_DOLLAR
    assert receipt.filter("BondWithdrawn")[0].args == {
        "node_id": bonded,
        "receiver": operator.address,
        "amount": 200 * ONE_DOLLAR,
        "bond": BOND - 200 * ONE_DOLLAR,
    }
    assert node_of(registry, bonded).bond == BOND - 200 * ONE_DOLLAR
    assert stablecoin.balanceOf(registry) == BOND - 200 * ONE_DOLLAR
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS - BOND + 200 * ONE_DOLLAR


def test_withdrawal_pays_any_receiver(backend, registry, bonded, requested, operator, treasury, stablecoin):
    backend.pending_timestamp = requested
    receipt = registry.withdraw_bond(bonded, treasury, sender=operator)
    assert receipt.filter("BondWithdrawn")[0].args["receiver"] == treasury.address
    assert stablecoin.balanceOf(treasury) == 200 * ONE_DOLLAR
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS - BOND


def test_a_paid_withdrawal_clears_the_request(backend, registry, bonded, requested, operator):
    backend.pending_timestamp = requested
    registry.withdraw_bond(bonded, operator, sender=operator)
    assert registry.bond_withdrawal(bonded) == NO_REQUEST
    with reverts(NO_WITHDRAWAL):
        registry.withdraw_bond(bonded, operator, sender=operator)


def test_withdraw_without_a_request_is_refused(backend, registry, bonded, operator):
    backend.sleep(BOND_DELAY)
    with reverts(NO_WITHDRAWAL):
        registry.withdraw_bond(bonded, operator, sender=operator)


@pytest.mark.parametrize("caller", ["attacker", "issuer"])
def test_only_the_operator_withdraws_even_to_itself(backend, request, registry, bonded, requested, operator, caller):
    backend.pending_timestamp = requested
    with reverts(NOT_OPERATOR):
        registry.withdraw_bond(bonded, operator, sender=request.getfixturevalue(caller))
    assert registry.bond_withdrawal(bonded)[0] == 200 * ONE_DOLLAR


def test_withdraw_refuses_an_unknown_node(backend, registry, bonded, requested, operator):
    backend.pending_timestamp = requested
    with reverts(UNKNOWN_NODE):
        registry.withdraw_bond(2, operator, sender=operator)


def test_a_blacklisted_operator_still_withdraws_to_another_receiver(
    backend, registry, bonded, requested, operator, investor, issuer, stablecoin
):
    stablecoin.blacklist(operator, sender=issuer)
    backend.pending_timestamp = requested
    with reverts(BLACKLISTED):
        registry.withdraw_bond(bonded, operator, sender=operator)
    assert registry.bond_withdrawal(bonded)[:2] == (200 * ONE_DOLLAR, requested)  # nothing lost
    receipt = registry.withdraw_bond(bonded, investor, sender=operator)
    assert receipt.return_value == 200 * ONE_DOLLAR
    assert stablecoin.balanceOf(investor) == 200 * ONE_DOLLAR


def test_a_retired_node_withdraws_its_whole_bond(backend, registry, bonded, operator, stablecoin):
    registry.set_status(bonded, RETIRED, sender=operator)
    registry.request_bond_withdrawal(bonded, BOND, sender=operator)
    backend.sleep(BOND_DELAY)
    assert registry.withdraw_bond(bonded, operator, sender=operator).return_value == BOND
    assert node_of(registry, bonded).bond == 0
    assert stablecoin.balanceOf(registry) == 0
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS


def test_withdraw_refuses_a_token_that_returns_false(backend, node_in, false_token, operator):
    registry, node = node_in(false_token, bond=BOND)
    registry.request_bond_withdrawal(node, BOND, sender=operator)
    backend.sleep(BOND_DELAY)
    false_token.set_failing(True, sender=operator)
    with reverts(TRANSFER_FAILED):
        registry.withdraw_bond(node, operator, sender=operator)
    assert node_of(registry, node).bond == 0  # all of it still requested
    assert registry.bond_withdrawal(node)[0] == BOND == false_token.balanceOf(registry)


def test_a_registry_without_delay_pays_at_once(make_registry, stablecoin, operator, node_args, post_bond):
    registry = make_registry(stablecoin, bond_delay=0)
    node = registry.register_node(*node_args(), sender=operator).return_value
    post_bond(registry, node, BOND, operator)
    registry.request_bond_withdrawal(node, BOND, sender=operator)
    assert registry.withdraw_bond(node, operator, sender=operator).return_value == BOND


def test_the_longest_bond_delay_still_lets_bonds_leave(
    backend, make_registry, stablecoin, operator, node_args, post_bond
):
    # the constructor caps the delay at a year, so `now + BOND_DELAY` cannot overflow
    registry = make_registry(stablecoin, bond_delay=365 * 86_400)
    node = registry.register_node(*node_args(), sender=operator).return_value
    post_bond(registry, node, BOND, operator)
    registry.request_bond_withdrawal(node, BOND, sender=operator)
    backend.sleep(365 * 86_400)
    assert registry.withdraw_bond(node, operator, sender=operator).return_value == BOND


# --- issue #15 item 1: a withdrawal armed in advance ------------------------------------------------
def test_prearmed_bond_withdrawal_cannot_escape_a_slash(
    backend, registry, bonded, node_token, operator, relayer, report_through, report_uptime, at_epoch, stablecoin
):
    """The attack: the operator requests its whole bond the moment it posts it and keeps the
    matured request armed; when its node fails it pulls the bond before the below-SLA report
    lands. Now a matured request expires unpaid after BOND_WITHDRAWAL_WINDOW, and a request
    made as the node fails pays only once that epoch is judged, after its slash."""
    armed = registry.request_bond_withdrawal(bonded, BOND, sender=operator)
    expires_at = armed.timestamp + BOND_DELAY + BOND_WITHDRAWAL_WINDOW
    failing = FIRST_EPOCH + 3
    assert at_epoch(failing, 3_600) > expires_at  # the node fails after the window
    report_through(bonded, FIRST_EPOCH, failing - 1)  # it served its first epochs well
    with reverts(REQUEST_EXPIRED):
        registry.withdraw_bond(bonded, operator, sender=operator)
    assert node_of(registry, bonded).bond == BOND  # at risk again
    # a new request during the failing epoch waits until that epoch is judged
    request = registry.request_bond_withdrawal(bonded, BOND, sender=operator)
    backend.pending_timestamp = request.timestamp + BOND_DELAY
    with reverts(NOT_JUDGED):  # no report yet: the epoch is missed, awaiting its slash
        registry.withdraw_bond(bonded, operator, sender=operator)
    report_uptime(bonded, failing, 0)
    with reverts(NOT_JUDGED):  # reported below the SLA, still awaiting its slash
        registry.withdraw_bond(bonded, operator, sender=operator)
    assert registry.slash(bonded, failing, sender=relayer).return_value == FIFTH
    assert registry.withdraw_bond(bonded, operator, sender=operator).return_value == BOND - FIFTH
    assert stablecoin.balanceOf(node_token) == FIFTH
    assert stablecoin.balanceOf(registry) == 0


def test_a_requested_bond_is_shown_apart_from_the_bond_at_risk(registry, bonded, operator, suite_genesis, mine_at):
    """The attack: `node().bond` kept showing a bond the operator had already asked back."""
    receipt = registry.request_bond_withdrawal(bonded, 200 * ONE_DOLLAR, sender=operator)
    available_at = receipt.timestamp + BOND_DELAY
    expires_at = available_at + BOND_WITHDRAWAL_WINDOW
    epoch = (receipt.timestamp - suite_genesis) // EPOCH_LENGTH
    assert receipt.filter("BondWithdrawalRequested")[0].args == {
        "node_id": bonded,
        "amount": 200 * ONE_DOLLAR,
        "available_at": available_at,
        "expires_at": expires_at,
        "epoch": epoch,
        "bond": BOND - 200 * ONE_DOLLAR,
    }
    assert node_of(registry, bonded).bond == BOND - 200 * ONE_DOLLAR
    assert registry.bond_withdrawal(bonded) == (200 * ONE_DOLLAR, available_at, expires_at, epoch)
    mine_at(expires_at - 1)
    assert node_of(registry, bonded).bond == BOND - 200 * ONE_DOLLAR
    mine_at(expires_at)
    # expired: nothing is requested any more, all of it is at risk again
    assert node_of(registry, bonded).bond == BOND
    assert registry.bond_withdrawal(bonded) == NO_REQUEST


def test_a_matured_request_is_payable_through_the_last_second_of_its_window(
    backend, registry, bonded, requested, operator
):
    backend.pending_timestamp = requested + BOND_WITHDRAWAL_WINDOW - 1
    assert registry.withdraw_bond(bonded, operator, sender=operator).return_value == 200 * ONE_DOLLAR


def test_a_matured_request_expires_at_the_end_of_its_window(
    backend, registry, bonded, requested, operator, report_through
):
    backend.pending_timestamp = requested + BOND_WITHDRAWAL_WINDOW
    with reverts(REQUEST_EXPIRED):
        registry.withdraw_bond(bonded, operator, sender=operator)
    assert node_of(registry, bonded).bond == BOND  # nothing left, all of it at risk again
    # a new request starts over, and waits for the node's epochs up to its own
    again = registry.request_bond_withdrawal(bonded, 200 * ONE_DOLLAR, sender=operator)
    backend.pending_timestamp = again.timestamp + BOND_DELAY
    report_through(bonded, FIRST_EPOCH, FIRST_EPOCH + 2)
    assert registry.withdraw_bond(bonded, operator, sender=operator).return_value == 200 * ONE_DOLLAR
