"""`buy` and `buy_with_authorization`: what a purchase costs, who may buy, when, how much,
and what a relayer can and cannot do with a buyer's signature."""

import pytest
from eth_account import Account
from eth_utils import keccak

from computerwa.client.signing import Domain, authorization, sign
from computerwa.evm.chain import reverts
from tests.conftest import EPOCH_LENGTH, FOREVER
from tests.unitary.offering.conftest import (
    FUNDS,
    OPEN,
    PENDING,
    SHARE,
    SHARES,
    SUCCEEDED,
    cost,
    purchase_of,
    terms_of,
    totals_of,
)
from tests.unitary.offering.reasons import (
    BAD_SIGNATURE,
    BUYER_FROZEN,
    BUYER_NOT_VERIFIED,
    NO_SHARES,
    NOT_OPEN,
    NOT_THAT_MANY,
    RECEIVED_LESS,
    TOKEN_PAUSED,
    TRANSFER_FAILED,
    USED,
)


def test_a_purchase_pulls_its_cost_and_records_the_shares(offering, open_offering, stable, investor, node_token):
    before = stable.balanceOf(investor)
    receipt = offering.buy(open_offering, 300 * SHARE, sender=investor)
    assert receipt.return_value == cost(300 * SHARE) == 600 * 10**6
    assert stable.balanceOf(investor) == before - 600 * 10**6
    assert stable.balanceOf(offering) == 600 * 10**6
    assert purchase_of(offering, open_offering, investor) == {
        "shares": 300 * SHARE,
        "claimed": False,
        "paid": 600 * 10**6,
    }
    totals = totals_of(offering, open_offering)
    assert (totals["sold"], totals["raised"]) == (300 * SHARE, 600 * 10**6)
    [event] = [e for e in receipt.events if e.name == "Purchased"]
    assert (event.offering_id, event.buyer, event.shares, event.paid) == (
        open_offering,
        investor.address,
        300 * SHARE,
        600 * 10**6,
    )
    assert node_token.balanceOf(investor) == 0  # shares are minted only once the sale succeeds


def test_a_fraction_of_a_base_unit_of_cost_is_the_buyers(offering, open_offering, stable, investor):
    # one token base unit at $2 a share costs 2e-12 of a cent: one stablecoin base unit
    offering.buy(open_offering, 1, sender=investor)
    offering.buy(open_offering, SHARE // 3, sender=investor)
    assert purchase_of(offering, open_offering, investor)["paid"] == 1 + 666_667
    assert stable.balanceOf(offering) == 666_668


def test_buying_opens_at_start_and_closes_at_end(offering, create, investor, backend, at):
    start = backend.pending_timestamp + 100
    offering_id = create(start=start, end=start + EPOCH_LENGTH)
    assert offering.status(offering_id) == PENDING
    at(start - 1)
    with reverts(NOT_OPEN):
        offering.buy(offering_id, SHARE, sender=investor)
    at(start)
    offering.buy(offering_id, SHARE, sender=investor)
    at(start + EPOCH_LENGTH - 1)
    offering.buy(offering_id, SHARE, sender=investor)
    assert offering.status(offering_id) == OPEN
    with reverts(NOT_OPEN):  # at `end` the sale is over
        offering.buy(offering_id, SHARE, sender=investor)


def test_an_unknown_offering_is_not_open(offering, investor):
    with reverts(NOT_OPEN):
        offering.buy(7, SHARE, sender=investor)


def test_zero_shares_are_refused(offering, open_offering, investor):
    with reverts(NO_SHARES):
        offering.buy(open_offering, 0, sender=investor)


def test_the_last_share_sells_and_then_the_sale_is_over_before_its_end(offering, open_offering, investor, holder):
    offering.buy(open_offering, SHARES - SHARE, sender=investor)
    with reverts(NOT_THAT_MANY):
        offering.buy(open_offering, SHARE + 1, sender=holder)
    offering.buy(open_offering, SHARE, sender=holder)
    assert offering.status(open_offering) == SUCCEEDED
    assert totals_of(offering, open_offering)["raised"] == offering.max_raise(open_offering)
    with reverts(NOT_OPEN):
        offering.buy(open_offering, 1, sender=holder)


def test_an_unverified_buyer_is_refused(offering, open_offering, attacker):
    with reverts(BUYER_NOT_VERIFIED):
        offering.buy(open_offering, SHARE, sender=attacker)


def test_a_frozen_buyer_is_refused_and_a_paused_token_sells_nothing(
    offering, open_offering, node_token, investor, issuer
):
    node_token.freeze(investor, sender=issuer)
    with reverts(BUYER_FROZEN):
        offering.buy(open_offering, SHARE, sender=investor)
    node_token.unfreeze(investor, sender=issuer)
    node_token.pause(sender=issuer)
    with reverts(TOKEN_PAUSED):
        offering.buy(open_offering, SHARE, sender=investor)


def test_an_unrestricted_token_sells_to_anyone_not_frozen(offering, open_offering, node_token, attacker, issuer):
    node_token.set_restricted(False, sender=issuer)
    offering.buy(open_offering, SHARE, sender=attacker)
    assert purchase_of(offering, open_offering, attacker)["shares"] == SHARE


def test_a_stablecoin_answering_false_is_refused(backend, issuer, odd_deployment, investor):
    token, offering, offering_id = odd_deployment(backend.deploy("MockFalseToken", sender=issuer))
    token.set_fails(False, True, False, sender=issuer)
    with reverts(TRANSFER_FAILED):
        offering.buy(offering_id, SHARE, sender=investor)


def test_a_fee_on_transfer_stablecoin_is_refused_not_under_collected(backend, issuer, odd_deployment, investor):
    token, offering, offering_id = odd_deployment(backend.deploy("MockFeeToken", 100, sender=issuer))
    with reverts(RECEIVED_LESS):
        offering.buy(offering_id, SHARE, sender=investor)
    token.set_fee(0, sender=issuer)
    offering.buy(offering_id, SHARE, sender=investor)
    assert purchase_of(offering, offering_id, investor)["paid"] == 2 * 10**6


# --- with an EIP-3009 authorization ----------------------------------------------------------
BUYER_KEY = Account.from_key(keccak(b"ComputeRWA offering buyer"))


@pytest.fixture
def buyer(suite, issuer):
    """A verified investor key that only signs, holding $1,000,000."""
    suite.identity.set_verified(BUYER_KEY.address, FOREVER, sender=issuer)
    suite.stablecoin.mint(BUYER_KEY.address, FUNDS, sender=issuer)
    return BUYER_KEY


@pytest.fixture
def signed(backend, offering, stable):
    """`signed(key, offering_id, shares, salt=b"\\x01" * 32, value=None)`: the key's
    ReceiveWithAuthorization of the shares' cost to the offering, with its nonce."""
    domain = Domain.of(stable)

    def make(key, offering_id, shares, salt=b"\x01" * 32, value=None):
        nonce = offering.purchase_nonce(offering_id, shares, salt)
        assert nonce == keccak(offering_id.to_bytes(32, "big") + shares.to_bytes(32, "big") + salt)
        valid_before = backend.pending_timestamp + 3_600
        document = authorization(
            domain,
            key.address,
            offering.address,
            value or offering.cost(offering_id, shares),
            0,
            valid_before,
            nonce,
            True,
        )
        return (0, valid_before, salt, *sign(key, document).vrs)

    return make


def test_a_relayer_submits_a_buyers_signed_purchase(offering, open_offering, stable, buyer, relayer, signed):
    args = signed(buyer, open_offering, 250 * SHARE)
    receipt = offering.buy_with_authorization(open_offering, buyer.address, 250 * SHARE, *args, sender=relayer)
    assert purchase_of(offering, open_offering, buyer.address) == {
        "shares": 250 * SHARE,
        "claimed": False,
        "paid": 500 * 10**6,
    }
    assert stable.balanceOf(buyer.address) == FUNDS - 500 * 10**6
    assert [e.name for e in receipt.events if e.address == offering.address] == ["Purchased"]
    with reverts(USED):  # no replay
        offering.buy_with_authorization(open_offering, buyer.address, 250 * SHARE, *args, sender=relayer)


def test_a_relayer_cannot_use_a_signature_for_other_shares_or_another_offering(
    offering, open_offering, create, buyer, holder, relayer, signed
):
    other = create()
    args = signed(buyer, open_offering, 250 * SHARE)
    with reverts(BAD_SIGNATURE):
        offering.buy_with_authorization(open_offering, buyer.address, 100 * SHARE, *args, sender=relayer)
    with reverts(BAD_SIGNATURE):
        offering.buy_with_authorization(other, buyer.address, 250 * SHARE, *args, sender=relayer)
    with reverts(BAD_SIGNATURE):  # nor charge another (verified) buyer
        offering.buy_with_authorization(open_offering, holder.address, 250 * SHARE, *args, sender=relayer)


def test_a_signed_purchase_by_an_unverified_key_is_refused(offering, open_offering, suite, issuer, relayer, signed):
    key = Account.from_key(keccak(b"ComputeRWA offering stranger"))
    suite.stablecoin.mint(key.address, FUNDS, sender=issuer)
    args = signed(key, open_offering, SHARE)
    with reverts(BUYER_NOT_VERIFIED):
        offering.buy_with_authorization(open_offering, key.address, SHARE, *args, sender=relayer)


def test_a_signed_purchase_obeys_the_sales_window_and_size(offering, open_offering, buyer, relayer, signed, at):
    with reverts(NOT_THAT_MANY):
        offering.buy_with_authorization(
            open_offering, buyer.address, SHARES + 1, *signed(buyer, open_offering, SHARES + 1), sender=relayer
        )
    at(terms_of(offering, open_offering).end)
    with reverts(NOT_OPEN):
        offering.buy_with_authorization(
            open_offering, buyer.address, SHARE, *signed(buyer, open_offering, SHARE), sender=relayer
        )
