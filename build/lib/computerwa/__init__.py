"""ComputeRWA's Python package, one room per audience:

- `computerwa.client`: what an integrator or operator imports (EIP-712 signing, vouchers,
  performance reports, deployment records, quoting); needs no chain engine.
- `computerwa.models`: the exact reference models of the contracts' money math.
- `computerwa.evm`: the chain surface, its two engines (in-process pyrevm, Ape), the ABI
  codec, compiled artifacts and `deploy_suite`, the one way the suite is deployed.
- `computerwa.sim`: the fleet simulation, its regions and hardware, the scale projection.
- `computerwa.tooling`: benchmark, statement coverage, gas profile, mutation testing, ABI export.

A module imports only from its own room or the rooms listed above it (models < client <
evm < sim < tooling); `tests/test_layout.py` holds every module to that.
"""
