"""Shared text helpers for the corpus readers: normalisation and sentence splitting.

Plain stdlib on purpose (no NLTK punkt, no spaCy): the texts here are edited prose
whose sentence ends are unambiguous apart from a few honorifics and initials, so a
regular expression plus an abbreviation list is enough and keeps CI dependency-free.
"""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                         "\u00a0": " ", "\u2009": " ", "\u200b": ""})


def normalise(text: str) -> str:
    """NFC, straight quotes, single spaces, trimmed."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    return _WS.sub(" ", text).strip()


def word_count(text: str) -> int:
    return len(text.split())


# Words that end with a full stop without ending a sentence.
ABBREVIATIONS = {
    "mr", "mrs", "ms", "messrs", "dr", "st", "mt", "ft", "col", "capt", "gen", "lt",
    "sgt", "maj", "cpl", "adm", "gov", "sen", "rep", "rev", "hon", "esq", "jr", "sr",
    "prof", "no", "nos", "vs", "etc", "viz", "cf", "vol", "ch", "chap", "fig", "p", "pp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "co", "corp", "inc", "ltd", "bros", "ave", "blvd", "rd", "approx", "dept", "univ",
}

# A candidate end: . ! or ? (possibly repeated), optional closing quotes/brackets,
# whitespace, then something that can start a sentence.
_END = re.compile(r"""([.!?]+)(["')\]]*)(\s+)(?=["'(\[]*[A-Z0-9])""")


def _is_abbreviation(before: str) -> bool:
    m = re.search(r"([A-Za-z][A-Za-z.]*)$", before)
    if not m:
        return False
    word = m.group(1)
    if "." in word:  # U.S., M.D., i.e.
        return True
    if len(word) == 1 and word.isupper():  # an initial: "J. Smith"
        return True
    return word.lower() in ABBREVIATIONS


def split_sentences(text: str) -> list[str]:
    """Split running text into sentences (keeps the punctuation with each sentence)."""
    out = []
    start = 0
    for m in _END.finditer(text):
        if m.group(1) == "." and _is_abbreviation(text[start : m.start()]):
            continue
        end = m.end(2)
        piece = text[start:end].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def split_long(line: str, max_words: int) -> tuple[list[str], int]:
    """Pieces of at most ``max_words`` words, and how many pieces were dropped: split
    at sentence ends, then at semicolons (clause ends, which the Brown corpus also
    treats as sentence ends); pieces still too long are dropped."""
    if word_count(line) <= max_words:
        return [line], 0
    out, dropped = [], 0
    for sent in split_sentences(line):
        if word_count(sent) <= max_words:
            out.append(sent)
            continue
        for clause in re.split(r"(?<=;)\s+", sent):
            if word_count(clause) <= max_words:
                out.append(clause)
            else:
                dropped += 1
    return out, dropped
