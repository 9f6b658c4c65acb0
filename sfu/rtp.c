/* RTP codec on raw buffers: see rtp.h. */
#include "sfu/rtp.h"

#include <string.h>

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

int rtp_is_rtcp(const uint8_t *b, size_t n) {
    return n >= 4 && b[0] >= 128 && b[0] <= 191 && b[1] >= 192 && b[1] <= 223;
}

int rtp_is_rtp(const uint8_t *b, size_t n) {
    return n >= RTP_HEADER_MIN && b[0] >= 128 && b[0] <= 191 && !(b[1] >= 192 && b[1] <= 223);
}

int rtp_parse(rtp_header *h, const uint8_t *b, size_t n) {
    if (n < RTP_HEADER_MIN) return RTP_E_SHORT;
    if (n > UINT16_MAX) return RTP_E_TOO_LONG;
    h->version = b[0] >> 6;
    if (h->version != 2) return RTP_E_VERSION;
    h->padding = (b[0] >> 5) & 1;
    h->extension = (b[0] >> 4) & 1;
    h->csrc_count = b[0] & 0x0f;
    h->marker = b[1] >> 7;
    h->payload_type = b[1] & 0x7f;
    h->seq = rd16(b + 2);
    h->timestamp = rd32(b + 4);
    h->ssrc = rd32(b + 8);

    size_t off = RTP_HEADER_MIN + 4u * h->csrc_count;
    if (off > n) return RTP_E_CSRC;
    h->ext_profile = 0;
    h->ext_offset = 0;
    h->ext_len = 0;
    if (h->extension) {
        if (n - off < 4) return RTP_E_EXT;
        size_t body = 4u * rd16(b + off + 2);
        if (body > n - off - 4) return RTP_E_EXT;
        h->ext_profile = rd16(b + off);
        h->ext_offset = (uint16_t)(off + 4);
        h->ext_len = (uint16_t)body;
        off += 4 + body;
    }
    h->header_len = (uint16_t)off;
    h->payload_offset = (uint16_t)off;

    size_t rest = n - off;
    h->padding_len = 0;
    if (h->padding) {
        uint8_t pad = b[n - 1];
        if (pad == 0 || pad > rest) return RTP_E_PADDING;
        h->padding_len = pad;
        rest -= pad;
    }
    h->payload_len = (uint16_t)rest;
    return 0;
}

const char *rtp_strerror(int err) {
    switch (err) {
    case 0:
        return "ok";
    case RTP_E_SHORT:
        return "packet shorter than the RTP header";
    case RTP_E_VERSION:
        return "RTP version is not 2";
    case RTP_E_CSRC:
        return "CSRC list runs past the end";
    case RTP_E_EXT:
        return "header extension runs past the end";
    case RTP_E_PADDING:
        return "invalid padding length";
    case RTP_E_TOO_LONG:
        return "packet longer than 65535 bytes";
    case RTP_E_EXT_DATA:
        return "malformed header extension element";
    case RTP_E_NOSPACE:
        return "output buffer too small";
    case RTP_E_ARG:
        return "invalid argument";
    default:
        return "unknown error";
    }
}

static inline int is_one_byte(const rtp_header *h) {
    return h->extension && h->ext_profile == RTP_EXT_ONE_BYTE;
}
static inline int is_two_byte(const rtp_header *h) {
    return h->extension && (h->ext_profile & 0xfff0) == RTP_EXT_TWO_BYTE;
}

/* Walks the elements of the extension body. For each well-formed element,
 * sets *id, *hdr (1 or 2 header bytes) and *len, and returns its offset
 * from the body start; returns -1 at the end (end of body, one-byte id 15,
 * or an element that would run past the body). *pos is the walk cursor. */
static int next_elem(const uint8_t *body, size_t body_len, int two_byte, size_t *pos, uint8_t *id,
                     size_t *hdr, size_t *len) {
    size_t p = *pos;
    /* Padding: a zero byte (two-byte form), any byte with id 0 (one-byte form). */
    uint8_t pad_mask = two_byte ? 0xff : 0xf0;
    while (p < body_len && (body[p] & pad_mask) == 0)
        p++;
    if (p >= body_len) return -1;
    if (two_byte) {
        if (body_len - p < 2) return -1;
        *id = body[p];
        *hdr = 2;
        *len = body[p + 1];
    } else {
        *id = body[p] >> 4;
        if (*id == 15) return -1;
        *hdr = 1;
        *len = (size_t)(body[p] & 0x0f) + 1;
    }
    if (*len > body_len - p - *hdr) return -1;
    *pos = p + *hdr + *len;
    return (int)p;
}

int rtp_ext_find(const rtp_header *h, const uint8_t *b, uint8_t id, const uint8_t **data,
                 uint8_t *len) {
    int two = is_two_byte(h);
    if (id == 0 || (!two && (!is_one_byte(h) || id > 14))) return 0;
    const uint8_t *body = b + h->ext_offset;
    size_t pos = 0, hdr, elen;
    uint8_t eid;
    int at;
    while ((at = next_elem(body, h->ext_len, two, &pos, &eid, &hdr, &elen)) >= 0) {
        if (eid == id) {
            *data = body + at + hdr;
            *len = (uint8_t)elen;
            return 1;
        }
    }
    return 0;
}

void rtp_ext_remap(const rtp_header *h, uint8_t *b, const uint8_t map[256]) {
    int two = is_two_byte(h);
    if (!two && !is_one_byte(h)) return;
    uint8_t *body = b + h->ext_offset;
    size_t pos = 0, hdr, elen;
    uint8_t eid;
    int at;
    while ((at = next_elem(body, h->ext_len, two, &pos, &eid, &hdr, &elen)) >= 0) {
        uint8_t to = map[eid];
        if (to == eid) continue;
        if (to == 0 || (!two && to > 14))
            memset(body + at, 0, hdr + elen);
        else if (two)
            body[at] = to;
        else
            body[at] = (uint8_t)(to << 4 | (body[at] & 0x0f));
    }
}

int rtp_ext_audio_level(const uint8_t *d, uint8_t len, int *voice, uint8_t *level_dbov) {
    if (len < 1) /* one byte; some senders pad the element, extra bytes are ignored */
        return RTP_E_EXT_DATA;
    *voice = d[0] >> 7;
    *level_dbov = d[0] & 0x7f;
    return 0;
}

int rtp_ext_abs_send_time(const uint8_t *d, uint8_t len, uint32_t *t24) {
    if (len != 3) return RTP_E_EXT_DATA;
    *t24 = (uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2];
    return 0;
}

int rtp_ext_transport_seq(const uint8_t *d, uint8_t len, uint16_t *seq) {
    if (len < 2) /* 2 bytes; the -02 draft may append a 2-byte feedback request */
        return RTP_E_EXT_DATA;
    *seq = rd16(d);
    return 0;
}

int rtp_ext_string(const uint8_t *d, uint8_t len, char *out, size_t cap) {
    size_t n = len;
    while (n > 0 && d[n - 1] == 0)
        n--;
    if (cap > 0) out[0] = '\0';
    if (n == 0 || n >= cap) return RTP_E_EXT_DATA;
    for (size_t i = 0; i < n; i++)
        if (d[i] < 0x21 || d[i] > 0x7e) return RTP_E_EXT_DATA;
    memcpy(out, d, n);
    out[n] = '\0';
    return 0;
}

int rtp_ext_write_abs_send_time(uint8_t d[3], uint64_t now_us) {
    /* 6 bits of seconds, 18 of fraction, rounded to nearest. */
    uint64_t frac = ((now_us % 1000000u) << 18) + 500000u;
    uint32_t v = (uint32_t)(((now_us / 1000000u) << 18) + frac / 1000000u) & 0xffffff;
    d[0] = (uint8_t)(v >> 16);
    d[1] = (uint8_t)(v >> 8);
    d[2] = (uint8_t)v;
    return 3;
}

int rtp_ext_write_audio_level(uint8_t d[1], int voice, uint8_t level_dbov) {
    d[0] = (uint8_t)((voice ? 0x80 : 0) | (level_dbov > 127 ? 127 : level_dbov));
    return 1;
}

int rtp_ext_write_transport_seq(uint8_t d[2], uint16_t seq) {
    wr16(d, seq);
    return 2;
}

int rtp_build_header(uint8_t *out, size_t cap, const rtp_header *h, const rtp_ext_elem *ext,
                     int n_ext) {
    if (n_ext < 0 || (n_ext > 0 && !ext)) return RTP_E_ARG;
    int two = 0;
    size_t body = 0;
    for (int i = 0; i < n_ext; i++) {
        if (ext[i].id == 0 || (ext[i].len > 0 && !ext[i].data)) return RTP_E_ARG;
        if (ext[i].id > 14 || ext[i].len == 0 || ext[i].len > 16) two = 1;
        body += ext[i].len;
    }
    body += (size_t)n_ext * (two ? 2 : 1);
    size_t padded = (body + 3) & ~(size_t)3;
    size_t total = RTP_HEADER_MIN + (n_ext > 0 ? 4 + padded : 0);
    if (total > UINT16_MAX) return RTP_E_TOO_LONG;
    if (total > cap) return RTP_E_NOSPACE;

    out[0] = (uint8_t)(0x80 | (n_ext > 0 ? 0x10 : 0));
    out[1] = (uint8_t)((h->marker ? 0x80 : 0) | (h->payload_type & 0x7f));
    rtp_set_seq(out, h->seq);
    rtp_set_timestamp(out, h->timestamp);
    rtp_set_ssrc(out, h->ssrc);
    if (n_ext == 0) return RTP_HEADER_MIN;

    uint8_t *p = out + RTP_HEADER_MIN;
    wr16(p, two ? RTP_EXT_TWO_BYTE : RTP_EXT_ONE_BYTE);
    wr16(p + 2, (uint16_t)(padded / 4));
    p += 4;
    for (int i = 0; i < n_ext; i++) {
        if (two) {
            *p++ = ext[i].id;
            *p++ = ext[i].len;
        } else {
            *p++ = (uint8_t)(ext[i].id << 4 | (ext[i].len - 1));
        }
        if (ext[i].len > 0) memcpy(p, ext[i].data, ext[i].len);
        p += ext[i].len;
    }
    memset(p, 0, padded - body);
    return (int)total;
}

int rtp_vp8_is_keyframe(const uint8_t *payload, size_t len) {
    if (len < 1) return RTP_E_SHORT;
    uint8_t b0 = payload[0];
    size_t off = 1;
    if (b0 & 0x80) { /* X: extended control bits follow */
        if (len < 2) return RTP_E_SHORT;
        uint8_t x = payload[1];
        off = 2;
        if (x & 0x80) { /* I: PictureID, 7 or 15 bits (M) */
            if (len <= off) return RTP_E_SHORT;
            off += (payload[off] & 0x80) ? 2 : 1;
        }
        if (x & 0x40) /* L: TL0PICIDX */
            off++;
        if (x & 0x30) /* T or K: TID/Y/KEYIDX */
            off++;
    }
    if (off > len) return RTP_E_SHORT;
    if (!(b0 & 0x10) || (b0 & 0x07) != 0) /* not the start of partition 0 */
        return 0;
    if (off >= len) return RTP_E_SHORT;
    return (payload[off] & 0x01) == 0; /* P bit of the frame tag: 0 = key frame */
}
