/* sfu/track: the publisher side of a stream in virtual time: duplicates,
 * NACK detection, SSRC restarts, merged keyframe requests, extension maps. */
#include "sfu/forwarder.h"
#include "sfu/track.h"
#include "tests/test.h"
#include "tests/test_media_pkt.h"

static void test_ingest_and_duplicates(void) {
    track *t = track_new("1", SFU_KIND_VIDEO);
    ASSERT(t && t->ring);
    track_set_ssrc(t, 0x1111);
    uint8_t buf[1500];
    rtp_header h;
    uint64_t now = 1000000;
    for (uint16_t s = 100; s < 110; s++) {
        if (s == 105) continue; /* lost */
        media_pkt(buf, &h, 0x1111, 96, s, s * 3000u, 800, 0);
        ASSERT_EQ(track_ingest(t, &h, buf, 800, now), TRACK_PKT_FORWARD);
        now += 10000;
    }
    /* The same packet again (an unneeded retransmission): not forwarded. */
    media_pkt(buf, &h, 0x1111, 96, 103, 103 * 3000u, 800, 0);
    ASSERT_EQ(track_ingest(t, &h, buf, 800, now), TRACK_PKT_DUPLICATE);
    ASSERT_EQ(t->duplicates, 1);
    /* The loss is NACKed once due. */
    uint16_t seqs[8];
    ASSERT(rtp_nack_next_due(&t->nack) > 0);
    int n = rtp_nack_poll(&t->nack, rtp_nack_next_due(&t->nack), seqs, 8);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(seqs[0], 105);
    /* It arrives late: forwarded, then a duplicate. */
    media_pkt(buf, &h, 0x1111, 96, 105, 105 * 3000u, 800, 0);
    ASSERT_EQ(track_ingest(t, &h, buf, 800, now), TRACK_PKT_FORWARD);
    ASSERT_EQ(track_ingest(t, &h, buf, 800, now), TRACK_PKT_DUPLICATE);
    /* A packet a whole ring behind the newest (TRACK_RING_SLOTS): not
     * forwarded either, its output seq may have carried other bytes. */
    for (uint16_t s = 110; s < 110 + TRACK_RING_SLOTS; s++) {
        media_pkt(buf, &h, 0x1111, 96, s, s * 3000u, 800, 0);
        ASSERT_EQ(track_ingest(t, &h, buf, 800, now), TRACK_PKT_FORWARD);
    }
    media_pkt(buf, &h, 0x1111, 96, 100, 100 * 3000u, 700, 0);
    ASSERT_EQ(track_ingest(t, &h, buf, 700, now), TRACK_PKT_LATE);
    ASSERT_EQ(t->late, 1);

    /* A new SSRC is a new stream: the old ring must not turn its packets
     * with the same seqs into "duplicates". */
    track_set_ssrc(t, 0x2222);
    media_pkt(buf, &h, 0x2222, 96, 103, 1, 800, 0);
    ASSERT_EQ(track_ingest(t, &h, buf, 800, now), TRACK_PKT_FORWARD);
    track_destroy(t);

    /* Audio keeps no ring: everything is forwarded. */
    t = track_new("0", SFU_KIND_AUDIO);
    ASSERT(t && !t->ring);
    ASSERT_EQ(t->clock_rate, 48000);
    media_pkt(buf, &h, 0x3333, 111, 7, 960, 100, 0);
    ASSERT_EQ(track_ingest(t, &h, buf, 100, now), TRACK_PKT_FORWARD);
    ASSERT_EQ(track_ingest(t, &h, buf, 100, now), TRACK_PKT_FORWARD);
    track_destroy(t);
}

static void test_keyframe_merge(void) {
    track *t = track_new("1", SFU_KIND_VIDEO);
    uint64_t now = 5000000;
    ASSERT_EQ(track_keyframe_request(t, now), 1);          /* first: now */
    ASSERT_EQ(track_keyframe_request(t, now + 1000), 0);   /* merged */
    ASSERT_EQ(track_keyframe_request(t, now + 300000), 0); /* merged */
    ASSERT_EQ(track_keyframe_due(t, now + 499999), 0);
    ASSERT_EQ(track_keyframe_due(t, now + 500000), 1); /* one PLI for all three */
    ASSERT_EQ(track_keyframe_due(t, now + 900000), 0); /* nothing pending */
    ASSERT_EQ(track_keyframe_request(t, now + 1000001), 1);
    /* 100 subscribers asking within a second cost the publisher 2 PLIs. */
    int plis = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t at = now + 2000000 + (uint64_t)i * 10000;
        plis += track_keyframe_request(t, at) + track_keyframe_due(t, at);
    }
    plis += track_keyframe_due(t, now + 3500000);
    ASSERT_EQ(plis, 3);
    track_destroy(t);
    t = track_new("0", SFU_KIND_AUDIO);
    ASSERT_EQ(track_keyframe_request(t, now), 0);
    track_destroy(t);
}

static void test_forwarders_and_exts(void) {
    track *t = track_new("1", SFU_KIND_VIDEO);
    t->codec = SFU_CODEC_VP8;
    forwarder *f[10];
    for (int i = 0; i < 10; i++) {
        f[i] = forwarder_new(t, 0x100u + (uint32_t)i);
        ASSERT(f[i]);
        f[i]->accepted_exts = i % 2 ? (1u << 2) : 0; /* odd ones took abs-send-time */
    }
    ASSERT_EQ(t->n_fwd, 10);
    ASSERT_EQ(f[3]->out_pt, SFU_PT_VP8);
    /* Publisher: mid 4, audio level none, abs-send-time 7; node ids 1, 2. */
    track_set_exts(t, 4, 0, 7, 1, 2);
    ASSERT_EQ(t->ext_map_template[7], 2);
    ASSERT_EQ(t->ext_map_template[4], 0); /* mid is not forwarded */
    ASSERT_EQ(f[1]->ext_map[7], 2);
    ASSERT_EQ(f[2]->ext_map[7], 0);
    forwarder_free(f[4]);
    forwarder_free(f[0]);
    ASSERT_EQ(t->n_fwd, 8);
    for (int i = 0; i < t->n_fwd; i++)
        ASSERT(t->fwd[i] != f[4] && t->fwd[i] != f[0]);
    for (int i = 1; i < 10; i++)
        if (i != 4) forwarder_free(f[i]);
    ASSERT_EQ(t->n_fwd, 0);
    track_destroy(t);
}

int main(void) {
    RUN_TEST(test_ingest_and_duplicates);
    RUN_TEST(test_keyframe_merge);
    RUN_TEST(test_forwarders_and_exts);
    TEST_DONE();
}
