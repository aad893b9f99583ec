"""REV-12, `epoch_revenue(e)`: the revenue queued during epoch e (it streams to the holders
over e + 1) and the supply that stream starts with, as `RevenueFeed` reads it.

Read live while e is the epoch of `last_update`; recorded when the queue rolls over into
the stream (the first update after e ended: a deposit, a transfer, a mint, a burn, a skim;
a claim writes nothing), with the supply before the rolling transaction moves any balance;
kept in a ring of EPOCH_RECORDS slots. Every figure is computed by hand.
"""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import EPOCH_LENGTH
from tests.unitary.token.conftest import MAX_DEPOSITS, REVENUE, SHARE, SHARES

EPOCH_RECORDS = 128  # revenue_stream.EPOCH_RECORDS
FORGOTTEN = "revenue: epoch no longer recorded"


@pytest.fixture
def epoch(backend, clock):
    """An epoch a few after genesis, whose first second is the next block's, so every test
    has earlier epochs to read and whole epochs ahead."""
    start = clock.epoch_of(backend.pending_timestamp) + 3
    backend.pending_timestamp = clock.epoch_start(start)
    return start


@pytest.fixture
def transfer_zero(compute_token, investor, holder):
    """An update that moves nothing: a transfer of no shares."""

    def transfer():
        return compute_token.transfer(holder, 0, sender=investor)

    return transfer


@pytest.fixture
def roll_over(compute_token, stablecoin, customer, minter, investor, holder, deposit):
    """`roll_over(kind)`: the update of that kind; returns the supply change it made."""

    def roll(kind: str) -> int:
        if kind == "deposit":
            deposit(7)
        elif kind == "transfer":
            compute_token.transfer(holder, SHARES // 4, sender=investor)
        elif kind == "mint":
            compute_token.mint(holder, 2 * SHARES, sender=minter)
            return 2 * SHARES
        elif kind == "burn":
            compute_token.burn(investor, SHARES // 2, sender=minter)
            return -(SHARES // 2)
        elif kind == "skim":
            stablecoin.transfer(compute_token, 5, sender=customer)
            compute_token.skim(sender=customer)
        else:
            raise AssertionError(kind)
        return 0

    return roll


def _last_epoch(token, clock) -> int:
    return clock.epoch_of(token.last_update())


# --- live, then recorded ---------------------------------------------------------------------------
def test_a_deposit_is_read_live_during_its_epoch(compute_token, clock, deposit, issued, epoch):
    deposit()
    assert _last_epoch(compute_token, clock) == epoch
    assert compute_token.epoch_revenue(epoch) == (REVENUE, SHARES)
    # the next epoch's queue is empty so far, at the supply of now
    assert compute_token.epoch_revenue(epoch + 1) == (0, SHARES)


def test_several_deposits_in_one_epoch_add_up(backend, compute_token, transfer_zero, clock, deposit, issued, epoch):
    deposit(REVENUE)
    deposit(3)
    backend.pending_timestamp = clock.epoch_start(epoch + 1) - 2  # its approval, then the deposit
    receipt = deposit(REVENUE // 2)
    assert receipt.timestamp == clock.epoch_start(epoch + 1) - 1
    assert compute_token.epoch_revenue(epoch) == (REVENUE + 3 + REVENUE // 2, SHARES)
    backend.pending_timestamp = clock.epoch_start(epoch + 1)
    transfer_zero()
    assert compute_token.epoch_revenue(epoch) == (REVENUE + 3 + REVENUE // 2, SHARES)


@pytest.mark.parametrize("kind", ["deposit", "transfer", "mint", "burn", "skim"])
def test_the_first_update_after_the_epoch_records_it(
    backend, compute_token, clock, deposit, issued, epoch, roll_over, kind
):
    deposit()
    backend.pending_timestamp = clock.epoch_start(epoch + 1) + 600
    change = roll_over(kind)
    assert _last_epoch(compute_token, clock) == epoch + 1
    # the record: what was queued during `epoch`, and the supply before this update's own change
    assert compute_token.epoch_revenue(epoch) == (REVENUE, SHARES)
    queued_now = {"deposit": 7, "skim": 5}.get(kind, 0)
    assert compute_token.epoch_revenue(epoch + 1) == (queued_now, SHARES + change)


def test_a_mint_right_after_the_boundary_is_not_in_the_recorded_supply(
    backend, compute_token, minter, holder, clock, deposit, issued, epoch
):
    deposit()
    backend.pending_timestamp = clock.epoch_start(epoch + 1)
    compute_token.mint(holder, 3 * SHARES, sender=minter)
    assert compute_token.epoch_revenue(epoch) == (REVENUE, SHARES)
    assert compute_token.epoch_revenue(epoch + 1) == (0, 4 * SHARES)
    # and the stream follows its record: the whole epoch's revenue to 4,000 shares, 1:3
    clock.at(clock.epoch_start(epoch + 2))
    assert compute_token.claimable(holder) == REVENUE * 3 // 4


def test_a_claim_records_nothing_and_the_epoch_still_reads_live(
    backend, compute_token, stablecoin, investor, transfer_zero, clock, deposit, issued, epoch
):
    deposit()
    backend.pending_timestamp = clock.epoch_start(epoch + 1) + EPOCH_LENGTH // 2
    compute_token.claim(investor, sender=investor)
    assert stablecoin.balanceOf(investor) == REVENUE // 2
    # the claim wrote no stream: the deposit's epoch is still the last update's, read live
    assert _last_epoch(compute_token, clock) == epoch
    assert compute_token.queued_amount() == REVENUE
    assert compute_token.epoch_revenue(epoch) == (REVENUE, SHARES)
    assert compute_token.epoch_revenue(epoch + 1) == (0, SHARES)
    # the next update records the same
    transfer_zero()
    assert compute_token.epoch_revenue(epoch) == (REVENUE, SHARES)
    assert compute_token.epoch_revenue(epoch + 1) == (0, SHARES)


# --- epochs without revenue ------------------------------------------------------------------------
def test_epochs_without_revenue_read_zero_before_the_last_update_and_the_supply_from_it(
    backend, compute_token, transfer_zero, clock, deposit, issued, epoch
):
    deposit()
    backend.pending_timestamp = clock.epoch_start(epoch + 3) + 1
    transfer_zero()
    assert _last_epoch(compute_token, clock) == epoch + 3
    assert compute_token.epoch_revenue(epoch - 1) == (0, 0)
    assert compute_token.epoch_revenue(epoch) == (REVENUE, SHARES)
    assert compute_token.epoch_revenue(epoch + 1) == (0, 0)
    assert compute_token.epoch_revenue(epoch + 2) == (0, 0)
    for later in (epoch + 3, epoch + 4, epoch + 1_000, 2**200):
        assert compute_token.epoch_revenue(later) == (0, SHARES)


def test_a_token_that_never_had_revenue_reads_its_supply(compute_token, clock, issued, epoch):
    last = _last_epoch(compute_token, clock)
    if last > 0:
        assert compute_token.epoch_revenue(last - 1) == (0, 0)
    assert compute_token.epoch_revenue(last) == (0, SHARES)
    assert compute_token.epoch_revenue(epoch + 5) == (0, SHARES)


# --- zero supply -----------------------------------------------------------------------------------
def test_revenue_rolled_over_at_zero_supply_is_recorded_at_zero_and_again_when_requeued(
    backend, compute_token, minter, investor, transfer_zero, clock, deposit, epoch
):
    """Nobody holds a share: the stream of `epoch + 1` releases to nobody until the mint a
    quarter into it, and what it released by then is queued again, during `epoch + 1`."""
    deposit()
    backend.pending_timestamp = clock.epoch_start(epoch + 1) + EPOCH_LENGTH // 4
    compute_token.mint(investor, SHARES, sender=minter)
    assert compute_token.epoch_revenue(epoch) == (REVENUE, 0)
    requeued = REVENUE // 4
    assert compute_token.epoch_revenue(epoch + 1) == (requeued, SHARES)
    backend.pending_timestamp = clock.epoch_start(epoch + 2)
    transfer_zero()
    assert compute_token.epoch_revenue(epoch) == (REVENUE, 0)
    assert compute_token.epoch_revenue(epoch + 1) == (requeued, SHARES)
    # the investor received the three quarters streamed after the mint, then the re-queued quarter
    clock.at(clock.epoch_start(epoch + 3))
    assert compute_token.claimable(investor) == REVENUE


# --- the ring --------------------------------------------------------------------------------------
def test_the_oldest_kept_epoch_reads_and_the_one_before_reverts(
    backend, compute_token, transfer_zero, clock, deposit, issued, epoch
):
    deposit()
    backend.pending_timestamp = clock.epoch_start(epoch + EPOCH_RECORDS) + 1
    transfer_zero()  # rolls the queue over: the record is written 128 epochs late
    assert _last_epoch(compute_token, clock) == epoch + EPOCH_RECORDS
    assert compute_token.epoch_revenue(epoch) == (REVENUE, SHARES)
    with reverts(FORGOTTEN):
        compute_token.epoch_revenue(epoch - 1)
    backend.pending_timestamp = clock.epoch_start(epoch + EPOCH_RECORDS + 1)
    transfer_zero()
    with reverts(FORGOTTEN):
        compute_token.epoch_revenue(epoch)
    with reverts(FORGOTTEN):
        compute_token.epoch_revenue(0)
    assert compute_token.epoch_revenue(epoch + 1) == (0, 0)


def test_an_epoch_whose_slot_holds_an_older_epochs_record_reads_zero(
    backend, compute_token, transfer_zero, clock, deposit, issued, epoch
):
    deposit()
    backend.pending_timestamp = clock.epoch_start(epoch + 1)
    transfer_zero()  # records `epoch` in slot epoch % 128
    backend.pending_timestamp = clock.epoch_start(epoch + EPOCH_RECORDS + 1)
    transfer_zero()
    # epoch + 128 shares the slot; it had no revenue, so the old record is not its
    assert compute_token.epoch_revenue(epoch + EPOCH_RECORDS) == (0, 0)
    assert compute_token.epoch_revenue(epoch + 1) == (0, 0)
    with reverts(FORGOTTEN):
        compute_token.epoch_revenue(epoch)


def test_a_later_record_overwrites_its_slot(backend, compute_token, transfer_zero, clock, deposit, issued, epoch):
    deposit()
    backend.pending_timestamp = clock.epoch_start(epoch + 1)
    transfer_zero()
    backend.pending_timestamp = clock.epoch_start(epoch + EPOCH_RECORDS)
    deposit(3 * REVENUE)
    assert compute_token.epoch_revenue(epoch) == (REVENUE, SHARES)  # the oldest kept, still there
    backend.pending_timestamp = clock.epoch_start(epoch + EPOCH_RECORDS + 1)
    transfer_zero()
    assert compute_token.epoch_revenue(epoch + EPOCH_RECORDS) == (3 * REVENUE, SHARES)
    with reverts(FORGOTTEN):
        compute_token.epoch_revenue(epoch)


# --- bounds ----------------------------------------------------------------------------------------
def test_a_queue_above_2_pow_96_is_recorded_exactly(
    backend, compute_token, stablecoin, issuer, relayer, minter, investor, transfer_zero, clock, epoch
):
    """Regression (the record once kept 96 bits of the amount): deposits are capped at
    MAX_DEPOSITS per epoch, but revenue released at zero supply is queued again beside a new
    deposit, so a queue can exceed 2**96 (see test_uncovered_reverts.py)."""
    token = compute_token
    stablecoin.mint(relayer, 2 * MAX_DEPOSITS, sender=issuer)
    stablecoin.approve(token, 2**256 - 1, sender=relayer)

    def at_start_of(e: int) -> None:
        backend.pending_timestamp = clock.epoch_start(e)

    token.deposit_revenue(MAX_DEPOSITS, sender=relayer)  # at the start of `epoch`, nobody holds
    at_start_of(epoch + 2)
    transfer_zero()  # released to nobody during epoch + 1: queued again, during epoch + 2
    assert token.epoch_revenue(epoch) == (MAX_DEPOSITS, 0)
    at_start_of(epoch + 3)
    token.deposit_revenue(MAX_DEPOSITS, sender=relayer)
    assert token.epoch_revenue(epoch + 2) == (MAX_DEPOSITS, 0)
    at_start_of(epoch + 5)
    transfer_zero()  # both streams released to nobody: queued again together
    big = 2 * MAX_DEPOSITS
    assert big > 2**96
    assert token.queued_amount() == big
    token.mint(investor, SHARE, sender=minter)  # same epoch: nothing rolls over
    assert token.epoch_revenue(epoch + 5) == (big, SHARE)
    at_start_of(epoch + 6)
    transfer_zero()
    assert token.epoch_revenue(epoch + 5) == (big, SHARE)
    assert token.epoch_revenue(epoch + 3) == (MAX_DEPOSITS, 0)
