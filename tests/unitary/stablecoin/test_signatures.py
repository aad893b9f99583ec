"""EIP-712 on MockStablecoin: EIP-5267 domain, EIP-2612 permit, EIP-3009 authorizations.

Every signature is made by eth_account (`Account.sign_typed_data`) from typed data; the
contract's digests are proven equal to eth_account's `encode_typed_data` by comparing the
domain separator and by the contract recovering exactly the signer.
"""

import pytest

from computerwa.client import signing
from computerwa.client.signing import Domain
from computerwa.evm.chain import reverts
from tests.conftest import CUSTOMER_FUNDS, OPERATOR_FUNDS, STABLE_NAME

HOUR = 3_600
INVALID_SIGNATURE = "stablecoin: invalid signature"
USED = "stablecoin: authorization is used or canceled"


@pytest.fixture
def domain(stablecoin):
    return Domain.of(stablecoin)


def test_eip5267_domain_names_this_token_on_this_chain(stablecoin, backend):
    fields, name, version, chain_id, verifying_contract, salt, extensions = stablecoin.eip712Domain()
    assert fields == b"\x0f"
    assert (name, version, chain_id, verifying_contract) == (STABLE_NAME, "1", backend.chain_id, stablecoin.address)
    assert salt == b"\x00" * 32
    assert extensions == ()


def test_domain_separator_equals_eth_account_encoding(stablecoin, domain, customer):
    document = signing.permit(domain, customer.address, customer.address, 0, 0, 0)
    assert stablecoin.DOMAIN_SEPARATOR() == signing.encode(document).header


# --- permit -----------------------------------------------------------------------------------
def _permit(stablecoin, domain, owner, spender, value, deadline, nonce=None):
    nonce = stablecoin.nonces(owner) if nonce is None else nonce
    return signing.sign(owner, signing.permit(domain, owner.address, spender.address, value, nonce, deadline))


def test_permit_by_eth_account_signature_sets_allowance(backend, stablecoin, domain, customer, relayer):
    deadline = backend.pending_timestamp + HOUR
    sig = _permit(stablecoin, domain, customer, relayer, 1_234, deadline)
    receipt = stablecoin.permit(customer, relayer, 1_234, deadline, *sig.vrs, sender=relayer)
    assert stablecoin.allowance(customer, relayer) == 1_234
    assert stablecoin.nonces(customer) == 1
    assert receipt.filter("Approval")[0].args == {"owner": customer.address, "spender": relayer.address, "value": 1_234}


def test_permit_at_its_deadline_is_accepted(backend, stablecoin, domain, customer, relayer):
    deadline = backend.pending_timestamp
    sig = _permit(stablecoin, domain, customer, relayer, 1, deadline)
    stablecoin.permit(customer, relayer, 1, deadline, *sig.vrs, sender=relayer)
    assert stablecoin.allowance(customer, relayer) == 1


def test_permit_after_deadline_reverts(backend, stablecoin, domain, customer, relayer):
    deadline = backend.pending_timestamp - 1
    sig = _permit(stablecoin, domain, customer, relayer, 1, deadline)
    with reverts("stablecoin: permit expired"):
        stablecoin.permit(customer, relayer, 1, deadline, *sig.vrs, sender=relayer)


def test_permit_replay_reverts(backend, stablecoin, domain, customer, relayer):
    deadline = backend.pending_timestamp + HOUR
    sig = _permit(stablecoin, domain, customer, relayer, 5, deadline)
    stablecoin.permit(customer, relayer, 5, deadline, *sig.vrs, sender=relayer)
    with reverts(INVALID_SIGNATURE):
        stablecoin.permit(customer, relayer, 5, deadline, *sig.vrs, sender=relayer)


def test_permit_signed_by_someone_else_reverts(backend, stablecoin, domain, customer, relayer, attacker):
    deadline = backend.pending_timestamp + HOUR
    forged = signing.sign(attacker, signing.permit(domain, customer.address, attacker.address, 10**12, 0, deadline))
    with reverts(INVALID_SIGNATURE):
        stablecoin.permit(customer, attacker, 10**12, deadline, *forged.vrs, sender=attacker)


def test_permit_with_tampered_amount_reverts(backend, stablecoin, domain, customer, relayer):
    deadline = backend.pending_timestamp + HOUR
    sig = _permit(stablecoin, domain, customer, relayer, 5, deadline)
    with reverts(INVALID_SIGNATURE):
        stablecoin.permit(customer, relayer, 6, deadline, *sig.vrs, sender=relayer)


def test_permit_high_s_reverts(backend, stablecoin, domain, customer, relayer):
    deadline = backend.pending_timestamp + HOUR
    sig = signing.malleate(_permit(stablecoin, domain, customer, relayer, 5, deadline))
    with reverts("ecdsa: invalid signature `s` value"):
        stablecoin.permit(customer, relayer, 5, deadline, *sig.vrs, sender=relayer)


def test_permit_unrecoverable_signature_reverts(backend, stablecoin, customer, relayer):
    deadline = backend.pending_timestamp + HOUR
    with reverts("ecdsa: invalid signature"):
        stablecoin.permit(customer, relayer, 5, deadline, 0, b"\x01" * 32, b"\x01" * 32, sender=relayer)


def test_permit_for_another_chain_reverts(backend, stablecoin, domain, customer, relayer):
    deadline = backend.pending_timestamp + HOUR
    other_chain = Domain(domain.name, domain.version, domain.chain_id + 1, domain.verifying_contract)
    sig = signing.sign(customer, signing.permit(other_chain, customer.address, relayer.address, 5, 0, deadline))
    with reverts(INVALID_SIGNATURE):
        stablecoin.permit(customer, relayer, 5, deadline, *sig.vrs, sender=relayer)


def test_permit_for_another_contract_reverts(backend, stablecoin, domain, customer, relayer):
    deadline = backend.pending_timestamp + HOUR
    other = Domain(domain.name, domain.version, domain.chain_id, relayer.address)
    sig = signing.sign(customer, signing.permit(other, customer.address, relayer.address, 5, 0, deadline))
    with reverts(INVALID_SIGNATURE):
        stablecoin.permit(customer, relayer, 5, deadline, *sig.vrs, sender=relayer)


def test_permit_refused_while_paused_or_blacklisted(backend, stablecoin, domain, issuer, customer, relayer):
    deadline = backend.pending_timestamp + HOUR
    sig = _permit(stablecoin, domain, customer, relayer, 5, deadline)
    stablecoin.blacklist(customer, sender=issuer)
    with reverts("stablecoin: account is blacklisted"):
        stablecoin.permit(customer, relayer, 5, deadline, *sig.vrs, sender=relayer)
    stablecoin.unblacklist(customer, sender=issuer)
    stablecoin.blacklist(relayer, sender=issuer)
    with reverts("stablecoin: account is blacklisted"):
        stablecoin.permit(customer, relayer, 5, deadline, *sig.vrs, sender=relayer)
    stablecoin.unblacklist(relayer, sender=issuer)
    stablecoin.pause(sender=issuer)
    with reverts("pausable: contract is paused"):
        stablecoin.permit(customer, relayer, 5, deadline, *sig.vrs, sender=relayer)
    stablecoin.unpause(sender=issuer)
    stablecoin.permit(customer, relayer, 5, deadline, *sig.vrs, sender=relayer)
    assert stablecoin.allowance(customer, relayer) == 5


# --- EIP-3009 -----------------------------------------------------------------------------------
def _authorize(backend, domain, payer, payee, value, receive=False, nonce=None, after=None, before=None):
    now = backend.pending_timestamp
    after = now - 1 if after is None else after
    before = now + HOUR if before is None else before
    nonce = nonce or signing.random_nonce()
    sig = signing.sign(
        payer, signing.authorization(domain, payer.address, payee.address, value, after, before, nonce, receive)
    )
    return (payer, payee, value, after, before, nonce, *sig.vrs)


@pytest.mark.parametrize("receive", [False, True], ids=["transfer", "receive"])
def test_authorization_moves_funds_once(backend, stablecoin, domain, customer, operator, relayer, receive):
    args = _authorize(backend, domain, customer, operator, 777, receive=receive)
    fn = stablecoin.receiveWithAuthorization if receive else stablecoin.transferWithAuthorization
    submitter = operator if receive else relayer
    nonce = args[5]
    assert not stablecoin.authorizationState(customer, nonce)
    receipt = fn(*args, sender=submitter)
    assert stablecoin.authorizationState(customer, nonce)
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS + 777
    assert stablecoin.balanceOf(customer) == CUSTOMER_FUNDS - 777
    assert [e.name for e in receipt.events] == ["AuthorizationUsed", "Transfer"]
    assert receipt.filter("AuthorizationUsed")[0].args == {"authorizer": customer.address, "nonce": nonce}
    with reverts(USED):
        fn(*args, sender=submitter)


def test_receive_with_authorization_must_be_called_by_payee(backend, stablecoin, domain, customer, operator, relayer):
    args = _authorize(backend, domain, customer, operator, 1, receive=True)
    with reverts("stablecoin: caller must be the payee"):
        stablecoin.receiveWithAuthorization(*args, sender=relayer)


def test_transfer_authorization_is_not_a_receive_authorization(backend, stablecoin, domain, customer, operator):
    args = _authorize(backend, domain, customer, operator, 1, receive=False)
    with reverts(INVALID_SIGNATURE):
        stablecoin.receiveWithAuthorization(*args, sender=operator)


def test_receive_authorization_cannot_be_submitted_as_a_transfer(
    backend, stablecoin, domain, customer, operator, relayer
):
    # the point of ReceiveWithAuthorization: a relayer who sees it cannot push it through
    args = _authorize(backend, domain, customer, operator, 1, receive=True)
    with reverts(INVALID_SIGNATURE):
        stablecoin.transferWithAuthorization(*args, sender=relayer)
    assert not stablecoin.authorizationState(customer, args[5])


def test_authorization_to_the_zero_address_reverts(backend, stablecoin, domain, customer, relayer):
    from eth_account import Account

    nobody = Account.from_key(b"\x01" * 32)
    zero = type("Zero", (), {"address": "0x" + "00" * 20, "key": nobody.key})()
    args = _authorize(backend, domain, customer, zero, 1)
    with reverts("erc20: transfer to the zero address"):
        stablecoin.transferWithAuthorization(*args, sender=relayer)


def test_authorization_not_yet_valid_reverts(backend, stablecoin, domain, customer, operator, relayer):
    now = backend.pending_timestamp
    args = _authorize(backend, domain, customer, operator, 1, after=now)
    with reverts("stablecoin: authorization is not yet valid"):
        stablecoin.transferWithAuthorization(*args, sender=relayer)
    backend.sleep(1)
    stablecoin.transferWithAuthorization(*args, sender=relayer)


def test_authorization_expired_reverts(backend, stablecoin, domain, customer, operator, relayer):
    now = backend.pending_timestamp
    args = _authorize(backend, domain, customer, operator, 1, after=0, before=now + 10)
    backend.sleep(10)
    with reverts("stablecoin: authorization is expired"):
        stablecoin.transferWithAuthorization(*args, sender=relayer)


def test_authorization_by_wrong_signer_reverts(backend, stablecoin, domain, customer, operator, attacker):
    now = backend.pending_timestamp
    nonce = signing.random_nonce()
    forged = signing.sign(
        attacker, signing.authorization(domain, customer.address, attacker.address, 10, 0, now + HOUR, nonce)
    )
    with reverts(INVALID_SIGNATURE):
        stablecoin.transferWithAuthorization(customer, attacker, 10, 0, now + HOUR, nonce, *forged.vrs, sender=attacker)


def test_authorization_with_tampered_payee_reverts(backend, stablecoin, domain, customer, operator, attacker):
    payer, _, value, after, before, nonce, v, r, s = _authorize(backend, domain, customer, operator, 10)
    with reverts(INVALID_SIGNATURE):
        stablecoin.transferWithAuthorization(payer, attacker, value, after, before, nonce, v, r, s, sender=attacker)


def test_authorization_high_s_reverts(backend, stablecoin, domain, customer, operator, relayer):
    payer, payee, value, after, before, nonce, v, r, s = _authorize(backend, domain, customer, operator, 10)
    high = signing.malleate(signing.Signature(v, r, s))
    with reverts("ecdsa: invalid signature `s` value"):
        stablecoin.transferWithAuthorization(payer, payee, value, after, before, nonce, *high.vrs, sender=relayer)


def test_authorization_for_another_chain_reverts(backend, stablecoin, domain, customer, operator, relayer):
    other = Domain(domain.name, domain.version, domain.chain_id + 1, domain.verifying_contract)
    args = _authorize(backend, other, customer, operator, 10)
    with reverts(INVALID_SIGNATURE):
        stablecoin.transferWithAuthorization(*args, sender=relayer)


def test_authorization_refused_while_paused_or_blacklisted(backend, stablecoin, domain, issuer, customer, operator):
    args = _authorize(backend, domain, customer, operator, 10, receive=True)
    stablecoin.blacklist(customer, sender=issuer)
    with reverts("stablecoin: account is blacklisted"):
        stablecoin.receiveWithAuthorization(*args, sender=operator)
    stablecoin.unblacklist(customer, sender=issuer)
    stablecoin.pause(sender=issuer)
    with reverts("pausable: contract is paused"):
        stablecoin.receiveWithAuthorization(*args, sender=operator)
    stablecoin.unpause(sender=issuer)
    stablecoin.receiveWithAuthorization(*args, sender=operator)
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS + 10


def test_authorization_beyond_balance_reverts_and_keeps_nonce(backend, stablecoin, domain, operator, customer, relayer):
    args = _authorize(backend, domain, operator, customer, OPERATOR_FUNDS + 1)
    with reverts("erc20: transfer amount exceeds balance"):
        stablecoin.transferWithAuthorization(*args, sender=relayer)
    assert not stablecoin.authorizationState(operator, args[5])


# --- cancelAuthorization ------------------------------------------------------------------------
def test_cancelled_authorization_can_never_be_used(backend, stablecoin, domain, customer, operator, relayer):
    args = _authorize(backend, domain, customer, operator, 10)
    nonce = args[5]
    cancel = signing.sign(customer, signing.cancel_authorization(domain, customer.address, nonce))
    receipt = stablecoin.cancelAuthorization(customer, nonce, *cancel.vrs, sender=relayer)
    assert receipt.filter("AuthorizationCanceled")[0].args == {"authorizer": customer.address, "nonce": nonce}
    assert stablecoin.authorizationState(customer, nonce)
    with reverts(USED):
        stablecoin.transferWithAuthorization(*args, sender=relayer)
    with reverts(USED):
        stablecoin.cancelAuthorization(customer, nonce, *cancel.vrs, sender=relayer)


def test_used_authorization_cannot_be_cancelled(backend, stablecoin, domain, customer, operator, relayer):
    args = _authorize(backend, domain, customer, operator, 10)
    stablecoin.transferWithAuthorization(*args, sender=relayer)
    cancel = signing.sign(customer, signing.cancel_authorization(domain, customer.address, args[5]))
    with reverts(USED):
        stablecoin.cancelAuthorization(customer, args[5], *cancel.vrs, sender=relayer)


def test_cancel_by_someone_else_reverts(stablecoin, domain, customer, attacker):
    nonce = signing.random_nonce()
    forged = signing.sign(attacker, signing.cancel_authorization(domain, customer.address, nonce))
    with reverts(INVALID_SIGNATURE):
        stablecoin.cancelAuthorization(customer, nonce, *forged.vrs, sender=attacker)


def test_cancel_signed_for_another_chain_reverts(stablecoin, domain, customer, relayer):
    nonce = signing.random_nonce()
    other = Domain(domain.name, domain.version, domain.chain_id + 1, domain.verifying_contract)
    cancel = signing.sign(customer, signing.cancel_authorization(other, customer.address, nonce))
    with reverts(INVALID_SIGNATURE):
        stablecoin.cancelAuthorization(customer, nonce, *cancel.vrs, sender=relayer)


def test_cancel_refused_while_paused(stablecoin, domain, issuer, customer):
    nonce = signing.random_nonce()
    cancel = signing.sign(customer, signing.cancel_authorization(domain, customer.address, nonce))
    stablecoin.pause(sender=issuer)
    with reverts("pausable: contract is paused"):
        stablecoin.cancelAuthorization(customer, nonce, *cancel.vrs, sender=customer)
