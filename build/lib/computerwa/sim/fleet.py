"""A fleet of compute nodes earning on-chain, epoch by epoch, reconciled with the models.

`scripts/simulate.py` (the project's main job) drives it through Ape. Everything random
comes from one seeded `random.Random`, so a seed replays the same run on any chain.

Per epoch: customers in four regions use the node the quote picks for them (cheapest
active node of their region whose latest report is fresh and meets its SLA), and owe it
cumulative vouchers they sign as usage grows; at the end of the epoch a relayer settles
every latest voucher in one batch, a few customers pay one-shot EIP-3009 payments
instead, and low balances are topped up by EIP-3009 deposits. When the epoch has ended,
the 3-of-5 attestor committee signs each node's performance (uptime from its outage
rate, utilization from the work it served, latency, energy from its GPUs' power);
anyone slashes a node that missed its SLA; investors trade shares and claim revenue.
Then every balance, claimable amount and bond on-chain is compared with the Python
models (SettlementModel, one RevenueModel per token) to the wei.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_utils import keccak

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.deployment import demo_attestors
from computerwa.client.quote import ACTIVE, UNITS_PER_PRICE, LatestReport, NodeInfo, rank
from computerwa.client.signing import Domain, sign
from computerwa.client.vouchers import Voucher, deposit_authorization, payment_authorization, sign_voucher
from computerwa.models.registry import slash_amount
from computerwa.models.revenue import RevenueModel
from computerwa.models.settlement import SettlementModel
from computerwa.sim.regions import GPUS, REGIONS, demand_factor

DOLLAR = 10**6
SHARE = 10**18
TOKENS_PER_NODE = 1_000 * SHARE
HOUR = 3_600


class ReconciliationError(Exception):
    """The chain and the models disagree; the message lists every difference."""


@dataclass
class NodeSpec:
    node_id: int
    operator: Any
    region: str
    gpu_model: str
    gpu_count: int
    price: int  # stablecoin base units per 1,000 work units
    outage_rate: float  # chance of an outage in an epoch
    operator_share_bps: int
    sla_uptime_bps: int
    power_cost: float  # dollars per kWh, for the operator's margin in the report
    token: Any = None

    @property
    def capacity(self) -> int:
        return self.gpu_count * GPUS[self.gpu_model][1]


@dataclass
class Stats:
    revenue: dict = field(default_factory=lambda: defaultdict(int))  # node -> paid to it
    holders: dict = field(default_factory=lambda: defaultdict(int))  # node -> holders' share
    operator: dict = field(default_factory=lambda: defaultdict(int))
    fees: int = 0
    uptime: dict = field(default_factory=lambda: defaultdict(list))  # node -> [bps per epoch]
    slashes: dict = field(default_factory=lambda: defaultdict(list))  # node -> [(epoch, amount)]
    energy_wh: dict = field(default_factory=lambda: defaultdict(int))
    work: dict = field(default_factory=lambda: defaultdict(int))
    gas: dict = field(default_factory=lambda: defaultdict(list))  # operation -> [gas]
    gas_per_epoch: list = field(default_factory=list)
    revenue_per_epoch: list = field(default_factory=list)  # [{node: cumulative}]
    claimed: int = 0
    transactions: int = 0
    vouchers: int = 0
    direct_payments: int = 0
    skipped: int = 0


class Fleet:
    def __init__(self, suite, project, chain, accounts, *, nodes: int, investors: int, customers: int, seed: int):
        self.suite, self.project, self.chain = suite, project, chain
        self.rng = random.Random(seed)
        test_accounts = list(accounts)
        self.issuer, self.relayer = test_accounts[0], test_accounts[1]
        operators = test_accounts[2:6]
        self.investors = test_accounts[6 : 6 + investors]
        self.customers = [Account.from_key(keccak(b"ComputeRWA simulated customer %d" % i)) for i in range(customers)]
        self.customer_region = {c.address: list(REGIONS)[i % len(REGIONS)] for i, c in enumerate(self.customers)}
        self.attestors = demo_attestors()
        self.stats = Stats()
        self.epoch_length = suite.factory.EPOCH_LENGTH()
        self.genesis = suite.factory.GENESIS()
        self.settlement_domain = Domain.of(suite.settlement)
        self.stable_domain = Domain.of(suite.stablecoin)
        self.oracle_domain = Domain.of(suite.oracle)
        self.model = SettlementModel(suite.settlement.treasury(), suite.settlement.fee_bps(), 0)
        self.revenue: dict[int, RevenueModel] = {}
        self.bonds: dict[int, int] = {}
        self.cumulative: dict[tuple[str, int], int] = defaultdict(int)
        self.reports: dict[int, tuple[int, int, int, int]] = {}  # node -> (epoch, uptime, latency, submitted at)
        self.status: dict[int, int] = defaultdict(lambda: ACTIVE)  # the fleet never pauses a node
        self.max_report_age = self.epoch_length  # a quote trusts the report of the epoch before
        self.nonce = 0
        self.nodes: list[NodeSpec] = []
        regions = list(REGIONS)
        for i in range(nodes):
            gpu = self.rng.choice(list(GPUS))
            self.nodes.append(
                NodeSpec(
                    node_id=0,
                    operator=operators[i % len(operators)],
                    region=regions[i % len(regions)],
                    gpu_model=gpu,
                    gpu_count=self.rng.choice([2, 4, 8]),
                    price=int(
                        DOLLAR
                        * {"H100-SXM": 0.9, "A100-80G": 0.6, "L40S": 0.45, "RTX-4090": 0.3}[gpu]
                        * self.rng.uniform(0.85, 1.15)
                    ),
                    outage_rate=self.rng.choice([0.02, 0.05, 0.1, 0.25]),
                    operator_share_bps=self.rng.choice([2_000, 3_000, 4_000]),
                    sla_uptime_bps=self.rng.choice([9_500, 9_800, 9_900]),
                    power_cost=self.rng.uniform(0.06, 0.18),
                )
            )

    # --- transactions -----------------------------------------------------------------------
    def send(self, operation: str, call, *args, **kwargs):
        receipt = call(*args, **kwargs)
        self.stats.gas[operation].append(receipt.gas_used)
        self.stats.transactions += 1
        self._epoch_gas += receipt.gas_used
        return receipt

    def timestamp_of(self, receipt) -> int:
        return self.chain.blocks[receipt.block_number].timestamp

    def fresh_salt(self) -> bytes:
        self.nonce += 1
        return keccak(b"ComputeRWA simulation salt %d" % self.nonce)

    # --- setup ------------------------------------------------------------------------------
    def setup(self) -> None:
        self._epoch_gas = 0
        s, issuer = self.suite, self.issuer
        until = self.chain.blocks.head.timestamp + 10 * 365 * 86_400
        for investor in self.investors:
            if not s.identity.is_verified(investor):
                self.send("verify investor", s.identity.set_verified, investor, until, sender=issuer)
        bond = 2_000 * DOLLAR
        for spec in self.nodes:
            receipt = self.send(
                "register_node",
                s.registry.register_node,
                spec.region,
                spec.gpu_model,
                spec.gpu_count,
                spec.price,
                spec.operator_share_bps,
                spec.sla_uptime_bps,
                f"ipfs://computerwa/sim/{spec.region}/{spec.gpu_model}",
                sender=spec.operator,
            )
            spec.node_id = receipt.events.filter(s.registry.NodeRegistered)[0].node_id
            spec.token = self.project.ComputeToken.at(s.registry.node(spec.node_id).token)
            self.model.payees[spec.node_id] = (spec.operator.address, spec.operator_share_bps)
            model = RevenueModel(self.genesis, self.epoch_length, last_update=spec.token.last_update())
            self.revenue[spec.node_id] = model
            # the issuer places the node's 1,000 tokens with the investors
            weights = [self.rng.randint(1, 10) for _ in self.investors]
            left = TOKENS_PER_NODE
            for k, investor in enumerate(self.investors):
                shares = left if k == len(self.investors) - 1 else TOKENS_PER_NODE * weights[k] // sum(weights)
                left -= shares
                receipt = self.send("mint shares", spec.token.mint, investor, shares, sender=issuer)
                model.move(self.timestamp_of(receipt), None, investor.address, shares)
            self.send("mint stablecoin", s.stablecoin.mint, spec.operator, bond, sender=issuer)
            self.send("approve", s.stablecoin.approve, s.registry, bond, sender=spec.operator)
            self.send("post_bond", s.registry.post_bond, spec.node_id, bond, sender=spec.operator)
            self.bonds[spec.node_id] = bond
        for customer in self.customers:
            self.send("mint stablecoin", s.stablecoin.mint, customer.address, 5_000 * DOLLAR, sender=issuer)
            self.deposit(customer, 500 * DOLLAR)
        self.stats.gas_per_epoch.append(("setup", self._epoch_gas))

    def deposit(self, customer, amount: int) -> None:
        salt, now = self.fresh_salt(), self.chain.blocks.head.timestamp
        doc = deposit_authorization(
            self.stable_domain, customer.address, self.suite.settlement.address, amount, salt, 0, now + 10 * HOUR
        )
        signature = sign(customer, doc)
        self.send(
            "deposit_with_authorization",
            self.suite.settlement.deposit_with_authorization,
            customer.address,
            amount,
            0,
            now + 10 * HOUR,
            salt,
            *signature.vrs,
            sender=self.relayer,
        )
        self.model.credit(customer.address, amount)

    # --- one epoch --------------------------------------------------------------------------
    def quote(self, region: str) -> list[NodeSpec]:
        """The nodes a customer of `region` may use, best first, as `ape run quote` ranks
        them (`computerwa.client.quote.rank`: Active, latest report fresh and meeting the
        SLA, by price then attested latency): the region's own nodes, then other regions'.
        A node with no report yet is usable: the fleet is new in its first epoch."""
        now = self.chain.pending_timestamp
        nodes, reports = [], {}
        for spec in self.nodes:
            nodes.append(
                NodeInfo(
                    spec.node_id,
                    self.status[spec.node_id],
                    spec.region,
                    spec.gpu_model,
                    spec.gpu_count,
                    spec.price,
                    spec.sla_uptime_bps,
                )
            )
            last = self.reports.get(spec.node_id)
            if last is not None:
                epoch, uptime, latency, submitted_at = last
                fresh = now <= self.genesis + (epoch + 1) * self.epoch_length + self.max_report_age
                reports[spec.node_id] = LatestReport(epoch, uptime, latency, submitted_at, fresh)
        by_id = {spec.node_id: spec for spec in self.nodes}
        ranked = []
        for same_region in (True, False):
            offers = rank((n for n in nodes if (n.region == region) == same_region), reports, UNITS_PER_PRICE, True)
            ranked += [by_id[offer.node_id] for offer in offers.ranked]
        return ranked

    def run_epoch(self, epoch: int) -> None:
        self._epoch_gas = 0
        start = self.genesis + epoch * self.epoch_length
        self.chain.pending_timestamp = max(self.chain.blocks.head.timestamp + 1, start + HOUR)
        served: dict[int, int] = defaultdict(int)
        # demand: daily peaks differ by region; each customer routes to the quoted node
        # (customers in random order each day; a full node spills demand to the next best)
        for customer in self.rng.sample(self.customers, len(self.customers)):
            region = self.customer_region[customer.address]
            left = int(self.rng.lognormvariate(0, 0.5) * demand_factor(region, epoch) * 40_000)
            for spec in self.quote(region):
                units = min(left, spec.capacity - served[spec.node_id])
                if units <= 0:
                    continue
                served[spec.node_id] += units
                left -= units
                cost = units * spec.price // 1_000
                if self.rng.random() < 0.1:
                    self.pay_direct(customer, spec, cost)
                else:
                    self.cumulative[(customer.address, spec.node_id)] += cost
                if left == 0:
                    break
        # top-ups, then one batch for every latest voucher, late in the epoch
        for customer in self.customers:
            owed = sum(
                v - self.model.settled[(customer.address, n)]
                for (c, n), v in self.cumulative.items()
                if c == customer.address
            )
            if self.model.prepaid[customer.address] < owed:
                self.deposit(customer, max(owed - self.model.prepaid[customer.address], 200 * DOLLAR))
        self.chain.pending_timestamp = max(self.chain.blocks.head.timestamp + 1, start + 20 * HOUR)
        self.settle_all()
        # the epoch is over: reports, slashes, the market
        self.chain.pending_timestamp = max(self.chain.blocks.head.timestamp + 1, start + self.epoch_length + HOUR)
        for spec in self.nodes:
            self.attest(spec, epoch, served[spec.node_id])
        for spec in self.nodes:
            if self.reports[spec.node_id][1] < spec.sla_uptime_bps:
                self.slash(spec, epoch)
        self.trade_and_claim()
        self.stats.gas_per_epoch.append((epoch, self._epoch_gas))
        self.stats.revenue_per_epoch.append(dict(self.stats.revenue))

    def pay_direct(self, customer, spec: NodeSpec, amount: int) -> None:
        salt, now = self.fresh_salt(), self.chain.blocks.head.timestamp
        doc = payment_authorization(
            self.stable_domain,
            customer.address,
            self.suite.settlement.address,
            amount,
            spec.node_id,
            salt,
            0,
            now + 10 * HOUR,
        )
        signature = sign(customer, doc)
        receipt = self.send(
            "pay_with_authorization",
            self.suite.settlement.pay_with_authorization,
            spec.node_id,
            customer.address,
            amount,
            0,
            now + 10 * HOUR,
            salt,
            *signature.vrs,
            sender=self.relayer,
        )
        self.stats.direct_payments += 1
        self.record_payment(self.model.pay(spec.node_id, amount), self.timestamp_of(receipt))

    def record_payment(self, payment, timestamp: int) -> None:
        self.stats.revenue[payment.node_id] += payment.amount
        self.stats.holders[payment.node_id] += payment.holders
        self.stats.operator[payment.node_id] += payment.operator
        self.stats.fees += payment.fee
        if payment.holders:
            self.revenue[payment.node_id].deposit(timestamp, payment.holders)

    def settle_all(self) -> None:
        deadline = self.chain.blocks.head.timestamp + self.epoch_length
        vouchers, signatures = [], []
        by_address = {c.address: c for c in self.customers}
        for (payer, node_id), cumulative in sorted(self.cumulative.items(), key=lambda item: item[0][1]):
            if cumulative > self.model.settled[(payer, node_id)]:
                voucher = Voucher(payer, node_id, cumulative, deadline)
                vouchers.append(voucher)
                signatures.append(sign_voucher(self.settlement_domain, voucher, by_address[payer]))
        for start in range(0, len(vouchers), 100):
            batch, sigs = vouchers[start : start + 100], signatures[start : start + 100]
            receipt = self.send(
                "settle (batch)",
                self.suite.settlement.settle,
                [v.as_tuple() for v in batch],
                sigs,
                sender=self.relayer,
            )
            self.stats.gas["settle, per voucher"].append(receipt.gas_used // len(batch))
            now = self.timestamp_of(receipt)
            outcomes, payments = self.model.settle(batch, [True] * len(batch), now)
            self.stats.vouchers += sum(1 for reason, _ in outcomes if reason == 0)
            self.stats.skipped += sum(1 for reason, _ in outcomes if reason != 0)
            for payment in payments:
                self.record_payment(payment, now)

    def attest(self, spec: NodeSpec, epoch: int, served: int) -> None:
        outage_hours = self.rng.uniform(0.5, 6) if self.rng.random() < spec.outage_rate else 0.0
        uptime = max(0, 10_000 - int(outage_hours / 24 * 10_000))
        utilization = min(10_000, served * 10_000 // max(spec.capacity, 1))
        power_w, _, latency = GPUS[spec.gpu_model]
        energy = int(spec.gpu_count * power_w * 24 * (0.3 + 0.7 * utilization / 10_000) * uptime / 10_000)
        latency += REGIONS[spec.region][2] + self.rng.randint(0, 8)
        report = PerformanceReport(
            spec.node_id,
            epoch,
            uptime,
            utilization,
            latency,
            energy,
            served,
            self.chain.blocks.head.timestamp + 6 * HOUR,
        )
        signatures = sign_report(self.oracle_domain, report, self.attestors[:3])
        receipt = self.send(
            "oracle submit (3 of 5)", self.suite.oracle.submit, report.as_tuple(), signatures, sender=self.relayer
        )
        self.reports[spec.node_id] = (epoch, uptime, latency, self.timestamp_of(receipt))
        self.stats.uptime[spec.node_id].append(uptime)
        self.stats.energy_wh[spec.node_id] += energy
        self.stats.work[spec.node_id] += served

    def slash(self, spec: NodeSpec, epoch: int) -> None:
        receipt = self.send("slash", self.suite.registry.slash, spec.node_id, epoch, sender=self.relayer)
        amount = slash_amount(self.bonds[spec.node_id], self.suite.registry.SLASH_BPS())
        self.bonds[spec.node_id] -= amount
        self.stats.slashes[spec.node_id].append((epoch, amount))
        if amount:
            self.revenue[spec.node_id].deposit(self.timestamp_of(receipt), amount)

    def trade_and_claim(self) -> None:
        # a couple of secondary trades, then some investors claim everything they can
        for _ in range(2):
            spec = self.rng.choice(self.nodes)
            seller, buyer = self.rng.sample(self.investors, 2)
            amount = spec.token.balanceOf(seller) // self.rng.randint(3, 10)
            if amount:
                receipt = self.send("transfer shares", spec.token.transfer, buyer, amount, sender=seller)
                self.revenue[spec.node_id].move(self.timestamp_of(receipt), seller.address, buyer.address, amount)
        for investor in self.rng.sample(self.investors, max(1, len(self.investors) // 2)):
            spec = self.rng.choice(self.nodes)
            receipt = self.send("claim", spec.token.claim, investor, sender=investor)
            paid = self.revenue[spec.node_id].claim(self.timestamp_of(receipt), investor.address)
            logged = sum(e.amount for e in receipt.events.filter(spec.token.RevenueClaimed))
            if logged != paid:
                raise ReconciliationError(f"node {spec.node_id}: {investor.address} claimed {logged}, the model {paid}")
            self.stats.claimed += paid

    # --- reconciliation ---------------------------------------------------------------------
    def reconcile(self) -> int:
        """Compares every on-chain balance with the models; returns how many values matched."""
        s, now = self.suite, self.chain.blocks.head.timestamp
        diffs, checked = [], 0

        def check(label, chain_value, model_value):
            nonlocal checked
            checked += 1
            if chain_value != model_value:
                diffs.append(f"{label}: chain {chain_value}, model {model_value}")

        for customer in self.customers:
            check(
                f"available({customer.address})",
                s.settlement.available(customer.address),
                self.model.prepaid[customer.address],
            )
        for (payer, node_id), settled in list(self.model.settled.items()):
            check(f"settled({payer}, {node_id})", s.settlement.settled(payer, node_id), settled)
        for account, owed in list(self.model.earnings.items()):
            check(f"earnings({account})", s.settlement.earnings(account), owed)
        check("SET-1 Settlement's stablecoin", s.stablecoin.balanceOf(s.settlement), self.model.liabilities())
        for spec in self.nodes:
            model = self.revenue[spec.node_id]
            for investor in self.investors:
                check(
                    f"node {spec.node_id} claimable({investor.address})",
                    spec.token.claimable(investor),
                    model.claimable(investor.address, now),
                )
            check(f"node {spec.node_id} bond", s.registry.node(spec.node_id).bond, self.bonds[spec.node_id])
            check(
                f"node {spec.node_id} token's stablecoin",
                s.stablecoin.balanceOf(spec.token),
                model.deposited - model.claimed,
            )
            check(f"node {spec.node_id} REV-1 gap (model)", model.conservation_gap(now), 0)
        if diffs:
            raise ReconciliationError(
                "; ".join(diffs[:10]) + (f" (and {len(diffs) - 10} more)" if len(diffs) > 10 else "")
            )
        return checked
