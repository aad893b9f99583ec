"""The ABI's word-level codec, without an engine: one compiled plan per type (`_plan`), each
deferring to its reference (`eth_abi`, `_pack_word`/`_unpack_word`) when unsure; checksummed
addresses. The engines' `computerwa.evm.codec` builds functions and events from these plans, and
`computerwa.client.signing` encodes EIP-712 structs with them (tests/engine/test_codec_fast.py
checks every plan against its reference).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from string import hexdigits
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

_ERROR_SELECTOR = keccak(text="Error(string)")[:4]
_PANIC_SELECTOR = keccak(text="Panic(uint256)")[:4]
_WORD = 32
_UINT256_MOD = 1 << 256
_ZERO_WORD = bytes(32)
_ONE_WORD = (1).to_bytes(32, "big")
_ZERO12 = bytes(12)
_HEX = frozenset(hexdigits)
_CACHE_LIMIT = 65_536


@lru_cache(maxsize=65_536)
def checksum(address: str) -> str:
    """The EIP-55 form of a 0x address (cached: a campaign reuses a few addresses)."""
    return to_checksum_address(address)


def as_address(value: Any) -> str:
    """Accepts a 0x string, 20 bytes, or anything with an `.address` (signer, contract)."""
    value = getattr(value, "address", value)
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 20:
            raise ValueError(f"an address is 20 bytes, got {len(value)}")
        return checksum("0x" + bytes(value).hex())
    return checksum(value)


def canonical_type(abi_input: dict) -> str:
    """The canonical type string of an ABI input, tuples expanded."""
    kind = abi_input["type"]
    if kind.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in abi_input["components"])
        return f"({inner}){kind[5:]}"
    return kind


def _is_static_elementary(kind: str) -> bool:
    return kind in ("address", "bool") or (
        "[" not in kind
        and (kind.startswith("uint") or kind.startswith("int") or (kind.startswith("bytes") and kind != "bytes"))
    )


def _pack_word(kind: str, value: Any) -> bytes:
    # the same inputs eth_abi (and so Ape) accepts, and the same refusals
    if kind == "address":
        return bytes(12) + bytes.fromhex(as_address(value)[2:])
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not a bool")
        return value.to_bytes(_WORD, "big")
    if kind.startswith("uint"):
        if type(value) is not int or value < 0 or value.bit_length() > int(kind[4:] or 256):
            raise ValueError(f"{value!r} does not fit {kind}")
        return value.to_bytes(_WORD, "big")
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        if type(value) is not int or not -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
            raise ValueError(f"{value!r} does not fit {kind}")
        return (value % _UINT256_MOD).to_bytes(_WORD, "big")
    size = int(kind[5:])  # bytesN: bytes or 0x-hex, right-padded when shorter
    if isinstance(value, str):
        value = bytes.fromhex(value.removeprefix("0x"))
    elif not isinstance(value, (bytes, bytearray)):
        raise ValueError(f"{value!r} is not bytes for {kind}")
    if len(value) > size:
        raise ValueError(f"{len(value)} bytes do not fit {kind}")
    return bytes(value).ljust(_WORD, b"\x00")


def _unpack_word(kind: str, word: bytes) -> Any:
    if kind == "address":
        return checksum("0x" + word[12:].hex())
    if kind == "bool":
        if word[-1] > 1 or any(word[:-1]):
            raise ValueError(f"0x{word.hex()} is not an ABI bool")
        return word[-1] == 1
    if kind.startswith("uint"):
        return int.from_bytes(word, "big")
    if kind.startswith("int"):
        return int.from_bytes(word, "big", signed=True)
    return bytes(word[: int(kind[5:])])


def normalize(kind: str, value: Any) -> Any:
    """Brings a value decoded by eth_abi (or by Ape) to the normal form."""
    if kind == "address":
        return checksum(value) if value else value
    if kind.endswith("]"):
        base = kind[: kind.rindex("[")]
        return tuple(normalize(base, v) for v in value)
    if kind.startswith("("):
        return tuple(normalize(t, v) for t, v in zip(split_tuple(kind), value, strict=True))
    if kind.startswith("bytes"):
        return bytes(value)
    if kind == "bool":
        return bool(value)  # Ape gives event bools as 0/1
    return value


def split_tuple(kind: str) -> list[str]:
    """`(a,(b,c)[],d)` -> ['a', '(b,c)[]', 'd']"""
    inner, parts, depth, start = kind[1 : kind.rindex(")")], [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    if inner:
        parts.append(inner[start:])
    return parts


# --- compiled plans ----------------------------------------------------------------------------
class _Fallback(Exception):
    """A fast path's "not sure": the reference path runs instead."""


_FALLBACK = _Fallback()


def _fallback(*_: Any) -> Any:
    raise _FALLBACK


# address word caches: a campaign uses a few dozen addresses, millions of times
_WORD_OF_ADDRESS: dict[Any, bytes] = {}  # as_address semantics (signers, any hex str)
_WORD_OF_ABI_ADDRESS: dict[str, bytes] = {}  # eth_abi semantics (a str is_address accepts)
_ADDRESS_OF_WORD: dict[bytes, str] = {}  # a 32-byte word -> the checksummed low 20 bytes


def _remember(cache: dict, key: Any, value: Any) -> Any:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _address_word(value: Any) -> bytes:
    """`_pack_word("address", value)`, cached; _Fallback where that would raise."""
    if type(value) is not str:
        value = getattr(value, "address", value)
        if type(value) is not str:
            if isinstance(value, (bytes, bytearray)) and len(value) == 20:
                return _ZERO12 + bytes(value)
            raise _FALLBACK
    word = _WORD_OF_ADDRESS.get(value)
    if word is None:
        try:
            word = _ZERO12 + bytes.fromhex(as_address(value)[2:])
        except Exception:
            raise _FALLBACK from None
        _remember(_WORD_OF_ADDRESS, value, word)
    return word


def _abi_address_word(value: Any) -> bytes:
    """eth_abi's AddressEncoder for the values it surely takes: a 20-byte bytes, or a
    0x-prefixed hex string that is all lower case, all upper case, or checksummed."""
    if type(value) is str:
        word = _WORD_OF_ABI_ADDRESS.get(value)
        if word is not None:
            return word
        digits = value[2:]
        if len(value) != 42 or value[:2] != "0x" or not _HEX.issuperset(digits):
            raise _FALLBACK
        if digits.lower() != digits and digits.upper() != digits and to_checksum_address(value) != value:
            raise _FALLBACK
        return _remember(_WORD_OF_ABI_ADDRESS, value, _ZERO12 + bytes.fromhex(digits))
    if isinstance(value, (bytes, bytearray)) and len(value) == 20:
        return _ZERO12 + bytes(value)
    raise _FALLBACK


def _read_address(data: bytes, pos: int) -> str:
    """The checksummed address in the low 20 bytes of the word at `pos` (no padding check)."""
    word = data[pos : pos + 32]
    address = _ADDRESS_OF_WORD.get(word)
    if address is None:
        address = _remember(_ADDRESS_OF_WORD, word, checksum("0x" + word[12:].hex()))
    return address


@dataclass(frozen=True)
class _Plan:
    """How to encode and decode one ABI type with eth_abi's semantics.

    Static: `words` 32-byte words, `dec(data, pos)` reads at `pos` (the caller has checked
    that `words` words are there). Dynamic: `dec(data, start)` reads the value whose
    encoding starts at `start`, checking its own bounds. `enc(value)` gives the value's
    encoding (for a dynamic type, its tail). Both raise _Fallback when unsure."""

    dynamic: bool
    words: int
    enc: Callable[[Any], bytes]
    dec: Callable[[bytes, int], Any]


def _uint_plan(bits: int) -> _Plan:
    limit = 1 << bits

    def enc(value: Any) -> bytes:
        if type(value) is int and 0 <= value < limit:
            return value.to_bytes(32, "big")
        raise _FALLBACK

    if bits == 256:

        def dec(data: bytes, pos: int) -> int:
            return int.from_bytes(data[pos : pos + 32], "big")

    else:

        def dec(data: bytes, pos: int) -> int:
            value = int.from_bytes(data[pos : pos + 32], "big")
            if value >= limit:
                raise _FALLBACK  # non-empty padding
            return value

    return _Plan(False, 1, enc, dec)


def _int_plan(bits: int) -> _Plan:
    low, high = -(1 << (bits - 1)), 1 << (bits - 1)

    def enc(value: Any) -> bytes:
        if type(value) is int and low <= value < high:
            return (value % _UINT256_MOD).to_bytes(32, "big")
        raise _FALLBACK

    def dec(data: bytes, pos: int) -> int:
        value = int.from_bytes(data[pos : pos + 32], "big", signed=True)
        if not low <= value < high:
            raise _FALLBACK  # padding is not the sign's extension
        return value

    return _Plan(False, 1, enc, dec)


def _bool_enc(value: Any) -> bytes:
    if value is True:
        return _ONE_WORD
    if value is False:
        return _ZERO_WORD
    raise _FALLBACK


def _bool_dec(data: bytes, pos: int) -> bool:
    word = data[pos : pos + 32]
    if word == _ONE_WORD:
        return True
    if word == _ZERO_WORD:
        return False
    raise _FALLBACK


def _address_dec(data: bytes, pos: int) -> str:
    if data[pos : pos + 12] != _ZERO12:
        raise _FALLBACK
    return _read_address(data, pos)


def _fixed_bytes_plan(size: int) -> _Plan:
    padding = bytes(32 - size)

    def enc(value: Any) -> bytes:
        if isinstance(value, (bytes, bytearray)) and len(value) <= size:
            return bytes(value).ljust(32, b"\x00")
        raise _FALLBACK

    def dec(data: bytes, pos: int) -> bytes:
        if data[pos + size : pos + 32] != padding:
            raise _FALLBACK
        return data[pos : pos + size]

    return _Plan(False, 1, enc, dec)


def _byte_string_plan(text: bool) -> _Plan:
    def enc(value: Any) -> bytes:
        if text:
            if not isinstance(value, str):
                raise _FALLBACK
            try:
                value = value.encode("utf8")
            except UnicodeError:
                raise _FALLBACK from None
        elif isinstance(value, (bytes, bytearray)):
            value = bytes(value)
        else:
            raise _FALLBACK
        size = len(value)
        return size.to_bytes(32, "big") + value + bytes(-size % 32)

    def dec(data: bytes, start: int) -> Any:
        head = start + 32
        if head > len(data):
            raise _FALLBACK
        size = int.from_bytes(data[start:head], "big")
        end = head + size
        padded = end + (-size % 32)
        if padded > len(data) or data[end:padded].count(0) != padded - end:
            raise _FALLBACK
        if not text:
            return data[head:end]
        try:
            return data[head:end].decode("utf-8")
        except UnicodeDecodeError:
            raise _FALLBACK from None

    return _Plan(True, 0, enc, dec)


def _sequence_plan(items: list[_Plan]) -> tuple[Callable[[Any], bytes], Callable[[bytes, int], tuple], int, bool]:
    """Encoder and decoder of a head-tail sequence (a tuple, or a sized array's items), its
    head size in words and whether it is dynamic."""
    count = len(items)
    head_words = sum(1 if p.dynamic else p.words for p in items)
    head_size = 32 * head_words
    dynamic = any(p.dynamic for p in items)
    offsets, position = [], 0
    for p in items:
        offsets.append(position)
        position += 32 if p.dynamic else 32 * p.words
    layout = tuple(zip(offsets, items, strict=True))

    if not dynamic:
        encoders = tuple(p.enc for p in items)
        readers = tuple((offset, p.dec) for offset, p in layout)

        def static_enc(value: Any) -> bytes:
            if (type(value) is not tuple and type(value) is not list) or len(value) != count:
                raise _FALLBACK
            return b"".join([e(v) for e, v in zip(encoders, value, strict=False)])

        def static_dec(data: bytes, pos: int) -> tuple:
            return tuple([read(data, pos + offset) for offset, read in readers])

        return static_enc, static_dec, head_words, False

    def enc(value: Any) -> bytes:
        if (type(value) is not tuple and type(value) is not list) or len(value) != count:
            raise _FALLBACK
        heads, tails, tail_at = [], [], head_size
        for p, v in zip(items, value, strict=False):
            if p.dynamic:
                tail = p.enc(v)
                heads.append(tail_at.to_bytes(32, "big"))
                tails.append(tail)
                tail_at += len(tail)
            else:
                heads.append(p.enc(v))
        return b"".join(heads) + b"".join(tails)

    def dec(data: bytes, start: int) -> tuple:
        size = len(data)
        lowest = start + head_size
        if lowest > size:
            raise _FALLBACK
        out = []
        for offset, p in layout:
            at = start + offset
            if p.dynamic:
                # eth_abi's validate_pointers: a tail starts after the head and in the data
                tail = start + int.from_bytes(data[at : at + 32], "big")
                if tail < lowest or tail >= size:
                    raise _FALLBACK
                out.append(p.dec(data, tail))
            else:
                out.append(p.dec(data, at))
        return tuple(out)

    return enc, dec, head_words, True


def _dynamic_array_plan(item: _Plan) -> _Plan:
    item_size = 32 * item.words

    def enc(value: Any) -> bytes:
        if type(value) is not tuple and type(value) is not list:
            raise _FALLBACK
        count = len(value)
        if not item.dynamic:
            return count.to_bytes(32, "big") + b"".join([item.enc(v) for v in value])
        heads, tails, tail_at = [], [], 32 * count
        for v in value:
            tail = item.enc(v)
            heads.append(tail_at.to_bytes(32, "big"))
            tails.append(tail)
            tail_at += len(tail)
        return count.to_bytes(32, "big") + b"".join(heads) + b"".join(tails)

    item_dec = item.dec

    def dec(data: bytes, start: int) -> tuple:
        size = len(data)
        frame = start + 32
        if frame > size:
            raise _FALLBACK
        count = int.from_bytes(data[start:frame], "big")
        if not item.dynamic:
            if frame + count * item_size > size:
                raise _FALLBACK
            return tuple([item_dec(data, frame + i * item_size) for i in range(count)])
        lowest = frame + 32 * count
        if lowest > size:
            raise _FALLBACK
        out = []
        for at in range(frame, lowest, 32):
            tail = frame + int.from_bytes(data[at : at + 32], "big")
            if tail < lowest or tail >= size:
                raise _FALLBACK
            out.append(item_dec(data, tail))
        return tuple(out)

    return _Plan(True, 0, enc, dec)


def _elementary_plan(kind: str) -> _Plan | None:
    if kind == "address":
        return _Plan(False, 1, _abi_address_word, _address_dec)
    if kind == "bool":
        return _Plan(False, 1, _bool_enc, _bool_dec)
    if kind in ("string", "bytes"):
        return _byte_string_plan(kind == "string")
    for prefix, make, sizes in (
        ("uint", _uint_plan, range(8, 257, 8)),
        ("int", _int_plan, range(8, 257, 8)),
        ("bytes", _fixed_bytes_plan, range(1, 33)),
    ):
        if kind.startswith(prefix) and kind[len(prefix) :].isdigit():
            size = int(kind[len(prefix) :])
            return make(size) if size in sizes and str(size) == kind[len(prefix) :] else None
    return None


@lru_cache(maxsize=1_024)
def _plan(kind: str) -> _Plan | None:
    """The plan of a canonical ABI type, or None for a type left to eth_abi (fixed-point,
    function, anything unparsed)."""
    if kind.endswith("]"):
        cut = kind.rindex("[")
        item = _plan(kind[:cut])
        size = kind[cut + 1 : -1]
        if item is None:
            return None
        if size == "":
            return _dynamic_array_plan(item)
        if not size.isdigit() or str(int(size)) != size or int(size) == 0:
            return None
        enc, dec, words, dynamic = _sequence_plan([item] * int(size))
        return _Plan(dynamic, 0 if dynamic else words, enc, dec)
    if kind.startswith("("):
        if not kind.endswith(")"):
            return None
        parts = split_tuple(kind)
        plans = [_plan(p) for p in parts]
        if not plans or any(p is None for p in plans):
            return None
        enc, dec, words, dynamic = _sequence_plan(plans)  # type: ignore[arg-type]
        return _Plan(dynamic, 0 if dynamic else words, enc, dec)
    return _elementary_plan(kind)


@lru_cache(maxsize=1_024)
def _top_level(kinds: tuple[str, ...]) -> tuple[Callable, Callable] | None:
    """eth_abi's encode(kinds, values) and normalized decode(kinds, data) of an argument list."""
    plans = [_plan(k) for k in kinds]
    if any(p is None for p in plans):
        return None
    enc, dec, words, dynamic = _sequence_plan(plans)  # type: ignore[arg-type]
    if dynamic:
        return enc, lambda data: dec(data, 0)
    head = 32 * words

    def static_dec(data: bytes) -> tuple:
        if len(data) < head:
            raise _FALLBACK
        return dec(data, 0)

    return enc, static_dec


def abi_encode_fast(kinds: tuple[str, ...], values: Any) -> bytes:
    """`eth_abi.encode(kinds, values)`, through the compiled plan when it is sure."""
    plan = _top_level(tuple(kinds)) if len(kinds) < 64 else None
    if plan is not None:
        try:
            return plan[0](values)
        except _Fallback:
            pass
    return abi_encode(list(kinds), values)


def abi_decode_fast(kinds: tuple[str, ...], data: bytes) -> tuple:
    """`eth_abi.decode(kinds, data)`, normalized, through the compiled plan when it is sure."""
    plan = _top_level(tuple(kinds)) if len(kinds) < 64 else None
    if plan is not None and type(data) is bytes:
        try:
            return plan[1](data)
        except _Fallback:
            pass
    return tuple(normalize(k, v) for k, v in zip(kinds, abi_decode(list(kinds), data), strict=True))


# --- the word plans: `_pack_word` / `_unpack_word`, compiled per type ---------------------------
def _word_packer(kind: str) -> Callable[[Any], bytes]:
    """`_pack_word(kind, value)` for the values it surely takes; _Fallback otherwise."""
    if kind == "address":
        return _address_word
    if kind == "bool":
        return _bool_enc
    if kind.startswith("uint"):
        limit = 1 << int(kind[4:] or 256)

        def pack_uint(value: Any) -> bytes:
            if type(value) is int and 0 <= value < limit:
                return value.to_bytes(32, "big")
            raise _FALLBACK

        return pack_uint
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        low, high = -(1 << (bits - 1)), 1 << (bits - 1)

        def pack_int(value: Any) -> bytes:
            if type(value) is int and low <= value < high:
                return (value % _UINT256_MOD).to_bytes(32, "big")
            raise _FALLBACK

        return pack_int
    size = int(kind[5:])

    def pack_bytes(value: Any) -> bytes:
        if type(value) is bytes and len(value) <= size:
            return value.ljust(32, b"\x00")
        raise _FALLBACK

    return pack_bytes


def _word_reader(kind: str) -> Callable[[bytes, int], Any]:
    """`_unpack_word(kind, data[pos : pos + 32])`; _Fallback where that would raise."""
    if kind == "address":
        return _read_address
    if kind == "bool":
        return _bool_dec
    if kind.startswith("uint"):
        return lambda data, pos: int.from_bytes(data[pos : pos + 32], "big")
    if kind.startswith("int"):
        return lambda data, pos: int.from_bytes(data[pos : pos + 32], "big", signed=True)
    size = int(kind[5:])
    return lambda data, pos: data[pos : pos + size]


def _word_encoder(selector: bytes, kinds: tuple[str, ...]) -> Callable[[tuple], bytes]:
    packers = tuple(_word_packer(k) for k in kinds)
    if not packers:
        return lambda args: selector
    if len(packers) == 1:
        (p0,) = packers
        return lambda args: selector + p0(args[0])
    if len(packers) == 2:
        p0, p1 = packers
        return lambda args: selector + p0(args[0]) + p1(args[1])
    if len(packers) == 3:
        p0, p1, p2 = packers
        return lambda args: selector + p0(args[0]) + p1(args[1]) + p2(args[2])
    return lambda args: selector + b"".join([p(v) for p, v in zip(packers, args, strict=False)])


def _word_decoder(kinds: tuple[str, ...]) -> Callable[[bytes], Any]:
    """The word plan of a static output list: the bare value of one output, else a tuple."""
    readers = tuple(_word_reader(k) for k in kinds)
    head = 32 * len(kinds)
    if len(readers) == 1:
        (r0,) = readers
        if kinds[0] == "uint256":

            def one_uint(data: bytes) -> Any:
                if len(data) < 32:
                    raise _FALLBACK
                return int.from_bytes(data[:32], "big")

            return one_uint

        def one(data: bytes) -> Any:
            if len(data) < 32:
                raise _FALLBACK
            return r0(data, 0)

        return one
    layout = tuple((32 * i, r) for i, r in enumerate(readers))

    def many(data: bytes) -> tuple:
        if len(data) < head:
            raise _FALLBACK
        return tuple([read(data, at) for at, read in layout])

    return many
