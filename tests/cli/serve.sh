#!/usr/bin/env bash
# serve.sh — `cola serve` over HTTP with curl: every model-management route
# with good and bad input, Ollama's status codes and error texts byte for
# byte, and a push/pull round trip through the API against a real OCI
# registry (docker-registry on 127.0.0.1) when it is installed.
# Env: COLA, COLA_SHARED, COLA_SOURCE_DIR. Exit 77 = skipped.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/serve.sh"

model="$S/models/stories260K-f32.gguf"
need_files "$model"
need_cmd curl "the tests speak HTTP with it"
export OLLAMA_MODELS="$tmp/models"
trap 'stop_server; rm -rf "$tmp"' EXIT
cd "$tmp"
start_server

# ---- the CLI without a daemon says how to start one
OLLAMA_HOST=127.0.0.1:1 expect_exit 1 "Error: could not connect to ollama server, run 'cola serve' to start it" "$COLA" ps

# ---- transport: /, version, 404/405, bodies
expect 200 "Ollama is running" GET /
code=$(curl -s -o /dev/null -w '%{http_code}' -I "$base/")
[ "$code" = 200 ] || fail "HEAD / gave $code"
expect 200 '{"version":"0.33.0"}' GET /api/version
expect 404 "404 page not found" GET /api/nope
expect 405 "405 method not allowed" GET /api/show
expect 405 "405 method not allowed" POST /api/tags '{}'
expect 200 '{"models":[]}' GET /api/tags
expect 200 '{"models":[]}' GET /api/ps
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$base/api/tags")
[ "$ctype" = "application/json; charset=utf-8" ] || fail "tags content type: $ctype"

expect 400 '{"error":"missing request body"}' POST /api/show
expect 400 '{"error":"unexpected EOF"}' POST /api/show '{"model":'
expect 400 "{\"error\":\"invalid character 'x' looking for beginning of value\"}" POST /api/show 'x'
expect 400 '{"error":"json: cannot unmarshal number into Go struct field ShowRequest.model of type string"}' \
  POST /api/show '{"model":1}'
expect 400 '{"error":"json: cannot unmarshal array into Go value of type api.ShowRequest"}' POST /api/show '[]'
expect 400 '{"error":"model is required"}' POST /api/show '{}'
expect 404 "{\"error\":\"model 'nope:latest' not found\"}" POST /api/show '{"model":"nope"}'

# ---- DNS rebinding and CORS (the daemon listens on loopback)
hcode() { curl -s -o "$tmp/hb" -D "$tmp/hh" -w '%{http_code}' "$@"; }
[ "$(hcode -H 'Host: evil.com' "$base/api/tags")" = 403 ] && [ ! -s "$tmp/hb" ] || fail "Host evil.com was let in"
[ "$(hcode -H 'Host: evil.com:11434' -X POST -d '{"model":"x"}' "$base/api/pull")" = 403 ] || fail "pull from evil.com"
[ "$(hcode -H 'Host: my.localhost' "$base/api/tags")" = 200 ] || fail "Host my.localhost refused"
[ "$(hcode -H 'Origin: http://evil.com' "$base/api/tags")" = 403 ] && [ ! -s "$tmp/hb" ] || fail "Origin evil.com was let in"
[ "$(hcode -H 'Origin: http://localhost:3000' "$base/api/tags")" = 200 ] || fail "Origin localhost:3000 refused"
grep -qi '^Access-Control-Allow-Origin: http://localhost:3000' "$tmp/hh" || fail "no Allow-Origin: $(cat "$tmp/hh")"
[ "$(hcode -X OPTIONS -H 'Origin: http://localhost:3000' -H 'Access-Control-Request-Method: POST' "$base/api/chat")" = 204 ] ||
  fail "preflight refused"
grep -qi '^Access-Control-Allow-Methods: GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS' "$tmp/hh" || fail "preflight headers: $(cat "$tmp/hh")"
grep -qi '^Access-Control-Max-Age: 43200' "$tmp/hh" || fail "preflight max age: $(cat "$tmp/hh")"
# OPTIONS without an Origin: 204 for a name host, the router's 405 for an IP host (Ollama's rule)
[ "$(hcode -X OPTIONS -H 'Host: localhost' "$base/api/chat")" = 204 ] || fail "OPTIONS from localhost"
[ "$(hcode -X OPTIONS "$base/api/chat")" = 405 ] || fail "OPTIONS to 127.0.0.1 should reach the router (405)"

# ---- blobs
digest="sha256:$(sha256sum "$model" | cut -d' ' -f1)"
zero=sha256:0000000000000000000000000000000000000000000000000000000000000000
code=$(curl -s -o /dev/null -w '%{http_code}' -I "$base/api/blobs/$digest")
[ "$code" = 404 ] || fail "HEAD of a missing blob: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -I "$base/api/blobs/sha256:zz")
[ "$code" = 400 ] || fail "HEAD of a bad digest: $code"
expect 400 '{"error":"invalid digest format"}' POST /api/blobs/sha256:zz hello
hello=$(printf hello | sha256sum | cut -d' ' -f1)
expect 400 "{\"error\":\"digest mismatch, expected \\\"$zero\\\", got \\\"sha256:$hello\\\"\"}" \
  POST "/api/blobs/$zero" hello
[ ! -e "$OLLAMA_MODELS/blobs/sha256-$hello" ] || fail "a mismatched upload was stored"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$model" "$base/api/blobs/$digest")
[ "$code" = 201 ] || fail "blob upload: $code"
cmp -s "$model" "$OLLAMA_MODELS/blobs/sha256-${digest#sha256:}" || fail "stored blob differs"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$model" "$base/api/blobs/$digest")
[ "$code" = 200 ] || fail "second upload of an existing blob: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -I "$base/api/blobs/$digest")
[ "$code" = 200 ] || fail "HEAD of an existing blob: $code"
ls "$OLLAMA_MODELS/blobs" | grep -qv '^sha256-' && fail "an upload left a temporary file"

# ---- create (streamed and not), its errors
req POST /api/create "{\"model\":\"stories\",\"files\":{\"s.gguf\":\"$digest\"}}"
[ "$code" = 200 ] || fail "create: $code $body"
printf '%s\n' '{"status":"parsing GGUF"}' "{\"status\":\"using existing layer $digest\"}" \
  '{"status":"writing manifest"}' '{"status":"success"}' | cmp -s - "$tmp/body" ||
  fail "create stream: $body"
expect 200 '{"status":"success"}' POST /api/create \
  '{"model":"stories2","from":"stories","system":"Be brief.","parameters":{"temperature":0.5},"stream":false}'
expect 400 '{"error":"invalid model name"}' POST /api/create '{"model":"a/b/c/d/e","from":"stories"}'
expect 400 "{\"error\":\"neither 'from' or 'files' was specified\"}" POST /api/create '{"model":"x"}'
expect 400 '{"error":"file path must be relative"}' POST /api/create "{\"model\":\"x\",\"files\":{\"../s.gguf\":\"$digest\"}}"
expect 400 '{"error":"invalid digest format"}' POST /api/create '{"model":"x","files":{"s.gguf":"sha256:1"}}'
expect 400 '{"error":"template error: template: :1:10: unclosed action"}' POST /api/create \
  '{"model":"x","from":"stories","template":"{{ .Prompt","stream":false}'
expect 400 '{"error":"template error: template: :1:10: unclosed action"}' POST /api/create \
  '{"model":"x","from":"stories","template":"{{ .Prompt"}'

# ---- tags and show
req GET /api/tags
man="$OLLAMA_MODELS/manifests/registry.ollama.ai/library/stories/latest"
mdigest=$(sha256sum "$man" | cut -d' ' -f1)
echo "$body" | grep -q "\"name\":\"stories:latest\",\"model\":\"stories:latest\",\"modified_at\":\"[^\"]*\",\"size\":[0-9]*,\"digest\":\"$mdigest\",\"details\":{\"parent_model\":\"\",\"format\":\"gguf\",\"family\":\"llama\",\"families\":\[\"llama\"\]" ||
  fail "tags entry: $body"
echo "$body" | grep -q '"name":"stories2:latest"' || fail "tags lacks stories2: $body"
req POST /api/show '{"model":"stories2"}'
[ "$code" = 200 ] || fail "show: $code $body"
echo "$body" | grep -q '^{"modelfile":"# Modelfile generated by \\"ollama show\\"' || fail "show starts: ${body:0:200}"
echo "$body" | grep -q '"parameters":"temperature                    0.5","system":"Be brief.","details":{"parent_model":"stories:latest"' ||
  fail "show parameters/system/details: ${body:0:600}"
echo "$body" | grep -q '"capabilities":\["completion"\],"modified_at":"' || fail "show capabilities: $body"

# ---- the CLI's store commands go through the daemon when one runs
(
  export OLLAMA_HOST="127.0.0.1:$port"
  "$COLA" list >ls.txt || fail "cola list via the daemon"
  grep -q "^stories:latest     ${mdigest:0:12}    1.2 MB    " ls.txt || fail "cola list row: $(cat ls.txt)"
  "$COLA" show stories2 >show.txt || fail "cola show via the daemon"
  grep -q '^    temperature    0.5' show.txt || fail "cola show parameters: $(cat show.txt)"
  [ "$("$COLA" show --system stories2)" = "Be brief." ] || fail "cola show --system via the daemon"
  [ "$("$COLA" cp stories cli/copy)" = "copied 'stories' to 'cli/copy'" ] || fail "cola cp via the daemon"
  grep -q '"POST    \"/api/copy\""' "$tmp/serve.log" || grep -q 'POST    "/api/copy"' "$tmp/serve.log" ||
    fail "cola cp did not go through the daemon"
  [ "$("$COLA" rm cli/copy)" = "deleted 'cli/copy'" ] || fail "cola rm via the daemon"
  grep -q 'DELETE  "/api/delete"' "$tmp/serve.log" || fail "cola rm did not go through the daemon"
  # create: the GGUF goes up as a blob, then /api/create
  q8="$S/models/stories260K-q8_0-derived.gguf"
  if [ -f "$q8" ]; then
    printf 'FROM %s\nSYSTEM Via the daemon.\nPARAMETER top_k 7\n' "$q8" >Modelfile.api
    "$COLA" create -f Modelfile.api viaapi 2>create.err || fail "cola create via the daemon: $(cat create.err)"
    q8d="sha256:$(sha256sum "$q8" | cut -d' ' -f1)"
    grep -q "copying file $q8d 100%" create.err || fail "create upload progress: $(cat create.err)"
    grep -qx "success" create.err || fail "create progress: $(cat create.err)"
    grep -q "POST    \"/api/blobs/$q8d\"" "$tmp/serve.log" || fail "the GGUF was not uploaded"
    cmp -s "$q8" "$OLLAMA_MODELS/blobs/sha256-${q8d#sha256:}" || fail "uploaded blob differs"
    [ "$("$COLA" show --system viaapi)" = "Via the daemon." ] || fail "created model's system"
    "$COLA" create -f Modelfile.api viaapi2 2>create.err || fail "second create"
    grep -c "POST    \"/api/blobs/$q8d\"" "$tmp/serve.log" | grep -qx 1 || fail "an existing blob was uploaded again"
  fi
  expect_exit 1 "Error: model 'nope' not found" "$COLA" rm nope
  expect_exit 1 "Error: model 'nope:latest' not found" "$COLA" show nope
)

# ---- copy and delete
expect 200 "" POST /api/copy '{"source":"stories","destination":"copy/of:it"}'
[ -f "$OLLAMA_MODELS/manifests/registry.ollama.ai/copy/of/it" ] || fail "copy wrote no manifest"
expect 404 '{"error":"model \"nope\" not found"}' POST /api/copy '{"source":"nope","destination":"x"}'
expect 400 '{"error":"destination \"a/b/c/d/e\" is invalid"}' POST /api/copy '{"source":"stories","destination":"a/b/c/d/e"}'
expect 400 '{"error":"source \"\" is invalid"}' POST /api/copy '{"destination":"x"}'
expect 200 "" DELETE /api/delete '{"model":"copy/of:it"}'
expect 404 "{\"error\":\"model 'copy/of:it' not found\"}" DELETE /api/delete '{"model":"copy/of:it"}'
expect 400 '{"error":"name \"a/b/c/d/e\" is invalid"}' DELETE /api/delete '{"model":"a/b/c/d/e"}'
[ -f "$OLLAMA_MODELS/blobs/sha256-${digest#sha256:}" ] || fail "delete removed a shared blob"

# ---- pull errors (no network needed: a closed port)
# streamed: "pulling manifest" went out first, so the error is the last line
req POST /api/pull '{"model":"127.0.0.1:1/x/y","insecure":true}'
[ "$code" = 200 ] || fail "pull from a closed port: $code $body"
head -1 "$tmp/body" | grep -qx '{"status":"pulling manifest"}' || fail "pull stream starts: $body"
tail -1 "$tmp/body" | grep -q '^{"error":"pull model manifest: ' || fail "pull error line: $body"
# not streamed: the error with its status
req POST /api/pull '{"model":"127.0.0.1:1/x/y","insecure":true,"stream":false}'
[ "$code" = 500 ] || fail "pull (stream false) from a closed port: $code $body"
echo "$body" | grep -q '^{"error":"pull model manifest: ' || fail "pull error body: $body"
expect 400 '{"error":"model is required"}' POST /api/push '{}'

# ---- push and pull through a real registry
if [ -x /usr/bin/docker-registry ]; then
  rport=$(bash "${COLA_SOURCE_DIR:-$(dirname "$0")/../..}/tests/registry/start_registry.sh" "$tmp/reg")
  trap 'kill "$(cat "$tmp/reg/pid")" 2>/dev/null; stop_server; rm -rf "$tmp"' EXIT
  name="127.0.0.1:$rport/team/stories:v1"
  expect 200 "" POST /api/copy "{\"source\":\"stories2\",\"destination\":\"$name\"}"
  nman="$OLLAMA_MODELS/manifests/127.0.0.1:$rport/team/stories/v1"
  before=$(sha256sum <"$nman")
  req POST /api/push "{\"model\":\"$name\",\"insecure\":true}"
  [ "$code" = 200 ] || fail "push: $code $body"
  head -1 "$tmp/body" | grep -qx '{"status":"retrieving manifest"}' || fail "push stream starts: $body"
  tail -1 "$tmp/body" | grep -qx '{"status":"success"}' || fail "push stream ends: $body"
  expect 200 "" DELETE /api/delete "{\"model\":\"$name\"}"
  expect 200 '{"status":"success"}' POST /api/pull "{\"model\":\"$name\",\"insecure\":true,\"stream\":false}"
  [ "$(sha256sum <"$nman")" = "$before" ] || fail "pulled manifest differs from the pushed one"
  # the CLI's push and pull through the daemon
  (
    export OLLAMA_HOST="127.0.0.1:$port"
    "$COLA" push --insecure "$name" >push.out 2>push.err || fail "cola push via the daemon: $(cat push.err)"
    grep -qx "success" push.err || fail "cola push progress: $(cat push.err)"
    "$COLA" rm "$name" >/dev/null || fail "cola rm $name"
    "$COLA" pull --insecure "$name" 2>pull.err || fail "cola pull via the daemon: $(cat pull.err)"
    grep -qx "success" pull.err || fail "cola pull progress: $(cat pull.err)"
  )
  [ "$(sha256sum <"$nman")" = "$before" ] || fail "the CLI's pull through the daemon differs"
  req POST /api/pull "{\"model\":\"127.0.0.1:$rport/team/missing\",\"insecure\":true,\"stream\":false}"
  [ "$code" = 500 ] && [ "$body" = '{"error":"pull model manifest: file does not exist"}' ] ||
    fail "pull of a missing model: $code $body"
else
  echo "SKIP part: /usr/bin/docker-registry absent (push/pull through the API)"
fi

# ---- the log has gin's request lines; the daemon stops on SIGTERM
grep -q '^\[GIN\] .* | 200 | .* | *127.0.0.1 | POST    "/api/create"$' "$tmp/serve.log" ||
  fail "request log: $(tail -3 "$tmp/serve.log")"
stop_server
echo "serve: all checks passed"
