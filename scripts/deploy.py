"""Deploys what exists of the ComputeRWA suite and records it for integrators.

    ape run deploy --network ethereum:local:test         (make demo)
    ape run deploy --network ethereum:local:foundry --account TEST::0

On a local network it deploys what exists of the suite — MockStablecoin, IdentityRegistry,
the ComputeToken blueprint and ComputeFactory, and node 1's ComputeToken — then runs the
money path once: an EIP-3009 payment signed with eth_account, revenue deposited into the
node's token, one epoch later the two verified investors claim it pro rata, checked to
the unit against the Python reference model. The addresses go to
deployments/<ecosystem>-<network>[-<provider>].json. (Live networks will take the real
stablecoin and roles from configuration once the protocol contracts land.)
"""

import json
from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand, account_option

from computerwa import signing
from computerwa.models.revenue import RevenueModel
from computerwa.signing import Domain

DOLLAR = 10**6
DEMO_CUSTOMERS = 3
EPOCH_LENGTH = 86_400
SHARES = 10**18


@click.command(cls=ConnectedProviderCommand, help=__doc__)
@account_option(prompt=False)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="deployment record")
def cli(ecosystem, network, provider, account, out):
    if not network.is_local:
        raise click.UsageError(
            "live deployment needs the protocol contracts and a configured stablecoin; use a local network for now"
        )
    from ape import accounts, chain

    issuer = account or accounts.test_accounts[0]
    click.echo(f"network  {ecosystem.name}:{network.name}:{provider.name} (chain {chain.chain_id})")
    click.echo(f"issuer   {issuer.address}")
    stable = project.MockStablecoin.deploy("ComputeRWA Mock USD", "mUSD", sender=issuer)
    click.echo(f"MockStablecoin  {stable.address}")

    test_accounts = [a for a in accounts.test_accounts if a.address != issuer.address]
    customers, node_operator = test_accounts[:DEMO_CUSTOMERS], test_accounts[DEMO_CUSTOMERS]
    for customer in customers:
        stable.mint(customer, 10_000 * DOLLAR, sender=issuer)

    # a one-shot x402-style payment: the customer signs off-chain, the operator submits
    payer, price = customers[0], 25 * DOLLAR
    now = chain.pending_timestamp
    nonce = signing.random_nonce()
    document = signing.authorization(
        Domain.of(stable), payer.address, node_operator.address, price, now - 1, now + 3_600, nonce, receive=True
    )
    sig = signing.sign(signing_key(payer), document)
    stable.receiveWithAuthorization(
        payer, node_operator, price, now - 1, now + 3_600, nonce, *sig.vrs, sender=node_operator
    )
    assert stable.authorizationState(payer, nonce), "the authorization must be spent"
    assert stable.balanceOf(node_operator) == price, "the operator must hold exactly the price"
    click.echo(f"EIP-3009 payment of ${price / DOLLAR:,.2f} from {payer.address} to {node_operator.address}: settled")

    # the token suite, and node 1's share token
    identity = project.IdentityRegistry.deploy(sender=issuer)
    blueprint = issuer.declare(project.ComputeToken).contract_address
    genesis = chain.blocks.head.timestamp
    factory = project.ComputeFactory.deploy(blueprint, stable, identity, genesis, EPOCH_LENGTH, sender=issuer)
    factory.create_token(1, "ComputeRWA Node 1", "CN1", b"\x01" * 32, issuer, issuer, issuer, sender=issuer)
    token = project.ComputeToken.at(factory.token_of(1))
    click.echo(f"IdentityRegistry {identity.address}")
    click.echo(f"ComputeFactory   {factory.address}")
    click.echo(f"ComputeToken #1  {token.address}")

    # two verified investors hold 3:1; the operator's earnings become the node's revenue
    investors = test_accounts[DEMO_CUSTOMERS + 1 : DEMO_CUSTOMERS + 3]
    model = RevenueModel(genesis, EPOCH_LENGTH, last_update=token.last_update())
    for investor, shares in zip(investors, (3 * SHARES, SHARES), strict=True):
        identity.set_verified(investor, chain.pending_timestamp + 365 * EPOCH_LENGTH, sender=issuer)
        receipt = token.mint(investor, shares, sender=issuer)
        model.move(chain.blocks[receipt.block_number].timestamp, None, investor.address, shares)
    stable.approve(token, price, sender=node_operator)
    receipt = token.deposit_revenue(price, sender=node_operator)
    model.deposit(chain.blocks[receipt.block_number].timestamp, price)
    # revenue deposited during epoch e streams over epoch e + 1: travel past its end
    chain.pending_timestamp = genesis + (token.current_epoch() + 2) * EPOCH_LENGTH
    for investor in investors:
        receipt = token.claim(investor, sender=investor)
        expected = model.claim(chain.blocks[receipt.block_number].timestamp, investor.address)
        assert stable.balanceOf(investor) == expected, "the claim must pay exactly the model's amount"
        click.echo(f"investor {investor.address} claimed ${expected / DOLLAR:,.6f}, to the unit the reference model's")

    record = {
        "ecosystem": ecosystem.name,
        "network": network.name,
        "chain_id": chain.chain_id,
        "contracts": {
            name: {
                "address": contract.address,
                "tx_hash": str(contract.txn_hash),
                "block": chain.get_receipt(str(contract.txn_hash)).block_number,
            }
            for name, contract in (
                ("MockStablecoin", stable),
                ("IdentityRegistry", identity),
                ("ComputeFactory", factory),
            )
        }
        | {"ComputeToken:1": {"address": token.address, "node_id": 1}, "ComputeTokenBlueprint": {"address": blueprint}},
        "configuration": {
            "stablecoin_decimals": 6,
            "genesis": genesis,
            "epoch_length": EPOCH_LENGTH,
            "demo_customers": [c.address for c in customers],
        },
    }
    # local chains of different providers are different chains: keep their records apart
    name = f"{ecosystem.name}-{network.name}" + (f"-{provider.name}" if network.is_local else "")
    path = out or Path("deployments") / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
    click.echo(f"recorded {path}")


def signing_key(account):
    """The key of a local test account (Ape's test accounts expose it)."""
    key = getattr(account, "private_key", None)
    if key is None:
        raise click.UsageError(f"{account.address} cannot sign off-chain here: use a test account on local networks")
    return key
