"""Receipt gasUsed of AttestationOracle.submit, by number of signatures.

    ape run bench_gas_oracle --network ethereum:local:test        (part of make bench-gas)

A 32-attestor committee; every figure is a fresh transaction's receipt on Ape's provider
(Prague, storage cold at the start of the transaction). "steady" is a node's next report
(its last-epoch slot already written); "first" is a node's first report ever, which also
creates that slot (a one-time 20,000 more). The per-signature figure is the slope from 3
to 32 signatures. Writes reports/bench-gas-oracle.json.
"""

import json
import logging
from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand
from ape.logging import logger
from eth_account import Account
from eth_utils import keccak

from computerwa.attestation import PerformanceReport, sign_report
from computerwa.signing import Domain

DAY = 86_400
COMMITTEE = 32
COUNTS = (3, 4, 5, 8, 16, 32)
TARGET_THREE, TARGET_EXTRA = 85_000, 5_000


def _committee():
    return [Account.from_key(keccak(b"bench attestor %d" % i)) for i in range(COMMITTEE)]


def _report(node_id: int, epoch: int, deadline: int) -> PerformanceReport:
    # realistic, non-zero metrics (calldata costs what real reports cost)
    return PerformanceReport(node_id, epoch, 9_987, 7_312, 41, 512_345, 1_234_567, deadline)


@click.command(cls=ConnectedProviderCommand, help=__doc__)
@click.option("--out", default="reports/bench-gas-oracle.json", show_default=True, type=click.Path(path_type=Path))
def cli(ecosystem, network, provider, out):
    logger.set_level(logging.WARNING)
    owner, relayer = list(accounts.test_accounts)[:2]
    keys = _committee()
    genesis = chain.blocks.head.timestamp - 40 * DAY
    oracle = project.AttestationOracle.deploy([k.address for k in keys], 3, genesis, DAY, sender=owner)
    domain = Domain.of(oracle)
    deadline = chain.blocks.head.timestamp + 30 * DAY

    rows = []
    for count in COUNTS:
        node = 1_000 + count
        gas = []
        for epoch in (30, 31):  # the node's first report, then its next
            report = _report(node, epoch, deadline)
            signatures = sign_report(domain, report, keys[:count])
            gas.append(oracle.submit(report.as_tuple(), signatures, sender=relayer).gas_used)
        rows.append({"signatures": count, "steady": gas[1], "first": gas[0]})
    three = rows[0]["steady"]
    slope = (rows[-1]["steady"] - three) / (COUNTS[-1] - COUNTS[0])
    next_one = rows[1]["steady"] - three

    click.echo(f"\nAttestationOracle.submit, receipt gasUsed on {ecosystem.name}:{network.name}:{provider.name}")
    header = f"{'signatures':>10} {'steady':>10} {'first report':>13}"
    click.echo(header)
    click.echo("-" * len(header))
    for row in rows:
        click.echo(f"{row['signatures']:>10} {row['steady']:>10,} {row['first']:>13,}")
    verdict_three = "ok" if three <= TARGET_THREE else "OVER"
    verdict_extra = "ok" if max(slope, next_one) <= TARGET_EXTRA else "OVER"
    click.echo(f"\n3 signatures (steady): {three:,}  target {TARGET_THREE:,}  {verdict_three}  (EAS attest ~150,000)")
    click.echo(
        f"per extra signature: {next_one:,} (3 -> 4), {slope:,.0f} (slope 3 -> 32)  target {TARGET_EXTRA:,}"
        f"  {verdict_extra}  (RedStone ~5,400 per signer)"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = {"three_signatures": three, "per_extra_signature": round(slope), "next_signature": next_one}
    out.write_text(json.dumps({"committee": COMMITTEE, "rows": rows, **summary}, indent=2) + "\n")
    click.echo(f"wrote {out}")
