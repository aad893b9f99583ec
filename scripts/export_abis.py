"""Writes what integrators import, in interfaces/: the ABI of every deployable contract
(<Contract>.json), the EthPM v3 package (computerwa.ethpm.json) and the EIP-712 templates
of every signed message (typed-data/<PrimaryType>.json).

    ape run export_abis      (or: make abi)

Run it after changing a contract or a message type; tests/test_abis.py fails while the
committed files differ from a fresh generation.
"""

import click
from ape import project

from computerwa.tooling.abi_export import write_abis
from computerwa.tooling.package_export import write_manifest
from computerwa.tooling.typed_data_export import write_typed_data


@click.command(help=__doc__)
def cli():
    project.load_contracts()  # compiles what changed
    root = project.path
    for path in [*write_abis(), write_manifest(), *write_typed_data()]:
        click.echo(f"wrote {path.relative_to(root)}")
