"""Revert reasons no other test reached (tests/test_revert_coverage.py lists them).

"revenue: stream too large": the guard that keeps a stream inside its 100 bits of the hot
slot. Deposits are capped per epoch (`MAX_DEPOSITS`, 2**96 - 1), but revenue released
while the supply is zero is queued again, and a re-queued amount is not capped: with no
holders, each cycle below (deposit the cap at an epoch's first second, so nothing of the
running stream is released and re-queued beside it; then let two epochs pass and touch
the stream, so the running stream and the deposit are both released and re-queued) adds
the cap to what is pending. After 17 cycles the queue holds 17 caps, more than 2**100 - 1,
and the update that would turn it into the next stream reverts.
"""

from computerwa.evm.chain import reverts
from tests.unitary.token.conftest import MAX_DEPOSITS

STREAM_MASK = 2**100 - 1  # revenue_stream._STREAM_MASK
CYCLES = STREAM_MASK // MAX_DEPOSITS + 1  # 17: the first count of caps that no longer fits


def test_a_queue_grown_past_100_bits_at_zero_supply_cannot_become_a_stream(
    backend, compute_token, stablecoin, issuer, relayer, investor, holder
):
    token = compute_token
    genesis, length = token.GENESIS(), token.EPOCH_LENGTH()
    assert token.totalSupply() == 0
    stablecoin.mint(relayer, (CYCLES + 1) * MAX_DEPOSITS, sender=issuer)
    stablecoin.approve(token, 2**256 - 1, sender=relayer)

    def at_start_of(epoch: int) -> None:
        backend.sleep(genesis + epoch * length - backend.pending_timestamp)

    epoch = (backend.pending_timestamp - genesis) // length + 1
    for cycle in range(1, CYCLES + 1):
        at_start_of(epoch)
        token.deposit_revenue(MAX_DEPOSITS, sender=relayer)
        assert token.stream_amount() == (cycle - 1) * MAX_DEPOSITS
        assert token.queued_amount() == MAX_DEPOSITS
        at_start_of(epoch + 2)
        token.transfer(holder, 0, sender=investor)  # any update: both streams released, re-queued
        assert (token.stream_amount(), token.queued_amount()) == (0, cycle * MAX_DEPOSITS)
        epoch += 3

    assert token.queued_amount() > STREAM_MASK
    at_start_of(epoch)
    with reverts("revenue: stream too large"):
        token.deposit_revenue(1, sender=relayer)
    with reverts("revenue: stream too large"):
        token.transfer(holder, 0, sender=investor)
