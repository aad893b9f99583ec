"""SIM-2: the energy behind a node (computerwa.sim.energy), in integers: attested energy is
spread over the day's hours without losing a watt-hour, priced hour by hour, mining runs
only in hours it pays for, and its proceeds split between operator and holders exactly."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computerwa.sim.energy import (
    EnergyDay,
    day_prices,
    energy_cost,
    hourly_energy,
    mining_hours,
    mining_revenue,
    mining_split,
    node_day,
)
from computerwa.sim.regions import (
    BASE_UNITS_PER_SAT,
    HOURS,
    MINING_REVENUE_PER_KWH,
    REGIONS,
    load_shape,
    price_curve,
)

regions = st.sampled_from(list(REGIONS))


def test_every_region_has_a_price_for_each_hour_cheapest_at_night_or_in_the_solar_trough():
    for region in REGIONS:
        curve = price_curve(region)
        assert len(curve) == HOURS and all(isinstance(p, int) and p > 0 for p in curve)
        assert max(curve) > 1.5 * min(curve)  # a daily cycle, not a flat tariff
    latam = price_curve("latam")
    assert min(latam) in latam[13:19]  # 10:00 to 15:59 at UTC-3: the solar trough


def test_the_mining_rate_is_156_sats_per_kwh_at_60000_dollars():
    assert BASE_UNITS_PER_SAT == 600
    assert MINING_REVENUE_PER_KWH == 93_600
    assert mining_revenue(1_000) == 93_600
    assert mining_revenue(999) == 93_506  # 93,506.4 floored


def test_a_day_price_draw_scales_the_curve():
    assert day_prices("india", 10_000) == price_curve("india")
    assert day_prices("india", 5_000) == tuple(p // 2 for p in price_curve("india"))
    with pytest.raises(ValueError):
        day_prices("india", 0)


@given(st.integers(0, 10**9), st.integers(0, 10_000), regions)
def test_hourly_energy_adds_up_to_the_attested_energy_exactly(energy_wh, utilization, region):
    hours = hourly_energy(energy_wh, utilization, region)
    assert len(hours) == HOURS and min(hours) >= 0
    assert sum(hours) == energy_wh


def test_a_busy_node_draws_most_at_its_regions_peak_an_idle_one_evenly():
    busy = hourly_energy(240_000, 10_000, "us-east")
    peak_hour = REGIONS["us-east"][1]
    assert busy.index(max(busy)) == peak_hour == load_shape("us-east").index(max(load_shape("us-east")))
    assert set(hourly_energy(240_000, 0, "us-east")) == {10_000}


def test_energy_cost_prices_each_hour_and_floors_once():
    hours = (1,) * HOURS
    prices = (999,) * HOURS
    assert energy_cost(hours, prices) == 23  # 24 x 0.999, floored once (hour by hour would give 0)
    with pytest.raises(ValueError):
        energy_cost((1,) * 23, prices)


def test_miners_take_the_spare_power_only_in_hours_priced_at_most_what_they_earn():
    used = tuple(range(0, 2_400, 100))
    cheap, dear = MINING_REVENUE_PER_KWH, MINING_REVENUE_PER_KWH + 1
    prices = tuple(cheap if h % 2 else dear for h in range(HOURS))
    mined = mining_hours(used, 2_000, prices)
    assert mined == tuple(max(2_000 - u, 0) if h % 2 else 0 for h, u in enumerate(used))


@given(st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 9_000))
def test_mining_proceeds_split_exactly_the_operator_keeping_the_power_it_paid(a, b, share):
    revenue, cost = max(a, b), min(a, b)
    operator, holders = mining_split(revenue, cost, share)
    assert operator + holders == revenue
    assert operator >= cost and holders >= 0
    assert holders == (revenue - cost) - (revenue - cost) * share // 10_000


def test_mining_never_pays_for_more_power_than_it_earns():
    with pytest.raises(ValueError):
        mining_split(100, 101, 3_000)


@given(st.integers(0, 10**7), st.integers(0, 10_000), regions, st.integers(1, 30_000), st.integers(0, 200_000))
def test_a_hybrid_day_never_loses_on_mining_and_every_figure_adds_up(energy_wh, utilization, region, factor, site):
    prices = day_prices(region, factor)
    day = node_day(energy_wh, utilization, region, prices, site, 3_000)
    assert day.inference_wh == energy_wh
    assert day.inference_cost == energy_cost(hourly_energy(energy_wh, utilization, region), prices)
    assert day.mining_cost <= day.mining_revenue == mining_revenue(day.mining_wh)
    assert day.mining_operator + day.mining_holders == day.mining_revenue
    if site == 0:
        assert day == EnergyDay(energy_wh, day.inference_cost)
