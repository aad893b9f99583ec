"""The fleet's signatures (computerwa.client.signing.struct_digest, sign_digest): the same
EIP-712 digests as eth_account's typed-data encoder for every message type of the suite,
and the same signature bytes as its signer."""

import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from computerwa.client.signing import (
    TYPES,
    Domain,
    digest,
    recover_compact,
    sign,
    sign_digest,
    sign_digest_compact,
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
