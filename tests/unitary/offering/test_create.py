"""NodeOffering's deployment and `create_offering`: every refusal, and the terms it keeps."""

import pytest

from computerwa.evm.chain import reverts
from tests.conftest import EPOCH_LENGTH
from tests.unitary.offering.conftest import (
    BURN_IN,
    EXIT_WINDOW,
    MIN_RAISE,
    OPEN,
    PENDING,
    PRICE,
    RELEASE_BPS,
    SHARE,
    SHARES,
    SLA_BPS,
    ZERO,
    cost,
    terms_of,
)
from tests.unitary.offering.reasons import (
    BURN_IN_RANGE,
    DEADLINE_EARLY,
    DEADLINE_TOO_FAR,
    END_NOT_AFTER,
    EXIT_WINDOW_RANGE,
    MIN_ABOVE_MAX,
    NODE_RETIRED,
    NOT_MINTER,
    NOT_OWNER,
    ORACLE_NO_CODE,
    OTHER_STABLECOIN,
    PRICE_TOO_LARGE,
    PRICE_ZERO,
    RAISE_TOO_LARGE,
    REGISTRY_NO_CODE,
    RELEASE_ABOVE,
    SHARES_OUT_OF_RANGE,
    STABLECOIN_ZERO,
    START_PAST,
    UNKNOWN_NODE,
)


def test_the_constructor_reads_the_oracles_clock(offering, suite):
    assert offering.STABLECOIN() == suite.stablecoin.address
    assert offering.REGISTRY() == suite.registry.address
    assert offering.ORACLE() == suite.oracle.address
    assert offering.GENESIS() == suite.genesis
    assert offering.EPOCH_LENGTH() == EPOCH_LENGTH
    assert offering.MAX_BURN_IN_EPOCHS() == 90
    assert offering.offering_count() == 0


@pytest.mark.parametrize(
    ("which", "reason"),
    [("stablecoin", STABLECOIN_ZERO), ("registry", REGISTRY_NO_CODE), ("oracle", ORACLE_NO_CODE)],
)
def test_the_constructor_refuses_a_missing_contract(backend, suite, issuer, attacker, which, reason):
    args = {"stablecoin": suite.stablecoin.address, "registry": suite.registry.address, "oracle": suite.oracle.address}
    args[which] = ZERO if which == "stablecoin" else attacker.address  # an account without code
    with reverts(reason):
        backend.deploy("NodeOffering", *args.values(), sender=issuer)


def test_an_offering_keeps_its_terms_and_the_nodes_operator_token_and_sla(
    offering, terms, node_token, operator, issuer, genesis
):
    args = terms()
    receipt = offering.create_offering(*args, sender=issuer)
    assert offering.offering_count() == 1
    t = terms_of(offering, 1)
    assert (t.node_id, t.token, t.operator, t.sla_uptime_bps) == (1, node_token.address, operator.address, SLA_BPS)
    assert (t.shares_for_sale, t.price, t.min_raise, t.start, t.end) == args[1:6]
    assert (t.release_bps, t.burn_in_epochs, t.burn_in_deadline, t.exit_window) == args[6:10]
    # burn-in counts from the first epoch starting at or after the end
    assert genesis + (t.first_epoch - 1) * EPOCH_LENGTH < t.end <= genesis + t.first_epoch * EPOCH_LENGTH
    [event] = [e for e in receipt.events if e.name == "OfferingCreated"]
    assert (event.offering_id, event.node_id, event.token, event.operator) == (
        1,
        1,
        node_token.address,
        operator.address,
    )
    assert (event.shares_for_sale, event.price, event.min_raise, event.release_bps) == (
        SHARES,
        PRICE,
        MIN_RAISE,
        RELEASE_BPS,
    )
    assert (event.start, event.end, event.burn_in_epochs, event.burn_in_deadline, event.exit_window) == (
        args[4],
        args[5],
        BURN_IN,
        args[8],
        EXIT_WINDOW,
    )
    assert offering.max_raise(1) == cost(SHARES) == 2_000 * 10**6
    assert offering.cost(1, SHARE // 3) == cost(SHARE // 3) == 666_667  # rounded up


def test_offerings_are_numbered_from_one_and_an_end_on_an_epoch_edge_counts_from_that_epoch(
    offering, create, terms, genesis, backend
):
    first = create(start=backend.pending_timestamp + 100)
    assert offering.status(first) == PENDING
    edge = genesis + 20 * EPOCH_LENGTH
    second = create(end=edge, burn_in_deadline=edge + (BURN_IN + 1) * EPOCH_LENGTH)
    assert (first, second) == (1, 2)
    assert terms_of(offering, second).first_epoch == 20
    assert offering.status(second) == OPEN  # it started with the block that created it
    assert offering.status(3) == 0  # unknown


def test_the_deadline_leaves_an_epoch_after_the_burn_in_epochs_not_a_second_less(
    offering, terms, issuer, genesis, backend
):
    edge = genesis + 20 * EPOCH_LENGTH
    with reverts(DEADLINE_EARLY):
        offering.create_offering(
            *terms(end=edge, burn_in_deadline=edge + (BURN_IN + 1) * EPOCH_LENGTH - 1), sender=issuer
        )
    offering.create_offering(*terms(end=edge, burn_in_deadline=edge + (BURN_IN + 1) * EPOCH_LENGTH), sender=issuer)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"node_id": 2}, UNKNOWN_NODE),
        ({"shares_for_sale": 0}, SHARES_OUT_OF_RANGE),
        ({"shares_for_sale": 2**116}, SHARES_OUT_OF_RANGE),
        ({"price": 2**126 + 1, "shares_for_sale": SHARE}, RAISE_TOO_LARGE),
        ({"burn_in_deadline": 2**48}, DEADLINE_TOO_FAR),
        ({"price": 0}, PRICE_ZERO),
        # one wei of shares: the raise stays under its cap, the price would spill into the shares' bits
        ({"price": 2**128, "shares_for_sale": 1}, PRICE_TOO_LARGE),
        ({"min_raise": cost(SHARES) + 1}, MIN_ABOVE_MAX),
        ({"release_bps": 10_001}, RELEASE_ABOVE),
        ({"burn_in_epochs": 0}, BURN_IN_RANGE),
        ({"burn_in_epochs": 91}, BURN_IN_RANGE),
        ({"exit_window": EPOCH_LENGTH - 1}, EXIT_WINDOW_RANGE),
        ({"exit_window": 2**40}, EXIT_WINDOW_RANGE),
    ],
)
def test_create_offering_refuses_bad_terms(offering, terms, issuer, backend, overrides, reason):
    with reverts(reason):
        offering.create_offering(*terms(**overrides), sender=issuer)


def test_the_bounds_themselves_are_accepted(offering, terms, issuer):
    offering.create_offering(
        *terms(shares_for_sale=2**116 - 1, price=1, burn_in_deadline=2**48 - 1, exit_window=2**40 - 1), sender=issuer
    )
    offering.create_offering(*terms(shares_for_sale=SHARE, price=2**126), sender=issuer)
    assert offering.max_raise(2) == 2**126
    offering.create_offering(*terms(shares_for_sale=1, price=2**128 - 1, min_raise=0), sender=issuer)
    assert terms_of(offering, 3).price == 2**128 - 1 and terms_of(offering, 3).shares_for_sale == 1
    assert terms_of(offering, 1).burn_in_deadline == 2**48 - 1
    assert terms_of(offering, 1).exit_window == 2**40 - 1
    offering.create_offering(*terms(exit_window=EPOCH_LENGTH), sender=issuer)
    assert terms_of(offering, 4).exit_window == EPOCH_LENGTH


def test_the_minimum_may_be_the_maximum_and_the_release_everything(offering, terms, issuer):
    offering.create_offering(
        *terms(min_raise=cost(SHARES), release_bps=10_000, burn_in_epochs=90, burn_in_deadline=2**40), sender=issuer
    )


def test_create_offering_refuses_a_start_in_the_past_and_an_end_not_after_it(offering, terms, issuer, backend):
    now = backend.pending_timestamp
    with reverts(START_PAST):
        offering.create_offering(*terms(start=now - 1), sender=issuer)
    with reverts(END_NOT_AFTER):
        offering.create_offering(*terms(start=now + 10, end=now + 10), sender=issuer)


def test_only_the_owner_creates(offering, terms, operator, backend):
    with reverts(NOT_OWNER):
        offering.create_offering(*terms(), sender=operator)


def test_a_retired_node_is_not_offered(offering, suite, terms, issuer, operator, backend):
    suite.registry.set_status(1, 3, sender=operator)
    with reverts(NODE_RETIRED):
        offering.create_offering(*terms(), sender=issuer)


def test_the_offering_must_already_be_a_minter_of_the_nodes_token(offering, node_token, terms, issuer, backend):
    node_token.set_minter(offering, False, sender=issuer)
    with reverts(NOT_MINTER):
        offering.create_offering(*terms(), sender=issuer)


def test_a_node_token_on_another_stablecoin_is_refused(backend, suite, issuer, operator, attestors, terms):
    # the same registry's node, but an offering contract over another stablecoin
    other = backend.deploy("MockStablecoin", "Other USD", "oUSD", sender=issuer)
    offering = backend.deploy("NodeOffering", other, suite.registry, suite.oracle, sender=issuer)
    token = backend.at("ComputeToken", suite.registry.node(1)[1])
    token.set_minter(offering, True, sender=issuer)
    with reverts(OTHER_STABLECOIN):
        offering.create_offering(*terms(), sender=issuer)


def test_an_open_offering_reports_open(offering, open_offering, mine_at, backend):
    mine_at(backend.pending_timestamp)
    assert offering.status(open_offering) == OPEN
