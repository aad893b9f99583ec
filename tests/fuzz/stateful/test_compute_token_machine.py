"""ComputeToken and its revenue stream against the exact reference model, on either engine.

Actors: four EOAs and a contract holder (MockWallet, driven by its owner's key through
`execute`: it holds, transfers, approves and claims like any holder); the issuer (owner),
the agent and the minter, and anyone else trying their powers.
Rules: deposits from 1 base unit to 1e15 and aimed at the 2**96-per-epoch cap (-1, 0, +1),
transfers, transferFrom, approvals and permits, with amounts drawn absolutely or relative to
the payer's balance (all of it, half, one unit, one more than it holds), mint (also aimed at
the 2**116 supply cap) and burn (also of every share: the supply back to 0), forced transfers,
recoveries (also into a frozen wallet), freeze/unfreeze, pause, restricted mode, agent and
minter grants and revocations and the documents hash (by the owner, and refused to anyone
else; the token's constants, decimals and EIP-712 domain, read in every full sweep), verification grants,
revocations and expiries, claims to self and to other receivers (also by holders the
stablecoin blacklists), stablecoin sent straight to the token and `skim` by anyone (issue #15
item 10's attacker), time jumps within and across epochs, long idle gaps included, and jumps
to one second before, at and after an epoch edge. An example may start with shares minted and
revenue deposited (`start`). Every call's outcome (success or exactly which revert) is
predicted first; a wrong prediction fails with the ID of the property the rule checks.

Properties (`@check`s, after each step that could change what they read, in a full sweep
every 10 steps and at the end of the run; IDs in PROPERTIES.md):
- REV-1 deposited = claimed + accrued by everyone + streaming + carry (scaled, to the unit),
  every stream variable and view equal the model's;
- REV-2 each holder's claimed-plus-claimable is at most the floor of its exact balance-time
  share (`ExactRevenue`, written from DESIGN, in Fractions); against the contract's own
  releases (`IdealShares`), accrued-plus-claimed trails its share by less than its balance in
  scaled units per release;
- REV-3 (in each balance-changing rule): the parties' accrued revenue right after the change
  equals what it was about to be without it;
- REV-4 claimable never decreases between a holder's claims; a second claim with nothing
  streamed in between pays 0;
- REV-7 (rule `deposit`): deposits at the 2**96-per-epoch cap pass, one unit over is refused;
- REV-9 the token holds exactly what it owes plus the unskimmed donations; `skim` streams
  exactly those and the dust's whole units;
- REV-10 rounding is the token's, per actor: each holder's claimable is the floor of its
  scaled credit, and the token's carry (owed, less every credit, every unreleased unit and
  the dust) is exactly `remainder()`, below the supply;
- REV-12 `epoch_revenue(e)`: what was queued during each epoch and the supply it streams to,
  as the model recorded them at each roll-over, live for the epoch of the last update, kept
  for EPOCH_RECORDS epochs (a ring: with one-second epochs it goes round), older ones refused;
- REV-11 (end of run) solvency: the streams end, every holder claims everything; the token
  then holds exactly the unskimmed donations plus `owed()`, and `owed()` is only dust:
  `owed * 10**36 == sum(credits) + remainder + dust`, each credit below one unit, so
  `owed <= HOLDERS + dust // 10**36 + 1`;
- CMP-1 (rules `transfer`, `transfer_from`, `explain`): `detect_transfer_restriction` of every
  transfer attempt's parties is the model's code (pause, then a frozen sender, a frozen receiver,
  an unverified sender, an unverified receiver) and `message_for_transfer_restriction` gives each
  code's words, any unknown code (6..255) "unknown restriction code";
- TOK-1 balances sum to totalSupply, allowances and nonces match, the zero address holds
  nothing; TOK-2 roles: only the owner grants or revokes agents and minters and sets
  restricted mode, only current minters mint and burn, only current agents freeze, pause,
  force and recover, and `is_agent` / `is_minter` equal the model's; TOK-3 a mint up to the
  2**116 - 1 supply cap passes, one share beyond is refused.
Runs with daily epochs and with the shortest ones (EPOCH_LENGTH == 1 s: an epoch rolls on
almost every step).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from fractions import Fraction

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule, run_state_machine_as_test

from computerwa.client import signing
from computerwa.client.signing import Domain
from computerwa.evm.chain import expect
from computerwa.evm.suite import deploy_suite
from computerwa.models.exact_revenue import ExactRevenue
from computerwa.models.revenue import (
    ACC_PRECISION,
    EPOCH_RECORDS,
    MAX_DEPOSITS,
    MAX_SUPPLY,
    IdealShares,
    RevenueModel,
)
from tests.conftest import EPOCH_LENGTH, FOREVER, machine_settings, role
from tests.fuzz.properties import PropertyMachine, check, equal, require

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
NOT_OWNER = "ownable: caller is not the owner"
NOT_AGENT = "compute_token: caller is not an agent"
NOT_MINTER = "compute_token: caller is not a minter"
TOO_LARGE = "revenue: deposit too large"
# ERC-1404 (CMP-1): the restriction codes' words, in the precedence `detect_transfer_restriction` applies
MESSAGES = ["compute_token: no restriction", PAUSED, SENDER_FROZEN, RECEIVER_FROZEN, SENDER_UNVERIFIED,
            RECEIVER_UNVERIFIED]  # fmt: skip
UNKNOWN_CODE = "compute_token: unknown restriction code"
# codes to explain: each known one, the first unknown ones, the largest (uint8)
any_code = st.one_of(st.sampled_from([*range(8), 255]), st.integers(0, 255))
CAP_DEPOSITS = 8  # cap-sized deposits per example: the queue stays below 2**100 (a stream's bound)

HOLDERS = 5  # 0..3: EOAs; 4: a contract wallet (MockWallet) holding shares
WALLET = 4
holder_index = st.integers(0, HOLDERS - 1)
share_amount = st.one_of(st.integers(0, 10**3), st.integers(0, 10**27), st.sampled_from([1, 10**18]))
# what a payer moves: an absolute amount, or one relative to its balance (REV-3 bites on real moves)
move_amount = st.one_of(share_amount, st.sampled_from(["all", "half", "one", "all+1"]))
revenue_amount = st.one_of(st.integers(1, 10**3), st.integers(1, 10**15))
time_jump = st.one_of(
    st.sampled_from([1, 59, 3_600, DAY // 2, DAY - 1, DAY, DAY + 1, 3 * DAY, 45 * DAY]),
    st.integers(1, 2 * DAY),
)
# who calls a role-gated function: STAFF[i]; mostly the role's own account
ISSUER, AGENT, MINTER, OUTSIDER = 0, 1, 2, 3
STAFF = 5  # issuer, agent, minter, holder 0, holder 2 (the last two start without roles)


def staff(default: int):
    return st.one_of(st.just(default), st.integers(0, STAFF - 1))


def outcome(pid: str, reason: str | None, call: Callable):
    """`expect` with the ID of the property the prediction checks in a mismatch's message."""
    try:
        return expect(reason, call)
    except AssertionError as err:
        message = str(err.args[0]) if err.args else "assertion failed"
        raise AssertionError(f"{pid}: predicted outcome: {message}") from None


def calldata(signature: str, types: list[str], *args) -> bytes:
    return keccak(text=signature)[:4] + abi_encode(types, list(args))


class ComputeTokenMachine(PropertyMachine):
    RULE_IDS = frozenset({"CMP-1", "REV-3", "REV-7", "REV-8", "REV-11", "TOK-3"})  # checked in rules / end_of_run

    def __init__(self, backend, stablecoin, identity, token, roles):
        super().__init__()
        self.chain, self.stable, self.identity, self.token = backend, stablecoin, identity, token
        self.issuer, self.agent, self.minter, self.depositor, self.payout = roles
        self.snapshot = backend.snapshot()
        eoas = [backend.accounts[i] for i in (4, 7, 1, 2)]
        # the contract holder: a smart account whose owner key (holder 1's) drives it
        self.wallet_owner = eoas[1]
        self.wallet = backend.deploy("MockWallet", self.wallet_owner.address, sender=self.wallet_owner)
        identity.set_verified(self.wallet.address, FOREVER, sender=self.issuer)
        self.holders = [*eoas, self.wallet]
        self.addr = [h.address for h in self.holders]
        self.staff = [self.issuer, self.agent, self.minter, eoas[0], eoas[2]]
        self.domain = Domain.of(token)
        self.epoch_length = token.EPOCH_LENGTH()
        self.ideal = IdealShares()
        self.release_supply = 0  # the supply the last release was shared by (the remainder is below it)
        self.model = RevenueModel(
            token.GENESIS(), self.epoch_length, last_update=token.last_update(), on_release=self.released
        )
        self.exact = ExactRevenue(token.GENESIS(), self.epoch_length, now=token.last_update())
        self.unskimmed = 0  # stablecoin sent to the token without deposit_revenue
        self.claimed_by = {a: 0 for a in self.addr}
        self.last_claimable = {a: 0 for a in self.addr}
        self.allowances: dict[tuple[int, int], int] = {}
        self.permit_nonces = [0] * HOLDERS
        self.frozen = [False] * HOLDERS
        self.valid_until = [FOREVER, FOREVER, FOREVER, 0, FOREVER]  # the operator starts unverified
        self.stable_blacklisted = [False] * HOLDERS
        self.paused = False
        self.restricted = True
        self.documents = token.documents_hash()  # as deployed; the owner's rule changes it
        self.agents = {self.agent.address}
        self.minters = {self.minter.address}
        self.cap_deposits = 0
        self.dirty: set[str] = set()  # holders whose slot or balance changed since their last check
        self.views: dict = {}  # view results after the latest step (the checks share them)

    def released(self, released: int, carried_in: int, supply: int, balances: dict[str, int]) -> None:
        self.release_supply = supply
        self.ideal.record(released, carried_in, supply, balances)

    def restore(self):
        self.chain.restore(self.snapshot)

    # --- helpers ----------------------------------------------------------------------------
    def view(self, name: str, *args):
        """A token view at the latest block, read once per block whichever checks need it."""
        key = (name, args)
        if self.views.get("step") != self.steps:  # a new step: the chain moved
            self.views = {"step": self.steps}
        if key not in self.views:
            self.views[key] = getattr(self.token, name)(*args)
        return self.views[key]

    def sweeping(self) -> bool:
        """Whether this check runs in a full sweep (or at the end), not after a step's touch."""
        return super().sweeping() or not self.dirty

    def moved(self, *accounts: str | None) -> None:
        self.dirty.update(a for a in accounts if a is not None and a != ZERO)
        self.touch("stream", "holders")

    def call(self, i: int, name: str, *args) -> Callable:
        """Holder i calls the token: an EOA directly, the contract holder through its wallet."""
        if i != WALLET:
            return lambda: getattr(self.token, name)(*args, sender=self.holders[i])
        signature, types = {
            "transfer": ("transfer(address,uint256)", ["address", "uint256"]),
            "transferFrom": ("transferFrom(address,address,uint256)", ["address", "address", "uint256"]),
            "approve": ("approve(address,uint256)", ["address", "uint256"]),
            "claim": ("claim(address)", ["address"]),
        }[name]
        data = calldata(signature, types, *args)
        return lambda: self.wallet.execute(self.token.address, data, sender=self.wallet_owner)

    def verified(self, i: int, t: int) -> bool:
        return t <= self.valid_until[i]

    def restriction_code(self, src: int, dst: int, t: int) -> int:
        """ERC-1404's code of a transfer from holder src to dst at t (CMP-1's precedence)."""
        if self.paused:
            return 1
        if self.frozen[src]:
            return 2
        if self.frozen[dst]:
            return 3
        if self.restricted and not self.verified(src, t):
            return 4
        if self.restricted and not self.verified(dst, t):
            return 5
        return 0

    def restriction(self, src: int, dst: int, t: int) -> str | None:
        """Why a transfer from holder src to dst at t is refused (None: compliance lets it through)."""
        code = self.restriction_code(src, dst, t)
        return MESSAGES[code] if code else None

    def detect(self, src: int, dst: int, amount: int) -> None:
        """CMP-1: the ERC-1404 views agree with the model for the parties of a transfer attempt,
        now (at the latest block): the code, whatever the amount, and its words."""
        code = self.token.detect_transfer_restriction(self.addr[src], self.addr[dst], amount)
        equal("CMP-1", f"detect_transfer_restriction(holder {src}, holder {dst}, {amount})", code,
              self.restriction_code(src, dst, self.chain.timestamp))  # fmt: skip
        equal("CMP-1", f"message_for_transfer_restriction({code})", self.token.message_for_transfer_restriction(code),
              MESSAGES[code])  # fmt: skip

    def balance(self, i: int) -> int:
        return self.model.balances.get(self.addr[i], 0)

    def resolve(self, amount, balance: int) -> int:
        if isinstance(amount, int):
            return amount
        return {"all": balance, "half": balance // 2, "one": 1, "all+1": balance + 1}[amount]

    def peek(self, t: int, ideal: IdealShares | None = None) -> RevenueModel:
        """A copy of the model brought to t (the model itself moves only when the chain did)."""
        probe = copy.copy(self.model)
        probe.balances, probe.paid, probe.accrued = dict(probe.balances), dict(probe.paid), dict(probe.accrued)
        probe.on_release = ideal.record if ideal is not None else None
        probe.update(t)
        return probe

    def balance_change(self, t, sender, receiver, amount, call, reason=None, pid="TOK-1"):
        """A balance change on chain and in the model; checks REV-3 for both parties."""
        probe = self.peek(t)
        parties = [a for a in (sender, receiver) if a is not None and a != ZERO]
        expected = {a: probe._pending(a, probe.acc) for a in parties}
        receipt = outcome(pid, reason, call)
        if receipt is None:
            return None
        self.model.move(t, sender, receiver, amount)
        self.exact.move(t, sender, receiver, amount)
        self.moved(sender, receiver)
        for account, before in expected.items():
            onchain = self.token.accrued_scaled(account)
            equal("REV-3", f"{account}'s accrued revenue after the balance change", onchain, before)
        return receipt

    # --- start: shares and revenue, so most examples stream from their first epoch --------
    @initialize(
        shares=st.lists(st.one_of(st.just(0), share_amount), min_size=4, max_size=4),
        revenue=st.one_of(st.just(0), revenue_amount),
    )
    def start(self, shares, revenue):
        for i, amount in zip((0, 1, 2, WALLET), shares, strict=True):  # the verified holders
            if amount:
                self.mint(i, amount, MINTER)
        if revenue:
            self.deposit(revenue)

    # --- revenue ----------------------------------------------------------------------------
    def update_reason(self, t: int) -> str | None:
        """Why an update of the stream at t would revert: a queue past 100 bits cannot stream.
        (CAP_DEPOSITS keeps the queue below it; predicted all the same.)"""
        if self.model.epoch(t) > self.model.epoch(self.model.last_update) and self.model.queued_amount >= 2**100:
            return "revenue: stream too large"
        return None

    @rule(amount=st.one_of(revenue_amount, st.sampled_from(["cap-1", "cap", "cap+1"])))
    def deposit(self, amount):
        if isinstance(amount, str):  # aimed at the 2**96-per-epoch cap (REV-7)
            if self.cap_deposits >= CAP_DEPOSITS:
                return
            self.cap_deposits += 1
            self.stable.mint(self.depositor, MAX_DEPOSITS + 1, sender=self.issuer)
            t = self.chain.pending_timestamp
            room = MAX_DEPOSITS - self.peek(t).queued_amount
            amount = room + {"cap-1": -1, "cap": 0, "cap+1": 1}[amount]
            if amount <= 0:
                return
        t = self.chain.pending_timestamp
        reason = self.update_reason(t)
        if reason is None and self.peek(t).queued_amount + amount > MAX_DEPOSITS:
            reason = TOO_LARGE
        receipt = outcome("REV-7", reason, lambda: self.token.deposit_revenue(amount, sender=self.depositor))
        if receipt is None:
            return
        self.model.deposit(t, amount)
        self.exact.deposit(t, amount)
        self.touch("stream", "stable")
        [event] = receipt.filter("RevenueDeposited")
        equal("REV-1", "RevenueDeposited (amount, epoch)", (event.amount, event.epoch), (amount, self.model.epoch(t)))

    @rule(amount=revenue_amount)
    def stray_transfer(self, amount):
        """Stablecoin sent straight to the token (issue #15 item 10): owed to nobody yet."""
        self.stable.transfer(self.token, amount, sender=self.depositor)
        self.unskimmed += amount
        self.touch("stable")

    @rule()
    def skim(self):
        t = self.chain.pending_timestamp
        held = self.stable.balanceOf(self.token)
        expected = self.model.skimmable(t, held)
        reason = self.update_reason(t)
        if reason is None and expected == 0:
            reason = "revenue: nothing to skim"
        if reason is None and self.peek(t).queued_amount + expected > MAX_DEPOSITS:
            reason = TOO_LARGE
        receipt = outcome("REV-9", reason, lambda: self.token.skim(sender=self.depositor))
        if receipt is None:
            return
        equal("REV-9", "skim streams the excess and the dust's units", self.model.skim(t, held), expected)
        self.exact.deposit(t, expected)
        self.unskimmed = 0
        self.touch("stream", "stable")
        [event] = receipt.filter("RevenueSkimmed")
        equal("REV-9", "RevenueSkimmed (amount, epoch)", (event.amount, event.epoch), (expected, self.model.epoch(t)))

    def claim_all(self, i: int, to_payout: bool) -> int:
        """Holder i claims (to itself, or to the payout wallet); returns what was paid."""
        t = self.chain.pending_timestamp
        account = self.addr[i]
        receiver = self.payout.address if to_payout or self.stable_blacklisted[i] else account
        expected = self.model.claimable(account, t)
        before = self.stable.balanceOf(receiver)
        reason = FROZEN_CLAIM if self.frozen[i] else self.update_reason(t)
        receipt = outcome("REV-8", reason, self.call(i, "claim", receiver))
        if receipt is None:  # REV-8: a frozen holder moves no value; its revenue keeps accruing
            equal("REV-8", "a refused claim pays nothing", self.stable.balanceOf(receiver), before)
            return 0
        paid = self.model.claim(t, account)
        self.dirty.add(account)
        self.touch("claims", "holders", "stable")
        equal("REV-1", f"{account}'s claim pays its claimable", paid, expected)
        equal("REV-1", "RevenueClaimed amount", receipt.filter("RevenueClaimed")[0].amount, paid)
        equal("REV-1", "the receiver's stablecoin after the claim", self.stable.balanceOf(receiver), before + paid)
        self.claimed_by[account] += paid
        self.last_claimable[account] = 0
        return paid

    @rule(i=holder_index, to_payout=st.booleans())
    def claim(self, i, to_payout):
        nothing_streaming = self.model.streaming(self.chain.pending_timestamp) == 0
        self.claim_all(i, to_payout)
        if not self.frozen[i] and nothing_streaming:
            # REV-4: with nothing streaming, a second claim pays 0
            equal("REV-4", "a second claim with nothing streaming", self.claim_all(i, to_payout), 0)

    @rule(i=holder_index)
    def stablecoin_blacklist_toggle(self, i):
        listed = not self.stable_blacklisted[i]
        fn = self.stable.blacklist if listed else self.stable.unblacklist
        fn(self.addr[i], sender=self.issuer)
        self.stable_blacklisted[i] = listed

    @rule(seconds=time_jump)
    def sleep(self, seconds):
        self.chain.sleep(seconds)

    @rule(ahead=st.integers(0, 2), offset=st.sampled_from([-1, 0, 1]))
    def sleep_to_epoch_edge(self, ahead, offset):
        """The next call lands one second before, at or after an epoch boundary (REV-5)."""
        now = self.chain.pending_timestamp
        target = self.model.epoch_start(self.model.epoch(now) + 1 + ahead) + offset
        if target > now:
            self.chain.sleep(target - now)

    # --- holders ----------------------------------------------------------------------------
    @rule(src=holder_index, dst=holder_index, amount=move_amount)
    def transfer(self, src, dst, amount):
        t = self.chain.pending_timestamp
        a, b = self.addr[src], self.addr[dst]
        amount = self.resolve(amount, self.balance(src))
        reason = self.restriction(src, dst, t) or self.update_reason(t)
        reason = reason or (NO_BALANCE if amount > self.balance(src) else None)
        self.balance_change(t, a, b, amount, self.call(src, "transfer", b, amount), reason)
        self.detect(src, dst, amount)

    @rule(spender=holder_index, owner=holder_index, dst=holder_index, amount=move_amount)
    def transfer_from(self, spender, owner, dst, amount):
        t = self.chain.pending_timestamp
        a, b = self.addr[owner], self.addr[dst]
        amount = self.resolve(amount, self.balance(owner))
        allowance = self.allowances.get((owner, spender), 0)
        reason = self.restriction(owner, dst, t)
        if reason is None and allowance < MAX and allowance < amount:
            reason = "erc20: insufficient allowance"
        reason = reason or self.update_reason(t)
        if reason is None and amount > self.balance(owner):
            reason = NO_BALANCE
        if self.balance_change(t, a, b, amount, self.call(spender, "transferFrom", a, b, amount), reason):
            if allowance < MAX:
                self.allowances[(owner, spender)] = allowance - amount
            self.touch("allowances")
        self.detect(owner, dst, amount)

    @rule(code=any_code)
    def explain(self, code):
        """CMP-1: `message_for_transfer_restriction` of any code: the known six, then unknown ones."""
        words = MESSAGES[code] if code < len(MESSAGES) else UNKNOWN_CODE
        equal("CMP-1", f"message_for_transfer_restriction({code})", self.token.message_for_transfer_restriction(code),
              words)  # fmt: skip

    @rule(
        owner=holder_index, spender=holder_index, amount=st.one_of(share_amount, st.just(MAX)), by_permit=st.booleans()
    )
    def approve(self, owner, spender, amount, by_permit):
        if by_permit and owner != WALLET:  # EIP-2612 permits are signed by EOAs
            deadline = self.chain.pending_timestamp + 600
            document = signing.permit(
                self.domain, self.addr[owner], self.addr[spender], amount, self.permit_nonces[owner], deadline
            )
            sig = signing.sign(self.holders[owner], document)
            call = lambda: self.token.permit(  # noqa: E731
                self.addr[owner], self.addr[spender], amount, deadline, *sig.vrs, sender=self.depositor
            )
            outcome("TOK-1", None, call)
            self.permit_nonces[owner] += 1
        else:
            outcome("TOK-1", None, self.call(owner, "approve", self.addr[spender], amount))
        self.allowances[(owner, spender)] = amount
        self.touch("allowances")

    # --- minter -----------------------------------------------------------------------------
    @rule(i=holder_index, amount=st.one_of(share_amount, st.sampled_from(["cap-1", "cap", "cap+1"])), by=staff(MINTER))
    def mint(self, i, amount, by):
        if isinstance(amount, str):  # aimed at the supply cap (TOK-3)
            amount = max(MAX_SUPPLY - self.model.supply + {"cap-1": -1, "cap": 0, "cap+1": 1}[amount], 0)
        t = self.chain.pending_timestamp
        caller = self.staff[by]
        reason = None if caller.address in self.minters else NOT_MINTER
        reason = reason or (RECEIVER_FROZEN if self.frozen[i] else None)
        if reason is None and self.restricted and not self.verified(i, t):
            reason = RECEIVER_UNVERIFIED
        if reason is None and self.model.supply + amount > MAX_SUPPLY:
            reason = "compute_token: supply cap exceeded"
        reason = reason or self.update_reason(t)
        call = lambda: self.token.mint(self.addr[i], amount, sender=caller)  # noqa: E731
        pid = "TOK-3" if self.model.supply + amount >= MAX_SUPPLY - 1 else "TOK-2"
        self.balance_change(t, None, self.addr[i], amount, call, reason, pid=pid)

    @rule(i=holder_index, amount=move_amount, by=staff(MINTER))
    def burn(self, i, amount, by):
        t = self.chain.pending_timestamp
        amount = self.resolve(amount, self.balance(i))
        caller = self.staff[by]
        reason = None if caller.address in self.minters else NOT_MINTER
        if reason is None and self.restricted and not self.verified(i, t):
            reason = SENDER_UNVERIFIED
        reason = reason or self.update_reason(t)
        if reason is None and amount > self.balance(i):
            reason = "erc20: burn amount exceeds balance"
        call = lambda: self.token.burn(self.addr[i], amount, sender=caller)  # noqa: E731
        self.balance_change(t, self.addr[i], None, amount, call, reason, pid="TOK-2")

    @rule()
    def redeem_everyone(self):
        """The node retires: the minter burns every holder's shares. The supply returns to 0 with
        the last release's carry (`remainder`) left over; REV-1 follows it: kept through an
        update that releases nothing, set aside as dust by the next release to nobody."""
        for i in range(HOLDERS):
            if self.balance(i):
                self.burn(i, "all", MINTER)

    # --- agent ------------------------------------------------------------------------------
    def agent_reason(self, by: int) -> str | None:
        return None if self.staff[by].address in self.agents else NOT_AGENT

    @rule(src=holder_index, dst=holder_index, amount=move_amount, by=staff(AGENT))
    def forced_transfer(self, src, dst, amount, by):
        t = self.chain.pending_timestamp
        a, b = self.addr[src], self.addr[dst]
        amount = self.resolve(amount, self.balance(src))
        reason = self.agent_reason(by) or (RECEIVER_FROZEN if self.frozen[dst] else None)
        if reason is None and self.restricted and not self.verified(dst, t):
            reason = RECEIVER_UNVERIFIED
        reason = reason or self.update_reason(t)
        if reason is None and amount > self.balance(src):
            reason = NO_BALANCE
        call = lambda: self.token.forced_transfer(a, b, amount, sender=self.staff[by])  # noqa: E731
        receipt = self.balance_change(t, a, b, amount, call, reason, pid="TOK-2")
        if receipt:
            equal(
                "TOK-2",
                "ForcedTransfer event",
                receipt.filter("ForcedTransfer")[0].args,
                {"agent": self.staff[by].address, "sender": a, "receiver": b, "amount": amount},
            )

    @rule(lost=holder_index, replacement=st.one_of(holder_index, st.just("frozen")), by=staff(AGENT))
    def recover(self, lost, replacement, by):
        if replacement == "frozen":  # into a frozen wallet (refused), if another holder is frozen
            replacement = next((i for i in range(HOLDERS) if self.frozen[i] and i != lost), (lost + 1) % HOLDERS)
        t = self.chain.pending_timestamp
        a, b = self.addr[lost], self.addr[replacement]
        if self.agent_reason(by):
            reason = NOT_AGENT
        elif lost == replacement:
            reason = "compute_token: replacement is the lost wallet"
        elif self.frozen[replacement]:
            reason = RECEIVER_FROZEN
        elif self.restricted and not self.verified(replacement, t):
            reason = RECEIVER_UNVERIFIED
        else:
            reason = self.update_reason(t)
        probe = self.peek(t)
        owed = probe._pending(a, probe.acc) + probe._pending(b, probe.acc)
        if outcome("TOK-2", reason, lambda: self.token.recover(a, b, sender=self.staff[by])) is None:
            return
        moved = self.model.balances.get(a, 0)
        self.model.recover(t, a, b)
        self.exact.move(t, a, b, moved)
        self.exact.merge(a, b)
        self.moved(a, b)
        equal("REV-3", "the lost wallet's accrued revenue after recovery", self.token.accrued_scaled(a), 0)
        equal("REV-3", "recovery moves the unclaimed revenue", self.token.accrued_scaled(b), owed)
        # the replacement is the same holder: its REV-2 ledgers merge
        self.ideal.merge(a, b)
        self.claimed_by[b] += self.claimed_by[a]
        self.claimed_by[a] = 0
        self.last_claimable[a] = 0

    @rule(i=holder_index, by=staff(AGENT))
    def toggle_freeze(self, i, by):
        fn = self.token.unfreeze if self.frozen[i] else self.token.freeze
        if outcome("TOK-2", self.agent_reason(by), lambda: fn(self.addr[i], sender=self.staff[by])):
            self.frozen[i] = not self.frozen[i]
            self.touch("flags")

    @rule(pause=st.booleans(), by=staff(AGENT))
    def set_pause(self, pause, by):
        reason = self.agent_reason(by)
        if reason is None and pause == self.paused:
            reason = "compute_token: already paused" if pause else "compute_token: not paused"
        fn = self.token.pause if pause else self.token.unpause
        if outcome("TOK-2", reason, lambda: fn(sender=self.staff[by])):
            self.paused = pause
            self.touch("flags")

    # --- admin (the owner) ------------------------------------------------------------------
    @rule(restricted=st.booleans(), by_owner=st.booleans())
    def set_restricted(self, restricted, by_owner):
        caller = self.issuer if by_owner else self.staff[OUTSIDER]
        call = lambda: self.token.set_restricted(restricted, sender=caller)  # noqa: E731
        if outcome("TOK-2", None if by_owner else NOT_OWNER, call):
            self.restricted = restricted
            self.touch("flags")

    @rule(value=st.sampled_from([b"\x00" * 32, b"\x01" * 32, b"\xff" * 32]), by_owner=st.booleans())
    def set_documents_hash(self, value, by_owner):
        """The owner records a new version of the documents (`DocumentsHashSet`); anyone else is refused."""
        caller = self.issuer if by_owner else self.staff[OUTSIDER]
        receipt = outcome(
            "TOK-2", None if by_owner else NOT_OWNER, lambda: self.token.set_documents_hash(value, sender=caller)
        )
        if receipt:
            self.documents = value
            logged = [bytes(e.args["documents_hash"]) for e in receipt.filter("DocumentsHashSet")]
            equal("TOK-2", "DocumentsHashSet", logged, [value])
        equal("TOK-2", "documents_hash()", bytes(self.token.documents_hash()), bytes(self.documents))

    @check("TOK-1", watches=("constants",))  # nothing touches it: the full sweeps only
    def the_tokens_constants(self):
        """18 decimals, and the EIP-712 domain permits are signed for: the token's name, version "1",
        this chain, this token."""
        equal("TOK-1", "decimals()", self.token.decimals(), 18)
        domain = tuple(self.token.eip712Domain())
        equal("TOK-1", "eip712Domain() name and version", (domain[1], domain[2]), (self.token.name(), "1"))
        equal("TOK-1", "eip712Domain() verifying contract", domain[4], self.token.address)

    @rule(
        kind=st.sampled_from(["agent", "minter"]),
        who=st.integers(0, STAFF),
        status=st.booleans(),
        by_owner=st.booleans(),
    )
    def set_role(self, kind, who, status, by_owner):
        """The owner grants or revokes the agent or minter role (to anyone, the zero address refused)."""
        account = ZERO if who == STAFF else self.staff[who].address
        caller = self.issuer if by_owner else self.staff[OUTSIDER]
        reason = NOT_OWNER if not by_owner else ("compute_token: role for the zero address" if who == STAFF else None)
        fn = self.token.set_agent if kind == "agent" else self.token.set_minter
        receipt = outcome("TOK-2", reason, lambda: fn(account, status, sender=caller))
        if receipt is None:
            return
        members = self.agents if kind == "agent" else self.minters
        if status:
            members.add(account)
        else:
            members.discard(account)
        self.touch("roles")
        event = dict(receipt.filter("RoleSet")[0].args)
        role_topic = event.pop("role")  # an indexed string: its hash
        equal("TOK-2", "RoleSet event", event, {"account": account, "status": status, "admin": self.issuer.address})
        require(role_topic in (kind, keccak(text=kind)), "TOK-2", "RoleSet role", role=role_topic, expected=kind)

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

    # --- properties -------------------------------------------------------------------------
    @check("REV-1", "REV-5", "REV-6", watches=("stream",))
    def stream_matches_model_exactly(self):
        """Every stored stream variable, to the unit, and the model's own conservation."""
        m = self.model
        stored = tuple(
            self.view(name)
            for name in ("revenue_per_share", "remainder", "stream_amount", "queued_amount", "last_update")
        )
        equal("REV-1", "(revenue_per_share, remainder, stream_amount, queued_amount, last_update)", stored,
              (m.acc, m.remainder, m.stream_amount, m.queued_amount, m.last_update))  # fmt: skip
        equal("REV-1", "the model's conservation gap", m.conservation_gap(self.chain.timestamp), 0)

    @check("REV-1", "REV-6", watches=("stream", "stable"))
    def stream_views_match_model(self):
        """The time-dependent views (streaming, dust) and what is owed, now."""
        t, m = self.chain.timestamp, self.model
        equal(
            "REV-1",
            "(streaming(), dust())",
            (self.view("streaming"), self.view("dust")),
            (m.streaming(t), m.dust_at(t)),
        )

    @check("REV-12", watches=("stream",))
    def epoch_revenue_matches_model(self):
        """Each epoch's recorded revenue and supply (what `RevenueFeed` reads): the epochs
        around the last update and now, the oldest kept, the first forgotten (a revert), and
        in a sweep every epoch the model recorded that the ring still keeps."""
        m = self.model
        last, now = m.epoch(m.last_update), m.epoch(self.chain.timestamp)
        # (with one-second epochs an idle gap spans thousands: the edges of each range)
        epochs = {last - 2, last - 1, last, last + 1, now - 1, now, now + 1}
        epochs |= {last - EPOCH_RECORDS, last - EPOCH_RECORDS - 1}
        if self.sweeping():
            epochs |= {e for e in m.epoch_records if e >= last - EPOCH_RECORDS}
        for e in sorted(e for e in epochs if e >= 0):
            try:
                expected: tuple[int, int] | None = m.epoch_revenue(e)
            except LookupError:
                expected = None
            if expected is None:
                expect("revenue: epoch no longer recorded", lambda e=e: self.token.epoch_revenue(e))
            else:
                equal("REV-12", f"epoch_revenue({e}) (amount, supply)", tuple(self.view("epoch_revenue", e)), expected)

    @check("REV-9", watches=("stream", "stable", "claims"))
    def token_holds_what_it_owes_plus_unskimmed_excess(self):
        """To the wei; the excess (and the dust's whole units) is what skim streams."""
        t, m = self.chain.timestamp, self.model
        equal("REV-9", "owed()", self.view("owed"), m.owed)
        equal("REV-9", "owed is deposits and skims less claims", m.owed, m.deposited - m.claimed)
        held = self.stable.balanceOf(self.token)
        require(held == m.owed + self.unskimmed, "REV-9", "the token holds what it owes plus the unskimmed donations",
                held=held, owed=m.owed, unskimmed=self.unskimmed)  # fmt: skip
        equal("REV-9", "skimmable()", self.view("skimmable"), self.unskimmed + m.dust_at(t) // ACC_PRECISION)

    @check("REV-1", "REV-4", "REV-10", "TOK-1", watches=("holders",))
    def holders_match_model(self):
        """Each holder a step changed (all of them in a sweep): balance, credit, claimable."""
        t = self.chain.timestamp
        accounts = self.addr if self.sweeping() else [a for a in self.addr if a in self.dirty]
        self.dirty.clear()
        probe_acc = self.model._advance(t)[0]
        for a in accounts:
            balance = self.view("balanceOf", a)
            equal("TOK-1", f"balanceOf({a})", balance, self.model.balances.get(a, 0))
            scaled = self.view("accrued_scaled", a)
            equal("REV-1", f"accrued_scaled({a})", scaled, self.model._pending(a, probe_acc))
            claimable = self.view("claimable", a)
            equal("REV-10", f"claimable({a}) is the floor of its scaled credit", claimable, scaled // ACC_PRECISION)
            require(claimable >= self.last_claimable[a], "REV-4", f"claimable({a}) decreased between claims",
                    claimable=claimable, before=self.last_claimable[a])  # fmt: skip
            self.last_claimable[a] = claimable

    @check("REV-10", watches=("stream", "claims", "holders"))
    def the_carry_is_the_tokens_rounding(self):
        """owed - every credit - every unreleased unit - dust, scaled, is exactly `remainder()`,
        in [0, supply): the accumulator's floor division rounds in the token's favour only."""
        t, m = self.chain.timestamp, self.model
        credits = sum(self.view("accrued_scaled", a) for a in self.addr)
        carry = m.owed * ACC_PRECISION - m.unreleased_scaled(t) - credits - m.dust_at(t)
        _, remainder, _, _, releasing, _ = m._advance(t)
        supply = m.supply if releasing and m.supply else self.release_supply  # of the release that left it
        require(carry == remainder and 0 <= carry < max(supply, 1), "REV-10",
                "the token's carry is its remainder, below the supply of its release",
                carry=carry, remainder=remainder, supply=supply)  # fmt: skip

    @check("REV-2", watches=("stream", "claims", "holders", "time"))
    def no_holder_beats_its_balance_time_share(self):
        """REV-2, against exact Fractions of every release (including the one pending now)."""
        t = self.chain.timestamp
        pending = IdealShares()  # what an update now would release, shared exactly
        self.peek(t, pending)
        for a in self.addr:
            actual = self.claimed_by[a] * ACC_PRECISION + self.view("accrued_scaled", a)
            share = (self.ideal.shares.get(a, Fraction(0)) + pending.shares.get(a, Fraction(0))) * ACC_PRECISION
            require(actual <= share, "REV-2", f"{a} got more than its balance-time share", actual=actual,
                    share=share)  # fmt: skip
            bound = self.ideal.loss_bound.get(a, 0) + pending.loss_bound.get(a, 0)
            require(share - actual < max(bound, 1), "REV-2", f"{a}'s rounding lost more than the accumulator's floor",
                    shortfall=share - actual, bound=bound)  # fmt: skip
            releases = self.ideal.releases.get(a, 0) + pending.releases.get(a, 0)
            require(bound < max(releases, 1) * ACC_PRECISION, "REV-2", "below a unit per update", bound=bound,
                    releases=releases)  # fmt: skip

    @check("REV-2", watches=("stream", "claims", "holders", "time"))
    def no_holder_is_credited_above_the_floor_of_its_exact_share(self):
        """REV-2 as DESIGN writes it: claimed + claimable <= floor(exact balance-time share), but
        for what DESIGN's other rule adds: rounding remainders are carried into the next release
        (never stranded), so a holder may receive its pro-rata part of remainders that earlier
        releases, perhaps to other holders, left (each below that release's supply / 10**36 base
        units: up to 0.08 at the supply cap), and less than its balance / 10**36 per release it
        shared. Without that allowance a holder of 1 share after a release to a holder at the
        supply cap passed the floor (credited 2, exact share 1.997: tests/regressions/
        test_token_one_second_epochs_carry_past_the_floor.py)."""
        exact = copy.copy(self.exact)  # `advance` replaces what it changes but these two dicts
        exact.deposits, exact.shares = dict(exact.deposits), dict(exact.shares)
        exact.advance(self.chain.timestamp)
        pending = IdealShares()  # what an update now would release
        self.peek(self.chain.timestamp, pending)
        for a in self.addr:
            credited = self.claimed_by[a] + self.view("accrued_scaled", a) // ACC_PRECISION
            carried = self.ideal.carried.get(a, Fraction(0)) + pending.carried.get(a, Fraction(0))
            gained = Fraction(self.ideal.loss_bound.get(a, 0) + pending.loss_bound.get(a, 0), ACC_PRECISION)
            share = math.floor(exact.share(a) + carried + gained)
            require(credited <= share, "REV-2", f"{a} got more than its exact share and carried remainders",
                    credited=credited, share=share, exact=float(exact.share(a)), carried=float(carried))  # fmt: skip

    @check("TOK-1", watches=("stream", "allowances"))
    def erc20_properties_hold(self):
        supply = self.view("totalSupply")
        equal("TOK-1", "totalSupply", supply, self.model.supply)
        total = sum(self.model.balances.values())
        equal("TOK-1", "the model's balances sum to its supply", total, self.model.supply)
        equal("TOK-1", "balanceOf(zero address)", self.view("balanceOf", ZERO), 0)
        for (owner, spender), value in self.allowances.items():
            equal(
                "TOK-1",
                f"allowance({owner}, {spender})",
                self.view("allowance", self.addr[owner], self.addr[spender]),
                value,
            )
        equal("TOK-1", "permit nonces", [self.view("nonces", a) for a in self.addr], self.permit_nonces)

    @check("TOK-1", "TOK-2", watches=("flags", "roles"))
    def flags_and_roles_match(self):
        equal(
            "TOK-2",
            "(paused, restricted)",
            (self.view("paused"), self.view("restricted")),
            (self.paused, self.restricted),
        )
        equal("TOK-2", "frozen flags", [self.view("is_frozen", a) for a in self.addr], self.frozen)
        for account in {*(s.address for s in self.staff), *self.agents, *self.minters} - {ZERO}:
            equal("TOK-2", f"is_agent({account})", self.view("is_agent", account), account in self.agents)
            equal("TOK-2", f"is_minter({account})", self.view("is_minter", account), account in self.minters)

    # --- end of run: everyone exits ---------------------------------------------------------
    def end_of_run(self):
        """REV-11: the streams end and every holder claims everything; only dust is left."""
        if self.update_reason(self.chain.pending_timestamp):
            return  # a stream past 100 bits bricks the stream (REV-7): nothing can exit
        if self.agent.address not in self.agents:
            self.token.set_agent(self.agent, True, sender=self.issuer)
            self.agents.add(self.agent.address)
        for i in range(HOLDERS):
            if self.frozen[i]:
                self.token.unfreeze(self.addr[i], sender=self.agent)
                self.frozen[i] = False
        if self.model.supply == 0 and self.model.streaming(self.chain.pending_timestamp):
            # revenue streamed to nobody waits for a holder: one share to holder 0, then it streams
            if self.minter.address not in self.minters:
                self.token.set_minter(self.minter, True, sender=self.issuer)
                self.minters.add(self.minter.address)
            if self.restricted and not self.verified(0, self.chain.pending_timestamp + 1):
                self.identity.set_verified(self.addr[0], FOREVER, sender=self.issuer)
                self.valid_until[0] = FOREVER
            self.mint(0, 1, MINTER)
        # every deposit so far streams out within two epochs
        self.chain.sleep(2 * self.epoch_length + 1)
        for i in range(HOLDERS):
            self.claim_all(i, False)
        self.views = {}
        t = self.chain.timestamp
        m = self.model
        equal("REV-11", "streaming() once the streams ended", self.token.streaming(), 0 if m.supply else m.streaming(t))
        credits = [self.token.accrued_scaled(a) for a in self.addr]
        require(all(c < ACC_PRECISION for c in credits), "REV-11", "every holder claimed all but sub-unit dust",
                credits=credits)  # fmt: skip
        # the carry as an update now would leave it (claims read the stream, never write it)
        owed, dust, remainder = self.token.owed(), self.token.dust(), m._advance(t)[1]
        held = self.stable.balanceOf(self.token)
        equal("REV-11", "the token holds what it owes plus the unskimmed donations", held, owed + self.unskimmed)
        if m.supply:
            require(owed * ACC_PRECISION == sum(credits) + remainder + dust, "REV-11",
                    "what is owed is only the holders' dust, the carry and the dust of releases to nobody",
                    owed=owed, credits=sum(credits), remainder=remainder, dust=dust)  # fmt: skip
            require(owed <= HOLDERS + dust // ACC_PRECISION + 1, "REV-11", "bounded dust", owed=owed, dust=dust)
        self.no_holder_beats_its_balance_time_share()
        self.no_holder_is_credited_above_the_floor_of_its_exact_share()


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
