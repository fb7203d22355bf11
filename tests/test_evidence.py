"""Evidence sentences are exact spans of their files (no model)."""

from assistant import grounding
from assistant.chunking import chunk_text
from assistant.models import Passage
from conftest import SEEDS, FakeEmbedder


def test_every_evidence_sentence_is_the_exact_span_of_its_file():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        passages = [Passage(id=c.id, source=path.name, file_path=str(path), title="T", start=c.start, end=c.end,
                            text=c.text, score=1.0) for c in chunk_text(text, path.name)[:4]]
        found = grounding.select_evidence("talks", "What talks?", passages, FakeEmbedder().embed, {}, 10)
        assert found and all(text[e.start : e.end] == e.text for e in found)
        assert len({e.start for e in found}) == len(found)  # overlapping chunks share sentences: kept once
        c = found[0].cite(3)
        assert (c.n, c.start, c.end, c.text, c.file_path) == (3, found[0].start, found[0].end, found[0].text, str(path))
