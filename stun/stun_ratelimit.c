/* Token buckets per source: see stun_ratelimit.h. */
#include "stun/stun_ratelimit.h"

#include <netinet/in.h>
#include <string.h>

#define UNITS_PER_TOKEN 1000000ull

void stun_ratelimit_init(stun_ratelimit *rl, uint32_t rate_per_sec, uint32_t burst, uint64_t seed) {
    memset(rl, 0, sizeof *rl);
    rl->rate = rate_per_sec;
    rl->cap = (uint64_t)burst * UNITS_PER_TOKEN;
    rl->seed = seed;
}

/* Sources are keyed by IPv4 address (in IPv4-mapped form, so a dual-stack
 * socket's ::ffff:a.b.c.d shares a bucket with a.b.c.d) or IPv6 /64. */
static int make_key(const struct sockaddr *sa, uint8_t key[16]) {
    memset(key, 0, 16);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        key[10] = key[11] = 0xFF;
        memcpy(key + 12, &sin->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
            memcpy(key, sin6->sin6_addr.s6_addr, 16);
        else
            memcpy(key, sin6->sin6_addr.s6_addr, 8);
        return 0;
    }
    return -1;
}

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ull;
    x ^= x >> 33;
    return x;
}

static size_t slot_index(const stun_ratelimit *rl, const uint8_t key[16]) {
    uint64_t a, b;
    memcpy(&a, key, 8);
    memcpy(&b, key + 8, 8);
    return (size_t)(mix64(mix64(rl->seed ^ a) ^ b) & (STUN_RL_SLOTS - 1));
}

/* Finds src's slot, or claims a free one, or evicts the least recently
 * touched one in the probe window. Never fails. */
static stun_rl_slot *lookup(stun_ratelimit *rl, const uint8_t key[16]) {
    size_t home = slot_index(rl, key);
    stun_rl_slot *victim = NULL;
    for (size_t i = 0; i < STUN_RL_PROBE; i++) {
        stun_rl_slot *s = &rl->slots[(home + i) & (STUN_RL_SLOTS - 1)];
        if (s->used && memcmp(s->key, key, 16) == 0) return s;
        if (!s->used) {
            if (!victim || victim->used) victim = s;
        } else if (!victim || (victim->used && s->last_us < victim->last_us)) {
            victim = s;
        }
    }
    if (victim->used) rl->evictions++;
    memcpy(victim->key, key, 16);
    victim->used = 0; /* caller fills it as a fresh bucket */
    return victim;
}

int stun_ratelimit_allow(stun_ratelimit *rl, const struct sockaddr *src, uint64_t now_us) {
    uint8_t key[16];
    if (!src || make_key(src, key) != 0) return 0;

    stun_rl_slot *s = lookup(rl, key);
    if (!s->used) {
        s->used = 1;
        s->tokens = rl->cap;
        s->last_us = now_us;
    } else if (now_us > s->last_us && rl->rate > 0) {
        uint64_t elapsed = now_us - s->last_us;
        /* Compare before multiplying so that a long idle time cannot overflow. */
        if (elapsed >= rl->cap / rl->rate + 1 || s->tokens + elapsed * rl->rate >= rl->cap)
            s->tokens = rl->cap;
        else
            s->tokens += elapsed * rl->rate;
    }
    if (now_us > s->last_us) s->last_us = now_us;

    if (s->tokens < UNITS_PER_TOKEN) return 0;
    s->tokens -= UNITS_PER_TOKEN;
    return 1;
}
