"""Performance reports for the AttestationOracle (contracts/AttestationOracle.vy).

For attestors, relayers and integrators: build a `PerformanceReport`, sign it with each
attestor's key (eth_account), and hand `submit` the signatures in the order it expects
(EIP-2098 compact, ascending signer address):

    report = PerformanceReport(node_id=7, epoch=41, uptime_bps=9_990, utilization_bps=7_200,
                               latency_ms_p50=38, energy_wh=512_000, work_units=1_200_000,
                               deadline=now + 3_600)
    oracle.submit(report.as_tuple(), sign_report(Domain.of(oracle), report, committee_keys))

Report only ended epochs (`epoch < oracle.current_epoch()`); each (node, epoch) is accepted
once, in any order. The exact model of what the oracle accepts and stores is
`computerwa.models.oracle.OracleModel`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, dataclass
from typing import Any

from eth_account import Account

from computerwa.client.signing import Domain, _fast_digest, _sign, digest, is_low_s, recover_compact, typed_data
from computerwa.models.oracle import HIGH_S, INVALID_SIGNATURE

_UINT = {"epoch": 64, "uptime_bps": 16, "utilization_bps": 16, "latency_ms_p50": 32, "energy_wh": 64, "work_units": 64}


@dataclass(frozen=True)
class PerformanceReport:
    """One node's performance over one epoch, as the committee signs it (DESIGN.md)."""

    node_id: int
    epoch: int
    uptime_bps: int
    utilization_bps: int
    latency_ms_p50: int
    energy_wh: int
    work_units: int
    deadline: int

    def __post_init__(self) -> None:
        for name, bits in _UINT.items():
            value = getattr(self, name)
            if not 0 <= value < 2**bits:
                raise ValueError(f"report: {name} {value} does not fit uint{bits}")
        if not 0 <= self.node_id < 2**256 or not 0 <= self.deadline < 2**256:
            raise ValueError("report: node_id and deadline must fit uint256")

    def message(self) -> dict:
        """The EIP-712 message (field names as typed in DESIGN.md)."""
        return {
            "nodeId": self.node_id,
            "epoch": self.epoch,
            "uptimeBps": self.uptime_bps,
            "utilizationBps": self.utilization_bps,
            "latencyMsP50": self.latency_ms_p50,
            "energyWh": self.energy_wh,
            "workUnits": self.work_units,
            "deadline": self.deadline,
        }

    def as_tuple(self) -> tuple:
        """The `report` argument of `submit`."""
        return astuple(self)

    def metrics(self) -> tuple[int, int, int, int, int]:
        return (self.uptime_bps, self.utilization_bps, self.latency_ms_p50, self.energy_wh, self.work_units)


def report_typed_data(domain: Domain, report: PerformanceReport) -> dict:
    return typed_data(domain, "PerformanceReport", report.message())


def address_of(signer: Any) -> str:
    """The address of an eth_account account, or of a raw private key."""
    if hasattr(signer, "address"):
        return signer.address
    return Account.from_key(signer).address


def sign_report(domain: Domain, report: PerformanceReport, signers: Iterable[Any]) -> list[tuple[bytes, bytes]]:
    """Every signer's EIP-2098 signature of `report`, ordered by ascending signer address,
    ready for `submit`. Signers are eth_account accounts or raw private keys."""
    document = report_typed_data(domain, report)
    message_digest = _fast_digest(document)  # one digest for every signer
    signed = sorted((int(address_of(signer), 16), _sign(signer, document, message_digest)) for signer in signers)
    return [signature.compact for _, signature in signed]


def recover(domain: Domain, report: PerformanceReport, signature: tuple[bytes, bytes]) -> int | str:
    """What the oracle makes of one compact signature of `report` under `domain`: the
    signer's address as an integer, or the revert reason snekmate's ecdsa gives."""
    if not is_low_s(signature):
        return HIGH_S
    signer = recover_compact(digest(report_typed_data(domain, report)), signature)
    return INVALID_SIGNATURE if signer is None else int(signer, 16)
