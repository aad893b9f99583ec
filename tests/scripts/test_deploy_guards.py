"""`ape run deploy`'s guards on a live network, without one: the command's `run` with a
stand-in network, provider and account (the connected local chain answers the rest).

Nothing here is sent: every case stops before the first transaction, which is the point.
"""

from types import SimpleNamespace

import pytest
import yaml

from computerwa.client.deployment import DeploymentError
from tests.scripts.helpers import load_script, local_deploy

SEPOLIA = SimpleNamespace(name="sepolia", is_local=False)
ETHEREUM = SimpleNamespace(name="ethereum")
LIVE_CONFIG = {
    "ethereum:sepolia": {
        "stablecoin": "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238",
        "roles": {
            name: "0x" + f"{0xA1 + i:040x}"
            for i, name in enumerate(("admin", "oracle_admin", "registrar", "agent", "minter", "guardian", "treasury"))
        },
        "attestors": ["0x0000000000000000000000000000000000000002", "0x0000000000000000000000000000000000000003"],
        "threshold": 2,
    }
}


def provider(balance: int):
    return SimpleNamespace(name="alchemy", get_balance=lambda address: balance, get_code=lambda address: b"")


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(LIVE_CONFIG))
    return path


@pytest.fixture
def deploy_script():
    return load_script("deploy")


def run(deploy_script, tmp_path, config_file, account, balance, yes=False):
    out = tmp_path / "ethereum-sepolia.json"
    deploy_script.run(ETHEREUM, SEPOLIA, provider(balance), account, config_file, out, yes)
    return out


def test_a_live_deployment_without_an_account_says_to_pass_one(deploy_script, tmp_path, config_file):
    with pytest.raises(DeploymentError, match=r"no account: pass --account ALIAS .* to deploy on ethereum:sepolia"):
        run(deploy_script, tmp_path, config_file, None, 10**18)


def test_an_account_without_ether_is_refused_before_anything_is_sent(deploy_script, tmp_path, config_file):
    account = SimpleNamespace(address="0x00000000000000000000000000000000000000aa")
    with pytest.raises(DeploymentError, match=r"0x0+aa has no ether on ethereum:sepolia: fund it first"):
        run(deploy_script, tmp_path, config_file, account, 0)


def test_a_live_deployment_prints_its_plan_and_sends_nothing_without_yes(deploy_script, tmp_path, config_file, capsys):
    account = SimpleNamespace(address="0x00000000000000000000000000000000000000aa")
    out = run(deploy_script, tmp_path, config_file, account, 10**18)
    printed = capsys.readouterr().out
    assert "stablecoin        0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238" in printed
    assert "AttestationOracle new, 2-of-2 committee" in printed
    assert "nothing sent: re-run with --yes to deploy this plan" in printed
    assert not out.exists()


def test_a_live_network_without_a_config_section_names_what_is_missing(deploy_script, tmp_path):
    empty = tmp_path / "config.yaml"
    empty.write_text("ethereum:sepolia:\n  fee_bps: 100\n")
    with pytest.raises(DeploymentError, match=r"has no stablecoin, attestors, threshold for ethereum:sepolia"):
        run(deploy_script, tmp_path, empty, None, 10**18)


def test_an_unknown_setting_in_the_config_is_refused(deploy_script, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"ethereum:sepolia": {**LIVE_CONFIG["ethereum:sepolia"], "fee": 1}}))
    with pytest.raises(DeploymentError, match=r"unknown setting\(s\) fee for ethereum:sepolia"):
        run(deploy_script, tmp_path, path, None, 10**18)


def test_a_committee_delay_too_short_for_operators_to_leave_is_refused(deploy_script, tmp_path):
    section = {**LIVE_CONFIG["ethereum:sepolia"], "bond_delay": 1_000, "bond_withdrawal_window": 500}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"ethereum:sepolia": {**section, "committee_delay": 1_499}}))
    with pytest.raises(DeploymentError, match=r"committee_delay 1499 s for ethereum:sepolia is shorter than"):
        run(deploy_script, tmp_path, path, None, 10**18)


def test_the_plan_prints_both_notice_periods(deploy_script, tmp_path, capsys):
    section = {**LIVE_CONFIG["ethereum:sepolia"], "committee_delay": 400_000}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"ethereum:sepolia": section}))
    run(deploy_script, tmp_path, path, SimpleNamespace(address="0x" + "ab" * 20), 10**18)
    printed = capsys.readouterr().out
    assert "changes apply 400000 s after their announcement" in printed
    assert "fee changes and voucher lifetimes 345600 s" in printed


@pytest.mark.ape_only
def test_a_local_deploy_verifies_its_operators_and_says_so(backend, deploy_script, tmp_path, capsys):
    """NodeRegistry lists verified operators only: a local deploy verifies test accounts 1-5,
    the demo investors and node operators, and prints it with its plan."""
    from ape import accounts, project

    with local_deploy(deploy_script, tmp_path, capsys) as (printed, record):
        assert "local: test accounts 1-5 verified for a year, the demo investors and node operators" in printed
        identity = project.IdentityRegistry.at(record["contracts"]["IdentityRegistry"]["address"])
        registry = project.NodeRegistry.at(record["contracts"]["NodeRegistry"]["address"])
        operator = accounts.test_accounts[2]
        assert all(identity.is_verified(account) for account in accounts.test_accounts[1:6])
        registry.register_node("latam", "L40S", 4, 1_000, 3_000, 9_900, "ipfs://local", sender=operator)
        assert registry.node(1).operator == operator.address
