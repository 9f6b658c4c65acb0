/* Workers, the command hand-off to them and the event queue back to the
 * control thread. The queue is the only place where the two sides meet, and
 * it carries negotiation messages only, never media: its mutex is off the
 * hot path. */
#include "sfu/sfu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "sfu/dtls.h"

#include "sfu/sfu_internal.h"

struct sfu {
    sfu_opts opts;
    char **media_addrs; /* owned copies */
    char *announce_addr;
    dtls_cert *cert;
    worker *workers;
    int n_workers;
    int *rooms_per_worker; /* control thread's placement bookkeeping */
    void (*wakeup)(void *);
    void *wakeup_ud;
    GMutex ev_lock;
    GQueue events;
};

const struct dtls_cert *sfu_cert(const sfu *s) {
    return s->cert;
}

static gboolean worker_tick(gpointer data) {
    worker *w = data;
    media_tick(w, clock_now_us());
    /* CPU time for /metrics and the cluster's load figure: a syscall, so
     * once a second rather than every tick. */
    if (++w->ticks % (1000 / SFU_TICK_MS) == 0) {
        struct timespec ts;
        if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
            atomic_store_explicit(&w->cpu_ns,
                                  (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
                                  memory_order_relaxed);
    }
    return G_SOURCE_CONTINUE;
}

static gpointer worker_main(gpointer data) {
    worker *w = data;
    g_main_context_push_thread_default(w->ctx);
    GSource *tick = g_timeout_source_new(SFU_TICK_MS);
    g_source_set_callback(tick, worker_tick, w, NULL);
    g_source_attach(tick, w->ctx);
    g_main_loop_run(w->loop);
    g_source_destroy(tick);
    g_source_unref(tick);
    /* Rooms die on their own thread, so libnice agents are unreffed where
     * they live. */
    g_hash_table_remove_all(w->rooms);
    g_main_context_pop_thread_default(w->ctx);
    return NULL;
}

static void room_destroy_notify(gpointer p) {
    room_free(p);
}

int sfu_new(sfu **out, const sfu_opts *opts, void (*wakeup)(void *), void *ud, char *err,
            size_t errlen) {
    *out = NULL;
    if (opts->workers < 1 || opts->n_media_addrs < 1) {
        snprintf(err, errlen, "need at least one worker and one media address");
        return -1;
    }
    sfu *s = g_new0(sfu, 1);
    s->opts = *opts;
    s->media_addrs = g_new0(char *, opts->n_media_addrs + 1);
    for (size_t i = 0; i < opts->n_media_addrs; i++)
        s->media_addrs[i] = g_strdup(opts->media_addrs[i]);
    s->opts.media_addrs = (const char *const *)s->media_addrs;
    s->announce_addr = opts->announce_addr ? g_strdup(opts->announce_addr) : NULL;
    s->opts.announce_addr = s->announce_addr;
    s->wakeup = wakeup;
    s->wakeup_ud = ud;
    g_mutex_init(&s->ev_lock);
    g_queue_init(&s->events);
    if (dtls_cert_generate(&s->cert) != 0) {
        snprintf(err, errlen, "cannot generate the DTLS certificate");
        sfu_free(s);
        return -1;
    }
    s->n_workers = opts->workers;
    s->workers = g_new0(worker, s->n_workers);
    s->rooms_per_worker = g_new0(int, s->n_workers);
    for (int i = 0; i < s->n_workers; i++) {
        worker *w = &s->workers[i];
        w->idx = i;
        w->owner = s;
        w->opts = &s->opts;
        w->ssrc_seed = g_random_int();
        w->ctx = g_main_context_new();
        w->loop = g_main_loop_new(w->ctx, FALSE);
        w->rooms = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, room_destroy_notify);
        w->dtls = dtls_ctx_new(s->cert, DTLS_ROLE_SERVER);
        w->tx = fanout_new(media_flush, w);
        if (!w->dtls || !w->tx) {
            snprintf(err, errlen, "cannot create the DTLS context or transmit batch");
            sfu_free(s);
            return -1;
        }
        char name[24];
        snprintf(name, sizeof name, "media-%d", i);
        w->thread = g_thread_new(name, worker_main, w);
    }
    *out = s;
    return 0;
}

static gboolean quit_loop(gpointer data) {
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

void sfu_free(sfu *s) {
    if (!s) return;
    for (int i = 0; s->workers && i < s->n_workers; i++) {
        worker *w = &s->workers[i];
        if (w->thread) {
            g_main_context_invoke(w->ctx, quit_loop, w->loop);
            g_thread_join(w->thread);
        }
        if (w->rooms) g_hash_table_destroy(w->rooms);
        if (w->dtls) dtls_ctx_free(w->dtls);
        fanout_free(w->tx);
        if (w->loop) g_main_loop_unref(w->loop);
        if (w->ctx) g_main_context_unref(w->ctx);
    }
    sfu_event *ev;
    while ((ev = g_queue_pop_head(&s->events)))
        sfu_event_free(ev);
    g_mutex_clear(&s->ev_lock);
    if (s->cert) dtls_cert_free(s->cert);
    g_strfreev(s->media_addrs);
    g_free(s->announce_addr);
    g_free(s->workers);
    g_free(s->rooms_per_worker);
    g_free(s);
}

int sfu_worker_count(const sfu *s) {
    return s->n_workers;
}

int sfu_pick_worker(sfu *s) {
    int best = 0;
    for (int i = 1; i < s->n_workers; i++)
        if (s->rooms_per_worker[i] < s->rooms_per_worker[best]) best = i;
    return best;
}

void sfu_room_placed(sfu *s, int w, int delta) {
    if (w >= 0 && w < s->n_workers) s->rooms_per_worker[w] += delta;
}

sfu_cmd *sfu_cmd_new(sfu_cmd_type type, uint32_t room_id, uint32_t pid) {
    sfu_cmd *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->type = type;
    c->room = room_id;
    c->pid = pid;
    return c;
}

void sfu_cmd_free(sfu_cmd *c) {
    if (!c) return;
    free(c->sdp);
    free(c->candidate);
    free(c);
}

typedef struct cmd_envelope {
    worker *w;
    sfu_cmd *cmd;
} cmd_envelope;

static gboolean run_cmd(gpointer data) {
    cmd_envelope *e = data;
    room_handle_cmd(e->w, e->cmd);
    return G_SOURCE_REMOVE;
}

static void free_envelope(gpointer data) {
    cmd_envelope *e = data;
    sfu_cmd_free(e->cmd);
    g_free(e);
}

int sfu_send(sfu *s, int w, sfu_cmd *cmd) {
    if (!cmd) return -1;
    if (w < 0 || w >= s->n_workers) {
        sfu_cmd_free(cmd);
        return -1;
    }
    cmd_envelope *e = g_new(cmd_envelope, 1);
    e->w = &s->workers[w];
    e->cmd = cmd;
    g_main_context_invoke_full(e->w->ctx, G_PRIORITY_DEFAULT, run_cmd, e, free_envelope);
    return 0;
}

void worker_emit(worker *w, sfu_event *ev) {
    sfu *s = w->owner;
    g_mutex_lock(&s->ev_lock);
    g_queue_push_tail(&s->events, ev);
    g_mutex_unlock(&s->ev_lock);
    if (s->wakeup) s->wakeup(s->wakeup_ud);
}

void worker_emit_error(worker *w, participant *p, sfu_error err, const char *fmt, ...) {
    sfu_event *ev = calloc(1, sizeof *ev);
    if (!ev) return;
    ev->type = SFU_EV_ERROR;
    ev->room = p->room->id;
    ev->pid = p->id;
    ev->error = err;
    ev->cause = w->current_cmd ? (int)w->current_cmd->type + 1 : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->message, sizeof ev->message, fmt, ap);
    va_end(ap);
    worker_emit(w, ev);
}

sfu_event *sfu_poll_event(sfu *s) {
    g_mutex_lock(&s->ev_lock);
    sfu_event *ev = g_queue_pop_head(&s->events);
    g_mutex_unlock(&s->ev_lock);
    return ev;
}

void sfu_event_free(sfu_event *e) {
    if (!e) return;
    free(e->sdp);
    free(e->sub_tracks);
    free(e);
}

uint64_t sfu_worker_cpu_ns(sfu *s, int w) {
    if (w < 0 || w >= s->n_workers) return 0;
    return atomic_load_explicit(&s->workers[w].cpu_ns, memory_order_relaxed);
}

void sfu_get_stats(sfu *s, sfu_stats *out) {
    uint64_t *o = (uint64_t *)out;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < s->n_workers; i++)
        for (size_t k = 0; k < sizeof(sfu_stats) / sizeof(uint64_t); k++)
            o[k] += atomic_load_explicit(&s->workers[i].stats.v[k], memory_order_relaxed);
}

const char *sfu_source_name(sfu_source src) {
    switch (src) {
    case SFU_SRC_MICROPHONE:
        return "microphone";
    case SFU_SRC_CAMERA:
        return "camera";
    case SFU_SRC_SCREEN:
        return "screen";
    }
    return "unknown";
}

uint32_t worker_new_ssrc(worker *w) {
    /* xorshift: unique enough per worker, never 0. */
    uint32_t x = w->ssrc_seed;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    w->ssrc_seed = x ? x : 0x9e3779b9u;
    return w->ssrc_seed;
}
