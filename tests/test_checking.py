"""The reader's parse and the system's check, on plain strings (no model, no store)."""

import pytest

from assistant.checking import check, facts, holds
from assistant.evidence import Evidence
from assistant.models import Passage
from assistant.reading import is_abstention, parse
from assistant.text import fold


def sentence(text: str) -> Evidence:
    p = Passage(id="a.txt#0", source="a.txt", file_path="/x/a.txt", title="T", start=0, end=len(text), text=text, score=1.0)
    return Evidence(text=text, passage=p, score=1.0, start=0, end=len(text))


EVIDENCE = [
    sentence("Lincoln was taken across the street to the Petersen House, where he died the next morning."),
    sentence("Nearly 3,700 ships were sunk in the Battle of the Atlantic."),
    sentence("Caesium was found in mineral water from Bad Dürkheim, Germany."),
]


@pytest.mark.parametrize(
    "raw,answer,cited,not_stated",
    [
        ("Petersen House [1]", "Petersen House", [1], False),
        ("Nearly 3,700 ships [2][3]", "Nearly 3,700 ships", [2, 3], False),
        ("Answer: Bad Dürkheim [1, 3].", "Bad Dürkheim.", [1, 3], False),
        ("not stated", "not stated", [], True),
        ("The sentences do not say. [2]", "The sentences do not say.", [2], True),
        ("Lithium [7]", "Lithium", [], False),  # a number beyond the evidence is dropped
        ("", "", [], True),
    ],
)
def test_parse_reads_the_answer_and_its_sentence_numbers(raw, answer, cited, not_stated):
    r = parse(raw, n_evidence=3)
    assert (r.answer, r.cited, r.not_stated) == (answer, cited, not_stated)


def test_abstention_phrases_are_recognised():
    for text in ["The documents do not say.", "I don't know.", "This is not mentioned in the passages.", ""]:
        assert is_abstention(text)
    assert not is_abstention("Ri Hi-Yong led the delegation.")


def test_facts_are_names_and_numbers_folded():
    assert facts("In the Petersen House, 3,700 ships at Bad Dürkheim") == {"petersen", "house", "3700", "bad", "durkheim"}
    assert fold("Dürkheim 3,700") == "durkheim 3700"


@pytest.mark.parametrize(
    "raw,question,supported,sentences",
    [
        ("Petersen House [1]", "Where did Lincoln die after he was shot?", True, [0]),
        ("3,700 ships [2]", "How many ships went down in the Battle of the Atlantic?", True, [1]),
        ("3700 [2]", "How many ships went down in the Battle of the Atlantic?", True, [1]),  # thousands separator
        ("Bad Durkheim [1]", "Where was caesium found?", True, [2]),  # cited the wrong sentence: re-attached
        ("4,000 ships [2]", "How many ships went down in the Battle of the Atlantic?", False, []),  # a number not stated
        ("Ford's Theatre [1]", "Where did Lincoln die after he was shot?", False, []),  # a name not stated
        ("in a hospital bed [1]", "Where did Lincoln die after he was shot?", False, []),  # words not stated
        ("Petersen House [1][2]", "Where did Lincoln die?", True, [0]),  # a cited sentence that adds nothing is dropped
        ("not stated", "How old was Lincoln?", False, []),
    ],
)
def test_the_check_accepts_only_what_the_cited_sentences_state(raw, question, supported, sentences):
    verdict = check(parse(raw, 3), question, [], EVIDENCE, min_support=0.5)
    assert (verdict.supported, verdict.sentences) == (supported, sentences), verdict.reason


def test_a_follow_up_may_lean_on_the_previous_question():
    history = [("Where was caesium found?", "Bad Dürkheim")]
    verdict = check(parse("Germany [3]", 3), "In which country is it?", history, EVIDENCE, 0.5)
    assert verdict.supported and verdict.sentences == [2]


def test_min_support_is_the_share_of_new_content_words():
    text = "The flints could fire 60 rounds before they were sharpened."
    assert holds("60 rounds, then sharpened", "How many rounds?", text, 1.0)
    assert not holds("60 rounds, then sharpened entirely", "How many rounds?", text, 1.0)
    assert holds("60 rounds, then sharpened entirely", "How many rounds?", text, 0.5)
    assert not holds("60 rounds, then replaced entirely", "How many rounds?", text, 0.5)


@pytest.mark.parametrize(
    "answer,text",
    [
        ("15 votes to 8", "The motion passed by 15 votes to eight."),
        ("fifteen votes to eight", "The motion passed by 15 votes to 8."),
        ("twenty-three people", "Police said 23 people were arrested."),
    ],
)
def test_numbers_written_as_words_and_as_digits_are_the_same_number(answer, text):
    assert holds(answer, "What was the vote?", text, 0.5)
    other = answer.replace("8", "9").replace("eight", "nine").replace("23", "24").replace("twenty-three", "twenty-four")
    assert not holds(other, "What was the vote?", text, 0.5)


def context(text: str) -> Evidence:
    return Evidence(**{**sentence(text).__dict__, "context": True})


def test_a_heading_or_title_line_is_never_the_answer_alone():
    evidence = [context("Opening hours of the Sunflower Bakery"), sentence("The bakery opens at 7 am on weekdays.")]
    verdict = check(parse("Sunflower Bakery [1]", 2), "What is the bakery called?", [], evidence, 0.5)
    assert not verdict.supported  # only the heading states it
    verdict = check(parse("7 am on weekdays [1]", 2), "When does the Sunflower Bakery open?", [], evidence, 0.5)
    assert verdict.supported and verdict.sentences == [1]  # moved to the sentence below the heading


def test_an_answer_from_the_prompts_examples_is_not_moved_to_a_sentence_the_model_did_not_cite():
    examples = "[1] (Geneva talks) The committee met in Geneva."
    evidence = [sentence("The delegation flew home on Tuesday."), sentence("A Geneva bank paid for the trip.")]
    shown = {"examples": examples}  # what the reader's prompt showed the model
    assert check(parse("Geneva [2]", 2).model_copy(update=shown), "Where did they meet?", [], evidence, 0.5).supported
    assert not check(parse("Geneva [1]", 2).model_copy(update=shown), "Where did they meet?", [], evidence, 0.5).supported
    assert check(parse("Geneva [1]", 2), "Where did they meet?", [], evidence, 0.5).supported  # not an example


def test_a_sentence_answer_is_parsed_into_its_sentences_each_with_its_own_numbers():
    r = parse("Lincoln died in the Petersen House [1]. Nearly 3,700 ships were sunk. [2][3] Caesium [9].", 3)
    assert [(p.text, p.cited) for p in r.parts] == [
        ("Lincoln died in the Petersen House.", [1]),
        ("Nearly 3,700 ships were sunk.", [2, 3]),
        ("Caesium.", []),  # a number beyond the evidence is dropped
    ]
    claims = parse("It was designed by Anna Vestergaard [2] and completed in 1889 [1].", 3).parts
    assert [(p.text, p.cited) for p in claims] == [("It was designed by Anna Vestergaard", [2]), ("and completed in 1889.", [1])]
    assert r.cited == [1, 2, 3] and not r.not_stated


def test_each_sentence_of_an_answer_is_checked_and_one_no_sentence_states_is_dropped():
    raw = "Lincoln died in the Petersen House [1]. He was buried in Ford's Theatre [1]."
    verdict = check(parse(raw, 3), "Where did Lincoln die?", [], EVIDENCE, 0.5)
    assert verdict.supported and verdict.parts == [("Lincoln died in the Petersen House.", [0])]


def test_irregular_forms_count_as_the_same_word():
    text = "On Tuesday she met Alexander Novak, the deputy prime minister."
    assert holds("She met Alexander Novak", "Who did she meet?", text, 1.0)
    assert holds("She meets Alexander Novak", "Who did she see?", text, 1.0)  # meets = met, by lemma
    assert not holds("She left with Alexander Novak", "Who did she see?", text, 1.0)
