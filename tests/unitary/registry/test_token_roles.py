"""NodeRegistry.set_token_agent, set_token_minter, token_agent and token_minter: the agent and
minter the registry gives every node token it creates (issue #15 item 12). Unset, they are the
registry's owner (so one key may still hold every role); set, each is an address of its own,
and a token's admin stays the registry's owner."""

from computerwa.evm.chain import reverts
from tests.unitary.registry.conftest import AGENT_ZERO, MINTER_ZERO, NOT_OWNER, ZERO, node_of


def _token(backend, registry, register):
    return backend.at("ComputeToken", node_of(registry, register().return_value).token)


def test_the_issuer_does_not_hold_the_token_roles_it_handed_out(backend, registry, register, issuer, agent, minter):
    """Issue #15 item 12: every node token's agent and minter was the registry's owner."""
    registry.set_token_agent(agent, sender=issuer)
    registry.set_token_minter(minter, sender=issuer)
    token = _token(backend, registry, register)
    assert token.owner() == issuer.address
    assert token.is_agent(agent) and not token.is_agent(issuer)
    assert token.is_minter(minter) and not token.is_minter(issuer)


def test_unset_token_roles_are_the_owner(backend, registry, register, issuer, investor):
    assert registry.token_agent() == registry.token_minter() == issuer.address
    registry.transfer_ownership(investor, sender=issuer)
    registry.accept_ownership(sender=investor)
    assert registry.token_agent() == registry.token_minter() == investor.address


def test_set_token_agent_logs_and_applies_to_tokens_registered_afterwards(
    backend, registry, register, issuer, agent, minter
):
    before = _token(backend, registry, register)
    receipt = registry.set_token_agent(agent, sender=issuer)
    assert receipt.filter("TokenAgentSet")[0].args == {"agent": agent.address}
    assert registry.token_agent() == agent.address
    assert registry.token_minter() == issuer.address
    after = _token(backend, registry, register)
    assert before.is_agent(issuer) and not before.is_agent(agent)  # a token's roles are fixed at creation
    assert after.is_agent(agent) and not after.is_agent(issuer)
    assert after.is_minter(issuer) and after.owner() == issuer.address


def test_set_token_minter_logs_and_applies_to_tokens_registered_afterwards(
    backend, registry, register, issuer, agent, minter
):
    receipt = registry.set_token_minter(minter, sender=issuer)
    assert receipt.filter("TokenMinterSet")[0].args == {"minter": minter.address}
    assert registry.token_minter() == minter.address
    assert registry.token_agent() == issuer.address
    after = _token(backend, registry, register)
    assert after.is_minter(minter) and not after.is_minter(issuer)
    assert after.is_agent(issuer) and after.owner() == issuer.address


def test_a_set_role_stays_when_the_owner_changes(backend, registry, register, issuer, investor, agent, minter):
    registry.set_token_agent(agent, sender=issuer)
    registry.set_token_minter(minter, sender=issuer)
    registry.transfer_ownership(investor, sender=issuer)
    registry.accept_ownership(sender=investor)
    token = _token(backend, registry, register)
    assert token.owner() == investor.address
    assert token.is_agent(agent) and token.is_minter(minter)
    assert not token.is_agent(investor) and not token.is_minter(investor)


def test_only_the_owner_sets_the_token_roles(registry, attacker, agent):
    with reverts(NOT_OWNER):
        registry.set_token_agent(attacker, sender=attacker)
    with reverts(NOT_OWNER):
        registry.set_token_minter(attacker, sender=attacker)
    with reverts(NOT_OWNER):
        registry.set_token_agent(agent, sender=agent)


def test_the_zero_address_is_refused_as_a_token_role(registry, issuer):
    with reverts(AGENT_ZERO):
        registry.set_token_agent(ZERO, sender=issuer)
    with reverts(MINTER_ZERO):
        registry.set_token_minter(ZERO, sender=issuer)
    assert registry.token_agent() == registry.token_minter() == issuer.address
