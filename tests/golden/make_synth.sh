#!/usr/bin/env bash
# make_synth.sh SHARED OUTDIR — generate the five standard synthetic models
# with ../shared/tools/make_synthetic_gguf.py (about 5 s each) into OUTDIR,
# once per build tree: a file whose sha256 already matches its golden record
# is kept. Exit 77 (skip) when the shared data or python3 is absent.
set -euo pipefail
shared=$1
out=$2
if [ ! -d "$shared/golden" ] || [ ! -f "$shared/tools/make_synthetic_gguf.py" ]; then
  echo "SKIP: $shared/golden or its generator absent"; exit 77
fi
if ! command -v python3 >/dev/null; then
  echo "SKIP: python3 absent (scripts/setup.sh installs it)"; exit 77
fi
mkdir -p "$out"
for g in "$shared"/golden/synthetic-*.json; do
  read -r file sha cmd < <(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["model"]
print(m["file"].split("/")[-1], m["sha256"], m["regen_command"])' "$g")
  dst="$out/$file"
  if [ -f "$dst" ] && [ "$(sha256sum "$dst" | cut -d" " -f1)" = "$sha" ]; then
    echo "have $file"; continue
  fi
  # regen_command is written to run from golden/: python3 ../tools/x.py PRESET QTYPE ../vocab/V OUT
  read -r _py _tool preset qtype vocab _out <<<"$cmd"
  python3 "$shared/tools/make_synthetic_gguf.py" "$preset" "$qtype" "$shared/golden/$vocab" "$dst.tmp" >/dev/null
  got=$(sha256sum "$dst.tmp" | cut -d" " -f1)
  if [ "$got" != "$sha" ]; then
    echo "FAIL: $file has sha256 $got, golden says $sha"; rm -f "$dst.tmp"; exit 1
  fi
  mv "$dst.tmp" "$dst"
  echo "made $file"
done
