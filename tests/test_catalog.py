"""Local models by short name: parts joined once and checked by sha256 (fake part packages, no model)."""

import hashlib

import pytest

from assistant import ModelError, Settings, catalog
from assistant.catalog import MODELS, LocalModel


@pytest.fixture
def parts(tmp_path, monkeypatch):
    """Two installed fake part packages holding b"GGUF..." and b"...rest"; the cache in tmp_path."""
    for i, data in enumerate([b"GGUF first half ", b"second half"], start=1):
        (tmp_path / "pkgs" / f"fakepart{i}" / "data").mkdir(parents=True)
        (tmp_path / "pkgs" / f"fakepart{i}" / "__init__.py").write_text("")
        (tmp_path / "pkgs" / f"fakepart{i}" / "data" / f"part{i:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    return hashlib.sha256(b"GGUF first half second half").hexdigest()


def test_parts_are_joined_once_and_checked(parts, tmp_path):
    model = LocalModel("fake", "Fake 1B, local", True, ("fakepart1", "fakepart2"), sha256=parts)
    path = model.path(tmp_path / "cache")
    assert path == tmp_path / "cache" / "fake.gguf" and path.read_bytes() == b"GGUF first half second half"
    mtime = path.stat().st_mtime_ns
    assert model.path(tmp_path / "cache").stat().st_mtime_ns == mtime  # the checked file is reused, not joined again
    path.write_bytes(b"GGUF trunc")  # damaged later: joined and checked again
    assert model.path(tmp_path / "cache").read_bytes() == b"GGUF first half second half"


def test_parts_that_do_not_match_the_published_file_are_refused_with_the_repair(parts, tmp_path):
    model = LocalModel("fake", "Fake 1B, local", True, ("fakepart1", "fakepart2"), sha256="0" * 64)
    with pytest.raises(ModelError, match=r"do not add up to the published file.*bash setup\.sh"):
        model.path(tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("fake*.gguf"))  # nothing half-made is left to load


def test_a_model_that_is_not_installed_names_the_command_that_installs_it(tmp_path):
    model = LocalModel("absent", "Absent, local", True, ("no_such_package_part1",), sha256="0" * 64)
    with pytest.raises(ModelError, match=r"not installed.*bash setup\.sh.*--model"):
        model.path(tmp_path / "cache")


def test_model_setting_takes_a_short_name_or_a_path(tmp_path):
    assert Settings().model == catalog.DEFAULT and set(MODELS) >= {catalog.DEFAULT, "qwen2.5-coder-1.5b"}
    assert Settings(model="qwen2.5-coder-0.5b").model_label() == "Qwen2.5-Coder 0.5B Instruct, local"
    f = tmp_path / "mine.gguf"
    assert Settings(model=str(f)).model_path() == f and Settings(model=str(f)).model_label() == "mine.gguf"


def test_the_model_cache_is_a_setting(parts, tmp_path, monkeypatch):
    monkeypatch.setitem(MODELS, "fake", LocalModel("fake", "Fake 1B, local", True, ("fakepart1", "fakepart2"), sha256=parts))
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path / "elsewhere"))
    assert Settings(model="fake").model_path() == tmp_path / "elsewhere" / "fake.gguf"
