"""`skim` (issue #15 item 10): stablecoin sent straight to a token streams to its holders,
and never a unit of what the token owes moves. Also `owed`, `dust` and `skimmable`."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import EPOCH_LENGTH
from tests.unitary.token.conftest import ACC_PRECISION, MAX_DEPOSITS, REVENUE, SHARES

NOTHING = "revenue: nothing to skim"
FEE_BPS = 100  # MockFeeToken burns 1% of every transfer


def _epoch_of(receipt) -> int:
    return receipt.filter("RevenueDeposited")[0].args["epoch"]


def test_stablecoin_sent_to_a_token_is_not_stranded(
    compute_token, stablecoin, customer, attacker, investor, clock, issued
):
    stablecoin.transfer(compute_token, REVENUE, sender=customer)  # no deposit_revenue
    assert compute_token.owed() == 0
    assert compute_token.skimmable() == REVENUE
    receipt = compute_token.skim(sender=attacker)  # anyone may call it
    epoch = clock.epoch_of(receipt.timestamp)
    assert receipt.filter("RevenueSkimmed")[0].args == {"sender": attacker.address, "amount": REVENUE, "epoch": epoch}
    assert compute_token.queued_amount() == REVENUE == compute_token.owed()
    assert compute_token.skimmable() == 0
    clock.at(clock.epoch_start(epoch + 2))  # streamed over the next epoch, as a deposit
    assert compute_token.claimable(investor) == REVENUE


def test_skim_never_moves_what_the_token_owes(
    backend, compute_token, stablecoin, customer, attacker, investor, clock, deposit, issued
):
    epoch = _epoch_of(deposit())
    backend.pending_timestamp = clock.epoch_start(epoch + 1) + EPOCH_LENGTH // 2
    compute_token.claim(investor, sender=investor)  # half paid, half streaming
    owed = compute_token.owed()
    assert owed == REVENUE - stablecoin.balanceOf(investor)
    stablecoin.transfer(compute_token, 5, sender=customer)
    accrued = compute_token.accrued_scaled(investor)
    receipt = compute_token.skim(sender=attacker)
    assert receipt.filter("RevenueSkimmed")[0].args["amount"] == 5
    assert compute_token.owed() == owed + 5 == stablecoin.balanceOf(compute_token)
    assert compute_token.stream_amount() == REVENUE  # the running stream is untouched
    assert compute_token.queued_amount() == 5
    assert compute_token.accrued_scaled(investor) >= accrued
    with reverts(NOTHING):
        compute_token.skim(sender=attacker)


def test_skim_with_nothing_to_skim_is_refused(compute_token, attacker, deposit, issued):
    with reverts(NOTHING):
        compute_token.skim(sender=attacker)
    deposit()  # everything the token holds is owed
    with reverts(NOTHING):
        compute_token.skim(sender=attacker)


def test_skim_refuses_more_than_an_epoch_may_queue(compute_token, stablecoin, issuer, attacker):
    stablecoin.mint(compute_token, MAX_DEPOSITS + 1, sender=issuer)
    with reverts("revenue: deposit too large"):
        compute_token.skim(sender=attacker)


def test_skim_streams_the_dust_of_releases_to_nobody_in_whole_units(
    backend, compute_token, minter, investor, attacker, clock, deposit
):
    """Released while nobody holds: whole units are queued again, the sub-unit rest is set
    aside (owed, paid to nobody) until `skim` streams its whole units."""
    epoch = _epoch_of(deposit(2))
    start = clock.epoch_start(epoch + 1)
    backend.pending_timestamp = start + 1
    compute_token.transfer(investor, 0, sender=investor)  # an update with no supply
    assert compute_token.queued_amount() == 0
    assert compute_token.dust() == 2 * ACC_PRECISION // EPOCH_LENGTH
    assert compute_token.skimmable() == 0
    backend.pending_timestamp = start + EPOCH_LENGTH // 2
    compute_token.transfer(investor, 0, sender=investor)
    assert compute_token.queued_amount() == 0
    assert compute_token.dust() == ACC_PRECISION  # half of two units, in two sub-unit rests
    assert compute_token.skimmable() == 1
    receipt = compute_token.skim(sender=attacker)
    assert receipt.filter("RevenueSkimmed")[0].args["amount"] == 1
    assert compute_token.dust() < ACC_PRECISION  # the second since: a sub-unit rest again
    assert compute_token.queued_amount() == 1
    assert compute_token.owed() == 2  # the dust was owed already
    compute_token.mint(investor, SHARES, sender=minter)
    backend.pending_timestamp = clock.epoch_start(epoch + 4)
    compute_token.transfer(investor, 0, sender=investor)  # stores the stream
    # nothing lost: what the holder accrued, the dust of the seconds nobody held, the carry
    accrued = compute_token.accrued_scaled(investor)
    assert accrued + compute_token.dust() + compute_token.remainder() == 2 * ACC_PRECISION
    assert compute_token.claimable(investor) == 1


def test_a_fee_on_transfer_stablecoin_is_skimmed_by_what_arrived(
    backend, deploy_token, issuer, minter, customer, investor, attacker
):
    fee_token = backend.deploy("MockFeeToken", FEE_BPS, sender=issuer)
    token = deploy_token(stablecoin=fee_token, epoch_length=1)
    token.mint(investor, SHARES, sender=minter)
    fee_token.mint(customer, 20_000, sender=customer)
    fee_token.approve(token, 10_000, sender=customer)
    token.deposit_revenue(10_000, sender=customer)
    assert token.owed() == 9_900 == fee_token.balanceOf(token)
    fee_token.transfer(token, 1_000, sender=customer)  # 990 arrive
    assert token.skimmable() == 990
    receipt = token.skim(sender=attacker)
    assert receipt.filter("RevenueSkimmed")[0].args["amount"] == 990
    assert token.owed() == 10_890 == fee_token.balanceOf(token)
    backend.sleep(3)
    fee_token.mint(customer, 0, sender=customer)  # mines a block: both streams are out
    assert token.claimable(investor) == 10_890
    token.claim(investor, sender=investor)
    assert token.owed() == 0 == fee_token.balanceOf(token)
    with reverts(NOTHING):
        token.skim(sender=attacker)


def test_a_silent_stablecoin_is_skimmed(backend, deploy_token, silent_token, minter, customer, investor, attacker):
    token = deploy_token(stablecoin=silent_token, epoch_length=1)
    token.mint(investor, SHARES, sender=minter)
    silent_token.mint(token, REVENUE, sender=customer)  # sent straight to the token
    assert token.skim(sender=attacker).filter("RevenueSkimmed")[0].args["amount"] == REVENUE
    backend.sleep(3)
    silent_token.mint(customer, 0, sender=customer)
    token.claim(investor, sender=investor)
    assert silent_token.balanceOf(investor) == REVENUE
    assert token.owed() == 0 == silent_token.balanceOf(token)


@pytest.mark.parametrize("stray", [1, 10**6])
def test_owed_follows_deposits_and_claims(
    backend, compute_token, stablecoin, customer, investor, clock, deposit, issued, stray
):
    epoch = _epoch_of(deposit())
    stablecoin.transfer(compute_token, stray, sender=customer)
    assert compute_token.owed() == REVENUE
    assert compute_token.skimmable() == stray
    clock.at(clock.epoch_start(epoch + 2))
    compute_token.claim(investor, sender=investor)
    assert compute_token.owed() == 0
    assert stablecoin.balanceOf(compute_token) == stray == compute_token.skimmable()
