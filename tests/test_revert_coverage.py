"""Every revert reason our contracts can give is triggered by at least one test.

What counts as a reason: the message of every `assert <test>, <message>` and
`raise <message>` in `contracts/*.vy` (the deployable contracts and the snake_case
modules such as `revenue_stream.vy`), read with Vyper's own parser, so a statement split
over several lines is one statement. A message is a string literal, or a call of an
internal pure function of the same contract that maps a constant to a string (for
the `compliance` module, `self._message(CODE)`): then the reason is that function's string for the
constant, and for a variable code (`assert code == SUCCESS, self._message(code)`) every
string of the codes the variable can hold (the constants returned by the function that
assigned it) except the one the assert requires. An assert without a message has no
reason and is not counted. Any other message form fails this test, so a new form is
noticed rather than skipped.

Out of scope: `contracts/mocks/` (test doubles, never deployed) and the snekmate modules
the contracts import (their reasons, e.g. "ownable: caller is not the owner", are
snekmate's; `python tests/test_revert_coverage.py` lists how many of them the tests use,
for information). Reasons our contracts copy from snekmate into their own code (the
inlined `erc20: ...` checks of `revenue_stream._move_shares`) are ours and in scope.

What counts as triggering: a test passes the exact text to `reverts(...)` or
`expect(...)` (computerwa.evm.chain), both of which fail unless the call reverts with exactly
that text. The reason argument is resolved statically with Python's `ast` over every file
under `tests/`:
- a string literal;
- a name: a local variable (every value assigned to it in the enclosing functions), a
  test parameter (its `pytest.mark.parametrize` values), a module-level constant, or a
  name imported from another module of this project (`tests.*`, `computerwa.*`);
- `CONTAINER[key]` with a constant key on a dict/list/tuple literal (just that item),
  otherwise every item; `a if c else b`, `a or b`: both sides; a dict, list or tuple: its
  items;
- a call of a method of the same class (`self.method(...)`) or a function of the same
  module: every value it returns.
Anything else resolves to nothing (a call into a model outside `tests/`, a value read
from the chain): that is the conservative side, a reason only counts when its text is
visibly what a test expects.

Limits, on purpose: a reason is covered by its text, not by its site. A text used by
several asserts (e.g. "registry: unknown node" in `post_bond`, `slash` and
`_check_operator`) is covered once any test expects it, and the same text in two
contracts is covered in both by one test. Whether the expecting line actually runs (a
branch of a state machine that Hypothesis never reaches, a skipped test) is not checked
here; statement coverage (`make coverage`) is the check on what runs.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "contracts"
TESTS = ROOT / "tests"
EXPECTING = {"reverts", "expect"}  # computerwa.evm.chain: both fail unless the call reverts with exactly the text
MAX_DEPTH = 12


# --- the contracts' reasons (Vyper's parser) ---------------------------------------------------
@dataclass(frozen=True)
class Reason:
    contract: str  # file name
    text: str
    line: int


def _vyper_ast(path: Path):
    import vyper.ast as vy_ast

    return vy_ast, vy_ast.parse_to_ast(path.read_text(), module_path=str(path))


def _message_maps(vy_ast, module) -> dict[str, dict[str | None, str]]:
    """Internal functions that map a constant to a string: {function: {CONSTANT or None (fallback): text}}."""
    maps: dict[str, dict[str | None, str]] = {}
    for fn in module.get_children(vy_ast.FunctionDef):
        mapping: dict[str | None, str] = {}
        for node in fn.body:
            if (
                isinstance(node, vy_ast.If)
                and isinstance(node.test, vy_ast.Compare)
                and isinstance(node.test.right, vy_ast.Name)
                and len(node.body) == 1
                and isinstance(node.body[0], vy_ast.Return)
                and isinstance(node.body[0].value, vy_ast.Str)
            ):
                mapping[node.test.right.id] = node.body[0].value.value
            elif isinstance(node, vy_ast.Return) and isinstance(node.value, vy_ast.Str):
                mapping[None] = node.value.value
        if len(mapping) > 1:
            maps[fn.name] = mapping
    return maps


def _returned_constants(vy_ast, module, name: str) -> set[str] | None:
    for fn in module.get_children(vy_ast.FunctionDef):
        if fn.name == name:
            returns = fn.get_descendants(vy_ast.Return)
            if returns and all(isinstance(r.value, vy_ast.Name) for r in returns):
                return {r.value.id for r in returns}
    return None


def _self_call(vy_ast, node) -> str | None:
    if (
        isinstance(node, vy_ast.Call)
        and isinstance(node.func, vy_ast.Attribute)
        and isinstance(node.func.value, vy_ast.Name)
        and node.func.value.id == "self"
    ):
        return node.func.attr
    return None


def contract_reasons(path: Path) -> list[Reason]:
    vy_ast, module = _vyper_ast(path)
    maps = _message_maps(vy_ast, module)
    reasons: list[Reason] = []

    def add(text: str, node) -> None:
        reasons.append(Reason(path.name, text, node.lineno))

    statements = [(n, n.msg) for n in module.get_descendants(vy_ast.Assert)]
    statements += [(n, n.exc) for n in module.get_descendants(vy_ast.Raise)]
    for node, message in statements:
        if message is None:
            continue  # no reason
        if isinstance(message, vy_ast.Str):
            add(message.value, node)
            continue
        mapper = _self_call(vy_ast, message)
        if mapper in maps and len(message.args) == 1:
            mapping, arg = maps[mapper], message.args[0]
            if isinstance(arg, vy_ast.Name) and arg.id in mapping:
                add(mapping[arg.id], node)
                continue
            if isinstance(arg, vy_ast.Name):
                # a variable code: the constants the function that assigned it returns,
                # less the one the assert requires (`assert code == OK, self._message(code)`)
                fn = node.get_ancestor(vy_ast.FunctionDef)
                codes: set[str] | None = None
                for assign in fn.get_descendants(vy_ast.AnnAssign) + fn.get_descendants(vy_ast.Assign):
                    if isinstance(assign.target, vy_ast.Name) and assign.target.id == arg.id:
                        source = _self_call(vy_ast, assign.value)
                        codes = _returned_constants(vy_ast, module, source) if source else None
                allowed = set()
                test = node.test
                if (
                    isinstance(test, vy_ast.Compare)
                    and isinstance(test.op, vy_ast.Eq)
                    and isinstance(test.left, vy_ast.Name)
                    and test.left.id == arg.id
                    and isinstance(test.right, vy_ast.Name)
                ):
                    allowed.add(test.right.id)
                keys = (codes if codes is not None else set(mapping)) - allowed
                for key in sorted(k for k in keys if k is not None):
                    if key in mapping:
                        add(mapping[key], node)
                if codes is None and None in mapping:
                    add(mapping[None], node)
                continue
        unreadable = message.node_source_code
        raise AssertionError(f"{path.name}:{node.lineno}: a revert message this test cannot read: {unreadable}")
    return reasons


def our_contracts() -> list[Path]:
    return sorted(CONTRACTS.glob("*.vy"))  # not contracts/mocks/


def snekmate_modules() -> list[Path]:
    """The snekmate modules our contracts import (informational only)."""
    import snekmate

    base = Path(next(iter(snekmate.__path__)))  # a namespace package
    found: set[Path] = set()
    for path in our_contracts():
        for line in path.read_text().splitlines():
            words = line.split()
            if len(words) >= 4 and words[0] == "from" and words[1].startswith("snekmate.") and words[2] == "import":
                candidate = base.joinpath(*words[1].split(".")[1:], words[3] + ".vy")
                if candidate.exists():
                    found.add(candidate)
    return sorted(found)


# --- the texts the tests expect (Python's ast) -------------------------------------------------
class _Module:
    def __init__(self, path: Path):
        self.path = path
        self.tree = ast.parse(path.read_text(), filename=str(path))
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(self.tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        self.constants: dict[str, ast.expr] = {}
        self.imports: dict[str, tuple[str, str]] = {}
        self.functions: dict[str, ast.FunctionDef] = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.constants[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                self.constants[node.target.id] = node.value
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = (node.module, alias.name)
            elif isinstance(node, ast.FunctionDef):
                self.functions[node.name] = node

    def enclosing(self, node: ast.AST, kind) -> list:
        found = []
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, kind):
                found.append(node)
        return found


@cache
def _module(path: Path) -> _Module | None:
    try:
        return _Module(path)
    except (OSError, SyntaxError):
        return None


def _module_for(dotted: str) -> _Module | None:
    if dotted.split(".")[0] not in ("tests", "computerwa"):
        return None
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return _module(candidate)
    return None


def _parametrized(fn: ast.FunctionDef, name: str) -> list[ast.expr]:
    """The values `pytest.mark.parametrize` gives parameter `name` of `fn`."""
    values: list[ast.expr] = []
    for decorator in fn.decorator_list:
        if not (isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", None) == "parametrize"):
            continue
        if len(decorator.args) < 2:
            continue
        names_node, cases = decorator.args[0], decorator.args[1]
        if isinstance(names_node, ast.Constant) and isinstance(names_node.value, str):
            names = [n.strip() for n in names_node.value.split(",")]
        elif isinstance(names_node, (ast.Tuple, ast.List)):
            names = [n.value for n in names_node.elts if isinstance(n, ast.Constant)]
        else:
            continue
        if name not in names:
            continue
        index = names.index(name)
        if not isinstance(cases, (ast.List, ast.Tuple)):
            values.append(cases)
            continue
        for case in cases.elts:
            if isinstance(case, ast.Call) and getattr(case.func, "attr", None) == "param":
                items = case.args
            elif len(names) > 1 and isinstance(case, (ast.Tuple, ast.List)):
                items = case.elts
            else:
                items = [case]
            if index < len(items):
                values.append(items[index])
    return values


def _assigned(fn: ast.AST, name: str) -> list[ast.expr] | None:
    """Every value assigned to local `name` in `fn` (None when it is never assigned there)."""
    values: list[ast.expr] = []
    found = False
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    values.append(node.value)
                    found = True
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            if isinstance(node.target, ast.Name) and node.target.id == name and node.value is not None:
                values.append(node.value)
                found = True
        elif (
            isinstance(node, (ast.For, ast.comprehension))
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            values.append(node.iter)
            found = True
    return values if found else None


def _strings(expr: ast.expr | None, module: _Module, depth: int = 0) -> set[str]:
    """Every text `expr` can evaluate to, as far as it can be read statically (see the docstring)."""
    if expr is None or depth > MAX_DEPTH:
        return set()
    again = depth + 1
    if isinstance(expr, ast.Constant):
        return {expr.value} if isinstance(expr.value, str) else set()
    if isinstance(expr, ast.Name):
        for fn in module.enclosing(expr, (ast.FunctionDef, ast.Lambda)):
            if isinstance(fn, ast.Lambda):
                if expr.id in {a.arg for a in fn.args.args}:
                    return set()
                continue
            values = _assigned(fn, expr.id)
            if values is not None:
                return set().union(*(_strings(v, module, again) for v in values))
            params = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
            if expr.id in params:
                return set().union(*(_strings(v, module, again) for v in _parametrized(fn, expr.id)))
        if expr.id in module.constants:
            return _strings(module.constants[expr.id], module, again)
        if expr.id in module.imports:
            source, name = module.imports[expr.id]
            other = _module_for(source)
            if other is not None and name in other.constants:
                return _strings(other.constants[name], other, again)
        return set()
    if isinstance(expr, ast.Subscript):
        container = expr.value
        if isinstance(container, ast.Name):
            target, owner = _constant_node(container.id, module)
            if target is not None and isinstance(expr.slice, ast.Constant):
                item = _item(target, expr.slice.value)
                if item is not None:
                    return _strings(item, owner, again)
            if target is not None:
                return _strings(target, owner, again)
        return _strings(container, module, again)
    if isinstance(expr, ast.IfExp):
        return _strings(expr.body, module, again) | _strings(expr.orelse, module, again)
    if isinstance(expr, ast.BoolOp):
        return set().union(*(_strings(v, module, again) for v in expr.values))
    if isinstance(expr, ast.Dict):
        return set().union(*(_strings(v, module, again) for v in expr.values))
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return set().union(*(_strings(v, module, again) for v in expr.elts))
    if isinstance(expr, ast.Call):
        target = _callee(expr, module)
        if target is not None:
            returns = [r.value for r in ast.walk(target) if isinstance(r, ast.Return)]
            return set().union(*(_strings(v, module, again) for v in returns))
    return set()


def _constant_node(name: str, module: _Module) -> tuple[ast.expr | None, _Module]:
    if name in module.constants:
        return module.constants[name], module
    if name in module.imports:
        source, original = module.imports[name]
        other = _module_for(source)
        if other is not None and original in other.constants:
            return other.constants[original], other
    return None, module


def _item(container: ast.expr, key) -> ast.expr | None:
    if isinstance(container, ast.Dict):
        for k, v in zip(container.keys, container.values, strict=True):
            if isinstance(k, ast.Constant) and k.value == key:
                return v
    elif (
        isinstance(container, (ast.List, ast.Tuple))
        and isinstance(key, int)
        and -len(container.elts) <= key < len(container.elts)
    ):
        return container.elts[key]
    return None


def _callee(call: ast.Call, module: _Module) -> ast.FunctionDef | None:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
        for cls in module.enclosing(call, ast.ClassDef):
            for node in cls.body:
                if isinstance(node, ast.FunctionDef) and node.name == func.attr:
                    return node
    if isinstance(func, ast.Name) and func.id in module.functions:
        return module.functions[func.id]
    return None


def suite_files() -> list[Path]:
    own = Path(__file__).resolve()
    return sorted(p for p in TESTS.rglob("*.py") if p.resolve() != own)


def expected_texts() -> dict[str, set[str]]:
    """{text: the test files (relative) that expect it}."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in suite_files():
        module = _module(path)
        if module is None:
            continue
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in EXPECTING:
                continue
            for text in _strings(node.args[0], module):
                found[text].add(str(path.relative_to(ROOT)))
    return found


def coverage_table(paths: list[Path]) -> tuple[dict[str, tuple[int, int]], list[Reason]]:
    """Per contract (distinct reasons, covered), and the reasons no test expects."""
    expected = expected_texts()
    table: dict[str, tuple[int, int]] = {}
    missing: list[Reason] = []
    for path in paths:
        reasons = contract_reasons(path)
        distinct: dict[str, Reason] = {}
        for reason in reasons:
            distinct.setdefault(reason.text, reason)
        uncovered = [r for r in distinct.values() if r.text not in expected]
        table[path.name] = (len(distinct), len(distinct) - len(uncovered))
        missing += uncovered
    return table, missing


# --- the tests ------------------------------------------------------------------------------------
def test_every_revert_reason_of_our_contracts_is_expected_by_a_test():
    table, missing = coverage_table(our_contracts())
    assert sum(found for found, _ in table.values()) > 0
    listing = "\n".join(f"  {r.contract}:{r.line}  {r.text!r}" for r in missing)
    assert not missing, f"revert reasons no test triggers ({len(missing)}):\n{listing}"


def test_the_extractor_reads_split_and_computed_messages():
    """Guards the extractor itself: statements split over lines and the compliance module's
    computed restriction messages are found (if these drift, the main test would pass vacuously)."""
    texts = {r.text for r in contract_reasons(CONTRACTS / "compliance.vy")}
    assert "compute_token: receiver is frozen" in texts  # assert ..., self._message(RECEIVER_FROZEN)
    assert "compute_token: transfers are paused" in texts  # assert code == SUCCESS, self._message(code)
    assert "compute_token: no restriction" not in texts  # SUCCESS never reverts
    assert "compute_token: unknown restriction code" not in texts  # _check never returns it
    split = {r.text for r in contract_reasons(CONTRACTS / "revenue_stream.vy")}
    assert "revenue: transfer failed" in split  # `assert extcall ...(\n ...\n), "..."`


def test_the_resolver_follows_constants_parameters_and_helpers():
    expected = expected_texts()
    # a constant imported from another test module (tests/unitary/token/conftest.py's MESSAGES[3])
    assert "compute_token: receiver is frozen" in expected
    # a state machine's local `reason`, assigned through `self.stable_reason(...) or (...)`
    assert "stablecoin: account is blacklisted" in expected
    # nothing that only appears outside reverts/expect
    assert "ComputeRWA Mock USD" not in expected


if __name__ == "__main__":  # a per-contract table, with snekmate's reasons for information
    ours, missing = coverage_table(our_contracts())
    theirs, _ = coverage_table(snekmate_modules())
    for title, table in (("contracts/*.vy (gated)", ours), ("snekmate modules imported (information)", theirs)):
        print(title)
        for name, (found, covered) in table.items():
            print(f"  {name:32} {covered:3d} / {found:3d}")
        total = sum(f for f, _ in table.values()), sum(c for _, c in table.values())
        print(f"  {'total':32} {total[1]:3d} / {total[0]:3d}")
    for reason in missing:
        print(f"uncovered: {reason.contract}:{reason.line} {reason.text!r}")
    sys.exit(1 if missing else 0)
