"""`recorded_suite`, how `ape run rent`, `offer` and `quote` find their deployment: each way it
refuses says, in one line, what to do; and the account it hands back. No chain: the network,
the provider, the project and Ape's accounts are stand-ins."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from computerwa.client.deployment import RECORD_SCHEMA, DeploymentError, recorded_suite

CHAIN_ID = 31337
ADDRESS = "0x00000000000000000000000000000000000000a1"
ETHEREUM = SimpleNamespace(name="ethereum")
LOCAL = SimpleNamespace(name="local", is_local=True)
SEPOLIA = SimpleNamespace(name="sepolia", is_local=False)
PROJECT = SimpleNamespace(
    NodeRentals=SimpleNamespace(at=lambda address: ("NodeRentals", address)),
    NodeOffering=SimpleNamespace(at=lambda address: ("NodeOffering", address)),
)
ACCOUNTS = SimpleNamespace(test_accounts=["first test account", "second test account"])


def provider(code: bytes = b"\x60\x00", name: str = "test"):
    return SimpleNamespace(name=name, get_code=lambda address: code)


def record(path: Path, *names: str) -> Path:
    contracts = {name: {"address": ADDRESS} for name in names}
    path.write_text(
        json.dumps({"schema": RECORD_SCHEMA, "chain_id": CHAIN_ID, "contracts": contracts, "configuration": {}})
    )
    return path


def suite_of(path, network=LOCAL, code=b"\x60\x00", **options):
    return recorded_suite(ETHEREUM, network, provider(code), path, CHAIN_ID, PROJECT, **options)


def test_the_suite_comes_back_with_the_network_choice(tmp_path):
    choice, suite, account = suite_of(record(tmp_path / "r.json", "NodeRentals"), needs="NodeRentals")
    assert choice == "ethereum:local:test"
    assert suite.rentals == ("NodeRentals", ADDRESS)
    assert account is None  # no role: no account asked for


def test_no_record_says_to_deploy_first(tmp_path):
    path = tmp_path / "none.json"
    with pytest.raises(DeploymentError) as refused:
        suite_of(path)
    assert str(refused.value) == (
        f"no deployment recorded for ethereum:local:test ({path}): "
        "run `ape run deploy --network ethereum:local:test` first"
    )


def test_without_a_deployment_option_the_network_record_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DeploymentError, match=r"\(deployments/ethereum-local-test\.json\)"):
        suite_of(None)
    with pytest.raises(
        DeploymentError,
        match=r"^no deployment recorded for ethereum:sepolia:test \(deployments/ethereum-sepolia\.json\)",
    ):
        suite_of(None, network=SEPOLIA)


def test_a_record_the_chain_forgot_says_so(tmp_path):
    path = record(tmp_path / "r.json", "NodeRentals")
    with pytest.raises(DeploymentError) as refused:
        suite_of(path, code=b"")
    assert str(refused.value) == (
        f"the deployment recorded in {path} has no code on ethereum:local:test (a restarted local chain?): "
        "run `ape run deploy --network ethereum:local:test` first"
    )


@pytest.mark.parametrize(("needs", "feature"), [("NodeRentals", "rentals"), ("NodeOffering", "offerings")])
def test_a_record_without_the_needed_contract_says_to_redeploy(tmp_path, needs, feature):
    path = record(tmp_path / "r.json", "NodeRentals" if needs == "NodeOffering" else "NodeOffering")
    with pytest.raises(DeploymentError) as refused:
        suite_of(path, needs=needs)
    assert str(refused.value) == (
        f"the deployment recorded in {path} predates {feature} (no {needs}): move it away and "
        "run `ape run deploy --network ethereum:local:test` first"
    )


def test_a_live_network_needs_an_account_named_by_its_role(tmp_path):
    path = record(tmp_path / "r.json", "NodeOffering")
    with pytest.raises(DeploymentError) as refused:
        suite_of(path, network=SEPOLIA, needs="NodeOffering", role="NodeOffering's owner", accounts=ACCOUNTS)
    assert str(refused.value) == "no account: pass --account ALIAS (NodeOffering's owner) on ethereum:sepolia:test"


def test_a_local_network_defaults_to_the_first_test_account_and_a_given_one_is_kept(tmp_path):
    path = record(tmp_path / "r.json", "NodeRentals")
    role = "the customer who books and pays"
    assert suite_of(path, role=role, accounts=ACCOUNTS)[2] == "first test account"
    assert suite_of(path, role=role, account="mine", accounts=ACCOUNTS)[2] == "mine"
    assert suite_of(path, network=SEPOLIA, role=role, account="mine")[2] == "mine"
