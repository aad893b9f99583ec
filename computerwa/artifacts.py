"""The contracts exactly as `ape compile` built them, read from Ape's build output."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from computerwa.codec import ContractABI

BUILD_MANIFEST = Path(".build") / "__local__.json"


class ArtifactsMissing(RuntimeError):
    """Raised when the project has not been compiled."""


def project_root(start: Path | None = None) -> Path:
    """The nearest folder holding ape-config.yaml, from `start` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "ape-config.yaml").is_file():
            return folder
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Artifact:
    """One compiled contract: its ABI, creation code and runtime code."""

    name: str
    abi: list[dict]
    bytecode: bytes
    runtime: bytes

    @cached_property
    def codec(self) -> ContractABI:
        return ContractABI(self.abi)


def load_artifacts(root: Path | None = None) -> dict[str, Artifact]:
    """Every contract type of Ape's local build manifest, by name."""
    manifest = project_root(root) / BUILD_MANIFEST
    if not manifest.is_file():
        raise ArtifactsMissing(f"{manifest} not found: run `ape compile` (or `make compile`) first")
    types = json.loads(manifest.read_text())["contractTypes"]
    return {
        name: Artifact(
            name=name,
            abi=ct["abi"],
            bytecode=bytes.fromhex(ct["deploymentBytecode"]["bytecode"].removeprefix("0x")),
            runtime=bytes.fromhex(ct["runtimeBytecode"]["bytecode"].removeprefix("0x")),
        )
        for name, ct in sorted(types.items())
        if ct.get("deploymentBytecode", {}).get("bytecode")
    }
