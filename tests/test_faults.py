"""Faults during ingest: SIGKILL at several points of a document written in more than one store
batch, a file replaced while it is read, a bad file name beside good files, a failed rebuild.
Each is followed by an ingest whose store equals a clean ingest of the same folder."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant.extraction import _text
from assistant.ingest import ingest
from assistant.store import Store
from conftest import FakeEmbedder, make_folder, snapshot

TESTS = str(Path(__file__).parent)
# Ingests argv[1] into argv[2] (one chunk per line), killing itself with SIGKILL at argv[3]:
# "embed" (while embedding), or "upsert-N" (just after the N-th store batch, 0 = before the first).
KILLER = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, sys.argv[4])
    import chromadb.api.models.Collection as C
    from conftest import FakeEmbedder
    from assistant.ingest import ingest
    from assistant.store import Store

    point, batches = sys.argv[3], [0]
    if int(sys.argv[5]):
        from chromadb.api.rust import RustBindingsAPI
        RustBindingsAPI.get_max_batch_size = lambda self: int(sys.argv[5])
    upsert = C.Collection.upsert
    def counted(self, *a, **k):
        if point == f"upsert-{batches[0]}":
            os.kill(os.getpid(), signal.SIGKILL)
        upsert(self, *a, **k)
        batches[0] += 1
    C.Collection.upsert = counted
    class Dying(FakeEmbedder):
        def embed(self, texts, **kw):
            if point == "embed":
                os.kill(os.getpid(), signal.SIGKILL)
            return super().embed(texts, **kw)
    ingest(sys.argv[1], Store(sys.argv[2]), Dying(), chunk_chars=100, chunk_overlap=0)
""")


def run(folder, store, embedder=None, **kw):
    return ingest(folder, store, embedder or FakeEmbedder(), chunk_chars=100, chunk_overlap=0, **kw)


def long_text(lines: int, tag: str = "") -> str:
    """One chunk per line at chunk_chars=100."""
    return "\n".join(f"Line {i:05d}{tag} of the long document says something of its own." for i in range(lines))


def killed(folder, store, point, batch=0, rebuild=False):
    """Run KILLER (an ingest, or with `rebuild` a rebuild) and check that it was killed."""
    script = Path(store).parent / "killer.py"
    script.write_text(KILLER.replace("chunk_overlap=0)", "chunk_overlap=0, rebuild=True)") if rebuild else KILLER)
    p = subprocess.run(
        [sys.executable, str(script), str(folder), str(store), point, TESTS, str(batch)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == -signal.SIGKILL, p.stderr[-2000:]


@pytest.mark.parametrize("point", ["embed", "upsert-0", "upsert-1", "upsert-2", "upsert-3"])
@pytest.mark.parametrize("change", ["new", "edited"])
def test_sigkill_between_store_batches_then_ingest_gives_the_clean_store(tmp_path, point, change):
    """250 lines in batches of 100 (3 batches): killed before, between and after them, for a new
    document and for an edit of a stored one; the next ingest redoes it whole."""
    folder = make_folder(tmp_path / "docs", {"short.txt": "A short document beside the long one.", "long.txt": long_text(250)})
    store = tmp_path / "store"
    if change == "edited":
        run(folder, Store(store))
        (folder / "long.txt").write_text(long_text(330, " (edited)"), encoding="utf-8")
    killed(folder, store, point, batch=100)
    run(folder, Store(store))
    run(folder, Store(tmp_path / "clean"))
    assert snapshot(store) == snapshot(tmp_path / "clean")
    assert len(snapshot(store)) == (250 if change == "new" else 330) + 1


def test_sigkill_after_the_first_real_chroma_batch_of_12001_chunks(tmp_path):
    """The case of the issue: 12,001 chunks, more than one of Chroma's own batches (5,461)."""
    folder = make_folder(tmp_path / "docs", {"long.txt": long_text(12_001)})
    killed(folder, tmp_path / "store", "upsert-1")
    report = run(folder, Store(tmp_path / "store"))
    assert (report.added, report.unchanged, report.chunks_embedded) == (1, 0, 12_001)  # redone, not "unchanged"
    assert Store(tmp_path / "store").count() == 12_001


def test_a_file_replaced_while_it_is_read_is_stored_as_one_version_and_updated_next(tmp_path, monkeypatch):
    folder = make_folder(tmp_path / "docs", {"a.txt": "The first version of the file.", "b.txt": "Another document."})
    import assistant.extraction as extraction

    def replaced_after_reading(data):
        out = _text(data)
        if b"first version" in data:
            (folder / "a.txt").write_text("The second version, written while the first was read.", encoding="utf-8")
        return out

    monkeypatch.setattr(extraction, "_text", replaced_after_reading)
    extraction._cached.cache_clear()
    store = Store(tmp_path / "store")
    run(folder, store)
    monkeypatch.setattr(extraction, "_text", _text)
    again = run(folder, store)
    assert (again.updated, again.unchanged) == (1, 1)  # the stored hash was of the text stored: a change is seen
    run(folder, Store(tmp_path / "clean"))
    assert snapshot(tmp_path / "store") == snapshot(tmp_path / "clean")
    assert any("second version" in c[1] for c in snapshot(tmp_path / "store"))


def test_a_bad_name_beside_good_files_is_skipped_and_the_rest_ingested_and_rebuilt(tmp_path, docs):
    store = Store(tmp_path / "store")
    first = run(docs, store)
    with open(os.path.join(os.fsencode(docs), b"r\xe9sum\xe9.txt"), "wb") as f:
        f.write(b"A file whose name is Latin-1, not UTF-8.")
    (docs / "000_d60495a78590dd9c.txt").write_text("An edit of another file is ingested too.", encoding="utf-8")
    report = run(docs, store)
    assert (report.updated, report.unchanged) == (1, first.added - 1)
    assert report.skipped == ["r\\xe9sum\\xe9.txt: its name is not valid UTF-8: rename it"]
    run(docs, Store(tmp_path / "clean"))
    assert snapshot(tmp_path / "store") == snapshot(tmp_path / "clean")
    rebuilt = run(docs, Store(tmp_path / "store"), rebuild=True)
    assert rebuilt.added == first.added and snapshot(tmp_path / "store") == snapshot(tmp_path / "clean")


def test_a_failed_rebuild_leaves_the_old_store_whole(tmp_path, docs):
    run(docs, Store(tmp_path / "store"))
    before = snapshot(tmp_path / "store")
    with pytest.raises(RuntimeError, match="simulated"):
        run(docs, Store(tmp_path / "store"), FakeEmbedder(fail_after=0), rebuild=True)
    assert snapshot(tmp_path / "store") == before and len(before) > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "store", "store.lock"]  # nothing left beside it


def test_sigkill_during_a_rebuild_leaves_the_old_store_and_the_next_rebuild_works(tmp_path, docs):
    run(docs, Store(tmp_path / "store"))
    before = snapshot(tmp_path / "store")
    killed(docs, tmp_path / "store", "upsert-1", rebuild=True)
    assert snapshot(tmp_path / "store") == before
    run(docs, Store(tmp_path / "store"), rebuild=True)
    assert snapshot(tmp_path / "store") == before
