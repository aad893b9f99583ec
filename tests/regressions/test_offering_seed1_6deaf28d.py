"""Regression: OfferingMachine failed in the checks after step 3 (refund) (`ape run fuzz`, seed 1).

    AssertionError: NOF-5: status(1) at 1800003632 (actual=2, expected=3) [NOF-5 nof_5_views_equal_the_model]
    raised at tests/fuzz/stateful/test_offering_machine.py:1075 (nof_5_views_equal_the_model)

Found by: ape run fuzz --suite offering --examples 1000 --steps 50 --seed 1
Replay:   ape test tests/regressions/test_offering_seed1_6deaf28d.py
It fails while the bug is there and passes once it is fixed: keep it as a regression test.
"""

from tests.regressions.replay import replay_campaign

STEPS = [
    (
        "first_offering",
        {
            "node": 1,
            "shares": 1,
            "price": 1,
            "minimum": "zero",
            "release": 0,
            "burn_in": 1,
            "delay": 0,
            "window": 3600,
            "late": 0,
            "salt": 0,
        },
    ),
    ("buy", {"aiming": True, "edge": "end-1", "i": 0, "kind": "zero", "salt": 0, "who": 0}),
    ("refund", {"aiming": True, "i": 0, "to": "self", "who": 0}),
]


def test_offering_seed1_6deaf28d():
    replay_campaign("offering", "offering", STEPS)
