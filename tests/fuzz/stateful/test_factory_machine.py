"""ComputeFactory and IdentityRegistry, their admin surfaces and edges, against an exact model.

Each example deploys the token suite up to the factory (`deploy_suite(upto="factory")`) over an
identity registry deployed by the issuer, by a registrar account or by a contract wallet the
issuer drives (`MockWallet.create` from a blueprint: the wallet, not the key behind it, owns the
registry and is its first registrar). The callers are the owner (the issuer), a creator account,
a registrar account, a stranger and that wallet, which acts in its own name while the issuer's
key sends the transaction (so `msg.sender` and `tx.origin` differ). Rules:
- deploy another factory with constructor arguments aimed at their edges: a genesis one second
  before, at and after the deployment's block, far in the past or the epoch origin; epoch
  lengths 0, 1, an hour, a day, 2**32 (the token's longest), beyond it and 2**256 - 1; a zero
  or code-less blueprint, a zero or EOA stablecoin and registry; from any account;
- create tokens on any factory from any caller, with node ids (0, 1, 2, 2**256 - 1) that
  collide per creator and across creators, and admins, agents and minters that may be the zero
  address (the token refuses them) or any caller;
- set and unset creators, transfer and accept the factories' and the registry's ownership
  (two-step, to anyone or to the zero address), appoint and remove registrars;
- verify accounts (the zero address too) until one second before, at or after the block's
  time, later, 0 or 2**64 - 1, revoke them; time moves by 1, 2, 60 seconds or a day.
The model predicts every outcome (success, or exactly which revert) before the call, and
every event's fields after it. Properties (PROPERTIES.md):
- FAC-1: `token_of(creator, node)` for every caller and node id, and `token_count()`, equal the
  model's: one token per (creator, node id), forever; only the owner and creators create;
- FAC-2: a factory deploys exactly when its blueprint has code, its stablecoin and registry are
  not the zero address, its genesis is not after the deployment's block (that second included)
  and its epoch is not zero; it then holds those arguments, and its deployer owns it;
- FAC-3: a created token holds its factory's stablecoin, registry, genesis and epoch, its node
  id, name, symbol and documents hash, its admin as owner and its agent and minter (not the
  factory), restricted mode on; `TokenCreated` names the direct caller as creator (a contract
  too, never the key that drove it) and the token's fields;
- FAC-4: each factory's `owner()`, `pending_owner()` and `is_creator` equal the model's: only
  the owner sets creators (never the zero address; `CreatorSet` logged), ownership moves in
  two steps, and the direct caller, not `tx.origin`, is the one judged;
- ID-1: at every block's second, `is_verified` of each account is `timestamp <= valid_until`
  (to the second: the last one included) and `are_verified` of every pair is both; the zero
  address is never verified;
- ID-2: `valid_until`, `is_registrar`, `owner()` and `pending_owner()` equal the model's: only
  registrars verify and revoke, a removed one at once while its verifications stand, only the
  owner (two-step) appoints them;
- ID-3: the registry's deployer, account or contract, owns it and is its first registrar (not
  the key that drove a deploying contract); a registrar contract acts and is logged in its own
  name, and a contract driven by a registrar is no registrar;
- ID-4: `set_verified` refuses the zero address and a `valid_until` before the block's second
  (that second itself is accepted).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule, run_state_machine_as_test

from computerwa.evm.chain import expect
from computerwa.evm.suite import deploy_suite
from tests.conftest import machine_settings, role
from tests.fuzz.properties import PropertyMachine, check, equal, require

ZERO = "0x" + "00" * 20
DAY = 86_400
MAX_UINT64 = 2**64 - 1
MAX_EPOCH_LENGTH = 2**32  # revenue_stream's bound: the token refuses a longer epoch
MAX_FACTORIES = 4  # factories the model follows (the first one included)

NOT_OWNER = "ownable: caller is not the owner"
NOT_NEW_OWNER = "ownable_2step: caller is not the new owner"
NOT_CREATOR = "factory: caller is not a creator"
TAKEN = "factory: node already has a token"
NOT_REGISTRAR = "identity: caller is not a registrar"

# the callers; "wallet" is a MockWallet the issuer drives (msg.sender: the wallet, tx.origin: the issuer)
ACTORS = ("issuer", "creator", "registrar", "stranger", "wallet")
ACCOUNT_ROLES = {"issuer": "issuer", "creator": "operator", "registrar": "registrar", "stranger": "attacker"}
SUBJECTS = ("investor", "holder", "stranger", "wallet", "zero")  # the accounts verified and revoked
NODE_IDS = (0, 1, 2, 2**256 - 1)
NAMES = ("ComputeRWA Node 1", "N" * 25, "")
SYMBOLS = ("CN1", "S" * 5, "")

actor = st.sampled_from(ACTORS)
anyone = st.sampled_from((*ACTORS, "zero"))
holder = st.sampled_from((*ACTORS, *ACTORS, *ACTORS, "zero"))  # a token role: the zero address now and then
# whether the caller is, when some actor is, one the model allows (the owner, a creator, a registrar,
# the pending owner): two calls in three, so the accepting paths get depth and the refusals stay
allowed = st.sampled_from([True, True, False])
subject = st.sampled_from(SUBJECTS)


def predicted(pid: str, reason: str | None, call):
    """`expect(reason, call)` as property `pid`'s prediction: a mismatch names the ID."""
    try:
        return expect(reason, call)
    except AssertionError as err:
        raise AssertionError(f"{pid}: outcome not the model's: {err}") from None


def only_event(pid: str, receipt, name: str) -> dict:
    """The arguments of the receipt's one `name` event."""
    events = receipt.filter(name)
    equal(pid, f"{name} events logged", len(events), 1)
    return events[0].args


class FactoryModel:
    """One factory as the model sees it."""

    def __init__(self, contract, owner: str, args: dict):
        self.contract = contract
        self.args = args  # blueprint, stablecoin, identity, genesis, epoch_length
        self.owner = owner
        self.pending = ZERO
        self.creators: set[str] = set()
        self.tokens: dict[tuple[str, int], str] = {}  # (creator, node id) -> token


class FactoryMachine(PropertyMachine):
    RULE_IDS = frozenset({"FAC-2", "FAC-3", "ID-3", "ID-4"})  # checked in rules

    def __init__(self, backend):
        super().__init__()
        self.chain = backend
        self.issuer = role(backend, "issuer")
        self.accounts = {name: role(backend, who) for name, who in ACCOUNT_ROLES.items()}
        self.addresses = {name: account.address for name, account in self.accounts.items()}
        self.addresses.update(
            zero=ZERO, investor=role(backend, "investor").address, holder=role(backend, "holder").address
        )
        self.snapshot = backend.snapshot()
        self.factories: list[FactoryModel] = []
        self.dirty_factories: set[int] = set()

    def restore(self):
        self.chain.restore(self.snapshot)

    @initialize(identity_deployer=st.sampled_from(["issuer", "registrar", "wallet"]))
    def deploy(self, identity_deployer):
        chain, issuer = self.chain, self.issuer
        self.wallet = chain.deploy("MockWallet", issuer.address, sender=issuer)
        self.addresses["wallet"] = self.wallet.address
        identity = None
        if identity_deployer == "wallet":
            blueprint = chain.deploy_blueprint("IdentityRegistry", sender=issuer)
            created = self.wallet.create(blueprint, b"", sender=issuer)
            identity = chain.at("IdentityRegistry", created.return_value)
        elif identity_deployer == "registrar":
            identity = chain.deploy("IdentityRegistry", sender=self.accounts["registrar"])
        suite = deploy_suite(chain, issuer, identity=identity, epoch_length=DAY, upto="factory")
        self.stablecoin, self.identity, self.blueprint = suite.stablecoin, suite.identity, suite.blueprint
        deployer = self.addresses[identity_deployer]
        # ID-3: the deployer, not the key that drove a deploying contract, owns and registers
        equal("ID-3", "the registry's owner is its deployer", self.identity.owner(), deployer)
        for name in ACTORS:
            equal("ID-3", f"is_registrar({name}) after deployment", self.identity.is_registrar(self.addresses[name]),
                  name == identity_deployer)  # fmt: skip
        self.id_owner, self.id_pending = deployer, ZERO
        self.registrars = {deployer}
        self.valid_until = dict.fromkeys((self.addresses[s] for s in SUBJECTS), 0)
        args = {
            "blueprint": suite.blueprint,
            "stablecoin": suite.stablecoin.address,
            "identity": suite.identity.address,
            "genesis": suite.genesis,
            "epoch_length": DAY,
        }
        self.factories.append(FactoryModel(suite.factory, issuer.address, args))
        self.set_creator(0, "issuer", "creator", True)  # the creator account creates from the start
        self.touch("identity", "factory")

    # --- helpers ----------------------------------------------------------------------------
    def send(self, caller: str, contract, function: str, *args):
        """The call `function(*args)` on `contract` from `caller`: an account sends it, the
        wallet makes it in its own name (the issuer's key sends `execute`)."""
        if caller == "wallet":
            data = getattr(contract, function).fn.encode(args)
            return lambda: self.wallet.execute(contract.address, data, sender=self.issuer)
        return lambda: getattr(contract, function)(*args, sender=self.accounts[caller])

    def pick(self, caller: str, privileged: bool, allowed: set[str]) -> str:
        """`caller`, or, when `privileged`, an actor in `allowed` (addresses) if there is one."""
        candidates = [name for name in ACTORS if self.addresses[name] in allowed]
        if privileged and candidates:
            return candidates[ACTORS.index(caller) % len(candidates)]
        return caller

    def factory(self, index: int) -> tuple[int, FactoryModel]:
        index %= len(self.factories)
        self.dirty_factories.add(index)
        return index, self.factories[index]

    # --- ComputeFactory ---------------------------------------------------------------------
    @rule(
        deployer=st.sampled_from(["issuer", "creator", "stranger"]),
        blueprint=st.sampled_from(["blueprint"] * 6 + ["zero", "stranger"]),
        stablecoin=st.sampled_from(["stablecoin"] * 6 + ["zero", "stranger"]),
        identity=st.sampled_from(["identity"] * 6 + ["zero", "stranger"]),
        genesis=st.sampled_from([-1, 0, 0, 1, -3 * DAY, 3_600, "origin"]),
        epoch_length=st.sampled_from([0, 1, 3_600, DAY, MAX_EPOCH_LENGTH, MAX_EPOCH_LENGTH + 1, 2**256 - 1]),
    )
    def deploy_factory(self, deployer, blueprint, stablecoin, identity, genesis, epoch_length):
        now = self.chain.pending_timestamp
        at = 0 if genesis == "origin" else now + genesis
        own = {"blueprint": self.blueprint, "stablecoin": self.stablecoin.address, "identity": self.identity.address}
        args = {
            "blueprint": own.get(blueprint) or self.addresses[blueprint],
            "stablecoin": own.get(stablecoin) or self.addresses[stablecoin],
            "identity": own.get(identity) or self.addresses[identity],
            "genesis": at,
            "epoch_length": epoch_length,
        }
        if blueprint != "blueprint":  # the zero address and an account have no code
            reason = "factory: blueprint has no code"
        elif stablecoin == "zero":
            reason = "factory: stablecoin is the zero address"
        elif identity == "zero":
            reason = "factory: registry is the zero address"
        elif at > now:
            reason = "factory: genesis is in the future"
        elif epoch_length == 0:
            reason = "factory: epoch length is zero"
        else:
            reason = None
        call = lambda: self.chain.deploy("ComputeFactory", *args.values(), sender=self.accounts[deployer])  # noqa: E731
        factory = predicted("FAC-2", reason, call)
        if factory is None:
            return
        held = {
            "blueprint": factory.BLUEPRINT(),
            "stablecoin": factory.STABLECOIN(),
            "identity": factory.IDENTITY_REGISTRY(),
            "genesis": factory.GENESIS(),
            "epoch_length": factory.EPOCH_LENGTH(),
        }
        equal("FAC-2", "the new factory's immutables", held, args)
        equal("FAC-2", "the new factory's owner", factory.owner(), self.addresses[deployer])
        if len(self.factories) < MAX_FACTORIES:
            self.factories.append(FactoryModel(factory, self.addresses[deployer], args))
            self.dirty_factories.add(len(self.factories) - 1)
            self.touch("factory")

    @rule(
        index=st.integers(0, MAX_FACTORIES - 1),
        caller=actor,
        privileged=allowed,
        node_id=st.sampled_from(NODE_IDS),
        name=st.sampled_from(NAMES),
        symbol=st.sampled_from(SYMBOLS),
        documents_hash=st.sampled_from([b"\x0d" * 32, b"\x00" * 32, b"\xff" * 32]),
        admin=holder,
        agent=holder,
        minter=holder,
    )
    def create_token(self, index, caller, privileged, node_id, name, symbol, documents_hash, admin, agent, minter):
        index, model = self.factory(index)
        caller = self.pick(caller, privileged, {model.owner, *model.creators})
        me = self.addresses[caller]
        admin, agent, minter = (self.addresses[who] for who in (admin, agent, minter))
        if me != model.owner and me not in model.creators:
            reason = NOT_CREATOR
        elif (me, node_id) in model.tokens:
            reason = TAKEN
        elif model.args["epoch_length"] > MAX_EPOCH_LENGTH:  # the token's own constructor refuses
            reason = "revenue: epoch too long"
        elif admin == ZERO:
            reason = "compute_token: admin is the zero address"
        elif ZERO in (agent, minter):
            reason = "compute_token: role for the zero address"
        else:
            reason = None
        pid = "FAC-4" if caller == "wallet" and reason in (None, NOT_CREATOR) else "FAC-1"
        call = self.send(caller, model.contract, "create_token", node_id, name, symbol, documents_hash, admin,
                         agent, minter)  # fmt: skip
        receipt = predicted(pid, reason, call)
        if receipt is None:
            return
        self.touch("factory")
        logged = only_event("FAC-3", receipt, "TokenCreated")
        token_address = logged["token"]
        expected = {
            "creator": me,
            "node_id": node_id,
            "token": token_address,
            "admin": admin,
            "agent": agent,
            "minter": minter,
            "documents_hash": documents_hash,
        }
        equal("FAC-3", "TokenCreated's fields", logged, expected)
        require(token_address not in model.tokens.values(), "FAC-1", "a new token each time", token=token_address)
        model.tokens[(me, node_id)] = token_address
        token = self.chain.at("ComputeToken", token_address)
        held = {
            "stablecoin": token.STABLECOIN(),
            "identity": token.identity_registry(),
            "genesis": token.GENESIS(),
            "epoch_length": token.EPOCH_LENGTH(),
        }
        shared = {key: model.args[key] for key in ("stablecoin", "identity", "genesis", "epoch_length")}
        equal("FAC-3", "the token shares its factory's deployment", held, shared)
        mine = (token.node_id(), token.name(), token.symbol(), token.documents_hash(), token.owner())
        equal("FAC-3", "the token's node, names, documents and admin", mine,
              (node_id, name, symbol, documents_hash, admin))  # fmt: skip
        factory = model.contract.address
        roles = (token.is_agent(agent), token.is_minter(minter), token.is_agent(factory), token.is_minter(factory))
        equal("FAC-3", "the token's agent and minter, and not the factory", roles,
              (True, True, factory == agent, factory == minter))  # fmt: skip
        require(token.restricted(), "FAC-3", "a new token starts restricted")

    def set_creator(self, index: int, caller: str, account: str, status: bool) -> None:
        index, model = self.factory(index)
        reason = NOT_OWNER if self.addresses[caller] != model.owner else None
        if reason is None and account == "zero":
            reason = "factory: creator is the zero address"
        who = self.addresses[account]
        receipt = predicted("FAC-4", reason, self.send(caller, model.contract, "set_creator", who, status))
        if receipt is not None:
            equal("FAC-4", "CreatorSet's fields", only_event("FAC-4", receipt, "CreatorSet"),
                  {"account": who, "status": status})  # fmt: skip
            (model.creators.add if status else model.creators.discard)(who)
            self.touch("factory")

    @rule(
        index=st.integers(0, MAX_FACTORIES - 1), caller=actor, privileged=allowed, account=anyone, status=st.booleans()
    )
    def set_creator_rule(self, index, caller, privileged, account, status):
        caller = self.pick(caller, privileged, {self.factories[index % len(self.factories)].owner})
        self.set_creator(index, caller, account, status)

    @rule(index=st.integers(0, MAX_FACTORIES - 1), caller=actor, privileged=allowed, new_owner=anyone)
    def transfer_factory_ownership(self, index, caller, privileged, new_owner):
        index, model = self.factory(index)
        caller = self.pick(caller, privileged, {model.owner})
        reason = NOT_OWNER if self.addresses[caller] != model.owner else None
        to = self.addresses[new_owner]
        if predicted("FAC-4", reason, self.send(caller, model.contract, "transfer_ownership", to)) is not None:
            model.pending = to
            self.touch("factory")

    @rule(index=st.integers(0, MAX_FACTORIES - 1), caller=actor, privileged=allowed)
    def accept_factory_ownership(self, index, caller, privileged):
        index, model = self.factory(index)
        caller = self.pick(caller, privileged, {model.pending})
        me = self.addresses[caller]
        reason = NOT_NEW_OWNER if me != model.pending else None
        if predicted("FAC-4", reason, self.send(caller, model.contract, "accept_ownership")) is not None:
            model.owner, model.pending = me, ZERO
            self.touch("factory")

    # --- IdentityRegistry -------------------------------------------------------------------
    @rule(caller=actor, privileged=allowed, account=anyone, status=st.booleans())
    def set_registrar(self, caller, privileged, account, status):
        caller = self.pick(caller, privileged, {self.id_owner})
        reason = NOT_OWNER if self.addresses[caller] != self.id_owner else None
        if reason is None and account == "zero":
            reason = "identity: registrar is the zero address"
        who = self.addresses[account]
        receipt = predicted("ID-2", reason, self.send(caller, self.identity, "set_registrar", who, status))
        if receipt is not None:
            equal("ID-2", "RegistrarSet's fields", only_event("ID-2", receipt, "RegistrarSet"),
                  {"account": who, "status": status})  # fmt: skip
            (self.registrars.add if status else self.registrars.discard)(who)
            self.touch("identity")

    @rule(
        caller=actor,
        privileged=allowed,
        account=subject,
        until=st.sampled_from([-1, 0, 0, 1, 2, 60, DAY, "zero", "max"]),
    )
    def set_verified(self, caller, privileged, account, until):
        caller = self.pick(caller, privileged, self.registrars)
        now = self.chain.pending_timestamp
        value = {"zero": 0, "max": MAX_UINT64}.get(until)
        value = max(now + until, 0) if value is None else value
        me, who = self.addresses[caller], self.addresses[account]
        if me not in self.registrars:
            pid, reason = ("ID-3" if caller == "wallet" else "ID-2"), NOT_REGISTRAR
        elif who == ZERO:
            pid, reason = "ID-4", "identity: account is the zero address"
        else:
            pid, reason = "ID-4", ("identity: valid_until is in the past" if value < now else None)
        receipt = predicted(pid, reason, self.send(caller, self.identity, "set_verified", who, value))
        if receipt is not None:
            equal("ID-3", "IdentityVerified's fields (the direct caller as registrar)",
                  only_event("ID-3", receipt, "IdentityVerified"),
                  {"account": who, "valid_until": value, "registrar": me})  # fmt: skip
            self.valid_until[who] = value
            self.touch("identity")

    @rule(caller=actor, privileged=allowed, account=subject)
    def revoke(self, caller, privileged, account):
        caller = self.pick(caller, privileged, self.registrars)
        me, who = self.addresses[caller], self.addresses[account]
        reason = NOT_REGISTRAR if me not in self.registrars else None
        pid = "ID-3" if caller == "wallet" else "ID-2"
        receipt = predicted(pid, reason, self.send(caller, self.identity, "revoke", who))
        if receipt is not None:
            equal("ID-3", "IdentityRevoked's fields (the direct caller as registrar)",
                  only_event("ID-3", receipt, "IdentityRevoked"), {"account": who, "registrar": me})  # fmt: skip
            self.valid_until[who] = 0
            self.touch("identity")

    @rule(caller=actor, privileged=allowed, new_owner=anyone)
    def transfer_identity_ownership(self, caller, privileged, new_owner):
        caller = self.pick(caller, privileged, {self.id_owner})
        reason = NOT_OWNER if self.addresses[caller] != self.id_owner else None
        to = self.addresses[new_owner]
        if predicted("ID-2", reason, self.send(caller, self.identity, "transfer_ownership", to)) is not None:
            self.id_pending = to
            self.touch("identity")

    @rule(caller=actor, privileged=allowed)
    def accept_identity_ownership(self, caller, privileged):
        caller = self.pick(caller, privileged, {self.id_pending})
        me = self.addresses[caller]
        reason = NOT_NEW_OWNER if me != self.id_pending else None
        if predicted("ID-2", reason, self.send(caller, self.identity, "accept_ownership")) is not None:
            self.id_owner, self.id_pending = me, ZERO
            self.touch("identity")

    @rule(seconds=st.sampled_from([1, 2, 60, DAY]))
    def sleep(self, seconds):
        self.chain.sleep(seconds)

    # --- properties -------------------------------------------------------------------------
    @check("FAC-1", "FAC-4", watches=("factory",))
    def factories_match_the_model(self):
        """The factories a step touched (every one in a sweep)."""
        every = self.sweeping() or not self.dirty_factories
        indices = range(len(self.factories)) if every else sorted(self.dirty_factories)
        self.dirty_factories = set()
        for i in indices:
            model = self.factories[i]
            factory = model.contract
            equal("FAC-4", f"factory {i}: owner()", factory.owner(), model.owner)
            equal("FAC-4", f"factory {i}: pending_owner()", factory.pending_owner(), model.pending)
            for name in ACTORS:
                who = self.addresses[name]
                equal("FAC-4", f"factory {i}: is_creator({name})", factory.is_creator(who), who in model.creators)
                for node_id in NODE_IDS:
                    expected = model.tokens.get((who, node_id), ZERO)
                    equal("FAC-1", f"factory {i}: token_of({name}, {node_id})", factory.token_of(who, node_id),
                          expected)  # fmt: skip
            equal("FAC-1", f"factory {i}: token_count()", factory.token_count(), len(model.tokens))

    @check("ID-1", watches=("identity", "time"))
    def verified_to_the_second(self):
        now = self.chain.timestamp
        addresses = [self.addresses[s] for s in SUBJECTS]
        for name, who in zip(SUBJECTS, addresses, strict=True):
            expected = now <= self.valid_until[who] and who != ZERO
            equal("ID-1", f"is_verified({name}) at {now}", self.identity.is_verified(who), expected)
        for i, first in enumerate(addresses):  # `min` is symmetric: each unordered pair, and each account with itself
            for second in addresses[i:]:
                expected = now <= min(self.valid_until[first], self.valid_until[second])
                equal("ID-1", f"are_verified({first}, {second}) at {now}", self.identity.are_verified(first, second),
                      expected)  # fmt: skip

    @check("ID-2", watches=("identity",))
    def identity_matches_the_model(self):
        identity = self.identity
        equal("ID-2", "owner()", identity.owner(), self.id_owner)
        equal("ID-2", "pending_owner()", identity.pending_owner(), self.id_pending)
        for name in (*ACTORS, "zero"):
            who = self.addresses[name]
            equal("ID-2", f"is_registrar({name})", identity.is_registrar(who), who in self.registrars)
        for name in SUBJECTS:
            who = self.addresses[name]
            equal("ID-2", f"valid_until({name})", identity.valid_until(who), self.valid_until[who])


@pytest.mark.both_engines
def test_factory_machine(backend):
    run_state_machine_as_test(lambda: FactoryMachine(backend), settings=machine_settings(backend))
