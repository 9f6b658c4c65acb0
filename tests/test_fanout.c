/* sfu/fanout: one packet to many forwarders through the worker's transmit
 * batch, flushed when full and at the end; forwarders that are not sending
 * are skipped and counted; retransmissions are marked. */
#include "sfu/fanout.h"
#include "tests/test.h"
#include "tests/test_media_pkt.h"

typedef struct sink {
    int flushes, packets, rtx;
    uint32_t ssrcs[64];
    int sizes[8];
} sink;

static void collect(void *ud, fanout_item *items, int n) {
    sink *s = ud;
    ASSERT(n >= 1 && n <= FANOUT_BATCH);
    s->sizes[s->flushes++ % 8] = n;
    for (int i = 0; i < n; i++) {
        rtp_header h;
        ASSERT_EQ(rtp_parse(&h, items[i].buf, items[i].len), 0);
        ASSERT_EQ(h.ssrc, items[i].f->rw.out_ssrc);
        if (s->packets < 64) s->ssrcs[s->packets] = h.ssrc;
        s->packets++;
        s->rtx += items[i].retransmission;
    }
}

static void test_fanout(void) {
    sink s = {0};
    fanout_batch *b = fanout_new(collect, &s);
    ASSERT(b);
    track *t = track_new("1", SFU_KIND_VIDEO);
    t->codec = SFU_CODEC_VP8;
    track_set_ssrc(t, 77);
    forwarder *f[20];
    for (int i = 0; i < 20; i++) {
        f[i] = forwarder_new(t, 1000u + (uint32_t)i);
        f[i]->sending = i != 5 && i != 6; /* two have not answered yet */
    }
    uint8_t buf[1500];
    rtp_header h;
    media_pkt(buf, &h, 77, 96, 10, 900, 1000, 0);
    ASSERT_EQ(track_ingest(t, &h, buf, 1000, 1000), TRACK_PKT_FORWARD);
    fanout_result r = fanout_packet(b, t, &h, buf, 1000, 1000);
    ASSERT_EQ(r.queued, 18);
    ASSERT_EQ(r.not_ready, 2);
    ASSERT_EQ(r.refused, 0);
    ASSERT_EQ(s.flushes, 1); /* the first 16 went when the batch was full */
    ASSERT_EQ(s.sizes[0], 16);
    ASSERT_EQ(b->n, 2);
    fanout_flush(b);
    ASSERT_EQ(s.flushes, 2);
    ASSERT_EQ(s.sizes[1], 2);
    ASSERT_EQ(s.packets, 18);
    fanout_flush(b); /* empty: no call */
    ASSERT_EQ(s.flushes, 2);
    /* Each subscriber got its own SSRC, none twice. */
    for (int i = 0; i < 18; i++)
        for (int k = i + 1; k < 18; k++)
            ASSERT(s.ssrcs[i] != s.ssrcs[k]);
    /* A NACK through the batch is marked as a retransmission; one for a
     * forwarder that is not sending is not answered. */
    ASSERT_EQ(fanout_retransmit(b, f[0], 10, 2000), FORWARDER_RTX_SENT);
    ASSERT_EQ(fanout_retransmit(b, f[5], 10, 2000), FORWARDER_RTX_MISSING);
    fanout_flush(b);
    ASSERT_EQ(s.packets, 19);
    ASSERT_EQ(s.rtx, 1);
    for (int i = 0; i < 20; i++)
        forwarder_free(f[i]);
    track_destroy(t);
    fanout_free(b);
}

int main(void) {
    RUN_TEST(test_fanout);
    TEST_DONE();
}
