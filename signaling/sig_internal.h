/* Internal structures of the signaling layer, shared by the files of signaling/ only.
 *
 * Everything here belongs to the control thread (the libwebsockets service
 * loop): sessions (one per WebSocket), the roster of rooms as signaling sees
 * them (names, members, what each publishes and whether it is muted), and
 * the join limiter. The media side of a room lives on a media worker and is
 * reached only through sfu commands. */
#ifndef RELAIS_SIG_INTERNAL_H
#define RELAIS_SIG_INTERNAL_H

#include <glib.h>
#include <libwebsockets.h>
#include <signal.h>

#include "common/config.h"
#include "sfu/sfu.h"
#include "signaling/protocol.h"
#include "signaling/protocol_rx.h"
#include "signaling/server.h"

#define SIG_TXQ_MAX_MSGS 1024
#define SIG_TXQ_MAX_BYTES (16u << 20)
#define SIG_IDLE_TIMEOUT_S 60
#define SIG_STATE_GAP_US 100000

typedef struct sig_room sig_room;

typedef struct session {
    struct lws *wsi;
    sig_server *srv;
    char ip[64];
    uint32_t pid; /* 0 until joined */
    char pid_str[PROTO_PID_SIZE];
    char name[PROTO_NAME_MAX + 1];
    sig_room *room;
    struct session *next_in_room;
    /* What this participant publishes (from the worker's answers) and the
     * mute flags it announced, per source. */
    int published[PROTO_SRC__COUNT];
    int muted[PROTO_SRC__COUNT];
    int publish_pending;
    char publish_id[PROTO_ID_JSON_SIZE];
    /* Receive side: messages assembled from their fragments, and the
     * limits on how many of each class it may send. */
    proto_rx rx;
    proto_limiter lim;
    /* participant-updated is sent at most every SIG_STATE_GAP_US, with the
     * latest state: a client toggling mute 1000 times a second costs its
     * room mates 10 messages. state_sul fires the deferred one. */
    uint64_t state_sent_us;
    int state_dirty;
    lws_sorted_usec_list_t state_sul;
    /* Send side: queued JSON texts (each malloc'd with LWS_PRE in front). */
    GQueue txq;
    size_t tx_bytes;
    int closing;
    enum lws_close_status close_status;
    /* A join waiting for the cluster's answer (cluster.c): token != 0. */
    uint64_t locate_token;
    char join_room[PROTO_NAME_MAX + 1];
    char join_name[PROTO_NAME_MAX + 1];
    char join_id[PROTO_ID_JSON_SIZE];
} session;

struct sig_room {
    char name[PROTO_NAME_MAX + 1];
    /* Sent away (drain, conflict): its members are closing; later joins
     * follow it to moved_to ("" = reconnect through the entry URL). */
    int moved;
    char moved_to[256];
    uint32_t id;
    int worker;
    int n_members;
    session *members;
};

struct sig_server {
    relais_config cfg;
    struct lws_context *ctx;
    sfu *media;
    char **stun_urls;
    size_t n_stun_urls;
    GHashTable *rooms_by_name; /* name -> sig_room* (owned) */
    GHashTable *sessions;      /* pid -> session* (not owned: lws owns the wsi) */
    GHashTable *join_buckets;  /* ip -> join_bucket* (owned) */
    GHashTable *ws_per_ip;     /* ip -> open WebSockets (GUINT), for ws-per-ip */
    /* Abuse counters for /metrics. */
    uint64_t n_rate_limited, n_origin_refused, n_ws_per_ip_refused;
    uint32_t next_pid, next_room_id;
    struct stun_server *stun; /* not owned; NULL when off */
    volatile int stop;
    int n_sessions;
    /* Cluster (NULL: standalone) and drain, see link.c. */
    struct cluster *cl;   /* not owned */
    GHashTable *locating; /* token -> session* waiting for the cluster */
    uint64_t next_token;
    volatile sig_atomic_t signals; /* SIGTERM/SIGINT seen (signal handler) */
    int signals_handled;
    int draining;               /* 0, or why: SIG_DRAIN_SIGNAL / SIG_DRAIN_ADMIN */
    uint64_t drain_deadline_us; /* when the remaining rooms are moved */
    int drain_moving;           /* the deadline passed: rooms are being moved */
    uint64_t drain_force_us;    /* stop even with sessions left */
    lws_sorted_usec_list_t tick;
    uint64_t cpu_ns_last, cpu_at_us; /* workers' CPU at the last tick */
    double load;                     /* workers' busy fraction */
};

#define SIG_DRAIN_SIGNAL 1
#define SIG_DRAIN_ADMIN 2

/* server.c */
void session_send(session *s, char *json); /* takes ownership of a malloc'd string */
void session_send_error(session *s, proto_err code, const char *request, const char *id_json,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void session_close(session *s, enum lws_close_status status);

/* rooms.c: tells the room this participant's tracks or mute flags changed
 * (coalesced, see state_sul); rooms_state_cancel drops a pending one. */
void rooms_state_changed(session *s);
void rooms_state_cancel(session *s);

/* metrics.c: the Prometheus text of /metrics (g_malloc'd) */
char *metrics_text(sig_server *srv, size_t *len);

/* rooms.c */
void rooms_handle_message(session *s, const proto_msg *m);
void rooms_session_closed(session *s);
void rooms_handle_event(sig_server *srv, sfu_event *ev);
void rooms_free_all(sig_server *srv);
int rooms_join_allowed(sig_server *srv, const char *ip, uint64_t now_us);
/* Joins s to `room` on this node, creating the room if needed. */
void rooms_join_local(session *s, const char *room, const char *name, const char *id_json);
/* Sends every member of `r` one message and closes them (redirect, moving). */
void rooms_send_all_close(sig_room *r, const char *json, int fatal_error);

/* link.c: the cluster link, drain and the periodic tick */
void link_locate(session *s, const proto_msg *m);
void link_session_closed(session *s);
void link_room_created(sig_server *srv, sig_room *r);
void link_room_gone(sig_server *srv, const char *name);
void link_drain_events(sig_server *srv);
void link_poll_signals(sig_server *srv);
void link_start(sig_server *srv);
void link_start_drain(sig_server *srv, int why, uint32_t deadline_s);
/* Takes back a drain an admin asked for (not a signal's), before its deadline. */
void link_stop_drain(sig_server *srv);

/* admin_http.c: answers /admin/...; *status is the HTTP status. malloc'd JSON. */
char *admin_http(struct lws *wsi, sig_server *srv, const char *uri, int post, int *status);
/* /health: 200 or 503 and a JSON body (malloc'd). */
char *link_health(sig_server *srv, int *status);

#endif
