"""The switches evals/ablate.py turns off are settings the product reads: each one, through the
Assistant, changes the output (fake model and embedder, real Chroma: unit tests of logic)."""

from test_pipeline import committee

WHO = "Who led the North Korean delegation to the For the Freedom of Nations forum?"


def test_bm25_off_leaves_dense_search_alone(fake_reader):
    on, off = fake_reader().ask(WHO), fake_reader(bm25=False).ask(WHO)
    assert any(p.lexical_rank for p in on.passages) and not any(p.lexical_rank for p in off.passages)


def test_the_unknown_name_gate_off_lets_the_model_read(fake_reader):
    question = "What did Kim Jong-un tell Emmanuel Macron in Paris?"
    gated, open_ = fake_reader(), fake_reader(name_gate=False)
    gated.ask(question), open_.ask(question)
    assert gated.generator.prompts == [] and open_.generator.prompts


def test_the_type_bonus_changes_the_evidence_scores(tmp_path, fake_reader):
    folder = committee(tmp_path, "The committee met in Geneva. It met on 14 March 2023. Its chair praised the talks.")
    q = "When did the committee meet?"
    scores = [fake_reader("14 March 2023 [1]", source=folder, type_bonus=bonus).ask(q).citations[0].score for bonus in (0.3, 0.0)]
    assert round(scores[0] - scores[1], 3) == 0.3


def test_the_word_check_off_keeps_the_models_own_citation(fake_reader):
    checked, unchecked = [fake_reader("Kim Su-gil [5]", word_check=on).ask(WHO) for on in (True, False)]
    assert "Kim Su-gil" in checked.citations[0].text and checked.signals["moved"] == 1.0  # moved to the sentence that says it
    assert "Kim Su-gil" not in unchecked.citations[0].text and unchecked.signals["moved"] == 0.0


def test_the_second_look_off_keeps_an_answer_it_would_doubt(fake_reader):
    doubted, kept = fake_reader("Kim Su-gil [1]", yes=0.1).ask(WHO), fake_reader("Kim Su-gil [1]", yes=0.1, verify=False).ask(WHO)
    assert doubted.abstained and doubted.signals["p_yes"] == 0.1 and not kept.abstained and "p_yes" not in kept.signals


def test_the_type_check_off_quotes_a_sentence_without_the_kind_asked_for(tmp_path, fake_assistant):
    folder = committee(tmp_path, "The committee met in Geneva. Its chair, Maria Lopez, praised the talks.")
    q = "When did the committee chaired by Maria Lopez meet in Geneva?"
    assert fake_assistant("in Geneva", source=folder).ask(q).abstained
    assert not fake_assistant("in Geneva", source=folder, type_check=False).ask(q).abstained
