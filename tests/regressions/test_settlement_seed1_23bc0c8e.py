"""Regression: SettlementMachine failed in step 2 (whale_reaches_the_holdings_cap) (`ape run fuzz`, seed 1).

    AssertionError: SET-4: the vouchers paid (payer, node, amount) (actual=[], expected=[('0xa0Ee7A142d267C1f36714E4a8F75612F20a79720', 1, 1000000000)])
    raised at tests/fuzz/stateful/test_settlement_machine.py:509 (settle)

Found by: ape run fuzz --suite settlement --examples 1000 --steps 50 --seed 1
Replay:   ape test tests/regressions/test_settlement_seed1_23bc0c8e.py
The bug (issue #22's deliberate break, never on main): Settlement.settle skipping a voucher at its deadline (`block.timestamp >= voucher.deadline` for `>`).
It fails while the bug is there and passes once it is fixed: keep it as a regression test.
"""

from tests.regressions.replay import replay_campaign

STEPS = [
    ("deploy", {"fee_bps": 0, "shares": [0, 0, 0], "slas": [0, 0, 0]}),
    ("whale_reaches_the_holdings_cap", {"edge": -1, "node": 1, "who": "whale pays"}),
]


def test_settlement_seed1_23bc0c8e():
    replay_campaign("settlement", "settlement", STEPS)
