# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Settlement
@custom:contract-name Settlement
@custom:spec docs/SPEC.md, section "Settlement"
@license MIT
@notice Customers pay compute nodes in the stablecoin: prepaid balances charged by
        cumulative EIP-712 vouchers settled in batches, and one-shot EIP-3009 payments.
        Every payment is split exactly: the protocol fee (capped at 10%) to the
        treasury, the operator's share to the operator (both pulled later with
        `withdraw_earnings`), and the rest, every rounding remainder included, into the
        node's ComputeToken revenue stream.
@dev Vouchers: `Voucher(payer, nodeId, cumulativeAmount, deadline)` signed by the payer
     (an EOA, EIP-2098 compact; or a contract, ERC-1271 `isValidSignature(digest,
     r ‖ vs)`). Settling pays the increase of `cumulativeAmount` over what was already
     settled for (payer, node), so a voucher pays at most its amount over the life of
     the channel, however often it is replayed; an expired, stale, invalid or
     underfunded voucher is skipped with `VoucherSkipped` and the rest of the batch
     goes on. Each node of a batch is looked up once, split once (on its total of the
     batch) and its token's `deposit_revenue` called once.
     Direct payments: the EIP-3009 nonce must be `payment_nonce(node_id, salt)`, which
     binds the authorization to its node, so nobody can redirect it to another node.
     The stablecoin: amounts received are measured by balance difference, so a
     fee-on-transfer or short-paying token is never over-credited. A pause of the
     stablecoin makes calls that move it fail with its own reason and loses nothing.
     Blacklisting is contained: earnings are pulled by their owner to any receiver it
     names, so a blacklisted operator, treasury or payer delays only its own payout.
     Prepaid withdrawals: a request is public (`WithdrawalRequested`) the moment it is
     made and leaves `available` at once; it can be charged until it is paid, so nodes
     settle their last vouchers during `WITHDRAWAL_DELAY`; once matured it can be paid
     for `WITHDRAWAL_WINDOW` seconds, then it expires and its amount is available to
     nodes again. Requests run on Settlement's clock (`clock()`), which stands still
     while Settlement is paused.
     Reservations: a payer can commit part of its prepaid balance to one (payer, node)
     channel (`reserve`). `settle` draws a voucher's increase from the channel's
     reservation first, then from the free balance, so vouchers up to the reservation
     are paid whatever other nodes settle first; withdrawals and other channels never
     touch it. A release (`release`) is public at once, leaves `reserved` at once, can be
     completed (`complete_release`) after `WITHDRAWAL_DELAY` and within
     `WITHDRAWAL_WINDOW` of Settlement's clock, and until then the whole reservation
     keeps backing the channel's vouchers.
     Pausing (guardian or owner) stops money coming in, being charged and leaving a
     prepaid balance, so a voucher payable before a pause is payable after it (its own
     deadline permitting); earnings stay withdrawable. A pause lapses by itself
     `PAUSE_LIMIT` seconds after it began, and a new one may start only `PAUSE_LIMIT`
     after the last one ended, so at most half of any stretch of time is paused.
     Fee changes: the owner announces one (`FeeChangeAnnounced`), and it can be applied
     only `FEE_DELAY` seconds of Settlement's clock later; until then, and until it is
     applied, every payment pays the fee in force. `FEE_DELAY` is at least
     `WITHDRAWAL_DELAY + WITHDRAWAL_WINDOW`, so a payer who requests its withdrawal at the
     announcement is paid before the change applies. It is also the voucher lifetime
     bound: a node that accepts only vouchers whose deadline is at most `FEE_DELAY` ahead
     is never charged a fee announced after the voucher was signed (the voucher has
     expired before the change can apply), and so for EIP-3009 payments with
     `valid_before`. Nothing of this is read by `settle`: the fee stays one read of `_config`.
"""

from ethereum.ercs import IERC20

from interfaces import IERC3009
from interfaces import INodeRegistry
from interfaces import IRevenueStream
from interfaces import ISettlement

from . import constants

from snekmate.auth import ownable as ow
from snekmate.auth import ownable_2step as ow2
from snekmate.tokens.interfaces import IERC20Permit
from snekmate.utils import eip712_domain_separator as eip712
from snekmate.utils import signature_checker

implements: ISettlement

initializes: ow
initializes: ow2[ownable := ow]
initializes: eip712

exports: (
    ow2.owner,
    ow2.pending_owner,
    ow2.transfer_ownership,
    ow2.accept_ownership,
    eip712.eip712Domain,
)

MAX_BATCH: constant(uint256) = 100
MAX_NODES_PER_BATCH: constant(uint256) = 16
MAX_FEE_BPS: constant(uint256) = 1_000
MAX_WITHDRAWAL_DELAY: constant(uint256) = constants.YEAR
MAX_WITHDRAWAL_WINDOW: constant(uint256) = 30 * 86_400
MAX_PAUSE_LIMIT: constant(uint256) = 30 * 86_400
MAX_FEE_DELAY: constant(uint256) = 2 * constants.YEAR
_VOUCHER_TYPEHASH: constant(bytes32) = keccak256(
    "Voucher(address payer,uint256 nodeId,uint256 cumulativeAmount,uint256 deadline)"
)
# the third word of a reservation's EIP-3009 nonce preimage: its nonces never equal a
# deposit's or a direct payment's (`payment_nonce`, two words)
_RESERVATION_NONCE_TAG: constant(uint256) = 1
_S_MASK: constant(uint256) = (1 << 255) - 1
# secp256k1n / 2: a higher s is the malleable twin of a low-s signature
_MAX_S: constant(
    uint256
) = 57_896_044_618_658_097_711_785_492_504_343_953_926_418_782_139_537_452_191_302_581_570_759_080_747_168

EXPIRED: constant(uint8) = 1
NOTHING_DUE: constant(uint8) = 2
UNKNOWN_NODE: constant(uint8) = 3
INVALID_SIGNATURE: constant(uint8) = 4
UNDERFUNDED: constant(uint8) = 5

# _config: what Settlement owes (bits 0..127: every prepaid balance, reservation, rent escrow
# and earnings, the fee pool included; `skim` sends only what it holds beyond this) | fee bps
# (160..175) | paused (176) | the treasury's unwithdrawn fees (177..255): every payment
# reads this slot, so crediting fees and counting what leaves cost no extra slot
_OWED_MASK: constant(uint256) = (1 << 128) - 1
# a payment's entry for `_book`: its fee (bits 128..255) | what its token pulled (0..127)
_ENTRY_SHIFT: constant(uint256) = 128
_FEE_SHIFT: constant(uint256) = 160
_PAUSED_BIT: constant(uint256) = 1 << 176
_FEES_SHIFT: constant(uint256) = 177
_MAX_POOL: constant(uint256) = (1 << 79) - 1
_SETTINGS_MASK: constant(uint256) = (1 << _FEES_SHIFT) - 1
# _payees: token (bits 0..159) | operator share bps (160..175)
_SHARE_SHIFT: constant(uint256) = 160
# _channels: settled cumulative amount (bits 0..127) | the channel's reservation
# (128..255): `settle` reads and writes the reservation with the settled amount, in one slot
_SETTLED_MASK: constant(uint256) = (1 << 128) - 1
_RESERVATION_SHIFT: constant(uint256) = 128
# _pause: when the last pause began (bits 0..63) | seconds Settlement's clock stood still
# in pauses that ended (64..127) | when the last pause ended (128..191). The paused flag
# itself is in _config, which `settle` reads anyway
_STOPPED_SHIFT: constant(uint256) = 64
_RESUMED_SHIFT: constant(uint256) = 128
# _fee_change: the announced fee bps (bits 0..15) | when it may apply, on Settlement's
# clock (16..255); zero when none is announced (`effective_at` is never zero)
_EFFECTIVE_SHIFT: constant(uint256) = 16
# _locks: a contract wallet's locked cumulative amount (bits 0..127) | the locked voucher's
# deadline, capped at 2**128 - 1 (128..255)
_DEADLINE_SHIFT: constant(uint256) = 128


# one node of a batch: who it pays, and what its vouchers paid. The operator is read
# when the node is paid, not here: every word of a batch's 16 payees is memory that
# each settle pays for
struct Payee:
    node_id: uint256
    token: address
    share_bps: uint256
    amount: uint256


# a prepaid withdrawal or a release request as stored: `available_at` on Settlement's clock
struct Request:
    amount: uint256
    available_at: uint256


# Fixed at deployment: the stablecoin every amount is in (base units), the NodeRegistry
# nodes are paid through, and durations in seconds of Settlement's clock (`clock()`):
# a request's delay and payable window, the longest pause, and a fee change's delay.
STABLECOIN: public(immutable(IERC20))
REGISTRY: public(immutable(INodeRegistry))
WITHDRAWAL_DELAY: public(immutable(uint256))
WITHDRAWAL_WINDOW: public(immutable(uint256))
PAUSE_LIMIT: public(immutable(uint256))
FEE_DELAY: public(immutable(uint256))
# the NodeRentals created at deployment: the only caller of the rent functions
RENTALS: public(immutable(address))

# may pause and unpause besides the owner (`set_guardian`); the zero address: none
guardian: public(address)
# receives the protocol fee (as earnings) and `skim`'s excess (`set_treasury`)
treasury: public(address)
_config: uint256
_prepaid: HashMap[address, uint256]
_channels: HashMap[address, HashMap[uint256, uint256]]
_earnings: HashMap[address, uint256]
# a node's payee, copied from the registry at its first payment (the registry never
# changes a node's token, operator or share)
_payees: HashMap[uint256, uint256]
_operators: HashMap[uint256, address]
_withdrawal: HashMap[address, Request]
_releases: HashMap[address, HashMap[uint256, Request]]
_pause: uint256
_fee_change: uint256
# a contract wallet's locked voucher per channel (`lock_voucher`): read by `settle` only for
# a payer with code, after the EOA signature check failed, so EOA settles never touch it
_locks: HashMap[address, HashMap[uint256, uint256]]
# during `settle`: a node's index in the batch's payees, plus one. O(1) whatever the
# order of the vouchers; an entry left by an earlier settle of the same transaction is
# never trusted, since it is checked against the payee's node id
_batch_index: transient(HashMap[uint256, uint256])


@deploy
def __init__(
    stablecoin: IERC20,
    registry: INodeRegistry,
    treasury: address,
    fee_bps: uint256,
    withdrawal_delay: uint256,
    withdrawal_window: uint256,
    pause_limit: uint256,
    fee_delay: uint256,
    rentals_blueprint: address,
):
    """
    @param stablecoin The payment token.
    @param registry The NodeRegistry: each node's token, operator and operator share.
    @param treasury Receives the protocol fee.
    @param fee_bps The protocol fee, at most 1,000 (10%).
    @param withdrawal_delay Seconds between a withdrawal request and its payment (at most a year).
    @param withdrawal_window Seconds a matured withdrawal request can be paid before it
           expires (1 s to 30 days).
    @param pause_limit Seconds after which a pause lapses, and the least time between the
           end of a pause and the next (1 s to 30 days).
    @param fee_delay Seconds of Settlement's clock between a fee change's announcement and
           the earliest time it may apply, and the voucher lifetime bound nodes accept: at
           least `withdrawal_delay + withdrawal_window`, at most two years.
    @param rentals_blueprint The NodeRentals blueprint (EIP-5202): Settlement creates its
           `RENTALS` from it, over `registry`.
    """
    assert stablecoin.address.is_contract, "settlement: stablecoin has no code"
    assert registry.address.is_contract, "settlement: registry has no code"
    assert treasury != empty(address), "settlement: treasury is the zero address"
    assert fee_bps <= MAX_FEE_BPS, "settlement: fee above the cap"
    assert withdrawal_delay <= MAX_WITHDRAWAL_DELAY, "settlement: withdrawal delay above a year"
    assert (
        withdrawal_window != 0 and withdrawal_window <= MAX_WITHDRAWAL_WINDOW
    ), "settlement: withdrawal window not within 1 s to 30 days"
    assert pause_limit != 0 and pause_limit <= MAX_PAUSE_LIMIT, "settlement: pause limit not within 1 s to 30 days"
    assert (
        fee_delay >= withdrawal_delay + withdrawal_window
    ), "settlement: fee delay shorter than the withdrawal delay and window"
    assert fee_delay <= MAX_FEE_DELAY, "settlement: fee delay above two years"
    ow.__init__()
    ow2.__init__()
    eip712.__init__("ComputeRWA Settlement", "1")
    STABLECOIN = stablecoin
    REGISTRY = registry
    WITHDRAWAL_DELAY = withdrawal_delay
    WITHDRAWAL_WINDOW = withdrawal_window
    PAUSE_LIMIT = pause_limit
    FEE_DELAY = fee_delay
    self.treasury = treasury
    self._config = fee_bps << _FEE_SHIFT
    RENTALS = create_from_blueprint(rentals_blueprint, registry, code_offset=3)


@external
def deposit(amount: uint256) -> uint256:
    """
    @dev Adds to the caller's prepaid balance from its stablecoin (approve first).
    @param amount Base units to pull.
    @return uint256 What was credited (what actually arrived).
    """
    self._check_not_paused()
    return self._credit(msg.sender, self._pull(msg.sender, amount))


@external
def deposit_with_permit(amount: uint256, deadline: uint256, v: uint8, r: bytes32, s: bytes32) -> uint256:
    """
    @dev As `deposit`, approving with the caller's EIP-2612 permit in the same call. A
         permit someone already used (front-run) is fine as long as the allowance is there.
    @param amount Base units to pull; also the permit's value.
    @param deadline The permit's deadline.
    @param v The permit signature's v.
    @param r The permit signature's r.
    @param s The permit signature's s.
    @return uint256 What was credited.
    """
    self._check_not_paused()
    # a permit a front-runner already used set the allowance this needs: skip it then
    if staticcall STABLECOIN.allowance(msg.sender, self) < amount:
        extcall IERC20Permit(STABLECOIN.address).permit(msg.sender, self, amount, deadline, v, r, s)
    return self._credit(msg.sender, self._pull(msg.sender, amount))


@external
def deposit_with_authorization(
    payer: address,
    amount: uint256,
    valid_after: uint256,
    valid_before: uint256,
    salt: bytes32,
    v: uint8,
    r: bytes32,
    s: bytes32,
) -> uint256:
    """
    @dev Adds to `payer`'s prepaid balance with its EIP-3009 ReceiveWithAuthorization
         to this contract, whose nonce is `payment_nonce(0, salt)`; anyone may submit it.
         Deposits and direct payments (node ids from 1) never share a nonce, so nobody
         can turn a pending payment to a node into a deposit, or the other way round.
    @param payer The authorization's signer, whose balance is credited.
    @param amount Base units authorized.
    @param valid_after The authorization is valid strictly after this time.
    @param valid_before The authorization is valid strictly before this time.
    @param salt The payer's random salt; the nonce is derived from it.
    @param v The signature's v.
    @param r The signature's r.
    @param s The signature's s.
    @return uint256 What was credited.
    """
    self._check_not_paused()
    nonce: bytes32 = self._payment_nonce(0, salt)
    return self._credit(payer, self._receive(payer, amount, valid_after, valid_before, nonce, v, r, s))


@external
def settle(
    vouchers: DynArray[ISettlement.Voucher, MAX_BATCH], signatures: DynArray[ISettlement.Signature, MAX_BATCH]
) -> uint256:
    """
    @dev Pays every voucher's increase over what was already settled for its (payer,
         node) from the channel's reservation first, then from the payer's free prepaid
         balance, skipping (with `VoucherSkipped`) any
         that is expired, stale, for an unknown node, wrongly signed or underfunded.
         Anyone may call it. At most 16 distinct nodes per batch.
    @param vouchers The vouchers, in any order.
    @param signatures The payers' signatures, one per voucher, in the same order.
    @return uint256 The total paid.
    """
    self._check_not_paused()
    assert len(vouchers) == len(signatures), "settlement: one signature per voucher"
    payees: DynArray[Payee, MAX_NODES_PER_BATCH] = []
    domain: bytes32 = eip712._domain_separator_v4()
    total: uint256 = 0
    for i: uint256 in range(len(vouchers), bound=MAX_BATCH):
        voucher: ISettlement.Voucher = vouchers[i]
        reason: uint8 = 0
        k: uint256 = self._batch_index[voucher.node_id]
        if k == 0 or k > len(payees) or payees[k - 1].node_id != voucher.node_id:
            assert len(payees) < MAX_NODES_PER_BATCH, "settlement: more than 16 nodes in a batch"
            payees.append(self._lookup(voucher.node_id))
            k = len(payees)
            self._batch_index[voucher.node_id] = k
        k = unsafe_sub(k, 1)  # k >= 1 here
        due: uint256 = 0
        prepaid: uint256 = 0
        reservation: uint256 = 0
        if block.timestamp > voucher.deadline:
            reason = EXPIRED
        elif payees[k].token == empty(address):
            reason = UNKNOWN_NODE
        else:
            channel: uint256 = self._channels[voucher.payer][voucher.node_id]
            settled: uint256 = channel & _SETTLED_MASK
            if voucher.cumulative_amount <= settled:
                reason = NOTHING_DUE
            elif not self._signed_by(voucher, domain, signatures[i]):
                reason = INVALID_SIGNATURE
            elif voucher.cumulative_amount > _SETTLED_MASK:
                # no balance can cover it, and the settled amount has 128 bits
                reason = UNDERFUNDED
            else:
                due = unsafe_sub(voucher.cumulative_amount, settled)  # cumulative > settled here
                reservation = channel >> _RESERVATION_SHIFT
                if due > reservation:
                    prepaid = self._prepaid[voucher.payer]
                    if prepaid < unsafe_sub(due, reservation):
                        reason = UNDERFUNDED
        if reason != 0:
            log ISettlement.VoucherSkipped(
                payer=voucher.payer, node_id=voucher.node_id, cumulative_amount=voucher.cumulative_amount, reason=reason
            )
            continue
        if due > reservation:
            # the reservation is used up; the free balance pays the rest (prepaid covers it here)
            self._prepaid[voucher.payer] = unsafe_sub(prepaid, unsafe_sub(due, reservation))
            reservation = 0
        else:
            reservation = unsafe_sub(reservation, due)
        self._channels[voucher.payer][voucher.node_id] = voucher.cumulative_amount | (reservation << _RESERVATION_SHIFT)
        payees[k].amount = unsafe_add(payees[k].amount, due)  # the sum of prepaid balances bounds it
        total = unsafe_add(total, due)
        log ISettlement.VoucherSettled(
            payer=voucher.payer, node_id=voucher.node_id, cumulative_amount=voucher.cumulative_amount, amount=due
        )

    if total == 0:
        return 0
    config: uint256 = self._config
    entries: uint256 = 0
    for payee: Payee in payees:
        if payee.amount != 0:
            # fees and holders' parts each sum to at most `total`, below 2**128: no carry
            entries = unsafe_add(entries, self._pay(payee, config))
    self._book(config, entries)
    return total


@external
def pay_with_authorization(
    node_id: uint256,
    payer: address,
    amount: uint256,
    valid_after: uint256,
    valid_before: uint256,
    salt: bytes32,
    v: uint8,
    r: bytes32,
    s: bytes32,
) -> uint256:
    """
    @dev A one-shot payment to a node with the payer's EIP-3009 ReceiveWithAuthorization
         to this contract, whose nonce is `payment_nonce(node_id, salt)`. Anyone may
         submit it; it is split like any payment.
    @param node_id The node paid.
    @param payer The authorization's signer.
    @param amount Base units authorized.
    @param valid_after The authorization is valid strictly after this time.
    @param valid_before The authorization is valid strictly before this time.
    @param salt The payer's random salt; the nonce is derived from it and the node.
    @param v The signature's v.
    @param r The signature's r.
    @param s The signature's s.
    @return uint256 The amount received and split.
    """
    self._check_not_paused()
    payee: Payee = self._lookup(node_id)
    assert payee.token != empty(address), "settlement: unknown node"
    nonce: bytes32 = self._payment_nonce(node_id, salt)
    payee.amount = self._receive(payer, amount, valid_after, valid_before, nonce, v, r, s)
    log ISettlement.DirectPayment(payer=payer, node_id=node_id, nonce=nonce, amount=payee.amount)
    config: uint256 = self._config
    assert (config & _OWED_MASK) + payee.amount <= _OWED_MASK, "settlement: holdings above 2**128 - 1"
    # what arrived is owed, but for what the token pulls for its holders (below 2**128:
    # no carry into the settings)
    self._book(config + payee.amount, self._pay(payee, config))
    return payee.amount


@external
def request_withdrawal(amount: uint256):
    """
    @dev Asks to withdraw `amount` of the caller's prepaid balance once `WITHDRAWAL_DELAY`
         has run on Settlement's clock; it can then be paid for `WITHDRAWAL_WINDOW` seconds
         of that clock, and expires. From now on the amount is no longer `available` to
         nodes, but they may still charge it until it is paid. A new request replaces the
         pending one and restarts the delay. Allowed while paused (its delay starts when
         the pause ends).
    @param amount Base units; at most the balance now.
    """
    assert amount != 0, "settlement: nothing to withdraw"
    assert amount <= self._prepaid[msg.sender], "settlement: amount above the balance"
    available_at: uint256 = self._clock() + WITHDRAWAL_DELAY
    self._withdrawal[msg.sender] = Request(amount=amount, available_at=available_at)
    log ISettlement.WithdrawalRequested(
        payer=msg.sender, amount=amount, available_at=available_at, expires_at=available_at + WITHDRAWAL_WINDOW
    )


@external
def withdraw(receiver: address) -> uint256:
    """
    @dev Pays the caller's requested withdrawal once its delay has run and before it
         expires (both on Settlement's clock), capped at what is left of the balance
         after the vouchers settled meanwhile. Not while paused: nodes cannot settle then.
    @param receiver Where the stablecoin goes (any address the stablecoin accepts).
    @return uint256 The amount paid.
    """
    self._check_not_paused()
    request: Request = self._withdrawal[msg.sender]
    assert request.amount != 0, "settlement: no withdrawal requested"
    clock: uint256 = self._clock()
    assert clock >= request.available_at, "settlement: withdrawal not available yet"
    assert clock < request.available_at + WITHDRAWAL_WINDOW, "settlement: withdrawal request expired"
    balance: uint256 = self._prepaid[msg.sender]
    amount: uint256 = min(request.amount, balance)
    self._prepaid[msg.sender] = balance - amount
    self._withdrawal[msg.sender] = empty(Request)
    if amount != 0:
        self._config -= amount  # what is owed includes the balance: no borrow from the settings
        self._push(receiver, amount)
    log ISettlement.Withdrawn(payer=msg.sender, receiver=receiver, amount=amount)
    return amount


@external
def withdraw_earnings(receiver: address) -> uint256:
    """
    @dev Pays the caller's earnings (protocol fees for the treasury, shares for an
         operator) to `receiver`.
    @param receiver Where the stablecoin goes (any address the stablecoin accepts).
    @return uint256 The amount paid.
    """
    amount: uint256 = self._earnings[msg.sender]
    config: uint256 = self._config
    if msg.sender == self.treasury:
        amount += config >> _FEES_SHIFT
        config &= _SETTINGS_MASK
    assert amount != 0, "settlement: no earnings"
    self._earnings[msg.sender] = 0
    # what is owed includes these earnings: no borrow from the settings
    self._config = config - amount
    self._push(receiver, amount)
    log ISettlement.EarningsWithdrawn(account=msg.sender, receiver=receiver, amount=amount)
    return amount


@external
def skim() -> uint256:
    """
    @dev Sends the stablecoin Settlement holds beyond what it owes (`owed`: every prepaid
         balance, reservation, rent escrow and earnings, the treasury's fees) to `treasury`:
         stablecoin sent here other than by a deposit, reservation or payment. Anyone may
         call it, also while paused; it never moves a unit owed (Settlement's balance
         after it is `owed`).
    @return uint256 The amount sent (what the treasury receives may be less with a
            fee-on-transfer token).
    """
    held: uint256 = staticcall STABLECOIN.balanceOf(self)
    owed: uint256 = self._config & _OWED_MASK
    assert held > owed, "settlement: nothing to skim"
    excess: uint256 = unsafe_sub(held, owed)
    receiver: address = self.treasury
    self._push(receiver, excess)
    log ISettlement.Skimmed(receiver=receiver, amount=excess)
    return excess


@external
def reserve(node_id: uint256, amount: uint256):
    """
    @dev Commits `amount` of the caller's available prepaid balance to its channel with
         `node_id`: `settle` pays that node's vouchers from it before the free balance, and
         nothing else can take it until a release of it completes. Not while paused: a
         voucher of another node payable from the free balance when a pause began stays
         payable when it ends.
    @param node_id The node the reservation backs.
    @param amount Base units; at most `available(caller)`.
    """
    self._check_not_paused()
    assert amount != 0, "settlement: nothing to reserve"
    balance: uint256 = self._prepaid[msg.sender]
    assert amount <= balance - self._pending(msg.sender, balance), "settlement: amount above the available balance"
    self._prepaid[msg.sender] = balance - amount
    self._reserve(msg.sender, node_id, amount)


@external
def reserve_with_authorization(
    payer: address,
    node_id: uint256,
    amount: uint256,
    valid_after: uint256,
    valid_before: uint256,
    salt: bytes32,
    v: uint8,
    r: bytes32,
    s: bytes32,
) -> uint256:
    """
    @dev Adds to `payer`'s reservation for `node_id` straight from its stablecoin, with
         its EIP-3009 ReceiveWithAuthorization to this contract whose nonce is
         `reservation_nonce(node_id, salt)`; anyone may submit it (a payer without gas
         reserves through a relayer). The nonce binds it to its node, and never equals a
         deposit's or a direct payment's.
    @param payer The authorization's signer, whose reservation is credited.
    @param node_id The node the reservation backs.
    @param amount Base units authorized.
    @param valid_after The authorization is valid strictly after this time.
    @param valid_before The authorization is valid strictly before this time.
    @param salt The payer's random salt; the nonce is derived from it and the node.
    @param v The signature's v.
    @param r The signature's r.
    @param s The signature's s.
    @return uint256 What was reserved (what actually arrived).
    """
    self._check_not_paused()
    nonce: bytes32 = self._reservation_nonce(node_id, salt)
    received: uint256 = self._receive(payer, amount, valid_after, valid_before, nonce, v, r, s)
    self._hold(received)
    self._reserve(payer, node_id, received)
    return received


@external
def release(node_id: uint256, amount: uint256):
    """
    @dev Asks to return `amount` of the caller's reservation for `node_id` to its free
         balance once `WITHDRAWAL_DELAY` has run on Settlement's clock (`complete_release`,
         for `WITHDRAWAL_WINDOW` seconds of that clock; then the request expires). From
         now on the amount is no longer counted in `reserved`, but the node may still be
         paid from the whole reservation until the release completes. A new request
         replaces the channel's pending one and restarts the delay. Allowed while paused.
    @param node_id The node of the channel.
    @param amount Base units; at most the reservation now.
    """
    assert amount != 0, "settlement: nothing to release"
    assert (
        amount <= self._channels[msg.sender][node_id] >> _RESERVATION_SHIFT
    ), "settlement: amount above the reservation"
    available_at: uint256 = self._clock() + WITHDRAWAL_DELAY
    self._releases[msg.sender][node_id] = Request(amount=amount, available_at=available_at)
    log ISettlement.ReleaseRequested(
        payer=msg.sender,
        node_id=node_id,
        amount=amount,
        available_at=available_at,
        expires_at=available_at + WITHDRAWAL_WINDOW,
    )


@external
def complete_release(node_id: uint256) -> uint256:
    """
    @dev Returns the caller's requested release of its reservation for `node_id` to its
         free prepaid balance, once its delay has run and before it expires (both on
         Settlement's clock), capped at what is left of the reservation after the vouchers
         settled meanwhile. Not while paused: the node cannot settle then.
    @param node_id The node of the channel.
    @return uint256 The amount returned to the free balance.
    """
    self._check_not_paused()
    request: Request = self._releases[msg.sender][node_id]
    assert request.amount != 0, "settlement: no release requested"
    clock: uint256 = self._clock()
    assert clock >= request.available_at, "settlement: release not available yet"
    assert clock < request.available_at + WITHDRAWAL_WINDOW, "settlement: release request expired"
    channel: uint256 = self._channels[msg.sender][node_id]
    reservation: uint256 = channel >> _RESERVATION_SHIFT
    amount: uint256 = min(request.amount, reservation)
    reservation -= amount
    self._channels[msg.sender][node_id] = (channel & _SETTLED_MASK) | (reservation << _RESERVATION_SHIFT)
    self._releases[msg.sender][node_id] = empty(Request)
    self._prepaid[msg.sender] += amount
    log ISettlement.Released(payer=msg.sender, node_id=node_id, amount=amount, reservation=reservation)
    return amount


@external
def lock_voucher(voucher: ISettlement.Voucher, signature: ISettlement.Signature):
    """
    @dev Checks a contract wallet's (ERC-1271) signature of `voucher` once and locks it
         for its (payer, node) channel: until the voucher's deadline, `settle` pays any
         voucher of the channel up to its cumulative amount without asking the wallet
         again, whatever the wallet answers then. A node serving a contract wallet locks
         each voucher before serving against it. Anyone may call it, also while paused.
         A lock is replaced only by a larger voucher that lasts at least as long, unless
         it has ended or is settled in full. An EOA's voucher needs no lock (its
         signature cannot be revoked) and is refused.
    @param voucher The voucher; its payer must be a contract.
    @param signature The wallet's signature (r, vs), passed to its `isValidSignature`.
    """
    assert block.timestamp <= voucher.deadline, "settlement: voucher expired"
    assert voucher.payer.is_contract, "settlement: an EOA's voucher needs no lock"
    assert voucher.cumulative_amount <= _SETTLED_MASK, "settlement: voucher amount above 2**128 - 1"
    settled: uint256 = self._channels[voucher.payer][voucher.node_id] & _SETTLED_MASK
    assert voucher.cumulative_amount > settled, "settlement: voucher already settled"
    lock: uint256 = self._locks[voucher.payer][voucher.node_id]
    locked_amount: uint256 = lock & _SETTLED_MASK
    locked_until: uint256 = lock >> _DEADLINE_SHIFT
    if block.timestamp <= locked_until and locked_amount > settled:
        # a live lock: nobody (the wallet included) may lower it or cut it short
        assert voucher.cumulative_amount > locked_amount, "settlement: a voucher at least as large is locked"
        assert voucher.deadline >= locked_until, "settlement: the locked voucher lasts longer; settle it first"
    # the live lock cannot answer for this voucher here (it is larger): the wallet does
    assert self._signed_by(
        voucher, eip712._domain_separator_v4(), signature
    ), "settlement: the wallet refuses the signature"
    deadline: uint256 = min(voucher.deadline, _SETTLED_MASK)
    self._locks[voucher.payer][voucher.node_id] = voucher.cumulative_amount | (deadline << _DEADLINE_SHIFT)
    log ISettlement.VoucherLocked(
        payer=voucher.payer, node_id=voucher.node_id, cumulative_amount=voucher.cumulative_amount, deadline=deadline
    )


@external
def announce_fee(fee_bps: uint256):
    """
    @dev Announces a protocol fee that may apply `FEE_DELAY` seconds of Settlement's clock
         from now (`apply_fee`); it replaces any change announced before and restarts the
         delay. Payments keep the fee in force until it is applied. Owner only.
    @param fee_bps At most 1,000 (10%).
    """
    ow._check_owner()
    assert fee_bps <= MAX_FEE_BPS, "settlement: fee above the cap"
    effective_at: uint256 = self._clock() + FEE_DELAY
    self._fee_change = fee_bps | (effective_at << _EFFECTIVE_SHIFT)
    log ISettlement.FeeChangeAnnounced(fee_bps=fee_bps, effective_at=effective_at)


@external
def apply_fee():
    """
    @dev Puts the announced fee in force for payments from now on, once its delay has run
         on Settlement's clock. Owner only.
    """
    ow._check_owner()
    change: uint256 = self._fee_change
    assert change != 0, "settlement: no fee change announced"
    assert self._clock() >= change >> _EFFECTIVE_SHIFT, "settlement: fee change not due yet"
    fee_bps: uint256 = change & constants.UINT16_MASK
    self._fee_change = 0
    self._config = (self._config & ~(constants.UINT16_MASK << _FEE_SHIFT)) | (fee_bps << _FEE_SHIFT)
    log ISettlement.FeeSet(fee_bps=fee_bps)


@external
def cancel_fee():
    """
    @dev Withdraws the announced fee change; the fee in force stays. Owner only.
    """
    ow._check_owner()
    change: uint256 = self._fee_change
    assert change != 0, "settlement: no fee change announced"
    self._fee_change = 0
    log ISettlement.FeeChangeCancelled(fee_bps=change & constants.UINT16_MASK)


@external
def set_treasury(treasury: address):
    """
    @dev Sets who receives protocol fees from now on; fees already earned stay with the
         previous treasury. Owner only.
    @param treasury The new treasury.
    """
    ow._check_owner()
    assert treasury != empty(address), "settlement: treasury is the zero address"
    config: uint256 = self._config
    # fees earned so far stay with the treasury that earned them (still owed: `owed` unchanged)
    pool: uint256 = config >> _FEES_SHIFT
    if pool != 0:
        self._earnings[self.treasury] += pool
        self._config = config & _SETTINGS_MASK
    self.treasury = treasury
    log ISettlement.TreasurySet(treasury=treasury)


@external
def set_guardian(guardian: address):
    """
    @dev Sets the guardian, who may pause and unpause; the zero address removes it.
         Owner only.
    @param guardian The new guardian.
    """
    ow._check_owner()
    self.guardian = guardian
    log ISettlement.GuardianSet(guardian=guardian)


@external
def pause():
    """
    @dev Stops deposits, settlements, payments, reservations, completed releases and
         prepaid withdrawals, and Settlement's clock with them, until `unpause` or for `PAUSE_LIMIT` seconds, whichever is
         first; earnings stay withdrawable. A pause may start only `PAUSE_LIMIT` seconds
         after the last one ended (`next_pause_at`). Guardian or owner.
    """
    self._check_guardian()
    config: uint256 = self._config
    state: uint256 = self._pause
    stopped: uint256 = (state >> _STOPPED_SHIFT) & constants.UINT64_MASK
    resumed_at: uint256 = state >> _RESUMED_SHIFT
    if config & _PAUSED_BIT != 0:
        lapsed_at: uint256 = (state & constants.UINT64_MASK) + PAUSE_LIMIT
        assert block.timestamp >= lapsed_at, "settlement: already paused"
        # the last pause lapsed: it stopped the clock for its whole length
        stopped += PAUSE_LIMIT
        resumed_at = lapsed_at
    assert block.timestamp >= resumed_at + PAUSE_LIMIT, "settlement: too soon after the last pause"
    self._pause = block.timestamp | (stopped << _STOPPED_SHIFT) | (resumed_at << _RESUMED_SHIFT)
    self._config = config | _PAUSED_BIT
    log ISettlement.Paused(account=msg.sender, lapses_at=block.timestamp + PAUSE_LIMIT)


@external
def unpause():
    """
    @dev Ends the running pause before it lapses; Settlement's clock runs again from where
         it stopped. Guardian or owner.
    """
    self._check_guardian()
    config: uint256 = self._config
    state: uint256 = self._pause
    since: uint256 = state & constants.UINT64_MASK
    assert (config & _PAUSED_BIT != 0 and block.timestamp < since + PAUSE_LIMIT), "settlement: not paused"
    stopped: uint256 = ((state >> _STOPPED_SHIFT) & constants.UINT64_MASK) + block.timestamp - since
    self._pause = (stopped << _STOPPED_SHIFT) | (block.timestamp << _RESUMED_SHIFT)
    self._config = config & ~_PAUSED_BIT
    log ISettlement.Unpaused(account=msg.sender)


@external
@view
def available(payer: address) -> uint256:
    """
    @dev What nodes can serve `payer` against: its prepaid balance less its pending
         withdrawal request (from the moment it is made until it is paid or expires).
    @param payer The customer.
    @return uint256 Base units.
    """
    balance: uint256 = self._prepaid[payer]
    return balance - self._pending(payer, balance)


@external
@view
def prepaid(payer: address) -> uint256:
    """
    @dev The payer's free prepaid balance (its reservations apart), its pending withdrawal
         included: what `settle` can still charge beyond a channel's reservation until the
         withdrawal is paid. Nodes deciding what to serve read `available` and `reserved`.
    @param payer The customer.
    @return uint256 Base units.
    """
    return self._prepaid[payer]


@external
@view
def settled(payer: address, node_id: uint256) -> uint256:
    """
    @dev The cumulative amount already settled for (payer, node): a voucher pays only
         what its `cumulativeAmount` adds to it.
    @param payer The customer.
    @param node_id The node.
    @return uint256 Base units.
    """
    return self._channels[payer][node_id] & _SETTLED_MASK


@external
@view
def reserved(payer: address, node_id: uint256) -> uint256:
    """
    @dev What the (payer, node) channel's reservation guarantees the node: the reservation
         less its pending release (from the moment the release is asked until it completes
         or expires). No other node and no withdrawal can take it.
    @param payer The customer.
    @param node_id The node.
    @return uint256 Base units.
    """
    reservation: uint256 = self._channels[payer][node_id] >> _RESERVATION_SHIFT
    return reservation - self._releasing(payer, node_id, reservation)


@external
@view
def reservation(payer: address, node_id: uint256) -> uint256:
    """
    @dev The (payer, node) channel's whole reservation, its pending release included: what
         `settle` draws on before the free balance until the release completes.
    @param payer The customer.
    @param node_id The node.
    @return uint256 Base units.
    """
    return self._channels[payer][node_id] >> _RESERVATION_SHIFT


@external
@view
def release_request(payer: address, node_id: uint256) -> ISettlement.Withdrawal:
    """
    @dev The channel's pending release: its amount, and from when and until when (on
         Settlement's clock) it can be completed. Zeros when none is pending or it has
         expired.
    @param payer The customer.
    @param node_id The node.
    @return Withdrawal Amount, available_at and expires_at.
    """
    request: Request = self._releases[payer][node_id]
    expires_at: uint256 = request.available_at + WITHDRAWAL_WINDOW
    if request.amount == 0 or self._clock() >= expires_at:
        return empty(ISettlement.Withdrawal)
    return ISettlement.Withdrawal(amount=request.amount, available_at=request.available_at, expires_at=expires_at)


@external
@view
def earnings(account: address) -> uint256:
    """
    @dev Fees or operator shares `account` can withdraw.
    @param account The treasury or an operator.
    @return uint256 Base units.
    """
    if account == self.treasury:
        return self._earnings[account] + (self._config >> _FEES_SHIFT)
    return self._earnings[account]


@external
@view
def withdrawal_request(payer: address) -> ISettlement.Withdrawal:
    """
    @dev The payer's pending withdrawal: its amount, and from when and until when (on
         Settlement's clock, `clock()`) it can be paid. Zeros when none is pending or it
         has expired.
    @param payer The customer.
    @return Withdrawal Amount, available_at and expires_at.
    """
    request: Request = self._withdrawal[payer]
    expires_at: uint256 = request.available_at + WITHDRAWAL_WINDOW
    if request.amount == 0 or self._clock() >= expires_at:
        return empty(ISettlement.Withdrawal)
    return ISettlement.Withdrawal(amount=request.amount, available_at=request.available_at, expires_at=expires_at)


@external
@view
def locked(payer: address, node_id: uint256) -> (uint256, uint256):
    """
    @dev The (payer, node) channel's locked contract-wallet voucher (`lock_voucher`): `settle`
         pays vouchers of the channel up to its cumulative amount without the wallet's
         signature until its deadline has passed.
    @param payer The contract wallet.
    @param node_id The node.
    @return uint256 The locked cumulative amount (0 when none was locked).
    @return uint256 The locked voucher's deadline, capped at 2**128 - 1 (0 when none).
    """
    lock: uint256 = self._locks[payer][node_id]
    return lock & _SETTLED_MASK, lock >> _DEADLINE_SHIFT


@external
@view
def clock() -> uint256:
    """
    @dev Settlement's clock, on which withdrawal requests mature and expire: the block's
         timestamp less every second Settlement has been paused. It stands still during a
         pause.
    @return uint256 Seconds.
    """
    return self._clock()


@external
@view
def payment_nonce(node_id: uint256, salt: bytes32) -> bytes32:
    """
    @dev The EIP-3009 nonce a payer signs for `pay_with_authorization` to `node_id`, or,
         with `node_id` 0, for `deposit_with_authorization`.
    @param node_id The node paid; 0 for a deposit.
    @param salt Any fresh random value.
    @return bytes32 keccak256(abi.encode(node_id, salt)).
    """
    return self._payment_nonce(node_id, salt)


@external
@view
def reservation_nonce(node_id: uint256, salt: bytes32) -> bytes32:
    """
    @dev The EIP-3009 nonce a payer signs for `reserve_with_authorization` to `node_id`.
    @param node_id The node the reservation backs.
    @param salt Any fresh random value.
    @return bytes32 keccak256(abi.encode(node_id, salt, 1)).
    """
    return self._reservation_nonce(node_id, salt)


@external
@view
def fee_bps() -> uint256:
    """
    @dev The protocol fee.
    @return uint256 bps of every payment.
    """
    return (self._config >> _FEE_SHIFT) & constants.UINT16_MASK


@external
@view
def pending_fee() -> (uint256, uint256):
    """
    @dev The announced fee change, if any.
    @return uint256 The announced fee bps (0 when none is announced).
    @return uint256 When it may apply, on Settlement's clock (`clock()`); 0 when none is announced.
    """
    change: uint256 = self._fee_change
    return change & constants.UINT16_MASK, change >> _EFFECTIVE_SHIFT


@external
@view
def owed() -> uint256:
    """
    @dev What Settlement owes: every prepaid balance, reservation, rent escrow (NodeRentals)
         and earnings, the treasury's fees included. It holds at least this; `skim` the rest.
    @return uint256 Base units.
    """
    return self._config & _OWED_MASK


@external
@view
def paused() -> bool:
    """
    @dev Whether deposits, settlements, payments, reservations, completed releases and
         prepaid withdrawals are stopped: a pause is running and has not lapsed.
    @return bool True when paused.
    """
    return self._paused_until() != 0


@external
@view
def paused_until() -> uint256:
    """
    @dev When the running pause lapses, unless it is ended earlier.
    @return uint256 A timestamp; 0 when not paused.
    """
    return self._paused_until()


@external
@view
def next_pause_at() -> uint256:
    """
    @dev The earliest time a new pause may start: `PAUSE_LIMIT` after the last pause ended
         (a running pause counted as ending when it lapses).
    @return uint256 A timestamp; one in the past means now.
    """
    state: uint256 = self._pause
    if self._config & _PAUSED_BIT != 0:
        return (state & constants.UINT64_MASK) + 2 * PAUSE_LIMIT
    return (state >> _RESUMED_SHIFT) + PAUSE_LIMIT


@external
@view
def voucher_digest(voucher: ISettlement.Voucher) -> bytes32:
    """
    @dev The EIP-712 digest of `voucher` that `settle` and `lock_voucher` check: what an EOA
         payer signs (EIP-2098 compact) and what a contract wallet's `isValidSignature`
         is asked about. `settle` writes the same expression out (see `_voucher_digest`).
         Anyone may call it.
    @param voucher The voucher.
    @return bytes32 keccak256(0x1901 ‖ domain separator ‖ hashStruct(voucher)).
    """
    return self._voucher_digest(voucher, eip712._domain_separator_v4())


@external
@view
def preflight(
    vouchers: DynArray[ISettlement.Voucher, MAX_BATCH], signatures: DynArray[ISettlement.Signature, MAX_BATCH]
) -> DynArray[uint8, MAX_BATCH]:
    """
    @dev What `settle` would do with this exact batch if it ran in the block this call runs
         in (`latest` for an `eth_call`; `settle` will run later): for each voucher, in
         order, the `VoucherSkipped` reason it would get, or 0 when it would be paid. The
         checks and their order are `settle`'s (1 expired, 2 nothing due, 3 unknown node,
         4 invalid signature, 5 underfunded), and so are the batch's own effects: a later
         voucher of a (payer, node) channel pays only its increase over an earlier one, and
         earlier vouchers of a payer draw its channel's reservation, then its free prepaid
         balance, before later ones are checked. Reverts as `settle` would for the whole
         batch (paused, not one signature per voucher, more than 16 nodes). A view: the
         batch's writes are kept in memory and searched linearly (at most 100 entries), and
         a node not yet paid through Settlement is read from the registry without caching.
         Not predicted: a revert of the stablecoin or a token while `settle` pays the
         nodes, or a contract wallet whose ERC-1271 answer changes within the transaction.
         Anyone may call it.
    @param vouchers The vouchers, in the order `settle` would get them.
    @param signatures The payers' signatures, one per voucher, in the same order.
    @return DynArray One reason code per voucher: 0 paid, else the `VoucherSkipped` reason.
    """
    self._check_not_paused()
    assert len(vouchers) == len(signatures), "settlement: one signature per voucher"
    domain: bytes32 = eip712._domain_separator_v4()
    nodes: DynArray[uint256, MAX_NODES_PER_BATCH] = []
    unknown: DynArray[uint256, MAX_NODES_PER_BATCH] = []
    # the channels and prepaid balances the batch has written so far, as `settle` leaves them
    channel_payers: DynArray[address, MAX_BATCH] = []
    channel_nodes: DynArray[uint256, MAX_BATCH] = []
    channel_words: DynArray[uint256, MAX_BATCH] = []
    balance_payers: DynArray[address, MAX_BATCH] = []
    balances: DynArray[uint256, MAX_BATCH] = []
    reasons: DynArray[uint8, MAX_BATCH] = []
    for i: uint256 in range(len(vouchers), bound=MAX_BATCH):
        voucher: ISettlement.Voucher = vouchers[i]
        if voucher.node_id not in nodes:
            assert len(nodes) < MAX_NODES_PER_BATCH, "settlement: more than 16 nodes in a batch"
            nodes.append(voucher.node_id)
            if not self._is_node(voucher.node_id):
                unknown.append(voucher.node_id)
        reason: uint8 = 0
        if block.timestamp > voucher.deadline:
            reason = EXPIRED
        elif voucher.node_id in unknown:
            reason = UNKNOWN_NODE
        else:
            c: uint256 = max_value(uint256)
            channel: uint256 = 0
            for j: uint256 in range(len(channel_payers), bound=MAX_BATCH):
                if channel_payers[j] == voucher.payer and channel_nodes[j] == voucher.node_id:
                    c = j
                    channel = channel_words[j]
                    break
            if c == max_value(uint256):
                channel = self._channels[voucher.payer][voucher.node_id]
            settled: uint256 = channel & _SETTLED_MASK
            if voucher.cumulative_amount <= settled:
                reason = NOTHING_DUE
            elif not self._signed_by(voucher, domain, signatures[i]):
                reason = INVALID_SIGNATURE
            elif voucher.cumulative_amount > _SETTLED_MASK:
                reason = UNDERFUNDED
            else:
                due: uint256 = voucher.cumulative_amount - settled
                reservation: uint256 = channel >> _RESERVATION_SHIFT
                if due > reservation:
                    b: uint256 = max_value(uint256)
                    prepaid: uint256 = 0
                    for j: uint256 in range(len(balance_payers), bound=MAX_BATCH):
                        if balance_payers[j] == voucher.payer:
                            b = j
                            prepaid = balances[j]
                            break
                    if b == max_value(uint256):
                        prepaid = self._prepaid[voucher.payer]
                    if prepaid < due - reservation:
                        reason = UNDERFUNDED
                    elif b == max_value(uint256):
                        balance_payers.append(voucher.payer)
                        balances.append(prepaid - (due - reservation))
                    else:
                        balances[b] = prepaid - (due - reservation)
                    reservation = 0
                else:
                    reservation -= due
                if reason == 0:
                    channel = voucher.cumulative_amount | (reservation << _RESERVATION_SHIFT)
                    if c == max_value(uint256):
                        channel_payers.append(voucher.payer)
                        channel_nodes.append(voucher.node_id)
                        channel_words.append(channel)
                    else:
                        channel_words[c] = channel
        reasons.append(reason)
    return reasons


@internal
def _pay(payee: Payee, config: uint256) -> uint256:
    """
    @dev Splits what a node was paid: the protocol fee (returned, for the caller to credit),
         the operator's share to its earnings, and the rest, every rounding remainder
         included, into its token's revenue stream (pulled by `deposit_revenue`: it leaves
         Settlement). Logs `NodePaid`.
    @param payee The node, its token, its operator's share and the amount paid.
    @param config The `_config` slot, as read once per payment.
    @return uint256 The payment's entry for `_book`: fee << 128 | the holders' part.
    """
    fee: uint256 = payee.amount * ((config >> _FEE_SHIFT) & constants.UINT16_MASK) // constants.MAX_BPS
    operator_amount: uint256 = payee.amount * payee.share_bps // constants.MAX_BPS
    holders_amount: uint256 = payee.amount - fee - operator_amount
    if operator_amount != 0:
        self._earnings[self._operators[payee.node_id]] += operator_amount
    if holders_amount != 0:
        extcall IRevenueStream(payee.token).deposit_revenue(holders_amount)
    log ISettlement.NodePaid(
        node_id=payee.node_id,
        amount=payee.amount,
        fee=fee,
        operator_amount=operator_amount,
        holders_amount=holders_amount,
    )
    return (fee << _ENTRY_SHIFT) | holders_amount


@internal
def _book(config: uint256, entries: uint256):
    """
    @dev Writes a payment into the `_config` slot: its fees join the treasury's pool (a pool
         that would pass 2**79 - 1 base units moves, whole, to the treasury's earnings
         slot) and the holders' parts, pulled by the tokens, leave what Settlement owes.
    @param config The `_config` slot, as read before the payment (plus what it received).
    @param entries The sum of the payment's `_pay` entries: fees << 128 | holders' parts
           (each sum below 2**128, at most what is owed).
    """
    fees: uint256 = entries >> _ENTRY_SHIFT
    paid_out: uint256 = entries & _OWED_MASK
    if fees == 0:
        self._config = config - paid_out  # what is owed covers it: no borrow
        return
    pool: uint256 = (config >> _FEES_SHIFT) + fees
    if pool > _MAX_POOL:
        # beyond 2**79 base units: the pool moves to the treasury's earnings slot
        self._earnings[self.treasury] += pool
        pool = 0
    self._config = ((config & _SETTINGS_MASK) - paid_out) | (pool << _FEES_SHIFT)


@internal
def _lookup(node_id: uint256) -> Payee:
    """
    @dev A node's payee: from this contract's cache, or at the node's first payment from the
         registry (then cached, and the token approved once for every `deposit_revenue`
         pull to come).
    @param node_id The node.
    @return Payee Its token (zero for an unknown node), its operator's share, amount 0.
    """
    cached: uint256 = self._payees[node_id]
    if cached != 0:
        return Payee(
            node_id=node_id,
            token=convert(cached & constants.ADDRESS_MASK, address),
            share_bps=cached >> _SHARE_SHIFT,
            amount=0,
        )
    token: address = empty(address)
    operator: address = empty(address)
    share_bps: uint256 = 0
    token, operator, share_bps = staticcall REGISTRY.payee(node_id)
    if token != empty(address):
        self._payees[node_id] = convert(token, uint256) | (share_bps << _SHARE_SHIFT)
        self._operators[node_id] = operator
        # the token pulls the holders' share with deposit_revenue: approve it once
        assert extcall STABLECOIN.approve(
            token, max_value(uint256), default_return_value=True
        ), "settlement: approve failed"
    return Payee(node_id=node_id, token=token, share_bps=share_bps, amount=0)


@internal
@view
def _is_node(node_id: uint256) -> bool:
    """
    @dev Whether `settle` would find a payee for `node_id` (`_lookup`): cached here, or
         registered in the registry. Reads only, so `preflight` can use it.
    @param node_id The node.
    @return bool False for an unknown node.
    """
    if self._payees[node_id] != 0:
        return True
    token: address = empty(address)
    operator: address = empty(address)
    share_bps: uint256 = 0
    token, operator, share_bps = staticcall REGISTRY.payee(node_id)
    return token != empty(address)


@internal
@view
def _signed_by(voucher: ISettlement.Voucher, domain: bytes32, signature: ISettlement.Signature) -> bool:
    """
    @dev Whether `signature` is the voucher payer's: an EOA's EIP-2098 compact signature of
         the voucher's EIP-712 digest (0x1901 ‖ domain ‖ hashStruct), or for a contract a
         live lock of its channel covering the voucher (`lock_voucher`: its cumulative
         amount at most the locked one, the locked deadline not passed), else the
         contract's ERC-1271 approval of it. An invalid signature gives False, not a
         revert: in a batch its voucher is skipped.
    @param voucher The voucher.
    @param domain The domain separator, computed once per batch.
    @param signature The payer's signature (r, vs).
    @return bool True when the payer signed it.
    """
    # the same digest as `_voucher_digest`, written out: an internal call here costs every
    # voucher of every batch ~75 gas (tests check both against eth-account)
    digest: bytes32 = keccak256(
        concat(
            x"1901",
            domain,
            keccak256(
                abi_encode(
                    _VOUCHER_TYPEHASH, voucher.payer, voucher.node_id, voucher.cumulative_amount, voucher.deadline
                )
            ),
        )
    )
    # snekmate's ecdsa reverts on a malleable or unrecoverable signature; in a batch an
    # invalid voucher is skipped instead, so recover without reverting
    vs: uint256 = convert(signature.vs, uint256)
    s: uint256 = vs & _S_MASK
    if s <= _MAX_S and voucher.payer != empty(address):
        if ecrecover(digest, 27 + (vs >> 255), signature.r, s) == voucher.payer:
            return True
    if not voucher.payer.is_contract:
        return False
    # a contract wallet: a live lock answers for it, whatever the wallet says now
    lock: uint256 = self._locks[voucher.payer][voucher.node_id]
    if voucher.cumulative_amount <= lock & _SETTLED_MASK and block.timestamp <= lock >> _DEADLINE_SHIFT:
        return True
    return signature_checker._is_valid_ERC1271_signature_now(voucher.payer, digest, concat(signature.r, signature.vs))


@internal
@pure
def _voucher_digest(voucher: ISettlement.Voucher, domain: bytes32) -> bytes32:
    """
    @dev A voucher's EIP-712 digest, the one its payer signs, for `voucher_digest`.
         `_signed_by` writes the same expression out rather than call this: an internal
         call there would cost every voucher of every batch ~75 gas. The tests hold both
         to eth-account's digest.
    @param voucher The voucher.
    @param domain The domain separator.
    @return bytes32 keccak256(0x1901 ‖ domain ‖ hashStruct(voucher)).
    """
    return keccak256(
        concat(
            x"1901",
            domain,
            keccak256(
                abi_encode(
                    _VOUCHER_TYPEHASH, voucher.payer, voucher.node_id, voucher.cumulative_amount, voucher.deadline
                )
            ),
        )
    )


@internal
def _credit(payer: address, amount: uint256) -> uint256:
    """
    @dev Adds `amount` to `payer`'s prepaid balance and logs `Deposited`.
    @param payer The customer credited.
    @param amount Base units, as received.
    @return uint256 `amount`.
    """
    self._hold(amount)
    balance: uint256 = self._prepaid[payer] + amount
    self._prepaid[payer] = balance
    log ISettlement.Deposited(payer=payer, sender=msg.sender, amount=amount, balance=balance)
    return amount


@internal
def _hold(amount: uint256):
    """
    @dev Adds `amount`, just received, to what Settlement owes.
    @param amount Base units, as received.
    """
    config: uint256 = self._config
    assert (config & _OWED_MASK) + amount <= _OWED_MASK, "settlement: holdings above 2**128 - 1"
    self._config = config + amount  # below 2**128: no carry into the settings


@internal
def _reserve(payer: address, node_id: uint256, amount: uint256):
    """
    @dev Adds `amount` to the (payer, node) channel's reservation and logs `Reserved`.
    @param payer The customer.
    @param node_id The node.
    @param amount Base units, already taken from the free balance or received.
    """
    channel: uint256 = self._channels[payer][node_id]
    # below 2**128: a reservation is part of what Settlement owes (`_hold` bounds it)
    reservation: uint256 = unsafe_add(channel >> _RESERVATION_SHIFT, amount)
    self._channels[payer][node_id] = (channel & _SETTLED_MASK) | (reservation << _RESERVATION_SHIFT)
    log ISettlement.Reserved(payer=payer, node_id=node_id, amount=amount, reservation=reservation)


@internal
def _pull(payer: address, amount: uint256) -> uint256:
    """
    @dev Pulls `amount` of the stablecoin from `payer` (its allowance) and measures what
         arrived by balance difference, so a fee-on-transfer token is never over-credited.
    @param payer The payer.
    @param amount Base units to pull; not zero.
    @return uint256 What arrived.
    """
    assert amount != 0, "settlement: nothing to deposit"
    before: uint256 = staticcall STABLECOIN.balanceOf(self)
    assert extcall STABLECOIN.transferFrom(
        payer, self, amount, default_return_value=True
    ), "settlement: transfer failed"
    return staticcall STABLECOIN.balanceOf(self) - before


@internal
def _receive(
    payer: address,
    amount: uint256,
    valid_after: uint256,
    valid_before: uint256,
    nonce: bytes32,
    v: uint8,
    r: bytes32,
    s: bytes32,
) -> uint256:
    """
    @dev Receives `amount` of the stablecoin from `payer` with its EIP-3009
         ReceiveWithAuthorization to this contract and measures what arrived by balance
         difference.
    @param payer The authorization's signer.
    @param amount Base units authorized; not zero.
    @param valid_after The authorization is valid strictly after this time.
    @param valid_before The authorization is valid strictly before this time.
    @param nonce The authorization's nonce (`_payment_nonce`).
    @param v The signature's v.
    @param r The signature's r.
    @param s The signature's s.
    @return uint256 What arrived.
    """
    assert amount != 0, "settlement: nothing to pay"
    before: uint256 = staticcall STABLECOIN.balanceOf(self)
    extcall IERC3009(STABLECOIN.address).receiveWithAuthorization(
        payer, self, amount, valid_after, valid_before, nonce, v, r, s
    )
    return staticcall STABLECOIN.balanceOf(self) - before


@internal
def _push(receiver: address, amount: uint256):
    """
    @dev Pays `amount` of the stablecoin to `receiver`.
    @param receiver Where the stablecoin goes.
    @param amount Base units.
    """
    assert extcall STABLECOIN.transfer(receiver, amount, default_return_value=True), "settlement: transfer failed"


@internal
@view
def _payment_nonce(node_id: uint256, salt: bytes32) -> bytes32:
    """
    @dev The EIP-3009 nonce that binds an authorization to its node (0: a deposit).
    @param node_id The node paid, or 0.
    @param salt The payer's random salt.
    @return bytes32 keccak256(abi.encode(node_id, salt)).
    """
    return keccak256(abi_encode(node_id, salt))


@internal
@view
def _reservation_nonce(node_id: uint256, salt: bytes32) -> bytes32:
    """
    @dev The EIP-3009 nonce that binds a reservation's authorization to its node.
    @param node_id The node the reservation backs.
    @param salt The payer's random salt.
    @return bytes32 keccak256(abi.encode(node_id, salt, 1)).
    """
    return keccak256(abi_encode(node_id, salt, _RESERVATION_NONCE_TAG))


@internal
@view
def _check_not_paused():
    """
    @dev Refuses a call while a pause is running. Unpaused, this is one read of `_config`
         (which `settle` reads anyway); only a paused flag left by a lapsed pause reads
         `_pause` too.
    """
    if self._config & _PAUSED_BIT != 0:
        assert block.timestamp >= (self._pause & constants.UINT64_MASK) + PAUSE_LIMIT, "settlement: paused"


@internal
@view
def _paused_until() -> uint256:
    """
    @dev When the running pause lapses; 0 when none is running (never paused, unpaused,
         or lapsed).
    @return uint256 A timestamp, or 0.
    """
    if self._config & _PAUSED_BIT == 0:
        return 0
    lapses_at: uint256 = (self._pause & constants.UINT64_MASK) + PAUSE_LIMIT
    if block.timestamp >= lapses_at:
        return 0
    return lapses_at


@internal
@view
def _clock() -> uint256:
    """
    @dev Settlement's clock: the block's timestamp less every second paused, the running
         (or lapsed, not yet recorded) pause included up to `PAUSE_LIMIT`.
    @return uint256 Seconds.
    """
    state: uint256 = self._pause
    stopped: uint256 = (state >> _STOPPED_SHIFT) & constants.UINT64_MASK
    if self._config & _PAUSED_BIT != 0:
        stopped += min(block.timestamp - (state & constants.UINT64_MASK), PAUSE_LIMIT)
    return block.timestamp - stopped


@internal
@view
def _pending(payer: address, balance: uint256) -> uint256:
    """
    @dev What of `balance` the payer's withdrawal request holds back from nodes: the
         requested amount (capped at the balance) from the request until it expires.
    @param payer The customer.
    @param balance Its prepaid balance.
    @return uint256 Base units.
    """
    request: Request = self._withdrawal[payer]
    if request.amount == 0 or self._clock() >= request.available_at + WITHDRAWAL_WINDOW:
        return 0
    return min(request.amount, balance)


@internal
@view
def _releasing(payer: address, node_id: uint256, reservation: uint256) -> uint256:
    """
    @dev What of a channel's reservation its pending release holds back from the node: the
         requested amount (capped at the reservation) from the request until it expires.
    @param payer The customer.
    @param node_id The node.
    @param reservation The channel's reservation.
    @return uint256 Base units.
    """
    request: Request = self._releases[payer][node_id]
    if request.amount == 0 or self._clock() >= request.available_at + WITHDRAWAL_WINDOW:
        return 0
    return min(request.amount, reservation)


@internal
@view
def _check_guardian():
    """
    @dev Refuses a caller that is neither the guardian nor the owner.
    """
    assert msg.sender == self.guardian or msg.sender == ow.owner, "settlement: caller is not the guardian"


@external
def escrow_rent(payer: address, amount: uint256):
    """
    @dev Takes `amount` of `payer`'s available prepaid balance into rent escrow: it leaves
         the balance and stays owed until `pay_rent` moves it. RENTALS only (a booking the
         payer made); not while paused.
    @param payer The customer.
    @param amount Base units; at most `available(payer)`.
    """
    self._check_rentals()
    self._check_not_paused()
    balance: uint256 = self._prepaid[payer]
    assert amount <= balance - self._pending(payer, balance), "settlement: amount above the available balance"
    balance -= amount
    self._prepaid[payer] = balance
    log ISettlement.RentEscrowed(payer=payer, amount=amount, balance=balance)


@external
def escrow_rent_with_authorization(
    payer: address,
    amount: uint256,
    valid_after: uint256,
    valid_before: uint256,
    nonce: bytes32,
    v: uint8,
    r: bytes32,
    s: bytes32,
) -> uint256:
    """
    @dev Receives `amount` from `payer` with its EIP-3009 ReceiveWithAuthorization to this
         contract into rent escrow (owed until `pay_rent` moves it). RENTALS only, which
         derives `nonce` from the booking; not while paused.
    @param payer The authorization's signer.
    @param amount Base units authorized.
    @param valid_after The authorization is valid strictly after this time.
    @param valid_before The authorization is valid strictly before this time.
    @param nonce The authorization's nonce.
    @param v The signature's v.
    @param r The signature's r.
    @param s The signature's s.
    @return uint256 What arrived (measured by balance difference).
    """
    self._check_rentals()
    self._check_not_paused()
    received: uint256 = self._receive(payer, amount, valid_after, valid_before, nonce, v, r, s)
    self._hold(received)
    log ISettlement.RentEscrowed(payer=payer, amount=received, balance=self._prepaid[payer])
    return received


@external
def pay_rent(node_id: uint256, payer: address, paid: uint256, refund: uint256):
    """
    @dev Moves escrowed rent: `paid` to the node, split like any payment (fee, operator
         share, the holders' part into its token), and `refund` back to `payer`'s prepaid
         balance. RENTALS only; a payment not while paused (a refund alone is allowed).
    @param node_id The node paid (a registered node: RENTALS books no other).
    @param payer The customer refunded.
    @param paid Base units paid to the node.
    @param refund Base units refunded.
    """
    self._check_rentals()
    if paid != 0:
        self._check_not_paused()
        payee: Payee = self._lookup(node_id)
        payee.amount = paid
        config: uint256 = self._config
        self._book(config, self._pay(payee, config))
    if refund != 0:
        balance: uint256 = self._prepaid[payer] + refund
        self._prepaid[payer] = balance
        log ISettlement.RentRefunded(payer=payer, amount=refund, balance=balance)


@internal
@view
def _check_rentals():
    """
    @dev Refuses a caller other than RENTALS.
    """
    assert msg.sender == RENTALS, "settlement: caller is not the rentals contract"
