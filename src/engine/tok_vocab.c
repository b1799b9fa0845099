/* tok_vocab.c — build a struct tok_vocab from a GGUF's tokenizer.* metadata.
 *
 * The order of the steps is llama.cpp's llama_vocab::load, because later steps
 * see what earlier ones decided:
 *   1. tokenizer.ggml.model -> type and the type's defaults (special ids, flags)
 *   2. tokens, scores, token types -> texts, scores, attributes, text -> id map
 *   3. the algorithm's load hook (BPE: merges and the pre-tokenizer's defaults)
 *   4. metadata overrides: add_space_prefix, special ids, add_bos/eos/sep, normalizer
 *   5. special tokens found by their text (EOT, EOM, FIM), "unused" control
 *      tokens, the end-of-generation set
 *   6. the special-token list used to partition text, per-model attributes
 *   7. newline token, SPM byte-fallback table
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tok_internal.h"
#include "util/log.h"

#define TOK_MAX_TOKENS (1 << 24) /* more than any real vocab (~256K); bounds allocations */

static const char *const k_special_keys[TOK_SPECIAL_COUNT] = {
    [TOK_SPECIAL_BOS] = "tokenizer.ggml.bos_token_id",
    [TOK_SPECIAL_EOS] = "tokenizer.ggml.eos_token_id",
    [TOK_SPECIAL_EOT] = "tokenizer.ggml.eot_token_id",
    [TOK_SPECIAL_EOM] = "tokenizer.ggml.eom_token_id",
    [TOK_SPECIAL_UNK] = "tokenizer.ggml.unknown_token_id",
    [TOK_SPECIAL_SEP] = "tokenizer.ggml.seperator_token_id", /* sic: GGUF's spelling */
    [TOK_SPECIAL_PAD] = "tokenizer.ggml.padding_token_id",
    [TOK_SPECIAL_MASK] = "tokenizer.ggml.mask_token_id",
    [TOK_SPECIAL_NL] = NULL, /* derived, never read */
    [TOK_SPECIAL_FIM_PRE] = "tokenizer.ggml.fim_pre_token_id",
    [TOK_SPECIAL_FIM_SUF] = "tokenizer.ggml.fim_suf_token_id",
    [TOK_SPECIAL_FIM_MID] = "tokenizer.ggml.fim_mid_token_id",
    [TOK_SPECIAL_FIM_PAD] = "tokenizer.ggml.fim_pad_token_id",
    [TOK_SPECIAL_FIM_REP] = "tokenizer.ggml.fim_rep_token_id",
    [TOK_SPECIAL_FIM_SEP] = "tokenizer.ggml.fim_sep_token_id",
};

/* Deprecated spellings, read after the current ones (so they win, as in llama.cpp). */
static const struct {
    const char *key;
    enum tok_special role;
} k_special_deprecated[] = {
    {"tokenizer.ggml.prefix_token_id", TOK_SPECIAL_FIM_PRE},
    {"tokenizer.ggml.suffix_token_id", TOK_SPECIAL_FIM_SUF},
    {"tokenizer.ggml.middle_token_id", TOK_SPECIAL_FIM_MID},
};

/* The typed getters report an absent key as an error. For optional keys it
 * is not one: probe into a local buffer, and pass only real errors (a key of
 * the wrong type) on to err. Returns 0, COLA_ENOTFOUND or the error. */
static int probe(int rc, const struct cola_err *local, struct cola_err *err)
{
    if (rc == 0 || rc == COLA_ENOTFOUND)
        return rc;
    return err_set(err, rc, "%s", err_msg(local));
}

/* ---------------------------------------------------------------- step 1 */

static int read_model(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err)
{
    struct gguf_str model = {"", 0};
    struct cola_err e;
    err_clear(&e);
    int rc = probe(gguf_get_str(g, "tokenizer.ggml.model", &model, &e), &e, err);
    if (rc == COLA_ENOTFOUND) {
        v->type = TOK_TYPE_NONE;
        return 0;
    }
    if (rc)
        return rc;
    for (int i = 0; i < TOK_SPECIAL_COUNT; i++)
        v->special[i] = -1;
    v->escape_whitespaces = false;
    if (gguf_str_eq(model, "no_vocab") || gguf_str_eq(model, "none")) {
        v->type = TOK_TYPE_NONE;
    } else if (gguf_str_eq(model, "llama")) {
        v->type = TOK_TYPE_SPM;
        v->special[TOK_SPECIAL_BOS] = 1;
        v->special[TOK_SPECIAL_EOS] = 2;
        v->special[TOK_SPECIAL_UNK] = 0;
        v->add_space_prefix = true;
        v->clean_spaces = false;
        v->add_bos = true;
        v->add_eos = false;
    } else if (gguf_str_eq(model, "bert")) {
        v->type = TOK_TYPE_WPM;
        v->special[TOK_SPECIAL_BOS] = 101; /* [CLS] */
        v->special[TOK_SPECIAL_UNK] = 100;
        v->special[TOK_SPECIAL_SEP] = 102;
        v->special[TOK_SPECIAL_PAD] = 0;
        v->special[TOK_SPECIAL_MASK] = 103;
        v->add_space_prefix = false;
        v->clean_spaces = true;
        v->add_bos = true;
        v->add_eos = false;
        v->add_sep = true;
    } else if (gguf_str_eq(model, "gpt2")) {
        v->type = TOK_TYPE_BPE;
        v->special[TOK_SPECIAL_BOS] = 11; /* llama.cpp's defaults, odd as they are */
        v->special[TOK_SPECIAL_EOS] = 11;
        v->add_space_prefix = false;
        v->clean_spaces = true;
    } else {
        return err_set(err, COLA_EUNSUPPORTED,
                       "tokenizer model '%.*s' is not supported (supported: llama, gpt2, bert)",
                       (int)(model.len > 64 ? 64 : model.len), model.ptr);
    }
    return 0;
}

/* A model without a tokenizer: vocab_size dummy tokens with empty texts. */
static int load_none(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err)
{
    int64_t n = 0;
    struct gguf_str arch;
    if (gguf_get_str(g, "general.architecture", &arch, NULL) == 0 && arch.len < 200) {
        char key[256];
        snprintf(key, sizeof(key), "%.*s.vocab_size", (int)arch.len, arch.ptr);
        if (gguf_get_int(g, key, &n, NULL) != 0 || n < 0)
            n = 0;
    }
    if (n > TOK_MAX_TOKENS)
        return err_set(err, COLA_ERANGE, "vocab_size %" PRId64 " is too large", n);
    v->text_pool = calloc(1, 1);
    v->tokens = calloc(n ? (size_t)n : 1, sizeof(*v->tokens));
    if (!v->text_pool || !v->tokens)
        return err_set(err, COLA_ENOMEM, "out of memory loading the vocab");
    for (int64_t i = 0; i < n; i++)
        v->tokens[i] = (struct tok_token){v->text_pool, 0, 0.0f, TOK_ATTR_UNDEFINED};
    v->n_tokens = (int32_t)n;
    for (int i = 0; i < TOK_SPECIAL_COUNT; i++)
        v->special[i] = -1;
    return strmap_init(&v->by_text, 1) ? err_set(err, COLA_ENOMEM, "out of memory") : 0;
}

/* ---------------------------------------------------------------- step 2 */

static uint32_t attr_from_type(int32_t type)
{
    switch (type) {
    case 1: return TOK_ATTR_NORMAL;
    case 2: return TOK_ATTR_UNKNOWN;
    case 3: return TOK_ATTR_CONTROL;
    case 4: return TOK_ATTR_USER_DEFINED;
    case 5: return TOK_ATTR_UNUSED;
    case 6: return TOK_ATTR_BYTE;
    default: return TOK_ATTR_UNDEFINED;
    }
}

/* Optional per-token arrays: scores (f32 or i32) and token types (i32), each
 * at least as long as the token list. */
static int get_token_arrays(const struct gguf_file *g, uint64_t n, const struct gguf_value **scores,
                            const struct gguf_value **types, struct cola_err *err)
{
    struct cola_err e;
    err_clear(&e);
    *scores = *types = NULL;
    int rc = probe(gguf_get_arr(g, "tokenizer.ggml.scores", -1, scores, &e), &e, err);
    if (rc == COLA_ENOTFOUND) {
        *scores = NULL;
    } else if (rc) {
        return rc;
    } else if ((*scores)->v.arr.elem != GGUF_VT_FLOAT32 && (*scores)->v.arr.elem != GGUF_VT_INT32) {
        return err_set(err, COLA_ETYPE, "tokenizer.ggml.scores is an array of %s, not f32 or i32",
                       gguf_vtype_name((int)(*scores)->v.arr.elem));
    } else if ((*scores)->v.arr.n < n) {
        return err_set(err, COLA_EFORMAT, "tokenizer.ggml.scores has %" PRIu64 " entries for %" PRIu64 " tokens",
                       (*scores)->v.arr.n, n);
    }
    err_clear(&e);
    rc = probe(gguf_get_arr(g, "tokenizer.ggml.token_type", GGUF_VT_INT32, types, &e), &e, err);
    if (rc == COLA_ENOTFOUND) {
        *types = NULL;
    } else if (rc) {
        return rc;
    } else if ((*types)->v.arr.n < n) {
        return err_set(err, COLA_EFORMAT, "tokenizer.ggml.token_type has %" PRIu64 " entries for %" PRIu64 " tokens",
                       (*types)->v.arr.n, n);
    }
    return 0;
}

/* Copy the texts into one pool; an empty text becomes "[EMPTY_<id>]" as in llama.cpp. */
static int copy_texts(struct tok_vocab *v, const struct gguf_str *strs, uint64_t n, struct cola_err *err)
{
    size_t total = 0;
    for (uint64_t i = 0; i < n; i++) {
        size_t l = strs[i].len ? (size_t)strs[i].len : 24;
        if (strs[i].len > UINT32_MAX - 1 || total > SIZE_MAX - l - 1)
            return err_set(err, COLA_ERANGE, "token %" PRIu64 " is too long", i);
        total += l + 1;
    }
    v->text_pool = malloc(total ? total : 1);
    if (!v->text_pool)
        return err_set(err, COLA_ENOMEM, "out of memory for %zu bytes of token text", total);
    char *p = v->text_pool;
    for (uint64_t i = 0; i < n; i++) {
        struct tok_token *t = &v->tokens[i];
        t->text = p;
        if (strs[i].len) {
            memcpy(p, strs[i].ptr, (size_t)strs[i].len);
            t->len = (uint32_t)strs[i].len;
        } else {
            log_warn("tokenizer: empty token at index %" PRIu64, i);
            t->len = (uint32_t)snprintf(p, 24, "[EMPTY_%" PRIu64 "]", i);
        }
        p[t->len] = '\0';
        p += t->len + 1;
        if (t->len > v->max_token_len)
            v->max_token_len = t->len;
    }
    return 0;
}

static int load_tokens(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err)
{
    const struct gguf_value *list, *scores, *types;
    int rc = gguf_get_arr(g, "tokenizer.ggml.tokens", GGUF_VT_STRING, &list, err);
    if (rc == COLA_ENOTFOUND)
        return err_set(err, COLA_EFORMAT, "cannot find the tokenizer vocab (tokenizer.ggml.tokens)");
    if (rc)
        return rc;
    uint64_t n = list->v.arr.n;
    if (n == 0)
        return err_set(err, COLA_EFORMAT, "tokenizer.ggml.tokens is empty");
    if (n > TOK_MAX_TOKENS)
        return err_set(err, COLA_ERANGE, "tokenizer.ggml.tokens has %" PRIu64 " tokens (at most %d)", n,
                       TOK_MAX_TOKENS);
    if ((rc = get_token_arrays(g, n, &scores, &types, err)))
        return rc;
    v->tokens = calloc((size_t)n, sizeof(*v->tokens));
    if (!v->tokens)
        return err_set(err, COLA_ENOMEM, "out of memory for %" PRIu64 " tokens", n);
    v->n_tokens = (int32_t)n;
    if ((rc = copy_texts(v, list->v.arr.strs, n, err)))
        return rc;
    if (strmap_init(&v->by_text, (size_t)n))
        return err_set(err, COLA_ENOMEM, "out of memory for the token map");
    for (uint64_t i = 0; i < n; i++) {
        struct tok_token *t = &v->tokens[i];
        if (scores)
            t->score = scores->v.arr.elem == GGUF_VT_FLOAT32 ? gguf_arr_f32(scores, i)
                                                              : (float)gguf_arr_i32(scores, i);
        t->attr = types ? attr_from_type(gguf_arr_i32(types, i)) : TOK_ATTR_NORMAL;
        rc = strmap_put_new(&v->by_text, t->text, t->len, (int32_t)i);
        if (rc < 0)
            return err_set(err, COLA_ENOMEM, "out of memory for the token map");
        if (rc == 0)
            return err_set(err, COLA_EFORMAT, "duplicate token in vocabulary: '%.*s' has ids %d and %" PRIu64,
                           (int)(t->len > 64 ? 64 : t->len), t->text, tok_lookup(v, t->text, t->len), i);
    }
    return 0;
}

/* ---------------------------------------------------------------- step 4 */

/* An optional bool key: absent leaves *out, another type is an error. */
static int get_flag(const struct gguf_file *g, const char *key, bool *out, struct cola_err *err)
{
    struct cola_err e;
    err_clear(&e);
    int rc = probe(gguf_get_bool(g, key, out, &e), &e, err);
    return rc == COLA_ENOTFOUND ? 0 : rc;
}

/* Special id keys. A default outside the vocab is disabled; a key outside the
 * vocab keeps the default (llama.cpp: "bad special token ... using default id"). */
static int read_special_id(struct tok_vocab *v, const struct gguf_file *g, const char *key,
                           enum tok_special role, struct cola_err *err)
{
    int32_t *id = &v->special[role];
    if (*id >= v->n_tokens) {
        log_warn("tokenizer: default special token %s = %d is out of the vocab, disabling", key, (int)*id);
        *id = -1;
    }
    int64_t val;
    struct cola_err e;
    err_clear(&e);
    int rc = gguf_get_int(g, key, &val, &e);
    if (rc == COLA_ERANGE)
        log_warn("tokenizer: bad special token %s, using default id %d", key, (int)*id);
    if (rc == COLA_ENOTFOUND || rc == COLA_ERANGE)
        return 0;
    if (rc)
        return err_set(err, rc, "%s", err_msg(&e));
    if (val < 0 || val >= v->n_tokens) {
        /* -1 (often stored as u32 0xFFFFFFFF) is how converters say "none": not worth a warning */
        log_msg(val == -1 || val == UINT32_MAX ? LOG_DEBUG : LOG_WARN,
                "tokenizer: bad special token %s = %" PRId64 ", using default id %d", key, val, (int)*id);
        return 0;
    }
    *id = (int32_t)val;
    return 0;
}

static int check_add_special(bool add, int32_t id, const char *add_key, const char *id_key,
                             struct cola_err *err)
{
    if (add && id < 0)
        return err_set(err, COLA_EFORMAT, "%s is true, but %s is not set", add_key, id_key);
    return 0;
}

static int read_overrides(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err)
{
    int rc = get_flag(g, "tokenizer.ggml.add_space_prefix", &v->add_space_prefix, err);
    if (!rc)
        rc = get_flag(g, "tokenizer.ggml.remove_extra_whitespaces", &v->remove_extra_whitespaces, err);
    if (!rc && v->type == TOK_TYPE_WPM && !gguf_get(g, k_special_keys[TOK_SPECIAL_BOS]))
        rc = read_special_id(v, g, "tokenizer.ggml.cls_token_id", TOK_SPECIAL_BOS, err);
    for (int i = 0; !rc && i < TOK_SPECIAL_COUNT; i++)
        if (k_special_keys[i])
            rc = read_special_id(v, g, k_special_keys[i], (enum tok_special)i, err);
    for (size_t i = 0; !rc && i < sizeof(k_special_deprecated) / sizeof(k_special_deprecated[0]); i++)
        rc = read_special_id(v, g, k_special_deprecated[i].key, k_special_deprecated[i].role, err);
    if (!rc)
        rc = get_flag(g, "tokenizer.ggml.add_bos_token", &v->add_bos, err);
    if (!rc)
        rc = get_flag(g, "tokenizer.ggml.add_eos_token", &v->add_eos, err);
    if (!rc)
        rc = get_flag(g, "tokenizer.ggml.add_sep_token", &v->add_sep, err);
    if (!rc)
        rc = check_add_special(v->add_bos, v->special[TOK_SPECIAL_BOS], "tokenizer.ggml.add_bos_token",
                               k_special_keys[TOK_SPECIAL_BOS], err);
    if (!rc)
        rc = check_add_special(v->add_eos, v->special[TOK_SPECIAL_EOS], "tokenizer.ggml.add_eos_token",
                               k_special_keys[TOK_SPECIAL_EOS], err);
    if (!rc)
        rc = check_add_special(v->add_sep, v->special[TOK_SPECIAL_SEP], "tokenizer.ggml.add_sep_token",
                               k_special_keys[TOK_SPECIAL_SEP], err);
    v->wpm_lowercase = true;
    if (!rc)
        rc = get_flag(g, "tokenizer.ggml.normalizer.lowercase", &v->wpm_lowercase, err);
    v->wpm_strip_accents = v->wpm_lowercase;
    if (!rc)
        rc = get_flag(g, "tokenizer.ggml.normalizer.strip_accents", &v->wpm_strip_accents, err);
    return rc;
}

/* ---------------------------------------------------------------- step 5 */

/* Roles that llama.cpp also finds by token text when the metadata does not
 * name them. llama.cpp takes whichever candidate its hash map yields first;
 * we take the first candidate in this list that the vocab has. */
static const char *const k_eot_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
    "<EOT>", "_<EOT>", "[EOT]", "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>",
    "<end_of_utterance>", NULL};
static const char *const k_eom_texts[] = {"<|eom_id|>", NULL};
static const char *const k_fim_pre_texts[] = {
    "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\xef\xbd\x9c" "fim\xe2\x96\x81" "begin\xef\xbd\x9c>",
    "<PRE>", "\xe2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>", NULL};
static const char *const k_fim_suf_texts[] = {
    "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\xef\xbd\x9c" "fim\xe2\x96\x81hole\xef\xbd\x9c>",
    "<SUF>", "\xe2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>", NULL};
static const char *const k_fim_mid_texts[] = {
    "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\xef\xbd\x9c" "fim\xe2\x96\x81" "end\xef\xbd\x9c>",
    "<MID>", "\xe2\x96\x81<MID>", "<|code_middle|>", "<|middle|>", NULL};
static const char *const k_fim_pad_texts[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]", NULL};
static const char *const k_fim_rep_texts[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
                                              "<reponame>", NULL};
static const char *const k_fim_sep_texts[] = {"<|file_sep|>", NULL};

/* Texts that end generation wherever they appear in a vocab. */
static const char *const k_eog_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
    "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
    "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
    "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>", "[e~[", NULL};

static int32_t find_text(const struct tok_vocab *v, const char *s)
{
    return tok_lookup(v, s, strlen(s));
}

/* llama.cpp makes every token it finds by such a text a control token. We
 * leave tokens the vocab calls normal text alone: the reference cases in the
 * shared data tokenize Qwen's normal "</s>" as text even with special tokens
 * parsed, while the golden data still lists it as end-of-generation. */
static void mark_control(struct tok_vocab *v, int32_t id)
{
    if (v->tokens[id].attr & TOK_ATTR_NORMAL)
        return;
    if (!(v->tokens[id].attr & TOK_ATTR_CONTROL)) {
        log_debug("tokenizer: control-looking token %d '%s' was not control-type; overriding",
                  (int)id, v->tokens[id].text);
        v->tokens[id].attr |= TOK_ATTR_CONTROL;
    }
}

static void detect_by_text(struct tok_vocab *v, enum tok_special role, const char *const *texts)
{
    if (v->special[role] >= 0)
        return;
    for (size_t i = 0; texts[i]; i++) {
        int32_t id = find_text(v, texts[i]);
        if (id >= 0) {
            v->special[role] = id;
            mark_control(v, id);
            return;
        }
    }
}

static void mark_unused(struct tok_vocab *v)
{
    for (int32_t id = 0; id < v->n_tokens; id++) {
        struct tok_token *t = &v->tokens[id];
        if ((t->attr & TOK_ATTR_CONTROL) && !(t->attr & TOK_ATTR_UNUSED) && strstr(t->text, "unused"))
            t->attr |= TOK_ATTR_UNUSED;
    }
}

static int eog_add(struct tok_vocab *v, int32_t id)
{
    if (id < 0 || tok_is_eog(v, id))
        return 0;
    int32_t *p = realloc(v->eog_ids, (v->n_eog + 1) * sizeof(*p));
    if (!p)
        return COLA_ENOMEM;
    v->eog_ids = p;
    size_t i = v->n_eog++;
    while (i > 0 && p[i - 1] > id) { /* keep it sorted for tok_is_eog's binary search */
        p[i] = p[i - 1];
        i--;
    }
    p[i] = id;
    return 0;
}

static void eog_remove(struct tok_vocab *v, int32_t id)
{
    for (size_t i = 0; i < v->n_eog; i++) {
        if (v->eog_ids[i] == id) {
            memmove(&v->eog_ids[i], &v->eog_ids[i + 1], (v->n_eog - i - 1) * sizeof(*v->eog_ids));
            v->n_eog--;
            return;
        }
    }
}

static bool eog_has_text(const struct tok_vocab *v, const char *s)
{
    int32_t id = find_text(v, s);
    return id >= 0 && tok_is_eog(v, id);
}

/* llama.cpp's workarounds: harmony-style vocabs (<|return|>/<|call|>, or
 * solar-open's <|calls|>/<|flush|>) do not end on <|end|>; gemma4-style ones
 * (<|tool_response>) do not end on </s>. */
static void eog_fixups(struct tok_vocab *v)
{
    bool has_call = eog_has_text(v, "<|call|>") || eog_has_text(v, "<|calls|>");
    int32_t end = find_text(v, "<|end|>");
    if (end >= 0 && tok_is_eog(v, end) &&
        ((eog_has_text(v, "<|return|>") && has_call) || (has_call && eog_has_text(v, "<|flush|>")))) {
        eog_remove(v, end);
        v->tokens[end].attr = TOK_ATTR_USER_DEFINED;
    }
    int32_t s = find_text(v, "</s>");
    if (s >= 0 && tok_is_eog(v, s) && eog_has_text(v, "<|tool_response>")) {
        eog_remove(v, s);
        v->tokens[s].attr = TOK_ATTR_NORMAL;
    }
}

static int detect_specials(struct tok_vocab *v, struct cola_err *err)
{
    detect_by_text(v, TOK_SPECIAL_EOT, k_eot_texts);
    detect_by_text(v, TOK_SPECIAL_EOM, k_eom_texts);
    detect_by_text(v, TOK_SPECIAL_FIM_PRE, k_fim_pre_texts);
    detect_by_text(v, TOK_SPECIAL_FIM_SUF, k_fim_suf_texts);
    detect_by_text(v, TOK_SPECIAL_FIM_MID, k_fim_mid_texts);
    detect_by_text(v, TOK_SPECIAL_FIM_PAD, k_fim_pad_texts);
    detect_by_text(v, TOK_SPECIAL_FIM_REP, k_fim_rep_texts);
    detect_by_text(v, TOK_SPECIAL_FIM_SEP, k_fim_sep_texts);
    mark_unused(v);

    int rc = eog_add(v, v->special[TOK_SPECIAL_FIM_PAD]);
    rc = rc ? rc : eog_add(v, v->special[TOK_SPECIAL_FIM_REP]);
    rc = rc ? rc : eog_add(v, v->special[TOK_SPECIAL_FIM_SEP]);
    for (size_t i = 0; !rc && k_eog_texts[i]; i++) {
        int32_t id = find_text(v, k_eog_texts[i]);
        if (id >= 0) {
            rc = eog_add(v, id);
            mark_control(v, id);
        }
    }
    /* gpt-oss: these structure tokens are always rendered */
    static const char *const always_render[] = {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"};
    for (size_t i = 0; i < sizeof(always_render) / sizeof(always_render[0]); i++) {
        int32_t id = find_text(v, always_render[i]);
        if (id >= 0)
            v->tokens[id].attr = TOK_ATTR_USER_DEFINED;
    }
    rc = rc ? rc : eog_add(v, v->special[TOK_SPECIAL_EOS]);
    rc = rc ? rc : eog_add(v, v->special[TOK_SPECIAL_EOT]);
    rc = rc ? rc : eog_add(v, v->special[TOK_SPECIAL_EOM]);
    if (rc)
        return err_set(err, rc, "out of memory for the end-of-generation set");
    eog_fixups(v);
    return 0;
}

/* ---------------------------------------------------------------- step 6 */

/* Longest first, ties by id: a stable order where llama.cpp's std::sort is
 * not. Binary insertion sort: the list has at most a few thousand entries. */
static void sort_special(struct tok_vocab *v)
{
    int32_t *a = v->special_sorted;
    for (size_t i = 1; i < v->n_special_sorted; i++) {
        int32_t x = a[i];
        uint32_t lx = v->tokens[x].len;
        size_t lo = 0, hi = i;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int32_t y = a[mid];
            if (lx > v->tokens[y].len || (lx == v->tokens[y].len && x < y))
                hi = mid;
            else
                lo = mid + 1;
        }
        memmove(&a[lo + 1], &a[lo], (i - lo) * sizeof(*a));
        a[lo] = x;
    }
}

static int build_special_cache(struct tok_vocab *v, struct cola_err *err)
{
    const uint32_t mask = TOK_ATTR_CONTROL | TOK_ATTR_USER_DEFINED | TOK_ATTR_UNKNOWN;
    size_t n = 0;
    for (int32_t id = 0; id < v->n_tokens; id++)
        n += (v->tokens[id].attr & mask) != 0;
    v->special_sorted = malloc((n ? n : 1) * sizeof(*v->special_sorted));
    if (!v->special_sorted)
        return err_set(err, COLA_ENOMEM, "out of memory for the special-token list");
    for (int32_t id = 0; id < v->n_tokens; id++)
        if (v->tokens[id].attr & mask)
            v->special_sorted[v->n_special_sorted++] = id;
    sort_special(v);
    return 0;
}

static void set_attr(struct tok_vocab *v, const char *text, uint32_t attr, bool on)
{
    int32_t id = find_text(v, text);
    if (id < 0)
        return;
    if (on)
        v->tokens[id].attr |= attr;
    else
        v->tokens[id].attr &= ~attr;
}

static bool str_contains(struct gguf_str s, const char *needle)
{
    size_t n = strlen(needle);
    return s.len >= n && memmem(s.ptr, (size_t)s.len, needle, n) != NULL;
}

/* Per-model attributes the GGUF does not carry (llama.cpp sets them by name). */
static void model_attrs(struct tok_vocab *v, const struct gguf_file *g)
{
    struct gguf_str pre = {"", 0}, arch = {"", 0}, name = {"", 0};
    gguf_get_str(g, "tokenizer.ggml.pre", &pre, NULL);
    gguf_get_str(g, "general.architecture", &arch, NULL);
    gguf_get_str(g, "general.name", &name, NULL);
    char lname[256];
    size_t nl = name.len < sizeof(lname) - 1 ? (size_t)name.len : sizeof(lname) - 1;
    for (size_t i = 0; i < nl; i++)
        lname[i] = (char)tolower((unsigned char)name.ptr[i]);
    lname[nl] = '\0';
    struct gguf_str lower = {lname, nl};

    if (str_contains(pre, "jina-v2-de") || str_contains(pre, "jina-v2-es") || str_contains(pre, "jina-v2-code") ||
        str_contains(arch, "nomic-bert-moe") || str_contains(arch, "jina-bert-v3")) {
        set_attr(v, "<mask>", TOK_ATTR_LSTRIP, true);
    } else if (str_contains(lower, "phi-3") || str_contains(lower, "phi3")) {
        for (size_t i = 0; i < v->n_special_sorted; i++)
            v->tokens[v->special_sorted[i]].attr |= TOK_ATTR_RSTRIP;
        set_attr(v, "</s>", TOK_ATTR_RSTRIP, true);
        set_attr(v, "<unk>", TOK_ATTR_RSTRIP, false);
        set_attr(v, "<s>", TOK_ATTR_RSTRIP, false);
        set_attr(v, "<|endoftext|>", TOK_ATTR_RSTRIP, false);
    } else if (str_contains(lower, "modern-bert")) {
        set_attr(v, "[MASK]", TOK_ATTR_LSTRIP, true);
    }
}

/* ---------------------------------------------------------------- step 7 */

static void find_byte_tokens(struct tok_vocab *v)
{
    static const char hex[] = "0123456789ABCDEF";
    for (int c = 0; c < 256; c++) {
        char name[7] = {'<', '0', 'x', hex[c >> 4], hex[c & 15], '>', 0};
        int32_t id = tok_lookup(v, name, 6);
        if (id < 0) {
            char one = (char)c;
            id = tok_lookup(v, &one, 1);
        }
        v->byte_ids[c] = id;
    }
}

static void find_newline(struct tok_vocab *v)
{
    int32_t nl = v->special[TOK_SPECIAL_PAD];
    if (v->type == TOK_TYPE_SPM) {
        if (v->byte_ids['\n'] >= 0)
            nl = v->byte_ids['\n'];
        else
            log_warn("tokenizer: SPM vocab without a newline token; using the padding token");
    } else if (v->type == TOK_TYPE_BPE) {
        struct tok_ids ids;
        tok_ids_init(&ids, 64);
        if (tok_encode(v, "\n", 1, 0, &ids, NULL) == 0 && ids.n > 0)
            nl = ids.ids[0];
        else
            log_warn("tokenizer: vocab has no newline token; using the padding token");
        tok_ids_free(&ids);
    }
    v->special[TOK_SPECIAL_NL] = nl;
}

/* ---------------------------------------------------------------- API */

static int load_hook(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err)
{
    switch (v->type) {
    case TOK_TYPE_SPM: return tok_spm_load(v, g, err);
    case TOK_TYPE_BPE: return tok_bpe_load(v, g, err);
    case TOK_TYPE_WPM: return tok_wpm_load(v, g, err);
    default: return 0;
    }
}

int tok_vocab_load(const struct gguf_file *g, struct tok_vocab **out, struct cola_err *err)
{
    *out = NULL;
    struct tok_vocab *v = calloc(1, sizeof(*v));
    if (!v)
        return err_set(err, COLA_ENOMEM, "out of memory");
    for (int i = 0; i < 256; i++)
        v->byte_ids[i] = -1;
    int rc = read_model(v, g, err);
    if (rc)
        goto out;
    if (v->type == TOK_TYPE_NONE) {
        rc = load_none(v, g, err);
        goto out;
    }
    if ((rc = load_tokens(v, g, err)) || (rc = load_hook(v, g, err)) || (rc = read_overrides(v, g, err)) ||
        (rc = detect_specials(v, err)) || (rc = build_special_cache(v, err)))
        goto out;
    model_attrs(v, g);
    find_byte_tokens(v);
    find_newline(v);
out:
    if (rc) {
        tok_vocab_free(v);
        return err_set(err, rc, "cannot load the tokenizer");
    }
    *out = v;
    return 0;
}

void tok_vocab_free(struct tok_vocab *v)
{
    if (!v)
        return;
    tok_bpe_free(v);
    tok_spm_free(v);
    tok_wpm_free(v);
    strmap_free(&v->by_text);
    free(v->tokens);
    free(v->text_pool);
    free(v->eog_ids);
    free(v->special_sorted);
    free(v);
}

enum tok_type tok_vocab_type(const struct tok_vocab *v) { return v->type; }

int32_t tok_vocab_size(const struct tok_vocab *v) { return v->n_tokens; }

int32_t tok_special(const struct tok_vocab *v, enum tok_special which)
{
    if ((int)which < 0 || which >= TOK_SPECIAL_COUNT)
        return -1;
    return v->special[which];
}

bool tok_is_eog(const struct tok_vocab *v, int32_t id)
{
    size_t lo = 0, hi = v->n_eog;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v->eog_ids[mid] == id)
            return true;
        if (v->eog_ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

const int32_t *tok_eog_ids(const struct tok_vocab *v, size_t *n)
{
    *n = v->n_eog;
    return v->eog_ids;
}

const char *tok_text(const struct tok_vocab *v, int32_t id, size_t *len)
{
    if (id < 0 || id >= v->n_tokens)
        return NULL;
    if (len)
        *len = v->tokens[id].len;
    return v->tokens[id].text;
}

int32_t tok_find(const struct tok_vocab *v, const char *text, size_t len)
{
    return v->n_tokens ? tok_lookup(v, text, len) : -1;
}

uint32_t tok_attr(const struct tok_vocab *v, int32_t id)
{
    return id >= 0 && id < v->n_tokens ? v->tokens[id].attr : 0;
}

float tok_score(const struct tok_vocab *v, int32_t id)
{
    return id >= 0 && id < v->n_tokens ? v->tokens[id].score : 0.0f;
}

bool tok_adds_bos(const struct tok_vocab *v)
{
    return v->type == TOK_TYPE_WPM || (v->type != TOK_TYPE_NONE && v->add_bos);
}

bool tok_adds_eos(const struct tok_vocab *v)
{
    return v->type == TOK_TYPE_WPM || (v->type != TOK_TYPE_NONE && v->add_eos);
}
