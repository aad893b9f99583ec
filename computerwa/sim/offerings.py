"""Nodes financed by primary offerings, every node's revenue feed, and a lender over one feed
(issue #19): deployed in the fleet's setup, acted on every epoch, reconciled to the wei.

Offerings. The fleet's last `OFFERED` nodes get no private placement: their shares are sold
through the deployment's NodeOffering (`create_offering`, which makes it a minter of each
node's token), all on the same terms (`PRICE` a share, `SHARES_FOR_SALE`, `MIN_RAISE`,
`RELEASE_BPS` at the close, `BURN_IN_EPOCHS`), the sale window the rest of epoch 0. Each has
its own outcome:

- `PASSES`: 90% sold (the last investor's purchase by an EIP-3009 authorization a relayer
  submits); the node reports at its SLA for the burn-in epochs, anyone confirms burn-in, the
  operator withdraws the rest of the proceeds;
- `UNDERSUBSCRIBED`: 100 shares each for the first two investors, below the minimum: the sale
  fails and every buyer refunds;
- `MISSES`: 80% sold; the node reports at its SLA for the first burn-in epoch, then below it
  (`BELOW_SLA_BPS` under) for the rest of the window: burn-in cannot be confirmed, and after the
  deadline every buyer exits, burning the shares it still holds (at most what it bought); the
  shares its largest buyer pledged to the lender were liquidated to another investor, so nobody
  can exit them: once the exit window (`EXIT_WINDOW_EPOCHS`) is over the relayer sweeps what is
  left of the escrow into the node's token, where it streams to the holders over the next epoch.

Right after the close (the first thing of epoch 1's reporting phase) the relayer claims every
buyer's shares in one `claim_shares_batch`, refunds are taken and the operators withdraw the
close's release; from then on the offered tokens trade and pay like the others. They are not
in the basket (it is created in setup, before any offered share exists).

Feeds. Every node's RevenueFeed is published in setup (`create_feeds`). After each epoch, each
feed's `latestRoundData()` answer is compared with `amount * 10**36 // (supply * 10**6)` from
an independent count, not RevenueModel: `amount` is what the simulation itself deposited into
the token during the epoch (the fleet's `deposits`: the holders' part of every payment, slashed
bonds, mining), plus, for an offered token, the part of the epoch before's revenue that streamed
while nobody held a share and was queued again at the first claim (`amount * seconds // epoch
length`: the seconds from the epoch's start to that claim); `supply` is the simulation's own
count of the token's shares at the roll-over (the epoch's end: every mint and burn happens
after it, at the start of the next reporting phase). The offered nodes' `trailing(LOOKBACK)` is
compared too, its SLA count from the fleet's own reports.

Lender. A MockLender over the `MISSES` node's feed (verified in the identity registry, funded
with `LENDER_FUNDS`): that offering's largest buyer pledges all its shares and borrows at the
LTV once the first burn-in epoch is reported; when the node's epochs below its SLA fill the
lookback (the lender values only epochs that met the SLA), the position is above the
liquidation threshold and another investor liquidates it. The lender's collateral, debt,
stablecoin, shares and revenue, and `value` itself, are reconciled with a model of its formula.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from computerwa.client.vouchers import purchase_authorization
from computerwa.evm.suite import create_feeds, create_offering
from computerwa.sim import ReconciliationError
from computerwa.sim.regions import DOLLAR

SHARE = 10**18
MAX_UINT256 = 2**256 - 1
BPS = 10_000
HOUR = 3_600
OFFERED = 3  # the fleet's last nodes, each financed by one offering
PRICE = 50 * DOLLAR  # stablecoin base units per whole share
SHARES_FOR_SALE = 1_000 * SHARE
MIN_RAISE = 30_000 * DOLLAR
RELEASE_BPS = 2_000  # of the raise, the operator's at the close
BURN_IN_EPOCHS = 3
EXIT_WINDOW_EPOCHS = 1  # exits stay open this long after a missed burn-in deadline
SALE_EPOCH = 0  # buying opens in it and closes at its end
INVESTOR_FUNDS = 50_000 * DOLLAR  # minted to each investor for the primary
BELOW_SLA_BPS = 1_500  # the `MISSES` node's uptime is its SLA less this in its failing epochs
# MockLender's terms: trailing rounds averaged, epochs of revenue the collateral is worth,
# borrow limit and liquidation threshold (basis points of the value)
LOOKBACK = 2
VALUE_EPOCHS = 30
LTV_BPS = 5_000
LIQUIDATION_BPS = 7_500
LENDER_FUNDS = 10_000 * DOLLAR

PASSES, UNDERSUBSCRIBED, MISSES = "passes burn-in", "fails its minimum", "misses burn-in"
OUTCOMES = (PASSES, UNDERSUBSCRIBED, MISSES)
# NodeOffering.status
PENDING, OPEN, SUCCEEDED, FAILED = 1, 2, 3, 4


def cost(shares: int, price: int = PRICE) -> int:
    """NodeOffering.cost: ceil(shares * price / 10**18)."""
    return -(-shares * price // SHARE)


def feed_answer(amount: int, supply: int, unit: int) -> int:
    """RevenueFeed's answer: whole stablecoin units per whole share, 18 decimals, floored."""
    return amount * 10**36 // (supply * unit) if supply else 0


def lender_value(shares: int, revenue: int, met: int, unit: int) -> int:
    """MockLender.value of `shares` over a trailing `revenue` (18 decimals) with `met` epochs at the SLA."""
    return shares * revenue // 10**18 * unit // 10**18 * VALUE_EPOCHS * met // (LOOKBACK * LOOKBACK)


@dataclass
class Offering:
    """One offering and its model: NodeOffering's totals and positions, step for step."""

    outcome: str
    spec: Any  # NodeSpec
    offering_id: int
    start: int
    end: int
    deadline: int
    first_epoch: int
    window_end: int  # the last second exits are open
    purchases: dict[str, list] = field(default_factory=dict)  # buyer -> [shares, claimed, paid]
    bought: int = 0  # shares bought over the sale (before refunds)
    sold: int = 0
    raised: int = 0
    withdrawn: int = 0
    exit_paid: int = 0
    exited: int = 0
    confirmed: bool = False
    swept: int = 0  # into the node token's revenue stream, after the exit window
    swept_epoch: int | None = None  # the epoch the sweep was deposited in (its feed round)
    refunded: int = 0
    released_at_close: int = 0  # withdrawn by the operator at the close
    released_on_burn_in: int = 0  # withdrawn after burn-in was confirmed
    burnt: int = 0  # exited shares burnt from balances
    by_authorization: int = 0  # purchases a relayer submitted

    def status(self, now: int) -> int:
        if now < self.start:
            return PENDING
        if now < self.end:
            return SUCCEEDED if self.sold == SHARES_FOR_SALE else OPEN
        return SUCCEEDED if self.raised >= MIN_RAISE else FAILED

    def withdrawable(self, now: int) -> int:
        if self.status(now) != SUCCEEDED:
            return 0
        released = self.raised if self.confirmed else self.raised * RELEASE_BPS // BPS
        return released - self.withdrawn

    def exit_value(self, shares: int) -> int:
        outstanding = self.sold - self.exited
        return self.pool() * shares // outstanding if outstanding else 0

    def pool(self) -> int:
        """The proceeds not released at the close, not paid to exits and not swept."""
        return self.raised - self.raised * RELEASE_BPS // BPS - self.exit_paid - self.swept

    def holds(self) -> int:
        """What NodeOffering holds for this offering (NOF-1's part)."""
        return self.raised - self.withdrawn - self.exit_paid - self.swept


@dataclass
class Loan:
    borrower: Any
    shares: int
    amount: int
    epoch: int
    value: int
    liquidated_epoch: int | None = None
    liquidator: Any = None


@dataclass
class FleetOfferings:
    fleet: Any
    offerings: list[Offering]
    feeds: dict[int, Any]  # node id -> RevenueFeed
    lender: Any
    unit: int  # the stablecoin's whole unit
    supply: dict[int, int]  # node id -> shares, the simulation's own count
    supply_at_end: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    requeued: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    trailing: dict[int, list[tuple[int, int, int, int]]] = field(default_factory=lambda: defaultdict(list))
    loans: list[Loan] = field(default_factory=list)
    lender_stable: int = 0  # the lender's stablecoin, by the model
    collateral: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    debt: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    values_checked: int = 0

    # --- setup ------------------------------------------------------------------------------
    @classmethod
    def deploy(cls, fleet: Any, verified_until: int) -> FleetOfferings:
        """Every node's feed, the offerings of the fleet's offered nodes (the sale window: from
        now to the end of epoch SALE_EPOCH), the investors' funds and approvals, and the lender."""
        s, chain, issuer = fleet.suite, fleet.chain, fleet.issuer
        feeds_by_token = create_feeds(s, chain, issuer, [spec.token for spec in fleet.nodes])
        fleet.stats.transactions += len(feeds_by_token)
        feeds = {spec.node_id: feeds_by_token[spec.token.address] for spec in fleet.nodes}
        genesis, length = fleet.genesis, fleet.epoch_length
        start = chain.timestamp + 60  # before the epoch's demand; NodeOffering wants it not past
        end = genesis + (SALE_EPOCH + 1) * length
        first_epoch = -(-(end - genesis) // length)
        deadline = genesis + (first_epoch + BURN_IN_EPOCHS + 1) * length
        offerings = []
        for outcome, spec in zip(OUTCOMES, fleet.offered, strict=True):
            created = create_offering(
                s,
                chain,
                issuer,
                spec.node_id,
                SHARES_FOR_SALE,
                PRICE,
                MIN_RAISE,
                start,
                end,
                RELEASE_BPS,
                BURN_IN_EPOCHS,
                deadline,
                EXIT_WINDOW_EPOCHS * length,
            )
            fleet.stats.transactions += len(created.receipts)
            window_end = deadline + EXIT_WINDOW_EPOCHS * length
            offering = Offering(outcome, spec, created.offering_id, start, end, deadline, first_epoch, window_end)
            offerings.append(offering)
            window = range(first_epoch, first_epoch + BURN_IN_EPOCHS)
            for epoch in range(first_epoch + BURN_IN_EPOCHS):
                healthy = outcome != MISSES or epoch <= first_epoch
                fleet.uptime_override[(spec.node_id, epoch)] = (
                    10_000 if healthy or epoch not in window else spec.sla_uptime_bps - BELOW_SLA_BPS
                )
        for investor in fleet.investors:
            fleet.send("mint stablecoin", s.stablecoin.mint, investor, INVESTOR_FUNDS, sender=issuer)
            fleet.send("approve (offering)", s.stablecoin.approve, s.offering, MAX_UINT256, sender=investor)
        missed = next(o for o in offerings if o.outcome == MISSES)
        unit = 10 ** s.stablecoin.decimals()
        lender = chain.deploy(
            "MockLender",
            s.stablecoin,
            s.stablecoin.decimals(),
            feeds[missed.spec.node_id],
            LOOKBACK,
            VALUE_EPOCHS,
            LTV_BPS,
            LIQUIDATION_BPS,
            sender=issuer,
        )
        fleet.stats.transactions += 1
        fleet.send("verify lender", s.identity.set_verified, lender, verified_until, sender=issuer)
        fleet.send("mint stablecoin", s.stablecoin.mint, lender, LENDER_FUNDS, sender=issuer)
        supply = {spec.node_id: 0 if spec.offered else fleet.revenue[spec.node_id].supply for spec in fleet.nodes}
        return cls(fleet, offerings, feeds, lender, unit, supply, lender_stable=LENDER_FUNDS)

    # --- per epoch --------------------------------------------------------------------------
    def sale(self, epoch: int) -> None:
        """Epoch SALE_EPOCH, before its demand: the investors buy (see the module's doc)."""
        if epoch != SALE_EPOCH:
            return
        fleet = self.fleet
        fleet.chain.pending_timestamp = max(fleet.chain.pending_timestamp, self.offerings[0].start)
        investors = fleet.investors
        for offering in self.offerings:
            if offering.outcome == PASSES:
                each = SHARES_FOR_SALE * 9 // 10 // len(investors)
                plan = [(investor, each) for investor in investors]
            elif offering.outcome == UNDERSUBSCRIBED:
                plan = [(investor, 100 * SHARE) for investor in investors[:2]]
            else:
                each = SHARES_FOR_SALE * 8 // 10 // len(investors)
                plan = [(investor, each + k * SHARE) for k, investor in enumerate(investors)]
            for k, (investor, shares) in enumerate(plan):
                signed = offering.outcome == PASSES and k == len(plan) - 1
                self.buy(offering, investor, shares, signed)

    def buy(self, offering: Offering, investor: Any, shares: int, signed: bool) -> None:
        fleet, s = self.fleet, self.fleet.suite
        if signed:
            salt, valid_before = fleet.fresh_salt(), fleet.chain.timestamp + 10 * HOUR
            domain = fleet.stable_domain
            doc = purchase_authorization(
                domain,
                investor.address,
                s.offering.address,
                cost(shares),
                offering.offering_id,
                shares,
                salt,
                0,
                valid_before,
            )
            signature = fleet.sign(investor, domain, doc["primaryType"], doc["message"])
            receipt = fleet.send(
                "offering buy_with_authorization",
                s.offering.buy_with_authorization,
                offering.offering_id,
                investor.address,
                shares,
                0,
                valid_before,
                salt,
                *signature.vrs,
                sender=fleet.relayer,
            )
            offering.by_authorization += 1
        else:
            receipt = fleet.send("offering buy", s.offering.buy, offering.offering_id, shares, sender=investor)
        paid = cost(shares)
        logged = [e for e in receipt.events if e.name == "Purchased" and e.address == s.offering.address]
        if [(e.buyer, e.shares, e.paid) for e in logged] != [(investor.address, shares, paid)]:
            raise ReconciliationError(f"offering {offering.offering_id}: {investor.address} bought {logged}")
        position = offering.purchases.setdefault(investor.address, [0, False, 0])
        position[0] += shares
        position[2] += paid
        offering.bought += shares
        offering.sold += shares
        offering.raised += paid

    def close(self, epoch: int) -> None:
        """The first thing after epoch `epoch` ends (before anything else touches a token):
        the supply each feed's round is over, then claims, refunds and the close's release
        (after the sale), exits (after the burn-in deadline) and the sweep (after the exit window)."""
        fleet = self.fleet
        for node_id, shares in self.supply.items():
            self.supply_at_end[node_id][epoch] = shares
        now = fleet.chain.pending_timestamp
        for offering in self.offerings:
            if epoch == SALE_EPOCH:
                if offering.status(now) == SUCCEEDED:
                    self.claim_all(offering, epoch)
                    self.withdraw(offering, at_close=True)
                else:
                    for buyer, position in offering.purchases.items():
                        self.refund(offering, buyer, position)
            elif (
                offering.outcome == MISSES
                and not offering.confirmed
                and not offering.exited
                and fleet.chain.pending_timestamp > offering.deadline
            ):
                self.exit_all(offering)
            elif (
                offering.outcome == MISSES
                and not offering.swept
                and offering.pool()
                and fleet.chain.pending_timestamp > offering.window_end
            ):
                self.sweep(offering)

    def sweep(self, offering: Offering) -> None:
        """The relayer sweeps what no exit took into the node's token: a deposit of its revenue."""
        fleet = self.fleet
        amount = offering.pool()
        receipt = fleet.send("offering sweep", fleet.suite.offering.sweep, offering.offering_id, sender=fleet.relayer)
        logged = [(e.amount, e.credited) for e in receipt.events if e.name == "Swept"]
        if logged != [(amount, amount)]:
            raise ReconciliationError(f"offering {offering.offering_id}: swept {logged}, the model {amount}")
        offering.swept += amount
        offering.swept_epoch = (receipt.timestamp - fleet.genesis) // fleet.epoch_length
        fleet.deposit_revenue(offering.spec.node_id, receipt.timestamp, amount)

    def claim_all(self, offering: Offering, epoch: int) -> None:
        """The relayer claims every buyer's shares in one `claim_shares_batch`."""
        fleet = self.fleet
        node_id = offering.spec.node_id
        receipt = fleet.send(
            "offering claim_shares_batch",
            fleet.suite.offering.claim_shares_batch,
            offering.offering_id,
            list(offering.purchases),
            sender=fleet.relayer,
        )
        logged = [(e.buyer, e.shares) for e in receipt.events if e.name == "SharesClaimed"]
        expected = [(buyer, position[0]) for buyer, position in offering.purchases.items()]
        if logged != expected:
            raise ReconciliationError(f"offering {offering.offering_id}: claimed {logged}, the model {expected}")
        for buyer, position in offering.purchases.items():
            if self.supply[node_id] == 0:
                # the epoch before's revenue streamed to nobody until now: the token queues it
                # again (whole units) into this epoch, the first claim's
                queued = fleet.deposits[node_id].get(epoch, 0) + self.requeued[node_id].get(epoch, 0)
                seconds = receipt.timestamp - (fleet.genesis + (epoch + 1) * fleet.epoch_length)
                self.requeued[node_id][epoch + 1] += queued * seconds // fleet.epoch_length
            fleet.revenue[node_id].move(receipt.timestamp, None, buyer, position[0])
            self.supply[node_id] += position[0]
            position[1] = True

    def refund(self, offering: Offering, buyer: str, position: list) -> None:
        fleet = self.fleet
        investor = next(i for i in fleet.investors if i.address == buyer)
        receipt = fleet.send(
            "offering refund", fleet.suite.offering.refund, offering.offering_id, investor, sender=investor
        )
        logged = sum(e.amount for e in receipt.events if e.name == "Refunded")
        if logged != position[2]:
            raise ReconciliationError(f"offering {offering.offering_id}: {buyer} refunded {logged}, paid {position[2]}")
        offering.sold -= position[0]
        offering.raised -= position[2]
        offering.refunded += position[2]
        position[0] = position[2] = 0

    def withdraw(self, offering: Offering, at_close: bool) -> None:
        fleet = self.fleet
        operator = offering.spec.operator
        amount = offering.withdrawable(fleet.chain.pending_timestamp)
        if not amount:
            return
        receipt = fleet.send(
            "offering withdraw_proceeds",
            fleet.suite.offering.withdraw_proceeds,
            offering.offering_id,
            operator,
            sender=operator,
        )
        logged = sum(e.amount for e in receipt.events if e.name == "ProceedsWithdrawn")
        if logged != amount:
            raise ReconciliationError(f"offering {offering.offering_id}: withdrew {logged}, the model {amount}")
        offering.withdrawn += amount
        if at_close:
            offering.released_at_close += amount
        else:
            offering.released_on_burn_in += amount

    def exit_all(self, offering: Offering) -> None:
        """Every buyer exits what it bought and still holds (shares sold on or pledged are gone)."""
        fleet = self.fleet
        node_id = offering.spec.node_id
        model = fleet.revenue[node_id]
        for investor in fleet.investors:
            position = offering.purchases.get(investor.address)
            if position is None:
                continue
            shares = min(position[0], model.balances.get(investor.address, 0))
            if not shares:
                continue
            amount = offering.exit_value(shares)
            receipt = fleet.send(
                "offering exit", fleet.suite.offering.exit, offering.offering_id, shares, investor, sender=investor
            )
            logged = [(e.shares, e.burnt, e.amount) for e in receipt.events if e.name == "Exited"]
            if logged != [(shares, shares, amount)]:
                raise ReconciliationError(f"offering {offering.offering_id}: {investor.address} exited {logged}")
            model.move(receipt.timestamp, investor.address, None, shares)
            self.supply[node_id] -= shares
            position[0] -= shares
            offering.exited += shares
            offering.exit_paid += amount
            offering.burnt += shares

    def after_reports(self, epoch: int) -> None:
        """Once epoch `epoch`'s reports are in: burn-in and the rest of the proceeds, the
        feeds' trailing figures, and the lender."""
        fleet = self.fleet
        for offering in self.offerings:
            if offering.outcome == PASSES and epoch == offering.first_epoch + BURN_IN_EPOCHS - 1:
                fleet.send(
                    "offering confirm_burn_in",
                    fleet.suite.offering.confirm_burn_in,
                    offering.offering_id,
                    offering.first_epoch,
                    sender=fleet.relayer,
                )
                offering.confirmed = True
                self.withdraw(offering, at_close=False)
        current = epoch + 1
        if current >= LOOKBACK:
            for offering in self.offerings:
                self.trailing[offering.spec.node_id].append((epoch, *self.expected_trailing(offering.spec, current)))
        self.lend(epoch)

    def lend(self, epoch: int) -> None:
        fleet = self.fleet
        missed = next(o for o in self.offerings if o.outcome == MISSES)
        spec = missed.spec
        if not self.loans and epoch == missed.first_epoch and epoch + 1 >= LOOKBACK:
            balances = fleet.revenue[spec.node_id].balances
            holders = [i for i in fleet.investors if balances.get(i.address, 0)]
            if len(holders) < 2:
                return  # a borrower and a liquidator
            borrower = max(holders, key=lambda i: (missed.purchases.get(i.address, [0])[0], balances[i.address]))
            shares = balances[borrower.address]
            fleet.send("approve (lender)", spec.token.approve, self.lender, shares, sender=borrower)
            receipt = fleet.send("lender deposit", self.lender.deposit, shares, sender=borrower)
            fleet.revenue[spec.node_id].move(receipt.timestamp, borrower.address, self.lender.address, shares)
            self.collateral[borrower.address] += shares
            value = self.value(spec, shares, epoch + 1)
            amount = value * LTV_BPS // BPS
            if amount:
                fleet.send("lender borrow", self.lender.borrow, amount, sender=borrower)
                self.debt[borrower.address] += amount
                self.lender_stable -= amount
            self.loans.append(Loan(borrower, shares, amount, epoch, value))
            return
        for loan in self.loans:
            if loan.liquidated_epoch is not None or not loan.amount:
                continue
            debt = self.debt[loan.borrower.address]
            if debt <= self.value(spec, self.collateral[loan.borrower.address], epoch + 1) * LIQUIDATION_BPS // BPS:
                continue
            liquidator = next(i for i in fleet.investors if i is not loan.borrower)
            fleet.send("approve (lender)", fleet.suite.stablecoin.approve, self.lender, debt, sender=liquidator)
            receipt = fleet.send("lender liquidate", self.lender.liquidate, loan.borrower, sender=liquidator)
            shares = self.collateral.pop(loan.borrower.address)
            fleet.revenue[spec.node_id].move(receipt.timestamp, self.lender.address, liquidator.address, shares)
            self.debt[loan.borrower.address] = 0
            self.lender_stable += debt
            loan.liquidated_epoch, loan.liquidator = epoch, liquidator

    # --- the independent feed model ---------------------------------------------------------
    def expected_answer(self, node_id: int, epoch: int) -> int:
        amount = self.fleet.deposits[node_id].get(epoch, 0) + self.requeued[node_id].get(epoch, 0)
        return feed_answer(amount, self.supply_at_end[node_id].get(epoch, self.supply[node_id]), self.unit)

    def expected_trailing(self, spec: Any, current: int, rounds: int = LOOKBACK) -> tuple[int, int, int]:
        """(revenue, met, judged) of `trailing(rounds)` when `current` is the epoch now: every
        epoch of the fleet is reported, so every one is judged."""
        epochs = range(current - rounds, current)
        revenue = sum(self.expected_answer(spec.node_id, e) for e in epochs)
        uptime = self.fleet.stats.uptime[spec.node_id]
        met = sum(1 for e in epochs if uptime[e] >= spec.sla_uptime_bps)
        return revenue, met, len(epochs)

    def value(self, spec: Any, shares: int, current: int) -> int:
        revenue, met, _ = self.expected_trailing(spec, current)
        return lender_value(shares, revenue, met, self.unit)

    # --- reconciliation ---------------------------------------------------------------------
    def reconcile(self, check: Any, read: Any, now: int) -> None:
        """Every offering, feed and lender figure on-chain against the models."""
        fleet, s = self.fleet, self.fleet.suite
        current = (now - fleet.genesis) // fleet.epoch_length
        for offering in self.offerings:
            i = offering.offering_id
            totals = read(s.offering.totals, i)
            model = (offering.sold, offering.raised, offering.withdrawn, offering.exit_paid, offering.exited)
            names = ("sold", "raised", "withdrawn", "exit_paid", "exited")
            for name, chain_value, model_value in zip(names, totals[:5], model, strict=True):
                check(f"offering {i} {name}", chain_value, model_value)
            check(f"offering {i} burn-in confirmed", int(totals[5]), int(offering.confirmed))
            check(f"offering {i} swept", totals[6], offering.swept)
            check(f"offering {i} status", read(s.offering.status, i), offering.status(now))
            check(f"offering {i} withdrawable", read(s.offering.withdrawable, i), offering.withdrawable(now))
            for buyer, (shares, claimed, paid) in offering.purchases.items():
                position = read(s.offering.purchase, i, buyer)
                check(f"offering {i} purchase({buyer}) shares", position[0], shares)
                check(f"offering {i} purchase({buyer}) claimed", int(position[1]), int(claimed))
                check(f"offering {i} purchase({buyer}) paid", position[2], paid)
        held = sum(o.holds() for o in self.offerings)
        check("NOF-1 NodeOffering's stablecoin", read(s.stablecoin.balanceOf, s.offering), held)
        for spec in fleet.nodes:
            feed, node_id = self.feeds[spec.node_id], spec.node_id
            round_id, answer, _, updated_at, answered_in = read(feed.latestRoundData)
            expected = self.expected_answer(node_id, current - 1)
            check(f"node {node_id} feed round", round_id, current - 1)
            check(f"node {node_id} feed answeredInRound", answered_in, current - 1)
            check(f"node {node_id} feed answer (round {current - 1})", answer, expected)
            check(f"node {node_id} feed updatedAt", updated_at, fleet.genesis + current * fleet.epoch_length)
            check(f"node {node_id} totalSupply", read(spec.token.totalSupply), self.supply[node_id])
        if current >= LOOKBACK:
            for offering in self.offerings:
                chain_trailing = read(self.feeds[offering.spec.node_id].trailing, LOOKBACK)
                expected_trailing = self.expected_trailing(offering.spec, current)
                for name, a, b in zip(("revenue", "met", "judged"), chain_trailing, expected_trailing, strict=True):
                    check(f"node {offering.spec.node_id} feed trailing({LOOKBACK}) {name}", a, b)
        lender = self.lender
        token = next(o for o in self.offerings if o.outcome == MISSES).spec.token
        node_id = next(o for o in self.offerings if o.outcome == MISSES).spec.node_id
        check("lender's stablecoin", read(s.stablecoin.balanceOf, lender), self.lender_stable)
        check("lender's node tokens", read(token.balanceOf, lender), sum(self.collateral.values()))
        check(
            f"node {node_id} claimable(lender)",
            read(token.claimable, lender),
            fleet.revenue[node_id].claimable(lender.address, now),
        )
        for loan in self.loans:
            borrower = loan.borrower.address
            check(f"lender collateral({borrower})", read(lender.collateral, borrower), self.collateral.get(borrower, 0))
            check(f"lender debt({borrower})", read(lender.debt, borrower), self.debt.get(borrower, 0))
        if current >= LOOKBACK and self.loans:
            spec = next(o for o in self.offerings if o.outcome == MISSES).spec
            shares = self.loans[0].shares
            check(f"lender value({shares})", read(lender.value, shares), self.value(spec, shares, current))
            self.values_checked += 1

    # --- the report -------------------------------------------------------------------------
    def answers(self, node_id: int) -> list[int]:
        """The feed's answer of every round ended so far (the model's: reconciled with the chain)."""
        return [self.expected_answer(node_id, e) for e in range(len(self.fleet.stats.uptime[node_id]))]

    def offering_yield(self, offering: Offering) -> dict:
        """Revenue per share over the rounds from the first after the close to the last ended
        (the feeds' answers, reconciled), per day, and on the offering price: per day and x365.
        A sweep is the buyers' own capital coming back, not revenue: its part of its round's
        answer is left out (the feed counts it, as it counts every deposit)."""
        node_id = offering.spec.node_id
        if offering.status(self.fleet.chain.timestamp) == FAILED:
            return {
                "rounds": 0,
                "revenue_per_share": None,
                "revenue_per_share_per_day": None,
                "yield_per_day_on_price": None,
                "yield_annualised_on_price": None,
            }
        rounds = self.answers(node_id)[offering.first_epoch :]
        per_share = sum(rounds)  # whole stablecoin units per share, 18 decimals
        if offering.swept_epoch is not None and offering.first_epoch + len(rounds) > offering.swept_epoch:
            supply = self.supply_at_end[node_id].get(offering.swept_epoch, self.supply[node_id])
            per_share -= feed_answer(offering.swept, supply, self.unit)
        price = PRICE / DOLLAR
        per_day = per_share / 10**18 / len(rounds) if rounds else None
        return {
            "rounds": len(rounds),
            "revenue_per_share": per_share,
            "revenue_per_share_per_day": per_day,
            "yield_per_day_on_price": per_day / price if per_day is not None else None,
            "yield_annualised_on_price": per_day / price * 365 if per_day is not None else None,
        }

    def report(self) -> dict:
        now = self.fleet.chain.timestamp
        return {
            "terms": {
                "price": PRICE,
                "shares_for_sale": SHARES_FOR_SALE,
                "min_raise": MIN_RAISE,
                "release_bps": RELEASE_BPS,
                "burn_in_epochs": BURN_IN_EPOCHS,
            },
            "offerings": [
                {
                    "offering_id": o.offering_id,
                    "node_id": o.spec.node_id,
                    "outcome": o.outcome,
                    "status": {SUCCEEDED: "succeeded", FAILED: "failed"}.get(o.status(now), "open"),
                    "buyers": len(o.purchases),
                    "bought_by_authorization": o.by_authorization,
                    "sold": o.bought,
                    "raise": o.raised + o.refunded,
                    "released_at_close": o.released_at_close,
                    "released_on_burn_in": o.released_on_burn_in,
                    "burn_in_confirmed": o.confirmed,
                    "refunded": o.refunded,
                    "exited_shares": o.exited,
                    "exit_paid": o.exit_paid,
                    "swept_to_holders": o.swept,
                    "held_in_escrow": o.holds(),
                    "first_burn_in_epoch": o.first_epoch,
                    "burn_in_deadline": o.deadline,
                    "exit_window_end": o.window_end,
                    "yield": self.offering_yield(o),
                }
                for o in self.offerings
            ],
            "feeds": {
                str(node_id): {"answers": self.answers(node_id), "address": feed.address}
                for node_id, feed in self.feeds.items()
            },
            "trailing": {
                str(node_id): [
                    {"epoch": e, "revenue": revenue, "met": met, "judged": judged} for e, revenue, met, judged in rows
                ]
                for node_id, rows in self.trailing.items()
            },
            "lender": {
                "address": self.lender.address,
                "node_id": next(o for o in self.offerings if o.outcome == MISSES).spec.node_id,
                "lookback": LOOKBACK,
                "value_epochs": VALUE_EPOCHS,
                "ltv_bps": LTV_BPS,
                "liquidation_bps": LIQUIDATION_BPS,
                "funds": LENDER_FUNDS,
                "stablecoin": self.lender_stable,
                "values_checked": self.values_checked,
                "loans": [
                    {
                        "borrower": loan.borrower.address,
                        "shares": loan.shares,
                        "value": loan.value,
                        "borrowed": loan.amount,
                        "epoch": loan.epoch,
                        "liquidated_epoch": loan.liquidated_epoch,
                        "liquidator": loan.liquidator.address if loan.liquidator is not None else None,
                    }
                    for loan in self.loans
                ],
            },
        }
