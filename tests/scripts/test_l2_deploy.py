"""The suite deploys unchanged on the L2 ecosystems users run on (issue #18): `ape run deploy`
on Base's, Optimism's and Arbitrum's local networks through Anvil (the pinned ape-base,
ape-optimism and ape-arbitrum plugins) writes the same contracts, at the same gas, as on
Ethereum's.

    ape test tests/scripts/test_l2_deploy.py -m ape_only --engine ape --network ethereum:local:foundry

Each deploy is an `ape run` of its own that starts (and stops) its own Anvil, with an Ape data
folder of its own (see `start_ape_run`); the test runs with the Anvil part of `make test`, where
Anvil is known to be there."""

import json

import pytest

from tests.scripts.helpers import start_ape_run

pytestmark = pytest.mark.ape_only

ECOSYSTEMS = ("ethereum", "base", "optimism", "arbitrum")
# contracts whose runtime code holds the deployment's genesis time as an immutable: their code
# hash differs between two deployments a second apart (the four run at once, so whether they
# share a second is luck: CI saw ComputeBasketFactory differ on arbitrum)
CLOCKED = {"ComputeFactory", "AttestationOracle", "NodeRegistry", "ComputeBasketFactory", "NodeOffering", "NodeRentals"}


def test_the_suite_deploys_unchanged_on_each_l2_ecosystems_local_network(tmp_path):
    from ape import chain

    if chain.provider.name != "foundry":
        pytest.skip("runs with the Anvil part: add --engine ape --network ethereum:local:foundry")
    runs = {
        # each its own Ape data folder: the four Anvils and this session's share no nodes.json
        ecosystem: start_ape_run(
            *("deploy", "--network", f"{ecosystem}:local:foundry", "--out", str(tmp_path / f"{ecosystem}.json")),
            data_folder=tmp_path / f"ape-{ecosystem}",
        )
        for ecosystem in ECOSYSTEMS
    }
    records = {}
    for ecosystem, run in runs.items():
        output, _ = run.communicate(timeout=600)
        assert run.returncode == 0, f"{ecosystem}: {output}"
        records[ecosystem] = json.loads((tmp_path / f"{ecosystem}.json").read_text())
    reference = records["ethereum"]["contracts"]
    for ecosystem, record in records.items():
        assert (record["ecosystem"], record["network"], record["provider"]) == (ecosystem, "local", "foundry")
        for name, entry in record["contracts"].items():
            same = reference[name]
            # the same contract at the same address (a fresh chain, the same deployer and nonces), for the same gas
            assert (entry["address"], entry["gas_used"]) == (same["address"], same["gas_used"]), (ecosystem, name)
            if name not in CLOCKED:
                assert entry["code_hash"] == same["code_hash"], (ecosystem, name)
