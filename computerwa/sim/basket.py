"""The fleet's basket (issue #21): one ComputeBasket over the fleet's nodes, held next to
single-node tokens, reconciled to the wei, and the figure it is sold on: how much steadier
its daily yield is than one node's.

The basket holds one base unit of each component per basket base unit (so one whole basket
share is one whole token of each node: at $1 a token, a share costs $1 per component). Its
components are the fleet's first `MAX_COMPONENTS` nodes, which the fleet lays out region by
region in turn, so every region is in it. In setup, the first half of the investors (at
least one) create basket shares in kind with a third of what they hold of every component.
Every epoch, once the epoch's deposits are made, the relayer harvests it (`harvest`: the
basket claims from every component and deposits what arrived into its own stream), and then
the basket's market runs: basket shares change hands, holders claim the basket's revenue,
and every third epoch one holder redeems part of its shares in kind and another creates.
Creates and redeems happen only right after a harvest, so the basket holds the same amount
of every component over each interval between two harvests.

The model: the basket is one more holder in each component's `RevenueModel`, and the basket's
own stream has a `RevenueModel` of its own (a harvest is a deposit into it). `reconcile`
compares every basket balance, claimable amount, the basket's holdings and stablecoin with
them, to the wei.

The yield figure (`yields`): per harvest, what the basket claimed from each component per
token it held is that node's daily yield per dollar (at $1 a token); the harvest's total per
dollar of basket is the basket's, which is what its holders receive over the next epoch
(the one epoch a basket holder gives up). The dispersion is the standard deviation of those
daily yields over the harvests after the first (the first claims only the hour its streams
have run), the basket's against the mean of its components'.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from typing import Any

from computerwa.evm.suite import create_basket
from computerwa.models.revenue import RevenueModel
from computerwa.sim import ReconciliationError
from computerwa.sim.regions import DOLLAR

SHARE = 10**18
MAX_COMPONENTS = 32  # contracts/ComputeBasket.vy
UNITS = 1  # base units of each component per basket base unit
NAME, SYMBOL = "ComputeRWA Fleet Basket", "CRWAB"
WARM_UP = 1  # harvests left out of the dispersion: the first claims one hour of streams
REBALANCE_EVERY = 3  # epochs between a redeem and a create
MAX_UINT256 = 2**256 - 1


@dataclass
class Harvest:
    epoch: int
    amount: int  # deposited into the basket's stream
    claimed: dict[int, int]  # node id -> claimed from its token
    holding: int  # base units of each component held since the harvest before
    supply: int  # basket base units then


@dataclass
class FleetBasket:
    fleet: Any
    contract: Any
    components: list[Any]  # NodeSpec
    holders: list[Any]  # the investors that create basket shares in setup
    rng: random.Random
    model: RevenueModel
    harvests: list[Harvest] = field(default_factory=list)
    created: int = 0  # basket base units created over the run
    redeemed: int = 0
    claimed: int = 0  # stablecoin base units basket holders claimed
    transfers: int = 0

    @classmethod
    def deploy(cls, fleet: Any, seed: int, verified_until: int) -> FleetBasket:
        """Creates the basket over the fleet's first MAX_COMPONENTS nodes (not offered) through the suite's
        ComputeBasketFactory (the issuer owns it and is a registrar: it verifies the basket in
        the identity registry, so the basket may hold every component) and has the first half
        of the investors create shares with a third of their holding."""
        issuer = fleet.issuer
        components = [spec for spec in fleet.nodes if not spec.offered][:MAX_COMPONENTS]
        contract = create_basket(
            fleet.suite,
            fleet.chain,
            issuer,
            [spec.token for spec in components],
            [UNITS] * len(components),
            NAME,
            SYMBOL,
            verified_until=verified_until,
        )
        fleet.stats.transactions += 2  # the factory's create_basket and the verification
        model = RevenueModel(fleet.genesis, fleet.epoch_length, last_update=contract.last_update())
        holders = fleet.investors[: max(1, len(fleet.investors) // 2)]
        basket = cls(fleet, contract, components, holders, random.Random(f"ComputeRWA basket {seed}"), model)
        for investor in holders:
            for spec in components:
                fleet.send("approve (basket)", spec.token.approve, contract, MAX_UINT256, sender=investor)
            basket.create(investor, basket.creatable(investor) // 3)
        return basket

    @property
    def address(self) -> str:
        return self.contract.address

    def creatable(self, investor: Any) -> int:
        """The most basket base units `investor` could create from what it holds."""
        return min(self.fleet.read(spec.token.balanceOf, investor) for spec in self.components) // UNITS

    def create(self, investor: Any, shares: int) -> None:
        if shares == 0:
            return
        receipt = self.fleet.send("basket create", self.contract.create, shares, sender=investor)
        for spec in self.components:
            self.fleet.revenue[spec.node_id].move(receipt.timestamp, investor.address, self.address, shares * UNITS)
        self.model.move(receipt.timestamp, None, investor.address, shares)
        self.created += shares

    def redeem(self, investor: Any, shares: int) -> None:
        if shares == 0:
            return
        receipt = self.fleet.send("basket redeem", self.contract.redeem, shares, sender=investor)
        for spec in self.components:
            self.fleet.revenue[spec.node_id].move(receipt.timestamp, self.address, investor.address, shares * UNITS)
        self.model.move(receipt.timestamp, investor.address, None, shares)
        self.redeemed += shares

    def harvest(self, epoch: int) -> Harvest:
        """The relayer harvests; the model's claims from each component must be what the
        components logged, and their sum what the basket deposited."""
        fleet = self.fleet
        supply = self.model.supply
        receipt = fleet.send("basket harvest", self.contract.harvest, sender=fleet.relayer)
        events = list(receipt.events)
        claimed = {}
        for spec in self.components:
            paid = fleet.revenue[spec.node_id].claim(receipt.timestamp, self.address)
            logged = sum(e.amount for e in events if e.name == "RevenueClaimed" and e.address == spec.token.address)
            if logged != paid:
                raise ReconciliationError(f"harvest: node {spec.node_id} paid the basket {logged}, the model {paid}")
            claimed[spec.node_id] = paid
        amount = sum(claimed.values())
        deposited = sum(e.amount for e in events if e.name == "RevenueDeposited" and e.address == self.address)
        if deposited != amount:
            raise ReconciliationError(f"harvest: the basket deposited {deposited}, its components paid {amount}")
        if amount:
            self.model.deposit(receipt.timestamp, amount)
        harvest = Harvest(epoch, amount, claimed, supply * UNITS, supply)
        self.harvests.append(harvest)
        return harvest

    def market(self, epoch: int) -> None:
        """After the harvest: a basket share trade, claims, and every REBALANCE_EVERY epochs a
        redeem and a create."""
        fleet, rng = self.fleet, self.rng
        sellers = [i for i in fleet.investors if self.model.balances.get(i.address, 0)]
        if sellers:
            seller = rng.choice(sellers)
            buyer = rng.choice([i for i in fleet.investors if i is not seller] or [seller])
            amount = self.model.balances[seller.address] // rng.randint(3, 10)
            if amount and buyer is not seller:
                receipt = fleet.send("basket transfer", self.contract.transfer, buyer, amount, sender=seller)
                self.model.move(receipt.timestamp, seller.address, buyer.address, amount)
                self.transfers += 1
        for investor in fleet.investors:
            if self.model.balances.get(investor.address, 0) and rng.random() < 0.5:
                receipt = fleet.send("basket claim", self.contract.claim, investor, sender=investor)
                paid = self.model.claim(receipt.timestamp, investor.address)
                logged = sum(
                    e.amount for e in receipt.events if e.name == "RevenueClaimed" and e.address == self.address
                )
                if logged != paid:
                    raise ReconciliationError(f"basket claim: {investor.address} got {logged}, the model {paid}")
                self.claimed += paid
        if epoch % REBALANCE_EVERY == REBALANCE_EVERY - 1:
            holders = [i for i in self.holders if self.model.balances.get(i.address, 0)]
            if holders:
                redeemer = rng.choice(holders)
                self.redeem(redeemer, self.model.balances[redeemer.address] // 4)
                creator = rng.choice(self.holders)
                self.create(creator, self.creatable(creator) // 4)

    def reconcile(self, check: Any, read: Any, now: int) -> None:
        """Every basket figure on-chain against the models (`check(label, chain, model)`)."""
        s, basket = self.fleet.suite, self.contract
        supply = self.model.supply
        check("basket totalSupply", read(basket.totalSupply), supply)
        for investor in self.fleet.investors:
            address = investor.address
            check(f"basket balanceOf({address})", read(basket.balanceOf, investor), self.model.balances.get(address, 0))
            check(f"basket claimable({address})", read(basket.claimable, investor), self.model.claimable(address, now))
        check("basket's stablecoin", read(s.stablecoin.balanceOf, basket), self.model.deposited - self.model.claimed)
        check("basket REV-1 gap (model)", self.model.conservation_gap(now), 0)
        for spec in self.components:
            revenue = self.fleet.revenue[spec.node_id]
            check(f"basket's node {spec.node_id} tokens", read(spec.token.balanceOf, basket), supply * UNITS)
            check(
                f"node {spec.node_id} claimable(basket)",
                read(spec.token.claimable, basket),
                revenue.claimable(self.address, now),
            )

    # --- the figure ---------------------------------------------------------------------------
    def yields(self) -> dict:
        """Daily yield per dollar (at $1 a token) of each component and of the basket, per
        harvest, and their dispersion over the harvests after the first WARM_UP."""
        count = len(self.components)
        rows = [h for h in self.harvests if h.holding]
        nodes = {
            spec.node_id: [h.claimed[spec.node_id] / DOLLAR / (h.holding / SHARE) for h in rows]
            for spec in self.components
        }
        basket = [h.amount / DOLLAR / (h.holding / SHARE * count) for h in rows]
        counted = slice(WARM_UP, None)
        measured = len(basket[counted])
        node_std = {n: statistics.pstdev(series[counted]) if measured > 1 else None for n, series in nodes.items()}
        node_mean = {n: statistics.fmean(series[counted]) if measured else None for n, series in nodes.items()}
        basket_std = statistics.pstdev(basket[counted]) if measured > 1 else None
        stds = [v for v in node_std.values() if v is not None]
        mean_node_std = statistics.fmean(stds) if stds else None
        return {
            "epochs": [h.epoch for h in rows],
            "harvests_counted": measured,
            "basket_daily_yield": basket,
            "node_daily_yield": {str(n): series for n, series in nodes.items()},
            "basket_mean": statistics.fmean(basket[counted]) if measured else None,
            "node_mean": {str(n): mean for n, mean in node_mean.items()},
            "basket_std": basket_std,
            "node_std": {str(n): std for n, std in node_std.items()},
            "mean_node_std": mean_node_std,
            # how many times steadier the basket's daily yield is than the average node's
            "dispersion_ratio": mean_node_std / basket_std if basket_std and mean_node_std else None,
        }

    def report(self) -> dict:
        return {
            "address": self.address,
            "components": [spec.node_id for spec in self.components],
            "regions": sorted({spec.region for spec in self.components}),
            "units": UNITS,
            "supply": self.model.supply,
            "holders": sum(1 for v in self.model.balances.values() if v),
            "created": self.created,
            "redeemed": self.redeemed,
            "transfers": self.transfers,
            "harvested": sum(h.amount for h in self.harvests),
            "claimed_by_holders": self.claimed,
            "harvests": [
                {"epoch": h.epoch, "amount": h.amount, "holding": h.holding, "claimed": h.claimed}
                for h in self.harvests
            ],
            "yield": self.yields(),
        }
