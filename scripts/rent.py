"""Rents units of a node by the hour through the recorded deployment's NodeRentals.

\b
    ape run rent --node 1 --units 2 --hours 24 --network ethereum:local:foundry
    ape run rent --node 3 --units 8 --hours 168 --start 1200 --deposit --account customer --network ...

Reads the deployment recorded for the connected network (deployments/<ecosystem>-<network>.json,
or -<provider>.json on a local network, as `ape run deploy` wrote it; --deployment picks
another record). Books --units of node --node for --hours whole hours (1 to 168) on the
oracle's clock (hour h starts at GENESIS + 3600 h): from hour --start, or --in hours after
the current one (default 1: the next hour); at most a year ahead. The rent, units x the node's
price per unit-hour x hours, is escrowed from the account's available prepaid balance in
Settlement; it is paid to the node epoch by epoch for its attested uptime only, the rest
refunded to that balance. --deposit first deposits what the balance lacks (an approve of
Settlement on the stablecoin, then `Settlement.deposit`), from the account's stablecoin.
`ape run quote --region R --hours H` lists the nodes for rent in a window, cheapest first.

Every condition is checked before anything is sent: the node registered, active and offered
for rent, the units free at every hour of the window (`free_units`), the prepaid balance. Prints
the booking as the contract holds it (window in UTC, rent escrowed, the node's cancellation fee
and notice) and its id last.
"""

import logging
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import click
from ape import chain, project
from ape.cli import account_option
from ape.exceptions import ContractLogicError
from ape.logging import logger

from computerwa.client.deployment import DeploymentError, recorded_suite
from computerwa.client.quote import HOUR, MAX_LEAD_HOURS, MAX_RENTAL_HOURS, unit_count, window_problem
from computerwa.evm.cli import ProviderCommand

STATUS = {1: "active", 2: "paused", 3: "retired"}
ACTIVE = 1


def whole(units: int, decimals: int) -> str:
    """Base units as whole units, no trailing zeros: 2500000 at 6 decimals is 2.5."""
    text = f"{Decimal(units).scaleb(-decimals):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def utc(timestamp: int) -> str:
    return f"{datetime.fromtimestamp(timestamp, UTC):%Y-%m-%d %H:%M} UTC"


@click.command(cls=ProviderCommand, help=__doc__)
@account_option(prompt=False)
@click.option("--node", type=click.IntRange(min=1), required=True, help="a node id of the recorded NodeRegistry")
@click.option("--units", type=int, required=True, help="units to rent (GPUs, say), at most the node's free units")
@click.option("--hours", type=int, required=True, help=f"whole hours, 1 to {MAX_RENTAL_HOURS}")
@click.option("--start", type=int, default=None, help="the first hour, an hour index of the oracle's clock")
@click.option(
    "--in",
    "in_hours",
    type=int,
    default=None,
    help="or: start this many hours after the current hour [default: 1, the next hour]",
)
@click.option("--deposit", is_flag=True, help="first deposit what the prepaid balance lacks for the rent")
@click.option(
    "--deployment",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="deployment record [default: the connected network's]",
)
def cli(ecosystem, network, provider, account, **options):
    logger.set_level(logging.ERROR)
    try:
        run(ecosystem, network, provider, account, **options)
    except DeploymentError as err:
        raise click.ClickException(str(err)) from None


def run(ecosystem, network, provider, account, *, node, units, hours, start, in_hours, deposit, deployment):
    """The command without click: `start` an hour index or None, `in_hours` hours after the
    current one or None (with `start` None: 1), `deposit` a bool. Returns the booking id.
    Raises `DeploymentError`."""
    from ape import accounts

    role = "the customer who books and pays"  # what --account is
    choice, suite, account = recorded_suite(
        ecosystem, network, provider, deployment, chain.chain_id, project, "NodeRentals", role, account, accounts
    )
    rentals, registry, settlement, stablecoin = suite.rentals, suite.registry, suite.settlement, suite.stablecoin

    # the window, checked as NodeRentals will
    if start is not None and in_hours is not None:
        raise DeploymentError(f"give --start ({start}) or --in ({in_hours}), not both")
    if not 1 <= hours <= MAX_RENTAL_HOURS:
        raise DeploymentError(
            f"--hours {hours} is not within 1 to {MAX_RENTAL_HOURS}: a booking is 1 to {MAX_RENTAL_HOURS} whole hours "
            f"(a week); book a longer time as consecutive bookings"
        )
    if units < 1:
        raise DeploymentError(f"--units {units}: book at least 1 unit")
    if rentals.HOURS_PER_EPOCH() == 0:
        raise DeploymentError(
            f"the epochs of this deployment ({rentals.EPOCH_LENGTH()} s) are not whole hours: "
            f"its NodeRentals {rentals.address} takes no bookings"
        )
    genesis, now = rentals.GENESIS(), chain.blocks.head.timestamp
    if now < genesis:
        raise DeploymentError(f"the oracle's clock starts at {utc(genesis)}: no hour has begun yet, book after it")
    current = (now - genesis) // HOUR
    if start is None:
        ahead = 1 if in_hours is None else in_hours
        if not 1 <= ahead <= MAX_LEAD_HOURS:
            raise DeploymentError(
                f"--in {ahead}: a booking starts 1 (the next hour) to {MAX_LEAD_HOURS:,} hours (a year) "
                f"after the current hour"
            )
        start = current + ahead
    problem = window_problem(start, hours, current)
    if problem is not None:
        raise DeploymentError(f"--start {start}: {problem} (or give --in HOURS from now)")
    end = start + hours
    window = f"hours {start} to {end} ({utc(genesis + start * HOUR)} to {utc(genesis + end * HOUR)})"

    # the node and its calendar
    offer = registry.rental(node)  # all zero for an unknown node
    status = int(offer.status)
    if status == 0:
        count = registry.node_count()
        known = f"nodes 1 to {count}" if count else "no node is registered yet"
        raise DeploymentError(f"no node {node} in NodeRegistry {registry.address} ({known}): pick a registered node")
    region = registry.node(node).region
    others = f"pick another node (`ape run quote --region {region} --hours {hours}` lists those for rent)"
    if status != ACTIVE:
        name = STATUS.get(status, f"in status {status}")
        raise DeploymentError(
            f"node {node} is {name} in NodeRegistry {registry.address}: it takes no bookings; {others}"
        )
    offered = int(offer.units)
    if offered == 0:
        raise DeploymentError(
            f"node {node} is not offered for rent (its operator has not offered units with NodeRegistry.set_rental): "
            f"{others}"
        )
    free = rentals.free_units(node, start, hours)
    if units > free:
        if free == 0:
            raise DeploymentError(
                f"none of node {node}'s {unit_count(offered)} is free at every hour of {window}: "
                f"pick another window, or {others}"
            )
        raise DeploymentError(
            f"--units {units} is more than node {node} has free at every hour of {window}: {free} of its "
            f"{unit_count(offered)}; book at most --units {free}, another window, or {others}"
        )

    # the money
    decimals, symbol = _stablecoin(stablecoin)
    rent = rentals.rent(node, units, hours)
    if settlement.paused():
        raise DeploymentError(
            f"Settlement {settlement.address} is paused (until {utc(settlement.paused_until())} at the latest): "
            f"nothing can be escrowed, book once it is unpaused"
        )
    available = settlement.available(account)
    price = f"{unit_count(units)} x {whole(offer.price_per_unit_hour, decimals)} {symbol} x {hours} hours"
    deposited = 0
    if available < rent:
        missing = rent - available
        if not deposit:
            pending = settlement.prepaid(account) - available
            held = f" ({whole(pending, decimals)} {symbol} more is held by a withdrawal request)" if pending else ""
            raise DeploymentError(
                f"{account.address} has {whole(available, decimals)} {symbol} available in Settlement "
                f"{settlement.address}{held} and the rent is {whole(rent, decimals)} {symbol} ({price}): "
                f"deposit at least {whole(missing, decimals)} {symbol} first (approve Settlement for {missing} base "
                f"units on the stablecoin, then settlement.deposit({missing})), or pass --deposit to do both"
            )
        balance = stablecoin.balanceOf(account)
        if balance < missing:
            raise DeploymentError(
                f"--deposit needs {whole(missing, decimals)} {symbol} more in Settlement, but {account.address} "
                f"holds {whole(balance, decimals)} {symbol} of the stablecoin {stablecoin.address}: fund it first"
            )
        try:
            if stablecoin.allowance(account, settlement) < missing:
                stablecoin.approve(settlement, missing, sender=account)
            settlement.deposit(missing, sender=account)
        except ContractLogicError as err:
            raise DeploymentError(f"the deposit was refused: {err.revert_message or err}") from None
        deposited = missing
        available = settlement.available(account)
        if available < rent:  # a token that takes a fee on transfer credits less than it was sent
            raise DeploymentError(
                f"Settlement credited less than the {whole(missing, decimals)} {symbol} deposited: "
                f"{whole(available, decimals)} {symbol} available for a rent of {whole(rent, decimals)} {symbol}; "
                f"deposit the rest and run again"
            )

    click.echo(f"network   {choice} (chain {chain.chain_id})")
    click.echo(f"rentals   NodeRentals {rentals.address} (customer {account.address})")
    if deposited:
        click.echo(f"deposit   {whole(deposited, decimals)} {symbol} into Settlement {settlement.address}")
    # the offer version read above: an offer changed since reverts instead of charging other terms
    terms = (node, units, start, hours, offer.version)
    try:
        receipt = rentals.book(*terms, sender=account)
    except ContractLogicError as err:
        reason = err.revert_message or str(err)
        again = " (its operator changed it since it was read): run again to book at the new terms"
        hint = again if "offer changed" in reason else ""
        raise DeploymentError(f"NodeRentals refused the booking: {reason}{hint}") from None
    (booked,) = receipt.decode_logs(rentals.Booked)
    booking_id = booked.booking_id
    booking = rentals.booking(booking_id)
    start_at, end_at = genesis + booking.start_hour * HOUR, genesis + booking.end_hour * HOUR
    click.echo(
        f"node      {booking.node_id}: {unit_count(booking.units)} at {whole(booking.price_per_unit_hour, decimals)} "
        f"{symbol} per unit-hour"
    )
    click.echo(
        f"window    {utc(start_at)} to {utc(end_at)}: hours {booking.start_hour} to {booking.end_hour} "
        f"({booking.end_hour - booking.start_hour} hours)"
    )
    click.echo(
        f"rent      {whole(booking.escrowed, decimals)} {symbol} escrowed in Settlement ({booking.escrowed} base "
        f"units): paid to the node epoch by epoch for its attested uptime, the rest back to your prepaid balance"
    )
    click.echo(
        f"cancel    hours starting at least {booking.notice_hours} hours (the notice) after a cancel are refunded, "
        f"less the node's cancellation fee of {booking.cancellation_fee_bps / 100:g}% of their rent"
    )
    click.echo(f"booking   {booking_id}")
    return booking_id


def _stablecoin(stablecoin) -> tuple[int, str]:
    try:
        return int(stablecoin.decimals()), str(stablecoin.symbol())
    except Exception:  # a stablecoin without the optional ERC-20 metadata: show base units
        return 0, "base units"
