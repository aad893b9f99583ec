"""ComputeToken and its revenue stream against the exact reference model, on either engine.

Rules: deposits from 1 base unit to 1e15, transfers, transferFrom, approvals and permits,
mint and burn, forced transfers, recoveries, freeze/unfreeze, pause, restricted mode,
verification grants, revocations and expiries, claims to self and to other receivers
(also by holders the stablecoin blacklists), stablecoin sent straight to the token and
`skim` by anyone (issue #15 item 10's attacker), and time jumps within and across epochs,
long idle gaps included. Every call's outcome (success or exactly which revert) is
predicted first. After every step, exactly:
- REV-1 deposited = claimed + accrued by everyone + streaming + carry (scaled, to the unit),
  the stablecoin the token holds = deposited - claimed, and every stream variable, every
  `accrued_scaled` and `claimable` and `streaming()` equal the model's;
- REV-2 each holder's claimed-plus-claimable is at most the floor of its exact balance-time
  share (`ExactRevenue`: written from DESIGN, every second's revenue shared by that
  second's balances, in Fractions); and against the contract's own releases
  (`IdealShares`), accrued-plus-claimed trails its share by less than its balance in
  scaled units per release (the accumulator's floor), below one base unit per update;
- REV-9 (stray stablecoin and `skim`): the token holds exactly what it owes (`owed()`,
  the model's deposits and skims less claims) plus the stablecoin sent to it and not yet
  skimmed; `skim` streams exactly that and the dust's whole units, or refuses with
  "revenue: nothing to skim";
- REV-3 checked inside each balance-changing rule: the parties' accrued revenue right after
  the change equals what it was about to be without it;
- REV-4 claimable never decreases between a holder's claims, and a second claim with
  nothing streamed in between pays 0;
- TOK-1 balances sum to totalSupply, allowances and nonces match, the zero address holds nothing.
Runs with daily epochs and with the shortest ones (EPOCH_LENGTH == 1 s: an epoch rolls on
almost every step).
"""

from __future__ import annotations

import copy
import math
from fractions import Fraction

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from computerwa.client import signing
from computerwa.client.signing import Domain
from computerwa.evm.chain import expect
from computerwa.evm.suite import deploy_suite
from computerwa.models.exact_revenue import ExactRevenue
from computerwa.models.revenue import ACC_PRECISION, IdealShares, RevenueModel
from tests.conftest import EPOCH_LENGTH, FOREVER, machine_settings, role

ZERO = "0x" + "00" * 20
MAX = 2**256 - 1
DAY = 86_400
PAUSED = "compute_token: transfers are paused"
SENDER_FROZEN = "compute_token: sender is frozen"
RECEIVER_FROZEN = "compute_token: receiver is frozen"
FROZEN_CLAIM = "revenue: account is frozen"
SENDER_UNVERIFIED = "compute_token: sender is not verified"
RECEIVER_UNVERIFIED = "compute_token: receiver is not verified"
NO_BALANCE = "erc20: transfer amount exceeds balance"

HOLDERS = 4  # actor indexes 0..3 hold, trade and claim; receivers may also be the payout wallet
holder_index = st.integers(0, HOLDERS - 1)
share_amount = st.one_of(st.integers(0, 10**3), st.integers(0, 10**27), st.sampled_from([1, 10**18]))
revenue_amount = st.one_of(st.integers(1, 10**3), st.integers(1, 10**15))
time_jump = st.one_of(
    st.sampled_from([1, 59, 3_600, DAY // 2, DAY - 1, DAY, DAY + 1, 3 * DAY, 45 * DAY]),
    st.integers(1, 2 * DAY),
)


class ComputeTokenMachine(RuleBasedStateMachine):
    def __init__(self, backend, stablecoin, identity, token, roles):
        super().__init__()
        self.chain, self.stable, self.identity, self.token = backend, stablecoin, identity, token
        self.issuer, self.agent, self.minter, self.depositor, self.payout = roles
        self.snapshot = backend.snapshot()
        self.holders = [backend.accounts[i] for i in (4, 7, 1, 2)]
        self.addr = [h.address for h in self.holders]
        self.domain = Domain.of(token)
        self.ideal = IdealShares()
        self.model = RevenueModel(
            token.GENESIS(), token.EPOCH_LENGTH(), last_update=token.last_update(), on_release=self.ideal.record
        )
        self.exact = ExactRevenue(token.GENESIS(), token.EPOCH_LENGTH(), now=token.last_update())
        self.unskimmed = 0  # stablecoin sent to the token without deposit_revenue
        self.claimed_by = {a: 0 for a in self.addr}
        self.last_claimable = {a: 0 for a in self.addr}
        self.allowances: dict[tuple[int, int], int] = {}
        self.permit_nonces = [0] * HOLDERS
        self.frozen = [False] * HOLDERS
        self.valid_until = [FOREVER, FOREVER, FOREVER, 0]  # the operator starts unverified
        self.stable_blacklisted = [False] * HOLDERS
        self.paused = False
        self.restricted = True

    def teardown(self):
        self.chain.restore(self.snapshot)

    # --- helpers ----------------------------------------------------------------------------
    def verified(self, i: int, t: int) -> bool:
        return t <= self.valid_until[i]

    def restriction(self, src: int, dst: int, t: int) -> str | None:
        if self.paused:
            return PAUSED
        if self.frozen[src]:
            return SENDER_FROZEN
        if self.frozen[dst]:
            return RECEIVER_FROZEN
        if self.restricted and not self.verified(src, t):
            return SENDER_UNVERIFIED
        if self.restricted and not self.verified(dst, t):
            return RECEIVER_UNVERIFIED
        return None

    def peek(self, t: int, ideal: IdealShares | None = None) -> RevenueModel:
        """A copy of the model brought to t (the model itself moves only when the chain did)."""
        probe = copy.copy(self.model)
        probe.balances, probe.paid, probe.accrued = dict(probe.balances), dict(probe.paid), dict(probe.accrued)
        probe.on_release = ideal.record if ideal is not None else None
        probe.update(t)
        return probe

    def balance_change(self, t, sender, receiver, amount, call, reason=None):
        """A balance change on chain and in the model; checks REV-3 for both parties."""
        probe = self.peek(t)
        parties = [a for a in (sender, receiver) if a is not None and a != ZERO]
        expected = {a: probe._pending(a, probe.acc) for a in parties}
        receipt = expect(reason, call)
        if receipt is None:
            return None
        self.model.move(t, sender, receiver, amount)
        self.exact.move(t, sender, receiver, amount)
        after = self.peek(t)
        for account, before in expected.items():
            onchain = self.token.accrued_scaled(account)
            assert onchain == after._pending(account, after.acc)
            if after.acc == self.model.acc:
                assert onchain == before, "REV-3: a balance change moved accrued revenue"
            else:
                assert onchain >= before, "REV-3: a balance change took accrued revenue"
        return receipt

    # --- revenue ----------------------------------------------------------------------------
    @rule(amount=revenue_amount)
    def deposit(self, amount):
        t = self.chain.pending_timestamp
        receipt = expect(None, lambda: self.token.deposit_revenue(amount, sender=self.depositor))
        self.model.deposit(t, amount)
        self.exact.deposit(t, amount)
        [event] = receipt.filter("RevenueDeposited")
        assert event.amount == amount
        assert event.epoch == self.model.epoch(t)

    @rule(amount=revenue_amount)
    def stray_transfer(self, amount):
        """Stablecoin sent straight to the token (issue #15 item 10): owed to nobody yet."""
        self.stable.transfer(self.token, amount, sender=self.depositor)
        self.unskimmed += amount

    @rule()
    def skim(self):
        t = self.chain.pending_timestamp
        expected = self.model.skimmable(t, self.stable.balanceOf(self.token))
        if expected == 0:
            expect("revenue: nothing to skim", lambda: self.token.skim(sender=self.depositor))
            return
        receipt = expect(None, lambda: self.token.skim(sender=self.depositor))
        assert self.model.skim(t, self.stable.balanceOf(self.token)) == expected
        self.exact.deposit(t, expected)
        self.unskimmed = 0
        [event] = receipt.filter("RevenueSkimmed")
        assert (event.amount, event.epoch) == (expected, self.model.epoch(t))

    @rule(i=holder_index, to_payout=st.booleans())
    def claim(self, i, to_payout):
        t = self.chain.pending_timestamp
        account = self.holders[i]
        receiver = self.payout if to_payout else account
        if not to_payout and self.stable_blacklisted[i]:
            receiver = self.payout  # a blacklisted holder is paid elsewhere
        expected = self.model.claimable(account.address, t)
        before = self.stable.balanceOf(receiver)
        if self.frozen[i]:  # REV-8: a frozen holder moves no value; its revenue keeps accruing
            expect(FROZEN_CLAIM, lambda: self.token.claim(receiver, sender=account))
            assert self.stable.balanceOf(receiver) == before
            return
        receipt = expect(None, lambda: self.token.claim(receiver, sender=account))
        paid = self.model.claim(t, account.address)
        assert paid == expected
        assert receipt.filter("RevenueClaimed")[0].amount == paid
        assert self.stable.balanceOf(receiver) == before + paid
        self.claimed_by[account.address] += paid
        self.last_claimable[account.address] = 0
        if self.model.streaming(t) == 0:
            # REV-4: with nothing streaming, a second claim pays 0
            again = expect(None, lambda: self.token.claim(receiver, sender=account))
            assert self.model.claim(self.chain.timestamp, account.address) == 0
            assert again.filter("RevenueClaimed")[0].amount == 0

    @rule(i=holder_index)
    def stablecoin_blacklist_toggle(self, i):
        listed = not self.stable_blacklisted[i]
        fn = self.stable.blacklist if listed else self.stable.unblacklist
        fn(self.holders[i], sender=self.issuer)
        self.stable_blacklisted[i] = listed

    @rule(seconds=time_jump)
    def sleep(self, seconds):
        self.chain.sleep(seconds)

    # --- holders ----------------------------------------------------------------------------
    @rule(src=holder_index, dst=holder_index, amount=share_amount)
    def transfer(self, src, dst, amount):
        t = self.chain.pending_timestamp
        a, b = self.addr[src], self.addr[dst]
        reason = self.restriction(src, dst, t) or (NO_BALANCE if amount > self.model.balances.get(a, 0) else None)
        call = lambda: self.token.transfer(b, amount, sender=self.holders[src])  # noqa: E731
        self.balance_change(t, a, b, amount, call, reason)

    @rule(spender=holder_index, owner=holder_index, dst=holder_index, amount=share_amount)
    def transfer_from(self, spender, owner, dst, amount):
        t = self.chain.pending_timestamp
        a, b = self.addr[owner], self.addr[dst]
        allowance = self.allowances.get((owner, spender), 0)
        reason = self.restriction(owner, dst, t)
        if reason is None and allowance < MAX and allowance < amount:
            reason = "erc20: insufficient allowance"
        if reason is None and amount > self.model.balances.get(a, 0):
            reason = NO_BALANCE
        call = lambda: self.token.transferFrom(a, b, amount, sender=self.holders[spender])  # noqa: E731
        if self.balance_change(t, a, b, amount, call, reason) and allowance < MAX:
            self.allowances[(owner, spender)] = allowance - amount

    @rule(
        owner=holder_index, spender=holder_index, amount=st.one_of(share_amount, st.just(MAX)), by_permit=st.booleans()
    )
    def approve(self, owner, spender, amount, by_permit):
        if by_permit:
            deadline = self.chain.pending_timestamp + 600
            document = signing.permit(
                self.domain, self.addr[owner], self.addr[spender], amount, self.permit_nonces[owner], deadline
            )
            sig = signing.sign(self.holders[owner], document)
            self.token.permit(self.addr[owner], self.addr[spender], amount, deadline, *sig.vrs, sender=self.depositor)
            self.permit_nonces[owner] += 1
        else:
            self.token.approve(self.addr[spender], amount, sender=self.holders[owner])
        self.allowances[(owner, spender)] = amount

    # --- minter -----------------------------------------------------------------------------
    @rule(i=holder_index, amount=share_amount)
    def mint(self, i, amount):
        t = self.chain.pending_timestamp
        reason = RECEIVER_FROZEN if self.frozen[i] else None
        if reason is None and self.restricted and not self.verified(i, t):
            reason = RECEIVER_UNVERIFIED
        call = lambda: self.token.mint(self.addr[i], amount, sender=self.minter)  # noqa: E731
        self.balance_change(t, None, self.addr[i], amount, call, reason)

    @rule(i=holder_index, amount=share_amount)
    def burn(self, i, amount):
        t = self.chain.pending_timestamp
        reason = SENDER_UNVERIFIED if self.restricted and not self.verified(i, t) else None
        if reason is None and amount > self.model.balances.get(self.addr[i], 0):
            reason = "erc20: burn amount exceeds balance"
        call = lambda: self.token.burn(self.addr[i], amount, sender=self.minter)  # noqa: E731
        self.balance_change(t, self.addr[i], None, amount, call, reason)

    # --- agent ------------------------------------------------------------------------------
    @rule(src=holder_index, dst=holder_index, amount=share_amount)
    def forced_transfer(self, src, dst, amount):
        t = self.chain.pending_timestamp
        a, b = self.addr[src], self.addr[dst]
        reason = RECEIVER_FROZEN if self.frozen[dst] else None
        if reason is None and self.restricted and not self.verified(dst, t):
            reason = RECEIVER_UNVERIFIED
        if reason is None and amount > self.model.balances.get(a, 0):
            reason = NO_BALANCE
        call = lambda: self.token.forced_transfer(a, b, amount, sender=self.agent)  # noqa: E731
        receipt = self.balance_change(t, a, b, amount, call, reason)
        if receipt:
            assert receipt.filter("ForcedTransfer")[0].args == {
                "agent": self.agent.address,
                "sender": a,
                "receiver": b,
                "amount": amount,
            }

    @rule(lost=holder_index, replacement=holder_index)
    def recover(self, lost, replacement):
        t = self.chain.pending_timestamp
        a, b = self.addr[lost], self.addr[replacement]
        if lost == replacement:
            reason = "compute_token: replacement is the lost wallet"
        elif self.frozen[replacement]:
            reason = RECEIVER_FROZEN
        elif self.restricted and not self.verified(replacement, t):
            reason = RECEIVER_UNVERIFIED
        else:
            reason = None
        probe = self.peek(t)
        owed = probe._pending(a, probe.acc) + probe._pending(b, probe.acc)
        if expect(reason, lambda: self.token.recover(a, b, sender=self.agent)) is None:
            return
        moved = self.model.balances.get(a, 0)
        self.model.recover(t, a, b)
        self.exact.move(t, a, b, moved)
        self.exact.merge(a, b)
        assert self.token.accrued_scaled(a) == 0
        assert self.token.accrued_scaled(b) == owed, "recovery must move the unclaimed revenue"
        # the replacement is the same holder: its REV-2 ledgers merge
        self.ideal.merge(a, b)
        self.claimed_by[b] += self.claimed_by[a]
        self.claimed_by[a] = 0
        self.last_claimable[a] = 0

    @rule(i=holder_index)
    def toggle_freeze(self, i):
        fn = self.token.unfreeze if self.frozen[i] else self.token.freeze
        fn(self.addr[i], sender=self.agent)
        self.frozen[i] = not self.frozen[i]

    @rule()
    def toggle_pause(self):
        fn = self.token.unpause if self.paused else self.token.pause
        fn(sender=self.agent)
        self.paused = not self.paused

    @rule()
    def toggle_restricted(self):
        self.token.set_restricted(not self.restricted, sender=self.issuer)
        self.restricted = not self.restricted

    # --- registrar --------------------------------------------------------------------------
    @rule(i=holder_index, lifetime=st.sampled_from([0, 1, 3_600, DAY, 30 * DAY]), revoke=st.booleans())
    def set_identity(self, i, lifetime, revoke):
        if revoke:
            self.identity.revoke(self.addr[i], sender=self.issuer)
            self.valid_until[i] = 0
        else:
            valid_until = self.chain.pending_timestamp + lifetime
            self.identity.set_verified(self.addr[i], valid_until, sender=self.issuer)
            self.valid_until[i] = valid_until

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def stream_matches_model_exactly(self):
        """REV-1 and the model: every stream variable and view, to the unit."""
        t = self.chain.timestamp
        m = self.model
        assert self.token.revenue_per_share() == m.acc
        assert self.token.remainder() == m.remainder
        assert self.token.stream_amount() == m.stream_amount
        assert self.token.queued_amount() == m.queued_amount
        assert self.token.last_update() == m.last_update
        assert self.token.streaming() == m.streaming(t)
        assert m.conservation_gap(t) == 0
        assert self.token.dust() == m.dust_at(t)

    @invariant()
    def token_holds_what_it_owes_plus_unskimmed_excess(self):
        """REV-9: to the wei; the excess (and the dust's whole units) is what skim streams."""
        t = self.chain.timestamp
        m = self.model
        assert self.token.owed() == m.owed == m.deposited - m.claimed
        assert self.stable.balanceOf(self.token) == m.owed + self.unskimmed
        assert self.token.skimmable() == self.unskimmed + m.dust_at(t) // ACC_PRECISION
        owed = sum(self.token.accrued_scaled(a) for a in self.addr)
        carry = (m.deposited - m.claimed) * ACC_PRECISION - m.unreleased_scaled(t) - owed
        assert carry >= 0, "REV-1: more owed than deposited"

    @invariant()
    def holders_match_model(self):
        t = self.chain.timestamp
        for a in self.addr:
            claimable = self.token.claimable(a)
            assert claimable == self.model.claimable(a, t)
            # REV-4: between claims, claimable never decreases
            assert claimable >= self.last_claimable[a], "REV-4: claimable decreased"
            self.last_claimable[a] = claimable

    @invariant()
    def no_holder_beats_its_balance_time_share(self):
        """REV-2, against exact Fractions of every release."""
        # release what streamed up to the latest block, on copies
        ideal = copy.deepcopy(self.ideal)
        self.peek(self.chain.timestamp, ideal)
        for a in self.addr:
            actual = self.claimed_by[a] * ACC_PRECISION + self.token.accrued_scaled(a)
            share = ideal.shares.get(a, Fraction(0)) * ACC_PRECISION
            assert actual <= share, "REV-2: a holder got more than its balance-time share"
            bound = ideal.loss_bound.get(a, 0)
            assert share - actual < max(bound, 1), "REV-2: rounding lost more than the accumulator's floor"
            assert bound < max(ideal.releases.get(a, 0), 1) * ACC_PRECISION, "REV-2: a unit per update"

    @invariant()
    def no_holder_is_credited_above_the_floor_of_its_exact_share(self):
        """REV-2 as DESIGN writes it: claimed + claimable <= floor(exact balance-time share)."""
        exact = copy.deepcopy(self.exact)
        exact.advance(self.chain.timestamp)
        for a in self.addr:
            credited = self.claimed_by[a] + self.token.claimable(a)
            assert credited <= math.floor(exact.share(a)), "REV-2: a holder got more than its exact share"

    @invariant()
    def erc20_properties_hold(self):
        """TOK-1."""
        balances = [self.token.balanceOf(a) for a in self.addr]
        assert balances == [self.model.balances.get(a, 0) for a in self.addr]
        assert sum(balances) == self.token.totalSupply() == self.model.supply
        assert self.token.balanceOf(ZERO) == 0
        for (owner, spender), value in self.allowances.items():
            assert self.token.allowance(self.addr[owner], self.addr[spender]) == value
        assert [self.token.nonces(a) for a in self.addr] == self.permit_nonces


@pytest.fixture(scope="session")
def one_second_token(backend, stablecoin, identity, issuer, agent, minter):
    """A token of a deployment with one-second epochs (the shortest: zero is refused)."""
    suite = deploy_suite(
        backend,
        issuer,
        stablecoin=stablecoin,
        identity=identity,
        genesis=backend.timestamp,
        epoch_length=1,
        upto="factory",
    )
    factory = suite.factory
    factory.create_token(2, "ComputeRWA Node 2", "CN2", b"\x02" * 32, issuer, agent, minter, sender=issuer)
    return backend.at("ComputeToken", factory.token_of(issuer, 2))


@pytest.mark.both_engines
@pytest.mark.parametrize("mode", ["daily", "one_second"])
def test_compute_token_machine(
    backend, stablecoin, identity, compute_token, request, issuer, agent, minter, relayer, mode
):
    token = compute_token if mode == "daily" else request.getfixturevalue("one_second_token")
    assert token.EPOCH_LENGTH() == (EPOCH_LENGTH if mode == "daily" else 1)
    depositor, payout = relayer, role(backend, "treasury")
    stablecoin.mint(depositor, 10**20, sender=issuer)
    stablecoin.approve(token, MAX, sender=depositor)
    run_state_machine_as_test(
        lambda: ComputeTokenMachine(backend, stablecoin, identity, token, (issuer, agent, minter, depositor, payout)),
        settings=machine_settings(backend),
    )
