"""The revenue feeds' deploy step (issue #19 part 2): the full suite deploys the RevenueFeed
blueprint and RevenueFeedFactory last, over its ComputeFactory, NodeRegistry and
AttestationOracle, with no owner to hand over; `computerwa.evm.suite.create_feeds` publishes a
node token's feed once, through the factory, whoever sends it.

Each test deploys a suite of its own (`own_suite`, GENESIS PAST_EPOCHS epochs back)."""

import pytest

from computerwa.evm.suite import attach_suite, create_feeds, deploy_suite
from tests.conftest import ATTESTOR_THRESHOLD, EPOCH_LENGTH, PAST_EPOCHS

ZERO = "0x" + "00" * 20


@pytest.fixture
def own_suite(backend, issuer, operator, suite_attestors):
    """A full suite of this test's own, the operator verified, with two nodes registered."""
    suite = deploy_suite(
        backend,
        issuer,
        attestors=suite_attestors,
        threshold=ATTESTOR_THRESHOLD,
        operators=[operator],
        genesis=backend.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH,
        epoch_length=EPOCH_LENGTH,
    )
    for region in ("eu-west", "ap-south"):
        suite.registry.register_node(region, "H100", 8, 500_000, 3_000, 9_900, "ipfs://f", sender=operator)
    return suite


def test_the_full_suite_deploys_the_feed_factory_last_over_its_factory_registry_and_oracle(backend, own_suite):
    suite = own_suite
    assert list(suite.deployed)[-2:] == ["RevenueFeedBlueprint", "RevenueFeedFactory"]
    assert suite.deployed["RevenueFeedFactory"] is suite.feed_factory
    factory = suite.feed_factory
    assert factory.BLUEPRINT() == suite.feed_blueprint == suite.deployed["RevenueFeedBlueprint"]
    assert factory.COMPUTE_FACTORY() == suite.factory.address
    assert (factory.REGISTRY(), factory.ORACLE()) == (suite.registry.address, suite.oracle.address)


def test_the_feed_factory_has_no_owner_to_hand_over(backend, issuer, operator, suite_attestors):
    suite = deploy_suite(backend, issuer, attestors=suite_attestors, admin=operator)
    assert "RevenueFeedFactory" not in suite.pending_owners
    assert not hasattr(suite.feed_factory, "owner")


def test_create_feeds_publishes_each_node_tokens_feed_once_whoever_sends_it(backend, own_suite, investor, holder):
    suite = own_suite
    tokens = [suite.registry.node(node_id)[1] for node_id in (1, 2)]
    feeds = create_feeds(suite, backend, investor, tokens)
    assert list(feeds) == tokens
    for node_id, token in enumerate(tokens, start=1):
        feed = feeds[token]
        assert suite.feed_factory.feed_of(token) == feed.address
        assert (feed.TOKEN(), feed.NODE_ID()) == (token, node_id)
        assert (feed.REGISTRY(), feed.ORACLE()) == (suite.registry.address, suite.oracle.address)
    # again, by someone else: the same feeds, nothing new deployed
    again = create_feeds(suite, backend, holder, tokens[:1])
    assert again[tokens[0]].address == feeds[tokens[0]].address


def test_an_attached_suite_publishes_feeds_too(backend, own_suite, investor):
    addresses = {name: getattr(c, "address", c) for name, c in own_suite.deployed.items()}
    addresses["Stablecoin"] = own_suite.stablecoin.address
    attached = attach_suite(backend, addresses)
    assert attached.feed_factory.address == own_suite.feed_factory.address
    assert attached.feed_blueprint == own_suite.feed_blueprint
    token = own_suite.registry.node(1)[1]
    feeds = create_feeds(attached, backend, investor, [token])
    assert feeds[token].NODE_ID() == 1


@pytest.mark.parametrize("upto", ["factory", "oracle", "registry"])
def test_a_partial_suite_has_no_feed_factory(backend, issuer, upto, investor):
    suite = deploy_suite(backend, issuer, upto=upto, attestors=[investor], threshold=1)
    assert suite.feed_factory is None and "RevenueFeedFactory" not in suite.deployed
    with pytest.raises(ValueError, match="no RevenueFeedFactory"):
        create_feeds(suite, backend, issuer, [ZERO])
