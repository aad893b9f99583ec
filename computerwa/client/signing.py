"""EIP-712 messages of the suite, built as eth_account typed data and signed with its keys.

The domain of a contract is read from its EIP-5267 `eip712Domain()`, so a signature is
always made for the exact name, version, chain and contract the verifier uses.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils import keccak

from computerwa.client.abi_plans import _Fallback, _plan, checksum

try:  # Keccak-256 in C (safe-pysha3), a tenth of eth_utils' per-call cost; the same hash
    from sha3 import keccak_256 as _keccak_256
except ImportError:  # pragma: no cover - eth_utils' keccak is the same function
    _keccak_256 = None


def _keccak_c(data: bytes) -> bytes:
    return _keccak_256(data).digest()


_keccak: Callable[[bytes], bytes] = _keccak_c if _keccak_256 is not None else keccak

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

_DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_AUTHORIZATION_FIELDS = [
    {"name": "from", "type": "address"},
    {"name": "to", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "validAfter", "type": "uint256"},
    {"name": "validBefore", "type": "uint256"},
    {"name": "nonce", "type": "bytes32"},
]
TYPES = {
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
    "TransferWithAuthorization": _AUTHORIZATION_FIELDS,
    "ReceiveWithAuthorization": _AUTHORIZATION_FIELDS,
    "CancelAuthorization": [
        {"name": "authorizer", "type": "address"},
        {"name": "nonce", "type": "bytes32"},
    ],
    # DESIGN.md, Signed messages: domain "ComputeRWA Settlement", version "1"
    "Voucher": [
        {"name": "payer", "type": "address"},
        {"name": "nodeId", "type": "uint256"},
        {"name": "cumulativeAmount", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
    # DESIGN.md, Signed messages: domain "ComputeRWA Oracle", version "1"
    "PerformanceReport": [
        {"name": "nodeId", "type": "uint256"},
        {"name": "epoch", "type": "uint64"},
        {"name": "uptimeBps", "type": "uint16"},
        {"name": "utilizationBps", "type": "uint16"},
        {"name": "latencyMsP50", "type": "uint32"},
        {"name": "energyWh", "type": "uint64"},
        {"name": "workUnits", "type": "uint64"},
        {"name": "deadline", "type": "uint256"},
    ],
}


AUTHORIZATION_TYPES = ("TransferWithAuthorization", "ReceiveWithAuthorization")


@dataclass(frozen=True)
class Domain:
    name: str
    version: str
    chain_id: int
    verifying_contract: str

    @classmethod
    def of(cls, contract: Any) -> Domain:
        """The EIP-5267 domain a contract reports."""
        _, name, version, chain_id, verifying_contract, _, _ = contract.eip712Domain()
        return cls(name, version, chain_id, verifying_contract)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": self.verifying_contract,
        }


@dataclass(frozen=True)
class Signature:
    v: int
    r: bytes
    s: bytes

    @property
    def vrs(self) -> tuple[int, bytes, bytes]:
        return (self.v, self.r, self.s)

    @property
    def packed(self) -> bytes:
        """r ‖ s ‖ v, 65 bytes."""
        return self.r + self.s + bytes([self.v])

    @property
    def compact(self) -> tuple[bytes, bytes]:
        """EIP-2098 (r, vs): the parity of v in the top bit of s (see `to_compact`)."""
        return to_compact(self.v, self.r, self.s)


# --- EIP-2098 compact signatures: the one encoder and decoder of the package ------------------
def to_compact(v: int, r: bytes, s: bytes) -> tuple[bytes, bytes]:
    """EIP-2098 (r, vs) of a (v, r, s) signature. Needs v in {27, 28} and s below 2**255
    (every low-s signature)."""
    s_word = int.from_bytes(s, "big")
    if v not in (27, 28) or s_word >> 255:
        raise ValueError("signature: not representable in EIP-2098 compact form")
    return (r, (s_word | (v - 27) << 255).to_bytes(32, "big"))


def from_compact(signature: tuple[bytes, bytes]) -> tuple[int, int, int]:
    """(v, r, s) as integers, v in {27, 28}, of an EIP-2098 (r, vs) signature."""
    r, vs = signature
    word = int.from_bytes(vs, "big")
    return 27 + (word >> 255), int.from_bytes(r, "big"), word & (2**255 - 1)


def is_low_s(signature: tuple[bytes, bytes]) -> bool:
    """Whether a compact signature's s is in the lower half of the curve order, as every
    verifier of the suite (snekmate's ecdsa) requires."""
    return from_compact(signature)[2] <= SECP256K1_N // 2


def recover_compact(message_digest: bytes, signature: tuple[bytes, bytes]) -> str | None:
    """The address that signed the 32-byte EIP-712 `message_digest` with the compact
    `signature`, or None when nothing can be recovered (ecrecover's zero address). The
    low-s rule is the caller's (`is_low_s`)."""
    if type(message_digest) is bytes and len(message_digest) == 32 and type(signature) is tuple and len(signature) == 2:
        r, vs = signature
        if type(r) is bytes and type(vs) is bytes and len(r) == 32 and len(vs) == 32:
            word = int.from_bytes(vs, "big")
            return _recover(message_digest, r, word >> 255, word & _LOW_255)
    return _recover_reference(message_digest, signature)


def _recover_reference(message_digest: bytes, signature: tuple[bytes, bytes]) -> str | None:
    """`recover_compact` through eth_account (what `_recover` does faster)."""
    try:
        return Account._recover_hash(message_digest, vrs=from_compact(signature))
    except Exception:  # eth_keys' BadSignature / ValidationError, or a value out of range
        return None


_LOW_255 = 2**255 - 1


@lru_cache(maxsize=65_536)
def _recover(message_digest: bytes, r: bytes, parity: int, s: int) -> str | None:
    """eth_account's `_recover_hash(digest, vrs=(27 + parity, r, s))` as eth_keys does it on
    its coincurve backend, None where that raises: eth_keys refuses r or s outside
    [0, N - 1], libsecp256k1 any signature that recovers no key (r or s zero, r not an x
    coordinate)."""
    if int.from_bytes(r, "big") >= SECP256K1_N or s >= SECP256K1_N:
        return None
    try:
        public_key = _coincurve().PublicKey.from_signature_and_message(
            r + s.to_bytes(32, "big") + bytes([parity]), message_digest, hasher=None
        )
    except Exception:  # eth_keys' coincurve backend turns this into BadSignature
        return None
    return checksum("0x" + _keccak(public_key.format(compressed=False)[1:])[-20:].hex())


def digest(document: dict) -> bytes:
    """The 32-byte EIP-712 digest of a typed-data document (what ecrecover sees)."""
    fast = _fast_digest(document)
    if fast is not None:
        return fast
    message = encode(document)
    return keccak(b"\x19" + message.version + message.header + message.body)


def sign_digest(key: Any, message_digest: bytes) -> Signature:
    """The (v, r, s) signature of a 32-byte digest, straight from libsecp256k1 (coincurve:
    RFC 6979, always low-s, the same bytes eth_account gives): about 20 times faster than
    eth_account's signer, for the benchmark's grinding and the fleet simulation's thousands
    of signatures. `key` is an eth_account account or a raw private key."""
    raw = _private_key(bytes(getattr(key, "key", key))).sign_recoverable(message_digest, hasher=None)
    return Signature(27 + raw[64], raw[:32], raw[32:64])


def sign_digest_compact(key: Any, message_digest: bytes) -> tuple[bytes, bytes]:
    """`sign_digest`, as the EIP-2098 compact (r, vs) pair `settle` and `submit` take."""
    return sign_digest(key, message_digest).compact


@lru_cache(maxsize=16_384)
def _private_key(secret: bytes) -> Any:
    return _coincurve().PrivateKey(secret)


@lru_cache(maxsize=1)
def _coincurve() -> Any:
    import coincurve  # eth_keys' own backend here: eth_account signs and recovers with it

    return coincurve


# --- the same EIP-712 digests, without building typed-data documents -------------------------
# Every message of the suite is a flat struct of static fields (address, uintN, bytes32), so
# its struct hash is keccak(type hash ‖ one 32-byte word per field). `struct_digest` gives
# exactly `digest(typed_data(domain, primary_type, message))` (tests/sim/test_fast_signing.py
# checks every type), about 50 times faster: what a fleet of thousands of signers needs.
@lru_cache(maxsize=256)
def domain_separator(domain: Domain) -> bytes:
    """hashStruct(EIP712Domain) of `domain` (cached: a contract's domain never changes)."""
    return keccak(
        _type_hash("EIP712Domain")
        + keccak(text=domain.name)
        + keccak(text=domain.version)
        + domain.chain_id.to_bytes(32, "big")
        + bytes(12)
        + bytes.fromhex(domain.verifying_contract[2:])
    )


@lru_cache(maxsize=64)
def _type_hash(primary_type: str) -> bytes:
    fields = _DOMAIN_FIELDS if primary_type == "EIP712Domain" else TYPES[primary_type]
    members = ",".join(field["type"] + " " + field["name"] for field in fields)
    return keccak(text=f"{primary_type}({members})")


def _word(kind: str, value: Any) -> bytes:
    if kind == "address":
        return bytes(12) + bytes.fromhex(value[2:])
    if kind == "bytes32":
        if len(value) != 32:
            raise ValueError(f"bytes32 needs 32 bytes, got {len(value)}")
        return bytes(value)
    if type(value) is not int or value < 0 or value.bit_length() > int(kind[4:]):
        raise ValueError(f"{value!r} does not fit {kind}")
    return value.to_bytes(32, "big")


def struct_digest(domain: Domain, primary_type: str, message: dict) -> bytes:
    """The 32-byte EIP-712 digest of `message` of `primary_type` (one of TYPES) under
    `domain`: the same as `digest(typed_data(domain, primary_type, message))`."""
    fields = TYPES[primary_type]
    body = _type_hash(primary_type) + b"".join(_word(f["type"], message[f["name"]]) for f in fields)
    return _keccak(b"\x19\x01" + domain_separator(domain) + _keccak(body))


def typed_data(domain: Domain, primary_type: str, message: dict) -> dict:
    """The full EIP-712 typed-data document eth_account takes."""
    return {
        "types": {"EIP712Domain": _DOMAIN_FIELDS, primary_type: TYPES[primary_type]},
        "primaryType": primary_type,
        "domain": domain.as_dict(),
        "message": message,
    }


def encode(document: dict) -> SignableMessage:
    """eth_account's encoding: `.header` is the domain separator, `.body` the struct hash."""
    return encode_typed_data(full_message=document)


def sign(signer: Any, document: dict) -> Signature:
    """Signs a typed-data document with a signer's key (an eth_account account or raw key)."""
    return _sign(signer, document, _fast_digest(document))


def _sign(signer: Any, document: dict, message_digest: bytes | None) -> Signature:
    """`sign`, given `_fast_digest(document)`: libsecp256k1 on the digest when the digest
    and the key are plain (see `sign_digest`), else eth_account on the document."""
    key = getattr(signer, "key", signer)
    if message_digest is not None and isinstance(key, bytes) and len(key) == 32:
        try:
            return sign_digest(key, message_digest)
        except ValueError:  # not a valid secp256k1 key: eth_account says so its own way
            pass
    return sign_reference(signer, document)


def sign_reference(signer: Any, document: dict) -> Signature:
    """`sign` through eth_account's `sign_typed_data` (the reference of the fast path)."""
    key = getattr(signer, "key", signer)
    signed = Account.sign_typed_data(key, full_message=document)
    return Signature(signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big"))


# --- eth_account's typed-data digest, compiled per type ----------------------------------------
# `encode_typed_data(full_message=document)` as eth_account 0.13 computes it, for the documents
# whose every field is a plain atomic value (address, uintN, intN, bool, bytesN, bytes,
# string): the domain's fields in eth_account's canonical order, one primary type, values
# eth_abi surely takes. Anything else (nested or array types, values eth_account would
# convert or refuse: hex strings for numbers, None, truthy non-bools) returns None, and
# eth_account runs instead, errors included. tests/sim/test_fast_signing.py checks it.
_DOMAIN_KINDS = {
    "name": "string",
    "version": "string",
    "chainId": "uint256",
    "verifyingContract": "address",
    "salt": "bytes32",
}
_DOMAIN_SEPARATORS: dict[tuple, bytes] = {}


def _fast_digest(document: Any) -> bytes | None:
    if type(document) is not dict:
        return None
    try:
        types, domain, message = document["types"], document["domain"], document["message"]
    except Exception:
        return None
    if type(types) is not dict or type(domain) is not dict or type(message) is not dict:
        return None
    primary = [name for name in types if name != "EIP712Domain"]
    if len(primary) != 1 or document.get("primaryType", primary[0]) != primary[0]:
        return None
    if "EIP712Domain" in types:
        try:
            if set(domain) != {field["name"] for field in types["EIP712Domain"]}:
                return None
        except Exception:
            return None
    try:
        plan = _struct_plan(primary[0], tuple((f["type"], f["name"]) for f in types[primary[0]]))
        separator = _fast_domain_separator(domain)
        if plan is None or separator is None:
            return None
        type_hash, fields = plan
        body = type_hash + b"".join([encode(message[name]) for name, encode in fields])
    except (_Fallback, KeyError, TypeError):
        return None
    return _keccak(b"\x19\x01" + separator + _keccak(body))


def _fast_domain_separator(domain: dict) -> bytes | None:
    """eth_account's `hash_domain(domain)`, cached by the domain's fields and their types."""
    key = tuple((name, type(value), value) for name, value in domain.items())
    separator = _DOMAIN_SEPARATORS.get(key)
    if separator is None:
        if not set(domain) <= set(_DOMAIN_KINDS):
            return None
        present = tuple((kind, name) for name, kind in _DOMAIN_KINDS.items() if name in domain)
        plan = _struct_plan("EIP712Domain", present)
        if plan is None:
            return None
        type_hash, fields = plan
        separator = keccak(type_hash + b"".join([encode(domain[name]) for name, encode in fields]))
        if len(_DOMAIN_SEPARATORS) >= 4_096:
            _DOMAIN_SEPARATORS.clear()
        _DOMAIN_SEPARATORS[key] = separator
    return separator


@lru_cache(maxsize=1_024)
def _struct_plan(primary_type: str, fields: tuple[tuple[str, str], ...]) -> tuple[bytes, tuple] | None:
    """The type hash of a struct of atomic fields and each field's word encoder (by name)."""
    encoders = []
    for kind, name in fields:
        if type(kind) is not str or type(name) is not str:
            return None
        encoder = _field_encoder(kind)
        if encoder is None:
            return None
        encoders.append((name, encoder))
    members = ",".join(f"{kind} {name}" for kind, name in fields)
    return keccak(text=f"{primary_type}({members})"), tuple(encoders)


def _field_encoder(kind: str) -> Any:
    """eth_account's `encode_field` then eth_abi's word, for the values that need no
    conversion; _Fallback for any other."""
    if kind == "string":
        return _hash_text
    if kind == "bytes":
        return _hash_bytes
    if kind == "bool":
        return _bool_word
    plan = _plan(kind)
    if plan is None or plan.dynamic or plan.words != 1:
        return None
    if kind.startswith("bytes"):
        return _exact_bytes(plan.enc)
    return plan.enc  # address, uintN, intN: eth_abi's checks, exactly (see computerwa.evm.codec)


def _hash_text(value: Any) -> bytes:
    if type(value) is not str:
        raise _Fallback
    try:
        return _keccak(value.encode("utf-8"))
    except UnicodeError:
        raise _Fallback from None


def _hash_bytes(value: Any) -> bytes:
    if type(value) is not bytes:
        raise _Fallback
    return _keccak(value)


def _bool_word(value: Any) -> bytes:
    if value is True or value is False:
        return bytes(31) + bytes([value])
    raise _Fallback


def _exact_bytes(encode: Any) -> Any:
    def encode_bytes(value: Any) -> bytes:
        if type(value) is not bytes:  # eth_account converts str, int, bytearray first
            raise _Fallback
        return encode(value)

    return encode_bytes


def random_nonce() -> bytes:
    """A fresh EIP-3009 nonce."""
    return os.urandom(32)


def permit(domain: Domain, owner: str, spender: str, value: int, nonce: int, deadline: int) -> dict:
    return typed_data(
        domain,
        "Permit",
        {"owner": owner, "spender": spender, "value": value, "nonce": nonce, "deadline": deadline},
    )


def authorization(
    domain: Domain,
    payer: str,
    payee: str,
    value: int,
    valid_after: int,
    valid_before: int,
    nonce: bytes,
    receive: bool = False,
) -> dict:
    """An EIP-3009 TransferWithAuthorization, or ReceiveWithAuthorization with `receive`."""
    return typed_data(
        domain,
        "ReceiveWithAuthorization" if receive else "TransferWithAuthorization",
        {
            "from": payer,
            "to": payee,
            "value": value,
            "validAfter": valid_after,
            "validBefore": valid_before,
            "nonce": nonce,
        },
    )


def cancel_authorization(domain: Domain, authorizer: str, nonce: bytes) -> dict:
    return typed_data(domain, "CancelAuthorization", {"authorizer": authorizer, "nonce": nonce})


def malleate(signature: Signature) -> Signature:
    """The same signature's high-s twin (valid for ecrecover, refused by low-s verifiers)."""
    s = SECP256K1_N - int.from_bytes(signature.s, "big")
    return Signature(55 - signature.v, signature.r, s.to_bytes(32, "big"))
