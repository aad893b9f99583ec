"""The exact model of NodeRegistry's money (contracts/NodeRegistry.vy): what a slash takes
from a bond, and the bond book of each node (bond at risk, the pending withdrawal request,
missed epochs and the judged cursor), what the registry owes and what `skim` sends; and who
may list a node where (`Listings`: verified operators, at most 16 nodes of one operator per
region, 1,024 per region). The registry suite, the settlement and registry state
machines and the fleet simulation all predict slashes with it.

Time is the deployment's one clock: `epoch(t) = (t - genesis) // epoch_length`. Everything
is integers; a method that the contract would refuse raises `RegistryError` with the
contract's revert reason, before changing anything. Who calls (the operator check, an
unknown node id) and what the stablecoin does (pause, blacklist) are the caller's to
predict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_BPS = 10_000
MAX_JUDGED_PER_CALL = 512
MAX_NODES_PER_REGION = 1_024
# NodeRegistry lists at most this many nodes of one operator in one region
MAX_NODES_PER_OPERATOR_IN_REGION = 16

# revert reasons of contracts/NodeRegistry.vy that this model predicts
NOTHING_TO_WITHDRAW = "registry: nothing to withdraw"
ABOVE_THE_BOND = "registry: amount above the bond"
NO_WITHDRAWAL = "registry: no withdrawal requested"
NOT_AVAILABLE_YET = "registry: withdrawal not available yet"
REQUEST_EXPIRED = "registry: withdrawal request expired"
NOT_JUDGED = "registry: an epoch up to the request is not judged yet"
ALREADY_SLASHED = "registry: epoch already slashed"
NO_REPORT = "registry: no report for that epoch"
REPORT_DUE = "registry: report still due for that epoch"
SLA_MET = "registry: uptime met the SLA"
NO_BOND_TO_SLASH = "registry: no bond to slash"
NOTHING_TO_SKIM = "registry: nothing to skim"
NOT_VERIFIED = "registry: operator is not verified"
OPERATOR_REGION_FULL = "registry: operator has 16 nodes in the region"
REGION_FULL = "registry: region is full"
NOT_OWNER = "ownable: caller is not the owner"
AGENT_ZERO = "registry: token agent is the zero address"
MINTER_ZERO = "registry: token minter is the zero address"
ZERO_ADDRESS = "0x" + "00" * 20


def slash_amount(bond: int, slash_bps: int) -> int:
    """What `slash(node_id, epoch)` moves from a `bond` into the node's revenue stream:
    `SLASH_BPS` of it, rounded up (the holders get the remainder, never the operator whose
    node missed its SLA)."""
    if not 0 < slash_bps <= MAX_BPS:
        raise ValueError(f"slash share {slash_bps} bps is out of range (1..{MAX_BPS})")
    return -(-bond * slash_bps // MAX_BPS)


class RegistryError(Exception):
    """The registry would revert with `reason`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Listings:
    """Who has nodes listed where: `register_node`'s own refusals (after its argument checks),
    in the contract's order. Regions are matched by their exact bytes."""

    per_region: dict[str, int] = field(default_factory=dict)
    per_operator: dict[tuple[str, str], int] = field(default_factory=dict)  # (operator, region) -> nodes

    def register(self, operator: str, region: str, verified: bool) -> None:
        """A registration by `operator` in `region`; raises the contract's reason, changing nothing."""
        if not verified:
            raise RegistryError(NOT_VERIFIED)
        if self.per_operator.get((operator, region), 0) >= MAX_NODES_PER_OPERATOR_IN_REGION:
            raise RegistryError(OPERATOR_REGION_FULL)
        if self.per_region.get(region, 0) >= MAX_NODES_PER_REGION:
            raise RegistryError(REGION_FULL)
        self.per_operator[(operator, region)] = self.per_operator.get((operator, region), 0) + 1
        self.per_region[region] = self.per_region.get(region, 0) + 1

    def of(self, operator: str, region: str) -> int:
        """`operator_nodes_in_region(operator, region)`."""
        return self.per_operator.get((operator, region), 0)


@dataclass
class TokenRoles:
    """The roles the registry gives each token it creates (issue #15 item 12): its owner as
    admin, and `token_agent` / `token_minter`, each the owner while unset (None)."""

    owner: str
    agent: str | None = None
    minter: str | None = None

    def set(self, caller: str, role: str, account: str) -> None:
        """`set_token_agent` (role "agent") or `set_token_minter` ("minter") by `caller`; raises
        the contract's reason, changing nothing."""
        if caller != self.owner:
            raise RegistryError(NOT_OWNER)
        if account == ZERO_ADDRESS:
            raise RegistryError(AGENT_ZERO if role == "agent" else MINTER_ZERO)
        setattr(self, role, account)

    def of_new_token(self) -> tuple[str, str, str]:
        """(admin, agent, minter) of a token registered now."""
        return self.owner, self.agent or self.owner, self.minter or self.owner


@dataclass
class Slash:
    """What one slash did: `amount` left the node (`from_request` of it out of the pending
    request, the rest out of the bond at risk) into its token's revenue stream."""

    epoch: int
    amount: int
    from_request: int
    missed: bool


@dataclass
class NodeBond:
    """One node's bond book, as the registry stores it."""

    sla_uptime_bps: int
    judged: int  # the cursor: every epoch below it is judged; at first the node's first epoch
    held: int = 0  # bond at risk + the latest request's amount while it is pending
    requested: int = 0  # the latest request's amount, what slashes left of it (0: none)
    available_at: int = 0
    request_epoch: int = 0
    slashed: set[int] = field(default_factory=set)


@dataclass
class BondModel:
    """Every node's bond book and the oracle's reports, for one NodeRegistry deployment."""

    genesis: int
    epoch_length: int
    bond_delay: int
    slash_bps: int
    window: int  # BOND_WITHDRAWAL_WINDOW
    grace: int  # GRACE_PERIOD
    nodes: dict[int, NodeBond] = field(default_factory=dict)
    reports: dict[tuple[int, int], int] = field(default_factory=dict)  # (node, epoch) -> uptime bps

    # --- the clock ---------------------------------------------------------------------------
    def epoch(self, now: int) -> int:
        return (now - self.genesis) // self.epoch_length

    def epoch_end(self, epoch: int) -> int:
        return self.genesis + (epoch + 1) * self.epoch_length

    # --- what the registry shows -----------------------------------------------------------------
    def register(self, node_id: int, sla_uptime_bps: int, now: int) -> NodeBond:
        """A node registered at `now`: judged from the next epoch on."""
        book = self.nodes[node_id] = NodeBond(sla_uptime_bps, self.epoch(now) + 1)
        return book

    def pending(self, node_id: int, now: int) -> tuple[int, int, int, int]:
        """`bond_withdrawal(node_id)`: (amount, available_at, expires_at, epoch), zeros when
        no request is pending (none made, paid, slashed to nothing, or expired)."""
        book = self.nodes[node_id]
        if book.requested == 0 or now >= book.available_at + self.window:
            return (0, 0, 0, 0)
        return (book.requested, book.available_at, book.available_at + self.window, book.request_epoch)

    def at_risk(self, node_id: int, now: int) -> int:
        """`node(node_id).bond`: what the node holds less its pending request."""
        return self.nodes[node_id].held - self.pending(node_id, now)[0]

    def judged_until(self, node_id: int) -> int:
        return self.nodes[node_id].judged

    def owed(self) -> int:
        """`bonds_held()`: what the registry owes, every node's bond at risk plus its pending
        request (an expired request is bond at risk again: still owed)."""
        return sum(book.held for book in self.nodes.values())

    def skim(self, balance: int) -> int:
        """What `skim()` sends to the treasury when the registry holds `balance`: the excess
        over what it owes, never a unit of it."""
        owed = self.owed()
        if balance <= owed:
            raise RegistryError(NOTHING_TO_SKIM)
        return balance - owed

    def record_report(self, node_id: int, epoch: int, uptime_bps: int) -> None:
        """The oracle accepted a report (the model does not check the oracle's own rules)."""
        self.reports[(node_id, epoch)] = uptime_bps

    def uptime(self, node_id: int, epoch: int, now: int) -> int | None:
        """The uptime an ended epoch is judged by: its report's, 0 when missed (no report
        `grace` after its end), None while its report is still due or it has not ended."""
        if (node_id, epoch) in self.reports:
            return self.reports[(node_id, epoch)]
        return 0 if now >= self.epoch_end(epoch) + self.grace else None

    def judged(self, node_id: int, epoch: int, now: int) -> bool:
        """Whether the cursor may pass `epoch`: ended, and its report (or, missed, uptime 0)
        at or above the SLA, or slashed."""
        book = self.nodes[node_id]
        if now < self.epoch_end(epoch):
            return False
        uptime = self.uptime(node_id, epoch, now)
        return uptime is not None and (uptime >= book.sla_uptime_bps or epoch in book.slashed)

    # --- what changes it -----------------------------------------------------------------------
    def post(self, node_id: int, credited: int) -> None:
        self.nodes[node_id].held += credited

    def request(self, node_id: int, amount: int, now: int) -> None:
        book = self.nodes[node_id]
        if amount == 0:
            raise RegistryError(NOTHING_TO_WITHDRAW)
        if amount > book.held:
            raise RegistryError(ABOVE_THE_BOND)
        book.requested, book.available_at, book.request_epoch = amount, now + self.bond_delay, self.epoch(now)

    def judge(self, node_id: int, now: int, steps: int, until: int | None = None) -> int:
        """Walks the cursor as `judge` / `withdraw_bond` do; returns it."""
        start = cursor = self.judged_until(node_id)
        for _ in range(min(steps, MAX_JUDGED_PER_CALL)):
            if (until is not None and cursor > until) or not self.judged(node_id, cursor, now):
                break
            cursor += 1
        if cursor != start:
            self.nodes[node_id].judged = cursor
        return cursor

    def withdraw(self, node_id: int, now: int) -> int:
        """Pays the pending request; returns the amount. Walks the cursor first, as the
        contract does (a refused withdrawal keeps nothing of its walk)."""
        book = self.nodes[node_id]
        if book.requested == 0:
            raise RegistryError(NO_WITHDRAWAL)
        if now < book.available_at:
            raise RegistryError(NOT_AVAILABLE_YET)
        if now >= book.available_at + self.window:
            raise RegistryError(REQUEST_EXPIRED)
        stored = book.judged
        if self.judge(node_id, now, MAX_JUDGED_PER_CALL, book.request_epoch) <= book.request_epoch:
            book.judged = stored
            raise RegistryError(NOT_JUDGED)
        amount = book.requested
        book.held -= amount
        book.requested = book.available_at = book.request_epoch = 0
        return amount

    def slash(self, node_id: int, epoch: int, now: int) -> Slash:
        """What `slash(node_id, epoch)` moves; applies it."""
        book = self.nodes[node_id]
        if epoch in book.slashed:
            raise RegistryError(ALREADY_SLASHED)
        missed = (node_id, epoch) not in self.reports
        if missed:
            if epoch < book.judged:  # judged already, or before the node's first epoch
                raise RegistryError(NO_REPORT)
            if now < self.epoch_end(epoch) + self.grace:
                raise RegistryError(REPORT_DUE)
        if (0 if missed else self.reports[(node_id, epoch)]) >= book.sla_uptime_bps:
            raise RegistryError(SLA_MET)
        requested, _, _, request_epoch = self.pending(node_id, now)
        covered = requested if requested and epoch <= request_epoch else 0
        amount = slash_amount(book.held - requested + covered, self.slash_bps)
        if amount == 0:
            raise RegistryError(NO_BOND_TO_SLASH)
        from_request = slash_amount(covered, self.slash_bps)
        book.slashed.add(epoch)
        book.requested -= from_request
        book.held -= amount
        return Slash(epoch, amount, from_request, missed)
