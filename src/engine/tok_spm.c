/* tok_spm.c — SentencePiece-style (BPE by score) encoding, as llama.cpp's
 * llm_tokenizer_spm_session.
 *
 * The text (spaces already escaped to U+2581) starts as one symbol per UTF-8
 * character. Every adjacent pair whose concatenation is a token goes into a
 * max-heap ordered by the token's score, ties to the leftmost pair. The best
 * pair is merged, its neighbours' pairs are queued, and stale entries (a side
 * already merged away or grown) are skipped when popped. What remains are
 * tokens, or single characters the vocab lacks, which fall back to their
 * bytes' <0xNN> tokens.
 *
 * llama.cpp also keeps a reverse-merge map (text -> the pair that formed it)
 * and "resegments" a leftover symbol through it. That map only ever holds
 * texts that are tokens, and it is consulted only for a symbol whose text is
 * NOT a token, so the lookup cannot succeed: resegmentation is exactly the
 * byte fallback below (the full llama.cpp test suite agrees, see test_tok_spm.c).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/tok_internal.h"

struct spm_sym {
    int32_t prev, next;
    uint32_t off, n; /* bytes [off, off+n) of the escaped text; n == 0: merged away */
};

struct spm_pair {
    float score;
    int32_t left, right;
    uint32_t size; /* bytes of the merged text when queued */
};

struct spm_heap {
    struct spm_pair *v;
    size_t n, cap;
};

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

struct spm_state {
    const struct tok_vocab *v;
    const char *text;
    struct spm_sym *syms;
    struct spm_heap heap;
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
    return heap_push(&st->heap, (struct spm_pair){st->v->tokens[id].score, left, right, size});
}

static int merge_all(struct spm_state *st)
{
    while (st->heap.n) {
        struct spm_pair p = heap_pop(&st->heap);
        struct spm_sym *l = &st->syms[p.left], *r = &st->syms[p.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != p.size)
            continue; /* stale: one side was merged since this pair was queued */
        l->n += r->n;
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
    int32_t id = tok_lookup(v, st->text + s->off, s->n);
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

/* Symbols of the escaped text, one per UTF-8 character (by lead byte). */
static int split_symbols(struct spm_state *st, size_t len, size_t *n_syms)
{
    st->syms = malloc((len ? len : 1) * sizeof(*st->syms));
    if (!st->syms)
        return COLA_ENOMEM;
    size_t n = 0, off = 0;
    while (off < len) {
        size_t l = tok_utf8_len((unsigned char)st->text[off]);
        if (l > len - off)
            l = len - off;
        st->syms[n] = (struct spm_sym){(int32_t)n - 1, 0, (uint32_t)off, (uint32_t)l};
        off += l;
        st->syms[n].next = off == len ? -1 : (int32_t)n + 1;
        n++;
    }
    *n_syms = n;
    return 0;
}

int tok_spm_encode(const struct tok_vocab *v, const char *text, size_t len, struct tok_ids *out,
                   struct cola_err *err)
{
    struct buf esc;
    buf_init(&esc, 3 * TOK_MAX_TEXT_LEN + 8);
    struct spm_state st = {v, NULL, NULL, {0}};
    size_t n_syms = 0;
    int rc = tok_escape_spaces(text, len, &esc);
    if (rc || esc.len > INT32_MAX) {
        rc = err_set(err, rc ? rc : COLA_ERANGE, "text too long for the SentencePiece tokenizer");
        goto out;
    }
    st.text = esc.data ? esc.data : "";
    if ((rc = split_symbols(&st, esc.len, &n_syms)))
        goto oom;
    for (size_t i = 1; i < n_syms && !rc; i++)
        rc = try_add_pair(&st, (int32_t)i - 1, (int32_t)i);
    if (rc || (rc = merge_all(&st)))
        goto oom;
    for (int32_t i = n_syms ? 0 : -1; i >= 0 && !rc; i = st.syms[i].next)
        rc = emit_symbol(&st, &st.syms[i], out, err);
    goto out;
oom:
    rc = err_set(err, COLA_ENOMEM, "out of memory tokenizing %zu bytes", len);
out:
    free(st.syms);
    free(st.heap.v);
    buf_free(&esc);
    return rc;
}

int tok_spm_load(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err)
{
    (void)v;
    (void)g;
    (void)err;
    return 0; /* everything SPM needs is loaded by tok_vocab.c */
}

void tok_spm_free(struct tok_vocab *v) { (void)v; }
