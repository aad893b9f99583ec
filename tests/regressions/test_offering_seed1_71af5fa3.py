"""Regression: OfferingMachine failed at the end of the run (`ape run fuzz`, seed 1).

    AssertionError: NOF-5: totals(2) (actual=(1, 1, 0, 0, 0, False), expected=(0, 0, 0, 0, 0, False)) [NOF-5 nof_5_views_equal_the_model]
    raised at tests/fuzz/stateful/test_offering_machine.py:1082 (nof_5_views_equal_the_model)

Found by: ape run fuzz --suite offering --examples 1000 --steps 50 --seed 1
Replay:   ape test tests/regressions/test_offering_seed1_71af5fa3.py
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
    (
        "new_offering",
        {
            "burn_in": 1,
            "caller": "issuer",
            "delay": 0,
            "fault": None,
            "late": 0,
            "minimum": "max",
            "node": 1,
            "price": 1,
            "release": 0,
            "salt": 0,
            "shares": 7000000000000000003,
            "window": 3600,
        },
    ),
    ("to_edge", {"i": 0, "skip": 1}),
    ("buy", {"aiming": True, "edge": None, "i": 0, "kind": "one", "salt": 0, "who": 0}),
]


def test_offering_seed1_71af5fa3():
    replay_campaign("offering", "offering", STEPS)
