"""RevenueFeed's rounds: round e is epoch e, readable once it ended, and answers the revenue
paid into the token during e per whole share (18 decimals, rounded down) at the supply the
next epoch's stream starts with; `revenue_per_share` reads any epoch, the current one so far."""

from fractions import Fraction

from computerwa.evm.chain import reverts
from computerwa.evm.suite import deploy_suite
from tests.conftest import ATTESTOR_THRESHOLD, DOCUMENTS_HASH, EPOCH_LENGTH, FOREVER
from tests.unitary.feed.conftest import REVENUE, SHARE, SHARES, make_deployment, per_share, register_node


def test_a_round_is_the_epochs_revenue_per_whole_share(feed, clock, pay, issued, first_epoch):
    e = first_epoch
    pay(REVENUE)
    pay(234_567)
    clock.at(clock.start(e + 1) + 5)
    answer = per_share(REVENUE + 234_567, SHARES)
    assert answer == 1_000_234_567_000_000_000
    expected = (e, answer, clock.start(e), clock.start(e + 1), e)
    assert feed.getRoundData(e) == expected
    assert feed.latestRoundData() == expected
    assert feed.revenue_per_share(e) == answer
    # once the next update records the epoch, its round answers the same
    pay(1)
    assert feed.getRoundData(e) == expected


def test_an_answer_that_is_not_whole_is_rounded_down(feed, node_token, issuer, investor, clock, pay, first_epoch):
    supply = 1_500 * SHARE + 7
    node_token.mint(investor, supply, sender=issuer)
    amount = 1_234_567_891
    pay(amount)
    clock.at(clock.start(first_epoch + 1))
    exact = Fraction(amount * 10**12, supply) * SHARE  # $ per whole share, 18 decimals
    assert exact.denominator != 1
    assert feed.getRoundData(first_epoch)[1] == int(exact) == per_share(amount, supply)


def test_a_third_of_a_dollar_per_share_is_rounded_down(feed, node_token, issuer, investor, clock, pay, first_epoch):
    node_token.mint(investor, 3 * SHARE, sender=issuer)
    pay(1_000_000)  # $1 over 3 shares
    clock.at(clock.start(first_epoch + 1))
    assert feed.latestRoundData()[1] == 333_333_333_333_333_333


def test_an_epoch_without_revenue_answers_zero(feed, clock, pay, issued, first_epoch):
    pay()
    clock.at(clock.start(first_epoch + 3))
    assert feed.getRoundData(first_epoch + 1) == (
        first_epoch + 1,
        0,
        clock.start(first_epoch + 1),
        clock.start(first_epoch + 2),
        first_epoch + 1,
    )
    assert feed.latestRoundData()[:2] == (first_epoch + 2, 0)
    assert feed.getRoundData(first_epoch)[1] == per_share(REVENUE, SHARES)


def test_the_answer_is_zero_while_nobody_holds_and_the_requeued_revenue_answers_later(
    feed, node_token, issuer, investor, clock, pay, first_epoch
):
    """Revenue that streams while the supply is zero is queued again: it shows in the epoch
    it was paid (at supply 0, answer 0) and again in the epoch it was queued again."""
    e = first_epoch
    assert node_token.totalSupply() == 0
    pay(REVENUE)
    clock.at(clock.start(e + 1))
    assert feed.getRoundData(e)[1] == 0
    clock.to(clock.start(e + 1) + EPOCH_LENGTH // 4)
    node_token.mint(investor, SHARES, sender=issuer)
    clock.at(clock.start(e + 2))
    assert feed.getRoundData(e)[1] == 0
    assert feed.getRoundData(e + 1)[1] == per_share(REVENUE // 4, SHARES)


def test_the_supply_is_the_one_the_next_epochs_stream_starts_with(
    feed, node_token, issuer, holder, clock, pay, issued, first_epoch
):
    pay(REVENUE)
    clock.to(clock.start(first_epoch + 1))
    node_token.mint(holder, 3 * SHARES, sender=issuer)  # the first update after the epoch
    assert feed.getRoundData(first_epoch)[1] == per_share(REVENUE, SHARES) == 10**18
    assert feed.revenue_per_share(first_epoch + 1) == 0


def test_revenue_per_share_reads_the_current_epoch_so_far(feed, clock, pay, issued, first_epoch):
    e = first_epoch
    pay(REVENUE)
    assert feed.revenue_per_share(e) == per_share(REVENUE, SHARES)
    pay(REVENUE // 2)
    assert feed.revenue_per_share(e) == per_share(REVENUE * 3 // 2, SHARES)
    assert feed.revenue_per_share(e + 1) == 0
    with reverts("feed: round not ended"):
        feed.getRoundData(e)
    for later in (e + 1, 2**80 - 1):
        with reverts("feed: round not ended"):
            feed.getRoundData(later)
    assert feed.latestRoundData()[:2] == (e - 1, 0)


def test_a_round_the_token_no_longer_records_reverts_with_the_tokens_reason(feed, clock, pay, issued, first_epoch):
    pay(REVENUE)
    clock.to(clock.start(first_epoch + 129))
    pay(1)  # the token's last update is 129 epochs later: epoch `first_epoch` is forgotten
    clock.at(clock.start(first_epoch + 130))
    with reverts("revenue: epoch no longer recorded"):
        feed.getRoundData(first_epoch)
    assert feed.getRoundData(first_epoch + 1)[1] == 0
    assert feed.latestRoundData()[:2] == (first_epoch + 129, per_share(1, SHARES))


def test_no_round_has_ended_in_the_first_epoch(backend, issuer, operator, attestors):
    suite, token = make_deployment(backend, issuer, operator, attestors, genesis=backend.timestamp)
    feed = backend.deploy("RevenueFeed", token, suite.registry, suite.oracle, sender=issuer)
    with reverts("feed: no round has ended"):
        feed.latestRoundData()
    with reverts("feed: round not ended"):
        feed.getRoundData(0)
    assert feed.revenue_per_share(0) == 0


def test_an_18_decimal_stablecoin(backend, issuer, agent, operator, customer, attestors):
    """Revenue in a token of 18 decimals (here a ComputeToken stands in for the stablecoin:
    it is the project's only 18-decimal ERC-20; deposits move it like any other)."""
    identity = backend.deploy("IdentityRegistry", sender=issuer)
    genesis = backend.timestamp - 10 * EPOCH_LENGTH
    coin = backend.deploy(
        "ComputeToken",
        "Eighteen Decimal Dollar",
        "EDD",
        99,
        DOCUMENTS_HASH,
        backend.deploy("MockStablecoin", "unused", "UNU", sender=issuer),
        identity,
        genesis,
        EPOCH_LENGTH,
        issuer,
        agent,
        issuer,
        sender=issuer,
    )
    assert coin.decimals() == 18
    suite = deploy_suite(
        backend,
        issuer,
        stablecoin=coin,
        identity=identity,
        genesis=genesis,
        epoch_length=EPOCH_LENGTH,
        attestors=attestors,
        threshold=ATTESTOR_THRESHOLD,
        operators=[operator],
        upto="registry",
    )
    _, address = register_node(suite, operator)
    token = backend.at("ComputeToken", address)
    feed = backend.deploy("RevenueFeed", token, suite.registry, suite.oracle, sender=issuer)
    for account in (customer, token):
        identity.set_verified(account, FOREVER, sender=issuer)
    token.mint(customer, 3 * SHARE, sender=issuer)
    amount = 5 * 10**18 + 1  # $5 and one base unit, over 3 shares
    coin.mint(customer, amount, sender=issuer)
    coin.approve(token, amount, sender=customer)
    epoch = (backend.pending_timestamp - genesis) // EPOCH_LENGTH
    token.deposit_revenue(amount, sender=customer)
    backend.pending_timestamp = genesis + (epoch + 1) * EPOCH_LENGTH
    coin.approve(customer, 0, sender=customer)  # a block at the epoch's end
    assert feed.getRoundData(epoch)[1] == per_share(amount, 3 * SHARE, 18) == (amount * 10**18) // (3 * SHARE)
