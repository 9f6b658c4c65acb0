/* Per-source token buckets for the STUN server.
 *
 * A STUN server answers anyone, so a spoofed flood turns it into a reflector.
 * This caps how many answers one source gets: each source (an IPv4 address,
 * or an IPv6 /64, since one host can hold a whole /64) has a bucket of
 * `burst` tokens refilled at `rate_per_sec`; an answer costs one token.
 *
 * Pure: the caller passes `now_us`, nothing allocates. Buckets live in a
 * fixed open-addressing table; when a source's probe window is full, the
 * entry touched longest ago is evicted (an idle entry has refilled to a full
 * bucket anyway, so evicting it loses nothing). The table is owned by the
 * caller (embed the struct, ~160 KiB) and used by one thread. */
#ifndef RELAIS_STUN_RATELIMIT_H
#define RELAIS_STUN_RATELIMIT_H

#include <stdint.h>
#include <sys/socket.h>

#define STUN_RL_SLOTS 4096 /* power of two */
#define STUN_RL_PROBE 8    /* slots looked at per lookup */

typedef struct stun_rl_slot {
    uint8_t key[16];  /* IPv4-mapped IPv6 address, or IPv6 /64 prefix + zeros */
    uint64_t last_us; /* last refill */
    uint64_t tokens;  /* in millionths of an answer */
    uint8_t used;
} stun_rl_slot;

typedef struct stun_ratelimit {
    uint64_t rate;      /* refill, millionths of an answer per µs (= answers per s) */
    uint64_t cap;       /* burst, in millionths */
    uint64_t seed;      /* hash key, so senders cannot aim at one probe window */
    uint64_t evictions; /* live entries replaced by a new source */
    stun_rl_slot slots[STUN_RL_SLOTS];
} stun_ratelimit;

/* Empties the table. rate_per_sec 0 means buckets never refill; burst 0
 * means nothing is ever allowed. seed should be random in production and
 * fixed in tests. */
void stun_ratelimit_init(stun_ratelimit *rl, uint32_t rate_per_sec, uint32_t burst, uint64_t seed);

/* Takes one token from src's bucket (AF_INET or AF_INET6; the port is
 * ignored). Returns 1 if src may be answered now, 0 if not (also for other
 * address families). now_us must come from a monotonic clock; going
 * backwards is treated as no time passing. */
int stun_ratelimit_allow(stun_ratelimit *rl, const struct sockaddr *src, uint64_t now_us);

#endif
