/* libFuzzer target for the WebSocket client codec (loadtest/ws.c).
 *
 * The first byte seeds the chunking and the message limit; the rest is fed
 * (1) to the frame decoder in pseudo-random chunks and all at once, which
 * must produce the same events and the same error, with every event inside
 * its bounds, and (2) to the handshake response parser, whose answer must
 * not depend on bytes after the header it reports. */
#include "loadtest/ws.h"

#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) abort();                                                                         \
    } while (0)

static const char KEY[] = "dGhlIHNhbXBsZSBub25jZQ=="; /* RFC 6455's: the corpus uses it */

static uint32_t next(uint32_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static uint64_t mix(uint64_t h, const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull; /* FNV-1a */
    return h;
}

/* Decodes data in chunks (chunk_seed 0: all at once). Returns a hash of the
 * event sequence and the final status. */
static uint64_t decode(const uint8_t *data, size_t size, size_t max, uint32_t chunk_seed) {
    ws_decoder d;
    ws_decoder_init(&d, max);
    uint64_t h = 1469598103934665603ull;
    int status = 0;
    size_t off = 0;
    while (off < size && status >= 0) {
        size_t chunk = size - off;
        if (chunk_seed) {
            uint32_t r = next(&chunk_seed);
            size_t c = (r & 0x100) ? 1 + (r & 0xFF) : 1 + (r & 0x7);
            if (c < chunk) chunk = c;
        }
        const uint8_t *p = data + off;
        off += chunk;
        while (chunk) {
            size_t used = 999999;
            ws_event ev;
            int r = ws_decoder_feed(&d, p, chunk, &used, &ev);
            if (r < 0) {
                status = r;
                /* Sticky, whatever comes next. */
                CHECK(ws_decoder_feed(&d, p, chunk, &used, &ev) == r);
                break;
            }
            CHECK(used <= chunk);
            p += used, chunk -= used;
            if (r == WS_EV_NONE) {
                CHECK(chunk == 0);
                break;
            }
            CHECK(r == (int)ev.type);
            CHECK(ev.data != NULL && ev.data[ev.len] == 0);
            if (r == WS_EV_TEXT || r == WS_EV_BINARY)
                CHECK(ev.len <= max);
            else
                CHECK(ev.len <= 125);
            if (r == WS_EV_CLOSE)
                CHECK(ev.close_code == WS_CLOSE_NO_STATUS ||
                      (ev.close_code >= 1000 && ev.close_code <= 4999));
            int rec[2] = {r, ev.close_code};
            h = mix(h, rec, sizeof rec);
            h = mix(h, &ev.len, sizeof ev.len);
            h = mix(h, ev.data, ev.len);
        }
    }
    ws_decoder_free(&d);
    return mix(h, &status, sizeof status);
}

static void handshake(const uint8_t *data, size_t size) {
    const char *buf = (const char *)data;
    size_t used = 12345;
    int r = ws_handshake_response_parse(buf, size, KEY, &used);
    CHECK(r <= 1);
    if (r == 1) {
        CHECK(used >= 4 && used <= size && used <= WS_HANDSHAKE_MAX);
        CHECK(memcmp(buf + used - 4, "\r\n\r\n", 4) == 0);
    } else {
        CHECK(used == 0);
    }
    if (r == 0) CHECK(size < WS_HANDSHAKE_MAX);
    /* The answer comes from the header alone. */
    if (r == 1 || (r < 0 && r != WS_ERR_HEADER_SIZE)) {
        size_t end = 0;
        for (size_t i = 3; i < size && i < WS_HANDSHAKE_MAX && !end; i++)
            if (memcmp(buf + i - 3, "\r\n\r\n", 4) == 0) end = i + 1;
        CHECK(end > 0);
        size_t used2;
        CHECK(ws_handshake_response_parse(buf, end, KEY, &used2) == r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint32_t seed = data[0];
    data++, size--;
    size_t max = (size_t)1 << (4 + seed % 13); /* 16 B .. 64 KiB */
    uint64_t whole = decode(data, size, max, 0);
    uint64_t chunked = decode(data, size, max, (seed | 0x100) * 2654435761u);
    CHECK(whole == chunked);
    handshake(data, size);
    return 0;
}
