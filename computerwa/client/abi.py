"""The deployable contracts' JSON ABIs (and `.vyi` interfaces), as integrators import them.

They ship inside the package as `computerwa.abi` (the wheel maps the repository's
`interfaces/` there), so a client needs no checkout of the repository:

    from computerwa.client.abi import load_abi
    settlement = web3.eth.contract(address, abi=load_abi("Settlement"))

Beside them: the EthPM v3 manifest (`computerwa.ethpm.json`) and an EIP-712 template per
signed message (`typed-data/<PrimaryType>.json`, `load_typed_data`).
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any


def _folder() -> Traversable:
    """The installed `computerwa.abi`; in an editable install (a checkout), `interfaces/`."""
    try:
        return resources.files("computerwa.abi")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "interfaces"


def abi_names() -> list[str]:
    """The contracts whose ABI ships with the package, by name."""
    return sorted(
        entry.name.removesuffix(".json")
        for entry in _folder().iterdir()
        if entry.name.endswith(".json") and not entry.name.endswith(".ethpm.json")
    )


def load_abi(contract: str) -> list[dict[str, Any]]:
    """The JSON ABI of `contract` ("Settlement", "ComputeToken", ...)."""
    entry = _folder() / f"{contract}.json"
    if not entry.is_file():
        raise KeyError(f"no ABI for {contract!r}: one of {', '.join(abi_names())}")
    return json.loads(entry.read_text())


def load_typed_data(primary_type: str) -> dict[str, Any]:
    """The EIP-712 template of a signed message ("Voucher", "PerformanceReport",
    "TransferWithAuthorization", "ReceiveWithAuthorization", "CancelAuthorization", "Permit"):
    fill in its `null`s and pass it to `eth_account.messages.encode_typed_data(full_message=...)`."""
    entry = _folder() / "typed-data" / f"{primary_type}.json"
    if not entry.is_file():
        raise KeyError(f"no typed-data template for {primary_type!r}")
    return json.loads(entry.read_text())
