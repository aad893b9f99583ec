"""The main job: a fleet of compute nodes earning on-chain, reconciled to the wei every epoch.

    ape run simulate                                             (make demo; embedded chain)
    ape run simulate --network ethereum:local:foundry             (a real Anvil node)
    ape run simulate --engine revm --nodes 1000 --epochs 30       (in process: a thousand nodes)
    ape run simulate --nodes 12 --epochs 20 --investors 4 --seed 7 --out reports/sim

Deploys the suite, registers nodes in Southeast Asia, India, Latin America and the US with
their own GPUs, prices and outage rates (a quarter of them hybrid sites that mine bitcoin
on spare power), and runs them through `--epochs` daily epochs: customers pay through
prepaid balances and cumulative vouchers settled in batches (and some one-shot EIP-3009
payments), a 3-of-5 committee attests every node, SLA misses are slashed, each node's
attested energy is priced at its region's hourly electricity prices, hybrid sites deposit
their holders' part of the mining proceeds, investors trade and claim. With eight nodes or more
the last three are financed by NodeOffering (one passes burn-in, one fails its minimum and
refunds, one misses burn-in and its buyers exit), every node's RevenueFeed is published and a
lender over one feed lends against a buyer's shares and liquidates it (--no-offerings: none
of this). Renters book GPUs of the nodes by the hour through NodeRentals, each booking signed
once (EIP-3009), paid per attested uptime, the downtime refunded; a spare test account books from
its prepaid balance and cancels after the notice (--no-rentals: none of this). After every epoch
every on-chain balance, claimable amount and bond is compared with the Python models; the
run stops with the differences if anything is off. Writes <out>/report.json (with wall
time, transactions/s, signatures/s and peak memory) and PNG charts.

`--engine ape` (default) runs on the connected Ape network (local networks only);
`--engine revm` runs the same contracts in process (pyrevm), whatever the network.
"""

import cProfile
import json
import logging
import pstats
import resource
import time
from pathlib import Path

import click
from ape.logging import logger
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from computerwa.client.deployment import LOCAL_DEFAULTS
from computerwa.evm.artifacts import ArtifactsMissing
from computerwa.evm.chain import Reverted
from computerwa.evm.cli import ProviderCommand
from computerwa.evm.suite import deploy_suite, suite_options
from computerwa.sim.fleet import CUSTOMERS_PER_NODE, FIRST_INVESTOR, Fleet, ReconciliationError, accounts_needed
from computerwa.sim.offerings import OFFERED
from computerwa.sim.report import build_report, charts, print_summary

ACCOUNTS = 16  # ape-config.yaml funds 16 test accounts on every local network
MAX_INVESTORS = ACCOUNTS - FIRST_INVESTOR
PROFILE_ROWS = 40
MIN_OFFERING_NODES = 8  # the demo's fleet: three offered nodes, five in the basket (every region)


def _positive(ctx, param, value):
    if value is not None and value < 1:
        raise click.BadParameter("must be at least 1")
    return value


def _investors(ctx, param, value):
    if not 1 <= value <= MAX_INVESTORS:
        raise click.BadParameter(f"from 1 to {MAX_INVESTORS} (test accounts {FIRST_INVESTOR} and up)")
    return value


def _fraction(ctx, param, value):
    if not 0 <= value <= 1:
        raise click.BadParameter("a fraction of the nodes, from 0 to 1")
    return value


@click.command(cls=ProviderCommand, help=__doc__)
@click.option("--nodes", default=8, show_default=True, callback=_positive, help="compute nodes in the fleet")
@click.option("--epochs", default=10, show_default=True, callback=_positive, help="daily epochs to run")
@click.option("--investors", default=4, show_default=True, callback=_investors, help=f"at most {MAX_INVESTORS}")
@click.option("--customers", type=int, callback=_positive, help=f"default: {CUSTOMERS_PER_NODE} per node")
@click.option("--hybrid", default=0.25, show_default=True, callback=_fraction, help="share of hybrid (mining) sites")
@click.option(
    "--offerings/--no-offerings",
    default=None,
    help=f"offerings, feeds and a lender (default: with at least {MIN_OFFERING_NODES} nodes)",
)
@click.option("--rentals/--no-rentals", default=True, show_default=True, help="renters booking capacity by the hour")
@click.option("--seed", default=2026, show_default=True)
@click.option(
    "--engine",
    type=click.Choice(["ape", "revm"]),
    default="ape",
    show_default=True,
    help="ape: the connected network; revm: in process",
)
@click.option("--profile", is_flag=True, help="also write <out>/profile.txt: cProfile's top functions (slower)")
@click.option("--out", default="reports/simulation", show_default=True, type=click.Path(path_type=Path))
def cli(
    ecosystem,
    network,
    provider,
    nodes,
    epochs,
    investors,
    customers,
    hybrid,
    offerings,
    rentals,
    seed,
    engine,
    profile,
    out,
):
    if engine == "ape" and not network.is_local:
        raise click.ClickException("simulate mints test dollars and moves time: run it on a local network")
    logger.set_level(logging.ERROR)
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # logs and CI: room for every column
    where = "revm (in process)" if engine == "revm" else f"{ecosystem.name}:{network.name}:{provider.name}"
    profiler = cProfile.Profile() if profile else None
    started = time.monotonic()
    try:
        chain = _chain(engine, accounts_needed(nodes, investors))
        suite = deploy_suite(chain, chain.accounts[0], **suite_options(LOCAL_DEFAULTS))
        fleet = Fleet(
            chain,
            suite,
            nodes=nodes,
            investors=investors,
            customers=customers,
            seed=seed,
            hybrid_share=hybrid,
            offerings=nodes >= MIN_OFFERING_NODES if offerings is None else offerings,
            rentals=rentals,
        )
    except (ArtifactsMissing, Reverted, ValueError) as err:
        raise click.ClickException(f"{type(err).__name__}: {err}") from None
    hybrids = sum(1 for spec in fleet.nodes if spec.hybrid)
    console.print(
        f"[bold]ComputeRWA fleet[/] on {where}: {nodes:,} nodes ({hybrids:,} hybrid), "
        f"{len(fleet.customers):,} customers, {investors} investors, {epochs} epochs, seed {seed}"
        + (f"; {OFFERED} nodes financed by offerings" if fleet.offered else "")
        + ("; renters book capacity by the hour" if rentals else "")
    )
    checked, epoch = 0, -1
    if profiler is not None:
        profiler.enable()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("setting up the fleet", total=epochs)
        try:
            fleet.setup()
            for epoch in range(epochs):
                progress.update(task, description=f"epoch {epoch}: paying, attesting, reconciling")
                fleet.run_epoch(epoch)
                checked += fleet.reconcile()
                progress.advance(task)
        except ReconciliationError as err:
            console.print(f"[bold red]reconciliation failed after epoch {epoch}[/]: {err}")
            raise SystemExit(1) from None
        except Reverted as err:
            raise click.ClickException(f"a transaction of epoch {epoch} reverted: {err}") from None
    if profiler is not None:
        profiler.disable()
    wall = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    report = build_report(fleet, epochs, seed, wall, checked, where, peak_kb)
    print_summary(console, fleet, report)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    pictures = charts(fleet, out, report)
    console.print(f"[green]reconciliation passed[/]: {checked:,} on-chain values equal the models after every epoch")
    written = [out / "report.json", *pictures]
    if profiler is not None:
        written.append(_write_profile(profiler, out / "profile.txt"))
    console.print(f"wrote {', '.join(str(path) for path in written)}")


def _chain(engine: str, accounts: int):
    """The chain surface; in process it funds `accounts` test accounts (a fleet of more than 64
    nodes needs more operators than Ape's 16 test accounts hold: at most 16 nodes of one
    operator per region)."""
    if engine == "revm":
        from computerwa.evm.artifacts import ensure_compiled
        from computerwa.evm.engine import RevmChain

        ensure_compiled()
        return RevmChain(accounts=max(ACCOUNTS, accounts))
    from computerwa.evm.ape_chain import ApeChain

    return ApeChain(accounts=ACCOUNTS, return_values=False)  # the fleet reads events, not return values


def _write_profile(profiler: cProfile.Profile, path: Path) -> Path:
    with path.open("w") as stream:
        stats = pstats.Stats(profiler, stream=stream).strip_dirs()
        stream.write("cProfile of the setup and the epochs (profiling slows them down), by own time:\n")
        stats.sort_stats("tottime").print_stats(PROFILE_ROWS)
        stream.write("\nby cumulative time:\n")
        stats.sort_stats("cumulative").print_stats(PROFILE_ROWS)
    return path
