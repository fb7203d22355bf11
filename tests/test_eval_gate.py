"""The CI gate: the eval on each held-out test split (seeds and wiki) with the embedded default model.

Each split has its own floors (evals/floors.json): the measured figures minus a margin for noise
(about one item). On each, the product must also beat both reference pipelines on key-fact accuracy,
paired on the same items: the first COMPARED of each split, since the naive pipeline's long prompts cost
more than the product's whole run (the product's own figures are on every item).
"""

import json

import pytest

from assistant import Assistant, Settings
from assistant.evaluation import evaluate
from conftest import CORPORA, ROOT

pytestmark = pytest.mark.slow
FLOORS = {k: v for k, v in json.loads((ROOT / "evals" / "floors.json").read_text()).items() if not k.startswith("_")}
CONVERSATION = ["evals/test.jsonl"]  # also asked as one conversation, as the chat asks
COMPARED = 16
GATED = [(dataset, metric) for dataset, floors in FLOORS.items() for metric in sorted(floors)]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """dataset -> its report, each corpus in a store of its own (run once, on first use)."""
    cache = {}

    def get(dataset: str) -> dict:
        if dataset not in cache:
            name = dataset.removesuffix(".jsonl").replace("/", "-")
            settings = Settings(store=tmp_path_factory.mktemp(name) / "store", source=ROOT / CORPORA[dataset])
            cache[dataset] = evaluate(
                Assistant(settings),
                ROOT / dataset,
                ROOT / "test-artifacts" / name,
                baseline=True,
                conversation=dataset in CONVERSATION,
                compare_limit=COMPARED,
            )
        return cache[dataset]

    return get


def test_every_test_split_is_gated():
    assert set(FLOORS) == {d for d in CORPORA if d.endswith("test.jsonl")}


@pytest.mark.parametrize("dataset,metric", GATED)
def test_figure_stays_above_its_floor(reports, dataset, metric):
    report, floor = reports(dataset), FLOORS[dataset][metric]
    if metric.endswith("_max"):
        assert report[metric[:-4]] <= floor, f"{metric[:-4]} = {report[metric[:-4]]} > {floor}"
    else:
        assert report[metric] >= floor, f"{metric} = {report[metric]} < floor {floor}"


# Gaps measured and not yet closed. Strict, so the day the product beats the pipeline on that split
# this fails and the mark must go.
PRECISION_FIRST = "shown only at the threshold chosen for answer precision 0.95 on dev (issue 35)"
KNOWN_GAPS = {
    ("evals/test.jsonl", "baseline"): "2026-12-06, first 16 items: key-fact accuracy 0.214 vs 0.429 (3 vs 6 of 14), "
    f"answer precision 0.75 vs 0.55: {PRECISION_FIRST}",
    ("evals/test.jsonl", "extractive"): f"2026-12-06, first 16 items: key-fact accuracy 0.214 vs 0.429: {PRECISION_FIRST}",
    ("evals/wiki/test.jsonl", "baseline"): "2026-12-06, first 16 items: key-fact accuracy 0.538 vs 0.692 (7 vs 9 of 13), "
    f"answer precision 1.0 vs 0.69: {PRECISION_FIRST}",
    ("evals/wiki/test.jsonl", "extractive"): "2026-12-06, first 16 items: key-fact accuracy 0.538 vs 0.538 (7 of 13 each)",
}


@pytest.mark.parametrize(
    "dataset,other",
    [
        pytest.param(d, o, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[d, o])) if (d, o) in KNOWN_GAPS else (d, o)
        for d in sorted(FLOORS)
        for o in ("baseline", "extractive")
    ],
)
def test_product_beats_each_reference_pipeline_on_key_facts(reports, dataset, other):
    report = reports(dataset)
    same = report["paired"][other]
    assert same["product"]["key_fact_accuracy"] > report[other]["key_fact_accuracy"], same


@pytest.mark.parametrize("dataset", sorted(FLOORS))
def test_product_answers_are_right_more_often_than_the_naive_baselines(reports, dataset):
    report = reports(dataset)
    same = report["paired"]["baseline"]["product"]
    assert same["answer_precision"] > report["baseline"]["answer_precision"], same


@pytest.mark.parametrize("dataset", sorted(FLOORS))
def test_product_abstains_more_often_than_the_naive_baseline(reports, dataset):
    report = reports(dataset)
    assert report["paired"]["baseline"]["product"]["abstention_recall"] > report["baseline"]["abstention_recall"]


@pytest.mark.parametrize("dataset", CONVERSATION)
@pytest.mark.parametrize(
    "metric", ["key_fact_accuracy", "abstention_recall", "abstention_precision", "citation_precision", "citation_recall"]
)
def test_asked_in_one_conversation_the_figures_stay_within_one_item_of_asked_alone(reports, dataset, metric):
    report = reports(dataset)
    same = report["paired"]["conversation"]["product"]
    alone, together = same[metric], report["conversation"][metric]
    one_item = {
        "key_fact_accuracy": 1 / same["n_answerable"],
        "citation_recall": 1 / same["n_answerable"],
        "abstention_recall": 1 / same["n_unanswerable"],
    }.get(metric, 0.1)  # precisions: a share of a share
    assert abs(together - alone) <= one_item + 1e-9, (metric, alone, together, report["paired"]["conversation"])
