"""REV-2's yardstick: each holder's exact balance-time share of a token's revenue.

Written from DESIGN.md, not from the contract: no accumulator, no rounding, no carry. Only
what DESIGN promises holders, in `Fraction`s:
- revenue deposited during epoch `e` streams linearly over epoch `e + 1` (fixed
  boundaries: `epoch = (t - GENESIS) // EPOCH_LENGTH`);
- at every instant, what streams is shared pro rata to the balances of that instant, so a
  holder earns `balance / supply` of every second's revenue while it holds;
- revenue that streams while nobody holds a share is carried into a later stream: it is
  deposited again at the next action on the stream (a deposit, a skim or a balance
  change), as if deposited then;
- what `skim` streams is revenue deposited at that moment (DESIGN: stablecoin sent to the
  token is revenue); a recovery's replacement wallet is the same holder.

REV-2 as written: no holder is ever credited (claimed + claimable) above the floor of its
`share`. The contract pays whole base units and keeps less, never more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


@dataclass
class ExactRevenue:
    genesis: int
    epoch_length: int
    now: int = 0  # the moment every share below is brought to
    supply: int = 0
    balances: dict[str, int] = field(default_factory=dict)
    # revenue deposited during epoch e (streams over e + 1)
    deposits: dict[int, Fraction] = field(default_factory=dict)
    # streamed while nobody held, waiting for the next action to be deposited again
    unpaid: Fraction = Fraction(0)
    shares: dict[str, Fraction] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.epoch_length <= 0:
            raise ValueError("revenue: epoch length is zero")
        if not self.now:
            self.now = self.genesis

    def epoch(self, t: int) -> int:
        return (t - self.genesis) // self.epoch_length

    def advance(self, t: int) -> None:
        """Streams every deposit over [now, t) to the balances held over it."""
        if t < self.now:
            raise ValueError("time runs forward")
        for deposited_in in sorted(self.deposits):
            start = self.genesis + (deposited_in + 1) * self.epoch_length
            end = start + self.epoch_length
            overlap = min(t, end) - max(self.now, start)
            if overlap > 0:
                streamed = self.deposits[deposited_in] * overlap / self.epoch_length
                if self.supply == 0:
                    self.unpaid += streamed
                else:
                    for account, balance in self.balances.items():
                        if balance:
                            earned = streamed * balance / self.supply
                            self.shares[account] = self.shares.get(account, Fraction(0)) + earned
            if end <= t:
                del self.deposits[deposited_in]  # streamed in full
        self.now = t

    def touch(self, t: int) -> None:
        """An action on the stream at t: what streamed to nobody is deposited again, now."""
        self.advance(t)
        if self.unpaid:
            self._queue(t, self.unpaid)
            self.unpaid = Fraction(0)

    def _queue(self, t: int, amount: int | Fraction) -> None:
        e = self.epoch(t)
        self.deposits[e] = self.deposits.get(e, Fraction(0)) + amount

    def deposit(self, t: int, amount: int) -> None:
        """A deposit, or what a skim streams."""
        self.touch(t)
        self._queue(t, amount)

    def move(self, t: int, sender: str | None, receiver: str | None, amount: int) -> None:
        """A balance change: transfer, mint (sender None), burn (receiver None)."""
        self.touch(t)
        if sender is None:
            self.supply += amount
        else:
            self.balances[sender] = self.balances.get(sender, 0) - amount
        if receiver is None:
            self.supply -= amount
        else:
            self.balances[receiver] = self.balances.get(receiver, 0) + amount

    def merge(self, lost: str, replacement: str) -> None:
        """A recovery: the replacement wallet is the same holder."""
        self.shares[replacement] = self.shares.get(replacement, Fraction(0)) + self.shares.pop(lost, Fraction(0))

    def share(self, account: str) -> Fraction:
        """`account`'s exact share of what streamed up to `now`, in base units."""
        return self.shares.get(account, Fraction(0))
