#!/usr/bin/env bash
# create.sh — `cola create` end to end in a temporary store: a Modelfile with
# every text instruction over stories260K, the blobs named by their sha256,
# the manifest's layer order, layers reused on a second create, a model made
# FROM it, and errors (bad Modelfile, bad name, bad template) that exit 1 and
# leave the store as it was.
# Env: COLA (the binary), COLA_SHARED (shared data). Exit 77 = skipped.
. "$(dirname "$0")/lib/common.sh"

model="$S/models/stories260K-f32.gguf"
need_files "$model"
need_cmd python3 "needed to read the manifest"
need_cmd sha256sum "needed to check blob names"
export OLLAMA_MODELS="$tmp/models"
cd "$tmp"

cat >Modelfile <<MF
# a comment
FROM $model
TEMPLATE """{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}"""
SYSTEM You tell stories.
PARAMETER temperature 0.7
PARAMETER stop </s>
LICENSE MIT
MESSAGE user Tell me a story
MESSAGE assistant Once upon a time
MF
"$COLA" create stories >"$tmp/out" 2>"$tmp/err" || fail "create exited $?: $(cat "$tmp/err")"
grep -qx "success" "$tmp/err" || fail "no success line: $(cat "$tmp/err")"
grep -q "^creating new layer sha256:" "$tmp/err" || fail "no new layers reported"
# Ollama's order: the file copied into the store (its digest), then the server's statuses
mdig=$(sha256sum "$model" | cut -d' ' -f1)
head -4 "$tmp/err" | cmp -s - <(printf 'gathering model components\ncopying file sha256:%s 100%%\nparsing GGUF\nusing existing layer sha256:%s\n' "$mdig" "$mdig") ||
  fail "create's first lines: $(head -4 "$tmp/err")"
man="$OLLAMA_MODELS/manifests/registry.ollama.ai/library/stories/latest"
[ -f "$man" ] || fail "manifest not at $man"
for b in "$OLLAMA_MODELS"/blobs/*; do
  want="sha256-$(sha256sum "$b" | cut -d' ' -f1)"
  [ "$(basename "$b")" = "$want" ] || fail "blob $(basename "$b") holds $want"
done
python3 - "$man" "$model" <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
kinds = [l["mediaType"].rsplit(".", 1)[1] for l in m["layers"]]
assert kinds == ["model", "template", "system", "license", "params", "messages"], kinds
model = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
assert m["layers"][0]["digest"] == "sha256:" + model
assert "from" not in m["layers"][0]
PY
params=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print([l["digest"] for l in m["layers"] if l["mediaType"].endswith("params")][0].replace(":","-"))' "$man")
# Go's encoder: sorted keys, HTML-escaped <, trailing newline
[ "$(cat "$OLLAMA_MODELS/blobs/$params")" = '{"stop":["\u003c/s\u003e"],"temperature":0.7}' ] ||
  fail "params blob: $(cat "$OLLAMA_MODELS/blobs/$params")"

# ---- the same again: every layer reused, the manifest unchanged
before=$(sha256sum "$man")
"$COLA" create stories 2>"$tmp/err" >/dev/null || fail "second create failed"
grep -q "^creating new layer" "$tmp/err" && fail "second create wrote new layers: $(cat "$tmp/err")"
[ "$(sha256sum "$man")" = "$before" ] || fail "manifest changed on an identical create"

# ---- FROM the model: inherited layers carry from, listed next to it
printf 'FROM stories\nSYSTEM Shorter stories.\n' >Modelfile2
"$COLA" create stories2 -f Modelfile2 2>"$tmp/err" >/dev/null || fail "FROM model failed: $(cat "$tmp/err")"
python3 - "$OLLAMA_MODELS/manifests/registry.ollama.ai/library/stories2/latest" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert m["layers"][0]["from"] == "stories:latest", m["layers"][0]
assert sum(l["mediaType"].endswith("system") for l in m["layers"]) == 1
PY
"$COLA" ls >"$tmp/ls" || fail "ls failed"
grep -q "^stories2:latest " "$tmp/ls" && grep -q "^stories:latest " "$tmp/ls" || fail "ls: $(cat "$tmp/ls")"

# ---- errors leave the store as it was
snap() { (cd "$OLLAMA_MODELS" && find . -type f | sort | xargs sha256sum); }
snap >"$tmp/before"
printf 'FROM %s\nTEMPLATE {{ .Prompt\n' "$model" >Bad1
expect_exit 1 "template error" "$COLA" create stories -f Bad1
printf 'FROM %s\nBOGUS x\n' "$model" >Bad2
expect_exit 1 "Error:" "$COLA" create stories -f Bad2
expect_exit 1 "invalid model name" "$COLA" create 'no good!' -f Modelfile2
expect_exit 1 "no FROM line" "$COLA" create x -f /dev/null
expect_exit 1 "open missing" "$COLA" create x -f missing
# FROM a model not in the store is pulled first (a closed local port here:
# no test reaches the network); the failed pull creates nothing
printf 'FROM 127.0.0.1:1/x/nosuchmodel\n' >Bad3
expect_exit 1 "pull model manifest: GET https://127.0.0.1:1/v2/x/nosuchmodel/manifests/latest" \
  "$COLA" create x -f Bad3
{ "$COLA" create x -f Bad3 2>&1 || true; } | grep -qx 'pulling manifest' || fail "create FROM a missing model did not pull"
expect_exit 1 "not supported yet" "$COLA" create stories -q q4_K_M
expect_exit 2 "accepts 1 arg" "$COLA" create
snap >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "a failed create changed the store: $(diff "$tmp/before" "$tmp/after")"
echo "create: all checks passed"
