"""What the ComputeBasket unit tests share on top of tests/conftest.py.

The basket is backed by three node tokens of the token suite's factory, with `UNITS` base
units of each per basket base unit (so one whole basket share is 1, 2 and 3 whole node
tokens). It is verified in the identity registry, as the deploy script will arrange.
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
def basket_factory(backend, issuer, stablecoin, identity):
    """A ComputeFactory of the basket's own (daily epochs from now, the suite's stablecoin and
    identity registry): its node tokens do not show in the token suite's `factory`."""
    suite = deploy_suite(
        backend, issuer, stablecoin=stablecoin, identity=identity, genesis=backend.timestamp, upto="factory"
    )
    return suite.factory


@pytest.fixture(scope="session")
def node_tokens(backend, basket_factory, identity, issuer, agent, minter, investor, holder, customer):
    """Three node tokens of one deployment; investor, holder and customer verified."""
    factory = basket_factory
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
def basket(deploy_basket, identity, issuer):
    """The basket, verified in the identity registry."""
    basket = deploy_basket()
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
