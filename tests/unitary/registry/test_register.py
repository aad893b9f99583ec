"""NodeRegistry.register_node: ids, the node record, its ComputeToken, and refusals."""

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.evm.chain import reverts
from tests.conftest import BOND_DELAY, BOND_WITHDRAWAL_WINDOW, FOREVER, GRACE_PERIOD, NODE_REGION, SLASH_BPS
from tests.unitary.registry.conftest import (
    ACTIVE,
    GPU_COUNT,
    GPU_COUNT_ZERO,
    GPU_MODEL,
    MAX_BPS,
    MAX_NODES_PER_OPERATOR_IN_REGION,
    MAX_NODES_PER_REGION,
    MAX_OPERATOR_SHARE_BPS,
    METADATA_URI,
    NOT_VERIFIED,
    OPERATOR_REGION_FULL,
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
        token=suite_factory.token_of(registry, 1),
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
        "token": suite_factory.token_of(registry, 1),
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
    assert suite_factory.token_of(registry, 1) == token
    assert suite_factory.token_count() == 1
    created = receipt.filter("TokenCreated")
    assert [event.address for event in created] == [suite_factory.address]
    assert created[0].args == {
        "creator": registry.address,
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


def test_a_region_holds_at_most_1024_nodes(backend, registry, register, identity, issuer, operator, node_args):
    """1,024 nodes of 64 operators (16 each, the most one operator lists in a region): contract
    wallets the operator drives, each verified."""
    register_call = keccak(text="register_node(string,string,uint32,uint256,uint16,uint16,string)")[:4] + abi_encode(
        ["string", "string", "uint32", "uint256", "uint16", "uint16", "string"], list(node_args())
    )
    for _ in range(MAX_NODES_PER_REGION // MAX_NODES_PER_OPERATOR_IN_REGION):
        wallet = backend.deploy("MockWallet", operator.address, sender=operator)
        identity.set_verified(wallet, FOREVER, sender=issuer)
        for _ in range(MAX_NODES_PER_OPERATOR_IN_REGION):
            wallet.execute(registry, register_call, sender=operator)
    assert registry.node_count() == MAX_NODES_PER_REGION
    assert registry.nodes_in_region(NODE_REGION) == tuple(range(1, MAX_NODES_PER_REGION + 1))
    with reverts(REGION_FULL):
        register()
    assert registry.node_count() == MAX_NODES_PER_REGION
    # another region still takes nodes, and the next id follows on
    assert register(region="asia-northeast").return_value == MAX_NODES_PER_REGION + 1
    assert registry.nodes_in_region("asia-northeast") == (MAX_NODES_PER_REGION + 1,)


# --- who may register (issue #15 item 8) ------------------------------------------------------------
def test_one_operator_cannot_fill_a_region(registry, register, operator, second_operator):
    """Issue #15 item 8: one operator registered nodes in a region until no one else could be
    listed or quoted there. It lists at most 16 nodes per region; others still register."""
    for expected in range(1, MAX_NODES_PER_OPERATOR_IN_REGION + 1):
        assert register().return_value == expected
    with reverts(OPERATOR_REGION_FULL):
        register()
    assert registry.operator_nodes_in_region(operator, NODE_REGION) == MAX_NODES_PER_OPERATOR_IN_REGION
    assert registry.node_count() == MAX_NODES_PER_OPERATOR_IN_REGION
    # an honest operator still registers in that region, and the capped one elsewhere
    assert register(sender=second_operator).return_value == MAX_NODES_PER_OPERATOR_IN_REGION + 1
    assert register(region="india").return_value == MAX_NODES_PER_OPERATOR_IN_REGION + 2
    assert registry.operator_nodes_in_region(second_operator, NODE_REGION) == 1
    assert registry.operator_nodes_in_region(operator, "india") == 1
    assert len(registry.nodes_in_region(NODE_REGION)) == MAX_NODES_PER_OPERATOR_IN_REGION + 1


def test_a_retired_node_still_counts_against_its_operators_cap(registry, register, operator):
    for _ in range(MAX_NODES_PER_OPERATOR_IN_REGION):
        register()
    registry.set_status(1, 3, sender=operator)
    with reverts(OPERATOR_REGION_FULL):
        register()


def test_operator_nodes_in_region_matches_the_exact_region(registry, register, operator, second_operator):
    assert registry.operator_nodes_in_region(operator, NODE_REGION) == 0
    register()
    register(region="asia-southeast-2")
    assert registry.operator_nodes_in_region(operator, NODE_REGION) == 1
    assert registry.operator_nodes_in_region(operator, "asia-southeast-2") == 1
    assert registry.operator_nodes_in_region(operator, "Asia-Southeast") == 0
    assert registry.operator_nodes_in_region(second_operator, NODE_REGION) == 0


def test_an_unverified_operator_cannot_register(registry, register, attacker, relayer):
    for account in (attacker, relayer):
        with reverts(NOT_VERIFIED):
            register(sender=account)
    assert registry.node_count() == 0
    assert registry.nodes_in_region(NODE_REGION) == ()


def test_an_operator_registers_only_while_its_verification_lasts(
    backend, registry, register, identity, issuer, attacker, operator
):
    valid_until = backend.pending_timestamp + 100
    identity.set_verified(attacker, valid_until, sender=issuer)
    backend.pending_timestamp = valid_until  # verified through the last second of its expiry
    assert register(sender=attacker).return_value == 1
    backend.pending_timestamp = valid_until + 1
    with reverts(NOT_VERIFIED):
        register(sender=attacker)
    identity.revoke(operator, sender=issuer)
    with reverts(NOT_VERIFIED):
        register(sender=operator)
    assert registry.node_count() == 1


def test_the_registry_reads_the_factorys_identity_registry(registry, suite_factory, identity):
    assert registry.IDENTITY_REGISTRY() == suite_factory.IDENTITY_REGISTRY() == identity.address


# --- registries sharing a factory (issue #15 item 7) -------------------------------------------------
def test_a_second_registry_cannot_brick_the_first(
    backend, registry, register, suite_factory, stablecoin, suite_oracle, issuer, operator, second_operator
):
    """Issue #15 item 7: a second NodeRegistry made a creator of the same factory numbers its
    nodes from 1 too; the factory refused the repeated id, so whichever registered second was
    bricked. Tokens are keyed by (registry, node id): both registries have a node 1 and 2."""
    second = backend.deploy(
        "NodeRegistry",
        suite_factory,
        stablecoin,
        suite_oracle,
        BOND_DELAY,
        SLASH_BPS,
        BOND_WITHDRAWAL_WINDOW,
        GRACE_PERIOD,
        sender=issuer,
    )
    suite_factory.set_creator(second, True, sender=issuer)
    assert register(on=second, sender=second_operator).return_value == 1
    assert register().return_value == 1
    assert register(on=second, sender=second_operator).return_value == 2
    assert register().return_value == 2
    tokens = set()
    for on, by in ((registry, operator), (second, second_operator)):
        for node_id in (1, 2):
            node = node_of(on, node_id)
            assert node.operator == by.address
            assert suite_factory.token_of(on, node_id) == node.token
            assert backend.at("ComputeToken", node.token).node_id() == node_id
            tokens.add(node.token)
    assert len(tokens) == 4
    assert suite_factory.token_count() == 4
