"""tests/fuzz/properties.py, the machines' shared base: which checks run after which step, the
sweeps, the end of the run, and the failure messages an auditor reads."""

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import rule, run_state_machine_as_test

from tests.fuzz import properties
from tests.fuzz.properties import CHECKS, PropertyMachine, check, equal, require


class Ledger(PropertyMachine):
    """Two counters; `a` is watched, `b` is checked after every step; `lie` breaks `a` silently."""

    SWEEP_EVERY = 4

    def __init__(self):
        super().__init__()
        self.a = self.b = 0
        self.model_a = 0
        self.ran: list[str] = []
        self.exited = False

    @rule()
    def add_a(self):
        self.a += 1
        self.model_a += 1
        self.touch("a")

    @rule()
    def add_b(self):
        self.b += 1

    @check("TST-1", watches=("a",))
    def a_matches(self):
        self.ran.append("TST-1")
        equal("TST-1", "a equals the model", self.a, self.model_a)

    @check("TST-2")
    def b_non_negative(self):
        self.ran.append("TST-2")
        assert self.b >= 0

    def end_of_run(self):
        self.exited = True


@pytest.fixture(autouse=True)
def _every_check():
    properties.only(None)
    yield
    properties.only(None)


def steps(machine, *names):
    """Runs rules by name as Hypothesis does: each followed by `properties`."""
    machine.properties()  # Hypothesis checks once before the first step
    for name in names:
        getattr(machine, name)()
        machine.properties()


def test_a_watched_check_runs_only_after_a_step_that_touched_it_and_in_sweeps():
    machine = Ledger()
    steps(machine, "add_b", "add_b", "add_a", "add_b", "add_b")
    # call 1 sweeps (both); calls 2, 3 (add_b): TST-2 only; call 4 (add_a): both; call 5 sweeps; call 6: TST-2
    assert machine.ran == ["TST-1", "TST-2", "TST-2", "TST-2", "TST-1", "TST-2", "TST-1", "TST-2", "TST-2"]


def test_a_forgotten_touch_is_caught_by_the_next_sweep():
    machine = Ledger()
    steps(machine, "add_b")  # checks 1 (a sweep) and 2
    machine.a += 5  # changed without touching "a"
    for _ in range(2):  # checks 3 and 4: TST-1 is not run
        machine.add_b()
        machine.properties()
    machine.add_b()
    expected = r"^TST-1: a equals the model \(actual=5, expected=0\) \[TST-1 a_matches\]$"
    with pytest.raises(AssertionError, match=expected):
        machine.properties()  # check 5: the sweep


def test_the_end_of_a_run_sweeps_every_check_then_lets_everyone_exit():
    machine = Ledger()
    steps(machine, "add_b")
    machine.ran.clear()
    machine.teardown()
    assert machine.ran == ["TST-1", "TST-2"]
    assert machine.exited


def test_sweeping_says_when_checks_read_everything():
    seen = []

    class Narrowing(Ledger):
        @check("TST-3")
        def narrows(self):
            seen.append((self.steps, self.sweeping()))

    machine = Narrowing()
    steps(machine, "add_b", "add_b", "add_b", "add_b")
    machine.teardown()
    assert seen == [(1, True), (2, False), (3, False), (4, False), (5, True), (5, True)]


def test_the_end_of_a_failing_run_adds_no_second_failure():
    machine = Ledger()
    machine.a = 3
    try:
        raise RuntimeError("the step's own failure")
    except RuntimeError:
        machine.teardown()  # what Hypothesis does in its `finally`
    assert machine.ran == [] and not machine.exited


def test_a_bare_assert_in_a_check_is_named_by_its_ids():
    machine = Ledger()
    machine.b = -1
    with pytest.raises(AssertionError, match=r"^TST-2 b_non_negative: "):
        machine.properties()


def test_require_and_equal_show_the_values_compared():
    with pytest.raises(AssertionError, match=r"^SET-2: held covers owed \(held=4, owed=5\)$"):
        require(4 >= 5, "SET-2", "held covers owed", held=4, owed=5)
    require(True, "SET-2", "never shown", held=1)
    with pytest.raises(AssertionError, match=r"^REV-1: streaming \(actual=7, expected=8\)$"):
        equal("REV-1", "streaming", 7, 8)
    equal("REV-1", "streaming", 8, 8)


def test_only_narrows_the_checks_and_checks_are_counted():
    machine = Ledger()
    before = CHECKS.copy()
    properties.only({"TST-2"})
    machine.a = 9  # TST-1 would fail: it is not checked
    steps(machine, "add_a", "add_b")
    assert "TST-1" not in machine.ran
    assert CHECKS["TST-2"] - before["TST-2"] == 3
    assert CHECKS["TST-1"] == before["TST-1"]


def test_a_check_needs_property_ids():
    with pytest.raises(ValueError, match="needs property IDs"):
        check()
    with pytest.raises(ValueError, match="needs property IDs"):
        check("nonsense")


def test_the_machines_checks_and_ids_are_listed_base_first():
    assert [f.__name__ for f in Ledger.checks()] == ["a_matches", "b_non_negative"]
    assert Ledger.property_ids() == {"TST-1", "TST-2"}


class Broken(Ledger):
    @rule(n=st.integers(0, 3))
    def lie(self, n):
        self.a += n  # not in the model
        self.touch("a")


def test_hypothesis_finds_the_break_with_its_id():
    with pytest.raises(AssertionError, match=r"^TST-1: a equals the model \(actual=1, expected=0\)"):
        run_state_machine_as_test(Broken, settings=settings(max_examples=200, stateful_step_count=10, database=None))


# --- the real machines -------------------------------------------------------------------------
def _machine(path: str):
    import importlib

    module, name = path.split(":")
    return importlib.import_module(module), getattr(importlib.import_module(module), name)


def test_every_id_a_machine_names_is_one_it_declares():
    """A machine's messages name only the IDs `--invariant` finds it by, and it declares no ID it never names."""
    import inspect
    import re

    from tests.fuzz.campaigns import MACHINES

    for module, machine in map(_machine, sorted(set(MACHINES.values()))):
        families = "REV|TOK|CMP|STB|ORA|REG|SET|ALL|FAC|ID|NOF|BSK|FEED|RNT"
        named = set(re.findall(rf'"((?:{families})-\d+)"', inspect.getsource(module)))
        assert named == machine.property_ids(), f"{machine.__name__}: {named ^ machine.property_ids()}"


def test_properties_md_says_how_to_deepen_every_machine_id():
    import re
    from pathlib import Path

    from tests.fuzz.campaigns import CAMPAIGNS, MACHINES

    text = (Path(__file__).resolve().parents[2] / "PROPERTIES.md").read_text()
    head, table = text.split("## Deepening one property", 1)
    table = table[: table.index("\n## ")]
    row = re.compile(r"^\| ([A-Z0-9]+-[A-Z0-9-]+) \| ([^|]+) \| ([^|]+) \|$", re.M)
    rows = {pid: (suites, command) for pid, suites, command in row.findall(table)}
    expected: dict[str, set[str]] = {}
    for suite, builders in CAMPAIGNS.items():
        for label, _ in builders:
            for pid in _machine(MACHINES[label])[1].property_ids():
                expected.setdefault(pid, set()).add(suite)
    machine_rows = {pid: row for pid, row in rows.items() if row[0] != "—"}
    assert set(machine_rows) == set(expected)
    for pid, (suites, command) in machine_rows.items():
        assert set(suites.split(", ")) == expected[pid], pid
        assert command == f"`ape run fuzz --invariant {pid} --examples 20000`"
    assert set(re.findall(r"^\| ([A-Z0-9]+-[A-Z0-9-]+) \|", head, re.M)) == set(rows), "an ID lacks a deepening row"
