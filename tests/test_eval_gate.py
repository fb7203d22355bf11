"""The CI gate: the eval on the held-out test split with the embedded default model.

Floors are the measured figures minus a margin for noise (evals/floors.json); they only move up.
The product must also beat both reference pipelines on key-fact accuracy, on the same items.
"""

import json

import pytest

from assistant import Assistant, Settings
from assistant.evaluation import evaluate
from conftest import ROOT

pytestmark = pytest.mark.slow
FLOORS = json.loads((ROOT / "evals" / "floors.json").read_text())


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = ROOT / "test-artifacts" / "eval"
    assistant = Assistant(Settings(store=tmp_path_factory.mktemp("eval") / "store"))
    return evaluate(assistant, ROOT / "evals" / "test.jsonl", out, baseline=True)


@pytest.mark.parametrize("metric", sorted(k for k in FLOORS if not k.startswith("_")))
def test_figure_stays_above_its_floor(report, metric):
    floor = FLOORS[metric]
    if metric.endswith("_max"):
        assert report[metric[:-4]] <= floor, f"{metric[:-4]} = {report[metric[:-4]]} > {floor}"
    else:
        assert report[metric] >= floor, f"{metric} = {report[metric]} < floor {floor}"


def test_product_beats_both_reference_pipelines(report):
    for name in ("baseline", "extractive"):
        assert report["key_fact_accuracy"] > report[name]["key_fact_accuracy"], (name, report["paired"][name])
    assert report["abstention_recall"] > report["baseline"]["abstention_recall"]
