"""Engines, actors and deployments shared by every test.

Every test that takes `backend` runs on the in-process engine (pyrevm) by default;
`--engine ape` runs it on Ape's connected provider instead (add `--network
ethereum:local:foundry` for Anvil). Tests marked `both_engines` run on both in the
default run, with few examples on Ape. Each test starts from the same snapshot.

Hypothesis profiles: `default` (CI, whole suite in minutes) and `deep` (auditors, 50x
the examples): `ape test --hypothesis-profile deep`; `mutation` (scripts/mutate.py) is
`default` without shrinking: against a mutant any failing example will do.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

from computerwa.chain import Chain

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
    from computerwa.artifacts import ensure_compiled, load_artifacts

    ensure_compiled()
    return load_artifacts()


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest, artifacts) -> Chain:
    if request.param == "ape":
        from computerwa.ape_chain import ApeChain

        return ApeChain(artifacts=artifacts)
    from computerwa.engine import RevmChain

    return RevmChain(artifacts=artifacts)


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


# --- actors (role names, never alice/bob) ---------------------------------------------------
@pytest.fixture(scope="session")
def issuer(backend):
    return backend.accounts[0]


@pytest.fixture(scope="session")
def customer(backend):
    return backend.accounts[1]


@pytest.fixture(scope="session")
def operator(backend):
    return backend.accounts[2]


@pytest.fixture(scope="session")
def relayer(backend):
    return backend.accounts[3]


@pytest.fixture(scope="session")
def investor(backend):
    return backend.accounts[4]


@pytest.fixture(scope="session")
def attacker(backend):
    return backend.accounts[9]


# --- deployments -----------------------------------------------------------------------------
STABLE_NAME = "ComputeRWA Mock USD"
STABLE_SYMBOL = "mUSD"
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
def agent(backend):
    return backend.accounts[5]


@pytest.fixture(scope="session")
def minter(backend):
    return backend.accounts[6]


@pytest.fixture(scope="session")
def holder(backend):
    """A second investor."""
    return backend.accounts[7]


@pytest.fixture(scope="session")
def identity(backend, issuer):
    return backend.deploy("IdentityRegistry", sender=issuer)


@pytest.fixture(scope="session")
def factory(backend, issuer, stablecoin, identity):
    blueprint = backend.deploy_blueprint("ComputeToken", sender=issuer)
    return backend.deploy(
        "ComputeFactory", blueprint, stablecoin, identity, backend.timestamp, EPOCH_LENGTH, sender=issuer
    )


@pytest.fixture(scope="session")
def compute_token(backend, factory, identity, issuer, agent, minter, investor, holder, customer):
    """Node 1's token: restricted, investor/holder/customer verified, no supply yet.
    Roles: issuer is admin, agent the agent, minter the minter."""
    factory.create_token(NODE_ID, "ComputeRWA Node 1", "CN1", DOCUMENTS_HASH, issuer, agent, minter, sender=issuer)
    for account in (investor, holder, customer):
        identity.set_verified(account, FOREVER, sender=issuer)
    return backend.at("ComputeToken", factory.token_of(NODE_ID))


# --- the payment suite: oracle, registry, settlement ------------------------------------------
ATTESTORS = 5
ATTESTOR_THRESHOLD = 3
PAST_EPOCHS = 10  # the suite's GENESIS lies this many epochs back, so they can be reported
BOND_DELAY = 3 * EPOCH_LENGTH
SLASH_BPS = 2_000  # a slash moves 20% of the bond
WITHDRAWAL_DELAY = 2 * EPOCH_LENGTH
FEE_BPS = 250  # 2.5% protocol fee
NODE_REGION = "asia-southeast"


@pytest.fixture(scope="session")
def treasury(backend):
    return backend.accounts[8]


@pytest.fixture(scope="session")
def suite_attestors():
    """The suite's committee keys, ascending by address (the oracle's order). They only sign."""
    from eth_account import Account
    from eth_utils import keccak

    keys = (Account.from_key(keccak(b"ComputeRWA suite attestor %d" % i)) for i in range(ATTESTORS))
    return sorted(keys, key=lambda key: int(key.address, 16))


@pytest.fixture(scope="session")
def suite_genesis(backend):
    return backend.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH


@pytest.fixture(scope="session")
def suite_factory(backend, issuer, stablecoin, identity, suite_genesis):
    blueprint = backend.deploy_blueprint("ComputeToken", sender=issuer)
    return backend.deploy("ComputeFactory", blueprint, stablecoin, identity, suite_genesis, EPOCH_LENGTH, sender=issuer)


@pytest.fixture(scope="session")
def suite_oracle(backend, issuer, suite_attestors, suite_genesis):
    return backend.deploy(
        "AttestationOracle",
        [key.address for key in suite_attestors],
        ATTESTOR_THRESHOLD,
        suite_genesis,
        EPOCH_LENGTH,
        sender=issuer,
    )


@pytest.fixture(scope="session")
def registry(backend, issuer, stablecoin, suite_factory, suite_oracle):
    """The NodeRegistry, a creator at its factory; owned by the issuer (every node token's
    admin, agent and minter). Bond delay 3 epochs, a slash takes 20%."""
    registry = backend.deploy(
        "NodeRegistry", suite_factory, stablecoin, suite_oracle, BOND_DELAY, SLASH_BPS, sender=issuer
    )
    suite_factory.set_creator(registry, True, sender=issuer)
    return registry


@pytest.fixture
def make_registry(backend, issuer, identity, suite_oracle, suite_genesis):
    """`make_registry(bond_token, **overrides)`: a NodeRegistry whose bonds are in
    `bond_token`, over a new ComputeFactory in the same token (wired as a creator)."""

    def make(bond_token, bond_delay=BOND_DELAY, slash_bps=SLASH_BPS, oracle=suite_oracle):
        blueprint = backend.deploy_blueprint("ComputeToken", sender=issuer)
        factory = backend.deploy(
            "ComputeFactory", blueprint, bond_token, identity, suite_genesis, EPOCH_LENGTH, sender=issuer
        )
        registry = backend.deploy("NodeRegistry", factory, bond_token, oracle, bond_delay, slash_bps, sender=issuer)
        factory.set_creator(registry, True, sender=issuer)
        return registry

    return make


@pytest.fixture(scope="session")
def settlement(backend, issuer, stablecoin, registry, treasury):
    """Settlement with a 2.5% fee to the treasury and a 2-epoch withdrawal delay."""
    return backend.deploy("Settlement", stablecoin, registry, treasury, FEE_BPS, WITHDRAWAL_DELAY, sender=issuer)


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
