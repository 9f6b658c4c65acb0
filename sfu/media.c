/* The media hot path's IO and the node's RTCP.
 *
 * Per publisher packet: parse, find the track, let it account the packet
 * (track.c: receive stats, NACK tracker, ring, duplicates), fan it out into
 * the worker's transmit batch (fanout.c, forwarder.c: rewrite per
 * subscriber), then flush the batch here: protect and send. No heap
 * allocation, no logging, no locks: every object touched belongs to this
 * worker thread.
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
/* media_flush protects batch items in place. */
_Static_assert(FANOUT_PKT_CAP >= PKT_MAX + TRANSPORT_SRTP_TRAILER,
               "a fanout item has no room for the SRTP trailer");

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

/* Merged per track (track_keyframe_request): at most one PLI per
 * TRACK_PLI_MIN_INTERVAL_US; one asked for inside the window is sent when
 * it ends (publisher_tick). */
void participant_request_keyframe(track *t, uint64_t now_us) {
    if (t && track_keyframe_request(t, now_us)) send_pli(t);
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
            track_set_ssrc(m, h->ssrc);
            return m;
        }
        return NULL;
    }
    return NULL;
}

void media_flush(void *ud, fanout_item *items, int n) {
    worker *w = ud;
    for (int i = 0; i < n; i++) {
        fanout_item *it = &items[i];
        size_t len = it->len;
        if (transport_send_rtp(it->f->sub->sub, it->buf, len, sizeof it->buf) != 0) continue;
        STAT_INC(w, rtp_out);
        STAT_ADD(w, rtp_out_bytes, len);
        if (it->retransmission) STAT_INC(w, retransmits);
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
    /* A duplicate (typically a retransmission we did not need) is not
     * forwarded again: see track_ingest. */
    if (track_ingest(t, &h, buf, len, now_us) != TRACK_PKT_FORWARD) return;
    fanout_result r = fanout_packet(w->tx, t, &h, buf, len, now_us);
    if (r.not_ready) STAT_ADD(w, drop_not_ready, (uint64_t)r.not_ready);
    fanout_flush(w->tx);
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

/* Resends what the forwarder's rules allow (forwarder.h); the rest is
 * counted as suppressed. */
static void answer_nack(forwarder *f, const uint16_t *seqs, int n, uint64_t now_us) {
    worker *w = f->sub->room->w;
    for (int i = 0; i < n; i++) {
        forwarder_rtx_result r = fanout_retransmit(w->tx, f, seqs[i], now_us);
        if (r == FORWARDER_RTX_DUP || r == FORWARDER_RTX_OLD || r == FORWARDER_RTX_BUDGET)
            STAT_INC(w, rtx_suppressed);
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
            if (f && rtcp_parse_nack(&pkt, seqs, 128, &n) == 0) answer_nack(f, seqs, n, now_us);
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
    fanout_flush(w->tx);
    if (rc < 0) STAT_INC(w, drop_malformed);
}

/* ---- periodic work ------------------------------------------------------ */

static void publisher_tick(worker *w, participant *p, uint64_t now_us) {
    if (!p->pub || transport_get_state(p->pub) != TRANSPORT_CONNECTED) return;
    uint8_t buf[RTCP_BUF + TRANSPORT_SRTP_TRAILER];
    for (int i = 0; i < p->n_tracks; i++) {
        track *t = p->tracks[i];
        if (t->kind != SFU_KIND_VIDEO || !t->ssrc) continue;
        if (track_keyframe_due(t, now_us)) send_pli(t);
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
