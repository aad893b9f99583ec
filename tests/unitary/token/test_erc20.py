"""ComputeToken as a plain ERC-20 between verified holders: transfer, approve, transferFrom."""

from computerwa.evm.chain import reverts
from tests.unitary.token.conftest import SHARE, SHARES, ZERO


def test_transfer_moves_balance_and_logs(compute_token, investor, holder, issued):
    receipt = compute_token.transfer(holder, 250 * SHARE, sender=investor)
    assert compute_token.balanceOf(investor) == SHARES - 250 * SHARE
    assert compute_token.balanceOf(holder) == 250 * SHARE
    assert compute_token.totalSupply() == SHARES
    [event] = receipt.filter("Transfer")
    assert event.args == {"sender": investor.address, "receiver": holder.address, "value": 250 * SHARE}


def test_self_transfer_changes_nothing(compute_token, investor, issued):
    compute_token.transfer(investor, SHARES, sender=investor)
    assert compute_token.balanceOf(investor) == SHARES


def test_transfer_beyond_balance_reverts(compute_token, investor, holder, issued):
    with reverts("erc20: transfer amount exceeds balance"):
        compute_token.transfer(holder, SHARES + 1, sender=investor)


def test_approve_is_never_restricted(compute_token, agent, investor, operator):
    # an allowance moves nothing: unverified spenders, frozen owners and pauses do not matter
    compute_token.freeze(investor, sender=agent)
    compute_token.pause(sender=agent)
    receipt = compute_token.approve(operator, 5 * SHARE, sender=investor)
    assert compute_token.allowance(investor, operator) == 5 * SHARE
    assert receipt.filter("Approval")[0].args == {
        "owner": investor.address,
        "spender": operator.address,
        "value": 5 * SHARE,
    }


def test_approve_zero_address_reverts(compute_token, investor):
    with reverts("erc20: approve to the zero address"):
        compute_token.approve(ZERO, 1, sender=investor)


def test_transfer_from_spends_allowance(compute_token, investor, holder, relayer, issued):
    compute_token.approve(relayer, 10 * SHARE, sender=investor)
    receipt = compute_token.transferFrom(investor, holder, 4 * SHARE, sender=relayer)
    assert compute_token.allowance(investor, relayer) == 6 * SHARE
    assert compute_token.balanceOf(holder) == 4 * SHARE
    assert receipt.filter("Transfer")[0].args == {
        "sender": investor.address,
        "receiver": holder.address,
        "value": 4 * SHARE,
    }


def test_infinite_allowance_is_not_spent(compute_token, investor, holder, relayer, issued):
    compute_token.approve(relayer, 2**256 - 1, sender=investor)
    compute_token.transferFrom(investor, holder, SHARE, sender=relayer)
    assert compute_token.allowance(investor, relayer) == 2**256 - 1


def test_transfer_from_beyond_allowance_reverts(compute_token, investor, holder, relayer, issued):
    compute_token.approve(relayer, SHARE, sender=investor)
    with reverts("erc20: insufficient allowance"):
        compute_token.transferFrom(investor, holder, SHARE + 1, sender=relayer)
