/* The cluster options' parsers: Redis URL and duration. See cluster_core.h. */
#include "cluster/cluster_core.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DURATION_MAX (7u * 24 * 3600)
#define REDIS_PORT 6379
#define REDIS_DB_MAX 2147483647

/* Writes the one-line reason into err (when there is room). Returns -1. */
static int fail(char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int hex_val(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into out (size cap, NUL-terminated; out may be
 * NULL to only check). -1 on a bad or NUL escape, -2 if it does not fit. */
static int pct_decode(const char *s, size_t n, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_val(s[i + 1]) : -1, lo = hi >= 0 ? hex_val(s[i + 2]) : -1;
            if (lo < 0 || (hi | lo) == 0) return -1;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (out) {
            if (o + 1 >= cap) return -2;
            out[o] = c;
        }
        o++;
    }
    if (out) out[o] = '\0';
    return 0;
}

/* Digits only (leading zeros allowed: humans type these), value <= max. */
static int parse_dec(const char *s, size_t n, unsigned long max, unsigned long *out) {
    unsigned long x = 0;
    if (n == 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        x = x * 10 + (unsigned long)(s[i] - '0');
        if (x > max) return -1;
    }
    *out = x;
    return 0;
}

static int host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

/* redis://[[user]:password@]host[:port][/db], following RFC 3986: the
 * authority ends at the first '/', '?' or '#', the user info at its last
 * '@', and user and password are percent-decoded (a password holding '/',
 * '?', '#' or '@' must spell it %2F, %3F, %23, %40).
 *
 * A user name selects a Redis 6+ ACL user (AUTH user password); without
 * one the password belongs to the "default" user. An IPv6 host is stored without brackets,
 * ready for a resolver. Errors never echo the password. */
int cluster_redis_url_parse(const char *text, cluster_redis_url *out, char *err, size_t errlen) {
    cluster_redis_url u;
    memset(&u, 0, sizeof u);
    u.port = REDIS_PORT;
    if (!text || !out) return fail(err, errlen, "no Redis URL");
    for (const char *p = text; *p; p++)
        if (*p <= ' ' || *p >= 0x7f)
            return fail(err, errlen, "Redis URL has a space or non-ASCII byte at offset %zu",
                        (size_t)(p - text));
    if (strncasecmp(text, "rediss://", 9) == 0)
        return fail(err, errlen, "TLS to Redis is not supported (rediss://); use redis://");
    if (strncasecmp(text, "redis://", 8) != 0) {
        const char *sep = strstr(text, "://");
        if (sep && sep - text <= 16)
            return fail(err, errlen, "unsupported Redis URL scheme '%.*s://' (expected redis://)",
                        (int)(sep - text), text);
        return fail(err, errlen,
                    "Redis URL must look like redis://[[user]:password@]host[:port][/db]");
    }

    const char *a = text + 8;
    size_t alen = strcspn(a, "/?#");
    const char *rest = a + alen;
    const char *at = NULL;
    for (size_t i = alen; i > 0 && !at; i--)
        if (a[i - 1] == '@') at = a + i - 1;
    const char *h = a, *hend = a + alen;
    if (at) {
        const char *colon = memchr(a, ':', (size_t)(at - a));
        if (!colon)
            return fail(err, errlen,
                        "Redis URL user info needs a password: user:password@ or :password@");
        int urc = pct_decode(a, (size_t)(colon - a), u.user, sizeof u.user);
        if (urc == -1) return fail(err, errlen, "bad %%-escape in the Redis URL user name");
        if (urc == -2)
            return fail(err, errlen, "Redis user name too long (max %zu bytes)", sizeof u.user - 1);
        int rc = pct_decode(colon + 1, (size_t)(at - colon - 1), u.password, sizeof u.password);
        if (rc == -1) return fail(err, errlen, "bad %%-escape in the Redis URL password");
        if (rc == -2)
            return fail(err, errlen, "Redis password too long (max %zu bytes)",
                        sizeof u.password - 1);
        h = at + 1;
    }

    const char *port = NULL;
    if (h < hend && *h == '[') {
        const char *close = memchr(h, ']', (size_t)(hend - h));
        if (!close) return fail(err, errlen, "unterminated '[' in the Redis host");
        size_t n = (size_t)(close - h - 1);
        unsigned char bin[16];
        char tmp[INET6_ADDRSTRLEN];
        if (n == 0) return fail(err, errlen, "empty host in Redis URL");
        if (n < sizeof tmp) {
            memcpy(tmp, h + 1, n);
            tmp[n] = '\0';
        }
        if (n >= sizeof tmp || inet_pton(AF_INET6, tmp, bin) != 1)
            return fail(err, errlen, "invalid IPv6 address '[%.*s]' in Redis URL",
                        (int)(n > 64 ? 64 : n), h + 1);
        memcpy(u.host, tmp, n + 1);
        if (close + 1 < hend) {
            if (close[1] != ':')
                return fail(err, errlen, "unexpected text after ']' in the Redis host");
            port = close + 2;
        }
    } else {
        const char *colon = memchr(h, ':', (size_t)(hend - h));
        size_t n = (size_t)((colon ? colon : hend) - h);
        if (colon && memchr(colon + 1, ':', (size_t)(hend - colon - 1)))
            return fail(err, errlen, "an IPv6 Redis host needs brackets: redis://[::1]:6379");
        if (n == 0) return fail(err, errlen, "empty host in Redis URL");
        if (n > CLUSTER_HOST_MAX)
            return fail(err, errlen, "Redis host too long (max %d bytes)", CLUSTER_HOST_MAX);
        for (size_t i = 0; i < n; i++)
            if (!host_char(h[i]))
                return fail(err, errlen, "invalid character '%c' in the Redis host", h[i]);
        memcpy(u.host, h, n);
        u.host[n] = '\0';
        if (colon) port = colon + 1;
    }
    if (port) {
        unsigned long v;
        size_t n = (size_t)(hend - port);
        if (parse_dec(port, n, 65535, &v) != 0 || v == 0)
            return fail(err, errlen, "invalid Redis port '%.*s' (expected 1-65535)",
                        (int)(n > 16 ? 16 : n), port);
        u.port = (uint16_t)v;
    }

    if (*rest == '/' && rest[1]) {
        unsigned long v;
        if (parse_dec(rest + 1, strlen(rest + 1), REDIS_DB_MAX, &v) != 0)
            return fail(err, errlen, "invalid Redis database '%.16s' (expected 0-%d)", rest + 1,
                        REDIS_DB_MAX);
        u.db = (int)v;
    } else if (*rest && *rest != '/') {
        return fail(err, errlen, "unexpected '%.16s' in Redis URL (no query or fragment)", rest);
    }
    *out = u;
    return 0;
}

/* Whole numbers only: "1.5m" would need a rounding rule nobody asked for. */
int cluster_duration_parse(const char *text, uint32_t *seconds) {
    if (!text || !seconds) return -1;
    uint32_t x = 0, unit = 1;
    const char *p = text;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        x = x * 10 + (uint32_t)(*p - '0');
        if (x > DURATION_MAX) return -1;
    }
    switch (*p) {
    case 's':
        p++;
        break;
    case 'm':
        unit = 60;
        p++;
        break;
    case 'h':
        unit = 3600;
        p++;
        break;
    }
    if (*p || x > DURATION_MAX / unit) return -1;
    *seconds = x * unit;
    return 0;
}
