"""Ablations on a dev split: each technique of the default pipeline switched off (or changed) in turn.

    .venv/bin/python evals/ablate.py [--dataset evals/dev.jsonl --source seeds] [--out evals/ablation.md]
    .venv/bin/python evals/ablate.py --dataset evals/wiki/dev.jsonl --source evals/wiki/corpus \
        --out evals/wiki/ablation.md [--only "default pipeline" --only "no coverage gate"]

Each variant is a set of settings (`Settings.bm25`, `name_gate`, `type_bonus`, `word_check`,
`type_check`, `verify`, the model...), the switches the product itself reads, so a variant cannot
silently do nothing (tests/test_ablation_switches.py shows each one changes the output). The model's
replies are cached by prompt across variants (a variant that gives the model the same prompt gets
the same reply without running it again), so latency is measured on the rows marked "model run"
only. Tune on dev only: the test splits are for reported figures.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from assistant import Assistant, Settings
from assistant.evaluation import evaluate

HERE = Path(__file__).resolve().parent


class CachedReplies:
    """Wraps a generator: the same prompt gets the same reply, computed once."""

    def __init__(self, generator):
        self.generator, self.cache, self.misses = generator, {}, 0
        self.name, self.chat_template = generator.name, generator.chat_template
        self.count_tokens, self.chat = generator.count_tokens, generator.chat  # not cached

    def _once(self, key, compute):
        if key not in self.cache:
            self.misses += 1
            self.cache[key] = compute()
        return self.cache[key]

    def stream(self, prompt, max_tokens):
        yield from self._once(("completion", repr(prompt), max_tokens), lambda: list(self.generator.stream(prompt, max_tokens)))

    def read(self, messages, max_tokens):
        return self._once(("read", repr(messages), max_tokens), lambda: self.generator.read(messages, max_tokens))

    def yes_probability(self, messages):
        return self._once(("yes", repr(messages), 0), lambda: self.generator.yes_probability(messages))


VARIANTS: dict[str, dict] = {  # name -> settings overrides
    "default pipeline": {},
    "no BM25 (dense retrieval only)": {"bm25": False},
    "no answer-type bonus in evidence ranking": {"type_bonus": 0.0},
    "no unknown-name gate": {"name_gate": False},
    "no second look": {"verify": False},
    "its answers not checked word for word": {"word_check": False},
    "neither check (the model's answer shown as it is)": {"word_check": False, "verify": False},
    "reads 3 sentences": {"read_sentences": 3},
    "Qwen2.5-Coder-0.5B-Instruct reads": {"model": "qwen2.5-coder-0.5b"},
    "SmolLM2-135M-Instruct reads": {"model": "smollm2-135m"},
    "Gemma 3 270M quotes (fast mode)": {"model": "gemma3-270m"},
    "Gemma 3 270M quotes, no answer-type check": {"model": "gemma3-270m", "type_check": False},
}
# the table's columns; the latency last, as main() writes its cell apart
KEYS = ["key_fact_accuracy", "abstention_recall", "abstention_precision", "citation_precision", "citation_recall"]
KEYS += ["answer_words_median", "latency_p50_s"]


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
    lines = [
        f"Ablations on `{args.dataset}` over `{args.source}` (each row changes one thing).",
        "",
        "| variant | " + " | ".join(KEYS) + " |",
        "|---" * (len(KEYS) + 1) + "|",
    ]
    generators = {}  # model -> its cached generator, shared by the variants that use it
    for name in names:
        settings = Settings(store=store, source=args.source, **VARIANTS[name])
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
