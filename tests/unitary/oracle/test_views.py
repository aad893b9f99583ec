"""AttestationOracle views: report, latest, is_fresh, current_epoch.

Views read the latest mined block; `mine_at` mines a harmless owner transaction at an
exact second first."""

import pytest

from computerwa.client.attestation import sign_report
from computerwa.client.signing import Domain
from tests.conftest import COMMITTEE_DELAY, EPOCH_LENGTH
from tests.unitary.oracle.conftest import NODE, PAST_EPOCHS, THRESHOLD

EMPTY = (0, 0, 0, 0, 0, 0)


@pytest.fixture
def mine_at(backend, oracle, issuer):
    def mine(timestamp):
        backend.sleep(timestamp - backend.pending_timestamp)
        oracle.announce_committee(list(oracle.attestors()), THRESHOLD, sender=issuer)  # any transaction
        assert backend.timestamp == timestamp

    return mine


@pytest.fixture
def accept(oracle, attestors, relayer, make_report, signed):
    def submit(epoch, node_id=NODE, **metrics):
        report = make_report(node_id=node_id, epoch=epoch, **metrics)
        return oracle.submit(report.as_tuple(), signed(report, attestors[:THRESHOLD]), sender=relayer)

    return submit


def epoch_end(oracle, epoch):
    return oracle.GENESIS() + (epoch + 1) * EPOCH_LENGTH


def test_a_node_without_reports_has_empty_views(oracle):
    assert oracle.report(NODE, 0) == EMPTY
    assert oracle.latest(NODE) == (0, EMPTY)
    assert not oracle.is_fresh(NODE, 2**256 - 1)


def test_latest_follows_the_highest_reported_epoch(oracle, accept):
    first = accept(3, uptime_bps=9_000)
    assert oracle.latest(NODE) == (3, (9_000, 7_250, 42, 512_000, 1_250_000, first.timestamp))
    second = accept(7, uptime_bps=9_500)
    assert oracle.latest(NODE) == (7, (9_500, 7_250, 42, 512_000, 1_250_000, second.timestamp))
    assert oracle.report(NODE, 3)[0] == 9_000  # history stays readable


def test_a_late_report_of_an_earlier_epoch_changes_neither_latest_nor_freshness(oracle, accept):
    newest = accept(PAST_EPOCHS - 1, uptime_bps=9_500)
    accept(PAST_EPOCHS - 3, uptime_bps=1_000)  # relayed after the later epoch's report
    assert oracle.report(NODE, PAST_EPOCHS - 3)[0] == 1_000
    assert oracle.latest(NODE) == (PAST_EPOCHS - 1, (9_500, 7_250, 42, 512_000, 1_250_000, newest.timestamp))
    assert oracle.is_fresh(NODE, EPOCH_LENGTH)  # the data of epoch PAST_EPOCHS - 1 ended less than a day ago


def test_report_of_epoch_zero_is_a_real_report(oracle, accept):
    receipt = accept(0)
    assert oracle.latest(NODE) == (0, (9_990, 7_250, 42, 512_000, 1_250_000, receipt.timestamp))
    assert oracle.is_fresh(NODE, 2**256 - 1)


def test_a_report_is_fresh_until_max_age_after_its_epoch_ended(oracle, accept, mine_at):
    epoch = PAST_EPOCHS - 2
    accept(epoch)
    ended = epoch_end(oracle, epoch)  # in the past already
    max_age = 2 * EPOCH_LENGTH
    mine_at(ended + max_age)
    assert oracle.is_fresh(NODE, max_age)
    mine_at(ended + max_age + 1)
    assert not oracle.is_fresh(NODE, max_age)
    assert oracle.is_fresh(NODE, max_age + 1)


def test_freshness_is_the_datas_age_not_the_submissions(oracle, accept):
    # accepted just now, but about an epoch that ended long ago
    accept(0)
    assert not oracle.is_fresh(NODE, EPOCH_LENGTH)
    assert oracle.is_fresh(NODE, PAST_EPOCHS * EPOCH_LENGTH)


def test_a_report_accepted_the_second_its_epoch_ended_is_fresh_at_max_age_zero(backend, oracle, accept, mine_at):
    end = epoch_end(oracle, PAST_EPOCHS)
    backend.pending_timestamp = end  # the first second an epoch can be reported
    assert accept(PAST_EPOCHS).timestamp == end
    assert oracle.is_fresh(NODE, 0)
    mine_at(end + 1)
    assert not oracle.is_fresh(NODE, 0)
    assert oracle.is_fresh(NODE, 1)


def test_current_epoch_turns_at_each_boundary(oracle, mine_at):
    start = oracle.GENESIS() + (PAST_EPOCHS + 1) * EPOCH_LENGTH
    mine_at(start - 1)
    assert oracle.current_epoch() == PAST_EPOCHS
    mine_at(start)
    assert oracle.current_epoch() == PAST_EPOCHS + 1


def test_freshness_counts_from_a_genesis_at_time_zero(backend, issuer, relayer, attestors, make_report):
    # the age is `now - end of the epoch` for any genesis, the earliest one too
    oracle = backend.deploy(
        "AttestationOracle",
        [key.address for key in attestors],
        THRESHOLD,
        0,
        EPOCH_LENGTH,
        COMMITTEE_DELAY,
        sender=issuer,
    )
    report = make_report(epoch=0)
    oracle.submit(report.as_tuple(), sign_report(Domain.of(oracle), report, attestors[:THRESHOLD]), sender=relayer)
    age = backend.timestamp - EPOCH_LENGTH  # epoch 0 ended at EPOCH_LENGTH, long ago
    assert not oracle.is_fresh(NODE, EPOCH_LENGTH)
    assert not oracle.is_fresh(NODE, age - 1)
    assert oracle.is_fresh(NODE, age)
