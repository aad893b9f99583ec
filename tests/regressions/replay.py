"""Replays a failing sequence of steps that `ape run fuzz` found, as a plain pytest test.

Each `test_*.py` file here was written by `ape run fuzz` when a property failed: its `STEPS`
are the rules that ran, with their arguments, in order. The replay builds the machine as
the campaign did (tests/fuzz/campaigns.py, on a fresh in-process engine), then does what
Hypothesis does: the invariants once before the first step, each step followed by the
invariants, and the machine's teardown (a PropertyMachine's final sweep and `end_of_run`).
It fails while the bug is there and passes once it is fixed.

The steps run inside a one-example Hypothesis test so that rules may call `event()` and
`note()`; a rule's `st.data()` draws come back from `Draws`, in the order they were made.
"""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st


class Draws:
    """Stands in for a rule's `st.data()`: hands back the values it drew, in order."""

    def __init__(self, *values: Any):
        self.values = list(values)

    def draw(self, strategy: Any = None, label: Any = None) -> Any:
        if not self.values:
            raise AssertionError("the rule draws more values than it did when the failure was found")
        return self.values.pop(0)

    def __repr__(self) -> str:
        return f"Draws({', '.join(map(repr, self.values))})"


Step = tuple[str, dict[str, Any]]


@lru_cache(maxsize=1)
def _artifacts():
    from computerwa.evm.artifacts import ensure_compiled, load_artifacts

    ensure_compiled()
    return load_artifacts()


def replay_campaign(suite: str, label: str, steps: list[Step]) -> None:
    """Replays `steps` on the machine of campaign `label` of `suite` (tests/fuzz/campaigns.py)."""
    from computerwa.evm.engine import RevmChain
    from tests.fuzz.campaigns import CAMPAIGNS

    builders = dict(CAMPAIGNS[suite])
    if label not in builders:
        raise LookupError(f"no campaign {label!r} in suite {suite!r}: {sorted(builders)}")

    def build():
        return builders[label](RevmChain(artifacts=_artifacts()))()

    replay(build, steps)


def replay_machine(reference: str, steps: list[Step]) -> None:
    """Replays `steps` on `module:Class()` (a machine that takes no arguments)."""
    module, _, name = reference.partition(":")
    machine_class = getattr(importlib.import_module(module), name)
    replay(machine_class, steps)


# one example, no database, no shrinking: a replay runs its steps exactly once (inside @given,
# because the machines call hypothesis.event)
_ONCE = settings(
    max_examples=1,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def replay(make_machine: Callable[[], Any], steps: list[Step]) -> None:
    @_ONCE
    @given(st.just(None))
    def run(_):
        run_steps(make_machine(), copy.deepcopy(steps))

    run()


def replay_examples(make_machine: Callable[[], Any], examples: list[list[Step]]) -> list[BaseException | None]:
    """Replays each example's steps on a fresh machine, as `replay` does, and returns what each
    raised (None: it ran to the end); one that raises does not stop the others. `ape run fuzz
    --coverage` replays a campaign's sampled examples this way on py-evm."""
    results: list[BaseException | None] = []

    @_ONCE
    @given(st.just(None))
    def run(_):
        for steps in examples:
            try:
                run_steps(make_machine(), copy.deepcopy(steps))
            except Exception as err:  # a failing example fails again; Hypothesis's assume() too
                results.append(err)
            else:
                results.append(None)

    run()
    return results


def run_steps(machine: Any, steps: list[Step]) -> None:
    """Hypothesis's loop for a state machine (hypothesis.stateful), on given steps."""
    rules = {rule.function.__name__: rule for rule in [*machine.rules, *machine._initialize_rules_to_run]}
    where = "in the checks before the first step"
    try:
        _check_invariants(machine)
        for number, (name, arguments) in enumerate(steps, 1):
            rule = rules[name]
            where = f"in step {number} ({name})"
            if rule in machine._initialize_rules_to_run:
                machine._initialize_rules_to_run.remove(rule)
            rule.function(machine, **arguments)
            where = f"in the checks after step {number} ({name})"
            _check_invariants(machine)
    except BaseException as err:
        err.add_note(f"replay: failed {where}")
        raise
    finally:
        failing = sys.exc_info()[1] is not None
        try:
            machine.teardown()
        except BaseException as err:
            if not failing:
                err.add_note("replay: failed at the end of the run (teardown: the final checks)")
            raise


def _check_invariants(machine: Any) -> None:
    for invariant in machine.invariants:
        if machine._initialize_rules_to_run and not invariant.check_during_init:
            continue
        if not all(precondition(machine) for precondition in invariant.preconditions):
            continue
        invariant.function(machine)
