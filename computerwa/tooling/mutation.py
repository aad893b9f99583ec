"""Mutation testing of every contract: how many deliberately broken contracts the suite catches.

    make mutation                                   # the default campaign (SAMPLE per contract)
    python -m computerwa.tooling.mutation [--contract NAME ...] [--sample N] [--seed S] [--jobs 2] [--timeout S]
    python -m computerwa.tooling.mutation --rerun-survivors          # after adding tests: the survivors again
    python -m computerwa.tooling.mutation --contract IdentityRegistry --sample 5 --out reports/mutation-smoke  # CI
    python -m computerwa.tooling.mutation --properties-only           # the state machines alone (issue #22)

For each target (every `contracts/*.vy` contract, the `revenue_stream` and `compliance` modules, whose
mutants are compiled through ComputeToken, and the `constants` module, through AttestationOracle; never
`contracts/mocks/`):

1. universalmutator's regexp rules for `.vy` files (universal, vyper, python and solidity rules,
   exactly the set its `mutate` command uses) generate every mutant of every line; only code
   lines are kept (no blank lines, comments, docstrings or NatSpec).
2. A seeded shuffle orders them, and they are compiled in that order (vyper 0.4.3 in process,
   the settings Ape uses: evm_version prague, optimize gas; the original is checked to give
   Ape's bytecode byte for byte) until SAMPLE mutants are *testable*. Each one looked at is:
   `invalid` (does not compile), `equivalent` (deploy and runtime bytecode and ABI equal the
   original's, ignoring the integrity hash of the source text in the deploy code's metadata),
   `duplicate` (the same as an earlier mutant of this target) or testable.
3. Each testable mutant's bytecode and ABI are written into a private copy of Ape's build
   manifest (`.build/__local__.json`; the sources stay the original's and the build stamp is
   rewritten to vouch for the mutated build, so nothing recompiles) in one of JOBS worker
   copies of the project, and the target's fast tests run there with pytest on the in-process
   engine (`--engine revm`), `-x` (stop at the first failure), a fixed `--hypothesis-seed` and
   the `mutation` Hypothesis profile (the default one without shrinking or example database):
   `killed` (pytest failed a named test: the first one is recorded), `survived`, `timeout`
   (over TIMEOUT seconds: counted as killed, as Stryker does; what had been printed is kept) or
   `error` (pytest could not judge: a collection, usage or internal error; counted as a
   survivor). The suite must first pass on the original code. The unit tests of the target's
   own area run first, then the other areas that deploy it, `tests/test_abis.py`, then its
   state machine(s) (TARGETS below).
4. A survivor listed in JUDGED_EQUIVALENT (reviewed by hand, by line; PROPERTIES.md gives the
   reasons) becomes `judged_equivalent` and leaves the score, as the bytecode-equivalent ones do.
5. `reports/mutation/<target>.json` (or `--out`) keeps every mutant looked at (line, rule, diff,
   status, the killing test, seconds) and the original build's fingerprint;
   `summary.json` and `summary.md` the table (whole campaigns only):
   score = (killed + timeout) / (killed + timeout + survived + error). The exit status is 1
   when a target scores below 90% or has no testable mutant.

`--rerun-survivors` re-tests the survivors, judged equivalents and errors of the existing reports
(after tests were added: a kill stands); it refuses a report of another seed or of another build
of the target (any change to what the target compiles from).

`--properties-only` scores the property suite alone: each target's mutants run against the state
machines that deploy it (PROPERTY_MACHINES, no unit test, no ABI pin), at the `mutation` profile's
budget (200 examples x 50 steps per machine, no shrinking), into reports/mutation-properties/; the
exit status is 1 below PROPERTIES_SCORE (85%) there.

Not an `ape run` script (it starts its own pytest sessions): run it with the project's
virtualenv and `vyper` on PATH (`make mutation` does).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import multiprocessing.pool
import os
import queue
import random
import re
import shutil
import site
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from computerwa.evm.artifacts import SOURCES_STAMP, build_stamp, ensure_compiled, load_artifacts, project_root

ROOT = project_root()  # the project checkout (ape-config.yaml), from the working directory
OUT = Path("reports") / "mutation"  # under ROOT
MANIFEST = Path(".build") / "__local__.json"

SAMPLE = 60  # testable mutants per target in the default campaign
SEED = 1
JOBS = 2
TIMEOUT = 180  # seconds per mutant; a run that takes longer counts as killed
TARGET_SCORE = 0.9  # issue #8: the exit status is 1 when a target scores below it
PROPERTIES_SCORE = 0.85  # issue #22: the state machines alone, per target
PROPERTIES_OUT = Path("reports") / "mutation-properties"

# universalmutator's own rule set for a `.vy` file (genmutants.py: universal + language + python + solidity)
RULES = ["universal.rules", "vyper.rules", "python.rules", "solidity.rules"]

UNIT = "tests/unitary/"
MACHINES = {
    "token": "tests/fuzz/stateful/test_compute_token_machine.py",
    "factory": "tests/fuzz/stateful/test_factory_machine.py",
    "oracle": "tests/fuzz/stateful/test_oracle_machine.py",
    "registry": "tests/fuzz/stateful/test_registry_machine.py",
    "settlement": "tests/fuzz/stateful/test_settlement_machine.py",
    "stablecoin": "tests/fuzz/stateful/test_stablecoin_machine.py",
    "offering": "tests/fuzz/stateful/test_offering_machine.py",
    "basket": "tests/fuzz/stateful/test_basket_machine.py",
    "feed": "tests/fuzz/stateful/test_feed_machine.py",
    "rentals": "tests/fuzz/stateful/test_rentals_machine.py",
}


@dataclass(frozen=True)
class Target:
    name: str
    source: str  # the mutated file
    compiled: str  # the contract built from it (a module is built through the contract that initializes it)
    tests: tuple[str, ...]  # in the order they run: own unit area, the other areas deploying it, machines
    machines: tuple[str, ...] = ()  # --properties-only: the state machines that deploy it (PROPERTY_MACHINES)


def _tests(*areas: str, machines: tuple[str, ...]) -> tuple[str, ...]:
    # tests/test_abis.py pins every ABI to the committed interfaces/*.json (a mutant's ABI is installed too)
    return (*(UNIT + area for area in areas), "tests/test_abis.py", *(MACHINES[m] for m in machines))


TARGETS = {
    t.name: t
    for t in (
        Target(
            "AttestationOracle",
            "contracts/AttestationOracle.vy",
            "AttestationOracle",
            _tests("oracle", "registry", "settlement", machines=("oracle",)),
        ),
        Target("ComputeBasket", "contracts/ComputeBasket.vy", "ComputeBasket", _tests("basket", machines=("basket",))),
        Target(
            "ComputeBasketFactory",
            "contracts/ComputeBasketFactory.vy",
            "ComputeBasketFactory",
            _tests("basket", machines=()),
        ),
        Target(
            "ComputeFactory",
            "contracts/ComputeFactory.vy",
            "ComputeFactory",
            _tests("token", "registry", "settlement", machines=("factory", "token")),
        ),
        # a stateless module's mutants are built through the contract that uses most of it (the oracle
        # reads every mask but YEAR); NodeRegistry and Settlement are built from the same file
        Target("NodeOffering", "contracts/NodeOffering.vy", "NodeOffering", _tests("offering", machines=("offering",))),
        Target("NodeRentals", "contracts/NodeRentals.vy", "NodeRentals", _tests("rentals", machines=("rentals",))),
        Target("RevenueFeed", "contracts/RevenueFeed.vy", "RevenueFeed", _tests("feed", machines=("feed",))),
        Target(
            "RevenueFeedFactory",
            "contracts/RevenueFeedFactory.vy",
            "RevenueFeedFactory",
            _tests("feed", machines=("feed",)),
        ),
        Target(
            "constants",
            "contracts/constants.vy",
            "AttestationOracle",
            _tests("oracle", "registry", "settlement", machines=("oracle",)),
        ),
        Target(
            "ComputeToken",
            "contracts/ComputeToken.vy",
            "ComputeToken",
            _tests("token", "settlement", "registry", machines=("token",)),
        ),
        Target(
            "revenue_stream",
            "contracts/revenue_stream.vy",
            "ComputeToken",
            _tests("token", "settlement", "registry", machines=("token",)),
        ),
        Target(
            "compliance",
            "contracts/compliance.vy",
            "ComputeToken",
            _tests("token", "settlement", "registry", machines=("token",)),
        ),
        Target(
            "IdentityRegistry",
            "contracts/IdentityRegistry.vy",
            "IdentityRegistry",
            _tests("identity", "token", "settlement", "registry", machines=("factory", "token")),
        ),
        Target(
            "MockStablecoin",
            "contracts/MockStablecoin.vy",
            "MockStablecoin",
            _tests("stablecoin", "token", "settlement", "registry", machines=("stablecoin",)),
        ),
        Target(
            "NodeRegistry",
            "contracts/NodeRegistry.vy",
            "NodeRegistry",
            _tests("registry", "settlement", "rentals", machines=("registry", "settlement")),
        ),
        Target(
            "Settlement",
            "contracts/Settlement.vy",
            "Settlement",
            _tests("settlement", "rentals", machines=("settlement",)),
        ),
    )
}


# --properties-only: the machines that deploy each target, the target's own first (issue #22's score of
# the state machines alone); a module counts through the contract built from it
PROPERTY_MACHINES = {
    "AttestationOracle": ("oracle", "registry", "settlement"),
    "ComputeBasket": ("basket",),
    "NodeOffering": ("offering",),
    "NodeRentals": ("rentals",),
    # the feed machine publishes its feeds through the factory (create_feeds)
    "RevenueFeed": ("feed",),
    "RevenueFeedFactory": ("feed",),
    "ComputeBasketFactory": (),  # NO_MACHINE_YET
    "ComputeFactory": ("factory", "token", "settlement"),
    "constants": ("oracle", "registry", "settlement"),
    "ComputeToken": ("token", "settlement"),
    # the basket machine's components are ComputeTokens: their stream and compliance run there too
    "revenue_stream": ("token", "settlement", "basket"),
    "compliance": ("token", "settlement", "basket"),
    "IdentityRegistry": ("factory", "token", "settlement"),
    "MockStablecoin": ("stablecoin", "token", "settlement"),
    # the rentals machine is the one that books: Settlement's rent escrow, the registry's offers
    "NodeRegistry": ("registry", "settlement", "rentals"),
    "Settlement": ("settlement", "rentals"),
}
assert set(PROPERTY_MACHINES) == set(TARGETS), "every target names the machines that score it alone"
# targets no state machine deploys yet: --properties-only skips them, saying why (a machine that
# never deploys a target would score it 0%, which says nothing about the properties)
NO_MACHINE_YET = {
    "ComputeBasketFactory": "no state machine deploys the basket factory yet (its unit tests in tests/unitary/basket)",
}
assert {name for name, machines in PROPERTY_MACHINES.items() if not machines} == set(NO_MACHINE_YET)
TARGETS = {
    name: Target(t.name, t.source, t.compiled, t.tests, tuple(MACHINES[m] for m in PROPERTY_MACHINES[name]))
    for name, t in TARGETS.items()
}


# --- 1. generation ------------------------------------------------------------------------------
def code_lines(lines: list[str]) -> set[int]:
    """1-based numbers of the lines that hold code: no blank, comment or docstring (NatSpec) line."""
    keep: set[int] = set()
    in_doc = False
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if in_doc:
            in_doc = '"""' not in text
            continue
        if text.startswith('"""'):
            in_doc = text.count('"""') == 1
            continue
        if text and not text.startswith("#"):
            keep.add(number)
    return keep


def generate(lines: list[str]) -> tuple[int, list[dict]]:
    """Every universalmutator mutant (line, mutated line, rule) on a code line; and the raw count."""
    from universalmutator import mutator

    with contextlib.redirect_stdout(io.StringIO()):
        raw = mutator.mutants_regexp(lines, ruleFiles=RULES, ignorePatterns=[], ignoreStringOnly=True)
    code = code_lines(lines)
    mutants = [{"line": ln, "mutant": text, "rule": used[0]} for ln, text, used, *_ in raw if ln in code]
    return len(raw), mutants


def apply_mutant(lines: list[str], mutant: dict) -> str:
    out = list(lines)
    out[mutant["line"] - 1] = mutant["mutant"]
    return "".join(out)


def mutant_diff(lines: list[str], mutant: dict) -> str:
    ln = mutant["line"]
    return f"-{lines[ln - 1].rstrip()}\n+{mutant['mutant'].rstrip()}"


# --- 2. compilation (in pool processes, each with its own copy of the sources) -----------------------
_COMPILE_DIR: Path | None = None


def _compile_init(root: str, base: str) -> None:
    global _COMPILE_DIR
    _COMPILE_DIR = Path(tempfile.mkdtemp(prefix="compile-", dir=base))
    for folder in ("contracts", "interfaces"):
        shutil.copytree(Path(root) / folder, _COMPILE_DIR / folder)


def compile_source(source: str, text: str | None, contract: str) -> dict:
    """Builds `contracts/<contract>.vy` with `source` replaced by `text` (None: the original)."""
    from vyper.compiler import compile_from_file_input
    from vyper.compiler.input_bundle import FilesystemInputBundle
    from vyper.compiler.settings import OptimizationLevel, Settings

    assert _COMPILE_DIR is not None
    path = _COMPILE_DIR / source
    original = path.read_text()
    if text is not None:
        path.write_text(text)
    try:
        # ape-vyper's settings for vyper 0.4: optimize true (gas), the configured EVM, site-packages + project
        bundle = FilesystemInputBundle([*map(Path, site.getsitepackages()), _COMPILE_DIR])
        out = compile_from_file_input(
            bundle.load_file(Path("contracts") / f"{contract}.vy"),
            input_bundle=bundle,
            settings=Settings(evm_version="prague", optimize=OptimizationLevel.GAS),
            output_formats=["bytecode", "bytecode_runtime", "abi"],
        )
        return {"ok": True, "bytecode": out["bytecode"], "runtime": out["bytecode_runtime"], "abi": out["abi"]}
    except Exception as err:  # any compiler error (or panic) makes the mutant invalid
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        return {"ok": False, "error": f"{type(err).__name__}: {first}"[:300]}
    finally:
        path.write_text(original)


def _compile_job(args: tuple[str, str | None, str]) -> dict:
    return compile_source(*args)


def fingerprint(bytecode: str, runtime: str, abi: list) -> str:
    """What a build exposes: its bytecode, with the deploy code's metadata integrity hash (a hash of the
    source text) blanked, and its ABI (a mutant that changes only the ABI is not equivalent)."""
    import cbor2

    code = bytes.fromhex(bytecode.removeprefix("0x"))
    size = int.from_bytes(code[-2:], "big")
    body, footer = code[:-size], code[-size:-2]
    meta = cbor2.loads(footer)
    if isinstance(meta, list) and meta and isinstance(meta[0], bytes):
        meta = [b"", *meta[1:]]
    return ":".join((body.hex(), cbor2.dumps(meta).hex(), runtime.removeprefix("0x"), json.dumps(abi, sort_keys=True)))


# --- 3. tests in worker copies of the project ----------------------------------------------------------
# Ape's pytest plugin is not loaded: these tests run on the in-process engine only and never use
# it, and it costs seconds a run (its own options, --disable-isolation among them, go with it).
# `-rfE` prints one "FAILED <nodeid>" / "ERROR <nodeid>" line per failure: `classify` reads them.
PYTEST = ["-o", "addopts=", "-p", "no:ape_test", "-p", "no:cacheprovider", "-x", "-q", "-rfE", "--tb=no"]
PYTEST += ["--no-header", "--engine", "revm"]
# tests/conftest.py's Hypothesis profile for mutants: the default one without shrinking (a mutant
# needs a failing example, not the smallest one) and without an example database
HYPOTHESIS_PROFILE = "mutation"
# a failing or erroring test, by node id (tests/x.py::test_y[revm]); a collection error names a file only
_FAILED_TEST = re.compile(r"^(?:FAILED|ERROR) (\S+::\S+)", re.M)


def classify(returncode: int, output: str) -> dict:
    """A pytest run's verdict on a mutant: `survived` (all passed), `killed` (pytest's exit 1 with
    a failing or erroring test named: an assertion, a revert, a fixture that could not deploy), or
    `error` (anything else: no test ran, a collection or usage error, an internal error), which
    says nothing about the mutant and counts against the score."""
    if returncode == 0:
        return {"status": "survived", "killed_by": None}
    failed = _FAILED_TEST.findall(output)
    if returncode == 1 and failed:
        return {"status": "killed", "killed_by": failed[0]}
    tail = output.strip().splitlines()[-5:]
    return {"status": "error", "killed_by": None, "error": f"pytest exit {returncode}: {' | '.join(tail)}"}


COPY = ("contracts", "interfaces", "tests", "computerwa", "ape-config.yaml", "pyproject.toml", ".build")


class Workers:
    """JOBS private copies of the project; a mutant is tested in whichever copy is free."""

    def __init__(self, jobs: int, seed: int, timeout: int) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="mutate-workers-"))
        self.manifest = json.loads((ROOT / MANIFEST).read_text())
        self.free: queue.Queue[Path] = queue.Queue()
        self.seed, self.timeout = seed, timeout
        for i in range(jobs):
            folder = self.base / f"w{i}"
            folder.mkdir()
            for name in COPY:
                src = ROOT / name
                if src.is_dir():
                    shutil.copytree(src, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(src, folder / name)
            self.free.put(folder)

    def close(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)

    def _install(self, folder: Path, contract: str, build: dict | None) -> None:
        manifest = self.manifest
        if build:
            types = manifest["contractTypes"]
            mutated = {
                **types[contract],
                "deploymentBytecode": {"bytecode": build["bytecode"]},
                "runtimeBytecode": {"bytecode": build["runtime"]},
            }
            if build["abi_changed"]:  # else Ape's rendering of the same ABI stays
                mutated["abi"] = build["abi"]
            manifest = {**manifest, "contractTypes": {**types, contract: mutated}}
        (folder / MANIFEST).write_text(json.dumps(manifest))
        # the stamp vouches for this build, so the suite's `ensure_compiled` keeps the mutant
        # instead of rebuilding the original from the (unmutated) sources
        (folder / SOURCES_STAMP).write_text(build_stamp(folder) or "")

    def run(self, contract: str, build: dict | None, tests: tuple[str, ...]) -> dict:
        folder = self.free.get()
        try:
            self._install(folder, contract, build)
            shutil.rmtree(folder / ".hypothesis", ignore_errors=True)  # no replay of earlier mutants' failures
            cmd = [sys.executable, "-m", "pytest", *PYTEST, f"--hypothesis-seed={self.seed}", *tests]
            env = {**os.environ, "PYTHONPATH": str(folder), "APE_DATA_FOLDER": str(folder / ".ape")}
            env["HYPOTHESIS_PROFILE"] = HYPOTHESIS_PROFILE
            start = time.monotonic()
            try:
                proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=self.timeout)
            except subprocess.TimeoutExpired as stopped:
                # counted as killed (Stryker's convention: the mutant made the suite hang); what the
                # run had printed by then is kept, so a reader can tell a slow failure from a hang
                printed = stopped.stdout.decode() if isinstance(stopped.stdout, bytes) else stopped.stdout or ""
                tail = " | ".join(printed.strip().splitlines()[-3:])
                return {"status": "timeout", "killed_by": None, "output": tail, "seconds": self.timeout}
            return {
                **classify(proc.returncode, proc.stdout + proc.stderr),
                "seconds": round(time.monotonic() - start, 1),
            }
        finally:
            self.free.put(folder)


# --- 4. the campaign -------------------------------------------------------------------------------------
COUNTED = ("invalid", "equivalent", "duplicate", "killed", "timeout", "survived", "judged_equivalent", "error")


def original_line(lines: list[str], mutant: dict) -> str:
    return lines[mutant["line"] - 1].strip()


def judge(target: str, lines: list[str], entry: dict) -> None:
    """A survivor listed in JUDGED_EQUIVALENT (reviewed by hand, see PROPERTIES.md) leaves the score."""
    key = (target, entry["line"], original_line(lines, entry), entry["mutant"].strip())
    reason = JUDGED_EQUIVALENT.get(key)
    if entry["status"] == "survived" and reason:
        entry.update(status="judged_equivalent", reason=reason)


def summarize(report: dict) -> dict:
    counts = {status: 0 for status in COUNTED}
    for m in report["mutants"]:
        counts[m["status"]] += 1
    killed = counts["killed"] + counts["timeout"]
    # judged-equivalent survivors are out, as bytecode-equivalent ones; an `error` run (the tests
    # could not judge the mutant) counts against the score, as a survivor does
    tested = killed + counts["survived"] + counts["error"]
    return {
        "target": report["target"],
        "generated": report["generated"],
        "code_lines": report["on_code_lines"],
        "sampled": len(report["mutants"]),
        **counts,
        "score": round(killed / tested, 4) if tested else None,
    }


def table(rows: list[dict]) -> str:
    head = ["target", "generated", "code_lines", "sampled", "invalid", "equivalent", "duplicate"]
    head += ["killed", "timeout", "survived", "judged_equivalent", "error", "score"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["target"], *(f"{r[h]:,}" for h in head[1:-1])]
        cells.append("-" if r["score"] is None else f"{100 * r['score']:.1f}%")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def log(message: str) -> None:
    print(message, flush=True)


def select(
    target: Target,
    lines: list[str],
    candidates: list[dict],
    sample: int,
    compilers: multiprocessing.pool.Pool,
    batch: int,
    reference: str,
    reference_abi: list,
) -> list[dict]:
    """Compiles candidates in order, `batch` at a time (so no compile outlives the selection), until
    `sample` are testable; classifies every one looked at."""
    seen: set[str] = {reference}
    chosen: list[dict] = []
    testable = 0
    for start in range(0, len(candidates), batch):
        part = candidates[start : start + batch]
        builds = compilers.map(_compile_job, [(target.source, apply_mutant(lines, m), target.compiled) for m in part])
        for m, build in zip(part, builds, strict=True):
            entry = {**m, "diff": mutant_diff(lines, m)}
            if not build["ok"]:
                entry.update(status="invalid", killed_by=None, error=build["error"])
            else:
                key = fingerprint(build["bytecode"], build["runtime"], build["abi"])
                if key == reference:
                    entry.update(status="equivalent", killed_by=None)
                elif key in seen:
                    entry.update(status="duplicate", killed_by=None)
                else:
                    seen.add(key)
                    entry.update(status="pending", build={**build, "abi_changed": build["abi"] != reference_abi})
                    testable += 1
            chosen.append(entry)
            if testable >= sample:
                return chosen
    return chosen


def run_tests(target: Target, entries: list[dict], workers: Workers) -> None:
    pending = [e for e in entries if e["status"] == "pending"]
    done = 0
    threads = ThreadPoolExecutor(max_workers=workers.free.qsize())
    futures = {threads.submit(workers.run, target.compiled, e["build"], target.tests): e for e in pending}
    try:
        for future in as_completed(futures):
            entry = futures[future]
            entry.update(future.result())
            done += 1
            log(
                f"  [{target.name} {done}/{len(pending)}] line {entry['line']}: {entry['status']}"
                f" ({entry['seconds']} s){' by ' + entry['killed_by'] if entry['status'] == 'killed' else ''}"
            )
    finally:
        threads.shutdown(cancel_futures=True)
    for e in entries:
        e.pop("build", None)


def reference_build(compilers: multiprocessing.pool.Pool, built: dict, contract: str) -> tuple[str, list]:
    """The original's fingerprint and ABI, after checking this compiler setup gives Ape's bytecode."""
    build = compilers.apply(_compile_job, (("contracts/" + contract + ".vy", None, contract),))
    if not build["ok"]:
        raise SystemExit(f"{contract}: the original does not compile: {build['error']}")
    ape = built[contract]
    if (build["bytecode"], build["runtime"]) != (
        ape["deploymentBytecode"]["bytecode"],
        ape["runtimeBytecode"]["bytecode"],
    ):
        raise SystemExit(f"{contract}: in-process compile differs from Ape's build; run `make compile`")
    return fingerprint(build["bytecode"], build["runtime"], build["abi"]), build["abi"]


def survivors_again(
    name: str, path: Path, lines: list[str], seed: int, reference: str, compilers: multiprocessing.pool.Pool
) -> dict:
    """The existing report of `name`, its survivors (judged equivalent and errors included) rebuilt
    and pending again; refused when the report is of another seed or of another build."""
    target = TARGETS[name]
    if not path.exists():
        raise SystemExit(f"{name}: no report in {path.parent}: run the whole campaign first")
    report = json.loads(path.read_text())
    if report["seed"] != seed:
        raise SystemExit(f"{name}: the report is of seed {report['seed']}: rerun with --seed {report['seed']}")
    if report.get("reference") != reference or any(mutant_diff(lines, e) != e["diff"] for e in report["mutants"]):
        raise SystemExit(f"{name}: {target.source} or what it compiles with changed since the report: run the campaign")
    again = [e for e in report["mutants"] if e["status"] in ("survived", "judged_equivalent", "error")]
    log(f"{name}: re-testing {len(again)} survivors")
    for e in again:
        build = compilers.apply(_compile_job, ((target.source, apply_mutant(lines, e), target.compiled),))
        build["abi_changed"] = build["abi"] != report["reference_abi"]
        for stale in ("reason", "error", "output", "killed_by"):
            e.pop(stale, None)
        e.update(status="pending", build=build)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contract", action="append", choices=sorted(TARGETS), help="only this target (repeatable)")
    parser.add_argument("--sample", type=int, default=SAMPLE, help=f"testable mutants per target (default {SAMPLE})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"sampling and Hypothesis seed (default {SEED})")
    parser.add_argument("--jobs", type=int, default=JOBS, help=f"parallel workers (default {JOBS})")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, help=f"seconds per mutant (default {TIMEOUT})")
    parser.add_argument("--out", type=Path, default=None, help=f"report folder (default {OUT})")
    parser.add_argument(
        "--properties-only",
        action="store_true",
        help=f"score the state machines alone (default out {PROPERTIES_OUT}, target {PROPERTIES_SCORE:.0%})".replace(
            "%", "%%"
        ),
    )
    parser.add_argument(
        "--rerun-survivors",
        action="store_true",
        help="re-test only the survivors (judged equivalent and errors included) of the existing reports",
    )
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = PROPERTIES_OUT if args.properties_only else OUT
    threshold = PROPERTIES_SCORE if args.properties_only else TARGET_SCORE
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))

    ensure_compiled()
    assert load_artifacts(ROOT)
    built = json.loads((ROOT / MANIFEST).read_text())["contractTypes"]
    names = args.contract or list(TARGETS)
    if args.properties_only:
        for name in [n for n in names if n in NO_MACHINE_YET]:
            if args.contract:
                raise SystemExit(f"{name}: {NO_MACHINE_YET[name]}; score it without --properties-only")
            log(f"{name}: skipped: {NO_MACHINE_YET[name]}")
            names.remove(name)
    out = ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    rows = []
    workers = compilers = None
    try:
        workers = Workers(args.jobs, args.seed, args.timeout)
        compilers = multiprocessing.get_context("fork").Pool(
            args.jobs, initializer=_compile_init, initargs=(str(ROOT), str(workers.base))
        )
        references = {c: reference_build(compilers, built, c) for c in sorted({TARGETS[n].compiled for n in names})}
        baselines: dict[tuple[str, ...], dict] = {}
        for name in names:
            target = TARGETS[name]
            if args.properties_only:
                target = Target(target.name, target.source, target.compiled, target.machines, target.machines)
            path = out / f"{name}.json"
            lines = (ROOT / target.source).read_text().splitlines(keepends=True)
            reference, reference_abi = references[target.compiled]
            t0 = time.monotonic()
            # a verdict means something only if the suite passes on the original code (re-runs included:
            # they follow new tests, and a new test failing on the original would "kill" every mutant)
            if target.tests not in baselines:
                log(f"{name}: the unmutated suite ({' '.join(target.tests)})")
                baselines[target.tests] = workers.run(target.compiled, None, target.tests)
            if (base := baselines[target.tests])["status"] != "survived":
                why = base.get("killed_by") or base.get("error") or f"over {args.timeout} s: {base.get('output')}"
                raise SystemExit(f"{name}: the tests do not pass on the original code: {why}")
            if args.rerun_survivors:
                report = survivors_again(name, path, lines, args.seed, reference, compilers)
            else:
                generated, candidates = generate(lines)
                random.Random(f"{args.seed}:{name}").shuffle(candidates)
                log(
                    f"{name}: {generated:,} mutants, {len(candidates):,} on code lines;"
                    f" compiling to {args.sample} testable"
                )
                entries = select(
                    target, lines, candidates, args.sample, compilers, 4 * args.jobs, reference, reference_abi
                )
                report = {
                    "target": name,
                    "source": target.source,
                    "compiled_as": target.compiled,
                    "reference": reference,
                    "reference_abi": reference_abi,
                    "seed": args.seed,
                    "sample": args.sample,
                    "rules": RULES,
                    "tests": list(target.tests),
                    "properties_only": args.properties_only,
                    "generated": generated,
                    "on_code_lines": len(candidates),
                    "mutants": entries,
                }
                log(f"{name}: {sum(e['status'] == 'pending' for e in entries)} testable of {len(entries)} looked at")
            run_tests(target, report["mutants"], workers)
            for entry in report["mutants"]:
                judge(name, lines, entry)
            report["seconds"] = round(time.monotonic() - t0, 1)
            report["summary"] = summarize(report)
            path.write_text(json.dumps(report, indent=1) + "\n")
            rows.append(report["summary"])
            log(f"{name}: {report['summary']} in {report['seconds']} s")
    finally:
        if compilers is not None:
            compilers.terminate()
        if workers is not None:
            workers.close()
    wall = round(time.monotonic() - started, 1)
    if not args.contract:
        (out / "summary.json").write_text(json.dumps({"seconds": wall, "targets": rows}, indent=1) + "\n")
        (out / "summary.md").write_text(table(rows) + f"\n\nwall time {wall} s\n")
    log("\n" + table(rows) + f"\n\nwall time {wall / 60:.1f} min; reports in {out}/")
    for name in names:
        for e in json.loads((out / f"{name}.json").read_text())["mutants"]:
            if e["status"] in ("survived", "error"):
                log(f"{e['status']}: {name} line {e['line']} ({e['rule']}){' ' + e.get('error', '')}\n{e['diff']}")
    failing = [r["target"] for r in rows if r["score"] is None or r["score"] < threshold]
    if failing:
        log(f"below the {threshold:.0%} target (or no testable mutant): {', '.join(failing)}")
    return 1 if failing else 0


# Survivors reviewed by hand and judged equivalent (the same observable behaviour although the
# bytecode differs): (target, line number, original line, mutated line), both stripped -> why. The line
# number pins a judgement to one site (the same text elsewhere may be no equivalent); after an edit of
# the contract, tests/test_mutation_tool.py names the entries whose line moved. PROPERTIES.md lists them.
_SYMMETRIC = (
    "`_check_parties` treats its two parties alike (the pause, then each party's blacklist, with one reason): "
    "swapping them changes nothing observable"
)
_BOUND = (
    "a longer string passes the factory's decoder but not the blueprint's: ComputeToken's constructor takes "
    "String[25] / String[5], so create_token reverts either way (test_names_and_symbols_take_their_full_length_"
    "and_no_more checks it)"
)
_UNSIGNED = "an unsigned value is never below 0: `<= 0` is `== 0`"
_BASKET_BOUND = (
    "a longer argument passes the basket factory's decoder but not the blueprint's: ComputeBasket's constructor "
    "takes String[25] / String[5] / DynArray[.., 32], so create_basket reverts either way "
    "(test_names_symbols_and_components_take_their_bound_and_no_more checks it)"
)
_OVERWRITTEN_BOOKING = (
    "`book_with_authorization` assigns both from `_book`'s result on the next line, before any read (Vyper "
    "requires the initializer)"
)
_OVERWRITTEN_ANSWER = (
    "`_answer` assigns both from the token's `epoch_revenue` on the next line, before any read (Vyper requires "
    "the initializer)"
)
JUDGED_EQUIVALENT: dict[tuple[str, int, str, str], str] = {
    ("AttestationOracle", 173, "previous: uint256 = 0", "previous: uint256 = 1"): (
        "the first signer must exceed 1 instead of 0: a failed recovery (0) is refused either way, and address 0x...01"
        " (a precompile) has no key"
    ),
    ("AttestationOracle", 182, "member: uint256 = 0", "member: uint256 = 1"): (
        "the initial value is read only when the walk is already at the end, where `position < count` fails the assert"
        " first"
    ),
    ("AttestationOracle", 187, "if member >= signer:", "if member == signer:"): (
        "the merge walk then passes members above the signer up to the end of the committee, where `position < count` "
        "fails the same assert with the same reason; a member equal to it stops both"
    ),
    ("AttestationOracle", 192, "position += 1", "position *= 1"): (
        "(after a match) the next signer, strictly above this member, steps past it in the walk's first iteration: one"
        " iteration more, same result"
    ),
    (
        "AttestationOracle",
        159,
        'assert self._reports[report.node_id][report.epoch] == 0, "oracle: epoch already reported"',
        'assert self._reports[report.node_id][report.epoch] <= 0, "oracle: epoch already reported"',
    ): _UNSIGNED,
    ("AttestationOracle", 321, "if latest_plus_one == 0:", "if latest_plus_one <= 0:"): _UNSIGNED,
    ("AttestationOracle", 339, "if latest_plus_one == 0:", "if latest_plus_one <= 0:"): _UNSIGNED,
    ("ComputeFactory", 108, "name: String[25],", "name: String[(25+1)],"): _BOUND,
    ("ComputeFactory", 109, "symbol: String[5],", "symbol: String[(5+1)],"): _BOUND,
    ("ComputeBasketFactory", 84, "name: String[25],", "name: String[(25+1)],"): _BASKET_BOUND,
    ("ComputeBasketFactory", 85, "symbol: String[5],", "symbol: String[(5+1)],"): _BASKET_BOUND,
    (
        "ComputeBasketFactory",
        37,
        "MAX_COMPONENTS: constant(uint256) = 32",
        "MAX_COMPONENTS: constant(uint256) = (32+1)",
    ): _BASKET_BOUND,
    ("compliance", 436, "if code == PAUSED:", "if code <= PAUSED:"): (
        "`_message` tests SUCCESS (0) first: past it, code <= 1 means code == PAUSED"
    ),
    (
        "revenue_stream",
        479,
        "self._account[account] = self._with_debt(slot, unsafe_add(slot, unsafe_mul(amount, acc)))",
        "self._account[account] = self._with_debt(slot, unsafe_add(slot, unsafe_mul ( acc,amount)))",
    ): ("unsafe_mul commutes"),
    (
        "revenue_stream",
        550,
        "def _accrued(slot: uint256, balance: uint256, acc: uint256) -> uint256:",
        "def _accrued(slot: uint256 , acc: uint256, balance: uint256) -> uint256:",
    ): ("the two swapped parameters are used only as unsafe_mul(balance, acc), which commutes"),
    ("revenue_stream", 647, "released: uint256 = 0", "released: uint256 = (0+1)"): (
        "`_advance` assigns `released` on every path before reading it (Vyper requires the initializer)"
    ),
    ("MockStablecoin", 137, "self._check_parties(msg.sender, to)", "self._check_parties ( to,msg.sender)"): _SYMMETRIC,
    ("MockStablecoin", 152, "self._check_parties(owner, to)", "self._check_parties ( to,owner)"): _SYMMETRIC,
    ("MockStablecoin", 193, "self._check_parties(owner, spender)", "self._check_parties ( spender,owner)"): _SYMMETRIC,
    ("MockStablecoin", 420, "self._check_parties(from_, to)", "self._check_parties ( to,from_)"): _SYMMETRIC,
    (
        "MockStablecoin",
        459,
        "def _check_parties(sender: address, receiver: address):",
        "def _check_parties ( receiver: address,sender: address):",
    ): _SYMMETRIC,
    (
        "NodeRegistry",
        302,
        "assert (profile >> _STATUS_SHIFT) & constants.UINT8_MASK != convert(RETIRED, uint256), "
        '"registry: node is retired"',
        "assert (profile >> _STATUS_SHIFT) & constants.UINT8_MASK < convert(RETIRED, uint256), "
        '"registry: node is retired"',
    ): ("a registered node's status is 1, 2 or 3 (set_status refuses others): below 3 is not 3"),
    ("Settlement", 342, "due: uint256 = 0", "due: uint256 = 1"): (
        "`due` is read only when no skip reason was found, and that path assigns it first (Vyper requires the "
        "initializer)"
    ),
    ("Settlement", 1209, "share_bps: uint256 = 0", "share_bps: uint256 = (0+1)"): (
        "`_lookup` overwrites it with the registry's answer before any read (Vyper requires the initializer)"
    ),
    (
        "NodeRegistry",
        237,
        'assert len(self._region_nodes[region_key]) < MAX_NODES_PER_REGION, "registry: region is full"',
        'assert len(self._region_nodes[region_key]) != MAX_NODES_PER_REGION, "registry: region is full"',
    ): (
        "a region's list grows by one per registration from 0 and this assert stops it at the bound: its length never "
        "exceeds it, so `<` and `!=` agree"
    ),
    (
        "NodeRegistry",
        235,
        'assert listed < MAX_NODES_PER_OPERATOR_IN_REGION, "registry: operator has 16 nodes in the region"',
        'assert listed != MAX_NODES_PER_OPERATOR_IN_REGION, "registry: operator has 16 nodes in the region"',
    ): (
        "an operator's count in a region grows by one per registration from 0 and this assert stops it at the "
        "bound: it never exceeds it, so `<` and `!=` agree"
    ),
    (
        "NodeRegistry",
        493,
        'assert held > owed, "registry: nothing to skim"',
        'assert held != owed, "registry: nothing to skim"',
    ): (
        "the registry never holds less than it owes (every owed unit arrived by balance difference and leaves only "
        "by the registry's own transfers of that amount; rebasing tokens are not supported), so `>` and `!=` agree"
    ),
    (
        "Settlement",
        123,
        "_MAX_POOL: constant(uint256) = (1 << 79) - 1",
        "_MAX_POOL: constant(uint256) = (1 << (79-1)) - 1",
    ): (
        "the packed fee pool then spills into the treasury's earnings slot at 2**78 instead of 2**79; every view and "
        "withdrawal adds the two, so only the storage layout (gas) differs"
    ),
    (
        "Settlement",
        336,
        "if k == 0 or k > len(payees) or payees[k - 1].node_id != voucher.node_id:",
        "if k <= 0 or k > len(payees) or payees[k - 1].node_id != voucher.node_id:",
    ): _UNSIGNED,
    ("Settlement", 385, "return 0", "pass"): (
        "with nothing due no payee has an amount: the loop pays nobody, `_book` writes the `_config` slot back "
        "unchanged (no fee, nothing paid out), and `total` (0) is returned; the early return saves gas only"
    ),
    (
        "Settlement",
        518,
        'assert held > owed, "settlement: nothing to skim"',
        'assert held != owed, "settlement: nothing to skim"',
    ): (
        "Settlement never holds less than it owes (every owed unit arrived by balance difference and leaves only by "
        "its own transfers of that amount or a token's pull of it; rebasing tokens are not supported), so `>` and "
        "`!=` agree"
    ),
    (
        "revenue_stream",
        72,
        "_QUEUE_SET: constant(uint256) = 1 << 255",
        "_QUEUE_SET: constant(uint256) = 1 << (255-1)",
    ): (
        "the queue's marker bit moves from 255 to 254, the top bit of the owed half; what is owed stays far "
        "below 2**126 (every base unit the token holds) and every read and write goes through the same constant"
    ),
    ("revenue_stream", 647, "released: uint256 = 0", "released: uint256 = 1"): (
        "`_advance` assigns `released` on every path before reading it (Vyper requires the initializer)"
    ),
    ("revenue_stream", 658, "if released == 0:", "if released <= 0:"): _UNSIGNED,
    (
        "ComputeBasket",
        254,
        'assert stream._flags() & stream.PAUSED_FLAG == 0, "compute_basket: paused"',
        'assert stream._flags() & stream.PAUSED_FLAG <= 0, "compute_basket: paused"',
    ): _UNSIGNED,
    (
        "revenue_stream",
        672,
        "released = unsafe_add(released, unsafe_div(unsafe_mul(rate, elapsed), length))",
        "released = unsafe_add(released, unsafe_div(unsafe_mul ( elapsed,rate), length))",
    ): "unsafe_mul commutes",
    (
        "compliance",
        390,
        "if not staticcall registry.are_verified(sender, receiver):",
        "if not staticcall registry.are_verified ( receiver,sender):",
    ): "`are_verified` is symmetric: both verified until the earlier expiry",
    ("compliance", 438, "if code == SENDER_FROZEN:", "if code <= SENDER_FROZEN:"): (
        "`_message` tests SUCCESS (0) and PAUSED (1) first: past them, code <= 2 means code == SENDER_FROZEN"
    ),
    ("compliance", 444, "if code == RECEIVER_NOT_VERIFIED:", "if code <= RECEIVER_NOT_VERIFIED:"): (
        "`_message` tests the codes 0 to 4 first: past them, code <= 5 means code == RECEIVER_NOT_VERIFIED"
    ),
    (
        "revenue_stream",
        455,
        "debt: uint256 = unsafe_mul(amount, now.acc)",
        "debt: uint256 = unsafe_mul ( now.acc,amount)",
    ): "unsafe_mul commutes",
    ("compliance", 146, "if state.restrictions != 0:", "if state.restrictions != (0+1):"): (
        "`restrictions` only ever has bits 38, 39, 254 and 255 set (paused, restricted, the parties' frozen flags), "
        "so it is never 1; on the open path (0) the mutant runs `_require_transferable` with nothing set, which "
        "passes: only the gas differs (found by the properties-only campaign, issue #22)"
    ),
    ("revenue_stream", 570, "if now.hot == 0:", "if now.hot <= 0:"): _UNSIGNED,
    ("revenue_stream", 737, "return 0", "pass"): (
        "`streaming` is the only caller and passes the epoch of the timestamp, so `start <= timestamp`: the early "
        "return is taken only at `timestamp == start`, where the general formula releases `min(0, L) = 0` too"
    ),
    (
        "NodeOffering",
        1069,
        'assert code != _PAUSED, "offering: node token is paused"',
        'assert code > _PAUSED, "offering: node token is paused"',
    ): (
        "the branch runs only for a code that is not 0, and compliance's codes are 1 (paused) and up: above 1 is "
        "exactly not 1 there"
    ),
    ("NodeRentals", 134, "_MAX_DAYS: constant(uint256) = 8", "_MAX_DAYS: constant(uint256) = (8+1)"): (
        "`_MAX_DAYS` only bounds the day-word loops of `_book` and `_cut`, which break once `hour >= end`; a window "
        "is at most 168 hours, so it spans at most 8 day words (23 hours of the first, 6 whole days, 1 hour of the "
        "last) and the loop never reaches a ninth pass with hours left: with 9 the only difference is one more "
        "comparison for a window of exactly 8 day words (gas; found by the properties-only campaign)"
    ),
    ("NodeRentals", 254, "booking_id: uint256 = 0", "booking_id: uint256 = (0+1)"): _OVERWRITTEN_BOOKING,
    ("NodeRentals", 254, "booking_id: uint256 = 0", "booking_id: uint256 = 1"): _OVERWRITTEN_BOOKING,
    ("NodeRentals", 255, "rent: uint256 = 0", "rent: uint256 = (0+1)"): _OVERWRITTEN_BOOKING,
    ("NodeRentals", 255, "rent: uint256 = 0", "rent: uint256 = 1"): _OVERWRITTEN_BOOKING,
    (
        "NodeRentals",
        533,
        'assert offer.status == _ACTIVE, "rentals: node is not active"',
        'assert offer.status <= _ACTIVE, "rentals: node is not active"',
    ): (
        "the line before refuses status 0 (an unknown node), and a registered node's status is 1, 2 or 3 "
        "(`set_status` refuses others): at most 1 is exactly 1"
    ),
    (
        "NodeRentals",
        548,
        "word: uint256 = unsafe_add(self._capacity[node_id][day], unsafe_mul(units, lanes))",
        "word: uint256 = unsafe_add(self._capacity[node_id][day], unsafe_mul ( lanes,units))",
    ): "unsafe_mul commutes",
    ("RevenueFeed", 241, "amount: uint256 = 0", "amount: uint256 = (0+1)"): _OVERWRITTEN_ANSWER,
    ("RevenueFeed", 241, "amount: uint256 = 0", "amount: uint256 = 1"): _OVERWRITTEN_ANSWER,
    ("RevenueFeed", 242, "supply: uint256 = 0", "supply: uint256 = (0+1)"): _OVERWRITTEN_ANSWER,
    ("RevenueFeed", 242, "supply: uint256 = 0", "supply: uint256 = 1"): _OVERWRITTEN_ANSWER,
    ("Settlement", 1094, "break", "pass"): (
        "`preflight`'s channel list holds each (payer, node) once (a channel is appended only when this search "
        "found none), so searching on after the match finds no other: `c` and `channel` are the same (a view; only "
        "the gas differs; found by the properties-only campaign)"
    ),
    ("Settlement", 126, "_SHARE_SHIFT: constant(uint256) = 160", "_SHARE_SHIFT: constant(uint256) = (160+1)"): (
        "`_payees` is written (`_lookup`) and read (`_lookup`, `_is_node`) only through `_SHARE_SHIFT` and the "
        "address mask of bits 0..159; the share is at most 9,000 bps (the registry's cap, < 2**14), so bits 161..175 "
        "hold it as well as 160..175, and the slot stays non-zero with its token: no observable difference (found "
        "by the properties-only campaign, issue #22)"
    ),
    ("Settlement", 1441, "if self._config & _PAUSED_BIT != 0:", "if self._config & _PAUSED_BIT != 1:"): (
        "`_config & _PAUSED_BIT` is 0 or 2**176, never 1, so the mutant always checks the pause's lapse; with the "
        "flag clear the low 64 bits of `_pause` are 0 (never written before the first `pause`, cleared by `unpause`, "
        "the only writers), and `block.timestamp >= 0 + PAUSE_LIMIT` (at most 30 days) holds on any chain past "
        "January 1970: only the gas differs (one SLOAD; found by the properties-only campaign, issue #22)"
    ),
}


if __name__ == "__main__":
    sys.exit(main())
