"""Sentences from Jane Austen's six novels in the R package ``janeaustenr``.

Format parsed
-------------
Debian ``r-cran-janeaustenr`` installs the package's lazy-load database
``janeaustenr/data/Rdata.{rdx,rdb}`` (read by ``rdata.py``, see there). It holds six
character vectors - ``sensesensibility``, ``prideprejudice``, ``mansfieldpark``,
``emma``, ``northangerabbey``, ``persuasion`` - each one element per line of the
Project Gutenberg text: hard-wrapped at ~70 columns, paragraphs separated by empty
strings, title page and ``CHAPTER``/``VOLUME`` headings as lines of their own, and
Gutenberg's ``_underscores_`` for italics.

Lines are joined into paragraphs; everything before the first chapter heading (title
page, "Advertisement") and every paragraph without a lower-case letter (headings,
``THE END``, ``* * *``) is dropped; underscores are removed; paragraphs are split into
sentences with ``textutil.split_sentences``.

Why hand-written
----------------
R is not installed (the Debian package is only unpacked, without its R dependency
chain) and no stdlib module reads R's serialization; see ``rdata.py``.
"""

from __future__ import annotations

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rdata  # noqa: E402
from textutil import normalise, split_sentences  # noqa: E402

# Publication order.
NOVELS = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma",
          "northangerabbey", "persuasion"]
_CHAPTER = re.compile(r"^(chapter|volume)\b", re.I)


def paragraphs(lines):
    cur: list[str] = []
    for line in list(lines) + [""]:
        line = (line or "").strip()
        if line:
            cur.append(line)
        elif cur:
            yield " ".join(cur)
            cur = []


def novel_sentences(lines):
    started = False
    for para in paragraphs(lines):
        if _CHAPTER.match(para):
            started = True
            continue
        if not started or not re.search(r"[a-z]", para):
            continue
        para = normalise(para.replace("_", ""))
        yield from split_sentences(para)


def sentences(package_root: str):
    """Yield ``(novel, sentence)`` for all six novels; ``package_root`` is the
    installed R package directory (``.../site-library/janeaustenr``)."""
    db = rdata.LazyLoadDB(os.path.join(package_root, "data", "Rdata"))
    for name in NOVELS:
        for s in novel_sentences(db[name]):
            yield name, s


if __name__ == "__main__":
    for _, s in sentences(sys.argv[1]):
        print(s)
