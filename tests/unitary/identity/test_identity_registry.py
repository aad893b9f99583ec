"""IdentityRegistry: the owner appoints registrars; registrars verify investors until
their KYC expiry, or revoke them; every ComputeToken asks `is_verified`/`are_verified`.

Time: a transaction runs at `backend.pending_timestamp`, a view at the latest mined block
(`backend.timestamp`), so a view is read at an exact second by first mining a block then.
"""

import pytest

from computerwa.evm.chain import reverts

ZERO = "0x" + "00" * 20
NOBODY = "0x" + "00" * 19 + "01"  # never a registrar: removing it is a no-op that mines a block
MAX_UINT64 = 2**64 - 1
YEAR = 365 * 86_400
NOT_REGISTRAR = "identity: caller is not a registrar"
NOT_OWNER = "ownable: caller is not the owner"
NOT_NEW_OWNER = "ownable_2step: caller is not the new owner"
IN_THE_PAST = "identity: valid_until is in the past"


def mine_block_at(backend, identity, owner, timestamp):
    """Mines a block at exactly `timestamp`, so the views that follow read that second."""
    backend.sleep(timestamp - backend.pending_timestamp)
    identity.set_registrar(NOBODY, False, sender=owner)
    assert backend.timestamp == timestamp


# --- deployment ---------------------------------------------------------------------------------
def test_deployer_owns_the_registry_and_is_its_first_registrar(identity, issuer, registrar, investor):
    assert identity.owner() == issuer.address
    assert identity.pending_owner() == ZERO
    assert identity.is_registrar(issuer)
    assert not identity.is_registrar(registrar)
    assert not identity.is_verified(investor)
    assert identity.valid_until(investor) == 0


def test_registry_offers_its_interface_and_two_step_ownership_but_no_renounce(artifacts):
    abi = artifacts["IdentityRegistry"].abi
    functions = {item["name"] for item in abi if item["type"] == "function"}
    events = {item["name"] for item in abi if item["type"] == "event"}
    assert functions == {
        "is_verified",
        "are_verified",
        "valid_until",
        "is_registrar",
        "set_verified",
        "revoke",
        "set_registrar",
        "owner",
        "pending_owner",
        "transfer_ownership",
        "accept_ownership",
    }
    assert events == {
        "IdentityVerified",
        "IdentityRevoked",
        "RegistrarSet",
        "OwnershipTransferStarted",
        "OwnershipTransferred",
    }


# --- set_verified -------------------------------------------------------------------------------
def test_registrar_verifies_investor_until_a_kyc_expiry(backend, identity, issuer, investor):
    until = backend.pending_timestamp + YEAR
    receipt = identity.set_verified(investor, until, sender=issuer)
    assert [e.name for e in receipt.events] == ["IdentityVerified"]
    assert receipt.filter("IdentityVerified")[0].args == {
        "account": investor.address,
        "valid_until": until,
        "registrar": issuer.address,
    }
    assert identity.valid_until(investor) == until
    assert identity.is_verified(investor)


def test_investor_stays_verified_through_the_last_second_of_its_expiry(backend, identity, issuer, investor):
    until = backend.pending_timestamp + 100
    identity.set_verified(investor, until, sender=issuer)
    mine_block_at(backend, identity, issuer, until)
    assert identity.is_verified(investor)
    mine_block_at(backend, identity, issuer, until + 1)
    assert not identity.is_verified(investor)
    assert identity.valid_until(investor) == until  # expiry is read, never written


def test_verification_until_now_holds_for_this_second_only(backend, identity, issuer, investor):
    now = backend.pending_timestamp
    identity.set_verified(investor, now, sender=issuer)
    assert backend.timestamp == now
    assert identity.is_verified(investor)
    mine_block_at(backend, identity, issuer, now + 1)
    assert not identity.is_verified(investor)


@pytest.mark.parametrize("seconds_ago", [1, 2, None], ids=["one_second_ago", "two_seconds_ago", "zero"])
def test_valid_until_in_the_past_reverts(backend, identity, issuer, investor, seconds_ago):
    until = 0 if seconds_ago is None else backend.pending_timestamp - seconds_ago
    with reverts(IN_THE_PAST):
        identity.set_verified(investor, until, sender=issuer)
    assert identity.valid_until(investor) == 0


def test_zero_address_cannot_be_verified(backend, identity, issuer):
    with reverts("identity: account is the zero address"):
        identity.set_verified(ZERO, backend.pending_timestamp + YEAR, sender=issuer)


def test_investor_verified_until_the_end_of_uint64_stays_verified(backend, identity, issuer, investor):
    identity.set_verified(investor, MAX_UINT64, sender=issuer)
    backend.sleep(100 * YEAR)
    identity.set_registrar(NOBODY, False, sender=issuer)
    assert identity.valid_until(investor) == MAX_UINT64
    assert identity.is_verified(investor)


def test_registrar_renews_an_expired_investor(backend, identity, issuer, investor):
    identity.set_verified(investor, backend.pending_timestamp + 10, sender=issuer)
    backend.sleep(YEAR)
    identity.set_registrar(NOBODY, False, sender=issuer)
    assert not identity.is_verified(investor)
    until = backend.pending_timestamp + YEAR
    identity.set_verified(investor, until, sender=issuer)
    assert identity.valid_until(investor) == until
    assert identity.is_verified(investor)


def test_registrar_shortens_a_verification(backend, identity, issuer, investor):
    identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=issuer)
    until = backend.pending_timestamp + 10
    identity.set_verified(investor, until, sender=issuer)
    assert identity.valid_until(investor) == until
    mine_block_at(backend, identity, issuer, until + 1)
    assert not identity.is_verified(investor)


def test_only_registrars_verify(backend, identity, attacker, investor):
    with reverts(NOT_REGISTRAR):
        identity.set_verified(attacker, backend.pending_timestamp + YEAR, sender=attacker)
    with reverts(NOT_REGISTRAR):
        identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=attacker)
    assert not identity.is_verified(attacker)
    assert not identity.is_verified(investor)


# --- revoke -------------------------------------------------------------------------------------
def test_revoked_investor_is_no_longer_verified(backend, identity, issuer, investor, customer):
    identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=issuer)
    identity.set_verified(customer, backend.pending_timestamp + YEAR, sender=issuer)
    receipt = identity.revoke(investor, sender=issuer)
    assert [e.name for e in receipt.events] == ["IdentityRevoked"]
    assert receipt.filter("IdentityRevoked")[0].args == {"account": investor.address, "registrar": issuer.address}
    assert identity.valid_until(investor) == 0
    assert not identity.is_verified(investor)
    assert not identity.are_verified(investor, customer)
    assert identity.is_verified(customer)


def test_revoked_investor_can_be_verified_again(backend, identity, issuer, investor):
    identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=issuer)
    identity.revoke(investor, sender=issuer)
    identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=issuer)
    assert identity.is_verified(investor)


def test_revoking_an_account_never_verified_is_logged_and_changes_nothing(identity, issuer, customer):
    receipt = identity.revoke(customer, sender=issuer)
    assert receipt.filter("IdentityRevoked")[0].args == {"account": customer.address, "registrar": issuer.address}
    assert identity.valid_until(customer) == 0
    assert not identity.is_verified(customer)


def test_only_registrars_revoke(backend, identity, issuer, attacker, investor):
    identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=issuer)
    with reverts(NOT_REGISTRAR):
        identity.revoke(investor, sender=attacker)
    assert identity.is_verified(investor)


# --- is_verified / are_verified ---------------------------------------------------------------
def test_zero_address_and_unknown_accounts_are_never_verified(backend, identity, issuer, investor, attacker):
    identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=issuer)
    assert not identity.is_verified(attacker)
    assert not identity.is_verified(ZERO)
    assert not identity.are_verified(investor, attacker)
    assert not identity.are_verified(ZERO, investor)


def test_transfer_needs_both_parties_verified_in_either_order(backend, identity, issuer, investor, customer):
    assert not identity.are_verified(investor, customer)
    identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=issuer)
    assert not identity.are_verified(investor, customer)
    assert not identity.are_verified(customer, investor)
    identity.set_verified(customer, backend.pending_timestamp + YEAR, sender=issuer)
    assert identity.are_verified(investor, customer)
    assert identity.are_verified(customer, investor)


def test_pair_stops_being_verified_at_the_earlier_expiry(backend, identity, issuer, investor, customer):
    identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=issuer)
    until = backend.pending_timestamp + 10
    identity.set_verified(customer, until, sender=issuer)
    mine_block_at(backend, identity, issuer, until)
    assert identity.are_verified(investor, customer)
    assert identity.are_verified(customer, investor)
    mine_block_at(backend, identity, issuer, until + 1)
    assert not identity.are_verified(investor, customer)
    assert not identity.are_verified(customer, investor)
    assert identity.is_verified(investor)


def test_investor_paired_with_itself_is_as_verified_as_alone(backend, identity, issuer, investor):
    assert not identity.are_verified(investor, investor)
    until = backend.pending_timestamp + 10
    identity.set_verified(investor, until, sender=issuer)
    assert identity.are_verified(investor, investor)
    mine_block_at(backend, identity, issuer, until + 1)
    assert not identity.are_verified(investor, investor)


# --- registrars --------------------------------------------------------------------------------
def test_owner_appoints_a_registrar_who_verifies_and_revokes(backend, identity, issuer, registrar, investor):
    receipt = identity.set_registrar(registrar, True, sender=issuer)
    assert [e.name for e in receipt.events] == ["RegistrarSet"]
    assert receipt.filter("RegistrarSet")[0].args == {"account": registrar.address, "status": True}
    assert identity.is_registrar(registrar)
    until = backend.pending_timestamp + YEAR
    receipt = identity.set_verified(investor, until, sender=registrar)
    assert receipt.filter("IdentityVerified")[0].args == {
        "account": investor.address,
        "valid_until": until,
        "registrar": registrar.address,
    }
    receipt = identity.revoke(investor, sender=registrar)
    assert receipt.filter("IdentityRevoked")[0].args == {"account": investor.address, "registrar": registrar.address}
    assert not identity.is_verified(investor)


def test_removed_registrar_is_refused_at_once_but_its_verifications_stand(
    backend, identity, issuer, registrar, investor, customer
):
    identity.set_registrar(registrar, True, sender=issuer)
    identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=registrar)
    receipt = identity.set_registrar(registrar, False, sender=issuer)
    assert receipt.filter("RegistrarSet")[0].args == {"account": registrar.address, "status": False}
    assert not identity.is_registrar(registrar)
    with reverts(NOT_REGISTRAR):
        identity.set_verified(customer, backend.pending_timestamp + YEAR, sender=registrar)
    with reverts(NOT_REGISTRAR):
        identity.revoke(investor, sender=registrar)
    # what it verified stands until it expires or another registrar revokes it
    assert identity.is_verified(investor)
    identity.revoke(investor, sender=issuer)
    assert not identity.is_verified(investor)


def test_owner_can_step_down_as_registrar_and_return(backend, identity, issuer, investor):
    identity.set_registrar(issuer, False, sender=issuer)
    assert not identity.is_registrar(issuer)
    with reverts(NOT_REGISTRAR):
        identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=issuer)
    assert identity.owner() == issuer.address
    identity.set_registrar(issuer, True, sender=issuer)
    identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=issuer)
    assert identity.is_verified(investor)


def test_registrar_cannot_appoint_registrars(identity, issuer, registrar, attacker):
    identity.set_registrar(registrar, True, sender=issuer)
    with reverts(NOT_OWNER):
        identity.set_registrar(attacker, True, sender=registrar)


@pytest.mark.parametrize("status", [True, False], ids=["appoint", "remove"])
def test_only_the_owner_appoints_or_removes_registrars(identity, issuer, attacker, status):
    with reverts(NOT_OWNER):
        identity.set_registrar(attacker, status, sender=attacker)
    with reverts(NOT_OWNER):
        identity.set_registrar(issuer, status, sender=attacker)
    assert identity.is_registrar(issuer)
    assert not identity.is_registrar(attacker)


@pytest.mark.parametrize("status", [True, False], ids=["appoint", "remove"])
def test_zero_address_cannot_be_a_registrar(identity, issuer, status):
    with reverts("identity: registrar is the zero address"):
        identity.set_registrar(ZERO, status, sender=issuer)


# --- two-step ownership ------------------------------------------------------------------------
def test_ownership_moves_in_two_steps(identity, issuer, operator, registrar):
    receipt = identity.transfer_ownership(operator, sender=issuer)
    assert [e.name for e in receipt.events] == ["OwnershipTransferStarted"]
    assert receipt.filter("OwnershipTransferStarted")[0].args == {
        "previous_owner": issuer.address,
        "new_owner": operator.address,
    }
    assert identity.owner() == issuer.address
    assert identity.pending_owner() == operator.address
    identity.set_registrar(registrar, True, sender=issuer)  # still the owner until accepted
    receipt = identity.accept_ownership(sender=operator)
    assert [e.name for e in receipt.events] == ["OwnershipTransferred"]
    assert receipt.filter("OwnershipTransferred")[0].args == {
        "previous_owner": issuer.address,
        "new_owner": operator.address,
    }
    assert identity.owner() == operator.address
    assert identity.pending_owner() == ZERO
    identity.set_registrar(registrar, False, sender=operator)
    with reverts(NOT_OWNER):
        identity.set_registrar(registrar, True, sender=issuer)


def test_only_the_pending_owner_can_accept(identity, issuer, operator, attacker):
    with reverts(NOT_NEW_OWNER):
        identity.accept_ownership(sender=attacker)
    identity.transfer_ownership(operator, sender=issuer)
    with reverts(NOT_NEW_OWNER):
        identity.accept_ownership(sender=attacker)
    with reverts(NOT_NEW_OWNER):
        identity.accept_ownership(sender=issuer)
    assert identity.owner() == issuer.address
    assert identity.pending_owner() == operator.address


def test_only_the_owner_starts_an_ownership_transfer(identity, issuer, attacker):
    with reverts(NOT_OWNER):
        identity.transfer_ownership(attacker, sender=attacker)
    assert identity.pending_owner() == ZERO


def test_owner_cancels_or_redirects_a_pending_transfer(identity, issuer, operator, attacker):
    identity.transfer_ownership(attacker, sender=issuer)
    identity.transfer_ownership(operator, sender=issuer)
    with reverts(NOT_NEW_OWNER):
        identity.accept_ownership(sender=attacker)
    identity.transfer_ownership(ZERO, sender=issuer)
    with reverts(NOT_NEW_OWNER):
        identity.accept_ownership(sender=operator)
    assert identity.owner() == issuer.address


def test_ownership_handover_leaves_registrars_as_they_were(backend, identity, issuer, operator, investor):
    identity.transfer_ownership(operator, sender=issuer)
    identity.accept_ownership(sender=operator)
    # the new owner is no registrar until it appoints itself; the old one stays one until removed
    assert not identity.is_registrar(operator)
    with reverts(NOT_REGISTRAR):
        identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=operator)
    identity.set_verified(investor, backend.pending_timestamp + YEAR, sender=issuer)
    identity.set_registrar(operator, True, sender=operator)
    identity.set_registrar(issuer, False, sender=operator)
    with reverts(NOT_REGISTRAR):
        identity.revoke(investor, sender=issuer)
    identity.revoke(investor, sender=operator)
    assert not identity.is_verified(investor)
