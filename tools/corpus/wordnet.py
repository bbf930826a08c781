"""Example sentences from the glosses of the WordNet 3.0 database (Debian ``wordnet-base``).

Format parsed
-------------
``/usr/share/wordnet/data.{noun,verb,adj,adv}`` (``wndb(5WN)``): a licence header of
lines starting with two spaces, then one synset per line::

    offset lex_filenum ss_type w_cnt word lex_id ... p_cnt pointers... [frames] | gloss

The gloss after ``" | "`` is a definition followed by ``;``-separated usage examples
in double quotes, sometimes with an attribution after the closing quote::

    ... | breathe with great difficulty; "She choked with emotion when she spoke"

Each double-quoted string becomes one line (attributions are outside the quotes and
so dropped). The few glosses with an odd number of ``"`` (typos in the database,
where quotes cannot be paired reliably) are skipped. Output is in file order:
nouns, verbs, adjectives, adverbs.

Why hand-written
----------------
NLTK's WordNet reader would do it but is a pip dependency that also needs the
``wordnet`` data package from its own downloader; the example strings are one regular
expression away in the plain-text database.
"""

from __future__ import annotations

import os
import re
import sys

POS = ["noun", "verb", "adj", "adv"]
_QUOTED = re.compile(r'"([^"]+)"')


def examples(dict_dir: str):
    """Yield ``(pos, example)`` for every quoted gloss example."""
    for pos in POS:
        with open(os.path.join(dict_dir, f"data.{pos}"), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                _, sep, gloss = line.partition(" | ")
                if not sep or gloss.count('"') % 2:
                    continue
                for ex in _QUOTED.findall(gloss):
                    ex = ex.strip()
                    if ex:
                        yield pos, ex


if __name__ == "__main__":
    for _, e in examples(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"):
        print(e)
