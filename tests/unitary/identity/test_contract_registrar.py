"""A registrar may be a contract (a KYC provider's smart account): it acts, and is logged,
in its own name; an EOA registrar driving some other contract lends it nothing."""

from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.evm.chain import reverts
from tests.unitary.identity.test_identity_registry import MAX_UINT64, NOT_REGISTRAR


def _call(signature: str, types: list[str], values: list) -> bytes:
    return keccak(text=signature)[:4] + abi_encode(types, values)


def test_a_registrar_contract_verifies_and_revokes_in_its_own_name(backend, identity, issuer, registrar, investor):
    wallet = backend.deploy("MockWallet", registrar.address, sender=registrar)
    identity.set_registrar(wallet, True, sender=issuer)
    verify = _call("set_verified(address,uint64)", ["address", "uint64"], [investor.address, MAX_UINT64])
    receipt = wallet.execute(identity, verify, sender=registrar)
    assert [e.args for e in receipt.filter("IdentityVerified")] == [
        {"account": investor.address, "valid_until": MAX_UINT64, "registrar": wallet.address}
    ]
    assert identity.is_verified(investor)
    receipt = wallet.execute(identity, _call("revoke(address)", ["address"], [investor.address]), sender=registrar)
    assert [e.args for e in receipt.filter("IdentityRevoked")] == [
        {"account": investor.address, "registrar": wallet.address}
    ]
    assert not identity.is_verified(investor)


def test_a_contract_a_registrar_drives_is_not_a_registrar(backend, identity, issuer, investor):
    wallet = backend.deploy("MockWallet", issuer.address, sender=issuer)  # the issuer is a registrar
    verify = _call("set_verified(address,uint64)", ["address", "uint64"], [investor.address, MAX_UINT64])
    with reverts(NOT_REGISTRAR):
        wallet.execute(identity, verify, sender=issuer)
    with reverts(NOT_REGISTRAR):
        wallet.execute(identity, _call("revoke(address)", ["address"], [investor.address]), sender=issuer)
    assert not identity.is_verified(investor)


def test_a_contract_that_deploys_the_registry_owns_it_and_is_its_first_registrar(backend, registrar, investor):
    wallet = backend.deploy("MockWallet", registrar.address, sender=registrar)
    blueprint = backend.deploy_blueprint("IdentityRegistry", sender=registrar)
    created = backend.at("IdentityRegistry", wallet.create(blueprint, b"", sender=registrar).return_value)
    assert created.owner() == wallet.address
    assert created.is_registrar(wallet)
    assert not created.is_registrar(registrar)  # the key that drove the deployment is not
    with reverts(NOT_REGISTRAR):
        created.set_verified(investor, MAX_UINT64, sender=registrar)
    verify = _call("set_verified(address,uint64)", ["address", "uint64"], [investor.address, MAX_UINT64])
    wallet.execute(created, verify, sender=registrar)
    assert created.is_verified(investor)


def test_only_the_wallets_owner_creates_through_it(backend, registrar, attacker):
    wallet = backend.deploy("MockWallet", registrar.address, sender=registrar)
    blueprint = backend.deploy_blueprint("IdentityRegistry", sender=registrar)
    with reverts("wallet: caller is not the owner"):
        wallet.create(blueprint, b"", sender=attacker)
