"""`make mutation`'s own pieces, without a campaign (no chain, a few seconds):
which files and lines it mutates, that its in-process compile is Ape's, that its bytecode
comparison tells an equivalent mutant from a real one, how it reads a pytest run's verdict, and
that the hand-judged equivalents it applies still name mutants of today's sources, each at its
line, and are the ones PROPERTIES.md lists."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IDENTITY = "contracts/IdentityRegistry.vy"


@pytest.fixture(scope="module")
def mutate():
    from computerwa.evm.artifacts import ensure_compiled
    from computerwa.tooling import mutation

    ensure_compiled()  # the tool compares its own compile with Ape's build: it must be current
    return mutation


def _lines(path: str) -> list[str]:
    return (ROOT / path).read_text().splitlines(keepends=True)


def test_only_code_lines_are_mutated(mutate):
    source = [
        "# pragma version ~=0.4.3\n",  # 1 comment
        '"""\n',  # 2..4 module docstring
        "@title X\n",
        '"""\n',
        "\n",  # 5 blank
        "x: public(uint256)\n",  # 6 code
        "@external\n",  # 7 code
        "def f(y: uint256):\n",  # 8 code
        '    """@dev one line"""\n',  # 9 one-line docstring
        '    """\n',  # 10..12 NatSpec
        "    @param y a value\n",
        '    """\n',
        "    self.x = y  # stored\n",  # 13 code with a comment
    ]
    assert mutate.code_lines(source) == {6, 7, 8, 13}
    total, mutants = mutate.generate(source)
    assert mutants and total > len(mutants)
    assert {m["line"] for m in mutants} <= {6, 7, 8, 13}


def test_the_in_process_compile_is_apes_and_tells_equivalent_mutants_from_real_ones(mutate, tmp_path):
    mutate._compile_init(str(ROOT), str(tmp_path))
    built = json.loads((ROOT / mutate.MANIFEST).read_text())["contractTypes"]["IdentityRegistry"]
    original = mutate.compile_source(IDENTITY, None, "IdentityRegistry")
    assert original["bytecode"] == built["deploymentBytecode"]["bytecode"]
    assert original["runtime"] == built["runtimeBytecode"]["bytecode"]
    reference = mutate.fingerprint(original["bytecode"], original["runtime"], original["abi"])

    lines = _lines(IDENTITY)
    at = next(n for n, line in enumerate(lines, 1) if "self._set_registrar(msg.sender, True)" in line)
    # different source text, same code: only the metadata's source hash differs, which is blanked
    spaced = mutate.compile_source(
        IDENTITY, mutate.apply_mutant(lines, {"line": at, "mutant": lines[at - 1] + "\n"}), "IdentityRegistry"
    )
    assert spaced["bytecode"] != original["bytecode"]
    assert mutate.fingerprint(spaced["bytecode"], spaced["runtime"], spaced["abi"]) == reference
    # a real change
    origin = {"line": at, "mutant": lines[at - 1].replace("msg.sender", "tx.origin")}
    mutant = mutate.compile_source(IDENTITY, mutate.apply_mutant(lines, origin), "IdentityRegistry")
    assert mutate.fingerprint(mutant["bytecode"], mutant["runtime"], mutant["abi"]) != reference
    # and what does not compile is reported, not raised
    broken = mutate.compile_source(
        IDENTITY, mutate.apply_mutant(lines, {"line": at, "mutant": "    break;\n"}), "IdentityRegistry"
    )
    assert not broken["ok"] and broken["error"]
    # the source is restored after every compile
    assert mutate.compile_source(IDENTITY, None, "IdentityRegistry")["bytecode"] == original["bytecode"]


def test_every_contract_and_module_is_a_target(mutate):
    sources = {t.source for t in mutate.TARGETS.values()}
    assert sources == {str(p.relative_to(ROOT)) for p in (ROOT / "contracts").glob("*.vy")}
    for target in mutate.TARGETS.values():
        assert (ROOT / "contracts" / f"{target.compiled}.vy").exists()
        assert all((ROOT / test).exists() for test in target.tests)


def test_the_command_line_documents_every_option(mutate, capsys):
    with pytest.raises(SystemExit) as done:
        mutate.main(["--help"])
    assert done.value.code == 0
    usage = capsys.readouterr().out
    for option in ("--contract", "--sample", "--seed", "--jobs", "--timeout", "--out", "--properties-only"):
        assert option in usage
    assert "target 85%" in usage


def test_properties_only_scores_every_target_with_state_machines_alone(mutate):
    """--properties-only (issue #22): each target's mutants meet only the machines that deploy it."""
    machines = set(mutate.MACHINES.values())
    assert machines == {str(p.relative_to(ROOT)) for p in (ROOT / "tests/fuzz/stateful").glob("test_*_machine.py")}
    for target in mutate.TARGETS.values():
        if target.name in mutate.NO_MACHINE_YET:  # skipped by --properties-only, with the reason
            assert target.machines == ()
            continue
        assert target.machines, f"{target.name} has no machine to score it"
        assert set(target.machines) <= machines
        # the unit-test campaign runs the same machines after the unit tests
        assert set(target.machines) & set(target.tests)
    own = {"AttestationOracle": "oracle", "NodeRegistry": "registry", "Settlement": "settlement"}
    for name, machine in own.items():
        assert mutate.TARGETS[name].machines[0] == mutate.MACHINES[machine]


@pytest.mark.parametrize(
    ("returncode", "output", "status", "killed_by"),
    [
        (0, "....\n4 passed in 1.00s", "survived", None),
        (
            1,
            "..F\nFAILED tests/unitary/oracle/test_submit.py::test_x[revm]\n1 failed",
            "killed",
            "tests/unitary/oracle/test_submit.py::test_x[revm]",
        ),
        # a fixture that cannot deploy the mutant errors the test: a kill
        (
            1,
            "E\nERROR tests/unitary/token/test_mint.py::test_y[revm] - Reverted\n1 error",
            "killed",
            "tests/unitary/token/test_mint.py::test_y[revm]",
        ),
        # a collection error names a file, not a test: it says nothing about the mutant
        (1, "ERROR tests/unitary/token/test_mint.py\n!!! stopping after 1 failures !!!\n1 error", "error", None),
        (2, "ERROR tests/unitary/token/test_mint.py\n!!! Interrupted: 1 error during collection", "error", None),
        (1, "something failed without a test named", "error", None),
        (4, "ERROR: usage: pytest [options]", "error", None),
        (5, "no tests ran in 0.01s", "error", None),
    ],
)
def test_a_pytest_run_is_read_as_killed_only_when_a_test_failed(mutate, returncode, output, status, killed_by):
    verdict = mutate.classify(returncode, output)
    assert (verdict["status"], verdict["killed_by"]) == (status, killed_by)
    assert ("error" in verdict) == (status == "error")


def test_errors_count_against_the_score_and_timeouts_for_it(mutate):
    statuses = ["killed"] * 6 + ["timeout"] * 2 + ["survived", "error"] + ["judged_equivalent", "equivalent", "invalid"]
    report = {"target": "X", "generated": 20, "on_code_lines": 13, "mutants": [{"status": s} for s in statuses]}
    summary = mutate.summarize(report)
    assert summary["score"] == 0.8  # (6 + 2) / (6 + 2 + 1 + 1)
    assert (summary["sampled"], summary["error"], summary["judged_equivalent"]) == (13, 1, 1)


def test_every_judged_equivalent_is_a_mutant_of_its_line_today_and_listed_in_properties(mutate):
    properties = (ROOT / "PROPERTIES.md").read_text().replace("\\|", "|")
    generated: dict[str, set[tuple[int, str]]] = {}
    for target, line, original, mutated in mutate.JUDGED_EQUIVALENT:
        lines = _lines(mutate.TARGETS[target].source)
        assert lines[line - 1].strip() == original, f"{target}:{line} is no longer `{original}`: re-judge it"
        if target not in generated:
            generated[target] = {(m["line"], m["mutant"].strip()) for m in mutate.generate(lines)[1]}
        assert (line, mutated) in generated[target], f"{target}:{line}: `{mutated}` is no mutant of it"
        row = f"| {target}:{line} | `{original}` => `{mutated}` |"
        assert row in properties, f"PROPERTIES.md lacks {row}"


def test_a_judgement_applies_to_its_line_only(mutate):
    (target, line, original, mutated), reason = next(iter(mutate.JUDGED_EQUIVALENT.items()))
    lines = ["\n"] * (line + 1)
    lines[line - 1] = lines[line] = f"    {original}\n"
    here = {"line": line, "mutant": f"    {mutated}\n", "status": "survived"}
    there = {**here, "line": line + 1}
    mutate.judge(target, lines, here)
    mutate.judge(target, lines, there)
    assert (here["status"], here["reason"]) == ("judged_equivalent", reason)
    assert there["status"] == "survived" and "reason" not in there


def test_a_worker_keeps_the_mutant_it_was_given(mutate, tmp_path):
    """The worker's build is the mutant's and its stamp vouches for it, so the suite's
    `ensure_compiled` does not rebuild the original from the unmutated sources (it did once:
    every mutant of the CI smoke run survived)."""
    from computerwa.evm.artifacts import BUILD_MANIFEST, is_current

    (tmp_path / "ape-config.yaml").write_text("name: worker\n")
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "A.vy").write_text("# pragma version ~=0.4.3\n")
    (tmp_path / ".build").mkdir()
    workers = mutate.Workers.__new__(mutate.Workers)
    workers.manifest = {"contractTypes": {"A": {"abi": []}}}
    build = {"bytecode": "0x6001", "runtime": "0x01", "abi_changed": False, "abi": []}
    workers._install(tmp_path, "A", build)
    written = json.loads((tmp_path / BUILD_MANIFEST).read_text())["contractTypes"]["A"]
    assert written["runtimeBytecode"] == {"bytecode": "0x01"}
    assert is_current(tmp_path)
