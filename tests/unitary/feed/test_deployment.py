"""RevenueFeed's constructor: bound to the registry's token of a node, on the oracle's clock;
and what it answers about itself (AggregatorV3Interface's decimals, version, description)."""

import pytest

from computerwa.evm.chain import reverts
from computerwa.evm.suite import sorted_committee
from tests.conftest import ATTESTOR_THRESHOLD, DOCUMENTS_HASH, EPOCH_LENGTH
from tests.unitary.feed.conftest import make_deployment


def test_the_feed_answers_about_itself(feed, node_token, suite, genesis):
    assert feed.decimals() == 18
    assert feed.version() == 1
    assert feed.description() == "Node 1 CNODE asia-southeast revenue per share"
    assert feed.TOKEN() == node_token.address
    assert feed.NODE_ID() == 1
    assert feed.ORACLE() == suite.oracle.address
    assert feed.REGISTRY() == suite.registry.address
    assert (feed.GENESIS(), feed.EPOCH_LENGTH()) == (genesis, EPOCH_LENGTH)


@pytest.mark.parametrize("node_id", [1, 9])
def test_a_token_the_registry_does_not_record_for_its_node_is_refused(backend, suite, genesis, issuer, agent, node_id):
    """A look-alike: a ComputeToken deployed directly on the same clock, with the id of node 1
    or of a node the registry does not know (its record is all zero)."""
    look_alike = backend.deploy(
        "ComputeToken",
        "ComputeRWA #1",
        "CNODE",
        node_id,
        DOCUMENTS_HASH,
        suite.stablecoin,
        suite.identity,
        genesis,
        EPOCH_LENGTH,
        issuer,
        agent,
        issuer,
        sender=issuer,
    )
    with reverts("feed: not the registry's token for its node"):
        backend.deploy("RevenueFeed", look_alike, suite.registry, suite.oracle, sender=issuer)


@pytest.mark.parametrize(("genesis_shift", "epoch_length"), [(-1, EPOCH_LENGTH), (0, 2 * EPOCH_LENGTH)])
def test_an_oracle_on_another_clock_is_refused(
    backend, suite, node_token, genesis, issuer, attestors, genesis_shift, epoch_length
):
    oracle = backend.deploy(
        "AttestationOracle",
        sorted_committee(attestors),
        ATTESTOR_THRESHOLD,
        genesis + genesis_shift,
        epoch_length,
        EPOCH_LENGTH,
        sender=issuer,
    )
    with reverts("feed: the oracle runs on another clock"):
        backend.deploy("RevenueFeed", node_token, suite.registry, oracle, sender=issuer)


def test_the_description_names_the_node_its_symbol_and_region(backend, issuer, operator, attestors):
    suite, _ = make_deployment(backend, issuer, operator, attestors)
    for _ in range(10):  # node 11: a two-digit id
        suite.registry.register_node("eu-north", "B200", 4, 30_000, 2_000, 9_500, "ipfs://n", sender=operator)
    token = suite.registry.node(11)[1]
    feed = backend.deploy("RevenueFeed", token, suite.registry, suite.oracle, sender=issuer)
    assert feed.description() == "Node 11 CNODE eu-north revenue per share"
    assert feed.NODE_ID() == 11
