"""The in-process engine and Ape's provider give the same results for the same calls:
views, decoded events, revert reasons, blocks and time, transaction by transaction. (Not
gas: the in-process engine's is not a receipt figure, see computerwa/evm/engine.py.)"""

import pytest

from computerwa.client import signing
from computerwa.client.signing import Domain
from computerwa.evm.chain import Reverted


def _scenario(chain):
    """A fixed script touching every kind of outcome; returns what an observer sees."""
    issuer, customer, operator, relayer = chain.accounts[:4]
    token = chain.deploy("MockStablecoin", "Agree USD", "aUSD", sender=issuer)
    start_block, start_time = chain.timestamp, None
    seen = []

    def step(label, fn, *args, sender):
        nonlocal start_time
        before = chain.pending_timestamp
        try:
            receipt = fn(*args, sender=sender)
        except Reverted as err:
            seen.append((label, "revert", err.reason, chain.timestamp - before))
            return
        start_time = start_time or receipt.timestamp
        events = [
            (e.name, {k: ("<token>" if v == token.address else v) for k, v in e.args.items()}) for e in receipt.events
        ]
        seen.append((label, receipt.timestamp - start_time, receipt.timestamp - before, events))

    step("mint", token.mint, customer, 10**12, sender=issuer)
    step("transfer", token.transfer, operator, 12_345, sender=customer)
    step("transfer too much", token.transfer, customer, 10**13, sender=operator)
    step("after a revert", token.approve, relayer, 2**256 - 1, sender=customer)
    chain.sleep(3_600)
    step("after an hour", token.transferFrom, customer, operator, 5, sender=relayer)
    step("mint by stranger", token.mint, relayer, 1, sender=relayer)
    step("blacklist", token.blacklist, operator, sender=issuer)
    step("send to blacklisted", token.transfer, operator, 1, sender=customer)
    domain = Domain.of(token)
    now = chain.pending_timestamp
    for label, after, before in (("at valid_after", now, now + 10), ("at valid_before", 0, now + 1)):
        nonce = label.encode().ljust(32, b"\x00")
        sig = signing.sign(
            customer, signing.authorization(domain, customer.address, relayer.address, 99, after, before, nonce)
        )
        step(
            label, token.transferWithAuthorization, customer, relayer, 99, after, before, nonce, *sig.vrs, sender=issuer
        )
    seen.append(("views", token.balanceOf(customer), token.balanceOf(operator), token.totalSupply()))
    seen.append(("domain", token.eip712Domain()[:3]))
    seen.append(("clock", chain.timestamp - start_block))
    return seen


@pytest.mark.ape_only
def test_engines_agree_call_by_call(backend, artifacts):
    from computerwa.evm.engine import RevmChain

    reference = _scenario(RevmChain(artifacts=artifacts, chain_id=backend.chain_id))
    assert _scenario(backend) == reference


@pytest.mark.both_engines
def test_a_pending_view_runs_at_the_next_blocks_time(backend, settlement, stablecoin, customer):
    """`fn.call(..., pending=True)` runs in the block the next transaction will be mined in (a
    state machine compares a view with the transaction it foresees): Settlement's clock there is
    `pending_timestamp` (less the seconds paused), and the clock does not move for it."""
    backend.sleep(3_600)
    pending = backend.pending_timestamp
    latest, ahead = settlement.clock(), settlement.clock.call(pending=True)
    assert ahead - latest == pending - backend.timestamp == 3_601
    assert (settlement.clock(), backend.pending_timestamp) == (latest, pending)
    assert stablecoin.transfer(customer, 0, sender=customer).timestamp == pending
