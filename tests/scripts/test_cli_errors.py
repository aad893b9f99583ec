"""Bad input to the `ape run` commands: one clear line, a non-zero exit, never a traceback.

Each `ape run` costs seconds, so every command starts at once (in the module's fixture)
and each test reads its own result."""

import json

import pytest

from tests.scripts.helpers import start_ape_run

NO_CODE = "0x000000000000000000000000000000000000dEaD"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from computerwa.evm.artifacts import ensure_compiled

    ensure_compiled()  # so that no `ape run` below compiles, let alone several at once
    tmp = tmp_path_factory.mktemp("cli")
    other_chain = tmp / "other-chain.json"
    other_chain.write_text(json.dumps({"ecosystem": "ethereum", "network": "local", "chain_id": 5, "contracts": {}}))
    config = tmp / "config.yaml"
    config.write_text(f'ethereum:local:\n  stablecoin: "{NO_CODE}"\n')
    commands = {
        "simulate no nodes": ("simulate", "--nodes", "0"),
        "simulate hybrid share above one": ("simulate", "--engine", "revm", "--hybrid", "1.5"),
        "simulate too many investors": ("simulate", "--engine", "revm", "--investors", "11"),
        "deploy unknown network": ("deploy", "--network", "ethereum:nosuchnet"),
        "deploy other chain": ("deploy", "--out", str(other_chain)),
        "deploy stablecoin without code": ("deploy", "--out", str(tmp / "new.json"), "--config", str(config)),
        "quote default record": ("quote", "--region", "mars", "--units", "10"),
        "quote no record": ("quote", "--region", "mars", "--units", "10", "--deployment", str(tmp / "none.json")),
        "quote other chain": ("quote", "--region", "mars", "--units", "10", "--deployment", str(other_chain)),
        "quote zero units": ("quote", "--region", "mars", "--units", "0"),
        "quote unreachable node": ("quote", "--network", "ethereum:local:node", "--region", "mars", "--units", "1"),
        "profile on anvil": ("profile", "--network", "ethereum:local:foundry"),
        "basket no record": (
            *("basket", "--node", "1,2", "--units", "1,3", "--name", "B", "--symbol", "B"),
            *("--deployment", str(tmp / "none.json")),
        ),
        "basket mismatched lengths": (
            "basket",
            "--node",
            "1",
            "--node",
            "2",
            "--units",
            "1",
            "--name",
            "B",
            "--symbol",
            "B",
        ),
        "basket not a node id": ("basket", "--node", "1,one", "--units", "1,1", "--name", "B", "--symbol", "B"),
        "basket long symbol": ("basket", "--node", "1", "--units", "1", "--name", "B", "--symbol", "BASKET"),
        "offer no record": (
            *("offer", "--node", "1", "--shares", "10", "--price", "2", "--min-raise", "5", "--end", "7d"),
            *("--release-bps", "2000", "--burn-in-epochs", "3", "--deployment", str(tmp / "none.json")),
        ),
        "offer bad duration": (
            *("offer", "--node", "1", "--shares", "10", "--price", "2", "--min-raise", "5", "--end", "a week"),
            *("--release-bps", "2000", "--burn-in-epochs", "3"),
        ),
        "offer long burn-in": (
            *("offer", "--node", "1", "--shares", "10", "--price", "2", "--min-raise", "5", "--end", "7d"),
            *("--release-bps", "2000", "--burn-in-epochs", "91"),
        ),
        "rent no record": (
            *("rent", "--node", "1", "--units", "2", "--hours", "3"),
            *("--deployment", str(tmp / "none.json")),
        ),
        "quote hourly too long": ("quote", "--region", "mars", "--hours", "169"),
        "quote neither units nor hours": ("quote", "--region", "mars"),
        "quote start without hours": ("quote", "--region", "mars", "--units", "5", "--start", "10"),
        "help": ("--help",),
    }
    started = {name: start_ape_run(*args) for name, args in commands.items()}
    finished = {}
    for name, process in started.items():
        output, _ = process.communicate(timeout=120)
        finished[name] = (process.returncode, output)
    return finished


def check(runs, name, message, code=None):
    returncode, output = runs[name]
    assert returncode != 0, output
    if code is not None:
        assert returncode == code, output
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, output
    assert message in errors[0], output
    return errors[0]


def test_ape_run_lists_every_script_as_a_command_and_nothing_else(runs):
    from pathlib import Path

    returncode, output = runs["help"]
    assert returncode == 0, output
    assert "Exception while parsing script" not in output, output  # a script that fails to import is dropped
    listed = {line.split()[0] for line in output.split("Commands:", 1)[1].splitlines() if line.strip()}
    assert listed == {p.stem for p in (Path(__file__).resolve().parents[2] / "scripts").glob("*.py")}


def test_simulate_refuses_zero_nodes(runs):
    check(runs, "simulate no nodes", "Invalid value for '--nodes': must be at least 1", code=2)


def test_simulate_refuses_a_hybrid_share_above_one(runs):
    check(runs, "simulate hybrid share above one", "Invalid value for '--hybrid': a fraction of the nodes", code=2)


def test_simulate_refuses_more_investors_than_test_accounts(runs):
    check(runs, "simulate too many investors", "Invalid value for '--investors': from 1 to 10", code=2)


def test_deploy_to_an_unknown_network_names_it(runs):
    # Ape's own usage error: the one line, then the networks it knows, one per line
    check(runs, "deploy unknown network", "No network in 'ethereum' named 'nosuchnet'", code=2)


def test_deploy_refuses_a_record_of_another_chain(runs):
    check(runs, "deploy other chain", "records chain 5, but this network is chain 1337", code=1)


def test_deploy_refuses_a_stablecoin_without_code(runs):
    check(runs, "deploy stablecoin without code", f"stablecoin {NO_CODE} has no code on this network", code=1)


def test_quote_without_a_deployment_says_to_deploy_first(runs):
    # deployments/ethereum-local-test.json may exist from an earlier `ape run deploy`; the
    # embedded chain forgets it at exit either way
    check(runs, "quote default record", "run `ape run deploy --network ethereum:local:test` first", code=1)
    line = check(runs, "quote no record", "no deployment recorded for ethereum:local:test", code=1)
    assert line.endswith("run `ape run deploy --network ethereum:local:test` first")


def test_quote_refuses_a_record_of_another_chain(runs):
    check(runs, "quote other chain", "records chain 5, but this network is chain 1337", code=1)


def test_quote_refuses_zero_units(runs):
    check(runs, "quote zero units", "Invalid value for '--units': must be at least 1", code=2)


def test_quote_on_a_node_that_cannot_be_reached_says_so_in_one_line(runs):
    # nothing listens on ethereum:local:node's default URI (or, if something does, it has
    # no deployment recorded): Ape's connection error, not its traceback
    check(runs, "quote unreachable node", "")


def test_profile_needs_the_embedded_provider(runs):
    check(runs, "profile on anvil", "run it with --network ethereum:local:test (not foundry)")


def test_basket_without_a_deployment_says_to_deploy_first(runs):
    line = check(runs, "basket no record", "no deployment recorded for ethereum:local:test", code=1)
    assert line.endswith("run `ape run deploy --network ethereum:local:test` first")


def test_basket_needs_one_units_per_node(runs):
    check(
        runs, "basket mismatched lengths", "give one --units per --node, in the same order (2 nodes, 1 units)", code=2
    )


def test_basket_refuses_what_is_not_a_node_id(runs):
    check(runs, "basket not a node id", "Invalid value for '--node': 'one' is not a node id", code=2)


def test_basket_refuses_a_symbol_over_five_characters(runs):
    check(
        runs,
        "basket long symbol",
        "Invalid value for '--symbol': 1 to 5 characters (the basket's limit), got 6",
        code=2,
    )


def test_offer_without_a_deployment_says_to_deploy_first(runs):
    line = check(runs, "offer no record", "no deployment recorded for ethereum:local:test", code=1)
    assert line.endswith("run `ape run deploy --network ethereum:local:test` first")


def test_offer_refuses_what_is_not_a_duration(runs):
    check(runs, "offer bad duration", "Invalid value for '--end': 'a week' is not a duration (seconds, or 90s", code=2)


def test_offer_refuses_a_burn_in_longer_than_the_contracts(runs):
    check(runs, "offer long burn-in", "Invalid value for '--burn-in-epochs': 91 is not in the range 1<=x<=90", code=2)


def test_rent_without_a_deployment_says_to_deploy_first(runs):
    line = check(runs, "rent no record", "no deployment recorded for ethereum:local:test", code=1)
    assert line.endswith("run `ape run deploy --network ethereum:local:test` first")


def test_an_hourly_quote_refuses_more_than_a_weeks_hours(runs):
    check(runs, "quote hourly too long", "Invalid value for '--hours': 169 is not in the range 1<=x<=168", code=2)


def test_quote_needs_units_or_hours(runs):
    check(runs, "quote neither units nor hours", "Missing option '--units' (work units; or --hours H", code=2)


def test_quote_start_is_for_an_hourly_quote(runs):
    check(runs, "quote start without hours", "--start is the first hour of a rental window: give --hours too", code=2)
