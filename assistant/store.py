"""The persistent Chroma collection of chunks and their vectors.

Chroma only stores and searches vectors we computed (`embedding_function=None`): it never embeds
or downloads anything. Each chunk's metadata carries its document's hash, so ingest can tell what
changed without a separate manifest.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from pathlib import Path

import numpy as np
from tenacity import Retrying, stop_after_attempt, wait_exponential

from .chunking import Chunk
from .documents import Document
from .errors import REBUILD_HINT, StoreError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
log = logging.getLogger(__name__)
PAGE = 5000  # chunks read per query


class Store:
    """The collection in a local folder (`path`) or, with `server="host:port"`, on a Chroma server."""

    def __init__(self, path: Path, collection: str = "documents", server: str | None = None):
        self.path = Path(path)
        self.name = collection
        self.server = server
        self._coll = None

    @contextlib.contextmanager
    def _guard(self):
        """Turn any failure of the underlying database into a StoreError that says how to recover."""
        try:
            yield
        except StoreError:
            raise
        except Exception as e:  # chromadb raises many types (sqlite, rust bindings, ValueError)
            locked = "locked" in str(e).lower()
            what = "is locked by another process (close it, or wait)" if locked else "is unreadable or corrupted"
            if self.server:
                what = "failed (is the server still running?)"
            raise StoreError(f"The store at {self.where} {what}: {type(e).__name__}: {e}. {REBUILD_HINT}") from e

    @property
    def where(self) -> str:
        return f"Chroma server {self.server}" if self.server else str(self.path)

    def _client(self):
        import chromadb

        settings = chromadb.Settings(anonymized_telemetry=False, allow_reset=True)
        if not self.server:
            return chromadb.PersistentClient(path=str(self.path), settings=settings)
        host, port = self.server.split("://")[-1].rstrip("/").rsplit(":", 1)
        for attempt in Retrying(stop=stop_after_attempt(3), wait=wait_exponential(0.5, max=2), reraise=True):
            with attempt:
                try:
                    client = chromadb.HttpClient(host=host, port=int(port), settings=settings)
                    client.heartbeat()
                    return client
                except Exception as e:
                    raise StoreError(
                        f"Cannot reach the Chroma server at {self.server} ({type(e).__name__}: {e}). Start it with "
                        f"`chroma run --path DIR --host {host} --port {port}`, or unset ASSISTANT_CHROMA_SERVER "
                        "to use the local store folder."
                    ) from e

    @property
    def collection(self):
        if self._coll is None:
            if not self.server and self.path.exists() and not self.path.is_dir():
                raise StoreError(f"The store path {self.path} is a file, not a folder. Set ASSISTANT_STORE / --store to a folder.")
            with self._guard():
                client = self._client()
                self._coll = client.get_or_create_collection(
                    self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
                )
        return self._coll

    def count(self) -> int:
        with self._guard():
            return self.collection.count()

    def documents(self, root: str) -> dict[str, str]:
        """{source: sha256} of the stored documents from folder `root` (read from each first chunk)."""
        with self._guard():
            got = self.collection.get(where={"$and": [{"index": 0}, {"root": root}]}, include=["metadatas"])
        return {m["source"]: m["sha256"] for m in got["metadatas"]}

    def _first_chunks(self) -> list[dict]:
        """The metadata of every stored document's first chunk: one record per document."""
        with self._guard():
            return self.collection.get(where={"index": 0}, include=["metadatas"])["metadatas"]

    def roots(self) -> set[str]:
        """The source folders whose documents the store holds."""
        return {m["root"] for m in self._first_chunks()}

    def titles(self) -> list[str]:
        """The stored documents' titles (their file names where they have none), sorted."""
        return sorted(m.get("title") or m["source"] for m in self._first_chunks())

    def chunks(self) -> list[dict]:
        """Every stored chunk as {id, text, source, title, start, end}: the lexical index is built from these."""
        records: list[dict] = []
        with self._guard():
            while True:  # in pages: one query for everything hits SQLite's variable limit past ~30k chunks
                got = self.collection.get(include=["documents", "metadatas"], limit=PAGE, offset=len(records))
                records += [_record(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
                if len(got["ids"]) < PAGE:
                    return records

    def add(self, doc: Document, chunks: list[Chunk], vectors: np.ndarray) -> None:
        metas = [
            {"root": doc.root, "source": doc.source, "title": doc.title, "sha256": doc.sha256, "index": c.index, "start": c.start, "end": c.end, "page": c.page or 0}
            for c in chunks
        ]
        with self._guard():
            batch = self.collection._client.get_max_batch_size()
            for b in range(0, len(chunks), batch):
                self.collection.upsert(
                    ids=[c.id for c in chunks[b : b + batch]],
                    documents=[c.text for c in chunks[b : b + batch]],
                    embeddings=vectors[b : b + batch],
                    metadatas=metas[b : b + batch],
                )

    def delete(self, root: str, sources: list[str]) -> None:
        if sources:
            with self._guard():
                self.collection.delete(where={"$and": [{"root": root}, {"source": {"$in": list(sources)}}]})

    def query(self, vector: np.ndarray, n: int) -> list[tuple[dict, float]]:
        """The n nearest chunks with their cosine similarity."""
        with self._guard():
            n = min(n, self.collection.count())
            if n == 0:
                return []
            got = self.collection.query(query_embeddings=[vector], n_results=n, include=["documents", "metadatas", "distances"])
        return [
            (_record(i, d, m), 1.0 - dist)
            for i, d, m, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])
        ]

    def destroy(self) -> None:
        """Delete the collection (on a server) or the store folder (only if it looks like a Chroma store)."""
        from chromadb.api.client import SharedSystemClient

        self._coll = None
        if self.server:
            with self._guard():
                client = self._client()
                if self.name in [c.name for c in client.list_collections()]:
                    client.delete_collection(self.name)
            return
        SharedSystemClient.clear_system_cache()
        if not self.path.exists():
            return
        if any(self.path.iterdir()) and not (self.path / "chroma.sqlite3").exists():
            raise StoreError(f"Refusing to delete {self.path}: it does not look like a Chroma store. Choose another --store.")
        shutil.rmtree(self.path)


def _record(id: str, text: str, meta: dict) -> dict:
    file_path = str(Path(meta["root"]) / meta["source"])
    return {"id": id, "text": text, "file_path": file_path, "page": meta.get("page") or None,
            **{k: meta[k] for k in ("source", "title", "start", "end")}}
