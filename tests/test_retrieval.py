from pathlib import Path

import pytest

from assistant.corpus import Corpus
from assistant.ingest import ingest
from assistant.retrieval import rrf, search
from assistant.store import Store
from assistant.text import terms
from conftest import FakeEmbedder


def test_rrf_adds_reciprocal_ranks():
    fused = rrf([["a", "b", "c"], ["c", "a"]], k=60)
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert fused["b"] == pytest.approx(1 / 62)
    assert sorted(fused, key=fused.get, reverse=True) == ["a", "c", "b"]
    weighted = rrf([["a", "b"], ["b"]], [1.0, 0.5], k=60)
    assert weighted["b"] == pytest.approx(1 / 62 + 0.5 / 61)


def test_terms_are_stemmed_and_without_stopwords():
    assert terms("The delegations were visiting Moscow in 2025") == ["deleg", "visit", "moscow", "2025"]


def test_british_and_american_spellings_match():
    assert terms("organisations recognised the theatre's defence labour") == terms(
        "organizations recognized the theater's defense labor"
    )
    assert terms("your four hours") == ["four", "hour"]  # words that only look like "-our" spellings stay


@pytest.fixture
def corpus(tmp_path, docs):
    store = Store(tmp_path / "store")
    embedder = FakeEmbedder()
    ingest(docs, store, embedder, chunk_chars=400, chunk_overlap=1)
    return Corpus.load(store, embedder)


def test_hybrid_search_finds_exact_names_and_reports_both_ranks(corpus):
    passages = search(corpus, "Kim Su-gil forum For the Freedom of Nations", k=3)
    assert passages[0].source == "003_fb9d92a72d6051b6.txt"
    assert "Kim Su-gil" in passages[0].text
    assert passages[0].lexical_rank is not None and passages[0].dense_rank is not None
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    for p in passages:
        assert Path(p.file_path).read_text(encoding="utf-8")[p.start : p.end] == p.text


def test_each_retrievers_top_hit_is_kept_even_when_the_other_misses_it(corpus, monkeypatch):
    ids = corpus.ids
    dense, lexical = [ids[0]] + ids[2:40], [ids[1]] + ids[40:2:-1]  # ids[0] and ids[1]: one list each
    monkeypatch.setattr(corpus, "dense", lambda query, n: dense[:n])
    monkeypatch.setattr(corpus, "lexical", lambda query, n: lexical[:n])
    fused = rrf([dense[:30], lexical[:30]], [1.0, 0.5])
    assert ids[0] not in sorted(fused, key=fused.get, reverse=True)[:6]  # plain fusion would drop it
    found = [p.id for p in search(corpus, "anything", k=6)]
    assert len(found) == 6 and ids[0] in found and ids[1] in found


def test_search_with_only_stopwords_still_uses_dense(corpus):
    passages = search(corpus, "what is it", k=2)
    assert len(passages) == 2
    assert all(p.lexical_rank is None for p in passages)


def test_empty_store_returns_nothing(tmp_path):
    assert search(Corpus.load(Store(tmp_path / "empty"), FakeEmbedder()), "anything", k=3) == []
