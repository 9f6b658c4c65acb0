/* What a relais-loadtest bot measures on each stream it receives: packets,
 * loss before and after NACK recovery, duplicates, interarrival jitter,
 * delay through the node (from abs-send-time) and, for video, gaps between
 * frames. rx_totals sums any number of streams for the report.
 *
 * Definitions (docs for the numbers in the report):
 *   expected     extended highest seq - first seq + 1, per sequence.
 *   lost_before  seqs found missing when a later seq arrived (counted once,
 *                at that moment; a reordered packet counts here too).
 *   lost_after   seqs still missing RX_STREAM_GRACE_US after they were found
 *                missing (time enough for a NACK and its retransmission),
 *                or pushed out of the RX_STREAM_WINDOW-seq window before
 *                that. Counted as they age out on later packets and in
 *                rx_stream_finish(); seqs younger than the grace period at
 *                the end are not counted (they might still have come).
 *                Loss after the last packet received is invisible (no later
 *                seq reveals it).
 *   recovered    missing seqs that arrived within their grace period.
 *   late         packets that came after being written off (grace period
 *                over, behind the window, or older than the first packet);
 *                they stay in lost_after.
 *   duplicates   seqs received again within the window.
 *   jitter       RFC 3550 A.8 interarrival jitter (monotonic arrival time
 *                against the RTP timestamp), in ms; only packets that advance
 *                the highest seq update it (retransmissions measure recovery).
 *   delay        receive wall clock minus abs-send-time (24-bit 6.18 s,
 *                stamped from the same host's wall clock), modulo 64 s: the
 *                time through the node plus loopback. Recorded for packets
 *                that advance the sequence or recover a gap. A delay that
 *                comes out negative (the wall clock stepped back) or above
 *                RX_STREAM_MAX_DELAY_US is not recorded but counted as
 *                clock_trouble.
 *   frames       video only: a frame is complete when its marker packet
 *                arrives (for a newer RTP timestamp than the last complete
 *                frame); frame_gap records the arrival-time gaps between
 *                consecutive complete frames. Missing packets inside a frame
 *                are not checked; loss is reported on its own.
 * Invariant: packets = advanced + recovered + duplicates + late, where
 * advanced = expected - lost_before; recovered + lost_after <= lost_before.
 *
 * A jump backwards by more than the window, repeated by the next packet
 * (seq + 1), is a sender restart: outstanding gaps are written off, the
 * sequence starts again there, counters keep going (`restarts`). A forward
 * jump of up to 32767 is loss.
 *
 * Sans-IO: every time is a parameter (now_us monotonic, wall_us wall clock,
 * both µs); nothing here reads a clock, allocates or logs. An rx_stream is a
 * plain struct of about 15 KB with no pointers (it may be moved with
 * memcpy), owned and used by one thread (a bot's worker); other threads get
 * rx_totals snapshots. */
#ifndef RELAIS_RX_STATS_H
#define RELAIS_RX_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "loadtest/histogram.h"

#define RX_STREAM_WINDOW 1024            /* seqs tracked behind the highest (power of two) */
#define RX_STREAM_GRACE_US 1000000u      /* time a missing seq has to be recovered */
#define RX_STREAM_MAX_DELAY_US 10000000u /* delays above this are clock trouble */

/* Fields are readable by the owner; change them only through the functions
 * below. */
typedef struct rx_stream {
    int is_video;
    uint32_t clock_rate;
    uint64_t grace_us;

    /* Sequence state. Extended seqs start at a large base so that packets
     * older than the first one stay positive. */
    int started;
    uint16_t max_seq;     /* highest seq, 16 bits */
    uint64_t ext_max;     /* highest extended seq */
    uint64_t ext_base;    /* first extended seq of the current sequence */
    uint64_t ext_aged;    /* next extended seq to age out; all below are settled */
    uint32_t restart_seq; /* seq that would confirm a restart; > 0xffff = none */
    uint64_t first_us;    /* now_us of the first packet: the base of known_ms */
    /* Window: bit (ext % WINDOW) set when that seq was received; known_ms
     * holds when it became known (received, or found missing), in ms since
     * first_us. */
    uint64_t got[RX_STREAM_WINDOW / 64];
    uint32_t known_ms[RX_STREAM_WINDOW];

    /* Jitter (RFC 3550 A.8), in RTP timestamp units. */
    int have_transit;
    uint32_t transit;
    double jitter;

    /* Frames (video). */
    int have_frame;
    uint32_t frame_ts;
    uint64_t frame_us;

    /* Counters. */
    uint64_t packets, bytes, expected, lost_before, lost_after, recovered;
    uint64_t duplicates, late, restarts, clock_trouble, frames;
    histogram delay_us;     /* delay through the node */
    histogram frame_gap_us; /* video only */
} rx_stream;

/* Summable results of one or many streams. */
typedef struct rx_totals {
    uint64_t streams;        /* streams summed */
    uint64_t jitter_streams; /* of those, the ones with a jitter value (>= 1 packet) */
    double jitter_ms_sum;    /* mean jitter = jitter_ms_sum / jitter_streams */
    uint64_t packets, bytes, expected, lost_before, lost_after, recovered;
    uint64_t duplicates, late, restarts, clock_trouble, frames;
    histogram delay_us;
    histogram frame_gap_us;
} rx_totals;

/* Starts an empty stream; clock_rate is the RTP clock in Hz (48000 Opus,
 * 90000 video; 0 disables jitter). Frames are counted only if is_video. */
void rx_stream_init(rx_stream *s, int is_video, uint32_t clock_rate);

/* Changes the grace period for NACK recovery (default RX_STREAM_GRACE_US).
 * Call before the first packet. */
void rx_stream_set_grace(rx_stream *s, uint64_t grace_us);

/* Accounts one received packet (after SRTP): its seq, RTP timestamp, marker
 * bit, abs-send-time if it carried one (24-bit value as on the wire), our
 * monotonic and wall-clock arrival times, and its size in bytes (whatever
 * the caller wants counted). Ages out seqs whose grace period is over. */
void rx_stream_on_packet(rx_stream *s, uint16_t seq, uint32_t rtp_ts, int marker,
                         int has_abs_send_time, uint32_t abs24, uint64_t now_us, uint64_t wall_us,
                         size_t bytes);

/* Ages out, at now_us, the seqs whose grace period is over (counting the
 * missing ones in lost_after). Call at the end of the run; calling it
 * earlier, e.g. before a snapshot of a stream that went quiet, is harmless. */
void rx_stream_finish(rx_stream *s, uint64_t now_us);

/* Jitter in milliseconds. */
double rx_stream_jitter_ms(const rx_stream *s);

/* Adds stream s into *add_into (which the caller initialized). */
void rx_stream_snapshot(const rx_stream *s, rx_totals *add_into);

/* Empties t. */
void rx_totals_init(rx_totals *t);

/* Adds src into dst. */
void rx_totals_merge(rx_totals *dst, const rx_totals *src);

/* Removes `older`, an earlier snapshot of the same streams, from t: what
 * happened in between (counters clamp at zero; see histogram_subtract).
 * streams, jitter_streams and jitter_ms_sum stay t's current values. */
void rx_totals_subtract(rx_totals *t, const rx_totals *older);

/* Loss in percent of expected, before or after recovery; 0 if nothing was
 * expected. Mean jitter over the streams in ms; 0 if none. */
double rx_totals_loss_before_pct(const rx_totals *t);
double rx_totals_loss_after_pct(const rx_totals *t);
double rx_totals_jitter_ms(const rx_totals *t);

/* abs-send-time helpers: the 24-bit 6.18 value for a wall-clock time
 * (rounded like the sender's rtp_ext_write_abs_send_time), and the delay in
 * µs from a stamped value to a receive value, modulo 64 s; negative when
 * `recv24` is up to 32 s before `sent24`. */
uint32_t rx_abs24_from_wall(uint64_t wall_us);
int64_t rx_abs24_delay_us(uint32_t sent24, uint32_t recv24);

#endif
