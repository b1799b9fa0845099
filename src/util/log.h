/* log.h — leveled logging to stderr.
 *
 * The level comes from OLLAMA_DEBUG (as Ollama reads it: 1/true debug,
 * 2 trace, -1 warn, -2 error, 0/false/unset info) unless log_set_level() was
 * called. Messages are single lines prefixed with the time and level. Safe to
 * call from any thread (one fprintf per message).
 */
#ifndef COLA_UTIL_LOG_H
#define COLA_UTIL_LOG_H

enum log_level { LOG_TRACE = -8, LOG_DEBUG = -4, LOG_INFO = 0, LOG_WARN = 4, LOG_ERROR = 8 };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_trace(...) log_msg(LOG_TRACE, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
