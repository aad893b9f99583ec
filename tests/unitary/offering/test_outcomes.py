"""After the sale: refunds when it failed; shares, burn-in, the operator's proceeds and the
buyers' exit when it succeeded. Every amount to the wei, and what each actor can and
cannot take by acting early, late, twice or for someone else."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import EPOCH_LENGTH
from tests.unitary.offering.conftest import (
    FAILED,
    MAX_BPS,
    RELEASE_BPS,
    SHARE,
    SLA_BPS,
    SUCCEEDED,
    ZERO,
    purchase_of,
    terms_of,
    totals_of,
)
from tests.unitary.offering.reasons import (
    ALREADY_CONFIRMED,
    BELOW_SLA,
    BURN_EXCEEDS,
    CONFIRMED,
    DEADLINE_NOT_PASSED,
    DEADLINE_PASSED,
    EPOCH_TOO_EARLY,
    MORE_THAN_BOUGHT,
    NO_REPORT,
    NOT_FAILED,
    NOT_OPERATOR,
    NOT_SUCCEEDED,
    NOTHING_TO_CLAIM,
    NOTHING_TO_EXIT,
    NOTHING_TO_REFUND,
    NOTHING_TO_WITHDRAW,
    RECEIVER_FROZEN,
    RECEIVER_ZERO,
)

RAISED = 1_000 * 10**6  # `succeeded`: 500 shares at $2
AT_CLOSE = RAISED * RELEASE_BPS // MAX_BPS


def held_matches_the_books(offering, stable, offering_id):
    """NOF-1 for one offering: what the contract holds is raised (net of refunds) less what
    the operator withdrew, exits were paid and a sweep deposited."""
    t = totals_of(offering, offering_id)
    return stable.balanceOf(offering) == t["raised"] - t["withdrawn"] - t["exit_paid"] - t["swept"]


# --- failure -----------------------------------------------------------------------------------
def test_a_failed_sale_refunds_each_buyer_exactly_what_it_paid(offering, failed, stable, investor, holder, attacker):
    assert offering.status(failed) == FAILED
    before = stable.balanceOf(attacker)
    receipt = offering.refund(failed, attacker, sender=investor)  # to another address of its own
    assert receipt.return_value == 200 * 10**6
    assert stable.balanceOf(attacker) == before + 200 * 10**6
    [event] = [e for e in receipt.events if e.name == "Refunded"]
    assert (event.offering_id, event.buyer, event.receiver, event.amount) == (
        failed,
        investor.address,
        attacker.address,
        200 * 10**6,
    )
    assert held_matches_the_books(offering, stable, failed)
    assert totals_of(offering, failed)["raised"] == 100 * 10**6  # net of refunds
    offering.refund(failed, holder, sender=holder)
    assert stable.balanceOf(offering) == 0
    assert (totals_of(offering, failed)["sold"], totals_of(offering, failed)["raised"]) == (0, 0)
    assert offering.status(failed) == FAILED
    assert purchase_of(offering, failed, investor) == {"shares": 0, "claimed": False, "paid": 0}
    with reverts(NOTHING_TO_REFUND):
        offering.refund(failed, investor, sender=investor)
    with reverts(NOTHING_TO_REFUND):  # nobody refunds what it did not pay
        offering.refund(failed, attacker, sender=attacker)


def test_a_failed_sale_mints_nothing_and_pays_the_operator_nothing(offering, failed, investor, operator):
    with reverts(NOT_SUCCEEDED):
        offering.claim_shares(failed, investor, sender=investor)
    assert offering.withdrawable(failed) == 0
    with reverts(NOTHING_TO_WITHDRAW):
        offering.withdraw_proceeds(failed, operator, sender=operator)
    with reverts(NOT_SUCCEEDED):
        offering.exit(failed, SHARE, investor, sender=investor)
    with reverts(NOT_SUCCEEDED):
        offering.confirm_burn_in(failed, terms_of(offering, failed).first_epoch, sender=investor)


def test_no_refund_while_open_or_after_success(offering, open_offering, succeeded, investor):
    assert offering.status(succeeded) == SUCCEEDED
    with reverts(NOT_FAILED):
        offering.refund(succeeded, investor, sender=investor)


def test_no_refund_to_the_zero_address(offering, failed, investor):
    with reverts(RECEIVER_ZERO):
        offering.refund(failed, ZERO, sender=investor)


def test_refunds_and_claims_wait_for_the_end(offering, open_offering, investor):
    offering.buy(open_offering, 100 * SHARE, sender=investor)
    with reverts(NOT_FAILED):
        offering.refund(open_offering, investor, sender=investor)
    with reverts(NOT_SUCCEEDED):  # the minimum is not final before the end
        offering.claim_shares(open_offering, investor, sender=investor)


# --- success: shares ---------------------------------------------------------------------------
def test_anyone_claims_a_buyers_shares_for_it_once(offering, succeeded, node_token, investor, relayer):
    supply = node_token.totalSupply()
    receipt = offering.claim_shares(succeeded, investor, sender=relayer)
    assert receipt.return_value == 300 * SHARE
    assert node_token.balanceOf(investor) == 300 * SHARE
    assert node_token.balanceOf(relayer) == 0
    assert node_token.totalSupply() == supply + 300 * SHARE
    [event] = [e for e in receipt.events if e.name == "SharesClaimed"]
    assert (event.offering_id, event.buyer, event.shares) == (succeeded, investor.address, 300 * SHARE)
    assert purchase_of(offering, succeeded, investor)["claimed"] is True
    with reverts(NOTHING_TO_CLAIM):
        offering.claim_shares(succeeded, investor, sender=investor)
    with reverts(NOTHING_TO_CLAIM):
        offering.claim_shares(succeeded, relayer, sender=relayer)


def test_a_frozen_buyer_claims_once_unfrozen(offering, succeeded, node_token, investor, issuer):
    node_token.freeze(investor, sender=issuer)
    with reverts(RECEIVER_FROZEN):
        offering.claim_shares(succeeded, investor, sender=investor)
    node_token.unfreeze(investor, sender=issuer)
    offering.claim_shares(succeeded, investor, sender=investor)
    assert node_token.balanceOf(investor) == 300 * SHARE


def test_shares_minted_equal_shares_bought(offering, succeeded, node_token, investor, holder):
    supply = node_token.totalSupply()
    offering.claim_shares(succeeded, investor, sender=investor)
    offering.claim_shares(succeeded, holder, sender=holder)
    assert node_token.totalSupply() - supply == totals_of(offering, succeeded)["sold"] == 500 * SHARE


# --- success: the operator's proceeds ---------------------------------------------------------
def test_the_operator_takes_the_close_share_at_once_and_nothing_more(offering, succeeded, stable, operator, attacker):
    assert offering.withdrawable(succeeded) == AT_CLOSE == 200 * 10**6
    with reverts(NOT_OPERATOR):
        offering.withdraw_proceeds(succeeded, attacker, sender=attacker)
    with reverts(RECEIVER_ZERO):
        offering.withdraw_proceeds(succeeded, ZERO, sender=operator)
    receipt = offering.withdraw_proceeds(succeeded, operator, sender=operator)
    assert receipt.return_value == AT_CLOSE
    [event] = [e for e in receipt.events if e.name == "ProceedsWithdrawn"]
    assert (event.offering_id, event.operator, event.receiver, event.amount) == (
        succeeded,
        operator.address,
        operator.address,
        AT_CLOSE,
    )
    with reverts(NOTHING_TO_WITHDRAW):
        offering.withdraw_proceeds(succeeded, operator, sender=operator)
    assert held_matches_the_books(offering, stable, succeeded)


def test_nothing_is_released_while_the_sale_is_open(offering, open_offering, investor, operator):
    offering.buy(open_offering, 400 * SHARE, sender=investor)  # above the minimum, not over
    assert offering.withdrawable(open_offering) == 0
    with reverts(NOTHING_TO_WITHDRAW):
        offering.withdraw_proceeds(open_offering, operator, sender=operator)


@pytest.fixture
def burn_in(offering, succeeded, report, at, genesis):
    """`burn_in(uptimes, first=None)`: reports for the offering's burn-in epochs (from its
    first, or `first`), one uptime each, submitted once each epoch has ended; returns the
    first epoch."""

    def submit(uptimes, first=None):
        first = terms_of(offering, succeeded).first_epoch if first is None else first
        for k, uptime in enumerate(uptimes):
            at(genesis + (first + k + 1) * EPOCH_LENGTH + 60)
            if uptime is not None:
                report(first + k, uptime)
        return first

    return submit


def test_burn_in_at_the_sla_releases_the_rest(offering, succeeded, burn_in, stable, operator, relayer):
    first = burn_in([SLA_BPS, 10_000, SLA_BPS])
    offering.withdraw_proceeds(succeeded, operator, sender=operator)
    receipt = offering.confirm_burn_in(succeeded, first, sender=relayer)
    [event] = [e for e in receipt.events if e.name == "BurnInConfirmed"]
    assert (event.offering_id, event.first_epoch) == (succeeded, first)
    assert totals_of(offering, succeeded)["burn_in_confirmed"] is True
    assert offering.withdrawable(succeeded) == RAISED - AT_CLOSE
    before = stable.balanceOf(operator)
    offering.withdraw_proceeds(succeeded, operator, sender=operator)
    assert stable.balanceOf(operator) == before + RAISED - AT_CLOSE
    assert stable.balanceOf(offering) == 0
    with reverts(ALREADY_CONFIRMED):
        offering.confirm_burn_in(succeeded, first, sender=relayer)


def test_burn_in_may_start_later_than_the_first_epoch(offering, succeeded, burn_in, relayer):
    first = terms_of(offering, succeeded).first_epoch
    burn_in([5_000, 10_000, 10_000, 10_000])  # the first epoch misses; the next three meet it
    with reverts(BELOW_SLA):
        offering.confirm_burn_in(succeeded, first, sender=relayer)
    offering.confirm_burn_in(succeeded, first + 1, sender=relayer)


def test_burn_in_refuses_a_missing_or_low_epoch_and_an_epoch_of_the_sale(offering, succeeded, burn_in, relayer):
    first = burn_in([10_000, None, 10_000])
    with reverts(NO_REPORT):
        offering.confirm_burn_in(succeeded, first, sender=relayer)
    with reverts(EPOCH_TOO_EARLY):  # the sale's own epoch does not count
        offering.confirm_burn_in(succeeded, first - 1, sender=relayer)


def test_burn_in_one_basis_point_below_the_sla_fails(offering, succeeded, burn_in, relayer):
    first = burn_in([10_000, SLA_BPS - 1, 10_000])
    with reverts(BELOW_SLA):
        offering.confirm_burn_in(succeeded, first, sender=relayer)


def test_burn_in_may_be_confirmed_up_to_its_deadline_second_not_after(offering, succeeded, burn_in, relayer, at):
    first = burn_in([10_000] * 3)
    deadline = terms_of(offering, succeeded).burn_in_deadline
    at(deadline + 1)
    with reverts(DEADLINE_PASSED):
        offering.confirm_burn_in(succeeded, first, sender=relayer)


def test_burn_in_confirmed_at_the_deadline_second_closes_the_exit(offering, succeeded, burn_in, relayer, investor, at):
    first = burn_in([10_000] * 3)
    deadline = terms_of(offering, succeeded).burn_in_deadline
    at(deadline)
    offering.confirm_burn_in(succeeded, first, sender=relayer)
    at(deadline + 1)
    with reverts(CONFIRMED):
        offering.exit(succeeded, SHARE, investor, sender=investor)


# --- success without burn-in: the exit -------------------------------------------------------
@pytest.fixture
def missed(offering, succeeded, at):
    """Burn-in never confirmed; its deadline has passed."""
    at(terms_of(offering, succeeded).burn_in_deadline + 1)
    return succeeded


def test_exit_waits_for_the_deadline(offering, succeeded, investor, at):
    at(terms_of(offering, succeeded).burn_in_deadline)
    with reverts(DEADLINE_NOT_PASSED):
        offering.exit(succeeded, SHARE, investor, sender=investor)


def test_buyers_exit_pro_rata_of_what_was_not_released(
    offering, missed, stable, node_token, investor, holder, operator, attacker
):
    pool = RAISED - AT_CLOSE  # $800 for 500 shares
    offering.claim_shares(missed, investor, sender=investor)  # the investor holds its shares; the holder does not
    supply = node_token.totalSupply()
    receipt = offering.exit(missed, 100 * SHARE, attacker, sender=investor)
    assert receipt.return_value == pool * 100 // 500 == 160 * 10**6
    assert node_token.balanceOf(investor) == 200 * SHARE  # burnt from its balance
    assert node_token.totalSupply() == supply - 100 * SHARE
    [event] = [e for e in receipt.events if e.name == "Exited"]
    assert (event.buyer, event.receiver, event.shares, event.burnt, event.amount) == (
        investor.address,
        attacker.address,
        100 * SHARE,
        100 * SHARE,
        160 * 10**6,
    )
    assert purchase_of(offering, missed, investor) == {
        "shares": 200 * SHARE,
        "claimed": True,
        "paid": 600 * 10**6,
    }
    # the holder never claimed: its exit burns nothing
    receipt = offering.exit(missed, 200 * SHARE, holder, sender=holder)
    assert receipt.return_value == 320 * 10**6
    assert [e.burnt for e in receipt.events if e.name == "Exited"] == [0]
    with reverts(NOTHING_TO_CLAIM):  # exited shares are no longer claimable
        offering.claim_shares(missed, holder, sender=holder)
    # the operator's close share is untouched by exits
    offering.withdraw_proceeds(missed, operator, sender=operator)
    # the last shares out take what is left
    offering.exit(missed, 200 * SHARE, investor, sender=investor)
    assert stable.balanceOf(offering) == 0
    assert held_matches_the_books(offering, stable, missed)
    t = totals_of(offering, missed)
    assert (t["exited"], t["exit_paid"], t["withdrawn"]) == (500 * SHARE, pool, AT_CLOSE)
    assert offering.exit_value(missed, SHARE) == 0  # more than is outstanding
    assert offering.exit_value(missed, 0) == 0  # nothing outstanding: no division by zero


def test_an_exit_burns_the_shares_claimed_from_that_offering_only(offering, create, investor, node_token, at):
    # claims open only once a sale is over, so one offering's position is all claimed or all
    # unclaimed: a buyer of two offerings of the node, the first claimed, the second not
    offering_id = create(min_raise=0)
    offering.buy(offering_id, 100 * SHARE, sender=investor)
    at(terms_of(offering, offering_id).end)
    offering.claim_shares(offering_id, investor, sender=investor)
    second = create(min_raise=0)
    offering.buy(second, 50 * SHARE, sender=investor)
    at(terms_of(offering, second).burn_in_deadline + 1)
    receipt = offering.exit(second, 50 * SHARE, investor, sender=investor)
    assert [e.burnt for e in receipt.events if e.name == "Exited"] == [0]
    assert node_token.balanceOf(investor) == 100 * SHARE  # the first offering's shares are untouched
    receipt = offering.exit(offering_id, 60 * SHARE, investor, sender=investor)
    assert [e.burnt for e in receipt.events if e.name == "Exited"] == [60 * SHARE]


def test_a_buyer_that_sold_its_shares_cannot_exit_them(offering, missed, node_token, investor, holder):
    offering.claim_shares(missed, investor, sender=investor)
    node_token.transfer(holder, 300 * SHARE, sender=investor)
    with reverts(BURN_EXCEEDS):
        offering.exit(missed, 300 * SHARE, investor, sender=investor)
    # and the receiver of those shares is no buyer of them: it exits only its own 200
    with reverts(MORE_THAN_BOUGHT):
        offering.exit(missed, 201 * SHARE, holder, sender=holder)


def test_exit_refuses_nothing_too_much_and_the_zero_address(offering, missed, investor, attacker):
    with reverts(NOTHING_TO_EXIT):
        offering.exit(missed, 0, investor, sender=investor)
    with reverts(MORE_THAN_BOUGHT):
        offering.exit(missed, 300 * SHARE + 1, investor, sender=investor)
    with reverts(MORE_THAN_BOUGHT):
        offering.exit(missed, 1, attacker, sender=attacker)
    with reverts(RECEIVER_ZERO):
        offering.exit(missed, SHARE, ZERO, sender=investor)


def test_splitting_an_exit_gains_nothing(backend, offering, missed, investor):
    snapshot = backend.snapshot()
    whole = offering.exit(missed, 300 * SHARE - 7, investor, sender=investor).return_value
    backend.restore(snapshot)
    parts = (1, 2, 4, 300 * SHARE - 14)
    split = sum(offering.exit(missed, part, investor, sender=investor).return_value for part in parts)
    assert split <= whole


def test_exit_value_is_what_an_exit_pays(offering, missed, investor):
    expected = offering.exit_value(missed, 123 * SHARE)
    assert offering.exit(missed, 123 * SHARE, investor, sender=investor).return_value == expected
    assert offering.exit_value(missed, 10**30) == 0  # more than outstanding


def test_an_exit_worth_nothing_moves_no_stablecoin(offering, create, stable, node_token, investor, issuer, at):
    # everything was released at the close: an exit pays nothing, and needs no stablecoin transfer,
    # so it burns the shares even while the stablecoin is paused
    offering_id = create(min_raise=0, release_bps=MAX_BPS)
    offering.buy(offering_id, 100 * SHARE, sender=investor)
    at(terms_of(offering, offering_id).end)
    offering.claim_shares(offering_id, investor, sender=investor)
    at(terms_of(offering, offering_id).burn_in_deadline + 1)
    stable.pause(sender=issuer)
    receipt = offering.exit(offering_id, 100 * SHARE, investor, sender=investor)
    assert receipt.return_value == 0
    assert [e.amount for e in receipt.events if e.name == "Exited"] == [0]
    assert node_token.balanceOf(investor) == 0
