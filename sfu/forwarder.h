/* One subscriber's view of one track: the subscriber side of the node. A
 * forwarder turns the track's packets into the subscriber's stream (its
 * SSRC, continuous sequence numbers and timestamps, its payload type and
 * header-extension ids) and decides which of the subscriber's NACKs are
 * answered from the track's ring.
 *
 * Retransmissions are what turned one slow link into a storm (issue 16:
 * 14,900 resends a second at a 1 Mbit/s subscriber): a NACKed packet is
 * resent at most once per round trip, only while it can still help (stored
 * less than FORWARDER_RTX_MAX_AGE_US ago), and only within a byte budget of
 * FORWARDER_RTX_SHARE of what the forwarder itself sends (at least
 * FORWARDER_RTX_MIN_BPS). Everything else is counted and dropped.
 *
 * Sans-IO: packets and `now` in, packets out (the worker protects and sends
 * them). The only allocation is forwarder_new. Ownership: a subscriber's
 * slot owns its forwarder; the track lists it (track_add_forwarder); both
 * live on one media worker thread. */
#ifndef RELAIS_FORWARDER_H
#define RELAIS_FORWARDER_H

#include <stddef.h>
#include <stdint.h>

#include "sfu/rtp.h"
#include "sfu/rtp_rewrite.h"
#include "sfu/track.h"

/* Payload types of the node's subscribe offers; publishers' numbering is
 * mapped onto these per packet. */
#define SFU_PT_OPUS 111
#define SFU_PT_VP8 96
#define SFU_PT_VP9 98
#define SFU_PT_H264 102

#define FORWARDER_RTX_MAX_AGE_US 1000000u /* older: the jitter buffer gave up on it */
#define FORWARDER_RTX_DEFAULT_RTT_US 100000u
#define FORWARDER_RTX_MIN_GAP_US 20000u /* floor of "once per round trip" */
#define FORWARDER_RTX_SHARE 0.5         /* of the forwarder's own send rate */
#define FORWARDER_RTX_MIN_BPS 16000.0   /* bytes per second, whatever the rate */
#define FORWARDER_RTX_RECENT 128        /* resent seqs remembered */
#define FORWARDER_RATE_WINDOW_US 250000u

struct participant;
struct sub_slot;

typedef struct forwarder_rtx_seen {
    uint16_t seq;
    uint16_t used;
    uint32_t sent_ms;
} forwarder_rtx_seen;

typedef struct forwarder {
    track *src;
    struct participant *sub; /* the subscriber (opaque here) */
    struct sub_slot *slot;   /* its m-section (opaque here) */
    int active;              /* the subscriber accepted it in an answer */
    int sending;             /* active and the subscriber's transport is up (the room keeps it) */
    uint8_t out_pt;
    uint8_t ext_map[256];
    uint32_t accepted_exts; /* bit n: the subscriber accepted node ext id n */
    rtp_rewrite rw;
    uint64_t packets, bytes; /* forwarded: packets, payload bytes (for SRs) */

    /* Send rate, for the retransmission budget. */
    uint64_t win_start_us, win_bytes;
    double rate_bps; /* bytes per second, smoothed */
    /* Retransmissions. */
    uint32_t rtt_us;
    double rtx_tokens; /* bytes */
    uint64_t rtx_last_us;
    forwarder_rtx_seen rtx_seen[FORWARDER_RTX_RECENT];
    uint64_t rtx_sent, rtx_dup, rtx_old, rtx_budget, rtx_missing;
} forwarder;

uint8_t forwarder_codec_pt(sfu_codec c);

/* A forwarder of src into a stream with SSRC out_ssrc, listed on src. NULL
 * when out of memory. Inactive until the subscriber accepts it. */
forwarder *forwarder_new(track *src, uint32_t out_ssrc);
/* Unlists it from its track and frees it. */
void forwarder_free(forwarder *f);

/* The track's extension template limited to what the subscriber accepted
 * (accepted_exts). Call after either changes. */
void forwarder_update_ext_map(forwarder *f);

/* The round-trip time to the subscriber, when known (spaces resends). */
void forwarder_set_rtt(forwarder *f, uint32_t rtt_us);

/* Writes the subscriber's copy of a live packet (h parsed from in) to out
 * (cap >= len). Returns its length, or -1: not for this subscriber (a
 * straggler of a source left behind, see rtp_rewrite). Counts it. */
int forwarder_rewrite(forwarder *f, const rtp_header *h, const uint8_t *in, size_t len,
                      uint64_t now_us, uint8_t *out, size_t cap);

typedef enum {
    FORWARDER_RTX_SENT = 0,     /* *out holds the packet again */
    FORWARDER_RTX_MISSING = -1, /* not in the ring, or never sent from the current source */
    FORWARDER_RTX_DUP = -2,     /* resent less than a round trip ago */
    FORWARDER_RTX_OLD = -3,     /* too old to help */
    FORWARDER_RTX_BUDGET = -4,  /* over the retransmission budget */
} forwarder_rtx_result;

/* The subscriber NACKed out_seq: rebuilds that packet from the track's
 * ring into out (byte-identical to what was sent: SRTP must not protect
 * other bytes under the same seq) and sets *len, if the rules above allow. */
forwarder_rtx_result forwarder_retransmit(forwarder *f, uint16_t out_seq, uint64_t now_us,
                                          uint8_t *out, size_t cap, size_t *len);

#endif
