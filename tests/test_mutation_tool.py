"""`make mutation`'s own pieces, without a campaign (no chain, a few seconds):
which lines it mutates, that its in-process compile is Ape's, that its bytecode comparison
tells an equivalent mutant from a real one, and that the hand-judged equivalents it applies
still name mutants of today's sources and are the ones PROPERTIES.md lists."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IDENTITY = "contracts/IdentityRegistry.vy"


@pytest.fixture(scope="module")
def mutate():
    spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutate"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


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
    reference = mutate.fingerprint(original["bytecode"], original["runtime"])

    lines = _lines(IDENTITY)
    at = next(n for n, line in enumerate(lines, 1) if "self._set_registrar(msg.sender, True)" in line)
    # different source text, same code: only the metadata's source hash differs, which is blanked
    spaced = mutate.compile_source(
        IDENTITY, mutate.apply(lines, {"line": at, "mutant": lines[at - 1] + "\n"}), "IdentityRegistry"
    )
    assert spaced["bytecode"] != original["bytecode"]
    assert mutate.fingerprint(spaced["bytecode"], spaced["runtime"]) == reference
    # a real change
    origin = {"line": at, "mutant": lines[at - 1].replace("msg.sender", "tx.origin")}
    mutant = mutate.compile_source(IDENTITY, mutate.apply(lines, origin), "IdentityRegistry")
    assert mutate.fingerprint(mutant["bytecode"], mutant["runtime"]) != reference
    # and what does not compile is reported, not raised
    broken = mutate.compile_source(
        IDENTITY, mutate.apply(lines, {"line": at, "mutant": "    break;\n"}), "IdentityRegistry"
    )
    assert not broken["ok"] and broken["error"]
    # the source is restored after every compile
    assert mutate.compile_source(IDENTITY, None, "IdentityRegistry")["bytecode"] == original["bytecode"]


def test_every_judged_equivalent_is_a_mutant_of_todays_source_and_listed_in_properties(mutate):
    properties = (ROOT / "PROPERTIES.md").read_text().replace("\\|", "|")
    generated: dict[str, set[tuple[str, str]]] = {}
    for target, original, mutated in mutate.JUDGED_EQUIVALENT:
        if target not in generated:
            lines = _lines(mutate.TARGETS[target].source)
            generated[target] = {
                (mutate.original_line(lines, m), m["mutant"].strip()) for m in mutate.generate(lines)[1]
            }
        assert (original, mutated) in generated[target], f"{target}: `{original}` => `{mutated}` is stale"
        assert f"| {target} | `{original}` => `{mutated}` |" in properties, f"PROPERTIES.md lacks {target}: {original}"
