#include "loadtest/reconnect.h"

#include <string.h>
#include <strings.h>

static const char *const names[LT_RC__COUNT] = {
    "ws-closed", "shutting-down",       "transport-failed",
    "moving",    "cluster-unavailable", "ping-timeout",
};

const char *lt_rc_reason_name(lt_rc_reason r) {
    return (unsigned)r < LT_RC__COUNT ? names[r] : "?";
}

uint64_t lt_backoff_base_us(int step) {
    static const uint64_t ms[] = {500, 1000, 2000, 4000};
    if (step < 0) step = 0;
    return (step < 4 ? ms[step] : 5000) * 1000;
}

uint64_t lt_backoff_us(int step, uint32_t *rng) {
    /* xorshift32: reproducible with a seed, and a bot's jitter needs no
     * better randomness than that. */
    uint32_t x = *rng ? *rng : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *rng = x;
    uint64_t base = lt_backoff_base_us(step);
    /* factor 0.8 + 0.4 * u, u in [0, 1], in 1/65536 steps */
    uint64_t u = x >> 16;
    return base * (52429 + u * 26214 / 65535) / 65536;
}

int lt_entry_first(int bot_index, int n) {
    if (n < 1 || bot_index < 0) return 0;
    return bot_index % n;
}

int lt_entry_next(int cur, int n) {
    if (n < 1 || cur < 0) return 0;
    return (cur + 1) % n;
}

int lt_url_supported(const char *url) {
    return url && strncasecmp(url, "ws://", 5) == 0 && url[5] != '\0';
}

void lt_reconnects_init(lt_reconnects *r) {
    memset(r, 0, sizeof *r);
    histogram_init(&r->failover_us);
}

void lt_reconnects_merge(lt_reconnects *dst, const lt_reconnects *src) {
    dst->count += src->count;
    for (int i = 0; i < LT_RC__COUNT; i++)
        dst->by_reason[i] += src->by_reason[i];
    dst->attempts += src->attempts;
    dst->reconnecting += src->reconnecting;
    dst->disconnected += src->disconnected;
    histogram_merge(&dst->failover_us, &src->failover_us);
}
