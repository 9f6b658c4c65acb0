/* Unit tests for sfu/rtp_stats against RFC 3550 A.1, A.3, A.8 with values
 * worked out by hand: loss and fraction lost per interval, wrap-around,
 * duplicates, restarts, probation, jitter, LSR/DLSR. */
#include "sfu/rtp_stats.h"
#include "tests/test.h"

#define MS 1000ull
#define T0 (5 * 1000 * MS)
#define VIDEO 90000u
#define FRAME_TS 1800u /* 20 ms at 90 kHz */
#define FRAME_US (20 * MS)

static rtp_rx_stats st;

/* Packet i of a 50 fps stream starting at seq0/ts0, sent at T0 + i*20 ms and
 * arriving `delay_us` later. */
static int pkt(uint16_t seq0, uint32_t ts0, int i, uint64_t delay_us) {
    return rtp_rx_stats_update(&st, (uint16_t)(seq0 + i), ts0 + (uint32_t)i * FRAME_TS,
                               T0 + (uint64_t)i * FRAME_US + delay_us, 100);
}

static rtp_rx_report report(uint64_t now) {
    rtp_rx_report r;
    rtp_rx_stats_report(&st, now, &r);
    return r;
}

static void test_empty(void) {
    rtp_rx_stats_init(&st, VIDEO);
    rtp_rx_report r = report(T0);
    ASSERT_EQ(st.valid, 0);
    ASSERT_EQ(r.fraction_lost, 0);
    ASSERT_EQ(r.cumulative_lost, 0);
    ASSERT_EQ(r.ext_highest_seq, 0);
    ASSERT_EQ(r.jitter, 0);
    ASSERT_EQ(r.lsr, 0);
    ASSERT_EQ(r.dlsr, 0);
}

static void test_no_loss_constant_delay(void) {
    rtp_rx_stats_init(&st, VIDEO);
    for (int i = 0; i < 10; i++)
        ASSERT_EQ(pkt(1000, 555555, i, 40 * MS), 0);
    rtp_rx_report r = report(T0 + 300 * MS);
    ASSERT_EQ(st.valid, 1);
    ASSERT_EQ(r.ext_highest_seq, 1009);
    ASSERT_EQ(r.cumulative_lost, 0);
    ASSERT_EQ(r.fraction_lost, 0);
    ASSERT_EQ(r.jitter, 0);
    ASSERT_EQ(st.packets, 10);
    ASSERT_EQ(st.bytes, 1000);
    ASSERT_EQ(st.duplicates, 0);
}

/* 2 of 10 lost: fraction = (2 << 8) / 10 = 51. */
static void test_fraction_lost(void) {
    rtp_rx_stats_init(&st, VIDEO);
    for (int i = 0; i < 10; i++)
        if (i != 3 && i != 7) pkt(0, 0, i, 0);
    rtp_rx_report r = report(T0 + 200 * MS);
    ASSERT_EQ(r.fraction_lost, 51);
    ASSERT_EQ(r.cumulative_lost, 2);
    ASSERT_EQ(r.ext_highest_seq, 9);

    /* next interval: 10 more, all received */
    for (int i = 10; i < 20; i++)
        pkt(0, 0, i, 0);
    r = report(T0 + 400 * MS);
    ASSERT_EQ(r.fraction_lost, 0);
    ASSERT_EQ(r.cumulative_lost, 2);

    /* next: 20..29 with 25 lost, and the late 3 arrives: expected 10,
     * received 10, so nothing lost in this interval; cumulative drops to 1 */
    for (int i = 20; i < 30; i++)
        if (i != 25) pkt(0, 0, i, 0);
    pkt(0, 0, 3, 0);
    r = report(T0 + 600 * MS);
    ASSERT_EQ(r.fraction_lost, 0);
    ASSERT_EQ(r.cumulative_lost, 2); /* 7 and 25 */
    ASSERT_EQ(r.ext_highest_seq, 29);

    /* 9 of 10 lost: only 39 arrives. (9 << 8) / 10 = 230 */
    pkt(0, 0, 39, 0);
    r = report(T0 + 800 * MS);
    ASSERT_EQ(r.fraction_lost, 230);
    ASSERT_EQ(r.cumulative_lost, 11);

    /* an interval with no packet at all: expected 0, fraction 0 */
    r = report(T0 + 1000 * MS);
    ASSERT_EQ(r.fraction_lost, 0);
    ASSERT_EQ(r.cumulative_lost, 11);
}

static void test_duplicates_make_lost_negative(void) {
    rtp_rx_stats_init(&st, VIDEO);
    for (int i = 0; i < 10; i++)
        pkt(0, 0, i, 0);
    pkt(0, 0, 5, 0); /* duplicate, reordered */
    pkt(0, 0, 9, 0); /* duplicate of the highest */
    ASSERT_EQ(st.duplicates, 2);
    ASSERT_EQ(st.packets, 12);
    rtp_rx_report r = report(T0);
    ASSERT_EQ(r.cumulative_lost, -2); /* RFC: duplicates count as received */
    ASSERT_EQ(r.fraction_lost, 0);    /* negative interval loss reads as 0 */
    ASSERT_EQ(r.ext_highest_seq, 9);
    /* a late packet that was never seen is not a duplicate */
    pkt(0, 0, 11, 0);
    pkt(0, 0, 10, 0);
    ASSERT_EQ(st.duplicates, 2);
}

static void test_seq_wrap(void) {
    rtp_rx_stats_init(&st, VIDEO);
    for (int i = 0; i < 12; i++)
        pkt(65530, 0, i, 0); /* 65530 .. 5 */
    rtp_rx_report r = report(T0);
    ASSERT_EQ(st.cycles, 65536);
    ASSERT_EQ(r.ext_highest_seq, 65536 + 5);
    ASSERT_EQ(r.cumulative_lost, 0);
    /* a straggler from before the wrap does not add a cycle */
    pkt(65530, 0, 3, 0); /* 65533 again */
    ASSERT_EQ(st.cycles, 65536);
    ASSERT_EQ(st.duplicates, 1);
    /* loss across the wrap: 65535 and 0 missing in a second stream */
    rtp_rx_stats_init(&st, VIDEO);
    pkt(65533, 0, 0, 0);
    pkt(65533, 0, 1, 0);
    pkt(65533, 0, 4, 0); /* 65534, then 1 */
    r = report(T0);
    ASSERT_EQ(r.ext_highest_seq, 65536 + 1);
    ASSERT_EQ(r.cumulative_lost, 2);
    ASSERT_EQ(r.fraction_lost, 102); /* (2 << 8) / 5 = 102.4 */
}

/* Several full wraps: the extended seq keeps counting cycles. */
static void test_many_cycles(void) {
    rtp_rx_stats_init(&st, VIDEO);
    for (uint32_t i = 0; i < 3 * 65536 + 10; i++)
        rtp_rx_stats_update(&st, (uint16_t)(100 + i), 0, T0, 1);
    rtp_rx_report r = report(T0);
    ASSERT_EQ(r.ext_highest_seq, 100 + 3 * 65536 + 9);
    ASSERT_EQ(r.cumulative_lost, 0);
    ASSERT_EQ(st.duplicates, 0);
}

static void test_restart_after_big_jump(void) {
    rtp_rx_stats_init(&st, VIDEO);
    for (int i = 0; i < 10; i++)
        pkt(0, 0, i, 0);
    ASSERT_EQ(rtp_rx_stats_update(&st, 20000, 0, T0, 100), -2);
    ASSERT_EQ(st.packets, 10);
    ASSERT_EQ(rtp_rx_stats_update(&st, 20001, 0, T0, 100), 0); /* confirmed */
    ASSERT_EQ(st.restarts, 1);
    ASSERT_EQ(st.packets, 11);
    rtp_rx_report r = report(T0);
    ASSERT_EQ(r.ext_highest_seq, 20001);
    ASSERT_EQ(r.cumulative_lost, 0); /* starts again from 20001 */
    ASSERT_EQ(r.fraction_lost, 0);

    /* a single wild packet does not restart anything */
    ASSERT_EQ(rtp_rx_stats_update(&st, 50000, 0, T0, 100), -2);
    ASSERT_EQ(rtp_rx_stats_update(&st, 20002, 0, T0, 100), 0);
    ASSERT_EQ(st.restarts, 1);
    /* more than MAX_MISORDER (100) behind is held back too */
    for (uint16_t s = 20003; s < 20200; s++)
        rtp_rx_stats_update(&st, s, 0, T0, 100);
    ASSERT_EQ(rtp_rx_stats_update(&st, 20050, 0, T0, 100), -2);
    ASSERT_EQ(rtp_rx_stats_update(&st, 20150, 0, T0, 100), 0); /* 49 behind */
    ASSERT_EQ(st.duplicates, 1);
    /* 2999 ahead is a gap, not a restart */
    ASSERT_EQ(rtp_rx_stats_update(&st, 20199 + 2999, 0, T0, 100), 0);
    r = report(T0);
    ASSERT_EQ(r.ext_highest_seq, 20199 + 2999);
    ASSERT_EQ(r.cumulative_lost, 2998 - 1); /* minus the duplicate 20150 */
}

static void test_probation(void) {
    rtp_rx_stats_init(&st, VIDEO);
    rtp_rx_stats_set_probation(&st, 2);
    ASSERT_EQ(rtp_rx_stats_update(&st, 500, 0, T0, 100), -1);
    ASSERT_EQ(st.valid, 0);
    ASSERT_EQ(rtp_rx_stats_update(&st, 700, 0, T0, 100), -1); /* not sequential */
    ASSERT_EQ(rtp_rx_stats_update(&st, 701, 0, T0, 100), 0);
    ASSERT_EQ(st.valid, 1);
    ASSERT_EQ(rtp_rx_stats_update(&st, 702, 0, T0, 100), 0);
    ASSERT_EQ(st.packets, 2);
    rtp_rx_report r = report(T0);
    ASSERT_EQ(r.ext_highest_seq, 702);
    ASSERT_EQ(r.cumulative_lost, 0); /* base is 701 (RFC init_seq at the end) */

    /* probation that starts at seq 0 must not count a phantom cycle */
    rtp_rx_stats_init(&st, VIDEO);
    rtp_rx_stats_set_probation(&st, 2);
    ASSERT_EQ(rtp_rx_stats_update(&st, 65535, 0, T0, 100), -1);
    ASSERT_EQ(rtp_rx_stats_update(&st, 0, 0, T0, 100), 0);
    ASSERT_EQ(rtp_rx_stats_update(&st, 1, 0, T0, 100), 0);
    r = report(T0);
    ASSERT_EQ(r.ext_highest_seq, 1);
    ASSERT_EQ(r.cumulative_lost, 0);
}

static void test_no_probation_seq_zero(void) {
    rtp_rx_stats_init(&st, VIDEO);
    ASSERT_EQ(rtp_rx_stats_update(&st, 0, 0, T0, 100), 0);
    ASSERT_EQ(rtp_rx_stats_update(&st, 1, 0, T0, 100), 0);
    rtp_rx_report r = report(T0);
    ASSERT_EQ(r.ext_highest_seq, 1);
    ASSERT_EQ(st.cycles, 0);
}

static void test_jitter_constant_delay_across_ts_wrap(void) {
    rtp_rx_stats_init(&st, VIDEO);
    uint32_t ts0 = UINT32_MAX - 5 * FRAME_TS; /* wraps after 6 packets */
    for (int i = 0; i < 50; i++)
        pkt(100, ts0, i, 70 * MS);
    ASSERT_EQ(report(T0).jitter, 0);
    ASSERT_EQ(st.jitter_q4, 0);
}

/* Delays alternate 0, 10 ms, 0, 10 ms: |D| = 10 ms = 900 ticks each time.
 * Integer A.8, J16 += |D| - ((J16 + 8) >> 4):
 *   J16 = 0 + 900 - 0            = 900
 *   J16 = 900 + 900 - 56         = 1744
 *   J16 = 1744 + 900 - 109       = 2535   -> jitter 2535 >> 4 = 158
 * (floating point: 56.25, 108.98, 158.42 -> 158) */
static void test_jitter_known_pattern(void) {
    rtp_rx_stats_init(&st, VIDEO);
    pkt(0, 1000, 0, 0);
    pkt(0, 1000, 1, 10 * MS);
    ASSERT_EQ(st.jitter_q4, 900);
    ASSERT_EQ(report(T0).jitter, 56);
    pkt(0, 1000, 2, 0);
    ASSERT_EQ(st.jitter_q4, 1744);
    pkt(0, 1000, 3, 10 * MS);
    ASSERT_EQ(st.jitter_q4, 2535);
    ASSERT_EQ(report(T0).jitter, 158);

    /* Late and duplicate packets do not move the jitter. */
    pkt(0, 1000, 1, 500 * MS);
    pkt(0, 1000, 3, 500 * MS);
    ASSERT_EQ(st.jitter_q4, 2535);

    /* Then constant delay again: J16 decays by (J16 + 8) >> 4 per packet:
     * 2535 - 158 = 2377 (delay back to 10 ms: D = 0 after packet 3) */
    pkt(0, 1000, 4, 10 * MS);
    ASSERT_EQ(st.jitter_q4, 2377);
}

/* 48 kHz audio: 1 ms = 48 ticks. Delay steps of 1 ms: |D| = 48.
 *   J16 = 48, then 48 + 48 - 3 = 93 -> jitter 5 */
static void test_jitter_audio_rate(void) {
    rtp_rx_stats_init(&st, 48000);
    rtp_rx_stats_update(&st, 1, 0, T0, 100);
    rtp_rx_stats_update(&st, 2, 960, T0 + 20 * MS + 1 * MS, 100);
    rtp_rx_stats_update(&st, 3, 1920, T0 + 40 * MS + 2 * MS, 100);
    ASSERT_EQ(st.jitter_q4, 93);
    ASSERT_EQ(report(T0).jitter, 5);
}

static void test_lsr_dlsr(void) {
    rtp_rx_stats_init(&st, VIDEO);
    /* NTP seconds 0xE1234567, fraction 0x89ABCDEF: LSR = 0x456789AB */
    uint64_t ntp = 0xE123456789ABCDEFull;
    rtp_rx_stats_on_sr(&st, ntp, T0);
    rtp_rx_report r = report(T0 + 1500 * MS); /* no RTP yet: only LSR/DLSR */
    ASSERT_EQ(r.lsr, 0x456789AB);
    ASSERT_EQ(r.dlsr, 98304); /* 1.5 * 65536 */
    ASSERT_EQ(r.ext_highest_seq, 0);
    pkt(0, 0, 0, 0);
    r = report(T0 + 250 * MS);
    ASSERT_EQ(r.dlsr, 16384);
    r = report(T0 + 1 * MS); /* 65.536 -> 65 */
    ASSERT_EQ(r.dlsr, 65);
    r = report(T0 - 1 * MS); /* clock before the SR: 0, not garbage */
    ASSERT_EQ(r.dlsr, 0);
    r = report(T0 + 3600ull * 24 * 1000 * MS); /* a day: clamped */
    ASSERT_EQ(r.dlsr, UINT32_MAX);
    /* a newer SR replaces the old one */
    rtp_rx_stats_on_sr(&st, 0x0000000100008000ull, T0 + 2000 * MS);
    r = report(T0 + 2000 * MS);
    ASSERT_EQ(r.lsr, 0x00010000);
    ASSERT_EQ(r.dlsr, 0);
}

/* Cumulative lost is clamped to the 24-bit signed range. */
static void test_cumulative_lost_clamp(void) {
    rtp_rx_stats_init(&st, VIDEO);
    uint16_t s = 0;
    for (int i = 0; i < 3000; i++, s = (uint16_t)(s + 2999))
        rtp_rx_stats_update(&st, s, 0, T0, 1);
    rtp_rx_report r = report(T0);
    ASSERT_EQ(r.ext_highest_seq, 2999u * 2999u);
    ASSERT_EQ(r.cumulative_lost, 0x7fffff); /* really 2998 * 2999 */
    ASSERT_EQ(r.fraction_lost, 255);        /* 2998*2999 of 2999*2999+1 */

    rtp_rx_stats_init(&st, VIDEO);
    rtp_rx_stats_update(&st, 7, 0, T0, 1);
    for (int i = 0; i < 0x800001; i++)
        rtp_rx_stats_update(&st, 7, 0, T0, 1);
    r = report(T0);
    ASSERT_EQ(r.cumulative_lost, -0x800000);
    ASSERT_EQ(st.duplicates, 0x800001);
}

int main(void) {
    RUN_TEST(test_empty);
    RUN_TEST(test_no_loss_constant_delay);
    RUN_TEST(test_fraction_lost);
    RUN_TEST(test_duplicates_make_lost_negative);
    RUN_TEST(test_seq_wrap);
    RUN_TEST(test_many_cycles);
    RUN_TEST(test_restart_after_big_jump);
    RUN_TEST(test_probation);
    RUN_TEST(test_no_probation_seq_zero);
    RUN_TEST(test_jitter_constant_delay_across_ts_wrap);
    RUN_TEST(test_jitter_known_pattern);
    RUN_TEST(test_jitter_audio_rate);
    RUN_TEST(test_lsr_dlsr);
    RUN_TEST(test_cumulative_lost_clamp);
    TEST_DONE();
}
