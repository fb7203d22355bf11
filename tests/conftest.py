"""Shared fixtures. Unit tests use the fakes below (said so in their names); integration tests,
marked `slow`, use the real embedded model, the real ONNX embedder and a real Chroma store."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import warnings
from contextlib import contextmanager
from pathlib import Path

import anyio
import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# pytest rewrites the modules of plugin packages (anyio's among them) as they are imported, and
# anyio imports its API lazily, in whichever thread first uses it: a chat app's first file response.
# Two threads compiling at once can fail on CPython 3.11 ("AST constructor recursion depth
# mismatch", seen in CI: the page's files were never served). So all of it is imported here, once.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # deprecated aliases warn when looked up
    for _name in dir(anyio):
        getattr(anyio, _name)
# eval dataset -> the folder of documents its `sources` name (tests/test_datasets.py checks each)
CORPORA = {
    "evals/dev.jsonl": "seeds",
    "evals/test.jsonl": "seeds",
    "evals/wiki/dev.jsonl": "evals/wiki/corpus",
    "evals/wiki/test.jsonl": "evals/wiki/corpus",
}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on at `host` now (the app under test binds it next)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class FakeEmbedder:
    """Unit-test fake: deterministic bag-of-words hashing vectors (no model)."""

    name = "fake"

    def __init__(self, fail_after: int | None = None):
        self.calls = 0
        self.fail_after = fail_after

    def embed(self, texts, batch_size=32, progress=None):
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise RuntimeError("embedding failed (simulated)")
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % 384] += 1
            out[i] /= max(np.linalg.norm(out[i]), 1e-9)
        if progress:
            progress(len(texts))
        return out


class FakeGenerator:
    """Unit-test fake: replies with scripted answers and records the prompts it was given; a base model,
    or with `chat_template=True` an instruct one (prompts are then lists of chat messages)."""

    name = "fake-model"

    def __init__(self, *replies: str, chat_template: bool = False, yes: float = 1.0):
        self.replies = list(replies)
        self.prompts: list = []
        self.chat_template = chat_template
        self.yes = yes  # the second look's P(yes) for every answer
        self.checks: list = []  # the second look's prompts

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, prompt, max_tokens):
        self.prompts.append(prompt)
        reply = self.replies.pop(0) if self.replies else "not stated"
        for i, word in enumerate(reply.split(" ")[:max_tokens]):  # a word a token: cut where the model would be
            yield (" " if i else "") + word

    def chat(self, messages, max_tokens):
        self.prompts.append(messages)
        return " ".join((self.replies.pop(0) if self.replies else "I don't know.").split(" ")[:max_tokens])

    def read(self, messages, max_tokens):
        """The next reply cut as the real reader cuts it: at its first line break and after `max_tokens` words."""
        from assistant.generation import Completion

        return Completion("".join(self.stream(messages, max_tokens)).split("\n")[0])

    def yes_probability(self, messages):
        self.checks.append(messages)
        return self.yes


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No test sees the developer's ASSISTANT_* settings, or writes into their data folder."""
    for k in list(os.environ):
        if k.startswith("ASSISTANT_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))


@pytest.fixture
def docs(tmp_path) -> Path:
    """A copy of the seed documents that a test may change."""
    folder = tmp_path / "docs"
    shutil.copytree(SEEDS, folder)
    return folder


# Unit-test fake of calibration.json: the confidence follows the second look alone (P(yes) 0.65 -> 0.5,
# steeply), so that the pipeline's logic is tested apart from the coefficients fitted on the dev splits.
SECOND_LOOK_ONLY = {"features": ["p_yes"], "mean": [0.65], "scale": [0.05], "coef": [1.0], "intercept": 0.0, "threshold": 0.5}


@pytest.fixture
def fake_assistant(tmp_path, docs, monkeypatch):
    from assistant import calibration

    monkeypatch.setattr(calibration, "fitted", lambda: SECOND_LOOK_ONLY)

    def make(*replies: str, chat_template: bool = False, yes: float = 1.0, **overrides) -> Assistant:
        settings = Settings(**{"store": tmp_path / "store", "source": docs, **overrides})
        generator = FakeGenerator(*replies, chat_template=chat_template, yes=yes)
        return Assistant(settings, generator=generator, embedder=FakeEmbedder())

    return make


@pytest.fixture
def fake_reader(fake_assistant):
    """An assistant whose fake model is an instruct model (it reads the numbered evidence)."""
    return lambda *replies, **kw: fake_assistant(*replies, chat_template=True, **kw)


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory) -> Assistant:
    """The real thing: embedded model, ONNX embedder, Chroma, on the seeds (ingested once per session)."""
    return Assistant(Settings(store=tmp_path_factory.mktemp("real") / "store", source=SEEDS))


@contextmanager
def served(assistant: Assistant, host: str = "127.0.0.1"):
    """The chat page of `assistant` served on a port free on `host` (on 0.0.0.0: on every interface); yields
    its URL on 127.0.0.1 (only ever loopback, whatever the app binds), and closes the app after."""
    from assistant import ui

    port = free_port(host)
    demo = ui.launch(assistant, host, port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def snapshot(path) -> list:
    """The chunks of the store at `path`, as they are on disk."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # read what is on disk, not a cached client
    return sorted((c["id"], c["text"], c["start"], c["end"]) for c in Store(path).chunks())


def make_folder(path: Path, files: dict[str, str | bytes]) -> Path:
    """A new folder at `path` holding `files` (name -> UTF-8 text or bytes)."""
    path.mkdir()
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (path / name).write_bytes(data)
    return path


# -- document files the tests generate (PDF with fpdf2, Word with python-docx, HTML by hand) ----------
def ascii_text(text: str) -> str:
    """The PDF core fonts have no curly quotes or dashes."""
    for a, b in {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."}.items():
        text = text.replace(a, b)
    return text


def make_pdf(
    path: Path, pages: list[str], *, password: str | None = None, image_only: bool = False, labels: list[dict] | None = None
) -> Path:
    """A PDF with one page per text (a text layer, or with `image_only` none: a drawing only); `labels`:
    each page's printed-number style, as fpdf2's add_page takes it ({"label_style": "r"}...)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for n, text in enumerate(pages):
        pdf.add_page(**(labels[n] if labels else {}))
        if image_only:
            pdf.rect(20, 20, 100, 60, style="F")
        else:
            pdf.multi_cell(0, 6, ascii_text(text))
    if password:
        pdf.set_encryption(owner_password=password + "-owner", user_password=password)
    pdf.output(str(path))
    return path


def make_docx(path: Path, heading: str, paragraphs: list[str], table: list[list[str]] = ()) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(heading, level=1)
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    document.save(str(path))
    return path


def make_html(path: Path, title: str, heading: str, paragraphs: list[str]) -> Path:
    """A saved web page: navigation, a script, a style and a footer around the article."""
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    path.write_text(
        f"<!DOCTYPE html><html><head><title>{title}</title><style>p {{ color: navy; }}</style>"
        "<script>var tracking = 'Zanzibar pineapple';</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>Subscribe to our newsletter</a></nav>"
        f"<article><h1>{heading}</h1>\n{body}</article>"
        "<footer>Copyright Example Press. All rights reserved.</footer></body></html>",
        encoding="utf-8",
    )
    return path


SPEC_PDF = Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf")  # a real PDF, from Debian
