"""Statement coverage of every Vyper contract of ours: the suite on Ape's local provider.

    make coverage                                  # the default selection, fails under 95%
    python scripts/coverage.py [pytest args ...]   # other tests: python scripts/coverage.py tests/unitary/token

Runs the tests with `--engine ape` on Ape's embedded `test` provider, whose EVM is
py-evm, with `computerwa.coverage.Recorder` hooked into py-evm's instruction loop: every
executed pc of every transaction and call is recorded, reverted transactions and
constructors included, and code inlined from a module (revenue_stream) counts for the
module's file. `computerwa.coverage.report` maps the pcs to statements through the
compiler's own pc -> AST maps (see that module).

Writes reports/coverage/coverage.json and coverage.md (statements, covered, percent and the
lines of missed statements per source file), prints the table, and exits non-zero when a
test failed or a source file is below --fail-under (default 95).

Not an `ape run` script (it starts its own pytest session): run it with the project's
virtualenv on PATH (`make coverage` does).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "coverage"
# Every test that runs on a chain: unit suites, property machines (few examples on Ape),
# engine tests and the revert-reason test. Script tests start their own chains in
# subprocesses, which this process does not see.
SELECTION = ["tests/unitary", "tests/fuzz", "tests/engine", "tests/test_revert_coverage.py"]
FIXED = ["--engine", "ape", "--network", "ethereum:local:test", "-p", "no:cacheprovider"]


def _table(rows: list[dict]) -> str:
    lines = ["| source | statements | covered | % | lines with a missed statement |", "|---|---:|---:|---:|---|"]
    for row in rows:
        missed = ", ".join(map(str, row["missed_lines"])) or "-"
        lines.append(f"| {row['source']} | {row['statements']} | {row['covered']} | {row['percent']:.2f} | {missed} |")
    total = sum(r["statements"] for r in rows)
    covered = sum(r["covered"] for r in rows)
    lines.append(f"| **all** | {total} | {covered} | {100 * covered / max(total, 1):.2f} | |")
    return "\n".join(lines)


def _selection(pytest_args: list[str]) -> list[str]:
    """SELECTION, unless the arguments name tests themselves (options alone keep it)."""
    named = [a for a in pytest_args if not a.startswith("-") and (ROOT / a.split("::")[0]).exists()]
    return [] if named else SELECTION


def main(argv: list[str]) -> int:
    import pytest

    from computerwa.tooling.coverage import Recorder, report

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fail-under", type=float, default=95.0, help="minimum percent per source file")
    options, pytest_args = parser.parse_known_args(argv)
    os.chdir(ROOT)
    recorder = Recorder()
    recorder.install()
    started = time.monotonic()
    try:
        status = int(pytest.main([*pytest_args, *_selection(pytest_args), *FIXED], plugins=["ape_test"]))
    finally:
        recorder.uninstall()
    seconds = time.monotonic() - started
    executed, unmatched = recorder.executed(ROOT)
    rows = [
        {
            "source": source.path,
            "statements": len(source.statements),
            "covered": len(source.covered),
            "percent": round(source.percent, 2),
            "missed_lines": source.missed_lines(),
        }
        for source in report(executed, ROOT).values()
    ]
    command = " ".join(["python scripts/coverage.py", *argv])
    OUT.mkdir(parents=True, exist_ok=True)
    summary = {"command": command, "pytest_exit": status, "seconds": round(seconds), "sources": rows}
    (OUT / "coverage.json").write_text(json.dumps(summary, indent=2) + "\n")
    table = _table(rows)
    (OUT / "coverage.md").write_text(f"Statement coverage (`{command}`)\n\n{table}\n")
    print(
        f"\n{table}\n\n{len(recorder.pcs)} distinct codes executed in {seconds:.0f} s ({unmatched} not from "
        f"this build: blueprint preambles, test-only bytecode); reports in {OUT.relative_to(ROOT)}/"
    )
    below = [row["source"] for row in rows if row["percent"] < options.fail_under]
    if below:
        print(f"coverage: below {options.fail_under}%: {', '.join(below)}", file=sys.stderr)
    return status or (1 if below else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
