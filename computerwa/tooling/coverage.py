"""Statement coverage of every Vyper contract of ours: the suite on Ape's local provider.

    make coverage                                  # the default selection, fails under 95%
    python -m computerwa.tooling.coverage [pytest args ...]   # other tests: ... tests/unitary/token

Runs the tests with `--engine ape` on Ape's embedded `test` provider, whose EVM is
py-evm, with `Recorder` hooked into py-evm's instruction loop: every
executed pc of every transaction and call is recorded, reverted transactions and
constructors included, and code inlined from a module (revenue_stream, compliance) counts
for the module's file. `report` maps the pcs to statements (below).

Writes reports/coverage/coverage.json and coverage.md (statements, covered, percent and the
lines of missed statements per source file), prints the table, and exits non-zero when a
test failed or a source file is below --fail-under (default 95).

Not an `ape run` script (it starts its own pytest session): run it with the project's
virtualenv on PATH (`make coverage` does).

How pcs become statements: `Recorder` hooks py-evm, the EVM of Ape's local `test` provider: while it is installed,
every executed pc is recorded per executed code. Each code is then matched to a
contract exactly (creation code: the build's creation code plus constructor arguments;
runtime code: the build's runtime code plus immutables). `report` maps the executed pcs
back to source with the compiler's own pc -> AST-node maps, of the runtime and of the
creation code (so constructors count), and reports per source file of ours (modules
included, snekmate's excluded) how many statements ran. Every transaction and call
counts, reverted ones included.

(pyrevm, the fast engine, can trace too, but it writes each EIP-3155 line through
Python's `sys.stdout` in ~190 pieces: about 1,000 instructions a second, far too slow.)

A statement is the innermost `Stmt` node of the Vyper AST enclosing an executed pc. A
statement that compiles to no instruction of any contract (a constant, say) cannot run
and is left out of both counts, as coverage tools do for Python.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from computerwa.evm.artifacts import load_artifacts, project_root

# our own sources; mocks are test doubles and snekmate is an audited dependency
OWN_SOURCES = "contracts/*.vy"


# --- 1. record: executed pcs per code ----------------------------------------------------------
def instrumented_iter(open_code):
    """A replacement for py-evm's `CodeStream.__iter__` (its instruction loop) that reports
    every step: `open_code(stream)` is called when a frame starts running code and returns
    `(before, after)`; `before(pc)` runs before each instruction and its result is handed
    to `after(pc, token)` once the instruction has run (not after a halting one)."""
    from eth.vm.opcode_values import STOP

    def iterate(stream):
        raw = stream._raw_code_bytes
        before, after = open_code(stream)
        while True:
            pc = stream.program_counter
            try:
                opcode = raw[pc]
            except IndexError:
                break
            stream.program_counter = pc + 1
            token = before(pc)
            yield opcode
            after(pc, token)
        yield STOP

    return iterate


def build_of(code: bytes, artifacts: dict) -> tuple[str, str] | None:
    """(contract name, "init" or "runtime") of executed code, or None if not from this build:
    creation code runs with its constructor arguments appended, runtime code with its immutables."""
    for kind, field_name in (("init", "bytecode"), ("runtime", "runtime")):
        for name, artifact in artifacts.items():
            if code.startswith(getattr(artifact, field_name)):
                return name, kind
    return None


class Recorder:
    """Records every pc py-evm executes, per code, while installed."""

    def __init__(self) -> None:
        self.pcs: dict[bytes, set[int]] = defaultdict(set)
        self._original: Any = None

    def install(self) -> None:
        from eth.vm.code_stream import CodeStream

        pcs = self.pcs

        def ignore(pc, token):
            pass

        def open_code(stream):
            return pcs[stream._raw_code_bytes].add, ignore

        self._original = CodeStream.__iter__
        CodeStream.__iter__ = instrumented_iter(open_code)  # type: ignore[method-assign]

    def uninstall(self) -> None:
        from eth.vm.code_stream import CodeStream

        if self._original is not None:
            CodeStream.__iter__ = self._original  # type: ignore[method-assign]
            self._original = None

    def executed(self, root: Path | None = None) -> tuple[dict[str, list[int]], int]:
        """Executed pcs per 'Name:init' / 'Name:runtime', and how many codes matched none."""
        artifacts = load_artifacts(root)
        out: dict[str, set[int]] = defaultdict(set)
        unmatched = 0
        for code, pcs in self.pcs.items():
            build = build_of(code, artifacts)
            if build is None:
                unmatched += 1  # blueprint preambles, test-only bytecode
            else:
                out[":".join(build)] |= pcs
        return {k: sorted(v) for k, v in sorted(out.items())}, unmatched


# --- 2. report: executed pcs -> statements ---------------------------------------------------
@dataclass
class SourceCoverage:
    path: str
    statements: dict[tuple, int] = field(default_factory=dict)  # statement key -> line
    covered: set[tuple] = field(default_factory=set)

    @property
    def percent(self) -> float:
        return 100.0 * len(self.covered) / len(self.statements) if self.statements else 100.0

    def missed_lines(self) -> list[int]:
        return sorted({line for key, line in self.statements.items() if key not in self.covered})


def _pc_maps(path: Path, root: Path) -> tuple[dict[int, object], dict[int, object], bytes, bytes]:
    """The compiler's pc -> AST node maps of a contract's runtime and creation code."""
    from vyper.compiler.input_bundle import FilesystemInputBundle
    from vyper.compiler.phases import CompilerData
    from vyper.compiler.settings import Settings
    from vyper.ir import compile_ir

    search = [root, *map(Path, sys.path)]
    bundle = FilesystemInputBundle([p for p in search if p.is_dir()])
    data = CompilerData(bundle.load_file(path.relative_to(root)), bundle, settings=Settings(evm_version="prague"))
    runtime, runtime_maps = compile_ir.assembly_to_evm(data.assembly_runtime)
    init, init_maps = compile_ir.assembly_to_evm(data.assembly)
    return runtime_maps["pc_raw_ast_map"], init_maps["pc_raw_ast_map"], runtime, init


def _statement(node):
    from vyper import ast as vy_ast

    return node if isinstance(node, vy_ast.Stmt) else node.get_ancestor(vy_ast.Stmt)


def _key(node) -> tuple:
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, type(node).__name__)


def report(executed: dict[str, list[int]], root: Path | None = None) -> dict[str, SourceCoverage]:
    """Statement coverage per source file of ours, from the executed pcs per code."""
    root = project_root(root)
    own = {p.resolve() for p in root.glob(OWN_SOURCES)}
    artifacts = load_artifacts(root)
    sources: dict[Path, SourceCoverage] = {}
    for name, artifact in artifacts.items():
        path = root / "contracts" / f"{name}.vy"
        if path.resolve() not in own:
            continue
        runtime_map, init_map, runtime, init = _pc_maps(path, root)
        if runtime != artifact.runtime or len(init) > len(artifact.bytecode):
            raise RuntimeError(f"coverage: {name}'s build differs from its source: run `make compile` first")
        for kind, pc_map in (("runtime", runtime_map), ("init", init_map)):
            ran = set(executed.get(f"{name}:{kind}", ()))
            for pc, node in pc_map.items():
                stmt = _statement(node)
                # no statement, or one the compiler made up (a public constant's getter returns through a
                # `Return` with no source position): nothing in our sources to report
                if stmt is None or stmt.lineno is None or stmt.module_node is None:
                    continue
                if stmt.module_node.resolved_path is None:
                    continue
                file = Path(stmt.module_node.resolved_path).resolve()
                if file not in own:
                    continue
                source = sources.setdefault(file, SourceCoverage(str(file.relative_to(root.resolve()))))
                source.statements[_key(stmt)] = stmt.lineno
                if pc in ran:
                    source.covered.add(_key(stmt))
    return {source.path: source for _, source in sorted(sources.items())}


# --- the same report from a statement map computed once per build (ape run fuzz --coverage) ----
STATEMENT_MAP = ".build/computerwa-statement-map.json"  # the cache: rebuilt whenever the build changes


def _build_digest(artifacts: dict, root: Path) -> str:
    import hashlib

    import vyper

    digest = hashlib.sha256(f"vyper {vyper.__version__}".encode())
    own = {p.resolve() for p in root.glob(OWN_SOURCES)}
    for name, artifact in sorted(artifacts.items()):
        path = root / "contracts" / f"{name}.vy"
        if path.resolve() in own:
            digest.update(name.encode() + b"\0" + artifact.bytecode + b"\0" + artifact.runtime)
    for path in sorted(own):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def statement_map(root: Path | None = None) -> dict[str, Any]:
    """What `report` derives from the compiler, once per build: every statement of our sources
    ({path: [statement key, ...]}, a key being [line, column, end line, end column, node type])
    and which one each pc of each code runs ({"Name:runtime" / "Name:init": {pc: [path, index
    of the statement]}}). Compiling
    every contract for its pc maps takes tens of seconds: the map is cached in STATEMENT_MAP
    under a digest of the build, the sources and the compiler's version."""
    root = project_root(root)
    artifacts = load_artifacts(root)
    digest = _build_digest(artifacts, root)
    cache = root / STATEMENT_MAP
    try:
        cached = json.loads(cache.read_text())
        if cached.get("digest") == digest:
            return cached
    except (OSError, ValueError):
        pass
    own = {p.resolve() for p in root.glob(OWN_SOURCES)}
    sources: dict[str, dict[tuple, int]] = {}  # path -> statement key -> its index
    codes: dict[str, dict[str, list]] = {}
    for name, artifact in sorted(artifacts.items()):
        path = root / "contracts" / f"{name}.vy"
        if path.resolve() not in own:
            continue
        runtime_map, init_map, runtime, init = _pc_maps(path, root)
        if runtime != artifact.runtime or len(init) > len(artifact.bytecode):
            raise RuntimeError(f"coverage: {name}'s build differs from its source: run `make compile` first")
        for kind, pc_map in (("runtime", runtime_map), ("init", init_map)):
            pcs = codes.setdefault(f"{name}:{kind}", {})
            for pc, node in pc_map.items():
                stmt = _statement(node)
                # no statement, or one the compiler made up (a public constant's getter returns through a
                # `Return` with no source position): nothing in our sources to report
                if stmt is None or stmt.lineno is None or stmt.module_node is None:
                    continue
                if stmt.module_node.resolved_path is None:
                    continue
                file = Path(stmt.module_node.resolved_path).resolve()
                if file not in own:
                    continue
                source, key = str(file.relative_to(root.resolve())), _key(stmt)
                keys = sources.setdefault(source, {})
                pcs[str(pc)] = [source, keys.setdefault(key, len(keys))]
    data = {
        "digest": digest,
        "sources": {path: [list(key) for key in keys] for path, keys in sorted(sources.items())},
        "codes": codes,
    }
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(data))
    except OSError:
        pass  # a read-only checkout: computed again next time
    return data


def statement_report(executed: dict[str, list[int]], root: Path | None = None) -> dict[str, SourceCoverage]:
    """`report`'s result (statement keys as strings) from the cached `statement_map`."""
    data = statement_map(root)
    keys = {path: [tuple(key) for key in statements] for path, statements in data["sources"].items()}
    sources = {path: SourceCoverage(path, {key: key[0] for key in statements}) for path, statements in keys.items()}
    for code, pcs in executed.items():
        mapped = data["codes"].get(code, {})
        for pc in pcs:
            hit = mapped.get(str(pc))
            if hit is not None:
                path, index = hit
                sources[path].covered.add(keys[path][index])
    return sources


def rows(sources: dict[str, SourceCoverage]) -> list[dict[str, Any]]:
    """One row per source file: statements, covered, percent and the lines with a missed statement."""
    return [
        {
            "source": source.path,
            "statements": len(source.statements),
            "covered": len(source.covered),
            "percent": round(source.percent, 2),
            "missed_lines": source.missed_lines(),
        }
        for source in sources.values()
    ]


# --- the command (`make coverage`) -----------------------------------------------------------------
ROOT = project_root()
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

    parser = argparse.ArgumentParser(description="Statement coverage of every Vyper contract of ours.")
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
    rows: list[dict[str, Any]] = [
        {
            "source": source.path,
            "statements": len(source.statements),
            "covered": len(source.covered),
            "percent": round(source.percent, 2),
            "missed_lines": source.missed_lines(),
        }
        for source in report(executed, ROOT).values()
    ]
    command = " ".join(["python -m computerwa.tooling.coverage", *argv])
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
