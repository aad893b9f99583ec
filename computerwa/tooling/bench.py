"""Receipt gasUsed of ComputeRWA's headline operations, measured on Ape's connected provider.

`ape run bench` (scripts/bench.py) prints and records these figures; the snapshot test
(tests/test_gas_snapshot.py) runs `headline()` and fails when any operation costs more than
`gas-snapshot.json` says. Every figure is a fresh transaction's receipt (Prague, storage
cold at the start of the transaction) in a scenario of its own, freshly deployed.

The figures are the same on every run and on every local provider (Ape's embedded chain
and Anvil), to the gas:
- every signature a measured transaction carries is ground to have no zero byte (its
  deadline is moved down one second at a time until it has none): a zero byte of calldata
  costs 4 gas instead of 16, and a signature's bytes change with the chain id and the
  contract's address, so they would otherwise shift a figure by 12 here and there. Four
  signatures in five have no zero byte anyway; this is the common case and the dearer one.
- every measured transaction is mined at least one second after the previous block
  (Anvil mines several blocks a second under one timestamp, and a revenue stream that
  released nothing since the last block writes nothing).

Needs a connected provider (`ape run ...` or `ape test`); ape is imported lazily.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_utils import keccak

from computerwa.evm.ape_chain import ApeDeployer
from computerwa.evm.artifacts import project_root
from computerwa.evm.suite import Stage, deploy_suite
from computerwa.models.revenue import EPOCH_RECORDS

DAY = 86_400
DOLLAR = 10**6
FAR = 2**32 - 1  # deadlines start here (2106), every byte non-zero, and are ground down from it
SNAPSHOT = project_root() / "gas-snapshot.json"

HOLDER_POINTS = (1, 100, 1_000)  # holders added for the scaling rows
BATCHES = (1, 10, 50, 100)
SIGNATURE_COUNTS = (3, 4, 5, 8, 16, 32)
NODES = 5
CUSTOMERS = 20


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    target: int | None
    anchor: str


# the headline table, in print order; labels starting with two spaces are details of the row above
ROWS = [
    Row(
        "transfer_restricted",
        "ComputeToken transfer, verified holders, restricted, stream running",
        70_000,
        "ERC-3643 T-REX 231,359",
    ),
    Row("transfer_roll", "  the same, first action of an epoch (rolls the stream)", None, "-"),
    Row(
        "transfer_roll_ring",
        "  the same, once epoch_revenue's 128-epoch ring has gone round",
        None,
        "(the record overwrites a non-zero slot)",
    ),
    Row("transfer_open", "ComputeToken transfer, restrictions off, stream running", 58_000, "Solady/OZ ERC-20 ~51,000"),
    Row("permit", "ComputeToken permit (EIP-2612), first use by an owner", 74_000, "Solmate 74,172"),
    Row("deposit_first", "deposit_revenue, first of an epoch", 70_000, "Synthetix notifyRewardAmount 67,000-119,000"),
    Row("deposit_next", "  later in the epoch", 70_000, "Synthetix notifyRewardAmount 67,000-119,000"),
    Row("deposit_very_first", "  the very first deposit into a new token", 70_000, "(also the token's first mUSD)"),
    Row("claim", "claim, to a receiver already holding the stablecoin", 60_000, "Synthetix getReward ~107,000+"),
    Row("oracle_3", "oracle submit, 3 signatures (a node's next report)", 85_000, "EAS attest ~150,000"),
    Row("oracle_extra", "  per extra signature, 3 -> 4", 5_000, "RedStone ~5,400 per signer"),
    Row("oracle_slope", "  per extra signature, slope 3 -> 32", 5_000, "RedStone ~5,400 per signer"),
    Row("oracle_3_first", "  a node's first report, 3 signatures", None, "-"),
    # Settlement's targets are the ceilings issue #15 fixed (issue #5's measured floors, accepted)
    Row("settle_1", "settle 1 voucher (existing channel)", 100_008, "Raiden IOU claim 103,552"),
    Row("settle_1_new_channel", "  the first voucher of a (customer, node) channel", None, "-"),
    Row("settle_1_new_epoch", "  the first payment to a node in a new epoch", None, "-"),
    Row(
        "settle_50_per_voucher",
        "settle 50 vouchers over 5 nodes, per voucher",
        20_286,
        "Raiden ~11,700 per extra IOU",
    ),
    Row("settle_1_reserved", "settle 1 voucher within a reservation", None, "-"),
    Row("settle_50_reserved_per_voucher", "settle 50 vouchers within reservations, per voucher", None, "-"),
    Row("pay_with_authorization", "pay_with_authorization (EIP-3009, new nonce)", 119_658, "x402r 332,489"),
    Row("deposit_with_authorization", "deposit_with_authorization (EIP-3009, new nonce)", None, "-"),
    Row("reserve_with_authorization", "reserve_with_authorization (EIP-3009, a channel's first)", None, "-"),
    Row("create_token", "ComputeFactory: new node token (blueprint)", None, "-"),
    Row("registry_register_node", "NodeRegistry register_node, a verified operator's first node", None, "-"),
    Row("registry_post_bond", "NodeRegistry post_bond, a node's first bond", None, "-"),
    Row("registry_request_bond_withdrawal", "NodeRegistry request_bond_withdrawal", None, "-"),
    Row("registry_withdraw_bond", "NodeRegistry withdraw_bond, 3 epochs to judge (reported at the SLA)", None, "-"),
    Row("registry_slash", "NodeRegistry slash, a report below the SLA", None, "-"),
    Row("registry_slash_missed", "  a missed epoch (no report after the grace period)", None, "-"),
    Row("registry_judge_1", "NodeRegistry judge, 1 epoch reported at the SLA", None, "-"),
    Row("registry_judge_per_epoch", "  per further epoch", None, "-"),
    Row("basket_harvest_1", "ComputeBasket harvest, 1 component paying revenue", None, "-"),
    Row("basket_harvest_per_component", "  per further component (8 -> slope)", 60_000, "(issue #21 target)"),
    Row("basket_create_1", "ComputeBasket create, 1 component (not the first)", None, "-"),
    Row("basket_create_per_component", "  per further component", None, "-"),
    Row("basket_redeem_1", "ComputeBasket redeem, 1 component", None, "-"),
    Row("basket_redeem_per_component", "  per further component", None, "-"),
    Row("offering_buy", "NodeOffering buy, an investor's first purchase (not the sale's first)", 90_000, "(issue #19)"),
    Row("offering_buy_again", "  the same investor's next purchase", None, "-"),
    Row("offering_buy_with_authorization", "NodeOffering buy_with_authorization (EIP-3009)", None, "-"),
    Row("offering_claim_shares", "NodeOffering claim_shares, to a new holder of the node", 75_000, "(issue #19)"),
    Row("offering_claim_shares_holder", "  to a buyer already holding the node's shares", 75_000, "(issue #19)"),
    Row("offering_claim_batch_1", "NodeOffering claim_shares_batch, 1 new holder", None, "-"),
    Row("offering_claim_batch_per_holder", "  per further new holder (10 -> slope)", None, "-"),
    Row("offering_claim_batch_10_each", "  10 new holders, each one's part", 75_000, "(issue #19)"),
    Row("offering_refund", "NodeOffering refund, a failed sale", 60_000, "(issue #19)"),
    Row("offering_confirm_burn_in", "NodeOffering confirm_burn_in, 3 epochs", None, "-"),
    Row("offering_withdraw_proceeds", "NodeOffering withdraw_proceeds", None, "-"),
    Row("offering_exit", "NodeOffering exit, claimed shares burnt", None, "-"),
    Row("offering_sweep", "NodeOffering sweep, the rest into the node token's stream", None, "-"),
    Row("rentals_book_1h", "NodeRentals book, 1 hour of an opened day (prepaid)", 110_000, "(issue #20)"),
    Row("rentals_book_24h", "  24 hours over 2 opened days", 110_000, "(issue #20)"),
    Row("rentals_book_168h", "  168 hours (a week) over 8 opened days", None, "a day word more: ~5,000"),
    Row("rentals_book_new_day", "  1 hour of a day not opened", None, "-"),
    Row("rentals_book_after_100", "  1 hour, the node holding 100 bookings", 110_000, "(issue #20)"),
    Row("rentals_book_with_authorization", "NodeRentals book_with_authorization, 1 hour (EIP-3009)", None, "-"),
    Row("rentals_open_day", "NodeRentals open_days, 1 day", None, "-"),
    Row("rentals_release_1", "NodeRentals release, 1 epoch at 95% uptime (paid + refunded)", None, "-"),
    Row("rentals_release_1_without_token", "  without the node token's deposit_revenue", 80_000, "(issue #20)"),
    Row("rentals_release_per_epoch", "  per further epoch (8 -> slope)", None, "-"),
    Row("rentals_release_missed", "  1 missed epoch (all refunded, nothing paid)", 80_000, "(issue #20)"),
    Row("rentals_cancel", "NodeRentals cancel, 24 hours after the notice (fee due)", 70_000, "(issue #20)"),
    Row("rentals_halt", "NodeRentals halt, a retired node's booking", None, "-"),
    Row("feed_create", "RevenueFeedFactory create_feed (a node token's feed, blueprint)", None, "-"),
    Row("feed_latest_round", "RevenueFeed latestRoundData (the view sent as a transaction)", None, "-"),
    Row("feed_trailing_30", "RevenueFeed trailing(30): revenue and SLA of 30 epochs (the same)", None, "-"),
    Row("create_basket_1", "ComputeBasketFactory create_basket, 1 component", None, "-"),
    Row("create_basket_per_component", "  per further component", None, "-"),
]
TARGETS = {row.key: row.target for row in ROWS}
SCALING_OPERATIONS = ("transfer_restricted", "transfer_open", "claim", "deposit_first", "deposit_next", "permit")


# --- signatures and time ---------------------------------------------------------------------
def _zero_free(parts: Any) -> bool:
    return all(0 not in part for part in parts)


def ground(sign_at: Callable[[int], Any], parts: Callable[[Any], list[bytes]]) -> tuple[int, Any]:
    """(deadline, signed) for the latest deadline at or below FAR whose signature(s) have no
    zero byte: `sign_at(deadline)` signs, `parts(signed)` lists the signature words that go
    into calldata. Deadlines with a zero byte of their own are skipped."""
    for step in range(100_000):
        deadline = FAR - step
        if 0 in deadline.to_bytes(4, "big"):
            continue
        signed = sign_at(deadline)
        if _zero_free(parts(signed)):
            return deadline, signed
    raise RuntimeError("no zero-free signature in 100,000 deadlines")


_traveled = False  # the next block's timestamp was set by `_travel`


def _travel(timestamp: int) -> None:
    """The next block is mined at `timestamp`."""
    global _traveled
    from ape import chain

    chain.pending_timestamp = timestamp
    _traveled = True


def _compact_signatures(document: dict, signers: list) -> list[tuple[bytes, bytes]]:
    """EIP-2098 (r, vs) signatures of a typed-data document by `signers` (in that order),
    from libsecp256k1; an empty word list as soon as one has a zero byte, so grinding a
    32-signature report takes a second, not a minute."""
    from computerwa.client.signing import digest, sign_digest_compact

    message_digest = digest(document)
    out = []
    for signer in signers:
        r, vs = sign_digest_compact(signer, message_digest)
        if 0 in r or 0 in vs:
            return [(b"\x00", b"")]
        out.append((r, vs))
    return out


def _signature_words(signed: tuple[Any, list[tuple[bytes, bytes]]]) -> list[bytes]:
    """The calldata words of a (report, compact signatures) pair's signatures."""
    return [word for signature in signed[1] for word in signature]


def _next_second() -> None:
    """The next transaction lands at least one second after the head, unless `_travel` set a
    later time (the embedded chain does this by itself; Anvil can mine several blocks in one
    second)."""
    global _traveled
    from ape import chain

    if not _traveled and chain.provider.name != "test":
        chain.pending_timestamp = chain.blocks.head.timestamp + 1
    _traveled = False


def _gas(send: Callable[[], Any]) -> int:
    _next_second()
    return send().gas_used


# --- ComputeToken ------------------------------------------------------------------------------
class TokenBench:
    """One node's ComputeToken from the factory, restricted, two verified holders with odd
    balances (so the accumulator's remainder changes on every release, as with any real
    cap table), a depositor with an allowance, a claim receiver already holding mUSD."""

    def __init__(self):
        from ape import accounts, chain, project

        self.admin, self.investor, self.holder, self.depositor, self.receiver, self.relayer = list(
            accounts.test_accounts
        )[:6]
        admin = self.admin
        suite = deploy_suite(ApeDeployer(project, chain), admin, epoch_length=DAY, upto="factory")
        self.stable, identity, factory = suite.stablecoin, suite.identity, suite.factory
        _next_second()
        receipt = factory.create_token(1, "ComputeRWA Node 1", "CN1", b"\x01" * 32, admin, admin, admin, sender=admin)
        self.create_token = receipt.gas_used
        self.token = project.ComputeToken.at(factory.token_of(admin, 1))
        self.code_size = len(chain.provider.get_code(self.token.address))
        for account in (self.investor, self.holder):
            identity.set_verified(account, 2**40, sender=admin)
            self.token.mint(account, 10**21 + 1, sender=admin)
        self.stable.mint(self.depositor, 10**15, sender=admin)
        self.stable.mint(self.receiver, 1, sender=admin)
        self.stable.approve(self.token, 2**256 - 1, sender=self.depositor)
        self.holders = 2
        self.permits = 0

    def measure(self) -> dict[str, int]:
        """One round: in a new epoch the first deposit queues revenue and the next adds to it;
        in the middle of the following epoch (revenue streaming) a transfer rolls the stream,
        then restricted and open transfers, a claim and an owner's first permit."""
        from ape import chain

        from computerwa.client.signing import Domain, permit, sign

        token, admin = self.token, self.admin
        gas = {}
        _travel(token.GENESIS() + (token.current_epoch() + 1) * DAY + 1)
        gas["deposit_first"] = _gas(lambda: token.deposit_revenue(10**9, sender=self.depositor))
        gas["deposit_next"] = _gas(lambda: token.deposit_revenue(10**9, sender=self.depositor))
        _travel(chain.blocks.head.timestamp + DAY // 2 + DAY)
        gas["transfer_roll"] = _gas(lambda: token.transfer(self.holder, 10**15, sender=self.investor))
        gas["transfer_restricted"] = _gas(lambda: token.transfer(self.holder, 10**15, sender=self.investor))
        token.set_restricted(False, sender=admin)
        gas["transfer_open"] = _gas(lambda: token.transfer(self.holder, 10**15, sender=self.investor))
        token.set_restricted(True, sender=admin)
        gas["claim"] = _gas(lambda: token.claim(self.receiver, sender=self.investor))
        # an owner that never signed a permit for this token (nonce 0), relayed by a third party
        owner = Account.from_key(keccak(b"bench permit owner %d" % self.permits))
        self.permits += 1
        domain, spender, value = Domain.of(token), self.holder.address, 10**21 + 7

        def sign_at(deadline: int):
            return sign(owner, permit(domain, owner.address, spender, value, 0, deadline))

        deadline, signature = ground(sign_at, lambda s: [s.r, s.s])
        gas["permit"] = _gas(
            lambda: token.permit(owner.address, spender, value, deadline, *signature.vrs, sender=self.relayer)
        )
        return gas

    def fill_records(self) -> None:
        """Revenue in each of the next EPOCH_RECORDS epochs, so every slot of the token's
        `epoch_revenue` ring holds a record and the next roll-over overwrites one."""
        from ape import chain

        token = self.token
        for _ in range(EPOCH_RECORDS):
            _travel(token.GENESIS() + (token.current_epoch() + 1) * DAY + 1)
            token.deposit_revenue(1, sender=self.depositor)
        _travel(chain.blocks.head.timestamp + 1)

    def add_holders(self, count: int) -> None:
        """`count` more holders (not verified: minted with restrictions off)."""
        token, admin = self.token, self.admin
        token.set_restricted(False, sender=admin)
        for i in range(self.holders, self.holders + count):
            token.mint(Account.from_key(i.to_bytes(32, "big")).address, 10**18 + i, sender=admin)
        token.set_restricted(True, sender=admin)
        self.holders += count


def token_gas(holder_points: tuple[int, ...] = ()) -> tuple[dict[str, int], dict[int, dict[str, int]], int]:
    """(headline gas, gas by holder count for each point of `holder_points` (holders added),
    runtime code size of a node token). The first round meets a new token (its very first
    deposit and stream roll); the headline is the second round, the everyday case."""
    bench = TokenBench()
    first = bench.measure()
    gas = bench.measure()
    gas["deposit_very_first"] = first["deposit_first"]
    gas["create_token"] = bench.create_token
    by_holders = {bench.holders: dict(gas)}
    for point in holder_points:
        bench.add_holders(point + 2 - bench.holders)
        by_holders[bench.holders] = bench.measure()
    bench.fill_records()
    gas["transfer_roll_ring"] = bench.measure()["transfer_roll"]
    return gas, by_holders, bench.code_size


# --- AttestationOracle ---------------------------------------------------------------------------
def oracle_gas(counts: tuple[int, ...] = SIGNATURE_COUNTS) -> dict[str, Any]:
    """A 32-attestor committee, threshold 3. For each signature count a node's first report
    ever (which also writes its last-epoch slot) and its next ("steady")."""
    from ape import accounts, chain, project

    from computerwa.client.attestation import PerformanceReport, report_typed_data, sign_report
    from computerwa.client.signing import Domain

    owner, relayer = list(accounts.test_accounts)[:2]
    keys = [Account.from_key(keccak(b"bench attestor %d" % i)) for i in range(32)]
    genesis = chain.blocks.head.timestamp - 40 * DAY
    oracle = project.AttestationOracle.deploy([k.address for k in keys], 3, genesis, DAY, 4 * DAY, sender=owner)
    domain = Domain.of(oracle)
    rows = []
    for count in counts:
        ordered = sorted(keys[:count], key=lambda k: int(k.address, 16))  # the order `submit` wants
        node = 1_000 + count
        gas = []
        for epoch in (30, 31):  # the node's first report, then its next

            def sign_at(deadline: int, node=node, epoch=epoch, ordered=ordered):
                # realistic, non-zero metrics (calldata costs what real reports cost)
                report = PerformanceReport(node, epoch, 9_987, 7_312, 41, 512_345, 1_234_567, deadline)
                return report, _compact_signatures(report_typed_data(domain, report), ordered)

            _, (report, signatures) = ground(sign_at, _signature_words)
            assert signatures == sign_report(domain, report, keys[:count]), "the fast signer must agree"
            gas.append(_gas(partial(oracle.submit, report.as_tuple(), signatures, sender=relayer)))
        rows.append({"signatures": count, "steady": gas[1], "first": gas[0]})
    steady = {row["signatures"]: row["steady"] for row in rows}
    out: dict[str, Any] = {"oracle_3": steady[3], "oracle_3_first": rows[0]["first"], "by_signatures": rows}
    if 4 in steady:
        out["oracle_extra"] = steady[4] - steady[3]
    if 32 in steady:
        out["oracle_slope"] = round((steady[32] - steady[3]) / 29)
    return out


# --- Settlement ----------------------------------------------------------------------------------
class SettlementBench:
    """Five nodes with their ComputeTokens (each with a holder), 20 customers with prepaid
    balances. "Steady" vouchers raise the cumulative amount of a (customer, node) channel
    that was settled before, in an epoch whose revenue queue the nodes' tokens already
    hold: the everyday case. Batches spread their vouchers evenly over the five nodes."""

    def __init__(self):
        from ape import accounts, chain, project

        from computerwa.client.signing import Domain, sign
        from computerwa.client.vouchers import deposit_authorization

        test_accounts = list(accounts.test_accounts)
        self.admin, self.relayer, self.investor = test_accounts[:3]
        self.operators = test_accounts[3 : 3 + NODES]
        self.customers = [Account.from_key(keccak(b"bench customer %d" % i)) for i in range(CUSTOMERS)]
        admin = self.admin
        attestors = [Account.from_key(keccak(b"bench attestor %d" % i)) for i in range(5)]
        suite = deploy_suite(
            ApeDeployer(project, chain),
            admin,
            genesis=chain.blocks.head.timestamp - 40 * DAY,
            epoch_length=DAY,
            attestors=attestors,
            threshold=3,
            bond_delay=3 * DAY,
            slash_bps=2_000,
            treasury=admin,
            fee_bps=250,
            withdrawal_delay=2 * DAY,
            operators=self.operators,
        )
        self.stable, identity, self.registry, self.settlement = (
            suite.stablecoin,
            suite.identity,
            suite.registry,
            suite.settlement,
        )
        self.domain = Domain.of(self.settlement)
        self.stable_domain = Domain.of(self.stable)
        identity.set_verified(self.investor, 2**40, sender=admin)
        self.nodes = []
        for operator in self.operators:
            receipt = self.registry.register_node(
                "asia-southeast", "H100-SXM", 8, 2_500, 3_000, 9_900, "ipfs://bench", sender=operator
            )
            node_id = receipt.events.filter(self.registry.NodeRegistered)[0].node_id
            token = project.ComputeToken.at(self.registry.node(node_id).token)
            token.mint(self.investor, 10**21 + 1, sender=admin)
            self.nodes.append(node_id)
        for index, customer in enumerate(self.customers):
            self.stable.mint(customer.address, 10**6 * DOLLAR, sender=admin)
            nonce = keccak(b"bench deposit %d" % index)
            doc = deposit_authorization(
                self.stable_domain, customer.address, self.settlement.address, 10**5 * DOLLAR, nonce, 0, FAR
            )
            self.settlement.deposit_with_authorization(
                customer.address, 10**5 * DOLLAR, 0, FAR, nonce, *sign(customer, doc).vrs, sender=self.relayer
            )
        self.cumulative: dict[tuple[str, int], int] = {}

    def voucher(self, customer, node: int, cumulative: int) -> tuple[tuple, tuple[bytes, bytes]]:
        from computerwa.client.vouchers import Voucher, sign_voucher

        def sign_at(deadline: int):
            voucher = Voucher(customer.address, node, cumulative, deadline)
            return voucher, sign_voucher(self.domain, voucher, customer)

        _, (voucher, signature) = ground(sign_at, lambda signed: list(signed[1]))
        return voucher.as_tuple(), signature

    def settle(self, count: int, first: int = 0) -> int:
        """`count` vouchers from the `first`-th, the k-th for node k % 5 and customer k // 5,
        each owing $1 + k wei more."""
        vouchers, signatures = [], []
        for k in range(first, first + count):
            customer, node = self.customers[k // NODES], self.nodes[k % NODES]
            key = (customer.address, node)
            self.cumulative[key] = self.cumulative.get(key, 0) + DOLLAR + k  # odd amounts: real splits
            voucher, signature = self.voucher(customer, node, self.cumulative[key])
            vouchers.append(voucher)
            signatures.append(signature)
        return _gas(lambda: self.settlement.settle(vouchers, signatures, sender=self.relayer))

    def reserve_all(self, amount: int, customers: range) -> int:
        """Each of `customers` reserves `amount` for each node by an authorization the
        relayer submits (signatures without zero bytes, as every signed figure); returns the
        gas of the first."""
        from computerwa.client.signing import sign
        from computerwa.client.vouchers import reservation_authorization

        gas: list[int] = []
        for index in customers:
            customer = self.customers[index]
            for node in self.nodes:
                salt = keccak(b"bench reservation %d %d" % (index, node))

                def sign_at(deadline: int, customer: Any = customer, node: int = node, salt: bytes = salt) -> Any:
                    doc = reservation_authorization(
                        self.stable_domain, customer.address, self.settlement.address, amount, node, salt, 0, deadline
                    )
                    return sign(customer, doc)

                deadline, signature = ground(sign_at, lambda s: [s.r, s.s])

                def send(
                    customer: Any = customer,
                    node: int = node,
                    salt: bytes = salt,
                    deadline: int = deadline,
                    signature: Any = signature,
                ) -> Any:
                    return self.settlement.reserve_with_authorization(
                        customer.address, node, amount, 0, deadline, salt, *signature.vrs, sender=self.relayer
                    )

                gas.append(_gas(send))
        return gas[0]

    def pay(self, index: int) -> int:
        from computerwa.client.signing import sign
        from computerwa.client.vouchers import payment_authorization

        customer, node = self.customers[index], self.nodes[index % NODES]
        salt = keccak(b"bench payment %d" % index)
        amount = 12 * DOLLAR + index

        def sign_at(deadline: int):
            doc = payment_authorization(
                self.stable_domain, customer.address, self.settlement.address, amount, node, salt, 0, deadline
            )
            return sign(customer, doc)

        deadline, signature = ground(sign_at, lambda s: [s.r, s.s])
        return _gas(
            lambda: self.settlement.pay_with_authorization(
                node, customer.address, amount, 0, deadline, salt, *signature.vrs, sender=self.relayer
            )
        )

    def newcomer(self) -> dict[str, int]:
        """A customer that never prepaid deposits with an authorization, then settles the first
        voucher of its (customer, node 2) channel."""
        from computerwa.client.signing import sign
        from computerwa.client.vouchers import deposit_authorization

        extra = Account.from_key(keccak(b"bench newcomer"))
        self.stable.mint(extra.address, 1_000 * DOLLAR, sender=self.admin)
        nonce = keccak(b"bench newcomer deposit")

        def sign_at(deadline: int):
            doc = deposit_authorization(
                self.stable_domain, extra.address, self.settlement.address, 500 * DOLLAR, nonce, 0, deadline
            )
            return sign(extra, doc)

        deadline, signature = ground(sign_at, lambda s: [s.r, s.s])
        gas = {
            "deposit_with_authorization": _gas(
                lambda: self.settlement.deposit_with_authorization(
                    extra.address, 500 * DOLLAR, 0, deadline, nonce, *signature.vrs, sender=self.relayer
                )
            )
        }
        voucher, compact = self.voucher(extra, self.nodes[1], 3 * DOLLAR)
        gas["settle_1_new_channel"] = _gas(lambda: self.settlement.settle([voucher], [compact], sender=self.relayer))
        return gas


def settlement_gas() -> dict[str, Any]:
    """The scenario of every settlement figure, in this order: 100 vouchers open the channels
    (and pay each node's first revenue of the epoch), then 1 voucher, batches of 1, 10, 50
    and 100; the second half of the customers reserve $10 for each node, and 1 voucher and a
    batch of 50 of theirs are settled within the reservations; then a direct payment, a
    newcomer's deposit and first voucher, and finally the first voucher paid to a node in a
    new epoch (it also rolls the node token's stream)."""
    from ape import chain

    bench = SettlementBench()
    gas: dict[str, Any] = {"open_channels_100": bench.settle(100), "settle_1": bench.settle(1)}
    batches = {size: bench.settle(size) for size in BATCHES}
    half = CUSTOMERS // 2
    gas["reserve_with_authorization"] = bench.reserve_all(10 * DOLLAR, range(half, CUSTOMERS))
    gas["settle_1_reserved"] = bench.settle(1, first=half * NODES)
    gas["settle_50_reserved_per_voucher"] = round(bench.settle(50, first=half * NODES) / 50)
    gas["pay_with_authorization"] = bench.pay(3)
    gas.update(bench.newcomer())
    _travel(chain.blocks.head.timestamp + DAY)
    gas["settle_1_new_epoch"] = bench.settle(1)
    gas["settle_50_per_voucher"] = round(batches[50] / 50)
    gas["batches"] = batches
    return gas


# --- NodeRegistry --------------------------------------------------------------------------------
def _committee_suite(admin: Any, operator: Any, upto: Stage = "registry") -> tuple[Any, list]:
    """A suite up to `upto` (the NodeRegistry unless told) on Ape's chain: daily epochs, genesis
    40 days back, a 3-of-5 committee (whose keys it returns), a 3-day bond delay, 20% slashes,
    `operator` verified."""
    from ape import chain, project

    attestors = [Account.from_key(keccak(b"bench attestor %d" % i)) for i in range(5)]
    suite = deploy_suite(
        ApeDeployer(project, chain),
        admin,
        genesis=chain.blocks.head.timestamp - 40 * DAY,
        epoch_length=DAY,
        attestors=attestors,
        threshold=3,
        bond_delay=3 * DAY,
        slash_bps=2_000,
        operators=[operator],
        upto=upto,
    )
    return suite, attestors


def registry_gas() -> dict[str, int]:
    """A registry over a 3-of-5 committee, daily epochs, genesis 40 days back. An honest node
    (registered in epoch 40) posts its first bond, serves two epochs reported at its SLA,
    requests part of its bond in epoch 43 and withdraws it after the 3-day delay, when the
    epochs up to the request (41 to 43) have been reported at the SLA. A failing node is
    slashed for an epoch reported below its SLA, the second slash of its token's life (its
    first revenue deposit of that epoch), then for an epoch it missed (no report a day, the
    grace period, after its end). Finally the honest node's later epochs, reported at the
    SLA, are judged: one, then six more (the per-epoch figure is the slope)."""
    from ape import accounts, chain

    from computerwa.client.attestation import PerformanceReport, sign_report
    from computerwa.client.signing import Domain

    admin, relayer, operator = list(accounts.test_accounts)[:3]
    suite, attestors = _committee_suite(admin, operator)
    genesis = suite.genesis
    registry, oracle, stable = suite.registry, suite.oracle, suite.stablecoin
    domain = Domain.of(oracle)
    stable.mint(operator, 10_000 * DOLLAR, sender=admin)
    stable.approve(registry, 2**256 - 1, sender=operator)

    def register() -> int:
        registry.register_node("asia-southeast", "H100-SXM", 8, 2_500, 3_000, 9_900, "ipfs://bench", sender=operator)
        return registry.node_count()

    def report(node: int, epoch: int, uptime: int) -> None:
        signed = PerformanceReport(node, epoch, uptime, 7_312, 41, 512_345, 1_234_567, FAR)
        oracle.submit(signed.as_tuple(), sign_report(domain, signed, attestors[:3]), sender=relayer)

    def at(epoch: int) -> None:
        _travel(max(chain.blocks.head.timestamp + 1, genesis + epoch * DAY + 3_600))

    gas = {}
    # creates the node's token through the factory, with the registry's token agent and minter
    gas["registry_register_node"] = _gas(
        lambda: registry.register_node(
            "asia-southeast", "H100-SXM", 8, 2_500, 3_000, 9_900, "ipfs://bench", sender=operator
        )
    )
    honest = registry.node_count()
    gas["registry_post_bond"] = _gas(lambda: registry.post_bond(honest, 1_000 * DOLLAR, sender=operator))
    at(43)
    for epoch in (41, 42):
        report(honest, epoch, 9_950)
    gas["registry_request_bond_withdrawal"] = _gas(
        lambda: registry.request_bond_withdrawal(honest, 400 * DOLLAR, sender=operator)
    )
    requested = chain.blocks.head.timestamp  # a node's clock may have run on since `at(43)`
    _travel(max(chain.blocks.head.timestamp + 1, genesis + 46 * DAY + 3_600, requested + 3 * DAY))
    for epoch in (43, 44, 45):
        report(honest, epoch, 9_950)
    gas["registry_withdraw_bond"] = _gas(lambda: registry.withdraw_bond(honest, operator, sender=operator))
    failing = register()
    registry.post_bond(failing, 1_000 * DOLLAR, sender=operator)
    at(48)
    report(failing, 47, 9_000)
    registry.slash(failing, 47, sender=relayer)
    at(49)
    report(failing, 48, 9_000)
    gas["registry_slash"] = _gas(lambda: registry.slash(failing, 48, sender=relayer))
    at(51)  # epoch 49 ended a day ago and no report came: missed
    gas["registry_slash_missed"] = _gas(lambda: registry.slash(failing, 49, sender=relayer))
    for epoch in range(46, 51):
        report(honest, epoch, 9_950)
    gas["registry_judge_1"] = _gas(lambda: registry.judge(honest, 1, sender=relayer))  # epoch 44
    six = _gas(lambda: registry.judge(honest, 6, sender=relayer))  # epochs 45 to 50
    gas["registry_judge_per_epoch"] = round((six - gas["registry_judge_1"]) / 5)
    return gas


# --- ComputeBasket ------------------------------------------------------------------------------
BASKET_SIZES = (1, 8)  # components; the per-component rows are the slope between them


def _basket_round(components: int) -> dict[str, int]:
    """A basket of `components` node tokens of one factory (daily epochs), created by a
    ComputeBasketFactory over that factory (the row: `create_basket`), restricted, the
    basket and the investor verified. The investor creates (the basket's first mint), then
    creates again (the row); a depositor pays revenue into every component, the next epoch
    streams it to the basket's share, and `harvest` claims it from each component into the
    basket's own stream (the row: every component pays); then the investor redeems part."""
    from ape import accounts, chain, project

    admin, investor, depositor = list(accounts.test_accounts)[:3]
    suite = deploy_suite(ApeDeployer(project, chain), admin, epoch_length=DAY, upto="factory")
    stable, identity, factory = suite.stablecoin, suite.identity, suite.factory
    identity.set_verified(investor, 2**40, sender=admin)
    tokens = []
    for node in range(1, components + 1):
        factory.create_token(node, f"Node {node}", f"N{node}", b"\x01" * 32, admin, admin, admin, sender=admin)
        token = project.ComputeToken.at(factory.token_of(admin, node))
        token.mint(investor, 10**24, sender=admin)
        tokens.append(token)
    blueprint = ApeDeployer(project, chain).deploy_blueprint("ComputeBasket", sender=admin)
    basket_factory = project.ComputeBasketFactory.deploy(blueprint, factory, sender=admin)
    gas = {}
    _next_second()
    created = basket_factory.create_basket(
        "Bench Basket", "BB", [t.address for t in tokens], [1] * components, admin, admin, sender=admin
    )
    gas["create_basket"] = created.gas_used
    basket = project.ComputeBasket.at(created.decode_logs(basket_factory.BasketCreated)[0].basket)
    identity.set_verified(basket, 2**40, sender=admin)
    for token in tokens:
        token.approve(basket, 2**256 - 1, sender=investor)
    stable.mint(depositor, 10**15, sender=admin)
    for token in tokens:
        stable.approve(token, 2**256 - 1, sender=depositor)
    basket.create(10**21, sender=investor)
    gas["create"] = _gas(lambda: basket.create(10**21 + 1, sender=investor))
    epoch = tokens[0].current_epoch()
    for token in tokens:
        token.deposit_revenue(10**9, sender=depositor)
    _travel(tokens[0].GENESIS() + (epoch + 2) * DAY + 1)  # the deposits streamed over epoch + 1
    gas["harvest"] = _gas(lambda: basket.harvest(sender=depositor))
    gas["redeem"] = _gas(lambda: basket.redeem(10**20, sender=investor))
    return gas


def basket_gas(sizes: tuple[int, int] = BASKET_SIZES) -> dict[str, int]:
    """create, harvest and redeem of a 1-component basket, and the factory's create_basket of
    it, with their cost per further component (the slope to the larger basket: each component
    is one external call, and in create_basket one `is_token` read and two words of storage)."""
    small, large = (_basket_round(size) for size in sizes)
    gas = {}
    for operation in ("create", "harvest", "redeem"):
        gas[f"basket_{operation}_1"] = small[operation]
        gas[f"basket_{operation}_per_component"] = round((large[operation] - small[operation]) / (sizes[1] - sizes[0]))
    gas["create_basket_1"] = small["create_basket"]
    slope = (large["create_basket"] - small["create_basket"]) / (sizes[1] - sizes[0])
    gas["create_basket_per_component"] = round(slope)
    return gas


# --- NodeOffering --------------------------------------------------------------------------------
def offering_gas() -> dict[str, int]:
    """A registry's node (daily epochs, genesis 40 days back, a 3-of-5 committee) offered by
    a NodeOffering that is a minter of its token; investors verified. Offering 1 succeeds:
    a first buyer opens it, the measured investor buys twice, a signed purchase is relayed;
    shares are claimed, burn-in (3 epochs at the SLA) confirmed and the proceeds withdrawn.
    Offering 2 fails (a refund); offering 3 succeeds and misses burn-in (an exit of claimed
    shares, then, after its exit window, the sweep of the rest). Offering 4 is bought by eleven
    keys (signed purchases a relayer submits), none a holder of the node: a relayer claims for
    one, then for the other ten in one `claim_shares_batch`."""
    from ape import accounts, chain, project

    from computerwa.client.attestation import PerformanceReport, sign_report
    from computerwa.client.signing import Domain, sign
    from computerwa.client.vouchers import purchase_authorization

    admin, relayer, operator, first, investor = list(accounts.test_accounts)[:5]
    buyer = Account.from_key(keccak(b"bench offering buyer"))
    suite, attestors = _committee_suite(admin, operator)
    genesis = suite.genesis
    registry, oracle, stable, identity = suite.registry, suite.oracle, suite.stablecoin, suite.identity
    registry.register_node("asia-southeast", "H100-SXM", 8, 2_500, 3_000, 9_900, "ipfs://bench", sender=operator)
    token = project.ComputeToken.at(registry.node(1)[1])
    offering = project.NodeOffering.deploy(stable, registry, oracle, sender=admin)
    token.set_minter(offering, True, sender=admin)
    for account in (first, investor, buyer):
        identity.set_verified(account.address, 2**40, sender=admin)
        stable.mint(account.address, 10**6 * DOLLAR, sender=admin)
    for account in (first, investor):
        stable.approve(offering, 2**256 - 1, sender=account)
    stable.mint(investor, 1, sender=admin)  # the investor already holds mUSD

    def create(min_raise: int) -> int:
        start = chain.blocks.head.timestamp + 1
        _travel(start)  # the creation's own block starts the sale (Anvil may otherwise stay a second behind)
        end = start + DAY
        first_epoch = -(-(end - genesis) // DAY)
        offering.create_offering(
            1,
            10**6 * 10**18,
            2 * DOLLAR,
            min_raise,
            start,
            end,
            2_000,
            3,
            genesis + (first_epoch + 5) * DAY,
            DAY,
            sender=admin,
        )
        return offering.offering_count()

    def report(epoch: int) -> None:
        signed = PerformanceReport(1, epoch, 9_950, 7_312, 41, 512_345, 1_234_567, FAR)
        oracle.submit(signed.as_tuple(), sign_report(Domain.of(oracle), signed, attestors[:3]), sender=relayer)

    gas = {}
    sale = create(100 * DOLLAR)
    offering.buy(sale, 10**20 + 1, sender=first)
    gas["offering_buy"] = _gas(lambda: offering.buy(sale, 10**20 + 3, sender=investor))
    gas["offering_buy_again"] = _gas(lambda: offering.buy(sale, 10**20 + 5, sender=investor))

    def signed_buy(key: Any, offering_id: int, shares: int, salt: bytes) -> Callable[[], Any]:
        """A relayer's submission of `key`'s signed purchase of `shares` (its EIP-3009 authorization)."""
        cost = offering.cost(offering_id, shares)
        document = purchase_authorization(
            Domain.of(stable), key.address, offering.address, cost, offering_id, shares, salt, 0, FAR
        )
        v, r, s = sign(key, document).vrs
        return lambda: offering.buy_with_authorization(
            offering_id, key.address, shares, 0, FAR, salt, v, r, s, sender=relayer
        )

    gas["offering_buy_with_authorization"] = _gas(signed_buy(buyer, sale, 10**20 + 7, b"\x5a" * 32))
    failing = create(10**6 * DOLLAR)
    offering.buy(failing, 10**19, sender=investor)
    missing = create(100 * DOLLAR)
    offering.buy(missing, 10**20, sender=investor)
    batch = create(0)
    keys = [Account.from_key(keccak(b"bench offering batch buyer %d" % k)) for k in range(11)]
    for k, key in enumerate(keys):
        identity.set_verified(key.address, 2**40, sender=admin)
        stable.mint(key.address, 10**4 * DOLLAR, sender=admin)
        signed_buy(key, batch, 10**19 + k, bytes([k + 1]) * 32)()
    terms = offering.terms(sale)
    _travel(offering.terms(missing).end)  # every sale is over
    offering.claim_shares(sale, first, sender=relayer)  # the token's first holder from the sale
    gas["offering_claim_shares"] = _gas(lambda: offering.claim_shares(sale, investor, sender=relayer))
    gas["offering_refund"] = _gas(lambda: offering.refund(failing, investor, sender=investor))
    gas["offering_claim_shares_holder"] = _gas(lambda: offering.claim_shares(missing, investor, sender=investor))
    addresses = [key.address for key in keys]
    gas["offering_claim_batch_1"] = _gas(lambda: offering.claim_shares_batch(batch, addresses[:1], sender=relayer))
    ten = _gas(lambda: offering.claim_shares_batch(batch, addresses[1:], sender=relayer))
    gas["offering_claim_batch_per_holder"] = (ten - gas["offering_claim_batch_1"]) // 9
    gas["offering_claim_batch_10_each"] = ten // 10
    for epoch in range(terms.first_epoch, terms.first_epoch + 3):
        _travel(max(chain.blocks.head.timestamp + 1, genesis + (epoch + 1) * DAY + 3_600))
        report(epoch)
    gas["offering_confirm_burn_in"] = _gas(lambda: offering.confirm_burn_in(sale, terms.first_epoch, sender=relayer))
    gas["offering_withdraw_proceeds"] = _gas(lambda: offering.withdraw_proceeds(sale, operator, sender=operator))
    _travel(offering.terms(missing).burn_in_deadline + 1)
    gas["offering_exit"] = _gas(lambda: offering.exit(missing, 10**19, investor, sender=investor))
    terms = offering.terms(missing)
    _travel(terms.burn_in_deadline + terms.exit_window + 1)
    gas["offering_sweep"] = _gas(lambda: offering.sweep(missing, sender=relayer))
    return gas


# --- NodeRentals ---------------------------------------------------------------------------------
def rentals_gas() -> dict[str, int]:
    """A whole suite (daily epochs, genesis 40 days back, a 3-of-5 committee, a 2.5% fee) whose
    node 1 (30% operator share) offers 511 units at $2 a unit-hour, a 20% cancellation fee and 2
    hours' notice. The customer holds $1,000,000 prepaid; its first booking is made before the
    measured ones (the booking counter exists). Days are opened by the operator in advance except
    where a row says not. The node then holds 100 more one-hour bookings. Every epoch of the
    bookings is reported at 95% uptime but the first day's (missed); a week's booking over 8
    epochs is released one epoch, then seven; a booking of the missed day after its grace period."""
    from ape import accounts, chain, project

    from computerwa.client.attestation import PerformanceReport, sign_report
    from computerwa.client.signing import Domain, sign
    from computerwa.client.vouchers import booking_authorization

    admin, relayer, operator, customer = list(accounts.test_accounts)[:4]
    signer = Account.from_key(keccak(b"bench rentals signer"))
    suite, attestors = _committee_suite(admin, operator, upto="settlement")
    registry, rentals, settlement, stable, oracle = (
        suite.registry,
        suite.rentals,
        suite.settlement,
        suite.stablecoin,
        suite.oracle,
    )
    registry.register_node("asia-southeast", "H100-SXM", 8, 2_500, 3_000, 9_900, "ipfs://bench", sender=operator)
    registry.set_rental(1, 511, 2 * DOLLAR, 2_000, 2, sender=operator)
    stable.mint(customer, 10**6 * DOLLAR, sender=admin)
    stable.mint(signer.address, 10**4 * DOLLAR, sender=admin)
    stable.approve(settlement, 2**256 - 1, sender=customer)
    settlement.deposit(10**6 * DOLLAR, sender=customer)
    day = (rentals.current_hour() // 24) + 2  # the first day measured: hours 24 day ..
    gas = {"rentals_open_day": _gas(lambda: rentals.open_days(1, day, 1, sender=operator))}
    rentals.open_days(1, day + 1, 20, sender=operator)
    first = day * 24
    rentals.book(1, 1, first, 1, 1, sender=customer)  # the booking counter's first write
    gas["rentals_book_1h"] = _gas(lambda: rentals.book(1, 2, first + 1, 1, 1, sender=customer))
    gas["rentals_book_24h"] = _gas(lambda: rentals.book(1, 3, first + 12, 24, 1, sender=customer))
    gas["rentals_book_168h"] = _gas(lambda: rentals.book(1, 4, first + 60, 168, 1, sender=customer))
    gas["rentals_book_new_day"] = _gas(lambda: rentals.book(1, 1, (day + 30) * 24, 1, 1, sender=customer))
    amount = rentals.rent(1, 1, 1)
    salt = b"\x5a" * 32

    def sign_at(deadline: int):
        document = booking_authorization(
            Domain.of(stable), signer.address, settlement.address, amount, 1, 1, first + 2, 1, 1, salt, 0, deadline
        )
        return sign(signer, document)

    deadline, signature = ground(sign_at, lambda s: [s.r, s.s])
    gas["rentals_book_with_authorization"] = _gas(
        lambda: rentals.book_with_authorization(
            signer.address, 1, 1, first + 2, 1, 1, amount, 0, deadline, salt, *signature.vrs, sender=relayer
        )
    )
    for k in range(100):
        rentals.book(1, 1, first + 3 + k % 20, 1, 1, sender=customer)
    gas["rentals_book_after_100"] = _gas(lambda: rentals.book(1, 1, first + 23, 1, 1, sender=customer))
    gas["rentals_cancel"] = _gas(lambda: rentals.cancel(3, sender=customer))  # the 24-hour booking
    week = 4  # the 168-hour booking: 12 hours of day + 2, six days, 12 hours of day + 9
    for epoch in range(day, day + 10):
        _travel(max(chain.blocks.head.timestamp + 1, suite.genesis + (epoch + 1) * DAY + 3_600))
        if epoch != day:  # the first day is missed
            report = PerformanceReport(1, epoch, 9_500, 7_312, 41, 512_345, 1_234_567, FAR)
            oracle.submit(report.as_tuple(), sign_report(Domain.of(oracle), report, attestors[:3]), sender=relayer)
    _travel(chain.blocks.head.timestamp + DAY)  # every grace period is over
    rentals.release(3, 0, sender=relayer)  # the cancellation fee: the node's first payment (its payee cached)
    # the node token's part of the release: the same deposit_revenue into it in the same state, sent by
    # the relayer (approved like Settlement), less the transaction's 21,000 base and calldata, plus the
    # cold call Settlement makes to the token (the transaction's target is warm)
    token = project.ComputeToken.at(registry.payee(1)[0])
    paid = 4 * 2 * DOLLAR * 12 * 9_500 // 10_000  # the week's first epoch: 12 hours of 4 units at 95%
    holders = paid - paid * 250 // 10_000 - paid * 3_000 // 10_000
    stable.mint(relayer, holders, sender=admin)
    stable.approve(token, 2**256 - 1, sender=relayer)
    before = chain.snapshot()
    deposit = _gas(lambda: token.deposit_revenue(holders, sender=relayer))
    chain.restore(before)
    calldata = 4 * 16 + sum(16 if byte else 4 for byte in holders.to_bytes(32, "big"))
    gas["rentals_release_1"] = _gas(lambda: rentals.release(week, 1, sender=relayer))
    gas["rentals_release_1_without_token"] = gas["rentals_release_1"] - (deposit - 21_000 - calldata + 2_600)
    gas["rentals_release_per_epoch"] = (
        _gas(lambda: rentals.release(week, 8, sender=relayer)) - gas["rentals_release_1"]
    ) // 6  # its 7 other epochs; the first of them is the measured one's equal
    gas["rentals_release_missed"] = _gas(lambda: rentals.release(2, 1, sender=relayer))  # an hour of day
    registry.set_status(1, 3, sender=operator)
    gas["rentals_halt"] = _gas(lambda: rentals.halt(5, sender=relayer))  # the booking of day + 30
    return gas


# --- RevenueFeed ---------------------------------------------------------------------------------
def feed_gas() -> dict[str, int]:
    """A registry's node (daily epochs, genesis 40 days back, a 3-of-5 committee) with two
    holders, revenue deposited and a report at the SLA accepted for each of 30 epochs; its feed
    published through a RevenueFeedFactory. The views are priced as transactions (receipt
    gasUsed, the 21,000 base included): what a lender's contract pays to read them, plus its
    own call's overhead."""
    from ape import accounts, chain, project

    from computerwa.client.attestation import PerformanceReport, sign_report
    from computerwa.client.signing import Domain

    admin, relayer, operator, holder = list(accounts.test_accounts)[:4]
    suite, attestors = _committee_suite(admin, operator)
    genesis, registry, oracle, stable = suite.genesis, suite.registry, suite.oracle, suite.stablecoin
    registry.register_node("asia-southeast", "H100-SXM", 8, 2_500, 3_000, 9_900, "ipfs://bench", sender=operator)
    token = project.ComputeToken.at(registry.node(1)[1])
    for account in (holder, admin):
        suite.identity.set_verified(account, 2**40, sender=admin)
    token.mint(holder, 10**21 + 1, sender=admin)
    token.mint(admin, 3 * 10**21 + 5, sender=admin)
    blueprint = ApeDeployer(project, chain).deploy_blueprint("RevenueFeed", sender=admin)
    factory = project.RevenueFeedFactory.deploy(blueprint, suite.factory, registry, oracle, sender=admin)
    gas = {"feed_create": _gas(lambda: factory.create_feed(token, sender=relayer))}
    feed = project.RevenueFeed.at(factory.feed_of(token))
    stable.mint(admin, 10**12, sender=admin)
    stable.approve(token, 2**256 - 1, sender=admin)
    start = token.current_epoch()
    for epoch in range(start, start + 31):
        _travel(max(chain.blocks.head.timestamp + 1, genesis + epoch * DAY + 3_600))
        token.deposit_revenue(1_000 * DOLLAR + epoch, sender=admin)
        if epoch > start:  # the epoch before, ended: its report
            signed = PerformanceReport(1, epoch - 1, 9_950, 7_312, 41, 512_345, 1_234_567, FAR)
            oracle.submit(signed.as_tuple(), sign_report(Domain.of(oracle), signed, attestors[:3]), sender=relayer)
    # sent as transactions: a receipt's gasUsed, as every row, where an estimate of a call
    # depends on the node (the 63/64 rule pads estimates of calls that call out)
    gas["feed_latest_round"] = _gas(lambda: feed.latestRoundData.transact(sender=relayer))
    gas["feed_trailing_30"] = _gas(lambda: feed.trailing.transact(30, sender=relayer))
    return gas


# --- everything ----------------------------------------------------------------------------------
def compose(
    token: dict[str, int],
    oracle: dict[str, Any],
    settlement: dict[str, Any],
    registry: dict[str, int] | None = None,
    basket: dict[str, int] | None = None,
    offering: dict[str, int] | None = None,
    feed: dict[str, int] | None = None,
    rentals: dict[str, int] | None = None,
) -> dict[str, int]:
    """Every headline figure, the oracle's steady report by signature count and the settle
    batches, flat: what the snapshot holds (the holder rounds are added by `ape run bench`)."""
    gas = dict(token)
    gas.update({k: v for k, v in oracle.items() if k != "by_signatures"})
    gas.update({f"oracle_{row['signatures']}_signatures": row["steady"] for row in oracle["by_signatures"]})
    gas.update({k: v for k, v in settlement.items() if k != "batches"})
    gas.update({f"settle_batch_{size}": total for size, total in settlement["batches"].items()})
    gas.update(registry or {})
    gas.update(basket or {})
    gas.update(offering or {})
    gas.update(feed or {})
    gas.update(rentals or {})
    return gas


def headline() -> dict[str, int]:
    """`compose` of a fresh token, oracle, settlement and registry scenario, without the holder
    rounds: what the snapshot test checks (~20 s on Ape's embedded provider)."""
    return compose(
        token_gas()[0],
        oracle_gas(),
        settlement_gas(),
        registry_gas(),
        basket_gas(),
        offering_gas(),
        feed_gas(),
        rentals_gas(),
    )


def holder_key(operation: str, holders: int) -> str:
    return f"{operation}_{holders}_holders"


def load_snapshot(path: Path = SNAPSHOT) -> dict[str, int]:
    return json.loads(path.read_text())["gas"]


def write_snapshot(gas: dict[str, int], provider: str, path: Path = SNAPSHOT) -> None:
    document = {
        "about": (
            "Receipt gasUsed of each benchmarked operation (computerwa/tooling/bench.py). "
            "tests/test_gas_snapshot.py fails when an operation costs more. "
            "Update deliberately with `ape run bench --update-snapshot`."
        ),
        "measured_on": provider,
        "gas": dict(sorted(gas.items())),
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


# Rows whose calldata carries the address of a contract the benchmark deployed (a basket's
# component, a feed's token): where it lands depends on the deployer's nonce, so on the chain's
# history (Anvil in `make test` has run other tests first), and each zero byte of it is 12 gas
# cheaper than a non-zero one (EIP-2028). Up to three zero bytes per address are noise, not a
# regression (CI measured create_basket_1 12 gas above the embedded chain's figure).
ADDRESS_NOISE = {"create_basket_1": 36, "create_basket_per_component": 36, "feed_create": 36}


def over_snapshot(gas: dict[str, int], snapshot: dict[str, int]) -> dict[str, tuple[int, int]]:
    """{key: (measured, snapshot)} for every figure dearer than its snapshot (beyond the
    address noise of `ADDRESS_NOISE`'s rows)."""
    return {k: (v, snapshot[k]) for k, v in gas.items() if k in snapshot and v > snapshot[k] + ADDRESS_NOISE.get(k, 0)}


# --- engines: transactions per second of one transfer loop ----------------------------------------
def chain_transfer_rate(chain: Any, transfers: int) -> float:
    """`MockStablecoin.transfer(receiver, 1)` (snekmate's ERC-20 underneath), decoded, on a
    `computerwa.evm.chain` engine (RevmChain or ApeChain)."""
    holder, receiver = chain.accounts[0], chain.accounts[1]
    token = chain.deploy("MockStablecoin", "Bench USD", "bUSD", sender=holder)
    token.mint(holder, 10**18, sender=holder)
    started = time.perf_counter()
    for _ in range(transfers):
        receipt = token.transfer(receiver, 1, sender=holder)
    elapsed = time.perf_counter() - started
    assert receipt.events[0].name == "Transfer"
    assert token.balanceOf(receiver) == transfers, "every transfer must have landed"
    return transfers / elapsed


def native_ape_transfer_rate(transfers: int) -> float:
    """The same loop with Ape's own contract objects."""
    from ape import accounts, project

    holder, receiver = accounts.test_accounts[0], accounts.test_accounts[1]
    token = project.MockStablecoin.deploy("Bench USD", "bUSD", sender=holder)
    token.mint(holder, 10**18, sender=holder)
    started = time.perf_counter()
    for _ in range(transfers):
        receipt = token.transfer(receiver, 1, sender=holder)
        _ = receipt.events
    elapsed = time.perf_counter() - started
    assert token.balanceOf(receiver) == transfers, "every transfer must have landed"
    return transfers / elapsed


def engine_rates(provider_name: str, engine_transfers: int, ape_transfers: int) -> list[dict[str, Any]]:
    from computerwa.evm.ape_chain import ApeChain
    from computerwa.evm.engine import RevmChain

    return [
        {
            "engine": "in-process engine (pyrevm, RevmChain)",
            "transfers": engine_transfers,
            "tx_per_s": chain_transfer_rate(RevmChain(), engine_transfers),
        },
        {
            "engine": f"Ape {provider_name} provider via ApeChain",
            "transfers": ape_transfers,
            "tx_per_s": chain_transfer_rate(ApeChain(), ape_transfers),
        },
        {
            "engine": f"Ape {provider_name} provider, native calls",
            "transfers": ape_transfers,
            "tx_per_s": native_ape_transfer_rate(ape_transfers),
        },
    ]


# --- the command (`ape run bench`, `make bench`) --------------------------------------------------
WIDTH = 70


def _verdict(gas: int, target: int | None) -> str:
    return "" if target is None else ("ok" if gas <= target else "OVER")


def _delta(gas: int, snapshot: dict[str, int], key: str) -> str:
    if key not in snapshot:
        return "new"
    change = gas - snapshot[key]
    return "=" if change == 0 else f"{change:+,}"


def main(
    where: str,
    provider_name: str,
    points: tuple[int, ...],
    engine_transfers: int,
    ape_transfers: int,
    update_snapshot: bool,
    out: Path,
    echo: Callable[[str], Any] = print,
) -> int:
    """Measures everything on the connected chain, prints the tables with `echo`, writes the
    reports (and the snapshot with `update_snapshot`); 1 when a figure is over the snapshot."""
    started = time.perf_counter()
    echo(f"measuring on {where}: ComputeToken ...")
    # the headline scenarios in `headline()`'s order, so every contract lands at the address (and
    # every call has the calldata) the snapshot test meets; the holder rounds come last
    token, _, code_size = token_gas()
    echo("AttestationOracle ...")
    oracle = oracle_gas()
    echo("Settlement ...")
    settlement = settlement_gas()
    echo("NodeRegistry ...")
    registry = registry_gas()
    echo("ComputeBasket ...")
    basket = basket_gas()
    echo("NodeOffering ...")
    offering = offering_gas()
    echo("RevenueFeed ...")
    feed = feed_gas()
    echo("NodeRentals ...")
    rentals = rentals_gas()
    gas = compose(token, oracle, settlement, registry, basket, offering, feed, rentals)
    echo(f"ComputeToken with +{', +'.join(f'{n:,}' for n in points)} holders ...")
    _, by_holders, _ = token_gas(points)
    for count, figures in list(by_holders.items())[1:]:  # the first is the headline round
        gas.update({holder_key(op, count): figures[op] for op in SCALING_OPERATIONS})
    echo("engines ...")
    engines = engine_rates(provider_name, engine_transfers, ape_transfers)

    snapshot = load_snapshot() if SNAPSHOT.exists() else {}

    # --- headline ------------------------------------------------------------------------
    floor = 21_000 + 32_000 + 200 * code_size
    anchors = {"create_token": f"floor {floor:,} = 21,000 + 32,000 + 200 x {code_size:,} B of code"}
    echo(f"\nreceipt gasUsed on {where} (Prague, cold storage, a fresh transaction)")
    header = f"{'operation':<{WIDTH}} {'gas':>9} {'target':>8}  {'':4} {'snapshot':>8}  anchor"
    echo(header)
    echo("-" * len(header))
    headline = []
    for row in ROWS:
        figure = gas[row.key]
        target = "-" if row.target is None else f"{row.target:,}"
        verdict = _verdict(figure, row.target)
        anchor = anchors.get(row.key, row.anchor)
        delta = _delta(figure, snapshot, row.key)
        echo(f"{row.label:<{WIDTH}} {figure:>9,} {target:>8}  {verdict:4} {delta:>8}  {anchor}")
        headline.append(
            {
                "operation": row.key,
                "label": row.label.strip(),
                "gas": figure,
                "target": row.target,
                "met": None if row.target is None else figure <= row.target,
                "anchor": anchor,
                "snapshot": snapshot.get(row.key),
            }
        )

    # --- scaling ---------------------------------------------------------------------------
    counts = sorted(by_holders)
    echo("\nComputeToken gas by number of holders (flat: no operation reads or writes per holder)")
    labels = [f"{counts[0]:,} holders"] + [f"+{n - counts[0]:,}: {n:,}" for n in counts[1:]]
    header = f"{'operation':<22}" + "".join(f"{label:>15}" for label in labels)
    echo(header)
    echo("-" * len(header))
    for op in SCALING_OPERATIONS:
        echo(f"{op:<22}" + "".join(f"{by_holders[n][op]:>15,}" for n in counts))
    batches = settlement["batches"]
    echo("\nSettlement.settle by batch size (vouchers spread over 5 nodes)")
    header = f"{'vouchers':>8} {'gas':>11} {'per voucher':>12}"
    echo(header)
    echo("-" * len(header))
    for size, total in batches.items():
        echo(f"{size:>8} {total:>11,} {total / size:>12,.0f}")
    echo("\nAttestationOracle.submit by signatures (32-attestor committee)")
    header = f"{'signatures':>10} {'next report':>12} {'first report':>13}"
    echo(header)
    echo("-" * len(header))
    for row in oracle["by_signatures"]:
        echo(f"{row['signatures']:>10} {row['steady']:>12,} {row['first']:>13,}")

    # --- engines ---------------------------------------------------------------------------
    echo("\nthe same decoded MockStablecoin.transfer loop on each engine")
    width = max(len(r["engine"]) for r in engines)
    header = f"{'engine':<{width}}  {'transfers':>9}  {'tx/s':>9}"
    echo(header)
    echo("-" * len(header))
    for r in engines:
        echo(f"{r['engine']:<{width}}  {r['transfers']:>9,}  {r['tx_per_s']:>9,.0f}")
    echo(f"engine / Ape speed-up: {engines[0]['tx_per_s'] / engines[2]['tx_per_s']:,.0f}x")

    # --- snapshot and reports -------------------------------------------------------------------
    elapsed = time.perf_counter() - started
    over = over_snapshot(gas, snapshot)
    missing = sorted(k for k in gas if k not in snapshot)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "provider": where,
        "headline": headline,
        "scaling": {
            "holders": {str(n): by_holders[n] for n in counts},
            "settle_batches": {str(n): {"gas": g, "per_voucher": round(g / n)} for n, g in batches.items()},
            "oracle_signatures": oracle["by_signatures"],
        },
        "engines": [{**r, "tx_per_s": round(r["tx_per_s"], 1)} for r in engines],
        "gas": gas,
        "over_snapshot": {k: {"gas": g, "snapshot": s} for k, (g, s) in over.items()},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "seconds": round(elapsed, 1),
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    # the figures `ape run scale` (computerwa/sim/scale.py) reads
    (out.parent / "bench-gas-oracle.json").write_text(
        json.dumps({"three_signatures": gas["oracle_3"], "rows": oracle["by_signatures"]}, indent=2) + "\n"
    )
    (out.parent / "bench-gas-settlement.json").write_text(
        json.dumps(
            {
                "gas": {k: v for k, v in settlement.items() if k != "batches"},
                "per_voucher": {str(n): round(g / n) for n, g in batches.items()},
            },
            indent=2,
        )
        + "\n"
    )
    echo(f"\nwrote {out} ({elapsed:.0f} s)")

    if update_snapshot:
        write_snapshot(gas, where)
        echo(f"wrote {SNAPSHOT.name}: {len(gas)} figures")
        return 0
    if not snapshot:
        echo(f"no {SNAPSHOT.name} yet: `ape run bench --update-snapshot` writes it")
        return 0
    cheaper = sorted(k for k in gas if k in snapshot and gas[k] < snapshot[k])
    if missing:
        echo(f"not in the snapshot: {', '.join(missing)}")
    if cheaper:
        echo(f"cheaper than the snapshot (update it with --update-snapshot): {', '.join(cheaper)}")
    if over:
        for key, (figure, snap) in over.items():
            echo(f"OVER SNAPSHOT {key}: {figure:,} > {snap:,}")
        return 1
    echo(f"every figure within {SNAPSHOT.name}")
    return 0
