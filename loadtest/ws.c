/* WebSocket client codec: handshake request/response and frames. See ws.h. */
#include "loadtest/ws.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

static const char WS_GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

const char *ws_strerror(int err) {
    switch (err) {
    case 0:
        return "no error";
    case WS_ERR_ARG:
        return "bad argument";
    case WS_ERR_SPACE:
        return "output buffer too small";
    case WS_ERR_HTTP:
        return "malformed HTTP response";
    case WS_ERR_HEADER_SIZE:
        return "response header too large";
    case WS_ERR_STATUS:
        return "status is not 101";
    case WS_ERR_UPGRADE:
        return "Upgrade is not websocket";
    case WS_ERR_CONNECTION:
        return "Connection lacks upgrade";
    case WS_ERR_ACCEPT:
        return "bad Sec-WebSocket-Accept";
    case WS_ERR_UNREQUESTED:
        return "unrequested extension or subprotocol";
    case WS_ERR_MASKED:
        return "masked server frame";
    case WS_ERR_RSV:
        return "reserved bits set";
    case WS_ERR_OPCODE:
        return "unknown opcode";
    case WS_ERR_CONTROL:
        return "control frame too long or fragmented";
    case WS_ERR_CONTINUATION:
        return "bad continuation order";
    case WS_ERR_LENGTH:
        return "bad length encoding";
    case WS_ERR_TOO_BIG:
        return "message too big";
    case WS_ERR_UTF8:
        return "invalid UTF-8";
    case WS_ERR_CLOSE_PAYLOAD:
        return "bad close frame";
    case WS_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown error";
    }
}

int ws_error_close_code(int err) {
    switch (err) {
    case WS_ERR_TOO_BIG:
    case WS_ERR_NOMEM:
        return WS_CLOSE_TOO_BIG;
    case WS_ERR_UTF8:
        return WS_CLOSE_BAD_DATA;
    default:
        return WS_CLOSE_PROTOCOL;
    }
}

/* Well-formed UTF-8: no overlong forms, surrogates or code points past
 * U+10FFFF. */
static int utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            k = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i - 1 < k) return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += k + 1;
    }
    return 1;
}

/* ---- opening handshake ---------------------------------------------------- */

void ws_accept_value(const char *key_b64, char out[29]) {
    char buf[128];
    size_t klen = strnlen(key_b64, 64);
    memcpy(buf, key_b64, klen);
    memcpy(buf + klen, WS_GUID, sizeof WS_GUID - 1);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(buf, klen + sizeof WS_GUID - 1, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20) {
        out[0] = 0; /* matches no header value */
        return;
    }
    EVP_EncodeBlock((unsigned char *)out, md, 20);
}

/* Printable ASCII without spaces: safe inside a request line or header. */
static int token_ok(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7F) return 0;
    return 1;
}

int ws_handshake_request(char *out, size_t cap, const char *host_port, const char *path,
                         const uint8_t key16[16], char *key_b64_out) {
    return ws_handshake_request_proto(out, cap, host_port, path, NULL, key16, key_b64_out);
}

int ws_handshake_request_proto(char *out, size_t cap, const char *host_port, const char *path,
                               const char *subprotocol, const uint8_t key16[16],
                               char *key_b64_out) {
    if (!out || !host_port || !path || !key16 || !key_b64_out) return WS_ERR_ARG;
    if (!token_ok(host_port) || !token_ok(path) || path[0] != '/') return WS_ERR_ARG;
    if (subprotocol && (!token_ok(subprotocol) || strchr(subprotocol, ','))) return WS_ERR_ARG;
    EVP_EncodeBlock((unsigned char *)key_b64_out, key16, 16);
    int n = snprintf(out, cap,
                     "GET %s HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n"
                     "%s%s%s"
                     "\r\n",
                     path, host_port, key_b64_out, subprotocol ? "Sec-WebSocket-Protocol: " : "",
                     subprotocol ? subprotocol : "", subprotocol ? "\r\n" : "");
    if (n < 0) return WS_ERR_ARG;
    if ((size_t)n >= cap) return WS_ERR_SPACE;
    return n;
}

/* Offset just past the first CRLFCRLF in buf[0..len), or 0 if none. */
static size_t header_end(const char *buf, size_t len) {
    for (size_t i = 3; i < len; i++)
        if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
            return i + 1;
    return 0;
}

typedef struct span {
    const char *p;
    size_t n;
} span;

static span trim(span s) {
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

static int span_ieq(span s, const char *lit) {
    return s.n == strlen(lit) && strncasecmp(s.p, lit, s.n) == 0;
}

/* Does a comma-separated list hold `tok` (case-insensitive)? */
static int list_has(span v, const char *tok) {
    while (v.n) {
        const char *comma = memchr(v.p, ',', v.n);
        size_t n = comma ? (size_t)(comma - v.p) : v.n;
        if (span_ieq(trim((span){v.p, n}), tok)) return 1;
        if (!comma) break;
        v.p += n + 1, v.n -= n + 1;
    }
    return 0;
}

/* "HTTP/1.1 101 Switching Protocols": 0, WS_ERR_STATUS or WS_ERR_HTTP. */
static int parse_status_line(span l) {
    if (l.n < 12 || memcmp(l.p, "HTTP/1.", 7) != 0 || (l.p[7] != '0' && l.p[7] != '1') ||
        l.p[8] != ' ')
        return WS_ERR_HTTP;
    for (int i = 9; i < 12; i++)
        if (l.p[i] < '0' || l.p[i] > '9') return WS_ERR_HTTP;
    if (l.n > 12 && l.p[12] != ' ') return WS_ERR_HTTP;
    return memcmp(l.p + 9, "101", 3) == 0 ? 0 : WS_ERR_STATUS;
}

typedef struct hs_seen {
    int upgrade, connection, accept;
} hs_seen;

/* One "Name: value" line: 0 or an error. proto: the subprotocol we asked
 * for, or NULL. */
static int parse_header_line(span l, const char *accept, const char *proto, hs_seen *seen) {
    const char *colon = memchr(l.p, ':', l.n);
    if (!colon || colon == l.p) return WS_ERR_HTTP;
    span name = {l.p, (size_t)(colon - l.p)};
    for (size_t i = 0; i < name.n; i++)
        if ((unsigned char)name.p[i] <= 0x20 || (unsigned char)name.p[i] >= 0x7F ||
            name.p[i] == ':')
            return WS_ERR_HTTP;
    span v = trim((span){colon + 1, l.n - name.n - 1});
    for (size_t i = 0; i < v.n; i++)
        if (((unsigned char)v.p[i] < 0x20 && v.p[i] != '\t') || v.p[i] == 0x7F) return WS_ERR_HTTP;
    if (span_ieq(name, "Upgrade")) {
        if (!span_ieq(v, "websocket")) return WS_ERR_UPGRADE;
        seen->upgrade = 1;
    } else if (span_ieq(name, "Connection")) {
        if (list_has(v, "upgrade")) seen->connection = 1;
    } else if (span_ieq(name, "Sec-WebSocket-Accept")) {
        if (v.n != strlen(accept) || memcmp(v.p, accept, v.n) != 0) return WS_ERR_ACCEPT;
        seen->accept = 1;
    } else if (span_ieq(name, "Sec-WebSocket-Protocol")) {
        /* Subprotocol names are case-sensitive (RFC 6455 section 11.3.4). */
        if (v.n && (!proto || v.n != strlen(proto) || memcmp(v.p, proto, v.n) != 0))
            return WS_ERR_UNREQUESTED;
    } else if (span_ieq(name, "Sec-WebSocket-Extensions")) {
        if (v.n) return WS_ERR_UNREQUESTED;
    }
    return 0;
}

int ws_handshake_response_parse(const char *buf, size_t len, const char *key_b64,
                                size_t *consumed) {
    return ws_handshake_response_parse_proto(buf, len, key_b64, NULL, consumed);
}

int ws_handshake_response_parse_proto(const char *buf, size_t len, const char *key_b64,
                                      const char *subprotocol, size_t *consumed) {
    if (consumed) *consumed = 0;
    if (!buf || !key_b64) return WS_ERR_ARG;
    size_t end = header_end(buf, len < WS_HANDSHAKE_MAX ? len : WS_HANDSHAKE_MAX);
    if (!end) return len >= WS_HANDSHAKE_MAX ? WS_ERR_HEADER_SIZE : 0;
    char accept[29];
    ws_accept_value(key_b64, accept);

    hs_seen seen = {0, 0, 0};
    size_t pos = 0;
    for (int first = 1;; first = 0) {
        /* Every line ends in CRLF: the header ends in CRLFCRLF. */
        size_t eol = pos;
        while (!(buf[eol] == '\r' && buf[eol + 1] == '\n'))
            eol++;
        span l = {buf + pos, eol - pos};
        pos = eol + 2;
        if (memchr(l.p, '\n', l.n) || memchr(l.p, '\r', l.n) || memchr(l.p, 0, l.n))
            return WS_ERR_HTTP;
        if (first) {
            int r = parse_status_line(l);
            if (r < 0) return r;
            continue;
        }
        if (l.n == 0) break;                                     /* the empty line */
        if (l.p[0] == ' ' || l.p[0] == '\t') return WS_ERR_HTTP; /* obsolete line folding */
        int r = parse_header_line(l, accept, subprotocol, &seen);
        if (r < 0) return r;
    }
    if (!seen.upgrade) return WS_ERR_UPGRADE;
    if (!seen.connection) return WS_ERR_CONNECTION;
    if (!seen.accept) return WS_ERR_ACCEPT;
    if (consumed) *consumed = end;
    return 1;
}

/* ---- encoding ------------------------------------------------------------- */

size_t ws_frame_size(size_t len) {
    return len + 2 + 4 + (len < 126 ? 0 : len <= 0xFFFF ? 2 : 8);
}

int ws_frame_encode(uint8_t *out, size_t cap, int opcode, const uint8_t *payload, size_t len,
                    const uint8_t mask[4]) {
    int control = opcode == WS_OP_CLOSE || opcode == WS_OP_PING || opcode == WS_OP_PONG;
    if (!out || !mask || (!payload && len)) return WS_ERR_ARG;
    if (!control && opcode != WS_OP_TEXT && opcode != WS_OP_BINARY) return WS_ERR_ARG;
    if ((control && len > 125) || len > (size_t)INT_MAX - 14) return WS_ERR_ARG;
    size_t total = ws_frame_size(len);
    if (cap < total) return WS_ERR_SPACE;
    size_t h = 0;
    out[h++] = (uint8_t)(0x80 | opcode);
    if (len < 126) {
        out[h++] = (uint8_t)(0x80 | len);
    } else if (len <= 0xFFFF) {
        out[h++] = 0x80 | 126;
        out[h++] = (uint8_t)(len >> 8);
        out[h++] = (uint8_t)len;
    } else {
        out[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            out[h++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    memcpy(out + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < len; i++)
        out[h + i] = payload[i] ^ mask[i & 3];
    return (int)total;
}

int ws_close_encode(uint8_t *out, size_t cap, int code, const char *reason, const uint8_t mask[4]) {
    uint8_t p[125];
    size_t n = 0;
    if (code != WS_CLOSE_NO_STATUS && code != WS_CLOSE_ABNORMAL) {
        if (code < 1000 || code > 4999) return WS_ERR_ARG;
        p[n++] = (uint8_t)(code >> 8);
        p[n++] = (uint8_t)code;
        size_t r = reason ? strlen(reason) : 0;
        if (r > sizeof p - 2) {
            r = sizeof p - 2;
            while (r && ((uint8_t)reason[r] & 0xC0) == 0x80) /* cut at a character start */
                r--;
        }
        if (r) memcpy(p + n, reason, r);
        n += r;
    }
    return ws_frame_encode(out, cap, WS_OP_CLOSE, p, n, mask);
}

/* ---- decoding ------------------------------------------------------------- */

enum { ST_HEADER, ST_PAYLOAD, ST_CLOSED };

void ws_decoder_init(ws_decoder *d, size_t max_message) {
    memset(d, 0, sizeof *d);
    d->max_message = max_message < SIZE_MAX / 4 ? max_message : SIZE_MAX / 4;
    d->state = ST_HEADER;
    d->hdr_need = 2;
}

void ws_decoder_free(ws_decoder *d) {
    free(d->msg);
    d->msg = NULL;
    d->msg_len = d->msg_cap = 0;
}

static int is_control(int opcode) {
    return (opcode & 0x8) != 0;
}

/* Checks the first two header bytes and sets how many length bytes follow. */
static int header_start(ws_decoder *d) {
    uint8_t b0 = d->hdr[0], b1 = d->hdr[1];
    d->fin = (b0 & 0x80) != 0;
    d->opcode = b0 & 0x0F;
    if (b0 & 0x70) return WS_ERR_RSV;
    switch (d->opcode) {
    case WS_OP_CONT:
    case WS_OP_TEXT:
    case WS_OP_BINARY:
    case WS_OP_CLOSE:
    case WS_OP_PING:
    case WS_OP_PONG:
        break;
    default:
        return WS_ERR_OPCODE;
    }
    if (b1 & 0x80) return WS_ERR_MASKED;
    unsigned len7 = b1 & 0x7F;
    if (is_control(d->opcode)) {
        if (!d->fin || len7 > 125) return WS_ERR_CONTROL;
    } else if (d->opcode == WS_OP_CONT) {
        if (!d->msg_opcode) return WS_ERR_CONTINUATION;
    } else if (d->msg_opcode) {
        return WS_ERR_CONTINUATION;
    }
    d->hdr_need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
    return 0;
}

/* Makes room for `more` payload bytes after msg_len, plus the NUL. */
static int msg_reserve(ws_decoder *d, size_t more) {
    size_t need = d->msg_len + more + 1;
    if (need <= d->msg_cap) return 0;
    size_t cap = d->msg_cap ? d->msg_cap : 256;
    while (cap < need)
        cap *= 2;
    if (cap > d->max_message + 1) cap = d->max_message + 1;
    uint8_t *m = realloc(d->msg, cap);
    if (!m) return WS_ERR_NOMEM;
    d->msg = m;
    d->msg_cap = cap;
    return 0;
}

/* The whole header is in: reads the length and prepares the payload. */
static int header_done(ws_decoder *d) {
    uint64_t len = d->hdr[1] & 0x7F;
    if (len == 126) {
        len = (uint64_t)d->hdr[2] << 8 | d->hdr[3];
        if (len < 126) return WS_ERR_LENGTH;
    } else if (len == 127) {
        len = 0;
        for (int i = 2; i < 10; i++)
            len = len << 8 | d->hdr[i];
        if (len >> 63 || len <= 0xFFFF) return WS_ERR_LENGTH;
    }
    if (is_control(d->opcode)) {
        d->ctl_len = 0;
    } else {
        if (len > d->max_message - d->msg_len) return WS_ERR_TOO_BIG;
        int r = msg_reserve(d, (size_t)len);
        if (r < 0) return r;
        if (d->opcode != WS_OP_CONT) d->msg_opcode = d->opcode;
    }
    d->remaining = len;
    return 0;
}

static int control_done(ws_decoder *d, ws_event *ev) {
    d->ctl[d->ctl_len] = 0;
    ev->data = d->ctl;
    ev->len = d->ctl_len;
    if (d->opcode == WS_OP_PING) return ev->type = WS_EV_PING;
    if (d->opcode == WS_OP_PONG) return ev->type = WS_EV_PONG;
    /* close */
    if (d->ctl_len == 1) return WS_ERR_CLOSE_PAYLOAD;
    ev->close_code = WS_CLOSE_NO_STATUS;
    if (d->ctl_len >= 2) {
        int code = d->ctl[0] << 8 | d->ctl[1];
        int ok = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                 (code >= 3000 && code <= 4999);
        if (!ok) return WS_ERR_CLOSE_PAYLOAD;
        if (!utf8_valid(d->ctl + 2, d->ctl_len - 2)) return WS_ERR_UTF8;
        ev->close_code = code;
        ev->data = d->ctl + 2;
        ev->len = d->ctl_len - 2;
    }
    d->state = ST_CLOSED;
    return ev->type = WS_EV_CLOSE;
}

/* The current frame's payload is complete: an event, 0 to go on, or an
 * error. */
static int frame_done(ws_decoder *d, ws_event *ev) {
    d->state = ST_HEADER;
    d->hdr_len = 0;
    d->hdr_need = 2;
    if (is_control(d->opcode)) return control_done(d, ev);
    if (!d->fin) return 0;
    d->msg[d->msg_len] = 0;
    int text = d->msg_opcode == WS_OP_TEXT;
    d->msg_opcode = 0;
    if (text && !utf8_valid(d->msg, d->msg_len)) return WS_ERR_UTF8;
    d->msg_delivered = 1;
    ev->data = d->msg;
    ev->len = d->msg_len;
    return ev->type = text ? WS_EV_TEXT : WS_EV_BINARY;
}

static int fail(ws_decoder *d, int err) {
    return d->error = err;
}

int ws_decoder_feed(ws_decoder *d, const uint8_t *in, size_t len, size_t *consumed, ws_event *ev) {
    size_t pos = 0;
    memset(ev, 0, sizeof *ev);
    *consumed = 0;
    if (d->error) return d->error;
    if (d->msg_delivered) d->msg_len = 0, d->msg_delivered = 0;
    if (d->state == ST_CLOSED) {
        *consumed = len;
        return WS_EV_NONE;
    }
    for (;;) {
        if (d->state == ST_HEADER) {
            while (d->hdr_len < d->hdr_need && pos < len)
                d->hdr[d->hdr_len++] = in[pos++];
            if (d->hdr_len < d->hdr_need) break;
            int r = 0;
            if (d->hdr_len == 2) r = header_start(d);
            if (r < 0) return fail(d, r);
            if (d->hdr_len < d->hdr_need) continue; /* extended length follows */
            r = header_done(d);
            if (r < 0) return fail(d, r);
            d->state = ST_PAYLOAD;
        }
        size_t n = len - pos;
        if (n > d->remaining) n = (size_t)d->remaining;
        if (n && is_control(d->opcode)) {
            memcpy(d->ctl + d->ctl_len, in + pos, n);
            d->ctl_len += n;
        } else if (n) {
            memcpy(d->msg + d->msg_len, in + pos, n);
            d->msg_len += n;
        }
        pos += n;
        d->remaining -= n;
        if (d->remaining) break;
        int r = frame_done(d, ev);
        if (r < 0) return fail(d, r);
        if (r > 0) {
            *consumed = pos;
            return r;
        }
    }
    *consumed = pos;
    return WS_EV_NONE;
}
