"""Receipt gasUsed of the ComputeToken's headline operations, with 1 and with 1,000 holders.

    ape run bench_gas --network ethereum:local:test        (make bench-gas)

Every figure is a fresh transaction's receipt on Ape's provider (Prague, storage cold at
the start of the transaction), next to its target and the published anchor. The same
operations are measured again after 1,000 more holders joined: the protocol's costs must
not grow with the number of holders. Writes reports/bench-gas.json.
"""

import json
import logging
from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand
from ape.logging import logger
from eth_account import Account

DAY = 86_400
ROWS = [
    # key, label, target, anchor
    ("transfer_restricted", "transfer, verified holders, restricted, stream running", 70_000, "ERC-3643 T-REX 231,359"),
    ("transfer_roll", "  the same, first action of an epoch (rolls the stream)", None, "-"),
    ("transfer_open", "transfer, restrictions off, stream running", 58_000, "Solady/OZ ERC-20 ~51,000"),
    ("claim", "claim to a receiver already holding the stablecoin", 60_000, "Synthetix getReward ~107,000+"),
    ("deposit_first", "deposit_revenue, first of an epoch", 70_000, "Synthetix notifyRewardAmount 67,000-119,000"),
    ("deposit_next", "deposit_revenue, later in the epoch", 70_000, "Synthetix notifyRewardAmount 67,000-119,000"),
    ("create_token", "ComputeFactory.create_token (blueprint)", None, "-"),
]


def _suite():
    admin, investor, holder, depositor, receiver = list(accounts.test_accounts)[:5]
    stable = project.MockStablecoin.deploy("ComputeRWA Mock USD", "mUSD", sender=admin)
    identity = project.IdentityRegistry.deploy(sender=admin)
    blueprint = admin.declare(project.ComputeToken).contract_address
    factory = project.ComputeFactory.deploy(blueprint, stable, identity, chain.blocks.head.timestamp, DAY, sender=admin)
    receipt = factory.create_token(1, "ComputeRWA Node 1", "CN1", b"\x01" * 32, admin, admin, admin, sender=admin)
    token = project.ComputeToken.at(factory.token_of(1))
    for account in (investor, holder):
        identity.set_verified(account, 2**40, sender=admin)
        # an odd supply, so the accumulator's remainder changes on every release, as it
        # does with any real cap table (a round supply would make that write free)
        token.mint(account, 10**21 + 1, sender=admin)
    stable.mint(depositor, 10**15, sender=admin)
    stable.mint(receiver, 1, sender=admin)  # the claim receiver already holds the stablecoin
    stable.approve(token, 2**256 - 1, sender=depositor)
    return {
        "admin": admin,
        "investor": investor,
        "holder": holder,
        "depositor": depositor,
        "receiver": receiver,
        "token": token,
        "create_token": receipt.gas_used,
    }


def _measure(s) -> dict[str, int]:
    token, admin = s["token"], s["admin"]
    gas = {"create_token": s["create_token"]}
    # a new epoch: the first deposit queues, the next adds to the queue
    chain.pending_timestamp = token.GENESIS() + (token.current_epoch() + 1) * DAY + 1
    gas["deposit_first"] = token.deposit_revenue(10**9, sender=s["depositor"]).gas_used
    gas["deposit_next"] = token.deposit_revenue(10**9, sender=s["depositor"]).gas_used
    chain.pending_timestamp = chain.blocks.head.timestamp + DAY // 2 + DAY  # mid next epoch: streaming
    gas["transfer_roll"] = token.transfer(s["holder"], 10**15, sender=s["investor"]).gas_used
    gas["transfer_restricted"] = token.transfer(s["holder"], 10**15, sender=s["investor"]).gas_used
    token.set_restricted(False, sender=admin)
    gas["transfer_open"] = token.transfer(s["holder"], 10**15, sender=s["investor"]).gas_used
    token.set_restricted(True, sender=admin)
    gas["claim"] = token.claim(s["receiver"], sender=s["investor"]).gas_used
    return gas


def _add_holders(s, count: int) -> None:
    token, admin = s["token"], s["admin"]
    token.set_restricted(False, sender=admin)
    for i in range(count):
        token.mint(Account.from_key((i + 1).to_bytes(32, "big")).address, 10**18 + i, sender=admin)
    token.set_restricted(True, sender=admin)


@click.command(cls=ConnectedProviderCommand, help=__doc__)
@click.option("--holders", default=1_000, show_default=True, help="holders added for the second measurement")
@click.option("--out", default="reports/bench-gas.json", show_default=True, type=click.Path(path_type=Path))
def cli(ecosystem, network, provider, holders, out):
    logger.set_level(logging.WARNING)
    suite = _suite()
    few = _measure(suite)
    click.echo(f"adding {holders:,} holders ...")
    _add_holders(suite, holders)
    many = _measure(suite)

    click.echo(f"\nreceipt gasUsed on {ecosystem.name}:{network.name}:{provider.name}")
    header = f"{'operation':<56} {'2 holders':>10} {f'{holders + 2:,} holders':>14} {'target':>8}  anchor"
    click.echo(header)
    click.echo("-" * len(header))
    report = []
    for key, label, target, anchor in ROWS:
        verdict = "" if target is None else ("  ok" if many[key] <= target else "  OVER")
        shown = "-" if target is None else f"{target:,}"
        click.echo(f"{label:<56} {few[key]:>10,} {many[key]:>14,} {shown:>8}  {anchor}{verdict}")
        report.append(
            {"operation": key, "label": label, "gas": few[key], "gas_many_holders": many[key], "target": target}
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"holders": holders + 2, "rows": report}, indent=2) + "\n")
    click.echo(f"wrote {out}")
