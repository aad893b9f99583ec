"""ABI encoding and decoding from a compiled ABI, fast enough for deep property campaigns.

Values come back in one normal form shared by every engine: checksummed address strings,
`int`, `bool`, `bytes`, `str`, tuples (arrays too).

Every function's and event's types are compiled once, when the ABI is loaded, into plans
of small closures (`_plan`): the selector, the head layout, one packer or reader per type,
so a call does only the byte work. Two kinds of plan, each with its reference path:

- A function whose inputs (outputs) are all static elementary types (address, uintN, intN,
  bool, bytesN) packs (reads) one word per value, exactly as `_pack_word` (`_unpack_word`)
  always did, which stays the reference.
- Anything else (string, bytes, tuples and structs, fixed and dynamic arrays, nested as the
  contracts have them) has `eth_abi` as its reference: a plan accepts only a value, or
  return data, that it is sure `eth_abi` takes, and gives exactly `eth_abi`'s bytes (its
  decoded value, normalized); for anything else (an exotic type, an unusual value such as
  an int subclass, malformed or non-canonical return data) it steps aside and the
  reference runs, errors included.

So a fast path never changes a result or an error, only the time taken
(tests/engine/test_codec_fast.py checks both kinds against their references).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Function:
    """One function of a compiled ABI."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    mutability: str
    selector: bytes = field(repr=False)
    static_inputs: bool = field(repr=False)
    static_outputs: bool = field(repr=False)
    is_view: bool = field(init=False, repr=False, compare=False)
    _encode_fast: Callable[[tuple], bytes] = field(init=False, repr=False, compare=False)
    _decode_fast: Callable[[bytes], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "is_view", self.mutability in ("view", "pure"))
        setattr_(self, "_encode_fast", self._compile_encoder())
        setattr_(self, "_decode_fast", self._compile_decoder())

    @classmethod
    def from_abi(cls, item: dict) -> Function:
        inputs = tuple(canonical_type(i) for i in item["inputs"])
        outputs = tuple(canonical_type(o) for o in item.get("outputs", []))
        return cls(
            name=item["name"],
            inputs=inputs,
            outputs=outputs,
            mutability=item.get("stateMutability", "nonpayable"),
            selector=keccak(text=f"{item['name']}({','.join(inputs)})")[:4],
            static_inputs=all(_is_static_elementary(t) for t in inputs),
            static_outputs=all(_is_static_elementary(t) for t in outputs),
        )

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.inputs)})"

    # --- compiled once ---------------------------------------------------------------------
    def _compile_encoder(self) -> Callable[[tuple], bytes]:
        if self.static_inputs:
            return _word_encoder(self.selector, self.inputs)
        top = _top_level(self.inputs)
        if top is None:
            return _fallback
        selector, kinds = self.selector, self.inputs
        if "address" in kinds:
            # the reference prepares top-level addresses with as_address (signers, any hex form)
            plans = [_AS_ADDRESS if k == "address" else _plan(k) for k in kinds]
            encode_tuple = _sequence_plan(plans)[0]  # type: ignore[arg-type]
        else:
            encode_tuple = top[0]
        return lambda args: selector + encode_tuple(args)

    def _compile_decoder(self) -> Callable[[bytes], Any]:
        if not self.outputs:
            return lambda output: None
        if self.static_outputs:
            return _word_decoder(self.outputs)
        top = _top_level(self.outputs)
        if top is None:
            return _fallback
        decode_tuple = top[1]
        if len(self.outputs) == 1:
            return lambda output: decode_tuple(output)[0]
        return decode_tuple

    # --- the calls -------------------------------------------------------------------------
    def encode(self, args: tuple) -> bytes:
        if len(args) != len(self.inputs):
            raise TypeError(f"{self.signature} takes {len(self.inputs)} arguments, got {len(args)}")
        try:
            return self._encode_fast(args)
        except _Fallback:
            return self.encode_reference(args)

    def decode(self, output: bytes) -> Any:
        """One output comes back bare, several as a tuple, none as None."""
        if type(output) is bytes:
            try:
                return self._decode_fast(output)
            except _Fallback:
                pass
        return self.decode_reference(output)

    def encode_reference(self, args: tuple) -> bytes:
        """`encode` without the compiled plan: `_pack_word`, or eth_abi."""
        if len(args) != len(self.inputs):
            raise TypeError(f"{self.signature} takes {len(self.inputs)} arguments, got {len(args)}")
        if self.static_inputs:
            return self.selector + b"".join(_pack_word(t, v) for t, v in zip(self.inputs, args, strict=True))
        prepared = [as_address(v) if t == "address" else v for t, v in zip(self.inputs, args, strict=True)]
        return self.selector + abi_encode(list(self.inputs), prepared)

    def decode_reference(self, output: bytes) -> Any:
        """`decode` without the compiled plan: `_unpack_word`, or eth_abi."""
        if not self.outputs:
            return None
        if self.static_outputs and len(output) >= _WORD * len(self.outputs):
            values = tuple(_unpack_word(t, output[i * _WORD : (i + 1) * _WORD]) for i, t in enumerate(self.outputs))
        else:
            values = tuple(
                normalize(t, v) for t, v in zip(self.outputs, abi_decode(list(self.outputs), output), strict=True)
            )
        return values[0] if len(values) == 1 else values


# a top-level address of a dynamic argument list: as_address semantics, as the reference
_AS_ADDRESS = _Plan(False, 1, _address_word, _address_dec)


@dataclass(frozen=True)
class Event:
    """A decoded log: `event.name`, `event.address`, `event.args` (also as attributes)."""

    name: str
    address: str
    args: dict

    def __getattr__(self, key: str) -> Any:
        try:
            return self.args[key]
        except KeyError:
            raise AttributeError(key) from None


@dataclass(frozen=True)
class EventDecoder:
    name: str
    topic0: bytes
    names: tuple[str, ...]
    indexed: tuple[tuple[str, str], ...]  # (name, type) in topic order
    data: tuple[tuple[str, str], ...]  # (name, type) in data order

    @classmethod
    def from_abi(cls, item: dict) -> EventDecoder:
        types = [(i["name"], canonical_type(i)) for i in item["inputs"]]
        signature = f"{item['name']}({','.join(t for _, t in types)})"
        return cls(
            name=item["name"],
            topic0=keccak(text=signature),
            names=tuple(n for n, _ in types),
            indexed=tuple((i["name"], canonical_type(i)) for i in item["inputs"] if i.get("indexed")),
            data=tuple((i["name"], canonical_type(i)) for i in item["inputs"] if not i.get("indexed")),
        )

    _fast: Callable[[list, Any], dict] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_fast", self._compile())

    def decode(self, address: str, topics: list[bytes], data: bytes) -> Event:
        try:
            return Event(self.name, address, self._fast(topics, data))
        except _Fallback:
            return self.decode_reference(address, topics, data)

    def decode_reference(self, address: str, topics: list[bytes], data: bytes) -> Event:
        """`decode` without the compiled plan: `_unpack_word`, or eth_abi."""
        values: dict[str, Any] = {}
        for (name, kind), topic in zip(self.indexed, topics[1:], strict=True):
            # a dynamic indexed value is only its hash
            values[name] = _unpack_word(kind, topic) if _is_static_elementary(kind) else bytes(topic)
        if self.data:
            kinds = [k for _, k in self.data]
            if all(_is_static_elementary(k) for k in kinds):
                decoded = [_unpack_word(k, data[i * _WORD : (i + 1) * _WORD]) for i, k in enumerate(kinds)]
            else:
                decoded = [normalize(k, v) for k, v in zip(kinds, abi_decode(kinds, data), strict=True)]
            values.update(zip((n for n, _ in self.data), decoded, strict=True))
        return Event(self.name, address, {n: values[n] for n in self.names})

    def _compile(self) -> Callable[[list, Any], dict]:
        """The event's args from its topics and data, in `names` order: topics first, then
        the data (word plans when every data type is static elementary, else the ABI plan)."""
        if len(set(self.names)) != len(self.names):
            return _fallback
        n_topics = len(self.indexed) + 1
        from_topic = {
            name: (i + 1, _word_reader(kind) if _is_static_elementary(kind) else _topic_bytes)
            for i, (name, kind) in enumerate(self.indexed)
        }
        kinds = tuple(k for _, k in self.data)
        static_data = all(_is_static_elementary(k) for k in kinds)
        head = 32 * len(kinds)
        readers = (
            {name: (32 * i, _word_reader(kind)) for i, (name, kind) in enumerate(self.data)} if static_data else {}
        )
        slots = {name: i for i, (name, _) in enumerate(self.data)}
        topic_plan = tuple((name, *from_topic[name]) for name in self.names if name in from_topic)
        order = self.names

        def fast(topics: list, data: Any) -> dict:
            if len(topics) != n_topics:
                raise _FALLBACK
            values = {}
            for name, index, read in topic_plan:
                topic = topics[index]
                if type(topic) is not bytes or len(topic) != 32:
                    raise _FALLBACK
                values[name] = read(topic, 0)
            if kinds:
                if static_data:
                    if type(data) is not bytes or len(data) < head:
                        raise _FALLBACK
                    for name, (at, read) in readers.items():
                        values[name] = read(data, at)
                else:
                    decoded = abi_decode_fast(kinds, data)
                    for name, i in slots.items():
                        values[name] = decoded[i]
            return {n: values[n] for n in order}

        return fast


def _topic_bytes(topic: bytes, _: int) -> bytes:
    return bytes(topic)


class ContractABI:
    """Functions by name (Vyper has no overloading) and events by topic0."""

    def __init__(self, abi: list[dict]):
        self.abi = abi
        self.functions = {i["name"]: Function.from_abi(i) for i in abi if i["type"] == "function"}
        self.events = {d.topic0: d for d in (EventDecoder.from_abi(i) for i in abi if i["type"] == "event")}
        ctor = next((i for i in abi if i["type"] == "constructor"), None)
        self.constructor_inputs = tuple(canonical_type(i) for i in ctor["inputs"]) if ctor else ()

    def encode_constructor(self, args: tuple) -> bytes:
        if len(args) != len(self.constructor_inputs):
            raise TypeError(f"constructor takes {len(self.constructor_inputs)} arguments, got {len(args)}")
        prepared = [as_address(v) if t == "address" else v for t, v in zip(self.constructor_inputs, args, strict=True)]
        return abi_encode(list(self.constructor_inputs), prepared)


class LogDecoder:
    """Decodes raw logs into `Event`s by the compiled ABIs, for every engine: by the ABI of
    the contract bound at the log's address first (two contracts may declare events of one
    signature: ComputeToken's `Paused(agent)` and MockStablecoin's `Paused(account)`), then
    by topic0 and topic count, which also decodes contracts nobody bound (tokens a factory
    created inside the transaction) and tells apart same-named events indexed differently."""

    def __init__(self, codecs: list[ContractABI]):
        self._by_shape = {
            (topic, len(decoder.indexed) + 1): decoder for codec in codecs for topic, decoder in codec.events.items()
        }
        self._at: dict[str, ContractABI] = {}

    def bind(self, address: str, codec: ContractABI) -> None:
        """The contract at `address` (checksummed) has this ABI."""
        self._at[address] = codec

    def decode(self, address: str, topics: list[bytes], data: bytes) -> Event:
        codec = self._at.get(address)
        decoder = codec.events.get(topics[0]) if codec and topics else None
        if decoder is None or len(decoder.indexed) + 1 != len(topics):
            decoder = self._by_shape.get((topics[0], len(topics))) if topics else None
        if decoder is None:
            return Event("<unknown>", address, {"topics": topics, "data": data})
        return decoder.decode(address, topics, data)


def decode_revert(output: bytes) -> str | None:
    """The revert reason of `Error(string)`, `Panic(0x..)` for a panic, None for a bare revert."""
    if output[:4] == _ERROR_SELECTOR:
        return abi_decode_fast(("string",), output[4:])[0]
    if output[:4] == _PANIC_SELECTOR:
        return f"Panic(0x{int.from_bytes(output[4:36], 'big'):02x})"
    return None
