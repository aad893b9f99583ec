"""What the ComputeBasket unit tests share on top of tests/conftest.py.

The basket is backed by three node tokens of a ComputeFactory of the basket tests' own, with
`UNITS` base units of each per basket base unit (so one whole basket share is 1, 2 and 3 whole
node tokens). It is created by a ComputeBasketFactory over that ComputeFactory, as a
deployment creates its baskets, and verified in the identity registry, as
`computerwa.evm.suite.create_basket` arranges. `deploy_basket` deploys one straight from the
contract, for the constructor's own refusals.
"""

from __future__ import annotations

import pytest

from computerwa.evm.suite import deploy_suite
from tests.conftest import DOCUMENTS_HASH, EPOCH_LENGTH, FOREVER, with_defaults

SHARE = 10**18
UNITS = (1, 2, 3)
NODES = (101, 102, 103)
STOCK = 100 * SHARE  # basket base units' worth of every component the investor holds


@pytest.fixture(scope="session")
def node_factory(backend, issuer, stablecoin, identity):
    """A ComputeFactory of the basket's own (daily epochs from now, the suite's stablecoin and
    identity registry): its node tokens do not show in the token suite's `factory`."""
    suite = deploy_suite(
        backend, issuer, stablecoin=stablecoin, identity=identity, genesis=backend.timestamp, upto="factory"
    )
    return suite.factory


@pytest.fixture(scope="session")
def basket_blueprint(backend, issuer):
    """The ComputeBasket blueprint (EIP-5202)."""
    return backend.deploy_blueprint("ComputeBasket", sender=issuer)


@pytest.fixture(scope="session")
def basket_factory(backend, issuer, basket_blueprint, node_factory):
    """The ComputeBasketFactory over `node_factory`'s tokens, owned by the issuer."""
    return backend.deploy("ComputeBasketFactory", basket_blueprint, node_factory, sender=issuer)


@pytest.fixture(scope="session")
def node_tokens(backend, node_factory, identity, issuer, agent, minter, investor, holder, customer):
    """Three node tokens of one deployment; investor, holder and customer verified."""
    factory = node_factory
    tokens = []
    for node in NODES:
        factory.create_token(
            node, f"ComputeRWA Node {node}", f"CN{node}", DOCUMENTS_HASH, issuer, agent, minter, sender=issuer
        )
        tokens.append(backend.at("ComputeToken", factory.token_of(issuer, node)))
    for account in (investor, holder, customer):
        identity.set_verified(account, FOREVER, sender=issuer)
    return tokens


@pytest.fixture(scope="session")
def deploy_basket(backend, stablecoin, identity, issuer, agent, node_tokens):
    """Deploys a ComputeBasket over the node tokens, with overrides."""

    def deploy(**overrides):
        args = {
            "name": "ComputeRWA Basket",
            "symbol": "CRB",
            "components": [token.address for token in node_tokens],
            "units": list(UNITS),
            "stablecoin": stablecoin,
            "identity_registry": identity,
            "genesis": node_tokens[0].GENESIS(),
            "epoch_length": EPOCH_LENGTH,
            "admin": issuer,
            "agent": agent,
        }
        return backend.deploy("ComputeBasket", *with_defaults("constructor", args, overrides), sender=issuer)

    return deploy


@pytest.fixture(scope="session")
def basket(backend, basket_factory, node_tokens, identity, issuer, agent):
    """The basket, created by the basket factory and verified in the identity registry."""
    components = [token.address for token in node_tokens]
    receipt = basket_factory.create_basket(
        "ComputeRWA Basket", "CRB", components, list(UNITS), issuer, agent, sender=issuer
    )
    basket = backend.at("ComputeBasket", receipt.filter("BasketCreated")[0].args["basket"])
    identity.set_verified(basket, FOREVER, sender=issuer)
    return basket


@pytest.fixture
def stocked(node_tokens, basket, minter, investor):
    """The investor holds STOCK basket base units' worth of every component and approved
    the basket to pull them."""
    for token, unit in zip(node_tokens, UNITS, strict=True):
        token.mint(investor, STOCK * unit, sender=minter)
        token.approve(basket, STOCK * unit, sender=investor)
    return STOCK


@pytest.fixture
def created(stocked, basket, investor):
    """The investor created STOCK basket base units: the whole supply."""
    basket.create(STOCK, sender=investor)
    return STOCK
