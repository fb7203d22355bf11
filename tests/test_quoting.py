"""The fast mode's rules, with a fake base model (unit tests of logic: no real model here)."""

from assistant.evidence import Evidence
from assistant.models import Passage
from assistant.quoting import found_in, quote
from assistant.settings import PROMPTS
from conftest import FakeGenerator

P = Passage(id="a#0", source="a.txt", file_path="/x/a.txt", title="T", start=0, end=10, text="x", score=1.0)
TALKS = "On February 25, Dmitry Medvedev held talks with Ri Hi-Yong in Moscow."


def test_an_answer_is_found_when_every_term_is_in_the_sentence_and_something_is_new():
    q = "When did Medvedev hold talks with Ri Hi-Yong?"
    assert found_in("February 25", TALKS, q)
    assert not found_in("March 3", TALKS, q)  # not in the sentence
    assert not found_in("Medvedev", TALKS, q)  # adds nothing to the question
    assert not found_in("not stated", TALKS, q)


def test_the_best_sentence_is_quoted_when_it_or_the_answer_holds_the_kind_asked_for():
    best = [Evidence("The talks were warm.", P, 1.0), Evidence(TALKS, P, 0.5)]
    q = "When were the talks held?"
    assert quote(FakeGenerator("not stated"), PROMPTS, q, [], best, 2048, 40) is None  # no date in the best sentence
    assert quote(FakeGenerator("not stated"), PROMPTS, q, [], best, 2048, 40, type_check=False) is best[0]
    dated = [Evidence(TALKS, P, 1.0)]
    assert quote(FakeGenerator("February 25"), PROMPTS, q, [], dated, 2048, 40) is dated[0]
