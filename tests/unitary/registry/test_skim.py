"""NodeRegistry.skim and set_treasury: stablecoin the registry does not owe (sent to it other
than through `post_bond`) goes to the treasury, by anyone's call; what it owes (`bonds_held`:
every node's bond at risk plus its pending request) never moves. Issue #15 item 10."""

import pytest

from computerwa.evm.chain import reverts
from computerwa.models.registry import slash_amount
from tests.conftest import BOND_DELAY, ONE_DOLLAR, PAST_EPOCHS, SLASH_BPS
from tests.unitary.registry.conftest import (
    BOND,
    NOT_OWNER,
    NOTHING_TO_SKIM,
    TRANSFER_FAILED,
    TREASURY_ZERO,
    node_of,
)

EPOCH = PAST_EPOCHS - 1
STRAY = 37 * ONE_DOLLAR


def test_stablecoin_sent_to_the_registry_is_not_stranded(registry, bonded, stablecoin, operator, attacker, treasury):
    """Issue #15 item 10: a transfer straight to the registry was nobody's, forever."""
    stablecoin.transfer(registry, STRAY, sender=operator)
    receipt = registry.skim(sender=attacker)  # anyone may call it: it moves only the excess
    assert receipt.return_value == STRAY
    assert receipt.filter("Skimmed")[0].args == {"receiver": treasury.address, "amount": STRAY}
    assert stablecoin.balanceOf(treasury) == STRAY
    assert stablecoin.balanceOf(registry) == BOND == registry.bonds_held()
    assert stablecoin.balanceOf(attacker) == 0


def test_skim_never_moves_a_unit_owed(
    backend, registry, bonded, register, post_bond, stablecoin, operator, second_operator, report_uptime, relayer
):
    """Bonds at risk, a pending request and what slashes left: after every skim the registry
    still holds exactly what it owes, and every owed unit is paid out later in full."""
    with reverts(NOTHING_TO_SKIM):
        registry.skim(sender=relayer)
    second = register(sender=second_operator).return_value
    stablecoin.transfer(second_operator, 100 * ONE_DOLLAR, sender=operator)
    post_bond(registry, second, 60 * ONE_DOLLAR, second_operator)
    registry.request_bond_withdrawal(bonded, 200 * ONE_DOLLAR, sender=operator)
    report_uptime(bonded, EPOCH, 0)
    registry.slash(bonded, EPOCH, sender=relayer)
    owed = BOND + 60 * ONE_DOLLAR - slash_amount(BOND, SLASH_BPS)
    assert registry.bonds_held() == owed == stablecoin.balanceOf(registry)
    with reverts(NOTHING_TO_SKIM):
        registry.skim(sender=relayer)
    stablecoin.transfer(registry, 1, sender=second_operator)
    assert registry.skim(sender=relayer).return_value == 1
    assert stablecoin.balanceOf(registry) == owed
    with reverts(NOTHING_TO_SKIM):
        registry.skim(sender=relayer)
    # everything owed still leaves in full: the request, then the rest of both bonds
    backend.sleep(BOND_DELAY)
    report_uptime(bonded, EPOCH + 1, 10_000)
    requested = registry.bond_withdrawal(bonded)[0]
    assert registry.withdraw_bond(bonded, operator, sender=operator).return_value == requested
    assert registry.bonds_held() == owed - requested == stablecoin.balanceOf(registry)
    assert node_of(registry, bonded).bond + node_of(registry, second).bond == owed - requested


def test_bonds_held_is_every_nodes_bond_and_request(registry, bonded, post_bond, operator, stablecoin):
    assert registry.bonds_held() == BOND
    post_bond(registry, bonded, 3, operator)
    registry.request_bond_withdrawal(bonded, 100, sender=operator)
    assert registry.bonds_held() == BOND + 3 == node_of(registry, bonded).bond + registry.bond_withdrawal(bonded)[0]


@pytest.mark.parametrize("bond", [0, BOND // 2])
def test_a_fee_on_transfer_token_skims_exactly_the_excess(backend, node_in, operator, treasury, issuer, bond):
    fee_token = backend.deploy("MockFeeToken", 100, sender=operator)  # burns 1% of every transfer
    registry, _ = node_in(fee_token, bond=bond)
    registry.set_treasury(treasury, sender=issuer)
    owed = bond - bond // 100
    assert registry.bonds_held() == owed == fee_token.balanceOf(registry)
    fee_token.transfer(registry, STRAY, sender=operator)
    excess = STRAY - STRAY // 100
    assert registry.skim(sender=operator).return_value == excess
    assert fee_token.balanceOf(registry) == owed
    assert fee_token.balanceOf(treasury) == excess - excess // 100
    with reverts(NOTHING_TO_SKIM):
        registry.skim(sender=operator)


def test_a_token_that_returns_nothing_is_skimmed(node_in, silent_token, operator, treasury, issuer):
    registry, _ = node_in(silent_token, bond=BOND // 2)
    registry.set_treasury(treasury, sender=issuer)
    silent_token.transfer(registry, STRAY, sender=operator)
    receipt = registry.skim(sender=operator)
    assert receipt.filter("Skimmed")[0].args == {"receiver": treasury.address, "amount": STRAY}
    assert silent_token.balanceOf(treasury) == STRAY
    assert silent_token.balanceOf(registry) == BOND // 2 == registry.bonds_held()


def test_skim_refuses_a_token_that_answers_false(node_in, false_token, operator):
    registry, _ = node_in(false_token, bond=BOND // 2)
    false_token.transfer(registry, STRAY, sender=operator)
    false_token.set_failing(True, sender=operator)
    with reverts(TRANSFER_FAILED):
        registry.skim(sender=operator)


# --- set_treasury -----------------------------------------------------------------------------------
def test_the_deployer_is_the_first_treasury_until_the_owner_sets_another(
    make_registry, stablecoin, issuer, treasury, attacker
):
    registry = make_registry(stablecoin)
    assert registry.treasury() == issuer.address
    receipt = registry.set_treasury(treasury, sender=issuer)
    assert receipt.filter("TreasurySet")[0].args == {"treasury": treasury.address}
    assert registry.treasury() == treasury.address
    with reverts(NOT_OWNER):
        registry.set_treasury(attacker, sender=attacker)
    with reverts(TREASURY_ZERO):
        registry.set_treasury("0x" + "00" * 20, sender=issuer)
    assert registry.treasury() == treasury.address


def test_the_suite_registry_skims_to_the_settlement_treasury(registry, settlement, treasury):
    assert registry.treasury() == settlement.treasury() == treasury.address
