"""Settlement.deposit, deposit_with_permit and deposit_with_authorization: prepaid balances.

Permits are EIP-2612 documents from computerwa.client.signing.permit and authorizations EIP-3009
ReceiveWithAuthorization documents, both signed by eth_account.
"""

from computerwa.client.signing import permit, sign
from computerwa.evm.chain import reverts
from tests.unitary.settlement.conftest import DOLLAR, HOUR, INSUFFICIENT_ALLOWANCE, INVALID_SIGNATURE

AMOUNT = 1_234_567_891


def deposited(receipt):
    return [e.args for e in receipt.filter("Deposited")]


# --- deposit ---------------------------------------------------------------------------------------
def test_deposit_credits_the_payer_and_pulls_its_stablecoin(stablecoin, settlement, customer):
    before = stablecoin.balanceOf(customer)
    stablecoin.approve(settlement, AMOUNT, sender=customer)
    receipt = settlement.deposit(AMOUNT, sender=customer)
    assert receipt.return_value == AMOUNT
    assert deposited(receipt) == [
        {"payer": customer.address, "sender": customer.address, "amount": AMOUNT, "balance": AMOUNT}
    ]
    assert settlement.available(customer) == AMOUNT
    assert stablecoin.balanceOf(customer) == before - AMOUNT
    assert stablecoin.balanceOf(settlement) == AMOUNT
    assert stablecoin.allowance(customer, settlement) == 0


def test_deposits_add_up_and_the_event_reports_the_new_balance(stablecoin, settlement, customer):
    stablecoin.approve(settlement, 3 * AMOUNT, sender=customer)
    settlement.deposit(AMOUNT, sender=customer)
    receipt = settlement.deposit(2 * AMOUNT, sender=customer)
    assert deposited(receipt)[0]["balance"] == 3 * AMOUNT
    assert settlement.available(customer) == 3 * AMOUNT


def test_deposit_of_nothing_is_refused(stablecoin, settlement, customer):
    stablecoin.approve(settlement, AMOUNT, sender=customer)
    with reverts("settlement: nothing to deposit"):
        settlement.deposit(0, sender=customer)


def test_deposit_without_allowance_fails_with_the_stablecoins_reason(settlement, customer):
    with reverts(INSUFFICIENT_ALLOWANCE):
        settlement.deposit(AMOUNT, sender=customer)
    assert settlement.available(customer) == 0


def test_deposit_above_the_payers_balance_fails_and_credits_nothing(stablecoin, settlement, customer):
    funds = stablecoin.balanceOf(customer)
    stablecoin.approve(settlement, funds + 1, sender=customer)
    with reverts():
        settlement.deposit(funds + 1, sender=customer)
    assert settlement.available(customer) == 0


# --- deposit_with_permit --------------------------------------------------------------------------
def signed_permit(backend, stablecoin, stable_domain, owner, spender, value, deadline=None, nonce=None):
    deadline = backend.pending_timestamp + HOUR if deadline is None else deadline
    nonce = stablecoin.nonces(owner.address) if nonce is None else nonce
    signature = sign(owner, permit(stable_domain, owner.address, spender, value, nonce, deadline))
    return deadline, signature


def test_deposit_with_permit_approves_and_deposits_in_one_call(
    backend, stablecoin, stable_domain, settlement, customer
):
    deadline, signature = signed_permit(backend, stablecoin, stable_domain, customer, settlement.address, AMOUNT)
    receipt = settlement.deposit_with_permit(AMOUNT, deadline, *signature.vrs, sender=customer)
    assert receipt.return_value == AMOUNT
    assert deposited(receipt)[0] == {
        "payer": customer.address,
        "sender": customer.address,
        "amount": AMOUNT,
        "balance": AMOUNT,
    }
    assert settlement.available(customer) == AMOUNT
    assert stablecoin.nonces(customer) == 1
    assert stablecoin.allowance(customer, settlement) == 0


def test_deposit_with_a_permit_a_front_runner_already_used_still_deposits(
    backend, stablecoin, stable_domain, settlement, customer, attacker
):
    deadline, signature = signed_permit(backend, stablecoin, stable_domain, customer, settlement.address, AMOUNT)
    stablecoin.permit(customer, settlement, AMOUNT, deadline, *signature.vrs, sender=attacker)
    receipt = settlement.deposit_with_permit(AMOUNT, deadline, *signature.vrs, sender=customer)
    assert receipt.return_value == AMOUNT
    assert settlement.available(customer) == AMOUNT
    assert stablecoin.nonces(customer) == 1


def test_deposit_with_a_bad_permit_and_an_existing_allowance_deposits(stablecoin, settlement, customer):
    stablecoin.approve(settlement, AMOUNT, sender=customer)
    receipt = settlement.deposit_with_permit(AMOUNT, 0, 27, b"\x00" * 32, b"\x00" * 32, sender=customer)
    assert receipt.return_value == AMOUNT
    assert settlement.available(customer) == AMOUNT


def test_deposit_with_a_bad_permit_and_no_allowance_fails_with_the_stablecoins_reason(
    backend, stablecoin, stable_domain, settlement, customer, attacker
):
    # signed by someone else: the stablecoin's permit refuses it, nothing is pulled
    deadline, signature = signed_permit(
        backend, stablecoin, stable_domain, attacker, settlement.address, AMOUNT, nonce=stablecoin.nonces(customer)
    )
    with reverts(INVALID_SIGNATURE):
        settlement.deposit_with_permit(AMOUNT, deadline, *signature.vrs, sender=customer)
    assert settlement.available(customer) == 0
    assert stablecoin.allowance(customer, settlement) == 0


def test_deposit_above_a_front_run_permits_value_retries_the_spent_permit_and_fails(
    backend, stablecoin, stable_domain, settlement, customer, attacker
):
    # a front-runner used a permit for less: the allowance is short, so the permit is tried
    # again (its nonce is spent) and refused
    deadline, signature = signed_permit(backend, stablecoin, stable_domain, customer, settlement.address, AMOUNT - 1)
    stablecoin.permit(customer, settlement, AMOUNT - 1, deadline, *signature.vrs, sender=attacker)
    with reverts(INVALID_SIGNATURE):
        settlement.deposit_with_permit(AMOUNT, deadline, *signature.vrs, sender=customer)
    assert settlement.available(customer) == 0


def test_deposit_with_an_expired_permit_fails_with_the_stablecoins_reason(
    backend, stablecoin, stable_domain, settlement, customer
):
    deadline, signature = signed_permit(
        backend, stablecoin, stable_domain, customer, settlement.address, AMOUNT, deadline=backend.pending_timestamp - 1
    )
    with reverts("stablecoin: permit expired"):
        settlement.deposit_with_permit(AMOUNT, deadline, *signature.vrs, sender=customer)


def test_deposit_with_permit_of_nothing_is_refused(backend, stablecoin, stable_domain, settlement, customer):
    deadline, signature = signed_permit(backend, stablecoin, stable_domain, customer, settlement.address, 0)
    with reverts("settlement: nothing to deposit"):
        settlement.deposit_with_permit(0, deadline, *signature.vrs, sender=customer)


# --- deposit_with_authorization --------------------------------------------------------------------
def test_anyone_submits_a_receive_authorization_and_the_payer_is_credited(
    stablecoin, settlement, second_customer, relayer, authorize
):
    authorized = authorize(second_customer, AMOUNT)
    receipt = settlement.deposit_with_authorization(second_customer.address, *authorized.args(), sender=relayer)
    assert receipt.return_value == AMOUNT
    assert deposited(receipt) == [
        {"payer": second_customer.address, "sender": relayer.address, "amount": AMOUNT, "balance": AMOUNT}
    ]
    assert settlement.available(second_customer.address) == AMOUNT
    assert settlement.available(relayer) == 0
    assert stablecoin.balanceOf(settlement) == AMOUNT
    assert stablecoin.authorizationState(second_customer.address, authorized.nonce)


def test_deposit_authorization_cannot_be_replayed(settlement, second_customer, relayer, authorize):
    authorized = authorize(second_customer, AMOUNT)
    settlement.deposit_with_authorization(second_customer.address, *authorized.args(), sender=relayer)
    with reverts("stablecoin: authorization is used or canceled"):
        settlement.deposit_with_authorization(second_customer.address, *authorized.args(), sender=relayer)
    assert settlement.available(second_customer.address) == AMOUNT


def test_deposit_authorization_credits_only_its_signer(settlement, second_customer, customer, relayer, authorize):
    authorized = authorize(second_customer, AMOUNT)
    with reverts(INVALID_SIGNATURE):
        settlement.deposit_with_authorization(customer.address, *authorized.args(), sender=relayer)


def test_deposit_authorization_to_someone_else_is_refused(settlement, second_customer, relayer, attacker, authorize):
    authorized = authorize(second_customer, AMOUNT, to=attacker.address)
    with reverts(INVALID_SIGNATURE):
        settlement.deposit_with_authorization(second_customer.address, *authorized.args(), sender=relayer)


def test_deposit_authorization_of_nothing_is_refused(settlement, second_customer, relayer, authorize):
    with reverts("settlement: nothing to pay"):
        settlement.deposit_with_authorization(
            second_customer.address, *authorize(second_customer, 0).args(), sender=relayer
        )


def test_deposit_authorization_outside_its_window_is_refused(backend, settlement, second_customer, relayer, authorize):
    now = backend.pending_timestamp
    early = authorize(second_customer, DOLLAR, valid_after=now)
    with reverts("stablecoin: authorization is not yet valid"):
        settlement.deposit_with_authorization(second_customer.address, *early.args(), sender=relayer)
    late = authorize(second_customer, DOLLAR, valid_before=backend.pending_timestamp)
    with reverts("stablecoin: authorization is expired"):
        settlement.deposit_with_authorization(second_customer.address, *late.args(), sender=relayer)
