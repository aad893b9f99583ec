"""The regression corpus: each `test_*.py` here replays a failure `ape run fuzz` found (replay.py)."""
