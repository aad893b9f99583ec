"""Engines, actors and deployments shared by every test.

Every test that takes `backend` runs on the in-process engine (pyrevm) by default;
`--engine ape` runs it on Ape's connected provider instead (add `--network
ethereum:local:foundry` for Anvil). Tests marked `both_engines` run on both in the
default run, with few examples on Ape. Each test starts from the same snapshot.

Hypothesis profiles: `default` (CI, whole suite in minutes) and `deep` (auditors, 50x
the examples): `ape test --hypothesis-profile deep`; `mutation` (computerwa.tooling.mutation) is
`default` without shrinking: against a mutant any failing example will do.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

from computerwa.evm.chain import Chain
from computerwa.evm.suite import STABLE_NAME, STABLE_SYMBOL, deploy_suite

settings.register_profile(
    "default",
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "deep",
    parent=settings.get_profile("default"),
    max_examples=10_000,
    stateful_step_count=100,
)
settings.register_profile(
    "mutation",
    parent=settings.get_profile("default"),
    phases=[Phase.explicit, Phase.generate, Phase.target],
    database=None,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# On Ape's provider a state machine runs this many examples at most (~20 tx/s there).
APE_MAX_EXAMPLES = 4
APE_MAX_STEPS = 25


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        choices=("revm", "ape"),
        default=None,
        help="run every engine test on this engine only (default: revm, plus ape for `both_engines` tests)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    forced = metafunc.config.getoption("--engine")
    if metafunc.definition.get_closest_marker("ape_only"):
        engines = [] if forced == "revm" else ["ape"]
    elif forced:
        engines = [forced]
    elif metafunc.definition.get_closest_marker("both_engines"):
        engines = ["revm", "ape"]
    else:
        engines = ["revm"]
    metafunc.parametrize("backend", engines, indirect=True, scope="session")


@pytest.fixture(scope="session")
def artifacts():
    # recompiled whenever any source changed (modules too), so every engine runs the current code
    from computerwa.evm.artifacts import ensure_compiled, load_artifacts

    ensure_compiled()
    return load_artifacts()


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest, artifacts) -> Chain:
    if request.param == "ape":
        from computerwa.evm.ape_chain import ApeChain

        return ApeChain(accounts=ACCOUNTS, artifacts=artifacts)
    from computerwa.evm.engine import RevmChain

    return RevmChain(artifacts=artifacts, accounts=ACCOUNTS)


@pytest.fixture(autouse=True)
def _isolation(request: pytest.FixtureRequest):
    """Every engine test starts from the state its session fixtures left."""
    if "backend" not in request.fixturenames:
        yield
        return
    chain = request.getfixturevalue("backend")
    snapshot = chain.snapshot()
    yield
    chain.restore(snapshot)


def machine_settings(backend: Chain, **overrides) -> settings:
    """The active profile's settings for a state machine, capped on Ape's provider."""
    current = settings()
    if backend.name == "ape":
        overrides.setdefault("max_examples", min(current.max_examples, APE_MAX_EXAMPLES))
        overrides.setdefault("stateful_step_count", min(current.stateful_step_count, APE_MAX_STEPS))
    return settings(current, **overrides)


# --- actors (role names, never alice/bob): one test account per role ------------------------
# Every fixture, state machine and script of the suite takes its actors from this map, so no
# account plays two roles (ape-config.yaml's `number_of_accounts` funds 16 on every provider).
ROLES = {
    "issuer": 0,  # deploys and owns the suite; every node token's admin
    "customer": 1,
    "operator": 2,
    "relayer": 3,
    "investor": 4,
    "agent": 5,  # the token's agent (freeze, forced transfer, recover)
    "minter": 6,
    "holder": 7,  # a second investor
    "treasury": 8,
    "attacker": 9,
    "second_operator": 10,
    "third_operator": 11,
    "guardian": 12,  # Settlement's pause key
    "registrar": 13,  # a KYC provider the identity registry's owner may appoint
    "liquidator": 14,  # repays an unhealthy loan against node tokens and takes the collateral
}
ACCOUNTS = 16


def with_defaults(what: str, defaults: dict, overrides: dict) -> tuple:
    """`defaults`' values in order, some replaced by `overrides`; an override of no known
    argument fails the test (a typo would otherwise test the default)."""
    unknown = set(overrides) - set(defaults)
    assert not unknown, f"no {what} argument {unknown}"
    return tuple({**defaults, **overrides}.values())


def role(chain: Chain, name: str):
    """The test account that plays `name` (see ROLES) on `chain`."""
    return chain.accounts[ROLES[name]]


def _role_fixture(name: str):
    @pytest.fixture(scope="session", name=name)
    def fixture(backend):
        return role(backend, name)

    fixture.__doc__ = f"The {name.replace('_', ' ')} (test account {ROLES[name]})."
    return fixture


for _name in ROLES:
    globals()[f"_{_name}_fixture"] = _role_fixture(_name)


# --- deployments -----------------------------------------------------------------------------
ONE_DOLLAR = 10**6


CUSTOMER_FUNDS = 1_000_000 * ONE_DOLLAR
OPERATOR_FUNDS = 1_000 * ONE_DOLLAR


@pytest.fixture(scope="session")
def stablecoin(backend, issuer, customer, operator):
    """The mock dollar, with $1,000,000 for the customer and $1,000 for the operator."""
    token = backend.deploy("MockStablecoin", STABLE_NAME, STABLE_SYMBOL, sender=issuer)
    token.mint(customer, CUSTOMER_FUNDS, sender=issuer)
    token.mint(operator, OPERATOR_FUNDS, sender=issuer)
    return token


# --- the ComputeToken suite ------------------------------------------------------------------------
EPOCH_LENGTH = 86_400
DOCUMENTS_HASH = b"\x0d" * 32
NODE_ID = 1
FOREVER = 2**40  # an identity valid far beyond any test


@pytest.fixture(scope="session")
def identity(backend, issuer):
    return backend.deploy("IdentityRegistry", sender=issuer)


@pytest.fixture(scope="session")
def factory(backend, issuer, stablecoin, identity):
    """The token suite's ComputeFactory: daily epochs from now, over the suite's stablecoin."""
    suite = deploy_suite(
        backend, issuer, stablecoin=stablecoin, identity=identity, genesis=backend.timestamp, upto="factory"
    )
    return suite.factory


@pytest.fixture(scope="session")
def compute_token(backend, factory, identity, issuer, agent, minter, investor, holder, customer):
    """Node 1's token: restricted, investor/holder/customer verified, no supply yet.
    Roles: issuer is admin, agent the agent, minter the minter."""
    factory.create_token(NODE_ID, "ComputeRWA Node 1", "CN1", DOCUMENTS_HASH, issuer, agent, minter, sender=issuer)
    for account in (investor, holder, customer):
        identity.set_verified(account, FOREVER, sender=issuer)
    return backend.at("ComputeToken", factory.token_of(issuer, NODE_ID))


# --- the payment suite: oracle, registry, settlement ------------------------------------------
ATTESTORS = 5
ATTESTOR_THRESHOLD = 3
PAST_EPOCHS = 10  # the suite's GENESIS lies this many epochs back, so epochs 0..9 have ended and can be reported
BOND_DELAY = 3 * EPOCH_LENGTH
SLASH_BPS = 2_000  # a slash moves 20% of the bond
BOND_WITHDRAWAL_WINDOW = 12 * 3_600  # a matured bond withdrawal is payable for 12 hours, then expires
COMMITTEE_DELAY = BOND_DELAY + BOND_WITHDRAWAL_WINDOW  # a committee change applies this long after its announcement
GRACE_PERIOD = 6 * 3_600  # an epoch without a report 6 hours after its end is missed
WITHDRAWAL_DELAY = 2 * EPOCH_LENGTH
WITHDRAWAL_WINDOW = EPOCH_LENGTH  # a matured prepaid withdrawal request can be paid for a day, then expires
PAUSE_LIMIT = 7 * EPOCH_LENGTH  # a Settlement pause lapses after a week
FEE_BPS = 250  # 2.5% protocol fee
FEE_DELAY = (
    4 * EPOCH_LENGTH
)  # a fee change applies 4 days after its announcement; vouchers nodes accept live at most that long
NODE_REGION = "asia-southeast"
# the roles that register nodes in the tests (NodeRegistry takes operators verified in the
# identity registry only); the attacker and the relayer are never verified as operators
OPERATOR_ROLES = ("operator", "second_operator", "third_operator", "investor")


def operator_accounts(chain: Chain) -> list:
    """The accounts of OPERATOR_ROLES on `chain`."""
    return [role(chain, name) for name in OPERATOR_ROLES]


@pytest.fixture
def verified_operators(_isolation, backend, identity, issuer):
    """OPERATOR_ROLES verified in the shared identity registry for this test only (the token
    tests rely on the operator being unverified, so a session fixture must not verify it)."""
    accounts = operator_accounts(backend)
    for account in accounts:
        identity.set_verified(account, FOREVER, sender=issuer)
    return accounts


@pytest.fixture(scope="session")
def suite_attestors():
    """The suite's committee keys, ascending by address (the oracle's order). They only sign."""
    from eth_account import Account
    from eth_utils import keccak

    keys = (Account.from_key(keccak(b"ComputeRWA suite attestor %d" % i)) for i in range(ATTESTORS))
    return sorted(keys, key=lambda key: int(key.address, 16))


def report_submitter(backend: Chain, oracle, attestors, relayer, signers: int = ATTESTOR_THRESHOLD):
    """`submit(epoch, uptime_bps, node_id=1)`: relays to `oracle` a report of `node_id`'s
    `epoch` at `uptime_bps` (70% utilization, 40 ms p50, 480 kWh, a million work units, a
    deadline an hour after the next block), signed by the first `signers` of `attestors`;
    returns the oracle's receipt. The suites' `report` fixtures are this over their own
    oracle and committee."""
    from computerwa.client.attestation import PerformanceReport, sign_report
    from computerwa.client.signing import Domain

    domain = Domain.of(oracle)

    def submit(epoch, uptime_bps, node_id=1):
        report = PerformanceReport(
            node_id=node_id,
            epoch=epoch,
            uptime_bps=uptime_bps,
            utilization_bps=7_000,
            latency_ms_p50=40,
            energy_wh=480_000,
            work_units=1_000_000,
            deadline=backend.pending_timestamp + 3_600,
        )
        signatures = sign_report(domain, report, attestors[:signers])
        return oracle.submit(report.as_tuple(), signatures, sender=relayer)

    return submit


@pytest.fixture(scope="session")
def suite_genesis(backend):
    return backend.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH


@pytest.fixture(scope="session")
def payment_suite(backend, issuer, stablecoin, identity, suite_attestors, suite_genesis, treasury):
    """The payment suite over the suite's stablecoin and identity registry: factory, oracle
    (3 of 5), NodeRegistry (bond delay 3 epochs, payable for 12 hours; a slash takes 20%; an
    epoch unreported 6 hours after its end is missed) and Settlement (2.5% fee to the
    treasury, 2-epoch withdrawal delay, a 1-epoch window to withdraw, pauses lapsing after
    7 epochs), all owned by the issuer."""
    return deploy_suite(
        backend,
        issuer,
        stablecoin=stablecoin,
        identity=identity,
        genesis=suite_genesis,
        epoch_length=EPOCH_LENGTH,
        attestors=suite_attestors,
        threshold=ATTESTOR_THRESHOLD,
        committee_delay=COMMITTEE_DELAY,
        bond_delay=BOND_DELAY,
        slash_bps=SLASH_BPS,
        bond_withdrawal_window=BOND_WITHDRAWAL_WINDOW,
        grace_period=GRACE_PERIOD,
        treasury=treasury,
        fee_bps=FEE_BPS,
        withdrawal_delay=WITHDRAWAL_DELAY,
        withdrawal_window=WITHDRAWAL_WINDOW,
        pause_limit=PAUSE_LIMIT,
        fee_delay=FEE_DELAY,
    )


@pytest.fixture(scope="session")
def suite_factory(payment_suite):
    return payment_suite.factory


@pytest.fixture(scope="session")
def suite_oracle(payment_suite):
    return payment_suite.oracle


@pytest.fixture(scope="session")
def registry(payment_suite):
    """The NodeRegistry, a creator at its factory; owned by the issuer (every node token's
    admin, agent and minter). Bond delay 3 epochs, a slash takes 20%."""
    return payment_suite.registry


@pytest.fixture
def make_registry(backend, issuer, identity, suite_oracle, suite_genesis):
    """`make_registry(bond_token, **overrides)`: a NodeRegistry whose bonds are in
    `bond_token`, over a new ComputeFactory in the same token (wired as a creator)."""

    def make(
        bond_token,
        bond_delay=BOND_DELAY,
        slash_bps=SLASH_BPS,
        oracle=suite_oracle,
        bond_withdrawal_window=BOND_WITHDRAWAL_WINDOW,
        grace_period=GRACE_PERIOD,
    ):
        suite = deploy_suite(
            backend,
            issuer,
            stablecoin=bond_token,
            identity=identity,
            oracle=oracle,
            genesis=suite_genesis,
            epoch_length=EPOCH_LENGTH,
            bond_delay=bond_delay,
            slash_bps=slash_bps,
            bond_withdrawal_window=bond_withdrawal_window,
            grace_period=grace_period,
            upto="registry",
        )
        return suite.registry

    return make


@pytest.fixture(scope="session")
def settlement(payment_suite):
    """Settlement with a 2.5% fee to the treasury, a 2-epoch withdrawal delay, a 1-epoch
    withdrawal window and a 7-epoch pause limit."""
    return payment_suite.settlement


@pytest.fixture
def false_token(backend, issuer):
    """A token whose transfer, transferFrom and approve can answer `false` instead of
    reverting (contracts/mocks/MockFalseToken.vy): `set_failing(True)` or `set_fails(...)`."""
    return backend.deploy("MockFalseToken", sender=issuer)


@pytest.fixture
def silent_token(backend, issuer):
    """A USDT-style token whose transfer, transferFrom and approve return nothing and revert
    on failure (contracts/mocks/MockSilentToken.vy); anyone mints."""
    return backend.deploy("MockSilentToken", sender=issuer)
