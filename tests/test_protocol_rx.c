/* signaling/protocol_rx: the node's WebSocket receive path without sockets
 * (message assembly exactly as server.c drives it), the per-session
 * message limits in virtual time, and the Origin rule of /ws. */
#include "signaling/protocol_rx.h"
#include "tests/test.h"

static proto_rx_result feed(proto_rx *rx, const char *s, int first, int final, const char **msg,
                            size_t *len) {
    return proto_rx_feed(rx, s, s ? strlen(s) : 0, first, final, 0, msg, len);
}

/* Issue 15, defect 2: empty text frames reached memcpy(NULL + 0, in, 0).
 * Under UBSan (this test's ASan build) any such call aborts. */
static void test_empty_frames(void) {
    proto_rx rx;
    proto_rx_init(&rx, 1024);
    const char *msg = (const char *)1;
    size_t len = 99;
    /* A zero-length text frame with FIN as the very first frame. */
    ASSERT_EQ(proto_rx_feed(&rx, NULL, 0, 1, 1, 0, &msg, &len), PROTO_RX_MESSAGE);
    ASSERT(msg != NULL);
    ASSERT_EQ(len, 0);
    ASSERT_STR_EQ(msg, "");
    proto_rx_done(&rx);
    /* An empty first fragment, then the text. */
    ASSERT_EQ(proto_rx_feed(&rx, "", 0, 1, 0, 0, &msg, &len), PROTO_RX_MORE);
    ASSERT_EQ(feed(&rx, "{\"type\":\"ping\"}", 0, 1, &msg, &len), PROTO_RX_MESSAGE);
    ASSERT_EQ(len, 15);
    ASSERT_MEM_EQ(msg, "{\"type\":\"ping\"}", 15);
    proto_rx_done(&rx);
    proto_rx_free(&rx);

    /* An empty frame after a message over 64 KiB (whose buffer is given
     * back by proto_rx_done). */
    proto_rx_init(&rx, 1 << 20);
    char *big = malloc(70000);
    ASSERT(big);
    memset(big, 'x', 70000);
    ASSERT_EQ(proto_rx_feed(&rx, big, 70000, 1, 1, 0, &msg, &len), PROTO_RX_MESSAGE);
    ASSERT_EQ(len, 70000);
    proto_rx_done(&rx);
    ASSERT(rx.buf == NULL);
    ASSERT_EQ(proto_rx_feed(&rx, NULL, 0, 1, 1, 0, &msg, &len), PROTO_RX_MESSAGE);
    ASSERT_EQ(len, 0);
    ASSERT_STR_EQ(msg, "");
    proto_rx_done(&rx);
    free(big);
    proto_rx_free(&rx);
}

static void test_fragments(void) {
    proto_rx rx;
    proto_rx_init(&rx, 16);
    const char *msg;
    size_t len;
    ASSERT_EQ(feed(&rx, "{\"ty", 1, 0, &msg, &len), PROTO_RX_MORE);
    ASSERT_EQ(feed(&rx, "pe\":", 0, 0, &msg, &len), PROTO_RX_MORE);
    ASSERT_EQ(feed(&rx, "", 0, 0, &msg, &len), PROTO_RX_MORE);
    ASSERT_EQ(feed(&rx, "1}", 0, 1, &msg, &len), PROTO_RX_MESSAGE);
    ASSERT_EQ(len, 10);
    ASSERT_MEM_EQ(msg, "{\"type\":1}", 10);
    proto_rx_done(&rx);
    /* Exactly max is fine, one more is too large, and the rest of that
     * message is dropped without another answer. */
    ASSERT_EQ(feed(&rx, "0123456789abcdef", 1, 1, &msg, &len), PROTO_RX_MESSAGE);
    ASSERT_EQ(len, 16);
    proto_rx_done(&rx);
    ASSERT_EQ(feed(&rx, "0123456789", 1, 0, &msg, &len), PROTO_RX_MORE);
    ASSERT_EQ(feed(&rx, "abcdefg", 0, 0, &msg, &len), PROTO_RX_TOO_LARGE);
    ASSERT_EQ(feed(&rx, "more", 0, 0, &msg, &len), PROTO_RX_MORE);
    ASSERT_EQ(feed(&rx, "end", 0, 1, &msg, &len), PROTO_RX_MORE);
    /* The next message starts clean. */
    ASSERT_EQ(feed(&rx, "{}", 1, 1, &msg, &len), PROTO_RX_MESSAGE);
    ASSERT_EQ(len, 2);
    proto_rx_done(&rx);
    /* Binary: answered once, all of it dropped. */
    ASSERT_EQ(proto_rx_feed(&rx, "\x01\x02", 2, 1, 0, 1, &msg, &len), PROTO_RX_BINARY);
    ASSERT_EQ(proto_rx_feed(&rx, "\x03", 1, 0, 1, 1, &msg, &len), PROTO_RX_MORE);
    ASSERT_EQ(proto_rx_feed(&rx, NULL, 0, 1, 1, 1, &msg, &len), PROTO_RX_BINARY);
    /* A continuation after FIN without a new first fragment: dropped. */
    ASSERT_EQ(feed(&rx, "{}", 1, 1, &msg, &len), PROTO_RX_MESSAGE);
    ASSERT_EQ(feed(&rx, "{}", 0, 1, &msg, &len), PROTO_RX_MORE);
    proto_rx_free(&rx);
}

static void test_limits(void) {
    proto_limiter l;
    uint64_t t = 1000000;
    proto_limiter_init(&l, 100, t);
    /* mute: burst 20, then refused; the client is told once a second. */
    for (int i = 0; i < 20; i++)
        ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_STATE, t), PROTO_LIMIT_OK);
    ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_STATE, t), PROTO_LIMIT_REFUSE);
    ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_STATE, t), PROTO_LIMIT_SILENCE);
    ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_STATE, t + 50000), PROTO_LIMIT_SILENCE);
    ASSERT_EQ(l.refused, 3);
    /* 10 per second refill: one token after 100 ms. */
    ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_STATE, t + 150000), PROTO_LIMIT_OK);
    ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_STATE, t + 150000), PROTO_LIMIT_SILENCE);
    ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_STATE, t + 1000001), PROTO_LIMIT_OK);
    /* Other classes have their own buckets. */
    ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_CANDIDATE, t), PROTO_LIMIT_OK);
    /* A client sending 1000 mutes per second for 10 s gets about 10 per
     * second through (and 10 answers, one a second). */
    int ok = 0, told = 0;
    proto_limiter_init(&l, 100, t);
    for (int i = 0; i < 10000; i++) {
        proto_limit_verdict v = proto_limit_take(&l, PROTO_CLASS_STATE, t + (uint64_t)i * 1000);
        ok += v == PROTO_LIMIT_OK;
        told += v == PROTO_LIMIT_REFUSE;
    }
    ASSERT(ok >= 20 + 99 && ok <= 20 + 101);
    ASSERT(told >= 9 && told <= 10);
    /* Scaled: 200 % doubles the burst; 0 turns limits off. */
    proto_limiter_init(&l, 200, t);
    for (int i = 0; i < 40; i++)
        ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_STATE, t), PROTO_LIMIT_OK);
    ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_STATE, t), PROTO_LIMIT_REFUSE);
    proto_limiter_init(&l, 0, t);
    for (int i = 0; i < 100000; i++)
        ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_ANY, t), PROTO_LIMIT_OK);
    /* A clock that goes backwards takes nothing away. */
    proto_limiter_init(&l, 100, t);
    ASSERT_EQ(proto_limit_take(&l, PROTO_CLASS_OTHER, t - 500000), PROTO_LIMIT_OK);
    ASSERT_EQ(proto_class_of(PROTO_PUBLISH), PROTO_CLASS_NEGOTIATE);
    ASSERT_EQ(proto_class_of(PROTO_SUBSCRIBE_ANSWER), PROTO_CLASS_NEGOTIATE);
    ASSERT_EQ(proto_class_of(PROTO_CANDIDATE), PROTO_CLASS_CANDIDATE);
    ASSERT_EQ(proto_class_of(PROTO_MUTE), PROTO_CLASS_STATE);
    ASSERT_EQ(proto_class_of(PROTO_PING), PROTO_CLASS_OTHER);
    ASSERT_EQ(proto_class_of(PROTO_JOIN), PROTO_CLASS_OTHER);
    ASSERT_EQ(proto_class_of((proto_type)99), PROTO_CLASS_OTHER);
}

static void test_origin(void) {
    const char *none[1] = {NULL};
    /* The node's own host name, any port or scheme. */
    ASSERT(proto_origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", none, 0));
    ASSERT(proto_origin_allowed("https://Meet.Example.org", "meet.example.org", none, 0));
    ASSERT(proto_origin_allowed("http://127.0.0.1:9000", "127.0.0.1:8080", none, 0));
    ASSERT(proto_origin_allowed("http://[::1]:8080", "[::1]:8080", none, 0));
    /* Elsewhere. */
    ASSERT(!proto_origin_allowed("https://evil.example", "meet.example.org", none, 0));
    ASSERT(!proto_origin_allowed("https://meet.example.org.evil.example", "meet.example.org", none,
                                 0));
    ASSERT(!proto_origin_allowed("https://meet.example", "meet.example.org", none, 0));
    ASSERT(!proto_origin_allowed("null", "meet.example.org", none, 0));
    ASSERT(!proto_origin_allowed("file://", "meet.example.org", none, 0));
    ASSERT(!proto_origin_allowed("chrome-extension://abc", "abc", none, 0));
    ASSERT(!proto_origin_allowed("http://[::1", "[::1]:8080", none, 0));
    ASSERT(!proto_origin_allowed("http://a@meet.example.org", "meet.example.org", none, 0));
    ASSERT(!proto_origin_allowed("http://127.0.0.1", "", none, 0));
    ASSERT(!proto_origin_allowed("", "meet.example.org", none, 0));
    /* Listed origins: exact (case-insensitive), or everything with "*". */
    const char *list[] = {"https://meet.example.org", "http://10.0.0.1:8080"};
    ASSERT(proto_origin_allowed("https://MEET.example.org", "n1.example.org", list, 2));
    ASSERT(proto_origin_allowed("http://10.0.0.1:8080", "n1.example.org", list, 2));
    ASSERT(!proto_origin_allowed("http://10.0.0.1:8081", "n1.example.org", list, 2));
    ASSERT(!proto_origin_allowed("https://meet.example.org:444", "n1.example.org", list, 2));
    const char *any[] = {"*"};
    ASSERT(proto_origin_allowed("https://anywhere.example", "n1.example.org", any, 1));
    ASSERT(proto_origin_allowed("null", "n1.example.org", any, 1));
}

int main(void) {
    RUN_TEST(test_empty_frames);
    RUN_TEST(test_fragments);
    RUN_TEST(test_limits);
    RUN_TEST(test_origin);
    TEST_DONE();
}
