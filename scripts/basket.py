"""Creates a ComputeBasket over node tokens of the recorded deployment, and verifies it.

\b
    ape run basket --node 1 --node 2 --units 1 --units 3 --name "Asia" --symbol CRA --network ethereum:local:foundry
    ape run basket --node 1,2,3 --units 1,1,2 --name "Three" --symbol N3 --account admin --no-verify --network ...

Reads the deployment recorded for the connected network (deployments/<ecosystem>-<network>.json,
or -<provider>.json on a local network, as `ape run deploy` wrote it; --deployment picks
another record). --node takes the recorded NodeRegistry's node ids, --units each node token's
base units per basket base unit (both have 18 decimals, so one whole basket share is `units`
whole node tokens), in the same order: repeat each option, or give comma lists. The basket
factory's owner (the deployment's admin) creates the basket through ComputeBasketFactory, which
admits the deployment's node tokens only; the basket starts restricted, so the same account, a
registrar of the IdentityRegistry, then verifies it for --verified-for seconds (default a year)
so that it can hold its components. Where the admin is not a registrar, pass --no-verify: the
call a registrar must make is printed. --admin and --agent (the basket's own admin and first
compliance agent) default to the account. Prints the basket's address.
"""

import logging
from pathlib import Path

import click
from ape import chain, project
from ape.cli import account_option
from ape.exceptions import ContractLogicError
from ape.logging import logger
from eth_utils import is_address, to_checksum_address

from computerwa.client.deployment import DeploymentError, recorded_suite
from computerwa.evm.cli import ProviderCommand

VERIFIED_FOR = 365 * 86_400
MAX_COMPONENTS = 32  # ComputeBasket.MAX_COMPONENTS
NAME_LENGTH, SYMBOL_LENGTH = 25, 5  # ComputeBasket's String[25] name and String[5] symbol
ZERO = "0x" + "00" * 20


def _numbers(what):
    """Click callback: repeated options and comma lists as one list of positive integers."""

    def parse(ctx, param, values):
        numbers = []
        for value in values:
            for item in str(value).split(","):
                item = item.strip()
                if not item.isdigit() or int(item) < 1:
                    raise click.BadParameter(f"{item!r} is not a {what} (a whole number, at least 1)")
                numbers.append(int(item))
        return numbers

    return parse


def _at_most(length):
    def check(ctx, param, value):
        if not value or len(value) > length:
            raise click.BadParameter(f"1 to {length} characters (the basket's limit), got {len(value)}")
        return value

    return check


def _address(ctx, param, value):
    if value is not None and not is_address(value):
        raise click.BadParameter(f"{value!r} is not an address")
    return None if value is None else to_checksum_address(value)


@click.command(cls=ProviderCommand, help=__doc__)
@account_option(prompt=False)
@click.option(
    "--node",
    "nodes",
    multiple=True,
    required=True,
    metavar="ID[,ID...]",
    callback=_numbers("node id"),
    help="a node id of the recorded NodeRegistry; repeat, or a comma list",
)
@click.option(
    "--units",
    "units",
    multiple=True,
    required=True,
    metavar="N[,N...]",
    callback=_numbers("unit"),
    help="base units of each node's token per basket base unit, one per --node, in order",
)
@click.option("--name", required=True, callback=_at_most(NAME_LENGTH), help="basket name, at most 25 characters")
@click.option("--symbol", required=True, callback=_at_most(SYMBOL_LENGTH), help="basket symbol, at most 5")
@click.option("--admin", default=None, callback=_address, help="the basket's admin [default: the account]")
@click.option("--agent", default=None, callback=_address, help="its first agent [default: the account]")
@click.option("--verified-for", type=click.IntRange(min=1), default=VERIFIED_FOR, help="seconds [default: a year]")
@click.option("--no-verify", is_flag=True, help="create only; print the registrar's call")
@click.option(
    "--deployment",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="deployment record [default: the connected network's]",
)
def cli(
    ecosystem, network, provider, account, nodes, units, name, symbol, admin, agent, verified_for, no_verify, deployment
):
    logger.set_level(logging.ERROR)
    if len(nodes) != len(units):
        raise click.BadParameter(
            f"give one --units per --node, in the same order ({len(nodes)} nodes, {len(units)} units)",
            param_hint="'--units'",
        )
    try:
        run(
            ecosystem,
            network,
            provider,
            account,
            nodes,
            units,
            name,
            symbol,
            admin,
            agent,
            verified_for,
            no_verify,
            deployment,
        )
    except DeploymentError as err:
        raise click.ClickException(str(err)) from None


def run(
    ecosystem, network, provider, account, nodes, units, name, symbol, admin, agent, verified_for, no_verify, deployment
):
    from ape import accounts

    if len(nodes) != len(units):
        raise DeploymentError(
            f"give one --units per --node, in the same order ({len(nodes)} nodes, {len(units)} units)"
        )
    if len(nodes) > MAX_COMPONENTS:
        raise DeploymentError(f"{len(nodes)} nodes: a basket holds at most {MAX_COMPONENTS}")
    twice = sorted({node for node in nodes if nodes.count(node) > 1})
    if twice:
        raise DeploymentError(f"node {twice[0]} is listed twice: a basket holds each node token once")
    role = "the basket factory's owner"  # what --account is
    choice, suite, account = recorded_suite(
        ecosystem,
        network,
        provider,
        deployment,
        chain.chain_id,
        project,
        "ComputeBasketFactory",
        role,
        account,
        accounts,
    )
    factory, registry, identity = suite.basket_factory, suite.registry, suite.identity
    owner = factory.owner()
    if owner != account.address:
        accept = " (it must first call accept_ownership())" if factory.pending_owner() == account.address else ""
        raise DeploymentError(
            f"{account.address} is not the owner of ComputeBasketFactory {factory.address}{accept}: "
            f"pass --account with the owner's key ({owner})"
        )
    if not no_verify and not identity.is_registrar(account.address):
        raise DeploymentError(
            f"{account.address} is not a registrar of IdentityRegistry {identity.address}, so it cannot verify "
            "the basket: pass --no-verify and have a registrar verify it (the call is printed)"
        )
    count = registry.node_count()
    components = []
    for node in nodes:
        token = registry.node(node).token  # all zero for an unknown id
        if token == ZERO:
            known = f"nodes 1 to {count}" if count else "no node is registered yet"
            raise DeploymentError(
                f"no node {node} in NodeRegistry {registry.address} ({known}): pick a registered node"
            )
        components.append(token)
    admin, agent = admin or account.address, agent or account.address
    click.echo(f"network   {choice} (chain {chain.chain_id})")
    click.echo(f"factory   {factory.address} (owner {account.address})")
    for node, token, unit in zip(nodes, components, units, strict=True):
        click.echo(f"  node {node:<5} {token}  x {unit}")
    try:
        receipt = factory.create_basket(name, symbol, components, units, admin, agent, sender=account)
    except ContractLogicError as err:
        raise DeploymentError(f"ComputeBasketFactory refused the basket: {err.revert_message or err}") from None
    basket = receipt.decode_logs(factory.BasketCreated)[0].basket
    until = chain.blocks.head.timestamp + verified_for
    if no_verify:
        click.echo(f"  pending: a registrar calls IdentityRegistry({identity.address}).set_verified({basket}, {until})")
    else:
        identity.set_verified(basket, until, sender=account)
        click.echo(f"verified  until {until} in IdentityRegistry {identity.address}")
    click.echo(f"basket    {basket}")
