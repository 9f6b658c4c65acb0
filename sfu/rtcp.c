/* RTCP codec on raw buffers: see rtcp.h. */
#include "sfu/rtcp.h"

#include <string.h>

#define RTCP_HDR 4
#define RTCP_FB_HDR 12   /* header + sender SSRC + media source SSRC */
#define RTCP_BLOCK 24    /* report block */
#define RTCP_SR_FIXED 28 /* header + SSRC + sender info */
#define RTCP_RR_FIXED 8  /* header + SSRC */
#define RTCP_REMB_FIXED 20
#define RTCP_MAX_RC 31

static inline uint16_t rd16(const uint8_t *p) {
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void rtcp_iter_init(rtcp_iter *it, const uint8_t *b, size_t n) {
    it->buf = b;
    it->len = b ? n : 0;
    it->off = 0;
}

/* Checks the packet at p (rest bytes left in the compound). Returns its
 * length on the wire (> 0) and sets *len without padding, or an error. */
static long check_packet(const uint8_t *p, size_t rest, size_t *len) {
    if (rest < RTCP_HDR) return RTCP_E_SHORT;
    if ((p[0] >> 6) != 2) return RTCP_E_VERSION;
    size_t plen = 4 * ((size_t)rd16(p + 2) + 1);
    if (plen > rest) return RTCP_E_LENGTH;
    *len = plen;
    if (p[0] & 0x20) {
        uint8_t pad = p[plen - 1];
        if (plen != rest || pad == 0 || pad > plen - RTCP_HDR) return RTCP_E_PADDING;
        *len -= pad;
    }
    return (long)plen;
}

int rtcp_iter_next(rtcp_iter *it, rtcp_pkt *out) {
    if (it->off >= it->len) return 0;
    const uint8_t *p = it->buf + it->off;
    size_t len = 0;
    long plen = check_packet(p, it->len - it->off, &len);
    if (plen < 0) {
        it->off = it->len;
        return (int)plen;
    }
    out->pt = p[1];
    out->count = p[0] & 0x1f;
    out->data = p;
    out->len = len;
    it->off += (size_t)plen;
    return 1;
}

const char *rtcp_strerror(int err) {
    switch (err) {
    case 0:
        return "ok";
    case RTCP_E_SHORT:
        return "RTCP packet too short";
    case RTCP_E_VERSION:
        return "RTCP version is not 2";
    case RTCP_E_LENGTH:
        return "RTCP length runs past the end";
    case RTCP_E_PADDING:
        return "invalid RTCP padding";
    case RTCP_E_TYPE:
        return "unexpected RTCP packet type";
    case RTCP_E_COUNT:
        return "RTCP count exceeds the packet";
    case RTCP_E_NOSPACE:
        return "output buffer too small";
    case RTCP_E_ARG:
        return "invalid argument";
    default:
        return "unknown error";
    }
}

static void read_block(const uint8_t *p, rtcp_report_block *b) {
    b->ssrc = rd32(p);
    b->fraction_lost = p[4];
    uint32_t lost = (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    b->cumulative_lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
    b->ext_highest_seq = rd32(p + 8);
    b->jitter = rd32(p + 12);
    b->lsr = rd32(p + 16);
    b->dlsr = rd32(p + 20);
}

static void write_block(uint8_t *p, const rtcp_report_block *b) {
    int32_t lost = b->cumulative_lost;
    if (lost > 0x7fffff) lost = 0x7fffff;
    if (lost < -0x800000) lost = -0x800000;
    uint32_t l24 = (uint32_t)lost & 0xffffff;
    wr32(p, b->ssrc);
    p[4] = b->fraction_lost;
    p[5] = (uint8_t)(l24 >> 16);
    p[6] = (uint8_t)(l24 >> 8);
    p[7] = (uint8_t)l24;
    wr32(p + 8, b->ext_highest_seq);
    wr32(p + 12, b->jitter);
    wr32(p + 16, b->lsr);
    wr32(p + 20, b->dlsr);
}

static inline int cap_count(int count, int max) {
    return max < count ? (max < 0 ? 0 : max) : count;
}

static int read_blocks(const rtcp_pkt *p, size_t fixed, rtcp_report_block *blocks, int max,
                       int *n) {
    if (p->len < fixed) return RTCP_E_SHORT;
    if (fixed + (size_t)p->count * RTCP_BLOCK > p->len) return RTCP_E_COUNT;
    int k = cap_count(p->count, max);
    for (int i = 0; i < k; i++)
        read_block(p->data + fixed + (size_t)i * RTCP_BLOCK, &blocks[i]);
    *n = k;
    return 0;
}

int rtcp_parse_sr(const rtcp_pkt *p, rtcp_sr_info *sr, rtcp_report_block *blocks, int max, int *n) {
    if (p->pt != RTCP_SR) return RTCP_E_TYPE;
    int err = read_blocks(p, RTCP_SR_FIXED, blocks, max, n);
    if (err < 0) return err;
    const uint8_t *d = p->data;
    sr->ssrc = rd32(d + 4);
    sr->ntp = (uint64_t)rd32(d + 8) << 32 | rd32(d + 12);
    sr->rtp_ts = rd32(d + 16);
    sr->packet_count = rd32(d + 20);
    sr->octet_count = rd32(d + 24);
    return 0;
}

int rtcp_parse_rr(const rtcp_pkt *p, uint32_t *sender_ssrc, rtcp_report_block *blocks, int max,
                  int *n) {
    if (p->pt != RTCP_RR) return RTCP_E_TYPE;
    int err = read_blocks(p, RTCP_RR_FIXED, blocks, max, n);
    if (err < 0) return err;
    *sender_ssrc = rd32(p->data + 4);
    return 0;
}

int rtcp_parse_fb(const rtcp_pkt *p, uint32_t *sender_ssrc, uint32_t *media_ssrc) {
    if (p->pt != RTCP_RTPFB && p->pt != RTCP_PSFB) return RTCP_E_TYPE;
    if (p->len < RTCP_FB_HDR) return RTCP_E_SHORT;
    *sender_ssrc = rd32(p->data + 4);
    *media_ssrc = rd32(p->data + 8);
    return 0;
}

/* Checks type, format and fixed size of a feedback packet; returns 0 and
 * the number of whole FCI entries of `entry` bytes, or an error. */
static int fb_entries(const rtcp_pkt *p, uint8_t pt, uint8_t fmt, size_t entry, size_t *count) {
    if (p->pt != pt || p->count != fmt) return RTCP_E_TYPE;
    if (p->len < RTCP_FB_HDR) return RTCP_E_SHORT;
    *count = (p->len - RTCP_FB_HDR) / entry;
    return 0;
}

int rtcp_parse_nack(const rtcp_pkt *p, uint16_t *seqs, int max, int *n) {
    size_t entries;
    int err = fb_entries(p, RTCP_RTPFB, RTCP_FMT_NACK, 4, &entries);
    if (err < 0) return err;
    int k = 0;
    for (size_t i = 0; i < entries && k < max; i++) {
        const uint8_t *e = p->data + RTCP_FB_HDR + 4 * i;
        uint16_t pid = rd16(e), blp = rd16(e + 2);
        seqs[k++] = pid;
        for (int bit = 0; bit < 16 && k < max; bit++)
            if (blp & (1u << bit)) seqs[k++] = (uint16_t)(pid + bit + 1);
    }
    *n = k;
    return 0;
}

int rtcp_parse_fir_seq(const rtcp_pkt *p, uint32_t *ssrcs, uint8_t *seq_nrs, int max, int *n) {
    size_t entries;
    int err = fb_entries(p, RTCP_PSFB, RTCP_FMT_FIR, 8, &entries);
    if (err < 0) return err;
    int k = 0;
    for (; (size_t)k < entries && k < max; k++) {
        const uint8_t *e = p->data + RTCP_FB_HDR + 8 * (size_t)k;
        ssrcs[k] = rd32(e);
        if (seq_nrs) seq_nrs[k] = e[4];
    }
    *n = k;
    return 0;
}

int rtcp_parse_fir(const rtcp_pkt *p, uint32_t *ssrcs, int max, int *n) {
    return rtcp_parse_fir_seq(p, ssrcs, NULL, max, n);
}

int rtcp_parse_remb(const rtcp_pkt *p, uint64_t *bitrate_bps, uint32_t *ssrcs, int max, int *n) {
    if (p->pt != RTCP_PSFB || p->count != RTCP_FMT_AFB) return RTCP_E_TYPE;
    if (p->len < RTCP_REMB_FIXED) return RTCP_E_SHORT;
    const uint8_t *d = p->data;
    if (memcmp(d + 12, "REMB", 4) != 0) return RTCP_E_TYPE;
    size_t num = d[16];
    if (RTCP_REMB_FIXED + 4 * num > p->len) return RTCP_E_COUNT;
    unsigned exp = d[17] >> 2;
    uint64_t mantissa = (uint64_t)(d[17] & 0x03) << 16 | rd16(d + 18);
    if (exp > 0 && (mantissa >> (64 - exp)) != 0)
        *bitrate_bps = UINT64_MAX;
    else
        *bitrate_bps = mantissa << exp;
    int k = cap_count((int)num, max);
    for (int i = 0; i < k; i++)
        ssrcs[i] = rd32(d + RTCP_REMB_FIXED + 4 * (size_t)i);
    *n = k;
    return 0;
}

int rtcp_parse_bye(const rtcp_pkt *p, uint32_t *ssrcs, int max, int *n) {
    if (p->pt != RTCP_BYE) return RTCP_E_TYPE;
    if (RTCP_HDR + 4 * (size_t)p->count > p->len) return RTCP_E_COUNT;
    int k = cap_count(p->count, max);
    for (int i = 0; i < k; i++)
        ssrcs[i] = rd32(p->data + RTCP_HDR + 4 * (size_t)i);
    *n = k;
    return 0;
}

/* Writes the 4-byte common header for a packet of len bytes (a multiple of 4). */
static void write_hdr(uint8_t *out, uint8_t count, uint8_t pt, size_t len) {
    out[0] = (uint8_t)(0x80 | count);
    out[1] = pt;
    wr16(out + 2, (uint16_t)(len / 4 - 1));
}

int rtcp_build_sr(uint8_t *out, size_t cap, const rtcp_sr_info *sr, const rtcp_report_block *b,
                  int n) {
    if (n < 0 || n > RTCP_MAX_RC || (n > 0 && !b)) return RTCP_E_ARG;
    size_t len = RTCP_SR_FIXED + (size_t)n * RTCP_BLOCK;
    if (len > cap) return RTCP_E_NOSPACE;
    write_hdr(out, (uint8_t)n, RTCP_SR, len);
    wr32(out + 4, sr->ssrc);
    wr32(out + 8, (uint32_t)(sr->ntp >> 32));
    wr32(out + 12, (uint32_t)sr->ntp);
    wr32(out + 16, sr->rtp_ts);
    wr32(out + 20, sr->packet_count);
    wr32(out + 24, sr->octet_count);
    for (int i = 0; i < n; i++)
        write_block(out + RTCP_SR_FIXED + (size_t)i * RTCP_BLOCK, &b[i]);
    return (int)len;
}

int rtcp_build_rr(uint8_t *out, size_t cap, uint32_t sender_ssrc, const rtcp_report_block *b,
                  int n) {
    if (n < 0 || n > RTCP_MAX_RC || (n > 0 && !b)) return RTCP_E_ARG;
    size_t len = RTCP_RR_FIXED + (size_t)n * RTCP_BLOCK;
    if (len > cap) return RTCP_E_NOSPACE;
    write_hdr(out, (uint8_t)n, RTCP_RR, len);
    wr32(out + 4, sender_ssrc);
    for (int i = 0; i < n; i++)
        write_block(out + RTCP_RR_FIXED + (size_t)i * RTCP_BLOCK, &b[i]);
    return (int)len;
}

/* Writes the 12-byte feedback header for a packet of len bytes, if it fits. */
static int write_fb(uint8_t *out, size_t cap, uint8_t pt, uint8_t fmt, size_t len,
                    uint32_t sender_ssrc, uint32_t media_ssrc) {
    if (len > cap) return RTCP_E_NOSPACE;
    write_hdr(out, fmt, pt, len);
    wr32(out + 4, sender_ssrc);
    wr32(out + 8, media_ssrc);
    return (int)len;
}

int rtcp_build_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc) {
    return write_fb(out, cap, RTCP_PSFB, RTCP_FMT_PLI, RTCP_FB_HDR, sender_ssrc, media_ssrc);
}

int rtcp_build_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                   uint8_t seq_nr) {
    int len = write_fb(out, cap, RTCP_PSFB, RTCP_FMT_FIR, RTCP_FB_HDR + 8, sender_ssrc, 0);
    if (len < 0) return len;
    wr32(out + 12, media_ssrc);
    out[16] = seq_nr;
    out[17] = out[18] = out[19] = 0;
    return len;
}

/* Distance of s after base in [-32768, 32767]. */
static inline int32_t seq_diff(uint16_t s, uint16_t base) {
    int32_t d = (uint16_t)(s - base);
    return d >= 32768 ? d - 65536 : d;
}

int rtcp_build_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                    const uint16_t *seqs, int n) {
    if (n < 1 || !seqs) return RTCP_E_ARG;
    if (cap < RTCP_FB_HDR) return RTCP_E_NOSPACE;
    /* Greedy without sorting or allocation: each entry starts at the earliest
     * sequence number not yet covered and takes the 16 after it in its BLP.
     * O(n * entries), fine for the short lists a NACK tracker emits. */
    uint16_t base = seqs[0];
    int32_t covered = -32769; /* distances <= covered are packed */
    size_t len = RTCP_FB_HDR;
    for (;;) {
        int32_t pid = INT32_MAX;
        for (int i = 0; i < n; i++) {
            int32_t d = seq_diff(seqs[i], base);
            if (d > covered && d < pid) pid = d;
        }
        if (pid == INT32_MAX) break;
        uint16_t blp = 0;
        for (int i = 0; i < n; i++) {
            int32_t d = seq_diff(seqs[i], base);
            if (d > pid && d <= pid + 16) blp |= (uint16_t)(1u << (d - pid - 1));
        }
        if (cap - len < 4 || len + 4 > 4 * 65536u) return RTCP_E_NOSPACE;
        wr16(out + len, (uint16_t)(base + pid));
        wr16(out + len + 2, blp);
        len += 4;
        covered = pid + 16;
    }
    return write_fb(out, cap, RTCP_RTPFB, RTCP_FMT_NACK, len, sender_ssrc, media_ssrc);
}

int rtcp_build_remb(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint64_t bitrate_bps,
                    const uint32_t *ssrcs, int n) {
    if (n < 0 || n > 255 || (n > 0 && !ssrcs)) return RTCP_E_ARG;
    size_t len = RTCP_REMB_FIXED + 4 * (size_t)n;
    int err = write_fb(out, cap, RTCP_PSFB, RTCP_FMT_AFB, len, sender_ssrc, 0);
    if (err < 0) return err;
    unsigned exp = 0;
    while ((bitrate_bps >> exp) > 0x3ffff)
        exp++;
    uint32_t mantissa = (uint32_t)(bitrate_bps >> exp);
    memcpy(out + 12, "REMB", 4);
    out[16] = (uint8_t)n;
    out[17] = (uint8_t)(exp << 2 | mantissa >> 16);
    wr16(out + 18, (uint16_t)mantissa);
    for (int i = 0; i < n; i++)
        wr32(out + RTCP_REMB_FIXED + 4 * (size_t)i, ssrcs[i]);
    return (int)len;
}

int rtcp_build_bye(uint8_t *out, size_t cap, const uint32_t *ssrcs, int n) {
    if (n < 0 || n > RTCP_MAX_RC || (n > 0 && !ssrcs)) return RTCP_E_ARG;
    size_t len = RTCP_HDR + 4 * (size_t)n;
    if (len > cap) return RTCP_E_NOSPACE;
    write_hdr(out, (uint8_t)n, RTCP_BYE, len);
    for (int i = 0; i < n; i++)
        wr32(out + RTCP_HDR + 4 * (size_t)i, ssrcs[i]);
    return (int)len;
}

int rtcp_build_sdes_cname(uint8_t *out, size_t cap, uint32_t ssrc, const char *cname) {
    size_t clen = cname ? strlen(cname) : 0;
    if (clen < 1 || clen > 255) return RTCP_E_ARG;
    /* chunk: SSRC, item (type 1, length, text), then at least one zero
     * octet ending the item list, padded to 32 bits */
    size_t items = (2 + clen + 1 + 3) & ~(size_t)3;
    size_t len = RTCP_HDR + 4 + items;
    if (len > cap) return RTCP_E_NOSPACE;
    write_hdr(out, 1, RTCP_SDES, len);
    wr32(out + 4, ssrc);
    out[8] = 1; /* CNAME */
    out[9] = (uint8_t)clen;
    memcpy(out + 10, cname, clen);
    memset(out + 10 + clen, 0, items - 2 - clen);
    return (int)len;
}
