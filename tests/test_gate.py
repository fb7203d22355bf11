"""The eval gate's logic (`assistant eval --gate`) on made-up reports, and its floors file. The gate's real
run (both test splits, the real model) is its own CI step in .ci/run, not a test."""

import json

import pytest

from assistant.cli import main
from assistant.evaluation import gate
from conftest import CORPORA, ROOT

SPEC = {
    "source": "seeds",
    "floors": {"key_fact_accuracy": 0.5, "answer_words_median_max": 30},
    "known_gaps": {"key_fact_above_extractive": "measured 2026-12-06"},
}


def report(key_fact=0.6, words=20, naive=0.4, extractive=0.7, together=0.6):
    figures = {"key_fact_accuracy": key_fact, "answer_precision": 0.9, "abstention_recall": 1.0, "n_answerable": 10}
    figures |= {"abstention_precision": 0.5, "citation_precision": 1.0, "citation_recall": 0.5, "n_unanswerable": 4}
    return figures | {
        "answer_words_median": words,
        "baseline": figures | {"key_fact_accuracy": naive, "answer_precision": 0.5, "abstention_recall": 0.5},
        "extractive": figures | {"key_fact_accuracy": extractive},
        "conversation": figures | {"key_fact_accuracy": together},
        "paired": {name: {"product": figures} for name in ("baseline", "extractive", "conversation")},
    }


def failed(r):
    return sorted(c.name for c in gate.checks("t.jsonl", SPEC, r) if not c.passed)


def test_a_report_that_meets_every_floor_and_beats_the_pipelines_passes():
    assert failed(report()) == []


def test_a_figure_under_its_floor_or_over_its_ceiling_fails():
    assert failed(report(key_fact=0.4, naive=0.3, together=0.4)) == ["key_fact_accuracy"]
    assert failed(report(words=31)) == ["answer_words_median_max"]


def test_the_product_must_beat_the_naive_pipeline_on_the_same_items():
    assert failed(report(naive=0.6)) == ["key_fact_above_baseline"]


def test_a_figure_the_compared_items_cannot_give_fails_the_check_not_the_gate():
    r = report()
    r["paired"]["baseline"]["product"] = r["paired"]["baseline"]["product"] | {"abstention_recall": None}
    r["baseline"]["abstention_recall"] = None
    assert failed(r) == ["abstention_recall_above_baseline"]


def test_a_known_gap_must_stay_a_gap_until_its_entry_goes():
    assert failed(report(extractive=0.5)) == ["key_fact_above_extractive"]  # closed: the entry must go


def test_asked_in_one_conversation_a_figure_may_move_by_one_item_only():
    assert failed(report(together=0.5)) == []  # one of ten answerable questions
    assert failed(report(together=0.45)) == ["conversation_key_fact_accuracy"]


def test_every_test_split_is_gated_on_its_own_corpus():
    options, splits = gate.load()
    assert set(splits) == {d for d in CORPORA if d.endswith("test.jsonl")} and options["compare_limit"] > 0
    for split, spec in splits.items():
        assert spec["source"] == CORPORA[split] and (ROOT / spec["source"]).is_dir()
        every = report() | {metric.removesuffix("_max"): 0 for metric in spec["floors"]}
        known = {c.name for c in gate.checks(split, spec, every)}
        assert set(spec["floors"]) | set(spec["known_gaps"]) <= known  # no gap names a check that does not exist


def test_the_command_fails_when_a_check_fails(monkeypatch, tmp_path, capsys):
    """gate.run replaced by a fake: only the exit status and the summary are under test."""

    def fake_run(settings, out, progress=None):
        out.mkdir(parents=True)
        (out / "gate.md").write_text("table\n")
        return gate.checks("t.jsonl", SPEC, json.loads(json.dumps(report(key_fact=key_fact))))

    monkeypatch.setattr(gate, "run", fake_run)
    for key_fact, status in [(0.6, 0), (0.4, 1)]:
        assert main(["eval", "--gate", "--out", str(tmp_path / str(key_fact))]) == status
    assert "failed: t.jsonl key_fact_accuracy" in capsys.readouterr().out


@pytest.mark.parametrize("split", sorted(gate.load()[1]))
def test_each_floor_names_a_figure_the_report_has(split):
    sample = json.loads((ROOT / "evals" / "results" / ("wiki/" if "wiki" in split else "") / "report.json").read_text())
    for metric in gate.load()[1][split]["floors"]:
        assert metric.removesuffix("_max") in sample, metric
