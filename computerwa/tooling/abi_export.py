"""The integrators' ABIs: `interfaces/<Contract>.json` for every deployable contract."""

from __future__ import annotations

import json
from pathlib import Path

from computerwa.evm.artifacts import Artifact, load_artifacts, project_root

INTERFACES = Path("interfaces")
# the EthPM package beside the ABIs (computerwa.tooling.package_export), not an ABI
PACKAGE_MANIFEST = "computerwa.ethpm.json"
# contracts/mocks/: test doubles, not for integrators
TEST_ONLY = frozenset(path.stem for path in (Path(__file__).resolve().parents[2] / "contracts" / "mocks").glob("*.vy"))


def rendered_abis(artifacts: dict[str, Artifact] | None = None) -> dict[str, str]:
    """File name -> JSON text, exactly as `ape run export_abis` writes them."""
    artifacts = artifacts if artifacts is not None else load_artifacts()
    return {
        f"{name}.json": json.dumps(art.abi, indent=2, sort_keys=True) + "\n"
        for name, art in artifacts.items()
        if name not in TEST_ONLY
    }


def write_abis(root: Path | None = None) -> list[Path]:
    """Writes every ABI and removes JSON files of contracts that no longer exist."""
    folder = project_root(root) / INTERFACES
    folder.mkdir(exist_ok=True)
    wanted = rendered_abis(load_artifacts(root))
    for stale in folder.glob("*.json"):
        if stale.name not in wanted and stale.name != PACKAGE_MANIFEST:
            stale.unlink()
    written = []
    for name, text in wanted.items():
        path = folder / name
        path.write_text(text)
        written.append(path)
    return written
