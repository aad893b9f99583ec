"""Loading `scripts/*.py` (not a package: `ape run` runs them by path) and running `ape run`."""

import contextlib
import importlib.util
import os
import shutil
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


def ape_env(data_folder: Path | None = None) -> dict:
    """The environment `make` gives ape: the virtualenv's vyper and npm's anvil on PATH; Ape's
    data folder is `data_folder` when given (see `start_ape_run`)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(ROOT / "node_modules" / ".bin"), env["PATH"]])
    env.setdefault("APE_DATA_FOLDER", str(ROOT / ".ape"))
    if data_folder is not None:
        # the plugins and vyper are the virtualenv's, so a fresh folder needs only the user's global config
        shared = Path(env["APE_DATA_FOLDER"])
        data_folder.mkdir(parents=True, exist_ok=True)
        if (shared / "ape-config.yaml").is_file():
            shutil.copyfile(shared / "ape-config.yaml", data_folder / "ape-config.yaml")
        env["APE_DATA_FOLDER"] = str(data_folder)
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "200"
    return env


def start_ape_run(*args: str, data_folder: Path | None = None) -> subprocess.Popen:
    """`ape run <args>` in the project, started now; `.communicate()` collects it.

    A run that starts its own node (Anvil) while another process does needs a `data_folder` of
    its own: Ape records the nodes it runs in <data folder>/processes/nodes.json, which processes
    cannot share. Each start and stop rewrites it (SubprocessProvider.start/disconnect,
    ape/api/providers.py, via NodeProcessMap.cache_provider/remove_provider,
    ape/managers/networks.py) with DiskCacheableModel.model_dump_file (ape/utils/basemodel.py),
    which unlinks the file before writing it again, while NetworkManager.running_nodes reads it
    with _model_read_file's `path.is_file()` then `path.read_text()`: a reader between the
    unlink and the write dies with FileNotFoundError (CI: an L2 deploy starting its Anvil)."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "ape"), "run", *args],
        cwd=ROOT,
        env=ape_env(data_folder),
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
