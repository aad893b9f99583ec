"""Regression: OracleMachine failed in the checks after step 2 (committee_reports_an_ended_epoch) (`ape run fuzz`, seed 1).

    AssertionError: ORA-5: is_fresh(1, 1) at 1800000002, 1 s after its latest epoch ended (actual=False, expected=True) [ORA-5 ORA-2 ora_5_freshness_at_its_limit]
    raised at tests/fuzz/stateful/test_oracle_machine.py:626 (ora_5_freshness_at_its_limit)

Found by: ape run fuzz --suite oracle --examples 1000 --steps 50 --seed 1
Replay:   ape test tests/regressions/test_oracle_seed1_428c8405.py
The bug (issue #22's deliberate break, never on main): AttestationOracle.is_fresh with `<` for `<=` (stale at exactly max_age).
It fails while the bug is there and passes once it is fixed: keep it as a regression test.
"""

from tests.regressions.replay import Draws, replay_campaign

STEPS = [
    ("deploy", {"members": [0], "threshold_share": 0.0}),
    (
        "committee_reports_an_ended_epoch",
        {
            "back": 1,
            "data": Draws(5, 0, [0]),
            "deadline_offset": 0,
            "node": 1,
            "values": (0, 0, 4294967295, 18446744073709551615, 0),
        },
    ),
]


def test_oracle_seed1_428c8405():
    replay_campaign("oracle", "oracle", STEPS)
