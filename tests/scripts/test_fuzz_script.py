"""`ape run fuzz` (scripts/fuzz.py): a seeded campaign replays, a failure prints its shrunk
steps and the command that replays it, and the property suite's machines run in it."""

import pytest
from click.testing import CliRunner
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.scripts.helpers import load_script


@pytest.fixture(scope="module")
def fuzz():
    return load_script("fuzz")


class OverflowingCounter(RuleBasedStateMachine):
    """Fails once its total reaches 150: a property with a known, shrinkable counterexample."""

    def __init__(self):
        super().__init__()
        self.total = 0

    @rule(amount=st.integers(0, 100))
    def add(self, amount):
        self.total += amount

    @invariant()
    def total_stays_small(self):
        assert self.total < 150, f"total reached {self.total}"


def test_a_failing_campaign_returns_the_error_with_its_shrunk_steps(fuzz):
    outcome = fuzz.run_campaign("counter", OverflowingCounter, examples=200, steps=20, seed=5)
    assert isinstance(outcome.error, AssertionError)
    assert outcome.test_cases > 1
    report = fuzz.describe(outcome.error)
    assert report.splitlines()[0] == "  AssertionError: total reached 150"
    assert "state = OverflowingCounter()" in report
    assert "state.add(amount=" in report


def test_the_same_seed_replays_the_same_failure(fuzz):
    first = fuzz.run_campaign("counter", OverflowingCounter, examples=200, steps=20, seed=11)
    second = fuzz.run_campaign("counter", OverflowingCounter, examples=200, steps=20, seed=11)
    assert first.test_cases == second.test_cases
    assert fuzz.describe(first.error) == fuzz.describe(second.error)


def test_the_command_exits_1_with_the_reproducer_and_the_replay_command(fuzz, monkeypatch):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: OverflowingCounter)])
    result = CliRunner().invoke(fuzz.cli, ["--suite", "oracle", "--examples", "100", "--steps", "20", "--seed", "5"])
    assert result.exit_code == 1, result.output
    assert "counter: FAILED after" in result.output
    assert "AssertionError: total reached 150" in result.output
    assert "state = OverflowingCounter()" in result.output
    assert "replay it: ape run fuzz --suite oracle --examples 100 --steps 20 --seed 5" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_suite_is_a_usage_error(fuzz):
    result = CliRunner().invoke(fuzz.cli, ["--suite", "everything"])
    assert result.exit_code == 2
    assert "Invalid value for '--suite': 'everything' is not one of" in result.output


@pytest.mark.parametrize("suite", ["token", "oracle", "registry", "settlement", "stablecoin"])
def test_each_suite_runs_its_machines_on_the_engine(fuzz, suite):
    result = CliRunner().invoke(fuzz.cli, ["--suite", suite, "--examples", "3", "--steps", "5", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.count(": passed, ") == (2 if suite == "token" else 1)
    assert result.output.rstrip().splitlines()[-1].startswith("fuzz: every property held;")


class Counter(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.total = 0

    @rule(amount=st.integers(0, 100))
    def add(self, amount):
        self.total += amount


def test_progress_lines_count_test_cases_and_seconds(fuzz):
    import io

    log = io.StringIO()  # not a terminal: a line per interval (here: every test case)
    outcome = fuzz.run_campaign("counter", Counter, examples=20, steps=5, seed=3, every=0, stream=log)
    assert outcome.error is None
    lines = log.getvalue().splitlines()
    assert len(lines) == outcome.test_cases >= 20
    assert lines[0] == "  counter: 1 test cases (20 examples asked), 0 s"
    assert lines[-1].startswith(f"  counter: {outcome.test_cases:,} test cases (20 examples asked), ")
