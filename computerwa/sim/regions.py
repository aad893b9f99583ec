"""The simulated world: regions (demand weight, daily peak, network latency), GPU models
(power, daily work, inference latency), each region's demand on a given day, and each
region's electricity: an hourly price curve (UTC hours of the simulated day) and what a
Bitcoin miner earns per kWh at the simulation's fixed rate (`computerwa.sim.energy` turns
them into each node's energy cost, margin and mining revenue)."""

from __future__ import annotations

import math

DOLLAR = 10**6  # stablecoin base units (6 decimals)

# demand weight, the UTC hour of its daily peak (which also sets where the region is in
# its weekly cycle on a given day), network latency to a local node (ms)
REGIONS = {
    "asia-southeast": (1.3, 6, 18),
    "india": (1.1, 8, 22),
    "latam": (0.8, 17, 26),
    "us-east": (1.0, 20, 14),
}
# power per GPU (W), work units one GPU serves per day at full load, inference latency (ms)
GPUS = {
    "H100-SXM": (700, 60_000, 24),
    "A100-80G": (400, 32_000, 31),
    "L40S": (350, 22_000, 38),
    "RTX-4090": (450, 14_000, 45),
}


def demand_factor(region: str, epoch: int) -> float:
    """A region's demand on day `epoch`: its weight, a weekly cycle (+-25%, weekends low)
    shifted by its time zone, and 2% growth a day."""
    weight, peak_hour, _ = REGIONS[region]
    return weight * (1 + 0.25 * math.sin(2 * math.pi * (epoch + peak_hour / 24) / 7)) * 1.02**epoch


# --- electricity -------------------------------------------------------------------------------
# Industrial tariff level (stablecoin base units per kWh), the region's UTC offset (whole hours;
# the demand peaks above fall at about 14:00 local) and whether midday solar depresses prices.
ELECTRICITY = {
    "asia-southeast": (115_000, 8, False),  # gas-fired grids: dear all day
    "india": (85_000, 5, False),
    "latam": (70_000, -3, True),  # hydro and solar: cheap nights and a midday trough
    "us-east": (75_000, -5, False),  # PJM-like: cheap nights, an evening peak
}
# the price by local hour, in bps of the tariff level: night trough, morning ramp, evening peak
LOCAL_SHAPE_BPS = (
    7_000, 6_800, 6_600, 6_600, 6_800, 7_500, 8_800, 10_000, 10_800, 11_000, 11_000, 10_800,
    10_500, 10_500, 10_600, 11_000, 12_000, 13_500, 15_000, 15_000, 13_500, 11_500, 9_500, 8_000,
)  # fmt: skip
SOLAR_BPS = 5_500  # a solar region's price from 10:00 to 15:59 local, in bps of the shape
HOURS = 24


def price_curve(region: str) -> tuple[int, ...]:
    """The region's electricity price for each UTC hour of a simulated day, in stablecoin
    base units per kWh (the day's draw scales it: `computerwa.sim.energy.day_prices`)."""
    level, offset, solar = ELECTRICITY[region]
    prices = []
    for hour in range(HOURS):
        local = (hour + offset) % HOURS
        bps = LOCAL_SHAPE_BPS[local]
        if solar and 10 <= local < 16:
            bps = bps * SOLAR_BPS // 10_000
        prices.append(level * bps // 10_000)
    return tuple(prices)


def load_shape(region: str) -> tuple[int, ...]:
    """How a region's inference demand spreads over the UTC hours of a day (weights, mean
    about 10,000): a daily wave peaking at the region's peak hour, trough half of peak."""
    _, peak_hour, _ = REGIONS[region]
    return tuple(round(10_000 + 3_300 * math.cos(2 * math.pi * (hour - peak_hour) / HOURS)) for hour in range(HOURS))


# Bitcoin mining at a fixed simulated rate: an ASIC at 20 J/TH and a hashprice of $45 per
# PH/s per day earn $45 per 480 kWh = $0.09375/kWh, 156 sats/kWh at $60,000 per bitcoin.
BTC_USD = 60_000
SATS_PER_BTC = 100_000_000
BASE_UNITS_PER_SAT = DOLLAR * BTC_USD // SATS_PER_BTC  # 600
MINING_SATS_PER_KWH = 156
MINING_REVENUE_PER_KWH = MINING_SATS_PER_KWH * BASE_UNITS_PER_SAT  # 93,600 base units ($0.0936)
