/* Unit tests for the RTCP codec (sfu/rtcp.h): hand-built packets, byte by byte. */
#include "sfu/rtcp.h"
#include "tests/test.h"

/* Compound SR (no report blocks) + SDES CNAME "abcdefghijklmnop". */
static const uint8_t sr_sdes[] = {
    0x80, 0xc8, 0x00, 0x06,                         /* SR, RC=0, 28 bytes */
    0x11, 0x22, 0x33, 0x44,                         /* sender SSRC */
    0xe7, 0x6a, 0x3c, 0x40, 0x80, 0x00, 0x00, 0x00, /* NTP */
    0x00, 0x00, 0xbb, 0x80,                         /* RTP timestamp 48000 */
    0x00, 0x00, 0x00, 0x64,                         /* 100 packets */
    0x00, 0x00, 0x3e, 0x80,                         /* 16000 octets */
    0x81, 0xca, 0x00, 0x06,                         /* SDES, SC=1, 28 bytes */
    0x11, 0x22, 0x33, 0x44,                         /* chunk SSRC */
    0x01, 0x10, 'a',  'b',  'c',  'd',  'e',  'f',  'g',  'h', 'i',
    'j',  'k',  'l',  'm',  'n',  'o',  'p',  0x00, 0x00, /* end of items, padding to 32 bits */
};

/* RR with two report blocks; the second has a negative cumulative loss. */
static const uint8_t rr2[] = {
    0x82, 0xc9, 0x00, 0x0d, /* RR, RC=2, 56 bytes */
    0xaa, 0xbb, 0xcc, 0xdd, /* sender SSRC */
    0x00, 0x00, 0x00, 0x01, /* block 1: SSRC 1 */
    0x40, 0x00, 0x00, 0x05, /* 25 % lost, 5 cumulative */
    0x00, 0x01, 0xff, 0xfe, /* extended highest seq: cycle 1, seq 65534 */
    0x00, 0x00, 0x00, 0x20, /* jitter 32 */
    0x3c, 0x40, 0x80, 0x00, /* LSR */
    0x00, 0x01, 0x00, 0x00, /* DLSR 1 s */
    0x00, 0x00, 0x00, 0x02, /* block 2: SSRC 2 */
    0x00, 0xff, 0xff, 0xff, /* 0 %, cumulative -1 (duplicates) */
    0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Generic NACK: PID 100 BLP 0x8005 (101, 103, 116), then PID 65534 BLP 3 (65535, 0). */
static const uint8_t nack[] = {
    0x81, 0xcd, 0x00, 0x04, /* RTPFB, FMT=1, 20 bytes */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC 1 */
    0x00, 0x00, 0x00, 0x02, /* media SSRC 2 */
    0x00, 0x64, 0x80, 0x05, /* PID 100, BLP bits 0, 2, 15 */
    0xff, 0xfe, 0x00, 0x03, /* PID 65534, BLP bits 0, 1 */
};

static const uint8_t pli[] = {
    0x81, 0xce, 0x00, 0x02, /* PSFB, FMT=1, 12 bytes */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC */
    0x12, 0x34, 0x56, 0x78, /* media SSRC */
};

static const uint8_t fir[] = {
    0x84, 0xce, 0x00, 0x04, /* PSFB, FMT=4, 20 bytes */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC */
    0x00, 0x00, 0x00, 0x00, /* media SSRC: 0 per RFC 5104 */
    0x12, 0x34, 0x56, 0x78, /* FCI: SSRC */
    0x07, 0x00, 0x00, 0x00, /* FCI: command seq nr 7, reserved */
};

/* REMB 1,000,000 bps = 250000 (0x3d090) << 2 for SSRC 0x12345678. */
static const uint8_t remb[] = {
    0x8f, 0xce, 0x00, 0x05, /* PSFB, FMT=15, 24 bytes */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC */
    0x00, 0x00, 0x00, 0x00, /* media SSRC: 0 */
    'R',  'E',  'M',  'B',  /* unique identifier */
    0x01, 0x0b, 0xd0, 0x90, /* 1 SSRC, exp 2, mantissa 0x3d090 */
    0x12, 0x34, 0x56, 0x78, /* SSRC feedback */
};

static const uint8_t bye_reason[] = {
    0x81, 0xcb, 0x00, 0x03, /* BYE, SC=1, 16 bytes */
    0x12, 0x34, 0x56, 0x78, /* SSRC */
    0x03, 'b',  'y',  'e',  /* reason, length 3 */
    0x00, 0x00, 0x00, 0x00, /* padding to 32 bits */
};

static int next(rtcp_iter *it, rtcp_pkt *p) {
    return rtcp_iter_next(it, p);
}

static void test_compound_sr_sdes(void) {
    rtcp_iter it;
    rtcp_pkt p;
    rtcp_iter_init(&it, sr_sdes, sizeof sr_sdes);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(p.pt, RTCP_SR);
    ASSERT_EQ(p.count, 0);
    ASSERT_EQ(p.len, 28);
    ASSERT(p.data == sr_sdes);

    rtcp_sr_info sr;
    rtcp_report_block blocks[4];
    int n = -1;
    ASSERT_EQ(rtcp_parse_sr(&p, &sr, blocks, 4, &n), 0);
    ASSERT_EQ(n, 0);
    ASSERT_EQ(sr.ssrc, 0x11223344);
    ASSERT_EQ(sr.ntp, 0xe76a3c4080000000ull);
    ASSERT_EQ(rtcp_ntp_compact(sr.ntp), 0x3c408000);
    ASSERT_EQ(sr.rtp_ts, 48000);
    ASSERT_EQ(sr.packet_count, 100);
    ASSERT_EQ(sr.octet_count, 16000);
    uint32_t ssrc;
    ASSERT_EQ(rtcp_parse_rr(&p, &ssrc, blocks, 4, &n), RTCP_E_TYPE);

    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(p.pt, RTCP_SDES);
    ASSERT_EQ(p.count, 1);
    ASSERT_EQ(p.len, 28);
    ASSERT(p.data == sr_sdes + 28);
    ASSERT_EQ(next(&it, &p), 0);
    ASSERT_EQ(next(&it, &p), 0);

    /* the same two packets, built */
    uint8_t out[64];
    ASSERT_EQ(rtcp_build_sr(out, sizeof out, &sr, NULL, 0), 28);
    ASSERT_EQ(rtcp_build_sdes_cname(out + 28, sizeof out - 28, 0x11223344, "abcdefghijklmnop"), 28);
    ASSERT_MEM_EQ(out, sr_sdes, sizeof sr_sdes);
}

static void test_rr_two_blocks(void) {
    rtcp_iter it;
    rtcp_pkt p;
    rtcp_iter_init(&it, rr2, sizeof rr2);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(p.pt, RTCP_RR);
    ASSERT_EQ(p.count, 2);
    ASSERT_EQ(p.len, 56);
    uint32_t sender;
    rtcp_report_block b[2];
    int n;
    ASSERT_EQ(rtcp_parse_rr(&p, &sender, b, 2, &n), 0);
    ASSERT_EQ(n, 2);
    ASSERT_EQ(sender, 0xaabbccdd);
    ASSERT_EQ(b[0].ssrc, 1);
    ASSERT_EQ(b[0].fraction_lost, 64);
    ASSERT_EQ(b[0].cumulative_lost, 5);
    ASSERT_EQ(b[0].ext_highest_seq, 0x1fffe);
    ASSERT_EQ(b[0].jitter, 32);
    ASSERT_EQ(b[0].lsr, 0x3c408000);
    ASSERT_EQ(b[0].dlsr, 65536);
    ASSERT_EQ(b[1].ssrc, 2);
    ASSERT_EQ(b[1].fraction_lost, 0);
    ASSERT_EQ(b[1].cumulative_lost, -1);
    ASSERT_EQ(b[1].ext_highest_seq, 0x1000);
    ASSERT_EQ(next(&it, &p), 0);

    /* fewer slots than blocks: the rest is dropped without error */
    ASSERT_EQ(rtcp_parse_rr(&p, &sender, b, 1, &n), 0);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(rtcp_parse_rr(&p, &sender, NULL, 0, &n), 0);
    ASSERT_EQ(n, 0);

    /* rebuild byte for byte */
    ASSERT_EQ(rtcp_parse_rr(&p, &sender, b, 2, &n), 0);
    uint8_t out[64];
    ASSERT_EQ(rtcp_build_rr(out, sizeof out, sender, b, 2), 56);
    ASSERT_MEM_EQ(out, rr2, sizeof rr2);
    ASSERT_EQ(rtcp_build_rr(out, 55, sender, b, 2), RTCP_E_NOSPACE);
}

static void test_sr_round_trip(void) {
    rtcp_sr_info sr = {0xcafebabe, 0x0123456789abcdefull, 90000, 7, 7000};
    rtcp_report_block b[3] = {
        {10, 255, 0x7fffff, 0xffffffff, 1, 2, 3},
        {11, 1, -0x800000, 0, 0, 0, 0},
        {12, 2, -9000000, 5, 6, 7, 8}, /* clamped to -2^23 */
    };
    uint8_t out[128];
    ASSERT_EQ(rtcp_build_sr(out, sizeof out, &sr, b, 3), 28 + 72);
    ASSERT_EQ(out[0], 0x83);
    ASSERT_EQ(out[1], 200);
    ASSERT_EQ(out[3], 24);
    rtcp_iter it;
    rtcp_pkt p;
    rtcp_iter_init(&it, out, 100);
    ASSERT_EQ(next(&it, &p), 1);
    rtcp_sr_info got;
    rtcp_report_block gb[3];
    int n;
    ASSERT_EQ(rtcp_parse_sr(&p, &got, gb, 3, &n), 0);
    ASSERT_EQ(n, 3);
    ASSERT_EQ(got.ssrc, sr.ssrc);
    ASSERT_EQ(got.ntp, sr.ntp);
    ASSERT_EQ(got.rtp_ts, 90000);
    ASSERT_EQ(got.packet_count, 7);
    ASSERT_EQ(got.octet_count, 7000);
    ASSERT_EQ(gb[0].cumulative_lost, 0x7fffff);
    ASSERT_EQ(gb[0].fraction_lost, 255);
    ASSERT_EQ(gb[0].ext_highest_seq, 0xffffffff);
    ASSERT_EQ(gb[0].dlsr, 3);
    ASSERT_EQ(gb[1].cumulative_lost, -0x800000);
    ASSERT_EQ(gb[2].cumulative_lost, -0x800000);
    ASSERT_EQ(gb[2].dlsr, 8);

    b[0].cumulative_lost = 0x1000000; /* clamped to 2^23 - 1 */
    ASSERT_EQ(rtcp_build_sr(out, sizeof out, &sr, b, 1), 52);
    ASSERT_EQ(out[33], 0x7f);
    ASSERT_EQ(out[34], 0xff);
    ASSERT_EQ(out[35], 0xff);

    ASSERT_EQ(rtcp_build_sr(out, 99, &sr, b, 3), RTCP_E_NOSPACE);
    ASSERT_EQ(rtcp_build_sr(out, sizeof out, &sr, b, 32), RTCP_E_ARG);
    ASSERT_EQ(rtcp_build_sr(out, sizeof out, &sr, NULL, 1), RTCP_E_ARG);
    ASSERT_EQ(rtcp_build_rr(out, sizeof out, 1, b, -1), RTCP_E_ARG);
}

static void test_nack(void) {
    rtcp_iter it;
    rtcp_pkt p;
    rtcp_iter_init(&it, nack, sizeof nack);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(p.pt, RTCP_RTPFB);
    ASSERT_EQ(p.count, RTCP_FMT_NACK);
    uint32_t sender, media;
    ASSERT_EQ(rtcp_parse_fb(&p, &sender, &media), 0);
    ASSERT_EQ(sender, 1);
    ASSERT_EQ(media, 2);
    uint16_t seqs[32];
    int n;
    ASSERT_EQ(rtcp_parse_nack(&p, seqs, 32, &n), 0);
    ASSERT_EQ(n, 7);
    static const uint16_t want[] = {100, 101, 103, 116, 65534, 65535, 0};
    ASSERT_MEM_EQ(seqs, want, sizeof want);
    /* capped at max, in order */
    ASSERT_EQ(rtcp_parse_nack(&p, seqs, 2, &n), 0);
    ASSERT_EQ(n, 2);
    ASSERT_EQ(seqs[1], 101);
    ASSERT_EQ(rtcp_parse_nack(&p, seqs, 5, &n), 0);
    ASSERT_EQ(n, 5);
    ASSERT_EQ(seqs[4], 65534);
    ASSERT_EQ(rtcp_parse_nack(&p, NULL, 0, &n), 0);
    ASSERT_EQ(n, 0);

    /* build the same from its expansion */
    uint8_t out[64];
    ASSERT_EQ(rtcp_build_nack(out, sizeof out, 1, 2, want, 4), 16);
    ASSERT_MEM_EQ(out + 12, nack + 12, 4);
    ASSERT_EQ(out[3], 3);
    ASSERT_EQ(rtcp_build_nack(out, sizeof out, 1, 2, want + 4, 3), 16);
    ASSERT_MEM_EQ(out + 12, nack + 16, 4);

    /* unsorted, duplicated and wrapping */
    static const uint16_t mixed[] = {0, 65534, 2, 65535, 0, 20};
    ASSERT_EQ(rtcp_build_nack(out, sizeof out, 1, 2, mixed, 6), 20);
    static const uint8_t want_mixed[] = {
        0x81, 0xcd, 0x00, 0x04, /* RTPFB, FMT=1, 20 bytes */
        0x00, 0x00, 0x00, 0x01, /* sender */
        0x00, 0x00, 0x00, 0x02, /* media */
        0xff, 0xfe, 0x00, 0x0b, /* PID 65534: 65535, 0, 2 */
        0x00, 0x14, 0x00, 0x00, /* PID 20 */
    };
    ASSERT_MEM_EQ(out, want_mixed, sizeof want_mixed);
    rtcp_iter_init(&it, out, 20);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(rtcp_parse_nack(&p, seqs, 32, &n), 0);
    static const uint16_t want_seqs[] = {65534, 65535, 0, 2, 20};
    ASSERT_EQ(n, 5);
    ASSERT_MEM_EQ(seqs, want_seqs, sizeof want_seqs);

    /* 17 apart: PID + 16 in its BLP, then a new entry */
    static const uint16_t span[] = {1000, 1016, 1017};
    ASSERT_EQ(rtcp_build_nack(out, sizeof out, 1, 2, span, 3), 20);
    static const uint8_t want_span[] = {0x03, 0xe8, 0x80, 0x00, 0x03, 0xf9, 0x00, 0x00};
    ASSERT_MEM_EQ(out + 12, want_span, sizeof want_span);

    ASSERT_EQ(rtcp_build_nack(out, 19, 1, 2, span, 3), RTCP_E_NOSPACE);
    ASSERT_EQ(rtcp_build_nack(out, 11, 1, 2, span, 3), RTCP_E_NOSPACE);
    ASSERT_EQ(rtcp_build_nack(out, sizeof out, 1, 2, span, 0), RTCP_E_ARG);

    /* a NACK parser refuses other feedback */
    rtcp_iter_init(&it, pli, sizeof pli);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(rtcp_parse_nack(&p, seqs, 32, &n), RTCP_E_TYPE);
}

static void test_pli_fir(void) {
    uint8_t out[32];
    ASSERT_EQ(rtcp_build_pli(out, sizeof out, 1, 0x12345678), 12);
    ASSERT_MEM_EQ(out, pli, sizeof pli);
    ASSERT_EQ(rtcp_build_pli(out, 11, 1, 0x12345678), RTCP_E_NOSPACE);
    rtcp_iter it;
    rtcp_pkt p;
    rtcp_iter_init(&it, pli, sizeof pli);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(p.pt, RTCP_PSFB);
    ASSERT_EQ(p.count, RTCP_FMT_PLI);
    uint32_t sender, media;
    ASSERT_EQ(rtcp_parse_fb(&p, &sender, &media), 0);
    ASSERT_EQ(sender, 1);
    ASSERT_EQ(media, 0x12345678);

    ASSERT_EQ(rtcp_build_fir(out, sizeof out, 1, 0x12345678, 7), 20);
    ASSERT_MEM_EQ(out, fir, sizeof fir);
    ASSERT_EQ(rtcp_build_fir(out, 19, 1, 0x12345678, 7), RTCP_E_NOSPACE);
    rtcp_iter_init(&it, fir, sizeof fir);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(p.count, RTCP_FMT_FIR);
    uint32_t ssrcs[4];
    uint8_t seq_nrs[4];
    int n;
    ASSERT_EQ(rtcp_parse_fir(&p, ssrcs, 4, &n), 0);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(ssrcs[0], 0x12345678);
    ASSERT_EQ(rtcp_parse_fir_seq(&p, ssrcs, seq_nrs, 4, &n), 0);
    ASSERT_EQ(seq_nrs[0], 7);
    ASSERT_EQ(rtcp_parse_fir(&p, ssrcs, 0, &n), 0);
    ASSERT_EQ(n, 0);
    ASSERT_EQ(rtcp_parse_remb(&p, NULL, ssrcs, 4, &n), RTCP_E_TYPE);

    /* a feedback packet without its SSRCs */
    static const uint8_t short_fb[] = {0x81, 0xce, 0x00, 0x01, 0, 0, 0, 1};
    rtcp_iter_init(&it, short_fb, sizeof short_fb);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(rtcp_parse_fb(&p, &sender, &media), RTCP_E_SHORT);
    p.count = RTCP_FMT_FIR;
    ASSERT_EQ(rtcp_parse_fir(&p, ssrcs, 4, &n), RTCP_E_SHORT);
}

static void test_remb(void) {
    rtcp_iter it;
    rtcp_pkt p;
    rtcp_iter_init(&it, remb, sizeof remb);
    ASSERT_EQ(next(&it, &p), 1);
    uint64_t bps;
    uint32_t ssrcs[4];
    int n;
    ASSERT_EQ(rtcp_parse_remb(&p, &bps, ssrcs, 4, &n), 0);
    ASSERT_EQ(bps, 1000000);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(ssrcs[0], 0x12345678);

    uint8_t out[64];
    const uint32_t one = 0x12345678;
    ASSERT_EQ(rtcp_build_remb(out, sizeof out, 1, 1000000, &one, 1), 24);
    ASSERT_MEM_EQ(out, remb, sizeof remb);
    ASSERT_EQ(rtcp_build_remb(out, sizeof out, 1, 1000001, &one, 1), 24); /* rounds down */
    ASSERT_MEM_EQ(out, remb, sizeof remb);
    ASSERT_EQ(rtcp_build_remb(out, 23, 1, 1000000, &one, 1), RTCP_E_NOSPACE);
    ASSERT_EQ(rtcp_build_remb(out, sizeof out, 1, 1000000, NULL, 1), RTCP_E_ARG);

    /* exact below 2^18, and the top of the range */
    static const uint64_t rates[] = {0, 1, 0x3ffff, 0x40000, 300000, 0xffffc00000000000ull};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        const uint32_t two[2] = {7, 8};
        ASSERT_EQ(rtcp_build_remb(out, sizeof out, 1, rates[i], two, 2), 28);
        rtcp_iter_init(&it, out, 28);
        ASSERT_EQ(next(&it, &p), 1);
        ASSERT_EQ(rtcp_parse_remb(&p, &bps, ssrcs, 4, &n), 0);
        ASSERT(bps == rates[i]);
        ASSERT_EQ(n, 2);
        ASSERT_EQ(ssrcs[1], 8);
    }
    /* UINT64_MAX: exponent 46, the low bits are lost */
    ASSERT_EQ(rtcp_build_remb(out, sizeof out, 1, UINT64_MAX, NULL, 0), 20);
    ASSERT_EQ(out[17], (46 << 2) | 3);
    rtcp_iter_init(&it, out, 20);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(rtcp_parse_remb(&p, &bps, NULL, 0, &n), 0);
    ASSERT(bps == 0xffffc00000000000ull);
    ASSERT_EQ(n, 0);

    /* an exponent that overflows 64 bits saturates */
    uint8_t b[sizeof remb];
    memcpy(b, remb, sizeof b);
    b[17] = (63 << 2) | 3;
    rtcp_iter_init(&it, b, sizeof b);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(rtcp_parse_remb(&p, &bps, ssrcs, 4, &n), 0);
    ASSERT(bps == UINT64_MAX);
    b[17] = 63 << 2; /* mantissa 0xd090 << 63 overflows too */
    ASSERT_EQ(rtcp_parse_remb(&p, &bps, ssrcs, 4, &n), 0);
    ASSERT(bps == UINT64_MAX);
    b[17] = 0;
    b[18] = 0;
    b[19] = 0;
    ASSERT_EQ(rtcp_parse_remb(&p, &bps, ssrcs, 4, &n), 0);
    ASSERT_EQ(bps, 0);

    /* SSRC count lies */
    b[16] = 2;
    ASSERT_EQ(rtcp_parse_remb(&p, &bps, ssrcs, 4, &n), RTCP_E_COUNT);
    /* not "REMB" */
    b[16] = 1;
    b[12] = 'X';
    ASSERT_EQ(rtcp_parse_remb(&p, &bps, ssrcs, 4, &n), RTCP_E_TYPE);
    /* too short for the fixed part */
    static const uint8_t afb[] = {0x8f, 0xce, 0x00, 0x03, 0,   0,   0,   1,
                                  0,    0,    0,    0,    'R', 'E', 'M', 'B'};
    rtcp_iter_init(&it, afb, sizeof afb);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(rtcp_parse_remb(&p, &bps, ssrcs, 4, &n), RTCP_E_SHORT);
}

static void test_bye(void) {
    rtcp_iter it;
    rtcp_pkt p;
    uint32_t ssrcs[4];
    int n;
    rtcp_iter_init(&it, bye_reason, sizeof bye_reason);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(p.pt, RTCP_BYE);
    ASSERT_EQ(rtcp_parse_bye(&p, ssrcs, 4, &n), 0);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(ssrcs[0], 0x12345678);

    uint8_t out[16];
    const uint32_t two[] = {0x12345678, 9};
    ASSERT_EQ(rtcp_build_bye(out, sizeof out, two, 2), 12);
    static const uint8_t want[] = {0x82, 0xcb, 0x00, 0x02, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 9};
    ASSERT_MEM_EQ(out, want, sizeof want);
    ASSERT_EQ(rtcp_build_bye(out, 11, two, 2), RTCP_E_NOSPACE);
    ASSERT_EQ(rtcp_build_bye(out, sizeof out, NULL, 0), 4);

    /* SC says 3 but only 2 SSRCs fit */
    uint8_t b[sizeof want];
    memcpy(b, want, sizeof b);
    b[0] = 0x83;
    rtcp_iter_init(&it, b, sizeof b);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(rtcp_parse_bye(&p, ssrcs, 4, &n), RTCP_E_COUNT);
}

static void test_sdes_build(void) {
    uint8_t out[300];
    /* "ab": 2 + 2 bytes of item, 4 zero bytes: the item list needs an end octet */
    ASSERT_EQ(rtcp_build_sdes_cname(out, sizeof out, 5, "ab"), 16);
    static const uint8_t want[] = {0x81, 0xca, 0x00, 0x03, 0, 0, 0, 5,
                                   0x01, 0x02, 'a',  'b',  0, 0, 0, 0};
    ASSERT_MEM_EQ(out, want, sizeof want);
    ASSERT_EQ(rtcp_build_sdes_cname(out, sizeof out, 5, "a"), 12);
    ASSERT_EQ(out[11], 0);
    ASSERT_EQ(rtcp_build_sdes_cname(out, 15, 5, "ab"), RTCP_E_NOSPACE);
    ASSERT_EQ(rtcp_build_sdes_cname(out, sizeof out, 5, ""), RTCP_E_ARG);
    ASSERT_EQ(rtcp_build_sdes_cname(out, sizeof out, 5, NULL), RTCP_E_ARG);
    char longname[257];
    memset(longname, 'x', 256);
    longname[256] = 0;
    ASSERT_EQ(rtcp_build_sdes_cname(out, sizeof out, 5, longname), RTCP_E_ARG);
    longname[255] = 0;
    ASSERT_EQ(rtcp_build_sdes_cname(out, sizeof out, 5, longname), 4 + 4 + 260);
}

static void test_iter_malformed(void) {
    rtcp_iter it;
    rtcp_pkt p;
    uint8_t b[64];

    /* truncated header after a good packet: the good one is returned first */
    memcpy(b, pli, sizeof pli);
    memcpy(b + 12, pli, 3);
    rtcp_iter_init(&it, b, 15);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(next(&it, &p), RTCP_E_SHORT);
    ASSERT_EQ(next(&it, &p), 0); /* stays at the end */

    /* version 1 */
    memcpy(b, pli, sizeof pli);
    b[0] = 0x41;
    rtcp_iter_init(&it, b, sizeof pli);
    ASSERT_EQ(next(&it, &p), RTCP_E_VERSION);
    ASSERT_EQ(next(&it, &p), 0);

    /* length field past the end: PLI saying 4 words, cut SR */
    memcpy(b, pli, sizeof pli);
    b[3] = 3;
    rtcp_iter_init(&it, b, sizeof pli);
    ASSERT_EQ(next(&it, &p), RTCP_E_LENGTH);
    rtcp_iter_init(&it, sr_sdes, sizeof sr_sdes - 1);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(next(&it, &p), RTCP_E_LENGTH);
    b[2] = 0xff;
    b[3] = 0xff;
    rtcp_iter_init(&it, b, sizeof pli);
    ASSERT_EQ(next(&it, &p), RTCP_E_LENGTH);

    /* padding on the last packet: 4 bytes, excluded from len */
    static const uint8_t padded[] = {0xa0, 0xc9, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 4};
    rtcp_iter_init(&it, padded, sizeof padded);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(p.len, 8);
    uint32_t sender;
    int n;
    ASSERT_EQ(rtcp_parse_rr(&p, &sender, NULL, 0, &n), 0);
    ASSERT_EQ(sender, 1);
    ASSERT_EQ(next(&it, &p), 0);

    /* padding count 0, and larger than the body */
    memcpy(b, padded, sizeof padded);
    b[11] = 0;
    rtcp_iter_init(&it, b, sizeof padded);
    ASSERT_EQ(next(&it, &p), RTCP_E_PADDING);
    b[11] = 9;
    rtcp_iter_init(&it, b, sizeof padded);
    ASSERT_EQ(next(&it, &p), RTCP_E_PADDING);
    b[11] = 8; /* the whole body: allowed, and the RR is then too short */
    rtcp_iter_init(&it, b, sizeof padded);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(p.len, 4);
    ASSERT_EQ(rtcp_parse_rr(&p, &sender, NULL, 0, &n), RTCP_E_SHORT);

    /* padding on a packet that is not last */
    memcpy(b, padded, sizeof padded);
    memcpy(b + sizeof padded, pli, sizeof pli);
    rtcp_iter_init(&it, b, sizeof padded + sizeof pli);
    ASSERT_EQ(next(&it, &p), RTCP_E_PADDING);
    ASSERT_EQ(next(&it, &p), 0);

    /* empty input and a bare 4-byte packet */
    rtcp_iter_init(&it, NULL, 0);
    ASSERT_EQ(next(&it, &p), 0);
    static const uint8_t bye0[] = {0x80, 0xcb, 0x00, 0x00};
    rtcp_iter_init(&it, bye0, sizeof bye0);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(p.len, 4);
    uint32_t ssrcs[2];
    ASSERT_EQ(rtcp_parse_bye(&p, ssrcs, 2, &n), 0);
    ASSERT_EQ(n, 0);

    ASSERT_STR_EQ(rtcp_strerror(RTCP_E_LENGTH), "RTCP length runs past the end");
    ASSERT_STR_EQ(rtcp_strerror(1234), "unknown error");
}

static void test_parser_lies(void) {
    rtcp_iter it;
    rtcp_pkt p;
    rtcp_sr_info sr;
    rtcp_report_block blocks[31];
    uint32_t sender;
    int n;
    uint8_t b[64];

    /* SR with RC=1 but no room for the block */
    memcpy(b, sr_sdes, 28);
    b[0] = 0x81;
    rtcp_iter_init(&it, b, 28);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(rtcp_parse_sr(&p, &sr, blocks, 31, &n), RTCP_E_COUNT);
    /* SR shorter than its sender info */
    static const uint8_t short_sr[] = {0x80, 0xc8, 0x00, 0x01, 0, 0, 0, 1};
    rtcp_iter_init(&it, short_sr, sizeof short_sr);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(rtcp_parse_sr(&p, &sr, blocks, 31, &n), RTCP_E_SHORT);
    /* RR with RC=31 and one block */
    memcpy(b, rr2, 32);
    b[0] = 0x9f;
    b[3] = 7;
    rtcp_iter_init(&it, b, 32);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(rtcp_parse_rr(&p, &sender, blocks, 31, &n), RTCP_E_COUNT);
    /* parsers called on another packet type */
    uint32_t media, ssrcs[2];
    ASSERT_EQ(rtcp_parse_sr(&p, &sr, blocks, 31, &n), RTCP_E_TYPE);
    ASSERT_EQ(rtcp_parse_fb(&p, &sender, &media), RTCP_E_TYPE);
    ASSERT_EQ(rtcp_parse_bye(&p, ssrcs, 2, &n), RTCP_E_TYPE);
    ASSERT_EQ(rtcp_parse_fir(&p, ssrcs, 2, &n), RTCP_E_TYPE);
    /* RR header only */
    static const uint8_t rr_hdr[] = {0x80, 0xc9, 0x00, 0x00};
    rtcp_iter_init(&it, rr_hdr, sizeof rr_hdr);
    ASSERT_EQ(next(&it, &p), 1);
    ASSERT_EQ(rtcp_parse_rr(&p, &sender, blocks, 31, &n), RTCP_E_SHORT);
    /* NACK with a partial FCI entry: whole entries only */
    static const uint8_t nack_odd[] = {0x81, 0xcd, 0x00, 0x03, 0,    0,    0,    1,
                                       0,    0,    0,    2,    0x00, 0x10, 0x00, 0x00};
    rtcp_iter_init(&it, nack_odd, sizeof nack_odd);
    ASSERT_EQ(next(&it, &p), 1);
    p.len = 14;
    uint16_t seqs[4];
    ASSERT_EQ(rtcp_parse_nack(&p, seqs, 4, &n), 0);
    ASSERT_EQ(n, 0);
    p.len = 16;
    ASSERT_EQ(rtcp_parse_nack(&p, seqs, 4, &n), 0);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(seqs[0], 16);
}

int main(void) {
    RUN_TEST(test_compound_sr_sdes);
    RUN_TEST(test_rr_two_blocks);
    RUN_TEST(test_sr_round_trip);
    RUN_TEST(test_nack);
    RUN_TEST(test_pli_fir);
    RUN_TEST(test_remb);
    RUN_TEST(test_bye);
    RUN_TEST(test_sdes_build);
    RUN_TEST(test_iter_malformed);
    RUN_TEST(test_parser_lies);
    TEST_DONE();
}
