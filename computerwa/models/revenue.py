"""Exact reference model of the revenue stream of one ComputeToken (contracts/revenue_stream.vy).

Integers only, step for step what the contract does, so the property suite can compare
every on-chain number to the wei, and the simulation can predict payouts.

The rules (DESIGN.md, ComputeToken):
- revenue deposited during epoch `e` streams linearly over epoch `e + 1`; fixed epoch
  boundaries, so a dust deposit can neither stretch nor dilute a stream; an epoch is at
  least one second long (zero is refused: issue #15 item 9);
- releases are scaled by ACC_PRECISION: by second `s` of its epoch a stream of `a` base
  units has released `a * ACC_PRECISION * s // EPOCH_LENGTH` scaled units (issue #15 item
  13: every second's revenue goes to that second's balances); released revenue raises a
  revenue-per-share accumulator `acc`; the part a floor division leaves (`remainder`, in
  scaled units, < supply) is carried into the next release; of revenue released while the
  supply is 0 the whole units are queued again as if deposited at that moment, and the
  sub-unit rest and the last remainder are set aside as `dust` (owed, paid to nobody);
- `owed` is every base unit deposited or skimmed and not yet claimed; `skim` queues the
  stablecoin held beyond it and the whole units of `dust`;
- each account keeps `paid` (the accumulator at its last checkpoint) and `accrued`
  (scaled, exact); a claim pays `accrued // ACC_PRECISION` and keeps the sub-unit dust.
  (The contract keeps one debt `balance * acc - accrued` per account instead; the
  amounts are the same.)
- an update that releases nothing within the same epoch writes nothing, not even
  `last_update`, and a claim never writes the stream: neither changes any amount.

`IdealShares` is the independent check of REV-2: each holder's exact (Fraction)
balance-time share of everything released, including what a release carries in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

ACC_PRECISION = 10**36
MAX_SUPPLY = 2**116 - 1  # contracts/revenue_stream.vy
MAX_DEPOSITS = 2**96 - 1  # per epoch
EPOCH_RECORDS = 128  # revenue_stream.EPOCH_RECORDS: the epochs `epoch_revenue` remembers


@dataclass
class RevenueModel:
    genesis: int
    epoch_length: int
    last_update: int = 0
    acc: int = 0
    remainder: int = 0
    stream_amount: int = 0  # streams over epoch(last_update)
    queued_amount: int = 0  # deposited during epoch(last_update), streams over the next epoch
    dust: int = 0  # scaled: set aside by releases to nobody
    supply: int = 0
    balances: dict[str, int] = field(default_factory=dict)
    paid: dict[str, int] = field(default_factory=dict)
    accrued: dict[str, int] = field(default_factory=dict)  # scaled by ACC_PRECISION
    deposited: int = 0  # deposits and skims
    claimed: int = 0
    # REV-12: per epoch whose queue rolled over into a stream, (amount queued, supply then)
    epoch_records: dict[int, tuple[int, int]] = field(default_factory=dict)
    # called as on_release(released, carried_in, supply, balances) for every release to holders
    on_release: Callable[[int, int, int, dict[str, int]], None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.epoch_length <= 0:
            raise ValueError("revenue: epoch length is zero")
        if not self.last_update:
            self.last_update = self.genesis

    # --- time -----------------------------------------------------------------------------
    def epoch(self, t: int) -> int:
        return (t - self.genesis) // self.epoch_length

    def epoch_start(self, e: int) -> int:
        return self.genesis + e * self.epoch_length

    def _released_by(self, amount: int, e: int, t: int) -> int:
        """How much of `amount`, streaming over epoch `e`, has been released by time t, in base units."""
        return self._released_scaled(amount, e, t) // ACC_PRECISION

    def _released_scaled(self, amount: int, e: int, t: int) -> int:
        """The same, scaled by ACC_PRECISION: what the accumulator shares out."""
        elapsed = min(max(t - self.epoch_start(e), 0), self.epoch_length)
        return amount * ACC_PRECISION * elapsed // self.epoch_length

    # --- the accumulator ------------------------------------------------------------------
    def _advance(self, t: int) -> tuple[int, int, int, int, int, int]:
        """(acc, remainder, stream_amount, queued_amount, released, dust) after an update at
        t; `released` is scaled, `dust` what this update sets aside (scaled)."""
        acc, remainder, stream, queued = self.acc, self.remainder, self.stream_amount, self.queued_amount
        dust = 0
        e0, e = self.epoch(self.last_update), self.epoch(t)
        released = self._released_scaled(stream, e0, t) - self._released_scaled(stream, e0, self.last_update)
        if e > e0:
            # the stream of e0 is over; what was deposited during e0 streams over e0 + 1
            stream, queued = queued, 0
            released += self._released_scaled(stream, e0 + 1, t)
            if e > e0 + 1:
                stream = 0  # that one is over too
        if released:
            if self.supply == 0:
                # nobody to pay: whole units are deposited again, now; the rest is set aside
                queued += released // ACC_PRECISION
                dust = released % ACC_PRECISION + remainder
                remainder = 0
            else:
                scaled = released + remainder
                acc += scaled // self.supply
                remainder = scaled % self.supply
        return acc, remainder, stream, queued, released, dust

    def update(self, t: int) -> int:
        """Brings the stream to time t; returns what it released."""
        if t < self.last_update:
            raise ValueError("time runs forward")
        carried_in = self.remainder
        if self.epoch(t) == self.epoch(self.last_update) and not self._advance(t)[4]:
            # nothing released, same epoch: the contract writes nothing, not even the time
            # (what a stream releases depends only on its epoch, so nothing observable moves)
            return 0
        e0, rolled = self.epoch(self.last_update), self.queued_amount
        self.acc, self.remainder, self.stream_amount, self.queued_amount, released, dust = self._advance(t)
        if self.epoch(t) > e0 and rolled:
            self.epoch_records[e0] = (rolled, self.supply)
        self.dust += dust
        self.last_update = t
        if released and self.supply and self.on_release is not None:
            self.on_release(released, carried_in, self.supply, self.balances)
        return released

    def _pending(self, account: str, acc: int) -> int:
        return self.accrued.get(account, 0) + self.balances.get(account, 0) * (acc - self.paid.get(account, 0))

    def _checkpoint(self, account: str) -> None:
        self.accrued[account] = self._pending(account, self.acc)
        self.paid[account] = self.acc

    # --- what the contract exposes ----------------------------------------------------------
    def claimable(self, account: str, t: int) -> int:
        acc = self._advance(t)[0] if t >= self.last_update else self.acc
        return self._pending(account, acc) // ACC_PRECISION

    def streaming(self, t: int) -> int:
        """Revenue not yet released at t (the running stream's rest and the queue)."""
        _, _, stream, queued, _, _ = self._advance(t)
        left = stream - self._released_by(stream, self.epoch(t), t)
        return left + queued

    @property
    def owed(self) -> int:
        """Base units deposited or skimmed and not yet claimed: what the token must hold."""
        return self.deposited - self.claimed

    def dust_at(self, t: int) -> int:
        """The dust, scaled, with what an update at t would set aside."""
        return self.dust + (self._advance(t)[5] if t >= self.last_update else 0)

    def skimmable(self, t: int, balance: int) -> int:
        """What `skim` streams at t when the token holds `balance` of the stablecoin."""
        return max(balance - self.owed, 0) + self.dust_at(t) // ACC_PRECISION

    def deposit(self, t: int, amount: int) -> None:
        self.update(t)
        self.queued_amount += amount
        self.deposited += amount

    def skim(self, t: int, balance: int) -> int:
        """Queues the stray stablecoin and the dust's whole units; returns the amount."""
        self.update(t)
        stray = max(balance - self.owed, 0)
        recovered, self.dust = divmod(self.dust, ACC_PRECISION)
        self.queued_amount += stray + recovered
        self.deposited += stray
        return stray + recovered

    def move(self, t: int, sender: str | None, receiver: str | None, amount: int) -> None:
        """Any balance change: transfer, mint (sender None), burn (receiver None)."""
        self.update(t)
        for account in (sender, receiver):
            if account is not None:
                self._checkpoint(account)
        if sender is None:
            self.supply += amount
        else:
            self.balances[sender] = self.balances.get(sender, 0) - amount
        if receiver is None:
            self.supply -= amount
        else:
            self.balances[receiver] = self.balances.get(receiver, 0) + amount

    def recover(self, t: int, lost: str, replacement: str) -> None:
        """Balance and unclaimed revenue move together."""
        self.move(t, lost, replacement, self.balances.get(lost, 0))
        self.accrued[replacement] = self.accrued.get(replacement, 0) + self.accrued.pop(lost, 0)

    def claim(self, t: int, account: str) -> int:
        """Reads the stream brought to t without storing it, as the contract does: a claim
        changes no balance or supply, and releases at one supply add up exactly however
        they are grouped, so the next update reaches the same accumulator."""
        acc = self._advance(t)[0] if t >= self.last_update else self.acc
        paid, self.accrued[account] = divmod(self._pending(account, acc), ACC_PRECISION)
        self.paid[account] = acc
        self.claimed += paid
        return paid

    def epoch_revenue(self, e: int) -> tuple[int, int]:
        """REV-12, the token's `epoch_revenue(e)`: what was queued during epoch e (it streams
        over e + 1) and the supply it streams to; None where the token keeps no record (more
        than EPOCH_RECORDS epochs before the epoch of the last update)."""
        last = self.epoch(self.last_update)
        if e < last:
            if e + EPOCH_RECORDS < last:
                raise LookupError("revenue: epoch no longer recorded")
            return self.epoch_records.get(e, (0, 0))
        return (self.queued_amount if e == last else 0), self.supply

    # --- REV-1 ------------------------------------------------------------------------------
    def unreleased_scaled(self, t: int) -> int:
        """Revenue not yet released at t, scaled: the running stream's rest and the queue."""
        _, _, stream, queued, _, _ = self._advance(t)
        return stream * ACC_PRECISION - self._released_scaled(stream, self.epoch(t), t) + queued * ACC_PRECISION

    def conservation_gap(self, t: int) -> int:
        """deposited - (claimed + accrued by every holder + unreleased + carry + dust), scaled: always 0."""
        acc, remainder, _, _, _, dust = self._advance(t)
        owed = sum(self._pending(a, acc) for a in set(self.balances) | set(self.accrued))
        unreleased = self.unreleased_scaled(t)
        return (self.deposited - self.claimed) * ACC_PRECISION - unreleased - owed - remainder - self.dust - dust


@dataclass
class IdealShares:
    """REV-2's yardstick: exact balance-time shares of every release (and of what it carries in)."""

    shares: dict[str, Fraction] = field(default_factory=dict)
    releases: dict[str, int] = field(default_factory=dict)
    # the most a holder can trail its share, scaled: the accumulator's floor loses less than
    # one scaled unit per share per release, so less than `balance` scaled units
    # (balance / ACC_PRECISION < 1 base unit: REV-2's "below one base unit per update")
    loss_bound: dict[str, int] = field(default_factory=dict)
    # each holder's pro-rata part of the remainders carried into the releases it shared, in base
    # units: the residues of earlier releases, which may have had other holders (a remainder is
    # below the supply of its release, so below that supply / ACC_PRECISION base units)
    carried: dict[str, Fraction] = field(default_factory=dict)

    def record(self, released: int, carried_in: int, supply: int, balances: dict[str, int]) -> None:
        """A RevenueModel `on_release` hook: shares `released` (scaled) plus the carry it took in."""
        pot = Fraction(released + carried_in, ACC_PRECISION)
        carry = Fraction(carried_in, ACC_PRECISION)
        for account, balance in balances.items():
            if balance:
                self.shares[account] = self.shares.get(account, Fraction(0)) + pot * balance / supply
                self.releases[account] = self.releases.get(account, 0) + 1
                self.loss_bound[account] = self.loss_bound.get(account, 0) + balance
                if carried_in:
                    self.carried[account] = self.carried.get(account, Fraction(0)) + carry * balance / supply

    def merge(self, lost: str, replacement: str) -> None:
        """A recovery: the replacement wallet is the same holder."""
        self.shares[replacement] = self.shares.get(replacement, Fraction(0)) + self.shares.pop(lost, Fraction(0))
        self.releases[replacement] = self.releases.get(replacement, 0) + self.releases.pop(lost, 0)
        self.loss_bound[replacement] = self.loss_bound.get(replacement, 0) + self.loss_bound.pop(lost, 0)
        self.carried[replacement] = self.carried.get(replacement, Fraction(0)) + self.carried.pop(lost, Fraction(0))
