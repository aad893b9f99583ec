"""The simulated world: regions (demand weight, daily peak, network latency) and GPU models
(power, daily work, inference latency), and each region's demand on a given day. Issue #17
adds each region's hourly electricity price here."""

from __future__ import annotations

import math

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
