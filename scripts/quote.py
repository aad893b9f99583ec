"""Quotes a job: the nodes of a region that may serve it now, cheapest first.

    ape run quote --region india --units 50000 --network ethereum:local:foundry
    ape run quote --region us-east --units 1000000 --max-age 172800 --network ethereum:sepolia:alchemy

Reads the deployment recorded for the connected network (deployments/<ecosystem>-<network>.json,
or -<provider>.json on a local network, as `ape run deploy` wrote it; --deployment picks
another record) and ranks the region's nodes by what --units work units cost (price is per
1,000 units), then by attested latency.
A node is skipped, with the reason printed, when it is paused or retired, has no
performance report, its latest report is stale (older than --max-age seconds after its
epoch ended; default one epoch) or that report's uptime is below the node's SLA.
Exits non-zero when the region has no usable node.
"""

import logging
from pathlib import Path

import click
from ape import chain, project
from ape.logging import logger
from rich.console import Console
from rich.table import Table

from computerwa.client.deployment import DeploymentError, find, record_path
from computerwa.client.quote import check_region, known_regions, percent, rank, read_region
from computerwa.evm.cli import ProviderCommand


def _region(ctx, param, value):
    try:
        return check_region(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def _at_least(minimum):
    def check(ctx, param, value):
        if value is not None and value < minimum:
            raise click.BadParameter(f"must be at least {minimum}")
        return value

    return check


@click.command(cls=ProviderCommand, help=__doc__)
@click.option("--region", required=True, callback=_region, help="the region, exactly as nodes registered it")
@click.option("--units", required=True, type=int, callback=_at_least(1), help="work units the job needs")
@click.option("--max-age", type=int, default=None, callback=_at_least(0), help="seconds [default: one epoch]")
@click.option(
    "--deployment",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="deployment record [default: the connected network's]",
)
def cli(ecosystem, network, provider, region, units, max_age, deployment):
    logger.set_level(logging.ERROR)
    try:
        run(ecosystem, network, provider, region, units, max_age, deployment)
    except DeploymentError as err:
        raise click.ClickException(str(err)) from None


def run(ecosystem, network, provider, region, units, max_age, deployment):
    choice = f"{ecosystem.name}:{network.name}:{provider.name}"
    path = deployment or record_path(ecosystem.name, network.name, provider.name, network.is_local)
    suite = find(path, chain.chain_id, project, provider)
    deploy_first = f"run `ape run deploy --network {choice}` first"
    if suite is None and path.exists():
        raise DeploymentError(
            f"the deployment recorded in {path} has no code on {choice} (a restarted local chain?): {deploy_first}"
        )
    if suite is None:
        raise DeploymentError(f"no deployment recorded for {choice} ({path}): {deploy_first}")
    registry, oracle = suite.registry, suite.oracle
    if max_age is None:
        max_age = oracle.EPOCH_LENGTH()
    nodes, reports = read_region(registry, oracle, region, max_age)
    if not nodes:
        regions = known_regions(registry)
        hint = f" (regions with nodes: {', '.join(regions)})" if regions else " (no node is registered yet)"
        raise DeploymentError(f"no node is registered in region {region!r}{hint}")
    quote = rank(nodes, reports, units)
    decimals, symbol = _stablecoin(suite)

    console = Console()
    if not console.is_terminal:
        console = Console(width=140)
    console.print(
        f"[bold]quote[/] {units:,} work units in {region} on {choice}, "
        f"reports at most {max_age:,} s past their epoch ({len(nodes)} nodes)"
    )
    for skip in quote.skipped:
        console.print(f"  skipped node {skip.node_id}: {skip.reason}")
    if not quote.ranked:
        raise DeploymentError(f"no usable node in region {region!r}: all {len(nodes)} skipped (reasons above)")
    table = Table(title=f"usable nodes in {region}, best first", title_justify="left")
    for column in ("rank", "node", "GPUs", "price / 1k units", "total", "latency p50", "uptime", "SLA", "epoch"):
        table.add_column(column, justify="left" if column == "GPUs" else "right")
    for i, offer in enumerate(quote.ranked, 1):
        node, report = offer.node, offer.report
        table.add_row(
            str(i),
            str(node.node_id),
            f"{node.gpu_count}x {node.gpu_model}",
            _amount(node.price_per_unit, decimals, symbol),
            _amount(offer.total, decimals, symbol),
            f"{report.latency_ms_p50} ms",
            percent(report.uptime_bps),
            percent(node.sla_uptime_bps),
            str(report.epoch),
        )
    console.print(table)


def _stablecoin(suite) -> tuple[int, str]:
    try:
        return int(suite.stablecoin.decimals()), str(suite.stablecoin.symbol())
    except Exception:  # a stablecoin without the optional ERC-20 metadata: show base units
        return 0, "units"


def _amount(value: int, decimals: int, symbol: str) -> str:
    if decimals == 0:
        return f"{value:,} {symbol}"
    return f"{value / 10**decimals:,.{min(decimals, 6)}f} {symbol}"
