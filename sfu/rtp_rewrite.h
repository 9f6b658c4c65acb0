/* A subscriber's output stream for one track: rewrites sequence number and
 * timestamp (the caller writes out_ssrc) so that the subscriber sees one
 * continuous RTP stream while the source behind it changes: the publisher
 * restarting with a new SSRC after renegotiation, or a simulcast layer
 * switch. A switch is nothing more than "the next packet comes from another
 * source"; deciding when to switch (e.g. on a keyframe) is the caller's job.
 *
 * Within one source, out = in + offsets, so gaps and reordering pass through
 * unchanged and the subscriber's NACKs map back to the source's seqs. On the
 * first packet of a new source the output seq continues at last + 1 and the
 * timestamp advances by the wall time elapsed since the last packet sent.
 *
 * Ownership: a plain struct embedded in the subscriber's forwarder (one per
 * subscriber per track), used only by the media worker thread that owns it.
 * No clock, heap, logging or locks. */
#ifndef RELAIS_RTP_REWRITE_H
#define RELAIS_RTP_REWRITE_H

#include <stdint.h>

/* Sources left behind that are remembered to recognise their stragglers. */
#define RTP_REWRITE_OLD_SOURCES 4
/* How long a left source is remembered (stragglers arrive within that). */
#define RTP_REWRITE_OLD_SOURCE_US 1000000u

/* Negative results of rtp_rewrite_packet(): drop the packet. */
enum {
    RTP_REWRITE_ESTALE = -1,  /* from a source we switched away from, sent before */
    RTP_REWRITE_ETOOOLD = -2, /* current source, but before its first packet */
};

typedef struct rtp_rewrite_old {
    uint32_t ssrc;
    uint16_t max_seq; /* highest seq seen from it before we left it */
    uint64_t left_us;
    int used;
} rtp_rewrite_old;

/* Fields are readable by the owner; change them only through the functions
 * below. last_out_seq/last_out_ts describe the highest seq sent so far. */
typedef struct rtp_rewrite {
    uint32_t out_ssrc;
    uint32_t clock_rate;
    int started; /* a packet has been forwarded */

    /* Current source and its mapping: out = in + offset (mod 2^16 / 2^32). */
    uint32_t src_ssrc;
    uint16_t seq_offset;
    uint32_t ts_offset;
    uint16_t src_max_seq; /* highest in-seq forwarded from this source */
    int64_t src_ext_max;  /* src_max_seq counted from the source's first, 0.. */

    uint16_t last_out_seq;
    uint32_t last_out_ts;
    uint64_t last_out_us; /* when last_out_seq was sent */

    rtp_rewrite_old old[RTP_REWRITE_OLD_SOURCES];

    uint64_t packets;  /* forwarded */
    uint64_t dropped;  /* refused with a negative result */
    uint64_t switches; /* source changes after the first source */
} rtp_rewrite;

/* Starts an output stream with SSRC out_ssrc (copied into packets by the
 * caller) and an RTP clock of clock_rate Hz. The first source is forwarded
 * with its own seq and timestamp (offsets 0). */
void rtp_rewrite_init(rtp_rewrite *w, uint32_t out_ssrc, uint32_t clock_rate);

/* Maps one packet from source src_ssrc, arriving at now_us, to the output
 * stream. Returns 0 and sets *out_seq and *out_ts: forward it. Returns a
 * negative RTP_REWRITE_E* code: drop it. A packet from a source other than
 * the current one switches to that source, except a straggler of a source
 * left less than RTP_REWRITE_OLD_SOURCE_US ago whose seq is not newer than
 * the last one seen from it (ESTALE): so the caller must pass only packets of
 * the source it has chosen, and the rewrite cleans up in-flight leftovers. A
 * packet of the current source older than that source's first forwarded
 * packet is dropped (ETOOOLD): its output seq would collide with the previous
 * source's. Duplicates and reordered packets are forwarded. */
int rtp_rewrite_packet(rtp_rewrite *w, uint32_t src_ssrc, uint16_t in_seq, uint32_t in_ts,
                       uint64_t now_us, uint16_t *out_seq, uint32_t *out_ts);

/* Maps a seq the subscriber NACKed back to the current source's seq, to look
 * it up in that source's retransmission ring. Returns 0 and sets *in_seq, or
 * -1 when out_seq was never sent from the current source (it predates the
 * last switch, or is newer than anything sent): such a NACK cannot be
 * answered from the current source. */
int rtp_rewrite_to_source_seq(const rtp_rewrite *w, uint16_t out_seq, uint16_t *in_seq);

/* Maps a timestamp of the current source to the output stream, e.g. the RTP
 * time of the publisher's sender report, so that the subscriber can keep
 * lip sync. */
uint32_t rtp_rewrite_map_ts(const rtp_rewrite *w, uint32_t in_ts);

#endif
