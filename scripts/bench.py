"""The benchmark: receipt gas of every headline operation, its scaling, and engine speed.

    ape run bench --network ethereum:local:test                    (make bench)
    ape run bench --network ethereum:local:test --update-snapshot  (rewrites gas-snapshot.json)

Deploys fresh scenarios on the connected local chain and prints, side by side, each
headline operation's receipt gasUsed (Prague, storage cold at the start of a fresh
transaction), its target, the published anchor and the committed snapshot
(gas-snapshot.json); then transfer and claim gas after 1, 100 and 1,000 more holders,
settle gas per voucher at batch sizes 1, 10, 50 and 100, and transactions/s of the
in-process engine and of Ape's provider on the same transfer loop. Writes the same to
reports/bench.json (and reports/bench-gas-oracle.json, bench-gas-settlement.json for
`ape run scale`). Exits non-zero if an operation costs more than its snapshot.
"""

import json
import logging
import os
import platform
import sys
import time
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand
from ape.logging import logger

from computerwa.tooling import bench

WIDTH = 70


def _verdict(gas: int, target: int | None) -> str:
    return "" if target is None else ("ok" if gas <= target else "OVER")


def _delta(gas: int, snapshot: dict[str, int], key: str) -> str:
    if key not in snapshot:
        return "new"
    change = gas - snapshot[key]
    return "=" if change == 0 else f"{change:+,}"


@click.command(cls=ConnectedProviderCommand, help=__doc__)
@click.option(
    "--holders",
    default=",".join(str(n) for n in bench.HOLDER_POINTS),
    show_default=True,
    help="holders added before each scaling round (comma-separated; empty: none)",
)
@click.option("--engine-transfers", default=20_000, show_default=True, help="transfers on the in-process engine")
@click.option("--ape-transfers", default=200, show_default=True, help="transfers on Ape's provider (slow), per row")
@click.option("--update-snapshot", is_flag=True, help="write the measured figures to gas-snapshot.json")
@click.option("--out", default="reports/bench.json", show_default=True, type=click.Path(path_type=Path))
def cli(ecosystem, network, provider, holders, engine_transfers, ape_transfers, update_snapshot, out):
    logger.set_level(logging.WARNING)  # Ape logs every confirmation otherwise
    started = time.perf_counter()
    where = f"{ecosystem.name}:{network.name}:{provider.name}"
    points = tuple(int(n) for n in holders.replace("_", "").split(",") if n.strip())

    click.echo(f"measuring on {where}: ComputeToken (+{', +'.join(f'{n:,}' for n in points)} holders) ...")
    token, by_holders, code_size = bench.token_gas(points)
    click.echo("AttestationOracle ...")
    oracle = bench.oracle_gas()
    click.echo("Settlement ...")
    settlement = bench.settlement_gas()
    gas = bench.compose(token, oracle, settlement)
    for count, figures in list(by_holders.items())[1:]:  # the first is the headline round
        gas.update({bench.holder_key(op, count): figures[op] for op in bench.SCALING_OPERATIONS})
    click.echo("engines ...")
    engines = bench.engine_rates(provider.name, engine_transfers, ape_transfers)

    snapshot = bench.load_snapshot() if bench.SNAPSHOT.exists() else {}

    # --- headline ------------------------------------------------------------------------
    floor = 21_000 + 32_000 + 200 * code_size
    anchors = {"create_token": f"floor {floor:,} = 21,000 + 32,000 + 200 x {code_size:,} B of code"}
    click.echo(f"\nreceipt gasUsed on {where} (Prague, cold storage, a fresh transaction)")
    header = f"{'operation':<{WIDTH}} {'gas':>9} {'target':>8}  {'':4} {'snapshot':>8}  anchor"
    click.echo(header)
    click.echo("-" * len(header))
    headline = []
    for row in bench.ROWS:
        figure = gas[row.key]
        target = "-" if row.target is None else f"{row.target:,}"
        verdict = _verdict(figure, row.target)
        anchor = anchors.get(row.key, row.anchor)
        delta = _delta(figure, snapshot, row.key)
        click.echo(f"{row.label:<{WIDTH}} {figure:>9,} {target:>8}  {verdict:4} {delta:>8}  {anchor}")
        headline.append(
            {
                "operation": row.key,
                "label": row.label.strip(),
                "gas": figure,
                "target": row.target,
                "met": None if row.target is None else figure <= row.target,
                "anchor": anchor,
                "snapshot": snapshot.get(row.key),
            }
        )

    # --- scaling ---------------------------------------------------------------------------
    counts = sorted(by_holders)
    click.echo("\nComputeToken gas by number of holders (flat: no operation reads or writes per holder)")
    labels = [f"{counts[0]:,} holders"] + [f"+{n - counts[0]:,}: {n:,}" for n in counts[1:]]
    header = f"{'operation':<22}" + "".join(f"{label:>15}" for label in labels)
    click.echo(header)
    click.echo("-" * len(header))
    for op in bench.SCALING_OPERATIONS:
        click.echo(f"{op:<22}" + "".join(f"{by_holders[n][op]:>15,}" for n in counts))
    batches = settlement["batches"]
    click.echo("\nSettlement.settle by batch size (vouchers spread over 5 nodes)")
    header = f"{'vouchers':>8} {'gas':>11} {'per voucher':>12}"
    click.echo(header)
    click.echo("-" * len(header))
    for size, total in batches.items():
        click.echo(f"{size:>8} {total:>11,} {total / size:>12,.0f}")
    click.echo("\nAttestationOracle.submit by signatures (32-attestor committee)")
    header = f"{'signatures':>10} {'next report':>12} {'first report':>13}"
    click.echo(header)
    click.echo("-" * len(header))
    for row in oracle["by_signatures"]:
        click.echo(f"{row['signatures']:>10} {row['steady']:>12,} {row['first']:>13,}")

    # --- engines ---------------------------------------------------------------------------
    click.echo("\nthe same decoded MockStablecoin.transfer loop on each engine")
    width = max(len(r["engine"]) for r in engines)
    header = f"{'engine':<{width}}  {'transfers':>9}  {'tx/s':>9}"
    click.echo(header)
    click.echo("-" * len(header))
    for r in engines:
        click.echo(f"{r['engine']:<{width}}  {r['transfers']:>9,}  {r['tx_per_s']:>9,.0f}")
    click.echo(f"engine / Ape speed-up: {engines[0]['tx_per_s'] / engines[2]['tx_per_s']:,.0f}x")

    # --- snapshot and reports -------------------------------------------------------------------
    elapsed = time.perf_counter() - started
    over = bench.over_snapshot(gas, snapshot)
    missing = sorted(k for k in gas if k not in snapshot)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "provider": where,
        "headline": headline,
        "scaling": {
            "holders": {str(n): by_holders[n] for n in counts},
            "settle_batches": {str(n): {"gas": g, "per_voucher": round(g / n)} for n, g in batches.items()},
            "oracle_signatures": oracle["by_signatures"],
        },
        "engines": [{**r, "tx_per_s": round(r["tx_per_s"], 1)} for r in engines],
        "gas": gas,
        "over_snapshot": {k: {"gas": g, "snapshot": s} for k, (g, s) in over.items()},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "seconds": round(elapsed, 1),
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    # the figures `ape run scale` (computerwa/sim/scale.py) reads
    (out.parent / "bench-gas-oracle.json").write_text(
        json.dumps({"three_signatures": gas["oracle_3"], "rows": oracle["by_signatures"]}, indent=2) + "\n"
    )
    (out.parent / "bench-gas-settlement.json").write_text(
        json.dumps(
            {
                "gas": {k: v for k, v in settlement.items() if k != "batches"},
                "per_voucher": {str(n): round(g / n) for n, g in batches.items()},
            },
            indent=2,
        )
        + "\n"
    )
    click.echo(f"\nwrote {out} ({elapsed:.0f} s)")

    if update_snapshot:
        bench.write_snapshot(gas, where)
        click.echo(f"wrote {bench.SNAPSHOT.name}: {len(gas)} figures")
        return
    if not snapshot:
        click.echo(f"no {bench.SNAPSHOT.name} yet: `ape run bench --update-snapshot` writes it")
        return
    cheaper = sorted(k for k in gas if k in snapshot and gas[k] < snapshot[k])
    if missing:
        click.echo(f"not in the snapshot: {', '.join(missing)}")
    if cheaper:
        click.echo(f"cheaper than the snapshot (update it with --update-snapshot): {', '.join(cheaper)}")
    if over:
        for key, (figure, snap) in over.items():
            click.echo(f"OVER SNAPSHOT {key}: {figure:,} > {snap:,}", err=True)
        sys.exit(1)
    click.echo(f"every figure within {bench.SNAPSHOT.name}")
