"""What the ComputeToken and ComputeFactory unit tests share on top of tests/conftest.py.

Amounts: `SHARES` is 1,000 tokens (18 decimals), `REVENUE` $1,000 of the 6-decimal
stablecoin. Time is explicit: `clock.at(timestamp)` mines a harmless transaction at an
exact timestamp so views (which read the latest block) see that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest

from computerwa.evm.chain import Chain
from tests.conftest import DOCUMENTS_HASH, EPOCH_LENGTH, ONE_DOLLAR, with_defaults

ZERO = "0x" + "00" * 20
SHARE = 10**18
SHARES = 1_000 * SHARE
REVENUE = 1_000 * ONE_DOLLAR
ACC_PRECISION = 10**36
MAX_SUPPLY = 2**116 - 1  # revenue_stream.MAX_SUPPLY
MAX_DEPOSITS = 2**96 - 1  # revenue_stream.MAX_DEPOSITS, per epoch

# every message a refused transfer can carry, by ERC-1404 code
MESSAGES = {
    0: "compute_token: no restriction",
    1: "compute_token: transfers are paused",
    2: "compute_token: sender is frozen",
    3: "compute_token: receiver is frozen",
    4: "compute_token: sender is not verified",
    5: "compute_token: receiver is not verified",
}
UNKNOWN_CODE = "compute_token: unknown restriction code"
NOT_OWNER = "ownable: caller is not the owner"
NOT_NEW_OWNER = "ownable_2step: caller is not the new owner"
NOT_AGENT = "compute_token: caller is not an agent"
NOT_MINTER = "compute_token: caller is not a minter"


@dataclass
class Clock:
    """The deployment's epochs, and mining at an exact moment."""

    backend: Chain
    token: Any
    idler: Any  # an account whose no-op approvals mine blocks

    @cached_property
    def genesis(self) -> int:
        return self.token.GENESIS()

    def epoch_start(self, epoch: int) -> int:
        return self.genesis + epoch * EPOCH_LENGTH

    def epoch_of(self, timestamp: int) -> int:
        return (timestamp - self.genesis) // EPOCH_LENGTH

    def at(self, timestamp: int) -> None:
        """Mines a block at `timestamp`, so that views read that moment."""
        self.backend.pending_timestamp = timestamp
        self.mine()

    def mine(self) -> None:
        """Mines a block at the pending timestamp (whether a reverted transaction before
        was mined differs between engines; this makes the latest block certain)."""
        self.token.approve(self.idler, 0, sender=self.idler)


@pytest.fixture
def clock(backend, compute_token, relayer):
    return Clock(backend, compute_token, relayer)


@pytest.fixture
def issued(compute_token, minter, investor):
    """The investor holds SHARES, the only supply."""
    compute_token.mint(investor, SHARES, sender=minter)
    return SHARES


@pytest.fixture
def deposit(compute_token, stablecoin, customer):
    """The customer pays `amount` of revenue into the token; returns the receipt."""

    def deposit(amount: int = REVENUE):
        stablecoin.approve(compute_token, amount, sender=customer)
        return compute_token.deposit_revenue(amount, sender=customer)

    return deposit


@pytest.fixture
def deploy_token(backend, stablecoin, identity, issuer, agent, minter):
    """Deploys a ComputeToken directly (not through the factory), with overrides."""

    def deploy(**overrides):
        args = {
            "name": "ComputeRWA Node 9",
            "symbol": "CN9",
            "node_id": 9,
            "documents_hash": DOCUMENTS_HASH,
            "stablecoin": stablecoin,
            "identity_registry": identity,
            "genesis": backend.timestamp,
            "epoch_length": EPOCH_LENGTH,
            "admin": issuer,
            "agent": agent,
            "minter": minter,
        }
        return backend.deploy("ComputeToken", *with_defaults("constructor", args, overrides), sender=issuer)

    return deploy


# --- a stablecoin that answers `false` -------------------------------------------------------
# No contract of the project returns `false` from an ERC-20 transfer (they revert), so the
# double is compiled here from source, with the pip-installed compiler, for both engines.
