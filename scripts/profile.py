"""Where a Settlement transaction's gas goes, statement by statement.

    ape run profile --network ethereum:local:test                       (settle of 1 voucher)
    ape run profile --network ethereum:local:test --operation settle_50
    ape run profile --network ethereum:local:test --operation pay_with_authorization

Builds `make bench`'s Settlement scenario (5 nodes, 20 customers, every channel opened),
then sends the one operation with `computerwa.tooling.gasprofile.GasRecorder` hooked into py-evm
and prints its receipt gas split by source statement (of every contract it runs,
the stablecoin and the node tokens included), largest first, plus what is outside the
EVM (intrinsic gas and calldata, minus refunds). The figures add up to the receipt.
Needs Ape's embedded provider, whose EVM is py-evm.
"""

import logging

import click
from ape.logging import logger

from computerwa.evm.cli import ProviderCommand
from computerwa.tooling import bench
from computerwa.tooling.gasprofile import GasRecorder, profile

OPERATIONS = ("settle_1", "settle_50", "pay_with_authorization")


@click.command(cls=ProviderCommand, help=__doc__)
@click.option("--operation", type=click.Choice(OPERATIONS), default="settle_1", show_default=True)
@click.option("--top", default=30, show_default=True, help="rows to print (the rest are summed)")
def cli(ecosystem, network, provider, operation, top):
    if provider.name != "test":
        raise click.ClickException(
            f"profile hooks py-evm, the EVM of Ape's embedded provider: run it with "
            f"--network ethereum:local:test (not {provider.name})"
        )
    logger.set_level(logging.WARNING)
    scenario = bench.SettlementBench()
    scenario.settle(100)  # opens every channel and the nodes' revenue epochs, as `make bench` does
    recorder = GasRecorder()
    measured = bench._gas
    calldata = []

    def recorded(send):
        bench._next_second()
        recorder.install()
        try:
            receipt = send()
        finally:
            recorder.uninstall()
        calldata.append(bytes(receipt.transaction.data))
        return receipt.gas_used

    bench._gas = recorded
    try:
        if operation == "settle_1":
            gas = scenario.settle(1)
        elif operation == "settle_50":
            gas = scenario.settle(50)
        else:
            gas = scenario.pay(3)
    finally:
        bench._gas = measured
    rows = profile(recorder, gas, calldata[0])
    refund, intrinsic = rows.pop(), rows.pop()
    click.echo(f"{operation}: receipt gasUsed {gas:,}\n")
    click.echo(f"{'gas':>9} {'%':>5}  {'where':<34} statement")
    for row in rows[:top]:
        click.echo(f"{row.gas:>9,} {100 * row.gas / gas:>5.1f}  {row.where:<34} {row.code[:70]}")
    rest = sum(row.gas for row in rows[top:])
    if rest:
        click.echo(f"{rest:>9,} {100 * rest / gas:>5.1f}  ({len(rows) - top} more statements)")
    for row in (intrinsic, refund):
        click.echo(f"{row.gas:>9,} {100 * row.gas / gas:>5.1f}  {row.where}")
