"""Follow-ups: which questions lean on the turn before (plain logic, no model)."""

import pytest

from assistant.conversation import frame, is_follow_up, query, relevant

LAST = [("Who founded the observatory?", "“The observatory was founded by Maria Lopez in 1901.” [1]")]


@pytest.mark.parametrize(
    "question",
    [
        "Who did she meet there?",
        "When did that tour actually take place?",
        "What post did he hold before that?",
        "Which article does that clause refer to?",
        "And in 2024?",
        "What about the second telescope?",
        "How many people travelled with him?",
        "Who invited the North Korean delegation to it?",
        "Who was its first director?",
    ],
)
def test_a_question_that_points_back_is_a_follow_up(question):
    assert is_follow_up(question)
    assert relevant(question, LAST) == tuple(LAST)
    assert query(question, LAST) == f"{LAST[0][0]} {question}"
    assert frame(question, LAST) == (tuple(LAST), f"{LAST[0][0]} {question}")


@pytest.mark.parametrize(
    "question",
    [
        "What is the population of Lima?",
        "Why is Peru interested in Chile's anti-corruption experience?",
        "Is there a treaty between Peru and Chile?",
        "What did Lincoln say in his second inaugural address?",
        "When was the Treaty of Lima signed, and when did it come into force?",  # "it": the treaty, named before
        "Which treaty that Peru signed in 1999 ended the war?",
        "Which Russian cities did Maria Lopez visit?",
        "What must an application run after modifying its XML file?",  # "its": the application
        "How does the tungara frog keep its eggs safe?",
    ],
)
def test_a_question_that_names_what_it_asks_about_stands_alone(question):
    assert not is_follow_up(question)
    assert relevant(question, LAST) == ()
    assert frame(question, LAST) == ((), question)


def test_no_history_means_no_follow_up():
    assert relevant("Who did she meet there?", []) == ()
