"""Deploys what exists of the ComputeRWA suite and records it for integrators.

    ape run deploy --network ethereum:local:test         (make demo)
    ape run deploy --network ethereum:local:foundry --account TEST::0

On a local network it deploys the MockStablecoin, funds demo customers, and proves the
payment path with an EIP-3009 `receiveWithAuthorization` signed by eth_account. The
addresses go to deployments/<ecosystem>-<network>.json. (Live networks take the real
stablecoin from configuration once the protocol contracts land.)
"""

import json
from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand, account_option

from computerwa import signing
from computerwa.signing import Domain

DOLLAR = 10**6
DEMO_CUSTOMERS = 3


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

    record = {
        "ecosystem": ecosystem.name,
        "network": network.name,
        "chain_id": chain.chain_id,
        "contracts": {
            "MockStablecoin": {
                "address": stable.address,
                "tx_hash": str(stable.txn_hash),
                "block": chain.get_receipt(str(stable.txn_hash)).block_number,
            }
        },
        "configuration": {"stablecoin_decimals": 6, "demo_customers": [c.address for c in customers]},
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
