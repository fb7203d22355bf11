"""Convert chosen articles of the 2016 English Wikipedia dump sample into plain-text documents.

Run once, in a throwaway environment (the product does not depend on the wikitext parser):

    python3 -m venv /tmp/wikienv && /tmp/wikienv/bin/pip install mwparserfromhell==0.7.2
    /tmp/wikienv/bin/python evals/wiki/make_corpus.py

Reads ../shared/corpora/enwiki-sample/*.bz2 and writes evals/wiki/corpus/<slug>.txt: the title on
the first line, section headings as lines of their own, paragraphs as prose. Templates, infoboxes,
references, tables, files, categories and markup are removed, and so are the end sections that hold
no prose (References, See also, External links...). The output is deterministic for a given dump.
"""

from __future__ import annotations

import bz2
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import mwparserfromhell as mwp

HERE = Path(__file__).resolve().parent
DUMP = (
    HERE.parents[2]
    / "shared"
    / "corpora"
    / "enwiki-sample"
    / "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
)
ARTICLES = [  # people, places, history, science and culture: rich in names, dates, places and numbers
    "Abraham Lincoln",
    "Albert Einstein",
    "Aristotle",
    "Andre Agassi",
    "Ayn Rand",
    "Andrei Tarkovsky",
    "Alaska",
    "Andorra",
    "Aruba",
    "Algeria",
    "Alberta",
    "American Revolutionary War",
    "Articles of Confederation",
    "Apollo 8",
    "Apollo 11",
    "Alkali metal",
    "Amphibian",
    "Atlantic Ocean",
    "Academy Awards",
    "Animal Farm",
]
DROP_SECTIONS = {
    "references",
    "notes",
    "see also",
    "external links",
    "further reading",
    "bibliography",
    "sources",
    "footnotes",
    "citations",
    "works cited",
    "notes and references",
    "gallery",
    "selected works",
    "works",
    "filmography",
    "discography",
    "publications",
    "primary sources",
    "cited sources",
    "general references",
    "specific references",
}
NON_ARTICLE_LINK = re.compile(r"^\s*:?\s*(file|image|category|media|[a-z]{2,3}(-[a-z]+)?)\s*:", re.I)


def strip_article(wikitext: str) -> str:
    wikitext = re.sub(r"<!--.*?-->", "", wikitext, flags=re.S)
    wikitext = re.sub(r"<ref[^>/]*/>|<ref[^>]*>.*?</ref>", "", wikitext, flags=re.S | re.I)
    wikitext = re.sub(r"<(gallery|math|timeline|imagemap)[^>]*>.*?</\1>", "", wikitext, flags=re.S | re.I)
    wikitext = _drop_tables(wikitext)
    code = mwp.parse(wikitext)
    for node in code.filter_templates(recursive=False):
        name = str(node.name).strip().lower()
        if name in ("convert", "cvt") and len(node.params) >= 2:  # {{convert|500|mi|km}} -> "500 mi"
            code.replace(node, f"{node.params[0].value.strip_code().strip()} {node.params[1].value.strip_code().strip()}")
        else:
            _remove(code, node)
    for node in code.ifilter_wikilinks(recursive=True):
        if NON_ARTICLE_LINK.match(str(node.title)):
            _remove(code, node)
    lines, dropping = [], False
    for raw in code.strip_code(normalize=True, collapse=True, keep_template_params=False).splitlines():
        line = raw.strip()
        heading = re.fullmatch(r"(={2,6})\s*(.*?)\s*\1", line)
        if heading:
            title = heading.group(2).strip()
            dropping = title.lower() in DROP_SECTIONS
            if not dropping:
                lines += ["", title]
            continue
        if dropping:
            continue
        line = re.sub(r"</?[a-z]+\b[^>]*>", "", line)  # stray HTML tags (an unclosed <div>)
        line = re.sub(r"\s+([,.;:])", r"\1", line)
        line = re.sub(r"\(\s*([,;]\s*)?(years ago)?\)", "", line)  # brackets emptied by removed templates ({{age}})
        line = re.sub(r"\s{2,}", " ", line).strip()
        if line and not re.fullmatch(r"[\W\d_]*", line):
            lines.append(line)
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _drop_tables(wikitext: str) -> str:
    """Remove {| ... |} tables, nested ones included."""
    out, depth = [], 0
    for line in wikitext.splitlines():
        stripped = line.strip()
        if stripped.startswith("{|"):
            depth += 1
        if depth == 0:
            out.append(line)
        if stripped.startswith("|}") and depth:
            depth -= 1
    return "\n".join(out)


def _remove(code, node) -> None:
    try:
        code.remove(node)
    except ValueError:  # already removed with its parent
        pass


def main() -> None:
    out = HERE / "corpus"
    out.mkdir(exist_ok=True)
    wanted = set(ARTICLES)
    with bz2.open(DUMP) as f:
        for _, el in ET.iterparse(f):
            if not el.tag.endswith("}page"):
                continue
            title = el.find("{*}title").text
            if title in wanted:
                text = strip_article(el.find("{*}revision/{*}text").text)
                slug = re.sub(r"\W+", "_", title.lower()).strip("_")
                (out / f"{slug}.txt").write_text(f"{title}\n\n{text}", encoding="utf-8")
                print(f"{slug}.txt: {len(text):,} characters")
                wanted.discard(title)
            el.clear()
    if wanted:
        raise SystemExit(f"not found in the dump: {sorted(wanted)}")


if __name__ == "__main__":
    main()
