"""A fleet of compute nodes earning on-chain, epoch by epoch, reconciled with the models.

`Fleet` drives any engine of the chain surface (`computerwa.evm.chain`): Ape's provider
(`ApeChain`, what `make demo` runs) or the in-process engine (`RevmChain`, thousands of
transactions a second, for fleets of a thousand nodes). Everything random comes from two
seeded `random.Random`s (the market, and the weather of electricity prices), and time is
the chain surface's (every transaction a second after the one before), so a seed replays
the same run, to the wei, on either engine.

Per epoch: customers in four regions use the node the quote picks for them (cheapest
active node of their region whose latest report is fresh and meets its SLA), and owe it
cumulative vouchers they sign as usage grows; at the end of the epoch a relayer settles
every latest voucher in batches (at most 100 vouchers over 16 nodes each), a few customers
pay one-shot EIP-3009 payments instead. Before the settle each customer reserves, by an
EIP-3009 authorization a relayer submits, what it owes each node it used beyond that
channel's reservation (at least $100 at a time), so no other node and no withdrawal can take
it; every customer's first $500 is an EIP-3009 deposit to its free balance. When the epoch
has ended, the 3-of-5 attestor committee signs each node's
performance (uptime from its outage rate, utilization from the work it served, latency,
energy from its GPUs' power); anyone slashes a node that missed its SLA; each node's
attested energy is priced at its region's hourly electricity prices, and hybrid sites sell
what their miners made on spare power and deposit the holders' part into the node's stream
(`computerwa.sim.energy`); investors trade shares and claim revenue; the relayer harvests
the fleet's ComputeBasket (over every region's nodes, held by half the investors next to their
node tokens: `computerwa.sim.basket`) and basket shares trade, are claimed on, redeemed and
created. Then every balance, claimable amount and bond on-chain is compared with the Python
models (SettlementModel, one RevenueModel per token and one for the basket) to the wei.

Signatures are made by libsecp256k1 over EIP-712 digests hashed field by field
(`computerwa.client.signing.struct_digest`, `sign_digest`): the same bytes eth_account
gives, ten times faster.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_utils import keccak

from computerwa.client.attestation import PerformanceReport
from computerwa.client.deployment import demo_attestors
from computerwa.client.quote import ACTIVE, NODE_FIELDS, UNITS_PER_PRICE, LatestReport, NodeInfo, rank
from computerwa.client.signing import Domain, Signature, sign_digest, struct_digest
from computerwa.client.vouchers import (
    Voucher,
    deposit_authorization,
    payment_authorization,
    reservation_authorization,
)
from computerwa.models.registry import MAX_NODES_PER_OPERATOR_IN_REGION, slash_amount
from computerwa.models.revenue import RevenueModel
from computerwa.models.settlement import MAX_BATCH, MAX_NODES_PER_BATCH, SettlementModel
from computerwa.sim import ReconciliationError
from computerwa.sim.basket import FleetBasket
from computerwa.sim.energy import EnergyDay, day_prices, node_day
from computerwa.sim.offerings import OFFERED, FleetOfferings
from computerwa.sim.regions import DOLLAR, GPUS, REGIONS, demand_factor
from computerwa.sim.rentals import FleetRentals

__all__ = ["DOLLAR", "Fleet", "NodeSpec", "ReconciliationError", "Stats", "settle_batches"]

SHARE = 10**18
TOKENS_PER_NODE = 1_000 * SHARE
HOUR = 3_600
MAX_UINT256 = 2**256 - 1
BOND = 2_000 * DOLLAR
_BOND_FIELD = NODE_FIELDS.index("bond")
_TOKEN_FIELD = NODE_FIELDS.index("token")
# actors: test accounts 0 issuer, 1 relayer, 2..5 operators, 6.. investors (then, for fleets of
# more than 64 nodes, the further operators: see operators_needed)
OPERATORS = range(2, 6)
FIRST_INVESTOR = 6
RESERVATION_STEP = 100 * DOLLAR  # the least a customer reserves at a time
CUSTOMERS_PER_NODE = 3  # the default: 24 customers for the demo's 8 nodes
NODES_PER_MARKET_ROUND = 20  # a round of 2 trades and some claims per 20 nodes (at least one)


def operators_needed(nodes: int) -> int:
    """How many operators a fleet of `nodes` needs: node i is operator i's (mod the count) and
    in region i (mod the regions), so with a multiple of the regions each operator runs nodes in
    one region, and NodeRegistry lists at most MAX_NODES_PER_OPERATOR_IN_REGION of one operator
    there. The demo's 4 operators take up to 64 nodes."""
    per_round = len(REGIONS) * MAX_NODES_PER_OPERATOR_IN_REGION
    return len(REGIONS) * max(1, -(-nodes // per_round))


def accounts_needed(nodes: int, investors: int) -> int:
    """The test accounts a fleet of `nodes` with `investors` uses."""
    return FIRST_INVESTOR + investors + operators_needed(nodes) - len(OPERATORS)


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
    site_power_w: int = 0  # a hybrid site's grid connection (W); 0: inference only
    offered: bool = False  # financed by a NodeOffering (`computerwa.sim.offerings`)
    token: Any = None

    @property
    def capacity(self) -> int:
        return self.gpu_count * GPUS[self.gpu_model][1]

    @property
    def hybrid(self) -> bool:
        return self.site_power_w > 0


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
    energy: dict = field(default_factory=lambda: defaultdict(list))  # node -> [EnergyDay per epoch]
    prices: list = field(default_factory=list)  # [{region: hourly prices}] per epoch
    gas: dict = field(default_factory=lambda: defaultdict(list))  # operation -> [gas]
    gas_per_epoch: list = field(default_factory=list)  # [(epoch or "setup", gas, {operation: gas})]
    revenue_per_epoch: list = field(default_factory=list)  # [{node: cumulative}]
    claimed: int = 0
    transactions: int = 0
    vouchers: int = 0
    direct_payments: int = 0
    skipped: int = 0
    signatures: int = 0
    views: int = 0
    # wall seconds by phase: signing, transactions, reading the chain (reconciliation)
    seconds: dict = field(default_factory=lambda: defaultdict(float))


def settle_batches(vouchers: Sequence[Voucher]) -> Iterator[list[Voucher]]:
    """`vouchers` in order, cut into batches `settle` takes: at most MAX_BATCH vouchers
    over at most MAX_NODES_PER_BATCH nodes each."""
    batch: list[Voucher] = []
    nodes: set[int] = set()
    for voucher in vouchers:
        if len(batch) == MAX_BATCH or (voucher.node_id not in nodes and len(nodes) == MAX_NODES_PER_BATCH):
            yield batch
            batch, nodes = [], set()
        batch.append(voucher)
        nodes.add(voucher.node_id)
    if batch:
        yield batch


@dataclass
class _Ranking:
    """One region's quote, kept while no report it used can go stale; `first_open` skips
    the nodes already full this epoch (they only fill up)."""

    nodes: list[NodeSpec]
    valid_until: int
    first_open: int = 0


class Fleet:
    """The simulation on `chain` (any engine of `computerwa.evm.chain`), over `suite`
    (`computerwa.evm.suite.deploy_suite` or `attach_suite` on that chain, deployed by
    test account 0, the issuer). `hybrid_share` of the nodes (at least one when above 0)
    are hybrid sites that mine bitcoin on spare power."""

    def __init__(
        self,
        chain: Any,
        suite: Any,
        *,
        nodes: int,
        investors: int,
        customers: int | None = None,
        seed: int,
        hybrid_share: float = 0.25,
        offerings: bool = False,
        rentals: bool = True,
    ):
        if not 0 <= hybrid_share <= 1:
            raise ValueError(f"hybrid_share is a fraction of the nodes (0..1), got {hybrid_share}")
        if offerings and nodes < len(REGIONS) + OFFERED:
            raise ValueError(
                f"offerings finance the last {OFFERED} nodes and the basket keeps a node of every region: "
                f"at least {len(REGIONS) + OFFERED} nodes"
            )
        accounts = list(chain.accounts)
        if len(accounts) < FIRST_INVESTOR + investors:
            raise ValueError(f"{investors} investors need {FIRST_INVESTOR + investors} test accounts")
        if len(accounts) < accounts_needed(nodes, investors):
            raise ValueError(
                f"{nodes} nodes need {operators_needed(nodes)} operators (at most "
                f"{MAX_NODES_PER_OPERATOR_IN_REGION} nodes of one operator per region): "
                f"{accounts_needed(nodes, investors)} test accounts"
            )
        self.chain, self.suite, self.seed = chain, suite, seed
        self.rng = random.Random(seed)
        self.energy_rng = random.Random(f"ComputeRWA electricity {seed}")
        self.issuer, self.relayer = accounts[0], accounts[1]
        self.investors = accounts[FIRST_INVESTOR : FIRST_INVESTOR + investors]
        extra = operators_needed(nodes) - len(OPERATORS)
        operators = [accounts[i] for i in OPERATORS] + accounts[FIRST_INVESTOR + investors :][:extra]
        self.operators = operators
        customers = CUSTOMERS_PER_NODE * nodes if customers is None else customers
        self.customers = [Account.from_key(keccak(b"ComputeRWA simulated customer %d" % i)) for i in range(customers)]
        self.customer_region = {c.address: list(REGIONS)[i % len(REGIONS)] for i, c in enumerate(self.customers)}
        self.by_address = {c.address: c for c in self.customers}
        self.attestors = demo_attestors()
        self.stats = Stats()
        self.epoch_length = suite.factory.EPOCH_LENGTH()
        self.genesis = suite.factory.GENESIS()
        self.slash_bps = suite.registry.SLASH_BPS()
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
        self._epoch_gas: dict[str, int] = defaultdict(int)
        self._rankings: dict[str, _Ranking] = {}
        self._attested: dict[int, tuple[int, int]] = {}  # node -> (energy Wh, utilization bps) just attested
        self.nodes: list[NodeSpec] = []
        self.basket: FleetBasket | None = None  # deployed in `setup`
        self.offerings: FleetOfferings | None = None  # deployed in `setup` when asked for
        self.with_rentals = rentals
        self.rentals: FleetRentals | None = None  # renters and offers, in `setup` when asked for
        # node -> epoch -> stablecoin the simulation deposited into the node's token in it
        self.deposits: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        # (node, epoch) -> the uptime its report gives, whatever its outages (offerings' burn-in)
        self.uptime_override: dict[tuple[int, int], int] = {}
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
                )
            )
        hybrids = round(hybrid_share * nodes) or (1 if hybrid_share > 0 else 0)
        for spec in self.energy_rng.sample(self.nodes, hybrids):
            # a grid connection of 1.5 to 3 times the GPUs' nameplate power: miners take the rest
            nameplate = spec.gpu_count * GPUS[spec.gpu_model][0]
            spec.site_power_w = nameplate * self.energy_rng.randint(15_000, 30_000) // 10_000
        # financed by NodeOffering (`computerwa.sim.offerings`): no private placement, no basket
        self.offered: list[NodeSpec] = self.nodes[-OFFERED:] if offerings else []
        for spec in self.offered:
            spec.offered = True

    # --- transactions and signatures ----------------------------------------------------------
    def send(self, operation: str, call: Any, *args: Any, sender: Any) -> Any:
        started = time.perf_counter()
        receipt = call(*args, sender=sender)
        self.stats.seconds["transactions"] += time.perf_counter() - started
        self.stats.gas[operation].append(receipt.gas_used)
        self.stats.transactions += 1
        self._epoch_gas[operation] += receipt.gas_used
        return receipt

    def read(self, call: Any, *args: Any) -> Any:
        """A view, timed and counted (the reconciliation's reads)."""
        started = time.perf_counter()
        value = call(*args)
        self.stats.seconds["reading the chain"] += time.perf_counter() - started
        self.stats.views += 1
        return value

    def sign(self, key: Any, domain: Domain, primary_type: str, message: dict) -> Signature:
        started = time.perf_counter()
        signature = sign_digest(key, struct_digest(domain, primary_type, message))
        self.stats.seconds["signing"] += time.perf_counter() - started
        self.stats.signatures += 1
        return signature

    def fresh_salt(self) -> bytes:
        self.nonce += 1
        return keccak(b"ComputeRWA simulation salt %d" % self.nonce)

    # --- setup ------------------------------------------------------------------------------
    def setup(self) -> None:
        self._epoch_gas = defaultdict(int)
        s, issuer = self.suite, self.issuer
        until = self.chain.timestamp + 10 * 365 * 86_400
        for investor in self.investors:
            if not s.identity.is_verified(investor):
                self.send("verify investor", s.identity.set_verified, investor, until, sender=issuer)
        for operator in self.operators:  # NodeRegistry takes verified operators only
            if not s.identity.is_verified(operator):
                self.send("verify operator", s.identity.set_verified, operator, until, sender=issuer)
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
            registered = next(e for e in receipt.events if e.name == "NodeRegistered")
            spec.node_id = registered.node_id
            spec.token = self.chain.at("ComputeToken", s.registry.node(spec.node_id)[_TOKEN_FIELD])
            self.model.payees[spec.node_id] = (spec.operator.address, spec.operator_share_bps)
            model = RevenueModel(self.genesis, self.epoch_length, last_update=spec.token.last_update())
            self.revenue[spec.node_id] = model
            # the issuer places the node's 1,000 tokens with the investors (an offered node's
            # are sold in its offering)
            weights = [self.rng.randint(1, 10) for _ in self.investors]
            left = TOKENS_PER_NODE
            for k, investor in enumerate([] if spec.offered else self.investors):
                shares = left if k == len(self.investors) - 1 else TOKENS_PER_NODE * weights[k] // sum(weights)
                left -= shares
                receipt = self.send("mint shares", spec.token.mint, investor, shares, sender=issuer)
                model.move(receipt.timestamp, None, investor.address, shares)
            self.send("mint stablecoin", s.stablecoin.mint, spec.operator, BOND, sender=issuer)
            self.send("approve", s.stablecoin.approve, s.registry, BOND, sender=spec.operator)
            self.send("post_bond", s.registry.post_bond, spec.node_id, BOND, sender=spec.operator)
            self.bonds[spec.node_id] = BOND
            if spec.hybrid:  # its operator deposits the holders' part of what the miners make
                self.send("approve", s.stablecoin.approve, spec.token, MAX_UINT256, sender=spec.operator)
        for customer in self.customers:
            self.send("mint stablecoin", s.stablecoin.mint, customer.address, 5_000 * DOLLAR, sender=issuer)
            self.deposit(customer, 500 * DOLLAR)
        if self.offered:
            self.offerings = FleetOfferings.deploy(self, until)
        self.basket = FleetBasket.deploy(self, self.seed, until)
        if self.with_rentals:  # last: every address before it stays where it was
            self.rentals = FleetRentals.deploy(self)
        self.stats.gas_per_epoch.append(("setup", sum(self._epoch_gas.values()), dict(self._epoch_gas)))

    def deposit(self, customer: Any, amount: int) -> None:
        salt, now = self.fresh_salt(), self.chain.timestamp
        settlement = self.suite.settlement
        doc = deposit_authorization(
            self.stable_domain, customer.address, settlement.address, amount, salt, 0, now + 10 * HOUR
        )
        signature = self.sign(customer, self.stable_domain, doc["primaryType"], doc["message"])
        self.send(
            "deposit_with_authorization",
            settlement.deposit_with_authorization,
            customer.address,
            amount,
            0,
            now + 10 * HOUR,
            salt,
            *signature.vrs,
            sender=self.relayer,
        )
        self.model.credit(customer.address, amount)

    def reserve(self, customer: Any, node_id: int, amount: int) -> None:
        """The customer reserves `amount` for its channel with `node_id` straight from its
        stablecoin, by an authorization the relayer submits."""
        salt, now = self.fresh_salt(), self.chain.timestamp
        settlement = self.suite.settlement
        doc = reservation_authorization(
            self.stable_domain, customer.address, settlement.address, amount, node_id, salt, 0, now + 10 * HOUR
        )
        signature = self.sign(customer, self.stable_domain, doc["primaryType"], doc["message"])
        self.send(
            "reserve_with_authorization",
            settlement.reserve_with_authorization,
            customer.address,
            node_id,
            amount,
            0,
            now + 10 * HOUR,
            salt,
            *signature.vrs,
            sender=self.relayer,
        )
        self.model.reservations[(customer.address, node_id)] += amount

    # --- one epoch --------------------------------------------------------------------------
    def quote(self, region: str) -> list[NodeSpec]:
        """The nodes a customer of `region` may use, best first, as `ape run quote` ranks
        them (`computerwa.client.quote.rank`: Active, latest report fresh and meeting the
        SLA, by price then attested latency): the region's own nodes, then other regions'.
        A node with no report yet is usable: the fleet is new in its first epoch."""
        return self._quote(region)[0]

    def _quote(self, region: str) -> tuple[list[NodeSpec], int]:
        """The quote, and the last time it holds: until the first report it trusted goes stale."""
        now = self.chain.pending_timestamp
        nodes, reports = [], {}
        valid_until = 2**256
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
                stale_after = self.genesis + (epoch + 1) * self.epoch_length + self.max_report_age
                fresh = now <= stale_after
                if fresh:
                    valid_until = min(valid_until, stale_after)
                reports[spec.node_id] = LatestReport(epoch, uptime, latency, submitted_at, fresh)
        by_id = {spec.node_id: spec for spec in self.nodes}
        ranked = []
        for same_region in (True, False):
            offers = rank((n for n in nodes if (n.region == region) == same_region), reports, UNITS_PER_PRICE, True)
            ranked += [by_id[offer.node_id] for offer in offers.ranked]
        return ranked, valid_until

    def _ranking(self, region: str) -> _Ranking:
        """`quote(region)`, computed again only when a report it trusted has gone stale (the
        reports and statuses change only between the epoch's demand phases, which clear it)."""
        ranking = self._rankings.get(region)
        if ranking is None or self.chain.pending_timestamp > ranking.valid_until:
            ranking = self._rankings[region] = _Ranking(*self._quote(region))
        return ranking

    def run_epoch(self, epoch: int) -> None:
        self._epoch_gas = defaultdict(int)
        start = self.genesis + epoch * self.epoch_length
        self.stats.prices.append(
            {region: day_prices(region, self.energy_rng.randint(8_500, 11_500)) for region in REGIONS}
        )
        self.chain.pending_timestamp = max(self.chain.timestamp + 1, start + HOUR)
        self._rankings.clear()
        if self.offerings is not None:
            self.offerings.sale(epoch)
        served: dict[int, int] = defaultdict(int)
        # demand: daily peaks differ by region; each customer routes to the quoted node
        # (customers in random order each day; a full node spills demand to the next best)
        for customer in self.rng.sample(self.customers, len(self.customers)):
            region = self.customer_region[customer.address]
            left = int(self.rng.lognormvariate(0, 0.5) * demand_factor(region, epoch) * 40_000)
            if left <= 0:
                continue
            ranking = self._ranking(region)
            ranked = ranking.nodes
            while ranking.first_open < len(ranked) and served[ranked[ranking.first_open].node_id] >= (
                ranked[ranking.first_open].capacity
            ):
                ranking.first_open += 1
            for index in range(ranking.first_open, len(ranked)):
                spec = ranked[index]
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
        self._rankings.clear()
        if self.rentals is not None:  # renters book capacity by the hour (some of it runs into the next epoch)
            self.rentals.book(epoch)
        # reservations for the nodes each customer used, then batches of every latest
        # voucher, late in the epoch
        for (payer, node_id), cumulative in self.cumulative.items():
            due = cumulative - self.model.settled[(payer, node_id)] - self.model.reservations[(payer, node_id)]
            if due > 0:
                self.reserve(self.by_address[payer], node_id, max(due, RESERVATION_STEP))
        self.chain.pending_timestamp = max(self.chain.timestamp + 1, start + 20 * HOUR)
        self.settle_all()
        # the epoch is over: reports, slashes, electricity and mining, the market
        self.chain.pending_timestamp = max(self.chain.timestamp + 1, start + self.epoch_length + HOUR)
        if self.offerings is not None:  # first: its supply changes follow each round's roll-over
            self.offerings.close(epoch)
        for spec in self.nodes:
            self.attest(spec, epoch, served[spec.node_id])
        if self.offerings is not None:
            self.offerings.after_reports(epoch)
        if self.rentals is not None:  # rent for the hours of the epoch just reported, on its uptime
            self.rentals.after_reports(epoch)
        for spec in self.nodes:
            if self.reports[spec.node_id][1] < spec.sla_uptime_bps:
                self.slash(spec, epoch)
        for spec in self.nodes:
            self.power(spec)
        self.trade_and_claim()
        if self.basket is not None:
            self.basket.harvest(epoch)
            self.basket.market(epoch)
        self.stats.gas_per_epoch.append((epoch, sum(self._epoch_gas.values()), dict(self._epoch_gas)))
        self.stats.revenue_per_epoch.append(dict(self.stats.revenue))

    def pay_direct(self, customer: Any, spec: NodeSpec, amount: int) -> None:
        salt, now = self.fresh_salt(), self.chain.timestamp
        settlement = self.suite.settlement
        doc = payment_authorization(
            self.stable_domain, customer.address, settlement.address, amount, spec.node_id, salt, 0, now + 10 * HOUR
        )
        signature = self.sign(customer, self.stable_domain, doc["primaryType"], doc["message"])
        receipt = self.send(
            "pay_with_authorization",
            settlement.pay_with_authorization,
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
        self.record_payment(self.model.pay(spec.node_id, amount), receipt.timestamp)

    def record_payment(self, payment: Any, timestamp: int) -> None:
        self.stats.revenue[payment.node_id] += payment.amount
        self.stats.holders[payment.node_id] += payment.holders
        self.stats.operator[payment.node_id] += payment.operator
        self.stats.fees += payment.fee
        if payment.holders:
            self.deposit_revenue(payment.node_id, timestamp, payment.holders)

    def deposit_revenue(self, node_id: int, timestamp: int, amount: int) -> None:
        """What arrived in node `node_id`'s token's stream: into its model, and counted by epoch
        (the feeds' independent count)."""
        self.revenue[node_id].deposit(timestamp, amount)
        self.deposits[node_id][(timestamp - self.genesis) // self.epoch_length] += amount

    def settle_all(self) -> None:
        deadline = self.chain.timestamp + self.epoch_length
        vouchers, signatures = [], {}
        for (payer, node_id), cumulative in sorted(self.cumulative.items(), key=lambda item: item[0][1]):
            if cumulative > self.model.settled[(payer, node_id)]:
                voucher = Voucher(payer, node_id, cumulative, deadline)
                vouchers.append(voucher)
                key = self.by_address[payer]
                signatures[voucher] = self.sign(key, self.settlement_domain, "Voucher", voucher.message()).compact
        for batch in settle_batches(vouchers):
            receipt = self.send(
                "settle (batch)",
                self.suite.settlement.settle,
                [v.as_tuple() for v in batch],
                [signatures[v] for v in batch],
                sender=self.relayer,
            )
            self.stats.gas["settle, per voucher"].append(receipt.gas_used // len(batch))
            outcomes, payments = self.model.settle(batch, [True] * len(batch), receipt.timestamp)
            self.stats.vouchers += sum(1 for reason, _ in outcomes if reason == 0)
            self.stats.skipped += sum(1 for reason, _ in outcomes if reason != 0)
            for payment in payments:
                self.record_payment(payment, receipt.timestamp)

    def attest(self, spec: NodeSpec, epoch: int, served: int) -> None:
        outage_hours = self.rng.uniform(0.5, 6) if self.rng.random() < spec.outage_rate else 0.0
        uptime = max(0, 10_000 - int(outage_hours / 24 * 10_000))
        uptime = self.uptime_override.get((spec.node_id, epoch), uptime)
        utilization = min(10_000, served * 10_000 // max(spec.capacity, 1))
        power_w, _, latency = GPUS[spec.gpu_model]
        energy = int(spec.gpu_count * power_w * 24 * (0.3 + 0.7 * utilization / 10_000) * uptime / 10_000)
        latency += REGIONS[spec.region][2] + self.rng.randint(0, 8)
        report = PerformanceReport(
            spec.node_id, epoch, uptime, utilization, latency, energy, served, self.chain.timestamp + 6 * HOUR
        )
        started, signatures = time.perf_counter(), []
        report_digest = struct_digest(self.oracle_domain, "PerformanceReport", report.message())
        for attestor in self.attestors[:3]:  # demo_attestors() ascend by address, as `submit` wants
            signatures.append(sign_digest(attestor, report_digest).compact)
        self.stats.seconds["signing"] += time.perf_counter() - started
        self.stats.signatures += len(signatures)
        receipt = self.send(
            "oracle submit (3 of 5)", self.suite.oracle.submit, report.as_tuple(), signatures, sender=self.relayer
        )
        self.reports[spec.node_id] = (epoch, uptime, latency, receipt.timestamp)
        self.stats.uptime[spec.node_id].append(uptime)
        self.stats.energy_wh[spec.node_id] += energy
        self.stats.work[spec.node_id] += served
        self._attested[spec.node_id] = (energy, utilization)

    def slash(self, spec: NodeSpec, epoch: int) -> None:
        receipt = self.send("slash", self.suite.registry.slash, spec.node_id, epoch, sender=self.relayer)
        amount = slash_amount(self.bonds[spec.node_id], self.slash_bps)
        self.bonds[spec.node_id] -= amount
        self.stats.slashes[spec.node_id].append((epoch, amount))
        if amount:
            self.deposit_revenue(spec.node_id, receipt.timestamp, amount)

    def power(self, spec: NodeSpec) -> EnergyDay:
        """The node's electricity for the epoch just attested; a hybrid site's operator sells
        the mined bitcoin (the issuer mints the stablecoin it sells for) and deposits the
        holders' part into the node's stream."""
        energy_wh, utilization = self._attested[spec.node_id]
        prices = self.stats.prices[-1][spec.region]
        day = node_day(energy_wh, utilization, spec.region, prices, spec.site_power_w, spec.operator_share_bps)
        self.stats.energy[spec.node_id].append(day)
        if day.mining_revenue:
            s = self.suite
            self.send("mint mining proceeds", s.stablecoin.mint, spec.operator, day.mining_revenue, sender=self.issuer)
        if day.mining_holders:
            receipt = self.send(
                "deposit_revenue (mining)", spec.token.deposit_revenue, day.mining_holders, sender=spec.operator
            )
            self.deposit_revenue(spec.node_id, receipt.timestamp, day.mining_holders)
        return day

    def trade_and_claim(self) -> None:
        # secondary trades, then some investors claim everything they can: a round per 20 nodes
        for _ in range(max(1, len(self.nodes) // NODES_PER_MARKET_ROUND)):
            self._market_round()

    def _market_round(self) -> None:
        for _ in range(2):
            spec = self.rng.choice(self.nodes)
            seller, buyer = self.rng.sample(self.investors, 2)
            amount = self.read(spec.token.balanceOf, seller) // self.rng.randint(3, 10)
            if amount:
                receipt = self.send("transfer shares", spec.token.transfer, buyer, amount, sender=seller)
                self.revenue[spec.node_id].move(receipt.timestamp, seller.address, buyer.address, amount)
        for investor in self.rng.sample(self.investors, max(1, len(self.investors) // 2)):
            spec = self.rng.choice(self.nodes)
            receipt = self.send("claim", spec.token.claim, investor, sender=investor)
            paid = self.revenue[spec.node_id].claim(receipt.timestamp, investor.address)
            logged = sum(
                e.amount for e in receipt.events if e.name == "RevenueClaimed" and e.address == spec.token.address
            )
            if logged != paid:
                raise ReconciliationError(f"node {spec.node_id}: {investor.address} claimed {logged}, the model {paid}")
            self.stats.claimed += paid

    # --- reconciliation ---------------------------------------------------------------------
    def reconcile(self) -> int:
        """Compares every on-chain balance with the models; returns how many values matched."""
        s, now, read = self.suite, self.chain.timestamp, self.read
        diffs, checked = [], 0

        def check(label: str, chain_value: int, model_value: int) -> None:
            nonlocal checked
            checked += 1
            if chain_value != model_value:
                diffs.append(f"{label}: chain {chain_value}, model {model_value}")

        for customer in self.customers:
            check(
                f"available({customer.address})",
                read(s.settlement.available, customer.address),
                self.model.prepaid[customer.address],
            )
        for (payer, node_id), settled in list(self.model.settled.items()):
            check(f"settled({payer}, {node_id})", read(s.settlement.settled, payer, node_id), settled)
        for (payer, node_id), reserved in list(self.model.reservations.items()):
            check(f"reservation({payer}, {node_id})", read(s.settlement.reservation, payer, node_id), reserved)
        for account, owed in list(self.model.earnings.items()):
            check(f"earnings({account})", read(s.settlement.earnings, account), owed)
        check("SET-1 Settlement's stablecoin", read(s.stablecoin.balanceOf, s.settlement), self.model.liabilities())
        for spec in self.nodes:
            model = self.revenue[spec.node_id]
            for investor in self.investors:
                check(
                    f"node {spec.node_id} claimable({investor.address})",
                    read(spec.token.claimable, investor),
                    model.claimable(investor.address, now),
                )
            check(
                f"node {spec.node_id} bond", read(s.registry.node, spec.node_id)[_BOND_FIELD], self.bonds[spec.node_id]
            )
            check(
                f"node {spec.node_id} token's stablecoin",
                read(s.stablecoin.balanceOf, spec.token),
                model.deposited - model.claimed,
            )
            check(f"node {spec.node_id} REV-1 gap (model)", model.conservation_gap(now), 0)
        if self.basket is not None:
            self.basket.reconcile(check, read, now)
        if self.offerings is not None:
            self.offerings.reconcile(check, read, now)
        if self.rentals is not None:
            self.rentals.reconcile(check, read)
        if diffs:
            raise ReconciliationError(
                "; ".join(diffs[:10]) + (f" (and {len(diffs) - 10} more)" if len(diffs) > 10 else "")
            )
        return checked
