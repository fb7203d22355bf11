from assistant.chunking import chunk_text, sentence_spans
from conftest import SEEDS


def test_every_chunk_is_its_slice_of_the_document():
    for path in SEEDS.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        chunks = chunk_text(text, "doc", chunk_chars=400, overlap=1)
        assert chunks
        for c in chunks:
            assert c.text == text[c.start : c.end]
            assert c.text.strip() == c.text
            assert len(c.text) <= 400


def test_chunks_cover_the_document_and_overlap_by_one_sentence():
    text = " ".join(f"Sentence number {i} is here." for i in range(40))
    chunks = chunk_text(text, "d", chunk_chars=100, overlap=1)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for a, b in zip(chunks, chunks[1:]):
        assert b.start < a.end  # neighbours share text
        assert text[b.start : a.end].count(".") == 1  # exactly one shared sentence
    assert [c.id for c in chunks] == [f"d#{i}" for i in range(len(chunks))]


def test_no_overlap_when_asked():
    text = " ".join(f"Sentence {i}." for i in range(30))
    chunks = chunk_text(text, "d", chunk_chars=100, overlap=0)
    assert all(b.start >= a.end for a, b in zip(chunks, chunks[1:]))


def test_line_breaks_end_sentences_and_offsets_survive_unicode():
    text = "Заголовок\nПервое предложение — тут. Second “quoted” sentence.\r\n\nЕщё одна строка"
    spans = sentence_spans(text, 400)
    pieces = [text[s:e] for s, e in spans]
    assert pieces[0] == "Заголовок"
    assert "Ещё одна строка" in pieces
    for c in chunk_text(text, "u", chunk_chars=100):
        assert c.text == text[c.start : c.end]


def test_a_very_long_line_is_cut_into_bounded_pieces():
    text = "word " * 5000 + "end"
    chunks = chunk_text(text, "long", chunk_chars=300, overlap=1)
    assert all(len(c.text) <= 300 for c in chunks)
    assert chunks[-1].text.endswith("end")
    assert all(c.text == text[c.start : c.end] for c in chunks)


def test_text_without_spaces_is_still_cut():
    text = "x" * 1000
    chunks = chunk_text(text, "nospace", chunk_chars=200, overlap=0)
    assert "".join(c.text for c in chunks) == text


def test_each_chunk_keeps_the_documents_own_sentences():
    """The spans a chunk keeps are the document's sentences (cut once, here), not the chunk re-split:
    an over-long sentence stays cut where the chunker cut it."""
    long = "word " * 150  # one 750-character sentence, cut at spaces into pieces of at most 400
    text = f"First sentence here. {long.strip()}. Last one.\nA heading"
    spans = sentence_spans(text, 400)
    for c in chunk_text(text, "d", chunk_chars=400, overlap=0):
        assert c.sentences and c.sentences[0][0] == 0 and c.sentences[-1][1] == len(c.text)
        assert [(c.start + s, c.start + e) for s, e in c.sentences] == [sp for sp in spans if c.start <= sp[0] < c.end]
    assert len({p for c in chunk_text(text, "d", chunk_chars=400, overlap=0) for p in c.sentences}) > 1
