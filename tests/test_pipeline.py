"""The flow question -> cited answer, with the fake model and fake embedder (unit tests of logic)."""

import pytest

from assistant import Answer, QuestionError
from assistant.pipeline import clean_question


def check_citations(answer: Answer):
    for c in answer.citations:
        assert open(c.path, encoding="utf-8").read()[c.start : c.end] == c.text


def test_a_supported_answer_is_cited_by_the_system(fake_assistant):
    a = fake_assistant("Kim Su-gil led the delegation to the forum.")
    answer = a.ask("Who led the North Korean delegation to the For the Freedom of Nations forum?")
    assert not answer.abstained
    assert answer.text.startswith("Kim Su-gil led the delegation to the forum.")
    assert answer.text.endswith("[1]") or "[1][2]" in answer.text
    assert answer.citations and answer.citations[0].source == "003_fb9d92a72d6051b6.txt"
    check_citations(answer)
    assert set(answer.timings) == {"retrieve", "generate", "total"}
    assert answer.model == "fake-model"


def test_an_unsupported_answer_is_replaced_by_a_quoted_supporting_sentence(fake_assistant):
    a = fake_assistant("Napoleon Bonaparte led it, in 1812.")
    answer = a.ask("Who led the North Korean delegation to the For the Freedom of Nations forum?")
    assert "Napoleon" not in answer.text
    assert answer.text.startswith("“") and "Kim Su-gil" in answer.text
    assert len(answer.citations) == 1
    check_citations(answer)


def test_no_evidence_means_abstaining_without_asking_the_model(fake_assistant):
    a = fake_assistant("Something invented.")
    answer = a.ask("What is the recipe for Neapolitan pizza dough with sourdough starter?")
    assert answer.abstained and answer.text == "The documents do not say." and answer.citations == []
    assert a.generator.prompts == []  # the model was never asked


def test_the_model_saying_it_does_not_know_is_an_abstention(fake_assistant):
    a = fake_assistant("I don't know.")
    answer = a.ask("Who led the North Korean delegation to the For the Freedom of Nations forum?")
    assert answer.abstained and answer.citations == []


def test_the_prompt_holds_the_passages_and_the_history(fake_assistant):
    a = fake_assistant("March 1.")
    a.ask("And when did it return?", history=[("Who led the WPK delegation to Moscow?", "Ri Hi-Yong.")])
    messages = a.generator.prompts[0]
    assert messages[0]["role"] == "system" and "The documents do not say." in messages[0]["content"]
    assert [m["content"] for m in messages[1:3]] == ["Who led the WPK delegation to Moscow?", "Ri Hi-Yong."]
    assert "[1] " in messages[-1]["content"] and messages[-1]["content"].endswith("Question: And when did it return?")


def test_stream_yields_text_then_the_answer(fake_assistant):
    a = fake_assistant("Kim Su-gil led the delegation.")
    parts = list(a.stream("Who led the delegation to the For the Freedom of Nations forum?"))
    assert all(isinstance(p, str) for p in parts[:-1]) and isinstance(parts[-1], Answer)
    assert "".join(parts[:-1]).strip() == "Kim Su-gil led the delegation."


def test_empty_and_control_character_questions(fake_assistant):
    a = fake_assistant()
    for bad in ["", "   ", "\n\t", "\x00\x01"]:
        with pytest.raises(QuestionError, match="The question is empty"):
            a.ask(bad)
    assert clean_question("Who\x00 led\x1b it?") == "Who  led  it?"


def test_a_question_longer_than_the_context_is_refused_with_the_fix(fake_assistant):
    a = fake_assistant(n_ctx=512)
    with pytest.raises(QuestionError, match="too long for the model's context.*ASSISTANT_N_CTX"):
        a.ask("delegation " * 1000)


def test_long_questions_drop_passages_before_failing(fake_assistant):
    a = fake_assistant("Kim Su-gil.", n_ctx=512, top_k=8)
    a.ask("Who led the delegation to the For the Freedom of Nations forum? " + "please " * 150)
    user = a.generator.prompts[0][-1]["content"]
    assert 0 < user.count("\n[") + user.startswith("[") < 8


def test_first_ask_ingests_a_brand_new_store_and_notices_changes(fake_assistant, docs):
    a = fake_assistant("Kim Su-gil.")
    a.ask("Who led the delegation to the For the Freedom of Nations forum?")
    assert a.store.count() > 0
    (docs / "new.md").write_text("# Note\nThe meeting happened in Khabarovsk.", encoding="utf-8")
    b = fake_assistant("The meeting.")
    answer = b.ask("What happened in Khabarovsk?")
    assert answer.passages[0].source == "new.md" and answer.passages[0].title == "Note"
