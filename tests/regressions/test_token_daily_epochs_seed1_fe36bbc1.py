"""Regression: ComputeTokenMachine failed in step 3 (transfer) (`ape run fuzz`, seed 1).

    AssertionError: REV-3: 0xef11D1c2aA48826D4c41e54ab82D1Ff5Ad8A64Ca's accrued revenue after the balance change (actual=0, expected=150462962962962962962962962962962)
    raised at tests/fuzz/stateful/test_compute_token_machine.py:244 (balance_change)

Found by: ape run fuzz --suite token --examples 1000 --steps 50 --seed 1
Replay:   ape test tests/regressions/test_token_daily_epochs_seed1_fe36bbc1.py
The bug (issue #22's deliberate break, never on main): revenue_stream._move_shares moving debt at the accumulator read before the update.
It fails while the bug is there and passes once it is fixed: keep it as a regression test.
"""

from tests.regressions.replay import replay_campaign

STEPS = [
    ("start", {"shares": [0, 0, 0, 1], "revenue": 1}),
    ("sleep", {"seconds": 86399}),
    ("transfer", {"amount": 1, "dst": 0, "src": 4}),
]


def test_token_daily_epochs_seed1_fe36bbc1():
    replay_campaign("token", "token (daily epochs)", STEPS)
