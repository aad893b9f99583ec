"""ABI encoding and decoding from a compiled ABI, fast enough for deep property campaigns.

Static argument lists (address, uintN, intN, bool, bytesN) are packed by hand; anything
dynamic or nested goes through `eth_abi`. Values come back in one normal form shared by
every engine: checksummed address strings, `int`, `bool`, `bytes`, `str`, tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

_ERROR_SELECTOR = keccak(text="Error(string)")[:4]
_PANIC_SELECTOR = keccak(text="Panic(uint256)")[:4]
_WORD = 32
_UINT256_MOD = 1 << 256


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
    def is_view(self) -> bool:
        return self.mutability in ("view", "pure")

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.inputs)})"

    def encode(self, args: tuple) -> bytes:
        if len(args) != len(self.inputs):
            raise TypeError(f"{self.signature} takes {len(self.inputs)} arguments, got {len(args)}")
        if self.static_inputs:
            return self.selector + b"".join(_pack_word(t, v) for t, v in zip(self.inputs, args, strict=True))
        prepared = [as_address(v) if t == "address" else v for t, v in zip(self.inputs, args, strict=True)]
        return self.selector + abi_encode(list(self.inputs), prepared)

    def decode(self, output: bytes) -> Any:
        """One output comes back bare, several as a tuple, none as None."""
        if not self.outputs:
            return None
        if self.static_outputs and len(output) >= _WORD * len(self.outputs):
            values = tuple(_unpack_word(t, output[i * _WORD : (i + 1) * _WORD]) for i, t in enumerate(self.outputs))
        else:
            values = tuple(
                normalize(t, v) for t, v in zip(self.outputs, abi_decode(list(self.outputs), output), strict=True)
            )
        return values[0] if len(values) == 1 else values


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

    def decode(self, address: str, topics: list[bytes], data: bytes) -> Event:
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
        return abi_decode(["string"], output[4:])[0]
    if output[:4] == _PANIC_SELECTOR:
        return f"Panic(0x{int.from_bytes(output[4:36], 'big'):02x})"
    return None
