"""The eval machinery on tiny data: metric definitions, report files. Pipelines here are fakes."""

import json

import pytest

from assistant import Answer, AssistantError, Citation
from assistant.evaluation import (
    EvalItem,
    bootstrap_ci,
    evaluate,
    found_groups,
    judge,
    load_dataset,
    normalize,
    run_pipeline,
    summarize,
    token_f1,
)
from conftest import SEEDS, make_folder

DOC = SEEDS / "003_fb9d92a72d6051b6.txt"
TEXT = DOC.read_text(encoding="utf-8")
KIM = {
    "question": "Who led the North Korean delegation to the For the Freedom of Nations forum?",
    "answer": "Kim Su-gil",
    "must_include": [["Kim Su-gil"]],
    "sources": [DOC.name],
}
PIZZA = {"question": "What is the recipe for Neapolitan pizza dough?", "unanswerable": True}


def citation(start, end, text=None, n=1):
    text = TEXT[start:end] if text is None else text
    return Citation(n=n, source=DOC.name, file_path=str(DOC), title="t", start=start, end=end, text=text, score=1.0)


def dataset(tmp_path, *items: dict):
    """tmp_path/tiny.jsonl holding `items`, with ids "1", "2"... in order."""
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps({"id": str(n), **item}) for n, item in enumerate(items, start=1)), encoding="utf-8")
    return path


def recorder(seen: list):
    """A progress callback for `evaluate` that notes each (pipeline, number of items) it starts."""
    return lambda name, n: seen.append((name, n)) or (lambda item: None)


def test_normalize_matches_dashes_quotes_case_and_spaces():
    assert normalize("Ri  Hi–Yong’s “Treaty”") == normalize('ri hi yong\'s "treaty"')
    assert found_groups(["Led by RI HI-YONG on Feb 25"], [["Ri Hi Yong", "Lee Hee Yong"], ["Feb 25", "25 Feb"]])
    assert not found_groups(["Led by Ri Hi-Yong"], [["Ri Hi Yong"], ["February 25"]])


def test_token_f1_is_squad_style():
    assert token_f1("The Kremlin", "kremlin") == 1.0
    assert token_f1("in the Kremlin in Moscow", "the Kremlin") == pytest.approx(2 * (1 / 4) * 1 / (1 / 4 + 1))
    assert token_f1("Paris", "Kremlin") == 0.0


def test_bootstrap_interval_contains_the_mean_and_is_reproducible():
    values = [1.0] * 30 + [0.0] * 20
    lo, hi = bootstrap_ci(values)
    assert lo < 0.6 < hi and 0.4 < lo and hi < 0.8
    assert bootstrap_ci(values) == [lo, hi]


def test_judge_checks_citations_against_the_file():
    start = TEXT.index("Kim Su-gil")
    item = EvalItem(
        id="x", question="Who led it?", answer="Kim Su-gil", must_include=[["Kim Su-gil", "Kim Su Gil"]], sources=[DOC.name]
    )
    good = Answer(question="Who led it?", text="Kim Su-gil led it. [1]", citations=[citation(start - 20, start + 20)])
    row = judge(item, good)
    assert row["correct"] and row["cited_all_facts"], row
    assert row["citations"] == [{"n": 1, "source": DOC.name, "valid": True, "precise": True}]
    forged = Answer(question="Who led it?", text="Kim Su-gil [1]", citations=[citation(0, 10, "Kim Su-gil")])
    assert judge(item, forged)["citations"][0]["valid"] is False
    abstained = Answer(question="Who led it?", text="The documents do not say.", abstained=True)
    assert judge(item, abstained)["correct"] is False


def test_summary_counts_abstentions_and_accuracy():
    items = [
        EvalItem(id="a", question="q", answer="Kim Su-gil", must_include=[["Kim Su-gil"]], sources=[DOC.name]),
        EvalItem(id="b", question="q", answer="Kim Su-gil", must_include=[["Kim Su-gil"]], sources=[DOC.name]),
        EvalItem(id="u", question="q", unanswerable=True),
    ]
    answers = [
        Answer(question="q", text="Kim Su-gil"),
        Answer(question="q", text="no idea", abstained=True),
        Answer(question="q", text="The documents do not say.", abstained=True),
    ]
    s = summarize([judge(i, a) for i, a in zip(items, answers)])
    assert (s["n"], s["n_answerable"], s["n_unanswerable"]) == (3, 2, 1)
    assert s["key_fact_accuracy"] == 0.5
    assert s["abstention_recall"] == 1.0 and s["abstention_precision"] == 0.5
    assert s["citation_validity"] is None and s["citation_precision"] == 0.0


def test_bad_dataset_lines_are_reported_with_their_number(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "question": "q"}\n{"question": "no id"}\n', encoding="utf-8")
    with pytest.raises(AssistantError, match="line 2"):
        load_dataset(bad)
    with pytest.raises(AssistantError, match="Dataset not found"):
        load_dataset(tmp_path / "missing.jsonl")


def test_evaluate_writes_every_report_file(tmp_path, fake_assistant):
    a = fake_assistant("Kim Su-gil led the delegation.")
    seen = []
    report = evaluate(a, dataset(tmp_path, {**KIM, "extra_key": "ignored"}, PIZZA), tmp_path / "out", progress=recorder(seen))
    assert seen == [("product", 2)]
    assert report["key_fact_accuracy"] == 1.0 and report["abstention_recall"] == 1.0
    for name in ["report.json", "results.jsonl", "report.md", "metrics.png"]:
        assert (tmp_path / "out" / name).stat().st_size > 0
    on_disk = json.loads((tmp_path / "out" / "report.json").read_text())
    assert {"n", "key_fact_accuracy_ci95", "mrr", "latency_p95_s", "config"} <= set(on_disk)
    assert on_disk["abstention_recall_ci95"] == [1.0, 1.0] and on_disk["citation_precision_ci95"] == [1.0, 1.0]
    assert "abstention recall [1.000, 1.000]" in (tmp_path / "out" / "report.md").read_text()
    assert on_disk["config"]["top_k"] == a.settings.top_k
    assert len((tmp_path / "out" / "results.jsonl").read_text().splitlines()) == 2


def test_comparisons_on_the_first_items_are_paired_with_the_products_figures_on_those_fake_model(tmp_path, fake_assistant):
    seen = []
    a = fake_assistant("Kim Su-gil led the delegation.")
    report = evaluate(
        a, dataset(tmp_path, PIZZA, KIM), tmp_path / "out", conversation=True, compare_limit=1, progress=recorder(seen)
    )
    assert seen == [("product", 2), ("conversation", 1)]
    assert report["n"] == 2 and report["conversation"]["n"] == 1
    same = report["paired"]["conversation"]["product"]
    assert same["n"] == 1 and same["n_unanswerable"] == 1 and same["key_fact_accuracy"] is None
    assert "on the same 1 items" in (tmp_path / "out" / "report.md").read_text()


def test_evaluate_refuses_a_store_that_mixes_corpora(tmp_path, fake_assistant):
    a = fake_assistant()
    a.ingest(make_folder(tmp_path / "other", {"note.txt": "A note about something else entirely."}))
    with pytest.raises(AssistantError, match="also holds documents from .*other.*Pass --store"):
        evaluate(a, dataset(tmp_path, {"question": "Who is Kim Su-gil?", "unanswerable": True}), tmp_path / "out")


def test_a_conversation_gives_each_item_its_own_history_or_the_answers_so_far_fake():
    """`run_pipeline(conversation=True)` with a fake `ask` that records what it was given."""
    items = [
        EvalItem(id="a", question="Q1"),
        EvalItem(id="b", question="Q2", history=[("H", "HA")]),
        EvalItem(id="c", question="Q3"),
    ]
    seen = []

    def ask(question, history=()):
        seen.append((question, list(history)))
        return Answer(question=question, text=f"A{question[1]}", abstained=False)

    rows = run_pipeline(ask, items, conversation=True)
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert seen == [("Q1", []), ("Q2", [("H", "HA")]), ("Q3", [("Q1", "A1"), ("Q2", "A2")])]
