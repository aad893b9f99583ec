"""A ComputeToken as deployed: metadata, roles, settings, clock; constructor refusals."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import DOCUMENTS_HASH, EPOCH_LENGTH, NODE_ID
from tests.unitary.token.conftest import ZERO


def test_token_is_an_18_decimal_share_of_its_node(compute_token, identity, stablecoin, factory):
    assert compute_token.name() == "ComputeRWA Node 1"
    assert compute_token.symbol() == "CN1"
    assert compute_token.decimals() == 18
    assert compute_token.totalSupply() == 0
    assert compute_token.node_id() == NODE_ID
    assert compute_token.documents_hash() == DOCUMENTS_HASH
    assert compute_token.identity_registry() == identity.address
    assert compute_token.STABLECOIN() == stablecoin.address
    assert compute_token.GENESIS() == factory.GENESIS()
    assert compute_token.EPOCH_LENGTH() == EPOCH_LENGTH


def test_token_starts_restricted_unpaused_with_its_roles(compute_token, issuer, agent, minter, investor):
    assert compute_token.restricted()
    assert not compute_token.paused()
    assert compute_token.owner() == issuer.address
    assert compute_token.pending_owner() == ZERO
    assert compute_token.is_agent(agent)
    assert compute_token.is_minter(minter)
    assert not compute_token.is_agent(minter)
    assert not compute_token.is_minter(agent)
    assert not compute_token.is_frozen(investor)


def test_revenue_stream_starts_empty(compute_token, clock):
    assert compute_token.revenue_per_share() == 0
    assert compute_token.remainder() == 0
    assert compute_token.stream_amount() == 0
    assert compute_token.queued_amount() == 0
    assert compute_token.streaming() == 0
    assert compute_token.current_epoch() == 0
    assert compute_token.last_update() >= clock.genesis


def test_direct_deployment_sets_every_argument(backend, deploy_token, stablecoin, identity, issuer, agent, minter):
    genesis = backend.timestamp - 5
    token = deploy_token(name="Edge Node", symbol="EDGE", node_id=77, genesis=genesis, epoch_length=3_600)
    assert (token.name(), token.symbol(), token.node_id()) == ("Edge Node", "EDGE", 77)
    assert (token.GENESIS(), token.EPOCH_LENGTH()) == (genesis, 3_600)
    assert token.last_update() == backend.timestamp
    assert token.STABLECOIN() == stablecoin.address
    assert token.identity_registry() == identity.address
    assert token.owner() == issuer.address
    assert token.is_agent(agent) and token.is_minter(minter)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"identity_registry": ZERO}, "compute_token: registry is the zero address"),
        ({"stablecoin": ZERO}, "revenue: stablecoin is the zero address"),
        ({"admin": ZERO}, "compute_token: admin is the zero address"),
        ({"agent": ZERO}, "compute_token: role for the zero address"),
        ({"minter": ZERO}, "compute_token: role for the zero address"),
    ],
    ids=["zero-registry", "zero-stablecoin", "zero-admin", "zero-agent", "zero-minter"],
)
def test_constructor_refuses_zero_addresses(deploy_token, overrides, reason):
    with reverts(reason):
        deploy_token(**overrides)


def test_constructor_refuses_genesis_in_the_future(backend, deploy_token):
    deploy_at = backend.pending_timestamp + 10
    backend.pending_timestamp = deploy_at
    assert deploy_token(genesis=deploy_at).GENESIS() == deploy_at
    deploy_at = backend.pending_timestamp + 10
    backend.pending_timestamp = deploy_at
    with reverts("revenue: genesis is in the future"):
        deploy_token(genesis=deploy_at + 1)


def test_constructor_refuses_an_epoch_longer_than_2_to_the_32_seconds(deploy_token):
    # the stream's unchecked math is bounded by it (revenue_stream._advance)
    assert deploy_token(epoch_length=2**32).EPOCH_LENGTH() == 2**32
    with reverts("revenue: epoch too long"):
        deploy_token(epoch_length=2**32 + 1)
