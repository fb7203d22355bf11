"""Fit the answer confidence (assistant/calibration.json) on the dev splits of both eval corpora.

    python evals/calibrate.py RUN_DIR [RUN_DIR ...] [--target 0.95]

Each RUN_DIR is the output of an `assistant eval` on a dev split with the threshold at 0, so that
every answer the reader gave is shown and scored:

    assistant eval --dataset evals/dev.jsonl --min-confidence 0 --out RUN_DIR

It fits a logistic regression (scikit-learn, L2) from the rows' signals to whether the answer was
right and picks the lowest threshold whose shown answers kept answer precision >= --target on dev.
It prints how well each signal ranks answers alone, the calibrator's AURC out of fold and on each
corpus when fitted on the other alone (the closest dev figure to documents no one has seen: choose
--features by it), and what each hard rule would have refused (right answers lost, wrong ones caught).
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

# the signals chosen on 2026-12-06 by forward selection on the cross-corpus AURC (docs/experiments.md)
CHOSEN = ["p_yes", "kind_missing", "repeats"]
FEATURES = [  # every signal checking.signals gives
    "p_yes",
    "logprob",
    "p_not",
    "q_names",
    "q_own_names",
    "q_words",
    "support",
    "facts_missing",
    "rank",
    "score",
    "kind_missing",
    "moved",
    "unsupported",
    "repeats",
    "follow_up",
    "words",
]
OUT = Path(__file__).resolve().parent.parent / "assistant" / "calibration.json"


def load(runs: list[Path]) -> tuple[list[dict], list[str]]:
    rows, origin = [], []
    for run in runs:
        for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["pipeline"] == "product" and row.get("signals") and "p_yes" in row["signals"]:
                rows.append(row)
                origin.append(run.name)
    return rows, origin


def matrix(rows: list[dict], features: list[str]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[r["signals"].get(f, np.nan) for f in features] for r in rows], dtype=float)
    x = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
    y = np.array([bool(r["candidate_correct"]) for r in rows])
    return x, y


def threshold_for(p: np.ndarray, y: np.ndarray, target: float) -> tuple[float, float, float]:
    """(threshold, answer precision, share of candidates shown) of the lowest threshold whose shown answers
    keep precision >= target; 1.0 when none does."""
    best = (1.0, float("nan"), 0.0)
    for t in sorted(set(p.round(4)), reverse=True):
        shown = p >= t
        if y[shown].mean() >= target:
            best = (float(t), float(y[shown].mean()), float(shown.mean()))
    return best


def aurc(p: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(-p, kind="stable")
    wrong = np.cumsum(~y[order])
    return float(np.mean(wrong / np.arange(1, len(y) + 1)))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--target", type=float, default=0.95)
    ap.add_argument("--features", default=",".join(CHOSEN), help=f"comma-separated, of {','.join(FEATURES)}")
    ap.add_argument("--C", type=float, default=0.1, help="inverse L2 strength")
    ap.add_argument("--write", action="store_true", help=f"write {OUT}")
    args = ap.parse_args(argv)
    features = args.features.split(",")
    rows, origin = load(args.runs)
    x, y = matrix(rows, features)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / scale
    model = LogisticRegression(C=args.C, max_iter=1000)
    oof = cross_val_predict(model, z, y, cv=5, method="predict_proba")[:, 1]
    model.fit(z, y)
    print(f"{len(rows)} answers, {y.sum()} right ({y.mean():.3f}); runs: {sorted(set(origin))}")
    print("signal            AURC alone (higher / lower is surer)   coef")
    for i, f in enumerate(features):
        print(f"  {f:16s} {aurc(z[:, i], y):.3f} / {aurc(-z[:, i], y):.3f}       {model.coef_[0][i]:+.3f}")
    print(f"calibrated (out-of-fold) AURC {aurc(oof, y):.3f}; p_yes alone {aurc(matrix(rows, ['p_yes'])[0][:, 0], y):.3f}")
    t, prec, cov = threshold_for(model.predict_proba(z)[:, 1], y, args.target)
    print(f"threshold {t:.4f}: answer precision {prec:.3f} over {cov:.3f} of the answers (the fitted model)")
    shown = oof >= t
    precision = y[shown].mean() if shown.any() else float("nan")
    print(f"  out of fold at that threshold: precision {precision:.3f} over {shown.mean():.3f}")
    for name in sorted(set(origin)):  # each corpus predicted by a model fitted on the others alone
        held = np.array([o == name for o in origin])
        if held.all():
            continue
        other = LogisticRegression(C=args.C, max_iter=1000).fit(z[~held], y[~held])
        p = other.predict_proba(z[held])[:, 1]
        shown = p >= t
        print(
            f"  {name}, fitted on the others: AURC {aurc(p, y[held]):.3f}, at {t:.3f} precision "
            f"{y[held][shown].mean() if shown.any() else float('nan'):.3f} over {shown.mean():.3f}"
        )
    sig = {f: matrix(rows, [f])[0][:, 0] for f in FEATURES}
    for rule, refused in {
        "no claim stated word for word": sig.get("unsupported", np.zeros(len(y))) > 0,
        "a new name or number not cited": sig.get("facts_missing", np.zeros(len(y))) > 0,
        "support < 0.5": sig.get("support", np.ones(len(y))) < 0.5,
        "names of the question not cited": sig.get("q_own_names", np.ones(len(y))) < 1,
        "kind asked for missing": sig.get("kind_missing", np.zeros(len(y))) > 0,
        "only repeats the question": sig.get("repeats", np.zeros(len(y))) > 0,
    }.items():
        print(f"  rule {rule}: refuses {refused.sum()}: {(refused & y).sum()} right, {(refused & ~y).sum()} wrong")
    if args.write:
        fitted = {
            "_comment": f"fitted by evals/calibrate.py on {', '.join(sorted(set(origin)))} ({len(rows)} answers), "
            f"{datetime.date.today()}; threshold: the lowest at which its answers kept precision >= {args.target} on dev",
            "features": features,
            "mean": [round(float(v), 6) for v in mean],
            "scale": [round(float(v), 6) for v in scale],
            "coef": [round(float(v), 6) for v in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 6),
            "threshold": round(t, 4),
        }
        OUT.write_text(json.dumps(fitted, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
