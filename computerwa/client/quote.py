"""Quoting a job: which nodes of a region may serve it, cheapest first.

`scripts/quote.py` (`ape run quote`) reads a deployment through Ape; the ranking itself
is `rank`, a pure function of what the NodeRegistry and the AttestationOracle say, so it
is tested without a chain and gives the same answer on every engine:

    nodes, reports = read_region(registry, oracle, "india", max_age)
    result = rank(nodes, reports, units=50_000)
    result.ranked[0].node_id     # the cheapest usable node, ties by attested latency
    result.skipped               # every other node of the region, with the reason

A node is usable when it is Active, has a report, its latest report is fresh
(`AttestationOracle.is_fresh(node, max_age)`) and that report's uptime meets the node's
SLA. Prices are stablecoin base units per 1,000 work units. The fleet simulation
(`computerwa.sim.fleet.Fleet.quote`) routes its customers through the same `rank`.

Renting capacity by the hour (NodeRentals) is quoted by `rank_hourly`, over the same nodes
and reports plus each node's rental offer and its free units in the window asked for:

    rentals = read_rentals(registry, suite.rentals, nodes, start_hour, hours=24)
    result = rank_hourly(nodes, reports, rentals, units=2, hours=24, start_hour=start_hour)
    result.ranked[0].total       # the cheapest rent of 2 units for those 24 hours

It ranks and skips as `rank` does (total, then attested latency, then id; status and the
reports' checks first), and also skips a node not offered for rent (`rental_skip_reason`) or
without `units` free at every hour of the window. Rents are `units * price_per_unit_hour *
hours` in stablecoin base units, exactly what `NodeRentals.book` escrows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ACTIVE, PAUSED, RETIRED = 1, 2, 3
STATUS_NAMES = {0: "not registered", ACTIVE: "active", PAUSED: "paused", RETIRED: "retired"}
UNITS_PER_PRICE = 1_000  # price_per_unit is per 1,000 work units
REGION_BYTES = 32  # NodeRegistry's String[32]
MAX_RENTAL_HOURS = 168  # NodeRentals.MAX_HOURS: the longest booking
MAX_LEAD_HOURS = 365 * 24  # NodeRentals.MAX_LEAD_HOURS: how far ahead a booking may start
HOUR = 3_600

# the registry's Node and the oracle's Attestation, in ABI order (an engine returns tuples)
NODE_FIELDS = (
    "operator",
    "token",
    "status",
    "region",
    "gpu_model",
    "gpu_count",
    "price_per_unit",
    "operator_share_bps",
    "sla_uptime_bps",
    "metadata_uri",
    "bond",
)
ATTESTATION_FIELDS = (
    "uptime_bps",
    "utilization_bps",
    "latency_ms_p50",
    "energy_wh",
    "work_units",
    "submitted_at",
)
# the registry's RentalOffer (`NodeRegistry.rental`), in ABI order
RENTAL_FIELDS = ("units", "price_per_unit_hour", "cancellation_fee_bps", "notice_hours", "status")


@dataclass(frozen=True)
class NodeInfo:
    """What a quote needs of `NodeRegistry.node(id)`."""

    node_id: int
    status: int
    region: str
    gpu_model: str
    gpu_count: int
    price_per_unit: int  # stablecoin base units per 1,000 work units
    sla_uptime_bps: int
    operator: str = ""
    bond: int = 0


@dataclass(frozen=True)
class LatestReport:
    """The node's latest accepted report (`AttestationOracle.latest`) and whether it is
    fresh (`is_fresh(node, max_age)`, decided by the chain's clock)."""

    epoch: int
    uptime_bps: int
    latency_ms_p50: int
    submitted_at: int
    fresh: bool


@dataclass(frozen=True)
class Offer:
    node: NodeInfo
    report: LatestReport | None  # None only for a new node (`rank(..., new_nodes=True)`)
    units: int

    @property
    def node_id(self) -> int:
        return self.node.node_id

    @property
    def total(self) -> int:
        """What `units` of work cost at the node's price, in stablecoin base units (rounded
        down, as a customer's cumulative voucher would be)."""
        return total_price(self.units, self.node.price_per_unit)


@dataclass(frozen=True)
class Skip:
    node_id: int
    reason: str


@dataclass(frozen=True)
class Quote:
    region: str
    units: int
    ranked: list[Offer]
    skipped: list[Skip]


@dataclass(frozen=True)
class RentalOffer:
    """What an hourly quote needs of a node's rental offer (`NodeRegistry.rental`) and of its
    calendar over the window asked for (`NodeRentals.free_units`)."""

    units: int  # bookable at any one hour; 0: not offered for rent
    price_per_unit_hour: int  # stablecoin base units
    cancellation_fee_bps: int
    notice_hours: int
    free: int  # the units one booking could take at every hour of the window


@dataclass(frozen=True)
class HourlyOffer:
    node: NodeInfo
    report: LatestReport | None  # None only for a new node (`rank_hourly(..., new_nodes=True)`)
    rental: RentalOffer
    units: int
    hours: int

    @property
    def node_id(self) -> int:
        return self.node.node_id

    @property
    def rate(self) -> int:
        """Stablecoin base units per unit-hour."""
        return self.rental.price_per_unit_hour

    @property
    def free(self) -> int:
        return self.rental.free

    @property
    def total(self) -> int:
        """What booking `units` for `hours` escrows, in stablecoin base units (`NodeRentals.rent`)."""
        return rent_total(self.units, self.rental.price_per_unit_hour, self.hours)


@dataclass(frozen=True)
class HourlyQuote:
    region: str
    units: int
    hours: int
    start_hour: int
    ranked: list[HourlyOffer]
    skipped: list[Skip]

    @property
    def end_hour(self) -> int:
        return self.start_hour + self.hours


def total_price(units: int, price_per_unit: int) -> int:
    return units * price_per_unit // UNITS_PER_PRICE


def rent_total(units: int, price_per_unit_hour: int, hours: int) -> int:
    """`NodeRentals.rent`: exact, nothing rounded."""
    return units * price_per_unit_hour * hours


def skip_reason(node: NodeInfo, report: LatestReport | None, new_nodes: bool = False) -> str | None:
    """Why `node` may not serve a job now, or None when it may (checks in this order).
    `new_nodes`: a node with no report at all is usable (a fleet's first epoch)."""
    if node.status != ACTIVE:
        return STATUS_NAMES.get(node.status, f"unknown status {node.status}")
    if report is None or report.submitted_at == 0:
        return None if new_nodes else "no performance report yet"
    if not report.fresh:
        return f"stale: its latest report is of epoch {report.epoch}"
    if report.uptime_bps < node.sla_uptime_bps:
        return (
            f"below its SLA: uptime {percent(report.uptime_bps)} in epoch {report.epoch}, "
            f"SLA {percent(node.sla_uptime_bps)}"
        )
    return None


def rank(
    nodes: Iterable[NodeInfo], reports: Mapping[int, LatestReport | None], units: int, new_nodes: bool = False
) -> Quote:
    """The usable nodes, by total price for `units`, then attested latency (none yet counts
    as 0), then id; and every other node with the reason it was skipped, in id order.
    `nodes` are one region's (the quote's region is the first node's; "" for none).
    `new_nodes`: see `skip_reason`."""
    nodes = list(nodes)
    if units < 0:
        raise ValueError("units must not be negative")
    offers, skipped = [], []
    for node in sorted(nodes, key=lambda n: n.node_id):
        report = reports.get(node.node_id)
        reason = skip_reason(node, report, new_nodes)
        if reason is None:
            offers.append(Offer(node, report, units))
        else:
            skipped.append(Skip(node.node_id, reason))
    offers.sort(key=lambda offer: (offer.total, offer.report.latency_ms_p50 if offer.report else 0, offer.node_id))
    return Quote(nodes[0].region if nodes else "", units, offers, skipped)


def rental_skip_reason(
    node: NodeInfo, report: LatestReport | None, rental: RentalOffer | None, units: int, new_nodes: bool = False
) -> str | None:
    """Why `units` of `node` may not be rented for the window now, or None when they may
    (checks in this order): its status, no rental offer, `skip_reason`'s report checks, then
    fewer than `units` offered or free at every hour of the window."""
    if node.status != ACTIVE:
        return STATUS_NAMES.get(node.status, f"unknown status {node.status}")
    if rental is None or rental.units == 0:
        return "not offered for rent"
    reason = skip_reason(node, report, new_nodes)
    if reason is not None:
        return reason
    if units > rental.units:
        return f"offers {unit_count(rental.units)} for rent, {units} asked"
    if rental.free < units:
        if rental.free == 0:
            return f"none of its {unit_count(rental.units)} is free at every hour of the window"
        return f"only {rental.free} of its {unit_count(rental.units)} free at every hour of the window, {units} asked"
    return None


def rank_hourly(
    nodes: Iterable[NodeInfo],
    reports: Mapping[int, LatestReport | None],
    rentals: Mapping[int, RentalOffer | None],
    units: int,
    hours: int,
    start_hour: int,
    new_nodes: bool = False,
) -> HourlyQuote:
    """The nodes whose `units` may be rented for the hours `[start_hour, start_hour + hours)`,
    by total rent (so by price per unit-hour), then attested latency (none yet counts as 0),
    then id, as `rank`; and every other node with the reason it was skipped
    (`rental_skip_reason`), in id order. `rentals` maps a node id to its offer and free units
    over that window (None or missing: not offered). `new_nodes`: see `skip_reason`."""
    nodes = list(nodes)
    if units < 1:
        raise ValueError("units must be at least 1")
    if not 1 <= hours <= MAX_RENTAL_HOURS:
        raise ValueError(f"hours must be within 1 to {MAX_RENTAL_HOURS}")
    offers, skipped = [], []
    for node in sorted(nodes, key=lambda n: n.node_id):
        report, rental = reports.get(node.node_id), rentals.get(node.node_id)
        reason = rental_skip_reason(node, report, rental, units, new_nodes)
        if reason is not None:
            skipped.append(Skip(node.node_id, reason))
        elif rental is not None:  # always: no offer is a reason
            offers.append(HourlyOffer(node, report, rental, units, hours))
    offers.sort(key=lambda offer: (offer.total, offer.report.latency_ms_p50 if offer.report else 0, offer.node_id))
    return HourlyQuote(nodes[0].region if nodes else "", units, hours, start_hour, offers, skipped)


def window_problem(start_hour: int, hours: int, current_hour: int) -> str | None:
    """Why NodeRentals would refuse a booking of the hours `[start_hour, start_hour + hours)`
    while `current_hour` runs, or None: 1 to 168 hours, starting after the current hour and at
    most a year after it (what `book` checks before the node)."""
    if not 1 <= hours <= MAX_RENTAL_HOURS:
        return f"a booking is 1 to {MAX_RENTAL_HOURS} whole hours, not {hours}"
    if start_hour <= current_hour:
        return (
            f"hour {start_hour} is not after the current hour ({current_hour}): "
            f"start at hour {current_hour + 1} or later"
        )
    if start_hour > current_hour + MAX_LEAD_HOURS:
        return (
            f"hour {start_hour} is more than a year ({MAX_LEAD_HOURS:,} hours) after the current hour "
            f"({current_hour}): start by hour {current_hour + MAX_LEAD_HOURS}"
        )
    return None


def unit_count(units: int) -> str:
    """`1 unit`, `8 units`."""
    return f"{units} unit" if units == 1 else f"{units} units"


def percent(bps: int) -> str:
    return f"{bps / 100:.2f}%"


# --- reading the chain (Ape contracts or the in-process engine's) ----------------------------
def _fields(value: Any, names: Sequence[str]) -> dict[str, Any]:
    """A struct as a dict: Ape gives objects with attributes, the engine plain tuples."""
    if hasattr(value, names[0]):
        return {name: getattr(value, name) for name in names}
    return dict(zip(names, value, strict=True))


def node_info(registry: Any, node_id: int) -> NodeInfo:
    node = _fields(registry.node(node_id), NODE_FIELDS)
    return NodeInfo(
        node_id=node_id,
        status=int(node["status"]),
        region=node["region"],
        gpu_model=node["gpu_model"],
        gpu_count=int(node["gpu_count"]),
        price_per_unit=int(node["price_per_unit"]),
        sla_uptime_bps=int(node["sla_uptime_bps"]),
        operator=str(node["operator"]),
        bond=int(node["bond"]),
    )


def latest_report(oracle: Any, node_id: int, max_age: int) -> LatestReport | None:
    epoch, attestation = oracle.latest(node_id)
    report = _fields(attestation, ATTESTATION_FIELDS)
    if int(report["submitted_at"]) == 0:
        return None
    return LatestReport(
        epoch=int(epoch),
        uptime_bps=int(report["uptime_bps"]),
        latency_ms_p50=int(report["latency_ms_p50"]),
        submitted_at=int(report["submitted_at"]),
        fresh=bool(oracle.is_fresh(node_id, max_age)),
    )


def check_region(region: str) -> str:
    if not region or len(region.encode()) > REGION_BYTES:
        raise ValueError(f"a region is 1 to {REGION_BYTES} bytes, got {len(region.encode())}")
    return region


def read_region(
    registry: Any, oracle: Any, region: str, max_age: int
) -> tuple[list[NodeInfo], dict[int, LatestReport | None]]:
    """Every node registered in `region` (whatever its status) and its latest report.
    Reports are read only for Active nodes: the others are skipped for their status."""
    check_region(region)
    nodes = [node_info(registry, int(node_id)) for node_id in registry.nodes_in_region(region)]
    reports = {
        node.node_id: latest_report(oracle, node.node_id, max_age) if node.status == ACTIVE else None for node in nodes
    }
    return nodes, reports


def rental_offer(registry: Any, rentals: Any, node_id: int, start_hour: int, hours: int) -> RentalOffer:
    """The node's rental offer and its free units over the window (`free_units`: 0 unless
    the node is active and offered; not read for a node offering no unit)."""
    raw = registry.rental(node_id)
    # the fields a quote reads lead the struct (an engine's tuple may carry more after them)
    offer = _fields(raw if hasattr(raw, RENTAL_FIELDS[0]) else tuple(raw)[: len(RENTAL_FIELDS)], RENTAL_FIELDS)
    units = int(offer["units"])
    return RentalOffer(
        units=units,
        price_per_unit_hour=int(offer["price_per_unit_hour"]),
        cancellation_fee_bps=int(offer["cancellation_fee_bps"]),
        notice_hours=int(offer["notice_hours"]),
        free=int(rentals.free_units(node_id, start_hour, hours)) if units else 0,
    )


def read_rentals(
    registry: Any, rentals: Any, nodes: Iterable[NodeInfo], start_hour: int, hours: int
) -> dict[int, RentalOffer | None]:
    """The rental offer and free units over `[start_hour, start_hour + hours)` of each of
    `nodes` (`read_region`'s). Read only for Active nodes, as reports are: the others are
    skipped for their status."""
    if not 1 <= hours <= MAX_RENTAL_HOURS:
        raise ValueError(f"hours must be within 1 to {MAX_RENTAL_HOURS}")
    offers: dict[int, RentalOffer | None] = {}
    for node in nodes:
        active = node.status == ACTIVE
        offers[node.node_id] = rental_offer(registry, rentals, node.node_id, start_hour, hours) if active else None
    return offers


def known_regions(registry: Any, limit: int = 256) -> list[str]:
    """The regions of the first `limit` registered nodes, for a hint when a region has none."""
    count = min(int(registry.node_count()), limit)
    return sorted({node_info(registry, node_id).region for node_id in range(1, count + 1)})
