"""What every engine offers the tests, the property suite and the scripts.

Two engines implement it: `computerwa.evm.engine.RevmChain` (pyrevm, in process, thousands of
transactions per second) and `computerwa.evm.ape_chain.ApeChain` (Ape's connected provider).
A test or state machine written against this surface runs unchanged on both, which is how
the suite proves they agree.

Time: every transaction is mined in a block of its own at `pending_timestamp`; afterwards
`pending_timestamp` is one second later. `sleep(seconds)` moves it forward. Views run
against the latest mined block (`fn.call(..., pending=True)`: in the next block, at
`pending_timestamp`, as the next transaction will). A reverted transaction mines nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from eth_account import Account
from eth_account.signers.local import LocalAccount

from computerwa.evm.codec import Event

# Ape's and Anvil's default test mnemonic: both engines sign with the same keys.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_HD_PATH = "m/44'/60'/0'/0/{}"


@lru_cache(maxsize=64)
def dev_signer(index: int) -> LocalAccount:
    """Test account `index` of the default mnemonic (the one Ape and Anvil fund)."""
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(DEV_MNEMONIC, account_path=DEV_HD_PATH.format(index))


class Reverted(Exception):
    """A call or transaction reverted; `reason` is the decoded revert string, if any."""

    def __init__(self, reason: str | None, data: bytes = b""):
        super().__init__(reason if reason is not None else f"reverted without a reason (0x{data.hex()})")
        self.reason = reason
        self.data = data


@contextmanager
def reverts(reason: str | None = None) -> Iterator[None]:
    """Asserts that the block reverts, with exactly `reason` when one is given."""
    try:
        yield
    except Reverted as err:
        if reason is not None and err.reason != reason:
            raise AssertionError(f"expected revert {reason!r}, got {err.reason!r}") from err
    else:
        raise AssertionError(f"expected revert {reason!r}, but the call succeeded")


def expect(reason: str | None, call: Callable[[], Any]) -> Any:
    """Runs `call`: it must succeed when `reason` is None (its result is returned) and
    revert with exactly `reason` otherwise (None is returned). For state machines that
    predict every outcome."""
    try:
        result = call()
    except Reverted as err:
        assert reason is not None, f"unexpected revert {err.reason!r}"
        assert err.reason == reason, f"expected revert {reason!r}, got {err.reason!r}"
        return None
    assert reason is None, f"expected revert {reason!r}, but it succeeded"
    return result


@dataclass(frozen=True)
class Receipt:
    """What a mined transaction left: gas, decoded events, block and return value."""

    gas_used: int
    events: list[Event]
    block_number: int
    timestamp: int
    return_value: Any = None
    extra: dict = field(default_factory=dict, repr=False)

    def filter(self, name: str) -> list[Event]:
        """The events called `name`, in log order."""
        return [e for e in self.events if e.name == name]


class BoundContract:
    """A deployed contract on one engine: `contract.fn(*args)` calls a view or sends a
    transaction (`sender=` a signer or address); `contract.fn.call(...)` always calls. Each
    engine subclasses it and sets `function_type`, the class that binds one function."""

    function_type: type[ContractFunction]

    def __init__(self, chain: Any, address: str, artifact: Any, instance: Any = None):
        self.chain = chain
        self.address = address
        self.artifact = artifact
        self.instance = instance  # the engine's own contract object, if it has one

    def __getattr__(self, name: str) -> ContractFunction:
        try:
            fn = self.artifact.codec.functions[name]
        except KeyError:
            raise AttributeError(f"{self.artifact.name} has no function {name!r}") from None
        bound = self.function_type(self, fn)
        self.__dict__[name] = bound
        return bound

    def __repr__(self) -> str:
        return f"<{self.artifact.name} {self.address} on {self.chain.name}>"


class ContractFunction:
    """One function of a `BoundContract`: a view is called, anything else is sent."""

    __slots__ = ("contract", "fn")

    def __init__(self, contract: BoundContract, fn: Any):
        self.contract = contract
        self.fn = fn

    def __call__(self, *args: Any, sender: Any = None, value: int = 0) -> Any:
        if self.fn.is_view:
            return self.call(*args, sender=sender)
        return self.transact(*args, sender=sender, value=value)

    def call(self, *args: Any, sender: Any = None, pending: bool = False) -> Any:
        raise NotImplementedError

    def transact(self, *args: Any, sender: Any = None, value: int = 0) -> Receipt:
        raise NotImplementedError


class Contract(Protocol):
    """A deployed contract: `contract.fn(*args)` calls a view or sends a transaction
    (`sender=` a signer or address); `contract.fn.call(...)` always calls."""

    address: str

    def __getattr__(self, name: str) -> Any: ...


class Chain(Protocol):
    """The engine-independent surface (see the module docstring)."""

    name: str
    chain_id: int
    accounts: list[LocalAccount]
    exact_gas: bool  # whether Receipt.gas_used is a receipt's gasUsed

    def deploy(self, contract_name: str, *args: Any, sender: Any = None) -> Contract: ...

    def deploy_blueprint(self, contract_name: str, sender: Any = None) -> str: ...

    def at(self, contract_name: str, address: str) -> Contract: ...

    def code(self, address: str) -> bytes: ...

    @property
    def timestamp(self) -> int: ...

    @property
    def pending_timestamp(self) -> int: ...

    def sleep(self, seconds: int) -> None: ...

    def snapshot(self) -> Any: ...

    def restore(self, snapshot: Any) -> None: ...
