/* The pure core of the cluster (docs/cluster.md): node records as stored in
 * Redis, room placement by weighted rendezvous hashing, and the small parsers
 * the cluster options need. No sockets, no clock (callers pass `now`), no
 * globals: every function is thread-safe and unit-tested with a fake clock.
 *
 * A node record is the value of `relais:node:<id>`, one line of
 * space-separated key=value pairs, e.g.
 *   v=1 url=wss://b2.example.org/ws state=active capacity=500 participants=12
 *   rooms=3 load=0.042 heartbeat=1763790000123
 * Unknown keys are ignored (later versions may add some); `v` must be 1. */
#ifndef RELAIS_CLUSTER_CORE_H
#define RELAIS_CLUSTER_CORE_H

#include <stddef.h>
#include <stdint.h>

#define CLUSTER_ID_MAX 64      /* node id bytes: [A-Za-z0-9._-], 1..64 */
#define CLUSTER_URL_MAX 255    /* public URL bytes */
#define CLUSTER_RECORD_MAX 512 /* encoded node record, NUL included */
#define CLUSTER_HOST_MAX 255

typedef enum cluster_state {
    CLUSTER_ACTIVE = 0,
    CLUSTER_DRAINING = 1,
} cluster_state;

typedef struct cluster_node {
    char id[CLUSTER_ID_MAX + 1];
    char url[CLUSTER_URL_MAX + 1]; /* ws:// or wss:// URL of its /ws */
    cluster_state state;
    uint32_t capacity;     /* participants it accepts, >= 1 */
    uint32_t participants; /* now */
    uint32_t rooms;        /* now */
    double load;           /* busy fraction of its media workers' CPU, 0..1 */
    uint64_t heartbeat_ms; /* Unix ms when the record was written */
} cluster_node;

/* 1 if `id` is a valid node id (1..64 bytes of [A-Za-z0-9._-]). */
int cluster_id_valid(const char *id);

/* 1 if `url` is a ws:// or wss:// URL of at most CLUSTER_URL_MAX bytes with a
 * host, printable ASCII only and no spaces. */
int cluster_url_valid(const char *url);

/* "active" / "draining"; NULL out of range. */
const char *cluster_state_name(cluster_state s);

/* Writes the record (without id: that is in the key) into buf. Returns its
 * length, or -1 if it does not fit or a field is invalid. */
int cluster_node_encode(const cluster_node *n, char *buf, size_t len);

/* Parses a record of `len` bytes (need not be NUL-terminated) stored under
 * node id `id`. Returns 0 with *out filled (out->id = id), or -1 when the
 * record is malformed: missing or invalid url, state, capacity, heartbeat,
 * numbers out of range, v != 1, a key twice, more than 512 bytes. */
int cluster_node_parse(const char *id, const char *text, size_t len, cluster_node *out);

/* The node's placement weight: 0 when draining or full (participants >=
 * capacity), else capacity * (1 - participants/capacity) * (1 - load/2)
 * (a node half as full gets about twice the new rooms; CPU load counts too). */
double cluster_weight(const cluster_node *n);

/* A stable 64-bit hash of (node id, room name), the same on every node and
 * every build (FNV-1a over id, a 0 byte and room, then a 64-bit finalizer). */
uint64_t cluster_hash(const char *node_id, const char *room);

/* Weighted rendezvous hashing: the index of the node that should own `room`
 * among nodes[0..n), skipping nodes with weight 0, records older than
 * `stale_ms` (heartbeat_ms + stale_ms < now_ms) and the node `exclude_id`
 * (NULL = none). Score = -weight / ln(u), u = hash mapped into (0,1); the
 * highest score wins, ties go to the smaller id. -1 when no node qualifies. */
int cluster_place(const cluster_node *nodes, size_t n, const char *room, uint64_t now_ms,
                  uint64_t stale_ms, const char *exclude_id);

/* A Redis URL: redis://[[user]:password@]host[:port][/db]. Host may be a
 * name, an IPv4 literal or a bracketed IPv6 literal; port defaults to 6379,
 * db to 0. */
typedef struct cluster_redis_url {
    char host[CLUSTER_HOST_MAX + 1];
    uint16_t port;
    char user[128];     /* "" = Redis's "default" user (AUTH with the password only) */
    char password[128]; /* "" = none */
    int db;
} cluster_redis_url;

/* Parses the NUL-terminated `text`. 0 or -1 (with a one-line reason in err). */
int cluster_redis_url_parse(const char *text, cluster_redis_url *out, char *err, size_t errlen);

/* A duration "90", "90s", "30m", "2h" (whole numbers, at most 7 days) into
 * seconds. 0 or -1. */
int cluster_duration_parse(const char *text, uint32_t *seconds);

#endif
