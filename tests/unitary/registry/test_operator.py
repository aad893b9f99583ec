"""NodeRegistry.set_price and set_status: the operator's controls over its node."""

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.evm.chain import reverts
from tests.unitary.registry.conftest import (
    ACTIVE,
    FIRST_EPOCH,
    NOT_OPERATOR,
    PAUSED,
    PRICE,
    RETIRED,
    RETIRED_NODE,
    UNKNOWN_NODE,
    UNKNOWN_STATUS,
    node_of,
)


# --- set_price ---------------------------------------------------------------------------------
def test_operator_sets_its_price_with_an_event(registry, node, operator):
    receipt = registry.set_price(node, 40_000, sender=operator)
    assert [event.name for event in receipt.events] == ["PriceSet"]
    assert receipt.events[0].args == {"node_id": node, "price_per_unit": 40_000}
    assert node_of(registry, node).price_per_unit == 40_000


@pytest.mark.parametrize("price", [0, 1, 2**256 - 1])
def test_any_price_is_accepted_and_only_the_price_changes(registry, node, operator, price):
    before = node_of(registry, node)
    registry.set_price(node, price, sender=operator)
    assert node_of(registry, node) == before._replace(price_per_unit=price)


@pytest.mark.parametrize("caller", ["attacker", "issuer", "investor"])
def test_only_the_operator_sets_the_price(request, registry, node, caller):
    with reverts(NOT_OPERATOR):
        registry.set_price(node, 1, sender=request.getfixturevalue(caller))
    assert node_of(registry, node).price_per_unit == PRICE


def test_an_operator_cannot_price_another_operators_node(registry, register, operator, investor):
    register(sender=operator)
    theirs = register(sender=investor).return_value
    with reverts(NOT_OPERATOR):
        registry.set_price(theirs, 1, sender=operator)


@pytest.mark.parametrize("node_id", [0, 2, 2**256 - 1])
def test_set_price_refuses_an_unknown_node(registry, node, operator, node_id):
    with reverts(UNKNOWN_NODE):
        registry.set_price(node_id, 1, sender=operator)


def test_a_retired_node_can_still_be_repriced(registry, node, operator):
    registry.set_status(node, RETIRED, sender=operator)
    registry.set_price(node, 7, sender=operator)
    assert node_of(registry, node).price_per_unit == 7


# --- set_status --------------------------------------------------------------------------------
def test_operator_pauses_its_node_with_an_event(registry, node, operator):
    receipt = registry.set_status(node, PAUSED, sender=operator)
    assert [event.name for event in receipt.events] == ["StatusSet"]
    assert receipt.events[0].args == {"node_id": node, "status": PAUSED}
    assert node_of(registry, node).status == PAUSED


def test_a_paused_node_can_be_resumed(registry, node, operator):
    registry.set_status(node, PAUSED, sender=operator)
    receipt = registry.set_status(node, ACTIVE, sender=operator)
    assert receipt.filter("StatusSet")[0].args == {"node_id": node, "status": ACTIVE}
    assert node_of(registry, node).status == ACTIVE


@pytest.mark.parametrize("status", [ACTIVE, PAUSED])
def test_setting_the_current_status_again_is_accepted_and_logged(registry, node, operator, status):
    registry.set_status(node, status, sender=operator)
    receipt = registry.set_status(node, status, sender=operator)
    assert receipt.filter("StatusSet")[0].args == {"node_id": node, "status": status}


@pytest.mark.parametrize("status", [ACTIVE, PAUSED, RETIRED])
def test_status_changes_keep_the_token_shares_and_sla_packed_beside_it(registry, node, operator, status):
    before = node_of(registry, node)
    payee = registry.payee(node)
    registry.set_status(node, PAUSED if status == ACTIVE else ACTIVE, sender=operator)
    registry.set_status(node, status, sender=operator)
    assert node_of(registry, node) == before._replace(status=status)
    assert registry.payee(node) == payee
    # the judged cursor (an odd epoch here) is packed right above the status
    assert registry.judged_until(node) == FIRST_EPOCH


@pytest.mark.parametrize("status", [ACTIVE, PAUSED])
def test_retiring_is_final(registry, node, operator, status):
    registry.set_status(node, PAUSED, sender=operator)
    receipt = registry.set_status(node, RETIRED, sender=operator)
    assert receipt.filter("StatusSet")[0].args == {"node_id": node, "status": RETIRED}
    for again in (ACTIVE, PAUSED, RETIRED):
        with reverts(RETIRED_NODE):
            registry.set_status(node, again, sender=operator)
    assert node_of(registry, node).status == RETIRED


@pytest.mark.parametrize("status", [0, 4, 255])
def test_set_status_refuses_an_unknown_status(registry, node, operator, status):
    with reverts(UNKNOWN_STATUS):
        registry.set_status(node, status, sender=operator)
    assert node_of(registry, node).status == ACTIVE


def test_an_unknown_status_is_refused_before_retirement_is_checked(registry, node, operator):
    registry.set_status(node, RETIRED, sender=operator)
    with reverts(UNKNOWN_STATUS):
        registry.set_status(node, 0, sender=operator)


@pytest.mark.parametrize("caller", ["attacker", "issuer"])
def test_only_the_operator_sets_the_status(request, registry, node, caller):
    with reverts(NOT_OPERATOR):
        registry.set_status(node, RETIRED, sender=request.getfixturevalue(caller))
    assert node_of(registry, node).status == ACTIVE


@pytest.mark.parametrize("node_id", [0, 2])
def test_set_status_refuses_an_unknown_node(registry, node, operator, node_id):
    with reverts(UNKNOWN_NODE):
        registry.set_status(node_id, PAUSED, sender=operator)


def test_retiring_one_node_leaves_the_operators_other_nodes_alone(registry, register, operator):
    first = register().return_value
    second = register().return_value
    registry.set_status(first, RETIRED, sender=operator)
    assert node_of(registry, second).status == ACTIVE
    registry.set_status(second, PAUSED, sender=operator)
    assert node_of(registry, second).status == PAUSED


def test_a_contract_the_operator_drives_is_not_the_operator(backend, registry, node, operator):
    # the operator is the registering account itself: its smart account, calling for it, is not
    wallet = backend.deploy("MockWallet", operator.address, sender=operator)
    call = keccak(text="set_price(uint256,uint256)")[:4] + abi_encode(["uint256", "uint256"], [node, 40_000])
    with reverts(NOT_OPERATOR):
        wallet.execute(registry, call, sender=operator)
    assert node_of(registry, node).price_per_unit == PRICE
