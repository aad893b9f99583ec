"""The committed integrator ABIs are those of a fresh compile."""

from computerwa.evm.artifacts import project_root
from computerwa.tooling.abi_export import INTERFACES, TEST_ONLY, rendered_abis


def test_committed_abis_match_a_fresh_compile(artifacts):
    folder = project_root() / INTERFACES
    expected = rendered_abis(artifacts)
    committed = {p.name: p.read_text() for p in folder.glob("*.json")}
    assert set(committed) == set(expected), "run `make abi`: the set of contracts changed"
    stale = sorted(name for name, text in expected.items() if committed[name] != text)
    assert not stale, f"run `make abi`: {stale} differ from a fresh compile"


def test_every_deployable_contract_has_an_abi(artifacts):
    assert "MockStablecoin" in artifacts
    assert set(rendered_abis(artifacts)) == {f"{name}.json" for name in artifacts if name not in TEST_ONLY}


def test_test_doubles_get_no_abi(artifacts):
    assert set(artifacts) >= TEST_ONLY  # they exist, in contracts/mocks/
    assert not {f"{name}.json" for name in TEST_ONLY} & set(rendered_abis(artifacts))
