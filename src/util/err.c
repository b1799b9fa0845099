#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_clear(struct cola_err *e)
{
    if (!e)
        return;
    e->code = 0;
    e->msg[0] = '\0';
}

int err_set(struct cola_err *e, int code, const char *fmt, ...)
{
    if (!e || e->code != 0)
        return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return code;
}

const char *err_name(int code)
{
    switch (code) {
    case COLA_OK: return "success";
    case COLA_EINVAL: return "invalid argument";
    case COLA_ENOMEM: return "out of memory";
    case COLA_EIO: return "i/o error";
    case COLA_EFORMAT: return "format error";
    case COLA_ERANGE: return "value out of range";
    case COLA_ENOTFOUND: return "not found";
    case COLA_ETYPE: return "wrong type";
    case COLA_EUNSUPPORTED: return "not supported";
    case COLA_ECANCELED: return "canceled";
    default: return "unknown error";
    }
}

const char *err_msg(const struct cola_err *e)
{
    if (!e)
        return "unknown error";
    if (e->msg[0])
        return e->msg;
    return err_name(e->code);
}
