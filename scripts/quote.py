"""Quotes a job: the nodes of a region that may serve it now, cheapest first; or, with
--hours, the nodes of a region whose capacity may be rented for a window, cheapest first.

\b
    ape run quote --region india --units 50000 --network ethereum:local:foundry
    ape run quote --region us-east --units 1000000 --max-age 172800 --network ethereum:sepolia:alchemy
    ape run quote --region india --hours 24 --units 2 --network ethereum:local:foundry
    ape run quote --region india --hours 8 --start 1200 --network ethereum:local:foundry

Reads the deployment recorded for the connected network (deployments/<ecosystem>-<network>.json,
or -<provider>.json on a local network, as `ape run deploy` wrote it; --deployment picks
another record) and ranks the region's nodes by what --units work units cost (price is per
1,000 units), then by attested latency.
A node is skipped, with the reason printed, when it is paused or retired, has no
performance report, its latest report is stale (older than --max-age seconds after its
epoch ended; default one epoch) or that report's uptime is below the node's SLA.
Exits non-zero when the region has no usable node.

Hourly (--hours H, 1 to 168): rents of --units units (default 1) for the H hours from hour
--start of the oracle's clock (default the next hour), as NodeRentals would book them with
`ape run rent`: each node's price per unit-hour, its units free at every hour of the window
and the total rent, ranked by that total, then attested latency. A node is skipped, with the
reason, for the same reasons as above, when it is not offered for rent, or when fewer than
--units of its units are free at every hour of the window.
"""

import logging
from datetime import UTC, datetime
from pathlib import Path

import click
from ape import chain, project
from ape.logging import logger
from rich.console import Console
from rich.table import Table

from computerwa.client.deployment import DeploymentError, recorded_suite
from computerwa.client.quote import (
    HOUR,
    MAX_RENTAL_HOURS,
    check_region,
    known_regions,
    percent,
    rank,
    rank_hourly,
    read_region,
    read_rentals,
    unit_count,
    window_problem,
)
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
@click.option(
    "--units",
    type=int,
    default=None,
    callback=_at_least(1),
    help="work units the job needs; with --hours, units to rent [default: 1]",
)
@click.option(
    "--hours",
    type=click.IntRange(1, MAX_RENTAL_HOURS),
    default=None,
    help="quote renting capacity for this many whole hours instead",
)
@click.option("--start", type=int, default=None, help="with --hours: the window's first hour [default: the next hour]")
@click.option("--max-age", type=int, default=None, callback=_at_least(0), help="seconds [default: one epoch]")
@click.option(
    "--deployment",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="deployment record [default: the connected network's]",
)
def cli(ecosystem, network, provider, region, units, hours, start, max_age, deployment):
    logger.set_level(logging.ERROR)
    if hours is None and units is None:
        raise click.UsageError("Missing option '--units' (work units; or --hours H to quote renting capacity)")
    if hours is None and start is not None:
        raise click.UsageError("--start is the first hour of a rental window: give --hours too")
    try:
        if hours is None:
            run(ecosystem, network, provider, region, units, max_age, deployment)
        else:
            run_hourly(ecosystem, network, provider, region, hours, units or 1, start, max_age, deployment)
    except DeploymentError as err:
        raise click.ClickException(str(err)) from None


def _region_nodes(suite, region, max_age):
    registry, oracle = suite.registry, suite.oracle
    if max_age is None:
        max_age = oracle.EPOCH_LENGTH()
    nodes, reports = read_region(registry, oracle, region, max_age)
    if not nodes:
        regions = known_regions(registry)
        hint = f" (regions with nodes: {', '.join(regions)})" if regions else " (no node is registered yet)"
        raise DeploymentError(f"no node is registered in region {region!r}{hint}")
    return max_age, nodes, reports


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=160)


def run(ecosystem, network, provider, region, units, max_age, deployment):
    choice, suite, _ = recorded_suite(ecosystem, network, provider, deployment, chain.chain_id, project)
    max_age, nodes, reports = _region_nodes(suite, region, max_age)
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


def run_hourly(ecosystem, network, provider, region, hours, units, start, max_age, deployment):
    """The hourly quote: `units` units for `hours` hours from hour `start` (None: the next
    hour). Returns the `HourlyQuote`. Raises `DeploymentError`."""
    choice, suite, _ = recorded_suite(ecosystem, network, provider, deployment, chain.chain_id, project, "NodeRentals")
    if units < 1:
        raise DeploymentError(f"--units {units}: quote at least 1 unit")
    rentals = suite.rentals
    if rentals.HOURS_PER_EPOCH() == 0:
        raise DeploymentError(
            f"the epochs of this deployment ({rentals.EPOCH_LENGTH()} s) are not whole hours: "
            f"its NodeRentals {rentals.address} takes no bookings"
        )
    genesis, now = rentals.GENESIS(), chain.blocks.head.timestamp
    if now < genesis:
        raise DeploymentError(f"the oracle's clock starts at {_utc(genesis)}: no hour has begun yet")
    current = (now - genesis) // HOUR
    if start is None:
        start = current + 1
    problem = window_problem(start, hours, current)
    if problem is not None:
        raise DeploymentError(f"--start {start} --hours {hours}: {problem}")
    max_age, nodes, reports = _region_nodes(suite, region, max_age)
    offers = read_rentals(suite.registry, rentals, nodes, start, hours)
    quote = rank_hourly(nodes, reports, offers, units, hours, start)
    decimals, symbol = _stablecoin(suite)

    console = _console()
    end = start + hours
    console.print(
        f"[bold]quote[/] renting {unit_count(units)} for {hours} hours in {region} on {choice}, "
        f"reports at most {max_age:,} s past their epoch ({len(nodes)} nodes)"
    )
    console.print(f"  window hours {start} to {end}: {_utc(genesis + start * HOUR)} to {_utc(genesis + end * HOUR)}")
    for skip in quote.skipped:
        console.print(f"  skipped node {skip.node_id}: {skip.reason}")
    if not quote.ranked:
        raise DeploymentError(
            f"no node of region {region!r} rents {unit_count(units)} for hours {start} to {end}: "
            f"all {len(nodes)} skipped (reasons above)"
        )
    table = Table(title=f"nodes for rent in {region}, cheapest first", title_justify="left")
    columns = ("rank", "node", "GPUs", "price / unit-hour", "free units", f"rent ({units} x {hours} h)")
    columns += ("cancel fee", "notice", "latency p50", "uptime", "SLA", "epoch")
    for column in columns:
        table.add_column(column, justify="left" if column == "GPUs" else "right")
    for i, offer in enumerate(quote.ranked, 1):
        node, report, rental = offer.node, offer.report, offer.rental
        table.add_row(
            str(i),
            str(node.node_id),
            f"{node.gpu_count}x {node.gpu_model}",
            _amount(offer.rate, decimals, symbol),
            f"{offer.free} of {rental.units}",
            _amount(offer.total, decimals, symbol),
            percent(rental.cancellation_fee_bps),
            f"{rental.notice_hours} h",
            f"{report.latency_ms_p50} ms" if report else "-",
            percent(report.uptime_bps) if report else "-",
            percent(node.sla_uptime_bps),
            str(report.epoch) if report else "-",
        )
    console.print(table)
    console.print(
        f"book the first: ape run rent --node {quote.ranked[0].node_id} --units {units} --hours {hours} --start {start}"
    )
    return quote


def _utc(timestamp: int) -> str:
    return f"{datetime.fromtimestamp(timestamp, UTC):%Y-%m-%d %H:%M} UTC"


def _stablecoin(suite) -> tuple[int, str]:
    try:
        return int(suite.stablecoin.decimals()), str(suite.stablecoin.symbol())
    except Exception:  # a stablecoin without the optional ERC-20 metadata: show base units
        return 0, "units"


def _amount(value: int, decimals: int, symbol: str) -> str:
    if decimals == 0:
        return f"{value:,} {symbol}"
    return f"{value / 10**decimals:,.{min(decimals, 6)}f} {symbol}"
