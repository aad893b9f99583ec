"""Regression: ComputeTokenMachine failed in step 3 (transfer) (`ape run fuzz`, seed 1).

    AssertionError: REV-3: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8's accrued revenue after the balance change (actual=0, expected=1000000000000000000000000000000000000)
    raised at tests/fuzz/stateful/test_compute_token_machine.py:244 (balance_change)

Found by: ape run fuzz --suite token --examples 1000 --steps 50 --seed 1
Replay:   ape test tests/regressions/test_token_one_second_epochs_seed1_b82415b0.py
The bug (issue #22's deliberate break, never on main): revenue_stream._move_shares moving debt at the accumulator read before the update.
It fails while the bug is there and passes once it is fixed: keep it as a regression test.
"""

from tests.regressions.replay import replay_campaign

STEPS = [
    ("start", {"shares": [0, 0, 1, 0], "revenue": 1}),
    ("skim", {}),
    ("transfer", {"amount": 1, "dst": 0, "src": 2}),
]


def test_token_one_second_epochs_seed1_b82415b0():
    replay_campaign("token", "token (one-second epochs)", STEPS)
