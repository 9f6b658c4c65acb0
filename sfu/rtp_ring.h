/* Retransmission ring for one published video track.
 *
 * Keeps the last N plain (already decrypted) RTP packets of a track so that a
 * subscriber's NACK can be answered without asking the publisher again. Slot
 * i holds the packet whose sequence number is congruent to i modulo the
 * number of slots; a newer packet simply overwrites the slot.
 *
 * Ownership: the publisher's track creates the ring, is its only writer and
 * frees it; it lives on the track's media worker thread like the track.
 * Readers (the NACK answering code of the same worker) get pointers into the
 * ring that stay valid only until the next rtp_ring_put(). rtp_ring_new() is
 * the only allocation; nothing here logs, reads a clock or locks. */
#ifndef RELAIS_RTP_RING_H
#define RELAIS_RTP_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct rtp_ring rtp_ring;

/* Error codes of rtp_ring_put(). */
enum {
    RTP_RING_EINVAL = -1,  /* NULL packet or zero length */
    RTP_RING_ETOOBIG = -2, /* longer than slot_bytes */
    RTP_RING_ETOOOLD = -3, /* a whole ring older than the newest packet stored */
};

/* Creates an empty ring of `slots` slots of `slot_bytes` bytes each, in one
 * allocation. `slots` must be a power of two (so that seq % slots stays
 * consistent across the 2^16 wrap) and at most 32768; `slot_bytes` must be
 * non-zero. Returns NULL on bad arguments or when out of memory. */
rtp_ring *rtp_ring_new(uint16_t slots, uint16_t slot_bytes);

/* Frees the ring; NULL is accepted. Pointers from rtp_ring_get() die here. */
void rtp_ring_free(rtp_ring *r);

/* Forgets every stored packet. The track calls this when the publisher
 * restarts its stream (new SSRC, unrelated sequence numbers), because a ring
 * judges "too old" relative to the newest sequence number it has seen. */
void rtp_ring_reset(rtp_ring *r);

/* Copies packet `seq` (len bytes at pkt) into its slot and remembers now_us
 * as its store time. Returns 0, or a negative RTP_RING_E* code and stores
 * nothing: a packet larger than a slot is refused rather than truncated, and
 * a late packet `slots` or more behind the newest one stored is refused
 * because its slot already holds a newer, more useful packet. Storing the
 * same seq twice overwrites the first copy. */
int rtp_ring_put(rtp_ring *r, uint16_t seq, const uint8_t *pkt, size_t len, uint64_t now_us);

/* Looks up packet `seq`. Returns a pointer to its bytes (valid until the next
 * put, reset or free) and sets *len and, if stored_us is not NULL, the time it
 * was stored, so that the caller can refuse to resend a packet that is too
 * old to help. Returns NULL when the slot is empty, holds another sequence
 * number, or seq lies outside the last `slots` sequence numbers (a stale
 * packet with the same 16-bit number from a previous wrap is never returned). */
const uint8_t *rtp_ring_get(const rtp_ring *r, uint16_t seq, size_t *len, uint64_t *stored_us);

#endif
