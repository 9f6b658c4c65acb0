/* The cluster module's queues, thread and public API: see cluster.h. The
 * Redis side of the thread is cluster_redis.c. */
#include "cluster/cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster/cluster_internal.h"
#include "common/config.h"
#include "common/log.h"

/* ---- queues -------------------------------------------------------------- */

void cluster_push_event(cluster *c, const cluster_event *ev) {
    pthread_mutex_lock(&c->lock);
    int full = c->ev_len == EVQ_MAX;
    if (!full) c->evs[(c->ev_head + c->ev_len++) % EVQ_MAX] = *ev;
    pthread_mutex_unlock(&c->lock);
    if (full)
        LOG_W("cluster", "event queue full: an answer for room '%s' is lost", ev->room);
    else if (c->o.wakeup)
        c->o.wakeup(c->o.wakeup_ud);
}

void cluster_answer(cluster *c, cluster_event_type type, const cmd *m, cluster_result r,
                    const char *owner, const char *url, const char *reason) {
    cluster_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.token = m->token;
    snprintf(ev.room, sizeof ev.room, "%s", m->room);
    ev.result = r;
    snprintf(ev.owner, sizeof ev.owner, "%s", owner ? owner : "");
    snprintf(ev.url, sizeof ev.url, "%s", url ? url : "");
    snprintf(ev.reason, sizeof ev.reason, "%s", reason ? reason : "");
    pthread_mutex_lock(&c->lock);
    if (r == CLUSTER_LOCAL) c->status.located_local++;
    if (r == CLUSTER_REMOTE && type == CLUSTER_EV_LOCATED) c->status.located_remote++;
    if (r == CLUSTER_UNAVAILABLE) c->status.unavailable++;
    pthread_mutex_unlock(&c->lock);
    cluster_push_event(c, &ev);
}

static void enqueue(cluster *c, cmd_type type, const char *room, uint64_t token) {
    cmd m = {.type = type, .token = token};
    snprintf(m.room, sizeof m.room, "%s", room);
    pthread_mutex_lock(&c->lock);
    int full = c->cmd_len == CMDQ_MAX;
    if (!full) {
        c->cmds[(c->cmd_head + c->cmd_len++) % CMDQ_MAX] = m;
        pthread_cond_signal(&c->cond);
    }
    pthread_mutex_unlock(&c->lock);
    if (!full) return;
    /* Requests still get their one answer; notices are lost, which only
     * delays a claim's refresh or release until the room changes again. */
    if (type == CMD_LOCATE || type == CMD_MOVE)
        cluster_answer(c, type == CMD_LOCATE ? CLUSTER_EV_LOCATED : CLUSTER_EV_MOVED, &m,
                       CLUSTER_UNAVAILABLE, NULL, NULL, "cluster request queue full");
    else
        LOG_W("cluster", "request queue full: room '%s' notice dropped", room);
}

void cluster_locate(cluster *c, const char *room, uint64_t token) {
    enqueue(c, CMD_LOCATE, room, token);
}
void cluster_move(cluster *c, const char *room, uint64_t token) {
    enqueue(c, CMD_MOVE, room, token);
}
void cluster_room_add(cluster *c, const char *room) {
    enqueue(c, CMD_ADD, room, 0);
}
void cluster_room_remove(cluster *c, const char *room) {
    enqueue(c, CMD_REMOVE, room, 0);
}

void cluster_set_load(cluster *c, uint32_t participants, uint32_t rooms, double load) {
    atomic_store(&c->participants, participants);
    atomic_store(&c->rooms, rooms);
    atomic_store(&c->load_milli, (uint64_t)(load < 0 ? 0 : load * 1000.0));
}

void cluster_set_draining(cluster *c, int draining) {
    atomic_store(&c->draining, draining);
    /* Other nodes must stop placing rooms here now, not a beat later. */
    atomic_store(&c->beat_now, 1);
    pthread_mutex_lock(&c->lock);
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

int cluster_poll_event(cluster *c, cluster_event *out) {
    pthread_mutex_lock(&c->lock);
    int have = c->ev_len > 0;
    if (have) {
        *out = c->evs[c->ev_head];
        c->ev_head = (c->ev_head + 1) % EVQ_MAX;
        c->ev_len--;
    }
    pthread_mutex_unlock(&c->lock);
    return have;
}

void cluster_get_status(cluster *c, cluster_status *out) {
    pthread_mutex_lock(&c->lock);
    *out = c->status;
    pthread_mutex_unlock(&c->lock);
}

/* ---- the thread ---------------------------------------------------------------------- */

static void *cluster_main(void *arg) {
    cluster *c = arg;
    uint64_t next_beat = 0;
    cmd batch[64];
    for (;;) {
        pthread_mutex_lock(&c->lock);
        while (!c->stop && c->cmd_len == 0 && !atomic_load(&c->beat_now)) {
            uint64_t now = cluster_mono_ms();
            uint64_t wake = next_beat;
            if (!c->rc && c->next_connect_ms < wake) wake = c->next_connect_ms;
            if (now >= wake) break;
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t ns = (uint64_t)ts.tv_nsec + (wake - now) * 1000000u;
            ts.tv_sec += (time_t)(ns / 1000000000u);
            ts.tv_nsec = (long)(ns % 1000000000u);
            pthread_cond_timedwait(&c->cond, &c->lock, &ts);
        }
        int stop = c->stop;
        size_t n = 0;
        while (c->cmd_len > 0 && n < sizeof batch / sizeof batch[0]) {
            batch[n++] = c->cmds[c->cmd_head];
            c->cmd_head = (c->cmd_head + 1) % CMDQ_MAX;
            c->cmd_len--;
        }
        pthread_mutex_unlock(&c->lock);
        if (stop) break;
        uint64_t now = cluster_mono_ms();
        if (!c->rc && now >= c->next_connect_ms) {
            cluster_io_connect(c);
            if (c->rc) next_beat = 0; /* register at once */
        }
        for (size_t i = 0; i < n; i++) {
            switch (batch[i].type) {
            case CMD_LOCATE:
                cluster_io_locate(c, &batch[i]);
                break;
            case CMD_MOVE:
                cluster_io_move(c, &batch[i]);
                break;
            case CMD_ADD:
                cluster_io_add(c, batch[i].room);
                break;
            case CMD_REMOVE:
                cluster_io_remove(c, &batch[i]);
                break;
            }
        }
        now = cluster_mono_ms();
        if (atomic_exchange(&c->beat_now, 0)) next_beat = 0;
        if (now >= next_beat) {
            if (c->rc) cluster_io_heartbeat(c);
            next_beat = now + cluster_beat_ms(c);
        }
    }
    return NULL;
}

int cluster_new(cluster **out, const cluster_opts *o, char *err, size_t errlen) {
    cluster *c = calloc(1, sizeof *c);
    if (!c || !(c->evs = calloc(EVQ_MAX, sizeof *c->evs))) {
        free(c);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->o = *o;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    if (pthread_create(&c->thread, NULL, cluster_main, c) != 0) {
        snprintf(err, errlen, "cannot start the cluster thread: %s", strerror(errno));
        free(c->evs);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void cluster_free(cluster *c) {
    if (!c) return;
    pthread_mutex_lock(&c->lock);
    c->stop = 1;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    cluster_io_unregister(c);
    if (c->rc) redisFree(c->rc);
    for (size_t i = 0; i < c->n_owned; i++)
        free(c->owned[i]);
    free(c->owned);
    free(c->evs);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c);
}

int cluster_opts_from_config(const struct relais_config *cfg, const char *default_url,
                             cluster_opts *o, char *err, size_t errlen) {
    memset(o, 0, sizeof *o);
    char why[160];
    if (cluster_redis_url_parse(cfg->redis, &o->redis, why, sizeof why) != 0) {
        snprintf(err, errlen, "redis: %s", why);
        return -1;
    }
    if (cfg->node_id[0]) {
        snprintf(o->node_id, sizeof o->node_id, "%.*s", CLUSTER_ID_MAX, cfg->node_id);
        if (strlen(cfg->node_id) > CLUSTER_ID_MAX || !cluster_id_valid(cfg->node_id)) {
            snprintf(err, errlen, "node-id: expected 1-64 of A-Z a-z 0-9 . _ -, got '%.64s'",
                     cfg->node_id);
            return -1;
        }
    } else {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        size_t k = 0;
        for (const char *p = host; *p && k < CLUSTER_ID_MAX; p++) {
            char ch = *p;
            int okc = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
            o->node_id[k++] = okc ? ch : '-';
        }
        o->node_id[k] = '\0';
        if (!cluster_id_valid(o->node_id)) {
            snprintf(err, errlen, "node-id: the host name is no usable id; set node-id");
            return -1;
        }
    }
    const char *url = cfg->public_url[0] ? cfg->public_url : default_url;
    if (!url || !cluster_url_valid(url)) {
        snprintf(err, errlen,
                 cfg->public_url[0]
                     ? "public-url: expected a ws:// or wss:// URL, got '%.100s'"
                     : "public-url: needed in a cluster when listen is 0.0.0.0 or ::%.0s",
                 url ? url : "");
        return -1;
    }
    snprintf(o->public_url, sizeof o->public_url, "%.*s", CLUSTER_URL_MAX, url);
    o->capacity = (uint32_t)cfg->capacity;
    o->ttl_s = (uint32_t)cfg->cluster_ttl;
    return 0;
}
