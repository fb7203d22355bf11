from assistant import grounding
from assistant.models import Passage


def passage(text, source="a.txt", i=0):
    return Passage(id=f"{source}#{i}", source=source, path=f"/x/{source}", title="T", start=0, end=len(text),
                   text=text, score=1.0)


P1 = passage("On February 25, Dmitry Medvedev held talks with Ri Hi-Yong in Moscow.")
P2 = passage("The treaty was signed on 19 June 2024 in Pyongyang.", "b.txt")
DF = {t: 1 for t in grounding.terms(P1.text + " " + P2.text)}


def test_abstention_phrases_are_recognised():
    for text in ["The documents do not say.", "I don't know.", "This is not mentioned in the passages.", ""]:
        assert grounding.is_abstention(text)
    assert not grounding.is_abstention("Ri Hi-Yong led the delegation.")


def test_coverage_is_low_when_a_rare_key_term_is_missing():
    assert grounding.coverage("When were talks held between Medvedev and Ri Hi-Yong?", [P1, P2], DF, 10) == 1.0
    # "Paris" appears nowhere: it weighs more than the common terms that are found
    low = grounding.coverage("What did Medvedev say in Paris?", [P1, P2], DF | {"medvedev": 9, "say": 9}, 10)
    assert low < 0.5


def test_citations_go_to_the_passages_that_support_the_answer():
    cites = grounding.cite("Medvedev met Ri Hi-Yong on February 25.", [P2, P1])
    assert [c.source for c in cites] == ["a.txt"]
    assert cites[0].n == 1 and cites[0].text == P1.text and cites[0].score >= 0.6
    assert grounding.cite("The summit was in Vladivostok in September.", [P1, P2]) == []


def test_best_sentence_prefers_the_one_covering_the_question():
    sentence, p = grounding.best_sentence("When was the treaty signed?", [P1, P2], DF, 10)
    assert p is P2 and sentence.startswith("The treaty was signed")


def test_model_markers_are_removed():
    assert grounding.strip_markers("He went there [1] in May [2].") == "He went there in May."
