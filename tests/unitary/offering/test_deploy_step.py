"""The deploy step of issue #19 part 3: the full suite deploys NodeOffering last, over its
stablecoin, NodeRegistry and AttestationOracle, a minter of no token, and hands it to the
admin; `computerwa.evm.suite.create_offering` makes it a minter of one node's token (the
token's admin, the issuer, grants it) and creates the offering, so an offering created that
way sells, closes, mints the buyers' shares and releases the proceeds on burn-in.

Each test deploys a suite of its own (`own_suite`, GENESIS PAST_EPOCHS epochs back), so nothing
it creates shows elsewhere."""

import pytest

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain
from computerwa.evm.chain import reverts
from computerwa.evm.suite import attach_suite, create_offering, deploy_suite
from tests.conftest import ATTESTOR_THRESHOLD, EPOCH_LENGTH, FOREVER, ONE_DOLLAR, PAST_EPOCHS
from tests.unitary.offering.conftest import SUCCEEDED, cost, purchase_of, totals_of
from tests.unitary.offering.reasons import DEADLINE_EARLY, NOT_OWNER, UNKNOWN_NODE

SHARE = 10**18
PRICE = 2 * ONE_DOLLAR
SLA_BPS = 9_900


@pytest.fixture
def own_suite(backend, issuer, operator, suite_attestors):
    """A full suite of this test's own (a 3-of-5 committee, the operator verified), everything
    owned by the issuer, GENESIS PAST_EPOCHS epochs back."""
    return deploy_suite(
        backend,
        issuer,
        attestors=suite_attestors,
        threshold=ATTESTOR_THRESHOLD,
        operators=[operator],
        genesis=backend.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH,
        epoch_length=EPOCH_LENGTH,
    )


@pytest.fixture
def node_token(backend, own_suite, operator):
    """Node 1, registered by the operator (SLA 99%): its token."""
    own_suite.registry.register_node("eu-west", "H100", 8, 500_000, 3_000, SLA_BPS, "ipfs://o", sender=operator)
    return backend.at("ComputeToken", own_suite.registry.node(1)[1])


def terms(backend, suite, node_id=1, **overrides):
    """create_offering's terms after (suite, chain, sender): 1,000 shares at $2, minimum $500,
    open for one epoch from a minute after the next block (the grant's block comes first), 20%
    at the close, 3 epochs of burn-in, the earliest deadline allowed."""
    start = backend.pending_timestamp + 60
    end = start + EPOCH_LENGTH
    first = -(-(end - suite.genesis) // EPOCH_LENGTH)
    values = {
        "node_id": node_id,
        "shares_for_sale": 1_000 * SHARE,
        "price": PRICE,
        "min_raise": 500 * ONE_DOLLAR,
        "start": start,
        "end": end,
        "release_bps": 2_000,
        "burn_in_epochs": 3,
        "burn_in_deadline": suite.genesis + (first + 3 + 1) * EPOCH_LENGTH,
        "exit_window": EPOCH_LENGTH,
    } | overrides
    return values


def test_the_full_suite_deploys_the_offering_after_the_basket_factory_over_its_registry_and_oracle(
    backend, own_suite, issuer
):
    suite = own_suite
    # then only the revenue feeds' blueprint and factory (tests/unitary/feed/test_deploy_step.py)
    assert list(suite.deployed)[-5:-2] == ["ComputeBasketBlueprint", "ComputeBasketFactory", "NodeOffering"]
    assert suite.deployed["NodeOffering"] is suite.offering
    offering = suite.offering
    assert offering.STABLECOIN() == suite.stablecoin.address
    assert (offering.REGISTRY(), offering.ORACLE()) == (suite.registry.address, suite.oracle.address)
    assert (offering.GENESIS(), offering.EPOCH_LENGTH()) == (suite.genesis, suite.epoch_length)
    assert offering.owner() == issuer.address and offering.offering_count() == 0


def test_the_offering_is_no_minter_of_new_tokens_the_issuer_still_is(backend, own_suite, node_token, issuer):
    """The registry's token minter stays the issuer: the deploy step changes no token's roles."""
    assert own_suite.registry.token_minter() == issuer.address
    assert node_token.is_minter(issuer) and not node_token.is_minter(own_suite.offering)


@pytest.mark.parametrize("upto", ["factory", "oracle", "registry"])
def test_a_partial_suite_has_no_offering(backend, issuer, upto, investor):
    suite = deploy_suite(backend, issuer, upto=upto, attestors=[investor], threshold=1)
    assert suite.offering is None and "NodeOffering" not in suite.deployed
    with pytest.raises(ValueError, match="no NodeOffering"):
        create_offering(suite, backend, issuer, *terms(backend, suite).values())


def test_the_admin_is_offered_the_offering(backend, issuer, operator, suite_attestors):
    suite = deploy_suite(backend, issuer, attestors=suite_attestors, admin=operator)
    assert suite.pending_owners["NodeOffering"] == operator.address
    assert suite.offering.pending_owner() == operator.address
    suite.offering.accept_ownership(sender=operator)
    assert suite.offering.owner() == operator.address


@pytest.mark.both_engines
def test_create_offering_grants_the_minter_role_of_that_token_only(backend, own_suite, node_token, issuer, operator):
    suite = own_suite
    suite.registry.register_node("eu-west", "H100", 4, 500_000, 3_000, SLA_BPS, "ipfs://p", sender=operator)
    other = backend.at("ComputeToken", suite.registry.node(2)[1])
    created = create_offering(suite, backend, issuer, *terms(backend, suite).values())
    assert (created.offering_id, created.granted, len(created.receipts)) == (1, True, 2)
    assert node_token.is_minter(suite.offering) and node_token.is_minter(issuer)
    assert not other.is_minter(suite.offering)
    assert suite.offering.terms(1)[:2] == (1, node_token.address)
    # a second offering of the same node needs no second grant
    again = create_offering(suite, backend, issuer, *terms(backend, suite).values())
    assert (again.offering_id, again.granted, len(again.receipts)) == (2, False, 1)


@pytest.mark.both_engines
def test_create_offering_by_anyone_but_the_issuer_is_refused(backend, own_suite, node_token, attacker):
    # the token's admin alone grants its roles
    with reverts(NOT_OWNER):
        create_offering(own_suite, backend, attacker, *terms(backend, own_suite).values())
    assert own_suite.offering.offering_count() == 0 and not node_token.is_minter(own_suite.offering)


def test_create_offering_of_an_unknown_node_is_the_offerings_refusal(backend, own_suite, node_token, issuer):
    with reverts(UNKNOWN_NODE):
        create_offering(own_suite, backend, issuer, *terms(backend, own_suite, node_id=7).values())


def test_a_refused_offering_leaves_the_grant_which_mints_nothing(backend, own_suite, node_token, issuer):
    """The grant comes first (the offering checks its role): a refusal of the terms after it
    leaves the offering a minter with no offering of the node, which mints nothing."""
    suite = own_suite
    values = terms(backend, suite)
    with reverts(DEADLINE_EARLY):
        create_offering(suite, backend, issuer, *(values | {"burn_in_deadline": values["end"]}).values())
    assert suite.offering.offering_count() == 0 and node_token.is_minter(suite.offering)


@pytest.mark.both_engines
def test_an_offering_created_by_the_helper_sells_closes_mints_and_releases(
    backend, own_suite, node_token, issuer, operator, investor, holder, relayer, suite_attestors
):
    suite = own_suite
    stable, offering = suite.stablecoin, suite.offering
    values = terms(backend, suite)
    offering_id = create_offering(suite, backend, issuer, *values.values()).offering_id
    backend.pending_timestamp = values["start"]
    for buyer, shares in ((investor, 300 * SHARE), (holder, 200 * SHARE)):
        suite.identity.set_verified(buyer, FOREVER, sender=issuer)
        stable.mint(buyer, cost(shares), sender=issuer)
        stable.approve(offering, cost(shares), sender=buyer)
        offering.buy(offering_id, shares, sender=buyer)
    # the sale is over at its end; $1,000 raised is above the $500 minimum
    backend.pending_timestamp = values["end"]
    stable.approve(issuer, 0, sender=issuer)
    assert offering.status(offering_id) == SUCCEEDED
    for buyer, shares in ((investor, 300 * SHARE), (holder, 200 * SHARE)):
        offering.claim_shares(offering_id, buyer, sender=relayer)
        assert node_token.balanceOf(buyer) == shares and purchase_of(offering, offering_id, buyer)["claimed"]
    assert node_token.totalSupply() == 500 * SHARE
    # 20% at the close, the rest once three epochs from the first after the end met the SLA
    offering.withdraw_proceeds(offering_id, operator, sender=operator)
    assert stable.balanceOf(operator) == 200 * ONE_DOLLAR
    first = offering.terms(offering_id)[12]  # first_epoch
    backend.pending_timestamp = suite.genesis + (first + 3) * EPOCH_LENGTH + 60
    domain = Domain.of(suite.oracle)
    for epoch in range(first, first + 3):
        report = PerformanceReport(
            node_id=1,
            epoch=epoch,
            uptime_bps=9_950,
            utilization_bps=7_000,
            latency_ms_p50=40,
            energy_wh=480_000,
            work_units=1_000_000,
            deadline=backend.pending_timestamp + 3_600,
        )
        signatures = sign_report(domain, report, suite_attestors[:ATTESTOR_THRESHOLD])
        suite.oracle.submit(report.as_tuple(), signatures, sender=relayer)
    offering.confirm_burn_in(offering_id, first, sender=relayer)
    offering.withdraw_proceeds(offering_id, operator, sender=operator)
    assert stable.balanceOf(operator) == 1_000 * ONE_DOLLAR
    assert totals_of(offering, offering_id)["withdrawn"] == 1_000 * ONE_DOLLAR
    assert stable.balanceOf(offering) == 0
    # the issuer still mints by hand: the offering is an additional minter
    node_token.mint(holder, SHARE, sender=issuer)


def test_a_recorded_suite_attaches_with_its_offering(backend, own_suite, node_token, issuer):
    """`attach_suite` (a deployment record's addresses) binds the offering too, and
    `create_offering` works on what it binds."""
    addresses = {name: getattr(c, "address", c) for name, c in own_suite.deployed.items()}
    addresses["Stablecoin"] = addresses.pop("MockStablecoin")
    attached = attach_suite(backend, addresses)
    assert attached.offering.address == own_suite.offering.address
    assert create_offering(attached, backend, issuer, *terms(backend, attached).values()).offering_id == 1
