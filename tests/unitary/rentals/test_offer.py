"""NodeRegistry's rental offer: `set_rental` (the operator's, bounded, evented) and `rental`."""

import pytest

from computerwa.evm.chain import reverts
from tests.unitary.rentals.conftest import FEE_BPS, NOTICE, PRICE, UNITS
from tests.unitary.rentals.reasons import (
    REGISTRY_FEE,
    REGISTRY_NOT_OPERATOR,
    REGISTRY_NOTICE,
    REGISTRY_PRICE,
    REGISTRY_UNITS,
    REGISTRY_UNKNOWN_NODE,
)


def test_the_operator_sets_the_offer_a_booking_reads(registry, operator, rentals):
    assert registry.rental(1) == (UNITS, PRICE, FEE_BPS, NOTICE, 1, 1)  # active, the first version
    receipt = registry.set_rental(1, 511, 2**79 - 1, 10_000, 720, sender=operator)
    [event] = receipt.filter("RentalOfferSet")
    assert event.args["node_id"] == 1
    assert (event.args["units"], event.args["price_per_unit_hour"]) == (511, 2**79 - 1)
    assert (event.args["cancellation_fee_bps"], event.args["notice_hours"]) == (10_000, 720)
    assert event.args["version"] == 2
    assert registry.rental(1) == (511, 2**79 - 1, 10_000, 720, 1, 2)
    assert rentals.rent(1, 511, 168) == 511 * (2**79 - 1) * 168  # below 2**96: a booking's fees fit
    registry.set_status(1, 2, sender=operator)  # the status changes, the offer and its version stay
    assert registry.rental(1) == (511, 2**79 - 1, 10_000, 720, 2, 2)
    registry.set_status(1, 3, sender=operator)
    assert registry.rental(1) == (511, 2**79 - 1, 10_000, 720, 3, 2)
    assert registry.rental(2) == (0, 0, 0, 0, 0, 0)


def test_a_new_node_is_active_and_not_offered(registry, operator):
    from tests.conftest import NODE_REGION

    node = registry.register_node(NODE_REGION, "L40S", 4, 1_000, 3_000, 9_900, "ipfs://new", sender=operator)
    assert registry.rental(node.return_value) == (0, 0, 0, 0, 1, 0)


@pytest.mark.parametrize(
    "args, reason",
    [
        ((512, PRICE, FEE_BPS, NOTICE), REGISTRY_UNITS),
        ((UNITS, 2**79, FEE_BPS, NOTICE), REGISTRY_PRICE),
        ((UNITS, PRICE, 10_001, NOTICE), REGISTRY_FEE),
        ((UNITS, PRICE, FEE_BPS, 721), REGISTRY_NOTICE),
    ],
)
def test_an_offer_out_of_bounds_is_refused(registry, operator, args, reason):
    with reverts(reason):
        registry.set_rental(1, *args, sender=operator)


def test_only_the_nodes_operator_sets_its_offer(registry, attacker, operator):
    with reverts(REGISTRY_NOT_OPERATOR):
        registry.set_rental(1, 1, 1, 0, 0, sender=attacker)
    with reverts(REGISTRY_UNKNOWN_NODE):
        registry.set_rental(2, 1, 1, 0, 0, sender=operator)
