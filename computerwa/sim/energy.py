"""The energy behind a node, in integers: what its attested energy cost at its region's
hourly prices, and what a hybrid site mines on the power its GPUs leave spare.

A node's day (one epoch) of electricity:

- its attested `energyWh` is spread over the 24 hours by its load (an idle floor of 30%
  plus its utilization shaped by its region's demand wave: `hourly_energy`), every hour
  priced at the region's price that day (`day_prices`): `energy_cost`, in stablecoin base
  units, floored once;
- a hybrid site has a grid connection of `site_power_w`; in every hour whose price does not
  exceed what mining earns per kWh (`MINING_REVENUE_PER_KWH`) its miners draw what the GPUs
  leave of it (`mining_hours`), so mining never loses money in any hour;
- the mined bitcoin is sold at the fixed simulated rate (`mining_revenue`); the operator,
  who paid the power bill, keeps the electricity the miners burned plus its operator share
  of the profit, and deposits the rest into the node's revenue stream with
  `ComputeToken.deposit_revenue` (`mining_split`): holders are paid from mining as from
  inference, at the node's operator share, with no protocol fee (it does not pass through
  Settlement).

Every figure is an integer and every split adds up exactly: the simulation reconciles the
deposits with the chain to the wei like any other revenue.
"""

from __future__ import annotations

from dataclasses import dataclass

from computerwa.sim.regions import HOURS, MINING_REVENUE_PER_KWH, load_shape, price_curve

MAX_BPS = 10_000
IDLE_BPS = 3_000  # a powered GPU draws 30% of its nameplate power idle (fleet.attest)
WH_PER_KWH = 1_000


def day_prices(region: str, factor_bps: int) -> tuple[int, ...]:
    """The region's hourly prices on one day: its curve scaled by that day's draw."""
    if factor_bps <= 0:
        raise ValueError(f"a price factor must be positive, got {factor_bps} bps")
    return tuple(price * factor_bps // MAX_BPS for price in price_curve(region))


def hourly_energy(energy_wh: int, utilization_bps: int, region: str) -> tuple[int, ...]:
    """`energy_wh` spread over the day's hours: weight `IDLE + (1 - IDLE) x utilization x
    the region's load shape` per hour; the hours add up to exactly `energy_wh`."""
    if energy_wh < 0 or not 0 <= utilization_bps <= MAX_BPS:
        raise ValueError("energy must not be negative and utilization is 0..10,000 bps")
    weights = [
        IDLE_BPS * MAX_BPS + (MAX_BPS - IDLE_BPS) * utilization_bps * shape // MAX_BPS for shape in load_shape(region)
    ]
    total, running, hours, before = sum(weights), 0, [], 0
    for weight in weights:
        running += weight
        upto = energy_wh * running // total
        hours.append(upto - before)
        before = upto
    return tuple(hours)


def energy_cost(hourly_wh: tuple[int, ...], prices: tuple[int, ...]) -> int:
    """What the hours' energy cost at the hours' prices (base units per kWh), floored once."""
    if len(hourly_wh) != HOURS or len(prices) != HOURS:
        raise ValueError(f"a day has {HOURS} hours")
    return sum(wh * price for wh, price in zip(hourly_wh, prices, strict=True)) // WH_PER_KWH


def mining_hours(inference_wh: tuple[int, ...], site_power_w: int, prices: tuple[int, ...]) -> tuple[int, ...]:
    """The miners' energy per hour (Wh): the site's power the GPUs left spare, in the hours
    whose price is at most what mining earns per kWh; none in the dearer hours."""
    return tuple(
        max(site_power_w - used, 0) if price <= MINING_REVENUE_PER_KWH else 0
        for used, price in zip(inference_wh, prices, strict=True)
    )


def mining_revenue(mining_wh: int) -> int:
    """The stablecoin the mined bitcoin sells for at the fixed simulated rate."""
    return mining_wh * MINING_REVENUE_PER_KWH // WH_PER_KWH


def mining_split(revenue: int, cost: int, operator_share_bps: int) -> tuple[int, int]:
    """(operator, holders) of one day's mining proceeds: the operator keeps the electricity
    it paid and its share of the profit (floored), the holders get the rest; they add up
    to `revenue` exactly."""
    if cost > revenue:
        raise ValueError("mining runs only in hours where it pays for its power")
    profit = revenue - cost
    operator = cost + profit * operator_share_bps // MAX_BPS
    return operator, revenue - operator


@dataclass(frozen=True)
class EnergyDay:
    """One node's electricity over one epoch (stablecoin base units, Wh)."""

    inference_wh: int
    inference_cost: int
    mining_wh: int = 0
    mining_revenue: int = 0
    mining_cost: int = 0
    mining_operator: int = 0  # kept by the operator: the power it paid and its share
    mining_holders: int = 0  # deposited into the node's stream


def node_day(
    energy_wh: int,
    utilization_bps: int,
    region: str,
    prices: tuple[int, ...],
    site_power_w: int = 0,
    operator_share_bps: int = 0,
) -> EnergyDay:
    """A node's day: the cost of its attested energy and, on a hybrid site
    (`site_power_w` > 0), what it mined and how the proceeds split."""
    hours = hourly_energy(energy_wh, utilization_bps, region)
    inference_cost = energy_cost(hours, prices)
    if site_power_w <= 0:
        return EnergyDay(energy_wh, inference_cost)
    mined = mining_hours(hours, site_power_w, prices)
    revenue, cost = mining_revenue(sum(mined)), energy_cost(mined, prices)
    operator, holders = mining_split(revenue, cost, operator_share_bps)
    return EnergyDay(energy_wh, inference_cost, sum(mined), revenue, cost, operator, holders)
