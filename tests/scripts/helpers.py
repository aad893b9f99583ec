"""Loading `scripts/*.py` (not a package: `ape run` runs them by path) and running `ape run`."""

import contextlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load_script(name: str):
    """`scripts/<name>.py` as a module (a fresh one per call)."""
    spec = importlib.util.spec_from_file_location(f"computerwa_script_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ape_env() -> dict:
    """The environment `make` gives ape: the virtualenv's vyper and npm's anvil on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(ROOT / "node_modules" / ".bin"), env["PATH"]])
    env.setdefault("APE_DATA_FOLDER", str(ROOT / ".ape"))
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "200"
    return env


def start_ape_run(*args: str) -> subprocess.Popen:
    """`ape run <args>` in the project, started now; `.communicate()` collects it."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "ape"), "run", *args],
        cwd=ROOT,
        env=ape_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@contextlib.contextmanager
def local_deploy(deploy_script, tmp_path: Path, capsys) -> Iterator[tuple[str, dict]]:
    """`ape run deploy` on Ape's local chain with no config: yields what it printed and its
    record; the chain is restored afterwards."""
    from ape import chain

    snapshot = chain.provider.snapshot()
    try:
        out = tmp_path / "ethereum-local.json"
        local = SimpleNamespace(name="local", is_local=True)
        ethereum = SimpleNamespace(name="ethereum")
        deploy_script.run(ethereum, local, chain.provider, None, tmp_path / "none.yaml", out, False)
        yield capsys.readouterr().out, yaml.safe_load(out.read_text())
    finally:
        chain.provider.restore(snapshot)
