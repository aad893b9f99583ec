"""The AttestationOracle suite: a 3-of-5 committee of attestor keys, owned by the issuer.

Attestors only sign (eth_account keys, never funded); anyone relays a report. Time:
GENESIS is ten epochs before deployment, so epochs 0..9 have ended and can be reported at
once, in any order; epoch 10 is running. Committee changes apply `COMMITTEE_DELAY` after
their announcement (`change_committee` waits it out).
"""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain
from tests.conftest import COMMITTEE_DELAY, EPOCH_LENGTH

COMMITTEE_SIZE = 5
THRESHOLD = 3
PAST_EPOCHS = 10
NODE = 7


def attestor_key(index: int):
    """A deterministic attestor key; never one of the funded test accounts."""
    return Account.from_key(keccak(b"ComputeRWA attestor %d" % index))


def by_address(keys):
    return sorted(keys, key=lambda key: int(key.address, 16))


@pytest.fixture(scope="session")
def attestors():
    """The committee's keys, in ascending address order (the contract's order)."""
    return by_address(attestor_key(i) for i in range(COMMITTEE_SIZE))


@pytest.fixture(scope="session")
def outsider():
    """A key that signs like an attestor but is not one."""
    return attestor_key(100)


@pytest.fixture(scope="session")
def oracle(backend, issuer, attestors):
    genesis = backend.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH
    return backend.deploy(
        "AttestationOracle",
        [key.address for key in attestors],
        THRESHOLD,
        genesis,
        EPOCH_LENGTH,
        COMMITTEE_DELAY,
        sender=issuer,
    )


@pytest.fixture(scope="session")
def change_committee(backend, oracle, issuer):
    """`change_committee(keys, threshold)`: the owner announces the committee, waits out
    `COMMITTEE_DELAY` and applies it; returns the apply receipt."""

    def change(keys, threshold):
        oracle.announce_committee([getattr(k, "address", k) for k in keys], threshold, sender=issuer)
        backend.sleep(COMMITTEE_DELAY)
        return oracle.apply_committee(sender=issuer)

    return change


@pytest.fixture(scope="session")
def domain(oracle):
    return Domain.of(oracle)


@pytest.fixture(scope="session")
def make_report(backend):
    def make(node_id=NODE, epoch=PAST_EPOCHS - 1, deadline=None, **metrics) -> PerformanceReport:
        fields = {
            "uptime_bps": 9_990,
            "utilization_bps": 7_250,
            "latency_ms_p50": 42,
            "energy_wh": 512_000,
            "work_units": 1_250_000,
        }
        fields.update(metrics)
        if deadline is None:
            deadline = backend.pending_timestamp + 3_600
        return PerformanceReport(node_id=node_id, epoch=epoch, deadline=deadline, **fields)

    return make


@pytest.fixture(scope="session")
def signed(domain):
    """`signed(report, keys)`: the compact signatures `submit` expects, ascending by signer."""

    def sign(report, keys, under=None):
        return sign_report(under or domain, report, keys)

    return sign
