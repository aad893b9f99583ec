"""NodeRegistry.slash: an accepted oracle report below the node's SLA moves SLASH_BPS of
the bond into the node's ComputeToken revenue stream, once per (node, epoch), by anyone.

Reports are signed by three of the suite's five attestors (eth_account, through
computerwa.client.attestation.sign_report) and relayed to the suite's AttestationOracle."""

import pytest

from computerwa.evm.chain import reverts
from computerwa.models.registry import slash_amount
from tests.conftest import BOND_DELAY, EPOCH_LENGTH, FOREVER, GRACE_PERIOD, ONE_DOLLAR, PAST_EPOCHS, SLASH_BPS
from tests.unitary.registry.conftest import (
    ALREADY_SLASHED,
    APPROVE_FAILED,
    BOND,
    FIRST_EPOCH,
    MAX_BPS,
    NO_BOND_TO_SLASH,
    NO_REPORT,
    NO_REQUEST,
    NO_WITHDRAWAL,
    PAUSED,
    REPORT_DUE,
    RETIRED,
    SLA_BPS,
    SLA_MET,
    UNKNOWN_NODE,
    node_of,
)

EPOCH = PAST_EPOCHS - 1  # the last finished epoch: reports for it can be accepted
FIFTH = slash_amount(BOND, SLASH_BPS)
SHARES = 1_000 * 10**18


def current_epoch(suite_genesis, timestamp):
    return (timestamp - suite_genesis) // EPOCH_LENGTH


def test_slash_moves_a_fifth_of_the_bond_to_the_holders(
    registry, bonded, node_token, report_uptime, relayer, stablecoin, suite_genesis
):
    report_uptime(bonded, EPOCH, 9_000)
    receipt = registry.slash(bonded, EPOCH, sender=relayer)
    assert receipt.return_value == FIFTH
    assert receipt.filter("Slashed")[0].args == {
        "node_id": bonded,
        "epoch": EPOCH,
        "missed": False,
        "uptime_bps": 9_000,
        "sla_uptime_bps": SLA_BPS,
        "amount": FIFTH,
        "bond": BOND - FIFTH,
        "requested": 0,
    }
    deposited = receipt.filter("RevenueDeposited")
    assert [event.address for event in deposited] == [node_token.address]
    assert deposited[0].args == {
        "sender": registry.address,
        "amount": FIFTH,
        "epoch": current_epoch(suite_genesis, receipt.timestamp),
    }
    assert stablecoin.balanceOf(node_token) == FIFTH
    assert stablecoin.balanceOf(registry) == BOND - FIFTH
    assert stablecoin.allowance(registry, node_token) == 0  # the approval is used up
    assert node_token.queued_amount() == FIFTH
    assert node_of(registry, bonded).bond == BOND - FIFTH
    assert registry.slashed(bonded, EPOCH)


def test_holders_claim_the_slashed_bond_once_it_has_streamed(
    backend, registry, bonded, node_token, report_uptime, relayer, issuer, investor, identity, stablecoin, suite_genesis
):
    identity.set_verified(investor, FOREVER, sender=issuer)
    node_token.mint(investor, SHARES, sender=issuer)  # the registry's owner is the token's minter
    report_uptime(bonded, EPOCH, 0)
    receipt = registry.slash(bonded, EPOCH, sender=relayer)
    # deposited during epoch e, it streams over epoch e + 1
    deposit_epoch = current_epoch(suite_genesis, receipt.timestamp)
    backend.pending_timestamp = suite_genesis + (deposit_epoch + 2) * EPOCH_LENGTH
    claimed = node_token.claim(investor, sender=investor)
    assert claimed.return_value == FIFTH
    assert stablecoin.balanceOf(investor) == FIFTH


def test_each_slash_takes_a_fifth_of_what_is_left(registry, bonded, report_uptime, relayer):
    bond = BOND
    for epoch in (7, 8, 9):
        report_uptime(bonded, epoch, 5_000)
        taken = slash_amount(bond, SLASH_BPS)
        assert registry.slash(bonded, epoch, sender=relayer).return_value == taken
        bond -= taken
        assert node_of(registry, bonded).bond == bond
    assert bond == 256 * ONE_DOLLAR  # 500 * 0.8**3
    assert [registry.slashed(bonded, epoch) for epoch in range(6, 11)] == [False, True, True, True, False]


def test_a_slash_share_of_everything_empties_the_bond(
    make_registry, stablecoin, operator, node_args, post_bond, report_uptime, relayer
):
    registry = make_registry(stablecoin, slash_bps=MAX_BPS)
    node = registry.register_node(*node_args(), sender=operator).return_value
    post_bond(registry, node, BOND, operator)
    report_uptime(node, EPOCH, 0)
    receipt = registry.slash(node, EPOCH, sender=relayer)
    assert receipt.filter("Slashed")[0].args["amount"] == BOND
    assert receipt.filter("Slashed")[0].args["bond"] == 0
    assert stablecoin.balanceOf(registry) == 0


def test_slash_rounds_up_in_the_holders_favour(registry, node, node_token, operator, post_bond, report_uptime, relayer):
    """A fifth of 9 is 1.8: the holders get 2, never the operator whose node missed the
    remainder (money math rounds in the protocol's favour)."""
    post_bond(registry, node, 9, operator)
    report_uptime(node, EPOCH, 0)
    assert registry.slash(node, EPOCH, sender=relayer).return_value == 2 == slash_amount(9, SLASH_BPS)
    assert node_of(registry, node).bond == 7
    assert node_token.queued_amount() == 2


def test_a_request_and_the_bond_at_risk_each_round_up_and_never_below_zero(
    registry, node, operator, post_bond, report_uptime, relayer
):
    """Bond 10 with 3 of it requested during the epoch: the slash is a fifth of 10 (2); the
    request pays a fifth of 3 rounded up (1), the bond at risk the rest (1 of 7)."""
    post_bond(registry, node, 10, operator)
    registry.request_bond_withdrawal(node, 3, sender=operator)
    report_uptime(node, EPOCH, 0)
    slashed = registry.slash(node, EPOCH, sender=relayer).filter("Slashed")[0].args
    assert (slashed["amount"], slashed["requested"], slashed["bond"]) == (2, 2, 6)
    assert registry.bonds_held() == 8


# --- when a slash is allowed -------------------------------------------------------------------
def test_an_epoch_is_slashed_once(registry, bonded, report_uptime, relayer, attacker):
    report_uptime(bonded, EPOCH, 0)
    registry.slash(bonded, EPOCH, sender=relayer)
    for caller in (relayer, attacker):
        with reverts(ALREADY_SLASHED):
            registry.slash(bonded, EPOCH, sender=caller)
    assert node_of(registry, bonded).bond == BOND - FIFTH


def test_an_epoch_before_the_nodes_first_needs_a_report(registry, bonded, report_uptime, relayer):
    """Before its first judged epoch a node was not there to be reported: silence is no downtime."""
    with reverts(NO_REPORT):
        registry.slash(bonded, EPOCH, sender=relayer)
    report_uptime(bonded, EPOCH - 2, 0)
    for epoch in (0, EPOCH - 3, EPOCH - 1, EPOCH, FIRST_EPOCH - 1):
        with reverts(NO_REPORT):
            registry.slash(bonded, epoch, sender=relayer)
    assert not registry.slashed(bonded, EPOCH)


@pytest.mark.parametrize("epoch", [FIRST_EPOCH, FIRST_EPOCH + 1, 2**64 - 1])
def test_an_unended_epoch_without_a_report_is_not_missed_yet(registry, bonded, relayer, epoch):
    """The node's first epoch (not begun yet), a later one, the last one there is: their
    report is still due."""
    with reverts(REPORT_DUE):
        registry.slash(bonded, epoch, sender=relayer)
    assert not registry.slashed(bonded, epoch)


def test_another_nodes_report_does_not_count(registry, register, operator, post_bond, report_uptime, relayer):
    first = register().return_value
    second = register().return_value
    post_bond(registry, first, BOND, operator)
    report_uptime(second, EPOCH, 0)
    with reverts(NO_REPORT):
        registry.slash(first, EPOCH, sender=relayer)


@pytest.mark.parametrize("uptime", [SLA_BPS, SLA_BPS + 1, MAX_BPS])
def test_uptime_at_or_above_the_sla_is_not_slashed(registry, bonded, report_uptime, relayer, uptime):
    report_uptime(bonded, EPOCH, uptime)
    with reverts(SLA_MET):
        registry.slash(bonded, EPOCH, sender=relayer)
    assert not registry.slashed(bonded, EPOCH)
    assert node_of(registry, bonded).bond == BOND


@pytest.mark.parametrize("uptime", [0, SLA_BPS // 2, SLA_BPS - 1])
def test_uptime_below_the_sla_is_slashed(registry, bonded, report_uptime, relayer, uptime):
    report_uptime(bonded, EPOCH, uptime)
    receipt = registry.slash(bonded, EPOCH, sender=relayer)
    assert receipt.filter("Slashed")[0].args["uptime_bps"] == uptime


def test_a_perfect_sla_is_missed_by_a_single_bps(registry, register, operator, post_bond, report_uptime, relayer):
    node = register(sla_uptime_bps=MAX_BPS).return_value
    post_bond(registry, node, BOND, operator)
    report_uptime(node, EPOCH - 1, MAX_BPS)
    with reverts(SLA_MET):
        registry.slash(node, EPOCH - 1, sender=relayer)
    report_uptime(node, EPOCH, MAX_BPS - 1)
    assert registry.slash(node, EPOCH, sender=relayer).return_value == FIFTH


def test_a_node_without_an_sla_is_never_slashed(registry, register, operator, post_bond, report_uptime, relayer):
    node = register(sla_uptime_bps=0).return_value
    post_bond(registry, node, BOND, operator)
    report_uptime(node, EPOCH, 0)
    with reverts(SLA_MET):
        registry.slash(node, EPOCH, sender=relayer)


@pytest.mark.parametrize("node_id", [0, 2])
def test_an_unknown_node_cannot_be_slashed_even_with_a_report(registry, bonded, report_uptime, relayer, node_id):
    report_uptime(node_id, EPOCH, 0)
    with reverts(UNKNOWN_NODE):
        registry.slash(node_id, EPOCH, sender=relayer)


def test_anyone_may_slash_and_gains_nothing(registry, bonded, node_token, report_uptime, attacker, stablecoin):
    report_uptime(bonded, EPOCH, 0)
    registry.slash(bonded, EPOCH, sender=attacker)
    assert stablecoin.balanceOf(attacker) == 0
    assert stablecoin.balanceOf(node_token) == FIFTH


@pytest.mark.parametrize("status", [PAUSED, RETIRED])
def test_status_does_not_shield_a_node_from_a_slash(registry, bonded, operator, report_uptime, relayer, status):
    # the registry slashes on the report alone: pausing or retiring is no escape
    registry.set_status(bonded, status, sender=operator)
    report_uptime(bonded, EPOCH, 0)
    assert registry.slash(bonded, EPOCH, sender=relayer).return_value == FIFTH


def test_an_old_epoch_is_slashed_against_a_bond_posted_later(
    registry, node, operator, post_bond, report_uptime, relayer
):
    report_uptime(node, 0, 0)  # missed the SLA long ago, with no bond at the time
    post_bond(registry, node, BOND, operator)
    assert registry.slash(node, 0, sender=relayer).return_value == FIFTH


# --- zero bonds ----------------------------------------------------------------------------------
def test_a_slash_of_a_zero_bond_is_refused_and_records_nothing(registry, node, node_token, report_uptime, relayer):
    report_uptime(node, EPOCH, 0)
    with reverts(NO_BOND_TO_SLASH):
        registry.slash(node, EPOCH, sender=relayer)
    assert not registry.slashed(node, EPOCH)
    assert node_token.queued_amount() == 0


def test_a_bond_of_one_unit_is_slashed_whole(registry, node, operator, post_bond, report_uptime, relayer):
    """Rounding up, no bond is too small to slash: only an empty one leaves the epoch open."""
    post_bond(registry, node, 1, operator)
    report_uptime(node, EPOCH, 0)
    receipt = registry.slash(node, EPOCH, sender=relayer)
    assert (receipt.filter("Slashed")[0].args["amount"], receipt.filter("Slashed")[0].args["bond"]) == (1, 0)
    assert registry.slashed(node, EPOCH)
    report_uptime(node, EPOCH - 1, 0)
    with reverts(NO_BOND_TO_SLASH):
        registry.slash(node, EPOCH - 1, sender=relayer)
    assert not registry.slashed(node, EPOCH - 1)


# --- slashes and pending withdrawals -------------------------------------------------------------
def test_a_slash_reaches_a_bond_with_a_pending_withdrawal(
    backend, registry, bonded, operator, report_uptime, relayer, stablecoin
):
    registry.request_bond_withdrawal(bonded, BOND, sender=operator)
    report_uptime(bonded, EPOCH, 0)
    slashed = registry.slash(bonded, EPOCH, sender=relayer).filter("Slashed")[0].args
    assert (slashed["amount"], slashed["bond"], slashed["requested"]) == (FIFTH, 0, BOND - FIFTH)
    backend.sleep(BOND_DELAY)
    receipt = registry.withdraw_bond(bonded, operator, sender=operator)
    assert receipt.return_value == BOND - FIFTH
    assert receipt.filter("BondWithdrawn")[0].args == {
        "node_id": bonded,
        "receiver": operator.address,
        "amount": BOND - FIFTH,
        "bond": 0,
    }
    assert stablecoin.balanceOf(registry) == 0
    assert registry.bond_withdrawal(bonded) == NO_REQUEST


def test_a_request_and_the_bond_at_risk_each_pay_their_share_of_a_slash(
    backend, registry, bonded, operator, report_uptime, relayer
):
    request = 100 * ONE_DOLLAR
    registry.request_bond_withdrawal(bonded, request, sender=operator)
    report_uptime(bonded, EPOCH, 0)  # an epoch up to the request: the requested 100 was at risk
    slashed = registry.slash(bonded, EPOCH, sender=relayer).filter("Slashed")[0].args
    assert slashed["amount"] == FIFTH
    assert slashed["requested"] == request - slash_amount(request, SLASH_BPS)
    assert slashed["bond"] == BOND - request - slash_amount(BOND - request, SLASH_BPS)
    assert registry.bond_withdrawal(bonded)[0] == slashed["requested"]
    assert node_of(registry, bonded).bond == slashed["bond"]
    backend.sleep(BOND_DELAY)
    assert registry.withdraw_bond(bonded, operator, sender=operator).return_value == slashed["requested"]
    assert node_of(registry, bonded).bond == slashed["bond"]


def test_a_request_on_a_bond_slashed_to_nothing_is_gone(
    backend, make_registry, stablecoin, operator, node_args, post_bond, report_uptime, relayer
):
    registry = make_registry(stablecoin, slash_bps=MAX_BPS)
    node = registry.register_node(*node_args(), sender=operator).return_value
    post_bond(registry, node, BOND, operator)
    registry.request_bond_withdrawal(node, BOND, sender=operator)
    report_uptime(node, EPOCH, 0)
    registry.slash(node, EPOCH, sender=relayer)
    assert registry.bond_withdrawal(node) == NO_REQUEST
    backend.sleep(BOND_DELAY)
    with reverts(NO_WITHDRAWAL):
        registry.withdraw_bond(node, operator, sender=operator)


def test_a_paused_stablecoin_delays_a_slash_but_loses_nothing(
    registry, bonded, node_token, report_uptime, relayer, issuer, stablecoin
):
    report_uptime(bonded, EPOCH, 0)
    stablecoin.pause(sender=issuer)
    with reverts("pausable: contract is paused"):
        registry.slash(bonded, EPOCH, sender=relayer)
    assert not registry.slashed(bonded, EPOCH)
    stablecoin.unpause(sender=issuer)
    registry.slash(bonded, EPOCH, sender=relayer)
    assert stablecoin.balanceOf(node_token) == FIFTH


# --- tokens that take a fee or answer false --------------------------------------------------------
def test_a_fee_token_slash_moves_the_share_and_credits_what_arrived(backend, node_in, operator, report_uptime, relayer):
    fee_token = backend.deploy("MockFeeToken", 100, sender=operator)  # burns 1% of every transfer
    registry, node = node_in(fee_token, bond=BOND)
    bond = node_of(registry, node).bond
    report_uptime(node, EPOCH, 0)
    receipt = registry.slash(node, EPOCH, sender=relayer)
    moved = slash_amount(bond, SLASH_BPS)
    arrived = moved - moved // 100
    assert receipt.return_value == arrived
    assert receipt.filter("Slashed")[0].args["amount"] == moved
    assert receipt.filter("RevenueDeposited")[0].args["amount"] == arrived
    token = node_of(registry, node).token
    assert fee_token.balanceOf(token) == arrived
    assert fee_token.balanceOf(registry) == bond - moved == node_of(registry, node).bond


def test_a_slash_in_a_token_whose_approve_returns_nothing_moves_the_share(
    node_in, silent_token, report_uptime, relayer
):
    """USDT-style: approve (registry) and transferFrom (node token) answer nothing."""
    registry, node = node_in(silent_token, bond=BOND)
    report_uptime(node, EPOCH, 0)
    assert registry.slash(node, EPOCH, sender=relayer).return_value == FIFTH
    assert silent_token.balanceOf(node_of(registry, node).token) == FIFTH
    assert silent_token.balanceOf(registry) == BOND - FIFTH == node_of(registry, node).bond


def test_slash_refuses_a_token_whose_approve_returns_false(node_in, false_token, operator, report_uptime, relayer):
    registry, node = node_in(false_token, bond=BOND)
    report_uptime(node, EPOCH, 0)
    false_token.set_failing(True, sender=operator)
    with reverts(APPROVE_FAILED):
        registry.slash(node, EPOCH, sender=relayer)
    assert not registry.slashed(node, EPOCH)
    assert node_of(registry, node).bond == BOND


# --- issue #15 item 1: empty bonds and missed epochs ---------------------------------------------
def test_slash_of_an_empty_bond_does_not_burn_the_epoch(
    registry, node, node_token, operator, relayer, post_bond, report_uptime, stablecoin
):
    """The attack: the operator's node misses its SLA while its bond is out; the operator
    slashes the empty bond itself, which marked the epoch slashed for good, then re-posts.
    Now a slash that moves nothing is refused and leaves the epoch open: the re-posted bond
    pays for it."""
    report_uptime(node, EPOCH, 0)
    with reverts(NO_BOND_TO_SLASH):
        registry.slash(node, EPOCH, sender=operator)
    assert not registry.slashed(node, EPOCH)
    post_bond(registry, node, BOND, operator)
    assert registry.slash(node, EPOCH, sender=relayer).return_value == FIFTH
    assert stablecoin.balanceOf(node_token) == FIFTH


def test_a_missed_epoch_is_slashable_as_downtime(
    backend, registry, bonded, node_token, attacker, stablecoin, epoch_end, suite_genesis
):
    """The attack: a node whose epoch no report covers (the committee saw it down, or a later
    report buried it) could never be slashed for it. Now an ended epoch with no report
    GRACE_PERIOD after its end is missed, and anyone slashes it as downtime (uptime 0)."""
    missed_from = epoch_end(FIRST_EPOCH) + GRACE_PERIOD
    backend.pending_timestamp = missed_from - 1
    with reverts(REPORT_DUE):
        registry.slash(bonded, FIRST_EPOCH, sender=attacker)
    backend.pending_timestamp = missed_from
    receipt = registry.slash(bonded, FIRST_EPOCH, sender=attacker)
    assert receipt.return_value == FIFTH
    assert receipt.filter("Slashed")[0].args == {
        "node_id": bonded,
        "epoch": FIRST_EPOCH,
        "missed": True,
        "uptime_bps": 0,
        "sla_uptime_bps": SLA_BPS,
        "amount": FIFTH,
        "bond": BOND - FIFTH,
        "requested": 0,
    }
    assert stablecoin.balanceOf(node_token) == FIFTH
    assert stablecoin.balanceOf(attacker) == 0
    assert registry.slashed(bonded, FIRST_EPOCH)
