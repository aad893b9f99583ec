"""The fleet's signatures (computerwa.client.signing.struct_digest, sign_digest): the same
EIP-712 digests as eth_account's typed-data encoder for every message type of the suite,
and the same signature bytes as its signer. And the fast paths of `sign`, `digest` and
`recover_compact` (the state machines' signing): eth_account's results and errors for
every document and signature the machines build, twisted ones included."""

import pytest
from eth_account import Account
from eth_utils import keccak
from hexbytes import HexBytes
from hypothesis import given, settings
from hypothesis import strategies as st

from computerwa.client.signing import (
    AUTHORIZATION_TYPES,
    SECP256K1_N,
    TYPES,
    Domain,
    _fast_digest,
    _recover_reference,
    digest,
    encode,
    from_compact,
    malleate,
    recover_compact,
    sign,
    sign_digest,
    sign_digest_compact,
    sign_reference,
    struct_digest,
    typed_data,
)


def _value(kind: str):
    if kind == "address":
        return st.binary(min_size=20, max_size=20).map(_checksum)
    if kind == "bytes32":
        return st.binary(min_size=32, max_size=32)
    return st.integers(0, 2 ** int(kind[4:]) - 1)


def _checksum(raw: bytes) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(raw)


def messages(primary_type: str):
    return st.fixed_dictionaries({f["name"]: _value(f["type"]) for f in TYPES[primary_type]})


domains = st.builds(
    Domain,
    st.text(max_size=40),
    st.sampled_from(["1", "2", "v1.0"]),
    st.integers(1, 2**64),
    st.binary(min_size=20, max_size=20).map(_checksum),
)


@pytest.mark.parametrize("primary_type", sorted(TYPES))
@settings(max_examples=40)
@given(data=st.data())
def test_struct_digest_is_eth_accounts_typed_data_digest(primary_type, data):
    domain, message = data.draw(domains), data.draw(messages(primary_type))
    assert struct_digest(domain, primary_type, message) == digest(typed_data(domain, primary_type, message))


def test_struct_digest_refuses_what_the_type_cannot_hold():
    domain = Domain("ComputeRWA Oracle", "1", 1337, "0x" + "11" * 20)
    report = {f["name"]: 0 for f in TYPES["PerformanceReport"]}
    with pytest.raises(ValueError, match="uint16"):
        struct_digest(domain, "PerformanceReport", report | {"uptimeBps": 2**16})
    with pytest.raises(ValueError, match="uint256"):
        struct_digest(domain, "PerformanceReport", report | {"deadline": -1})


@settings(max_examples=20)
@given(st.integers(1, 2**128), st.integers(1, 2**128))
def test_sign_digest_gives_eth_accounts_signature_and_the_compact_form_recovers_the_signer(secret, amount):
    key = Account.from_key(secret.to_bytes(32, "big"))
    domain = Domain("ComputeRWA Settlement", "1", 1337, "0x" + "22" * 20)
    message = {"payer": key.address, "nodeId": 3, "cumulativeAmount": amount, "deadline": 2**40}
    document = typed_data(domain, "Voucher", message)
    fast = sign_digest(key, struct_digest(domain, "Voucher", message))
    assert fast == sign(key, document)
    compact = sign_digest_compact(key.key, digest(document))
    assert compact == fast.compact
    assert recover_compact(digest(document), compact) == key.address


# --- sign / digest / recover_compact: the fast paths against eth_account itself -----------------
def _outcome(run):
    try:
        return ("ok", run())
    except Exception as err:  # the point is to compare any failure
        return ("raised", type(err), str(err))


def _reference_digest(document):
    message = encode(document)  # eth_account's encode_typed_data
    return keccak(b"\x19" + message.version + message.header + message.body)


KEYS = [Account.from_key((i + 1).to_bytes(32, "big")) for i in range(4)] + [
    Account.from_key((SECP256K1_N - 1).to_bytes(32, "big"))
]

_ODD_VALUES = st.sampled_from(
    [None, True, False, -1, 2**256, "1", "0x01", "", b"", bytearray(b"\x01"), HexBytes(b"\x02" * 32), b"\x03" * 33, 1.5]
)


@st.composite
def documents(draw):
    """Typed-data documents as the suite builds them, and twisted: another primary type
    over the same fields (the stablecoin machine's cross_type), domains with fewer or more
    fields, lower-case or wrongly checksummed addresses, odd values eth_account converts or
    refuses, an EIP712Domain type list that disagrees with the domain."""
    primary_type = draw(st.sampled_from(sorted(TYPES)))
    domain, message = draw(domains), draw(messages(primary_type))
    document = typed_data(domain, primary_type, message)
    twist = draw(st.sampled_from(["none"] * 4 + ["cross", "domain_keys", "address_case", "odd_value", "types"]))
    if twist == "cross" and primary_type in AUTHORIZATION_TYPES:
        other = next(t for t in AUTHORIZATION_TYPES if t != primary_type)
        types = {"EIP712Domain": document["types"]["EIP712Domain"], other: TYPES[other]}
        document = {**document, "primaryType": other, "types": types}
    elif twist == "domain_keys":
        keep = draw(st.lists(st.sampled_from(["name", "version", "chainId", "verifyingContract", "salt"]), unique=True))
        full = {**document["domain"], "salt": draw(st.binary(min_size=32, max_size=32))}
        domain_dict = {k: full[k] for k in keep}
        fields = [
            {"name": k, "type": t}
            for k, t in [
                ("name", "string"),
                ("version", "string"),
                ("chainId", "uint256"),
                ("verifyingContract", "address"),
                ("salt", "bytes32"),
            ]
            if k in keep
        ]
        document = {**document, "domain": domain_dict, "types": {**document["types"], "EIP712Domain": fields}}
        if draw(st.booleans()):
            document["types"] = {k: v for k, v in document["types"].items() if k != "EIP712Domain"}
    elif twist == "address_case":
        address = document["domain"]["verifyingContract"]
        document["domain"] = {
            **document["domain"],
            "verifyingContract": draw(
                st.sampled_from(
                    [address.lower(), "0x" + address[2:].upper(), address[:3] + address[3:].swapcase(), address[2:]]
                )
            ),
        }
    elif twist == "odd_value":
        field = draw(st.sampled_from(TYPES[primary_type]))
        document["message"] = {**message, field["name"]: draw(_ODD_VALUES)}
    elif twist == "types":
        document = {**document, "primaryType": draw(st.sampled_from(["Other", primary_type]))}
        if draw(st.booleans()):
            document["domain"] = {**document["domain"], "extra": 1}
    return document


@settings(max_examples=150, deadline=None)
@given(document=documents(), key=st.sampled_from(KEYS))
def test_sign_and_digest_are_eth_accounts_for_every_document(document, key):
    assert _outcome(lambda: digest(document)) == _outcome(lambda: _reference_digest(document))
    signer = key if document["message"].get("nonce") != 1 else key.key  # accounts and raw keys
    assert _outcome(lambda: sign(signer, document)) == _outcome(lambda: sign_reference(signer, document))
    if _fast_digest(document) is not None:
        assert _fast_digest(document) == _reference_digest(document)


def test_sign_with_an_unusual_key_is_eth_accounts():
    domain = Domain("ComputeRWA Settlement", "1", 1337, "0x" + "22" * 20)
    document = typed_data(
        domain, "Voucher", {"payer": KEYS[0].address, "nodeId": 1, "cumulativeAmount": 2, "deadline": 3}
    )
    for key in [KEYS[1].key.hex(), "0x" + KEYS[1].key.hex(), bytes(32), b"\xff" * 32, b"\x01" * 31, 5]:
        assert _outcome(lambda: sign(key, document)) == _outcome(lambda: sign_reference(key, document))  # noqa: B023


@st.composite
def compact_signatures(draw):
    """Valid signatures and what the oracle machine makes of them: high-s, malleated, zero
    r or s, r or s at or past the curve order, r not on the curve, random words."""
    key, text = draw(st.sampled_from(KEYS)), draw(st.binary(min_size=32, max_size=32))
    signature = sign_digest(key, text)
    how = draw(st.sampled_from(["valid", "malleated", "high_s", "zero", "r_order", "s_order", "random", "flip_v"]))
    r, vs = signature.compact
    if how == "malleated":
        twin = malleate(signature)
        r, vs = twin.r, twin.s  # as the oracle machine builds it: N - s, parity bit included
    elif how == "high_s":
        vs = (SECP256K1_N // 2 + 1 + int.from_bytes(vs, "big") % 2**64).to_bytes(32, "big")
    elif how == "zero":
        r, vs = draw(st.sampled_from([(bytes(32), bytes(31) + b"\x01"), (bytes(32), bytes(32)), (r, bytes(32))]))
    elif how == "r_order":
        r = draw(st.sampled_from([SECP256K1_N, SECP256K1_N - 1, SECP256K1_N + 1, 2**256 - 1])).to_bytes(32, "big")
    elif how == "s_order":
        s = draw(st.sampled_from([SECP256K1_N - 1, SECP256K1_N // 2, SECP256K1_N // 2 + 1, 2**255 - 1]))
        vs = (s | (draw(st.integers(0, 1)) << 255)).to_bytes(32, "big")
    elif how == "random":
        r, vs = draw(st.binary(min_size=32, max_size=32)), draw(st.binary(min_size=32, max_size=32))
    elif how == "flip_v":
        vs = (int.from_bytes(vs, "big") ^ (1 << 255)).to_bytes(32, "big")
    return text, (r, vs)


@settings(max_examples=300, deadline=None)
@given(case=compact_signatures())
def test_recover_compact_is_eth_accounts_recovery(case):
    message_digest, signature = case
    assert recover_compact(message_digest, signature) == _recover_reference(message_digest, signature)
    v, r, s = from_compact(signature)
    try:
        expected = Account._recover_hash(message_digest, vrs=(v, r, s))
    except Exception:
        expected = None
    assert recover_compact(message_digest, signature) == expected


def test_recover_compact_of_odd_inputs_is_eth_accounts():
    good = sign_digest(KEYS[0], bytes(range(32))).compact
    for message_digest, signature in [
        (bytes(31), good),
        (bytes(range(32)), (good[0][1:], good[1])),
        (bytes(range(32)), [good[0], good[1]]),
        (bytes(range(32)), (HexBytes(good[0]), good[1])),
        (bytes(range(32)), (good[0],)),
        (HexBytes(bytes(range(32))), good),
    ]:
        assert recover_compact(message_digest, signature) == _recover_reference(message_digest, signature)
    assert recover_compact(bytes(range(32)), good) == KEYS[0].address
