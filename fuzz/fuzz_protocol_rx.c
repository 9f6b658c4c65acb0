/* libFuzzer target for the node's WebSocket receive path: fragment
 * sequences through signaling/protocol_rx (the assembler server.c feeds
 * libwebsockets' fragments to), every whole message through proto_decode,
 * and the session's limiter with a clock taken from the input. Input: a
 * sequence of records, flags byte (bit 0 first, 1 final, 2 binary, bits 3-7
 * time step), a length byte, then that many payload bytes. Seeds:
 * fuzz/corpus/fuzz_protocol_rx/. */
#include "signaling/protocol_rx.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    proto_rx rx;
    proto_limiter lim;
    uint64_t now = 1000000;
    proto_rx_init(&rx, 600); /* small, so the too-large path is reached */
    proto_limiter_init(&lim, 100, now);
    size_t pos = 0;
    while (size - pos >= 2) {
        uint8_t flags = data[pos], len = data[pos + 1];
        pos += 2;
        if (len > size - pos) len = (uint8_t)(size - pos);
        now += (uint64_t)(flags >> 3) * 7919;
        const char *msg = NULL;
        size_t msg_len = 0;
        proto_rx_result r = proto_rx_feed(&rx, len ? data + pos : NULL, len, flags & 1,
                                          (flags >> 1) & 1, (flags >> 2) & 1, &msg, &msg_len);
        pos += len;
        if (r == PROTO_RX_MESSAGE) {
            if (!msg || msg_len > rx.max) abort();
            if (proto_limit_take(&lim, PROTO_CLASS_ANY, now) == PROTO_LIMIT_OK) {
                proto_msg m;
                proto_error e;
                if (proto_decode(msg, msg_len, rx.max, &m, &e) == 0) {
                    proto_limit_take(&lim, proto_class_of(m.type), now);
                    proto_msg_clear(&m);
                }
            }
            proto_rx_done(&rx);
        }
    }
    proto_rx_free(&rx);
    return 0;
}
