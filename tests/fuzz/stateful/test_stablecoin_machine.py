"""MockStablecoin against an exact Python model, on either engine.

Rules: mint, burn, transfer, approve, transferFrom, permit, EIP-3009 transfer / receive /
cancel (valid, early, expired, reused, forged and high-s), blacklist, pause, time jumps —
from the issuer and from anyone else. Deadlines and validity windows are aimed at their
edges (one second before, at and after the next block's time). Every call's outcome
(success, or exactly which revert) is predicted by the model first; a wrong prediction fails
with the property ID the rule checks. Properties (`@check`s, after each step that could
change what they read, in a full sweep every 10 steps and at the end; PROPERTIES.md):
- STB-1 supply is conserved: the sum of all balances equals totalSupply equals the model's;
- STB-2 every balance, allowance, permit nonce, blacklist flag and the pause flag equal the
  model's (after a step, the actors and pairs it touched; all of them in a sweep);
- STB-3 an authorization nonce, once used or cancelled, stays unusable;
- STB-6 a permit is valid up to and including its deadline, an authorization strictly
  inside (valid_after, valid_before): at each edge, to the second;
- STB-7 the EIP-712 domain is the one integrators hard-code (DESIGN: the token's name,
  version "1", the chain id, the token's address): `eip712Domain()` and `DOMAIN_SEPARATOR()`
  report it, and every permit and authorization is signed with it, not with what the token
  reports. The token is named at the constructor's cap (25 characters): the domain hashes
  the longest name a deployment may have.
The issuer mints and burns about half the time (anyone else is refused); blacklisting is
called by any actor (more blacklisted accounts would refuse most transfers), and an issuer
that blacklists itself tries to burn its balance at once.
Runs on the in-process engine and (few examples) on Ape's provider.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import rule, run_state_machine_as_test

from computerwa.client import signing
from computerwa.client.signing import Domain
from computerwa.evm.chain import Reverted, expect
from computerwa.evm.suite import STABLE_SYMBOL
from tests.conftest import CUSTOMER_FUNDS, OPERATOR_FUNDS, machine_settings
from tests.fuzz.properties import PropertyMachine, check, equal

NOT_OWNER = "ownable: caller is not the owner"
PAUSED = "pausable: contract is paused"
NOT_PAUSED = "pausable: contract is not paused"
BLACKLISTED = "stablecoin: account is blacklisted"
BAD_SIGNATURE = "stablecoin: invalid signature"
HIGH_S = "ecdsa: invalid signature `s` value"
USED = "stablecoin: authorization is used or canceled"
NO_BALANCE = "erc20: transfer amount exceeds balance"
MAX = 2**256 - 1

NAME_AT_CAP = "ComputeRWA Mock USD (cap)"  # the constructor's String[25], every character used
assert len(NAME_AT_CAP) == 25
VERSION = "1"  # DESIGN.md: every EIP-712 domain of the project has version "1"

ACTORS = 6  # accounts[0] is the issuer, all six hold and sign
actor = st.integers(0, ACTORS - 1)
# who calls an issuer-only function: the issuer about half the time, else anyone (a refusal)
admin = st.one_of(st.just(0), actor)
amount = st.one_of(st.integers(0, 1_000), st.integers(0, 3 * 10**12), st.just(MAX))
signature_kind = st.sampled_from(["valid", "valid", "valid", "wrong_signer", "high_s", "cross_type"])
edge = st.sampled_from([-1, 0, 1])  # a deadline or validity bound one second before, at or after the call


def outcome(pid: str, reason: str | None, call):
    """`expect` with the ID of the property the prediction checks in a mismatch's message."""
    try:
        return expect(reason, call)
    except AssertionError as err:
        message = str(err.args[0]) if err.args else "assertion failed"
        raise AssertionError(f"{pid}: predicted outcome: {message}") from None


class StablecoinMachine(PropertyMachine):
    RULE_IDS = frozenset({"STB-6"})  # checked in rules / end_of_run

    def __init__(self, backend, token, name: str):
        super().__init__()
        self.chain = backend
        self.token = token
        self.snapshot = backend.snapshot()
        self.accounts = backend.accounts[:ACTORS]
        # STB-7: the domain an integrator hard-codes from the deployment, not `Domain.of(token)`
        self.domain = Domain(name, VERSION, backend.chain_id, token.address)
        self.balances = [token.balanceOf(a) for a in self.accounts]
        self.supply = token.totalSupply()
        self.allowances: dict[tuple[int, int], int] = {}
        self.permit_nonces = [token.nonces(a) for a in self.accounts]
        self.blacklisted = [False] * ACTORS
        self.paused = False
        self.used_nonces: set[tuple[int, bytes]] = set()
        self.nonce_pool: list[tuple[int, bytes]] = []
        # what the steps since the last checks touched (all of it in a full sweep)
        self.dirty_actors: set[int] = set()
        self.dirty_pairs: set[tuple[int, int]] = set()
        self.dirty_nonces: set[tuple[int, bytes]] = set()

    def restore(self):
        self.chain.restore(self.snapshot)

    # --- helpers --------------------------------------------------------------------------
    def parties_reason(self, a: int, b: int) -> str | None:
        if self.paused:
            return PAUSED
        if self.blacklisted[a] or self.blacklisted[b]:
            return BLACKLISTED
        return None

    def sign(self, signer: int, document: dict, kind: str) -> signing.Signature:
        if kind == "wrong_signer":
            signer = (signer + 1) % ACTORS
        if kind == "cross_type" and document["primaryType"] in signing.AUTHORIZATION_TYPES:
            # the same fields signed as the other EIP-3009 type (receive vs transfer)
            other = next(t for t in signing.AUTHORIZATION_TYPES if t != document["primaryType"])
            types = {"EIP712Domain": document["types"]["EIP712Domain"], other: signing.TYPES[other]}
            document = {**document, "primaryType": other, "types": types}
        sig = signing.sign(self.accounts[signer], document)
        return signing.malleate(sig) if kind == "high_s" else sig

    @staticmethod
    def signature_reason(kind: str, document: dict) -> str | None:
        if kind == "cross_type" and document["primaryType"] not in signing.AUTHORIZATION_TYPES:
            return None  # only authorizations have a twin type
        return {"valid": None, "wrong_signer": BAD_SIGNATURE, "high_s": HIGH_S, "cross_type": BAD_SIGNATURE}[kind]

    def move(self, src: int, dst: int, value: int) -> None:
        self.balances[src] -= value
        self.balances[dst] += value
        self.dirty_actors.update((src, dst))
        self.touch("balances")

    def allow(self, owner: int, spender: int, value: int) -> None:
        self.allowances[(owner, spender)] = value
        self.dirty_pairs.add((owner, spender))
        self.touch("allowances")

    # --- issuer -----------------------------------------------------------------------------
    @rule(caller=admin, to=actor, value=st.integers(0, 10**13))
    def mint(self, caller, to, value):
        reason = NOT_OWNER if caller != 0 else self.parties_reason(0, to)
        if outcome("STB-4", reason, lambda: self.token.mint(self.accounts[to], value, sender=self.accounts[caller])):
            self.balances[to] += value
            self.supply += value
            self.dirty_actors.add(to)
            self.touch("balances")

    @rule(caller=admin, value=amount)
    def burn(self, caller, value):
        reason = NOT_OWNER if caller != 0 else self.parties_reason(0, 0)
        if reason is None and value > self.balances[0]:
            reason = "erc20: burn amount exceeds balance"
        if outcome("STB-4", reason, lambda: self.token.burn(value, sender=self.accounts[caller])):
            self.balances[0] -= value
            self.supply -= value
            self.dirty_actors.add(0)
            self.touch("balances")

    @rule(caller=actor, who=actor, listed=st.booleans())
    def set_blacklist(self, caller, who, listed):
        fn = self.token.blacklist if listed else self.token.unblacklist
        if outcome(
            "STB-4", None if caller == 0 else NOT_OWNER, lambda: fn(self.accounts[who], sender=self.accounts[caller])
        ):
            self.blacklisted[who] = listed
            self.touch("flags")
            if listed and who == 0:
                # the issuer, frozen out of its own balance, tries to burn all of it in the next block (a
                # sequence the rules alone rarely draw): refused as blacklisted unless paused (STB-4)
                self.burn(0, self.balances[0])

    @rule(caller=actor, pause=st.booleans())
    def set_pause(self, caller, pause):
        if caller != 0:
            reason = NOT_OWNER
        elif pause:
            reason = PAUSED if self.paused else None
        else:
            reason = None if self.paused else NOT_PAUSED
        fn = self.token.pause if pause else self.token.unpause
        if outcome("STB-4", reason, lambda: fn(sender=self.accounts[caller])):
            self.paused = pause
            self.touch("flags")

    # --- holders ----------------------------------------------------------------------------
    @rule(src=actor, dst=actor, value=amount)
    def transfer(self, src, dst, value):
        reason = self.parties_reason(src, dst) or (NO_BALANCE if value > self.balances[src] else None)
        if outcome("STB-2", reason, lambda: self.token.transfer(self.accounts[dst], value, sender=self.accounts[src])):
            self.move(src, dst, value)

    @rule(owner=actor, spender=actor, value=amount)
    def approve(self, owner, spender, value):
        reason = self.parties_reason(owner, spender)
        if outcome(
            "STB-2", reason, lambda: self.token.approve(self.accounts[spender], value, sender=self.accounts[owner])
        ):
            self.allow(owner, spender, value)

    @rule(spender=actor, owner=actor, dst=actor, value=amount)
    def transfer_from(self, spender, owner, dst, value):
        allowance = self.allowances.get((owner, spender), 0)
        reason = self.parties_reason(owner, dst) or (BLACKLISTED if self.blacklisted[spender] else None)
        if reason is None and allowance < MAX and allowance < value:
            reason = "erc20: insufficient allowance"
        if reason is None and value > self.balances[owner]:
            reason = NO_BALANCE
        call = lambda: self.token.transferFrom(  # noqa: E731
            self.accounts[owner], self.accounts[dst], value, sender=self.accounts[spender]
        )
        if outcome("STB-2", reason, call):
            if allowance < MAX:
                self.allow(owner, spender, allowance - value)
            self.move(owner, dst, value)

    @rule(
        owner=actor, spender=actor, value=amount, lifetime=st.one_of(edge, st.integers(-50, 3_600)), kind=signature_kind
    )
    def permit(self, owner, spender, value, lifetime, kind):
        now = self.chain.pending_timestamp
        deadline = max(now + lifetime, 0)
        nonce = self.permit_nonces[owner]
        document = signing.permit(
            self.domain, self.accounts[owner].address, self.accounts[spender].address, value, nonce, deadline
        )
        sig = self.sign(owner, document, kind)
        reason = self.parties_reason(owner, spender) or ("stablecoin: permit expired" if now > deadline else None)
        reason = reason or self.signature_reason(kind, document)
        call = lambda: self.token.permit(  # noqa: E731
            self.accounts[owner], self.accounts[spender], value, deadline, *sig.vrs, sender=self.accounts[spender]
        )
        if outcome("STB-6" if abs(lifetime) <= 1 else "STB-2", reason, call):
            self.permit_nonces[owner] += 1
            self.allow(owner, spender, value)
            self.dirty_actors.add(owner)

    # --- EIP-3009 -----------------------------------------------------------------------------
    def pick_nonce(self, payer: int, data) -> bytes:
        """A fresh nonce, or one seen before (used, cancelled or still open) to try a replay."""
        reuse = [n for p, n in self.nonce_pool if p == payer]
        if reuse and data.draw(st.booleans(), label="reuse nonce"):
            nonce = data.draw(st.sampled_from(reuse), label="nonce")
        else:
            nonce = data.draw(st.binary(min_size=32, max_size=32), label="nonce")
            self.nonce_pool.append((payer, nonce))
        self.dirty_nonces.add((payer, nonce))
        self.touch("authorizations")
        return nonce

    @rule(
        payer=actor,
        payee=actor,
        submitter=actor,
        value=amount,
        after=st.one_of(edge, st.integers(-100, 5)),
        before=st.one_of(edge, st.integers(-5, 3_600)),
        receive=st.booleans(),
        kind=signature_kind,
        data=st.data(),
    )
    def pay_with_authorization(self, payer, payee, submitter, value, after, before, receive, kind, data):
        nonce = self.pick_nonce(payer, data)
        now = self.chain.pending_timestamp
        valid_after, valid_before = max(now + after, 0), max(now + before, 0)
        document = signing.authorization(
            self.domain,
            self.accounts[payer].address,
            self.accounts[payee].address,
            value,
            valid_after,
            valid_before,
            nonce,
            receive,
        )
        sig = self.sign(payer, document, kind)
        if receive:
            submitter = data.draw(st.sampled_from([payee, submitter]), label="receive submitter")
        reason = "stablecoin: caller must be the payee" if receive and submitter != payee else None
        reason = reason or self.parties_reason(payer, payee)
        if reason is None and not now > valid_after:
            reason = "stablecoin: authorization is not yet valid"
        if reason is None and not now < valid_before:
            reason = "stablecoin: authorization is expired"
        if reason is None and (payer, nonce) in self.used_nonces:
            reason = USED
        reason = reason or self.signature_reason(kind, document)
        if reason is None and value > self.balances[payer]:
            reason = NO_BALANCE
        fn = self.token.receiveWithAuthorization if receive else self.token.transferWithAuthorization
        args = (self.accounts[payer], self.accounts[payee], value, valid_after, valid_before, nonce, *sig.vrs)
        pid = "STB-6" if abs(after) <= 1 or abs(before) <= 1 else "STB-3"
        receipt = outcome(pid, reason, lambda: fn(*args, sender=self.accounts[submitter]))
        if receipt:
            equal("STB-3", "the events of a used authorization", [e.name for e in receipt.events],
                  ["AuthorizationUsed", "Transfer"])  # fmt: skip
            self.used_nonces.add((payer, nonce))
            self.move(payer, payee, value)

    @rule(authorizer=actor, submitter=actor, kind=signature_kind, data=st.data())
    def cancel_authorization(self, authorizer, submitter, kind, data):
        nonce = self.pick_nonce(authorizer, data)
        document = signing.cancel_authorization(self.domain, self.accounts[authorizer].address, nonce)
        sig = self.sign(authorizer, document, kind)
        reason = PAUSED if self.paused else (USED if (authorizer, nonce) in self.used_nonces else None)
        reason = reason or self.signature_reason(kind, document)
        call = lambda: self.token.cancelAuthorization(  # noqa: E731
            self.accounts[authorizer], nonce, *sig.vrs, sender=self.accounts[submitter]
        )
        if outcome("STB-3", reason, call):
            self.used_nonces.add((authorizer, nonce))

    @rule(seconds=st.sampled_from([1, 7, 60, 3_600, 86_400 * 3]))
    def sleep(self, seconds):
        self.chain.sleep(seconds)

    # --- properties ---------------------------------------------------------------------------
    @check("STB-1", "STB-2", watches=("balances",))
    def supply_is_conserved(self):
        """Every actor's balance (those a step moved; all in a sweep) and the supply."""
        every = self.sweeping() or not self.dirty_actors
        actors = range(ACTORS) if every else sorted(self.dirty_actors)
        self.dirty_actors = set()
        for i in actors:
            equal("STB-2", f"balanceOf(actor {i})", self.token.balanceOf(self.accounts[i]), self.balances[i])
        supply = self.token.totalSupply()
        equal("STB-1", "totalSupply", supply, self.supply)
        equal("STB-1", "the model's balances sum to the supply", sum(self.balances), self.supply)

    @check("STB-2", watches=("allowances",))
    def allowances_and_nonces_match(self):
        """The pairs a step touched; in a sweep every pair on the fast engine (on Ape's
        provider, whose calls are slow, the pairs ever touched), and every permit nonce."""
        if self.sweeping() or not self.dirty_pairs:
            everything = [(o, s) for o in range(ACTORS) for s in range(ACTORS)]
            pairs = everything if self.chain.name == "revm" else list(self.allowances)
            nonces = range(ACTORS)
        else:
            pairs, nonces = sorted(self.dirty_pairs), sorted({o for o, _ in self.dirty_pairs})
        self.dirty_pairs = set()
        for owner, spender in pairs:
            expected = self.allowances.get((owner, spender), 0)
            actual = self.token.allowance(self.accounts[owner], self.accounts[spender])
            equal("STB-2", f"allowance(actor {owner}, actor {spender})", actual, expected)
        for i in nonces:
            equal("STB-2", f"nonces(actor {i})", self.token.nonces(self.accounts[i]), self.permit_nonces[i])

    @check("STB-2", "STB-4", watches=("flags",))
    def flags_match(self):
        equal("STB-4", "paused()", self.token.paused(), self.paused)
        equal("STB-4", "blacklist flags", [self.token.isBlacklisted(a) for a in self.accounts], self.blacklisted)

    @check("STB-7", watches=("domain",))
    def domain_is_the_hard_coded_one(self):
        """What the token reports of its EIP-712 domain (read in every sweep; nothing changes it)."""
        d = self.domain
        reported = self.token.eip712Domain()
        equal(
            "STB-7",
            "eip712Domain()",
            reported,
            (b"\x0f", d.name, d.version, d.chain_id, d.verifying_contract, bytes(32), ()),
        )
        equal("STB-7", "DOMAIN_SEPARATOR()", self.token.DOMAIN_SEPARATOR(), signing.domain_separator(d))

    @check("STB-3", watches=("authorizations",))
    def spent_authorizations_stay_spent(self):
        """The nonces a step used or tried (every nonce seen in a sweep)."""
        every = self.sweeping() or not self.dirty_nonces
        nonces = self.nonce_pool if every else sorted(self.dirty_nonces)
        self.dirty_nonces = set()
        for payer, nonce in nonces:
            used = (payer, nonce) in self.used_nonces
            actual = self.token.authorizationState(self.accounts[payer], nonce)
            equal("STB-3", f"authorizationState(actor {payer}, {nonce.hex()})", actual, used)


@pytest.fixture
def capped_stablecoin(backend, issuer, customer, operator):
    """The mock dollar funded as the `stablecoin` fixture's, named at the constructor's cap."""
    try:
        token = backend.deploy("MockStablecoin", NAME_AT_CAP, STABLE_SYMBOL, sender=issuer)
    except Reverted as err:
        raise AssertionError(f"STB-7: a name at the constructor's cap (25 characters) is refused: {err}") from None
    token.mint(customer, CUSTOMER_FUNDS, sender=issuer)
    token.mint(operator, OPERATOR_FUNDS, sender=issuer)
    return token


@pytest.mark.both_engines
def test_stablecoin_machine(backend, capped_stablecoin):
    run_state_machine_as_test(
        lambda: StablecoinMachine(backend, capped_stablecoin, NAME_AT_CAP), settings=machine_settings(backend)
    )
