"""AttestationOracle against an exact Python model (computerwa.models.oracle.OracleModel).

Each example deploys a random committee (1-32 attestors, any threshold). Rules: reports
signed by random subsets of a key pool (attestors, former attestors and outsiders) and
submitted with valid, unsorted, duplicated, forged, high-s, malleated, zero-recovering,
wrong-domain, wrong-chain or wrong-contract signatures; reports of ended, running and
future epochs; reports signed now (of the running epoch too) and submitted later, after
the epoch ended or the committee or threshold changed, at their deadline's second or the
one after; deadlines past and future; committee changes by the owner and attempts by
others; time jumps within and across epochs and to their edges (the last second of an
epoch, the first second after it, a freshness limit and the seconds around it). Most
submissions are valid (a quorum of the committee in force, an unreported ended epoch),
so the accepting paths get depth; the adversarial ones stay. The issuer (issue #15, item
12) announces whole committees of its choosing (its own keys, threshold 1, malformed
ones), applies them the second they are due or earlier, and cancels them; attestors keep
signing for the committee in force. Ownership moves in two steps (issue #22: admin
actions), and every admin call is tried by the owner and by others. An adversarial
relayer (issue #15, item 6) collects quorum-signed reports of ended epochs, sometimes two
versions of one (node, epoch), submits the latest epochs first and retries earlier ones
and ones already accepted. The model predicts every outcome (success, or exactly which
revert) before the call.

Properties (tests/fuzz/properties.py: each check runs after a step that touched what it
reads, in a full sweep every 10 steps and at the end), on the logs of acceptances and of
the relayer's attempts, independently of the model's rules:
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
- ORA-2: the stored history, `latest`, the committee, the threshold and the pending
  change equal the model's (the reports a step accepted after it, all of them in a sweep);
- ORA-5: `is_fresh` at the freshness limit: for every node with a report, at the block's
  time, `is_fresh(age - 1)`, `is_fresh(age)`, `is_fresh(age + 1)` (age: seconds since its
  latest epoch ended) and at 0 and one epoch equal the model's; no report: never fresh;
- ORA-8: `owner()` and `pending_owner()` are the model's: ownership moves only by the
  owner's transfer and the named account's acceptance;
- ORA-9 (in `submit`, before every submission the machine makes, valid or not): the
  preflight views tell what happens: `report_digest(report)` is the Python client's EIP-712
  digest, and `dry_run_report(report, signatures)` is submit's verdict, (True, the signer
  bitmap ReportAccepted logs, "") or (False, 0, exactly the revert reason).
"""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule, run_state_machine_as_test

from computerwa.client.attestation import PerformanceReport, recover, report_typed_data, sign_report
from computerwa.client.signing import SECP256K1_N, Domain, digest
from computerwa.evm.chain import Reverted, expect
from computerwa.models.oracle import ALREADY_REPORTED, MAX_ATTESTORS, MAX_BPS, OracleModel
from tests.conftest import COMMITTEE_DELAY, EPOCH_LENGTH, machine_settings
from tests.fuzz.properties import PropertyMachine, check, equal, require

POOL = 40  # keys that may sign: the committee is drawn from them, the rest are outsiders
KEYS = sorted(
    (Account.from_key(keccak(b"ComputeRWA machine attestor %d" % i)) for i in range(POOL)),
    key=lambda key: int(key.address, 16),
)
NODES = (1, 2, 3)
PAST_EPOCHS = 6
NOT_OWNER = "ownable: caller is not the owner"
NOT_NEW_OWNER = "ownable_2step: caller is not the new owner"
ZERO = "0x" + "00" * 20
MAX_UINT = 2**256 - 1

key_index = st.integers(0, POOL - 1)
tampering = st.sampled_from(
    ["none"] * 10
    + ["unsorted", "duplicate", "high_s", "malleated", "zero", "other_name", "other_chain", "other_contract"]
)
bps = st.one_of(st.sampled_from([0, 1, MAX_BPS - 1, MAX_BPS]), st.integers(0, MAX_BPS))
metrics = st.tuples(
    st.one_of(bps, st.integers(9_990, 10_010)),  # uptime, sometimes above 100%
    st.one_of(bps, st.integers(9_990, 10_010)),  # utilization, likewise
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**64 - 1),
    st.integers(0, 2**64 - 1),
)
valid_metrics = st.tuples(
    bps,
    bps,
    st.one_of(st.just(2**32 - 1), st.integers(0, 2**32 - 1)),
    st.one_of(st.just(2**64 - 1), st.integers(0, 2**64 - 1)),
    st.integers(0, 2**64 - 1),
)


def predicted(pid: str, reason: str | None, call):
    """`expect(reason, call)` as property `pid`'s prediction: a mismatch names the ID."""
    try:
        return expect(reason, call)
    except AssertionError as err:
        raise AssertionError(f"{pid}: outcome not the model's: {err}") from None


class OracleMachine(PropertyMachine):
    RULE_IDS = frozenset({"ORA-3", "ORA-9"})  # checked in rules / end_of_run

    def __init__(self, backend, owner, relayer, stranger):
        super().__init__()
        self.chain = backend
        self.issuer, self.relayer, self.stranger = owner, relayer, stranger
        self.accounts = {"issuer": owner, "relayer": relayer, "stranger": stranger}
        self.owner_name, self.pending_owner = "issuer", ZERO  # ORA-8's model
        self.snapshot = backend.snapshot()
        self.pending: list[tuple[PerformanceReport, list]] = []  # signed earlier, not submitted yet
        self.withheld: list[tuple[PerformanceReport, list]] = []  # the adversarial relayer's, not submitted yet
        self.relayed: list[tuple[PerformanceReport, list]] = []  # the relayer's, submitted once (for retries)
        self.accepted: list[dict] = []  # ORA-1 ghost log
        self.attempts: list[dict] = []  # ORA-6 ghost log: the relayer's submissions and their outcomes
        self.committee_announced_at: int | None = None  # ORA-7 ghost: the committee in force (None: deployed)
        self.change_announced_at: int | None = None  # when the pending change was announced
        # ghost-log entries are immutable: each check reads each entry once
        self.ora_1_read = self.ora_6_read = self.ora_7_read = self.ora_2_read = 0
        self.ora_1_pairs: set[tuple[int, int]] = set()

    def restore(self):
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
            sender=self.issuer,
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
    def deployed(self) -> bool:
        return hasattr(self, "oracle")

    @property
    def owner(self):
        return self.accounts[self.owner_name]

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

    def verdict(self, reason: str | None, recovered: list) -> tuple[bool, int, str]:
        """`dry_run_report`'s answer for a submission that `reason` (None: accepted) awaits."""
        return (True, self.model.signer_bitmap(recovered), "") if reason is None else (False, 0, reason)

    def preflight(self, report: PerformanceReport, signatures: list, recovered: list) -> tuple:
        """ORA-9, before a submission: `report_digest` is the client's digest, and
        `dry_run_report` is submit's verdict at the latest block. Returns the verdict and the
        model's outcome at that block.

        Time: views run at the latest block, the submission at the next one
        (`pending_timestamp`, later by a second or more). The state is the same (nothing is
        mined in between), only `block.timestamp` differs, and mining a block to align the
        two would move the machine's clock edges (a report due at its deadline's second
        would be submitted a second late). So the verdict is held to the model's outcome at
        the view's own time here; and when the model's outcome is the same at both times
        (all but the deadline and epoch-end edges), `submit` also holds it to what the
        submission then actually did (its revert reason, or ReportAccepted's bitmap)."""
        as_tuple = report.as_tuple()
        equal(
            "ORA-9",
            "report_digest(report) is the client's EIP-712 digest",
            self.oracle.report_digest(as_tuple),
            digest(report_typed_data(self.domain, report)),
        )
        then = self.chain.timestamp
        reason = self.model.outcome(report, recovered, then)
        verdict = tuple(self.oracle.dry_run_report(as_tuple, signatures))
        equal("ORA-9", f"dry_run_report at the latest block ({then})", verdict, self.verdict(reason, recovered))
        return verdict, reason

    def submit(self, report: PerformanceReport, signatures: list, sender=None, pid: str = "ORA-3") -> str | None:
        recovered = [recover(self.domain, report, signature) for signature in signatures]
        now = self.chain.pending_timestamp
        reason = self.model.outcome(report, recovered, now)
        event(f"submit: {reason or 'accepted'}")  # --hypothesis-show-statistics
        verdict, reason_then = self.preflight(report, signatures, recovered)
        sender = sender or self.relayer
        refused: Reverted | None = None
        try:
            receipt = self.oracle.submit(report.as_tuple(), signatures, sender=sender)
        except Reverted as err:
            refused = err

        def replay():
            if refused is not None:
                raise refused
            return receipt

        receipt = predicted(pid, reason, replay)
        if reason_then == reason:  # to the model, the view's time and the submission's are alike
            if refused is not None:
                did = (False, 0, refused.reason)
            else:
                did = (True, receipt.filter("ReportAccepted")[0].args["signer_bitmap"], "")
            equal("ORA-9", "dry_run_report just before is what submit then did", verdict, did)
        if reason is None:
            equal("ORA-1", "the report was accepted in the block predicted", receipt.timestamp, now)
            [log] = receipt.filter("ReportAccepted")
            equal(
                "ORA-1",
                "ReportAccepted's signer bitmap",
                log.args["signer_bitmap"],
                self.model.signer_bitmap(recovered),
            )
            equal(
                "ORA-1",
                "ReportAccepted's (epoch, node)",
                (log.args["epoch"], log.args["node_id"]),
                (report.epoch, report.node_id),
            )
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
            self.touch("reports")
        return reason

    def ended(self, epoch: int, timestamp: int) -> bool:
        """DESIGN's words, not the model's: the epoch's last second has passed."""
        return timestamp >= self.genesis + (epoch + 1) * EPOCH_LENGTH

    @property
    def genesis(self) -> int:
        return self.model.genesis

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
        reason = self.submit(report, signatures, sender=self.stranger, pid="ORA-6")
        self.attempts.append({"report": report, "valid": valid, "reported": reported, "reason": reason, "at": now})
        self.relayed.append((report, signatures))
        self.touch("attempts")

    def report_for(self, node, epoch_offset, deadline_offset, values) -> PerformanceReport:
        epoch = max(0, self.model.epoch(self.chain.pending_timestamp) + epoch_offset)
        return PerformanceReport(node, epoch, *values, deadline=max(0, self.chain.pending_timestamp + deadline_offset))

    def move_to(self, target: int) -> None:
        """The next block at `target` when that is later than the next one anyway."""
        if target > self.chain.pending_timestamp:
            self.chain.pending_timestamp = target

    # --- rules: the committee reports ---------------------------------------------------------
    @rule(
        node=st.sampled_from(NODES),
        back=st.integers(1, PAST_EPOCHS + 2),
        deadline_offset=st.sampled_from([0, 0, 1, 3_600, 3 * EPOCH_LENGTH]),
        values=valid_metrics,
        data=st.data(),
    )
    def committee_reports_an_ended_epoch(self, node, back, deadline_offset, values, data):
        """A quorum of the committee in force (a random subset of exactly `threshold`
        members, or more) signs an unreported ended epoch, deadline now or later: accepted."""
        now = self.chain.pending_timestamp
        current = self.model.epoch(now)
        candidates = [e for e in range(max(0, current - back), current) if (node, e) not in self.model.reports]
        if not candidates:  # every recent epoch is reported: the next one, once it ends
            return
        epoch = data.draw(st.sampled_from(candidates))
        members = self.member_indices()
        count = min(len(members), self.model.threshold + data.draw(st.sampled_from([0, 0, 0, 1])))
        signers = sorted(data.draw(st.permutations(members))[:count])
        report = PerformanceReport(node, epoch, *values, deadline=now + deadline_offset)
        reason = self.submit(report, self.sign(report, signers, "none"))
        require(
            reason is None, "ORA-1", "a quorum-signed report of an unreported ended epoch was refused", reason=reason
        )

    @rule(
        node=st.sampled_from(NODES),
        epoch_offset=st.one_of(st.integers(-PAST_EPOCHS - 1, -1), st.integers(-PAST_EPOCHS - 1, 1)),
        deadline_offset=st.one_of(st.integers(-300, 7_200), st.sampled_from([0, -1, 1])),
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

    @rule(
        node=st.sampled_from(NODES),
        values=metrics,
        tamper=st.sampled_from(["none", "none", "unsorted"]),
        deadline=st.sampled_from([1, EPOCH_LENGTH, 3 * EPOCH_LENGTH]),
    )
    def sign_now_submit_later(self, node, values, tamper, deadline):
        members = self.member_indices()
        report = self.report_for(node, 0, deadline, values)
        self.pending.append((report, self.sign(report, members[: self.model.threshold], tamper)))

    @precondition(lambda self: self.pending)
    @rule(which=st.integers(0, 7), when=st.sampled_from(["now", "now", "deadline", "deadline", "after the deadline"]))
    def submit_signed_earlier(self, which, when):
        """At once, or at its deadline's second (still accepted), or the one after (expired)."""
        report, signatures = self.pending.pop(which % len(self.pending))
        if when != "now":
            self.move_to(report.deadline + (when == "after the deadline"))
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
        who=st.sampled_from(["owner"] * 4 + ["issuer", "relayer", "stranger"]),
    )
    def issuer_announces_a_committee(self, members, threshold, malformed, who):
        """Any committee: its own keys (outsiders of the pool), threshold 1, a malformed one;
        by the owner, or by another account (refused)."""
        attestors = [KEYS[i].address for i in members]
        # a malformed committee stays within 32 members: 33 would be refused by the ABI
        # decoder (no reason) before the oracle's own checks
        full = len(attestors) == MAX_ATTESTORS
        if malformed == "zero":
            attestors[len(attestors) // 2 : len(attestors) // 2 + full] = [ZERO]
        elif malformed == "duplicate" and attestors:
            attestors[len(attestors) - full :] = [attestors[0]]
        sender = self.owner if who == "owner" else self.accounts[who]
        reason = (
            NOT_OWNER
            if sender != self.owner
            else self.model.committee_refusal([int(a, 16) for a in attestors], threshold)
        )
        receipt = predicted(
            "ORA-4", reason, lambda: self.oracle.announce_committee(attestors, threshold, sender=sender)
        )
        event(f"committee: announce {reason or 'accepted'}")
        if reason is None:
            self.model.announce([int(a, 16) for a in attestors], threshold, receipt.timestamp)
            self.change_announced_at = receipt.timestamp
            self.touch("committee")

    @rule(
        when=st.sampled_from(["now", "due", "due", "a second early"]),
        who=st.sampled_from(["owner", "owner", "issuer", "relayer", "stranger"]),
    )
    def issuer_applies_the_committee(self, when, who):
        now = self.chain.pending_timestamp
        if when != "now" and self.model.pending is not None:
            target = self.model.pending[2] - (when == "a second early")
            if target > now:
                self.chain.sleep(target - now)
                now = target
        sender = self.owner if who == "owner" else self.accounts[who]
        reason = self.model.apply_refusal(now) if sender == self.owner else NOT_OWNER
        predicted("ORA-7", reason, lambda: self.oracle.apply_committee(sender=sender))
        event(f"committee: apply {reason or 'applied'}")
        if reason is None:
            self.model.apply(now)
            self.committee_announced_at = self.change_announced_at
            self.change_announced_at = None
            self.touch("committee")

    @rule(who=st.sampled_from(["owner", "owner", "issuer", "relayer", "stranger"]))
    def issuer_cancels_the_committee(self, who):
        sender = self.owner if who == "owner" else self.accounts[who]
        reason = self.model.apply_refusal(2**64) if sender == self.owner else NOT_OWNER
        predicted("ORA-4", reason, lambda: self.oracle.cancel_committee(sender=sender))
        if reason is None:
            self.model.pending = None
            self.change_announced_at = None
            self.touch("committee")

    # --- ownership (issue #22: admin actions) ---------------------------------------------------
    @rule(
        who=st.sampled_from(["owner", "owner", "issuer", "relayer", "stranger"]),
        to=st.sampled_from(["issuer", "relayer", "stranger", "zero"]),
    )
    def someone_transfers_ownership(self, who, to):
        """The owner names a new owner (the zero address cancels); anyone else is refused."""
        sender = self.owner if who == "owner" else self.accounts[who]
        account = ZERO if to == "zero" else self.accounts[to].address
        reason = None if sender == self.owner else NOT_OWNER
        predicted("ORA-8", reason, lambda: self.oracle.transfer_ownership(account, sender=sender))
        event(f"ownership: transfer {reason or 'started'}")
        if reason is None:
            self.pending_owner = account
            self.touch("owner")

    @rule(who=st.sampled_from(["issuer", "relayer", "stranger"]))
    def someone_accepts_ownership(self, who):
        """Only the named account takes over; the pending transfer ends with it."""
        sender = self.accounts[who]
        reason = None if sender.address == self.pending_owner else NOT_NEW_OWNER
        predicted("ORA-8", reason, lambda: self.oracle.accept_ownership(sender=sender))
        event(f"ownership: accept {reason or 'accepted'}")
        if reason is None:
            self.owner_name, self.pending_owner = who, ZERO
            self.touch("owner")

    # --- time -----------------------------------------------------------------------------------
    @rule(seconds=st.one_of(st.integers(1, 3_600), st.integers(1, 3 * EPOCH_LENGTH)))
    def time_passes(self, seconds):
        self.chain.sleep(seconds)

    @rule(
        edge=st.sampled_from(["epoch end", "freshness limit"]),
        node=st.sampled_from(NODES),
        max_age=st.sampled_from([0, 1, EPOCH_LENGTH]),
        shift=st.sampled_from([-1, 0, 0, 1]),
    )
    def time_jumps_to_an_edge(self, edge, node, max_age, shift):
        """The next block at the running epoch's last second (-1), the first second after
        it (0) or the next (+1); or at a node's freshness limit `max_age` after its latest
        epoch ended, or a second either side."""
        now = self.chain.pending_timestamp
        if edge == "epoch end":
            target = self.genesis + (self.model.epoch(now) + 1) * EPOCH_LENGTH
        else:
            epochs = self.model.reported_epochs(node)
            if not epochs:
                return
            target = self.genesis + (epochs[-1] + 1) * EPOCH_LENGTH + max_age
        self.move_to(target + shift)

    # --- properties -------------------------------------------------------------------------
    @check("ORA-1", watches=("reports",))
    def ora_1_holds_for_every_accepted_report(self):
        for entry in self.accepted[self.ora_1_read :]:
            report, signers, at = entry["report"], entry["signers"], entry["at"]
            require(
                len(set(signers)) == len(signers) >= entry["threshold"],
                "ORA-1",
                "too few distinct signers",
                signers=len(signers),
                distinct=len(set(signers)),
                threshold=entry["threshold"],
            )
            outsiders = sorted(set(signers) - set(entry["committee"]))
            require(
                not outsiders, "ORA-1", "a signer was not a current attestor", outsiders=[hex(a) for a in outsiders]
            )
            require(at <= report.deadline, "ORA-1", "accepted after its deadline", at=at, deadline=report.deadline)
            require(
                self.ended(report.epoch, at),
                "ORA-1",
                "accepted before its epoch ended",
                at=at,
                epoch=report.epoch,
                epoch_end=self.genesis + (report.epoch + 1) * EPOCH_LENGTH,
            )
            pair = (report.node_id, report.epoch)
            require(pair not in self.ora_1_pairs, "ORA-1", "two reports of one (node, epoch)", node_epoch=pair)
            self.ora_1_pairs.add(pair)
        self.ora_1_read = len(self.accepted)

    @check("ORA-7", watches=("reports",))
    def ora_7_no_committee_change_without_notice(self):
        for entry in self.accepted[self.ora_7_read :]:
            if entry["announced_at"] is not None:
                require(
                    entry["at"] >= entry["announced_at"] + COMMITTEE_DELAY,
                    "ORA-7",
                    "a committee judged without notice",
                    accepted_at=entry["at"],
                    announced_at=entry["announced_at"],
                    delay=COMMITTEE_DELAY,
                )
        self.ora_7_read = len(self.accepted)

    @check("ORA-6", watches=("attempts", "reports"))
    def ora_6_no_report_buries_another(self):
        for attempt in self.attempts[self.ora_6_read :]:
            if not attempt["valid"]:
                continue
            report = attempt["report"]
            expected = ALREADY_REPORTED if attempt["reported"] else None
            require(
                attempt["reason"] == expected,
                "ORA-6",
                "a valid attempt was refused" if expected is None else "a duplicate was not refused as one",
                node=report.node_id,
                epoch=report.epoch,
                at=attempt["at"],
                reason=attempt["reason"],
                expected=expected,
            )
        self.ora_6_read = len(self.attempts)
        if not self.deployed():
            return
        for node in NODES:
            epochs = [entry["report"].epoch for entry in self.accepted if entry["report"].node_id == node]
            equal(
                "ORA-6",
                f"latest({node}) is the highest epoch accepted",
                self.oracle.latest(node)[0],
                max(epochs, default=0),
            )

    @check("ORA-2", watches=("reports",))
    def ora_2_reports_equal_the_model(self):
        """`latest` of every node, and the reports accepted since the last check."""
        if not self.deployed():
            return
        for node in NODES:
            epoch, attestation = self.oracle.latest(node)
            equal("ORA-2", f"latest({node})", (epoch, tuple(attestation)), self.model.latest(node))
        for entry in self.accepted[self.ora_2_read :]:
            node, epoch = entry["report"].node_id, entry["report"].epoch
            equal(
                "ORA-2",
                f"report({node}, {epoch})",
                tuple(self.oracle.report(node, epoch)),
                self.model.report(node, epoch),
            )
        self.ora_2_read = len(self.accepted)

    @check("ORA-2", watches=("sweep",))
    def ora_2_history_equals_the_model(self):
        """Every stored report, and the unreported epochs either side of the latest accepted
        one (in full sweeps only: a report is written once, and the step that wrote it is
        checked after it)."""
        if not self.deployed():
            return
        for (node, epoch), stored in self.model.reports.items():
            equal("ORA-2", f"report({node}, {epoch})", tuple(self.oracle.report(node, epoch)), stored)
        if self.accepted:
            last = self.accepted[-1]["report"]
            for epoch in (last.epoch - 1, last.epoch + 1):
                if epoch >= 0 and (last.node_id, epoch) not in self.model.reports:
                    equal(
                        "ORA-2",
                        f"report({last.node_id}, {epoch}), unreported",
                        tuple(self.oracle.report(last.node_id, epoch)),
                        (0,) * 6,
                    )

    @check("ORA-2", "ORA-4", "ORA-7", watches=("committee",))
    def ora_2_committee_equals_the_model(self):
        if not self.deployed():
            return
        equal("ORA-2", "attestors()", [int(a, 16) for a in self.oracle.attestors()], self.model.committee)
        equal("ORA-2", "threshold()", self.oracle.threshold(), self.model.threshold)
        attestors, threshold, effective_at = self.oracle.pending_committee()
        equal(
            "ORA-7",
            "pending_committee()",
            ([int(a, 16) for a in attestors], threshold, effective_at),
            self.model.pending_committee(),
        )

    @check("ORA-5", "ORA-2", watches=("reports", "time"))
    def ora_5_freshness_at_its_limit(self):
        """`is_fresh` a second either side of each node's freshness limit, at the block's time."""
        if not self.deployed():
            return
        now = self.chain.timestamp
        for node in NODES:
            epochs = self.model.reported_epochs(node)
            if not epochs:
                continue
            age = now - (self.genesis + (epochs[-1] + 1) * EPOCH_LENGTH)
            require(age >= 0, "ORA-5", "the latest report is of an epoch that has not ended", node=node, age=age)
            for max_age in {age - 1, age, age + 1, 0, EPOCH_LENGTH} - {-1}:
                equal(
                    "ORA-5",
                    f"is_fresh({node}, {max_age}) at {now}, {age} s after its latest epoch ended",
                    self.oracle.is_fresh(node, max_age),
                    self.model.is_fresh(node, max_age, now),
                )

    @check("ORA-5", watches=("sweep",))
    def ora_5_no_report_is_never_fresh(self):
        if not self.deployed():
            return
        for node in (*NODES, 0, MAX_UINT):
            if not self.model.reported_epochs(node):
                equal(
                    "ORA-5",
                    f"is_fresh({node}, 2**256 - 1) without a report",
                    self.oracle.is_fresh(node, MAX_UINT),
                    False,
                )

    @check("ORA-8", watches=("owner",))
    def ora_8_ownership_moves_in_two_steps(self):
        if not self.deployed():
            return
        equal("ORA-8", "owner()", self.oracle.owner(), self.owner.address)
        equal("ORA-8", "pending_owner()", self.oracle.pending_owner(), self.pending_owner)


@pytest.mark.both_engines
def test_oracle_machine(backend, issuer, relayer, attacker):
    run_state_machine_as_test(
        lambda: OracleMachine(backend, issuer, relayer, attacker), settings=machine_settings(backend)
    )
