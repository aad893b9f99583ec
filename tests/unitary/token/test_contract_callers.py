"""Roles held by contracts: a role is its holder's, the direct caller's, never the
transaction signer's (a smart account acts in its own name, and an EOA role holder driving
some other contract lends that contract nothing)."""

from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa import reverts
from tests.unitary.token.conftest import NOT_MINTER, SHARE


def _call(signature: str, types: tuple[str, ...] = (), values: tuple = ()) -> bytes:
    return keccak(text=signature)[:4] + abi_encode(list(types), list(values))


def test_an_agent_contract_pauses_and_unpauses_in_its_own_name(backend, compute_token, issuer, agent):
    wallet = backend.deploy("MockWallet", agent.address, sender=agent)
    compute_token.set_agent(wallet, True, sender=issuer)
    receipt = wallet.execute(compute_token, _call("pause()"), sender=agent)
    assert [e.args for e in receipt.filter("Paused")] == [{"agent": wallet.address}]
    receipt = wallet.execute(compute_token, _call("unpause()"), sender=agent)
    assert [e.args for e in receipt.filter("Unpaused")] == [{"agent": wallet.address}]


def test_a_contract_a_minter_drives_is_not_a_minter(backend, compute_token, minter, investor, issued):
    wallet = backend.deploy("MockWallet", minter.address, sender=minter)
    for call in (
        _call("mint(address,uint256)", ("address", "uint256"), (investor.address, SHARE)),
        _call("burn(address,uint256)", ("address", "uint256"), (investor.address, SHARE)),
    ):
        with reverts(NOT_MINTER):
            wallet.execute(compute_token, call, sender=minter)
    assert compute_token.totalSupply() == issued
