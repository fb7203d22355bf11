"""Prompt templates are files in `prompts/`, rendered strictly: a missing variable is an error."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2


@lru_cache(maxsize=8)
def _env(folder: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder), undefined=jinja2.StrictUndefined, keep_trailing_newline=False
    )


def render(folder: Path, name: str, **variables) -> str:
    return _env(str(folder)).get_template(name).render(**variables).strip()
