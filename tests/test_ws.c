/* WebSocket codec (loadtest/ws.c) against RFC 6455's examples and every
 * protocol error: the opening handshake, frame encoding, and decoding
 * (interleaved control frames, close, errors, and the same events whether
 * fed whole, byte by byte or in odd chunks). Pure, no sockets; the IO layer
 * (loadtest/ws_client.c) is tested in test_ws_client.c. */
#include "loadtest/ws.h"
#include "tests/test.h"

#include <glib.h>

/* ---- handshake ------------------------------------------------------------ */

static const char RFC_KEY[] = "dGhlIHNhbXBsZSBub25jZQ==";
static const char RFC_ACCEPT[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

static void test_accept_value(void) {
    char acc[29];
    ws_accept_value(RFC_KEY, acc);
    ASSERT_STR_EQ(acc, RFC_ACCEPT);
}

static void test_handshake_request(void) {
    char out[512], key[WS_KEY_B64_LEN + 1];
    /* RFC 6455 1.3: the key is the base64 of "the sample nonce". */
    const uint8_t *nonce = (const uint8_t *)"the sample nonce";
    int n = ws_handshake_request(out, sizeof out, "127.0.0.1:8080", "/ws", nonce, key);
    ASSERT_STR_EQ(key, RFC_KEY);
    const char *want = "GET /ws HTTP/1.1\r\n"
                       "Host: 127.0.0.1:8080\r\n"
                       "Upgrade: websocket\r\n"
                       "Connection: Upgrade\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Version: 13\r\n"
                       "\r\n";
    ASSERT_STR_EQ(out, want);
    ASSERT_EQ(n, strlen(want));
    ASSERT_EQ(ws_handshake_request(out, (size_t)n, "127.0.0.1:8080", "/ws", nonce, key),
              WS_ERR_SPACE);
    ASSERT_EQ(ws_handshake_request(out, (size_t)n + 1, "127.0.0.1:8080", "/ws", nonce, key), n);
    ASSERT_EQ(ws_handshake_request(out, sizeof out, "h", "ws", nonce, key), WS_ERR_ARG);
    ASSERT_EQ(ws_handshake_request(out, sizeof out, "h", "/a b", nonce, key), WS_ERR_ARG);
    ASSERT_EQ(ws_handshake_request(out, sizeof out, "h\r\nX: y", "/", nonce, key), WS_ERR_ARG);
    ASSERT_EQ(ws_handshake_request(out, sizeof out, "", "/", nonce, key), WS_ERR_ARG);
}

#define RESP_OK                                                                                    \
    "HTTP/1.1 101 Switching Protocols\r\n"                                                         \
    "Upgrade: websocket\r\n"                                                                       \
    "Connection: Upgrade\r\n"                                                                      \
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"                                       \
    "\r\n"

static int parse(const char *s, size_t *consumed) {
    return ws_handshake_response_parse(s, strlen(s), RFC_KEY, consumed);
}

static void test_handshake_response(void) {
    size_t used = 99;
    /* Complete, followed by the first frame. */
    const char *resp = RESP_OK "\x81\x05Hello";
    ASSERT_EQ(parse(resp, &used), 1);
    ASSERT_EQ(used, strlen(RESP_OK));
    /* Every proper prefix needs more. */
    for (size_t i = 0; i < strlen(RESP_OK); i++) {
        ASSERT_EQ(ws_handshake_response_parse(RESP_OK, i, RFC_KEY, &used), 0);
        ASSERT_EQ(used, 0);
    }
    /* Case-insensitive names and tokens, lists, extra headers, whitespace. */
    ASSERT_EQ(parse("HTTP/1.1 101 Switching Protocols\r\n"
                    "server: x\r\n"
                    "UPGRADE:WebSocket\r\n"
                    "connection: keep-alive,  UPGRADE \r\n"
                    "sec-websocket-accept:   s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\t\r\n"
                    "Sec-WebSocket-Extensions: \r\n"
                    "\r\n",
                    &used),
              1);
    ASSERT_EQ(parse("HTTP/1.1 101\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                    &used),
              1);

    ASSERT_EQ(parse("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", &used), WS_ERR_STATUS);
    ASSERT_EQ(used, 0);
    ASSERT_EQ(parse("HTTP/1.1 200 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                    &used),
              WS_ERR_STATUS);
    ASSERT_EQ(parse("HTTP/1.1 1010 X\r\n\r\n", &used), WS_ERR_HTTP);
    ASSERT_EQ(parse("HTTP/2 101 X\r\n\r\n", &used), WS_ERR_HTTP);
    ASSERT_EQ(parse("\r\n\r\n", &used), WS_ERR_HTTP);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                    &used),
              WS_ERR_UPGRADE);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                    &used),
              WS_ERR_UPGRADE);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: upgraded\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                    &used),
              WS_ERR_CONNECTION);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", &used),
              WS_ERR_ACCEPT);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n\r\n",
                    &used),
              WS_ERR_ACCEPT);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: S3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                    &used),
              WS_ERR_ACCEPT);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                    "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
                    &used),
              WS_ERR_UNREQUESTED);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                    "Sec-WebSocket-Protocol: chat\r\n\r\n",
                    &used),
              WS_ERR_UNREQUESTED);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nUpgrade websocket\r\n\r\n", &used), WS_ERR_HTTP);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nUpgrade: websocket\r\n folded\r\n\r\n", &used), WS_ERR_HTTP);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nUpgrade: web\nsocket\r\n\r\n", &used), WS_ERR_HTTP);
    ASSERT_EQ(parse("HTTP/1.1 101 X\r\nUp grade: websocket\r\n\r\n", &used), WS_ERR_HTTP);
    char nul[] = "HTTP/1.1 101 X\r\nX: a\0b\r\n\r\n";
    ASSERT_EQ(ws_handshake_response_parse(nul, sizeof nul - 1, RFC_KEY, &used), WS_ERR_HTTP);
}

static void test_handshake_size_cap(void) {
    static char big[WS_HANDSHAKE_MAX + 100];
    size_t used;
    size_t head = strlen(RESP_OK) - 2; /* without the final CRLF */
    memcpy(big, RESP_OK, head);
    /* One padding header so that the header ends exactly at the cap. */
    size_t pad = WS_HANDSHAKE_MAX - head - 2;
    memcpy(big + head, "X: ", 3);
    memset(big + head + 3, 'a', pad - 5);
    memcpy(big + head + pad - 2, "\r\n\r\n", 4);
    ASSERT_EQ(ws_handshake_response_parse(big, WS_HANDSHAKE_MAX, RFC_KEY, &used), 1);
    ASSERT_EQ(used, WS_HANDSHAKE_MAX);
    ASSERT_EQ(ws_handshake_response_parse(big, WS_HANDSHAKE_MAX - 1, RFC_KEY, &used), 0);
    /* One byte more and the header does not fit. */
    memcpy(big + head, "X: a", 4);
    memset(big + head + 4, 'a', pad - 5);
    memcpy(big + head + pad - 1, "\r\n\r\n", 4);
    ASSERT_EQ(ws_handshake_response_parse(big, WS_HANDSHAKE_MAX - 1, RFC_KEY, &used), 0);
    ASSERT_EQ(ws_handshake_response_parse(big, WS_HANDSHAKE_MAX, RFC_KEY, &used),
              WS_ERR_HEADER_SIZE);
    ASSERT_EQ(ws_handshake_response_parse(big, sizeof big, RFC_KEY, &used), WS_ERR_HEADER_SIZE);
}

/* ---- encoding ------------------------------------------------------------- */

static const uint8_t RFC_MASK[4] = {0x37, 0xfa, 0x21, 0x3d};

static void test_encode_rfc(void) {
    uint8_t out[64];
    /* RFC 6455 5.7: a single-frame masked text message "Hello". */
    static const uint8_t want[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                   0x7f, 0x9f, 0x4d, 0x51, 0x58};
    int n = ws_frame_encode(out, sizeof out, WS_OP_TEXT, (const uint8_t *)"Hello", 5, RFC_MASK);
    ASSERT_EQ(n, sizeof want);
    ASSERT_MEM_EQ(out, want, sizeof want);
    ASSERT_EQ(
        ws_frame_encode(out, sizeof want - 1, WS_OP_TEXT, (const uint8_t *)"Hello", 5, RFC_MASK),
        WS_ERR_SPACE);
    /* Empty ping, close with a code. */
    n = ws_frame_encode(out, sizeof out, WS_OP_PING, NULL, 0, RFC_MASK);
    ASSERT_EQ(n, 6);
    ASSERT_EQ(out[0], 0x89);
    ASSERT_EQ(out[1], 0x80);
    n = ws_close_encode(out, sizeof out, 1000, "bye", RFC_MASK);
    ASSERT_EQ(n, 11);
    ASSERT_EQ(out[0], 0x88);
    ASSERT_EQ(out[1], 0x85);
    ASSERT_EQ(out[6] ^ RFC_MASK[0], 0x03);
    ASSERT_EQ(out[7] ^ RFC_MASK[1], 0xE8);
    ASSERT_EQ(ws_close_encode(out, sizeof out, WS_CLOSE_NO_STATUS, "x", RFC_MASK), 6);
    ASSERT_EQ(ws_close_encode(out, sizeof out, 999, NULL, RFC_MASK), WS_ERR_ARG);
    /* A long reason is cut to 123 bytes, at a character boundary. */
    static uint8_t big[256];
    char reason[200];
    memset(reason, 'a', sizeof reason);
    memcpy(reason + 122, "\xC3\xA9", 2); /* bytes 122-123 of the reason: one character */
    reason[sizeof reason - 1] = 0;
    n = ws_close_encode(big, sizeof big, 1001, reason, RFC_MASK);
    ASSERT_EQ(n, 6 + 2 + 122);

    ASSERT_EQ(ws_frame_encode(out, sizeof out, WS_OP_CONT, NULL, 0, RFC_MASK), WS_ERR_ARG);
    ASSERT_EQ(ws_frame_encode(out, sizeof out, 3, NULL, 0, RFC_MASK), WS_ERR_ARG);
    ASSERT_EQ(ws_frame_encode(big, sizeof big, WS_OP_PING, big, 126, RFC_MASK), WS_ERR_ARG);
    ASSERT_EQ(ws_frame_encode(big, sizeof big, WS_OP_PONG, big, 125, RFC_MASK), 131);
}

static void test_encode_lengths(void) {
    static uint8_t payload[70000], out[70100];
    struct {
        size_t len, hdr;
    } cases[] = {{0, 6}, {125, 6}, {126, 8}, {65535, 8}, {65536, 14}, {70000, 14}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = cases[i].len;
        ASSERT_EQ(ws_frame_size(len), len + cases[i].hdr);
        int n = ws_frame_encode(out, sizeof out, WS_OP_BINARY, payload, len, RFC_MASK);
        ASSERT_EQ(n, len + cases[i].hdr);
        ASSERT_EQ(out[0], 0x82);
        ASSERT(out[1] & 0x80);
        if (cases[i].hdr == 8) {
            ASSERT_EQ(out[1], 0x80 | 126);
            ASSERT_EQ((out[2] << 8 | out[3]), len);
        } else if (cases[i].hdr == 14) {
            ASSERT_EQ(out[1], 0x80 | 127);
            uint64_t l = 0;
            for (int k = 2; k < 10; k++)
                l = l << 8 | out[k];
            ASSERT_EQ(l, len);
        } else {
            ASSERT_EQ(out[1], 0x80 | len);
        }
    }
}

/* Turns our masked client frame into the unmasked server frame it stands
 * for, so that the decoder can read it. Returns the new length. */
static size_t unmask_frame(const uint8_t *in, size_t n, uint8_t *out) {
    size_t ext = (in[1] & 0x7F) == 126 ? 2 : (in[1] & 0x7F) == 127 ? 8 : 0;
    size_t h = 2 + ext;
    const uint8_t *mask = in + h;
    memcpy(out, in, h);
    out[1] &= 0x7F;
    for (size_t i = 0; i < n - h - 4; i++)
        out[h + i] = in[h + 4 + i] ^ mask[i & 3];
    return n - 4;
}

static void test_encode_round_trip(void) {
    static uint8_t payload[70000], framed[70100], server[70100];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)('a' + i % 26);
    size_t lens[] = {0, 1, 125, 126, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t mask[4] = {(uint8_t)i, 0xA5, 0x5A, 0xFF};
        int n = ws_frame_encode(framed, sizeof framed, WS_OP_TEXT, payload, lens[i], mask);
        ASSERT(n > 0);
        /* Our own frame is masked: a client must refuse it from a server. */
        ws_decoder d;
        ws_event ev;
        size_t used;
        ws_decoder_init(&d, sizeof payload);
        ASSERT_EQ(ws_decoder_feed(&d, framed, (size_t)n, &used, &ev), WS_ERR_MASKED);
        ws_decoder_free(&d);

        size_t m = unmask_frame(framed, (size_t)n, server);
        ws_decoder_init(&d, sizeof payload);
        ASSERT_EQ(ws_decoder_feed(&d, server, m, &used, &ev), WS_EV_TEXT);
        ASSERT_EQ(used, m);
        ASSERT_EQ(ev.len, lens[i]);
        ASSERT_MEM_EQ(ev.data, payload, lens[i]);
        ASSERT_EQ(ev.data[ev.len], 0);
        ws_decoder_free(&d);
    }
}

/* ---- decoding ------------------------------------------------------------- */

/* Feeds a whole buffer and expects exactly one event that ends it. */
static int feed1(ws_decoder *d, const void *buf, size_t n, ws_event *ev) {
    size_t used = 0;
    int r = ws_decoder_feed(d, buf, n, &used, ev);
    if (r > 0) ASSERT_EQ(used, n);
    return r;
}

static void test_decode_rfc(void) {
    ws_decoder d;
    ws_event ev;
    ws_decoder_init(&d, 1 << 20);
    /* 5.7: a single-frame unmasked text message. */
    ASSERT_EQ(feed1(&d, "\x81\x05Hello", 7, &ev), WS_EV_TEXT);
    ASSERT_EQ(ev.type, WS_EV_TEXT);
    ASSERT_EQ(ev.len, 5);
    ASSERT_STR_EQ((const char *)ev.data, "Hello");
    /* A fragmented unmasked text message. */
    size_t used;
    ASSERT_EQ(ws_decoder_feed(&d, (const uint8_t *)"\x01\x03Hel", 5, &used, &ev), WS_EV_NONE);
    ASSERT_EQ(used, 5);
    ASSERT_EQ(feed1(&d, "\x80\x02lo", 4, &ev), WS_EV_TEXT);
    ASSERT_STR_EQ((const char *)ev.data, "Hello");
    /* Unmasked ping, then pong, "Hello" as payload. */
    ASSERT_EQ(feed1(&d, "\x89\x05Hello", 7, &ev), WS_EV_PING);
    ASSERT_EQ(ev.len, 5);
    ASSERT_STR_EQ((const char *)ev.data, "Hello");
    ASSERT_EQ(feed1(&d, "\x8a\x05Hello", 7, &ev), WS_EV_PONG);
    ASSERT_STR_EQ((const char *)ev.data, "Hello");
    /* Empty text message. */
    ASSERT_EQ(feed1(&d, "\x81\x00", 2, &ev), WS_EV_TEXT);
    ASSERT_EQ(ev.len, 0);
    ASSERT_STR_EQ((const char *)ev.data, "");
    /* 256 bytes binary in a single unmasked frame (16-bit length). */
    static uint8_t buf[10 + 65536];
    memcpy(buf, "\x82\x7E\x01\x00", 4);
    for (int i = 0; i < 256; i++)
        buf[4 + i] = (uint8_t)i;
    ASSERT_EQ(feed1(&d, buf, 4 + 256, &ev), WS_EV_BINARY);
    ASSERT_EQ(ev.len, 256);
    ASSERT_MEM_EQ(ev.data, buf + 4, 256);
    /* 64 KiB binary in a single unmasked frame (64-bit length). */
    memcpy(buf, "\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10);
    for (int i = 0; i < 65536; i++)
        buf[10 + i] = (uint8_t)(i * 7);
    ASSERT_EQ(feed1(&d, buf, sizeof buf, &ev), WS_EV_BINARY);
    ASSERT_EQ(ev.len, 65536);
    ASSERT_MEM_EQ(ev.data, buf + 10, 65536);
    ws_decoder_free(&d);
}

static void test_decode_interleaved(void) {
    ws_decoder d;
    ws_event ev;
    size_t used;
    ws_decoder_init(&d, 100);
    /* A ping between the fragments of a text message, and two messages
     * in one buffer: one event per call. */
    static const uint8_t in[] = "\x01\x03Hel"
                                "\x89\x02hi"
                                "\x00\x01l"
                                "\x80\x01o"
                                "\x81\x01!";
    size_t n = sizeof in - 1, off = 0;
    ASSERT_EQ(ws_decoder_feed(&d, in, n, &used, &ev), WS_EV_PING);
    ASSERT_EQ(used, 9);
    ASSERT_STR_EQ((const char *)ev.data, "hi");
    off += used;
    ASSERT_EQ(ws_decoder_feed(&d, in + off, n - off, &used, &ev), WS_EV_TEXT);
    ASSERT_EQ(used, 6);
    ASSERT_STR_EQ((const char *)ev.data, "Hello");
    off += used;
    ASSERT_EQ(ws_decoder_feed(&d, in + off, n - off, &used, &ev), WS_EV_TEXT);
    ASSERT_STR_EQ((const char *)ev.data, "!");
    ASSERT_EQ(off + used, n);
    ASSERT_EQ(ws_decoder_feed(&d, in, 0, &used, &ev), WS_EV_NONE);
    ASSERT_EQ(used, 0);
    /* A character split between two fragments. */
    ASSERT_EQ(feed1(&d, "\x01\x01\xC3", 3, &ev), WS_EV_NONE);
    ASSERT_EQ(feed1(&d, "\x80\x01\xA9", 3, &ev), WS_EV_TEXT);
    ASSERT_STR_EQ((const char *)ev.data, "\xC3\xA9");
    /* Exactly max_message over several frames is fine. */
    static uint8_t big[200];
    memcpy(big, "\x02\x32", 2);
    memset(big + 2, 'x', 50);
    ASSERT_EQ(feed1(&d, big, 52, &ev), WS_EV_NONE);
    big[0] = 0x80;
    ASSERT_EQ(feed1(&d, big, 52, &ev), WS_EV_BINARY);
    ASSERT_EQ(ev.len, 100);
    ws_decoder_free(&d);
}

static void test_decode_close(void) {
    ws_decoder d;
    ws_event ev;
    size_t used;
    ws_decoder_init(&d, 100);
    /* 1009 with a reason; what follows the close is ignored. */
    ASSERT_EQ(ws_decoder_feed(&d,
                              (const uint8_t *)"\x88\x05\x03\xF1"
                                               "big\x81\x01x",
                              9, &used, &ev),
              WS_EV_CLOSE);
    ASSERT_EQ(used, 7);
    ASSERT_EQ(ev.close_code, 1009);
    ASSERT_EQ(ev.len, 3);
    ASSERT_STR_EQ((const char *)ev.data, "big");
    ASSERT_EQ(ws_decoder_feed(&d, (const uint8_t *)"\x81\x01x", 3, &used, &ev), WS_EV_NONE);
    ASSERT_EQ(used, 3);
    ws_decoder_free(&d);

    ws_decoder_init(&d, 100);
    ASSERT_EQ(feed1(&d, "\x88\x00", 2, &ev), WS_EV_CLOSE);
    ASSERT_EQ(ev.close_code, WS_CLOSE_NO_STATUS);
    ASSERT_EQ(ev.len, 0);
    ASSERT_STR_EQ((const char *)ev.data, "");
    ws_decoder_free(&d);

    int codes_ok[] = {1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999};
    int codes_bad[] = {0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535};
    for (size_t i = 0; i < sizeof codes_ok / sizeof codes_ok[0]; i++) {
        uint8_t f[4] = {0x88, 2, (uint8_t)(codes_ok[i] >> 8), (uint8_t)codes_ok[i]};
        ws_decoder_init(&d, 100);
        ASSERT_EQ(feed1(&d, f, 4, &ev), WS_EV_CLOSE);
        ASSERT_EQ(ev.close_code, codes_ok[i]);
        ws_decoder_free(&d);
    }
    for (size_t i = 0; i < sizeof codes_bad / sizeof codes_bad[0]; i++) {
        uint8_t f[4] = {0x88, 2, (uint8_t)(codes_bad[i] >> 8), (uint8_t)codes_bad[i]};
        ws_decoder_init(&d, 100);
        ASSERT_EQ(feed1(&d, f, 4, &ev), WS_ERR_CLOSE_PAYLOAD);
        ws_decoder_free(&d);
    }
}

/* Feeds one frame sequence to a fresh decoder; returns the first error (or
 * the last event). */
static int decode_all(const void *buf, size_t n, size_t max) {
    ws_decoder d;
    ws_event ev;
    ws_decoder_init(&d, max);
    const uint8_t *p = buf;
    int r = 0;
    while (n) {
        size_t used;
        r = ws_decoder_feed(&d, p, n, &used, &ev);
        if (r <= 0) break;
        p += used, n -= used;
    }
    if (r < 0) {
        /* Sticky. */
        size_t used;
        ASSERT_EQ(ws_decoder_feed(&d, (const uint8_t *)"\x81\x00", 2, &used, &ev), r);
    }
    ws_decoder_free(&d);
    return r;
}

#define DEC(lit, max) decode_all(lit, sizeof lit - 1, max)

static void test_decode_errors(void) {
    ASSERT_EQ(DEC("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 100), WS_ERR_MASKED);
    ASSERT_EQ(DEC("\xC1\x00", 100), WS_ERR_RSV);
    ASSERT_EQ(DEC("\xA1\x00", 100), WS_ERR_RSV);
    ASSERT_EQ(DEC("\x91\x00", 100), WS_ERR_RSV);
    for (int op = 3; op <= 15; op++) {
        if (op >= 8 && op <= 10) continue;
        uint8_t f[2] = {(uint8_t)(0x80 | op), 0};
        ASSERT_EQ(decode_all(f, 2, 100), WS_ERR_OPCODE);
    }
    ASSERT_EQ(DEC("\x89\x7E\x00\x7E", 1000), WS_ERR_CONTROL); /* ping of 126 bytes */
    ASSERT_EQ(DEC("\x88\x7F", 1000), WS_ERR_CONTROL);         /* close, 64-bit length */
    ASSERT_EQ(DEC("\x09\x00", 100), WS_ERR_CONTROL);          /* fragmented ping */
    ASSERT_EQ(DEC("\x80\x01x", 100), WS_ERR_CONTINUATION);    /* nothing to continue */
    ASSERT_EQ(DEC("\x00\x01x", 100), WS_ERR_CONTINUATION);
    ASSERT_EQ(DEC("\x01\x01x\x81\x01y", 100), WS_ERR_CONTINUATION); /* new message inside */
    ASSERT_EQ(DEC("\x01\x01x\x02\x01y", 100), WS_ERR_CONTINUATION);
    ASSERT_EQ(DEC("\x81\x7E\x00\x7D", 1000), WS_ERR_LENGTH); /* 16-bit for 125 */
    ASSERT_EQ(DEC("\x81\x7F\x00\x00\x00\x00\x00\x00\xFF\xFF", 1 << 20), WS_ERR_LENGTH);
    ASSERT_EQ(DEC("\x81\x7F\x80\x00\x00\x00\x00\x00\x00\x00", 1 << 20), WS_ERR_LENGTH);
    ASSERT_EQ(DEC("\x81\x7F\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 1 << 20), WS_ERR_TOO_BIG);
    ASSERT_EQ(DEC("\x81\x0Bhello world", 10), WS_ERR_TOO_BIG);
    ASSERT_EQ(DEC("\x01\x06hello \x80\x05world", 10), WS_ERR_TOO_BIG);
    ASSERT_EQ(DEC("\x01\x06hello \x89\x00\x00\x05world", 10), WS_ERR_TOO_BIG);
    ASSERT_EQ(DEC("\x01\x06hello \x89\x00\x80\x04worl", 10), WS_EV_TEXT);
    ASSERT_EQ(DEC("\x81\x02\xC3\x28", 100), WS_ERR_UTF8);         /* bad continuation byte */
    ASSERT_EQ(DEC("\x81\x02\xC0\xAF", 100), WS_ERR_UTF8);         /* overlong '/' */
    ASSERT_EQ(DEC("\x81\x03\xED\xA0\x80", 100), WS_ERR_UTF8);     /* surrogate */
    ASSERT_EQ(DEC("\x81\x04\xF4\x90\x80\x80", 100), WS_ERR_UTF8); /* past U+10FFFF */
    ASSERT_EQ(DEC("\x81\x01\xC3", 100), WS_ERR_UTF8);             /* truncated */
    ASSERT_EQ(DEC("\x81\x01\xFF", 100), WS_ERR_UTF8);
    ASSERT_EQ(DEC("\x82\x01\xFF", 100), WS_EV_BINARY);           /* binary is not checked */
    ASSERT_EQ(DEC("\x81\x04\xF0\x9F\x98\x80", 100), WS_EV_TEXT); /* U+1F600 */
    ASSERT_EQ(DEC("\x88\x01\x03", 100), WS_ERR_CLOSE_PAYLOAD);
    ASSERT_EQ(DEC("\x88\x03\x03\xE8\xFF", 100), WS_ERR_UTF8); /* close reason */

    ASSERT_EQ(ws_error_close_code(WS_ERR_TOO_BIG), 1009);
    ASSERT_EQ(ws_error_close_code(WS_ERR_UTF8), 1007);
    ASSERT_EQ(ws_error_close_code(WS_ERR_MASKED), 1002);
    for (int e = WS_ERR_NOMEM; e <= WS_ERR_ARG; e++)
        ASSERT(strcmp(ws_strerror(e), "unknown error") != 0);
}

/* Event log of a decoding, as text, to compare two feeding strategies. */
static void log_events(const uint8_t *in, size_t n, size_t chunk, GString *log) {
    ws_decoder d;
    ws_decoder_init(&d, 1 << 20);
    size_t off = 0;
    while (off < n) {
        size_t take = n - off < chunk ? n - off : chunk;
        const uint8_t *p = in + off;
        off += take;
        while (take) {
            size_t used;
            ws_event ev;
            int r = ws_decoder_feed(&d, p, take, &used, &ev);
            ASSERT(used <= take);
            p += used, take -= used;
            if (r < 0) {
                g_string_append_printf(log, "error %d\n", r);
                ws_decoder_free(&d);
                return;
            }
            if (r == WS_EV_NONE) {
                ASSERT_EQ(take, 0);
                break;
            }
            g_string_append_printf(log, "ev %d code %d len %zu:", r, ev.close_code, ev.len);
            g_string_append_len(log, (const char *)ev.data, (gssize)ev.len);
            g_string_append_c(log, '\n');
        }
    }
    ws_decoder_free(&d);
}

static void test_decode_chunking(void) {
    GByteArray *s = g_byte_array_new();
#define ADD(lit) g_byte_array_append(s, (const guint8 *)lit, sizeof lit - 1)
    ADD("\x81\x05Hello");
    ADD("\x01\x03Hel\x89\x02hi\x00\x00\x80\x02lo");
    ADD("\x8a\x00");
    static uint8_t mid[4 + 300];
    memcpy(mid, "\x02\x7E\x01\x2C", 4);
    memset(mid + 4, 'm', 300);
    g_byte_array_append(s, mid, sizeof mid);
    static uint8_t big[10 + 70000];
    memcpy(big, "\x80\x7F\x00\x00\x00\x00\x00\x01\x11\x70", 10);
    for (size_t i = 0; i < 70000; i++)
        big[10 + i] = (uint8_t)('A' + i % 26); /* no NUL: the log is searched with strstr */
    g_byte_array_append(s, big, sizeof big);
    ADD("\x81\x00");
    ADD("\x88\x04\x03\xE8ok");
    ADD("\x81\x01z"); /* after the close: ignored */

    GString *whole = g_string_new(NULL), *bytes = g_string_new(NULL), *odd = g_string_new(NULL);
    log_events(s->data, s->len, s->len, whole);
    log_events(s->data, s->len, 1, bytes);
    log_events(s->data, s->len, 7, odd);
    ASSERT(strstr(whole->str, "ev 3 code 0 len 2:hi\n") != NULL);
    ASSERT(strstr(whole->str, "ev 5 code 1000 len 2:ok\n") != NULL);
    ASSERT(strstr(whole->str, "error") == NULL);
    ASSERT_EQ(whole->len, bytes->len);
    ASSERT_MEM_EQ(whole->str, bytes->str, whole->len);
    ASSERT_EQ(whole->len, odd->len);
    ASSERT_MEM_EQ(whole->str, odd->str, whole->len);

    /* Errors too: the same error whatever the chunking. */
    g_byte_array_set_size(s, 0);
    ADD("\x81\x02ok\x01\x01x\x89\x01p\x81\x00");
    g_string_truncate(whole, 0);
    g_string_truncate(bytes, 0);
    log_events(s->data, s->len, s->len, whole);
    log_events(s->data, s->len, 1, bytes);
    ASSERT(strstr(whole->str, "error -14") != NULL);
    ASSERT_STR_EQ(whole->str, bytes->str);
#undef ADD
    g_string_free(whole, TRUE);
    g_string_free(bytes, TRUE);
    g_string_free(odd, TRUE);
    g_byte_array_free(s, TRUE);
}

int main(void) {
    RUN_TEST(test_accept_value);
    RUN_TEST(test_handshake_request);
    RUN_TEST(test_handshake_response);
    RUN_TEST(test_handshake_size_cap);
    RUN_TEST(test_encode_rfc);
    RUN_TEST(test_encode_lengths);
    RUN_TEST(test_encode_round_trip);
    RUN_TEST(test_decode_rfc);
    RUN_TEST(test_decode_interleaved);
    RUN_TEST(test_decode_close);
    RUN_TEST(test_decode_errors);
    RUN_TEST(test_decode_chunking);
    TEST_DONE();
}
