"""Where a Settlement or NodeOffering transaction's gas goes, statement by statement.

    ape run profile --network ethereum:local:test                       (settle of 1 voucher)
    ape run profile --network ethereum:local:test --operation settle_50
    ape run profile --network ethereum:local:test --operation pay_with_authorization
    ape run profile --network ethereum:local:test --operation offering_buy
    ape run profile --network ethereum:local:test --operation offering_claim_shares

Settlement operations build `make bench`'s Settlement scenario (5 nodes, 20 customers, every
channel opened); `offering_*` operations run `make bench`'s NodeOffering scenario and
profile its row of that name. The one operation is sent with
`computerwa.tooling.gasprofile.GasRecorder` hooked into py-evm, and its receipt gas is printed
split by source statement (of every contract it runs, the stablecoin and the node tokens
included), largest first, plus what is outside the EVM (intrinsic gas and calldata, minus
refunds). The figures add up to the receipt. Needs Ape's embedded provider, whose EVM is
py-evm.
"""

import logging

import click
from ape.logging import logger

from computerwa.evm.cli import ProviderCommand
from computerwa.tooling import bench
from computerwa.tooling.gasprofile import GasRecorder, profile

SETTLEMENT = ("settle_1", "settle_50", "pay_with_authorization")
# bench.offering_gas()'s rows, in the order it measures them
OFFERING = (
    "offering_buy",
    "offering_buy_again",
    "offering_buy_with_authorization",
    "offering_claim_shares",
    "offering_refund",
    "offering_claim_shares_holder",
    "offering_claim_batch_1",
    "offering_confirm_burn_in",
    "offering_withdraw_proceeds",
    "offering_exit",
    "offering_sweep",
)
OPERATIONS = SETTLEMENT + OFFERING


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
    if operation in SETTLEMENT:
        scenario = bench.SettlementBench()
        scenario.settle(100)  # opens every channel and the nodes' revenue epochs, as `make bench` does
    # one recorder per measured transaction, in the order the scenario measures them
    measurements: list[tuple[GasRecorder, int, bytes]] = []
    measured = bench._gas
    rows_measured: list[str] = []  # an offering scenario's row names, in the order measured

    def recorded(send):
        bench._next_second()
        recorder = GasRecorder()
        recorder.install()
        try:
            receipt = send()
        finally:
            recorder.uninstall()
        measurements.append((recorder, receipt.gas_used, bytes(receipt.transaction.data)))
        return receipt.gas_used

    bench._gas = recorded
    try:
        if operation == "settle_1":
            scenario.settle(1)
        elif operation == "settle_50":
            scenario.settle(50)
        elif operation == "pay_with_authorization":
            scenario.pay(3)
        else:
            rows_measured = list(bench.offering_gas())
    finally:
        bench._gas = measured
    recorder, gas, calldata = measurements[rows_measured.index(operation) if operation in OFFERING else 0]
    rows = profile(recorder, gas, calldata)
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
