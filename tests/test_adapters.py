"""The private parts of pinned libraries that the package uses, each for want of a public API, checked
for what we rely on: the day a new version changes one, its test fails here rather than in a user's run.

- llama-cpp-python: `llama_cpp._utils.suppress_stdout_stderr(disable=False)` silences what llama.cpp
  prints to the C streams while a model loads (`generation.LlamaGenerator`).
- Starlette: `app.middleware_stack`, built lazily by `build_middleware_stack()`, is replaced once so
  that the host guard wraps Gradio's whole app (`ui.access.guarded`).
- chromadb: `SharedSystemClient.clear_system_cache()` forgets cached clients (`store._forget_clients`).
"""

import subprocess
import sys
import textwrap


def test_llama_cpps_suppressor_silences_the_c_streams_and_restores_them():
    code = textwrap.dedent("""
        import os
        from llama_cpp._utils import suppress_stdout_stderr
        with suppress_stdout_stderr(disable=False):
            os.write(1, b"hidden-out"); os.write(2, b"hidden-err")
        os.write(1, b"shown")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert out.returncode == 0 and out.stdout == b"shown" and out.stderr == b"", out


def test_starlettes_middleware_stack_is_built_lazily_and_replaceable():
    from starlette.applications import Starlette

    app = Starlette()
    assert app.middleware_stack is None  # built on the first request, or by the lifespan that replaces it
    stack = app.build_middleware_stack()
    app.middleware_stack = stack
    assert app.middleware_stack is stack


def test_chromadbs_client_cache_can_be_cleared():
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient._identifier_to_system["probe"] = object()  # what the cache holds per path
    SharedSystemClient.clear_system_cache()
    assert SharedSystemClient._identifier_to_system == {}
