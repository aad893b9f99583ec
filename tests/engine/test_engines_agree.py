"""The in-process engine and Ape's provider give the same results for the same calls:
views, decoded events and revert reasons, transaction by transaction. (Not gas: the
in-process engine's is not a receipt figure, see computerwa/engine.py.)"""

import pytest

from computerwa import Reverted, signing
from computerwa.signing import Domain


def _scenario(chain):
    """A fixed script touching every kind of outcome; returns what an observer sees."""
    issuer, customer, operator, relayer = chain.accounts[:4]
    token = chain.deploy("MockStablecoin", "Agree USD", "aUSD", sender=issuer)
    seen = []

    def step(label, fn, *args, sender):
        try:
            receipt = fn(*args, sender=sender)
        except Reverted as err:
            seen.append((label, "revert", err.reason))
            return
        events = [
            (e.name, {k: (v if v != token.address else "<token>") for k, v in e.args.items()}) for e in receipt.events
        ]
        seen.append((label, "mined", events))

    step("mint", token.mint, customer, 10**12, sender=issuer)
    step("transfer", token.transfer, operator, 12_345, sender=customer)
    step("transfer too much", token.transfer, customer, 10**13, sender=operator)
    step("approve", token.approve, relayer, 2**256 - 1, sender=customer)
    step("transferFrom", token.transferFrom, customer, operator, 5, sender=relayer)
    step("mint by stranger", token.mint, relayer, 1, sender=relayer)
    step("blacklist", token.blacklist, operator, sender=issuer)
    step("send to blacklisted", token.transfer, operator, 1, sender=customer)
    now = chain.pending_timestamp
    domain = Domain.of(token)
    nonce = b"\x07" * 32
    sig = signing.sign(
        customer, signing.authorization(domain, customer.address, relayer.address, 99, now - 10, now + 10, nonce)
    )
    args = (customer, relayer, 99, now - 10, now + 10, nonce, *sig.vrs)
    step("authorization", token.transferWithAuthorization, *args, sender=issuer)
    step("authorization replay", token.transferWithAuthorization, *args, sender=issuer)
    seen.append(("views", token.balanceOf(customer), token.balanceOf(operator), token.totalSupply()))
    seen.append(("domain", token.eip712Domain()[:3]))
    return seen


@pytest.mark.both_engines
def test_engines_agree_call_by_call(backend, artifacts):
    # each engine's result is compared with the other's: the revm one is recomputed here
    from computerwa.engine import RevmChain

    reference = _scenario(RevmChain(artifacts=artifacts, chain_id=backend.chain_id))
    assert _scenario(backend) == reference
