"""`claim_shares_batch`: a relayer claims for many buyers in one transaction, exactly as
`claim_shares` for each; buyers with nothing to claim are skipped, a buyer the node token
refuses refuses the batch, and nobody is minted a share it did not buy."""

from computerwa.evm.chain import reverts
from tests.unitary.offering.conftest import SHARE, purchase_of, totals_of
from tests.unitary.offering.reasons import NOT_SUCCEEDED, NOTHING_TO_CLAIM, RECEIVER_FROZEN


def addresses(*accounts) -> list[str]:
    return [account.address for account in accounts]


def test_a_batch_mints_each_buyers_shares_to_it_and_skips_the_rest(
    offering, succeeded, node_token, investor, holder, attacker, relayer
):
    supply = node_token.totalSupply()
    # the investor listed twice, a non-buyer among them
    receipt = offering.claim_shares_batch(succeeded, addresses(investor, attacker, holder, investor), sender=relayer)
    assert receipt.return_value == 500 * SHARE
    assert node_token.balanceOf(investor) == 300 * SHARE and node_token.balanceOf(holder) == 200 * SHARE
    assert node_token.balanceOf(attacker) == 0
    assert node_token.totalSupply() == supply + 500 * SHARE
    events = [(e.offering_id, e.buyer, e.shares) for e in receipt.events if e.name == "SharesClaimed"]
    assert events == [(succeeded, investor.address, 300 * SHARE), (succeeded, holder.address, 200 * SHARE)]
    assert purchase_of(offering, succeeded, investor) == {"shares": 300 * SHARE, "claimed": True, "paid": 600 * 10**6}
    assert purchase_of(offering, succeeded, attacker) == {"shares": 0, "claimed": False, "paid": 0}
    assert totals_of(offering, succeeded)["sold"] == 500 * SHARE  # claims move no totals
    with reverts(NOTHING_TO_CLAIM):  # once
        offering.claim_shares(succeeded, investor, sender=investor)
    with reverts(NOTHING_TO_CLAIM):
        offering.claim_shares_batch(succeeded, addresses(investor, holder), sender=relayer)


def test_a_buyer_that_claimed_for_itself_meanwhile_is_skipped(
    offering, succeeded, node_token, investor, holder, relayer
):
    offering.claim_shares(succeeded, investor, sender=investor)
    assert (
        offering.claim_shares_batch(succeeded, addresses(investor, holder), sender=relayer).return_value == 200 * SHARE
    )
    assert node_token.balanceOf(investor) == 300 * SHARE


def test_a_frozen_buyer_refuses_the_whole_batch(offering, succeeded, node_token, investor, holder, issuer, relayer):
    node_token.freeze(holder, sender=issuer)
    with reverts(RECEIVER_FROZEN):
        offering.claim_shares_batch(succeeded, addresses(investor, holder), sender=relayer)
    assert not purchase_of(offering, succeeded, investor)["claimed"] and node_token.balanceOf(investor) == 0
    node_token.unfreeze(holder, sender=issuer)
    assert (
        offering.claim_shares_batch(succeeded, addresses(investor, holder), sender=relayer).return_value == 500 * SHARE
    )


def test_a_batch_refuses_a_sale_that_did_not_succeed_and_a_batch_with_nothing_to_claim(
    offering, failed, open_offering, investor, relayer, create
):
    with reverts(NOT_SUCCEEDED):
        offering.claim_shares_batch(failed, addresses(investor), sender=relayer)
    open_ = create()
    offering.buy(open_, SHARE, sender=investor)
    with reverts(NOT_SUCCEEDED):
        offering.claim_shares_batch(open_, addresses(investor), sender=relayer)
    with reverts(NOT_SUCCEEDED):
        offering.claim_shares_batch(99, addresses(investor), sender=relayer)


def test_an_empty_batch_and_more_than_a_hundred_buyers_are_refused(offering, succeeded, investor, relayer):
    assert offering.MAX_CLAIM_BATCH() == 100
    with reverts(NOTHING_TO_CLAIM):
        offering.claim_shares_batch(succeeded, [], sender=relayer)
    with reverts():  # the ABI bound: 101 addresses do not decode
        offering.claim_shares_batch(succeeded, addresses(investor) * 101, sender=relayer)
    # a hundred do (the investor's shares once, the rest skipped)
    assert offering.claim_shares_batch(succeeded, addresses(investor) * 100, sender=relayer).return_value == 300 * SHARE
