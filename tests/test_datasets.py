"""Every eval dataset in evals/ is well formed and true to its corpus (no model, no store)."""

import json

import pytest

from assistant.evaluation import EvalItem, load_dataset, normalize
from conftest import CORPORA, ROOT


def test_every_dataset_in_evals_is_checked_here():
    found = {p.relative_to(ROOT).as_posix() for p in (ROOT / "evals").rglob("*.jsonl") if "results" not in p.parts}
    assert found == set(CORPORA)


@pytest.fixture(scope="module", params=sorted(CORPORA))
def dataset(request):
    path = ROOT / request.param
    corpus = ROOT / CORPORA[request.param]
    texts = {p.name: normalize(p.read_text(encoding="utf-8")) for p in corpus.glob("*.*")}
    return path, load_dataset(path), texts


def test_each_line_parses_with_no_unknown_key(dataset):
    path, items, _ = dataset
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == len(items)
    for line in lines:
        assert set(json.loads(line)) <= set(EvalItem.model_fields), line


def test_ids_are_unique(dataset):
    _, items, _ = dataset
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_every_source_exists(dataset):
    _, items, texts = dataset
    for item in items:
        assert all(s in texts for s in item.sources), (item.id, item.sources)


def test_every_key_fact_group_occurs_in_a_source(dataset):
    _, items, texts = dataset
    for item in items:
        for group in item.must_include:
            assert any(normalize(s) in texts[src] for s in group for src in item.sources), (item.id, group)


def test_answerable_items_have_key_facts_and_unanswerable_ones_none(dataset):
    _, items, _ = dataset
    for item in items:
        if item.unanswerable:
            assert not item.must_include and not item.sources and not item.answer, item.id
        else:
            assert item.must_include and all(item.must_include) and item.sources and item.answer, item.id


def test_no_question_is_in_both_splits_of_a_corpus():
    for dev, test in [("evals/dev.jsonl", "evals/test.jsonl"), ("evals/wiki/dev.jsonl", "evals/wiki/test.jsonl")]:
        asked = {normalize(i.question) for i in load_dataset(ROOT / dev)}
        assert not asked & {normalize(i.question) for i in load_dataset(ROOT / test)}
