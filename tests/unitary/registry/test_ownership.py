"""NodeRegistry ownership (snekmate ownable_2step): the owner is every new node token's
admin, agent and minter."""

from computerwa.evm.chain import reverts
from tests.unitary.registry.conftest import NOT_NEW_OWNER, NOT_OWNER, ZERO, node_of


def test_ownership_moves_in_two_steps(registry, issuer, investor):
    started = registry.transfer_ownership(investor, sender=issuer)
    assert started.filter("OwnershipTransferStarted")[0].args == {
        "previous_owner": issuer.address,
        "new_owner": investor.address,
    }
    assert registry.owner() == issuer.address
    assert registry.pending_owner() == investor.address
    accepted = registry.accept_ownership(sender=investor)
    assert accepted.filter("OwnershipTransferred")[0].args == {
        "previous_owner": issuer.address,
        "new_owner": investor.address,
    }
    assert registry.owner() == investor.address
    assert registry.pending_owner() == ZERO


def test_only_the_owner_starts_a_transfer(registry, issuer, attacker):
    with reverts(NOT_OWNER):
        registry.transfer_ownership(attacker, sender=attacker)
    assert registry.pending_owner() == ZERO


def test_only_the_pending_owner_accepts(registry, issuer, investor, attacker):
    registry.transfer_ownership(investor, sender=issuer)
    for caller in (attacker, issuer):
        with reverts(NOT_NEW_OWNER):
            registry.accept_ownership(sender=caller)
    assert registry.owner() == issuer.address


def test_accept_without_a_pending_transfer_is_refused(registry, attacker):
    with reverts(NOT_NEW_OWNER):
        registry.accept_ownership(sender=attacker)


def test_a_pending_transfer_is_cancelled_by_the_zero_address(registry, issuer, investor):
    registry.transfer_ownership(investor, sender=issuer)
    registry.transfer_ownership(ZERO, sender=issuer)
    assert registry.pending_owner() == ZERO
    with reverts(NOT_NEW_OWNER):
        registry.accept_ownership(sender=investor)


def test_the_former_owner_loses_control(registry, issuer, investor):
    registry.transfer_ownership(investor, sender=issuer)
    registry.accept_ownership(sender=investor)
    with reverts(NOT_OWNER):
        registry.transfer_ownership(issuer, sender=issuer)


def test_the_new_owner_holds_the_roles_of_tokens_registered_afterwards(backend, registry, register, issuer, investor):
    before = backend.at("ComputeToken", node_of(registry, register().return_value).token)
    registry.transfer_ownership(investor, sender=issuer)
    pending = backend.at("ComputeToken", node_of(registry, register().return_value).token)
    registry.accept_ownership(sender=investor)
    after = backend.at("ComputeToken", node_of(registry, register().return_value).token)
    # a token's roles are fixed when it is created: only acceptance changes who gets them
    for token in (before, pending):
        assert token.owner() == issuer.address
        assert token.is_agent(issuer) and token.is_minter(issuer)
        assert not token.is_agent(investor) and not token.is_minter(investor)
    assert after.owner() == investor.address
    assert after.is_agent(investor) and after.is_minter(investor)
    assert not after.is_agent(issuer) and not after.is_minter(issuer)
