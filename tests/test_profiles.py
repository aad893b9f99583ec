"""The Hypothesis profiles CI and auditors select (see tests/conftest.py)."""

from hypothesis import Phase, settings


def test_deep_profile_runs_at_least_ten_times_the_default():
    default, deep = settings.get_profile("default"), settings.get_profile("deep")
    assert deep.max_examples >= 10 * default.max_examples
    assert deep.stateful_step_count >= default.stateful_step_count
    assert default.deadline is None and deep.deadline is None  # engine calls vary in time, results do not


def test_the_selected_profile_is_active(request):
    chosen = request.config.getoption("hypothesis_profile", None) or "default"
    assert settings().max_examples == settings.get_profile(chosen).max_examples


def test_mutation_profile_is_the_default_without_shrinking():
    default, mutation = settings.get_profile("default"), settings.get_profile("mutation")
    assert Phase.shrink in default.phases and Phase.shrink not in mutation.phases
    assert Phase.generate in mutation.phases and mutation.database is None
    assert (mutation.max_examples, mutation.stateful_step_count) == (default.max_examples, default.stateful_step_count)
