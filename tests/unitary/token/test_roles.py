"""The token admin: roles, restricted mode, identity registry, documents, two-step ownership."""

import pytest
from eth_utils import keccak

from computerwa.evm.chain import reverts
from tests.unitary.token.conftest import NOT_NEW_OWNER, NOT_OWNER, SHARE, ZERO

NEW_DOCUMENTS = b"\xd0" * 32

ADMIN_CALLS = [
    pytest.param(lambda t, who: t.set_agent(who, True, sender=who), id="set_agent"),
    pytest.param(lambda t, who: t.set_minter(who, True, sender=who), id="set_minter"),
    pytest.param(lambda t, who: t.set_restricted(False, sender=who), id="set_restricted"),
    pytest.param(lambda t, who: t.set_identity_registry(who, sender=who), id="set_identity_registry"),
    pytest.param(lambda t, who: t.set_documents_hash(NEW_DOCUMENTS, sender=who), id="set_documents_hash"),
    pytest.param(lambda t, who: t.transfer_ownership(who, sender=who), id="transfer_ownership"),
]


@pytest.mark.parametrize("call", ADMIN_CALLS)
@pytest.mark.parametrize("caller", ["agent", "minter", "attacker"])
def test_admin_functions_refuse_everyone_else(compute_token, call, caller, request):
    with reverts(NOT_OWNER):
        call(compute_token, request.getfixturevalue(caller))


# --- roles ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["agent", "minter"])
def test_admin_grants_and_revokes_a_role_with_events(compute_token, issuer, operator, role):
    setter = getattr(compute_token, f"set_{role}")
    has_role = getattr(compute_token, f"is_{role}")
    receipt = setter(operator, True, sender=issuer)
    assert has_role(operator)
    # `role` is an indexed string: its topic is the keccak of the name
    assert receipt.filter("RoleSet")[0].args == {
        "role": keccak(text=role),
        "account": operator.address,
        "status": True,
        "admin": issuer.address,
    }
    receipt = setter(operator, False, sender=issuer)
    assert not has_role(operator)
    assert receipt.filter("RoleSet")[0].args == {
        "role": keccak(text=role),
        "account": operator.address,
        "status": False,
        "admin": issuer.address,
    }


@pytest.mark.parametrize("role", ["agent", "minter"])
def test_role_for_the_zero_address_is_refused(compute_token, issuer, role):
    with reverts("compute_token: role for the zero address"):
        getattr(compute_token, f"set_{role}")(ZERO, True, sender=issuer)


def test_a_new_agent_can_act_and_a_new_minter_can_mint(compute_token, issuer, operator, investor):
    compute_token.set_agent(operator, True, sender=issuer)
    compute_token.set_minter(operator, True, sender=issuer)
    compute_token.mint(investor, SHARE, sender=operator)
    compute_token.freeze(investor, sender=operator)
    assert compute_token.is_frozen(investor)
    assert compute_token.balanceOf(investor) == SHARE


# --- settings ------------------------------------------------------------------------------------
def test_set_restricted_logs_the_mode(compute_token, issuer):
    receipt = compute_token.set_restricted(False, sender=issuer)
    assert not compute_token.restricted()
    assert receipt.filter("RestrictedSet")[0].args == {"restricted": False}
    receipt = compute_token.set_restricted(True, sender=issuer)
    assert compute_token.restricted()
    assert receipt.filter("RestrictedSet")[0].args == {"restricted": True}


def test_set_identity_registry_points_at_the_new_allowlist(backend, compute_token, issuer, investor, operator):
    registry = backend.deploy("IdentityRegistry", sender=issuer)
    registry.set_verified(investor, 2**40, sender=issuer)
    registry.set_verified(operator, 2**40, sender=issuer)
    receipt = compute_token.set_identity_registry(registry, sender=issuer)
    assert compute_token.identity_registry() == registry.address
    assert receipt.filter("IdentityRegistrySet")[0].args == {"identity_registry": registry.address}
    # the operator is verified in the new registry only
    assert compute_token.detect_transfer_restriction(investor, operator, SHARE) == 0


def test_set_identity_registry_to_the_zero_address_is_refused(compute_token, issuer):
    with reverts("compute_token: registry is the zero address"):
        compute_token.set_identity_registry(ZERO, sender=issuer)


def test_set_documents_hash_records_the_new_pack(compute_token, issuer):
    receipt = compute_token.set_documents_hash(NEW_DOCUMENTS, sender=issuer)
    assert compute_token.documents_hash() == NEW_DOCUMENTS
    assert receipt.filter("DocumentsHashSet")[0].args == {"documents_hash": NEW_DOCUMENTS}


# --- two-step ownership --------------------------------------------------------------------------
def test_ownership_moves_in_two_steps(compute_token, issuer, operator):
    receipt = compute_token.transfer_ownership(operator, sender=issuer)
    assert compute_token.pending_owner() == operator.address
    assert compute_token.owner() == issuer.address
    assert receipt.filter("OwnershipTransferStarted")[0].args == {
        "previous_owner": issuer.address,
        "new_owner": operator.address,
    }
    receipt = compute_token.accept_ownership(sender=operator)
    assert compute_token.owner() == operator.address
    assert compute_token.pending_owner() == ZERO
    assert receipt.filter("OwnershipTransferred")[0].args == {
        "previous_owner": issuer.address,
        "new_owner": operator.address,
    }


def test_only_the_pending_owner_accepts(compute_token, issuer, operator, attacker):
    with reverts(NOT_NEW_OWNER):
        compute_token.accept_ownership(sender=attacker)
    compute_token.transfer_ownership(operator, sender=issuer)
    with reverts(NOT_NEW_OWNER):
        compute_token.accept_ownership(sender=attacker)
    with reverts(NOT_NEW_OWNER):
        compute_token.accept_ownership(sender=issuer)


def test_former_admin_loses_and_new_admin_gains_the_settings(compute_token, issuer, operator):
    compute_token.transfer_ownership(operator, sender=issuer)
    compute_token.accept_ownership(sender=operator)
    with reverts(NOT_OWNER):
        compute_token.set_restricted(False, sender=issuer)
    compute_token.set_restricted(False, sender=operator)
    assert not compute_token.restricted()


def test_pending_transfer_can_be_cancelled(compute_token, issuer, operator):
    compute_token.transfer_ownership(operator, sender=issuer)
    compute_token.transfer_ownership(ZERO, sender=issuer)
    with reverts(NOT_NEW_OWNER):
        compute_token.accept_ownership(sender=operator)
    assert compute_token.owner() == issuer.address


def test_admin_is_not_an_agent_by_default(compute_token, issuer, investor):
    assert not compute_token.is_agent(issuer)
    with reverts("compute_token: caller is not an agent"):
        compute_token.freeze(investor, sender=issuer)
