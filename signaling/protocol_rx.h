/* The receive side of one signaling session, without sockets: messages
 * assembled from WebSocket fragments, and the per-session limits on how
 * many messages of each class a client may send (docs/protocol.md,
 * "Limits"). server.c feeds libwebsockets' fragments through exactly these
 * functions, so the unit tests and fuzz_protocol_rx exercise the node's own
 * receive path.
 *
 * A proto_rx and a proto_limiter belong to their session (control thread);
 * no globals. Time is the caller's monotonic `now` in microseconds. */
#ifndef RELAIS_PROTOCOL_RX_H
#define RELAIS_PROTOCOL_RX_H

#include <stddef.h>
#include <stdint.h>

#include "signaling/protocol.h"

/* ---- assembling messages -------------------------------------------------- */

typedef struct proto_rx {
    char *buf; /* NULL until the first non-empty fragment */
    size_t len, cap;
    size_t max;  /* largest message accepted */
    int discard; /* the rest of a refused message is dropped */
} proto_rx;

typedef enum {
    PROTO_RX_MORE,      /* fragment taken (or dropped); nothing to do */
    PROTO_RX_MESSAGE,   /* a whole text message: *msg, *msg_len */
    PROTO_RX_BINARY,    /* a binary message began: answer bad-json once */
    PROTO_RX_TOO_LARGE, /* the message passed max: answer too-large */
    PROTO_RX_NOMEM,     /* no memory for it: answer internal */
} proto_rx_result;

void proto_rx_init(proto_rx *rx, size_t max);
/* One fragment as libwebsockets delivers it (in may be NULL when len is 0;
 * a message may be empty). On PROTO_RX_MESSAGE, *msg points at len bytes
 * (not NUL-terminated; never NULL) valid until the next proto_rx_feed or
 * proto_rx_done. After any result but MORE, the remaining fragments of the
 * same message are dropped. */
proto_rx_result proto_rx_feed(proto_rx *rx, const void *in, size_t len, int first, int final,
                              int binary, const char **msg, size_t *msg_len);
/* After a message was handled: keeps a small buffer, frees a large one. */
void proto_rx_done(proto_rx *rx);
void proto_rx_free(proto_rx *rx);

/* ---- limits per session --------------------------------------------------- */

/* Message classes, each with its own token bucket. The rates are what a
 * well-behaved client needs many times over: the node has at most one
 * subscribe-offer outstanding, a browser trickles a few dozen candidates
 * per connection, a person toggles mute a few times a second at most. */
typedef enum {
    PROTO_CLASS_ANY,       /* every frame, before it is parsed */
    PROTO_CLASS_NEGOTIATE, /* publish, subscribe-answer */
    PROTO_CLASS_CANDIDATE, /* candidate */
    PROTO_CLASS_STATE,     /* mute */
    PROTO_CLASS_OTHER,     /* join, leave, ping, and messages that fail to decode */
    PROTO_CLASS__COUNT
} proto_class;

/* Default rate (per second) and burst of each class. */
typedef struct proto_limit_spec {
    const char *name;
    double rate, burst;
} proto_limit_spec;
extern const proto_limit_spec proto_limit_defaults[PROTO_CLASS__COUNT];

proto_class proto_class_of(proto_type t); /* out-of-range: OTHER */

typedef struct proto_limiter {
    double tokens[PROTO_CLASS__COUNT];
    uint64_t last_us[PROTO_CLASS__COUNT];
    uint64_t told_us[PROTO_CLASS__COUNT]; /* last rate-limited error sent */
    unsigned scale_pct;                   /* percent of the defaults; 0 = no limits */
    uint64_t refused;                     /* messages refused, for the metrics */
} proto_limiter;

/* scale_pct: percent of the default rates and bursts (100 = as documented,
 * 0 = unlimited). Buckets start full. */
void proto_limiter_init(proto_limiter *l, unsigned scale_pct, uint64_t now_us);

typedef enum {
    PROTO_LIMIT_OK,      /* handle the message */
    PROTO_LIMIT_REFUSE,  /* drop it and answer `rate-limited` */
    PROTO_LIMIT_SILENCE, /* drop it silently: the client was told within the last second */
} proto_limit_verdict;

/* Takes one token of class c. */
proto_limit_verdict proto_limit_take(proto_limiter *l, proto_class c, uint64_t now_us);

/* ---- who may open a session ------------------------------------------------ */

/* A browser's WebSocket request from the page at `origin` (the Origin
 * header, "scheme://host[:port]") to this node, which the browser calls
 * `host` (the Host header, "host[:port]"). Allowed: an http(s) origin whose
 * host name is the node's own (any port: the same machine), or an origin
 * equal (case-insensitive) to one of `allowed`, or any origin when
 * `allowed` holds "*". "null" (sandboxed and file pages) only with "*". */
int proto_origin_allowed(const char *origin, const char *host, const char *const *allowed,
                         size_t n_allowed);

#endif
