"""Reader for a SWORD zText Bible module (e.g. Debian ``sword-text-web``), OSIS markup.

Format parsed
-------------
A zText module directory holds, per testament (``ot``, ``nt``), three files, all
little-endian:

* ``??.bzs`` - block index: 12-byte records ``(offset u32, compressed size u32,
  uncompressed size u32)`` into ``??.bzz``.
* ``??.bzz`` - the blocks: each one a zlib stream (``CompressType=ZIP``) holding the
  concatenated text of a whole book (``BlockType=BOOK``).
* ``??.bzv`` - verse index: 10-byte records ``(block u32, offset u32, size u16)``, one
  per versification slot in order (module heading, testament heading, then per book a
  book intro slot and per chapter a chapter intro slot followed by the verses).
  Empty slots have size 0. The size is only 16 bits: a slot of 64 KiB or more (this
  module puts the whole Greek Daniel, which its versification lacks, into one slot)
  has its size wrapped, so the true end is taken from the next slot's offset in the
  same block (or the block's end) when that agrees modulo 65536.

The text of each slot is UTF-8 OSIS XML fragments (``SourceType=OSIS``): ``<w
lemma=...>`` word wrappers, milestone ``<div sID/eID>``, ``<l>``, ``<q>``, ``<note>``
(footnotes and cross-references), ``<title>`` (section headings) and so on. Fragments
are not well-formed XML on their own (milestones open in one verse and close in
another), so markup is stripped with regular expressions: footnotes, non-canonical
headings, speaker labels, front matter, introductions and glossaries are removed with
their contents; all other tags are dropped keeping their text. Canonical psalm
titles are kept (they are part of the text). One slot becomes one line.

Why hand-written
----------------
The only reader of SWORD modules is the C++ ``libsword`` (or its Python SWIG binding
``python3-sword``, which is not on CI and pulls in the whole library); the container
format is three flat index files and zlib, which the stdlib handles directly.
"""

from __future__ import annotations

import html
import os
import re
import struct
import sys
import zlib

_DROP_REGIONS = [
    # Front matter, book introductions and glossaries: from the opening milestone to
    # its closing milestone (or the end of the slot).
    re.compile(r'<div\b[^>]*\bsID="([^"]+)"[^>]*\btype="(?:front|introduction|glossary)"[^>]*/>'
               r".*?(?:<div\b[^>]*\beID=\"\1\"[^>]*/>|$)", re.S),
    re.compile(r"<note\b[^>]*>.*?</note>", re.S),
    re.compile(r"<note\b[^>]*/>"),
    re.compile(r"<speaker\b[^>]*>.*?</speaker>", re.S),
    # Headings, unless canonical (psalm titles such as "A Psalm by David.").
    re.compile(r'<title\b(?![^>]*canonical="true")[^>]*>.*?</title>', re.S),
    re.compile(r"<list\b[^>]*>.*?</list>", re.S),
]
_TAG = re.compile(r"<[^>]*>")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?)\u201d\u2019](?:\s|$))")
_WS = re.compile(r"\s+")


_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title>", re.S)


def _title(m: re.Match) -> str:
    """Drop all-capitals titles: the acrostic letter names heading Psalm 119's stanzas
    ("ALEPH", "SIN AND SHIN"); keep other canonical titles as text."""
    inner = _TAG.sub("", m.group(1)).strip()
    return " " if inner.isupper() else m.group(0)


def osis_to_text(fragment: str) -> str:
    text = _TITLE.sub(_title, fragment)
    for rx in _DROP_REGIONS:
        text = rx.sub(" ", text)
    # Canonical titles end with a full stop of their own; keep a space after them.
    text = re.sub(r"</title>", " ", text)
    text = _TAG.sub("", text)
    text = re.sub(r"<[^>]*$", "", text)  # a tag cut off at the end of a slot
    text = html.unescape(text)
    text = _WS.sub(" ", text).strip()
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text


def read_testament(module_dir: str, testament: str):
    """Yield the raw OSIS text of every non-empty slot of one testament, in order."""
    path = os.path.join(module_dir, testament)
    if not os.path.exists(path + ".bzs"):
        return
    with open(path + ".bzs", "rb") as f:
        bzs = f.read()
    with open(path + ".bzv", "rb") as f:
        bzv = f.read()
    with open(path + ".bzz", "rb") as f:
        bzz = f.read()
    blocks = [struct.unpack_from("<III", bzs, i) for i in range(0, len(bzs) - 11, 12)]
    slots = [struct.unpack_from("<IIH", bzv, i) for i in range(0, len(bzv) - 9, 10)]
    cache: dict[int, bytes] = {}
    for n, (block, offset, size) in enumerate(slots):
        if size == 0:
            continue
        if block not in cache:
            cache.clear()  # slots are in block order: keep one block decompressed
            boff, bsize, usize = blocks[block]
            data = zlib.decompress(bzz[boff : boff + bsize])
            if len(data) != usize:
                raise ValueError(f"{path}: block {block} is {len(data)} bytes, index says {usize}")
            cache[block] = data
        data = cache[block]
        end = len(data)
        for nblock, noffset, nsize in slots[n + 1 :]:
            if nsize:
                if nblock == block and noffset > offset:
                    end = noffset
                break
        if end - offset > size and (end - offset) % 65536 == size:
            size = end - offset  # 16-bit size wrapped
        yield data[offset : offset + size].decode("utf-8", errors="replace")


def verses(module_dir: str):
    """Plain-text verses (one string per versification slot that has text)."""
    for testament in ("ot", "nt"):
        for raw in read_testament(module_dir, testament):
            text = osis_to_text(raw)
            if text:
                yield text


if __name__ == "__main__":
    for v in verses(sys.argv[1]):
        print(v)
