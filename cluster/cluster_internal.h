/* Internals of the cluster module, shared by cluster.c (queues, the thread,
 * the public API) and cluster_redis.c (everything that talks to Redis).
 * Fields marked "cluster thread only" are touched by that thread alone. */
#ifndef RELAIS_CLUSTER_INTERNAL_H
#define RELAIS_CLUSTER_INTERNAL_H

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "cluster/cluster.h"

#define CMDQ_MAX 1024
#define EVQ_MAX 4096
#define VIEW_MAX 256      /* nodes a node knows about */
#define REFRESH_CHUNK 256 /* room keys per refresh script call */
#define IO_TIMEOUT_MS 1000

typedef enum { CMD_LOCATE, CMD_MOVE, CMD_ADD, CMD_REMOVE } cmd_type;

typedef struct cmd {
    cmd_type type;
    uint64_t token;
    char room[CLUSTER_ROOM_MAX + 1];
} cmd;

struct cluster {
    cluster_opts o;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;
    cmd cmds[CMDQ_MAX]; /* ring, under lock */
    size_t cmd_head, cmd_len;
    cluster_event *evs; /* ring of EVQ_MAX, under lock */
    size_t ev_head, ev_len;
    cluster_status status; /* under lock */
    /* Written by any thread, read by the cluster thread. */
    _Atomic uint32_t participants, rooms;
    _Atomic uint64_t load_milli;
    _Atomic int draining;
    _Atomic int beat_now; /* write the record at once (the state changed) */

    /* Cluster thread only. */
    redisContext *rc;
    uint64_t next_connect_ms;
    char **owned; /* rooms held here */
    size_t n_owned, cap_owned;
    cluster_node view[VIEW_MAX];
    size_t n_view;
    int auth_refused;  /* the last AUTH was refused (logged once) */
    int drain_seen;    /* the admin drain key was there at the last beat */
    int drain_applied; /* ... and the control thread is draining because of it */
};

static inline uint64_t cluster_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline uint64_t cluster_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A beat is a quarter of the TTL, at most a second. */
static inline uint32_t cluster_beat_ms(const cluster *c) {
    uint32_t ms = c->o.ttl_s * 1000u / 4u;
    return ms > 1000u ? 1000u : ms;
}

/* cluster.c */
void cluster_push_event(cluster *c, const cluster_event *ev);
void cluster_answer(cluster *c, cluster_event_type type, const cmd *m, cluster_result r,
                    const char *owner, const char *url, const char *reason);

/* cluster_redis.c (cluster thread only) */
void cluster_io_connect(cluster *c);
void cluster_io_locate(cluster *c, const cmd *m);
void cluster_io_move(cluster *c, const cmd *m);
void cluster_io_add(cluster *c, const char *room);
void cluster_io_remove(cluster *c, const cmd *m);
void cluster_io_heartbeat(cluster *c);
/* On a clean exit the node's keys go at once instead of after the TTL. */
void cluster_io_unregister(cluster *c);

#endif
