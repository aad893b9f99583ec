"""The suite's one deployment: every test, state machine, benchmark and script deploys and
wires the contracts through `deploy_suite`, so the wiring (which contract takes which, the
factory's creator, the committee's order) is written once.

It runs on anything with the chain surface's deploying half (`deploy`, `deploy_blueprint`,
`timestamp`): the in-process engine, `ApeChain`, or `ApeDeployer` (Ape's own contract
instances, any account, a live network's too), and returns the contracts that surface gives.

    suite = deploy_suite(chain, deployer, fee_bps=250, attestors=[...], threshold=3)
    suite.settlement.settle(...)

Existing contracts can be passed in (`stablecoin=`, `identity=`, `oracle=`) and the
deployment can stop early (`upto="factory"` for a token-only suite, `"registry"` without
Settlement), for suites that test one part over another token or oracle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from eth_utils import keccak, to_checksum_address

from computerwa.client.deployment import (
    BLUEPRINTS,
    CONTRACTS,
    ROLES,
    Deployment,
    check_stablecoin,
    demo_attestors,
    handovers,
    resolved_roles,
    source_commit,
)

DAY = 86_400
STABLE_NAME = "ComputeRWA Mock USD"
STABLE_SYMBOL = "mUSD"

Stage = Literal["factory", "oracle", "registry", "settlement"]
_STAGES: tuple[Stage, ...] = ("factory", "oracle", "registry", "settlement")


class Deployer(Protocol):
    """What `deploy_suite` needs of a chain."""

    def deploy(self, contract_name: str, *args: Any, sender: Any = None) -> Any: ...

    def deploy_blueprint(self, contract_name: str, sender: Any = None) -> str: ...

    def at(self, contract_name: str, address: str) -> Any: ...

    @property
    def timestamp(self) -> int: ...


@dataclass
class Suite:
    """A deployed suite: the contracts (None where the deployment stopped earlier), the
    ComputeToken blueprint's address, and the settings it was deployed with."""

    stablecoin: Any
    identity: Any
    blueprint: str
    factory: Any
    oracle: Any = None
    registry: Any = None
    settlement: Any = None
    # the ComputeBasket blueprint's address and the ComputeBasketFactory (the full suite only)
    basket_blueprint: str | None = None
    basket_factory: Any = None
    # the NodeOffering over the registry and oracle (the full suite only)
    offering: Any = None
    # the RevenueFeed blueprint's address and the RevenueFeedFactory (the full suite only)
    feed_blueprint: str | None = None
    feed_factory: Any = None
    # the NodeRentals blueprint's address and the NodeRentals Settlement created from it
    rentals_blueprint: str | None = None
    rentals: Any = None
    genesis: int = 0
    epoch_length: int = DAY
    settings: dict[str, Any] = field(default_factory=dict)
    # record name -> contract, in deployment order, for what this call deployed itself
    deployed: dict[str, Any] = field(default_factory=dict)
    # record name -> the owner it was handed to, who must still call `accept_ownership()`
    pending_owners: dict[str, str] = field(default_factory=dict)


def sorted_committee(attestors: list[Any]) -> list[str]:
    """Attestor addresses (or accounts) in the order the oracle stores them: ascending."""
    addresses = [getattr(a, "address", a) for a in attestors]
    return sorted(addresses, key=lambda address: int(address, 16))


def deploy_suite(
    chain: Deployer,
    deployer: Any,
    *,
    stablecoin: Any = None,
    identity: Any = None,
    oracle: Any = None,
    genesis: int | None = None,
    genesis_epochs_back: int = 0,
    epoch_length: int = DAY,
    attestors: list[Any] | None = None,
    threshold: int = 3,
    committee_delay: int | None = None,
    bond_delay: int = 3 * DAY,
    slash_bps: int = 2_000,
    bond_withdrawal_window: int = DAY,
    grace_period: int = DAY,
    treasury: Any = None,
    fee_bps: int = 250,
    withdrawal_delay: int = 2 * DAY,
    withdrawal_window: int = 2 * DAY,
    pause_limit: int = 7 * DAY,
    fee_delay: int | None = None,
    guardian: Any = None,
    operators: list[Any] | tuple[Any, ...] = (),
    operators_verified_until: int = 2**40,
    admin: Any = None,
    oracle_admin: Any = None,
    registrar: Any = None,
    token_agent: Any = None,
    token_minter: Any = None,
    upto: Stage = "settlement",
) -> Suite:
    """Deploys and wires the suite in one fixed order (MockStablecoin unless `stablecoin`
    is given, IdentityRegistry unless `identity` is, the ComputeToken blueprint,
    ComputeFactory, AttestationOracle unless `oracle` is, NodeRegistry as the factory's
    creator, the NodeRentals blueprint, Settlement (which creates NodeRentals from it), then its
    guardian; last, after the registry's settings, the
    ComputeBasket blueprint and ComputeBasketFactory over ComputeFactory's tokens, then
    NodeOffering over the stablecoin, NodeRegistry and AttestationOracle, then the RevenueFeed
    blueprint and RevenueFeedFactory (no owner: `create_feeds` publishes node tokens' feeds), so
    every contract before them keeps its address), every transaction from `deployer`.

    NodeOffering is deployed a minter of no token: the registry's token minter (the issuer,
    or `token_minter`) stays every new token's only minter, as the simulation and the tests
    expect. `create_offering` makes it an additional minter of one node's token, by that
    token's admin (the registry's owner), when the node's first offering is created: an
    issuer offers any node, registered before or after, without redeploying.

    `genesis` defaults to the latest block's time (the stablecoin's deployment) less
    `genesis_epochs_back` epochs; `treasury` (Settlement's fees, and what the registry's
    `skim` sends) defaults to the deployer. The registry's
    `bond_withdrawal_window` (how long a matured bond withdrawal stays payable) and
    `grace_period` (how long after an epoch's end a report may land before the epoch is
    missed) default to a day each. Settlement's `fee_delay` (a fee change's notice, and the
    voucher lifetime bound) defaults to its least, `withdrawal_delay + withdrawal_window`; the
    oracle's `committee_delay` (a committee change's notice) to `bond_delay +
    bond_withdrawal_window`, so an operator who asks its bond back at the announcement can
    take it before the new committee judges it.
    `operators` (accounts or addresses) are verified in the
    identity registry by `deployer` (its registrar) until `operators_verified_until`, once
    the registry is deployed: only verified operators register nodes.

    Roles (issue #15 item 12), each None to leave it with `deployer`, applied last, after the
    operators are verified: `token_agent` and `token_minter` become the NodeRegistry's token
    roles; `registrar` is appointed in the identity registry and the deployer stops being
    one; `admin` is offered the ownership of IdentityRegistry, ComputeFactory, NodeRegistry,
    Settlement, ComputeBasketFactory and NodeOffering, `oracle_admin` that of AttestationOracle
    (snekmate `ownable_2step`: `transfer_ownership` now, and each stays pending, in
    `Suite.pending_owners`, until the new owner calls `accept_ownership()`). Only contracts
    this call deployed are handed over.
    """
    if upto not in _STAGES:
        raise ValueError(f"upto must be one of {', '.join(_STAGES)}, got {upto!r}")
    stages = _STAGES[: _STAGES.index(upto) + 1]
    deployed: dict[str, Any] = {}
    if stablecoin is None:
        stablecoin = deployed["MockStablecoin"] = chain.deploy(
            "MockStablecoin", STABLE_NAME, STABLE_SYMBOL, sender=deployer
        )
    if genesis is None:
        genesis = chain.timestamp - genesis_epochs_back * epoch_length
    if identity is None:
        identity = deployed["IdentityRegistry"] = chain.deploy("IdentityRegistry", sender=deployer)
    blueprint = chain.deploy_blueprint("ComputeToken", sender=deployer)
    deployed["ComputeTokenBlueprint"] = blueprint
    factory = deployed["ComputeFactory"] = chain.deploy(
        "ComputeFactory", blueprint, stablecoin, identity, genesis, epoch_length, sender=deployer
    )
    suite = Suite(stablecoin, identity, blueprint, factory, genesis=genesis, epoch_length=epoch_length)
    suite.deployed = deployed
    suite.settings = {"genesis": genesis, "epoch_length": epoch_length}
    if "oracle" in stages:
        if oracle is None:
            committee = sorted_committee(attestors or [])
            if committee_delay is None:
                committee_delay = bond_delay + bond_withdrawal_window
            oracle = deployed["AttestationOracle"] = chain.deploy(
                "AttestationOracle", committee, threshold, genesis, epoch_length, committee_delay, sender=deployer
            )
            suite.settings.update(attestors=committee, threshold=threshold, committee_delay=committee_delay)
        suite.oracle = oracle
    if "registry" in stages:
        registry = deployed["NodeRegistry"] = chain.deploy(
            "NodeRegistry",
            factory,
            stablecoin,
            oracle,
            bond_delay,
            slash_bps,
            bond_withdrawal_window,
            grace_period,
            sender=deployer,
        )
        factory.set_creator(registry, True, sender=deployer)
        suite.registry = registry
        suite.settings.update(
            bond_delay=bond_delay,
            slash_bps=slash_bps,
            bond_withdrawal_window=bond_withdrawal_window,
            grace_period=grace_period,
        )
    if "settlement" in stages:
        treasury = getattr(treasury, "address", treasury) or getattr(deployer, "address", deployer)
        if fee_delay is None:
            fee_delay = withdrawal_delay + withdrawal_window
        # Settlement creates its NodeRentals (the only caller of its rent functions) from this
        suite.rentals_blueprint = deployed["NodeRentalsBlueprint"] = chain.deploy_blueprint(
            "NodeRentals", sender=deployer
        )
        settlement = deployed["Settlement"] = chain.deploy(
            "Settlement",
            stablecoin,
            suite.registry,
            treasury,
            fee_bps,
            withdrawal_delay,
            withdrawal_window,
            pause_limit,
            fee_delay,
            suite.rentals_blueprint,
            sender=deployer,
        )
        suite.rentals = deployed["NodeRentals"] = chain.at("NodeRentals", settlement.RENTALS())
        if guardian is not None:
            settlement.set_guardian(guardian, sender=deployer)
        suite.settlement = settlement
        suite.settings.update(
            treasury=treasury,
            fee_bps=fee_bps,
            withdrawal_delay=withdrawal_delay,
            withdrawal_window=withdrawal_window,
            pause_limit=pause_limit,
            fee_delay=fee_delay,
        )
    # last, so that every contract keeps the address it had before these settings existed
    if suite.registry is not None:
        if treasury is not None:  # where the registry's `skim` sends stablecoin it does not owe
            suite.registry.set_treasury(getattr(treasury, "address", treasury), sender=deployer)
        for account in operators:
            identity.set_verified(account, operators_verified_until, sender=deployer)
    if "settlement" in stages:
        suite.basket_blueprint = chain.deploy_blueprint("ComputeBasket", sender=deployer)
        deployed["ComputeBasketBlueprint"] = suite.basket_blueprint
        suite.basket_factory = deployed["ComputeBasketFactory"] = chain.deploy(
            "ComputeBasketFactory", suite.basket_blueprint, factory, sender=deployer
        )
        suite.offering = deployed["NodeOffering"] = chain.deploy(
            "NodeOffering", stablecoin, suite.registry, suite.oracle, sender=deployer
        )
        suite.feed_blueprint = deployed["RevenueFeedBlueprint"] = chain.deploy_blueprint("RevenueFeed", sender=deployer)
        suite.feed_factory = deployed["RevenueFeedFactory"] = chain.deploy(
            "RevenueFeedFactory", suite.feed_blueprint, factory, suite.registry, suite.oracle, sender=deployer
        )
    _hand_over(suite, deployer, admin, oracle_admin, registrar, token_agent, token_minter)
    return suite


def _address(account: Any) -> str | None:
    """An account's or address's checksummed address; None stays None."""
    return None if account is None else to_checksum_address(getattr(account, "address", account))


def _hand_over(
    suite: Suite, deployer: Any, admin: Any, oracle_admin: Any, registrar: Any, token_agent: Any, token_minter: Any
) -> None:
    """Gives each role that names an address other than the deployer's to it (see
    `deploy_suite`), and records the ownership handovers still to be accepted."""
    me = _address(deployer)
    admin, oracle_admin, registrar = _address(admin), _address(oracle_admin), _address(registrar)
    token_agent, token_minter = _address(token_agent), _address(token_minter)
    deployed = suite.deployed
    if suite.registry is not None and "NodeRegistry" in deployed:
        if token_agent not in (None, me):
            suite.registry.set_token_agent(token_agent, sender=deployer)
        if token_minter not in (None, me):
            suite.registry.set_token_minter(token_minter, sender=deployer)
    if registrar not in (None, me) and "IdentityRegistry" in deployed:
        suite.identity.set_registrar(registrar, True, sender=deployer)
        suite.identity.set_registrar(me, False, sender=deployer)
    owners = {
        name: admin
        for name in (
            "IdentityRegistry",
            "ComputeFactory",
            "NodeRegistry",
            "Settlement",
            "ComputeBasketFactory",
            "NodeOffering",
        )
    }
    owners["AttestationOracle"] = oracle_admin
    for name, new_owner in owners.items():
        if new_owner not in (None, me) and name in deployed:
            deployed[name].transfer_ownership(new_owner, sender=deployer)
            suite.pending_owners[name] = new_owner


def create_basket(
    suite: Suite,
    chain: Any,
    sender: Any,
    components: list[Any] | tuple[Any, ...],
    units: list[int] | tuple[int, ...],
    name: str,
    symbol: str,
    admin: Any = None,
    agent: Any = None,
    verified_until: int = 2**40,
) -> Any:
    """A ComputeBasket over `components` (node tokens of `suite.factory`, contracts or
    addresses), `units[i]` base units of component i per basket base unit, created by
    `sender` (the basket factory's owner) through `suite.basket_factory`, then verified in the
    identity registry until `verified_until` by `sender` (a registrar), so that it may hold
    its components: the basket bound on `chain` (`chain.at`: the in-process engine or
    `ApeChain`). `admin` (its roles and settings) and `agent` (its first compliance agent)
    default to `sender`. The basket's address is read from the factory's `BasketCreated`
    event, so it works without traced return values."""
    if suite.basket_factory is None:
        raise ValueError("the suite has no basket factory: deploy it with upto='settlement'")
    admin = _address(admin) or _address(sender)
    agent = _address(agent) or _address(sender)
    receipt = suite.basket_factory.create_basket(
        name, symbol, [_address(c) for c in components], list(units), admin, agent, sender=sender
    )
    (created,) = receipt.filter("BasketCreated")
    suite.identity.set_verified(created.basket, verified_until, sender=sender)
    return chain.at("ComputeBasket", created.basket)


@dataclass
class Offering:
    """What `create_offering` did: the offering's id, whether it granted the offering the node
    token's minter role (False when it already held it), and the transactions' receipts."""

    offering_id: int
    granted: bool
    receipts: list[Any]


def create_feeds(suite: Any, chain: Any, sender: Any, tokens: list[Any] | tuple[Any, ...]) -> dict[str, Any]:
    """The RevenueFeed of each node token in `tokens` (contracts or addresses) through
    `suite.feed_factory`, published by `sender` (anyone: the factory is permissionless) where
    the token has none yet; returns token address -> the feed, bound on `chain` (`chain.at`)."""
    factory = getattr(suite, "feed_factory", None)
    if factory is None:
        raise ValueError("the suite has no RevenueFeedFactory: deploy it with upto='settlement'")
    feeds: dict[str, Any] = {}
    for token in tokens:
        address = to_checksum_address(getattr(token, "address", token))
        if int(factory.feed_of(address), 16) == 0:
            factory.create_feed(address, sender=sender)
        feeds[address] = chain.at("RevenueFeed", factory.feed_of(address))
    return feeds


def create_offering(
    suite: Any,
    chain: Any,
    sender: Any,
    node_id: int,
    shares_for_sale: int,
    price: int,
    min_raise: int,
    start: int,
    end: int,
    release_bps: int,
    burn_in_epochs: int,
    burn_in_deadline: int,
    exit_window: int,
) -> Offering:
    """Offering of node `node_id`'s shares through `suite.offering` (terms in NodeOffering's
    units: token base units, stablecoin base units per whole share, unix seconds), sent by
    `sender`, who must own the offering and, unless the offering already is one, be the node
    token's admin (the registry's owner when the node registered): it first makes the offering
    a minter of that token (`set_minter`), the role `claim_shares` mints with. Only that token:
    the offering mints and burns an offering's token, read from its own NodeRegistry at
    creation, so no offering of another node mints it. `suite` is a `Suite` or a recorded
    `Deployment` (`offering` and `registry`), `chain` binds the token (`chain.at`: the
    in-process engine, `ApeChain`, or anything with Ape's `project.ComputeToken.at`'s
    answer). The id is read from the `OfferingCreated` event (no traced return values needed)."""
    offering = getattr(suite, "offering", None)
    if offering is None:
        raise ValueError("the suite has no NodeOffering: deploy it with upto='settlement'")
    receipts = []
    granted = False
    address = suite.registry.node(node_id)[1]
    if int(address, 16) != 0:  # an unknown node has no token: the offering's refusal says so
        token = chain.at("ComputeToken", address)
        if not token.is_minter(offering):
            receipts.append(token.set_minter(offering, True, sender=sender))
            granted = True
    receipt = offering.create_offering(
        node_id,
        shares_for_sale,
        price,
        min_raise,
        start,
        end,
        release_bps,
        burn_in_epochs,
        burn_in_deadline,
        exit_window,
        sender=sender,
    )
    receipts.append(receipt)
    if hasattr(receipt, "filter"):  # the in-process engine's and ApeChain's receipts
        (created,) = receipt.filter("OfferingCreated")
    else:  # Ape's own
        (created,) = receipt.decode_logs(offering.OfferingCreated)
    return Offering(created.offering_id, granted, receipts)


def suite_options(config: dict) -> dict[str, Any]:
    """`deploy_suite`'s keyword arguments for a deployment configuration
    (`computerwa.client.deployment.load_config`, or `LOCAL_DEFAULTS`), the stablecoin aside:
    the demo committee when it names no attestors, the deployer in every role it names no
    address for (`roles`)."""
    attestors = config["attestors"] or [key.address for key in demo_attestors()]
    roles = {role: None for role in ROLES} | (config.get("roles") or {})
    return {
        "genesis_epochs_back": config["genesis_epochs_back"],
        "epoch_length": config["epoch_length"],
        "attestors": [to_checksum_address(a) for a in attestors],
        "threshold": config["threshold"],
        "committee_delay": config["committee_delay"],
        "bond_delay": config["bond_delay"],
        "slash_bps": config["slash_bps"],
        "bond_withdrawal_window": config["bond_withdrawal_window"],
        "grace_period": config["grace_period"],
        "fee_bps": config["fee_bps"],
        "withdrawal_delay": config["withdrawal_delay"],
        "withdrawal_window": config["withdrawal_window"],
        "pause_limit": config["pause_limit"],
        "fee_delay": config["fee_delay"],
        "guardian": roles["guardian"],
        "treasury": roles["treasury"],
        "admin": roles["admin"],
        "oracle_admin": roles["oracle_admin"],
        "registrar": roles["registrar"],
        "token_agent": roles["agent"],
        "token_minter": roles["minter"],
    }


def attach_suite(chain: Any, addresses: dict[str, str]) -> Suite:
    """A suite deployed earlier, bound on `chain` (`chain.at`) from its addresses by record
    name (a deployment record's `contracts`, or `Deployment.record`), with its genesis and
    epoch length read from the factory."""
    # an external stablecoin is bound with MockStablecoin's ABI (the same ERC-20, EIP-2612
    # and EIP-3009 surface the suite calls)
    types = {"Stablecoin": "MockStablecoin"}
    at = {name: chain.at(types.get(name, name), addresses[name]) for name in CONTRACTS if name not in BLUEPRINTS}
    factory = at["ComputeFactory"]
    genesis, epoch_length = factory.GENESIS(), factory.EPOCH_LENGTH()
    return Suite(
        stablecoin=at["Stablecoin"],
        identity=at["IdentityRegistry"],
        blueprint=addresses["ComputeTokenBlueprint"],
        factory=factory,
        oracle=at["AttestationOracle"],
        registry=at["NodeRegistry"],
        settlement=at["Settlement"],
        basket_blueprint=addresses["ComputeBasketBlueprint"],
        basket_factory=at["ComputeBasketFactory"],
        offering=at["NodeOffering"],
        feed_blueprint=addresses["RevenueFeedBlueprint"],
        feed_factory=at["RevenueFeedFactory"],
        rentals_blueprint=addresses["NodeRentalsBlueprint"],
        rentals=at["NodeRentals"],
        genesis=genesis,
        epoch_length=epoch_length,
        settings={"genesis": genesis, "epoch_length": epoch_length},
    )


def deploy_with_record(
    project: Any,
    chain: Any,
    deployer: Any,
    config: dict,
    operators: list[Any] | tuple[Any, ...] = (),
    operators_verified_until: int = 2**40,
) -> Deployment:
    """`deploy_suite` with Ape's project and `deployer` (any Ape account) from a deployment
    configuration (`computerwa.client.deployment.load_config`); returns the deployment with
    its record (addresses, transactions, blocks, chain id, configuration, the roles as
    deployed and the ownership handovers still to be accepted), not yet written. `operators`
    are verified by the deployer before it hands the registrar role over."""
    from computerwa.evm.ape_chain import ApeDeployer

    config = dict(config)
    commit = source_commit()  # before anything is sent: what the contracts were compiled from
    demo_committee = not config["attestors"]
    ape_deployer = ApeDeployer(project, chain)
    stablecoin = None
    if config["stablecoin"]:
        stablecoin = project.MockStablecoin.at(check_stablecoin(config["stablecoin"], chain.provider))
    options = suite_options(config)
    # the roles no address was configured for are the deployer's, as the record says
    options["treasury"] = options["treasury"] or deployer.address
    options["guardian"] = options["guardian"] or deployer.address
    suite = deploy_suite(
        ape_deployer,
        deployer,
        stablecoin=stablecoin,
        operators=operators,
        operators_verified_until=operators_verified_until,
        **options,
    )
    contracts = {
        "Stablecoin": suite.stablecoin,
        "IdentityRegistry": suite.identity,
        "ComputeTokenBlueprint": suite.blueprint,
        "ComputeFactory": suite.factory,
        "AttestationOracle": suite.oracle,
        "NodeRegistry": suite.registry,
        "Settlement": suite.settlement,
        "ComputeBasketBlueprint": suite.basket_blueprint,
        "ComputeBasketFactory": suite.basket_factory,
        "NodeOffering": suite.offering,
        "RevenueFeedBlueprint": suite.feed_blueprint,
        "RevenueFeedFactory": suite.feed_factory,
        "NodeRentalsBlueprint": suite.rentals_blueprint,
        "NodeRentals": suite.rentals,
    }
    created = dict(ape_deployer.created)
    # NodeRentals has no transaction of its own: Settlement's deployment created it (same tx, block, gas)
    created["NodeRentals"] = {**created["Settlement"], "address": suite.rentals.address}
    if "MockStablecoin" in created:
        created["Stablecoin"] = {**created.pop("MockStablecoin"), "contract_type": "MockStablecoin"}
    else:  # the configured stablecoin: not ours, so no transaction and no contract type of ours
        created["Stablecoin"] = {"address": suite.stablecoin.address, "tx_hash": None, "block": None, "gas_used": None}
        created["Stablecoin"]["contract_type"] = None
    record_contracts = {}
    for name in CONTRACTS:
        entry = dict(created[name])
        entry.setdefault("contract_type", BLUEPRINTS.get(name, name))
        # the runtime code as deployed: compare with a fresh compile, or with another chain's
        entry["code_hash"] = "0x" + keccak(bytes(chain.provider.get_code(entry["address"]))).hex()
        record_contracts[name] = entry
    roles = resolved_roles(config.get("roles"), deployer.address)
    config.update(
        genesis=suite.genesis,
        attestors=suite.settings["attestors"],
        committee_delay=suite.settings["committee_delay"],
        fee_delay=suite.settings["fee_delay"],
        roles=roles,
    )
    for entry in record_contracts.values():
        entry["block_hash"] = None if entry["block"] is None else chain.blocks[entry["block"]].hash.to_0x_hex()
    deploy_block = min(entry["block"] for entry in record_contracts.values() if entry["block"] is not None)
    record = {
        "chain_id": chain.chain_id,
        # the chain's BIP-122 identity (EthPM keys a deployment by it: computerwa.tooling.package_export)
        "genesis_hash": chain.blocks[0].hash.to_0x_hex(),
        "deploy_block": deploy_block,
        "block_hash": chain.blocks[deploy_block].hash.to_0x_hex(),
        "deployer": deployer.address,
        **commit,
        "contracts": record_contracts,
        "configuration": config,
        "roles": roles,
        "committee": {
            "attestors": suite.settings["attestors"],
            "threshold": config["threshold"],
            "committee_delay": suite.settings["committee_delay"],
            "demo": demo_committee,  # the public demo keys of `demo_attestors`: local chains only
        },
        "pending_handovers": handovers(
            {name: (contracts[name].address, owner) for name, owner in suite.pending_owners.items()}
        ),
    }
    return Deployment(contracts, config, record)
