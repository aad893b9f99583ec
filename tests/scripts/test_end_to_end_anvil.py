"""End to end on a real Anvil node (ape-foundry starts it): deploy the suite and record it,
find it again (a second deploy run sends nothing), run the fleet for two epochs reconciled
to the wei, then quote a region from the deployed NodeRegistry and AttestationOracle.

    ape test tests/scripts -m ape_only --engine ape --network ethereum:local:foundry

Skipped on any other provider. The chain is restored afterwards, so the cross-engine tests
that share the session's node see it as it was."""

import pytest

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.deployment import (
    CONFIG_FILE,
    LOCAL_DEFAULTS,
    DeploymentError,
    demo_attestors,
    find,
    write_record,
)
from computerwa.client.quote import ACTIVE, PAUSED, RETIRED, rank, read_region
from computerwa.client.signing import Domain
from computerwa.evm.ape_chain import ApeChain
from computerwa.evm.suite import attach_suite, deploy_with_record
from computerwa.sim.fleet import Fleet
from tests.scripts.helpers import load_script

pytestmark = pytest.mark.ape_only

REGION = "us-east"
UNITS = 50_000
EPOCHS = 2


@pytest.fixture
def anvil():
    from ape import chain

    if chain.provider.name != "foundry":
        pytest.skip(
            f"needs a real Anvil node, not Ape's {chain.provider.name!r} provider: "
            "ape test tests/scripts -m ape_only --engine ape --network ethereum:local:foundry"
        )
    snapshot = chain.provider.snapshot()
    yield chain
    chain.provider.restore(snapshot)


def test_deploy_simulate_and_quote_on_anvil(anvil, tmp_path, capsys):
    from ape import accounts, project

    chain, provider = anvil, anvil.provider
    network = provider.network
    deployer, relayer, operator = accounts.test_accounts[0], accounts.test_accounts[1], accounts.test_accounts[2]

    # deploy and record; the record is found again, and a second deploy run sends nothing
    suite = deploy_with_record(project, chain, deployer, dict(LOCAL_DEFAULTS))
    path = write_record(tmp_path / "ethereum-local-foundry.json", suite, "ethereum", "local", "foundry")
    found = find(path, chain.chain_id, project, provider)
    assert found is not None
    recorded = {name: entry["address"] for name, entry in suite.record["contracts"].items()}
    assert {name: entry["address"] for name, entry in found.record["contracts"].items()} == recorded
    assert found.registry.address == suite.registry.address
    head = chain.blocks.head.number
    load_script("deploy").run(network.ecosystem, network, provider, None, CONFIG_FILE, path, False)
    assert "nothing to deploy" in capsys.readouterr().out
    assert chain.blocks.head.number == head

    # two epochs of the fleet on the deployment found, reconciled with the models
    addresses = {name: entry["address"] for name, entry in found.record["contracts"].items()}
    engine = ApeChain(return_values=False)
    fleet = Fleet(engine, attach_suite(engine, addresses), nodes=8, investors=2, customers=8, seed=11)
    fleet.setup()
    for epoch in range(EPOCHS):
        fleet.run_epoch(epoch)
        assert fleet.reconcile() > 0

    # more nodes in the quoted region, one per reason to skip, and one better than the fleet's
    registry, oracle = found.registry, found.oracle
    domain, committee = Domain.of(oracle), demo_attestors()[:3]

    def add(price, sla=9_800):
        registry.register_node(REGION, "L40S", 2, price, 3_000, sla, "ipfs://e2e", sender=operator)
        return registry.node_count()

    def attest(node_id, epoch, uptime):
        deadline = chain.blocks.head.timestamp + 3_600
        report = PerformanceReport(node_id, epoch, uptime, 5_000, 30, 1_000, 10_000, deadline)
        oracle.submit(report.as_tuple(), sign_report(domain, report, committee), sender=relayer)

    last_ended = EPOCHS - 1  # the chain is in epoch EPOCHS: only ended epochs are reported, and this one is fresh
    best = add(price=1)
    attest(best, last_ended, uptime=10_000)
    paused = add(price=1)
    attest(paused, last_ended, uptime=10_000)
    registry.set_status(paused, PAUSED, sender=operator)
    retired = add(price=1)
    registry.set_status(retired, RETIRED, sender=operator)
    unreported = add(price=1)
    stale = add(price=1)
    attest(stale, 0, uptime=10_000)
    below_sla = add(price=1, sla=9_900)
    attest(below_sla, last_ended, uptime=9_899)

    max_age = oracle.EPOCH_LENGTH()
    nodes, reports = read_region(registry, oracle, REGION, max_age)
    quote = rank(nodes, reports, UNITS)
    ranked = [offer.node_id for offer in quote.ranked]
    skipped = {skip.node_id: skip.reason for skip in quote.skipped}

    assert sorted(ranked + list(skipped)) == sorted(registry.nodes_in_region(REGION))
    assert ranked[0] == best
    assert skipped[paused] == "paused"
    assert skipped[retired] == "retired"
    assert skipped[unreported] == "no performance report yet"
    assert skipped[stale] == "stale: its latest report is of epoch 0"
    assert skipped[below_sla].startswith("below its SLA: uptime 98.99%")
    for node_id in ranked:  # only Active, fresh and within SLA, as the chain itself says
        node = registry.node(node_id)
        assert node.status == ACTIVE
        assert oracle.is_fresh(node_id, max_age)
        assert oracle.latest(node_id)[1].uptime_bps >= node.sla_uptime_bps
    totals = [offer.total for offer in quote.ranked]
    assert totals == sorted(totals)
    for spec in fleet.nodes:  # the fleet's nodes: usable exactly when their last report met the SLA
        if spec.region == REGION:
            epoch, uptime, _, _ = fleet.reports[spec.node_id]
            assert epoch == EPOCHS - 1
            assert (spec.node_id in ranked) == (uptime >= spec.sla_uptime_bps), skipped.get(spec.node_id)

    # the command's own output on this chain: skips with reasons, then the ranked table
    quote_script = load_script("quote")
    quote_script.run(network.ecosystem, network, provider, REGION, UNITS, None, path)
    out = capsys.readouterr().out
    assert f"skipped node {paused}: paused" in out
    assert f"skipped node {stale}: stale" in out
    assert f"usable nodes in {REGION}, best first" in out
    with pytest.raises(DeploymentError, match=r"no node is registered in region 'mars' \(regions with nodes: "):
        quote_script.run(network.ecosystem, network, provider, "mars", UNITS, None, path)
