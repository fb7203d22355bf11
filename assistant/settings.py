"""All configuration in one place: env vars `ASSISTANT_*`, CLI flags, or keyword arguments."""

from __future__ import annotations

import difflib
import os
from importlib.resources import files
from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .catalog import DEFAULT, MODELS
from .errors import SettingsError

REPO_ROOT = Path(__file__).resolve().parent.parent  # a checkout: evals/ (not in an installed wheel)
PROMPTS = Path(str(files("assistant.templates")))  # prompts/ of the checkout, shipped in the package
_PACKAGED_SEEDS = Path(__file__).resolve().parent / "seeds"  # in a wheel; an editable install reads the checkout's
SEEDS = _PACKAGED_SEEDS if _PACKAGED_SEEDS.is_dir() else REPO_ROOT / "seeds"
PREFIX = "ASSISTANT_"


class Settings(BaseSettings):
    """Every setting is also an env var (`ASSISTANT_<NAME>`) and a CLI flag (`--<name>`)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="forbid", validate_default=True)

    # where things are
    model: str = Field(
        DEFAULT, min_length=1, description=f"GGUF model file, or the short name of a local model ({', '.join(MODELS)})"
    )
    home: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("assistant", appauthor=False)),
        description="folder of the assistant's own data, where the store is kept unless --store says otherwise",
    )
    store: Path = Field(
        default_factory=lambda data: data["home"] / "store", description="folder of the persistent Chroma store (HOME/store)"
    )
    source: Path = Field(SEEDS, description="folder of documents to answer from (.pdf, .docx, .html, .htm, .txt, .md)")
    collection: str = Field("documents", pattern=r"^[a-zA-Z0-9._-]{3,512}$", description="Chroma collection name")
    prompts: Path = Field(PROMPTS, description="folder of prompt templates")
    model_cache: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "assistant" / "models",
        description="folder where local models are assembled from their installed packages, and prompt states kept",
    )

    # scale-out: servers instead of in-process components
    chroma_server: str | None = Field(
        None,
        pattern=r"^(https?://)?[\w.-]+:\d+/?$",
        description="host:port of a Chroma server to use instead of the store folder",
    )
    llm_server: str | None = Field(
        None,
        pattern=r"^https?://",
        description="base URL of an OpenAI-compatible chat-completions server (e.g. http://127.0.0.1:8080/v1) to generate with",
    )

    # retrieval
    top_k: int = Field(6, ge=1, le=50, description="passages retrieved per question")
    bm25: bool = Field(True, description="search with BM25 beside the dense search (off only to measure what it adds)")
    name_gate: bool = Field(
        True, description="abstain without the model when the question names what the documents never mention"
    )
    type_bonus: float = Field(
        0.3, ge=0.0, le=1.0, description="rank bonus of a sentence holding the kind of answer asked for (a date for 'when')"
    )
    chunk_chars: int = Field(400, ge=100, le=4000, description="target chunk size in characters")
    chunk_overlap: int = Field(1, ge=0, le=3, description="sentences shared by neighbouring chunks")

    read_sentences: int = Field(5, ge=1, le=20, description="best evidence sentences the model reads")
    min_support: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="share of an instruct model's new answer words its cited sentences must hold, else it is not shown",
    )
    word_check: bool = Field(
        True,
        description="move an instruct model's citations to the sentences that state each claim, drop claims none states "
        "(off only to measure)",
    )
    type_check: bool = Field(True, description="a base model's quote must hold the kind of answer asked for (a date for 'when')")

    verify: bool = Field(True, description="ask the model a second time whether the cited sentences answer the question")
    min_confidence: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="the calibrated confidence an answer needs to be shown, else the assistant abstains "
        "(default: the threshold chosen on the dev splits, calibration.json)",
    )

    # generation
    n_ctx: int = Field(2048, ge=512, le=131072, description="model context size in tokens")
    max_tokens: int = Field(100, ge=8, le=2048, description="longest model answer in tokens")
    threads: int = Field(min(4, os.cpu_count() or 2), ge=1, le=256, description="CPU threads for the model")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="sampling temperature (0 = deterministic)")
    seed: int = Field(0, description="sampling seed")

    # chat UI
    host: str = Field("127.0.0.1", description="address the chat UI binds to")
    port: int = Field(7860, ge=1, le=65535, description="port of the chat UI")
    auth: SecretStr | None = Field(  # SecretStr: never shown in logs, reprs or eval reports
        None, description="user:password for the chat page (prefer the env var: a flag shows in the process list)"
    )
    auth_file: Path | None = Field(None, description="file of user:password lines for the chat page (# comments allowed)")
    allow_open: bool = Field(
        False,
        description="serve on a non-loopback address without a password; you accept that anyone "
        "who can reach it can read your documents",
    )
    allowed_hosts: str = Field(
        "",
        description="comma-separated host names the chat page also answers to (besides the address it binds), "
        "e.g. a name for this machine on your network",
    )
    allow_outside_links: bool = Field(
        False,
        description="read links in the source folder to files outside it; you accept that a link "
        "can put any file this user can read into the store",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_variables(cls, data):
        """A mistyped variable (ASSISTANT_MIN_CONFIDENCEE) would otherwise be ignored without a word."""
        known = {PREFIX + name.upper() for name in cls.model_fields}
        for var in os.environ:
            if var.upper().startswith(PREFIX) and var.upper() not in known:
                close = difflib.get_close_matches(var.upper(), known, n=1, cutoff=0.6)
                hint = f"did you mean {close[0]}?" if close else f"the settings are: {', '.join(sorted(known))}."
                raise SettingsError(f"Unknown setting {var} in the environment: {hint} Rename or unset it.")
        return data

    @field_validator("model", mode="before")
    @classmethod
    def _path_as_text(cls, value):
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    def model_path(self) -> Path:
        """The GGUF file to load: a local model by short name (assembled on first use), or a file."""
        return MODELS[self.model].path(self.model_cache) if self.model in MODELS else Path(self.model).expanduser()

    def model_label(self) -> str:
        """The model in words, for people: "Qwen2.5-Coder 1.5B Instruct, local", or the file's name."""
        if self.llm_server:
            return f"model server {self.llm_server}"
        return MODELS[self.model].label if self.model in MODELS else Path(self.model).name
