"""AttestationOracle.report_digest and dry_run_report: the digest attestors sign, and what
`submit` would make of a report and its signatures, told before it is sent (issue #18).

`dry_run_report` must give `submit`'s verdict: accepted with the signer bitmap
`ReportAccepted` logs, or `submit`'s exact revert reason. Signatures come from eth_account
(computerwa.client.attestation.sign_report); the reference digest is eth_account's
`encode_typed_data`.
"""

import pytest
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from computerwa.client.attestation import report_typed_data
from computerwa.client.signing import SECP256K1_N, encode, sign_digest_compact
from computerwa.evm.chain import expect
from computerwa.models.oracle import (
    ALREADY_REPORTED,
    EXPIRED,
    HIGH_S,
    INVALID_SIGNATURE,
    NOT_ASCENDING,
    NOT_ATTESTOR,
    NOT_ENDED,
    NOT_ENOUGH,
    UPTIME_ABOVE_100,
    UTILIZATION_ABOVE_100,
)
from tests.unitary.oracle.conftest import PAST_EPOCHS, THRESHOLD, attestor_key

CURRENT_EPOCH = PAST_EPOCHS
ZERO_SIGNER = (b"\x00" * 32, b"\x00" * 31 + b"\x01")  # ecrecover gives the zero address


def dry_run_then_submit(oracle, report, signatures, relayer) -> tuple[bool, int, str]:
    """Asserts that `dry_run_report` gives `submit`'s verdict; returns it."""
    accepted, bitmap, reason = oracle.dry_run_report(report.as_tuple(), signatures)
    assert accepted == (reason == "")
    receipt = expect(reason or None, lambda: oracle.submit(report.as_tuple(), signatures, sender=relayer))
    if accepted:
        assert receipt.filter("ReportAccepted")[0].args["signer_bitmap"] == bitmap
    else:
        assert bitmap == 0
    return accepted, bitmap, reason


# --- report_digest ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "metrics",
    [{}, {"uptime_bps": 0, "utilization_bps": 0, "latency_ms_p50": 0, "energy_wh": 0, "work_units": 0}, "max"],
    ids=["typical", "zero", "max"],
)
def test_report_digest_is_eth_accounts_eip712_digest(oracle, domain, make_report, metrics):
    if metrics == "max":
        metrics = {
            "uptime_bps": 2**16 - 1,
            "utilization_bps": 2**16 - 1,
            "latency_ms_p50": 2**32 - 1,
            "energy_wh": 2**64 - 1,
            "work_units": 2**64 - 1,
        }
    report = make_report(**metrics)
    message = encode(report_typed_data(domain, report))
    assert oracle.report_digest(report.as_tuple()) == keccak(b"\x19" + message.version + message.header + message.body)


def test_submit_checks_the_digest_report_digest_gives(oracle, attestors, relayer, make_report):
    # submit computes its digest inline: signatures of report_digest's raw digest must count
    report = make_report()
    message_digest = oracle.report_digest(report.as_tuple())
    keys = sorted(attestors[:THRESHOLD], key=lambda key: int(key.address, 16))
    signatures = [sign_digest_compact(key, message_digest) for key in keys]
    assert dry_run_then_submit(oracle, report, signatures, relayer)[0]


# --- accepted ------------------------------------------------------------------------------------------
def test_an_acceptable_report_gives_the_bitmap_submit_logs(oracle, attestors, relayer, make_report, signed):
    report = make_report()
    signers = [attestors[0], attestors[2], attestors[4]]
    assert dry_run_then_submit(oracle, report, signed(report, signers), relayer) == (True, 0b10101, "")


def test_once_accepted_the_same_report_would_be_refused(oracle, attestors, relayer, make_report, signed):
    report = make_report()
    signatures = signed(report, attestors[:THRESHOLD])
    dry_run_then_submit(oracle, report, signatures, relayer)
    assert oracle.dry_run_report(report.as_tuple(), signatures) == (False, 0, ALREADY_REPORTED)


# --- each of submit's reasons, in submit's order -------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"deadline": 1}, EXPIRED),
        ({"epoch": CURRENT_EPOCH}, NOT_ENDED),
        ({"epoch": 2**64 - 1}, NOT_ENDED),
        ({"uptime_bps": 10_001}, UPTIME_ABOVE_100),
        ({"utilization_bps": 10_001}, UTILIZATION_ABOVE_100),
        # the earlier check wins
        ({"deadline": 1, "epoch": CURRENT_EPOCH}, EXPIRED),
        ({"epoch": CURRENT_EPOCH, "uptime_bps": 10_001}, NOT_ENDED),
        ({"uptime_bps": 10_001, "utilization_bps": 10_001}, UPTIME_ABOVE_100),
    ],
)
def test_a_refused_report_gives_submits_reason(oracle, attestors, relayer, make_report, signed, change, reason):
    report = make_report(**change)
    assert dry_run_then_submit(oracle, report, signed(report, attestors), relayer) == (False, 0, reason)


@pytest.mark.parametrize("count", [0, 1, THRESHOLD - 1])
def test_fewer_signatures_than_the_threshold(oracle, attestors, relayer, make_report, signed, count):
    report = make_report()
    assert dry_run_then_submit(oracle, report, signed(report, attestors[:count]), relayer) == (False, 0, NOT_ENOUGH)


def test_signature_faults_give_submits_reasons(oracle, attestors, outsider, relayer, make_report, signed):
    report = make_report()
    first, second, third = signed(report, attestors[:3])
    high_s = (first[0], (SECP256K1_N // 2 + 1).to_bytes(32, "big"))
    cases = [
        ([high_s, second, third], HIGH_S),
        ([ZERO_SIGNER, second, third], INVALID_SIGNATURE),
        ([second, first, third], NOT_ASCENDING),
        ([first, second, second], NOT_ASCENDING),  # a duplicate
        (signed(report, [*attestors[:3], outsider]), NOT_ATTESTOR),
    ]
    for signatures, reason in cases:
        assert dry_run_then_submit(oracle, report, signatures, relayer) == (False, 0, reason)


def test_a_removed_attestor_no_longer_counts_once_the_change_applies(
    oracle, attestors, relayer, make_report, signed, change_committee
):
    report = make_report(deadline=2**40)  # still valid after the committee delay
    signatures = signed(report, attestors[:3])
    assert oracle.dry_run_report(report.as_tuple(), signatures)[0]
    change_committee(attestors[1:], THRESHOLD)
    assert dry_run_then_submit(oracle, report, signatures, relayer) == (False, 0, NOT_ATTESTOR)


# --- the property: dry_run_report(report, signatures) is submit's verdict ------------------------------
SIGNERS = 7  # the five attestors and two outsiders


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    chosen=st.lists(st.integers(0, SIGNERS - 1), max_size=6),
    shuffle=st.booleans(),
    epoch=st.sampled_from([PAST_EPOCHS - 1, PAST_EPOCHS - 2, CURRENT_EPOCH]),
    uptime=st.sampled_from([9_990, 10_000, 10_001]),
    twice=st.booleans(),
    data=st.data(),
)
def test_dry_run_gives_submits_verdict_for_any_signature_set(
    backend, oracle, attestors, relayer, make_report, signed, chosen, shuffle, epoch, uptime, twice, data
):
    keys = [*attestors, attestor_key(300), attestor_key(301)]
    snapshot = backend.snapshot()
    try:
        report = make_report(epoch=epoch, uptime_bps=uptime)
        signatures = signed(report, [keys[i] for i in chosen])  # ascending, duplicates kept
        if shuffle:
            signatures = data.draw(st.permutations(signatures))
        dry_run_then_submit(oracle, report, signatures, relayer)
        if twice:
            dry_run_then_submit(oracle, report, signatures, relayer)
    finally:
        backend.restore(snapshot)
