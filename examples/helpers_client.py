"""The signing part of examples/web3_client.py again, with the project's own helpers
(`computerwa.client`, `pip install .`) instead of hand-written EIP-712 documents, for
comparison: the same contracts, the same web3.py plumbing, a third of the signing code.

    python examples/helpers_client.py --rpc http://127.0.0.1:8545 \\
        --record deployments/ethereum-local-foundry.json

It registers a node of its own, prepays, settles a voucher, pays once by EIP-3009, rents two of the
node's GPUs for three hours with one EIP-3009 signature (NodeRentals) and has the demo committee
report an epoch. The test suite runs it on Anvil after the web3 example.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain, sign
from computerwa.client.vouchers import Voucher, booking_authorization, payment_authorization, sign_voucher

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web3_client import DOLLAR, Client, anvil_key, demo_attestor_keys, parse_args


def domain(client: Client, contract) -> Domain:
    fields = client.domain(contract)
    return Domain(fields["name"], fields["version"], fields["chainId"], fields["verifyingContract"])


def run(client: Client, say=print) -> dict:
    issuer, customer, operator, relayer = (anvil_key(i) for i in (0, 6, 2, 3))
    stable, registry, oracle, settlement = client.stablecoin, client.registry, client.oracle, client.settlement

    call = registry.functions.register_node("india", "H100", 8, 3_000, 2_000, 9_900, "ipfs://helpers")
    node_id = client.send(call, operator, "NodeRegistered")["node_id"]
    client.send(stable.functions.mint(customer.address, 100 * DOLLAR), issuer)
    client.send(stable.functions.approve(settlement.address, 50 * DOLLAR), customer)
    client.send(settlement.functions.deposit(50 * DOLLAR), customer, "Deposited")
    say(f"node      {node_id}, customer prepaid $50")

    voucher = Voucher(customer.address, node_id, 12 * DOLLAR, client.now() + 3_600)
    signature = sign_voucher(domain(client, settlement), voucher, customer)  # compact (r, vs)
    call = settlement.functions.settle([voucher.as_tuple()], [signature])
    settled = client.send(call, relayer, "VoucherSettled")
    say(f"settled   ${settled['amount'] / DOLLAR:g}")

    salt, valid_before = os.urandom(32), client.now() + 3_600
    document = payment_authorization(
        domain(client, stable), customer.address, settlement.address, 3 * DOLLAR, node_id, salt, 0, valid_before
    )
    v, r, s = sign(customer, document).vrs
    call = settlement.functions.pay_with_authorization(
        node_id, customer.address, 3 * DOLLAR, 0, valid_before, salt, v, r, s
    )
    paid = client.send(call, relayer, "DirectPayment")
    say(f"paid      ${paid['amount'] / DOLLAR:g} by EIP-3009")

    # the operator offers its 8 GPUs at $2 an hour (20% cancellation fee, 2 hours' notice); the
    # customer signs the rent of 2 GPUs for 3 hours from the next hour once, a relayer books it
    rentals = client.rentals
    client.send(registry.functions.set_rental(node_id, 8, 2 * DOLLAR, 2_000, 2), operator, "RentalOfferSet")
    version = registry.functions.rental(node_id).call()[5]  # the offer read: a change since voids the booking
    start, rent = rentals.functions.current_hour().call() + 1, rentals.functions.rent(node_id, 2, 3).call()
    salt, valid_before = os.urandom(32), client.now() + 3_600
    document = booking_authorization(
        domain(client, stable),
        customer.address,
        settlement.address,
        rent,
        node_id,
        2,
        start,
        3,
        version,
        salt,
        0,
        valid_before,
    )
    v, r, s = sign(customer, document).vrs
    call = rentals.functions.book_with_authorization(
        customer.address, node_id, 2, start, 3, version, rent, 0, valid_before, salt, v, r, s
    )
    booked = client.send(call, relayer, "Booked")
    say(f"rented    2 GPUs for 3 hours, ${booked['rent'] / DOLLAR:g} escrowed (booking {booked['booking_id']})")

    epoch = oracle.functions.current_epoch().call() - 1
    report = PerformanceReport(node_id, epoch, 9_950, 6_000, 41, 300_000, 900_000, client.now() + 3_600)
    signatures = sign_report(domain(client, oracle), report, demo_attestor_keys()[:3])  # sorted, compact
    accepted = client.send(oracle.functions.submit(report.as_tuple(), signatures), relayer, "ReportAccepted")
    say(f"report    epoch {accepted['epoch']} accepted")
    return {"node_id": node_id, "settled": settled["amount"], "paid": paid["amount"], "booking": booked["booking_id"]}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run(Client(args.rpc, args.record, args.interfaces))
    return 0


if __name__ == "__main__":
    sys.exit(main())
