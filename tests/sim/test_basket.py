"""The fleet's basket (issue #21): it spans every region, reconciles to the wei, any
disagreement with its model stops the run, and its figure (the dispersion of its daily
yield against its nodes') is computed from what the basket actually harvested."""

import io
import statistics

import pytest
from rich.console import Console

from computerwa.evm.engine import RevmChain
from computerwa.sim import ReconciliationError
from computerwa.sim.basket import MAX_COMPONENTS, UNITS, WARM_UP
from computerwa.sim.regions import DOLLAR, REGIONS
from computerwa.sim.report import basket_pitch, print_summary
from tests.sim.conftest import run_fleet

SHARE = 10**18


@pytest.fixture(scope="module")
def week(artifacts):
    """Eight nodes, four investors, seven epochs: two rebalances (redeem and create)."""
    return run_fleet(RevmChain(artifacts=artifacts), epochs=7, nodes=8, investors=4, customers=None, seed=2026)


def test_the_basket_spans_every_region_and_half_the_investors_hold_it(week):
    fleet, report = week
    basket = report["basket"]
    assert basket["components"] == [spec.node_id for spec in fleet.nodes]
    assert basket["regions"] == sorted(REGIONS)
    holders = fleet.basket.holders
    assert [h.address for h in holders] == [i.address for i in fleet.investors[:2]]
    # every holder still holds node tokens of its own next to the basket
    for investor in holders:
        for spec in fleet.nodes:
            assert spec.token.balanceOf(investor) > 0
    assert basket["created"] - basket["redeemed"] == basket["supply"] == fleet.basket.contract.totalSupply()
    assert basket["redeemed"] > 0 and basket["transfers"] > 0 and basket["claimed_by_holders"] > 0


def test_a_fleet_of_40_nodes_gets_a_basket_of_the_first_32_across_every_region(artifacts):
    fleet, report = run_fleet(RevmChain(artifacts=artifacts), epochs=1, nodes=40, customers=40, seed=3)
    assert report["basket"]["components"] == [spec.node_id for spec in fleet.nodes[:MAX_COMPONENTS]]
    assert fleet.basket.contract.component_count() == MAX_COMPONENTS
    assert report["basket"]["regions"] == sorted(REGIONS)


def test_each_harvest_is_what_the_components_paid_the_basket_and_its_holders_get_it(week):
    fleet, report = week
    basket = report["basket"]
    harvests = basket["harvests"]
    assert len(harvests) == 7
    assert sum(h["amount"] for h in harvests) == basket["harvested"] > 0
    for h in harvests:
        assert h["amount"] == sum(h["claimed"].values())
    # what the basket holds is owed to its holders: harvested less what they claimed
    stable = fleet.suite.stablecoin.balanceOf(fleet.basket.contract)
    assert stable == basket["harvested"] - basket["claimed_by_holders"]
    for spec in fleet.nodes:
        assert spec.token.balanceOf(fleet.basket.contract) == basket["supply"] * UNITS


def test_the_dispersion_is_the_harvests_own_per_dollar_yields(week):
    _, report = week
    basket = report["basket"]
    y = basket["yield"]
    n = len(basket["components"])
    per_node = {
        str(node): [h["claimed"][node] / DOLLAR / (h["holding"] / SHARE) for h in basket["harvests"]]
        for node in basket["components"]
    }
    assert y["node_daily_yield"] == per_node
    for k, h in enumerate(basket["harvests"]):
        # a basket share is one token of each node: its yield is the mean of theirs
        assert y["basket_daily_yield"][k] == pytest.approx(h["amount"] / DOLLAR / (h["holding"] / SHARE * n))
        assert y["basket_daily_yield"][k] == pytest.approx(statistics.fmean(s[k] for s in per_node.values()))
    counted = y["basket_daily_yield"][WARM_UP:]
    assert y["harvests_counted"] == len(counted) == 6
    assert y["basket_std"] == pytest.approx(statistics.pstdev(counted))
    node_stds = [statistics.pstdev(s[WARM_UP:]) for s in per_node.values()]
    assert y["mean_node_std"] == pytest.approx(statistics.fmean(node_stds))
    assert y["dispersion_ratio"] == pytest.approx(y["mean_node_std"] / y["basket_std"])
    # the diversification the product sells: steadier, for the same mean yield
    assert y["basket_std"] < y["mean_node_std"]
    assert y["basket_mean"] == pytest.approx(statistics.fmean(statistics.fmean(s[WARM_UP:]) for s in per_node.values()))


def test_the_summary_prints_the_basket_figure(week):
    fleet, report = week
    out = io.StringIO()
    print_summary(Console(file=out, width=400), fleet, report)
    text = out.getvalue()
    y = report["basket"]["yield"]
    assert basket_pitch(report["basket"]) in text
    assert f"{y['dispersion_ratio']:.1f}x steadier" in text
    assert "basket create" in text and "basket harvest" in text and "basket redeem" in text


def test_one_epoch_is_too_few_harvests_for_a_dispersion(artifacts):
    _, report = run_fleet(RevmChain(artifacts=artifacts), epochs=1)
    y = report["basket"]["yield"]
    assert y["basket_std"] is None and y["dispersion_ratio"] is None
    assert "too few for a dispersion" in basket_pitch(report["basket"])


def test_a_basket_claimable_off_by_one_stops_the_run(week):
    fleet, _ = week
    model = fleet.basket.model
    holder = next(a for a, v in model.balances.items() if v)
    model.accrued[holder] = model.accrued.get(holder, 0) + 10**36  # one base unit more than the chain owes
    try:
        with pytest.raises(ReconciliationError, match=r"basket claimable\("):
            fleet.reconcile()
    finally:
        model.accrued[holder] -= 10**36
    fleet.reconcile()


def test_a_harvest_the_model_does_not_predict_stops_the_run(artifacts, monkeypatch):
    fleet, _ = run_fleet(RevmChain(artifacts=artifacts), epochs=1)
    spec = fleet.basket.components[0]
    revenue = fleet.revenue[spec.node_id]
    real = type(revenue).claim

    def one_more(self, t, account):
        paid = real(self, t, account)
        return paid + 1 if self is revenue and account == fleet.basket.address else paid

    monkeypatch.setattr(type(revenue), "claim", one_more)
    with pytest.raises(ReconciliationError, match=f"harvest: node {spec.node_id} paid the basket"):
        fleet.run_epoch(1)
