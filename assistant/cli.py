"""The `assistant` command. Every setting is a flag on every subcommand (see Settings)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .documents import CONTROLS, printable
from .errors import AssistantError
from .models import CLOSEST, Citation
from .settings import REPO_ROOT, Settings

ABSTAINED = 3  # `assistant ask`'s exit status when it could not find the answer in the documents
# Every setting is a flag of every command (as every one is an env var); --help lists each command's own.
ANSWERING = {"model", "model_cache", "prompts", "llm_server", "top_k", "type_bonus", "read_sentences", "min_support"}
ANSWERING |= {"verify", "min_confidence", "n_ctx", "max_tokens", "threads", "temperature", "seed"}
PAGE = {"host", "port", "auth", "auth_file", "allow_open", "allowed_hosts"}
MEASURING = {"bm25", "name_gate", "word_check", "type_check"}  # switched off only by evals/ablate.py, never in help


def settings_parser(hidden: set[str]) -> argparse.ArgumentParser:
    """A parent parser with one `--flag` per Settings field; unset flags fall back to env and defaults.
    The `hidden` ones are accepted but left out of --help."""
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("settings (also env ASSISTANT_<NAME>)")
    for name, field in Settings.model_fields.items():
        # a bool field is a plain switch (`--allow-open`); an explicit value (`--allow-open false`) still works
        switch: dict[str, Any] = {"nargs": "?", "const": "true", "metavar": "true|false"} if field.annotation is bool else {}
        group.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            default=argparse.SUPPRESS,
            help=argparse.SUPPRESS if name in hidden | MEASURING else field.description,
            **{"metavar": name.upper(), **switch},
        )
    return parser


def build_parser() -> argparse.ArgumentParser:
    storing, answering, serving = settings_parser(ANSWERING | PAGE), settings_parser(PAGE), settings_parser(set())
    parser = argparse.ArgumentParser(prog="assistant", description="Ask questions about your documents, offline.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[storing], help="chunk, embed and store the documents of the source folder")
    p.add_argument("--rebuild", action="store_true", help="delete the store and ingest everything again")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser(
        "ask",
        parents=[answering],
        help="answer one question with cited passages",
        epilog=f"Exit status: 0 answered, {ABSTAINED} not found in the documents, 1 an error, 2 a bad setting.",
    )
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser("chat", parents=[serving], help="serve the chat page on http://HOST:PORT (default 127.0.0.1:7860)")
    p.set_defaults(run=cmd_chat)

    p = sub.add_parser("eval", parents=[answering], help="score answers against a Q&A dataset")
    p.add_argument("--dataset", type=Path, default=REPO_ROOT / "evals" / "test.jsonl", help="JSONL Q&A items")
    p.add_argument("--out", type=Path, help="folder for the report (default evals/results; test-artifacts/gate)")
    p.add_argument("--limit", type=int, help="only the first N items")
    p.add_argument(
        "--gate",
        action="store_true",
        help="the CI gate: every test split of evals/floors.json on a fresh store, with the reference pipelines; "
        "exit 1 when a figure falls under its floor or a known gap closes",
    )
    p.add_argument("--baseline", action="store_true", help="also run the naive and extractive reference pipelines")
    p.add_argument(
        "--conversation", action="store_true", help="also ask the items in order in one conversation, as the chat does"
    )
    p.add_argument(
        "--compare-limit",
        type=int,
        help="run --baseline and --conversation on the first N items only (paired with the product on those)",
    )
    p.set_defaults(run=cmd_eval)

    p = sub.add_parser("bench", parents=[answering], help="measure speed and memory (prints a table, writes bench.json)")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "bench", help="folder for bench.json")
    p.add_argument("--sizes", default="1000,10000,100000", help="synthetic corpus sizes for retrieval latency")
    p.set_defaults(run=cmd_bench)
    return parser


def progress_bar(desc: str):
    """A tqdm bar driven by (done, total) callbacks, on stderr."""
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit="chunk", file=sys.stderr, leave=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def make_settings(args: argparse.Namespace) -> Settings:
    return Settings(**{k: v for k, v in vars(args).items() if k in Settings.model_fields})


def make_assistant(args: argparse.Namespace):
    from .pipeline import Assistant

    return Assistant(make_settings(args))


def cmd_ingest(args) -> int:
    assistant = make_assistant(args)
    report = assistant.ingest(rebuild=args.rebuild, progress=progress_bar("embedding"))
    print_skipped(report)
    print(f"ingest: {report.summary()} -> {printable(str(assistant.settings.store))}")
    return 0


def print_skipped(report) -> None:
    """Every file not ingested, with its reason, on stderr (names and reasons are printable already)."""
    for line in report.skipped:
        print(f"skipped {printable(line)}", file=sys.stderr)


def cmd_ask(args) -> int:
    assistant = make_assistant(args)
    question = assistant.check_question(args.question)  # refuse a bad question before any slow work
    assistant.generator  # noqa: B018 (loads it) fail fast on a missing or broken model, before ingesting
    report = assistant.ensure_ingested(progress=progress_bar("first ingest"))
    if report:
        print_skipped(report)
        print(f"ingest: {report.summary()}", file=sys.stderr)
    answer = assistant.ask(question)
    if args.json:
        # JSON escapes C0 controls itself; C1 and bidi controls are valid in it unescaped, so escape them too
        print(CONTROLS.sub(lambda m: f"\\u{ord(m[0]):04x}", answer.model_dump_json(indent=2)))
        return ABSTAINED if answer.abstained else 0
    # document text and names are shown with control characters escaped: an escape sequence in a
    # document must not retitle the window, write the clipboard or erase what was printed
    print(printable(answer.text))
    if answer.abstained and answer.passages:
        print("\nClosest passages (not an answer):")
    for c in answer.citations or [Citation.of(p, n, p.score) for n, p in enumerate(answer.passages[:CLOSEST], 1)]:
        print(printable(f"\n[{c.n}] {c.title} ({c.where()}, characters {c.start}-{c.end})"))
        print(printable(textwrap.indent(textwrap.fill(" ".join(c.text.split()), 100), "    ")))
    return ABSTAINED if answer.abstained else 0


def cmd_chat(args) -> int:
    from . import ui

    assistant = make_assistant(args)  # the page itself ingests and loads the model, showing progress
    ui.launch(assistant)
    return 0


def cmd_eval(args) -> int:
    from tqdm import tqdm

    from .evaluation import METRICS, evaluate, figures_of, fmt

    def progress(name: str, total: int):
        bar = tqdm(total=total, desc=f"eval {name}", unit="q", file=sys.stderr)
        return lambda item: (bar.update(1), bar.n >= total and bar.close())

    if args.gate:
        from .evaluation import gate

        out = args.out or REPO_ROOT / "test-artifacts" / "gate"
        found = gate.run(make_settings(args), out, progress)
        print((out / "gate.md").read_text(encoding="utf-8"))
        failed = [c for c in found if not c.passed]
        print(
            f"gate: {len(found) - len(failed)} of {len(found)} checks pass"
            + (f"; failed: {', '.join(f'{c.split} {c.name}' for c in failed)}" if failed else "")
        )
        return 1 if failed else 0
    out = args.out or REPO_ROOT / "evals" / "results"
    assistant = make_assistant(args)
    assistant.ensure_ingested(progress=progress_bar("ingest"))  # a new corpus: embedding takes a while
    report = evaluate(
        assistant,
        args.dataset,
        out,
        limit=args.limit,
        baseline=args.baseline,
        conversation=args.conversation,
        compare_limit=args.compare_limit,
        progress=progress,
    )
    names = ["product"] + list(report["paired"])
    print(f"{'metric':<24}" + "".join(f"{n:>12}" for n in names))
    for key, label, _ in METRICS:
        print(f"{label:<24}" + "".join(f"{fmt(figures_of(report, n).get(key)):>12}" for n in names))
    print(f"report: {out / 'report.md'}")
    return 0


def cmd_bench(args) -> int:
    from .evaluation import bench

    figures = bench.run(
        make_settings(args), args.out, tuple(int(x) for x in args.sizes.split(",")), log=lambda m: print(m, file=sys.stderr)
    )
    width = max(map(len, figures)) + 2
    for key, value in figures.items():
        print(f"{key:<{width}}{json.dumps(value)}")
    print(f"written: {args.out / 'bench.json'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ValidationError as e:
        for err in e.errors():
            name = ".".join(str(x) for x in err["loc"])
            print(f"error: setting {name} (--{name.replace('_', '-')} / ASSISTANT_{name.upper()}): {err['msg']}", file=sys.stderr)
        return 2
    except AssistantError as e:
        print(f"error: {printable(str(e))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
