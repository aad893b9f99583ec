"""Where a transaction's gas goes, statement by statement, on Ape's embedded provider.

`GasRecorder` hooks py-evm (as `computerwa.tooling.coverage.Recorder` does) and charges every
executed instruction's gas to its pc: its own cost, and for a call the gas the callee's
code used is left to the callee's own instructions (a precompile or an account without
code has none, so ecrecover's 3,000 stays with the statement that called it).
`profile` maps the pcs to the innermost Vyper statement of our sources (snekmate's
statements and the mocks' under their own file names) through the compiler's pc -> AST
maps, and what is left of the receipt (intrinsic gas and calldata, minus refunds) is one
row of its own.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from computerwa.evm.artifacts import load_artifacts, project_root
from computerwa.tooling.coverage import _pc_maps, _statement, build_of, instrumented_iter

_maps = lru_cache(maxsize=None)(_pc_maps)


class GasRecorder:
    """Gas per executed pc, per code, of each top-level call or transaction run while
    installed (py-evm only). Ape's provider runs a transaction more than once (a call
    before it, and one after it for the return value): `profile` picks the run that is
    the mined transaction."""

    def __init__(self) -> None:
        self.runs: list[dict[bytes, Counter]] = []
        self._saved: tuple | None = None

    def install(self) -> None:
        from eth.vm.code_stream import CodeStream
        from eth.vm.computation import BaseComputation

        runs = self.runs
        active: list = []  # computations entered and not exited, innermost last
        children: dict[int, int] = defaultdict(int)  # id(computation) -> gas its callees' code used
        ran_code: set[int] = set()
        enter, leave = BaseComputation.__enter__, BaseComputation.__exit__
        self._saved = (CodeStream.__iter__, enter, leave)

        def entering(computation):
            if computation.msg.depth == 0:
                runs.append(defaultdict(Counter))
            active.append(computation)
            return enter(computation)

        def leaving(computation, *exc):
            result = leave(computation, *exc)
            active.pop()
            if active and id(computation) in ran_code:
                children[id(active[-1])] += computation.msg.gas - computation.get_gas_remaining()
            ran_code.discard(id(computation))
            children.pop(id(computation), None)
            return result

        def open_code(stream):
            computation = active[-1]
            key = id(computation)
            ran_code.add(key)
            costs = runs[-1][stream._raw_code_bytes]

            def before(pc):
                return computation.get_gas_remaining(), children[key]

            def after(pc, token):
                remaining, callees = token
                costs[pc] += remaining - computation.get_gas_remaining() - (children[key] - callees)

            return before, after

        # py-evm has no hook: its instruction loop and frame entry/exit are swapped in place
        CodeStream.__iter__ = instrumented_iter(open_code)  # type: ignore[method-assign]
        BaseComputation.__enter__ = entering  # type: ignore[method-assign]
        BaseComputation.__exit__ = leaving  # type: ignore[method-assign]

    def uninstall(self) -> None:
        from eth.vm.code_stream import CodeStream
        from eth.vm.computation import BaseComputation

        if self._saved is not None:
            CodeStream.__iter__, BaseComputation.__enter__, BaseComputation.__exit__ = self._saved  # type: ignore[method-assign]
            self._saved = None

    def reset(self) -> None:
        self.runs.clear()


def _total(run: dict[bytes, Counter]) -> int:
    return sum(sum(costs.values()) for costs in run.values())


def intrinsic_gas(calldata: bytes) -> int:
    """A call's gas before any instruction runs: 21,000 and 4 / 16 per zero / other byte."""
    zeros = calldata.count(0)
    return 21_000 + 4 * zeros + 16 * (len(calldata) - zeros)


@dataclass
class Row:
    where: str  # file:line, or a description
    code: str  # the statement's first source line
    gas: int


def profile(recorder: GasRecorder, receipt_gas: int, calldata: bytes, root: Path | None = None) -> list[Row]:
    """The mined transaction's gas per statement (largest first), then its intrinsic gas
    and its refund (negative): the rows add up to `receipt_gas`. The transaction is the
    run whose executed gas, less the refund (at most a fifth of the gas used before it,
    EIP-3529, so at most a quarter of the receipt's), gives the receipt."""
    root = project_root(root)
    intrinsic = intrinsic_gas(calldata)
    executed = receipt_gas - intrinsic
    candidates = [run for run in recorder.runs if executed <= _total(run) <= executed + receipt_gas // 4]
    if not candidates:
        raise ValueError(f"no recorded run adds up to the receipt's {receipt_gas:,} gas")
    run = min(candidates, key=_total)
    artifacts = load_artifacts(root)
    rows: Counter = Counter()
    texts: dict[str, str] = {}
    for code, costs in run.items():
        match = build_of(code, artifacts)
        if match is None:
            rows["(code not from this build)"] += sum(costs.values())
            continue
        name, kind = match
        path = next(root.glob(f"contracts/**/{name}.vy"))
        runtime_map, init_map, _, _ = _maps(path, root)
        pc_map = runtime_map if kind == "runtime" else init_map
        mapped = sorted(pc_map)
        for pc, spent in costs.items():
            # the compiler maps the first pc of each source position: an instruction belongs
            # to the nearest mapped pc at or before it
            at = bisect_right(mapped, pc) - 1
            node = pc_map[mapped[at]] if at >= 0 else None
            stmt = _statement(node) if node is not None else None
            if stmt is None or stmt.module_node is None or stmt.module_node.resolved_path is None:
                rows[f"{name} (dispatch, function entry and exit)"] += spent
                continue
            file = Path(stmt.module_node.resolved_path)
            where = f"{file.name}:{stmt.lineno}"
            rows[where] += spent
            if where not in texts:
                texts[where] = file.read_text().splitlines()[stmt.lineno - 1].strip()
    out = [Row(where, texts.get(where, ""), spent) for where, spent in rows.most_common()]
    out.append(Row("(intrinsic: 21,000 + calldata)", "", intrinsic))
    out.append(Row("(refund)", "", executed - _total(run)))
    return out
