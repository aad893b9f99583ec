"""Writes the ABI of every deployable contract to interfaces/<Contract>.json.

    ape run export_abis      (or: make abi)

Run it after changing a contract; tests/test_abis.py fails while the committed ABIs
differ from a fresh compile.
"""

import click
from ape import project

from computerwa.tooling.abi_export import write_abis


@click.command(help=__doc__)
def cli():
    project.load_contracts()  # compiles what changed
    for path in write_abis():
        click.echo(f"wrote {path.relative_to(path.parent.parent)}")
