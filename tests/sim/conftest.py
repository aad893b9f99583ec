"""A small fleet on any engine, for the simulation's tests."""

from __future__ import annotations

from computerwa.client.deployment import LOCAL_DEFAULTS
from computerwa.evm.suite import deploy_suite, suite_options
from computerwa.sim.fleet import Fleet
from computerwa.sim.report import build_report

# four nodes (one per region, one of them a hybrid site), two epochs: seed 9 has a slash,
# direct payments, vouchers, claims and mining deposits in them
SMALL = {"nodes": 4, "investors": 2, "customers": 6, "seed": 9}
EPOCHS = 2


def run_fleet(chain, epochs: int = EPOCHS, **overrides) -> tuple[Fleet, dict]:
    """Deploys the suite on `chain`, runs a fleet through `epochs` reconciled after each,
    and returns it with its report."""
    options = SMALL | overrides
    suite = deploy_suite(chain, chain.accounts[0], **suite_options(LOCAL_DEFAULTS))
    fleet = Fleet(chain, suite, **options)
    fleet.setup()
    checked = 0
    for epoch in range(epochs):
        fleet.run_epoch(epoch)
        checked += fleet.reconcile()
    return fleet, build_report(fleet, epochs, options["seed"], 1.0, checked, chain.name)
