"""Regression: SettlementMachine failed in step 3 (whale_reaches_the_holdings_cap) (`ape run fuzz`, seed 1).

    AssertionError: SET-4: predicted outcome differs: expected revert 'revenue: deposit too large', but it succeeded (predicted='revenue: deposit too large')
    raised at tests/fuzz/stateful/test_settlement_machine.py:382 (predict)

Found by: ape run fuzz --suite settlement --examples 1000 --steps 50 --seed 1
Replay:   ape test tests/regressions/test_settlement_seed1_7ea91b26.py
The bug (issue #22's deliberate break, never on main): Settlement.settle skipping a voucher at its deadline (`block.timestamp >= voucher.deadline` for `>`).
It fails while the bug is there and passes once it is fixed: keep it as a regression test.
"""

from tests.regressions.replay import replay_campaign

STEPS = [
    ("deploy", {"fee_bps": 0, "shares": [0, 0, 0], "slas": [0, 0, 0]}),
    ("whale_reaches_the_holdings_cap", {"edge": -1, "node": 1, "who": "whale deposits"}),
    ("whale_reaches_the_holdings_cap", {"edge": -1, "node": 1, "who": "whale pays"}),
]


def test_settlement_seed1_7ea91b26():
    replay_campaign("settlement", "settlement", STEPS)
