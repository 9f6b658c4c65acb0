/* The subscriber side of one track; see forwarder.h. */
#include "sfu/forwarder.h"

#include <stdlib.h>
#include <string.h>

uint8_t forwarder_codec_pt(sfu_codec c) {
    switch (c) {
    case SFU_CODEC_OPUS:
        return SFU_PT_OPUS;
    case SFU_CODEC_VP8:
        return SFU_PT_VP8;
    case SFU_CODEC_VP9:
        return SFU_PT_VP9;
    case SFU_CODEC_H264:
        return SFU_PT_H264;
    }
    return SFU_PT_VP8;
}

forwarder *forwarder_new(track *src, uint32_t out_ssrc) {
    forwarder *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->src = src;
    f->out_pt = forwarder_codec_pt(src->codec);
    f->rtt_us = FORWARDER_RTX_DEFAULT_RTT_US;
    rtp_rewrite_init(&f->rw, out_ssrc, src->clock_rate);
    if (track_add_forwarder(src, f) != 0) {
        free(f);
        return NULL;
    }
    return f;
}

void forwarder_free(forwarder *f) {
    if (!f) return;
    track_remove_forwarder(f->src, f);
    free(f);
}

void forwarder_update_ext_map(forwarder *f) {
    for (int i = 0; i < 256; i++) {
        uint8_t id = f->src->ext_map_template[i];
        f->ext_map[i] = (id && id < 32 && (f->accepted_exts & (1u << id))) ? id : 0;
    }
}

void forwarder_set_rtt(forwarder *f, uint32_t rtt_us) {
    f->rtt_us = rtt_us;
}

/* Copies a packet of the current source with the subscriber's numbering. */
static void write_packet(const forwarder *f, const rtp_header *h, const uint8_t *in, size_t len,
                         uint16_t seq, uint32_t ts, uint8_t *out) {
    memcpy(out, in, len);
    if (h->ext_len) rtp_ext_remap(h, out, f->ext_map);
    rtp_set_seq(out, seq);
    rtp_set_timestamp(out, ts);
    rtp_set_ssrc(out, f->rw.out_ssrc);
    rtp_set_payload_type(out, f->out_pt);
}

static void account_rate(forwarder *f, size_t len, uint64_t now_us) {
    if (!f->win_start_us) f->win_start_us = now_us;
    f->win_bytes += len;
    uint64_t span = now_us - f->win_start_us;
    if (span < FORWARDER_RATE_WINDOW_US) return;
    double r = (double)f->win_bytes * 1e6 / (double)span;
    f->rate_bps = f->rate_bps > 0 ? 0.5 * f->rate_bps + 0.5 * r : r;
    f->win_start_us = now_us;
    f->win_bytes = 0;
}

int forwarder_rewrite(forwarder *f, const rtp_header *h, const uint8_t *in, size_t len,
                      uint64_t now_us, uint8_t *out, size_t cap) {
    uint16_t seq;
    uint32_t ts;
    if (len > cap ||
        rtp_rewrite_packet(&f->rw, h->ssrc, h->seq, h->timestamp, now_us, &seq, &ts) != 0)
        return -1;
    write_packet(f, h, in, len, seq, ts, out);
    f->packets++;
    f->bytes += h->payload_len;
    account_rate(f, len, now_us);
    return (int)len;
}

/* Token bucket over bytes: refills at a share of the send rate. */
static int rtx_budget_take(forwarder *f, size_t len, uint64_t now_us) {
    double rate = f->rate_bps * FORWARDER_RTX_SHARE;
    if (rate < FORWARDER_RTX_MIN_BPS) rate = FORWARDER_RTX_MIN_BPS;
    double burst = rate * 0.2 + TRACK_RING_SLOT_BYTES; /* 200 ms worth, and one packet */
    if (!f->rtx_last_us)
        f->rtx_tokens = burst;
    else if (now_us > f->rtx_last_us)
        f->rtx_tokens += (double)(now_us - f->rtx_last_us) * rate / 1e6;
    if (f->rtx_tokens > burst) f->rtx_tokens = burst;
    f->rtx_last_us = now_us;
    if (f->rtx_tokens < (double)len) return 0;
    f->rtx_tokens -= (double)len;
    return 1;
}

forwarder_rtx_result forwarder_retransmit(forwarder *f, uint16_t out_seq, uint64_t now_us,
                                          uint8_t *out, size_t cap, size_t *len) {
    track *t = f->src;
    uint16_t in_seq;
    size_t n;
    uint64_t stored_us;
    const uint8_t *pkt;
    rtp_header h;
    if (!t->ring || rtp_rewrite_to_source_seq(&f->rw, out_seq, &in_seq) != 0 ||
        !(pkt = rtp_ring_get(t->ring, in_seq, &n, &stored_us)) || n > cap ||
        rtp_parse(&h, pkt, n) != 0 || h.ssrc != f->rw.src_ssrc) {
        f->rtx_missing++;
        return FORWARDER_RTX_MISSING;
    }
    if (now_us - stored_us > FORWARDER_RTX_MAX_AGE_US) {
        f->rtx_old++;
        return FORWARDER_RTX_OLD;
    }
    forwarder_rtx_seen *seen = &f->rtx_seen[out_seq % FORWARDER_RTX_RECENT];
    uint32_t now_ms = (uint32_t)(now_us / 1000);
    uint32_t gap_ms =
        (f->rtt_us > FORWARDER_RTX_MIN_GAP_US ? f->rtt_us : FORWARDER_RTX_MIN_GAP_US) / 1000;
    if (seen->used && seen->seq == out_seq && now_ms - seen->sent_ms < gap_ms) {
        f->rtx_dup++;
        return FORWARDER_RTX_DUP;
    }
    if (!rtx_budget_take(f, n, now_us)) {
        f->rtx_budget++;
        return FORWARDER_RTX_BUDGET;
    }
    write_packet(f, &h, pkt, n, out_seq, rtp_rewrite_map_ts(&f->rw, h.timestamp), out);
    *seen = (forwarder_rtx_seen){.seq = out_seq, .used = 1, .sent_ms = now_ms};
    f->rtx_sent++;
    *len = n;
    return FORWARDER_RTX_SENT;
}
