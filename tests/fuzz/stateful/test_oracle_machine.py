"""AttestationOracle against an exact Python model (computerwa.models.oracle.OracleModel).

Each example deploys a random committee (1-32 attestors, any threshold). Rules: reports
signed by random subsets of a key pool (attestors, former attestors and outsiders) and
submitted with valid, unsorted, duplicated, forged, high-s, malleated, zero-recovering,
wrong-domain, wrong-chain or wrong-contract signatures; reports signed now and
submitted later, after the committee or threshold changed; epochs in any order;
deadlines past and future; committee changes by the owner and attempts by others;
time jumps within and across epochs. The model predicts every outcome (success, or
exactly which revert) before the call. After every step:
- ORA-1: every accepted report had at least `threshold` distinct signers, all in the
  committee at that moment, was accepted no later than its deadline, and each node's
  accepted epochs strictly increase (checked on the log of acceptances, independently
  of the model's rules);
- the stored history, `latest`, `is_fresh`, the committee and the threshold equal the model's.
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
from computerwa.models.oracle import MAX_ATTESTORS, OracleModel
from tests.conftest import EPOCH_LENGTH, machine_settings

POOL = 40  # keys that may sign: the committee is drawn from them, the rest are outsiders
KEYS = sorted(
    (Account.from_key(keccak(b"ComputeRWA machine attestor %d" % i)) for i in range(POOL)),
    key=lambda key: int(key.address, 16),
)
NODES = (1, 2, 3)
PAST_EPOCHS = 6
NOT_OWNER = "ownable: caller is not the owner"
ALREADY = "oracle: already an attestor"
FULL = "oracle: committee is full"
NOT_AN_ATTESTOR = "oracle: not an attestor"
THRESHOLD_ZERO = "oracle: threshold is zero"
THRESHOLD_TOO_HIGH = "oracle: threshold above committee size"

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


class OracleMachine(RuleBasedStateMachine):
    def __init__(self, backend, owner, relayer, stranger):
        super().__init__()
        self.chain = backend
        self.owner, self.relayer, self.stranger = owner, relayer, stranger
        self.snapshot = backend.snapshot()
        self.pending: list[tuple[PerformanceReport, list]] = []  # signed earlier, not submitted yet
        self.accepted: list[dict] = []  # ORA-1 ghost log

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
            "AttestationOracle", [KEYS[i].address for i in members], threshold, genesis, EPOCH_LENGTH, sender=self.owner
        )
        self.domain = Domain.of(self.oracle)
        self.model = OracleModel(genesis, EPOCH_LENGTH, sorted(int(KEYS[i].address, 16) for i in members), threshold)

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

    def submit(self, report: PerformanceReport, signatures: list) -> None:
        recovered = [recover(self.domain, report, signature) for signature in signatures]
        now = self.chain.pending_timestamp
        reason = self.model.outcome(report, recovered, now)
        event(f"submit: {reason or 'accepted'}")  # --hypothesis-show-statistics
        receipt = expect(reason, lambda: self.oracle.submit(report.as_tuple(), signatures, sender=self.relayer))
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
                }
            )
            self.model.accept(report, now)

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

    @rule(index=key_index, by_owner=st.booleans())
    def add_attestor(self, index, by_owner):
        attestor = int(KEYS[index].address, 16)
        if not by_owner:
            reason = NOT_OWNER
        elif attestor in self.model.committee:
            reason = ALREADY
        elif len(self.model.committee) >= MAX_ATTESTORS:
            reason = FULL
        else:
            reason = None
        sender = self.owner if by_owner else self.stranger
        expect(reason, lambda: self.oracle.add_attestor(KEYS[index].address, sender=sender))
        if reason is None:
            self.model.add(attestor)

    @rule(index=key_index, member=st.booleans(), by_owner=st.booleans())
    def remove_attestor(self, index, member, by_owner):
        if member:
            members = self.member_indices()
            index = members[index % len(members)]
        attestor = int(KEYS[index].address, 16)
        if not by_owner:
            reason = NOT_OWNER
        elif attestor not in self.model.committee:
            reason = NOT_AN_ATTESTOR
        elif len(self.model.committee) - 1 < self.model.threshold:
            reason = THRESHOLD_TOO_HIGH
        else:
            reason = None
        sender = self.owner if by_owner else self.stranger
        expect(reason, lambda: self.oracle.remove_attestor(KEYS[index].address, sender=sender))
        if reason is None:
            self.model.remove(attestor)

    @rule(threshold=st.integers(0, MAX_ATTESTORS + 1), by_owner=st.booleans())
    def set_threshold(self, threshold, by_owner):
        if not by_owner:
            reason = NOT_OWNER
        elif threshold == 0:
            reason = THRESHOLD_ZERO
        elif threshold > len(self.model.committee):
            reason = THRESHOLD_TOO_HIGH
        else:
            reason = None
        sender = self.owner if by_owner else self.stranger
        expect(reason, lambda: self.oracle.set_threshold(threshold, sender=sender))
        if reason is None:
            self.model.threshold = threshold

    @rule(seconds=st.one_of(st.integers(1, 3_600), st.integers(1, 3 * EPOCH_LENGTH)))
    def time_passes(self, seconds):
        self.chain.sleep(seconds)

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def ora_1_holds_for_every_accepted_report(self):
        last_epoch: dict[int, int] = {}
        for entry in self.accepted:
            report, signers = entry["report"], entry["signers"]
            assert len(set(signers)) == len(signers) >= entry["threshold"], "ORA-1: too few distinct signers"
            assert set(signers) <= set(entry["committee"]), "ORA-1: a signer was not a current attestor"
            assert entry["at"] <= report.deadline, "ORA-1: accepted after its deadline"
            assert report.epoch > last_epoch.get(report.node_id, -1), "ORA-1: epochs did not strictly increase"
            last_epoch[report.node_id] = report.epoch

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


@pytest.mark.both_engines
def test_oracle_machine(backend, issuer, relayer, attacker):
    run_state_machine_as_test(
        lambda: OracleMachine(backend, issuer, relayer, attacker), settings=machine_settings(backend)
    )
