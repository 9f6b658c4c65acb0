/* Node configuration: see config.h and docs/config.md. */
#include "common/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RELAIS_VERSION
#define RELAIS_VERSION "unknown"
#endif

#define LINE_MAX_BYTES 4096 /* longest config file line */
#define FILE_MAX_BYTES (1 << 20)

/* ------------------------------------------------------------- helpers */

/* "EXPECTED, got 'VALUE'" with long values cut, into why. Returns -1. */
static int bad(char *why, size_t n, const char *expected, const char *v) {
    snprintf(why, n, "%s, got '%.64s%s'", expected, v, strlen(v) > 64 ? "..." : "");
    return -1;
}

/* Strict unsigned decimal (digits only) in [min, max]. */
static int parse_num(const char *v, long long min, long long max, long long *out) {
    long long x = 0;
    if (!*v) return -1;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        x = x * 10 + (*p - '0');
        if (x > max) return -1;
    }
    if (x < min) return -1;
    *out = x;
    return 0;
}

/* An IPv4 or IPv6 literal (IPv6 optionally in brackets), canonicalised. */
static int parse_addr(const char *v, config_addr *out) {
    char tmp[CONFIG_HOST_MAX];
    size_t n = strlen(v);
    int bracketed = n >= 2 && v[0] == '[' && v[n - 1] == ']';
    if (bracketed) {
        v++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    unsigned char bin[16];
    int fam = strchr(tmp, ':') ? AF_INET6 : AF_INET;
    if ((bracketed && fam != AF_INET6) || inet_pton(fam, tmp, bin) != 1) return -1;
    out->family = fam;
    inet_ntop(fam, bin, out->host, sizeof out->host);
    return 0;
}

static int addr_unspecified(const config_addr *a) {
    return strcmp(a->host, "0.0.0.0") == 0 || strcmp(a->host, "::") == 0;
}

/* "1.2.3.4:PORT" or "[v6]:PORT"; PORT 0-65535. */
static int parse_endpoint(const char *v, config_endpoint *out) {
    const char *colon = strrchr(v, ':');
    if (!colon) return -1;
    char host[CONFIG_HOST_MAX + 2];
    size_t n = (size_t)(colon - v);
    if (n >= sizeof host) return -1;
    memcpy(host, v, n);
    host[n] = '\0';
    /* An IPv6 address needs its brackets here, or the port is ambiguous. */
    if (strchr(host, ':') && host[0] != '[') return -1;
    if (host[0] == '[' && (n < 2 || host[n - 1] != ']')) return -1;
    long long port;
    if (parse_addr(host, &out->addr) != 0 || parse_num(colon + 1, 0, 65535, &port) != 0) return -1;
    out->port = (uint16_t)port;
    return 0;
}

const char *config_endpoint_str(const config_endpoint *e, char *buf, size_t len) {
    snprintf(buf, len, e->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", e->addr.host,
             (unsigned)e->port);
    return buf;
}

/* ------------------------------------------------------------- parsers */

/* Custom parsers get the value and whether this is the option's first
 * occurrence in the current source (file or command line): a repeatable
 * option then starts a new list. On error they write `why` and return -1. */
typedef int (*parse_fn)(relais_config *c, const char *v, int first, char *why, size_t n);
/* Writes the option's current value for --help's "default". */
typedef void (*show_fn)(const relais_config *c, char *buf, size_t n);

#define ENDPOINT_EXPECTED "expected ADDR:PORT (IPv6 as [ADDR]:PORT)"

static int p_listen(relais_config *c, const char *v, int first, char *why, size_t n) {
    if (parse_endpoint(v, &c->listen) != 0) return bad(why, n, ENDPOINT_EXPECTED, v);
    return 0;
}

static void s_listen(const relais_config *c, char *buf, size_t n) {
    config_endpoint_str(&c->listen, buf, n);
}

/* A concrete address for ICE candidates. */
static int concrete_addr(const char *v, config_addr *a, char *why, size_t n) {
    if (parse_addr(v, a) != 0) return bad(why, n, "expected an IPv4 or IPv6 address", v);
    if (addr_unspecified(a))
        return bad(why, n, "expected a concrete address (not 0.0.0.0 or ::)", v);
    return 0;
}

static int p_media(relais_config *c, const char *v, int first, char *why, size_t n) {
    if (first) c->n_media = 0;
    if (c->n_media == CONFIG_MAX_ADDRS) {
        snprintf(why, n, "at most %d addresses", CONFIG_MAX_ADDRS);
        return -1;
    }
    if (concrete_addr(v, &c->media[c->n_media], why, n) != 0) return -1;
    c->n_media++;
    return 0;
}

static void s_media(const relais_config *c, char *buf, size_t n) {
    buf[0] = '\0';
    for (int i = 0; i < c->n_media; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s", i ? ", " : "", c->media[i].host);
    }
}

static int p_announce(relais_config *c, const char *v, int first, char *why, size_t n) {
    if (concrete_addr(v, &c->announce, why, n) != 0) return -1;
    c->has_announce = 1;
    return 0;
}

static int p_rtp_ports(relais_config *c, const char *v, int first, char *why, size_t n) {
    const char *dash = strchr(v, '-');
    char lo_s[8];
    long long lo, hi;
    size_t l = dash ? (size_t)(dash - v) : 0;
    if (!dash || l >= sizeof lo_s) goto fail;
    memcpy(lo_s, v, l);
    lo_s[l] = '\0';
    if (parse_num(lo_s, 1024, 65535, &lo) != 0 || parse_num(dash + 1, 1024, 65535, &hi) != 0 ||
        lo > hi)
        goto fail;
    c->rtp_port_lo = (uint16_t)lo;
    c->rtp_port_hi = (uint16_t)hi;
    return 0;
fail:
    return bad(why, n, "expected LO-HI with 1024 <= LO <= HI <= 65535", v);
}

static void s_rtp_ports(const relais_config *c, char *buf, size_t n) {
    snprintf(buf, n, "%u-%u", (unsigned)c->rtp_port_lo, (unsigned)c->rtp_port_hi);
}

static int p_stun_listen(relais_config *c, const char *v, int first, char *why, size_t n) {
    if (first) {
        c->n_stun_listen = 0;
        c->stun_mode = CONFIG_STUN_LISTED;
    }
    int off = strcmp(v, "off") == 0;
    if ((off && c->n_stun_listen > 0) || (!off && c->stun_mode == CONFIG_STUN_OFF)) {
        snprintf(why, n, "'off' cannot be combined with addresses");
        return -1;
    }
    if (off) {
        c->stun_mode = CONFIG_STUN_OFF;
        return 0;
    }
    if (c->n_stun_listen == CONFIG_MAX_ADDRS) {
        snprintf(why, n, "at most %d addresses", CONFIG_MAX_ADDRS);
        return -1;
    }
    if (parse_endpoint(v, &c->stun_listen[c->n_stun_listen]) != 0)
        return bad(why, n, ENDPOINT_EXPECTED " or 'off'", v);
    c->n_stun_listen++;
    return 0;
}

/* scheme://host[:port] as a browser sends it in Origin, or "*". */
static int p_allowed_origin(relais_config *c, const char *v, int first, char *why, size_t n) {
    if (first) c->n_allowed_origin = 0;
    if (c->n_allowed_origin == CONFIG_MAX_ORIGINS) {
        snprintf(why, n, "at most %d origins", CONFIG_MAX_ORIGINS);
        return -1;
    }
    size_t len = strlen(v);
    const char *host = strncmp(v, "https://", 8) == 0  ? v + 8
                       : strncmp(v, "http://", 7) == 0 ? v + 7
                                                       : NULL;
    int ok = strcmp(v, "*") == 0 || (host && *host && len < CONFIG_ORIGIN_MAX &&
                                     !strpbrk(host, "/?#@ \t") && v[len - 1] != ':');
    if (!ok)
        return bad(why, n, "expected an origin such as https://meet.example.org[:PORT] or '*'", v);
    snprintf(c->allowed_origin[c->n_allowed_origin++], CONFIG_ORIGIN_MAX, "%s", v);
    return 0;
}

static int p_trusted_proxy(relais_config *c, const char *v, int first, char *why, size_t n) {
    if (first) c->n_trusted_proxy = 0;
    if (c->n_trusted_proxy == CONFIG_MAX_PROXIES) {
        snprintf(why, n, "at most %d networks", CONFIG_MAX_PROXIES);
        return -1;
    }
    if (ipnet_parse(v, strlen(v), &c->trusted_proxy[c->n_trusted_proxy]) != 0)
        return bad(why, n,
                   "expected an IP address or network (ADDR/PREFIX, no bits set after the "
                   "prefix)",
                   v);
    c->n_trusted_proxy++;
    return 0;
}

static int p_log_level(relais_config *c, const char *v, int first, char *why, size_t n) {
    if (log_parse_level(v, &c->log_level) != 0)
        return bad(why, n, "expected debug, info, warn or error", v);
    return 0;
}

int config_parse_duration(const char *v, int *seconds) {
    long long x = 0, unit = 1;
    const char *p = v;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        x = x * 10 + (*p - '0');
        if (x > 7 * 86400) return -1;
    }
    if (*p == 's')
        p++;
    else if (*p == 'm')
        unit = 60, p++;
    else if (*p == 'h')
        unit = 3600, p++;
    if (*p || x * unit > 7 * 86400) return -1;
    *seconds = (int)(x * unit);
    return 0;
}

static int p_duration(relais_config *c, const char *v, int first, char *why, size_t n) {
    if (config_parse_duration(v, &c->drain_deadline) != 0)
        return bad(why, n, "expected a duration like 90s, 30m or 2h (at most 7 days)", v);
    return 0;
}

static void s_duration(const relais_config *c, char *buf, size_t n) {
    int d = c->drain_deadline;
    if (d && d % 3600 == 0)
        snprintf(buf, n, "%dh", d / 3600);
    else if (d && d % 60 == 0)
        snprintf(buf, n, "%dm", d / 60);
    else
        snprintf(buf, n, "%ds", d);
}

static int p_fallback(relais_config *c, const char *v, int first, char *why, size_t n) {
    if (strcmp(v, "error") == 0)
        c->cluster_fallback_local = 0;
    else if (strcmp(v, "local") == 0)
        c->cluster_fallback_local = 1;
    else
        return bad(why, n, "expected error or local", v);
    return 0;
}

static void s_fallback(const relais_config *c, char *buf, size_t n) {
    snprintf(buf, n, "%s", c->cluster_fallback_local ? "local" : "error");
}

static void s_log_level(const relais_config *c, char *buf, size_t n) {
    static const char *names[] = {"debug", "info", "warn", "error"};
    snprintf(buf, n, "%s", (unsigned)c->log_level < 4 ? names[c->log_level] : "?");
}

/* ----------------------------------------------------------- the table */

typedef enum { T_INT, T_SIZE, T_PATH, T_TEXT, T_CUSTOM, T_CONFIG, T_HELP, T_VERSION } opt_type;

#define OPT_CLI_ONLY 1u /* not valid in a config file */

typedef struct config_option {
    const char *name;    /* "--name" on the command line, "name" in files */
    const char *metavar; /* the value's placeholder; NULL: takes no value */
    const char *help;
    opt_type type;
    size_t off;            /* T_INT (int), T_SIZE (size_t), T_PATH/T_TEXT (char[CONFIG_PATH_MAX]) */
    long long min, max;    /* T_INT, T_SIZE */
    parse_fn parse;        /* T_CUSTOM */
    show_fn show;          /* T_CUSTOM: the default for --help; NULL: none */
    const char *show_text; /* fixed default text, instead of show */
    unsigned flags;
} config_option;

#define FIELD(f) offsetof(relais_config, f)

/* The order here is the order of --help. */
// clang-format off
static const config_option options[] = {
    {.name = "config", .metavar = "FILE", .type = T_CONFIG, .flags = OPT_CLI_ONLY,
     .help = "read options from FILE first ('name = value' lines)"},
    {.name = "listen", .metavar = "ADDR:PORT", .type = T_CUSTOM, .parse = p_listen,
     .show = s_listen, .help = "HTTP and WebSocket address; IPv6 as [ADDR]:PORT"},
    {.name = "media-address", .metavar = "ADDR", .type = T_CUSTOM, .parse = p_media,
     .show = s_media, .help = "local address for media (ICE host candidate); repeatable, up to 8"},
    {.name = "announce-address", .metavar = "ADDR", .type = T_CUSTOM, .parse = p_announce,
     .show_text = "none",
     .help = "address put in SDP candidates instead of the media address (1:1 NAT)"},
    {.name = "rtp-ports", .metavar = "LO-HI", .type = T_CUSTOM, .parse = p_rtp_ports,
     .show = s_rtp_ports, .help = "UDP port range for media"},
    {.name = "stun-listen", .metavar = "ADDR:PORT", .type = T_CUSTOM, .parse = p_stun_listen,
     .show_text = "port 3478 on every media address",
     .help = "STUN server address, repeatable, up to 8; 'off' disables it"},
    {.name = "workers", .metavar = "N", .type = T_INT, .off = FIELD(workers),
     .min = 0, .max = CONFIG_MAX_WORKERS, .help = "media worker threads, 0 = one per core"},
    {.name = "tls-cert", .metavar = "FILE", .type = T_PATH, .off = FIELD(tls_cert),
     .show_text = "none", .help = "TLS certificate (PEM) for HTTPS and wss; needs tls-key"},
    {.name = "tls-key", .metavar = "FILE", .type = T_PATH, .off = FIELD(tls_key),
     .show_text = "none", .help = "TLS private key (PEM); needs tls-cert"},
    {.name = "web-root", .metavar = "DIR", .type = T_PATH, .off = FIELD(web_root),
     .help = "directory of the web client's files"},
    {.name = "max-message-bytes", .metavar = "BYTES", .type = T_SIZE,
     .off = FIELD(max_message_bytes), .min = 1024, .max = 16777216,
     .help = "largest signaling message"},
    {.name = "room-size", .metavar = "N", .type = T_INT, .off = FIELD(room_size),
     .min = 2, .max = 10000, .help = "most participants in one room"},
    {.name = "max-rooms", .metavar = "N", .type = T_INT, .off = FIELD(max_rooms),
     .min = 1, .max = 1000000, .help = "most rooms on this node"},
    {.name = "join-rate", .metavar = "N", .type = T_INT, .off = FIELD(join_rate),
     .min = 0, .max = 1000000, .help = "joins per minute per IP address, 0 = unlimited"},
    {.name = "trusted-proxy", .metavar = "NET", .type = T_CUSTOM, .parse = p_trusted_proxy,
     .show_text = "none",
     .help = "proxy (ADDR or ADDR/PREFIX) whose X-Forwarded-For names the client; repeatable"},
    {.name = "ws-per-ip", .metavar = "N", .type = T_INT, .off = FIELD(ws_per_ip),
     .min = 0, .max = 1000000,
     .help = "open WebSockets per client IP address, 0 = unlimited"},
    {.name = "message-rate", .metavar = "PERCENT", .type = T_INT, .off = FIELD(message_rate),
     .min = 0, .max = 100000,
     .help = "per-session message limits in percent of the defaults, 0 = none"},
    {.name = "allowed-origin", .metavar = "ORIGIN", .type = T_CUSTOM, .parse = p_allowed_origin,
     .show_text = "pages of the node's own host name",
     .help = "another origin whose pages may open /ws (or '*'); repeatable"},
    {.name = "stun-rate", .metavar = "N", .type = T_INT, .off = FIELD(stun_rate),
     .min = 0, .max = 1000000,
     .help = "STUN requests per second per source (burst 2x), 0 = unlimited"},
    {.name = "log-level", .metavar = "LEVEL", .type = T_CUSTOM, .parse = p_log_level,
     .show = s_log_level, .help = "debug, info, warn or error"},
    {.name = "max-bitrate", .metavar = "KBPS", .type = T_INT, .off = FIELD(max_bitrate),
     .min = 50, .max = 100000, .help = "bitrate publishers are asked to stay under (REMB)"},
    {.name = "redis", .metavar = "URL", .type = T_TEXT, .off = FIELD(redis),
     .show_text = "none: standalone",
     .help = "join the cluster coordinated by this Redis, redis://[:PASSWORD@]HOST[:PORT][/DB]"},
    {.name = "node-id", .metavar = "ID", .type = T_TEXT, .off = FIELD(node_id),
     .show_text = "the host name", .help = "this node's name in the cluster ([A-Za-z0-9._-], 1-64)"},
    {.name = "public-url", .metavar = "URL", .type = T_TEXT, .off = FIELD(public_url),
     .show_text = "ws(s)://LISTEN/ws",
     .help = "the WebSocket URL clients are redirected to for rooms on this node"},
    {.name = "capacity", .metavar = "N", .type = T_INT, .off = FIELD(capacity),
     .min = 1, .max = 1000000, .help = "participants this node takes; weighs room placement"},
    {.name = "cluster-ttl", .metavar = "SECONDS", .type = T_INT, .off = FIELD(cluster_ttl),
     .min = 2, .max = 300,
     .help = "lifetime of the heartbeat and room claims; a dead node is gone after this"},
    {.name = "cluster-fallback", .metavar = "MODE", .type = T_CUSTOM, .parse = p_fallback,
     .show = s_fallback,
     .help = "new rooms while Redis is unreachable: error (cluster-unavailable) or local"},
    {.name = "drain-deadline", .metavar = "DURATION", .type = T_CUSTOM, .parse = p_duration,
     .show = s_duration,
     .help = "after SIGTERM or a drain: how long rooms may stay before they are moved"},
    {.name = "admin-token", .metavar = "TOKEN", .type = T_TEXT, .off = FIELD(admin_token),
     .show_text = "none: API off",
     .help = "bearer token of the admin HTTP API (/admin/...), 16+ bytes"},
    {.name = "help", .type = T_HELP, .flags = OPT_CLI_ONLY, .help = "print this help and exit"},
    {.name = "version", .type = T_VERSION, .flags = OPT_CLI_ONLY,
     .help = "print the version and exit"},
};
// clang-format on

#define N_OPTIONS (sizeof options / sizeof options[0])

static const config_option *find_option(const char *name, size_t len) {
    for (size_t i = 0; i < N_OPTIONS; i++) {
        if (strlen(options[i].name) == len && memcmp(options[i].name, name, len) == 0)
            return &options[i];
    }
    return NULL;
}

/* Applies one value of a valued option to *c. */
static int apply(relais_config *c, const config_option *o, const char *v, int first, char *why,
                 size_t n) {
    char *field = (char *)c + o->off;
    long long x;
    switch (o->type) {
    case T_INT:
    case T_SIZE:
        if (parse_num(v, o->min, o->max, &x) != 0) {
            char exp[80];
            snprintf(exp, sizeof exp, "expected an integer from %lld to %lld", o->min, o->max);
            return bad(why, n, exp, v);
        }
        if (o->type == T_INT)
            *(int *)(void *)field = (int)x;
        else
            *(size_t *)(void *)field = (size_t)x;
        return 0;
    case T_PATH:
        if (!*v || strlen(v) >= CONFIG_PATH_MAX) {
            snprintf(why, n, "expected a path of 1-%d bytes", CONFIG_PATH_MAX - 1);
            return -1;
        }
        strcpy(field, v);
        return 0;
    case T_TEXT:
        if (!*v || strlen(v) >= CONFIG_PATH_MAX) {
            snprintf(why, n, "expected a value of 1-%d bytes", CONFIG_PATH_MAX - 1);
            return -1;
        }
        strcpy(field, v);
        return 0;
    case T_CUSTOM:
        return o->parse(c, v, first, why, n);
    default:
        snprintf(why, n, "takes no value here");
        return -1;
    }
}

/* ------------------------------------------------------------ defaults */

void config_defaults_web_root(relais_config *c, const char *web_root) {
    memset(c, 0, sizeof *c);
    parse_endpoint("127.0.0.1:8080", &c->listen);
    parse_addr("127.0.0.1", &c->media[0]);
    c->n_media = 1;
    c->rtp_port_lo = 40000;
    c->rtp_port_hi = 49999;
    c->stun_mode = CONFIG_STUN_DEFAULT;
    c->workers = 0;
    snprintf(c->web_root, sizeof c->web_root, "%s", web_root ? web_root : "web-client");
    c->max_message_bytes = 262144;
    c->room_size = 100;
    c->max_rooms = 1000;
    c->join_rate = 20;
    c->stun_rate = 20;
    c->ws_per_ip = 500;
    c->message_rate = 100;
    c->log_level = LOG_INFO;
    c->max_bitrate = 2500;
    c->capacity = 500;
    c->cluster_ttl = 5;
    c->drain_deadline = 30 * 60;
}

/* --------------------------------------------------------- config file */

static int is_space(char ch) {
    return ch == ' ' || ch == '\t';
}

/* Trims spaces and tabs at both ends, in place. */
static char *trim(char *s) {
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Parses one non-blank, non-comment line; `seen` tracks first occurrences. */
static int parse_line(relais_config *c, char *line, unsigned char *seen, char *why, size_t n) {
    char *eq = strchr(line, '=');
    if (!eq) return bad(why, n, "expected 'name = value'", line);
    *eq = '\0';
    char *key = trim(line), *val = trim(eq + 1);
    const config_option *o = find_option(key, strlen(key));
    if (!o && key[0] == '-' && key[1] == '-' && find_option(key + 2, strlen(key + 2))) {
        snprintf(why, n, "write '%.32s' without the leading '--'", key + 2);
        return -1;
    }
    if (!o) {
        snprintf(why, n, "unknown option '%.64s'", key);
        return -1;
    }
    if (o->flags & OPT_CLI_ONLY) {
        snprintf(why, n, "'%s' is only valid on the command line", o->name);
        return -1;
    }
    size_t idx = (size_t)(o - options);
    char inner[200];
    if (apply(c, o, val, !seen[idx], inner, sizeof inner) != 0) {
        snprintf(why, n, "%s: %s", o->name, inner);
        return -1;
    }
    seen[idx] = 1;
    return 0;
}

int config_parse_text(relais_config *c, const char *text, size_t len, const char *origin, char *err,
                      size_t errlen) {
    unsigned char seen[N_OPTIONS] = {0};
    char line[LINE_MAX_BYTES];
    char why[300];
    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) pos = 3; /* UTF-8 BOM */
    for (int lineno = 1; pos < len; lineno++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - pos;
        if (n > 0 && text[end - 1] == '\r') n--;
        int rc = 0;
        if (n >= sizeof line) {
            snprintf(why, sizeof why, "line longer than %d bytes", LINE_MAX_BYTES - 1);
            rc = -1;
        } else if (memchr(text + pos, '\0', n)) {
            snprintf(why, sizeof why, "NUL byte in line");
            rc = -1;
        } else {
            memcpy(line, text + pos, n);
            line[n] = '\0';
            char *s = trim(line);
            if (*s && *s != '#') rc = parse_line(c, s, seen, why, sizeof why);
        }
        if (rc != 0) {
            snprintf(err, errlen, "%s:%d: %s", origin, lineno, why);
            return -1;
        }
        pos = end + 1;
    }
    return 0;
}

int config_load_file(relais_config *c, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(FILE_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    size_t n = fread(buf, 1, FILE_MAX_BYTES + 1, f);
    int rc = -1;
    if (ferror(f))
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    else if (n > FILE_MAX_BYTES)
        snprintf(err, errlen, "%s: larger than %d bytes", path, FILE_MAX_BYTES);
    else
        rc = config_parse_text(c, buf, n, path, err, errlen);
    free(buf);
    fclose(f);
    return rc;
}

/* -------------------------------------------------------- command line */

/* One command-line item: the option and its value (NULL for flags). */
typedef struct cli_item {
    const config_option *opt;
    const char *value;
} cli_item;

/* Reads the item at argv[*i] and advances *i. -1 with err on a bad item
 * (*i still advances, so a scan can go on). */
static int next_item(int argc, char **argv, int *i, cli_item *it, char *err, size_t errlen) {
    const char *arg = argv[(*i)++];
    if (strcmp(arg, "-h") == 0) arg = "--help";
    if (arg[0] != '-' || arg[1] != '-' || arg[2] == '\0') {
        snprintf(err, errlen, "unexpected argument '%.64s' (options start with --)", arg);
        return -1;
    }
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    it->opt = find_option(name, nlen);
    it->value = eq ? eq + 1 : NULL;
    if (!it->opt) {
        snprintf(err, errlen, "unknown option '--%.*s' (see --help)", (int)(nlen > 64 ? 64 : nlen),
                 name);
        return -1;
    }
    if (!it->opt->metavar && eq) {
        snprintf(err, errlen, "--%s: takes no value", it->opt->name);
        return -1;
    }
    if (it->opt->metavar && !eq) {
        if (*i >= argc) {
            snprintf(err, errlen, "--%s: missing value %s", it->opt->name, it->opt->metavar);
            return -1;
        }
        it->value = argv[(*i)++];
    }
    return 0;
}

static void print_version(void) {
    printf("relais %s\n", RELAIS_VERSION);
}

int config_parse_args(relais_config *c, int argc, char **argv, char *err, size_t errlen) {
    cli_item it;
    const char *config_path = NULL;
    char why[300];
    /* Pass 1: --help and --version win over everything; find --config. */
    for (int i = 1; i < argc;) {
        if (next_item(argc, argv, &i, &it, why, sizeof why) != 0) continue;
        if (it.opt->type == T_HELP) {
            config_usage(stdout, argc > 0 ? argv[0] : "relais", c);
            return 1;
        }
        if (it.opt->type == T_VERSION) {
            print_version();
            return 1;
        }
    }
    for (int i = 1; i < argc;) {
        if (next_item(argc, argv, &i, &it, err, errlen) != 0) return -1;
        if (it.opt->type != T_CONFIG) continue;
        if (config_path) {
            snprintf(err, errlen, "--config: given more than once");
            return -1;
        }
        config_path = it.value;
    }
    if (config_path && config_load_file(c, config_path, err, errlen) != 0) return -1;
    /* Pass 2: the other options, in order, over the file's values. */
    unsigned char seen[N_OPTIONS] = {0};
    for (int i = 1; i < argc;) {
        next_item(argc, argv, &i, &it, err, errlen); /* checked above */
        if (it.opt->type == T_CONFIG) continue;
        size_t idx = (size_t)(it.opt - options);
        if (apply(c, it.opt, it.value, !seen[idx], why, sizeof why) != 0) {
            snprintf(err, errlen, "--%s: %s", it.opt->name, why);
            return -1;
        }
        seen[idx] = 1;
    }
    return 0;
}

#define USAGE_INDENT 29 /* column of the option descriptions */
#define USAGE_WIDTH 80

/* Writes `s` from column `indent` on, breaking lines at spaces before
 * `width`; continuation lines are indented. */
static void print_wrapped(FILE *out, const char *s, int indent, int width) {
    int col = indent;
    while (*s) {
        size_t w = strcspn(s, " ");
        if (col > indent && col + 1 + (int)w > width) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fprintf(out, "%.*s", (int)w, s);
        col += (int)w;
        s += w;
        while (*s == ' ')
            s++;
    }
    fputc('\n', out);
}

void config_usage(FILE *out, const char *prog, const relais_config *defaults) {
    fprintf(out,
            "Usage: %s [OPTION]...\n"
            "Relais %s: a WebRTC SFU node (media, signaling, STUN and the web client).\n"
            "\n"
            "Every option can also be set in a config file (--config FILE) as a\n"
            "'name = value' line; the command line wins over the file.\n"
            "\n"
            "Options:\n",
            prog, RELAIS_VERSION);
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const config_option *o = &options[i];
        char left[64], def[128] = "";
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        const char *field = (const char *)defaults + o->off;
        if (o->type == T_INT || o->type == T_SIZE) {
            long long v = o->type == T_INT ? *(const int *)(const void *)field
                                           : (long long)*(const size_t *)(const void *)field;
            snprintf(def, sizeof def, "%lld-%lld, default %lld", o->min, o->max, v);
        } else if (o->type == T_PATH && !o->show_text) {
            snprintf(def, sizeof def, "default %.100s", field);
        } else if (o->show) {
            char v[100];
            o->show(defaults, v, sizeof v);
            snprintf(def, sizeof def, "default %s", v);
        } else if (o->show_text) {
            snprintf(def, sizeof def, "default %s", o->show_text);
        }
        char desc[300];
        snprintf(desc, sizeof desc, "%s%s%s%s", o->help, def[0] ? " (" : "", def,
                 def[0] ? ")" : "");
        fprintf(out, "  %-26s ", left);
        print_wrapped(out, desc, USAGE_INDENT, USAGE_WIDTH);
    }
    fprintf(out, "\nA bad option or config file prints one error line and exits with status 2.\n");
}

/* ----------------------------------------------------------- validation */

int config_stun_endpoints(const relais_config *c, config_endpoint out[CONFIG_MAX_ADDRS]) {
    switch (c->stun_mode) {
    case CONFIG_STUN_OFF:
        return 0;
    case CONFIG_STUN_LISTED:
        memcpy(out, c->stun_listen, sizeof(config_endpoint) * (size_t)c->n_stun_listen);
        return c->n_stun_listen;
    default:
        for (int i = 0; i < c->n_media; i++) {
            out[i].addr = c->media[i];
            out[i].port = CONFIG_STUN_DEFAULT_PORT;
        }
        return c->n_media;
    }
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int addr_overlaps(const config_addr *a, const config_addr *b) {
    return a->family == b->family &&
           (strcmp(a->host, b->host) == 0 || addr_unspecified(a) || addr_unspecified(b));
}

static int validate_stun(const relais_config *c, char *err, size_t errlen) {
    config_endpoint st[CONFIG_MAX_ADDRS];
    int n = config_stun_endpoints(c, st);
    char a[64], b[64];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
            if (st[j].port == st[i].port && strcmp(st[j].addr.host, st[i].addr.host) == 0)
                return fail(err, errlen, "stun-listen: %s is given twice",
                            config_endpoint_str(&st[i], a, sizeof a));
        }
        if (st[i].port < c->rtp_port_lo || st[i].port > c->rtp_port_hi) continue;
        for (int m = 0; m < c->n_media; m++) {
            if (!addr_overlaps(&st[i].addr, &c->media[m])) continue;
            snprintf(b, sizeof b, "%u-%u", (unsigned)c->rtp_port_lo, (unsigned)c->rtp_port_hi);
            return fail(err, errlen, "stun-listen: %s is inside rtp-ports %s on media address %s",
                        config_endpoint_str(&st[i], a, sizeof a), b, c->media[m].host);
        }
    }
    return 0;
}

static int validate_tls_file(const char *opt, const char *path, char *err, size_t errlen) {
    if (access(path, R_OK) != 0)
        return fail(err, errlen, "%s: cannot read '%.200s': %s", opt, path, strerror(errno));
    return 0;
}

int config_validate(const relais_config *c, char *err, size_t errlen) {
    if (!c->tls_cert[0] != !c->tls_key[0])
        return fail(err, errlen, "tls-cert and tls-key must be given together (%s is missing)",
                    c->tls_cert[0] ? "tls-key" : "tls-cert");
    if (c->tls_cert[0] && (validate_tls_file("tls-cert", c->tls_cert, err, errlen) != 0 ||
                           validate_tls_file("tls-key", c->tls_key, err, errlen) != 0))
        return -1;
    if (c->n_media < 1) return fail(err, errlen, "media-address: at least one is needed");
    for (int i = 0; i < c->n_media; i++) {
        for (int j = 0; j < i; j++) {
            if (strcmp(c->media[i].host, c->media[j].host) == 0)
                return fail(err, errlen, "media-address: %s is given twice", c->media[i].host);
        }
    }
    if (c->has_announce && c->n_media != 1)
        return fail(err, errlen, "announce-address: needs exactly one media-address, got %d",
                    c->n_media);
    return validate_stun(c, err, errlen);
}

int config_worker_count(const relais_config *c) {
    if (c->workers > 0) return c->workers;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > CONFIG_MAX_WORKERS) n = CONFIG_MAX_WORKERS;
    return (int)n;
}
