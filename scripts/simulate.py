"""The main job: a fleet of compute nodes earning on-chain, reconciled to the wei every epoch.

    ape run simulate                                             (make demo; embedded chain)
    ape run simulate --network ethereum:local:foundry             (a real Anvil node)
    ape run simulate --nodes 12 --epochs 20 --investors 4 --seed 7 --out reports/sim

Deploys the suite (local networks), registers nodes in Southeast Asia, India, Latin
America and the US with their own GPUs, prices and outage rates, and runs them through
`--epochs` daily epochs: customers pay through prepaid balances and cumulative vouchers
settled in batches (and some one-shot EIP-3009 payments), a 3-of-5 committee attests
every node, SLA misses are slashed, investors trade and claim. After every epoch every
on-chain balance, claimable amount and bond is compared with the Python models; the run
stops with the differences if anything is off. Writes <out>/report.json and PNG charts.
"""

import json
import logging
import time
from pathlib import Path

import click
from ape import accounts, chain, project
from ape.logging import logger
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from computerwa.client.deployment import LOCAL_DEFAULTS, DeploymentError
from computerwa.evm.cli import ProviderCommand
from computerwa.evm.suite import deploy_with_record
from computerwa.sim.fleet import Fleet, ReconciliationError
from computerwa.sim.report import build_report, charts, print_summary

MAX_INVESTORS = 4  # test accounts 6..9 (0 issuer, 1 relayer, 2..5 operators)


def _positive(ctx, param, value):
    if value < 1:
        raise click.BadParameter("must be at least 1")
    return value


@click.command(cls=ProviderCommand, help=__doc__)
@click.option("--nodes", default=8, show_default=True, callback=_positive, help="compute nodes in the fleet")
@click.option("--epochs", default=10, show_default=True, callback=_positive, help="daily epochs to run")
@click.option("--investors", default=4, show_default=True, callback=_positive, help=f"at most {MAX_INVESTORS}")
@click.option("--customers", default=24, show_default=True, callback=_positive)
@click.option("--seed", default=2026, show_default=True)
@click.option("--out", default="reports/simulation", show_default=True, type=click.Path(path_type=Path))
def cli(ecosystem, network, provider, nodes, epochs, investors, customers, seed, out):
    if not network.is_local:
        raise click.ClickException("simulate mints test dollars and moves time: run it on a local network")
    if investors > MAX_INVESTORS:
        raise click.BadParameter(
            f"at most {MAX_INVESTORS} on a local network's test accounts", param_hint="--investors"
        )
    logger.set_level(logging.ERROR)
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)  # logs and CI: room for every column
    started = time.monotonic()
    try:
        suite = deploy_with_record(project, chain, accounts.test_accounts[0], dict(LOCAL_DEFAULTS))
    except DeploymentError as err:
        raise click.ClickException(str(err)) from None
    fleet = Fleet(
        suite, project, chain, accounts.test_accounts, nodes=nodes, investors=investors, customers=customers, seed=seed
    )
    console.print(
        f"[bold]ComputeRWA fleet[/] on {ecosystem.name}:{network.name}:{provider.name}: "
        f"{nodes} nodes, {customers} customers, {investors} investors, {epochs} epochs, seed {seed}"
    )
    checked = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("setting up the fleet", total=epochs)
        fleet.setup()
        try:
            for epoch in range(epochs):
                progress.update(task, description=f"epoch {epoch}: paying, attesting, reconciling")
                fleet.run_epoch(epoch)
                checked += fleet.reconcile()
                progress.advance(task)
        except ReconciliationError as err:
            console.print(f"[bold red]reconciliation failed after epoch {epoch}[/]: {err}")
            raise SystemExit(1) from None
    wall = time.monotonic() - started
    report = build_report(fleet, epochs, seed, wall, checked, f"{ecosystem.name}:{network.name}:{provider.name}")
    print_summary(console, fleet, report)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    pictures = charts(fleet, out)
    console.print(f"[green]reconciliation passed[/]: {checked:,} on-chain values equal the models after every epoch")
    console.print(f"wrote {out / 'report.json'} and {', '.join(str(c) for c in pictures)}")
