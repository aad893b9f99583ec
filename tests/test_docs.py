"""DOCS-1: the specification in docs/ stays true to the code.

SPEC.md has a section for every deployable contract and quotes every revert reason of
`contracts/*.vy`; every contract's NatSpec points at its section; SIGNING.md's type hashes and
test vectors are what the package's own signing helpers compute.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from eth_account import Account
from eth_utils import keccak

from computerwa.client.signing import TYPES, Domain, digest, typed_data
from computerwa.client.vouchers import SKIP_REASONS, Voucher, payment_nonce, sign_voucher

ROOT = Path(__file__).resolve().parents[1]
SPEC = (ROOT / "docs" / "SPEC.md").read_text()
SIGNING = (ROOT / "docs" / "SIGNING.md").read_text()
CONTRACTS = sorted(p for p in (ROOT / "contracts").glob("[A-Z]*.vy"))
REASON = re.compile(r'"([a-z_0-9]+: [^"]+)"')


def test_spec_has_a_section_per_contract():
    headings = set(re.findall(r"^## (\w+)$", SPEC, re.M))
    assert {p.stem for p in CONTRACTS} <= headings


def test_spec_quotes_every_revert_reason():
    reasons = {r for p in ROOT.glob("contracts/*.vy") for r in REASON.findall(p.read_text())}
    assert len(reasons) > 90  # the pattern still finds them
    missing = sorted(r for r in reasons if r not in SPEC)
    assert not missing, f"docs/SPEC.md does not describe: {missing}"


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_each_contract_links_its_spec_section(path):
    link = re.search(r'@custom:spec docs/SPEC\.md, section "(\w+)"', path.read_text())
    assert link, f'{path.name}: no `@custom:spec docs/SPEC.md, section "..."` in its NatSpec'
    assert re.search(rf"^## {link.group(1)}$", SPEC, re.M), f"{path.name} links a missing section"


def _type_string(primary: str) -> str:
    fields = ",".join(f"{field['type']} {field['name']}" for field in TYPES[primary])
    return f"{primary}({fields})"


@pytest.mark.parametrize("primary", sorted(TYPES))
def test_signing_md_type_hashes_are_the_helpers(primary):
    type_string = _type_string(primary)
    row = re.search(rf"`{re.escape(type_string)}` \| `(0x[0-9a-f]{{64}})`", SIGNING)
    assert row, f"docs/SIGNING.md has no row for {type_string}"
    assert row.group(1) == "0x" + keccak(text=type_string).hex()


def test_signing_md_voucher_vector_is_the_helpers():
    domain = Domain("ComputeRWA Settlement", "1", 1337, "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853")
    payer = Account.from_key("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
    voucher = Voucher(payer.address, 1, 12_500_000, 1_900_000_000)
    document = typed_data(domain, "Voucher", voucher.message())
    vector = SIGNING[SIGNING.index("## Test vectors") :]
    assert f"digest           0x{digest(document).hex()}" in vector
    r, vs = sign_voucher(domain, voucher, payer)
    assert f"compact r, vs    0x{r.hex()},\n                 0x{vs.hex()}" in vector
    salt = b"\x11" * 32
    assert f"payment_nonce(1, salt) =\n0x{payment_nonce(1, salt).hex()}" in vector


# --- NatSpec of the integrator surface (issue #18) ---------------------------------------------
INTERFACES = sorted((ROOT / "interfaces").glob("I*.vyi"))
DEPLOYABLE = [p for p in CONTRACTS if p.stem != "MockStablecoin"]
DECLARATION = re.compile(r"^def (\w+)\(.*?\)(?: -> [^:]+)?:\n(\s*)(\S+)", re.M | re.S)
EVENT_OR_STRUCT = re.compile(r"^(?:event|struct) (\w+):", re.M)


@pytest.mark.parametrize("path", INTERFACES, ids=lambda p: p.stem)
def test_every_interface_function_has_natspec(path):
    undocumented = [name for name, _, first in DECLARATION.findall(path.read_text()) if first != '"""']
    assert not undocumented, f"{path.name}: no docstring in {undocumented}"


@pytest.mark.parametrize("path", [*INTERFACES, *CONTRACTS], ids=lambda p: p.name)
def test_every_event_and_struct_is_commented(path):
    lines = path.read_text().splitlines()
    bare = [
        match.group(1)
        for match in EVENT_OR_STRUCT.finditer(path.read_text())
        if not lines[path.read_text()[: match.start()].count("\n") - 1].startswith("#")
    ]
    assert not bare, f"{path.name}: no comment above {bare}"


@pytest.mark.parametrize("path", DEPLOYABLE, ids=lambda p: p.stem)
def test_every_public_variable_of_a_contract_is_commented(path):
    lines = path.read_text().splitlines()
    public = [i for i, line in enumerate(lines) if re.match(r"^\w+: public\(", line)]
    # a comment above it, or above the block of public declarations it belongs to
    bare = []
    for i in public:
        j = i - 1
        while j >= 0 and re.match(r"^\w+: public\(", lines[j]):
            j -= 1
        if not lines[j].startswith("#"):
            bare.append(lines[i].split(":")[0])
    assert not bare, f"{path.name}: no comment above {bare}"


NAMED_CONSTANT = re.compile(r"^#\s+([A-Z_]+): constant\((uint8)\) = (\d+)", re.M)
CONSTANT = re.compile(r"^([A-Z_]+): constant\((uint8)\) = (\d+)", re.M)


@pytest.mark.parametrize(
    ("interface", "contract", "names"),
    [
        ("ISettlement", "Settlement", {"EXPIRED", "NOTHING_DUE", "UNKNOWN_NODE", "INVALID_SIGNATURE", "UNDERFUNDED"}),
        ("INodeRegistry", "NodeRegistry", {"ACTIVE", "PAUSED", "RETIRED"}),
        (
            "IERC1404",
            "compliance",  # ComputeToken's restriction codes, in the module it initializes
            {"SUCCESS", "PAUSED", "SENDER_FROZEN", "RECEIVER_FROZEN", "SENDER_NOT_VERIFIED", "RECEIVER_NOT_VERIFIED"},
        ),
    ],
)
def test_interface_named_constants_are_the_contracts(interface, contract, names):
    documented = {
        name: (kind, int(value))
        for name, kind, value in NAMED_CONSTANT.findall((ROOT / "interfaces" / f"{interface}.vyi").read_text())
    }
    defined = {
        name: (kind, int(value))
        for name, kind, value in CONSTANT.findall((ROOT / "contracts" / f"{contract}.vy").read_text())
    }
    assert set(documented) == names
    assert documented == {name: defined[name] for name in names}


def test_skip_reasons_of_the_interface_are_the_clients():
    documented = dict(
        (name, int(value))
        for name, _, value in NAMED_CONSTANT.findall((ROOT / "interfaces" / "ISettlement.vyi").read_text())
    )
    assert sorted(documented.values()) == sorted(SKIP_REASONS)


def test_erc1404_interface_is_computetokens_abi():
    abi = json.loads((ROOT / "interfaces" / "ComputeToken.json").read_text())
    functions = {item["name"]: [i["type"] for i in item["inputs"]] for item in abi if item["type"] == "function"}
    assert functions["detect_transfer_restriction"] == ["address", "address", "uint256"]
    assert functions["message_for_transfer_restriction"] == ["uint8"]
