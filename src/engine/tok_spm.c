/* tok_spm.c — SentencePiece-style (BPE by score) encoding, as llama.cpp's
 * llm_tokenizer_spm_session.
 *
 * The text (spaces escaped to U+2581) starts as one symbol per UTF-8
 * character (length from the lead byte, as llama.cpp's unicode_len_utf8).
 * Every adjacent pair whose concatenation is a token goes into a max-heap
 * ordered by the token's score, ties to the leftmost pair. The best pair is
 * merged, its neighbours' pairs are queued, and stale entries (a side already
 * merged away or grown) are skipped when popped. What remains are tokens, or
 * single characters the vocab lacks, which fall back to their bytes' <0xNN>
 * tokens.
 *
 * llama.cpp also keeps a reverse-merge map (text -> the pair that formed it)
 * and "resegments" a leftover symbol through it. That map only ever holds
 * texts that are tokens, and it is consulted only for a symbol whose text is
 * NOT a token, so the lookup cannot succeed: resegmentation is exactly the
 * byte fallback below (the full llama.cpp test suite agrees, see test_tok_spm.c).
 *
 * Speed: one heap over a whole text (llama.cpp's way) makes every pop a cache
 * miss. But two adjacent symbols can only ever end up in one token if some
 * token text contains them next to each other, so the text is cut at every
 * boundary whose symbol pair occurs in no token text (in practice: before
 * each word), and each segment is merged on its own with a small heap. No
 * merge crosses a cut and a segment pops its pairs in the same relative order
 * as the global heap would, so the result is the same. The pairs live in a
 * bit set indexed by a hash: a collision only hides a cut, never invents one.
 * And since a segment's tokens depend on nothing but its text, the segments
 * of one call are cached by text (natural text repeats its words).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/tok_internal.h"

#define ID_UNKNOWN (-2)
#define CACHE_SLOTS_MAX (1u << 16) /* segments cached per call (at most half used) */
#define CACHE_MAX_LEN 256      /* longest segment text cached, in bytes */

struct tok_spm {
    uint64_t *pairs;  /* (1 << pair_bits) bits: adjacent symbol pairs seen in token texts */
    unsigned pair_bits;
};

struct spm_sym {
    int32_t prev, next; /* neighbours within the segment, -1 at its ends */
    uint32_t off, n;    /* bytes [off, off+n) of the escaped text; n == 0: merged away */
    int32_t id;         /* token of the current text, ID_UNKNOWN until looked up */
};

struct spm_pair {
    float score;
    int32_t left, right;
    uint32_t size; /* bytes of the merged text when queued */
    int32_t id;    /* the token the merge makes */
};

struct spm_heap {
    struct spm_pair *v;
    size_t n, cap;
};

/* ---------------------------------------------------------------- heap */

/* a comes out of the heap before b */
static inline bool pair_before(const struct spm_pair *a, const struct spm_pair *b)
{
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static int heap_push(struct spm_heap *h, struct spm_pair p)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        struct spm_pair *q = realloc(h->v, cap * sizeof(*q));
        if (!q)
            return COLA_ENOMEM;
        h->v = q;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!pair_before(&p, &h->v[parent]))
            break;
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i] = p;
    return 0;
}

static struct spm_pair heap_pop(struct spm_heap *h)
{
    struct spm_pair top = h->v[0];
    struct spm_pair last = h->v[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && pair_before(&h->v[c + 1], &h->v[c]))
            c++;
        if (!pair_before(&h->v[c], &last))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (n)
        h->v[i] = last;
    return top;
}

/* ---------------------------------------------------------------- pair set */

/* A symbol (1-4 bytes) packed into 32 bits; equal symbols pack equally. */
static inline uint32_t sym_pack(const char *p, uint32_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    switch (n) {
    case 1: return u[0];
    case 2: return (uint32_t)u[0] | (uint32_t)u[1] << 8;
    case 3: return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16;
    default: return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
    }
}

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t pair_hash(const struct tok_spm *spm, uint32_t a, uint32_t b)
{
    return mix64((uint64_t)a << 32 | b) >> (64 - spm->pair_bits);
}

static inline bool pair_possible(const struct tok_spm *spm, uint32_t a, uint32_t b)
{
    uint64_t h = pair_hash(spm, a, b);
    return spm->pairs[h >> 6] >> (h & 63) & 1;
}

/* ---------------------------------------------------------------- segment cache */

struct seg_slot {
    uint64_t hash;
    uint32_t off, len;     /* the segment's bytes in the escaped text; len 0: empty slot */
    uint32_t ids, n_ids;   /* its tokens in seg_cache.ids */
};

struct seg_cache {
    struct seg_slot *slots; /* n_slots (a power of two), allocated on first use */
    size_t n_slots, count;
    struct tok_ids ids;
};

static uint64_t bytes_hash(const char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = mix64(h ^ w);
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    return mix64(h ^ w);
}

/* The slot holding text[off, off+len), or the empty slot where it would go. */
static struct seg_slot *cache_find(struct seg_cache *c, const char *text, uint32_t off, uint32_t len,
                                   uint64_t h)
{
    size_t mask = c->n_slots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct seg_slot *s = &c->slots[i];
        if (!s->len || (s->hash == h && s->len == len && !memcmp(text + s->off, text + off, len)))
            return s;
    }
}

/* ---------------------------------------------------------------- merging */

struct spm_state {
    const struct tok_vocab *v;
    const char *text;       /* the escaped text */
    struct spm_sym *syms;   /* the current segment's symbols */
    size_t n_syms, cap_syms;
    struct spm_heap heap;
    struct seg_cache cache;
};

/* Queue the pair (left, right) if their concatenation is a token. */
static int try_add_pair(struct spm_state *st, int32_t left, int32_t right)
{
    if (left < 0 || right < 0)
        return 0;
    const struct spm_sym *l = &st->syms[left], *r = &st->syms[right];
    uint32_t size = l->n + r->n;
    int32_t id = tok_lookup(st->v, st->text + l->off, size);
    if (id < 0)
        return 0;
    return heap_push(&st->heap, (struct spm_pair){st->v->tokens[id].score, left, right, size, id});
}

static int merge_all(struct spm_state *st)
{
    while (st->heap.n) {
        struct spm_pair p = heap_pop(&st->heap);
        struct spm_sym *l = &st->syms[p.left], *r = &st->syms[p.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != p.size)
            continue; /* stale: one side was merged since this pair was queued */
        l->n += r->n;
        l->id = p.id;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0)
            st->syms[r->next].prev = p.left;
        int rc = try_add_pair(st, l->prev, p.left);
        if (!rc)
            rc = try_add_pair(st, p.left, l->next);
        if (rc)
            return rc;
    }
    return 0;
}

/* A final symbol: its token, or its bytes' tokens (UNK for a byte the vocab
 * cannot spell: llama.cpp would throw there). */
static int emit_symbol(const struct spm_state *st, const struct spm_sym *s, struct tok_ids *out,
                       struct cola_err *err)
{
    const struct tok_vocab *v = st->v;
    int32_t id = s->id != ID_UNKNOWN ? s->id : tok_lookup(v, st->text + s->off, s->n);
    if (id >= 0)
        return tok_ids_push(out, id) ? err_set(err, COLA_ENOMEM, "too many tokens (at most %zu)", out->max) : 0;
    for (uint32_t j = 0; j < s->n; j++) {
        unsigned char b = (unsigned char)st->text[s->off + j];
        id = v->byte_ids[b];
        if (id < 0)
            id = v->special[TOK_SPECIAL_UNK];
        if (id < 0)
            return err_set(err, COLA_EFORMAT, "the vocab has neither a token for byte 0x%02X nor an unknown token", b);
        if (tok_ids_push(out, id))
            return err_set(err, COLA_ENOMEM, "too many tokens (at most %zu)", out->max);
    }
    return 0;
}

/* Merge and emit the current segment's symbols. */
static int merge_segment(struct spm_state *st, struct tok_ids *out, struct cola_err *err)
{
    int32_t n = (int32_t)st->n_syms;
    int rc = 0;
    st->syms[n - 1].next = -1;
    st->heap.n = 0;
    for (int32_t i = 1; i < n && !rc; i++)
        rc = try_add_pair(st, i - 1, i);
    if (rc || (rc = merge_all(st)))
        return err_set(err, COLA_ENOMEM, "out of memory in the SentencePiece tokenizer");
    for (int32_t i = 0; i >= 0 && !rc; i = st->syms[i].next)
        rc = emit_symbol(st, &st->syms[i], out, err);
    return rc;
}

/* Tokens of the current segment (from the cache when its text was seen in
 * this call), then empty it. */
static int flush_segment(struct spm_state *st, struct tok_ids *out, struct cola_err *err)
{
    if (st->n_syms == 0)
        return 0;
    size_t n = st->n_syms;
    const struct spm_sym *last = &st->syms[n - 1];
    uint32_t off = st->syms[0].off, len = last->off + last->n - off;
    struct seg_cache *c = &st->cache;
    struct seg_slot *slot = NULL;
    uint64_t h = 0;
    if (len <= CACHE_MAX_LEN && n > 1) {
        if (!c->slots && !(c->slots = calloc(c->n_slots, sizeof(*c->slots))))
            return err_set(err, COLA_ENOMEM, "out of memory in the SentencePiece tokenizer");
        h = bytes_hash(st->text + off, len);
        slot = cache_find(c, st->text, off, len, h);
    }
    st->n_syms = 0;
    if (slot && slot->len) {
        for (uint32_t i = 0; i < slot->n_ids; i++)
            if (tok_ids_push(out, c->ids.ids[slot->ids + i]))
                return err_set(err, COLA_ENOMEM, "too many tokens (at most %zu)", out->max);
        return 0;
    }
    size_t start = out->n;
    st->n_syms = n;
    int rc = merge_segment(st, out, err);
    st->n_syms = 0;
    if (rc || !slot || c->count >= c->n_slots / 2)
        return rc;
    *slot = (struct seg_slot){h, off, len, (uint32_t)c->ids.n, (uint32_t)(out->n - start)};
    for (size_t i = start; i < out->n; i++)
        if (tok_ids_push(&c->ids, out->ids[i])) {
            slot->len = 0; /* could not keep it: forget it */
            return 0;
        }
    c->count++;
    return 0;
}

static int add_symbol(struct spm_state *st, uint32_t off, uint32_t n)
{
    if (st->n_syms == st->cap_syms) {
        size_t cap = st->cap_syms ? st->cap_syms * 2 : 256;
        struct spm_sym *p = realloc(st->syms, cap * sizeof(*p));
        if (!p)
            return COLA_ENOMEM;
        st->syms = p;
        st->cap_syms = cap;
    }
    int32_t i = (int32_t)st->n_syms++;
    st->syms[i] = (struct spm_sym){i - 1, i + 1, off, n, ID_UNKNOWN};
    return 0;
}

int tok_spm_encode(const struct tok_vocab *v, const char *text, size_t len, struct tok_ids *out,
                   struct cola_err *err)
{
    struct buf esc;
    buf_init(&esc, 3 * TOK_MAX_TEXT_LEN + 8);
    struct spm_state st = {v, NULL, NULL, 0, 0, {0}, {0}};
    st.cache.n_slots = 64; /* about one slot per 4 bytes of text, at most CACHE_SLOTS_MAX */
    while (st.cache.n_slots < CACHE_SLOTS_MAX && st.cache.n_slots < len / 4)
        st.cache.n_slots *= 2;
    tok_ids_init(&st.cache.ids, st.cache.n_slots * 32);
    size_t spaces = 0;
    for (size_t i = 0; i < len; i++)
        spaces += text[i] == ' ';
    int rc = buf_reserve(&esc, len + 2 * spaces);
    if (!rc)
        rc = tok_escape_spaces(text, len, &esc);
    if (rc || esc.len > INT32_MAX) {
        rc = err_set(err, rc ? rc : COLA_ERANGE, "text too long for the SentencePiece tokenizer");
        goto out;
    }
    st.text = esc.data ? esc.data : "";
    uint32_t prev = 0;
    for (size_t off = 0; off < esc.len && !rc;) {
        size_t n = tok_utf8_len((unsigned char)st.text[off]);
        if (n > esc.len - off)
            n = esc.len - off;
        uint32_t cur = sym_pack(st.text + off, (uint32_t)n);
        if (st.n_syms && !(v->spm && pair_possible(v->spm, prev, cur)))
            rc = flush_segment(&st, out, err); /* no token joins prev and cur: a cut */
        if (!rc && add_symbol(&st, (uint32_t)off, (uint32_t)n))
            rc = err_set(err, COLA_ENOMEM, "out of memory tokenizing %zu bytes", len);
        prev = cur;
        off += n;
    }
    if (!rc)
        rc = flush_segment(&st, out, err);
out:
    free(st.syms);
    free(st.heap.v);
    free(st.cache.slots);
    tok_ids_free(&st.cache.ids);
    buf_free(&esc);
    return rc;
}

/* ---------------------------------------------------------------- load */

/* Visit each adjacent symbol pair of each token text. */
static void for_each_pair(const struct tok_vocab *v, void (*fn)(struct tok_spm *, uint32_t, uint32_t),
                         struct tok_spm *spm)
{
    for (int32_t id = 0; id < v->n_tokens; id++) {
        const struct tok_token *t = &v->tokens[id];
        uint32_t prev = 0, off = 0;
        for (uint32_t k = 0; off < t->len; k++) {
            uint32_t n = (uint32_t)tok_utf8_len((unsigned char)t->text[off]);
            if (n > t->len - off)
                n = t->len - off;
            uint32_t cur = sym_pack(t->text + off, n);
            if (k > 0)
                fn(spm, prev, cur);
            prev = cur;
            off += n;
        }
    }
}

static void count_pair(struct tok_spm *spm, uint32_t a, uint32_t b)
{
    (void)a;
    (void)b;
    spm->pair_bits++; /* used as a counter until the set is sized */
}

static void set_pair(struct tok_spm *spm, uint32_t a, uint32_t b)
{
    uint64_t h = pair_hash(spm, a, b);
    spm->pairs[h >> 6] |= 1ull << (h & 63);
}

int tok_spm_load(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err)
{
    (void)g;
    struct tok_spm *spm = calloc(1, sizeof(*spm));
    if (!spm)
        return err_set(err, COLA_ENOMEM, "out of memory for the SentencePiece pair set");
    for_each_pair(v, count_pair, spm);
    size_t n_pairs = spm->pair_bits; /* with repeats: an upper bound */
    unsigned bits = 12;              /* >= 8 bits per pair keeps hidden cuts rare */
    while (bits < 24 && ((size_t)1 << bits) < n_pairs * 8)
        bits++;
    spm->pair_bits = bits;
    spm->pairs = calloc((size_t)1 << (bits - 6), sizeof(uint64_t));
    if (!spm->pairs) {
        free(spm);
        return err_set(err, COLA_ENOMEM, "out of memory for the SentencePiece pair set");
    }
    for_each_pair(v, set_pair, spm);
    v->spm = spm;
    return 0;
}

void tok_spm_free(struct tok_vocab *v)
{
    if (v->spm)
        free(v->spm->pairs);
    free(v->spm);
    v->spm = NULL;
}
