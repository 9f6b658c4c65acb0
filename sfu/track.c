/* The publisher side of one stream; see track.h. */
#include "sfu/track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/forwarder.h"

track *track_new(const char *mid, sfu_kind kind) {
    track *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    snprintf(t->mid, sizeof t->mid, "%s", mid);
    t->kind = kind;
    t->clock_rate = kind == SFU_KIND_AUDIO ? 48000 : 90000;
    rtp_rx_stats_init(&t->rx, t->clock_rate);
    if (kind == SFU_KIND_VIDEO) {
        rtp_nack_params np = rtp_nack_default_params();
        rtp_nack_init(&t->nack, &np);
        t->ring = rtp_ring_new(TRACK_RING_SLOTS, TRACK_RING_SLOT_BYTES);
        if (!t->ring) {
            free(t);
            return NULL;
        }
    }
    return t;
}

void track_destroy(track *t) {
    if (!t) return;
    rtp_ring_free(t->ring);
    free(t->fwd);
    free(t);
}

void track_set_ssrc(track *t, uint32_t ssrc) {
    if (ssrc == t->ssrc) return;
    t->ssrc = ssrc;
    rtp_rx_stats_init(&t->rx, t->clock_rate);
    if (t->kind == SFU_KIND_VIDEO) {
        rtp_nack_reset(&t->nack);
        rtp_ring_reset(t->ring);
    }
}

void track_set_exts(track *t, uint8_t ext_mid, uint8_t ext_audio_level, uint8_t ext_abs_send_time,
                    uint8_t node_level, uint8_t node_abs) {
    t->ext_mid = ext_mid;
    t->ext_audio_level = ext_audio_level;
    t->ext_abs_send_time = ext_abs_send_time;
    memset(t->ext_map_template, 0, sizeof t->ext_map_template);
    if (ext_audio_level) t->ext_map_template[ext_audio_level] = node_level;
    if (ext_abs_send_time) t->ext_map_template[ext_abs_send_time] = node_abs;
    for (int i = 0; i < t->n_fwd; i++)
        forwarder_update_ext_map(t->fwd[i]);
}

track_verdict track_ingest(track *t, const rtp_header *h, const uint8_t *buf, size_t len,
                           uint64_t now_us) {
    rtp_rx_stats_update(&t->rx, h->seq, h->timestamp, now_us, (uint32_t)len);
    if (t->kind != SFU_KIND_VIDEO) return TRACK_PKT_FORWARD;
    size_t have;
    if (rtp_ring_get(t->ring, h->seq, &have, NULL)) {
        t->duplicates++;
        return TRACK_PKT_DUPLICATE;
    }
    rtp_nack_on_packet(&t->nack, h->seq, now_us);
    if (rtp_ring_put(t->ring, h->seq, buf, len, now_us) == RTP_RING_ETOOOLD) {
        /* A ring behind the newest: useless to the receiver, and its output
         * seq may have carried other bytes already (SRTP nonce). */
        t->late++;
        return TRACK_PKT_LATE;
    }
    return TRACK_PKT_FORWARD;
}

int track_keyframe_request(track *t, uint64_t now_us) {
    if (t->kind != SFU_KIND_VIDEO) return 0;
    if (t->last_pli_us && now_us - t->last_pli_us < TRACK_PLI_MIN_INTERVAL_US) {
        t->pli_wanted = 1;
        return 0;
    }
    t->last_pli_us = now_us;
    t->pli_wanted = 0;
    return 1;
}

int track_keyframe_due(track *t, uint64_t now_us) {
    if (!t->pli_wanted || now_us - t->last_pli_us < TRACK_PLI_MIN_INTERVAL_US) return 0;
    return track_keyframe_request(t, now_us);
}

int track_add_forwarder(track *t, struct forwarder *f) {
    if (t->n_fwd == t->cap_fwd) {
        int cap = t->cap_fwd ? t->cap_fwd * 2 : 8;
        struct forwarder **nf = realloc(t->fwd, (size_t)cap * sizeof *nf);
        if (!nf) return -1;
        t->fwd = nf;
        t->cap_fwd = cap;
    }
    t->fwd[t->n_fwd++] = f;
    return 0;
}

void track_remove_forwarder(track *t, struct forwarder *f) {
    for (int i = 0; i < t->n_fwd; i++) {
        if (t->fwd[i] == f) {
            t->fwd[i] = t->fwd[--t->n_fwd];
            return;
        }
    }
}
