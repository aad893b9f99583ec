"""Regression: OfferingMachine failed in step 2 (buy) (`ape run fuzz`, seed 1).

    AssertionError: NOF-4: predicted outcome: expected revert 'offering: not open', got 'offering: no shares'
    raised at tests/fuzz/stateful/test_offering_machine.py:148 (outcome)

Found by: ape run fuzz --suite offering --examples 1000 --steps 50 --seed 1
Replay:   ape test tests/regressions/test_offering_seed1_a387d93e.py
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
    ("buy", {"aiming": True, "edge": "end", "i": 0, "kind": "zero", "salt": 0, "who": 0}),
]


def test_offering_seed1_a387d93e():
    replay_campaign("offering", "offering", STEPS)
