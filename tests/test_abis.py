"""The committed integrator files are those of a fresh generation: the ABIs, the EthPM
package and the EIP-712 templates (whose type hashes are the contracts' constants)."""

import json
import re

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from ethpm_types import PackageManifest

from computerwa.client.abi import abi_names, load_typed_data
from computerwa.client.attestation import PerformanceReport, report_typed_data
from computerwa.client.signing import TYPES, Domain, digest, struct_digest, typed_data
from computerwa.client.vouchers import Voucher, voucher_typed_data
from computerwa.evm.artifacts import project_root
from computerwa.tooling.abi_export import INTERFACES, TEST_ONLY, rendered_abis
from computerwa.tooling.package_export import MANIFEST_FILE, package_version, rendered_manifest
from computerwa.tooling.typed_data_export import MESSAGES, TYPED_DATA, rendered_typed_data


def test_committed_abis_match_a_fresh_compile(artifacts):
    folder = project_root() / INTERFACES
    expected = rendered_abis(artifacts)
    committed = {p.name: p.read_text() for p in folder.glob("*.json") if p.name != MANIFEST_FILE.name}
    assert set(committed) == set(expected), "run `make abi`: the set of contracts changed"
    stale = sorted(name for name, text in expected.items() if committed[name] != text)
    assert not stale, f"run `make abi`: {stale} differ from a fresh compile"


def test_every_deployable_contract_has_an_abi(artifacts):
    assert "MockStablecoin" in artifacts
    assert set(rendered_abis(artifacts)) == {f"{name}.json" for name in artifacts if name not in TEST_ONLY}


def test_test_doubles_get_no_abi(artifacts):
    assert set(artifacts) >= TEST_ONLY  # they exist, in contracts/mocks/
    assert not {f"{name}.json" for name in TEST_ONLY} & set(rendered_abis(artifacts))


# --- the EIP-712 templates (interfaces/typed-data/) -------------------------------------------
TYPEHASH_CONSTANT = re.compile(r'^(_[A-Z_]+TYPEHASH): constant\(bytes32\) = keccak256\(\s*"([^"]+)"\s*\)', re.M)


def _contract_typehashes(contract: str) -> dict[str, bytes]:
    """Type hash constant name -> keccak256 of the type string the contract's source hashes."""
    source = (project_root() / "contracts" / f"{contract}.vy").read_text()
    return {name: keccak(text=text) for name, text in TYPEHASH_CONSTANT.findall(source)}


def _committed_templates() -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in (project_root() / TYPED_DATA).glob("*.json")}


def test_committed_typed_data_matches_a_fresh_generation(artifacts):
    folder = project_root() / TYPED_DATA
    expected = rendered_typed_data(artifacts)
    committed = {p.name: p.read_text() for p in folder.glob("*.json")}
    assert set(committed) == set(expected), "run `make abi`: the set of signed messages changed"
    stale = sorted(name for name, text in expected.items() if committed[name] != text)
    assert not stale, f"run `make abi`: {stale} differ from a fresh generation"


def test_there_is_a_template_per_message_the_client_signs():
    assert {f"{primary}.json" for primary in TYPES} == set(_committed_templates())
    assert {"Voucher", "PerformanceReport", "TransferWithAuthorization", "ReceiveWithAuthorization", "Permit"} <= {
        m.primary_type for m in MESSAGES
    }


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.primary_type)
def test_each_template_type_hash_is_the_contracts_constant(message):
    document = _committed_templates()[f"{message.primary_type}.json"]
    fields = document["types"][message.primary_type]
    encode_type = f"{message.primary_type}({','.join(f['type'] + ' ' + f['name'] for f in fields)})"
    constants = _contract_typehashes(message.contract)
    assert message.typehash_constant in constants, f"{message.contract}.vy has no {message.typehash_constant}"
    assert keccak(text=encode_type) == constants[message.typehash_constant]
    assert document["x-type-hash"] == "0x" + constants[message.typehash_constant].hex()
    # the domain type is the one the client signs with
    assert document["types"]["EIP712Domain"] == typed_data(_DOMAIN, message.primary_type, {})["types"]["EIP712Domain"]


def test_the_abi_names_map_every_field_to_the_contracts_argument():
    templates = _committed_templates()
    assert templates["Voucher.json"]["x-abi-names"]["cumulativeAmount"] == "vouchers[].cumulative_amount"
    assert templates["PerformanceReport.json"]["x-abi-names"]["latencyMsP50"] == "report.latency_ms_p50"
    assert templates["TransferWithAuthorization.json"]["x-abi-names"]["validAfter"] == "valid_after"
    assert templates["ReceiveWithAuthorization.json"]["x-abi-names"]["from"] == "from_"
    assert templates["Permit.json"]["x-abi-names"]["value"] == "amount"
    for name, document in templates.items():
        assert list(document["x-abi-names"]) == list(document["message"]), name


_DOMAIN = Domain("ComputeRWA", "1", 1, "0x" + "00" * 20)
_SIGNER = Account.from_key("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
_SAMPLE = {
    "address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "uint256": 12_500_000,
    "uint64": 41,
    "uint32": 38,
    "uint16": 9_990,
    "bytes32": "0x" + "ab" * 32,
}


def _filled(document: dict, chain_id: int, verifying_contract: str) -> dict:
    """What an integrator does: fill in every null of the template, from JSON."""
    filled = json.loads(json.dumps(document))
    filled["domain"].update(chainId=chain_id, verifyingContract=verifying_contract)
    if filled["domain"]["name"] is None:
        filled["domain"].update(name="USD Coin", version="2")
    types = {f["name"]: f["type"] for f in filled["types"][filled["primaryType"]]}
    filled["message"] = {name: _SAMPLE[kind] for name, kind in types.items()}
    return filled


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.primary_type)
def test_a_filled_template_signs_and_recovers(message):
    document = _filled(_committed_templates()[f"{message.primary_type}.json"], 8453, _SAMPLE["address"])
    signed = Account.sign_typed_data(_SIGNER.key, full_message=document)
    signable = encode_typed_data(full_message=document)
    assert Account.recover_message(signable, signature=signed.signature) == _SIGNER.address


def test_filled_voucher_and_report_digests_are_the_clients():
    templates = _committed_templates()
    settlement = Domain("ComputeRWA Settlement", "1", 8453, _SAMPLE["address"])
    voucher = Voucher(_SIGNER.address, 7, 12_500_000, 1_900_000_000)
    document = json.loads(json.dumps(templates["Voucher.json"]))
    document["domain"].update(chainId=8453, verifyingContract=_SAMPLE["address"])
    document["message"] = voucher.message()
    assert digest(document) == digest(voucher_typed_data(settlement, voucher))
    assert digest(document) == struct_digest(settlement, "Voucher", voucher.message())

    oracle = Domain("ComputeRWA Oracle", "1", 8453, _SAMPLE["address"])
    report = PerformanceReport(7, 41, 9_990, 7_200, 38, 512_000, 1_200_000, 1_900_000_000)
    document = json.loads(json.dumps(templates["PerformanceReport.json"]))
    document["domain"].update(chainId=8453, verifyingContract=_SAMPLE["address"])
    document["message"] = report.message()
    assert digest(document) == digest(report_typed_data(oracle, report))
    assert digest(document) == struct_digest(oracle, "PerformanceReport", report.message())


# --- the EthPM v3 package (interfaces/computerwa.ethpm.json) -----------------------------------
def test_committed_package_manifest_matches_a_fresh_compile(artifacts):
    committed = (project_root() / MANIFEST_FILE).read_text()
    assert committed == rendered_manifest(), "run `make abi`: the EthPM manifest differs from a fresh compile"


def test_package_manifest_is_a_valid_ethpm_v3_package(artifacts):
    data = json.loads((project_root() / MANIFEST_FILE).read_text())
    package = PackageManifest.model_validate(data)
    assert package.manifest == "ethpm/3"
    assert package.name == "computerwa"
    assert package.version == package_version()
    deployable = {name for name in artifacts if name not in TEST_ONLY}
    assert set(package.contract_types or {}) == deployable
    for name, contract_type in (package.contract_types or {}).items():
        assert json.loads(contract_type.model_dump_json(by_alias=True))["abi"] == artifacts[name].abi, name
        assert contract_type.devdoc and contract_type.devdoc.get("methods"), f"{name} has no devdoc"
        assert contract_type.userdoc is not None, name
    (compiler,) = package.compilers or []
    assert (compiler.name, compiler.version) == ("vyper", "0.4.3")
    assert set(compiler.contractTypes or []) == deployable
    # one deployment per published record (local records are gitignored, never published)
    published = [p for p in (project_root() / "deployments").glob("*.json") if "local" not in p.name]
    assert len(package.deployments or {}) == len(published)


def test_package_manifest_is_not_listed_as_an_abi():
    assert "computerwa.ethpm" not in abi_names()


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.primary_type)
def test_each_template_domain_is_the_contracts(message):
    """Settlement and the oracle fix their domain in their constructor; the stablecoin's is its own."""
    domain = _committed_templates()[f"{message.primary_type}.json"]["domain"]
    source = (project_root() / "contracts" / f"{message.contract}.vy").read_text()
    literal = re.search(r'eip712\.__init__\("([^"]+)", "([^"]+)"\)', source)
    if message.fixed_domain:
        assert literal, f"{message.contract}.vy fixes no literal domain"
        assert (domain["name"], domain["version"]) == literal.groups()
    else:
        assert (domain["name"], domain["version"]) == (None, None)
    assert (domain["chainId"], domain["verifyingContract"]) == (None, None)


def test_package_natspec_covers_own_and_exported_functions():
    """Vyper's devdoc of a contract's own external functions, plus those it exports from modules
    (which Vyper 0.4.3 leaves out): only public variables' getters have none."""
    data = json.loads((project_root() / MANIFEST_FILE).read_text())
    for name, contract_type in data["contractTypes"].items():
        documented = {signature.split("(")[0] for signature in contract_type["devdoc"].get("methods", {})}
        source = (project_root() / contract_type["sourceId"]).read_text()
        own = set(re.findall(r"^@external\n(?:@\w+\n)*def (\w+)\(", source, re.M))
        assert own <= documented, f"{name}: {sorted(own - documented)} have no devdoc"
    token = {s.split("(")[0] for s in data["contractTypes"]["ComputeToken"]["devdoc"]["methods"]}
    assert {"claim", "deposit_revenue", "skim", "claimable", "permit", "approve", "accept_ownership"} <= token


def test_the_client_loads_every_template():
    for name, document in _committed_templates().items():
        assert load_typed_data(name.removesuffix(".json")) == document
    with pytest.raises(KeyError):
        load_typed_data("Unknown")
