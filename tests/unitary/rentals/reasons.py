"""The revert reasons the NodeRentals tests expect: one list for the unit tests
(tests/unitary/rentals/) and the rentals machine (tests/fuzz/stateful/test_rentals_machine.py),
so a reworded reason is changed once. contracts/NodeRentals.vy's own, then what the registry
and Settlement say about rentals."""

# contracts/NodeRentals.vy: book, book_with_authorization
NOT_WHOLE_HOURS = "rentals: epochs are not whole hours"
HOURS_RANGE = "rentals: hours not within 1 to 168"
NOT_AFTER_NOW = "rentals: window does not start after the current hour"
TOO_FAR = "rentals: window starts more than a year ahead"
UNKNOWN_NODE = "rentals: unknown node"
NOT_ACTIVE = "rentals: node is not active"
NOT_OFFERED = "rentals: node is not offered for rent"
OFFER_CHANGED = "rentals: the offer changed"
UNITS_RANGE = "rentals: units not within 1 to the offer's"
FULL = "rentals: not enough free units"
NOT_THE_RENT = "rentals: authorized amount is not the rent"
SHORT = "rentals: the rent did not arrive in full"
# release
UNKNOWN_BOOKING = "rentals: unknown booking"
NOTHING_YET = "rentals: nothing to release yet"
# cancel, halt
NOT_CUSTOMER = "rentals: caller is not the customer"
NO_HOURS_TO_CANCEL = "rentals: no hours left to cancel"
NODE_ACTIVE = "rentals: node is active"
NO_HOURS_TO_REFUND = "rentals: no hours left to refund"
# open_days
DAYS_RANGE = "rentals: days not within 1 to 31"

# contracts/NodeRegistry.vy: set_rental
REGISTRY_UNITS = "registry: rental units above 511"
REGISTRY_PRICE = "registry: rental price above 2**79 - 1"
REGISTRY_FEE = "registry: cancellation fee above 100%"
REGISTRY_NOTICE = "registry: notice above 720 hours"
REGISTRY_NOT_OPERATOR = "registry: caller is not the operator"
REGISTRY_UNKNOWN_NODE = "registry: unknown node"

# contracts/Settlement.vy: the rent functions
NOT_RENTALS = "settlement: caller is not the rentals contract"
ABOVE_AVAILABLE = "settlement: amount above the available balance"
SETTLEMENT_PAUSED = "settlement: paused"

# the stablecoin
STABLECOIN_PAUSED = "pausable: contract is paused"
INVALID_SIGNATURE = "stablecoin: invalid signature"
STABLECOIN_BLACKLISTED = "stablecoin: account is blacklisted"
