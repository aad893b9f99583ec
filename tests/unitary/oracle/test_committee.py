"""AttestationOracle committee: the owner (two-step) manages attestors and threshold;
the committee is stored as a data contract's code and every change is evented."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import EPOCH_LENGTH
from tests.unitary.oracle.conftest import COMMITTEE_SIZE, PAST_EPOCHS, THRESHOLD, attestor_key, by_address

ZERO = "0x" + "00" * 20
NOT_OWNER = "ownable: caller is not the owner"
NOT_NEW_OWNER = "ownable_2step: caller is not the new owner"
ZERO_ATTESTOR = "oracle: attestor is the zero address"
ALREADY = "oracle: already an attestor"
FULL = "oracle: committee is full"
NOT_AN_ATTESTOR = "oracle: not an attestor"
THRESHOLD_ZERO = "oracle: threshold is zero"
THRESHOLD_TOO_HIGH = "oracle: threshold above committee size"


def addresses(keys):
    return [key.address for key in keys]


# --- deployment --------------------------------------------------------------------------------
def test_deployment_stores_the_committee_sorted_with_its_threshold_and_clock(backend, oracle, issuer, attestors):
    assert list(oracle.attestors()) == addresses(attestors)
    assert oracle.threshold() == THRESHOLD
    assert oracle.owner() == issuer.address
    assert oracle.pending_owner() == ZERO
    assert oracle.EPOCH_LENGTH() == EPOCH_LENGTH
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
        "AttestationOracle", addresses(keys), 2, backend.pending_timestamp, EPOCH_LENGTH, sender=issuer
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
            sender=issuer,
        )


def committee_code(attestors) -> bytes:
    """The committee as address[32], ABI-encoded: a word per attestor, then zero words."""
    words = b"".join(bytes(12) + bytes.fromhex(key.address[2:]) for key in attestors)
    return words + bytes(32 * 32 - len(words))


@pytest.mark.both_engines
def test_committee_is_the_code_of_an_inert_data_contract(backend, oracle, issuer, attestors, relayer):
    data = oracle.committee_contract()
    assert backend.code(data) == committee_code(attestors)
    # its first byte is STOP: a call does nothing and returns nothing
    assert backend.code(data)[0] == 0
    oracle.remove_attestor(attestors[0].address, sender=issuer)
    assert oracle.committee_contract() != data
    assert backend.code(oracle.committee_contract()) == committee_code(attestors[1:])
    assert backend.code(data) == committee_code(attestors)  # the old one is simply unused


# --- add_attestor ------------------------------------------------------------------------------
def test_owner_adds_an_attestor_in_address_order(oracle, issuer, attestors, outsider):
    receipt = oracle.add_attestor(outsider.address, sender=issuer)
    assert [event.name for event in receipt.events] == ["AttestorAdded"]
    assert receipt.filter("AttestorAdded")[0].args == {"attestor": outsider.address}
    assert list(oracle.attestors()) == addresses(by_address([*attestors, outsider]))
    assert oracle.is_attestor(outsider)
    assert oracle.threshold() == THRESHOLD


def test_only_the_owner_adds_attestors(oracle, attacker, outsider):
    with reverts(NOT_OWNER):
        oracle.add_attestor(outsider.address, sender=attacker)


def test_adding_the_zero_address_or_a_member_again_is_refused(oracle, issuer, attestors):
    with reverts(ZERO_ATTESTOR):
        oracle.add_attestor(ZERO, sender=issuer)
    with reverts(ALREADY):
        oracle.add_attestor(attestors[2].address, sender=issuer)


def test_committee_holds_at_most_thirty_two_attestors(oracle, issuer):
    for index in range(COMMITTEE_SIZE, 32):
        oracle.add_attestor(attestor_key(index).address, sender=issuer)
    assert len(oracle.attestors()) == 32
    with reverts(FULL):
        oracle.add_attestor(attestor_key(32).address, sender=issuer)
    with reverts(ALREADY):  # the more precise reason wins
        oracle.add_attestor(attestor_key(7).address, sender=issuer)


# --- remove_attestor ---------------------------------------------------------------------------
def test_owner_removes_an_attestor(oracle, issuer, attestors):
    receipt = oracle.remove_attestor(attestors[3].address, sender=issuer)
    assert [event.name for event in receipt.events] == ["AttestorRemoved"]
    assert receipt.filter("AttestorRemoved")[0].args == {"attestor": attestors[3].address}
    assert list(oracle.attestors()) == addresses(attestors[:3] + attestors[4:])
    assert not oracle.is_attestor(attestors[3])


def test_only_the_owner_removes_attestors(oracle, attacker, attestors):
    with reverts(NOT_OWNER):
        oracle.remove_attestor(attestors[0].address, sender=attacker)


def test_removing_a_non_member_is_refused(oracle, issuer, outsider):
    with reverts(NOT_AN_ATTESTOR):
        oracle.remove_attestor(outsider.address, sender=issuer)


def test_committee_never_shrinks_below_the_threshold(oracle, issuer, attestors):
    oracle.remove_attestor(attestors[0].address, sender=issuer)
    oracle.remove_attestor(attestors[1].address, sender=issuer)
    with reverts(THRESHOLD_TOO_HIGH):
        oracle.remove_attestor(attestors[2].address, sender=issuer)
    oracle.set_threshold(1, sender=issuer)
    oracle.remove_attestor(attestors[2].address, sender=issuer)
    oracle.remove_attestor(attestors[3].address, sender=issuer)
    assert list(oracle.attestors()) == [attestors[4].address]


# --- set_threshold -----------------------------------------------------------------------------
@pytest.mark.parametrize("threshold", [1, THRESHOLD, COMMITTEE_SIZE])
def test_owner_sets_any_threshold_up_to_the_committee_size(oracle, issuer, attestors, threshold):
    receipt = oracle.set_threshold(threshold, sender=issuer)
    assert [event.name for event in receipt.events] == ["ThresholdSet"]
    assert receipt.filter("ThresholdSet")[0].args == {"threshold": threshold}
    assert oracle.threshold() == threshold
    assert list(oracle.attestors()) == addresses(attestors)


def test_only_the_owner_sets_the_threshold(oracle, attacker):
    with reverts(NOT_OWNER):
        oracle.set_threshold(2, sender=attacker)


@pytest.mark.parametrize(
    ("threshold", "reason"),
    [(0, THRESHOLD_ZERO), (COMMITTEE_SIZE + 1, THRESHOLD_TOO_HIGH), (2**255, THRESHOLD_TOO_HIGH)],
)
def test_threshold_outside_one_to_committee_size_is_refused(oracle, issuer, threshold, reason):
    with reverts(reason):
        oracle.set_threshold(threshold, sender=issuer)


# --- ownership ---------------------------------------------------------------------------------
def test_ownership_moves_in_two_steps(oracle, issuer, operator, attacker, outsider):
    receipt = oracle.transfer_ownership(operator, sender=issuer)
    assert [event.name for event in receipt.events] == ["OwnershipTransferStarted"]
    assert oracle.pending_owner() == operator.address
    oracle.add_attestor(outsider.address, sender=issuer)  # still the owner until accepted
    with reverts(NOT_NEW_OWNER):
        oracle.accept_ownership(sender=attacker)
    oracle.accept_ownership(sender=operator)
    assert oracle.owner() == operator.address
    with reverts(NOT_OWNER):
        oracle.set_threshold(1, sender=issuer)
    oracle.set_threshold(1, sender=operator)


def test_oracle_offers_its_interface_and_no_renounce(artifacts):
    abi = artifacts["AttestationOracle"].abi
    functions = {item["name"] for item in abi if item["type"] == "function"}
    assert functions == {
        "submit",
        "report",
        "latest",
        "is_fresh",
        "attestors",
        "is_attestor",
        "committee_contract",
        "threshold",
        "current_epoch",
        "add_attestor",
        "remove_attestor",
        "set_threshold",
        "GENESIS",
        "EPOCH_LENGTH",
        "eip712Domain",
        "owner",
        "pending_owner",
        "transfer_ownership",
        "accept_ownership",
    }
