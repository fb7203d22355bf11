"""Incremental ingest against a real Chroma store in a temporary folder, with the fake embedder."""

import pytest
from filelock import FileLock

from assistant import SourceError, StoreError
from assistant.ingest import ingest
from assistant.store import Store
from conftest import FakeEmbedder, make_folder


def run(docs, store, embedder=None, **kw):
    return ingest(docs, store, embedder or FakeEmbedder(), chunk_chars=400, chunk_overlap=1, **kw)


def snapshot(store):
    return sorted((c["id"], c["text"], c["start"], c["end"]) for c in store.chunks())


def test_ingest_twice_is_idempotent(tmp_path, docs):
    store = Store(tmp_path / "store")
    first = run(docs, store)
    assert (first.added, first.updated, first.removed, first.unchanged) == (5, 0, 0, 0)
    before = snapshot(store)
    again = run(docs, store)
    assert (again.added, again.updated, again.removed, again.unchanged, again.chunks_embedded) == (0, 0, 0, 5, 0)
    assert snapshot(store) == before
    assert len({c[0] for c in before}) == len(before) == store.count()


def test_changed_chunk_settings_make_the_documents_again(tmp_path, docs):
    store = Store(tmp_path / "store")
    small = run(docs, store)
    large = ingest(docs, store, FakeEmbedder(), chunk_chars=2000, chunk_overlap=1)
    assert (large.updated, large.unchanged) == (5, 0) and 0 < large.chunks_embedded < small.chunks_embedded
    clean = Store(tmp_path / "clean")
    ingest(docs, clean, FakeEmbedder(), chunk_chars=2000, chunk_overlap=1)
    assert snapshot(store) == snapshot(clean)  # nothing of the 400-character chunks is left


def test_a_new_text_version_makes_the_documents_again(tmp_path, docs, monkeypatch):
    """When extraction changes (tables became rows in version 2), stored chunks would no longer be the
    slices of their files' text that citations promise: every document is made again."""
    import assistant.ingest

    store = Store(tmp_path / "store")
    run(docs, store)
    monkeypatch.setattr(assistant.ingest, "TEXT_VERSION", assistant.ingest.TEXT_VERSION + 1)
    again = run(docs, store)
    assert (again.updated, again.unchanged) == (5, 0)
    assert run(docs, store).unchanged == 5


def test_unchanged_files_are_not_read_again(tmp_path, docs, monkeypatch):
    import assistant.documents

    store = Store(tmp_path / "store")
    run(docs, store)
    extracted = []
    extract = assistant.documents.extract
    monkeypatch.setattr(assistant.documents, "extract", lambda path: extracted.append(path.name) or extract(path))
    assert run(docs, store).unchanged == 5 and extracted == []  # size and time say so
    touched = docs / "003_fb9d92a72d6051b6.txt"
    touched.write_bytes(touched.read_bytes())  # a new time, the same bytes: the hash says so
    assert run(docs, store).unchanged == 5 and extracted == []
    touched.write_text("A short replacement document about nothing.", encoding="utf-8")
    assert run(docs, store).updated == 1 and extracted == [touched.name]


def test_changed_document_is_replaced_and_deleted_one_removed(tmp_path, docs):
    store = Store(tmp_path / "store")
    run(docs, store)
    (docs / "003_fb9d92a72d6051b6.txt").write_text("A short replacement document about nothing.", encoding="utf-8")
    (docs / "004_ec3d634502b0894a.txt").unlink()
    report = run(docs, store)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 1, 3)
    sources = {c["source"] for c in store.chunks()}
    assert "004_ec3d634502b0894a.txt" not in sources
    replaced = [c for c in store.chunks() if c["source"] == "003_fb9d92a72d6051b6.txt"]
    assert [c["text"] for c in replaced] == ["A short replacement document about nothing."]
    # and a clean ingest of the same folder gives exactly the same store
    clean = Store(tmp_path / "clean")
    run(docs, clean)
    assert snapshot(clean) == snapshot(store)


def test_bad_files_are_skipped_with_a_reason_and_the_rest_ingested(tmp_path, docs):
    (docs / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    (docs / "image.png").write_bytes(b"\x89PNG")
    (docs / "empty.md").write_text("  \n", encoding="utf-8")
    report = run(docs, Store(tmp_path / "store"))
    assert report.added == 5
    reasons = "\n".join(report.skipped)
    assert "latin1.txt: not UTF-8" in reasons and "convert it to UTF-8" in reasons
    assert "binary.txt: binary file" in reasons
    assert "image.png: not a supported file type" in reasons
    assert "empty.md: empty file" in reasons


def test_missing_or_empty_source_folder_is_a_clear_error(tmp_path):
    store = Store(tmp_path / "store")
    with pytest.raises(SourceError, match="Documents folder not found: .*ASSISTANT_SOURCE or --source"):
        run(tmp_path / "nope", store)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="No readable documents in .*Add documents"):
        run(tmp_path / "empty", store)


def test_a_failed_ingest_loses_nothing(tmp_path, docs):
    store = Store(tmp_path / "store")
    run(docs, store)
    before = snapshot(store)
    (docs / "new.txt").write_text("A new document. It will fail to embed.", encoding="utf-8")
    (docs / "000_d60495a78590dd9c.txt").write_text("Changed text.", encoding="utf-8")
    with pytest.raises(RuntimeError, match="simulated"):
        run(docs, store, FakeEmbedder(fail_after=0))
    assert snapshot(store) == before


def test_locked_store_says_so(tmp_path, docs):
    store = Store(tmp_path / "store")
    with FileLock(str(store.path) + ".lock"):
        with pytest.raises(StoreError, match="Another process is writing to the store"):
            run(docs, Store(tmp_path / "store"))


@pytest.mark.parametrize("damage", ["garble", "truncate"])
def test_corrupted_store_names_the_rebuild_command_and_rebuild_recovers(tmp_path, docs, damage):
    path = tmp_path / "store"
    run(docs, Store(path))
    expected = snapshot(Store(path))
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    db = path / "chroma.sqlite3"
    if damage == "garble":
        db.write_bytes(b"this is not a database" * 100)
    else:
        db.write_bytes(db.read_bytes()[:4096])
    with pytest.raises(StoreError, match="unreadable or corrupted.*assistant ingest --rebuild"):
        Store(path).count()
    before = {p.name: p.read_bytes() for p in docs.iterdir()}
    report = run(docs, Store(path), rebuild=True)
    assert report.added == 5
    assert snapshot(Store(path)) == expected
    assert {p.name: p.read_bytes() for p in docs.iterdir()} == before  # sources untouched


def test_rebuild_refuses_to_delete_a_folder_that_is_not_a_store(tmp_path, docs):
    folder = make_folder(tmp_path / "precious", {"thesis.txt": "do not delete"})
    with pytest.raises(StoreError, match="does not look like a Chroma store"):
        run(docs, Store(folder), rebuild=True)
    assert (folder / "thesis.txt").exists()


def test_documents_from_two_folders_live_side_by_side(tmp_path, docs):
    other = make_folder(tmp_path / "other", {"000_d60495a78590dd9c.txt": "Same name, other folder."})
    store = Store(tmp_path / "store")
    run(docs, store)
    report = run(other, store)
    assert (report.added, report.removed) == (1, 0)  # seeds are not removed by ingesting another folder
    assert len({c["file_path"] for c in store.chunks()}) == 6


def test_reading_all_chunks_goes_page_by_page(tmp_path, docs, monkeypatch):
    import assistant.store

    store = Store(tmp_path / "store")
    run(docs, store)
    everything = snapshot(store)
    monkeypatch.setattr(assistant.store, "PAGE", 7)
    assert snapshot(store) == everything and len(everything) > 7


def test_the_store_keeps_each_chunks_sentences_and_evidence_reads_them(tmp_path, docs, monkeypatch):
    """Sentences are cut once, at ingest: the store gives them back with each chunk, and evidence (and
    the sentence before a cited one) reads them without splitting a passage again."""
    import blingfire

    from assistant.chunking import chunk_text
    from assistant.corpus import Corpus
    from assistant.documents import load_documents
    from assistant.evidence import select
    from assistant.retrieval import search

    store = Store(tmp_path / "store")
    run(docs, store)
    made = {c.id: list(c.sentences) for d in load_documents(docs)[0] for c in chunk_text(d.text, d.id, 400, 1, d.pages)}
    stored = {c["id"]: [tuple(s) for s in c["sentences"]] for c in store.chunks()}
    assert stored == made and all(stored.values())

    def split_again(text):
        raise AssertionError("a stored passage was split again")

    monkeypatch.setattr(blingfire, "text_to_sentences_and_offsets", split_again)
    corpus = Corpus.load(store, FakeEmbedder())
    question = "Who led the WPK delegation to Moscow?"
    found = select(question, question, search(corpus, question, 5), corpus, 5)
    assert found and all(e.text == e.passage.text[e.start - e.passage.start : e.end - e.passage.start] for e in found)
    assert any(e.before() for e in found)


def test_a_store_made_before_chunks_kept_their_sentences_makes_them_again(tmp_path, docs, monkeypatch):
    import assistant.ingest

    store = Store(tmp_path / "store")
    with monkeypatch.context() as m:
        m.setattr(assistant.ingest, "CHUNK_VERSION", 1)
        run(docs, store)
    assert (run(docs, store).updated, run(docs, store).unchanged) == (5, 5)
