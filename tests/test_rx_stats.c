/* Unit tests for loadtest/histogram and loadtest/rx_stats: quantiles of known
 * distributions within the histogram's error bound, loss before and after
 * the NACK grace period, wrap-around, duplicates, restarts, jitter, delay from
 * abs-send-time across the 64 s wrap, frame gaps, and the accounting
 * invariants on a pseudo-random packet stream. */
#include "loadtest/histogram.h"
#include "loadtest/rx_stats.h"
#include "tests/test.h"

#include <math.h>

#define MS 1000ull
#define SEC (1000 * MS)
#define T0 (7 * SEC)
/* A wall clock that is a multiple of 64 s (and so of 1/2^18 s): abs-send-time
 * values derived from it are exact. */
#define WALL0 (64 * SEC * 26562500ull)
/* 4096 / 2^18 s: a delay that abs-send-time represents exactly. */
#define TICKS_4096_US 15625u

/* |got - want| within the histogram's relative error (1/128) plus rounding. */
static int near(uint64_t got, uint64_t want) {
    double d = fabs((double)got - (double)want);
    return d <= (double)want / 128.0 + 1.0;
}

/* ---- histogram ----------------------------------------------------------- */

static void test_hist_empty(void) {
    histogram h;
    histogram_init(&h);
    ASSERT_EQ(h.count, 0);
    ASSERT_EQ(histogram_quantile(&h, 0.5), 0);
    ASSERT_EQ(histogram_quantile(&h, 1.0), 0);
    ASSERT(histogram_mean(&h) == 0.0);
    ASSERT_EQ(sizeof(h.buckets), 1344 * 4);
}

/* Below 128 every value has its own bucket. */
static void test_hist_small_exact(void) {
    histogram h;
    histogram_init(&h);
    for (uint64_t v = 0; v < 128; v++)
        histogram_record(&h, v);
    ASSERT_EQ(h.count, 128);
    ASSERT_EQ(h.min, 0);
    ASSERT_EQ(h.max, 127);
    ASSERT_EQ(histogram_quantile(&h, 0.5), 63);   /* rank 64 */
    ASSERT_EQ(histogram_quantile(&h, 0.99), 126); /* rank ceil(126.72) = 127 */
    ASSERT_EQ(histogram_quantile(&h, 0.0), 0);
    ASSERT_EQ(histogram_quantile(&h, 1.0), 127);
    ASSERT(histogram_mean(&h) == 63.5);
}

/* One value many times: every quantile is that value (clamped to min/max). */
static void test_hist_constant(void) {
    histogram h;
    histogram_init(&h);
    for (int i = 0; i < 1000; i++)
        histogram_record(&h, 12345);
    ASSERT_EQ(histogram_quantile(&h, 0.5), 12345);
    ASSERT_EQ(histogram_quantile(&h, 0.95), 12345);
    ASSERT_EQ(histogram_quantile(&h, 0.99), 12345);
    ASSERT(histogram_mean(&h) == 12345.0);
}

/* Uniform 1..100000 µs: the exact q-quantile is ceil(q * N). */
static void test_hist_uniform(void) {
    histogram h;
    histogram_init(&h);
    for (uint64_t v = 1; v <= 100000; v++)
        histogram_record(&h, v);
    ASSERT(near(histogram_quantile(&h, 0.50), 50000));
    ASSERT(near(histogram_quantile(&h, 0.95), 95000));
    ASSERT(near(histogram_quantile(&h, 0.99), 99000));
    ASSERT_EQ(h.min, 1);
    ASSERT_EQ(h.max, 100000);
    ASSERT(histogram_mean(&h) == 50000.5);
}

static uint32_t lcg_state;
static uint32_t lcg(void) {
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state >> 8;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A long-tailed distribution spanning 1 µs .. 60 s, against exact quantiles
 * of the sorted values. */
static void test_hist_long_tail(void) {
    enum { N = 20000 };
    static uint64_t v[N];
    histogram h;
    histogram_init(&h);
    lcg_state = 42;
    for (int i = 0; i < N; i++) {
        double u = (lcg() + 0.5) / 16777216.0; /* (0, 1) */
        v[i] = (uint64_t)(exp(u * log(60e6))); /* log-uniform 1 .. 60e6 */
        histogram_record(&h, v[i]);
    }
    qsort(v, N, sizeof v[0], cmp_u64);
    const double qs[] = {0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        uint64_t want = v[(size_t)ceil(qs[i] * N) - 1];
        ASSERT(near(histogram_quantile(&h, qs[i]), want));
    }
    ASSERT_EQ(histogram_quantile(&h, 1.0), v[N - 1]);
    ASSERT_EQ(histogram_quantile(&h, 0.0), v[0]);
}

/* Merging two halves gives the histogram of the whole; subtracting the first
 * half gives back the second. */
static void test_hist_merge_subtract(void) {
    static histogram a, b, whole, m;
    histogram_init(&a);
    histogram_init(&b);
    histogram_init(&whole);
    for (uint64_t i = 0; i < 5000; i++) {
        uint64_t x = i * 37 % 100000, y = 200000 + i * 91;
        histogram_record(&a, x);
        histogram_record(&b, y);
        histogram_record(&whole, x);
        histogram_record(&whole, y);
    }
    m = a;
    histogram_merge(&m, &b);
    ASSERT_EQ(m.count, whole.count);
    ASSERT_EQ(m.sum, whole.sum);
    ASSERT_EQ(m.min, whole.min);
    ASSERT_EQ(m.max, whole.max);
    ASSERT_MEM_EQ(m.buckets, whole.buckets, sizeof m.buckets);

    histogram_subtract(&m, &a);
    ASSERT_EQ(m.count, b.count);
    ASSERT_EQ(m.sum, b.sum);
    ASSERT_MEM_EQ(m.buckets, b.buckets, sizeof m.buckets);
    ASSERT(near(m.min, b.min) && m.min <= b.min);
    ASSERT(near(m.max, b.max) && m.max >= b.max);
    ASSERT(near(histogram_quantile(&m, 0.5), histogram_quantile(&b, 0.5)));

    histogram_subtract(&m, &m); /* nothing in between */
    ASSERT_EQ(m.count, 0);
    ASSERT_EQ(histogram_quantile(&m, 0.99), 0);

    histogram_init(&m); /* merging into an empty one copies min/max */
    histogram_merge(&m, &b);
    ASSERT_EQ(m.min, b.min);
    ASSERT_EQ(m.max, b.max);
}

/* Beyond 2^26 µs values share the last bucket; max stays exact. */
static void test_hist_overflow(void) {
    histogram h;
    histogram_init(&h);
    histogram_record(&h, 100 * SEC);
    histogram_record(&h, 1000);
    ASSERT_EQ(h.max, 100 * SEC);
    ASSERT_EQ(histogram_quantile(&h, 0.99), 100 * SEC);
    ASSERT(near(histogram_quantile(&h, 0.5), 1000));
    histogram_record(&h, UINT64_MAX);
    ASSERT_EQ(h.max, UINT64_MAX);
}

/* ---- rx_stream ----------------------------------------------------------- */

static rx_stream st;

/* A packet received at now; abs-send-time stamped delay_us before (exact
 * when delay_us is a multiple of TICKS_4096_US and now - T0 of 15625). */
static void pkt(uint16_t seq, uint32_t ts, int marker, uint64_t now, uint64_t delay_us) {
    uint64_t wall = WALL0 + (now - T0);
    rx_stream_on_packet(&st, seq, ts, marker, 1, rx_abs24_from_wall(wall - delay_us), now, wall,
                        100);
}

/* Audio at 50 packets/s from seq0: packet i at T0 + 20 ms * i. */
static void audio(uint16_t seq0, int i) {
    pkt((uint16_t)(seq0 + i), (uint32_t)i * 960, 0, T0 + (uint64_t)i * 20 * MS, TICKS_4096_US);
}

static void check_invariants(const rx_stream *s) {
    uint64_t advanced = s->expected - s->lost_before;
    ASSERT(s->lost_before <= s->expected);
    ASSERT_EQ(s->packets, advanced + s->recovered + s->duplicates + s->late);
    ASSERT(s->recovered + s->lost_after <= s->lost_before);
    ASSERT(s->ext_aged <= s->ext_max + 1);
    ASSERT(s->ext_aged + RX_STREAM_WINDOW > s->ext_max);
}

static void test_in_order(void) {
    rx_stream_init(&st, 0, 48000);
    for (int i = 0; i < 100; i++)
        audio(1000, i);
    rx_stream_finish(&st, T0 + 10 * SEC);
    ASSERT_EQ(st.packets, 100);
    ASSERT_EQ(st.bytes, 100 * 100);
    ASSERT_EQ(st.expected, 100);
    ASSERT_EQ(st.lost_before, 0);
    ASSERT_EQ(st.lost_after, 0);
    ASSERT_EQ(st.duplicates, 0);
    ASSERT_EQ(st.late, 0);
    ASSERT_EQ(st.frames, 0); /* audio */
    ASSERT(rx_stream_jitter_ms(&st) == 0.0);
    ASSERT_EQ(st.delay_us.count, 100);
    ASSERT_EQ(histogram_quantile(&st.delay_us, 0.5), TICKS_4096_US);
    ASSERT_EQ(st.delay_us.min, TICKS_4096_US);
    ASSERT_EQ(st.delay_us.max, TICKS_4096_US);
    ASSERT_EQ(st.clock_trouble, 0);
    check_invariants(&st);
}

/* 5 missing, retransmitted 300 ms later: lost before recovery only. */
static void test_gap_recovered(void) {
    rx_stream_init(&st, 0, 48000);
    for (int i = 0; i < 20; i++)
        if (i != 5) audio(0, i);
    ASSERT_EQ(st.lost_before, 1);
    pkt(5, 5 * 960, 0, T0 + 400 * MS, 300 * MS);
    for (int i = 20; i < 200; i++)
        audio(0, i);
    rx_stream_finish(&st, T0 + 60 * SEC);
    ASSERT_EQ(st.expected, 200);
    ASSERT_EQ(st.lost_before, 1);
    ASSERT_EQ(st.recovered, 1);
    ASSERT_EQ(st.lost_after, 0);
    ASSERT_EQ(st.late, 0);
    ASSERT_EQ(st.packets, 200);
    ASSERT_EQ(st.delay_us.count, 200); /* the retransmission's delay counts */
    ASSERT(near(st.delay_us.max, 300 * MS));
    check_invariants(&st);
}

/* 5 never comes: lost after recovery exactly when the grace period ends
 * (found missing when 6 arrived, at T0 + 120 ms). */
static void test_gap_lost(void) {
    rx_stream_init(&st, 0, 48000);
    for (int i = 0; i < 7; i++)
        if (i != 5) audio(0, i);
    ASSERT_EQ(st.lost_before, 1);
    for (int i = 7; i <= 55; i++) /* last at T0 + 1100 ms */
        audio(0, i);
    ASSERT_EQ(st.lost_after, 0);
    audio(0, 56); /* T0 + 1120 ms: 1 s after 6 arrived */
    ASSERT_EQ(st.lost_after, 1);
    check_invariants(&st);
    /* The retransmission comes too late: stays lost, counted late. */
    pkt(5, 5 * 960, 0, T0 + 1200 * MS, 0);
    ASSERT_EQ(st.lost_after, 1);
    ASSERT_EQ(st.late, 1);
    ASSERT_EQ(st.recovered, 0);
    check_invariants(&st);
}

/* A gap at the end of the run counts only once older than the grace period. */
static void test_finish(void) {
    rx_stream_init(&st, 0, 48000);
    audio(0, 0);
    audio(0, 3); /* 1 and 2 missing, found at T0 + 60 ms */
    rx_stream_finish(&st, T0 + 500 * MS);
    ASSERT_EQ(st.lost_before, 2);
    ASSERT_EQ(st.lost_after, 0);
    rx_stream_finish(&st, T0 + 1059 * MS);
    ASSERT_EQ(st.lost_after, 0);
    rx_stream_finish(&st, T0 + 1060 * MS);
    ASSERT_EQ(st.lost_after, 2);
    rx_stream_finish(&st, T0 + 9000 * MS);
    ASSERT_EQ(st.lost_after, 2);
    check_invariants(&st);

    rx_stream_init(&st, 0, 48000); /* finishing an empty stream is harmless */
    rx_stream_finish(&st, T0);
    ASSERT_EQ(st.lost_after, 0);
}

static void test_wrap(void) {
    rx_stream_init(&st, 0, 48000);
    for (int i = 0; i < 12; i++)
        audio(65530, i); /* 65530 .. 65535, 0 .. 5 */
    ASSERT_EQ(st.expected, 12);
    ASSERT_EQ(st.lost_before, 0);
    ASSERT_EQ(st.max_seq, 5);

    rx_stream_init(&st, 0, 48000);
    for (int i = 0; i < 12; i++)
        if (i != 5) audio(65530, i); /* 65535 missing across the wrap */
    rx_stream_finish(&st, T0 + 10 * SEC);
    ASSERT_EQ(st.expected, 12);
    ASSERT_EQ(st.lost_before, 1);
    ASSERT_EQ(st.lost_after, 1);
    check_invariants(&st);
}

static void test_duplicates(void) {
    rx_stream_init(&st, 0, 48000);
    for (int i = 0; i < 10; i++)
        audio(100, i);
    audio(100, 9); /* the newest again */
    audio(100, 3); /* an older one again */
    ASSERT_EQ(st.packets, 12);
    ASSERT_EQ(st.duplicates, 2);
    ASSERT_EQ(st.expected, 10);
    ASSERT_EQ(st.lost_before, 0);
    ASSERT_EQ(st.delay_us.count, 10); /* duplicates measure nothing */
    check_invariants(&st);
}

/* Reordering is loss before recovery, repaired at once. */
static void test_reorder(void) {
    rx_stream_init(&st, 0, 48000);
    audio(0, 0);
    audio(0, 2);
    audio(0, 1);
    audio(0, 3);
    ASSERT_EQ(st.lost_before, 1);
    ASSERT_EQ(st.recovered, 1);
    /* Older than the first packet: not part of the sequence. */
    pkt(65535, 0, 0, T0 + 100 * MS, 0);
    ASSERT_EQ(st.late, 1);
    ASSERT_EQ(st.expected, 4);
    check_invariants(&st);
}

/* A jump of 2000: all 1999 lost before recovery; the 976 that do not fit in
 * the window are written off at once, the rest after the grace period. */
static void test_big_jump(void) {
    rx_stream_init(&st, 0, 48000);
    audio(0, 0);
    pkt(2000, 2000 * 960, 0, T0 + 20 * MS, 0);
    ASSERT_EQ(st.expected, 2001);
    ASSERT_EQ(st.lost_before, 1999);
    ASSERT_EQ(st.lost_after, 2000 - RX_STREAM_WINDOW);
    check_invariants(&st);
    pkt(1500, 1500 * 960, 0, T0 + 30 * MS, 0); /* in the window: recovered */
    pkt(900, 900 * 960, 0, T0 + 40 * MS, 0);   /* behind it: late */
    ASSERT_EQ(st.recovered, 1);
    ASSERT_EQ(st.late, 1);
    rx_stream_finish(&st, T0 + 2 * SEC);
    ASSERT_EQ(st.lost_after, 1998);
    check_invariants(&st);
}

/* Two consecutive packets far behind: the sender restarted. */
static void test_restart(void) {
    rx_stream_init(&st, 0, 48000);
    for (int i = 0; i < 10; i++)
        if (i != 4) audio(1000, i);
    pkt(40000, 0, 0, T0 + 200 * MS, 0); /* 26545 behind 1009 */
    ASSERT_EQ(st.late, 1);
    ASSERT_EQ(st.restarts, 0);
    pkt(40001, 960, 0, T0 + 220 * MS, 0);
    ASSERT_EQ(st.restarts, 1);
    ASSERT_EQ(st.lost_after, 1); /* 1004, written off by the restart */
    pkt(40002, 1920, 0, T0 + 240 * MS, 0);
    pkt(40004, 3840, 0, T0 + 260 * MS, 0);
    ASSERT_EQ(st.expected, 10 + 4);
    ASSERT_EQ(st.lost_before, 2);
    ASSERT_EQ(st.max_seq, 40004);
    check_invariants(&st);

    /* A single stray packet does not restart, and a normal one in between
     * breaks the pair. */
    pkt(30000, 0, 0, T0 + 280 * MS, 0);
    pkt(40005, 0, 0, T0 + 300 * MS, 0);
    pkt(30001, 0, 0, T0 + 320 * MS, 0);
    ASSERT_EQ(st.restarts, 1);
    ASSERT_EQ(st.late, 3);
    ASSERT_EQ(st.max_seq, 40005);
    check_invariants(&st);
}

/* RFC 3550 A.8 on a 1 kHz clock (1 unit = 1 ms): transit differences 0, 5
 * give J = 5/16; then a difference of 3 gives J += (3 - J)/16. */
static void test_jitter(void) {
    rx_stream_init(&st, 0, 1000);
    pkt(0, 0, 0, T0, 0);
    pkt(1, 10, 0, T0 + 10 * MS, 0);
    ASSERT(rx_stream_jitter_ms(&st) == 0.0);
    pkt(2, 20, 0, T0 + 25 * MS, 0);
    ASSERT(fabs(rx_stream_jitter_ms(&st) - 0.3125) < 1e-12);
    pkt(3, 30, 0, T0 + 32 * MS, 0); /* transit 2 after 5: |D| = 3 */
    double j = 0.3125 + (3 - 0.3125) / 16;
    ASSERT(fabs(rx_stream_jitter_ms(&st) - j) < 1e-12);
    /* A late duplicate does not move it. */
    pkt(1, 10, 0, T0 + 500 * MS, 0);
    ASSERT(fabs(rx_stream_jitter_ms(&st) - j) < 1e-12);

    /* Constant delay at 90 kHz, 33 ms frames: 0. */
    rx_stream_init(&st, 1, 90000);
    for (int i = 0; i < 50; i++)
        pkt((uint16_t)i, 12345 + (uint32_t)i * 2970, 1, T0 + (uint64_t)i * 33 * MS, 0);
    ASSERT(rx_stream_jitter_ms(&st) == 0.0);
}

static void test_abs_send_time(void) {
    ASSERT_EQ(rx_abs24_from_wall(WALL0), 0);
    ASSERT_EQ(rx_abs24_from_wall(WALL0 - TICKS_4096_US), 0xfff000);
    ASSERT_EQ(rx_abs24_from_wall(WALL0 + SEC), 1 << 18);
    ASSERT_EQ(rx_abs24_delay_us(0xfff000, 0x002000), 46875); /* across the 64 s wrap */
    ASSERT_EQ(rx_abs24_delay_us(0x002000, 0xfff000), -46875);
    ASSERT_EQ(rx_abs24_delay_us(5, 5), 0);
    ASSERT_EQ(rx_abs24_delay_us(0, 1), 4); /* 3.81 µs, rounded */
    ASSERT_EQ(rx_abs24_delay_us(0, 0x7fffff), 32 * SEC - 4);
}

static void test_delay(void) {
    rx_stream_init(&st, 0, 48000);
    /* Sent at 63.984375 s (0xfff000), received 46.875 ms later, after the
     * 64 s wrap. */
    uint64_t now = T0;
    rx_stream_on_packet(&st, 1, 0, 0, 1, 0xfff000, now, WALL0 + 2 * TICKS_4096_US, 100);
    ASSERT_EQ(st.delay_us.count, 1);
    ASSERT_EQ(st.delay_us.max, 46875);
    /* Received 20 s after sending: clock trouble, not a delay. */
    rx_stream_on_packet(&st, 2, 0, 0, 1, rx_abs24_from_wall(WALL0), now, WALL0 + 20 * SEC, 100);
    /* Received before it was sent: the clock stepped back. */
    rx_stream_on_packet(&st, 3, 0, 0, 1, rx_abs24_from_wall(WALL0 + SEC), now, WALL0, 100);
    /* No extension: nothing to measure. */
    rx_stream_on_packet(&st, 4, 0, 0, 0, 0, now, WALL0, 100);
    ASSERT_EQ(st.clock_trouble, 2);
    ASSERT_EQ(st.delay_us.count, 1);
    /* Up to 10 s is a delay. */
    rx_stream_on_packet(&st, 5, 0, 0, 1, rx_abs24_from_wall(WALL0), now, WALL0 + 10 * SEC, 100);
    ASSERT_EQ(st.delay_us.count, 2);
    ASSERT_EQ(st.delay_us.max, 10 * SEC);
    /* A realistic wall clock, rounding on both sides: within one tick. */
    uint64_t wall = 1712345678901234ull;
    rx_stream_on_packet(&st, 6, 0, 0, 1, rx_abs24_from_wall(wall - 2345), now, wall, 100);
    ASSERT_EQ(st.delay_us.count, 3);
    ASSERT(st.delay_us.min >= 2345 - 4 && st.delay_us.min <= 2345 + 4);
}

/* Video at 25 fps, 3 packets a frame, marker on the last; frame 5 arrives
 * 200 ms after frame 4 instead of 40 ms. */
static void test_frame_gaps(void) {
    rx_stream_init(&st, 1, 90000);
    uint16_t seq = 0;
    uint64_t t = T0;
    for (int f = 0; f < 20; f++) {
        t += f == 5 ? 200 * MS : 40 * MS;
        for (int p = 0; p < 3; p++)
            pkt(seq++, (uint32_t)f * 3600, p == 2, t + (uint64_t)p * MS, 0);
    }
    ASSERT_EQ(st.frames, 20);
    ASSERT_EQ(st.frame_gap_us.count, 19);
    ASSERT_EQ(st.frame_gap_us.max, 200 * MS);
    ASSERT(near(histogram_quantile(&st.frame_gap_us, 0.99), 200 * MS));
    ASSERT(near(histogram_quantile(&st.frame_gap_us, 0.5), 40 * MS));
    /* A duplicate marker and an older frame's marker complete nothing. */
    pkt((uint16_t)(seq - 1), 19 * 3600, 1, t + 50 * MS, 0);
    ASSERT_EQ(st.frames, 20);
    pkt(seq++, 18 * 3600, 1, t + 60 * MS, 0);
    ASSERT_EQ(st.frames, 20);
    pkt(seq++, 20 * 3600, 1, t + 80 * MS, 0);
    ASSERT_EQ(st.frames, 21);
    ASSERT_EQ(st.frame_gap_us.count, 20);
}

static void test_snapshot(void) {
    static rx_stream a, b;
    static rx_totals t, u;
    rx_stream_init(&a, 0, 1000);
    rx_stream_init(&b, 0, 1000);
    rx_stream_on_packet(&a, 0, 0, 0, 1, 0, T0, WALL0 + 1000, 50);
    rx_stream_on_packet(&a, 1, 10, 0, 1, 0, T0 + 10 * MS, WALL0 + 2000, 50);
    rx_stream_on_packet(&a, 2, 20, 0, 1, 0, T0 + 36 * MS, WALL0 + 3000, 50); /* |D| = 16: J = 1 */
    rx_stream_on_packet(&b, 0, 0, 0, 0, 0, T0, 0, 70);
    rx_stream_on_packet(&b, 2, 0, 0, 0, 0, T0, 0, 70);
    rx_stream_finish(&b, T0 + 5 * SEC);
    ASSERT(fabs(rx_stream_jitter_ms(&a) - 1.0) < 1e-12);

    rx_totals_init(&t);
    rx_stream_snapshot(&a, &t);
    rx_stream_snapshot(&b, &t);
    ASSERT_EQ(t.streams, 2);
    ASSERT_EQ(t.packets, 5);
    ASSERT_EQ(t.bytes, 3 * 50 + 2 * 70);
    ASSERT_EQ(t.expected, 6);
    ASSERT_EQ(t.lost_before, 1);
    ASSERT_EQ(t.lost_after, 1);
    ASSERT_EQ(t.delay_us.count, 3);
    ASSERT(fabs(rx_totals_jitter_ms(&t) - 0.5) < 1e-12); /* mean of 1 and 0 */
    ASSERT(fabs(rx_totals_loss_before_pct(&t) - 100.0 / 6) < 1e-9);
    ASSERT(fabs(rx_totals_loss_after_pct(&t) - 100.0 / 6) < 1e-9);

    rx_totals_init(&u);
    rx_totals_merge(&u, &t);
    rx_totals_merge(&u, &t);
    ASSERT_EQ(u.streams, 4);
    ASSERT_EQ(u.packets, 10);
    ASSERT_EQ(u.delay_us.count, 6);
    ASSERT(fabs(rx_totals_jitter_ms(&u) - 0.5) < 1e-12);
    rx_totals_subtract(&u, &t);
    ASSERT_EQ(u.packets, 5);
    ASSERT_EQ(u.delay_us.count, 3);

    rx_totals_init(&u); /* nothing expected: 0 %, no division by zero */
    ASSERT(rx_totals_loss_after_pct(&u) == 0.0);
    ASSERT(rx_totals_jitter_ms(&u) == 0.0);
}

/* Pseudo-random arrivals (forward steps, gaps, repeats, old packets, time
 * jumps): the accounting invariants hold after every packet. */
static void test_random_invariants(void) {
    lcg_state = 7;
    for (int run = 0; run < 20; run++) {
        rx_stream_init(&st, run & 1, 90000);
        uint16_t seq = (uint16_t)lcg();
        uint64_t now = T0;
        for (int i = 0; i < 5000; i++) {
            uint32_t r = lcg();
            switch (r % 8) {
            case 0:
                seq = (uint16_t)(seq + 1 + r / 8 % 40);
                break;
            case 1:
                seq = (uint16_t)(seq - r / 8 % 1500);
                break;
            case 2:
                seq = (uint16_t)(r >> 4);
                break;
            default:
                seq++;
                break;
            }
            now += r / 64 % 50 * MS;
            rx_stream_on_packet(&st, seq, r, (int)(r & 1), (int)(r >> 1 & 1), r >> 8, now,
                                WALL0 + now, 100);
            check_invariants(&st);
        }
        rx_stream_finish(&st, now + 5 * SEC);
        check_invariants(&st);
        ASSERT_EQ(st.recovered + st.lost_after, st.lost_before); /* all settled */
    }
}

int main(void) {
    RUN_TEST(test_hist_empty);
    RUN_TEST(test_hist_small_exact);
    RUN_TEST(test_hist_constant);
    RUN_TEST(test_hist_uniform);
    RUN_TEST(test_hist_long_tail);
    RUN_TEST(test_hist_merge_subtract);
    RUN_TEST(test_hist_overflow);
    RUN_TEST(test_in_order);
    RUN_TEST(test_gap_recovered);
    RUN_TEST(test_gap_lost);
    RUN_TEST(test_finish);
    RUN_TEST(test_wrap);
    RUN_TEST(test_duplicates);
    RUN_TEST(test_reorder);
    RUN_TEST(test_big_jump);
    RUN_TEST(test_restart);
    RUN_TEST(test_jitter);
    RUN_TEST(test_abs_send_time);
    RUN_TEST(test_delay);
    RUN_TEST(test_frame_gaps);
    RUN_TEST(test_snapshot);
    RUN_TEST(test_random_invariants);
    TEST_DONE();
}
