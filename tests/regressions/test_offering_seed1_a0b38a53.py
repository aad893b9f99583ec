"""Regression: OfferingMachine failed in step 3 (confirm_burn_in) (`ape run fuzz`, seed 1).

    AssertionError: NOF-3: predicted outcome: expected revert 'offering: an epoch has no report', but it succeeded
    raised at tests/fuzz/stateful/test_offering_machine.py:148 (outcome)

Found by: ape run fuzz --suite offering --examples 1000 --steps 50 --seed 1
Replay:   ape test tests/regressions/test_offering_seed1_a0b38a53.py
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
    ("confirm_burn_in", {"aiming": True, "edge": None, "i": 0, "which": "first"}),
]


def test_offering_seed1_a0b38a53():
    replay_campaign("offering", "offering", STEPS)
