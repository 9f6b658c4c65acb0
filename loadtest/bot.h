/* Simulated participants ("bots") of relais-loadtest and the worker threads
 * that run them.
 *
 * A bot does what a browser does: it speaks the protocol of
 * docs/protocol.md over one WebSocket, publishes Opus + VP8 on its publish
 * connection and receives everyone else on its subscribe connection, each
 * with the node's own transport code (sfu/transport.c in client mode: libnice
 * as the controlling full ICE agent, DTLS client, libsrtp2).
 *
 * A joined bot that loses its node (WebSocket closed, `shutting-down`, a
 * connected transport failing, no `pong`, a `redirect` while joined) or whose
 * join meets `cluster-unavailable` tears its session down and joins the same
 * room under the same name again, through the next entry URL after a backoff
 * (loadtest/reconnect.h), publishing with new SSRCs.
 *
 * Threading: a bot belongs to one worker thread (a GMainContext) for its
 * whole life; the main thread creates bots through lt_worker_add_bot, which
 * hands the work over to the worker, and reads results only through the
 * snapshots the workers publish once a second. */
#ifndef RELAIS_LOADTEST_BOT_H
#define RELAIS_LOADTEST_BOT_H

#include <stdint.h>

#include "loadtest/histogram.h"
#include "loadtest/media_src.h"
#include "loadtest/reconnect.h"
#include "loadtest/rx_stats.h"

typedef struct lt_opts {
    /* Entry URLs (ws://host:port/ws), like a load balancer's backends: bot
     * i starts at urls[i % n_urls]; a reconnect moves on to the next one. */
    const char *urls[LT_MAX_URLS];
    int n_urls;
    const char *room_prefix;   /* rooms are <prefix>-<n> */
    const char *media_address; /* the bots' local address (host candidates) */
    uint16_t port_min, port_max;
    int audio, video; /* what publishers send */
    int video_kbps, fps, width, height;
    int dtx;
    int janus;          /* the URL is a Janus VideoRoom (loadtest/janus.h), not a Relais node */
    uint64_t ping_us;   /* between two `ping`s; 10 s without `pong` is a dead node */
    int max_reconnects; /* attempts per bot over the run (loadtest/reconnect.h) */
    uint64_t end_us;    /* clock_now_us() when the run ends: no attempt from then on */
} lt_opts;

/* Failure reasons, counted per bot (the first one wins). */
typedef enum {
    LT_FAIL_NONE = 0,
    LT_FAIL_CONNECT,   /* WebSocket could not connect or was closed */
    LT_FAIL_REFUSED,   /* the node answered the join with an error */
    LT_FAIL_NEGOTIATE, /* an SDP could not be built or was refused */
    LT_FAIL_ICE,
    LT_FAIL_DTLS,
    LT_FAIL_TIMEOUT, /* no media from every other publisher within the join deadline */
    LT_FAIL__COUNT
} lt_fail;

const char *lt_fail_name(lt_fail f);

/* What one worker has seen so far; published once a second. A bot is in
 * exactly one of: failed, disconnected (rc.disconnected: a reconnect under
 * way or given up), connected, or still joining. */
typedef struct lt_snapshot {
    int bots, connected, failed[LT_FAIL__COUNT];
    lt_reconnects rc;
    uint64_t packets_sent, bytes_sent;
    rx_totals audio, video;
    histogram join_us; /* WebSocket open -> media from every other publisher */
} lt_snapshot;

typedef struct lt_worker lt_worker;

/* Starts a worker thread. The media loops are encoded once by the caller and
 * shared read-only by all workers. */
lt_worker *lt_worker_new(int idx, const lt_opts *o, audio_loop *al, video_loop *vl);
/* Creates a bot on the worker: joins `room` as `name`; listener = receive only. */
void lt_worker_add_bot(lt_worker *w, int id, const char *room, int listener);
/* Copies the worker's latest snapshot. Thread-safe. */
void lt_worker_snapshot(lt_worker *w, lt_snapshot *out);
/* Leaves every bot (WebSocket close), takes a final snapshot, stops the
 * thread and frees it. */
void lt_worker_stop(lt_worker *w, lt_snapshot *final);

#endif
