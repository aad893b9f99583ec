"""Gas regression: no benchmarked operation may cost more than gas-snapshot.json says.

Runs `computerwa.tooling.bench.headline()` (every headline row of `ape run bench`, the oracle by
signature count and the settle batches; not the 100- and 1,000-holder rounds) on Ape's
provider, where gasUsed is a real receipt figure: the embedded test chain in `ape test`,
Anvil in `make test`'s second command. Both give the same figure for every row (the
benchmark grinds its signatures and pins its timestamps for that), so one snapshot serves
both. Gas is deterministic: this is not a timed test. A cheaper figure passes; updating the
snapshot is a deliberate step, `ape run bench --update-snapshot`.
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
