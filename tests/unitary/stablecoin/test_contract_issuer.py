"""The issuer may be a contract (a custodian's smart account): it mints, burns and is
blacklisted in its own name; and the token takes names and symbols up to their full length."""

from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.evm.chain import reverts

BLACKLISTED = "stablecoin: account is blacklisted"


def _call(signature: str, types: list[str] | None = None, values: list | None = None) -> bytes:
    return keccak(text=signature)[:4] + abi_encode(types or [], values or [])


def test_a_contract_issuer_burns_in_its_own_name_unless_blacklisted(backend, stablecoin, issuer):
    wallet = backend.deploy("MockWallet", issuer.address, sender=issuer)
    stablecoin.transfer_ownership(wallet, sender=issuer)
    wallet.execute(stablecoin, _call("accept_ownership()"), sender=issuer)
    assert stablecoin.owner() == wallet.address
    wallet.execute(
        stablecoin, _call("mint(address,uint256)", ["address", "uint256"], [wallet.address, 100]), sender=issuer
    )
    receipt = wallet.execute(stablecoin, _call("burn(uint256)", ["uint256"], [40]), sender=issuer)
    assert receipt.filter("Burn")[0].args == {"burner": wallet.address, "amount": 40}
    assert stablecoin.balanceOf(wallet) == 60
    wallet.execute(stablecoin, _call("blacklist(address)", ["address"], [wallet.address]), sender=issuer)
    with reverts(BLACKLISTED):
        wallet.execute(stablecoin, _call("burn(uint256)", ["uint256"], [1]), sender=issuer)


def test_name_and_symbol_take_their_full_length(backend, issuer):
    token = backend.deploy("MockStablecoin", "N" * 25, "S" * 5, sender=issuer)  # String[25], String[5]
    assert (token.name(), token.symbol()) == ("N" * 25, "S" * 5)
