"""What every state machine of the property suite shares: properties with IDs, checked cheaply.

A machine subclasses `PropertyMachine` and marks its property checks with `@check(ID, ...)`
instead of Hypothesis's `@invariant()`. After every step one invariant, `properties`, runs:

- each check that reads something the step could have changed: a check declares the tags it
  `watches` ("stream", "balances", ...; none: it runs after every step), and rules call
  `self.touch(tag, ...)` for what they changed. A step that moved the chain's clock touches
  "time" by itself. A rule whose every call reverted as predicted changed nothing on chain
  and touches nothing;
- every check, every `SWEEP_EVERY` steps (a full sweep), so a rule that forgot a tag is
  still caught within a few steps;
- every check again at the end of the run (in `teardown`, when no failure is already
  propagating), then the machine's `end_of_run()`: everyone exits, and only bounded dust
  may remain.

A failing check raises AssertionError whose message starts with its IDs and its name
("REV-9 token_holds_what_it_owes: ..."); `require` and `equal` put the compared values
in the message, so a failure outside pytest (`ape run fuzz`) is readable too.
`CHECKS` counts the checks run per ID (for `ape run fuzz`'s statistics); `only(ids)`
restricts the checks run to some IDs (`ape run fuzz --invariant ID` runs them deeper).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable

from hypothesis.stateful import RuleBasedStateMachine, invariant

# how many checks of each property ID ran in this process (ape run fuzz resets and prints it)
CHECKS: Counter[str] = Counter()
# property IDs to check; None: all (ape run fuzz --invariant narrows it)
_ONLY: set[str] | None = None


def only(ids: Iterable[str] | None) -> None:
    """Check only these property IDs from now on (None: every one)."""
    global _ONLY
    _ONLY = None if ids is None else set(ids)


def check(*ids: str, watches: Iterable[str] = ()) -> Callable:
    """Marks a method of a PropertyMachine as the check of property IDs `ids`, run after a
    step that touched any of `watches` (after every step if empty), in every full sweep
    and at the end of the run."""
    if not ids or not all(isinstance(pid, str) and "-" in pid for pid in ids):
        raise ValueError(f"a check needs property IDs such as 'REV-1', got {ids!r}")

    def mark(function: Callable) -> Callable:
        function.property_ids = tuple(ids)  # type: ignore[attr-defined]
        function.watches = frozenset(watches)  # type: ignore[attr-defined]
        return function

    return mark


def _show(values: dict) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in values.items())


def require(ok: bool, pid: str, claim: str, **values) -> None:
    """Fails property `pid` unless `ok`: "SET-2: claim (name=value, ...)"."""
    if not ok:
        raise AssertionError(f"{pid}: {claim}" + (f" ({_show(values)})" if values else ""))


def equal(pid: str, claim: str, actual, expected) -> None:
    """Fails property `pid` unless actual == expected, showing both."""
    if actual != expected:
        raise AssertionError(f"{pid}: {claim} (actual={actual!r}, expected={expected!r})")


class PropertyMachine(RuleBasedStateMachine):
    """A RuleBasedStateMachine whose properties are `@check`s (see the module's docstring)."""

    SWEEP_EVERY = 10  # steps between full sweeps
    # property IDs this machine checks inside its rules or end_of_run rather than in a @check
    # (outcome predictions, a transfer's REV-3, end-of-run solvency): `ape run fuzz --invariant ID`
    # runs the machine for them too (its @checks then skipped, the rules' checks kept)
    RULE_IDS: frozenset[str] = frozenset()

    def __init__(self) -> None:
        super().__init__()
        self._touched: set[str] = set()
        self._steps = 0
        self._sweeping = False
        self._clock: int | None = None

    @classmethod
    def checks(cls) -> list[Callable]:
        """Every check of this machine, in definition order (the base classes' first)."""
        cached = cls.__dict__.get("_checks")
        if cached is None:  # each class scans its MRO once, not after every step
            seen: dict[str, Callable] = {}
            for klass in reversed(cls.__mro__):
                for name, value in vars(klass).items():
                    if callable(value) and hasattr(value, "property_ids"):
                        seen[name] = value
            cached = tuple(seen.values())
            cls._checks = cached  # type: ignore[attr-defined]
        return list(cached)

    @classmethod
    def property_ids(cls) -> set[str]:
        return {pid for function in cls.checks() for pid in function.property_ids} | set(cls.RULE_IDS)

    @property
    def steps(self) -> int:
        """How many times the checks have run: once before the first step, then after each step."""
        return self._steps

    def sweeping(self) -> bool:
        """Whether the checks now running are a full sweep (periodic or the end of the run): a
        check that narrows itself to what a step touched reads everything then."""
        return self._sweeping

    def touch(self, *tags: str) -> None:
        """Marks what this step changed: the checks watching any of `tags` run after it."""
        self._touched.update(tags)

    def end_of_run(self) -> None:
        """Runs after the last step's final sweep: a machine makes everyone exit here and
        checks what is left (its solvency property). Nothing by default."""

    # --- what Hypothesis calls ---------------------------------------------------------------
    @invariant()
    def properties(self) -> None:
        self._steps += 1
        chain = getattr(self, "chain", None)
        if chain is not None:
            now = chain.timestamp
            if now != self._clock:
                self._clock = now
                self._touched.add("time")
        sweep = self._sweeping = self._steps % self.SWEEP_EVERY == 1 or self.SWEEP_EVERY == 1
        touched, self._touched = self._touched, set()
        for function in self.checks():
            if sweep or not function.watches or function.watches & touched:
                self._run(function)

    def teardown(self) -> None:
        try:
            if sys.exc_info()[0] is None:  # the run ended without a failure: sweep, then exit
                self._sweeping = True
                for function in self.checks():
                    self._run(function)
                self.end_of_run()
        finally:
            self.restore()

    def restore(self) -> None:
        """Undoes the example's chain state (the machine's own teardown)."""

    def _run(self, function: Callable) -> None:
        ids = function.property_ids
        if _ONLY is not None and _ONLY.isdisjoint(ids):
            return
        CHECKS.update(ids)
        try:
            function(self)
        except AssertionError as err:
            prefix = f"{' '.join(ids)} {function.__name__}"
            message = str(err.args[0]) if err.args else "assertion failed"
            if not message.startswith(ids):
                err.args = (f"{prefix}: {message}", *err.args[1:])
            else:
                err.args = (f"{message} [{prefix}]", *err.args[1:])
            raise
