#!/usr/bin/env bash
# serve_gen.sh — generation through `cola serve`: /api/generate and /api/chat
# (streamed and not) give exactly what `cola run` gives on the same prompt,
# templates render as `_debug_render_only` shows, load/unload requests,
# /api/ps, /api/tokenize and /api/detokenize, Ollama's errors, several
# streams at once each equal to its solo run, and a runner killed in the
# middle of an answer failing only that request.
# Env: COLA, COLA_SHARED, COLA_SOURCE_DIR. Exit 77 = skipped.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/serve.sh"

model="$S/models/stories260K-f32.gguf"
need_files "$model"
need_cmd curl "the tests speak HTTP with it"
need_cmd python3 "the tests read NDJSON with it"
export OLLAMA_MODELS="$tmp/models"
export OLLAMA_NUM_PARALLEL=4
trap 'stop_server; rm -rf "$tmp"' EXIT
cd "$tmp"
printf 'FROM %s\n' "$model" >Modelfile
"$COLA" create stories >/dev/null 2>&1 || fail "create stories"
cat >Modelfile.chat <<MF
FROM $model
TEMPLATE """{{ if .System }}[S] {{ .System }}
{{ end }}{{ range .Messages }}[{{ .Role }}] {{ .Content }}
{{ end }}[assistant]"""
SYSTEM Tell short stories.
PARAMETER stop [user]
MF
"$COLA" create -f Modelfile.chat teller >/dev/null 2>&1 || fail "create teller"
start_server

# the text of an NDJSON stream: concatenated "response" (or message.content)
stream_text() {
  python3 -c '
import json, sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    if "error" in o: sys.exit("error line: " + o["error"])
    out.append(o.get("response") or o.get("message", {}).get("content", ""))
sys.stdout.write("".join(out))' "$1"
}
field() { python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).read().splitlines()[-1]); v=o
for k in sys.argv[2].split("."): v=v[k]
print(json.dumps(v) if not isinstance(v,str) else v)' "$1" "$2"; }

# ---- generate equals `cola run` (greedy, 24 tokens)
prompt="Once upon a time"
"$COLA" run "$model" "$prompt" --temperature 0 --num-predict 24 >want.txt 2>/dev/null || fail "cola run"
python3 -c 'import sys; s=open("want.txt").read(); open("want.txt","w").write(s[:-2] if s.endswith("\n\n") else s)'
opts='"options":{"temperature":0,"num_predict":24}'
req POST /api/generate "{\"model\":\"stories\",\"prompt\":\"$prompt\",$opts}"
[ "$code" = 200 ] || fail "generate: $code $body"
stream_text "$tmp/body" >got.txt
cmp -s got.txt want.txt || fail "generate stream [$(cat got.txt)] != cola run [$(cat want.txt)]"
[ "$(field "$tmp/body" done_reason)" = length ] || fail "done_reason: $body"
[ "$(field "$tmp/body" eval_count)" = 24 ] || fail "eval_count: $(tail -1 "$tmp/body")"
tail -1 "$tmp/body" | grep -q '"context":\[1,' || fail "no context: $(tail -1 "$tmp/body")"
tail -1 "$tmp/body" | grep -q '"total_duration":[0-9]*,.*"prompt_eval_count":5,"prompt_eval_duration":[0-9]*,"eval_count":24,"eval_duration":[0-9]*}$' ||
  fail "metrics: $(tail -1 "$tmp/body")"
head -1 "$tmp/body" | grep -q '^{"model":"stories","created_at":"[0-9-]*T[0-9:.]*Z","response":"[^"]*","done":false}$' ||
  fail "chunk shape: $(head -1 "$tmp/body")"
req POST /api/generate "{\"model\":\"stories\",\"prompt\":\"$prompt\",\"stream\":false,$opts}"
[ "$code" = 200 ] && [ "$(field "$tmp/body" response)" = "$(cat want.txt)" ] || fail "generate stream=false: $body"

# ---- templates: what the prompt renders to, and chat answers
expect_render() {
  req POST "$1" "$2"
  [ "$code" = 200 ] || fail "$1 render: $code $body"
  [ "$(field "$tmp/body" _debug_info.rendered_template)" = "$(printf "$3")" ] || fail "$1 render: $body"
}
expect_render /api/chat '{"model":"teller","messages":[{"role":"user","content":"Hi"}],"_debug_render_only":true}' \
  '[S] Tell short stories.\n[system] Tell short stories.\n[user] Hi\n[assistant]'
expect_render /api/generate '{"model":"teller","prompt":"Hi","system":"Be brief.","_debug_render_only":true}' \
  '[S] Be brief.\n[system] Be brief.\n[user] Hi\n[assistant]'
expect_render /api/generate '{"model":"teller","prompt":"Hi","template":"<{{ .Prompt }}>","_debug_render_only":true}' '<Hi>'
req POST /api/chat "{\"model\":\"teller\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],$opts}"
[ "$code" = 200 ] || fail "chat: $code $body"
head -1 "$tmp/body" | grep -q '^{"model":"teller","created_at":"[^"]*","message":{"role":"assistant","content":"[^"]*"},"done":false}$' ||
  fail "chat chunk: $(head -1 "$tmp/body")"
tail -1 "$tmp/body" | grep -q '"message":{"role":"assistant","content":""},"done":true,"done_reason":"' ||
  fail "chat last: $(tail -1 "$tmp/body")"
chat_text=$(stream_text "$tmp/body")
req POST /api/generate "{\"model\":\"stories\",\"raw\":true,\"prompt\":\"[S] Tell short stories.\\n[system] Tell short stories.\\n[user] Hi\\n[assistant]\",$opts,\"stream\":false}"
raw_text=$(field "$tmp/body" response)
case "$raw_text" in "$chat_text"*) ;; *) fail "chat [$chat_text] is not the raw render's answer [$raw_text]";; esac

# ---- load, ps, unload
req POST /api/generate '{"model":"stories","keep_alive":0}'
[ "$code" = 200 ] && echo "$body" | grep -q '"response":"","done":true,"done_reason":"unload"}$' || fail "unload: $body"
# runners are per model file (as Ollama's): teller shares stories' blob, so it went too
expect 200 '{"models":[]}' GET /api/ps
req POST /api/generate '{"model":"stories"}'
echo "$body" | grep -q '"done":true,"done_reason":"load"}$' || fail "load: $body"
req GET /api/ps
mdig=$(sha256sum "$OLLAMA_MODELS/manifests/registry.ollama.ai/library/stories/latest" | cut -d' ' -f1)
echo "$body" | grep -q '^{"models":\[{"name":"stories:latest","model":"stories:latest","size":[0-9]*,"digest":"'"$mdig"'","details":{"parent_model":"","format":"gguf","family":"llama","families":\["llama"\],"parameter_size":"293K","quantization_level":"unknown"},"expires_at":"[^"]*","size_vram":0,"context_length":2048}\]}$' ||
  fail "ps after load: $body"
req POST /api/chat '{"model":"stories","messages":[],"keep_alive":0}'
echo "$body" | grep -q '"message":{"role":"assistant","content":""},"done":true,"done_reason":"unload"}$' || fail "chat unload: $body"

# ---- the CLI through the daemon: ps and stop
req POST /api/generate '{"model":"stories"}'
export OLLAMA_HOST="127.0.0.1:$port"
"$COLA" ps >ps.txt || fail "cola ps"
head -1 ps.txt | grep -qx 'NAME              ID              SIZE      PROCESSOR    CONTEXT    UNTIL *' || fail "ps header: $(cat ps.txt)"
grep -q "^stories:latest    ${mdig:0:12}    [0-9.]* [kM]B    100% CPU     2048       [0-9]* minutes from now" ps.txt ||
  grep -q "^stories:latest    ${mdig:0:12}    .*100% CPU     2048       .* from now" ps.txt || fail "ps row: $(cat ps.txt)"
"$COLA" stop stories || fail "cola stop"
[ "$("$COLA" ps)" = "NAME    ID    SIZE    PROCESSOR    CONTEXT    UNTIL " ] || fail "ps after stop: $("$COLA" ps)"
expect_exit 1 "Error: couldn't find model \"nope\" to stop" "$COLA" stop nope
# cola run NAME PROMPT: the daemon's answer, then an empty line; stdin goes first
"$COLA" run stories "$prompt" --temperature 0 --num-predict 24 >run.txt 2>run.err || fail "cola run NAME: $(cat run.err)"
printf '%s\n\n' "$(cat want.txt)" | cmp -s - run.txt || fail "cola run NAME printed [$(cat run.txt)]"
printf 'Once upon' | "$COLA" run stories "a time" --temperature 0 --num-predict 24 --verbose >run.txt 2>run.err ||
  fail "cola run NAME with stdin: $(cat run.err)"
printf '%s\n\n' "$(cat want.txt)" | cmp -s - run.txt || fail "cola run NAME (stdin) printed [$(cat run.txt)]"
grep -q '^eval count:           24 token(s)$' run.err || fail "--verbose: $(cat run.err)"
expect_exit 1 "Error: pull model manifest" "$COLA" run 127.0.0.1:1/no/such hi --insecure

# the interactive chat on a terminal (script(1) gives it a pty): parameters, a
# message, a """ block, /show, an unknown command, /save, /bye
if command -v script >/dev/null; then
  export HOME="$tmp/home"
  mkdir -p "$HOME/.ollama"
  { sleep 1; printf '/set parameter temperature 0\n'; sleep 0.3; printf '/set parameter num_predict 24\n'; sleep 0.3
    printf 'Once upon a time\n'; sleep 2; printf '"""Tell\nme more"""\n'; sleep 2; printf '/show parameters\n'; sleep 0.3
    printf '/foo\n'; sleep 0.3; printf '/save saved-session\n'; sleep 1; printf '/bye\n'; } |
    timeout 60 script -qec "$COLA run stories" /dev/null | tr -d '\r' >repl.txt || fail "REPL: $(cat repl.txt)"
  grep -qx "Set parameter 'temperature' to '0'" repl.txt || fail "REPL /set: $(cat repl.txt)"
  grep -qx ">>> Once upon a time" repl.txt || fail "REPL prompt: $(cat repl.txt)"
  first=$(sed -n '/^>>> Once upon a time$/{n;p}' repl.txt)
  case "$(cat want.txt)" in "$first"*) ;; *) fail "REPL answer [$first] is not the greedy answer [$(cat want.txt)]";; esac
  grep -qx '\.\.\. me more"""' repl.txt || fail "REPL multi-line: $(cat repl.txt)"
  grep -qx 'temperature                    0' repl.txt || fail "REPL /show parameters: $(cat repl.txt)"
  grep -qx "Unknown command '/foo'. Type /? for help" repl.txt || fail "REPL unknown command: $(cat repl.txt)"
  grep -qx "Created new model 'saved-session'" repl.txt || fail "REPL /save: $(cat repl.txt)"
  req POST /api/show '{"model":"saved-session"}'
  echo "$body" | grep -q '"messages":\[{"role":"user","content":"Once upon a time"},{"role":"assistant","content":"' ||
    fail "the saved session lacks its messages: ${body:0:300}"
  [ -s "$HOME/.ollama/history" ] || fail "no REPL history written"
else
  echo "SKIP part: script(1) absent (the interactive chat)"
fi
export OLLAMA_HOST=127.0.0.1:1

# ---- tokenize / detokenize
expect 200 '{"tokens":[1,346,306,414,263,304,341,13]}' POST /api/tokenize "{\"model\":\"stories\",\"content\":\"Hello world\\n\"}"
[ "$("$COLA" tokenize "$model" <<<"Hello world")" = "1 346 306 414 263 304 341 13" ] || fail "cola tokenize disagrees"
expect 200 '{"content":" Hello world\n"}' POST /api/detokenize '{"model":"stories","tokens":[1,346,306,414,263,304,341,13]}'

# ---- errors
expect 404 "{\"error\":\"model 'nope' not found\"}" POST /api/generate '{"model":"nope","prompt":"x"}'
expect 404 "{\"error\":\"model 'nope' not found\"}" POST /api/chat '{"model":"nope","messages":[]}'
expect 500 '{"error":"option \"temperature\" must be of type float32"}' POST /api/generate '{"model":"stories","prompt":"x","options":{"temperature":"hot"}}'
expect 400 '{"error":"time: missing unit in duration \"-1\""}' POST /api/generate '{"model":"stories","prompt":"x","keep_alive":"-1"}'
expect 400 "{\"error\":\"Unsupported type: 'bool'\"}" POST /api/generate '{"model":"stories","prompt":"x","keep_alive":true}'
expect 400 '{"error":"raw mode does not support template, system, or context"}' POST /api/generate '{"model":"stories","prompt":"x","raw":true,"system":"s"}'
expect 400 '{"error":"json: cannot unmarshal string into Go struct field ChatRequest.messages of type []api.Message"}' POST /api/chat '{"model":"stories","messages":"hi"}'
expect 400 '{"error":"model is required"}' POST /api/tokenize '{"content":"x"}'

# ---- four streams at once, each equal to its own solo run
for i in 1 2 3 4; do
  p="Story $i: once there was"
  req POST /api/generate "{\"model\":\"stories\",\"prompt\":\"$p\",\"stream\":false,\"options\":{\"temperature\":0,\"num_predict\":40}}"
  field "$tmp/body" response >"solo$i.txt"
done
pids=()
for i in 1 2 3 4; do
  curl -s "$base/api/generate" -d "{\"model\":\"stories\",\"prompt\":\"Story $i: once there was\",\"options\":{\"temperature\":0,\"num_predict\":40}}" >"par$i.ndjson" &
  pids+=($!)
done
wait "${pids[@]}"
for i in 1 2 3 4; do
  [ "$(stream_text "par$i.ndjson")" = "$(cat "solo$i.txt")" ] || fail "parallel stream $i differs from its solo run"
done

# ---- a runner killed mid-answer fails that request only; the daemon lives on
curl -s "$base/api/generate" -d '{"model":"stories","prompt":"Once","options":{"temperature":0,"num_predict":100000,"num_ctx":64}}' >long.ndjson &
cpid=$!
for i in $(seq 1 100); do [ -s long.ndjson ] && break; sleep 0.05; done
rpid=$(pgrep -P "$server_pid" -f " runner --model ") || fail "no runner process to kill"
kill -KILL $rpid
wait "$cpid" || true
tail -1 long.ndjson | grep -q '^{"error":"model runner has unexpectedly stopped, this may be due to resource limitations or an internal error, check ollama server logs for details"}$' ||
  fail "killed runner: $(tail -2 long.ndjson)"
expect 200 "Ollama is running" GET /
req POST /api/generate "{\"model\":\"stories\",\"prompt\":\"$prompt\",\"stream\":false,$opts}"
[ "$code" = 200 ] && [ "$(field "$tmp/body" response)" = "$(cat want.txt)" ] || fail "generate after a runner died: $code $body"

stop_server
echo "serve_gen: all checks passed"
