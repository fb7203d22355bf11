"""The language model behind a small interface, so the pipeline does not care where tokens come from.

`LlamaGenerator` runs a GGUF file in-process with llama-cpp-python; `ServerGenerator` sends the
same prompts to an OpenAI-compatible server (llama-cpp-python's own `python -m llama_cpp.server`,
or several behind a load balancer). Unit tests use a scripted fake with the same methods.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import logging
import math
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .catalog import MODELS
from .errors import ModelError

log = logging.getLogger(__name__)


def is_yes(token: str) -> bool:
    """A token that starts a "yes" reply: "yes", " Yes", "YES"."""
    return token.strip().lower() == "yes"


def yes_share(logits: np.ndarray, yes_ids: np.ndarray) -> float:
    """Probability mass of the "yes" tokens under the softmax of `logits`."""
    z = np.exp(logits - logits.max())
    return float(z[yes_ids].sum() / z.sum())


def starts_not(token: str) -> bool:
    """A token that starts a "not stated" reply: "not", " Not"."""
    return token.strip().lower().startswith("not") and len(token.strip()) >= 3


@dataclass
class Capture:
    """A llama-cpp-python logits processor that keeps the first generated token's logits (for the share of
    "yes" or "not" tokens) and, of every step, the log-probability of its most likely token, so that a long
    reply does not keep one vocabulary-sized array per token."""

    first: np.ndarray | None = None
    top: list[float] = field(default_factory=list)  # log-softmax of each step's most likely token

    def __call__(self, _ids, logits):
        z = np.array(logits, dtype=np.float64)
        if self.first is None:
            self.first = z
        self.top.append(-float(np.log(np.exp(z - z.max()).sum())))
        return logits


@dataclass
class Completion:
    """A reply with how sure the model was of it: the mean log-probability of its tokens, and the
    probability that its first token started "not" (the reader's "not stated")."""

    text: str
    logprob: float | None = None
    p_not: float | None = None


class Generator(Protocol):
    name: str
    chat_template: bool  # an instruct model read through its own chat template (else a completion prompt)

    def count_tokens(self, text: str) -> int: ...

    def stream(self, prompt: str, max_tokens: int) -> Iterator[str]:
        """Yield the completion of `prompt`, up to the end of its first line, piece by piece."""

    def chat(self, messages: list[dict], max_tokens: int) -> str:
        """The whole reply to a chat: used by the naive baseline."""

    def read(self, messages: list[dict], max_tokens: int) -> Completion:
        """The reply to a chat up to the end of its first line, with how sure the model was of it (the reader)."""

    def yes_probability(self, messages: list[dict]) -> float:
        """The model's probability that its reply to a yes/no chat starts with "yes" (the second look)."""


def prune_states(folder: Path, keep: int = 8) -> None:
    """Keep the `keep` most recently used head states (about 8 MB each; one per model file, system
    prompt and settings in use): an edited prompt or a replaced model leaves no files behind for good."""
    saved = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in saved[keep:]:
        old.unlink(missing_ok=True)


class LlamaGenerator:
    def __init__(
        self,
        path: Path,
        *,
        n_ctx: int,
        threads: int,
        temperature: float,
        seed: int,
        chat_template: bool | None = None,
        label: str | None = None,
        states: Path | None = None,
    ):
        path = Path(path).expanduser()
        if not path.is_file():
            raise ModelError(
                f"Model file not found: {path}. Set ASSISTANT_MODEL or --model to an existing GGUF file "
                f"or to a local model's short name ({', '.join(MODELS)})."
            )
        if not os.access(path, os.R_OK):
            raise ModelError(f"Model file is not readable: {path}. Fix its permissions or set ASSISTANT_MODEL / --model.")
        with open(path, "rb") as f:
            if f.read(4) != b"GGUF":
                raise ModelError(f"Not a GGUF model file: {path}. Set ASSISTANT_MODEL or --model to a .gguf file.")
        from llama_cpp import Llama

        # llama.cpp prints notes even when not verbose; the library's suppressor is private (tests/test_adapters.py)
        from llama_cpp._utils import suppress_stdout_stderr

        try:
            with suppress_stdout_stderr(disable=False):
                self.llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, seed=seed, verbose=False)
        except Exception as e:  # llama.cpp reports a broken file as ValueError or RuntimeError
            raise ModelError(
                f"Could not load the model {path}: {e}. The file may be truncated or corrupted; "
                "set ASSISTANT_MODEL or --model to a working GGUF file."
            ) from e
        self.name = label or path.name
        self.temperature = temperature
        # an unknown GGUF is read as an instruct model when it carries a chat template
        self.chat_template = "tokenizer.chat_template" in self.llm.metadata if chat_template is None else chat_template
        self._heads: dict[str, Any] = {}  # a chat's fixed head -> the model's state after it (a LlamaState, `_started`)
        self.head_tokens: dict[str, int] = {}  # ... and its length in tokens
        self._template: Any = None  # the chat template, as llama-cpp-python applies it (a Jinja2ChatFormatter)
        self.states = states  # folder of saved head states (`_head_state`), shared by every process; None: not kept
        stat, version = path.stat(), importlib.metadata.version("llama-cpp-python")
        self._identity = [str(path.resolve()), stat.st_size, stat.st_mtime_ns, n_ctx, threads, version]  # what a state fits

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=False))

    def _fresh(self):
        """The model with its KV cache emptied. llama.cpp reuses the prefix a prompt shares with the one
        before, but evaluates the rest in other batches, which shifts its logits (P(yes) 0.775 alone,
        0.754 after a prompt with the same system message): an answer would depend on what was asked
        before it."""
        self.llm.reset()
        return self.llm

    def _started(self, messages: list[dict]):
        """The model with its KV cache holding only this chat's fixed head (the template's header and
        the system prompt: every message but the last), restored from the state saved the first time
        that head was seen. Every question then starts from the same state, so its answer does not
        depend on the one before, and pays only for its own tokens."""
        key = json.dumps(messages[:-1])
        if key not in self._heads:
            a, b = (self._chat_tokens([*messages[:-1], {"role": "user", "content": c}]) for c in "AB")
            head = a[: next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), len(a))]
            self._heads[key] = self._head_state(head)
            self.head_tokens[key] = len(head)
        self.llm.load_state(self._heads[key])
        return self.llm

    def _head_state(self, head: list[int]):
        """The model's state after the tokens `head`: read from `states` when any process has saved it for
        this model file, context size, thread count and llama-cpp-python version, else evaluated (the
        reader's 254-token head takes 7 s on a 2-core laptop) and saved. A state file that cannot be read
        is made again."""
        from llama_cpp import LlamaState

        file = None
        if self.states is not None:
            key = hashlib.sha256(json.dumps([*self._identity, head]).encode()).hexdigest()[:32]
            file = self.states / f"{key}.npz"
            try:
                with np.load(file, allow_pickle=False) as saved:
                    kv, seed = saved["kv"], int(saved["seed"])
                    state = LlamaState(saved["ids"], saved["scores"], len(head), kv.tobytes(), kv.size, seed)
                self.llm.load_state(state)  # refused (RuntimeError) when it does not fit this model
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, RuntimeError):
                pass  # not saved yet, or damaged: evaluate it
            else:
                with contextlib.suppress(OSError):  # a read-only cache is read all the same
                    os.utime(file)  # in use: `prune_states` keeps it
                return state
        self.llm.reset()
        self.llm.eval(head)
        state = self.llm.save_state()
        state.scores = state.scores[-1:]  # the head's logits are never sampled (the question follows): not kept
        if file is not None:
            tmp = file.with_suffix(f".{os.getpid()}.tmp")
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
                with open(tmp, "wb") as f:
                    kv = np.frombuffer(state.llama_state, np.uint8)
                    np.savez(f, ids=state.input_ids, scores=state.scores, kv=kv, seed=state.seed)
                tmp.replace(file)
                prune_states(file.parent)
            except OSError:  # a read-only or full disk only costs the next start its seconds
                with contextlib.suppress(OSError):  # (a read-only disk refuses even to remove a missing file)
                    tmp.unlink(missing_ok=True)
        return state

    def _chat_tokens(self, messages: list[dict]) -> list[int]:
        """The tokens llama-cpp-python evaluates for this chat: the model's own chat template, as it applies it."""
        if self._template is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            def text(token: int) -> str:
                return self.llm.detokenize([token], special=True).decode("utf-8", "ignore") if token >= 0 else ""

            template = self.llm.metadata["tokenizer.chat_template"]
            self._template = Jinja2ChatFormatter(template, text(self.llm.token_eos()), text(self.llm.token_bos()))
        prompt = self._template(messages=messages).prompt
        return self.llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)

    def stream(self, prompt: str, max_tokens: int) -> Iterator[str]:
        for part in self._fresh().create_completion(
            prompt, max_tokens=max_tokens, temperature=self.temperature, stop=["\n"], stream=True
        ):
            if text := part["choices"][0]["text"]:
                yield text

    def chat(self, messages: list[dict], max_tokens: int) -> str:
        reply = self._fresh().create_chat_completion(messages, max_tokens=max_tokens, temperature=self.temperature)
        return reply["choices"][0]["message"]["content"] or ""

    def read(self, messages: list[dict], max_tokens: int) -> Completion:
        """Each step's logits read by a logits processor (the whole vocabulary, without `logits_all`,
        which would keep n_ctx x n_vocab floats): the chosen token's log-probability is the step's
        highest (greedy decoding, temperature 0; an approximation above it)."""
        capture = Capture()
        reply = self._started(messages).create_chat_completion(
            messages, max_tokens=max_tokens, temperature=self.temperature, stop=["\n"], logits_processor=[capture]
        )
        text = reply["choices"][0]["message"]["content"] or ""
        if capture.first is None:
            return Completion(text)
        return Completion(text, logprob=sum(capture.top) / len(capture.top), p_not=yes_share(capture.first, self._ids["not"]))

    def yes_probability(self, messages: list[dict]) -> float:
        """Softmax of the first reply token's logits, read by a logits processor (as in `read`)."""
        capture = Capture()
        self._started(messages).create_chat_completion(messages, max_tokens=1, temperature=0.0, logits_processor=[capture])
        assert capture.first is not None  # one token was generated
        return yes_share(capture.first, self._ids["yes"])

    @functools.cached_property
    def _ids(self) -> dict[str, np.ndarray]:
        """The ids of the tokens that start a "yes" or a "not" reply: both found in one pass over the
        vocabulary (detokenizing 150k tokens is the slow part), on first use."""
        texts = [self.llm.detokenize([t]).decode("utf-8", "ignore") for t in range(self.llm.n_vocab())]
        return {w: np.array([t for t, x in enumerate(texts) if test(x)]) for w, test in (("yes", is_yes), ("not", starts_not))}


class ServerGenerator:
    """Completions from an OpenAI-compatible server at `url` (ending in /v1), streamed.

    Connecting is retried a few times with backoff; a server that stops mid-answer is an error
    that says so (nothing is stored by generation, so nothing can be corrupted).
    """

    CHARS_PER_TOKEN = 3  # no tokenizer endpoint in the OpenAI API: a conservative estimate for budgeting
    chat_template = True  # the server applies the model's own template to /chat/completions

    def __init__(self, url: str, *, temperature: float, seed: int, timeout: float = 60.0, attempts: int = 3):
        import httpx

        self.url = url.rstrip("/")
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=5.0))
        self.temperature, self.seed, self.attempts = temperature, seed, attempts
        self._warned = False
        models = self._request("GET", "/models").json().get("data") or [{}]
        self.name = f"{models[0].get('id', 'model')} @ {self.url}"

    def count_tokens(self, text: str) -> int:
        return len(text) // self.CHARS_PER_TOKEN + 1

    def _request(self, method: str, path: str, stream: bool = False, **kwargs):
        """One request, retried on connection failures; the response is open when `stream=True`."""
        import httpx
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

        try:
            for attempt in Retrying(
                stop=stop_after_attempt(self.attempts),
                wait=wait_exponential(0.5, max=4),
                retry=retry_if_exception_type(httpx.TransportError),
                reraise=True,
            ):
                with attempt:
                    request = self.client.build_request(method, self.url + path, **kwargs)
                    response = self.client.send(request, stream=stream)
                    if response.status_code >= 400:
                        body = response.read().decode(errors="replace")[:300]
                        response.close()
                        raise ModelError(f"The model server at {self.url} answered {response.status_code}: {body}")
                    return response
        except httpx.TransportError as e:
            raise ModelError(
                f"Cannot reach the model server at {self.url} after {self.attempts} attempts ({type(e).__name__}: {e}). "
                "Start it (python -m llama_cpp.server --model FILE.gguf --host 127.0.0.1 --port PORT) "
                "or unset ASSISTANT_LLM_SERVER to run the model in-process."
            ) from e

    def stream(self, prompt: str, max_tokens: int) -> Iterator[str]:
        import httpx

        body = {"prompt": prompt, "max_tokens": max_tokens, "temperature": self.temperature, "seed": self.seed, "stop": ["\n"]}
        response = self._request("POST", "/completions", json=body | {"stream": True}, stream=True)
        try:
            for line in response.iter_lines():
                if not line.startswith("data:") or line.strip() == "data: [DONE]":
                    continue
                if text := json.loads(line[5:])["choices"][0].get("text"):
                    yield text
        except (httpx.TransportError, ValueError, KeyError, IndexError) as e:
            raise ModelError(
                f"The model server at {self.url} stopped mid-answer ({type(e).__name__}: {e}). Check the server and ask again."
            ) from e
        finally:
            response.close()

    def _chat(self, messages: list[dict], max_tokens: int, temperature: float, **options) -> dict:
        body = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature, "seed": self.seed, **options}
        return self._request("POST", "/chat/completions", json=body).json()["choices"][0]

    def chat(self, messages: list[dict], max_tokens: int) -> str:
        return self._chat(messages, max_tokens, self.temperature)["message"]["content"] or ""

    def read(self, messages: list[dict], max_tokens: int) -> Completion:
        """From the reply's token logprobs (OpenAI `logprobs`); a server that returns none gives the text alone."""
        choice = self._chat(messages, max_tokens, self.temperature, stop=["\n"], logprobs=True, top_logprobs=10)
        text = (choice.get("message") or {}).get("content") or ""
        try:
            tokens = choice["logprobs"]["content"]
            p_not = sum(math.exp(t["logprob"]) for t in tokens[0]["top_logprobs"] if starts_not(t["token"]))
            return Completion(text, logprob=sum(t["logprob"] for t in tokens) / len(tokens), p_not=p_not)
        except (KeyError, IndexError, TypeError, ZeroDivisionError):
            return Completion(text)

    def yes_probability(self, messages: list[dict]) -> float:
        """From the first token's top logprobs (OpenAI `logprobs`/`top_logprobs`, which llama-cpp-python's
        server and llama.cpp's llama-server both return). A server that returns none is answered from
        its greedy reply, 1.0 or 0.0, and the log says so once."""
        choice = self._chat(messages, 1, 0.0, logprobs=True, top_logprobs=10)
        try:
            top = choice["logprobs"]["content"][0]["top_logprobs"]
            return float(sum(math.exp(t["logprob"]) for t in top if is_yes(t["token"])))
        except (KeyError, IndexError, TypeError):
            if not self._warned:
                log.warning("the model server at %s returns no logprobs: the second look reads its greedy yes/no", self.url)
                self._warned = True
            return float(is_yes((choice.get("message") or {}).get("content") or ""))
