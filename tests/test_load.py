"""A short run of the load script (`bench/load.py`): the real app, model and store, three concurrent
script sessions for ten seconds; every request must succeed with a complete, checkable answer.
It serves the fast model (Gemma 3 270M): what is tested is the serving (queueing, completeness, no
session starved, memory), and the 1.5B default's 5-10 s answers on 2 cores would not fit the window."""

from __future__ import annotations

import json
import runpy

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_three_sessions_for_ten_seconds_all_answered_completely(tmp_path):
    main = runpy.run_path(str(ROOT / "bench" / "load.py"))["main"]  # the script's functions, not its __main__ part
    out = tmp_path / "load.json"
    assert main(["--sessions", "3", "--seconds", "10", "--round", "5", "--out", str(out), "--model", "gemma3-270m"]) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["requests"] >= 3 and figures["answered"] == figures["requests"]
    assert figures["failed"] == 0 and figures["incomplete"] == 0 and figures["all_complete"]
    assert all(n > 0 for n in figures["per_session"])  # every session got answers, none starved
    assert not figures["timed_out"] and figures["latency_p50_s"] <= figures["latency_p95_s"]
    assert len(figures["rss_rounds"]) >= 3 and figures["peak_rss_mb"] > 0
