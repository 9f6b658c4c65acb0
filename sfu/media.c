/* The media hot path and the node's RTCP.
 *
 * Per publisher packet: parse, find the track, account it (receive stats,
 * NACK tracker, retransmission ring), then for every active forwarder copy
 * it into a stack buffer, rewrite SSRC/seq/timestamp/payload type/extension
 * ids, protect and send. No heap allocation, no logging, no locks: every
 * object touched belongs to this worker thread.
 *
 * RTCP is terminated here: publishers get receiver reports, NACKs, PLIs and
 * REMB from the node; subscribers get sender reports translated from the
 * publisher's, and their NACKs are answered from the ring. */
#include <stdlib.h>
#include <string.h>

#include "sfu/rtcp.h"
#include "sfu/rtp.h"
#include "sfu/sfu_internal.h"

#define PKT_MAX 1500
#define RTCP_BUF 1500

/* ---- forwarders ---------------------------------------------------------- */

uint8_t sfu_codec_pt(sfu_codec c) {
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

forwarder *forwarder_new(track *src, participant *sub, sub_slot *slot) {
    if (src->n_fwd == src->cap_fwd) {
        int cap = src->cap_fwd ? src->cap_fwd * 2 : 8;
        forwarder **nf = realloc(src->fwd, (size_t)cap * sizeof *nf);
        if (!nf) return NULL;
        src->fwd = nf;
        src->cap_fwd = cap;
    }
    forwarder *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->src = src;
    f->sub = sub;
    f->slot = slot;
    f->out_pt = sfu_codec_pt(src->codec);
    rtp_rewrite_init(&f->rw, slot->out_ssrc, src->clock_rate);
    src->fwd[src->n_fwd++] = f;
    return f;
}

void forwarder_free(forwarder *f) {
    track *t = f->src;
    /* The slot gets a new SSRC when it carries the next track. */
    transport_forget_ssrc(f->sub->sub, f->rw.out_ssrc, 1);
    for (int i = 0; i < t->n_fwd; i++) {
        if (t->fwd[i] == f) {
            t->fwd[i] = t->fwd[--t->n_fwd];
            break;
        }
    }
    free(f);
}

/* The forwarder's extension map: the track's template (publisher id ->
 * node id by URI) limited to the ids the subscriber accepted. */
void forwarder_update_ext_map(forwarder *f) {
    for (int i = 0; i < 256; i++) {
        uint8_t id = f->src->ext_map_template[i];
        f->ext_map[i] = (id && (f->accepted_exts & (1u << id))) ? id : 0;
    }
}

/* ---- sending helpers --------------------------------------------------- */

static void send_rtcp(worker *w, transport *t, uint8_t *buf, size_t len) {
    if (!t || transport_get_state(t) != TRANSPORT_CONNECTED) return;
    if (transport_send_rtcp(t, buf, len, RTCP_BUF + TRANSPORT_SRTP_TRAILER) == 0)
        STAT_INC(w, rtcp_out);
}

/* Feedback must sit in a compound packet that starts with SR or RR
 * (RFC 3550 6.1; rtcp-rsize is not negotiated): an RR with no blocks. */
static int rtcp_prefix(uint8_t *buf, uint32_t sender_ssrc) {
    return rtcp_build_rr(buf, RTCP_BUF, sender_ssrc, NULL, 0);
}

static void send_pli(track *t) {
    participant *p = t->owner;
    worker *w = p->room->w;
    if (!t->ssrc) return;
    uint8_t buf[RTCP_BUF + TRANSPORT_SRTP_TRAILER];
    int n = rtcp_prefix(buf, p->rtcp_ssrc);
    int m = rtcp_build_pli(buf + n, RTCP_BUF - (size_t)n, p->rtcp_ssrc, t->ssrc);
    if (n < 0 || m < 0) return;
    send_rtcp(w, p->pub, buf, (size_t)(n + m));
    STAT_INC(w, plis_out);
}

/* PLIs from many subscribers (and new subscribers) are merged: at most one
 * per SFU_PLI_MIN_INTERVAL_US per track; one asked for inside the window is
 * sent when it ends. */
void participant_request_keyframe(track *t, uint64_t now_us) {
    if (!t || t->kind != SFU_KIND_VIDEO) return;
    if (t->last_pli_us && now_us - t->last_pli_us < SFU_PLI_MIN_INTERVAL_US) {
        t->pli_wanted = 1;
        return;
    }
    t->last_pli_us = now_us;
    t->pli_wanted = 0;
    send_pli(t);
}

/* ---- publisher RTP ------------------------------------------------------ */

static track *track_by_ssrc(participant *p, uint32_t ssrc) {
    for (int i = 0; i < p->n_tracks; i++)
        if (p->tracks[i]->ssrc == ssrc) return p->tracks[i];
    return NULL;
}

static track *find_track(participant *p, const rtp_header *h, const uint8_t *buf) {
    track *known = track_by_ssrc(p, h->ssrc);
    if (known) return known;
    /* Unknown SSRC: a publisher that signalled none (or changed it) is
     * identified by the mid header extension. */
    for (int i = 0; i < p->n_tracks; i++) {
        track *t = p->tracks[i];
        const uint8_t *d;
        uint8_t dl;
        char mid[SFU_MID_MAX];
        if (!t->ext_mid || !rtp_ext_find(h, buf, t->ext_mid, &d, &dl)) continue;
        if (rtp_ext_string(d, dl, mid, sizeof mid) != 0) return NULL;
        for (int k = 0; k < p->n_tracks; k++) {
            track *m = p->tracks[k];
            if (strcmp(m->mid, mid) != 0) continue;
            m->ssrc = h->ssrc;
            rtp_rx_stats_init(&m->rx, m->clock_rate);
            if (m->kind == SFU_KIND_VIDEO) rtp_nack_reset(&m->nack);
            return m;
        }
        return NULL;
    }
    return NULL;
}

static void forward_one(forwarder *f, const rtp_header *h, const uint8_t *buf, size_t len,
                        uint16_t out_seq, uint32_t out_ts) {
    worker *w = f->sub->room->w;
    uint8_t out[PKT_MAX + TRANSPORT_SRTP_TRAILER];
    memcpy(out, buf, len);
    if (h->ext_len) rtp_ext_remap(h, out, f->ext_map);
    rtp_set_seq(out, out_seq);
    rtp_set_timestamp(out, out_ts);
    rtp_set_ssrc(out, f->rw.out_ssrc);
    rtp_set_payload_type(out, f->out_pt);
    if (transport_send_rtp(f->sub->sub, out, len, sizeof out) == 0) {
        f->packets++;
        f->bytes += h->payload_len;
        STAT_INC(w, rtp_out);
        STAT_ADD(w, rtp_out_bytes, len);
    }
}

void media_on_publisher_rtp(participant *p, uint8_t *buf, size_t len, uint64_t now_us) {
    worker *w = p->room->w;
    rtp_header h;
    STAT_INC(w, rtp_in);
    STAT_ADD(w, rtp_in_bytes, len);
    if (len > PKT_MAX || rtp_parse(&h, buf, len) != 0) {
        STAT_INC(w, drop_malformed);
        return;
    }
    track *t = find_track(p, &h, buf);
    if (!t || h.payload_type != t->pt) {
        STAT_INC(w, drop_unknown_ssrc);
        return;
    }
    rtp_rx_stats_update(&t->rx, h.seq, h.timestamp, now_us, (uint32_t)len);
    if (t->kind == SFU_KIND_VIDEO) {
        /* A duplicate (typically a retransmission we did not need) is not
         * forwarded again: re-protecting an output seq with different bytes
         * (a fresh abs-send-time) would reuse an AES-GCM nonce. */
        size_t have;
        if (rtp_ring_get(t->ring, h.seq, &have, NULL)) return;
        rtp_nack_on_packet(&t->nack, h.seq, now_us);
        rtp_ring_put(t->ring, h.seq, buf, len, now_us);
    }
    for (int i = 0; i < t->n_fwd; i++) {
        forwarder *f = t->fwd[i];
        if (!f->active || !f->sub->sub || transport_get_state(f->sub->sub) != TRANSPORT_CONNECTED) {
            STAT_INC(w, drop_not_ready);
            continue;
        }
        uint16_t oseq;
        uint32_t ots;
        if (rtp_rewrite_packet(&f->rw, h.ssrc, h.seq, h.timestamp, now_us, &oseq, &ots) != 0)
            continue;
        forward_one(f, &h, buf, len, oseq, ots);
    }
}

/* ---- publisher RTCP ----------------------------------------------------- */

/* Subscribers get the publisher's NTP/RTP pair mapped onto their stream, so
 * audio and video of one publisher stay in sync on their side. */
static void relay_sender_report(track *t, const rtcp_sr_info *sr) {
    for (int i = 0; i < t->n_fwd; i++) {
        forwarder *f = t->fwd[i];
        if (!f->active || !f->rw.started || !f->sub->sub) continue;
        rtcp_sr_info out = {
            .ssrc = f->rw.out_ssrc,
            .ntp = sr->ntp,
            .rtp_ts = rtp_rewrite_map_ts(&f->rw, sr->rtp_ts),
            .packet_count = (uint32_t)f->packets,
            .octet_count = (uint32_t)f->bytes,
        };
        uint8_t buf[RTCP_BUF + TRANSPORT_SRTP_TRAILER];
        int n = rtcp_build_sr(buf, RTCP_BUF, &out, NULL, 0);
        if (n > 0) send_rtcp(t->owner->room->w, f->sub->sub, buf, (size_t)n);
    }
}

void media_on_publisher_rtcp(participant *p, uint8_t *buf, size_t len, uint64_t now_us) {
    worker *w = p->room->w;
    STAT_INC(w, rtcp_in);
    rtcp_iter it;
    rtcp_pkt pkt;
    rtcp_iter_init(&it, buf, len);
    int rc;
    while ((rc = rtcp_iter_next(&it, &pkt)) == 1) {
        if (pkt.pt != RTCP_SR) continue;
        rtcp_sr_info sr;
        int nb = 0;
        if (rtcp_parse_sr(&pkt, &sr, NULL, 0, &nb) != 0) continue;
        track *t = track_by_ssrc(p, sr.ssrc);
        if (!t) continue;
        rtp_rx_stats_on_sr(&t->rx, sr.ntp, now_us);
        relay_sender_report(t, &sr);
    }
    if (rc < 0) STAT_INC(w, drop_malformed);
}

/* ---- subscriber RTCP ---------------------------------------------------- */

static forwarder *fwd_by_out_ssrc(participant *p, uint32_t ssrc) {
    for (int i = 0; i < p->n_slots; i++)
        if (p->slots[i].fwd && p->slots[i].out_ssrc == ssrc) return p->slots[i].fwd;
    return NULL;
}

static void answer_nack(forwarder *f, const uint16_t *seqs, int n) {
    worker *w = f->sub->room->w;
    track *t = f->src;
    if (!t->ring || !f->active) return;
    for (int i = 0; i < n; i++) {
        uint16_t in_seq;
        size_t len;
        if (rtp_rewrite_to_source_seq(&f->rw, seqs[i], &in_seq) != 0) continue;
        const uint8_t *pkt = rtp_ring_get(t->ring, in_seq, &len, NULL);
        rtp_header h;
        if (!pkt || rtp_parse(&h, pkt, len) != 0 || h.ssrc != f->rw.src_ssrc) continue;
        forward_one(f, &h, pkt, len, seqs[i], rtp_rewrite_map_ts(&f->rw, h.timestamp));
        STAT_INC(w, retransmits);
    }
}

void media_on_subscriber_rtcp(participant *p, uint8_t *buf, size_t len, uint64_t now_us) {
    worker *w = p->room->w;
    STAT_INC(w, rtcp_in);
    rtcp_iter it;
    rtcp_pkt pkt;
    rtcp_iter_init(&it, buf, len);
    int rc;
    while ((rc = rtcp_iter_next(&it, &pkt)) == 1) {
        uint32_t sender, media;
        if (pkt.pt != RTCP_RTPFB && pkt.pt != RTCP_PSFB) continue;
        if (rtcp_parse_fb(&pkt, &sender, &media) != 0) continue;
        if (pkt.pt == RTCP_RTPFB && pkt.count == 1) { /* generic NACK */
            uint16_t seqs[128];
            int n = 0;
            forwarder *f = fwd_by_out_ssrc(p, media);
            STAT_INC(w, nacks_in);
            if (f && rtcp_parse_nack(&pkt, seqs, 128, &n) == 0) answer_nack(f, seqs, n);
        } else if (pkt.pt == RTCP_PSFB && pkt.count == 1) { /* PLI */
            forwarder *f = fwd_by_out_ssrc(p, media);
            STAT_INC(w, plis_in);
            if (f) participant_request_keyframe(f->src, now_us);
        } else if (pkt.pt == RTCP_PSFB && pkt.count == 4) { /* FIR */
            uint32_t ssrcs[8];
            int n = 0;
            STAT_INC(w, plis_in);
            if (rtcp_parse_fir(&pkt, ssrcs, 8, &n) != 0) continue;
            for (int i = 0; i < n; i++) {
                forwarder *f = fwd_by_out_ssrc(p, ssrcs[i]);
                if (f) participant_request_keyframe(f->src, now_us);
            }
        }
        /* REMB and transport-cc from subscribers will drive layer
         * selection once simulcast exists; today they are not needed. */
    }
    if (rc < 0) STAT_INC(w, drop_malformed);
}

/* ---- periodic work ------------------------------------------------------ */

static void publisher_tick(worker *w, participant *p, uint64_t now_us) {
    if (!p->pub || transport_get_state(p->pub) != TRANSPORT_CONNECTED) return;
    uint8_t buf[RTCP_BUF + TRANSPORT_SRTP_TRAILER];
    for (int i = 0; i < p->n_tracks; i++) {
        track *t = p->tracks[i];
        if (t->kind != SFU_KIND_VIDEO || !t->ssrc) continue;
        if (t->pli_wanted && now_us - t->last_pli_us >= SFU_PLI_MIN_INTERVAL_US)
            participant_request_keyframe(t, now_us);
        uint64_t due = rtp_nack_next_due(&t->nack);
        if (!due || due > now_us) continue;
        uint16_t seqs[64];
        int n = rtp_nack_poll(&t->nack, now_us, seqs, 64);
        if (n <= 0) continue;
        int a = rtcp_prefix(buf, p->rtcp_ssrc);
        int b = rtcp_build_nack(buf + a, RTCP_BUF - (size_t)a, p->rtcp_ssrc, t->ssrc, seqs, n);
        if (a < 0 || b < 0) continue;
        send_rtcp(w, p->pub, buf, (size_t)(a + b));
        STAT_ADD(w, nacks_out, 1);
    }
    if (now_us - p->last_remb_us < SFU_RR_INTERVAL_US) return;
    p->last_remb_us = now_us;
    /* Receiver reports for every stream, then REMB for the video ones. */
    rtcp_report_block blocks[SFU_MAX_TRACKS];
    uint32_t video[SFU_MAX_TRACKS];
    int nb = 0, nv = 0;
    for (int i = 0; i < p->n_tracks; i++) {
        track *t = p->tracks[i];
        if (!t->ssrc || !t->rx.valid) continue;
        rtp_rx_report r;
        rtp_rx_stats_report(&t->rx, now_us, &r);
        blocks[nb++] = (rtcp_report_block){.ssrc = t->ssrc,
                                           .fraction_lost = r.fraction_lost,
                                           .cumulative_lost = r.cumulative_lost,
                                           .ext_highest_seq = r.ext_highest_seq,
                                           .jitter = r.jitter,
                                           .lsr = r.lsr,
                                           .dlsr = r.dlsr};
        if (t->kind == SFU_KIND_VIDEO) video[nv++] = t->ssrc;
    }
    if (nb == 0) return;
    int n = rtcp_build_rr(buf, RTCP_BUF, p->rtcp_ssrc, blocks, nb);
    if (n < 0) return;
    if (nv > 0) {
        int m = rtcp_build_remb(buf + n, RTCP_BUF - (size_t)n, p->rtcp_ssrc,
                                (uint64_t)w->opts->max_bitrate_kbps * 1000u, video, nv);
        if (m > 0) n += m;
    }
    send_rtcp(w, p->pub, buf, (size_t)n);
}

void media_tick(worker *w, uint64_t now_us) {
    GHashTableIter ri;
    gpointer rv;
    g_hash_table_iter_init(&ri, w->rooms);
    while (g_hash_table_iter_next(&ri, NULL, &rv)) {
        room *r = rv;
        room_tick(w, r, now_us);
        GHashTableIter pi;
        gpointer pv;
        g_hash_table_iter_init(&pi, r->participants);
        while (g_hash_table_iter_next(&pi, NULL, &pv))
            publisher_tick(w, pv, now_us);
    }
}
