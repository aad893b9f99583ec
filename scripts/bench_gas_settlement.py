"""Receipt gasUsed of Settlement: vouchers settled one by one and in batches, direct payments.

    ape run bench_gas_settlement --network ethereum:local:test        (part of make bench-gas)

Five nodes with their ComputeTokens (each with a holder), 20 customers with prepaid
balances. Every figure is a fresh transaction's receipt on Ape's provider (Prague,
storage cold at the start of the transaction). "steady" vouchers raise the cumulative
amount of a (customer, node) channel that was settled before, in an epoch whose revenue
queue the nodes' tokens already hold, which is the everyday case; the first voucher of
a channel and the first payment of an epoch to a node cost more (new storage slots) and
are shown apart. Batches spread their vouchers evenly over the five nodes.
Writes reports/bench-gas-settlement.json.
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

from computerwa.settlement import Voucher, deposit_authorization, payment_authorization, sign_voucher
from computerwa.signing import Domain, sign

DAY = 86_400
NODES = 5
CUSTOMERS = 20
BATCHES = (1, 10, 50, 100)
DOLLAR = 10**6
TARGETS = {
    "settle_one": (90_000, "Raiden IOU claim 103,552"),
    "batch_50_per_voucher": (15_000, "Raiden bulk claim ~11,700 per extra IOU"),
    "pay_with_authorization": (110_000, "x402r authorize + capture 332,489"),
}


class Bench:
    def __init__(self):
        self.admin, self.relayer, self.investor = list(accounts.test_accounts)[:3]
        self.operators = list(accounts.test_accounts)[3 : 3 + NODES]
        self.customers = [Account.from_key(keccak(b"bench customer %d" % i)) for i in range(CUSTOMERS)]
        admin = self.admin
        genesis = chain.blocks.head.timestamp - 40 * DAY
        self.stable = project.MockStablecoin.deploy("ComputeRWA Mock USD", "mUSD", sender=admin)
        identity = project.IdentityRegistry.deploy(sender=admin)
        blueprint = admin.declare(project.ComputeToken).contract_address
        factory = project.ComputeFactory.deploy(blueprint, self.stable, identity, genesis, DAY, sender=admin)
        attestors = sorted(
            (Account.from_key(keccak(b"bench attestor %d" % i)) for i in range(5)), key=lambda k: int(k.address, 16)
        )
        oracle = project.AttestationOracle.deploy([k.address for k in attestors], 3, genesis, DAY, sender=admin)
        self.registry = project.NodeRegistry.deploy(factory, self.stable, oracle, 3 * DAY, 2_000, sender=admin)
        factory.set_creator(self.registry, True, sender=admin)
        self.settlement = project.Settlement.deploy(self.stable, self.registry, admin, 250, 2 * DAY, sender=admin)
        self.domain = Domain.of(self.settlement)
        identity.set_verified(self.investor, 2**40, sender=admin)
        self.nodes = []
        for operator in self.operators:
            receipt = self.registry.register_node(
                "asia-southeast", "H100-SXM", 8, 2_500, 3_000, 9_900, "ipfs://bench", sender=operator
            )
            node_id = receipt.events.filter(self.registry.NodeRegistered)[0].node_id
            token = project.ComputeToken.at(self.registry.node(node_id).token)
            token.mint(self.investor, 10**21 + 1, sender=admin)
            self.nodes.append(node_id)
        stable_domain = Domain.of(self.stable)
        far = chain.blocks.head.timestamp + 365 * DAY
        for index, customer in enumerate(self.customers):
            self.stable.mint(customer.address, 10**6 * DOLLAR, sender=admin)
            nonce = keccak(b"bench deposit %d" % index)
            settlement = self.settlement.address
            doc = deposit_authorization(stable_domain, customer.address, settlement, 10**5 * DOLLAR, nonce, 0, far)
            signature = sign(customer, doc)
            self.settlement.deposit_with_authorization(
                customer.address, 10**5 * DOLLAR, 0, far, nonce, *signature.vrs, sender=self.relayer
            )
        self.cumulative = {}
        self.deadline = far

    def vouchers(self, count: int, step: int = DOLLAR):
        """`count` vouchers, the k-th for node k % 5 and customer k // 5, each owing `step` more."""
        chosen = []
        for k in range(count):
            customer, node = self.customers[k // NODES], self.nodes[k % NODES]
            key = (customer.address, node)
            self.cumulative[key] = self.cumulative.get(key, 0) + step + k  # odd amounts: real splits
            voucher = Voucher(customer.address, node, self.cumulative[key], self.deadline)
            chosen.append((voucher, sign_voucher(self.domain, voucher, customer)))
        return [v.as_tuple() for v, _ in chosen], [s for _, s in chosen]

    def settle(self, count: int) -> int:
        vouchers, signatures = self.vouchers(count)
        return self.settlement.settle(vouchers, signatures, sender=self.relayer).gas_used

    def pay(self, index: int) -> int:
        customer, node = self.customers[index], self.nodes[index % NODES]
        salt = keccak(b"bench payment %d" % index)
        amount = 12 * DOLLAR + index
        doc = payment_authorization(
            Domain.of(self.stable), customer.address, self.settlement.address, amount, node, salt, 0, self.deadline
        )
        signature = sign(customer, doc)
        receipt = self.settlement.pay_with_authorization(
            node, customer.address, amount, 0, self.deadline, salt, *signature.vrs, sender=self.relayer
        )
        return receipt.gas_used


@click.command(cls=ConnectedProviderCommand, help=__doc__)
@click.option("--out", default="reports/bench-gas-settlement.json", show_default=True, type=click.Path(path_type=Path))
def cli(ecosystem, network, provider, out):
    logger.set_level(logging.WARNING)
    bench = Bench()
    gas = {}
    # channels opened, and each node's first payment of the epoch: 100 vouchers
    gas["open_channels_100"] = bench.settle(100)
    gas["settle_one_first_of_channel"] = None
    gas["settle_one"] = bench.settle(1)
    for size in BATCHES:
        gas[f"batch_{size}"] = bench.settle(size)
    gas["pay_with_authorization"] = bench.pay(3)
    # a channel that was never settled: a customer's first voucher for node 2
    extra = Account.from_key(keccak(b"bench newcomer"))
    bench.customers.append(extra)
    bench.stable.mint(extra.address, 1_000 * DOLLAR, sender=bench.admin)
    nonce = keccak(b"bench newcomer deposit")
    doc = deposit_authorization(
        Domain.of(bench.stable), extra.address, bench.settlement.address, 500 * DOLLAR, nonce, 0, bench.deadline
    )
    signature = sign(extra, doc)
    gas["deposit_with_authorization"] = bench.settlement.deposit_with_authorization(
        extra.address, 500 * DOLLAR, 0, bench.deadline, nonce, *signature.vrs, sender=bench.relayer
    ).gas_used
    voucher = Voucher(extra.address, bench.nodes[1], 3 * DOLLAR, bench.deadline)
    gas["settle_one_first_of_channel"] = bench.settlement.settle(
        [voucher.as_tuple()], [sign_voucher(bench.domain, voucher, extra)], sender=bench.relayer
    ).gas_used
    # the first payment to a node in a new epoch also rolls its token's revenue stream
    chain.pending_timestamp = chain.blocks.head.timestamp + DAY
    gas["settle_one_first_of_epoch"] = bench.settle(1)

    per_voucher = {size: gas[f"batch_{size}"] / size for size in BATCHES}
    gas["batch_50_per_voucher"] = round(per_voucher[50])
    click.echo(f"\nSettlement, receipt gasUsed on {ecosystem.name}:{network.name}:{provider.name}")
    rows = [
        ("settle_one", "settle: 1 voucher (existing channel)"),
        ("settle_one_first_of_channel", "  the first voucher of a (customer, node) channel"),
        ("settle_one_first_of_epoch", "  the first payment to a node in a new epoch"),
        ("batch_50_per_voucher", "settle: 50 vouchers over 5 nodes, per voucher"),
        ("pay_with_authorization", "pay_with_authorization (EIP-3009, new nonce)"),
        ("deposit_with_authorization", "deposit_with_authorization (EIP-3009, new nonce)"),
    ]
    header = f"{'operation':<52} {'gas':>9} {'target':>9}  {'':4} anchor"
    click.echo(header)
    click.echo("-" * len(header))
    for key, label in rows:
        target, anchor = TARGETS.get(key, (None, "-"))
        verdict = "" if target is None else ("ok" if gas[key] <= target else "OVER")
        click.echo(f"{label:<52} {gas[key]:>9,} {'' if target is None else f'{target:,}':>9}  {verdict:4} {anchor}")
    click.echo(f"\n{'batch size':>10} {'gas':>11} {'per voucher':>12}")
    for size in BATCHES:
        click.echo(f"{size:>10} {gas[f'batch_{size}']:>11,} {per_voucher[size]:>12,.0f}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"gas": gas, "per_voucher": {str(k): round(v) for k, v in per_voucher.items()}, "targets": TARGETS},
            indent=2,
        )
        + "\n"
    )
    click.echo(f"wrote {out}")
