"""Long Hypothesis campaigns over state machines for `ape run fuzz`, with reports an auditor can act on.

`run_campaign` runs one machine with a seed and returns an `Outcome`: every distinct failure
(Hypothesis's exception groups unwrapped) as a `Failure` that knows the rules that ran with
their arguments, where it failed (which step, which check, or the end of the run) and where
the project raised it; statistics (calls and reverts per rule, checks per property ID, rates).
`describe` prints a failure, `regression_source` turns it into a standalone pytest file that
replays it (tests/regressions/), `install_assertion_rewriting` makes bare asserts show the
values they compared outside pytest. The machines themselves live with the tests
(tests/fuzz/campaigns.py).

How steps are recorded: the machine class's Hypothesis `Rule` and `Invariant` objects get a
thin wrapper (once per class; it does nothing unless a campaign is running in this process)
that records each rule's name and arguments, counts calls, and notes whether the call raised
`Reverted` (an expected revert: the machine caught it). The machine's `teardown` is wrapped
per instance to tag the exception that ends a run with where it happened and the steps so far.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib.abc
import importlib.machinery
import math
import random
import re
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SUITES = (
    "token",
    "factory",
    "oracle",
    "registry",
    "settlement",
    "stablecoin",
    "offering",
    "basket",
    "feed",
    "rentals",
)  # tests/fuzz/campaigns.py builds each one's machines


# --- readable bare asserts outside pytest --------------------------------------------------------
class _RewritingFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the modules of `package` with pytest's assertion rewriting, as pytest would:
    a failing `assert a == b` says `assert 149 == 150` instead of a bare AssertionError."""

    def __init__(self, package: str):
        self.package = package

    def find_spec(self, name, path, target=None):
        if name != self.package and not name.startswith(self.package + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not str(spec.origin).endswith(".py"):
            return spec
        spec.loader = self
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        from _pytest.assertion.rewrite import rewrite_asserts

        filename = module.__spec__.origin
        source = Path(filename).read_bytes()
        tree = ast.parse(source, filename)
        rewrite_asserts(tree, source, filename, None)
        exec(compile(tree, filename, "exec", dont_inherit=True), module.__dict__)


def install_assertion_rewriting(package: str = "tests") -> bool:
    """Rewrites the asserts of `package`'s modules imported from now on (not when pytest already
    rewrites them, nor twice). Returns whether a finder was installed."""
    for finder in sys.meta_path:
        if isinstance(finder, _RewritingFinder) and finder.package == package:
            return False
        if type(finder).__name__ == "AssertionRewritingHook":  # running under pytest
            return False
    try:
        import _pytest.assertion.rewrite  # noqa: F401
    except ImportError:  # pytest is a test dependency; without it asserts stay bare
        return False
    sys.meta_path.insert(0, _RewritingFinder(package))
    return True


# --- what a campaign returns ---------------------------------------------------------------------
def pin_constant_pool() -> None:
    """Hypothesis (6.170) also draws the literal constants of every local module it has loaded
    except test files (hypothesis.internal.constants_ast): here the package and scripts/, so an
    edit anywhere in them (this runner included), or one more module loaded (the coverage
    replay's), changed the test cases a seed made. With no local module counted, a seed
    replays the same campaign as long as the machines and contracts are unchanged; the
    machines' strategies aim at the contracts' edges themselves. Call it before the first
    campaign (the pool is cached once read)."""
    from hypothesis.internal.conjecture import providers

    if not getattr(providers.is_local_module_file, "pinned", False):
        providers.is_local_module_file = _no_local_module  # type: ignore[assignment]


def _no_local_module(path: str) -> bool:
    return False


_no_local_module.pinned = True  # type: ignore[attr-defined]


class Stop(KeyboardInterrupt):
    """Ends a campaign early (time budget, --fail-fast elsewhere, an interrupt): Hypothesis lets a
    KeyboardInterrupt through at once, without recording the test case (any other exception
    would be a failure)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Draws:
    """The values a rule drew from `st.data()`, in order: in a replay it stands in for the
    DataObject and hands them back (tests/regressions/replay.py has the same class)."""

    def __init__(self, *values: Any):
        self.values = list(values)

    def draw(self, strategy: Any = None, label: Any = None) -> Any:
        return self.values.pop(0)

    def __repr__(self) -> str:
        return f"Draws({', '.join(map(repr, self.values))})"


class _RecordingData:
    """Wraps a rule's DataObject: draws go through and are kept (copied) for the replay."""

    def __init__(self, data: Any):
        self._data = data
        self.drawn = Draws()

    def draw(self, strategy: Any, label: Any = None) -> Any:
        value = self._data.draw(strategy, label)
        self.drawn.values.append(copy.deepcopy(value))
        return value

    def __getattr__(self, name: str) -> Any:
        return getattr(self._data, name)


Step = tuple[str, dict[str, Any]]


@dataclass
class Failure:
    """One distinct failure of a campaign."""

    error_type: str
    message: str
    where: str  # "in step 3 (withdraw)", "in the checks after step 3 (withdraw): <check>", "at the end of the run"
    location: str  # where the project raised it: "tests/fuzz/stateful/...py:123 (check_name)"
    machine: str  # the machine class's name
    steps: list[Step] | None  # the rules that ran, with their arguments (None: not recorded)
    shrunk: bool = True  # False: the campaign stopped before Hypothesis shrank it
    notes: list[str] = field(default_factory=list)
    error: BaseException | None = field(default=None, repr=False, compare=False)

    @property
    def signature(self) -> tuple[str, str]:
        """What makes two failures distinct, as for Hypothesis: the exception's type and origin."""
        return self.error_type, self.location

    def portable(self) -> Failure:
        """A copy without the exception object (for another process)."""
        return Failure(**{**{k: getattr(self, k) for k in self.__dataclass_fields__}, "error": None})


@dataclass
class Stats:
    """What a campaign exercised: per rule calls and the calls that met an expected revert; calls
    of each Hypothesis invariant; checks per property ID (PropertyMachine's CHECKS). `seconds`
    is wall time, `cpu_seconds` the campaign's process CPU time: its rate does not depend on
    what else the machine was doing (`test_cases_per_cpu_second`)."""

    label: str
    test_cases: int = 0
    steps: int = 0
    seconds: float = 0.0
    rules: dict[str, dict[str, int]] = field(default_factory=dict)
    invariants: dict[str, int] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)
    cpu_seconds: float = 0.0

    @property
    def test_cases_per_second(self) -> float:
        return self.test_cases / self.seconds if self.seconds > 0 else 0.0

    @property
    def test_cases_per_cpu_second(self) -> float:
        return self.test_cases / self.cpu_seconds if self.cpu_seconds > 0 else 0.0

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else 0.0

    def merge(self, other: Stats) -> Stats:
        """Two runs of one machine (seeds of the same campaign in parallel) as one: counts and CPU
        time add up, the wall time is the longest."""
        rules = {name: dict(counts) for name, counts in self.rules.items()}
        for name, counts in other.rules.items():
            mine = rules.setdefault(name, {"calls": 0, "reverted": 0})
            for key, value in counts.items():
                mine[key] = mine.get(key, 0) + value
        return Stats(
            self.label,
            self.test_cases + other.test_cases,
            self.steps + other.steps,
            max(self.seconds, other.seconds),
            rules,
            dict(Counter(self.invariants) + Counter(other.invariants)),
            dict(Counter(self.checks) + Counter(other.checks)),
            self.cpu_seconds + other.cpu_seconds,
        )

    def as_json(self) -> dict:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        data["cpu_seconds"] = round(self.cpu_seconds, 3)
        data["test_cases_per_second"] = round(self.test_cases_per_second, 2)
        data["test_cases_per_cpu_second"] = round(self.test_cases_per_cpu_second, 2)
        data["steps_per_second"] = round(self.steps_per_second, 1)
        for counts in data["rules"].values():
            counts["revert_ratio"] = round(counts["reverted"] / counts["calls"], 4) if counts["calls"] else 0.0
        return data

    def lines(self) -> list[str]:
        """A few readable lines for the end of a run."""
        lines = [
            f"  {self.label}: {self.test_cases:,} test cases in {self.seconds:.1f} s "
            f"({self.test_cases_per_second:,.1f}/s; {self.cpu_seconds:.1f} s of CPU: "
            f"{self.test_cases_per_cpu_second:,.1f}/s), {self.steps:,} steps ({self.steps_per_second:,.0f}/s)"
        ]
        if self.rules:
            ranked = sorted(self.rules.items(), key=lambda item: -item[1]["calls"])
            shown = [
                f"{name} {c['calls']:,}"
                + (f" ({100 * c['reverted'] / c['calls']:.0f}% reverted)" if c["reverted"] else "")
                for name, c in ranked
            ]
            lines.append("    rules: " + ", ".join(shown))
        if self.checks:
            lines.append("    checks: " + ", ".join(f"{pid} {n:,}" for pid, n in sorted(self.checks.items())))
        elif self.invariants:
            lines.append("    invariants: " + ", ".join(f"{n} {c:,}" for n, c in sorted(self.invariants.items())))
        return lines


@dataclass
class Outcome:
    label: str
    test_cases: int
    seconds: float
    failures: list[Failure] = field(default_factory=list)
    stopped: str | None = None  # why the campaign ended early: "time budget", "interrupted", ...
    stats: Stats | None = None
    sample: Sample | None = None  # the recorded steps of some test cases (--coverage)

    @property
    def error(self) -> BaseException | None:
        return self.failures[0].error if self.failures else None

    def portable(self) -> Outcome:
        return Outcome(
            self.label,
            self.test_cases,
            self.seconds,
            [f.portable() for f in self.failures],
            self.stopped,
            self.stats,
            self.sample.portable() if self.sample is not None else None,
        )


# --- a sample of the test cases, replayed for statement coverage (--coverage) --------------------
class Sample:
    """A uniform random sample of at most `size` of the test cases a campaign ran (None: all of
    them), each as the rules that ran with their arguments: reservoir sampling (Algorithm R)
    with a seeded generator, so the same campaign keeps the same sample. Memory holds `size`
    step lists whatever the number of test cases."""

    def __init__(self, size: int | None, seed: Any):
        if size is not None and size < 1:
            raise ValueError("a sample holds at least one test case")
        self.size = size
        self.seen = 0  # test cases offered
        self.items: list[list[Step]] = []
        self.dropped = 0  # sampled test cases left out: an argument that cannot leave the process
        self._random = random.Random(f"computerwa fuzz sample: {seed}")

    @property
    def everything(self) -> bool:
        return self.size is None or self.seen <= self.size

    def offer(self, steps: list[Step]) -> None:
        self.seen += 1
        if self.size is None or len(self.items) < self.size:
            self.items.append(steps)
            return
        slot = self._random.randrange(self.seen)
        if slot < self.size:
            self.items[slot] = steps

    def portable(self) -> Sample:
        """The sample for another process: a test case whose arguments do not pickle is left out
        (and counted in `dropped`) rather than lose the whole outcome on the way."""
        import pickle

        kept = []
        for steps in self.items:
            try:
                pickle.dumps(steps)
            except Exception:
                self.dropped += 1
            else:
                kept.append(steps)
        self.items = kept
        return self

    @classmethod
    def merge(cls, samples: list[Sample], size: int | None, seed: Any) -> Sample:
        """The samples of several runs (the seeds of one machine over workers) as one uniform
        sample of all their test cases: each pick takes a run with probability proportional to
        the test cases it has not yet given, then one of that run's sampled ones."""
        merged = cls(size, seed)
        merged.seen = sum(sample.seen for sample in samples)
        merged.dropped = sum(sample.dropped for sample in samples)
        pools = [(sample.seen, list(sample.items)) for sample in samples if sample.seen]
        if size is None or merged.seen <= size:
            merged.items = [steps for _, items in pools for steps in items]
            return merged
        left = [seen for seen, _ in pools]
        for _ in range(size):
            pick = merged._random.randrange(sum(left))
            index = 0
            while pick >= left[index]:
                pick -= left[index]
                index += 1
            items = pools[index][1]
            merged.items.append(items.pop(merged._random.randrange(len(items))))
            left[index] -= 1
        return merged


@dataclass
class Coverage:
    """The statement coverage of a campaign's sampled test cases, replayed on py-evm: one row
    per source file of ours (statements, covered, percent, lines with a missed statement)."""

    replayed: int  # test cases replayed
    test_cases: int  # test cases the campaign ran
    everything: bool  # all of them (--coverage all, or fewer than the sample size)
    seconds: float
    sources: list[dict[str, Any]]
    raised: int = 0  # replayed test cases that raised (as the campaign's failing ones did)
    dropped: int = 0  # sampled test cases a worker could not send back (Sample.portable)

    def description(self) -> str:
        if self.everything:
            return f"statement coverage of all {self.test_cases:,} test cases, replayed on py-evm"
        cases = "test case" if self.replayed == 1 else "test cases"
        return (
            f"statement coverage of {self.replayed:,} sampled {cases} of {self.test_cases:,} "
            "(a sample: --coverage all replays every one), replayed on py-evm"
        )

    def reached(self) -> list[dict[str, Any]]:
        return [row for row in self.sources if row["covered"]]

    def as_json(self) -> dict[str, Any]:
        return {
            "description": self.description(),
            "test_cases_replayed": self.replayed,
            "test_cases_run": self.test_cases,
            "sampled": not self.everything,
            "replay_seconds": round(self.seconds, 1),
            "replayed_test_cases_that_raised": self.raised,
            "sampled_test_cases_dropped": self.dropped,
            "sources": self.sources,
        }

    def lines(self) -> list[str]:
        lines = [f"    {self.description()}, {self.seconds:.0f} s:"]
        for row in self.reached():
            lines.append(
                f"      {row['source']}: {row['covered']} of {row['statements']} statements ({row['percent']:.1f}%)"
            )
        missing = [Path(row["source"]).name for row in self.sources if not row["covered"]]
        if missing:
            lines.append(f"      not reached: {', '.join(missing)}")
        if self.raised:
            lines.append(f"      {self.raised} replayed test case(s) raised (a failing example raises again)")
        if self.dropped:
            lines.append(f"      {self.dropped} sampled test case(s) left out: arguments a worker could not send")
        return lines


def measure_coverage(
    build: Callable[[], Callable[[], Any]],
    examples: list[list[Step]],
    replay: Callable[[Callable[[], Any], list[list[Step]]], list[BaseException | None]],
    root: Path | None = None,
) -> tuple[list[dict[str, Any]], int, float]:
    """Replays `examples` with computerwa.tooling.coverage's Recorder hooked into py-evm:
    `build()` deploys the campaign (its constructors count) and returns the machine factory,
    `replay(factory, examples)` runs them (tests/regressions/replay.py's `replay_examples`).
    Returns the rows per source file, how many examples raised, and the seconds it took."""
    from computerwa.tooling.coverage import Recorder, rows, statement_report

    started = time.monotonic()
    recorder = Recorder()
    recorder.install()
    try:
        factory = build()
        results = replay(factory, examples)
    finally:
        recorder.uninstall()
    executed, _ = recorder.executed(root)
    seconds = time.monotonic() - started
    return rows(statement_report(executed, root)), sum(result is not None for result in results), seconds


def coverage_chain(artifacts: dict | None = None) -> Any:
    """An ApeChain (Ape's connected provider) for the coverage replay whose view calls skip
    Ape and web3 when the provider is the embedded one: the same eth_call on py-evm's latest
    block, about 6 times faster (a machine's checks make dozens of view calls per step). A view
    that reverts, or anything unexpected, is called again through Ape, which decodes the reason."""
    from eth_utils import to_canonical_address

    from computerwa.evm.ape_chain import ApeChain, ApeContract, ApeFunction
    from computerwa.evm.codec import as_address

    class FastViewFunction(ApeFunction):
        def call(self, *args: Any, sender: Any = None, pending: bool = False) -> Any:
            backend = getattr(self.contract.chain._chain.provider, "evm_backend", None)
            if pending or not self.fn.is_view or backend is None:
                return super().call(*args, sender=sender, pending=pending)
            chain = self.contract.chain
            origin = as_address(sender) if sender is not None else chain.accounts[0].address
            transaction = {
                "from": to_canonical_address(origin),
                "to": to_canonical_address(self.contract.address),
                "data": self.fn.encode(args),
                "value": 0,
            }
            try:
                output = backend.call(transaction, "latest")
            except Exception:
                return super().call(*args, sender=sender, pending=pending)
            return self.fn.decode(output)

    class FastViewContract(ApeContract):
        function_type = FastViewFunction

    class CoverageChain(ApeChain):
        def deploy(self, contract_name: str, *args: Any, sender: Any = None) -> Any:
            contract = super().deploy(contract_name, *args, sender=sender)
            contract.__class__ = FastViewContract
            return contract

        def at(self, contract_name: str, address: str) -> Any:
            contract = super().at(contract_name, address)
            contract.__class__ = FastViewContract
            return contract

    return CoverageChain(artifacts=artifacts)


# --- recording what the machine does -------------------------------------------------------------
_ACTIVE: _Recorder | None = None  # the campaign running in this process, if any
_REVERTS = [0]  # Reverted exceptions made so far in this process
_INSTRUMENTED: set[type] = set()
_TAG = "_computerwa_fuzz"  # the attribute a failing exception carries: (where, steps, machine)


def _count_reverts() -> None:
    try:
        from computerwa.evm.chain import Reverted
    except ImportError:  # pragma: no cover - the package is always there
        return
    if getattr(Reverted.__init__, "_counts_reverts", False):
        return
    original = Reverted.__init__

    def counting(self, *args, **kwargs):
        _REVERTS[0] += 1
        original(self, *args, **kwargs)

    counting._counts_reverts = True  # type: ignore[attr-defined]
    Reverted.__init__ = counting  # type: ignore[method-assign]


def _wrap_rule(function: Callable) -> Callable:
    def recorded(machine, **kwargs):
        recorder = _ACTIVE
        if recorder is None:
            return function(machine, **kwargs)
        return recorder.call_rule(function, machine, kwargs)

    recorded.__name__ = function.__name__
    recorded.__qualname__ = function.__qualname__
    recorded.__module__ = function.__module__
    recorded.__doc__ = function.__doc__
    recorded._fuzz_original = function  # type: ignore[attr-defined]
    return recorded


def _wrap_invariant(function: Callable) -> Callable:
    def recorded(machine):
        recorder = _ACTIVE
        if recorder is None:
            return function(machine)
        return recorder.call_invariant(function, machine)

    recorded.__name__ = function.__name__
    recorded.__qualname__ = function.__qualname__
    recorded.__module__ = function.__module__
    recorded._fuzz_original = function  # type: ignore[attr-defined]
    return recorded


def instrument(machine_class: type) -> None:
    """Wraps the rules and invariants of `machine_class` (once): see the module's docstring."""
    if machine_class in _INSTRUMENTED:
        return
    state = machine_class.setup_state()  # type: ignore[attr-defined]
    for rule in [*state.rules, *state.initializers]:
        if not hasattr(rule.function, "_fuzz_original"):
            rule.function = _wrap_rule(rule.function)
    for invariant in state.invariants:
        if not hasattr(invariant.function, "_fuzz_original"):
            object.__setattr__(invariant, "function", _wrap_invariant(invariant.function))
    _INSTRUMENTED.add(machine_class)


def hollow(machine_class: type) -> type:
    """`machine_class` with nothing in it: the same rules and initializers (names and argument
    strategies) with empty bodies and no preconditions, one empty invariant (a PropertyMachine
    runs one), no chain. A campaign of it measures what Hypothesis itself costs per step
    (drawing rules and arguments, swarm flags, recording choices): the floor under which no
    work in the machine or the engine can bring a campaign (`ape run fuzz --floor`)."""
    from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

    def empty(name: str) -> Callable:
        def step(self, **arguments):
            return None

        step.__name__ = step.__qualname__ = name
        return step

    state = machine_class.setup_state()  # type: ignore[attr-defined]
    namespace: dict[str, Any] = {"__module__": __name__}
    for decorator, rules in ((rule, state.rules), (initialize, state.initializers)):
        for original in rules:
            name = getattr(original.function, "_fuzz_original", original.function).__name__
            namespace[name] = decorator(**original.arguments)(empty(name))
    namespace["properties"] = invariant()(lambda self: None)
    return type(f"Hollow{machine_class.__name__}", (RuleBasedStateMachine,), namespace)


def _is_control(error: BaseException) -> bool:
    """Hypothesis's own control flow (assume, overruns) and our stops: not failures."""
    return not isinstance(error, Exception) or type(error).__module__.startswith("hypothesis")


def _snapshot(value: Any) -> Any:
    if value is None or isinstance(value, int | str | bytes | float | bool):
        return value
    try:
        return copy.deepcopy(value)
    except Exception:
        return value


class _Recorder:
    def __init__(self, label: str, should_stop: Callable[[], str | None], sample: Sample | None = None):
        self.label = label
        self.should_stop = should_stop
        self.sample = sample
        self.test_cases = 0
        self.calls: Counter[str] = Counter()
        self.reverted: Counter[str] = Counter()
        self.invariant_calls: Counter[str] = Counter()
        self.steps: list[Step] = []
        self.phase = "before the first step"
        self.machine = "?"
        self.seen: dict[tuple[str, str], Failure] = {}  # the smallest run of each failure so far

    # a test case starts: Hypothesis asks the factory for a machine
    def start(self, factory: Callable) -> Any:
        from hypothesis.control import current_build_context

        reason = self.should_stop()
        if reason is not None and not current_build_context().is_final:
            raise Stop(reason)
        self.test_cases += 1
        self.steps = []
        self.phase = "while building the machine"
        machine = factory()
        self.machine = type(machine).__name__
        instrument(type(machine))
        original = machine.teardown

        def teardown():
            if self.sample is not None:  # the test case's steps are complete
                self.sample.offer(list(self.steps))
            propagating = sys.exc_info()[1]
            if propagating is not None:
                self.tag(propagating, self.phase)
            self.phase = "at the end of the run"
            try:
                original()
            except BaseException as err:
                self.tag(err, "at the end of the run")
                raise

        machine.teardown = teardown
        self.phase = "in the checks before the first step"
        return machine

    def call_rule(self, function: Callable, machine: Any, kwargs: dict) -> Any:
        name = function.__name__
        self.calls[name] += 1
        recorded, passed = {}, {}
        for key, value in kwargs.items():
            if type(value).__name__ == "DataObject":
                proxy = _RecordingData(value)
                recorded[key], passed[key] = proxy.drawn, proxy
            else:
                recorded[key], passed[key] = _snapshot(value), value
        self.steps.append((name, recorded))
        number = len(self.steps)
        self.phase = f"in step {number} ({name})"
        before = _REVERTS[0]
        try:
            return function(machine, **passed)
        except BaseException as err:
            self.tag(err, self.phase)
            raise
        finally:
            if _REVERTS[0] != before:
                self.reverted[name] += 1
            self.phase = f"in the checks after step {number} ({name})"

    def call_invariant(self, function: Callable, machine: Any) -> Any:
        self.invariant_calls[function.__name__] += 1
        try:
            return function(machine)
        except BaseException as err:
            where = self.phase if self.phase.startswith("in the checks") else f"in the checks ({self.phase})"
            if function.__name__ != "properties":  # a PropertyMachine's message names its check
                where += f": {function.__name__}"
            self.tag(err, where)
            raise

    def tag(self, error: BaseException, where: str) -> None:
        if getattr(error, _TAG, None) is not None or _is_control(error):
            return
        try:
            setattr(error, _TAG, (where, list(self.steps), self.machine))
        except AttributeError:  # an exception type without a __dict__
            return
        failure = failure_of(error, shrunk=False)
        known = self.seen.get(failure.signature)
        if known is None or len(failure.steps or ()) < len(known.steps or ()):
            self.seen[failure.signature] = failure


def unwrap(error: BaseException) -> list[BaseException]:
    """The failures inside Hypothesis's "found N distinct failures" exception groups, flattened."""
    if isinstance(error, BaseExceptionGroup):
        return [inner for group in error.exceptions for inner in unwrap(group)]
    return [error]


_SKIP_FRAMES = ("computerwa/tooling/fuzz.py", "tests/fuzz/properties.py", "computerwa/evm/chain.py")


def _location(error: BaseException) -> str:
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if ("/tests/" in frame.filename or "/computerwa/" in frame.filename)
        and not frame.filename.endswith(_SKIP_FRAMES)
    ]
    if not frames:
        return ""
    frame = frames[-1]
    return f"{_short(frame.filename)}:{frame.lineno} ({frame.name})"


def failure_of(error: BaseException, *, shrunk: bool = True) -> Failure:
    where, steps, machine = getattr(error, _TAG, None) or ("", None, "")
    notes = [str(note) for note in getattr(error, "__notes__", [])]
    return Failure(
        error_type=type(error).__name__,
        message=str(error),
        where=where,
        location=_location(error),
        machine=machine,
        steps=steps,
        shrunk=shrunk,
        notes=notes,
        error=error,
    )


# --- running a campaign --------------------------------------------------------------------------
class Progress:
    """One line of progress: rewritten in place on a terminal, a line every `every` s in a log."""

    def __init__(self, label: str, examples: int, every: float, stream=None):
        self.label, self.examples, self.every = label, examples, every
        self.stream = stream or sys.stdout
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.count, self.started = 0, time.monotonic()
        self.last = self.started
        self.failing = 0

    def line(self) -> str:
        failing = f", {self.failing} failure(s) found, shrinking" if self.failing else ""
        failing = failing.replace("1 failure(s)", "a failure")
        return (
            f"  {self.label}: {self.count:,} test cases ({self.examples:,} examples asked){failing}, "
            f"{self.elapsed():.0f} s"
        )

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def tick(self, failing: int = 0) -> None:
        self.count += 1
        self.failing = failing
        now = time.monotonic()
        if now - self.last >= (0.5 if self.live else self.every):
            self.last = now
            self.show()

    def show(self) -> None:
        if self.live:
            self.stream.write("\r" + self.line().ljust(100))
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.live:
            self.stream.write("\r" + " " * 100 + "\r")
        self.stream.flush()


def _checks_counter() -> Counter | None:
    properties = sys.modules.get("tests.fuzz.properties")
    return getattr(properties, "CHECKS", None)


def database_key(label: str) -> bytes:
    return hashlib.sha256(f"computerwa fuzz campaign: {label}".encode()).digest()


SHRINK_SECONDS = 60.0  # `ape run fuzz --shrink-seconds`: how long a failure may be shrunk


def run_campaign(
    label: str,
    factory: Callable,
    *,
    examples: int,
    steps: int,
    seed: int,
    every: float = 10.0,
    stream=None,
    shrink: bool = True,
    database: str | Path | None = None,
    deadline: float | None = None,
    should_stop: Callable[[], str | None] | None = None,
    sample: Sample | None = None,
    shrink_seconds: float | None = SHRINK_SECONDS,
) -> Outcome:
    """Runs a state machine's campaign and returns what happened. `shrink_seconds`: the time
    Hypothesis may spend shrinking a failure (its own limit is 5 min; a long stateful example
    can take that long, so a failure found in a second is reported in a minute at most, shrunk
    as far as it got). `sample`: keeps the steps of
    a sample of the test cases (the outcome's `sample`). `database`: a folder for
    Hypothesis's example database (saved failures are replayed first); `deadline`: a
    `time.monotonic()` after which no new test case starts (the time budget); `should_stop`
    returns a reason to stop (or None), asked before each test case. Ctrl-C ends the campaign
    with what was found so far (unshrunk)."""
    global _ACTIVE
    from hypothesis import HealthCheck, Phase, Verbosity, settings
    from hypothesis.database import DirectoryBasedExampleDatabase
    from hypothesis.internal.conjecture import engine as conjecture_engine
    from hypothesis.stateful import get_state_machine_test

    _count_reverts()
    progress = Progress(label, examples, every, stream)
    cpu_started = time.process_time()

    def stop_reason() -> str | None:
        if deadline is not None and time.monotonic() >= deadline:
            return "time budget"
        return should_stop() if should_stop is not None else None

    recorder = _Recorder(label, stop_reason, sample)

    def counted():
        progress.tick(len(recorder.seen))
        return recorder.start(factory)

    phases = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target] + ([Phase.shrink] if shrink else [])
    campaign_settings = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=DirectoryBasedExampleDatabase(str(database)) if database is not None else None,
        derandomize=False,
        print_blob=False,
        phases=phases,
        verbosity=Verbosity.normal,
        suppress_health_check=list(HealthCheck),
    )
    # Hypothesis only calls the "class" to make a machine: a factory will do (as in tests/).
    # The seed as @seed sets it, without @seed's database=None (a seeded rerun replays the
    # failures saved under this campaign's own key first, then the seed's examples).
    test = get_state_machine_test(counted, settings=campaign_settings)  # type: ignore[arg-type]
    test._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]
    test._hypothesis_internal_database_key = database_key(label)  # type: ignore[attr-defined]
    checks = _checks_counter()
    checks_before = Counter(checks) if checks is not None else Counter()
    failures: list[Failure] = []
    stopped = None
    previous, _ACTIVE = _ACTIVE, recorder
    shrink_limit = conjecture_engine.MAX_SHRINKING_SECONDS
    if shrink_seconds is not None:
        conjecture_engine.MAX_SHRINKING_SECONDS = shrink_seconds  # type: ignore[assignment]
    try:
        test()
    except Stop as stop:
        stopped = stop.reason
        failures = [_unshrunk(f) for f in recorder.seen.values()]
    except KeyboardInterrupt:
        stopped = "interrupted"
        failures = [_unshrunk(f) for f in recorder.seen.values()]
    except BaseException as err:  # falsified properties (or a flaky machine): reported by the caller
        failures = [failure_of(inner) for inner in unwrap(err)]
    finally:
        _ACTIVE = previous
        conjecture_engine.MAX_SHRINKING_SECONDS = shrink_limit
        progress.done()
    checks = _checks_counter()
    checked = Counter(checks) - checks_before if checks is not None else Counter()
    stats = Stats(
        label,
        recorder.test_cases,
        sum(recorder.calls.values()),
        progress.elapsed(),
        {name: {"calls": n, "reverted": recorder.reverted[name]} for name, n in sorted(recorder.calls.items())},
        dict(sorted(recorder.invariant_calls.items())),
        dict(sorted(checked.items())),
        time.process_time() - cpu_started,
    )
    return Outcome(label, recorder.test_cases, progress.elapsed(), failures, stopped, stats, sample)


def _unshrunk(failure: Failure) -> Failure:
    failure.shrunk = False
    return failure


# --- reporting -----------------------------------------------------------------------------------
def replay_command(suite: str, examples: int, steps: int, seed: int, extra: str = "") -> str:
    return f"ape run fuzz --suite {suite} --examples {examples} --steps {steps} --seed {seed}{extra}"


def step_lines(failure: Failure) -> list[str]:
    """The sequence: the machine, then each rule that ran with its arguments (no invariant calls);
    from Hypothesis's notes when the steps were not recorded."""
    if failure.steps is None:
        invariant_or_teardown = re.compile(r"^state\.\w+\(\)$")
        return [
            line
            for note in failure.notes
            for line in note.splitlines()
            if line.startswith("state") and not invariant_or_teardown.match(line.strip())
        ]
    lines = [f"state = {failure.machine}()"]
    for name, arguments in failure.steps:
        shown = ", ".join(f"{key}={_source_or_repr(value)}" for key, value in arguments.items())
        lines.append(f"state.{name}({shown})")
    return lines


def describe(failure: Failure | BaseException) -> str:
    """The failure: the exception and its values, where it failed, where the project raised it,
    and the steps that ran."""
    if isinstance(failure, BaseException):
        failure = failure_of(failure)
    message = failure.message.splitlines() or [""]
    lines = [f"  {failure.error_type}: {message[0]}".rstrip()]
    lines.extend("    " + line for line in message[1:])
    if failure.where:
        lines.append(f"    {failure.where}")
    if failure.location:
        lines.append(f"    raised at {failure.location}")
    sequence = step_lines(failure)
    if sequence:
        count = len(failure.steps) if failure.steps is not None else len(sequence) - 1
        kind = (
            "the shrunk failing example" if failure.shrunk else "the failing example (not shrunk: the campaign stopped)"
        )
        lines.append(f"  {kind}, {count} step(s):")
        lines.extend("    " + line for line in sequence)
    return "\n".join(lines)


def _short(filename: str) -> str:
    for marker in ("/tests/", "/computerwa/"):
        if marker in filename:
            return marker.strip("/") + "/" + filename.split(marker, 1)[1]
    return filename


# --- regression files ----------------------------------------------------------------------------
class NotLiteral(ValueError):
    pass


def python_source(value: Any) -> str:
    """Python source that evaluates to `value`: literals, containers of them, and `Draws`."""
    if value is None or isinstance(value, bool | int | str | bytes):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f'float("{value}")'
    if isinstance(value, Draws):
        return f"Draws({', '.join(python_source(v) for v in value.values)})"
    if type(value) is list:
        return "[" + ", ".join(python_source(v) for v in value) + "]"
    if type(value) is tuple:
        inner = ", ".join(python_source(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if type(value) is dict:
        return "{" + ", ".join(f"{python_source(k)}: {python_source(v)}" for k, v in value.items()) + "}"
    if type(value) in (set, frozenset):
        inner = ", ".join(sorted(python_source(v) for v in value))
        return f"{type(value).__name__}([{inner}])"
    raise NotLiteral(f"a {type(value).__name__} ({value!r:.60}) is not a Python literal")


def _source_or_repr(value: Any) -> str:
    try:
        return python_source(value)
    except NotLiteral:
        return repr(value)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def regression_source(
    failure: Failure,
    *,
    target: tuple[str, ...],
    found_by: str,
    seed: int,
    test_name: str,
    path_hint: str,
) -> str:
    """A standalone pytest module that replays `failure`'s steps with tests/regressions/replay.py.
    `target`: ("campaign", suite, label) or ("machine", "module:Class"). Raises NotLiteral when
    an argument cannot be written as Python source."""
    if failure.steps is None:
        raise NotLiteral("the failing steps were not recorded")
    rows = []
    for name, arguments in failure.steps:
        shown = ", ".join(f"{python_source(key)}: {python_source(value)}" for key, value in arguments.items())
        rows.append(f"    ({name!r}, {{{shown}}}),")
    message = "\n".join("    " + line for line in f"{failure.error_type}: {failure.message}".splitlines())
    kind, *where = target
    call = (
        f"replay_campaign({where[0]!r}, {where[1]!r}, STEPS)"
        if kind == "campaign"
        else f"replay_machine({where[0]!r}, STEPS)"
    )
    uses_draws = any(isinstance(v, Draws) for _, arguments in failure.steps for v in arguments.values())
    imports = "Draws, " if uses_draws else ""
    helper = call.split("(", 1)[0]
    doc = [
        f'"""Regression: {failure.machine} failed {failure.where or "during the run"} (`ape run fuzz`, seed {seed}).',
        "",
        message.replace("\\", "\\\\").replace('"""', "'''"),
    ]
    if failure.location:
        doc.append(f"    raised at {failure.location}")
    doc += [
        "",
        f"Found by: {found_by}",
        f"Replay:   ape test {path_hint}",
        "It fails while the bug is there and passes once it is fixed: keep it as a regression test.",
        '"""',
    ]
    return "\n".join(
        [
            *doc,
            "",
            f"from tests.regressions.replay import {imports}{helper}",
            "",
            "STEPS = [",
            *rows,
            "]",
            "",
            "",
            f"def {test_name}():",
            f"    {call}",
            "",
        ]
    )


def write_regression(folder: Path, failure: Failure, *, target: tuple[str, ...], found_by: str, seed: int) -> Path:
    """Writes `failure`'s regression test into `folder` (named after the machine, the seed and the
    steps, so the same failure found again overwrites its file); formats it with ruff if it is on PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(repr((failure.machine, failure.steps)).encode()).hexdigest()[:8]
    name = f"test_{slug(target[-1] if target[0] == 'campaign' else failure.machine)}_seed{seed}_{digest}"
    path = folder / f"{name}.py"
    path.write_text(
        regression_source(
            failure, target=target, found_by=found_by, seed=seed, test_name=name, path_hint=_relative(path)
        )
    )
    _ruff_format(path)
    return path


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _ruff_format(path: Path) -> None:
    import shutil
    import subprocess

    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        return
    subprocess.run([ruff, "format", "--quiet", str(path)], check=False, capture_output=True)


def known_property_ids(classes: Iterable[type]) -> set[str]:
    ids: set[str] = set()
    for cls in classes:
        property_ids = getattr(cls, "property_ids", None)
        if callable(property_ids):
            ids |= set(property_ids())
    return ids


# --- many campaigns, in this process or in parallel ones ----------------------------------------
@dataclass
class Job:
    """One campaign run: suite, campaign label, seed and examples (a share of them when the seeds
    of one machine are split over workers); `name` is what the output calls it."""

    index: int
    suite: str
    label: str
    seed: int
    examples: int
    name: str


RunJob = Callable[[Job, Any, Callable[[], str | None], float | None], Outcome]


def budget_share(end: float | None, jobs_left: int, workers: int = 1) -> float | None:
    """The deadline of a campaign starting now: an equal share of what is left of the time budget
    (a campaign that finishes early leaves its time to the later ones)."""
    if end is None:
        return None
    now = time.monotonic()
    share = (end - now) * max(1, workers) / max(1, jobs_left)
    return min(end, now + share)


class _QueueStream:
    """A worker's progress lines, sent to the parent (which prints them)."""

    def __init__(self, queue: Any):
        self.queue = queue

    def write(self, text: str) -> None:
        if text.strip():
            self.queue.put(("progress", text.rstrip("\n")))

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _worker(
    jobs: Any, results: Any, stop: Any, started: Any, total: int, end: float | None, workers: int, run_job: RunJob
):
    import signal

    try:
        while True:
            job = jobs.get()
            if job is None:
                return
            if stop.is_set():
                results.put(("skipped", job.index, None))
                continue
            with started.get_lock():
                left = total - started.value
                started.value += 1
            deadline = budget_share(end, left, workers)

            def should_stop() -> str | None:
                return (
                    "stopped: another campaign failed (--fail-fast) or the run was interrupted"
                    if stop.is_set()
                    else None
                )

            try:
                outcome = run_job(job, _QueueStream(results), should_stop, deadline)
            except KeyboardInterrupt:
                outcome = Outcome(job.name, 0, 0.0, stopped="interrupted")
            results.put(("done", job.index, outcome.portable()))
            if outcome.stopped == "interrupted":
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                return
    except KeyboardInterrupt:  # between campaigns: nothing to report
        return


def run_parallel(
    jobs: list[Job],
    workers: int,
    run_job: RunJob,
    *,
    end: float | None,
    on_progress: Callable[[str], None],
    on_outcome: Callable[[Job, Outcome], bool],
) -> tuple[bool, list[Job]]:
    """Runs `jobs` on `workers` forked processes (each builds its own engine in `run_job`).
    `on_outcome` gets each finished job's outcome in the parent and returns whether to stop the
    others (--fail-fast). Returns (interrupted, the jobs that did not run)."""
    import multiprocessing
    import queue as queues

    context = multiprocessing.get_context("fork")
    job_queue, results = context.Queue(), context.Queue()
    stop, started = context.Event(), context.Value("i", 0)
    for job in jobs:
        job_queue.put(job)
    for _ in range(workers):
        job_queue.put(None)
    processes = [
        context.Process(
            target=_worker, args=(job_queue, results, stop, started, len(jobs), end, workers, run_job), daemon=True
        )
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    by_index = {job.index: job for job in jobs}
    waiting = set(by_index)
    skipped: list[int] = []
    interrupted = False
    grace_until: float | None = None
    while waiting:
        try:
            kind, index, payload = _next(results, queues)
        except KeyboardInterrupt:
            if interrupted:  # a second Ctrl-C: stop waiting
                break
            interrupted = True
            stop.set()
            grace_until = time.monotonic() + 30
            continue
        if kind == "timeout":
            if not any(process.is_alive() for process in processes):
                break  # a worker died without reporting (killed): what it ran is lost
            if grace_until is not None and time.monotonic() > grace_until:
                break
            continue
        if kind == "progress":
            on_progress(index)
            continue
        waiting.discard(index)
        if kind == "skipped":
            skipped.append(index)
        elif on_outcome(by_index[index], payload):
            stop.set()
    stop.set()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
    return interrupted, [by_index[i] for i in sorted([*waiting, *skipped])]


def _next(results: Any, queues: Any) -> tuple[str, Any, Any]:
    try:
        message = results.get(timeout=0.2)
    except queues.Empty:
        return ("timeout", None, None)
    if message[0] == "progress":
        return ("progress", message[1], None)
    return message
