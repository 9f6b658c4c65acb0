/* Reconnecting bots of relais-loadtest: the pure parts (no IO, no clock, no
 * allocation), kept apart from bot_session.c so that they can be unit-tested.
 *
 * A bot that was joined and loses its node (docs/protocol.md, "Reconnecting")
 * tears its session down and joins again through the next entry URL, after a
 * growing delay. One such episode is a *reconnect*: it starts when the bot
 * notices the failure and completes when media flows again (the first RTP
 * packet from a room mate on the new subscribe connection, or, alone in the
 * room, its new publish connection being up). Every WebSocket opened during
 * an episode is an *attempt*; --max-reconnects bounds a bot's attempts. */
#ifndef RELAIS_LOADTEST_RECONNECT_H
#define RELAIS_LOADTEST_RECONNECT_H

#include <stdint.h>

#include "loadtest/histogram.h"

#define LT_MAX_URLS 8 /* --url given this many times at most */

/* Why a reconnect started; names as in the report. */
typedef enum {
    LT_RC_WS_CLOSED = 0,       /* the WebSocket closed without our leave */
    LT_RC_SHUTTING_DOWN,       /* fatal error `shutting-down` */
    LT_RC_TRANSPORT_FAILED,    /* a connected ICE/DTLS transport failed */
    LT_RC_MOVING,              /* `redirect` to a joined bot (node draining) */
    LT_RC_CLUSTER_UNAVAILABLE, /* `join` answered with `cluster-unavailable` */
    LT_RC_PING_TIMEOUT,        /* no `pong` within LT_PONG_TIMEOUT_US of a ping */
    LT_RC__COUNT
} lt_rc_reason;

#define LT_PONG_TIMEOUT_US 10000000ull

/* "ws-closed", "shutting-down", ...; "?" out of range. */
const char *lt_rc_reason_name(lt_rc_reason r);

/* Delay before attempt `step` of an episode (0 = first): 0.5, 1, 2, 4 s,
 * then 5 s for every later step, each times a factor drawn uniformly from
 * [0.8, 1.2] with *rng (any seed; 0 is replaced by a constant). Spreading
 * the attempts keeps a cluster that lost a node from being flooded by every
 * bot at once. Result in µs; a negative step counts as 0. */
uint64_t lt_backoff_us(int step, uint32_t *rng);

/* The nominal delay of `step`, without jitter, in µs. */
uint64_t lt_backoff_base_us(int step);

/* Entry URLs are used like a load balancer's backends: bot number i (from
 * 0) starts at entry i % n, and every attempt after a failure moves to the
 * next one, round-robin, so that a dead entry is skipped. n < 1 gives 0. */
int lt_entry_first(int bot_index, int n);
int lt_entry_next(int cur, int n);

/* 1 when the bots can connect to url: ws:// only (ws_client has no TLS). */
int lt_url_supported(const char *url);

/* Reconnect statistics, summed over bots and workers. */
typedef struct lt_reconnects {
    uint64_t count;                   /* episodes started */
    uint64_t by_reason[LT_RC__COUNT]; /* episodes per reason; sums to count */
    uint64_t attempts;                /* WebSockets opened during episodes */
    uint64_t reconnecting;            /* bots in an episode, still trying */
    uint64_t disconnected;            /* bots in an episode: trying or given up */
    histogram failover_us;            /* completed episodes: noticed -> media again */
} lt_reconnects;

void lt_reconnects_init(lt_reconnects *r);
void lt_reconnects_merge(lt_reconnects *dst, const lt_reconnects *src);

#endif
