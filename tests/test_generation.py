"""The local generator's saved head states on a disk that refuses writes, with a fake llama (a unit test
of the save and restore logic; test_integration checks the same files with the real model)."""

import errno

import numpy as np
from llama_cpp import LlamaState

from assistant import generation
from assistant.generation import LlamaGenerator


class FakeLlama:
    """Records what it evaluates; its state is the tokens it holds."""

    def __init__(self):
        self.evaluated: list[list[int]] = []

    def reset(self):
        pass

    def eval(self, tokens):
        self.evaluated.append(list(tokens))

    def save_state(self):
        ids = np.array(self.evaluated[-1], dtype=np.intc)
        return LlamaState(ids, np.zeros((len(ids), 4), dtype=np.single), len(ids), b"kv-cache", 8, 0)

    def load_state(self, state):
        pass


def generator(states) -> LlamaGenerator:
    g = LlamaGenerator.__new__(LlamaGenerator)  # no model file: only the state logic runs
    g.llm, g.states, g._identity = FakeLlama(), states, ["model.gguf", 1, 2, 4096, 2, "0.3"]
    return g


def read_only(*args, **kwargs):
    raise OSError(errno.EROFS, "Read-only file system")


def test_a_read_only_states_folder_still_serves_its_states_and_a_new_one_costs_only_time(tmp_path, monkeypatch):
    head = [1, 2, 3]
    first = generator(tmp_path)
    first._head_state(head)
    assert first.llm.evaluated == [head] and len(list(tmp_path.glob("*.npz"))) == 1
    monkeypatch.setattr(generation.os, "utime", read_only)  # the cache made read-only since
    monkeypatch.setattr(generation.Path, "unlink", read_only)  # even for a file that is not there
    monkeypatch.setattr(generation, "open", read_only, raising=False)
    again = generator(tmp_path)
    assert list(again._head_state(head).input_ids) == head and again.llm.evaluated == []  # restored, not evaluated
    other = generator(tmp_path)
    assert list(other._head_state([4, 5]).input_ids) == [4, 5]  # evaluated; not saved, and no error
    assert len(list(tmp_path.glob("*"))) == 1
