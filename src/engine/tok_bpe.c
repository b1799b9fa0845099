/* tok_bpe.c — byte-level BPE (tokenizer.ggml.model = "gpt2"), id for id with
 * llama.cpp's llm_tokenizer_bpe.
 *
 * Load: every string that can ever be a symbol (the 256 byte characters, both
 * sides of each merge and their concatenation) gets an id: its token id, or a
 * "virtual" id >= n_tokens when the vocab lacks it. Texts and ids are then in
 * one-to-one correspondence, so the merge rule "left right" (rank = its index,
 * the first of duplicates winning) becomes a hash entry
 * (left id, right id) -> (rank, merged id) and encoding never builds strings.
 *
 * Encode, per pre-tokenized word (tok_bpe_pre.c): with ignore_merges, a word
 * that is itself a token is emitted whole. Otherwise each byte starts as one
 * symbol and the adjacent pair with the lowest rank (ties: leftmost) is merged
 * until none is left; a heap with lazily dropped stale pairs makes this
 * O(n log n), so long runs (a megabyte of '!') stay cheap. A final symbol that
 * is not a token falls back as llama.cpp does: each byte of its byte-level
 * text that is itself a 1-byte token is emitted, the rest dropped.
 */
#include "engine/tok_bpe.h"

#include <stdlib.h>
#include <string.h>

#include "engine/tok_internal.h"

struct bpe_pair {
    uint64_t key;  /* left id << 32 | right id; PAIR_EMPTY if unused */
    int32_t rank;
    int32_t id;    /* id of the merged text (maybe virtual) */
};

#define PAIR_EMPTY UINT64_MAX

/* Id of a token text, or -1. */
static inline int32_t text_token(const struct tok_vocab *v, const char *text, size_t len)
{
    return strmap_get(&v->by_text, text, len, -1);
}

struct tok_bpe {
    const struct tok_bpe_pre *pre;
    struct tok_bpe_split split;
    int32_t n_tokens;
    int32_t byte_id[256];     /* symbol id of each byte's character */
    int32_t byte_fb[256][2];  /* fallback ids for a byte, -1 for none */
    char byte_chr[256][2];    /* byte-level character of each byte (UTF-8) */
    uint8_t byte_chr_len[256];
    struct bpe_pair *pairs;   /* open addressing, linear probing */
    uint64_t pair_mask;
    int32_t n_merges;
};

/* ------------------------------------------------------------------ pair map */

static inline uint64_t pair_hash(uint64_t key)
{
    key ^= key >> 31;
    key *= 0x9E3779B97F4A7C15ull;
    key ^= key >> 29;
    return key;
}

static inline const struct bpe_pair *pair_find(const struct tok_bpe *b, int32_t l, int32_t r)
{
    uint64_t key = (uint64_t)(uint32_t)l << 32 | (uint32_t)r;
    for (uint64_t i = pair_hash(key) & b->pair_mask;; i = (i + 1) & b->pair_mask) {
        const struct bpe_pair *p = &b->pairs[i];
        if (p->key == key)
            return p;
        if (p->key == PAIR_EMPTY)
            return NULL;
    }
}

/* Insert unless present (the lower rank, inserted first, wins). */
static void pair_put(struct tok_bpe *b, int32_t l, int32_t r, int32_t rank, int32_t id)
{
    uint64_t key = (uint64_t)(uint32_t)l << 32 | (uint32_t)r;
    for (uint64_t i = pair_hash(key) & b->pair_mask;; i = (i + 1) & b->pair_mask) {
        struct bpe_pair *p = &b->pairs[i];
        if (p->key == key)
            return;
        if (p->key == PAIR_EMPTY) {
            p->key = key;
            p->rank = rank;
            p->id = id;
            return;
        }
    }
}

/* ------------------------------------------------------------------ load */

/* Texts that are not tokens, numbered from n_tokens up (load time only). */
struct virt_ids {
    struct strmap map;
    char **texts;
    size_t n, cap;
    int32_t next;
};

static void virt_free(struct virt_ids *vi)
{
    for (size_t i = 0; i < vi->n; i++)
        free(vi->texts[i]);
    free(vi->texts);
    strmap_free(&vi->map);
}

/* Id of text: a token's, else a virtual one (created on first sight). */
static int text_id(const struct tok_vocab *v, struct virt_ids *vi, const char *text, size_t len,
                   int32_t *id)
{
    int32_t t = text_token(v, text, len);
    if (t >= 0) {
        *id = t;
        return 0;
    }
    t = strmap_get(&vi->map, text, len, -1);
    if (t >= 0) {
        *id = t;
        return 0;
    }
    if (vi->n == vi->cap) {
        size_t cap = vi->cap ? vi->cap * 2 : 16;
        char **p = realloc(vi->texts, cap * sizeof(*p));
        if (!p)
            return COLA_ENOMEM;
        vi->texts = p;
        vi->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return COLA_ENOMEM;
    memcpy(copy, text, len);
    copy[len] = '\0';
    vi->texts[vi->n++] = copy;
    if (strmap_put(&vi->map, copy, len, vi->next) != 0)
        return COLA_ENOMEM;
    *id = vi->next++;
    return 0;
}

static void load_bytes(struct tok_bpe *b, const struct tok_vocab *v)
{
    for (int c = 0; c < 256; c++) {
        b->byte_chr_len[c] = (uint8_t)tok_bpe_byte_utf8((uint8_t)c, b->byte_chr[c]);
        b->byte_fb[c][0] = b->byte_fb[c][1] = -1;
        /* llama.cpp's fallback looks up each byte of the byte-level text alone */
        for (int k = 0; k < b->byte_chr_len[c]; k++)
            b->byte_fb[c][k] = text_token(v, &b->byte_chr[c][k], 1);
    }
}

/* Parse the merges into the pair map. */
static int load_merges(struct tok_bpe *b, const struct tok_vocab *v, const struct gguf_value *arr,
                       struct cola_err *err)
{
    struct virt_ids vi = {.next = v->n_tokens};
    char *cat = NULL;
    size_t cat_cap = 0;
    int rc = 0;

    if (arr->v.arr.n > (uint64_t)(INT32_MAX - v->n_tokens - 256) / 3)
        return err_set(err, COLA_ERANGE, "tokenizer.ggml.merges: %llu merges is too many",
                       (unsigned long long)arr->v.arr.n);
    b->n_merges = (int32_t)arr->v.arr.n;
    uint64_t cap = 16;
    while (cap < arr->v.arr.n + arr->v.arr.n / 2 + 1)
        cap *= 2;
    b->pairs = malloc(cap * sizeof(*b->pairs));
    if (!b->pairs || strmap_init(&vi.map, 64) != 0) {
        rc = err_set(err, COLA_ENOMEM, "out of memory for %d BPE merges", b->n_merges);
        goto out;
    }
    for (uint64_t i = 0; i < cap; i++)
        b->pairs[i].key = PAIR_EMPTY;
    b->pair_mask = cap - 1;

    for (int c = 0; c < 256 && !rc; c++)
        rc = text_id(v, &vi, b->byte_chr[c], b->byte_chr_len[c], &b->byte_id[c]);

    for (int32_t i = 0; i < b->n_merges && !rc; i++) {
        const struct gguf_str *m = &arr->v.arr.strs[i];
        /* "left right", split at the first space after the first byte; a
         * merge without one never applies (llama.cpp stores it as ("", "")) */
        const char *sp = m->len > 1 ? memchr(m->ptr + 1, ' ', m->len - 1) : NULL;
        if (!sp)
            continue;
        size_t ll = (size_t)(sp - m->ptr), rl = m->len - ll - 1;
        if (ll + rl > cat_cap) {
            free(cat);
            cat_cap = (ll + rl) * 2;
            cat = malloc(cat_cap);
            if (!cat) {
                rc = COLA_ENOMEM;
                break;
            }
        }
        memcpy(cat, m->ptr, ll);
        memcpy(cat + ll, sp + 1, rl);
        int32_t lid, rid, mid;
        if ((rc = text_id(v, &vi, m->ptr, ll, &lid)) != 0 ||
            (rc = text_id(v, &vi, sp + 1, rl, &rid)) != 0 ||
            (rc = text_id(v, &vi, cat, ll + rl, &mid)) != 0)
            break;
        pair_put(b, lid, rid, i, mid);
    }
    if (rc)
        rc = err_set(err, rc, "out of memory loading %d BPE merges", b->n_merges);
out:
    free(cat);
    virt_free(&vi);
    return rc;
}

int tok_bpe_load(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err)
{
    struct gguf_str pre_name = {NULL, 0};
    const struct gguf_value *merges = NULL;
    struct tok_bpe *b = NULL;
    int rc;

    rc = gguf_get_str(g, "tokenizer.ggml.pre", &pre_name, err);
    if (rc == COLA_ENOTFOUND)
        rc = 0; /* llama.cpp: "missing pre-tokenizer type, using: 'default'" */
    if (rc)
        return rc;
    const struct tok_bpe_pre *pre = tok_bpe_pre_find(pre_name.ptr, pre_name.len);
    if (!pre) {
        int n = pre_name.len > 64 ? 64 : (int)pre_name.len;
        return err_set(err, COLA_EUNSUPPORTED, "unknown pre-tokenizer type: '%.*s'%s", n,
                       pre_name.ptr, pre_name.len > 64 ? "..." : "");
    }
    rc = gguf_get_arr(g, "tokenizer.ggml.merges", GGUF_VT_STRING, &merges, err);
    if (rc == COLA_ENOTFOUND)
        return err_set(err, COLA_EFORMAT, "cannot find tokenizer merges in model file");
    if (rc)
        return rc;

    b = calloc(1, sizeof(*b));
    if (!b)
        return err_set(err, COLA_ENOMEM, "out of memory");
    b->pre = pre;
    b->n_tokens = v->n_tokens;
    load_bytes(b, v);
    if ((rc = load_merges(b, v, merges, err)) != 0)
        goto out;
    if ((rc = tok_bpe_split_init(&b->split, pre, err)) != 0)
        goto out;

    /* the defaults llama.cpp ties to the pre-tokenizer; the metadata
     * (tokenizer.ggml.add_bos_token) is applied after this hook */
    v->clean_spaces = pre->clean_spaces;
    if (pre->add_bos)
        v->add_bos = true;
    if (pre->no_bos)
        v->special[TOK_SPECIAL_BOS] = -1;
    v->bpe = b;
    b = NULL;
out:
    if (b) {
        tok_bpe_split_free(&b->split);
        free(b->pairs);
        free(b);
    }
    return rc;
}

void tok_bpe_free(struct tok_vocab *v)
{
    if (!v || !v->bpe)
        return;
    tok_bpe_split_free(&v->bpe->split);
    free(v->bpe->pairs);
    free(v->bpe);
    v->bpe = NULL;
}

/* ------------------------------------------------------------------ encode */

struct bpe_sym {
    int32_t id;
    int32_t prev, next; /* -1 at the ends */
    uint32_t len;       /* bytes; 0 once merged into its left neighbour */
};

struct bpe_cand {
    int32_t rank;
    int32_t left, right;
    int32_t id;     /* merged id */
    uint32_t size;  /* len(left) + len(right) when queued: stale if changed */
};

/* State of one tok_bpe_encode() call; scratch grows to the longest word. */
struct bpe_call {
    const struct tok_vocab *v;
    const struct tok_bpe *b;
    const unsigned char *text;  /* the bytes to encode (tok_bpe_text_prepare's enc view) */
    struct tok_ids *out;
    struct bpe_sym *sym;
    size_t sym_cap;
    struct bpe_cand *heap;
    size_t heap_n, heap_cap;
    char *word;                 /* byte-level text of a word (ignore_merges) */
    size_t word_cap;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    if (n > SIZE_MAX / elem)
        return COLA_ENOMEM;
    void *q = realloc(*p, n * elem);
    if (!q)
        return COLA_ENOMEM;
    *p = q;
    *cap = n;
    return 0;
}

static inline bool cand_less(const struct bpe_cand *a, const struct bpe_cand *b)
{
    return a->rank < b->rank || (a->rank == b->rank && a->left < b->left);
}

static void heap_push(struct bpe_call *c, struct bpe_cand x)
{
    size_t i = c->heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!cand_less(&x, &c->heap[p]))
            break;
        c->heap[i] = c->heap[p];
        i = p;
    }
    c->heap[i] = x;
}

static struct bpe_cand heap_pop(struct bpe_call *c)
{
    struct bpe_cand top = c->heap[0], x = c->heap[--c->heap_n];
    size_t i = 0, n = c->heap_n;
    for (;;) {
        size_t l = 2 * i + 1, m = l + 1 < n && cand_less(&c->heap[l + 1], &c->heap[l]) ? l + 1 : l;
        if (l >= n || !cand_less(&c->heap[m], &x))
            break;
        c->heap[i] = c->heap[m];
        i = m;
    }
    if (n)
        c->heap[i] = x;
    return top;
}

/* Queue the pair (l, r) if it is a merge. 0 or COLA_ENOMEM. */
static int try_pair(struct bpe_call *c, int32_t l, int32_t r)
{
    if (l < 0 || r < 0)
        return 0;
    const struct bpe_pair *p = pair_find(c->b, c->sym[l].id, c->sym[r].id);
    if (!p)
        return 0;
    if (c->heap_n == c->heap_cap &&
        grow((void **)&c->heap, &c->heap_cap, c->heap_n + 1, sizeof(*c->heap)) != 0)
        return COLA_ENOMEM;
    struct bpe_cand x = {p->rank, l, r, p->id, c->sym[l].len + c->sym[r].len};
    heap_push(c, x);
    return 0;
}

/* Emit the symbol standing for bytes w[0..n) with id. */
static int emit(struct bpe_call *c, int32_t id, const unsigned char *w, size_t n)
{
    if (id < c->b->n_tokens)
        return tok_ids_push(c->out, id);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++) {
            int32_t fb = c->b->byte_fb[w[i]][k];
            int rc = fb >= 0 ? tok_ids_push(c->out, fb) : 0;
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Whole-word lookup (ignore_merges): the word's token id or -1. */
static int32_t word_token(struct bpe_call *c, const unsigned char *w, size_t n)
{
    const struct tok_bpe *b = c->b;
    if (n > ((size_t)-1) / 2 || grow((void **)&c->word, &c->word_cap, 2 * n, 1) != 0)
        return -2;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        c->word[k] = b->byte_chr[w[i]][0];
        c->word[k + 1] = b->byte_chr[w[i]][1];
        k += b->byte_chr_len[w[i]];
    }
    return text_token(c->v, c->word, k);
}

static int bpe_word(void *ctx, size_t off, size_t n)
{
    struct bpe_call *c = ctx;
    const struct tok_bpe *b = c->b;
    const unsigned char *w = c->text + off;

    if (b->pre->ignore_merges) {
        int32_t id = word_token(c, w, n);
        if (id == -2)
            return COLA_ENOMEM;
        if (id >= 0)
            return tok_ids_push(c->out, id);
    }
    if (n == 1)
        return emit(c, b->byte_id[w[0]], w, 1);
    if (n > INT32_MAX || grow((void **)&c->sym, &c->sym_cap, n, sizeof(*c->sym)) != 0)
        return COLA_ENOMEM;

    for (size_t i = 0; i < n; i++) {
        c->sym[i].id = b->byte_id[w[i]];
        c->sym[i].prev = (int32_t)i - 1;
        c->sym[i].next = i + 1 < n ? (int32_t)i + 1 : -1;
        c->sym[i].len = 1;
    }
    /* the heap grows as needed: n - 1 pairs at first, at most 2 more per
     * merge, usually far fewer */
    c->heap_n = 0;
    for (size_t i = 1; i < n; i++) {
        if (try_pair(c, (int32_t)i - 1, (int32_t)i) != 0)
            return COLA_ENOMEM;
    }
    while (c->heap_n) {
        struct bpe_cand x = heap_pop(c);
        struct bpe_sym *l = &c->sym[x.left], *r = &c->sym[x.right];
        if (l->len == 0 || r->len == 0 || l->len + r->len != x.size)
            continue; /* one side changed since this pair was queued */
        l->id = x.id;
        l->len += r->len;
        r->len = 0;
        l->next = r->next;
        if (r->next >= 0)
            c->sym[r->next].prev = x.left;
        if (try_pair(c, l->prev, x.left) != 0 || try_pair(c, x.left, l->next) != 0)
            return COLA_ENOMEM;
    }
    for (int32_t i = 0; i >= 0; i = c->sym[i].next) {
        int rc = emit(c, c->sym[i].id, w + i, c->sym[i].len);
        if (rc)
            return rc;
    }
    return 0;
}

int tok_bpe_encode(const struct tok_vocab *v, const char *text, size_t len, struct tok_ids *out,
                   struct cola_err *err)
{
    const struct tok_bpe *b = v->bpe;
    struct bpe_call c = {.v = v, .b = b, .out = out};
    const char *mtext, *etext;
    char *owned = NULL;
    void *md = NULL;
    size_t n;
    int rc;

    if (!b)
        return err_set(err, COLA_EINVAL, "BPE tokenizer not loaded");
    if ((rc = tok_bpe_text_prepare(text, len, &mtext, &etext, &n, &owned)) != 0)
        return err_set(err, rc, "out of memory preparing %zu bytes of text", len);
    c.text = (const unsigned char *)etext;
    md = tok_bpe_md_new();
    if (!md) {
        rc = err_set(err, COLA_ENOMEM, "out of memory for regex match data");
        goto out;
    }
    rc = tok_bpe_split(&b->split, mtext, n, md, bpe_word, &c, err);
    if (rc)
        rc = err_set(err, rc, "BPE encoding failed: %s",
                     rc == COLA_ENOMEM ? "out of memory or past the id limit" : err_name(rc));
out:
    tok_bpe_md_free(md);
    free(c.sym);
    free(c.heap);
    free(c.word);
    free(owned);
    return rc;
}

/* ------------------------------------------------------------------ decode */

/* The byte a byte-level code point stands for, or -1. */
static int cpt_byte(uint32_t cp)
{
    if (cp < 0x100)
        return (cp >= 0x21 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xAC) || cp >= 0xAE ? (int)cp
                                                                                       : -1;
    if (cp > 0x143)
        return -1;
    uint32_t k = cp - 0x100;
    if (k <= 32)
        return (int)k;
    if (k <= 66)
        return (int)(0x7F + k - 33);
    return 0xAD;
}

int tok_bpe_text_to_bytes(const char *text, size_t len, struct buf *out)
{
    const unsigned char *s = (const unsigned char *)text;
    char chunk[256];
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        int byte = -1;
        size_t used = 1;
        if (s[i] >= 0xC2 && s[i] <= 0xC5 && i + 1 < len && (s[i + 1] & 0xC0) == 0x80) {
            byte = cpt_byte((uint32_t)(s[i] & 0x1F) << 6 | (s[i + 1] & 0x3F));
            used = 2;
        } else if (s[i] < 0x80) {
            byte = cpt_byte(s[i]);
        }
        if (byte >= 0) {
            chunk[n++] = (char)byte;
        } else { /* not a byte-level character: copied as it is */
            for (size_t k = 0; k < used; k++)
                chunk[n++] = (char)s[i + k];
        }
        i += used;
        if (n > sizeof(chunk) - 2) {
            int rc = buf_append(out, chunk, n);
            if (rc)
                return rc;
            n = 0;
        }
    }
    return buf_append(out, chunk, n);
}
