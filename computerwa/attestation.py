"""Performance reports for the AttestationOracle (contracts/AttestationOracle.vy).

For attestors, relayers and integrators: build a `PerformanceReport`, sign it with each
attestor's key (eth_account), and hand `submit` the signatures in the order it expects
(EIP-2098 compact, ascending signer address):

    report = PerformanceReport(node_id=7, epoch=41, uptime_bps=9_990, utilization_bps=7_200,
                               latency_ms_p50=38, energy_wh=512_000, work_units=1_200_000,
                               deadline=now + 3_600)
    oracle.submit(report.as_tuple(), sign_report(Domain.of(oracle), report, committee_keys))

`OracleModel` is the exact model of what the oracle accepts and stores, which the
property suite and the simulation compare with the chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field
from typing import Any

from eth_account import Account
from eth_keys.exceptions import BadSignature, ValidationError

from computerwa.signing import SECP256K1_N, Domain, encode, sign, typed_data

MAX_ATTESTORS = 32
MAX_BPS = 10_000
_UINT = {"epoch": 64, "uptime_bps": 16, "utilization_bps": 16, "latency_ms_p50": 32, "energy_wh": 64, "work_units": 64}

# revert reasons of contracts/AttestationOracle.vy (and snekmate's ecdsa), in check order
EXPIRED = "oracle: report expired"
FUTURE_EPOCH = "oracle: epoch is in the future"
OLD_EPOCH = "oracle: epoch not after the latest report"
UPTIME_ABOVE_100 = "oracle: uptime above 100%"
UTILIZATION_ABOVE_100 = "oracle: utilization above 100%"
NOT_ENOUGH = "oracle: not enough signatures"
HIGH_S = "ecdsa: invalid signature `s` value"
INVALID_SIGNATURE = "ecdsa: invalid signature"
NOT_ASCENDING = "oracle: signers not strictly ascending"
NOT_ATTESTOR = "oracle: signer is not an attestor"


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
    signed = sorted((int(address_of(signer), 16), sign(signer, document)) for signer in signers)
    return [signature.compact for _, signature in signed]


def recover(domain: Domain, report: PerformanceReport, signature: tuple[bytes, bytes]) -> int | str:
    """What the oracle makes of one compact signature of `report` under `domain`: the
    signer's address as an integer, or the revert reason snekmate's ecdsa gives."""
    r, vs = (int.from_bytes(part, "big") for part in signature)
    s, v = vs & (2**255 - 1), vs >> 255
    if s > SECP256K1_N // 2:
        return HIGH_S
    try:
        signer = Account.recover_message(encode(report_typed_data(domain, report)), vrs=(v + 27, r, s))
    except (BadSignature, ValidationError, ValueError):
        return INVALID_SIGNATURE  # the precompile returns the zero address
    return int(signer, 16)


@dataclass
class OracleModel:
    """What the oracle accepts and stores, step for step (contracts/AttestationOracle.vy)."""

    genesis: int
    epoch_length: int
    committee: list[int]  # attestor addresses as integers, ascending
    threshold: int
    next_epoch: dict[int, int] = field(default_factory=dict)  # node -> last accepted epoch + 1
    reports: dict[tuple[int, int], tuple[int, ...]] = field(default_factory=dict)  # metrics + submitted_at

    def epoch(self, timestamp: int) -> int:
        return (timestamp - self.genesis) // self.epoch_length

    def outcome(self, report: PerformanceReport, recovered: Sequence[int | str], now: int) -> str | None:
        """The revert reason `submit` gives at `now` with signatures that recover to
        `recovered` (see `recover`), or None when it accepts the report."""
        if now > report.deadline:
            return EXPIRED
        if report.epoch > self.epoch(now):
            return FUTURE_EPOCH
        if report.epoch < self.next_epoch.get(report.node_id, 0):
            return OLD_EPOCH
        if report.uptime_bps > MAX_BPS:
            return UPTIME_ABOVE_100
        if report.utilization_bps > MAX_BPS:
            return UTILIZATION_ABOVE_100
        if len(recovered) < self.threshold:
            return NOT_ENOUGH
        previous = 0
        for signer in recovered:
            if isinstance(signer, str):
                return signer
            if signer <= previous:
                return NOT_ASCENDING
            if signer not in self.committee:
                return NOT_ATTESTOR
            previous = signer
        return None

    def signer_bitmap(self, recovered: Sequence[int]) -> int:
        return sum(1 << self.committee.index(signer) for signer in recovered)

    def accept(self, report: PerformanceReport, now: int) -> None:
        self.next_epoch[report.node_id] = report.epoch + 1
        self.reports[(report.node_id, report.epoch)] = (*report.metrics(), now)

    def report(self, node_id: int, epoch: int) -> tuple[int, ...]:
        return self.reports.get((node_id, epoch), (0, 0, 0, 0, 0, 0))

    def latest(self, node_id: int) -> tuple[int, tuple[int, ...]]:
        following = self.next_epoch.get(node_id, 0)
        if following == 0:
            return 0, (0, 0, 0, 0, 0, 0)
        return following - 1, self.report(node_id, following - 1)

    def is_fresh(self, node_id: int, max_age: int, now: int) -> bool:
        following = self.next_epoch.get(node_id, 0)
        if following == 0:
            return False
        return now <= self.genesis + following * self.epoch_length + max_age

    def add(self, attestor: int) -> None:
        self.committee = sorted([*self.committee, attestor])

    def remove(self, attestor: int) -> None:
        self.committee = [member for member in self.committee if member != attestor]
