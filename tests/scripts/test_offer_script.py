"""`ape run offer`: an offering of a recorded node's shares through the deployment's
NodeOffering, made a minter of that node's token by its admin on the node's first offering;
every refusal a one-line error saying what to do, before anything is sent, and what only the
chain knows as the contract's reason.

The deploys run on Ape's local chain (`ape_only`) and restore it afterwards."""

from decimal import Decimal
from types import SimpleNamespace

import click
import pytest

from computerwa.client.deployment import DeploymentError
from tests.scripts.helpers import load_script, local_deploy

ETHEREUM = SimpleNamespace(name="ethereum")
LOCAL = SimpleNamespace(name="local", is_local=True)
DAY = 86_400
SHARE = 10**18
SUCCEEDED = 3


@pytest.fixture
def offer_script():
    return load_script("offer")


@pytest.fixture
def deployed(tmp_path, capsys):
    """`ape run deploy` on Ape's local chain, two nodes registered by test account 1 (a verified
    operator, SLA 99%): (record path, record)."""
    from ape import accounts, project

    with local_deploy(load_script("deploy"), tmp_path, capsys) as (_, record):
        registry = project.NodeRegistry.at(record["contracts"]["NodeRegistry"]["address"])
        operator = accounts.test_accounts[1]
        for gpus in (4, 8):
            registry.register_node("eu-west", "H100", gpus, 500_000, 3_000, 9_900, "ipfs://o", sender=operator)
        capsys.readouterr()
        yield tmp_path / "ethereum-local.json", record


def contract(record, name):
    from ape import project

    contract_type = record["contracts"][name]["contract_type"]  # "MockStablecoin" for the stablecoin
    return getattr(project, contract_type).at(record["contracts"][name]["address"])


def run(script, path, account=None, network=LOCAL, **options):
    """The command as click would call it: 1,000 shares of node 1 at $2, at least $500, open
    from a minute to a week from now, 20% at the close, 3 epochs of burn-in, the default
    deadline, the default exit window (30 days)."""
    from ape import chain

    values = {
        "node": 1,
        "shares": Decimal("1000"),
        "price": Decimal("2"),
        "min_raise": Decimal("500"),
        "start": 60,
        "end": 7 * DAY,
        "release_bps": 2_000,
        "burn_in_epochs": 3,
        "burn_in_deadline": None,
        "exit_window": None,
    } | options
    script.run(ETHEREUM, network, chain.provider, account, **values, deployment=path)


def earliest_deadline(offering, end_at, burn_in_epochs=3):
    genesis, epoch = offering.GENESIS(), offering.EPOCH_LENGTH()
    first = -(-(end_at - genesis) // epoch)
    return genesis + (first + burn_in_epochs + 1) * epoch


@pytest.mark.ape_only
def test_an_offering_is_created_with_its_terms_and_printed(backend, offer_script, deployed, capsys):
    from ape import accounts, chain, project

    path, record = deployed
    offering, registry = contract(record, "NodeOffering"), contract(record, "NodeRegistry")
    token = project.ComputeToken.at(registry.node(1).token)
    assert not token.is_minter(offering)
    now = chain.blocks.head.timestamp
    run(offer_script, path, shares=Decimal("1000.5"), price=Decimal("2.25"))
    printed = capsys.readouterr().out
    assert printed.splitlines()[-1] == "offering  1"
    terms = offering.terms(1)
    assert (terms.node_id, terms.token, terms.operator) == (1, token.address, accounts.test_accounts[1].address)
    assert (terms.shares_for_sale, terms.price, terms.min_raise) == (1_000_500 * SHARE // 1_000, 2_250_000, 500 * 10**6)
    assert (terms.start, terms.end) == (now + 60, now + 7 * DAY)
    assert (terms.release_bps, terms.burn_in_epochs, terms.sla_uptime_bps) == (2_000, 3, 9_900)
    # the default deadline: one epoch after the earliest allowed
    assert terms.burn_in_deadline == earliest_deadline(offering, now + 7 * DAY) + DAY
    assert terms.exit_window == 30 * DAY
    sweep_from = terms.burn_in_deadline + 30 * DAY + 1
    assert f"exits     open after a missed deadline until a sweep, which anyone may send from {sweep_from} (" in printed
    # the offering mints node 1's token now, the issuer still does, node 2's token is untouched
    assert token.is_minter(offering) and token.is_minter(accounts.test_accounts[0])
    assert not project.ComputeToken.at(registry.node(2).token).is_minter(offering)
    assert f"node      1, token {token.address} (NodeOffering made a minter of it now)" in printed
    assert "shares    1000.5 at 2.25 a share" in printed
    assert "raise     at least 500, at most 2251.125" in printed
    assert f"from epoch {terms.first_epoch}" in printed and "20% at the close" in printed
    # a second offering of the node, with its own deadline: no second grant
    now = chain.blocks.head.timestamp
    run(offer_script, path, burn_in_deadline=30 * DAY)
    printed = capsys.readouterr().out
    assert printed.splitlines()[-1] == "offering  2" and "(NodeOffering already a minter of it)" in printed
    assert offering.terms(2).burn_in_deadline == now + 30 * DAY


@pytest.mark.ape_only
def test_an_offering_created_by_the_script_sells_closes_and_mints(backend, offer_script, deployed, capsys):
    from ape import accounts, chain, project

    path, record = deployed
    issuer, investor = accounts.test_accounts[0], accounts.test_accounts[2]
    offering, stable, identity = (contract(record, n) for n in ("NodeOffering", "Stablecoin", "IdentityRegistry"))
    run(offer_script, path, shares=Decimal("100"), min_raise=Decimal("200"))
    capsys.readouterr()
    terms = offering.terms(1)
    identity.set_verified(investor, 2**40, sender=issuer)
    stable.mint(investor, 200 * 10**6, sender=issuer)
    stable.approve(offering, 200 * 10**6, sender=investor)
    chain.mine(timestamp=terms.start)
    offering.buy(1, 100 * SHARE, sender=investor)  # sold out: the sale is over at once
    assert offering.status(1) == SUCCEEDED
    offering.claim_shares(1, investor, sender=investor)
    assert project.ComputeToken.at(terms.token).balanceOf(investor) == 100 * SHARE


@pytest.mark.ape_only
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"price": Decimal("0")}, "--price is zero: give the stablecoin price of one whole share, above 0"),
        ({"shares": Decimal("0")}, "--shares is zero: offer at least one base unit"),
        ({"price": Decimal("0.0000001")}, "--price 1E-7 has more than 6 decimals: round it"),
        ({"shares": Decimal("2") ** 120}, "is above a node token's cap"),
        ({"shares": Decimal(10**16), "price": Decimal(10**30)}, "is above 2**126 base units"),
        (
            {"min_raise": Decimal("2000.01")},
            "--min-raise 2000.01 is above the maximum raise, 2000 (--shares 1000 x --price 2): lower it",
        ),
        ({"start": DAY, "end": DAY}, f"--end ({DAY} s from now) is not after --start ({DAY} s from now)"),
        ({"end": 2**48}, "--end or --burn-in-deadline is too far in the future"),
        ({"node": 9}, "no node 9 in NodeRegistry 0x"),
        ({"exit_window": DAY - 1}, f"--exit-window ({DAY - 1} s) must be from one epoch ({DAY} s) to {2**40 - 1} s"),
        ({"exit_window": 2**40}, f"--exit-window ({2**40} s) must be from one epoch"),
    ],
)
def test_bad_terms_are_refused_before_anything_is_sent(backend, offer_script, deployed, options, message):
    from ape import chain

    path, _ = deployed
    head = chain.blocks.head.number
    with pytest.raises(DeploymentError) as refused:
        run(offer_script, path, **options)
    assert message in str(refused.value)
    assert chain.blocks.head.number == head


@pytest.mark.ape_only
def test_a_deadline_that_leaves_no_epoch_to_confirm_says_the_least(backend, offer_script, deployed):
    from ape import chain

    path, record = deployed
    now = chain.blocks.head.timestamp
    earliest = earliest_deadline(contract(record, "NodeOffering"), now + 7 * DAY)
    with pytest.raises(DeploymentError) as refused:
        run(offer_script, path, burn_in_deadline=earliest - now - 1)
    assert "leaves no epoch to confirm 3 epochs of burn-in from epoch " in str(refused.value)
    assert f"give at least {earliest - now} s" in str(refused.value)
    run(offer_script, path, burn_in_deadline=earliest - now)  # the least is allowed
    assert contract(record, "NodeOffering").terms(1).burn_in_deadline == earliest


@pytest.mark.ape_only
def test_an_unknown_node_says_which_nodes_exist(backend, offer_script, deployed):
    path, _ = deployed
    with pytest.raises(DeploymentError, match=r"no node 3 in NodeRegistry 0x\w+ \(nodes 1 to 2\): pick a registered"):
        run(offer_script, path, node=3)


@pytest.mark.ape_only
def test_a_retired_node_is_refused(backend, offer_script, deployed):
    from ape import accounts

    path, record = deployed
    contract(record, "NodeRegistry").set_status(2, 3, sender=accounts.test_accounts[1])
    with pytest.raises(
        DeploymentError, match=r"^node 2 is retired in NodeRegistry 0x\w+: its shares cannot be offered"
    ):
        run(offer_script, path, node=2)


@pytest.mark.ape_only
def test_anyone_but_the_offerings_owner_is_refused_with_the_owners_address(backend, offer_script, deployed):
    from ape import accounts

    path, record = deployed
    stranger, owner = accounts.test_accounts[7], accounts.test_accounts[0]
    with pytest.raises(DeploymentError) as refused:
        run(offer_script, path, account=stranger)
    assert str(refused.value) == (
        f"{stranger.address} is not the owner of NodeOffering {record['contracts']['NodeOffering']['address']}: "
        f"pass --account with the owner's key ({owner.address})"
    )


@pytest.mark.ape_only
def test_a_pending_owner_is_told_to_accept_first(backend, offer_script, deployed):
    from ape import accounts

    path, record = deployed
    heir = accounts.test_accounts[7]
    contract(record, "NodeOffering").transfer_ownership(heir, sender=accounts.test_accounts[0])
    with pytest.raises(DeploymentError, match=r"\(it must first call accept_ownership\(\)\)"):
        run(offer_script, path, account=heir)


@pytest.mark.ape_only
def test_an_owner_who_is_not_the_tokens_admin_needs_the_grant_first(backend, offer_script, deployed, capsys):
    """An offering owned apart from the registry: its owner cannot grant itself a token's
    minter role; once the token's admin has, the owner offers that node."""
    from ape import accounts, project

    path, record = deployed
    issuer, heir = accounts.test_accounts[0], accounts.test_accounts[7]
    offering = contract(record, "NodeOffering")
    offering.transfer_ownership(heir, sender=issuer)
    offering.accept_ownership(sender=heir)
    token = project.ComputeToken.at(contract(record, "NodeRegistry").node(1).token)
    with pytest.raises(DeploymentError) as refused:
        run(offer_script, path, account=heir)
    assert str(refused.value) == (
        f"{heir.address} is not the admin of node 1's token {token.address} ({issuer.address} is), so it cannot "
        f"make NodeOffering a minter of it: have the admin call set_minter({offering.address}, True) on the token first"
    )
    token.set_minter(offering, True, sender=issuer)
    run(offer_script, path, account=heir)
    assert capsys.readouterr().out.splitlines()[-1] == "offering  1"


@pytest.mark.ape_only
def test_a_contract_refusal_is_one_line(backend, offer_script, deployed):
    """What the script leaves to the chain (here a burn-in longer than the contract's 90
    epochs, which click's range refuses first from the command line) comes back as
    NodeOffering's reason, not a traceback."""
    path, _ = deployed
    with pytest.raises(
        DeploymentError, match=r"^NodeOffering refused the offering: offering: burn-in is 1 to 90 epochs$"
    ):
        run(offer_script, path, burn_in_epochs=91)


@pytest.mark.ape_only
def test_a_live_network_needs_an_account(backend, offer_script, deployed):
    path, _ = deployed
    with pytest.raises(DeploymentError, match=r"no account: pass --account ALIAS \(NodeOffering's owner\)"):
        run(offer_script, path, network=SimpleNamespace(name="local", is_local=False))


@pytest.mark.ape_only
def test_a_record_from_before_offerings_says_to_redeploy(backend, offer_script, deployed):
    import json

    path, _ = deployed
    older = json.loads(path.read_text())
    del older["contracts"]["NodeOffering"]
    path.write_text(json.dumps(older))
    with pytest.raises(DeploymentError, match=r"predates offerings \(no NodeOffering\): move it away and run `ape"):
        run(offer_script, path)


@pytest.mark.ape_only
def test_no_record_says_to_deploy_first(backend, offer_script, tmp_path):
    with pytest.raises(
        DeploymentError, match=r"^no deployment recorded for ethereum:local:\w+ .*: run `ape run deploy"
    ):
        run(offer_script, tmp_path / "none.json")


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("15m", 900), ("2h", 7_200), ("7d", 7 * DAY), ("1W", 7 * DAY)]
)
def test_durations_are_seconds_or_a_number_with_a_unit(offer_script, text, seconds):
    assert offer_script._duration(None, None, text) == seconds


@pytest.mark.parametrize("text", ["", "1.5d", "-3", "7 days", "d"])
def test_anything_else_is_not_a_duration(offer_script, text):
    with pytest.raises(click.BadParameter, match="is not a duration"):
        offer_script._duration(None, None, text)


@pytest.mark.parametrize(("text", "amount"), [("2", "2"), ("2.50", "2.50"), ("1_000", "1000"), ("1,000.5", "1000.5")])
def test_amounts_are_exact_whole_units(offer_script, text, amount):
    assert offer_script._amount(None, None, text) == Decimal(amount)


@pytest.mark.parametrize("text", ["two", "-1", "nan", "inf", "1e"])
def test_anything_else_is_not_an_amount(offer_script, text):
    with pytest.raises(click.BadParameter, match="is not an amount"):
        offer_script._amount(None, None, text)
