"""Questions in a script the documents do not use (plain logic, no model)."""

from assistant.language import scripts, unfamiliar_script

ENGLISH = scripts("the treaty was signed in vilnius by the two foreign ministers in march".split())


def test_a_question_in_a_script_the_documents_do_not_use_is_named():
    assert unfamiliar_script("누가 모스크바를 방문했습니까?", ENGLISH) == ("Hangul", "Latin")
    assert unfamiliar_script("Кто подписал договор?", ENGLISH) == ("Cyrillic", "Latin")
    assert unfamiliar_script("谁签署了条约?", ENGLISH) == ("Han (Chinese)", "Latin")


def test_a_question_in_the_documents_script_passes():
    assert unfamiliar_script("Who signed the treaty?", ENGLISH) is None
    assert unfamiliar_script("Qui a signé le traité ?", ENGLISH) is None  # same script: retrieval decides
    assert unfamiliar_script("1999?", ENGLISH) is None  # no letters at all


def test_documents_that_use_the_script_answer_in_it():
    mixed = ENGLISH + scripts(["договор", "подписан"])
    assert unfamiliar_script("Кто подписал договор?", mixed) is None
