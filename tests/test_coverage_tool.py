"""`make coverage`'s recorder and statement mapping, on a contract small enough to check by hand.

Runs on Ape's embedded provider (py-evm, which the recorder hooks); skipped on Anvil.
"""

from pathlib import Path

import pytest

from computerwa.evm.chain import reverts
from computerwa.tooling.coverage import Recorder, report

pytestmark = pytest.mark.ape_only


def _lines(source: str, *snippets: str) -> set[int]:
    """The numbers of the lines holding each snippet (each must be somewhere)."""
    found = {snippet: {n for n, line in enumerate(source.splitlines(), 1) if snippet in line} for snippet in snippets}
    assert all(found.values()), f"not in the source: {[s for s, lines in found.items() if not lines]}"
    return set().union(*found.values())


def test_only_the_statements_that_ran_count_reverted_calls_included(backend, issuer, investor):
    from ape import chain

    if chain.provider.name != "test":
        pytest.skip("the recorder hooks py-evm, the EVM of Ape's embedded provider")
    recorder = Recorder()
    recorder.install()
    try:
        identity = backend.deploy("IdentityRegistry", sender=issuer)  # the constructor counts
        identity.set_verified(investor, 2**40, sender=issuer)
        with reverts("identity: caller is not a registrar"):  # a reverted transaction counts
            identity.revoke(investor, sender=investor)
    finally:
        recorder.uninstall()
    executed, _ = recorder.executed()
    assert set(executed) == {"IdentityRegistry:init", "IdentityRegistry:runtime"}

    coverage = next(c for c in report(executed).values() if c.path == "contracts/IdentityRegistry.vy")
    source = Path(coverage.path).read_text()
    ran = {line for key, line in coverage.statements.items() if key in coverage.covered}
    # set_verified's body, the registrar check of the reverted revoke, the constructor's registrar
    assert (
        _lines(
            source,
            'assert account != empty(address), "identity: account',
            "self.valid_until[account] = valid_until",
            "assert self.is_registrar[msg.sender]",
            "self.is_registrar[account] = status",
        )
        <= ran
    )
    # never ran: revoke past its check, set_registrar's owner path, the views
    assert (
        not _lines(source, "self.valid_until[account] = 0", "ow._check_owner()", "return block.timestamp <= convert(")
        & ran
    )
    assert coverage.missed_lines() == sorted(set(coverage.statements.values()) - ran)
    assert 0 < coverage.percent < 100
