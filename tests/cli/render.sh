#!/usr/bin/env bash
# render.sh — `cola render`: the exact prompt of a conversation with a Go
# template, a Jinja template, and a model made by `cola create` (its
# TEMPLATE, SYSTEM and MESSAGE history applied as Ollama's chat handler
# does); errors exit 1 with a message, usage errors 2.
# Env: COLA (the binary), COLA_SHARED (shared data). Exit 77 = skipped.
. "$(dirname "$0")/lib/common.sh"

model="$S/models/stories260K-f32.gguf"
need_files "$model" "$S/templates/ollama/llama3-instruct.gotmpl" "$S/templates/llama.cpp/Qwen-Qwen2.5-7B-Instruct.jinja"
export OLLAMA_MODELS="$tmp/models"
cd "$tmp"
printf '{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}' >conv.json

"$COLA" render --template "$S/templates/ollama/llama3-instruct.gotmpl" conv.json >got || fail "render --template failed"
printf '<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n' >want
cmp -s got want || fail "go template render: $(cat -A got)"

"$COLA" render --jinja "$S/templates/llama.cpp/Qwen-Qwen2.5-7B-Instruct.jinja" <conv.json >got || fail "render --jinja failed"
printf '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n' >want
cmp -s got want || fail "jinja render: $(cat -A got)"

# a model: its SYSTEM goes first unless the request has one, its MESSAGEs before the request's
cat >Modelfile <<MF
FROM $model
TEMPLATE """{{ range .Messages }}[{{ .Role }}] {{ .Content }}
{{ end }}[assistant]"""
SYSTEM Tell short stories.
MESSAGE user Earlier question
MESSAGE assistant Earlier answer
MF
"$COLA" create storyteller 2>/dev/null || fail "create failed"
printf '{"messages":[{"role":"user","content":"Once?"}]}' >conv2.json
"$COLA" render storyteller conv2.json >got || fail "render MODEL failed"
printf '[system] Tell short stories.\n[user] Earlier question\n[assistant] Earlier answer\n[user] Once?\n[assistant]' >want
cmp -s got want || fail "model render: $(cat -A got)"
"$COLA" render storyteller conv.json >got || fail "render MODEL (own system) failed"
printf '[user] Earlier question\n[assistant] Earlier answer\n[system] Be brief.\n[user] Hi\n[assistant]' >want
cmp -s got want || fail "model render with a request system: $(cat -A got)"

# --json: the template kind, the prompt and the stop strings: a Jinja template
# stops at the vocab's end-of-turn texts, a Go template at its params' stops only
vocab="$S/vocab/ggml-vocab-llama3-derived.gguf"
if [ -f "$vocab" ]; then
    "$COLA" render --json --gguf "$vocab" --jinja "$S/templates/llama.cpp/Qwen-Qwen2.5-7B-Instruct.jinja" conv.json >got ||
        fail "render --json (jinja) failed"
    printf '%s\n' '{"template":"jinja","prompt":"<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n","stop":["<|end_of_text|>","<|eot_id|>"]}' >want
    cmp -s got want || fail "render --json (jinja): $(cat got)"
else
    echo "SKIP part: $vocab absent (the Jinja stop-list check)"
fi
cat >Modelfile2 <<MF
FROM $model
TEMPLATE "{{ .Prompt }}"
PARAMETER stop <END>
PARAMETER stop "User:"
MF
"$COLA" create -f Modelfile2 stopper 2>/dev/null || fail "create stopper failed"
"$COLA" render --json stopper conv2.json >got || fail "render --json (go) failed"
printf '%s\n' '{"template":"go","prompt":"Once?","stop":["<END>","User:"]}' >want
cmp -s got want || fail "render --json (go): $(cat got)"

# the conversation from a pipe
printf '{"messages":[{"role":"user","content":"Hi"}]}' | "$COLA" render --jinja "$S/templates/llama.cpp/Qwen-Qwen2.5-7B-Instruct.jinja" >got ||
  fail "render from a pipe failed"
grep -q '<|im_start|>user' got || fail "render from a pipe: $(cat got)"

printf '{"messages": [' >bad.json
expect_exit 1 "invalid conversation JSON" "$COLA" render storyteller bad.json
expect_exit 1 "model 'nope' not found" "$COLA" render nope conv.json
printf '{{ .Prompt ' >bad.tmpl
expect_exit 1 "unclosed action" "$COLA" render --template bad.tmpl conv.json
printf '{%% if true %%}' >bad.jinja
expect_exit 1 "jinja: line 1" "$COLA" render --jinja bad.jinja conv.json
expect_exit 2 "requires a MODEL" "$COLA" render
echo "render: all checks passed"
