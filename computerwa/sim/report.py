"""What the fleet simulation reports: `build_report` (the JSON of `ape run simulate --out`),
`print_summary` (its tables) and `charts` (its PNGs), from a `Fleet` after its epochs.

Money is in stablecoin base units (integers) in the JSON, dollars in the tables. A fleet
of up to `PER_NODE_LIMIT` nodes also gets one line per node in its charts and tables;
a larger one is shown by distributions (holder yield per node by region, revenue per
region over time as bands, uptime against SLA as a scatter), which the small fleet gets
too. `engine_independent` is the part of a report that must not depend on the engine.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from rich.table import Table

from computerwa.sim.regions import DOLLAR, HOURS, MINING_REVENUE_PER_KWH, REGIONS

PER_NODE_LIMIT = 12  # past a dozen nodes, one line per node is no longer readable
EXTREMES = 5  # at scale, the summary lists this many best and worst nodes


def _units_per_kwh(amount: int, wh: int) -> int | None:
    """Base units per kWh (floored), or None without energy."""
    return amount * 1_000 // wh if wh else None


def node_rows(fleet) -> list[dict]:
    st, rows = fleet.stats, []
    for spec in fleet.nodes:
        n = spec.node_id
        work, days = st.work[n], st.energy[n]
        inference_cost = sum(d.inference_cost for d in days)
        mining = {
            "mining_wh": sum(d.mining_wh for d in days),
            "mining_revenue": sum(d.mining_revenue for d in days),
            "mining_energy_cost": sum(d.mining_cost for d in days),
            "mining_operator": sum(d.mining_operator for d in days),
            "mining_holders": sum(d.mining_holders for d in days),
        }
        holders = st.holders[n] + mining["mining_holders"]
        epochs = max(len(st.uptime[n]), 1)
        rows.append(
            {
                "node_id": n,
                "region": spec.region,
                "gpu": f"{spec.gpu_count}x {spec.gpu_model}",
                "hybrid": spec.hybrid,
                "site_power_w": spec.site_power_w,
                "price_per_1000_units": spec.price,
                "operator_share_bps": spec.operator_share_bps,
                "sla_uptime_bps": spec.sla_uptime_bps,
                "revenue": st.revenue[n],
                "holders_revenue": st.holders[n],
                "operator_revenue": st.operator[n],
                "holders_total": holders,
                # per 1,000 tokens over the run, and per year (365 / epochs), on $1 per token
                "holder_yield_per_token": holders / 1_000 / DOLLAR,
                "holder_apy_at_1_dollar": holders / 1_000 / DOLLAR * 365 / epochs,
                "uptime_bps": st.uptime[n],
                "slashes": [{"epoch": e, "amount": a} for e, a in st.slashes[n]],
                "energy_wh": st.energy_wh[n],
                "work_units": work,
                "wh_per_1000_units": round(st.energy_wh[n] * 1_000 / work, 2) if work else None,
                "energy_cost": inference_cost,
                # what 1,000 work units earned the site over what their electricity cost
                "margin_per_1000_units": (st.revenue[n] - inference_cost) * 1_000 // work if work else None,
                # the operator pays every power bill: its share, less inference power, plus its mining share
                "operator_margin": st.operator[n]
                - inference_cost
                + mining["mining_operator"]
                - mining["mining_energy_cost"],
                **mining,
            }
        )
    return rows


def energy_summary(fleet, nodes: list[dict]) -> dict:
    """Prices by region, and revenue per kWh of inference against mining."""
    prices = fleet.stats.prices
    regions = {}
    for region in REGIONS:
        members = [n for n in nodes if n["region"] == region]
        hourly = [sum(day[region][h] for day in prices) // max(len(prices), 1) for h in range(HOURS)]
        wh = sum(n["energy_wh"] for n in members)
        revenue = sum(n["revenue"] for n in members)
        mining_wh = sum(n["mining_wh"] for n in members)
        regions[region] = {
            "mean_price_per_kwh": sum(hourly) // HOURS,
            "hourly_price_per_kwh": hourly,
            "mining_hours_per_day": sum(1 for p in hourly if p <= MINING_REVENUE_PER_KWH),
            "inference_wh": wh,
            "inference_revenue_per_kwh": _units_per_kwh(revenue, wh),
            "energy_cost": sum(n["energy_cost"] for n in members),
            "inference_cost_per_kwh": _units_per_kwh(sum(n["energy_cost"] for n in members), wh),
            "mining_wh": mining_wh,
            "mining_revenue_per_kwh": _units_per_kwh(sum(n["mining_revenue"] for n in members), mining_wh),
            "mining_cost_per_kwh": _units_per_kwh(sum(n["mining_energy_cost"] for n in members), mining_wh),
        }

    def group(rows: list[dict]) -> dict:
        wh, revenue, cost = (sum(n[k] for n in rows) for k in ("energy_wh", "revenue", "energy_cost"))
        work = sum(n["work_units"] for n in rows)
        return {
            "nodes": len(rows),
            "wh": wh,
            "revenue": revenue,
            "revenue_per_kwh": _units_per_kwh(revenue, wh),
            "energy_cost": cost,
            "margin_per_1000_units": (revenue - cost) * 1_000 // work if work else None,
        }

    hybrids = [n for n in nodes if n["hybrid"]]
    mining_wh = sum(n["mining_wh"] for n in hybrids)
    mining_revenue = sum(n["mining_revenue"] for n in hybrids)
    mining_cost = sum(n["mining_energy_cost"] for n in hybrids)
    return {
        "mining_revenue_per_kwh_rate": MINING_REVENUE_PER_KWH,
        "regions": regions,
        "inference": group(nodes),
        "inference_hybrid": group(hybrids),
        "mining": {
            "nodes": len(hybrids),
            "wh": mining_wh,
            "revenue": mining_revenue,
            "revenue_per_kwh": _units_per_kwh(mining_revenue, mining_wh),
            "energy_cost": mining_cost,
            "net_per_kwh": _units_per_kwh(mining_revenue - mining_cost, mining_wh),
        },
        # what the hybrid sites' holders were paid from each source
        "hybrid_holders_from_inference": sum(n["holders_revenue"] for n in hybrids),
        "hybrid_holders_from_mining": sum(n["mining_holders"] for n in hybrids),
    }


def build_report(fleet, epochs, seed, wall, checked, where, peak_rss_kb: int | None = None) -> dict:
    st = fleet.stats
    nodes = node_rows(fleet)
    regions = {}
    for region in REGIONS:
        members = [n for n in nodes if n["region"] == region]
        regions[region] = {
            "nodes": len(members),
            "hybrid": sum(1 for n in members if n["hybrid"]),
            "revenue": sum(n["revenue"] for n in members),
            "holders_revenue": sum(n["holders_revenue"] for n in members),
            "mining_holders": sum(n["mining_holders"] for n in members),
            "slashes": sum(len(n["slashes"]) for n in members),
            "revenue_per_epoch": [
                sum(fleet_revenue.get(n["node_id"], 0) for n in members) for fleet_revenue in _daily_revenue(fleet)
            ],
        }
    gas = {op: {"count": len(v), "mean": round(sum(v) / len(v)), "max": max(v)} for op, v in sorted(st.gas.items())}
    seconds = {phase: round(s, 2) for phase, s in sorted(st.seconds.items())}
    seconds["everything else (routing, models, setup)"] = round(wall - sum(st.seconds.values()), 2)
    signing = st.seconds.get("signing", 0.0)
    return {
        "network": where,
        "engine": fleet.chain.name,
        # receipt gasUsed on Ape's provider and Anvil; the in-process engine keeps storage warm
        "exact_gas": bool(fleet.chain.exact_gas),
        "seed": seed,
        "epochs": epochs,
        "customers": len(fleet.customers),
        "investors": len(fleet.investors),
        "wall_seconds": round(wall, 1),
        "transactions": st.transactions,
        "transactions_per_second": round(st.transactions / wall, 1),
        "performance": {
            "wall_seconds": round(wall, 1),
            "transactions_per_second": round(st.transactions / wall, 1),
            "signatures": st.signatures,
            "signatures_per_second": round(st.signatures / signing) if signing else None,
            "views": st.views,
            "seconds_by_phase": seconds,
            "peak_rss_mb": round(peak_rss_kb / 1024, 1) if peak_rss_kb else None,
        },
        "reconciled_values": checked,
        "vouchers_settled": st.vouchers,
        "vouchers_skipped": st.skipped,
        "direct_payments": st.direct_payments,
        "protocol_fees": st.fees,
        "claimed": st.claimed,
        "nodes": nodes,
        "regions": regions,
        "energy": energy_summary(fleet, nodes),
        "basket": fleet.basket.report() if fleet.basket is not None else None,
        "offerings": fleet.offerings.report() if fleet.offerings is not None else None,
        "rentals": fleet.rentals.report() if fleet.rentals is not None else None,
        "gas_per_operation": gas,
        "gas_per_epoch": [{"epoch": e, "gas": g, "by_operation": ops} for e, g, ops in st.gas_per_epoch],
    }


ENGINE_FIELDS = ("network", "engine", "exact_gas", "wall_seconds", "transactions_per_second", "performance")


def engine_independent(report: dict) -> dict:
    """The report without what depends on the engine that ran it: where and how fast it ran,
    gas amounts (the in-process engine's are not receipt figures) and the basket's address. What each operation
    cost in transactions, every balance, payment, slash, report and energy figure stays."""
    kept = {k: v for k, v in report.items() if k not in ENGINE_FIELDS}
    kept["gas_per_operation"] = {op: g["count"] for op, g in report["gas_per_operation"].items()}
    kept["gas_per_epoch"] = [(g["epoch"], sorted(g["by_operation"])) for g in report["gas_per_epoch"]]
    if report.get("basket") is not None:  # its address follows the deployer's nonce on that chain
        kept["basket"] = {k: v for k, v in report["basket"].items() if k != "address"}
    if report.get("offerings") is not None:  # so do the feeds' and the lender's
        offerings = report["offerings"]
        kept["offerings"] = {
            **offerings,
            "feeds": {n: f["answers"] for n, f in offerings["feeds"].items()},
            "lender": {k: v for k, v in offerings["lender"].items() if k != "address"},
        }
    return kept


def _daily_revenue(fleet) -> list[dict[int, int]]:
    """Revenue paid to each node in each epoch (from the cumulative per-epoch totals)."""
    days: list[dict[int, int]] = []
    before: dict[int, int] = {}
    for cumulative in fleet.stats.revenue_per_epoch:
        days.append({n: v - before.get(n, 0) for n, v in cumulative.items()})
        before = cumulative
    return days


# --- the summary -------------------------------------------------------------------------------
def dollars(units: int | None) -> str:
    return "-" if units is None else f"${units / DOLLAR:,.2f}"


def per_kwh(units: int | None) -> str:
    return "-" if units is None else f"${units / DOLLAR:,.4f}"


def _uptime(n: dict) -> str:
    return f"{sum(n['uptime_bps']) / len(n['uptime_bps']) / 100:.2f}%" if n["uptime_bps"] else "-"


def print_summary(console, fleet, report) -> None:
    nodes = report["nodes"]
    if len(nodes) <= PER_NODE_LIMIT:
        console.print(_node_table("nodes", nodes))
    else:
        ranked = sorted(nodes, key=lambda n: (n["holder_yield_per_token"], n["node_id"]), reverse=True)
        console.print(_yield_table(nodes))
        console.print(_node_table(f"the {EXTREMES} best and {EXTREMES} worst nodes by holder yield", ranked[:EXTREMES]))
        console.print(_node_table("", ranked[-EXTREMES:]))
    regions = Table(title="regions", title_justify="left")
    for column in ("region", "nodes", "hybrid", "revenue", "holders", "from mining", "slashes", "mean power price"):
        regions.add_column(column, justify="left" if column == "region" else "right")
    for name, r in report["regions"].items():
        e = report["energy"]["regions"][name]
        regions.add_row(
            name,
            str(r["nodes"]),
            str(r["hybrid"]),
            dollars(r["revenue"]),
            dollars(r["holders_revenue"] + r["mining_holders"]),
            dollars(r["mining_holders"]),
            str(r["slashes"]),
            f"{per_kwh(e['mean_price_per_kwh'])}/kWh",
        )
    console.print(regions)
    console.print(_energy_table(report["energy"]))
    if report["basket"] is not None:
        _print_basket(console, report["basket"])
    if report.get("offerings") is not None:
        _print_offerings(console, report["offerings"])
    if report.get("rentals") is not None:
        _print_rentals(console, report["rentals"])
    gas = Table(
        title="gas per operation (receipt gasUsed)"
        if report["exact_gas"]
        else "gas per operation (in-process engine: storage stays warm, not receipt gasUsed)",
        title_justify="left",
    )
    for column in ("operation", "count", "mean", "max"):
        gas.add_column(column, justify="left" if column == "operation" else "right")
    for op, g in report["gas_per_operation"].items():
        gas.add_row(op, str(g["count"]), f"{g['mean']:,}", f"{g['max']:,}")
    console.print(gas)
    per_epoch = [g["gas"] for g in report["gas_per_epoch"] if g["epoch"] != "setup"]
    perf = report["performance"]
    memory = f", peak memory {perf['peak_rss_mb']:,} MB" if perf["peak_rss_mb"] else ""
    console.print(
        f"gas per epoch: mean {sum(per_epoch) // max(len(per_epoch), 1):,}; "
        f"{report['transactions']:,} transactions in {report['wall_seconds']} s "
        f"({report['transactions_per_second']} tx/s), {perf['signatures']:,} signatures "
        f"({perf['signatures_per_second'] or 0:,}/s while signing){memory}; "
        f"{report['vouchers_settled']:,} vouchers settled, "
        f"{report['direct_payments']:,} direct payments, protocol fees {dollars(report['protocol_fees'])}, "
        f"claimed {dollars(report['claimed'])}"
    )


def basket_pitch(basket: dict) -> str:
    """The basket's figure in one line: its daily yield's dispersion against its nodes'."""
    y = basket["yield"]
    if y["dispersion_ratio"] is None:
        return f"basket: {y['harvests_counted']} harvests counted, too few for a dispersion (run more epochs)"
    return (
        f"basket of {len(basket['components'])} nodes over {len(basket['regions'])} regions: daily yield per dollar "
        f"{y['basket_mean']:.2%} with a standard deviation of {y['basket_std']:.2%}, against "
        f"{y['mean_node_std']:.2%} for the average single node: {y['dispersion_ratio']:.1f}x steadier, "
        f"same mean yield (over {y['harvests_counted']} daily harvests, at $1 a token)"
    )


def _print_basket(console, basket: dict) -> None:
    console.print(
        f"basket {basket['address']}: supply {basket['supply'] / 10**18:,.2f} shares held by {basket['holders']} "
        f"investors ({basket['created'] / 10**18:,.2f} created, {basket['redeemed'] / 10**18:,.2f} redeemed, "
        f"{basket['transfers']} transfers); harvested {dollars(basket['harvested'])}, "
        f"claimed by its holders {dollars(basket['claimed_by_holders'])}"
    )
    console.print(f"[bold]{basket_pitch(basket)}[/]")


def _share_dollars(value: int | None) -> str:
    """A feed figure (whole stablecoin units per share, 18 decimals) in dollars."""
    return "-" if value is None else f"${value / 10**18:,.4f}"


def _print_rentals(console, rentals: dict) -> None:
    utilization = rentals["utilization_of_offered"]
    console.print(
        f"rentals: {rentals['renters']} renters made {rentals['bookings']:,} bookings "
        f"({rentals['gpu_hours_booked']:,} GPU-hours, {rentals['cancellations']} cancelled in part), "
        f"rent {dollars(rentals['rent_booked'])} escrowed: {dollars(rentals['rent_paid_for_uptime'])} paid to the "
        f"nodes for attested uptime, {dollars(rentals['refunded_for_downtime'])} refunded for downtime, "
        f"{dollars(rentals['refunded_on_cancel'])} refunded and {dollars(rentals['cancellation_fees_paid'])} of "
        f"fees on cancels, {dollars(rentals['still_escrowed'])} still escrowed; "
        f"{'-' if utilization is None else f'{utilization:.1%}'} of the GPU-hours offered were rented"
    )


def _print_offerings(console, offerings: dict) -> None:
    terms = offerings["terms"]
    table = Table(
        title=(
            f"primary offerings ({terms['shares_for_sale'] // 10**18:,} shares at {dollars(terms['price'])}, "
            f"minimum {dollars(terms['min_raise'])}, {terms['release_bps'] / 100:g}% released at the close, "
            f"burn-in {terms['burn_in_epochs']} epochs)"
        ),
        title_justify="left",
    )
    columns = (
        *("offering", "node", "outcome", "raise", "at close", "on burn-in"),
        *("refunded", "exits", "swept", "yield/day", "x365"),
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "outcome" else "right")
    for o in offerings["offerings"]:
        y = o["yield"]
        table.add_row(
            str(o["offering_id"]),
            str(o["node_id"]),
            f"{o['outcome']} ({o['status']}, {o['buyers']} buyers)",
            dollars(o["raise"]),
            dollars(o["released_at_close"]),
            dollars(o["released_on_burn_in"]),
            dollars(o["refunded"]),
            f"{o['exited_shares'] / 10**18:,.0f} shares for {dollars(o['exit_paid'])}" if o["exited_shares"] else "-",
            dollars(o["swept_to_holders"]) if o["swept_to_holders"] else "-",
            "-" if y["yield_per_day_on_price"] is None else f"{y['yield_per_day_on_price']:.3%}",
            "-" if y["yield_annualised_on_price"] is None else f"{y['yield_annualised_on_price']:.1%}",
        )
    table.caption = (
        "yield/day: the node's feed answers (revenue deposited per share, slashed bonds and mining included) "
        "from the first round after the close to the last, per day, over the offering price; x365: not compounded; "
        "swept: what no exit took (shares sold on or pledged) deposited into the node's token after the exit window"
    )
    table.caption_justify = "left"
    console.print(table)
    lender = offerings["lender"]
    lines = []
    for loan in lender["loans"]:
        outcome = (
            f"liquidated after epoch {loan['liquidated_epoch']} by {loan['liquidator']}"
            if loan["liquidated_epoch"] is not None
            else "never liquidatable in this run"
        )
        lines.append(
            f"{loan['borrower']} pledged {loan['shares'] / 10**18:,.2f} shares valued {dollars(loan['value'])} and "
            f"borrowed {dollars(loan['borrowed'])} after epoch {loan['epoch']}: {outcome}"
        )
    trailing = offerings["trailing"].get(str(lender["node_id"]), [])
    path = ", ".join(f"{_share_dollars(t['revenue'])} ({t['met']}/{t['judged']} at SLA)" for t in trailing)
    console.print(
        f"lender over node {lender['node_id']}'s feed (value: trailing {lender['lookback']} rounds' mean x "
        f"{lender['value_epochs']} epochs x the share at the SLA; LTV {lender['ltv_bps'] / 100:g}%, liquidation at "
        f"{lender['liquidation_bps'] / 100:g}%): " + ("; ".join(lines) or "no loan (too few holders)")
    )
    console.print(f"node {lender['node_id']}'s trailing revenue per share after each epoch: {path}")


def _node_table(title: str, nodes: list[dict]) -> Table:
    table = Table(title=title or None, title_justify="left")
    columns = (
        *("node", "region", "GPUs", "revenue", "holders", "yield/token", "uptime", "slashes"),
        *("Wh/1k units", "power cost", "margin/1k units", "mined"),
    )
    for column in columns:
        table.add_column(column, justify="right" if column not in ("region", "GPUs") else "left")
    for n in nodes:
        table.add_row(
            str(n["node_id"]),
            n["region"],
            n["gpu"] + (" +BTC" if n["hybrid"] else ""),
            dollars(n["revenue"]),
            dollars(n["holders_total"]),
            f"${n['holder_yield_per_token']:.4f}",
            _uptime(n),
            str(len(n["slashes"])),
            str(n["wh_per_1000_units"]),
            dollars(n["energy_cost"]),
            dollars(n["margin_per_1000_units"]),
            dollars(n["mining_revenue"]) if n["hybrid"] else "-",
        )
    return table


def _yield_table(nodes: list[dict]) -> Table:
    table = Table(title="holder yield per token over the run, by region (every node)", title_justify="left")
    for column in ("region", "nodes", "min", "p10", "median", "p90", "max", "mean uptime"):
        table.add_column(column, justify="left" if column == "region" else "right")
    for region in REGIONS:
        members = [n for n in nodes if n["region"] == region]
        if not members:
            continue
        yields = sorted(n["holder_yield_per_token"] for n in members)
        p10, median, p90 = _percentiles(yields)
        uptime = [u for n in members for u in n["uptime_bps"]]
        table.add_row(
            region,
            str(len(members)),
            *(f"${y:.4f}" for y in (yields[0], p10, median, p90, yields[-1])),
            f"{sum(uptime) / max(len(uptime), 1) / 100:.2f}%",
        )
    return table


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0],) * 3 if values else (0.0, 0.0, 0.0)
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return deciles[0], statistics.median(values), deciles[-1]


def _energy_table(energy: dict) -> Table:
    table = Table(title="electricity: inference against mining", title_justify="left")
    for column in ("", "nodes", "kWh", "revenue", "revenue/kWh", "power cost", "margin/1k units"):
        table.add_column(column, justify="left" if not column else "right")
    for label, key in (("inference, every node", "inference"), ("inference, hybrid sites", "inference_hybrid")):
        g = energy[key]
        table.add_row(
            label,
            str(g["nodes"]),
            f"{g['wh'] / 1_000:,.0f}",
            dollars(g["revenue"]),
            per_kwh(g["revenue_per_kwh"]),
            dollars(g["energy_cost"]),
            dollars(g["margin_per_1000_units"]),
        )
    m = energy["mining"]
    table.add_row(
        "bitcoin mining, hybrid sites (spare power)",
        str(m["nodes"]),
        f"{m['wh'] / 1_000:,.0f}",
        dollars(m["revenue"]),
        per_kwh(m["revenue_per_kwh"]),
        dollars(m["energy_cost"]),
        "-",
    )
    inference, mining = energy["hybrid_holders_from_inference"], energy["hybrid_holders_from_mining"]
    total = inference + mining
    share = f" ({mining * 100 / total:.1f}% from mining)" if total else ""
    table.caption = (
        f"hybrid sites' holders earned {dollars(inference)} from inference and {dollars(mining)} from mining{share}; "
        f"mining earns {per_kwh(energy['mining_revenue_per_kwh_rate'])}/kWh at the fixed rate and runs only in hours "
        "priced below that"
    )
    table.caption_justify = "left"
    return table


# --- the charts --------------------------------------------------------------------------------
def charts(fleet, out: Path, report: dict) -> list[Path]:
    """The PNGs of `report` (`build_report`): per-node lines for a small fleet,
    distributions for every fleet, gas per epoch and the energy picture."""
    import matplotlib

    matplotlib.use("Agg")

    paths = []
    if len(fleet.nodes) <= PER_NODE_LIMIT:
        paths += _per_node_charts(fleet, out)
    paths += [
        _yield_by_region(report, out / "holder_yield_by_region.png"),
        _revenue_bands(fleet, out / "revenue_by_region.png"),
        _uptime_scatter(report, out / "uptime_vs_sla.png"),
        _gas_chart(fleet, out / "gas.png"),
        _energy_chart(report, out / "energy.png"),
    ]
    if report["basket"] is not None:
        paths.append(_basket_chart(report["basket"], out / "basket_yield.png"))
    if report.get("offerings") is not None:
        paths.append(_feed_chart(report["offerings"], out / "feed_trailing.png"))
    return paths


def _region_color(region: str) -> str:
    return f"C{list(REGIONS).index(region)}"


def _per_node_charts(fleet, out: Path) -> list[Path]:
    import matplotlib.patches
    import matplotlib.pyplot as plt

    st, paths = fleet.stats, []
    epochs = range(len(st.revenue_per_epoch))

    fig, ax = plt.subplots(figsize=(9, 5))
    for spec in fleet.nodes:
        ax.plot(
            epochs,
            [r.get(spec.node_id, 0) / DOLLAR for r in st.revenue_per_epoch],
            label=f"#{spec.node_id} {spec.region} {spec.gpu_model}" + (" +BTC" if spec.hybrid else ""),
        )
    ax.set(title="cumulative revenue per node (inference)", xlabel="epoch (day)", ylabel="dollars")
    ax.legend(fontsize=7)
    paths.append(save(fig, out / "revenue.png"))

    fig, ax = plt.subplots(figsize=(9, 5))
    ids = [f"#{s.node_id}" + ("\n+BTC" if s.hybrid else "") for s in fleet.nodes]
    inference = [st.holders[s.node_id] / 1_000 / DOLLAR for s in fleet.nodes]
    mining = [sum(d.mining_holders for d in st.energy[s.node_id]) / 1_000 / DOLLAR for s in fleet.nodes]
    ax.bar(ids, inference, color=[_region_color(s.region) for s in fleet.nodes])
    ax.bar(ids, mining, bottom=inference, color="black", alpha=0.35)
    handles = [matplotlib.patches.Patch(color=f"C{i}", label=region) for i, region in enumerate(REGIONS)]
    handles.append(matplotlib.patches.Patch(color="black", alpha=0.35, label="from mining (hybrid)"))
    ax.legend(handles=handles, fontsize=8)
    ax.set(title="holders' revenue per token over the run", xlabel="node", ylabel="dollars per token")
    paths.append(save(fig, out / "holder_yield.png"))

    fig, ax = plt.subplots(figsize=(9, 5))
    for spec in fleet.nodes:
        uptime = [u / 100 for u in st.uptime[spec.node_id]]
        line = ax.plot(
            range(len(uptime)), uptime, marker=".", label=f"#{spec.node_id} (SLA {spec.sla_uptime_bps / 100}%)"
        )
        for epoch, _ in st.slashes[spec.node_id]:
            ax.scatter([epoch], [uptime[epoch]], marker="x", s=80, color=line[0].get_color())
    ax.set(title="uptime vs SLA (x: slashed)", xlabel="epoch (day)", ylabel="uptime %")
    ax.legend(fontsize=7)
    paths.append(save(fig, out / "uptime.png"))
    return paths


def _yield_by_region(report: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5))
    groups = [[n["holder_yield_per_token"] for n in report["nodes"] if n["region"] == r] for r in REGIONS]
    labels = [f"{r}\n({len(g)} nodes)" for r, g in zip(REGIONS, groups, strict=True)]
    ax.boxplot(groups, showfliers=False, widths=0.5)
    ax.set_xticks(range(1, len(labels) + 1), labels)
    for i, (region, group) in enumerate(zip(REGIONS, groups, strict=True), start=1):
        hybrid = [n["hybrid"] for n in report["nodes"] if n["region"] == region]
        # every node as a point, spread sideways so a thousand stay visible
        xs = [i + 0.18 * ((k * 0.618) % 1 - 0.5) for k in range(len(group))]
        size = 25 if len(report["nodes"]) <= PER_NODE_LIMIT else 6
        ax.scatter(xs, group, s=size, alpha=0.6, color=_region_color(region), zorder=3)
        ax.scatter(
            [x for x, h in zip(xs, hybrid, strict=True) if h],
            [y for y, h in zip(group, hybrid, strict=True) if h],
            s=size * 2,
            marker="^",
            color="black",
            zorder=4,
            label="hybrid site (mines on spare power)" if i == 1 else None,
        )
    ax.set(title="holder yield per node by region (revenue per token over the run)", ylabel="dollars per token")
    ax.legend(fontsize=8, loc="upper right")
    return save(fig, path)


def _revenue_bands(fleet, path: Path) -> Path:
    import matplotlib.pyplot as plt

    days = _daily_revenue(fleet)
    epochs = list(range(len(days)))
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True, sharey=True)
    for ax, region in zip(axes.flat, REGIONS, strict=True):
        members = [s.node_id for s in fleet.nodes if s.region == region]
        color = _region_color(region)
        if members:
            bands = [_quantiles(sorted(day.get(n, 0) / DOLLAR for n in members)) for day in days]
            ax.fill_between(epochs, [b[0] for b in bands], [b[4] for b in bands], color=color, alpha=0.15)
            ax.fill_between(epochs, [b[1] for b in bands], [b[3] for b in bands], color=color, alpha=0.35)
            ax.plot(epochs, [b[2] for b in bands], color=color)
        ax.set_title(f"{region} ({len(members)} nodes)", fontsize=10)
    for ax in axes[1]:
        ax.set_xlabel("epoch (day)")
    for ax in axes[:, 0]:
        ax.set_ylabel("dollars per node per day")
    fig.suptitle(
        "inference revenue per node per day, by region (line: median; bands: 25th-75th and 10th-90th percentile)",
        fontsize=10,
    )
    return save(fig, path)


def _quantiles(values: list[float]) -> tuple[float, float, float, float, float]:
    """10th, 25th, 50th, 75th and 90th percentile."""
    if len(values) < 2:
        return (values[0] if values else 0.0,) * 5
    deciles = statistics.quantiles(values, n=20, method="inclusive")  # 5%, 10%, ... 95%
    return deciles[1], deciles[4], deciles[9], deciles[14], deciles[17]


def _uptime_scatter(report: dict, path: Path) -> Path:
    import matplotlib.lines
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5))
    nodes = [n for n in report["nodes"] if n["uptime_bps"]]
    tiers = sorted({n["sla_uptime_bps"] for n in nodes})
    for column, tier in enumerate(tiers):  # each SLA tier's threshold across its column
        ax.hlines(tier / 100, column - 0.4, column + 0.4, color="grey", linestyle="--", linewidth=1)
    for slashed in (False, True):
        chosen = [(k, n) for k, n in enumerate(nodes) if bool(n["slashes"]) == slashed]
        ax.scatter(
            [tiers.index(n["sla_uptime_bps"]) + 0.7 * ((k * 0.618) % 1 - 0.5) for k, n in chosen],  # spread sideways
            [sum(n["uptime_bps"]) / len(n["uptime_bps"]) / 100 for _, n in chosen],
            s=[12 + 18 * len(n["slashes"]) for _, n in chosen],
            marker="x" if slashed else "o",
            c=[_region_color(n["region"]) for _, n in chosen],
            alpha=0.6,
        )
    ax.set_xticks(range(len(tiers)), [f"SLA {t / 100:g}%" for t in tiers])
    handles = [
        matplotlib.lines.Line2D([], [], color="grey", linestyle="--", label="the SLA"),
        matplotlib.lines.Line2D([], [], color="black", marker="o", linestyle="", label="never slashed"),
        matplotlib.lines.Line2D([], [], color="black", marker="x", linestyle="", label="slashed (size: times)"),
        *(matplotlib.lines.Line2D([], [], color=_region_color(r), marker="o", linestyle="", label=r) for r in REGIONS),
    ]
    ax.legend(handles=handles, fontsize=7, loc="lower left")
    ax.set(
        title="each node's mean uptime over the run against its SLA (x: slashed in some epoch)",
        ylabel="mean daily uptime %",
    )
    return save(fig, path)


def _gas_chart(fleet, path: Path) -> Path:
    import matplotlib.pyplot as plt

    rows = fleet.stats.gas_per_epoch
    setup = sum(g for e, g, _ in rows if e == "setup")
    epochs = [(e, ops) for e, _, ops in rows if e != "setup"]
    totals: dict[str, int] = {}
    for _, ops in epochs:
        for op, gas in ops.items():
            totals[op] = totals.get(op, 0) + gas
    # the operations that spend most gas, each its own colour; the rest together
    shown = sorted(totals, key=totals.__getitem__, reverse=True)[:6]
    fig, ax = plt.subplots(figsize=(9, 5))
    xs = [str(e) for e, _ in epochs]
    bottom = [0.0] * len(epochs)
    for label, pick in [(op, (op,)) for op in shown] + [("everything else", tuple(set(totals) - set(shown)))]:
        heights = [sum(ops.get(op, 0) for op in pick) / 1e6 for _, ops in epochs]
        if any(heights):
            ax.bar(xs, heights, bottom=bottom, label=label)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    kind = "receipt gasUsed" if fleet.chain.exact_gas else "in-process engine: warm storage, not receipts"
    ax.set(
        title=f"gas per epoch by operation ({kind}); setup: {setup / 1e6:,.0f} million",
        xlabel="epoch",
        ylabel="million gas",
    )
    ax.title.set_fontsize(10)
    ax.legend(fontsize=7)
    if len(xs) > 15:
        ax.set_xticks(range(0, len(xs), 5), [xs[i] for i in range(0, len(xs), 5)])
    return save(fig, path)


def _energy_chart(report: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt

    energy = report["energy"]
    fig, (prices, per_kwh) = plt.subplots(1, 2, figsize=(12, 5))
    for region, e in energy["regions"].items():
        prices.plot(
            range(HOURS), [p / DOLLAR for p in e["hourly_price_per_kwh"]], color=_region_color(region), label=region
        )
    rate = energy["mining_revenue_per_kwh_rate"] / DOLLAR
    prices.axhline(rate, color="black", linestyle="--", linewidth=1, label=f"mining earns ${rate:.4f}/kWh")
    prices.set(title="electricity price by UTC hour (mean over the run)", xlabel="UTC hour", ylabel="dollars per kWh")
    prices.legend(fontsize=8)
    regions = list(energy["regions"])
    bars = (
        ("inference revenue", "inference_revenue_per_kwh", "C0", None),
        ("power paid for inference", "inference_cost_per_kwh", "C0", "//"),
        ("mining revenue (hybrid sites)", "mining_revenue_per_kwh", "C8", None),
        ("power paid for mining", "mining_cost_per_kwh", "C8", "//"),
    )
    width = 0.2
    for k, (label, key, color, hatch) in enumerate(bars):
        xs = [x + (k - 1.5) * width for x in range(len(regions))]
        values = [(energy["regions"][r][key] or 0) / DOLLAR for r in regions]
        per_kwh.bar(xs, values, width=width, color=color, hatch=hatch, alpha=0.5 if hatch else 0.9, label=label)
    per_kwh.set_yscale("log")
    per_kwh.set_xticks(range(len(regions)), regions, fontsize=8)
    per_kwh.set(title="per kWh: inference against mining", ylabel="dollars per kWh (log)")
    per_kwh.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2)
    return save(fig, path)


def _basket_chart(basket: dict, path: Path) -> Path:
    """Daily yield per dollar of the basket against each of its nodes' (a band of their
    10th-90th percentiles and median past PER_NODE_LIMIT components)."""
    import matplotlib.pyplot as plt

    y = basket["yield"]
    epochs = y["epochs"]
    series = [[v * 100 for v in values] for values in y["node_daily_yield"].values()]
    fig, ax = plt.subplots(figsize=(9, 5))
    if len(series) <= PER_NODE_LIMIT:
        for node, values in zip(y["node_daily_yield"], series, strict=True):
            ax.plot(epochs, values, linewidth=0.9, alpha=0.6, label=f"node #{node}")
    else:
        bands = [_percentiles(sorted(day)) for day in zip(*series, strict=True)]
        ax.fill_between(epochs, [b[0] for b in bands], [b[2] for b in bands], alpha=0.25, label="nodes, p10-p90")
        ax.plot(epochs, [b[1] for b in bands], linewidth=0.9, label="nodes, median")
    ax.plot(epochs, [v * 100 for v in y["basket_daily_yield"]], color="black", linewidth=2.5, label="basket")
    steadier = f", {y['dispersion_ratio']:.1f}x steadier" if y["dispersion_ratio"] else ""
    std = (
        f"std: basket {y['basket_std']:.2%}, average node {y['mean_node_std']:.2%}{steadier}"
        if y["basket_std"] is not None
        else "too few harvests for a dispersion"
    )
    ax.set(
        title=f"daily yield per dollar at $1 a token: the basket against its {len(series)} nodes\n({std})",
        xlabel="epoch (day) of the harvest",
        ylabel="% per day",
    )
    ax.legend(fontsize=7, ncol=2)
    return save(fig, path)


def _feed_chart(offerings: dict, path: Path) -> Path:
    """Each offered node's feed: trailing revenue per share (the lender's lookback) after each
    epoch, the epochs below the SLA in the window marked, and the lender's loan."""
    import matplotlib.pyplot as plt

    lender = offerings["lender"]
    fig, ax = plt.subplots(figsize=(9, 5))
    for o in offerings["offerings"]:
        rows = offerings["trailing"].get(str(o["node_id"]), [])
        epochs = [t["epoch"] for t in rows]
        values = [t["revenue"] / 10**18 for t in rows]
        line = ax.plot(epochs, values, marker=".", label=f"node #{o['node_id']}: offering {o['outcome']}")
        short = [k for k, t in enumerate(rows) if t["met"] < t["judged"]]
        if short:
            xs, ys = [epochs[k] for k in short], [values[k] for k in short]
            ax.scatter(xs, ys, marker="x", s=80, color=line[0].get_color(), zorder=3)
    for loan in lender["loans"]:
        ax.axvline(loan["epoch"], color="grey", linestyle=":", linewidth=1)
        ax.annotate(f"borrow {dollars(loan['borrowed'])}", (loan["epoch"], ax.get_ylim()[1]), fontsize=7, va="top")
        if loan["liquidated_epoch"] is not None:
            ax.axvline(loan["liquidated_epoch"], color="red", linestyle=":", linewidth=1)
            ax.annotate("liquidated", (loan["liquidated_epoch"], ax.get_ylim()[1] * 0.9), fontsize=7, color="red")
    ax.set(
        title=f"offered nodes' RevenueFeed: trailing({lender['lookback']}) revenue per share "
        f"(x: an epoch in the window below the SLA; lender over node #{lender['node_id']})",
        xlabel="epoch (day): the latest round",
        ylabel="dollars per share",
    )
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7)
    return save(fig, path)


def save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
