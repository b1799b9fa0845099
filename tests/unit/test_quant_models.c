/* Unit test for src/engine/quant against real files: the stories260K
 * derivatives in ../shared/models were made from stories260K-f32.gguf with
 * ggml's reference quantizers (llama.cpp b10470). For every tensor of each
 * derived file:
 *   - dequantizing it gives the f32 tensor within the bounds of
 *     test_quant_bounds.h for its type (F32 tensors: exactly);
 *   - quantizing the f32 tensor to its type with cola's reference quantizer
 *     gives exactly the file's bytes.
 * Skips (with a message) when the shared models are absent.
 */
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gguf.h"
#include "engine/quant.h"
#include "test_quant_bounds.h"

struct type_tally {
    int tensors, exact;
    double worst_rmse_ratio, worst_blk;
};

/* Checks one derived tensor t against its f32 original s; 0 if all is well. */
static int check_tensor(const struct gguf_tensor *t, const struct gguf_tensor *s,
                        struct type_tally *tally)
{
    const struct qt_traits *tr = qt_get_traits((int)t->type);
    if (!tr || !tr->to_float) {
        fprintf(stderr, "%s: type %s cannot be computed\n", t->name, qt_type_name((int)t->type));
        return -1;
    }
    if (s->type != QT_TYPE_F32 || s->n_dims != t->n_dims || memcmp(s->ne, t->ne, sizeof s->ne)) {
        fprintf(stderr, "%s: not the same shape/type as in the f32 file\n", t->name);
        return -1;
    }
    const int64_t n = gguf_tensor_nelements(t);
    size_t row;
    if (qt_row_size((int)t->type, t->ne[0], &row) || row * (uint64_t)(n / t->ne[0]) != t->nbytes) {
        fprintf(stderr, "%s: %" PRIu64 " bytes, not what %s implies\n", t->name, t->nbytes, tr->name);
        return -1;
    }
    int rc = -1;
    float *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    uint8_t *q = malloc(t->nbytes);
    if (!x || !y || !q)
        goto out;
    memcpy(x, s->data, (size_t)n * sizeof *x);
    tr->to_float(t->data, y, n);
    struct qb_result r;
    bool within = qb_check((int)t->type, x, y, (long)n, &r);
    tr->from_float(x, q, n);
    bool exact = memcmp(q, t->data, t->nbytes) == 0;
    if (!within)
        fprintf(stderr, "%s (%s): rmse %.4g > %.4g or block %ld at %.3f x its bound\n", t->name,
                tr->name, r.rmse, r.rmse_bound, r.worst_blk_index, r.worst_blk);
    if (!exact) {
        size_t k = 0;
        while (q[k] == ((const uint8_t *)t->data)[k])
            k++;
        fprintf(stderr, "%s (%s): quantizing the f32 tensor differs from the file at byte %zu "
                "(block %zu)\n", t->name, tr->name, k, k / tr->type_size);
    }
    tally->tensors++;
    tally->exact += exact;
    if (r.rmse_bound > 0 && r.rmse / r.rmse_bound > tally->worst_rmse_ratio)
        tally->worst_rmse_ratio = r.rmse / r.rmse_bound;
    if (r.worst_blk > tally->worst_blk)
        tally->worst_blk = r.worst_blk;
    rc = within && exact ? 0 : -1;
out:
    free(x);
    free(y);
    free(q);
    return rc;
}

static void check_derived(const char *f32_path, const char *derived_path)
{
    struct cola_err err;
    err_clear(&err);
    struct gguf_file *f32 = NULL, *der = NULL;
    if (gguf_open(f32_path, &f32, &err) || gguf_open(derived_path, &der, &err)) {
        fprintf(stderr, "open: %s\n", err_msg(&err));
        fail();
    }
    assert_int_equal(gguf_tensor_count(der), gguf_tensor_count(f32));
    struct type_tally tally[QT_TYPE_COUNT];
    memset(tally, 0, sizeof tally);
    int failures = 0;
    for (int64_t i = 0; i < gguf_tensor_count(der); i++) {
        const struct gguf_tensor *t = gguf_tensor_at(der, i);
        const struct gguf_tensor *s = gguf_find_tensor(f32, t->name);
        assert_non_null(t);
        if (!s) {
            fprintf(stderr, "%s: absent from the f32 file\n", t->name);
            failures++;
            continue;
        }
        failures += check_tensor(t, s, &tally[t->type]) != 0;
    }
    printf("  %s:\n", strrchr(derived_path, '/') + 1);
    for (int ty = 0; ty < QT_TYPE_COUNT; ty++) {
        if (tally[ty].tensors)
            printf("    %-5s %2d tensors, %2d byte-identical; worst rmse %.2f of bound, worst "
                   "block %.2f of bound\n", qt_type_name(ty), tally[ty].tensors, tally[ty].exact,
                   tally[ty].worst_rmse_ratio, tally[ty].worst_blk);
    }
    gguf_close(der);
    gguf_close(f32);
    assert_int_equal(failures, 0);
}

#define MODEL_TEST(name, file)                                                      \
    static void name(void **state)                                                  \
    {                                                                               \
        (void)state;                                                                \
        TU_SHARED_OR_SKIP(f32_tmp, "models/stories260K-f32.gguf");                  \
        char f32_path[4096];                                                        \
        snprintf(f32_path, sizeof f32_path, "%s", f32_tmp);                         \
        TU_SHARED_OR_SKIP(derived, "models/" file);                                 \
        check_derived(f32_path, derived);                                           \
    }
MODEL_TEST(test_stories_f16, "stories260K-f16-derived.gguf")
MODEL_TEST(test_stories_q8_0, "stories260K-q8_0-derived.gguf")
MODEL_TEST(test_stories_q4_0, "stories260K-q4_0-derived.gguf")

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stories_f16),
        cmocka_unit_test(test_stories_q8_0),
        cmocka_unit_test(test_stories_q4_0),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
