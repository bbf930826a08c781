"""Minimal reader for R lazy-load data (``data/Rdata.rdx`` + ``data/Rdata.rdb``).

Format parsed
-------------
An installed R package with ``LazyData: true`` keeps its data sets in a lazy-load
database:

* ``Rdata.rdx`` is an ``.rds`` file: gzip-compressed R serialization of a list with
  ``variables`` (a named list; each element is an integer pair ``c(offset, length)``
  into the ``.rdb``), ``references`` and ``compressed``.
* ``Rdata.rdb`` is a concatenation of blobs. Each blob is a 4-byte big-endian
  uncompressed length followed by a zlib stream (``compressed = TRUE``), or by a
  type byte and a bzip2 (``'2'``) / xz (``'Z'``) / stored (``'0'``) payload
  (``compressed = 2`` or ``3``). The payload is one object in R's serialization
  format.
* R serialization (``serialize()`` / ``saveRDS()``), XDR binary flavour (``X\\n``,
  big-endian), versions 2 and 3: a header, then a tree of items. Each item starts with
  a flags word: SEXP type in the low byte, "is object" bit 8, "has attributes" bit 9,
  "has tag" bit 10, "levels" (gp bits, e.g. string encoding) from bit 12.

This reader decodes what data sets use: NULL, symbols, pairlists (attributes),
logical / integer / double / complex / character / raw vectors, generic vectors
(lists, data frames), references, and the few special environment markers; ALTREP
compact sequences and wrappers are expanded. Closures, bytecode and the like are not
supported (data sets do not contain them).

Why hand-written
----------------
Neither the Python standard library nor anything CI has installed reads R's
serialization format (the registry packages that do, such as ``rdata`` or
``pyreadr``, are extra dependencies, and R itself is not installed here: the Debian
packages are only unpacked). The format is small and documented in R's
``src/main/serialize.c``, so ~200 lines of stdlib Python suffice.

Values come back as plain Python: character vectors as ``RVector`` (a ``list`` of
``str``/``None`` with an ``attrs`` dict), lists likewise, NULL as ``None``.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import sys
import zlib

NILSXP, SYMSXP, LISTSXP, CLOSXP, ENVSXP, PROMSXP, LANGSXP = 0, 1, 2, 3, 4, 5, 6
CHARSXP, LGLSXP, INTSXP, REALSXP, CPLXSXP, STRSXP = 9, 10, 13, 14, 15, 16
DOTSXP, VECSXP, EXPRSXP, RAWSXP, S4SXP = 17, 19, 20, 24, 25
REFSXP, NILVALUE_SXP, GLOBALENV_SXP, UNBOUNDVALUE_SXP, MISSINGARG_SXP = 255, 254, 253, 252, 251
BASENAMESPACE_SXP, NAMESPACESXP, PACKAGESXP, PERSISTSXP = 250, 249, 248, 247
EMPTYENV_SXP, BASEENV_SXP, ATTRLANGSXP, ATTRLISTSXP, ALTREP_SXP = 242, 241, 240, 239, 238

NA_INTEGER = -(2**31)
UTF8_MASK, LATIN1_MASK, BYTES_MASK = 1 << 3, 1 << 2, 1 << 1


class RVector(list):
    """An R vector: list elements plus an ``attrs`` dict (names, class, dim, ...)."""

    def __init__(self, items=(), rtype: int = VECSXP, attrs: dict | None = None):
        super().__init__(items)
        self.rtype = rtype
        self.attrs = attrs or {}

    @property
    def names(self):
        return self.attrs.get("names")


class RSymbol(str):
    pass


class REnv:
    def __init__(self, name: str = ""):
        self.name = name
        self.frame: dict = {}


class _Reader:
    def __init__(self, data: bytes):
        self.d = data
        self.p = 0
        self.refs: list = []

    def take(self, n: int) -> bytes:
        b = self.d[self.p : self.p + n]
        if len(b) != n:
            raise ValueError("truncated R serialization")
        self.p += n
        return b

    def int(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def header(self):
        fmt = self.take(2)
        if fmt != b"X\n":
            raise ValueError(f"only XDR serialization is supported, got {fmt!r}")
        version = self.int()
        self.int()  # writer R version
        self.int()  # minimal reader R version
        if version == 3:
            n = self.int()
            self.take(n)  # native encoding name
        elif version != 2:
            raise ValueError(f"unsupported serialization version {version}")

    def length(self) -> int:
        n = self.int()
        if n == -1:
            hi, lo = self.int(), self.int()
            n = (hi << 32) + lo
        return n

    def charsxp(self, flags: int):
        n = self.int()
        if n == -1:
            return None
        raw = self.take(n)
        levels = flags >> 12
        if levels & LATIN1_MASK:
            return raw.decode("latin-1")
        return raw.decode("utf-8", errors="replace")

    def pairlist(self, flags: int):
        """Pairlist / language object as a list of (tag, value); iterative over CDR."""
        out = []
        while True:
            if flags & (1 << 9):
                self.item()  # attributes of the cell itself: not needed
            tag = self.item() if flags & (1 << 10) else None
            value = self.item()
            out.append((tag, value))
            flags = self.int()
            t = flags & 0xFF
            if t == NILVALUE_SXP:
                return out
            if t not in (LISTSXP, LANGSXP, DOTSXP, ATTRLISTSXP, ATTRLANGSXP):
                # an improper tail: read it and stop
                self.p -= 4
                out.append((None, self.item()))
                return out

    def attributes(self, vec):
        pl = self.item()
        if isinstance(pl, list):
            vec.attrs = {str(tag): val for tag, val in pl if tag is not None}
        return vec

    def item(self):
        flags = self.int()
        t = flags & 0xFF
        has_attr = bool(flags & (1 << 9))

        if t == NILVALUE_SXP:
            return None
        if t in (EMPTYENV_SXP, BASEENV_SXP, GLOBALENV_SXP, BASENAMESPACE_SXP):
            return REnv({EMPTYENV_SXP: "empty", BASEENV_SXP: "base", GLOBALENV_SXP: "global",
                         BASENAMESPACE_SXP: "namespace:base"}[t])
        if t in (UNBOUNDVALUE_SXP, MISSINGARG_SXP):
            return None
        if t == REFSXP:
            idx = flags >> 8
            if idx == 0:
                idx = self.int()
            return self.refs[idx - 1]
        if t in (PERSISTSXP, PACKAGESXP, NAMESPACESXP):
            if self.int() != 0:
                raise ValueError("bad persistent string vector")
            n = self.int()
            names = [self.item() for _ in range(n)]
            env = REnv(":".join(str(x) for x in names))
            self.refs.append(env)
            return env
        if t == SYMSXP:
            sym = RSymbol(self.item() or "")
            self.refs.append(sym)
            return sym
        if t == ENVSXP:
            env = REnv()
            self.refs.append(env)
            self.int()  # locked
            self.item()  # enclosure
            frame = self.item()
            hashtab = self.item()
            self.item()  # attributes
            if isinstance(frame, list):
                for tag, val in frame:
                    env.frame[str(tag)] = val
            if isinstance(hashtab, RVector):
                for bucket in hashtab:
                    if isinstance(bucket, list):
                        for tag, val in bucket:
                            env.frame[str(tag)] = val
            return env
        if t in (LISTSXP, LANGSXP, DOTSXP, ATTRLISTSXP, ATTRLANGSXP, CLOSXP, PROMSXP):
            return self.pairlist(flags)
        if t == ALTREP_SXP:
            info = self.item()
            state = self.item()
            attr = self.item()
            cls = str(info[0][1]) if isinstance(info, list) and info else ""
            if cls == "compact_intseq":
                n, start, step = (int(x) for x in state)
                vec = RVector(range(start, start + n * step, step), INTSXP)
            elif cls == "compact_realseq":
                n, start, step = state
                vec = RVector([start + i * step for i in range(int(n))], REALSXP)
            elif cls in ("wrap_integer", "wrap_real", "wrap_string", "wrap_logical",
                         "wrap_list", "wrap_complex", "wrap_raw"):
                vec = state[0] if isinstance(state, list) else state
            elif cls == "deferred_string":
                src = state[0][1] if isinstance(state, list) else state
                vec = RVector(["NA" if x is None else str(x) for x in src], STRSXP)
            else:
                raise ValueError(f"unsupported ALTREP class {cls!r}")
            if isinstance(attr, list) and isinstance(vec, RVector):
                vec.attrs = {str(tag): val for tag, val in attr if tag is not None}
            return vec
        if t == CHARSXP:
            return self.charsxp(flags)
        if t in (LGLSXP, INTSXP):
            n = self.length()
            vals = struct.unpack(f">{n}i", self.take(4 * n))
            if t == LGLSXP:
                vals = [None if v == NA_INTEGER else bool(v) for v in vals]
            else:
                vals = [None if v == NA_INTEGER else v for v in vals]
            vec = RVector(vals, t)
        elif t == REALSXP:
            n = self.length()
            vec = RVector(struct.unpack(f">{n}d", self.take(8 * n)), t)
        elif t == CPLXSXP:
            n = self.length()
            v = struct.unpack(f">{2 * n}d", self.take(16 * n))
            vec = RVector([complex(v[2 * i], v[2 * i + 1]) for i in range(n)], t)
        elif t == RAWSXP:
            n = self.length()
            vec = RVector(self.take(n), t)
        elif t == STRSXP:
            n = self.length()
            out = []
            for _ in range(n):
                f = self.int()
                if f & 0xFF != CHARSXP:
                    raise ValueError("STRSXP element is not a CHARSXP")
                out.append(self.charsxp(f))
            vec = RVector(out, t)
        elif t in (VECSXP, EXPRSXP):
            n = self.length()
            vec = RVector([self.item() for _ in range(n)], t)
        elif t == S4SXP:
            vec = RVector([], t)
        else:
            raise ValueError(f"unsupported SEXP type {t} at byte {self.p - 4}")
        if has_attr:
            self.attributes(vec)
        return vec


def unserialize(data: bytes):
    """Decode one R-serialized object (uncompressed bytes)."""
    r = _Reader(data)
    r.header()
    return r.item()


def read_rds(path: str):
    """Read an ``.rds`` file (gzip, bzip2, xz or uncompressed)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    elif raw[:3] == b"BZh":
        raw = bz2.decompress(raw)
    elif raw[:6] == b"\xfd7zXZ\x00":
        raw = lzma.decompress(raw)
    return unserialize(raw)


def _blob(raw: bytes):
    outlen = struct.unpack(">I", raw[:4])[0]
    body = raw[4:]
    kind = body[:1]
    if kind == b"Z":
        data = lzma.decompress(body[1:])
    elif kind == b"2":
        data = bz2.decompress(body[1:])
    elif kind == b"0":
        data = body[1:]
    else:
        data = zlib.decompress(body)
    if len(data) != outlen:
        raise ValueError(f"lazy-load blob: expected {outlen} bytes, got {len(data)}")
    return unserialize(data)


class LazyLoadDB:
    """An R lazy-load database: ``LazyLoadDB('<pkg>/data/Rdata')['name']``."""

    def __init__(self, base: str):
        self.base = base
        index = read_rds(base + ".rdx")
        fields = dict(zip(index.names, index))
        variables = fields["variables"]
        self.offsets = {name: (int(v[0]), int(v[1])) for name, v in zip(variables.names, variables)}
        with open(base + ".rdb", "rb") as f:
            self.rdb = f.read()

    def keys(self):
        return list(self.offsets)

    def __getitem__(self, name: str):
        off, n = self.offsets[name]
        return _blob(self.rdb[off : off + n])


if __name__ == "__main__":
    db = LazyLoadDB(sys.argv[1])
    for key in db.keys():
        obj = db[key]
        kind = type(obj).__name__
        n = len(obj) if hasattr(obj, "__len__") else ""
        attrs = list(obj.attrs) if isinstance(obj, RVector) else []
        print(f"{key}\t{kind}\t{n}\t{attrs}")
