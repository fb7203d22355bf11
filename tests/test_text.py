"""The one definition of words, names and sentences (no model)."""

from assistant.text import names, sentence_spans, words


def test_words_keep_inner_hyphens_apostrophes_and_points():
    assert words("Choe Son-hui's visit to the U.S. cost 19.5 million, on 3,700 km.") == [
        "Choe", "Son-hui's", "visit", "to", "the", "U.S", "cost", "19.5", "million", "on", "3", "700", "km",
    ]  # fmt: skip


def test_names_are_capitalised_words_but_function_words_and_optionally_the_first():
    assert names("The delegation met Vladimir Putin in Moscow.") == ["Vladimir", "Putin", "Moscow"]
    assert names("Kim met Putin.", first=False) == ["Putin"]


def test_sentences_end_at_line_breaks_and_long_ones_are_cut_at_spaces():
    text = "Heading\nFirst one. Second one.\n\n" + "word " * 30
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans[:3]] == ["Heading", "First one.", "Second one."]
    cut = sentence_spans(text, max_chars=40)[3:]
    assert len(cut) > 1 and all(e - s <= 40 and not text[s:e].startswith(" ") for s, e in cut)
    assert " ".join(text[s:e] for s, e in cut) == text.split("\n\n")[1].strip()
