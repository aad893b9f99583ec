"""`ape run deploy`'s roles (issue #15 item 12): each role (admin, oracle admin, registrar,
agent, minter, guardian, treasury) goes to an address of its own from the deployment config;
owners are handed over with snekmate `ownable_2step` (the deploy offers, each new owner
accepts), and the plan and the record say which handovers are pending and the exact call.

The refusals stop before the first transaction; the deploys run on Ape's local chain
(`ape_only`) and restore it afterwards."""

from types import SimpleNamespace

import pytest
import yaml
from eth_utils import to_checksum_address

from computerwa.client.deployment import ONE_KEY, ROLES, DeploymentError, load_config, plan
from tests.conftest import ROLES as ACCOUNTS_OF
from tests.scripts.helpers import load_script, local_deploy
from tests.scripts.test_deploy_guards import ETHEREUM, LIVE_CONFIG, SEPOLIA, provider

# a role name of the config -> the test account (tests/conftest.py ROLES) that plays it
PLAYED_BY = {
    "admin": "issuer",
    "oracle_admin": "relayer",
    "registrar": "registrar",
    "agent": "agent",
    "minter": "minter",
    "guardian": "guardian",
    "treasury": "treasury",
}
OWNED = ("IdentityRegistry", "ComputeFactory", "NodeRegistry", "Settlement", "ComputeBasketFactory", "NodeOffering")
DEPLOYER = "0x" + "ab" * 20


def addresses(count: int = len(ROLES), start: int = 0xA1) -> dict[str, str]:
    return {name: "0x" + f"{start + i:040x}" for i, name in enumerate(list(ROLES)[:count])}


def live(tmp_path, roles: dict | None, **extra) -> object:
    section = {**LIVE_CONFIG["ethereum:sepolia"], **extra}
    section.pop("roles")
    if roles is not None:
        section["roles"] = roles
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"ethereum:sepolia": section}))
    return path


@pytest.fixture
def deploy_script():
    return load_script("deploy")


def test_a_local_deploy_says_one_key_holds_every_role(tmp_path):
    config = load_config("ethereum:local", True, tmp_path / "none.yaml")
    assert config["roles"] == {name: None for name in ROLES}
    lines = plan(config, DEPLOYER)
    assert lines[-1] == ONE_KEY == "local: one key holds every role"
    assert not any("pending handover" in line for line in lines)
    assert any(line.endswith(f"guardian {to_checksum_address(DEPLOYER)}") for line in lines)


def test_a_local_config_that_names_other_roles_plans_their_handovers(tmp_path):
    path = tmp_path / "config.yaml"
    roles = {"admin": "0x" + "a1" * 20, "agent": "0x" + "a4" * 20}
    path.write_text(yaml.safe_dump({"ethereum:local": {"roles": roles}}))
    lines = plan(load_config("ethereum:local", True, path), DEPLOYER)
    assert ONE_KEY not in lines
    admin, agent = (to_checksum_address(roles[name]) for name in ("admin", "agent"))
    assert f"role agent        {agent} is every node token's agent (freeze, forced transfer, recover)" in lines
    assert "IdentityRegistry  new (registrar: the deployer)" in lines  # no registrar configured
    pending = [line for line in lines if line.startswith("pending handover")]
    assert pending == [
        f"pending handover: {admin} must call {name}.accept_ownership() (the record gives the address)"
        for name in OWNED
    ]


def test_a_live_deploy_names_the_missing_role_and_what_to_put(deploy_script, tmp_path):
    roles = addresses()
    del roles["registrar"]
    with pytest.raises(
        DeploymentError,
        match=r"has no roles\.registrar for ethereum:sepolia: put the address that verifies investors and "
        r"operators in IdentityRegistry under 'roles:' as 'registrar: \"0x\.\.\.\"'",
    ):
        load_config("ethereum:sepolia", False, live(tmp_path, roles))


def test_a_live_deploy_without_roles_names_the_first_missing_one(tmp_path):
    with pytest.raises(DeploymentError, match=r"has no roles\.admin for ethereum:sepolia"):
        load_config("ethereum:sepolia", False, live(tmp_path, None))


def test_a_live_deploy_refuses_the_admin_as_oracle_admin(deploy_script, tmp_path):
    roles = {**addresses(), "oracle_admin": addresses()["admin"]}
    account = SimpleNamespace(address=DEPLOYER)
    with pytest.raises(DeploymentError, match=r"roles\.admin is also roles\.oracle_admin for ethereum:sepolia"):
        deploy_script.run(
            ETHEREUM, SEPOLIA, provider(10**18), account, live(tmp_path, roles), tmp_path / "o.json", True
        )


def test_a_live_deploy_refuses_the_admin_as_guardian(tmp_path):
    roles = {**addresses(), "guardian": addresses()["admin"].upper().replace("0X", "0x")}
    with pytest.raises(DeploymentError, match=r"roles\.guardian is roles\.admin for ethereum:sepolia"):
        load_config("ethereum:sepolia", False, live(tmp_path, roles))


def test_an_unknown_role_or_a_non_address_is_refused(tmp_path):
    with pytest.raises(DeploymentError, match=r"unknown role\(s\) owner for ethereum:sepolia; the roles are admin"):
        load_config("ethereum:sepolia", False, live(tmp_path, {**addresses(), "owner": DEPLOYER}))
    with pytest.raises(DeploymentError, match=r"roles\.minter 'alice' for ethereum:sepolia is not an address"):
        load_config("ethereum:sepolia", False, live(tmp_path, {**addresses(), "minter": "alice"}))


def test_treasury_and_guardian_outside_roles_say_where_they_go(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"ethereum:local": {"guardian": DEPLOYER}}))
    with pytest.raises(DeploymentError, match=r"guardian for ethereum:local now go\(es\) under 'roles:'"):
        load_config("ethereum:local", True, path)


def test_a_live_plan_lists_every_role_and_pending_handover(deploy_script, tmp_path, capsys):
    roles = addresses()
    deploy_script.run(
        ETHEREUM,
        SEPOLIA,
        provider(10**18),
        SimpleNamespace(address=DEPLOYER),
        live(tmp_path, roles),
        tmp_path / "o.json",
        False,
    )
    printed = capsys.readouterr().out
    assert ONE_KEY not in printed
    for name in ROLES:
        assert f"role {name:<13}" in printed
    assert printed.count("pending handover: ") == 7
    assert "must call AttestationOracle.accept_ownership()" in printed
    assert f"registrar: the deployer, then {to_checksum_address(roles['registrar'])})" in printed
    assert "nothing sent" in printed


@pytest.mark.ape_only
def test_a_live_deploy_gives_each_role_its_own_address(backend, deploy_script, tmp_path, capsys):
    """A live network's deploy (stand-in network, Ape's local chain) with every role a test
    account of its own: after the deploy and each new owner's accept, every owner, token
    role, registrar, guardian and treasury is the configured address and the deployer holds
    none of them."""
    from ape import accounts, chain, project

    snapshot = chain.provider.snapshot()
    try:
        deployer = accounts.test_accounts[ACCOUNTS_OF["customer"]]
        played = {name: accounts.test_accounts[ACCOUNTS_OF[who]] for name, who in PLAYED_BY.items()}
        stablecoin = project.MockStablecoin.deploy("USD", "USD", sender=deployer)
        path = live(
            tmp_path, {name: account.address for name, account in played.items()}, stablecoin=stablecoin.address
        )
        out = tmp_path / "ethereum-sepolia.json"
        deploy_script.run(ETHEREUM, SEPOLIA, chain.provider, deployer, path, out, True)
        printed = capsys.readouterr().out
        record = yaml.safe_load(out.read_text())
        at = {name: entry["address"] for name, entry in record["contracts"].items()}
        contracts = {name: getattr(project, name).at(at[name]) for name in (*OWNED, "AttestationOracle")}
        assert record["roles"] == {name: account.address for name, account in played.items()}
        admin, oracle_admin = played["admin"], played["oracle_admin"]
        pending = {entry["contract"]: entry for entry in record["pending_handovers"]}
        assert set(pending) == {*OWNED, "AttestationOracle"}
        for name, contract in contracts.items():
            new_owner = oracle_admin if name == "AttestationOracle" else admin
            call = f"{new_owner.address} calls {name}({contract.address}).accept_ownership()"
            assert pending[name] == {
                "contract": name,
                "address": contract.address,
                "new_owner": new_owner.address,
                "call": call,
            }
            assert f"pending: {call}" in printed
            assert contract.owner() == deployer.address and contract.pending_owner() == new_owner.address
            contract.accept_ownership(sender=new_owner)
            assert contract.owner() == new_owner.address
        identity, registry, settlement = (contracts[n] for n in ("IdentityRegistry", "NodeRegistry", "Settlement"))
        assert identity.is_registrar(played["registrar"]) and not identity.is_registrar(deployer)
        assert registry.token_agent() == played["agent"].address
        assert registry.token_minter() == played["minter"].address
        assert registry.treasury() == settlement.treasury() == played["treasury"].address
        assert settlement.guardian() == played["guardian"].address
        held = [identity.is_registrar(deployer), settlement.guardian() == deployer.address]
        held += [c.owner() == deployer.address or c.pending_owner() == deployer.address for c in contracts.values()]
        held += [registry.token_agent() == deployer.address, registry.token_minter() == deployer.address]
        held += [registry.treasury() == deployer.address]
        assert not any(held)
        # a node token registered now: admin the admin, agent and minter their own keys
        operator = accounts.test_accounts[ACCOUNTS_OF["operator"]]
        identity.set_verified(operator, chain.blocks.head.timestamp + 86_400, sender=played["registrar"])
        registry.register_node("latam", "L40S", 4, 1_000, 3_000, 9_900, "ipfs://live", sender=operator)
        token = project.ComputeToken.at(registry.node(1).token)
        assert token.owner() == admin.address
        assert token.is_agent(played["agent"]) and token.is_minter(played["minter"])
        assert not token.is_agent(deployer) and not token.is_minter(deployer) and not token.is_agent(admin)
    finally:
        chain.provider.restore(snapshot)


@pytest.mark.ape_only
def test_a_local_deploy_records_one_key_and_no_handover(backend, deploy_script, tmp_path, capsys):
    from ape import accounts, project

    with local_deploy(deploy_script, tmp_path, capsys) as (printed, record):
        assert f"  {ONE_KEY}\n" in printed and "pending:" not in printed
        deployer = accounts.test_accounts[0].address
        assert record["roles"] == {name: deployer for name in ROLES}
        assert record["pending_handovers"] == []
        registry = project.NodeRegistry.at(record["contracts"]["NodeRegistry"]["address"])
        assert registry.owner() == registry.token_agent() == registry.token_minter() == deployer
        settlement = project.Settlement.at(record["contracts"]["Settlement"]["address"])
        assert settlement.guardian() == settlement.treasury() == registry.treasury() == deployer
