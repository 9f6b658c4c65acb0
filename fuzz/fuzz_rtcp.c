/* libFuzzer target for the RTCP codec: iterate a compound packet and call
 * every parser on every packet; where a parser succeeds, build the packet
 * again and check it round-trips. */
#include "sfu/rtcp.h"

#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) abort();                                                                         \
    } while (0)

static uint8_t out[4096];

static void check_reports(const rtcp_pkt *p) {
    rtcp_sr_info sr;
    rtcp_report_block b[31];
    uint32_t ssrc;
    int n = -1;
    if (rtcp_parse_sr(p, &sr, b, 31, &n) == 0) {
        CHECK(n == p->count);
        int len = rtcp_build_sr(out, sizeof out, &sr, b, n);
        CHECK(len == 28 + 24 * n);
        /* identical unless the packet carries a profile extension or padding */
        if ((size_t)len == p->len && !(p->data[0] & 0x20)) CHECK(memcmp(out, p->data, p->len) == 0);
    }
    if (rtcp_parse_rr(p, &ssrc, b, 31, &n) == 0) {
        CHECK(n == p->count);
        int len = rtcp_build_rr(out, sizeof out, ssrc, b, n);
        CHECK(len == 8 + 24 * n);
        if ((size_t)len == p->len && !(p->data[0] & 0x20)) CHECK(memcmp(out, p->data, p->len) == 0);
    }
    (void)rtcp_parse_sr(p, &sr, NULL, 0, &n);
    (void)rtcp_parse_rr(p, &ssrc, NULL, 0, &n);
}

static int contains(const uint16_t *s, int n, uint16_t v) {
    for (int i = 0; i < n; i++)
        if (s[i] == v) return 1;
    return 0;
}

static void check_nack(const rtcp_pkt *p, uint32_t sender, uint32_t media) {
    static uint16_t seqs[64], again[64 * 17];
    int n = 0, m = 0;
    if (rtcp_parse_nack(p, seqs, 64, &n) != 0 || n == 0 || n == 64) return;
    int len = rtcp_build_nack(out, sizeof out, sender, media, seqs, n);
    CHECK(len >= 16);
    rtcp_iter it;
    rtcp_pkt q;
    rtcp_iter_init(&it, out, (size_t)len);
    CHECK(rtcp_iter_next(&it, &q) == 1);
    CHECK(rtcp_parse_nack(&q, again, 64 * 17, &m) == 0);
    /* the same set: each rebuilt number was asked for, and each asked once */
    CHECK(m <= n);
    for (int i = 0; i < m; i++)
        CHECK(contains(seqs, n, again[i]));
    for (int i = 0; i < n; i++)
        CHECK(contains(again, m, seqs[i]));
}

static void check_psfb(const rtcp_pkt *p, uint32_t sender) {
    uint32_t ssrcs[255], again[255];
    uint8_t seq_nrs[8];
    uint64_t bps, bps2;
    int n, m;
    (void)rtcp_parse_fir(p, ssrcs, 8, &n);
    (void)rtcp_parse_fir_seq(p, ssrcs, seq_nrs, 8, &n);
    (void)rtcp_parse_fir_seq(p, ssrcs, NULL, 8, &n);
    if (rtcp_parse_remb(p, &bps, ssrcs, 255, &n) == 0 && bps != UINT64_MAX) {
        int len = rtcp_build_remb(out, sizeof out, sender, bps, ssrcs, n);
        CHECK(len == 20 + 4 * n);
        rtcp_iter it;
        rtcp_pkt q;
        rtcp_iter_init(&it, out, (size_t)len);
        CHECK(rtcp_iter_next(&it, &q) == 1);
        CHECK(rtcp_parse_remb(&q, &bps2, again, 255, &m) == 0);
        CHECK(bps2 == bps && m == n && memcmp(again, ssrcs, 4 * (size_t)n) == 0);
    }
    (void)rtcp_parse_remb(p, &bps, NULL, 0, &n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rtcp_iter it;
    rtcp_pkt p;
    int r;
    size_t total = 0;
    rtcp_iter_init(&it, data, size);
    while ((r = rtcp_iter_next(&it, &p)) == 1) {
        CHECK(p.len >= 4 && p.data >= data && p.data + p.len <= data + size);
        CHECK(p.data == data + total);
        total += 4 * ((size_t)(p.data[2] << 8 | p.data[3]) + 1);
        CHECK(total <= size);

        check_reports(&p);
        uint32_t sender = 0, media = 0, ssrcs[31];
        int n;
        if (rtcp_parse_fb(&p, &sender, &media) == 0) CHECK(p.pt == RTCP_RTPFB || p.pt == RTCP_PSFB);
        check_nack(&p, sender, media);
        check_psfb(&p, sender);
        if (rtcp_parse_bye(&p, ssrcs, 31, &n) == 0) CHECK(n == p.count);
        (void)rtcp_parse_bye(&p, NULL, 0, &n);
    }
    CHECK(r <= 0);
    CHECK(rtcp_iter_next(&it, &p) == 0);
    if (r == 0) CHECK(total == size);
    return 0;
}
