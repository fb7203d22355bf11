import assistant


def test_public_api_is_exactly_what_all_says():
    public = {n for n in dir(assistant) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(assistant, n)).__name__ == "module"}
    assert public - modules == set(assistant.__all__)
    for name in assistant.__all__:
        assert getattr(assistant, name).__module__.startswith("assistant.")
