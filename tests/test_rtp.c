/* Unit tests for the RTP codec (sfu/rtp.h): hand-built packets, byte by byte. */
#include "sfu/rtp.h"
#include "tests/test.h"

/* A Chrome-like Opus packet: marker, PT 111, one-byte extensions
 * audio level (id 1), abs-send-time (id 2), transport-cc (id 3), mid (id 4). */
static const uint8_t opus_pkt[] = {
    0x90, 0xef, 0x12, 0x34,       /* V=2 X=1, M=1 PT=111, seq 0x1234 */
    0x00, 0x01, 0xe2, 0x40,       /* timestamp 123456 */
    0xde, 0xad, 0xbe, 0xef,       /* SSRC */
    0xbe, 0xde, 0x00, 0x03,       /* one-byte profile, 3 words */
    0x10, 0xaa,                   /* id 1 len 1: voice, 42 dBov */
    0x22, 0x12, 0x34, 0x56,       /* id 2 len 3: abs-send-time */
    0x31, 0x01, 0x02,             /* id 3 len 2: transport seq 258 */
    0x40, '0',                    /* id 4 len 1: mid "0" */
    0x00,                         /* padding */
    0x78, 0x01, 0x02, 0x03, 0x04, /* Opus TOC + frame */
};

/* Two-byte form: id 5 with an empty value, a padding byte, id 16 = "abc". */
static const uint8_t two_byte_pkt[] = {
    0x90, 0x60, 0x00, 0x01, /* V=2 X=1, PT=96, seq 1 */
    0x00, 0x00, 0x00, 0x10, /* timestamp 16 */
    0x01, 0x02, 0x03, 0x04, /* SSRC */
    0x10, 0x00, 0x00, 0x02, /* two-byte profile (appbits 0), 2 words */
    0x05, 0x00,             /* id 5 len 0 */
    0x00,                   /* padding */
    0x10, 0x03, 'a',  'b',  /* id 16 len 3 */
    'c',                    /* (value, continued) */
    0xaa, 0xbb,             /* payload */
};

static int same_header(const rtp_header *a, const rtp_header *b) {
    return a->version == b->version && a->padding == b->padding && a->extension == b->extension &&
           a->csrc_count == b->csrc_count && a->marker == b->marker &&
           a->payload_type == b->payload_type && a->seq == b->seq && a->timestamp == b->timestamp &&
           a->ssrc == b->ssrc && a->header_len == b->header_len &&
           a->ext_profile == b->ext_profile && a->ext_offset == b->ext_offset &&
           a->ext_len == b->ext_len && a->payload_offset == b->payload_offset &&
           a->payload_len == b->payload_len && a->padding_len == b->padding_len;
}

static void test_parse_opus(void) {
    rtp_header h;
    ASSERT_EQ(rtp_parse(&h, opus_pkt, sizeof opus_pkt), 0);
    ASSERT_EQ(h.version, 2);
    ASSERT_EQ(h.padding, 0);
    ASSERT_EQ(h.extension, 1);
    ASSERT_EQ(h.csrc_count, 0);
    ASSERT_EQ(h.marker, 1);
    ASSERT_EQ(h.payload_type, 111);
    ASSERT_EQ(h.seq, 0x1234);
    ASSERT_EQ(h.timestamp, 123456);
    ASSERT_EQ(h.ssrc, 0xdeadbeef);
    ASSERT_EQ(h.header_len, 28);
    ASSERT_EQ(h.ext_profile, 0xbede);
    ASSERT_EQ(h.ext_offset, 16);
    ASSERT_EQ(h.ext_len, 12);
    ASSERT_EQ(h.payload_offset, 28);
    ASSERT_EQ(h.payload_len, 5);
    ASSERT_EQ(h.padding_len, 0);
    ASSERT_EQ(opus_pkt[h.payload_offset], 0x78);

    const uint8_t *d;
    uint8_t len;
    int voice;
    uint8_t level;
    ASSERT_EQ(rtp_ext_find(&h, opus_pkt, 1, &d, &len), 1);
    ASSERT_EQ(len, 1);
    ASSERT(d == opus_pkt + 17);
    ASSERT_EQ(rtp_ext_audio_level(d, len, &voice, &level), 0);
    ASSERT_EQ(voice, 1);
    ASSERT_EQ(level, 42);

    uint32_t t24;
    ASSERT_EQ(rtp_ext_find(&h, opus_pkt, 2, &d, &len), 1);
    ASSERT_EQ(len, 3);
    ASSERT_EQ(rtp_ext_abs_send_time(d, len, &t24), 0);
    ASSERT_EQ(t24, 0x123456);

    uint16_t tseq;
    ASSERT_EQ(rtp_ext_find(&h, opus_pkt, 3, &d, &len), 1);
    ASSERT_EQ(rtp_ext_transport_seq(d, len, &tseq), 0);
    ASSERT_EQ(tseq, 258);

    char mid[16];
    ASSERT_EQ(rtp_ext_find(&h, opus_pkt, 4, &d, &len), 1);
    ASSERT_EQ(rtp_ext_string(d, len, mid, sizeof mid), 0);
    ASSERT_STR_EQ(mid, "0");

    for (int id = 5; id < 256; id++)
        ASSERT_EQ(rtp_ext_find(&h, opus_pkt, (uint8_t)id, &d, &len), 0);
    ASSERT_EQ(rtp_ext_find(&h, opus_pkt, 0, &d, &len), 0);
}

static void test_parse_two_byte(void) {
    rtp_header h;
    ASSERT_EQ(rtp_parse(&h, two_byte_pkt, sizeof two_byte_pkt), 0);
    ASSERT_EQ(h.ext_profile, 0x1000);
    ASSERT_EQ(h.ext_offset, 16);
    ASSERT_EQ(h.ext_len, 8);
    ASSERT_EQ(h.header_len, 24);
    ASSERT_EQ(h.payload_len, 2);
    ASSERT_EQ(h.payload_type, 96);
    ASSERT_EQ(h.marker, 0);

    const uint8_t *d;
    uint8_t len = 99;
    ASSERT_EQ(rtp_ext_find(&h, two_byte_pkt, 5, &d, &len), 1);
    ASSERT_EQ(len, 0);
    ASSERT_EQ(rtp_ext_find(&h, two_byte_pkt, 16, &d, &len), 1);
    ASSERT_EQ(len, 3);
    ASSERT_MEM_EQ(d, "abc", 3);
    char rid[4];
    ASSERT_EQ(rtp_ext_string(d, len, rid, sizeof rid), 0);
    ASSERT_STR_EQ(rid, "abc");
    ASSERT_EQ(rtp_ext_string(d, len, rid, 3), RTP_E_EXT_DATA); /* no room for the NUL */
    ASSERT_EQ(rtp_ext_find(&h, two_byte_pkt, 1, &d, &len), 0);

    /* appbits in the low nibble are still the two-byte form */
    uint8_t b[sizeof two_byte_pkt];
    memcpy(b, two_byte_pkt, sizeof b);
    b[13] = 0x0f;
    ASSERT_EQ(rtp_parse(&h, b, sizeof b), 0);
    ASSERT_EQ(h.ext_profile, 0x100f);
    ASSERT_EQ(rtp_ext_find(&h, b, 16, &d, &len), 1);
}

static void test_parse_csrc_padding(void) {
    static const uint8_t pkt[] = {
        0xa2, 0x08, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x01, 0x11, 0x11, 0x11, 0x11, /* CSRC 1 */
        0x22, 0x22, 0x22, 0x22,                         /* CSRC 2 */
        0xd0, 0xd1, 0xd2,                               /* payload */
        0x00, 0x00, 0x00, 0x04,                         /* 4 bytes of padding */
    };
    rtp_header h;
    ASSERT_EQ(rtp_parse(&h, pkt, sizeof pkt), 0);
    ASSERT_EQ(h.padding, 1);
    ASSERT_EQ(h.extension, 0);
    ASSERT_EQ(h.csrc_count, 2);
    ASSERT_EQ(h.payload_type, 8);
    ASSERT_EQ(h.seq, 65535);
    ASSERT_EQ(h.ssrc, 1);
    ASSERT_EQ(h.header_len, 20);
    ASSERT_EQ(h.ext_profile, 0);
    ASSERT_EQ(h.ext_len, 0);
    ASSERT_EQ(h.payload_offset, 20);
    ASSERT_EQ(h.payload_len, 3);
    ASSERT_EQ(h.padding_len, 4);

    const uint8_t *d;
    uint8_t len;
    ASSERT_EQ(rtp_ext_find(&h, pkt, 1, &d, &len), 0);

    /* all padding, no payload (a bandwidth probe) */
    static const uint8_t probe[] = {0xa0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4};
    ASSERT_EQ(rtp_parse(&h, probe, sizeof probe), 0);
    ASSERT_EQ(h.payload_len, 0);
    ASSERT_EQ(h.padding_len, 4);

    /* minimal packet: header only, empty payload */
    ASSERT_EQ(rtp_parse(&h, pkt + 0, 12), RTP_E_CSRC);
    static const uint8_t bare[] = {0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    ASSERT_EQ(rtp_parse(&h, bare, sizeof bare), 0);
    ASSERT_EQ(h.header_len, 12);
    ASSERT_EQ(h.payload_len, 0);
}

static void test_parse_malformed(void) {
    rtp_header h;
    uint8_t b[64];

    ASSERT_EQ(rtp_parse(&h, opus_pkt, 0), RTP_E_SHORT);
    ASSERT_EQ(rtp_parse(&h, opus_pkt, 11), RTP_E_SHORT);

    memcpy(b, opus_pkt, sizeof opus_pkt);
    b[0] = 0x50; /* version 1 */
    ASSERT_EQ(rtp_parse(&h, b, sizeof opus_pkt), RTP_E_VERSION);
    b[0] = 0xd0; /* version 3 */
    ASSERT_EQ(rtp_parse(&h, b, sizeof opus_pkt), RTP_E_VERSION);

    /* extension header cut: X set, 2 of its 4 bytes present */
    ASSERT_EQ(rtp_parse(&h, opus_pkt, 14), RTP_E_EXT);
    ASSERT_EQ(rtp_parse(&h, opus_pkt, 15), RTP_E_EXT);
    /* extension body cut */
    ASSERT_EQ(rtp_parse(&h, opus_pkt, 27), RTP_E_EXT);
    ASSERT_EQ(rtp_parse(&h, opus_pkt, 28), 0); /* exactly the header */
    /* lying extension length */
    memcpy(b, opus_pkt, sizeof opus_pkt);
    b[15] = 0x06; /* 6 words = 24 bytes, only 17 follow */
    ASSERT_EQ(rtp_parse(&h, b, sizeof opus_pkt), RTP_E_EXT);
    b[14] = 0xff;
    b[15] = 0xff;
    ASSERT_EQ(rtp_parse(&h, b, sizeof opus_pkt), RTP_E_EXT);

    /* lying CSRC count: 15 CSRCs = 72 bytes of header in a 33-byte packet */
    memcpy(b, opus_pkt, sizeof opus_pkt);
    b[0] = 0x8f;
    ASSERT_EQ(rtp_parse(&h, b, sizeof opus_pkt), RTP_E_CSRC);
    b[0] = 0x82; /* 2 CSRCs in a 12 + 4 byte packet */
    ASSERT_EQ(rtp_parse(&h, b, 16), RTP_E_CSRC);
    ASSERT_EQ(rtp_parse(&h, b, 20), 0); /* exactly fits */
    b[0] = 0x92;                        /* 2 CSRCs then an extension header that is not there */
    ASSERT_EQ(rtp_parse(&h, b, 20), RTP_E_EXT);

    /* padding count 0 */
    memcpy(b, opus_pkt, sizeof opus_pkt);
    b[0] |= 0x20;
    b[sizeof opus_pkt - 1] = 0;
    ASSERT_EQ(rtp_parse(&h, b, sizeof opus_pkt), RTP_E_PADDING);
    /* padding larger than what follows the header (5 bytes) */
    b[sizeof opus_pkt - 1] = 6;
    ASSERT_EQ(rtp_parse(&h, b, sizeof opus_pkt), RTP_E_PADDING);
    b[sizeof opus_pkt - 1] = 255;
    ASSERT_EQ(rtp_parse(&h, b, sizeof opus_pkt), RTP_E_PADDING);
    b[sizeof opus_pkt - 1] = 5; /* the whole payload is padding: fine */
    ASSERT_EQ(rtp_parse(&h, b, sizeof opus_pkt), 0);
    ASSERT_EQ(h.payload_len, 0);
    ASSERT_EQ(h.padding_len, 5);
    /* padding bit on a header-only packet: the count byte would be header */
    ASSERT_EQ(rtp_parse(&h, b, 28), RTP_E_PADDING);

    /* longer than any UDP payload */
    static uint8_t big[65536];
    memcpy(big, opus_pkt, sizeof opus_pkt);
    ASSERT_EQ(rtp_parse(&h, big, sizeof big), RTP_E_TOO_LONG);
    ASSERT_EQ(rtp_parse(&h, big, sizeof big - 1), 0);
    ASSERT_EQ(h.payload_len, 65535 - 28);

    ASSERT_STR_EQ(rtp_strerror(RTP_E_PADDING), "invalid padding length");
    ASSERT_STR_EQ(rtp_strerror(-100), "unknown error");
}

static void test_ext_edge_cases(void) {
    rtp_header h;
    const uint8_t *d;
    uint8_t len;
    /* id 15 stops parsing: id 2 after it is not seen */
    static const uint8_t stop[] = {0x90, 0,    0, 1, 0,    0,    0,    0,    0,    0, 0, 1,
                                   0xbe, 0xde, 0, 2, 0x10, 0xaa, 0xf0, 0x20, 0x55, 0, 0, 0};
    ASSERT_EQ(rtp_parse(&h, stop, sizeof stop), 0);
    ASSERT_EQ(rtp_ext_find(&h, stop, 1, &d, &len), 1);
    ASSERT_EQ(rtp_ext_find(&h, stop, 2, &d, &len), 0);
    ASSERT_EQ(rtp_ext_find(&h, stop, 15, &d, &len), 0);

    /* element length past the body: not found, and the earlier one still is */
    static const uint8_t over[] = {0x90, 0, 0,    1,    0, 0, 0,    0,    0,    0,
                                   0,    1, 0xbe, 0xde, 0, 1, 0x10, 0xaa, 0x2f, 0x00};
    ASSERT_EQ(rtp_parse(&h, over, sizeof over), 0);
    ASSERT_EQ(rtp_ext_find(&h, over, 1, &d, &len), 1);
    ASSERT_EQ(rtp_ext_find(&h, over, 2, &d, &len), 0);

    /* one-byte id 0 with a nonzero length nibble is a single padding byte */
    static const uint8_t pad0[] = {0x90, 0, 0,    1,    0, 0, 0,    0,    0,    0,
                                   0,    1, 0xbe, 0xde, 0, 1, 0x03, 0x30, 0x07, 0x00};
    ASSERT_EQ(rtp_parse(&h, pad0, sizeof pad0), 0);
    ASSERT_EQ(rtp_ext_find(&h, pad0, 3, &d, &len), 1);
    ASSERT_EQ(len, 1);
    ASSERT_EQ(d[0], 0x07);

    /* two-byte element header cut by the end of the body */
    static const uint8_t cut2[] = {0x90, 0, 0,    1,    0, 0, 0,    0,    0,    0,
                                   0,    1, 0x10, 0x00, 0, 1, 0x00, 0x00, 0x00, 0x07};
    ASSERT_EQ(rtp_parse(&h, cut2, sizeof cut2), 0);
    ASSERT_EQ(rtp_ext_find(&h, cut2, 7, &d, &len), 0);

    /* unknown profile: located, not interpreted, never rewritten */
    uint8_t unk[] = {0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x12, 0x34, 0, 1, 0x10, 0xaa, 0, 0};
    ASSERT_EQ(rtp_parse(&h, unk, sizeof unk), 0);
    ASSERT_EQ(h.ext_profile, 0x1234);
    ASSERT_EQ(h.ext_len, 4);
    ASSERT_EQ(rtp_ext_find(&h, unk, 1, &d, &len), 0);
    uint8_t map[256] = {0};
    rtp_ext_remap(&h, unk, map);
    ASSERT_EQ(unk[16], 0x10);

    /* empty extension body */
    static const uint8_t empty[] = {0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 0};
    ASSERT_EQ(rtp_parse(&h, empty, sizeof empty), 0);
    ASSERT_EQ(h.ext_len, 0);
    ASSERT_EQ(h.header_len, 16);
    ASSERT_EQ(rtp_ext_find(&h, empty, 1, &d, &len), 0);
}

static void test_ext_remap(void) {
    uint8_t b[sizeof opus_pkt];
    memcpy(b, opus_pkt, sizeof b);
    rtp_header h;
    ASSERT_EQ(rtp_parse(&h, b, sizeof b), 0);
    uint8_t map[256] = {0};
    map[1] = 5;  /* audio level moves to 5 */
    map[2] = 0;  /* abs-send-time is blanked */
    map[3] = 15; /* does not fit the one-byte form: blanked */
    map[4] = 4;  /* mid keeps its id */
    rtp_ext_remap(&h, b, map);
    static const uint8_t want[] = {0x50, 0xaa, 0, 0, 0, 0, 0, 0, 0, 0x40, '0', 0x00};
    ASSERT_MEM_EQ(b + 16, want, sizeof want);
    ASSERT_MEM_EQ(b, opus_pkt, 16);
    ASSERT_MEM_EQ(b + 28, opus_pkt + 28, 5);

    rtp_header h2;
    ASSERT_EQ(rtp_parse(&h2, b, sizeof b), 0);
    ASSERT(same_header(&h2, &h));
    const uint8_t *d;
    uint8_t len;
    int voice;
    uint8_t level;
    ASSERT_EQ(rtp_ext_find(&h2, b, 5, &d, &len), 1);
    ASSERT_EQ(rtp_ext_audio_level(d, len, &voice, &level), 0);
    ASSERT_EQ(level, 42);
    ASSERT_EQ(rtp_ext_find(&h2, b, 1, &d, &len), 0);
    ASSERT_EQ(rtp_ext_find(&h2, b, 2, &d, &len), 0);
    ASSERT_EQ(rtp_ext_find(&h2, b, 3, &d, &len), 0);
    ASSERT_EQ(rtp_ext_find(&h2, b, 4, &d, &len), 1);
    ASSERT_EQ(d[0], '0');

    /* two-byte form: 16 -> 200, 5 blanked */
    uint8_t t[sizeof two_byte_pkt];
    memcpy(t, two_byte_pkt, sizeof t);
    ASSERT_EQ(rtp_parse(&h, t, sizeof t), 0);
    memset(map, 0, sizeof map);
    map[16] = 200;
    rtp_ext_remap(&h, t, map);
    static const uint8_t want2[] = {0, 0, 0, 200, 3, 'a', 'b', 'c'};
    ASSERT_MEM_EQ(t + 16, want2, sizeof want2);
    ASSERT_EQ(rtp_parse(&h2, t, sizeof t), 0);
    ASSERT_EQ(rtp_ext_find(&h2, t, 200, &d, &len), 1);
    ASSERT_EQ(len, 3);
    ASSERT_EQ(rtp_ext_find(&h2, t, 16, &d, &len), 0);
    ASSERT_EQ(rtp_ext_find(&h2, t, 5, &d, &len), 0);

    /* identity map changes nothing */
    for (int i = 0; i < 256; i++)
        map[i] = (uint8_t)i;
    memcpy(b, opus_pkt, sizeof b);
    ASSERT_EQ(rtp_parse(&h, b, sizeof b), 0);
    rtp_ext_remap(&h, b, map);
    ASSERT_MEM_EQ(b, opus_pkt, sizeof b);
}

static void test_setters(void) {
    uint8_t b[sizeof opus_pkt];
    memcpy(b, opus_pkt, sizeof b);
    rtp_set_seq(b, 0xabcd);
    rtp_set_timestamp(b, 0x01020304);
    rtp_set_ssrc(b, 0xcafebabe);
    rtp_set_payload_type(b, 96);
    static const uint8_t want[] = {0x90, 0xe0, 0xab, 0xcd, 1, 2, 3, 4, 0xca, 0xfe, 0xba, 0xbe};
    ASSERT_MEM_EQ(b, want, sizeof want);
    ASSERT_MEM_EQ(b + 12, opus_pkt + 12, sizeof b - 12);
    rtp_set_marker(b, 0);
    ASSERT_EQ(b[1], 96);
    rtp_set_payload_type(b, 0xff); /* only 7 bits are taken */
    ASSERT_EQ(b[1], 0x7f);
    rtp_set_marker(b, 1);
    ASSERT_EQ(b[1], 0xff);
}

static void test_typed_readers(void) {
    int voice;
    uint8_t level;
    uint8_t one = 0x7f;
    ASSERT_EQ(rtp_ext_audio_level(&one, 1, &voice, &level), 0);
    ASSERT_EQ(voice, 0);
    ASSERT_EQ(level, 127);
    ASSERT_EQ(rtp_ext_audio_level(&one, 0, &voice, &level), RTP_E_EXT_DATA);

    uint32_t t24;
    static const uint8_t ast[] = {0xff, 0xff, 0xff};
    ASSERT_EQ(rtp_ext_abs_send_time(ast, 3, &t24), 0);
    ASSERT_EQ(t24, 0xffffff);
    ASSERT_EQ(rtp_ext_abs_send_time(ast, 2, &t24), RTP_E_EXT_DATA);
    ASSERT_EQ(rtp_ext_abs_send_time(ast, 4, &t24), RTP_E_EXT_DATA);

    uint16_t seq;
    ASSERT_EQ(rtp_ext_transport_seq(ast, 1, &seq), RTP_E_EXT_DATA);
    ASSERT_EQ(rtp_ext_transport_seq(ast, 2, &seq), 0);
    ASSERT_EQ(seq, 0xffff);

    char s[8];
    ASSERT_EQ(rtp_ext_string((const uint8_t *)"ab\0\0", 4, s, sizeof s), 0);
    ASSERT_STR_EQ(s, "ab");
    ASSERT_EQ(rtp_ext_string((const uint8_t *)"a\x01", 2, s, sizeof s), RTP_E_EXT_DATA);
    ASSERT_STR_EQ(s, "");
    ASSERT_EQ(rtp_ext_string((const uint8_t *)"a b", 3, s, sizeof s), RTP_E_EXT_DATA);
    ASSERT_EQ(rtp_ext_string((const uint8_t *)"a\0b", 3, s, sizeof s), RTP_E_EXT_DATA);
    ASSERT_EQ(rtp_ext_string((const uint8_t *)"\xc3\xa9", 2, s, sizeof s), RTP_E_EXT_DATA);
    ASSERT_EQ(rtp_ext_string((const uint8_t *)"\0", 1, s, sizeof s), RTP_E_EXT_DATA);
    ASSERT_EQ(rtp_ext_string((const uint8_t *)"", 0, s, sizeof s), RTP_E_EXT_DATA);
    ASSERT_EQ(rtp_ext_string((const uint8_t *)"1234567", 7, s, sizeof s), 0);
    ASSERT_STR_EQ(s, "1234567");
    ASSERT_EQ(rtp_ext_string((const uint8_t *)"12345678", 8, s, sizeof s), RTP_E_EXT_DATA);
    ASSERT_EQ(rtp_ext_string((const uint8_t *)"a", 1, s, 0), RTP_E_EXT_DATA);
}

static void test_writers(void) {
    uint8_t d[3];
    uint32_t t24;
    ASSERT_EQ(rtp_ext_write_abs_send_time(d, 1500000), 3); /* 1.5 s */
    ASSERT_EQ(rtp_ext_abs_send_time(d, 3, &t24), 0);
    ASSERT_EQ(t24, 0x060000);
    rtp_ext_write_abs_send_time(d, 64000000); /* wraps every 64 s */
    ASSERT_EQ(rtp_ext_abs_send_time(d, 3, &t24), 0);
    ASSERT_EQ(t24, 0);
    rtp_ext_write_abs_send_time(d, 63999999); /* rounds up into the wrap */
    ASSERT_EQ(rtp_ext_abs_send_time(d, 3, &t24), 0);
    ASSERT_EQ(t24, 0);
    rtp_ext_write_abs_send_time(d, 1000000ull * 86400 * 365 * 50 + 250000); /* large now */
    ASSERT_EQ(rtp_ext_abs_send_time(d, 3, &t24), 0);
    ASSERT_EQ(t24 & 0x3ffff, 0x10000);

    int voice;
    uint8_t level;
    ASSERT_EQ(rtp_ext_write_audio_level(d, 1, 30), 1);
    ASSERT_EQ(d[0], 0x9e);
    rtp_ext_write_audio_level(d, 0, 200); /* clamped to 127 */
    ASSERT_EQ(rtp_ext_audio_level(d, 1, &voice, &level), 0);
    ASSERT_EQ(voice, 0);
    ASSERT_EQ(level, 127);

    ASSERT_EQ(rtp_ext_write_transport_seq(d, 0x0102), 2);
    ASSERT_EQ(d[0], 1);
    ASSERT_EQ(d[1], 2);
}

static void test_build_header(void) {
    /* Rebuild the Chrome-like Opus header byte for byte. */
    rtp_header h = {
        .marker = 1, .payload_type = 111, .seq = 0x1234, .timestamp = 123456, .ssrc = 0xdeadbeef};
    const rtp_ext_elem ext[] = {
        {1, 1, opus_pkt + 17}, {2, 3, opus_pkt + 19}, {3, 2, opus_pkt + 23}, {4, 1, opus_pkt + 26}};
    uint8_t out[64];
    memset(out, 0xee, sizeof out);
    ASSERT_EQ(rtp_build_header(out, sizeof out, &h, ext, 4), 28);
    ASSERT_MEM_EQ(out, opus_pkt, 28);
    ASSERT_EQ(rtp_build_header(out, 27, &h, ext, 4), RTP_E_NOSPACE);
    ASSERT_EQ(rtp_build_header(out, 28, &h, ext, 4), 28);

    /* no extensions */
    h.marker = 0;
    ASSERT_EQ(rtp_build_header(out, 12, &h, NULL, 0), 12);
    static const uint8_t plain[] = {0x80, 0x6f, 0x12, 0x34, 0x00, 0x01,
                                    0xe2, 0x40, 0xde, 0xad, 0xbe, 0xef};
    ASSERT_MEM_EQ(out, plain, 12);
    ASSERT_EQ(rtp_build_header(out, 11, &h, NULL, 0), RTP_E_NOSPACE);

    /* an id above 14 or an empty value selects the two-byte form */
    const rtp_ext_elem two[] = {{5, 0, NULL}, {16, 3, (const uint8_t *)"abc"}};
    memset(out, 0xee, sizeof out);
    ASSERT_EQ(rtp_build_header(out, sizeof out, &h, two, 2), 24);
    static const uint8_t want2[] = {0x10, 0x00, 0x00, 0x02, 5, 0, 16, 3, 'a', 'b', 'c', 0};
    ASSERT_MEM_EQ(out + 12, want2, sizeof want2);
    ASSERT_EQ(out[0], 0x90);
    rtp_header p;
    ASSERT_EQ(rtp_parse(&p, out, 24), 0);
    const uint8_t *d;
    uint8_t len;
    ASSERT_EQ(rtp_ext_find(&p, out, 16, &d, &len), 1);
    ASSERT_EQ(len, 3);
    ASSERT_EQ(rtp_ext_find(&p, out, 5, &d, &len), 1);
    ASSERT_EQ(len, 0);

    const rtp_ext_elem bad_id[] = {{0, 1, (const uint8_t *)"x"}};
    ASSERT_EQ(rtp_build_header(out, sizeof out, &h, bad_id, 1), RTP_E_ARG);
    const rtp_ext_elem no_data[] = {{1, 1, NULL}};
    ASSERT_EQ(rtp_build_header(out, sizeof out, &h, no_data, 1), RTP_E_ARG);
    ASSERT_EQ(rtp_build_header(out, sizeof out, &h, NULL, 1), RTP_E_ARG);
    ASSERT_EQ(rtp_build_header(out, sizeof out, &h, NULL, -1), RTP_E_ARG);

    /* 300 elements of 255 bytes do not fit the 16-bit header length */
    static uint8_t value[255];
    static rtp_ext_elem many[300];
    for (int i = 0; i < 300; i++)
        many[i] = (rtp_ext_elem){(uint8_t)(1 + i % 200), 255, value};
    ASSERT_EQ(rtp_build_header(out, sizeof out, &h, many, 300), RTP_E_TOO_LONG);
    ASSERT_STR_EQ(rtp_strerror(RTP_E_TOO_LONG), "packet longer than 65535 bytes");
}

static void test_demux(void) {
    ASSERT_EQ(rtp_is_rtp(opus_pkt, sizeof opus_pkt), 1);
    ASSERT_EQ(rtp_is_rtcp(opus_pkt, sizeof opus_pkt), 0);
    ASSERT_EQ(rtp_is_rtp(opus_pkt, 11), 0);
    static const uint8_t rr[] = {0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 0};
    ASSERT_EQ(rtp_is_rtcp(rr, sizeof rr), 1);
    ASSERT_EQ(rtp_is_rtcp(rr, 3), 0);
    ASSERT_EQ(rtp_is_rtp(rr, sizeof rr), 0);
    uint8_t b[12] = {0xbf, 192};
    ASSERT_EQ(rtp_is_rtcp(b, 12), 1);
    b[1] = 223;
    ASSERT_EQ(rtp_is_rtcp(b, 12), 1);
    b[1] = 224; /* M=1 PT=96 */
    ASSERT_EQ(rtp_is_rtcp(b, 12), 0);
    ASSERT_EQ(rtp_is_rtp(b, 12), 1);
    b[1] = 191;
    ASSERT_EQ(rtp_is_rtp(b, 12), 1);
    b[0] = 0x7f; /* version 1 */
    ASSERT_EQ(rtp_is_rtp(b, 12), 0);
    b[0] = 0xc0; /* 192: not RTP/RTCP per RFC 7983 */
    ASSERT_EQ(rtp_is_rtp(b, 12), 0);
    b[1] = 200;
    ASSERT_EQ(rtp_is_rtcp(b, 12), 0);
    b[0] = 22; /* DTLS handshake */
    ASSERT_EQ(rtp_is_rtp(b, 12), 0);
    ASSERT_EQ(rtp_is_rtcp(b, 12), 0);
}

static void test_vp8_keyframe(void) {
    /* S=1 PID=0, no extension; key frame tag (P=0) */
    static const uint8_t key[] = {0x10, 0xb0, 0x5b, 0x00, 0x9d, 0x01, 0x2a};
    ASSERT_EQ(rtp_vp8_is_keyframe(key, sizeof key), 1);
    /* X, I with 15-bit picture id (Chrome), key frame */
    static const uint8_t key_x[] = {0x90, 0x80, 0x80, 0x01, 0x50, 0x3c, 0x01, 0x9d};
    ASSERT_EQ(rtp_vp8_is_keyframe(key_x, sizeof key_x), 1);
    /* X with I (7-bit), L, T: interframe (P=1) */
    static const uint8_t inter[] = {0x90, 0xe0, 0x23, 0x05, 0x40, 0xb1, 0x00};
    ASSERT_EQ(rtp_vp8_is_keyframe(inter, sizeof inter), 0);
    /* same with P=0 in the right place, K only */
    static const uint8_t key_k[] = {0x90, 0x10, 0x40, 0x50};
    ASSERT_EQ(rtp_vp8_is_keyframe(key_k, sizeof key_k), 1);
    /* continuation packet (S=0) and another partition (PID=1) */
    static const uint8_t cont[] = {0x00, 0x50};
    ASSERT_EQ(rtp_vp8_is_keyframe(cont, sizeof cont), 0);
    static const uint8_t pid1[] = {0x11, 0x50};
    ASSERT_EQ(rtp_vp8_is_keyframe(pid1, sizeof pid1), 0);
    /* truncated */
    ASSERT_EQ(rtp_vp8_is_keyframe(key, 0), RTP_E_SHORT);
    ASSERT_EQ(rtp_vp8_is_keyframe(key, 1), RTP_E_SHORT);
    ASSERT_EQ(rtp_vp8_is_keyframe(key_x, 1), RTP_E_SHORT);
    ASSERT_EQ(rtp_vp8_is_keyframe(key_x, 2), RTP_E_SHORT);
    ASSERT_EQ(rtp_vp8_is_keyframe(key_x, 3), RTP_E_SHORT);
    ASSERT_EQ(rtp_vp8_is_keyframe(key_x, 4), RTP_E_SHORT);
    ASSERT_EQ(rtp_vp8_is_keyframe(inter, 4), RTP_E_SHORT);
    ASSERT_EQ(rtp_vp8_is_keyframe(inter, 5), RTP_E_SHORT);
    ASSERT_EQ(rtp_vp8_is_keyframe(inter, 6), 0);
}

int main(void) {
    RUN_TEST(test_parse_opus);
    RUN_TEST(test_parse_two_byte);
    RUN_TEST(test_parse_csrc_padding);
    RUN_TEST(test_parse_malformed);
    RUN_TEST(test_ext_edge_cases);
    RUN_TEST(test_ext_remap);
    RUN_TEST(test_setters);
    RUN_TEST(test_typed_readers);
    RUN_TEST(test_writers);
    RUN_TEST(test_build_header);
    RUN_TEST(test_demux);
    RUN_TEST(test_vp8_keyframe);
    TEST_DONE();
}
