"""Offers a node's shares for the stablecoin through the recorded deployment's NodeOffering.

\b
    ape run offer --node 1 --shares 1000 --price 2 --min-raise 500 --end 7d \\
        --release-bps 2000 --burn-in-epochs 3 --network ethereum:local:foundry
    ape run offer --node 4 --shares 250.5 --price 12.75 --min-raise 1000 --start 1d --end 15d \\
        --release-bps 1000 --burn-in-epochs 7 --burn-in-deadline 30d --account admin --network ...

Reads the deployment recorded for the connected network (deployments/<ecosystem>-<network>.json,
or -<provider>.json on a local network, as `ape run deploy` wrote it; --deployment picks
another record). Amounts are whole units, decimals allowed: --shares in node shares (18
decimals), --price in stablecoin per whole share and --min-raise in stablecoin (the
stablecoin's decimals, 6 for USDC); the maximum raise is shares x price, every share sold.
Times are durations from the latest block, in seconds or with a unit (90s, 15m, 2h, 7d, 1w):
buying opens at --start (default 1m, so the transactions land before it: on a live network
give the time they need) and closes at --end; the operator takes --release-bps of the raise
at the close, the rest once the oracle has accepted reports at or above the node's SLA for
--burn-in-epochs consecutive epochs from the first one after the sale, confirmed by
--burn-in-deadline (at the earliest the end of the epoch after the burn-in epochs, the time to
report the last of them and confirm; default an epoch later); after it buyers exit, for
--exit-window after it (default 30d, or an epoch if longer) anyone may sweep what is left into
the node token's revenue stream, for its holders, which closes the exits.

The account must own NodeOffering (the deployment's admin) and, for a node's first offering,
be its token's admin (the NodeRegistry's owner when the node registered), which makes
NodeOffering a minter of that one token (its other minters keep the role). Every term is
checked before anything is sent. Prints the offering's terms as the contract holds them, and
its id last.
"""

import logging
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click
from ape import chain, project
from ape.cli import account_option
from ape.exceptions import ContractLogicError
from ape.logging import logger

from computerwa.client.deployment import DeploymentError, recorded_suite
from computerwa.evm.cli import ProviderCommand
from computerwa.evm.suite import create_offering

SHARE_DECIMALS = 18
MAX_BPS = 10_000
MAX_BURN_IN_EPOCHS = 90  # NodeOffering.MAX_BURN_IN_EPOCHS
MAX_SHARES = 2**116 - 1  # a node token's supply cap
MAX_RAISE = 2**126  # NodeOffering's largest maximum raise
MAX_TIME = 2**48 - 1  # NodeOffering keeps times in 48 bits
MAX_EXIT_WINDOW = 2**40 - 1  # NodeOffering.MAX_EXIT_WINDOW
DEFAULT_EXIT_WINDOW = 30 * 86_400  # or one epoch, if longer
RETIRED = 3  # NodeRegistry's status of a retired node
ZERO = "0x" + "00" * 20
UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 7 * 86_400}
DURATION = re.compile(r"^(\d+)([smhdw]?)$")


def _amount(ctx, param, value):
    """Click callback: a whole-unit amount, decimals allowed, kept exact."""
    if value is None:
        return None
    try:
        amount = Decimal(value.replace("_", "").replace(",", ""))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise click.BadParameter(f"{value!r} is not an amount (whole units, decimals allowed: 2 or 2.5)")
    return amount


def _duration(ctx, param, value):
    """Click callback: seconds, or a number with a unit (s, m, h, d, w)."""
    if value is None:
        return None
    match = DURATION.match(value.strip().lower())
    if not match:
        raise click.BadParameter(f"{value!r} is not a duration (seconds, or 90s, 15m, 2h, 7d, 1w)")
    return int(match.group(1)) * UNITS[match.group(2) or "s"]


def base_units(amount: Decimal, decimals: int, what: str) -> int:
    """`amount` whole units in base units of `decimals` decimals, exactly."""
    units = amount.scaleb(decimals)
    if units != units.to_integral_value():
        raise DeploymentError(f"{what} {amount} has more than {decimals} decimals: round it")
    return int(units)


def whole(units: int, decimals: int) -> str:
    """Base units as whole units, no trailing zeros: 2500000 at 6 decimals is 2.5."""
    text = f"{Decimal(units).scaleb(-decimals):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def when(timestamp: int) -> str:
    return f"{timestamp} ({datetime.fromtimestamp(timestamp, UTC):%Y-%m-%d %H:%M:%S} UTC)"


class _Project:
    """`create_offering`'s chain for Ape's own contracts: `at(name, address)`."""

    @staticmethod
    def at(contract_name, address):
        return getattr(project, contract_name).at(address)


@click.command(cls=ProviderCommand, help=__doc__)
@account_option(prompt=False)
@click.option("--node", type=click.IntRange(min=1), required=True, help="a node id of the recorded NodeRegistry")
@click.option("--shares", callback=_amount, required=True, help="shares for sale, whole shares (decimals allowed)")
@click.option("--price", callback=_amount, required=True, help="stablecoin per whole share, whole units")
@click.option("--min-raise", callback=_amount, required=True, help="the least the sale must raise, whole stablecoin")
@click.option("--start", callback=_duration, default="1m", show_default=True, help="buying opens, from now")
@click.option("--end", callback=_duration, required=True, help="buying closes, from now (7d: a week from now)")
@click.option(
    "--release-bps",
    type=click.IntRange(0, MAX_BPS),
    required=True,
    help="basis points of the raise the operator takes at the close (2000: 20%)",
)
@click.option(
    "--burn-in-epochs",
    type=click.IntRange(1, MAX_BURN_IN_EPOCHS),
    required=True,
    help="consecutive epochs at or above the SLA that release the rest",
)
@click.option(
    "--burn-in-deadline",
    callback=_duration,
    default=None,
    help="last moment to confirm burn-in, from now [default: one epoch after the earliest allowed]",
)
@click.option(
    "--exit-window",
    callback=_duration,
    default=None,
    help="after a missed burn-in deadline, how long before anyone may sweep the rest to the holders "
    "(exits stay open until the sweep) [default: 30d, or an epoch if longer]",
)
@click.option(
    "--deployment",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="deployment record [default: the connected network's]",
)
def cli(ecosystem, network, provider, account, **terms):
    logger.set_level(logging.ERROR)
    try:
        run(ecosystem, network, provider, account, **terms)
    except DeploymentError as err:
        raise click.ClickException(str(err)) from None


def run(
    ecosystem,
    network,
    provider,
    account,
    *,
    node,
    shares,
    price,
    min_raise,
    start,
    end,
    release_bps,
    burn_in_epochs,
    burn_in_deadline,
    exit_window,
    deployment,
):
    """The command without click: amounts as `Decimal` whole units, times as seconds from the
    latest block (`burn_in_deadline` and `exit_window` None for the defaults). Raises `DeploymentError`."""
    from ape import accounts

    role = "NodeOffering's owner"  # what --account is
    choice, suite, account = recorded_suite(
        ecosystem, network, provider, deployment, chain.chain_id, project, "NodeOffering", role, account, accounts
    )
    offering, registry = suite.offering, suite.registry

    # the terms, in the contract's units, checked as the contract will
    decimals = suite.stablecoin.decimals()
    shares_units = base_units(shares, SHARE_DECIMALS, "--shares")
    price_units = base_units(price, decimals, "--price")
    min_units = base_units(min_raise, decimals, "--min-raise")
    if shares_units == 0:
        raise DeploymentError("--shares is zero: offer at least one base unit of the node's token")
    if shares_units > MAX_SHARES:
        raise DeploymentError(f"--shares {shares} is above a node token's cap ({whole(MAX_SHARES, SHARE_DECIMALS)})")
    if price_units == 0:
        raise DeploymentError("--price is zero: give the stablecoin price of one whole share, above 0")
    max_units = -(-shares_units * price_units // 10**SHARE_DECIMALS)  # NodeOffering.cost, rounded up
    if max_units > MAX_RAISE:
        raise DeploymentError(f"the maximum raise ({whole(max_units, decimals)}) is above 2**126 base units")
    if min_units > max_units:
        raise DeploymentError(
            f"--min-raise {min_raise} is above the maximum raise, {whole(max_units, decimals)} "
            f"(--shares {shares} x --price {price}): lower it, or offer more shares or a higher price"
        )
    if end <= start:
        raise DeploymentError(f"--end ({end} s from now) is not after --start ({start} s from now): end it later")
    now = chain.blocks.head.timestamp
    genesis, epoch_length = offering.GENESIS(), offering.EPOCH_LENGTH()
    start_at, end_at = now + start, now + end
    first_epoch = -(-(end_at - genesis) // epoch_length)  # the first epoch starting at or after the end
    earliest = genesis + (first_epoch + burn_in_epochs + 1) * epoch_length
    deadline = earliest + epoch_length if burn_in_deadline is None else now + burn_in_deadline
    if deadline < earliest:
        raise DeploymentError(
            f"--burn-in-deadline ({burn_in_deadline} s from now, {when(deadline)}) leaves no epoch to confirm "
            f"{burn_in_epochs} epochs of burn-in from epoch {first_epoch} (the first after the sale): give at "
            f"least {earliest - now} s ({when(earliest)})"
        )
    if exit_window is None:
        exit_window = max(DEFAULT_EXIT_WINDOW, epoch_length)
    if exit_window < epoch_length or exit_window > MAX_EXIT_WINDOW:
        raise DeploymentError(
            f"--exit-window ({exit_window} s) must be from one epoch ({epoch_length} s) to {MAX_EXIT_WINDOW} s: "
            f"buyers get at least an epoch to exit after a missed burn-in before anyone may sweep"
        )
    if max(end_at, deadline) > MAX_TIME:
        raise DeploymentError("--end or --burn-in-deadline is too far in the future (2**48 s or later)")

    # who may send it
    owner = offering.owner()
    if owner != account.address:
        accept = " (it must first call accept_ownership())" if offering.pending_owner() == account.address else ""
        raise DeploymentError(
            f"{account.address} is not the owner of NodeOffering {offering.address}{accept}: "
            f"pass --account with the owner's key ({owner})"
        )
    count = registry.node_count()
    record = registry.node(node)  # all zero for an unknown id
    if record.token == ZERO:
        known = f"nodes 1 to {count}" if count else "no node is registered yet"
        raise DeploymentError(f"no node {node} in NodeRegistry {registry.address} ({known}): pick a registered node")
    if record.status == RETIRED:
        raise DeploymentError(
            f"node {node} is retired in NodeRegistry {registry.address}: its shares cannot be offered"
        )
    token = project.ComputeToken.at(record.token)
    if not token.is_minter(offering.address) and token.owner() != account.address:
        raise DeploymentError(
            f"{account.address} is not the admin of node {node}'s token {token.address} ({token.owner()} is), "
            f"so it cannot make NodeOffering a minter of it: have the admin call "
            f"set_minter({offering.address}, True) on the token first"
        )

    click.echo(f"network   {choice} (chain {chain.chain_id})")
    click.echo(f"offering  NodeOffering {offering.address} (owner {account.address})")
    try:
        created = create_offering(
            suite,
            _Project,
            account,
            node,
            shares_units,
            price_units,
            min_units,
            start_at,
            end_at,
            release_bps,
            burn_in_epochs,
            deadline,
            exit_window,
        )
    except ContractLogicError as err:
        raise DeploymentError(f"NodeOffering refused the offering: {err.revert_message or err}") from None
    offering_id = created.offering_id
    terms = offering.terms(offering_id)
    minter = "made a minter of it now" if created.granted else "already a minter of it"
    click.echo(f"node      {node}, token {terms.token} (NodeOffering {minter}), operator {terms.operator}")
    click.echo(
        f"shares    {whole(terms.shares_for_sale, SHARE_DECIMALS)} at {whole(terms.price, decimals)} a share "
        f"({terms.shares_for_sale} base units at {terms.price} stablecoin base units per 10**18)"
    )
    most = offering.max_raise(offering_id)
    click.echo(f"raise     at least {whole(terms.min_raise, decimals)}, at most {whole(most, decimals)}")
    click.echo(f"sale      from {when(terms.start)} to {when(terms.end)}")
    click.echo(
        f"proceeds  {terms.release_bps / 100:g}% at the close, the rest after {terms.burn_in_epochs} epochs "
        f"at or above the SLA ({terms.sla_uptime_bps / 100:g}% uptime) from epoch {terms.first_epoch}, "
        f"confirmed by {when(terms.burn_in_deadline)}"
    )
    click.echo(
        f"exits     open after a missed deadline until a sweep, which anyone may send from "
        f"{when(terms.burn_in_deadline + terms.exit_window + 1)} (exit window {terms.exit_window} s)"
    )
    click.echo(f"offering  {offering_id}")
