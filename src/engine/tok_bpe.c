/* PLACEHOLDER — byte-level BPE, being implemented (issue 2). */
#include "engine/tok_internal.h"

int tok_bpe_load(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err)
{
    (void)v;
    (void)g;
    return err_set(err, COLA_EUNSUPPORTED, "BPE tokenizer not implemented yet");
}

void tok_bpe_free(struct tok_vocab *v) { (void)v; }

int tok_bpe_encode(const struct tok_vocab *v, const char *text, size_t len, struct tok_ids *out,
                   struct cola_err *err)
{
    (void)v;
    (void)text;
    (void)len;
    (void)out;
    return err_set(err, COLA_EUNSUPPORTED, "BPE tokenizer not implemented yet");
}

int tok_bpe_text_to_bytes(const char *text, size_t len, struct buf *out)
{
    return buf_append(out, text, len);
}
