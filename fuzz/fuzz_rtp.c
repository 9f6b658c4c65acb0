/* libFuzzer target for the RTP codec: parse, look up every extension id,
 * run the typed readers, rebuild the header from the elements found, and
 * remap ids on a copy, which must still parse to the same header. */
#include "sfu/rtp.h"

#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) abort();                                                                         \
    } while (0)

static int same_header(const rtp_header *a, const rtp_header *b) {
    return a->version == b->version && a->padding == b->padding && a->extension == b->extension &&
           a->csrc_count == b->csrc_count && a->marker == b->marker &&
           a->payload_type == b->payload_type && a->seq == b->seq && a->timestamp == b->timestamp &&
           a->ssrc == b->ssrc && a->header_len == b->header_len &&
           a->ext_profile == b->ext_profile && a->ext_offset == b->ext_offset &&
           a->ext_len == b->ext_len && a->payload_offset == b->payload_offset &&
           a->payload_len == b->payload_len && a->padding_len == b->padding_len;
}

static void read_element(uint8_t id, const uint8_t *d, uint8_t len) {
    int voice;
    uint8_t level;
    uint32_t t24;
    uint16_t seq;
    char s[64];
    if (rtp_ext_audio_level(d, len, &voice, &level) == 0)
        CHECK(level <= 127 && (voice == 0 || voice == 1));
    if (rtp_ext_abs_send_time(d, len, &t24) == 0) CHECK(t24 <= 0xffffff);
    (void)rtp_ext_transport_seq(d, len, &seq);
    int r = rtp_ext_string(d, len, s, sizeof s);
    CHECK((r == RTP_E_EXT_DATA && s[0] == '\0') || (r == 0 && s[0] != '\0' && strlen(s) <= len));
    (void)id;
}

/* Rebuilds a header from the elements found (each id once, in id order)
 * and checks that every one is found again with the same bytes. */
static void rebuild(const rtp_header *h, const uint8_t *b, const rtp_ext_elem *el, int n) {
    static uint8_t out[65536];
    int len = rtp_build_header(out, sizeof out, h, el, n);
    CHECK(len >= RTP_HEADER_MIN);
    rtp_header g;
    CHECK(rtp_parse(&g, out, (size_t)len) == 0);
    CHECK(g.seq == h->seq && g.ssrc == h->ssrc && g.timestamp == h->timestamp);
    CHECK(g.marker == h->marker && g.payload_type == h->payload_type && g.payload_len == 0);
    for (int i = 0; i < n; i++) {
        const uint8_t *d;
        uint8_t dl;
        CHECK(rtp_ext_find(&g, out, el[i].id, &d, &dl) == 1);
        CHECK(dl == el[i].len && memcmp(d, el[i].data, dl) == 0);
    }
    (void)b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static uint8_t copy[65536];
    static rtp_ext_elem found[256];
    (void)rtp_is_rtcp(data, size);
    int is_rtp = rtp_is_rtp(data, size);

    rtp_header h;
    if (rtp_parse(&h, data, size) != 0) return 0;
    CHECK(is_rtp || rtp_is_rtcp(data, size));
    CHECK((size_t)h.header_len + h.payload_len + h.padding_len == size);
    CHECK(h.payload_offset == h.header_len);
    CHECK((size_t)h.ext_offset + h.ext_len <= h.header_len);

    int n = 0;
    for (int id = 0; id < 256; id++) {
        const uint8_t *d;
        uint8_t len;
        if (!rtp_ext_find(&h, data, (uint8_t)id, &d, &len)) continue;
        CHECK(id != 0);
        CHECK(d >= data + h.ext_offset && d + len <= data + h.ext_offset + h.ext_len);
        read_element((uint8_t)id, d, len);
        found[n++] = (rtp_ext_elem){(uint8_t)id, len, d};
    }
    rebuild(&h, data, found, n);
    (void)rtp_vp8_is_keyframe(data + h.payload_offset, h.payload_len);

    /* remap: blank every third id, move others (some beyond the one-byte range) */
    uint8_t map[256];
    for (int i = 0; i < 256; i++)
        map[i] = i % 3 == 0 ? 0 : (uint8_t)(i * 7 + 3);
    memcpy(copy, data, size);
    rtp_ext_remap(&h, copy, map);
    rtp_header h2;
    CHECK(rtp_parse(&h2, copy, size) == 0);
    CHECK(same_header(&h, &h2));
    CHECK(memcmp(copy + h.payload_offset, data + h.payload_offset, size - h.payload_offset) == 0);
    for (int id = 1; id < 256; id++) {
        const uint8_t *d;
        uint8_t len;
        if (rtp_ext_find(&h2, copy, (uint8_t)id, &d, &len)) CHECK(id != 0);
    }
    /* a remapped element never keeps an id that was mapped to 0 */
    for (int id = 3; id < 256; id += 3) {
        const uint8_t *d;
        uint8_t len;
        int kept = 0;
        for (int j = 1; j < 256; j++)
            if (map[j] == id) kept = 1;
        if (!kept) CHECK(!rtp_ext_find(&h2, copy, (uint8_t)id, &d, &len));
    }

    rtp_set_seq(copy, (uint16_t)(h.seq + 1));
    rtp_set_payload_type(copy, 96);
    CHECK(rtp_parse(&h2, copy, size) == 0 && h2.seq == (uint16_t)(h.seq + 1));
    CHECK(h2.payload_type == 96 && h2.marker == h.marker);
    return 0;
}
