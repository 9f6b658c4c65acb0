/* The control thread's side of the cluster, and draining.
 *
 * Joins for rooms this node does not hold wait for the cluster thread's
 * answer (cluster_locate) without blocking the service loop; the session is
 * found again by its token when the answer comes, and may be gone by then.
 *
 * Draining (SIGTERM, or `relais admin drain`): the node takes no new rooms;
 * rooms already here go on until the deadline, then their participants are
 * sent to the room's new node (`redirect`, reason `moving`) or, standalone
 * or without Redis, told `shutting-down` so that they reconnect through the
 * entry URL. The node stops once no session is left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "common/clock.h"
#include "common/log.h"
#include "signaling/sig_internal.h"

#define TICK_US 250000
#define DRAIN_GRACE_US 15000000 /* after the deadline: stop even if clients linger */

/* ---- joins ------------------------------------------------------------------ */

void link_locate(session *s, const proto_msg *m) {
    sig_server *srv = s->srv;
    s->locate_token = ++srv->next_token;
    snprintf(s->join_room, sizeof s->join_room, "%s", m->join.room);
    snprintf(s->join_name, sizeof s->join_name, "%s", m->join.name);
    snprintf(s->join_id, sizeof s->join_id, "%s", m->id_json);
    g_hash_table_insert(srv->locating, &s->locate_token, s);
    cluster_locate(srv->cl, m->join.room, s->locate_token);
}

void link_session_closed(session *s) {
    if (s->locate_token) g_hash_table_remove(s->srv->locating, &s->locate_token);
    s->locate_token = 0;
}

static void on_located(sig_server *srv, const cluster_event *ev) {
    session *s = g_hash_table_lookup(srv->locating, &ev->token);
    if (!s) return; /* it left meanwhile; a claim for it expires by itself */
    g_hash_table_remove(srv->locating, &s->locate_token);
    s->locate_token = 0;
    if (s->closing) return;
    const char *req = "join";
    switch (ev->result) {
    case CLUSTER_LOCAL:
        rooms_join_local(s, s->join_room, s->join_name, s->join_id);
        return;
    case CLUSTER_REMOTE: {
        char *json = proto_encode_redirect(ev->url, s->join_room, "placement", s->join_id);
        if (!json) {
            session_send_error(s, PROTO_ERR_INTERNAL, req, s->join_id, "bad redirect URL");
            return;
        }
        session_send(s, json);
        session_close(s, LWS_CLOSE_STATUS_NORMAL);
        LOG_D("sig", "%s: room '%s' lives on node '%s': redirected", s->ip, s->join_room,
              ev->owner);
        return;
    }
    case CLUSTER_UNAVAILABLE: {
        /* A room that appeared here meanwhile (another join's answer) is
         * joined; otherwise the configured fallback decides. */
        sig_room *here = g_hash_table_lookup(srv->rooms_by_name, s->join_room);
        if ((here && !here->moved) ||
            (!here && srv->cfg.cluster_fallback_local && !srv->draining)) {
            rooms_join_local(s, s->join_room, s->join_name, s->join_id);
            return;
        }
        session_send_error(s, PROTO_ERR_CLUSTER_UNAVAILABLE, req, s->join_id,
                           "cannot place the room now (%s); try again in a few seconds",
                           ev->reason[0] ? ev->reason : "cluster unavailable");
        return;
    }
    }
}

void link_room_created(sig_server *srv, sig_room *r) {
    if (srv->cl) cluster_room_add(srv->cl, r->name);
}

void link_room_gone(sig_server *srv, const char *name) {
    if (srv->cl) cluster_room_remove(srv->cl, name);
}

/* ---- moving rooms away ------------------------------------------------------------ */

/* The room's participants go to `url` (or, without one, reconnect through
 * their entry URL after `shutting-down`). */
static void send_room_away(sig_server *srv, const char *room, const char *url, const char *reason) {
    sig_room *r = g_hash_table_lookup(srv->rooms_by_name, room);
    if (!r) return;
    r->moved = 1;
    snprintf(r->moved_to, sizeof r->moved_to, "%s", url ? url : "");
    if (url && url[0]) {
        char *json = proto_encode_redirect(url, r->name, reason, NULL);
        rooms_send_all_close(r, json, 0);
        free(json);
    } else {
        char *json = proto_encode_error(PROTO_ERR_SHUTTING_DOWN,
                                        "the node is stopping; reconnect to continue", NULL, NULL);
        rooms_send_all_close(r, json, 1);
        free(json);
    }
    LOG_I("sig", "room '%s' (%d participants) sent %s%s", room, r->n_members,
          url && url[0] ? "to " : "away: no node to take it", url && url[0] ? url : "");
}

static void move_all_rooms(sig_server *srv) {
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, srv->rooms_by_name);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        sig_room *r = v;
        if (srv->cl)
            cluster_move(srv->cl, r->name, 0);
        else
            send_room_away(srv, r->name, NULL, NULL);
    }
}

void link_start_drain(sig_server *srv, int why, uint32_t deadline_s) {
    uint64_t now = clock_now_us();
    uint64_t deadline = now + (uint64_t)deadline_s * 1000000u;
    if (srv->draining) {
        /* A second request can only bring the deadline forward. */
        if (deadline < srv->drain_deadline_us) srv->drain_deadline_us = deadline;
        if (why == SIG_DRAIN_SIGNAL) srv->draining = why;
        return;
    }
    srv->draining = why;
    srv->drain_deadline_us = deadline;
    if (srv->cl) cluster_set_draining(srv->cl, 1);
    unsigned participants = 0;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, srv->rooms_by_name);
    while (g_hash_table_iter_next(&it, NULL, &v))
        participants += (unsigned)((sig_room *)v)->n_members;
    LOG_I("main",
          "draining (%s): no new rooms; %u room(s) with %u participant(s) may stay %u s, then "
          "move; the node exits when it is empty%s",
          why == SIG_DRAIN_SIGNAL ? "signal" : "admin request",
          g_hash_table_size(srv->rooms_by_name), participants, deadline_s,
          why == SIG_DRAIN_SIGNAL ? " (signal again to stop now)" : "");
}

void link_stop_drain(sig_server *srv) {
    if (srv->draining != SIG_DRAIN_ADMIN || srv->drain_moving) return;
    srv->draining = 0;
    if (srv->cl) cluster_set_draining(srv->cl, 0);
    LOG_I("main", "drain taken back by an admin: taking new rooms again");
}

/* ---- events and the tick --------------------------------------------------------------- */

void link_drain_events(sig_server *srv) {
    cluster_event ev;
    while (srv->cl && cluster_poll_event(srv->cl, &ev)) {
        switch (ev.type) {
        case CLUSTER_EV_LOCATED:
            on_located(srv, &ev);
            break;
        case CLUSTER_EV_MOVED:
            send_room_away(srv, ev.room, ev.result == CLUSTER_REMOTE ? ev.url : NULL, "moving");
            break;
        case CLUSTER_EV_LOST:
            send_room_away(srv, ev.room, ev.result == CLUSTER_REMOTE ? ev.url : NULL, "conflict");
            break;
        case CLUSTER_EV_DRAIN:
            link_start_drain(srv, SIG_DRAIN_ADMIN, ev.deadline_s);
            break;
        case CLUSTER_EV_UNDRAIN:
            link_stop_drain(srv);
            break;
        }
    }
}

static void update_load(sig_server *srv, uint64_t now) {
    if (!srv->media) return;
    int n = sfu_worker_count(srv->media);
    uint64_t cpu = 0;
    for (int w = 0; w < n; w++)
        cpu += sfu_worker_cpu_ns(srv->media, w);
    if (srv->cpu_at_us && now - srv->cpu_at_us >= 1000000u) {
        double busy = (double)(cpu - srv->cpu_ns_last) / 1e3 / (double)(now - srv->cpu_at_us);
        srv->load = n > 0 ? busy / n : 0;
        if (srv->load < 0) srv->load = 0;
        srv->cpu_ns_last = cpu;
        srv->cpu_at_us = now;
    } else if (!srv->cpu_at_us) {
        srv->cpu_ns_last = cpu;
        srv->cpu_at_us = now;
    }
    if (srv->cl) {
        sfu_stats st = {0};
        sfu_get_stats(srv->media, &st);
        cluster_set_load(srv->cl, (uint32_t)st.participants, g_hash_table_size(srv->rooms_by_name),
                         srv->load);
    }
}

void link_poll_signals(sig_server *srv) {
    /* The first SIGTERM/SIGINT drains, the second stops now. */
    while (srv->signals_handled < srv->signals) {
        srv->signals_handled++;
        if (srv->signals_handled == 1)
            link_start_drain(srv, SIG_DRAIN_SIGNAL, (uint32_t)srv->cfg.drain_deadline);
        else
            srv->stop = 1;
    }
    if (srv->stop) lws_cancel_service(srv->ctx);
}

static void on_tick(lws_sorted_usec_list_t *sul) {
    sig_server *srv = lws_container_of(sul, sig_server, tick);
    uint64_t now = clock_now_us();
    link_poll_signals(srv);
    link_drain_events(srv);
    update_load(srv, now);
    if (srv->draining) {
        if (!srv->drain_moving && now >= srv->drain_deadline_us) {
            srv->drain_moving = 1;
            srv->drain_force_us = now + DRAIN_GRACE_US;
            LOG_I("main", "drain deadline: moving %u room(s)",
                  g_hash_table_size(srv->rooms_by_name));
            move_all_rooms(srv);
        }
        if (srv->n_sessions == 0 && g_hash_table_size(srv->rooms_by_name) == 0) {
            LOG_I("main", "drained: no participant left");
            srv->stop = 1;
        } else if (srv->drain_moving && now >= srv->drain_force_us) {
            LOG_W("main", "drain: %d connection(s) still open %d s after the deadline; stopping",
                  srv->n_sessions, DRAIN_GRACE_US / 1000000);
            srv->stop = 1;
        }
    }
    if (!srv->stop)
        lws_sul_schedule(srv->ctx, 0, &srv->tick, on_tick, TICK_US);
    else
        lws_cancel_service(srv->ctx); /* let sig_server_run see it now */
}

void link_start(sig_server *srv) {
    lws_sul_schedule(srv->ctx, 0, &srv->tick, on_tick, TICK_US);
}

char *link_health(sig_server *srv, int *status) {
    char *out = NULL;
    cluster_status cs = {0};
    if (srv->cl) cluster_get_status(srv->cl, &cs);
    int rooms = (int)g_hash_table_size(srv->rooms_by_name);
    const char *state = "ok", *reason = NULL;
    if (srv->stop) {
        state = "stopping";
        reason = "the node is stopping";
    } else if (srv->draining) {
        state = "draining";
        reason = srv->drain_moving ? "drain deadline passed: moving participants"
                                   : "draining: no new rooms";
    } else if (srv->cl && !cs.redis_up) {
        state = "unavailable";
        reason = "cannot reach Redis: new rooms cannot be placed";
    }
    *status = strcmp(state, "ok") == 0 ? 200 : 503;
    int n;
    if (reason)
        n = asprintf(&out, "{\"status\":\"%s\",\"reason\":\"%s\",\"rooms\":%d,\"sessions\":%d}\n",
                     state, reason, rooms, srv->n_sessions);
    else
        n = asprintf(&out, "{\"status\":\"ok\",\"rooms\":%d,\"sessions\":%d}\n", rooms,
                     srv->n_sessions);
    return n < 0 ? NULL : out;
}
