"""AttestationOracle.submit: k-of-n signed performance reports (ORA-1).

Every signature here is made by eth_account (`Account.sign_typed_data` through
`computerwa.client.attestation.sign_report`); nothing re-implements the EIP-712 hashing.
"""

import pytest
from eth_account import Account

from computerwa.client.attestation import PerformanceReport, report_typed_data, sign_report
from computerwa.client.signing import SECP256K1_N, Domain, malleate, sign
from computerwa.evm.chain import reverts
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
from computerwa.models.registry import slash_amount
from tests.conftest import ATTESTOR_THRESHOLD, COMMITTEE_DELAY, EPOCH_LENGTH, ONE_DOLLAR, SLASH_BPS
from tests.unitary.oracle.conftest import NODE, PAST_EPOCHS, THRESHOLD, attestor_key, by_address

CURRENT_EPOCH = PAST_EPOCHS  # the running epoch at deployment; PAST_EPOCHS - 1 is the last that ended


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


def test_the_last_ended_epoch_is_reportable(oracle, attestors, relayer, make_report, signed):
    report = make_report(epoch=CURRENT_EPOCH - 1)
    oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
    assert oracle.latest(NODE)[0] == CURRENT_EPOCH - 1


def test_report_is_accepted_up_to_and_including_its_deadline(backend, oracle, attestors, relayer, make_report, signed):
    report = make_report(deadline=backend.pending_timestamp)
    oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)


def test_epochs_are_accepted_in_any_order_and_each_only_once(oracle, attestors, relayer, make_report, signed):
    accepted = {}
    for epoch in (5, 9, 2, 8, 0):
        report = make_report(epoch=epoch, uptime_bps=9_000 + epoch)
        receipt = oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
        accepted[epoch] = (*report.metrics(), receipt.timestamp)
        assert oracle.latest(NODE) == (max(accepted), accepted[max(accepted)])
    assert {epoch: oracle.report(NODE, epoch) for epoch in accepted} == accepted
    assert oracle.report(NODE, 3) == (0, 0, 0, 0, 0, 0)
    for epoch in (9, 5, 8, 0):
        report = make_report(epoch=epoch)
        with reverts(ALREADY_REPORTED):
            oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
    later = make_report(epoch=3)  # a gap stays reportable
    oracle.submit(later.as_tuple(), signed(later, attestors[:3]), sender=relayer)
    assert oracle.latest(NODE)[0] == 9


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


@pytest.mark.parametrize("epoch", [CURRENT_EPOCH, CURRENT_EPOCH + 1, 2**64 - 1], ids=["running", "next", "last"])
def test_report_of_an_epoch_that_has_not_ended_is_refused(oracle, attestors, relayer, make_report, signed, epoch):
    report = make_report(epoch=epoch)
    with reverts(NOT_ENDED):
        oracle.submit(report.as_tuple(), signed(report, attestors), sender=relayer)


def test_an_epoch_becomes_reportable_at_the_second_it_ends(backend, oracle, attestors, relayer, make_report, signed):
    end = oracle.GENESIS() + (CURRENT_EPOCH + 1) * EPOCH_LENGTH  # GENESIS + (epoch + 1) * EPOCH_LENGTH
    report = make_report(epoch=CURRENT_EPOCH, deadline=end + 3_600)
    signatures = signed(report, attestors[:3])
    backend.pending_timestamp = end - 1
    with reverts(NOT_ENDED):
        oracle.submit(report.as_tuple(), signatures, sender=relayer)
    backend.pending_timestamp = end
    receipt = oracle.submit(report.as_tuple(), signatures, sender=relayer)
    assert receipt.timestamp == end
    assert oracle.latest(NODE)[0] == CURRENT_EPOCH


def test_same_epoch_cannot_be_reported_twice_even_with_other_metrics(oracle, attestors, relayer, make_report, signed):
    report = make_report()
    oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
    rewrite = make_report(uptime_bps=1)
    with reverts(ALREADY_REPORTED):
        oracle.submit(rewrite.as_tuple(), signed(rewrite, attestors), sender=relayer)
    with reverts(ALREADY_REPORTED):  # nor replayed as it was
        oracle.submit(report.as_tuple(), signed(report, attestors[:3]), sender=relayer)
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
    oracle, attestors, relayer, make_report, signed, change_committee
):
    change_committee([attestor_key(index) for index in range(32)], THRESHOLD)
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
        COMMITTEE_DELAY,
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


def test_a_removed_attestors_signature_fails_once_the_change_applies(
    backend, oracle, attestors, relayer, make_report, signed, change_committee
):
    report = make_report(deadline=backend.pending_timestamp + 10 * COMMITTEE_DELAY)
    signatures = signed(report, attestors[:3])
    change_committee([key for key in attestors if key != attestors[1]], THRESHOLD)
    with reverts(NOT_ATTESTOR):
        oracle.submit(report.as_tuple(), signatures, sender=relayer)
    change_committee(attestors, THRESHOLD)
    oracle.submit(report.as_tuple(), signatures, sender=relayer)


def test_raising_the_threshold_after_signing_stops_the_report(
    backend, oracle, attestors, relayer, make_report, signed, change_committee
):
    report = make_report(deadline=backend.pending_timestamp + 10 * COMMITTEE_DELAY)
    signatures = signed(report, attestors[:3])
    change_committee(attestors, 4)
    with reverts(NOT_ENOUGH):
        oracle.submit(report.as_tuple(), signatures, sender=relayer)


def test_a_new_attestor_counts_once_the_change_applies(
    oracle, attestors, outsider, relayer, make_report, signed, change_committee
):
    change_committee([*attestors, outsider], THRESHOLD)
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


# --- attacks (issue #15) ---------------------------------------------------------------------------
def test_a_later_report_cannot_bury_an_earlier_below_sla_epoch(
    registry, suite_oracle, suite_attestors, stablecoin, operator, relayer, attacker, verified_operators
):
    """Issue #15 item 6: getting epoch E+1 accepted first must not make E's below-SLA report
    unacceptable, and the NodeRegistry must still slash E (it reads `report(node, E)`)."""
    domain = Domain.of(suite_oracle)
    registry.register_node("asia-southeast", "H100", 8, 500_000, 3_000, 9_900, "ipfs://node", sender=operator)
    node_id = registry.node_count()
    bond = 500 * ONE_DOLLAR
    stablecoin.approve(registry, bond, sender=operator)
    registry.post_bond(node_id, bond, sender=operator)

    def signed_report(epoch, uptime_bps):
        report = PerformanceReport(node_id, epoch, uptime_bps, 7_000, 40, 480_000, 1_000_000, 2**40)
        return report.as_tuple(), sign_report(domain, report, suite_attestors[:ATTESTOR_THRESHOLD])

    bad = PAST_EPOCHS - 2  # E: the node missed its SLA of 99%
    suite_oracle.submit(*signed_report(bad + 1, 10_000), sender=attacker)  # E+1 lands first
    suite_oracle.submit(*signed_report(bad, 9_000), sender=relayer)  # E is still accepted
    assert suite_oracle.report(node_id, bad)[0] == 9_000
    assert suite_oracle.latest(node_id)[0] == bad + 1  # `latest` is the highest epoch reported
    token = registry.payee(node_id)[0]
    receipt = registry.slash(node_id, bad, sender=relayer)
    taken = slash_amount(bond, SLASH_BPS)
    [slashed] = receipt.filter("Slashed")
    assert (slashed.args["epoch"], slashed.args["amount"], slashed.args["bond"]) == (bad, taken, bond - taken)
    assert stablecoin.balanceOf(token) == taken  # into the holders' stream
