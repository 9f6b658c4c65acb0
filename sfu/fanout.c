/* Fan-out into the worker's transmit batch; see fanout.h. */
#include "sfu/fanout.h"

#include <stdlib.h>

fanout_batch *fanout_new(fanout_flush_fn flush, void *ud) {
    fanout_batch *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->flush = flush;
    b->ud = ud;
    return b;
}

void fanout_free(fanout_batch *b) {
    free(b);
}

void fanout_flush(fanout_batch *b) {
    if (b->n > 0) b->flush(b->ud, b->items, b->n);
    b->n = 0;
}

static fanout_item *next_item(fanout_batch *b) {
    if (b->n == FANOUT_BATCH) fanout_flush(b);
    return &b->items[b->n];
}

fanout_result fanout_packet(fanout_batch *b, track *t, const rtp_header *h, const uint8_t *buf,
                            size_t len, uint64_t now_us) {
    fanout_result r = {0, 0, 0};
    for (int i = 0; i < t->n_fwd; i++) {
        forwarder *f = t->fwd[i];
        if (!f->sending) {
            r.not_ready++;
            continue;
        }
        fanout_item *it = next_item(b);
        int n = forwarder_rewrite(f, h, buf, len, now_us, it->buf, sizeof it->buf);
        if (n < 0) {
            r.refused++;
            continue;
        }
        it->f = f;
        it->len = (size_t)n;
        it->retransmission = 0;
        b->n++;
        r.queued++;
    }
    return r;
}

forwarder_rtx_result fanout_retransmit(fanout_batch *b, forwarder *f, uint16_t out_seq,
                                       uint64_t now_us) {
    if (!f->sending) return FORWARDER_RTX_MISSING;
    fanout_item *it = next_item(b);
    size_t n = 0;
    forwarder_rtx_result r = forwarder_retransmit(f, out_seq, now_us, it->buf, sizeof it->buf, &n);
    if (r != FORWARDER_RTX_SENT) return r;
    it->f = f;
    it->len = n;
    it->retransmission = 1;
    b->n++;
    return r;
}
