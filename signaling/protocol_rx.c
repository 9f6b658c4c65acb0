/* Message assembly and per-session limits; see protocol_rx.h. */
#include "signaling/protocol_rx.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RX_KEEP_BYTES 65536 /* buffers above this are given back after a message */
#define TELL_EVERY_US 1000000u

void proto_rx_init(proto_rx *rx, size_t max) {
    memset(rx, 0, sizeof *rx);
    rx->max = max;
}

proto_rx_result proto_rx_feed(proto_rx *rx, const void *in, size_t len, int first, int final,
                              int binary, const char **msg, size_t *msg_len) {
    if (first) {
        rx->len = 0;
        rx->discard = 0;
        if (binary) {
            rx->discard = 1;
            return PROTO_RX_BINARY;
        }
    }
    if (rx->discard) return PROTO_RX_MORE;
    if (len > rx->max - rx->len) {
        rx->discard = 1;
        return PROTO_RX_TOO_LARGE;
    }
    if (len > 0) {
        if (rx->len + len > rx->cap) {
            size_t cap = rx->cap ? rx->cap : 4096;
            while (cap < rx->len + len)
                cap *= 2;
            char *n = realloc(rx->buf, cap);
            if (!n) {
                rx->discard = 1;
                return PROTO_RX_NOMEM;
            }
            rx->buf = n;
            rx->cap = cap;
        }
        memcpy(rx->buf + rx->len, in, len);
        rx->len += len;
    }
    if (!final) return PROTO_RX_MORE;
    /* An empty message may have no buffer at all: hand out "" instead. */
    *msg = rx->buf ? rx->buf : "";
    *msg_len = rx->len;
    rx->discard = 1; /* anything after FIN without a new first fragment */
    return PROTO_RX_MESSAGE;
}

void proto_rx_done(proto_rx *rx) {
    if (rx->cap > RX_KEEP_BYTES) {
        free(rx->buf);
        rx->buf = NULL;
        rx->cap = 0;
    }
    rx->len = 0;
}

void proto_rx_free(proto_rx *rx) {
    free(rx->buf);
    memset(rx, 0, sizeof *rx);
}

/* ---- limits ------------------------------------------------------------------ */

const proto_limit_spec proto_limit_defaults[PROTO_CLASS__COUNT] = {
    [PROTO_CLASS_ANY] = {"any", 50, 100},
    [PROTO_CLASS_NEGOTIATE] = {"negotiate", 5, 20},
    [PROTO_CLASS_CANDIDATE] = {"candidate", 20, 100},
    [PROTO_CLASS_STATE] = {"state", 10, 20},
    [PROTO_CLASS_OTHER] = {"other", 5, 20},
};

proto_class proto_class_of(proto_type t) {
    switch (t) {
    case PROTO_PUBLISH:
    case PROTO_SUBSCRIBE_ANSWER:
        return PROTO_CLASS_NEGOTIATE;
    case PROTO_CANDIDATE:
        return PROTO_CLASS_CANDIDATE;
    case PROTO_MUTE:
        return PROTO_CLASS_STATE;
    default:
        return PROTO_CLASS_OTHER;
    }
}

void proto_limiter_init(proto_limiter *l, unsigned scale_pct, uint64_t now_us) {
    memset(l, 0, sizeof *l);
    l->scale_pct = scale_pct;
    for (int c = 0; c < PROTO_CLASS__COUNT; c++) {
        l->tokens[c] = proto_limit_defaults[c].burst * scale_pct / 100.0;
        l->last_us[c] = now_us;
    }
}

proto_limit_verdict proto_limit_take(proto_limiter *l, proto_class c, uint64_t now_us) {
    if (l->scale_pct == 0 || c < 0 || c >= PROTO_CLASS__COUNT) return PROTO_LIMIT_OK;
    double scale = l->scale_pct / 100.0;
    double rate = proto_limit_defaults[c].rate * scale;
    double burst = proto_limit_defaults[c].burst * scale;
    if (now_us > l->last_us[c]) {
        l->tokens[c] += (double)(now_us - l->last_us[c]) * rate / 1e6;
        if (l->tokens[c] > burst) l->tokens[c] = burst;
        l->last_us[c] = now_us;
    }
    if (l->tokens[c] >= 1.0) {
        l->tokens[c] -= 1.0;
        return PROTO_LIMIT_OK;
    }
    l->refused++;
    /* told_us is the time of the last answer plus one, so 0 means never. */
    if (l->told_us[c] && now_us + 1 - l->told_us[c] < TELL_EVERY_US) return PROTO_LIMIT_SILENCE;
    l->told_us[c] = now_us + 1;
    return PROTO_LIMIT_REFUSE;
}

/* ---- origins ------------------------------------------------------------------ */

/* The host name of "host[:port]" or "[v6]:port": start and length. */
static int host_part(const char *auth, const char **start, size_t *len) {
    if (auth[0] == '[') {
        const char *end = strchr(auth, ']');
        if (!end || (end[1] && end[1] != ':')) return -1;
        *start = auth;
        *len = (size_t)(end - auth) + 1;
        return 0;
    }
    *start = auth;
    *len = strcspn(auth, ":");
    return *len > 0 ? 0 : -1;
}

int proto_origin_allowed(const char *origin, const char *host, const char *const *allowed,
                         size_t n_allowed) {
    for (size_t i = 0; i < n_allowed; i++)
        if (strcmp(allowed[i], "*") == 0 || strcasecmp(allowed[i], origin) == 0) return 1;
    const char *auth = strncasecmp(origin, "https://", 8) == 0  ? origin + 8
                       : strncasecmp(origin, "http://", 7) == 0 ? origin + 7
                                                                : NULL;
    const char *oh, *hh;
    size_t ol, hl;
    if (!auth || strpbrk(auth, "/?#@") || host_part(auth, &oh, &ol) != 0 ||
        host_part(host, &hh, &hl) != 0)
        return 0;
    return ol == hl && strncasecmp(oh, hh, ol) == 0;
}
