"""AttestationOracle.submit: k-of-n signed performance reports (ORA-1).

Every signature here is made by eth_account (`Account.sign_typed_data` through
`computerwa.client.attestation.sign_report`); nothing re-implements the EIP-712 hashing.
"""

import pytest
from eth_account import Account

from computerwa.client.attestation import report_typed_data, sign_report
from computerwa.client.signing import SECP256K1_N, Domain, malleate, sign
from computerwa.evm.chain import reverts
from computerwa.models.oracle import (
    EXPIRED,
    FUTURE_EPOCH,
    HIGH_S,
    INVALID_SIGNATURE,
    NOT_ASCENDING,
    NOT_ATTESTOR,
    NOT_ENOUGH,
    OLD_EPOCH,
    UPTIME_ABOVE_100,
    UTILIZATION_ABOVE_100,
)
from tests.conftest import EPOCH_LENGTH
from tests.unitary.oracle.conftest import NODE, PAST_EPOCHS, THRESHOLD, attestor_key, by_address

CURRENT_EPOCH = PAST_EPOCHS


def as_tuple(attestation):
    return tuple(attestation)


# --- accepted reports ------------------------------------------------------------------------------
def test_three_of_five_attestors_get_a_report_accepted_and_stored(
    backend, oracle, attestors, relayer, make_report, signed
):
    report = make_report()
    receipt = oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
    assert [event.name for event in receipt.events] == ["ReportAccepted"]
    assert receipt.filter("ReportAccepted")[0].args == {
        "node_id": NODE,
        "epoch": report.epoch,
        "uptime_bps": report.uptime_bps,
        "utilization_bps": report.utilization_bps,
        "latency_ms_p50": report.latency_ms_p50,
        "energy_wh": report.energy_wh,
        "work_units": report.work_units,
        "deadline": report.deadline,
        "signer_bitmap": 0b00111,
    }
    stored = (*report.metrics(), receipt.timestamp)
    assert oracle.report(NODE, report.epoch) == stored
    assert oracle.latest(NODE) == (report.epoch, stored)


def test_signer_bitmap_names_exactly_the_attestors_that_signed(oracle, attestors, relayer, make_report, signed):
    report = make_report()
    receipt = oracle.submit(
        report.as_tuple(), signed(report, [attestors[4], attestors[0], attestors[2]]), sender=relayer
    )
    assert receipt.filter("ReportAccepted")[0].args["signer_bitmap"] == 0b10101


def test_every_attestor_may_sign_beyond_the_threshold(oracle, attestors, relayer, make_report, signed):
    report = make_report()
    receipt = oracle.submit(report.as_tuple(), signed(report, attestors), sender=relayer)
    assert receipt.filter("ReportAccepted")[0].args["signer_bitmap"] == 0b11111


def test_anyone_may_relay_a_signed_report(oracle, attestors, attacker, make_report, signed):
    report = make_report()
    oracle.submit(report.as_tuple(), signed(report, attestors[1:4]), sender=attacker)
    assert oracle.latest(NODE)[0] == report.epoch


def test_report_of_the_running_epoch_is_accepted(oracle, attestors, relayer, make_report, signed):
    report = make_report(epoch=CURRENT_EPOCH)
    oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
    assert oracle.latest(NODE)[0] == CURRENT_EPOCH


def test_report_is_accepted_up_to_and_including_its_deadline(backend, oracle, attestors, relayer, make_report, signed):
    report = make_report(deadline=backend.pending_timestamp)
    oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)


def test_epochs_may_be_skipped_but_never_revisited(oracle, attestors, relayer, make_report, signed):
    for epoch in (2, 5, 9):
        report = make_report(epoch=epoch)
        oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
    assert oracle.latest(NODE)[0] == 9
    assert oracle.report(NODE, 3) == (0, 0, 0, 0, 0, 0)
    for epoch in (9, 5, 8, 0):
        report = make_report(epoch=epoch)
        with reverts(OLD_EPOCH):
            oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)


def test_nodes_keep_separate_histories(oracle, attestors, relayer, make_report, signed):
    first = make_report(node_id=1, epoch=4, uptime_bps=9_000)
    second = make_report(node_id=2, epoch=2, uptime_bps=8_000)
    for report in (first, second):
        oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
    assert oracle.latest(1)[0] == 4
    assert oracle.latest(2)[0] == 2
    assert oracle.report(2, 2)[0] == 8_000
    assert oracle.report(1, 2) == (0, 0, 0, 0, 0, 0)


def test_metrics_at_the_limits_of_their_types_round_trip(oracle, attestors, relayer, make_report, signed):
    report = make_report(
        uptime_bps=10_000, utilization_bps=10_000, latency_ms_p50=2**32 - 1, energy_wh=2**64 - 1, work_units=2**64 - 1
    )
    receipt = oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
    assert oracle.report(NODE, report.epoch) == (*report.metrics(), receipt.timestamp)


def test_zero_metrics_are_a_valid_report_of_a_dead_node(oracle, attestors, relayer, make_report, signed):
    report = make_report(uptime_bps=0, utilization_bps=0, latency_ms_p50=0, energy_wh=0, work_units=0)
    receipt = oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
    assert oracle.latest(NODE) == (report.epoch, (0, 0, 0, 0, 0, receipt.timestamp))


# --- refused reports -------------------------------------------------------------------------------
def test_report_past_its_deadline_is_refused(backend, oracle, attestors, relayer, make_report, signed):
    report = make_report(deadline=backend.pending_timestamp - 1)
    with reverts(EXPIRED):
        oracle.submit(report.as_tuple(), signed(report, attestors), sender=relayer)


def test_report_of_a_future_epoch_is_refused(oracle, attestors, relayer, make_report, signed):
    report = make_report(epoch=CURRENT_EPOCH + 1)
    with reverts(FUTURE_EPOCH):
        oracle.submit(report.as_tuple(), signed(report, attestors), sender=relayer)


def test_future_epoch_becomes_reportable_once_it_starts(backend, oracle, attestors, relayer, make_report, signed):
    genesis = oracle.GENESIS()
    backend.sleep(genesis + (CURRENT_EPOCH + 1) * EPOCH_LENGTH - backend.pending_timestamp)
    report = make_report(epoch=CURRENT_EPOCH + 1)
    oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)


def test_same_epoch_cannot_be_reported_twice_even_with_other_metrics(oracle, attestors, relayer, make_report, signed):
    report = make_report()
    oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
    rewrite = make_report(uptime_bps=1)
    with reverts(OLD_EPOCH):
        oracle.submit(rewrite.as_tuple(), signed(rewrite, attestors), sender=relayer)
    assert oracle.report(NODE, report.epoch)[0] == report.uptime_bps


@pytest.mark.parametrize(
    ("field", "reason"), [("uptime_bps", UPTIME_ABOVE_100), ("utilization_bps", UTILIZATION_ABOVE_100)]
)
def test_basis_points_above_one_hundred_percent_are_refused(
    oracle, attestors, relayer, make_report, signed, field, reason
):
    report = make_report(**{field: 10_001})
    with reverts(reason):
        oracle.submit(report.as_tuple(), signed(report, attestors), sender=relayer)


@pytest.mark.parametrize("count", [0, 1, THRESHOLD - 1])
def test_fewer_signatures_than_the_threshold_are_refused(oracle, attestors, relayer, make_report, signed, count):
    report = make_report()
    with reverts(NOT_ENOUGH):
        oracle.submit(report.as_tuple(), signed(report, attestors[:count]), sender=relayer)


def test_more_signatures_than_attestors_can_exist_do_not_decode(
    oracle, issuer, attestors, relayer, make_report, signed
):
    for index in range(len(attestors), 32):
        oracle.add_attestor(attestor_key(index).address, sender=issuer)
    report = make_report()
    everyone = [attestor_key(index) for index in range(32)]
    with reverts():  # DynArray[Signature, 32]: the ABI decoder refuses a 33rd
        oracle.submit(report.as_tuple(), signed(report, [*everyone, attestor_key(32)]), sender=relayer)
    oracle.submit(report.as_tuple(), signed(report, everyone), sender=relayer)  # all 32 attestors is fine


def test_signatures_out_of_signer_order_are_refused(oracle, attestors, relayer, make_report, signed):
    report = make_report()
    signatures = signed(report, attestors[:3])
    with reverts(NOT_ASCENDING):
        oracle.submit(report.as_tuple(), [signatures[1], signatures[0], signatures[2]], sender=relayer)


def test_one_attestor_signing_twice_does_not_count_twice(oracle, attestors, relayer, make_report, signed):
    report = make_report()
    first, second = signed(report, attestors[:2])
    with reverts(NOT_ASCENDING):
        oracle.submit(report.as_tuple(), [first, second, second], sender=relayer)


def test_an_outsiders_signature_is_refused_even_beyond_the_threshold(
    oracle, attestors, outsider, relayer, make_report, signed
):
    report = make_report()
    with reverts(NOT_ATTESTOR):
        oracle.submit(report.as_tuple(), signed(report, [*attestors[:3], outsider]), sender=relayer)


def test_outsiders_cannot_make_up_the_threshold(oracle, attestors, relayer, make_report, signed):
    report = make_report()
    outsiders = [attestor_key(200 + i) for i in range(2)]
    with reverts(NOT_ATTESTOR):
        oracle.submit(report.as_tuple(), signed(report, [attestors[0], *outsiders]), sender=relayer)


def test_metrics_changed_after_signing_are_refused(oracle, attestors, relayer, make_report, signed):
    report = make_report(uptime_bps=8_000)
    signatures = signed(report, attestors[:3])
    inflated = make_report(uptime_bps=10_000)
    with reverts(NOT_ATTESTOR):  # the signatures recover to other, unknown addresses
        oracle.submit(inflated.as_tuple(), signatures, sender=relayer)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "ComputeRWA Settlement"},
        {"version": "2"},
        {"chain_id": 1},
        {"verifying_contract": "0x" + "11" * 20},
    ],
    ids=["other-name", "other-version", "other-chain", "other-contract"],
)
def test_signatures_for_another_domain_are_refused(oracle, attestors, relayer, make_report, domain, change):
    report = make_report()
    foreign = Domain(**{**domain.__dict__, **change})
    signatures = sign_report(foreign, report, attestors)
    with reverts(NOT_ATTESTOR):
        oracle.submit(report.as_tuple(), signatures, sender=relayer)


def test_signatures_for_another_oracle_deployment_are_refused(
    backend, issuer, oracle, attestors, relayer, make_report, signed
):
    twin = backend.deploy(
        "AttestationOracle",
        [key.address for key in attestors],
        THRESHOLD,
        oracle.GENESIS(),
        EPOCH_LENGTH,
        sender=issuer,
    )
    report = make_report()
    signatures = signed(report, attestors, under=Domain.of(twin))
    twin.submit(report.as_tuple(), signatures, sender=relayer)
    with reverts(NOT_ATTESTOR):
        oracle.submit(report.as_tuple(), signatures, sender=relayer)


def test_high_s_signature_is_refused_before_recovery(oracle, attestors, relayer, make_report, signed):
    report = make_report()
    signatures = signed(report, attestors[:3])
    r, _ = signatures[0]
    high_s = (SECP256K1_N // 2 + 1).to_bytes(32, "big")
    with reverts(HIGH_S):
        oracle.submit(report.as_tuple(), [(r, high_s), *signatures[1:]], sender=relayer)


def test_malleated_twin_of_a_valid_signature_is_refused(domain, oracle, attestors, relayer, make_report, signed):
    report = make_report()
    signatures = signed(report, attestors[:3])
    twin = malleate(sign(attestors[0], report_typed_data(domain, report)))
    with pytest.raises(ValueError, match="EIP-2098"):
        _ = twin.compact  # high s has no compact form
    # smuggled as (r, s): the top bit of s is read as the parity, the rest as s
    with reverts():
        oracle.submit(report.as_tuple(), [(twin.r, twin.s), *signatures[1:]], sender=relayer)


def test_signature_recovering_the_zero_address_is_refused(oracle, attestors, relayer, make_report, signed):
    report = make_report()
    signatures = signed(report, attestors[:3])
    with reverts(INVALID_SIGNATURE):
        oracle.submit(report.as_tuple(), [(b"\x00" * 32, b"\x00" * 31 + b"\x01"), *signatures[1:]], sender=relayer)


def test_a_removed_attestors_signature_fails_at_once(oracle, issuer, attestors, relayer, make_report, signed):
    report = make_report()
    signatures = signed(report, attestors[:3])
    oracle.remove_attestor(attestors[1].address, sender=issuer)
    with reverts(NOT_ATTESTOR):
        oracle.submit(report.as_tuple(), signatures, sender=relayer)
    oracle.add_attestor(attestors[1].address, sender=issuer)
    oracle.submit(report.as_tuple(), signatures, sender=relayer)


def test_raising_the_threshold_after_signing_stops_the_report(oracle, issuer, attestors, relayer, make_report, signed):
    report = make_report()
    signatures = signed(report, attestors[:3])
    oracle.set_threshold(4, sender=issuer)
    with reverts(NOT_ENOUGH):
        oracle.submit(report.as_tuple(), signatures, sender=relayer)


def test_a_new_attestor_counts_at_once(oracle, issuer, attestors, outsider, relayer, make_report, signed):
    oracle.add_attestor(outsider.address, sender=issuer)
    report = make_report()
    signers = by_address([outsider, *attestors[:2]])
    receipt = oracle.submit(report.as_tuple(), signed(report, signers), sender=relayer)
    committee = [int(a, 16) for a in oracle.attestors()]
    expected = sum(1 << committee.index(int(key.address, 16)) for key in signers)
    assert receipt.filter("ReportAccepted")[0].args["signer_bitmap"] == expected


def test_raw_key_signers_work_like_accounts(domain, oracle, attestors, relayer, make_report):
    report = make_report()
    keys = [key.key for key in attestors[:3]]
    assert sign_report(domain, report, keys) == sign_report(domain, report, attestors[:3])
    oracle.submit(report.as_tuple(), sign_report(domain, report, keys), sender=relayer)
    assert Account.from_key(keys[0]).address == attestors[0].address
