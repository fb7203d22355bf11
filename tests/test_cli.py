"""The command line: flags from Settings on every subcommand, readable errors, exit codes."""

import json
import os
import subprocess
import sys
from functools import partial

import pytest

from assistant import Settings, SettingsError
from assistant.cli import ABSTAINED, build_parser, main
from conftest import ROOT, SEEDS


@pytest.mark.parametrize("command", [["ingest"], ["ask", "q"]])
def test_every_setting_is_a_flag_on_every_subcommand(command):
    """As every setting is an env var; --help lists only the command's own (test below)."""
    flags = []
    for name in Settings.model_fields:
        flags += ["--" + name.replace("_", "-"), "/x" if name in ("model", "store", "source", "prompts") else "1"]
    args = build_parser().parse_args(command + flags)
    assert set(Settings.model_fields) <= set(vars(args))


def test_each_command_lists_only_its_own_settings(capsys):
    helps = {}
    for command in ["ingest", "ask", "chat"]:
        with pytest.raises(SystemExit):
            main([command, "--help"])
        helps[command] = capsys.readouterr().out
    assert "--chunk-chars" in helps["ingest"] and "--model " not in helps["ingest"] and "--port" not in helps["ingest"]
    assert "--model " in helps["ask"] and "--auth" not in helps["ask"] and f"{ABSTAINED} not found" in helps["ask"]
    assert "--auth" in helps["chat"] and "--port" in helps["chat"]
    assert not any(f"--{s.replace('_', '-')} " in h for h in helps.values() for s in ["bm25", "name_gate", "word_check"])


def test_bad_setting_value_is_explained(capsys):
    assert main(["ask", "hello", "--top-k", "0"]) == 2
    assert "setting top_k (--top-k / ASSISTANT_TOP_K)" in capsys.readouterr().err


def test_empty_question_is_refused_before_any_work(tmp_path, capsys):
    assert main(["ask", "   ", "--store", str(tmp_path / "store")]) == 1
    assert "The question is empty" in capsys.readouterr().err
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize(
    "content, error",
    [
        (None, "Model file not found"),
        (b"GGUF" + os.urandom(4096), "Could not load the model"),
        (b"hello", "Not a GGUF model file"),
    ],
    ids=["missing", "broken", "not-gguf"],
)
def test_a_missing_or_broken_model_file_names_the_setting(tmp_path, capsys, content, error):
    model = tmp_path / "model.gguf"
    if content is not None:
        model.write_bytes(content)
    assert main(["ask", "Who?", "--model", str(model), "--store", str(tmp_path / "s")]) == 1
    err = capsys.readouterr().err
    assert error in err and "ASSISTANT_MODEL or --model" in err


def test_missing_source_folder(tmp_path, capsys):
    assert main(["ingest", "--source", str(tmp_path / "nope"), "--store", str(tmp_path / "s")]) == 1
    assert "Documents folder not found" in capsys.readouterr().err


def test_env_settings_are_used(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_SOURCE", str(tmp_path / "from-env"))
    assert main(["ingest", "--store", str(tmp_path / "s")]) == 1
    assert "from-env" in capsys.readouterr().err


def test_a_mistyped_variable_is_an_error_naming_the_setting_meant(monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_MIN_CONFIDENCEE", "0.9")
    with pytest.raises(SettingsError, match="ASSISTANT_MIN_CONFIDENCEE.*did you mean ASSISTANT_MIN_CONFIDENCE"):
        Settings()
    assert main(["ask", "Who?"]) == 1
    assert "did you mean ASSISTANT_MIN_CONFIDENCE?" in capsys.readouterr().err


def test_the_store_is_kept_in_the_data_folder_never_the_current_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "data"))
    assert Settings().store == tmp_path / "data" / "store"
    assert Settings(store=tmp_path / "mine").store == tmp_path / "mine"  # unless set
    monkeypatch.delenv("ASSISTANT_HOME")
    assert Settings().store.is_absolute() and not Settings().store.is_relative_to(tmp_path)


@pytest.mark.slow
def test_python_m_assistant_ask_json_on_a_brand_new_store(tmp_path):
    """The real thing, as a user runs it: a fresh store, the embedded model, JSON out."""
    env = {**os.environ, "ASSISTANT_STORE": str(tmp_path / "store")}
    run = partial(subprocess.run, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    out = run([sys.executable, "-m", "assistant", "ask", "Who led the WPK delegation to Moscow?", "--json"])
    assert out.returncode == 0, out.stderr
    assert "5 added" in out.stderr  # it ingested first
    answer = json.loads(out.stdout)
    assert set(answer) >= {"question", "text", "citations", "abstained", "passages", "timings"}
    assert answer["citations"], answer["text"]
    for c in answer["citations"]:
        assert (SEEDS / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["text"]
    # the console script prints the passages under the answer; not found, it says so with its own status
    text = run([str(ROOT / ".venv/bin/assistant"), "ask", "What is the population of Pyongyang?"])
    assert text.returncode == ABSTAINED, text.stderr
    assert text.stdout.startswith("I could not find this in the documents.")
    assert "Closest passages (not an answer)" in text.stdout and ".txt, characters " in text.stdout
