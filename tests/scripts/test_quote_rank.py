"""`computerwa.client.quote.rank`: which nodes of a region a customer may use, best first (no chain)."""

import pytest

from computerwa.client.quote import (
    ACTIVE,
    PAUSED,
    RETIRED,
    LatestReport,
    NodeInfo,
    RentalOffer,
    Skip,
    rank,
    rank_hourly,
    rent_total,
    rental_skip_reason,
    skip_reason,
    total_price,
    unit_count,
    window_problem,
)

REGION = "india"
SLA = 9_800


def node(node_id, price=500_000, status=ACTIVE, sla=SLA, region=REGION):
    return NodeInfo(node_id, status, region, "H100-SXM", 8, price, sla)


def report(uptime=9_900, latency=40, fresh=True, epoch=3):
    return LatestReport(epoch=epoch, uptime_bps=uptime, latency_ms_p50=latency, submitted_at=1_700_000_000, fresh=fresh)


def test_total_price_is_per_thousand_units_rounded_down():
    assert total_price(1_000, 500_000) == 500_000
    assert total_price(1, 999) == 0
    assert total_price(2_500, 300_001) == 750_002


def test_cheapest_total_first_then_lowest_latency_then_id():
    nodes = [node(1, price=600_000), node(2, price=400_000), node(3, price=400_000), node(4, price=400_000)]
    reports = {1: report(latency=10), 2: report(latency=55), 3: report(latency=20), 4: report(latency=20)}
    quote = rank(nodes, reports, units=10_000)
    assert [offer.node_id for offer in quote.ranked] == [3, 4, 2, 1]
    assert [offer.total for offer in quote.ranked] == [4_000_000, 4_000_000, 4_000_000, 6_000_000]
    assert quote.skipped == []
    assert quote.region == REGION and quote.units == 10_000


def test_prices_that_round_to_the_same_total_are_ranked_by_latency():
    # 1 unit at 999 or at 1 per 1,000 units both cost 0: the faster node wins
    quote = rank([node(1, price=1), node(2, price=999)], {1: report(latency=90), 2: report(latency=30)}, units=1)
    assert [offer.node_id for offer in quote.ranked] == [2, 1]


@pytest.mark.parametrize(
    ("status", "reason"), [(PAUSED, "paused"), (RETIRED, "retired"), (0, "not registered"), (9, "unknown status 9")]
)
def test_a_node_that_is_not_active_is_skipped_for_its_status(status, reason):
    quote = rank([node(1, status=status), node(2)], {1: report(), 2: report()}, units=100)
    assert [offer.node_id for offer in quote.ranked] == [2]
    assert [(skip.node_id, skip.reason) for skip in quote.skipped] == [(1, reason)]


def test_a_node_without_a_report_is_skipped():
    empty = LatestReport(epoch=0, uptime_bps=0, latency_ms_p50=0, submitted_at=0, fresh=False)
    quote = rank([node(1), node(2), node(3)], {1: None, 2: empty, 3: report()}, units=100)
    assert [offer.node_id for offer in quote.ranked] == [3]
    assert {skip.node_id: skip.reason for skip in quote.skipped} == {
        1: "no performance report yet",
        2: "no performance report yet",
    }


def test_a_node_whose_latest_report_is_stale_is_skipped():
    quote = rank([node(1), node(2)], {1: report(fresh=False, epoch=7), 2: report()}, units=100)
    assert [offer.node_id for offer in quote.ranked] == [2]
    assert quote.skipped[0].reason == "stale: its latest report is of epoch 7"


def test_a_node_below_its_sla_is_skipped_and_one_exactly_at_it_is_not():
    nodes = [node(1, sla=9_900), node(2, sla=9_900)]
    quote = rank(nodes, {1: report(uptime=9_899), 2: report(uptime=9_900)}, units=100)
    assert [offer.node_id for offer in quote.ranked] == [2]
    assert quote.skipped[0].node_id == 1
    assert quote.skipped[0].reason == "below its SLA: uptime 98.99% in epoch 3, SLA 99.00%"


def test_the_first_failing_check_is_the_reason():
    # paused beats stale beats below-SLA
    assert skip_reason(node(1, status=PAUSED), report(uptime=0, fresh=False)) == "paused"
    assert skip_reason(node(1), report(uptime=0, fresh=False)).startswith("stale")
    assert skip_reason(node(1), report()) is None


def test_a_cheap_node_that_fails_a_check_never_outranks_a_usable_one():
    nodes = [node(1, price=1), node(2, price=1, status=RETIRED), node(3, price=900_000)]
    quote = rank(nodes, {1: report(uptime=0), 2: report(), 3: report()}, units=1_000)
    assert [offer.node_id for offer in quote.ranked] == [3]
    assert [skip.node_id for skip in quote.skipped] == [1, 2]


def test_an_empty_region_has_no_offer_and_no_skip():
    quote = rank([], {}, units=100)
    assert quote.ranked == [] and quote.skipped == [] and quote.region == ""


def test_a_region_where_every_node_fails_has_no_offer():
    nodes = [node(1, status=PAUSED), node(2), node(3)]
    quote = rank(nodes, {2: None, 3: report(uptime=1)}, units=100)
    assert quote.ranked == []
    assert [skip.node_id for skip in quote.skipped] == [1, 2, 3]


def test_negative_units_are_refused():
    with pytest.raises(ValueError, match="units"):
        rank([node(1)], {1: report()}, units=-1)


def test_a_new_node_without_a_report_is_usable_only_when_new_nodes_are_asked_for():
    nodes = [node(1, price=100), node(2, price=900), node(3, status=PAUSED)]
    reports = {2: report(latency=30)}
    strict = rank(nodes, reports, units=1_000)
    assert [offer.node_id for offer in strict.ranked] == [2]
    assert [(s.node_id, s.reason) for s in strict.skipped] == [(1, "no performance report yet"), (3, "paused")]
    fleet = rank(nodes, reports, units=1_000, new_nodes=True)
    assert [offer.node_id for offer in fleet.ranked] == [1, 2]  # the new node is cheapest
    assert fleet.ranked[0].report is None
    assert [s.node_id for s in fleet.skipped] == [3]  # a paused node stays out either way


def _fleet(nodes, reports, now, status=None):
    """A Fleet's quoting state without a chain: its nodes, latest reports and clock."""
    from types import SimpleNamespace

    from computerwa.sim.fleet import Fleet, NodeSpec

    fleet = object.__new__(Fleet)
    fleet.nodes = [
        NodeSpec(node_id, None, region, "H100-SXM", 8, price, 0.0, 3_000, SLA) for node_id, region, price in nodes
    ]
    fleet.reports = reports
    fleet.status = {spec.node_id: ACTIVE for spec in fleet.nodes} | (status or {})
    fleet.genesis, fleet.epoch_length = 0, 86_400
    fleet.max_report_age = 86_400
    fleet.chain = SimpleNamespace(pending_timestamp=now)
    return fleet


def test_the_fleet_routes_through_rank_its_region_first_and_skips_stale_paused_or_failing_nodes():
    day = 86_400
    nodes = [(1, "india", 500), (2, "india", 300), (3, "latam", 100), (4, "india", 200), (5, "india", 100)]
    reports = {
        1: (4, 9_900, 40, 5 * day),  # fresh, meets the SLA
        2: (4, 9_000, 40, 5 * day),  # below the SLA: left out
        3: (4, 9_900, 40, 5 * day),  # another region: after the region's own
        4: (2, 9_900, 40, 3 * day),  # stale: epoch 2 ended 3 days before `now`
        # node 5: no report yet (a new fleet) but paused
    }
    fleet = _fleet(nodes, reports, now=5 * day + 3_600, status={5: PAUSED})
    assert [spec.node_id for spec in fleet.quote("india")] == [1, 3]
    fleet.status[5] = ACTIVE  # a new node without a report is trusted by the fleet
    assert [spec.node_id for spec in fleet.quote("india")] == [5, 1, 3]
    assert [spec.node_id for spec in fleet.quote("latam")] == [3, 5, 1]


# --- the hourly quote: renting capacity (NodeRentals) -------------------------------------------
START = 250  # the window's first hour
FREE = object()  # "as many free as offered"


def offered(units=8, price=2_000_000, free=FREE, fee_bps=2_000, notice=2):
    return RentalOffer(units, price, fee_bps, notice, units if free is FREE else free)


def test_rent_is_units_times_price_times_hours_exactly():
    assert rent_total(3, 2_000_000, 4) == 24_000_000
    assert rent_total(1, 1, 1) == 1
    assert rent_total(511, 2**79 - 1, 168) == 511 * (2**79 - 1) * 168  # no rounding, no cap


def test_hourly_cheapest_rent_first_then_lowest_latency_then_id():
    nodes = [node(1), node(2), node(3), node(4)]
    reports = {1: report(latency=10), 2: report(latency=55), 3: report(latency=20), 4: report(latency=20)}
    rentals = {
        1: offered(price=3_000_000),
        2: offered(price=1_500_000),
        3: offered(price=1_500_000),
        4: offered(price=1_500_000),
    }
    quote = rank_hourly(nodes, reports, rentals, units=2, hours=24, start_hour=START)
    assert [offer.node_id for offer in quote.ranked] == [3, 4, 2, 1]
    assert [offer.total for offer in quote.ranked] == [72_000_000, 72_000_000, 72_000_000, 144_000_000]
    assert [offer.rate for offer in quote.ranked] == [1_500_000, 1_500_000, 1_500_000, 3_000_000]
    assert quote.skipped == []
    assert (quote.region, quote.units, quote.hours, quote.start_hour, quote.end_hour) == (REGION, 2, 24, START, 274)


def test_the_hourly_rank_is_by_rent_not_by_the_per_work_unit_price():
    # node 1 is cheaper per work unit, node 2 per unit-hour: the hourly quote puts node 2 first
    nodes = [node(1, price=100), node(2, price=900_000)]
    rentals = {1: offered(price=5_000_000), 2: offered(price=1_000_000)}
    assert [o.node_id for o in rank_hourly(nodes, {1: report(), 2: report()}, rentals, 1, 1, START).ranked] == [2, 1]
    assert [o.node_id for o in rank(nodes, {1: report(), 2: report()}, units=1_000).ranked] == [1, 2]


@pytest.mark.parametrize(
    ("status", "reason"), [(PAUSED, "paused"), (RETIRED, "retired"), (0, "not registered"), (9, "unknown status 9")]
)
def test_an_hourly_quote_skips_a_node_that_is_not_active_for_its_status(status, reason):
    quote = rank_hourly(
        [node(1, status=status), node(2)], {1: report(), 2: report()}, {1: offered(), 2: offered()}, 1, 4, START
    )
    assert [offer.node_id for offer in quote.ranked] == [2]
    assert [(skip.node_id, skip.reason) for skip in quote.skipped] == [(1, reason)]


def test_a_node_without_an_offer_or_offering_no_unit_is_not_offered_for_rent():
    nodes = [node(1), node(2), node(3)]
    quote = rank_hourly(
        nodes, {n: report() for n in (1, 2, 3)}, {1: None, 2: offered(units=0), 3: offered()}, 1, 4, START
    )
    assert [offer.node_id for offer in quote.ranked] == [3]
    assert [(s.node_id, s.reason) for s in quote.skipped] == [(1, "not offered for rent"), (2, "not offered for rent")]
    # a node missing from the offers read is not offered either
    assert rank_hourly([node(4)], {4: report()}, {}, 1, 4, START).skipped == [Skip(4, "not offered for rent")]


def test_an_hourly_quote_applies_the_report_checks_of_the_per_unit_quote():
    nodes = [node(1), node(2), node(3, sla=9_900), node(4)]
    reports = {1: None, 2: report(fresh=False, epoch=7), 3: report(uptime=9_899), 4: report()}
    quote = rank_hourly(nodes, reports, {n: offered() for n in (1, 2, 3, 4)}, 1, 4, START)
    assert [offer.node_id for offer in quote.ranked] == [4]
    assert [(s.node_id, s.reason) for s in quote.skipped] == [
        (1, "no performance report yet"),
        (2, "stale: its latest report is of epoch 7"),
        (3, "below its SLA: uptime 98.99% in epoch 3, SLA 99.00%"),
    ]
    # as with `rank`, a fleet's new node without a report may be quoted
    fresh = rank_hourly(nodes, reports, {n: offered() for n in (1, 2, 3, 4)}, 1, 4, START, new_nodes=True)
    assert [offer.node_id for offer in fresh.ranked] == [1, 4] and fresh.ranked[0].report is None


def test_a_node_with_fewer_free_units_than_asked_is_skipped_with_how_many_are_free():
    nodes = [node(1), node(2), node(3), node(4)]
    rentals = {1: offered(free=0), 2: offered(free=2), 3: offered(units=2), 4: offered(free=3)}
    quote = rank_hourly(nodes, {n: report() for n in (1, 2, 3, 4)}, rentals, units=3, hours=8, start_hour=START)
    assert [(offer.node_id, offer.free) for offer in quote.ranked] == [(4, 3)]  # exactly the units asked: usable
    assert [(s.node_id, s.reason) for s in quote.skipped] == [
        (1, "none of its 8 units is free at every hour of the window"),
        (2, "only 2 of its 8 units free at every hour of the window, 3 asked"),
        (3, "offers 2 units for rent, 3 asked"),
    ]


def test_a_single_unit_is_said_in_the_singular():
    assert rental_skip_reason(node(1), report(), offered(units=1), 2) == "offers 1 unit for rent, 2 asked"
    assert rental_skip_reason(node(1), report(), offered(units=1, free=0), 1) == (
        "none of its 1 unit is free at every hour of the window"
    )
    assert (unit_count(1), unit_count(0), unit_count(511)) == ("1 unit", "0 units", "511 units")


def test_the_first_failing_rental_check_is_the_reason():
    # status, then the offer, then the reports, then the free units
    busy = offered(free=0)
    assert rental_skip_reason(node(1, status=RETIRED), None, None, 1) == "retired"
    assert rental_skip_reason(node(1), None, None, 1) == "not offered for rent"
    assert rental_skip_reason(node(1), report(fresh=False), busy, 1).startswith("stale")
    assert rental_skip_reason(node(1), report(), busy, 1).startswith("none of its 8 units")
    assert rental_skip_reason(node(1), report(), offered(), 8) is None


def test_a_cheap_node_that_fails_a_rental_check_never_outranks_a_usable_one():
    nodes = [node(1), node(2), node(3)]
    rentals = {1: offered(price=1, free=0), 2: offered(price=1, units=0), 3: offered(price=9_000_000)}
    quote = rank_hourly(nodes, {n: report() for n in (1, 2, 3)}, rentals, 1, 1, START)
    assert [offer.node_id for offer in quote.ranked] == [3]
    assert [skip.node_id for skip in quote.skipped] == [1, 2]


def test_an_empty_region_has_no_hourly_offer():
    quote = rank_hourly([], {}, {}, 1, 1, START)
    assert quote.ranked == [] and quote.skipped == [] and quote.region == ""


@pytest.mark.parametrize(("units", "hours", "match"), [(0, 1, "units"), (1, 0, "hours"), (1, 169, "hours")])
def test_an_hourly_quote_needs_a_unit_and_1_to_168_hours(units, hours, match):
    with pytest.raises(ValueError, match=match):
        rank_hourly([node(1)], {1: report()}, {1: offered()}, units, hours, START)


@pytest.mark.parametrize(
    ("start", "hours", "problem"),
    [
        (101, 1, None),
        (101, 168, None),
        (100 + 8_760, 5, None),
        (101, 0, "a booking is 1 to 168 whole hours, not 0"),
        (101, 169, "a booking is 1 to 168 whole hours, not 169"),
        (100, 1, "hour 100 is not after the current hour (100): start at hour 101 or later"),
        (7, 1, "hour 7 is not after the current hour (100): start at hour 101 or later"),
        (
            100 + 8_761,
            1,
            "hour 8861 is more than a year (8,760 hours) after the current hour (100): start by hour 8860",
        ),
    ],
)
def test_a_window_is_checked_as_node_rentals_books(start, hours, problem):
    assert window_problem(start, hours, current_hour=100) == problem
