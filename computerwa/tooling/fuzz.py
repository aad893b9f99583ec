"""Long Hypothesis campaigns over state machines, with progress, for `ape run fuzz`: `run_campaign`
runs one machine with a seed and returns what happened, `describe` turns a failure into its
exception, where the project raised it, and the shrunk steps; `replay_command` the command
that replays it. The machines themselves live with the tests (tests/fuzz/campaigns.py)."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

SUITES = (
    "token",
    "oracle",
    "registry",
    "settlement",
    "stablecoin",
)  # tests/fuzz/campaigns.py builds each one's machines


@dataclass
class Outcome:
    label: str
    test_cases: int
    seconds: float
    error: BaseException | None = None


class Progress:
    """One line of progress: rewritten in place on a terminal, a line every `every` s in a log."""

    def __init__(self, label: str, examples: int, every: float, stream=None):
        self.label, self.examples, self.every = label, examples, every
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self.count, self.started = 0, time.monotonic()
        self.last = self.started

    def line(self) -> str:
        return f"  {self.label}: {self.count:,} test cases ({self.examples:,} examples asked), {self.elapsed():.0f} s"

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def tick(self) -> None:
        self.count += 1
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


def run_campaign(
    label: str, factory: Callable, *, examples: int, steps: int, seed: int, every: float = 10.0, stream=None
) -> Outcome:
    """Runs a state machine's campaign; returns what happened (the error, if it failed).
    Hypothesis prints the shrunk failing steps to stdout before this returns."""
    from hypothesis import HealthCheck, Verbosity, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.stateful import get_state_machine_test

    progress = Progress(label, examples, every, stream)

    def counted():
        progress.tick()
        return factory()

    campaign_settings = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=False,
        print_blob=False,
        verbosity=Verbosity.normal,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    # Hypothesis only calls the "class" to make a machine: a factory will do (as in tests/)
    test = hypothesis_seed(seed)(get_state_machine_test(counted, settings=campaign_settings))  # type: ignore[arg-type]
    error = None
    try:
        test()
    except Exception as err:  # a falsified property (or a flaky machine): reported by the caller
        error = err
    finally:
        progress.done()
    return Outcome(label, progress.count, progress.elapsed(), error)


def replay_command(suite: str, examples: int, steps: int, seed: int) -> str:
    return f"ape run fuzz --suite {suite} --examples {examples} --steps {steps} --seed {seed}"


def describe(error: BaseException) -> str:
    """The failure: the exception, where the project raised it, and the shrunk steps
    (Hypothesis attaches them to the exception as notes)."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if "/tests/" in frame.filename or "/computerwa/" in frame.filename
    ]
    lines = [f"  {type(error).__name__}: {error}".rstrip()]
    if frames:
        lines.append(f"    at {_short(frames[-1].filename)}:{frames[-1].lineno} ({frames[-1].name})")
    notes = getattr(error, "__notes__", [])
    if notes:
        lines.append("  the shrunk failing example, step by step:")
        lines.extend("    " + line for note in notes for line in str(note).splitlines())
    return "\n".join(lines)


def _short(filename: str) -> str:
    for marker in ("/tests/", "/computerwa/"):
        if marker in filename:
            return marker.strip("/") + "/" + filename.split(marker, 1)[1]
    return filename
