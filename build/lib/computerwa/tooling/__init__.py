"""Measuring the protocol: the gas benchmark (`bench`), statement coverage (`coverage`), the
per-statement gas profile (`gasprofile`), mutation testing (`mutation`) and the ABI export
(`abi_export`). For the team, auditors and CI; `make bench`, `make coverage`, `make mutation`.
"""
