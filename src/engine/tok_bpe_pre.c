/* tok_bpe_pre.c — BPE pre-tokenizers: the regex lists chosen by
 * tokenizer.ggml.pre, compiled with PCRE2, and the text preparation that
 * makes the input what llama.cpp splits. See tok_bpe.h for the contract and
 * for why the patterns spell whitespace out. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdlib.h>
#include <string.h>

#include "engine/tok_bpe.h"

/* ------------------------------------------------------------------ patterns */

/* llama.cpp's whitespace: Unicode White_Space (\t..\r, space, U+0085, U+00A0,
 * U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). */
#define WS "\\t\\n\\x0b\\f\\r\\x20\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}" \
           "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
#define S "[" WS "]"   /* \s */
#define NS "[^" WS "]" /* \S */

/* GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
 * plus a final \s+, which llama.cpp's hand-written matcher for this pattern
 * also has (it only changes a lone whitespace from a gap into a match). */
#define P_GPT2                                                                       \
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" WS "\\p{L}\\p{N}]+|" S "+(?!" NS \
    ")|" S "+"

/* Llama 3 (and Qwen2 with single digits): the case-insensitive contractions
 * written out, as llama.cpp does. */
#define P_CONTRACTIONS "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
#define P_LLAMA3_TAIL                                                                  \
    "| ?[^" WS "\\p{L}\\p{N}]+[\\r\\n]*|" S "*[\\r\\n]+|" S "+(?!" NS ")|" S "+"
#define P_LLAMA3 P_CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}" P_LLAMA3_TAIL
#define P_QWEN2 P_CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}" P_LLAMA3_TAIL

/* DeepSeek's CJK class 一-龥 ࠀ-一 가-퟿, without the whitespace code points
 * inside U+0800..U+4E00 (llama.cpp hides non-ASCII whitespace from literal
 * classes). */
#define P_DS_CJK                                                                     \
    "[\\x{4e00}-\\x{9fa5}\\x{800}-\\x{167f}\\x{1681}-\\x{1fff}\\x{200b}-\\x{2027}"   \
    "\\x{202a}-\\x{202e}\\x{2030}-\\x{205e}\\x{2060}-\\x{2fff}\\x{3001}-\\x{4e00}"   \
    "\\x{ac00}-\\x{d7ff}]+"

/* DeepSeek LLM's letters (a list of Latin, Greek, Cyrillic, ... ranges). */
#define P_DS_LETTERS                                                                  \
    S "?[A-Za-z\\x{b5}\\x{c0}-\\x{d6}\\x{d8}-\\x{f6}\\x{f8}-\\x{1ba}\\x{1bc}-\\x{1bf}" \
    "\\x{1c4}-\\x{293}\\x{295}-\\x{2af}\\x{370}-\\x{373}\\x{376}\\x{377}"              \
    "\\x{37b}-\\x{37d}\\x{37f}\\x{386}\\x{388}-\\x{38a}\\x{38c}\\x{38e}-\\x{3a1}"      \
    "\\x{3a3}-\\x{3f5}\\x{3f7}-\\x{481}\\x{48a}-\\x{52f}\\x{531}-\\x{556}"             \
    "\\x{10a0}-\\x{10c5}\\x{13a0}-\\x{13f5}\\x{13f8}-\\x{13fd}\\x{1c90}-\\x{1cba}"     \
    "\\x{1cbd}-\\x{1cbf}\\x{1d00}-\\x{1d2b}\\x{1d6b}-\\x{1d77}\\x{1d79}-\\x{1d9a}"     \
    "\\x{1e00}-\\x{1f15}\\x{1f18}-\\x{1f1d}\\x{1f20}-\\x{1f45}\\x{1f48}-\\x{1f4d}"     \
    "\\x{1f50}-\\x{1f57}\\x{1f59}\\x{1f5b}\\x{1f5d}\\x{1f5f}-\\x{1f7d}"                \
    "\\x{1f80}-\\x{1fb4}\\x{1fb6}-\\x{1fbc}\\x{1fbe}\\x{1fc2}-\\x{1fc4}"               \
    "\\x{1fc6}-\\x{1fcc}\\x{1fd0}-\\x{1fd3}\\x{1fd6}-\\x{1fdb}\\x{1fe0}-\\x{1fec}"     \
    "\\x{1ff2}-\\x{1ff4}\\x{1ff6}-\\x{1ffc}\\x{2102}\\x{2107}\\x{210a}-\\x{2113}"      \
    "\\x{2115}\\x{2119}-\\x{211d}\\x{2124}\\x{2126}\\x{2128}\\x{212a}-\\x{212d}"       \
    "\\x{212f}-\\x{2134}\\x{2139}\\x{213c}-\\x{213f}\\x{2145}-\\x{2149}\\x{214e}"      \
    "\\x{2183}\\x{2184}\\x{2c00}-\\x{2c7b}\\x{2c7e}-\\x{2ce4}\\x{2ceb}-\\x{2cee}"      \
    "\\x{2cf2}\\x{2cf3}\\x{a640}-\\x{a66d}\\x{a680}-\\x{a69b}\\x{a722}-\\x{a76f}"      \
    "\\x{a771}-\\x{a787}\\x{a78b}-\\x{a78e}\\x{ab70}-\\x{abbf}\\x{fb00}-\\x{fb06}"     \
    "\\x{fb13}-\\x{fb17}\\x{ff21}-\\x{ff3a}\\x{ff41}-\\x{ff5a}\\x{10400}-\\x{1044f}"   \
    "\\x{104b0}-\\x{104d3}\\x{104d8}-\\x{104fb}\\x{10c80}-\\x{10cb2}"                  \
    "\\x{10cc0}-\\x{10cf2}\\x{118a0}-\\x{118df}\\x{1e900}-\\x{1e943}]+"

/* DeepSeek LLM's punctuation: ASCII !-/ :-~, fullwidth ！-／ ：-～, ‘-‟ and
 * 、。 (the class's U+3000 is whitespace, which llama.cpp never lets it see). */
#define P_DS_PUNCT                                                                 \
    S "?[!-/:-~\\x{ff01}-\\x{ff0f}\\x{ff1a}-\\x{ff5e}\\x{2018}-\\x{201f}"          \
    "\\x{3001}\\x{3002}]+"

/* Qwen 3.5: marks join letters. */
#define P_QWEN35                                                                     \
    P_CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^" WS              \
    "\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|" S "*[\\r\\n]+|" S "+(?!" NS ")|" S "+"

/* GPT-4o / Tekken words: capitals then small letters, or the reverse.
 * tokenizer.json writes "a letter that is not a-z" as (?=[\p{L}])([^a-z]);
 * [^\P{L}a-z] is the same set as one class, which PCRE2 repeats without a
 * backtracking frame per character. */
#define P_CASED_WORDS(c)                                                             \
    "[^\\r\\n\\p{L}\\p{N}]?[^\\P{L}a-z]*[^\\P{L}A-Z]+" c "|[^\\r\\n\\p{L}\\p{N}]?"          \
    "[^\\P{L}a-z]+[^\\P{L}A-Z]*" c
#define P_CASED_TAIL(num)                                                            \
    "|" num "| ?[^" WS "\\p{L}\\p{N}]+[\\r\\n/]*|" S "*[\\r\\n]+|" S "+(?!" NS ")|" S "+"
#define P_GPT4O P_CASED_WORDS(P_CONTRACTIONS "?") P_CASED_TAIL("\\p{N}{1,3}")
#define P_TEKKEN P_CASED_WORDS("") P_CASED_TAIL("\\p{N}")

/* DeepSeek V3. llama.cpp runs this regex on text whose non-ASCII characters
 * are collapsed to their category, and its ASCII stand-ins for \p{S} lack
 * '~': there '~' is no symbol, so it is spelled out of [\p{P}\p{S}] and into
 * the negated class. */
#define P_DS3_PS "(?:(?!~)[\\p{P}\\p{S}])"
#define P_DS3                                                                        \
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"                                \
    "|(?:~|[^\\r\\n\\p{L}\\p{P}\\p{S}])?[\\p{L}\\p{M}]+| ?" P_DS3_PS "+[\\r\\n]*|" S          \
    "*[\\r\\n]+|" S "+(?!" NS ")|" S "+"

static const char *const re_gpt2[] = {P_GPT2, NULL};
static const char *const re_qwen35[] = {P_QWEN35, NULL};
static const char *const re_gpt4o[] = {P_GPT4O, NULL};
static const char *const re_tekken[] = {P_TEKKEN, NULL};
static const char *const re_deepseek3[] = {
    "\\p{N}{1,3}", "[\\x{4e00}-\\x{9fa5}\\x{3040}-\\x{309f}\\x{30a0}-\\x{30ff}]+", P_DS3, NULL};
static const char *const re_llama3[] = {P_LLAMA3, NULL};
static const char *const re_qwen2[] = {P_QWEN2, NULL};
static const char *const re_default[] = {
    "[\\p{P}\\$\\+<=>\\^~\\|]+", P_GPT2, "\\p{N}+", "[0-9][0-9][0-9]", NULL};
static const char *const re_falcon[] = {
    "[\\p{P}\\$\\+<=>\\^~\\|`]+", P_GPT2, "[0-9][0-9][0-9]", NULL};
static const char *const re_starcoder[] = {"\\p{N}", P_GPT2, NULL};
static const char *const re_deepseek_llm[] = {
    "[\\r\\n]", P_DS_LETTERS, P_DS_PUNCT, S "+$", P_DS_CJK, "\\p{N}+", NULL};
static const char *const re_deepseek_coder[] = {
    "[\\r\\n]", S "?\\p{L}+", S "?\\p{P}+", P_DS_CJK, "\\p{N}", NULL};

/* Names and per-type options as llama.cpp's llama_vocab::load sets them.
 * Columns: name, regexes, ignore_merges, clean_spaces, add_bos, no_bos. */
static const struct tok_bpe_pre pre_table[] = {
    {"default", re_default, false, true, false, false},
    /* Llama 3 family: whole-word tokens skip the merges; BOS by default */
    {"llama3", re_llama3, true, true, true, false},
    {"llama-v3", re_llama3, true, true, true, false},
    {"llama-bpe", re_llama3, true, true, true, false},
    {"falcon3", re_llama3, true, true, true, false},
    {"falcon-h1", re_llama3, true, true, true, false},
    {"pixtral", re_llama3, true, true, true, false},
    {"midm-2.0", re_llama3, true, true, true, false},
    {"lfm2", re_llama3, true, true, true, false},
    {"jina-v5-nano", re_llama3, true, true, true, false},
    {"dbrx", re_llama3, false, true, false, false},
    {"smaug-bpe", re_llama3, false, true, false, false},
    {"deepseek-llm", re_deepseek_llm, false, false, false, false},
    {"deepseek-coder", re_deepseek_coder, false, false, false, false},
    {"falcon", re_falcon, false, true, false, false},
    /* GPT-2's pattern alone */
    {"gpt-2", re_gpt2, false, true, false, false},
    {"mpt", re_gpt2, false, true, false, false},
    {"olmo", re_gpt2, false, true, false, false},
    {"jais", re_gpt2, false, true, false, false},
    {"phi-2", re_gpt2, false, true, false, false},
    {"jina-es", re_gpt2, false, true, false, false},
    {"jina-de", re_gpt2, false, true, false, false},
    {"jina-v2-es", re_gpt2, false, true, false, false},
    {"jina-v2-de", re_gpt2, false, true, false, false},
    {"gigachat", re_gpt2, false, true, false, false},
    {"a.x-4.0", re_gpt2, false, true, false, false},
    {"mellum", re_gpt2, false, true, false, false},
    {"modern-bert", re_gpt2, false, true, false, false},
    {"exaone4", re_gpt2, false, true, false, false},
    {"trillion", re_gpt2, false, false, false, false},
    {"granite-docling", re_gpt2, false, false, false, false},
    /* digits alone, then GPT-2's pattern */
    {"starcoder", re_starcoder, false, true, false, false},
    {"refact", re_starcoder, false, true, false, false},
    {"codeshell", re_starcoder, false, true, false, false},
    {"exaone", re_starcoder, false, true, false, false},
    {"minerva-7b", re_starcoder, false, true, false, false},
    {"mellum2", re_starcoder, false, true, false, false},
    {"command-r", re_starcoder, false, false, false, false},
    {"smollm", re_starcoder, false, false, false, false},
    /* Qwen2's pattern */
    {"qwen2", re_qwen2, false, false, false, false},
    {"deepseek-r1-qwen", re_qwen2, false, false, false, false},
    {"kormo", re_qwen2, false, false, false, false},
    {"f2llmv2", re_qwen2, false, false, false, false},
    {"hunyuan", re_qwen2, false, false, false, false},
    {"solar-open", re_qwen2, false, false, false, false},
    {"stablelm2", re_qwen2, false, true, false, false},
    {"megrez", re_qwen2, false, true, false, false},
    {"qwen35", re_qwen35, false, false, false, false},
    /* the Llama 3 pattern without BOS */
    {"chatglm-bpe", re_llama3, false, true, false, true},
    {"glm4", re_llama3, false, true, false, true},
    {"gpt-4o", re_gpt4o, false, false, false, false},
    {"llama4", re_gpt4o, false, false, false, false},
    {"kanana2", re_gpt4o, false, false, false, false},
    {"tekken", re_tekken, true, false, true, false},
    {"deepseek-v3", re_deepseek3, false, false, false, false},
};

const struct tok_bpe_pre *tok_bpe_pre_at(size_t i)
{
    return i < sizeof(pre_table) / sizeof(pre_table[0]) ? &pre_table[i] : NULL;
}

const struct tok_bpe_pre *tok_bpe_pre_find(const char *name, size_t len)
{
    if (!name || len == 0)
        return &pre_table[0];
    for (size_t i = 0; i < sizeof(pre_table) / sizeof(pre_table[0]); i++) {
        if (strlen(pre_table[i].name) == len && memcmp(pre_table[i].name, name, len) == 0)
            return &pre_table[i];
    }
    return NULL;
}

/* ------------------------------------------------------------------ compile */

int tok_bpe_split_init(struct tok_bpe_split *s, const struct tok_bpe_pre *pre,
                       struct cola_err *err)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; pre->regex[i]; i++) {
        if (i >= TOK_BPE_MAX_REGEX) {
            tok_bpe_split_free(s);
            return err_set(err, COLA_EINVAL, "pre-tokenizer '%s' has too many regexes", pre->name);
        }
        int code = 0;
        PCRE2_SIZE at = 0;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)pre->regex[i], PCRE2_ZERO_TERMINATED,
                                       PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &code, &at,
                                       NULL);
        if (!re) {
            PCRE2_UCHAR msg[128];
            pcre2_get_error_message(code, msg, sizeof(msg));
            tok_bpe_split_free(s);
            return err_set(err, COLA_EINVAL, "pre-tokenizer '%s': regex %d at offset %zu: %s",
                           pre->name, i, (size_t)at, (const char *)msg);
        }
        /* JIT is an optimisation: without it (unsupported CPU, no executable
         * memory) the interpreter gives the same matches. */
        (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        s->re[i] = re;
        s->n = i + 1;
    }
    return 0;
}

void tok_bpe_split_free(struct tok_bpe_split *s)
{
    for (int i = 0; i < s->n; i++)
        pcre2_code_free((pcre2_code *)s->re[i]);
    memset(s, 0, sizeof(*s));
}

void *tok_bpe_md_new(void)
{
    /* one ovector pair is enough: only the whole match is used (PCRE2 fills
     * pair 0 and returns 0 when a pattern has more groups) */
    return pcre2_match_data_create(1, NULL);
}

void tok_bpe_md_free(void *md) { pcre2_match_data_free((pcre2_match_data *)md); }

/* ------------------------------------------------------------------ split */

struct split_call {
    const struct tok_bpe_split *s;
    const char *text;
    pcre2_match_data *md;
    tok_bpe_word_fn fn;
    void *ctx;
    struct cola_err *err;
};

static size_t utf8_next(const unsigned char *p, size_t n, size_t at)
{
    at++;
    while (at < n && (p[at] & 0xC0) == 0x80)
        at++;
    return at;
}

static int split_level(const struct split_call *c, int level, size_t start, size_t end);

static int split_emit(const struct split_call *c, int level, size_t start, size_t end)
{
    if (end <= start)
        return 0;
    if (level == c->s->n)
        return c->fn(c->ctx, start, end - start);
    return split_level(c, level, start, end);
}

/* Split text[start..end) with regex `level`: each match and each stretch of
 * text between matches goes on to the next regex. Empty matches are stepped
 * over the way std::regex_iterator does (retry non-empty at the same place,
 * else move on by one character), so patterns that can match nothing still
 * split where they match. */
static int split_level(const struct split_call *c, int level, size_t start, size_t end)
{
    const pcre2_code *re = c->s->re[level];
    const unsigned char *subj = (const unsigned char *)c->text + start;
    size_t n = end - start, pos = 0, at = 0;
    uint32_t opts = 0;
    int rc;

    while (at <= n) {
        int m = pcre2_match(re, subj, n, at, PCRE2_NO_UTF_CHECK | opts, c->md, NULL);
        if (m == PCRE2_ERROR_NOMATCH) {
            if (!opts || at >= n)
                break;
            opts = 0; /* no non-empty match here: look further on */
            at = utf8_next(subj, n, at);
            continue;
        }
        if (m < 0) {
            PCRE2_UCHAR msg[128];
            pcre2_get_error_message(m, msg, sizeof(msg));
            return err_set(c->err, m == PCRE2_ERROR_NOMEMORY ? COLA_ENOMEM : COLA_EINVAL,
                           "pre-tokenizer regex %d failed: %s", level, (const char *)msg);
        }
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
        size_t ms = ov[0], me = ov[1];
        if ((rc = split_emit(c, level + 1, start + pos, start + ms)) != 0)
            return rc;
        if ((rc = split_emit(c, level + 1, start + ms, start + me)) != 0)
            return rc;
        pos = at = me;
        opts = me == ms ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
        if (me == ms && me >= n)
            break;
    }
    return split_emit(c, level + 1, start + pos, end);
}

int tok_bpe_split(const struct tok_bpe_split *s, const char *text, size_t len, void *md,
                  tok_bpe_word_fn fn, void *ctx, struct cola_err *err)
{
    struct split_call c = {s, text, (pcre2_match_data *)md, fn, ctx, err};
    if (len == 0)
        return 0;
    if (s->n == 0)
        return fn(ctx, 0, len);
    return split_level(&c, 0, 0, len);
}

/* ------------------------------------------------------------------ text */

/* One code point decoded as llama.cpp's unicode_cpt_from_utf8 does: the
 * length bits of the lead byte and the continuation bits are checked, nothing
 * else (overlong forms and surrogates pass). Returns the bytes used, 0 if
 * invalid. */
static size_t lenient_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t need;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (!(c & 0x40))
        return 0;
    if (!(c & 0x20)) {
        need = 2;
        *cp = c & 0x1Fu;
    } else if (!(c & 0x10)) {
        need = 3;
        *cp = c & 0x0Fu;
    } else if (!(c & 0x08)) {
        need = 4;
        *cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3Fu);
    }
    return need;
}

static size_t utf8_put(uint32_t cp, unsigned char *o)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Whether the character at s (n bytes left) is exactly what PCRE2 accepts
 * and llama.cpp re-encodes unchanged; sets *used. */
static bool char_is_clean(const unsigned char *s, size_t n, size_t *used)
{
    uint32_t cp;
    size_t k = lenient_decode(s, n, &cp);
    unsigned char tmp[4];
    *used = k ? k : 1;
    if (!k || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return false;
    return utf8_put(cp, tmp) == k; /* not overlong */
}

/* The code point llama.cpp reads at s: U+FFFD for an undecodable byte (and,
 * here, for a sequence above U+10FFFF, where llama.cpp would throw). Returns
 * the bytes used. */
static size_t prep_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t k = lenient_decode(s, n, cp);
    if (!k || *cp > 0x10FFFF) {
        *cp = 0xFFFD;
        return k ? k : 1;
    }
    return k;
}

int tok_bpe_text_prepare(const char *text, size_t len, const char **match, const char **enc,
                         size_t *out_len, char **owned)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, used;

    *owned = NULL;
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if (!char_is_clean(s + i, len - i, &used))
            break;
        i += used;
    }
    if (i == len) {
        *match = *enc = text;
        *out_len = len;
        return 0;
    }

    /* first pass: the size of the prepared text (an undecodable byte grows
     * to the 3 bytes of U+FFFD, an overlong form shrinks) */
    size_t o = i, j = i;
    while (j < len) {
        uint32_t cp;
        unsigned char tmp[4];
        j += prep_decode(s + j, len - j, &cp);
        o += utf8_put(cp, tmp);
        if (o > (SIZE_MAX - 2) / 2)
            return COLA_ENOMEM;
    }
    unsigned char *m = malloc(o * 2 + 2), *e;
    if (!m)
        return COLA_ENOMEM;
    e = m + o + 1;
    memcpy(m, s, i);
    memcpy(e, s, i);
    o = i;
    while (i < len) {
        uint32_t cp;
        i += prep_decode(s + i, len - i, &cp);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            utf8_put(0xE000, m + o); /* same length (3), same classes (\p{C}) */
            o += utf8_put(cp, e + o);
        } else {
            size_t w = utf8_put(cp, m + o);
            memcpy(e + o, m + o, w);
            o += w;
        }
    }
    m[o] = e[o] = 0;
    *match = (const char *)m;
    *enc = (const char *)e;
    *out_len = o;
    *owned = (char *)m;
    return 0;
}

/* ------------------------------------------------------------------ bytes */

uint32_t tok_bpe_byte_cpt(uint8_t b)
{
    /* printable Latin-1 stands for itself; the 68 others (controls, space,
     * DEL..NBSP, soft hyphen) map in order to U+0100.. */
    if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE)
        return b;
    if (b <= 0x20)
        return 0x100u + b;
    if (b <= 0xA0)
        return 0x100u + 33 + (b - 0x7Fu);
    return 0x100u + 67; /* 0xAD */
}

size_t tok_bpe_byte_utf8(uint8_t b, char out[2])
{
    uint32_t cp = tok_bpe_byte_cpt(b);
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
}
