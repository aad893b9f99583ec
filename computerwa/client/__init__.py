"""What an integrator or operator imports: EIP-712 signing (`signing`), customers' vouchers
and EIP-3009 payments (`vouchers`), attestors' performance reports (`attestation`),
deployment records (`deployment`) and job quotes (`quote`); the ABI's word-level codec
(`abi_plans`, which the engines build on). Needs eth-account, no chain engine.
"""

from computerwa.client.attestation import PerformanceReport, sign_report
from computerwa.client.signing import Domain, sign
from computerwa.client.vouchers import (
    SKIP_REASONS,
    Voucher,
    deposit_authorization,
    payment_authorization,
    payment_nonce,
    sign_voucher,
)

__all__ = [
    "SKIP_REASONS",
    "Domain",
    "PerformanceReport",
    "Voucher",
    "deposit_authorization",
    "payment_authorization",
    "payment_nonce",
    "sign",
    "sign_report",
    "sign_voucher",
]
