"""The exact model of NodeRegistry's money (contracts/NodeRegistry.vy): what a slash takes
from a bond. The registry suite, the settlement state machine and the fleet simulation
all predict slashes with it."""

from __future__ import annotations

MAX_BPS = 10_000


def slash_amount(bond: int, slash_bps: int) -> int:
    """What `slash(node_id, epoch)` moves from a `bond` into the node's revenue stream:
    `SLASH_BPS` of it, rounded down (the operator keeps the remainder)."""
    if not 0 < slash_bps <= MAX_BPS:
        raise ValueError(f"slash share {slash_bps} bps is out of range (1..{MAX_BPS})")
    return bond * slash_bps // MAX_BPS
