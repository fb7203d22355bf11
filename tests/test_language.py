"""Questions in a script the documents do not use (plain logic, no model)."""

from assistant.language import languages, scripts, unfamiliar_language, unfamiliar_script
from assistant.text import terms

ENGLISH = scripts("the treaty was signed in vilnius by the two foreign ministers in march".split())


def test_a_question_in_a_script_the_documents_do_not_use_is_named():
    assert unfamiliar_script("누가 모스크바를 방문했습니까?", ENGLISH) == ("Hangul script", "Latin script")
    assert unfamiliar_script("Кто подписал договор?", ENGLISH) == ("Cyrillic script", "Latin script")
    assert unfamiliar_script("谁签署了条约?", ENGLISH) == ("Han (Chinese) script", "Latin script")


def test_a_question_in_the_documents_script_passes():
    assert unfamiliar_script("Who signed the treaty?", ENGLISH) is None
    assert unfamiliar_script("Qui a signé le traité ?", ENGLISH) is None  # same script: retrieval decides
    assert unfamiliar_script("1999?", ENGLISH) is None  # no letters at all


def test_documents_that_use_the_script_answer_in_it():
    mixed = ENGLISH + scripts(["договор", "подписан"])
    assert unfamiliar_script("Кто подписал договор?", mixed) is None


# The classifier below is py3langid's real model (a unit test of our use of it, no fake).
TREATY = "The treaty was signed in Vilnius by the two foreign ministers in March."
ENGLISH_PASSAGES = languages([TREATY, "Both sides agreed to meet again before the end of the year to review it."])


def test_a_question_in_another_language_is_named_with_the_documents_language():
    assert unfamiliar_language("Qui a signé le traité à Vilnius ?", ENGLISH_PASSAGES) == ("French", "English")
    assert unfamiliar_language("Wer hat den Vertrag unterschrieben?", ENGLISH_PASSAGES) == ("German", "English")
    assert unfamiliar_language("¿Quién firmó el tratado?", ENGLISH_PASSAGES) == ("Spanish", "English")


ENGLISH_WORDS = set(terms(TREATY + " Choe Son-hui visited Moscow in November and met the minister."))


def test_names_do_not_hide_a_question_in_another_language():
    # names pull the classifier towards chance; the question's other words are unknown to the documents
    asked = {
        "Wann besuchte Choe Son-hui Moskau?": "German",
        "Quando Choe Son-hui visitou Moscou?": "Portuguese",
        "Hvornår besøgte Choe Son-hui Moskva?": "Danish",
        "¿Cuándo visitó Choe Son-hui Moscú?": "Spanish",
        "Wanneer bezocht Choe Son-hui Moskou?": "Dutch",
        "Quando ha visitato Mosca Choe Son-hui?": "Italian",
    }
    for question, name in asked.items():
        assert unfamiliar_language(question, ENGLISH_PASSAGES, ENGLISH_WORDS) == (name, "English"), question


def test_names_alone_or_known_words_never_make_a_question_foreign():
    for question in [
        "When did Choe Son-hui visit Moscow?",
        "Vilnius?",
        "Kim Jong Un?",
        "And Lavrov?",
        "Choe Son-hui in Moscow?",
        "Who signed the treaty in Vilnius?",
    ]:
        assert unfamiliar_language(question, ENGLISH_PASSAGES, ENGLISH_WORDS) is None, question


def test_a_question_in_the_documents_language_or_too_short_to_tell_passes():
    assert unfamiliar_language("Who signed the treaty in Vilnius?", ENGLISH_PASSAGES) is None
    assert unfamiliar_language("Vilnius?", ENGLISH_PASSAGES) is None  # a name alone says no language
    assert unfamiliar_language("Qui a signé le traité ?", languages(["Le traité a été signé à Vilnius en mars."])) is None


def test_documents_whose_language_cannot_be_told_never_make_a_question_foreign():
    tables = languages(["12 345 678 90 11", "3.4 5.6 7.8 9.0", "Q3 2024: 17.2; Q4 2024: 18.9"])
    assert tables == {} and unfamiliar_language("Who signed the treaty in Vilnius?", tables) is None
