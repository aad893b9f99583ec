"""`ensure_compiled`'s stamp: a build is current only when it is the one made from today's
sources, so neither an edited source nor a build Ape made on its own (an `ape run` between an
edit and its revert) passes for it."""

from computerwa.evm.artifacts import BUILD_MANIFEST, SOURCES_STAMP, build_stamp, is_current


def _project(tmp_path):
    (tmp_path / "ape-config.yaml").write_text("name: stamp\n")
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "A.vy").write_text("# pragma version ~=0.4.3\n")
    (tmp_path / ".build").mkdir()
    (tmp_path / BUILD_MANIFEST).write_text('{"contractTypes": {"A": 1}}')
    (tmp_path / SOURCES_STAMP).write_text(build_stamp(tmp_path))
    return tmp_path


def test_a_build_is_current_until_a_source_changes(tmp_path):
    root = _project(tmp_path)
    assert is_current(root)
    (root / "contracts" / "A.vy").write_text("# pragma version ~=0.4.3\n# edited\n")
    assert not is_current(root)


def test_a_build_ape_made_on_its_own_is_not_current_even_with_the_sources_restored(tmp_path):
    root = _project(tmp_path)
    source = root / "contracts" / "A.vy"
    original = source.read_text()
    source.write_text(original + "# an experiment\n")
    (root / BUILD_MANIFEST).write_text('{"contractTypes": {"A": 2}}')  # `ape run` compiled the experiment
    source.write_text(original)  # the experiment reverted: the sources match the stamp again
    assert not is_current(root)


def test_no_build_or_no_stamp_is_not_current(tmp_path):
    root = _project(tmp_path)
    (root / SOURCES_STAMP).unlink()
    assert not is_current(root)
    (root / BUILD_MANIFEST).unlink()
    assert build_stamp(root) is None and not is_current(root)
