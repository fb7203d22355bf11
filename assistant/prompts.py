"""Prompt templates are files in `prompts/`, rendered strictly: a missing variable is an error."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import jinja2

from .errors import QuestionError

P = TypeVar("P")


@lru_cache(maxsize=8)
def _env(folder: str) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder), undefined=jinja2.StrictUndefined)


def render(folder: Path, name: str, **variables) -> str:
    return _env(str(folder)).get_template(name).render(**variables).strip()


def fit(build: Callable[[int], P], count: Callable[[P], int], budget: int, n_evidence: int, question: str) -> P:
    """The prompt `build(keep)` with the most evidence sentences (the weakest dropped first) that fits
    `budget` tokens; QuestionError when even none fits."""
    for keep in range(n_evidence, -1, -1):
        prompt = build(keep)
        if count(prompt) <= budget:
            return prompt
    raise QuestionError(f"The question is too long for the model: {len(question):,} characters. Shorten it.")
