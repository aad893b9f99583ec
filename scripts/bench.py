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

import logging
import sys
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand
from ape.logging import logger

from computerwa.tooling import bench


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
    where = f"{ecosystem.name}:{network.name}:{provider.name}"
    points = tuple(int(n) for n in holders.replace("_", "").split(",") if n.strip())
    status = bench.main(where, provider.name, points, engine_transfers, ape_transfers, update_snapshot, out, click.echo)
    sys.exit(status)
