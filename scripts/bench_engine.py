"""Transactions per second of one token-transfer loop on each engine, side by side.

    ape run bench_engine --network ethereum:local:test          (the engine rows of `ape run bench`)

The loop is the same on every row: `MockStablecoin.transfer(receiver, 1)` (snekmate's
ERC-20 underneath) from a funded holder, each transaction decoded (events, return value).
Rows: the in-process engine (RevmChain), Ape's provider through the same adapter, and
Ape's provider called natively (computerwa.tooling.bench.engine_rates). Prints a table and writes
reports/bench-engine.json.

    python scripts/bench_engine.py --micro [--calls 20000] [--signatures 2000]
    python scripts/bench_engine.py --machines token,oracle [--examples 100 --steps 50 --seed 1]

The per-call costs of the in-process engine alone (no Ape provider): views returning a word,
a struct and dynamic values, a view taking a struct, a transaction, and the EIP-712 signing
and recovery the state machines do (computerwa.client.signing / attestation), in calls per
second; or each state machine's test cases per second, the same cases on any version of
computerwa/ (see machine_rates). Run it on two checkouts to compare them.
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


# --- the in-process microbenchmark (`python scripts/bench_engine.py --micro`) ----------------------
def micro_rates(calls: int, signatures: int) -> list[tuple[str, int, float]]:
    """(what, repetitions, per second) of each engine and signing operation."""
    from computerwa.client.attestation import PerformanceReport, recover, sign_report
    from computerwa.client.deployment import demo_attestors
    from computerwa.client.signing import Domain, permit, sign
    from computerwa.evm.engine import RevmChain
    from computerwa.evm.suite import deploy_suite

    chain = RevmChain()
    issuer, holder, receiver = chain.accounts[:3]
    attestors = demo_attestors(5)
    suite = deploy_suite(chain, issuer, attestors=attestors, threshold=3)
    stable, settlement, oracle = suite.stablecoin, suite.settlement, suite.oracle
    stable.mint(holder, 10**24, sender=issuer)
    voucher = (holder.address, 1, 10**6, 2**40)
    stable_domain, oracle_domain = Domain.of(stable), Domain.of(oracle)
    document = permit(stable_domain, holder.address, receiver.address, 10**6, 0, 2**40)
    report = PerformanceReport(1, 2, 9_990, 7_200, 38, 512_000, 1_200_000, 2**40)
    reports = [PerformanceReport(1, i, 9_990, 7_200, 38, 512_000, 1_200_000, 2**40) for i in range(signatures + 1)]
    to_recover = iter([(r, sign_report(oracle_domain, r, attestors[:1])[0]) for r in reports])
    cases = [
        ("view -> uint256 (MockStablecoin.balanceOf)", calls, lambda: stable.balanceOf(holder)),
        ("view -> struct (Settlement.withdrawal_request)", calls, lambda: settlement.withdrawal_request(holder)),
        ("view -> string, uint256[] (eip712Domain)", calls, lambda: stable.eip712Domain()),
        ("view struct -> bytes32 (Settlement.voucher_digest)", calls, lambda: settlement.voucher_digest(voucher)),
        ("transaction (MockStablecoin.transfer)", calls, lambda: stable.transfer(receiver, 1, sender=holder)),
        ("EIP-712 sign (Permit)", signatures, lambda: sign(holder, document)),
        ("sign_report (3 attestors)", signatures, lambda: sign_report(oracle_domain, report, attestors[:3])),
        ("recover (oracle, a new signature each)", signatures, lambda: recover(oracle_domain, *next(to_recover))),
    ]
    rows = []
    for what, repetitions, run in cases:
        run()
        started = time.perf_counter()
        for _ in range(repetitions):
            run()
        rows.append((what, repetitions, repetitions / (time.perf_counter() - started)))
    return rows


def machine_rates(suites: list[str], examples: int, steps: int, seed: int) -> None:
    """Each state machine's test cases per second, on the same test cases whatever the
    version of computerwa/: Hypothesis 6.170 also draws literal constants it finds in every
    loaded local module (hypothesis.internal.constants_ast), so an edit anywhere in
    computerwa/ changes the cases a seed makes; here, as in `ape run fuzz`, no local module counts."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.append(root)
    from computerwa.evm.artifacts import load_artifacts
    from computerwa.evm.engine import RevmChain
    from computerwa.tooling.fuzz import pin_constant_pool, run_campaign
    from tests.fuzz.campaigns import CAMPAIGNS

    pin_constant_pool()

    artifacts = load_artifacts()
    for suite in suites:
        for label, build in CAMPAIGNS[suite]:
            factory = build(RevmChain(artifacts=artifacts))
            outcome = run_campaign(label, factory, examples=examples, steps=steps, seed=seed, every=1e9)
            verdict = "" if outcome.error is None else "  FAILED"
            click.echo(
                f"{label}: {outcome.test_cases:,} test cases in {outcome.seconds:.1f} s"
                f" = {outcome.test_cases / outcome.seconds:.1f}/s{verdict}"
            )


@click.command(name="micro")
@click.option("--micro", is_flag=True, help="run the in-process microbenchmark")
@click.option("--calls", default=20_000, show_default=True)
@click.option("--signatures", default=2_000, show_default=True)
@click.option("--machines", default=None, help="comma-separated suites: time their state machines instead")
@click.option("--examples", default=100, show_default=True)
@click.option("--steps", default=50, show_default=True)
@click.option("--seed", default=1, show_default=True)
def micro_cli(micro, calls, signatures, machines, examples, steps, seed):
    import computerwa

    click.echo(f"computerwa from {Path(computerwa.__file__).parent}")
    if machines:
        machine_rates(machines.split(","), examples, steps, seed)
        return
    if not micro:
        raise click.UsageError("--micro or --machines")
    rows = micro_rates(calls, signatures)
    width = max(len(r[0]) for r in rows)
    click.echo(f"{'operation':<{width}}  {'count':>7}  {'per s':>9}")
    for what, count, rate in rows:
        click.echo(f"{what:<{width}}  {count:>7,}  {rate:>9,.0f}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    micro_cli()
