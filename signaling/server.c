/* libwebsockets glue: HTTP (static files, /health, /stats), WebSocket
 * framing, per-session send queues. Message semantics live in rooms.c. */
#include "signaling/server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "signaling/sig_internal.h"

typedef struct pss {
    session *s;      /* WebSocket connections */
    char *http_body; /* HTTP responses of the callback mounts */
    size_t http_len;
} pss;

/* The address a session counts as (join limiter, logs): the socket's peer,
 * or behind a trusted proxy the client its X-Forwarded-For names. The
 * headers are still there while ESTABLISHED runs. */
static void session_client_ip(struct lws *wsi, const sig_server *srv, char *ip, size_t cap) {
    char peer[64], hdr[1024], out[IPNET_ADDR_STRLEN];
    const char *xff = NULL;
    lws_get_peer_simple(wsi, peer, sizeof peer);
    if (srv->cfg.n_trusted_proxy > 0 && lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR) > 0) {
        if (lws_hdr_copy(wsi, hdr, sizeof hdr, WSI_TOKEN_X_FORWARDED_FOR) >= 0)
            xff = hdr;
        else
            LOG_RATELIMITED(LOG_WARN, "sig", "%s: X-Forwarded-For longer than %zu bytes: ignored",
                            peer, sizeof hdr - 1);
    }
    ipnet_fwd_result r =
        ipnet_forwarded_client(srv->cfg.trusted_proxy, srv->cfg.n_trusted_proxy, peer, xff, out);
    if (r == IPNET_FWD_BAD)
        LOG_RATELIMITED(LOG_WARN, "sig",
                        "%s: X-Forwarded-For has an element that is no IP address; the "
                        "session counts as %s",
                        peer, out);
    snprintf(ip, cap, "%s", out);
}

/* ---- sending ------------------------------------------------------------ */

void session_send(session *s, char *json) {
    if (!json) return;
    if (s->closing) {
        free(json);
        return;
    }
    size_t len = strlen(json);
    if (g_queue_get_length(&s->txq) >= SIG_TXQ_MAX_MSGS || s->tx_bytes + len > SIG_TXQ_MAX_BYTES) {
        /* A client that does not read its messages loses its session rather
         * than the node its memory. */
        LOG_RATELIMITED(LOG_WARN, "sig", "%s: send queue full, closing", s->ip);
        free(json);
        session_close(s, LWS_CLOSE_STATUS_POLICY_VIOLATION);
        return;
    }
    char *buf = malloc(LWS_PRE + len + sizeof(size_t));
    if (!buf) {
        free(json);
        return;
    }
    memcpy(buf, &len, sizeof len);
    memcpy(buf + sizeof(size_t) + LWS_PRE, json, len);
    free(json);
    g_queue_push_tail(&s->txq, buf);
    s->tx_bytes += len;
    lws_callback_on_writable(s->wsi);
}

void session_send_error(session *s, proto_err code, const char *request, const char *id_json,
                        const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!request || !*request) request = NULL;
    session_send(s, proto_encode_error(code, msg, request, id_json));
    if (proto_err_fatal_request(code, request))
        session_close(s, code == PROTO_ERR_TOO_LARGE ? LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE
                                                     : LWS_CLOSE_STATUS_POLICY_VIOLATION);
}

/* Closes after the queued messages (e.g. the fatal error) are sent. */
void session_close(session *s, enum lws_close_status status) {
    if (s->closing) return;
    s->closing = 1;
    s->close_status = status;
    lws_callback_on_writable(s->wsi);
}

static int session_writeable(session *s) {
    char *buf = g_queue_pop_head(&s->txq);
    if (!buf) {
        if (!s->closing) return 0;
        lws_close_reason(s->wsi, s->close_status, NULL, 0);
        return -1;
    }
    size_t len;
    memcpy(&len, buf, sizeof len);
    unsigned char *p = (unsigned char *)buf + sizeof(size_t) + LWS_PRE;
    int n = lws_write(s->wsi, p, len, LWS_WRITE_TEXT);
    s->tx_bytes -= len;
    free(buf);
    if (n < (int)len) return -1;
    if (!g_queue_is_empty(&s->txq) || s->closing) lws_callback_on_writable(s->wsi);
    return 0;
}

/* ---- receiving ---------------------------------------------------------- */

/* One message of class c may be handled now; otherwise it is dropped, and
 * the client hears `rate-limited` at most once a second per class. */
static int session_allow(session *s, proto_class c, const char *request, const char *id_json,
                         uint64_t now) {
    proto_limit_verdict v = proto_limit_take(&s->lim, c, now);
    if (v == PROTO_LIMIT_OK) return 1;
    s->srv->n_rate_limited++;
    if (v == PROTO_LIMIT_REFUSE) {
        const proto_limit_spec *sp = &proto_limit_defaults[c];
        double scale = s->lim.scale_pct / 100.0;
        LOG_RATELIMITED(LOG_WARN, "sig", "%s: too many %s messages: dropped", s->ip, sp->name);
        session_send_error(s, PROTO_ERR_RATE_LIMITED, request, id_json,
                           "too many %s messages: at most %g per second (burst %g); this one "
                           "was dropped",
                           sp->name, sp->rate * scale, sp->burst * scale);
    }
    return 0;
}

static void session_handle_message(session *s, const char *msg, size_t len) {
    uint64_t now = clock_now_us();
    /* Before parsing: parsing is the expensive part of a flood. */
    if (!session_allow(s, PROTO_CLASS_ANY, NULL, NULL, now)) return;
    proto_msg m;
    proto_error e;
    if (proto_decode(msg, len, s->srv->cfg.max_message_bytes, &m, &e) != 0) {
        if (!session_allow(s, PROTO_CLASS_OTHER, e.request, e.id_json, now)) return;
        LOG_RATELIMITED(LOG_INFO, "sig", "%s: rejected message: %s (%s)", s->ip,
                        proto_err_code(e.code), e.message);
        session_send_error(s, e.code, e.request, e.id_json, "%s", e.message);
        return;
    }
    if (session_allow(s, proto_class_of(m.type), proto_type_name(m.type), m.id_json, now))
        rooms_handle_message(s, &m);
    proto_msg_clear(&m);
}

/* libwebsockets' fragments through the session's assembler (protocol_rx.c,
 * which fuzz_protocol_rx drives the same way). */
static void session_receive(session *s, const char *in, size_t len, int first, int final,
                            int binary) {
    lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, SIG_IDLE_TIMEOUT_S);
    if (s->closing) return;
    const char *msg = NULL;
    size_t msg_len = 0;
    switch (proto_rx_feed(&s->rx, in, len, first, final, binary, &msg, &msg_len)) {
    case PROTO_RX_MORE:
        return;
    case PROTO_RX_BINARY:
        if (session_allow(s, PROTO_CLASS_ANY, NULL, NULL, clock_now_us()))
            session_send_error(s, PROTO_ERR_BAD_JSON, NULL, NULL,
                               "binary frames are not part of the protocol: send JSON text");
        return;
    case PROTO_RX_TOO_LARGE:
        session_send_error(s, PROTO_ERR_TOO_LARGE, NULL, NULL, "message larger than %zu bytes",
                           s->rx.max);
        return;
    case PROTO_RX_NOMEM:
        session_send_error(s, PROTO_ERR_INTERNAL, NULL, NULL, "out of memory");
        return;
    case PROTO_RX_MESSAGE:
        session_handle_message(s, msg, msg_len);
        proto_rx_done(&s->rx);
        return;
    }
}

/* ---- HTTP endpoints ----------------------------------------------------- */

static char *stats_json(sig_server *srv, size_t *len) {
    sfu_stats st = {0};
    if (srv->media) sfu_get_stats(srv->media, &st);
    char *out = NULL;
    int n =
        asprintf(&out,
                 "{\"sessions\":%d,\"rooms\":%u,\"participants\":%llu,\"transports\":%llu,"
                 "\"rtp_in\":%llu,\"rtp_in_bytes\":%llu,\"rtcp_in\":%llu,\"rtp_out\":%llu,"
                 "\"rtp_out_bytes\":%llu,\"rtcp_out\":%llu,\"nacks_in\":%llu,\"nacks_out\":%llu,"
                 "\"retransmits\":%llu,\"rtx_suppressed\":%llu,\"plis_in\":%llu,\"plis_out\":%llu,"
                 "\"drop_srtp\":%llu,"
                 "\"drop_malformed\":%llu,\"drop_unknown_ssrc\":%llu,\"drop_not_ready\":%llu,"
                 "\"dtls_failures\":%llu,\"ice_failures\":%llu}\n",
                 srv->n_sessions, g_hash_table_size(srv->rooms_by_name),
                 (unsigned long long)st.participants, (unsigned long long)st.transports,
                 (unsigned long long)st.rtp_in, (unsigned long long)st.rtp_in_bytes,
                 (unsigned long long)st.rtcp_in, (unsigned long long)st.rtp_out,
                 (unsigned long long)st.rtp_out_bytes, (unsigned long long)st.rtcp_out,
                 (unsigned long long)st.nacks_in, (unsigned long long)st.nacks_out,
                 (unsigned long long)st.retransmits, (unsigned long long)st.rtx_suppressed,
                 (unsigned long long)st.plis_in, (unsigned long long)st.plis_out,
                 (unsigned long long)st.drop_srtp, (unsigned long long)st.drop_malformed,
                 (unsigned long long)st.drop_unknown_ssrc, (unsigned long long)st.drop_not_ready,
                 (unsigned long long)st.dtls_failures, (unsigned long long)st.ice_failures);
    if (n < 0) return NULL;
    *len = (size_t)n;
    return out;
}

static const char *mime_of(const char *path) {
    static const char *const map[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof map / sizeof *map; i++)
        if (strcmp(dot, map[i][0]) == 0) return map[i][1];
    return NULL;
}

/* Errors end the connection: lws 4.1 file mounts answered every later
 * request of a keep-alive connection with the 404 of an earlier one. */
static int http_error(struct lws *wsi, unsigned status) {
    lws_return_http_status(wsi, status, NULL);
    return -1;
}

/* The web client's files: a flat directory of known types; anything else,
 * any path with "..", hidden files or a subdirectory, is 404. */
static int serve_file(struct lws *wsi, sig_server *srv, const char *uri) {
    const char *name = strcmp(uri, "/") == 0 ? "index.html" : uri + 1;
    if (!*name || strchr(name, '/') || name[0] == '.' || strstr(name, ".."))
        return http_error(wsi, HTTP_STATUS_NOT_FOUND);
    for (const char *c = name; *c; c++)
        if (!g_ascii_isalnum(*c) && *c != '.' && *c != '-' && *c != '_')
            return http_error(wsi, HTTP_STATUS_NOT_FOUND);
    const char *mime = mime_of(name);
    char path[CONFIG_PATH_MAX + 64];
    if (!mime ||
        snprintf(path, sizeof path, "%s/%s", srv->cfg.web_root, name) >= (int)sizeof path ||
        !g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return http_error(wsi, HTTP_STATUS_NOT_FOUND);
    static const char nocache[] = "cache-control: no-cache\r\n";
    int n = lws_serve_http_file(wsi, path, mime, nocache, (int)sizeof nocache - 1);
    if (n < 0) return -1;
    if (n > 0 && lws_http_transaction_completed(wsi)) return -1;
    return 0;
}

static int http_request(struct lws *wsi, sig_server *srv, pss *p) {
    char uri[128] = "";
    int post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
    lws_hdr_copy(wsi, uri, sizeof uri, post ? WSI_TOKEN_POST_URI : WSI_TOKEN_GET_URI);
    int status = HTTP_STATUS_OK;
    const char *ctype = "application/json";
    if (strncmp(uri, "/admin/", 7) == 0) {
        int code = 200;
        p->http_body = admin_http(wsi, srv, uri, post, &code);
        status = (unsigned)code;
        p->http_len = p->http_body ? strlen(p->http_body) : 0;
    } else if (post) {
        return http_error(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED);
    } else if (strcmp(uri, "/health") == 0) {
        int code = 200;
        p->http_body = link_health(srv, &code);
        status = code == 200 ? HTTP_STATUS_OK : HTTP_STATUS_SERVICE_UNAVAILABLE;
        p->http_len = p->http_body ? strlen(p->http_body) : 0;
    } else if (strcmp(uri, "/stats") == 0) {
        p->http_body = stats_json(srv, &p->http_len);
    } else if (strcmp(uri, "/metrics") == 0) {
        char *text = metrics_text(srv, &p->http_len);
        p->http_body = text ? strndup(text, p->http_len) : NULL;
        g_free(text);
        ctype = "text/plain; version=0.0.4; charset=utf-8";
    } else {
        return serve_file(wsi, srv, uri);
    }
    if (!p->http_body) return -1;
    unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *h = start, *end = buf + sizeof buf;
    if (lws_add_http_common_headers(wsi, (unsigned)status, ctype, p->http_len, &h, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)"no-store", 8, &h, end) ||
        lws_finalize_write_http_header(wsi, start, &h, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int http_writeable(struct lws *wsi, pss *p) {
    if (!p->http_body) return -1;
    unsigned char *buf = malloc(LWS_PRE + p->http_len);
    if (!buf) return -1;
    memcpy(buf + LWS_PRE, p->http_body, p->http_len);
    int n = lws_write(wsi, buf + LWS_PRE, p->http_len, LWS_WRITE_HTTP_FINAL);
    free(buf);
    free(p->http_body);
    p->http_body = NULL;
    if (n < 0) return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- opening a WebSocket ------------------------------------------------ */

/* Cross-site WebSocket hijacking: a page elsewhere must not drive a
 * visitor's browser into meetings here. Browsers always send Origin; other
 * clients (bots, third-party apps) may not, and carry no visitor's
 * authority, so no Origin is fine. */
static int origin_allowed(struct lws *wsi, sig_server *srv) {
    char origin[CONFIG_ORIGIN_MAX], host[256];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0) return 1;
    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) < 0) origin[0] = '\0';
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) < 0) host[0] = '\0';
    const char *allowed[CONFIG_MAX_ORIGINS];
    for (int i = 0; i < srv->cfg.n_allowed_origin; i++)
        allowed[i] = srv->cfg.allowed_origin[i];
    if (proto_origin_allowed(origin, host, allowed, (size_t)srv->cfg.n_allowed_origin)) return 1;
    srv->n_origin_refused++;
    char peer[64];
    lws_get_peer_simple(wsi, peer, sizeof peer);
    LOG_RATELIMITED(LOG_WARN, "sig",
                    "%s: /ws refused for Origin '%.100s' (Host '%.100s'); see allowed-origin", peer,
                    origin, host);
    return 0;
}

static void ws_per_ip_release(sig_server *srv, const char *ip) {
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(srv->ws_per_ip, ip));
    if (n <= 1)
        g_hash_table_remove(srv->ws_per_ip, ip);
    else
        g_hash_table_insert(srv->ws_per_ip, g_strdup(ip), GUINT_TO_POINTER(n - 1));
}

static int session_open(struct lws *wsi, sig_server *srv, pss *p) {
    session *s = calloc(1, sizeof *s);
    if (!s) return -1;
    s->wsi = wsi;
    s->srv = srv;
    g_queue_init(&s->txq);
    proto_rx_init(&s->rx, srv->cfg.max_message_bytes);
    proto_limiter_init(&s->lim, (unsigned)srv->cfg.message_rate, clock_now_us());
    session_client_ip(wsi, srv, s->ip, sizeof s->ip);
    p->s = s;
    srv->n_sessions++;
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, SIG_IDLE_TIMEOUT_S);
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(srv->ws_per_ip, s->ip));
    g_hash_table_insert(srv->ws_per_ip, g_strdup(s->ip), GUINT_TO_POINTER(n + 1));
    if (srv->cfg.ws_per_ip > 0 && n >= (guint)srv->cfg.ws_per_ip) {
        srv->n_ws_per_ip_refused++;
        LOG_RATELIMITED(LOG_WARN, "sig", "%s: more than %d WebSockets from one address: refused",
                        s->ip, srv->cfg.ws_per_ip);
        session_send_error(s, PROTO_ERR_TOO_MANY_CONNECTIONS, NULL, NULL,
                           "this address has %d connections open to this node already",
                           srv->cfg.ws_per_ip);
    }
    return 0;
}

/* ---- the protocol callback ---------------------------------------------- */

static void drain_events(sig_server *srv) {
    sfu_event *ev;
    while (srv->media && (ev = sfu_poll_event(srv->media))) {
        rooms_handle_event(srv, ev);
        sfu_event_free(ev);
    }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
    sig_server *srv = lws_context_user(lws_get_context(wsi));
    pss *p = user;
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        drain_events(srv);
        link_drain_events(srv);
        link_poll_signals(srv);
        break;
    case LWS_CALLBACK_HTTP:
        return http_request(wsi, srv, p);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return http_writeable(wsi, p);
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (p) {
            free(p->http_body);
            p->http_body = NULL;
        }
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        char uri[16] = "";
        lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
        if (strcmp(uri, "/ws") != 0) return 1; /* WebSocket only on /ws */
        if (srv->stop) return 1;
        if (!origin_allowed(wsi, srv)) return 1;
        break;
    }
    case LWS_CALLBACK_ESTABLISHED:
        return session_open(wsi, srv, p);
    case LWS_CALLBACK_RECEIVE:
        if (p && p->s)
            session_receive(p->s, in, len, lws_is_first_fragment(wsi), lws_is_final_fragment(wsi),
                            lws_frame_is_binary(wsi));
        break;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return p && p->s ? session_writeable(p->s) : 0;
    case LWS_CALLBACK_CLOSED:
        if (p && p->s) {
            session *s = p->s;
            rooms_session_closed(s);
            rooms_state_cancel(s);
            char *b;
            while ((b = g_queue_pop_head(&s->txq)))
                free(b);
            proto_rx_free(&s->rx);
            ws_per_ip_release(srv, s->ip);
            free(s);
            p->s = NULL;
            srv->n_sessions--;
        }
        break;
    default:
        /* File serving, keep-alive transaction ends and the rest: lws's
         * own defaults. */
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    /* First = default: browsers open /ws without a subprotocol. */
    {"relais-v1", callback, sizeof(pss), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log(int level, const char *line) {
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    log_msg(level == LLL_ERR ? LOG_ERROR : LOG_WARN, "lws", "%.*s", (int)n, line);
}

int sig_server_new(sig_server **out, const relais_config *cfg, const char *const *stun_urls,
                   size_t n_stun_urls, char *err, size_t errlen) {
    *out = NULL;
    sig_server *srv = calloc(1, sizeof *srv);
    if (!srv) return -1;
    srv->cfg = *cfg;
    srv->next_pid = 1;
    srv->next_room_id = 1;
    srv->rooms_by_name = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, free);
    srv->sessions = g_hash_table_new(g_direct_hash, g_direct_equal);
    srv->join_buckets = g_hash_table_new_full(g_str_hash, g_str_equal, free, free);
    srv->ws_per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    srv->locating = g_hash_table_new(g_int64_hash, g_int64_equal);
    srv->stun_urls = calloc(n_stun_urls + 1, sizeof(char *));
    for (size_t i = 0; i < n_stun_urls; i++)
        srv->stun_urls[i] = strdup(stun_urls[i]);
    srv->n_stun_urls = n_stun_urls;

    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
    static struct lws_http_mount mount_stats, mount_metrics, mount_health, mount_root;
    mount_stats = (struct lws_http_mount){.mountpoint = "/stats",
                                          .origin_protocol = LWSMPRO_CALLBACK,
                                          .protocol = "relais-v1",
                                          .mountpoint_len = 6};
    mount_metrics = mount_stats;
    mount_metrics.mountpoint = "/metrics";
    mount_metrics.mountpoint_len = 8;
    mount_metrics.mount_next = &mount_stats;
    mount_health = mount_stats;
    mount_health.mountpoint = "/health";
    mount_health.mountpoint_len = 7;
    mount_health.mount_next = &mount_metrics;
    mount_root = mount_stats;
    mount_root.mountpoint = "/";
    mount_root.mountpoint_len = 1;
    mount_root.mount_next = &mount_health;
    /* The page may talk to its own origin only: no third party ever. */
    static struct lws_protocol_vhost_options hdr_ct, hdr_csp, hdr_ref;
    hdr_ref = (struct lws_protocol_vhost_options){NULL, NULL, "referrer-policy:", "no-referrer"};
    hdr_ct =
        (struct lws_protocol_vhost_options){&hdr_ref, NULL, "x-content-type-options:", "nosniff"};
    hdr_csp = (struct lws_protocol_vhost_options){
        &hdr_ct, NULL, "content-security-policy:",
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
        "media-src 'self' blob: mediastream:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"};

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = cfg->listen.port ? cfg->listen.port : CONTEXT_PORT_NO_LISTEN_SERVER;
    info.iface = srv->cfg.listen.addr.host;
    info.protocols = protocols;
    info.mounts = &mount_root;
    info.headers = &hdr_csp;
    info.user = srv;
    if (cfg->listen.addr.family != AF_INET6) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    if (cfg->tls_cert[0]) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = srv->cfg.tls_cert;
        info.ssl_private_key_filepath = srv->cfg.tls_key;
        /* HTTP/1.1 only: lws 4.1's HTTP/2 mangles our extra response headers
         * (browsers fail with ERR_HTTP2_COMPRESSION_ERROR), and WebSockets
         * over HTTP/2 are not what browsers use anyway. */
        info.alpn = "http/1.1";
    }
    info.timeout_secs = 30;
    srv->ctx = lws_create_context(&info);
    if (!srv->ctx) {
        char ep[80];
        snprintf(err, errlen, "--listen %s: cannot listen (address in use or not local?)",
                 config_endpoint_str(&cfg->listen, ep, sizeof ep));
        sig_server_free(srv);
        return -1;
    }
    *out = srv;
    return 0;
}

void sig_server_set_sfu(sig_server *s, sfu *media) {
    s->media = media;
}

void sig_server_set_stun(sig_server *s, struct stun_server *stun) {
    s->stun = stun;
}

void sig_server_set_cluster(sig_server *s, struct cluster *cl) {
    s->cl = cl;
}

void sig_server_signal(sig_server *s) {
    s->signals++;
    if (s->ctx) lws_cancel_service(s->ctx);
}

void sig_server_wakeup(void *ud) {
    sig_server *s = ud;
    if (s->ctx) lws_cancel_service(s->ctx);
}

int sig_server_port(const sig_server *s) {
    struct lws_vhost *vh = lws_get_vhost_by_name(s->ctx, "default");
    return vh ? lws_get_vhost_listen_port(vh) : -1;
}

static void tell_everyone_stopping(sig_server *srv) {
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, srv->sessions);
    while (g_hash_table_iter_next(&it, NULL, &v))
        session_send_error(v, PROTO_ERR_SHUTTING_DOWN, NULL, NULL, "the node is stopping");
}

int sig_server_run(sig_server *s) {
    link_start(s);
    while (!s->stop)
        if (lws_service(s->ctx, 0) < 0) break;
    tell_everyone_stopping(s);
    uint64_t until = clock_now_us() + 1000000;
    while (s->n_sessions > 0 && clock_now_us() < until)
        lws_service(s->ctx, 0);
    return 0;
}

void sig_server_stop(sig_server *s) {
    s->stop = 1;
    if (s->ctx) lws_cancel_service(s->ctx);
}

void sig_server_free(sig_server *s) {
    if (!s) return;
    if (s->ctx) lws_context_destroy(s->ctx); /* closes sessions: CLOSED callbacks */
    rooms_free_all(s);
    g_hash_table_destroy(s->rooms_by_name);
    g_hash_table_destroy(s->sessions);
    g_hash_table_destroy(s->join_buckets);
    g_hash_table_destroy(s->ws_per_ip);
    if (s->locating) g_hash_table_destroy(s->locating);
    for (size_t i = 0; i < s->n_stun_urls; i++)
        free(s->stun_urls[i]);
    free(s->stun_urls);
    free(s);
}
