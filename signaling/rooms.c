/* The signaling side of rooms: message handlers (one small function per
 * message type, dispatched through a table), the roster that `joined` and
 * the participant events are made from, the join limiter, and the events
 * coming back from the media workers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "signaling/sig_internal.h"

#define JOIN_BUCKETS_MAX 65536

/* ---- join limiter: a token bucket per client IP address -------------------- */

typedef struct join_bucket {
    double tokens;
    uint64_t last_us;
} join_bucket;

int rooms_join_allowed(sig_server *srv, const char *ip, uint64_t now_us) {
    int rate = srv->cfg.join_rate; /* per minute; burst = rate */
    if (rate <= 0) return 1;
    join_bucket *b = g_hash_table_lookup(srv->join_buckets, ip);
    if (!b) {
        if (g_hash_table_size(srv->join_buckets) >= JOIN_BUCKETS_MAX) {
            /* Full buckets carry no information: forget them. */
            GHashTableIter it;
            gpointer v;
            g_hash_table_iter_init(&it, srv->join_buckets);
            while (g_hash_table_iter_next(&it, NULL, &v))
                if (now_us - ((join_bucket *)v)->last_us > 60000000ull)
                    g_hash_table_iter_remove(&it);
            if (g_hash_table_size(srv->join_buckets) >= JOIN_BUCKETS_MAX) return 0;
        }
        b = calloc(1, sizeof *b);
        if (!b) return 0;
        b->tokens = rate;
        b->last_us = now_us;
        g_hash_table_insert(srv->join_buckets, strdup(ip), b);
    }
    b->tokens += (double)(now_us - b->last_us) * rate / 60e6;
    if (b->tokens > rate) b->tokens = rate;
    b->last_us = now_us;
    if (b->tokens < 1.0) return 0;
    b->tokens -= 1.0;
    return 1;
}

/* ---- roster ---------------------------------------------------------------- */

static void participant_of(const session *s, proto_participant *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", s->pid_str);
    snprintf(out->name, sizeof out->name, "%s", s->name);
    for (int src = 0; src < PROTO_SRC__COUNT; src++) {
        if (!s->published[src]) continue;
        out->tracks[out->n_tracks].source = (proto_source)src;
        out->tracks[out->n_tracks].muted = s->muted[src];
        out->n_tracks++;
    }
}

static void broadcast(sig_room *r, const session *except, const char *json) {
    for (session *m = r->members; m; m = m->next_in_room)
        if (m != except) session_send(m, strdup(json));
}

static void broadcast_participant(session *s, const char *type) {
    proto_participant p;
    participant_of(s, &p);
    char *json = proto_encode_participant_event(type, &p);
    if (json) broadcast(s->room, s, json);
    free(json);
}

static void room_remove_member(sig_server *srv, session *s) {
    sig_room *r = s->room;
    for (session **pp = &r->members; *pp; pp = &(*pp)->next_in_room) {
        if (*pp == s) {
            *pp = s->next_in_room;
            break;
        }
    }
    r->n_members--;
    s->room = NULL;
    if (r->n_members == 0) {
        sfu_room_placed(srv->media, r->worker, -1);
        link_room_gone(srv, r->name);
        g_hash_table_remove(srv->rooms_by_name, r->name);
    }
}

/* ---- participant-updated, coalesced ---------------------------------------- */

static void state_send(session *s, uint64_t now) {
    s->state_dirty = 0;
    s->state_sent_us = now;
    if (s->room) broadcast_participant(s, "participant-updated");
}

static void state_timer(lws_sorted_usec_list_t *sul) {
    session *s = lws_container_of(sul, session, state_sul);
    if (s->state_dirty) state_send(s, clock_now_us());
}

void rooms_state_changed(session *s) {
    uint64_t now = clock_now_us();
    if (s->state_dirty) return; /* the timer will send the latest state */
    if (!s->state_sent_us || now - s->state_sent_us >= SIG_STATE_GAP_US) {
        state_send(s, now);
        return;
    }
    s->state_dirty = 1;
    lws_sul_schedule(lws_get_context(s->wsi), 0, &s->state_sul, state_timer,
                     (lws_usec_t)(s->state_sent_us + SIG_STATE_GAP_US - now));
}

void rooms_state_cancel(session *s) {
    s->state_dirty = 0;
    lws_sul_cancel(&s->state_sul);
}

/* ---- handlers ---------------------------------------------------------------- */

static int need_joined(session *s, const proto_msg *m) {
    if (s->room) return 1;
    session_send_error(s, PROTO_ERR_NOT_JOINED, proto_type_name(m->type), m->id_json,
                       "send join first");
    return 0;
}

static void on_join(session *s, const proto_msg *m) {
    sig_server *srv = s->srv;
    const char *req = "join";
    if (s->room || s->pid || s->locate_token) {
        session_send_error(s, PROTO_ERR_ALREADY_JOINED, req, m->id_json,
                           "this connection has joined already");
        return;
    }
    if (!rooms_join_allowed(srv, s->ip, clock_now_us())) {
        srv->n_rate_limited++;
        session_send_error(s, PROTO_ERR_RATE_LIMITED, req, m->id_json,
                           "too many joins from your address; try again in a minute");
        return;
    }
    /* A room held here is joined here, whatever Redis says: running
     * meetings keep working through a Redis outage. */
    sig_room *here = g_hash_table_lookup(srv->rooms_by_name, m->join.room);
    if (here && here->moved) {
        char *json = here->moved_to[0] ? proto_encode_redirect(here->moved_to, here->name,
                                                               "placement", m->id_json)
                                       : NULL;
        if (json) {
            session_send(s, json);
            session_close(s, LWS_CLOSE_STATUS_NORMAL);
        } else {
            session_send_error(s, PROTO_ERR_SHUTTING_DOWN, req, m->id_json,
                               "the room is moving; reconnect to continue");
        }
        return;
    }
    if (here) {
        rooms_join_local(s, m->join.room, m->join.name, m->id_json);
        return;
    }
    if (srv->cl) {
        link_locate(s, m);
        return;
    }
    if (srv->draining) {
        session_send_error(s, PROTO_ERR_SHUTTING_DOWN, req, m->id_json,
                           "the node is draining: it takes no new rooms");
        return;
    }
    rooms_join_local(s, m->join.room, m->join.name, m->id_json);
}

void rooms_join_local(session *s, const char *room, const char *name, const char *id_json) {
    sig_server *srv = s->srv;
    const char *req = "join";
    sig_room *r = g_hash_table_lookup(srv->rooms_by_name, room);
    if (!r) {
        if ((int)g_hash_table_size(srv->rooms_by_name) >= srv->cfg.max_rooms) {
            session_send_error(s, PROTO_ERR_TOO_MANY_ROOMS, req, id_json,
                               "this node holds its maximum of %d rooms", srv->cfg.max_rooms);
            return;
        }
        r = calloc(1, sizeof *r);
        if (!r) {
            session_send_error(s, PROTO_ERR_INTERNAL, req, id_json, "out of memory");
            return;
        }
        snprintf(r->name, sizeof r->name, "%s", room);
        r->id = srv->next_room_id++;
        r->worker = sfu_pick_worker(srv->media);
        sfu_room_placed(srv->media, r->worker, +1);
        g_hash_table_insert(srv->rooms_by_name, r->name, r);
        link_room_created(srv, r);
    }
    if (r->n_members >= srv->cfg.room_size) {
        session_send_error(s, PROTO_ERR_ROOM_FULL, req, id_json, "room is full (%d participants)",
                           srv->cfg.room_size);
        return;
    }
    s->pid = srv->next_pid++;
    snprintf(s->pid_str, sizeof s->pid_str, "p%u", s->pid);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->room = r;
    s->next_in_room = r->members;
    r->members = s;
    r->n_members++;
    g_hash_table_insert(srv->sessions, GUINT_TO_POINTER(s->pid), s);

    proto_participant *others = calloc((size_t)r->n_members, sizeof *others);
    size_t n = 0;
    for (session *o = r->members; o && others; o = o->next_in_room)
        if (o != s) participant_of(o, &others[n++]);
    session_send(s, proto_encode_joined(r->name, s->pid_str, others, n,
                                        (const char *const *)srv->stun_urls, srv->n_stun_urls,
                                        srv->cfg.max_message_bytes, srv->cfg.room_size, id_json));
    free(others);
    broadcast_participant(s, "participant-joined");
    sfu_send(srv->media, r->worker, sfu_cmd_new(SFU_CMD_JOIN, r->id, s->pid));
    LOG_I("sig", "%s joined room '%s' as %s (%d in room)", s->ip, r->name, s->pid_str,
          r->n_members);
}

void rooms_send_all_close(sig_room *r, const char *json, int fatal_error) {
    for (session *m = r->members; m; m = m->next_in_room) {
        if (json) session_send(m, strdup(json));
        session_close(m, fatal_error ? LWS_CLOSE_STATUS_GOINGAWAY : LWS_CLOSE_STATUS_NORMAL);
    }
}

static void on_publish(session *s, const proto_msg *m) {
    if (!need_joined(s, m)) return;
    if (s->publish_pending) {
        session_send_error(s, PROTO_ERR_PUBLISH_PENDING, "publish", m->id_json,
                           "wait for the publish-answer of the previous publish");
        return;
    }
    sfu_cmd *c = sfu_cmd_new(SFU_CMD_PUBLISH, s->room->id, s->pid);
    if (!c || !(c->sdp = strndup(m->publish.sdp, m->publish.sdp_len))) {
        sfu_cmd_free(c);
        session_send_error(s, PROTO_ERR_INTERNAL, "publish", m->id_json, "out of memory");
        return;
    }
    for (int i = 0; i < m->publish.n_tracks && i < SFU_MAX_TRACKS; i++) {
        snprintf(c->tracks[i].mid, sizeof c->tracks[i].mid, "%s", m->publish.tracks[i].mid);
        c->tracks[i].source = (sfu_source)m->publish.tracks[i].source;
        c->n_tracks++;
    }
    s->publish_pending = 1;
    snprintf(s->publish_id, sizeof s->publish_id, "%s", m->id_json);
    sfu_send(s->srv->media, s->room->worker, c);
}

static void on_subscribe_answer(session *s, const proto_msg *m) {
    if (!need_joined(s, m)) return;
    sfu_cmd *c = sfu_cmd_new(SFU_CMD_SUBSCRIBE_ANSWER, s->room->id, s->pid);
    if (!c || !(c->sdp = strndup(m->answer.sdp, m->answer.sdp_len))) {
        sfu_cmd_free(c);
        return;
    }
    sfu_send(s->srv->media, s->room->worker, c);
}

static void on_candidate(session *s, const proto_msg *m) {
    if (!need_joined(s, m)) return;
    sfu_cmd *c = sfu_cmd_new(SFU_CMD_CANDIDATE, s->room->id, s->pid);
    if (!c || !(c->candidate = strndup(m->candidate.candidate, m->candidate.candidate_len))) {
        sfu_cmd_free(c);
        return;
    }
    c->pc = m->candidate.pc == PROTO_PC_PUBLISH ? SFU_PC_PUBLISH : SFU_PC_SUBSCRIBE;
    sfu_send(s->srv->media, s->room->worker, c);
}

static void on_mute(session *s, const proto_msg *m) {
    if (!need_joined(s, m)) return;
    if (s->muted[m->mute.source] == m->mute.muted) return;
    s->muted[m->mute.source] = m->mute.muted;
    rooms_state_changed(s);
}

static void on_leave(session *s, const proto_msg *m) {
    session_close(s, LWS_CLOSE_STATUS_NORMAL);
}

static void on_ping(session *s, const proto_msg *m) {
    session_send(s, proto_encode_pong(m->id_json));
}

static void (*const handlers[PROTO_TYPE__COUNT])(session *, const proto_msg *) = {
    [PROTO_JOIN] = on_join,
    [PROTO_PUBLISH] = on_publish,
    [PROTO_SUBSCRIBE_ANSWER] = on_subscribe_answer,
    [PROTO_CANDIDATE] = on_candidate,
    [PROTO_MUTE] = on_mute,
    [PROTO_LEAVE] = on_leave,
    [PROTO_PING] = on_ping,
};

void rooms_handle_message(session *s, const proto_msg *m) {
    if (s->closing) return;
    if (m->type < PROTO_TYPE__COUNT && handlers[m->type]) handlers[m->type](s, m);
}

void rooms_session_closed(session *s) {
    sig_server *srv = s->srv;
    link_session_closed(s);
    if (!s->room) return;
    sig_room *r = s->room;
    g_hash_table_remove(srv->sessions, GUINT_TO_POINTER(s->pid));
    if (srv->media) sfu_send(srv->media, r->worker, sfu_cmd_new(SFU_CMD_LEAVE, r->id, s->pid));
    char *json = proto_encode_participant_left(s->pid_str);
    if (json) broadcast(r, s, json);
    free(json);
    LOG_I("sig", "%s (%s) left room '%s'", s->pid_str, s->ip, r->name);
    room_remove_member(srv, s);
}

void rooms_free_all(sig_server *srv) {
    /* Sessions are gone with the lws context; rooms are plain memory. */
    g_hash_table_remove_all(srv->rooms_by_name);
}

/* ---- events from the media workers ------------------------------------------ */

static proto_err map_error(sfu_error e) {
    switch (e) {
    case SFU_ERR_BAD_SDP:
        return PROTO_ERR_BAD_SDP;
    case SFU_ERR_UNSUPPORTED_MEDIA:
        return PROTO_ERR_UNSUPPORTED_MEDIA;
    case SFU_ERR_NO_FINGERPRINT:
        return PROTO_ERR_NO_FINGERPRINT;
    case SFU_ERR_NO_CODEC:
        return PROTO_ERR_NO_CODEC;
    case SFU_ERR_NO_OFFER_PENDING:
        return PROTO_ERR_NO_OFFER_PENDING;
    case SFU_ERR_FINGERPRINT_MISMATCH:
        return PROTO_ERR_FINGERPRINT_MISMATCH;
    case SFU_ERR_DTLS_FAILED:
        return PROTO_ERR_DTLS_FAILED;
    case SFU_ERR_ICE_FAILED:
        return PROTO_ERR_ICE_FAILED;
    case SFU_ERR_INTERNAL:
        return PROTO_ERR_INTERNAL;
    }
    return PROTO_ERR_INTERNAL;
}

static void on_publish_answer(session *s, sfu_event *ev) {
    s->publish_pending = 0;
    int now[PROTO_SRC__COUNT] = {0};
    for (int i = 0; i < ev->n_sources; i++)
        now[ev->sources[i]] = 1;
    int changed = memcmp(now, s->published, sizeof now) != 0;
    memcpy(s->published, now, sizeof now);
    session_send(s, proto_encode_publish_answer(ev->sdp, s->publish_id));
    if (changed) rooms_state_changed(s);
}

static void on_subscribe_offer(session *s, sfu_event *ev) {
    proto_sub_track *t = calloc((size_t)ev->n_sub_tracks + 1, sizeof *t);
    if (!t) return;
    for (int i = 0; i < ev->n_sub_tracks; i++) {
        snprintf(t[i].mid, sizeof t[i].mid, "%s", ev->sub_tracks[i].mid);
        snprintf(t[i].participant, sizeof t[i].participant, "p%u", ev->sub_tracks[i].owner);
        t[i].source = (proto_source)ev->sub_tracks[i].source;
        t[i].kind = ev->sub_tracks[i].kind == SFU_KIND_AUDIO ? PROTO_KIND_AUDIO : PROTO_KIND_VIDEO;
    }
    session_send(s, proto_encode_subscribe_offer(ev->sdp, t, (size_t)ev->n_sub_tracks));
    free(t);
}

static void on_media_error(session *s, sfu_event *ev) {
    const char *request = NULL;
    const char *id = NULL;
    if (ev->cause == SFU_CMD_PUBLISH + 1) {
        request = "publish";
        id = s->publish_id;
        s->publish_pending = 0;
    } else if (ev->cause == SFU_CMD_SUBSCRIBE_ANSWER + 1) {
        request = "subscribe-answer";
    }
    session_send_error(s, map_error(ev->error), request, id, "%s", ev->message);
}

void rooms_handle_event(sig_server *srv, sfu_event *ev) {
    session *s = g_hash_table_lookup(srv->sessions, GUINT_TO_POINTER(ev->pid));
    if (!s || !s->room || s->room->id != ev->room) return; /* left meanwhile */
    switch (ev->type) {
    case SFU_EV_PUBLISH_ANSWER:
        on_publish_answer(s, ev);
        break;
    case SFU_EV_SUBSCRIBE_OFFER:
        on_subscribe_offer(s, ev);
        break;
    case SFU_EV_ERROR:
        on_media_error(s, ev);
        break;
    }
}
