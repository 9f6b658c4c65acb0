/* WebSocket client IO (loadtest/ws_client.c): URL checks, a scripted
 * in-process server (ping, close, a bad frame, a bad accept, EOF), and the
 * real node when RELAIS_BIN is set (refused connection, a session with
 * ping/join and the size limit, a wrong path, a client-initiated close). The
 * codec itself is tested in test_ws.c. */
#include "loadtest/ws.h"
#include "loadtest/ws_client.h"
#include "tests/test.h"
#include "tests/test_node.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"

/* ---- IO against the node ------------------------------------------------- */

typedef struct bot {
    int opened, closed, close_code;
    char close_reason[200];
    GPtrArray *texts;
    int free_in_close;
    ws_client *c;
} bot;

static void bot_open(void *ud) {
    ((bot *)ud)->opened = 1;
}
static void bot_text(void *ud, const char *text, size_t len) {
    bot *b = ud;
    ASSERT_EQ(strlen(text), len);
    g_ptr_array_add(b->texts, g_strndup(text, len));
}
static void bot_close(void *ud, int code, const char *reason) {
    bot *b = ud;
    ASSERT(!b->closed);
    b->closed = 1;
    b->close_code = code;
    snprintf(b->close_reason, sizeof b->close_reason, "%s", reason);
    if (b->free_in_close) {
        ws_client_free(b->c);
        b->c = NULL;
    }
}
static const ws_client_cbs bot_cbs = {bot_open, bot_text, bot_close};

/* Runs ctx until *flag is set or timeout_ms pass; returns *flag. */
static int run_until(GMainContext *ctx, const int *flag, int timeout_ms) {
    uint64_t end = clock_now_us() + (uint64_t)timeout_ms * 1000;
    while (!*flag && clock_now_us() < end) {
        if (!g_main_context_iteration(ctx, FALSE)) g_usleep(1000);
    }
    return *flag;
}

static int has_text(const bot *b, const char *needle) {
    for (guint i = 0; i < b->texts->len; i++)
        if (strstr(g_ptr_array_index(b->texts, i), needle)) return 1;
    return 0;
}

static int wait_text(GMainContext *ctx, const bot *b, const char *needle, int timeout_ms) {
    uint64_t end = clock_now_us() + (uint64_t)timeout_ms * 1000;
    while (!has_text(b, needle) && !b->closed && clock_now_us() < end) {
        if (!g_main_context_iteration(ctx, FALSE)) g_usleep(1000);
    }
    return has_text(b, needle);
}

static bot *bot_new(void) {
    bot *b = g_new0(bot, 1);
    b->texts = g_ptr_array_new_with_free_func(g_free);
    return b;
}

static void bot_free(bot *b) {
    ws_client_free(b->c);
    g_ptr_array_free(b->texts, TRUE);
    g_free(b);
}

static void test_url(void) {
    GMainContext *ctx = g_main_context_new();
    const char *bad[] = {
        "wss://127.0.0.1/ws", "http://127.0.0.1/", "ws://",      "ws:///ws",   "ws://h:0/",
        "ws://h:65536/",      "ws://h:/",          "ws://h:8x/", "ws://[::1/", "ws://[]:80/",
        "ws://[::1]x/",       "ws://u@h/",         "ws://h/a b", ":80",        NULL};
    for (int i = 0; bad[i]; i++) {
        ASSERT(ws_client_new(ctx, bad[i], 1000, &bot_cbs, NULL) == NULL);
    }
    ASSERT(ws_client_new(ctx, NULL, 1000, &bot_cbs, NULL) == NULL);
    /* Good ones start connecting; freeing at once cancels without a callback. */
    const char *good[] = {"ws://127.0.0.1:9/ws", "WS://[::1]:9", "ws://localhost:9/a?b=c", NULL};
    for (int i = 0; good[i]; i++) {
        bot *b = bot_new();
        b->c = ws_client_new(ctx, good[i], 1000, &bot_cbs, b);
        ASSERT(b->c != NULL);
        bot_free(b); /* no callback may reach b after this */
    }
    int never = 0;
    run_until(ctx, &never, 200);
    g_main_context_unref(ctx);
}

static void test_refused(GMainContext *ctx) {
    int port = test_free_port();
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/ws", port);
    bot *b = bot_new();
    b->free_in_close = 1; /* freeing from inside on_close is allowed */
    uint64_t t0 = clock_now_us();
    b->c = ws_client_new(ctx, url, 1000, &bot_cbs, b);
    ASSERT(b->c != NULL);
    ASSERT(!b->closed); /* never from inside ws_client_new */
    ASSERT(run_until(ctx, &b->closed, 3000));
    ASSERT(clock_now_us() - t0 < 2000000);
    ASSERT_EQ(b->close_code, 1006);
    ASSERT_STR_EQ(b->close_reason, "connection refused");
    ASSERT(!b->opened);
    ASSERT(b->c == NULL);
    bot_free(b);
}

static void test_node_session(GMainContext *ctx, int port) {
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/ws", port);
    bot *b = bot_new();
    b->c = ws_client_new(ctx, url, 1 << 20, &bot_cbs, b);
    ASSERT(b->c != NULL);
    ASSERT_EQ(ws_client_send_text(b->c, "x", 1), -1); /* not open yet */
    ASSERT(run_until(ctx, &b->opened, 5000));

    const char *ping = "{\"type\":\"ping\"}";
    ASSERT_EQ(ws_client_send_text(b->c, ping, strlen(ping)), 0);
    ASSERT(wait_text(ctx, b, "\"pong\"", 5000));

    const char *join = "{\"type\":\"join\",\"room\":\"t\",\"name\":\"n\"}";
    ASSERT_EQ(ws_client_send_text(b->c, join, strlen(join)), 0);
    ASSERT(wait_text(ctx, b, "\"joined\"", 5000));
    ASSERT(!b->closed);

    /* Over the node's 262144-byte limit: error too-large, then close 1009. */
    size_t big = 300000;
    char *text = g_malloc(big);
    memset(text, 'a', big);
    ASSERT_EQ(ws_client_send_text(b->c, text, big), 0);
    /* The queue is bounded. */
    char *huge = g_malloc(WS_CLIENT_SENDQ_MAX);
    memset(huge, 'b', WS_CLIENT_SENDQ_MAX);
    ASSERT_EQ(ws_client_send_text(b->c, huge, WS_CLIENT_SENDQ_MAX), -1);
    g_free(huge);
    g_free(text);
    ASSERT(run_until(ctx, &b->closed, 5000));
    ASSERT(has_text(b, "too-large"));
    ASSERT_EQ(b->close_code, 1009);
    ASSERT_EQ(ws_client_send_text(b->c, "x", 1), -1);
    bot_free(b);
}

static void test_node_other(GMainContext *ctx, int port) {
    char url[64];
    /* The node serves WebSockets on /ws only. */
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/nope", port);
    bot *b = bot_new();
    b->c = ws_client_new(ctx, url, 1000, &bot_cbs, b);
    ASSERT(run_until(ctx, &b->closed, 5000));
    ASSERT(!b->opened);
    ASSERT_EQ(b->close_code, 1006);
    ASSERT_STR_EQ(b->close_reason, "handshake failed: connection closed");
    bot_free(b);

    /* A client-initiated close: no callback after ws_client_close; the node
     * sees a clean close (nothing to assert there but no crash). */
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/ws", port);
    b = bot_new();
    b->c = ws_client_new(ctx, url, 1000, &bot_cbs, b);
    ASSERT(run_until(ctx, &b->opened, 5000));
    ASSERT_EQ(ws_client_send_text(b->c, "{\"type\":\"ping\"}", 15), 0);
    ws_client_close(b->c, 1000);
    ws_client_close(b->c, 1000);
    int never = 0;
    run_until(ctx, &never, 200);
    ASSERT(!b->closed);
    ASSERT_EQ(b->texts->len, 0);
    bot_free(b);
}

/* ---- IO against a scripted in-process server ----------------------------- */

enum { FAKE_PING_CLOSE, FAKE_BAD_FRAME, FAKE_BAD_ACCEPT, FAKE_EOF };

typedef struct fake {
    int lfd, port, scenario;
    GString *log; /* what the client sent, e.g. "op10:p;close:4000;eof;" */
} fake;

static int read_exact(int fd, void *buf, size_t n) {
    uint8_t *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r, n -= (size_t)r;
    }
    return 0;
}

static void write_all(int fd, const void *buf, size_t n) {
    const uint8_t *p = buf;
    while (n) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return;
        p += r, n -= (size_t)r;
    }
}

/* Reads one client frame (small, masked) into the log; -1 at EOF. */
static int fake_read_frame(fake *f, int fd) {
    uint8_t h[2], mask[4], p[126];
    if (read_exact(fd, h, 2) < 0) return -1;
    size_t len = h[1] & 0x7F;
    if (!(h[1] & 0x80) || len > 125 || read_exact(fd, mask, 4) < 0 || read_exact(fd, p, len) < 0) {
        g_string_append(f->log, "bad-frame;");
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        p[i] ^= mask[i & 3];
    if ((h[0] & 0x0F) == WS_OP_CLOSE && len >= 2)
        g_string_append_printf(f->log, "close:%d;", p[0] << 8 | p[1]);
    else
        g_string_append_printf(f->log, "op%d:%.*s;", h[0] & 0x0F, (int)len, (const char *)p);
    return 0;
}

static gpointer fake_main(gpointer data) {
    fake *f = data;
    int fd = accept(f->lfd, NULL, NULL);
    if (fd < 0) return NULL;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char req[4096];
    size_t n = 0;
    while (n < sizeof req - 1 && read_exact(fd, req + n, 1) == 0) {
        n++;
        if (n >= 4 && memcmp(req + n - 4, "\r\n\r\n", 4) == 0) break;
    }
    req[n] = 0;
    char key[64] = "", acc[29];
    const char *k = strstr(req, "Sec-WebSocket-Key: ");
    if (k) sscanf(k + 19, "%63[^\r]", key);
    ws_accept_value(key, acc);
    if (f->scenario == FAKE_BAD_ACCEPT) acc[0] ^= 1;
    char resp[512];
    int rn = snprintf(resp, sizeof resp,
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                      acc);
    /* Frames in the same segment as the header. */
    if (f->scenario == FAKE_PING_CLOSE) {
        memcpy(resp + rn, "\x81\x02hi\x89\x01p", 7);
        rn += 7;
    }
    write_all(fd, resp, (size_t)rn);
    switch (f->scenario) {
    case FAKE_PING_CLOSE:
        if (fake_read_frame(f, fd) < 0) break; /* the pong */
        write_all(fd,
                  "\x88\x06\x0F\xA0"
                  "done",
                  8);
        if (fake_read_frame(f, fd) < 0) break; /* the close echo */
        break;
    case FAKE_BAD_FRAME:
        write_all(fd, "\x81\x81\x00\x00\x00\x00x", 7);
        if (fake_read_frame(f, fd) < 0) break;
        break;
    case FAKE_EOF:
        close(fd);
        return NULL;
    default:
        break;
    }
    char c;
    if (read(fd, &c, 1) == 0) g_string_append(f->log, "eof;");
    close(fd);
    return NULL;
}

/* Runs one scenario; returns the server's log (caller frees). */
static char *run_fake(GMainContext *ctx, int scenario, bot *b) {
    fake f = {.scenario = scenario, .log = g_string_new(NULL)};
    f.lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    ASSERT(bind(f.lfd, (struct sockaddr *)&sa, sizeof sa) == 0);
    ASSERT(listen(f.lfd, 4) == 0);
    ASSERT(getsockname(f.lfd, (struct sockaddr *)&sa, &sl) == 0);
    GThread *th = g_thread_new("fake-ws", fake_main, &f);
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/ws", ntohs(sa.sin_port));
    b->c = ws_client_new(ctx, url, 1000, &bot_cbs, b);
    ASSERT(b->c != NULL);
    ASSERT(run_until(ctx, &b->closed, 5000));
    g_thread_join(th);
    close(f.lfd);
    return g_string_free(f.log, FALSE);
}

static void test_fake_server(void) {
    GMainContext *ctx = g_main_context_new();
    bot *b = bot_new();
    char *log = run_fake(ctx, FAKE_PING_CLOSE, b);
    ASSERT(b->opened);
    ASSERT_EQ(b->texts->len, 1);
    ASSERT_STR_EQ(g_ptr_array_index(b->texts, 0), "hi");
    ASSERT_EQ(b->close_code, 4000);
    ASSERT_STR_EQ(b->close_reason, "done");
    ASSERT_STR_EQ(log, "op10:p;close:4000;eof;"); /* pong, close echo, then TCP closed */
    g_free(log);
    bot_free(b);

    b = bot_new();
    log = run_fake(ctx, FAKE_BAD_FRAME, b);
    ASSERT(b->opened);
    ASSERT_EQ(b->close_code, 1002);
    ASSERT_STR_EQ(b->close_reason, "protocol error: masked server frame");
    ASSERT_STR_EQ(log, "close:1002;eof;");
    g_free(log);
    bot_free(b);

    b = bot_new();
    log = run_fake(ctx, FAKE_BAD_ACCEPT, b);
    ASSERT(!b->opened);
    ASSERT_EQ(b->close_code, 1006);
    ASSERT_STR_EQ(b->close_reason, "handshake failed: bad Sec-WebSocket-Accept");
    ASSERT_STR_EQ(log, "eof;");
    g_free(log);
    bot_free(b);

    b = bot_new();
    b->free_in_close = 1;
    log = run_fake(ctx, FAKE_EOF, b);
    ASSERT(b->opened);
    ASSERT_EQ(b->close_code, 1006);
    ASSERT_STR_EQ(b->close_reason, "connection closed without a close frame");
    g_free(log);
    bot_free(b);
    g_main_context_unref(ctx);
}

static void test_node(void) {
    const char *bin = test_node_bin();
    if (!bin) {
        printf("skipped: RELAIS_BIN not set\n");
        return;
    }
    signal(SIGPIPE, SIG_IGN);
    /* A context that is not this thread's default, as on a bot worker. */
    GMainContext *ctx = g_main_context_new();
    test_refused(ctx);
    int port = test_free_port();
    pid_t pid = test_node_start(bin, port, "45000-45099", NULL, NULL);
    test_node_session(ctx, port);
    test_node_other(ctx, port);
    test_node_stop(pid);
    g_main_context_unref(ctx);
}

int main(void) {
    RUN_TEST(test_url);
    RUN_TEST(test_fake_server);
    RUN_TEST(test_node);
    TEST_DONE();
}
