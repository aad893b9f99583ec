"""Transactions per second of one token-transfer loop on each engine, side by side.

    ape run bench_engine --network ethereum:local:test          (the engine rows of `ape run bench`)

The loop is the same on every row: `MockStablecoin.transfer(receiver, 1)` (snekmate's
ERC-20 underneath) from a funded holder, each transaction decoded (events, return value).
Rows: the in-process engine (RevmChain), Ape's provider through the same adapter, and
Ape's provider called natively (computerwa.tooling.bench.engine_rates). Prints a table and writes
reports/bench-engine.json.
"""

import json
import logging
import os
import platform
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand
from ape.logging import logger

from computerwa.tooling.bench import engine_rates


@click.command(cls=ConnectedProviderCommand, help=__doc__)
@click.option("--engine-transfers", default=20_000, show_default=True, help="transfers on the in-process engine")
@click.option("--ape-transfers", default=200, show_default=True, help="transfers on Ape's provider (slow)")
@click.option("--out", default="reports/bench-engine.json", show_default=True, type=click.Path(path_type=Path))
def cli(ecosystem, network, provider, engine_transfers, ape_transfers, out):
    logger.set_level(logging.WARNING)  # Ape logs every confirmation otherwise
    rows = engine_rates(provider.name, engine_transfers, ape_transfers)
    width = max(len(r["engine"]) for r in rows)
    click.echo(f"{'engine':<{width}}  {'transfers':>9}  {'tx/s':>9}")
    for r in rows:
        click.echo(f"{r['engine']:<{width}}  {r['transfers']:>9,}  {r['tx_per_s']:>9,.0f}")
    click.echo(f"engine / Ape speed-up: {rows[0]['tx_per_s'] / rows[2]['tx_per_s']:,.0f}x")
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "loop": "MockStablecoin.transfer(receiver, 1), decoded",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "rows": [{**r, "tx_per_s": round(r["tx_per_s"], 1)} for r in rows],
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    click.echo(f"wrote {out}")
