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

#include "sfu/rtp_nack.h"
#include "sfu/rtp_rewrite.h"
#include "sfu/rtp_ring.h"
#include "sfu/rtp_stats.h"
#include "sfu/sdp_check.h"
#include "sfu/sfu.h"
#include "sfu/transport.h"

struct dtls_ctx;
struct dtls_cert;

/* Fixed payload types and header-extension ids of the node's subscribe
 * offers. Publishers' numbering is mapped onto these per packet. */
#define SFU_PT_OPUS 111
#define SFU_PT_VP8 96
#define SFU_PT_VP9 98
#define SFU_PT_H264 102
#define SFU_FMTP_MAX 128

#define SFU_EXT_AUDIO_LEVEL 1
#define SFU_EXT_ABS_SEND_TIME 2

#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define URI_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"

#define SFU_RING_SLOTS 512
#define SFU_RING_SLOT_BYTES 1500
#define SFU_PLI_MIN_INTERVAL_US 500000
#define SFU_RR_INTERVAL_US 1000000
#define SFU_TICK_MS 20

typedef struct worker worker;
typedef struct room room;
typedef struct participant participant;
typedef struct track track;
typedef struct forwarder forwarder;

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
    const sfu_opts *opts;
    uint32_t ssrc_seed;         /* for the node's outgoing SSRCs */
    const sfu_cmd *current_cmd; /* being handled, so errors can name it */
    worker_stats stats;
    _Atomic uint64_t cpu_ns; /* the thread's CPU time, sampled about once a second */
    unsigned ticks;
};

/* A published stream: one m-section of a publisher's offer. */
struct track {
    participant *owner;
    char mid[SFU_MID_MAX];
    sfu_kind kind;
    sfu_source source;
    uint32_t ssrc; /* 0 until known (from a=ssrc or learned by mid) */
    uint8_t pt;    /* the publisher's payload type of the codec */
    sfu_codec codec;
    char fmtp[SFU_FMTP_MAX]; /* the publisher's fmtp of it (VP9 profile, H.264 profile) */
    uint32_t clock_rate;
    /* The publisher's extension ids for this m-section (0 = not negotiated).
     * Per m-section because some stacks reuse ids across sections. */
    uint8_t ext_mid, ext_audio_level, ext_abs_send_time;
    uint8_t ext_map_template[256]; /* publisher id -> node's offer id, 0 = drop */

    rtp_rx_stats rx;
    rtp_nack nack;  /* video only */
    rtp_ring *ring; /* video only */
    uint64_t last_pli_us;
    int pli_wanted; /* a PLI was asked for inside the rate-limit window */

    forwarder **fwd; /* not owned */
    int n_fwd, cap_fwd;
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

/* One subscriber's view of one track: the rewrite state and the extension
 * map. Lives while its slot carries the track. */
struct forwarder {
    track *src;
    participant *sub;
    sub_slot *slot;
    int active; /* the subscriber accepted it in an answer */
    uint8_t out_pt;
    uint8_t ext_map[256];
    uint32_t accepted_exts; /* bit n: the subscriber accepted node ext id n */
    rtp_rewrite rw;
    uint64_t packets, bytes;
};

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
void track_free(track *t);

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
void forwarder_free(forwarder *f);
forwarder *forwarder_new(track *src, participant *sub, sub_slot *slot);
void forwarder_update_ext_map(forwarder *f);

uint32_t worker_new_ssrc(worker *w);
uint8_t sfu_codec_pt(sfu_codec c);

#endif
