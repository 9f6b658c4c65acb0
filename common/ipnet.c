/* IP networks and X-Forwarded-For: see ipnet.h. */
#include "common/ipnet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int full_prefix(int family) {
    return family == 4 ? 32 : 128;
}

/* Strict decimal in [min, max], len bytes. */
static int parse_dec(const char *s, size_t len, int min, int max, int *out) {
    int x = 0;
    if (len == 0 || len > 5) return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        x = x * 10 + (s[i] - '0');
    }
    if (x < min || x > max) return -1;
    *out = x;
    return 0;
}

/* A bare address literal (no brackets, no port) into a host ipnet. */
static int parse_literal(const char *s, size_t len, ipnet *out) {
    char buf[64];
    if (len == 0 || len >= sizeof buf || memchr(s, '\0', len)) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(out, 0, sizeof *out);
    if (memchr(buf, ':', len)) {
        if (inet_pton(AF_INET6, buf, out->addr) != 1) return -1;
        out->family = 6;
    } else {
        if (inet_pton(AF_INET, buf, out->addr) != 1) return -1;
        out->family = 4;
    }
    out->prefix = full_prefix(out->family);
    return 0;
}

/* ::ffff:a.b.c.d/N (N >= 96) is a.b.c.d/(N-96): one address, one rule. */
static void unmap(ipnet *n) {
    if (n->family != 6 || n->prefix < 96 || memcmp(n->addr, v4_mapped, 12) != 0) return;
    memmove(n->addr, n->addr + 12, 4);
    memset(n->addr + 4, 0, 12);
    n->family = 4;
    n->prefix -= 96;
}

/* An address, optionally in brackets, optionally (allow_port) followed by
 * ":PORT" (IPv6 then in brackets). */
static int parse_host(const char *s, size_t len, int allow_port, ipnet *out) {
    int port;
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close) return -1;
        size_t in = (size_t)(close - s) - 1, rest = len - in - 2;
        if (!memchr(s + 1, ':', in)) return -1; /* brackets are for IPv6 only */
        if (rest > 0 && (!allow_port || close[1] != ':' ||
                         parse_dec(close + 2, rest - 1, 0, 65535, &port) != 0))
            return -1;
        if (parse_literal(s + 1, in, out) != 0) return -1;
    } else {
        const char *colon = memchr(s, ':', len);
        size_t addr_len = len;
        /* One colon: IPv4 with a port. More: a bare IPv6 address. */
        if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1)) {
            if (!allow_port) return -1;
            addr_len = (size_t)(colon - s);
            if (parse_dec(colon + 1, len - addr_len - 1, 0, 65535, &port) != 0) return -1;
        }
        if (parse_literal(s, addr_len, out) != 0) return -1;
    }
    unmap(out);
    return 0;
}

static int bits_after_prefix_zero(const ipnet *n) {
    int bytes = full_prefix(n->family) / 8;
    for (int i = n->prefix / 8; i < bytes; i++) {
        uint8_t mask = i == n->prefix / 8 ? (uint8_t)(0xffu >> (n->prefix % 8)) : 0xffu;
        if (n->addr[i] & mask) return 0;
    }
    return 1;
}

int ipnet_parse(const char *text, size_t len, ipnet *out) {
    const char *slash = memchr(text, '/', len);
    ipnet n;
    if (!slash) {
        if (parse_host(text, len, 0, &n) != 0) return -1;
    } else {
        /* No brackets here ("[::1]/64" is not a form); the prefix is read
         * against the family as written, then unmapped. */
        size_t addr_len = (size_t)(slash - text);
        int prefix;
        if (parse_literal(text, addr_len, &n) != 0 ||
            parse_dec(slash + 1, len - addr_len - 1, 0, n.prefix, &prefix) != 0)
            return -1;
        n.prefix = prefix;
        unmap(&n);
    }
    if (!bits_after_prefix_zero(&n)) return -1;
    *out = n;
    return 0;
}

void ipnet_format(const ipnet *n, char *buf, size_t cap) {
    char a[IPNET_ADDR_STRLEN];
    if (!inet_ntop(n->family == 4 ? AF_INET : AF_INET6, n->addr, a, sizeof a)) a[0] = '\0';
    if (n->prefix == full_prefix(n->family))
        snprintf(buf, cap, "%s", a);
    else
        snprintf(buf, cap, "%s/%d", a, n->prefix);
}

int ipnet_contains(const ipnet *n, const ipnet *a) {
    if (n->family != a->family) return 0;
    int whole = n->prefix / 8, rest = n->prefix % 8;
    if (memcmp(n->addr, a->addr, (size_t)whole) != 0) return 0;
    if (rest == 0) return 1;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (n->addr[whole] & mask) == (a->addr[whole] & mask);
}

int ipnet_list_contains(const ipnet *nets, int n_nets, const ipnet *a) {
    for (int i = 0; i < n_nets; i++)
        if (ipnet_contains(&nets[i], a)) return 1;
    return 0;
}

static int is_ws(char c) {
    return c == ' ' || c == '\t';
}

ipnet_fwd_result ipnet_forwarded_client(const ipnet *trusted, int n_trusted, const char *peer,
                                        const char *xff, char out[IPNET_ADDR_STRLEN]) {
    ipnet cur;
    if (parse_host(peer, strlen(peer), 0, &cur) != 0) {
        snprintf(out, IPNET_ADDR_STRLEN, "%s", peer);
        return IPNET_FWD_BAD_PEER;
    }
    ipnet_format(&cur, out, IPNET_ADDR_STRLEN);
    if (n_trusted <= 0 || !xff || !ipnet_list_contains(trusted, n_trusted, &cur))
        return IPNET_FWD_PEER;
    ipnet_fwd_result res = IPNET_FWD_PEER;
    size_t end = strlen(xff);
    for (;;) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        size_t a = start, b = end;
        while (a < b && is_ws(xff[a]))
            a++;
        while (b > a && is_ws(xff[b - 1]))
            b--;
        if (b > a) { /* empty elements ("a,,b", a trailing comma) carry nothing */
            if (parse_host(xff + a, b - a, 1, &cur) != 0) return IPNET_FWD_BAD;
            ipnet_format(&cur, out, IPNET_ADDR_STRLEN);
            res = IPNET_FWD_HEADER;
            if (!ipnet_list_contains(trusted, n_trusted, &cur)) return res;
        }
        if (start == 0) return res;
        end = start - 1;
    }
}
