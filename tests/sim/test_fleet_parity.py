"""SIM-1: a fleet with the same seed gives the same report on the in-process engine and on
Ape's provider (the embedded chain in `ape test`, Anvil in `make test`'s second step).

Both engines run the same bytecode, and time is the chain surface's (each transaction a
second after the one before), so every balance, payment, slash, report, claim and energy
figure must agree to the wei, as must the transactions each operation took. Gas amounts
are left out: the in-process engine keeps storage warm across transactions, so its gas is
not a receipt figure (computerwa/evm/engine.py); and even receipts differ by a few gas
between chains where the contracts' addresses differ, since signatures are over the
verifying contract and a zero byte of calldata costs 4 gas, another 16."""

import pytest

from computerwa.evm.engine import RevmChain
from computerwa.sim.report import engine_independent
from tests.sim.conftest import run_fleet


@pytest.mark.ape_only
def test_a_small_fleet_gives_the_same_report_in_process_and_on_ape(backend, artifacts):
    _, reference = run_fleet(RevmChain(artifacts=artifacts, chain_id=backend.chain_id))
    _, report = run_fleet(backend)

    # the run goes through every path the report shows
    assert reference["vouchers_settled"] and reference["direct_payments"] and reference["claimed"]
    assert any(node["slashes"] for node in reference["nodes"])
    assert reference["energy"]["hybrid_holders_from_mining"] > 0
    assert report["exact_gas"] and not reference["exact_gas"]

    assert engine_independent(report) == engine_independent(reference)
    assert report["reconciled_values"] == reference["reconciled_values"] > 0
