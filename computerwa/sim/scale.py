"""Scale on paper: the daily on-chain cost of a fleet, from measured gas.

Every day each customer settles one cumulative voucher per node it used (however many
inferences it made: the voucher is cumulative), in batches; each node gets one oracle
report; a few customers pay one-shot. The figures per operation are receipt gasUsed
measured by `make bench` (reports/bench-gas-*.json) or, without them, the defaults
below (the same benchmark, recorded when this file was written). Batching is what makes
the per-inference cost fall: a voucher settled alone pays the whole transaction and its
node's revenue deposit; in a batch of 100 those are shared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# receipt gasUsed, `make bench` on 2026-11-29 (Settlement per voucher by batch size)
DEFAULT_PER_VOUCHER = {1: 100_008, 10: 39_620, 50: 20_286, 100: 17_869}
DEFAULT_ORACLE_SUBMIT = 80_896  # 3 signatures
DEFAULT_DIRECT_PAYMENT = 119_658


@dataclass(frozen=True)
class Prices:
    name: str
    gwei: float  # gas price
    eth_usd: float

    def dollars(self, gas: int) -> float:
        return gas * self.gwei * 1e-9 * self.eth_usd


def measured(reports: Path = Path("reports")) -> tuple[dict[int, int], int, int]:
    """(per-voucher gas by batch size, oracle submit gas, direct payment gas)."""
    per_voucher, oracle, direct = dict(DEFAULT_PER_VOUCHER), DEFAULT_ORACLE_SUBMIT, DEFAULT_DIRECT_PAYMENT
    settlement = reports / "bench-gas-settlement.json"
    if settlement.exists():
        data = json.loads(settlement.read_text())
        per_voucher = {int(size): gas for size, gas in data["per_voucher"].items()}
        direct = data["gas"]["pay_with_authorization"]
    oracle_file = reports / "bench-gas-oracle.json"
    if oracle_file.exists():
        oracle = json.loads(oracle_file.read_text())["three_signatures"]
    return per_voucher, oracle, direct


def daily_gas(
    nodes: int,
    customers: int,
    nodes_per_customer: int,
    batch: int,
    per_voucher: dict[int, int],
    oracle_submit: int,
    direct_payments: int = 0,
    direct_payment_gas: int = DEFAULT_DIRECT_PAYMENT,
) -> int:
    """Gas per day: every (customer, node used) voucher settled in batches of `batch`
    (the measured per-voucher figure of that batch size), one report per node, and
    `direct_payments` one-shot payments."""
    if batch not in per_voucher:
        raise ValueError(f"no measured batch size {batch}: choose one of {sorted(per_voucher)}")
    vouchers = customers * min(nodes_per_customer, nodes)
    return vouchers * per_voucher[batch] + nodes * oracle_submit + direct_payments * direct_payment_gas


def table(
    nodes: int,
    customers: int,
    inferences_per_customer: int,
    nodes_per_customer: int,
    networks: list[Prices],
    per_voucher: dict[int, int],
    oracle_submit: int,
) -> list[dict]:
    """One row per batch size: daily gas, and per network the daily dollars and the
    dollars per inference."""
    rows = []
    inferences = customers * inferences_per_customer
    for batch in sorted(per_voucher):
        gas = daily_gas(nodes, customers, nodes_per_customer, batch, per_voucher, oracle_submit)
        row: dict[str, Any] = {"batch": batch, "daily_gas": gas}
        for prices in networks:
            cost = prices.dollars(gas)
            row[prices.name] = {"daily_usd": cost, "usd_per_inference": cost / inferences}
        rows.append(row)
    return rows
