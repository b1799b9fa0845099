#!/usr/bin/env bash
# tokenize.sh — `cola tokenize` / `cola detokenize` against llama.cpp's golden
# tokenize data (ids with and without BOS, pieces), round trips through both
# commands, special tokens, WordPiece, and the error paths (exit 1 for a bad
# file or id, exit 2 for bad usage).
# Env: COLA (the binary), COLA_SHARED (shared data). Exit 77 = skipped.
. "$(dirname "$0")/lib/common.sh"

model="$S/models/stories260K-f32.gguf"
golden="$S/golden/stories260K-f32.json"
spm="$S/vocab/ggml-vocab-llama-spm.gguf"
bert="$S/vocab/ggml-vocab-bert-bge.gguf"
corpus="$S/corpus/war-and-peace.txt"
need_files "$model" "$golden" "$spm" "$bert" "$corpus"
need_cmd python3 "needed to read the golden JSON"

# ---- every golden prompt: ids with and without BOS, JSON pieces, detokenize
python3 - "$golden" "$tmp" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
for i, t in enumerate(g["tokenize"]):
    open(f"{sys.argv[2]}/p{i}.txt", "wb").write(t["text"].encode())
    open(f"{sys.argv[2]}/p{i}.add", "w").write(" ".join(map(str, t["ids_add_special"])) + "\n")
    open(f"{sys.argv[2]}/p{i}.no", "w").write(" ".join(map(str, t["ids_no_special"])) + "\n")
PY
n=0
for txt in "$tmp"/p*.txt; do
  base=${txt%.txt}
  "$COLA" tokenize "$model" <"$txt" >"$tmp/ids" || fail "tokenize $txt"
  cmp -s "$tmp/ids" "$base.add" || fail "ids for $(cat "$txt"): $(cat "$tmp/ids") want $(cat "$base.add")"
  "$COLA" tokenize --no-bos "$model" <"$txt" >"$tmp/ids" || fail "tokenize --no-bos $txt"
  cmp -s "$tmp/ids" "$base.no" || fail "--no-bos ids for $(cat "$txt")"
  # detokenize drops the dummy-prefix space: the text comes back, plus a newline
  "$COLA" detokenize "$model" $(cat "$base.no") >"$tmp/back" || fail "detokenize $txt"
  printf '\n' | cat "$txt" - | cmp -s - "$tmp/back" || fail "detokenize gave '$(cat "$tmp/back")'"
  n=$((n + 1))
done
[ "$n" -ge 6 ] || fail "only $n golden prompts"

"$COLA" tokenize --json "$model" <"$tmp/p3.txt" >"$tmp/j.json" || fail "tokenize --json"
python3 - "$golden" "$tmp/j.json" <<'PY' || fail "JSON pieces"
import json, sys
t = json.load(open(sys.argv[1]))["tokenize"][3]
got = json.load(open(sys.argv[2]))
assert [o["id"] for o in got] == t["ids_add_special"], got
assert got[0]["piece"] == "<s>", got[0]
for o, want in zip(got[1:], t["pieces"]):
    if isinstance(want, str):
        assert o["piece"] == want and "bytes" not in o, (o, want)
    else:  # part of a character: the bytes, and the piece repaired
        assert o["bytes"] == want and o["piece"] == "\ufffd", (o, want)
PY

# ---- ids on standard input, separated by commas and whitespace
printf '403,407\n261  378' | "$COLA" detokenize "$model" >"$tmp/back" || fail "detokenize from stdin"
[ "$(cat "$tmp/back")" = "Once upon a time" ] || fail "stdin ids gave '$(cat "$tmp/back")'"
[ "$("$COLA" detokenize "$model" 1 403)" = " Once" ] || fail "a leading BOS keeps the space"
[ "$("$COLA" detokenize --special "$model" 1 403 2)" = "<s> Once</s>" ] || fail "--special"

# ---- special tokens: parsed only with --special
printf 'Hi<s>there' | "$COLA" tokenize --no-bos "$model" >"$tmp/plain"
printf 'Hi<s>there' | "$COLA" tokenize --no-bos --special "$model" >"$tmp/parsed"
grep -Eq '(^| )1( |$)' "$tmp/plain" && fail "<s> parsed without --special: $(cat "$tmp/plain")"
grep -Eq '(^| )1( |$)' "$tmp/parsed" || fail "<s> not parsed with --special: $(cat "$tmp/parsed")"

# ---- WordPiece: [CLS] ... [SEP] unless --no-bos
ids=$(printf 'Hello, world!' | "$COLA" tokenize "$bert")
case "$ids" in 101\ *\ 102) ;; *) fail "bert ids '$ids' lack [CLS]/[SEP]" ;; esac
[ "$("$COLA" detokenize "$bert" $ids)" = " hello, world!" ] || fail "bert detokenize"

# ---- a whole book through both commands (SentencePiece round-trips exactly)
"$COLA" tokenize --no-bos "$spm" <"$corpus" | "$COLA" detokenize "$spm" >"$tmp/book" || fail "book round trip"
printf '\n' | cat "$corpus" - | cmp -s - "$tmp/book" || fail "the book did not round-trip"

# ---- errors
expect_exit 2 "missing FILE.gguf" "$COLA" tokenize
expect_exit 2 "unknown flag: --bogus" "$COLA" tokenize --bogus "$model"
expect_exit 2 "one FILE.gguf" "$COLA" tokenize "$model" "$model"
expect_exit 2 "missing FILE.gguf" "$COLA" detokenize
expect_exit 2 "invalid token id 'abc'" "$COLA" detokenize "$model" 1 abc
expect_exit 1 "out of range" "$COLA" detokenize "$model" 1 512
expect_exit 1 "out of range" "$COLA" detokenize "$model" -3
expect_exit 1 "out of range" "$COLA" detokenize "$model" 99999999999
expect_exit 1 "$tmp/nope.gguf" "$COLA" tokenize "$tmp/nope.gguf"
printf 'not a gguf file at all' >"$tmp/bad.gguf"
expect_exit 1 "$tmp/bad.gguf" "$COLA" detokenize "$tmp/bad.gguf" 1
"$COLA" help tokenize | grep -q -- '--no-bos' || fail "help tokenize"
"$COLA" detokenize --help | grep -q -- '--special' || fail "detokenize --help"
echo "tokenize CLI: all checks passed"
