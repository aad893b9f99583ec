"""Customers who rent capacity by the hour instead of paying per inference (issue #20):
NodeRentals in the fleet, acted on every epoch and reconciled to the wei.

Offers. In setup every node's operator offers all its GPUs (`units` = its GPU count) at an
hourly price per GPU by model (`HOURLY`, times the node's own price factor), a
`CANCELLATION_FEE_BPS` fee and `NOTICE_HOURS` of notice (`NodeRegistry.set_rental`).

Renters. `RENTERS_PER_NODE` renters a node (keys of their own, not the inference customers, so
the per-inference demand is the same with or without rentals), each in a region, holding `FUNDS`
of the stablecoin. They only sign: each booking's rent is an EIP-3009 authorization to Settlement
bound to the booking (`book_with_authorization`), which the relayer submits. Every epoch, an hour
into it, each renter books a number of GPUs of the cheapest node of its region per GPU-hour that
has them free all along the window (falling back to any region), for 4 to 30 hours starting 2 to
8 hours after the epoch's start: a window may run into the next epoch. One more renter, the first
test account the fleet leaves free (none at a scale that needs every account), books from its
prepaid balance and cancels each booking right after making it: the hours that start after the
notice are refunded, less the node's fee, which the next release pays. Refunds land in the
renters' prepaid balances. Once the epoch's reports are in, the
relayer releases every booking's judged epochs: each node is paid its hours' rent times its
attested uptime, split like any payment, the rest goes back to the renter (refunds for downtime).

The model: every booking (terms, hours, release cursor, fees due) and the units booked per
(node, hour) are kept here; Settlement's side (prepaid balances, the escrow inside what it
owes, earnings, the holders' part into each token) goes through the fleet's `SettlementModel` and
`record_payment`, so the fleet's SET-1 and token checks cover rentals too. `reconcile` compares
every booking (`booking(id)`), the units booked at each hour of each booking and every renter's
prepaid balance with the chain.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_utils import keccak

from computerwa.client.vouchers import booking_authorization
from computerwa.sim.regions import DOLLAR, REGIONS


def accounts_in_use(fleet: Any) -> int:
    """The test accounts the fleet's roles take (issuer, relayer, operators, investors)."""
    from computerwa.sim.fleet import accounts_needed

    return accounts_needed(len(fleet.nodes), len(fleet.investors))


HOUR = 3_600
MAX_BPS = 10_000
RENTERS_PER_NODE = 1  # 8 renters for the demo's 8 nodes
FUNDS = 20_000 * DOLLAR
CANCELLATION_FEE_BPS = 2_000
NOTICE_HOURS = 2
OFFER_VERSION = 1  # each operator sets its offer once, in setup
# stablecoin base units per GPU-hour, by GPU model (before the node's own price factor)
HOURLY = {"H100-SXM": 2_000_000, "A100-80G": 1_200_000, "L40S": 800_000, "RTX-4090": 400_000}


@dataclass
class Booking:
    booking_id: int
    renter: str
    node_id: int
    units: int
    price: int
    start: int
    end: int
    cursor: int
    fee_due: int = 0
    escrowed_at_booking: int = 0
    hours: int = 0  # as booked (a cancel moves `end`)

    def escrowed(self) -> int:
        return self.units * self.price * (self.end - self.cursor) + self.fee_due


@dataclass
class FleetRentals:
    fleet: Any
    renters: list[Any]
    region: dict[str, str]
    offers: dict[int, tuple[int, int]]  # node -> (units, price per unit-hour)
    hours_per_epoch: int
    rng: random.Random
    canceller: Any  # the renter that books from its prepaid balance and cancels (a test account), or None
    bookings: dict[int, Booking] = field(default_factory=dict)
    booked: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    uptime: dict[tuple[int, int], int] = field(default_factory=dict)  # (node, epoch) -> attested bps
    rent_booked: int = 0
    rent_paid: int = 0  # to the nodes, for attested uptime
    refunded_downtime: int = 0
    refunded_cancelled: int = 0
    fees_paid: int = 0  # cancellation fees the nodes were paid
    paid_in_events: int = 0  # what the releases' NodePaid events say the nodes were paid
    unit_hours_booked: int = 0
    unit_hours_cancelled: int = 0
    unit_hours_offered: int = 0
    cancellations: int = 0
    releases: int = 0
    dirty: set[int] = field(default_factory=set)  # bookings changed since the last reconciliation

    # --- setup ------------------------------------------------------------------------------
    @classmethod
    def deploy(cls, fleet: Any) -> FleetRentals:
        """Every node's offer; the renters, funded (the canceller's half deposited)."""
        s, issuer = fleet.suite, fleet.issuer
        rng = random.Random(f"ComputeRWA rentals {fleet.seed}")
        offers = {}
        for spec in fleet.nodes:
            # the node's own price factor (its per-work-unit price against its GPU's list price)
            price = HOURLY[spec.gpu_model] * rng.randint(90, 110) // 100
            fleet.send(
                "set_rental",
                s.registry.set_rental,
                spec.node_id,
                spec.gpu_count,
                price,
                CANCELLATION_FEE_BPS,
                NOTICE_HOURS,
                sender=spec.operator,
            )
            offers[spec.node_id] = (spec.gpu_count, price)
        count = max(1, round(RENTERS_PER_NODE * len(fleet.nodes)))
        renters = [Account.from_key(keccak(b"ComputeRWA simulated renter %d" % i)) for i in range(count)]
        regions = list(REGIONS)
        region = {r.address: regions[i % len(regions)] for i, r in enumerate(renters)}
        # the one renter that sends transactions itself (the others only sign): the first test account
        # the fleet leaves free, if any; it cancels one booking an epoch
        spare = list(fleet.chain.accounts)[accounts_in_use(fleet) :]
        canceller = spare[0] if spare else None
        if canceller is not None:
            renters.append(canceller)
        rentals = cls(fleet, renters, region, offers, fleet.epoch_length // HOUR, rng, canceller)
        for renter in renters:
            rentals.region.setdefault(renter.address, regions[len(rentals.region) % len(regions)])
            fleet.send("mint stablecoin", s.stablecoin.mint, renter.address, FUNDS, sender=issuer)
        if canceller is not None:  # it books from its prepaid balance
            fleet.send("approve", s.stablecoin.approve, s.settlement, FUNDS, sender=canceller)
            fleet.send("deposit (renter)", s.settlement.deposit, FUNDS // 2, sender=canceller)
            fleet.model.credit(canceller.address, FUNDS // 2)
        return rentals

    # --- per epoch --------------------------------------------------------------------------
    def free(self, node_id: int, start: int, hours: int) -> int:
        units = self.offers[node_id][0]
        # .get: a probe of a node's free hours must not add an entry per (node, hour) it looked at
        return units - max(self.booked.get((node_id, h), 0) for h in range(start, start + hours))

    def book(self, epoch: int) -> None:
        """Each renter books GPUs of its region's cheapest node with them free (see the module)."""
        fleet = self.fleet
        rentals = fleet.suite.rentals
        first_hour = epoch * self.hours_per_epoch
        for renter in self.renters:
            # after the current hour, whatever the transactions before took (a second each)
            now_hour = (fleet.chain.pending_timestamp - fleet.genesis) // HOUR
            start = max(first_hour + self.rng.randint(2, 8), now_hour + 2)
            hours = self.rng.randint(4, 30)
            wanted = self.rng.randint(1, 4)
            by_price = sorted(
                fleet.nodes,
                key=lambda s: (s.region != self.region[renter.address], self.offers[s.node_id][1], s.node_id),
            )
            spec = next((s for s in by_price if self.free(s.node_id, start, hours) >= wanted), None)
            if spec is None:
                continue
            units, price = wanted, self.offers[spec.node_id][1]
            rent = units * price * hours
            if renter is self.canceller:  # from its prepaid balance
                receipt = fleet.send(
                    "book (prepaid)", rentals.book, spec.node_id, units, start, hours, OFFER_VERSION, sender=renter
                )
                fleet.model.escrow_rent(renter.address, rent)
            else:  # signed once, submitted by the relayer
                receipt = self.book_signed(renter, spec.node_id, units, start, hours, rent)
                fleet.model.escrow_received(rent)
            booking_id = next(e.booking_id for e in receipt.events if e.name == "Booked")
            self.bookings[booking_id] = Booking(
                booking_id, renter.address, spec.node_id, units, price, start, start + hours, start, 0, rent, hours
            )
            for h in range(start, start + hours):
                self.booked[(spec.node_id, h)] += units
            self.dirty.add(booking_id)
            self.rent_booked += rent
            self.unit_hours_booked += units * hours
            if renter is self.canceller:
                self.cancel(renter, self.bookings[booking_id])

    def book_signed(self, renter: Any, node_id: int, units: int, start: int, hours: int, rent: int) -> Any:
        fleet = self.fleet
        salt, now = fleet.fresh_salt(), fleet.chain.timestamp
        doc = booking_authorization(
            fleet.stable_domain,
            renter.address,
            fleet.suite.settlement.address,
            rent,
            node_id,
            units,
            start,
            hours,
            OFFER_VERSION,
            salt,
            0,
            now + 10 * HOUR,
        )
        signature = fleet.sign(renter, fleet.stable_domain, doc["primaryType"], doc["message"])
        return fleet.send(
            "book_with_authorization",
            fleet.suite.rentals.book_with_authorization,
            renter.address,
            node_id,
            units,
            start,
            hours,
            OFFER_VERSION,
            rent,
            0,
            now + 10 * HOUR,
            salt,
            *signature.vrs,
            sender=fleet.relayer,
        )

    def cancel(self, renter: Any, booking: Booking) -> None:
        fleet = self.fleet
        now = fleet.chain.pending_timestamp
        cut = max(booking.start, (now - fleet.genesis) // HOUR + 1 + NOTICE_HOURS)
        if cut >= booking.end:
            return
        fleet.send("cancel", fleet.suite.rentals.cancel, booking.booking_id, sender=renter)
        rent = booking.units * booking.price * (booking.end - cut)
        fee = rent * CANCELLATION_FEE_BPS // MAX_BPS
        for h in range(cut, booking.end):
            self.booked[(booking.node_id, h)] -= booking.units
        self.unit_hours_cancelled += booking.units * (booking.end - cut)
        booking.end, booking.fee_due = cut, booking.fee_due + fee
        self.dirty.add(booking.booking_id)
        fleet.model.pay_rent(booking.node_id, renter.address, 0, rent - fee)
        self.refunded_cancelled += rent - fee
        self.cancellations += 1

    def after_reports(self, epoch: int) -> None:
        """The epoch's reports are in: record each node's uptime, release every booking's judged epochs."""
        fleet = self.fleet
        for spec in fleet.nodes:
            reported_epoch, uptime = fleet.reports[spec.node_id][:2]
            self.uptime[(spec.node_id, reported_epoch)] = uptime
        for booking in self.bookings.values():
            paid, refund, cursor = 0, 0, booking.cursor
            while cursor < booking.end:
                e = cursor // self.hours_per_epoch
                if (booking.node_id, e) not in self.uptime:
                    break  # not reported yet (the simulation reports every node every epoch)
                upto = min(booking.end, (e + 1) * self.hours_per_epoch)
                rent = booking.units * booking.price * (upto - cursor)
                share = rent * self.uptime[(booking.node_id, e)] // MAX_BPS
                paid, refund, cursor = paid + share, refund + rent - share, upto
            if cursor == booking.cursor and booking.fee_due == 0:
                continue
            receipt = fleet.send(
                "release (rent)", fleet.suite.rentals.release, booking.booking_id, 8, sender=fleet.relayer
            )
            fee = booking.fee_due
            booking.cursor, booking.fee_due = cursor, 0
            self.dirty.add(booking.booking_id)
            self.rent_paid += paid
            self.fees_paid += fee
            self.refunded_downtime += refund
            self.releases += 1
            self.paid_in_events += sum(e.amount for e in receipt.events if e.name == "NodePaid")
            payment = fleet.model.pay_rent(booking.node_id, booking.renter, paid + fee, refund)
            if payment is not None:
                fleet.record_payment(payment, receipt.timestamp)
        self.unit_hours_offered += sum(units for units, _ in self.offers.values()) * self.hours_per_epoch

    # --- reconciliation ---------------------------------------------------------------------
    def reconcile(self, check: Any, read: Any) -> None:
        s = self.fleet.suite
        for renter in self.renters:
            check(
                f"prepaid({renter.address}) (renter)",
                read(s.settlement.prepaid, renter.address),
                self.fleet.model.prepaid[renter.address],
            )
        # the bookings made, cancelled or released since the last reconciliation, and every hour of
        # them (at the original end too: a cancel frees hours), so the cost follows the activity
        for booking_id in sorted(self.dirty):
            booking = self.bookings[booking_id]
            view = read(s.rentals.booking, booking_id)
            check(f"booking {booking_id} end hour", view[7], booking.end)
            check(f"booking {booking_id} released until", view[8], booking.cursor)
            check(f"booking {booking_id} fees due", view[9], booking.fee_due)
            check(f"booking {booking_id} escrowed", view[10], booking.escrowed())
            for hour in range(booking.start, booking.start + booking.hours):
                key = (booking.node_id, hour)
                check(f"booked({booking.node_id}, {hour})", read(s.rentals.booked, *key), self.booked[key])
        self.dirty = set()

    def escrowed(self) -> int:
        return sum(b.escrowed() for b in self.bookings.values())

    def report(self) -> dict:
        return {
            "renters": len(self.renters),
            "bookings": len(self.bookings),
            "cancellations": self.cancellations,
            "releases": self.releases,
            "rent_booked": self.rent_booked,
            "rent_paid_for_uptime": self.rent_paid,
            "refunded_for_downtime": self.refunded_downtime,
            "refunded_on_cancel": self.refunded_cancelled,
            "cancellation_fees_paid": self.fees_paid,
            "paid_in_node_paid_events": self.paid_in_events,
            "still_escrowed": self.escrowed(),
            "gpu_hours_booked": self.unit_hours_booked,
            "gpu_hours_cancelled": self.unit_hours_cancelled,
            "gpu_hours_offered": self.unit_hours_offered,
            "utilization_of_offered": (
                (self.unit_hours_booked - self.unit_hours_cancelled) / self.unit_hours_offered
                if self.unit_hours_offered
                else None
            ),
            "offers": {
                str(node): {"gpus": units, "price_per_gpu_hour": price} for node, (units, price) in self.offers.items()
            },
        }
