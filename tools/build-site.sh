#!/usr/bin/env bash
# tools/build-site.sh [DIR]: the whole site as plain static files in DIR (default dist/), for
# GitHub Pages or any static host. Upload DIR's contents as one folder of the host: its root
# or any sub-path (https://USER.github.io/REPO/ works as is).
#
# Layout: pkg/ and models/ go INSIDE the folder that holds www/'s files, not beside it.
# Every URL the pages use is relative to the file that uses it:
#   lib/client.js    new URL('../worker.js', import.meta.url)        → DIR/worker.js
#                    new URL('../models/fill-mask', import.meta.url) → DIR/models/…
#   worker.js        import … from './pkg/tlab_web.js'               → DIR/pkg/tlab_web.js
#   pkg/tlab_web.js  new URL('tlab_web_bg.wasm', import.meta.url)    → DIR/pkg/tlab_web_bg.wasm
#   lecture.html     src="models/fill-mask-zh" (relative to the page) → DIR/models/…
#   widgets/index.js new URL('widgets.css', import.meta.url)         → DIR/widgets/widgets.css
# That is the tree the dev server (www/serve.mjs) shows at /, /pkg/ and /models/, so the page
# code needs no base path: DIR mirrors it and nothing in www/ is rewritten.
#
# DIR gets: www/ without what is not the site (node_modules/, e2e/, serve.mjs,
# package*.json, dotfiles); pkg/ (from tools/build-wasm.sh: tlab_web.js, tlab_web_bg.wasm);
# models/ (from tools/prepare-models.sh); an empty .nojekyll (GitHub Pages must not run Jekyll
# over it) and .tlab-site, the mark that lets the next run replace DIR. A DIR that exists
# without that mark (your own folder) is refused, never emptied.
# It stops with a message when pkg/ or models/ is missing or incomplete, and prints the size
# of each part and the total. TLAB_PKG and TLAB_MODELS take pkg/ and models/ from elsewhere
# (relative to the repository), as TLAB_PKG does for www/serve.mjs.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

dir=${1:-dist}
pkg=$(realpath -m "${TLAB_PKG:-pkg}")
models=$(realpath -m "${TLAB_MODELS:-models}")

die() {
  echo "build-site: $*" >&2
  exit 1
}

[ -d "$pkg" ] || die "no $pkg: build the wasm first (tools/build-wasm.sh)"
for f in tlab_web.js tlab_web_bg.wasm; do
  [ -s "$pkg/$f" ] || die "no $pkg/$f: build the wasm first (tools/build-wasm.sh)"
done
[ -d "$models" ] || die "no $models: prepare the models first (tools/prepare-models.sh)"
[ -s "$models/fill-mask/model.safetensors" ] ||
  die "$models has no fill-mask/model.safetensors (the default model): run tools/prepare-models.sh"
# The models lib/client.js names; a missing one only breaks the widgets that use it.
for m in fill-mask-zh gpt-poetry antiberty pos-en nsp-en translate-en-pt translate-pt-en index.json; do
  [ -e "$models/$m" ] || echo "build-site: warning: $models/$m is missing; the widgets that use it will say so" >&2
done

out=$(realpath -m "$dir")
case "$out" in
  "$repo" | "$repo/www" | "$pkg" | "$models" | /) die "refusing to build into $out" ;;
esac
if [ -e "$out" ]; then
  if [ -f "$out/.tlab-site" ]; then
    rm -rf "$out"
  elif [ -d "$out" ] && [ -z "$(ls -A "$out")" ]; then
    rmdir "$out"
  else
    die "$out exists and was not made by this script (no .tlab-site in it): choose another DIR or remove it"
  fi
fi
mkdir -p "$out"

for f in www/*; do
  case "${f#www/}" in
    node_modules | e2e | serve.mjs | package.json | package-lock.json | pkg | models) continue ;;
  esac
  cp -RL "$f" "$out/"
done
find "$out" -mindepth 1 -name '.*' -prune -exec rm -rf {} +
mkdir "$out/pkg"
for f in "$pkg"/*.js "$pkg"/*.wasm; do
  cp -L "$f" "$out/pkg/"
done
cp -RL "$models" "$out/models"
find "$out/models" -mindepth 1 -name '.*' -prune -exec rm -rf {} +
# A head trained here (models/index.json: "base") carries copies of its base model's encoder
# and tokenizer for the command line; the page loads those from the base, so the site drops
# them (92 MB for pos-en and nsp-en).
if [ -f "$out/models/index.json" ]; then
  node -e 'for (const [k, v] of Object.entries(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")))) if (v.base) console.log(k)' \
    "$out/models/index.json" | while read -r head; do
    rm -f "$out/models/$head/model.safetensors" "$out/models/$head/tokenizer.json" "$out/models/$head/tokenizer_config.json"
  done
fi
: > "$out/.nojekyll"
echo "built by tools/build-site.sh" > "$out/.tlab-site"

bytes() { du -sb "$@" | awk '{s += $1} END {print s + 0}'; }
mb() { awk -v b="$1" 'BEGIN {printf "%8.1f MB", b / 1e6}'; }
site=$(find "$out" -mindepth 1 -maxdepth 1 ! -name pkg ! -name models -print0 | xargs -0 du -sb | awk '{s += $1} END {print s + 0}')
echo "site in $out:"
echo "  $(mb "$site")  pages and scripts (www/)"
echo "  $(mb "$(bytes "$out/pkg")")  pkg/ (the wasm)"
echo "  $(mb "$(bytes "$out/models")")  models/"
for m in "$out"/models/*/; do
  echo "  $(mb "$(bytes "$m")")    models/$(basename "$m")/"
done
total=$(bytes "$out")
echo "  $(mb "$total")  total"
big=$(find "$out" -type f -size +100M -printf '%P (%s bytes)\n')
if [ -n "$big" ]; then
  echo "note: over 100 MiB, which a git push to GitHub refuses (publish with GitHub Actions' upload-pages-artifact instead, or leave it out):"
  echo "$big" | sed 's/^/  /'
fi
if [ "$total" -gt 1000000000 ]; then
  echo "note: over 1 GB, the most a GitHub Pages site may publish"
fi
