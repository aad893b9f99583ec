"""A contract buyer: a smart account (MockWallet, driven by the customer's key through
`execute`) buys, has its shares claimed, takes a refund and exits exactly as an EOA does; the
offering never asks who is behind it. It cannot buy with a signature: the stablecoin's EIP-3009
checks secp256k1 signatures only (no ERC-1271), so a wallet's authorization, signed by its owner's
key, is refused."""

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.client.signing import Domain, authorization, digest, sign
from computerwa.evm.chain import reverts
from tests.conftest import FOREVER
from tests.unitary.offering.conftest import SHARE, cost, purchase_of, terms_of
from tests.unitary.offering.reasons import BAD_SIGNATURE

DOLLAR = 10**6
FUNDS = 10_000 * DOLLAR


def _call(signature: str, types: list[str], values: list) -> bytes:
    return keccak(text=signature)[:4] + abi_encode(types, values)


@pytest.fixture
def wallet(backend, suite, stable, offering, issuer, customer):
    """The customer's smart account: verified, holding $10,000, the offering approved."""
    wallet = backend.deploy("MockWallet", customer.address, sender=customer)
    suite.identity.set_verified(wallet, FOREVER, sender=issuer)
    stable.mint(wallet, FUNDS, sender=issuer)
    approve = _call("approve(address,uint256)", ["address", "uint256"], [offering.address, 2**256 - 1])
    wallet.execute(stable, approve, sender=customer)
    return wallet


def buy(wallet, offering, offering_id, shares, owner):
    """The wallet's owner has it buy `shares`."""
    return wallet.execute(
        offering, _call("buy(uint256,uint256)", ["uint256", "uint256"], [offering_id, shares]), sender=owner
    )


def test_a_contract_buys_has_its_shares_claimed_and_exits(
    offering, open_offering, stable, node_token, wallet, customer, relayer, at
):
    receipt = buy(wallet, offering, open_offering, 300 * SHARE, customer)
    [event] = receipt.filter("Purchased")
    assert (event.args["buyer"], event.args["shares"], event.args["paid"]) == (
        wallet.address,
        300 * SHARE,
        600 * DOLLAR,
    )
    assert stable.balanceOf(wallet) == FUNDS - 600 * DOLLAR
    assert purchase_of(offering, open_offering, wallet) == {
        "shares": 300 * SHARE,
        "claimed": False,
        "paid": 600 * DOLLAR,
    }
    terms = terms_of(offering, open_offering)
    at(terms.end)
    offering.claim_shares(open_offering, wallet, sender=relayer)  # anyone claims for it
    assert node_token.balanceOf(wallet) == 300 * SHARE
    at(terms.burn_in_deadline + 1)
    exit_ = _call(
        "exit(uint256,uint256,address)", ["uint256", "uint256", "address"], [open_offering, 100 * SHARE, wallet.address]
    )
    receipt = wallet.execute(offering, exit_, sender=customer)
    [event] = receipt.filter("Exited")
    pool = 600 * DOLLAR - 600 * DOLLAR * terms.release_bps // 10_000  # the wallet is the only buyer
    assert (event.args["buyer"], event.args["burnt"], event.args["amount"]) == (wallet.address, 100 * SHARE, pool // 3)
    assert node_token.balanceOf(wallet) == 200 * SHARE
    assert stable.balanceOf(wallet) == FUNDS - 600 * DOLLAR + pool // 3


def test_a_contract_buyer_of_a_failed_sale_takes_its_refund(offering, open_offering, stable, wallet, customer, at):
    buy(wallet, offering, open_offering, 100 * SHARE, customer)  # $200, below the $500 minimum
    at(terms_of(offering, open_offering).end)
    refund = _call("refund(uint256,address)", ["uint256", "address"], [open_offering, wallet.address])
    receipt = wallet.execute(offering, refund, sender=customer)
    assert [e.args["amount"] for e in receipt.filter("Refunded")] == [200 * DOLLAR]
    assert stable.balanceOf(wallet) == FUNDS


def test_only_the_wallet_buys_for_itself(offering, open_offering, wallet, attacker):
    with reverts("wallet: caller is not the owner"):
        buy(wallet, offering, open_offering, SHARE, attacker)


def test_a_contract_wallet_cannot_buy_with_authorization_the_stablecoin_takes_no_erc1271_signature(
    offering, open_offering, stable, wallet, customer, relayer
):
    # the wallet accepts its owner's signature (ERC-1271) ...
    salt = keccak(b"contract buyer salt")
    nonce = offering.purchase_nonce(open_offering, SHARE, salt)
    price = cost(SHARE)
    document = authorization(Domain.of(stable), wallet.address, offering.address, price, 0, 2**40, nonce, True)
    signed = sign(customer, document)
    assert wallet.isValidSignature(digest(document), signed.packed) == bytes.fromhex("1626ba7e")
    # ... but MockStablecoin recovers the secp256k1 signer, the owner, not the wallet
    with reverts(BAD_SIGNATURE):
        offering.buy_with_authorization(open_offering, wallet, SHARE, 0, 2**40, salt, *signed.vrs, sender=relayer)
    assert purchase_of(offering, open_offering, wallet)["shares"] == 0
