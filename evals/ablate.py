"""Ablations on a dev split: each technique of the default pipeline switched off (or changed) in turn.

    .venv/bin/python evals/ablate.py [--dataset evals/dev.jsonl --source seeds] [--out evals/ablation.md]
    .venv/bin/python evals/ablate.py --dataset evals/wiki/dev.jsonl --source evals/wiki/corpus \
        --out evals/wiki/ablation.md [--only "default pipeline" --only "no coverage gate"]

Switches are applied by patching one component at a time, so the product code stays free of
experiment flags. The model's replies are cached by prompt across variants (a variant that gives
the model the same prompt gets the same reply without running it again), so latency is measured
on the rows marked "model run" only. Tune on dev only: the test splits are for reported figures.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from pathlib import Path
from unittest import mock

from assistant import Assistant, Settings, checking, grounding, retrieval, text
from assistant.evaluation import evaluate
from assistant.retrieval import Retriever

HERE = Path(__file__).resolve().parent


class CachedReplies:
    """Wraps a generator: the same prompt gets the same reply, computed once."""

    def __init__(self, generator):
        self.generator, self.cache, self.misses = generator, {}, 0
        self.name, self.chat_template = generator.name, generator.chat_template
        self.count_tokens = generator.count_tokens

    def _cached(self, kind, prompt, max_tokens):
        key = (kind, repr(prompt), max_tokens)
        if key not in self.cache:
            self.misses += 1
            method = self.generator.stream_chat if kind == "chat" else self.generator.stream
            self.cache[key] = list(method(prompt, max_tokens))
        yield from self.cache[key]

    def stream(self, prompt, max_tokens):
        return self._cached("completion", prompt, max_tokens)

    def stream_chat(self, messages, max_tokens):
        return self._cached("chat", messages, max_tokens)

    def chat(self, messages, max_tokens):
        return self.generator.chat(messages, max_tokens)


def plain_fusion(dense_ids: list[str], lexical: list[str], k: int) -> tuple[list[str], dict[str, float]]:
    """retrieval.fuse without keeping each retriever's first hit."""
    fused = retrieval.rrf([dense_ids, lexical], [1.0, retrieval.LEXICAL_WEIGHT])
    return sorted(fused, key=fused.get, reverse=True)[:k], fused


_sentences = grounding.sentences


def punctuated_only(passages):
    """grounding.sentences without lines that end with no punctuation (headings, captions, link lists)."""
    return [s for s in _sentences(passages) if s[0][-1] in ".!?;:\"”’')»"]


def unchecked(said, question, history, evidence, min_support):
    """No check: whatever the instruct model says (but "not stated") is shown, citing what it cited (else [1])."""
    if said.not_stated:
        return checking.Verdict(supported=False, reason="not stated")
    return checking.Verdict(supported=True, sentences=[n - 1 for n in said.cited] or [0], reason="unchecked")


VARIANTS = {  # name -> (settings overrides, patches)
    "default pipeline": ({}, []),
    "no BM25 (dense retrieval only)": ({}, [mock.patch.object(Retriever, "_bm25", lambda self, q, n: [])]),
    "plain fusion (each retriever's first hit not kept)": ({}, [mock.patch.object(retrieval, "fuse", plain_fusion)]),
    "no British/American spelling normalisation": ({}, [mock.patch.object(text, "american", str.lower)]),
    "no answer-type bonus in evidence ranking": ({}, [mock.patch.object(grounding, "TYPE_BONUS", 0.0)]),
    "no answer-type check": ({}, [mock.patch.object(grounding, "has_type", lambda *a: True)]),
    "no unknown-name gate": ({}, [mock.patch.object(grounding, "unknown_names", lambda q, df: [])]),
    "no unpunctuated lines (headings, captions) as evidence": ({}, [mock.patch.object(grounding, "sentences", punctuated_only)]),
    "no model (always quote the best sentence)": ({}, [mock.patch.object(grounding, "supported", lambda *a: None)]),
    "SmolLM2-135M-Instruct reads (instruct path)": ({"model": "smollm2-135m"}, []),
    "Qwen2.5-Coder-0.5B-Instruct reads (instruct path)": ({"model": "qwen2.5-coder-0.5b"}, []),
    "Qwen2.5-Coder-1.5B-Instruct reads (instruct path)": ({"model": "qwen2.5-coder-1.5b"}, []),
    "Qwen2.5-Coder-1.5B-Instruct reads 3 sentences": ({"model": "qwen2.5-coder-1.5b", "read_sentences": 3}, []),
    "Qwen2.5-Coder-1.5B-Instruct reads 2 sentences": ({"model": "qwen2.5-coder-1.5b", "read_sentences": 2}, []),
    "Qwen2.5-Coder-1.5B-Instruct, its answers unchecked": (
        {"model": "qwen2.5-coder-1.5b"}, [mock.patch.object(checking, "check", unchecked)]),
}
KEYS = ["key_fact_accuracy", "abstention_recall", "abstention_precision", "citation_precision",
        "citation_recall", "answer_words_median", "latency_p50_s"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=HERE / "dev.jsonl", help="JSONL Q&A items (a dev split)")
    parser.add_argument("--source", type=Path, default=HERE.parent / "seeds", help="the folder of documents it asks about")
    parser.add_argument("--out", type=Path, default=HERE / "ablation.md")
    parser.add_argument("--only", action="append", default=[], help="a variant to run (repeatable; default: all)")
    parser.add_argument("--store", type=Path, default=None, help="a store of that folder alone (default: a new one)")
    args = parser.parse_args()
    names = args.only or list(VARIANTS)
    store = args.store or Path(tempfile.mkdtemp()) / "store"
    lines = [f"Ablations on `{args.dataset}` over `{args.source}` (each row changes one thing).", "",
             "| variant | " + " | ".join(KEYS) + " |", "|---" * (len(KEYS) + 1) + "|"]
    generators = {}  # model -> its cached generator, shared by the variants that use it
    for name in names:
        overrides, patches = VARIANTS[name]
        with contextlib.ExitStack() as stack:
            for p in patches:
                stack.enter_context(p)
            settings = Settings(store=store, source=args.source, **overrides)
            if settings.model not in generators:
                generators[settings.model] = CachedReplies(Assistant(settings).generator)
            generator = generators[settings.model]
            before = generator.misses
            report = evaluate(Assistant(settings, generator=generator), args.dataset, Path(tempfile.mkdtemp()))
        row = [str(round(report[k], 3)) if report[k] is not None else "n/a" for k in KEYS[:-1]]  # n/a: no abstention
        fresh = generator.misses - before
        row.append(str(report["latency_p50_s"]) if fresh >= report["n"] // 2 else "(cached)")
        lines.append(f"| {name} | " + " | ".join(row) + " |")
        print(lines[-1], flush=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
