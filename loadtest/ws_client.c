/* WebSocket client IO on GIO: see ws_client.h. The framing is ws.c's; this
 * file only moves bytes between a non-blocking GSocket and the codec.
 *
 * Lifetime: every callback into the user runs inside one of our dispatch
 * functions, which count themselves in c->dispatching. ws_client_close and
 * ws_client_free tear the IO down at once (sources destroyed, socket
 * closed); free only marks the client when called inside a dispatch, and the
 * outermost dispatch releases it on the way out. The in-flight connect holds
 * a small connect_op instead of the client, so a cancelled connect can
 * complete after the client is gone. */
#include "loadtest/ws_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gio/gio.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "loadtest/ws.h"

#define TAG "ws"
#define READ_CHUNK 16384
#define READS_PER_WAKE 16 /* then yield to the other sources of ctx */

typedef enum { C_CONNECTING, C_HANDSHAKE, C_OPEN, C_CLOSED } cstate;

typedef struct connect_op {
    ws_client *c; /* NULL once the client no longer waits for it */
} connect_op;

struct ws_client {
    GMainContext *ctx;
    ws_client_cbs cbs;
    void *ud;
    char authority[256]; /* host[:port], also the Host header */
    char path[1024];
    char proto[WS_CLIENT_PROTO_MAX + 1]; /* subprotocol asked for, "" = none */

    cstate state;
    int quiet;        /* no more callbacks (ws_client_close/free) */
    int dispatching;  /* depth of our dispatch functions on the stack */
    int free_pending; /* ws_client_free called during a dispatch */

    connect_op *op;
    GCancellable *cancel;
    GSocketConnection *conn;
    GSocket *sock; /* owned by conn */
    GSource *rsrc, *wsrc, *timeout;

    char key_b64[WS_KEY_B64_LEN + 1];
    char *hs; /* the response header while in C_HANDSHAKE */
    size_t hs_len;
    ws_decoder dec;

    uint8_t *out; /* frames to write: out[out_off..out_len) */
    size_t out_off, out_len, out_cap;
    int write_failed;

    uint8_t rbuf[READ_CHUNK];
};

static void random_bytes(uint8_t *p, size_t n) {
    if (RAND_bytes(p, (int)n) == 1) return;
    for (size_t i = 0; i < n; i++) /* OpenSSL's DRBG failing is not expected */
        p[i] = (uint8_t)g_random_int();
}

/* ---- URL ------------------------------------------------------------------ */

static int printable(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7F) return 0;
    return 1;
}

/* "ws://authority/path": 0, or -1 for anything else (wss:// included). */
static int parse_url(const char *url, ws_client *c) {
    if (!url || strncasecmp(url, "ws://", 5) != 0) return -1;
    const char *a = url + 5;
    size_t alen = strcspn(a, "/");
    const char *path = a + alen;
    if (alen == 0 || alen >= sizeof c->authority || !printable(a, alen)) return -1;
    if (memchr(a, '@', alen) || memchr(a, '?', alen) || memchr(a, '#', alen)) return -1;
    const char *port = NULL;
    if (a[0] == '[') {
        const char *rb = memchr(a, ']', alen);
        if (!rb || rb == a + 1) return -1;
        if (rb + 1 < a + alen) {
            if (rb[1] != ':') return -1;
            port = rb + 2;
        }
    } else {
        const char *colon = memchr(a, ':', alen);
        if (colon == a) return -1;
        if (colon) port = colon + 1;
    }
    if (port) {
        unsigned long v = 0;
        if (port == a + alen) return -1;
        for (const char *p = port; p < a + alen; p++) {
            if (*p < '0' || *p > '9') return -1;
            v = v * 10 + (unsigned long)(*p - '0');
            if (v > 65535) return -1;
        }
        if (v == 0) return -1;
    }
    if (!*path) path = "/";
    if (strlen(path) >= sizeof c->path || !printable(path, strlen(path))) return -1;
    memcpy(c->authority, a, alen);
    c->authority[alen] = 0;
    strcpy(c->path, path);
    return 0;
}

/* ---- teardown and lifetime ------------------------------------------------ */

static void source_drop(GSource **s) {
    if (!*s) return;
    g_source_destroy(*s);
    g_source_unref(*s);
    *s = NULL;
}

/* Stops all IO at once: no source of ours fires after this. */
static void teardown(ws_client *c) {
    c->state = C_CLOSED;
    source_drop(&c->timeout);
    source_drop(&c->rsrc);
    source_drop(&c->wsrc);
    if (c->op) {
        c->op->c = NULL;
        c->op = NULL;
        g_cancellable_cancel(c->cancel);
    }
    if (c->conn) {
        g_socket_close(c->sock, NULL);
        g_object_unref(c->conn);
        c->conn = NULL;
        c->sock = NULL;
    }
    g_free(c->out);
    c->out = NULL;
    c->out_off = c->out_len = c->out_cap = 0;
}

static void destroy(ws_client *c) {
    g_free(c->hs);
    ws_decoder_free(&c->dec);
    g_clear_object(&c->cancel);
    g_main_context_unref(c->ctx);
    g_free(c);
}

static void dispatch_begin(ws_client *c) {
    c->dispatching++;
}

/* Returns 1 if the client was freed: touch nothing of it after that. */
static int dispatch_end(ws_client *c) {
    if (--c->dispatching == 0 && c->free_pending) {
        destroy(c);
        return 1;
    }
    return 0;
}

/* The end of the connection, reported once unless the user closed it. */
static void finish(ws_client *c, int code, const char *reason) {
    if (c->state == C_CLOSED) return;
    teardown(c);
    LOG_D(TAG, "%s: closed %d (%s)", c->authority, code, reason);
    if (!c->quiet && c->cbs.on_close) {
        c->quiet = 1;
        c->cbs.on_close(c->ud, code, reason);
    }
}

/* ---- writing -------------------------------------------------------------- */

static gboolean on_writable(GSocket *s, GIOCondition cond, gpointer data);

static void watch_writable(ws_client *c) {
    if (c->wsrc) return;
    c->wsrc = g_socket_create_source(c->sock, G_IO_OUT, NULL);
    g_source_set_callback(c->wsrc, G_SOURCE_FUNC(on_writable), c, NULL);
    g_source_attach(c->wsrc, c->ctx);
}

/* Writes what the socket takes now. Never calls back: a write error only
 * drops the queue; the read side then sees the reset or EOF and reports it,
 * after delivering whatever the server sent before (its close frame). */
static void flush(ws_client *c) {
    while (c->out_off < c->out_len && !c->write_failed) {
        GError *err = NULL;
        gssize n = g_socket_send_with_blocking(c->sock, (const gchar *)c->out + c->out_off,
                                               c->out_len - c->out_off, FALSE, NULL, &err);
        if (n < 0) {
            if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
                g_error_free(err);
                watch_writable(c);
                return;
            }
            LOG_D(TAG, "%s: write: %s", c->authority, err->message);
            g_error_free(err);
            c->write_failed = 1;
            break;
        }
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    if (c->out_cap > 65536) { /* give back the buffer of a large message */
        g_free(c->out);
        c->out = NULL;
        c->out_cap = 0;
    }
    source_drop(&c->wsrc);
}

static gboolean on_writable(GSocket *s, GIOCondition cond, gpointer data) {
    ws_client *c = data;
    flush(c);
    return G_SOURCE_CONTINUE; /* flush() destroyed this source once drained */
}

/* Room for `need` more bytes at out + out_len (compacting or growing). */
static uint8_t *out_reserve(ws_client *c, size_t need) {
    size_t pending = c->out_len - c->out_off;
    if (c->out_off && c->out_len + need > c->out_cap) {
        memmove(c->out, c->out + c->out_off, pending);
        c->out_off = 0;
        c->out_len = pending;
    }
    if (c->out_len + need > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + need)
            cap *= 2;
        c->out = g_realloc(c->out, cap);
        c->out_cap = cap;
    }
    return c->out + c->out_len;
}

/* Appends one frame unless the queue would pass WS_CLIENT_SENDQ_MAX. */
static int queue_frame(ws_client *c, int opcode, const uint8_t *p, size_t len) {
    if (c->write_failed) return -1;
    size_t need = ws_frame_size(len);
    if (len > WS_CLIENT_SENDQ_MAX || c->out_len - c->out_off + need > WS_CLIENT_SENDQ_MAX)
        return -1;
    uint8_t mask[4];
    random_bytes(mask, 4);
    int n = ws_frame_encode(out_reserve(c, need), need, opcode, p, len, mask);
    if (n < 0) return -1;
    c->out_len += (size_t)n;
    return 0;
}

/* Close frames are tiny and never refused. */
static void queue_close(ws_client *c, int code) {
    if (c->write_failed) return;
    if (code != WS_CLOSE_NO_STATUS && (code < 1000 || code > 4999)) code = WS_CLOSE_NORMAL;
    uint8_t mask[4];
    random_bytes(mask, 4);
    size_t need = ws_frame_size(2);
    int n = ws_close_encode(out_reserve(c, need), need, code, NULL, mask);
    if (n > 0) c->out_len += (size_t)n;
}

int ws_client_send_text(ws_client *c, const char *text, size_t len) {
    if (!c || c->state != C_OPEN || c->quiet || (!text && len)) return -1;
    if (queue_frame(c, WS_OP_TEXT, (const uint8_t *)text, len) < 0) return -1;
    flush(c);
    return 0;
}

/* ---- reading -------------------------------------------------------------- */

/* Answers the server's close (or a protocol error in its frames) with a
 * close frame, then ends the connection. */
static void close_with(ws_client *c, int code, const char *reason) {
    queue_close(c, code);
    flush(c);
    finish(c, code, reason);
}

static void handle_event(ws_client *c, const ws_event *ev) {
    switch (ev->type) {
    case WS_EV_TEXT:
        if (c->cbs.on_text) c->cbs.on_text(c->ud, (const char *)ev->data, ev->len);
        break;
    case WS_EV_BINARY:
        LOG_D(TAG, "%s: ignored binary message of %zu bytes", c->authority, ev->len);
        break;
    case WS_EV_PING:
        if (queue_frame(c, WS_OP_PONG, ev->data, ev->len) == 0) flush(c);
        break;
    case WS_EV_CLOSE:
        close_with(c, ev->close_code, (const char *)ev->data);
        break;
    default:
        break;
    }
}

static void frames_input(ws_client *c, const uint8_t *p, size_t n) {
    while (n && c->state == C_OPEN && !c->quiet) {
        size_t used;
        ws_event ev;
        int r = ws_decoder_feed(&c->dec, p, n, &used, &ev);
        p += used;
        n -= used;
        if (r < 0) {
            char why[96];
            snprintf(why, sizeof why, "protocol error: %s", ws_strerror(r));
            close_with(c, ws_error_close_code(r), why);
            return;
        }
        if (r == WS_EV_NONE) return;
        handle_event(c, &ev);
    }
}

static void handshake_input(ws_client *c, size_t n) {
    c->hs_len += n;
    size_t used = 0;
    int r = ws_handshake_response_parse_proto(c->hs, c->hs_len, c->key_b64,
                                              c->proto[0] ? c->proto : NULL, &used);
    if (r == 0) return;
    if (r < 0) {
        char why[160];
        size_t line = strcspn(c->hs, "\r\n");
        if (r == WS_ERR_STATUS)
            snprintf(why, sizeof why, "handshake failed: %s (%.*s)", ws_strerror(r),
                     (int)(line < 60 ? line : 60), c->hs);
        else
            snprintf(why, sizeof why, "handshake failed: %s", ws_strerror(r));
        finish(c, WS_CLOSE_ABNORMAL, why);
        return;
    }
    source_drop(&c->timeout);
    c->state = C_OPEN;
    if (c->cbs.on_open) c->cbs.on_open(c->ud);
    if (c->state == C_OPEN && !c->quiet)
        frames_input(c, (const uint8_t *)c->hs + used, c->hs_len - used);
    g_free(c->hs);
    c->hs = NULL;
}

static void read_some(ws_client *c) {
    for (int i = 0; i < READS_PER_WAKE && (c->state == C_HANDSHAKE || c->state == C_OPEN); i++) {
        int hs = c->state == C_HANDSHAKE;
        /* The handshake buffer has room: the parser fails once it is full. */
        gchar *buf = hs ? c->hs + c->hs_len : (gchar *)c->rbuf;
        size_t cap = hs ? WS_HANDSHAKE_MAX - c->hs_len : sizeof c->rbuf;
        GError *err = NULL;
        gssize n = g_socket_receive_with_blocking(c->sock, buf, cap, FALSE, NULL, &err);
        if (n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
            g_error_free(err);
            return;
        }
        if (n <= 0) {
            char why[200];
            if (n < 0)
                snprintf(why, sizeof why, "%s%s", hs ? "handshake failed: " : "", err->message);
            else
                snprintf(why, sizeof why, "%s",
                         hs ? "handshake failed: connection closed"
                            : "connection closed without a close frame");
            g_clear_error(&err);
            finish(c, WS_CLOSE_ABNORMAL, why);
            return;
        }
        if (hs) {
            c->hs[c->hs_len + (size_t)n] = 0; /* for strcspn in error messages */
            handshake_input(c, (size_t)n);
        } else {
            frames_input(c, c->rbuf, (size_t)n);
        }
    }
}

static gboolean on_readable(GSocket *s, GIOCondition cond, gpointer data) {
    ws_client *c = data;
    dispatch_begin(c);
    read_some(c);
    if (dispatch_end(c)) return G_SOURCE_REMOVE;
    return G_SOURCE_CONTINUE; /* destroyed already if the connection ended */
}

/* ---- connecting ----------------------------------------------------------- */

static const char *connect_reason(const GError *err, char *buf, size_t n) {
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        return "connection refused";
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) return "timeout";
    snprintf(buf, n, "connect failed: %s", err->message);
    return buf;
}

/* TCP is up: send the Upgrade request and wait for the answer. */
static void start_handshake(ws_client *c, GSocketConnection *conn) {
    c->conn = conn;
    c->sock = g_socket_connection_get_socket(conn);
    g_socket_set_blocking(c->sock, FALSE);
    g_socket_set_timeout(c->sock, 0);
    GError *err = NULL;
    if (!g_socket_set_option(c->sock, IPPROTO_TCP, TCP_NODELAY, 1, &err)) {
        LOG_W(TAG, "%s: TCP_NODELAY: %s", c->authority, err->message);
        g_clear_error(&err);
    }
    uint8_t key[16];
    random_bytes(key, sizeof key);
    char req[1700];
    int n = ws_handshake_request_proto(req, sizeof req, c->authority, c->path,
                                       c->proto[0] ? c->proto : NULL, key, c->key_b64);
    if (n < 0) { /* parse_url accepted nothing that can fail here */
        finish(c, WS_CLOSE_ABNORMAL, "handshake failed: cannot build the request");
        return;
    }
    c->state = C_HANDSHAKE;
    c->hs = g_malloc(WS_HANDSHAKE_MAX + 1);
    c->hs_len = 0;
    c->rsrc = g_socket_create_source(c->sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
    g_source_set_callback(c->rsrc, G_SOURCE_FUNC(on_readable), c, NULL);
    g_source_attach(c->rsrc, c->ctx);
    memcpy(out_reserve(c, (size_t)n), req, (size_t)n);
    c->out_len += (size_t)n;
    flush(c);
}

static void on_connected(GObject *src, GAsyncResult *res, gpointer data) {
    connect_op *op = data;
    ws_client *c = op->c;
    GError *err = NULL;
    GSocketConnection *conn =
        g_socket_client_connect_to_host_finish(G_SOCKET_CLIENT(src), res, &err);
    g_free(op);
    if (!c) { /* closed or freed meanwhile */
        if (conn) g_object_unref(conn);
        g_clear_error(&err);
        return;
    }
    c->op = NULL;
    dispatch_begin(c);
    if (!conn) {
        char buf[200];
        finish(c, WS_CLOSE_ABNORMAL, connect_reason(err, buf, sizeof buf));
        g_error_free(err);
    } else {
        start_handshake(c, conn);
    }
    dispatch_end(c);
}

static gboolean on_timeout(gpointer data) {
    ws_client *c = data;
    dispatch_begin(c);
    finish(c, WS_CLOSE_ABNORMAL, "timeout");
    dispatch_end(c);
    return G_SOURCE_REMOVE;
}

ws_client *ws_client_new(GMainContext *ctx, const char *url, size_t max_message,
                         const ws_client_cbs *cbs, void *ud) {
    return ws_client_new_proto(ctx, url, NULL, max_message, cbs, ud);
}

/* A subprotocol we can put in the request: a token without commas. */
static int proto_ok(const char *p) {
    size_t n = strlen(p);
    return n > 0 && n <= WS_CLIENT_PROTO_MAX && printable(p, n) && !strchr(p, ',');
}

ws_client *ws_client_new_proto(GMainContext *ctx, const char *url, const char *subprotocol,
                               size_t max_message, const ws_client_cbs *cbs, void *ud) {
    ws_client *c = g_new0(ws_client, 1);
    if (!ctx || parse_url(url, c) != 0) {
        LOG_W(TAG, "bad WebSocket URL '%s' (ws://host:port/path; wss:// is not supported)",
              url ? url : "(null)");
        g_free(c);
        return NULL;
    }
    if (subprotocol) {
        if (!proto_ok(subprotocol)) {
            LOG_W(TAG, "bad WebSocket subprotocol '%s'", subprotocol);
            g_free(c);
            return NULL;
        }
        strcpy(c->proto, subprotocol);
    }
    c->ctx = g_main_context_ref(ctx);
    if (cbs) c->cbs = *cbs;
    c->ud = ud;
    c->state = C_CONNECTING;
    ws_decoder_init(&c->dec, max_message);
    c->cancel = g_cancellable_new();
    c->op = g_new0(connect_op, 1);
    c->op->c = c;

    c->timeout = g_timeout_source_new(WS_CLIENT_TIMEOUT_MS);
    g_source_set_callback(c->timeout, on_timeout, c, NULL);
    g_source_attach(c->timeout, ctx);

    GSocketClient *sc = g_socket_client_new();
    g_socket_client_set_enable_proxy(sc, FALSE);
    g_main_context_push_thread_default(ctx);
    g_socket_client_connect_to_host_async(sc, c->authority, 80, c->cancel, on_connected, c->op);
    g_main_context_pop_thread_default(ctx);
    g_object_unref(sc); /* the operation holds its own reference */
    return c;
}

/* ---- closing -------------------------------------------------------------- */

void ws_client_close(ws_client *c, int code) {
    if (!c) return;
    c->quiet = 1;
    if (c->state == C_OPEN) {
        queue_close(c, code);
        flush(c);
    }
    teardown(c);
}

void ws_client_free(ws_client *c) {
    if (!c) return;
    ws_client_close(c, WS_CLOSE_GOING_AWAY);
    if (c->dispatching) {
        c->free_pending = 1;
        return;
    }
    destroy(c);
}
