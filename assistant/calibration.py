"""The confidence that an answer is right, from the checks' signals: a logistic regression fitted on
the dev splits of both eval corpora (never on test) by `evals/calibrate.py`, which also chooses the
threshold that kept answer precision at or above its target on dev. Its coefficients live in
`calibration.json` beside this file, with what they were fitted on.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def fitted() -> dict:
    """calibration.json: features, their means and scales, coefficients, intercept, threshold, provenance."""
    return json.loads(files("assistant").joinpath("calibration.json").read_text(encoding="utf-8"))


def confidence(signals: dict[str, float]) -> float:
    """P(right) for an answer with these signals; a signal that was not measured (the second look
    switched off, a server without log-probabilities) counts as its dev mean."""
    model = fitted()
    z = model["intercept"]
    for name, mean, scale, coef in zip(model["features"], model["mean"], model["scale"], model["coef"]):
        z += coef * (signals.get(name, mean) - mean) / scale
    return 1 / (1 + math.exp(-z))


def threshold() -> float:
    """The confidence an answer needs to be shown, as chosen on the dev splits."""
    return fitted()["threshold"]
