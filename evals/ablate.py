"""Ablations on a dev split: each technique of the default pipeline switched off in turn.

    .venv/bin/python evals/ablate.py [--dataset evals/dev.jsonl --source seeds] [--out evals/ablation.md]
    .venv/bin/python evals/ablate.py --dataset evals/wiki/dev.jsonl --source evals/wiki/corpus \
        --out evals/wiki/ablation.md

Switches are applied by patching one component at a time, so the product code stays free of
experiment flags. Tune on dev only: the test split is for the reported figures.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import tempfile
from pathlib import Path
from unittest import mock

from assistant import Assistant, Settings, grounding, retrieval
from assistant.evaluation import evaluate
from assistant.retrieval import Retriever
from assistant.settings import smollm2_model_path

HERE = Path(__file__).resolve().parent


_answer_type = grounding.answer_type
NAME_KINDS = ("person", "city", "country", "facility", "name")


def any_name(question: str) -> str | None:
    """answer_type without the kinds of name: any new capitalised word answers who, which city, which park."""
    kind = _answer_type(question)
    return "name" if kind in NAME_KINDS else kind


def who_only_names(question: str) -> str | None:
    """answer_type as before "which X" questions were typed as asking for a name."""
    kind = any_name(question)
    return None if kind == "name" and not re.match(r"(and |so |then )?(who|whom)\b", question.lower()) else kind


def plain_fusion(dense_ids: list[str], lexical: list[str], k: int) -> tuple[list[str], dict[str, float]]:
    """retrieval.fuse without keeping each retriever's first hit."""
    fused = retrieval.rrf([dense_ids, lexical], [1.0, retrieval.LEXICAL_WEIGHT])
    return sorted(fused, key=fused.get, reverse=True)[:k], fused


VARIANTS = {  # name -> (settings overrides, patches)
    "default pipeline": ({}, []),
    "no BM25 (dense retrieval only)": ({}, [mock.patch.object(Retriever, "_bm25", lambda self, q, n: [])]),
    "plain fusion (each retriever's first hit not kept)": ({}, [mock.patch.object(retrieval, "fuse", plain_fusion)]),
    "BM25 weighted 1.0 instead of 0.5 in fusion": ({}, [mock.patch.object(retrieval, "LEXICAL_WEIGHT", 1.0)]),
    "no answer-type bonus in evidence ranking": ({}, [mock.patch.object(grounding, "TYPE_BONUS", 0.0)]),
    "no unknown-name gate": ({}, [mock.patch.object(grounding, "unknown_names", lambda q, df: [])]),
    "no coverage gate": ({"min_coverage": 0.0}, []),
    "people, cities, countries and facilities typed as any name": ({}, [mock.patch.object(grounding, "answer_type", any_name)]),
    "'which X' not typed as a name question either": ({}, [mock.patch.object(grounding, "answer_type", who_only_names)]),
    "'the two countries' counted as a number": ({}, [mock.patch.object(grounding, "ANAPHORIC", re.compile(r"(?!)"))]),
    "no British/American spelling normalisation": ({}, [mock.patch.object(retrieval, "american", str.lower)]),
    "no answer-type check": ({}, [mock.patch.object(grounding, "has_type", lambda *a: True)]),
    "no model (always quote the best sentence)": ({}, [mock.patch.object(grounding, "supported", lambda *a: None)]),
    "no quote trimming": ({"max_quote_words": 200}, []),
    "1 evidence sentence instead of 3": ({"evidence_sentences": 1}, []),
    "SmolLM2-135M-Instruct instead of Gemma 3 270M": ({"model": smollm2_model_path()}, []),
}
KEYS = ["key_fact_accuracy", "abstention_recall", "abstention_precision", "citation_precision",
        "citation_recall", "answer_words_median", "latency_p50_s"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=HERE / "dev.jsonl", help="JSONL Q&A items (a dev split)")
    parser.add_argument("--source", type=Path, default=HERE.parent / "seeds", help="the folder of documents it asks about")
    parser.add_argument("--out", type=Path, default=HERE / "ablation.md")
    args = parser.parse_args()
    store = Path(tempfile.mkdtemp()) / "store"
    lines = [f"Ablations on `{args.dataset}` over `{args.source}` (each row switches one technique off).", "",
             "| variant | " + " | ".join(KEYS) + " |", "|---" * (len(KEYS) + 1) + "|"]
    for name, (overrides, patches) in VARIANTS.items():
        with contextlib.ExitStack() as stack:
            for p in patches:
                stack.enter_context(p)
            assistant = Assistant(Settings(store=store, source=args.source, **overrides))
            report = evaluate(assistant, args.dataset, Path(tempfile.mkdtemp()))
        row = [str(round(report[k], 3)) for k in KEYS]
        lines.append(f"| {name} | " + " | ".join(row) + " |")
        print(lines[-1], flush=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
