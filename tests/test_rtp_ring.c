/* Unit tests for sfu/rtp_ring: slot mapping, size limits, wrap-around, late
 * packets, stale slots after jumps and full wraps. */
#include "sfu/rtp_ring.h"
#include "tests/test.h"

/* A recognisable packet for seq: bytes derived from seq and index. */
static size_t make_pkt(uint8_t *buf, uint16_t seq, size_t len) {
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seq * 7u + i);
    return len;
}

/* Checks that the ring holds exactly make_pkt(seq, len) stored at `at`. */
static void expect_pkt(const rtp_ring *r, uint16_t seq, size_t len, uint64_t at) {
    uint8_t want[1500];
    size_t got_len = 0;
    uint64_t got_at = 0;
    const uint8_t *p = rtp_ring_get(r, seq, &got_len, &got_at);
    ASSERT(p != NULL);
    ASSERT_EQ(got_len, len);
    ASSERT_EQ(got_at, at);
    make_pkt(want, seq, len);
    ASSERT_MEM_EQ(p, want, len);
}

static void expect_none(const rtp_ring *r, uint16_t seq) {
    size_t len = 12345;
    ASSERT(rtp_ring_get(r, seq, &len, NULL) == NULL);
    ASSERT_EQ(len, 12345); /* untouched on failure */
}

static void test_new_args(void) {
    ASSERT(rtp_ring_new(0, 1500) == NULL);
    ASSERT(rtp_ring_new(3, 1500) == NULL);
    ASSERT(rtp_ring_new(500, 1500) == NULL);
    ASSERT(rtp_ring_new(65535, 16) == NULL);
    ASSERT(rtp_ring_new(512, 0) == NULL);
    rtp_ring *r = rtp_ring_new(1, 16);
    ASSERT(r != NULL);
    rtp_ring_free(r);
    r = rtp_ring_new(32768, 16);
    ASSERT(r != NULL);
    rtp_ring_free(r);
    rtp_ring_free(NULL);
}

static void test_put_get(void) {
    rtp_ring *r = rtp_ring_new(512, 1500);
    uint8_t buf[1600];
    expect_none(r, 0);
    expect_none(r, 1000);

    ASSERT_EQ(rtp_ring_put(r, 1000, buf, make_pkt(buf, 1000, 100), 5000), 0);
    expect_pkt(r, 1000, 100, 5000);
    expect_none(r, 1001);
    expect_none(r, 999);
    expect_none(r, 1000 + 512); /* same slot, other seq */

    /* stored_us may be NULL */
    size_t len = 0;
    ASSERT(rtp_ring_get(r, 1000, &len, NULL) != NULL);
    ASSERT_EQ(len, 100);

    /* same seq again: overwritten with the new copy and time */
    ASSERT_EQ(rtp_ring_put(r, 1000, buf, make_pkt(buf, 1000, 200), 6000), 0);
    expect_pkt(r, 1000, 200, 6000);
    rtp_ring_free(r);
}

static void test_size_limits(void) {
    rtp_ring *r = rtp_ring_new(16, 1500);
    uint8_t buf[1600];
    make_pkt(buf, 1, 1501);
    ASSERT_EQ(rtp_ring_put(r, 1, buf, 1501, 1), RTP_RING_ETOOBIG);
    expect_none(r, 1);
    ASSERT_EQ(rtp_ring_put(r, 1, buf, 1500, 1), 0);
    expect_pkt(r, 1, 1500, 1);
    ASSERT_EQ(rtp_ring_put(r, 2, buf, 0, 1), RTP_RING_EINVAL);
    ASSERT_EQ(rtp_ring_put(r, 2, NULL, 10, 1), RTP_RING_EINVAL);
    expect_none(r, 2);
    /* a refused packet does not disturb the one stored */
    expect_pkt(r, 1, 1500, 1);
    rtp_ring_free(r);
}

static void test_overwrite_by_newer(void) {
    rtp_ring *r = rtp_ring_new(512, 64);
    uint8_t buf[64];
    for (uint16_t s = 0; s < 512; s++)
        ASSERT_EQ(rtp_ring_put(r, s, buf, make_pkt(buf, s, 40), s), 0);
    for (uint16_t s = 0; s < 512; s++)
        expect_pkt(r, s, 40, s);
    ASSERT_EQ(rtp_ring_put(r, 512, buf, make_pkt(buf, 512, 40), 512), 0);
    expect_none(r, 0); /* slot 0 now holds 512 */
    expect_pkt(r, 512, 40, 512);
    expect_pkt(r, 1, 40, 1);
    rtp_ring_free(r);
}

static void test_wrap(void) {
    rtp_ring *r = rtp_ring_new(512, 64);
    uint8_t buf[64];
    uint16_t s = 65530;
    for (int i = 0; i < 12; i++, s++)
        ASSERT_EQ(rtp_ring_put(r, s, buf, make_pkt(buf, s, 20), i), 0);
    /* 65530..65535 and 0..5 all there, across the wrap */
    s = 65530;
    for (int i = 0; i < 12; i++, s++)
        expect_pkt(r, s, 20, (uint64_t)i);
    expect_pkt(r, 65535, 20, 5);
    expect_pkt(r, 0, 20, 6);
    expect_none(r, 6);     /* not yet stored (ahead of newest) */
    expect_none(r, 65529); /* never stored */
    /* a late packet from before the wrap is still accepted */
    ASSERT_EQ(rtp_ring_put(r, 65520, buf, make_pkt(buf, 65520, 20), 99), 0);
    expect_pkt(r, 65520, 20, 99);
    rtp_ring_free(r);
}

static void test_late_and_too_old(void) {
    rtp_ring *r = rtp_ring_new(512, 64);
    uint8_t buf[64];
    ASSERT_EQ(rtp_ring_put(r, 10, buf, make_pkt(buf, 10, 30), 1), 0);
    ASSERT_EQ(rtp_ring_put(r, 12, buf, make_pkt(buf, 12, 30), 2), 0);
    expect_none(r, 11);
    ASSERT_EQ(rtp_ring_put(r, 11, buf, make_pkt(buf, 11, 30), 3), 0); /* reordered */
    expect_pkt(r, 10, 30, 1);
    expect_pkt(r, 11, 30, 3);
    expect_pkt(r, 12, 30, 2);

    ASSERT_EQ(rtp_ring_put(r, 600, buf, make_pkt(buf, 600, 30), 4), 0);
    /* 600 - 511 = 89 is the oldest seq in the window; 88 shares 600's slot */
    ASSERT_EQ(rtp_ring_put(r, 88, buf, make_pkt(buf, 88, 30), 5), RTP_RING_ETOOOLD);
    expect_pkt(r, 600, 30, 4);
    ASSERT_EQ(rtp_ring_put(r, 89, buf, make_pkt(buf, 89, 30), 6), 0);
    expect_pkt(r, 89, 30, 6);
    /* 10..12 are out of the window now */
    expect_none(r, 10);
    expect_none(r, 12);
    rtp_ring_free(r);
}

static void test_jump_clears_skipped(void) {
    rtp_ring *r = rtp_ring_new(512, 64);
    uint8_t buf[64];
    for (uint16_t s = 0; s < 10; s++)
        ASSERT_EQ(rtp_ring_put(r, s, buf, make_pkt(buf, s, 20), s), 0);
    /* jump of 506: window is now 4..515 */
    ASSERT_EQ(rtp_ring_put(r, 515, buf, make_pkt(buf, 515, 20), 50), 0);
    expect_none(r, 3);
    for (uint16_t s = 4; s < 10; s++)
        expect_pkt(r, s, 20, s);
    expect_none(r, 10);
    expect_pkt(r, 515, 20, 50);

    /* a jump of a whole ring or more empties everything */
    ASSERT_EQ(rtp_ring_put(r, 2000, buf, make_pkt(buf, 2000, 20), 60), 0);
    for (uint16_t s = 4; s < 10; s++)
        expect_none(r, s);
    expect_none(r, 515);
    expect_pkt(r, 2000, 20, 60);
    rtp_ring_free(r);
}

/* A packet stored one full 2^16 cycle ago must not answer a request for the
 * new packet with the same 16-bit number, which was lost. */
static void test_stale_after_full_wrap(void) {
    rtp_ring *r = rtp_ring_new(512, 64);
    uint8_t buf[64];
    ASSERT_EQ(rtp_ring_put(r, 100, buf, make_pkt(buf, 100, 20), 1), 0);
    uint64_t t = 2;
    uint16_t s = 100;
    while (s < 65500) {
        s = (uint16_t)(s + 300);
        ASSERT_EQ(rtp_ring_put(r, s, buf, make_pkt(buf, s, 20), t++), 0);
    }
    ASSERT_EQ(s, 65500);
    /* +156 across the wrap: 120; 100 is inside the window but was lost */
    ASSERT_EQ(rtp_ring_put(r, 120, buf, make_pkt(buf, 120, 20), t), 0);
    expect_none(r, 100);
    expect_pkt(r, 65500, 20, t - 1);
    expect_pkt(r, 120, 20, t);
    rtp_ring_free(r);
}

static void test_reset(void) {
    rtp_ring *r = rtp_ring_new(64, 64);
    uint8_t buf[64];
    ASSERT_EQ(rtp_ring_put(r, 30000, buf, make_pkt(buf, 30000, 20), 1), 0);
    /* a restarted publisher far behind would be "too old" without reset */
    ASSERT_EQ(rtp_ring_put(r, 5, buf, make_pkt(buf, 5, 20), 2), RTP_RING_ETOOOLD);
    rtp_ring_reset(r);
    expect_none(r, 30000);
    ASSERT_EQ(rtp_ring_put(r, 5, buf, make_pkt(buf, 5, 20), 3), 0);
    expect_pkt(r, 5, 20, 3);
    rtp_ring_free(r);
}

static void test_single_slot(void) {
    rtp_ring *r = rtp_ring_new(1, 16);
    uint8_t buf[16];
    ASSERT_EQ(rtp_ring_put(r, 7, buf, make_pkt(buf, 7, 16), 1), 0);
    expect_pkt(r, 7, 16, 1);
    ASSERT_EQ(rtp_ring_put(r, 6, buf, make_pkt(buf, 6, 16), 2), RTP_RING_ETOOOLD);
    ASSERT_EQ(rtp_ring_put(r, 8, buf, make_pkt(buf, 8, 16), 3), 0);
    expect_none(r, 7);
    expect_pkt(r, 8, 16, 3);
    rtp_ring_free(r);
}

int main(void) {
    RUN_TEST(test_new_args);
    RUN_TEST(test_put_get);
    RUN_TEST(test_size_limits);
    RUN_TEST(test_overwrite_by_newer);
    RUN_TEST(test_wrap);
    RUN_TEST(test_late_and_too_old);
    RUN_TEST(test_jump_clears_skipped);
    RUN_TEST(test_stale_after_full_wrap);
    RUN_TEST(test_reset);
    RUN_TEST(test_single_slot);
    TEST_DONE();
}
