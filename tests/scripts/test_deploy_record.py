"""The deployment record integrators read (issue #18, "Deployment record"): one name scheme,
the chain, the first block, the commit, each contract's transaction, type and runtime code
hash, the stablecoin as what it is, the roles and the committee as deployed; and a local
deploy prints the demo committee's keys, marked test-only, so reports can be signed for it.

The deploys run on Ape's local chain (`ape_only`) and restore it afterwards."""

import subprocess
from pathlib import Path

import pytest
import yaml
from eth_account import Account
from eth_utils import keccak

from computerwa.client.deployment import (
    CONTRACTS,
    RECORD_SCHEMA,
    DeploymentError,
    demo_attestors,
    demo_key_lines,
    find,
    load_config,
    record_path,
    source_commit,
)
from tests.conftest import ROLES as ACCOUNTS_OF
from tests.scripts.helpers import ROOT, load_script, local_deploy
from tests.scripts.test_deploy_guards import ETHEREUM, SEPOLIA
from tests.scripts.test_deploy_roles import PLAYED_BY, live


@pytest.fixture
def deploy_script():
    return load_script("deploy")


def test_one_name_scheme_keeps_local_providers_apart():
    assert record_path("ethereum", "sepolia", "alchemy", False) == Path("deployments/ethereum-sepolia.json")
    assert record_path("ethereum", "local", "foundry", True) == Path("deployments/ethereum-local-foundry.json")
    assert record_path("base", "local", "test", True) == Path("deployments/base-local-test.json")


def test_the_demo_committee_keys_are_printed_only_for_the_demo_committee():
    demo = [key.address for key in demo_attestors()]
    lines = demo_key_lines(demo)
    assert "TEST ONLY" in lines[0]
    for line, key in zip(lines[1:], demo_attestors(), strict=True):
        address, printed_key = line.split()[1], line.split()[3]
        assert address == key.address == Account.from_key(printed_key).address
    configured = ["0x0000000000000000000000000000000000000002"]
    assert demo_key_lines(configured) == ["attestor  0x0000000000000000000000000000000000000002"]


def test_the_commit_is_read_from_git_and_is_none_outside_a_checkout(tmp_path):
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert source_commit(ROOT)["commit"] == head
    assert source_commit(tmp_path) == {"commit": None, "contracts_modified": None}


def test_a_record_of_another_format_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "ethereum-local-foundry.json"
    path.write_text('{"chain_id": 31337, "contracts": {}, "configuration": {}}')
    with pytest.raises(DeploymentError, match=r"another format \(before schema 2\): move it away and deploy again"):
        find(path, 31337, None, None)


@pytest.mark.ape_only
def test_a_local_record_says_what_was_deployed_and_prints_the_demo_keys(backend, deploy_script, tmp_path, capsys):
    from ape import chain, project

    with local_deploy(deploy_script, tmp_path, capsys) as (printed, record):
        assert record["schema"] == RECORD_SCHEMA
        assert (record["ecosystem"], record["network"], record["provider"]) == (
            "ethereum",
            "local",
            chain.provider.name,
        )
        assert record["chain_id"] == chain.chain_id
        assert record["commit"] == source_commit(ROOT)["commit"]
        assert set(record["contracts"]) == set(CONTRACTS)
        blocks = [entry["block"] for entry in record["contracts"].values()]
        assert record["deploy_block"] == min(blocks)
        for name, entry in record["contracts"].items():
            assert entry["code_hash"] == "0x" + keccak(bytes(chain.provider.get_code(entry["address"]))).hex(), name
            assert entry["tx_hash"] and entry["block"] >= record["deploy_block"]
            assert chain.provider.get_receipt(entry["tx_hash"]).gas_used == entry["gas_used"] > 0
        assert record["contracts"]["Stablecoin"]["contract_type"] == "MockStablecoin"
        # the chain's BIP-122 identity, which EthPM keys a published deployment by
        assert record["genesis_hash"] == chain.blocks[0].hash.to_0x_hex()
        assert record["block_hash"] == chain.blocks[record["deploy_block"]].hash.to_0x_hex()
        for entry in record["contracts"].values():
            assert entry["block_hash"] == chain.blocks[entry["block"]].hash.to_0x_hex()
        assert record["contracts"]["ComputeTokenBlueprint"]["contract_type"] == "ComputeToken"
        assert record["contracts"]["ComputeBasketBlueprint"]["contract_type"] == "ComputeBasket"
        # the basket factory comes after the rest, over the deployment's ComputeFactory, then the
        # offering over its NodeRegistry and AttestationOracle, then the feeds' blueprint and
        # factory, last
        assert sorted(blocks)[-4:] == [
            record["contracts"][name]["block"]
            for name in ("ComputeBasketFactory", "NodeOffering", "RevenueFeedBlueprint", "RevenueFeedFactory")
        ]
        assert record["contracts"]["RevenueFeedBlueprint"]["contract_type"] == "RevenueFeed"
        feed_factory = project.RevenueFeedFactory.at(record["contracts"]["RevenueFeedFactory"]["address"])
        assert feed_factory.BLUEPRINT() == record["contracts"]["RevenueFeedBlueprint"]["address"]
        assert feed_factory.COMPUTE_FACTORY() == record["contracts"]["ComputeFactory"]["address"]
        assert feed_factory.REGISTRY() == record["contracts"]["NodeRegistry"]["address"]
        assert feed_factory.ORACLE() == record["contracts"]["AttestationOracle"]["address"]
        offering = project.NodeOffering.at(record["contracts"]["NodeOffering"]["address"])
        assert offering.REGISTRY() == record["contracts"]["NodeRegistry"]["address"]
        assert offering.ORACLE() == record["contracts"]["AttestationOracle"]["address"]
        basket_factory = project.ComputeBasketFactory.at(record["contracts"]["ComputeBasketFactory"]["address"])
        assert basket_factory.COMPUTE_FACTORY() == record["contracts"]["ComputeFactory"]["address"]
        assert basket_factory.BLUEPRINT() == record["contracts"]["ComputeBasketBlueprint"]["address"]
        assert record["contracts"]["Settlement"]["contract_type"] == "Settlement"
        committee = record["committee"]
        assert committee["attestors"] == [key.address for key in demo_attestors()]
        assert (committee["threshold"], committee["demo"]) == (3, True)
        assert "demo committee (TEST ONLY" in printed
        for key in demo_attestors():
            assert f"attestor  {key.address}  key 0x{key.key.hex().removeprefix('0x')}" in printed


@pytest.mark.ape_only
def test_a_live_record_names_the_external_stablecoin_and_prints_no_key(backend, deploy_script, tmp_path, capsys):
    from ape import accounts, chain, project

    snapshot = chain.provider.snapshot()
    try:
        deployer = accounts.test_accounts[ACCOUNTS_OF["customer"]]
        played = {name: accounts.test_accounts[ACCOUNTS_OF[who]] for name, who in PLAYED_BY.items()}
        stablecoin = project.MockStablecoin.deploy("USD", "USD", sender=deployer)
        path = live(tmp_path, {n: a.address for n, a in played.items()}, stablecoin=stablecoin.address)
        out = tmp_path / "ethereum-sepolia.json"
        deploy_script.run(ETHEREUM, SEPOLIA, chain.provider, deployer, path, out, True)
        printed = capsys.readouterr().out
        record = yaml.safe_load(out.read_text())
        assert record["contracts"]["Stablecoin"] == {
            "address": stablecoin.address,
            "tx_hash": None,
            "block": None,
            "gas_used": None,
            "contract_type": None,
            "block_hash": None,
            "code_hash": "0x" + keccak(bytes(chain.provider.get_code(stablecoin.address))).hex(),
        }
        assert record["committee"]["demo"] is False
        assert record["committee"]["threshold"] == 2
        assert " key 0x" not in printed
        assert record["deploy_block"] == record["contracts"]["IdentityRegistry"]["block"]
    finally:
        chain.provider.restore(snapshot)


def test_every_section_of_the_example_config_loads_with_its_own_usdc():
    """The L2 testnets reuse the Sepolia settings (a YAML merge) with their own Circle USDC."""
    path = ROOT / "deployments" / "config.example.yaml"
    sections = yaml.safe_load(path.read_text())
    assert set(sections) == {"ethereum:sepolia", "base:sepolia", "optimism:sepolia", "arbitrum:sepolia"}
    stablecoins = {name: load_config(name, False, path)["stablecoin"] for name in sections}
    assert len(set(stablecoins.values())) == len(sections)
    assert stablecoins["base:sepolia"] == "0x036CbD53842c5426634e7929541eC2318f3dCF7e"


@pytest.mark.ape_only
def test_a_published_live_record_becomes_the_packages_deployment(backend, deploy_script, tmp_path, capsys):
    """A live record committed to deployments/ is published in the EthPM manifest under its
    chain's BIP-122 URI, every contract of ours with its type, transaction and block; a
    configured stablecoin (not a contract type of the package) is left out."""
    from ape import accounts, chain, project
    from ethpm_types import ContractInstance

    from computerwa.tooling.package_export import committed_deployments

    snapshot = chain.provider.snapshot()
    try:
        deployer = accounts.test_accounts[ACCOUNTS_OF["customer"]]
        played = {name: accounts.test_accounts[ACCOUNTS_OF[who]] for name, who in PLAYED_BY.items()}
        stablecoin = project.MockStablecoin.deploy("USD", "USD", sender=deployer)
        path = live(tmp_path, {n: a.address for n, a in played.items()}, stablecoin=stablecoin.address)
        published = tmp_path / "project"
        (published / "deployments").mkdir(parents=True)
        (published / "ape-config.yaml").write_text("name: published\n")
        out = published / "deployments" / "ethereum-sepolia.json"
        deploy_script.run(ETHEREUM, SEPOLIA, chain.provider, deployer, path, out, True)
        capsys.readouterr()
        record = yaml.safe_load(out.read_text())
        deployments = committed_deployments(published)
        uri = f"blockchain://{record['genesis_hash'][2:]}/block/{record['block_hash'][2:]}"
        assert list(deployments) == [uri]
        instances = deployments[uri]
        assert set(instances) == set(CONTRACTS) - {"Stablecoin"}
        for name, instance in instances.items():
            entry = record["contracts"][name]
            assert instance == {
                "contractType": entry["contract_type"],
                "address": entry["address"],
                "transaction": entry["tx_hash"],
                "block": entry["block_hash"],
            }
            ContractInstance.model_validate(instance)
    finally:
        chain.provider.restore(snapshot)
