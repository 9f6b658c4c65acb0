/* Bots' worker threads: media and feedback ticks, snapshots, creating and
 * stopping bots. One bot's session (signaling, negotiation, reconnecting)
 * is in bot_session.c. See bot.h. */
#include "loadtest/bot.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "loadtest/bot_internal.h"
#include "loadtest/media_src.h"
#include "sfu/rtcp.h"

#define MEDIA_TICK_MS 5

static const char *const fail_names[LT_FAIL__COUNT] = {
    "none", "connect", "refused", "negotiate", "ice", "dtls", "timeout",
};
const char *lt_fail_name(lt_fail f) {
    return f < LT_FAIL__COUNT ? fail_names[f] : "?";
}

static void bot_media(lt_worker *w, lt_bot *b, uint64_t now) {
    if (!b->pub || transport_get_state(b->pub) != TRANSPORT_CONNECTED) return;
    uint8_t out[PKT_CAP];
    uint64_t wall = clock_wall_us();
    int n;
    while (b->asrc && (n = audio_src_poll(b->asrc, now, wall, out, sizeof out)) > 0) {
        if (transport_send_rtp(b->pub, out, (size_t)n, sizeof out) != 0) break;
        w->packets_sent++;
        w->bytes_sent += (uint64_t)n;
    }
    while (b->vsrc && (n = video_src_poll(b->vsrc, now, wall, out, sizeof out)) > 0) {
        if (transport_send_rtp(b->pub, out, (size_t)n, sizeof out) != 0) break;
        w->packets_sent++;
        w->bytes_sent += (uint64_t)n;
    }
}

/* NACKs for gaps in what we receive, so the node's retransmissions are
 * exercised and "loss after recovery" means something. */
static void bot_feedback(lt_bot *b, uint64_t now) {
    if (!b->sub || transport_get_state(b->sub) != TRANSPORT_CONNECTED) return;
    for (int i = 0; i < b->n_rx; i++) {
        rx_entry *e = &b->rx[i];
        uint64_t due = e->video ? rtp_nack_next_due(&e->nack) : 0;
        if (!due || due > now) continue;
        uint16_t seqs[64];
        int n = rtp_nack_poll(&e->nack, now, seqs, 64);
        if (n <= 0) continue;
        uint8_t buf[1500 + TRANSPORT_SRTP_TRAILER];
        int a = rtcp_build_rr(buf, 1500, b->rtcp_ssrc, NULL, 0);
        int c =
            a < 0 ? -1 : rtcp_build_nack(buf + a, 1500 - (size_t)a, b->rtcp_ssrc, e->ssrc, seqs, n);
        if (c > 0) transport_send_rtcp(b->sub, buf, (size_t)(a + c), sizeof buf);
    }
}

static gboolean media_tick(gpointer data) {
    lt_worker *w = data;
    uint64_t now = clock_now_us();
    for (guint i = 0; i < w->bots->len; i++) {
        lt_bot *b = g_ptr_array_index(w->bots, i);
        if (b->done) continue;
        bot_reconnect_tick(b, now); /* first: may tear the session down */
        bot_media(w, b, now);
        bot_feedback(b, now);
        if (b->pub) transport_tick(b->pub, now);
        if (b->sub) transport_tick(b->sub, now);
        if (b->ja && now >= janus_adapter_next_timeout(b->ja)) { /* session keepalive */
            janus_adapter_handle_timeout(b->ja, now);
            bot_janus_pump(b);
        }
        /* The join deadline is the first session's; after a failure the
         * episode has its own (bot_reconnect_tick). */
        if (!b->join_recorded && !b->fail && !b->ep_start && b->t_start &&
            now - b->t_start > JOIN_DEADLINE_US)
            bot_fail(b, LT_FAIL_TIMEOUT, "no media from every publisher in time");
    }
    return G_SOURCE_CONTINUE;
}

static void take_snapshot(lt_worker *w, int final) {
    lt_snapshot s;
    memset(&s, 0, sizeof s);
    histogram_init(&s.join_us);
    rx_totals_init(&s.audio);
    rx_totals_init(&s.video);
    s.rc = w->rc; /* counts and failover times; bot states below */
    s.rc.reconnecting = s.rc.disconnected = 0;
    uint64_t now = clock_now_us();
    for (guint i = 0; i < w->bots->len; i++) {
        lt_bot *b = g_ptr_array_index(w->bots, i);
        s.bots++;
        if (b->fail)
            s.failed[b->fail]++;
        else if (b->in_episode)
            s.rc.disconnected++, s.rc.reconnecting += !b->gave_up;
        else if (b->join_recorded || b->ep_start)
            s.connected++; /* after a reconnect: media flows again */
        for (int k = 0; k < b->n_rx; k++) {
            if (final) rx_stream_finish(&b->rx[k].st, now);
            rx_stream_snapshot(&b->rx[k].st, b->rx[k].video ? &s.video : &s.audio);
        }
        if (b->rx_closed) {
            rx_totals_merge(&s.audio, &b->rx_closed[0]);
            rx_totals_merge(&s.video, &b->rx_closed[1]);
        }
    }
    s.packets_sent = w->packets_sent;
    s.bytes_sent = w->bytes_sent;
    histogram_merge(&s.join_us, &w->join_us);
    g_mutex_lock(&w->lock);
    w->snap = s;
    g_mutex_unlock(&w->lock);
}

static gboolean stats_tick(gpointer data) {
    take_snapshot(data, 0);
    return G_SOURCE_CONTINUE;
}

static gpointer worker_main(gpointer data) {
    lt_worker *w = data;
    g_main_context_push_thread_default(w->ctx);
    GSource *mt = g_timeout_source_new(MEDIA_TICK_MS);
    g_source_set_callback(mt, media_tick, w, NULL);
    g_source_attach(mt, w->ctx);
    GSource *st = g_timeout_source_new(1000);
    g_source_set_callback(st, stats_tick, w, NULL);
    g_source_attach(st, w->ctx);
    g_main_loop_run(w->loop);
    g_source_destroy(mt);
    g_source_unref(mt);
    g_source_destroy(st);
    g_source_unref(st);
    take_snapshot(w, 1);
    for (guint i = 0; i < w->bots->len; i++)
        bot_free(g_ptr_array_index(w->bots, i));
    g_ptr_array_set_size(w->bots, 0);
    g_main_context_pop_thread_default(w->ctx);
    return NULL;
}

lt_worker *lt_worker_new(int idx, const lt_opts *o, audio_loop *al, video_loop *vl) {
    lt_worker *w = g_new0(lt_worker, 1);
    w->idx = idx;
    w->o = o;
    w->al = al;
    w->vl = vl;
    w->bots = g_ptr_array_new();
    g_mutex_init(&w->lock);
    histogram_init(&w->join_us);
    lt_reconnects_init(&w->rc);
    if (dtls_cert_generate(&w->cert) != 0 || !(w->dtls = dtls_ctx_new(w->cert, DTLS_ROLE_CLIENT))) {
        LOG_E("loadtest", "cannot set up DTLS");
        return NULL;
    }
    w->ctx = g_main_context_new();
    w->loop = g_main_loop_new(w->ctx, FALSE);
    char name[24];
    snprintf(name, sizeof name, "bots-%d", idx);
    w->thread = g_thread_new(name, worker_main, w);
    return w;
}

typedef struct add_req {
    lt_worker *w;
    int id, listener;
    char room[72];
} add_req;

static gboolean do_add_bot(gpointer data) {
    add_req *r = data;
    lt_worker *w = r->w;
    if (w->stopping) return G_SOURCE_REMOVE;
    lt_bot *b = calloc(1, sizeof *b);
    if (!b) return G_SOURCE_REMOVE;
    b->w = w;
    b->id = r->id;
    b->listener = r->listener;
    b->t_start = clock_now_us();
    b->rng = g_random_int();
    b->entry = lt_entry_first(b->id - 1, w->o->n_urls);
    snprintf(b->room, sizeof b->room, "%s", r->room);
    /* The same name on every session: a reconnect is the same participant
     * coming back, as a browser tab would. */
    snprintf(b->name, sizeof b->name, "%s %d", b->listener ? "listener" : "bot", b->id);
    g_ptr_array_add(w->bots, b);
    bot_start_session(b, w->o->urls[b->entry]);
    return G_SOURCE_REMOVE;
}

void lt_worker_add_bot(lt_worker *w, int id, const char *room, int listener) {
    add_req *r = g_new0(add_req, 1);
    r->w = w;
    r->id = id;
    r->listener = listener;
    snprintf(r->room, sizeof r->room, "%s", room);
    g_main_context_invoke_full(w->ctx, G_PRIORITY_DEFAULT, do_add_bot, r, g_free);
}

void lt_worker_snapshot(lt_worker *w, lt_snapshot *out) {
    g_mutex_lock(&w->lock);
    *out = w->snap;
    g_mutex_unlock(&w->lock);
}

static gboolean do_stop(gpointer data) {
    lt_worker *w = data;
    w->stopping = 1;
    for (guint i = 0; i < w->bots->len; i++)
        ((lt_bot *)g_ptr_array_index(w->bots, i))->done = 1;
    g_main_loop_quit(w->loop);
    return G_SOURCE_REMOVE;
}

void lt_worker_stop(lt_worker *w, lt_snapshot *final) {
    g_main_context_invoke(w->ctx, do_stop, w);
    g_thread_join(w->thread);
    lt_worker_snapshot(w, final);
    g_ptr_array_free(w->bots, TRUE);
    g_main_loop_unref(w->loop);
    g_main_context_unref(w->ctx);
    dtls_ctx_free(w->dtls);
    dtls_cert_free(w->cert);
    g_mutex_clear(&w->lock);
    g_free(w);
}
