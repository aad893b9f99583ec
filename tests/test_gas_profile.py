"""`ape run profile`'s recorder: the rows add up to the receipt, and each gas cost lands on
the statement that spent it. On Ape's embedded provider (py-evm); skipped on Anvil."""

from collections import Counter

import pytest

from computerwa.tooling.gasprofile import GasRecorder, intrinsic_gas, profile

pytestmark = pytest.mark.ape_only


def test_rows_add_up_to_the_receipt_and_a_new_slot_costs_where_it_is_written(backend):
    from ape import accounts, chain, project

    if chain.provider.name != "test":
        pytest.skip("the recorder hooks py-evm, the EVM of Ape's embedded provider")
    registrar, investor = list(accounts.test_accounts)[:2]
    identity = project.IdentityRegistry.deploy(sender=registrar)
    recorder = GasRecorder()
    recorder.install()
    try:
        receipt = identity.set_verified(investor, 2**40, sender=registrar)
    finally:
        recorder.uninstall()
    calldata = bytes(receipt.transaction.data)
    rows = profile(recorder, receipt.gas_used, calldata)

    assert sum(row.gas for row in rows) == receipt.gas_used
    assert rows[-2].gas == intrinsic_gas(calldata) > 21_000
    by_line = {row.code: row.gas for row in rows}
    # a slot written from zero: 20,000 + 2,100 cold, charged to the assignment, not to the log
    write = by_line["self.valid_until[account] = valid_until"]
    assert 22_100 <= write < 23_000
    log = by_line[
        "log IIdentityRegistry.IdentityVerified(account=account, valid_until=valid_until, registrar=msg.sender)"
    ]
    assert 1_000 < log < 3_000
    # the registrar check reads a cold slot
    assert 2_100 <= by_line['assert self.is_registrar[msg.sender], "identity: caller is not a registrar"'] < 2_500


def test_a_profile_refuses_a_receipt_no_recorded_run_adds_up_to():
    with pytest.raises(ValueError, match="no recorded run adds up"):
        profile(GasRecorder(), 50_000, b"\x01" * 4)


def test_a_refund_at_its_cap_of_a_fifth_of_the_gas_used_is_its_own_row():
    # a run whose refund is capped (EIP-3529: a fifth of the gas used before it, a quarter of the
    # receipt), as a refund that clears two slots is
    calldata = b"\x01" * 4
    used = 40_000 + intrinsic_gas(calldata)
    receipt_gas = used - used // 5
    recorder = GasRecorder()
    recorder.runs.append({b"\xfe": Counter({0: 40_000})})
    rows = profile(recorder, receipt_gas, calldata)

    assert sum(row.gas for row in rows) == receipt_gas
    assert rows[-1].gas == -(used // 5)
    assert rows[0] == rows[0].__class__("(code not from this build)", "", 40_000)
