/* libFuzzer target for sfu/rtp_nack: the input is a program of packet
 * arrivals, polls and retry changes on a fake clock. After every step the
 * tracker's invariants are checked: bounded, sorted list inside the 16-bit
 * horizon, exact next_due, polls returning only tracked seqs, and every lost
 * seq accounted for exactly once (recovered, given up, pending or cleared by
 * a reset). */
#include "sfu/rtp_nack.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) abort();                                                                         \
    } while (0)

static void check_invariants(const rtp_nack *n, uint64_t cleared) {
    CHECK(n->count >= 0 && n->count <= n->params.max_tracked);
    uint64_t min_due = UINT64_MAX;
    for (int i = 0; i < n->count; i++) {
        const rtp_nack_entry *e = &n->list[i];
        CHECK(e->ext < n->ext_newest);
        CHECK(e->ext > n->ext_newest - 32768);
        if (i > 0) CHECK(e->ext > n->list[i - 1].ext);
        CHECK(e->retries >= 0 && e->retries <= n->params.max_retries);
        if (e->due_us < min_due) min_due = e->due_us;
    }
    if (n->count == 0)
        CHECK(rtp_nack_next_due(n) == 0);
    else
        CHECK(rtp_nack_next_due(n) == (min_due ? min_due : 1));
    CHECK(n->lost_detected == n->recovered + n->given_up + (uint64_t)n->count + cleared);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static rtp_nack n;
    if (size < 4) return 0;
    rtp_nack_params p = rtp_nack_default_params();
    p.max_tracked = 1 + data[0] * 2; /* 1 .. 511 */
    p.max_retries = data[1] % 8;
    p.reset_gap = 1 + data[2] * 129; /* 1 .. 32896: also beyond int16 */
    p.retry_us = 1000 * (1 + data[3] % 64);
    p.max_age_us = 50000ull * (1 + data[3] / 64);
    rtp_nack_init(&n, &p);
    data += 4;
    size -= 4;

    uint64_t now = 1000000;
    uint16_t seq = 0;
    uint64_t cleared = 0;
    uint16_t out[RTP_NACK_CAPACITY];
    while (size >= 3) {
        uint8_t op = data[0];
        uint16_t arg = (uint16_t)(data[1] | data[2] << 8);
        data += 3;
        size -= 3;
        now += (op >> 4) * 997u; /* time only moves forward */
        switch (op & 3) {
        case 0: /* small step, mostly forward */
        case 1: {
            seq = (uint16_t)(seq + (int8_t)(arg & 0xff));
            int before = n.count;
            uint64_t resets = n.resets;
            rtp_nack_on_packet(&n, seq, now);
            if (n.resets != resets) cleared += (uint64_t)before;
            break;
        }
        case 2: { /* any seq: big jumps and wrap-around */
            seq = arg;
            int before = n.count;
            uint64_t resets = n.resets;
            rtp_nack_on_packet(&n, seq, now);
            if (n.resets != resets) cleared += (uint64_t)before;
            break;
        }
        default: {
            if (arg & 0x8000) rtp_nack_set_retry_us(&n, (uint64_t)(arg & 0x7fff) * 10);
            int max = arg % (RTP_NACK_CAPACITY + 1);
            uint64_t sent = n.nacks_sent;
            int got = rtp_nack_poll(&n, now, out, max);
            CHECK(got >= 0 && got <= max);
            CHECK(n.nacks_sent == sent + (uint64_t)got);
            for (int i = 0; i < got; i++) {
                int found = 0; /* each returned seq is still tracked, due later */
                for (int j = 0; j < n.count && !found; j++)
                    found = (uint16_t)n.list[j].ext == out[i] && n.list[j].due_us > now - 1;
                CHECK(found);
                if (i > 0) CHECK((int16_t)(uint16_t)(out[i] - out[i - 1]) > 0);
            }
            break;
        }
        }
        check_invariants(&n, cleared);
    }
    return 0;
}
