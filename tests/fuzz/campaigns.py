"""The property suite's state machines, set up for `ape run fuzz` as tests/conftest.py and
each test file set them up (the same deployments, actors and roles), on any engine."""

from __future__ import annotations

from collections.abc import Callable

from computerwa.evm.suite import STABLE_NAME, STABLE_SYMBOL, deploy_suite
from computerwa.tooling.fuzz import SUITES

MAX = 2**256 - 1


def _stablecoin_deployment(backend, name: str = STABLE_NAME):
    """The `stablecoin` fixture: the mock dollar, funds for the customer and the operator."""
    from tests.conftest import CUSTOMER_FUNDS, OPERATOR_FUNDS, role

    issuer = role(backend, "issuer")
    token = backend.deploy("MockStablecoin", name, STABLE_SYMBOL, sender=issuer)
    token.mint(role(backend, "customer"), CUSTOMER_FUNDS, sender=issuer)
    token.mint(role(backend, "operator"), OPERATOR_FUNDS, sender=issuer)
    return token


def _token_machines(backend, mode: str):
    """`test_compute_token_machine[mode]`: node 1's token (daily) or a one-second-epoch token."""
    from tests.conftest import DOCUMENTS_HASH, EPOCH_LENGTH, FOREVER, NODE_ID, role
    from tests.fuzz.stateful.test_compute_token_machine import ComputeTokenMachine

    issuer, agent, minter, relayer = (role(backend, name) for name in ("issuer", "agent", "minter", "relayer"))
    if mode == "daily":  # the `compute_token` fixture
        node_id, epoch_length, token_args = NODE_ID, EPOCH_LENGTH, ("ComputeRWA Node 1", "CN1", DOCUMENTS_HASH)
    else:  # the `one_second_token` fixture
        node_id, epoch_length, token_args = 2, 1, ("ComputeRWA Node 2", "CN2", b"\x02" * 32)
    suite = deploy_suite(
        backend,
        issuer,
        stablecoin=_stablecoin_deployment(backend),
        genesis=backend.timestamp,
        epoch_length=epoch_length,
        upto="factory",
    )
    stablecoin, identity, factory = suite.stablecoin, suite.identity, suite.factory
    for name in ("investor", "holder", "customer"):
        identity.set_verified(role(backend, name), FOREVER, sender=issuer)
    factory.create_token(node_id, *token_args, issuer, agent, minter, sender=issuer)
    token = backend.at("ComputeToken", factory.token_of(issuer, node_id))
    stablecoin.mint(relayer, 10**20, sender=issuer)
    stablecoin.approve(token, MAX, sender=relayer)
    roles = (issuer, agent, minter, relayer, role(backend, "treasury"))
    return lambda: ComputeTokenMachine(backend, stablecoin, identity, token, roles)


def _factory_machines(backend):
    from tests.fuzz.stateful.test_factory_machine import FactoryMachine

    return lambda: FactoryMachine(backend)


def _oracle_machines(backend):
    from tests.conftest import role
    from tests.fuzz.stateful.test_oracle_machine import OracleMachine

    return lambda: OracleMachine(backend, *(role(backend, name) for name in ("issuer", "relayer", "attacker")))


def _registry_machines(backend):
    from tests.fuzz.stateful.test_registry_machine import RegistryMachine

    return lambda: RegistryMachine(backend)


def _settlement_machines(backend):
    from tests.fuzz.stateful.test_settlement_machine import SettlementMachine

    return lambda: SettlementMachine(backend, backend.accounts)


def _stablecoin_machines(backend):
    from tests.fuzz.stateful.test_stablecoin_machine import NAME_AT_CAP, StablecoinMachine

    # the `capped_stablecoin` fixture: named at the constructor's cap (STB-7)
    token = _stablecoin_deployment(backend, NAME_AT_CAP)
    return lambda: StablecoinMachine(backend, token, NAME_AT_CAP)


def _offering_machines(backend):
    from tests.fuzz.stateful.test_offering_machine import OfferingMachine, deploy_world

    world = deploy_world(backend)
    return lambda: OfferingMachine(backend, world)


def _feed_machines(backend):
    from tests.fuzz.stateful.test_feed_machine import FeedMachine, deploy_world

    world = deploy_world(backend)
    return lambda: FeedMachine(backend, world)


def _rentals_machines(backend):
    from tests.fuzz.stateful.test_rentals_machine import RentalsMachine, deploy_world

    world = deploy_world(backend)
    return lambda: RentalsMachine(backend, world)


def _basket_machines(backend):
    """`test_basket_machine`: the `stablecoin` and `identity` fixtures, then the basket's deployment."""
    from tests.conftest import role
    from tests.fuzz.stateful.test_basket_machine import BasketDeployment, BasketMachine

    identity = backend.deploy("IdentityRegistry", sender=role(backend, "issuer"))
    deployment = BasketDeployment(backend, _stablecoin_deployment(backend), identity)
    return lambda: BasketMachine(deployment)


# suite -> [(label, builder(backend) -> machine factory)]
CAMPAIGNS: dict[str, list[tuple[str, Callable]]] = {
    "token": [
        ("token (daily epochs)", lambda backend: _token_machines(backend, "daily")),
        ("token (one-second epochs)", lambda backend: _token_machines(backend, "one_second")),
    ],
    "factory": [("factory", _factory_machines)],
    "oracle": [("oracle", _oracle_machines)],
    "registry": [("registry (adversarial operator)", _registry_machines)],
    "settlement": [("settlement", _settlement_machines)],
    "stablecoin": [("stablecoin", _stablecoin_machines)],
    "offering": [("offering", _offering_machines)],
    "basket": [("basket", _basket_machines)],
    "feed": [("feed", _feed_machines)],
    "rentals": [("rentals", _rentals_machines)],
}
assert set(CAMPAIGNS) == set(SUITES), "every suite `ape run fuzz --suite` offers has its machines"

# label -> the machine class each campaign runs ("module:Class", imported on use): `ape run fuzz
# --invariant ID` runs the campaigns whose machine checks ID, `--list-invariants` lists them
MACHINES: dict[str, str] = {
    "token (daily epochs)": "tests.fuzz.stateful.test_compute_token_machine:ComputeTokenMachine",
    "token (one-second epochs)": "tests.fuzz.stateful.test_compute_token_machine:ComputeTokenMachine",
    "factory": "tests.fuzz.stateful.test_factory_machine:FactoryMachine",
    "oracle": "tests.fuzz.stateful.test_oracle_machine:OracleMachine",
    "registry (adversarial operator)": "tests.fuzz.stateful.test_registry_machine:RegistryMachine",
    "settlement": "tests.fuzz.stateful.test_settlement_machine:SettlementMachine",
    "stablecoin": "tests.fuzz.stateful.test_stablecoin_machine:StablecoinMachine",
    "offering": "tests.fuzz.stateful.test_offering_machine:OfferingMachine",
    "basket": "tests.fuzz.stateful.test_basket_machine:BasketMachine",
    "feed": "tests.fuzz.stateful.test_feed_machine:FeedMachine",
    "rentals": "tests.fuzz.stateful.test_rentals_machine:RentalsMachine",
}
assert set(MACHINES) == {label for builders in CAMPAIGNS.values() for label, _ in builders}
