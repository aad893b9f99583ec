"""A long Hypothesis campaign over the property suite's state machines, on the in-process engine.

    ape run fuzz --suite all --examples 2000 --steps 100               (a random seed, printed)
    ape run fuzz --suite settlement --examples 500 --steps 50 --seed 7  (replays exactly)
    ape run fuzz --suite all --examples 10000 --steps 100 --workers 2   (the deep profile: make test-deep)
    ape run fuzz --invariant SET-2 --examples 20000                     (one property, deeper)
    ape run fuzz --list-invariants                                      (property IDs -> suites)

Runs the state machines of tests/fuzz/stateful (token: ComputeToken with daily epochs and
with one-second epochs; factory; oracle; registry; settlement; stablecoin; basket: ComputeBasket
against the exact model of holding its node tokens through it) with --examples examples of
up to --steps steps each, on the exact bytecode `ape compile` built, in process: no network
is used (Ape connects its default provider anyway; it is left alone). Progress lines show
the test cases run so far. The same --seed, --suite, --examples and --steps replay the same
campaign as long as the machines and contracts are unchanged (Hypothesis draws no constants from
the package's source); --no-database for an exact replay: the example database under
.hypothesis/fuzz/ replays saved failures first.

Each distinct failure is printed with its values, where it failed (the step, the checks after
a step, or the end of the run), where the project raised it, and the rules that ran with
their arguments; a pytest file that replays it is written into tests/regressions/ (run by
`ape test`), and the command that replays the campaign is printed. Every remaining machine
still runs (unless --fail-fast) and the exit status is 1. A failure is shrunk for at most
--shrink-seconds (60 by default: a long example can take Hypothesis minutes to shrink; it is
then reported as far as it got; --no-shrink reports it as found). Ctrl-C or --time-budget stop with a
report of what ran and what was found so far. Statistics per campaign (calls and expected
reverts per rule, checks per property ID, test cases and steps per second) are printed and
written to reports/fuzz/<campaign>.json.

    ape run fuzz --suite stablecoin --examples 1000 --steps 50 --coverage 20

--coverage K adds the statement coverage the campaign reached, per source file of ours
(contracts/*.vy, the revenue_stream and compliance modules included): the steps of K of its test cases, a
uniform sample drawn with the seed (--coverage all: every test case, memory growing with
them), are replayed after the campaign on Ape's embedded test provider, whose py-evm
computerwa.tooling.coverage hooks (the in-process engine cannot be traced at speed). Only a
sample unless `all`, and the output and the JSON say so. The replay runs at Ape's speed
(seconds per test case) after the campaigns and outside --time-budget. It needs Ape's `test`
provider: `ape run fuzz` connects it; `python scripts/fuzz.py` connects it itself.

    ape run fuzz --suite all --examples 1000 --steps 50 --seed 1 --floor

--floor runs each machine hollow (computerwa.tooling.fuzz.hollow: the same rules and argument
strategies, empty bodies, no preconditions, no chain): the test cases per second it prints are
Hypothesis's own cost, the floor no work in the machines or the engine can bring a campaign
under (statistics into reports/fuzz-floor/; no database, no regression file).
"""

import dataclasses
import json
import logging
import random
import sys
import time
from pathlib import Path

import click

from computerwa.evm.artifacts import project_root
from computerwa.tooling.fuzz import (
    SHRINK_SECONDS,
    SUITES,
    Coverage,
    Failure,
    Job,
    NotLiteral,
    Outcome,
    Sample,
    Stats,
    budget_share,
    describe,
    hollow,
    install_assertion_rewriting,
    known_property_ids,
    measure_coverage,
    pin_constant_pool,
    replay_command,
    run_campaign,
    run_parallel,
    slug,
    write_regression,
)

# suite -> [(label, builder(backend) -> machine factory)]: tests/fuzz/campaigns.py's, filled on
# first use (the machines live in the project's tests package); a test may put its own first
CAMPAIGNS: dict = {}
# label -> the machine class ("module:Class" or the class): tests/fuzz/campaigns.py's MACHINES
MACHINES: dict = {}
_PROJECT: dict = {}  # the campaigns as tests/fuzz/campaigns.py defines them (regression files rebuild those)


def _load_campaigns() -> None:
    root = str(project_root())
    if root not in sys.path:
        sys.path.insert(0, root)
    # bare asserts in the machines show the values they compared, as under pytest
    install_assertion_rewriting("tests")
    from tests.fuzz import campaigns

    _PROJECT.update(campaigns.CAMPAIGNS)
    for name, builders in campaigns.CAMPAIGNS.items():
        CAMPAIGNS.setdefault(name, builders)
    for label, reference in getattr(campaigns, "MACHINES", {}).items():
        MACHINES.setdefault(label, reference)


def _machine_class(label: str):
    reference = MACHINES.get(label)
    if reference is None:  # a campaign whose builder hands back the machine class itself (a test's)
        for entries in CAMPAIGNS.values():
            for name, build in entries:
                if name == label:
                    try:
                        made = build(None)
                    except Exception:
                        return None
                    return made if isinstance(made, type) else None
        return None
    if isinstance(reference, str):
        import importlib

        module, _, name = reference.partition(":")
        return getattr(importlib.import_module(module), name)
    return reference


def _property_index() -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """ID -> [(suite, label)] over every campaign, and the machines that declare no IDs."""
    index: dict[str, list[tuple[str, str]]] = {}
    without: list[str] = []
    for suite, builders in CAMPAIGNS.items():
        for label, _ in builders:
            machine = _machine_class(label)
            ids = known_property_ids([machine]) if machine is not None else set()
            if not ids:
                without.append(label)
            for pid in ids:
                index.setdefault(pid, []).append((suite, label))
    return index, without


def _id_key(pid: str):
    prefix, _, number = pid.partition("-")
    return (prefix, int(number) if number.isdigit() else 0, number)


# --- the command ---------------------------------------------------------------------------------
def _positive(ctx, param, value):
    if value is not None and value < 1:
        raise click.BadParameter("must be at least 1")
    return value


def _sample_size(ctx, param, value):
    """--coverage: a number of test cases to sample (K), or `all`; None when not asked."""
    if value is None:
        return None
    if value.lower() == "all":
        return "all"
    try:
        size = int(value)
    except ValueError:
        raise click.BadParameter("a number of test cases to sample, or `all`") from None
    if size < 1:
        raise click.BadParameter("must be at least 1 (or `all`)")
    return size


def _positive_seconds(ctx, param, value):
    if value is not None and value <= 0:
        raise click.BadParameter("must be more than 0 seconds")
    return value


@click.command(help=__doc__)
@click.option("--suite", type=click.Choice([*SUITES, "all"]), default="all", show_default=True)
@click.option("--examples", default=1_000, show_default=True, callback=_positive, help="examples per state machine")
@click.option("--steps", default=50, show_default=True, callback=_positive, help="steps per example, at most")
@click.option("--seed", type=click.IntRange(0, 2**64 - 1), default=None, help="[default: random, printed]")
@click.option("--progress-every", default=10.0, show_default=True, help="seconds between progress lines in a log")
@click.option(
    "--workers", default=1, show_default=True, callback=_positive, help="parallel processes (one machine: seeds)"
)
@click.option("--fail-fast", is_flag=True, help="stop at the first machine that fails")
@click.option("--no-shrink", is_flag=True, help="report failures as found, without Hypothesis's shrink phase")
@click.option(
    "--shrink-seconds",
    type=float,
    default=SHRINK_SECONDS,
    show_default=True,
    callback=_positive_seconds,
    help="how long a failure may be shrunk before it is reported",
)
@click.option("--time-budget", type=float, default=None, callback=_positive_seconds, help="seconds for the whole run")
@click.option("--invariant", "invariant", default=None, metavar="ID", help="only the machines and check of property ID")
@click.option("--list-invariants", is_flag=True, help="list the property IDs the machines check, with their suites")
@click.option("--database", type=click.Path(file_okay=False), default=None, help="[default: .hypothesis/fuzz]")
@click.option("--no-database", is_flag=True, help="no example database: an exact replay of a seed")
@click.option("--regressions", type=click.Path(file_okay=False), default=None, help="[default: tests/regressions]")
@click.option("--no-regression-file", is_flag=True, help="do not write a regression test per failure")
@click.option("--report-dir", type=click.Path(file_okay=False), default=None, help="[default: reports/fuzz]")
@click.option(
    "--coverage",
    "coverage",
    default=None,
    metavar="K|all",
    callback=_sample_size,
    help="statement coverage of K sampled test cases per campaign (or all), replayed on py-evm",
)
@click.option(
    "--floor",
    is_flag=True,
    help="run each machine hollow (its rules' strategies, empty bodies, no chain): Hypothesis's own cost",
)
def cli(
    suite,
    examples,
    steps,
    seed,
    progress_every,
    workers,
    fail_fast,
    no_shrink,
    shrink_seconds,
    time_budget,
    invariant,
    list_invariants,
    database,
    no_database,
    regressions,
    no_regression_file,
    report_dir,
    coverage,
    floor,
):
    root = project_root()
    _load_campaigns()
    pin_constant_pool()  # a seed makes the same test cases whatever else changed in the package
    if list_invariants:
        _list_invariants()
        return
    campaigns = _select(suite, invariant)
    if seed is None:
        seed = random.SystemRandom().randrange(2**32)
    jobs = _jobs(campaigns, examples, seed, workers)
    extra = f" --invariant {invariant}" if invariant else ""
    settings = [f"{examples:,} examples x up to {steps} steps per machine", f"seed {seed}"]
    if workers > 1:
        settings.append(f"{workers} workers")
    if time_budget:
        settings.append(f"time budget {time_budget:g} s")
    if invariant:
        settings.append(f"only {invariant}")
    if floor and coverage is not None:
        raise click.UsageError("--floor runs no contract: it has no coverage")
    if floor:
        settings.append("hollow machines (--floor: Hypothesis alone)")
        no_database, no_regression_file = True, True
    if coverage is not None:
        _coverage_provider()  # before the campaigns: a missing provider is not found after an hour
        settings.append(
            "statement coverage of every test case"
            if coverage == "all"
            else f"statement coverage of {coverage} sampled test case(s) per machine"
        )
    suites = list(dict.fromkeys(name for name, _ in campaigns))
    click.echo(f"fuzz: {', '.join(suites)}; {'; '.join(settings)}")
    click.echo(f"replay with: {replay_command(suite, examples, steps, seed, extra)}")

    from computerwa.evm.artifacts import ArtifactsMissing, ensure_compiled, load_artifacts

    try:
        ensure_compiled(root)
        artifacts = load_artifacts(root)
    except ArtifactsMissing as err:
        raise click.ClickException(str(err)) from None

    database_dir = None if no_database else Path(database) if database else root / ".hypothesis" / "fuzz"
    regressions_dir = (
        None if no_regression_file else Path(regressions) if regressions else root / "tests" / "regressions"
    )
    reports_dir = Path(report_dir) if report_dir else root / "reports" / ("fuzz-floor" if floor else "fuzz")
    builders = {(name, label): build for name, entries in CAMPAIGNS.items() for label, build in entries}

    def run_job(job: Job, stream, should_stop, deadline) -> Outcome:
        from computerwa.evm.engine import RevmChain
        from computerwa.tooling.fuzz import failure_of

        _only(invariant)
        try:
            if floor:
                machine_class = _machine_class(job.label)
                if machine_class is None:
                    raise click.ClickException(f"--floor: no machine class is known for {job.label!r}")
                factory = hollow(machine_class)
            else:
                factory = builders[(job.suite, job.label)](RevmChain(artifacts=artifacts))
        except KeyboardInterrupt:
            return Outcome(job.name, 0, 0.0, stopped="interrupted")
        except Exception as err:  # the deployment itself failed: a failure of the campaign, reported
            failure = failure_of(err)
            failure.where = "while deploying the campaign"
            return Outcome(job.name, 0, 0.0, [failure])
        sample = None
        if coverage is not None:
            sample = Sample(None if coverage == "all" else coverage, (job.label, job.seed))
        try:
            return run_campaign(
                job.name,
                factory,
                examples=job.examples,
                steps=steps,
                seed=job.seed,
                every=progress_every,
                stream=stream,
                shrink=not no_shrink,
                shrink_seconds=shrink_seconds,
                database=database_dir,
                deadline=deadline,
                should_stop=should_stop,
                sample=sample,
            )
        finally:
            _only(None)

    def measure(suite: str, label: str, sample: Sample) -> Coverage:
        """The sample's statement coverage: the campaign deployed anew on Ape's provider, each
        sampled test case replayed with its checks; the chain is restored afterwards."""
        from ape.logging import logger

        from computerwa.tooling.fuzz import coverage_chain
        from tests.regressions.replay import replay_examples

        quiet = logger.level
        logger.set_level(logging.CRITICAL)  # Ape logs every transaction and every expected revert
        chain = coverage_chain(artifacts)
        before = chain.snapshot()
        _only(invariant)
        try:
            sources, raised, seconds = measure_coverage(
                lambda: builders[(suite, label)](chain), sample.items, replay_examples, root
            )
        finally:
            _only(None)
            chain.restore(before)
            logger.set_level(quiet)
        everything = sample.everything and not sample.dropped
        return Coverage(len(sample.items), sample.seen, everything, seconds, sources, raised, sample.dropped)

    report = _Report(jobs, steps, extra, regressions_dir, reports_dir, seed, examples)
    report.coverage_size, report.measure = coverage, measure
    started = time.monotonic()
    end = started + time_budget if time_budget else None
    interrupted, not_run = False, []
    if workers == 1:
        for position, job in enumerate(jobs):
            outcome = run_job(job, None, lambda: None, budget_share(end, len(jobs) - position))
            report.outcome(job, outcome)
            if outcome.stopped == "interrupted":
                interrupted, not_run = True, jobs[position + 1 :]
                break
            if fail_fast and outcome.failures:
                not_run = jobs[position + 1 :]
                break
    else:
        interrupted, not_run = run_parallel(
            jobs,
            workers,
            run_job,
            end=end,
            on_progress=click.echo,
            on_outcome=lambda job, outcome: report.outcome(job, outcome) and fail_fast,
        )
    sys.exit(report.finish(time.monotonic() - started, interrupted, not_run))


def _coverage_provider() -> None:
    """Ape's embedded `test` provider (py-evm, which the coverage recorder hooks), connected:
    `ape run` connected it; a plain `python scripts/fuzz.py` connects it here. A one-line
    error when there is none."""
    hint = "run it under `ape run fuzz ...` (Ape's default network, ethereum:local:test)"
    try:
        import ape

        provider = ape.networks.active_provider
        if provider is None:
            context = ape.networks.parse_network_choice("ethereum:local:test")
            context.__enter__()  # connected for the rest of the process
            _CONNECTION.append(context)
            provider = ape.networks.active_provider
    except Exception as err:  # no Ape, no project, no provider plugin...
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise click.ClickException(f"--coverage needs Ape's test provider ({message}): {hint}") from None
    if provider is None or provider.name != "test":
        name = getattr(provider, "name", "none")
        raise click.ClickException(
            f"--coverage replays on Ape's embedded `test` provider (py-evm), not {name!r}: {hint}"
        )


_CONNECTION: list = []  # the provider connection a plain `python scripts/fuzz.py --coverage` made


def _only(invariant: str | None) -> None:
    properties = sys.modules.get("tests.fuzz.properties")
    if properties is not None and hasattr(properties, "only"):
        properties.only(None if invariant is None else {invariant})


def _select(suite: str, invariant: str | None) -> list[tuple[str, str]]:
    """The (suite, label) campaigns to run."""
    selected = [(name, label) for name in (SUITES if suite == "all" else [suite]) for label, _ in CAMPAIGNS[name]]
    if invariant is None:
        return selected
    index, _ = _property_index()
    if invariant not in index:
        known = ", ".join(sorted(index, key=_id_key)) or "none (no machine is a PropertyMachine yet)"
        raise click.ClickException(f"unknown invariant ID {invariant!r}; the machines check: {known}")
    chosen = [campaign for campaign in selected if campaign in index[invariant]]
    if not chosen:
        where = ", ".join(sorted({name for name, _ in index[invariant]}))
        raise click.ClickException(f"{invariant} is checked by suite {where}, not by --suite {suite}")
    return chosen


def _jobs(campaigns: list[tuple[str, str]], examples: int, seed: int, workers: int) -> list[Job]:
    if workers > 1 and len(campaigns) == 1:  # one machine: worker k runs seed + k with a share of the examples
        (name, label) = campaigns[0]
        share, rest = divmod(examples, workers)
        return [
            Job(k, name, label, seed + k, share + (k < rest), f"{label} [seed {seed + k}]")
            for k in range(workers)
            if share + (k < rest) > 0
        ]
    return [Job(k, name, label, seed, examples, label) for k, (name, label) in enumerate(campaigns)]


def _list_invariants() -> None:
    index, without = _property_index()
    if index:
        width = max(len(pid) for pid in index)
        click.echo(f"{'ID'.ljust(width)}  suite: campaigns (deepen with: ape run fuzz --invariant ID --examples 20000)")
        for pid in sorted(index, key=_id_key):
            campaigns = index[pid]
            suites = sorted({name for name, _ in campaigns})
            labels = ", ".join(label for _, label in campaigns)
            click.echo(f"{pid.ljust(width)}  {', '.join(suites)}: {labels}")
    else:
        click.echo("no machine declares property IDs yet (PropertyMachine's @check)")
    if without:
        click.echo(f"machines without property IDs (plain @invariant): {', '.join(without)}")


class _Report:
    """Prints each campaign's outcome as it ends, writes its regression files and statistics."""

    def __init__(self, jobs, steps, extra, regressions_dir, reports_dir, seed, examples):
        self.jobs, self.steps, self.extra, self.seed, self.examples = jobs, steps, extra, seed, examples
        self.regressions_dir, self.reports_dir = regressions_dir, reports_dir
        self.outcomes: dict[int, Outcome] = {}
        self.failed: list[str] = []
        self.coverage_size: int | str | None = None  # --coverage: K or "all"
        self.measure = None  # (suite, label, sample) -> Coverage
        self.coverage: dict[str, Coverage] = {}

    def outcome(self, job: Job, outcome: Outcome) -> bool:
        """Prints it; returns whether it failed."""
        self.outcomes[job.index] = outcome
        ran = f"{outcome.test_cases:,} test cases in {outcome.seconds:.1f} s"
        stopped = f" (stopped: {outcome.stopped})" if outcome.stopped else ""
        if not outcome.failures:
            verdict = "passed" if not outcome.stopped else "no failure"
            click.echo(f"  {job.name}: {verdict}, {ran}{stopped}")
            return False
        self.failed.append(job.name)
        count = len(outcome.failures)
        distinct = f": {count} distinct failures" if count > 1 else ""
        click.echo(f"  {job.name}: FAILED after {ran}{stopped}{distinct}")
        for number, failure in enumerate(outcome.failures, 1):
            if count > 1:
                click.echo(f"  failure {number} of {count}:")
            click.echo(describe(failure))
            self._regression(job, failure)
        click.echo(f"  replay it: {replay_command(job.suite, job.examples, self.steps, job.seed, self.extra)}")
        return True

    def _regression(self, job: Job, failure: Failure) -> None:
        if self.regressions_dir is None:
            return
        target = _replay_target(job, failure)
        if target is None:
            click.echo("  no regression test: the machine is not a campaign of tests/fuzz/campaigns.py")
            return
        found_by = replay_command(job.suite, job.examples, self.steps, job.seed, self.extra)
        try:
            path = write_regression(self.regressions_dir, failure, target=target, found_by=found_by, seed=job.seed)
        except NotLiteral as err:
            click.echo(f"  no regression test: {err}")
            return
        except OSError as err:
            click.echo(f"  no regression test: cannot write {self.regressions_dir}: {err.strerror}")
            return
        click.echo(f"  regression test: {_shown(path)} (replay: ape test {_shown(path)})")

    def finish(self, wall: float, interrupted: bool, not_run: list[Job]) -> int:
        stats = self._stats()
        if stats and self.coverage_size is not None:
            if interrupted:
                click.echo("coverage: not measured (interrupted)")
            else:
                interrupted = self._measure_coverage()
        if stats:
            click.echo(f"statistics (also in {_shown(self.reports_dir)}/<campaign>.json):")
            for label, merged in stats.items():
                for line in merged.lines():
                    click.echo(line)
                if label in self.coverage:
                    for line in self.coverage[label].lines():
                        click.echo(line)
            self._write_stats(stats)
        if not_run:
            click.echo(f"not run: {', '.join(job.name for job in not_run)}")
        total = sum(outcome.test_cases for outcome in self.outcomes.values())
        tail = f"{total:,} test cases in {wall:.0f} s; seed {self.seed}"
        if interrupted:
            found = f"{len(self.failed)} machine(s) failed so far" if self.failed else "no failure found so far"
            click.echo(f"fuzz: interrupted; {found}; {tail}")
            return 1 if self.failed else 130
        budget = any(outcome.stopped == "time budget" for outcome in self.outcomes.values())
        if self.failed:
            click.echo(f"fuzz: {len(self.failed)} machine(s) failed ({', '.join(self.failed)}); {tail}")
            return 1
        if budget:
            click.echo(f"fuzz: every property held until the time budget ran out; {tail}")
            return 0
        click.echo(f"fuzz: every property held; {tail}")
        return 0

    def _samples(self) -> dict[str, tuple[str, Sample]]:
        """label -> (suite, the sample of its test cases): the runs of one machine's seeds merged."""
        runs: dict[str, list[Job]] = {}
        for job in self.jobs:
            outcome = self.outcomes.get(job.index)
            if outcome is not None and outcome.sample is not None:
                runs.setdefault(job.label, []).append(job)
        samples = {}
        for label, jobs in runs.items():
            parts = [self.outcomes[job.index].sample for job in jobs]
            size = None if self.coverage_size == "all" else self.coverage_size
            sample = parts[0] if len(parts) == 1 else Sample.merge(parts, size, (label, self.seed, "merged"))
            samples[label] = (jobs[0].suite, sample)
        return samples

    def _measure_coverage(self) -> bool:
        """Replays each campaign's sample on py-evm (self.coverage); returns whether Ctrl-C
        stopped it."""
        for label, (suite, sample) in self._samples().items():
            if not sample.items:
                continue
            what = "every test case" if sample.everything else f"{len(sample.items):,} sampled test case(s)"
            click.echo(f"  coverage of {label}: replaying {what} of {sample.seen:,} on py-evm ...")
            try:
                self.coverage[label] = self.measure(suite, label, sample)
            except KeyboardInterrupt:
                click.echo("coverage: interrupted; the statistics are written without it")
                return True
            except Exception as err:  # a deployment that fails on Ape's provider, say: reported, not fatal
                first = str(err).splitlines()[0] if str(err) else ""
                click.echo(f"  coverage of {label}: not measured: {type(err).__name__}: {first}")
        return False

    def _stats(self) -> dict[str, Stats]:
        merged: dict[str, Stats] = {}
        for job in self.jobs:
            outcome = self.outcomes.get(job.index)
            if outcome is None or outcome.stats is None:
                continue
            stats = dataclasses.replace(outcome.stats, label=job.label)
            merged[job.label] = merged[job.label].merge(stats) if job.label in merged else stats
        return merged

    def _write_stats(self, stats: dict[str, Stats]) -> None:
        try:
            self.reports_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            click.echo(f"statistics not written: cannot create {self.reports_dir}: {err.strerror}")
            return
        for label, merged in stats.items():
            jobs = [job for job in self.jobs if job.label == label and job.index in self.outcomes]
            data = merged.as_json()
            data.update(
                seeds=[job.seed for job in jobs],
                examples_asked=sum(job.examples for job in jobs),
                max_steps=self.steps,
                failures=sum(len(self.outcomes[job.index].failures) for job in jobs),
                stopped=sorted({self.outcomes[job.index].stopped for job in jobs if self.outcomes[job.index].stopped}),
            )
            if label in self.coverage:
                data["coverage"] = self.coverage[label].as_json()
            (self.reports_dir / f"{slug(label)}.json").write_text(json.dumps(data, indent=2) + "\n")


def _replay_target(job: Job, failure: Failure) -> tuple[str, ...] | None:
    """How a regression file rebuilds the machine: the project's campaign, or a machine class
    importable by name that takes no arguments."""
    project = dict(_PROJECT.get(job.suite, []))
    if job.label in project and project[job.label] is dict(CAMPAIGNS[job.suite]).get(job.label):
        return ("campaign", job.suite, job.label)
    machine = _machine_class(job.label)
    if isinstance(machine, type) and "<" not in machine.__qualname__:
        return ("machine", f"{machine.__module__}:{machine.__qualname__}")
    return None


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _main() -> None:  # `python scripts/fuzz.py ...` works too, without Ape's provider
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    cli()


if __name__ == "__main__":
    _main()
