#!/usr/bin/env bash
# inspect.sh — `cola inspect` on a real model (text and JSON, cross-checked
# with ../shared/tools/gguf_inspect.py) and on broken files (exit 1 with the
# reader's message) and bad usage (exit 2).
# Env: COLA (the binary), COLA_SHARED (shared data). Exit 77 = skipped.
. "$(dirname "$0")/lib/common.sh"

model="$S/models/stories260K-f32.gguf"
need_files "$model"

# ---- text output
"$COLA" inspect "$model" >"$tmp/out.txt" 2>"$tmp/err.txt" || fail "inspect exited $?: $(cat "$tmp/err.txt")"
[ ! -s "$tmp/err.txt" ] || fail "unexpected stderr: $(cat "$tmp/err.txt")"
grep -Eq '^version: +3$' "$tmp/out.txt" || fail "no version line"
grep -Eq '^alignment: +32$' "$tmp/out.txt" || fail "no alignment line"
grep -Eq '^data offset: +[0-9]+$' "$tmp/out.txt" || fail "no data offset line"
grep -Fq '  general.architecture (string) = "llama"' "$tmp/out.txt" || fail "general.architecture not listed"
grep -Fq '  llama.block_count (u32) = 5' "$tmp/out.txt" || fail "llama.block_count not listed"
# a long array is summarised: first elements, then the count
grep -Eq '^  tokenizer\.ggml\.tokens \(array\[string\]\) = \["<unk>", "<s>", "</s>", .*, \.\.\. \(512 items\)\]$' \
  "$tmp/out.txt" || fail "tokens array not summarised"
grep -Eq '^  token_embd\.weight +f32 +\[64, 512\] +0 +131072$' "$tmp/out.txt" || fail "tensor row for token_embd.weight"
[ "$(grep -c '^  blk\.[0-9]*\.' "$tmp/out.txt")" -eq 45 ] || fail "expected 45 per-layer tensor rows"
"$COLA" inspect --full "$model" >"$tmp/full.txt" || fail "inspect --full exited $?"
grep -q '"<0x0A>"' "$tmp/full.txt" || fail "--full does not show every token"

# ---- JSON, checked against the independent Python inspector
"$COLA" inspect "$model" --json >"$tmp/out.json" || fail "inspect --json exited $?"
"$COLA" inspect "$model" --json --full >"$tmp/full.json" || fail "inspect --json --full exited $?"
if command -v python3 >/dev/null && [ -r "$COLA_SHARED/tools/gguf_inspect.py" ]; then
  python3 "$COLA_SHARED/tools/gguf_inspect.py" --json "$model" >"$tmp/py.json"
  python3 - "$tmp/out.json" "$tmp/full.json" "$tmp/py.json" <<'PY' || fail "JSON check"
import json, sys
out = json.load(open(sys.argv[1])); full = json.load(open(sys.argv[2])); py = json.load(open(sys.argv[3]))
assert out["version"] == py["version"], (out["version"], py["version"])
assert out["alignment"] == 32
assert len(out["metadata"]) == py["kv_count"], (len(out["metadata"]), py["kv_count"])
assert len(out["tensors"]) == py["tensor_count"]
assert out["metadata"]["general.architecture"] == py["general.architecture"]
assert out["metadata"]["llama.block_count"] == py["block_count"]
assert out["metadata"]["llama.embedding_length"] == py["embedding_length"]
tok = out["metadata"]["tokenizer.ggml.tokens"]
assert tok["count"] == py["vocab_size"] and tok["elem_type"] == "string" and tok["first"][:3] == ["<unk>", "<s>", "</s>"], tok
ftok = full["metadata"]["tokenizer.ggml.tokens"]
assert isinstance(ftok, list) and len(ftok) == py["vocab_size"], len(ftok)
params = 0; end = 0
for t in out["tensors"]:
    n = 1
    for d in t["shape"]: n *= d
    params += n
    assert t["type"] == "f32" and t["size"] == 4 * n, t
    assert t["offset"] % out["alignment"] == 0, t
    end = max(end, t["offset"] + t["size"])
assert params == py["params"], (params, py["params"])
assert out["data_offset"] + end == py["data_needed"], (out["data_offset"], end, py["data_needed"])
assert out["tensors"][0] == {"name": "token_embd.weight", "type": "f32", "shape": [64, 512], "offset": 0, "size": 131072}, out["tensors"][0]
PY
else
  echo "note: python3 or gguf_inspect.py unavailable; JSON not cross-checked"
fi

# ---- broken files: exit 1 and the reader's reason on stderr
head -c 5000 "$model" >"$tmp/truncated.gguf"
set +e
"$COLA" inspect "$tmp/truncated.gguf" >"$tmp/o" 2>"$tmp/e"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "truncated file: exit $rc, want 1"
grep -q "truncated.gguf" "$tmp/e" || fail "truncated file: message does not name the file: $(cat "$tmp/e")"
grep -Eq "truncated|cannot fit" "$tmp/e" || fail "truncated file: message does not say why: $(cat "$tmp/e")"
[ ! -s "$tmp/o" ] || fail "truncated file: something on stdout"

head -c 4096 /dev/urandom >"$tmp/garbage.gguf"
set +e
"$COLA" inspect "$tmp/garbage.gguf" --json >"$tmp/o" 2>"$tmp/e"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "garbage file: exit $rc, want 1"
grep -q "not a GGUF file" "$tmp/e" || fail "garbage file: $(cat "$tmp/e")"

set +e
"$COLA" inspect "$tmp/does-not-exist.gguf" 2>"$tmp/e"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "missing file: exit $rc, want 1"
grep -q "No such file" "$tmp/e" || fail "missing file: $(cat "$tmp/e")"

# ---- usage errors: exit 2
for args in "" "--bogus $model" "$model $model"; do
  set +e
  # shellcheck disable=SC2086
  "$COLA" inspect $args >/dev/null 2>"$tmp/e"; rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "'inspect $args': exit $rc, want 2"
done
"$COLA" inspect --help >"$tmp/help.txt" || fail "inspect --help exited $?"
grep -q -- "--json" "$tmp/help.txt" || fail "--help does not describe --json"
echo "inspect: ok"
