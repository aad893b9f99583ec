"""Statement coverage of every Vyper contract, from the unit suite run on Anvil.

    make coverage                                   # the default selection (see SELECTION)
    python scripts/coverage.py [pytest args ...]    # the same, with other tests or options

Runs `pytest` with Ape's plugin, `--coverage`, `--engine ape` and
`--network ethereum:local:foundry` (so Ape traces every transaction and call on a real
Anvil node), then writes `reports/coverage/` (Ape's `coverage.xml` and `htmlcov/`, and
`coverage.json` / `coverage.md`: statements, covered and percent per contract) and prints
the per-contract table.

Not an `ape run` script (it starts its own pytest session): run it with the project's
virtualenv, `vyper` and `anvil` on PATH (`make coverage` does).

One shim, in this harness only (it changes what Ape records, never what a test does):
Ape collects transaction coverage from the blocks a test mined, inside its own isolation
fixtures; the suite turns those off (`--disable-isolation`, the tests isolate themselves
with engine snapshots), so this plugin hands every transaction's receipt, and every
reverted transaction's trace, to Ape's coverage tracker as it happens. Calls (views) are
traced and tracked by Ape itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "coverage"

# The whole unit suite; the property machines (tests/fuzz) run a few examples each on Ape
# and add nothing the unit tests miss, tests/engine compares the engines, tests/scripts
# start their own chains (see PROPERTIES.md, "Coverage").
SELECTION = ["tests/unitary"]
FIXED = ["--engine", "ape", "--network", "ethereum:local:foundry", "--coverage", "-p", "no:randomly"]


class CoverageHarness:
    """A pytest plugin: the two shims above, and the reports at the end of the session."""

    def __init__(self) -> None:
        self.tracked = 0

    # --- shim 1: every transaction's coverage ---------------------------------------------
    def _tracker(self):
        from ape.utils.basemodel import ManagerAccessMixin

        runner = ManagerAccessMixin._test_runner
        return runner.coverage_tracker if runner is not None else None

    def _cover_receipt(self, receipt) -> None:
        try:
            receipt.track_coverage()
            self.tracked += 1
        except Exception as err:
            print(f"coverage: could not trace {getattr(receipt, 'txn_hash', '?')}: {err}", file=sys.stderr)

    def _cover_failure(self, err) -> None:
        tracker = self._tracker()
        try:
            traceback = err.source_traceback
        except Exception:
            traceback = None
        if tracker is not None and traceback is not None and len(traceback) > 0:
            tracker.cover(traceback)
            self.tracked += 1

    def pytest_configure(self, config) -> None:
        from ape.contracts.base import ContractTransactionHandler
        from ape.exceptions import ContractLogicError

        harness = self
        send = ContractTransactionHandler.__call__

        def traced_send(handler, *args, **kwargs):
            try:
                receipt = send(handler, *args, **kwargs)
            except ContractLogicError as err:
                harness._cover_failure(err)
                raise
            harness._cover_receipt(receipt)
            harness.last_receipt = receipt
            return receipt

        ContractTransactionHandler.__call__ = traced_send

    # --- the reports -----------------------------------------------------------------------
    def pytest_sessionfinish(self, session) -> None:
        tracker = self._tracker()
        if tracker is None or tracker.data is None:
            print("coverage: Ape collected nothing", file=sys.stderr)
            return
        report = tracker.data.report
        OUT.mkdir(parents=True, exist_ok=True)
        report.write_xml(OUT)
        report.write_html(OUT)
        rows = []
        for project in report.projects:
            for source in project.sources:
                for contract in source.contracts:
                    missed = sorted(
                        {s.location[0] for s in contract.statements if s.hit_count == 0 and s.location is not None}
                    )
                    rows.append(
                        {
                            "source": source.source_id,
                            "contract": contract.name,
                            "statements": contract.lines_valid,
                            "covered": contract.lines_covered,
                            "percent": round(100 * contract.line_rate, 2),
                            "functions": f"{contract.function_hits}/{len(contract.functions)}",
                            "missed_lines": missed,
                        }
                    )
        summary = {
            "command": " ".join(["python scripts/coverage.py", *session.config.invocation_params.args]),
            "tests": {"passed": session.testscollected - session.testsfailed, "failed": session.testsfailed},
            "contracts": rows,
        }
        (OUT / "coverage.json").write_text(json.dumps(summary, indent=2) + "\n")
        lines = ["| contract | source | statements | covered | % | functions hit | lines with a missed statement |"]
        lines.append("|---|---|---:|---:|---:|---:|---|")
        for row in rows:
            missed = ", ".join(map(str, row["missed_lines"])) or "-"
            lines.append(
                f"| {row['contract']} | {row['source']} | {row['statements']} | {row['covered']} | "
                f"{row['percent']:.2f} | {row['functions']} | {missed} |"
            )
        table = "\n".join(lines)
        (OUT / "coverage.md").write_text(f"Statement coverage on Anvil (`{summary['command']}`)\n\n{table}\n")
        print(f"\n{table}\n\nreports in {OUT.relative_to(ROOT)}/ ({self.tracked} transactions traced)")


def _main(argv: list[str]) -> int:
    import pytest

    args = [*(argv or SELECTION), *FIXED]
    return pytest.main(args, plugins=["ape_test", CoverageHarness()])


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
