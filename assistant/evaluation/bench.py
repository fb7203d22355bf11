"""`assistant bench`: speed and memory figures, each beside its reference measured in the same run.

Run it on an idle machine: it prints a table and writes bench.json. Nothing here is a test.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import documents, extraction, retrieval
from ..cli import ABSTAINED
from ..corpus import Corpus
from ..embedding import DIMENSIONS
from ..pipeline import Assistant
from ..settings import REPO_ROOT, Settings
from ..store import Store
from . import load_dataset

SPEED_PROMPT = "Count from one to one hundred in words, separated by commas: one, two, three,"
SPEED_TOKENS = 64


def pct(values: list, q: float) -> float:
    return round(float(np.percentile(values, q)), 4)


def timed(f, *args, **kwargs) -> tuple[Any, float]:
    """What f returns, and the seconds it took."""
    t0 = time.perf_counter()
    return f(*args, **kwargs), time.perf_counter() - t0


def dev_questions() -> list[str]:
    """The dev questions asked without earlier turns (what the benchmarks send has no history)."""
    return [item.question for item in load_dataset(REPO_ROOT / "evals" / "dev.jsonl") if not item.history]


def raw_llama(settings: Settings):
    """Plain llama-cpp-python on the same model file and threads: the reference every time stands beside."""
    from llama_cpp import Llama

    s = settings
    return Llama(model_path=str(s.model_path()), n_ctx=s.n_ctx, n_threads=s.threads, seed=s.seed, verbose=False)


def raw_speed(plain, runs: int = 3) -> dict:
    """This machine's raw llama.cpp speed: prompt evaluation of a ~400-token text and generation, tokens/s."""
    text = min((REPO_ROOT / "seeds").iterdir()).read_text(encoding="utf-8")
    tokens = plain.tokenize(text.encode())[:400]
    evals = []
    for _ in range(runs):
        plain.reset()
        evals.append(len(tokens) / timed(plain.eval, tokens)[1])
    gens = [_tokens_per_s(_plain_stream(plain)) for _ in range(runs)]
    return {"raw_prompt_tokens_per_s": round(pct(evals, 50), 1), "raw_generation_tokens_per_s": round(pct(gens, 50), 1)}


def _tokens_per_s(stream) -> float:
    first, n = 0.0, 0
    for _ in stream:
        n += 1
        first = first or time.perf_counter()
    return (n - 1) / (time.perf_counter() - first) if n > 1 else 0.0


def _plain_stream(plain):
    for part in plain.create_completion(SPEED_PROMPT, max_tokens=SPEED_TOKENS, temperature=0.0, stop=["\n"], stream=True):
        yield part["choices"][0]["text"]


def generation_speed(assistant: Assistant, plain, pairs: int = 5) -> dict:
    """Tokens/s of the same prompt through the assistant's generator and through plain llama-cpp-python,
    in interleaved pairs (so a machine that slows down slows both): the median of the pairs' ratios."""
    ours, theirs = [], []
    for _ in range(pairs):
        ours.append(_tokens_per_s(assistant.generator.stream(SPEED_PROMPT, SPEED_TOKENS)))
        theirs.append(_tokens_per_s(_plain_stream(plain)))
    return {
        "assistant_tokens_per_s": pct(ours, 50),
        "plain_tokens_per_s": pct(theirs, 50),
        "overhead_pairs": pairs,
        "generation_overhead_ratio": round(float(np.median(np.array(ours) / np.array(theirs))), 3),
    }


class TokenCounter:
    """Counts, on an in-process model, the prompt tokens llama.cpp evaluates, those restored from a chat's
    saved head (`LlamaGenerator._started`: the system prompt and template header, evaluated once per
    model file, its state kept between processes) and the tokens it generates (fed back one at a time)."""

    def __init__(self, llm):
        self.prompt = self.restored = self.generated = 0
        evaluate, load = llm.eval, llm.load_state

        def counting_eval(tokens):
            if len(tokens) == 1:
                self.generated += 1
            else:
                self.prompt += len(tokens)
            return evaluate(tokens)

        def counting_load(state):
            self.restored += state.n_tokens
            return load(state)

        llm.eval, llm.load_state = counting_eval, counting_load

    def take(self) -> tuple[int, int, int]:
        out = (self.prompt, self.restored, self.generated)
        self.prompt = self.restored = self.generated = 0
        return out


def answer_latency(assistant: Assistant, questions: list[str], raw: dict | None = None) -> dict:
    """Time to the first event (a `Stage`: the page can say what is being done) and to the answer; with an
    in-process model also the prompt tokens per question and the ratio of each answer's time to what raw
    llama.cpp needs for the same tokens at the speeds `raw` measured in this run."""
    counter = TokenCounter(assistant.generator.llm) if raw and hasattr(assistant.generator, "llm") else None
    ttft, total, ratios, prompt, restored = [], [], [], [], []
    for q in questions:
        t0, first = time.perf_counter(), 0.0
        for _ in assistant.stream(q):
            first = first or time.perf_counter()
        ttft.append(first - t0)
        total.append(time.perf_counter() - t0)
        if counter and raw:
            p, r, g = counter.take()
            prompt.append(p)
            restored.append(r)
            if p or g:  # else answered without the model (an unknown name, another language)
                ratios.append(total[-1] / (p / raw["raw_prompt_tokens_per_s"] + g / raw["raw_generation_tokens_per_s"]))
    figures = {
        "ttft_p50_s": pct(ttft, 50),
        "ttft_p95_s": pct(ttft, 95),
        "answer_p50_s": pct(total, 50),
        "answer_p95_s": pct(total, 95),
        "questions": len(questions),
    }
    if counter:
        figures |= {
            "prompt_tokens_per_question_p50": pct(prompt, 50),  # evaluated for this question
            "restored_prompt_tokens_per_question_p50": pct(restored, 50),  # restored from a saved head
            "answer_to_raw_llama_ratio_p50": pct(ratios, 50),
            "answer_to_raw_llama_ratio_p95": pct(ratios, 95),
        }
    return figures


def ingest_speed(settings: Settings, store_dir: Path) -> dict:
    assistant = Assistant(settings, store=store_dir / "cold")
    report, cold = timed(assistant.ingest)
    again, unchanged = timed(assistant.ingest)
    return {
        "ingest_chunks": report.chunks_embedded,
        "ingest_chunks_per_s": round(report.chunks_embedded / cold, 1),
        "reingest_unchanged_s": round(unchanged, 3),
        "reingest_chunks_embedded": again.chunks_embedded,
    }


PDF = Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf")  # a real PDF (Debian's shared-mime-info)


def pdf_speed(settings: Settings, store_dir: Path, pdf: Path = PDF, runs: int = 5) -> dict:
    """Pages per second of PDF text extraction alone, and of a whole ingest (extract, chunk, embed, store)."""
    if not pdf.exists():
        return {"pdf": f"{pdf} not found (apt-get install shared-mime-info)"}
    data = pdf.read_bytes()
    t0 = time.perf_counter()
    for _ in range(runs):
        pages = len(extraction._pdf(data).pages)  # not the cache: each run parses the file
    extract_s = (time.perf_counter() - t0) / runs
    folder = store_dir / "pdf-source"
    folder.mkdir()
    shutil.copy(pdf, folder)
    report, ingest_s = timed(lambda: Assistant(settings, store=store_dir / "pdf", source=folder).ingest())
    return {
        "pdf": pdf.name,
        "pdf_pages": pages,
        "pdf_extract_pages_per_s": round(pages / extract_s, 1),
        "pdf_ingest_pages_per_s": round(pages / ingest_s, 2),
        "pdf_ingest_chunks": report.chunks_embedded,
    } | startup_check(pdf, store_dir / "forty-pdfs")


def startup_check(pdf: Path, folder: Path, copies: int = 40) -> dict:
    """What each start-up pays to find a folder of `copies` PDFs unchanged: reading every document
    (as before 2026-12-06) against size, time and byte hash with the stored records (as now). The
    records are the documents' own, as ingest stores them; the store's query is not timed."""
    folder.mkdir()
    for i in range(copies):
        (folder / f"{i:02d}.pdf").write_bytes(pdf.read_bytes() + f"\n%{i}\n".encode())  # 40 different files
    extraction._cached.cache_clear()
    (docs, _, _), read_all = timed(documents.load_documents, folder)
    stored = {d.source: {"stamp": d.stamp, "file_sha256": d.file_sha256, "given_title": d.given_title} for d in docs}
    extraction._cached.cache_clear()
    (_, _, same), checked = timed(documents.load_documents, folder, stored=stored)
    assert len(same) == copies
    return {"startup_unchanged_pdfs": copies, "startup_read_all_s": round(read_all, 3), "startup_checked_s": round(checked, 4)}


def retrieval_latency(assistant: Assistant, store_dir: Path, sizes=(1_000, 10_000, 100_000), queries: int = 50) -> dict:
    """Search latency on synthetic corpora (random words, random unit vectors: embedding is timed by ingest)."""
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(20_000)]
    weights = 1 / np.arange(1, len(vocab) + 1)
    weights /= weights.sum()
    out = {}
    store = Store(store_dir / "synthetic", "synthetic")
    count = 0
    for size in sizes:
        while count < size:
            n = min(5_000, size - count)
            vectors = rng.normal(size=(n, DIMENSIONS)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            texts = [" ".join(rng.choice(vocab, size=60, p=weights)) for _ in range(n)]
            ids = [f"s{i}" for i in range(count, count + n)]
            meta = {"root": "/synthetic", "title": "synthetic", "sha256": "-", "start": 0}
            metas = [meta | {"source": f"doc{i // 100}.txt", "index": i % 100, "end": len(t)} for i, t in enumerate(texts, count)]
            store.collection.add(ids=ids, embeddings=vectors, documents=texts, metadatas=metas)
            count += n
        corpus = Corpus.load(store, assistant.embedder)
        times = []
        for _ in range(queries):
            query = " ".join(rng.choice(vocab[:2000], size=6))
            times.append(timed(retrieval.search, corpus, query, assistant.settings.top_k)[1] * 1000)
        out[str(size)] = {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95)}
    return {"retrieval_p95_ms": {k: v["p95_ms"] for k, v in out.items()}, "retrieval_ms": out}


# Runs the command and prints its peak RSS (kB). A child's ru_maxrss starts at its parent's peak (exec
# keeps the high-water mark of the memory it replaces), so the measured process is started from this
# small interpreter, not from the bench, which holds a model of its own.
PEAK = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
    f"r.returncode in (0, {ABSTAINED}) or sys.exit(r.stderr.decode()[-2000:]); "  # an answer, or none found
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_rss(settings: Settings, store: Path) -> dict:
    """Peak resident memory of `assistant ask` on the seeds with the settings' model, in a fresh process."""
    question = "Who led the WPK delegation to Moscow?"
    cmd = [sys.executable, "-m", "assistant", "ask", question, "--store", str(store), "--model", settings.model, "--json"]
    kb = subprocess.run([sys.executable, "-c", PEAK, *cmd], capture_output=True, text=True, check=True).stdout
    return {"peak_rss_mb": round(int(kb) / 1024, 1)}


def run(settings: Settings, out: Path, sizes=(1_000, 10_000, 100_000), log=print) -> dict:
    """Every figure, written to `out`/bench.json. The stores it builds (hundreds of MB at 100k chunks)
    live in a temporary folder that is removed afterwards."""
    out.mkdir(parents=True, exist_ok=True)
    figures: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "threads": settings.threads,
    }
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as name:
        tmp = Path(name)
        log("ingest ...")
        figures |= ingest_speed(settings, tmp)
        assistant = Assistant(settings, store=tmp / "cold")
        figures["model"] = assistant.model_name
        log("PDF extraction and ingest ...")
        figures |= pdf_speed(settings, tmp)
        raw = None
        if not settings.llm_server:
            log("raw llama.cpp speed, and the generation overhead in interleaved pairs ...")
            plain = raw_llama(settings)
            raw = raw_speed(plain)
            figures |= raw | generation_speed(assistant, plain)
            del plain
        log("time to first text and to the answer ...")
        figures |= answer_latency(assistant, dev_questions()[:20], raw)
        log("peak memory ...")
        figures |= peak_rss(settings, tmp / "cold")
        log(f"retrieval latency at {', '.join(map(str, sizes))} chunks ...")
        figures |= retrieval_latency(assistant, tmp, sizes)
    (out / "bench.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures
