#!/usr/bin/env bash
# run.sh — `cola run FILE.gguf` and `cola bench FILE.gguf` end to end on
# stories260K: the greedy continuation is llama.cpp's text from the golden
# file, seeds reproduce samples, stop strings cut the text, --verbose prints
# Ollama's stats block, stdin is put before the prompt words, and the error
# paths (exit 1 for a bad file, exit 2 for bad usage). bench prints one line
# per test in each output format.
# Env: COLA (the binary), COLA_SHARED (shared data). Exit 77 = skipped.
. "$(dirname "$0")/lib/common.sh"

model="$S/models/stories260K-f32.gguf"
golden="$S/golden/stories260K-f32.json"
vocab="$S/vocab/ggml-vocab-llama-spm.gguf"
need_files "$model" "$golden" "$vocab"
need_cmd python3 "needed to read the golden JSON"

# ---- greedy: llama.cpp's 128-token continuation, then Ollama's two newlines
python3 - "$golden" "$tmp/want" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = d["natural_stop"]
assert g["request"]["temperature"] == 0 and g["n_generated"] == 128
open(sys.argv[2], "w").write(g["generated_text"] + "\n\n")
PY
"$COLA" run "$model" Once upon a time --temperature 0 --num-predict 128 >"$tmp/got" </dev/null
cmp -s "$tmp/got" "$tmp/want" || fail "greedy text differs from llama.cpp's: $(head -c 200 "$tmp/got")"
# underscore spelling and --flag=value work the same
"$COLA" run "$model" "Once upon a time" --temperature=0 --num_predict=128 >"$tmp/got2" </dev/null
cmp -s "$tmp/got2" "$tmp/want" || fail "--num_predict=128 spelling gives other text"

# ---- stdin comes before the prompt words ("Once upon" + " a time")
printf 'Once upon' | "$COLA" run "$model" a time --temperature 0 --num-predict 128 >"$tmp/got3"
cmp -s "$tmp/got3" "$tmp/want" || fail "stdin + arguments did not make the same prompt"

# ---- sampling: a seed reproduces its text; another seed (almost surely) differs
run_seed() { "$COLA" run "$model" "Once upon a time" --seed "$1" --num-predict 48 --temperature 1 </dev/null; }
a=$(run_seed 7); b=$(run_seed 7); c=$(run_seed 8)
[ -n "$a" ] || fail "sampling produced no text"
[ "$a" = "$b" ] || fail "the same seed gave different text"
[ "$a" != "$c" ] || fail "seeds 7 and 8 gave the same 48 tokens"

# ---- stop strings: the text ends before the first occurrence
"$COLA" run "$model" "Once upon a time" --temperature 0 --num-predict 128 --stop Lily >"$tmp/stop" </dev/null
python3 - "$tmp/want" "$tmp/stop" <<'PY'
import sys
want = open(sys.argv[1]).read()
got = open(sys.argv[2]).read()
cut = want[:want.index("Lily")] + "\n\n"
assert got == cut, (got, cut)
PY

# ---- --verbose: Ollama's stats block on stderr, counts right
"$COLA" run "$model" "Once upon a time" --temperature 0 --num-predict 16 --verbose \
  >"$tmp/o" 2>"$tmp/e" </dev/null
for k in "total duration:" "load duration:" "prompt eval count:    5 token(s)" \
         "prompt eval duration:" "prompt eval rate:" "eval count:           16 token(s)" \
         "eval duration:" "eval rate:"; do
  grep -Fq "$k" "$tmp/e" || fail "--verbose output lacks '$k': $(cat "$tmp/e")"
done
grep -Eq '^eval rate: +[0-9]+\.[0-9]{2} tokens/s$' "$tmp/e" || fail "eval rate format: $(cat "$tmp/e")"
grep -Fq "duration" "$tmp/o" && fail "stats went to stdout"

# ---- context: a tiny num_ctx shifts instead of failing and says so
"$COLA" run "$model" "Once upon a time" --temperature 0 --num-ctx 32 --num-predict 100 \
  >"$tmp/o" 2>"$tmp/e" </dev/null || fail "generation past num_ctx failed: $(cat "$tmp/e")"
grep -Fq "context shift" "$tmp/e" || fail "no context shift logged: $(cat "$tmp/e")"
[ "$(wc -c <"$tmp/o")" -gt 200 ] || fail "shifted generation too short"
rc=0
"$COLA" run "$model" "Once upon a time" --temperature 0 --num-ctx 32 --num-predict 100 --no-shift \
  >"$tmp/o" 2>"$tmp/e" </dev/null || rc=$?
[ "$rc" -eq 0 ] || fail "--no-shift at a full context exited $rc"
[ "$(wc -c <"$tmp/o")" -lt 200 ] || fail "--no-shift did not stop at the full context"

# ---- errors
expect_exit 1 "No such file" "$COLA" run "$tmp/absent.gguf" hi
OLLAMA_HOST=127.0.0.1:1 expect_exit 1 "could not connect to ollama server, run 'cola serve' to start it" "$COLA" run llama3.2 hi
expect_exit 1 "missing tensor" "$COLA" run "$vocab" hi
printf 'not a gguf file at all' >"$tmp/junk.gguf"
expect_exit 1 "Error:" "$COLA" run "$tmp/junk.gguf" hi
expect_exit 2 "a prompt is required" "$COLA" run "$model"
expect_exit 2 "unknown flag: --bogus" "$COLA" run "$model" hi --bogus 1
expect_exit 2 'invalid value "x" for --temperature' "$COLA" run "$model" hi --temperature x
expect_exit 2 "flag needs an argument: --seed" "$COLA" run "$model" hi --seed
expect_exit 2 "requires at least 1 arg" "$COLA" run

# ---- bench: one line per test in each format
"$COLA" bench "$model" -p 16 -n 8 -r 2 -t 2 -o jsonl >"$tmp/b.jsonl" </dev/null
python3 - "$tmp/b.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["test"] for r in rows] == ["pp16", "tg8"], rows
for r in rows:
    assert r["threads"] == 2 and r["reps"] == 2 and r["arch"] == "llama", r
    assert r["avg_ts"] > 0 and r["stddev_ts"] >= 0 and r["peak_rss_mib"] > 0, r
PY
"$COLA" bench "$model" -p 16 -n 0 -r 1 -o csv >"$tmp/b.csv" </dev/null
[ "$(wc -l <"$tmp/b.csv")" -eq 2 ] || fail "csv: want a header and one row: $(cat "$tmp/b.csv")"
head -1 "$tmp/b.csv" | grep -q '^model,.*avg_ts,stddev_ts' || fail "csv header: $(head -1 "$tmp/b.csv")"
"$COLA" bench "$model" -p 0 -n 4 -r 1 >"$tmp/b.md" </dev/null
grep -Eq '\| +tg4 \| +[0-9.]+ ± +[0-9.]+ +\|$' "$tmp/b.md" || fail "md table: $(cat "$tmp/b.md")"
expect_exit 1 "No such file" "$COLA" bench "$tmp/absent.gguf"
expect_exit 2 "" "$COLA" bench "$model" -r 0
expect_exit 2 "" "$COLA" bench "$model" -o yaml

echo "run/bench: all checks passed"
