"""IdentityRegistry: registrars verify applicants until a timestamp, or revoke them.

The session's ComputeToken fixture verifies applicant, relayer and customer in this same
registry, so these tests use accounts no fixture verifies (`applicant`, `relayer`)."""

import pytest

from computerwa import reverts


@pytest.fixture(scope="session")
def applicant(backend):
    return backend.accounts[8]


ZERO = "0x" + "00" * 20
NOT_REGISTRAR = "identity: caller is not a registrar"
NOT_OWNER = "ownable: caller is not the owner"


def test_deployer_owns_and_registers(identity, issuer):
    assert identity.owner() == issuer.address
    assert identity.pending_owner() == ZERO
    assert identity.is_registrar(issuer)


def test_verified_applicant_stays_verified_up_to_its_expiry(backend, identity, issuer, applicant, operator):
    until = backend.pending_timestamp + 100
    receipt = identity.set_verified(applicant, until, sender=issuer)
    assert receipt.filter("IdentityVerified")[0].args == {
        "account": applicant.address,
        "valid_until": until,
        "registrar": issuer.address,
    }
    assert identity.valid_until(applicant) == until
    assert identity.is_verified(applicant)
    # views read the latest block: mine one exactly at the expiry, then one after it
    backend.pending_timestamp = until
    identity.set_registrar(operator, False, sender=issuer)
    assert backend.timestamp == until
    assert identity.is_verified(applicant)
    identity.set_registrar(operator, False, sender=issuer)
    assert not identity.is_verified(applicant)


def test_unknown_account_is_not_verified(identity, attacker):
    assert not identity.is_verified(attacker)
    assert identity.valid_until(attacker) == 0


def test_both_parties_must_be_verified(backend, identity, issuer, applicant, relayer):
    assert not identity.are_verified(applicant, relayer)
    identity.set_verified(applicant, backend.pending_timestamp + 1_000, sender=issuer)
    assert not identity.are_verified(applicant, relayer)
    assert not identity.are_verified(relayer, applicant)
    identity.set_verified(relayer, backend.pending_timestamp + 10, sender=issuer)
    assert identity.are_verified(applicant, relayer)
    backend.sleep(50)
    identity.set_registrar(relayer, False, sender=issuer)  # mine a block past the shorter expiry
    assert not identity.are_verified(applicant, relayer)
    assert identity.is_verified(applicant)


def test_revoked_applicant_is_no_longer_verified(backend, identity, issuer, applicant):
    identity.set_verified(applicant, backend.pending_timestamp + 1_000, sender=issuer)
    receipt = identity.revoke(applicant, sender=issuer)
    assert receipt.filter("IdentityRevoked")[0].args == {"account": applicant.address, "registrar": issuer.address}
    assert not identity.is_verified(applicant)
    assert identity.valid_until(applicant) == 0


def test_verification_can_be_renewed_or_shortened(backend, identity, issuer, applicant):
    identity.set_verified(applicant, backend.pending_timestamp + 1_000, sender=issuer)
    identity.set_verified(applicant, backend.pending_timestamp, sender=issuer)  # valid this second only
    backend.sleep(5)
    identity.set_registrar(issuer, True, sender=issuer)
    assert not identity.is_verified(applicant)


def test_valid_until_in_the_past_reverts(backend, identity, issuer, applicant):
    with reverts("identity: valid_until is in the past"):
        identity.set_verified(applicant, backend.pending_timestamp - 1, sender=issuer)


def test_zero_address_cannot_be_verified(backend, identity, issuer):
    with reverts("identity: account is the zero address"):
        identity.set_verified(ZERO, backend.pending_timestamp + 1, sender=issuer)


def test_only_registrars_verify_or_revoke(backend, identity, attacker, applicant):
    with reverts(NOT_REGISTRAR):
        identity.set_verified(attacker, backend.pending_timestamp + 1, sender=attacker)
    with reverts(NOT_REGISTRAR):
        identity.revoke(applicant, sender=attacker)


def test_owner_appoints_and_removes_registrars(backend, identity, issuer, operator, applicant):
    receipt = identity.set_registrar(operator, True, sender=issuer)
    assert receipt.filter("RegistrarSet")[0].args == {"account": operator.address, "status": True}
    identity.set_verified(applicant, backend.pending_timestamp + 10, sender=operator)
    receipt = identity.set_registrar(operator, False, sender=issuer)
    assert receipt.filter("RegistrarSet")[0].args == {"account": operator.address, "status": False}
    assert not identity.is_registrar(operator)
    with reverts(NOT_REGISTRAR):
        identity.revoke(applicant, sender=operator)


def test_only_the_owner_appoints_registrars(identity, attacker):
    with reverts(NOT_OWNER):
        identity.set_registrar(attacker, True, sender=attacker)


def test_zero_address_cannot_be_a_registrar(identity, issuer):
    with reverts("identity: registrar is the zero address"):
        identity.set_registrar(ZERO, True, sender=issuer)


def test_ownership_moves_in_two_steps(identity, issuer, operator, attacker):
    receipt = identity.transfer_ownership(operator, sender=issuer)
    assert receipt.filter("OwnershipTransferStarted")[0].args == {
        "previous_owner": issuer.address,
        "new_owner": operator.address,
    }
    with reverts("ownable_2step: caller is not the new owner"):
        identity.accept_ownership(sender=attacker)
    identity.accept_ownership(sender=operator)
    assert identity.owner() == operator.address
    identity.set_registrar(attacker, True, sender=operator)
    with reverts(NOT_OWNER):
        identity.set_registrar(attacker, False, sender=issuer)
