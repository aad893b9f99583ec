"""LAYOUT-1: the package's rooms import only downwards, and the tree says what is what.

models < client < evm < sim < tooling: a module may import from its own room and the rooms
before it, never after (a model never needs a chain; a client never an engine). The client
and the models import neither Ape nor pyrevm. Every room's `__init__` says what lives there,
and `scripts/` holds only `ape run` commands (what `ape run --help` lists).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "computerwa"
ROOMS = ("models", "client", "evm", "sim", "tooling")
ENGINES = ("ape", "ape_foundry", "ape_vyper", "pyrevm", "eth")  # eth: py-evm


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "computerwa" else None


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (function-level imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names if node.module == "computerwa")
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def test_the_checker_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef f():\n    from computerwa.sim import fleet\n")
    assert imports_of(sample) == {"os", "computerwa.sim"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_upwards(path):
    room = path.relative_to(PACKAGE).parts[0] if len(path.relative_to(PACKAGE).parts) > 1 else None
    if room is None:  # computerwa/__init__.py: the map, it imports nothing
        assert not any(m.startswith("computerwa") for m in imports_of(path))
        return
    allowed = set(ROOMS[: ROOMS.index(room) + 1]) | {"abi"}
    upward = sorted(m for m in imports_of(path) if _room(m) is not None and _room(m) not in allowed)
    assert not upward, f"{path.relative_to(ROOT)} ({room}) imports from a later room: {upward}"


@pytest.mark.parametrize("room", ["models", "client"])
def test_client_and_models_need_no_engine(room):
    for path in (PACKAGE / room).glob("*.py"):
        engines = sorted(m for m in imports_of(path) if m.split(".")[0] in ENGINES)
        assert not engines, f"{path.relative_to(ROOT)} imports {engines}"


def test_models_import_nothing_else_of_the_package():
    for path in (PACKAGE / "models").glob("*.py"):
        others = sorted(m for m in imports_of(path) if m.startswith("computerwa") and _room(m) != "models")
        assert not others, f"{path.relative_to(ROOT)} imports {others}"


@pytest.mark.parametrize("room", ROOMS)
def test_every_room_says_what_lives_there(room):
    docstring = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text()))
    assert docstring and len(docstring.splitlines()) >= 2, f"computerwa/{room}/__init__.py needs its docstring"


def test_scripts_are_only_ape_commands():
    """`ape run` lists every scripts/*.py: each one is a command (`cli`), nothing else."""
    for path in (ROOT / "scripts").glob("*.py"):
        names = {node.name for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef)}
        assert "cli" in names, f"{path.relative_to(ROOT)} is not an `ape run` command"
