"""Evidence sentences: exact spans of their files, ranked (no model; the embedder is a fake)."""

import numpy as np
import pytest

from assistant import evidence
from assistant.chunking import chunk_text
from assistant.corpus import Corpus
from assistant.models import Passage
from assistant.text import terms
from conftest import SEEDS, FakeEmbedder


def passage(text, source="a.txt"):
    return Passage(
        id=f"{source}#0", source=source, file_path=f"/x/{source}", title="T", start=0, end=len(text), text=text, score=1.0
    )


P1 = passage("On February 25, Dmitry Medvedev held talks with Ri Hi-Yong in Moscow. The talks were warm.")
P2 = passage("The treaty was signed on 19 June 2024 in Pyongyang.", "b.txt")
DF = {t: 1 for t in terms(P1.text + " " + P2.text)}


def corpus(*passages):
    """The passages as a corpus of their own (no store: the evidence needs no dense search)."""
    return Corpus([p.model_dump(include={"id", "text"}) for p in passages], FakeEmbedder())


def test_coverage_ignores_scaffold_words_and_weighs_rare_terms():
    assert evidence.coverage("On what date were talks held between Medvedev and Ri Hi-Yong?", [P1.text], DF, 10) == 1.0
    low = evidence.coverage("What did Medvedev say in Paris?", [P1.text, P2.text], DF | {"medvedev": 9}, 10)
    assert low < 0.5


def test_names_the_documents_never_mention():
    assert evidence.unknown_names("What did Medvedev tell Macron in Paris?", DF) == ["Macron", "Paris"]
    assert evidence.unknown_names("When did Medvedev meet Ri Hi-Yong?", DF) == []


def test_a_headline_is_not_glued_to_the_sentence_below_it():
    p = passage("Delegation Heads to Russia\n\nSEOUL - A delegation left on Monday. It met Putin.")
    assert [s for s, *_ in evidence.sentences([p, p])] == [
        "Delegation Heads to Russia",
        "SEOUL - A delegation left on Monday.",
        "It met Putin.",
    ]


def test_evidence_sentences_are_ranked_and_typed():
    found = evidence.select("When was the treaty signed?", "When was the treaty signed?", [P1, P2], corpus(P1, P2), 10)
    assert found[0].text == P2.text and found[0].passage is P2
    assert len(found) == 3  # every distinct sentence of the passages
    assert [e.score for e in found] == sorted((e.score for e in found), reverse=True)


def test_unseen_terms_weigh_most():
    assert np.isclose(evidence.idf("never", DF, 10), np.log(11))


@pytest.mark.parametrize(
    "line,title,is_context",
    [
        ("Opening hours of the Sunflower Bakery", "Bakery", True),  # a heading
        ("Libtasn1", "Libtasn1", True),  # the document's title
        ("^ Smith, J. (2001). A history. Oxford University Press.", "T", True),  # a footnote
        ("[11] Jones, A. Retrieved 3 May 2020.", "T", True),
        ("Monday to Friday: 7:00-18:00", "T", False),  # a label and its value
        ("The bakery opens at seven.", "T", False),
        ("Opened in 1998 by two sisters", "T", False),  # digits: a fact, not a heading
    ],
)
def test_headings_titles_and_references_are_context(line, title, is_context):
    assert evidence.is_context(line, line, title) is is_context


def test_a_sentence_the_last_answer_said_comes_last():
    q = "When was the treaty signed?"
    first = evidence.select(q, q, [P1, P2], corpus(P1, P2), 10)[0]
    again = evidence.select(q, q, [P1, P2], corpus(P1, P2), 10, said=f"“{first.text}” [1]")
    assert again[-1].text == first.text and again[0].text != first.text


def test_every_evidence_sentence_is_the_exact_span_of_its_file():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        passages = [
            Passage(id=c.id, source=path.name, file_path=str(path), title="T", start=c.start, end=c.end, text=c.text, score=1.0)
            for c in chunk_text(text, path.name)[:4]
        ]
        found = evidence.select("What talks?", "talks", passages, corpus(*passages), 100)
        assert found and all(text[e.start : e.end] == e.text for e in found)
        assert len({e.start for e in found}) == len(found)  # overlapping chunks share sentences: kept once
        c = found[0].cite(3)
        assert (c.n, c.start, c.end, c.text, c.file_path) == (3, found[0].start, found[0].end, found[0].text, str(path))
