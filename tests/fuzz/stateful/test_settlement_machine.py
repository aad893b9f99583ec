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
Every payer reserves part of its balance for a node, asks releases (most often of a channel
with a reservation, part or all of it) and completes them (most often one requested: early,
in their window, expired); batches carry vouchers within a channel's reservation (reserved
first if need be), paid from it alone; `settle` returns the total the model paid.
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
time, and requests and takes withdrawals; it reserves, asks releases and completes them
itself (Settlement acts for `msg.sender`, the contract); nodes settle its locked vouchers
(sometimes unsigned, a second before, at or after the lock's deadline) and vouchers above
the lock.
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
- SET-19: `preflight`, called just before every settle in the block the settle lands in,
  foresees it: each voucher's reason (0 paid) is the one `settle` logs, and a paused
  Settlement refuses both alike (a revert of the stablecoin or a token while paying, which
  preflight's NatSpec leaves out, is not compared);
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
from hypothesis.stateful import initialize, precondition, rule, run_state_machine_as_test

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain, sign
from computerwa.client.vouchers import Voucher, deposit_authorization, payment_authorization, sign_voucher
from computerwa.evm.chain import Reverted, expect
from computerwa.evm.suite import deploy_suite
from computerwa.models.exact_revenue import ExactRevenue
from computerwa.models.registry import BondModel, RegistryError
from computerwa.models.revenue import RevenueModel
from computerwa.models.settlement import (
    MAX_BPS,
    MAX_FEE_BPS,
    MAX_OPERATOR_SHARE_BPS,
    UNDERFUNDED,
    SettlementModel,
    split,
)
from tests.conftest import EPOCH_LENGTH, machine_settings
from tests.fuzz.properties import PropertyMachine, check, equal, require

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
NOT_OWNER = "ownable: caller is not the owner"
NOT_NEW_OWNER = "ownable_2step: caller is not the new owner"
HOLDINGS_CAP = 2**128 - 1  # what Settlement may owe, and the largest voucher amount
HOLDINGS_REFUSAL = "settlement: holdings above 2**128 - 1"
MAX_DEPOSITS = 2**96 - 1  # a node token's revenue queue per epoch (revenue_stream.vy)
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
# seconds from the next block's timestamp: the edges first (a deadline equal to now, a second
# either side), then anywhere within the voucher lifetime bound
near = st.one_of(st.sampled_from([-1, 0, 0, 1]), st.integers(-EPOCH_LENGTH, 2 * EPOCH_LENGTH))
# the racing node's settle edges, and a whale's distance to the holdings cap
edges = st.sampled_from([-1, 0, 1])


@dataclass(frozen=True)
class Refused:
    """A call's revert, by reason (None: without one), to compare with another's."""

    reason: str | None


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


class SettlementMachine(PropertyMachine):
    RULE_IDS = frozenset({"SET-3", "SET-4", "SET-6", "SET-16", "SET-19"})  # checked in rules / end_of_run

    def __init__(self, backend, accounts):
        super().__init__()
        self.chain = backend
        # every actor is a funded test account (it sends transactions) with a key (it signs)
        self.issuer, self.relayer, self.treasury, self.holder = accounts[:4]
        self.stranger = self.relayer  # receives payouts others name
        self.operators = accounts[4 : 4 + NODES]
        self.customers = accounts[4 + NODES : 4 + NODES + CUSTOMERS]
        self.racer, self.guardian = accounts[4 + NODES + CUSTOMERS : 6 + NODES + CUSTOMERS]
        # a second treasury and owner the owner may name, and a second holder of every node token
        self.alt, self.holder2 = accounts[6 + NODES + CUSTOMERS : 8 + NODES + CUSTOMERS]
        self.payers = [*self.customers, self.racer]
        self.payer_index = {key.address: i for i, key in enumerate(self.payers)}
        self.customer_index = {key.address: i for i, key in enumerate(self.customers)}
        self.snapshot = backend.snapshot()
        self.model: SettlementModel | None = None
        self._dirty_stamp = -1
        self._dirty_sets: dict[str, set] = defaultdict(set)
        self._sweep_stamp = -1
        self.nonce = 0
        self.signed_max: dict[tuple[str, int], int] = defaultdict(int)  # SET-2 ghost
        self.paid_log: list[tuple[str, int, int, int, int]] = []  # (payer, node, cumulative, deadline, at)
        self.paid_checked = 0  # SET-2: the paid log's entries checked so far
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
        # SET-15: Settlement's roles as the model knows them
        self.owner = self.issuer
        self.pending_owner: str | None = None
        self.guardian_address: str | None = self.guardian.address
        self.fee_receivers = {self.treasury.address}  # every treasury so far: each keeps what it earned

    def restore(self):
        self.chain.restore(self.snapshot)

    @initialize(
        fee_bps=st.one_of(st.sampled_from([0, MAX_FEE_BPS]), st.integers(0, MAX_FEE_BPS)),
        shares=st.lists(
            st.one_of(st.sampled_from([0, MAX_OPERATOR_SHARE_BPS]), st.integers(0, MAX_OPERATOR_SHARE_BPS)),
            min_size=NODES,
            max_size=NODES,
        ),
        slas=st.lists(st.integers(0, 10_000), min_size=NODES, max_size=NODES),
    )
    def deploy(self, fee_bps, shares, slas):
        chain, issuer = self.chain, self.issuer
        genesis = chain.pending_timestamp - PAST_EPOCHS * EPOCH_LENGTH
        self.genesis = genesis
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
        identity.set_verified(self.holder2, 2**40, sender=issuer)
        # a contract holding node-token shares: a smart account of the second holder's key
        self.share_wallet = chain.deploy("MockWallet", self.holder2.address, sender=self.holder2)
        identity.set_verified(self.share_wallet.address, 2**40, sender=issuer)
        self.holders = [self.holder.address, self.holder2.address, self.share_wallet.address]
        # the racer registers a node of its own: only verified operators register (item 8)
        identity.set_verified(self.racer, 2**40, sender=issuer)
        self.tokens = {}
        self.revenue: dict[int, RevenueModel] = {}  # SET-18: each token's exact accumulator
        self.exact: dict[int, ExactRevenue] = {}  # SET-17: each holder's exact balance-time share
        self.holder_claimed: dict[tuple[int, str], int] = defaultdict(int)
        for operator, share, sla in zip(self.operators, shares, slas, strict=True):
            receipt = self.registry.register_node("latam", "L40S", 4, 1_000, share, sla, "ipfs://m", sender=operator)
            node = receipt.filter("NodeRegistered")[0].args["node_id"]
            token = chain.at("ComputeToken", self.registry.node(node)[1])
            self.tokens[node] = token
            self.mint_shares(node, 10**21 + 7)
            self.stable.mint(operator, BOND, sender=issuer)
            self.stable.approve(self.registry, BOND, sender=operator)
            self.registry.post_bond(node, BOND, sender=operator)
            self.model.payees[node] = (operator.address, share)
            self.bonds.register(node, sla, receipt.timestamp)
            self.bonds.post(node, BOND)
        # the racer's own node, with the highest operator share (no bond: it is never reported)
        receipt = self.registry.register_node(
            "latam", "L40S", 4, 1_000, MAX_OPERATOR_SHARE_BPS, 0, "ipfs://own", sender=self.racer
        )
        self.own_node = receipt.filter("NodeRegistered")[0].args["node_id"]
        assert self.own_node == OWN_NODE, f"setup: the racer's node is {self.own_node}, not {OWN_NODE}"
        self.tokens[OWN_NODE] = chain.at("ComputeToken", self.registry.node(OWN_NODE)[1])
        self.mint_shares(OWN_NODE, 10**21)
        self.model.payees[OWN_NODE] = (self.racer.address, MAX_OPERATOR_SHARE_BPS)
        self.bonds.register(OWN_NODE, 0, receipt.timestamp)
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
        # ALL-1: every address that may hold the stablecoin; their balances add up to the supply
        self.holders_of_stable = sorted(
            {
                *(a.address for a in (self.issuer, self.relayer, self.treasury, self.alt, self.guardian)),
                *(k.address for k in (*self.payers, *self.operators)),
                *self.holders,
                self.wallet.address,
                self.settlement.address,
                self.registry.address,
                *(t.address for t in self.tokens.values()),
            }
        )
        self.sweep_next()

    # --- what a step touched (checks narrow themselves to it between full sweeps) ------------
    def sweep_next(self) -> None:
        """The checks after this step sweep everything (after the deployment)."""
        self._sweep_stamp = self.steps + 1
        self.touch(*{tag for function in self.checks() for tag in function.watches})

    def mark(self, *tags: str, payers=(), channels=(), accounts=(), nodes=()) -> None:
        """Touches `tags` and names the payers, (payer, node) channels, stablecoin holders and
        node tokens this step changed: between sweeps, checks read only those."""
        self.touch(*tags)
        stamp = self.steps + 1
        if self._dirty_stamp != stamp:
            self._dirty_stamp, self._dirty_sets = stamp, defaultdict(set)
        self._dirty_sets["tags"].update(tags)
        self._dirty_sets["payers"].update(payers)
        self._dirty_sets["channels"].update(channels)
        self._dirty_sets["accounts"].update(accounts)
        self._dirty_sets["nodes"].update(nodes)

    def sweeping(self) -> bool:
        return super().sweeping() or self._sweep_stamp == self.steps

    def scope(self, kind: str, everything):
        """`everything` in a full sweep; else only what this step marked of it."""
        if self.sweeping():
            return list(everything)
        marked = self._dirty_sets[kind] if self._dirty_stamp == self.steps else set()
        return [item for item in everything if item in marked]

    def predict(self, pid: str, reason: str | None, call):
        """`expect(reason, call)` as the outcome property `pid` predicts (a pause's refusal is
        SET-8's, the stablecoin's ALL-1's): a mismatch names the ID and both outcomes."""
        pid = {SETTLEMENT_PAUSED: "SET-8", PAUSED: "ALL-1", BLACKLISTED: "ALL-1"}.get(reason, pid)
        try:
            return expect(reason, call)
        except AssertionError as err:
            raise AssertionError(f"{pid}: predicted outcome differs: {err} (predicted={reason!r})") from err

    # --- helpers ----------------------------------------------------------------------------
    def mint_shares(self, node: int, amount: int) -> None:
        receipt = self.tokens[node].mint(self.holder, amount, sender=self.issuer)
        if node not in self.revenue:
            self.revenue[node] = RevenueModel(self.genesis, EPOCH_LENGTH)
            self.exact[node] = ExactRevenue(self.genesis, EPOCH_LENGTH)
        self.revenue[node].move(receipt.timestamp, None, self.holder.address, amount)
        self.exact[node].move(receipt.timestamp, None, self.holder.address, amount)

    def token_receives(self, node: int, at: int, amount: int) -> None:
        """A node's token received `amount` of revenue at `at` (its holders' part, or a slash)."""
        self.revenue[node].deposit(at, amount)
        self.exact[node].deposit(at, amount)
        self.mark("tokens", nodes=[node])

    def token_cap_refusal(self, parts: dict[int, int]) -> str | None:
        """A token refuses a deposit that takes its epoch's queue past 2**96 - 1 (the whole
        transaction reverts)."""
        now = self.chain.pending_timestamp
        for node, amount in parts.items():
            model = self.revenue[node]
            queued = model._advance(now)[3] if now >= model.last_update else model.queued_amount
            if amount and queued + amount > MAX_DEPOSITS:
                return "revenue: deposit too large"
        return None

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
        require(not self.settlement_paused(), "SET-8", "money left a balance while paused")
        self.payable_at_pause = []
        self.clock_at_pause = None
        self.prepaid_at_pause = {}

    def check_split(self, payment) -> None:
        """SET-3 and SET-17 on one NodePaid: the parts add up to the amount; the fee and the
        operator's share are floors of their exact shares (never a unit more), the holders
        get at least their exact share (every remainder)."""
        amount, fee, operator, holders = payment.amount, payment.fee, payment.operator, payment.holders
        require(fee + operator + holders == amount, "SET-3", "a payment's parts do not add up", payment=payment)
        _, share = self.model.payees[payment.node_id]
        fee_bps = self.model.fee_bps
        require(
            fee * MAX_BPS <= amount * fee_bps < (fee + 1) * MAX_BPS,
            "SET-17",
            "the fee is not the floor of its exact share",
            amount=amount,
            fee=fee,
            fee_bps=fee_bps,
        )
        require(
            operator * MAX_BPS <= amount * share < (operator + 1) * MAX_BPS,
            "SET-17",
            "the operator's part is not the floor of its exact share",
            amount=amount,
            operator=operator,
            share_bps=share,
        )
        require(
            holders * MAX_BPS >= amount * (MAX_BPS - fee_bps - share),
            "SET-17",
            "the holders got less than their exact share",
            amount=amount,
            holders=holders,
        )

    def preflight(self, vouchers: list, signatures: list) -> list[int] | Refused:
        """SET-19: what `preflight` foresees of the batch just before `settle` gets it: one
        reason per voucher (0 paid), or its refusal. The view runs in the next block, at the
        time `settle` will have (`pending=True`; an `eth_call` on the latest block would judge
        deadlines, locks and the pause one block early)."""
        batch = [v.as_tuple() for v in vouchers]
        try:
            return list(self.settlement.preflight.call(batch, signatures, sender=self.relayer, pending=True))
        except Reverted as err:
            return Refused(err.reason)

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
        # the stablecoin moves when a new node's token is approved, or a token pulls its holders' part
        pulled = {p.node_id for p in payments if p.holders}
        parties = [self.settlement.address, *(self.tokens[n].address for n in sorted(new_nodes | pulled))]
        reason = None
        if self.settlement_paused():
            reason = SETTLEMENT_PAUSED
        elif new_nodes or pulled:
            reason = self.stable_reason(*parties) or self.token_cap_refusal(
                {p.node_id: p.holders for p in payments if p.holders}
            )
        foreseen = self.preflight(vouchers, signatures)
        receipt = self.predict(
            "SET-4",
            reason,
            lambda: self.settlement.settle([v.as_tuple() for v in vouchers], signatures, sender=self.relayer),
        )
        if reason is not None:
            # preflight foresees a pause's refusal, not a revert of the stablecoin or a token while paying
            if reason == SETTLEMENT_PAUSED:
                equal("SET-19", "preflight's answer to a batch settle refuses as paused", foreseen, Refused(reason))
            return None
        emitted = [
            0 if e.name == "VoucherSettled" else e.args["reason"]
            for e in receipt.events
            if e.name in ("VoucherSettled", "VoucherSkipped")
        ]
        equal("SET-19", "preflight's reasons against settle's (0 paid, else VoucherSkipped's)", foreseen, emitted)
        self.money_left_a_balance()
        self.cached |= new_nodes
        outcomes, payments = self.model.settle(vouchers, valid, now)
        settled_logs = [
            (e.args["payer"], e.args["node_id"], e.args["amount"]) for e in receipt.filter("VoucherSettled")
        ]
        expected = [(v.payer, v.node_id, due) for v, (r, due) in zip(vouchers, outcomes, strict=True) if r == 0]
        equal("SET-4", "the vouchers paid (payer, node, amount)", settled_logs, expected)
        equal("SET-4", "settle's return (the total paid)", receipt.return_value, sum(due for _, _, due in expected))
        skipped = [e.args["reason"] for e in receipt.filter("VoucherSkipped")]
        equal("SET-4", "the skip reasons", skipped, [r for r, _ in outcomes if r != 0])
        for v, (r, _) in zip(vouchers, outcomes, strict=True):
            event(f"voucher: {r}" + (" (deadline = now)" if v.deadline == now else ""))
        signed_at = {v: at for v, _, at in self.held}
        for v, (r, _) in zip(vouchers, outcomes, strict=True):
            if r == 0:
                self.paid_log.append((v.payer, v.node_id, v.cumulative_amount, v.deadline, now))
                if v in signed_at and v.deadline <= signed_at[v] + FEE_DELAY:
                    require(
                        self.fee_announced_at <= signed_at[v],
                        "SET-12",
                        "a fee announced after a voucher was signed applied to it",
                        announced_at=self.fee_announced_at,
                        signed_at=signed_at[v],
                    )
        paid = [
            tuple(e.args[k] for k in ("node_id", "amount", "fee", "operator_amount", "holders_amount"))
            for e in receipt.filter("NodePaid")
        ]
        equal(
            "SET-3",
            "NodePaid (node, amount, fee, operator, holders)",
            paid,
            [(p.node_id, p.amount, p.fee, p.operator, p.holders) for p in payments],
        )
        for payment in payments:
            self.check_split(payment)
            if payment.holders:
                self.token_receives(payment.node_id, now, payment.holders)
        payers = {v.payer for v in vouchers}
        self.mark(
            "money",
            "balances",
            "channels",
            "settled",
            "earnings",
            *(("wallet",) if self.wallet.address in payers else ()),
            payers=payers,
            channels={(v.payer, v.node_id) for v in vouchers},
            accounts={self.model.treasury, *(self.model.payees[p.node_id][0] for p in payments)},
        )
        return outcomes

    def deposit_by_authorization(self, key, amount: int) -> None:
        amount = min(amount, self.wallets[key.address]) or 1
        nonce, far = self.fresh_nonce(), self.chain.pending_timestamp + EPOCH_LENGTH
        doc = deposit_authorization(self.stable_domain, key.address, self.settlement.address, amount, nonce, 0, far)
        signature = sign(key, doc)
        if self.settlement_paused():
            reason = SETTLEMENT_PAUSED
        else:
            reason = (
                self.stable_reason(key.address, self.settlement.address)
                or ("stablecoin: transfer amount exceeds balance" if self.wallets[key.address] < amount else None)
                or (HOLDINGS_REFUSAL if self.model.liabilities() + amount > HOLDINGS_CAP else None)
            )
        self.predict(
            "SET-1",
            reason,
            lambda: self.settlement.deposit_with_authorization(
                key.address, amount, 0, far, nonce, *signature.vrs, sender=self.relayer
            ),
        )
        if reason is None:
            self.model.credit(key.address, amount)
            self.wallets[key.address] -= amount
            self.mark("money", "balances", "wallets", payers=[key.address], accounts=[key.address])

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
        receipt = self.predict("SET-7", reason, lambda: self.settlement.request_withdrawal(amount, sender=key))
        if reason is not None:
            return False
        now = receipt.timestamp
        self.model.request_withdrawal(key.address, amount, now)
        self.mark("requests", "balances", payers=[key.address])
        # public at once, with when it matures and expires on Settlement's clock
        available_at = self.model.withdrawals[key.address][1]
        equal(
            "SET-7",
            "WithdrawalRequested",
            [e.args for e in receipt.filter("WithdrawalRequested")],
            [
                {
                    "payer": key.address,
                    "amount": amount,
                    "available_at": available_at,
                    "expires_at": available_at + WITHDRAWAL_WINDOW,
                }
            ],
        )
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
            reason = self.stable_reason(self.settlement.address, receiver)
        else:
            reason = None
        event(f"withdraw: {reason or 'paid'}")
        if key is self.racer and reason == SETTLEMENT_PAUSED and self.payable_at_pause:
            event("racer: tries to leave during a pause that holds payable vouchers")
        receipt = self.predict("SET-7", reason, lambda: self.settlement.withdraw(receiver, sender=key))
        if reason is not None:
            return None
        self.money_left_a_balance()
        amount = self.model.withdraw(key.address)
        equal("SET-7", "the amount Withdrawn", receipt.filter("Withdrawn")[0].args["amount"], amount)
        self.wallets[receiver] += amount
        self.mark("money", "balances", "requests", "wallets", payers=[key.address], accounts=[receiver, key.address])
        return amount

    def wallet_call(self, signature: str, types: list[str], values: list, target=None, wallet=None, owner=None):
        """The wallet's owner makes it call Settlement (or `target`)."""
        data = keccak(text=signature)[:4] + abi_encode(types, values)
        return (wallet or self.wallet).execute(target or self.settlement, data, sender=owner or self.wallet_owner)

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
                st.sampled_from(
                    ["valid"] * 4 + ["edge"] * 2 + ["within"] * 2 + ["stale", "expired", "forged", "overdraw", "cap"]
                ),
                near,
            ),
            min_size=0,
            max_size=8,
        )
    )
    def settle_batch(self, picks):
        """A batch of vouchers, some due at the second the batch lands (deadline = now, the
        next block's timestamp), a second before or after it; some at 2**128 - 1 or above; some
        for a channel with a reservation, within it (paid from the reservation alone)."""
        now = self.chain.pending_timestamp
        vouchers, signatures, valid = [], [], []
        for who, node, increment, kind, offset in picks:
            if kind == "within":
                reserved = sorted(c for c, r in self.model.reservations.items() if r and c[0] in self.customer_index)
                if reserved:
                    payer, node = reserved[increment % len(reserved)]
                    who = self.customer_index[payer]
            key = self.customers[who]
            channel = (key.address, node)
            if kind == "within" and node != UNKNOWN_NODE and not self.model.reservations[channel]:
                self.reserve_first(key, node, increment)
            cumulative = self.cumulative[channel] + increment
            if kind == "within" and self.model.reservations[channel]:
                cumulative = self.model.settled[channel] + 1 + increment % self.model.reservations[channel]
            deadline = now + EPOCH_LENGTH
            if kind == "edge":
                deadline = now + offset
            elif kind == "stale":
                cumulative = max(0, self.model.settled[channel] - increment % 3)
            elif kind == "expired":
                deadline = now - 1 - increment % 100
            elif kind == "overdraw":
                cumulative = self.model.settled[channel] + self.model.prepaid[key.address] + increment
            elif kind == "cap":
                cumulative = HOLDINGS_CAP + offset % 2  # the largest settled amount, and one above
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
                self.stable_reason(args[1], self.settlement.address)
                or (
                    "stablecoin: authorization is expired"
                    if self.chain.pending_timestamp >= args[4]
                    else "stablecoin: authorization is used or canceled"
                )
            )
            self.predict("SET-6", reason, lambda: self.settlement.pay_with_authorization(*args, sender=self.relayer))
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
            # in the contract's order: the new node's approval, the payment, the cap, the token's pull
            token = self.tokens[node].address
            pulls = self.node_payment_touches_stablecoin(node, amount)
            reason = (
                (self.stable_reason(self.settlement.address, token) if node not in self.cached else None)
                or self.stable_reason(key.address, self.settlement.address)
                or ("stablecoin: transfer amount exceeds balance" if self.wallets[key.address] < amount else None)
                or (HOLDINGS_REFUSAL if self.model.liabilities() + amount > HOLDINGS_CAP else None)
                or (self.stable_reason(self.settlement.address, token) if pulls else None)
                or (self.token_cap_refusal({node: split(amount, self.model.fee_bps, self.model.payees[node][1])[2]}))
            )
        receipt = self.predict(
            "SET-6", reason, lambda: self.settlement.pay_with_authorization(*args, sender=self.relayer)
        )
        if reason is None:
            self.cached.add(node)
            payment = self.model.pay(node, amount)
            paid = [
                tuple(e.args[k] for k in ("node_id", "amount", "fee", "operator_amount", "holders_amount"))
                for e in receipt.filter("NodePaid")
            ]
            equal(
                "SET-3",
                "NodePaid of a direct payment",
                paid,
                [(node, amount, payment.fee, payment.operator, payment.holders)],
            )
            self.check_split(payment)
            if payment.holders:
                self.token_receives(node, receipt.timestamp, payment.holders)
            self.authorizations.append(args)
            self.wallets[key.address] -= amount
            self.mark(
                "money",
                "earnings",
                "wallets",
                accounts=[key.address, self.model.treasury, self.model.payees[node][0]],
            )

    @rule(who=st.integers(0, CUSTOMERS - 1), amount=amounts)
    def request_withdrawal(self, who, amount):
        self.request(self.customers[who], amount)

    @rule(who=st.integers(0, CUSTOMERS - 1), to_self=st.booleans(), requesting=st.booleans())
    def withdraw(self, who, to_self, requesting):
        """A customer withdraws: most often one with a request (when there is one)."""
        candidates = [k for k in self.customers if k.address in self.model.withdrawals] if requesting else []
        key = candidates[who % len(candidates)] if candidates else self.customers[who]
        self.withdraw_for(key, key.address if to_self else self.stranger.address)

    def withdraw_earnings_of(self, account, receiver: str) -> None:
        owed = self.model.earnings[account.address]
        reason = "settlement: no earnings" if owed == 0 else self.stable_reason(self.settlement.address, receiver)
        receipt = self.predict("ALL-1", reason, lambda: self.settlement.withdraw_earnings(receiver, sender=account))
        if reason is None:
            amount = self.model.withdraw_earnings(account.address)
            equal("ALL-1", "the earnings paid", receipt.filter("EarningsWithdrawn")[0].args["amount"], amount)
            self.wallets[receiver] += amount
            self.mark("money", "earnings", "wallets", accounts=[account.address, receiver])

    @rule(which=st.integers(0, NODES + 1), to_self=st.booleans())
    def withdraw_earnings(self, which, to_self):
        """An operator, the treasury or a former treasury (the second account) withdraws."""
        account = (self.treasury if which == NODES else self.alt) if which >= NODES else self.operators[which]
        self.withdraw_earnings_of(account, account.address if to_self else self.stranger.address)

    @rule(who=st.integers(0, CUSTOMERS - 1), amount=amounts)
    def stray_transfer(self, who, amount):
        """A customer sends stablecoin straight to Settlement: it credits nobody (issue #15 item 10)."""
        key = self.customers[who]
        amount = min(amount, self.wallets[key.address])
        reason = self.stable_reason(key.address, self.settlement.address)
        if amount == 0 or reason is not None:
            return
        self.stable.transfer(self.settlement, amount, sender=key)
        self.wallets[key.address] -= amount
        self.excess += amount
        self.mark("money", "wallets", accounts=[key.address])

    @rule(who=st.sampled_from(["relayer", "racer", "operator"]))
    def anyone_skims(self, who):
        """SET-1: a skim sends exactly the excess over `owed()` to the treasury, never a unit owed."""
        sender = {"relayer": self.relayer, "racer": self.racer, "operator": self.operators[0]}[who]
        treasury = self.model.treasury
        reason = (
            "settlement: nothing to skim" if self.excess == 0 else self.stable_reason(self.settlement.address, treasury)
        )
        receipt = self.predict("SET-1", reason, lambda: self.settlement.skim(sender=sender))
        event(f"settlement skim: {reason or 'sent'}")
        if reason is None:
            equal("SET-1", "what a skim sent (the excess)", receipt.return_value, self.excess)
            self.wallets[treasury] += self.excess
            self.excess = 0
            self.mark("money", "wallets", accounts=[treasury])

    @rule(
        edge=edges,
        who=st.sampled_from(["whale deposits", "whale pays"]),
        node=st.integers(1, NODES),
    )
    def whale_reaches_the_holdings_cap(self, edge, who, node):
        """The third customer is minted what takes Settlement's holdings to 2**128 - 1 (or a
        unit past it: refused) and deposits it; or pays a node from such a balance, whose fee
        passes the treasury's pool cap (2**79 - 1)."""
        key = self.customers[CUSTOMERS - 1]
        if who == "whale deposits":
            room = HOLDINGS_CAP - self.model.liabilities()
            amount = room + edge
            if amount <= 0 or self.stable_reason(key.address) is not None:
                return  # the issuer cannot mint to it now
            self.stable.mint(key.address, amount, sender=self.issuer)
            self.supply += amount
            self.wallets[key.address] += amount
            self.mark("wallets", accounts=[key.address])
            stable_refusal = self.stable_reason(key.address, self.settlement.address)
            if stable_refusal is None:
                self.stable.approve(self.settlement, amount, sender=key)
            if self.settlement_paused():
                reason = SETTLEMENT_PAUSED
            elif stable_refusal is not None:
                reason = stable_refusal
            elif self.model.liabilities() + amount > HOLDINGS_CAP:
                reason = HOLDINGS_REFUSAL
            else:
                reason = None
            self.predict("SET-1", reason, lambda: self.settlement.deposit(amount, sender=key))
            event(f"whale deposit: {reason or 'deposited'}")
            if reason is None:
                self.model.credit(key.address, amount)
                self.wallets[key.address] -= amount
                self.mark("money", "balances", payers=[key.address])
            return
        # the whale pays a node its whole free balance with a voucher
        channel = (key.address, node)
        available = self.model.available(key.address, self.chain.pending_timestamp)
        # its whole balance, or what takes the fee past the treasury's pool cap (2**79 - 1)
        increase = available if edge else min(available, 10 * 2**79 + MAX_BPS)
        cumulative = self.model.settled[channel] + increase
        if cumulative <= self.model.settled[channel] or cumulative > HOLDINGS_CAP:
            return
        voucher = Voucher(key.address, node, cumulative, self.chain.pending_timestamp + edge + 1)
        self.cumulative[channel] = max(self.cumulative[channel], cumulative)
        self.signed_max[channel] = max(self.signed_max[channel], cumulative)
        outcomes = self.settle([voucher], [sign_voucher(self.domain, voucher, key)], [True])
        if outcomes is not None:
            event(f"whale pays: {outcomes[0][0]}")

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
        now = self.chain.pending_timestamp
        epoch = self.reported[node]
        trial = copy.deepcopy(self.bonds)
        try:
            amount, reason = trial.slash(node, epoch, now).amount, None
        except RegistryError as err:
            amount, reason = 0, err.reason
        if reason is None:  # the slash always moves something: from the registry to the token
            reason = self.stable_reason(self.registry.address, self.tokens[node].address)
        receipt = self.predict("ALL-1", reason, lambda: self.registry.slash(node, epoch, sender=self.stranger))
        if reason is None:
            self.bonds = trial
            self.slashed_in[node] += amount
            self.token_receives(node, receipt.timestamp, amount)
            self.mark("bonds")

    def claim_for(self, node: int, holder: str, receiver: str) -> None:
        """A holder of the node's token claims its revenue, predicted exactly (SET-18)."""
        token = self.tokens[node]
        now = self.chain.pending_timestamp
        owed = self.revenue[node].claimable(holder, now)
        reason = self.stable_reason(token.address, receiver) if owed else None
        if holder == self.share_wallet.address:
            data = keccak(text="claim(address)")[:4] + abi_encode(["address"], [receiver])
            if reason is not None:
                return  # the wallet's call would revert inside execute: predicted, not sent
            receipt = self.share_wallet.execute(token, data, sender=self.holder2)
        else:
            sender = self.holder if holder == self.holder.address else self.holder2
            receipt = self.predict("SET-18", reason, lambda: token.claim(receiver, sender=sender))
        if reason is not None:
            return
        paid = sum(e.args["amount"] for e in receipt.filter("RevenueClaimed"))
        equal("SET-18", f"what holder {holder} claimed of node {node}", paid, owed)
        self.revenue[node].claim(now, holder)
        self.claimed[node] += paid
        self.holder_claimed[(node, holder)] += paid
        self.wallets[receiver] += paid
        if paid:
            self.mark("tokens", "wallets", nodes=[node], accounts=[receiver])

    @rule(node=st.integers(1, OWN_NODE), who=st.integers(0, 2), to_self=st.booleans())
    def holder_claims(self, node, who, to_self):
        holder = self.holders[who]
        self.claim_for(node, holder, holder if to_self else self.stranger.address)

    @rule(
        node=st.integers(1, OWN_NODE),
        frm=st.integers(0, 2),
        to=st.integers(0, 2),
        part=st.sampled_from(["all", "half", "one", "too much"]),
    )
    def holders_trade_shares(self, node, frm, to, part):
        """Holders (two people and a contract) move shares: revenue accrues to each by balance-time."""
        token, model = self.tokens[node], self.revenue[node]
        sender, receiver = self.holders[frm], self.holders[to]
        balance = model.balances.get(sender, 0)
        amount = {"all": balance, "half": balance // 2, "one": 1, "too much": balance + 1}[part]
        reason = "erc20: transfer amount exceeds balance" if amount > balance else None
        if sender == self.share_wallet.address:
            if reason is not None:
                return  # would revert inside the wallet's execute: not sent
            data = keccak(text="transfer(address,uint256)")[:4] + abi_encode(["address", "uint256"], [receiver, amount])
            receipt = self.share_wallet.execute(token, data, sender=self.holder2)
        else:
            key = self.holder if sender == self.holder.address else self.holder2
            receipt = self.predict("SET-18", reason, lambda: token.transfer(receiver, amount, sender=key))
        if reason is None:
            model.move(receipt.timestamp, sender, receiver, amount)
            self.exact[node].move(receipt.timestamp, sender, receiver, amount)
            self.mark("tokens", nodes=[node])

    @rule(
        who=st.sampled_from(["customer", "operator", "treasury", "holder", "settlement", "registry", "token"]),
        index=st.integers(0, 3),
        on=st.booleans(),
    )
    def stablecoin_blacklists(self, who, index, on):
        """The stablecoin's issuer blacklists (or clears) a party, Settlement, the registry or a node token."""
        account = {
            "customer": lambda: self.customers[index % CUSTOMERS].address,
            "operator": lambda: self.operators[index % NODES].address,
            "treasury": lambda: self.model.treasury,
            "holder": lambda: self.holders[index % len(self.holders)],
            "settlement": lambda: self.settlement.address,
            "registry": lambda: self.registry.address,
            "token": lambda: self.tokens[1 + index % OWN_NODE].address,
        }[who]()
        if on and account not in self.blacklisted:
            self.stable.blacklist(account, sender=self.issuer)
            self.blacklisted.add(account)
            event(f"blacklisted: {who}")
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
        edge=st.sampled_from(["matures", "expires", "lapses", "may_pause", "epoch", "deadline", "fee_due"]),
        who=st.integers(0, CUSTOMERS + 4),
        offset=edges,
    )
    def time_to_an_edge(self, edge, who, offset):
        """The next block lands a second before, at or after an edge: a payer's request
        maturing or expiring (converted from Settlement's clock as if it ran on: during a
        pause, the second it would have matured or expired had the pause not stopped it),
        the pause lapsing, a new pause becoming possible, an epoch boundary (node tokens'
        streams), a held or locked voucher's deadline, or an announced fee falling due."""
        now = self.chain.pending_timestamp
        if edge in ("matures", "expires"):
            requesting = [key.address for key in self.payers if key.address in self.model.withdrawals]
            releasing = list(self.model.releases)
            if not requesting and not releasing:
                return
            pending = [self.model.withdrawals[p] for p in requesting] + [self.model.releases[c] for c in releasing]
            request = pending[who % len(pending)]
            target = request[1] + (WITHDRAWAL_WINDOW if edge == "expires" else 0) - self.model.clock(now) + now
        elif edge == "lapses":
            if not self.model.is_paused(now):
                return
            target = self.model.paused_until(now)
        elif edge == "may_pause":
            target = self.model.next_pause_at()
        elif edge == "epoch":
            target = self.genesis + ((now - self.genesis) // EPOCH_LENGTH + 1) * EPOCH_LENGTH
        elif edge == "deadline":
            deadlines = [v.deadline for v, _, _ in self.held] + [v.deadline for v in self.wallet_locks.values()]
            if not deadlines:
                return
            target = deadlines[who % len(deadlines)]
        else:
            if self.model.fee_change is None:
                return
            target = self.model.fee_change[1] - self.model.clock(now) + now
        target += offset
        if target > now:
            self.chain.sleep(target - now)
            event(f"time to: {edge}")

    # --- the guardian ---------------------------------------------------------------------
    def may_pause(self, account) -> bool:
        return account.address in (self.guardian_address, self.owner.address)

    @rule(who=st.sampled_from(["guardian", "owner", "stranger", "alt"]))
    def pause(self, who):
        account = {"guardian": self.guardian, "owner": self.owner, "stranger": self.stranger, "alt": self.alt}[who]
        now = self.chain.pending_timestamp
        if not self.may_pause(account):
            reason = NOT_GUARDIAN
        elif self.model.is_paused(now):
            reason = "settlement: already paused"
        elif now < self.model.next_pause_at():
            reason = "settlement: too soon after the last pause"
        else:
            reason = None
        event(f"pause: {reason or 'paused'}")
        receipt = self.predict("SET-8", reason, lambda: self.settlement.pause(sender=account))
        if reason is not None:
            return
        self.model.pause(now)
        self.mark("pause")
        equal(
            "SET-8",
            "Paused",
            [e.args for e in receipt.filter("Paused")],
            [{"account": account.address, "lapses_at": now + PAUSE_LIMIT}],
        )
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

    @rule(who=st.sampled_from(["guardian", "owner", "stranger", "alt"]))
    def unpause(self, who):
        account = {"guardian": self.guardian, "owner": self.owner, "stranger": self.stranger, "alt": self.alt}[who]
        now = self.chain.pending_timestamp
        if not self.may_pause(account):
            reason = NOT_GUARDIAN
        elif not self.model.is_paused(now):
            reason = "settlement: not paused"
        else:
            reason = None
        event(f"unpause: {reason or 'unpaused'}")
        self.predict("SET-8", reason, lambda: self.settlement.unpause(sender=account))
        if reason is None:
            self.model.unpause(now)
            self.mark("pause")

    # --- the racing payer -----------------------------------------------------------------
    @rule(node=st.integers(1, NODES), amount=amounts)
    def node_serves_the_racer(self, node, amount):
        """The node reads `reserved(racer, node)` and serves the racer beyond what it
        already holds vouchers for, no further (the README's rule); the racer signs."""
        reserved = self.settlement.reserved(self.racer.address, node)
        equal(
            "SET-7",
            f"reserved(racer, {node})",
            reserved,
            self.model.reserved(self.racer.address, node, self.chain.timestamp),
        )
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
        self.mark("racer")

    @rule(amount=amounts)
    def racer_requests_a_withdrawal(self, amount):
        if self.request(self.racer, amount):
            self.seq += 1
            self.racer_request_seq = self.seq
            self.accepted_since_request = False
            self.mark("racer")

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
            require(request_seq is not None, "SET-10", "the racer withdrew without a request")
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
    @rule(
        who=st.integers(0, CUSTOMERS - 1),
        node=st.integers(1, NODES),
        amount=amounts,
        life=st.one_of(st.sampled_from([0, 1, FEE_DELAY - 1, FEE_DELAY]), st.integers(0, FEE_DELAY)),
    )
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

    @rule(
        fee_bps=st.one_of(st.sampled_from([0, MAX_FEE_BPS, MAX_FEE_BPS + 1]), st.integers(0, MAX_FEE_BPS)),
        who=st.sampled_from(["owner", "owner", "guardian", "stranger", "alt"]),
    )
    def issuer_announces_a_fee(self, fee_bps, who):
        sender = {"owner": self.owner, "guardian": self.guardian, "stranger": self.stranger, "alt": self.alt}[who]
        if sender.address != self.owner.address:
            reason = NOT_OWNER
        elif fee_bps > MAX_FEE_BPS:
            reason = "settlement: fee above the cap"
        else:
            reason = None
        receipt = self.predict("SET-12", reason, lambda: self.settlement.announce_fee(fee_bps, sender=sender))
        if reason is None:
            self.model.announce_fee(fee_bps, receipt.timestamp)
            self.mark("fee")
            self.change_announced_at = receipt.timestamp
            event("fee: announced")

    @rule(when=st.sampled_from(["now", "due", "due", "a second early"]), by_owner=st.booleans())
    def issuer_applies_the_fee(self, when, by_owner):
        """The issuer applies the announced fee as early as it can (or a second too early)."""
        now = self.chain.pending_timestamp
        if when != "now" and self.model.fee_change is not None:
            target = self.model.fee_change[1] - self.model.clock(now) + now - (when == "a second early")
            if target > now:
                self.chain.sleep(target - now)
                now = target
        sender = self.owner if by_owner else self.guardian
        refusal = self.model.fee_refusal(now)
        reason = NOT_OWNER if sender.address != self.owner.address else FEE_REFUSALS[refusal] if refusal else None
        self.predict("SET-12", reason, lambda: self.settlement.apply_fee(sender=sender))
        event(f"fee: apply {reason or 'applied'}")
        if reason is None:
            self.mark("fee")
            self.model.apply_fee(now)
            self.fee_announced_at = self.change_announced_at
            self.change_announced_at = None

    @rule(by_owner=st.booleans())
    def issuer_cancels_the_fee(self, by_owner):
        sender = self.owner if by_owner else self.stranger
        if sender.address != self.owner.address:
            reason = NOT_OWNER
        else:
            reason = FEE_REFUSALS["none"] if self.model.fee_change is None else None
        self.predict("SET-12", reason, lambda: self.settlement.cancel_fee(sender=sender))
        if reason is None:
            self.mark("fee")
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
        receipt = self.predict("SET-13", reason, lambda: self.settlement.reserve(node, amount, sender=key))
        if reason is not None:
            return
        # the free balance is first come, first served again from here: SET-8 ends, as at a settle
        self.money_left_a_balance()
        self.model.reserve(key.address, node, amount)
        self.mark("balances", "channels", "racer", payers=[key.address], channels=[(key.address, node)])
        equal(
            "SET-13",
            "Reserved",
            [e.args for e in receipt.filter("Reserved")],
            [
                {
                    "payer": key.address,
                    "node_id": node,
                    "amount": amount,
                    "reservation": self.model.reservations[(key.address, node)],
                }
            ],
        )

    def reserve_first(self, key, node: int, amount: int) -> None:
        """`key` reserves `amount` (at most what is available) for `node`, when it can: a
        voucher of the batch being built is then paid from the reservation alone."""
        now = self.chain.pending_timestamp
        amount = min(amount, self.model.available(key.address, now))
        if amount == 0 or self.settlement_paused():
            return
        self.settlement.reserve(node, amount, sender=key)
        self.money_left_a_balance()
        self.model.reserve(key.address, node, amount)
        self.mark("balances", "channels", "racer", payers=[key.address], channels=[(key.address, node)])

    def aimed_channel(self, who: int, node: int, pick: int, channels) -> tuple[int, int]:
        """(who, node) of one of `channels` (payer address, node) when `pick` asks for it and
        there is one of a payer's, else as drawn: rules that need a reservation or a pending
        release find one."""
        mine = sorted(c for c in channels if c[0] in self.payer_index)
        if pick and mine:
            payer, node = mine[pick % len(mine)]
            return self.payer_index[payer], node
        return who, node

    @rule(who=st.integers(0, CUSTOMERS), node=st.integers(1, OWN_NODE), amount=amounts, aim=st.integers(0, 3))
    def payer_releases(self, who, node, amount, aim):
        reserved = [c for c, r in self.model.reservations.items() if r]
        who, node = self.aimed_channel(who, node, aim, reserved)
        key = self.payers[who]
        reservation = self.model.reservations[(key.address, node)]
        if amount % 2 == 0:
            amount = reservation  # often all of it; the racer that way more than not
        elif aim and reservation > 1:
            amount = reservation // 2  # part of it: the release leaves the rest reserved
        if amount == 0:
            reason = "settlement: nothing to release"
        elif amount > reservation:
            reason = "settlement: amount above the reservation"
        else:
            reason = None
        event(f"release: {reason or 'requested'}")
        receipt = self.predict("SET-13", reason, lambda: self.settlement.release(node, amount, sender=key))
        if reason is not None:
            return
        self.model.request_release(key.address, node, amount, receipt.timestamp)
        self.mark("channels", "racer", payers=[key.address], channels=[(key.address, node)])
        available_at = self.model.releases[(key.address, node)][1]
        equal(
            "SET-13",
            "ReleaseRequested",
            [e.args for e in receipt.filter("ReleaseRequested")],
            [
                {
                    "payer": key.address,
                    "node_id": node,
                    "amount": amount,
                    "available_at": available_at,
                    "expires_at": available_at + WITHDRAWAL_WINDOW,
                }
            ],
        )
        if key is self.racer:
            self.seq += 1
            self.racer_release_seq[node] = self.seq

    @rule(
        who=st.integers(0, CUSTOMERS),
        node=st.integers(1, OWN_NODE),
        late=st.one_of(st.none(), st.integers(-1, 2)),
        aim=st.integers(0, 3),
    )
    def payer_completes_a_release(self, who, node, late, aim):
        """Completes a release now, or (`late` seconds after) the moment it matures as if
        Settlement's clock had run on; most often one that was requested."""
        who, node = self.aimed_channel(who, node, aim, self.model.releases)
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
        receipt = self.predict("SET-13", reason, lambda: self.settlement.complete_release(node, sender=key))
        if reason is not None:
            return
        amount = self.model.complete_release(key.address, node)
        self.mark("balances", "channels", "racer", payers=[key.address], channels=[channel])
        equal(
            "SET-13",
            "Released",
            [e.args for e in receipt.filter("Released")],
            [
                {
                    "payer": key.address,
                    "node_id": node,
                    "amount": amount,
                    "reservation": self.model.reservations[channel],
                }
            ],
        )
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
        self.withdraw_earnings_of(self.racer, self.racer.address if to_self else self.stranger.address)

    @rule(
        node=st.integers(1, NODES),
        amount=amounts,
        life=st.one_of(edges, st.integers(-1, 2 * EPOCH_LENGTH)),
        kind=st.sampled_from(["new"] * 4 + ["relock", "smaller", "shorter", "forged", "eoa"]),
        settle_at=st.sampled_from([None, None, None, -1, 0, 1]),
    )
    def node_locks_a_wallet_voucher(self, node, amount, life, kind, settle_at):
        """A node locks a voucher of the contract wallet (or tries: a forged one, an EOA's, one
        below or shorter than its lock); sometimes it then settles it, without the wallet's
        signature, a second before, at or after the lock's deadline."""
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
        receipt = self.predict(
            "SET-14", reason, lambda: self.settlement.lock_voucher(voucher.as_tuple(), signature, sender=self.relayer)
        )
        if kind != "forged" and kind != "eoa":
            self.wallet_signed[node] = max(self.wallet_signed[node], cumulative)
            self.signed_max[(payer, node)] = max(self.signed_max[(payer, node)], cumulative)
        if reason is None:
            stored = self.model.lock(voucher)
            self.wallet_locks[node] = voucher
            self.mark("wallet")
            logged = [
                tuple(e.args[k] for k in ("payer", "node_id", "cumulative_amount", "deadline"))
                for e in receipt.filter("VoucherLocked")
            ]
            equal("SET-14", "VoucherLocked", logged, [(payer, node, *stored)])
            if settle_at is not None:
                self.settle_the_wallet(node, 0, False, settle_at)

    @rule(valid=st.booleans())
    def wallet_rotates_its_signer(self, valid):
        self.wallet.set_valid(valid, sender=self.wallet_owner)
        self.wallet_valid = valid
        self.mark("wallet")

    @rule(
        node=st.integers(1, NODES),
        above=st.sampled_from([0, 0, 0, 1, 999]),
        signed=st.booleans(),
        at=st.sampled_from([None, None, -1, 0, 1]),
    )
    def nodes_settle_the_wallet(self, node, above, signed, at):
        """A node settles the wallet's locked voucher (or one above it, which needs the wallet),
        with the owner's signature or none; now, or a second before, at or after the lock's
        deadline (the lock answers for the wallet through its deadline second)."""
        self.settle_the_wallet(node, above, signed, at)

    def settle_the_wallet(self, node: int, above: int, signed: bool, at: int | None) -> None:
        locked = self.wallet_locks.get(node)
        if locked is None:
            return
        if at is not None and locked.deadline + at > self.chain.pending_timestamp:
            self.chain.sleep(locked.deadline + at - self.chain.pending_timestamp)
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
            amount = min(self.model.withdrawals[payer][0], self.model.prepaid[payer])
            if not self.settlement_paused() and (
                amount == 0 or self.stable_reason(self.settlement.address, payer) is None
            ):
                receipt = self.wallet_call("withdraw(address)", ["address"], [payer])
                self.money_left_a_balance()
                paid = self.model.withdraw(payer)
                self.wallets[payer] += paid
                logged = [e.args["amount"] for e in receipt.filter("Withdrawn")]
                equal("SET-7", "the wallet's Withdrawn amount", logged, [paid])
                self.mark("money", "balances", "requests", "wallet", "wallets", payers=[payer], accounts=[payer])
                event("wallet: withdrew")
            return
        balance = self.model.prepaid[payer]
        amount = balance if amount % 3 else min(amount, balance)
        if amount != 0:
            receipt = self.wallet_call("request_withdrawal(uint256)", ["uint256"], [amount])
            self.model.request_withdrawal(payer, amount, receipt.timestamp)
            self.mark("requests", "balances", "wallet", payers=[payer])

    @rule(
        node=st.integers(1, OWN_NODE),
        amount=amounts,
        through=st.sampled_from(["reserve", "release", "complete", "complete"]),
    )
    def wallet_reserves_and_releases(self, node, amount, through):
        """The contract wallet goes on from where its channel is (nothing reserved, reserved, a
        release requested) through `through`: it reserves part or all of its balance for a
        node, asks to release part or all of it, and completes the release the moment it
        matures. Settlement acts for the calling contract (`msg.sender`), never for the key
        behind the transaction."""
        if self.settlement_paused():
            return
        channel = (self.wallet.address, node)
        stages = ["reserve", "release", "complete"]
        first = (
            "complete"
            if channel in self.model.releases
            else "release"
            if self.model.reservations[channel]
            else "reserve"
        )
        if through == "reserve":
            first = "reserve"
        for stage in stages[stages.index(first) : stages.index(through) + 1]:
            if not self.wallet_stage(stage, node, amount):
                return

    def wallet_stage(self, stage: str, node: int, amount: int) -> bool:
        """One stage of `wallet_reserves_and_releases`; False when there was nothing to do."""
        payer, now = self.wallet.address, self.chain.pending_timestamp
        channel = (payer, node)
        if stage == "reserve":
            available = self.model.available(payer, now)
            amount = available if amount % 3 == 0 else min(amount, available)
            if amount == 0:
                return False
            receipt = self.wallet_call("reserve(uint256,uint256)", ["uint256", "uint256"], [node, amount])
            self.money_left_a_balance()
            self.model.reserve(payer, node, amount)
            logged = [e.args["reservation"] for e in receipt.filter("Reserved")]
            equal("SET-13", "the wallet's Reserved reservation", logged, [self.model.reservations[channel]])
            self.mark("balances", "channels", "wallet", payers=[payer], channels=[channel])
        elif stage == "release":
            reservation = self.model.reservations[channel]
            amount = reservation if amount % 2 == 0 else max(1, reservation // 2)
            if reservation == 0:
                return False
            receipt = self.wallet_call("release(uint256,uint256)", ["uint256", "uint256"], [node, amount])
            self.model.request_release(payer, node, amount, receipt.timestamp)
            self.mark("channels", "wallet", payers=[payer], channels=[channel])
        else:
            if channel not in self.model.releases:
                return False
            target = self.model.releases[channel][1] - self.model.clock(now) + now
            if target > now:
                self.chain.sleep(target - now)
            if self.model.release_state(payer, node, self.chain.pending_timestamp) != "open":
                return False
            receipt = self.wallet_call("complete_release(uint256)", ["uint256"], [node])
            amount = self.model.complete_release(payer, node)
            logged = [(e.args["payer"], e.args["amount"]) for e in receipt.filter("Released")]
            equal("SET-13", "the wallet's Released", logged, [(payer, amount)])
            self.mark("balances", "channels", "wallet", payers=[payer], channels=[channel])
        return True

    # --- the owner's roles (SET-15) ------------------------------------------------------------
    def actor(self, name: str):
        return {
            "owner": self.owner,
            "issuer": self.issuer,
            "alt": self.alt,
            "guardian": self.guardian,
            "stranger": self.stranger,
            "treasury": self.treasury,
        }[name]

    @rule(
        who=st.sampled_from(["owner", "owner", "guardian", "stranger"]),
        to=st.sampled_from(["treasury", "alt", "stranger", "zero"]),
    )
    def owner_sets_the_treasury(self, who, to):
        """The owner names a treasury (fees earned so far stay with the one that earned them);
        anyone else, or the zero address, is refused."""
        sender = self.actor(who)
        new = "0x" + "00" * 20 if to == "zero" else self.actor(to).address
        if sender.address != self.owner.address:
            reason = NOT_OWNER
        elif to == "zero":
            reason = "settlement: treasury is the zero address"
        else:
            reason = None
        self.predict("SET-15", reason, lambda: self.settlement.set_treasury(new, sender=sender))
        if reason is None:
            self.model.treasury = new
            self.fee_receivers.add(new)
            self.mark("admin", "earnings", accounts=[new])

    @rule(
        who=st.sampled_from(["owner", "owner", "guardian", "stranger"]),
        to=st.sampled_from(["guardian", "alt", "stranger", "zero"]),
    )
    def owner_sets_the_guardian(self, who, to):
        sender = self.actor(who)
        new = "0x" + "00" * 20 if to == "zero" else self.actor(to).address
        reason = NOT_OWNER if sender.address != self.owner.address else None
        self.predict("SET-15", reason, lambda: self.settlement.set_guardian(new, sender=sender))
        if reason is None:
            self.guardian_address = None if to == "zero" else new
            self.mark("admin")

    @rule(who=st.sampled_from(["owner", "owner", "stranger"]), to=st.sampled_from(["alt", "issuer", "zero"]))
    def owner_transfers_ownership(self, who, to):
        """Two steps: the owner names a new owner (the zero address cancels), who accepts."""
        sender = self.actor(who)
        new = "0x" + "00" * 20 if to == "zero" else self.actor(to).address
        reason = NOT_OWNER if sender.address != self.owner.address else None
        self.predict("SET-15", reason, lambda: self.settlement.transfer_ownership(new, sender=sender))
        if reason is None:
            self.pending_owner = None if to == "zero" else new
            self.mark("admin")

    @rule(who=st.sampled_from(["alt", "issuer", "stranger"]))
    def new_owner_accepts(self, who):
        sender = self.actor(who)
        reason = None if sender.address == self.pending_owner else NOT_NEW_OWNER
        self.predict("SET-15", reason, lambda: self.settlement.accept_ownership(sender=sender))
        if reason is None:
            self.owner, self.pending_owner = sender, None
            self.mark("admin")

    # --- checks: after each step what it touched, every 10 steps and at the end everything ----
    @check("SET-14", watches=("wallet",))
    def set_14_a_locked_voucher_is_always_payable(self):
        if self.model is None:
            return
        now = self.chain.timestamp
        payer = self.wallet.address
        for node in range(1, NODES + 1):
            equal(
                "SET-14",
                f"locked(wallet, {node})",
                tuple(self.settlement.locked(payer, node)),
                self.model.locks.get((payer, node), (0, 0)),
            )
            locked = self.wallet_locks.get(node)
            if locked is None or now > locked.deadline:
                continue
            settled = self.model.settled[(payer, node)]  # SET-2's check compares it with the chain
            if locked.cumulative_amount <= settled:
                continue
            # whatever the wallet answers now: payable, or skipped only as underfunded
            reason, _ = self.model.voucher_outcome(locked, False, now)
            funds = self.settlement.prepaid(payer) + self.settlement.reservation(payer, node)
            require(
                reason == 0 or (reason == UNDERFUNDED and locked.cumulative_amount - settled > funds),
                "SET-14",
                "a locked voucher within its deadline is not payable",
                node=node,
                locked=locked,
                settled=settled,
                funds=funds,
                reason=reason,
            )

    @check("SET-1", watches=("money",))
    def set_1_settlement_holds_what_it_owes(self):
        if self.model is None:
            return
        held = self.stable.balanceOf(self.settlement)
        owed = self.model.liabilities()
        equal("SET-1", "Settlement's stablecoin = what it owes + the unskimmed excess", held, owed + self.excess)
        equal("SET-1", "owed()", self.settlement.owed(), owed)
        require(owed <= HOLDINGS_CAP, "SET-1", "owed() passed 2**128 - 1", owed=owed)
        if not self.sweeping():
            return
        on_chain = (
            sum(self.settlement.prepaid(k.address) for k in self.payers)
            + self.settlement.prepaid(self.wallet)
            + sum(
                self.settlement.reservation(p, n)
                for p in [*(k.address for k in self.payers), self.wallet.address]
                for n in range(1, OWN_NODE + 1)
            )
            + sum(self.settlement.earnings(a) for a in self.earning_accounts())
        )
        equal(
            "SET-1", "the views' sum (prepaid + reservations + earnings) = what is owed", on_chain, held - self.excess
        )

    def earning_accounts(self) -> list[str]:
        return sorted({*self.fee_receivers, *(k.address for k in self.operators), self.racer.address})

    @check("SET-7", "SET-13", watches=("balances", "requests", "channels", "pause", "time"))
    def set_7_requests_and_pauses_match_the_model(self):
        """Between sweeps: the payers and channels this step changed, and those with a pending
        request or release (time may have matured or expired it)."""
        if self.model is None:
            return
        now = self.chain.timestamp  # views read the latest block
        payers = [k.address for k in self.payers] + [self.wallet.address]
        pending = set(self.model.withdrawals) | {payer for payer, _ in self.model.releases}
        for payer in payers if self.sweeping() else set(self.scope("payers", payers)) | pending:
            equal("SET-7", f"prepaid({payer})", self.settlement.prepaid(payer), self.model.prepaid[payer])
            equal("SET-7", f"available({payer})", self.settlement.available(payer), self.model.available(payer, now))
            equal(
                "SET-7",
                f"withdrawal_request({payer})",
                tuple(self.settlement.withdrawal_request(payer)),
                self.model.withdrawal_request(payer, now),
            )
        channels = [
            (p, n) for p in [*(k.address for k in self.payers), self.wallet.address] for n in range(1, OWN_NODE + 1)
        ]
        if not self.sweeping():
            channels = list(dict.fromkeys([*self.scope("channels", channels), *self.model.releases]))
        for payer, node in channels:
            equal(
                "SET-13",
                f"reserved({payer}, {node})",
                self.settlement.reserved(payer, node),
                self.model.reserved(payer, node, now),
            )
            equal(
                "SET-13",
                f"reservation({payer}, {node})",
                self.settlement.reservation(payer, node),
                self.model.reservations[(payer, node)],
            )
            equal(
                "SET-13",
                f"release_request({payer}, {node})",
                tuple(self.settlement.release_request(payer, node)),
                self.model.release_request(payer, node, now),
            )
        if self.sweeping() or self.model.paused_since is not None or self.touched_now("pause"):
            equal("SET-7", "clock()", self.settlement.clock(), self.model.clock(now))
            equal("SET-7", "paused()", self.settlement.paused(), self.model.is_paused(now))
            equal("SET-7", "paused_until()", self.settlement.paused_until(), self.model.paused_until(now))
            equal("SET-7", "next_pause_at()", self.settlement.next_pause_at(), self.model.next_pause_at())

    def touched_now(self, tag: str) -> bool:
        """Whether this step marked `tag` (the base class's own set is consumed by now)."""
        return self._dirty_stamp == self.steps and tag in self._dirty_sets["tags"]

    @check("SET-8", watches=("balances", "channels", "settled", "pause", "time"))
    def set_8_a_pause_keeps_every_payable_voucher_payable(self):
        if self.model is None or (self.clock_at_pause is None and not self.prepaid_at_pause):
            return
        if self.model.is_paused(self.chain.timestamp):
            equal("SET-8", "clock() during a pause", self.settlement.clock(), self.clock_at_pause)
        scope = set(self.scope("payers", list(self.prepaid_at_pause)))
        for payer, before in self.prepaid_at_pause.items():
            if payer in scope:
                now = self.settlement.prepaid(payer)
                require(
                    now >= before,
                    "SET-8",
                    "a prepaid balance went down during a pause",
                    payer=payer,
                    before=before,
                    now=now,
                )
        for payer, node, cumulative, settled in self.payable_at_pause:
            if payer not in scope:
                continue
            equal("SET-8", f"settled({payer}, {node}) during a pause", self.settlement.settled(payer, node), settled)
            funds = self.settlement.prepaid(payer) + self.settlement.reservation(payer, node)
            require(
                cumulative - settled <= funds,
                "SET-8",
                "a payable voucher became unpayable",
                payer=payer,
                node=node,
                due=cumulative - settled,
                funds=funds,
            )

    @check("SET-10", watches=("balances", "channels", "racer", "settled"))
    def set_10_withdrawals_never_take_what_nodes_were_shown(self):
        if self.model is None or not self.increments:
            return
        racer = self.racer.address
        balance = self.settlement.prepaid(racer) + sum(
            self.settlement.reservation(racer, n) for n in range(1, NODES + 1)
        )
        protected = [inc for inc in self.increments if not inc.exposed]
        settled = {n: self.model.settled[(self.racer.address, n)] for n in range(1, NODES + 1)}
        owed = sum(max(0, inc.hi - max(inc.lo, settled[inc.node])) for inc in protected)
        require(balance >= owed, "SET-10", "the racer's protected vouchers are not covered", balance=balance, owed=owed)
        if any(inc.hi > settled[inc.node] for inc in protected):
            # every voucher accepted and unpaid, earlier ones included, can be paid together
            outstanding = self.racer_outstanding()
            require(
                balance >= outstanding,
                "SET-10",
                "the racer's accepted vouchers are not covered",
                balance=balance,
                outstanding=outstanding,
            )

    @check("SET-12", watches=("fee",))
    def set_12_fee_changes_match_the_model(self):
        if self.model is None:
            return
        equal("SET-12", "fee_bps()", self.settlement.fee_bps(), self.model.fee_bps)
        equal("SET-12", "pending_fee()", tuple(self.settlement.pending_fee()), self.model.pending_fee())

    @check("SET-13", watches=("channels", "racer", "settled"))
    def set_13_a_voucher_within_a_reservation_is_always_payable(self):
        if self.model is None or not self.increments:
            return
        racer = self.racer.address
        for node in range(1, NODES + 1):
            settled = self.model.settled[(racer, node)]  # SET-2's check compares it with the chain
            if any(not inc.exposed and inc.hi > settled for inc in self.increments if inc.node == node):
                # the node's latest voucher pays everything it accepted from the reservation alone
                outstanding = self.racer_outstanding(node)
                reservation = self.settlement.reservation(racer, node)
                require(
                    reservation >= outstanding,
                    "SET-13",
                    "a reserved voucher is unpayable",
                    node=node,
                    reservation=reservation,
                    outstanding=outstanding,
                )

    @check("SET-11", watches=("wallets",))
    def set_11_no_actor_holds_more_than_the_model_says(self):
        if self.model is None:
            return
        actors = sorted(
            {
                *(a.address for a in (*self.payers, *self.operators, self.treasury, self.alt, self.stranger)),
                *self.holders,
                self.wallet.address,
            }
        )
        for address in self.scope("accounts", actors):
            equal("SET-11", f"the stablecoin of {address}", self.stable.balanceOf(address), self.wallets[address])

    @check("SET-2", watches=("settled",))
    def set_2_no_channel_paid_beyond_what_was_signed(self):
        if self.model is None:
            return
        channels = self.scope("channels", list(self.signed_max))
        for payer, node in channels:
            signed = self.signed_max[(payer, node)]
            settled = self.settlement.settled(payer, node)
            equal("SET-2", f"settled({payer}, {node})", settled, self.model.settled[(payer, node)])
            require(
                settled <= signed, "SET-2", "a channel was paid beyond what was signed", settled=settled, signed=signed
            )
        for _, _, _, deadline, at in self.paid_log[self.paid_checked :]:
            require(at <= deadline, "SET-2", "a voucher paid after its deadline", paid_at=at, deadline=deadline)
        self.paid_checked = len(self.paid_log)

    @check("SET-15", watches=("admin",))
    def set_15_roles_match_the_model(self):
        if self.model is None:
            return
        equal("SET-15", "owner()", self.settlement.owner(), self.owner.address)
        zero = "0x" + "00" * 20
        equal(
            "SET-15", "pending_owner()", self.settlement.pending_owner().lower(), (self.pending_owner or zero).lower()
        )
        equal("SET-15", "guardian()", self.settlement.guardian().lower(), (self.guardian_address or zero).lower())
        equal("SET-15", "treasury()", self.settlement.treasury(), self.model.treasury)

    @check("SET-18", "SET-17", watches=("tokens", "time"))
    def set_18_holders_revenue_matches_the_model(self):
        """Each node token's holders (two people and a contract, trading shares) are owed
        exactly what its accumulator model says, and never more than their exact balance-time
        share of what streamed (SET-17: rounding in the protocol's favour, per holder)."""
        if self.model is None:
            return
        now = self.chain.timestamp
        nodes = list(self.tokens) if self.sweeping() else self.scope("nodes", list(self.tokens))
        for node in nodes:
            token, model, exact = self.tokens[node], self.revenue[node], self.exact[node]
            exact.advance(now)
            for holder in self.holders:
                claimable = token.claimable(holder)
                equal("SET-18", f"claimable({holder}) of node {node}", claimable, model.claimable(holder, now))
                credited = self.holder_claimed[(node, holder)] + claimable
                share = exact.share(holder)
                require(
                    credited <= share,
                    "SET-17",
                    "a holder was credited above its exact share",
                    node=node,
                    holder=holder,
                    credited=credited,
                    share=float(share),
                )
            if self.sweeping():
                for holder in self.holders:
                    equal(
                        "SET-18",
                        f"balanceOf({holder}) of node {node}",
                        token.balanceOf(holder),
                        model.balances.get(holder, 0),
                    )

    @check("ALL-1", watches=("money", "earnings", "tokens", "bonds", "wallets"))
    def all_1_nothing_lost_or_misrouted(self):
        if self.model is None:
            return
        equal("ALL-1", "the stablecoin's supply", self.stable.totalSupply(), self.supply)
        for account in self.scope("accounts", self.earning_accounts()):
            equal("ALL-1", f"earnings({account})", self.settlement.earnings(account), self.model.earnings[account])
        for node in self.scope("nodes", list(self.tokens)):
            expected = self.model.holders_paid[node] + self.slashed_in[node] - self.claimed[node]
            equal(
                "ALL-1",
                f"node {node}'s token holds its holders' payments + slashes - claims",
                self.stable.balanceOf(self.tokens[node]),
                expected,
            )
            equal("ALL-1", f"node {node}'s token holds what its model owes", expected, self.revenue[node].owed)
        held = sum(b.held for b in self.bonds.nodes.values())
        equal("ALL-1", "the registry holds the bonds", self.stable.balanceOf(self.registry), held)
        if self.sweeping():
            # conservation: every unit of the supply is with a known holder
            total = sum(self.stable.balanceOf(a) for a in self.holders_of_stable)
            equal("ALL-1", "the known holders' stablecoin adds up to the supply", total, self.supply)

    # --- the end of the run: everyone exits (SET-16) -------------------------------------------
    def end_of_run(self) -> None:
        """Every restriction lifted, payers release every reservation and withdraw everything
        after the delays, operators, treasuries and the racer withdraw their earnings, anyone
        skims, holders claim after every stream ran out. Then Settlement holds nothing and
        owes nothing, and each node token keeps at most one base unit per holder (the
        sub-unit residues of its accumulator): SET-16."""
        if self.model is None:
            return
        issuer = self.issuer
        for account in sorted(self.blacklisted):
            self.stable.unblacklist(account, sender=issuer)
        self.blacklisted.clear()
        if self.stable_paused:
            self.stable.unpause(sender=issuer)
            self.stable_paused = False
        now = self.chain.pending_timestamp
        if self.model.is_paused(now):
            self.settlement.unpause(sender=self.owner)
            self.model.unpause(now)
        keys = {k.address: k for k in self.payers}
        releasing = []
        for (payer, node), reservation in sorted(self.model.reservations.items()):
            if reservation and payer == self.wallet.address:
                receipt = self.wallet_call("release(uint256,uint256)", ["uint256", "uint256"], [node, reservation])
                self.model.request_release(payer, node, reservation, receipt.timestamp)
                releasing.append((payer, node))
            elif reservation:
                receipt = self.settlement.release(node, reservation, sender=keys[payer])
                self.model.request_release(payer, node, reservation, receipt.timestamp)
                releasing.append((payer, node))
        self.chain.sleep(WITHDRAWAL_DELAY + 1)
        for payer, node in releasing:
            state = self.model.release_state(payer, node, self.chain.pending_timestamp)
            equal("SET-16", f"the exit's release of ({payer}, {node})", state, "open")
            if payer == self.wallet.address:
                self.wallet_call("complete_release(uint256)", ["uint256"], [node])
            else:
                self.settlement.complete_release(node, sender=keys[payer])
            self.model.complete_release(payer, node)
        for payer in [*keys, self.wallet.address]:
            balance = self.model.prepaid[payer]
            if balance == 0:
                continue
            if payer == self.wallet.address:
                receipt = self.wallet_call("request_withdrawal(uint256)", ["uint256"], [balance])
            else:
                receipt = self.settlement.request_withdrawal(balance, sender=keys[payer])
            self.model.request_withdrawal(payer, balance, receipt.timestamp)
        self.chain.sleep(WITHDRAWAL_DELAY + 1)
        for payer in sorted(self.model.withdrawals):
            if self.model.withdrawal_state(payer, self.chain.pending_timestamp) != "open":
                continue
            if payer == self.wallet.address:
                self.wallet_call("withdraw(address)", ["address"], [payer])
            else:
                self.settlement.withdraw(payer, sender=keys[payer])
            self.wallets[payer] += self.model.withdraw(payer)
        accounts = {a.address: a for a in (self.treasury, self.alt, self.stranger, self.racer, *self.operators)}
        for address in self.earning_accounts():
            if self.model.earnings[address]:
                self.settlement.withdraw_earnings(address, sender=accounts[address])
                self.wallets[address] += self.model.withdraw_earnings(address)
        if self.excess:
            self.settlement.skim(sender=self.relayer)
            self.wallets[self.model.treasury] += self.excess
            self.excess = 0
        equal("SET-16", "what Settlement owes after everyone exited", self.settlement.owed(), 0)
        equal("SET-16", "Settlement's stablecoin after everyone exited", self.stable.balanceOf(self.settlement), 0)
        # holders claim once every deposit has streamed (two epochs on)
        self.chain.sleep(2 * EPOCH_LENGTH + 1)
        for node in self.tokens:
            for holder in self.holders:
                self.claim_for(node, holder, holder)
            left = self.stable.balanceOf(self.tokens[node])
            equal("SET-16", f"node {node}'s token after every claim (its model)", left, self.revenue[node].owed)
            require(
                left <= len(self.holders),
                "SET-16",
                "a node token keeps more than a base unit per holder after every claim",
                node=node,
                left=left,
                holders=len(self.holders),
            )
        for address in sorted(self.wallets):
            equal(
                "SET-16",
                f"the stablecoin of {address} after the exit",
                self.stable.balanceOf(address),
                self.wallets[address],
            )
        total = sum(self.stable.balanceOf(a) for a in self.holders_of_stable)
        equal("ALL-1", "the known holders' stablecoin adds up to the supply after the exit", total, self.supply)


@pytest.mark.both_engines
def test_settlement_machine(backend):
    run_state_machine_as_test(lambda: SettlementMachine(backend, backend.accounts), settings=machine_settings(backend))
