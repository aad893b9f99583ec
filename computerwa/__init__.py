"""ComputeRWA's Python package: the in-process engine, ABI codec, EIP-712 signing helpers
and (as the protocol grows) the exact reference models that tests and scripts share."""

from computerwa.chain import Receipt, Reverted, reverts
from computerwa.codec import Event

__all__ = ["Event", "Receipt", "Reverted", "reverts"]
