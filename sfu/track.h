/* A published stream (one m-section of a publisher's offer) on the
 * publisher's side of the node: what arrives, in order, with its receive
 * statistics, the losses to NACK towards the publisher, the retransmission
 * ring that answers subscribers' NACKs, and the merging of keyframe
 * requests. The forwarders fed from it (forwarder.h) are listed here, not
 * owned.
 *
 * Sans-IO: packets and `now` go in, verdicts ("forward", "duplicate") and
 * decisions ("send a PLI now", these seqs to NACK) come out; the worker
 * (media.c) sends the RTCP. No clock, no logging, no locks; the only
 * allocations are in track_new and track_add_forwarder.
 *
 * Ownership: a participant owns its tracks (room.c frees them after their
 * forwarders); everything runs on the track's media worker thread. */
#ifndef RELAIS_TRACK_H
#define RELAIS_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "sfu/rtp.h"
#include "sfu/rtp_nack.h"
#include "sfu/rtp_ring.h"
#include "sfu/rtp_stats.h"
#include "sfu/sdp_check.h"
#include "sfu/sfu.h"

#define TRACK_RING_SLOTS 512
#define TRACK_RING_SLOT_BYTES 1500
/* Keyframe requests to one publisher's track are merged into at most one
 * PLI per this interval: every new subscriber and every subscriber's loss
 * asks for one, and each costs the publisher a large frame. */
#define TRACK_PLI_MIN_INTERVAL_US 500000u
#define TRACK_FMTP_MAX 128

struct participant;
struct forwarder;

typedef struct track {
    struct participant *owner; /* set by the owner after creation */
    char mid[SFU_MID_MAX];
    sfu_kind kind;
    sfu_source source;
    uint32_t ssrc; /* 0 until known (from a=ssrc or learned by mid) */
    uint8_t pt;    /* the publisher's payload type of the codec */
    sfu_codec codec;
    char fmtp[TRACK_FMTP_MAX]; /* the publisher's fmtp of it (VP9 profile, H.264 profile) */
    uint32_t clock_rate;
    /* The publisher's extension ids for this m-section (0 = not negotiated).
     * Per m-section because some stacks reuse ids across sections. */
    uint8_t ext_mid, ext_audio_level, ext_abs_send_time;
    uint8_t ext_map_template[256]; /* publisher id -> node's offer id, 0 = drop */

    rtp_rx_stats rx;
    rtp_nack nack;  /* video only */
    rtp_ring *ring; /* video only */
    uint64_t last_pli_us;
    int pli_wanted; /* a PLI was asked for inside the merge window */
    uint64_t duplicates, late;

    struct forwarder **fwd; /* not owned */
    int n_fwd, cap_fwd;
} track;

/* A track of `kind` for m-section `mid`; video gets a NACK tracker and a
 * ring. NULL when out of memory. */
track *track_new(const char *mid, sfu_kind kind);
/* Frees the track. Its forwarders must be gone already (n_fwd == 0): they
 * belong to subscribers, and only the room can end those. */
void track_destroy(track *t);

/* The publisher's SSRC for this track (signalled, or learned from the mid
 * extension). A changed SSRC is a new stream: statistics, NACK state and
 * ring start again, or the ring's packets of the old stream would be taken
 * for duplicates of the new one's. */
void track_set_ssrc(track *t, uint32_t ssrc);

/* The publisher's extension ids for mid, audio level and abs-send-time;
 * rebuilds the map to the node's ids (node_level, node_abs) and every
 * forwarder's. */
void track_set_exts(track *t, uint8_t ext_mid, uint8_t ext_audio_level, uint8_t ext_abs_send_time,
                    uint8_t node_level, uint8_t node_abs);

typedef enum {
    TRACK_PKT_FORWARD,   /* new: fan it out */
    TRACK_PKT_DUPLICATE, /* already stored (a retransmission we did not need): drop */
    TRACK_PKT_LATE,      /* video more than a ring behind the newest packet: drop */
} track_verdict;

/* One packet of this track (h parsed from buf, SSRC already matched). Video:
 * a packet already in the ring is a duplicate and must not be forwarded
 * again: re-protecting an output seq with different bytes (a fresh
 * abs-send-time) would reuse an AES-GCM nonce. For the same reason a packet
 * the ring refuses as too old is not forwarded. Only FORWARD is fanned out. */
track_verdict track_ingest(track *t, const rtp_header *h, const uint8_t *buf, size_t len,
                           uint64_t now_us);

/* A subscriber (or the node) wants a keyframe. Returns 1 when a PLI must go
 * to the publisher now; otherwise the request is merged and
 * track_keyframe_due reports it once the window is over. Audio: always 0. */
int track_keyframe_request(track *t, uint64_t now_us);
/* From the worker's tick: 1 when a merged request is due now (send a PLI). */
int track_keyframe_due(track *t, uint64_t now_us);

/* Lists f as fed from t. 0, or -1 when out of memory. */
int track_add_forwarder(track *t, struct forwarder *f);
void track_remove_forwarder(track *t, struct forwarder *f);

#endif
