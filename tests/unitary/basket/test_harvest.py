"""Harvest: every component's revenue claimed and deposited into the basket's own stream,
reaching basket holders one epoch after it reaches the components' holders."""

from tests.conftest import EPOCH_LENGTH, ONE_DOLLAR
from tests.unitary.basket.conftest import UNITS

REVENUES = (1_000 * ONE_DOLLAR, 333 * ONE_DOLLAR + 1, 7 * ONE_DOLLAR)


def deposit_into_components(node_tokens, stablecoin, customer):
    for token, revenue in zip(node_tokens, REVENUES, strict=True):
        stablecoin.approve(token, revenue, sender=customer)
        token.deposit_revenue(revenue, sender=customer)


def next_epoch(backend, token, epochs=1):
    """Moves the pending time to the start of the epoch `epochs` after the current one."""
    genesis = token.GENESIS()
    now = backend.pending_timestamp
    backend.pending_timestamp = genesis + ((now - genesis) // EPOCH_LENGTH + epochs) * EPOCH_LENGTH


def test_harvest_claims_every_component_and_deposits_once_into_its_own_stream(
    backend, basket, node_tokens, stablecoin, customer, investor, created
):
    deposit_into_components(node_tokens, stablecoin, customer)
    next_epoch(backend, basket, 2)  # the components' streams are over
    basket.approve(customer, 0, sender=customer)  # mines a block: views read that moment
    owed = [token.claimable(basket) for token in node_tokens]
    # the basket is every component's only holder: everything, but for each stream's floor
    assert all(revenue - 1 <= due <= revenue for due, revenue in zip(owed, REVENUES, strict=True))
    receipt = basket.harvest(sender=customer)
    harvested = sum(owed)
    assert receipt.return_value == harvested
    assert basket.queued_amount() == harvested and basket.owed() == harvested
    assert stablecoin.balanceOf(basket) == harvested
    deposits = receipt.filter("RevenueDeposited")
    assert [d.args["sender"] for d in deposits] == [basket.address] and deposits[0].args["amount"] == harvested
    assert not receipt.filter("HarvestSkipped")
    next_epoch(backend, basket, 2)
    basket.approve(customer, 0, sender=customer)  # mines a block: views read the new epoch
    assert harvested - 1 <= basket.claimable(investor) <= harvested


def test_a_basket_holder_earns_what_holding_the_components_would_one_epoch_later(
    backend, basket, node_tokens, stablecoin, minter, customer, investor, holder, created
):
    # the holder holds directly what the investor's basket shares are backed by
    for token, unit in zip(node_tokens, UNITS, strict=True):
        token.mint(holder, created * unit, sender=minter)
    deposit_into_components(node_tokens, stablecoin, customer)
    next_epoch(backend, basket, 2)
    basket.harvest(sender=customer)
    direct = sum(token.claimable(holder) for token in node_tokens)
    next_epoch(backend, basket, 2)
    basket.approve(customer, 0, sender=customer)
    # each component's claim floors once and the basket's stream once
    assert direct - len(node_tokens) - 1 <= basket.claimable(investor) <= direct


def test_a_component_whose_claim_reverts_is_skipped_and_keeps_its_revenue(
    backend, basket, node_tokens, stablecoin, agent, customer, created
):
    deposit_into_components(node_tokens, stablecoin, customer)
    next_epoch(backend, basket, 2)
    node_tokens[1].freeze(basket, sender=agent)  # its agent stops the basket claiming there
    owed = [token.claimable(basket) for token in node_tokens]
    receipt = basket.harvest(sender=customer)
    assert [e.args["component"] for e in receipt.filter("HarvestSkipped")] == [node_tokens[1].address]
    assert receipt.return_value == owed[0] + owed[2]
    assert node_tokens[1].claimable(basket) == owed[1] != 0


def test_harvest_with_nothing_to_claim_deposits_nothing(basket, customer, created):
    receipt = basket.harvest(sender=customer)
    assert receipt.return_value == 0 and not receipt.filter("RevenueDeposited")
    assert basket.queued_amount() == 0


def test_a_sandwich_around_a_harvest_earns_the_sandwicher_nothing(
    backend, basket, node_tokens, stablecoin, minter, customer, investor, holder, created
):
    """An attacker that sees revenue waiting in the components creates basket shares just
    before a harvest and redeems them just after: the harvest queues the revenue for the next
    epoch, so the attacker leaves with exactly its components and no basket revenue, and the
    basket's long-standing holder keeps all of it."""
    deposit_into_components(node_tokens, stablecoin, customer)
    next_epoch(backend, basket, 2)  # everything streamed to the basket, waiting to be claimed
    for token, unit in zip(node_tokens, UNITS, strict=True):
        token.mint(holder, created * unit, sender=minter)  # as many shares as the investor's
        token.approve(basket, created * unit, sender=holder)
    before = [token.balanceOf(holder) for token in node_tokens]
    basket.create(created, sender=holder)
    harvested = basket.harvest(sender=customer).return_value
    basket.redeem(created, sender=holder)
    assert harvested > 0
    assert [token.balanceOf(holder) for token in node_tokens] == before
    assert basket.claimable(holder) == 0
    next_epoch(backend, basket, 2)
    basket.approve(customer, 0, sender=customer)  # mines a block: views read the new epoch
    assert basket.claimable(holder) == 0
    assert harvested - 1 <= basket.claimable(investor) <= harvested
