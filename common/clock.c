#include "common/clock.h"

#include <time.h>

static uint64_t ts_us(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000ull;
}

uint64_t clock_now_us(void) {
    return ts_us(CLOCK_MONOTONIC);
}
uint64_t clock_wall_us(void) {
    return ts_us(CLOCK_REALTIME);
}

uint64_t clock_us_to_ntp(uint64_t wall_us) {
    /* Seconds between 1900 (NTP epoch) and 1970 (Unix epoch). */
    uint64_t secs = wall_us / 1000000ull + 2208988800ull;
    uint64_t frac = ((wall_us % 1000000ull) << 32) / 1000000ull;
    return (secs << 32) | frac;
}
