"""The integrators' EthPM v3 package: `interfaces/computerwa.ethpm.json`.

An EthPM v3 manifest (EIP-2678) as `ethpm_types.PackageManifest` models it: the package name
and version of pyproject.toml, every deployable contract's ABI with its NatSpec (`userdoc`,
`devdoc`), the compiler and its settings, and the deployments of the committed deployment
records. Vyper 0.4.3's userdoc and devdoc hold only the functions a contract defines itself;
the NatSpec of the functions it exports from modules (ComputeToken's revenue stream, snekmate's
ERC-20 and ownership) is added from those modules' sources, the contract's own entries first.
Built from Ape's build manifest (`.build/__local__.json`) by `ape run export_abis` (`make abi`);
tests/test_abis.py checks the committed file is a fresh generation and loads it with
`PackageManifest.model_validate`.
"""

from __future__ import annotations

import json
import sysconfig
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from computerwa.evm.artifacts import BUILD_MANIFEST, ArtifactsMissing, project_root
from computerwa.tooling.abi_export import INTERFACES, PACKAGE_MANIFEST, TEST_ONLY

MANIFEST_FILE = INTERFACES / PACKAGE_MANIFEST
PACKAGE_NAME = "computerwa"
DEPLOYMENTS = Path("deployments")
# the compiler settings that say how the bytecode was made; Ape's `search_paths` are absolute
# paths of the machine that compiled, and `outputSelection` names the test doubles too
_SETTINGS = ("enable_decimals", "evmVersion", "optimize")
# the ContractType fields an integrator needs (bytecode, source maps and ASTs stay in Ape's build)
_CONTRACT_FIELDS = ("contractName", "sourceId", "abi", "userdoc", "devdoc", "methodIdentifiers")


def package_version(root: Path | None = None) -> str:
    pyproject = tomllib.loads((project_root(root) / "pyproject.toml").read_text())
    return str(pyproject["project"]["version"])


def committed_deployments(root: Path | None = None) -> dict[str, dict[str, Any]]:
    """EthPM `deployments` from the deployment records kept in the repository.

    Local records (`deployments/*local*.json`) are gitignored and never published. A live
    record (`computerwa.client.deployment`, `write_record`) gives addresses, transactions,
    blocks and the chain id, but EthPM keys a deployment by its chain's BIP-122 URI
    (`blockchain://<genesis hash>/block/<block hash>`), which the record must carry as
    `genesis_hash` and `block_hash` to be published here.
    """
    deployments: dict[str, dict[str, Any]] = {}
    for path in sorted((project_root(root) / DEPLOYMENTS).glob("*.json")):
        if "local" in path.name:
            continue
        record = json.loads(path.read_text())
        if not {"genesis_hash", "block_hash"} <= set(record):
            raise ValueError(f"{path}: a published record needs genesis_hash and block_hash (its chain's BIP-122 URI)")
        uri = (
            f"blockchain://{record['genesis_hash'].removeprefix('0x')}/block/{record['block_hash'].removeprefix('0x')}"
        )
        deployments[uri] = {
            name: {
                "contractType": entry["contract_type"],
                "address": entry["address"],
                **({"transaction": entry["tx_hash"]} if entry.get("tx_hash") else {}),
                **({"block": entry["block_hash"]} if entry.get("block_hash") else {}),
            }
            for name, entry in record["contracts"].items()
            # a configured stablecoin (USDC) is not a contract type of this package
            if entry.get("contract_type")
        }
    return deployments


@cache
def exported_natspec(source: Path, search_root: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(userdoc methods, devdoc methods) of the functions the contract at `source` exports from
    its modules, keyed by method signature as Vyper keys its own."""
    from vyper.ast import nodes as vy_ast
    from vyper.ast.natspec import parse_natspec
    from vyper.compiler.input_bundle import FilesystemInputBundle
    from vyper.compiler.phases import CompilerData

    bundle = FilesystemInputBundle([search_root, Path(sysconfig.get_paths()["purelib"])])
    data = CompilerData(bundle.load_file(source.relative_to(search_root)), input_bundle=bundle)
    module_t = data.annotated_vyper_module._metadata["type"]
    user: dict[str, Any] = {}
    dev: dict[str, Any] = {}
    for decl in module_t.exports_decls:
        for function in decl._metadata["exports_info"].functions:
            node = function.decl_node
            if not isinstance(node, vy_ast.FunctionDef) or not node.get("doc_string.value"):
                continue  # a public variable's getter: no NatSpec in Vyper
            natspec = parse_natspec(node.module_node)
            for method_id in function.method_ids:
                if method_id in natspec.userdoc.get("methods", {}):
                    user[method_id] = natspec.userdoc["methods"][method_id]
                if method_id in natspec.devdoc.get("methods", {}):
                    dev[method_id] = natspec.devdoc["methods"][method_id]
    return user, dev


def _with_exported(doc: dict[str, Any] | None, exported: dict[str, Any]) -> dict[str, Any]:
    doc = dict(doc or {})
    methods = {**exported, **doc.get("methods", {})}
    if methods:
        doc["methods"] = dict(sorted(methods.items()))
    return doc


def manifest(root: Path | None = None) -> dict[str, Any]:
    """The package manifest as JSON data (EthPM v3 field names)."""
    build = project_root(root) / BUILD_MANIFEST
    if not build.is_file():
        raise ArtifactsMissing(f"{build} not found: run `ape compile` (or `make compile`) first")
    local = json.loads(build.read_text())
    contract_types = {
        name: {key: ct[key] for key in _CONTRACT_FIELDS if ct.get(key) is not None}
        for name, ct in sorted(local["contractTypes"].items())
        if name not in TEST_ONLY and ct.get("deploymentBytecode", {}).get("bytecode")
    }
    folder = project_root(root)
    for contract_type in contract_types.values():
        user, dev = exported_natspec(folder / contract_type["sourceId"], folder)
        contract_type["userdoc"] = _with_exported(contract_type.get("userdoc"), user)
        contract_type["devdoc"] = _with_exported(contract_type.get("devdoc"), dev)
    compilers = [
        {
            "name": compiler["name"],
            "version": compiler["version"],
            "settings": {key: compiler["settings"][key] for key in _SETTINGS if key in compiler["settings"]},
            "contractTypes": sorted(set(compiler["contractTypes"]) & set(contract_types)),
        }
        for compiler in local["compilers"]
    ]
    return {
        "manifest": "ethpm/3",
        "name": PACKAGE_NAME,
        "version": package_version(root),
        "meta": {
            "license": "MIT",
            "description": "ComputeRWA: tokenized AI compute. ABIs and NatSpec of the deployable contracts; "
            "the EIP-712 messages they verify are in typed-data/.",
            "keywords": ["rwa", "compute", "eip-712", "eip-3009", "erc-1404", "vyper"],
        },
        "contractTypes": contract_types,
        "compilers": [c for c in compilers if c["contractTypes"]],
        "deployments": committed_deployments(root),
    }


def rendered_manifest(root: Path | None = None) -> str:
    """The JSON text `ape run export_abis` writes."""
    return json.dumps(manifest(root), indent=2, sort_keys=True) + "\n"


def write_manifest(root: Path | None = None) -> Path:
    path = project_root(root) / MANIFEST_FILE
    path.write_text(rendered_manifest(root))
    return path
