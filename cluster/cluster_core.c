/* Node records, weights and placement: see cluster_core.h. The Redis URL and
 * duration parsers are in cluster_core_parse.c. */
#include "cluster/cluster_core.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------- ids, URLs */

static int id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

int cluster_id_valid(const char *id) {
    if (!id) return 0;
    size_t n = 0;
    for (; id[n]; n++)
        if (n >= CLUSTER_ID_MAX || !id_char(id[n])) return 0;
    return n >= 1;
}

/* Printable ASCII without space: what a record value may hold. */
static int graph_char(char c) {
    return c > ' ' && c < 0x7f;
}

/* The host part must be there: "ws://", "ws://:80/x" or "ws://[]/" would
 * give clients nowhere to go. A port, when present, is 1-65535. */
int cluster_url_valid(const char *url) {
    if (!url) return 0;
    size_t n = strlen(url);
    if (n > CLUSTER_URL_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!graph_char(url[i])) return 0;
    const char *a;
    if (strncmp(url, "ws://", 5) == 0)
        a = url + 5;
    else if (strncmp(url, "wss://", 6) == 0)
        a = url + 6;
    else
        return 0;
    size_t alen = strcspn(a, "/?#");
    for (size_t i = alen; i > 0; i--) /* skip user info up to the last '@' */
        if (a[i - 1] == '@') {
            alen -= i;
            a += i;
            break;
        }
    const char *end = a + alen, *p;
    if (alen > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', alen);
        if (!close || close == a + 1) return 0;
        p = close + 1;
    } else {
        p = memchr(a, ':', alen);
        if (!p) p = end;
        if (p == a) return 0;
    }
    if (p == end) return 1;
    if (*p != ':' || end - p < 2 || end - p > 6) return 0;
    unsigned port = 0;
    for (p++; p < end; p++) {
        if (*p < '0' || *p > '9') return 0;
        port = port * 10 + (unsigned)(*p - '0');
    }
    return port >= 1 && port <= 65535;
}

const char *cluster_state_name(cluster_state s) {
    switch (s) {
    case CLUSTER_ACTIVE:
        return "active";
    case CLUSTER_DRAINING:
        return "draining";
    }
    return NULL;
}

/* ------------------------------------------------------------- records */

/* load is written with exactly 3 decimals and parsed with at most 9, so
 * that a record means the same everywhere, whatever the locale. */
#define LOAD_MAX 64
#define LOAD_DECIMALS_MAX 9

int cluster_node_encode(const cluster_node *n, char *buf, size_t len) {
    if (!n || !buf || len == 0) return -1;
    buf[0] = '\0';
    const char *state = cluster_state_name(n->state);
    if (!state || !cluster_url_valid(n->url) || n->capacity < 1 ||
        !(n->load >= 0 && n->load <= LOAD_MAX))
        return -1;
    /* Fixed point by hand rather than "%.3f": LC_NUMERIC could make it "0,042". */
    uint32_t milli = (uint32_t)llround(n->load * 1000);
    int w = snprintf(buf, len,
                     "v=1 url=%s state=%s capacity=%" PRIu32 " participants=%" PRIu32
                     " rooms=%" PRIu32 " load=%" PRIu32 ".%03" PRIu32 " heartbeat=%" PRIu64,
                     n->url, state, n->capacity, n->participants, n->rooms, milli / 1000,
                     milli % 1000, n->heartbeat_ms);
    if (w < 0 || (size_t)w >= len) {
        buf[0] = '\0';
        return -1;
    }
    return w;
}

typedef struct span {
    const char *p;
    size_t n;
} span;

static int span_is(span s, const char *lit) {
    return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* Strict unsigned decimal: digits only, no sign, no leading zero (one
 * spelling per number), at most max. */
static int parse_uint(span s, uint64_t max, uint64_t *out) {
    uint64_t x = 0;
    if (s.n == 0 || (s.n > 1 && s.p[0] == '0')) return -1;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') return -1;
        uint64_t d = (uint64_t)(s.p[i] - '0');
        if (x > (max - d) / 10) return -1;
        x = x * 10 + d;
    }
    *out = x;
    return 0;
}

/* "I" or "I.F": I is 1-2 digits without a leading zero, F 1-9 digits; the
 * value is in [0, 64]. No sign, exponent, inf or nan. Computed as one
 * division of two exact integers (< 2^53), so it is correctly rounded. */
static int parse_load(span s, double *out) {
    uint64_t whole = 0, frac = 0, scale = 1;
    size_t i = 0;
    for (; i < s.n && i < 3 && s.p[i] >= '0' && s.p[i] <= '9'; i++)
        whole = whole * 10 + (uint64_t)(s.p[i] - '0');
    if (i == 0 || i > 2 || (i == 2 && s.p[0] == '0')) return -1;
    if (i < s.n) {
        if (s.p[i++] != '.' || i == s.n || s.n - i > LOAD_DECIMALS_MAX) return -1;
        for (; i < s.n; i++) {
            if (s.p[i] < '0' || s.p[i] > '9') return -1;
            frac = frac * 10 + (uint64_t)(s.p[i] - '0');
            scale *= 10;
        }
    }
    double v = (double)(whole * scale + frac) / (double)scale;
    if (v > LOAD_MAX) return -1;
    *out = v;
    return 0;
}

enum {
    K_V = 1 << 0,
    K_URL = 1 << 1,
    K_STATE = 1 << 2,
    K_CAPACITY = 1 << 3,
    K_PARTICIPANTS = 1 << 4,
    K_ROOMS = 1 << 5,
    K_LOAD = 1 << 6,
    K_HEARTBEAT = 1 << 7,
    K_REQUIRED = K_V | K_URL | K_STATE | K_CAPACITY | K_HEARTBEAT,
};

/* One known key=value into n; the key bit, 0 for an unknown key, -1 if the
 * value is invalid. */
static int parse_field(span k, span v, cluster_node *n) {
    uint64_t x;
    if (span_is(k, "v")) return span_is(v, "1") ? K_V : -1;
    if (span_is(k, "url")) {
        if (v.n > CLUSTER_URL_MAX) return -1;
        memcpy(n->url, v.p, v.n);
        n->url[v.n] = '\0';
        return cluster_url_valid(n->url) ? K_URL : -1;
    }
    if (span_is(k, "state")) {
        if (span_is(v, "active"))
            n->state = CLUSTER_ACTIVE;
        else if (span_is(v, "draining"))
            n->state = CLUSTER_DRAINING;
        else
            return -1;
        return K_STATE;
    }
    if (span_is(k, "capacity")) {
        if (parse_uint(v, UINT32_MAX, &x) != 0 || x == 0) return -1;
        n->capacity = (uint32_t)x;
        return K_CAPACITY;
    }
    if (span_is(k, "participants")) {
        if (parse_uint(v, UINT32_MAX, &x) != 0) return -1;
        n->participants = (uint32_t)x;
        return K_PARTICIPANTS;
    }
    if (span_is(k, "rooms")) {
        if (parse_uint(v, UINT32_MAX, &x) != 0) return -1;
        n->rooms = (uint32_t)x;
        return K_ROOMS;
    }
    if (span_is(k, "load")) return parse_load(v, &n->load) == 0 ? K_LOAD : -1;
    if (span_is(k, "heartbeat")) {
        if (parse_uint(v, UINT64_MAX, &n->heartbeat_ms) != 0) return -1;
        return K_HEARTBEAT;
    }
    return 0;
}

/* Tokens are separated by runs of spaces (leading and trailing ones too);
 * any other byte outside printable ASCII, NUL included, makes the record
 * malformed. participants, rooms and load default to 0. Unknown keys are
 * skipped but still must look like key=value and appear once, so that a
 * later version's record is either read the same way or refused whole. */
int cluster_node_parse(const char *id, const char *text, size_t len, cluster_node *out) {
    if (!out || !cluster_id_valid(id) || (!text && len) || len > CLUSTER_RECORD_MAX) return -1;
    cluster_node n;
    memset(&n, 0, sizeof n);
    /* Each token takes at least "k=v" and a space: at most 128 in 512 bytes. */
    span keys[CLUSTER_RECORD_MAX / 4 + 1];
    size_t nkeys = 0;
    unsigned seen = 0;
    size_t i = 0;
    while (i < len) {
        if (text[i] == ' ') {
            i++;
            continue;
        }
        size_t start = i;
        for (; i < len && text[i] != ' '; i++)
            if (!graph_char(text[i])) return -1;
        const char *eq = memchr(text + start, '=', i - start);
        if (!eq) return -1;
        span k = {text + start, (size_t)(eq - (text + start))};
        span v = {eq + 1, (size_t)(text + i - (eq + 1))};
        if (k.n == 0 || v.n == 0 || nkeys == sizeof keys / sizeof keys[0]) return -1;
        for (size_t j = 0; j < nkeys; j++)
            if (keys[j].n == k.n && memcmp(keys[j].p, k.p, k.n) == 0) return -1;
        keys[nkeys++] = k;
        int bit = parse_field(k, v, &n);
        if (bit < 0) return -1;
        seen |= (unsigned)bit;
    }
    if ((seen & K_REQUIRED) != K_REQUIRED) return -1;
    memcpy(n.id, id, strlen(id) + 1);
    *out = n;
    return 0;
}

/* ------------------------------------------------------------- placement */

/* Loads outside [0, 1] (the parser allows up to 64) are clamped so that the
 * weight stays positive; an unknown (NaN) load counts as fully busy. */
double cluster_weight(const cluster_node *n) {
    if (!n || n->state != CLUSTER_ACTIVE || n->participants >= n->capacity) return 0;
    double load = n->load;
    if (isnan(load) || load > 1)
        load = 1;
    else if (load < 0)
        load = 0;
    return (double)(n->capacity - n->participants) * (1 - load / 2);
}

/* The exact algorithm, for other implementations:
 *   h = 0xcbf29ce484222325                      (FNV-1a 64 offset basis)
 *   for each byte b of id, then one 0x00 byte, then each byte b of room:
 *       h = (h ^ b) * 0x100000001b3 mod 2^64    (FNV-1a 64 prime)
 *   then the splitmix64 finalizer, all mod 2^64:
 *       h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
 *       h = (h ^ (h >> 27)) * 0x94d049bb133111eb
 *       h = h ^ (h >> 31)
 * The 0 byte keeps ("ab", "c") apart from ("a", "bc"); the finalizer spreads
 * FNV's weak high bits, which placement uses. NULL counts as "". */
uint64_t cluster_hash(const char *node_id, const char *room) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)(node_id ? node_id : ""); *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    h *= 0x100000001b3ull; /* the separator: h ^ 0 == h */
    for (const unsigned char *p = (const unsigned char *)(room ? room : ""); *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

/* u = ((h >> 11) + 0.5) / 2^53 in IEEE double arithmetic (round to nearest
 * even), score = -weight / ln(u). In exact arithmetic u is in (0, 1); in
 * doubles the sum rounds to 2^53 for h >> 11 == 2^53 - 1 (odds 2^-53), so
 * u == 1 and ln(u) == 0 score +inf, the limit as u -> 1. Each node's score
 * is an independent Exp(weight)-distributed race, which is what makes the
 * owner of a room change only when its owner leaves or a new node wins. */
static double score(double weight, const char *id, const char *room) {
    uint64_t h = cluster_hash(id, room);
    double u = ((double)(h >> 11) + 0.5) / 9007199254740992.0; /* 2^53 */
    double l = log(u);
    return l < 0 ? -weight / l : INFINITY;
}

int cluster_place(const cluster_node *nodes, size_t n, const char *room, uint64_t now_ms,
                  uint64_t stale_ms, const char *exclude_id) {
    if (!nodes || !room) return -1;
    int best = -1;
    double best_score = 0;
    for (size_t i = 0; i < n && i < INT32_MAX; i++) {
        const cluster_node *c = &nodes[i];
        double w = cluster_weight(c);
        if (!(w > 0)) continue;
        /* heartbeat + stale < now without overflow; a heartbeat from the
         * future (clock skew) is fresh. */
        if (now_ms > c->heartbeat_ms && now_ms - c->heartbeat_ms > stale_ms) continue;
        if (exclude_id && strcmp(c->id, exclude_id) == 0) continue;
        double s = score(w, c->id, room);
        if (best < 0 || s > best_score || (s == best_score && strcmp(c->id, nodes[best].id) < 0)) {
            best = (int)i;
            best_score = s;
        }
    }
    return best;
}
