"""NodeRegistry.register_node: ids, the node record, its ComputeToken, and refusals."""

import pytest
from eth_utils import keccak

from computerwa.evm.chain import reverts
from tests.conftest import NODE_REGION
from tests.unitary.registry.conftest import (
    ACTIVE,
    GPU_COUNT,
    GPU_COUNT_ZERO,
    GPU_MODEL,
    MAX_BPS,
    MAX_NODES_PER_REGION,
    MAX_OPERATOR_SHARE_BPS,
    METADATA_URI,
    OPERATOR_SHARE_BPS,
    PRICE,
    REGION_EMPTY,
    REGION_FULL,
    SHARE_ABOVE_90,
    SLA_ABOVE_100,
    SLA_BPS,
    ZERO,
    Node,
    node_of,
)


def test_node_ids_are_sequential_from_one(registry, register):
    assert [register().return_value for _ in range(3)] == [1, 2, 3]
    assert registry.node_count() == 3


def test_registration_records_every_field_with_the_caller_as_operator(registry, register, operator, suite_factory):
    register()
    assert node_of(registry, 1) == Node(
        operator=operator.address,
        token=suite_factory.token_of(1),
        status=ACTIVE,
        region=NODE_REGION,
        gpu_model=GPU_MODEL,
        gpu_count=GPU_COUNT,
        price_per_unit=PRICE,
        operator_share_bps=OPERATOR_SHARE_BPS,
        sla_uptime_bps=SLA_BPS,
        metadata_uri=METADATA_URI,
        bond=0,
    )


def test_whoever_registers_is_the_operator_of_that_node_only(registry, register, operator, investor):
    register(sender=operator)
    register(sender=investor)
    assert node_of(registry, 1).operator == operator.address
    assert node_of(registry, 2).operator == investor.address


def test_node_registered_event_carries_every_field(registry, register, operator, suite_factory):
    receipt = register(gpu_count=2**32 - 1, price_per_unit=2**256 - 1, operator_share_bps=0, sla_uptime_bps=0)
    events = receipt.filter("NodeRegistered")
    assert len(events) == 1
    assert events[0].address == registry.address
    assert events[0].args == {
        "node_id": 1,
        "operator": operator.address,
        "token": suite_factory.token_of(1),
        "region": NODE_REGION,
        "gpu_model": GPU_MODEL,
        "gpu_count": 2**32 - 1,
        "price_per_unit": 2**256 - 1,
        "operator_share_bps": 0,
        "sla_uptime_bps": 0,
        "metadata_uri": METADATA_URI,
    }


def test_registration_creates_the_node_token_through_the_factory(registry, register, suite_factory, issuer):
    receipt = register()
    token = node_of(registry, 1).token
    assert token != ZERO
    assert suite_factory.token_of(1) == token
    assert suite_factory.token_count() == 1
    created = receipt.filter("TokenCreated")
    assert [event.address for event in created] == [suite_factory.address]
    assert created[0].args == {
        "node_id": 1,
        "token": token,
        "admin": issuer.address,
        "agent": issuer.address,
        "minter": issuer.address,
        "documents_hash": keccak(text=METADATA_URI),
    }


@pytest.mark.parametrize("node_id", [1, 12])
def test_node_token_is_named_after_its_node_and_hashes_its_metadata(
    backend, registry, register, suite_factory, stablecoin, identity, node_id
):
    for _ in range(node_id):
        register(metadata_uri=f"ipfs://node-{registry.node_count() + 1}")
    token = backend.at("ComputeToken", node_of(registry, node_id).token)
    assert token.name() == f"ComputeRWA #{node_id}"
    assert token.symbol() == "CNODE"
    assert token.decimals() == 18
    assert token.node_id() == node_id
    assert token.documents_hash() == keccak(text=f"ipfs://node-{node_id}")
    assert token.STABLECOIN() == stablecoin.address
    assert token.identity_registry() == identity.address
    assert token.GENESIS() == suite_factory.GENESIS()
    assert token.EPOCH_LENGTH() == suite_factory.EPOCH_LENGTH()
    assert token.totalSupply() == 0


def test_the_registry_owner_holds_every_role_of_the_node_token(backend, registry, register, issuer, operator):
    register()
    token = backend.at("ComputeToken", node_of(registry, 1).token)
    assert token.owner() == issuer.address
    assert token.pending_owner() == ZERO
    assert token.is_agent(issuer)
    assert token.is_minter(issuer)
    # the operator runs the node; the issuer, not the operator, controls the security
    assert not token.is_agent(operator)
    assert not token.is_minter(operator)
    assert token.owner() != registry.address


def test_documents_hash_is_the_keccak_of_an_empty_metadata_uri_too(backend, registry, register):
    register(metadata_uri="")
    token = backend.at("ComputeToken", node_of(registry, 1).token)
    assert token.documents_hash() == keccak(b"")
    assert node_of(registry, 1).metadata_uri == ""


def test_new_nodes_start_active_without_a_bond(registry, register):
    register()
    node = node_of(registry, 1)
    assert (node.status, node.bond) == (ACTIVE, 0)


def test_longest_strings_are_stored_whole(registry, register):
    region, model, uri = "r" * 32, "g" * 32, "u" * 256
    register(region=region, gpu_model=model, metadata_uri=uri)
    node = node_of(registry, 1)
    assert (node.region, node.gpu_model, node.metadata_uri) == (region, model, uri)
    assert registry.nodes_in_region(region) == (1,)


# --- refusals --------------------------------------------------------------------------------------
def test_register_refuses_an_empty_region(registry, register):
    with reverts(REGION_EMPTY):
        register(region="")
    assert registry.node_count() == 0


def test_register_refuses_a_node_without_gpus(registry, register):
    with reverts(GPU_COUNT_ZERO):
        register(gpu_count=0)
    assert register(gpu_count=1).return_value == 1


def test_operator_share_is_capped_at_ninety_percent(registry, register):
    for share in (MAX_OPERATOR_SHARE_BPS + 1, MAX_BPS, 2**16 - 1):
        with reverts(SHARE_ABOVE_90):
            register(operator_share_bps=share)
    node_id = register(operator_share_bps=MAX_OPERATOR_SHARE_BPS).return_value
    assert node_of(registry, node_id).operator_share_bps == MAX_OPERATOR_SHARE_BPS


def test_sla_is_capped_at_one_hundred_percent(registry, register):
    for sla in (MAX_BPS + 1, 2**16 - 1):
        with reverts(SLA_ABOVE_100):
            register(sla_uptime_bps=sla)
    node_id = register(sla_uptime_bps=MAX_BPS).return_value
    assert node_of(registry, node_id).sla_uptime_bps == MAX_BPS


def test_a_refused_registration_consumes_no_id(registry, register):
    with reverts(SHARE_ABOVE_90):
        register(operator_share_bps=MAX_OPERATOR_SHARE_BPS + 1)
    assert registry.node_count() == 0
    assert register().return_value == 1


def test_a_region_holds_at_most_1024_nodes(registry, register, operator, node_args):
    args = node_args()
    for _ in range(MAX_NODES_PER_REGION):
        registry.register_node(*args, sender=operator)
    assert registry.node_count() == MAX_NODES_PER_REGION
    assert registry.nodes_in_region(NODE_REGION) == tuple(range(1, MAX_NODES_PER_REGION + 1))
    with reverts(REGION_FULL):
        register()
    assert registry.node_count() == MAX_NODES_PER_REGION
    # another region still takes nodes, and the next id follows on
    assert register(region="asia-northeast").return_value == MAX_NODES_PER_REGION + 1
    assert registry.nodes_in_region("asia-northeast") == (MAX_NODES_PER_REGION + 1,)
