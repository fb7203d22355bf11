"""Load test of the chat page: N concurrent script sessions on its `/ask` endpoint for a fixed time.

    .venv/bin/python bench/load.py [--sessions 8] [--seconds 60] [--out bench/load.json]

Starts the real app (embedded default model, real ONNX embedder, a fresh Chroma store in a temp
folder, the seed documents) on a free 127.0.0.1 port, warms it up with one question (which
ingests and loads the model), then runs `--sessions` threads, each with its own `gradio_client.Client`, asking the
dev questions that have no history in turn until `--seconds` have passed. Every answer is checked:
a dict with `text`, and unless it abstained at least one citation, every citation's `text` equal to
`file[start:end]` of its `file_path`. Reports requests, failures, incomplete answers, p50/p95
latency, peak RSS and the RSS of the app every `--round` seconds, with the mean of the later half of
those samples against the earlier half (whether memory grows across rounds);
prints a table and writes JSON. The app runs in its own process (`assistant chat`, as a user
starts it), so its memory is measured apart from the clients. The app queues `/ask` one at a time (one llama.cpp model), so
latency grows with the number of sessions while throughput stays that of one model.

It always stops by itself: requests stop being sent at `--seconds`, every wait is bounded, and
the whole run is abandoned (reported as failures, exit status 2) at `--seconds` + 120 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the package of this checkout, from any working directory

GRACE_S = 120  # beyond --seconds, for start-up and the answers still in flight


def memory_mb(pid: int, field: str) -> float | None:
    """VmRSS (now) or VmHWM (peak) of the app's process from /proc (Linux), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def problem(answer) -> str | None:
    """Why `answer` is not a complete answer, or None when it is (a citation is checked against the
    text the assistant extracts from its file, as the eval does)."""
    from assistant import extract_text

    if not isinstance(answer, dict) or not isinstance(answer.get("text"), str) or not answer["text"].strip():
        return f"no answer text: {str(answer)[:200]}"
    if answer.get("abstained"):
        return None
    citations = answer.get("citations") or []
    if not citations:
        return "answered without a citation"
    for c in citations:
        try:
            if extract_text(c["file_path"])[c["start"] : c["end"]] != c["text"]:
                return f"citation [{c.get('n')}] is not {c['file_path']}[{c['start']}:{c['end']}]"
        except (OSError, ValueError, KeyError, TypeError) as e:  # ValueError: an unreadable file
            return f"citation [{c.get('n') if isinstance(c, dict) else '?'}] cannot be checked: {type(e).__name__}: {e}"
    return None


def run(
    sessions: int = 8,
    seconds: float = 60,
    out: Path | None = ROOT / "bench" / "load.json",
    round_s: float = 10,
    log=print,
    model: str | None = None,
) -> dict:
    """Serve the real app, load it, and return (and write to `out`) the figures."""
    started = time.monotonic()
    hard_deadline = started + seconds + GRACE_S - 15  # leaves time to close the app and write the report
    from gradio_client import Client

    from assistant import Settings
    from assistant.evaluation.bench import dev_questions, pct

    seeds = dev_questions()  # a session sends no history
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[dict] = []
    incomplete: list[dict] = []
    per_session = [0] * sessions
    abstained = 0

    def fail(session: int, question: str | None, error: str) -> None:
        with lock:
            failures.append({"session": session, "question": question, "error": error})

    with tempfile.TemporaryDirectory(prefix="assistant-load-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        # the app in its own process, as a user runs it, so its memory is measured apart from the clients
        command = [sys.executable, "-m", "assistant", "chat", "--port", str(port), "--store", str(Path(tmp) / "store")]
        command += ["--source", str(ROOT / "seeds"), *(["--model", model] if model else [])]
        app = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            t0 = time.perf_counter()
            while True:
                try:
                    warm = Client(url, verbose=False)
                    break
                except Exception:  # noqa: BLE001  not listening yet
                    if app.poll() is not None or time.monotonic() > hard_deadline:
                        raise RuntimeError(f"the app did not start (exit status {app.poll()})") from None
                    time.sleep(0.5)
            warmup = {"app_start_s": round(time.perf_counter() - t0, 2)}
            t0 = time.perf_counter()
            first = warm.submit(seeds[0], api_name="/ask").result(timeout=max(1.0, hard_deadline - time.monotonic()))
            warm.close()
            warmup["first_request_s"] = round(time.perf_counter() - t0, 2)  # ingest and model load included
            if (why := problem(first)) is not None:
                incomplete.append({"question": seeds[0], "problem": why, "warmup": True})
            log(f"serving {url}: {len(seeds)} questions, {sessions} sessions for {seconds:g} s")

            begin = time.monotonic()
            end = begin + seconds

            def session(i: int) -> None:
                nonlocal abstained
                try:
                    client = Client(url, verbose=False)
                except Exception as e:
                    fail(i, None, f"connect: {type(e).__name__}: {e}")
                    return
                k = i  # sessions start at different questions
                try:
                    while time.monotonic() < end:
                        question = seeds[k % len(seeds)]
                        k += 1
                        t = time.perf_counter()
                        try:
                            job = client.submit(question, api_name="/ask")
                            answer = job.result(timeout=max(1.0, hard_deadline - time.monotonic() - 10))
                        except Exception as e:  # noqa: BLE001  any failure is counted, the session goes on
                            fail(i, question, f"{type(e).__name__}: {e}"[:300])
                            time.sleep(0.5)
                            continue
                        elapsed = time.perf_counter() - t
                        why = problem(answer)
                        with lock:
                            latencies.append(elapsed)
                            per_session[i] += 1
                            abstained += bool(isinstance(answer, dict) and answer.get("abstained"))
                            if why is not None:
                                incomplete.append({"session": i, "question": question, "problem": why})
                finally:
                    with contextlib.suppress(Exception):  # closing is best effort
                        client.close()

            threads = [threading.Thread(target=session, args=(i,), name=f"session-{i}", daemon=True) for i in range(sessions)]
            for t in threads:
                t.start()

            def sample() -> dict:
                with lock:
                    done = len(latencies) + len(failures)
                return {
                    "t_s": round(time.monotonic() - begin, 1),
                    "requests": done,
                    "rss_mb": memory_mb(app.pid, "VmRSS"),
                    "peak_rss_mb": memory_mb(app.pid, "VmHWM"),
                }

            rounds = [sample()]  # and one per round while requests are sent
            while (due := begin + len(rounds) * round_s) <= min(end, hard_deadline):
                alive = [t for t in threads if t.is_alive()]
                if not alive:
                    break
                alive[0].join(timeout=max(0.0, due - time.monotonic()))
                if time.monotonic() >= due:
                    rounds.append(sample())
            for t in threads:  # then the answers in flight, up to the hard deadline
                t.join(timeout=max(0.0, hard_deadline - time.monotonic()))
            stuck = [i for i, t in enumerate(threads) if t.is_alive()]
            elapsed_s = time.monotonic() - begin
            rounds.append(sample())  # after the answers in flight at the end
            for i in stuck:
                fail(i, None, f"still waiting at the hard deadline ({seconds:g} s + {GRACE_S} s)")
        finally:
            app.terminate()
            app.wait(30)

    with lock:
        figures = {
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
            "model": first.get("model") if isinstance(first, dict) else None,
            "threads": Settings().threads,
            "sessions": sessions,
            "seconds": seconds,
            "questions": len(seeds),
            "warmup": warmup,
            "requests": len(latencies) + len(failures),
            "answered": len(latencies),
            "failed": len(failures),
            "incomplete": len(incomplete),
            "all_complete": not incomplete and not failures,
            "abstained": abstained,
            "per_session": per_session,
            "elapsed_s": round(elapsed_s, 1),
            "throughput_per_s": round(len(latencies) / elapsed_s, 2) if elapsed_s else None,
            "latency_p50_s": pct(latencies, 50) if latencies else None,
            "latency_p95_s": pct(latencies, 95) if latencies else None,
            "latency_max_s": round(max(latencies), 3) if latencies else None,
            "peak_rss_mb": rounds[-1]["peak_rss_mb"],
            "rss_rounds": rounds,
            "rss_growth_mb": round(rounds[-1]["rss_mb"] - rounds[1]["rss_mb"], 1)
            if len(rounds) > 2 and rounds[1]["rss_mb"] is not None
            else None,
            "rss_trend_mb": trend(rounds),
            "timed_out": bool(stuck),
            "failures": failures[:20],
            "incomplete_answers": incomplete[:20],
        }
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return figures


def trend(rounds: list[dict]) -> float | None:
    """Mean RSS of the later half of the rounds minus that of the earlier half (the sample taken before
    any request left out). Memory that grows across rounds shows here; the ups and downs of the
    allocator within a run mostly cancel, unlike in a first-to-last difference."""
    rss = [r["rss_mb"] for r in rounds[1:] if r["rss_mb"] is not None]
    if len(rss) < 4:
        return None
    half = len(rss) // 2
    return round(sum(rss[-half:]) / half - sum(rss[:half]) / half, 1)


def table(f: dict) -> str:
    rows = [
        (
            "sessions x seconds",
            f"{f['sessions']} x {f['seconds']:g} s ({f['questions']} questions, model {f['model']}, {f['threads']} threads)",
        ),
        (
            "warm-up",
            f"app start {f['warmup']['app_start_s']} s, first request (ingest and model load) "
            f"{f['warmup'].get('first_request_s')} s",
        ),
        ("requests", f"{f['requests']} ({f['throughput_per_s']}/s, per session {f['per_session']})"),
        ("failed requests", f"{f['failed']}  (must be 0)"),
        ("incomplete answers", f"{f['incomplete']}  (must be 0; {f['abstained']} abstained)"),
        ("latency p50 / p95 / max", f"{f['latency_p50_s']} / {f['latency_p95_s']} / {f['latency_max_s']} s"),
        ("peak RSS", f"{f['peak_rss_mb']} MB (the app's process)"),
        ("RSS per round", "  ".join(f"{r['t_s']:g}s:{r['rss_mb']}" for r in f["rss_rounds"]) + " MB"),
        (
            "RSS growth",
            f"{f['rss_growth_mb']} MB from the first round to the end; "
            f"later half of the rounds vs earlier half: {f['rss_trend_mb']} MB",
        ),
    ]
    return "\n".join(f"{name:<26}{value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=8, help="concurrent client sessions (default 8)")
    parser.add_argument("--seconds", type=float, default=60, help="how long requests are sent (default 60)")
    parser.add_argument("--round", type=float, default=10, dest="round_s", help="seconds between RSS samples (default 10)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "load.json", help="JSON report (default bench/load.json)")
    parser.add_argument("--model", default=None, help="the app's model (default: the assistant's default)")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.seconds <= 0 or args.round_s <= 0:
        parser.error("--sessions, --seconds and --round must be positive")

    def abandon() -> None:  # the last resort: nothing may keep this script alive past its deadline
        print(
            f"load.py: hard deadline ({args.seconds:g} s + {GRACE_S} s) passed, abandoning the run", file=sys.stderr, flush=True
        )
        os._exit(2)

    watchdog = threading.Timer(args.seconds + GRACE_S, abandon)
    watchdog.daemon = True
    watchdog.start()
    try:
        figures = run(
            args.sessions, args.seconds, args.out, args.round_s, log=lambda m: print(m, file=sys.stderr), model=args.model
        )
    finally:
        watchdog.cancel()
    print(table(figures))
    print(f"written: {args.out}")
    return 0 if figures["all_complete"] and not figures["timed_out"] else 2


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # do not wait for client threads (gradio_client, httpx) that may linger
