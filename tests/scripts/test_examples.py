"""examples/ cannot rot (issue #18): the plain web3.py client runs the whole flow against a
fresh local deployment on a real Anvil node, in a process of its own, from the deployment
record and the JSON ABIs alone; then the same signing with the project's helpers.

    ape test tests/scripts/test_examples.py -m ape_only --engine ape --network ethereum:local:foundry

Skipped on any other provider; the chain is restored afterwards."""

import ast
import subprocess
import sys

import pytest

from computerwa.client.deployment import LOCAL_DEFAULTS, write_record
from computerwa.evm.suite import deploy_with_record
from tests.scripts.helpers import ROOT

EXAMPLE = ROOT / "examples" / "web3_client.py"
HELPERS = ROOT / "examples" / "helpers_client.py"


def test_the_web3_example_imports_neither_ape_nor_the_project():
    tree = ast.parse(EXAMPLE.read_text())
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    roots = {module.split(".")[0] for module in modules}
    assert roots.isdisjoint({"ape", "computerwa", "tests"}), roots
    assert {"web3", "eth_account"} <= roots


def test_the_web3_example_without_a_record_says_what_to_do(tmp_path):
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--record", str(tmp_path / "none.json")], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "no deployment record at" in done.stderr and "run `ape run deploy` first" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.ape_only
def test_the_web3_example_runs_the_whole_flow_on_anvil(tmp_path):
    from ape import accounts, chain, project

    if chain.provider.name != "foundry":
        pytest.skip("needs a real Anvil node: add --engine ape --network ethereum:local:foundry")
    snapshot = chain.provider.snapshot()
    try:
        deployer = accounts.test_accounts[0]
        suite = deploy_with_record(project, chain, deployer, dict(LOCAL_DEFAULTS), accounts.test_accounts[1:6])
        record = write_record(tmp_path / "ethereum-local-foundry.json", suite, "ethereum", "local", "foundry")
        done = subprocess.run(
            [sys.executable, str(EXAMPLE), "--rpc", chain.provider.http_uri, "--record", str(record)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Warning" not in done.stderr, done.stderr  # a newcomer's first run prints no warning
        lines = done.stdout.splitlines()
        steps = [line.split()[0] for line in lines]
        assert steps == [
            "funded",
            "verified",
            "node",
            "shares",
            "settled",
            "paid",
            "claimed",
            "report",
            "earnings",
        ], done.stdout
        assert "settled   voucher of $40" in done.stdout
        # what the example did is on chain: the node it registered has its report and its bond
        node_id = int(lines[2].split()[1])
        assert suite.oracle.latest(node_id)[1].submitted_at != 0
        assert suite.registry.node(node_id).bond == 200 * 10**6

        # the same with the project's helpers, on the same deployment
        done = subprocess.run(
            [sys.executable, str(HELPERS), "--rpc", chain.provider.http_uri, "--record", str(record)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        steps = [line.split()[0] for line in done.stdout.splitlines()]
        assert steps == ["node", "settled", "paid", "rented", "report"], done.stdout
        assert "settled   $12" in done.stdout and "paid      $3 by EIP-3009" in done.stdout
        assert "rented    2 GPUs for 3 hours, $12 escrowed" in done.stdout
        booking = suite.rentals.booking(int(done.stdout.split("(booking ")[1].split(")")[0]))
        assert (booking.units, booking.end_hour - booking.start_hour, booking.escrowed) == (2, 3, 12 * 10**6)
    finally:
        chain.provider.restore(snapshot)
