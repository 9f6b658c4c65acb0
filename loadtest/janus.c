/* Janus VideoRoom adapter: Relais protocol <-> Janus 1.1 API. See janus.h.
 *
 * State: the session and two handles (publisher, subscriber), the room's
 * publishers ("feeds") as Janus announced them, and for each feed whether we
 * want it (it publishes) and whether our subscription has it. Subscription
 * changes are made by reconciling those two flags whenever the subscriber
 * handle is idle, so changes that arrive while an offer is in flight simply
 * wait for the next reconcile. */
#include "loadtest/janus.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define TAG "janus"
#define MAX_TX 64     /* requests awaiting their final answer */
#define MAX_STREAMS 8 /* audio/video streams per publisher we track */
#define ERR_ROOM_EXISTS 427
#define ERR_NO_SUCH_FEED 428

typedef enum {
    TX_FREE = 0,
    TX_SESSION,
    TX_ATTACH_PUB,
    TX_ATTACH_SUB,
    TX_CREATE,
    TX_JOIN_PUB,
    TX_CONFIGURE,
    TX_JOIN_SUB,
    TX_SUB_CHANGE,
    TX_START,
} tx_kind;

typedef enum {
    SUB_NONE,      /* no subscriber handle */
    SUB_ATTACHING, /* attach sent */
    SUB_ATTACHED,  /* handle, not joined */
    SUB_BUSY,      /* join/subscribe/unsubscribe/update sent: waiting for Janus */
    SUB_OFFERED,   /* offer handed to the bot: waiting for its answer */
    SUB_STARTING,  /* start sent: waiting for "started" */
    SUB_IDLE,
} sub_state;

typedef struct feed_stream {
    char mid[33];
    char source[12];
} feed_stream;

typedef struct feed {
    uint64_t id;
    char name[72];
    feed_stream st[MAX_STREAMS];
    int n_st;
    int want;   /* publishing audio or video now */
    int sub;    /* in our subscription, or in the request in flight */
    int in_req; /* added by the request in flight */
} feed;

typedef struct pending_tx {
    uint32_t n;
    tx_kind kind;
} pending_tx;

struct janus_adapter {
    uint64_t room_base;
    int max_publishers;
    char room[72], name[72];
    uint64_t room_id, session, pub_handle, sub_handle, me, private_id;
    int started, joined, closed, publish_pending;
    sub_state sub;
    uint64_t next_keepalive; /* 0 = none */
    uint32_t next_tx;
    pending_tx tx[MAX_TX];
    feed *feeds;
    int n_feeds, cap_feeds;
    json_t *to_server, *to_bot; /* arrays used as FIFO queues */
};

/* ---- small helpers --------------------------------------------------------- */

uint64_t janus_room_id(uint64_t room_id_base, const char *name) {
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    uint64_t id = (room_id_base + ((h ^ (h >> 48)) & 0xFFFFFFFFFFFFull)) & ((1ull << 53) - 1);
    return id ? id : 1;
}

static uint64_t jint(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static const char *jstr(json_t *o, const char *key) {
    return json_string_value(json_object_get(o, key));
}

static json_t *jid(uint64_t v) {
    return json_integer((json_int_t)v);
}

static void to_bot(janus_adapter *a, json_t *m) {
    json_array_append_new(a->to_bot, m);
}

static json_t *poll_queue(json_t *q) {
    json_t *m = json_array_get(q, 0);
    if (!m) return NULL;
    json_incref(m);
    json_array_remove(q, 0);
    return m;
}

json_t *janus_adapter_poll_to_server(janus_adapter *a) {
    return poll_queue(a->to_server);
}

json_t *janus_adapter_poll_to_bot(janus_adapter *a) {
    return poll_queue(a->to_bot);
}

/* A Relais `error` for the bot. request may be NULL. */
static void bot_error(janus_adapter *a, const char *code, const char *request, int fatal,
                      const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    to_bot(a, json_pack("{s:s,s:s,s:s,s:o,s:b}", "type", "error", "code", code, "message", msg,
                        "request", request ? json_string(request) : json_null(), "fatal", fatal));
}

/* ---- requests to Janus ------------------------------------------------------ */

/* Queues {"janus": verb, "transaction": "t<n>", "session_id": ...} and returns
 * it (still ours to add members to). kind != TX_FREE remembers the
 * transaction until its final answer. */
static json_t *request(janus_adapter *a, const char *verb, tx_kind kind) {
    uint32_t n = ++a->next_tx;
    char tx[16];
    snprintf(tx, sizeof tx, "t%" PRIu32, n);
    json_t *m = json_pack("{s:s,s:s}", "janus", verb, "transaction", tx);
    if (a->session) json_object_set_new(m, "session_id", jid(a->session));
    if (kind != TX_FREE) {
        pending_tx *p = &a->tx[n % MAX_TX];
        if (p->kind != TX_FREE) LOG_W(TAG, "transaction t%" PRIu32 " forgotten", p->n);
        p->n = n;
        p->kind = kind;
    }
    json_array_append_new(a->to_server, m);
    return m;
}

/* A plugin message on `handle`; takes body and jsep (may be NULL). */
static void message(janus_adapter *a, uint64_t handle, tx_kind kind, json_t *body, json_t *jsep) {
    json_t *m = request(a, "message", kind);
    json_object_set_new(m, "handle_id", jid(handle));
    json_object_set_new(m, "body", body);
    if (jsep) json_object_set_new(m, "jsep", jsep);
}

/* The bots put all their candidates in the SDP. */
static void trickle_done(janus_adapter *a, uint64_t handle) {
    json_t *m = request(a, "trickle", TX_FREE);
    json_object_set_new(m, "handle_id", jid(handle));
    json_object_set_new(m, "candidate", json_pack("{s:b}", "completed", 1));
}

static void attach(janus_adapter *a, tx_kind kind) {
    json_object_set_new(request(a, "attach", kind), "plugin", json_string(JANUS_PLUGIN));
}

/* The kind of the request a message answers, forgetting it; TX_FREE if none. */
static tx_kind tx_take(janus_adapter *a, json_t *m) {
    const char *tx = jstr(m, "transaction");
    char *end;
    if (!tx || tx[0] != 't') return TX_FREE;
    unsigned long n = strtoul(tx + 1, &end, 10);
    pending_tx *p = &a->tx[n % MAX_TX];
    if (*end || p->kind == TX_FREE || p->n != n) return TX_FREE;
    tx_kind k = p->kind;
    p->kind = TX_FREE;
    return k;
}

/* ---- feeds ------------------------------------------------------------------ */

static feed *feed_find(janus_adapter *a, uint64_t id) {
    for (int i = 0; i < a->n_feeds; i++)
        if (a->feeds[i].id == id) return &a->feeds[i];
    return NULL;
}

static feed *feed_get(janus_adapter *a, uint64_t id) {
    feed *f = feed_find(a, id);
    if (f) return f;
    if (a->n_feeds == a->cap_feeds) {
        int cap = a->cap_feeds ? a->cap_feeds * 2 : 16;
        feed *n = realloc(a->feeds, (size_t)cap * sizeof *n);
        if (!n) return NULL;
        a->feeds = n;
        a->cap_feeds = cap;
    }
    f = &a->feeds[a->n_feeds++];
    memset(f, 0, sizeof *f);
    f->id = id;
    return f;
}

static int valid_source(const char *s) {
    return s && (!strcmp(s, "microphone") || !strcmp(s, "camera") || !strcmp(s, "screen"));
}

/* A publisher as Janus lists it ("joined" and "publishers"): its audio and
 * video streams; the source is the stream description our adapters set, or
 * follows from the type. */
static feed *feed_update(janus_adapter *a, json_t *p) {
    uint64_t id = jint(p, "id");
    if (!id || id == a->me) return NULL;
    feed *f = feed_get(a, id);
    if (!f) return NULL;
    snprintf(f->name, sizeof f->name, "%s", jstr(p, "display") ? jstr(p, "display") : "");
    f->n_st = 0;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(p, "streams"), i, s) {
        const char *type = jstr(s, "type"), *mid = jstr(s, "mid"), *d = jstr(s, "description");
        if (!type || !mid || json_is_true(json_object_get(s, "disabled"))) continue;
        if ((strcmp(type, "audio") && strcmp(type, "video")) || f->n_st == MAX_STREAMS) continue;
        feed_stream *fs = &f->st[f->n_st++];
        snprintf(fs->mid, sizeof fs->mid, "%s", mid);
        snprintf(fs->source, sizeof fs->source, "%s",
                 valid_source(d)  ? d
                 : type[0] == 'a' ? "microphone"
                                  : "camera");
    }
    f->want = f->n_st > 0;
    return f;
}

static const char *feed_source(janus_adapter *a, uint64_t id, const char *mid, const char *type) {
    feed *f = feed_find(a, id);
    for (int i = 0; f && mid && i < f->n_st; i++)
        if (strcmp(f->st[i].mid, mid) == 0) return f->st[i].source;
    return type[0] == 'a' ? "microphone" : "camera";
}

/* Relais participant object: {"id","name","tracks":[{"source","muted"}]}. */
static json_t *participant_json(const feed *f) {
    json_t *tracks = json_array();
    for (int i = 0; f->want && i < f->n_st; i++)
        json_array_append_new(tracks,
                              json_pack("{s:s,s:b}", "source", f->st[i].source, "muted", 0));
    char id[24];
    snprintf(id, sizeof id, "%" PRIu64, f->id);
    return json_pack("{s:s,s:s,s:o}", "id", id, "name", f->name, "tracks", tracks);
}

/* ---- subscription ------------------------------------------------------------ */

static json_t *streams_of(janus_adapter *a, int adding) {
    json_t *arr = json_array();
    for (int i = 0; i < a->n_feeds; i++) {
        feed *f = &a->feeds[i];
        if (adding ? (f->want && !f->sub) : (!f->want && f->sub))
            json_array_append_new(arr, json_pack("{s:o}", "feed", jid(f->id)));
    }
    return arr;
}

/* Marks what the request being sent changes: added feeds are subscribed (and
 * in the request), removed ones not; forgets feeds nobody needs. */
static void mark_sent(janus_adapter *a) {
    int k = 0;
    for (int i = 0; i < a->n_feeds; i++) {
        feed *f = &a->feeds[i];
        if (f->want && !f->sub) f->sub = f->in_req = 1;
        if (!f->want) f->sub = 0;
        if (f->want || f->sub || f->in_req) a->feeds[k++] = *f;
    }
    a->n_feeds = k;
}

static void sub_change(janus_adapter *a, int add, int del) {
    json_t *body;
    if (add && del)
        body = json_pack("{s:s,s:o,s:o}", "request", "update", "subscribe", streams_of(a, 1),
                         "unsubscribe", streams_of(a, 0));
    else
        body = json_pack("{s:s,s:o}", "request", add ? "subscribe" : "unsubscribe", "streams",
                         streams_of(a, add));
    mark_sent(a);
    message(a, a->sub_handle, TX_SUB_CHANGE, body, NULL);
    a->sub = SUB_BUSY;
}

/* Brings the subscription in line with the feeds, if the handle is free. */
static void sub_reconcile(janus_adapter *a) {
    if (!a->joined || a->closed) return;
    int add = 0, del = 0;
    for (int i = 0; i < a->n_feeds; i++) {
        add += a->feeds[i].want && !a->feeds[i].sub;
        del += !a->feeds[i].want && a->feeds[i].sub;
    }
    if (a->sub == SUB_NONE && add) {
        attach(a, TX_ATTACH_SUB);
        a->sub = SUB_ATTACHING;
    } else if (a->sub == SUB_ATTACHED && add) {
        json_t *body = json_pack("{s:s,s:s,s:o,s:o,s:o}", "request", "join", "ptype", "subscriber",
                                 "room", jid(a->room_id), "private_id", jid(a->private_id),
                                 "streams", streams_of(a, 1));
        mark_sent(a);
        message(a, a->sub_handle, TX_JOIN_SUB, body, NULL);
        a->sub = SUB_BUSY;
    } else if (a->sub == SUB_IDLE && (add || del)) {
        sub_change(a, add, del);
    }
}

static void sub_settled(janus_adapter *a, sub_state st) {
    for (int i = 0; i < a->n_feeds; i++)
        a->feeds[i].in_req = 0;
    a->sub = st;
    sub_reconcile(a);
}

/* Janus's offer for the subscriber handle, with the streams it carries. */
static void sub_offer(janus_adapter *a, json_t *streams, const char *sdp) {
    json_t *tracks = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(streams, i, s) {
        const char *type = jstr(s, "type"), *mid = jstr(s, "mid");
        uint64_t fid = jint(s, "feed_id");
        if (!type || !mid || !fid || json_is_false(json_object_get(s, "active"))) continue;
        if (strcmp(type, "audio") && strcmp(type, "video")) continue;
        char pid[24];
        snprintf(pid, sizeof pid, "%" PRIu64, fid);
        json_array_append_new(
            tracks, json_pack("{s:s,s:s,s:s,s:s}", "mid", mid, "participant", pid, "source",
                              feed_source(a, fid, jstr(s, "feed_mid"), type), "kind", type));
    }
    for (int k = 0; k < a->n_feeds; k++)
        a->feeds[k].in_req = 0;
    a->sub = SUB_OFFERED;
    to_bot(a, json_pack("{s:s,s:s,s:o}", "type", "subscribe-offer", "sdp", sdp, "tracks", tracks));
}

/* ---- errors ------------------------------------------------------------------- */

static const char *relais_code(int code) {
    switch (code) {
    case 432:
        return "room-full";
    case 431: /* invalid SDP type */
    case 437: /* invalid SDP */
    case 464: /* core: unknown JSEP type */
    case 465: /* core: invalid SDP */
        return "bad-sdp";
    case 424:
        return "not-joined";
    case 425:
        return "already-joined";
    case 421: /* no message */
    case 422: /* invalid JSON */
    case 423: /* invalid request */
    case 429: /* missing element */
    case 430: /* invalid element */
    case 454: /* core: invalid JSON */
    case 456: /* core: missing mandatory element */
    case 457: /* core: invalid element type */
        return "bad-message";
    default:
        return "internal";
    }
}

static const char *relais_request(tx_kind k) {
    switch (k) {
    case TX_SESSION:
    case TX_ATTACH_PUB:
    case TX_CREATE:
    case TX_JOIN_PUB:
        return "join";
    case TX_CONFIGURE:
        return "publish";
    case TX_ATTACH_SUB:
    case TX_JOIN_SUB:
    case TX_SUB_CHANGE:
    case TX_START:
        return "subscribe-answer";
    default:
        return NULL;
    }
}

/* Janus refused the request of kind k. A feed that left while we subscribed
 * to it is not the bot's problem: forget the feeds of that request (an
 * "unpublished" for them is on its way) and carry on. */
static void request_failed(janus_adapter *a, tx_kind k, int code, const char *reason) {
    if ((k == TX_JOIN_SUB || k == TX_SUB_CHANGE) && code == ERR_NO_SUCH_FEED) {
        LOG_D(TAG, "subscription: %s", reason);
        for (int i = 0; i < a->n_feeds; i++)
            if (a->feeds[i].in_req) a->feeds[i].want = a->feeds[i].sub = 0;
        sub_settled(a, k == TX_JOIN_SUB ? SUB_ATTACHED : SUB_IDLE);
        return;
    }
    if (k == TX_CONFIGURE) a->publish_pending = 0;
    if (k == TX_JOIN_SUB || k == TX_SUB_CHANGE || k == TX_START) sub_settled(a, SUB_IDLE);
    bot_error(a, relais_code(code), relais_request(k), 0, "janus %d: %s", code,
              reason ? reason : "");
}

/* ---- from the bot ---------------------------------------------------------------- */

static void bot_join(janus_adapter *a, json_t *m) {
    const char *room = jstr(m, "room"), *name = jstr(m, "name");
    if (!room || !name) {
        bot_error(a, "bad-message", "join", 0, "member 'room' and 'name' must be strings");
        return;
    }
    if (a->started) {
        bot_error(a, "already-joined", "join", 0, "already joined");
        return;
    }
    a->started = 1;
    snprintf(a->room, sizeof a->room, "%s", room);
    snprintf(a->name, sizeof a->name, "%s", name);
    a->room_id = janus_room_id(a->room_base, room);
    request(a, "create", TX_SESSION);
}

/* Janus is the DTLS client of an actpass offer; the bots are always the
 * client: offer active instead (RFC 8842 allows it). */
static char *setup_active(const char *sdp) {
    static const char from[] = "a=setup:actpass", to[] = "a=setup:active";
    char *out = malloc(strlen(sdp) + 1), *o = out;
    if (!out) return NULL;
    for (const char *p = sdp; *p;) {
        if (strncmp(p, from, sizeof from - 1) == 0) {
            memcpy(o, to, sizeof to - 1);
            o += sizeof to - 1;
            p += sizeof from - 1;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    return out;
}

static void bot_publish(janus_adapter *a, json_t *m) {
    const char *sdp = jstr(m, "sdp");
    if (!a->joined || a->closed) {
        bot_error(a, "not-joined", "publish", 0, "join first");
        return;
    }
    if (!sdp || !*sdp) {
        bot_error(a, "bad-message", "publish", 0, "member 'sdp' must be a non-empty string");
        return;
    }
    if (a->publish_pending) {
        bot_error(a, "publish-pending", "publish", 0, "the previous publish is not answered");
        return;
    }
    json_t *desc = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(m, "tracks"), i, t) {
        if (jstr(t, "mid") && valid_source(jstr(t, "source")))
            json_array_append_new(desc, json_pack("{s:s,s:s}", "mid", jstr(t, "mid"), "description",
                                                  jstr(t, "source")));
    }
    char *offer = setup_active(sdp);
    if (!offer) {
        json_decref(desc);
        bot_error(a, "internal", "publish", 0, "out of memory");
        return;
    }
    json_t *body = json_pack("{s:s,s:b,s:b,s:o}", "request", "configure", "audio", 1, "video", 1,
                             "descriptions", desc);
    message(a, a->pub_handle, TX_CONFIGURE, body,
            json_pack("{s:s,s:s}", "type", "offer", "sdp", offer));
    free(offer);
    trickle_done(a, a->pub_handle);
    a->publish_pending = 1;
}

static void bot_subscribe_answer(janus_adapter *a, json_t *m) {
    const char *sdp = jstr(m, "sdp");
    if (!sdp || !*sdp) {
        bot_error(a, "bad-message", "subscribe-answer", 0, "member 'sdp' must be a string");
        return;
    }
    if (a->sub != SUB_OFFERED) {
        bot_error(a, "no-offer-pending", "subscribe-answer", 0, "no subscribe-offer pending");
        return;
    }
    message(a, a->sub_handle, TX_START, json_pack("{s:s}", "request", "start"),
            json_pack("{s:s,s:s}", "type", "answer", "sdp", sdp));
    trickle_done(a, a->sub_handle);
    a->sub = SUB_STARTING;
}

static void bot_leave(janus_adapter *a, json_t *m) {
    if (a->session && !a->closed) request(a, "destroy", TX_FREE);
    a->closed = 1;
    a->next_keepalive = 0;
}

static void bot_ping(janus_adapter *a, json_t *m) {
    to_bot(a, json_pack("{s:s}", "type", "pong"));
}

static void bot_ignore(janus_adapter *a, json_t *m) {}

typedef void (*bot_fn)(janus_adapter *a, json_t *m);
static const struct {
    const char *type;
    bot_fn fn;
} bot_handlers[] = {
    {"join", bot_join},   {"publish", bot_publish}, {"subscribe-answer", bot_subscribe_answer},
    {"leave", bot_leave}, {"ping", bot_ping},       {"candidate", bot_ignore},
    {"mute", bot_ignore},
};

void janus_adapter_from_bot(janus_adapter *a, json_t *msg) {
    const char *type = jstr(msg, "type");
    if (!type) {
        bot_error(a, "bad-message", NULL, 0, "member 'type' must be a string");
        return;
    }
    for (size_t i = 0; i < sizeof bot_handlers / sizeof bot_handlers[0]; i++)
        if (strcmp(type, bot_handlers[i].type) == 0) {
            bot_handlers[i].fn(a, msg);
            return;
        }
    bot_error(a, "unknown-type", type, 0, "unknown message type");
}

/* ---- from Janus: plugin events ------------------------------------------------------ */

static void on_joined(janus_adapter *a, json_t *data) {
    a->me = jint(data, "id");
    a->private_id = jint(data, "private_id");
    a->joined = 1;
    json_t *parts = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(data, "publishers"), i, p) {
        feed *f = feed_update(a, p);
        if (f) json_array_append_new(parts, participant_json(f));
    }
    char you[24];
    snprintf(you, sizeof you, "%" PRIu64, a->me);
    to_bot(a, json_pack("{s:s,s:i,s:s,s:s,s:o}", "type", "joined", "protocol", 1, "room", a->room,
                        "you", you, "participants", parts));
    sub_reconcile(a);
}

/* "unpublished" or "leaving" of another participant. */
static void feed_gone(janus_adapter *a, uint64_t id, int left) {
    feed *f = feed_find(a, id);
    if (f) f->want = 0;
    char pid[24];
    snprintf(pid, sizeof pid, "%" PRIu64, id);
    if (left)
        to_bot(a, json_pack("{s:s,s:{s:s}}", "type", "participant-left", "participant", "id", pid));
    else if (f)
        to_bot(a, json_pack("{s:s,s:o}", "type", "participant-updated", "participant",
                            participant_json(f)));
    sub_reconcile(a);
}

static void pub_event(janus_adapter *a, json_t *data, json_t *jsep) {
    const char *vr = jstr(data, "videoroom");
    if (!vr) return;
    if (strcmp(vr, "joined") == 0) {
        on_joined(a, data);
    } else if (strcmp(vr, "destroyed") == 0) {
        bot_error(a, "internal", NULL, 1, "janus destroyed the room");
    } else if (strcmp(vr, "event") == 0) {
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(data, "publishers"), i, p) {
            feed *f = feed_update(a, p);
            if (f)
                to_bot(a, json_pack("{s:s,s:o}", "type", "participant-updated", "participant",
                                    participant_json(f)));
        }
        if (json_object_get(data, "publishers")) sub_reconcile(a);
        if (jint(data, "unpublished")) feed_gone(a, jint(data, "unpublished"), 0);
        if (jint(data, "leaving")) feed_gone(a, jint(data, "leaving"), 1);
        const char *sdp = jstr(jsep, "sdp"), *type = jstr(jsep, "type");
        if (jstr(data, "configured") && sdp && type && strcmp(type, "answer") == 0) {
            a->publish_pending = 0;
            to_bot(a, json_pack("{s:s,s:s}", "type", "publish-answer", "sdp", sdp));
        }
    }
}

static void sub_event(janus_adapter *a, json_t *data, json_t *jsep) {
    const char *vr = jstr(data, "videoroom");
    const char *sdp = jstr(jsep, "sdp"), *type = jstr(jsep, "type");
    if (!vr) return;
    if ((!strcmp(vr, "attached") || !strcmp(vr, "updated")) && sdp && type &&
        !strcmp(type, "offer")) {
        sub_offer(a, json_object_get(data, "streams"), sdp);
    } else if (!strcmp(vr, "updated") && a->sub == SUB_BUSY) {
        sub_settled(a, SUB_IDLE); /* nothing to renegotiate */
    } else if (!strcmp(vr, "event") && jstr(data, "started") && a->sub == SUB_STARTING) {
        sub_settled(a, SUB_IDLE);
    }
}

/* ---- from Janus: the core protocol ------------------------------------------------------ */

static void on_success(janus_adapter *a, json_t *m, uint64_t now) {
    tx_kind k = tx_take(a, m);
    uint64_t id = jint(json_object_get(m, "data"), "id");
    json_t *pd = json_object_get(json_object_get(m, "plugindata"), "data");
    int code = (int)jint(pd, "error_code");
    if (code && !(k == TX_CREATE && code == ERR_ROOM_EXISTS)) {
        request_failed(a, k, code, jstr(pd, "error"));
        return;
    }
    if (k == TX_SESSION && id) {
        a->session = id;
        a->next_keepalive = now + JANUS_KEEPALIVE_US;
        attach(a, TX_ATTACH_PUB);
    } else if (k == TX_ATTACH_PUB && id) {
        a->pub_handle = id;
        message(a, id, TX_CREATE,
                json_pack("{s:s,s:o,s:s,s:i,s:s,s:s,s:b}", "request", "create", "room",
                          jid(a->room_id), "description", a->room, "publishers", a->max_publishers,
                          "videocodec", "vp8", "audiocodec", "opus", "record", 0),
                NULL);
    } else if (k == TX_CREATE) {
        message(a, a->pub_handle, TX_JOIN_PUB,
                json_pack("{s:s,s:s,s:o,s:s}", "request", "join", "ptype", "publisher", "room",
                          jid(a->room_id), "display", a->name),
                NULL);
    } else if (k == TX_ATTACH_SUB && id) {
        a->sub_handle = id;
        a->sub = SUB_ATTACHED;
        sub_reconcile(a);
    } else if (k != TX_FREE) {
        request_failed(a, k, 0, "unexpected answer");
    }
}

static void on_error(janus_adapter *a, json_t *m, uint64_t now) {
    json_t *e = json_object_get(m, "error");
    request_failed(a, tx_take(a, m), (int)jint(e, "code"), jstr(e, "reason"));
}

static void on_event(janus_adapter *a, json_t *m, uint64_t now) {
    tx_kind k = tx_take(a, m);
    uint64_t sender = jint(m, "sender");
    json_t *data = json_object_get(json_object_get(m, "plugindata"), "data");
    json_t *jsep = json_object_get(m, "jsep");
    if (jint(data, "error_code")) {
        request_failed(a, k, (int)jint(data, "error_code"), jstr(data, "error"));
    } else if (sender && sender == a->pub_handle) {
        pub_event(a, data, jsep);
    } else if (sender && sender == a->sub_handle) {
        sub_event(a, data, jsep);
    }
}

/* Janus closed one of the PeerConnections (ICE or DTLS failed, or timed out). */
static void on_hangup(janus_adapter *a, json_t *m, uint64_t now) {
    uint64_t sender = jint(m, "sender");
    const char *reason = jstr(m, "reason") ? jstr(m, "reason") : "";
    if (!sender || (sender != a->pub_handle && sender != a->sub_handle) || a->closed) return;
    bot_error(a, strstr(reason, "DTLS") ? "dtls-failed" : "ice-failed", NULL, 0,
              "janus hung up the %s connection: %s",
              sender == a->pub_handle ? "publish" : "subscribe", reason);
}

static void on_timeout(janus_adapter *a, json_t *m, uint64_t now) {
    bot_error(a, "internal", NULL, 1, "janus session timed out");
    a->closed = 1;
    a->next_keepalive = 0;
}

typedef void (*srv_fn)(janus_adapter *a, json_t *m, uint64_t now);
static const struct {
    const char *verb;
    srv_fn fn;
} srv_handlers[] = {
    {"success", on_success}, {"error", on_error},     {"event", on_event},
    {"hangup", on_hangup},   {"timeout", on_timeout},
    /* ack, webrtcup, media, slowlink, detached, trickle: nothing to do */
};

void janus_adapter_from_server(janus_adapter *a, json_t *msg, uint64_t now_us) {
    const char *verb = jstr(msg, "janus");
    uint64_t sid = jint(msg, "session_id");
    if (!verb || (sid && a->session && sid != a->session)) return;
    for (size_t i = 0; i < sizeof srv_handlers / sizeof srv_handlers[0]; i++)
        if (strcmp(verb, srv_handlers[i].verb) == 0) {
            srv_handlers[i].fn(a, msg, now_us);
            return;
        }
}

/* ---- keepalive and lifetime ------------------------------------------------------------------ */

uint64_t janus_adapter_next_timeout(const janus_adapter *a) {
    return a->next_keepalive ? a->next_keepalive : UINT64_MAX;
}

void janus_adapter_handle_timeout(janus_adapter *a, uint64_t now_us) {
    if (!a->next_keepalive || now_us < a->next_keepalive) return;
    request(a, "keepalive", TX_FREE);
    a->next_keepalive += JANUS_KEEPALIVE_US;
    if (a->next_keepalive <= now_us) a->next_keepalive = now_us + JANUS_KEEPALIVE_US;
}

janus_adapter *janus_adapter_new(uint64_t room_id_base, int max_publishers) {
    janus_adapter *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->room_base = room_id_base;
    a->max_publishers = max_publishers > 0 ? max_publishers : 1;
    a->to_server = json_array();
    a->to_bot = json_array();
    if (!a->to_server || !a->to_bot) {
        janus_adapter_free(a);
        return NULL;
    }
    return a;
}

void janus_adapter_free(janus_adapter *a) {
    if (!a) return;
    json_decref(a->to_server);
    json_decref(a->to_bot);
    free(a->feeds);
    free(a);
}
