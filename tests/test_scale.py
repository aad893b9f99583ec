"""computerwa.sim.scale: the daily cost projection behind `ape run scale`."""

import pytest

from computerwa.sim.scale import DEFAULT_ORACLE_SUBMIT, DEFAULT_PER_VOUCHER, Prices, daily_gas, table


def test_daily_gas_counts_one_voucher_per_customer_and_node_used_and_one_report_per_node():
    per_voucher = {1: 100_000, 100: 20_000}
    assert daily_gas(10, 50, 2, 100, per_voucher, 80_000) == 50 * 2 * 20_000 + 10 * 80_000
    # a customer cannot use more nodes than exist
    assert daily_gas(1, 50, 3, 1, per_voucher, 80_000) == 50 * 100_000 + 80_000
    assert daily_gas(1, 1, 1, 1, per_voucher, 0, direct_payments=2, direct_payment_gas=7) == 100_014


def test_an_unmeasured_batch_size_is_refused_with_the_sizes_there_are():
    with pytest.raises(ValueError, match=r"choose one of \[1, 100\]"):
        daily_gas(1, 1, 1, 7, {1: 1, 100: 1}, 0)


def test_the_cost_per_inference_falls_as_vouchers_batch():
    networks = [Prices("L1", 10, 3_000), Prices("L2", 0.01, 3_000)]
    rows = table(1_000, 100_000, 200, 2, networks, DEFAULT_PER_VOUCHER, DEFAULT_ORACLE_SUBMIT)
    per_inference = [row["L1"]["usd_per_inference"] for row in rows]
    assert [row["batch"] for row in rows] == sorted(DEFAULT_PER_VOUCHER)
    assert per_inference == sorted(per_inference, reverse=True) and per_inference[0] > per_inference[-1] * 4
    # dollars: gas x gwei x 1e-9 x ETH price
    assert rows[0]["L2"]["daily_usd"] == pytest.approx(rows[0]["daily_gas"] * 0.01e-9 * 3_000)
