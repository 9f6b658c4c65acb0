/* libFuzzer target for the media core's hot path: arbitrary datagrams as a
 * publisher's packets through track_ingest and fanout_packet to three
 * forwarders, interleaved with subscribers' NACKs answered through
 * fanout_retransmit, in virtual time. Invariant (the AES-GCM nonce rule):
 * whatever a forwarder sends under one SRTP packet index (ROC and sequence
 * number, as srtp_ossl_estimate_index makes it for the sender) is byte
 * for byte what it sent the first time under that index. The packets reach
 * the track as SRTP would let them: a repeat of an (SSRC, seq) already
 * accepted is a replay and never gets this far. Input: records of an
 * op byte (bit 0: 0 packet, 1 NACK; bits 1-7: time step), a length byte,
 * then the bytes (a packet, or 2-byte NACKed seqs). Seeds:
 * fuzz/corpus/fuzz_forwarder/. */
#include "sfu/fanout.h"
#include "sfu/srtp_ossl.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_FWD 3
/* Per forwarder and output seq: the SRTP index and a checksum of the first
 * bytes sent under it. */
static uint32_t g_sum[N_FWD][65536];
static uint64_t g_index[N_FWD][65536];
static uint8_t g_have[N_FWD][65536];
static uint64_t g_top[N_FWD];
static int g_seen[N_FWD];
static forwarder *g_f[N_FWD];

/* SRTP's replay protection in front of the track, for this input. */
#define SEEN_SLOTS 8192
static uint64_t g_rx_seen[SEEN_SLOTS];

static int replayed(uint32_t ssrc, uint16_t seq) {
    uint64_t key = ((uint64_t)ssrc << 16 | seq) + 1;
    for (uint32_t i = (uint32_t)(key * 0x9E3779B97F4A7C15ull >> 51), n = 0; n < SEEN_SLOTS;
         i = (i + 1) % SEEN_SLOTS, n++) {
        if (g_rx_seen[i] == key) return 1;
        if (!g_rx_seen[i]) {
            g_rx_seen[i] = key;
            return 0;
        }
    }
    return 1; /* full: treat as replay */
}

static uint32_t fnv(const uint8_t *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h ^ (uint32_t)n;
}

static void check(void *ud, fanout_item *items, int n) {
    (void)ud;
    for (int i = 0; i < n; i++) {
        int k = 0;
        while (k < N_FWD && g_f[k] != items[i].f)
            k++;
        if (k == N_FWD) abort();
        rtp_header h;
        if (rtp_parse(&h, items[i].buf, items[i].len) != 0) abort(); /* we wrote it */
        if (h.ssrc != g_f[k]->rw.out_ssrc) abort();
        uint32_t s = fnv(items[i].buf, items[i].len);
        uint64_t index = g_seen[k] ? srtp_ossl_estimate_index(g_top[k], h.seq) : h.seq;
        if (!g_seen[k] || index > g_top[k]) g_top[k] = index;
        g_seen[k] = 1;
        if (g_have[k][h.seq] && g_index[k][h.seq] == index && g_sum[k][h.seq] != s)
            abort(); /* nonce reuse */
        g_have[k][h.seq] = 1;
        g_index[k][h.seq] = index;
        g_sum[k][h.seq] = s;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    memset(g_have, 0, sizeof g_have);
    memset(g_seen, 0, sizeof g_seen);
    memset(g_rx_seen, 0, sizeof g_rx_seen);
    fanout_batch *b = fanout_new(check, NULL);
    track *t = track_new("1", SFU_KIND_VIDEO);
    if (!b || !t) abort();
    t->codec = SFU_CODEC_VP8;
    track_set_exts(t, 1, 2, 3, 1, 2);
    for (int k = 0; k < N_FWD; k++) {
        g_f[k] = forwarder_new(t, 100u + (uint32_t)k);
        if (!g_f[k]) abort();
        g_f[k]->sending = 1;
        g_f[k]->accepted_exts = k == 0 ? 0 : 6u;
        forwarder_update_ext_map(g_f[k]);
    }
    uint64_t now = 1000000;
    size_t pos = 0;
    while (size - pos >= 2) {
        uint8_t op = data[pos], len = data[pos + 1];
        pos += 2;
        if (len > size - pos) len = (uint8_t)(size - pos);
        const uint8_t *p = data + pos;
        pos += len;
        now += (uint64_t)(op >> 1) * 3000;
        if ((op & 1) == 0) {
            uint8_t pkt[256];
            rtp_header h;
            memcpy(pkt, p, len);
            if (rtp_parse(&h, pkt, len) != 0 || replayed(h.ssrc, h.seq)) continue;
            if (!t->ssrc) track_set_ssrc(t, h.ssrc);
            if (h.ssrc != t->ssrc) track_set_ssrc(t, h.ssrc); /* a restart */
            if (track_ingest(t, &h, pkt, len, now) == TRACK_PKT_FORWARD)
                fanout_packet(b, t, &h, pkt, len, now);
        } else {
            for (int i = 0; i + 1 < len; i += 2)
                fanout_retransmit(b, g_f[(p[i] ^ p[i + 1]) % N_FWD],
                                  (uint16_t)(p[i] << 8 | p[i + 1]), now);
        }
        fanout_flush(b);
    }
    for (int k = 0; k < N_FWD; k++)
        forwarder_free(g_f[k]);
    track_destroy(t);
    fanout_free(b);
    return 0;
}
