/* The node's link to the cluster's Redis (docs/cluster.md).
 *
 * A `cluster` owns one thread with one synchronous hiredis connection. That
 * thread alone talks to Redis: it writes this node's heartbeat record
 * (`relais:node:<id>`, expiring after the TTL), refreshes the claims of the
 * rooms this node holds (`relais:room:<name>`), reads the other nodes'
 * records for placement, and answers the control thread's questions.
 *
 * The control thread (libwebsockets loop) never blocks on Redis: it queues
 * requests (where does room R live? move room R away) and room add/remove
 * notices, and drains answers with cluster_poll_event after the `wakeup`
 * callback fired, exactly like the sfu's events. Every request gets exactly
 * one answer, CLUSTER_UNAVAILABLE when Redis cannot be reached in time.
 * Queues are bounded; a full queue answers at once with UNAVAILABLE. */
#ifndef RELAIS_CLUSTER_H
#define RELAIS_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "cluster/cluster_core.h"

#define CLUSTER_ROOM_MAX 64 /* PROTO_NAME_MAX */

typedef struct cluster cluster;

typedef struct cluster_opts {
    cluster_redis_url redis;
    char node_id[CLUSTER_ID_MAX + 1];
    char public_url[CLUSTER_URL_MAX + 1];
    uint32_t capacity;
    uint32_t ttl_s;
    void (*wakeup)(void *ud); /* thread-safe, cheap (lws_cancel_service) */
    void *wakeup_ud;
} cluster_opts;

typedef enum cluster_event_type {
    CLUSTER_EV_LOCATED, /* answer to cluster_locate */
    CLUSTER_EV_MOVED,   /* answer to cluster_move */
    CLUSTER_EV_LOST,    /* a room held here is claimed by another node */
    CLUSTER_EV_DRAIN,   /* an admin asked this node to drain (deadline_s from now) */
    CLUSTER_EV_UNDRAIN, /* an admin took the drain back */
} cluster_event_type;

typedef enum cluster_result {
    CLUSTER_LOCAL,       /* the room is (now) this node's */
    CLUSTER_REMOTE,      /* it is owner's, at url */
    CLUSTER_UNAVAILABLE, /* Redis cannot be reached, or no node can take it */
} cluster_result;

typedef struct cluster_event {
    cluster_event_type type;
    uint64_t token;
    char room[CLUSTER_ROOM_MAX + 1];
    cluster_result result;
    char owner[CLUSTER_ID_MAX + 1];
    char url[CLUSTER_URL_MAX + 1];
    char reason[96];     /* for UNAVAILABLE: what went wrong, for logs and the error message */
    uint32_t deadline_s; /* CLUSTER_EV_DRAIN */
} cluster_event;

typedef struct cluster_status {
    int redis_up;            /* the last command succeeded */
    uint64_t redis_errors;   /* failed connects and commands */
    uint64_t redis_connects; /* successful (re)connects */
    uint64_t located_local, located_remote, unavailable;
    uint64_t rooms_lost;
    int live_nodes; /* in the last view, this one included */
} cluster_status;

/* Checks the config's cluster options (redis URL, node id, public URL) and
 * fills *o (wakeup left NULL). `listen_url` is the default public URL.
 * 0 or -1 with "option: problem" in err. */
struct relais_config;
int cluster_opts_from_config(const struct relais_config *c, const char *default_url,
                             cluster_opts *o, char *err, size_t errlen);

/* Starts the thread; the first connection is tried at once, in the thread.
 * 0, or -1 with a reason in err. */
int cluster_new(cluster **out, const cluster_opts *o, char *err, size_t errlen);
/* Stops the thread, deletes this node's record and its room claims if
 * Redis is reachable (a clean exit frees its rooms at once), frees. */
void cluster_free(cluster *c);

/* Asks where `room` lives, placing it if it lives nowhere. Answer:
 * CLUSTER_EV_LOCATED with the same token. A LOCAL answer means the claim is
 * this node's: the caller creates the room and calls cluster_room_add. */
void cluster_locate(cluster *c, const char *room, uint64_t token);
/* Hands `room` over to the best other node (drain). Answer: CLUSTER_EV_MOVED;
 * REMOTE with the new owner's url, or UNAVAILABLE. The room is no longer
 * refreshed by this node either way. */
void cluster_move(cluster *c, const char *room, uint64_t token);
/* This node holds `room` now (its claim is refreshed every heartbeat) / no
 * longer (its claim is deleted if it is still this node's). */
void cluster_room_add(cluster *c, const char *room);
void cluster_room_remove(cluster *c, const char *room);
/* Figures for the heartbeat record. Any thread. */
void cluster_set_load(cluster *c, uint32_t participants, uint32_t rooms, double load);
void cluster_set_draining(cluster *c, int draining);

/* 1 and *out filled when an event was queued, else 0. Control thread. */
int cluster_poll_event(cluster *c, cluster_event *out);
void cluster_get_status(cluster *c, cluster_status *out);

/* `relais admin ...` (cluster/admin.c): argv[0] is "admin". Returns the exit
 * status. */
int cluster_admin_main(int argc, char **argv);

#endif
