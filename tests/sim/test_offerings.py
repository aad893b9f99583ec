"""Nodes financed by primary offerings, their revenue feeds and a lender (issue #19): each
offering reaches its outcome, every feed answer equals the simulation's own count of what it
deposited, a one-unit difference stops the run, and the lender liquidates the buyer who
borrowed against the node that missed its burn-in."""

import io

import pytest
from rich.console import Console

from computerwa.evm.engine import RevmChain
from computerwa.sim import ReconciliationError
from computerwa.sim.offerings import (
    BURN_IN_EPOCHS,
    LTV_BPS,
    MISSES,
    OFFERED,
    PASSES,
    PRICE,
    RELEASE_BPS,
    UNDERSUBSCRIBED,
    cost,
)
from computerwa.sim.report import charts, print_summary
from tests.sim.conftest import run_fleet

SHARE = 10**18
EPOCHS = 7  # the sale, three burn-in epochs, the deadline's epoch, the exits, the sweep


@pytest.fixture(scope="module")
def financed(artifacts):
    """The demo's fleet (eight nodes, four investors) with offerings, for seven epochs."""
    return run_fleet(
        RevmChain(artifacts=artifacts), epochs=EPOCHS, nodes=8, investors=4, customers=None, seed=2026, offerings=True
    )


def _offering(report, outcome):
    return next(o for o in report["offerings"]["offerings"] if o["outcome"] == outcome)


def test_the_last_three_nodes_are_offered_and_left_out_of_the_basket(financed):
    fleet, report = financed
    assert [spec.node_id for spec in fleet.offered] == [spec.node_id for spec in fleet.nodes[-OFFERED:]]
    assert report["basket"]["components"] == [spec.node_id for spec in fleet.nodes[:-OFFERED]]
    assert [o["node_id"] for o in report["offerings"]["offerings"]] == [spec.node_id for spec in fleet.offered]


def test_an_offering_that_passes_burn_in_releases_everything_to_its_operator(financed):
    fleet, report = financed
    o = _offering(report, PASSES)
    assert o["status"] == "succeeded" and o["burn_in_confirmed"] and o["bought_by_authorization"] == 1
    assert o["released_at_close"] == o["raise"] * RELEASE_BPS // 10_000
    assert o["released_at_close"] + o["released_on_burn_in"] == o["raise"] == cost(o["sold"] // 4, PRICE) * 4
    assert o["held_in_escrow"] == 0
    spec = next(s for s in fleet.offered if s.node_id == o["node_id"])
    # the buyers' shares were claimed for them: the token's supply is what was sold
    assert spec.token.totalSupply() == o["sold"]
    assert fleet.stats.uptime[spec.node_id][1 : 1 + BURN_IN_EPOCHS] == [10_000] * BURN_IN_EPOCHS


def test_an_undersubscribed_offering_fails_and_every_buyer_is_refunded(financed):
    fleet, report = financed
    o = _offering(report, UNDERSUBSCRIBED)
    assert o["status"] == "failed" and o["raise"] < report["offerings"]["terms"]["min_raise"]
    assert o["refunded"] == o["raise"] > 0 and o["held_in_escrow"] == 0
    assert o["yield"]["yield_per_day_on_price"] is None
    spec = next(s for s in fleet.offered if s.node_id == o["node_id"])
    assert spec.token.totalSupply() == 0


def test_a_node_that_misses_burn_in_lets_its_buyers_exit_pro_rata(financed):
    fleet, report = financed
    o = _offering(report, MISSES)
    assert o["status"] == "succeeded" and not o["burn_in_confirmed"] and o["released_on_burn_in"] == 0
    spec = next(s for s in fleet.offered if s.node_id == o["node_id"])
    uptime = fleet.stats.uptime[spec.node_id]
    assert uptime[1] >= spec.sla_uptime_bps and all(u < spec.sla_uptime_bps for u in uptime[2:4])
    assert o["exited_shares"] > 0 and o["exit_paid"] > 0
    # each exit is paid the unreleased proceeds pro rata: here, at the sale's own price less the close's release
    assert o["exit_paid"] == pytest.approx(o["exited_shares"] / SHARE * PRICE * (1 - RELEASE_BPS / 10_000), abs=3)
    assert spec.token.totalSupply() == o["sold"] - o["exited_shares"]
    # the shares pledged to the lender were liquidated to an investor that bought none of them:
    # nobody could exit them, and after the exit window their part was swept to the node's holders
    unexited = o["sold"] - o["exited_shares"]
    assert unexited > 0 and o["swept_to_holders"] > 0
    unreleased = o["raise"] - o["released_at_close"]
    assert o["exit_paid"] + o["swept_to_holders"] == unreleased  # nothing stranded
    assert o["held_in_escrow"] == 0 == fleet.suite.stablecoin.balanceOf(fleet.suite.offering)
    # the sweep came after the window's last second, before anything else of the next epoch
    sweep_epoch = (o["exit_window_end"] - fleet.genesis) // fleet.epoch_length
    assert fleet.deposits[spec.node_id][sweep_epoch] >= o["swept_to_holders"]


def test_the_lender_lends_at_the_ltv_and_liquidates_once_the_feed_shows_the_missed_sla(financed):
    fleet, report = financed
    lender = report["offerings"]["lender"]
    (loan,) = lender["loans"]
    assert loan["epoch"] == 1 and loan["borrowed"] == loan["value"] * LTV_BPS // 10_000 > 0
    assert loan["liquidated_epoch"] == 3 and loan["liquidator"] != loan["borrower"]
    trailing = {t["epoch"]: t for t in report["offerings"]["trailing"][str(lender["node_id"])]}
    assert trailing[1]["met"] == 2 and trailing[3]["met"] == 0  # two epochs below the SLA in the lookback
    contract = fleet.offerings.lender
    assert contract.debt(loan["borrower"]) == contract.collateral(loan["borrower"]) == 0
    assert lender["stablecoin"] == lender["funds"] == fleet.suite.stablecoin.balanceOf(contract)
    assert lender["values_checked"] > 0


def test_each_feed_answer_is_what_the_simulation_deposited_per_share(financed):
    fleet, report = financed
    unit = 10**6
    for spec in fleet.nodes:
        answers = report["offerings"]["feeds"][str(spec.node_id)]["answers"]
        assert len(answers) == EPOCHS
        assert answers == [fleet.offerings.feeds[spec.node_id].getRoundData(e)[1] for e in range(EPOCHS)]
        if not spec.offered:  # a thousand shares from setup on
            for e, answer in enumerate(answers):
                assert answer == fleet.deposits[spec.node_id].get(e, 0) * 10**36 // (1_000 * SHARE * unit)


def test_a_feed_answer_off_by_one_unit_stops_the_run(financed):
    fleet, _ = financed
    spec = fleet.nodes[0]
    last = len(fleet.stats.uptime[spec.node_id]) - 1
    deposits = fleet.deposits[spec.node_id]
    deposits[last] += 1
    try:
        with pytest.raises(ReconciliationError, match=rf"node {spec.node_id} feed answer \(round {last}\)"):
            fleet.reconcile()
    finally:
        deposits[last] -= 1
    fleet.reconcile()


def test_an_offering_total_off_by_one_stops_the_run(financed):
    fleet, _ = financed
    offering = fleet.offerings.offerings[0]
    offering.raised += 1
    try:
        with pytest.raises(ReconciliationError, match=r"offering 1 raised"):
            fleet.reconcile()
    finally:
        offering.raised -= 1


def test_the_summary_and_the_chart_show_offerings_feeds_and_the_lender(financed, tmp_path):
    fleet, report = financed
    out = io.StringIO()
    print_summary(Console(file=out, width=250), fleet, report)
    text = " ".join(out.getvalue().split())  # long lines wrap
    assert "primary offerings" in text and "lender over node" in text and "liquidated after epoch 3" in text
    for outcome in (PASSES, UNDERSUBSCRIBED, MISSES):
        assert outcome in text
    assert "feed_trailing.png" in {p.name for p in charts(fleet, tmp_path, report)}


def test_offerings_need_a_node_of_every_region_left_for_the_basket(artifacts):
    with pytest.raises(ValueError, match="at least 7 nodes"):
        run_fleet(RevmChain(artifacts=artifacts), epochs=0, offerings=True)
