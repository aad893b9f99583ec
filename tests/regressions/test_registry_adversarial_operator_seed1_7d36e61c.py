"""Regression: RegistryMachine failed in step 5 (operator_withdraws) (`ape run fuzz`, seed 1).

    AssertionError: REG-5: outcome not the model's: expected revert 'registry: withdrawal not available yet', got 'registry: an epoch up to the request is not judged yet'
    raised at tests/fuzz/stateful/test_registry_machine.py:101 (predicted)

Found by: ape run fuzz --suite registry --examples 1000 --steps 50 --seed 1
Replay:   ape test tests/regressions/test_registry_adversarial_operator_seed1_7d36e61c.py
The bug (issue #22's deliberate break, never on main): NodeRegistry.withdraw_bond without its delay check.
It fails while the bug is there and passes once it is fixed: keep it as a regression test.
"""

from tests.regressions.replay import replay_campaign

STEPS = [
    ("deploy", {"slash_bps": 1, "bond_delay": 3600, "window": 1, "grace": 1, "node_slas": [0, 0], "bonds": [0, 0]}),
    ("time_jumps_to_an_edge", {"edge": "due", "which": 0}),
    ("operator_posts_bond", {"amount": 1, "which": 0}),
    ("operator_requests", {"share": "all", "which": 0}),
    ("operator_withdraws", {"when": "now", "which": 0}),
]


def test_registry_adversarial_operator_seed1_7d36e61c():
    replay_campaign("registry", "registry (adversarial operator)", STEPS)
