# pragma version ~=0.4.3
"""
@title Constants
@custom:contract-name constants
@license MIT
@notice The numbers more than one ComputeRWA contract relies on: basis points, a year,
        and the masks that read a field of a packed storage word.
@dev A stateless module: a contract imports it (`from . import constants`) and reads
     `constants.MAX_BPS`. Constants are folded at compile time, so importing this module
     adds no code and costs no gas. Field masks are named by the width they keep; a
     contract names its own bit offsets next to the slot they describe.
"""

# 100%, in basis points: fees, operator shares, slash shares, uptime and utilization
MAX_BPS: constant(uint256) = 10_000
YEAR: constant(uint256) = 365 * 86_400

# the low bits of a packed word that hold one field of the given width
ADDRESS_MASK: constant(uint256) = (1 << 160) - 1
UINT8_MASK: constant(uint256) = (1 << 8) - 1
UINT16_MASK: constant(uint256) = (1 << 16) - 1
UINT32_MASK: constant(uint256) = (1 << 32) - 1
UINT64_MASK: constant(uint256) = (1 << 64) - 1
