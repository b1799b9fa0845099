#!/usr/bin/env bash
# store.sh — `cola list/ls`, `cp` and `rm` on a store built by hand in a temp
# dir (OLLAMA_MODELS): blobs named by sha256sum and manifests written with
# printf, exactly as Ollama lays them out. Checks the list table byte for
# byte (columns, Ollama's HumanBytes and HumanTime), the prefix filter,
# corrupt manifests being skipped, cp (byte copy, case-insensitive target),
# rm (shared blobs survive, unshared ones go), and Ollama's error texts.
# Env: COLA (the binary). Exit 77 = skipped.
. "$(dirname "$0")/lib/common.sh"
need_cmd sha256sum "needed to name blobs"

export OLLAMA_MODELS="$tmp/models"
B="$OLLAMA_MODELS/blobs"
M="$OLLAMA_MODELS/manifests/registry.ollama.ai"
mkdir -p "$B" "$M"

# blob FILE: move FILE into blobs/ under its digest; prints the hex
blob() {
  local h
  h=$(sha256sum "$1" | cut -d' ' -f1)
  mv "$1" "$B/sha256-$h"
  echo "$h"
}
text_blob() { printf '%s' "$1" >"$tmp/b"; blob "$tmp/b"; }
zero_blob() { head -c "$1" /dev/zero | tr '\0' "$2" >"$tmp/b"; blob "$tmp/b"; }
size_of() { stat -c %s "$B/sha256-$1"; }

# manifest PATH CONFIG LAYER...: a manifest like Ollama's json.Encoder output
manifest() {
  local path=$1 cfg=$2 layers="" l
  shift 2
  for l in "$@"; do
    layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"sha256:$l\",\"size\":$(size_of "$l")}"
  done
  mkdir -p "$(dirname "$path")"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}\n' \
    "$cfg" "$(size_of "$cfg")" "$layers" >"$path"
}
ago() { touch -d "@$(( $(date +%s) - $1 ))" "$2"; }
id_of() { sha256sum "$1" | cut -c1-12; }

# ---- the store: alpha and beta share a 2,000,000-byte layer
ca=$(text_blob '{"model_format":"gguf","model_family":"llama"}')
cb=$(text_blob '{"model_format":"gguf","model_family":"qwen2"}')
cg=$(text_blob '{"model_format":"gguf"}')
cc=$(text_blob '{"remote_host":"https://ollama.com:443","remote_model":"gpt-oss:120b"}')
shared=$(zero_blob 2000000 s)
own=$(zero_blob $(( 500000 - $(size_of "$ca") )) o)      # alpha: exactly 2,500,000 bytes
small=$(zero_blob $(( 1234 - $(size_of "$cg") )) g)      # gamma: exactly 1,234 bytes
manifest "$M/library/alpha/latest" "$ca" "$shared" "$own"
manifest "$M/library/beta/latest" "$cb" "$shared"          # 2,000,000 + config: not whole
manifest "$M/me/gamma/q4" "$cg" "$small"
manifest "$M/library/cloudy/latest" "$cc"
ago 1800 "$M/me/gamma/q4"
ago 10800 "$M/library/alpha/latest"
ago $(( 20 * 86400 )) "$M/library/beta/latest"
ago $(( 3 * 365 * 86400 + 86400 )) "$M/library/cloudy/latest"
mkdir -p "$M/library/broken"
printf '{"schemaVersion":2,"layers":[' >"$M/library/broken/latest"
mkdir -p "$M/library/evil"
printf '{"layers":[{"digest":"sha256:../../../etc/passwd","size":1}]}' >"$M/library/evil/latest"

# ---- list: Ollama's table, newest first; corrupt manifests only warn
row() { printf '%-13s    %-12s    %-6s    %-14s    \n' "$@"; }
{
  printf '%-13s    %-12s    %-6s    %-14s \n' NAME ID SIZE MODIFIED
  row me/gamma:q4 "$(id_of "$M/me/gamma/q4")" "1.2 KB" "30 minutes ago"
  row alpha:latest "$(id_of "$M/library/alpha/latest")" "2.5 MB" "3 hours ago"
  row beta:latest "$(id_of "$M/library/beta/latest")" "2.0 MB" "2 weeks ago"
  row cloudy:latest "$(id_of "$M/library/cloudy/latest")" "-" "3 years ago"
} >"$tmp/want"
"$COLA" list >"$tmp/got" 2>"$tmp/err" || fail "list exited $?: $(cat "$tmp/err")"
cmp -s "$tmp/got" "$tmp/want" || fail "list table differs:$(diff "$tmp/want" "$tmp/got")"
grep -q 'broken' "$tmp/err" || fail "the corrupt manifest was not reported: $(cat "$tmp/err")"
grep -q 'evil' "$tmp/err" || fail "the traversal digest was not reported: $(cat "$tmp/err")"
"$COLA" ls >"$tmp/got2" 2>/dev/null
cmp -s "$tmp/got2" "$tmp/want" || fail "ls differs from list"

# prefix filter, case-insensitive, on the shown name
"$COLA" ls ALP >"$tmp/got" 2>/dev/null
{
  printf '%-12s    %-12s    %-6s    %-11s \n' NAME ID SIZE MODIFIED
  printf '%-12s    %-12s    %-6s    %-11s    \n' alpha:latest "$(id_of "$M/library/alpha/latest")" "2.5 MB" "3 hours ago"
} >"$tmp/want"
cmp -s "$tmp/got" "$tmp/want" || fail "ls ALP differs:$(diff "$tmp/want" "$tmp/got")"
"$COLA" ls nomatch >"$tmp/got" 2>/dev/null
[ "$(cat "$tmp/got")" = "NAME    ID    SIZE    MODIFIED " ] || fail "empty listing: '$(cat "$tmp/got")'"
rm -rf "$M/library/broken" "$M/library/evil"

# ---- cp: the manifest bytes under the new name, blobs untouched
nblobs=$(ls "$B" | wc -l)
out=$("$COLA" cp alpha Team/Copy:v1) || fail "cp exited $?"
[ "$out" = "copied 'alpha' to 'Team/Copy:v1'" ] || fail "cp printed '$out'"
cmp -s "$M/Team/Copy/v1" "$M/library/alpha/latest" || fail "cp did not copy the manifest bytes"
[ "$(ls "$B" | wc -l)" -eq "$nblobs" ] || fail "cp changed blobs/"
"$COLA" ls team >"$tmp/got" 2>/dev/null
grep -q '^Team/Copy:v1 ' "$tmp/got" || fail "the copy is not listed: $(cat "$tmp/got")"
# another casing of the same name replaces that manifest instead of adding one
"$COLA" cp BETA team/copy:V1 >/dev/null || fail "cp to an existing name in other casing failed"
[ "$(ls "$M" | grep -ci '^team$')" -eq 1 ] && [ "$(ls "$M/Team/Copy")" = v1 ] || fail "a second manifest appeared: $(ls -R "$M")"
cmp -s "$M/Team/Copy/v1" "$M/library/beta/latest" || fail "cp did not update the existing manifest"

expect_exit 1 'Error: model "nope" not found' "$COLA" cp nope x
expect_exit 1 'Error: source "a/b/c/d" is invalid' "$COLA" cp a/b/c/d x
expect_exit 1 'Error: destination "bad/na.me/x" is invalid' "$COLA" cp alpha bad/na.me/x
expect_exit 2 'accepts 2 arg(s), received 1' "$COLA" cp alpha

# ---- rm: unshared blobs go, shared ones stay
out=$("$COLA" rm alpha) || fail "rm exited $?"
[ "$out" = "deleted 'alpha'" ] || fail "rm printed '$out'"
[ ! -e "$M/library/alpha" ] || fail "alpha's manifest directory is still there"
[ ! -e "$B/sha256-$own" ] || fail "alpha's own layer survived"
[ ! -e "$B/sha256-$ca" ] || fail "alpha's config survived"
[ -e "$B/sha256-$shared" ] || fail "the layer beta shares was deleted"
expect_exit 1 "Error: model 'alpha' not found" "$COLA" rm alpha
expect_exit 1 'Error: name "bad name" is invalid' "$COLA" rm 'bad name'
expect_exit 1 'Error: name "../etc/passwd" is invalid' "$COLA" rm ../etc/passwd
expect_exit 1 'use either :local or :cloud, not both' "$COLA" rm beta:local:cloud
expect_exit 2 'requires at least 1 arg(s), only received 0' "$COLA" rm
expect_exit 2 'unknown flag: --bogus' "$COLA" list --bogus
# several names: each is deleted in turn; the last user of the shared layer frees it
out=$("$COLA" rm BETA:latest team/copy:v1) || fail "rm of two models exited $?"
[ "$out" = "deleted 'BETA:latest'"$'\n'"deleted 'team/copy:v1'" ] || fail "rm printed '$out'"
[ ! -e "$B/sha256-$shared" ] || fail "the shared layer outlived its last model"
[ ! -e "$M/Team" ] || fail "empty directories were left under manifests/"
# the first missing model stops the command, as in Ollama
out=$("$COLA" rm me/gamma:q4 missing cloudy 2>"$tmp/e")  && fail "rm with a missing model succeeded"
[ "$out" = "deleted 'me/gamma:q4'" ] || fail "rm printed '$out'"
grep -Fq "Error: model 'missing' not found" "$tmp/e" || fail "rm: $(cat "$tmp/e")"
[ -e "$M/library/cloudy/latest" ] || fail "rm went on after the error"
"$COLA" ls >"$tmp/got" 2>/dev/null
[ "$(wc -l <"$tmp/got")" -eq 2 ] && grep -q '^cloudy:latest ' "$tmp/got" || fail "final listing: $(cat "$tmp/got")"
echo "store.sh: all checks passed"
