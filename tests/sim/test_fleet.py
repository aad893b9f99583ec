"""The fleet simulation on the in-process engine: a seed replays the same run, settlement
batches respect `settle`'s limits at any size, the cached quote routes every customer as
a fresh quote would, mining deposits reach only hybrid sites' streams, and the report's
tables and charts switch from one line per node to distributions past a dozen nodes."""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from computerwa.client.vouchers import Voucher
from computerwa.evm.engine import RevmChain
from computerwa.models.settlement import MAX_BATCH, MAX_NODES_PER_BATCH
from computerwa.sim.fleet import Fleet, _Ranking, settle_batches
from computerwa.sim.report import ENGINE_FIELDS, PER_NODE_LIMIT, charts, print_summary
from tests.sim.conftest import run_fleet

PER_NODE_CHARTS = {"revenue.png", "holder_yield.png", "uptime.png"}
EVERY_SIZE_CHARTS = {
    "holder_yield_by_region.png",
    "revenue_by_region.png",
    "uptime_vs_sla.png",
    "gas.png",
    "energy.png",
    "basket_yield.png",
}


@pytest.fixture(scope="module")
def small(artifacts):
    return run_fleet(RevmChain(artifacts=artifacts))


@pytest.fixture(scope="module")
def large(artifacts):
    """More nodes than a settle batch may pay and than a chart shows one by one."""
    return run_fleet(RevmChain(artifacts=artifacts), nodes=40, customers=None, seed=3)


def _without_timing(report):
    return {k: v for k, v in report.items() if k not in ENGINE_FIELDS}


def test_the_same_seed_replays_the_same_run_to_the_gas(small, artifacts):
    _, report = small
    _, again = run_fleet(RevmChain(artifacts=artifacts))
    assert _without_timing(again) == _without_timing(report)
    _, other = run_fleet(RevmChain(artifacts=artifacts), seed=10)
    assert other["nodes"] != report["nodes"]


@given(st.lists(st.integers(1, 40), max_size=400))
def test_settle_batches_keep_the_order_and_stay_within_100_vouchers_over_16_nodes(node_ids):
    vouchers = [Voucher("0x" + "00" * 20, node_id, k + 1, 0) for k, node_id in enumerate(sorted(node_ids))]
    batches = list(settle_batches(vouchers))
    assert [v for batch in batches for v in batch] == vouchers
    for batch in batches:
        assert 0 < len(batch) <= MAX_BATCH
        assert len({v.node_id for v in batch}) <= MAX_NODES_PER_BATCH


def test_a_fleet_of_40_nodes_settles_in_batches_of_at_most_16_nodes_and_reconciles(large):
    fleet, report = large
    assert len(fleet.nodes) == 40 and len(fleet.customers) == 120  # three customers per node by default
    paid_nodes = sum(1 for node in report["nodes"] if node["revenue"])
    assert paid_nodes > MAX_NODES_PER_BATCH
    assert report["gas_per_operation"]["settle (batch)"]["count"] >= 2 * -(-paid_nodes // MAX_NODES_PER_BATCH) - 2
    assert report["vouchers_skipped"] == 0
    assert report["reconciled_values"] > 0


def test_the_cached_quote_routes_every_customer_as_a_fresh_quote_would(artifacts, monkeypatch):
    _, cached = run_fleet(RevmChain(artifacts=artifacts), nodes=12, seed=5)
    monkeypatch.setattr(Fleet, "_ranking", lambda self, region: _Ranking(*self._quote(region)))
    _, fresh = run_fleet(RevmChain(artifacts=artifacts), nodes=12, seed=5)
    assert _without_timing(fresh) == _without_timing(cached)


def test_mining_proceeds_reach_only_hybrid_sites_streams(small):
    fleet, report = small
    hybrids = [spec for spec in fleet.nodes if spec.hybrid]
    assert len(hybrids) == 1  # a quarter of four nodes
    for node in report["nodes"]:
        if node["hybrid"]:
            assert node["mining_holders"] > 0 and node["mining_wh"] > 0
            assert node["mining_operator"] + node["mining_holders"] == node["mining_revenue"]
            assert node["mining_energy_cost"] <= node["mining_revenue"]
        else:
            assert node["mining_revenue"] == node["mining_holders"] == node["site_power_w"] == 0
    deposits = report["gas_per_operation"]["deposit_revenue (mining)"]["count"]
    assert deposits == sum(1 for spec in hybrids for day in fleet.stats.energy[spec.node_id] if day.mining_holders)
    energy = report["energy"]
    assert energy["hybrid_holders_from_mining"] == sum(n["mining_holders"] for n in report["nodes"])
    # inference earns far more per kWh than mining at the fixed rate
    assert energy["inference"]["revenue_per_kwh"] > 10 * energy["mining"]["revenue_per_kwh"]


def test_no_hybrid_sites_when_asked_for_none(artifacts):
    fleet, report = run_fleet(RevmChain(artifacts=artifacts), epochs=1, hybrid_share=0)
    assert not any(spec.hybrid for spec in fleet.nodes)
    assert report["energy"]["mining"]["wh"] == 0
    with pytest.raises(ValueError, match="hybrid_share"):
        run_fleet(RevmChain(artifacts=artifacts), epochs=0, hybrid_share=1.5)


def _summary(fleet, report) -> str:
    out = io.StringIO()
    print_summary(Console(file=out, width=220), fleet, report)
    return out.getvalue()


def test_a_small_fleet_is_shown_node_by_node_and_by_distributions(small, tmp_path):
    fleet, report = small
    assert len(fleet.nodes) <= PER_NODE_LIMIT
    assert {p.name for p in charts(fleet, tmp_path, report)} == PER_NODE_CHARTS | EVERY_SIZE_CHARTS
    text = _summary(fleet, report)
    assert "best and" not in text
    for spec in fleet.nodes:
        assert f"│ {spec.node_id:>4} │ {spec.region}" in text
    assert "electricity: inference against mining" in text
    assert "from mining" in text and "in-process engine: storage stays warm" in text


def test_past_a_dozen_nodes_the_charts_and_tables_are_distributions(large, tmp_path):
    fleet, report = large
    assert {p.name for p in charts(fleet, tmp_path, report)} == EVERY_SIZE_CHARTS
    assert all((tmp_path / name).stat().st_size > 10_000 for name in EVERY_SIZE_CHARTS)
    text = _summary(fleet, report)
    assert "holder yield per token over the run, by region (every node)" in text
    assert "the 5 best and 5 worst nodes by holder yield" in text
    listed = sum(1 for spec in fleet.nodes if f"│ {spec.node_id:>4} │ {spec.region}" in text)
    assert listed == 10
