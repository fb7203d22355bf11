"""The eval suite: run pipelines on hand-written Q&A pairs and score them with honest metrics.

Dataset format (JSONL, one item per line): id, question, answer ("" when unanswerable),
must_include (list of lists: every inner list needs one of its strings in the answer), sources
(file names), unanswerable (default false), history ([question, answer] pairs asked before).
"""

from __future__ import annotations

import json
import statistics
import string
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ValidationError

from ..errors import AssistantError
from ..extraction import extract_text
from ..models import Answer
from ..reading import strip_markers

METRICS = [  # (key, label, higher is better)
    ("key_fact_accuracy", "key-fact accuracy", True),
    ("answer_precision", "answer precision (right / shown)", True),
    ("aurc", "AURC (lower is better)", False),
    ("token_f1", "token F1", True),
    ("abstention_recall", "abstention recall", True),
    ("abstention_precision", "abstention precision", True),
    ("citation_validity", "citation validity", True),
    ("citation_precision", "citation precision", True),
    ("citation_recall", "citation recall", True),
    ("retrieval_recall_at_k", "retrieval recall@k", True),
    ("mrr", "MRR", True),
    ("answer_words_median", "answer words (median)", False),
    ("latency_p50_s", "latency p50 (s)", False),
    ("latency_p95_s", "latency p95 (s)", False),
]


class EvalItem(BaseModel):  # unknown keys are ignored (pydantic's default)
    id: str
    question: str
    answer: str = ""
    must_include: list[list[str]] = []
    sources: list[str] = []
    unanswerable: bool = False
    history: list[tuple[str, str]] = []


def load_dataset(path: Path) -> list[EvalItem]:
    path = Path(path)
    if not path.is_file():
        raise AssistantError(f"Dataset not found: {path}. Pass --dataset PATH to a JSONL file of Q&A items.")
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                items.append(EvalItem.model_validate_json(line))
            except ValidationError as e:
                err = e.errors()[0]
                raise AssistantError(f"{path} line {n} is not a valid item: {err['msg']} at {err['loc']}") from None
    if not items:
        raise AssistantError(f"Dataset {path} has no items.")
    return items


# -- scoring ------------------------------------------------------------------------------------
_FOLD = dict.fromkeys(map(ord, "-‐‑‒–—―−"), " ")  # dashes to spaces, quotes to ' and "
_FOLD |= {ord(c): "'" for c in "‘’‚‛`´"} | {ord(c): '"' for c in "“”„‟«»"}


def normalize(text: str) -> str:
    """Case, whitespace, dashes and quotes normalised, for must_include matching."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    return " ".join(text.split())


def found_groups(texts: list[str], must_include: list[list[str]]) -> bool:
    """True when every group has at least one string in one of the texts."""
    norm = [normalize(t) for t in texts]
    return all(any(normalize(s) in t for s in group for t in norm) for group in must_include)


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style token F1 (lowercase, no punctuation or articles)."""

    def toks(s: str) -> list[str]:
        s = "".join(c for c in normalize(s) if c not in string.punctuation)
        return [w for w in s.split() if w not in ("a", "an", "the")]

    p, r = toks(prediction), toks(reference)
    common = sum((Counter(p) & Counter(r)).values())
    if not p or not r or not common:
        return float(p == r)
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


def bootstrap_ci(values: list[float], n: int = 2000, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    means = rng.choice(np.asarray(values, dtype=float), size=(n, len(values)), replace=True).mean(axis=1)
    return [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)]


def judge(item: EvalItem, answer: Answer) -> dict:
    """Every metric's verdict for one item: the line of results.jsonl."""
    body = strip_markers(answer.text)
    answerable = not item.unanswerable
    any_fact = [[s for group in item.must_include for s in group]]  # one group: a relevant text holds any fact
    cites = []
    for c in answer.citations:
        try:
            valid = extract_text(c.file_path)[c.start : c.end] == c.text
        except (OSError, ValueError):
            valid = False
        precise = answerable and c.source in item.sources and found_groups([c.text], any_fact)
        cites.append({"n": c.n, "source": c.source, "valid": valid, "precise": precise})
    relevant = [p.source in item.sources and found_groups([p.text], any_fact) for p in answer.passages]
    # what the reader would have said: the shown text, or the answer the check refused (kept for evals)
    candidate = answer.text if not answer.abstained else answer.candidate
    return {
        "id": item.id,
        "question": item.question,
        "reference": item.answer,
        "unanswerable": item.unanswerable,
        "answer": answer.text,
        "abstained": answer.abstained,
        "verdict": answer.verdict,
        "shown": not answer.abstained,
        "confidence": answer.confidence,
        "signals": answer.signals,
        "candidate": answer.candidate,
        "candidate_correct": answerable
        and bool(candidate.strip())
        and found_groups([strip_markers(candidate)], item.must_include),
        "correct": answerable and not answer.abstained and found_groups([body], item.must_include),
        "token_f1": token_f1(body, item.answer) if answerable and not answer.abstained else 0.0,
        "citations": cites,
        "cited_all_facts": answerable and any(found_groups([c.text], item.must_include) for c in answer.citations),
        "retrieved_all_facts": answerable and found_groups([p.text for p in answer.passages], item.must_include),
        "reciprocal_rank": 1 / (relevant.index(True) + 1) if answerable and any(relevant) else 0.0,
        "words": len(body.split()),
        "latency_s": answer.timings.get("total", 0.0),
        "passages": [{"source": p.source, "start": p.start, "end": p.end, "score": p.score} for p in answer.passages],
        "cited": [c.model_dump(include={"n", "source", "start", "end", "text"}) for c in answer.citations],
    }


def ok(row: dict) -> bool:
    """Right on this item: the key facts for an answerable one, an abstention for an unanswerable one."""
    return row["abstained"] if row["unanswerable"] else row["correct"]


def risk_coverage(rows: list[dict]) -> tuple[list[dict], float | None]:
    """(the risk-coverage points, AURC) of the calibrated confidence, over the rows with a candidate answer
    (shown, or refused by the check) and a confidence: the others are never shown, whatever the threshold.
    A point per distinct confidence t shows the candidates >= t; its coverage is over all rows, so items
    without a candidate lower the reachable coverage. AURC: the mean over k of the risk (wrong / k) of the
    k most confident candidates (None without any); rows without a calibrated confidence give ([], None).
    """
    if not rows or any("candidate_correct" not in r or "confidence" not in r for r in rows):
        return [], None
    # a candidate: the reader's answer, shown or refused, with a confidence in it; sorted is stable on ties
    cands = [r for r in rows if r["confidence"] is not None and (not r["abstained"] or r["candidate"].strip())]
    cands.sort(key=lambda r: -r["confidence"])
    points: dict[float, dict] = {}  # by threshold, highest first: the last row at a threshold sets its point
    risks, good = [], 0
    for k, r in enumerate(cands, start=1):
        good += bool(r["candidate_correct"]) and not r["unanswerable"]
        risks.append((k - good) / k)
        t = r["confidence"]
        points[t] = {"threshold": t, "coverage": round(k / len(rows), 4), "answer_precision": round(good / k, 4), "shown": k}
    return list(points.values()), round(sum(risks) / len(risks), 4) if risks else None


def summarize(rows: list[dict]) -> dict:
    """Every figure of METRICS; each rate also with its 95% bootstrap interval (`<key>_ci95`). Also
    `n_shown`, and `risk_coverage` and `aurc` of the calibrated confidence (see `risk_coverage`)."""
    ans = [r for r in rows if not r["unanswerable"]]
    una = [r for r in rows if r["unanswerable"]]
    lat = [r["latency_s"] for r in rows]
    rates = {  # key -> the 0/1 (or [0, 1]) value of each thing it averages over
        "key_fact_accuracy": [r["correct"] for r in ans],
        # right / shown: a shown answer to an unanswerable item is wrong (`correct` is False there)
        "answer_precision": [not r["unanswerable"] and r["correct"] for r in rows if not r["abstained"]],
        "token_f1": [r["token_f1"] for r in ans],
        "abstention_recall": [r["abstained"] for r in una],
        "abstention_precision": [r["unanswerable"] for r in rows if r["abstained"]],
        "citation_validity": [c["valid"] for r in rows for c in r["citations"]],
        "citation_precision": [c["precise"] for r in ans for c in r["citations"]] or ([0.0] if ans else []),
        "citation_recall": [r["cited_all_facts"] for r in ans],
        "retrieval_recall_at_k": [r["retrieved_all_facts"] for r in ans],
        "mrr": [r["reciprocal_rank"] for r in ans],
    }
    summary: dict = {
        "n": len(rows),
        "n_answerable": len(ans),
        "n_unanswerable": len(una),
        "n_shown": sum(not r["abstained"] for r in rows),
    }
    for key, values in rates.items():
        summary[key] = round(sum(values) / len(values), 4) if values else None
        summary[f"{key}_ci95"] = bootstrap_ci([float(v) for v in values]) if values else None
    points, aurc = risk_coverage(rows)
    return summary | {
        "aurc": aurc,
        "risk_coverage": points,
        "answer_words_median": statistics.median([r["words"] for r in rows if not r["abstained"]] or [0]),
        "latency_p50_s": round(float(np.percentile(lat, 50)), 3) if lat else None,
        "latency_p95_s": round(float(np.percentile(lat, 95)), 3) if lat else None,
    }


# -- running ------------------------------------------------------------------------------------
def run_pipeline(ask: Callable[..., Answer], items: list[EvalItem], progress=None, *, conversation: bool = False) -> list[dict]:
    """Each item asked with its own `history`. With `conversation`, the items are asked in order in one
    conversation, as the chat asks them: an item without a history gets the questions asked before it
    and the pipeline's own answers."""
    rows: list[dict] = []
    said: list[tuple[str, str]] = []
    for item in items:
        answer = ask(item.question, history=[tuple(h) for h in item.history] or said)
        rows.append(judge(item, answer))
        if conversation:
            said = [*said, (item.question, answer.text)]
        if progress:
            progress(item)
    return rows


def figures_of(report: dict, name: str) -> dict:
    """One pipeline's figures: the product's are the report's own."""
    return report if name == "product" else report[name]


def fmt(value: float | None) -> str:
    return "n/a" if value is None else str(round(value, 3))


def _markdown(report: dict, rows: dict[str, list[dict]]) -> str:
    names = list(rows)
    lines = [
        f"# Eval report: {report['config']['dataset']}",
        "",
        f"{report['n']} items ({report['n_answerable']} answerable, {report['n_unanswerable']} unanswerable); "
        f"model `{report['config']['model']}`, k={report['config']['top_k']}.",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for key, label, _ in METRICS:
        lines.append(f"| {label} | " + " | ".join(fmt(figures_of(report, n).get(key)) for n in names) + " |")
    intervals = [f"{label} [{ci[0]:.3f}, {ci[1]:.3f}]" for key, label, _ in METRICS if (ci := report.get(f"{key}_ci95"))]
    lines += ["", "Product 95% bootstrap intervals: " + "; ".join(intervals) + ".", "", "![metrics](metrics.png)", ""]
    lines += _risk_section(report)
    for name in names[1:]:
        same, win, loss = (report["paired"][name][k] for k in ("product", "product_only", "other_only"))
        lines += [
            f"## Paired with {name}",
            "",
            f"- on the same {same['n']} items, key-fact accuracy {fmt(same['key_fact_accuracy'])} (product) vs "
            f"{fmt(report[name]['key_fact_accuracy'])}; abstention recall {fmt(same['abstention_recall'])} vs "
            f"{fmt(report[name]['abstention_recall'])}",
            f"- right only with the product ({len(win)}): {', '.join(win) or 'none'}",
            f"- right only with {name} ({len(loss)}): {', '.join(loss) or 'none'}",
            "",
        ]
    lines += ["## Worst failures of the product", ""]
    failures = [r for r in rows["product"] if not ok(r)]
    for r in failures[:15]:
        why = "answered an unanswerable question" if r["unanswerable"] else "abstained" if r["abstained"] else "missing key facts"
        lines += [
            f"- **{r['id']}** ({why}): {r['question']}",
            f"  - answer: {r['answer'][:300]}",
            f"  - reference: {r['reference'] or '(unanswerable)'}",
            f"  - confidence: {fmt(r.get('confidence'))}",
        ]
        if r.get("candidate"):
            lines.append(f"  - candidate (refused by the check): {r['candidate'][:300]}")
    if not failures:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def _risk_section(report: dict) -> list[str]:
    """The product's AURC and up to 8 points of its risk-coverage curve, as markdown lines."""
    points = report.get("risk_coverage") or []
    lines = [
        "## Risk and coverage",
        "",
        f"Answer precision (right / shown) {fmt(report.get('answer_precision'))} on {report.get('n_shown', 'n/a')} "
        f"answers shown; AURC {fmt(report.get('aurc'))} (mean risk over the answers ranked by calibrated "
        "confidence; lower is better).",
        "",
    ]
    if not points:
        return [*lines, "No calibrated confidence on the answers: no risk-coverage curve.", ""]
    if len(points) > 8:  # 8 of them, evenly chosen, the first and the last included
        points = [points[round(i * (len(points) - 1) / (8 - 1))] for i in range(8)]
    lines += ["| threshold | coverage | answer precision | shown |", "|---|---|---|---|"]
    for p in points:
        lines.append(f"| {fmt(p['threshold'])} | {fmt(p['coverage'])} | {fmt(p['answer_precision'])} | {p['shown']} |")
    return [*lines, ""]


def _chart(path: Path, report: dict, names: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [(k, label) for k, label, better in METRICS if better]
    fig, (ax, curve) = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [3, 2]})
    height = 0.8 / len(names)
    for i, name in enumerate(names):
        figures = figures_of(report, name)
        values = [figures.get(k) or 0.0 for k, _ in keys]
        ax.barh([j + i * height for j in range(len(keys))], values, height=height, label=name, color=f"C{i}")
        if points := figures.get("risk_coverage"):  # the risk-coverage curve, or one point where there is no confidence
            xs, ys = [p["coverage"] for p in points], [p["answer_precision"] for p in points]
            curve.plot(xs, ys, marker=".", color=f"C{i}", label=f"{name} (AURC {figures.get('aurc')})")
        elif figures.get("answer_precision") is not None and figures.get("n"):
            share = figures.get("n_shown", 0) / figures["n"]
            curve.plot([share], [figures["answer_precision"]], marker="o", linestyle="", color=f"C{i}", label=name)
    ax.set_yticks([j + height * (len(names) - 1) / 2 for j in range(len(keys))], [label for _, label in keys])
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), title=f"{report['config']['dataset']} (n={report['n']})")
    ax.legend(loc="lower right")
    curve.axhline(0.95, linestyle=":", color="grey", label="target precision")
    curve.set(xlim=(0, 1.02), ylim=(0, 1.03), title="risk-coverage as the confidence threshold moves")
    curve.set(xlabel="coverage (answers shown / items)", ylabel="answer precision (right / shown)")
    curve.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def evaluate(
    assistant,
    dataset: Path,
    out: Path,
    *,
    limit: int | None = None,
    baseline: bool = False,
    conversation: bool = False,
    compare_limit: int | None = None,
    progress: Callable[[str, int], Callable[[EvalItem], None] | None] | None = None,
) -> dict:
    """Run the product (and with `baseline` the two reference pipelines; with `conversation` the product
    asking the items in one conversation) and write the report. `compare_limit` runs those comparisons on
    the first N items only (they cost as much as the product's run, or more); each one's `paired` entry
    holds the product's figures on the same items. `progress(pipeline, n_items)` returns a per-item callback.
    """
    items = load_dataset(dataset)[:limit]
    compared = items[:compare_limit]
    assistant.ensure_ingested()
    source = str(assistant.settings.source.expanduser().resolve())
    if others := sorted(assistant.store.roots() - {source}):
        raise AssistantError(
            f"The store at {assistant.store.where} also holds documents from {', '.join(others)}, so the figures "
            f"would mix corpora. Pass --store to a store of {source} alone (a new folder is ingested first)."
        )
    progress = progress or (lambda name, n: None)
    rows = {"product": run_pipeline(assistant.ask, items, progress("product", len(items)))}
    if baseline:
        from .baselines import Extractive, NaiveRAG

        for name, ask in {"baseline": NaiveRAG(assistant).ask, "extractive": Extractive(assistant).ask}.items():
            rows[name] = run_pipeline(ask, compared, progress(name, len(compared)))
    if conversation:
        rows["conversation"] = run_pipeline(assistant.ask, compared, progress("conversation", len(compared)), conversation=True)
    settings = assistant.settings.model_dump(mode="json", exclude={"host", "port", "store", "auth", "auth_file", "allow_open"})
    report = summarize(rows["product"]) | {
        "config": {"dataset": str(dataset), **settings, "model": assistant.model_name, "embedder": assistant.embedder.name}
    }
    report["paired"] = {}
    for name in list(rows)[1:]:
        report[name] = summarize(rows[name])
        theirs = {r["id"]: ok(r) for r in rows[name]}
        same = [r for r in rows["product"] if r["id"] in theirs]
        report["paired"][name] = {
            "product": summarize(same),
            "product_only": [r["id"] for r in same if ok(r) and not theirs[r["id"]]],
            "other_only": [r["id"] for r in same if not ok(r) and theirs[r["id"]]],
        }
    out = Path(out)  # report.json, results.jsonl (every pipeline's verdicts per item), metrics.png and report.md
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = (json.dumps({"pipeline": name, **r}, ensure_ascii=False) + "\n" for name, rs in rows.items() for r in rs)
    (out / "results.jsonl").write_text("".join(lines), encoding="utf-8")
    _chart(out / "metrics.png", report, list(rows))
    (out / "report.md").write_text(_markdown(report, rows), encoding="utf-8")
    return report
