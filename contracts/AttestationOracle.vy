# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title AttestationOracle
@custom:contract-name AttestationOracle
@custom:spec docs/SPEC.md, section "AttestationOracle"
@license MIT
@notice Performance reports of compute nodes (uptime, utilization, latency, energy,
        work done), accepted when a k-of-n committee of attestors signed them
        (EIP-712 `PerformanceReport`, domain "ComputeRWA Oracle", version "1"). Every
        accepted report stays readable on-chain; the NodeRegistry slashes on them and
        clients quote from them.
@dev `submit` accepts a report when:
     - it is not past its `deadline`, its `epoch` has ended
       (`block.timestamp >= GENESIS + (epoch + 1) * EPOCH_LENGTH`) and no report of that
       (node, epoch) was accepted before. Reports are write-once per (node, epoch) and
       accepted in any order, so a report of a later epoch never makes an earlier one
       unacceptable (a below-SLA epoch stays reportable, and so slashable); `latest`
       is the highest epoch reported;
     - it carries at least `threshold` signatures, every one of them from a CURRENT
       attestor, with signers in strictly ascending address order (which refuses a
       duplicate without a lookup). Signatures are EIP-2098 compact (`r`, `vs`) and
       low-s; a zero-address recovery is refused (snekmate's `ecdsa`). Attestors are
       EOAs; ERC-1271 contract wallets are not supported.
     Gas: the committee (up to 32 addresses, sorted) is stored as the code of a data
     contract written at every announcement (SSTORE2), read with one EXTCODECOPY, and
     checked against the ascending signers in one merge walk, so an extra signature costs
     its ecrecover and calldata but no storage read. Applying a change swaps the
     committee in one write, so a removed attestor's signatures fail from that block. Each report's metrics and acceptance
     time fill exactly one storage slot, never zero once written (the acceptance time is
     not), which is what makes it write-once.
     Committee changes are public and delayed: the owner announces a whole new committee
     and threshold (`CommitteeChangeAnnounced`), which may be applied only
     `COMMITTEE_DELAY` seconds later and can be cancelled until then, so operators see
     who will judge them and can take their bond out first (choose `COMMITTEE_DELAY` at
     least the registry's `BOND_DELAY` plus its withdrawal window). Until it is applied,
     reports need the current committee's signatures.
     Time is the suite's one clock: `epoch = (block.timestamp - GENESIS) // EPOCH_LENGTH`.
"""

from interfaces import IAttestationOracle

from . import constants

from snekmate.auth import ownable as ow
from snekmate.auth import ownable_2step as ow2
from snekmate.utils import ecdsa
from snekmate.utils import eip712_domain_separator as eip712

implements: IAttestationOracle

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

MAX_ATTESTORS: constant(uint256) = 32
MAX_COMMITTEE_DELAY: constant(uint256) = constants.YEAR
_REPORT_TYPEHASH: constant(bytes32) = keccak256(
    "PerformanceReport(uint256 nodeId,uint64 epoch,uint16 uptimeBps,uint16 utilizationBps,uint32 latencyMsP50,uint64 energyWh,uint64 workUnits,uint256 deadline)"
)
# The committee's data contract: its code is the committee as `address[32]`, ABI-encoded
# (a word per attestor, zero words after the last), always 1,024 bytes so that one
# constant-length EXTCODECOPY reads it. Its creation code is this 10-byte prefix
# (PUSH2 0x0400 DUP1 PUSH1 0x0a RETURNDATASIZE CODECOPY RETURNDATASIZE RETURN) followed
# by the code; the code starts with 0x00 (STOP), so calling it does nothing.
_COMMITTEE_BYTES: constant(uint256) = 32 * MAX_ATTESTORS
_DATA_PREFIX: constant(Bytes[10]) = b"\x61\x04\x00\x80\x60\x0a\x3d\x39\x3d\xf3"

# _config: committee data contract (bits 0..159) | attestor count (160..167) | threshold (168..175)
_COUNT_SHIFT: constant(uint256) = 160
_THRESHOLD_SHIFT: constant(uint256) = 168
_COMMITTEE_MASK: constant(uint256) = (1 << _THRESHOLD_SHIFT) - 1
# _pending: an announced committee, as `_config` (bits 0..175) | when it may apply (176..255);
# zero when none is announced
_EFFECTIVE_SHIFT: constant(uint256) = 176
_CONFIG_MASK: constant(uint256) = (1 << _EFFECTIVE_SHIFT) - 1

# Attestation slot: uptime (0..15) | utilization (16..31) | latency (32..63)
# | energy (64..127) | work units (128..191) | submitted_at (192..255)
_UTILIZATION_SHIFT: constant(uint256) = 16
_LATENCY_SHIFT: constant(uint256) = 32
_ENERGY_SHIFT: constant(uint256) = 64
_WORK_SHIFT: constant(uint256) = 128
_SUBMITTED_SHIFT: constant(uint256) = 192

# Fixed at deployment: the epoch clock (GENESIS: unix time in seconds; EPOCH_LENGTH:
# seconds) and COMMITTEE_DELAY, seconds between a committee change's announcement and the
# earliest time it may apply.
GENESIS: public(immutable(uint256))
EPOCH_LENGTH: public(immutable(uint256))
COMMITTEE_DELAY: public(immutable(uint256))

_config: uint256
_pending: uint256
_reports: HashMap[uint256, HashMap[uint64, uint256]]
# the node's highest reported epoch plus one; zero before its first report
_latest_plus_one: HashMap[uint256, uint256]


@deploy
def __init__(
    attestors: DynArray[address, MAX_ATTESTORS],
    threshold: uint256,
    genesis: uint256,
    epoch_length: uint256,
    committee_delay: uint256,
):
    """
    @dev The deployer owns the oracle. Logs `AttestorAdded` for each attestor and
         `ThresholdSet`.
    @param attestors The first committee: distinct, non-zero addresses, in any order.
    @param threshold Signatures a report needs: at least 1, at most the committee size.
    @param genesis The deployment-wide epoch origin; not in the future.
    @param epoch_length Seconds per epoch; not zero.
    @param committee_delay Seconds between a committee change's announcement and the
           earliest time it may apply (1 s to a year).
    """
    ow.__init__()
    ow2.__init__()
    eip712.__init__("ComputeRWA Oracle", "1")
    assert genesis <= block.timestamp, "oracle: genesis is in the future"
    assert epoch_length != 0, "oracle: epoch length is zero"
    assert (
        committee_delay != 0 and committee_delay <= MAX_COMMITTEE_DELAY
    ), "oracle: committee delay not within 1 s to a year"
    GENESIS = genesis
    EPOCH_LENGTH = epoch_length
    COMMITTEE_DELAY = committee_delay
    committee: DynArray[address, MAX_ATTESTORS] = self._sorted(attestors)
    for attestor: address in committee:
        log IAttestationOracle.AttestorAdded(attestor=attestor)
    self._config = self._packed(committee, threshold)
    log IAttestationOracle.ThresholdSet(threshold=threshold)


@external
def submit(
    report: IAttestationOracle.PerformanceReport, signatures: DynArray[IAttestationOracle.Signature, MAX_ATTESTORS]
):
    """
    @dev Accepts `report` signed by at least `threshold` current attestors, once per
         (node, epoch), for an ended epoch, in any order. Anyone may submit it (a relayer
         pays the gas; the signatures carry the authority).
    @param report The report, exactly as the attestors signed it.
    @param signatures EIP-2098 compact signatures, ordered by strictly ascending signer.
    """
    assert block.timestamp <= report.deadline, "oracle: report expired"
    epoch: uint256 = convert(report.epoch, uint256)
    assert epoch < self._epoch(), "oracle: epoch has not ended"
    # a slot is never zero once written (`submitted_at` is not); this read warms the write below
    assert self._reports[report.node_id][report.epoch] == 0, "oracle: epoch already reported"
    assert report.uptime_bps <= convert(constants.MAX_BPS, uint16), "oracle: uptime above 100%"
    assert report.utilization_bps <= convert(constants.MAX_BPS, uint16), "oracle: utilization above 100%"
    config: uint256 = self._config
    count: uint256 = (config >> _COUNT_SHIFT) & constants.UINT8_MASK
    assert len(signatures) >= config >> _THRESHOLD_SHIFT, "oracle: not enough signatures"

    # `_report_digest`, written out: the call would copy the report and cost every report
    # ~110 gas (the tests hold both to eth-account's digest)
    digest: bytes32 = eip712._hash_typed_data_v4(keccak256(abi_encode(_REPORT_TYPEHASH, report)))
    committee: Bytes[_COMMITTEE_BYTES] = slice(
        convert(config & constants.ADDRESS_MASK, address).code, 0, _COMMITTEE_BYTES
    )
    # merge walk: signers ascend strictly, and so does the committee
    previous: uint256 = 0
    position: uint256 = 0
    signer_bitmap: uint256 = 0
    for signature: IAttestationOracle.Signature in signatures:
        signer: uint256 = convert(
            ecdsa._try_recover_r_vs(digest, convert(signature.r, uint256), convert(signature.vs, uint256)),
            uint256,
        )
        assert signer > previous, "oracle: signers not strictly ascending"
        member: uint256 = 0
        for _: uint256 in range(MAX_ATTESTORS):
            if position == count:
                break
            member = extract32(committee, position << 5, output_type=uint256)
            if member >= signer:
                break
            position += 1
        assert position < count and member == signer, "oracle: signer is not an attestor"
        signer_bitmap |= 1 << position
        position += 1
        previous = signer

    if epoch >= self._latest_plus_one[report.node_id]:
        self._latest_plus_one[report.node_id] = epoch + 1
    self._reports[report.node_id][report.epoch] = (
        convert(report.uptime_bps, uint256)
        | (convert(report.utilization_bps, uint256) << _UTILIZATION_SHIFT)
        | (convert(report.latency_ms_p50, uint256) << _LATENCY_SHIFT)
        | (convert(report.energy_wh, uint256) << _ENERGY_SHIFT)
        | (convert(report.work_units, uint256) << _WORK_SHIFT)
        | (block.timestamp << _SUBMITTED_SHIFT)
    )
    log IAttestationOracle.ReportAccepted(
        node_id=report.node_id,
        epoch=report.epoch,
        uptime_bps=report.uptime_bps,
        utilization_bps=report.utilization_bps,
        latency_ms_p50=report.latency_ms_p50,
        energy_wh=report.energy_wh,
        work_units=report.work_units,
        deadline=report.deadline,
        signer_bitmap=signer_bitmap,
    )


@external
@view
def report_digest(report: IAttestationOracle.PerformanceReport) -> bytes32:
    """
    @dev The EIP-712 digest of `report` that attestors sign and `submit` recovers them from
         (`submit` writes the same expression out, see `_report_digest`). Anyone may call it.
    @param report The report.
    @return bytes32 keccak256(0x1901 ‖ domain separator ‖ hashStruct(report)).
    """
    return self._report_digest(report)


@external
@view
def dry_run_report(
    report: IAttestationOracle.PerformanceReport, signatures: DynArray[IAttestationOracle.Signature, MAX_ATTESTORS]
) -> (bool, uint256, String[64]):
    """
    @dev Whether `submit(report, signatures)` would accept the report in the block this call
         runs in (`latest` for an `eth_call`), and if not, the reason it would revert with:
         `submit`'s checks, in its order (deadline, epoch ended, not reported yet, uptime and
         utilization at most 100%, at least `threshold` signatures, each low-s and
         recoverable, signers strictly ascending, each a current attestor). Anyone may call it.
    @param report The report, exactly as the attestors signed it.
    @param signatures EIP-2098 compact signatures, ordered by strictly ascending signer.
    @return bool True when `submit` would accept it.
    @return uint256 The `signer_bitmap` `ReportAccepted` would log (bit i: the i-th attestor
            of `attestors()`); 0 when it would not be accepted.
    @return String `submit`'s revert reason; empty when it would be accepted.
    """
    if block.timestamp > report.deadline:
        return False, 0, "oracle: report expired"
    if convert(report.epoch, uint256) >= self._epoch():
        return False, 0, "oracle: epoch has not ended"
    if self._reports[report.node_id][report.epoch] != 0:
        return False, 0, "oracle: epoch already reported"
    if report.uptime_bps > convert(constants.MAX_BPS, uint16):
        return False, 0, "oracle: uptime above 100%"
    if report.utilization_bps > convert(constants.MAX_BPS, uint16):
        return False, 0, "oracle: utilization above 100%"
    config: uint256 = self._config
    count: uint256 = (config >> _COUNT_SHIFT) & constants.UINT8_MASK
    if len(signatures) < config >> _THRESHOLD_SHIFT:
        return False, 0, "oracle: not enough signatures"
    digest: bytes32 = self._report_digest(report)
    committee: Bytes[_COMMITTEE_BYTES] = slice(
        convert(config & constants.ADDRESS_MASK, address).code, 0, _COMMITTEE_BYTES
    )
    previous: uint256 = 0
    position: uint256 = 0
    signer_bitmap: uint256 = 0
    for signature: IAttestationOracle.Signature in signatures:
        # snekmate's `_try_recover_r_vs`, answering where it would revert
        vs: uint256 = convert(signature.vs, uint256)
        s: uint256 = vs & convert(max_value(int256), uint256)
        if s > ecdsa._MALLEABILITY_THRESHOLD:
            return False, 0, "ecdsa: invalid signature `s` value"
        signer: uint256 = convert(
            ecrecover(digest, unsafe_add(vs >> 255, 27), convert(signature.r, uint256), s), uint256
        )
        if signer == 0:
            return False, 0, "ecdsa: invalid signature"
        if signer <= previous:
            return False, 0, "oracle: signers not strictly ascending"
        member: uint256 = 0
        for _: uint256 in range(MAX_ATTESTORS):
            if position == count:
                break
            member = extract32(committee, position << 5, output_type=uint256)
            if member >= signer:
                break
            position += 1
        if position >= count or member != signer:
            return False, 0, "oracle: signer is not an attestor"
        signer_bitmap |= 1 << position
        position += 1
        previous = signer
    return True, signer_bitmap, ""


@external
@view
def report(node_id: uint256, epoch: uint64) -> IAttestationOracle.Attestation:
    """
    @dev The accepted report of `node_id` for `epoch`.
    @param node_id The node.
    @param epoch The epoch.
    @return Attestation Its metrics; all zero (`submitted_at == 0`) when none was accepted.
    """
    return self._unpacked(self._reports[node_id][epoch])


@external
@view
def latest(node_id: uint256) -> (uint64, IAttestationOracle.Attestation):
    """
    @dev The node's report of the highest epoch reported (not the last one submitted: an
         earlier epoch reported late does not change it).
    @param node_id The node.
    @return uint64 Its epoch (0 when there is none).
    @return Attestation Its metrics; all zero (`submitted_at == 0`) when there is none.
    """
    latest_plus_one: uint256 = self._latest_plus_one[node_id]
    if latest_plus_one == 0:
        return 0, empty(IAttestationOracle.Attestation)
    epoch: uint64 = convert(latest_plus_one - 1, uint64)
    return epoch, self._unpacked(self._reports[node_id][epoch])


@external
@view
def is_fresh(node_id: uint256, max_age: uint256) -> bool:
    """
    @dev Whether the node's latest report (`latest`) covers an epoch that ended at most
         `max_age` seconds ago. The age is the data's, not the submission's: a late report
         of an old epoch is stale.
    @param node_id The node.
    @param max_age Seconds.
    @return bool False also when the node has no report.
    """
    latest_plus_one: uint256 = self._latest_plus_one[node_id]
    if latest_plus_one == 0:
        return False
    # only ended epochs are reported, so `ended <= block.timestamp`
    ended: uint256 = GENESIS + latest_plus_one * EPOCH_LENGTH
    return block.timestamp - ended <= max_age


@external
@view
def attestors() -> DynArray[address, MAX_ATTESTORS]:
    """
    @dev The current committee, in ascending address order (the order of `signer_bitmap`).
    @return DynArray The attestors.
    """
    return self._members(self._config)


@external
@view
def committee_contract() -> address:
    """
    @dev The data contract whose code is the current committee (see the contract's @dev).
    @return address A fresh one after every committee change.
    """
    return convert(self._config & constants.ADDRESS_MASK, address)


@external
@view
def is_attestor(account: address) -> bool:
    """
    @dev Whether `account` is in the current committee.
    @param account The address.
    @return bool True for a current attestor.
    """
    return account in self._members(self._config)


@external
@view
def threshold() -> uint256:
    """
    @dev Signatures a report needs.
    @return uint256 At least 1, at most the committee size.
    """
    return self._config >> _THRESHOLD_SHIFT


@external
@view
def current_epoch() -> uint256:
    """
    @dev The epoch of the latest block; a report may cover any earlier epoch (an ended one).
    @return uint256 The epoch number.
    """
    return self._epoch()


@external
@view
def pending_committee() -> (DynArray[address, MAX_ATTESTORS], uint256, uint256):
    """
    @dev The announced committee change, if any.
    @return DynArray Its attestors, ascending (empty when none is announced).
    @return uint256 Its threshold (0 when none is announced).
    @return uint256 When it may apply (0 when none is announced).
    """
    pending: uint256 = self._pending
    if pending == 0:
        return [], 0, 0
    return self._members(pending), (pending >> _THRESHOLD_SHIFT) & constants.UINT8_MASK, pending >> _EFFECTIVE_SHIFT


@external
def announce_committee(attestors: DynArray[address, MAX_ATTESTORS], threshold: uint256):
    """
    @dev Announces a whole new committee and threshold, which may apply `COMMITTEE_DELAY`
         seconds from now (`apply_committee`); it replaces any change announced before and
         restarts the delay. Reports keep needing the current committee until it applies.
         Owner only.
    @param attestors The new committee: distinct, non-zero addresses, in any order.
    @param threshold Signatures a report will need: at least 1, at most the new committee's size.
    """
    ow._check_owner()
    committee: DynArray[address, MAX_ATTESTORS] = self._sorted(attestors)
    effective_at: uint256 = block.timestamp + COMMITTEE_DELAY
    self._pending = self._packed(committee, threshold) | (effective_at << _EFFECTIVE_SHIFT)
    log IAttestationOracle.CommitteeChangeAnnounced(attestors=committee, threshold=threshold, effective_at=effective_at)


@external
def apply_committee():
    """
    @dev Puts the announced committee and threshold in force once its delay has run: from
         this block on, only its members' signatures count. Logs `AttestorRemoved` and
         `AttestorAdded` for each member that leaves or joins, and `ThresholdSet` when the
         threshold changes. Owner only.
    """
    ow._check_owner()
    pending: uint256 = self._pending
    assert pending != 0, "oracle: no committee change announced"
    assert block.timestamp >= pending >> _EFFECTIVE_SHIFT, "oracle: committee change not due yet"
    config: uint256 = self._config
    old: DynArray[address, MAX_ATTESTORS] = self._members(config)
    new: DynArray[address, MAX_ATTESTORS] = self._members(pending)
    for member: address in old:
        if member not in new:
            log IAttestationOracle.AttestorRemoved(attestor=member)
    for member: address in new:
        if member not in old:
            log IAttestationOracle.AttestorAdded(attestor=member)
    threshold: uint256 = (pending >> _THRESHOLD_SHIFT) & constants.UINT8_MASK
    if threshold != config >> _THRESHOLD_SHIFT:
        log IAttestationOracle.ThresholdSet(threshold=threshold)
    self._config = pending & _CONFIG_MASK
    self._pending = 0


@external
def cancel_committee():
    """
    @dev Withdraws the announced committee change; the current committee stays. Owner only.
    """
    ow._check_owner()
    assert self._pending != 0, "oracle: no committee change announced"
    self._pending = 0
    log IAttestationOracle.CommitteeChangeCancelled()


@internal
@view
def _report_digest(report: IAttestationOracle.PerformanceReport) -> bytes32:
    """
    @dev A report's EIP-712 digest, the one attestors sign, for `dry_run_report` and
         `report_digest`; `submit` writes the same expression out.
    @param report The report.
    @return bytes32 keccak256(0x1901 ‖ domain separator ‖ hashStruct(report)).
    """
    return eip712._hash_typed_data_v4(keccak256(abi_encode(_REPORT_TYPEHASH, report)))


@internal
@view
def _members(config: uint256) -> DynArray[address, MAX_ATTESTORS]:
    """
    @dev A committee, read from its data contract's code (one EXTCODECOPY).
    @param config A packed committee word (`_config`, or `_pending`): data contract | count.
    @return DynArray The attestors, in ascending address order.
    """
    count: uint256 = (config >> _COUNT_SHIFT) & constants.UINT8_MASK
    data: Bytes[_COMMITTEE_BYTES] = slice(convert(config & constants.ADDRESS_MASK, address).code, 0, _COMMITTEE_BYTES)
    committee: DynArray[address, MAX_ATTESTORS] = []
    for position: uint256 in range(count, bound=MAX_ATTESTORS):
        committee.append(extract32(data, position << 5, output_type=address))
    return committee


@internal
@pure
def _sorted(attestors: DynArray[address, MAX_ATTESTORS]) -> DynArray[address, MAX_ATTESTORS]:
    """
    @dev `attestors` in ascending address order, each checked: not the zero address, not
         given twice.
    @param attestors Addresses in any order (at most 32, by their type).
    @return DynArray The committee, ascending.
    """
    committee: DynArray[address, MAX_ATTESTORS] = []
    for attestor: address in attestors:
        assert attestor != empty(address), "oracle: attestor is the zero address"
        assert attestor not in committee, "oracle: already an attestor"
        key: uint256 = convert(attestor, uint256)
        result: DynArray[address, MAX_ATTESTORS] = []
        placed: bool = False
        for member: address in committee:
            if not placed and convert(member, uint256) > key:
                result.append(attestor)
                placed = True
            result.append(member)
        if not placed:
            result.append(attestor)
        committee = result
    return committee


@internal
def _packed(committee: DynArray[address, MAX_ATTESTORS], threshold: uint256) -> uint256:
    """
    @dev Writes `committee` as the code of a new data contract and returns its packed word
         (data contract | count | threshold), after checking the threshold against it.
    @param committee The committee, ascending.
    @param threshold Signatures a report needs: at least 1, at most the committee size.
    @return uint256 The word `_config` holds for this committee.
    """
    count: uint256 = len(committee)
    self._check_threshold(threshold, count)
    members: address[MAX_ATTESTORS] = empty(address[MAX_ATTESTORS])
    for position: uint256 in range(count, bound=MAX_ATTESTORS):
        members[position] = committee[position]
    data: address = raw_create(concat(_DATA_PREFIX, abi_encode(members)))
    return convert(data, uint256) | (count << _COUNT_SHIFT) | (threshold << _THRESHOLD_SHIFT)


@internal
@pure
def _check_threshold(threshold: uint256, count: uint256):
    """
    @dev Refuses a threshold of zero or above the committee size.
    @param threshold Signatures a report needs.
    @param count The committee size.
    """
    assert threshold != 0, "oracle: threshold is zero"
    assert threshold <= count, "oracle: threshold above committee size"


@internal
@pure
def _unpacked(packed: uint256) -> IAttestationOracle.Attestation:
    """
    @dev A report's metrics from its one storage slot (see the layout above `GENESIS`).
    @param packed The slot.
    @return Attestation The metrics and acceptance time; all zero for an empty slot.
    """
    return IAttestationOracle.Attestation(
        uptime_bps=convert(packed & constants.UINT16_MASK, uint16),
        utilization_bps=convert((packed >> _UTILIZATION_SHIFT) & constants.UINT16_MASK, uint16),
        latency_ms_p50=convert((packed >> _LATENCY_SHIFT) & constants.UINT32_MASK, uint32),
        energy_wh=convert((packed >> _ENERGY_SHIFT) & constants.UINT64_MASK, uint64),
        work_units=convert((packed >> _WORK_SHIFT) & constants.UINT64_MASK, uint64),
        submitted_at=convert(packed >> _SUBMITTED_SHIFT, uint64),
    )


@internal
@view
def _epoch() -> uint256:
    """
    @dev The epoch of the latest block, on the suite's one clock.
    @return uint256 `(block.timestamp - GENESIS) // EPOCH_LENGTH`.
    """
    return (block.timestamp - GENESIS) // EPOCH_LENGTH
