"""End to end with the real embedded model, the real ONNX embedder and a real Chroma store on the seeds."""

import json
import os
import re
import time

import pytest

from assistant import Answer, Assistant, ModelError, Settings
from conftest import SEEDS

pytestmark = pytest.mark.slow


def test_answer_cites_the_exact_text_of_the_seed_file(real_assistant):
    answer = real_assistant.ask("Who led the WPK delegation to Moscow?")
    assert not answer.abstained
    assert answer.citations
    for c in answer.citations:
        assert (SEEDS / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.text
        assert c.title
    assert "Ri Hi-Yong" in answer.text and any("Ri Hi-Yong" in c.text for c in answer.citations)
    assert answer.model == Settings().model_label()
    assert answer.timings["total"] > 0


def test_store_on_disk_matches_the_seeds(real_assistant):
    real_assistant.ensure_ingested()
    stored = real_assistant.store.documents(str(SEEDS.resolve()))
    assert sorted(stored) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert real_assistant.ingest().chunks_embedded == 0  # nothing embedded again


def test_stream_then_answer_and_a_follow_up(real_assistant):
    t0, received = time.perf_counter(), []
    for event in real_assistant.stream("When did Choe Son-hui visit Moscow?"):
        received.append((event, time.perf_counter() - t0))
    (*stages, first), at = zip(*received)
    assert [s.step for s in stages] == ["searching", "reading", "checking"] and isinstance(first, Answer)
    assert at[1] < at[-1] - first.timings["generate"]  # "reading" arrived before the model read, not with the answer
    follow = real_assistant.ask("Who received her in the Kremlin?", history=[(first.question, first.text)])
    assert follow.signals["follow_up"] == 1.0  # read together with the turn before ...
    assert [p.source for p in follow.passages[:3]] == ["001_d4f8127ad0ec54d6.txt"] * 3  # ... searched with it too
    assert "Ri Hi-Yong" not in follow.text, follow.text  # asked alone, "her" is taken for another delegation's leader


def test_question_the_documents_do_not_answer(real_assistant):
    """Every name in it is in the documents, so the model reads it (no gate refuses it first)."""
    answer = real_assistant.ask("What is the population of Pyongyang?")
    assert answer.abstained and answer.citations == [] and "generate" in answer.timings


def test_broken_model_file_is_a_model_error(tmp_path):
    bad = tmp_path / "truncated.gguf"
    with open(Settings().model_path(), "rb") as model:
        bad.write_bytes(model.read(100_000))
    with pytest.raises(ModelError, match="Could not load the model .*ASSISTANT_MODEL or --model"):
        Assistant(model=bad, store=tmp_path / "s").generator  # noqa: B018 (loads it)


def test_a_prompt_gets_the_same_reply_whatever_came_before(real_assistant):
    """llama.cpp's prefix reuse shifts logits: every chat starts from its head's saved state (or an empty
    cache), never from what the question before left."""
    g = real_assistant.generator
    system = {"role": "system", "content": "You answer questions about documents in a few words. " * 20}
    asked = [system, {"role": "user", "content": "Does 'Kim met Putin in 2024' say who met Putin? Answer yes or no."}]
    alone, read = g.yes_probability(asked), g.read(asked, 8)
    g.chat([system, {"role": "user", "content": "Is the sky green? Answer yes or no."}], 3)  # the same prefix
    g.read([system, {"role": "user", "content": "Is the sea dry? Answer yes or no."}], 3)  # from the saved head
    assert g.yes_probability(asked) == alone and g.read(asked, 8) == read
    assert g.head_tokens[json.dumps([system])] > 200  # the system prompt is restored, not evaluated again


def test_a_head_state_saved_by_one_process_serves_the_next_and_a_damaged_one_is_made_again(tmp_path):
    """The reader's head (254 tokens, seconds to evaluate) is evaluated once per model file, not once
    per start: a new generator restores it from the states folder and replies exactly as one that
    evaluated it; a damaged state file is evaluated and saved again; the oldest beyond 8 are removed."""
    from assistant.generation import LlamaGenerator

    s = Settings()

    def fresh() -> LlamaGenerator:
        return LlamaGenerator(s.model_path(), n_ctx=s.n_ctx, threads=s.threads, temperature=0.0, seed=0, states=tmp_path)

    def counted(llm) -> list[int]:
        """The number of tokens of each evaluation the model runs from now on."""
        evaluated: list[int] = []
        evaluate = llm.eval
        llm.eval = lambda tokens: evaluated.append(len(tokens)) or evaluate(tokens)
        return evaluated

    system = {"role": "system", "content": "You answer questions about documents in a few words. " * 20}
    asked = [system, {"role": "user", "content": "Does 'Kim met Putin in 2024' say who met Putin? Answer yes or no."}]
    for n in range(8):  # states left by earlier prompts or models, the oldest first: 8 are kept in all
        old = tmp_path / f"old{n}.npz"
        old.write_bytes(b"PK")
        os.utime(old, (1e9 + n, 1e9 + n))
    first = fresh()
    reply, yes = first.read(asked, 8), first.yes_probability(asked)
    (saved,) = set(tmp_path.glob("*.npz")) - {tmp_path / f"old{n}.npz" for n in range(8)}
    assert sorted(p.name for p in tmp_path.glob("*")) == sorted([saved.name] + [f"old{n}.npz" for n in range(1, 8)])
    for damage in (None, b"not a state"):
        if damage:
            saved.write_bytes(damage)
        again = fresh()
        evaluated = counted(again.llm)
        assert again.read(asked, 8) == reply and again.yes_probability(asked) == yes
        head = again.head_tokens[json.dumps([system])]
        assert (head in evaluated) == bool(damage)  # restored, or evaluated again when damaged
    assert saved.read_bytes()[:2] == b"PK"  # saved again whole


# The questions a user met in the chat with a wrong answer shown as if verified (issue 35), and what a
# right answer must hold (None: the documents do not say, so it must be refused).
NEAR_MISSES = {
    "On what date did Sergei Shoigu visit Pyongyang?": None,  # they name Lavrov's visit's dates, not Shoigu's
    "When did Choe Son-hui visit Moscow?": ["14"],  # 14-18 January, not the day she left
    "When did the Comprehensive Strategic Partnership Treaty come into force?": ["December 4", "4 December"],  # not signed
    "Who led the North Korean delegation to the For the Freedom of Nations forum?": ["Kim Su-gil"],  # not Ri Hi-Yong
    "What did Choe Son-hui do in Moscow?": ["Putin", "Lavrov", "talks", "negotiat"],  # not "left Moscow"
}
# Still shown wrong on 2026-12-06 with the answerability second look (confidence 0.78, 0.82, 0.79 >= 0.7515): the
# cited sentence answers a neighbouring question about the same names, and the model says it answers this one.
# Strict: the day one is refused or right, the mark must go.
STILL_SHOWN = {
    "When did Choe Son-hui visit Moscow?": "18 January (the day she left), P(yes) 0.83",
    "When did the Comprehensive Strategic Partnership Treaty come into force?": "June 19, 2024 (signed), P(yes) 0.88",
    "What did Choe Son-hui do in Moscow?": "left Moscow and returned home the next day, P(yes) 0.85",
}


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(q, marks=pytest.mark.xfail(strict=True, reason=STILL_SHOWN[q])) if q in STILL_SHOWN else q
        for q in NEAR_MISSES
    ],
)
def test_a_near_miss_is_refused_or_answered_right(real_assistant, question):
    answer = real_assistant.ask(question)
    right = NEAR_MISSES[question]
    assert answer.abstained if right is None else (answer.abstained or any(r in answer.text for r in right)), answer.text


def test_a_shown_answer_is_a_sentence_that_says_what_it_is_about(real_assistant):
    answer = real_assistant.ask("Who led the WPK delegation to Moscow?")
    assert not answer.abstained and "Ri Hi-Yong" in answer.text and "delegation" in answer.text, answer.text
    assert answer.text.endswith(".") and re.search(r"\[1\]", answer.text)
    assert 0 < answer.confidence <= 1 and answer.signals["p_yes"] > 0.5
