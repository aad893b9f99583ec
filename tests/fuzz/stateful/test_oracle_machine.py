"""AttestationOracle against an exact Python model (computerwa.models.oracle.OracleModel).

Each example deploys a random committee (1-32 attestors, any threshold). Rules: reports
signed by random subsets of a key pool (attestors, former attestors and outsiders) and
submitted with valid, unsorted, duplicated, forged, high-s, malleated, zero-recovering,
wrong-domain, wrong-chain or wrong-contract signatures; reports of ended, running and
future epochs; reports signed now (of the running epoch too) and submitted later, after
the epoch ended or the committee or threshold changed; deadlines past and future;
committee changes by the owner and attempts by others; time jumps within and across
epochs. The issuer (issue #15, item 12) announces whole committees of its choosing
(its own keys, threshold 1, malformed ones), applies them the second they are due or
earlier, and cancels them; attestors keep signing for the committee in force. An
adversarial relayer (issue #15, item 6) collects quorum-signed reports of
ended epochs, sometimes two versions of one (node, epoch), submits the latest epochs
first and retries earlier ones and ones already accepted. The model predicts every
outcome (success, or exactly which revert) before the call. After every step, on the
logs of acceptances and of the relayer's attempts, independently of the model's rules:
- ORA-1: every accepted report had at least `threshold` distinct signers, all in the
  committee at that moment; at most one report per (node, epoch) is accepted; each was
  accepted no later than its deadline and only once its epoch had ended;
- ORA-6: no report buries another: each of the relayer's attempts that was valid when
  made (quorum of the then committee, ended epoch, before its deadline) was accepted
  exactly when its (node, epoch) had no report yet, and otherwise refused only as
  already reported; `latest` is the highest epoch accepted;
- ORA-7: no committee change takes effect without notice: every accepted report's signers
  belonged to the deployed committee or to one announced at least `COMMITTEE_DELAY`
  before the report was accepted (the announcement's time, from the ghost log);
- ORA-2: the stored history, `latest`, `is_fresh`, the committee and the threshold equal
  the model's.
"""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from computerwa.client.attestation import PerformanceReport, recover, sign_report
from computerwa.client.signing import SECP256K1_N, Domain
from computerwa.evm.chain import expect
from computerwa.models.oracle import ALREADY_REPORTED, MAX_ATTESTORS, MAX_BPS, OracleModel
from tests.conftest import COMMITTEE_DELAY, EPOCH_LENGTH, machine_settings

POOL = 40  # keys that may sign: the committee is drawn from them, the rest are outsiders
KEYS = sorted(
    (Account.from_key(keccak(b"ComputeRWA machine attestor %d" % i)) for i in range(POOL)),
    key=lambda key: int(key.address, 16),
)
NODES = (1, 2, 3)
PAST_EPOCHS = 6
NOT_OWNER = "ownable: caller is not the owner"

key_index = st.integers(0, POOL - 1)
tampering = st.sampled_from(
    ["none"] * 6
    + ["unsorted", "duplicate", "high_s", "malleated", "zero", "other_name", "other_chain", "other_contract"]
)
metrics = st.tuples(
    st.one_of(st.integers(0, 10_000), st.integers(9_990, 10_010)),  # uptime, sometimes above 100%
    st.one_of(st.integers(0, 10_000), st.integers(9_990, 10_010)),  # utilization, likewise
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**64 - 1),
    st.integers(0, 2**64 - 1),
)
valid_metrics = st.tuples(
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**64 - 1),
    st.integers(0, 2**64 - 1),
)


class OracleMachine(RuleBasedStateMachine):
    def __init__(self, backend, owner, relayer, stranger):
        super().__init__()
        self.chain = backend
        self.owner, self.relayer, self.stranger = owner, relayer, stranger
        self.snapshot = backend.snapshot()
        self.pending: list[tuple[PerformanceReport, list]] = []  # signed earlier, not submitted yet
        self.withheld: list[tuple[PerformanceReport, list]] = []  # the adversarial relayer's, not submitted yet
        self.relayed: list[tuple[PerformanceReport, list]] = []  # the relayer's, submitted once (for retries)
        self.accepted: list[dict] = []  # ORA-1 ghost log
        self.attempts: list[dict] = []  # ORA-6 ghost log: the relayer's submissions and their outcomes
        self.committee_announced_at: int | None = None  # ORA-7 ghost: the committee in force (None: deployed)
        self.change_announced_at: int | None = None  # when the pending change was announced

    def teardown(self):
        self.chain.restore(self.snapshot)

    @initialize(
        members=st.lists(key_index, min_size=1, max_size=MAX_ATTESTORS, unique=True),
        threshold_share=st.floats(0, 1),
    )
    def deploy(self, members, threshold_share):
        threshold = max(1, round(threshold_share * len(members)))
        genesis = self.chain.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH
        self.oracle = self.chain.deploy(
            "AttestationOracle",
            [KEYS[i].address for i in members],
            threshold,
            genesis,
            EPOCH_LENGTH,
            COMMITTEE_DELAY,
            sender=self.owner,
        )
        self.domain = Domain.of(self.oracle)
        self.model = OracleModel(
            genesis,
            EPOCH_LENGTH,
            sorted(int(KEYS[i].address, 16) for i in members),
            threshold,
            committee_delay=COMMITTEE_DELAY,
        )

    # --- helpers ----------------------------------------------------------------------------
    def member_indices(self) -> list[int]:
        return [i for i, key in enumerate(KEYS) if int(key.address, 16) in self.model.committee]

    def sign(self, report: PerformanceReport, signers: list[int], tamper: str) -> list[tuple[bytes, bytes]]:
        keys = [KEYS[i] for i in signers]
        domain = self.domain
        if tamper == "other_name":
            domain = Domain("ComputeRWA Settlement", domain.version, domain.chain_id, domain.verifying_contract)
        elif tamper == "other_chain":
            domain = Domain(domain.name, domain.version, domain.chain_id + 1, domain.verifying_contract)
        elif tamper == "other_contract":
            domain = Domain(domain.name, domain.version, domain.chain_id, "0x" + "c0" * 20)
        signatures = sign_report(domain, report, keys)
        if not signatures:
            return signatures
        if tamper == "unsorted" and len(signatures) > 1:
            signatures[0], signatures[-1] = signatures[-1], signatures[0]
        elif tamper == "duplicate":
            signatures.insert(len(signatures) // 2, signatures[len(signatures) // 2])
        elif tamper == "high_s":
            r, vs = signatures[-1]
            signatures[-1] = (r, (SECP256K1_N // 2 + 1 + int.from_bytes(vs, "big") % 2**64).to_bytes(32, "big"))
        elif tamper == "malleated":
            # the high-s twin (r, n - s), passed where the compact (r, vs) goes
            r, vs = signatures[0]
            s = int.from_bytes(vs, "big") & (2**255 - 1)
            signatures[0] = (r, (SECP256K1_N - s).to_bytes(32, "big"))
        elif tamper == "zero":
            signatures[0] = (b"\x00" * 32, b"\x00" * 31 + b"\x01")
        return signatures

    def submit(self, report: PerformanceReport, signatures: list, sender=None) -> str | None:
        recovered = [recover(self.domain, report, signature) for signature in signatures]
        now = self.chain.pending_timestamp
        reason = self.model.outcome(report, recovered, now)
        event(f"submit: {reason or 'accepted'}")  # --hypothesis-show-statistics
        sender = sender or self.relayer
        receipt = expect(reason, lambda: self.oracle.submit(report.as_tuple(), signatures, sender=sender))
        if reason is None:
            assert receipt.timestamp == now
            [log] = receipt.filter("ReportAccepted")
            assert log.args["signer_bitmap"] == self.model.signer_bitmap(recovered)
            assert log.args["epoch"] == report.epoch and log.args["node_id"] == report.node_id
            self.accepted.append(
                {
                    "report": report,
                    "at": now,
                    "signers": recovered,
                    "committee": list(self.model.committee),
                    "threshold": self.model.threshold,
                    "announced_at": self.committee_announced_at,
                }
            )
            self.model.accept(report, now)
        return reason

    def ended(self, epoch: int, timestamp: int) -> bool:
        """DESIGN's words, not the model's: the epoch's last second has passed."""
        return timestamp >= self.oracle.GENESIS() + (epoch + 1) * self.oracle.EPOCH_LENGTH()

    def relay(self, report: PerformanceReport, signatures: list) -> None:
        """The adversarial relayer submits `report` and logs the attempt for ORA-6, with what
        was true before it: whether it was valid then (from the chain's committee and
        threshold, the clock and the metrics' bounds) and whether its (node, epoch) already
        had a report (from the ghost log of acceptances)."""
        now = self.chain.pending_timestamp
        signers = [recover(self.domain, report, signature) for signature in signatures]
        committee = {int(member, 16) for member in self.oracle.attestors()}
        valid = (
            now <= report.deadline
            and self.ended(report.epoch, now)
            and max(report.uptime_bps, report.utilization_bps) <= MAX_BPS
            and len(set(signers)) == len(signers) >= self.oracle.threshold()
            and set(signers) <= committee
        )
        reported = any(
            (entry["report"].node_id, entry["report"].epoch) == (report.node_id, report.epoch)
            for entry in self.accepted
        )
        reason = self.submit(report, signatures, sender=self.stranger)
        self.attempts.append({"report": report, "valid": valid, "reported": reported, "reason": reason})
        self.relayed.append((report, signatures))

    def report_for(self, node, epoch_offset, deadline_offset, values) -> PerformanceReport:
        epoch = max(0, self.model.epoch(self.chain.pending_timestamp) + epoch_offset)
        return PerformanceReport(node, epoch, *values, deadline=max(0, self.chain.pending_timestamp + deadline_offset))

    # --- rules ------------------------------------------------------------------------------
    @rule(
        node=st.sampled_from(NODES),
        epoch_offset=st.integers(-PAST_EPOCHS - 1, 1),
        deadline_offset=st.one_of(st.integers(-300, 7_200), st.sampled_from([0, -1])),
        values=metrics,
        extra=st.lists(key_index, max_size=3, unique=True),
        drop=st.integers(0, 2),
        tamper=tampering,
        data=st.data(),
    )
    def attestors_sign_and_submit(self, node, epoch_offset, deadline_offset, values, extra, drop, tamper, data):
        """Mostly a quorum of members, sometimes short of it, plus outsiders or ex-members."""
        members = self.member_indices()
        count = max(0, min(len(members), self.model.threshold + data.draw(st.integers(-1, 1))) - drop // 2)
        quorum = data.draw(st.permutations(members))[:count]
        signers = sorted(set(quorum) | set(extra if data.draw(st.integers(0, 3)) == 0 else []))
        signers = signers[:MAX_ATTESTORS]  # the ABI bound; more do not decode (a unit test covers it)
        report = self.report_for(node, epoch_offset, deadline_offset, values)
        self.submit(report, self.sign(report, signers, tamper))

    @rule(node=st.sampled_from(NODES), values=metrics, tamper=st.sampled_from(["none", "none", "unsorted"]))
    def sign_now_submit_later(self, node, values, tamper):
        members = self.member_indices()
        report = self.report_for(node, 0, 3 * EPOCH_LENGTH, values)
        self.pending.append((report, self.sign(report, members[: self.model.threshold], tamper)))

    @precondition(lambda self: self.pending)
    @rule(which=st.integers(0, 7))
    def submit_signed_earlier(self, which):
        report, signatures = self.pending.pop(which % len(self.pending))
        self.submit(report, signatures)

    # --- the adversarial relayer (issue #15, item 6) --------------------------------------------
    @rule(
        node=st.sampled_from(NODES),
        back=st.lists(st.integers(1, PAST_EPOCHS + 2), min_size=1, max_size=4, unique=True),
        values=valid_metrics,
        twin=st.booleans(),
    )
    def attestors_sign_ended_epochs(self, node, back, values, twin):
        """A quorum of the committee signs reports of ended epochs; the relayer keeps them.
        `twin`: the committee also signs a second version of the first (other uptime)."""
        now = self.chain.pending_timestamp
        signers = self.member_indices()[: self.model.threshold]
        current = self.model.epoch(now)
        epochs = [current - b for b in back if current - b >= 0]
        for epoch in epochs:
            report = PerformanceReport(node, epoch, *values, deadline=now + 3 * EPOCH_LENGTH)
            self.withheld.append((report, self.sign(report, signers, "none")))
        if twin and epochs:
            report = PerformanceReport(node, epochs[0], values[0] // 2, *values[1:], deadline=now + 3 * EPOCH_LENGTH)
            self.withheld.append((report, self.sign(report, signers, "none")))

    @precondition(lambda self: self.withheld)
    @rule()
    def relayer_submits_the_latest_epoch_first(self):
        latest = max(range(len(self.withheld)), key=lambda i: self.withheld[i][0].epoch)
        self.relay(*self.withheld.pop(latest))

    @precondition(lambda self: self.withheld)
    @rule(which=st.integers(0, 7))
    def relayer_submits_a_withheld_report(self, which):
        self.relay(*self.withheld.pop(which % len(self.withheld)))

    @precondition(lambda self: self.relayed)
    @rule(which=st.integers(0, 7))
    def relayer_retries_a_report(self, which):
        self.relay(*self.relayed[which % len(self.relayed)])

    # --- the issuer changing the committee (issue #15, item 12) --------------------------------
    @rule(
        members=st.lists(key_index, min_size=0, max_size=MAX_ATTESTORS, unique=True),
        threshold=st.one_of(st.integers(1, 4), st.integers(0, MAX_ATTESTORS + 1)),
        malformed=st.sampled_from(["none"] * 6 + ["zero", "duplicate"]),
        who=st.sampled_from(["owner"] * 4 + ["stranger"]),
    )
    def issuer_announces_a_committee(self, members, threshold, malformed, who):
        """Any committee: its own keys (outsiders of the pool), threshold 1, a malformed one."""
        attestors = [KEYS[i].address for i in members]
        # a malformed committee stays within 32 members: 33 would be refused by the ABI
        # decoder (no reason) before the oracle's own checks
        full = len(attestors) == MAX_ATTESTORS
        if malformed == "zero":
            attestors[len(attestors) // 2 : len(attestors) // 2 + full] = ["0x" + "00" * 20]
        elif malformed == "duplicate" and attestors:
            attestors[len(attestors) - full :] = [attestors[0]]
        reason = (
            NOT_OWNER if who == "stranger" else self.model.committee_refusal([int(a, 16) for a in attestors], threshold)
        )
        sender = self.owner if who == "owner" else self.stranger
        receipt = expect(reason, lambda: self.oracle.announce_committee(attestors, threshold, sender=sender))
        event(f"committee: announce {reason or 'accepted'}")
        if reason is None:
            self.model.announce([int(a, 16) for a in attestors], threshold, receipt.timestamp)
            self.change_announced_at = receipt.timestamp

    @rule(when=st.sampled_from(["now", "due", "due", "a second early"]), by_owner=st.booleans())
    def issuer_applies_the_committee(self, when, by_owner):
        now = self.chain.pending_timestamp
        if when != "now" and self.model.pending is not None:
            target = self.model.pending[2] - (when == "a second early")
            if target > now:
                self.chain.sleep(target - now)
                now = target
        reason = self.model.apply_refusal(now) if by_owner else NOT_OWNER
        sender = self.owner if by_owner else self.stranger
        expect(reason, lambda: self.oracle.apply_committee(sender=sender))
        event(f"committee: apply {reason or 'applied'}")
        if reason is None:
            self.model.apply(now)
            self.committee_announced_at = self.change_announced_at
            self.change_announced_at = None

    @rule(by_owner=st.booleans())
    def issuer_cancels_the_committee(self, by_owner):
        reason = self.model.apply_refusal(2**64) if by_owner else NOT_OWNER
        sender = self.owner if by_owner else self.stranger
        expect(reason, lambda: self.oracle.cancel_committee(sender=sender))
        if reason is None:
            self.model.pending = None
            self.change_announced_at = None

    @rule(seconds=st.one_of(st.integers(1, 3_600), st.integers(1, 3 * EPOCH_LENGTH)))
    def time_passes(self, seconds):
        self.chain.sleep(seconds)

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def ora_1_holds_for_every_accepted_report(self):
        seen: set[tuple[int, int]] = set()
        for entry in self.accepted:
            report, signers = entry["report"], entry["signers"]
            assert len(set(signers)) == len(signers) >= entry["threshold"], "ORA-1: too few distinct signers"
            assert set(signers) <= set(entry["committee"]), "ORA-1: a signer was not a current attestor"
            assert entry["at"] <= report.deadline, "ORA-1: accepted after its deadline"
            assert self.ended(report.epoch, entry["at"]), "ORA-1: accepted before its epoch ended"
            assert (report.node_id, report.epoch) not in seen, "ORA-1: two reports of one (node, epoch)"
            seen.add((report.node_id, report.epoch))

    @invariant()
    def ora_7_no_committee_change_without_notice(self):
        for entry in self.accepted:
            if entry["announced_at"] is not None:
                assert entry["at"] >= entry["announced_at"] + COMMITTEE_DELAY, (
                    "ORA-7: a committee judged without notice"
                )

    @invariant()
    def ora_6_no_report_buries_another(self):
        for attempt in self.attempts:
            if not attempt["valid"]:
                continue
            if attempt["reported"]:
                assert attempt["reason"] == ALREADY_REPORTED, "ORA-6: a duplicate was not refused as one"
            else:
                assert attempt["reason"] is None, f"ORA-6: a valid report of an unreported epoch was refused: {attempt}"
        if not hasattr(self, "oracle"):
            return
        for node in NODES:
            epochs = [entry["report"].epoch for entry in self.accepted if entry["report"].node_id == node]
            assert self.oracle.latest(node)[0] == max(epochs, default=0), "ORA-6: latest is not the highest epoch"

    @invariant()
    def chain_equals_model(self):
        if not hasattr(self, "oracle"):
            return
        now = self.chain.timestamp
        for node in NODES:
            epoch, attestation = self.oracle.latest(node)
            assert (epoch, tuple(attestation)) == self.model.latest(node)
            for max_age in (0, EPOCH_LENGTH, 4 * EPOCH_LENGTH):
                assert self.oracle.is_fresh(node, max_age) == self.model.is_fresh(node, max_age, now)
        for (node, epoch), stored in list(self.model.reports.items())[-3:]:
            assert tuple(self.oracle.report(node, epoch)) == stored
        assert [int(a, 16) for a in self.oracle.attestors()] == self.model.committee
        assert self.oracle.threshold() == self.model.threshold
        attestors, threshold, effective_at = self.oracle.pending_committee()
        assert ([int(a, 16) for a in attestors], threshold, effective_at) == self.model.pending_committee()


@pytest.mark.both_engines
def test_oracle_machine(backend, issuer, relayer, attacker):
    run_state_machine_as_test(
        lambda: OracleMachine(backend, issuer, relayer, attacker), settings=machine_settings(backend)
    )
