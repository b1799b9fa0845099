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

"$COLA" push --insecure "$name" >"$tmp/out" 2>"$tmp/err" || fail "push: $(cat "$tmp/err")"
for s in "retrieving manifest" "pushing manifest" "success"; do
  grep -qx "$s" "$tmp/err" || fail "push output lacks '$s': $(cat "$tmp/err")"
done
printf '\nYou can find your model at:\n\n\t%s\n' "$name" | cmp -s - "$tmp/out" ||
  fail "push stdout: $(cat "$tmp/out")"
for h in $(cd "$OLLAMA_MODELS/blobs" && ls | sed 's/^sha256-//'); do
  grep -q "^pushing ${h:0:12} 100% " "$tmp/err" || fail "push shows no line for $h: $(cat "$tmp/err")"
done
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

# on a terminal (script(1) gives a pty of 100 columns): Ollama's bars; a
# finished one is "pulling <12 hex>: 100% ▕" + 38 blocks + "▏ " + the size in
# 6 columns + 25 blank columns (bar.go's layout for a 100-column terminal)
if command -v script >/dev/null; then
  "$COLA" rm "$name" >/dev/null || fail "rm before the tty pull failed"
  script -qec "stty cols 100 rows 40; '$COLA' pull --insecure '$name'" /dev/null >"$tmp/tty" ||
    fail "pull on a pty failed: $(cat "$tmp/tty")"
  blocks=$(printf '█%.0s' $(seq 38))
  for f in "$OLLAMA_MODELS"/blobs/sha256-*; do
    h=$(basename "$f" | sed 's/^sha256-//')
    grep -aqF "pulling ${h:0:12}: 100% ▕${blocks}▏ " "$tmp/tty" ||
      fail "no finished bar for ${h:0:12}: $(cat -v "$tmp/tty" | tail -c 2000)"
  done
  grep -aqF $'verifying sha256 digest \e[K' "$tmp/tty" || fail "no spinner line on the pty"
  grep -aqF $'\e[?2026h\e[?25l' "$tmp/tty" || fail "no synchronized redraw on the pty"
else
  echo "note: script(1) absent, terminal rendering not checked"
fi

expect_exit 1 "pull model manifest: file does not exist" "$COLA" pull --insecure "127.0.0.1:$port/team/none:v1"
expect_exit 1 "couldn't retrieve manifest" "$COLA" push --insecure "127.0.0.1:$port/team/none:v1"
expect_exit 1 "invalid model name" "$COLA" pull 'bad name!'
expect_exit 1 "insecure protocol http" "$COLA" pull "http://127.0.0.1:$port/team/stories:v1"
expect_exit 2 "accepts 1 arg" "$COLA" pull
echo "pull/push: all checks passed"
