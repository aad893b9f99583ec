"""Settlement and NodeRegistry against exact Python models (computerwa.models.settlement, computerwa.client.vouchers).

Each example deploys the payment suite (stablecoin, identity registry, factory, 3-of-5
oracle, registry, settlement with a random fee, a 1-epoch withdrawal window and a 1-epoch
pause limit) with three nodes of random operator shares and SLAs, each with a verified
holder of its ComputeToken and a posted bond.
Rules: customers prepay (EIP-3009 authorizations relayed by anyone), sign cumulative
vouchers that are settled in random batches mixed with stale, expired, forged,
unknown-node and underfunded ones; one-shot EIP-3009 payments (and replays of them);
withdrawals requested, attempted early, late (expired) and paid in their window; earnings
withdrawn to the owner or to another receiver; the guardian, the owner and a stranger
pausing and unpausing Settlement (pauses lapse, and a new one waits); the stablecoin
blacklisting customers, operators and the treasury, and pausing; attested reports and
slashes; holders claiming; time, often to the exact second a request matures or expires
or a pause lapses or may start again.
Every payer reserves part of its balance for a node, asks releases and completes them
(early, in their window, expired).
The attacker (issue #15 items 2, 3 and 4): a racing payer with a node of its own (90%
operator share) whose other nodes serve it honestly, accepting a voucher only for what
`reserved(racer, node)` shows beyond the vouchers they already hold (the README's rule);
it reserves and releases, requests withdrawals of any amount at any time, deposits,
withdraws and completes releases the moment it can, settles vouchers to its own node
(first, or in the block before the nodes' settle) and withdraws its operator earnings at
once, and races the nodes' settles (withdraw, then the settle, in consecutive blocks).
The issuer changing the fee (issue #15 item 12): it announces fees, applies them the
second they are due (or tries earlier), cancels them; nodes hold vouchers signed with a
deadline at most `FEE_DELAY` ahead and settle them later.
The contract wallet (issue #15 item 5): a MockWallet payer (ERC-1271, a customer's key)
whose vouchers nodes lock (`lock_voucher`, also with refused, stale, smaller and shorter
vouchers) before serving; it rotates its signer (refuses every signature) and back at any
time, and requests and takes withdrawals; nodes settle its locked vouchers and vouchers
above the lock.
The models predict every outcome before the call. After every step:
- SET-1: the stablecoin Settlement holds equals what it owes (`owed()`: the prepaid
  balances plus the reservations plus unwithdrawn earnings, the model's and the chain's
  views of each) plus what customers sent straight to it and nobody skimmed yet; every
  skim (by anyone) sent exactly that excess to the treasury (issue #15 item 10);
- SET-7: every payer's `available` (net of its pending request), `prepaid` and
  `withdrawal_request`, every channel's `reserved` (net of its pending release),
  `reservation` and `release_request`, Settlement's `clock`, `paused`, `paused_until` and
  `next_pause_at` equal the model's;
- SET-8: while a pause runs, Settlement's clock stands still; from the pause up to the
  first settle, withdrawal or reservation after it, no prepaid balance goes down and
  every voucher that was payable when it began (alone, against its payer's balance and
  its channel's reservation) is still payable;
- SET-10: the racer's balance (free and reserved) covers every voucher its nodes accepted
  and have not settled (withdrawals never take what nodes were shown);
- SET-13: every node's accepted, unsettled vouchers of the racer are covered by the
  channel's reservation, so each is payable before its deadline, whatever the racer's own
  node settled first and whatever it withdrew, unless a release the racer asked after the
  voucher was accepted has completed (the node had the whole delay to settle);
- SET-11: every actor's stablecoin balance is exactly what the model says it received
  (customers and the racer: funds less deposits and direct payments plus withdrawals to
  themselves; operators and the treasury: earnings withdrawn to themselves; the stranger:
  what others named it to receive);
- SET-2: no (payer, node) channel was ever paid more than the highest cumulative amount
  the payer signed for it, and only vouchers not past their deadline paid (ghost log);
- SET-12: the fee and the announced change equal the model's; no voucher that a node
  accepted (deadline at most `FEE_DELAY` after its signing) was paid at a fee announced
  after it was signed;
- SET-14: the wallet's locks equal the model's, and every locked voucher within its
  deadline is payable without the wallet's signature up to what its balance covers (the
  settles predicted with the wallet refusing pay it);
- SET-3: every NodePaid splits its amount exactly into fee + operator + holders;
- ALL-1: the stablecoin's supply is conserved across customers, operators, treasury,
  holders and contracts, whatever was paused or blacklisted; every payout the model owes
  is still owed (none lost or misrouted);
- each ComputeToken received exactly the holders' shares and slashes the model predicts,
  and the registry holds exactly the bonds.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain, sign
from computerwa.client.vouchers import Voucher, deposit_authorization, payment_authorization, sign_voucher
from computerwa.evm.chain import Reverted, expect
from computerwa.evm.suite import deploy_suite
from computerwa.models.registry import BondModel, RegistryError
from computerwa.models.settlement import MAX_FEE_BPS, MAX_OPERATOR_SHARE_BPS, UNDERFUNDED, SettlementModel, split
from tests.conftest import EPOCH_LENGTH, machine_settings

DOLLAR = 10**6
PAST_EPOCHS = 10
BOND_DELAY = 3 * EPOCH_LENGTH
WITHDRAWAL_DELAY = 2 * EPOCH_LENGTH
WITHDRAWAL_WINDOW = EPOCH_LENGTH
FEE_DELAY = (
    WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW
)  # the least allowed: a fee change's notice and the voucher lifetime bound
PAUSE_LIMIT = 3 * EPOCH_LENGTH  # longer than the withdrawal delay: a request can mature inside one
FAR = 10_000 * EPOCH_LENGTH  # the racer's vouchers never expire within a run
SLASH_BPS = 2_000
NODES = 3
OWN_NODE = NODES + 1  # the racer's
UNKNOWN_NODE = NODES + 2
CUSTOMERS = 3
BOND = 500 * DOLLAR
FUNDS = 10_000 * DOLLAR
PREPAID = 1_000 * DOLLAR
RACER_PREPAID = 50 * DOLLAR  # of the order of what it is served, so every withdrawal matters
PAUSED = "pausable: contract is paused"
BLACKLISTED = "stablecoin: account is blacklisted"
SETTLEMENT_PAUSED = "settlement: paused"
NOT_GUARDIAN = "settlement: caller is not the guardian"
FEE_REFUSALS = {"none": "settlement: no fee change announced", "early": "settlement: fee change not due yet"}
RELEASE_REFUSALS = {
    "none": "settlement: no release requested",
    "early": "settlement: release not available yet",
    "expired": "settlement: release request expired",
}
WITHDRAWAL_REFUSALS = {
    "none": "settlement: no withdrawal requested",
    "early": "settlement: withdrawal not available yet",
    "expired": "settlement: withdrawal request expired",
}

attestor_keys = sorted(
    (Account.from_key(keccak(b"ComputeRWA machine suite attestor %d" % i)) for i in range(5)),
    key=lambda key: int(key.address, 16),
)
amounts = st.one_of(st.integers(1, 100), st.integers(1, 20 * DOLLAR), st.sampled_from([1, DOLLAR, 999_999]))


@dataclass
class Increment:
    """What a node accepted of the racer on one channel: cumulative `lo` to `hi`, at step
    `seq`; `exposed` once a release of the channel requested after it has completed (the
    node had the whole delay to settle it)."""

    node: int
    lo: int
    hi: int
    seq: int
    exposed: bool = False


class SettlementMachine(RuleBasedStateMachine):
    def __init__(self, backend, accounts):
        super().__init__()
        self.chain = backend
        # every actor is a funded test account (it sends transactions) with a key (it signs)
        self.issuer, self.relayer, self.treasury, self.holder = accounts[:4]
        self.stranger = self.relayer  # receives payouts others name
        self.operators = accounts[4 : 4 + NODES]
        self.customers = accounts[4 + NODES : 4 + NODES + CUSTOMERS]
        self.racer, self.guardian = accounts[4 + NODES + CUSTOMERS : 6 + NODES + CUSTOMERS]
        self.payers = [*self.customers, self.racer]
        self.snapshot = backend.snapshot()
        self.nonce = 0
        self.signed_max: dict[tuple[str, int], int] = defaultdict(int)  # SET-2 ghost
        self.paid_log: list[tuple[str, int, int, int, int]] = []  # (payer, node, cumulative, deadline, at)
        self.blacklisted: set[str] = set()
        self.stable_paused = False
        self.cached: set[int] = set()
        self.authorizations: list[tuple] = []  # direct payments already used, for replays
        self.claimed: dict[int, int] = defaultdict(int)
        self.slashed_in: dict[int, int] = defaultdict(int)
        self.reported: dict[int, int] = {}  # node -> last reported epoch
        self.wallets: dict[str, int] = defaultdict(int)  # SET-11 ghost: each actor's stablecoin
        self.seq = 0  # orders the racer's acceptances and requests
        self.increments: list[Increment] = []  # SET-10 ghost
        self.racer_vouchers: dict[int, tuple[Voucher, tuple]] = {}  # node -> latest accepted, signed
        self.racer_request_seq: int | None = None
        self.racer_release_seq: dict[int, int] = {}  # node -> seq of the racer's pending release
        self.accepted_since_request = False
        self.payable_at_pause: list[tuple[str, int, int, int]] = []  # SET-8: (payer, node, cumulative, settled)
        self.clock_at_pause: int | None = None
        self.prepaid_at_pause: dict[str, int] = {}
        self.held: list[tuple[Voucher, tuple, int]] = []  # SET-12: vouchers nodes hold, with when signed
        self.fee_announced_at = -1  # SET-12 ghost: when the fee in force was announced (-1: at deployment)
        self.change_announced_at: int | None = None  # when the pending change was announced
        self.wallet_valid = True  # whether the contract wallet accepts its owner's signatures
        self.wallet_signed: dict[int, int] = defaultdict(int)  # node -> highest cumulative it signed
        self.wallet_locks: dict[int, Voucher] = {}  # node -> the voucher locked last (SET-14)
        self.excess = 0  # SET-1: stablecoin sent straight to Settlement and not yet skimmed

    def teardown(self):
        self.chain.restore(self.snapshot)

    @initialize(
        fee_bps=st.integers(0, MAX_FEE_BPS),
        shares=st.lists(st.integers(0, MAX_OPERATOR_SHARE_BPS), min_size=NODES, max_size=NODES),
        slas=st.lists(st.integers(0, 10_000), min_size=NODES, max_size=NODES),
    )
    def deploy(self, fee_bps, shares, slas):
        chain, issuer = self.chain, self.issuer
        genesis = chain.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH
        suite = deploy_suite(
            chain,
            issuer,
            genesis=genesis,
            epoch_length=EPOCH_LENGTH,
            attestors=attestor_keys,
            bond_delay=BOND_DELAY,
            slash_bps=SLASH_BPS,
            treasury=self.treasury,
            fee_bps=fee_bps,
            withdrawal_delay=WITHDRAWAL_DELAY,
            withdrawal_window=WITHDRAWAL_WINDOW,
            pause_limit=PAUSE_LIMIT,
            fee_delay=FEE_DELAY,
            guardian=self.guardian,
            operators=self.operators,
        )
        self.stable, identity, self.oracle = suite.stablecoin, suite.identity, suite.oracle
        self.registry, self.settlement = suite.registry, suite.settlement
        self.domain = Domain.of(self.settlement)
        self.stable_domain = Domain.of(self.stable)
        self.oracle_domain = Domain.of(self.oracle)
        self.model = SettlementModel(
            self.treasury.address,
            fee_bps,
            WITHDRAWAL_DELAY,
            withdrawal_window=WITHDRAWAL_WINDOW,
            pause_limit=PAUSE_LIMIT,
            fee_delay=FEE_DELAY,
        )
        self.bonds = BondModel(
            genesis,
            EPOCH_LENGTH,
            BOND_DELAY,
            SLASH_BPS,
            suite.settings["bond_withdrawal_window"],
            suite.settings["grace_period"],
        )
        identity.set_verified(self.holder, 2**40, sender=issuer)
        # the racer registers a node of its own: only verified operators register (item 8)
        identity.set_verified(self.racer, 2**40, sender=issuer)
        self.tokens = {}
        for operator, share, sla in zip(self.operators, shares, slas, strict=True):
            receipt = self.registry.register_node("latam", "L40S", 4, 1_000, share, sla, "ipfs://m", sender=operator)
            node = receipt.filter("NodeRegistered")[0].args["node_id"]
            token = chain.at("ComputeToken", self.registry.node(node)[1])
            token.mint(self.holder, 10**21 + 7, sender=issuer)
            self.stable.mint(operator, BOND, sender=issuer)
            self.stable.approve(self.registry, BOND, sender=operator)
            self.registry.post_bond(node, BOND, sender=operator)
            self.model.payees[node] = (operator.address, share)
            self.bonds.register(node, sla, receipt.timestamp)
            self.bonds.post(node, BOND)
            self.tokens[node] = token
        # the racer's own node, with the highest operator share (no bond: it is never reported)
        receipt = self.registry.register_node(
            "latam", "L40S", 4, 1_000, MAX_OPERATOR_SHARE_BPS, 0, "ipfs://own", sender=self.racer
        )
        self.own_node = receipt.filter("NodeRegistered")[0].args["node_id"]
        assert self.own_node == OWN_NODE
        token = chain.at("ComputeToken", self.registry.node(OWN_NODE)[1])
        token.mint(self.holder, 10**21, sender=issuer)
        self.model.payees[OWN_NODE] = (self.racer.address, MAX_OPERATOR_SHARE_BPS)
        self.bonds.register(OWN_NODE, 0, receipt.timestamp)
        self.tokens[OWN_NODE] = token
        self.own_cumulative = 0
        for key in self.payers:
            prepaid = RACER_PREPAID if key is self.racer else PREPAID
            self.stable.mint(key.address, FUNDS, sender=issuer)
            # a first prepayment, so most vouchers are funded
            self.stable.approve(self.settlement, prepaid, sender=key)
            self.settlement.deposit(prepaid, sender=key)
            self.model.credit(key.address, prepaid)
            self.wallets[key.address] = FUNDS - prepaid
        # the contract wallet: a smart account of the first customer's key, prepaid
        self.wallet_owner = self.customers[0]
        self.wallet = chain.deploy("MockWallet", self.wallet_owner.address, sender=self.wallet_owner)
        self.stable.mint(self.wallet.address, PREPAID, sender=issuer)
        self.wallet_call(
            "approve(address,uint256)", ["address", "uint256"], [self.settlement.address, PREPAID], self.stable
        )
        self.wallet_call("deposit(uint256)", ["uint256"], [PREPAID])
        self.model.credit(self.wallet.address, PREPAID)
        self.supply = self.stable.totalSupply()
        self.cumulative: dict[tuple[str, int], int] = defaultdict(int)  # what each customer has signed for

    # --- helpers ----------------------------------------------------------------------------
    def fresh_nonce(self) -> bytes:
        self.nonce += 1
        return keccak(b"machine nonce %d" % self.nonce)

    def stable_reason(self, *parties: str) -> str | None:
        if self.stable_paused:
            return PAUSED
        if any(party in self.blacklisted for party in parties):
            return BLACKLISTED
        return None

    def node_payment_touches_stablecoin(self, node: int, amount: int) -> bool:
        _, share = self.model.payees[node]
        return split(amount, self.model.fee_bps, share)[2] != 0

    def settlement_paused(self) -> bool:
        """Whether Settlement refuses the next transaction as paused."""
        return self.model.is_paused(self.chain.pending_timestamp)

    def money_left_a_balance(self) -> None:
        """A settle or withdrawal succeeded: the pause it followed is over (SET-8 ends here,
        after the invariant held through the whole pause and up to this moment)."""
        assert not self.settlement_paused()
        self.payable_at_pause = []
        self.clock_at_pause = None
        self.prepaid_at_pause = {}

    def settle(self, vouchers: list, signatures: list, valid: list) -> list[tuple[int, int]] | None:
        """Settles a batch as the relayer after predicting it with a copy of the model;
        returns each voucher's (reason, amount), or None when the whole batch was refused."""
        now = self.chain.pending_timestamp
        trial = SettlementModel(
            self.model.treasury,
            self.model.fee_bps,
            WITHDRAWAL_DELAY,
            dict(self.model.payees),
            defaultdict(int, self.model.prepaid),
            defaultdict(int, self.model.settled),
            reservations=defaultdict(int, self.model.reservations),
            locks=dict(self.model.locks),
        )
        outcomes, payments = trial.settle(vouchers, valid, now)
        new_nodes = {v.node_id for v in vouchers if v.node_id in self.model.payees} - self.cached
        touches = bool(new_nodes) or any(self.node_payment_touches_stablecoin(p.node_id, p.amount) for p in payments)
        reason = None
        if self.settlement_paused():
            reason = SETTLEMENT_PAUSED
        elif self.stable_paused and touches:
            reason = PAUSED
        receipt = expect(
            reason,
            lambda: self.settlement.settle([v.as_tuple() for v in vouchers], signatures, sender=self.relayer),
        )
        if reason is not None:
            return None
        self.money_left_a_balance()
        self.cached |= new_nodes
        outcomes, payments = self.model.settle(vouchers, valid, now)
        settled_logs = receipt.filter("VoucherSettled")
        skipped_logs = receipt.filter("VoucherSkipped")
        assert [(e.args["payer"], e.args["node_id"], e.args["amount"]) for e in settled_logs] == [
            (v.payer, v.node_id, due) for v, (r, due) in zip(vouchers, outcomes, strict=True) if r == 0
        ]
        assert [e.args["reason"] for e in skipped_logs] == [r for r, _ in outcomes if r != 0]
        for r, _ in outcomes:
            event(f"voucher: {r}")
        signed_at = {v: at for v, _, at in self.held}
        for v, (r, _) in zip(vouchers, outcomes, strict=True):
            if r == 0:
                self.paid_log.append((v.payer, v.node_id, v.cumulative_amount, v.deadline, now))
                if v in signed_at and v.deadline <= signed_at[v] + FEE_DELAY:
                    assert self.fee_announced_at <= signed_at[v], (
                        "SET-12: a fee announced after a voucher was signed applied to it"
                    )
        paid = [
            tuple(e.args[k] for k in ("node_id", "amount", "fee", "operator_amount", "holders_amount"))
            for e in receipt.filter("NodePaid")
        ]
        assert paid == [(p.node_id, p.amount, p.fee, p.operator, p.holders) for p in payments]
        for _, amount, fee, operator_amount, holders in paid:
            assert fee + operator_amount + holders == amount, "SET-3"
        return outcomes

    def deposit_by_authorization(self, key, amount: int) -> None:
        amount = min(amount, self.stable.balanceOf(key.address)) or 1
        nonce, far = self.fresh_nonce(), self.chain.pending_timestamp + EPOCH_LENGTH
        doc = deposit_authorization(self.stable_domain, key.address, self.settlement.address, amount, nonce, 0, far)
        signature = sign(key, doc)
        if self.settlement_paused():
            reason = SETTLEMENT_PAUSED
        else:
            reason = self.stable_reason(key.address) or (
                "stablecoin: transfer amount exceeds balance" if self.stable.balanceOf(key.address) < amount else None
            )
        expect(
            reason,
            lambda: self.settlement.deposit_with_authorization(
                key.address, amount, 0, far, nonce, *signature.vrs, sender=self.relayer
            ),
        )
        if reason is None:
            self.model.credit(key.address, amount)
            self.wallets[key.address] -= amount

    def request(self, key, amount: int) -> bool:
        balance = self.model.prepaid[key.address]
        if amount % 4 == 0 or (key is self.racer and amount % 2 == 0):
            amount = balance  # often everything; the racer most often
        if amount == 0:
            reason = "settlement: nothing to withdraw"
        elif amount > balance:
            reason = "settlement: amount above the balance"
        else:
            reason = None
        receipt = expect(reason, lambda: self.settlement.request_withdrawal(amount, sender=key))
        if reason is not None:
            return False
        now = receipt.timestamp
        self.model.request_withdrawal(key.address, amount, now)
        # public at once, with when it matures and expires on Settlement's clock
        available_at = self.model.withdrawals[key.address][1]
        assert [e.args for e in receipt.filter("WithdrawalRequested")] == [
            {
                "payer": key.address,
                "amount": amount,
                "available_at": available_at,
                "expires_at": available_at + WITHDRAWAL_WINDOW,
            }
        ]
        return True

    def withdraw_for(self, key, receiver: str) -> int | None:
        """Attempts the payer's withdrawal; returns what was paid, or None when refused."""
        now = self.chain.pending_timestamp
        state = self.model.withdrawal_state(key.address, now)
        if self.settlement_paused():
            reason = SETTLEMENT_PAUSED
        elif state != "open":
            reason = WITHDRAWAL_REFUSALS[state]
        elif min(self.model.withdrawals[key.address][0], self.model.prepaid[key.address]) != 0:
            reason = self.stable_reason(receiver)
        else:
            reason = None
        event(f"withdraw: {reason or 'paid'}")
        if key is self.racer and reason == SETTLEMENT_PAUSED and self.payable_at_pause:
            event("racer: tries to leave during a pause that holds payable vouchers")
        receipt = expect(reason, lambda: self.settlement.withdraw(receiver, sender=key))
        if reason is not None:
            return None
        self.money_left_a_balance()
        amount = self.model.withdraw(key.address)
        assert receipt.filter("Withdrawn")[0].args["amount"] == amount
        self.wallets[receiver] += amount
        return amount

    def wallet_call(self, signature: str, types: list[str], values: list, target=None):
        """The wallet's owner makes it call Settlement (or `target`)."""
        data = keccak(text=signature)[:4] + abi_encode(types, values)
        return self.wallet.execute(target or self.settlement, data, sender=self.wallet_owner)

    def racer_outstanding(self, node: int | None = None) -> int:
        """What the racer's nodes accepted and have not been paid (on one node, or all)."""
        return sum(
            max(0, inc.hi - max(inc.lo, self.model.settled[(self.racer.address, inc.node)]))
            for inc in self.increments
            if node is None or inc.node == node
        )

    # --- rules ------------------------------------------------------------------------------
    @rule(who=st.integers(0, CUSTOMERS - 1), amount=amounts)
    def deposit_with_authorization(self, who, amount):
        self.deposit_by_authorization(self.customers[who], amount)

    @rule(
        picks=st.lists(
            st.tuples(
                st.integers(0, CUSTOMERS - 1),
                st.sampled_from([*range(1, OWN_NODE + 1), UNKNOWN_NODE]),
                amounts,
                st.sampled_from(["valid"] * 5 + ["stale", "expired", "forged", "overdraw"]),
            ),
            min_size=0,
            max_size=8,
        )
    )
    def settle_batch(self, picks):
        now = self.chain.pending_timestamp
        vouchers, signatures, valid = [], [], []
        for who, node, increment, kind in picks:
            key = self.customers[who]
            channel = (key.address, node)
            cumulative = self.cumulative[channel] + increment
            deadline = now + EPOCH_LENGTH
            if kind == "stale":
                cumulative = max(0, self.model.settled[channel] - increment % 3)
            elif kind == "expired":
                deadline = now - 1 - increment % 100
            elif kind == "overdraw":
                cumulative = self.model.settled[channel] + self.model.prepaid[key.address] + increment
            voucher = Voucher(key.address, node, cumulative, deadline)
            signer = self.customers[(who + 1) % CUSTOMERS] if kind == "forged" else key
            signatures.append(sign_voucher(self.domain, voucher, signer))
            vouchers.append(voucher)
            valid.append(kind != "forged")
            if kind != "forged":
                self.cumulative[channel] = max(self.cumulative[channel], cumulative)
                self.signed_max[channel] = max(self.signed_max[channel], cumulative)
        self.settle(vouchers, signatures, valid)

    @rule(
        who=st.integers(0, CUSTOMERS - 1),
        node=st.sampled_from([*range(1, OWN_NODE + 1), UNKNOWN_NODE]),
        amount=amounts,
        replay=st.booleans(),
    )
    def pay_with_authorization(self, who, node, amount, replay):
        key = self.customers[who]
        if replay and self.authorizations:
            args = self.authorizations[amount % len(self.authorizations)]
            # the stablecoin checks pause and blacklist before the nonce
            reason = (SETTLEMENT_PAUSED if self.settlement_paused() else None) or (
                self.stable_reason(args[1])
                or (
                    "stablecoin: authorization is expired"
                    if self.chain.pending_timestamp >= args[4]
                    else "stablecoin: authorization is used or canceled"
                )
            )
            expect(reason, lambda: self.settlement.pay_with_authorization(*args, sender=self.relayer))
            return
        salt, far = self.fresh_nonce(), self.chain.pending_timestamp + EPOCH_LENGTH
        doc = payment_authorization(
            self.stable_domain, key.address, self.settlement.address, amount, node, salt, 0, far
        )
        signature = sign(key, doc)
        args = (node, key.address, amount, 0, far, salt, *signature.vrs)
        if self.settlement_paused():
            reason = SETTLEMENT_PAUSED
        elif node not in self.model.payees:
            reason = "settlement: unknown node"
        else:
            reason = self.stable_reason(key.address) or (
                "stablecoin: transfer amount exceeds balance" if self.stable.balanceOf(key.address) < amount else None
            )
        expect(reason, lambda: self.settlement.pay_with_authorization(*args, sender=self.relayer))
        if reason is None:
            self.cached.add(node)
            self.model.pay(node, amount)
            self.authorizations.append(args)
            self.wallets[key.address] -= amount

    @rule(who=st.integers(0, CUSTOMERS - 1), amount=amounts)
    def request_withdrawal(self, who, amount):
        self.request(self.customers[who], amount)

    @rule(who=st.integers(0, CUSTOMERS - 1), to_self=st.booleans(), requesting=st.booleans())
    def withdraw(self, who, to_self, requesting):
        """A customer withdraws: most often one with a request (when there is one)."""
        candidates = [k for k in self.customers if k.address in self.model.withdrawals] if requesting else []
        key = candidates[who % len(candidates)] if candidates else self.customers[who]
        self.withdraw_for(key, key.address if to_self else self.stranger.address)

    @rule(which=st.integers(0, NODES), to_self=st.booleans())
    def withdraw_earnings(self, which, to_self):
        account = self.treasury if which == NODES else self.operators[which]
        receiver = account.address if to_self else self.stranger.address
        owed = self.model.earnings[account.address]
        reason = "settlement: no earnings" if owed == 0 else self.stable_reason(receiver)
        expect(reason, lambda: self.settlement.withdraw_earnings(receiver, sender=account))
        if reason is None:
            self.wallets[receiver] += self.model.withdraw_earnings(account.address)

    @rule(who=st.integers(0, CUSTOMERS - 1), amount=amounts)
    def stray_transfer(self, who, amount):
        """A customer sends stablecoin straight to Settlement: it credits nobody (issue #15 item 10)."""
        key = self.customers[who]
        amount = min(amount, self.wallets[key.address])
        reason = self.stable_reason(key.address)
        if amount == 0 or reason is not None:
            return
        self.stable.transfer(self.settlement, amount, sender=key)
        self.wallets[key.address] -= amount
        self.excess += amount

    @rule(who=st.sampled_from(["relayer", "racer", "operator"]))
    def anyone_skims(self, who):
        """SET-1: a skim sends exactly the excess over `owed()` to the treasury, never a unit owed."""
        sender = {"relayer": self.relayer, "racer": self.racer, "operator": self.operators[0]}[who]
        reason = "settlement: nothing to skim" if self.excess == 0 else self.stable_reason(self.treasury.address)
        receipt = expect(reason, lambda: self.settlement.skim(sender=sender))
        event(f"settlement skim: {reason or 'sent'}")
        if reason is None:
            assert receipt.return_value == self.excess, "SET-1: a skim sent other than the excess"
            self.wallets[self.treasury.address] += self.excess
            self.excess = 0

    @rule(node=st.integers(1, NODES), uptime=st.integers(0, 10_000), slash=st.booleans())
    def attest_and_slash(self, node, uptime, slash):
        now = self.chain.pending_timestamp
        epoch = (now - self.oracle.GENESIS()) // EPOCH_LENGTH - 1
        if self.reported.get(node, -1) < epoch:
            report = PerformanceReport(node, epoch, uptime, 5_000, 40, 1_000, 1_000, now + 3_600)
            self.oracle.submit(
                report.as_tuple(), sign_report(self.oracle_domain, report, attestor_keys[:3]), sender=self.relayer
            )
            self.reported[node] = epoch
            self.bonds.record_report(node, epoch, uptime)
        if not slash:
            return
        epoch = self.reported[node]
        trial = copy.deepcopy(self.bonds)
        try:
            amount, reason = trial.slash(node, epoch, now).amount, None
        except RegistryError as err:
            amount, reason = 0, err.reason
        if reason is None and self.stable_paused:
            reason = PAUSED  # the slash always moves something: the stablecoin refuses it
        expect(reason, lambda: self.registry.slash(node, epoch, sender=self.stranger))
        if reason is None:
            self.bonds = trial
            self.slashed_in[node] += amount

    @rule(node=st.integers(1, NODES))
    def holder_claims(self, node):
        """What is owed is only known at the transaction's own timestamp: a pause or blacklist
        refuses the claim when something is owed, and nothing else may happen."""
        token = self.tokens[node]
        try:
            receipt = token.claim(self.holder, sender=self.holder)
        except Reverted as err:
            assert err.reason == self.stable_reason(self.holder.address) is not None, err.reason
            return
        self.claimed[node] += sum(e.args["amount"] for e in receipt.filter("RevenueClaimed"))

    @rule(
        who=st.sampled_from(["customer", "operator", "treasury", "holder"]), index=st.integers(0, 2), on=st.booleans()
    )
    def stablecoin_blacklists(self, who, index, on):
        account = {
            "customer": self.customers[index].address,
            "operator": self.operators[index].address,
            "treasury": self.treasury.address,
            "holder": self.holder.address,
        }[who]
        if on and account not in self.blacklisted:
            self.stable.blacklist(account, sender=self.issuer)
            self.blacklisted.add(account)
        elif not on and account in self.blacklisted:
            self.stable.unblacklist(account, sender=self.issuer)
            self.blacklisted.discard(account)

    @rule(paused=st.booleans())
    def stablecoin_pauses(self, paused):
        if paused and not self.stable_paused:
            self.stable.pause(sender=self.issuer)
        elif not paused and self.stable_paused:
            self.stable.unpause(sender=self.issuer)
        self.stable_paused = paused

    @rule(seconds=st.one_of(st.integers(1, 3_600), st.integers(EPOCH_LENGTH // 2, 3 * EPOCH_LENGTH)))
    def time_passes(self, seconds):
        self.chain.sleep(seconds)

    @rule(
        edge=st.sampled_from(["matures", "expires", "lapses", "may_pause"]),
        who=st.integers(0, CUSTOMERS),
        offset=st.integers(-1, 1),
    )
    def time_to_an_edge(self, edge, who, offset):
        """The next block lands a second before, at or after an edge: a payer's request
        maturing or expiring (converted from Settlement's clock as if it ran on: during a
        pause, the second it would have matured or expired had the pause not stopped it),
        the pause lapsing, or a new pause becoming possible."""
        now = self.chain.pending_timestamp
        if edge in ("matures", "expires"):
            requesting = [key.address for key in self.payers if key.address in self.model.withdrawals]
            if not requesting:
                return
            request = self.model.withdrawals[requesting[who % len(requesting)]]
            target = request[1] + (WITHDRAWAL_WINDOW if edge == "expires" else 0) - self.model.clock(now) + now
        elif edge == "lapses":
            if not self.model.is_paused(now):
                return
            target = self.model.paused_until(now)
        else:
            target = self.model.next_pause_at()
        target += offset
        if target > now:
            self.chain.sleep(target - now)
            event(f"time to: {edge}")

    # --- the guardian ---------------------------------------------------------------------
    @rule(who=st.sampled_from(["guardian", "owner", "stranger"]))
    def pause(self, who):
        account = {"guardian": self.guardian, "owner": self.issuer, "stranger": self.stranger}[who]
        now = self.chain.pending_timestamp
        if who == "stranger":
            reason = NOT_GUARDIAN
        elif self.model.is_paused(now):
            reason = "settlement: already paused"
        elif now < self.model.next_pause_at():
            reason = "settlement: too soon after the last pause"
        else:
            reason = None
        event(f"pause: {reason or 'paused'}")
        receipt = expect(reason, lambda: self.settlement.pause(sender=account))
        if reason is not None:
            return
        self.model.pause(now)
        assert [e.args for e in receipt.filter("Paused")] == [
            {"account": account.address, "lapses_at": now + PAUSE_LIMIT}
        ]
        # SET-8: what could be paid now must still be payable when the pause is over
        self.clock_at_pause = self.model.clock(now)
        self.prepaid_at_pause = {key.address: self.model.prepaid[key.address] for key in self.payers}
        self.payable_at_pause = []
        signed = {
            **self.cumulative,
            **{(self.racer.address, n): v.cumulative_amount for n, (v, _) in self.racer_vouchers.items()},
        }
        for (payer, node), cumulative in signed.items():
            settled = self.model.settled[(payer, node)]
            funds = self.model.prepaid[payer] + self.model.reservations[(payer, node)]
            if node in self.model.payees and settled < cumulative <= settled + funds:
                self.payable_at_pause.append((payer, node, cumulative, settled))

    @rule(who=st.sampled_from(["guardian", "owner", "stranger"]))
    def unpause(self, who):
        account = {"guardian": self.guardian, "owner": self.issuer, "stranger": self.stranger}[who]
        now = self.chain.pending_timestamp
        if who == "stranger":
            reason = NOT_GUARDIAN
        elif not self.model.is_paused(now):
            reason = "settlement: not paused"
        else:
            reason = None
        event(f"unpause: {reason or 'unpaused'}")
        expect(reason, lambda: self.settlement.unpause(sender=account))
        if reason is None:
            self.model.unpause(now)

    # --- the racing payer -----------------------------------------------------------------
    @rule(node=st.integers(1, NODES), amount=amounts)
    def node_serves_the_racer(self, node, amount):
        """The node reads `reserved(racer, node)` and serves the racer beyond what it
        already holds vouchers for, no further (the README's rule); the racer signs."""
        reserved = self.settlement.reserved(self.racer.address, node)
        assert reserved == self.model.reserved(self.racer.address, node, self.chain.timestamp)
        room = reserved - self.racer_outstanding(node)
        increase = min(amount, room)
        if increase <= 0:
            event("racer: node refuses to serve")
            return
        previous = self.racer_vouchers[node][0].cumulative_amount if node in self.racer_vouchers else 0
        voucher = Voucher(self.racer.address, node, previous + increase, self.chain.pending_timestamp + FAR)
        self.racer_vouchers[node] = (voucher, sign_voucher(self.domain, voucher, self.racer))
        self.seq += 1
        self.increments.append(Increment(node, previous, previous + increase, self.seq))
        self.accepted_since_request = self.racer_request_seq is not None
        self.signed_max[(self.racer.address, node)] = previous + increase

    @rule(amount=amounts)
    def racer_requests_a_withdrawal(self, amount):
        if self.request(self.racer, amount):
            self.seq += 1
            self.racer_request_seq = self.seq
            self.accepted_since_request = False

    @rule(amount=amounts)
    def racer_deposits(self, amount):
        self.deposit_by_authorization(self.racer, amount)

    def racer_withdraws_now(self) -> None:
        request_seq = self.racer_request_seq
        paid = self.withdraw_for(self.racer, self.racer.address)
        if paid is not None:
            event(
                "racer: withdrew" + (" after a node accepted since its request" if self.accepted_since_request else "")
            )
            # nodes serve within reservations, which no withdrawal touches: nothing is exposed
            assert request_seq is not None
            self.racer_request_seq = None
            self.accepted_since_request = False

    def nodes_settle_the_racer(self, nodes: list[int]) -> None:
        chosen = [self.racer_vouchers[n] for n in nodes if n in self.racer_vouchers and self.racer_outstanding(n)]
        if not chosen:
            return
        outcomes = self.settle([v for v, _ in chosen], [sig for _, sig in chosen], [True] * len(chosen))
        if outcomes is not None:
            for reason, _ in outcomes:
                event(f"racer voucher: {reason}")

    @rule()
    def racer_withdraws(self):
        self.racer_withdraws_now()

    @precondition(lambda self: hasattr(self, "model") and self.racer.address in self.model.withdrawals)
    @rule(late=st.integers(0, 2))
    def racer_withdraws_the_moment_its_request_matures(self, late):
        """The racer comes back the second its request matures by the wall clock, as if
        Settlement's clock had run on (during a pause it has not: the request waits)."""
        request = self.model.withdrawals.get(self.racer.address)
        now = self.chain.pending_timestamp
        if request is not None:
            target = request[1] - self.model.clock(now) + now + late
            if target > now:
                self.chain.sleep(target - now)
        self.racer_withdraws_now()

    @rule(nodes=st.lists(st.integers(1, NODES), min_size=1, max_size=NODES, unique=True))
    def nodes_settle(self, nodes):
        self.nodes_settle_the_racer(nodes)

    @rule(nodes=st.lists(st.integers(1, NODES), min_size=1, max_size=NODES, unique=True))
    def racer_races_a_settle(self, nodes):
        """The racer's withdrawal lands in the block before the nodes' settle."""
        self.racer_withdraws_now()
        self.nodes_settle_the_racer(nodes)

    # --- the issuer changing the fee ---------------------------------------------------------
    @rule(who=st.integers(0, CUSTOMERS - 1), node=st.integers(1, NODES), amount=amounts, life=st.integers(0, FEE_DELAY))
    def node_accepts_a_voucher(self, who, node, amount, life):
        """A customer signs a voucher that a node holds to settle later; the node accepts a
        deadline at most `FEE_DELAY` ahead (the voucher lifetime bound)."""
        key = self.customers[who]
        channel = (key.address, node)
        self.cumulative[channel] += amount
        self.signed_max[channel] = self.cumulative[channel]
        now = self.chain.pending_timestamp
        voucher = Voucher(key.address, node, self.cumulative[channel], now + life)
        self.held = [*self.held[-7:], (voucher, sign_voucher(self.domain, voucher, key), now)]

    @rule()
    def nodes_settle_what_they_hold(self):
        if self.held:
            outcomes = self.settle(
                [v for v, _, _ in self.held], [sig for _, sig, _ in self.held], [True] * len(self.held)
            )
            if outcomes is not None:
                self.held = []

    @rule(fee_bps=st.integers(0, MAX_FEE_BPS), who=st.sampled_from(["owner", "owner", "guardian", "stranger"]))
    def issuer_announces_a_fee(self, fee_bps, who):
        sender = {"owner": self.issuer, "guardian": self.guardian, "stranger": self.stranger}[who]
        reason = None if who == "owner" else "ownable: caller is not the owner"
        receipt = expect(reason, lambda: self.settlement.announce_fee(fee_bps, sender=sender))
        if reason is None:
            self.model.announce_fee(fee_bps, receipt.timestamp)
            self.change_announced_at = receipt.timestamp
            event("fee: announced")

    @rule(when=st.sampled_from(["now", "due", "due", "a second early"]))
    def issuer_applies_the_fee(self, when):
        """The issuer applies the announced fee as early as it can (or a second too early)."""
        now = self.chain.pending_timestamp
        if when != "now" and self.model.fee_change is not None:
            target = self.model.fee_change[1] - self.model.clock(now) + now - (when == "a second early")
            if target > now:
                self.chain.sleep(target - now)
                now = target
        refusal = self.model.fee_refusal(now)
        reason = FEE_REFUSALS[refusal] if refusal else None
        expect(reason, lambda: self.settlement.apply_fee(sender=self.issuer))
        event(f"fee: apply {refusal or 'applied'}")
        if reason is None:
            self.model.apply_fee(now)
            self.fee_announced_at = self.change_announced_at
            self.change_announced_at = None

    @rule()
    def issuer_cancels_the_fee(self):
        reason = FEE_REFUSALS["none"] if self.model.fee_change is None else None
        expect(reason, lambda: self.settlement.cancel_fee(sender=self.issuer))
        if reason is None:
            self.model.cancel_fee()
            self.change_announced_at = None

    # --- reservations (every payer; the racer's nodes serve within them) --------------------
    @rule(who=st.integers(0, CUSTOMERS), node=st.integers(1, OWN_NODE), amount=amounts)
    def payer_reserves(self, who, node, amount):
        key = self.payers[who]
        now = self.chain.pending_timestamp
        available = self.model.available(key.address, now)
        if amount % 3 == 0:
            amount = available  # often everything it may
        if self.settlement_paused():
            reason = SETTLEMENT_PAUSED
        elif amount == 0:
            reason = "settlement: nothing to reserve"
        elif amount > available:
            reason = "settlement: amount above the available balance"
        else:
            reason = None
        event(f"reserve: {reason or 'reserved'}")
        receipt = expect(reason, lambda: self.settlement.reserve(node, amount, sender=key))
        if reason is not None:
            return
        # the free balance is first come, first served again from here: SET-8 ends, as at a settle
        self.money_left_a_balance()
        self.model.reserve(key.address, node, amount)
        assert [e.args for e in receipt.filter("Reserved")] == [
            {
                "payer": key.address,
                "node_id": node,
                "amount": amount,
                "reservation": self.model.reservations[(key.address, node)],
            }
        ]

    @rule(who=st.integers(0, CUSTOMERS), node=st.integers(1, OWN_NODE), amount=amounts)
    def payer_releases(self, who, node, amount):
        key = self.payers[who]
        reservation = self.model.reservations[(key.address, node)]
        if amount % 2 == 0:
            amount = reservation  # often all of it; the racer that way more than not
        if amount == 0:
            reason = "settlement: nothing to release"
        elif amount > reservation:
            reason = "settlement: amount above the reservation"
        else:
            reason = None
        event(f"release: {reason or 'requested'}")
        receipt = expect(reason, lambda: self.settlement.release(node, amount, sender=key))
        if reason is not None:
            return
        self.model.request_release(key.address, node, amount, receipt.timestamp)
        available_at = self.model.releases[(key.address, node)][1]
        assert [e.args for e in receipt.filter("ReleaseRequested")] == [
            {
                "payer": key.address,
                "node_id": node,
                "amount": amount,
                "available_at": available_at,
                "expires_at": available_at + WITHDRAWAL_WINDOW,
            }
        ]
        if key is self.racer:
            self.seq += 1
            self.racer_release_seq[node] = self.seq

    @rule(who=st.integers(0, CUSTOMERS), node=st.integers(1, OWN_NODE), late=st.one_of(st.none(), st.integers(-1, 2)))
    def payer_completes_a_release(self, who, node, late):
        """Completes a release now, or (`late` seconds after) the moment it matures as if
        Settlement's clock had run on."""
        key = self.payers[who]
        channel = (key.address, node)
        if late is not None and channel in self.model.releases:
            now = self.chain.pending_timestamp
            target = self.model.releases[channel][1] - self.model.clock(now) + now + late
            if target > now:
                self.chain.sleep(target - now)
        state = self.model.release_state(key.address, node, self.chain.pending_timestamp)
        if self.settlement_paused():
            reason = SETTLEMENT_PAUSED
        elif state != "open":
            reason = RELEASE_REFUSALS[state]
        else:
            reason = None
        event(f"complete release: {reason or 'done'}")
        receipt = expect(reason, lambda: self.settlement.complete_release(node, sender=key))
        if reason is not None:
            return
        amount = self.model.complete_release(key.address, node)
        assert [e.args for e in receipt.filter("Released")] == [
            {"payer": key.address, "node_id": node, "amount": amount, "reservation": self.model.reservations[channel]}
        ]
        if key is self.racer:
            # the node had the whole delay to settle what it accepted before the request
            release_seq = self.racer_release_seq.pop(node)
            for inc in self.increments:
                if inc.node == node and inc.seq < release_seq:
                    inc.exposed = True

    # --- the racer's own node -------------------------------------------------------------
    @rule(amount=amounts, everything=st.booleans(), then_nodes=st.booleans())
    def racer_pays_its_own_node(self, amount, everything, then_nodes):
        """The racer settles a voucher to its own node (90% operator share) for part or all
        of its free balance; sometimes in the block before its nodes' settle."""
        racer = self.racer.address
        increase = self.model.prepaid[racer] + self.model.reservations[(racer, OWN_NODE)] if everything else amount
        voucher = Voucher(racer, OWN_NODE, self.own_cumulative + max(increase, 1), self.chain.pending_timestamp + FAR)
        self.own_cumulative = voucher.cumulative_amount
        self.signed_max[(racer, OWN_NODE)] = voucher.cumulative_amount
        outcomes = self.settle([voucher], [sign_voucher(self.domain, voucher, self.racer)], [True])
        if outcomes is not None:
            event(f"racer pays its own node: {outcomes[0][0]}")
        if then_nodes:
            self.nodes_settle_the_racer(list(range(1, NODES + 1)))

    @rule(to_self=st.booleans())
    def racer_withdraws_its_earnings(self, to_self):
        receiver = self.racer.address if to_self else self.stranger.address
        owed = self.model.earnings[self.racer.address]
        reason = "settlement: no earnings" if owed == 0 else self.stable_reason(receiver)
        expect(reason, lambda: self.settlement.withdraw_earnings(receiver, sender=self.racer))
        if reason is None:
            self.wallets[receiver] += self.model.withdraw_earnings(self.racer.address)

    @rule(
        node=st.integers(1, NODES),
        amount=amounts,
        life=st.integers(-1, 2 * EPOCH_LENGTH),
        kind=st.sampled_from(["new"] * 4 + ["relock", "smaller", "shorter", "forged", "eoa"]),
    )
    def node_locks_a_wallet_voucher(self, node, amount, life, kind):
        now = self.chain.pending_timestamp
        payer = self.wallet.address
        locked = self.wallet_locks.get(node)
        cumulative = self.wallet_signed[node] + amount
        deadline = now + life
        if kind == "relock" and locked is not None:
            cumulative, deadline = locked.cumulative_amount, locked.deadline
        elif kind == "smaller" and locked is not None:
            cumulative = max(1, locked.cumulative_amount - amount)
        elif kind == "shorter" and locked is not None:
            deadline = min(deadline, locked.deadline - 1)
        elif kind == "eoa":
            payer = self.wallet_owner.address
        voucher = Voucher(payer, node, cumulative, deadline)
        signer = self.customers[1] if kind == "forged" else self.wallet_owner
        signature = sign_voucher(self.domain, voucher, signer)
        signer_ok = kind != "forged" and self.wallet_valid
        reason = self.model.lock_refusal(voucher, kind != "eoa", signer_ok, now)
        event(f"lock: {reason or 'locked'}")
        receipt = expect(
            reason, lambda: self.settlement.lock_voucher(voucher.as_tuple(), signature, sender=self.relayer)
        )
        if kind != "forged" and kind != "eoa":
            self.wallet_signed[node] = max(self.wallet_signed[node], cumulative)
            self.signed_max[(payer, node)] = max(self.signed_max[(payer, node)], cumulative)
        if reason is None:
            stored = self.model.lock(voucher)
            self.wallet_locks[node] = voucher
            logged = [
                tuple(e.args[k] for k in ("payer", "node_id", "cumulative_amount", "deadline"))
                for e in receipt.filter("VoucherLocked")
            ]
            assert logged == [(payer, node, *stored)]

    @rule(valid=st.booleans())
    def wallet_rotates_its_signer(self, valid):
        self.wallet.set_valid(valid, sender=self.wallet_owner)
        self.wallet_valid = valid

    @rule(
        node=st.integers(1, NODES),
        above=st.sampled_from([0, 0, 0, 1, 999]),
        signed=st.booleans(),
    )
    def nodes_settle_the_wallet(self, node, above, signed):
        """A node settles the wallet's locked voucher (or one above it, which needs the wallet),
        with the owner's signature or none."""
        locked = self.wallet_locks.get(node)
        if locked is None:
            return
        voucher = Voucher(locked.payer, node, locked.cumulative_amount + above, locked.deadline)
        if above:
            self.wallet_signed[node] = max(self.wallet_signed[node], voucher.cumulative_amount)
            self.signed_max[(locked.payer, node)] = max(
                self.signed_max[(locked.payer, node)], voucher.cumulative_amount
            )
        signature = sign_voucher(self.domain, voucher, self.wallet_owner) if signed else (b"\x00" * 32, b"\x00" * 32)
        outcomes = self.settle([voucher], [signature], [signed and self.wallet_valid])
        if outcomes is not None:
            event(f"wallet settle: {outcomes[0][0]}, wallet valid {self.wallet_valid}, above {bool(above)}")

    @rule(amount=amounts)
    def wallet_requests_everything_and_withdraws(self, amount):
        """The wallet asks to withdraw (everything, most often) and takes what it can the
        moment its request is open."""
        payer = self.wallet.address
        now = self.chain.pending_timestamp
        if self.model.withdrawal_state(payer, now) == "open":
            if not self.settlement_paused() and self.stable_reason(payer) is None:
                self.wallet_call("withdraw(address)", ["address"], [payer])
                self.money_left_a_balance()
                self.model.withdraw(payer)
                event("wallet: withdrew")
            return
        balance = self.model.prepaid[payer]
        amount = balance if amount % 3 else min(amount, balance)
        if amount != 0:
            receipt = self.wallet_call("request_withdrawal(uint256)", ["uint256"], [amount])
            self.model.request_withdrawal(payer, amount, receipt.timestamp)

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def set_14_a_locked_voucher_is_always_payable(self):
        if not hasattr(self, "settlement"):
            return
        now = self.chain.timestamp
        payer = self.wallet.address
        for node in range(1, NODES + 1):
            assert tuple(self.settlement.locked(payer, node)) == self.model.locks.get((payer, node), (0, 0)), "SET-14"
            locked = self.wallet_locks.get(node)
            if locked is None or now > locked.deadline:
                continue
            settled = self.settlement.settled(payer, node)
            if locked.cumulative_amount <= settled:
                continue
            # whatever the wallet answers now: payable, or skipped only as underfunded
            reason, _ = self.model.voucher_outcome(locked, False, now)
            funds = self.settlement.prepaid(payer) + self.settlement.reservation(payer, node)
            assert reason == 0 or (reason == UNDERFUNDED and locked.cumulative_amount - settled > funds), (
                "SET-14: a locked voucher within its deadline is not payable"
            )

    @invariant()
    def set_1_settlement_holds_what_it_owes(self):
        if not hasattr(self, "settlement"):
            return
        held = self.stable.balanceOf(self.settlement)
        assert held == self.model.liabilities() + self.excess, "SET-1: balance differs from what is owed + excess"
        assert self.settlement.owed() == self.model.liabilities(), "SET-1: owed() differs from the model"
        on_chain = (
            sum(self.settlement.prepaid(k.address) for k in self.payers)
            + self.settlement.prepaid(self.wallet)
            + sum(self.settlement.reservation(k.address, n) for k in self.payers for n in range(1, OWN_NODE + 1))
            + sum(self.settlement.earnings(a) for a in [self.treasury, *self.operators, self.racer])
        )
        assert on_chain == held - self.excess, "SET-1: the views do not add up to what is owed"

    @invariant()
    def set_7_requests_and_pauses_match_the_model(self):
        if not hasattr(self, "settlement"):
            return
        now = self.chain.timestamp  # views read the latest block
        for key in self.payers:
            payer = key.address
            assert self.settlement.prepaid(payer) == self.model.prepaid[payer], "SET-7: prepaid"
            assert self.settlement.available(payer) == self.model.available(payer, now), "SET-7: available"
            assert tuple(self.settlement.withdrawal_request(payer)) == self.model.withdrawal_request(payer, now)
            for node in range(1, OWN_NODE + 1):
                assert self.settlement.reserved(payer, node) == self.model.reserved(payer, node, now), "SET-7"
                assert self.settlement.reservation(payer, node) == self.model.reservations[(payer, node)], "SET-7"
                expected = self.model.release_request(payer, node, now)
                assert tuple(self.settlement.release_request(payer, node)) == expected, "SET-7: release"
        assert self.settlement.clock() == self.model.clock(now), "SET-7: clock"
        assert self.settlement.paused() == self.model.is_paused(now)
        assert self.settlement.paused_until() == self.model.paused_until(now)
        assert self.settlement.next_pause_at() == self.model.next_pause_at()

    @invariant()
    def set_8_a_pause_keeps_every_payable_voucher_payable(self):
        if not hasattr(self, "settlement"):
            return
        if self.model.is_paused(self.chain.timestamp):
            assert self.settlement.clock() == self.clock_at_pause, "SET-8: the clock moved during a pause"
        for payer, before in self.prepaid_at_pause.items():
            assert self.settlement.prepaid(payer) >= before, "SET-8: a prepaid balance went down during a pause"
        for payer, node, cumulative, settled in self.payable_at_pause:
            assert self.settlement.settled(payer, node) == settled, "SET-8: settled during a pause"
            funds = self.settlement.prepaid(payer) + self.settlement.reservation(payer, node)
            assert cumulative - settled <= funds, "SET-8: a payable voucher became unpayable"

    @invariant()
    def set_10_withdrawals_never_take_what_nodes_were_shown(self):
        if not hasattr(self, "settlement"):
            return
        racer = self.racer.address
        balance = self.settlement.prepaid(racer) + sum(
            self.settlement.reservation(racer, n) for n in range(1, NODES + 1)
        )
        protected = [inc for inc in self.increments if not inc.exposed]
        settled = {n: self.model.settled[(self.racer.address, n)] for n in range(1, NODES + 1)}
        assert balance >= sum(max(0, inc.hi - max(inc.lo, settled[inc.node])) for inc in protected), "SET-10"
        if any(inc.hi > settled[inc.node] for inc in protected):
            # every voucher accepted and unpaid, earlier ones included, can be paid together
            assert balance >= self.racer_outstanding(), "SET-10: the racer's accepted vouchers are not covered"

    @invariant()
    def set_12_fee_changes_match_the_model(self):
        if not hasattr(self, "settlement"):
            return
        assert self.settlement.fee_bps() == self.model.fee_bps, "SET-12: fee"
        assert tuple(self.settlement.pending_fee()) == self.model.pending_fee(), "SET-12: announced change"

    @invariant()
    def set_13_a_voucher_within_a_reservation_is_always_payable(self):
        if not hasattr(self, "settlement"):
            return
        racer = self.racer.address
        for node in range(1, NODES + 1):
            settled = self.settlement.settled(racer, node)
            assert settled == self.model.settled[(racer, node)]
            if any(not inc.exposed and inc.hi > settled for inc in self.increments if inc.node == node):
                # the node's latest voucher pays everything it accepted from the reservation alone
                outstanding = self.racer_outstanding(node)
                reservation = self.settlement.reservation(racer, node)
                assert reservation >= outstanding, "SET-13: a reserved voucher is unpayable"

    @invariant()
    def set_11_no_actor_holds_more_than_the_model_says(self):
        if not hasattr(self, "settlement"):
            return
        for account in [*self.payers, *self.operators, self.treasury, self.stranger]:
            address = account.address
            assert self.stable.balanceOf(address) == self.wallets[address], f"SET-11: {address}"

    @invariant()
    def set_2_no_channel_paid_beyond_what_was_signed(self):
        if not hasattr(self, "settlement"):
            return
        for (payer, node), signed in self.signed_max.items():
            assert self.settlement.settled(payer, node) == self.model.settled[(payer, node)] <= signed, "SET-2"
        for _, _, _, deadline, at in self.paid_log:
            assert at <= deadline, "SET-2: a voucher paid after its deadline"

    @invariant()
    def all_1_nothing_lost_or_misrouted(self):
        if not hasattr(self, "settlement"):
            return
        assert self.stable.totalSupply() == self.supply, "ALL-1: stablecoin supply changed"
        for account in [self.treasury, *self.operators, self.racer]:
            assert self.settlement.earnings(account) == self.model.earnings[account.address], "ALL-1: earnings differ"
        for node, token in self.tokens.items():
            expected = self.model.holders_paid[node] + self.slashed_in[node] - self.claimed[node]
            assert self.stable.balanceOf(token) == expected, "holders' revenue differs from the model"
        assert self.stable.balanceOf(self.registry) == sum(b.held for b in self.bonds.nodes.values()), "bonds differ"


@pytest.mark.both_engines
def test_settlement_machine(backend):
    run_state_machine_as_test(lambda: SettlementMachine(backend, backend.accounts), settings=machine_settings(backend))
