"""The eval machinery on tiny data: metric definitions, report files. Pipelines here are fakes."""

import json

import pytest

from assistant import Answer, AssistantError, Citation
from assistant.evaluation import (
    METRICS,
    EvalItem,
    _chart,
    _markdown,
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
    abstained = Answer(question="Who led it?", text="I could not find this in the documents.", abstained=True)
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
        Answer(question="q", text="I could not find this in the documents.", abstained=True),
    ]
    s = summarize([judge(i, a) for i, a in zip(items, answers)])
    assert (s["n"], s["n_answerable"], s["n_unanswerable"]) == (3, 2, 1)
    assert s["key_fact_accuracy"] == 0.5
    assert s["abstention_recall"] == 1.0 and s["abstention_precision"] == 0.5
    assert s["citation_validity"] is None and s["citation_precision"] == 0.0


KIM_ITEM = EvalItem(id="k", question="q", answer="Kim Su-gil", must_include=[["Kim Su-gil"]], sources=[DOC.name])
PIZZA_ITEM = EvalItem(id="p", question="q", unanswerable=True)


def shown(text, confidence=None):
    return Answer(question="q", text=text, confidence=confidence)


def refused(candidate="", confidence=None):
    return Answer(
        question="q", text="I could not find this in the documents.", abstained=True, candidate=candidate, confidence=confidence
    )


def test_judge_scores_the_candidate_the_check_refused():
    signals = {"support": 0.4, "p_yes": 0.7}
    row = judge(KIM_ITEM, refused("Kim Su-gil led it [1].", 0.35).model_copy(update={"signals": signals}))
    assert row["shown"] is False and row["correct"] is False
    assert row["candidate"] == "Kim Su-gil led it [1]." and row["candidate_correct"] is True
    assert row["confidence"] == 0.35 and row["signals"] == signals
    assert judge(KIM_ITEM, refused("Pak Jong-chon [1]", 0.35))["candidate_correct"] is False
    assert judge(KIM_ITEM, refused())["candidate_correct"] is False  # no candidate at all
    # a shown answer is its own candidate (markers stripped); any candidate to an unanswerable item is wrong
    row = judge(KIM_ITEM, shown("Kim Su-gil [1]", 0.9))
    assert (row["shown"], row["candidate"], row["candidate_correct"], row["correct"]) == (True, "", True, True)
    assert judge(KIM_ITEM, shown("Kim [1] Su-gil", 0.9))["candidate_correct"] is True  # "Kim Su-gil" once stripped
    assert judge(PIZZA_ITEM, shown("Kim Su-gil", 0.9))["candidate_correct"] is False
    assert judge(PIZZA_ITEM, refused("Flour and water", 0.2))["candidate_correct"] is False


def test_answer_precision_counts_a_shown_answer_to_an_unanswerable_item_as_wrong():
    rows = [
        judge(KIM_ITEM, shown("Kim Su-gil")),  # shown, right
        judge(PIZZA_ITEM, shown("Flour, water and salt")),  # shown, wrong: nothing answers it
        judge(KIM_ITEM, refused("Kim Su-gil")),  # not shown: not counted
        judge(PIZZA_ITEM, refused()),
    ]
    s = summarize(rows)
    assert s["key_fact_accuracy"] == 0.5 and s["n_shown"] == 2
    assert s["answer_precision"] == 0.5 and s["answer_precision_ci95"] == [0.0, 1.0]
    nothing_shown = summarize([judge(KIM_ITEM, refused()), judge(PIZZA_ITEM, refused())])
    assert nothing_shown["answer_precision"] is None and nothing_shown["answer_precision_ci95"] is None
    assert nothing_shown["n_shown"] == 0


def test_risk_coverage_and_aurc_by_hand():
    rows = [
        judge(KIM_ITEM, refused()),  # no candidate: never shown, but counts in the coverage's denominator
        judge(KIM_ITEM, shown("Kim Su-gil [1]", 0.6)),  # right
        judge(PIZZA_ITEM, shown("Kim Su-gil", 0.8)),  # wrong: a shown answer to an unanswerable item
        judge(KIM_ITEM, refused("Kim Su-gil [2]", 0.7)),  # refused, but its candidate is right
        judge(KIM_ITEM, shown("Kim Su-gil", 0.9)),  # right
    ]
    s = summarize(rows)
    assert s["risk_coverage"] == [
        {"threshold": 0.9, "coverage": 0.2, "answer_precision": 1.0, "shown": 1},
        {"threshold": 0.8, "coverage": 0.4, "answer_precision": 0.5, "shown": 2},
        {"threshold": 0.7, "coverage": 0.6, "answer_precision": 0.6667, "shown": 3},
        {"threshold": 0.6, "coverage": 0.8, "answer_precision": 0.75, "shown": 4},
    ]
    assert s["aurc"] == round((0 + 1 / 2 + 1 / 3 + 1 / 4) / 4, 4) == 0.2708
    # what is shown now (the check's own decision) is a separate figure: 2 right of 3 shown
    assert s["answer_precision"] == 0.6667 and s["n_shown"] == 3


def test_tied_confidences_make_one_point_and_keep_their_order_in_aurc():
    rows = [judge(PIZZA_ITEM, shown("Flour", 0.5)), judge(KIM_ITEM, shown("Kim Su-gil", 0.5))]
    s = summarize(rows)
    assert s["risk_coverage"] == [{"threshold": 0.5, "coverage": 1.0, "answer_precision": 0.5, "shown": 2}]
    assert s["aurc"] == 0.75  # mean(1/1, 1/2): the wrong one first, as given


def test_rows_without_confidence_have_no_curve():
    rows = [judge(KIM_ITEM, shown("Kim Su-gil")), judge(PIZZA_ITEM, refused())]  # a baseline: no confidence
    s = summarize(rows)
    assert s["risk_coverage"] == [] and s["aurc"] is None and s["answer_precision"] == 1.0
    old = [judge(KIM_ITEM, shown("Kim Su-gil", 0.9))]
    del old[0]["candidate_correct"]  # rows written before candidates were scored
    assert summarize(old)["risk_coverage"] == [] and summarize(old)["aurc"] is None
    # a refusal with a confidence but no candidate to score is never shown either
    s = summarize([judge(KIM_ITEM, refused("", 0.95)), judge(KIM_ITEM, shown("Kim Su-gil", 0.9))])
    assert s["risk_coverage"] == [{"threshold": 0.9, "coverage": 0.5, "answer_precision": 1.0, "shown": 1}] and s["aurc"] == 0.0


def test_metrics_put_answer_precision_in_the_bars_and_aurc_in_the_table_only(tmp_path, monkeypatch):
    keys = [k for k, _, _ in METRICS]
    assert keys[keys.index("key_fact_accuracy") + 1 : keys.index("key_fact_accuracy") + 3] == ["answer_precision", "aurc"]
    assert dict((k, better) for k, _, better in METRICS)["aurc"] is False
    import matplotlib.figure

    saved = []
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", lambda fig, *a, **kw: saved.append(fig))
    points = [{"threshold": 0.9, "coverage": 0.5, "answer_precision": 1.0, "shown": 1}]
    report = {"config": {"dataset": "d"}, "n": 2, "risk_coverage": points, "aurc": 0.0, "answer_precision": 1.0}
    report["baseline"] = {"n": 4, "n_shown": 3, "answer_precision": 0.6667, "risk_coverage": [], "aurc": None}
    _chart(tmp_path / "m.png", report, ["product", "baseline"])
    bars, curve = saved[0].axes
    assert "answer precision (right / shown)" in [t.get_text() for t in bars.get_yticklabels()]
    assert "AURC (lower is better)" not in [t.get_text() for t in bars.get_yticklabels()]
    lines = {line.get_label(): line for line in curve.get_lines()}
    assert lines["product (AURC 0.0)"].get_xydata().tolist() == [[0.5, 1.0]]
    assert lines["baseline"].get_xydata().tolist() == [[0.75, 0.6667]]  # one point: share shown, precision
    assert list(lines["target precision"].get_ydata()) == [0.95, 0.95]


def test_report_md_shows_the_curve_and_each_failures_confidence_and_candidate():
    rows = [judge(KIM_ITEM, refused("Kim Su-gil [1]", 0.33))]  # a failure: right candidate, refused
    rows += [judge(KIM_ITEM.model_copy(update={"id": f"k{n}"}), shown("Kim Su-gil", n / 20)) for n in range(1, 11)]
    report = summarize(rows) | {"config": {"dataset": "d", "model": "m", "top_k": 5}, "paired": {}}
    assert len(report["risk_coverage"]) == 11
    md = _markdown(report, {"product": rows})
    table = md.split("## Risk and coverage")[1].split("## Worst failures")[0]
    # 8 of the 11 points (0.5, 0.45, 0.4, 0.35, 0.33, 0.3 ... 0.05), evenly: indices 0, 1, 3, 4, 6, 7, 9, 10
    assert [line.split(" | ")[0] for line in table.splitlines() if line.startswith("| 0")] == [
        "| 0.5",
        "| 0.45",
        "| 0.35",
        "| 0.33",
        "| 0.25",
        "| 0.2",
        "| 0.1",
        "| 0.05",
    ]
    assert f"AURC {report['aurc']}" in table
    assert "  - confidence: 0.33\n  - candidate (refused by the check): Kim Su-gil [1]" in md


def test_bad_dataset_lines_are_reported_with_their_number(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "question": "q"}\n{"question": "no id"}\n', encoding="utf-8")
    with pytest.raises(AssistantError, match="line 2"):
        load_dataset(bad)
    with pytest.raises(AssistantError, match="Dataset not found"):
        load_dataset(tmp_path / "missing.jsonl")


def test_evaluate_writes_every_report_file(tmp_path, fake_assistant):
    a = fake_assistant("Kim Su-gil led the delegation.")
    ask = a.ask

    def calibrated(question, history=()):
        """The fake's answer with a known confidence: 0.8 when shown, 0.3 on a refused candidate."""
        answer = ask(question, history=history)
        if answer.abstained:
            return answer.model_copy(update={"confidence": 0.3, "candidate": "Kim Su-gil [1]", "signals": {"s": 0.1}})
        return answer.model_copy(update={"confidence": 0.8, "signals": {"s": 0.9}})

    a.ask = calibrated
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
    # the shown answer is right (0.8); the refused candidate to the unanswerable item is wrong (0.3)
    assert on_disk["answer_precision"] == 1.0 and on_disk["n_shown"] == 1
    assert on_disk["risk_coverage"] == [
        {"threshold": 0.8, "coverage": 0.5, "answer_precision": 1.0, "shown": 1},
        {"threshold": 0.3, "coverage": 1.0, "answer_precision": 0.5, "shown": 2},
    ]
    assert on_disk["aurc"] == 0.25  # mean(0/1, 1/2)
    results = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert [(r["shown"], r["confidence"], r["signals"], r["candidate"], r["candidate_correct"]) for r in results] == [
        (True, 0.8, {"s": 0.9}, "", True),
        (False, 0.3, {"s": 0.1}, "Kim Su-gil [1]", False),
    ]
    md = (tmp_path / "out" / "report.md").read_text()
    assert "## Risk and coverage" in md and "AURC 0.25" in md and "| 0.3 | 1.0 | 0.5 | 2 |" in md


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
