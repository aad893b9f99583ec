"""`recover_purchase`: a buyer whose wallet the node token's agent recovers (lost keys) keeps its
position in the offering under the new wallet: unclaimed shares to claim, a refund to take, shares
to exit. Only the node token's compliance agent moves it, only to a wallet that could hold the
shares, and into a wallet with a position of its own only when the two merge exactly; nothing is
paid, minted or burnt by a recovery, and the lost wallet keeps nothing it could still use.

In these tests the investor's wallet is lost; its replacement is the customer's account, verified
(`replacement`). The issuer is the node token's agent."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import FOREVER, NODE_REGION
from tests.unitary.offering.conftest import (
    MAX_BPS,
    RELEASE_BPS,
    SHARE,
    SLA_BPS,
    ZERO,
    purchase_of,
    terms_of,
    totals_of,
)
from tests.unitary.offering.reasons import (
    BURN_EXCEEDS,
    CLAIM_BOTH_FIRST,
    MORE_THAN_BOUGHT,
    NO_PURCHASE,
    NOT_TOKEN_AGENT,
    NOTHING_TO_CLAIM,
    NOTHING_TO_REFUND,
    RECEIVER_NOT_VERIFIED,
    REPLACEMENT_FROZEN,
    REPLACEMENT_IS_LOST,
    REPLACEMENT_NOT_VERIFIED,
    REPLACEMENT_ZERO,
    UNKNOWN_OFFERING,
)

DOLLAR = 10**6
POOL = 1_000 * DOLLAR * (MAX_BPS - RELEASE_BPS) // MAX_BPS  # `succeeded`: the $800 not released at the close


@pytest.fixture
def replacement(suite, customer, issuer):
    """The investor's new wallet, verified."""
    suite.identity.set_verified(customer, FOREVER, sender=issuer)
    return customer


@pytest.fixture
def missed(offering, succeeded, at):
    """`succeeded` with burn-in never confirmed, its deadline passed: exits are open."""
    at(terms_of(offering, succeeded).burn_in_deadline + 1)
    return succeeded


def position(offering, offering_id, who):
    return tuple(purchase_of(offering, offering_id, who).values())


# --- the moves ---------------------------------------------------------------------------------
def test_the_agent_moves_a_lost_buyers_unclaimed_shares_to_its_replacement(
    offering, succeeded, node_token, stable, issuer, investor, replacement, relayer
):
    totals, held = totals_of(offering, succeeded), stable.balanceOf(offering)
    receipt = offering.recover_purchase(succeeded, investor, replacement, sender=issuer)
    assert [e.args for e in receipt.filter("PurchaseRecovered")] == [
        {
            "offering_id": succeeded,
            "lost": investor.address,
            "replacement": replacement.address,
            "agent": issuer.address,
            "shares": 300 * SHARE,
            "claimed": False,
            "paid": 600 * DOLLAR,
        }
    ]
    assert position(offering, succeeded, investor) == (0, False, 0)
    assert position(offering, succeeded, replacement) == (300 * SHARE, False, 600 * DOLLAR)
    # nothing is paid, minted or burnt
    assert totals_of(offering, succeeded) == totals
    assert stable.balanceOf(offering) == held
    with reverts(NOTHING_TO_CLAIM):  # the lost wallet's shares are gone from it
        offering.claim_shares(succeeded, investor, sender=relayer)
    offering.claim_shares(succeeded, replacement, sender=relayer)
    assert node_token.balanceOf(replacement) == 300 * SHARE
    assert node_token.balanceOf(investor) == 0


def test_a_recovered_buyer_of_a_failed_sale_takes_its_refund(offering, failed, stable, issuer, investor, replacement):
    offering.recover_purchase(failed, investor, replacement, sender=issuer)
    with reverts(NOTHING_TO_REFUND):  # whoever holds the lost key takes nothing
        offering.refund(failed, investor, sender=investor)
    before = stable.balanceOf(replacement)
    assert offering.refund(failed, replacement, sender=replacement).return_value == 200 * DOLLAR
    assert stable.balanceOf(replacement) == before + 200 * DOLLAR


def test_a_recovered_claimed_position_exits_from_the_replacement_once_the_token_is_recovered(
    offering, missed, node_token, stable, issuer, investor, replacement
):
    offering.claim_shares(missed, investor, sender=investor)
    offering.recover_purchase(missed, investor, replacement, sender=issuer)
    assert position(offering, missed, replacement) == (300 * SHARE, True, 600 * DOLLAR)
    with reverts(BURN_EXCEEDS):  # its shares are still in the lost wallet
        offering.exit(missed, 300 * SHARE, replacement, sender=replacement)
    node_token.recover(investor, replacement, sender=issuer)
    with reverts(MORE_THAN_BOUGHT):
        offering.exit(missed, 1, investor, sender=investor)
    before, supply = stable.balanceOf(replacement), node_token.totalSupply()
    receipt = offering.exit(missed, 300 * SHARE, replacement, sender=replacement)
    assert receipt.return_value == POOL * 300 // 500
    assert stable.balanceOf(replacement) == before + POOL * 300 // 500
    assert node_token.balanceOf(replacement) == 0
    assert node_token.totalSupply() == supply - 300 * SHARE


def test_a_buyer_recovered_during_the_sale_buys_more_under_its_new_wallet(
    offering, open_offering, stable, suite, issuer, investor, replacement
):
    offering.buy(open_offering, 100 * SHARE, sender=investor)
    offering.recover_purchase(open_offering, investor, replacement, sender=issuer)
    suite.stablecoin.mint(replacement, 1_000 * DOLLAR, sender=issuer)
    stable.approve(offering, 2**256 - 1, sender=replacement)
    offering.buy(open_offering, 50 * SHARE, sender=replacement)
    assert position(offering, open_offering, replacement) == (150 * SHARE, False, 300 * DOLLAR)
    assert totals_of(offering, open_offering)["sold"] == 150 * SHARE


def test_recovery_goes_through_a_pause_as_the_tokens_does(
    offering, succeeded, node_token, issuer, investor, replacement
):
    node_token.pause(sender=issuer)
    offering.recover_purchase(succeeded, investor, replacement, sender=issuer)
    assert position(offering, succeeded, replacement) == (300 * SHARE, False, 600 * DOLLAR)


# --- merging into a replacement with a position ------------------------------------------------
def test_two_unclaimed_positions_merge_exactly(offering, succeeded, node_token, issuer, investor, holder):
    # the holder's wallet is the investor's replacement: its 200 shares and the investor's 300
    offering.recover_purchase(succeeded, investor, holder, sender=issuer)
    assert position(offering, succeeded, holder) == (500 * SHARE, False, 1_000 * DOLLAR)
    offering.claim_shares(succeeded, holder, sender=holder)
    assert node_token.balanceOf(holder) == 500 * SHARE


def test_two_claimed_positions_merge_exactly_and_exit_together(
    offering, missed, node_token, stable, issuer, investor, holder
):
    offering.claim_shares(missed, investor, sender=investor)
    offering.claim_shares(missed, holder, sender=holder)
    node_token.recover(investor, holder, sender=issuer)
    offering.recover_purchase(missed, investor, holder, sender=issuer)
    assert position(offering, missed, holder) == (500 * SHARE, True, 1_000 * DOLLAR)
    before = stable.balanceOf(holder)
    offering.exit(missed, 500 * SHARE, holder, sender=holder)
    assert stable.balanceOf(holder) == before + POOL
    assert totals_of(offering, missed)["exited"] == 500 * SHARE


def test_a_claimed_and_an_unclaimed_position_do_not_merge_until_both_are_claimed(
    offering, succeeded, issuer, investor, holder, relayer
):
    offering.claim_shares(succeeded, investor, sender=investor)
    with reverts(CLAIM_BOTH_FIRST):
        offering.recover_purchase(succeeded, investor, holder, sender=issuer)
    with reverts(CLAIM_BOTH_FIRST):  # whichever side is claimed
        offering.recover_purchase(succeeded, holder, investor, sender=issuer)
    offering.claim_shares(succeeded, holder, sender=relayer)
    offering.recover_purchase(succeeded, investor, holder, sender=issuer)
    assert position(offering, succeeded, holder) == (500 * SHARE, True, 1_000 * DOLLAR)


def test_a_position_with_no_shares_left_takes_the_others_claim(offering, missed, node_token, issuer, investor, holder):
    # the holder exited its 200 unclaimed shares: its claim flag no longer means anything
    offering.exit(missed, 200 * SHARE, holder, sender=holder)
    offering.claim_shares(missed, investor, sender=investor)
    offering.recover_purchase(missed, investor, holder, sender=issuer)
    assert position(offering, missed, holder) == (300 * SHARE, True, 1_000 * DOLLAR)
    node_token.recover(investor, holder, sender=issuer)
    offering.exit(missed, 300 * SHARE, holder, sender=holder)  # burnt from the holder's balance
    assert node_token.balanceOf(holder) == 0
    assert position(offering, missed, holder) == (0, True, 1_000 * DOLLAR)  # what was paid stays on record


def test_unclaimed_shares_merged_into_an_exited_claimed_position_stay_unclaimed(
    offering, missed, issuer, investor, holder
):
    offering.claim_shares(missed, holder, sender=holder)
    offering.exit(missed, 200 * SHARE, holder, sender=holder)
    offering.recover_purchase(missed, investor, holder, sender=issuer)
    assert position(offering, missed, holder) == (300 * SHARE, False, 1_000 * DOLLAR)
    receipt = offering.exit(missed, 300 * SHARE, holder, sender=holder)  # nothing to burn: never minted
    assert [e.burnt for e in receipt.events if e.name == "Exited"] == [0]
    with reverts(MORE_THAN_BOUGHT):
        offering.exit(missed, 1, holder, sender=holder)


def test_an_exited_lost_position_takes_the_replacements_claim(offering, missed, node_token, issuer, investor, holder):
    # the lost wallet claimed and exited all it bought: no shares left, its claim flag means
    # nothing; the replacement's 200 unclaimed shares stay unclaimed, and it claims them after
    offering.claim_shares(missed, investor, sender=investor)
    offering.exit(missed, 300 * SHARE, investor, sender=investor)
    offering.recover_purchase(missed, investor, holder, sender=issuer)
    assert position(offering, missed, holder) == (200 * SHARE, False, 1_000 * DOLLAR)
    assert position(offering, missed, investor) == (0, False, 0)
    assert offering.claim_shares(missed, holder, sender=holder).return_value == 200 * SHARE
    assert node_token.balanceOf(holder) == 200 * SHARE


# --- who may, and to whom ----------------------------------------------------------------------
def test_only_an_agent_of_the_offerings_node_token_recovers(
    backend, offering, succeeded, suite, node_token, create, issuer, operator, agent, attacker, investor, replacement
):
    for caller in (attacker, operator, investor, replacement):
        with reverts(NOT_TOKEN_AGENT):
            offering.recover_purchase(succeeded, investor, replacement, sender=caller)
    # an agent of another node's token is no agent of this one
    receipt = suite.registry.register_node(
        NODE_REGION, "L40S", 4, 1_000, 3_000, SLA_BPS, "ipfs://second", sender=operator
    )
    other = backend.at("ComputeToken", suite.registry.node(receipt.return_value)[1])
    other.set_agent(agent, True, sender=issuer)
    with reverts(NOT_TOKEN_AGENT):
        offering.recover_purchase(succeeded, investor, replacement, sender=agent)
    node_token.set_agent(agent, True, sender=issuer)
    offering.recover_purchase(succeeded, investor, replacement, sender=agent)
    assert position(offering, succeeded, replacement)[0] == 300 * SHARE
    # and an agent whose role is revoked no longer is
    node_token.set_agent(agent, False, sender=issuer)
    with reverts(NOT_TOKEN_AGENT):
        offering.recover_purchase(succeeded, replacement, investor, sender=agent)


def test_recovery_refuses_an_unknown_offering_and_a_wallet_without_a_purchase(
    offering, succeeded, issuer, investor, attacker, replacement
):
    with reverts(UNKNOWN_OFFERING):
        offering.recover_purchase(succeeded + 1, investor, replacement, sender=issuer)
    with reverts(UNKNOWN_OFFERING):
        offering.recover_purchase(0, investor, replacement, sender=issuer)
    with reverts(NO_PURCHASE):
        offering.recover_purchase(succeeded, attacker, replacement, sender=issuer)
    offering.recover_purchase(succeeded, investor, replacement, sender=issuer)
    with reverts(NO_PURCHASE):  # once moved, nothing is left to move twice
        offering.recover_purchase(succeeded, investor, replacement, sender=issuer)


def test_a_refunded_position_is_no_purchase(offering, failed, issuer, investor, replacement):
    offering.refund(failed, investor, sender=investor)
    with reverts(NO_PURCHASE):
        offering.recover_purchase(failed, investor, replacement, sender=issuer)


def test_the_replacement_must_be_a_wallet_that_could_hold_the_shares(
    offering, succeeded, node_token, issuer, investor, attacker, replacement
):
    with reverts(REPLACEMENT_ZERO):
        offering.recover_purchase(succeeded, investor, ZERO, sender=issuer)
    with reverts(REPLACEMENT_IS_LOST):
        offering.recover_purchase(succeeded, investor, investor, sender=issuer)
    with reverts(REPLACEMENT_NOT_VERIFIED):  # the attacker is not verified
        offering.recover_purchase(succeeded, investor, attacker, sender=issuer)
    node_token.freeze(replacement, sender=issuer)
    with reverts(REPLACEMENT_FROZEN):
        offering.recover_purchase(succeeded, investor, replacement, sender=issuer)
    node_token.unfreeze(replacement, sender=issuer)
    offering.recover_purchase(succeeded, investor, replacement, sender=issuer)


def test_an_unrestricted_token_takes_an_unverified_replacement(
    offering, succeeded, node_token, issuer, investor, attacker
):
    node_token.set_restricted(False, sender=issuer)
    offering.recover_purchase(succeeded, investor, attacker, sender=issuer)
    offering.claim_shares(succeeded, attacker, sender=attacker)
    assert node_token.balanceOf(attacker) == 300 * SHARE


def test_a_replacement_unverified_after_the_recovery_claims_once_verified_again(
    offering, succeeded, suite, issuer, investor, replacement
):
    offering.recover_purchase(succeeded, investor, replacement, sender=issuer)
    suite.identity.revoke(replacement, sender=issuer)
    with reverts(RECEIVER_NOT_VERIFIED):
        offering.claim_shares(succeeded, replacement, sender=replacement)
    suite.identity.set_verified(replacement, FOREVER, sender=issuer)
    offering.claim_shares(succeeded, replacement, sender=replacement)
