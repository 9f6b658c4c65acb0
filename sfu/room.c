/* Rooms, participants and their subscriptions on a worker thread: the
 * handlers of the control thread's commands. Media itself is in media.c,
 * SDP in negotiate.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "sfu/sfu_internal.h"

/* Candidates that arrive before the transport they belong to exists. */
#define EARLY_CANDIDATES 16

static void emit_offer(worker *w, participant *p);

/* ---- transports ---------------------------------------------------------- */

static void pub_on_rtp(void *ud, uint8_t *b, size_t n, uint64_t now) {
    media_on_publisher_rtp(ud, b, n, now);
}
static void pub_on_rtcp(void *ud, uint8_t *b, size_t n, uint64_t now) {
    media_on_publisher_rtcp(ud, b, n, now);
}
static void sub_on_rtp(void *ud, uint8_t *b, size_t n, uint64_t now) {
    /* A subscribe connection is receive-only on the browser's side. */
    participant *p = ud;
    STAT_INC(p->room->w, drop_unknown_ssrc);
}
static void sub_on_rtcp(void *ud, uint8_t *b, size_t n, uint64_t now) {
    media_on_subscriber_rtcp(ud, b, n, now);
}
static void on_srtp_error(void *ud) {
    participant *p = ud;
    STAT_INC(p->room->w, drop_srtp);
}

static void on_state(participant *p, sfu_pc pc, transport_state st, sfu_error err) {
    worker *w = p->room->w;
    const char *name = pc == SFU_PC_PUBLISH ? "publish" : "subscribe";
    if (st == TRANSPORT_CONNECTED) {
        LOG_D("room", "room %u participant %u: %s connection up", p->room->id, p->id, name);
        if (pc == SFU_PC_SUBSCRIBE) {
            participant_sync_sending(p);
            uint64_t now = clock_now_us();
            for (int i = 0; i < p->n_slots; i++)
                if (p->slots[i].fwd && p->slots[i].fwd->active)
                    participant_request_keyframe(p->slots[i].src, now);
        }
        return;
    }
    if (pc == SFU_PC_SUBSCRIBE) participant_sync_sending(p);
    if (err == SFU_ERR_ICE_FAILED)
        STAT_INC(w, ice_failures);
    else
        STAT_INC(w, dtls_failures);
    LOG_I("room", "room %u participant %u: %s connection failed (%d)", p->room->id, p->id, name,
          (int)err);
    worker_emit_error(w, p, err, "%s connection: %s", name,
                      err == SFU_ERR_FINGERPRINT_MISMATCH ? "DTLS certificate does not match the "
                                                            "SDP fingerprint"
                      : err == SFU_ERR_ICE_FAILED         ? "ICE connectivity lost"
                                                          : "DTLS handshake failed");
}
static void pub_on_state(void *ud, transport_state st, sfu_error err) {
    on_state(ud, SFU_PC_PUBLISH, st, err);
}
static void sub_on_state(void *ud, transport_state st, sfu_error err) {
    on_state(ud, SFU_PC_SUBSCRIBE, st, err);
}

static transport *make_transport(worker *w, participant *p, sfu_pc pc) {
    static const transport_cbs pub_cbs = {pub_on_rtp, pub_on_rtcp, on_srtp_error, pub_on_state};
    static const transport_cbs sub_cbs = {sub_on_rtp, sub_on_rtcp, on_srtp_error, sub_on_state};
    transport_opts o = {
        .ctx = w->ctx,
        .dtls = w->dtls,
        .media_addrs = w->opts->media_addrs,
        .n_media_addrs = w->opts->n_media_addrs,
        .announce_addr = w->opts->announce_addr,
        .port_min = w->opts->port_min,
        .port_max = w->opts->port_max,
    };
    transport *t = transport_new(&o, pc == SFU_PC_PUBLISH ? &pub_cbs : &sub_cbs, p);
    if (t) STAT_INC(w, transports);
    return t;
}

static void drop_transport(worker *w, transport **t) {
    if (!*t) return;
    transport_free(*t);
    *t = NULL;
    STAT_SUB(w, transports, 1);
}

/* ---- tracks and subscriptions ----------------------------------------------- */

/* The subscriber must be re-offered after this (its m-section goes
 * inactive); sync_slots/refresh_subscriptions see that via `renegotiate`. */
static void slot_deactivate(sub_slot *s) {
    if (s->fwd) {
        participant *sub = s->fwd->sub;
        sub->renegotiate = 1;
        /* The slot gets a new SSRC when it carries the next track. */
        transport_forget_ssrc(sub->sub, s->fwd->rw.out_ssrc, 1);
        forwarder_free(s->fwd);
    }
    s->fwd = NULL;
    s->src = NULL;
}

void participant_drop_track(track *t) {
    /* Forwarders belong to the subscribers' slots: deactivate those slots.
     * forwarder_free unlinks from t->fwd, so walk from the end. */
    while (t->n_fwd > 0)
        slot_deactivate(t->fwd[t->n_fwd - 1]->slot);
    if (t->ssrc && t->owner) transport_forget_ssrc(t->owner->pub, t->ssrc, 0);
    track_destroy(t);
}

void participant_sync_sending(participant *p) {
    int up = p->sub && transport_get_state(p->sub) == TRANSPORT_CONNECTED;
    for (int i = 0; i < p->n_slots; i++)
        if (p->slots[i].fwd) p->slots[i].fwd->sending = up && p->slots[i].fwd->active;
}

/* Brings p's subscription slots in line with the room's tracks: every track
 * of another participant gets a slot (reusing an inactive one of the same
 * kind), slots whose track went away become inactive. Returns 1 if anything
 * changed. */
static int sync_slots(participant *p) {
    int changed = 0;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, p->room->participants);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        participant *o = v;
        if (o == p) continue;
        for (int k = 0; k < o->n_tracks; k++) {
            track *t = o->tracks[k];
            int found = 0;
            for (int i = 0; i < p->n_slots && !found; i++)
                found = p->slots[i].src == t;
            if (found) continue;
            sub_slot *s = NULL;
            for (int i = 0; i < p->n_slots && !s; i++)
                if (!p->slots[i].src && !p->slots[i].rejected && p->slots[i].kind == t->kind)
                    s = &p->slots[i];
            if (!s) {
                if (p->n_slots == p->cap_slots) {
                    int cap = p->cap_slots ? p->cap_slots * 2 : 8;
                    sub_slot *ns = realloc(p->slots, (size_t)cap * sizeof *ns);
                    if (!ns) return changed;
                    /* Forwarders point at their slot: re-point them. */
                    for (int i = 0; i < p->n_slots; i++)
                        if (ns[i].fwd) ns[i].fwd->slot = &ns[i];
                    p->slots = ns;
                    p->cap_slots = cap;
                }
                s = &p->slots[p->n_slots];
                memset(s, 0, sizeof *s);
                snprintf(s->mid, sizeof s->mid, "%d", p->n_slots);
                s->kind = t->kind;
                p->n_slots++;
            }
            s->src = t;
            s->owner_id = o->id;
            s->source = t->source;
            s->codec = t->codec;
            snprintf(s->fmtp, sizeof s->fmtp, "%s", t->fmtp);
            s->out_ssrc = worker_new_ssrc(p->room->w);
            s->fwd = forwarder_new(t, s->out_ssrc);
            if (!s->fwd) {
                s->src = NULL;
                continue;
            }
            s->fwd->sub = p;
            s->fwd->slot = s;
            changed = 1;
        }
    }
    return changed;
}

/* Re-offers p's subscribe connection if its slots changed. One offer is in
 * flight at a time; a change meanwhile is remembered and offered after the
 * answer. */
static void refresh_subscriptions(worker *w, participant *p) {
    /* Slots change only between offers, so that an answer always refers to
     * the slots of the offer it answers. */
    if (p->offer_pending) {
        p->renegotiate = 1;
        return;
    }
    if (sync_slots(p)) p->renegotiate = 1;
    if (!p->renegotiate) return;
    p->renegotiate = 0;
    emit_offer(w, p);
}

static void refresh_others(worker *w, room *r, participant *except) {
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, r->participants);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (v != except) refresh_subscriptions(w, v);
}

static void emit_offer(worker *w, participant *p) {
    int any = 0;
    for (int i = 0; i < p->n_slots && !any; i++)
        any = p->slots[i].src != NULL;
    if (!any && !p->sub) return; /* nothing to receive yet */
    if (!p->sub && !(p->sub = make_transport(w, p, SFU_PC_SUBSCRIBE))) {
        worker_emit_error(w, p, SFU_ERR_INTERNAL, "no media port available");
        return;
    }
    char *sdp = NULL;
    if (negotiate_subscribe_offer(w, p, &sdp) != 0) {
        worker_emit_error(w, p, SFU_ERR_INTERNAL, "cannot build the subscribe offer");
        return;
    }
    sfu_event *ev = calloc(1, sizeof *ev);
    sfu_sub_track *tr = calloc((size_t)p->n_slots + 1, sizeof *tr);
    if (!ev || !tr) {
        free(ev);
        free(tr);
        free(sdp);
        return;
    }
    int n = 0;
    for (int i = 0; i < p->n_slots; i++) {
        sub_slot *s = &p->slots[i];
        if (!s->src || s->rejected) continue;
        memcpy(tr[n].mid, s->mid, sizeof tr[n].mid);
        tr[n].owner = s->owner_id;
        tr[n].source = s->source;
        tr[n].kind = s->kind;
        n++;
    }
    ev->type = SFU_EV_SUBSCRIBE_OFFER;
    ev->room = p->room->id;
    ev->pid = p->id;
    ev->sdp = sdp;
    ev->sub_tracks = tr;
    ev->n_sub_tracks = n;
    p->offer_pending = 1;
    worker_emit(w, ev);
}

/* ---- participants ---------------------------------------------------------- */

static void participant_free(participant *p) {
    worker *w = p->room->w;
    for (int i = 0; i < p->n_slots; i++)
        slot_deactivate(&p->slots[i]);
    free(p->slots);
    for (int i = 0; i < p->n_tracks; i++)
        participant_drop_track(p->tracks[i]);
    drop_transport(w, &p->pub);
    drop_transport(w, &p->sub);
    for (int i = 0; i < p->n_early; i++)
        free(p->early_cands[i]);
    STAT_SUB(w, participants, 1);
    free(p);
}

void room_free(room *r) {
    /* Free publishers' tracks first so no forwarder outlives its track. */
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, r->participants);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        participant *p = v;
        for (int i = 0; i < p->n_tracks; i++)
            participant_drop_track(p->tracks[i]);
        p->n_tracks = 0;
    }
    g_hash_table_destroy(r->participants);
    STAT_SUB(r->w, rooms, 1);
    free(r);
}

static void participant_destroy_notify(gpointer v) {
    participant_free(v);
}

participant *room_find(worker *w, uint32_t room_id, uint32_t pid) {
    room *r = g_hash_table_lookup(w->rooms, GUINT_TO_POINTER(room_id));
    return r ? g_hash_table_lookup(r->participants, GUINT_TO_POINTER(pid)) : NULL;
}

static void cmd_join(worker *w, sfu_cmd *c) {
    room *r = g_hash_table_lookup(w->rooms, GUINT_TO_POINTER(c->room));
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) return;
        r->id = c->room;
        r->w = w;
        r->participants =
            g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, participant_destroy_notify);
        g_hash_table_insert(w->rooms, GUINT_TO_POINTER(c->room), r);
        STAT_INC(w, rooms);
    }
    if (g_hash_table_lookup(r->participants, GUINT_TO_POINTER(c->pid))) return;
    participant *p = calloc(1, sizeof *p);
    if (!p) return;
    p->id = c->pid;
    p->room = r;
    p->rtcp_ssrc = worker_new_ssrc(w);
    p->sdp_session_id = ((uint64_t)g_random_int() << 20) ^ g_random_int();
    g_hash_table_insert(r->participants, GUINT_TO_POINTER(p->id), p);
    STAT_INC(w, participants);
    refresh_subscriptions(w, p);
}

static void cmd_leave(worker *w, sfu_cmd *c) {
    room *r = g_hash_table_lookup(w->rooms, GUINT_TO_POINTER(c->room));
    if (!r) return;
    if (!g_hash_table_remove(r->participants, GUINT_TO_POINTER(c->pid))) return;
    if (g_hash_table_size(r->participants) == 0) {
        g_hash_table_remove(w->rooms, GUINT_TO_POINTER(c->room));
        return;
    }
    refresh_others(w, r, NULL);
}

static void cmd_publish(worker *w, participant *p, sfu_cmd *c) {
    if (p->pub && transport_get_state(p->pub) == TRANSPORT_FAILED) {
        /* A fresh offer after a failure gets a fresh transport. */
        for (int i = 0; i < p->n_tracks; i++)
            participant_drop_track(p->tracks[i]);
        p->n_tracks = 0;
        drop_transport(w, &p->pub);
    }
    int created = 0;
    if (!p->pub) {
        if (!(p->pub = make_transport(w, p, SFU_PC_PUBLISH))) {
            worker_emit_error(w, p, SFU_ERR_INTERNAL, "no media port available");
            return;
        }
        created = 1;
    }
    char *answer = NULL;
    sfu_error err = 0;
    char msg[160] = "";
    if (negotiate_publish(w, p, c, &answer, &err, msg, sizeof msg) != 0) {
        if (created) drop_transport(w, &p->pub);
        worker_emit_error(w, p, err, "%s", msg);
        return;
    }
    for (int i = 0; i < p->n_early; i++) {
        transport_add_remote_candidate(p->pub, p->early_cands[i]);
        free(p->early_cands[i]);
    }
    p->n_early = 0;
    sfu_event *ev = calloc(1, sizeof *ev);
    if (!ev) {
        free(answer);
        return;
    }
    ev->type = SFU_EV_PUBLISH_ANSWER;
    ev->room = p->room->id;
    ev->pid = p->id;
    ev->sdp = answer;
    for (int i = 0; i < p->n_tracks; i++)
        ev->sources[ev->n_sources++] = p->tracks[i]->source;
    worker_emit(w, ev);
    refresh_others(w, p->room, p);
}

static void cmd_subscribe_answer(worker *w, participant *p, sfu_cmd *c) {
    if (!p->offer_pending) {
        worker_emit_error(w, p, SFU_ERR_NO_OFFER_PENDING,
                          "no subscribe-offer is waiting for an "
                          "answer");
        return;
    }
    sfu_error err = 0;
    char msg[160] = "";
    if (negotiate_subscribe_answer(w, p, c->sdp, &err, msg, sizeof msg) != 0) {
        worker_emit_error(w, p, err, "%s", msg);
        /* The offer stays pending: the client may answer again. */
        return;
    }
    p->offer_pending = 0;
    if (p->renegotiate) refresh_subscriptions(w, p);
}

static void cmd_candidate(worker *w, participant *p, sfu_cmd *c) {
    transport *t = c->pc == SFU_PC_PUBLISH ? p->pub : p->sub;
    if (!t) {
        if (c->pc == SFU_PC_PUBLISH && p->n_early < EARLY_CANDIDATES && c->candidate) {
            p->early_cands[p->n_early++] = c->candidate;
            c->candidate = NULL;
        }
        return;
    }
    /* Bad or unsupported candidates (TCP, mDNS) are ignored: ICE uses the
     * others and peer-reflexive ones. */
    transport_add_remote_candidate(t, c->candidate);
}

static void dispatch(worker *w, sfu_cmd *c);

void room_handle_cmd(worker *w, sfu_cmd *c) {
    w->current_cmd = c;
    dispatch(w, c);
    w->current_cmd = NULL;
}

static void dispatch(worker *w, sfu_cmd *c) {
    if (c->type == SFU_CMD_JOIN) {
        cmd_join(w, c);
        return;
    }
    if (c->type == SFU_CMD_LEAVE) {
        cmd_leave(w, c);
        return;
    }
    participant *p = room_find(w, c->room, c->pid);
    if (!p) return; /* left meanwhile */
    switch (c->type) {
    case SFU_CMD_PUBLISH:
        cmd_publish(w, p, c);
        break;
    case SFU_CMD_SUBSCRIBE_ANSWER:
        cmd_subscribe_answer(w, p, c);
        break;
    case SFU_CMD_CANDIDATE:
        cmd_candidate(w, p, c);
        break;
    default:
        break;
    }
}

/* Timers of the transports (DTLS retransmission), from the worker's tick. */
void room_tick(worker *w, room *r, uint64_t now_us) {
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, r->participants);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        participant *p = v;
        if (p->pub) transport_tick(p->pub, now_us);
        if (p->sub) transport_tick(p->sub, now_us);
    }
}
