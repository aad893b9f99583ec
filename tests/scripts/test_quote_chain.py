"""`computerwa.client.quote.read_region` + `rank` against a real NodeRegistry and AttestationOracle
(the suite of tests/conftest.py), on whichever engine runs the tests: every skip reason
comes from the chain's own view (`status`, `latest`, `is_fresh`); and the hourly quote's
`read_rentals` + `rank_hourly` against the suite's NodeRentals (`rental`, `free_units`)."""

import pytest

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.quote import PAUSED, RETIRED, known_regions, rank, rank_hourly, read_region, read_rentals
from computerwa.client.signing import Domain
from tests.conftest import ATTESTOR_THRESHOLD, EPOCH_LENGTH, PAST_EPOCHS

REGION = "latam"
SLA = 9_900


@pytest.fixture
def add_node(registry, operator, verified_operators):
    """`add_node(price, sla=SLA, region=REGION)`: registers a node; returns its id."""

    def add(price, sla=SLA, region=REGION):
        registry.register_node(region, "L40S", 4, price, 3_000, sla, "ipfs://quote", sender=operator)
        return registry.node_count()

    return add


@pytest.fixture
def attest(backend, suite_oracle, suite_attestors, relayer):
    """`attest(node_id, epoch, uptime, latency)`: a report signed by a quorum of the committee."""
    domain = Domain.of(suite_oracle)

    def attest(node_id, epoch, uptime, latency=40):
        deadline = backend.pending_timestamp + 3_600
        report = PerformanceReport(node_id, epoch, uptime, 5_000, latency, 1_000, 10_000, deadline)
        signatures = sign_report(domain, report, suite_attestors[:ATTESTOR_THRESHOLD])
        suite_oracle.submit(report.as_tuple(), signatures, sender=relayer)

    return attest


def test_quote_of_a_region_reads_status_reports_and_freshness_from_the_chain(
    registry, suite_oracle, operator, add_node, attest
):
    last_ended = PAST_EPOCHS - 1  # the latest epoch that has ended
    cheap_slow = add_node(price=300_000)
    attest(cheap_slow, last_ended, uptime=10_000, latency=80)
    cheap_fast = add_node(price=300_000)
    attest(cheap_fast, last_ended, uptime=SLA, latency=35)
    dear = add_node(price=900_000)
    attest(dear, last_ended, uptime=10_000, latency=10)
    paused = add_node(price=1)
    attest(paused, last_ended, uptime=10_000)
    registry.set_status(paused, PAUSED, sender=operator)
    retired = add_node(price=1)
    registry.set_status(retired, RETIRED, sender=operator)
    unreported = add_node(price=1)
    stale = add_node(price=1)
    attest(stale, last_ended - 3, uptime=10_000)
    below_sla = add_node(price=1)
    attest(below_sla, last_ended, uptime=SLA - 1)
    elsewhere = add_node(price=1, region="us-east")
    attest(elsewhere, last_ended, uptime=10_000)

    nodes, reports = read_region(registry, suite_oracle, REGION, EPOCH_LENGTH)
    quote = rank(nodes, reports, units=20_000)

    assert [offer.node_id for offer in quote.ranked] == [cheap_fast, cheap_slow, dear]
    assert [offer.total for offer in quote.ranked] == [6_000_000, 6_000_000, 18_000_000]
    assert {skip.node_id: skip.reason for skip in quote.skipped} == {
        paused: "paused",
        retired: "retired",
        unreported: "no performance report yet",
        stale: f"stale: its latest report is of epoch {last_ended - 3}",
        below_sla: f"below its SLA: uptime 98.99% in epoch {last_ended}, SLA 99.00%",
    }
    for offer in quote.ranked:  # what the chain says of every quoted node
        assert registry.node(offer.node_id)[2] == 1
        assert suite_oracle.is_fresh(offer.node_id, EPOCH_LENGTH)
        assert suite_oracle.latest(offer.node_id)[1][0] >= SLA
    assert known_regions(registry) == ["latam", "us-east"]


def test_a_shorter_max_age_makes_every_report_of_an_ended_epoch_stale(registry, suite_oracle, add_node, attest):
    node_id = add_node(price=1)
    attest(node_id, PAST_EPOCHS - 1, uptime=10_000)
    assert [o.node_id for o in rank(*read_region(registry, suite_oracle, REGION, EPOCH_LENGTH), units=1).ranked] == [
        node_id
    ]
    quote = rank(*read_region(registry, suite_oracle, REGION, 0), units=1)
    assert quote.ranked == [] and quote.skipped[0].reason.startswith("stale")


def test_a_region_without_nodes_reads_as_empty(registry, suite_oracle):
    assert read_region(registry, suite_oracle, "mars", EPOCH_LENGTH) == ([], {})
    assert known_regions(registry) == []


def test_a_region_name_longer_than_the_registry_stores_is_refused_before_any_call(registry, suite_oracle):
    with pytest.raises(ValueError, match="1 to 32 bytes"):
        read_region(registry, suite_oracle, "x" * 33, EPOCH_LENGTH)


def test_hourly_quote_reads_offers_and_free_units_from_the_chain(
    backend, registry, suite_oracle, payment_suite, stablecoin, settlement, operator, customer, add_node, attest
):
    """`read_rentals` + `rank_hourly` on the suite's NodeRentals: each node's offer from
    `NodeRegistry.rental`, its free units over the window from `NodeRentals.free_units` (a
    booking of the window takes its units), every rental skip reason from the chain's view."""
    rentals = payment_suite.rentals
    last_ended = PAST_EPOCHS - 1
    start = rentals.current_hour() + 3
    hours = 6

    def rentable(price_per_unit_hour, units=8, uptime=10_000, latency=40):
        node_id = add_node(price=500_000)
        attest(node_id, last_ended, uptime=uptime, latency=latency)
        registry.set_rental(node_id, units, price_per_unit_hour, 1_500, 4, sender=operator)
        return node_id

    cheap_slow = rentable(1_000_000, latency=80)
    cheap_fast = rentable(1_000_000, latency=30)
    dear = rentable(4_000_000, latency=10)
    busy = rentable(1)  # cheapest, but booked: 5 of its 8 units over part of the window
    full = rentable(1, units=2)  # booked out at one hour of the window
    not_offered = add_node(price=1)
    attest(not_offered, last_ended, uptime=10_000)
    paused = rentable(1)
    registry.set_status(paused, PAUSED, sender=operator)
    below_sla = rentable(1, uptime=SLA - 1)
    stablecoin.approve(settlement, 1_000, sender=customer)
    settlement.deposit(1_000, sender=customer)

    def book(node_id, units, first, length):
        offer = tuple(registry.rental(node_id))  # the offer's version after its status, where book takes it
        rentals.book(node_id, units, first, length, *offer[5:], sender=customer)

    book(busy, 5, start + 2, 10)  # overlaps the window's last 4 hours
    book(full, 2, start + hours - 1, 1)  # the window's last hour
    book(full, 2, start + hours, 1)  # just after the window: no effect on it

    nodes, reports = read_region(registry, suite_oracle, REGION, EPOCH_LENGTH)
    offers = read_rentals(registry, rentals, nodes, start, hours)
    quote = rank_hourly(nodes, reports, offers, units=4, hours=hours, start_hour=start)

    assert [offer.node_id for offer in quote.ranked] == [cheap_fast, cheap_slow, dear]
    assert [offer.total for offer in quote.ranked] == [24_000_000, 24_000_000, 96_000_000]
    for offer in quote.ranked:  # what the chain says of every quoted node
        assert offer.total == rentals.rent(offer.node_id, 4, hours)
        assert offer.free == rentals.free_units(offer.node_id, start, hours) == 8
        assert tuple(registry.rental(offer.node_id))[:4] == (8, offer.rate, 1_500, 4)
    assert (offers[busy].free, offers[full].free) == (3, 0)
    assert offers[paused] is None  # not read: skipped for its status
    assert offers[not_offered].units == 0 and offers[not_offered].free == 0
    assert {skip.node_id: skip.reason for skip in quote.skipped} == {
        busy: "only 3 of its 8 units free at every hour of the window, 4 asked",
        full: "offers 2 units for rent, 4 asked",
        not_offered: "not offered for rent",
        paused: "paused",
        below_sla: f"below its SLA: uptime 98.99% in epoch {last_ended}, SLA 99.00%",
    }
    # one unit: the busy node's 3 free units fit, and it is the cheapest; the full one does not
    one = rank_hourly(nodes, reports, offers, units=1, hours=hours, start_hour=start)
    assert [offer.node_id for offer in one.ranked] == [busy, cheap_fast, cheap_slow, dear]
    assert {skip.node_id: skip.reason for skip in one.skipped}[full] == (
        "none of its 2 units is free at every hour of the window"
    )
