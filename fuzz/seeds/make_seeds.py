#!/usr/bin/env python3
"""Small synthetic seeds for the fuzz targets (standard library only, deterministic).

fuzz/seed.sh runs this; it writes into the corpus folder given as the first argument:
  safetensors/  tiny.safetensors (every dtype the loader reads, and one it refuses),
                bert-f16-int8.safetensors (fixtures/bert-gelu-new-f16, 2-D weights as int8 +
                `.quant_mult`, the layout convert-marian writes), marian-tiny*.safetensors (a
                d_model-8 Marian for MARIAN_TINY_CONFIG in fuzz/src/lib.rs; f32, int8, bf16)
  marian_bin/   ssru-int8.bin (Bergamot-like: intgemm8 matrices, SSRU decoder) and
                attention-f32.bin (float32, self-attention decoder), both for the 156-token
                vocabulary of fixtures/marian-relu so that the converted model loads with that
                tokenizer
  shortlist/    lex-156.s2t.bin (for fixtures/marian-relu) and lex-4.s2t.bin
"""
import json
import os
import random
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = sys.argv[1]
rng = random.Random(1)


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- safetensors
def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, raw bytes), laid out in order."""
    header, blob = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blob


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    header.pop("__metadata__", None)
    data = b[8 + n:]
    items = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    return [(k, v["dtype"], v["shape"], data[v["data_offsets"][0]:v["data_offsets"][1]])
            for k, v in items]


def f32s(values):
    return struct.pack("<%df" % len(values), *values)


def bf16(raw_f32):
    vals = struct.unpack("<%dI" % (len(raw_f32) // 4), raw_f32)
    return struct.pack("<%dH" % len(vals), *[v >> 16 for v in vals])


write("safetensors", "tiny.safetensors", safetensors([
    ("f32", "F32", [2, 2], f32s([1.0, -2.0, 3.5, 0.0])),
    ("f16", "F16", [3], struct.pack("<3e", 1.0, -0.5, 65504.0)),
    ("bf16", "BF16", [1, 2], bf16(f32s([1.0, -3.0]))),
    ("q", "I8", [4], struct.pack("<4b", 1, -2, 127, -128)),
    ("q.quant_mult", "F32", [1], f32s([64.0])),
    ("i32", "I32", [2], struct.pack("<2i", 7, -7)),
    ("empty", "F32", [0, 3], b""),
], {"format": "pt"}))

def quantise(name, raw, fmt):
    """An int8 tensor + `.quant_mult` (the layout convert-marian writes) from f32/f16 bytes."""
    size = struct.calcsize(fmt)
    vals = struct.unpack("<%d%s" % (len(raw) // size, fmt), raw)
    qm = 127.0 / max(max(abs(v) for v in vals), 1e-6)
    q = [max(-127, min(127, round(v * qm))) for v in vals]
    return [(name, "I8", None, struct.pack("<%db" % len(q), *q)),
            (name + ".quant_mult", "F32", [1], f32s([qm]))]


def with_int8(tensors, fmt, dtype):
    """Every 2-D weight except the embeddings as int8."""
    out = []
    for name, dt, shape, raw in tensors:
        if dt == dtype and len(shape) == 2 and "embed" not in name and "shared" not in name:
            q, m = quantise(name, raw, fmt)
            out += [(q[0], q[1], shape, q[3]), m]
        else:
            out.append((name, dt, shape, raw))
    return out


# The small BERT fixture (f16, hidden 32): the target loads it with its own config.
bert = read_safetensors(os.path.join(ROOT, "fixtures/bert-gelu-new-f16/model.safetensors"))
write("safetensors", "bert-f16-int8.safetensors",
      safetensors(with_int8(bert, "e", "F16"), {"format": "pt"}))


# A tiny Hugging Face Marian checkpoint (d_model 8) for MARIAN_TINY_CONFIG in fuzz/src/lib.rs
# and the 156-token marian-relu tokenizer: the real fixtures are 0.5-0.9 MB, this is 10 kB.
def marian_hf(vocab=156, d=8, ffn=16):
    t = [("model.shared.weight", "F32", [vocab, d], f32s(rand_f32(vocab * d))),
         ("final_logits_bias", "F32", [1, vocab], f32s(rand_f32(vocab)))]

    def linear(p, i, o):
        return [(p + ".weight", "F32", [o, i], f32s(rand_f32(o * i))),
                (p + ".bias", "F32", [o], f32s(rand_f32(o)))]

    def norm(p):
        return [(p + ".weight", "F32", [d], f32s([1.0] * d)),
                (p + ".bias", "F32", [d], f32s([0.0] * d))]

    def attn(p):
        return sum((linear(p + "." + x, d, d) for x in ("q_proj", "k_proj", "v_proj", "out_proj")), [])

    for side, blocks in (("encoder", ("self_attn",)), ("decoder", ("self_attn", "encoder_attn"))):
        p = "model.%s.layers.0" % side
        for b in blocks:
            t += attn(p + "." + b) + norm(p + "." + b + "_layer_norm")
        t += linear(p + ".fc1", d, ffn) + linear(p + ".fc2", ffn, d) + norm(p + ".final_layer_norm")
    return t


def rand_f32(n, scale=0.5):
    return [rng.uniform(-scale, scale) for _ in range(n)]


tiny = marian_hf()
write("safetensors", "marian-tiny.safetensors", safetensors(tiny, {"format": "pt"}))
write("safetensors", "marian-tiny-int8.safetensors",
      safetensors(with_int8(tiny, "f", "F32"), {"format": "pt"}))
write("safetensors", "marian-tiny-bf16.safetensors", safetensors(
    [(n, "BF16", s, bf16(r)) for n, d, s, r in tiny], {"format": "pt"}))


# ---------------------------------------------------------------- Marian .bin
TYPE_INT8, TYPE_FLOAT32, TYPE_INTGEMM8 = 0x0101, 0x0404, 0x4101


def marian_bin(items):
    """items: (name, type, shape, data) — the layout of crates/models/src/marian_bin.rs."""
    out = struct.pack("<QQ", 1, len(items))
    for name, ty, shape, data in items:
        out += struct.pack("<QQQQ", len(name) + 1, ty, len(shape), len(data))
    for name, *_ in items:
        out += name.encode() + b"\0"
    for _, _, shape, _ in items:
        out += struct.pack("<%di" % len(shape), *shape)
    pad = (256 - (len(out) + 8) % 256) % 256
    out += struct.pack("<Q", pad) + b"\0" * pad
    for *_, data in items:
        out += data
    return out


def tensor(name, shape, quantised):
    n = 1
    for d in shape:
        n *= d
    is_matrix = len(shape) == 2 and shape[0] > 1 and not name.endswith(("_b", "_bias")) \
        and "_ln_" not in name and name.split("_")[-1][0] == "W"
    if "ln_scale" in name:
        return (name, TYPE_FLOAT32, shape, f32s([1.0 + v for v in rand_f32(n, 0.1)]))
    if quantised and is_matrix:
        vals = rand_f32(n)
        qm = 127.0 / max(abs(v) for v in vals)
        q = struct.pack("<%db" % n, *[max(-127, min(127, round(v * qm))) for v in vals])
        return (name, TYPE_INTGEMM8, shape, q + struct.pack("<f", qm))
    return (name, TYPE_FLOAT32, shape, f32s(rand_f32(n)))


def marian_model(vocab, d, ffn, heads, ssru, quantised, activation):
    yaml = ("type: transformer\ndim-emb: %d\nenc-depth: 1\ndec-depth: 1\n"
            "transformer-heads: %d\ntransformer-dim-ffn: %d\n"
            "transformer-ffn-activation: %s\n" % (d, heads, ffn, activation))
    if ssru:
        yaml += "transformer-decoder-autoreg: rnn\ndec-cell: ssru\n"
    else:
        yaml += "transformer-decoder-autoreg: self-attention\n"
    items = [tensor("Wemb", [vocab, d], quantised),
             tensor("decoder_ff_logit_out_b", [1, vocab], quantised)]

    def attention(prefix):
        return [tensor(prefix + s, [d, d], quantised) for s in ("Wq", "Wk", "Wv", "Wo")] + \
               [tensor(prefix + s, [1, d], quantised)
                for s in ("bq", "bk", "bv", "bo", "Wo_ln_scale", "Wo_ln_bias")]

    def ffn_items(prefix):
        return [tensor(prefix + "W1", [d, ffn], quantised), tensor(prefix + "b1", [1, ffn], quantised),
                tensor(prefix + "W2", [ffn, d], quantised), tensor(prefix + "b2", [1, d], quantised),
                tensor(prefix + "ffn_ln_scale", [1, d], quantised),
                tensor(prefix + "ffn_ln_bias", [1, d], quantised)]

    items += attention("encoder_l1_self_") + ffn_items("encoder_l1_ffn_")
    if ssru:
        items += [tensor("decoder_l1_rnn_W", [d, d], quantised),
                  tensor("decoder_l1_rnn_Wf", [d, d], quantised),
                  tensor("decoder_l1_rnn_bf", [1, d], quantised),
                  tensor("decoder_l1_rnn_ffn_ln_scale", [1, d], quantised),
                  tensor("decoder_l1_rnn_ffn_ln_bias", [1, d], quantised)]
    else:
        items += attention("decoder_l1_self_")
    items += attention("decoder_l1_context_") + ffn_items("decoder_l1_ffn_")
    if quantised:
        items.append(("Wemb_QuantMultA", TYPE_INT8, [1], b"\x07"))
    y = yaml.encode() + b"\0"
    items.append(("special:model.yml", TYPE_INT8, [len(y)], y))
    return marian_bin(items)


# f32 matrices are read as stored ([out, in] = PyTorch's layout), so the f32 seed is square.
write("marian_bin", "ssru-int8.bin", marian_model(156, 8, 16, 2, True, True, "relu"))
write("marian_bin", "attention-f32.bin", marian_model(156, 8, 8, 2, False, False, "swish"))


# ---------------------------------------------------------------- shortlist
MAGIC = 0xF11A48D5013417F5


def shortlist(vocab, first, per_token):
    offsets, ids = [0], []
    for s in range(vocab):
        ids += sorted({(s * 7 + k * 13 + 1) % vocab for k in range(per_token)})
        offsets.append(len(ids))
    return struct.pack("<6Q", MAGIC, 0, first, per_token, len(offsets), len(ids)) + \
        struct.pack("<%dQ" % len(offsets), *offsets) + struct.pack("<%dI" % len(ids), *ids)


write("shortlist", "lex-156.s2t.bin", shortlist(156, 8, 3))
write("shortlist", "lex-4.s2t.bin", shortlist(4, 1, 2))
