"""The integrators' EIP-712 templates: `interfaces/typed-data/<PrimaryType>.json`.

One file per message the suite verifies, each a full typed-data document (`types` with
`EIP712Domain`, `primaryType`, `domain`, `message`) whose `null` values an integrator fills
in before handing it to `eth_account.messages.encode_typed_data(full_message=...)` (or to a
wallet's `eth_signTypedData_v4`). The types are `computerwa.client.signing`'s (the one
definition the client signs with); the `x-abi-names` key maps each EIP-712 field to the
snake_case name the contract's ABI gives it, read from the compiled ABI. Written by
`ape run export_abis` (`make abi`); tests/test_abis.py checks the committed files are a fresh
generation and that each type hash is the contract's constant.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak

from computerwa.client.signing import _DOMAIN_FIELDS, TYPES
from computerwa.evm.artifacts import Artifact, load_artifacts, project_root

TYPED_DATA = Path("interfaces") / "typed-data"


@dataclass(frozen=True)
class Message:
    """Where a signed message is verified, and how its fields reach the contract."""

    primary_type: str
    # the contract whose source holds the type hash constant, and that constant's name
    contract: str
    typehash_constant: str
    # the function that takes the message: its fields are this argument's components, in
    # order (a struct argument), or the function's first arguments, in order (flat)
    function: str
    argument: str | None
    # whether the contract fixes its domain's name and version in its source
    # (`eip712.__init__("name", "version")`); else they are the deployed token's own
    fixed_domain: bool
    signer: str
    description: str
    # EIP-712 fields the function does not take as an argument: where the contract reads them
    not_arguments: tuple[tuple[str, str], ...] = ()


_TOKEN = "the stablecoin's own EIP-712 domain: read name and version from its `eip712Domain()` (EIP-5267)"
MESSAGES = (
    Message(
        "Voucher",
        "Settlement",
        "_VOUCHER_TYPEHASH",
        "settle",
        "vouchers",
        True,
        "the payer (an EOA, or an ERC-1271 contract wallet)",
        "A customer's cumulative running total owed to one node, in stablecoin base units; "
        "`settle` pays its increase over what was already settled for (payer, node) while "
        "`block.timestamp <= deadline` (seconds). Signatures are EIP-2098 compact (r, vs).",
    ),
    Message(
        "PerformanceReport",
        "AttestationOracle",
        "_REPORT_TYPEHASH",
        "submit",
        "report",
        True,
        "each attestor of the committee (threshold signatures, ascending signer address)",
        "One node's metrics over one ended epoch: uptime and utilization in basis points, "
        "p50 latency in milliseconds, energy in watt-hours, work units; `deadline` in seconds. "
        "Signatures are EIP-2098 compact (r, vs), ordered by ascending signer address.",
    ),
    Message(
        "TransferWithAuthorization",
        "MockStablecoin",
        "_TRANSFER_WITH_AUTHORIZATION_TYPEHASH",
        "transferWithAuthorization",
        None,
        False,
        "`from`, the holder of the stablecoin",
        "EIP-3009: `from` lets anyone move `value` base units to `to`, once (`nonce`, any "
        "32 bytes), while validAfter < block.timestamp < validBefore (seconds).",
    ),
    Message(
        "ReceiveWithAuthorization",
        "MockStablecoin",
        "_RECEIVE_WITH_AUTHORIZATION_TYPEHASH",
        "receiveWithAuthorization",
        None,
        False,
        "`from`, the holder of the stablecoin",
        "EIP-3009: as TransferWithAuthorization, but only `to` may submit it. Settlement's "
        "deposits, reservations and direct payments take one with `to` = Settlement and the "
        "nonce it prescribes (`payment_nonce(node_id, salt)`, `reservation_nonce(node_id, salt)`).",
    ),
    Message(
        "CancelAuthorization",
        "MockStablecoin",
        "_CANCEL_AUTHORIZATION_TYPEHASH",
        "cancelAuthorization",
        None,
        False,
        "`authorizer`, who signed the authorization to cancel",
        "EIP-3009: marks an unused authorization nonce of `authorizer` as used.",
    ),
    Message(
        "Permit",
        "MockStablecoin",
        "_PERMIT_TYPEHASH",
        "permit",
        None,
        False,
        "`owner`",
        "EIP-2612: `owner` approves `spender` for `value` base units until `deadline` (seconds).",
        (("nonce", "not an argument: the token's `nonces(owner)` at signing time"),),
    ),
)


_EIP712_INIT = re.compile(r'^\s*eip712\.__init__\("([^"]+)", "([^"]+)"\)', re.M)


def contract_domain(contract: str, root: Path | None = None) -> tuple[str | None, str | None]:
    """The EIP-712 domain name and version a contract's constructor fixes, read from its
    source; (None, None) when they are not literals (the stablecoin: its token name)."""
    source = (project_root(root) / "contracts" / f"{contract}.vy").read_text()
    found = _EIP712_INIT.findall(source)
    if len(found) > 1:
        raise ValueError(f"{contract}.vy initializes eip712 more than once")
    return found[0] if found else (None, None)


def type_string(primary_type: str) -> str:
    """EIP-712 `encodeType` of a message (every message of the suite is a flat struct)."""
    members = ",".join(f"{field['type']} {field['name']}" for field in TYPES[primary_type])
    return f"{primary_type}({members})"


def abi_names(message: Message, abi: list[dict]) -> dict[str, str]:
    """EIP-712 field name -> the ABI's name of that value, checked type by type."""
    (function,) = [item for item in abi if item.get("type") == "function" and item["name"] == message.function]
    if message.argument is None:
        inputs, prefix = function["inputs"], ""
    else:
        (argument,) = [item for item in function["inputs"] if item["name"] == message.argument]
        inputs = argument["components"]
        prefix = f"{message.argument}[]." if argument["type"].endswith("[]") else f"{message.argument}."
    elsewhere = dict(message.not_arguments)
    fields = [field for field in TYPES[message.primary_type] if field["name"] not in elsewhere]
    mapping: dict[str, str] = {}
    for field, abi_input in zip(fields, inputs, strict=False):
        if field["type"] != abi_input["type"]:
            raise ValueError(
                f"{message.primary_type}.{field['name']} is {field['type']}, but {message.contract}."
                f"{message.function}'s {abi_input['name']} is {abi_input['type']}"
            )
        mapping[field["name"]] = prefix + abi_input["name"]
    mapping.update(elsewhere)
    return {field["name"]: mapping[field["name"]] for field in TYPES[message.primary_type]}


def template(message: Message, abi: list[dict], root: Path | None = None) -> dict:
    """The typed-data document of `message`, every value to fill in `null`."""
    fields = TYPES[message.primary_type]
    name, version = contract_domain(message.contract, root) if message.fixed_domain else (None, None)
    if message.fixed_domain and name is None:
        raise ValueError(f"{message.contract}.vy: no eip712.__init__ with a literal name and version")
    return {
        "x-description": message.description,
        "x-signer": message.signer,
        "x-verifying-contract": message.contract
        if message.fixed_domain
        else "the stablecoin (MockStablecoin on local networks; USDC-style EIP-3009 tokens live)",
        "x-function": f"{message.contract}.{message.function}",
        "x-abi-names": abi_names(message, abi),
        "x-abi-names-source": f"interfaces/{message.contract}.json"
        + ("" if message.fixed_domain else "; a live stablecoin's own ABI may name the arguments differently"),
        "x-type-string": type_string(message.primary_type),
        "x-type-hash": "0x" + keccak(text=type_string(message.primary_type)).hex(),
        "x-fill-in": (
            "Replace every null: domain.chainId (integer), domain.verifyingContract (checksummed "
            "address of the deployed contract)"
            + ("" if message.fixed_domain else ", domain.name and domain.version (" + _TOKEN + ")")
            + ", and every message field (integers as JSON numbers or decimal strings, "
            "addresses as 0x hex, bytes32 as 0x hex of 32 bytes). Keys starting with x- are "
            "documentation; eth_account ignores them."
        ),
        "types": {"EIP712Domain": _DOMAIN_FIELDS, message.primary_type: fields},
        "primaryType": message.primary_type,
        "domain": {
            "name": name,
            "version": version,
            "chainId": None,
            "verifyingContract": None,
        },
        "message": {field["name"]: None for field in fields},
    }


def rendered_typed_data(artifacts: dict[str, Artifact] | None = None, root: Path | None = None) -> dict[str, str]:
    """File name -> JSON text, exactly as `ape run export_abis` writes them."""
    artifacts = artifacts if artifacts is not None else load_artifacts(root)
    return {
        f"{m.primary_type}.json": json.dumps(template(m, artifacts[m.contract].abi, root), indent=2) + "\n"
        for m in MESSAGES
    }


def write_typed_data(root: Path | None = None) -> list[Path]:
    """Writes every template and removes those of messages that no longer exist."""
    folder = project_root(root) / TYPED_DATA
    folder.mkdir(parents=True, exist_ok=True)
    wanted = rendered_typed_data(load_artifacts(root), root)
    for stale in folder.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    written = []
    for name, text in wanted.items():
        path = folder / name
        path.write_text(text)
        written.append(path)
    return written
