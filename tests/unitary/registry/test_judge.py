"""NodeRegistry.judge and the judged cursor: every epoch of a node below `judged_until` has an
accepted report at or above its SLA, or was slashed. An epoch without a report GRACE_PERIOD
after its end is missed (uptime 0). `judge` (anyone) and `withdraw_bond` move the cursor;
a withdrawal requested during epoch e pays only once the cursor is past e.

`node` registers during epoch PAST_EPOCHS, so its first judged epoch is FIRST_EPOCH."""

import pytest

from computerwa.evm.chain import reverts
from computerwa.models.registry import slash_amount
from tests.conftest import BOND_DELAY, GRACE_PERIOD, ONE_DOLLAR, SLASH_BPS
from tests.unitary.registry.conftest import (
    BOND,
    FIRST_EPOCH,
    MAX_BPS,
    NO_REPORT,
    NOT_JUDGED,
    SLA_BPS,
    SLA_MET,
    UNKNOWN_NODE,
    node_of,
)

MAX_JUDGED_PER_CALL = 512
FIFTH = slash_amount(BOND, SLASH_BPS)


def judged(receipt):
    """The EpochsJudged events of a receipt, as (from_epoch, judged_until)."""
    return [(e.args["from_epoch"], e.args["judged_until"]) for e in receipt.filter("EpochsJudged")]


# --- the cursor --------------------------------------------------------------------------------
def test_a_new_node_is_judged_from_its_first_whole_epoch(registry, node):
    assert registry.current_epoch() == FIRST_EPOCH - 1
    assert registry.judged_until(node) == FIRST_EPOCH


@pytest.mark.parametrize("node_id", [0, 2, 2**256 - 1])
def test_an_unknown_node_has_no_epochs(registry, node, relayer, node_id):
    assert registry.judged_until(node_id) == 0
    with reverts(UNKNOWN_NODE):
        registry.judge(node_id, 1, sender=relayer)


def test_judge_passes_epochs_reported_at_the_sla_and_stops_at_the_running_one(
    registry, bonded, at_epoch, report_through, attacker
):
    at_epoch(FIRST_EPOCH + 3, 60)
    report_through(bonded, FIRST_EPOCH, FIRST_EPOCH + 2, SLA_BPS)  # exactly the SLA is met
    receipt = registry.judge(bonded, 100, sender=attacker)
    assert receipt.return_value == FIRST_EPOCH + 3
    assert judged(receipt) == [(FIRST_EPOCH, FIRST_EPOCH + 3)]
    assert registry.judged_until(bonded) == FIRST_EPOCH + 3
    # nothing more to judge: no event, the same answer
    again = registry.judge(bonded, 100, sender=attacker)
    assert (again.return_value, judged(again)) == (FIRST_EPOCH + 3, [])


def test_judge_walks_at_most_the_epochs_asked(registry, bonded, at_epoch, report_through, relayer):
    at_epoch(FIRST_EPOCH + 3, 60)
    report_through(bonded, FIRST_EPOCH, FIRST_EPOCH + 2)
    assert judged(registry.judge(bonded, 0, sender=relayer)) == []
    assert judged(registry.judge(bonded, 2, sender=relayer)) == [(FIRST_EPOCH, FIRST_EPOCH + 2)]
    assert judged(registry.judge(bonded, 2, sender=relayer)) == [(FIRST_EPOCH + 2, FIRST_EPOCH + 3)]


def test_judge_stops_at_an_epoch_reported_below_the_sla_until_it_is_slashed(
    registry, bonded, at_epoch, report_through, report_uptime, relayer
):
    at_epoch(FIRST_EPOCH + 3, 60)
    report_uptime(bonded, FIRST_EPOCH, MAX_BPS)
    report_uptime(bonded, FIRST_EPOCH + 1, SLA_BPS - 1)
    report_uptime(bonded, FIRST_EPOCH + 2, MAX_BPS)
    assert registry.judge(bonded, 100, sender=relayer).return_value == FIRST_EPOCH + 1
    registry.slash(bonded, FIRST_EPOCH + 1, sender=relayer)
    assert registry.judge(bonded, 100, sender=relayer).return_value == FIRST_EPOCH + 3


def test_an_unreported_epoch_stops_the_cursor_through_its_grace_then_waits_for_its_slash(
    backend, registry, bonded, epoch_end, report_uptime, relayer, attacker
):
    missed_from = epoch_end(FIRST_EPOCH) + GRACE_PERIOD
    backend.pending_timestamp = missed_from - 1
    assert registry.judge(bonded, 10, sender=relayer).return_value == FIRST_EPOCH  # report still due
    backend.pending_timestamp = missed_from
    assert registry.judge(bonded, 10, sender=relayer).return_value == FIRST_EPOCH  # missed: slash it
    registry.slash(bonded, FIRST_EPOCH, sender=attacker)
    receipt = registry.judge(bonded, 10, sender=relayer)
    assert judged(receipt) == [(FIRST_EPOCH, FIRST_EPOCH + 1)]


def test_a_report_that_lands_after_the_grace_period_judges_its_epoch(
    backend, registry, bonded, epoch_end, report_uptime, relayer
):
    """Until someone slashes a missed epoch, a late report still counts: the committee's word
    is the better evidence, and the slash of that epoch then follows the report."""
    backend.pending_timestamp = epoch_end(FIRST_EPOCH) + GRACE_PERIOD + 3_600
    report_uptime(bonded, FIRST_EPOCH, MAX_BPS)
    assert registry.judge(bonded, 10, sender=relayer).return_value == FIRST_EPOCH + 1
    with reverts(SLA_MET):
        registry.slash(bonded, FIRST_EPOCH, sender=relayer)


def test_a_node_without_an_sla_passes_its_missed_epochs(
    backend, registry, register, operator, post_bond, epoch_end, relayer
):
    """Missed counts as uptime 0, which an SLA of 0 meets: never slashed, always judged."""
    node = register(sla_uptime_bps=0).return_value
    post_bond(registry, node, BOND, operator)
    backend.pending_timestamp = epoch_end(FIRST_EPOCH + 1) + GRACE_PERIOD - 1
    # the first epoch is missed, the second's report still due
    assert registry.judge(node, 10, sender=relayer).return_value == FIRST_EPOCH + 1
    backend.pending_timestamp = epoch_end(FIRST_EPOCH + 1) + GRACE_PERIOD
    assert registry.judge(node, 10, sender=relayer).return_value == FIRST_EPOCH + 2


def test_one_call_judges_at_most_512_epochs(backend, registry, register, epoch_end, relayer):
    node = register(sla_uptime_bps=0).return_value  # its missed epochs pass: no report needed
    backend.pending_timestamp = epoch_end(FIRST_EPOCH + 600) + GRACE_PERIOD
    first = registry.judge(node, 10_000, sender=relayer)
    assert judged(first) == [(FIRST_EPOCH, FIRST_EPOCH + MAX_JUDGED_PER_CALL)]
    assert registry.judge(node, 10_000, sender=relayer).return_value == FIRST_EPOCH + 601


# --- withdrawals wait for the cursor -------------------------------------------------------------
def test_a_withdrawal_waits_for_the_report_of_its_epoch(
    backend, registry, bonded, at_epoch, report_uptime, report_through, operator, stablecoin
):
    at_epoch(FIRST_EPOCH + 1, 60)
    request = registry.request_bond_withdrawal(bonded, BOND, sender=operator)
    assert request.filter("BondWithdrawalRequested")[0].args["epoch"] == FIRST_EPOCH + 1
    backend.pending_timestamp = request.timestamp + BOND_DELAY
    report_uptime(bonded, FIRST_EPOCH, MAX_BPS)
    with reverts(NOT_JUDGED):  # the request's own epoch has no report yet (nor is it missed)
        registry.withdraw_bond(bonded, operator, sender=operator)
    report_uptime(bonded, FIRST_EPOCH + 1, MAX_BPS)
    receipt = registry.withdraw_bond(bonded, operator, sender=operator)
    assert judged(receipt) == [(FIRST_EPOCH, FIRST_EPOCH + 2)]  # the withdrawal walks the cursor
    assert receipt.return_value == BOND
    assert stablecoin.balanceOf(registry) == 0
    # epochs after the request's are not its business
    assert registry.judged_until(bonded) == FIRST_EPOCH + 2


def test_a_missed_epoch_before_the_request_blocks_the_bond_until_slashed(
    backend, registry, bonded, node_token, at_epoch, report_uptime, operator, attacker, stablecoin
):
    at_epoch(FIRST_EPOCH + 1, 60)
    request = registry.request_bond_withdrawal(bonded, BOND, sender=operator)
    backend.pending_timestamp = request.timestamp + BOND_DELAY
    report_uptime(bonded, FIRST_EPOCH + 1, MAX_BPS)  # FIRST_EPOCH never got one
    with reverts(NOT_JUDGED):
        registry.withdraw_bond(bonded, operator, sender=operator)
    registry.slash(bonded, FIRST_EPOCH, sender=attacker)  # missed: downtime, the request pays
    paid = registry.withdraw_bond(bonded, operator, sender=operator).return_value
    assert paid == BOND - FIFTH
    assert stablecoin.balanceOf(node_token) == FIFTH


def test_a_bond_posted_and_requested_before_the_first_epoch_needs_no_judgement(backend, registry, bonded, operator):
    """Requested during its registration epoch, the bond was never at risk of a judged epoch."""
    registry.request_bond_withdrawal(bonded, BOND, sender=operator)
    backend.sleep(BOND_DELAY)
    receipt = registry.withdraw_bond(bonded, operator, sender=operator)
    assert receipt.return_value == BOND
    assert judged(receipt) == []


def test_a_long_unjudged_history_is_judged_in_calls_before_the_bond_leaves(
    backend, registry, register, operator, post_bond, epoch_end, relayer
):
    node = register(sla_uptime_bps=0).return_value
    post_bond(registry, node, BOND, operator)
    backend.pending_timestamp = epoch_end(FIRST_EPOCH + 600)
    request = registry.request_bond_withdrawal(node, BOND, sender=operator)  # epoch FIRST_EPOCH + 601
    backend.pending_timestamp = request.timestamp + BOND_DELAY
    with reverts(NOT_JUDGED):  # 602 epochs to walk, 512 a call
        registry.withdraw_bond(node, operator, sender=operator)
    registry.judge(node, MAX_JUDGED_PER_CALL, sender=relayer)
    assert registry.withdraw_bond(node, operator, sender=operator).return_value == BOND


# --- slashes and requests ----------------------------------------------------------------------
def test_a_slash_of_an_epoch_after_the_request_leaves_the_request_alone(
    backend, registry, bonded, at_epoch, report_uptime, operator, relayer
):
    """The requested amount left the bond at risk in the request's epoch: later epochs are
    slashed against the bond at risk only."""
    registry.request_bond_withdrawal(bonded, 100 * ONE_DOLLAR, sender=operator)  # epoch FIRST_EPOCH - 1
    at_epoch(FIRST_EPOCH + 1, 60)
    report_uptime(bonded, FIRST_EPOCH, 0)
    slashed = registry.slash(bonded, FIRST_EPOCH, sender=relayer).filter("Slashed")[0].args
    at_risk = BOND - 100 * ONE_DOLLAR
    assert slashed["amount"] == slash_amount(at_risk, SLASH_BPS)
    assert (slashed["bond"], slashed["requested"]) == (at_risk - slash_amount(at_risk, SLASH_BPS), 100 * ONE_DOLLAR)
    assert node_of(registry, bonded).bond == slashed["bond"]


def test_an_expired_request_is_at_risk_again_for_every_epoch(
    backend, registry, bonded, at_epoch, report_uptime, operator, relayer
):
    request = registry.request_bond_withdrawal(bonded, 100 * ONE_DOLLAR, sender=operator)
    at_epoch(FIRST_EPOCH + 4, 60)
    assert backend.pending_timestamp > request.timestamp + BOND_DELAY + registry.BOND_WITHDRAWAL_WINDOW()
    report_uptime(bonded, FIRST_EPOCH + 3, 0)
    slashed = registry.slash(bonded, FIRST_EPOCH + 3, sender=relayer).filter("Slashed")[0].args
    assert (slashed["amount"], slashed["bond"], slashed["requested"]) == (FIFTH, BOND - FIFTH, 0)


def test_post_bond_reports_the_bond_at_risk(registry, bonded, operator, post_bond):
    registry.request_bond_withdrawal(bonded, 100 * ONE_DOLLAR, sender=operator)
    receipt = post_bond(registry, bonded, 7, operator)
    assert receipt.filter("BondPosted")[0].args["bond"] == BOND - 100 * ONE_DOLLAR + 7
    assert node_of(registry, bonded).bond == BOND - 100 * ONE_DOLLAR + 7
    assert registry.bond_withdrawal(bonded)[0] == 100 * ONE_DOLLAR


def test_a_missed_epoch_below_the_cursor_needs_a_report(
    backend, registry, register, operator, post_bond, epoch_end, relayer
):
    """An epoch the cursor passed was judged (here: missed under an SLA of 0): silence
    cannot slash it afterwards."""
    node = register(sla_uptime_bps=0).return_value
    post_bond(registry, node, BOND, operator)
    backend.pending_timestamp = epoch_end(FIRST_EPOCH) + GRACE_PERIOD
    with reverts(SLA_MET):  # missed, uptime 0, meets an SLA of 0
        registry.slash(node, FIRST_EPOCH, sender=relayer)
    registry.judge(node, 1, sender=relayer)
    with reverts(NO_REPORT):
        registry.slash(node, FIRST_EPOCH, sender=relayer)
