"""Regression: OfferingMachine failed in the checks after step 2 (buy_signed) (`ape run fuzz`, seed 1).

    AssertionError: NOF-5: exit_value(1, 1) (actual=2, expected=1) [NOF-5 nof_5_views_equal_the_model]
    raised at tests/fuzz/stateful/test_offering_machine.py:1085 (nof_5_views_equal_the_model)

Found by: ape run fuzz --suite offering --examples 1000 --steps 50 --seed 1
Replay:   ape test tests/regressions/test_offering_seed1_fea79ba3.py
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
    ("buy_signed", {"aiming": True, "how": "valid", "i": 0, "kind": "one", "salt": 0, "who": 0}),
]


def test_offering_seed1_fea79ba3():
    replay_campaign("offering", "offering", STEPS)
