/* sfu/rtp_vp8: the VP8 payload descriptor (RFC 7741 4.2) field by field,
 * truncations, and picture numbers that stay continuous across a source
 * switch (what a simulcast layer switch needs). */
#include "sfu/rtp_vp8.h"
#include "tests/test.h"

static void test_parse(void) {
    rtp_vp8_desc d;
    /* Chrome's usual: X, I with 15-bit PictureID, L, T: key frame start. */
    static const uint8_t full[] = {0x90, 0xe0, 0x92, 0x34, 0x07, 0x60, 0x10, 0x02, 0x00};
    ASSERT_EQ(rtp_vp8_desc_parse(full, sizeof full, &d), 0);
    ASSERT_EQ(d.start, 1);
    ASSERT_EQ(d.pid, 0);
    ASSERT_EQ(d.has_picture_id, 1);
    ASSERT_EQ(d.picture_id_bits, 15);
    ASSERT_EQ(d.picture_id, 0x1234);
    ASSERT_EQ(d.has_tl0, 1);
    ASSERT_EQ(d.tl0picidx, 7);
    ASSERT_EQ(d.has_tid, 1);
    ASSERT_EQ(d.tid, 1);
    ASSERT_EQ(d.layer_sync, 1);
    ASSERT_EQ(d.has_keyidx, 0);
    ASSERT_EQ(d.header_len, 6);
    ASSERT_EQ(d.keyframe, 1); /* 0x10: P bit clear */
    /* 7-bit PictureID, K only, not a start, N set. */
    static const uint8_t small[] = {0xa1, 0x90, 0x05, 0x1f, 0xaa};
    ASSERT_EQ(rtp_vp8_desc_parse(small, sizeof small, &d), 0);
    ASSERT_EQ(d.non_ref, 1);
    ASSERT_EQ(d.start, 0);
    ASSERT_EQ(d.pid, 1);
    ASSERT_EQ(d.picture_id_bits, 7);
    ASSERT_EQ(d.picture_id, 5);
    ASSERT_EQ(d.has_tl0, 0);
    ASSERT_EQ(d.has_tid, 0);
    ASSERT_EQ(d.has_keyidx, 1);
    ASSERT_EQ(d.keyidx, 0x1f);
    ASSERT_EQ(d.header_len, 4);
    ASSERT_EQ(d.keyframe, 0);
    /* No X: one byte; an inter frame (P bit set). */
    static const uint8_t bare[] = {0x10, 0x01};
    ASSERT_EQ(rtp_vp8_desc_parse(bare, sizeof bare, &d), 0);
    ASSERT_EQ(d.header_len, 1);
    ASSERT_EQ(d.keyframe, 0);
    ASSERT_EQ(d.has_picture_id, 0);
    /* Every prefix of the full one is refused (a field or the payload is
     * missing). */
    for (size_t n = 0; n < sizeof full - 2; n++)
        ASSERT_EQ(rtp_vp8_desc_parse(full, n, &d), -1);
    ASSERT_EQ(rtp_vp8_desc_parse(full, 6, &d), -1); /* descriptor, no payload */
    ASSERT_EQ(rtp_vp8_desc_parse(full, 7, &d), 0);
    static const uint8_t mbit_cut[] = {0x80, 0x80, 0x80};
    ASSERT_EQ(rtp_vp8_desc_parse(mbit_cut, sizeof mbit_cut, &d), -1);
}

static void test_set_fields(void) {
    uint8_t p[] = {0x90, 0xe0, 0x92, 0x34, 0x07, 0x60, 0x10, 0x02, 0x00};
    rtp_vp8_desc d;
    ASSERT_EQ(rtp_vp8_desc_parse(p, sizeof p, &d), 0);
    rtp_vp8_desc_set_picture_id(p, &d, 0x7ffe);
    rtp_vp8_desc_set_tl0picidx(p, &d, 200);
    ASSERT_EQ(rtp_vp8_desc_parse(p, sizeof p, &d), 0);
    ASSERT_EQ(d.picture_id, 0x7ffe);
    ASSERT_EQ(d.picture_id_bits, 15);
    ASSERT_EQ(d.tl0picidx, 200);
    ASSERT_EQ(d.tid, 1); /* untouched */
    ASSERT_EQ(p[6], 0x10);
    uint8_t q[] = {0xa1, 0xc0, 0x05, 0x09, 0xaa};
    ASSERT_EQ(rtp_vp8_desc_parse(q, sizeof q, &d), 0);
    rtp_vp8_desc_set_picture_id(q, &d, 0x1ff); /* 7 bits keep 7 bits */
    ASSERT_EQ(rtp_vp8_desc_parse(q, sizeof q, &d), 0);
    ASSERT_EQ(d.picture_id, 0x7f);
    ASSERT_EQ(d.tl0picidx, 9);
}

/* A packet of source `ssrc` with PictureID pid and TL0PICIDX tl0. */
static void pkt(uint8_t out[8], uint16_t pid, uint8_t tl0, int key) {
    uint8_t p[8] = {
        0x90, 0xc0, (uint8_t)(0x80 | (pid >> 8)), (uint8_t)pid, tl0, (uint8_t)(key ? 0x10 : 0x11),
        0,    0};
    memcpy(out, p, 8);
}

static void out_of(const uint8_t *p, uint16_t *pid, uint8_t *tl0) {
    rtp_vp8_desc d;
    ASSERT_EQ(rtp_vp8_desc_parse(p, 8, &d), 0);
    *pid = d.picture_id;
    *tl0 = d.tl0picidx;
}

static void test_munger_switch(void) {
    rtp_vp8_munger m;
    rtp_vp8_munger_init(&m);
    uint8_t p[8];
    uint16_t pid;
    uint8_t tl0;
    /* Low layer: pictures 100..104, TL0 50..54: passed through unchanged. */
    for (int i = 0; i < 5; i++) {
        pkt(p, (uint16_t)(100 + i), (uint8_t)(50 + i), i == 0);
        ASSERT_EQ(rtp_vp8_munge(&m, 0xA, p, 8), 0);
        out_of(p, &pid, &tl0);
        ASSERT_EQ(pid, 100 + i);
        ASSERT_EQ(tl0, 50 + i);
    }
    /* Switch to the high layer at its key frame: picture 9000, TL0 3. The
     * subscriber sees 105, 55 and on. */
    for (int i = 0; i < 3; i++) {
        pkt(p, (uint16_t)(9000 + i), (uint8_t)(3 + i), i == 0);
        ASSERT_EQ(rtp_vp8_munge(&m, 0xB, p, 8), 0);
        out_of(p, &pid, &tl0);
        ASSERT_EQ(pid, 105 + i);
        ASSERT_EQ(tl0, 55 + i);
    }
    /* Several packets of one picture keep one number. */
    pkt(p, 9002, 5, 0);
    ASSERT_EQ(rtp_vp8_munge(&m, 0xB, p, 8), 0);
    out_of(p, &pid, &tl0);
    ASSERT_EQ(pid, 107);
    ASSERT_EQ(m.switches, 1);
    /* Back down across the 15-bit wrap: the high layer is near 0x7fff. */
    rtp_vp8_munger_init(&m);
    pkt(p, 0x7ffe, 255, 1);
    ASSERT_EQ(rtp_vp8_munge(&m, 0xB, p, 8), 0);
    pkt(p, 0x7fff, 0, 0);
    ASSERT_EQ(rtp_vp8_munge(&m, 0xB, p, 8), 0);
    pkt(p, 10, 20, 1);
    ASSERT_EQ(rtp_vp8_munge(&m, 0xA, p, 8), 0);
    out_of(p, &pid, &tl0);
    ASSERT_EQ(pid, 0); /* 0x7fff + 1, wrapped */
    ASSERT_EQ(tl0, 1);
    /* A reordered older packet of the current source keeps its place. */
    pkt(p, 12, 22, 0);
    ASSERT_EQ(rtp_vp8_munge(&m, 0xA, p, 8), 0);
    pkt(p, 11, 21, 0);
    ASSERT_EQ(rtp_vp8_munge(&m, 0xA, p, 8), 0);
    out_of(p, &pid, &tl0);
    ASSERT_EQ(pid, 1);
    ASSERT_EQ(tl0, 2);
    ASSERT_EQ(m.last_out_pid, 2); /* the highest, not the last */
    /* Malformed: refused, nothing changes. */
    rtp_vp8_munger before = m;
    uint8_t bad[2] = {0x80, 0x80};
    ASSERT_EQ(rtp_vp8_munge(&m, 0xC, bad, 2), -1);
    ASSERT_MEM_EQ(&m, &before, sizeof m);
}

int main(void) {
    RUN_TEST(test_parse);
    RUN_TEST(test_set_fields);
    RUN_TEST(test_munger_switch);
    TEST_DONE();
}
