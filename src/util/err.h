/* err.h — error codes and the error buffer every module reports through.
 *
 * Contract: functions return 0 on success or a negative COLA_E* code, and write
 * results through out-parameters. A caller that wants words passes a
 * struct cola_err; the FIRST message written wins (later, less specific
 * messages from outer layers do not overwrite the root cause). Passing NULL
 * for the error buffer is always allowed.
 *
 * Thread safety: a struct cola_err belongs to one caller; the functions here
 * keep no global state.
 */
#ifndef COLA_UTIL_ERR_H
#define COLA_UTIL_ERR_H

#include <stddef.h>

enum cola_errcode {
    COLA_OK = 0,
    COLA_EINVAL = -1,       /* bad argument or request */
    COLA_ENOMEM = -2,       /* allocation failed or a size limit was hit */
    COLA_EIO = -3,          /* read/write/open failed */
    COLA_EFORMAT = -4,      /* malformed input file or data */
    COLA_ERANGE = -5,       /* a value or length outside its allowed range */
    COLA_ENOTFOUND = -6,    /* key, tensor, file or model not present */
    COLA_ETYPE = -7,        /* value present but of another type */
    COLA_EUNSUPPORTED = -8, /* valid, but not implemented by cola */
    COLA_ECANCELED = -9,    /* stopped on request */
};

#define COLA_ERR_MSG_MAX 512

struct cola_err {
    int code;                    /* 0 until an error is set */
    char msg[COLA_ERR_MSG_MAX];  /* NUL-terminated, "" until set */
};

/* Clear e (no-op for NULL). */
void err_clear(struct cola_err *e);

/* Record an error unless one is already recorded; returns code so callers can
 * write `return err_set(e, COLA_EFORMAT, "...")`. e may be NULL. */
int err_set(struct cola_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Short English name of a code ("format error"), never NULL. */
const char *err_name(int code);

/* The message of e, or the name of its code when no message was written. */
const char *err_msg(const struct cola_err *e);

#endif
