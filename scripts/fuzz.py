"""A long Hypothesis campaign over the property suite's state machines, on the in-process engine.

    ape run fuzz --suite all --examples 2000 --steps 100               (a random seed, printed)
    ape run fuzz --suite settlement --examples 500 --steps 50 --seed 7  (replays exactly)

Runs the state machines of tests/fuzz/stateful (token: ComputeToken with daily epochs and
with instant distribution; oracle; settlement; stablecoin) with --examples examples of up
to --steps steps each, on the exact bytecode `ape compile` built, in process: no network
is used (Ape connects its default provider anyway; it is left alone). A progress line
shows the test cases run so far and the time taken. The same --seed, --suite, --examples
and --steps replay the same campaign. On a failure Hypothesis prints the shrunk sequence
of steps, the command that replays it is printed after it, every remaining suite still
runs, and the exit status is 1.
"""

import random
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from computerwa.evm.suite import STABLE_NAME, STABLE_SYMBOL, deploy_suite

SUITES = ("token", "oracle", "settlement", "stablecoin")
MAX = 2**256 - 1


@dataclass
class Outcome:
    label: str
    test_cases: int
    seconds: float
    error: BaseException | None = None


# --- the machines, set up as tests/conftest.py and each test file set them up -------------------
def _stablecoin_deployment(backend):
    """The `stablecoin` fixture: the mock dollar, funds for the customer and the operator."""
    from tests.conftest import CUSTOMER_FUNDS, OPERATOR_FUNDS, role

    issuer = role(backend, "issuer")
    token = backend.deploy("MockStablecoin", STABLE_NAME, STABLE_SYMBOL, sender=issuer)
    token.mint(role(backend, "customer"), CUSTOMER_FUNDS, sender=issuer)
    token.mint(role(backend, "operator"), OPERATOR_FUNDS, sender=issuer)
    return token


def _token_machines(backend, mode: str):
    """`test_compute_token_machine[mode]`: node 1's token (daily) or an instant-distribution token."""
    from tests.conftest import DOCUMENTS_HASH, EPOCH_LENGTH, FOREVER, NODE_ID, role
    from tests.fuzz.stateful.test_compute_token_machine import ComputeTokenMachine

    issuer, agent, minter, relayer = (role(backend, name) for name in ("issuer", "agent", "minter", "relayer"))
    if mode == "daily":  # the `compute_token` fixture
        node_id, epoch_length, token_args = NODE_ID, EPOCH_LENGTH, ("ComputeRWA Node 1", "CN1", DOCUMENTS_HASH)
    else:  # the `instant_token` fixture
        node_id, epoch_length, token_args = 2, 0, ("ComputeRWA Node 2", "CN2", b"\x02" * 32)
    suite = deploy_suite(
        backend,
        issuer,
        stablecoin=_stablecoin_deployment(backend),
        genesis=backend.timestamp,
        epoch_length=epoch_length,
        upto="factory",
    )
    stablecoin, identity, factory = suite.stablecoin, suite.identity, suite.factory
    for name in ("investor", "holder", "customer"):
        identity.set_verified(role(backend, name), FOREVER, sender=issuer)
    factory.create_token(node_id, *token_args, issuer, agent, minter, sender=issuer)
    token = backend.at("ComputeToken", factory.token_of(node_id))
    stablecoin.mint(relayer, 10**20, sender=issuer)
    stablecoin.approve(token, MAX, sender=relayer)
    roles = (issuer, agent, minter, relayer, role(backend, "treasury"))
    return lambda: ComputeTokenMachine(backend, stablecoin, identity, token, roles)


def _oracle_machines(backend):
    from tests.conftest import role
    from tests.fuzz.stateful.test_oracle_machine import OracleMachine

    return lambda: OracleMachine(backend, *(role(backend, name) for name in ("issuer", "relayer", "attacker")))


def _settlement_machines(backend):
    from tests.fuzz.stateful.test_settlement_machine import SettlementMachine

    return lambda: SettlementMachine(backend, backend.accounts)


def _stablecoin_machines(backend):
    from tests.fuzz.stateful.test_stablecoin_machine import StablecoinMachine

    token = _stablecoin_deployment(backend)
    return lambda: StablecoinMachine(backend, token)


# suite -> [(label, builder(backend) -> machine factory)]
CAMPAIGNS: dict[str, list[tuple[str, Callable]]] = {
    "token": [
        ("token (daily epochs)", lambda backend: _token_machines(backend, "daily")),
        ("token (instant distribution)", lambda backend: _token_machines(backend, "instant")),
    ],
    "oracle": [("oracle", _oracle_machines)],
    "settlement": [("settlement", _settlement_machines)],
    "stablecoin": [("stablecoin", _stablecoin_machines)],
}


# --- running one campaign ------------------------------------------------------------------------
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
    test = hypothesis_seed(seed)(get_state_machine_test(counted, settings=campaign_settings))
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


# --- the command ---------------------------------------------------------------------------------
def _positive(ctx, param, value):
    if value < 1:
        raise click.BadParameter("must be at least 1")
    return value


@click.command(help=__doc__)
@click.option("--suite", type=click.Choice([*SUITES, "all"]), default="all", show_default=True)
@click.option("--examples", default=1_000, show_default=True, callback=_positive, help="examples per state machine")
@click.option("--steps", default=50, show_default=True, callback=_positive, help="steps per example, at most")
@click.option("--seed", type=click.IntRange(0, 2**64 - 1), default=None, help="[default: random, printed]")
@click.option("--progress-every", default=10.0, show_default=True, help="seconds between progress lines in a log")
def cli(suite, examples, steps, seed, progress_every):
    from computerwa.evm.artifacts import ArtifactsMissing, ensure_compiled, load_artifacts, project_root
    from computerwa.evm.engine import RevmChain

    root = project_root()
    if str(root) not in sys.path:  # the machines live in the project's tests package
        sys.path.insert(0, str(root))
    if seed is None:
        seed = random.SystemRandom().randrange(2**32)
    suites = list(SUITES) if suite == "all" else [suite]
    click.echo(f"fuzz: {', '.join(suites)}; {examples:,} examples x up to {steps} steps per machine, seed {seed}")
    click.echo(f"replay with: {replay_command(suite, examples, steps, seed)}")
    try:
        ensure_compiled(root)
        artifacts = load_artifacts(root)
    except ArtifactsMissing as err:
        raise click.ClickException(str(err)) from None

    started, failures, total = time.monotonic(), [], 0
    for name in suites:
        for label, build in CAMPAIGNS[name]:
            factory = build(RevmChain(artifacts=artifacts))
            try:
                outcome = run_campaign(label, factory, examples=examples, steps=steps, seed=seed, every=progress_every)
            except KeyboardInterrupt:
                click.echo(f"\ninterrupted in {label} after {time.monotonic() - started:.0f} s", err=True)
                sys.exit(130)
            total += outcome.test_cases
            if outcome.error is None:
                click.echo(f"  {label}: passed, {outcome.test_cases:,} test cases in {outcome.seconds:.1f} s")
                continue
            failures.append((name, label))
            click.echo(f"  {label}: FAILED after {outcome.test_cases:,} test cases in {outcome.seconds:.1f} s")
            click.echo(describe(outcome.error))
            click.echo(f"  replay it: {replay_command(name, examples, steps, seed)}")
    wall = time.monotonic() - started
    if failures:
        click.echo(
            f"fuzz: {len(failures)} machine(s) failed ({', '.join(label for _, label in failures)}); "
            f"{total:,} test cases in {wall:.0f} s; seed {seed}"
        )
        sys.exit(1)
    click.echo(f"fuzz: every property held; {total:,} test cases in {wall:.0f} s; seed {seed}")


def _main() -> None:  # `python scripts/fuzz.py ...` works too, without Ape's provider
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    cli()


if __name__ == "__main__":
    _main()
