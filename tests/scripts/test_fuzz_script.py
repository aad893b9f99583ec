"""`ape run fuzz` (scripts/fuzz.py, computerwa/tooling/fuzz.py): a seeded campaign replays; each
distinct failure is reported with its values, where it failed and the rules that ran (no
invariant calls), and written as a regression test that replays it; the options (workers,
time budget, fail-fast, no-shrink, example database, --invariant) and their errors; the
statistics. Toy machines (tests/scripts/fuzz_toys.py) of both kinds: plain
RuleBasedStateMachines and PropertyMachines."""

import importlib.util
import json
import os
import subprocess
import sys
from collections import Counter

import pytest
from click.testing import CliRunner
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from computerwa.evm.chain import Reverted, expect
from tests.fuzz import properties
from tests.regressions.replay import replay_machine
from tests.scripts import fuzz_toys as toys
from tests.scripts.helpers import ROOT, load_script


@pytest.fixture(scope="module")
def fuzz():
    return load_script("fuzz")


def invoke(fuzz, tmp_path, *args):
    """The command with its outputs in tmp_path and no example database (unless asked); each
    argument a word or several, separated by spaces."""
    options = [word for arg in args for word in (arg.split() if " " in arg and not arg.startswith("/") else [arg])]
    if "--database" not in options:
        options.append("--no-database")
    options += ["--regressions", str(tmp_path / "regressions"), "--report-dir", str(tmp_path / "reports")]
    return CliRunner().invoke(fuzz.cli, options)


def regression_files(tmp_path):
    return sorted((tmp_path / "regressions").glob("test_*.py"))


def load_module(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- a failure, readable ---------------------------------------------------------------------------
def test_a_failing_campaign_returns_the_failure_with_its_shrunk_steps(fuzz):
    outcome = fuzz.run_campaign("counter", toys.OverflowingCounter, examples=200, steps=20, seed=5)
    [failure] = outcome.failures
    assert isinstance(outcome.error, AssertionError)
    assert outcome.test_cases > 1
    assert failure.steps == [("add", {"amount": 50}), ("add", {"amount": 100})]
    report = fuzz.describe(failure)
    lines = report.splitlines()
    assert lines[0] == "  AssertionError: total reached 150"
    assert lines[1] == "    in the checks after step 2 (add): total_stays_small"
    assert lines[2] == "    raised at tests/scripts/fuzz_toys.py:24 (total_stays_small)"
    assert lines[-3:] == ["    state = OverflowingCounter()", "    state.add(amount=50)", "    state.add(amount=100)"]
    # only the rules that ran: neither the invariant calls nor the teardown Hypothesis prints
    assert "total_stays_small()" not in report and "teardown" not in report


def test_shrinking_is_bounded_by_shrink_seconds_and_the_limit_restored(fuzz, monkeypatch):
    from hypothesis.internal.conjecture import engine

    limits = []
    monkeypatch.setattr(toys.OverflowingCounter, "teardown", lambda self: limits.append(engine.MAX_SHRINKING_SECONDS))
    before = engine.MAX_SHRINKING_SECONDS
    outcome = fuzz.run_campaign("counter", toys.OverflowingCounter, examples=200, steps=20, seed=5, shrink_seconds=7)
    assert outcome.failures and set(limits) == {7}
    restored = engine.MAX_SHRINKING_SECONDS
    assert restored == before
    limits.clear()
    fuzz.run_campaign("counter", toys.OverflowingCounter, examples=20, steps=20, seed=5)
    assert set(limits) == {fuzz.SHRINK_SECONDS} == {60.0}


def test_no_package_constant_is_drawn_so_a_seed_survives_package_edits(fuzz, monkeypatch):
    from hypothesis.internal.conjecture import providers

    monkeypatch.setattr(providers, "is_local_module_file", providers.is_local_module_file)
    package = str(ROOT / "computerwa" / "tooling" / "fuzz.py")
    assert providers.is_local_module_file(package)  # Hypothesis's own rule: the package's literals count
    fuzz.pin_constant_pool()
    fuzz.pin_constant_pool()
    assert not providers.is_local_module_file(package)
    assert not providers.is_local_module_file(str(ROOT / "scripts" / "fuzz.py"))


def test_the_same_seed_replays_the_same_failure(fuzz):
    first = fuzz.run_campaign("counter", toys.OverflowingCounter, examples=200, steps=20, seed=11)
    second = fuzz.run_campaign("counter", toys.OverflowingCounter, examples=200, steps=20, seed=11)
    assert first.test_cases == second.test_cases
    assert fuzz.describe(first.failures[0]) == fuzz.describe(second.failures[0])


def test_a_failing_rule_says_which_step_raised(fuzz):
    outcome = fuzz.run_campaign("two", toys.TwoBugs, examples=300, steps=20, seed=1)
    raised = [f for f in outcome.failures if f.error_type == "ValueError"]
    assert raised and raised[0].where == "in step 1 (push)"
    assert raised[0].steps == [("push", {"item": 7})]


def test_distinct_failures_are_unwrapped_from_the_exception_group_and_reported_each(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("two bugs", lambda backend: toys.TwoBugs)])
    result = invoke(fuzz, tmp_path, "--suite oracle --examples 300 --steps 20 --seed 1")
    assert result.exit_code == 1, result.output
    assert "two bugs: FAILED after" in result.output and ": 2 distinct failures" in result.output
    assert "failure 1 of 2:" in result.output and "failure 2 of 2:" in result.output
    assert "  AssertionError: 3 items" in result.output
    assert "  ValueError: seven is not allowed" in result.output
    assert "ExceptionGroup" not in result.output and "distinct failures)" not in result.output
    assert len(regression_files(tmp_path)) == 2


def test_a_property_machine_failure_names_its_id_and_values_without_the_properties_calls(fuzz):
    outcome = fuzz.run_campaign("ledger", toys.Ledger, examples=300, steps=20, seed=2)
    [failure] = outcome.failures
    assert failure.message.startswith("TOY-1: the total stays below 150 (total=")
    assert failure.where.startswith("in the checks after step ")
    assert failure.location == "tests/scripts/fuzz_toys.py:118 (total_stays_small)"
    report = fuzz.describe(failure)
    assert "state = Ledger()" in report and "state.properties()" not in report


def test_a_failure_of_the_final_sweep_or_end_of_run_says_at_the_end_of_the_run(fuzz):
    outcome = fuzz.run_campaign("exit", toys.LeakyExit, examples=300, steps=20, seed=3)
    [failure] = outcome.failures
    assert failure.where == "at the end of the run"
    assert failure.message == "TOY-3: everyone exits and nothing is left (actual=1, expected=0)"
    assert failure.steps == [("deposit", {"amount": 1})]


def test_bare_asserts_show_the_compared_values_outside_pytest():
    """A fresh interpreter (no pytest): the runner rewrites the tests package's asserts."""
    program = (
        "from computerwa.tooling.fuzz import install_assertion_rewriting, run_campaign, describe\n"
        "assert install_assertion_rewriting('tests')\n"
        "from tests.scripts.fuzz_toys import BareAssert\n"
        "print(describe(run_campaign('bare', BareAssert, examples=200, steps=10, seed=1).failures[0]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", program]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "  AssertionError: assert 77 == 76" in done.stdout
    assert "state.add(amount=77)" in done.stdout


# --- the command -----------------------------------------------------------------------------------
def test_the_command_exits_1_with_the_reproducer_the_regression_and_the_replay_command(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: toys.OverflowingCounter)])
    result = invoke(fuzz, tmp_path, "--suite oracle --examples 100 --steps 20 --seed 5")
    assert result.exit_code == 1, result.output
    assert "counter: FAILED after" in result.output
    assert "AssertionError: total reached 150" in result.output
    assert "state = OverflowingCounter()" in result.output
    assert "replay it: ape run fuzz --suite oracle --examples 100 --steps 20 --seed 5" in result.output
    [path] = regression_files(tmp_path)
    assert f"regression test: {path}" in result.output
    assert "Traceback" not in result.output
    assert result.output.rstrip().splitlines()[-1].startswith("fuzz: 1 machine(s) failed (counter);")


def test_the_regression_file_replays_the_failure_and_passes_on_fixed_code(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: toys.OverflowingCounter)])
    invoke(fuzz, tmp_path, "--suite oracle --examples 100 --steps 20 --seed 5")
    [path] = regression_files(tmp_path)
    source = path.read_text()
    assert "AssertionError: total reached 150" in source  # the failure, in the docstring
    assert "ape run fuzz --suite oracle --examples 100 --steps 20 --seed 5" in source
    assert 'replay_machine("tests.scripts.fuzz_toys:OverflowingCounter", STEPS)' in source
    module = load_module(path)
    assert module.STEPS == [("add", {"amount": 50}), ("add", {"amount": 100})]
    with pytest.raises(AssertionError, match="total reached 150") as failed:
        getattr(module, path.stem)()
    assert "replay: failed in the checks after step 2 (add)" in failed.value.__notes__
    replay_machine("tests.scripts.fuzz_toys:Counter", module.STEPS)  # the same steps, the bug fixed: it passes


def test_the_regression_file_runs_alone_under_pytest(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: toys.OverflowingCounter)])
    invoke(fuzz, tmp_path, "--suite oracle --examples 100 --steps 20 --seed 5")
    [path] = regression_files(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 1, done.stdout
    assert "1 failed" in done.stdout and "total reached 150" in done.stdout


def test_draws_and_initialize_rules_replay(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("drawing", lambda backend: toys.Drawing)])
    result = invoke(fuzz, tmp_path, "--suite oracle --examples 300 --steps 20 --seed 3")
    assert result.exit_code == 1, result.output
    assert "state.begin(start=0)" in result.output and "data=Draws(9, [0])" in result.output
    [path] = regression_files(tmp_path)
    assert "from tests.regressions.replay import Draws, replay_machine" in path.read_text()
    with pytest.raises(AssertionError, match=r"\('a', 9, \[0\]\)"):
        getattr(load_module(path), path.stem)()


def test_no_regression_file_writes_none(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: toys.OverflowingCounter)])
    result = invoke(fuzz, tmp_path, "--suite oracle --examples 100 --steps 20 --seed 5 --no-regression-file")
    assert result.exit_code == 1
    assert "regression test" not in result.output and regression_files(tmp_path) == []


def test_an_unwritable_regression_folder_is_one_line(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: toys.OverflowingCounter)])
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = CliRunner().invoke(
        fuzz.cli,
        [
            *["--suite", "oracle", "--examples", "100", "--steps", "20", "--seed", "5", "--no-database"],
            "--regressions",
            str(blocker / "sub"),
        ],
    )
    assert result.exit_code == 1
    assert f"  no regression test: cannot write {blocker / 'sub'}: Not a directory" in result.output
    assert "Traceback" not in result.output


def test_the_example_database_replays_a_saved_failure_first(fuzz, monkeypatch, tmp_path):
    database = tmp_path / "db"
    first = fuzz.run_campaign("counter", toys.OverflowingCounter, examples=200, steps=20, seed=5, database=database)
    assert first.failures and any(database.rglob("*"))
    again = fuzz.run_campaign("counter", toys.OverflowingCounter, examples=200, steps=20, seed=99, database=database)
    assert again.failures[0].steps == first.failures[0].steps
    assert again.test_cases < first.test_cases  # the saved example failed at once: no search
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: toys.OverflowingCounter)])
    result = invoke(
        fuzz,
        tmp_path,
        "--suite",
        "oracle",
        "--examples",
        "100",
        "--steps",
        "20",
        "--seed",
        "5",
        "--database",
        str(tmp_path / "cli-db"),
    )
    assert result.exit_code == 1 and any((tmp_path / "cli-db").rglob("*"))


def test_no_shrink_reports_the_failure_as_found(fuzz):
    shrunk = fuzz.run_campaign("counter", toys.OverflowingCounter, examples=200, steps=20, seed=5)
    raw = fuzz.run_campaign("counter", toys.OverflowingCounter, examples=200, steps=20, seed=5, shrink=False)
    assert raw.failures and raw.test_cases < shrunk.test_cases
    assert len(raw.failures[0].steps) >= len(shrunk.failures[0].steps)


def test_a_time_budget_stops_the_run_and_reports_what_ran(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: toys.Counter)])
    result = invoke(fuzz, tmp_path, "--suite oracle --examples 1000000 --steps 5 --seed 1 --time-budget 1")
    assert result.exit_code == 0, result.output
    assert "counter: no failure, " in result.output and "(stopped: time budget)" in result.output
    assert "fuzz: every property held until the time budget ran out;" in result.output
    stats = json.loads((tmp_path / "reports" / "counter.json").read_text())
    assert stats["stopped"] == ["time budget"] and 0 < stats["test_cases"] < 1_000_000


def test_an_interrupt_reports_the_failures_found_so_far_unshrunk(fuzz):
    calls = {"n": 0}

    def stop_after_a_while():
        calls["n"] += 1
        if calls["n"] == 40:  # Ctrl-C, as the shrinker runs
            raise KeyboardInterrupt
        return None

    outcome = fuzz.run_campaign(
        "counter", toys.OverflowingCounter, examples=200, steps=20, seed=5, should_stop=stop_after_a_while
    )
    assert outcome.stopped == "interrupted"
    [failure] = outcome.failures
    assert not failure.shrunk and failure.message.startswith("total reached ")
    assert "the failing example (not shrunk: the campaign stopped)" in fuzz.describe(failure)


def test_fail_fast_stops_at_the_first_failing_machine(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(
        fuzz.CAMPAIGNS,
        "token",
        [("first", lambda backend: toys.OverflowingCounter), ("second", lambda backend: toys.Counter)],
    )
    result = invoke(fuzz, tmp_path, "--suite token --examples 100 --steps 20 --seed 5 --fail-fast")
    assert result.exit_code == 1
    assert "first: FAILED" in result.output and "second: passed" not in result.output
    assert "not run: second" in result.output


def test_two_workers_run_the_machines_in_parallel_and_aggregate(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(
        fuzz.CAMPAIGNS,
        "token",
        [("failing", lambda backend: toys.OverflowingCounter), ("passing", lambda backend: toys.Counter)],
    )
    result = invoke(fuzz, tmp_path, "--suite token --examples 60 --steps 10 --seed 5 --workers 2")
    assert result.exit_code == 1, result.output
    assert "; 2 workers" in result.output.splitlines()[0]
    assert "failing: FAILED after" in result.output and "passing: passed, 60 test cases" in result.output
    assert "AssertionError: total reached 150" in result.output and len(regression_files(tmp_path)) == 1
    assert result.output.rstrip().splitlines()[-1].startswith("fuzz: 1 machine(s) failed (failing);")


def test_two_workers_split_the_seeds_of_one_machine(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: toys.Counter)])
    result = invoke(fuzz, tmp_path, "--suite oracle --examples 61 --steps 5 --seed 7 --workers 2")
    assert result.exit_code == 0, result.output
    assert "counter [seed 7]: passed, " in result.output and "counter [seed 8]: passed, " in result.output
    assert "replay it" not in result.output
    stats = json.loads((tmp_path / "reports" / "counter.json").read_text())
    assert stats["seeds"] == [7, 8] and stats["examples_asked"] == 61
    passed = [line for line in result.output.splitlines() if "passed, " in line]
    runs = [int(line.split("passed, ")[1].split(" test cases")[0]) for line in passed]
    assert stats["test_cases"] == sum(runs) >= 61  # one statistics file for the machine: both seeds' runs


def test_merged_statistics_add_counts_and_cpu_time_and_keep_the_longest_wall_time(fuzz):
    first = fuzz.Stats("m", 10, 100, 4.0, {"pay": {"calls": 3, "reverted": 1}}, {}, {"A-1": 2}, 3.0)
    second = fuzz.Stats("m", 5, 40, 6.0, {"pay": {"calls": 2, "reverted": 0}}, {}, {"A-1": 1}, 2.5)
    merged = first.merge(second)
    assert (merged.test_cases, merged.steps, merged.seconds, merged.cpu_seconds) == (15, 140, 6.0, 5.5)
    assert merged.rules == {"pay": {"calls": 5, "reverted": 1}} and merged.checks == {"A-1": 3}
    assert merged.test_cases_per_cpu_second == 15 / 5.5 and merged.test_cases_per_second == 15 / 6.0


class Reverting(RuleBasedStateMachine):
    """A rule whose call reverts as predicted one time in two: the revert ratio counts it."""

    def __init__(self):
        super().__init__()

    @rule(refuse=st.booleans())
    def pay(self, refuse):
        def call():
            if refuse:
                raise Reverted("refused")

        expect("refused" if refuse else None, call)

    @invariant()
    def holds(self):
        pass


def test_statistics_count_calls_reverts_and_checks_per_rule_and_id(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(
        fuzz.CAMPAIGNS, "token", [("reverting", lambda backend: Reverting), ("ledger", lambda backend: toys.Counter)]
    )
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("ids", lambda backend: IdsOnly)])
    result = invoke(fuzz, tmp_path, "--suite token --examples 50 --steps 10 --seed 1")
    assert result.exit_code == 0, result.output
    stats = json.loads((tmp_path / "reports" / "reverting.json").read_text())
    pay = stats["rules"]["pay"]
    assert pay["calls"] == stats["steps"] > 0 and 0 < pay["reverted"] < pay["calls"]
    assert pay["revert_ratio"] == round(pay["reverted"] / pay["calls"], 4)
    # the invariant runs before the first step, then after each
    assert stats["invariants"]["holds"] == stats["steps"] + stats["test_cases"]
    assert stats["test_cases"] >= 50 and stats["test_cases_per_second"] > 0 and stats["steps_per_second"] > 0
    assert stats["cpu_seconds"] > 0 and stats["test_cases_per_cpu_second"] == pytest.approx(
        stats["test_cases"] / stats["cpu_seconds"], rel=0.01
    )
    assert "% reverted)" in result.output and "statistics (also in " in result.output
    result = invoke(fuzz, tmp_path, "--suite oracle --examples 30 --steps 10 --seed 1")
    checks = json.loads((tmp_path / "reports" / "ids.json").read_text())["checks"]
    assert set(checks) == {"TOY-5", "TOY-6"} and checks["TOY-6"] > checks["TOY-5"] > 0


class IdsOnly(properties.PropertyMachine):
    """TOY-5 runs only after steps that touch "a" (and in sweeps); TOY-6 after every step."""

    @rule(touch_a=st.booleans())
    def step(self, touch_a):
        if touch_a:
            self.touch("a")

    @properties.check("TOY-5", watches=("a",))
    def five(self):
        pass

    @properties.check("TOY-6")
    def six(self):
        pass


# --- one invariant, deeper -------------------------------------------------------------------------
def test_invariant_runs_only_the_machines_checking_it_and_only_that_check(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(
        fuzz.CAMPAIGNS, "token", [("plain", lambda backend: toys.Counter), ("ledger", lambda backend: toys.Ledger)]
    )
    result = invoke(fuzz, tmp_path, "--suite token --invariant TOY-2 --examples 100 --steps 20 --seed 2")
    assert result.exit_code == 0, result.output  # TOY-1 (which fails) is skipped
    assert "only TOY-2" in result.output.splitlines()[0]
    assert "ledger: passed" in result.output and "plain:" not in result.output
    assert "--invariant TOY-2" in result.output.splitlines()[1]
    checks = json.loads((tmp_path / "reports" / "ledger.json").read_text())["checks"]
    assert set(checks) == {"TOY-2"}
    assert properties._ONLY is None  # restored for the rest of the process


def test_an_unknown_invariant_is_a_one_line_error_listing_the_known_ids(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "token", [("ledger", lambda backend: toys.Ledger)])
    result = invoke(fuzz, tmp_path, "--invariant NOPE-1")
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("Error: unknown invariant ID 'NOPE-1'; the machines check: ") and "TOY-1, TOY-2" in line


def test_an_invariant_of_another_suite_is_a_one_line_error(fuzz, monkeypatch, tmp_path):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "token", [("ledger", lambda backend: toys.Ledger)])
    result = invoke(fuzz, tmp_path, "--invariant TOY-1 --suite oracle")
    assert result.exit_code == 1
    assert result.output == "Error: TOY-1 is checked by suite token, not by --suite oracle\n"


def test_list_invariants_maps_ids_to_suites(fuzz, monkeypatch):
    monkeypatch.setitem(fuzz.CAMPAIGNS, "token", [("ledger", lambda backend: toys.Ledger)])
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("exit", lambda backend: toys.LeakyExit)])
    result = CliRunner().invoke(fuzz.cli, ["--list-invariants"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # the ID column is as wide as the longest ID of every machine (the real ones included)
    assert lines[0].split()[:3] == ["ID", "suite:", "campaigns"]
    assert "(deepen with: ape run fuzz --invariant ID" in lines[0]
    rows = [line.split() for line in lines[1:]]
    assert ["TOY-1", "token:", "ledger"] in rows and ["TOY-3", "oracle:", "exit"] in rows


# --- statement coverage of a sample (--coverage) ----------------------------------------------------
def test_a_sample_is_a_seeded_uniform_reservoir(fuzz):
    def sampled(size, seed, offered=10):
        sample = fuzz.Sample(size, seed)
        for number in range(offered):
            sample.offer([("step", {"n": number})])
        return sample

    one = sampled(3, "a")
    assert one.seen == 10 and len(one.items) == 3 and not one.everything
    assert one.items == sampled(3, "a").items  # the same seed keeps the same sample
    assert sampled(None, "a").items == sampled(20, "a").items == [[("step", {"n": n})] for n in range(10)]
    assert sampled(None, "a").everything and sampled(20, "a").everything
    picks = Counter(steps[0][1]["n"] for seed in range(2000) for steps in sampled(3, seed).items)
    assert set(picks) == set(range(10)) and max(picks.values()) < 1.25 * min(picks.values())  # ~600 each


def test_the_samples_of_several_seeds_merge_into_one_uniform_sample(fuzz):
    def sampled(size, seed, numbers):
        sample = fuzz.Sample(size, seed)
        for number in numbers:
            sample.offer([("step", {"n": number})])
        return sample

    merged = fuzz.Sample.merge([sampled(4, 1, range(0, 30)), sampled(4, 2, range(30, 40))], 4, "m")
    assert merged.seen == 40 and len(merged.items) == 4 and len({s[0][1]["n"] for s in merged.items}) == 4
    small = fuzz.Sample.merge([sampled(4, 1, range(2)), sampled(4, 2, range(2, 3))], 4, "m")
    assert small.everything and sorted(s[0][1]["n"] for s in small.items) == [0, 1, 2]
    # the first run ran three times as many test cases: three picks in four come from it
    first = sum(
        s[0][1]["n"] < 30
        for seed in range(500)
        for s in fuzz.Sample.merge([sampled(4, seed, range(30)), sampled(4, -seed, range(30, 40))], 4, seed).items
    )
    assert 0.71 < first / 2000 < 0.79


def test_a_sample_leaves_out_what_cannot_reach_the_parent_process(fuzz):
    sample = fuzz.Sample(3, 1)
    sample.offer([("step", {"n": 1})])
    sample.offer([("step", {"callback": lambda: None})])  # does not pickle
    portable = sample.portable()
    assert portable.items == [[("step", {"n": 1})]] and portable.dropped == 1 and portable.seen == 2


def _on_ape_test_provider():
    import ape

    provider = ape.networks.active_provider
    if provider is None or provider.name != "test":
        pytest.skip("--coverage replays on Ape's embedded test provider")


def _coverage(tmp_path, label):
    return json.loads((tmp_path / "reports" / f"{label}.json").read_text())


def _line_of(text):
    lines = (ROOT / "contracts" / "MockStablecoin.vy").read_text().splitlines()
    [number] = [n for n, line in enumerate(lines, 1) if line.strip() == text]
    return number


def test_coverage_counts_the_statements_the_sampled_examples_ran(fuzz, monkeypatch, tmp_path):
    """Two toys on a real MockStablecoin: the one that mints covers `mint` and not `burn`, the
    other the reverse; each replayed example counts, constructors and views included."""
    _on_ape_test_provider()
    from computerwa.tooling.coverage import statement_map

    monkeypatch.setitem(
        fuzz.CAMPAIGNS,
        "token",
        [("minting", toys.on_a_dollar(toys.Minting)), ("burning", toys.on_a_dollar(toys.Burning))],
    )
    result = invoke(fuzz, tmp_path, "--suite token --examples 10 --steps 3 --seed 1 --coverage 2")
    assert result.exit_code == 0, result.output
    assert "statement coverage of 2 sampled test case(s) per machine" in result.output.splitlines()[0]
    statements = len(statement_map()["sources"]["contracts/MockStablecoin.vy"])
    mint, burn = _line_of("erc20._mint(to, amount)"), _line_of("erc20._burn(msg.sender, amount)")
    constructor, view = (
        _line_of('erc20.__init__(name_, symbol_, 6, name_, "1")'),
        _line_of("return erc20.balanceOf[arg0] & MAX_SUPPLY"),
    )
    for label, ran, not_ran in (("minting", mint, burn), ("burning", burn, mint)):
        stats = _coverage(tmp_path, label)
        coverage = stats["coverage"]
        assert coverage["test_cases_replayed"] == 2 and coverage["sampled"]
        assert coverage["test_cases_run"] == stats["test_cases"] > 2
        assert coverage["description"].startswith(
            f"statement coverage of 2 sampled test cases of {stats['test_cases']}"
        )
        assert coverage["replayed_test_cases_that_raised"] == 0
        rows = {row["source"]: row for row in coverage["sources"]}
        dollar = rows.pop("contracts/MockStablecoin.vy")
        assert dollar["statements"] == statements and 0 < dollar["covered"] < statements
        assert ran not in dollar["missed_lines"] and not_ran in dollar["missed_lines"]
        assert constructor not in dollar["missed_lines"] and view not in dollar["missed_lines"]
        assert rows and all(row["covered"] == 0 for row in rows.values())  # nothing else was deployed
        shown = f"contracts/MockStablecoin.vy: {dollar['covered']} of {statements} statements"
        assert shown in result.output
    assert result.output.count("(a sample: --coverage all replays every one), replayed on py-evm") == 2
    assert "not reached: AttestationOracle.vy" in result.output


def test_coverage_all_replays_every_test_case_and_workers_merge_their_samples(fuzz, monkeypatch, tmp_path):
    _on_ape_test_provider()
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: toys.Counter)])
    result = invoke(fuzz, tmp_path, "--suite oracle --examples 5 --steps 2 --seed 1 --coverage all")
    assert result.exit_code == 0, result.output
    stats = _coverage(tmp_path, "counter")
    coverage = stats["coverage"]
    assert coverage["test_cases_replayed"] == coverage["test_cases_run"] == stats["test_cases"]
    assert not coverage["sampled"] and coverage["description"].startswith("statement coverage of all ")
    assert "sample" not in coverage["description"]
    result = invoke(fuzz, tmp_path, "--suite oracle --examples 20 --steps 2 --seed 1 --workers 2 --coverage 3")
    assert result.exit_code == 0, result.output
    stats = _coverage(tmp_path, "counter")
    assert stats["seeds"] == [1, 2] and stats["coverage"]["test_cases_replayed"] == 3
    assert stats["coverage"]["test_cases_run"] == stats["test_cases"] >= 20  # both seeds' test cases


def test_coverage_replays_failing_test_cases_too_and_says_they_raised(fuzz, monkeypatch, tmp_path):
    _on_ape_test_provider()
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: toys.OverflowingCounter)])
    result = invoke(fuzz, tmp_path, "--suite oracle --examples 50 --steps 10 --seed 5 --coverage all")
    assert result.exit_code == 1, result.output  # the failure is reported as ever
    coverage = _coverage(tmp_path, "counter")["coverage"]
    assert 1 <= coverage["replayed_test_cases_that_raised"] < coverage["test_cases_replayed"]
    assert "replayed test case(s) raised (a failing example raises again)" in result.output


def test_a_plain_python_run_connects_the_test_provider_itself(tmp_path):
    command = [sys.executable, str(ROOT / "scripts" / "fuzz.py"), "--suite", "stablecoin", "--examples", "3"]
    command += ["--steps", "3", "--seed", "1", "--coverage", "1", "--no-database", "--no-regression-file"]
    command += ["--report-dir", str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "statement coverage of 1 sampled test case of " in done.stdout
    coverage = json.loads((tmp_path / "stablecoin.json").read_text())["coverage"]
    [dollar] = [row for row in coverage["sources"] if row["covered"]]
    assert dollar["source"] == "contracts/MockStablecoin.vy"


def test_coverage_without_an_ape_provider_is_a_one_line_error(fuzz, monkeypatch, tmp_path):
    import ape

    def unavailable(*args, **kwargs):
        raise RuntimeError("no provider here")

    monkeypatch.setattr(type(ape.networks), "active_provider", property(lambda self: None))
    monkeypatch.setattr(type(ape.networks), "parse_network_choice", unavailable)
    monkeypatch.setitem(fuzz.CAMPAIGNS, "oracle", [("counter", lambda backend: toys.Counter)])
    result = invoke(fuzz, tmp_path, "--suite oracle --examples 5 --steps 2 --seed 1 --coverage 2")
    assert result.exit_code == 1
    assert result.output == (
        "Error: --coverage needs Ape's test provider (no provider here): "
        "run it under `ape run fuzz ...` (Ape's default network, ethereum:local:test)\n"
    )
    assert not (tmp_path / "reports").exists()  # refused before any campaign ran


@pytest.mark.parametrize(("value", "message"), [("0", "must be at least 1 (or `all`)"), ("some", "or `all`")])
def test_a_bad_coverage_sample_is_a_usage_error(fuzz, value, message):
    result = CliRunner().invoke(fuzz.cli, ["--coverage", value])
    assert result.exit_code == 2 and message in result.output


# --- usage errors and the real machines ------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--suite", "everything"], "Invalid value for '--suite': 'everything' is not one of"),
        (["--workers", "0"], "Invalid value for '--workers': must be at least 1"),
        (["--examples", "0"], "Invalid value for '--examples': must be at least 1"),
        (["--time-budget", "0"], "Invalid value for '--time-budget': must be more than 0 seconds"),
    ],
)
def test_bad_options_are_usage_errors(fuzz, args, message):
    result = CliRunner().invoke(fuzz.cli, args)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("suite", ["token", "factory", "oracle", "registry", "settlement", "stablecoin", "offering"])
def test_each_suite_runs_its_machines_on_the_engine(fuzz, suite, tmp_path):
    result = invoke(fuzz, tmp_path, "--suite", suite, "--examples", "3", "--steps", "5", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert result.output.count(": passed, ") == (2 if suite == "token" else 1)
    assert result.output.rstrip().splitlines()[-1].startswith("fuzz: every property held;")
    assert len(list((tmp_path / "reports").glob("*.json"))) == (2 if suite == "token" else 1)


def test_the_project_campaigns_name_their_machine_classes():
    from tests.fuzz.campaigns import CAMPAIGNS, MACHINES

    assert set(MACHINES) == {label for builders in CAMPAIGNS.values() for label, _ in builders}


def test_progress_lines_count_test_cases_and_seconds(fuzz):
    import io

    log = io.StringIO()  # not a terminal: a line per interval (here: every test case)
    outcome = fuzz.run_campaign("counter", toys.Counter, examples=20, steps=5, seed=3, every=0, stream=log)
    assert outcome.failures == []
    lines = log.getvalue().splitlines()
    assert len(lines) == outcome.test_cases >= 20
    assert lines[0] == "  counter: 1 test cases (20 examples asked), 0 s"
    assert lines[-1].startswith(f"  counter: {outcome.test_cases:,} test cases (20 examples asked), ")


# --- the floor: Hypothesis alone ---------------------------------------------------------------------
def test_a_hollow_machine_draws_the_same_rules_and_arguments_and_does_nothing(fuzz):
    from tests.fuzz.stateful.test_stablecoin_machine import StablecoinMachine

    hollow = fuzz.hollow(StablecoinMachine)
    original, empty = StablecoinMachine.setup_state(), hollow.setup_state()
    assert sorted(r.function.__name__ for r in empty.rules) == sorted(r.function.__name__ for r in original.rules)
    by_name = {r.function.__name__: r for r in original.rules}
    for r in empty.rules:
        assert r.arguments == by_name[r.function.__name__].arguments
        assert r.preconditions == ()
        assert r.function(object(), **dict.fromkeys(r.arguments)) is None
    assert len(empty.invariants) == 1
    outcome = fuzz.run_campaign("hollow stablecoin", hollow, examples=20, steps=10, seed=1, every=1e9)
    assert outcome.failures == [] and outcome.test_cases >= 20


def test_floor_runs_every_machine_hollow_and_writes_no_regression(fuzz, tmp_path):
    result = invoke(fuzz, tmp_path, "--suite", "token", "--examples", "5", "--steps", "5", "--seed", "1", "--floor")
    assert result.exit_code == 0, result.output
    assert "hollow machines (--floor: Hypothesis alone)" in result.output.splitlines()[0]
    assert result.output.count(": passed, ") == 2
    stats = json.loads(next((tmp_path / "reports").glob("*.json")).read_text())
    assert stats["test_cases"] >= 5
    assert not (tmp_path / "regressions").exists()


def test_floor_with_coverage_is_a_usage_error(fuzz):
    result = CliRunner().invoke(fuzz.cli, ["--floor", "--coverage", "3"])
    assert result.exit_code == 2
    assert "--floor runs no contract: it has no coverage" in result.output
