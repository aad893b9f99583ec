"""The compiled codec plans (computerwa.evm.codec) against their references, byte for byte.

- `abi_encode_fast` / `abi_decode_fast` equal eth_abi's `encode` and (normalized) `decode`
  for every type the project's contracts use in function inputs and outputs and event data,
  and for more shapes (signed ints, short bytesN, nested and fixed arrays, structs with
  dynamic members), boundary values included; on corrupted, truncated or extended return
  data and on unusual values (int subclasses, bools for ints, bytearrays, lower-case and
  unprefixed addresses, lists for tuples) they give eth_abi's result or eth_abi's error.
- `Function.encode` / `decode` equal `encode_reference` / `decode_reference` (the code
  they replaced: `_pack_word` / `_unpack_word`, or eth_abi) for every function of every
  compiled contract: the same bytes, the same values, the same exception and message.
"""

from __future__ import annotations

import enum
from functools import cache, lru_cache
from unittest import mock

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.codec import ABICodec
from eth_abi.decoding import UnsignedIntegerDecoder
from eth_abi.encoding import UnsignedIntegerEncoder
from eth_abi.registry import BaseEquals, registry
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from computerwa.evm.artifacts import ArtifactsMissing, load_artifacts
from computerwa.evm.codec import (
    Function,
    _Fallback,
    _plan,
    _top_level,
    abi_decode_fast,
    abi_encode_fast,
    decode_revert,
    normalize,
    split_tuple,
)


@lru_cache(maxsize=1)
def _artifacts() -> dict:
    try:
        return load_artifacts()
    except ArtifactsMissing:  # pragma: no cover - `ape compile` first
        return {}


def _functions() -> list[tuple[str, Function]]:
    return [
        (f"{name}.{fn.name}", fn) for name, art in sorted(_artifacts().items()) for fn in art.codec.functions.values()
    ]


def _project_types() -> set[str]:
    kinds: set[str] = set()
    for art in _artifacts().values():
        for fn in art.codec.functions.values():
            kinds.update(fn.inputs + fn.outputs)
        for event in art.codec.events.values():
            kinds.update(k for _, k in event.data)
    return kinds


EXTRA_TYPES = [
    "int8",
    "int64",
    "int256",
    "uint24",
    "bytes1",
    "bytes4",
    "bytes20",
    "bytes31",
    "uint8[3]",
    "address[2]",
    "string[]",
    "bytes32[2][]",
    "uint256[][]",
    "(uint256,string)",
    "(uint256,string)[2]",
    "(bool,(address,bytes)[])",
    "(int16,bytes3)[3]",
    "((uint8,bool),uint256[2],string)",
    "(string,string)[]",
]
TYPES = sorted(_project_types() | set(EXTRA_TYPES))


# --- values of a type ---------------------------------------------------------------------------
def _ints(low: int, high: int):
    edges = [low, high, 0, 1, -1, low + 1, high - 1, high // 2, (high // 2) + 1]
    return st.one_of(st.sampled_from([e for e in edges if low <= e <= high]), st.integers(low, high))


def _addresses():
    raw = st.binary(min_size=20, max_size=20) | st.sampled_from([bytes(20), b"\xff" * 20])
    return raw.flatmap(lambda b: st.sampled_from([to_checksum_address(b), "0x" + b.hex(), "0x" + b.hex().upper(), b]))


@cache
def values(kind: str) -> st.SearchStrategy:
    """Values eth_abi encodes as `kind` (in the forms callers use)."""
    if kind.endswith("]"):
        cut = kind.rindex("[")
        item, size = values(kind[:cut]), kind[cut + 1 : -1]
        if size:
            return st.lists(item, min_size=int(size), max_size=int(size)).map(tuple)
        return st.lists(item, max_size=4).flatmap(lambda xs: st.sampled_from([tuple(xs), list(xs)]))
    if kind.startswith("("):
        return st.tuples(*(values(k) for k in split_tuple(kind)))
    if kind == "address":
        return _addresses()
    if kind == "bool":
        return st.booleans()
    if kind == "string":
        return st.text(max_size=70)
    if kind == "bytes":
        return st.binary(max_size=70)
    if kind.startswith("uint"):
        return _ints(0, 2 ** int(kind[4:]) - 1)
    if kind.startswith("int"):
        bits = int(kind[3:])
        return _ints(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    size = int(kind[5:])
    return st.binary(max_size=size)


def _outcome(run):
    """A call's result, or its exception's type and message."""
    try:
        return ("ok", run())
    except Exception as err:  # the point is to compare any failure
        return ("raised", type(err), str(err))


def _reference_decode(kinds, data):
    return tuple(normalize(k, v) for k, v in zip(kinds, abi_decode(list(kinds), data), strict=True))


def test_every_type_of_the_project_has_a_plan():
    assert _artifacts(), "run `ape compile` first"
    assert [k for k in TYPES if _plan(k) is None] == []


@pytest.mark.parametrize("kind", TYPES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_encode_and_decode_equal_eth_abi(kind, data):
    other = data.draw(st.sampled_from(["uint256", "string", "address", "bool"]))
    kinds = data.draw(st.sampled_from([(kind,), (kind, other), (other, kind, other)]))
    args = tuple(data.draw(values(k)) for k in kinds)
    encoded = abi_encode(list(kinds), args)
    assert abi_encode_fast(kinds, args) == encoded
    decoded = abi_decode_fast(kinds, encoded)
    assert decoded == _reference_decode(kinds, encoded)
    assert [type(v) for v in decoded] == [type(v) for v in _reference_decode(kinds, encoded)]
    # the normal form round-trips: encoding the decoded values gives the same bytes
    assert abi_encode_fast(kinds, decoded) == encoded


def _pristine() -> ABICodec:
    """eth_abi as it ships. Importing Ape re-registers its uint decoder, which pads a short
    read instead of failing (so a corrupted array length of 2**255 reads zeros for ever);
    the fast plans never read short: they defer to whichever eth_abi is loaded."""
    patched = registry.copy()
    patched.unregister("uint")
    patched.register(BaseEquals("uint"), UnsignedIntegerEncoder, UnsignedIntegerDecoder, label="uint")
    return ABICodec(patched)


PRISTINE = _pristine()


def _pristine_eth_abi():
    """The codec's eth_abi fallback as it ships, for corrupted data: with Ape's padding uint
    decoder, a corrupted array length sends the reference (the old code) counting for ever;
    a fast plan never reads short (see _check_plan_decode), so which eth_abi runs behind it
    changes nothing it returns."""
    return mock.patch("computerwa.evm.codec.abi_decode", PRISTINE.decode)


def _check_plan_decode(kinds: tuple[str, ...], raw: bytes) -> None:
    """The compiled plan decodes `raw` exactly as eth_abi, or defers to it (_Fallback)."""
    reference = _outcome(
        lambda: tuple(normalize(k, v) for k, v in zip(kinds, PRISTINE.decode(list(kinds), raw), strict=True))
    )
    try:
        fast = ("ok", _top_level(kinds)[1](raw))
    except _Fallback:
        fast = None
    if fast is not None:
        assert fast == reference
    if reference[0] == "ok":  # then the loaded eth_abi (Ape's, maybe) reads no short word either
        assert (
            _outcome(lambda: abi_decode_fast(kinds, raw))
            == reference
            == _outcome(lambda: _reference_decode(kinds, raw))
        )


@pytest.mark.parametrize("kind", TYPES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_decode_of_corrupted_data_is_eth_abis_result_or_deferred(kind, data):
    kinds = data.draw(st.sampled_from([(kind,), (kind, "uint8"), ("bool", kind)]))
    encoded = bytearray(abi_encode(list(kinds), tuple(data.draw(values(k)) for k in kinds)))
    for _ in range(data.draw(st.integers(1, 3))):
        how = data.draw(st.sampled_from(["byte", "word", "truncate", "extend", "pointer"]))
        if how == "byte" and encoded:
            encoded[data.draw(st.integers(0, len(encoded) - 1))] = data.draw(st.integers(0, 255))
        elif how == "word" and len(encoded) >= 32:
            at = 32 * data.draw(st.integers(0, len(encoded) // 32 - 1))
            word = data.draw(_ints(0, 2**256 - 1) | st.integers(0, len(encoded) + 64))
            encoded[at : at + 32] = word.to_bytes(32, "big")
        elif how == "truncate":
            del encoded[data.draw(st.integers(0, len(encoded))) :]
        elif how == "extend":
            encoded += data.draw(st.binary(max_size=64))
        elif how == "pointer" and len(encoded) >= 32:
            at = 32 * data.draw(st.integers(0, len(encoded) // 32 - 1))
            encoded[at : at + 32] = (32 * data.draw(st.integers(0, len(encoded) // 32 + 1))).to_bytes(32, "big")
    _check_plan_decode(kinds, bytes(encoded))


@pytest.mark.parametrize("kind", ["uint8", "int8", "address", "bool", "bytes4", "bytes32", "(uint16,bool)"])
@given(raw=st.binary(min_size=0, max_size=96))
@settings(max_examples=100, deadline=None)
def test_fast_decode_of_any_bytes_is_eth_abis_result_or_deferred(kind, raw):
    _check_plan_decode((kind,), raw)


class _Small(enum.IntEnum):
    ONE = 1


_UNUSUAL = st.sampled_from(
    [
        True,
        False,
        None,
        _Small.ONE,
        -1,
        2**256,
        1.0,
        "1",
        "0x01",
        "",
        "0x" + "ab" * 20,
        "ab" * 20,
        "0X" + "AB" * 20,
        "0xAb" + "ab" * 19,
        "0x" + "ab" * 19 + " a",
        b"",
        b"\x01" * 20,
        b"\x01" * 33,
        bytearray(b"\x02" * 20),
        bytearray(b"\x02" * 3),
        "\ud800",
        [],
        (),
        [1, 2],
        (b"\x00" * 32, b"\x00" * 32),
        [b"\x00" * 32, b"\x00" * 32],
    ]
)


@pytest.mark.parametrize("kind", TYPES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_fast_encode_of_unusual_values_is_eth_abis_result_or_error(kind, data):
    value = data.draw(_UNUSUAL | values(kind))
    assert _outcome(lambda: abi_encode_fast((kind,), (value,))) == _outcome(lambda: abi_encode([kind], [value]))
    if kind.startswith("(") and isinstance(value, tuple):
        inner = split_tuple(kind)
        if len(inner) == len(value):
            mixed = data.draw(st.tuples(*(_UNUSUAL | values(k) for k in inner)))
            assert _outcome(lambda: abi_encode_fast((kind,), (mixed,))) == _outcome(lambda: abi_encode([kind], [mixed]))


# --- every function of every contract: the compiled plans against the code they replaced ---------
FUNCTIONS = _functions()


@pytest.mark.parametrize("fn", [f for _, f in FUNCTIONS], ids=[name for name, _ in FUNCTIONS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_function_encode_and_decode_equal_their_references(fn, data):
    args = tuple(data.draw(values(k) | _UNUSUAL if data.draw(st.integers(0, 9)) == 0 else values(k)) for k in fn.inputs)
    assert _outcome(lambda: fn.encode(args)) == _outcome(lambda: fn.encode_reference(args))
    if fn.outputs:
        output = bytearray(abi_encode(list(fn.outputs), tuple(data.draw(values(k)) for k in fn.outputs)))
        if data.draw(st.booleans()):  # corrupted return data (a call to the wrong contract, say)
            if output and data.draw(st.booleans()):
                output[data.draw(st.integers(0, len(output) - 1))] ^= data.draw(st.integers(1, 255))
            else:
                del output[data.draw(st.integers(0, len(output))) :]
    else:
        output = bytearray(data.draw(st.binary(max_size=64)))
    raw = bytes(output)
    with _pristine_eth_abi():
        assert _outcome(lambda: fn.decode(raw)) == _outcome(lambda: fn.decode_reference(raw))


def test_signers_and_contracts_are_addresses_in_every_argument_list():
    class Signer:
        address = "0x" + "cd" * 20

    static = Function.from_abi(
        {"type": "function", "name": "f", "inputs": [{"type": "address"}, {"type": "uint256"}], "outputs": []}
    )
    dynamic = Function.from_abi(
        {"type": "function", "name": "g", "inputs": [{"type": "address"}, {"type": "string"}], "outputs": []}
    )
    for fn, args in ((static, (Signer(), 5)), (dynamic, (Signer(), "x"))):
        assert fn.encode(args) == fn.encode_reference(args)
        assert fn.encode(args)[16:36] == bytes.fromhex("cd" * 20)


def test_revert_reasons_decode_as_eth_abi_does():
    for reason in ["", "stablecoin: paused", "ü" * 40]:
        data = bytes.fromhex("08c379a0") + abi_encode(["string"], [reason])
        assert decode_revert(data) == abi_decode(["string"], data[4:])[0] == reason
    with pytest.raises(Exception):  # noqa: B017 - eth_abi's own error for a truncated reason
        decode_revert(bytes.fromhex("08c379a0") + bytes(31))


@given(st.lists(st.tuples(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32)), max_size=5))
@settings(max_examples=50, deadline=None)
def test_a_signature_list_round_trips(signatures):
    kinds = ("(uint256,uint64,uint16,uint16,uint32,uint64,uint64,uint256)", "(bytes32,bytes32)[]")
    report = (7, 41, 9_990, 7_200, 38, 512_000, 1_200_000, 2**40)
    encoded = abi_encode(list(kinds), [report, signatures])
    assume(encoded)
    assert abi_encode_fast(kinds, (report, signatures)) == encoded
    assert abi_decode_fast(kinds, encoded) == (report, tuple(signatures))


# --- every event of every contract: the compiled plan against the code it replaced ---------------
EVENTS = [
    (f"{name}.{event.name}", event)
    for name, art in sorted(_artifacts().items())
    for event in sorted(art.codec.events.values(), key=lambda e: e.name)
]


@pytest.mark.parametrize("event", [e for _, e in EVENTS], ids=[name for name, _ in EVENTS])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_event_decode_equals_its_reference(event, data):
    topics = [event.topic0]
    for _, kind in event.indexed:
        if _plan(kind) is not None and not _plan(kind).dynamic and _plan(kind).words == 1:
            topics.append(abi_encode([kind], [data.draw(values(kind))]))
        else:
            topics.append(data.draw(st.binary(min_size=32, max_size=32)))
    kinds = [k for _, k in event.data]
    raw = bytearray(abi_encode(kinds, tuple(data.draw(values(k)) for k in kinds)))
    how = data.draw(st.sampled_from(["valid"] * 3 + ["truncate", "flip", "topics", "topic_size"]))
    if how == "truncate":
        del raw[data.draw(st.integers(0, len(raw))) :]
    elif how == "flip" and len(raw) >= 32:
        raw[32 * data.draw(st.integers(0, len(raw) // 32 - 1)) + data.draw(st.sampled_from([0, 11, 31]))] ^= 0xFF
    elif how == "topics":
        topics = topics[: data.draw(st.integers(0, len(topics)))] + [bytes(32)] * data.draw(st.integers(0, 1))
    elif how == "topic_size" and len(topics) > 1:
        topics[-1] = topics[-1][:31]
    address = "0x" + "ab" * 20
    with _pristine_eth_abi():
        assert _outcome(lambda: event.decode(address, topics, bytes(raw))) == _outcome(
            lambda: event.decode_reference(address, topics, bytes(raw))
        )
