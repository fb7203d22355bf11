"""The project installed as a library: a wheel (not editable) in a fresh virtual environment answers a
question, reading its prompts from the package (`importlib.resources`), not from a checkout."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow
QUESTION = "Who led the WPK delegation to Moscow?"


def output(cwd: Path, *command) -> str:
    """The standard output of a command that must succeed, run in `cwd` (not the checkout, which `-c` would import)."""
    return subprocess.run(command, capture_output=True, text=True, check=True, cwd=cwd, timeout=300).stdout


def test_a_wheel_in_a_fresh_venv_answers_from_its_packaged_prompts_and_seeds(tmp_path):
    build = [sys.executable, *"-m pip wheel -q --no-deps --no-build-isolation -w".split(), str(tmp_path / "dist"), str(ROOT)]
    subprocess.run(build, check=True, cwd=tmp_path, timeout=600)
    [wheel] = (tmp_path / "dist").glob("assistant-*.whl")
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(fresh)], check=True, timeout=300)
    python = fresh / "bin" / "python"
    site = Path(output(tmp_path, python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    # the dependencies from this environment (their own .pth files, the editable checkout's among them, are not read)
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True, timeout=300)

    where = output(
        tmp_path, python, "-c", "import assistant, assistant.settings as s; print(assistant.__file__, s.PROMPTS, s.SEEDS)"
    ).split()
    assert all(Path(p).is_relative_to(site) for p in where), where  # the wheel's code, prompts and seeds, not the checkout's
    assert sorted(p.name for p in Path(where[2]).iterdir()) == sorted(p.name for p in SEEDS.iterdir())
    ask = [fresh / "bin" / "assistant", "ask", QUESTION, "--store", str(tmp_path / "store"), "--json"]  # the packaged seeds
    got = subprocess.run(ask, capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert got.returncode == 0, got.stderr[-2000:]
    answer = json.loads(got.stdout)
    assert "Ri Hi-Yong" in answer["text"] and answer["citations"][0]["source"].startswith("000_")
