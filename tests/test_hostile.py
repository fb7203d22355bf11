"""A corpus of hostile and broken files (tests/hostile.py), each ingested in a subprocess beside a
good document: every one is ingested or skipped with its reason, within 10 s and 1 GB peak RSS of
the ingest process, and nothing of any file outside the folder reaches the store."""

import json
import subprocess
import sys
import textwrap

import pytest

from hostile import CASES, GOOD, NEVER, build

SECONDS, PEAK_MB = 10, 1024
# Runs every case in one process, resetting its peak RSS (VmHWM, via /proc/self/clear_refs) before each.
RUNNER = textwrap.dedent("""
    import json, re, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[3])
    from conftest import FakeEmbedder
    from assistant.ingest import ingest
    from assistant.store import Store

    def peak_mb():
        return int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text())[1]) / 1024

    out = {}
    for case in sorted(Path(sys.argv[1]).iterdir()):
        Path("/proc/self/clear_refs").write_text("5")  # peak RSS from here on
        t0 = time.monotonic()
        store = Store(Path(sys.argv[2]) / case.name)
        report = ingest(case, store, FakeEmbedder(), chunk_chars=4000, chunk_overlap=0)
        seconds = time.monotonic() - t0
        out[case.name] = {"seconds": seconds, "peak_mb": peak_mb(), "skipped": report.skipped, "added": report.added,
                          "text": "\\n".join(c["text"] for c in store.chunks()), "sources": [c["source"] for c in store.chunks()]}
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    cases, _ = build(root)
    (root / "runner.py").write_text(RUNNER)
    tests = str(__import__("pathlib").Path(__file__).parent)
    done = subprocess.run(
        [sys.executable, str(root / "runner.py"), str(cases), str(root / "stores"), tests],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.splitlines()[-1])
    for name, r in sorted(got.items()):  # the figures, for the record (pytest -s)
        print(f"{name:<22}{r['seconds']:6.2f} s {r['peak_mb']:7.0f} MB  {r['skipped'] or 'ingested'}")
    return got


@pytest.mark.parametrize("case", list(CASES))
def test_each_hostile_file_is_ingested_or_skipped_with_its_reason_in_bounded_time_and_memory(results, case):
    r = results[case]
    assert r["seconds"] < SECONDS and r["peak_mb"] < PEAK_MB, r
    kind, expected = CASES[case][1]
    assert GOOD in r["text"]  # the good document beside it is always ingested
    if kind == "skipped":
        assert any(line.startswith(expected) for line in r["skipped"]), r["skipped"]
        assert r["added"] == 1 and set(r["sources"]) == {"good.txt"}
    else:
        assert not r["skipped"] and r["added"] == 2
        assert all(text in r["text"] for text in expected), r["text"][:500]
    for never in NEVER:
        assert never not in r["text"]


def test_every_skip_reason_says_what_to_do_or_why(results):
    reasons = [line for r in results.values() for line in r["skipped"]]
    assert len(reasons) == sum(kind == "skipped" for _, (kind, _) in CASES.values())
    assert all(line.isprintable() for line in reasons)  # names shown escaped, never raw bytes or escapes
