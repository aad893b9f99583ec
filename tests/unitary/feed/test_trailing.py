"""RevenueFeed.trailing(rounds): over the last `rounds` ended epochs, their answers summed,
how many met the node's SLA and how many the attestors judged (a report accepted, or no
report GRACE_PERIOD after the epoch's end: missed, as the registry slashes it)."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import GRACE_PERIOD, PAST_EPOCHS
from tests.unitary.feed.conftest import REVENUE, SHARES, SLA_BPS, per_share, register_node

ONE_HOUR = 3_600


def test_trailing_sums_the_last_rounds_answers(feed, clock, run_epoch, issued, first_epoch):
    run_epoch(REVENUE)
    run_epoch(3 * REVENUE)
    run_epoch(0)
    run_epoch(REVENUE // 3)
    answers = [per_share(a, SHARES) for a in (REVENUE, 3 * REVENUE, 0, REVENUE // 3)]
    assert feed.trailing(1)[0] == answers[3]
    assert feed.trailing(2)[0] == answers[3] + answers[2]
    assert feed.trailing(4)[0] == sum(answers)
    # the epochs before `first_epoch` had no revenue
    assert feed.trailing(6)[0] == sum(answers)
    for rounds in (1, 4):
        assert feed.trailing(rounds)[0] == sum(feed.getRoundData(first_epoch + 4 - 1 - i)[1] for i in range(rounds))


def test_the_current_epochs_revenue_is_not_in_trailing(feed, clock, run_epoch, pay, issued, first_epoch):
    run_epoch(REVENUE)
    pay(5 * REVENUE)
    assert feed.trailing(1) == (per_share(REVENUE, SHARES), 1, 1)


def test_an_epoch_is_judged_by_its_report_or_missed_after_the_grace_period(feed, clock, run_epoch, issued, first_epoch):
    e = first_epoch
    run_epoch(REVENUE, SLA_BPS)  # e: at the SLA, met
    run_epoch(REVENUE, SLA_BPS - 1)  # e + 1: below it, judged and not met
    run_epoch(REVENUE, None)  # e + 2: never reported, missed once the grace period is over
    run_epoch(REVENUE, None)  # e + 3: ended just now, its report still due
    revenue = 4 * per_share(REVENUE, SHARES)
    clock.at(clock.start(e + 4) + ONE_HOUR)
    assert feed.trailing(4) == (revenue, 1, 3)
    clock.at(clock.start(e + 4) + GRACE_PERIOD - 1)
    assert feed.trailing(4) == (revenue, 1, 3)
    clock.at(clock.start(e + 4) + GRACE_PERIOD)
    assert feed.trailing(4) == (revenue, 1, 4)
    assert feed.trailing(2) == (2 * per_share(REVENUE, SHARES), 0, 2)


def test_a_report_within_the_grace_period_is_judged_on_its_uptime(feed, clock, run_epoch, report, issued, first_epoch):
    run_epoch(REVENUE, None)
    clock.to(clock.start(first_epoch + 1) + ONE_HOUR)
    assert feed.trailing(1)[1:] == (0, 0)
    report(first_epoch, 10_000)
    assert feed.trailing(1)[1:] == (1, 1)


def test_the_sla_is_the_nodes_own(backend, suite, feed, operator, issuer, clock, report, first_epoch):
    """Node 2 promises 95.00%, node 1 99.00%: an uptime of 96.00% meets one and not the other."""
    node_id, token = register_node(suite, operator, sla_bps=9_500)
    other = backend.deploy("RevenueFeed", token, suite.registry, suite.oracle, sender=issuer)
    clock.at(clock.start(first_epoch + 1))
    report(first_epoch, 9_600, node_id=node_id)
    report(first_epoch, 9_600)
    assert other.trailing(1)[1:] == (1, 1)
    assert feed.trailing(1)[1:] == (0, 1)
    assert suite.registry.node(node_id)[8] == 9_500


@pytest.mark.parametrize("rounds", [0, 91])
def test_rounds_out_of_range_are_refused(feed, rounds):
    with reverts("feed: rounds out of range"):
        feed.trailing(rounds)


def test_more_rounds_than_have_ended_are_refused(feed, clock, genesis):
    ended = clock.epoch
    assert ended == PAST_EPOCHS
    clock.at(clock.start(ended) + GRACE_PERIOD)
    assert feed.trailing(ended)[:2] == (0, 0)  # every epoch since genesis
    with reverts("feed: fewer rounds have ended"):
        feed.trailing(ended + 1)


def test_ninety_rounds_is_the_most(feed, clock):
    clock.at(clock.start(90) + GRACE_PERIOD)
    assert feed.trailing(90) == (0, 0, 90)
