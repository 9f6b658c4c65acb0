/* Logging: one line per event to stderr, with level and module tag.
 *
 * Never call these per packet. For events that can repeat at packet rate
 * (malformed input from the network, floods) use LOG_RATELIMITED, which
 * prints at most once per interval per call site and counts the rest.
 * Thread-safe: each line is written with a single write(2). */
#ifndef RELAIS_LOG_H
#define RELAIS_LOG_H

#include <stdint.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

void log_set_level(log_level lvl);
log_level log_get_level(void);
int log_parse_level(const char *s, log_level *out); /* 0 or -1 */
void log_msg(log_level lvl, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Per-call-site limiter state; zero-initialised static. Not shared across
 * threads in a meaningful way: a race only costs an extra or missing line. */
typedef struct log_limit {
    uint64_t next_us; /* earliest time the next line may be printed */
    uint64_t suppressed;
} log_limit;

/* Returns 1 if a line may be printed now (and how many were suppressed
 * since the last one in *suppressed), else 0. */
int log_limit_allow(log_limit *l, uint64_t now_us, uint64_t interval_us, uint64_t *suppressed);

#define LOG_D(tag, ...)                                                                            \
    do {                                                                                           \
        if (log_get_level() <= LOG_DEBUG) log_msg(LOG_DEBUG, tag, __VA_ARGS__);                    \
    } while (0)
#define LOG_I(tag, ...) log_msg(LOG_INFO, tag, __VA_ARGS__)
#define LOG_W(tag, ...) log_msg(LOG_WARN, tag, __VA_ARGS__)
#define LOG_E(tag, ...) log_msg(LOG_ERROR, tag, __VA_ARGS__)

/* At most one line per 10 s per call site; the next line says how many were
 * dropped. */
#define LOG_RATELIMITED(lvl, tag, fmt, ...)                                                        \
    do {                                                                                           \
        static log_limit _ll;                                                                      \
        uint64_t _sup;                                                                             \
        if (log_limit_allow(&_ll, clock_now_us(), 10000000ull, &_sup))                             \
            log_msg(lvl, tag, fmt " (%llu similar suppressed)", ##__VA_ARGS__,                     \
                    (unsigned long long)_sup);                                                     \
    } while (0)

#include "common/clock.h"

#endif
