# serve.sh — sourced by the daemon tests: start `cola serve` on 127.0.0.1
# with a free port and the store $OLLAMA_MODELS, and small curl helpers.
#   start_server        sets $port, $base; the daemon's log is $tmp/serve.log
#   stop_server         SIGTERM and wait; fails when the daemon (or a runner)
#                       logged a sanitizer report
#   req METHOD PATH [BODY]  sets $code (HTTP status) and $body (file $tmp/body)
#   expect CODE BODY METHOD PATH [DATA]  the status and the exact body

start_server() {
  OLLAMA_HOST=127.0.0.1:0 "$COLA" serve >"$tmp/serve.log" 2>&1 &
  server_pid=$!
  local i
  for i in $(seq 1 100); do
    port=$(sed -n 's/.*Listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$tmp/serve.log")
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || fail "cola serve exited: $(cat "$tmp/serve.log")"
    sleep 0.1
  done
  [ -n "$port" ] || fail "cola serve did not start: $(cat "$tmp/serve.log")"
  base="http://127.0.0.1:$port"
}

stop_server() {
  [ -n "${server_pid:-}" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  if grep -q 'Sanitizer\|runtime error:' "$tmp/serve.log"; then
    grep -A20 'Sanitizer\|runtime error:' "$tmp/serve.log" | head -40 >&2
    fail "the daemon logged a sanitizer report"
  fi
}

req() {
  local m=$1 p=$2
  if [ $# -ge 3 ]; then
    code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$m" --data-binary "$3" "$base$p")
  else
    code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$m" "$base$p")
  fi
  body=$(cat "$tmp/body")
}

expect() {
  local want_code=$1 want_body=$2
  shift 2
  req "$@"
  [ "$code" = "$want_code" ] || fail "$1 $2: status $code, want $want_code (body: $body)"
  [ "$body" = "$want_body" ] || fail "$1 $2: body [$body], want [$want_body]"
}
