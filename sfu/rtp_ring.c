#include "sfu/rtp_ring.h"

#include <stdlib.h>
#include <string.h>

/* Invariant: every used slot holds a sequence number within the last `slots`
 * numbers up to `newest`. rtp_ring_put() keeps it by emptying the slots it
 * skips over when the newest sequence number jumps forward. */
typedef struct rtp_ring_slot {
    uint64_t stored_us;
    uint16_t seq;
    uint16_t len;
    uint8_t used;
} rtp_ring_slot;

struct rtp_ring {
    uint16_t slots;
    uint16_t mask;
    uint16_t slot_bytes;
    uint16_t newest; /* highest seq stored, valid when have_newest */
    int have_newest;
    uint8_t *data;        /* slots * slot_bytes bytes, after slot[] */
    rtp_ring_slot slot[]; /* slots entries */
};

rtp_ring *rtp_ring_new(uint16_t slots, uint16_t slot_bytes) {
    if (slots == 0 || (slots & (slots - 1)) != 0 || slots > 32768 || slot_bytes == 0) return NULL;
    size_t meta = sizeof(rtp_ring) + (size_t)slots * sizeof(rtp_ring_slot);
    rtp_ring *r = calloc(1, meta + (size_t)slots * slot_bytes);
    if (!r) return NULL;
    r->slots = slots;
    r->mask = (uint16_t)(slots - 1);
    r->slot_bytes = slot_bytes;
    r->data = (uint8_t *)r + meta;
    return r;
}

void rtp_ring_free(rtp_ring *r) {
    free(r);
}

void rtp_ring_reset(rtp_ring *r) {
    memset(r->slot, 0, (size_t)r->slots * sizeof(rtp_ring_slot));
    r->have_newest = 0;
    r->newest = 0;
}

/* Empties the slots of the sequence numbers after `newest` up to and
 * including `seq`, which are about to enter the window. */
static void ring_advance(rtp_ring *r, uint16_t seq) {
    uint16_t d = (uint16_t)(seq - r->newest);
    if (d >= r->slots) {
        memset(r->slot, 0, (size_t)r->slots * sizeof(rtp_ring_slot));
    } else {
        for (uint16_t i = 1; i <= d; i++)
            r->slot[(uint16_t)(r->newest + i) & r->mask].used = 0;
    }
    r->newest = seq;
}

int rtp_ring_put(rtp_ring *r, uint16_t seq, const uint8_t *pkt, size_t len, uint64_t now_us) {
    if (!pkt || len == 0) return RTP_RING_EINVAL;
    if (len > r->slot_bytes) return RTP_RING_ETOOBIG;
    if (!r->have_newest) {
        r->have_newest = 1;
        r->newest = seq;
    } else {
        int16_t diff = (int16_t)(uint16_t)(seq - r->newest);
        if (diff > 0)
            ring_advance(r, seq);
        else if (-(int32_t)diff >= r->slots)
            return RTP_RING_ETOOOLD;
    }
    rtp_ring_slot *s = &r->slot[seq & r->mask];
    memcpy(r->data + (size_t)(seq & r->mask) * r->slot_bytes, pkt, len);
    s->seq = seq;
    s->len = (uint16_t)len;
    s->stored_us = now_us;
    s->used = 1;
    return 0;
}

const uint8_t *rtp_ring_get(const rtp_ring *r, uint16_t seq, size_t *len, uint64_t *stored_us) {
    if (!r->have_newest) return NULL;
    uint16_t behind = (uint16_t)(r->newest - seq);
    if (behind >= r->slots) return NULL;
    const rtp_ring_slot *s = &r->slot[seq & r->mask];
    if (!s->used || s->seq != seq) return NULL;
    *len = s->len;
    if (stored_us) *stored_us = s->stored_us;
    return r->data + (size_t)(seq & r->mask) * r->slot_bytes;
}
