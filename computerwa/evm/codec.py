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
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.client.abi_plans import (  # noqa: F401  (re-exported: the plans live in the client room)
    _ADDRESS_OF_WORD,
    _CACHE_LIMIT,
    _ERROR_SELECTOR,
    _FALLBACK,
    _HEX,
    _ONE_WORD,
    _PANIC_SELECTOR,
    _UINT256_MOD,
    _WORD,
    _WORD_OF_ABI_ADDRESS,
    _WORD_OF_ADDRESS,
    _ZERO12,
    _ZERO_WORD,
    _abi_address_word,
    _address_dec,
    _address_word,
    _bool_dec,
    _bool_enc,
    _byte_string_plan,
    _dynamic_array_plan,
    _elementary_plan,
    _Fallback,
    _fallback,
    _fixed_bytes_plan,
    _int_plan,
    _is_static_elementary,
    _pack_word,
    _Plan,
    _plan,
    _read_address,
    _remember,
    _sequence_plan,
    _top_level,
    _uint_plan,
    _unpack_word,
    _word_decoder,
    _word_encoder,
    _word_packer,
    _word_reader,
    abi_decode_fast,
    abi_encode_fast,
    as_address,
    canonical_type,
    checksum,
    normalize,
    split_tuple,
)


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
