"""Revenue streaming with concrete numbers: a deposit made in epoch e streams linearly over
epoch e + 1, pro rata to balances; claims pay whole base units to any receiver.
(The property suite covers the math in depth; here every figure is computed by hand.)"""

import math
from fractions import Fraction

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import CUSTOMER_FUNDS, EPOCH_LENGTH, FOREVER, OPERATOR_FUNDS
from tests.unitary.token.conftest import ACC_PRECISION, MAX_DEPOSITS, MAX_SUPPLY, REVENUE, SHARE, SHARES, ZERO


def _epoch_of(receipt) -> int:
    return receipt.filter("RevenueDeposited")[0].args["epoch"]


# --- deposit -------------------------------------------------------------------------------------
def test_deposit_pulls_the_stablecoin_and_queues_it(compute_token, stablecoin, customer, clock, deposit, issued):
    receipt = deposit(REVENUE)
    epoch = clock.epoch_of(receipt.timestamp)
    assert receipt.filter("RevenueDeposited")[0].args == {"sender": customer.address, "amount": REVENUE, "epoch": epoch}
    assert stablecoin.balanceOf(compute_token) == REVENUE
    assert stablecoin.balanceOf(customer) == CUSTOMER_FUNDS - REVENUE
    assert compute_token.queued_amount() == REVENUE
    assert compute_token.stream_amount() == 0
    # nothing was streaming, so the update before the deposit wrote nothing: the queue
    # belongs to the epoch of `last_update`, which is the deposit's
    assert clock.epoch_of(compute_token.last_update()) == epoch
    assert compute_token.streaming() == REVENUE
    assert compute_token.claimable(clock.idler) == 0


def test_anyone_may_deposit(compute_token, stablecoin, operator, issued):
    stablecoin.approve(compute_token, 7, sender=operator)
    receipt = compute_token.deposit_revenue(7, sender=operator)
    assert receipt.filter("RevenueDeposited")[0].args["sender"] == operator.address
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS - 7


def test_deposit_of_nothing_is_refused(compute_token, customer):
    with reverts("revenue: nothing to deposit"):
        compute_token.deposit_revenue(0, sender=customer)


def test_deposit_without_an_approval_reverts(compute_token, customer):
    with reverts("erc20: insufficient allowance"):
        compute_token.deposit_revenue(REVENUE, sender=customer)


def test_deposits_beyond_2_pow_96_per_epoch_are_refused(compute_token, stablecoin, issuer, customer, issued):
    stablecoin.mint(customer, MAX_DEPOSITS, sender=issuer)
    stablecoin.approve(compute_token, 2**256 - 1, sender=customer)
    compute_token.deposit_revenue(MAX_DEPOSITS, sender=customer)
    with reverts("revenue: deposit too large"):
        compute_token.deposit_revenue(1, sender=customer)


# --- streaming over the next epoch ---------------------------------------------------------------
def test_revenue_is_not_claimable_before_the_next_epoch_starts(compute_token, investor, clock, deposit, issued):
    epoch = _epoch_of(deposit())
    next_start = clock.epoch_start(epoch + 1)
    clock.at(next_start - 1)
    assert compute_token.current_epoch() == epoch
    assert compute_token.claimable(investor) == 0
    assert compute_token.streaming() == REVENUE
    clock.at(next_start)
    assert compute_token.current_epoch() == epoch + 1
    assert compute_token.claimable(investor) == 0
    assert compute_token.streaming() == REVENUE


def test_half_the_revenue_is_claimable_mid_epoch(compute_token, investor, clock, deposit, issued):
    epoch = _epoch_of(deposit())
    clock.at(clock.epoch_start(epoch + 1) + EPOCH_LENGTH // 2)
    assert compute_token.claimable(investor) == REVENUE // 2
    assert compute_token.accrued_scaled(investor) == REVENUE // 2 * ACC_PRECISION
    assert compute_token.streaming() == REVENUE // 2


@pytest.mark.parametrize("elapsed", [1, 12_345, EPOCH_LENGTH - 1])
def test_claim_pays_the_linear_share_streamed_so_far(
    backend, compute_token, stablecoin, investor, clock, deposit, issued, elapsed
):
    epoch = _epoch_of(deposit())
    backend.pending_timestamp = clock.epoch_start(epoch + 1) + elapsed
    receipt = compute_token.claim(investor, sender=investor)
    expected = REVENUE * elapsed // EPOCH_LENGTH
    assert receipt.filter("RevenueClaimed")[0].args == {
        "account": investor.address,
        "receiver": investor.address,
        "amount": expected,
    }
    assert stablecoin.balanceOf(investor) == expected
    # a claim reads the stream without storing it: the deposit is still queued on chain,
    # and the views bring it to now
    assert compute_token.queued_amount() == REVENUE
    assert compute_token.stream_amount() == 0
    assert compute_token.last_update() < receipt.timestamp
    assert compute_token.streaming() == REVENUE - expected
    # releases are scaled: by second `elapsed`, REVENUE * ACC_PRECISION * elapsed // EPOCH_LENGTH
    scaled = REVENUE * ACC_PRECISION * elapsed // EPOCH_LENGTH
    assert compute_token.accrued_scaled(investor) == SHARES * (scaled // SHARES) - expected * ACC_PRECISION
    # the next balance change, a second later, stores the stream from where it was
    backend.pending_timestamp = receipt.timestamp + 1
    update = compute_token.transfer(investor, 0, sender=investor)
    released = REVENUE * ACC_PRECISION * min(elapsed + 1, EPOCH_LENGTH) // EPOCH_LENGTH
    assert compute_token.stream_amount() == (REVENUE if elapsed + 1 < EPOCH_LENGTH else 0)
    assert compute_token.queued_amount() == 0
    assert compute_token.revenue_per_share() == released // SHARES
    assert compute_token.remainder() == released % SHARES
    assert compute_token.last_update() == update.timestamp


def test_all_the_revenue_is_claimable_once_the_epoch_ends(compute_token, investor, clock, deposit, issued):
    epoch = _epoch_of(deposit())
    clock.at(clock.epoch_start(epoch + 2))
    assert compute_token.claimable(investor) == REVENUE
    assert compute_token.streaming() == 0
    clock.at(clock.epoch_start(epoch + 5))
    assert compute_token.claimable(investor) == REVENUE
    assert compute_token.current_epoch() == epoch + 5


def test_two_holders_share_three_to_one(compute_token, minter, investor, holder, clock, deposit):
    compute_token.mint(investor, 3 * SHARES, sender=minter)
    compute_token.mint(holder, SHARES, sender=minter)
    epoch = _epoch_of(deposit())
    clock.at(clock.epoch_start(epoch + 2))
    assert compute_token.claimable(investor) == REVENUE * 3 // 4
    assert compute_token.claimable(holder) == REVENUE // 4


def test_a_deposit_during_a_running_stream_waits_for_the_next_epoch(
    backend, compute_token, investor, clock, deposit, issued
):
    epoch = _epoch_of(deposit())
    backend.pending_timestamp = clock.epoch_start(epoch + 1) + EPOCH_LENGTH // 2
    receipt = deposit(3 * REVENUE)
    assert _epoch_of(receipt) == epoch + 1
    assert compute_token.stream_amount() == REVENUE
    assert compute_token.queued_amount() == 3 * REVENUE
    released = REVENUE * (receipt.timestamp - clock.epoch_start(epoch + 1)) // EPOCH_LENGTH
    assert compute_token.streaming() == REVENUE - released + 3 * REVENUE
    clock.at(clock.epoch_start(epoch + 2))
    assert compute_token.claimable(investor) == REVENUE
    clock.at(clock.epoch_start(epoch + 2) + EPOCH_LENGTH // 4)
    assert compute_token.claimable(investor) == REVENUE + 3 * REVENUE // 4
    clock.at(clock.epoch_start(epoch + 3))
    assert compute_token.claimable(investor) == 4 * REVENUE
    assert compute_token.streaming() == 0


# --- claim ---------------------------------------------------------------------------------------
def test_claim_to_another_receiver(compute_token, stablecoin, investor, operator, clock, deposit, issued):
    epoch = _epoch_of(deposit())
    clock.at(clock.epoch_start(epoch + 2))
    receipt = compute_token.claim(operator, sender=investor)
    assert receipt.filter("RevenueClaimed")[0].args == {
        "account": investor.address,
        "receiver": operator.address,
        "amount": REVENUE,
    }
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS + REVENUE
    assert stablecoin.balanceOf(investor) == 0
    assert stablecoin.balanceOf(compute_token) == 0
    assert compute_token.claimable(investor) == 0


def test_second_claim_with_nothing_new_pays_zero(compute_token, stablecoin, investor, clock, deposit, issued):
    epoch = _epoch_of(deposit())
    clock.at(clock.epoch_start(epoch + 2))
    compute_token.claim(investor, sender=investor)
    receipt = compute_token.claim(investor, sender=investor)
    assert receipt.filter("RevenueClaimed")[0].args["amount"] == 0
    assert stablecoin.balanceOf(investor) == REVENUE


def test_claim_by_someone_who_never_held_pays_zero(compute_token, stablecoin, attacker, clock, deposit, issued):
    epoch = _epoch_of(deposit())
    clock.at(clock.epoch_start(epoch + 2))
    receipt = compute_token.claim(attacker, sender=attacker)
    assert receipt.filter("RevenueClaimed")[0].args == {
        "account": attacker.address,
        "receiver": attacker.address,
        "amount": 0,
    }
    assert [e.name for e in receipt.events] == ["RevenueClaimed"]
    assert stablecoin.balanceOf(attacker) == 0


def test_claim_to_the_zero_address_is_refused(compute_token, investor):
    with reverts("revenue: receiver is the zero address"):
        compute_token.claim(ZERO, sender=investor)


def test_stablecoin_blacklisted_holder_claims_to_another_receiver(
    compute_token, stablecoin, issuer, investor, operator, clock, deposit, issued
):
    epoch = _epoch_of(deposit())
    clock.at(clock.epoch_start(epoch + 2))
    stablecoin.blacklist(investor, sender=issuer)
    with reverts("stablecoin: account is blacklisted"):
        compute_token.claim(investor, sender=investor)
    compute_token.claim(operator, sender=investor)
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS + REVENUE


def test_claims_are_not_restricted_by_pause_or_verification(
    compute_token, identity, issuer, agent, investor, operator, clock, deposit, issued
):
    epoch = _epoch_of(deposit())
    clock.at(clock.epoch_start(epoch + 2))
    compute_token.pause(sender=agent)
    identity.revoke(investor, sender=issuer)
    receipt = compute_token.claim(operator, sender=investor)
    assert receipt.filter("RevenueClaimed")[0].args["amount"] == REVENUE


def test_a_frozen_holder_cannot_claim_its_revenue_elsewhere(
    compute_token, stablecoin, agent, investor, holder, attacker, clock, deposit, issued
):
    """Issue #15 item 11: under the stablecoin rules the project follows (freeze, seize), a
    frozen holder moves no value. Its revenue keeps accruing; `recover` moves it on."""
    epoch = _epoch_of(deposit())
    compute_token.freeze(investor, sender=agent)
    clock.at(clock.epoch_start(epoch + 2))
    assert compute_token.claimable(investor) == REVENUE  # accrued while frozen
    with reverts("revenue: account is frozen"):
        compute_token.claim(attacker, sender=investor)
    assert stablecoin.balanceOf(attacker) == 0
    compute_token.unfreeze(investor, sender=agent)
    compute_token.claim(investor, sender=investor)
    assert stablecoin.balanceOf(investor) == REVENUE


def test_recovery_moves_a_frozen_holders_revenue_to_the_replacement(
    compute_token, stablecoin, agent, investor, holder, clock, deposit, issued
):
    epoch = _epoch_of(deposit())
    compute_token.freeze(investor, sender=agent)
    clock.at(clock.epoch_start(epoch + 2))
    compute_token.recover(investor, holder, sender=agent)
    assert compute_token.claimable(investor) == 0
    receipt = compute_token.claim(holder, sender=holder)
    assert receipt.filter("RevenueClaimed")[0].args["amount"] == REVENUE


def test_claim_pays_whole_units_and_keeps_the_dust(backend, compute_token, minter, investor, clock, deposit):
    # 1,000 base units over 3 shares: revenue per share 333.33.. units, scaled by 1e36
    compute_token.mint(investor, 3 * SHARE, sender=minter)
    epoch = _epoch_of(deposit(1_000))
    backend.pending_timestamp = clock.epoch_start(epoch + 2)
    receipt = compute_token.claim(investor, sender=investor)
    per_share = 1_000 * ACC_PRECISION // (3 * SHARE)
    compute_token.transfer(investor, 0, sender=investor)  # stores the stream the claim read
    assert compute_token.revenue_per_share() == per_share
    assert compute_token.remainder() == 1_000 * ACC_PRECISION % (3 * SHARE)
    scaled = 3 * SHARE * per_share
    assert scaled == 1_000 * ACC_PRECISION - 10**18
    assert receipt.filter("RevenueClaimed")[0].args["amount"] == scaled // ACC_PRECISION == 999
    assert compute_token.accrued_scaled(investor) == scaled % ACC_PRECISION


def test_holders_at_the_supply_cap_never_get_more_than_was_streamed(
    backend, compute_token, stablecoin, minter, investor, clock, deposit
):
    # one base unit over 2**116 - 1 shares is a dozen scaled units per share: less than a
    # base unit for the holder, the floor's rest is carried (`remainder`), nothing is lost
    compute_token.mint(investor, MAX_SUPPLY, sender=minter)
    epoch = _epoch_of(deposit(1))
    clock.at(clock.epoch_start(epoch + 2))
    assert compute_token.claimable(investor) == 0
    receipt = compute_token.claim(investor, sender=investor)
    assert receipt.filter("RevenueClaimed")[0].args["amount"] == 0
    compute_token.transfer(investor, 0, sender=investor)  # stores the stream the claim read
    assert compute_token.revenue_per_share() == ACC_PRECISION // MAX_SUPPLY
    assert compute_token.remainder() == ACC_PRECISION % MAX_SUPPLY
    deposit(10_000)
    clock.at(clock.epoch_start(epoch + 4))
    expected = MAX_SUPPLY * (10_001 * ACC_PRECISION // MAX_SUPPLY) // ACC_PRECISION
    assert expected <= 10_001
    assert compute_token.claimable(investor) == expected
    compute_token.claim(investor, sender=investor)
    assert stablecoin.balanceOf(investor) == expected
    assert stablecoin.balanceOf(compute_token) == 10_001 - expected


# --- no holders; the shortest epochs -----------------------------------------------------------
def test_revenue_streamed_without_holders_waits_for_the_first_one(compute_token, minter, investor, clock, deposit):
    epoch = _epoch_of(deposit())
    clock.at(clock.epoch_start(epoch + 2))
    # released to nobody: queued again as if deposited now, streams over the next epoch
    assert compute_token.streaming() == REVENUE
    compute_token.mint(investor, SHARES, sender=minter)
    assert compute_token.queued_amount() == REVENUE
    clock.at(clock.epoch_start(epoch + 4))
    assert compute_token.claimable(investor) == REVENUE


def test_revenue_released_mid_stream_while_nobody_holds_is_streamed_again(
    backend, compute_token, minter, investor, clock, deposit, issued
):
    epoch = _epoch_of(deposit())
    start = clock.epoch_start(epoch + 1)
    backend.pending_timestamp = start + EPOCH_LENGTH // 4
    compute_token.burn(investor, SHARES, sender=minter)  # the first quarter stays the investor's
    backend.pending_timestamp = start + EPOCH_LENGTH // 2
    # the second quarter streamed to nobody: at the next update, mid-epoch with the stream
    # running, it is queued again as if deposited now
    compute_token.mint(investor, SHARES, sender=minter)
    assert compute_token.queued_amount() == REVENUE // 4
    assert compute_token.stream_amount() == REVENUE
    assert compute_token.claimable(investor) == REVENUE // 4
    clock.at(clock.epoch_start(epoch + 2))
    assert compute_token.claimable(investor) == REVENUE * 3 // 4
    clock.at(clock.epoch_start(epoch + 3))
    assert compute_token.claimable(investor) == REVENUE
    assert compute_token.streaming() == 0


def test_a_token_refuses_a_zero_length_epoch(deploy_token):
    """Issue #15 item 9, in the token itself (it can be deployed without the factory)."""
    with reverts("revenue: epoch length is zero"):
        deploy_token(epoch_length=0)


def test_one_second_epochs_release_a_deposit_over_the_next_second(
    backend, deploy_token, stablecoin, identity, issuer, customer, minter, investor
):
    # the shortest streaming epoch: revenue of one second streams over the next one, in full
    token = deploy_token(epoch_length=1)
    identity.set_verified(investor, FOREVER, sender=issuer)
    token.mint(investor, SHARES, sender=minter)
    stablecoin.approve(token, REVENUE, sender=customer)
    epoch = token.deposit_revenue(REVENUE, sender=customer).filter("RevenueDeposited")[0].args["epoch"]
    assert token.current_epoch() == epoch and token.claimable(investor) == 0
    backend.sleep(2)
    stablecoin.approve(token, 0, sender=customer)  # mines a block at least two seconds later
    assert token.current_epoch() >= epoch + 2
    assert token.claimable(investor) == REVENUE
    assert token.streaming() == 0


def test_one_second_epochs_release_nothing_at_the_first_instant_of_the_next_second(
    backend, deploy_token, stablecoin, identity, issuer, customer, minter, investor
):
    # a stream starts at its epoch's first second and releases `elapsed / 1` of itself:
    # at that very second it is still all streaming
    token = deploy_token(epoch_length=1)
    identity.set_verified(investor, FOREVER, sender=issuer)
    token.mint(investor, SHARES, sender=minter)
    stablecoin.approve(token, REVENUE, sender=customer)
    deposited_at = token.deposit_revenue(REVENUE, sender=customer).timestamp
    backend.pending_timestamp = deposited_at + 1
    stablecoin.approve(token, 0, sender=customer)  # mines the next second's block
    assert token.streaming() == REVENUE
    assert token.claimable(investor) == 0


def test_the_longest_epoch_from_a_genesis_at_time_zero_keeps_a_deposit_streaming(
    deploy_token, stablecoin, identity, issuer, customer, minter, investor
):
    # epoch 0 of 2**32 seconds runs until 2106: what is deposited in it streams over epoch 1
    token = deploy_token(genesis=0, epoch_length=2**32)
    identity.set_verified(investor, FOREVER, sender=issuer)
    token.mint(investor, SHARES, sender=minter)
    stablecoin.approve(token, REVENUE, sender=customer)
    assert _epoch_of(token.deposit_revenue(REVENUE, sender=customer)) == 0
    assert token.streaming() == REVENUE
    assert token.claimable(investor) == 0


def test_a_token_keeps_time_past_2_to_the_37_seconds(
    backend, deploy_token, stablecoin, identity, issuer, customer, minter, investor
):
    # the hot slot keeps 38 bits of timestamp (until the year 10680): a token living past
    # 2**37 seconds (the year 6325) streams as any other
    backend.pending_timestamp = 2**37 + EPOCH_LENGTH // 2
    token = deploy_token(genesis=2**37)
    assert token.last_update() == backend.timestamp
    identity.set_verified(investor, FOREVER, sender=issuer)
    token.mint(investor, SHARES, sender=minter)
    stablecoin.approve(token, REVENUE, sender=customer)
    assert _epoch_of(token.deposit_revenue(REVENUE, sender=customer)) == 0
    backend.sleep(2 * EPOCH_LENGTH)
    stablecoin.approve(token, 0, sender=customer)  # mines a block in epoch 2
    assert token.claimable(investor) == REVENUE
    assert token.streaming() == 0


# --- a stablecoin that answers false -------------------------------------------------------------
@pytest.fixture
def false_coin_token(deploy_token, false_token, minter, customer, investor):
    token = deploy_token(stablecoin=false_token, epoch_length=1)
    token.mint(investor, SHARES, sender=minter)
    false_token.mint(customer, REVENUE, sender=minter)
    return token


def test_deposit_refused_when_the_stablecoin_answers_false(false_coin_token, false_token, customer, minter):
    false_token.set_failing(True, sender=minter)
    with reverts("revenue: transfer failed"):
        false_coin_token.deposit_revenue(REVENUE, sender=customer)


def test_claim_refused_when_the_stablecoin_answers_false(
    backend, false_coin_token, false_token, customer, investor, minter
):
    false_coin_token.deposit_revenue(REVENUE, sender=customer)
    backend.sleep(2)  # one-second epochs: the deposit streams over the next second
    false_token.mint(customer, 0, sender=minter)  # mines a block two seconds later
    assert false_coin_token.claimable(investor) == REVENUE
    false_token.set_failing(True, sender=minter)
    with reverts("revenue: transfer failed"):
        false_coin_token.claim(investor, sender=investor)
    false_token.set_failing(False, sender=minter)
    false_coin_token.claim(investor, sender=investor)
    assert false_token.balanceOf(investor) == REVENUE


def test_revenue_in_a_stablecoin_that_returns_nothing_is_deposited_and_claimed(
    backend, deploy_token, silent_token, minter, customer, investor
):
    """USDT-style: transferFrom and transfer answer nothing; the token takes that as success."""
    token = deploy_token(stablecoin=silent_token, epoch_length=1)
    token.mint(investor, SHARES, sender=minter)
    silent_token.mint(customer, REVENUE, sender=customer)
    silent_token.approve(token, REVENUE, sender=customer)
    token.deposit_revenue(REVENUE, sender=customer)
    backend.sleep(2)  # one-second epochs: the deposit streams over the next second
    silent_token.mint(customer, 0, sender=customer)  # mines a block two seconds later
    assert silent_token.balanceOf(token) == REVENUE == token.claimable(investor)
    token.claim(investor, sender=investor)
    assert silent_token.balanceOf(investor) == REVENUE
    assert silent_token.balanceOf(token) == 0 == token.claimable(investor)


def test_a_sale_hands_the_buyer_balance_times_streaming_over_supply(
    compute_token, investor, holder, minter, clock, deposit
):
    """THREAT_MODEL *Revenue timing*: at the moment of a sale the seller gives up
    `balance * streaming() / totalSupply()` and the buyer collects it (to the base unit)."""
    compute_token.mint(investor, SHARES // 4, sender=minter)
    compute_token.mint(holder, 3 * SHARES // 4, sender=minter)
    epoch = _epoch_of(deposit(REVENUE))
    clock.at(clock.epoch_start(epoch + 1) + EPOCH_LENGTH // 4)  # a quarter into the stream
    deposit(REVENUE // 2)  # today's revenue, queued for tomorrow
    compute_token.transfer(holder, SHARES // 4, sender=investor)  # the investor sells everything
    # views read the sale's block: what the seller accrued, and what was still to stream
    accrued, streaming = compute_token.claimable(investor), compute_token.streaming()
    # three quarters of yesterday's stream (a few seconds less) and all of today's queue
    assert abs(streaming - (REVENUE - REVENUE // 4 + REVENUE // 2)) < REVENUE // 10_000
    carried = SHARES // 4 * streaming // SHARES
    clock.at(clock.epoch_start(epoch + 3))  # both streams fully released
    assert compute_token.claimable(investor) == accrued  # the seller keeps what it had accrued
    holder_without_sale = 3 * (REVENUE + REVENUE // 2) // 4
    assert compute_token.claimable(holder) - holder_without_sale in (carried - 1, carried, carried + 1)


# --- exact shares (issue #15 item 13) ----------------------------------------------------------
def test_a_buyer_just_before_a_release_gets_no_more_than_its_exact_share(
    backend, compute_token, minter, investor, holder, clock, deposit
):
    """One unit streams over a day; the only holder sells everything one second in. The
    buyer held for 86,399 of 86,400 seconds: its exact share is 0.99998..., so it may claim
    nothing (the floor), and the seller's 1/86,400 is below a unit too. Nothing is lost:
    the unit stays accrued (scaled) between them and the carried remainder."""
    compute_token.mint(investor, 1, sender=minter)
    epoch = _epoch_of(deposit(1))
    start = clock.epoch_start(epoch + 1)
    backend.pending_timestamp = start + 1
    compute_token.transfer(holder, 1, sender=investor)
    clock.at(clock.epoch_start(epoch + 2))
    exact_buyer = Fraction(EPOCH_LENGTH - 1, EPOCH_LENGTH)
    assert compute_token.claimable(holder) <= math.floor(exact_buyer) == 0
    assert compute_token.claimable(investor) <= math.floor(1 - exact_buyer) == 0
    accrued = compute_token.accrued_scaled(investor) + compute_token.accrued_scaled(holder)
    assert accrued + compute_token.remainder() == ACC_PRECISION


def test_a_buyer_of_90_percent_before_the_first_unit_gets_no_more_than_its_exact_share(
    backend, compute_token, minter, investor, holder, clock, deposit
):
    """Ten units stream over a day, so the first whole unit is out after 8,640 s. A buyer of
    90% one second before that would, with whole-unit releases, share that unit as if it
    had held all along and claim 9; its exact share is 9 * 77,761 / 86,400 = 8.1001..."""
    compute_token.mint(investor, SHARES, sender=minter)
    epoch = _epoch_of(deposit(10))
    start = clock.epoch_start(epoch + 1)
    sale = EPOCH_LENGTH // 10 - 1
    backend.pending_timestamp = start + sale
    compute_token.transfer(holder, SHARES * 9 // 10, sender=investor)
    backend.pending_timestamp = clock.epoch_start(epoch + 2)
    compute_token.transfer(holder, 0, sender=holder)  # stores the stream: `remainder` reads it
    after = Fraction(10 * (EPOCH_LENGTH - sale), EPOCH_LENGTH)
    exact_buyer = after * 9 / 10
    exact_seller = Fraction(10 * sale, EPOCH_LENGTH) + after / 10
    assert compute_token.claimable(holder) <= math.floor(exact_buyer) == 8
    assert compute_token.claimable(investor) <= math.floor(exact_seller) == 1
    accrued = compute_token.accrued_scaled(investor) + compute_token.accrued_scaled(holder)
    assert accrued + compute_token.remainder() == 10 * ACC_PRECISION
