"""ApeChain: the `computerwa.evm.chain` surface on Ape's connected provider.

Slow (Ape drives ~20 transactions/s) but it is the framework users deploy with, on the
embedded test provider or a real node (Anvil via ape-foundry). Running the same tests and
state machines here as on `RevmChain` is how the suite proves the two engines agree.
"""

from __future__ import annotations

import contextlib
from typing import Any

from computerwa.evm.artifacts import Artifact, load_artifacts
from computerwa.evm.chain import BoundContract, ContractFunction, Receipt, Reverted
from computerwa.evm.codec import Event, LogDecoder, as_address, normalize


class ApeChain:
    """Wraps Ape's `chain`, `accounts` and `project` (the provider must be connected)."""

    name = "ape"
    exact_gas = True  # receipt gasUsed of the provider's own transactions

    def __init__(self, accounts: int = 16, artifacts: dict[str, Artifact] | None = None, return_values: bool = True):
        """`return_values=False`: a transaction's `Receipt.return_value` is None, which on the
        embedded provider saves a call per transaction (for callers that read events, such
        as the fleet simulation)."""
        import ape

        self._ape = ape
        self._chain = ape.chain
        self.chain_id = ape.chain.chain_id
        native = list(ape.accounts.test_accounts)[:accounts]
        self._native = {a.address: a for a in native}
        from computerwa.evm.chain import dev_signer

        self.accounts = [dev_signer(i) for i in range(len(native))]
        if [a.address for a in self.accounts] != [a.address for a in native]:
            raise RuntimeError("Ape's test accounts are not the default mnemonic's: set no custom test mnemonic")
        self.artifacts = artifacts if artifacts is not None else load_artifacts()
        self._pending: int | None = None
        self._pin_always = ape.chain.provider.name != "test"
        self.logs = LogDecoder([art.codec for art in self.artifacts.values()])
        self._used = 0
        # Anvil traces a mined transaction, so Ape's return_value is exact there; the embedded
        # provider would recompute it against the state after the transaction instead
        self._traced_returns = ape.chain.provider.name != "test"
        self.return_values = return_values

    # --- time -----------------------------------------------------------------------------
    # The next block's timestamp is ours to keep: each transaction (reverted ones too, as
    # on any chain) is mined one second after the previous block unless `sleep` said more.
    # Both local providers would follow the wall clock instead (Anvil even mines several
    # blocks a second with one timestamp), so it is pinned before every transaction:
    # Anvil through Ape (evm_setNextBlockTimestamp); the embedded py-evm chain by setting
    # its pending header, since Ape's time travel there mines an extra block.
    @property
    def timestamp(self) -> int:
        return self._chain.blocks.head.timestamp

    @property
    def pending_timestamp(self) -> int:
        if self._pending is None:
            self._pending = self.timestamp + 1
        return self._pending

    @pending_timestamp.setter
    def pending_timestamp(self, value: int) -> None:
        if value <= self.timestamp:
            raise ValueError(f"the next block must be later than {self.timestamp}, got {value}")
        self._pending = value

    def sleep(self, seconds: int) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._pending = self.pending_timestamp + seconds

    def _before_transaction(self) -> None:
        want = self.pending_timestamp
        self._used = want
        backend = getattr(self._chain.provider, "evm_backend", None)
        if backend is not None and hasattr(backend, "chain"):
            backend.chain.header = backend.chain.header.copy(timestamp=want)
        elif want != self._chain.pending_timestamp or self._pin_always:
            self._chain.pending_timestamp = want

    def _after_transaction(self) -> None:
        # a reverted transaction is refused before it is mined here, but time moves on as if
        # it had been mined at its timestamp (as on the in-process engine): a `sleep` before it
        # still holds afterwards
        self._pending = max(self.timestamp, self._used) + 1

    # The provider's own snapshots: Ape's chain manager keys them by block hash and drops
    # every later one on restore, which loses an outer snapshot taken at the same block.
    # Each snapshot is restored at most once (Anvil's are single-use).
    def snapshot(self) -> Any:
        return (self._chain.provider.snapshot(), self._pending)

    def restore(self, snapshot: Any) -> None:
        snap, self._pending = snapshot
        self._chain.provider.restore(snap)

    # --- contracts ------------------------------------------------------------------------
    def sender(self, who: Any) -> Any:
        address = as_address(who) if who is not None else self.accounts[0].address
        try:
            return self._native[address]
        except KeyError:
            raise ValueError(f"{address} is not one of Ape's test accounts") from None

    def deploy(self, contract_name: str, *args: Any, sender: Any = None) -> ApeContract:
        container = getattr(self._ape.project, contract_name)
        self._before_transaction()
        try:
            instance = self.sender(sender).deploy(container, *_to_ape(args))
        except self._ape.exceptions.ContractLogicError as err:
            raise Reverted(_reason(err)) from None
        finally:
            self._after_transaction()
        self.logs.bind(as_address(instance.address), self.artifacts[contract_name].codec)
        return ApeContract(self, as_address(instance.address), self.artifacts[contract_name], instance)

    def deploy_blueprint(self, contract_name: str, sender: Any = None) -> str:
        """Ape's `declare`: the contract's creation code as an EIP-5202 blueprint."""
        container = getattr(self._ape.project, contract_name)
        self._before_transaction()
        try:
            receipt = self.sender(sender).declare(container)
        finally:
            self._after_transaction()
        return as_address(receipt.contract_address)

    def at(self, contract_name: str, address: str) -> ApeContract:
        container = getattr(self._ape.project, contract_name)
        self.logs.bind(as_address(address), self.artifacts[contract_name].codec)
        return ApeContract(self, as_address(address), self.artifacts[contract_name], container.at(as_address(address)))

    def code(self, address: str) -> bytes:
        """The runtime code at `address` (empty for an account without code)."""
        return bytes(self._ape.chain.provider.get_code(as_address(address)))

    def decode_events(self, receipt: Any) -> list[Event]:
        """Every log of the transaction, decoded from its raw topics and data by the compiled
        ABIs (as the in-process engine does): also the logs of contracts Ape was never told
        about, such as the tokens a factory created inside the transaction."""
        return [
            self.logs.decode(
                as_address(log["address"]), [_as_bytes(topic) for topic in log["topics"]], _as_bytes(log["data"])
            )
            for log in receipt.logs
        ]


class ApeFunction(ContractFunction):
    def call(self, *args: Any, sender: Any = None, pending: bool = False) -> Any:
        chain = self.contract.chain
        method = getattr(self.contract.instance, self.fn.name)
        if not self.fn.is_view:  # a transaction handler: simulate it without sending
            method = method.call
        extra: dict[str, Any] = {}
        if pending:  # the next block, its timestamp pinned to ours as before a transaction
            chain._before_transaction()
            extra = {"block_id": "pending"}
        try:
            result = method(*_to_ape(args), sender=chain.sender(sender), **extra)
        except chain._ape.exceptions.ContractLogicError as err:
            raise Reverted(_reason(err)) from None
        outputs = self.fn.outputs
        if not outputs:
            return None
        if len(outputs) == 1:
            return normalize(outputs[0], result)
        return tuple(normalize(t, v) for t, v in zip(outputs, result, strict=True))

    def transact(self, *args: Any, sender: Any = None, value: int = 0) -> Receipt:
        chain = self.contract.chain
        method = getattr(self.contract.instance, self.fn.name)
        chain._before_transaction()
        returned = None
        try:
            if self.fn.outputs and chain.return_values and not chain._traced_returns:
                # the embedded provider: the same call on the pending block (the state it will
                # run on, with the transaction's own timestamp), just before it is sent
                # if it reverts, the transaction itself reverts below, mined like any other
                with contextlib.suppress(Reverted):
                    returned = self.call(*args, sender=sender, pending=True)
            receipt = method(*_to_ape(args), sender=chain.sender(sender), value=value)
        except chain._ape.exceptions.ContractLogicError as err:
            raise Reverted(_reason(err)) from None
        finally:
            chain._after_transaction()
        if self.fn.outputs and chain.return_values and chain._traced_returns:
            raw = receipt.return_value
            outputs = self.fn.outputs
            returned = (
                normalize(outputs[0], raw)
                if len(outputs) == 1
                else tuple(normalize(t, v) for t, v in zip(outputs, raw, strict=True))
            )
        block = chain._chain.blocks[receipt.block_number]
        return Receipt(receipt.gas_used, chain.decode_events(receipt), receipt.block_number, block.timestamp, returned)


class ApeContract(BoundContract):
    """A contract on Ape's provider (`instance` is Ape's own); `contract.fn(...)` as on the engine."""

    function_type = ApeFunction


def _to_ape(args: tuple) -> list:
    return [as_address(a) if hasattr(a, "address") and not isinstance(a, (str, bytes)) else a for a in args]


def _reason(err: Exception) -> str | None:
    message = getattr(err, "revert_message", None) or str(err)
    return None if message in ("", "Transaction failed.") else message


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return bytes(value)


class ApeDeployer:
    """`deploy_suite`'s surface over Ape's own project, for any Ape account (a live
    network's included): returns Ape's contract instances and keeps, per contract type,
    the transaction and block that created it (`created`), which the deployment record holds."""

    def __init__(self, project: Any = None, chain: Any = None):
        import ape

        self.project = project if project is not None else ape.project
        self.chain = chain if chain is not None else ape.chain
        self.created: dict[str, dict[str, Any]] = {}

    @property
    def timestamp(self) -> int:
        return self.chain.blocks.head.timestamp

    def deploy(self, contract_name: str, *args: Any, sender: Any = None) -> Any:
        instance = getattr(self.project, contract_name).deploy(*args, sender=sender)
        receipt = self.chain.get_receipt(str(instance.txn_hash))
        self.created[contract_name] = {
            "address": instance.address,
            "tx_hash": str(instance.txn_hash),
            "block": receipt.block_number,
            "gas_used": receipt.gas_used,
        }
        return instance

    def deploy_blueprint(self, contract_name: str, sender: Any = None) -> str:
        receipt = sender.declare(getattr(self.project, contract_name))
        self.created[f"{contract_name}Blueprint"] = {
            "address": receipt.contract_address,
            "tx_hash": str(receipt.txn_hash),
            "block": receipt.block_number,
            "gas_used": receipt.gas_used,
        }
        return receipt.contract_address

    def at(self, contract_name: str, address: str) -> Any:
        """Ape's instance of `contract_name` at `address` (a contract another one created)."""
        return getattr(self.project, contract_name).at(address)
