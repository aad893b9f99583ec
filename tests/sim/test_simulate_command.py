"""`ape run simulate --engine revm`: the fleet in process through the command itself, with its
performance figures (wall time, transactions/s, signatures/s, peak memory) in the report."""

import json

from tests.scripts.helpers import start_ape_run


def test_the_command_runs_a_fleet_in_process_and_reports_its_speed(tmp_path):
    from computerwa.evm.artifacts import ensure_compiled

    ensure_compiled()
    out = tmp_path / "sim"
    process = start_ape_run("simulate", "--engine", "revm", "--nodes", "16", "--epochs", "2", "--out", str(out))
    output, _ = process.communicate(timeout=180)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert "on revm (in process): 16 nodes (4 hybrid), 48 customers" in output
    assert "reconciliation passed" in output
    assert "the 5 best and 5 worst nodes by holder yield" in output
    report = json.loads((out / "report.json").read_text())
    performance = report["performance"]
    assert report["engine"] == "revm" and report["exact_gas"] is False
    assert performance["signatures"] > 0 and performance["signatures_per_second"] > 0
    assert performance["peak_rss_mb"] > 0 and performance["transactions_per_second"] > 0
    assert set(performance["seconds_by_phase"]) >= {"signing", "transactions", "reading the chain"}
    assert (out / "energy.png").exists() and not (out / "revenue.png").exists()
