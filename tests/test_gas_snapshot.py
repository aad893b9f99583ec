"""Gas regression: no benchmarked operation may cost more than gas-snapshot.json says.

Runs `computerwa.tooling.bench.headline()` (every headline row of `ape run bench`, the oracle by
signature count and the settle batches; not the 100- and 1,000-holder rounds) on Ape's
provider, where gasUsed is a real receipt figure: the embedded test chain in `ape test`,
Anvil in `make test`'s second command. Both give the same figure for every row (the
benchmark grinds its signatures and pins its timestamps for that), so one snapshot serves
both, but for the calldata of rows carrying a freshly deployed contract's address, which
moves with the chain's history by 12 gas per zero byte (`bench.ADDRESS_NOISE`). Gas is
deterministic: this is not a timed test. A cheaper figure passes; updating the snapshot is a
deliberate step, `ape run bench --update-snapshot`.
"""

import pytest

from computerwa.tooling import bench

pytestmark = pytest.mark.ape_only


def test_no_operation_costs_more_than_its_snapshot(backend):
    snapshot = bench.load_snapshot()
    gas = bench.headline()

    missing = sorted(set(gas) - set(snapshot))
    assert not missing, f"not in {bench.SNAPSHOT.name}: {missing} (`ape run bench --update-snapshot` records them)"
    over = bench.over_snapshot(gas, snapshot)
    assert not over, "dearer than the snapshot:\n" + "\n".join(
        f"  {key}: {measured:,} > {snapped:,} (+{measured - snapped:,})" for key, (measured, snapped) in over.items()
    )


def test_only_address_noise_is_forgiven():
    """A row of `ADDRESS_NOISE` passes up to its noise above the snapshot and fails past it;
    every other row fails one gas above it."""
    snapshot = {"create_basket_1": 1_000, "transfer_open": 1_000}
    assert not bench.over_snapshot({"create_basket_1": 1_036, "transfer_open": 1_000}, snapshot)
    assert bench.over_snapshot({"create_basket_1": 1_037, "transfer_open": 1_001}, snapshot) == {
        "create_basket_1": (1_037, 1_000),
        "transfer_open": (1_001, 1_000),
    }
