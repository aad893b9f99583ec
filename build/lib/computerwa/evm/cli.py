"""What every `ape run` command of the project shares."""

from __future__ import annotations

import click
from ape.cli import ConnectedProviderCommand
from ape.exceptions import ApeException


class ProviderCommand(ConnectedProviderCommand):
    """Ape's connected command, with a node that cannot be reached (or that fails while
    being read) reported in one line rather than a traceback: Ape connects before the
    command runs, so only here can its errors be caught."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (ApeException, OSError) as err:  # OSError: requests' ConnectionError, for one
            lines = [line.strip() for line in str(err).splitlines() if line.strip()]
            reason = lines[0] if lines else "no detail"
            raise click.ClickException(f"{type(err).__name__}: {reason}") from None
