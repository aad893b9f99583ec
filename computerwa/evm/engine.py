"""RevmChain: the in-process engine of the property suite.

Runs the exact bytecode `ape compile` produced (Ape's `.build/__local__.json`) in pyrevm,
with ABI encoding and decoding from the compiled ABIs, decoded events and revert reasons,
block-time travel and journal snapshots. See `computerwa.evm.chain` for the shared surface.

Gas: pyrevm 0.3 keeps one journal open across transactions (that is what makes its
snapshots cheap), so accounts and slots touched earlier stay warm and SSTORE sees the
journal's first value as "original". Behaviour is exact; `gas_used` is not a receipt
figure (`exact_gas` is False). Measure gas on Ape's provider or Anvil.
"""

from __future__ import annotations

import re
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from pyrevm import EVM, BlockEnv, CfgEnv, Env

from computerwa.evm.artifacts import Artifact, load_artifacts
from computerwa.evm.chain import BoundContract, ContractFunction, Receipt, Reverted, dev_signer
from computerwa.evm.codec import LogDecoder, as_address, checksum, decode_revert

# Ape's local chain id, so signatures made for one engine are valid on the other.
DEFAULT_CHAIN_ID = 1337
# A fixed genesis time keeps every campaign reproducible (2027-01-15T08:00:00Z).
DEFAULT_GENESIS_TIME = 1_800_000_000
TX_GAS_LIMIT = 30_000_000
_REVERT_OUTPUT = re.compile(r"output: 0x([0-9a-fA-F]*)")
_HALT_REASON = re.compile(r"Halt \{ reason: ([A-Za-z]+)")


class Snapshot:
    """A RevmChain snapshot handle (see RevmChain.snapshot)."""

    __slots__ = ("checkpoint", "clock", "owner")

    def __init__(self, checkpoint: Any, owner: Snapshot | None, clock: tuple[int, int, int]):
        self.checkpoint = checkpoint
        self.owner = owner
        self.clock = clock


class RevmChain:
    """A private chain in this process. Every transaction is its own block."""

    name = "revm"
    exact_gas = False

    def __init__(
        self,
        artifacts: dict[str, Artifact] | None = None,
        chain_id: int = DEFAULT_CHAIN_ID,
        genesis_time: int = DEFAULT_GENESIS_TIME,
        accounts: int = 16,
        spec: str = "PRAGUE",
    ):
        self.artifacts = artifacts if artifacts is not None else load_artifacts()
        self.chain_id = chain_id
        self.evm = EVM(env=Env(cfg=CfgEnv(chain_id=chain_id)), spec_id=spec)
        self.block_number = 0
        self._timestamp = genesis_time
        self._pending = genesis_time + 1
        self._env_block: tuple[int, int] | None = None
        self.accounts = [dev_signer(i) for i in range(accounts)]
        self._callers: dict[str, str] = {}  # a sender's address as given -> checksummed
        for account in self.accounts:
            self.evm.set_balance(account.address, 10**24)
        self._snapshots: list[Snapshot] = []
        self.logs = LogDecoder([art.codec for art in self.artifacts.values()])

    # --- time -----------------------------------------------------------------------------
    @property
    def timestamp(self) -> int:
        """The latest mined block's timestamp."""
        return self._timestamp

    @property
    def pending_timestamp(self) -> int:
        """The timestamp the next transaction's block will have."""
        return self._pending

    @pending_timestamp.setter
    def pending_timestamp(self, value: int) -> None:
        if value <= self._timestamp:
            raise ValueError(f"the next block must be later than {self._timestamp}, got {value}")
        self._pending = value

    def sleep(self, seconds: int) -> None:
        """Moves the next block `seconds` later."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._pending += seconds

    def _use_block(self, number: int, timestamp: int) -> None:
        if self._env_block != (number, timestamp):
            self.evm.set_block_env(BlockEnv(number=number, timestamp=timestamp, gas_limit=TX_GAS_LIMIT))
            self._env_block = (number, timestamp)

    # --- snapshots ------------------------------------------------------------------------
    # pyrevm's checkpoints are journal levels keyed by journal position: each one left open
    # is a level deeper (1,024 make every call fail), and two taken at the same position
    # share one key. The stack below keeps them balanced: restoring a snapshot first closes
    # every later one, and a snapshot at the same position as the one below it is an alias.
    def snapshot(self) -> Snapshot:
        checkpoint = self.evm.snapshot()
        below = self._snapshots[-1] if self._snapshots else None
        owner = None
        if below is not None and below.checkpoint == checkpoint:
            self.evm.commit()  # the same journal level as `below`: do not open another
            owner = below.owner or below
        snap = Snapshot(checkpoint, owner, (self.block_number, self._timestamp, self._pending))
        self._snapshots.append(snap)
        return snap

    def restore(self, snapshot: Snapshot) -> None:
        """Back to `snapshot`; it and every later snapshot are used up."""
        if snapshot not in self._snapshots:
            raise ValueError("this snapshot was already restored, or discarded by restoring an earlier one")
        while True:
            top = self._snapshots.pop()
            if top.owner is None:
                self.evm.revert(top.checkpoint)
            if top is snapshot:
                break
        if snapshot.owner is not None:
            # an alias: its owner's level was closed with it, so open it again (same position)
            self.evm.revert(snapshot.owner.checkpoint)
            snapshot.owner.checkpoint = self.evm.snapshot()
        self.block_number, self._timestamp, self._pending = snapshot.clock
        self._env_block = None

    # --- contracts ------------------------------------------------------------------------
    def deploy(self, contract_name: str, *args: Any, sender: Any = None) -> EngineContract:
        artifact = self._artifact(contract_name)
        address = self._create(sender, artifact.bytecode + artifact.codec.encode_constructor(args))
        return self.at(contract_name, address)

    def deploy_blueprint(self, contract_name: str, sender: Any = None) -> str:
        """Deploys `contract_name`'s creation code as an EIP-5202 blueprint; returns its address."""
        return self._create(sender, blueprint_initcode(self._artifact(contract_name).bytecode))

    def _create(self, sender: Any, initcode: bytes) -> str:
        self._use_block(self.block_number + 1, self._pending)
        try:
            address = self.evm.deploy(as_address(sender or self.accounts[0]), initcode, gas=TX_GAS_LIMIT)
        except RuntimeError as err:
            raise _reverted(err) from None
        finally:
            self._mine()  # a failed deployment is mined too, as on a real chain
        return checksum(address)

    def at(self, contract_name: str, address: str) -> EngineContract:
        artifact = self._artifact(contract_name)
        address = as_address(address)
        self.logs.bind(address, artifact.codec)
        return EngineContract(self, address, artifact)

    def code(self, address: str) -> bytes:
        """The runtime code at `address` (empty for an account without code)."""
        info = self.evm.basic(as_address(address))
        code = bytes(info.code or b"")
        # revm keeps legacy code analysed, zero-padded by up to 33 bytes: the deployed
        # code is the prefix whose hash is the account's code hash
        for length in range(len(code), max(len(code) - 34, -1), -1):
            if keccak(code[:length]) == bytes(info.code_hash or b""):
                return code[:length]
        raise AssertionError(f"engine: no code prefix of {address} matches its code hash")

    def _artifact(self, contract_name: str) -> Artifact:
        try:
            return self.artifacts[contract_name]
        except KeyError:
            raise KeyError(f"no compiled contract {contract_name!r}: run `ape compile`") from None

    # --- execution ------------------------------------------------------------------------
    def _caller(self, sender: Any) -> str:
        """`as_address(sender or self.accounts[0])`, remembered for strings (an account is
        its address)."""
        sender = sender or self.accounts[0]
        if type(sender) is LocalAccount:
            sender = sender.address  # what as_address reads of it
        if type(sender) is not str:
            return as_address(sender)
        caller = self._callers.get(sender)
        if caller is None:
            caller = as_address(sender)
            if len(self._callers) < 4_096:
                self._callers[sender] = caller
        return caller

    def call(self, sender: Any, to: str, data: bytes, static: bool = True, pending: bool = False) -> bytes:
        """Runs against the latest block (`pending`: in the next block, at `pending_timestamp`, as
        the next transaction will) and keeps nothing; `static=False` simulates a transaction."""
        block = (self.block_number + 1, self._pending) if pending else (self.block_number, self._timestamp)
        if self._env_block != block:
            self._use_block(*block)
        if static:
            try:
                return bytes(self.evm.message_call(self._caller(sender), to, data, is_static=True))
            except RuntimeError as err:
                raise _reverted(err) from None
        checkpoint = self.evm.snapshot()
        try:
            return bytes(self.evm.message_call(self._caller(sender), to, data, is_static=False))
        except RuntimeError as err:
            raise _reverted(err) from None
        finally:
            self.evm.revert(checkpoint)

    def transact(self, sender: Any, to: str, data: bytes, value: int = 0) -> tuple[bytes, Receipt]:
        self._use_block(self.block_number + 1, self._pending)
        try:
            output = bytes(self.evm.message_call(self._caller(sender), to, data, value=value, gas=TX_GAS_LIMIT))
            result = self.evm.result
            assert result is not None, "engine: pyrevm kept no result of the transaction"
            logs = result.logs
        except RuntimeError as err:
            raise _reverted(err) from None
        finally:
            self.evm.reset_transient_storage()  # EIP-1153: transient storage ends with the transaction
            self._mine()  # a reverted transaction is mined too, as on a real chain
        events = [self._decode_log(log) for log in logs]
        return output, Receipt(result.gas_used, events, self.block_number, self._timestamp)

    def _mine(self) -> None:
        self.block_number += 1
        self._timestamp = self._pending
        self._pending += 1

    def _decode_log(self, log: Any) -> Any:
        topics, data = log.data
        return self.logs.decode(log.address, topics, data)


class BoundFunction(ContractFunction):
    def __call__(self, *args: Any, sender: Any = None, value: int = 0) -> Any:
        # ContractFunction.__call__ with a view's `call` inlined: the machines call views
        # hundreds of thousands of times
        fn = self.fn
        if fn.is_view:
            contract = self.contract
            return fn.decode(contract.chain.call(sender, contract.address, fn.encode(args), True))
        return self.transact(*args, sender=sender, value=value)

    def call(self, *args: Any, sender: Any = None, pending: bool = False) -> Any:
        chain = self.contract.chain
        output = chain.call(sender, self.contract.address, self.fn.encode(args), self.fn.is_view, pending)
        return self.fn.decode(output)

    def transact(self, *args: Any, sender: Any = None, value: int = 0) -> Receipt:
        chain = self.contract.chain
        output, receipt = chain.transact(sender, self.contract.address, self.fn.encode(args), value)
        object.__setattr__(receipt, "return_value", self.fn.decode(output))
        return receipt


class EngineContract(BoundContract):
    """A contract deployed on a RevmChain; `contract.fn(...)` as in Ape."""

    function_type = BoundFunction


def blueprint_initcode(bytecode: bytes) -> bytes:
    """EIP-5202: creation code that stores `0xFE7100 ‖ bytecode` (version 0, no data) as code."""
    blueprint = b"\xfe\x71\x00" + bytecode
    return b"\x61" + len(blueprint).to_bytes(2, "big") + b"\x3d\x81\x60\x0a\x3d\x39\xf3" + blueprint


def _reverted(err: RuntimeError) -> Reverted:
    text = str(err)
    found = _REVERT_OUTPUT.search(text)
    if found:
        data = bytes.fromhex(found.group(1))
        return Reverted(decode_revert(data), data)
    halt = _HALT_REASON.search(text)
    if halt:
        return Reverted(f"halt: {halt.group(1)}")
    raise err
