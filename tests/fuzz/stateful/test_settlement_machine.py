"""Settlement and NodeRegistry against exact Python models (computerwa.models.settlement, computerwa.client.vouchers).

Each example deploys the payment suite (stablecoin, identity registry, factory, 3-of-5
oracle, registry, settlement with a random fee) with three nodes of random operator
shares and SLAs, each with a verified holder of its ComputeToken and a posted bond.
Rules: customers prepay (EIP-3009 authorizations relayed by anyone), sign cumulative
vouchers that are settled in random batches mixed with stale, expired, forged,
unknown-node and underfunded ones; one-shot EIP-3009 payments (and replays of them);
withdrawals requested, attempted early and paid after the delay; earnings withdrawn to
the owner or to another receiver; the stablecoin blacklisting customers, operators and
the treasury, and pausing; attested reports and slashes; holders claiming; time.
The models predict every outcome before the call. After every step:
- SET-1: the stablecoin Settlement holds equals the prepaid balances plus unwithdrawn
  earnings (the model's and the chain's views of both);
- SET-2: no (payer, node) channel was ever paid more than the highest cumulative amount
  the payer signed for it, and only vouchers not past their deadline paid (ghost log);
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

import pytest
from eth_account import Account
from eth_utils import keccak
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain, sign
from computerwa.client.vouchers import Voucher, deposit_authorization, payment_authorization, sign_voucher
from computerwa.evm.chain import Reverted, expect
from computerwa.evm.suite import deploy_suite
from computerwa.models.registry import BondModel, RegistryError
from computerwa.models.settlement import MAX_FEE_BPS, MAX_OPERATOR_SHARE_BPS, SettlementModel, split
from tests.conftest import EPOCH_LENGTH, machine_settings

DOLLAR = 10**6
PAST_EPOCHS = 10
BOND_DELAY = 3 * EPOCH_LENGTH
WITHDRAWAL_DELAY = 2 * EPOCH_LENGTH
SLASH_BPS = 2_000
NODES = 3
CUSTOMERS = 3
BOND = 500 * DOLLAR
FUNDS = 10_000 * DOLLAR
PREPAID = 1_000 * DOLLAR
PAUSED = "pausable: contract is paused"
BLACKLISTED = "stablecoin: account is blacklisted"

attestor_keys = sorted(
    (Account.from_key(keccak(b"ComputeRWA machine suite attestor %d" % i)) for i in range(5)),
    key=lambda key: int(key.address, 16),
)
amounts = st.one_of(st.integers(1, 100), st.integers(1, 20 * DOLLAR), st.sampled_from([1, DOLLAR, 999_999]))


class SettlementMachine(RuleBasedStateMachine):
    def __init__(self, backend, accounts):
        super().__init__()
        self.chain = backend
        # every actor is a funded test account (it sends transactions) with a key (it signs)
        self.issuer, self.relayer, self.treasury, self.holder = accounts[:4]
        self.stranger = self.relayer  # receives payouts others name
        self.operators = accounts[4 : 4 + NODES]
        self.customers = accounts[4 + NODES : 4 + NODES + CUSTOMERS]
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
        )
        self.stable, identity, self.oracle = suite.stablecoin, suite.identity, suite.oracle
        self.registry, self.settlement = suite.registry, suite.settlement
        self.domain = Domain.of(self.settlement)
        self.stable_domain = Domain.of(self.stable)
        self.oracle_domain = Domain.of(self.oracle)
        self.model = SettlementModel(self.treasury.address, fee_bps, WITHDRAWAL_DELAY)
        self.bonds = BondModel(
            genesis,
            EPOCH_LENGTH,
            BOND_DELAY,
            SLASH_BPS,
            suite.settings["bond_withdrawal_window"],
            suite.settings["grace_period"],
        )
        identity.set_verified(self.holder, 2**40, sender=issuer)
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
        for key in self.customers:
            self.stable.mint(key.address, FUNDS, sender=issuer)
            # a first prepayment, so most vouchers are funded
            self.stable.approve(self.settlement, PREPAID, sender=key)
            self.settlement.deposit(PREPAID, sender=key)
            self.model.credit(key.address, PREPAID)
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

    # --- rules ------------------------------------------------------------------------------
    @rule(who=st.integers(0, CUSTOMERS - 1), amount=amounts)
    def deposit_with_authorization(self, who, amount):
        key = self.customers[who]
        amount = min(amount, self.stable.balanceOf(key.address)) or 1
        nonce, far = self.fresh_nonce(), self.chain.pending_timestamp + EPOCH_LENGTH
        doc = deposit_authorization(self.stable_domain, key.address, self.settlement.address, amount, nonce, 0, far)
        signature = sign(key, doc)
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

    @rule(
        picks=st.lists(
            st.tuples(
                st.integers(0, CUSTOMERS - 1),
                st.integers(1, NODES + 1),  # NODES + 1 is not registered
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
        trial = SettlementModel(
            self.model.treasury,
            self.model.fee_bps,
            WITHDRAWAL_DELAY,
            dict(self.model.payees),
            defaultdict(int, self.model.prepaid),
            defaultdict(int, self.model.settled),
        )
        outcomes, payments = trial.settle(vouchers, valid, now)
        new_nodes = {v.node_id for v in vouchers if v.node_id in self.model.payees} - self.cached
        touches = bool(new_nodes) or any(self.node_payment_touches_stablecoin(p.node_id, p.amount) for p in payments)
        reason = PAUSED if self.stable_paused and touches else None
        receipt = expect(
            reason,
            lambda: self.settlement.settle([v.as_tuple() for v in vouchers], signatures, sender=self.relayer),
        )
        if reason is not None:
            return
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
        for v, (r, _) in zip(vouchers, outcomes, strict=True):
            if r == 0:
                self.paid_log.append((v.payer, v.node_id, v.cumulative_amount, v.deadline, now))
        paid = [
            tuple(e.args[k] for k in ("node_id", "amount", "fee", "operator_amount", "holders_amount"))
            for e in receipt.filter("NodePaid")
        ]
        assert paid == [(p.node_id, p.amount, p.fee, p.operator, p.holders) for p in payments]
        for _, amount, fee, operator_amount, holders in paid:
            assert fee + operator_amount + holders == amount, "SET-3"

    @rule(who=st.integers(0, CUSTOMERS - 1), node=st.integers(1, NODES + 1), amount=amounts, replay=st.booleans())
    def pay_with_authorization(self, who, node, amount, replay):
        key = self.customers[who]
        if replay and self.authorizations:
            args = self.authorizations[amount % len(self.authorizations)]
            # the stablecoin checks pause and blacklist before the nonce
            reason = self.stable_reason(args[1]) or (
                "stablecoin: authorization is expired"
                if self.chain.pending_timestamp >= args[4]
                else "stablecoin: authorization is used or canceled"
            )
            expect(reason, lambda: self.settlement.pay_with_authorization(*args, sender=self.relayer))
            return
        salt, far = self.fresh_nonce(), self.chain.pending_timestamp + EPOCH_LENGTH
        doc = payment_authorization(
            self.stable_domain, key.address, self.settlement.address, amount, node, salt, 0, far
        )
        signature = sign(key, doc)
        args = (node, key.address, amount, 0, far, salt, *signature.vrs)
        if node not in self.model.payees:
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

    @rule(who=st.integers(0, CUSTOMERS - 1), amount=amounts)
    def request_withdrawal(self, who, amount):
        key = self.customers[who]
        balance = self.model.prepaid[key.address]
        amount = amount if amount % 4 else balance  # often everything
        if amount == 0:
            reason = "settlement: nothing to withdraw"
        elif amount > balance:
            reason = "settlement: amount above the balance"
        else:
            reason = None
        expect(reason, lambda: self.settlement.request_withdrawal(amount, sender=key))
        if reason is None:
            self.model.request_withdrawal(key.address, amount, self.chain.pending_timestamp)

    @rule(who=st.integers(0, CUSTOMERS - 1), to_self=st.booleans())
    def withdraw(self, who, to_self):
        key = self.customers[who]
        receiver = key.address if to_self else self.stranger.address
        request = self.model.withdrawals.get(key.address)
        if request is None:
            reason = "settlement: no withdrawal requested"
        elif self.chain.pending_timestamp < request[1]:
            reason = "settlement: withdrawal not available yet"
        elif min(request[0], self.model.prepaid[key.address]) != 0:
            reason = self.stable_reason(receiver)
        else:
            reason = None
        expect(reason, lambda: self.settlement.withdraw(receiver, sender=key))
        if reason is None:
            self.model.withdraw(key.address)

    @rule(which=st.integers(0, NODES), to_self=st.booleans())
    def withdraw_earnings(self, which, to_self):
        account = self.treasury if which == NODES else self.operators[which]
        receiver = account.address if to_self else self.stranger.address
        owed = self.model.earnings[account.address]
        reason = "settlement: no earnings" if owed == 0 else self.stable_reason(receiver)
        expect(reason, lambda: self.settlement.withdraw_earnings(receiver, sender=account))
        if reason is None:
            self.model.withdraw_earnings(account.address)

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

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def set_1_settlement_holds_what_it_owes(self):
        if not hasattr(self, "settlement"):
            return
        held = self.stable.balanceOf(self.settlement)
        assert held == self.model.liabilities(), "SET-1: balance differs from prepaid + earnings"
        on_chain = sum(self.settlement.available(k.address) for k in self.customers) + sum(
            self.settlement.earnings(a) for a in [self.treasury, *self.operators]
        )
        assert on_chain == held, "SET-1: the views do not add up to the balance"
        for key in self.customers:
            assert self.settlement.available(key.address) == self.model.prepaid[key.address]

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
        for account in [self.treasury, *self.operators]:
            assert self.settlement.earnings(account) == self.model.earnings[account.address], "ALL-1: earnings differ"
        for node, token in self.tokens.items():
            expected = self.model.holders_paid[node] + self.slashed_in[node] - self.claimed[node]
            assert self.stable.balanceOf(token) == expected, "holders' revenue differs from the model"
        assert self.stable.balanceOf(self.registry) == sum(b.held for b in self.bonds.nodes.values()), "bonds differ"


@pytest.mark.both_engines
def test_settlement_machine(backend):
    run_state_machine_as_test(lambda: SettlementMachine(backend, backend.accounts), settings=machine_settings(backend))
