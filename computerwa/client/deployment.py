"""Deployment configuration and records: what to deploy on a network, and finding a recorded
deployment again.

`computerwa.evm.suite.deploy_with_record` deploys from it; `scripts/deploy.py` and
`scripts/simulate.py` use both, and the commands that send to a deployment (`rent`, `offer`,
`quote`) find theirs with `recorded_suite`; integrators read what it writes (`record_path`):
`deployments/<ecosystem>-<network>.json` on a live network (`ethereum-sepolia.json`), and
`deployments/<ecosystem>-<network>-<provider>.json` on a local one, whose providers are
different chains (`ethereum-local-foundry.json` for Anvil, `ethereum-local-test.json` for
Ape's embedded chain). A record (`RECORD_SCHEMA`) holds the chain id and genesis hash, the
first block of the deployment and its hash, the deployer, the commit it was built from, every contract's address,
transaction, block, contract type and runtime code hash, the stablecoin as what it is (a
deployed MockStablecoin, or the configured external token), the roles and the committee as
deployed, the configuration and the ownership handovers still to be accepted.

Configuration: local networks use `LOCAL_DEFAULTS` (a MockStablecoin, a demo 3-of-5
attestor committee of deterministic keys, the deployer in every role). Live networks read
their section of `deployments/config.yaml`, keyed `<ecosystem>:<network>` (see
`deployments/config.example.yaml`), whose `roles` must give every role of `ROLES` an address
(issue #15 item 12): the admin may not also be the oracle admin or the guardian.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_utils import keccak, to_checksum_address

DEPLOYMENTS = Path("deployments")
CONFIG_FILE = DEPLOYMENTS / "config.yaml"
DAY = 86_400

RECORD_SCHEMA = "computerwa-deployment/2"
# The suite in deployment order, by record name (the stablecoin is "Stablecoin" whatever it is:
# its entry's `contract_type` is "MockStablecoin" when the deployment made it, else null)
CONTRACTS = (
    "Stablecoin",
    "IdentityRegistry",
    "ComputeTokenBlueprint",
    "ComputeFactory",
    "AttestationOracle",
    "NodeRegistry",
    "NodeRentalsBlueprint",
    "Settlement",
    "NodeRentals",
    "ComputeBasketBlueprint",
    "ComputeBasketFactory",
    "NodeOffering",
    "RevenueFeedBlueprint",
    "RevenueFeedFactory",
)
# the EIP-5202 blueprints among them (an address to create from, not a contract to call) -> what they create
BLUEPRINTS = {
    "ComputeTokenBlueprint": "ComputeToken",
    "ComputeBasketBlueprint": "ComputeBasket",
    "RevenueFeedBlueprint": "RevenueFeed",
    "NodeRentalsBlueprint": "NodeRentals",
}

LOCAL_DEFAULTS: dict[str, Any] = {
    "stablecoin": None,  # None: deploy MockStablecoin
    "epoch_length": DAY,
    "genesis_epochs_back": 0,
    "fee_bps": 250,
    "roles": None,  # None (or a role left out): the deployer holds it; see ROLES
    "attestors": None,  # None: the demo committee below
    "threshold": 3,
    "committee_delay": None,  # None: bond_delay + bond_withdrawal_window, the least allowed
    "bond_delay": 3 * DAY,
    "slash_bps": 2_000,
    "bond_withdrawal_window": DAY,  # a matured bond withdrawal is payable this long, then expires
    "grace_period": DAY,  # an epoch with no report this long after its end is missed (slashable)
    "withdrawal_delay": 2 * DAY,
    "withdrawal_window": 2 * DAY,
    "pause_limit": 7 * DAY,
    "fee_delay": None,  # None: withdrawal_delay + withdrawal_window, the least allowed
}
REQUIRED_LIVE = ("stablecoin", "attestors", "threshold")

# The roles a deployment hands out (`roles:` in the config), and what each holds
ROLES: dict[str, str] = {
    "admin": "owns IdentityRegistry, ComputeFactory, NodeRegistry, Settlement, ComputeBasketFactory and NodeOffering",
    "oracle_admin": "owns AttestationOracle, and so announces committee changes",
    "registrar": "verifies investors and operators in IdentityRegistry",
    "agent": "is every node token's agent (freeze, forced transfer, recover)",
    "minter": "is every node token's minter (mint, burn)",
    "guardian": "may pause Settlement",
    "treasury": "receives Settlement's fee and NodeRegistry's and Settlement's skims",
}
ONE_KEY = "local: one key holds every role"
# record name -> the role that owns it
OWNED_BY = {
    "IdentityRegistry": "admin",
    "ComputeFactory": "admin",
    "AttestationOracle": "oracle_admin",
    "NodeRegistry": "admin",
    "Settlement": "admin",
    "ComputeBasketFactory": "admin",
    "NodeOffering": "admin",
}


class DeploymentError(Exception):
    """A problem the user can fix; its message is one line saying how."""


def demo_attestors(count: int = 5) -> list:
    """The local demo committee: deterministic keys, ascending by address (never funded).
    Key i is `keccak256("ComputeRWA demo attestor <i>")`: public, so for local chains only."""
    keys = (Account.from_key(keccak(b"ComputeRWA demo attestor %d" % i)) for i in range(count))
    return sorted(keys, key=lambda key: int(key.address, 16))


def demo_key_lines(attestors: list[str]) -> list[str]:
    """What a local deploy prints about the committee: each demo attestor's address and
    private key (marked test-only) so integrators can sign reports for it; a configured
    committee is printed by address only (its keys are its members')."""
    demo = {key.address: key for key in demo_attestors()}
    if any(address not in demo for address in attestors):
        return [f"attestor  {address}" for address in attestors]
    lines = ['demo committee (TEST ONLY: keccak256("ComputeRWA demo attestor <i>"), public keys, never fund them)']
    lines += [f"attestor  {address}  key 0x{demo[address].key.hex().removeprefix('0x')}" for address in attestors]
    return lines


def source_commit(root: Path = Path(".")) -> dict[str, Any]:
    """The git commit the deployment was built from, and whether the tree had changes;
    both None outside a git checkout (a source archive)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "contracts", "interfaces"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "contracts_modified": None}
    return {"commit": head, "contracts_modified": bool(status.strip())}


def record_path(ecosystem: str, network: str, provider: str, is_local: bool) -> Path:
    # local chains of different providers are different chains: keep their records apart
    name = f"{ecosystem}-{network}" + (f"-{provider}" if is_local else "")
    return DEPLOYMENTS / f"{name}.json"


def load_config(network_choice: str, is_local: bool, path: Path = CONFIG_FILE) -> dict:
    """The deployment configuration of `network_choice` ("ethereum:sepolia")."""
    config = dict(LOCAL_DEFAULTS)
    section: dict = {}
    if path.exists():
        import yaml

        section = (yaml.safe_load(path.read_text()) or {}).get(network_choice) or {}
    if not is_local:
        missing = [key for key in REQUIRED_LIVE if section.get(key) in (None, [], "")]
        if missing:
            raise DeploymentError(
                f"{path} has no {', '.join(missing)} for {network_choice}: add a section "
                f"'{network_choice}:' (see deployments/config.example.yaml)"
            )
    moved = {"treasury", "guardian"} & set(section)
    if moved:
        raise DeploymentError(
            f"{path}: {', '.join(sorted(moved))} for {network_choice} now go(es) under 'roles:' "
            "(see deployments/config.example.yaml)"
        )
    unknown = set(section) - set(LOCAL_DEFAULTS)
    if unknown:
        raise DeploymentError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))} for {network_choice}")
    config.update(section)
    config["roles"] = check_roles(config["roles"], network_choice, is_local, path)
    leave = config["bond_delay"] + config["bond_withdrawal_window"]
    if config["committee_delay"] is not None and config["committee_delay"] < leave:
        raise DeploymentError(
            f"{path}: committee_delay {config['committee_delay']} s for {network_choice} is shorter than "
            f"bond_delay + bond_withdrawal_window ({leave} s): operators could not take their bond out "
            "before a new committee judges them; raise it or leave it out (that default)"
        )
    return config


@dataclass
class Deployment:
    """A deployed suite: Ape contract instances by record name, and what configured it."""

    contracts: dict[str, Any]
    config: dict
    record: dict = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        contracts = self.__dict__.get("contracts", {})
        key = {
            "stablecoin": "Stablecoin",
            "identity": "IdentityRegistry",
            "factory": "ComputeFactory",
            "oracle": "AttestationOracle",
            "registry": "NodeRegistry",
            "settlement": "Settlement",
            "basket_factory": "ComputeBasketFactory",
            "offering": "NodeOffering",
            "feed_factory": "RevenueFeedFactory",
            "rentals": "NodeRentals",
        }.get(name)
        if key is None or key not in contracts:
            raise AttributeError(name)
        return contracts[key]


def find(path: Path, chain_id: int, project: Any, provider: Any) -> Deployment | None:
    """The suite recorded at `path`, if it is for this chain and every contract still has
    code there; None when there is no record or the chain forgot it (a restarted local node)."""
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise DeploymentError(f"{path} is not valid JSON ({err.msg}): fix or delete it") from None
    if record.get("chain_id") != chain_id:
        raise DeploymentError(
            f"{path} records chain {record.get('chain_id')}, but this network is chain {chain_id}: "
            "select the right network or move the file away"
        )
    if record.get("schema") != RECORD_SCHEMA:
        raise DeploymentError(
            f"{path} is a deployment record of another format ({record.get('schema') or 'before schema 2'}): "
            "move it away and deploy again"
        )
    contracts = {}
    for name, entry in record.get("contracts", {}).items():
        if not provider.get_code(entry["address"]):
            return None
        if name in BLUEPRINTS:
            contracts[name] = entry["address"]
            continue
        # an external stablecoin is read through MockStablecoin's ABI: the ERC-20, EIP-2612 and
        # EIP-3009 functions the suite calls are the same
        contract_type = "MockStablecoin" if name == "Stablecoin" else name
        contracts[name] = getattr(project, contract_type).at(entry["address"])
    return Deployment(contracts, record["configuration"], record)


# a contract some records lack -> what a record without it predates (`recorded_suite`'s `needs`)
INTRODUCED = {"NodeRentals": "rentals", "NodeOffering": "offerings", "ComputeBasketFactory": "baskets"}


def recorded_suite(
    ecosystem: Any,
    network: Any,
    provider: Any,
    deployment: Path | None,
    chain_id: int,
    project: Any,
    needs: str | None = None,
    role: str | None = None,
    account: Any = None,
    accounts: Any = None,
) -> tuple[str, Deployment, Any]:
    """The network choice ("ethereum:local:foundry"), the suite recorded for the connected network
    (in `deployment`, or at its `record_path`) and the account that sends to it as `role`
    ("NodeOffering's owner"): `account`, or on a local network the first of Ape's
    `accounts.test_accounts`; without a role, `account` as given. Raises `DeploymentError`,
    saying what to do, when there is no record, the chain has no code for it (a restarted local
    chain), it lacks the `needs` contract (one of `INTRODUCED`), or a live network has no `account`."""
    choice = f"{ecosystem.name}:{network.name}:{provider.name}"
    path = deployment or record_path(ecosystem.name, network.name, provider.name, network.is_local)
    suite = find(path, chain_id, project, provider)
    deploy_first = f"run `ape run deploy --network {choice}` first"
    if suite is None and path.exists():
        raise DeploymentError(
            f"the deployment recorded in {path} has no code on {choice} (a restarted local chain?): {deploy_first}"
        )
    if suite is None:
        raise DeploymentError(f"no deployment recorded for {choice} ({path}): {deploy_first}")
    if needs is not None and needs not in suite.contracts:
        raise DeploymentError(
            f"the deployment recorded in {path} predates {INTRODUCED[needs]} (no {needs}): "
            f"move it away and {deploy_first}"
        )
    if role is not None and account is None:
        if not network.is_local:
            raise DeploymentError(f"no account: pass --account ALIAS ({role}) on {choice}")
        account = accounts.test_accounts[0]
    return choice, suite, account


def check_roles(roles: Any, network_choice: str, is_local: bool, path: Path = CONFIG_FILE) -> dict:
    """The `roles` section checked: every key one of `ROLES`, every value an address (or
    None, the deployer, on a local network only). On a live network every role is required,
    and the admin may be neither the oracle admin (one key would both judge operators and
    own the registry that slashes them) nor the guardian (the admin can pause anyway: the
    guardian is a second key that can stop Settlement without holding any other power)."""
    roles = dict(roles or {})
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise DeploymentError(
            f"{path}: unknown role(s) {', '.join(sorted(unknown))} for {network_choice}; "
            f"the roles are {', '.join(ROLES)}"
        )
    checked: dict[str, str | None] = {}
    for name in ROLES:
        value = roles.get(name)
        if value in (None, ""):
            if not is_local:
                raise DeploymentError(
                    f"{path} has no roles.{name} for {network_choice}: put the address that {ROLES[name]} "
                    f"under 'roles:' as '{name}: \"0x...\"' (see deployments/config.example.yaml)"
                )
            checked[name] = None
            continue
        try:
            checked[name] = to_checksum_address(value)
        except (ValueError, TypeError):
            raise DeploymentError(f"{path}: roles.{name} {value!r} for {network_choice} is not an address") from None
    if not is_local:
        if checked["admin"] == checked["oracle_admin"]:
            raise DeploymentError(
                f"{path}: roles.admin is also roles.oracle_admin for {network_choice}: give the oracle "
                "its own key, or one key both rewrites the committee and owns the registry it slashes for"
            )
        if checked["admin"] == checked["guardian"]:
            raise DeploymentError(
                f"{path}: roles.guardian is roles.admin for {network_choice}: the admin may pause already; "
                "give the guardian a key of its own"
            )
    return checked


def resolved_roles(roles: dict | None, deployer: str) -> dict[str, str]:
    """Every role's address as deployed: the configured one, or the deployer's."""
    roles = roles or {}
    return {name: to_checksum_address(roles.get(name) or deployer) for name in ROLES}


def handovers(pending: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
    """The ownership handovers still to be accepted, from record name -> (contract address,
    new owner): each with the exact call the new owner must make."""
    return [
        {
            "contract": name,
            "address": address,
            "new_owner": new_owner,
            "call": f"{new_owner} calls {name}({address}).accept_ownership()",
        }
        for name, (address, new_owner) in pending.items()
    ]


def check_stablecoin(address: str, provider: Any) -> str:
    try:
        address = to_checksum_address(address)
    except ValueError:
        raise DeploymentError(f"stablecoin {address!r} is not an address") from None
    if not provider.get_code(address):
        raise DeploymentError(f"stablecoin {address} has no code on this network: check the address in the config")
    return address


def plan(config: dict, deployer: str) -> list[str]:
    """What `deploy` will send, one line per transaction, before anything is sent."""
    stable = config["stablecoin"] or "a new MockStablecoin"
    attestors = config["attestors"] or [key.address for key in demo_attestors()]
    fee_delay = config["fee_delay"] or config["withdrawal_delay"] + config["withdrawal_window"]
    committee_delay = config["committee_delay"] or config["bond_delay"] + config["bond_withdrawal_window"]
    roles = resolved_roles(config.get("roles"), deployer)
    return [
        f"stablecoin        {stable}",
        "IdentityRegistry  new (registrar: the deployer"
        + ("" if roles["registrar"] == to_checksum_address(deployer) else f", then {roles['registrar']}")
        + ")",
        "ComputeToken      blueprint (EIP-5202)",
        f"ComputeFactory    new, epoch length {config['epoch_length']} s",
        f"AttestationOracle new, {config['threshold']}-of-{len(attestors)} committee; changes apply "
        f"{committee_delay} s after their announcement",
        f"NodeRegistry      new, bond delay {config['bond_delay']} s, then payable "
        f"{config['bond_withdrawal_window']} s; slash {config['slash_bps']} bps; grace period "
        f"{config['grace_period']} s; factory creator",
        f"Settlement        new, fee {config['fee_bps']} bps to {roles['treasury']}, "
        f"withdrawal delay {config['withdrawal_delay']} s then a {config['withdrawal_window']} s window, "
        f"pauses lapse after {config['pause_limit']} s, fee changes and voucher lifetimes {fee_delay} s, "
        f"guardian {roles['guardian']}",
        "ComputeBasket     blueprint (EIP-5202)",
        "ComputeBasketFactory new, baskets of ComputeFactory's node tokens only",
        "NodeOffering      new, primary sales of node shares (a minter of a node's token once its admin grants it)",
        "RevenueFeed       blueprint (EIP-5202)",
        "RevenueFeedFactory new, anyone publishes a node token's Chainlink-format revenue feed (no owner)",
        *role_lines(roles, deployer),
    ]


def role_lines(roles: dict[str, str], deployer: str) -> list[str]:
    """The plan's roles: exactly `ONE_KEY` when the deployer keeps every role; otherwise
    each role's address, and each ownership handover the new owner must accept."""
    if all(address == to_checksum_address(deployer) for address in roles.values()):
        return [ONE_KEY]
    lines = [f"role {name:<13}{address} {ROLES[name]}" for name, address in roles.items()]
    for name, role_name in OWNED_BY.items():
        if roles[role_name] != to_checksum_address(deployer):
            lines.append(
                f"pending handover: {roles[role_name]} must call {name}.accept_ownership() "
                "(the record gives the address)"
            )
    return lines


def write_record(path: Path, suite: Deployment, ecosystem: str, network: str, provider: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"schema": RECORD_SCHEMA, "ecosystem": ecosystem, "network": network, "provider": provider}
    path.write_text(json.dumps({**record, **suite.record}, indent=2) + "\n")
    return path
