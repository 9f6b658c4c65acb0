/* Receive-side loss tracker: decides which sequence numbers of one incoming
 * RTP stream to NACK towards its publisher, and when.
 *
 * Sans-IO: feed every received sequence number with rtp_nack_on_packet(),
 * call rtp_nack_poll() when rtp_nack_next_due() is reached, and put the
 * sequence numbers it returns into a generic NACK (RFC 4585). No clock, no
 * heap, no logging: the tracker is a plain struct with a fixed-size list.
 *
 * Ownership: embedded in the publisher's track (one per NACK-able SSRC) and
 * used only by the media worker thread that owns the track. */
#ifndef RELAIS_RTP_NACK_H
#define RELAIS_RTP_NACK_H

#include <stdint.h>

/* Size of the fixed list; params.max_tracked is clamped to this. */
#define RTP_NACK_CAPACITY 512

typedef struct rtp_nack_params {
    uint64_t retry_us;   /* time between two NACKs of the same seq (RTT later) */
    uint64_t max_age_us; /* give a seq up this long after its loss was detected */
    int max_retries;     /* NACKs per seq; given up one retry_us after the last */
    int max_tracked;     /* missing seqs kept; the oldest are given up first */
    int reset_gap;       /* a jump of more than this many seqs resets, not loss */
} rtp_nack_params;

/* One missing packet. ext is the sequence number extended past 16 bits, so
 * that the list stays ordered across the 65535 -> 0 wrap. */
typedef struct rtp_nack_entry {
    int64_t ext;
    uint64_t detected_us;
    uint64_t due_us;
    int retries;
} rtp_nack_entry;

/* Fields are readable by the owner (counters for stats and metrics); change
 * them only through the functions below. */
typedef struct rtp_nack {
    rtp_nack_params params;
    int started;        /* a packet has been seen */
    int64_t ext_newest; /* extended highest seq received */
    int count;          /* entries in list[], ordered by ext, oldest first */
    uint64_t next_due_us;
    rtp_nack_entry list[RTP_NACK_CAPACITY];

    uint64_t lost_detected; /* seqs found missing */
    uint64_t recovered;     /* missing seqs that arrived later */
    uint64_t given_up;      /* dropped after max retries, max age or eviction */
    uint64_t nacks_sent;    /* seqs returned by rtp_nack_poll() */
    uint64_t resets;        /* jumps larger than reset_gap */
} rtp_nack;

/* 30 ms retry, 5 retries, 1 s max age, 256 tracked, reset gap 1000. */
rtp_nack_params rtp_nack_default_params(void);

/* Initialises an empty tracker with a copy of *p (NULL: the defaults).
 * max_tracked is clamped to 1..RTP_NACK_CAPACITY, negative values to 0. */
void rtp_nack_init(rtp_nack *n, const rtp_nack_params *p);

/* Forgets the stream (list, newest seq) but keeps params and counters; the
 * next packet starts it again. For a publisher restart with a new SSRC. */
void rtp_nack_reset(rtp_nack *n);

/* Changes the retry interval, e.g. to the measured RTT plus a margin. Applies
 * from each seq's next NACK on. */
void rtp_nack_set_retry_us(rtp_nack *n, uint64_t retry_us);

/* Records the arrival of packet `seq` (after SRTP, a retransmission with its
 * original seq). The first packet only starts tracking. A jump forward
 * marks the seqs skipped as missing, due for a NACK at once; a late packet
 * (reordered or retransmitted) that was missing is removed and counted as
 * recovered; duplicates and seqs already given up are ignored. A jump of
 * more than reset_gap either way means the publisher restarted its sequence:
 * the list is cleared (not counted as given up) and tracking restarts. */
void rtp_nack_on_packet(rtp_nack *n, uint16_t seq, uint64_t now_us);

/* Writes to out[] up to `max` seqs whose NACK is due at now_us, oldest first
 * (ready to pack into PID/BLP pairs), and returns how many. Each one's retry
 * count is incremented and its next NACK scheduled retry_us later. Seqs past
 * max_age, or due again after max_retries NACKs, are dropped and counted as
 * given up. Seqs due but not returned because out[] is full stay due. */
int rtp_nack_poll(rtp_nack *n, uint64_t now_us, uint16_t *out, int max);

/* When rtp_nack_poll() next has work: the earliest due time, or 0 if nothing
 * is pending (a due time of 0 is reported as 1). Exact, never late. */
uint64_t rtp_nack_next_due(const rtp_nack *n);

/* Number of missing seqs currently tracked. */
static inline int rtp_nack_pending(const rtp_nack *n) {
    return n->count;
}

#endif
