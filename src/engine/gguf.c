/* PLACEHOLDER — being implemented (issue 2). */
#include "engine/gguf.h"

int gguf_open(const char *path, struct gguf_file **out, struct cola_err *err)
{
    *out = NULL;
    return err_set(err, COLA_EUNSUPPORTED, "%s: GGUF reader not implemented yet", path);
}
