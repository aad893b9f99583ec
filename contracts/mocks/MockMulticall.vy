# pragma version ~=0.4.3
"""
@title MockMulticall
@custom:contract-name MockMulticall
@license MIT
@notice Test helper: a relayer's multicall, several calls to one contract in one
        transaction, so tests see what a call leaves in transient storage for the next.
"""


@external
def aggregate(target: address, calls: DynArray[Bytes[4_096], 4]):
    """
    @dev Calls `target` with each of `calls` in order; any failure reverts them all.
    @param target The contract called.
    @param calls The calldata of each call.
    """
    for data: Bytes[4_096] in calls:
        raw_call(target, data)
