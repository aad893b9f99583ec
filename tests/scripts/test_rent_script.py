"""`ape run rent`: a booking of a recorded node's units by the hour through the deployment's
NodeRentals, the rent escrowed from the customer's prepaid balance in Settlement (with
--deposit, the missing part deposited first); every refusal a one-line error saying what to
do, before anything is sent, and what only the chain knows as the contract's reason. And the
hourly mode of `ape run quote` (`run_hourly`) over the same deployment.

The deploys run on Ape's local chain (`ape_only`) and restore it afterwards."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.deployment import DeploymentError, demo_attestors
from computerwa.client.signing import Domain
from tests.scripts.helpers import load_script, local_deploy

ETHEREUM = SimpleNamespace(name="ethereum")
LOCAL = SimpleNamespace(name="local", is_local=True)
HOUR = 3_600
DAY = 86_400
DOLLAR = 10**6
UNITS = 8  # node 1's offer: 8 units at $2 a unit-hour, a 20% cancellation fee, 2 hours' notice
PRICE = 2 * DOLLAR
PREPAID = 500 * DOLLAR  # the customer's prepaid balance; it holds as much again in stablecoin
REGION = "eu-west"


@pytest.fixture
def rent_script():
    return load_script("rent")


@pytest.fixture
def deployed(tmp_path, capsys):
    """`ape run deploy` on Ape's local chain; test account 1 (a verified operator, SLA 99%)
    registers three nodes in eu-west: node 1 offered for rent (8 units at $2 a unit-hour, 20%
    cancellation fee, 2 hours' notice), node 2 not offered, node 3 offered (4 units at $1).
    The customer (test account 2) holds $500 prepaid in Settlement and $500 of stablecoin.
    Yields (record path, record)."""
    from ape import accounts

    with local_deploy(load_script("deploy"), tmp_path, capsys) as (_, record):
        registry, settlement, stable = (contract(record, n) for n in ("NodeRegistry", "Settlement", "Stablecoin"))
        issuer, operator, customer = accounts.test_accounts[0], accounts.test_accounts[1], accounts.test_accounts[2]
        for gpus in (8, 8, 4):
            registry.register_node(REGION, "H100", gpus, 500_000, 3_000, 9_900, "ipfs://r", sender=operator)
        registry.set_rental(1, UNITS, PRICE, 2_000, 2, sender=operator)
        registry.set_rental(3, 4, DOLLAR, 500, 0, sender=operator)
        stable.mint(customer, 2 * PREPAID, sender=issuer)
        stable.approve(settlement, PREPAID, sender=customer)
        settlement.deposit(PREPAID, sender=customer)
        capsys.readouterr()
        yield tmp_path / "ethereum-local.json", record


def contract(record, name):
    from ape import project

    contract_type = record["contracts"][name]["contract_type"]  # "MockStablecoin" for the stablecoin
    return getattr(project, contract_type).at(record["contracts"][name]["address"])


def customer():
    from ape import accounts

    return accounts.test_accounts[2]


def run(script, path, account="customer", network=LOCAL, **options):
    """The command as click would call it: 2 units of node 1 for 3 hours from the next hour,
    no deposit, by the customer (`account=None`: the command's default account)."""
    from ape import chain

    values = {"node": 1, "units": 2, "hours": 3, "start": None, "in_hours": None, "deposit": False} | options
    account = customer() if account == "customer" else account
    return script.run(ETHEREUM, network, chain.provider, account, **values, deployment=path)


def clock(record):
    """(GENESIS, the current hour) of the deployment's NodeRentals."""
    from ape import chain

    genesis = contract(record, "NodeRentals").GENESIS()
    return genesis, (chain.blocks.head.timestamp - genesis) // HOUR


def utc(timestamp):
    return f"{datetime.fromtimestamp(timestamp, UTC):%Y-%m-%d %H:%M} UTC"


@pytest.mark.ape_only
def test_a_booking_escrows_the_rent_and_prints_its_terms(backend, rent_script, deployed, capsys):
    path, record = deployed
    rentals, settlement = contract(record, "NodeRentals"), contract(record, "Settlement")
    genesis, now = clock(record)
    booking_id = run(rent_script, path)  # --in 1 by default: the next hour
    printed = capsys.readouterr().out
    start = now + 1
    assert booking_id == 1 == rentals.booking_count()
    booking = rentals.booking(1)
    assert booking.customer == customer().address
    assert (booking.node_id, booking.units, booking.start_hour, booking.end_hour) == (1, 2, start, start + 3)
    assert (booking.price_per_unit_hour, booking.cancellation_fee_bps, booking.notice_hours) == (PRICE, 2_000, 2)
    assert booking.escrowed == 2 * PRICE * 3 == 12 * DOLLAR
    assert settlement.available(customer()) == PREPAID - 12 * DOLLAR
    assert [rentals.booked(1, h) for h in range(start - 1, start + 4)] == [0, 2, 2, 2, 0]
    from ape import chain

    assert printed.splitlines() == [
        f"network   ethereum:local:{chain.provider.name} (chain {chain.chain_id})",
        f"rentals   NodeRentals {rentals.address} (customer {customer().address})",
        "node      1: 2 units at 2 mUSD per unit-hour",
        f"window    {utc(genesis + start * HOUR)} to {utc(genesis + (start + 3) * HOUR)}: "
        f"hours {start} to {start + 3} (3 hours)",
        "rent      12 mUSD escrowed in Settlement (12000000 base units): paid to the node epoch by epoch for "
        "its attested uptime, the rest back to your prepaid balance",
        "cancel    hours starting at least 2 hours (the notice) after a cancel are refunded, less the node's "
        "cancellation fee of 20% of their rent",
        "booking   1",
    ]
    # a second booking, from a given hour, on the other node: its own terms
    assert run(rent_script, path, node=3, units=4, hours=168, start=now + 100, deposit=True) == 2
    printed = capsys.readouterr().out
    assert (rentals.booking(2).start_hour, rentals.booking(2).end_hour) == (now + 100, now + 268)
    assert "deposit   184 mUSD into Settlement" in printed  # $672 less the $488 left
    assert "rent      672 mUSD escrowed" in printed and "fee of 5% of their rent" in printed
    assert "at least 0 hours (the notice)" in printed and printed.splitlines()[-1] == "booking   2"


@pytest.mark.ape_only
def test_the_command_books_for_the_default_account_on_a_local_network(backend, rent_script, deployed, capsys):
    from ape import accounts

    path, record = deployed
    issuer = accounts.test_accounts[0]
    contract(record, "Stablecoin").mint(issuer, 6 * DOLLAR, sender=issuer)
    run(rent_script, path, account=None, units=1, deposit=True)
    assert contract(record, "NodeRentals").booking(1).customer == issuer.address
    assert f"(customer {issuer.address})" in capsys.readouterr().out


@pytest.mark.ape_only
def test_deposit_adds_only_what_the_prepaid_balance_lacks(backend, rent_script, deployed, capsys):
    path, record = deployed
    rentals, settlement, stable = (contract(record, n) for n in ("NodeRentals", "Settlement", "Stablecoin"))
    # $500 prepaid, a rent of 8 units x $2 x 40 hours = $640: $140 deposited, then all escrowed
    held = stable.balanceOf(customer())
    run(rent_script, path, units=8, hours=40, deposit=True)
    printed = capsys.readouterr().out
    assert f"deposit   140 mUSD into Settlement {settlement.address}" in printed
    assert stable.balanceOf(customer()) == held - 140 * DOLLAR
    assert settlement.available(customer()) == 0
    assert rentals.booking(1).escrowed == 640 * DOLLAR
    # with enough prepaid, --deposit deposits nothing
    stable.approve(settlement, 10 * DOLLAR, sender=customer())
    settlement.deposit(10 * DOLLAR, sender=customer())
    run(rent_script, path, node=3, units=1, hours=2, deposit=True)
    printed = capsys.readouterr().out
    assert "deposit" not in printed and settlement.available(customer()) == 8 * DOLLAR


@pytest.mark.ape_only
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"hours": 0}, "--hours 0 is not within 1 to 168: a booking is 1 to 168 whole hours (a week); book a longer"),
        ({"hours": 169}, "--hours 169 is not within 1 to 168"),
        ({"units": 0}, "--units 0: book at least 1 unit"),
        ({"start": 5, "in_hours": 2}, "give --start (5) or --in (2), not both"),
        ({"in_hours": 0}, "--in 0: a booking starts 1 (the next hour) to 8,760 hours (a year) after the current hour"),
        ({"in_hours": 8_761}, "--in 8761: a booking starts 1 (the next hour) to 8,760 hours"),
        ({"node": 9}, "no node 9 in NodeRegistry 0x"),
        (
            {"node": 2},
            "node 2 is not offered for rent (its operator has not offered units with NodeRegistry.set_rental): "
            "pick another node (`ape run quote --region eu-west --hours 3` lists those for rent)",
        ),
    ],
)
def test_bad_requests_are_refused_before_anything_is_sent(backend, rent_script, deployed, options, message):
    from ape import chain

    path, _ = deployed
    head = chain.blocks.head.number
    with pytest.raises(DeploymentError) as refused:
        run(rent_script, path, **options)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert chain.blocks.head.number == head


@pytest.mark.ape_only
def test_a_window_that_has_started_or_is_a_year_ahead_says_which_hours_may_start_it(backend, rent_script, deployed):
    path, record = deployed
    _, now = clock(record)
    with pytest.raises(DeploymentError) as refused:
        run(rent_script, path, start=now)
    assert str(refused.value) == (
        f"--start {now}: hour {now} is not after the current hour ({now}): start at hour {now + 1} or later "
        f"(or give --in HOURS from now)"
    )
    with pytest.raises(DeploymentError, match=rf"^--start {now + 8_761}: hour {now + 8_761} is more than a year"):
        run(rent_script, path, start=now + 8_761)
    run(rent_script, path, start=now + 8_760)  # the last hour allowed
    assert contract(record, "NodeRentals").booking(1).start_hour == now + 8_760


@pytest.mark.ape_only
def test_an_unknown_node_says_which_nodes_exist(backend, rent_script, deployed):
    path, _ = deployed
    with pytest.raises(DeploymentError, match=r"^no node 4 in NodeRegistry 0x\w+ \(nodes 1 to 3\): pick a registered"):
        run(rent_script, path, node=4)


@pytest.mark.ape_only
@pytest.mark.parametrize(("status", "name"), [(2, "paused"), (3, "retired")])
def test_a_node_that_is_not_active_is_refused(backend, rent_script, deployed, status, name):
    from ape import accounts

    path, record = deployed
    registry = contract(record, "NodeRegistry")
    registry.set_status(1, status, sender=accounts.test_accounts[1])
    with pytest.raises(DeploymentError) as refused:
        run(rent_script, path)
    assert str(refused.value) == (
        f"node 1 is {name} in NodeRegistry {registry.address}: it takes no bookings; pick another node "
        f"(`ape run quote --region eu-west --hours 3` lists those for rent)"
    )


@pytest.mark.ape_only
def test_more_units_than_are_free_says_how_many_are(backend, rent_script, deployed):
    path, record = deployed
    genesis, now = clock(record)
    run(rent_script, path, units=5, start=now + 3, hours=2)  # 5 of 8 units at hours now+3, now+4
    window = f"hours {now + 1} to {now + 5} ({utc(genesis + (now + 1) * HOUR)} to {utc(genesis + (now + 5) * HOUR)})"
    with pytest.raises(DeploymentError) as refused:
        run(rent_script, path, units=4, hours=4)
    assert str(refused.value) == (
        f"--units 4 is more than node 1 has free at every hour of {window}: 3 of its 8 units; book at most "
        f"--units 3, another window, or pick another node (`ape run quote --region eu-west --hours 4` lists "
        f"those for rent)"
    )
    with pytest.raises(DeploymentError, match=r"--units 9 is more than node 1 has free .*: 8 of its 8 units"):
        run(rent_script, path, units=9, start=now + 10)  # above the offer itself
    run(rent_script, path, units=3, hours=4)  # exactly what is free
    with pytest.raises(DeploymentError) as refused:
        run(rent_script, path, units=1, start=now + 4, hours=1)
    assert str(refused.value).startswith(
        f"none of node 1's 8 units is free at every hour of hours {now + 4} to {now + 5} ("
    )
    assert str(refused.value).endswith(
        ": pick another window, or pick another node (`ape run quote --region eu-west --hours 1` lists those for rent)"
    )


@pytest.mark.ape_only
def test_a_prepaid_balance_below_the_rent_says_how_much_to_deposit(backend, rent_script, deployed):
    from ape import chain

    path, record = deployed
    settlement = contract(record, "Settlement")
    head = chain.blocks.head.number
    with pytest.raises(DeploymentError) as refused:
        run(rent_script, path, units=8, hours=40)  # $640
    assert str(refused.value) == (
        f"{customer().address} has 500 mUSD available in Settlement {settlement.address} and the rent is 640 mUSD "
        f"(8 units x 2 mUSD x 40 hours): deposit at least 140 mUSD first (approve Settlement for 140000000 base "
        f"units on the stablecoin, then settlement.deposit(140000000)), or pass --deposit to do both"
    )
    assert chain.blocks.head.number == head
    # a pending withdrawal request holds part of the prepaid balance: said so
    settlement.request_withdrawal(100 * DOLLAR, sender=customer())
    with pytest.raises(DeploymentError) as refused:
        run(rent_script, path, units=8, hours=30)  # $480
    assert (
        f"has 400 mUSD available in Settlement {settlement.address} (100 mUSD more is held by a withdrawal request) "
        f"and the rent is 480 mUSD" in str(refused.value)
    )
    assert "deposit at least 80 mUSD first" in str(refused.value)


@pytest.mark.ape_only
def test_deposit_needs_the_stablecoin_to_deposit(backend, rent_script, deployed):
    path, record = deployed
    stable = contract(record, "Stablecoin")
    # a rent of $1,344 (8 x $2 x 84 h): $844 missing, the customer holds $500
    with pytest.raises(DeploymentError) as refused:
        run(rent_script, path, units=8, hours=84, deposit=True)
    assert str(refused.value) == (
        f"--deposit needs 844 mUSD more in Settlement, but {customer().address} holds 500 mUSD of the stablecoin "
        f"{stable.address}: fund it first"
    )


@pytest.mark.ape_only
def test_a_refused_deposit_is_one_line(backend, rent_script, deployed):
    """The stablecoin refuses the approve while it is paused: its reason, not a traceback."""
    from ape import accounts

    path, record = deployed
    contract(record, "Stablecoin").pause(sender=accounts.test_accounts[0])
    with pytest.raises(DeploymentError, match=r"^the deposit was refused: \S") as refused:
        run(rent_script, path, units=8, hours=40, deposit=True)
    assert "\n" not in str(refused.value)
    assert contract(record, "NodeRentals").booking_count() == 0
    assert contract(record, "Settlement").available(customer()) == PREPAID


@pytest.mark.ape_only
def test_a_deposit_credited_short_is_refused_before_booking(backend, rent_script, tmp_path, capsys):
    """A stablecoin that takes 1% of every transfer (contracts/mocks/MockFeeToken.vy):
    Settlement credits what arrived, short of the rent; nothing is booked."""
    from ape import accounts, project

    issuer, operator = accounts.test_accounts[0], accounts.test_accounts[1]
    fee_token = project.MockFeeToken.deploy(100, sender=issuer)
    (tmp_path / "none.yaml").write_text(f'ethereum:local:\n  stablecoin: "{fee_token.address}"\n')
    with local_deploy(load_script("deploy"), tmp_path, capsys) as (_, record):
        contract(record, "NodeRegistry").register_node(REGION, "H100", 8, 1, 3_000, 9_900, "ipfs://r", sender=operator)
        contract(record, "NodeRegistry").set_rental(1, UNITS, PRICE, 2_000, 2, sender=operator)
        fee_token.mint(customer(), 100 * DOLLAR, sender=issuer)
        with pytest.raises(DeploymentError) as refused:
            run(rent_script, tmp_path / "ethereum-local.json", deposit=True)
        assert str(refused.value) == (
            "Settlement credited less than the 12 fUSD deposited: 11.88 fUSD available for a rent of 12 fUSD; "
            "deposit the rest and run again"
        )
        assert contract(record, "NodeRentals").booking_count() == 0


@pytest.mark.ape_only
def test_a_paused_settlement_is_refused_before_sending(backend, rent_script, deployed):
    from ape import accounts

    path, record = deployed
    settlement = contract(record, "Settlement")
    settlement.pause(sender=accounts.test_accounts[0])  # the local guardian: the deployer
    with pytest.raises(DeploymentError) as refused:
        run(rent_script, path)
    assert str(refused.value) == (
        f"Settlement {settlement.address} is paused (until {utc(settlement.paused_until())} at the latest): "
        f"nothing can be escrowed, book once it is unpaused"
    )


@pytest.mark.ape_only
def test_a_contract_refusal_is_one_line(backend, rent_script, deployed, monkeypatch):
    """What the chain alone decides (here a window the script's own check is told to let
    through: it starts in the current hour) comes back as NodeRentals' reason, not a traceback."""
    path, record = deployed
    _, now = clock(record)
    monkeypatch.setattr(rent_script, "window_problem", lambda *_: None)
    with pytest.raises(
        DeploymentError, match=r"^NodeRentals refused the booking: rentals: window does not start after the current"
    ):
        run(rent_script, path, start=now)


@pytest.mark.ape_only
def test_an_offer_changed_after_it_was_read_is_not_booked_at_other_terms(backend, rent_script, deployed, monkeypatch):
    """The operator raises its price between the script's reads and its booking (here as the
    script prints, just before it sends): the booking names the offer version it read, so
    NodeRentals refuses it instead of charging the new price."""
    from ape import accounts

    path, record = deployed
    registry = contract(record, "NodeRegistry")

    def echo(line):
        if line.startswith("rentals   "):
            registry.set_rental(1, UNITS, 3 * DOLLAR, 2_000, 2, sender=accounts.test_accounts[1])

    monkeypatch.setattr(rent_script, "click", SimpleNamespace(echo=echo))
    with pytest.raises(DeploymentError) as refused:
        run(rent_script, path)
    assert str(refused.value) == (
        "NodeRentals refused the booking: rentals: the offer changed (its operator changed it since it was read): "
        "run again to book at the new terms"
    )
    assert contract(record, "NodeRentals").booking_count() == 0


@pytest.mark.ape_only
def test_before_the_oracles_clock_starts_nothing_can_be_booked(backend, rent_script, deployed, monkeypatch):
    from ape import chain

    path, record = deployed
    genesis, _ = clock(record)

    class Earlier:  # the chain, its latest block a second before GENESIS
        blocks = SimpleNamespace(head=SimpleNamespace(timestamp=genesis - 1))

        def __getattr__(self, name):
            return getattr(chain, name)

    monkeypatch.setattr(rent_script, "chain", Earlier())
    with pytest.raises(DeploymentError, match=rf"^the oracle's clock starts at {utc(genesis)}: no hour has begun"):
        run(rent_script, path)


@pytest.mark.ape_only
def test_epochs_that_are_not_whole_hours_take_no_bookings(backend, rent_script, tmp_path, capsys):
    (tmp_path / "none.yaml").write_text("ethereum:local:\n  epoch_length: 5400\n")  # an hour and a half
    with local_deploy(load_script("deploy"), tmp_path, capsys) as (_, record):
        rentals = contract(record, "NodeRentals")
        with pytest.raises(DeploymentError) as refused:
            run(rent_script, tmp_path / "ethereum-local.json")
        assert str(refused.value) == (
            f"the epochs of this deployment (5400 s) are not whole hours: its NodeRentals {rentals.address} "
            f"takes no bookings"
        )


@pytest.mark.ape_only
def test_a_live_network_needs_an_account(backend, rent_script, deployed):
    path, _ = deployed
    with pytest.raises(DeploymentError, match=r"no account: pass --account ALIAS \(the customer who books and pays\)"):
        run(rent_script, path, account=None, network=SimpleNamespace(name="local", is_local=False))


@pytest.mark.ape_only
def test_a_record_from_before_rentals_says_to_redeploy(backend, rent_script, deployed):
    import json

    path, _ = deployed
    older = json.loads(path.read_text())
    del older["contracts"]["NodeRentals"]
    path.write_text(json.dumps(older))
    with pytest.raises(DeploymentError, match=r"predates rentals \(no NodeRentals\): move it away and run `ape run"):
        run(rent_script, path)


@pytest.mark.ape_only
def test_no_record_says_to_deploy_first(backend, rent_script, tmp_path):
    with pytest.raises(
        DeploymentError, match=r"^no deployment recorded for ethereum:local:\w+ .*: run `ape run deploy"
    ):
        run(rent_script, tmp_path / "none.json")


# --- `ape run quote --hours`: the same deployment, quoted ------------------------------------------
@pytest.mark.ape_only
def test_the_hourly_quote_ranks_the_nodes_for_rent_and_says_why_others_are_skipped(
    backend, rent_script, deployed, capsys
):
    """After the first epoch, nodes 1 and 3 attested (node 2 too, but it offers nothing): the
    quote ranks node 3 ($1 a unit-hour) before node 1 ($2), then, once node 3's units are
    booked, skips it with how many are free; `ape run rent` books what it quoted."""
    from ape import accounts, chain

    path, record = deployed
    quote_script = load_script("quote")
    oracle = contract(record, "AttestationOracle")
    genesis, _ = clock(record)
    chain.mine(timestamp=genesis + DAY + 60)  # epoch 0 has ended: report it
    domain = Domain.of(oracle)
    for node_id in (1, 2, 3):
        report = PerformanceReport(node_id, 0, 10_000, 5_000, 40 + node_id, 1_000, 10_000, genesis + 2 * DAY)
        oracle.submit(
            report.as_tuple(), sign_report(domain, report, demo_attestors()[:3]), sender=accounts.test_accounts[3]
        )
    _, now = clock(record)

    def quote(units, hours, start=None):
        return quote_script.run_hourly(ETHEREUM, LOCAL, chain.provider, REGION, hours, units, start, None, path)

    result = quote(2, 5)
    printed = capsys.readouterr().out
    assert [offer.node_id for offer in result.ranked] == [3, 1]
    assert [offer.total for offer in result.ranked] == [10 * DOLLAR, 20 * DOLLAR]
    assert (result.start_hour, result.end_hour) == (now + 1, now + 6)
    assert "skipped node 2: not offered for rent" in printed
    assert f"book the first: ape run rent --node 3 --units 2 --hours 5 --start {now + 1}" in printed
    assert printed.startswith(
        f"quote renting 2 units for 5 hours in eu-west on ethereum:local:{chain.provider.name}, reports at most"
    )
    assert f"  window hours {now + 1} to {now + 6}: {utc(genesis + (now + 1) * HOUR)} to " in printed
    run(rent_script, path, node=3, units=3, hours=5, start=now + 1)
    capsys.readouterr()
    result = quote(2, 5)
    assert [offer.node_id for offer in result.ranked] == [1]
    assert "skipped node 3: only 1 of its 4 units free at every hour of the window, 2 asked" in capsys.readouterr().out
    later = quote(2, 5, start=now + 6)  # after that booking: node 3 is free again
    assert [(offer.node_id, offer.free) for offer in later.ranked] == [(3, 4), (1, 8)]
    with pytest.raises(DeploymentError, match=rf"^no node of region 'eu-west' rents 9 units for hours {now + 1} to"):
        quote(9, 5)
    with pytest.raises(DeploymentError, match=rf"^--start {now} --hours 5: hour {now} is not after the current hour"):
        quote(1, 5, start=now)
