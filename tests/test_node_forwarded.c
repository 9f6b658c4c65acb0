/* The join limiter of a real node (RELAIS_BIN) behind a trusted proxy:
 * `--join-rate 2 --trusted-proxy 127.0.0.1`, so 127.0.0.1 plays the load
 * balancer and 127.0.0.2 a client connecting directly. Each join is its own
 * WebSocket with its own X-Forwarded-For, and the answer to `join` says
 * whose budget it was counted against: `joined` or `rate-limited`. The
 * header parsing itself is tested in test_ipnet.c. */
#include "loadtest/ws.h"
#include "tests/test.h"
#include "tests/test_node.h"

#include <errno.h>
#include <stdio.h>

static int node_port;

/* Connects from src (a loopback address), upgrades to /ws with the given
 * extra header lines ("Name: value\r\n"..., or ""), sends one join and
 * returns the answer's type, with ":CODE" for an error ("joined",
 * "error:rate-limited"), in a static buffer. */
static const char *join_via(const char *src, const char *headers) {
    static char result[64];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT(fd >= 0);
    struct sockaddr_in from = {.sin_family = AF_INET};
    ASSERT(inet_pton(AF_INET, src, &from.sin_addr) == 1);
    ASSERT(bind(fd, (struct sockaddr *)&from, sizeof from) == 0);
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)node_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ASSERT(connect(fd, (struct sockaddr *)&to, sizeof to) == 0);
    struct timeval tv = {.tv_sec = 10};
    ASSERT(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);

    /* The library's upgrade request with the extra lines before its blank
     * line. */
    char req[2048], host[32], key[25];
    static const uint8_t key16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    snprintf(host, sizeof host, "127.0.0.1:%d", node_port);
    int n = ws_handshake_request(req, sizeof req, host, "/ws", key16, key);
    ASSERT(n > 2);
    n -= 2; /* drop the final CRLF */
    int m = snprintf(req + n, sizeof req - (size_t)n, "%s\r\n", headers);
    ASSERT(m > 0 && (size_t)m < sizeof req - (size_t)n);
    n += m;
    ASSERT(send(fd, req, (size_t)n, 0) == n);

    /* The 101 response; whatever follows it is the first frame's start. */
    char buf[8192];
    size_t have = 0, head = 0;
    int hs;
    while ((hs = ws_handshake_response_parse(buf, have, key, &head)) == 0) {
        ssize_t r = recv(fd, buf + have, sizeof buf - have, 0);
        ASSERT(r > 0);
        have += (size_t)r;
    }
    ASSERT_EQ(hs, 1);

    const char *join = "{\"type\":\"join\",\"room\":\"fwd\",\"name\":\"t\"}";
    uint8_t frame[128];
    const uint8_t mask[4] = {1, 2, 3, 4};
    int fl =
        ws_frame_encode(frame, sizeof frame, WS_OP_TEXT, (const uint8_t *)join, strlen(join), mask);
    ASSERT(fl > 0);
    ASSERT(send(fd, frame, (size_t)fl, 0) == fl);

    ws_decoder d;
    ws_decoder_init(&d, 1 << 20);
    ws_event ev = {0};
    const uint8_t *in = (const uint8_t *)buf + head;
    size_t in_len = have - head;
    for (;;) {
        size_t used = 0;
        int t = in_len ? ws_decoder_feed(&d, in, in_len, &used, &ev) : WS_EV_NONE;
        in += used;
        in_len -= used;
        if (t == WS_EV_TEXT) break;
        ASSERT(t >= 0 && t != WS_EV_CLOSE);
        if (in_len == 0) {
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            ASSERT(r > 0);
            in = (const uint8_t *)buf;
            in_len = (size_t)r;
        }
    }
    const char *text = (const char *)ev.data;
    if (strncmp(text, "{\"type\":\"joined\"", 16) == 0) {
        snprintf(result, sizeof result, "joined");
    } else {
        const char *code = strstr(text, "\"code\":\"");
        ASSERT(strncmp(text, "{\"type\":\"error\"", 15) == 0 && code);
        code += 8;
        snprintf(result, sizeof result, "error:%.*s", (int)strcspn(code, "\""), code);
    }
    ws_decoder_free(&d);
    close(fd);
    return result;
}

static void test_limiter_behind_proxy(void) {
    /* Two clients behind the proxy have a budget each. */
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 198.51.100.7\r\n"), "joined");
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 198.51.100.7\r\n"), "joined");
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 198.51.100.7\r\n"), "error:rate-limited");
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 198.51.100.8\r\n"), "joined");
    /* What the client wrote itself, left of what the proxy saw, changes
     * nothing; so does a port. */
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 203.0.113.1, 198.51.100.7\r\n"),
                  "error:rate-limited");
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 198.51.100.7:4711\r\n"),
                  "error:rate-limited");
    /* A second trusted hop is skipped, also when each hop sent its own
     * header line. */
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 198.51.100.9, 127.0.0.1\r\n"), "joined");
    ASSERT_STR_EQ(
        join_via("127.0.0.1", "X-Forwarded-For: 198.51.100.9\r\nX-Forwarded-For: 127.0.0.1\r\n"),
        "joined");
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 198.51.100.9\r\n"), "error:rate-limited");
    /* IPv6 clients, written in two ways, are one client. */
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 2001:db8::1\r\n"), "joined");
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: [2001:DB8:0::1]:443\r\n"), "joined");
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 2001:db8::1\r\n"), "error:rate-limited");
}

static void test_untrusted_peer(void) {
    /* A client connecting directly cannot pick its budget by header. */
    ASSERT_STR_EQ(join_via("127.0.0.2", "X-Forwarded-For: 198.51.100.20\r\n"), "joined");
    ASSERT_STR_EQ(join_via("127.0.0.2", "X-Forwarded-For: 198.51.100.21\r\n"), "joined");
    ASSERT_STR_EQ(join_via("127.0.0.2", "X-Forwarded-For: 198.51.100.22\r\n"),
                  "error:rate-limited");
    ASSERT_STR_EQ(join_via("127.0.0.2", ""), "error:rate-limited");
}

static void test_proxy_itself(void) {
    /* Without a header, or with one that is no address, the connection
     * counts against the proxy's own address. */
    ASSERT_STR_EQ(join_via("127.0.0.1", ""), "joined");
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: unknown\r\n"), "joined");
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 198.51.100.30, _hidden\r\n"),
                  "error:rate-limited");
    ASSERT_STR_EQ(join_via("127.0.0.1", "X-Forwarded-For: 198.51.100.30\r\n"), "joined");
}

static int file_count(const char *path, const char *needle) {
    gchar *text = NULL;
    ASSERT(g_file_get_contents(path, &text, NULL, NULL));
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++)
        n++;
    g_free(text);
    return n;
}

int main(void) {
    const char *bin = test_node_bin();
    if (!bin) {
        printf("skipped: RELAIS_BIN not set\n");
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);
    char log[] = "/tmp/relais-test-node-forwarded-XXXXXX";
    int lfd = mkstemp(log);
    ASSERT(lfd >= 0);
    close(lfd);
    node_port = test_free_port();
    const char *extra[] = {"--join-rate", "2", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy",
                           "127.0.0.1",   NULL};
    pid_t pid = test_node_start(bin, node_port, "45100-45199", extra, log);
    RUN_TEST(test_limiter_behind_proxy);
    RUN_TEST(test_untrusted_peer);
    RUN_TEST(test_proxy_itself);
    test_node_stop(pid);
    /* Garbage from a trusted proxy, twice: logged once (rate-limited). */
    int warned = file_count(log, "X-Forwarded-For has an element that is no IP address");
    ASSERT_EQ(warned, 1);
    unlink(log);
    TEST_DONE();
}
