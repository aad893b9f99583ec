"""A long Hypothesis campaign over the property suite's state machines, on the in-process engine.

    ape run fuzz --suite all --examples 2000 --steps 100               (a random seed, printed)
    ape run fuzz --suite settlement --examples 500 --steps 50 --seed 7  (replays exactly)

Runs the state machines of tests/fuzz/stateful (token: ComputeToken with daily epochs and
with one-second epochs; oracle; settlement; stablecoin) with --examples examples of up
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
from pathlib import Path

import click

from computerwa.evm.artifacts import project_root
from computerwa.tooling.fuzz import SUITES, describe, replay_command, run_campaign

# suite -> [(label, builder(backend) -> machine factory)]: tests/fuzz/campaigns.py's, filled on
# first use (the machines live in the project's tests package); a test may put its own first
CAMPAIGNS: dict = {}


def _load_campaigns() -> None:
    root = str(project_root())
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests.fuzz.campaigns import CAMPAIGNS as machines

    for name, builders in machines.items():
        CAMPAIGNS.setdefault(name, builders)


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
    from computerwa.evm.artifacts import ArtifactsMissing, ensure_compiled, load_artifacts
    from computerwa.evm.engine import RevmChain

    root = project_root()
    _load_campaigns()
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
