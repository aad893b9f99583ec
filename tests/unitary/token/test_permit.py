"""EIP-712 on ComputeToken: the EIP-5267 domain and EIP-2612 permit, signed by eth_account.
A permit only sets an allowance; moving the shares stays subject to compliance."""

import pytest

from computerwa.client import signing
from computerwa.client.signing import Domain
from computerwa.evm.chain import reverts
from tests.unitary.token.conftest import MESSAGES, SHARE

HOUR = 3_600
INVALID_SIGNATURE = "erc20: invalid signature"


@pytest.fixture
def domain(compute_token):
    return Domain.of(compute_token)


def _permit(token, domain, owner, spender, value, deadline, nonce=None):
    nonce = token.nonces(owner) if nonce is None else nonce
    return signing.sign(owner, signing.permit(domain, owner.address, spender.address, value, nonce, deadline))


def test_eip5267_domain_names_this_token_on_this_chain(compute_token, backend):
    fields, name, version, chain_id, verifying_contract, salt, extensions = compute_token.eip712Domain()
    assert fields == b"\x0f"
    assert (name, version, chain_id, verifying_contract) == (
        "ComputeRWA Node 1",
        "1",
        backend.chain_id,
        compute_token.address,
    )
    assert salt == b"\x00" * 32
    assert extensions == ()


def test_domain_separator_equals_eth_account_encoding(compute_token, domain, investor):
    document = signing.permit(domain, investor.address, investor.address, 0, 0, 0)
    assert compute_token.DOMAIN_SEPARATOR() == signing.encode(document).header


def test_permit_sets_allowance_and_spends_the_nonce(backend, compute_token, domain, investor, relayer):
    deadline = backend.pending_timestamp + HOUR
    sig = _permit(compute_token, domain, investor, relayer, 7 * SHARE, deadline)
    receipt = compute_token.permit(investor, relayer, 7 * SHARE, deadline, *sig.vrs, sender=relayer)
    assert compute_token.allowance(investor, relayer) == 7 * SHARE
    assert compute_token.nonces(investor) == 1
    assert receipt.filter("Approval")[0].args == {
        "owner": investor.address,
        "spender": relayer.address,
        "value": 7 * SHARE,
    }


def test_permitted_spender_moves_shares_within_compliance(
    backend, compute_token, domain, minter, investor, holder, operator, relayer
):
    compute_token.mint(investor, 10 * SHARE, sender=minter)
    deadline = backend.pending_timestamp + HOUR
    sig = _permit(compute_token, domain, investor, relayer, 10 * SHARE, deadline)
    compute_token.permit(investor, relayer, 10 * SHARE, deadline, *sig.vrs, sender=relayer)
    compute_token.transferFrom(investor, holder, 4 * SHARE, sender=relayer)
    assert compute_token.balanceOf(holder) == 4 * SHARE
    with reverts(MESSAGES[5]):
        compute_token.transferFrom(investor, operator, SHARE, sender=relayer)


def test_permit_at_its_deadline_is_accepted(backend, compute_token, domain, investor, relayer):
    deadline = backend.pending_timestamp + 5
    sig = _permit(compute_token, domain, investor, relayer, 1, deadline)
    backend.pending_timestamp = deadline
    compute_token.permit(investor, relayer, 1, deadline, *sig.vrs, sender=relayer)
    assert compute_token.allowance(investor, relayer) == 1


def test_permit_after_its_deadline_reverts(backend, compute_token, domain, investor, relayer):
    deadline = backend.pending_timestamp + 5
    sig = _permit(compute_token, domain, investor, relayer, 1, deadline)
    backend.pending_timestamp = deadline + 1
    with reverts("erc20: expired deadline"):
        compute_token.permit(investor, relayer, 1, deadline, *sig.vrs, sender=relayer)


def test_permit_replay_reverts(backend, compute_token, domain, investor, relayer):
    deadline = backend.pending_timestamp + HOUR
    sig = _permit(compute_token, domain, investor, relayer, 5, deadline)
    compute_token.permit(investor, relayer, 5, deadline, *sig.vrs, sender=relayer)
    with reverts(INVALID_SIGNATURE):
        compute_token.permit(investor, relayer, 5, deadline, *sig.vrs, sender=relayer)


def test_permit_signed_by_someone_else_reverts(backend, compute_token, domain, investor, attacker):
    deadline = backend.pending_timestamp + HOUR
    forged = signing.sign(attacker, signing.permit(domain, investor.address, attacker.address, 10**24, 0, deadline))
    with reverts(INVALID_SIGNATURE):
        compute_token.permit(investor, attacker, 10**24, deadline, *forged.vrs, sender=attacker)


def test_permit_with_a_tampered_amount_reverts(backend, compute_token, domain, investor, relayer):
    deadline = backend.pending_timestamp + HOUR
    sig = _permit(compute_token, domain, investor, relayer, 5, deadline)
    with reverts(INVALID_SIGNATURE):
        compute_token.permit(investor, relayer, 6, deadline, *sig.vrs, sender=relayer)


def test_permit_high_s_reverts(backend, compute_token, domain, investor, relayer):
    deadline = backend.pending_timestamp + HOUR
    sig = signing.malleate(_permit(compute_token, domain, investor, relayer, 5, deadline))
    with reverts("ecdsa: invalid signature `s` value"):
        compute_token.permit(investor, relayer, 5, deadline, *sig.vrs, sender=relayer)


def test_permit_for_another_token_reverts(backend, compute_token, stablecoin, investor, relayer):
    # the same owner, spender, value and nonce, signed for the stablecoin's domain
    deadline = backend.pending_timestamp + HOUR
    sig = _permit(compute_token, Domain.of(stablecoin), investor, relayer, 5, deadline)
    with reverts(INVALID_SIGNATURE):
        compute_token.permit(investor, relayer, 5, deadline, *sig.vrs, sender=relayer)


def test_permit_for_another_chain_reverts(backend, compute_token, domain, investor, relayer):
    deadline = backend.pending_timestamp + HOUR
    other_chain = Domain(domain.name, domain.version, domain.chain_id + 1, domain.verifying_contract)
    sig = signing.sign(investor, signing.permit(other_chain, investor.address, relayer.address, 5, 0, deadline))
    with reverts(INVALID_SIGNATURE):
        compute_token.permit(investor, relayer, 5, deadline, *sig.vrs, sender=relayer)
