"""The exact model of the AttestationOracle (contracts/AttestationOracle.vy): which reports
it accepts (and the revert reason of every refusal, in check order) and what it stores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

MAX_ATTESTORS = 32
MAX_BPS = 10_000

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


class ReportLike(Protocol):
    """What the model reads of a report (`computerwa.client.attestation.PerformanceReport` is one)."""

    @property
    def node_id(self) -> int: ...

    @property
    def epoch(self) -> int: ...

    @property
    def uptime_bps(self) -> int: ...

    @property
    def utilization_bps(self) -> int: ...

    @property
    def deadline(self) -> int: ...

    def metrics(self) -> tuple[int, int, int, int, int]: ...


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

    def outcome(self, report: ReportLike, recovered: Sequence[int | str], now: int) -> str | None:
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

    def accept(self, report: ReportLike, now: int) -> None:
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
