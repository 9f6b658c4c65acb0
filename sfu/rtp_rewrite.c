#include "sfu/rtp_rewrite.h"

#include <string.h>

/* Invariants once started: out = in + offset for every packet of the current
 * source; src_ext_max counts the current source's seqs from its first
 * forwarded packet (ext 0), so "before the first packet" is ext < 0 even after
 * the 16-bit seq wrapped; last_out_* belong to the highest out seq sent. */

void rtp_rewrite_init(rtp_rewrite *w, uint32_t out_ssrc, uint32_t clock_rate) {
    memset(w, 0, sizeof(*w));
    w->out_ssrc = out_ssrc;
    w->clock_rate = clock_rate;
}

/* Converts `us` microseconds to `rate` Hz units without overflow. */
static uint64_t us_to_units(uint64_t us, uint32_t rate) {
    return us / 1000000u * rate + us % 1000000u * rate / 1000000u;
}

/* Is this packet a leftover of a source we left recently? Expires entries
 * older than RTP_REWRITE_OLD_SOURCE_US on the way: after that long a seq
 * comparison is no longer meaningful (an unforwarded simulcast layer keeps
 * counting) and a packet from that source is a genuine switch back. */
static int old_is_stale(rtp_rewrite *w, uint32_t ssrc, uint16_t seq, uint64_t now_us) {
    int stale = 0;
    for (int i = 0; i < RTP_REWRITE_OLD_SOURCES; i++) {
        rtp_rewrite_old *o = &w->old[i];
        if (!o->used) continue;
        if (now_us >= o->left_us && now_us - o->left_us >= RTP_REWRITE_OLD_SOURCE_US) {
            o->used = 0;
            continue;
        }
        if (o->ssrc == ssrc && (int16_t)(uint16_t)(seq - o->max_seq) <= 0) stale = 1;
    }
    return stale;
}

/* Remembers the source being left, replacing its previous entry, a free
 * entry or else the one left longest ago; forgets the source being entered. */
static void old_swap(rtp_rewrite *w, uint32_t leaving, uint16_t max_seq, uint32_t entering,
                     uint64_t now_us) {
    rtp_rewrite_old *slot = NULL;
    for (int i = 0; i < RTP_REWRITE_OLD_SOURCES; i++) {
        rtp_rewrite_old *o = &w->old[i];
        if (o->used && o->ssrc == entering) o->used = 0;
        if (o->used && o->ssrc == leaving) slot = o;
    }
    for (int i = 0; !slot && i < RTP_REWRITE_OLD_SOURCES; i++)
        if (!w->old[i].used) slot = &w->old[i];
    if (!slot) {
        slot = &w->old[0];
        for (int i = 1; i < RTP_REWRITE_OLD_SOURCES; i++)
            if (w->old[i].left_us < slot->left_us) slot = &w->old[i];
    }
    slot->ssrc = leaving;
    slot->max_seq = max_seq;
    slot->left_us = now_us;
    slot->used = 1;
}

/* Makes src the current source with in_seq/in_ts as its first packet, placed
 * right after the last packet sent: seq + 1, and the timestamp advanced by
 * the wall time in between (at least 1, it is a new frame). */
static void switch_source(rtp_rewrite *w, uint32_t src, uint16_t in_seq, uint32_t in_ts,
                          uint64_t now_us) {
    old_swap(w, w->src_ssrc, w->src_max_seq, src, now_us);
    uint64_t elapsed = now_us > w->last_out_us ? now_us - w->last_out_us : 0;
    uint32_t dts = (uint32_t)us_to_units(elapsed, w->clock_rate);
    if (dts == 0) dts = 1;
    w->seq_offset = (uint16_t)(w->last_out_seq + 1 - in_seq);
    w->ts_offset = w->last_out_ts + dts - in_ts;
    w->src_ssrc = src;
    w->src_max_seq = in_seq;
    w->src_ext_max = 0;
    w->switches++;
}

int rtp_rewrite_packet(rtp_rewrite *w, uint32_t src_ssrc, uint16_t in_seq, uint32_t in_ts,
                       uint64_t now_us, uint16_t *out_seq, uint32_t *out_ts) {
    int newest = 1;
    if (!w->started) {
        w->started = 1;
        w->src_ssrc = src_ssrc;
        w->src_max_seq = in_seq;
    } else if (src_ssrc != w->src_ssrc) {
        if (old_is_stale(w, src_ssrc, in_seq, now_us)) {
            w->dropped++;
            return RTP_REWRITE_ESTALE;
        }
        switch_source(w, src_ssrc, in_seq, in_ts, now_us);
    } else {
        int16_t d = (int16_t)(uint16_t)(in_seq - w->src_max_seq);
        int64_t ext = w->src_ext_max + d;
        if (ext < 0) {
            w->dropped++;
            return RTP_REWRITE_ETOOOLD;
        }
        newest = d > 0;
        if (newest) {
            w->src_max_seq = in_seq;
            w->src_ext_max = ext;
        }
    }
    *out_seq = (uint16_t)(in_seq + w->seq_offset);
    *out_ts = in_ts + w->ts_offset;
    if (newest) {
        w->last_out_seq = *out_seq;
        w->last_out_ts = *out_ts;
        w->last_out_us = now_us;
    }
    w->packets++;
    return 0;
}

int rtp_rewrite_to_source_seq(const rtp_rewrite *w, uint16_t out_seq, uint16_t *in_seq) {
    if (!w->started) return -1;
    int16_t d = (int16_t)(uint16_t)(out_seq - w->last_out_seq);
    if (d > 0 || w->src_ext_max + d < 0) return -1;
    *in_seq = (uint16_t)(out_seq - w->seq_offset);
    return 0;
}

uint32_t rtp_rewrite_map_ts(const rtp_rewrite *w, uint32_t in_ts) {
    return in_ts + w->ts_offset;
}
