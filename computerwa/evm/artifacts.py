"""The contracts exactly as `ape compile` built them, read from Ape's build output."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from computerwa.evm.codec import ContractABI

BUILD_MANIFEST = Path(".build") / "__local__.json"
SOURCES_STAMP = Path(".build") / "sources.sha256"
SOURCE_GLOBS = ("contracts/**/*.vy", "interfaces/*.vyi")


class ArtifactsMissing(RuntimeError):
    """Raised when the project has not been compiled."""


def project_root(start: Path | None = None) -> Path:
    """The nearest folder holding ape-config.yaml, from `start` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "ape-config.yaml").is_file():
            return folder
    return Path(__file__).resolve().parents[2]


def sources_digest(root: Path | None = None) -> str:
    """One hash of every Vyper source, modules and interfaces included."""
    root = project_root(root)
    digest = hashlib.sha256()
    for pattern in SOURCE_GLOBS:
        for path in sorted(root.glob(pattern)):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_stamp(root: Path | None = None) -> str | None:
    """What `ensure_compiled` records after a build: the sources' digest and the digest of the
    build Ape wrote from them (None without a build). A build Ape made on its own (`ape run`
    compiles what changed) no longer matches the stamp, even once the sources are back as they
    were when it was written."""
    root = project_root(root)
    manifest = root / BUILD_MANIFEST
    if not manifest.is_file():
        return None
    return f"{sources_digest(root)} {hashlib.sha256(manifest.read_bytes()).hexdigest()}"


def is_current(root: Path | None = None) -> bool:
    """Whether the build is the one `ensure_compiled` made from today's sources."""
    root = project_root(root)
    stamp = root / SOURCES_STAMP
    current = build_stamp(root)
    return current is not None and stamp.is_file() and stamp.read_text() == current


def ensure_compiled(root: Path | None = None) -> None:
    """Compiles with Ape when any source changed since the last build, or the build is not
    the one this function made from them.

    Ape's own cache only sees the files it compiles, and modules (snake_case files) are
    excluded from compilation, so an edit to a module alone would leave stale bytecode; and an
    `ape run` between an edit and its revert leaves the edit's bytecode behind sources that
    look unchanged.
    """
    root = project_root(root)
    if is_current(root):
        return
    import ape

    ape.project.load_contracts(use_cache=False)
    stamp = build_stamp(root)
    assert stamp is not None, "ape compile wrote no build"
    (root / SOURCES_STAMP).write_text(stamp)


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
