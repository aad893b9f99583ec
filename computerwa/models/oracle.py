"""The exact model of the AttestationOracle (contracts/AttestationOracle.vy): which reports
it accepts (and the revert reason of every refusal, in check order) and what it stores.

Reports are write-once per (node, epoch), for ended epochs only, accepted in any order;
`latest` is the highest epoch reported (DESIGN, Wave 2 amendments). Committee changes are
announced whole (committee and threshold) and may apply `committee_delay` seconds later. The model keeps only the
stored reports: `latest` and `is_fresh` are derived from them, not from a mirror of the
contract's own bookkeeping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

MAX_ATTESTORS = 32
MAX_BPS = 10_000

# revert reasons of contracts/AttestationOracle.vy (and snekmate's ecdsa), in check order
EXPIRED = "oracle: report expired"
NOT_ENDED = "oracle: epoch has not ended"
ALREADY_REPORTED = "oracle: epoch already reported"
UPTIME_ABOVE_100 = "oracle: uptime above 100%"
UTILIZATION_ABOVE_100 = "oracle: utilization above 100%"
NOT_ENOUGH = "oracle: not enough signatures"
HIGH_S = "ecdsa: invalid signature `s` value"
INVALID_SIGNATURE = "ecdsa: invalid signature"
NOT_ASCENDING = "oracle: signers not strictly ascending"
NOT_ATTESTOR = "oracle: signer is not an attestor"
# committee changes, in check order
ZERO_ATTESTOR = "oracle: attestor is the zero address"
ALREADY = "oracle: already an attestor"
THRESHOLD_ZERO = "oracle: threshold is zero"
THRESHOLD_TOO_HIGH = "oracle: threshold above committee size"
NOTHING_ANNOUNCED = "oracle: no committee change announced"
NOT_DUE = "oracle: committee change not due yet"


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
    reports: dict[tuple[int, int], tuple[int, ...]] = field(default_factory=dict)  # metrics + submitted_at
    committee_delay: int = 1
    pending: tuple[list[int], int, int] | None = None  # (committee, threshold, effective_at)

    def epoch(self, timestamp: int) -> int:
        return (timestamp - self.genesis) // self.epoch_length

    def ended(self, epoch: int, timestamp: int) -> bool:
        """Whether `epoch` is over at `timestamp` (its last second has passed)."""
        return timestamp >= self.genesis + (epoch + 1) * self.epoch_length

    def outcome(self, report: ReportLike, recovered: Sequence[int | str], now: int) -> str | None:
        """The revert reason `submit` gives at `now` with signatures that recover to
        `recovered` (see `recover`), or None when it accepts the report."""
        if now > report.deadline:
            return EXPIRED
        if not self.ended(report.epoch, now):
            return NOT_ENDED
        if (report.node_id, report.epoch) in self.reports:
            return ALREADY_REPORTED
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
        self.reports[(report.node_id, report.epoch)] = (*report.metrics(), now)

    def report(self, node_id: int, epoch: int) -> tuple[int, ...]:
        return self.reports.get((node_id, epoch), (0, 0, 0, 0, 0, 0))

    def reported_epochs(self, node_id: int) -> list[int]:
        """The node's reported epochs, ascending."""
        return sorted(epoch for node, epoch in self.reports if node == node_id)

    def latest(self, node_id: int) -> tuple[int, tuple[int, ...]]:
        """The highest epoch reported and its report; (0, zeros) when there is none."""
        epochs = self.reported_epochs(node_id)
        if not epochs:
            return 0, (0, 0, 0, 0, 0, 0)
        return epochs[-1], self.report(node_id, epochs[-1])

    def is_fresh(self, node_id: int, max_age: int, now: int) -> bool:
        """Whether `latest`'s epoch ended at most `max_age` seconds before `now`."""
        epochs = self.reported_epochs(node_id)
        if not epochs:
            return False
        return now - (self.genesis + (epochs[-1] + 1) * self.epoch_length) <= max_age

    # --- committee changes ------------------------------------------------------------------
    @staticmethod
    def committee_refusal(attestors: Sequence[int], threshold: int) -> str | None:
        """Why a committee (in the order given) and threshold are refused, or None."""
        seen: set[int] = set()
        for attestor in attestors:
            if attestor == 0:
                return ZERO_ATTESTOR
            if attestor in seen:
                return ALREADY
            seen.add(attestor)
        if threshold == 0:
            return THRESHOLD_ZERO
        return THRESHOLD_TOO_HIGH if threshold > len(seen) else None

    def announce(self, attestors: Sequence[int], threshold: int, now: int) -> None:
        """The owner announces a committee (checked by `committee_refusal`); it replaces any
        pending change and may apply at `now + committee_delay`."""
        self.pending = (sorted(attestors), threshold, now + self.committee_delay)

    def apply_refusal(self, now: int) -> str | None:
        if self.pending is None:
            return NOTHING_ANNOUNCED
        return NOT_DUE if now < self.pending[2] else None

    def apply(self, now: int) -> None:
        assert self.pending is not None and self.apply_refusal(now) is None
        self.committee, self.threshold, _ = self.pending
        self.pending = None

    def pending_committee(self) -> tuple[list[int], int, int]:
        """What `pending_committee()` reads, zeros when none is announced."""
        return self.pending or ([], 0, 0)
