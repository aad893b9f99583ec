"""MockStablecoin as a plain ERC-20: metadata, transfer, approve, transferFrom."""

from computerwa.evm.chain import reverts
from computerwa.evm.codec import as_address
from tests.conftest import CUSTOMER_FUNDS, OPERATOR_FUNDS, STABLE_NAME, STABLE_SYMBOL

ZERO = "0x" + "00" * 20


def test_metadata_is_a_six_decimal_dollar(stablecoin, issuer):
    assert stablecoin.name() == STABLE_NAME
    assert stablecoin.symbol() == STABLE_SYMBOL
    assert stablecoin.decimals() == 6
    assert stablecoin.owner() == issuer.address
    assert stablecoin.totalSupply() == CUSTOMER_FUNDS + OPERATOR_FUNDS


def test_transfer_moves_balance_and_logs(stablecoin, customer, operator):
    receipt = stablecoin.transfer(operator, 250, sender=customer)
    assert stablecoin.balanceOf(customer) == CUSTOMER_FUNDS - 250
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS + 250
    [event] = receipt.filter("Transfer")
    assert event.args == {"sender": customer.address, "receiver": operator.address, "value": 250}


def test_self_transfer_changes_nothing(stablecoin, customer):
    stablecoin.transfer(customer, 1_000, sender=customer)
    assert stablecoin.balanceOf(customer) == CUSTOMER_FUNDS


def test_transfer_more_than_balance_reverts(stablecoin, operator, customer):
    with reverts("erc20: transfer amount exceeds balance"):
        stablecoin.transfer(customer, OPERATOR_FUNDS + 1, sender=operator)


def test_transfer_to_zero_address_reverts(stablecoin, customer):
    with reverts("erc20: transfer to the zero address"):
        stablecoin.transfer(ZERO, 1, sender=customer)


def test_approve_sets_allowance_and_logs(stablecoin, customer, relayer):
    receipt = stablecoin.approve(relayer, 500, sender=customer)
    assert stablecoin.allowance(customer, relayer) == 500
    [event] = receipt.filter("Approval")
    assert event.args == {"owner": customer.address, "spender": relayer.address, "value": 500}


def test_approve_zero_address_reverts(stablecoin, customer):
    with reverts("erc20: approve to the zero address"):
        stablecoin.approve(ZERO, 1, sender=customer)


def test_transfer_from_spends_allowance(stablecoin, customer, relayer, operator):
    stablecoin.approve(relayer, 500, sender=customer)
    stablecoin.transferFrom(customer, operator, 200, sender=relayer)
    assert stablecoin.allowance(customer, relayer) == 300
    assert stablecoin.balanceOf(operator) == OPERATOR_FUNDS + 200


def test_infinite_allowance_is_not_spent(stablecoin, customer, relayer, operator):
    stablecoin.approve(relayer, 2**256 - 1, sender=customer)
    stablecoin.transferFrom(customer, operator, 200, sender=relayer)
    assert stablecoin.allowance(customer, relayer) == 2**256 - 1


def test_transfer_from_beyond_allowance_reverts(stablecoin, customer, relayer, operator):
    stablecoin.approve(relayer, 100, sender=customer)
    with reverts("erc20: insufficient allowance"):
        stablecoin.transferFrom(customer, operator, 101, sender=relayer)


def test_transfer_from_without_allowance_reverts(stablecoin, customer, attacker):
    with reverts("erc20: insufficient allowance"):
        stablecoin.transferFrom(customer, attacker, 1, sender=attacker)


def test_addresses_come_back_checksummed(stablecoin, customer):
    assert stablecoin.owner() == as_address(stablecoin.owner().lower())
