"""Settlement.skim and owed (issue #15 item 10): stablecoin sent to Settlement other than by a
deposit, a reservation or a payment goes to the treasury, by anyone's call; what Settlement owes
(`owed()`: every prepaid balance, reservation and earnings, the fee pool included) never moves."""

from computerwa.client.vouchers import Voucher
from computerwa.evm.chain import reverts
from computerwa.models.settlement import split
from tests.conftest import FEE_BPS
from tests.unitary.settlement.conftest import (
    DOLLAR,
    HOUR,
    SHARE,
    TRANSFER_FEE_BPS,
    deploy_settlement,
    register,
    signed_batch,
)

STRAY = 37 * DOLLAR + 3
NOTHING_TO_SKIM = "settlement: nothing to skim"


def views_total(settlement, payers, nodes, earners) -> int:
    """What the public views say Settlement owes: the free balances, the reservations and the
    earnings of every account that has any (the lists must name them all)."""
    return (
        sum(settlement.prepaid(p) for p in payers)
        + sum(settlement.reservation(p, n) for p in payers for n in nodes)
        + sum(settlement.earnings(e) for e in earners)
    )


def test_stablecoin_sent_to_settlement_is_not_stranded(stablecoin, settlement, customer, attacker, treasury, prepaid):
    """Issue #15 item 10: a transfer straight to Settlement was nobody's, forever."""
    stablecoin.transfer(settlement, STRAY, sender=customer)
    receipt = settlement.skim(sender=attacker)  # anyone may call it: it moves only the excess
    assert receipt.return_value == STRAY
    assert receipt.filter("Skimmed")[0].args == {"receiver": treasury.address, "amount": STRAY}
    assert stablecoin.balanceOf(treasury) == STRAY
    assert stablecoin.balanceOf(settlement) == prepaid == settlement.owed()
    assert stablecoin.balanceOf(attacker) == 0
    with reverts(NOTHING_TO_SKIM):
        settlement.skim(sender=attacker)


def test_skim_never_moves_a_unit_owed(
    stablecoin, settlement, domain, customer, operator, second_operator, treasury, relayer, node, second_node,
    voucher, prepaid, mine_at,
):  # fmt: skip
    """Free balances, a reservation, a pending withdrawal, operator earnings and the fee pool:
    after every skim Settlement holds exactly `owed()`, and every owed unit is paid out later."""
    with reverts(NOTHING_TO_SKIM):
        settlement.skim(sender=relayer)
    settlement.reserve(node, 2_000 * DOLLAR, sender=customer)
    batch = [voucher(node, 1_500 * DOLLAR + 7), voucher(second_node, 333 * DOLLAR + 1)]
    settlement.settle(*signed_batch(domain, batch, customer), sender=relayer)
    settlement.request_withdrawal(100 * DOLLAR, sender=customer)
    owed = views_total(settlement, [customer], [node, second_node], [operator, second_operator, treasury])
    assert settlement.owed() == owed == stablecoin.balanceOf(settlement)
    assert owed == prepaid - split(1_500 * DOLLAR + 7, FEE_BPS, SHARE)[2] - split(333 * DOLLAR + 1, FEE_BPS, 1_500)[2]
    with reverts(NOTHING_TO_SKIM):
        settlement.skim(sender=relayer)
    stablecoin.transfer(settlement, 1, sender=customer)
    assert settlement.skim(sender=relayer).return_value == 1
    assert stablecoin.balanceOf(settlement) == owed == settlement.owed()

    # everything owed still leaves in full: the earnings, the withdrawal, the rest of the balance
    paid_out = 0
    for earner in (operator, second_operator, treasury):
        paid_out += settlement.withdraw_earnings(earner, sender=earner).return_value
        assert settlement.owed() == owed - paid_out == stablecoin.balanceOf(settlement)
    mine_at(settlement.withdrawal_request(customer)[1])
    paid_out += settlement.withdraw(customer, sender=customer).return_value
    assert settlement.owed() == owed - paid_out == stablecoin.balanceOf(settlement)
    settlement.release(node, settlement.reservation(customer, node), sender=customer)
    settlement.request_withdrawal(settlement.prepaid(customer), sender=customer)
    mine_at(settlement.release_request(customer, node)[1])
    settlement.complete_release(node, sender=customer)
    assert settlement.owed() == owed - paid_out  # a release moves owed money, it does not pay it
    settlement.request_withdrawal(settlement.prepaid(customer), sender=customer)
    mine_at(settlement.withdrawal_request(customer)[1])
    settlement.withdraw(customer, sender=customer)
    assert settlement.owed() == 0 == stablecoin.balanceOf(settlement)


def test_owed_follows_every_inflow(
    stablecoin, settlement, customer, second_customer, relayer, node, authorize, prepaid
):
    """A deposit (plain, by authorization) adds what arrived; a reservation moves owed money."""
    assert settlement.owed() == prepaid
    settlement.deposit_with_authorization(
        second_customer.address, *authorize(second_customer, 5).args(), sender=relayer
    )
    assert settlement.owed() == prepaid + 5 == stablecoin.balanceOf(settlement)
    settlement.reserve(node, 3, sender=customer)  # moves owed money: owed() unchanged
    assert settlement.owed() == prepaid + 5


def test_skim_works_while_paused_and_pays_the_current_treasury(
    stablecoin, settlement, customer, issuer, receiver, relayer, prepaid
):
    settlement.pause(sender=issuer)
    settlement.set_treasury(receiver, sender=issuer)
    stablecoin.transfer(settlement, STRAY, sender=customer)
    receipt = settlement.skim(sender=relayer)
    assert receipt.filter("Skimmed")[0].args == {"receiver": receiver, "amount": STRAY}
    assert stablecoin.balanceOf(receiver) == STRAY
    assert stablecoin.balanceOf(settlement) == prepaid


def test_a_fee_on_transfer_token_skims_exactly_the_excess(fee_suite, customer, treasury, relayer):
    """What arrived is owed (99 of 100 units); a stray transfer's arrival is the excess, and
    the treasury receives it less the token's own fee."""
    token, settlement = fee_suite.token, fee_suite.settlement
    before = token.balanceOf(settlement)  # other tests' deposits may be here: all owed
    assert settlement.owed() == before
    token.approve(settlement, 100 * DOLLAR, sender=customer)
    credited = settlement.deposit(100 * DOLLAR, sender=customer).return_value
    assert credited == 100 * DOLLAR - 100 * DOLLAR * TRANSFER_FEE_BPS // 10_000
    assert settlement.owed() == before + credited == token.balanceOf(settlement)
    token.transfer(settlement, STRAY, sender=customer)
    excess = STRAY - STRAY * TRANSFER_FEE_BPS // 10_000
    treasury_before = token.balanceOf(treasury)
    assert settlement.skim(sender=relayer).return_value == excess
    assert token.balanceOf(settlement) == settlement.owed() == before + credited
    assert token.balanceOf(treasury) - treasury_before == excess - excess * TRANSFER_FEE_BPS // 10_000
    with reverts(NOTHING_TO_SKIM):
        settlement.skim(sender=relayer)


def test_a_token_that_returns_nothing_is_skimmed(
    backend, make_registry, silent_token, operator, treasury, issuer, customer, relayer
):
    registry = make_registry(silent_token)
    node = register(registry, operator, SHARE)
    settlement = deploy_settlement(backend, silent_token, registry, treasury, issuer, withdrawal_delay=0)
    silent_token.mint(customer, 2 * DOLLAR + STRAY, sender=customer)
    silent_token.approve(settlement, 2 * DOLLAR, sender=customer)
    settlement.deposit(2 * DOLLAR, sender=customer)
    silent_token.transfer(settlement, STRAY, sender=customer)
    receipt = settlement.skim(sender=relayer)
    assert receipt.filter("Skimmed")[0].args == {"receiver": treasury.address, "amount": STRAY}
    assert silent_token.balanceOf(treasury) == STRAY
    assert silent_token.balanceOf(settlement) == 2 * DOLLAR == settlement.owed()
    assert node  # the node exists: the deployment is a real one


def test_skim_refuses_a_token_that_answers_false(backend, false_token, registry, treasury, issuer, customer, relayer):
    settlement = deploy_settlement(backend, false_token, registry, treasury, issuer, withdrawal_delay=0)
    false_token.mint(customer, DOLLAR + STRAY, sender=issuer)
    false_token.approve(settlement, DOLLAR, sender=customer)
    settlement.deposit(DOLLAR, sender=customer)
    false_token.transfer(settlement, STRAY, sender=customer)
    false_token.set_failing(True, sender=issuer)
    with reverts("settlement: transfer failed"):
        settlement.skim(sender=relayer)
    assert false_token.balanceOf(settlement) == DOLLAR + STRAY


def test_a_stray_transfer_never_pays_a_voucher(backend, stablecoin, settlement, domain, customer, relayer, node):
    """Stablecoin sent straight to Settlement credits nobody: a voucher of a payer without a
    balance is still underfunded, whatever Settlement holds beyond what it owes."""
    stablecoin.transfer(settlement, STRAY, sender=customer)
    signed = Voucher(customer.address, node, DOLLAR, backend.pending_timestamp + HOUR)
    receipt = settlement.settle(*signed_batch(domain, [signed], customer), sender=relayer)
    assert receipt.return_value == 0
    assert settlement.owed() == 0
    assert settlement.skim(sender=relayer).return_value == STRAY
