"""Deploys the ComputeRWA suite to the selected network and records it for integrators.

    ape run deploy --network ethereum:local:test
    ape run deploy --network ethereum:local:foundry --account TEST::0
    ape run deploy --network ethereum:sepolia:alchemy --account deployer            (prints the plan)
    ape run deploy --network ethereum:sepolia:alchemy --account deployer --yes      (sends it)

Local networks: a MockStablecoin, the demo 3-of-5 attestor committee (deterministic keys),
the deployer in every role unless the config's `roles` names others, and test accounts 1-5
verified as investors and node operators (NodeRegistry takes verified operators only; on a
live network the registrar verifies each operator first).
Live networks: the stablecoin, fee, epoch length, committee, delays and every role (admin,
oracle_admin, registrar, agent, minter, guardian, treasury) come from the network's section
of deployments/config.yaml (see deployments/config.example.yaml); the plan is printed, and
nothing is sent without --yes. Each new owner then calls `accept_ownership()` on the
contracts it was handed (the plan, the output and the record list them).
The record: deployments/<ecosystem>-<network>.json on a live network,
deployments/<ecosystem>-<network>-<provider>.json on a local one (ethereum-local-foundry.json
for Anvil): addresses, code hashes, deploy block, commit, roles and committee. A local deploy
prints the demo committee's keys (test-only, public) so you can sign reports for it.
Idempotent: when the record names a deployment on this chain whose contracts still have
code, nothing is deployed.
"""

from pathlib import Path

import click
from ape import chain, project
from ape.cli import account_option

from computerwa.client.deployment import (
    CONFIG_FILE,
    DeploymentError,
    demo_key_lines,
    find,
    load_config,
    plan,
    record_path,
    write_record,
)
from computerwa.evm.cli import ProviderCommand
from computerwa.evm.suite import deploy_with_record

VERIFIED_FOR = 365 * 86_400


@click.command(cls=ProviderCommand, help=__doc__)
@account_option(prompt=False)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=CONFIG_FILE)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="deployment record")
@click.option("--yes", is_flag=True, help="send the plan on a live network")
def cli(ecosystem, network, provider, account, config_path, out, yes):
    try:
        run(ecosystem, network, provider, account, config_path, out, yes)
    except DeploymentError as err:
        raise click.ClickException(str(err)) from None


def run(ecosystem, network, provider, account, config_path, out, yes):
    from ape import accounts

    choice = f"{ecosystem.name}:{network.name}"
    path = out or record_path(ecosystem.name, network.name, provider.name, network.is_local)
    click.echo(f"network   {choice}:{provider.name} (chain {chain.chain_id})")
    found = find(path, chain.chain_id, project, provider)
    if found is not None:
        click.echo(f"found the deployment recorded in {path}; every contract has code: nothing to deploy")
        for name, entry in found.record["contracts"].items():
            click.echo(f"  {name:<22} {entry['address']}")
        return
    config = load_config(choice, network.is_local, config_path)
    if account is None:
        if not network.is_local:
            raise DeploymentError(
                f"no account: pass --account ALIAS (one of `ape accounts list`) to deploy on {choice}"
            )
        account = accounts.test_accounts[0]
    if provider.get_balance(account.address) == 0:
        raise DeploymentError(f"{account.address} has no ether on {choice}: fund it first")
    click.echo(f"deployer  {account.address}")
    click.echo("plan:")
    for line in plan(config, account.address):
        click.echo(f"  {line}")
    if network.is_local:
        click.echo(
            "  local: test accounts 1-5 verified for a year, the demo investors and node operators "
            "(NodeRegistry lists verified operators only)"
        )
    if not network.is_local and not yes:
        click.echo("nothing sent: re-run with --yes to deploy this plan")
        return
    # the test accounts are the demo investors and node operators (only verified operators
    # register): verified by the deployer before it hands the registrar role over
    operators = accounts.test_accounts[1:6] if network.is_local else ()
    until = chain.blocks.head.timestamp + VERIFIED_FOR
    suite = deploy_with_record(project, chain, account, config, operators, until)
    for name, entry in suite.record["contracts"].items():
        click.echo(f"  {name:<22} {entry['address']}")
    for handover in suite.record["pending_handovers"]:
        click.echo(f"  pending: {handover['call']}")
    if network.is_local:
        for line in demo_key_lines(suite.record["committee"]["attestors"]):
            click.echo(f"  {line}")
    write_record(path, suite, ecosystem.name, network.name, provider.name)
    click.echo(f"recorded  {path}")
