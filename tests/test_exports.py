import types

import assistant


def test_public_api_is_exactly_what_all_says():
    public = {n for n in dir(assistant) if not n.startswith("_")}
    modules = {n for n in public if isinstance(getattr(assistant, n), types.ModuleType)}
    assert all(getattr(assistant, n).__name__ == f"assistant.{n}" for n in modules)  # submodules only, no stray import
    assert public - modules == set(assistant.__all__)
    for name in assistant.__all__:
        assert getattr(assistant, name).__module__.startswith("assistant.")
