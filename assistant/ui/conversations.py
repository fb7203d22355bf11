"""Conversations kept on this computer: one JSON file each, in a folder per collection beside its store
(`<store>-conversations/<collection>/`), never sent anywhere. The page remembers which one is open in
the browser's local storage, so a reload or a restart shows it again.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import re
import tempfile
from pathlib import Path

from pydantic import BaseModel

from .rendering import Turn

log = logging.getLogger(__name__)
ID = re.compile(r"[0-9a-f]{32}")  # the browser sends it back: nothing else may name a file
TITLE_CHARS = 60


class Conversation(BaseModel):
    id: str
    updated: str  # ISO time, UTC
    turns: list[Turn]

    @property
    def label(self) -> str:
        """The first question (cut) and when it was last added to: what the list of conversations shows."""
        first = self.turns[0].question if self.turns else "(empty)"
        first = first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1] + "…"
        return f"{first} · {self.updated[:16].replace('T', ' ')}"


class Conversations:
    """The saved conversations of one collection."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._listed: dict[Path, tuple[tuple[int, int], tuple[str, str, str]]] = {}  # path: (its stat, (updated, label, id))

    def _path(self, id: str) -> Path | None:
        return self.folder / f"{id}.json" if ID.fullmatch(id or "") else None

    def save(self, id: str, turns: list[Turn]) -> None:
        """Write the conversation whole (a crash leaves the last version, never half a file)."""
        path = self._path(id)
        if path is None or not turns:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        data = Conversation(id=id, updated=datetime.datetime.now(datetime.UTC).isoformat(), turns=turns).model_dump_json()
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
        os.replace(tmp, path)

    def load(self, id: str) -> list[Turn]:
        """The conversation's turns; none when it is gone or unreadable (logged, the file left as it is)."""
        path = self._path(id)
        if path is None or not path.is_file():
            return []
        try:
            return Conversation.model_validate_json(path.read_text(encoding="utf-8")).turns
        except (OSError, ValueError) as e:  # a ValidationError is a ValueError
            log.warning("conversation %s cannot be read (%s): starting a new one", path, type(e).__name__)
            return []

    def delete(self, id: str) -> None:
        if path := self._path(id):
            path.unlink(missing_ok=True)

    def choices(self) -> list[tuple[str, str]]:
        """(label, id) of each saved conversation, the latest first. Listed after every answer: a file is
        read again only when it changed (by size and time), so a long list costs a directory scan."""
        listed = {}
        for path in self.folder.glob("*.json"):
            with contextlib.suppress(OSError, ValueError):  # gone or unreadable: not listed
                st = path.stat()
                key = (st.st_mtime_ns, st.st_size)
                if (known := self._listed.get(path)) is None or known[0] != key:
                    c = Conversation.model_validate_json(path.read_text(encoding="utf-8"))
                    known = (key, (c.updated, c.label, c.id))
                listed[path] = known
        self._listed = listed
        return [(label, id) for _, label, id in sorted((entry for _, entry in listed.values()), reverse=True)]
