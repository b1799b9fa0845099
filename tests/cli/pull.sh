#!/usr/bin/env bash
# pull.sh — `cola push` / `cola rm` / `cola pull` round trip through a real
# OCI registry (Debian's docker-registry on 127.0.0.1, started here): the
# pulled manifest and blobs are byte for byte what was pushed, a second pull
# fetches nothing, a missing model and a bad name fail with Ollama's words.
# Env: COLA (the binary), COLA_SHARED, COLA_SOURCE_DIR. Exit 77 = skipped.
. "$(dirname "$0")/lib/common.sh"

model="$S/models/stories260K-f32.gguf"
need_files "$model" /usr/bin/docker-registry
need_cmd curl "start_registry.sh polls the registry with it"
port=$(bash "${COLA_SOURCE_DIR:-$(dirname "$0")/../..}/tests/registry/start_registry.sh" "$tmp/reg")
trap 'kill "$(cat "$tmp/reg/pid")" 2>/dev/null; rm -rf "$tmp"' EXIT
export OLLAMA_MODELS="$tmp/models"
cd "$tmp"
name="127.0.0.1:$port/team/stories:v1"
printf 'FROM %s\nSYSTEM Tell short stories.\nPARAMETER temperature 0.5\n' "$model" >Modelfile
"$COLA" create "$name" 2>/dev/null || fail "create failed"
man="$OLLAMA_MODELS/manifests/127.0.0.1:$port/team/stories/v1"
before=$(sha256sum <"$man")
snap() { (cd "$OLLAMA_MODELS/blobs" && sha256sum -- * | sort); }
snap >"$tmp/blobs.before"

"$COLA" push --insecure "$name" 2>"$tmp/err" || fail "push: $(cat "$tmp/err")"
grep -qx "pushing manifest" "$tmp/err" && grep -qx "success" "$tmp/err" || fail "push output: $(cat "$tmp/err")"
"$COLA" rm "$name" >/dev/null || fail "rm failed"
[ -z "$(ls "$OLLAMA_MODELS/blobs")" ] || fail "rm left blobs"

"$COLA" pull --insecure "$name" 2>"$tmp/err" || fail "pull: $(cat "$tmp/err")"
for s in "pulling manifest" "verifying sha256 digest" "writing manifest" "success"; do
  grep -qx "$s" "$tmp/err" || fail "pull output lacks '$s': $(cat "$tmp/err")"
done
[ "$(sha256sum <"$man")" = "$before" ] || fail "pulled manifest differs from the pushed one"
snap >"$tmp/blobs.after"
cmp -s "$tmp/blobs.before" "$tmp/blobs.after" || fail "pulled blobs differ"
"$COLA" ls | grep -q "^127.0.0.1:$port/team/stories:v1 " || fail "ls does not show the pulled model"

inodes() { (cd "$OLLAMA_MODELS/blobs" && ls -i --full-time | sort); }
inodes >"$tmp/ino.before"
"$COLA" pull --insecure "$name" 2>"$tmp/err" || fail "second pull failed"
inodes >"$tmp/ino.after"
cmp -s "$tmp/ino.before" "$tmp/ino.after" || fail "second pull fetched blobs again: $(cat "$tmp/err")"

expect_exit 1 "pull model manifest: file does not exist" "$COLA" pull --insecure "127.0.0.1:$port/team/none:v1"
expect_exit 1 "invalid model name" "$COLA" pull 'bad name!'
expect_exit 1 "insecure protocol http" "$COLA" pull "http://127.0.0.1:$port/team/stories:v1"
expect_exit 2 "accepts 1 arg" "$COLA" pull
echo "pull/push: all checks passed"
