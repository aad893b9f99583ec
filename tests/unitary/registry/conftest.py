"""What the NodeRegistry unit tests share on top of tests/conftest.py.

Every test runs with the operator roles verified in the identity registry (`verified_operators`:
only verified operators register); the attacker and the relayer are not verified.

The suite's `registry` (bond delay 3 epochs, a slash takes 20%) over the mock dollar, the
suite's factory and the 3-of-5 `suite_oracle`. `node` is node 1, registered by the
operator with an SLA of 99.00%; `bonded` is that node with `BOND` posted by the operator.
Slashes need an accepted report: `report_uptime(node_id, epoch, uptime_bps)` gets one
signed by three of the suite's attestors (the ended epochs 0..PAST_EPOCHS - 1 are reportable,
each once per node, in any order).
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain
from tests.conftest import ATTESTOR_THRESHOLD, EPOCH_LENGTH, NODE_REGION, ONE_DOLLAR, PAST_EPOCHS, with_defaults

ZERO = "0x" + "00" * 20
MAX_BPS = 10_000
MAX_OPERATOR_SHARE_BPS = 9_000
MAX_NODES_PER_REGION = 1_024
ACTIVE, PAUSED, RETIRED = 1, 2, 3

GPU_MODEL = "H100-SXM"
GPU_COUNT = 8
PRICE = 25_000  # $0.025 per unit of work
OPERATOR_SHARE_BPS = 3_000
SLA_BPS = 9_900
METADATA_URI = "ipfs://bafy-computerwa-node-pack"
BOND = 500 * ONE_DOLLAR
# `node` registers during epoch PAST_EPOCHS: its first judged epoch is the next, the first whole one
FIRST_EPOCH = PAST_EPOCHS + 1

# revert reasons of contracts/NodeRegistry.vy, and the snekmate ownership ones it exports
FACTORY_NO_CODE = "registry: factory has no code"
STABLECOIN_NO_CODE = "registry: stablecoin has no code"
ORACLE_NO_CODE = "registry: oracle has no code"
SLASH_SHARE_OUT_OF_RANGE = "registry: slash share out of range"
REGION_EMPTY = "registry: region is empty"
GPU_COUNT_ZERO = "registry: gpu count is zero"
SHARE_ABOVE_90 = "registry: operator share above 90%"
SLA_ABOVE_100 = "registry: SLA above 100%"
REGION_FULL = "registry: region is full"
UNKNOWN_NODE = "registry: unknown node"
NOT_OPERATOR = "registry: caller is not the operator"
UNKNOWN_STATUS = "registry: unknown status"
RETIRED_NODE = "registry: node is retired"
NOTHING_TO_BOND = "registry: nothing to bond"
TRANSFER_FAILED = "registry: transfer failed"
NOTHING_TO_WITHDRAW = "registry: nothing to withdraw"
ABOVE_THE_BOND = "registry: amount above the bond"
NO_WITHDRAWAL = "registry: no withdrawal requested"
NOT_AVAILABLE_YET = "registry: withdrawal not available yet"
ALREADY_SLASHED = "registry: epoch already slashed"
NO_REPORT = "registry: no report for that epoch"
SLA_MET = "registry: uptime met the SLA"
APPROVE_FAILED = "registry: approve failed"
NO_BOND_TO_SLASH = "registry: no bond to slash"
REPORT_DUE = "registry: report still due for that epoch"
REQUEST_EXPIRED = "registry: withdrawal request expired"
NOT_JUDGED = "registry: an epoch up to the request is not judged yet"
WINDOW_OUT_OF_RANGE = "registry: withdrawal window out of range"
GRACE_OUT_OF_RANGE = "registry: grace period out of range"
NOT_OWNER = "ownable: caller is not the owner"
NOT_NEW_OWNER = "ownable_2step: caller is not the new owner"
NOT_CREATOR = "factory: caller is not a creator"


NOT_VERIFIED = "registry: operator is not verified"
OPERATOR_REGION_FULL = "registry: operator has 16 nodes in the region"
NOTHING_TO_SKIM = "registry: nothing to skim"
TREASURY_ZERO = "registry: treasury is the zero address"
AGENT_ZERO = "registry: token agent is the zero address"
MINTER_ZERO = "registry: token minter is the zero address"
MAX_NODES_PER_OPERATOR_IN_REGION = 16


@pytest.fixture(autouse=True)
def _operators_verified(verified_operators):
    """Only verified operators register nodes."""


class Node(NamedTuple):
    """`NodeRegistry.node(id)`, field for field (INodeRegistry.Node)."""

    operator: str
    token: str
    status: int
    region: str
    gpu_model: str
    gpu_count: int
    price_per_unit: int
    operator_share_bps: int
    sla_uptime_bps: int
    metadata_uri: str
    bond: int


EMPTY_NODE = Node(ZERO, ZERO, 0, "", "", 0, 0, 0, 0, "", 0)
NO_REQUEST = (0, 0, 0, 0)  # `bond_withdrawal(id)` when none is pending: (amount, available_at, expires_at, epoch)


def node_of(registry, node_id: int) -> Node:
    return Node(*registry.node(node_id))


@pytest.fixture(scope="session")
def node_args():
    """`node_args(**overrides)`: register_node's arguments, in order, with defaults."""

    def args(**overrides):
        values = {
            "region": NODE_REGION,
            "gpu_model": GPU_MODEL,
            "gpu_count": GPU_COUNT,
            "price_per_unit": PRICE,
            "operator_share_bps": OPERATOR_SHARE_BPS,
            "sla_uptime_bps": SLA_BPS,
            "metadata_uri": METADATA_URI,
        }
        return with_defaults("register_node", values, overrides)

    return args


@pytest.fixture
def register(registry, operator, node_args):
    """`register(sender=operator, **overrides)`: registers a node; returns the receipt."""

    def register(sender=operator, on=registry, **overrides):
        return on.register_node(*node_args(**overrides), sender=sender)

    return register


@pytest.fixture
def node(register):
    """Node 1, operated by the operator."""
    return register().return_value


@pytest.fixture
def node_token(backend, registry, node):
    return backend.at("ComputeToken", registry.node(node)[1])


@pytest.fixture
def post_bond(stablecoin):
    """`post_bond(registry, node_id, amount, sender)`: approves, then posts."""

    def post(registry, node_id, amount, sender):
        stablecoin.approve(registry, amount, sender=sender)
        return registry.post_bond(node_id, amount, sender=sender)

    return post


@pytest.fixture
def bonded(registry, node, operator, post_bond):
    """Node 1 with BOND posted by its operator."""
    post_bond(registry, node, BOND, operator)
    return node


@pytest.fixture
def report_uptime(backend, suite_oracle, suite_attestors, relayer):
    """`report_uptime(node_id, epoch, uptime_bps)`: an accepted report, signed by three
    attestors and relayed; returns the oracle's receipt."""
    domain = Domain.of(suite_oracle)

    def submit(node_id, epoch, uptime_bps, oracle=suite_oracle):
        report = PerformanceReport(
            node_id=node_id,
            epoch=epoch,
            uptime_bps=uptime_bps,
            utilization_bps=7_000,
            latency_ms_p50=40,
            energy_wh=480_000,
            work_units=1_000_000,
            deadline=backend.pending_timestamp + 3_600,
        )
        signatures = sign_report(domain, report, suite_attestors[:ATTESTOR_THRESHOLD])
        return oracle.submit(report.as_tuple(), signatures, sender=relayer)

    return submit


@pytest.fixture
def at_epoch(backend, suite_genesis):
    """`at_epoch(epoch, offset=0)`: the next block lands `offset` seconds into `epoch`;
    returns that timestamp."""

    def travel(epoch, offset=0):
        backend.pending_timestamp = suite_genesis + epoch * EPOCH_LENGTH + offset
        return backend.pending_timestamp

    return travel


@pytest.fixture
def mine_at(backend, stablecoin, relayer):
    """`mine_at(timestamp)`: mines a block at `timestamp` (a no-op approval), so views read then."""

    def mine(timestamp):
        backend.pending_timestamp = timestamp
        stablecoin.approve(relayer, 0, sender=relayer)

    return mine


@pytest.fixture
def epoch_end(suite_genesis):
    """`epoch_end(epoch)`: the first second after `epoch`."""
    return lambda epoch: suite_genesis + (epoch + 1) * EPOCH_LENGTH


@pytest.fixture
def report_through(report_uptime):
    """`report_through(node_id, first, last, uptime_bps=MAX_BPS)`: accepted reports for epochs
    `first..last`, in order (each must have ended)."""

    def submit(node_id, first, last, uptime_bps=MAX_BPS):
        for epoch in range(first, last + 1):
            report_uptime(node_id, epoch, uptime_bps)

    return submit


@pytest.fixture
def node_in(make_registry, operator, node_args):
    """`node_in(token, bond=0, **overrides)`: a new registry in `token` (`overrides` as for
    make_registry) with one node of the operator, who is minted BOND of `token`, approves it
    all to the registry and posts `bond` of it. Returns (registry, node_id)."""

    def make(token, bond=0, **overrides):
        registry = make_registry(token, **overrides)
        node = registry.register_node(*node_args(), sender=operator).return_value
        token.mint(operator, BOND, sender=operator)
        token.approve(registry, BOND, sender=operator)
        if bond:
            registry.post_bond(node, bond, sender=operator)
        return registry, node

    return make
