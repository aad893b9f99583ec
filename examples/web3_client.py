"""ComputeRWA end to end with plain web3.py and eth-account: no Ape, no `computerwa` import.

    anvil &                                                   # or any running local node
    ape run deploy --network ethereum:local:foundry --account TEST::0   # with foundry host set to it
    python examples/web3_client.py --rpc http://127.0.0.1:8545 \\
        --record deployments/ethereum-local-foundry.json

What an integrator needs is the deployment record, the JSON ABIs in `interfaces/` and the
README; this file uses nothing else. It runs the whole flow on a local deployment (the
deployer holds every role there, test accounts 1-5 are verified, the demo committee signs):
fund, verify, register a node and post its bond, issue shares, prepay, sign and settle a
voucher, pay once with EIP-3009, let the revenue stream, claim it, sign and submit a 3-of-5
performance report, and withdraw the operator's earnings. Each step checks its event and
prints one line; anything unexpected raises, and the exit code is non-zero.

Keys: Anvil's default mnemonic (Ape's test accounts are the same: TEST::0 is Anvil's account
0) and the demo committee, whose keys are keccak256("ComputeRWA demo attestor <i>") — public
keys for local chains only (`ape run deploy` prints them). The test suite runs this file on
Anvil (tests/scripts/test_examples.py), so it cannot rot.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from web3 import Web3
from web3.logs import DISCARD

MNEMONIC = "test test test test test test test test test test test junk"  # Anvil's and Ape's default
DOLLAR = 10**6  # the stablecoin's base units (6 decimals)
SHARE = 10**18  # a node token's base units (18 decimals)
REGION = "latam"


def anvil_key(index: int):
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


def demo_attestor_keys(count: int = 5) -> list:
    keys = [Account.from_key(keccak(b"ComputeRWA demo attestor %d" % i)) for i in range(count)]
    return sorted(keys, key=lambda key: int(key.address, 16))


class Client:
    """The deployment's contracts bound from the record, and the calls the flow makes."""

    def __init__(self, rpc: str, record_path: Path, interfaces: Path):
        self.w3 = Web3(Web3.HTTPProvider(rpc))
        if not self.w3.is_connected():
            raise SystemExit(f"no node answers at {rpc}: start one (anvil) or pass --rpc")
        self.record = json.loads(record_path.read_text())
        if self.record.get("schema") != "computerwa-deployment/2":
            raise SystemExit(f"{record_path} is not a schema-2 deployment record: run `ape run deploy` again")
        if self.record["chain_id"] != self.w3.eth.chain_id:
            raise SystemExit(f"{record_path} is for chain {self.record['chain_id']}, not {self.w3.eth.chain_id}")
        self.interfaces = interfaces
        contracts = self.record["contracts"]
        stable_type = contracts["Stablecoin"]["contract_type"]
        if stable_type != "MockStablecoin":
            raise SystemExit("this example mints test dollars: it needs a local deployment's MockStablecoin")
        self.stablecoin = self.bind("MockStablecoin", contracts["Stablecoin"]["address"])
        self.identity = self.bind("IdentityRegistry", contracts["IdentityRegistry"]["address"])
        self.registry = self.bind("NodeRegistry", contracts["NodeRegistry"]["address"])
        self.oracle = self.bind("AttestationOracle", contracts["AttestationOracle"]["address"])
        self.settlement = self.bind("Settlement", contracts["Settlement"]["address"])
        self.rentals = self.bind("NodeRentals", contracts["NodeRentals"]["address"])  # Settlement's RENTALS()

    def bind(self, contract_type: str, address: str):
        abi = json.loads((self.interfaces / f"{contract_type}.json").read_text())
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)

    def send(self, call, key, expect: str | None = None) -> dict:
        """Signs and sends `call` from `key`, waits for it, and returns the receipt; with
        `expect`, returns that event's arguments as the contract logged it (shared event
        names are decoded from the contract's own logs only: filtered by address)."""
        tx = call.build_transaction(
            {
                "from": key.address,
                "nonce": self.w3.eth.get_transaction_count(key.address),
                "chainId": self.w3.eth.chain_id,
            }
        )
        tx["gas"] = self.w3.eth.estimate_gas(tx) + 30_000  # the README's pad near an epoch boundary
        receipt = self.w3.eth.wait_for_transaction_receipt(
            self.w3.eth.send_raw_transaction(key.sign_transaction(tx).raw_transaction)
        )
        if receipt.status != 1:
            raise RuntimeError(f"{call.fn_name} reverted")
        if expect is None:
            return receipt
        contract = self.w3.eth.contract(address=call.address, abi=call.contract_abi)
        own = {**receipt, "logs": [log for log in receipt.logs if log["address"] == call.address]}
        # DISCARD: the contract's other events in the receipt are not this one (no warning)
        events = getattr(contract.events, expect)().process_receipt(own, errors=DISCARD)
        if not events:
            raise RuntimeError(f"{call.fn_name} logged no {expect}")
        return dict(events[0]["args"])

    def domain(self, contract) -> dict:
        """The EIP-712 domain from the contract's EIP-5267 `eip712Domain()`."""
        _, name, version, chain_id, verifying_contract, _, _ = contract.functions.eip712Domain().call()
        return {"name": name, "version": version, "chainId": chain_id, "verifyingContract": verifying_contract}

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def sleep(self, seconds: int) -> None:
        self.w3.provider.make_request("evm_increaseTime", [seconds])
        self.w3.provider.make_request("evm_mine", [])


def sign_typed(key, domain: dict, primary_type: str, fields: list[dict], message: dict):
    """eth-account's EIP-712 signature of `message` (EIP-712 field names, not the ABI's)."""
    domain_fields = [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ]
    document = {
        "types": {"EIP712Domain": domain_fields, primary_type: fields},
        "primaryType": primary_type,
        "domain": domain,
        "message": message,
    }
    return key.sign_message(encode_typed_data(full_message=document))


def compact(signature) -> tuple[bytes, bytes]:
    """EIP-2098 `(r, vs)`, what `settle` and `submit` take: vs = s | (v - 27) << 255."""
    vs = signature.s | ((signature.v - 27) << 255)
    return signature.r.to_bytes(32, "big"), vs.to_bytes(32, "big")


VOUCHER = [
    {"name": "payer", "type": "address"},
    {"name": "nodeId", "type": "uint256"},
    {"name": "cumulativeAmount", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
RECEIVE = [
    {"name": "from", "type": "address"},
    {"name": "to", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "validAfter", "type": "uint256"},
    {"name": "validBefore", "type": "uint256"},
    {"name": "nonce", "type": "bytes32"},
]
REPORT = [
    {"name": "nodeId", "type": "uint256"},
    {"name": "epoch", "type": "uint64"},
    {"name": "uptimeBps", "type": "uint16"},
    {"name": "utilizationBps", "type": "uint16"},
    {"name": "latencyMsP50", "type": "uint32"},
    {"name": "energyWh", "type": "uint64"},
    {"name": "workUnits", "type": "uint64"},
    {"name": "deadline", "type": "uint256"},
]


def run(client: Client, say=print) -> dict:
    issuer, customer, operator, relayer, investor = (anvil_key(i) for i in (0, 6, 2, 3, 4))
    newcomer = anvil_key(7)
    stable, identity, registry, oracle, settlement = (
        client.stablecoin,
        client.identity,
        client.registry,
        client.oracle,
        client.settlement,
    )

    # fund: the local MockStablecoin's issuer mints test dollars
    client.send(stable.functions.mint(customer.address, 1_000 * DOLLAR), issuer)
    client.send(stable.functions.mint(operator.address, 500 * DOLLAR), issuer)
    say(f"funded    customer {customer.address} $1,000, operator $500")

    # verify: the registrar (the deployer, locally) verifies a new investor for a year
    until = client.now() + 365 * 86_400
    verified = client.send(identity.functions.set_verified(newcomer.address, until), issuer, "IdentityVerified")
    say(f"verified  {verified['account']} until {verified['valid_until']}")

    # register a node (verified operator) and post its bond
    call = registry.functions.register_node(REGION, "L40S", 4, 2_000, 3_000, 9_900, "ipfs://example")
    node_id = client.send(call, operator, "NodeRegistered")["node_id"]
    client.send(stable.functions.approve(registry.address, 200 * DOLLAR), operator)
    client.send(registry.functions.post_bond(node_id, 200 * DOLLAR), operator, "BondPosted")
    token = client.bind("ComputeToken", registry.functions.node(node_id).call()[1])  # (operator, token, ...)
    say(f"node      {node_id} in {REGION}, token {token.address}, bond $200")

    # issue shares: the token's minter (the deployer, locally) mints to a verified investor
    client.send(token.functions.mint(investor.address, 1_000 * SHARE), issuer, "Transfer")
    say(f"shares    1,000 to {investor.address}")

    # prepay, then sign a cumulative voucher (EIP-712 names!) and settle it as the relayer
    client.send(stable.functions.approve(settlement.address, 100 * DOLLAR), customer)
    client.send(settlement.functions.deposit(100 * DOLLAR), customer, "Deposited")
    deadline = client.now() + 3_600
    voucher = {"payer": customer.address, "nodeId": node_id, "cumulativeAmount": 40 * DOLLAR, "deadline": deadline}
    signature = compact(sign_typed(customer, client.domain(settlement), "Voucher", VOUCHER, voucher))
    abi_voucher = (customer.address, node_id, 40 * DOLLAR, deadline)  # the ABI's order and names
    settled = client.send(settlement.functions.settle([abi_voucher], [signature]), relayer, "VoucherSettled")
    if settled["amount"] != 40 * DOLLAR:
        raise RuntimeError(f"settled {settled['amount']}, not $40")
    say(f"settled   voucher of $40 from {customer.address}")

    # one-shot EIP-3009 payment: the nonce binds it to the node (Settlement's payment_nonce)
    salt = os.urandom(32)
    nonce = settlement.functions.payment_nonce(node_id, salt).call()
    valid_before = client.now() + 3_600
    authorization = {
        "from": customer.address,
        "to": settlement.address,
        "value": 5 * DOLLAR,
        "validAfter": 0,
        "validBefore": valid_before,
        "nonce": nonce,
    }
    signed = sign_typed(customer, client.domain(stable), "ReceiveWithAuthorization", RECEIVE, authorization)
    r, s = signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
    call = settlement.functions.pay_with_authorization(
        node_id, customer.address, 5 * DOLLAR, 0, valid_before, salt, signed.v, r, s
    )
    paid = client.send(call, relayer, "DirectPayment")
    say(f"paid      ${paid['amount'] / DOLLAR:g} by EIP-3009, nonce 0x{paid['nonce'].hex()}")

    # revenue paid in epoch e streams over e+1: two epochs later the holder claims it
    epoch_length = oracle.functions.EPOCH_LENGTH().call()
    client.sleep(2 * epoch_length)
    claimable = token.functions.claimable(investor.address).call()
    claimed = client.send(token.functions.claim(investor.address), investor, "RevenueClaimed")
    if claimed["amount"] != claimable or claimable == 0:
        raise RuntimeError(f"claimed {claimed['amount']}, claimable was {claimable}")
    say(f"claimed   ${claimed['amount'] / DOLLAR:,.6f} by the holder")

    # a 3-of-5 report for the last ended epoch: EIP-712 names, compact, ascending signers
    epoch = oracle.functions.current_epoch().call() - 1
    report = {
        "nodeId": node_id,
        "epoch": epoch,
        "uptimeBps": 9_990,
        "utilizationBps": 7_200,
        "latencyMsP50": 38,
        "energyWh": 512_000,
        "workUnits": 1_200_000,
        "deadline": client.now() + 3_600,
    }
    domain = client.domain(oracle)
    committee = demo_attestor_keys()[:3]  # ascending address: the order submit expects
    signatures = [compact(sign_typed(key, domain, "PerformanceReport", REPORT, report)) for key in committee]
    accepted = client.send(oracle.functions.submit(tuple(report.values()), signatures), relayer, "ReportAccepted")
    latest_epoch, attestation = oracle.functions.latest(node_id).call()
    if latest_epoch != epoch or attestation[-1] == 0:  # submitted_at: zero means "no report"
        raise RuntimeError("the report is not the node's latest")
    say(f"report    epoch {epoch} accepted, signer bitmap {accepted['signer_bitmap']:#b}")

    # the operator takes its share of the payments
    earned = client.send(settlement.functions.withdraw_earnings(operator.address), operator, "EarningsWithdrawn")
    say(f"earnings  ${earned['amount'] / DOLLAR:g} to the operator")
    return {"node_id": node_id, "claimed": claimed["amount"], "earned": earned["amount"], "epoch": epoch}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="ComputeRWA's flow on a local deployment")
    parser.add_argument("--rpc", default="http://127.0.0.1:8545")
    parser.add_argument("--record", type=Path, default=Path("deployments/ethereum-local-foundry.json"))
    parser.add_argument("--interfaces", type=Path, default=Path(__file__).resolve().parents[1] / "interfaces")
    args = parser.parse_args(argv)
    if not args.record.exists():
        raise SystemExit(f"no deployment record at {args.record}: run `ape run deploy` first, or pass --record")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run(Client(args.rpc, args.record, args.interfaces))
    return 0


if __name__ == "__main__":
    sys.exit(main())
