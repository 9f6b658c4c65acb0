/* Fan-out: one track's packet to every forwarder that is sending, written
 * into a transmit batch that the worker flushes (SRTP protect, send). The
 * batch is the worker's, allocated once: nothing on this path allocates,
 * logs or locks. Keeping "decide and rewrite" apart from "protect and send"
 * is what lets the send side become one sendmmsg per batch later, and lets
 * the fan-out be tested without sockets.
 *
 * Ownership: one batch per media worker, used only by its thread. */
#ifndef RELAIS_FANOUT_H
#define RELAIS_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#include "sfu/forwarder.h"

#define FANOUT_BATCH 16
/* A packet plus room for the SRTP trailer the worker adds in place
 * (transport.h's TRANSPORT_SRTP_TRAILER; media.c asserts it fits). */
#define FANOUT_PKT_CAP (TRACK_RING_SLOT_BYTES + 148)

typedef struct fanout_item {
    forwarder *f; /* whose subscriber it goes to */
    size_t len;
    int retransmission;
    uint8_t buf[FANOUT_PKT_CAP];
} fanout_item;

typedef struct fanout_batch fanout_batch;
/* Sends items[0..n) (the worker: protect in place, send, count). */
typedef void (*fanout_flush_fn)(void *ud, fanout_item *items, int n);

struct fanout_batch {
    int n;
    fanout_flush_fn flush;
    void *ud;
    fanout_item items[FANOUT_BATCH];
};

/* A batch that hands full (and flushed) batches to flush(ud, ...). */
fanout_batch *fanout_new(fanout_flush_fn flush, void *ud);
void fanout_free(fanout_batch *b);

typedef struct fanout_result {
    int queued;    /* copies put into the batch */
    int not_ready; /* forwarders not sending yet (no answer, transport down) */
    int refused;   /* forwarders that dropped it (stragglers of an old source) */
} fanout_result;

/* Queues t's packet (h parsed from buf) for every forwarder of t. */
fanout_result fanout_packet(fanout_batch *b, track *t, const rtp_header *h, const uint8_t *buf,
                            size_t len, uint64_t now_us);

/* Queues the answer to a subscriber's NACK of out_seq on forwarder f, if
 * forwarder_retransmit allows it; returns its verdict. */
forwarder_rtx_result fanout_retransmit(fanout_batch *b, forwarder *f, uint16_t out_seq,
                                       uint64_t now_us);

/* Sends what is queued. The worker calls it after each received datagram,
 * so batching adds no delay. */
void fanout_flush(fanout_batch *b);

#endif
