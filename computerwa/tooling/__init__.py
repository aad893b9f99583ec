"""Measuring the protocol: the gas benchmark (`bench`), statement coverage (`coverage`), the
per-statement gas profile (`gasprofile`), mutation testing (`mutation`) and what integrators
import from `interfaces/`: the ABIs (`abi_export`), the EthPM manifest (`package_export`) and
the EIP-712 templates (`typed_data_export`). For the team, auditors and CI; `make bench`,
`make coverage`, `make mutation`, `make abi`.
"""
