#!/usr/bin/env bash
# api_bench.sh — the cost of the API path (issue 6 §7): tokens/s of a greedy
# 128-token generation through `cola serve`'s /api/generate (the eval rate
# Ollama reports: eval_count / eval_duration, and the wall-clock rate of the
# whole request) against `cola bench -n 128` on the same model, and the
# aggregate rate of 4 parallel streams (OLLAMA_NUM_PARALLEL=4) against one.
# Runs alternate and medians are reported, one JSON object per line.
#
#   bench/api_bench.sh MODEL.gguf [RUNS]      (COLA=path/to/cola, default build/cola)
set -euo pipefail
model=${1:?usage: api_bench.sh MODEL.gguf [RUNS]}
runs=${2:-5}
COLA=${COLA:-$(dirname "$0")/../build/cola}
COLA=$(realpath "$COLA")
model=$(realpath "$model")
tmp=$(mktemp -d)
trap 'kill "${spid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
export OLLAMA_MODELS="$tmp/models" OLLAMA_NUM_PARALLEL=4 OLLAMA_KEEP_ALIVE=-1
(cd "$tmp" && printf 'FROM %s\n' "$model" >Modelfile && "$COLA" create m >/dev/null 2>&1)
OLLAMA_HOST=127.0.0.1:0 "$COLA" serve >"$tmp/log" 2>&1 &
spid=$!
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*Listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$tmp/log"); [ -n "$port" ] && break; sleep 0.1
done
base="http://127.0.0.1:$port"
body='{"model":"m","prompt":"Once upon a time","stream":false,"raw":true,"options":{"temperature":0,"num_predict":128,"num_ctx":512}}'
curl -s "$base/api/generate" -d "$body" >/dev/null   # load + warm up

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }
: >"$tmp/bench" >"$tmp/eval" >"$tmp/wall" >"$tmp/par"
for _ in $(seq 1 "$runs"); do
  "$COLA" bench "$model" -p 0 -n 128 -r 1 -o jsonl 2>/dev/null |
    python3 -c 'import json,sys; print([json.loads(l) for l in sys.stdin][-1]["avg_ts"])' >>"$tmp/bench"
  t0=$(now)
  out=$(curl -s "$base/api/generate" -d "$body")
  t1=$(now)
  python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(o["eval_count"]/o["eval_duration"]*1e9)' "$out" >>"$tmp/eval"
  python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(o["eval_count"]/(float(sys.argv[3])-float(sys.argv[2])))' "$out" "$t0" "$t1" >>"$tmp/wall"
  t0=$(now)
  pids=()
  for i in 1 2 3 4; do
    curl -s "$base/api/generate" -d "${body/Once upon a time/Story $i}" >"$tmp/p$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  t1=$(now)
  python3 -c 'import json,sys
n = sum(json.loads(open(f).read())["eval_count"] for f in sys.argv[3:])
print(n / (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1" "$tmp"/p[1-4] >>"$tmp/par"
done
printf '{"test":"cola bench tg128","tokens_per_s":%s,"runs":%s}\n' "$(median <"$tmp/bench")" "$runs"
printf '{"test":"api generate 128 (eval rate)","tokens_per_s":%s,"runs":%s}\n' "$(median <"$tmp/eval")" "$runs"
printf '{"test":"api generate 128 (wall clock)","tokens_per_s":%s,"runs":%s}\n' "$(median <"$tmp/wall")" "$runs"
printf '{"test":"api 4 parallel streams x 128 (aggregate, wall clock)","tokens_per_s":%s,"runs":%s}\n' "$(median <"$tmp/par")" "$runs"
