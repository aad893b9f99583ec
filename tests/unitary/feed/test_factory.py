"""RevenueFeedFactory: anyone publishes the one RevenueFeed of a node token of its
deployment, from the RevenueFeed blueprint; `feed_of(token)` finds it."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import DOCUMENTS_HASH
from tests.unitary.feed.conftest import REVENUE, SHARES, ZERO, per_share, register_node


@pytest.fixture(scope="session")
def feed_blueprint(backend, issuer):
    return backend.deploy_blueprint("RevenueFeed", sender=issuer)


@pytest.fixture(scope="session")
def feed_factory(backend, suite, issuer, feed_blueprint):
    return backend.deploy(
        "RevenueFeedFactory", feed_blueprint, suite.factory, suite.registry, suite.oracle, sender=issuer
    )


def test_the_factory_remembers_what_it_was_deployed_with(feed_factory, feed_blueprint, suite):
    assert feed_factory.BLUEPRINT() == feed_blueprint
    assert feed_factory.COMPUTE_FACTORY() == suite.factory.address
    assert (feed_factory.REGISTRY(), feed_factory.ORACLE()) == (suite.registry.address, suite.oracle.address)


def test_anyone_may_publish_a_nodes_feed(backend, feed_factory, node_token, attacker):
    assert feed_factory.feed_of(node_token) == ZERO
    receipt = feed_factory.create_feed(node_token, sender=attacker)
    feed = receipt.return_value
    assert feed_factory.feed_of(node_token) == feed
    (created,) = receipt.filter("FeedCreated")
    assert created.args == {"token": node_token.address, "feed": feed, "node_id": 1}
    assert backend.code(feed)


def test_the_published_feed_answers_like_one_deployed_directly(
    backend, feed_factory, feed, node_token, relayer, run_epoch, issued, first_epoch
):
    published = backend.at("RevenueFeed", feed_factory.create_feed(node_token, sender=relayer).return_value)
    run_epoch(REVENUE)
    run_epoch(REVENUE // 7)
    for view in ("decimals", "version", "description", "TOKEN", "NODE_ID", "ORACLE", "REGISTRY", "GENESIS"):
        assert getattr(published, view)() == getattr(feed, view)()
    assert published.getRoundData(first_epoch) == feed.getRoundData(first_epoch)
    assert published.latestRoundData() == feed.latestRoundData()
    assert published.latestRoundData()[1] == per_share(REVENUE // 7, SHARES)
    assert (
        published.trailing(2)
        == feed.trailing(2)
        == (per_share(REVENUE, SHARES) + per_share(REVENUE // 7, SHARES), 2, 2)
    )


def test_each_node_token_gets_its_own_feed(backend, feed_factory, suite, node_token, operator, relayer):
    node_id, token = register_node(suite, operator)
    first = feed_factory.create_feed(node_token, sender=relayer)
    second = feed_factory.create_feed(token, sender=relayer)
    assert second.filter("FeedCreated")[0].args["node_id"] == node_id == 2
    assert feed_factory.feed_of(token) == second.return_value != first.return_value
    assert backend.at("RevenueFeed", second.return_value).NODE_ID() == 2


def test_a_token_has_one_feed(feed_factory, node_token, relayer, attacker):
    feed_factory.create_feed(node_token, sender=relayer)
    with reverts("feed_factory: the token has a feed"):
        feed_factory.create_feed(node_token, sender=attacker)


def test_a_token_of_another_deployment_is_refused(backend, feed_factory, suite, genesis, issuer, agent, attacker):
    look_alike = backend.deploy(
        "ComputeToken",
        "ComputeRWA #1",
        "CNODE",
        1,
        DOCUMENTS_HASH,
        suite.stablecoin,
        suite.identity,
        genesis,
        86_400,
        issuer,
        agent,
        issuer,
        sender=attacker,
    )
    with reverts("feed_factory: not a node token of this deployment"):
        feed_factory.create_feed(look_alike, sender=attacker)
    with reverts("feed_factory: not a node token of this deployment"):
        feed_factory.create_feed(attacker, sender=attacker)


def test_a_factory_token_the_registry_does_not_record_gets_no_feed(feed_factory, suite, issuer, agent, relayer):
    """The ComputeFactory's owner may create a token outside the registry (node id 1 again):
    it is a token of the deployment, but the feed's own check refuses it, and the reason
    comes through the blueprint's deployment."""
    suite.factory.create_token(1, "Off-registry #1", "OFF1", DOCUMENTS_HASH, issuer, agent, issuer, sender=issuer)
    token = suite.factory.token_of(issuer, 1)
    assert suite.factory.is_token(token)
    with reverts("feed: not the registry's token for its node"):
        feed_factory.create_feed(token, sender=relayer)
    assert feed_factory.feed_of(token) == ZERO


def test_a_blueprint_without_code_is_refused(backend, suite, issuer, attacker):
    with reverts("feed_factory: blueprint is not a contract"):
        backend.deploy("RevenueFeedFactory", attacker, suite.factory, suite.registry, suite.oracle, sender=issuer)
