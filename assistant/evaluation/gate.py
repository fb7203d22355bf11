"""The eval gate (`assistant eval --gate`, a CI step of its own): each held-out test split in
`evals/floors.json`, run with the reference pipelines, checked against its floors, and the product
against the naive and extractive pipelines on the same items.

A known gap (`known_gaps` in floors.json) is a check that is expected to fail; the day it passes, the
gate fails too, so that its entry goes and the gap cannot reopen unseen.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from ..settings import REPO_ROOT, Settings

# (pipeline, figure) the product must beat on the same items, in the order of the checks
BEATEN = [("baseline", "key_fact_accuracy"), ("extractive", "key_fact_accuracy")]
BEATEN += [("baseline", "answer_precision"), ("baseline", "abstention_recall")]
# asked in one conversation as alone, a figure may move by one item (a share of a share for precisions)
CONVERSATION_METRICS = ["key_fact_accuracy", "abstention_recall", "abstention_precision", "citation_precision", "citation_recall"]


class Check(BaseModel):
    split: str
    name: str
    ok: bool
    detail: str
    known_gap: str = ""  # why it is expected to fail, when it is

    @property
    def passed(self) -> bool:
        """An ordinary check must hold; a known gap must still be a gap."""
        return self.ok != bool(self.known_gap)


def load() -> tuple[dict, dict[str, dict]]:
    """(the gate's options, each test split's spec: source, conversation, floors, known_gaps)."""
    spec = json.loads((REPO_ROOT / "evals" / "floors.json").read_text(encoding="utf-8"))
    return spec["_gate"], {k: v for k, v in spec.items() if not k.startswith("_")}


def checks(split: str, spec: dict, report: dict) -> list[Check]:
    """Every check of one split's report (as `evaluate` writes it)."""
    gaps = spec.get("known_gaps", {})

    def check(name: str, ok: bool, detail: str) -> Check:
        return Check(split=split, name=name, ok=ok, detail=detail, known_gap=gaps.get(name, ""))

    out = []
    for metric, floor in spec["floors"].items():
        value = report[metric.removesuffix("_max")]
        if metric.endswith("_max"):
            out.append(check(metric, value <= floor, f"{metric[:-4]} {value} <= ceiling {floor}"))
        else:
            out.append(check(metric, value >= floor, f"{value} >= floor {floor}"))
    paired = report.get("paired", {})
    for other, metric in BEATEN:
        if other in paired:
            same, theirs = paired[other]["product"][metric], report[other][metric]
            # a figure the items cannot give (None: no unanswerable item) is no win
            above = same is not None and theirs is not None and same > theirs
            out.append(check(f"{metric.removesuffix('_accuracy')}_above_{other}", above, f"{same} vs {theirs} on the same items"))
    if "conversation" in paired:
        alone = paired["conversation"]["product"]
        for metric in CONVERSATION_METRICS:
            n = alone["n_unanswerable"] if metric == "abstention_recall" else alone["n_answerable"]
            one_item = 1 / n if metric in ("key_fact_accuracy", "citation_recall", "abstention_recall") and n else 0.1
            together = report["conversation"][metric]
            ok = abs(together - alone[metric]) <= one_item + 1e-9
            out.append(check(f"conversation_{metric}", ok, f"{together} in one conversation, {alone[metric]} alone"))
    return out


def run(settings: Settings, out: Path, progress: Callable | None = None) -> list[Check]:
    """Each split on a fresh store of its corpus; its report in `out/<split>/`, the checks in `out/gate.md`."""
    from ..pipeline import Assistant
    from . import evaluate

    options, splits = load()
    found: list[Check] = []
    for split, spec in splits.items():
        with tempfile.TemporaryDirectory(prefix="assistant-gate-", ignore_cleanup_errors=True) as stores:
            assistant = Assistant(
                settings.model_copy(update={"store": Path(stores) / "store", "source": REPO_ROOT / spec["source"]})
            )
            report = evaluate(
                assistant,
                REPO_ROOT / split,
                out / split.removesuffix(".jsonl").replace("/", "-"),
                baseline=True,
                conversation=spec.get("conversation", False),
                compare_limit=options["compare_limit"],
                progress=progress,
            )
        found += checks(split, spec, report)
    lines = ["| split | check | result | figures |", "|---|---|---|---|"]
    for c in found:
        result = ("pass" if c.passed else "FAIL") + (f" (known gap{' closed: remove it' if c.ok else ''})" if c.known_gap else "")
        lines.append(f"| {c.split} | {c.name} | {result} | {c.detail} |")
    out.mkdir(parents=True, exist_ok=True)
    (out / "gate.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return found
