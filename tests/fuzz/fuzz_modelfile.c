/* fuzz_modelfile.c — libFuzzer target for the Modelfile parser.
 *
 * Every input goes through mf_parse(). When it parses, every command must be
 * valid UTF-8 (the decoder re-encodes what it reads, and JSON strings need
 * it), the text form is built and parsed again (it may fail, never crash),
 * and each command's value is typed as a PARAMETER (Go strconv syntax) and
 * turned into its JSON value and merged into a params object. The create
 * request itself is not built: it looks at the file system.
 * ASan/UBSan and the leak checker do the rest.
 *
 * Seeds: any Modelfile; tests/unit/test_modelfile.c holds many.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "store/modelfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool valid_utf8(const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t n = (utf8proc_ssize_t)strlen(s);
    while (n > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, n, &cp);
        if (k <= 0)
            return false;
        p += k;
        n -= k;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mf_file f;
    struct cola_err err = {0};
    if (mf_parse(data, size, &f, &err) != 0) {
        if (err.msg[0] == '\0')
            abort(); /* every failure says why */
        mf_file_free(&f);
        return 0;
    }
    bool has_from = false;
    json_t *params = NULL;
    for (size_t i = 0; i < f.n; i++) {
        if (!valid_utf8(f.cmds[i].name) || !valid_utf8(f.cmds[i].args))
            abort();
        has_from |= strcmp(f.cmds[i].name, "model") == 0;
        const char *v = f.cmds[i].args;
        struct mf_pval pv;
        struct cola_err perr = {0};
        (void)mf_param_parse(f.cmds[i].name, &v, 1, &pv, &perr);
        if (!params)
            params = json_object();
        if (params && mf_params_add(params, f.cmds[i].name, v, &perr) == 0 &&
            !json_object_get(params, f.cmds[i].name))
            abort(); /* a typed parameter lands in the object */
    }
    json_decref(params);
    if (!has_from)
        abort(); /* success means there is a FROM */
    char *text = mf_file_string(&f);
    if (text) {
        struct mf_file g;
        struct cola_err gerr = {0};
        (void)mf_parse(text, strlen(text), &g, &gerr);
        mf_file_free(&g);
        free(text);
    }
    mf_file_free(&f);
    return 0;
}
