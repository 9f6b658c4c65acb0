/* Internal structures of the media plane, shared by the files of sfu/ only.
 *
 * Ownership (mediasoup-like, one-way): a worker owns its rooms; a room owns
 * its participants; a participant owns its two transports, its published
 * tracks and its subscription slots; a slot owns its forwarder. A track keeps
 * a list of pointers to the forwarders fed from it (it owns none of them):
 * a forwarder unlinks itself from its track before it is freed.
 *
 * Thread rule: every object here belongs to one worker thread. Nothing in
 * this file is ever touched by the control thread. */
#ifndef RELAIS_SFU_INTERNAL_H
#define RELAIS_SFU_INTERNAL_H

#include <glib.h>
#include <stdatomic.h>

#include "sfu/fanout.h"
#include "sfu/forwarder.h"
#include "sfu/sdp_check.h"
#include "sfu/sfu.h"
#include "sfu/track.h"
#include "sfu/transport.h"

struct dtls_ctx;
struct dtls_cert;

/* Fixed header-extension ids of the node's subscribe offers (payload
 * types: forwarder.h). Publishers' numbering is mapped onto these. */
#define SFU_FMTP_MAX TRACK_FMTP_MAX

#define SFU_EXT_AUDIO_LEVEL 1
#define SFU_EXT_ABS_SEND_TIME 2

#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define URI_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"

#define SFU_RR_INTERVAL_US 1000000
#define SFU_TICK_MS 20

typedef struct worker worker;
typedef struct room room;
typedef struct participant participant;

/* Counters: written by the owning worker only, read by anyone. */
typedef struct worker_stats {
    _Atomic uint64_t v[sizeof(sfu_stats) / sizeof(uint64_t)];
} worker_stats;
#define STAT_IDX(field) (offsetof(sfu_stats, field) / sizeof(uint64_t))
#define STAT_ADD(w, field, n)                                                                      \
    atomic_store_explicit(                                                                         \
        &(w)->stats.v[STAT_IDX(field)],                                                            \
        atomic_load_explicit(&(w)->stats.v[STAT_IDX(field)], memory_order_relaxed) + (n),          \
        memory_order_relaxed)
#define STAT_INC(w, field) STAT_ADD(w, field, 1)
#define STAT_SUB(w, field, n) STAT_ADD(w, field, (uint64_t) - (int64_t)(n))

struct worker {
    int idx;
    sfu *owner;
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    GHashTable *rooms; /* room id -> room* (owned) */
    struct dtls_ctx *dtls;
    fanout_batch *tx; /* this thread's transmit batch (media.c flushes it) */
    const sfu_opts *opts;
    uint32_t ssrc_seed;         /* for the node's outgoing SSRCs */
    const sfu_cmd *current_cmd; /* being handled, so errors can name it */
    worker_stats stats;
    _Atomic uint64_t cpu_ns; /* the thread's CPU time, sampled about once a second */
    unsigned ticks;
};

/* One m-section of a subscriber's subscribe connection. */
typedef struct sub_slot {
    char mid[SFU_MID_MAX];
    sfu_kind kind;
    track *src; /* NULL when inactive */
    uint32_t owner_id;
    sfu_source source;
    uint32_t out_ssrc;
    sfu_codec codec; /* of the track it carries (or last carried) */
    char fmtp[SFU_FMTP_MAX];
    int rejected;   /* the subscriber rejected it (port 0): never offered again */
    forwarder *fwd; /* owned; NULL when inactive */
} sub_slot;

struct participant {
    uint32_t id;
    room *room;
    transport *pub; /* NULL until the first publish */
    transport *sub; /* NULL until the first subscribe offer */
    track *tracks[SFU_MAX_TRACKS];
    int n_tracks;
    uint32_t rtcp_ssrc; /* sender SSRC of the node's RTCP to this publisher */

    sub_slot *slots;
    int n_slots, cap_slots;
    int offer_pending;    /* an offer is out, waiting for the answer */
    int renegotiate;      /* tracks changed while an offer was out */
    uint32_t sub_version; /* o= version of the subscribe SDP */
    uint64_t sdp_session_id;
    uint32_t pub_version;
    uint64_t last_remb_us;
    char *early_cands[16]; /* publish candidates before the first publish */
    int n_early;
};

struct room {
    uint32_t id;
    worker *w;
    GHashTable *participants; /* pid -> participant* (owned) */
};

/* sfu.c */
void worker_emit(worker *w, sfu_event *ev);
void worker_emit_error(worker *w, participant *p, sfu_error err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const struct dtls_cert *sfu_cert(const sfu *s);

/* room.c: commands */
void room_handle_cmd(worker *w, sfu_cmd *cmd);
void room_free(room *r);
participant *room_find(worker *w, uint32_t room_id, uint32_t pid);
void participant_request_keyframe(track *t, uint64_t now_us);
void room_tick(worker *w, room *r, uint64_t now_us);
/* Ends a published track: its subscribers' slots go inactive (and get
 * re-offered), then the track is freed. */
void participant_drop_track(track *t);
/* Recomputes every forwarder's `sending` of subscriber p (after an answer
 * or a change of its subscribe transport). */
void participant_sync_sending(participant *p);

/* negotiate.c: SDP in and out */
int negotiate_publish(worker *w, participant *p, const sfu_cmd *cmd, char **answer, sfu_error *err,
                      char *msg, size_t msglen);
int negotiate_subscribe_offer(worker *w, participant *p, char **offer);
int negotiate_subscribe_answer(worker *w, participant *p, const char *sdp, sfu_error *err,
                               char *msg, size_t msglen);

/* media.c: the hot path and the periodic RTCP work */
void media_on_publisher_rtp(participant *p, uint8_t *buf, size_t len, uint64_t now_us);
void media_on_publisher_rtcp(participant *p, uint8_t *buf, size_t len, uint64_t now_us);
void media_on_subscriber_rtcp(participant *p, uint8_t *buf, size_t len, uint64_t now_us);
void media_tick(worker *w, uint64_t now_us);
/* The worker's fanout flush: protect and send a batch. */
void media_flush(void *ud, fanout_item *items, int n);

uint32_t worker_new_ssrc(worker *w);

#endif
