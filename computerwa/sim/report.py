"""What the fleet simulation reports: `build_report` (the JSON of `ape run simulate --out`),
`print_summary` (its tables) and `charts` (its PNGs), from a `Fleet` after its epochs."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from computerwa.sim.fleet import DOLLAR
from computerwa.sim.regions import REGIONS


def build_report(fleet, epochs, seed, wall, checked, where) -> dict:
    st = fleet.stats
    nodes = []
    for spec in fleet.nodes:
        n = spec.node_id
        work = st.work[n]
        nodes.append(
            {
                "node_id": n,
                "region": spec.region,
                "gpu": f"{spec.gpu_count}x {spec.gpu_model}",
                "price_per_1000_units": spec.price,
                "operator_share_bps": spec.operator_share_bps,
                "sla_uptime_bps": spec.sla_uptime_bps,
                "revenue": st.revenue[n],
                "holders_revenue": st.holders[n],
                "operator_revenue": st.operator[n],
                # per 1,000 tokens over the run, and per year (365 / epochs), on $1 per token
                "holder_yield_per_token": st.holders[n] / 1_000 / DOLLAR,
                "holder_apy_at_1_dollar": st.holders[n] / 1_000 / DOLLAR * 365 / epochs,
                "uptime_bps": st.uptime[n],
                "slashes": [{"epoch": e, "amount": a} for e, a in st.slashes[n]],
                "energy_wh": st.energy_wh[n],
                "work_units": work,
                "wh_per_1000_units": round(st.energy_wh[n] * 1_000 / work, 2) if work else None,
                "power_cost": round(st.energy_wh[n] / 1_000 * spec.power_cost, 2),
            }
        )
    regions = {}
    for region in REGIONS:
        members = [n for n in nodes if n["region"] == region]
        regions[region] = {
            "nodes": len(members),
            "revenue": sum(n["revenue"] for n in members),
            "holders_revenue": sum(n["holders_revenue"] for n in members),
            "slashes": sum(len(n["slashes"]) for n in members),
        }
    gas = {op: {"count": len(v), "mean": round(sum(v) / len(v)), "max": max(v)} for op, v in sorted(st.gas.items())}
    return {
        "network": where,
        "seed": seed,
        "epochs": epochs,
        "wall_seconds": round(wall, 1),
        "transactions": st.transactions,
        "transactions_per_second": round(st.transactions / wall, 1),
        "reconciled_values": checked,
        "vouchers_settled": st.vouchers,
        "vouchers_skipped": st.skipped,
        "direct_payments": st.direct_payments,
        "protocol_fees": st.fees,
        "claimed": st.claimed,
        "nodes": nodes,
        "regions": regions,
        "gas_per_operation": gas,
        "gas_per_epoch": [{"epoch": e, "gas": g} for e, g in st.gas_per_epoch],
    }


def dollars(units: int) -> str:
    return f"${units / DOLLAR:,.2f}"


def print_summary(console, fleet, report) -> None:
    table = Table(title="nodes", title_justify="left")
    for column in ("node", "region", "GPUs", "revenue", "holders", "yield/token", "uptime", "slashes", "Wh/1k units"):
        table.add_column(column, justify="right" if column not in ("region", "GPUs") else "left")
    for n in report["nodes"]:
        uptime = sum(n["uptime_bps"]) / len(n["uptime_bps"]) / 100 if n["uptime_bps"] else 0
        table.add_row(
            str(n["node_id"]),
            n["region"],
            n["gpu"],
            dollars(n["revenue"]),
            dollars(n["holders_revenue"]),
            f"${n['holder_yield_per_token']:.4f}",
            f"{uptime:.2f}%",
            str(len(n["slashes"])),
            str(n["wh_per_1000_units"]),
        )
    console.print(table)
    regions = Table(title="regions", title_justify="left")
    for column in ("region", "nodes", "revenue", "holders", "slashes"):
        regions.add_column(column, justify="left" if column == "region" else "right")
    for name, r in report["regions"].items():
        regions.add_row(name, str(r["nodes"]), dollars(r["revenue"]), dollars(r["holders_revenue"]), str(r["slashes"]))
    console.print(regions)
    gas = Table(title="gas per operation (receipt gasUsed)", title_justify="left")
    for column in ("operation", "count", "mean", "max"):
        gas.add_column(column, justify="left" if column == "operation" else "right")
    for op, g in report["gas_per_operation"].items():
        gas.add_row(op, str(g["count"]), f"{g['mean']:,}", f"{g['max']:,}")
    console.print(gas)
    per_epoch = [g["gas"] for g in report["gas_per_epoch"] if g["epoch"] != "setup"]
    console.print(
        f"gas per epoch: mean {sum(per_epoch) // max(len(per_epoch), 1):,}; "
        f"{report['transactions']:,} transactions in {report['wall_seconds']} s "
        f"({report['transactions_per_second']} tx/s); {report['vouchers_settled']} vouchers settled, "
        f"{report['direct_payments']} direct payments, protocol fees {dollars(report['protocol_fees'])}, "
        f"claimed {dollars(report['claimed'])}"
    )


def charts(fleet, out: Path) -> list[Path]:
    import matplotlib
    import matplotlib.patches

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    st, paths = fleet.stats, []
    epochs = range(len(st.revenue_per_epoch))

    fig, ax = plt.subplots(figsize=(9, 5))
    for spec in fleet.nodes:
        ax.plot(
            epochs,
            [r.get(spec.node_id, 0) / DOLLAR for r in st.revenue_per_epoch],
            label=f"#{spec.node_id} {spec.region} {spec.gpu_model}",
        )
    ax.set(title="cumulative revenue per node", xlabel="epoch (day)", ylabel="dollars")
    ax.legend(fontsize=7)
    paths.append(save(fig, out / "revenue.png"))

    fig, ax = plt.subplots(figsize=(9, 5))
    ids = [f"#{s.node_id}" for s in fleet.nodes]
    ax.bar(
        ids,
        [st.holders[s.node_id] / 1_000 / DOLLAR for s in fleet.nodes],
        color=[f"C{list(REGIONS).index(s.region)}" for s in fleet.nodes],
    )
    ax.legend(
        handles=[matplotlib.patches.Patch(color=f"C{i}", label=region) for i, region in enumerate(REGIONS)], fontsize=8
    )
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

    fig, ax = plt.subplots(figsize=(9, 5))
    rows = [(str(e), g) for e, g in st.gas_per_epoch]
    ax.bar([r[0] for r in rows], [r[1] / 1e6 for r in rows])
    ax.set(title="gas per epoch (receipt gasUsed)", xlabel="epoch", ylabel="million gas")
    paths.append(save(fig, out / "gas.png"))
    return paths


def save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
