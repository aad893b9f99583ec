"""Roles held by contracts: a role is its holder's, the direct caller's, never the
transaction signer's (a smart account acts in its own name, and an EOA role holder driving
some other contract lends that contract nothing)."""

from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.evm.chain import reverts
from tests.conftest import FOREVER
from tests.unitary.token.conftest import NOT_AGENT, NOT_MINTER, REVENUE, SHARE, SHARES


def _call(signature: str, types: tuple[str, ...] = (), values: tuple = ()) -> bytes:
    return keccak(text=signature)[:4] + abi_encode(list(types), list(values))


def test_an_agent_contract_pauses_and_unpauses_in_its_own_name(backend, compute_token, issuer, relayer):
    # driven by a key that is no agent itself: the role is the contract's
    wallet = backend.deploy("MockWallet", relayer.address, sender=relayer)
    compute_token.set_agent(wallet, True, sender=issuer)
    receipt = wallet.execute(compute_token, _call("pause()"), sender=relayer)
    assert [e.args for e in receipt.filter("Paused")] == [{"agent": wallet.address}]
    receipt = wallet.execute(compute_token, _call("unpause()"), sender=relayer)
    assert [e.args for e in receipt.filter("Unpaused")] == [{"agent": wallet.address}]
    with reverts(NOT_AGENT):
        compute_token.pause(sender=relayer)


def test_a_contract_an_agent_drives_is_not_an_agent(backend, compute_token, agent, investor):
    wallet = backend.deploy("MockWallet", agent.address, sender=agent)
    for call in (
        _call("pause()"),
        _call("freeze(address)", ("address",), (investor.address,)),
    ):
        with reverts(NOT_AGENT):
            wallet.execute(compute_token, call, sender=agent)
    assert not compute_token.paused() and not compute_token.is_frozen(investor)


def test_a_contract_a_minter_drives_is_not_a_minter(backend, compute_token, minter, investor, issued):
    wallet = backend.deploy("MockWallet", minter.address, sender=minter)
    for call in (
        _call("mint(address,uint256)", ("address", "uint256"), (investor.address, SHARE)),
        _call("burn(address,uint256)", ("address", "uint256"), (investor.address, SHARE)),
    ):
        with reverts(NOT_MINTER):
            wallet.execute(compute_token, call, sender=minter)
    assert compute_token.totalSupply() == issued


def test_a_contract_holder_claims_its_own_revenue(
    backend, deploy_token, stablecoin, identity, issuer, minter, customer, investor
):
    # a vault holding shares claims with its own balance, not with that of the key driving it
    token = deploy_token(epoch_length=1)
    wallet = backend.deploy("MockWallet", investor.address, sender=investor)
    identity.set_verified(wallet, FOREVER, sender=issuer)
    token.mint(wallet, 3 * SHARES, sender=minter)
    token.mint(investor, SHARES, sender=minter)
    stablecoin.approve(token, REVENUE, sender=customer)
    token.deposit_revenue(REVENUE, sender=customer)
    backend.sleep(2)  # one-second epochs: the deposit streams over the next second
    claim = _call("claim(address)", ("address",), (wallet.address,))
    receipt = wallet.execute(token, claim, sender=investor)
    assert [e.args["amount"] for e in receipt.filter("RevenueClaimed")] == [REVENUE * 3 // 4]
    assert stablecoin.balanceOf(wallet) == REVENUE * 3 // 4
    assert token.claimable(wallet) == 0 and token.claimable(investor) == REVENUE // 4
