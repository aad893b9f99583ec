"""ComputeFactory: one ComputeToken per node from the blueprint, roles wired, the
deployment's stablecoin, registry and clock passed through; creators; constructor refusals."""

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from computerwa.evm.chain import reverts
from tests.conftest import DOCUMENTS_HASH, EPOCH_LENGTH, NODE_ID
from tests.unitary.token.conftest import NOT_NEW_OWNER, NOT_OWNER, ZERO

NODE_2 = 2
NODE_2_DOCUMENTS = b"\x02" * 32


@pytest.fixture
def create(factory, issuer, agent, minter):
    """Creates node `node_id`'s token as the issuer (a creator); returns the receipt."""

    def create(node_id=NODE_2, admin=issuer, agent=agent, minter=minter, sender=issuer):
        return factory.create_token(
            node_id, "ComputeRWA Node 2", "CN2", NODE_2_DOCUMENTS, admin, agent, minter, sender=sender
        )

    return create


def _created(backend, receipt):
    return backend.at("ComputeToken", receipt.filter("TokenCreated")[0].args["token"])


def test_factory_holds_the_deployment_settings(backend, factory, stablecoin, identity, issuer, operator):
    assert factory.STABLECOIN() == stablecoin.address
    assert factory.IDENTITY_REGISTRY() == identity.address
    assert factory.EPOCH_LENGTH() == EPOCH_LENGTH
    assert factory.GENESIS() <= backend.timestamp
    assert factory.BLUEPRINT() != ZERO
    assert factory.owner() == issuer.address
    assert factory.pending_owner() == ZERO
    assert not factory.is_creator(issuer)  # the owner creates as owner, not as an appointed creator
    assert not factory.is_creator(operator)


def test_fixture_token_is_recorded_for_node_1(factory, compute_token, issuer):
    assert factory.token_of(issuer, NODE_ID) == compute_token.address
    assert factory.token_count() == 1
    assert factory.token_of(issuer, NODE_2) == ZERO


def test_create_token_records_it_and_logs(backend, factory, compute_token, issuer, agent, minter, create):
    receipt = create()
    token = _created(backend, receipt)
    assert factory.token_of(issuer, NODE_2) == token.address
    assert factory.token_count() == 2
    assert token.address != compute_token.address
    # what a basket factory checks of each component: a token this factory created, not a look-alike
    assert factory.is_token(token) and factory.is_token(compute_token)
    assert not factory.is_token(factory) and not factory.is_token(issuer) and not factory.is_token(ZERO)
    assert receipt.filter("TokenCreated")[0].args == {
        "creator": issuer.address,
        "node_id": NODE_2,
        "token": token.address,
        "admin": issuer.address,
        "agent": agent.address,
        "minter": minter.address,
        "documents_hash": NODE_2_DOCUMENTS,
    }


def test_created_token_has_its_roles_wired(backend, factory, issuer, agent, minter, operator, create):
    receipt = create(admin=operator)
    token = _created(backend, receipt)
    assert token.owner() == operator.address
    assert token.is_agent(agent)
    assert token.is_minter(minter)
    assert not token.is_agent(factory) and not token.is_minter(factory)
    # the constructor's role grants name the factory, the account that made them
    assert [e.args for e in receipt.filter("RoleSet")] == [
        {"role": keccak(text="agent"), "account": agent.address, "status": True, "admin": factory.address},
        {"role": keccak(text="minter"), "account": minter.address, "status": True, "admin": factory.address},
    ]
    with reverts(NOT_OWNER):
        token.set_restricted(False, sender=issuer)


def test_created_token_shares_the_deployments_stablecoin_registry_and_clock(
    backend, factory, stablecoin, identity, create
):
    token = _created(backend, create())
    assert token.STABLECOIN() == stablecoin.address
    assert token.identity_registry() == identity.address
    assert token.GENESIS() == factory.GENESIS()
    assert token.EPOCH_LENGTH() == EPOCH_LENGTH
    assert (token.node_id(), token.documents_hash()) == (NODE_2, NODE_2_DOCUMENTS)
    assert (token.name(), token.symbol(), token.decimals()) == ("ComputeRWA Node 2", "CN2", 18)
    assert token.restricted()


def test_a_node_gets_one_token_forever(factory, compute_token, create):
    with reverts("factory: node already has a token"):
        create(node_id=NODE_ID)
    create()
    with reverts("factory: node already has a token"):
        create()
    assert factory.token_count() == 2


def test_each_creator_numbers_its_own_nodes(backend, factory, compute_token, issuer, operator, create):
    """Issue #15 item 7: tokens are keyed by (creator, node id), so a second creator (a second
    NodeRegistry) creates its own node 1 and the first creator's stays where it was."""
    factory.set_creator(operator, True, sender=issuer)
    token = _created(backend, create(node_id=NODE_ID, sender=operator))
    assert factory.token_of(operator, NODE_ID) == token.address != compute_token.address
    assert factory.token_of(issuer, NODE_ID) == compute_token.address
    with reverts("factory: node already has a token"):
        create(node_id=NODE_ID, sender=operator)


def test_only_creators_create_tokens(create, attacker):
    with reverts("factory: caller is not a creator"):
        create(sender=attacker)


def test_create_token_refuses_a_zero_admin(create):
    with reverts("compute_token: admin is the zero address"):
        create(admin=ZERO)


@pytest.mark.parametrize("role", ["agent", "minter"])
def test_create_token_refuses_a_zero_role(create, role):
    with reverts("compute_token: role for the zero address"):
        create(**{role: ZERO})


# --- creators ------------------------------------------------------------------------------------
def test_owner_adds_and_removes_a_creator(backend, factory, issuer, operator, create):
    receipt = factory.set_creator(operator, True, sender=issuer)
    assert factory.is_creator(operator)
    assert receipt.filter("CreatorSet")[0].args == {"account": operator.address, "status": True}
    token = _created(backend, create(sender=operator))
    assert factory.token_of(operator, NODE_2) == token.address
    receipt = factory.set_creator(operator, False, sender=issuer)
    assert not factory.is_creator(operator)
    assert receipt.filter("CreatorSet")[0].args == {"account": operator.address, "status": False}
    with reverts("factory: caller is not a creator"):
        create(node_id=3, sender=operator)


def test_set_creator_is_owner_only(factory, attacker):
    with reverts(NOT_OWNER):
        factory.set_creator(attacker, True, sender=attacker)


def test_set_creator_refuses_the_zero_address(factory, issuer):
    with reverts("factory: creator is the zero address"):
        factory.set_creator(ZERO, True, sender=issuer)


# --- two-step ownership --------------------------------------------------------------------------
def test_factory_ownership_moves_in_two_steps(factory, issuer, operator, attacker):
    with reverts(NOT_OWNER):
        factory.transfer_ownership(attacker, sender=attacker)
    factory.transfer_ownership(operator, sender=issuer)
    assert factory.pending_owner() == operator.address
    with reverts(NOT_NEW_OWNER):
        factory.accept_ownership(sender=attacker)
    receipt = factory.accept_ownership(sender=operator)
    assert factory.owner() == operator.address
    assert receipt.filter("OwnershipTransferred")[0].args == {
        "previous_owner": issuer.address,
        "new_owner": operator.address,
    }
    factory.set_creator(attacker, True, sender=operator)
    with reverts(NOT_OWNER):
        factory.set_creator(attacker, False, sender=issuer)


def test_former_owner_cannot_create_tokens_after_handing_over(factory, issuer, operator, create):
    factory.transfer_ownership(operator, sender=issuer)
    factory.accept_ownership(sender=operator)
    with reverts("factory: caller is not a creator"):
        create(sender=issuer)


# --- constructor ---------------------------------------------------------------------------------
@pytest.fixture
def deploy_factory(backend, factory, stablecoin, identity, issuer):
    def deploy(**overrides):
        args = {
            "blueprint": factory.BLUEPRINT(),
            "stablecoin": stablecoin,
            "identity_registry": identity,
            "genesis": backend.timestamp,
            "epoch_length": EPOCH_LENGTH,
        }
        args.update(overrides)
        return backend.deploy("ComputeFactory", *args.values(), sender=issuer)

    return deploy


def test_new_factory_lets_its_owner_create(deploy_factory, operator, backend, issuer):
    fresh = deploy_factory(epoch_length=3_600)
    assert fresh.owner() == issuer.address
    assert fresh.EPOCH_LENGTH() == 3_600
    receipt = fresh.create_token(5, "Node 5", "N5", DOCUMENTS_HASH, operator, operator, operator, sender=issuer)
    token = backend.at("ComputeToken", receipt.filter("TokenCreated")[0].args["token"])
    assert token.EPOCH_LENGTH() == 3_600
    assert token.owner() == operator.address


def test_zero_length_epochs_are_refused_so_no_zero_second_holder_takes_a_deposit(deploy_factory):
    """Issue #15 item 9: with EPOCH_LENGTH == 0 a deposit was released at once, to whoever
    held at that instant (a buyer of one block took its share of revenue earned by others)."""
    with reverts("factory: epoch length is zero"):
        deploy_factory(epoch_length=0)
    assert deploy_factory(epoch_length=1).EPOCH_LENGTH() == 1  # the shortest epoch there is


def test_constructor_refuses_a_blueprint_without_code(deploy_factory, operator):
    with reverts("factory: blueprint has no code"):
        deploy_factory(blueprint=operator)


def test_constructor_refuses_a_zero_stablecoin(deploy_factory):
    with reverts("factory: stablecoin is the zero address"):
        deploy_factory(stablecoin=ZERO)


def test_constructor_refuses_a_zero_registry(deploy_factory):
    with reverts("factory: registry is the zero address"):
        deploy_factory(identity_registry=ZERO)


def test_constructor_refuses_genesis_in_the_future(backend, deploy_factory):
    deploy_at = backend.pending_timestamp + 10
    backend.pending_timestamp = deploy_at
    assert deploy_factory(genesis=deploy_at).GENESIS() == deploy_at
    deploy_at = backend.pending_timestamp + 10
    backend.pending_timestamp = deploy_at
    with reverts("factory: genesis is in the future"):
        deploy_factory(genesis=deploy_at + 1)


def test_names_and_symbols_take_their_full_length_and_no_more(backend, factory, issuer, agent, minter):
    name, symbol = "N" * 25, "S" * 5  # ComputeToken's String[25] name and String[5] symbol
    receipt = factory.create_token(NODE_2, name, symbol, NODE_2_DOCUMENTS, issuer, agent, minter, sender=issuer)
    token = _created(backend, receipt)
    assert (token.name(), token.symbol()) == (name, symbol)
    with reverts():
        factory.create_token(3, name + "N", symbol, NODE_2_DOCUMENTS, issuer, agent, minter, sender=issuer)
    with reverts():
        factory.create_token(3, name, symbol + "S", NODE_2_DOCUMENTS, issuer, agent, minter, sender=issuer)
    assert factory.token_of(issuer, 3) == ZERO
    # control: node 3 itself was never the problem
    factory.create_token(3, name, symbol, NODE_2_DOCUMENTS, issuer, agent, minter, sender=issuer)
    assert factory.token_of(issuer, 3) != ZERO


def test_a_contract_the_owner_drives_is_not_a_creator(backend, factory, issuer, agent, minter):
    # the check is on the direct caller: the owner's own smart account needs set_creator too
    wallet = backend.deploy("MockWallet", issuer.address, sender=issuer)
    call = keccak(text="create_token(uint256,string,string,bytes32,address,address,address)")[:4] + abi_encode(
        ["uint256", "string", "string", "bytes32", "address", "address", "address"],
        [NODE_2, "ComputeRWA Node 2", "CN2", NODE_2_DOCUMENTS, issuer.address, agent.address, minter.address],
    )
    with reverts("factory: caller is not a creator"):
        wallet.execute(factory, call, sender=issuer)
    assert factory.token_of(wallet, NODE_2) == ZERO
    factory.set_creator(wallet, True, sender=issuer)
    wallet.execute(factory, call, sender=issuer)
    assert factory.token_of(wallet, NODE_2) != ZERO
