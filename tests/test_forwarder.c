/* sfu/forwarder in virtual time: the subscriber's copy of each packet, and
 * the retransmission rules that make a NACK storm impossible (issue 16:
 * 14,900 resends a second aimed at a 1 Mbit/s subscriber). */
#include "sfu/forwarder.h"
#include "sfu/track.h"
#include "tests/test.h"
#include "tests/test_media_pkt.h"

#define SSRC_IN 0xAAAA0001u
#define SSRC_OUT 0x5150u

typedef struct sent {
    uint8_t buf[1500];
    size_t len;
} sent;

static track *video_track(void) {
    track *t = track_new("1", SFU_KIND_VIDEO);
    ASSERT(t);
    t->codec = SFU_CODEC_VP8;
    t->pt = 120; /* Firefox's VP8 */
    track_set_ssrc(t, SSRC_IN);
    track_set_exts(t, 0, 0, 3, 1, 2); /* publisher abs-send-time id 3 -> node id 2 */
    return t;
}

/* One live packet through track and forwarder; returns its output length. */
static int live(track *t, forwarder *f, uint16_t seq, uint64_t now, size_t len, sent *out) {
    uint8_t buf[1500];
    rtp_header h;
    media_pkt(buf, &h, SSRC_IN, 120, seq, 90u * seq * 33, len, 3);
    if (track_ingest(t, &h, buf, len, now) != TRACK_PKT_FORWARD) return -1;
    int n = forwarder_rewrite(f, &h, buf, len, now, out->buf, sizeof out->buf);
    if (n > 0) out->len = (size_t)n;
    return n;
}

static void test_rewrite(void) {
    track *t = video_track();
    forwarder *f = forwarder_new(t, SSRC_OUT);
    f->accepted_exts = 1u << 2;
    forwarder_update_ext_map(f);
    sent s;
    ASSERT_EQ(live(t, f, 1000, 1000000, 500, &s), 500);
    rtp_header o;
    ASSERT_EQ(rtp_parse(&o, s.buf, s.len), 0);
    ASSERT_EQ(o.ssrc, SSRC_OUT);
    ASSERT_EQ(o.payload_type, SFU_PT_VP8);
    ASSERT_EQ(o.seq, 1000); /* the first source keeps its numbering */
    const uint8_t *d;
    uint8_t dl;
    ASSERT(rtp_ext_find(&o, s.buf, 2, &d, &dl));
    ASSERT(!rtp_ext_find(&o, s.buf, 3, &d, &dl));
    /* The subscriber did not accept abs-send-time: the element is dropped. */
    f->accepted_exts = 0;
    forwarder_update_ext_map(f);
    ASSERT_EQ(live(t, f, 1001, 1033000, 500, &s), 500);
    ASSERT_EQ(rtp_parse(&o, s.buf, s.len), 0);
    ASSERT(!rtp_ext_find(&o, s.buf, 2, &d, &dl));
    ASSERT_EQ(o.seq, 1001);
    ASSERT_EQ(f->packets, 2);
    forwarder_free(f);
    track_destroy(t);
}

static void test_retransmit_rules(void) {
    track *t = video_track();
    forwarder *f = forwarder_new(t, SSRC_OUT);
    sent orig[50], again;
    uint64_t now = 1000000;
    for (int i = 0; i < 50; i++, now += 33000)
        ASSERT_EQ(live(t, f, (uint16_t)(2000 + i), now, 1200, &orig[i]), 1200);
    size_t len = 0;
    /* Resent byte for byte (one SRTP nonce, one plaintext). */
    ASSERT_EQ(forwarder_retransmit(f, 2040, now, again.buf, sizeof again.buf, &len),
              FORWARDER_RTX_SENT);
    ASSERT_EQ(len, orig[40].len);
    ASSERT_MEM_EQ(again.buf, orig[40].buf, len);
    /* Asked again within a round trip (default 100 ms): not again. */
    ASSERT_EQ(forwarder_retransmit(f, 2040, now + 50000, again.buf, sizeof again.buf, &len),
              FORWARDER_RTX_DUP);
    ASSERT_EQ(forwarder_retransmit(f, 2040, now + 100000, again.buf, sizeof again.buf, &len),
              FORWARDER_RTX_SENT);
    /* A measured 30 ms RTT allows it sooner. */
    forwarder_set_rtt(f, 30000);
    ASSERT_EQ(forwarder_retransmit(f, 2040, now + 131000, again.buf, sizeof again.buf, &len),
              FORWARDER_RTX_SENT);
    /* Stored more than a second ago: the receiver has given up on it. */
    ASSERT_EQ(forwarder_retransmit(f, 2000, now, again.buf, sizeof again.buf, &len),
              FORWARDER_RTX_OLD);
    /* Never sent (future) or not in the ring. */
    ASSERT_EQ(forwarder_retransmit(f, 2100, now, again.buf, sizeof again.buf, &len),
              FORWARDER_RTX_MISSING);
    ASSERT_EQ(f->rtx_sent, 3);
    ASSERT_EQ(f->rtx_dup, 1);
    ASSERT_EQ(f->rtx_old, 1);
    ASSERT_EQ(f->rtx_missing, 1);
    forwarder_free(f);
    track_destroy(t);
}

/* The storm: a 300 kbit/s stream to a subscriber whose link drops most of
 * it and who NACKs everything missing every 10 ms (Chrome re-NACKs at its
 * RTT estimate, which a queue of 300 ms makes useless). For 10 s of virtual
 * time the forwarder may resend each packet at most once per 100 ms, only
 * for a second, and at most half its send rate plus a 200 ms burst. */
static void test_nack_storm(void) {
    track *t = video_track();
    forwarder *f = forwarder_new(t, SSRC_OUT);
    sent s;
    uint64_t now = 1000000, t0 = now;
    uint64_t sent_bytes = 0, rtx_bytes = 0, rtx_count = 0, asks = 0;
    uint16_t seq = 1;
    for (int tick = 0; tick < 1000; tick++, now += 10000) {
        /* 30 packets a second of 1250 bytes: one every ~33 ms. */
        if (tick % 3 == 0) {
            ASSERT_EQ(live(t, f, seq, now, 1250, &s), 1250);
            sent_bytes += 1250;
            seq++;
        }
        /* NACK the last 100 packets (as a receiver that got almost none). */
        for (int k = 1; k <= 100 && k < seq; k++) {
            size_t len;
            asks++;
            if (forwarder_retransmit(f, (uint16_t)(seq - k), now, s.buf, sizeof s.buf, &len) ==
                FORWARDER_RTX_SENT) {
                rtx_bytes += len;
                rtx_count++;
            }
        }
    }
    double secs = (double)(now - t0) / 1e6;
    double rate = (double)sent_bytes / secs;
    printf(
        "     storm: %llu NACKed seqs asked, %llu resent (%.0f/s), %.0f%% of the stream's bytes\n",
        (unsigned long long)asks, (unsigned long long)rtx_count, rtx_count / secs,
        100.0 * (double)rtx_bytes / (double)sent_bytes);
    ASSERT(asks > 80000);
    /* Budget: half the send rate plus one burst; the send rate estimate
     * lags, so allow its first window at the floor rate. */
    ASSERT((double)rtx_bytes <= 0.5 * rate * secs + 0.2 * rate + 2 * 1500 + 16000 * 0.25);
    /* Real work was done, not nothing. */
    ASSERT(rtx_bytes > 0.4 * rate * secs);
    /* Per packet: at most once per 100 ms for its one second = 10 times,
     * 30 packets a second = at most 300 resends a second by that rule. */
    ASSERT(rtx_count / secs <= 300);
    ASSERT(f->rtx_budget > 0 && f->rtx_dup > 0 && f->rtx_old > 0);
    forwarder_free(f);
    track_destroy(t);
}

int main(void) {
    RUN_TEST(test_rewrite);
    RUN_TEST(test_retransmit_rules);
    RUN_TEST(test_nack_storm);
    TEST_DONE();
}
