/* Unit tests for sfu/rtp_rewrite with a fake clock: pass-through of the first
 * source, gaps and reordering preserved, continuity across SSRC switches,
 * stragglers, wrap-around of seq and timestamp, NACK and SR mapping. */
#include "sfu/rtp_rewrite.h"
#include "tests/test.h"

#define MS 1000ull
#define T0 (7 * 1000 * MS)
#define OUT_SSRC 0xC0FFEEu
#define A 0xAAAA0001u
#define B 0xBBBB0002u
#define C 0xCCCC0003u
#define D 0xDDDD0004u
#define E 0xEEEE0005u
#define F 0xFFFF0006u

static rtp_rewrite w;

/* Forwards one packet and checks the exact output. */
static void fwd(uint32_t src, uint16_t seq, uint32_t ts, uint64_t now, uint16_t want_seq,
                uint32_t want_ts) {
    uint16_t os = 0;
    uint32_t ot = 0;
    ASSERT_EQ(rtp_rewrite_packet(&w, src, seq, ts, now, &os, &ot), 0);
    ASSERT_EQ(os, want_seq);
    ASSERT_EQ(ot, want_ts);
}

static int drop(uint32_t src, uint16_t seq, uint32_t ts, uint64_t now) {
    uint16_t os = 0x1234;
    uint32_t ot = 0x12345678;
    int rc = rtp_rewrite_packet(&w, src, seq, ts, now, &os, &ot);
    ASSERT(rc < 0);
    ASSERT_EQ(os, 0x1234); /* outputs untouched on drop */
    ASSERT_EQ(ot, 0x12345678);
    return rc;
}

static int nack_map(uint16_t out_seq, uint16_t *in_seq) {
    return rtp_rewrite_to_source_seq(&w, out_seq, in_seq);
}

static void test_first_source_passes_through(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    ASSERT_EQ(w.out_ssrc, OUT_SSRC);
    uint16_t in;
    ASSERT_EQ(nack_map(1000, &in), -1); /* nothing sent yet */
    fwd(A, 1000, 5000, T0, 1000, 5000);
    fwd(A, 1001, 5000, T0 + 1 * MS, 1001, 5000);
    fwd(A, 1002, 8000, T0 + 33 * MS, 1002, 8000);
    ASSERT_EQ(w.last_out_seq, 1002);
    ASSERT_EQ(w.last_out_ts, 8000);
    ASSERT_EQ(w.packets, 3);
    ASSERT_EQ(w.switches, 0);
    ASSERT_EQ(rtp_rewrite_map_ts(&w, 8000), 8000);
}

static void test_gaps_and_reordering_preserved(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    fwd(A, 10, 100, T0, 10, 100);
    fwd(A, 13, 400, T0 + 3 * MS, 13, 400); /* gap: 11, 12 lost */
    fwd(A, 11, 200, T0 + 4 * MS, 11, 200); /* late */
    ASSERT_EQ(w.last_out_seq, 13);         /* late packet is not the newest */
    ASSERT_EQ(w.last_out_ts, 400);
    fwd(A, 13, 400, T0 + 5 * MS, 13, 400); /* duplicate passes */
    fwd(A, 14, 500, T0 + 6 * MS, 14, 500);
    ASSERT_EQ(w.dropped, 0);
}

/* The publisher restarts with a new SSRC, seq and timestamp base 50 ms
 * after the last packet: the subscriber sees seq + 1 and ts + 50 ms. */
static void test_switch_continuity(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    fwd(A, 1000, 5000, T0, 1000, 5000);
    fwd(A, 1001, 8000, T0 + 33 * MS, 1001, 8000);
    fwd(A, 1002, 8000, T0 + 34 * MS, 1002, 8000);
    /* 50 ms after the last packet = 4500 ticks */
    fwd(B, 40000, 123456, T0 + 84 * MS, 1003, 8000 + 4500);
    ASSERT_EQ(w.switches, 1);
    ASSERT_EQ(w.src_ssrc, B);
    fwd(B, 40001, 123456, T0 + 85 * MS, 1004, 12500);
    fwd(B, 40003, 126456, T0 + 118 * MS, 1006, 15500); /* gap kept */
    fwd(B, 40002, 126456, T0 + 119 * MS, 1005, 15500); /* reorder kept */
    ASSERT_EQ(rtp_rewrite_map_ts(&w, 129456), 18500);
    ASSERT_EQ(w.last_out_seq, 1006);
    ASSERT_EQ(w.last_out_ts, 15500);
}

static void test_switch_with_no_elapsed_time_advances_ts_by_one(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    fwd(A, 5, 777, T0, 5, 777);
    fwd(B, 9000, 1, T0, 6, 778);
    /* less than one tick (10 us at 90 kHz is 0.9) also gives 1 */
    fwd(C, 300, 50, T0 + 10, 7, 779);
    /* 48 kHz audio: 20 ms = 960 */
    rtp_rewrite_init(&w, OUT_SSRC, 48000);
    fwd(A, 5, 0, T0, 5, 0);
    fwd(B, 77, 999999, T0 + 20 * MS, 6, 960);
}

static void test_stragglers_of_old_source_dropped(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    fwd(A, 100, 1000, T0, 100, 1000);
    fwd(A, 102, 1000, T0 + 1 * MS, 102, 1000);
    fwd(B, 500, 9000, T0 + 21 * MS, 103, 1000 + 1800);
    /* 101 and 102 of A were sent before the switch */
    ASSERT_EQ(drop(A, 101, 1000, T0 + 22 * MS), RTP_REWRITE_ESTALE);
    ASSERT_EQ(drop(A, 102, 1000, T0 + 22 * MS), RTP_REWRITE_ESTALE);
    ASSERT_EQ(w.src_ssrc, B);
    ASSERT_EQ(w.dropped, 2);
    fwd(B, 501, 9000, T0 + 23 * MS, 104, 2800);
    ASSERT_EQ(w.switches, 1);
}

/* Simulcast: switching back to a layer we left is just its next packet. */
static void test_switch_back_to_previous_source(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    fwd(A, 100, 1000, T0, 100, 1000);
    fwd(B, 500, 9000, T0 + 10 * MS, 101, 1900);
    fwd(B, 501, 9000, T0 + 11 * MS, 102, 1900);
    /* A kept sending (not forwarded); its newer packet switches back */
    fwd(A, 150, 40000, T0 + 111 * MS, 103, 1900 + 9000);
    ASSERT_EQ(w.switches, 2);
    /* and now B's old packets are the stragglers */
    ASSERT_EQ(drop(B, 501, 9000, T0 + 112 * MS), RTP_REWRITE_ESTALE);
    fwd(A, 151, 40000, T0 + 112 * MS, 104, 10900);
}

static void test_old_source_forgotten_after_a_while(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    fwd(A, 100, 1000, T0, 100, 1000);
    fwd(B, 500, 9000, T0 + 10 * MS, 101, 1900);
    ASSERT_EQ(drop(A, 90, 0, T0 + 10 * MS + RTP_REWRITE_OLD_SOURCE_US - 1), RTP_REWRITE_ESTALE);
    /* after RTP_REWRITE_OLD_SOURCE_US an old seq no longer means anything:
     * that is a (re)switch, e.g. A restarted its sequence */
    uint64_t t = T0 + 10 * MS + RTP_REWRITE_OLD_SOURCE_US;
    fwd(A, 90, 0, t, 102, 1900 + 90000);
    ASSERT_EQ(w.switches, 2);
}

static void test_several_old_sources_remembered(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    fwd(A, 100, 0, T0, 100, 0);
    fwd(B, 200, 0, T0 + 1 * MS, 101, 90);
    fwd(C, 300, 0, T0 + 2 * MS, 102, 180);
    fwd(D, 400, 0, T0 + 3 * MS, 103, 270);
    ASSERT_EQ(drop(A, 100, 0, T0 + 4 * MS), RTP_REWRITE_ESTALE);
    ASSERT_EQ(drop(B, 199, 0, T0 + 4 * MS), RTP_REWRITE_ESTALE);
    ASSERT_EQ(drop(C, 300, 0, T0 + 4 * MS), RTP_REWRITE_ESTALE);
    fwd(E, 1, 0, T0 + 5 * MS, 104, 450); /* D left: 4 remembered, table full */
    /* leaving a fifth source pushes out the one left longest ago (A) */
    fwd(F, 1, 0, T0 + 6 * MS, 105, 540);
    fwd(A, 100, 0, T0 + 7 * MS, 106, 630); /* no longer known: a switch */
    ASSERT_EQ(drop(E, 1, 0, T0 + 8 * MS), RTP_REWRITE_ESTALE);
    ASSERT_EQ(drop(F, 1, 0, T0 + 8 * MS), RTP_REWRITE_ESTALE);
    ASSERT_EQ(drop(C, 300, 0, T0 + 8 * MS), RTP_REWRITE_ESTALE);
    ASSERT_EQ(drop(D, 400, 0, T0 + 8 * MS), RTP_REWRITE_ESTALE);
    fwd(B, 199, 0, T0 + 9 * MS, 107, 810); /* B was pushed out by A */
}

static void test_packet_before_source_start_dropped(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    fwd(A, 100, 1000, T0, 100, 1000);
    fwd(B, 500, 9000, T0 + 10 * MS, 101, 1900);
    /* B's 499 arrives late: out 100 would collide with A's */
    ASSERT_EQ(drop(B, 499, 8000, T0 + 11 * MS), RTP_REWRITE_ETOOOLD);
    ASSERT_EQ(drop(B, 400, 8000, T0 + 11 * MS), RTP_REWRITE_ETOOOLD);
    fwd(B, 502, 9000, T0 + 12 * MS, 103, 1900);
    fwd(B, 501, 9000, T0 + 13 * MS, 102, 1900); /* after the start: fine */
    ASSERT_EQ(w.dropped, 2);
    /* same for the very first source */
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    fwd(A, 100, 1000, T0, 100, 1000);
    ASSERT_EQ(drop(A, 99, 1000, T0), RTP_REWRITE_ETOOOLD);
}

static void test_seq_and_ts_wrap(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    /* source wraps: preserved */
    fwd(A, 65534, UINT32_MAX - 1799, T0, 65534, UINT32_MAX - 1799);
    fwd(A, 0, 1, T0 + 20 * MS, 0, 1);
    fwd(A, 65535, UINT32_MAX - 1799, T0 + 21 * MS, 65535, UINT32_MAX - 1799);
    ASSERT_EQ(w.last_out_seq, 0);
    ASSERT_EQ(w.last_out_ts, 1);
    /* output wraps on a switch: last out 65535 -> next 0 */
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    fwd(A, 65535, UINT32_MAX - 100, T0, 65535, UINT32_MAX - 100);
    fwd(B, 1234, 42, T0 + 20 * MS, 0, 1699); /* -100 + 1800 - 1 wraps to 1699 */
    fwd(B, 1235, 42 + 1800, T0 + 40 * MS, 1, 3499);
    /* NACK mapping across the output wrap */
    uint16_t in = 0;
    ASSERT_EQ(nack_map(0, &in), 0);
    ASSERT_EQ(in, 1234);
    ASSERT_EQ(nack_map(65535, &in), -1); /* A's */
}

static void test_nack_mapping_after_switch(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    for (uint16_t s = 1000; s <= 1010; s++)
        fwd(A, s, 0, T0, s, 0);
    uint16_t in = 0;
    ASSERT_EQ(nack_map(1005, &in), 0);
    ASSERT_EQ(in, 1005);
    fwd(B, 30000, 0, T0 + 10 * MS, 1011, 900);
    fwd(B, 30001, 0, T0 + 11 * MS, 1012, 900);
    fwd(B, 30003, 0, T0 + 12 * MS, 1014, 900); /* 30002 lost */
    ASSERT_EQ(nack_map(1013, &in), 0);         /* subscriber NACKs the gap */
    ASSERT_EQ(in, 30002);
    ASSERT_EQ(nack_map(1011, &in), 0);
    ASSERT_EQ(in, 30000);
    ASSERT_EQ(nack_map(1014, &in), 0);
    ASSERT_EQ(in, 30003);
    in = 4242;
    ASSERT_EQ(nack_map(1010, &in), -1); /* A's: predates the switch */
    ASSERT_EQ(nack_map(1005, &in), -1);
    ASSERT_EQ(nack_map(1015, &in), -1); /* never sent */
    ASSERT_EQ(nack_map(60000, &in), -1);
    ASSERT_EQ(in, 4242);
}

/* Over 2^16 packets of one source: "before the start" stays correct after
 * the 16-bit seq wrapped, and late packets map as usual. */
static void test_long_source(void) {
    rtp_rewrite_init(&w, OUT_SSRC, 90000);
    fwd(A, 7, 0, T0, 7, 0);
    fwd(B, 100, 0, T0 + 1 * MS, 8, 90);
    uint16_t s = 100;
    for (uint32_t i = 0; i < 70000; i++) {
        s++;
        uint16_t os;
        uint32_t ot;
        ASSERT_EQ(rtp_rewrite_packet(&w, B, s, 0, T0 + 2 * MS, &os, &ot), 0);
        ASSERT_EQ(os, (uint16_t)(s - 92));
    }
    /* a late packet 100 behind the newest still maps normally */
    fwd(B, (uint16_t)(s - 100), 0, T0 + 3 * MS, (uint16_t)(s - 192), 90);
    uint16_t in;
    ASSERT_EQ(nack_map((uint16_t)(s - 192), &in), 0);
    ASSERT_EQ(in, (uint16_t)(s - 100));
    ASSERT_EQ(w.dropped, 0);
}

int main(void) {
    RUN_TEST(test_first_source_passes_through);
    RUN_TEST(test_gaps_and_reordering_preserved);
    RUN_TEST(test_switch_continuity);
    RUN_TEST(test_switch_with_no_elapsed_time_advances_ts_by_one);
    RUN_TEST(test_stragglers_of_old_source_dropped);
    RUN_TEST(test_switch_back_to_previous_source);
    RUN_TEST(test_old_source_forgotten_after_a_while);
    RUN_TEST(test_several_old_sources_remembered);
    RUN_TEST(test_packet_before_source_start_dropped);
    RUN_TEST(test_seq_and_ts_wrap);
    RUN_TEST(test_nack_mapping_after_switch);
    RUN_TEST(test_long_source);
    TEST_DONE();
}
