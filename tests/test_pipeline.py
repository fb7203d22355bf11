"""The flow question -> cited answer, with the fake model and fake embedder (unit tests of logic)."""

import re

import pytest

from assistant import Answer, QuestionError
from assistant.pipeline import clean_question


def check_citations(answer: Answer):
    for c in answer.citations:
        assert open(c.file_path, encoding="utf-8").read()[c.start : c.end] == c.text


QUESTION = "Who led the North Korean delegation to the For the Freedom of Nations forum?"


def test_a_supported_answer_is_short_and_cites_its_sentence(fake_assistant):
    a = fake_assistant("Kim Su-gil [2]")
    answer = a.ask(QUESTION)
    assert not answer.abstained and answer.text == "Kim Su-gil [1]"
    [c] = answer.citations
    assert c.n == 1 and c.source == "003_fb9d92a72d6051b6.txt" and "Kim Su-gil" in c.text
    assert c.text.count(". ") == 0 and len(c.text) < 300  # one sentence, not its whole chunk
    check_citations(answer)
    assert set(answer.timings) == {"retrieve", "generate", "total"}
    assert answer.model == "fake-model" and answer.verdict


def test_an_answer_the_evidence_does_not_state_becomes_an_abstention(fake_assistant):
    a = fake_assistant("Napoleon Bonaparte [1]")
    answer = a.ask(QUESTION)
    assert answer.abstained and answer.citations == [] and "Napoleon" in answer.verdict


def test_the_models_not_stated_is_an_abstention(fake_assistant):
    answer = fake_assistant("not stated").ask(QUESTION)
    assert answer.abstained and answer.text == "The documents do not say." and answer.citations == []


def test_no_evidence_means_abstaining_without_asking_the_model(fake_assistant):
    a = fake_assistant("Something invented.")
    for question in ["What is the recipe for Neapolitan pizza dough with sourdough starter?",
                     "What did Kim Jong-un tell Emmanuel Macron in Paris?"]:  # names the documents never mention
        answer = a.ask(question)
        assert answer.abstained and answer.text == "The documents do not say." and answer.citations == []
    assert a.generator.prompts == []  # the model was never asked


def test_a_two_sentence_answer_cites_each_sentence(tmp_path, fake_assistant):
    folder = tmp_path / "committee"
    folder.mkdir()
    (folder / "c.txt").write_text("The committee met in Geneva in 2023. Its chair was Maria Lopez.", encoding="utf-8")
    a = fake_assistant("Maria Lopez, in Geneva [1][2]", source=folder)
    answer = a.ask("Who chaired the committee and where did it meet?")
    assert answer.text == "Maria Lopez, in Geneva [1][2]"
    assert sorted(c.text for c in answer.citations) == ["Its chair was Maria Lopez.", "The committee met in Geneva in 2023."]
    check_citations(answer)


def test_the_prompt_numbers_the_evidence_with_titles_and_holds_the_last_turn(fake_assistant):
    a = fake_assistant("March 1 [1]")
    a.ask("And when did it return?", history=[("Who led the WPK delegation to Moscow?", "Ri Hi-Yong.")])
    system, user = a.generator.prompts[0]
    assert "not stated" in system["content"]
    assert user["content"].startswith("[1] (") and "\n[2] (" in user["content"]
    assert "Earlier question: Who led the WPK delegation to Moscow?\nEarlier answer: Ri Hi-Yong." in user["content"]
    assert user["content"].endswith("Question: And when did it return?")
    assert "Ri Hi-Yong" in user["content"].split("Earlier question")[0]  # evidence retrieved with the earlier question


def test_a_base_model_gets_a_completion_prompt(tmp_path, docs):
    from assistant import Assistant, Settings
    from conftest import FakeEmbedder, FakeGenerator

    a = Assistant(Settings(store=tmp_path / "s", source=docs), embedder=FakeEmbedder(),
                  generator=FakeGenerator("Kim Su-gil [2]", chat_template=False))
    answer = a.ask(QUESTION)
    prompt = a.generator.prompts[0]
    assert isinstance(prompt, str) and prompt.endswith(f"Question: {QUESTION}\nAnswer:")
    assert answer.text == "Kim Su-gil [1]"


def test_stream_yields_text_then_the_answer(fake_assistant):
    a = fake_assistant("Kim Su-gil [2]")
    parts = list(a.stream(QUESTION))
    assert all(isinstance(p, str) for p in parts[:-1]) and isinstance(parts[-1], Answer)
    assert "".join(parts[:-1]).strip() == "Kim Su-gil [2]"


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


def test_long_questions_drop_evidence_before_failing(fake_assistant):
    question = "Who led the delegation to the For the Freedom of Nations forum? " + "- " * 270  # long, but no words
    a = fake_assistant("Kim Su-gil", n_ctx=512)
    a.ask(question)
    prompt = "\n".join(m["content"] for m in a.generator.prompts[0])
    assert a.generator.count_tokens(prompt) <= 512 - a.settings.max_tokens
    full = fake_assistant("Kim Su-gil", n_ctx=4096)
    full.ask(question)
    numbered = lambda messages: len(re.findall(r"^\[\d+\] ", messages[1]["content"], re.M))  # noqa: E731
    assert 0 < numbered(a.generator.prompts[0]) < numbered(full.generator.prompts[0])


def test_first_ask_ingests_a_brand_new_store_and_notices_changes(fake_assistant, docs):
    a = fake_assistant("Kim Su-gil.")
    a.ask("Who led the delegation to the For the Freedom of Nations forum?")
    assert a.store.count() > 0
    (docs / "new.md").write_text("# Note\nThe meeting happened in Khabarovsk.", encoding="utf-8")
    b = fake_assistant("The meeting.")
    answer = b.ask("What happened in Khabarovsk?")
    assert answer.passages[0].source == "new.md" and answer.passages[0].title == "Note"
