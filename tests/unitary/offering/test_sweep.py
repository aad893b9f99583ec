"""The exit window and `sweep`: when burn-in missed its deadline, buyers exit; `exit_window`
seconds after the deadline anyone may sweep what is still unreleased into the node token's
revenue stream (exits close with the sweep), so the part of shares that left their buyers
(sold on, pledged) is not stranded in escrow but streams to whoever holds the node. Every
amount to the wei, and what each actor can take by sweeping early, twice or instead of an
exit."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import EPOCH_LENGTH
from tests.unitary.offering.conftest import (
    EXIT_WINDOW,
    MAX_BPS,
    RELEASE_BPS,
    SHARE,
    SLA_BPS,
    terms_of,
    totals_of,
)
from tests.unitary.offering.reasons import (
    APPROVE_FAILED,
    CONFIRMED,
    EXIT_WINDOW_OPEN,
    NO_HOLDERS,
    NOT_SUCCEEDED,
    NOTHING_TO_SWEEP,
    PROCEEDS_SWEPT,
)

RAISED = 1_000 * 10**6  # `succeeded`: the investor bought 300 shares, the holder 200, at $2
AT_CLOSE = RAISED * RELEASE_BPS // MAX_BPS
POOL = RAISED - AT_CLOSE  # what exits share: $800 for 500 shares


def window_end(offering, offering_id):
    """The last second exits are open."""
    t = terms_of(offering, offering_id)
    return t.burn_in_deadline + t.exit_window


@pytest.fixture
def swept_at(offering, succeeded, at):
    """`swept_at()`: the next block is the first second a sweep is allowed."""

    def travel():
        return at(window_end(offering, succeeded) + 1)

    return travel


def test_exits_stay_open_after_the_window_until_a_sweep(offering, succeeded, investor, holder, at, relayer):
    assert terms_of(offering, succeeded).exit_window == EXIT_WINDOW
    offering.claim_shares(succeeded, holder, sender=holder)  # someone holds the node's shares
    at(window_end(offering, succeeded) + EPOCH_LENGTH)  # nobody swept yet
    assert offering.exit(succeeded, SHARE, investor, sender=investor).return_value == POOL // 500
    offering.sweep(succeeded, sender=relayer)
    with reverts(PROCEEDS_SWEPT):
        offering.exit(succeeded, SHARE, investor, sender=investor)


def test_sweeps_wait_for_the_second_after_the_window(offering, succeeded, investor, at, relayer):
    offering.claim_shares(succeeded, investor, sender=investor)
    last = window_end(offering, succeeded)
    at(last)
    with reverts(EXIT_WINDOW_OPEN):
        offering.sweep(succeeded, sender=relayer)
    at(last + 1)
    assert offering.sweep(succeeded, sender=relayer).return_value == POOL


def test_a_buyer_kept_out_by_a_paused_stablecoin_through_the_window_still_exits(
    offering, succeeded, stable, investor, holder, issuer, relayer, at
):
    offering.claim_shares(succeeded, holder, sender=holder)
    at(terms_of(offering, succeeded).burn_in_deadline + 1)
    stable.pause(sender=issuer)
    at(window_end(offering, succeeded) + 1)
    with reverts("pausable: contract is paused"):
        offering.exit(succeeded, 300 * SHARE, investor, sender=investor)
    with reverts("pausable: contract is paused"):  # nobody can sweep it away meanwhile either
        offering.sweep(succeeded, sender=relayer)
    stable.unpause(sender=issuer)
    # the window is over, but nothing was swept: the exit is still the buyer's
    assert offering.exit(succeeded, 300 * SHARE, investor, sender=investor).return_value == POOL * 300 // 500


def test_what_shares_sold_on_would_strand_streams_to_the_nodes_holders(
    backend, offering, succeeded, stable, node_token, investor, holder, operator, relayer, at, swept_at
):
    # the investor claims its 300 and sells 100 on: neither it nor the holder can exit those 100
    offering.claim_shares(succeeded, investor, sender=investor)
    offering.claim_shares(succeeded, holder, sender=relayer)
    node_token.transfer(holder, 100 * SHARE, sender=investor)
    at(terms_of(offering, succeeded).burn_in_deadline + 1)
    paid = offering.exit(succeeded, 200 * SHARE, investor, sender=investor).return_value
    paid += offering.exit(succeeded, 200 * SHARE, holder, sender=holder).return_value
    assert paid == POOL * 200 // 500 + (POOL - POOL * 200 // 500) * 200 // 300 == 640 * 10**6
    assert node_token.totalSupply() == node_token.balanceOf(holder) == 100 * SHARE
    left = POOL - paid
    assert offering.exit_value(succeeded, 100 * SHARE) == left  # nobody can take it by an exit
    swept_at()
    owed = node_token.owed()
    receipt = offering.sweep(succeeded, sender=relayer)  # anyone sweeps
    assert receipt.return_value == left == 160 * 10**6
    [event] = [e for e in receipt.events if e.name == "Swept"]
    assert (event.offering_id, event.token, event.amount, event.credited) == (
        succeeded,
        node_token.address,
        left,
        left,
    )
    assert node_token.owed() == owed + left
    assert stable.allowance(offering, node_token) == 0  # the deposit took exactly the approval
    t = totals_of(offering, succeeded)
    assert (t["swept"], t["exit_paid"], t["withdrawn"]) == (left, paid, 0)
    # NOF-1: all that is left is the operator's close share, which the sweep did not touch
    assert stable.balanceOf(offering) == t["raised"] - t["withdrawn"] - t["exit_paid"] - t["swept"] == AT_CLOSE
    assert offering.withdrawable(succeeded) == AT_CLOSE
    assert offering.exit_value(succeeded, 100 * SHARE) == 0
    with reverts(NOTHING_TO_SWEEP):  # once
        offering.sweep(succeeded, sender=relayer)
    # it streams over the next epoch to the holder of the 100 shares, to the wei
    at(backend.pending_timestamp + 2 * EPOCH_LENGTH)
    assert node_token.claimable(holder) == 0  # views read the last block: mine one
    stable.approve(relayer, 0, sender=relayer)
    assert node_token.claimable(holder) == left
    assert offering.withdraw_proceeds(succeeded, operator, sender=operator).return_value == AT_CLOSE
    assert stable.balanceOf(offering) == 0


def test_a_buyer_that_did_not_claim_keeps_its_shares_after_the_sweep(
    offering, succeeded, stable, node_token, investor, holder, relayer, swept_at
):
    # nobody exits; the investor claimed, the holder did not
    offering.claim_shares(succeeded, investor, sender=investor)
    swept_at()
    assert offering.sweep(succeeded, sender=relayer).return_value == POOL
    # the holder's 200 shares are still its to claim; they earn from their mint on
    assert offering.claim_shares(succeeded, holder, sender=holder).return_value == 200 * SHARE
    assert node_token.balanceOf(holder) == 200 * SHARE
    assert stable.balanceOf(offering) == AT_CLOSE


def test_nothing_is_swept_while_nobody_holds_the_nodes_shares(
    offering, succeeded, stable, node_token, investor, holder, relayer, swept_at
):
    # no buyer claimed: swept to nobody, the first shares minted would take it all
    assert node_token.totalSupply() == 0
    swept_at()
    with reverts(NO_HOLDERS):
        offering.sweep(succeeded, sender=relayer)
    # the pool stays for the buyers' exits
    assert offering.exit(succeeded, 300 * SHARE, investor, sender=investor).return_value == POOL * 300 // 500
    offering.claim_shares(succeeded, holder, sender=holder)
    offering.exit(succeeded, 200 * SHARE, holder, sender=holder)  # its claimed shares burnt: the last out
    with reverts(NOTHING_TO_SWEEP):  # took the rest
        offering.sweep(succeeded, sender=relayer)
    assert stable.balanceOf(offering) == AT_CLOSE


def test_sweep_refuses_a_sale_that_did_not_succeed(offering, failed, open_offering, relayer, at, create):
    at(window_end(offering, failed) + 1)
    with reverts(NOT_SUCCEEDED):
        offering.sweep(failed, sender=relayer)
    with reverts(NOT_SUCCEEDED):
        offering.sweep(create(), sender=relayer)  # open
    with reverts(NOT_SUCCEEDED):
        offering.sweep(99, sender=relayer)  # unknown


def test_sweep_refuses_once_burn_in_was_confirmed(offering, succeeded, report, at, genesis, relayer):
    first = terms_of(offering, succeeded).first_epoch
    for k in range(3):
        at(genesis + (first + k + 1) * EPOCH_LENGTH + 60)
        report(first + k, SLA_BPS)
    offering.confirm_burn_in(succeeded, first, sender=relayer)
    at(window_end(offering, succeeded) + 1)
    with reverts(CONFIRMED):
        offering.sweep(succeeded, sender=relayer)


def test_sweep_refuses_when_every_buyer_exited(offering, succeeded, investor, holder, relayer, at, swept_at):
    at(terms_of(offering, succeeded).burn_in_deadline + 1)
    offering.exit(succeeded, 300 * SHARE, investor, sender=investor)
    offering.exit(succeeded, 200 * SHARE, holder, sender=holder)
    swept_at()
    with reverts(NOTHING_TO_SWEEP):
        offering.sweep(succeeded, sender=relayer)


def test_sweep_refuses_when_everything_was_released_at_the_close(offering, create, investor, relayer, at):
    offering_id = create(min_raise=0, release_bps=MAX_BPS)
    offering.buy(offering_id, 10 * SHARE, sender=investor)
    at(window_end(offering, offering_id) + 1)
    with reverts(NOTHING_TO_SWEEP):
        offering.sweep(offering_id, sender=relayer)


def test_a_stablecoin_refusing_the_approval_is_refused(backend, issuer, odd_deployment, investor, relayer, at):
    token, offering, offering_id = odd_deployment(backend.deploy("MockFalseToken", sender=issuer))
    offering.buy(offering_id, SHARE, sender=investor)
    at(window_end(offering, offering_id) + 1)
    offering.claim_shares(offering_id, investor, sender=investor)
    token.set_fails(False, False, True, sender=issuer)
    with reverts(APPROVE_FAILED):
        offering.sweep(offering_id, sender=relayer)
    token.set_fails(False, False, False, sender=issuer)
    assert offering.sweep(offering_id, sender=relayer).return_value == 2 * 10**6
