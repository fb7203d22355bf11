"""The flow question -> cited answer, with the fake model and fake embedder (unit tests of logic)."""

import math
import re
from pathlib import Path

import pytest
from filelock import FileLock

from assistant import Answer, QuestionError, Stage
from assistant.errors import StoreBusy
from assistant.pipeline import clean_question
from conftest import make_folder

QUESTION = "Who led the North Korean delegation to the For the Freedom of Nations forum?"


def check_citations(answer: Answer):
    for c in answer.citations:
        assert Path(c.file_path).read_text(encoding="utf-8")[c.start : c.end] == c.text


def committee(tmp_path, text: str):
    """A one-file documents folder holding `text`."""
    return make_folder(tmp_path / "committee", {"c.txt": text})


def quoted(answer: Answer) -> str:
    """The verbatim part of a quoted answer."""
    assert answer.text.startswith("“") and answer.text.endswith("” [1]"), answer.text
    return answer.text[1:-5].strip("…")


def test_a_supported_answer_becomes_a_verbatim_quote_of_its_whole_sentence_with_its_citation(fake_assistant):
    answer = fake_assistant("Kim Su-gil").ask(QUESTION)
    assert not answer.abstained
    quote = quoted(answer)
    assert "Kim Su-gil" in quote and not answer.text.startswith("“…") and "…”" not in answer.text
    assert len(answer.citations) == 1 and answer.citations[0].source == "003_fb9d92a72d6051b6.txt"
    assert quote == answer.citations[0].text  # the whole sentence it cites
    check_citations(answer)
    assert set(answer.timings) == {"retrieve", "generate", "total"}
    assert answer.model == "fake-model"


def test_an_unsupported_answer_is_replaced_by_the_best_evidence_sentence(fake_assistant):
    answer = fake_assistant("Napoleon Bonaparte, in 1812").ask(QUESTION)
    assert "Napoleon" not in answer.text and "Kim Su-gil" in quoted(answer)
    check_citations(answer)


def test_no_evidence_means_abstaining_without_asking_the_model(fake_assistant):
    a = fake_assistant("Something invented.")
    for question in [
        "What is the recipe for Neapolitan pizza dough with sourdough starter?",
        "What did Kim Jong-un tell Emmanuel Macron in Paris?",
    ]:  # names the documents never mention
        answer = a.ask(question)
        assert answer.abstained and answer.text == "I could not find this in the documents." and answer.citations == []
    assert a.generator.prompts == []  # the model was never asked


def test_evidence_without_the_kind_of_answer_asked_for_means_abstaining(tmp_path, fake_assistant):
    folder = committee(tmp_path, "The committee met in Geneva. Its chair, Maria Lopez, praised the talks.")
    a = fake_assistant("in Geneva", source=folder)
    answer = a.ask("When did the committee chaired by Maria Lopez meet in Geneva?")
    assert a.generator.prompts and answer.abstained and answer.citations == []


def test_a_date_the_model_missed_is_quoted_in_its_whole_sentence(tmp_path, fake_assistant):
    filler = " ".join(["and the members of the committee talked at length about the budget"] * 4)
    folder = committee(
        tmp_path, f"The committee chaired by Maria Lopez met in Geneva {filler} on 14 March 2023 {filler} before it went home."
    )
    answer = fake_assistant("Napoleon", source=folder).ask("When did the committee chaired by Maria Lopez meet in Geneva?")
    quote = quoted(answer)
    assert "14 March 2023" in quote and quote == answer.citations[0].text  # as far as its passage holds it


def test_the_prompt_holds_the_evidence_and_the_last_turn(fake_assistant):
    a = fake_assistant("March 1")
    a.ask("And when did it return?", history=[("Who led the WPK delegation to Moscow?", "Ri Hi-Yong.")])
    prompt = a.generator.prompts[0]
    assert "Earlier question: Who led the WPK delegation to Moscow?\nEarlier answer: Ri Hi-Yong." in prompt
    assert prompt.endswith("Question: And when did it return?\nAnswer:")
    assert "Ri Hi-Yong" in prompt.split("Earlier answer")[1]  # evidence retrieved with the earlier question


def test_stream_yields_each_step_as_it_begins_then_only_the_checked_answer(fake_reader):
    a = fake_reader("Napoleon Bonaparte [1]", yes=0.3)  # refused by the check: never shown
    events = []
    for event in a.stream(QUESTION):
        events.append((event, len(a.generator.prompts), len(a.generator.checks)))  # the model's calls so far
    *stages, (answer, _, _) = events
    assert [(s.step, read, checked) for s, read, checked in stages] == [
        ("searching", 0, 0),
        ("reading", 0, 0),
        ("checking", 1, 0),
    ]
    assert all(isinstance(s, Stage) for s, *_ in stages) and [s.elapsed for s, *_ in stages] == sorted(
        s.elapsed for s, *_ in stages
    )
    assert isinstance(answer, Answer) and answer.abstained and answer.text == "I could not find this in the documents."


def test_empty_and_control_character_questions(fake_assistant):
    a = fake_assistant()
    for bad in ["", "   ", "\n\t", "\x00\x01"]:
        with pytest.raises(QuestionError, match="The question is empty"):
            a.ask(bad)
    assert clean_question("Who\x00 led\x1b it?") == "Who  led  it?"


def test_a_question_longer_than_the_context_is_refused_with_the_fix(fake_assistant):
    with pytest.raises(QuestionError, match=r"too long: [\d,]+ characters, at most 1,024. Shorten it."):
        fake_assistant(n_ctx=512).ask("delegation " * 1000)


def test_long_questions_drop_evidence_before_failing(fake_assistant):
    question = "Who led the delegation to the For the Freedom of Nations forum? " + "- " * 270  # long, but no words
    a = fake_assistant("Kim Su-gil", n_ctx=512, max_tokens=40)
    a.ask(question)
    prompt = a.generator.prompts[0]
    assert a.generator.count_tokens(prompt) <= 512 - a.settings.max_tokens
    full = fake_assistant("Kim Su-gil", n_ctx=4096)
    full.ask(question)
    text = lambda p: p.rsplit("Text: ", 1)[1].split("\nQuestion:")[0]  # noqa: E731
    kept, every = text(prompt), text(full.generator.prompts[0])
    assert 0 < len(kept) < len(every) and every.startswith(kept)  # the weakest sentences are the ones dropped


def test_first_ask_ingests_a_brand_new_store_and_notices_changes(fake_assistant, docs):
    a = fake_assistant("Kim Su-gil.")
    a.ask("Who led the delegation to the For the Freedom of Nations forum?")
    assert a.store.count() > 0
    (docs / "new.md").write_text("# Note\nThe meeting happened in Khabarovsk.", encoding="utf-8")
    b = fake_assistant("The meeting.")
    answer = b.ask("What happened in Khabarovsk?")
    assert answer.passages[0].source == "new.md" and answer.passages[0].title == "Note"


def test_while_another_process_writes_the_store_questions_are_answered_from_it_as_it_is(fake_assistant, docs):
    fake_assistant().ensure_ingested()
    (docs / "new.md").write_text("# Note\nThe meeting happened in Khabarovsk.", encoding="utf-8")
    busy = fake_assistant("Kim Su-gil.")
    with FileLock(str(busy.store.path) + ".lock"):  # another process's ingest, running
        assert busy.ensure_ingested() is None
        answer = busy.ask("Who led the delegation to the For the Freedom of Nations forum?")
    assert "Kim Su-gil" in answer.text and "new.md" not in {p.source for p in answer.passages}
    empty = fake_assistant(store=docs.parent / "other")
    with FileLock(str(empty.store.path) + ".lock"), pytest.raises(StoreBusy, match="Another process is writing"):
        empty.ensure_ingested()  # nothing to answer from: the user is told why


# -- an instruct model reads the numbered evidence; the system checks what it says ----------------


def test_a_supported_short_answer_cites_its_sentence(fake_reader):
    answer = fake_reader("Kim Su-gil [1]").ask(QUESTION)
    assert not answer.abstained and answer.text == "Kim Su-gil [1]"
    [c] = answer.citations
    assert c.n == 1 and c.source == "003_fb9d92a72d6051b6.txt" and "Kim Su-gil" in c.text
    assert len(c.text) < 300 and "\n" not in c.text  # one sentence, not its whole chunk
    check_citations(answer)
    assert answer.verdict.startswith("supported")


def test_an_answer_the_evidence_does_not_state_is_an_abstention_with_the_closest_passages(fake_reader):
    answer = fake_reader("Napoleon Bonaparte [1]", yes=0.3).ask(QUESTION)
    assert answer.abstained and answer.text == "I could not find this in the documents." and not answer.citations
    assert "Napoleon" in answer.verdict and answer.passages  # kept, to be shown as not an answer
    assert answer.candidate == "Napoleon Bonaparte" and answer.signals["unsupported"] == 1.0  # for the eval, never shown


def test_not_stated_is_an_abstention_not_a_quote(fake_reader):
    a = fake_reader("not stated")
    answer = a.ask(QUESTION)
    assert answer.abstained and answer.text == "I could not find this in the documents." and not answer.citations
    assert a.generator.checks == []  # nothing to look at twice


def test_a_confidence_under_the_threshold_is_an_abstention(fake_reader):
    a = fake_reader("Kim Su-gil [1]", yes=0.6)
    answer = a.ask(QUESTION)
    assert answer.abstained and answer.text == "I could not find this in the documents." and answer.signals["p_yes"] == 0.6
    assert answer.confidence == round(1 / (1 + math.exp(1)), 4)  # (0.6 - 0.65) / 0.05 = -1 under the fake calibration
    [[check]] = a.generator.checks
    assert "Question: " + QUESTION in check["content"] and "Kim Su-gil" not in check["content"].split("Question:")[1]
    assert "Kim Su-gil" in check["content"].split("Question:")[0]  # asked of the cited sentence, not shown the answer
    assert answer.verdict.startswith("'Kim Su-gil': ") and "confidence 0.27 is under 0.50" in answer.verdict  # what was refused
    assert fake_reader("Kim Su-gil [1]", yes=0.6, min_confidence=0.2).ask(QUESTION).text == "Kim Su-gil [1]"  # a setting


def test_the_second_look_is_one_signal_and_can_be_switched_off(fake_reader):
    kept = fake_reader("Kim Su-gil [1]", yes=0.9).ask(QUESTION)
    assert not kept.abstained and kept.confidence > 0.99 and "verify" in kept.timings
    off = fake_reader("Kim Su-gil [1]", yes=0.0, verify=False)
    answer = off.ask(QUESTION)
    assert "p_yes" not in answer.signals and off.generator.checks == [] and "verify" not in answer.timings
    assert answer.confidence == 0.5  # the one signal not measured counts as its dev mean


def test_a_two_sentence_answer_cites_each_sentence(tmp_path, fake_reader):
    folder = committee(tmp_path, "The committee met in Geneva in 2023. Its chair was Maria Lopez.")
    answer = fake_reader("Maria Lopez, in Geneva [1][2]", source=folder).ask("Who chaired the committee and where did it meet?")
    assert answer.text == "Maria Lopez, in Geneva [1][2]"
    assert sorted(c.text for c in answer.citations) == ["Its chair was Maria Lopez.", "The committee met in Geneva in 2023."]
    check_citations(answer)


def test_the_reader_gets_numbered_sentences_with_titles_and_the_last_turn(fake_reader):
    a = fake_reader("March 1 [1]")
    a.ask("And when did it return?", history=[("Who led the WPK delegation to Moscow?", "Ri Hi-Yong.")])
    system, user = a.generator.prompts[0]
    assert "not stated" in system["content"]
    assert user["content"].startswith("[1] (") and "\n[5] (" in user["content"]
    assert "Earlier question: Who led the WPK delegation to Moscow?\nEarlier answer: Ri Hi-Yong." in user["content"]
    assert user["content"].endswith("Question: And when did it return?")


def test_the_reader_drops_evidence_to_fit_the_context(fake_reader):
    question = QUESTION + " " + "- " * 150  # long, but no words
    short, full = fake_reader("Kim Su-gil [1]", n_ctx=512), fake_reader("Kim Su-gil [1]", n_ctx=4096)
    short.ask(question), full.ask(question)
    numbered = lambda a: len(re.findall(r"^\[\d+\] ", a.generator.prompts[0][1]["content"], re.M))  # noqa: E731
    assert 0 < numbered(short) < numbered(full) == 5


def test_a_self_contained_question_after_another_is_answered_as_if_asked_alone(fake_assistant):
    question = "Who led the delegation to the For the Freedom of Nations forum?"
    alone = fake_assistant("Kim Su-gil led the delegation.").ask(question)
    after = fake_assistant("Kim Su-gil led the delegation.").ask(
        question, history=[("What is the population of Pyongyang?", "I could not find this in the documents.")]
    )
    assert after.text == alone.text and after.citations == alone.citations
    assert [p.id for p in after.passages] == [p.id for p in alone.passages]


def test_a_follow_up_does_not_quote_the_last_answer_again(fake_assistant):
    a = fake_assistant("not stated", "not stated")
    first = a.ask("When did Choe Son-hui visit Moscow?")
    again = a.ask("And when was that?", history=[(first.question, first.text)])  # the same best sentence
    assert not first.abstained and not again.abstained and again.citations[0].text != first.citations[0].text


def test_a_question_in_another_script_is_told_so(fake_assistant):
    a = fake_assistant("Kim Su-gil")
    answer = a.ask("누가 대표단을 이끌었습니까?")
    assert answer.abstained and not answer.citations and "Hangul" in answer.text and "Latin" in answer.text
    assert a.generator.prompts == []  # decided before the model


def test_a_question_in_another_language_is_told_so(fake_assistant):
    a = fake_assistant("Kim Su-gil")
    answer = a.ask("Qui a dirigé la délégation du parti à Moscou en février ?")
    assert answer.abstained and not answer.citations
    assert "French" in answer.text and "English" in answer.text, answer.text
    assert a.generator.prompts == []  # decided before the model
    assert not a.ask("Who led the party delegation to Moscow in February?").abstained
