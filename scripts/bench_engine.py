"""Transactions per second of one token-transfer loop on each engine, side by side.

    ape run bench_engine --network ethereum:local:test          (make bench)

The loop is the same on every row: `MockStablecoin.transfer(receiver, 1)` (snekmate's
ERC-20 underneath) from a funded holder, each transaction decoded (events, return value).
Rows: the in-process engine (RevmChain), Ape's provider through the same adapter, and
Ape's provider called natively. Prints a table and writes reports/bench-engine.json.
"""

import json
import platform
import time
from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand

from computerwa.ape_chain import ApeChain
from computerwa.engine import RevmChain


def _transfer_loop(chain, transfers: int) -> tuple[float, int]:
    holder, receiver = chain.accounts[0], chain.accounts[1]
    token = chain.deploy("MockStablecoin", "Bench USD", "bUSD", sender=holder)
    token.mint(holder, 10**18, sender=holder)
    started = time.perf_counter()
    for _ in range(transfers):
        receipt = token.transfer(receiver, 1, sender=holder)
    elapsed = time.perf_counter() - started
    assert receipt.events[0].name == "Transfer"
    assert token.balanceOf(receiver) == transfers, "every transfer must have landed"
    return transfers / elapsed, transfers


def _native_ape_loop(transfers: int) -> tuple[float, int]:
    from ape import accounts

    holder, receiver = accounts.test_accounts[0], accounts.test_accounts[1]
    token = project.MockStablecoin.deploy("Bench USD", "bUSD", sender=holder)
    token.mint(holder, 10**18, sender=holder)
    started = time.perf_counter()
    for _ in range(transfers):
        receipt = token.transfer(receiver, 1, sender=holder)
        _ = receipt.events
    elapsed = time.perf_counter() - started
    assert token.balanceOf(receiver) == transfers, "every transfer must have landed"
    return transfers / elapsed, transfers


@click.command(cls=ConnectedProviderCommand, help=__doc__)
@click.option("--engine-transfers", default=20_000, show_default=True, help="transfers on the in-process engine")
@click.option("--ape-transfers", default=200, show_default=True, help="transfers on Ape's provider (slow)")
@click.option("--out", default="reports/bench-engine.json", show_default=True, type=click.Path(path_type=Path))
def cli(ecosystem, network, provider, engine_transfers, ape_transfers, out):
    import logging

    from ape.logging import logger

    logger.set_level(logging.WARNING)  # Ape logs every confirmation otherwise
    project.load_contracts()
    rows = []
    rate, n = _transfer_loop(RevmChain(), engine_transfers)
    rows.append(("in-process engine (pyrevm, RevmChain)", n, rate))
    rate, n = _transfer_loop(ApeChain(), ape_transfers)
    rows.append((f"Ape {provider.name} provider via ApeChain", n, rate))
    rate, n = _native_ape_loop(ape_transfers)
    rows.append((f"Ape {provider.name} provider, native calls", n, rate))

    width = max(len(r[0]) for r in rows)
    click.echo(f"{'engine':<{width}}  {'transfers':>9}  {'tx/s':>9}")
    for name, n, rate in rows:
        click.echo(f"{name:<{width}}  {n:>9,}  {rate:>9,.0f}")
    click.echo(f"engine / Ape speed-up: {rows[0][2] / rows[2][2]:,.0f}x")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "loop": "MockStablecoin.transfer(receiver, 1), decoded",
                "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
                "rows": [{"engine": name, "transfers": n, "tx_per_s": round(rate, 1)} for name, n, rate in rows],
            },
            indent=2,
        )
        + "\n"
    )
    click.echo(f"wrote {out}")
