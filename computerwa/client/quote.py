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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ACTIVE, PAUSED, RETIRED = 1, 2, 3
STATUS_NAMES = {0: "not registered", ACTIVE: "active", PAUSED: "paused", RETIRED: "retired"}
UNITS_PER_PRICE = 1_000  # price_per_unit is per 1,000 work units
REGION_BYTES = 32  # NodeRegistry's String[32]

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


def total_price(units: int, price_per_unit: int) -> int:
    return units * price_per_unit // UNITS_PER_PRICE


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


def known_regions(registry: Any, limit: int = 256) -> list[str]:
    """The regions of the first `limit` registered nodes, for a hint when a region has none."""
    count = min(int(registry.node_count()), limit)
    return sorted({node_info(registry, node_id).region for node_id in range(1, count + 1)})
