import numpy as np
import pytest

from assistant import grounding
from assistant.text import terms
from assistant.models import Passage
from conftest import FakeEmbedder


def passage(text, source="a.txt"):
    return Passage(id=f"{source}#0", source=source, file_path=f"/x/{source}", title="T", start=0, end=len(text),
                   text=text, score=1.0)


P1 = passage("On February 25, Dmitry Medvedev held talks with Ri Hi-Yong in Moscow. The talks were warm.")
P2 = passage("The treaty was signed on 19 June 2024 in Pyongyang.", "b.txt")
DF = {t: 1 for t in terms(P1.text + " " + P2.text)}


def test_coverage_ignores_scaffold_words_and_weighs_rare_terms():
    assert grounding.coverage("On what date were talks held between Medvedev and Ri Hi-Yong?", [P1.text], DF, 10) == 1.0
    low = grounding.coverage("What did Medvedev say in Paris?", [P1.text, P2.text], DF | {"medvedev": 9}, 10)
    assert low < 0.5


def test_names_the_documents_never_mention():
    assert grounding.unknown_names("What did Medvedev tell Macron in Paris?", DF) == ["Macron", "Paris"]
    assert grounding.unknown_names("When did Medvedev meet Ri Hi-Yong?", DF) == []


def test_answer_types():
    assert grounding.answer_type("Who led the delegation?") == "name"
    assert grounding.answer_type("In what year was it signed?") == "year"
    assert grounding.answer_type("When was the treaty signed?") == "date"
    assert grounding.answer_type("How many troops are there?") == "number"
    assert grounding.answer_type("Which agency reported it?") == "name"
    assert grounding.answer_type("In which city was it signed?") == "name"
    assert grounding.answer_type("What city was it signed in?") is None  # only "which" and "who" ask for a name
    assert grounding.answer_type("What did the minister say?") is None  # "did" ends the "what X" phrase
    assert grounding.answer_type("Which was first?") is None
    assert grounding.answer_type("What did he say?") is None
    q = "How many troops are in Kursk?"
    assert not grounding.has_type("On October 24, 2024, Putin spoke of troops in Kursk.", "number", q)
    assert grounding.has_type("About 11,000 troops are in Kursk.", "number", q)
    assert grounding.has_type("They met on 19 June.", "date", "When did they meet?")
    assert not grounding.has_type("They met in Geneva.", "date", "When did they meet?")
    assert grounding.has_type("They left on Monday.", "date", "What day of the week did they leave?")
    assert not grounding.has_type("On December 4 the ministers met.", "name", "Which agency was there?")
    assert grounding.has_type("It was reported by Yonhap.", "name", "Which agency reported it?")
    # "Korea" is no new name for a question about the North Korean guest; "Article 4" counts nothing
    assert not grounding.has_type("Even Chinese platforms noted ties with North Korea.", "name",
                                  "Which Chinese platform commented on the North Korean guest?")
    assert not grounding.has_type("Putin said the treaty contains Article 4.", "number", "How many troops are there?")
    assert grounding.has_type("The treaty has 23 articles.", "number", "How many articles has the treaty?")


def test_a_name_is_a_new_capitalised_word_past_the_first():
    who = "Who led the Russian delegation?"
    assert grounding.typed_words("It was led by Deputy Minister Ri Hi-Yong.", "name", who) == [
        "Deputy", "Minister", "Ri", "Hi-Yong"]
    assert not grounding.has_type("The Russian delegation met in March.", "name", who)  # "Russia" is asked, March no name


def test_a_headline_is_not_glued_to_the_sentence_below_it():
    p = passage("Delegation Heads to Russia\n\nSEOUL - A delegation left on Monday. It met Putin.")
    assert [s for s, *_ in grounding.sentences([p, p])] == [
        "Delegation Heads to Russia", "SEOUL - A delegation left on Monday.", "It met Putin."]


def test_evidence_sentences_are_ranked_and_typed():
    embed = FakeEmbedder().embed
    evidence = grounding.select_evidence("When was the treaty signed?", "When was the treaty signed?", [P1, P2], embed, DF, 10)
    assert evidence[0].text == P2.text and evidence[0].passage is P2
    assert len(evidence) == 3  # every distinct sentence of the passages
    assert [e.score for e in evidence] == sorted((e.score for e in evidence), reverse=True)


def test_support_needs_every_answer_term_in_one_sentence_and_something_new():
    evidence = [grounding.Evidence(s, P1, 1.0) for s in ["On February 25, Dmitry Medvedev held talks with Ri Hi-Yong in Moscow.", "The talks were warm."]]
    q = "When did Medvedev hold talks with Ri Hi-Yong?"
    assert grounding.supported("February 25", evidence, q) is evidence[0]
    assert grounding.supported("March 3", evidence, q) is None  # not in the evidence
    assert grounding.supported("Medvedev", evidence, q) is None  # adds nothing to the question
    assert grounding.supported("not stated", evidence, q) is None


def test_unseen_terms_weigh_most():
    assert np.isclose(grounding.idf("never", DF, 10), np.log(11))


@pytest.mark.parametrize("line,title,is_context", [
    ("Opening hours of the Sunflower Bakery", "Bakery", True),  # a heading
    ("Libtasn1", "Libtasn1", True),  # the document's title
    ("^ Smith, J. (2001). A history. Oxford University Press.", "T", True),  # a footnote
    ("[11] Jones, A. Retrieved 3 May 2020.", "T", True),
    ("Monday to Friday: 7:00-18:00", "T", False),  # a label and its value
    ("The bakery opens at seven.", "T", False),
    ("Opened in 1998 by two sisters", "T", False),  # digits: a fact, not a heading
])
def test_headings_titles_and_references_are_context(line, title, is_context):
    assert grounding.is_context(line, line, title) is is_context
