"""`ape run basket`: a basket of the recorded deployment's node tokens, created through the
basket factory by its owner and verified by the same account (a registrar); every refusal a
one-line error saying what to do, before anything is sent.

The deploys run on Ape's local chain (`ape_only`) and restore it afterwards."""

from types import SimpleNamespace

import pytest

from computerwa.client.deployment import DeploymentError
from tests.scripts.helpers import load_script, local_deploy

ETHEREUM = SimpleNamespace(name="ethereum")
LOCAL = SimpleNamespace(name="local", is_local=True)
LIVE = SimpleNamespace(name="sepolia", is_local=False)


@pytest.fixture
def basket_script():
    return load_script("basket")


@pytest.fixture
def deployed(tmp_path, capsys):
    """`ape run deploy` on Ape's local chain, two nodes registered by test account 1 (a verified
    operator): (record path, record, node tokens)."""
    from ape import accounts, project

    with local_deploy(load_script("deploy"), tmp_path, capsys) as (_, record):
        registry = project.NodeRegistry.at(record["contracts"]["NodeRegistry"]["address"])
        operator = accounts.test_accounts[1]
        for gpus in (4, 8):
            registry.register_node("eu-west", "H100", gpus, 500_000, 3_000, 9_900, "ipfs://b", sender=operator)
        tokens = [registry.node(node).token for node in (1, 2)]
        capsys.readouterr()
        yield tmp_path / "ethereum-local.json", record, tokens


def run(script, path, nodes=(1, 2), units=(1, 3), account=None, network=LOCAL, **options):
    from ape import chain

    values = {
        "name": "Two Nodes",
        "symbol": "TWO",
        "admin": None,
        "agent": None,
        "verified_for": 86_400,
        "no_verify": False,
    } | options
    script.run(
        ETHEREUM,
        network,
        chain.provider,
        account,
        list(nodes),
        list(units),
        *values.values(),
        path,
    )


@pytest.mark.ape_only
def test_a_basket_of_two_nodes_is_created_verified_and_printed(backend, basket_script, deployed, capsys):
    from ape import accounts, chain, project

    path, record, tokens = deployed
    run(basket_script, path)
    printed = capsys.readouterr().out
    address = printed.splitlines()[-1].split()[-1]
    assert printed.splitlines()[-1] == f"basket    {address}"
    factory = project.ComputeBasketFactory.at(record["contracts"]["ComputeBasketFactory"]["address"])
    identity = project.IdentityRegistry.at(record["contracts"]["IdentityRegistry"]["address"])
    assert factory.is_basket(address) and factory.basket_count() == 1
    assert identity.is_verified(address)
    assert chain.blocks.head.timestamp < identity.valid_until(address) <= chain.blocks.head.timestamp + 86_400
    basket = project.ComputeBasket.at(address)
    assert [basket.components(i) for i in range(2)] == tokens and [basket.units(i) for i in range(2)] == [1, 3]
    assert (basket.name(), basket.symbol(), basket.owner()) == ("Two Nodes", "TWO", accounts.test_accounts[0].address)
    for node, token in zip((1, 2), tokens, strict=True):
        assert f"node {node:<5} {token}" in printed


@pytest.mark.ape_only
def test_no_verify_creates_only_and_prints_the_registrars_call(backend, basket_script, deployed, capsys):
    from ape import accounts, project

    path, record, _ = deployed
    agent = accounts.test_accounts[5].address
    run(basket_script, path, nodes=[2], units=[7], no_verify=True, agent=agent)
    printed = capsys.readouterr().out
    address = printed.splitlines()[-1].split()[-1]
    identity = project.IdentityRegistry.at(record["contracts"]["IdentityRegistry"]["address"])
    assert not identity.is_verified(address)
    assert f"pending: a registrar calls IdentityRegistry({identity.address}).set_verified({address}, " in printed
    assert project.ComputeBasket.at(address).is_agent(agent)


@pytest.mark.ape_only
@pytest.mark.parametrize(
    ("nodes", "units", "message"),
    [
        ([1, 9], [1, 1], "no node 9 in NodeRegistry "),
        ([1, 2], [1], "give one --units per --node, in the same order (2 nodes, 1 units)"),
        ([2, 1, 2], [1, 1, 1], "node 2 is listed twice: a basket holds each node token once"),
        (list(range(1, 34)), [1] * 33, "33 nodes: a basket holds at most 32"),
    ],
)
def test_bad_nodes_are_refused_before_anything_is_sent(backend, basket_script, deployed, nodes, units, message):
    from ape import chain

    path, _, _ = deployed
    head = chain.blocks.head.number
    with pytest.raises(DeploymentError) as refused:
        run(basket_script, path, nodes=nodes, units=units)
    assert message in str(refused.value)
    assert chain.blocks.head.number == head


@pytest.mark.ape_only
def test_an_unknown_node_says_which_nodes_exist(backend, basket_script, deployed):
    path, _, _ = deployed
    with pytest.raises(DeploymentError, match=r"no node 3 in NodeRegistry 0x\w+ \(nodes 1 to 2\): pick a registered"):
        run(basket_script, path, nodes=[3], units=[1])


@pytest.mark.ape_only
def test_anyone_but_the_factory_owner_is_refused_with_the_owners_address(backend, basket_script, deployed):
    from ape import accounts

    path, record, _ = deployed
    stranger, owner = accounts.test_accounts[7], accounts.test_accounts[0]
    with pytest.raises(DeploymentError) as refused:
        run(basket_script, path, account=stranger)
    factory = record["contracts"]["ComputeBasketFactory"]["address"]
    assert str(refused.value) == (
        f"{stranger.address} is not the owner of ComputeBasketFactory {factory}: "
        f"pass --account with the owner's key ({owner.address})"
    )


@pytest.mark.ape_only
def test_a_pending_owner_is_told_to_accept_first(backend, basket_script, deployed):
    from ape import accounts, project

    path, record, _ = deployed
    factory = project.ComputeBasketFactory.at(record["contracts"]["ComputeBasketFactory"]["address"])
    heir = accounts.test_accounts[7]
    factory.transfer_ownership(heir, sender=accounts.test_accounts[0])
    with pytest.raises(DeploymentError, match=r"\(it must first call accept_ownership\(\)\)"):
        run(basket_script, path, account=heir)


@pytest.mark.ape_only
def test_an_owner_who_is_no_registrar_is_told_to_use_no_verify(backend, basket_script, deployed):
    from ape import accounts, project

    path, record, _ = deployed
    deployer = accounts.test_accounts[0]
    identity = project.IdentityRegistry.at(record["contracts"]["IdentityRegistry"]["address"])
    identity.set_registrar(accounts.test_accounts[8], True, sender=deployer)
    identity.set_registrar(deployer, False, sender=deployer)
    with pytest.raises(DeploymentError, match=r"is not a registrar of IdentityRegistry 0x\w+, so it cannot verify"):
        run(basket_script, path)
    run(basket_script, path, no_verify=True)  # creating alone needs the owner only


@pytest.mark.ape_only
def test_a_live_network_needs_an_account(backend, basket_script, deployed):
    path, _, _ = deployed
    with pytest.raises(DeploymentError, match=r"no account: pass --account ALIAS \(the basket factory's owner\)"):
        run(basket_script, path, network=SimpleNamespace(name="local", is_local=False))


@pytest.mark.ape_only
def test_a_record_from_before_baskets_says_to_redeploy(backend, basket_script, deployed):
    import json

    path, _, _ = deployed
    older = json.loads(path.read_text())
    for name in ("ComputeBasketBlueprint", "ComputeBasketFactory"):
        del older["contracts"][name]
    path.write_text(json.dumps(older))
    with pytest.raises(
        DeploymentError,
        match=r"predates baskets \(no ComputeBasketFactory\): move it away and run `ape run deploy --network ",
    ):
        run(basket_script, path)


@pytest.mark.ape_only
def test_a_factory_refusal_is_one_line(backend, basket_script, deployed):
    """What only the chain knows (here the basket's own refusal of an agent at the zero
    address) comes back as the contract's reason, not a traceback."""
    path, _, _ = deployed
    with pytest.raises(DeploymentError, match=r"^ComputeBasketFactory refused the basket: compute_token: role for"):
        run(basket_script, path, agent="0x" + "00" * 20)
