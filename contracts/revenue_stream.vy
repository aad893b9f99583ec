# pragma version ~=0.4.3
"""
@title Revenue stream
@custom:contract-name revenue_stream
@license MIT
@notice Streams a node's stablecoin revenue to the holders of its token, pro rata to
        balance and time, exactly, in O(1) gas per action. A stateful module: the token
        initializes it and moves every share through it, so a transfer never calls out.
        What the token uses, all internal: `_transfer_state` (the compliance pre-check's
        inputs, read once) and `_move_shares` (the stream brought up to date, the revenue
        debt and the balances moved) for transfers; `_update` with `_credit` / `_debit` for mints and
        burns; `_move_accrued` for a recovery; `_deposit_held` for revenue a token collects itself (a
        basket's `harvest`); `_flags` / `_set_flag` and `_is_frozen` / `_set_frozen` for the token's
        paused, restricted and frozen flags, which live in this module's slots, privately packed.
@dev Revenue deposited during epoch `e` streams linearly over epoch `e + 1`, on fixed
     epoch boundaries (`GENESIS`, `EPOCH_LENGTH`), so a dust deposit can neither stretch
     nor dilute a running stream. `EPOCH_LENGTH` is at least one second (issue #15 item 9).
     Releases are scaled by `ACC_PRECISION` (issue #15 item 13): every second's revenue
     goes to that second's balances, so no holder is credited above the floor of its exact
     balance-time share. Released revenue raises `revenue_per_share`; what the floor
     division leaves (`remainder`, scaled, below the supply) is carried into the next
     release. Revenue released while the supply is zero is queued again in whole units as
     if deposited then; its sub-unit rest waits in `_dust` for `skim`. `owed` (deposits
     and skims less claims) is what the token must hold; `skim` streams only what it holds
     beyond that (issue #15 item 10). Each account's unclaimed revenue is kept scaled; a
     claim pays whole base units and keeps the dust for later. Only the epoch of the last
     update matters: the running stream belongs to it and the queue was deposited during
     it, so no epoch is stored. Storage: every update needs two slots, `revenue_per_share`
     and `_hot` (last_update | the token's paused and restricted flags | stream_amount |
     remainder); `_queue` (queued | owed | a set top bit, so it never returns to zero) is
     read by deposits, claims, skims, epoch roll-overs and zero-supply releases; `_dust`
     only by zero-supply releases and skims. An update that releases nothing (no stream,
     or the same second) within the same epoch writes nothing. Each account is one slot,
     `_account`: a MasterChef-style debt `balance * revenue_per_share - accrued` (scaled,
     mod 2**255) and, in bit 255, the token's `frozen` flag. A balance change moves
     `amount * acc` of debt with the shares (REV-3). Bounds (far beyond any real node):
     supply below 2**116 shares, deposits per epoch below 2**96 and owed below 2**127 base
     units, EPOCH_LENGTH at most 2**32 seconds, timestamps below 2**38 (the year 10680),
     unclaimed revenue below 2**255 scaled units, so the debt's arithmetic is exact.
     Python reference models: computerwa/models/revenue.py, exact_revenue.py.
"""

from ethereum.ercs import IERC20

from interfaces import IRevenueStream

from snekmate.tokens import erc20

implements: IRevenueStream

uses: erc20

ACC_PRECISION: constant(uint256) = 10**36
MAX_SUPPLY: constant(uint256) = 2**116 - 1
MAX_DEPOSITS: constant(uint256) = 2**96 - 1
MAX_EPOCH_LENGTH: constant(uint256) = 2**32

# `_hot`: last_update (bits 0..37) | the token's paused (38) and restricted (39) flags |
# stream_amount (40..139) | remainder (140..255; below the supply, so below 2**116)
_TIME_BITS: constant(uint256) = 38
_TIME_MASK: constant(uint256) = (1 << _TIME_BITS) - 1
PAUSED_FLAG: constant(uint256) = 1 << 38
RESTRICTED_FLAG: constant(uint256) = 1 << 39
_FLAGS: constant(uint256) = PAUSED_FLAG | RESTRICTED_FLAG
_STREAM_SHIFT: constant(uint256) = 40
_STREAM_MASK: constant(uint256) = (1 << 100) - 1
_REMAINDER_SHIFT: constant(uint256) = 140
# `_queue`: queued_amount (bits 0..127) | owed (128..254: every base unit deposited and
# not yet claimed, which the token must hold) | a set bit 255, so the slot never returns to
# zero and the first deposit of an epoch pays no zero-to-non-zero SSTORE. The queue is
# part of what is owed, so it stays below 2**127 with it.
_QUEUE_SET: constant(uint256) = 1 << 255
# `_dust`: scaled dust (bits 0..254, below the owed revenue times ACC_PRECISION) | a set bit
# 255, for the same reason as the queue's: a release to nobody pays no zero-to-non-zero SSTORE
_DUST_SET: constant(uint256) = 1 << 255
_QUEUE_MASK: constant(uint256) = (1 << 128) - 1
_OWED_SHIFT: constant(uint256) = 128
# `Advance.rolled`: the rolled-over queue's amount (bits 0..99: a stream, below 2**100, as
# a queue re-grown at zero supply can exceed a deposit's 2**96) | its epoch (216..); and
# `_epoch_revenue[e % EPOCH_RECORDS]`: revenue queued during epoch e (0..99) | the supply it
# streamed to (100..215) | e (216..255; epochs stay below 2**38 with timestamps)
_AMOUNT_BITS: constant(uint256) = 100
_AMOUNT_MASK: constant(uint256) = (1 << _AMOUNT_BITS) - 1
_SUPPLY_MASK: constant(uint256) = (1 << 116) - 1
_EPOCH_SHIFT: constant(uint256) = 216
# the epochs `epoch_revenue` remembers: a ring, so storage stays bounded and, once it has gone
# round, a record overwrites a non-zero slot (5,000 gas instead of 22,100)
EPOCH_RECORDS: constant(uint256) = 128
# `_account`: debt (bits 0..254, mod 2**255) | frozen (255)
_FROZEN: constant(uint256) = 1 << 255
_DEBT_MASK: constant(uint256) = _FROZEN - 1
# `TransferState.restrictions`: the two flags above where `_hot` keeps them, and a frozen
# party's bit (the sender's where its slot keeps it, the receiver's one lower)
SENDER_FROZEN_FLAG: constant(uint256) = _FROZEN
RECEIVER_FROZEN_FLAG: constant(uint256) = _FROZEN >> 1

# Fixed at deployment: the revenue token (amounts in its base units) and the epoch clock
# (GENESIS: unix time in seconds; EPOCH_LENGTH: seconds, 1 to 2**32).
STABLECOIN: public(immutable(IERC20))
GENESIS: public(immutable(uint256))
EPOCH_LENGTH: public(immutable(uint256))


# What a transfer reads once (`_transfer_state`) and hands back to `_move_shares`: the
# compliance pre-check's inputs (`restrictions`: PAUSED_FLAG, RESTRICTED_FLAG,
# SENDER_FROZEN_FLAG and RECEIVER_FROZEN_FLAG, each set when it applies; zero when
# nothing restricts the transfer), then this module's slots as read, which callers pass
# back untouched.
struct TransferState:
    restrictions: uint256
    hot: uint256
    sender_slot: uint256
    receiver_slot: uint256


# The stream brought to now (`_advance`): the accumulator, the new `_hot` word (zero when
# nothing changed, so nothing is to be written: a real one holds the timestamp), the
# queued amount (max_value(uint256) when `_advance` did not read it) and the scaled dust
# set aside by a release to nobody (zero when none), and the queue that rolled over into the
# stream (`_ROLLED_*`: its amount | the epoch it was deposited in; zero when none did).
struct Advance:
    acc: uint256
    hot: uint256
    queued: uint256
    dust: uint256
    rolled: uint256


# revenue released per token unit since deployment, scaled by ACC_PRECISION (10**36), as
# of `last_update()`
revenue_per_share: public(uint256)
_hot: uint256
_queue: uint256
# scaled revenue set aside by releases while the supply was zero (their sub-unit rests and
# the last holders' remainders): owed, paid to nobody, streamed again by `skim` in whole units
_dust: uint256
_account: HashMap[address, uint256]
# per ended epoch with revenue, for the last EPOCH_RECORDS epochs: what was queued during it,
# rolled over into the next epoch's stream, and the supply that stream started with
_epoch_revenue: uint256[EPOCH_RECORDS]


@deploy
def __init__(stablecoin: IERC20, genesis: uint256, epoch_length: uint256):
    """
    @param stablecoin The token revenue is paid in.
    @param genesis The deployment-wide epoch origin; not in the future.
    @param epoch_length Seconds per epoch, 1 to 2**32. Zero is refused: a deposit released
           at once would go to whoever holds at that instant, however briefly.
    """
    assert stablecoin.address != empty(address), "revenue: stablecoin is the zero address"
    assert genesis <= block.timestamp, "revenue: genesis is in the future"
    assert epoch_length != 0, "revenue: epoch length is zero"
    # bounds every product of the stream math below 2**132 (see `_advance`)
    assert epoch_length <= MAX_EPOCH_LENGTH, "revenue: epoch too long"
    STABLECOIN = stablecoin
    GENESIS = genesis
    EPOCH_LENGTH = epoch_length
    # timestamps fit 38 bits until the year 10680
    self._hot = block.timestamp
    self._queue = _QUEUE_SET
    self._dust = _DUST_SET


@external
@nonreentrant
def deposit_revenue(amount: uint256) -> uint256:
    """
    @dev Pulls `amount` of the stablecoin from the caller (approve first) and credits
         what actually arrived. It streams over the next epoch.
    @param amount The amount to pull, in stablecoin base units.
    @return uint256 The amount credited.
    """
    assert amount != 0, "revenue: nothing to deposit"
    self._update()
    before: uint256 = staticcall STABLECOIN.balanceOf(self)
    assert extcall STABLECOIN.transferFrom(
        msg.sender, self, amount, default_return_value=True
    ), "revenue: transfer failed"
    credited: uint256 = staticcall STABLECOIN.balanceOf(self) - before
    self._queue = self._queued_word(credited, credited)
    log IRevenueStream.RevenueDeposited(sender=msg.sender, amount=credited, epoch=self._epoch(block.timestamp))
    return credited


@external
@nonreentrant
def skim() -> uint256:
    """
    @dev Streams what the token holds beyond what it owes, as a deposit would (over the
         next epoch): stablecoin sent to the token without `deposit_revenue`, and the whole
         units of the dust set aside by releases while nobody held a share. What it owes
         (every unclaimed credit, every unreleased stream and queue) never moves.
         Anyone may call it.
    @return uint256 The amount streamed, in stablecoin base units.
    """
    self._update()
    stray: uint256 = self._stray(staticcall STABLECOIN.balanceOf(self))
    dust: uint256 = self._dust ^ _DUST_SET
    recovered: uint256 = dust // ACC_PRECISION
    amount: uint256 = stray + recovered
    assert amount != 0, "revenue: nothing to skim"
    if recovered != 0:
        self._dust = (dust % ACC_PRECISION) | _DUST_SET
    # the dust's units were owed already; the stray stablecoin becomes owed now
    self._queue = self._queued_word(amount, stray)
    log IRevenueStream.RevenueSkimmed(sender=msg.sender, amount=amount, epoch=self._epoch(block.timestamp))
    return amount


@external
@nonreentrant
def claim(receiver: address) -> uint256:
    """
    @dev Pays the caller's revenue, in whole base units, to `receiver` (any address, so
         a holder the stablecoin refuses can be paid elsewhere). Sub-unit dust stays
         accrued for the next claim. Writes the caller's slot and what the token owes,
         never the stream.
         A frozen account moves no value, as under the stablecoin rules the project
         follows: its revenue keeps accruing, and `recover` or `forced_transfer` move it on.
    @param receiver Where the stablecoin goes.
    @return uint256 The amount paid.
    """
    assert receiver != empty(address), "revenue: receiver is the zero address"
    # the stream is read, not written: a claim changes no balance and no supply, and
    # releases at one supply add up exactly however they are grouped, so the next update
    # reaches the same accumulator from the stored state
    slot: uint256 = self._account[msg.sender]
    assert slot & _FROZEN == 0, "revenue: account is frozen"
    acc: uint256 = self._advance(self._hot).acc
    amount: uint256 = self._accrued(slot, erc20.balanceOf[msg.sender], acc) // ACC_PRECISION
    if amount != 0:
        # paying `amount` whole units raises the debt by as much: the dust stays accrued
        self._account[msg.sender] = self._with_debt(slot, unsafe_add(slot, unsafe_mul(amount, ACC_PRECISION)))
        # what is owed includes every credit, so it is at least `amount`
        self._queue = unsafe_sub(self._queue, amount << _OWED_SHIFT)
        assert extcall STABLECOIN.transfer(receiver, amount, default_return_value=True), "revenue: transfer failed"
    log IRevenueStream.RevenueClaimed(account=msg.sender, receiver=receiver, amount=amount)
    return amount


@external
@view
def last_update() -> uint256:
    """
    @dev When the stream was last brought up to date.
    @return uint256 A timestamp.
    """
    return self._hot & _TIME_MASK


@external
@view
def queued_amount() -> uint256:
    """
    @dev Revenue deposited during the epoch of `last_update`; it streams over the next one.
    @return uint256 Stablecoin base units.
    """
    return self._queue & _QUEUE_MASK


@external
@view
def owed() -> uint256:
    """
    @dev What the token owes in the stablecoin: every base unit deposited (or skimmed) and
         not yet claimed. It holds at least this much.
    @return uint256 Stablecoin base units.
    """
    return (self._queue ^ _QUEUE_SET) >> _OWED_SHIFT


@external
@view
def dust() -> uint256:
    """
    @dev Revenue set aside by releases while the supply was zero, scaled by ACC_PRECISION:
         owed, paid to nobody; `skim` streams its whole units again.
    @return uint256 Scaled revenue.
    """
    return (self._dust ^ _DUST_SET) + self._advance(self._hot).dust


@external
@view
def skimmable() -> uint256:
    """
    @dev What `skim` would stream now: the stablecoin held beyond what is owed, and the
         whole units of `dust`.
    @return uint256 Stablecoin base units.
    """
    dust: uint256 = (self._dust ^ _DUST_SET) + self._advance(self._hot).dust
    return self._stray(staticcall STABLECOIN.balanceOf(self)) + dust // ACC_PRECISION


@external
@view
def stream_amount() -> uint256:
    """
    @dev The amount streaming over the epoch of `last_update`.
    @return uint256 Stablecoin base units.
    """
    return (self._hot >> _STREAM_SHIFT) & _STREAM_MASK


@external
@view
def remainder() -> uint256:
    """
    @dev What the last release's floor division carried over, scaled by ACC_PRECISION.
    @return uint256 Scaled revenue, below the supply of that release.
    """
    return self._hot >> _REMAINDER_SHIFT


@external
@view
def claimable(account: address) -> uint256:
    """
    @dev What `claim` would pay `account` now.
    @param account The holder.
    @return uint256 Whole stablecoin base units.
    """
    return self._pending(account, self._advance(self._hot).acc) // ACC_PRECISION


@external
@view
def accrued_scaled(account: address) -> uint256:
    """
    @dev `account`'s unclaimed revenue now, exact, scaled by ACC_PRECISION (dust included).
    @param account The holder.
    @return uint256 Scaled revenue.
    """
    return self._pending(account, self._advance(self._hot).acc)


@external
@view
def streaming() -> uint256:
    """
    @dev Revenue deposited but not yet released: the running stream's rest and the queue.
    @return uint256 Stablecoin base units.
    """
    hot: uint256 = self._hot
    now: Advance = self._advance(hot)
    if now.hot != 0:
        hot = now.hot
    queued: uint256 = now.queued
    if queued == max_value(uint256):
        queued = self._queue & _QUEUE_MASK
    stream: uint256 = (hot >> _STREAM_SHIFT) & _STREAM_MASK
    now_epoch: uint256 = self._epoch(block.timestamp)
    return stream - self._released_by(stream, now_epoch, block.timestamp) + queued


@external
@view
def epoch_revenue(epoch: uint256) -> (uint256, uint256):
    """
    @dev The revenue queued during `epoch` (deposits, skims, harvests), which streams to the
         holders over `epoch + 1`, and the supply that stream starts with: recorded when the
         queue rolls over into the stream (the first update after `epoch` ended), read live
         for the epoch of `last_update`. An epoch in which nothing was queued reads (0, 0)
         before the epoch of `last_update` and (0, supply) from it on. Revenue released while
         the supply was zero is queued again, so it can appear in two epochs: the first one
         with supply 0. `RevenueFeed` reads it; revenue per share is `amount / supply`.
         Records are kept for the EPOCH_RECORDS epochs before the epoch of `last_update`;
         older epochs revert.
    @param epoch The epoch.
    @return uint256 Stablecoin base units queued during `epoch`.
    @return uint256 The supply (share base units) they stream to over `epoch + 1`.
    """
    last_epoch: uint256 = self._epoch(self._hot & _TIME_MASK)
    if epoch < last_epoch:
        assert epoch + EPOCH_RECORDS >= last_epoch, "revenue: epoch no longer recorded"
        # the slot holds `epoch`'s record or an older epoch's: a later one would be of an
        # epoch at or after `last_epoch`, not yet rolled over
        word: uint256 = self._epoch_revenue[epoch % EPOCH_RECORDS]
        if word >> _EPOCH_SHIFT != epoch:
            return 0, 0
        return word & _AMOUNT_MASK, (word >> _AMOUNT_BITS) & _SUPPLY_MASK
    if epoch == last_epoch:
        return self._queue & _QUEUE_MASK, erc20.totalSupply
    return 0, erc20.totalSupply


@external
@view
def current_epoch() -> uint256:
    """
    @dev The epoch of the latest block.
    @return uint256 The epoch number.
    """
    return self._epoch(block.timestamp)


@internal
def _update() -> uint256:
    """
    @dev Brings the stream to now (a mint, a burn, a deposit, a skim). Writes nothing
         when nothing changed (no release, same epoch): the stored state then still
         describes now, since what a stream releases depends only on its epoch, and
         releases at one supply add up exactly however they are grouped.
    @return uint256 The accumulator, `revenue_per_share`, now.
    """
    hot: uint256 = self._hot
    now: Advance = self._advance(hot)
    self._write(now)
    return now.acc


@internal
@view
def _transfer_state(sender: address, receiver: address) -> TransferState:
    """
    @dev Reads, once, what a transfer from `sender` to `receiver` needs: the stream's hot
         slot and both account slots, for the compliance pre-check and for the revenue
         debt alike. Nothing may write the stream or either account before the result
         goes to `_move_shares`.
    @param sender The payer.
    @param receiver The receiver.
    @return TransferState `restrictions` (zero: neither paused, restricted nor a party
            frozen), then the slots as read.
    """
    hot: uint256 = self._hot
    sender_slot: uint256 = self._account[sender]
    receiver_slot: uint256 = self._account[receiver]
    return TransferState(
        restrictions=(hot & _FLAGS) | (sender_slot & _FROZEN) | ((receiver_slot & _FROZEN) >> 1),
        hot=hot,
        sender_slot=sender_slot,
        receiver_slot=receiver_slot,
    )


@internal
def _move_shares(sender: address, receiver: address, amount: uint256, state: TransferState):
    """
    @dev Moves `amount` shares from `sender` to `receiver`, whatever the compliance flags
         (the caller checked them): the stream is brought to now (as `_update`, from the
         hot slot `state` holds), then `amount * acc` of revenue debt moves with the
         shares, so what each party accrued so far stays theirs (REV-3), and their frozen
         flags stay as they are; then snekmate's `erc20._transfer`, inlined (its hooks are
         empty): the same checks, the same reasons, the same event. Refusals in order:
         the stream ("revenue: stream too large"), the zero address, the balance.
    @param sender The payer.
    @param receiver The receiver.
    @param amount The shares.
    @param state `_transfer_state(sender, receiver)`, read in this transaction.
    """
    now: Advance = self._advance(state.hot)
    self._write(now)
    if sender != receiver:  # a self-transfer moves no debt
        debt: uint256 = unsafe_mul(amount, now.acc)
        self._account[sender] = (unsafe_sub(state.sender_slot, debt) & _DEBT_MASK) | (state.sender_slot & _FROZEN)
        self._account[receiver] = (unsafe_add(state.receiver_slot, debt) & _DEBT_MASK) | (state.receiver_slot & _FROZEN)
    assert sender != empty(address), "erc20: transfer from the zero address"
    assert receiver != empty(address), "erc20: transfer to the zero address"
    balance: uint256 = erc20.balanceOf[sender]
    assert balance >= amount, "erc20: transfer amount exceeds balance"
    erc20.balanceOf[sender] = unsafe_sub(balance, amount)
    # below the supply, itself below 2**116
    erc20.balanceOf[receiver] = unsafe_add(erc20.balanceOf[receiver], amount)
    log IERC20.Transfer(sender=sender, receiver=receiver, value=amount)


@internal
def _credit(account: address, amount: uint256, acc: uint256):
    """
    @dev `account` gains `amount` shares at accumulator `acc` (the stream brought up to date
         first, `_update`): its debt rises with them, so its accrued revenue stays where it
         was. Its frozen flag is kept.
    @param account The holder.
    @param amount The shares gained.
    @param acc The accumulator now.
    """
    slot: uint256 = self._account[account]
    self._account[account] = self._with_debt(slot, unsafe_add(slot, unsafe_mul(amount, acc)))


@internal
def _debit(account: address, amount: uint256, acc: uint256):
    """
    @dev `account` loses `amount` shares at accumulator `acc`: its debt falls with them, so
         its accrued revenue stays where it was. Its frozen flag is kept.
    @param account The holder.
    @param amount The shares lost.
    @param acc The accumulator now.
    """
    slot: uint256 = self._account[account]
    self._account[account] = self._with_debt(slot, unsafe_sub(slot, unsafe_mul(amount, acc)))


@internal
def _move_accrued(lost: address, replacement: address):
    """
    @dev Hands `lost`'s unclaimed revenue to `replacement`, after `lost`'s whole balance
         moved to it: with no shares left, `lost`'s accrued revenue is minus its debt, and
         handing the debt over hands the revenue over. Frozen flags are kept. Logs
         `RevenueMoved`.
    @param lost The wallet whose keys are lost.
    @param replacement The holder's new wallet.
    """
    lost_slot: uint256 = self._account[lost]
    debt: uint256 = lost_slot & _DEBT_MASK
    self._account[lost] = lost_slot & _FROZEN
    slot: uint256 = self._account[replacement]
    self._account[replacement] = self._with_debt(slot, unsafe_add(slot, debt))
    log IRevenueStream.RevenueMoved(lost=lost, replacement=replacement, amount=unsafe_sub(0, debt) & _DEBT_MASK)


@internal
@view
def _is_frozen(account: address) -> bool:
    """
    @dev Whether the token froze `account` (the top bit of its account slot).
    @param account The holder.
    @return bool True while frozen.
    """
    return self._account[account] >= _FROZEN


@internal
def _set_frozen(account: address, frozen: bool):
    """
    @dev Freezes or unfreezes `account` for the token; its debt is kept.
    @param account The holder.
    @param frozen True to freeze.
    """
    slot: uint256 = self._account[account] & _DEBT_MASK
    self._account[account] = slot | _FROZEN if frozen else slot


@internal
@pure
def _with_debt(slot: uint256, debt: uint256) -> uint256:
    """
    @dev An account slot with a new debt: `debt` (computed mod 2**256 from `slot`) kept mod
         2**255, and `slot`'s frozen bit.
    @param slot The account slot as read.
    @param debt The new debt.
    @return uint256 The slot to write.
    """
    return (debt & _DEBT_MASK) | (slot & _FROZEN)


@internal
@pure
def _accrued(slot: uint256, balance: uint256, acc: uint256) -> uint256:
    """
    @dev An account's unclaimed revenue, scaled: `balance * acc - debt` mod 2**255, exact
         while the true value is below 2**255.
    @param slot The account slot (the debt; its frozen bit falls out of the mask).
    @param balance The account's shares.
    @param acc The accumulator.
    @return uint256 Scaled revenue.
    """
    return unsafe_sub(unsafe_mul(balance, acc), slot) & _DEBT_MASK


@internal
def _write(now: Advance):
    """
    @dev Stores the stream brought to now (`_advance`), if anything changed: the
         accumulator and the hot slot, the queue when it was read (its owed half kept),
         the dust when a release to nobody set some aside.
    @param now `_advance(self._hot)`, computed in this transaction.
    """
    if now.hot == 0:
        return
    self.revenue_per_share = now.acc
    self._hot = now.hot
    if now.queued != max_value(uint256):
        self._queue = (self._queue & ~_QUEUE_MASK) | now.queued
    if now.dust != 0:
        self._dust += now.dust
    if now.rolled != 0:
        # before any balance changes: the supply the rolled queue streams to
        self._epoch_revenue[(now.rolled >> _EPOCH_SHIFT) % EPOCH_RECORDS] = now.rolled | (
            erc20.totalSupply << _AMOUNT_BITS
        )


@internal
@view
def _queued_word(amount: uint256, owed: uint256) -> uint256:
    """
    @dev The `_queue` word with `amount` more queued, to stream over the next epoch (the
         stream brought to now first), and `owed` more owed: a deposit owes all it queues,
         a skim only its stray part (the dust's units were owed already).
    @param amount Base units to queue.
    @param owed Base units newly owed, at most `amount`.
    @return uint256 The word to store.
    """
    # both fit their halves: the queue stays below 2**96 and, as the set top bit sits
    # just above the owed half, owed past 2**127 overflows the checked addition
    assert amount <= MAX_DEPOSITS, "revenue: deposit too large"
    word: uint256 = self._queue + (owed << _OWED_SHIFT) + amount
    assert word & _QUEUE_MASK <= MAX_DEPOSITS, "revenue: deposit too large"
    return word


@internal
@view
def _stray(balance: uint256) -> uint256:
    """
    @dev The part of the token's stablecoin `balance` it does not owe: sent to it without
         `deposit_revenue`. Zero when it holds no more than it owes.
    @param balance The stablecoin the token holds.
    @return uint256 Base units.
    """
    owed: uint256 = (self._queue ^ _QUEUE_SET) >> _OWED_SHIFT
    if balance <= owed:
        return 0
    return unsafe_sub(balance, owed)


@internal
@view
def _advance(hot: uint256) -> Advance:
    """
    @dev The stream brought to now from `hot` (see `Advance`), written nowhere: `_update` and
         `_move_shares` write it, `claim` and the views only read it. The queue is read only
         when it can change (an epoch roll-over, revenue released at zero supply);
         otherwise it is returned as max_value(uint256), "untouched".
         Releases are scaled by ACC_PRECISION: by second `s` of its epoch a stream of `a`
         base units has released `a * ACC_PRECISION * s // EPOCH_LENGTH` scaled units, so
         every second's revenue is shared by the balances of that second, and no share
         bought later catches a whole unit that built up before (REV-2: less than one
         scaled unit per share it gained, carried in the remainder).
         Unchecked math, bounded: stream < 2**100 (asserted when it is set), so
         `stream * ACC_PRECISION` < 2**220 and, with an epoch's elapsed seconds <=
         EPOCH_LENGTH <= 2**32, every product < 2**252; released < 2**222, remainder <
         2**116; timestamps only move forward from `GENESIS`.
    @param hot The `_hot` slot, as read.
    @return Advance The accumulator, the new hot word (0: nothing changed), the queue and
            the dust set aside.
    """
    acc: uint256 = self.revenue_per_share
    remainder: uint256 = hot >> _REMAINDER_SHIFT
    stream: uint256 = (hot >> _STREAM_SHIFT) & _STREAM_MASK
    queued: uint256 = max_value(uint256)
    dust: uint256 = 0
    rolled: uint256 = 0
    # scaled
    released: uint256 = 0
    length: uint256 = EPOCH_LENGTH
    last: uint256 = hot & _TIME_MASK
    since_start: uint256 = unsafe_sub(last, GENESIS) % length
    rate: uint256 = unsafe_mul(stream, ACC_PRECISION)
    # what of e0's stream was already out at `last`
    done: uint256 = unsafe_div(unsafe_mul(rate, since_start), length)
    # seconds from the start of e0 (the epoch of `last`) to now
    elapsed: uint256 = unsafe_add(since_start, unsafe_sub(block.timestamp, last))
    if elapsed < length:
        released = unsafe_sub(unsafe_div(unsafe_mul(rate, elapsed), length), done)
        if released == 0:
            return Advance(acc=acc, hot=0, queued=queued, dust=dust, rolled=0)
    else:
        # e0's stream is over; what was deposited during e0 streams over e0 + 1
        released = unsafe_sub(rate, done)
        stream = self._queue & _QUEUE_MASK
        assert stream <= _STREAM_MASK, "revenue: stream too large"
        queued = 0
        if stream != 0:
            # below 2**100 (asserted just above); e0 below 2**38
            rolled = stream | (unsafe_div(unsafe_sub(last, GENESIS), length) << _EPOCH_SHIFT)
        rate = unsafe_mul(stream, ACC_PRECISION)
        elapsed = unsafe_sub(elapsed, length)
        if elapsed < length:
            released = unsafe_add(released, unsafe_div(unsafe_mul(rate, elapsed), length))
        else:
            # that one is over too
            released = unsafe_add(released, rate)
            stream = 0
    if released != 0:
        supply: uint256 = erc20.totalSupply
        if supply == 0:
            # nobody to pay: the whole units are deposited again, now; the sub-unit rest
            # and the last holders' remainder are set aside as dust (owed, for `skim`):
            # released again later, they could reach holders who did not hold then
            if queued == max_value(uint256):
                queued = self._queue & _QUEUE_MASK
            queued += released // ACC_PRECISION
            dust = unsafe_add(released % ACC_PRECISION, remainder)
            remainder = 0
        else:
            scaled: uint256 = unsafe_add(released, remainder)
            # acc is only ever used mod 2**255 (account debts), so even a wrap would be harmless
            acc = unsafe_add(acc, unsafe_div(scaled, supply))
            remainder = scaled % supply
    return Advance(
        acc=acc,
        hot=block.timestamp | (hot & _FLAGS) | (stream << _STREAM_SHIFT) | (remainder << _REMAINDER_SHIFT),
        queued=queued,
        dust=dust,
        rolled=rolled,
    )


@internal
@view
def _pending(account: address, acc: uint256) -> uint256:
    """
    @dev `account`'s unclaimed revenue, scaled, at accumulator `acc`.
    @param account The holder.
    @param acc The accumulator.
    @return uint256 Scaled revenue.
    """
    return self._accrued(self._account[account], erc20.balanceOf[account], acc)


@internal
@view
def _epoch(timestamp: uint256) -> uint256:
    """
    @dev The epoch of `timestamp` (`EPOCH_LENGTH` is never 0).
    @param timestamp A time not before `GENESIS`.
    @return uint256 The epoch number.
    """
    return unsafe_div(unsafe_sub(timestamp, GENESIS), EPOCH_LENGTH)


@internal
@view
def _released_by(amount: uint256, epoch: uint256, timestamp: uint256) -> uint256:
    """
    @dev The part of `amount` (< 2**100), streaming over `epoch`, released by `timestamp`.
    @param amount The stream.
    @param epoch The epoch it streams over.
    @param timestamp The time.
    @return uint256 Stablecoin base units.
    """
    start: uint256 = GENESIS + epoch * EPOCH_LENGTH
    if timestamp <= start:
        return 0
    elapsed: uint256 = min(timestamp - start, EPOCH_LENGTH)
    return unsafe_div(unsafe_mul(amount, elapsed), EPOCH_LENGTH)


@internal
@view
def _flags() -> uint256:
    """
    @dev The token's paused and restricted flags, kept in the hot slot that every balance
         change reads anyway.
    @return uint256 PAUSED_FLAG and RESTRICTED_FLAG, each set when on.
    """
    return self._hot & _FLAGS


@internal
def _set_flag(flag: uint256, on: bool):
    """
    @dev Turns one of the token's flags on or off.
    @param flag PAUSED_FLAG or RESTRICTED_FLAG.
    @param on True to set it.
    """
    hot: uint256 = self._hot & ~flag
    self._hot = hot | flag if on else hot


@internal
def _deposit_held(amount: uint256):
    """
    @dev Credits `amount` of the stablecoin the token already holds, collected by itself
         and measured by the caller (a basket's `harvest`), as a deposit by the token: the
         stream brought up to date, then the amount queued to stream over the next epoch
         and owed, as `deposit_revenue` does with what it pulls. Logs `RevenueDeposited`
         with the token as sender.
    @param amount Base units that arrived; not 0.
    """
    self._update()
    self._queue = self._queued_word(amount, amount)
    log IRevenueStream.RevenueDeposited(sender=self, amount=amount, epoch=self._epoch(block.timestamp))
