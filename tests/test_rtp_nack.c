/* Unit tests for sfu/rtp_nack with a fake clock: gap detection, retries,
 * recovery, give-up by retries / age / capacity / horizon, wrap-around,
 * reordering, duplicates, resets on big jumps. */
#include "sfu/rtp_nack.h"
#include "tests/test.h"

#define MS 1000ull
#define T0 (10 * 1000 * MS) /* fake clock starts at 10 s */

static rtp_nack n; /* big (fixed list): keep it off the stack */

static void init_default(void) {
    rtp_nack_init(&n, NULL);
}

/* Polls at `now` and checks the exact list of seqs returned. */
static void expect_poll(uint64_t now, const uint16_t *want, int nwant) {
    uint16_t out[RTP_NACK_CAPACITY];
    int got = rtp_nack_poll(&n, now, out, RTP_NACK_CAPACITY);
    ASSERT_EQ(got, nwant);
    for (int i = 0; i < nwant; i++)
        ASSERT_EQ(out[i], want[i]);
}

static void feed(uint16_t from, uint16_t to_inclusive, uint64_t now) {
    for (uint16_t s = from;; s++) {
        rtp_nack_on_packet(&n, s, now);
        if (s == to_inclusive) break;
    }
}

static void test_defaults(void) {
    rtp_nack_params p = rtp_nack_default_params();
    ASSERT_EQ(p.retry_us, 30 * MS);
    ASSERT_EQ(p.max_retries, 5);
    ASSERT_EQ(p.max_age_us, 1000 * MS);
    ASSERT_EQ(p.max_tracked, 256);
    ASSERT_EQ(p.reset_gap, 1000);
    init_default();
    ASSERT_EQ(n.params.max_tracked, 256);
    p.max_tracked = 100000;
    rtp_nack_init(&n, &p);
    ASSERT_EQ(n.params.max_tracked, RTP_NACK_CAPACITY);
    p.max_tracked = 0;
    rtp_nack_init(&n, &p);
    ASSERT_EQ(n.params.max_tracked, 1);
}

static void test_in_order_nothing(void) {
    init_default();
    ASSERT_EQ(rtp_nack_next_due(&n), 0);
    feed(100, 200, T0);
    ASSERT_EQ(rtp_nack_pending(&n), 0);
    ASSERT_EQ(rtp_nack_next_due(&n), 0);
    expect_poll(T0 + 500 * MS, NULL, 0);
    ASSERT_EQ(n.lost_detected, 0);
}

static void test_single_loss_retries_then_given_up(void) {
    init_default();
    rtp_nack_on_packet(&n, 1, T0);
    rtp_nack_on_packet(&n, 2, T0);
    rtp_nack_on_packet(&n, 4, T0 + 1 * MS);
    ASSERT_EQ(rtp_nack_pending(&n), 1);
    ASSERT_EQ(n.lost_detected, 1);
    ASSERT_EQ(rtp_nack_next_due(&n), T0 + 1 * MS); /* NACK at once */

    const uint16_t three[] = {3};
    expect_poll(T0 + 1 * MS, three, 1);
    ASSERT_EQ(rtp_nack_next_due(&n), T0 + 31 * MS);
    expect_poll(T0 + 30 * MS, NULL, 0); /* not yet */
    expect_poll(T0 + 31 * MS, three, 1);
    expect_poll(T0 + 61 * MS, three, 1);
    expect_poll(T0 + 91 * MS, three, 1);
    expect_poll(T0 + 121 * MS, three, 1); /* 5th and last */
    ASSERT_EQ(n.list[0].retries, 5);
    ASSERT_EQ(rtp_nack_next_due(&n), T0 + 151 * MS);
    ASSERT_EQ(n.given_up, 0);
    expect_poll(T0 + 151 * MS, NULL, 0); /* one more interval, then given up */
    ASSERT_EQ(rtp_nack_pending(&n), 0);
    ASSERT_EQ(rtp_nack_next_due(&n), 0);
    ASSERT_EQ(n.given_up, 1);
    ASSERT_EQ(n.nacks_sent, 5);
    ASSERT_EQ(n.recovered, 0);

    /* the packet arriving after we gave up is just ignored */
    rtp_nack_on_packet(&n, 3, T0 + 200 * MS);
    ASSERT_EQ(n.recovered, 0);
    ASSERT_EQ(rtp_nack_pending(&n), 0);
}

static void test_recovery_after_nack(void) {
    init_default();
    feed(10, 20, T0);
    rtp_nack_on_packet(&n, 24, T0); /* 21, 22, 23 missing */
    const uint16_t want[] = {21, 22, 23};
    expect_poll(T0, want, 3);
    rtp_nack_on_packet(&n, 22, T0 + 20 * MS); /* retransmission */
    ASSERT_EQ(n.recovered, 1);
    ASSERT_EQ(rtp_nack_pending(&n), 2);
    const uint16_t want2[] = {21, 23};
    expect_poll(T0 + 30 * MS, want2, 2);
    rtp_nack_on_packet(&n, 21, T0 + 40 * MS);
    rtp_nack_on_packet(&n, 23, T0 + 41 * MS);
    rtp_nack_on_packet(&n, 23, T0 + 42 * MS); /* duplicate retransmission */
    ASSERT_EQ(n.recovered, 3);
    ASSERT_EQ(rtp_nack_pending(&n), 0);
    ASSERT_EQ(rtp_nack_next_due(&n), 0);
    ASSERT_EQ(n.lost_detected, 3);
    ASSERT_EQ(n.given_up, 0);
}

static void test_reorder_before_poll(void) {
    init_default();
    rtp_nack_on_packet(&n, 10, T0);
    rtp_nack_on_packet(&n, 12, T0);
    ASSERT_EQ(rtp_nack_pending(&n), 1);
    rtp_nack_on_packet(&n, 11, T0 + 1 * MS);
    ASSERT_EQ(rtp_nack_pending(&n), 0);
    ASSERT_EQ(n.lost_detected, 1);
    ASSERT_EQ(n.recovered, 1);
    expect_poll(T0 + 2 * MS, NULL, 0);
    ASSERT_EQ(n.nacks_sent, 0);
}

static void test_duplicates_ignored(void) {
    init_default();
    rtp_nack_on_packet(&n, 10, T0);
    rtp_nack_on_packet(&n, 11, T0);
    rtp_nack_on_packet(&n, 11, T0);
    rtp_nack_on_packet(&n, 10, T0);
    rtp_nack_on_packet(&n, 5, T0); /* old, never tracked */
    ASSERT_EQ(rtp_nack_pending(&n), 0);
    ASSERT_EQ(n.lost_detected, 0);
    ASSERT_EQ(n.recovered, 0);
    /* the stream continues from the highest seq, not from the old ones */
    rtp_nack_on_packet(&n, 12, T0);
    ASSERT_EQ(rtp_nack_pending(&n), 0);
}

static void test_wrap_around(void) {
    init_default();
    rtp_nack_on_packet(&n, 65533, T0);
    rtp_nack_on_packet(&n, 65534, T0);
    rtp_nack_on_packet(&n, 2, T0); /* 65535, 0, 1 missing */
    ASSERT_EQ(n.lost_detected, 3);
    const uint16_t want[] = {65535, 0, 1}; /* oldest first across the wrap */
    expect_poll(T0, want, 3);
    rtp_nack_on_packet(&n, 0, T0 + 5 * MS);
    const uint16_t want2[] = {65535, 1};
    expect_poll(T0 + 30 * MS, want2, 2);
    rtp_nack_on_packet(&n, 65535, T0 + 35 * MS);
    rtp_nack_on_packet(&n, 3, T0 + 35 * MS);
    rtp_nack_on_packet(&n, 5, T0 + 35 * MS); /* 4 missing */
    const uint16_t want3[] = {1, 4};
    expect_poll(T0 + 60 * MS, want3, 2);
    ASSERT_EQ(n.recovered, 2);
}

static void test_wrap_with_gap_spanning_zero(void) {
    init_default();
    rtp_nack_on_packet(&n, 65535, T0);
    rtp_nack_on_packet(&n, 0, T0);
    rtp_nack_on_packet(&n, 1, T0);
    ASSERT_EQ(rtp_nack_pending(&n), 0); /* 65535 -> 0 is not a gap */
    rtp_nack_on_packet(&n, 65530, T0);  /* old: ignored, no reset */
    ASSERT_EQ(n.resets, 0);
    ASSERT_EQ(rtp_nack_pending(&n), 0);
}

static void test_big_jump_forward_resets(void) {
    init_default();
    feed(10, 11, T0);
    rtp_nack_on_packet(&n, 13, T0);
    ASSERT_EQ(rtp_nack_pending(&n), 1);
    rtp_nack_on_packet(&n, 13 + 1001, T0); /* more than reset_gap */
    ASSERT_EQ(n.resets, 1);
    ASSERT_EQ(rtp_nack_pending(&n), 0);
    ASSERT_EQ(rtp_nack_next_due(&n), 0);
    ASSERT_EQ(n.lost_detected, 1);
    ASSERT_EQ(n.given_up, 0); /* cleared, not given up */
    /* tracking goes on from the new position */
    rtp_nack_on_packet(&n, 1015, T0);
    rtp_nack_on_packet(&n, 1017, T0);
    const uint16_t want[] = {1016};
    expect_poll(T0, want, 1);
}

static void test_big_jump_backward_resets(void) {
    init_default();
    feed(5000, 5010, T0);
    rtp_nack_on_packet(&n, 100, T0); /* publisher restarted its sequence */
    ASSERT_EQ(n.resets, 1);
    rtp_nack_on_packet(&n, 101, T0);
    rtp_nack_on_packet(&n, 103, T0);
    const uint16_t want[] = {102};
    expect_poll(T0, want, 1);
    /* a jump of more than 32767 forward reads as backward: also a reset */
    rtp_nack_on_packet(&n, 103 + 40000, T0);
    ASSERT_EQ(n.resets, 2);
    ASSERT_EQ(rtp_nack_pending(&n), 0);
}

static void test_jump_of_exactly_reset_gap_is_loss(void) {
    init_default();
    rtp_nack_on_packet(&n, 100, T0);
    rtp_nack_on_packet(&n, 1100, T0); /* 999 missing, capacity 256 */
    ASSERT_EQ(n.resets, 0);
    ASSERT_EQ(n.lost_detected, 999);
    ASSERT_EQ(rtp_nack_pending(&n), 256);
    ASSERT_EQ(n.given_up, 999 - 256);
    uint16_t out[RTP_NACK_CAPACITY];
    ASSERT_EQ(rtp_nack_poll(&n, T0, out, RTP_NACK_CAPACITY), 256);
    ASSERT_EQ(out[0], 1100 - 256); /* the newest 256 are kept */
    ASSERT_EQ(out[255], 1099);
}

static void test_capacity_evicts_oldest(void) {
    rtp_nack_params p = rtp_nack_default_params();
    p.max_tracked = 4;
    rtp_nack_init(&n, &p);
    for (uint16_t s = 1; s <= 11; s += 2)
        rtp_nack_on_packet(&n, s, T0); /* 2,4,6,8,10 lost */
    ASSERT_EQ(n.lost_detected, 5);
    ASSERT_EQ(rtp_nack_pending(&n), 4);
    ASSERT_EQ(n.given_up, 1);
    const uint16_t want[] = {4, 6, 8, 10};
    expect_poll(T0, want, 4);
    /* gap bigger than capacity on top of a full list */
    rtp_nack_on_packet(&n, 20, T0 + 1 * MS); /* 12..19 lost */
    ASSERT_EQ(rtp_nack_pending(&n), 4);
    ASSERT_EQ(n.given_up, 1 + 4 + 4); /* old 4 evicted, 12..15 never entered */
    const uint16_t want2[] = {16, 17, 18, 19};
    expect_poll(T0 + 1 * MS, want2, 4);
}

static void test_max_age(void) {
    rtp_nack_params p = rtp_nack_default_params();
    p.retry_us = 300 * MS;
    p.max_retries = 10;
    rtp_nack_init(&n, &p);
    rtp_nack_on_packet(&n, 1, T0);
    rtp_nack_on_packet(&n, 3, T0);
    const uint16_t two[] = {2};
    expect_poll(T0, two, 1);
    expect_poll(T0 + 300 * MS, two, 1);
    expect_poll(T0 + 600 * MS, two, 1);
    expect_poll(T0 + 900 * MS, two, 1);
    expect_poll(T0 + 999 * MS, NULL, 0);
    ASSERT_EQ(rtp_nack_pending(&n), 1);
    expect_poll(T0 + 1000 * MS, NULL, 0); /* 1 s old: given up before its next NACK */
    ASSERT_EQ(rtp_nack_pending(&n), 0);
    ASSERT_EQ(n.given_up, 1);
    ASSERT_EQ(n.nacks_sent, 4);
}

static void test_poll_max_keeps_rest_due(void) {
    init_default();
    rtp_nack_on_packet(&n, 1, T0);
    rtp_nack_on_packet(&n, 5, T0); /* 2, 3, 4 */
    uint16_t out[2];
    ASSERT_EQ(rtp_nack_poll(&n, T0, out, 2), 2);
    ASSERT_EQ(out[0], 2);
    ASSERT_EQ(out[1], 3);
    ASSERT_EQ(rtp_nack_next_due(&n), T0); /* 4 is still due */
    ASSERT_EQ(rtp_nack_poll(&n, T0 + 1 * MS, out, 2), 1);
    ASSERT_EQ(out[0], 4);
    ASSERT_EQ(rtp_nack_next_due(&n), T0 + 30 * MS);
    ASSERT_EQ(rtp_nack_poll(&n, T0 + 30 * MS, out, 0), 0); /* max 0: nothing out */
    ASSERT_EQ(rtp_nack_pending(&n), 3);
}

static void test_next_due_tracks_min(void) {
    init_default();
    rtp_nack_on_packet(&n, 1, T0);
    rtp_nack_on_packet(&n, 3, T0); /* 2 */
    const uint16_t two[] = {2};
    expect_poll(T0, two, 1);
    ASSERT_EQ(rtp_nack_next_due(&n), T0 + 30 * MS);
    rtp_nack_on_packet(&n, 5, T0 + 10 * MS); /* 4, due now */
    ASSERT_EQ(rtp_nack_next_due(&n), T0 + 10 * MS);
    const uint16_t four[] = {4};
    expect_poll(T0 + 10 * MS, four, 1); /* 2 is not due yet */
    ASSERT_EQ(rtp_nack_next_due(&n), T0 + 30 * MS);
    rtp_nack_on_packet(&n, 2, T0 + 15 * MS); /* the earliest one recovered */
    ASSERT_EQ(rtp_nack_next_due(&n), T0 + 40 * MS);
}

static void test_set_retry(void) {
    init_default();
    rtp_nack_on_packet(&n, 1, T0);
    rtp_nack_on_packet(&n, 3, T0);
    const uint16_t two[] = {2};
    expect_poll(T0, two, 1);
    ASSERT_EQ(rtp_nack_next_due(&n), T0 + 30 * MS);
    rtp_nack_set_retry_us(&n, 80 * MS); /* RTT-based from now on */
    expect_poll(T0 + 30 * MS, two, 1);
    ASSERT_EQ(rtp_nack_next_due(&n), T0 + 110 * MS);
}

static void test_zero_time_next_due(void) {
    init_default();
    rtp_nack_on_packet(&n, 1, 0);
    rtp_nack_on_packet(&n, 3, 0);
    ASSERT_EQ(rtp_nack_next_due(&n), 1); /* 0 means "nothing pending" */
    const uint16_t two[] = {2};
    expect_poll(0, two, 1);
}

/* One loss every 100 packets over 40000 packets: entries older than the
 * 16-bit horizon (32768 behind the newest) are given up, even though the
 * list never filled up. */
static void test_horizon(void) {
    rtp_nack_params p = rtp_nack_default_params();
    p.max_tracked = RTP_NACK_CAPACITY;
    p.max_age_us = 3600 * 1000 * MS;
    p.reset_gap = 32767; /* so that a packet 32700 late is still "late" */
    rtp_nack_init(&n, &p);
    for (uint32_t s = 0; s <= 40000; s++)
        if (s == 0 || s % 100 != 0) rtp_nack_on_packet(&n, (uint16_t)s, T0);
    ASSERT_EQ(n.lost_detected, 399);      /* 100, 200, ..., 39900 */
    ASSERT_EQ(rtp_nack_pending(&n), 327); /* 7300 ... 39900 */
    ASSERT_EQ(n.given_up, 72);
    ASSERT_EQ((uint16_t)n.list[0].ext, 7300);
    rtp_nack_on_packet(&n, 7300, T0);
    ASSERT_EQ(n.recovered, 1);
    rtp_nack_on_packet(&n, 7301, T0); /* received before: ignored */
    ASSERT_EQ(n.recovered, 1);
    ASSERT_EQ(n.resets, 0);
    ASSERT_EQ(rtp_nack_pending(&n), 326);
}

static void test_reset_keeps_counters(void) {
    init_default();
    rtp_nack_on_packet(&n, 1, T0);
    rtp_nack_on_packet(&n, 3, T0);
    rtp_nack_reset(&n);
    ASSERT_EQ(rtp_nack_pending(&n), 0);
    ASSERT_EQ(rtp_nack_next_due(&n), 0);
    ASSERT_EQ(n.lost_detected, 1);
    rtp_nack_on_packet(&n, 50000, T0); /* first packet again: no gap */
    rtp_nack_on_packet(&n, 50001, T0);
    ASSERT_EQ(rtp_nack_pending(&n), 0);
}

int main(void) {
    RUN_TEST(test_defaults);
    RUN_TEST(test_in_order_nothing);
    RUN_TEST(test_single_loss_retries_then_given_up);
    RUN_TEST(test_recovery_after_nack);
    RUN_TEST(test_reorder_before_poll);
    RUN_TEST(test_duplicates_ignored);
    RUN_TEST(test_wrap_around);
    RUN_TEST(test_wrap_with_gap_spanning_zero);
    RUN_TEST(test_big_jump_forward_resets);
    RUN_TEST(test_big_jump_backward_resets);
    RUN_TEST(test_jump_of_exactly_reset_gap_is_loss);
    RUN_TEST(test_capacity_evicts_oldest);
    RUN_TEST(test_max_age);
    RUN_TEST(test_poll_max_keeps_rest_due);
    RUN_TEST(test_next_due_tracks_min);
    RUN_TEST(test_set_retry);
    RUN_TEST(test_zero_time_next_due);
    RUN_TEST(test_horizon);
    RUN_TEST(test_reset_keeps_counters);
    TEST_DONE();
}
