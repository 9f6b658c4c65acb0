/* Receive statistics of one incoming RTP stream, for the report blocks of our
 * RTCP receiver reports (RFC 3550 6.4.1): sequence validation and extended
 * highest seq (appendix A.1), expected/lost and fraction lost per report
 * interval (A.3), interarrival jitter (A.8), and LSR/DLSR from the sender's
 * last SR.
 *
 * Sans-IO: arrival times are passed in (microseconds, monotonic), nothing
 * here reads a clock, allocates, logs or locks.
 *
 * Ownership: a plain struct embedded in the publisher's track (one per SSRC),
 * used only by the media worker thread that owns the track. */
#ifndef RELAIS_RTP_STATS_H
#define RELAIS_RTP_STATS_H

#include <stdint.h>

/* Sequence numbers remembered for duplicate detection (a power of two). */
#define RTP_RX_DUP_WINDOW 1024

/* Fields are readable by the owner (counters for metrics); change them only
 * through the functions below. */
typedef struct rtp_rx_stats {
    uint32_t clock_rate;
    unsigned min_sequential; /* probation length; 0 = none (the default) */

    /* RFC 3550 A.1 source state, same names. */
    int started; /* a packet has been seen (maybe still on probation) */
    int valid;   /* out of probation: report() has something to say */
    uint16_t max_seq;
    uint32_t cycles; /* count of seq wraps, shifted left by 16 */
    uint32_t base_seq;
    uint32_t bad_seq;
    unsigned probation;
    uint32_t received; /* since the (re)start of the sequence, duplicates too */
    uint32_t expected_prior;
    uint32_t received_prior;

    /* A.8 jitter, in timestamp units scaled by 16. */
    int have_transit;
    uint32_t transit;
    uint32_t jitter_q4;
    uint64_t first_arrival_us; /* arrival times are converted relative to it */

    /* Last sender report: middle 32 bits of its NTP time, and when it came. */
    int have_sr;
    uint32_t lsr;
    uint64_t sr_arrival_us;

    /* Duplicate detection: bit (ext seq % window) set when received. */
    uint64_t seen[RTP_RX_DUP_WINDOW / 64];

    /* Counters that never reset, for metrics. */
    uint64_t packets;    /* counted by A.1 (duplicates included) */
    uint64_t bytes;      /* of those packets */
    uint64_t duplicates; /* seqs received twice within the window */
    uint64_t restarts;   /* sequence restarts accepted after a big jump */
} rtp_rx_stats;

/* One report block's worth of numbers (RFC 3550 6.4.1). */
typedef struct rtp_rx_report {
    uint8_t fraction_lost;   /* over the interval since the last report, /256 */
    int32_t cumulative_lost; /* clamped to 24-bit signed; negative on duplicates */
    uint32_t ext_highest_seq;
    uint32_t jitter; /* timestamp units */
    uint32_t lsr;    /* 0 if no SR yet */
    uint32_t dlsr;   /* 1/65536 s since that SR, 0 if none */
} rtp_rx_report;

/* Starts statistics for a stream whose RTP clock runs at clock_rate Hz
 * (90000 for video, 48000 for Opus). No probation: SRTP already
 * authenticated every packet, so the first one is trusted. */
void rtp_rx_stats_init(rtp_rx_stats *s, uint32_t clock_rate);

/* Asks for RFC 3550 probation: the source becomes valid only after
 * min_sequential consecutive seqs (RFC default 2). Call before the first
 * packet; for plain RTP from untrusted senders. */
void rtp_rx_stats_set_probation(rtp_rx_stats *s, unsigned min_sequential);

/* Accounts one packet of `size` bytes (whatever the owner wants counted,
 * e.g. the plain RTP length) that arrived at arrival_us. Returns 0 when it
 * counted, -1 while on probation, -2 when seq is far from the highest one
 * (3000 or more ahead, RFC MAX_DROPOUT, or more than 100 behind,
 * MAX_MISORDER): such a packet is not counted, but if the next one follows
 * it the sender is taken to have restarted its sequence and the statistics
 * start again from there (RFC A.1; the metric counters keep going).
 * Duplicates and reordered packets count (the RFC's definition of
 * "received"); jitter is updated only by packets that advance the highest
 * seq, because late and retransmitted packets measure loss recovery, not
 * the network's jitter. */
int rtp_rx_stats_update(rtp_rx_stats *s, uint16_t seq, uint32_t rtp_ts, uint64_t arrival_us,
                        uint32_t size);

/* Records a sender report from this stream's sender: ntp64 is its 64-bit
 * NTP timestamp, now_us our arrival time; feeds LSR and DLSR. */
void rtp_rx_stats_on_sr(rtp_rx_stats *s, uint64_t ntp64, uint64_t now_us);

/* Fills *out for a receiver report sent at now_us and starts a new interval
 * for fraction_lost (so call it exactly once per report sent). Before the
 * source is valid only lsr/dlsr are filled, the rest is zero; check
 * s->valid to decide whether to send a block at all. */
void rtp_rx_stats_report(rtp_rx_stats *s, uint64_t now_us, rtp_rx_report *out);

#endif
