#!/usr/bin/env python3
"""Build the classical Chinese corpus from npm `chinese-poetry` (run by tools/corpus/poetry.sh).

Reads the package's `dist/` collections, converts every text to simplified characters with
OpenCC (`t2s`, phrase-aware: 乾坤 stays, 乾燥 becomes 干燥), drops duplicates (the same poem
appears in 全唐诗 and 御定全唐诗, and in the `error/` copies, which are never read), and
splits train / held-out **by poem**: the held-out poem keys are listed in
`tools/corpus/poetry-heldout.txt` (committed; written by the first run, ~1 % of the poems by
hash, never one of the famous poems the page shows).

Writes to --out:
  poems.jsonl   one poem per line: key, source, title, author, text (simplified), split
  train.txt     training passages for the masked LM: whole sentences (up to 。！？；),
                at most --max-chars characters, one passage per line
  test.txt      held-out passages, same cut
  cloze.txt     the held-out cloze: one item per line of a held-out poem, one character
                (a CJK character, at a seeded random position) marked as ⟦字⟧
  vocab.txt     [PAD] [UNK] [CLS] [SEP] [MASK], punctuation, ASCII, then every character
                seen ≥ --min-count times in train.txt (most frequent first)
  t2s.tsv       traditional → simplified, one character each, for characters whose
                simplified form is in the vocabulary
  charsmap.bin  t2s.tsv plus full-width letters and digits → ASCII, compiled by
                sentencepiece into the `precompiled_charsmap` a `Precompiled` normalizer
                of tokenizer.json reads (one trie lookup per character; 2 500 `Replace`
                normalizers instead cost 1 ms and megabytes of regex cache per encode)
  sources.json  what was read: per collection poems, characters, duplicates
"""
import argparse
import collections
import glob
import hashlib
import json
import os
import random
import re
import sys
import unicodedata

# Collections read, with the JSON field that holds the text. Left out on purpose:
# yudingquantangshi (the same 全唐诗 again, in another edition), strains (tone patterns),
# rank (search-engine hit counts), quantangshi/error (damaged copies).
COLLECTIONS = [
    ("quantangshi", "quantangshi/poet.*.json"),
    ("songci", "songci/ci.song.*.json"),
    ("yuanqu", "yuanqu/yuanqu.json"),
    ("shijing", "shijing/shijing.json"),
    ("chuci", "chuci/chuci.json"),
    ("lunyu", "lunyu/lunyu.json"),
    ("sishuwujing", "sishuwujing/*.json"),
    ("caocaoshiji", "caocaoshiji/caocao.json"),
    ("nalanxingde", "nalanxingde/*.json"),
    ("shuimotangshi", "shuimotangshi/shuimotangshi.json"),
    ("wudaishici", "wudaishici/huajianji/huajianji-[1-9]*.json"),
    ("wudaishici", "wudaishici/nantang/poetrys.json"),
    ("mengxue", "mengxue/*.json"),
    ("youmengying", "youmengying/youmengying.json"),
]

# Poems the page and the tests quote: always in the training split, so "famous lines the
# model has seen" is true by construction.
FAMOUS = ["床前明月光", "春眠不觉晓", "白日依山尽", "红豆生南国", "锄禾日当午", "离离原上草",
          "鹅，鹅，鹅", "千山鸟飞绝", "国破山河在", "两个黄鹂鸣翠柳"]

SENTENCE_END = "。！？；"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002a6df]")
PUNCT = "，。！？；：、“”‘’「」『』（）《》〈〉·—…　"
ASCII_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def texts(record):
    """The lines of one record, whatever the collection calls them."""
    for field in ("paragraphs", "content", "para"):
        v = record.get(field)
        if isinstance(v, list):
            return [x for x in v if isinstance(x, str)]
        if isinstance(v, str):
            return [v]
    return []


def records(data):
    """Yields poem-like dicts from the nested shapes mengxue and friends use."""
    if isinstance(data, list):
        for x in data:
            yield from records(x)
    elif isinstance(data, dict):
        if texts(data):
            yield data
        else:
            for v in data.values():
                if isinstance(v, (list, dict)):
                    yield from records(v)


def clean(text):
    text = unicodedata.normalize("NFKC", text).replace(",", "，").replace("!", "！")
    text = text.replace("?", "？").replace(";", "；").replace(":", "：")
    # Editorial notes in brackets are not part of the poem.
    text = re.sub(r"（[^）]*）|\([^)]*\)|\[[^\]]*\]|【[^】]*】|\{[^}]*\}", "", text)
    return re.sub(r"\s+", "", text)


def sentences(text):
    out, cur = [], ""
    for ch in text:
        cur += ch
        if ch in SENTENCE_END:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def passages(text, max_chars):
    """Whole sentences packed into passages of at most max_chars (longer sentences cut)."""
    out, cur = [], ""
    for s in sentences(text):
        while len(s) > max_chars:
            if cur:
                out.append(cur)
                cur = ""
            out.append(s[:max_chars])
            s = s[max_chars:]
        if len(cur) + len(s) > max_chars and cur:
            out.append(cur)
            cur = ""
        cur += s
    if cur:
        out.append(cur)
    return out


def key_of(text):
    norm = "".join(CJK.findall(text))
    return hashlib.sha1(norm.encode()).hexdigest()[:16], norm


def write_charsmap(mapping, path):
    """sentencepiece compiles normalisation rules (hex code points, tab-separated) into the
    double-array trie that Hugging Face's `Precompiled` normalizer reads."""
    import io
    import tempfile
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    rules = dict(mapping)
    for c in range(0xFF10, 0xFF5F):  # full-width 0-9, A-Z, a-z
        if chr(c).isalnum():
            rules[chr(c)] = chr(c - 0xFEE0)
    with tempfile.TemporaryDirectory() as tmp:
        tsv, text = os.path.join(tmp, "rules.tsv"), os.path.join(tmp, "text.txt")
        with open(tsv, "w", encoding="utf-8") as f:
            for a in sorted(rules):
                f.write(f"{ord(a):X}\t{ord(rules[a]):X}\n")
        with open(text, "w", encoding="utf-8") as f:
            f.write("床前明月光疑是地上霜\n" * 50)  # the trainer needs some text; its model is unused
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            input=text, model_writer=model, vocab_size=20, normalization_rule_tsv=tsv,
            add_dummy_prefix=False, remove_extra_whitespaces=False, hard_vocab_limit=False,
            minloglevel=2)
    proto = pb.ModelProto()
    proto.ParseFromString(model.getvalue())
    with open(path, "wb") as f:
        f.write(proto.normalizer_spec.precompiled_charsmap)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dist", required=True, help="chinese-poetry's dist/ folder")
    ap.add_argument("--pylib", required=True,
                    help="folder holding the opencc, sentencepiece and protobuf packages")
    ap.add_argument("--heldout", required=True, help="held-out poem keys (read, or written once)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-chars", type=int, default=62)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1969)
    args = ap.parse_args()
    sys.path.insert(0, args.pylib)
    import opencc  # noqa: E402  (unpacked from the PyPI wheels by poetry.sh)

    t2s = opencc.OpenCC("t2s")
    os.makedirs(args.out, exist_ok=True)

    poems, seen = [], set()
    stats = collections.OrderedDict()
    for name, pattern in COLLECTIONS:
        st = stats.setdefault(name, {"files": 0, "records": 0, "poems": 0, "duplicates": 0,
                                     "empty": 0, "characters": 0})
        for path in sorted(glob.glob(os.path.join(args.dist, pattern))):
            if os.path.basename(path).startswith("author"):
                continue
            st["files"] += 1
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            for r in records(data):
                st["records"] += 1
                text = clean(t2s.convert("".join(texts(r))))
                key, norm = key_of(text)
                if len(norm) < 4 or "□" in text:
                    st["empty"] += 1
                    continue
                if key in seen:
                    st["duplicates"] += 1
                    continue
                seen.add(key)
                title = r.get("title") or r.get("rhythmic") or r.get("chapter") or ""
                poems.append({
                    "key": key, "source": name,
                    "title": clean(t2s.convert(title if isinstance(title, str) else "")),
                    "author": t2s.convert(r.get("author") or ""),
                    "text": text,
                })
                st["poems"] += 1
                st["characters"] += len(text)

    famous = {p["key"] for p in poems if any(p["text"].startswith(f) for f in FAMOUS)}
    if os.path.exists(args.heldout):
        with open(args.heldout, encoding="utf-8") as f:
            held = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    else:
        held = {p["key"] for p in poems
                if int(p["key"][:8], 16) % 100 == 0 and p["key"] not in famous}
        with open(args.heldout, "w", encoding="utf-8") as f:
            f.write("# Held-out poems of the Chinese corpus (tools/corpus/poetry.py): the first\n"
                    "# 16 hex digits of SHA-1 over the poem's CJK characters (simplified).\n")
            for k in sorted(held):
                f.write(k + "\n")
    assert not (held & famous), "a famous poem is held out"

    train, test = [], []
    for p in poems:
        p["split"] = "test" if p["key"] in held else "train"
        (test if p["split"] == "test" else train).append(p)
    with open(os.path.join(args.out, "poems.jsonl"), "w", encoding="utf-8") as f:
        for p in poems:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")

    def write_passages(name, ps):
        n = 0
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            for p in ps:
                for s in passages(p["text"], args.max_chars):
                    if CJK.search(s):
                        f.write(s + "\n")
                        n += 1
        return n

    n_train = write_passages("train.txt", train)
    n_test = write_passages("test.txt", test)

    # The cloze: each held-out passage once per line (sentence) in it, with one CJK
    # character of that line marked; the rest of the passage is the context.
    rng = random.Random(args.seed)
    items = []
    for p in test:
        for passage in passages(p["text"], args.max_chars):
            at = 0
            for s in sentences(passage):
                cjk = [at + i for i, ch in enumerate(s) if CJK.match(ch)]
                if cjk:
                    i = rng.choice(cjk)
                    items.append(passage[:i] + "⟦" + passage[i] + "⟧" + passage[i + 1:])
                at += len(s)
    with open(os.path.join(args.out, "cloze.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(items) + "\n")

    counts = collections.Counter()
    for p in train:
        counts.update(p["text"])
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    fixed = list(PUNCT) + list(ASCII_PUNCT) + [chr(c) for c in range(ord("0"), ord("9") + 1)]
    fixed += [chr(c) for c in range(ord("a"), ord("z") + 1)]
    # Continuation pieces, so that an English word inside Chinese text spells out
    # (t ##r ##a …) instead of becoming [UNK].
    fixed += ["##" + chr(c) for c in range(ord("a"), ord("z") + 1)]
    fixed += ["##" + chr(c) for c in range(ord("0"), ord("9") + 1)]
    chars = [c for c, n in counts.most_common() if n >= args.min_count and CJK.match(c)]
    vocab = specials + [t for t in fixed if t not in specials]
    have = set(vocab)
    vocab += [c for c in chars if c not in have]
    with open(os.path.join(args.out, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")

    # Traditional input: every character of the original (traditional) texts and of the
    # CJK block whose one-character t2s conversion differs and lands in the vocabulary.
    in_vocab = set(chars)
    mapping = {}
    for cp in list(range(0x4E00, 0xA000)) + list(range(0x3400, 0x4DC0)):
        ch = chr(cp)
        s = t2s.convert(ch)
        if len(s) == 1 and s != ch and s in in_vocab and ch not in in_vocab:
            mapping[ch] = s
    with open(os.path.join(args.out, "t2s.tsv"), "w", encoding="utf-8") as f:
        for a in sorted(mapping):
            f.write(f"{a}\t{mapping[a]}\n")

    write_charsmap(mapping, os.path.join(args.out, "charsmap.bin"))

    summary = {
        "package": "npm chinese-poetry@2.0.1 (MIT)",
        "converter": f"PyPI opencc {opencc.__version__ if hasattr(opencc, '__version__') else ''} t2s",
        "collections": stats,
        "poems": len(poems), "train_poems": len(train), "held_out_poems": len(test),
        "train_passages": n_train, "test_passages": n_test, "cloze_items": len(items),
        "train_characters": sum(len(p["text"]) for p in train),
        "vocab": len(vocab), "cjk_in_vocab": len(chars), "t2s_entries": len(mapping),
        "min_count": args.min_count, "max_chars": args.max_chars,
    }
    with open(os.path.join(args.out, "sources.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=1)
    print(json.dumps({k: v for k, v in summary.items() if k != "collections"},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
