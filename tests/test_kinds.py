"""The kind of answer a question asks for, and whether a text holds one (no model)."""

from assistant.kinds import answer_type, has_type, typed_words


def test_answer_types():
    assert answer_type("Who led the delegation?") == "name"
    assert answer_type("In what year was it signed?") == "year"
    assert answer_type("When was the treaty signed?") == "date"
    assert answer_type("How many troops are there?") == "number"
    assert answer_type("Which agency reported it?") == "name"
    assert answer_type("In which city was it signed?") == "name"
    assert answer_type("What city was it signed in?") is None  # only "which" and "who" ask for a name
    assert answer_type("What did the minister say?") is None  # "did" ends the "what X" phrase
    assert answer_type("Which was first?") is None
    assert answer_type("What did he say?") is None
    q = "How many troops are in Kursk?"
    assert not has_type("On October 24, 2024, Putin spoke of troops in Kursk.", "number", q)
    assert has_type("About 11,000 troops are in Kursk.", "number", q)
    assert has_type("They met on 19 June.", "date", "When did they meet?")
    assert not has_type("They met in Geneva.", "date", "When did they meet?")
    assert has_type("They left on Monday.", "date", "What day of the week did they leave?")
    assert not has_type("On December 4 the ministers met.", "name", "Which agency was there?")
    assert has_type("It was reported by Yonhap.", "name", "Which agency reported it?")
    # "Korea" is no new name for a question about the North Korean guest; "Article 4" counts nothing
    assert not has_type(
        "Even Chinese platforms noted ties with North Korea.",
        "name",
        "Which Chinese platform commented on the North Korean guest?",
    )
    assert not has_type("Putin said the treaty contains Article 4.", "number", "How many troops are there?")
    assert has_type("The treaty has 23 articles.", "number", "How many articles has the treaty?")


def test_a_name_is_a_new_capitalised_word_past_the_first():
    who = "Who led the Russian delegation?"
    assert typed_words("It was led by Deputy Minister Ri Hi-Yong.", "name", who) == ["Deputy", "Minister", "Ri", "Hi-Yong"]
    assert not has_type("The Russian delegation met in March.", "name", who)  # "Russia" is asked, March no name
