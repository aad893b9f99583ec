# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title NodeRentals
@custom:contract-name NodeRentals
@custom:spec docs/SPEC.md, section "NodeRentals"
@license MIT
@notice Rent a node's capacity by the hour, paid only for attested uptime. An operator
        offers units of its node (GPUs, say) at a price per unit-hour (`set_rental` in the
        NodeRegistry); a customer books units for whole hours `[start_hour, end_hour)`,
        escrowing the whole rent in Settlement (from its prepaid balance, or signed once
        with EIP-3009). Once the AttestationOracle has judged an epoch of the booking
        (an accepted report, or none `GRACE_PERIOD` after its end: missed, uptime 0),
        anyone may release it: the node is paid `floor(rent of its hours * uptime_bps /
        10,000)`, split by Settlement like a voucher (fee, operator, holders' stream), and
        the rest returns to the customer's prepaid balance. The customer may cancel the
        hours that start after the notice its booking was made under (the node keeps the
        cancellation fee of the offer, paid with the next release; the rest is refunded at
        once), and takes back the hours not started of a booking on a paused node (a
        retired node's: anyone). No owner.
@dev Time: hour `h` is `[GENESIS + h * 3600, GENESIS + (h + 1) * 3600)` on the oracle's
     clock; a booking is 1 to `MAX_HOURS` whole hours, starting after the current hour and
     at most `MAX_LEAD_HOURS` ahead. Rentals need epochs of whole hours (`HOURS_PER_EPOCH`
     is 0 otherwise, and `book` refuses).
     Capacity: per (node, day of 24 hours) one word of 24 lanes of 10 bits, the units
     booked in each hour. A booking adds its units to the lanes of its hours and checks
     them all against the offer with one addition per day word (each lane plus
     `511 - offer units` carries into its bit 9 exactly when the lane passes the offer),
     so `book` reads and writes at most `MAX_DAYS` words whatever the number of bookings,
     and a release reads none. Bit 255 marks a word as opened: `open_days` (anyone; an
     operator preparing its calendar) pays the first write of a day in advance, so a
     booking on an opened day never pays to create storage. Units are at most 511 (the
     registry caps the offer), so lanes never carry into one another.
     Money: Settlement holds every escrowed unit (it stays in what Settlement owes), and
     this contract records per booking what is still escrowed: the rent of the hours from
     `released_until` to `end_hour`, plus the cancellation fees due. Every release, refund
     and fee is an integer of base units; a booking's escrow is paid to the node plus
     refunded plus still escrowed, exactly. Rounding: a release pays the node the floor,
     the customer the remainder. A booking keeps the price, fee and notice of the offer it
     was made under; lowering an offer's units never cancels a booking.
     Trust: Settlement (which created this contract) moves the money; the registry gives
     offers and status; the oracle's committee judges uptime. A late report (after the
     grace period) counts only if it lands before the epoch's release.
"""

from interfaces import IAttestationOracle
from interfaces import IEpochClock
from interfaces import INodeRegistry
from interfaces import ISettlement

from . import constants


interface IRegistryClock:
    def GRACE_PERIOD() -> uint256: view
    def ORACLE() -> address: view


# A booking as `booking` returns it. Hours: hour indices of the oracle's clock (above);
# amounts: stablecoin base units. released_until: every hour of the booking below it was
# released; escrowed: the rent of [released_until, end_hour) plus fee_due.
struct Booking:
    customer: address
    node_id: uint256
    units: uint256
    price_per_unit_hour: uint256
    cancellation_fee_bps: uint256
    notice_hours: uint256
    start_hour: uint256
    end_hour: uint256
    released_until: uint256
    fee_due: uint256
    escrowed: uint256


# `customer` booked `units` of the node for [start_hour, end_hour), escrowing `rent`.
event Booked:
    booking_id: indexed(uint256)
    node_id: indexed(uint256)
    customer: indexed(address)
    units: uint256
    start_hour: uint256
    end_hour: uint256
    rent: uint256


# The customer cancelled the hours from `end_hour` on: `refund` back to its prepaid balance,
# `fee` due to the node (paid with the next release).
event Cancelled:
    booking_id: indexed(uint256)
    end_hour: uint256
    refund: uint256
    fee: uint256


# The node was paused (the customer) or retired (anyone): the hours from `end_hour` on were
# refunded in full.
event Halted:
    booking_id: indexed(uint256)
    end_hour: uint256
    refund: uint256


# The hours [from_hour, to_hour) were released on their epochs' uptime: `paid` to the node
# (the cancellation fees due included, `fee`), `refund` back to the customer.
event Released:
    booking_id: indexed(uint256)
    node_id: indexed(uint256)
    from_hour: uint256
    to_hour: uint256
    paid: uint256
    refund: uint256
    fee: uint256


# `days` days of the node from `first_day` are opened for bookings.
event DaysOpened:
    node_id: indexed(uint256)
    first_day: uint256
    days: uint256


# seconds in an hour; the longest booking (hours); how far ahead a booking may start (hours);
# the most days one `open_days` opens; the most epochs one release walks (a booking of
# MAX_HOURS with hourly epochs)
HOUR: public(constant(uint256)) = 3_600
MAX_HOURS: public(constant(uint256)) = 168
MAX_LEAD_HOURS: public(constant(uint256)) = 365 * 24
MAX_OPEN_DAYS: public(constant(uint256)) = 31
MAX_RELEASE_EPOCHS: public(constant(uint256)) = MAX_HOURS
# 10-bit lanes, 24 to a day word: a booking of MAX_HOURS spans at most 8 day words
_LANE_BITS: constant(uint256) = 10
_MAX_UNITS: constant(uint256) = 511
_MAX_DAYS: constant(uint256) = 8
# 1 at the bottom of each of the 24 lanes: sum of 1 << (10 i), i < 24
_LANE_ONES: constant(uint256) = 1727123230477404036738316227510184277446220818060233585651618965095425
_OPENED: constant(uint256) = 1 << 255
_ACTIVE: constant(uint8) = 1
_PAUSED: constant(uint8) = 2
# _holders: customer (bits 0..159) | cancellation fees due to the node (160..255)
_FEE_DUE_SHIFT: constant(uint256) = 160
# _terms: node id (0..31) | units (32..47) | cancellation fee bps (48..63) | notice hours
# (64..79) | start hour (80..111) | end hour (112..143) | released until (144..175) |
# price per unit-hour (176..255)
_UNITS_SHIFT: constant(uint256) = 32
_FEE_BPS_SHIFT: constant(uint256) = 48
_NOTICE_SHIFT: constant(uint256) = 64
_START_SHIFT: constant(uint256) = 80
_END_SHIFT: constant(uint256) = 112
_CURSOR_SHIFT: constant(uint256) = 144
_PRICE_SHIFT: constant(uint256) = 176
_END_MASK: constant(uint256) = constants.UINT32_MASK << _END_SHIFT
_CURSOR_MASK: constant(uint256) = constants.UINT32_MASK << _CURSOR_SHIFT
_NONCE_TAG: constant(bytes32) = keccak256("ComputeRWA NodeRentals booking")


# Fixed at deployment: the Settlement that created this contract and holds the escrow, the
# registry (offers, status, grace period), the oracle, and the oracle's clock.
SETTLEMENT: public(immutable(ISettlement))
REGISTRY: public(immutable(INodeRegistry))
ORACLE: public(immutable(IAttestationOracle))
GENESIS: public(immutable(uint256))
EPOCH_LENGTH: public(immutable(uint256))
GRACE_PERIOD: public(immutable(uint256))
# hours in an epoch; 0 when an epoch is not a whole number of hours (no bookings then)
HOURS_PER_EPOCH: public(immutable(uint256))

# bookings made; ids run from 1
booking_count: public(uint256)
_holders: HashMap[uint256, uint256]
_terms: HashMap[uint256, uint256]
# node id -> day -> 24 lanes of booked units | _OPENED
_capacity: HashMap[uint256, HashMap[uint256, uint256]]


@deploy
def __init__(registry: INodeRegistry):
    """
    @dev Created by Settlement (`msg.sender`, which moves the escrow) from its blueprint.
    @param registry The NodeRegistry: offers, status, grace period and the oracle.
    """
    SETTLEMENT = ISettlement(msg.sender)
    REGISTRY = registry
    oracle: address = staticcall IRegistryClock(registry.address).ORACLE()
    ORACLE = IAttestationOracle(oracle)
    GENESIS = staticcall IEpochClock(oracle).GENESIS()
    EPOCH_LENGTH = staticcall IEpochClock(oracle).EPOCH_LENGTH()
    GRACE_PERIOD = staticcall IRegistryClock(registry.address).GRACE_PERIOD()
    hours_per_epoch: uint256 = 0
    if EPOCH_LENGTH % HOUR == 0:
        hours_per_epoch = EPOCH_LENGTH // HOUR
    HOURS_PER_EPOCH = hours_per_epoch


@external
def book(node_id: uint256, units: uint256, start_hour: uint256, hours: uint256, offer_version: uint256) -> uint256:
    """
    @dev Books `units` of the node for `hours` whole hours from `start_hour`, escrowing
         the rent (`units * price * hours` at the node's offer) from the caller's available
         prepaid balance in Settlement, under the offer version the caller read
         (`NodeRegistry.rental(node_id).version`): an offer changed since reverts instead of
         charging other terms.
    @param node_id An active node offered for rent.
    @param units At most the offer's units, free at every hour of the window.
    @param start_hour The first hour (after the current one, at most a year ahead).
    @param hours 1 to 168.
    @param offer_version The version of the node's offer the caller accepts.
    @return uint256 The booking's id.
    """
    booking_id: uint256 = 0
    rent: uint256 = 0
    booking_id, rent = self._book(msg.sender, node_id, units, start_hour, hours, offer_version)
    extcall SETTLEMENT.escrow_rent(msg.sender, rent)
    return booking_id


@external
def book_with_authorization(
    payer: address,
    node_id: uint256,
    units: uint256,
    start_hour: uint256,
    hours: uint256,
    offer_version: uint256,
    amount: uint256,
    valid_after: uint256,
    valid_before: uint256,
    salt: bytes32,
    v: uint8,
    r: bytes32,
    s: bytes32,
) -> uint256:
    """
    @dev As `book`, for `payer`, escrowing the rent straight from its stablecoin with its
         EIP-3009 ReceiveWithAuthorization to Settlement, whose nonce is
         `booking_nonce(node_id, units, start_hour, hours, offer_version, salt)`: it binds
         the signature to this booking under this offer (price, fee and notice), so a relayer
         can submit it but not book anything else, or on other terms, with it.
    @param payer The authorization's signer: the booking's customer.
    @param node_id An active node offered for rent.
    @param units At most the offer's units, free at every hour of the window.
    @param start_hour The first hour (after the current one, at most a year ahead).
    @param hours 1 to 168.
    @param offer_version The version of the node's offer the payer accepts.
    @param amount Base units authorized: the rent (`rent(node_id, units, hours)`).
    @param valid_after The authorization is valid strictly after this time.
    @param valid_before The authorization is valid strictly before this time.
    @param salt The payer's random salt.
    @param v The signature's v.
    @param r The signature's r.
    @param s The signature's s.
    @return uint256 The booking's id.
    """
    booking_id: uint256 = 0
    rent: uint256 = 0
    booking_id, rent = self._book(payer, node_id, units, start_hour, hours, offer_version)
    assert amount == rent, "rentals: authorized amount is not the rent"
    nonce: bytes32 = self._booking_nonce(node_id, units, start_hour, hours, offer_version, salt)
    received: uint256 = extcall SETTLEMENT.escrow_rent_with_authorization(
        payer, amount, valid_after, valid_before, nonce, v, r, s
    )
    assert received == rent, "rentals: the rent did not arrive in full"
    return booking_id


@external
def release(booking_id: uint256, epochs: uint256) -> (uint256, uint256):
    """
    @dev Releases the booking's judged epochs in order, at most `epochs` of them, stopping
         at the first not judged yet (not ended, or without a report before the end of its
         grace period): for each, the node is paid the floor of its hours' rent times the
         reported uptime (a missed epoch: 0) and the customer refunded the rest; the
         cancellation fees due are paid with them. Anyone may call it.
    @param booking_id The booking.
    @param epochs The most epochs to release (0: only the fees due).
    @return uint256 What the node was paid (split by Settlement).
    @return uint256 What the customer was refunded.
    """
    holder: uint256 = self._holders[booking_id]
    assert holder != 0, "rentals: unknown booking"
    terms: uint256 = self._terms[booking_id]
    node_id: uint256 = terms & constants.UINT32_MASK
    hour_rent: uint256 = ((terms >> _UNITS_SHIFT) & constants.UINT16_MASK) * (terms >> _PRICE_SHIFT)
    end: uint256 = (terms >> _END_SHIFT) & constants.UINT32_MASK
    start: uint256 = (terms >> _CURSOR_SHIFT) & constants.UINT32_MASK
    cursor: uint256 = start
    paid: uint256 = 0
    refund: uint256 = 0
    for walked: uint256 in range(MAX_RELEASE_EPOCHS):
        if walked == epochs or cursor >= end:
            break
        epoch: uint256 = cursor // HOURS_PER_EPOCH
        boundary: uint256 = (epoch + 1) * HOURS_PER_EPOCH
        ended: uint256 = GENESIS + boundary * HOUR
        if block.timestamp < ended:
            break
        report: IAttestationOracle.Attestation = staticcall ORACLE.report(node_id, convert(epoch, uint64))
        if report.submitted_at == 0 and block.timestamp < ended + GRACE_PERIOD:
            break
        upto: uint256 = min(end, boundary)
        rent: uint256 = hour_rent * (upto - cursor)
        # a missed epoch reads uptime 0; a report's uptime is at most 10,000
        share: uint256 = rent * convert(report.uptime_bps, uint256) // constants.MAX_BPS
        paid += share
        refund += rent - share
        cursor = upto
    fee: uint256 = holder >> _FEE_DUE_SHIFT
    assert cursor != start or fee != 0, "rentals: nothing to release yet"
    if cursor != start:
        self._terms[booking_id] = (terms & ~_CURSOR_MASK) | (cursor << _CURSOR_SHIFT)
    if fee != 0:
        self._holders[booking_id] = holder & constants.ADDRESS_MASK
        paid += fee
    customer: address = convert(holder & constants.ADDRESS_MASK, address)
    extcall SETTLEMENT.pay_rent(node_id, customer, paid, refund)
    log Released(
        booking_id=booking_id, node_id=node_id, from_hour=start, to_hour=cursor, paid=paid, refund=refund, fee=fee
    )
    return paid, refund


@external
def cancel(booking_id: uint256) -> uint256:
    """
    @dev Cancels the hours of the caller's booking that start at least its notice from
         now: they are freed, the node keeps the booking's cancellation fee of their rent
         (rounded down; due until the next release pays it) and the rest returns to the
         customer's prepaid balance at once.
    @param booking_id The caller's booking.
    @return uint256 What was refunded.
    """
    holder: uint256 = self._holders[booking_id]
    assert holder != 0, "rentals: unknown booking"
    customer: address = convert(holder & constants.ADDRESS_MASK, address)
    assert msg.sender == customer, "rentals: caller is not the customer"
    terms: uint256 = self._terms[booking_id]
    notice: uint256 = (terms >> _NOTICE_SHIFT) & constants.UINT16_MASK
    cut: uint256 = max((terms >> _START_SHIFT) & constants.UINT32_MASK, self._next_hour() + notice)
    assert cut < (terms >> _END_SHIFT) & constants.UINT32_MASK, "rentals: no hours left to cancel"
    cancelled: uint256 = self._cut(booking_id, terms, cut)
    fee: uint256 = cancelled * ((terms >> _FEE_BPS_SHIFT) & constants.UINT16_MASK) // constants.MAX_BPS
    refund: uint256 = cancelled - fee
    if fee != 0:
        # fees due are at most the booking's rent, below 2**96
        self._holders[booking_id] = holder + (fee << _FEE_DUE_SHIFT)
    if refund != 0:
        extcall SETTLEMENT.pay_rent(terms & constants.UINT32_MASK, customer, 0, refund)
    log Cancelled(booking_id=booking_id, end_hour=cut, refund=refund, fee=fee)
    return refund


@external
def halt(booking_id: uint256) -> uint256:
    """
    @dev Refunds in full the hours not started of a booking whose node is paused (its
         customer only: a pause alone does not end a booking) or retired (anyone); they
         are freed. The hours before stay to be released on their uptime.
    @param booking_id The booking.
    @return uint256 What was refunded.
    """
    holder: uint256 = self._holders[booking_id]
    assert holder != 0, "rentals: unknown booking"
    customer: address = convert(holder & constants.ADDRESS_MASK, address)
    terms: uint256 = self._terms[booking_id]
    node_id: uint256 = terms & constants.UINT32_MASK
    status: uint8 = (staticcall REGISTRY.rental(node_id)).status
    assert status != _ACTIVE, "rentals: node is active"
    if status == _PAUSED:
        assert msg.sender == customer, "rentals: caller is not the customer"
    cut: uint256 = max((terms >> _START_SHIFT) & constants.UINT32_MASK, self._next_hour())
    assert cut < (terms >> _END_SHIFT) & constants.UINT32_MASK, "rentals: no hours left to refund"
    refund: uint256 = self._cut(booking_id, terms, cut)
    if refund != 0:
        extcall SETTLEMENT.pay_rent(node_id, customer, 0, refund)
    log Halted(booking_id=booking_id, end_hour=cut, refund=refund)
    return refund


@external
def open_days(node_id: uint256, first_day: uint256, days: uint256):
    """
    @dev Opens `days` days of the node's calendar from `first_day` (day `d`: hours
         `[24 d, 24 d + 24)`), paying now the first storage write a booking of those days
         would pay. Anyone may call it (an operator, before offering its calendar); an
         opened day stays opened.
    @param node_id A registered node.
    @param first_day The first day.
    @param days 1 to 31.
    """
    assert days != 0 and days <= MAX_OPEN_DAYS, "rentals: days not within 1 to 31"
    assert (staticcall REGISTRY.rental(node_id)).status != 0, "rentals: unknown node"
    for i: uint256 in range(MAX_OPEN_DAYS):
        if i == days:
            break
        if self._capacity[node_id][first_day + i] == 0:
            self._capacity[node_id][first_day + i] = _OPENED
    log DaysOpened(node_id=node_id, first_day=first_day, days=days)


@external
@view
def booking(booking_id: uint256) -> Booking:
    """
    @dev A booking (all zero for an unknown id).
    @param booking_id The booking.
    @return Booking Its customer, node, terms, hours, release cursor, fees due and escrow.
    """
    holder: uint256 = self._holders[booking_id]
    terms: uint256 = self._terms[booking_id]
    units: uint256 = (terms >> _UNITS_SHIFT) & constants.UINT16_MASK
    price: uint256 = terms >> _PRICE_SHIFT
    end: uint256 = (terms >> _END_SHIFT) & constants.UINT32_MASK
    cursor: uint256 = (terms >> _CURSOR_SHIFT) & constants.UINT32_MASK
    fee_due: uint256 = holder >> _FEE_DUE_SHIFT
    return Booking(
        customer=convert(holder & constants.ADDRESS_MASK, address),
        node_id=terms & constants.UINT32_MASK,
        units=units,
        price_per_unit_hour=price,
        cancellation_fee_bps=(terms >> _FEE_BPS_SHIFT) & constants.UINT16_MASK,
        notice_hours=(terms >> _NOTICE_SHIFT) & constants.UINT16_MASK,
        start_hour=(terms >> _START_SHIFT) & constants.UINT32_MASK,
        end_hour=end,
        released_until=cursor,
        fee_due=fee_due,
        escrowed=units * price * (end - cursor) + fee_due,
    )


@external
@view
def booked(node_id: uint256, hour: uint256) -> uint256:
    """
    @dev The units of the node booked at `hour`.
    @param node_id The node.
    @param hour An hour index.
    @return uint256 Units.
    """
    word: uint256 = self._capacity[node_id][hour // 24]
    return (word >> (_LANE_BITS * (hour % 24))) & _MAX_UNITS


@external
@view
def free_units(node_id: uint256, start_hour: uint256, hours: uint256) -> uint256:
    """
    @dev The units of the node one booking could take at every hour of the window now:
         0 unless the node is active and offered for rent.
    @param node_id The node.
    @param start_hour The window's first hour.
    @param hours The window's length, 1 to 168.
    @return uint256 Units.
    """
    assert hours != 0 and hours <= MAX_HOURS, "rentals: hours not within 1 to 168"
    offer: INodeRegistry.RentalOffer = staticcall REGISTRY.rental(node_id)
    if offer.status != _ACTIVE:
        return 0
    most: uint256 = 0
    for i: uint256 in range(MAX_HOURS):
        if i == hours:
            break
        hour: uint256 = start_hour + i
        most = max(most, (self._capacity[node_id][hour // 24] >> (_LANE_BITS * (hour % 24))) & _MAX_UNITS)
    if most >= offer.units:
        return 0
    return offer.units - most


@external
@view
def rent(node_id: uint256, units: uint256, hours: uint256) -> uint256:
    """
    @dev What booking `units` of the node for `hours` hours escrows at its offer now.
    @param node_id The node.
    @param units Units.
    @param hours Hours.
    @return uint256 Base units: `units * price_per_unit_hour * hours`.
    """
    return units * (staticcall REGISTRY.rental(node_id)).price_per_unit_hour * hours


@external
@view
def booking_nonce(
    node_id: uint256, units: uint256, start_hour: uint256, hours: uint256, offer_version: uint256, salt: bytes32
) -> bytes32:
    """
    @dev The EIP-3009 nonce of `book_with_authorization`'s authorization for this booking.
    @param node_id The node.
    @param units Units.
    @param start_hour The first hour.
    @param hours Hours.
    @param offer_version The version of the node's offer.
    @param salt The payer's random salt.
    @return bytes32 keccak256(abi.encode(tag, node_id, units, start_hour, hours, offer_version, salt)).
    """
    return self._booking_nonce(node_id, units, start_hour, hours, offer_version, salt)


@external
@view
def current_hour() -> uint256:
    """
    @dev The running hour of the oracle's clock.
    @return uint256 `(block.timestamp - GENESIS) // 3600`.
    """
    return (block.timestamp - GENESIS) // HOUR


@internal
def _book(
    customer: address, node_id: uint256, units: uint256, start_hour: uint256, hours: uint256, offer_version: uint256
) -> (uint256, uint256):
    """
    @dev Checks a booking against the node's offer and capacity, takes its units at each of
         its hours, stores it and logs `Booked`.
    @param customer Who books (and is refunded).
    @param node_id The node.
    @param units Units.
    @param start_hour The first hour.
    @param hours Hours.
    @param offer_version The offer version the customer accepts.
    @return uint256 The booking's id.
    @return uint256 Its rent, to escrow.
    """
    assert HOURS_PER_EPOCH != 0, "rentals: epochs are not whole hours"
    assert hours != 0 and hours <= MAX_HOURS, "rentals: hours not within 1 to 168"
    now: uint256 = (block.timestamp - GENESIS) // HOUR
    assert start_hour > now, "rentals: window does not start after the current hour"
    assert start_hour <= now + MAX_LEAD_HOURS, "rentals: window starts more than a year ahead"
    offer: INodeRegistry.RentalOffer = staticcall REGISTRY.rental(node_id)
    assert offer.status != 0 and node_id <= constants.UINT32_MASK, "rentals: unknown node"
    assert offer.status == _ACTIVE, "rentals: node is not active"
    assert offer.units != 0, "rentals: node is not offered for rent"
    assert offer.version == offer_version, "rentals: the offer changed"
    assert units != 0 and units <= offer.units, "rentals: units not within 1 to the offer's"
    end: uint256 = start_hour + hours
    hour: uint256 = start_hour
    cap: uint256 = _MAX_UNITS - offer.units
    # hours are below 2**33 (a year past the current hour), lanes below 2**240, each lane at most
    # 511 and units at most the offer: no lane carries into the next, no operation overflows
    for _: uint256 in range(_MAX_DAYS):
        if hour >= end:
            break
        day: uint256 = unsafe_div(hour, 24)
        first: uint256 = unsafe_mul(day, 24)
        lanes: uint256 = self._lanes(unsafe_sub(hour, first), min(unsafe_sub(end, first), 24))
        word: uint256 = unsafe_add(self._capacity[node_id][day], unsafe_mul(units, lanes))
        assert unsafe_add(word, unsafe_mul(cap, lanes)) & (lanes << 9) == 0, "rentals: not enough free units"
        self._capacity[node_id][day] = word | _OPENED
        hour = unsafe_add(first, 24)
    booking_id: uint256 = self.booking_count + 1
    self.booking_count = booking_id
    self._holders[booking_id] = convert(customer, uint256)
    self._terms[booking_id] = (
        node_id
        | (units << _UNITS_SHIFT)
        | (offer.cancellation_fee_bps << _FEE_BPS_SHIFT)
        | (offer.notice_hours << _NOTICE_SHIFT)
        | (start_hour << _START_SHIFT)
        | (end << _END_SHIFT)
        | (start_hour << _CURSOR_SHIFT)
        | (offer.price_per_unit_hour << _PRICE_SHIFT)
    )
    rent: uint256 = units * offer.price_per_unit_hour * hours
    log Booked(
        booking_id=booking_id,
        node_id=node_id,
        customer=customer,
        units=units,
        start_hour=start_hour,
        end_hour=end,
        rent=rent,
    )
    return booking_id, rent


@internal
def _cut(booking_id: uint256, terms: uint256, cut: uint256) -> uint256:
    """
    @dev Ends the booking at hour `cut` (after its released hours), freeing the units of
         the hours from `cut` to its end.
    @param booking_id The booking.
    @param terms Its packed terms.
    @param cut The new end hour: after the released hours, before the current end.
    @return uint256 The rent of the hours cut.
    """
    end: uint256 = (terms >> _END_SHIFT) & constants.UINT32_MASK
    node_id: uint256 = terms & constants.UINT32_MASK
    units: uint256 = (terms >> _UNITS_SHIFT) & constants.UINT16_MASK
    hour: uint256 = cut
    for _: uint256 in range(_MAX_DAYS):
        if hour >= end:
            break
        day: uint256 = unsafe_div(hour, 24)
        first: uint256 = unsafe_mul(day, 24)
        # the booking added `units` to each of these lanes: no borrow
        self._capacity[node_id][day] = unsafe_sub(
            self._capacity[node_id][day],
            unsafe_mul(units, self._lanes(unsafe_sub(hour, first), min(unsafe_sub(end, first), 24))),
        )
        hour = unsafe_add(first, 24)
    self._terms[booking_id] = (terms & ~_END_MASK) | (cut << _END_SHIFT)
    return units * (terms >> _PRICE_SHIFT) * (end - cut)


@internal
@pure
def _lanes(first: uint256, last: uint256) -> uint256:
    """
    @dev The lane ones of the hours [first, last) of a day word: 1 at the bottom of each.
    @param first The first lane, 0..23.
    @param last The lane after the last, first + 1..24.
    @return uint256 Sum of 1 << (10 i) over i in [first, last).
    """
    top: uint256 = 1 << unsafe_mul(_LANE_BITS, last)
    return _LANE_ONES & unsafe_sub(top, 1 << unsafe_mul(_LANE_BITS, first))


@internal
@view
def _next_hour() -> uint256:
    """
    @dev The first hour not started: the one after the current hour (an hour has started from
         its first second, as for `book`).
    @return uint256 `(block.timestamp - GENESIS) // 3600 + 1`.
    """
    return (block.timestamp - GENESIS) // HOUR + 1


@internal
@pure
def _booking_nonce(
    node_id: uint256, units: uint256, start_hour: uint256, hours: uint256, offer_version: uint256, salt: bytes32
) -> bytes32:
    """
    @dev The EIP-3009 nonce binding an authorization to one booking under one offer.
    @param node_id The node.
    @param units Units.
    @param start_hour The first hour.
    @param hours Hours.
    @param offer_version The version of the node's offer.
    @param salt The payer's random salt.
    @return bytes32 keccak256(abi.encode(tag, node_id, units, start_hour, hours, offer_version, salt)).
    """
    return keccak256(abi_encode(_NONCE_TAG, node_id, units, start_hour, hours, offer_version, salt))
