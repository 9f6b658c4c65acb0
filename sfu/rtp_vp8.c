/* VP8 payload descriptor and picture-number rewrite; see rtp_vp8.h. */
#include "sfu/rtp_vp8.h"

#include <string.h>

int rtp_vp8_desc_parse(const uint8_t *p, size_t len, rtp_vp8_desc *d) {
    memset(d, 0, sizeof *d);
    if (len < 1) return -1;
    size_t off = 1;
    d->non_ref = (p[0] >> 5) & 1;
    d->start = (p[0] >> 4) & 1;
    d->pid = p[0] & 0x07;
    if (p[0] & 0x80) { /* X */
        if (len < 2) return -1;
        uint8_t x = p[1];
        off = 2;
        if (x & 0x80) { /* I */
            if (off >= len) return -1;
            d->has_picture_id = 1;
            if (p[off] & 0x80) { /* M: 15 bits */
                if (off + 1 >= len) return -1;
                d->picture_id_bits = 15;
                d->picture_id = (uint16_t)((p[off] & 0x7f) << 8 | p[off + 1]);
                off += 2;
            } else {
                d->picture_id_bits = 7;
                d->picture_id = p[off] & 0x7f;
                off += 1;
            }
        }
        if (x & 0x40) { /* L */
            if (off >= len) return -1;
            d->has_tl0 = 1;
            d->tl0picidx = p[off++];
        }
        if (x & 0x30) { /* T or K share one byte */
            if (off >= len) return -1;
            if (x & 0x20) {
                d->has_tid = 1;
                d->tid = p[off] >> 6;
                d->layer_sync = (p[off] >> 5) & 1;
            }
            if (x & 0x10) {
                d->has_keyidx = 1;
                d->keyidx = p[off] & 0x1f;
            }
            off++;
        }
    }
    if (off >= len) return -1; /* a descriptor without payload */
    d->header_len = off;
    d->keyframe = d->start && d->pid == 0 && (p[off] & 0x01) == 0;
    return 0;
}

/* Offset of the PictureID field: right after the X byte. */
void rtp_vp8_desc_set_picture_id(uint8_t *p, const rtp_vp8_desc *d, uint16_t v) {
    if (!d->has_picture_id) return;
    if (d->picture_id_bits == 15) {
        p[2] = (uint8_t)(0x80 | ((v >> 8) & 0x7f));
        p[3] = (uint8_t)v;
    } else {
        p[2] = (uint8_t)(v & 0x7f);
    }
}

void rtp_vp8_desc_set_tl0picidx(uint8_t *p, const rtp_vp8_desc *d, uint8_t v) {
    if (!d->has_tl0) return;
    size_t off = 2 + (d->has_picture_id ? (d->picture_id_bits == 15 ? 2 : 1) : 0);
    p[off] = v;
}

void rtp_vp8_munger_init(rtp_vp8_munger *m) {
    memset(m, 0, sizeof *m);
}

/* a is after b in a circular space of mask + 1 numbers. */
static int newer(unsigned a, unsigned b, unsigned mask) {
    unsigned d = (a - b) & mask;
    return d != 0 && d <= mask / 2;
}

int rtp_vp8_munge(rtp_vp8_munger *m, uint32_t src_ssrc, uint8_t *payload, size_t len) {
    rtp_vp8_desc d;
    if (rtp_vp8_desc_parse(payload, len, &d) != 0) return -1;
    if (!m->started) {
        m->started = 1;
        m->src_ssrc = src_ssrc;
    } else if (src_ssrc != m->src_ssrc) {
        m->src_ssrc = src_ssrc;
        m->switches++;
        if (d.has_picture_id && m->have_pid)
            m->pid_offset = (uint16_t)(m->last_out_pid + 1u - d.picture_id);
        if (d.has_tl0 && m->have_tl0) m->tl0_offset = (uint8_t)(m->last_out_tl0 + 1u - d.tl0picidx);
    }
    if (d.has_picture_id) {
        unsigned mask = d.picture_id_bits == 15 ? 0x7fff : 0x7f;
        uint16_t out = (uint16_t)((d.picture_id + m->pid_offset) & mask);
        rtp_vp8_desc_set_picture_id(payload, &d, out);
        if (!m->have_pid || newer(out, m->last_out_pid & mask, mask)) m->last_out_pid = out;
        m->have_pid = 1;
    }
    if (d.has_tl0) {
        uint8_t out = (uint8_t)(d.tl0picidx + m->tl0_offset);
        rtp_vp8_desc_set_tl0picidx(payload, &d, out);
        if (!m->have_tl0 || newer(out, m->last_out_tl0, 0xff)) m->last_out_tl0 = out;
        m->have_tl0 = 1;
    }
    return 0;
}
