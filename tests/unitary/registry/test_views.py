"""NodeRegistry views: node, payee, nodes_in_region, node_count, bond_withdrawal, slashed."""

import pytest

from tests.conftest import NODE_REGION
from tests.unitary.registry.conftest import (
    EMPTY_NODE,
    NO_REQUEST,
    OPERATOR_SHARE_BPS,
    RETIRED,
    ZERO,
    node_of,
)

UNKNOWN_IDS = [0, 2, 2**256 - 1]


@pytest.mark.parametrize("node_id", UNKNOWN_IDS)
def test_an_unknown_node_reads_all_zero(registry, node, node_id):
    assert node_of(registry, node_id) == EMPTY_NODE


@pytest.mark.parametrize("node_id", UNKNOWN_IDS)
def test_an_unknown_node_has_no_payee(registry, node, node_id):
    assert registry.payee(node_id) == (ZERO, ZERO, 0)


def test_payee_is_the_token_the_operator_and_its_share(registry, register, operator, investor, suite_factory):
    register(sender=operator)
    register(sender=investor, operator_share_bps=9_000)
    assert registry.payee(1) == (suite_factory.token_of(registry, 1), operator.address, OPERATOR_SHARE_BPS)
    assert registry.payee(2) == (suite_factory.token_of(registry, 2), investor.address, 9_000)


def test_a_zero_operator_share_reads_zero(registry, register, operator, suite_factory):
    register(operator_share_bps=0)
    assert registry.payee(1) == (suite_factory.token_of(registry, 1), operator.address, 0)


def test_node_count_counts_registrations(registry, register):
    assert registry.node_count() == 0
    register()
    register(region="europe-west")
    assert registry.node_count() == 2


def test_nodes_in_region_lists_ids_in_registration_order(registry, register):
    for region in ("asia-southeast", "europe-west", "asia-southeast", "us-east", "asia-southeast"):
        register(region=region)
    assert registry.nodes_in_region("asia-southeast") == (1, 3, 5)
    assert registry.nodes_in_region("europe-west") == (2,)
    assert registry.nodes_in_region("us-east") == (4,)


@pytest.mark.parametrize(
    "region", ["Asia-Southeast", "asia-southeast ", " asia-southeast", "asia", "asia-southeast-1", ""]
)
def test_nodes_in_region_matches_the_region_exactly(registry, node, region):
    assert registry.nodes_in_region(region) == ()


def test_a_region_without_nodes_is_empty(registry, node):
    assert registry.nodes_in_region("africa-south") == ()


def test_retired_nodes_stay_listed_in_their_region(registry, node, operator):
    registry.set_status(node, RETIRED, sender=operator)
    assert registry.nodes_in_region(NODE_REGION) == (node,)


@pytest.mark.parametrize("node_id", [*UNKNOWN_IDS, 1])
def test_no_bond_withdrawal_is_pending_by_default(registry, node, node_id):
    assert registry.bond_withdrawal(node_id) == NO_REQUEST


@pytest.mark.parametrize(("node_id", "epoch"), [(1, 0), (1, 2**64 - 1), (0, 0), (2, 5)])
def test_nothing_is_slashed_by_default(registry, node, node_id, epoch):
    assert not registry.slashed(node_id, epoch)
