#include "sfu/rtp_stats.h"

#include <string.h>

/* RFC 3550 A.1 constants. */
#define RTP_SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000u
#define MAX_MISORDER 100u

/* 24-bit signed range of the cumulative lost field. */
#define LOST_MAX 0x7fffff
#define LOST_MIN (-0x800000)

#define DUP_MASK (RTP_RX_DUP_WINDOW - 1u)

void rtp_rx_stats_init(rtp_rx_stats *s, uint32_t clock_rate) {
    memset(s, 0, sizeof(*s));
    s->clock_rate = clock_rate;
}

void rtp_rx_stats_set_probation(rtp_rx_stats *s, unsigned min_sequential) {
    s->min_sequential = min_sequential;
}

/* Converts `us` microseconds to `rate` Hz units without overflowing for any
 * realistic duration (the product of the two would overflow after years). */
static uint64_t us_to_units(uint64_t us, uint32_t rate) {
    return us / 1000000u * rate + us % 1000000u * rate / 1000000u;
}

static int seen_get(const rtp_rx_stats *s, uint16_t seq) {
    unsigned i = seq & DUP_MASK;
    return (int)((s->seen[i / 64] >> (i % 64)) & 1u);
}

static void seen_set(rtp_rx_stats *s, uint16_t seq, int on) {
    unsigned i = seq & DUP_MASK;
    if (on)
        s->seen[i / 64] |= (uint64_t)1 << (i % 64);
    else
        s->seen[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* RFC 3550 A.1 init_seq(), plus our own per-sequence state: a restarted
 * sequence gets a fresh duplicate window and jitter baseline. */
static void init_seq(rtp_rx_stats *s, uint16_t seq) {
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = RTP_SEQ_MOD + 1; /* so seq == bad_seq is false */
    s->cycles = 0;
    s->received = 0;
    s->received_prior = 0;
    s->expected_prior = 0;
    s->have_transit = 0;
    memset(s->seen, 0, sizeof(s->seen));
}

/* Moves max_seq forward to seq, forgetting the duplicate bits of the seqs
 * skipped (they now name packets one window newer). */
static void advance_seq(rtp_rx_stats *s, uint16_t seq) {
    uint16_t d = (uint16_t)(seq - s->max_seq);
    if (d >= RTP_RX_DUP_WINDOW) {
        memset(s->seen, 0, sizeof(s->seen));
    } else {
        for (uint16_t i = 1; i <= d; i++)
            seen_set(s, (uint16_t)(s->max_seq + i), 0);
    }
    if (seq < s->max_seq) s->cycles += RTP_SEQ_MOD;
    s->max_seq = seq;
}

/* RFC 3550 A.1 update_seq(). Returns 0 when the packet counts, -1 on
 * probation, -2 when held back as a possible restart. Sets *advanced when
 * the packet became the new highest seq. */
static int update_seq(rtp_rx_stats *s, uint16_t seq, int *advanced) {
    uint16_t udelta = (uint16_t)(seq - s->max_seq);
    *advanced = 0;
    if (s->probation) {
        if (seq == (uint16_t)(s->max_seq + 1)) {
            s->probation--;
            s->max_seq = seq;
            if (s->probation == 0) {
                init_seq(s, seq);
                s->valid = 1;
                *advanced = 1;
                goto counted;
            }
        } else {
            s->probation = s->min_sequential - 1;
            s->max_seq = seq;
        }
        return -1;
    } else if (udelta < MAX_DROPOUT) {
        if (udelta == 0) {
            if (seen_get(s, seq)) s->duplicates++;
        } else {
            advance_seq(s, seq);
            *advanced = 1;
        }
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        if (seq != s->bad_seq) {
            s->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
            return -2;
        }
        /* Two sequential packets: the sender restarted its sequence. */
        init_seq(s, seq);
        s->restarts++;
        *advanced = 1;
    } else {
        /* Reordered or duplicate, at most MAX_MISORDER behind. */
        if (seen_get(s, seq)) s->duplicates++;
    }
counted:
    seen_set(s, seq, 1);
    s->received++;
    return 0;
}

/* RFC 3550 A.8, integer form: jitter_q4 is the jitter times 16. */
static void update_jitter(rtp_rx_stats *s, uint32_t rtp_ts, uint64_t arrival_us) {
    uint64_t rel = arrival_us >= s->first_arrival_us ? arrival_us - s->first_arrival_us : 0;
    uint32_t arrival = (uint32_t)us_to_units(rel, s->clock_rate);
    uint32_t transit = arrival - rtp_ts; /* mod 2^32: timestamps wrap */
    if (s->have_transit) {
        int32_t d = (int32_t)(transit - s->transit);
        int64_t ad = d < 0 ? -(int64_t)d : d;
        int64_t j = (int64_t)s->jitter_q4 + ad - (((int64_t)s->jitter_q4 + 8) >> 4);
        s->jitter_q4 = j < 0 ? 0 : j > UINT32_MAX ? UINT32_MAX : (uint32_t)j;
    }
    s->transit = transit;
    s->have_transit = 1;
}

int rtp_rx_stats_update(rtp_rx_stats *s, uint16_t seq, uint32_t rtp_ts, uint64_t arrival_us,
                        uint32_t size) {
    if (!s->started) {
        s->started = 1;
        s->first_arrival_us = arrival_us;
        init_seq(s, seq);
        if (s->min_sequential > 0) {
            /* RFC: max_seq = seq - 1 so that this packet is the first of
             * the min_sequential in a row. */
            s->max_seq = (uint16_t)(seq - 1);
            s->probation = s->min_sequential;
        } else {
            s->valid = 1;
            seen_set(s, seq, 1);
            s->received = 1;
            s->packets++;
            s->bytes += size;
            update_jitter(s, rtp_ts, arrival_us);
            return 0;
        }
    }
    int advanced;
    int rc = update_seq(s, seq, &advanced);
    if (rc != 0) return rc;
    s->packets++;
    s->bytes += size;
    if (advanced) update_jitter(s, rtp_ts, arrival_us);
    return 0;
}

void rtp_rx_stats_on_sr(rtp_rx_stats *s, uint64_t ntp64, uint64_t now_us) {
    s->have_sr = 1;
    s->lsr = (uint32_t)(ntp64 >> 16);
    s->sr_arrival_us = now_us;
}

/* RFC 3550 A.3. */
static void report_loss(rtp_rx_stats *s, rtp_rx_report *out) {
    uint32_t ext_max = s->cycles + s->max_seq;
    uint32_t expected = ext_max - s->base_seq + 1;
    int64_t lost = (int64_t)expected - (int64_t)s->received;
    out->cumulative_lost = (int32_t)(lost > LOST_MAX   ? LOST_MAX
                                     : lost < LOST_MIN ? LOST_MIN
                                                       : lost);
    out->ext_highest_seq = ext_max;

    uint32_t expected_interval = expected - s->expected_prior;
    s->expected_prior = expected;
    uint32_t received_interval = s->received - s->received_prior;
    s->received_prior = s->received;
    int64_t lost_interval = (int64_t)expected_interval - (int64_t)received_interval;
    if (expected_interval == 0 || lost_interval <= 0)
        out->fraction_lost = 0;
    else if (lost_interval >= expected_interval)
        out->fraction_lost = 255; /* defensive: 256 does not fit in 8 bits */
    else
        out->fraction_lost = (uint8_t)((lost_interval << 8) / expected_interval);
}

void rtp_rx_stats_report(rtp_rx_stats *s, uint64_t now_us, rtp_rx_report *out) {
    memset(out, 0, sizeof(*out));
    if (s->valid) {
        report_loss(s, out);
        out->jitter = s->jitter_q4 >> 4;
    }
    if (s->have_sr) {
        uint64_t since = now_us >= s->sr_arrival_us ? now_us - s->sr_arrival_us : 0;
        uint64_t dlsr = us_to_units(since, 65536);
        out->lsr = s->lsr;
        out->dlsr = dlsr > UINT32_MAX ? UINT32_MAX : (uint32_t)dlsr;
    }
}
