"""The answer's confidence: signals from plain strings and sentences, and the calibrator that turns
them into one probability (no model; the fitted calibration.json as shipped)."""

from assistant import calibration
from assistant.checking import Verdict, signals
from assistant.evidence import Evidence
from assistant.models import Passage
from assistant.reading import parse


def evidence(*texts: str, title: str = "Visits") -> list[Evidence]:
    """The texts as consecutive sentences of one passage, each an exact span of it."""
    whole = " ".join(texts)
    p = Passage(id="a.txt#0", source="a.txt", file_path="/x/a.txt", title=title, start=0, end=len(whole), text=whole, score=1.0)
    out, start = [], 0
    for t in texts:
        out.append(Evidence(text=t, passage=p, score=1.0, start=start, end=start + len(t)))
        start += len(t) + 1
    return out


def signals_of(raw: str, question: str, sentences: list[Evidence], history=()) -> dict[str, float]:
    reading = parse(raw, len(sentences))
    verdict = Verdict(supported=True, parts=[(p.text, [n - 1 for n in p.cited]) for p in reading.parts], reason="cited")
    return signals(reading, question, list(history), sentences, verdict)


def test_a_sentence_that_does_not_name_whom_the_question_asks_about_covers_less_of_it():
    sentences = evidence("Foreign Minister Sergei Lavrov visited Pyongyang on 14-18 January.", "The talks went well.")
    asked = signals_of(
        "Sergei Shoigu visited Pyongyang on 14-18 January [1].", "When did Sergei Shoigu visit Pyongyang?", sentences
    )
    right = signals_of(
        "Sergei Lavrov visited Pyongyang on 14-18 January [1].", "When did Sergei Lavrov visit Pyongyang?", sentences
    )
    assert asked["q_own_names"] == round(2 / 3, 4) and right["q_own_names"] == 1.0


def test_the_sentence_before_and_the_title_count_toward_the_questions_names():
    sentences = evidence("Choe Son-hui arrived in Moscow on Sunday.", "On Tuesday she met Alexander Novak.")
    found = signals_of("She met Alexander Novak [2].", "Whom did Choe Son-hui meet in Moscow?", sentences)
    assert found["q_own_names"] == 1.0  # "Choe Son-hui" and "Moscow" are in the sentence before
    assert found["q_words"] == 1.0  # "meet" is "met"
    alone = signals_of("She met Alexander Novak [1].", "Whom did Choe Son-hui meet in Moscow?", evidence(sentences[1].text))
    assert alone["q_own_names"] == 0.0


def test_a_leaving_sentence_does_not_hold_a_visit():
    sentences = evidence("On 18 January, the minister left Moscow.", title="News")
    found = signals_of("The minister visited Moscow on 18 January [1].", "When did the minister visit Moscow?", sentences)
    assert found["q_words"] < 1.0  # "visit" is not in it: "left" is not "visit"


def test_support_and_missing_facts_are_measured_per_claim():
    sentences = evidence("The bridge cost 40 million dollars.", "It opened in 2021.")
    found = signals_of("The bridge cost 40 million dollars [1] and closed in 2022 [2].", "What did the bridge cost?", sentences)
    assert found["facts_missing"] == 1.0 and found["support"] == 0.0  # neither 2022 nor "closed" is stated in [2]
    found = signals_of("The bridge cost 40 million dollars [1] and opened in 2021 [2].", "What did the bridge cost?", sentences)
    assert found["facts_missing"] == 0.0 and found["support"] == 1.0


def test_an_answer_that_only_repeats_the_question_is_a_signal():
    sentences = evidence("Lincoln died in the Petersen House.")
    assert signals_of("Lincoln [1]", "Where did Lincoln die?", sentences)["repeats"] == 1.0
    assert signals_of("Lincoln died in the Petersen House [1].", "Where did Lincoln die?", sentences)["repeats"] == 0.0


def test_the_confidence_rises_with_the_second_look_and_takes_the_dev_mean_for_a_signal_not_measured():
    base = {f: m for f, m in zip(calibration.fitted()["features"], calibration.fitted()["mean"])}
    low, high = calibration.confidence(base | {"p_yes": 0.2}), calibration.confidence(base | {"p_yes": 0.95})
    assert 0.0 < low < high < 1.0
    assert calibration.confidence(base) == calibration.confidence({})  # nothing measured: every signal at its mean
    assert 0.0 < calibration.threshold() < 1.0
