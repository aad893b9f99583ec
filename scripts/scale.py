"""Scale on paper: daily gas and cost of N nodes x M customers on an L1 and an L2.

    ape run scale --nodes 1000 --customers 100000 --inferences 200
    ape run scale --l1-gwei 12 --l2-gwei 0.005 --eth-usd 3200

From measured receipt gas (`make bench-gas` writes reports/bench-gas-*.json; without
them, the figures recorded in computerwa/sim/scale.py): each customer settles one
cumulative voucher a day per node it used, each node gets one 3-of-5 oracle report a
day. Shows, per settlement batch size, the daily gas, the daily cost and the cost per
inference on each network: the per-inference cost falls as vouchers batch.
"""

import click

from computerwa.sim.scale import Prices, measured, table


@click.command(help=__doc__)
@click.option("--nodes", default=1_000, show_default=True, type=click.IntRange(min=1))
@click.option("--customers", default=100_000, show_default=True, type=click.IntRange(min=1))
@click.option("--inferences", default=200, show_default=True, type=click.IntRange(min=1), help="per customer per day")
@click.option("--nodes-per-customer", default=2, show_default=True, type=click.IntRange(min=1))
@click.option("--l1-gwei", default=10.0, show_default=True, type=click.FloatRange(min=0))
@click.option("--l2-gwei", default=0.01, show_default=True, type=click.FloatRange(min=0))
@click.option("--eth-usd", default=3_000.0, show_default=True, type=click.FloatRange(min=0))
def cli(nodes, customers, inferences, nodes_per_customer, l1_gwei, l2_gwei, eth_usd):
    per_voucher, oracle, _ = measured()
    networks = [Prices("L1", l1_gwei, eth_usd), Prices("L2", l2_gwei, eth_usd)]
    rows = table(nodes, customers, inferences, nodes_per_customer, networks, per_voucher, oracle)
    click.echo(
        f"{nodes:,} nodes, {customers:,} customers x {inferences} inferences/day, {nodes_per_customer} nodes each; "
        f"L1 {l1_gwei} gwei, L2 {l2_gwei} gwei, ETH ${eth_usd:,.0f}"
    )
    header = (
        f"{'batch':>6} {'gas/day':>16} {'L1 $/day':>14} {'L1 $/inference':>15} {'L2 $/day':>11} {'L2 $/inference':>15}"
    )
    click.echo(header)
    click.echo("-" * len(header))
    for row in rows:
        l1, l2 = row["L1"], row["L2"]
        click.echo(
            f"{row['batch']:>6} {row['daily_gas']:>16,} {l1['daily_usd']:>14,.2f} {l1['usd_per_inference']:>15.6f}"
            f" {l2['daily_usd']:>11,.2f} {l2['usd_per_inference']:>15.8f}"
        )
