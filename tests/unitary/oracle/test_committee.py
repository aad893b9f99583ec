"""AttestationOracle committee: the owner (two-step) announces a whole committee and
threshold, which applies `COMMITTEE_DELAY` later (or is cancelled); the committee is
stored as a data contract's code and every change is evented."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import COMMITTEE_DELAY, EPOCH_LENGTH
from tests.unitary.oracle.conftest import PAST_EPOCHS, THRESHOLD, attestor_key, by_address

ZERO = "0x" + "00" * 20
NOT_OWNER = "ownable: caller is not the owner"
NOT_NEW_OWNER = "ownable_2step: caller is not the new owner"
ZERO_ATTESTOR = "oracle: attestor is the zero address"
ALREADY = "oracle: already an attestor"
NOTHING_ANNOUNCED = "oracle: no committee change announced"
NOT_DUE = "oracle: committee change not due yet"
DELAY_OUT_OF_RANGE = "oracle: committee delay not within 1 s to a year"
YEAR = 365 * 86_400
THRESHOLD_ZERO = "oracle: threshold is zero"
THRESHOLD_TOO_HIGH = "oracle: threshold above committee size"
THRESHOLD_NOT_MET = "oracle: not enough signatures"


def addresses(keys):
    return [key.address for key in keys]


def pending(oracle):
    """`pending_committee()` as (list of attestors, threshold, effective_at)."""
    attestors, threshold, effective_at = oracle.pending_committee()
    return list(attestors), threshold, effective_at


# --- deployment --------------------------------------------------------------------------------
def test_deployment_stores_the_committee_sorted_with_its_threshold_and_clock(backend, oracle, issuer, attestors):
    assert list(oracle.attestors()) == addresses(attestors)
    assert oracle.threshold() == THRESHOLD
    assert oracle.owner() == issuer.address
    assert oracle.pending_owner() == ZERO
    assert oracle.EPOCH_LENGTH() == EPOCH_LENGTH
    assert oracle.COMMITTEE_DELAY() == COMMITTEE_DELAY
    assert pending(oracle) == ([], 0, 0)
    assert oracle.current_epoch() == PAST_EPOCHS
    assert all(oracle.is_attestor(key) for key in attestors)
    assert not oracle.is_attestor(issuer)
    assert not oracle.is_attestor(ZERO)


def test_eip712_domain_is_the_oracles(backend, oracle):
    fields, name, version, chain_id, contract, salt, extensions = oracle.eip712Domain()
    assert (fields, name, version) == (b"\x0f", "ComputeRWA Oracle", "1")
    assert (chain_id, contract) == (backend.chain_id, oracle.address)
    assert (salt, list(extensions)) == (b"\x00" * 32, [])


def test_deployment_logs_every_attestor_and_the_threshold(backend, issuer):
    keys = [attestor_key(i) for i in range(3)]
    oracle = backend.deploy(
        "AttestationOracle", addresses(keys), 2, backend.pending_timestamp, EPOCH_LENGTH, COMMITTEE_DELAY, sender=issuer
    )
    assert list(oracle.attestors()) == addresses(by_address(keys))
    assert oracle.current_epoch() == 0


@pytest.mark.parametrize(
    ("committee", "threshold", "genesis_offset", "epoch_length", "reason"),
    [
        (3, 2, 1, EPOCH_LENGTH, "oracle: genesis is in the future"),
        (3, 2, 0, 0, "oracle: epoch length is zero"),
        (3, 0, 0, EPOCH_LENGTH, THRESHOLD_ZERO),
        (3, 4, 0, EPOCH_LENGTH, THRESHOLD_TOO_HIGH),
        (0, 1, 0, EPOCH_LENGTH, THRESHOLD_TOO_HIGH),
    ],
    ids=["genesis-in-future", "epoch-length-zero", "threshold-zero", "threshold-above-size", "empty-committee"],
)
def test_deployment_refuses_a_bad_configuration(
    backend, issuer, committee, threshold, genesis_offset, epoch_length, reason
):
    keys = addresses(attestor_key(i) for i in range(committee))
    with reverts(reason):
        backend.deploy(
            "AttestationOracle",
            keys,
            threshold,
            backend.pending_timestamp + genesis_offset,
            epoch_length,
            COMMITTEE_DELAY,
            sender=issuer,
        )


@pytest.mark.parametrize(
    ("members", "reason"),
    [(["a", "a"], ALREADY), (["a", ZERO], ZERO_ATTESTOR)],
    ids=["duplicate", "zero-address"],
)
def test_deployment_refuses_a_bad_committee(backend, issuer, members, reason):
    key = attestor_key(0).address
    with reverts(reason):
        backend.deploy(
            "AttestationOracle",
            [key if member == "a" else member for member in members],
            1,
            backend.pending_timestamp,
            EPOCH_LENGTH,
            COMMITTEE_DELAY,
            sender=issuer,
        )


@pytest.mark.parametrize("delay", [1, YEAR])
def test_committee_delay_from_a_second_to_a_year_is_accepted(backend, issuer, delay):
    keys = addresses([attestor_key(0)])
    oracle = backend.deploy("AttestationOracle", keys, 1, backend.pending_timestamp, EPOCH_LENGTH, delay, sender=issuer)
    assert oracle.COMMITTEE_DELAY() == delay


@pytest.mark.parametrize("delay", [0, YEAR + 1, 2**256 - 1])
def test_committee_delay_of_nothing_or_above_a_year_is_refused(backend, issuer, delay):
    with reverts(DELAY_OUT_OF_RANGE):
        backend.deploy(
            "AttestationOracle",
            addresses([attestor_key(0)]),
            1,
            backend.pending_timestamp,
            EPOCH_LENGTH,
            delay,
            sender=issuer,
        )


def committee_code(attestors) -> bytes:
    """The committee as address[32], ABI-encoded: a word per attestor, then zero words."""
    words = b"".join(bytes(12) + bytes.fromhex(key.address[2:]) for key in attestors)
    return words + bytes(32 * 32 - len(words))


@pytest.mark.both_engines
def test_committee_is_the_code_of_an_inert_data_contract(backend, oracle, attestors, change_committee):
    data = oracle.committee_contract()
    assert backend.code(data) == committee_code(attestors)
    # its first byte is STOP: a call does nothing and returns nothing
    assert backend.code(data)[0] == 0
    change_committee(attestors[1:], THRESHOLD)
    assert oracle.committee_contract() != data
    assert backend.code(oracle.committee_contract()) == committee_code(attestors[1:])
    assert backend.code(data) == committee_code(attestors)  # the old one is simply unused


# --- announce, apply, cancel (issue #15 item 12) ------------------------------------------------
def test_an_issuer_cannot_change_the_committee_without_notice(
    backend, oracle, issuer, relayer, outsider, make_report, signed
):
    # the issuer's fastest way to its own 1-of-1 committee
    receipt = oracle.announce_committee([outsider.address], 1, sender=issuer)
    with reverts(NOT_DUE):
        oracle.apply_committee(sender=issuer)
    # its "uptime 0" report is refused: the committee in force has not changed
    report = make_report(uptime_bps=0, deadline=backend.pending_timestamp + 2 * COMMITTEE_DELAY)
    with reverts(THRESHOLD_NOT_MET):
        oracle.submit(report.as_tuple(), signed(report, [outsider]), sender=relayer)
    # everyone saw it coming, COMMITTEE_DELAY ahead
    assert [e.args for e in receipt.filter("CommitteeChangeAnnounced")] == [
        {"attestors": (outsider.address,), "threshold": 1, "effective_at": receipt.timestamp + COMMITTEE_DELAY}
    ]
    backend.sleep(receipt.timestamp + COMMITTEE_DELAY - 1 - backend.pending_timestamp)
    with reverts(NOT_DUE):
        oracle.apply_committee(sender=issuer)
    assert oracle.threshold() == THRESHOLD and not oracle.is_attestor(outsider)


def test_owner_announces_then_applies_a_committee_after_the_delay(
    backend, oracle, issuer, attestors, outsider, relayer, make_report, signed
):
    new = [attestors[4], outsider, attestors[0]]
    receipt = oracle.announce_committee(addresses(new), 2, sender=issuer)
    assert [event.name for event in receipt.events] == ["CommitteeChangeAnnounced"]
    effective_at = receipt.timestamp + COMMITTEE_DELAY
    assert pending(oracle) == (addresses(by_address(new)), 2, effective_at)
    assert list(oracle.attestors()) == addresses(attestors)
    backend.sleep(effective_at - backend.pending_timestamp)
    receipt = oracle.apply_committee(sender=issuer)
    assert [(event.name, event.args) for event in receipt.events] == [
        ("AttestorRemoved", {"attestor": attestors[1].address}),
        ("AttestorRemoved", {"attestor": attestors[2].address}),
        ("AttestorRemoved", {"attestor": attestors[3].address}),
        ("AttestorAdded", {"attestor": outsider.address}),
        ("ThresholdSet", {"threshold": 2}),
    ]
    assert list(oracle.attestors()) == addresses(by_address(new))
    assert oracle.threshold() == 2
    assert pending(oracle) == ([], 0, 0)
    report = make_report()
    oracle.submit(report.as_tuple(), signed(report, by_address([outsider, attestors[4]])), sender=relayer)


def test_applying_the_same_threshold_logs_only_the_members_that_change(oracle, attestors, outsider, change_committee):
    receipt = change_committee([*attestors, outsider], THRESHOLD)
    assert [(event.name, event.args) for event in receipt.events] == [("AttestorAdded", {"attestor": outsider.address})]
    assert oracle.threshold() == THRESHOLD


def test_a_new_announcement_replaces_the_pending_one_and_restarts_the_delay(
    backend, oracle, issuer, attestors, outsider
):
    oracle.announce_committee([outsider.address], 1, sender=issuer)
    backend.sleep(COMMITTEE_DELAY - 10)
    receipt = oracle.announce_committee(addresses(attestors[:2]), 2, sender=issuer)
    assert pending(oracle) == (addresses(attestors[:2]), 2, receipt.timestamp + COMMITTEE_DELAY)
    backend.sleep(10)
    with reverts(NOT_DUE):
        oracle.apply_committee(sender=issuer)


def test_owner_cancels_an_announced_committee(backend, oracle, issuer, attestors, outsider):
    oracle.announce_committee([outsider.address], 1, sender=issuer)
    receipt = oracle.cancel_committee(sender=issuer)
    assert [event.name for event in receipt.events] == ["CommitteeChangeCancelled"]
    assert pending(oracle) == ([], 0, 0)
    backend.sleep(COMMITTEE_DELAY)
    with reverts(NOTHING_ANNOUNCED):
        oracle.apply_committee(sender=issuer)
    with reverts(NOTHING_ANNOUNCED):
        oracle.cancel_committee(sender=issuer)
    assert list(oracle.attestors()) == addresses(attestors)


def test_only_the_owner_announces_applies_or_cancels(backend, oracle, issuer, attacker, outsider):
    with reverts(NOT_OWNER):
        oracle.announce_committee([outsider.address], 1, sender=attacker)
    oracle.announce_committee([outsider.address], 1, sender=issuer)
    backend.sleep(COMMITTEE_DELAY)
    with reverts(NOT_OWNER):
        oracle.apply_committee(sender=attacker)
    with reverts(NOT_OWNER):
        oracle.cancel_committee(sender=attacker)


@pytest.mark.parametrize(
    ("members", "threshold", "reason"),
    [
        (["a", ZERO], 1, ZERO_ATTESTOR),
        (["a", "b", "a"], 1, ALREADY),
        (["a", "b"], 0, THRESHOLD_ZERO),
        (["a", "b"], 3, THRESHOLD_TOO_HIGH),
        ([], 1, THRESHOLD_TOO_HIGH),
        (["a"], 2**255, THRESHOLD_TOO_HIGH),
    ],
    ids=["zero-address", "duplicate", "threshold-zero", "threshold-above-size", "empty", "huge-threshold"],
)
def test_a_bad_committee_is_refused_at_its_announcement(oracle, issuer, members, threshold, reason):
    keys = {"a": attestor_key(50).address, "b": attestor_key(51).address}
    with reverts(reason):
        oracle.announce_committee([keys.get(m, m) for m in members], threshold, sender=issuer)
    assert pending(oracle) == ([], 0, 0)


def test_a_committee_of_thirty_two_applies(oracle, change_committee):
    keys = [attestor_key(index) for index in range(32)]
    change_committee(keys, 32)
    assert list(oracle.attestors()) == addresses(by_address(keys))
    assert oracle.threshold() == 32


# --- ownership ---------------------------------------------------------------------------------
def test_ownership_moves_in_two_steps(oracle, issuer, operator, attacker, outsider):
    receipt = oracle.transfer_ownership(operator, sender=issuer)
    assert [event.name for event in receipt.events] == ["OwnershipTransferStarted"]
    assert oracle.pending_owner() == operator.address
    oracle.announce_committee([outsider.address], 1, sender=issuer)  # still the owner until accepted
    with reverts(NOT_NEW_OWNER):
        oracle.accept_ownership(sender=attacker)
    oracle.accept_ownership(sender=operator)
    assert oracle.owner() == operator.address
    with reverts(NOT_OWNER):
        oracle.cancel_committee(sender=issuer)
    oracle.cancel_committee(sender=operator)


def test_oracle_offers_its_interface_and_no_renounce(artifacts):
    abi = artifacts["AttestationOracle"].abi
    functions = {item["name"] for item in abi if item["type"] == "function"}
    assert functions == {
        "submit",
        "report_digest",
        "dry_run_report",
        "report",
        "latest",
        "is_fresh",
        "attestors",
        "is_attestor",
        "committee_contract",
        "threshold",
        "current_epoch",
        "pending_committee",
        "announce_committee",
        "apply_committee",
        "cancel_committee",
        "GENESIS",
        "EPOCH_LENGTH",
        "COMMITTEE_DELAY",
        "eip712Domain",
        "owner",
        "pending_owner",
        "transfer_ownership",
        "accept_ownership",
    }
