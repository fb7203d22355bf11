"""Evidence sentences are exact spans of their files, ranked by the query (fake embedder, no model)."""

from assistant import evidence
from assistant.chunking import chunk_text
from assistant.models import Passage
from assistant.text import terms
from conftest import SEEDS, FakeEmbedder


def passages_of(path, n=3):
    text = path.read_text(encoding="utf-8")
    return [Passage(id=c.id, source=path.name, file_path=str(path), title="T", start=c.start, end=c.end, text=c.text,
                    score=1.0) for c in chunk_text(text, path.name)[:n]], text


def test_every_sentence_is_the_exact_span_of_its_file_and_appears_once():
    for path in sorted(SEEDS.glob("*.txt")):
        passages, text = passages_of(path)
        found = [s for s, _ in evidence.sentences(passages)]
        assert found and all(text[s.start : s.end] == s.text and s.text == s.text.strip() for s in found)
        assert len({s.start for s in found}) == len(found)  # overlapping chunks share sentences: kept once
        cited = found[0].cite(3)
        assert (cited.n, cited.start, cited.end, cited.text, cited.file_path) == (3, found[0].start, found[0].end,
                                                                                  found[0].text, str(path))


def test_select_ranks_the_sentence_that_covers_the_query_first():
    path = SEEDS / "003_fb9d92a72d6051b6.txt"
    passages, _ = passages_of(path, n=5)
    all_text = " ".join(p.text for p in passages)
    df = {t: 1 for t in terms(all_text)}
    best = evidence.select("Who led the delegation? Kim Su-gil", passages, FakeEmbedder().embed, df, 10, k=2)
    assert len(best) == 2 and "Kim Su-gil" in best[0].text and best[0].score >= best[1].score


def test_coverage_ignores_scaffold_words_and_weighs_rare_terms():
    text = "On February 25, Dmitry Medvedev held talks with Ri Hi-Yong in Moscow."
    df = {t: 1 for t in terms(text)}
    assert evidence.coverage("On what date were talks held between Medvedev and Ri Hi-Yong?", [text], df, 10) == 1.0
    assert evidence.coverage("What did Medvedev say in Paris?", [text], df | {"medvedev": 9}, 10) < 0.5
