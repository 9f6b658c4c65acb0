#include "loadtest/rx_stats.h"

#include <string.h>

#include "sfu/rtp.h"

#define WMASK ((uint64_t)RX_STREAM_WINDOW - 1)
#define NO_RESTART 0x10000u
/* The first packet's extended seq: far from 0, so that older ones are too. */
#define EXT_START ((uint64_t)1 << 32)

static int got_get(const rx_stream *s, uint64_t ext) {
    uint64_t i = ext & WMASK;
    return (int)((s->got[i / 64] >> (i % 64)) & 1u);
}

static void got_set(rx_stream *s, uint64_t ext, int on) {
    uint64_t i = ext & WMASK;
    if (on)
        s->got[i / 64] |= (uint64_t)1 << (i % 64);
    else
        s->got[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* Microseconds since the first packet (0 if the clock went backwards). */
static uint64_t rel_us(const rx_stream *s, uint64_t now_us) {
    return now_us > s->first_us ? now_us - s->first_us : 0;
}

static uint32_t rel_ms(const rx_stream *s, uint64_t now_us) {
    uint64_t ms = rel_us(s, now_us) / 1000u;
    return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/* Converts `us` microseconds to `rate` Hz units without overflow. */
static uint64_t us_to_units(uint64_t us, uint32_t rate) {
    return us / 1000000u * rate + us % 1000000u * rate / 1000000u;
}

void rx_stream_init(rx_stream *s, int is_video, uint32_t clock_rate) {
    memset(s, 0, sizeof(*s));
    s->is_video = is_video ? 1 : 0;
    s->clock_rate = clock_rate;
    s->grace_us = RX_STREAM_GRACE_US;
    s->restart_seq = NO_RESTART;
    histogram_init(&s->delay_us);
    histogram_init(&s->frame_gap_us);
}

void rx_stream_set_grace(rx_stream *s, uint64_t grace_us) {
    s->grace_us = grace_us;
}

/* Settles the oldest pending seq: a missing one is lost after recovery. */
static void age_one(rx_stream *s) {
    if (!got_get(s, s->ext_aged)) s->lost_after++;
    s->ext_aged++;
}

/* Ages out every pending seq whose grace period ended by now_us. known_ms
 * only grows with the seq (times passed in are monotonic), so the first seq
 * still in its grace period ends the walk. */
static void age_by_time(rx_stream *s, uint64_t now_us) {
    uint64_t now = rel_us(s, now_us);
    while (s->ext_aged <= s->ext_max) {
        uint64_t known = (uint64_t)s->known_ms[s->ext_aged & WMASK] * 1000u;
        if (known + s->grace_us > now) break;
        age_one(s);
    }
}

/* Starts a sequence at `seq` with extended seq `ext`. */
static void start_seq(rx_stream *s, uint16_t seq, uint64_t ext, uint64_t now_us) {
    memset(s->got, 0, sizeof(s->got));
    s->max_seq = seq;
    s->ext_max = s->ext_base = s->ext_aged = ext;
    s->restart_seq = NO_RESTART;
    s->have_transit = 0;
    s->have_frame = 0;
    got_set(s, ext, 1);
    s->known_ms[ext & WMASK] = rel_ms(s, now_us);
    s->expected++;
}

/* Moves the highest seq forward to ext: the seqs skipped are missing (found
 * now), and whatever falls out of the window is settled first. */
static void advance(rx_stream *s, uint16_t seq, uint64_t ext, uint64_t now_us) {
    uint64_t low = ext - RX_STREAM_WINDOW + 1; /* oldest seq the window keeps */
    while (s->ext_aged < low && s->ext_aged <= s->ext_max)
        age_one(s);
    uint64_t first_missing = s->ext_max + 1;
    s->lost_before += ext - first_missing;
    s->expected += ext - s->ext_max;
    if (low > first_missing) {
        /* Skipped seqs that never fit in the window. */
        s->lost_after += low - first_missing;
        first_missing = low;
        s->ext_aged = low;
    }
    uint32_t now_ms = rel_ms(s, now_us);
    for (uint64_t e = first_missing; e < ext; e++) {
        got_set(s, e, 0);
        s->known_ms[e & WMASK] = now_ms;
    }
    got_set(s, ext, 1);
    s->known_ms[ext & WMASK] = now_ms;
    s->ext_max = ext;
    s->max_seq = seq;
}

/* A packet too old for the window. Two in a row with consecutive seqs mean
 * the sender restarted its sequence: returns 1 after starting it again. */
static int old_packet(rx_stream *s, uint16_t seq, uint64_t now_us) {
    if (seq != s->restart_seq) {
        s->late++;
        s->restart_seq = (uint16_t)(seq + 1);
        return 0;
    }
    while (s->ext_aged <= s->ext_max)
        age_one(s);
    s->restarts++;
    start_seq(s, seq, s->ext_max + 2 * RX_STREAM_WINDOW, now_us);
    return 1;
}

/* RFC 3550 A.8, on the packets that advance the sequence. */
static void update_jitter(rx_stream *s, uint32_t rtp_ts, uint64_t now_us) {
    if (s->clock_rate == 0) return;
    uint32_t arrival = (uint32_t)us_to_units(rel_us(s, now_us), s->clock_rate);
    uint32_t transit = arrival - rtp_ts;
    if (s->have_transit) {
        int32_t d = (int32_t)(transit - s->transit);
        double ad = d < 0 ? -(double)d : (double)d;
        s->jitter += (ad - s->jitter) / 16.0;
    }
    s->transit = transit;
    s->have_transit = 1;
}

static void update_delay(rx_stream *s, uint32_t abs24, uint64_t wall_us) {
    int64_t d = rx_abs24_delay_us(abs24, rx_abs24_from_wall(wall_us));
    if (d < 0 || d > (int64_t)RX_STREAM_MAX_DELAY_US)
        s->clock_trouble++;
    else
        histogram_record(&s->delay_us, (uint64_t)d);
}

static void update_frames(rx_stream *s, uint32_t rtp_ts, uint64_t now_us) {
    if (s->have_frame && (int32_t)(rtp_ts - s->frame_ts) <= 0) return;
    if (s->have_frame)
        histogram_record(&s->frame_gap_us, now_us > s->frame_us ? now_us - s->frame_us : 0);
    s->have_frame = 1;
    s->frame_ts = rtp_ts;
    s->frame_us = now_us;
    s->frames++;
}

/* Sequence accounting of one packet. Returns 2 when it advanced the highest
 * seq, 1 when it filled a gap in time, 0 otherwise (duplicate, late). */
static int account_seq(rx_stream *s, uint16_t seq, uint64_t now_us) {
    if (!s->started) {
        s->started = 1;
        s->first_us = now_us;
        start_seq(s, seq, EXT_START + seq, now_us);
        return 2;
    }
    int16_t delta = (int16_t)(uint16_t)(seq - s->max_seq);
    uint64_t ext = s->ext_max + (uint64_t)(int64_t)delta;
    if (delta > 0) {
        s->restart_seq = NO_RESTART;
        advance(s, seq, ext, now_us);
        return 2;
    }
    if (ext + RX_STREAM_WINDOW <= s->ext_max) return old_packet(s, seq, now_us) ? 2 : 0;
    s->restart_seq = NO_RESTART;
    if (ext < s->ext_base) {
        s->late++;
        return 0;
    }
    if (got_get(s, ext)) {
        s->duplicates++;
        return 0;
    }
    if (ext < s->ext_aged) {
        s->late++;
        return 0;
    }
    got_set(s, ext, 1);
    s->recovered++;
    return 1;
}

void rx_stream_on_packet(rx_stream *s, uint16_t seq, uint32_t rtp_ts, int marker,
                         int has_abs_send_time, uint32_t abs24, uint64_t now_us, uint64_t wall_us,
                         size_t bytes) {
    s->packets++;
    s->bytes += bytes;
    int r = account_seq(s, seq, now_us);
    if (r == 2) update_jitter(s, rtp_ts, now_us);
    if (r > 0 && has_abs_send_time) update_delay(s, abs24, wall_us);
    if (r > 0 && marker && s->is_video) update_frames(s, rtp_ts, now_us);
    age_by_time(s, now_us);
}

void rx_stream_finish(rx_stream *s, uint64_t now_us) {
    if (s->started) age_by_time(s, now_us);
}

double rx_stream_jitter_ms(const rx_stream *s) {
    return s->clock_rate ? s->jitter * 1000.0 / s->clock_rate : 0.0;
}

void rx_totals_init(rx_totals *t) {
    memset(t, 0, sizeof(*t));
    histogram_init(&t->delay_us);
    histogram_init(&t->frame_gap_us);
}

/* The counters rx_stream and rx_totals share, for the summing code below. */
/* clang-format off */
#define RX_COUNTERS(X)                                                                             \
    X(packets) X(bytes) X(expected) X(lost_before) X(lost_after) X(recovered) X(duplicates)       \
    X(late) X(restarts) X(clock_trouble) X(frames)
/* clang-format on */

void rx_stream_snapshot(const rx_stream *s, rx_totals *t) {
#define ADD(f) t->f += s->f;
    RX_COUNTERS(ADD)
#undef ADD
    t->streams++;
    if (s->started && s->clock_rate) {
        t->jitter_streams++;
        t->jitter_ms_sum += rx_stream_jitter_ms(s);
    }
    histogram_merge(&t->delay_us, &s->delay_us);
    histogram_merge(&t->frame_gap_us, &s->frame_gap_us);
}

void rx_totals_merge(rx_totals *dst, const rx_totals *src) {
#define ADD(f) dst->f += src->f;
    RX_COUNTERS(ADD)
    ADD(streams)
    ADD(jitter_streams)
    ADD(jitter_ms_sum)
#undef ADD
    histogram_merge(&dst->delay_us, &src->delay_us);
    histogram_merge(&dst->frame_gap_us, &src->frame_gap_us);
}

void rx_totals_subtract(rx_totals *t, const rx_totals *older) {
#define SUB(f) t->f = t->f > older->f ? t->f - older->f : 0;
    RX_COUNTERS(SUB)
#undef SUB
    histogram_subtract(&t->delay_us, &older->delay_us);
    histogram_subtract(&t->frame_gap_us, &older->frame_gap_us);
}

static double pct(uint64_t part, uint64_t whole) {
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

double rx_totals_loss_before_pct(const rx_totals *t) {
    return pct(t->lost_before, t->expected);
}

double rx_totals_loss_after_pct(const rx_totals *t) {
    return pct(t->lost_after, t->expected);
}

double rx_totals_jitter_ms(const rx_totals *t) {
    return t->jitter_streams ? t->jitter_ms_sum / (double)t->jitter_streams : 0.0;
}

uint32_t rx_abs24_from_wall(uint64_t wall_us) {
    uint8_t d[3];
    uint32_t v = 0;
    rtp_ext_write_abs_send_time(d, wall_us);
    rtp_ext_abs_send_time(d, 3, &v);
    return v;
}

int64_t rx_abs24_delay_us(uint32_t sent24, uint32_t recv24) {
    int64_t diff = (int64_t)((recv24 - sent24) & 0xffffffu);
    if (diff >= 0x800000) diff -= 0x1000000;
    int64_t mag = diff < 0 ? -diff : diff;
    int64_t us = (mag * 1000000 + (1 << 17)) >> 18; /* 2^18 units per second, rounded */
    return diff < 0 ? -us : us;
}
