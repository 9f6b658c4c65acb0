/* SDP parser, model lifetime and lookups. See sdp.h.
 *
 * The input is copied once into the session's arena and cut into lines and
 * tokens in place, so the model's strings point into that copy. Each a= line
 * is dispatched through a table of small handlers. */
#include "sfu/sdp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- arena ---- */

struct sdp__block {
    struct sdp__block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK 4096

void *sdp__alloc(sdp_session *s, size_t n) {
    if (n == 0 || n > SIZE_MAX / 2) return NULL;
    n = (n + 15) & ~(size_t)15;
    struct sdp__block *b = s->arena;
    if (b && b->cap - b->used >= n) {
        void *p = b->data + b->used;
        b->used += n;
        return p;
    }
    size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
    b = malloc(sizeof(*b) + cap);
    if (!b) return NULL;
    b->cap = cap;
    b->used = n;
    /* A block allocated for one large object goes behind the current one so
     * the current one's free space is not wasted. */
    if (n > ARENA_BLOCK / 2 && s->arena) {
        b->next = s->arena->next;
        s->arena->next = b;
    } else {
        b->next = s->arena;
        s->arena = b;
    }
    return b->data;
}

const char *sdp_strdup(sdp_session *s, const char *str) {
    if (!str) return NULL;
    size_t n = strlen(str);
    char *p = sdp__alloc(s, n + 1);
    if (p) memcpy(p, str, n + 1);
    return p;
}

static sdp_session *session_alloc(void) {
    return calloc(1, sizeof(sdp_session));
}

sdp_media *sdp__new_media(sdp_session *s) {
    if (s->n_media >= SDP_MAX_MEDIA) return NULL;
    if (s->n_media == s->cap_media) {
        size_t cap = s->cap_media ? s->cap_media * 2 : 8;
        if (cap > SDP_MAX_MEDIA) cap = SDP_MAX_MEDIA;
        sdp_media **arr = realloc(s->media, cap * sizeof(*arr));
        if (!arr) return NULL;
        s->media = arr;
        s->cap_media = cap;
    }
    sdp_media *m = calloc(1, sizeof(*m));
    if (!m) return NULL;
    m->session = s;
    m->dir = SDP_DIR_SENDRECV;
    s->media[s->n_media++] = m;
    return m;
}

void sdp_free(sdp_session *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n_media; i++)
        free(s->media[i]);
    free(s->media);
    struct sdp__block *b = s->arena;
    while (b) {
        struct sdp__block *next = b->next;
        free(b);
        b = next;
    }
    free(s);
}

/* ---- character classes and small grammars ---- */

static bool is_token_char(unsigned char c) {
    /* RFC 8866 token-char: %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E */
    return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2A || c == 0x2B || c == 0x2D ||
           c == 0x2E || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) ||
           (c >= 0x5E && c <= 0x7E);
}

bool sdp__is_token(const char *str) {
    if (!str || !*str) return false;
    for (const unsigned char *p = (const unsigned char *)str; *p; p++)
        if (!is_token_char(*p)) return false;
    return true;
}

bool sdp__is_word(const char *str) {
    if (!str || !*str) return false;
    for (const unsigned char *p = (const unsigned char *)str; *p; p++)
        if (*p <= 0x20 || *p == 0x7F) return false;
    return true;
}

bool sdp__is_ice_chars(const char *str, size_t min, size_t max) {
    if (!str) return false;
    size_t n = 0;
    for (const char *p = str; *p; p++, n++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '/';
        if (!ok) return false;
    }
    return n >= min && n <= max;
}

bool sdp__is_text(const char *str) {
    if (!str || !*str || *str == ' ') return false;
    const unsigned char *p = (const unsigned char *)str;
    for (; *p; p++)
        if (*p < 0x20 || *p == 0x7F) return false;
    return p[-1] != ' ';
}

bool sdp__is_rid_id(const char *str) {
    if (!str || !*str) return false;
    for (const char *p = str; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

bool sdp__is_rtp_proto(const char *proto) {
    return proto && strstr(proto, "RTP/") != NULL;
}

/* token *("/" token) */
bool sdp__is_proto(const char *str) {
    if (!str || !*str || *str == '/') return false;
    const char *p = str;
    for (; *p; p++) {
        if (*p == '/') {
            if (p[1] == '/' || p[1] == '\0') return false;
        } else if (!is_token_char((unsigned char)*p)) {
            return false;
        }
    }
    return true;
}

/* Decimal without sign or spaces, at most max. */
static bool parse_u64(const char *str, uint64_t max, uint64_t *out) {
    if (!str || !*str) return false;
    uint64_t v = 0;
    for (const char *p = str; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool parse_u32(const char *str, uint32_t max, uint32_t *out) {
    uint64_t v;
    if (!parse_u64(str, max, &v)) return false;
    *out = (uint32_t)v;
    return true;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int sdp__fingerprint(sdp_fingerprint *fp, const char *algorithm, const char *value) {
    if (!sdp__is_token(algorithm) || strlen(algorithm) > 32 || !value) return SDP_E_SYNTAX;
    uint8_t bytes[SDP_MAX_FINGERPRINT];
    size_t n = 0;
    const char *p = value;
    for (;;) {
        int hi = hexval(p[0]), lo = hi >= 0 ? hexval(p[1]) : -1;
        if (hi < 0 || lo < 0 || n == SDP_MAX_FINGERPRINT) return SDP_E_SYNTAX;
        bytes[n++] = (uint8_t)(hi << 4 | lo);
        p += 2;
        if (*p == '\0') break;
        if (*p++ != ':') return SDP_E_SYNTAX;
    }
    fp->algorithm = algorithm;
    fp->value = value;
    memcpy(fp->bytes, bytes, n);
    fp->len = (uint8_t)n;
    return 0;
}

int sdp__fmtp_apt(const char *fmtp) {
    const char *p = fmtp;
    while (p && *p) {
        while (*p == ' ' || *p == ';')
            p++;
        if (strncmp(p, "apt=", 4) == 0) {
            p += 4;
            int v = 0, digits = 0;
            for (; *p >= '0' && *p <= '9'; p++, digits++) {
                if (digits == 3) return -2;
                v = v * 10 + (*p - '0');
            }
            if (digits == 0 || v > 127 || (*p && *p != ';' && *p != ' ')) return -2;
            return v;
        }
        p = strchr(p, ';');
    }
    return -1;
}

/* Length of the space-free word at p (0 at a space or the end). */
static size_t word_at(const char *p) {
    size_t n = 0;
    while (p[n] && p[n] != ' ')
        n++;
    return n;
}

static bool word_is_num(const char *p, size_t n, size_t maxdigits, uint64_t max) {
    if (n == 0 || n > maxdigits) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    return v <= max;
}

bool sdp__is_candidate(const char *cand) {
    /* candidate:<foundation> <component> <transport> <priority> <addr> <port> typ <type> ... */
    if (!sdp__is_text(cand) || strncmp(cand, "candidate:", 10) != 0) return false;
    const char *p = cand + 10;
    size_t w[8];
    const char *at[8];
    for (int i = 0; i < 8; i++) {
        while (*p == ' ')
            p++;
        at[i] = p;
        w[i] = word_at(p);
        if (w[i] == 0) return false;
        p += w[i];
    }
    for (size_t i = 0; i < w[0]; i++) {
        char c = at[0][i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return false;
    }
    return w[0] <= 32 && word_is_num(at[1], w[1], 3, 256) &&
           word_is_num(at[3], w[3], 10, UINT32_MAX) && word_is_num(at[5], w[5], 5, 65535) &&
           w[6] == 3 && memcmp(at[6], "typ", 3) == 0;
}

/* Splits the next space-separated token off *cur (NUL-terminating it in
 * place); NULL when nothing is left. */
static char *tok(char **cur) {
    char *p = *cur;
    while (*p == ' ')
        p++;
    if (!*p) {
        *cur = p;
        return NULL;
    }
    char *start = p;
    while (*p && *p != ' ')
        p++;
    if (*p) *p++ = '\0';
    *cur = p;
    return start;
}

/* What is left of *cur after spaces, or NULL if nothing. */
static char *rest(char **cur) {
    char *p = *cur;
    while (*p == ' ')
        p++;
    return *p ? p : NULL;
}

/* One list of a=simulcast: ids separated by ';' (streams) and ',' (alternatives). */
static int simulcast_list(char *list, sdp_simulcast_rid *out, uint8_t *n) {
    int truncated = 0;
    bool alt = false;
    char *p = list;
    for (;;) {
        char *id = p;
        while (*p && *p != ';' && *p != ',')
            p++;
        char sep = *p;
        *p = '\0';
        bool paused = id[0] == '~';
        if (paused) id++;
        if (strncmp(id, "rid=", 4) == 0) id += 4; /* draft-ietf-mmusic-sdp-simulcast-03 */
        if (!sdp__is_rid_id(id)) return SDP_E_SYNTAX;
        if (*n < SDP_MAX_SIMULCAST)
            out[(*n)++] = (sdp_simulcast_rid){.id = id, .paused = paused, .alt = alt};
        else
            truncated = 1;
        if (!sep) return truncated;
        alt = sep == ',';
        p++;
    }
}

int sdp__simulcast(sdp_session *s, sdp_simulcast *sc, const char *value) {
    const char *raw = sdp_strdup(s, value);
    char *work = (char *)sdp_strdup(s, value);
    if (!raw || !work) return SDP_E_NOMEM;
    sdp_simulcast tmp = {.raw = raw};
    int truncated = 0, r;
    char *cur = work, *dir;
    bool seen[2] = {false, false};
    while ((dir = tok(&cur)) != NULL) {
        bool send = strcmp(dir, "send") == 0;
        char *list = tok(&cur);
        if ((!send && strcmp(dir, "recv") != 0) || !list || seen[send]) return SDP_E_SYNTAX;
        seen[send] = true;
        if (send)
            r = simulcast_list(list, tmp.send, &tmp.n_send);
        else
            r = simulcast_list(list, tmp.recv, &tmp.n_recv);
        if (r < 0) return r;
        truncated |= r;
    }
    if (!seen[0] && !seen[1]) return SDP_E_SYNTAX;
    *sc = tmp;
    return truncated;
}

/* ---- parser ---- */

typedef struct parser {
    sdp_session *s;
    sdp_media *m;   /* current m-section, NULL at session level */
    int line;       /* 1-based line number, for errors */
    int line_index; /* non-empty lines seen before this one */
    char *err;
    size_t errlen;
    bool have_o, have_s;
    sdp_dir session_dir;
    uint32_t wildcard_fb; /* a=rtcp-fb:* of the current m-section */
} parser;

static int fail_code(parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_code(parser *p, int code, const char *fmt, ...) {
    if (p->err && p->errlen) {
        int n = snprintf(p->err, p->errlen, "line %d: ", p->line);
        if (n >= 0 && (size_t)n < p->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}
#define fail(p, ...) fail_code(p, SDP_E_SYNTAX, __VA_ARGS__)

static void truncate_here(parser *p) {
    p->m->truncated = true;
    p->s->truncated = true;
}

/* The codec entry for pt, created if new; NULL when the array is full. */
static sdp_codec *codec_for(parser *p, uint8_t pt) {
    sdp_media *m = p->m;
    for (uint16_t i = 0; i < m->n_codecs; i++)
        if (m->codecs[i].pt == pt) return &m->codecs[i];
    if (m->n_codecs == SDP_MAX_CODECS) {
        truncate_here(p);
        return NULL;
    }
    sdp_codec *c = &m->codecs[m->n_codecs++];
    *c = (sdp_codec){.pt = pt, .apt = -1};
    return c;
}

static bool parse_pt(const char *str, uint8_t *pt) {
    uint32_t v;
    if (!parse_u32(str, 127, &v)) return false;
    *pt = (uint8_t)v;
    return true;
}

/* Each handler gets the attribute name (the line after "a=", unmodified
 * until the handler cuts it) and the value after ':' without leading
 * spaces, or NULL for a flag attribute. */
typedef int (*attr_fn)(parser *p, const char *name, char *val);

#define NEED_VAL(p, name, val)                                                                     \
    do {                                                                                           \
        if (!(val) || !*(val)) return fail(p, "a=%s needs a value", name);                         \
    } while (0)

static int a_group(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "group", val);
    char *cur = val, *sem = tok(&cur), *t;
    if (!sdp__is_token(sem)) return fail(p, "bad a=group semantics");
    size_t n = 0;
    for (char *q = cur; *q; q++)
        if (*q != ' ' && (q == cur || q[-1] == ' ')) n++;
    bool keep = p->s->n_groups < SDP_MAX_GROUPS;
    if (n > SDP_MAX_MEDIA || !keep) p->s->truncated = true;
    if (n > SDP_MAX_MEDIA) n = SDP_MAX_MEDIA;
    const char **mids = n && keep ? sdp__alloc(p->s, n * sizeof(*mids)) : NULL;
    if (n && keep && !mids) return SDP_E_NOMEM;
    uint16_t k = 0;
    while ((t = tok(&cur)) != NULL) {
        if (!sdp__is_token(t)) return fail(p, "bad mid in a=group");
        if (mids && k < n) mids[k++] = t;
    }
    if (keep)
        p->s->groups[p->s->n_groups++] = (sdp_group){.semantics = sem, .mids = mids, .n_mids = k};
    return 0;
}

static int a_msid_semantic(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "msid-semantic", val);
    char *cur = val, *sem = tok(&cur);
    if (!sdp__is_token(sem)) return fail(p, "bad a=msid-semantic");
    p->s->msid_semantic = sem;
    p->s->msid_semantic_ids = rest(&cur);
    return 0;
}

static int a_ice_lite(parser *p, const char *name, char *val) {
    (void)name;
    (void)val;
    p->s->ice_lite = true;
    return 0;
}

static int a_ice(parser *p, const char *name, char *val) {
    bool ufrag = strncmp(name, "ice-ufrag", 9) == 0;
    const char **dst = p->m ? (ufrag ? &p->m->ice_ufrag : &p->m->ice_pwd)
                            : (ufrag ? &p->s->ice_ufrag : &p->s->ice_pwd);
    NEED_VAL(p, ufrag ? "ice-ufrag" : "ice-pwd", val);
    if (!sdp__is_ice_chars(val, 1, SDP_MAX_ICE_CHARS))
        return fail(p, "bad ICE %s", ufrag ? "ufrag" : "pwd");
    if (*dst) return fail(p, "duplicate a=%s", ufrag ? "ice-ufrag" : "ice-pwd");
    *dst = val;
    return 0;
}

static int a_ice_options(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "ice-options", val);
    *(p->m ? &p->m->ice_options : &p->s->ice_options) = val;
    return 0;
}

static int a_fingerprint(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "fingerprint", val);
    char *cur = val, *alg = tok(&cur), *hex = tok(&cur);
    sdp_fingerprint fp;
    if (!hex || rest(&cur) || sdp__fingerprint(&fp, alg, hex) < 0)
        return fail(p, "bad a=fingerprint");
    sdp_fingerprint *dst = p->m ? &p->m->fingerprint : &p->s->fingerprint;
    /* Keep the first one, unless a sha-256 one comes after another hash. */
    if (dst->algorithm &&
        (strcasecmp(dst->algorithm, "sha-256") == 0 || strcasecmp(fp.algorithm, "sha-256") != 0)) {
        p->s->truncated = true;
        if (p->m) p->m->truncated = true;
        return 0;
    }
    *dst = fp;
    return 0;
}

static int a_setup(parser *p, const char *name, char *val) {
    (void)name;
    static const char *const names[] = {"", "actpass", "active", "passive", "holdconn"};
    NEED_VAL(p, "setup", val);
    sdp_setup *dst = p->m ? &p->m->setup : &p->s->setup;
    for (int i = SDP_SETUP_ACTPASS; i <= SDP_SETUP_HOLDCONN; i++) {
        if (strcmp(val, names[i]) == 0) {
            if (*dst) return fail(p, "duplicate a=setup");
            *dst = (sdp_setup)i;
            return 0;
        }
    }
    return fail(p, "bad a=setup");
}

static int a_allow_mixed(parser *p, const char *name, char *val) {
    (void)name;
    (void)val;
    *(p->m ? &p->m->extmap_allow_mixed : &p->s->extmap_allow_mixed) = true;
    return 0;
}

static sdp_dir dir_from(const char *str, size_t n) {
    for (int d = SDP_DIR_SENDRECV; d <= SDP_DIR_INACTIVE; d++)
        if (strlen(sdp_dir_str((sdp_dir)d)) == n && memcmp(str, sdp_dir_str((sdp_dir)d), n) == 0)
            return (sdp_dir)d;
    return SDP_DIR_NONE;
}

static int a_dir(parser *p, const char *name, char *val) {
    (void)val;
    sdp_dir d = dir_from(name, strcspn(name, ":"));
    if (p->m)
        p->m->dir = d;
    else
        p->session_dir = d;
    return 0;
}

static int a_mid(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "mid", val);
    if (!sdp__is_token(val)) return fail(p, "bad a=mid");
    if (p->m->mid) return fail(p, "duplicate a=mid");
    for (size_t i = 0; i + 1 < p->s->n_media; i++)
        if (p->s->media[i]->mid && strcmp(p->s->media[i]->mid, val) == 0)
            return fail(p, "mid \"%s\" used twice", val);
    p->m->mid = val;
    return 0;
}

static int a_rtcp(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "rtcp", val);
    char *cur = val, *port = tok(&cur);
    uint32_t v;
    if (!parse_u32(port, 65535, &v) || v == 0) return fail(p, "bad a=rtcp port");
    p->m->rtcp_port = (uint16_t)v;
    p->m->rtcp_addr = rest(&cur);
    return 0;
}

static int a_flag(parser *p, const char *name, char *val) {
    (void)val;
    size_t n = strcspn(name, ":");
    if (n == 8 && memcmp(name, "rtcp-mux", 8) == 0) p->m->rtcp_mux = true;
    if (n == 10 && memcmp(name, "rtcp-rsize", 10) == 0) p->m->rtcp_rsize = true;
    if (n == 11 && memcmp(name, "bundle-only", 11) == 0) p->m->bundle_only = true;
    if (n == 17 && memcmp(name, "end-of-candidates", 17) == 0) p->m->end_of_candidates = true;
    return 0;
}

static int a_rtpmap(parser *p, const char *name, char *val) {
    (void)name;
    if (!sdp__is_rtp_proto(p->m->proto)) return 0;
    NEED_VAL(p, "rtpmap", val);
    char *cur = val, *pts = tok(&cur), *enc = tok(&cur);
    uint8_t pt;
    if (!parse_pt(pts, &pt)) return fail(p, "bad payload type in a=rtpmap");
    if (!enc || rest(&cur)) return fail(p, "bad a=rtpmap");
    char *clock = strchr(enc, '/'), *ch = NULL;
    if (!clock) return fail(p, "a=rtpmap without clock rate");
    *clock++ = '\0';
    if ((ch = strchr(clock, '/')) != NULL) *ch++ = '\0';
    uint32_t rate, chans = 0;
    if (!sdp__is_token(enc) || !parse_u32(clock, UINT32_MAX, &rate) || rate == 0 ||
        (ch && (!parse_u32(ch, 255, &chans) || chans == 0)))
        return fail(p, "bad a=rtpmap");
    sdp_codec *c = codec_for(p, pt);
    if (!c) return 0;
    if (c->name) return fail(p, "duplicate a=rtpmap for %u", pt);
    c->name = enc;
    c->clock = rate;
    c->channels = (uint8_t)chans;
    return 0;
}

static int a_fmtp(parser *p, const char *name, char *val) {
    (void)name;
    if (!sdp__is_rtp_proto(p->m->proto)) return 0;
    NEED_VAL(p, "fmtp", val);
    char *cur = val, *pts = tok(&cur), *params = rest(&cur);
    uint8_t pt;
    if (!parse_pt(pts, &pt)) return fail(p, "bad payload type in a=fmtp");
    if (!params) return fail(p, "a=fmtp without parameters");
    int apt = sdp__fmtp_apt(params);
    if (apt == -2) return fail(p, "bad apt in a=fmtp");
    sdp_codec *c = codec_for(p, pt);
    if (!c) return 0;
    if (c->fmtp) return fail(p, "duplicate a=fmtp for %u", pt);
    c->fmtp = params;
    c->apt = (int16_t)apt;
    return 0;
}

static uint32_t fb_flag(const char *type, const char *param) {
    if (strcmp(type, "nack") == 0)
        return !param ? SDP_FB_NACK : strcmp(param, "pli") == 0 ? SDP_FB_NACK_PLI : 0;
    if (strcmp(type, "ccm") == 0) return param && strcmp(param, "fir") == 0 ? SDP_FB_CCM_FIR : 0;
    if (param) return 0;
    if (strcmp(type, "goog-remb") == 0) return SDP_FB_GOOG_REMB;
    if (strcmp(type, "transport-cc") == 0) return SDP_FB_TRANSPORT_CC;
    return 0;
}

static int a_rtcp_fb(parser *p, const char *name, char *val) {
    (void)name;
    if (!sdp__is_rtp_proto(p->m->proto)) return 0;
    NEED_VAL(p, "rtcp-fb", val);
    char *cur = val, *pts = tok(&cur), *type = tok(&cur), *param = tok(&cur);
    uint8_t pt = 0;
    bool wild = pts && strcmp(pts, "*") == 0;
    if (!wild && !parse_pt(pts, &pt)) return fail(p, "bad payload type in a=rtcp-fb");
    if (!sdp__is_token(type) || (param && !sdp__is_token(param))) return fail(p, "bad a=rtcp-fb");
    uint32_t flag = rest(&cur) ? 0 : fb_flag(type, param);
    if (wild) {
        p->wildcard_fb |= flag;
    } else if (flag) {
        sdp_codec *c = codec_for(p, pt);
        if (c) c->fb |= flag;
    }
    return 0;
}

static int a_extmap(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "extmap", val);
    char *cur = val, *idd = tok(&cur), *uri = tok(&cur), *attrs = rest(&cur);
    char *slash = strchr(idd, '/');
    sdp_dir d = SDP_DIR_NONE;
    if (slash) {
        *slash++ = '\0';
        if ((d = dir_from(slash, strlen(slash))) == SDP_DIR_NONE)
            return fail(p, "bad a=extmap direction");
    }
    uint32_t id;
    if (!parse_u32(idd, 255, &id) || id == 0) return fail(p, "bad a=extmap id");
    if (!sdp__is_word(uri)) return fail(p, "a=extmap without uri");
    sdp_media *m = p->m;
    for (uint16_t i = 0; i < m->n_extmaps; i++)
        if (m->extmaps[i].id == id) return fail(p, "duplicate a=extmap id %u", id);
    if (m->n_extmaps == SDP_MAX_EXTMAPS) {
        truncate_here(p);
        return 0;
    }
    m->extmaps[m->n_extmaps++] =
        (sdp_extmap){.id = (uint16_t)id, .dir = d, .uri = uri, .attrs = attrs};
    return 0;
}

static int a_ssrc(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "ssrc", val);
    char *cur = val, *num = tok(&cur), *attr = rest(&cur);
    uint32_t ssrc;
    if (!parse_u32(num, UINT32_MAX, &ssrc) || !attr) return fail(p, "bad a=ssrc");
    char *colon = strchr(attr, ':'), *value = NULL;
    if (colon) {
        *colon = '\0';
        value = colon + 1;
        if (!sdp__is_text(value)) return fail(p, "bad a=ssrc value");
    }
    if (!sdp__is_token(attr)) return fail(p, "bad a=ssrc attribute");
    bool cname = strcmp(attr, "cname") == 0;
    if (!cname && strcmp(attr, "msid") != 0) return 0;
    if (!value) return fail(p, "a=ssrc %s without value", attr);
    sdp_media *m = p->m;
    sdp_ssrc *e = NULL;
    for (uint16_t i = 0; i < m->n_ssrcs && !e; i++)
        if (m->ssrcs[i].ssrc == ssrc) e = &m->ssrcs[i];
    if (!e) {
        if (m->n_ssrcs == SDP_MAX_SSRCS) {
            truncate_here(p);
            return 0;
        }
        e = &m->ssrcs[m->n_ssrcs++];
        *e = (sdp_ssrc){.ssrc = ssrc};
    }
    const char **dst = cname ? &e->cname : &e->msid;
    if (*dst) return fail(p, "duplicate a=ssrc %s for %u", attr, ssrc);
    *dst = value;
    return 0;
}

static int a_ssrc_group(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "ssrc-group", val);
    char *cur = val, *sem = tok(&cur), *t;
    if (!sdp__is_token(sem)) return fail(p, "bad a=ssrc-group");
    sdp_ssrc_group g = {.semantics = sem};
    bool trunc = false;
    while ((t = tok(&cur)) != NULL) {
        uint32_t v;
        if (!parse_u32(t, UINT32_MAX, &v)) return fail(p, "bad ssrc in a=ssrc-group");
        if (g.n_ssrcs < SDP_MAX_GROUP_SSRCS)
            g.ssrcs[g.n_ssrcs++] = v;
        else
            trunc = true;
    }
    if (g.n_ssrcs == 0) return fail(p, "a=ssrc-group without ssrcs");
    if (p->m->n_ssrc_groups == SDP_MAX_SSRC_GROUPS) trunc = true;
    if (trunc) truncate_here(p);
    if (p->m->n_ssrc_groups < SDP_MAX_SSRC_GROUPS) p->m->ssrc_groups[p->m->n_ssrc_groups++] = g;
    return 0;
}

static int a_msid(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "msid", val);
    char *cur = val, *stream = tok(&cur), *track = tok(&cur);
    if (!sdp__is_token(stream) || (track && !sdp__is_token(track)) || rest(&cur))
        return fail(p, "bad a=msid");
    if (p->m->msid_stream) {
        truncate_here(p);
        return 0;
    }
    p->m->msid_stream = stream;
    p->m->msid_track = track;
    return 0;
}

static int a_rid(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "rid", val);
    char *cur = val, *id = tok(&cur), *dir = tok(&cur), *restr = rest(&cur);
    if (!sdp__is_rid_id(id) || !dir) return fail(p, "bad a=rid");
    sdp_rid_dir d = strcmp(dir, "send") == 0   ? SDP_RID_SEND
                    : strcmp(dir, "recv") == 0 ? SDP_RID_RECV
                                               : 0;
    if (!d) return fail(p, "bad a=rid direction");
    sdp_media *m = p->m;
    for (uint16_t i = 0; i < m->n_rids; i++)
        if (strcmp(m->rids[i].id, id) == 0) return fail(p, "duplicate a=rid %s", id);
    if (m->n_rids == SDP_MAX_RIDS) {
        truncate_here(p);
        return 0;
    }
    m->rids[m->n_rids++] = (sdp_rid){.id = id, .dir = d, .restrictions = restr};
    return 0;
}

static int a_simulcast(parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "simulcast", val);
    if (p->m->simulcast.raw) return fail(p, "duplicate a=simulcast");
    int r = sdp__simulcast(p->s, &p->m->simulcast, val);
    if (r == SDP_E_NOMEM) return r;
    if (r < 0) return fail(p, "bad a=simulcast");
    if (r > 0) truncate_here(p);
    return 0;
}

static int a_candidate(parser *p, const char *name, char *val) {
    (void)val;
    /* name is the whole "candidate:..." text, still unmodified. */
    if (!sdp__is_candidate(name)) return fail(p, "bad a=candidate");
    sdp_media *m = p->m;
    if (m->n_candidates == SDP_MAX_CANDIDATES) {
        truncate_here(p);
        return 0;
    }
    m->candidates[m->n_candidates++] = name;
    return 0;
}

static int a_sctp_port(parser *p, const char *name, char *val) {
    (void)name;
    uint32_t v;
    if (!val || !parse_u32(val, 65535, &v) || v == 0) return fail(p, "bad a=sctp-port");
    p->m->sctp_port = (uint16_t)v;
    return 0;
}

enum { AT_SESSION = 1, AT_MEDIA = 2, AT_BOTH = 3 };

static const struct {
    const char *name;
    uint8_t where;
    attr_fn fn;
} attr_table[] = {
    {"group", AT_SESSION, a_group},
    {"msid-semantic", AT_SESSION, a_msid_semantic},
    {"ice-lite", AT_SESSION, a_ice_lite},
    {"ice-ufrag", AT_BOTH, a_ice},
    {"ice-pwd", AT_BOTH, a_ice},
    {"ice-options", AT_BOTH, a_ice_options},
    {"fingerprint", AT_BOTH, a_fingerprint},
    {"setup", AT_BOTH, a_setup},
    {"extmap-allow-mixed", AT_BOTH, a_allow_mixed},
    {"sendrecv", AT_BOTH, a_dir},
    {"sendonly", AT_BOTH, a_dir},
    {"recvonly", AT_BOTH, a_dir},
    {"inactive", AT_BOTH, a_dir},
    {"mid", AT_MEDIA, a_mid},
    {"rtcp", AT_MEDIA, a_rtcp},
    {"rtcp-mux", AT_MEDIA, a_flag},
    {"rtcp-rsize", AT_MEDIA, a_flag},
    {"bundle-only", AT_MEDIA, a_flag},
    {"end-of-candidates", AT_MEDIA, a_flag},
    {"rtpmap", AT_MEDIA, a_rtpmap},
    {"fmtp", AT_MEDIA, a_fmtp},
    {"rtcp-fb", AT_MEDIA, a_rtcp_fb},
    {"extmap", AT_MEDIA, a_extmap},
    {"ssrc", AT_MEDIA, a_ssrc},
    {"ssrc-group", AT_MEDIA, a_ssrc_group},
    {"msid", AT_MEDIA, a_msid},
    {"rid", AT_MEDIA, a_rid},
    {"simulcast", AT_MEDIA, a_simulcast},
    {"candidate", AT_MEDIA, a_candidate},
    {"sctp-port", AT_MEDIA, a_sctp_port},
};

static int line_attr(parser *p, char *v) {
    size_t n = strcspn(v, ":");
    char saved = v[n];
    v[n] = '\0';
    bool ok = sdp__is_token(v);
    v[n] = saved;
    if (!ok) return fail(p, "bad attribute name");
    char *val = NULL;
    if (saved == ':') {
        val = v + n + 1;
        while (*val == ' ')
            val++;
    }
    unsigned where = p->m ? AT_MEDIA : AT_SESSION;
    for (size_t i = 0; i < sizeof(attr_table) / sizeof(attr_table[0]); i++) {
        if (strlen(attr_table[i].name) == n && memcmp(attr_table[i].name, v, n) == 0) {
            if (!(attr_table[i].where & where)) return 0;
            return attr_table[i].fn(p, v, val);
        }
    }
    return 0; /* an attribute the model does not keep */
}

/* Applies a=rtcp-fb:* and puts the codecs in m= line (preference) order;
 * codecs whose pt is not on the m= line keep their order at the end. */
static void end_media(parser *p) {
    sdp_media *m = p->m;
    if (!m) return;
    for (uint16_t i = 0; i < m->n_codecs; i++)
        m->codecs[i].fb |= p->wildcard_fb;
    p->wildcard_fb = 0;
    uint16_t rank[128];
    for (int i = 0; i < 128; i++)
        rank[i] = SDP_MAX_PTS;
    for (uint16_t i = m->n_pts; i-- > 0;)
        rank[m->pts[i]] = i;
    for (uint16_t i = 1; i < m->n_codecs; i++) {
        sdp_codec c = m->codecs[i];
        uint16_t k = i;
        for (; k > 0 && rank[m->codecs[k - 1].pt] > rank[c.pt]; k--)
            m->codecs[k] = m->codecs[k - 1];
        m->codecs[k] = c;
    }
}

static int line_media(parser *p, char *v) {
    static const char *const kinds[] = {"", "audio", "video", "application"};
    end_media(p);
    if (!p->have_o || !p->have_s) return fail(p, "m= before o= and s=");
    char *cur = v, *kind = tok(&cur), *port = tok(&cur), *proto = tok(&cur);
    if (!sdp__is_token(kind)) return fail(p, "bad media type");
    if (!port) return fail(p, "m= line without port");
    char *slash = strchr(port, '/');
    uint32_t pv, count = 0;
    if (slash) *slash++ = '\0';
    if (!parse_u32(port, 65535, &pv) || (slash && (!parse_u32(slash, 65535, &count) || !count)))
        return fail(p, "bad port");
    if (!sdp__is_proto(proto)) return fail(p, "bad proto");
    if (!rest(&cur)) return fail(p, "m= line without formats");
    if (p->s->n_media == SDP_MAX_MEDIA)
        return fail_code(p, SDP_E_LIMIT, "more than %d m-sections", SDP_MAX_MEDIA);
    sdp_media *m = sdp__new_media(p->s);
    if (!m) return SDP_E_NOMEM;
    p->m = m;
    m->kind_token = kind;
    for (int k = SDP_KIND_AUDIO; k <= SDP_KIND_APPLICATION; k++)
        if (strcmp(kind, kinds[k]) == 0) m->kind = (sdp_kind)k;
    m->port = (uint16_t)pv;
    m->port_count = (uint16_t)count;
    m->proto = proto;
    m->dir = p->session_dir;
    if (!sdp__is_rtp_proto(proto)) {
        m->fmt = rest(&cur);
        return 0;
    }
    char *t;
    while ((t = tok(&cur)) != NULL) {
        uint8_t pt;
        if (!parse_pt(t, &pt)) return fail(p, "bad payload type on m= line");
        if (m->n_pts < SDP_MAX_PTS)
            m->pts[m->n_pts++] = pt;
        else
            truncate_here(p);
    }
    return 0;
}

static int line_origin(parser *p, char *v) {
    if (p->have_o || p->m) return fail(p, "unexpected o= line");
    char *cur = v, *user = tok(&cur), *id = tok(&cur), *ver = tok(&cur);
    char *net = tok(&cur), *type = tok(&cur), *addr = tok(&cur);
    sdp_origin *o = &p->s->origin;
    if (!sdp__is_word(user) || !parse_u64(id, UINT64_MAX, &o->sess_id) ||
        !parse_u64(ver, UINT64_MAX, &o->sess_version) || !net || strcmp(net, "IN") != 0 ||
        !sdp__is_token(type) || !sdp__is_word(addr) || rest(&cur))
        return fail(p, "bad o= line");
    o->username = user;
    o->addrtype = type;
    o->addr = addr;
    p->have_o = true;
    return 0;
}

static int line_conn(parser *p, char *v) {
    sdp_conn *c = p->m ? &p->m->conn : &p->s->conn;
    char *cur = v, *net = tok(&cur), *type = tok(&cur), *addr = tok(&cur);
    if (!net || strcmp(net, "IN") != 0 || !sdp__is_token(type) || !sdp__is_word(addr) || rest(&cur))
        return fail(p, "bad c= line");
    if (c->addr) return fail(p, "duplicate c= line");
    c->addrtype = type;
    c->addr = addr;
    return 0;
}

static int line_timing(parser *p, char *v) {
    char *cur = v, *start = tok(&cur), *stop = tok(&cur);
    uint64_t a, b;
    if (!parse_u64(start, UINT64_MAX, &a) || !parse_u64(stop, UINT64_MAX, &b) || rest(&cur))
        return fail(p, "bad t= line");
    return 0;
}

static int parse_line(parser *p, char *line, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x20 || c == 0x7F) return fail(p, "control character 0x%02x", c);
    }
    while (n > 0 && line[n - 1] == ' ')
        n--;
    line[n] = '\0';
    if (n < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z')
        return fail(p, "not a <type>=<value> line");
    char type = line[0], *v = line + 2;
    if (p->line_index == 0) {
        if (type != 'v' || strcmp(v, "0") != 0) return fail(p, "first line must be v=0");
        return 0;
    }
    switch (type) {
    case 'v':
        return fail(p, "duplicate v= line");
    case 'o':
        return line_origin(p, v);
    case 's':
        if (p->have_s || p->m) return fail(p, "unexpected s= line");
        p->have_s = true;
        while (*v == ' ')
            v++;
        p->s->name = *v ? v : "-";
        return 0;
    case 'c':
        return line_conn(p, v);
    case 't':
        return p->m ? fail(p, "t= line in an m-section") : line_timing(p, v);
    case 'm':
        return line_media(p, v);
    case 'a':
        return line_attr(p, v);
    default:
        return 0; /* i= u= e= p= b= z= k= r= and unknown types carry nothing we keep */
    }
}

int sdp_parse(const char *text, size_t len, sdp_session **out, char *err, size_t errlen) {
    parser p = {.err = err, .errlen = errlen, .session_dir = SDP_DIR_SENDRECV};
    *out = NULL;
    if (err && errlen) err[0] = '\0';
    if (len > SDP_MAX_SIZE)
        return fail_code(&p, SDP_E_LIMIT, "SDP larger than %u bytes", SDP_MAX_SIZE);
    if (!text && len) return fail(&p, "no text");
    p.s = session_alloc();
    char *buf = p.s ? sdp__alloc(p.s, len + 1) : NULL;
    if (!buf) {
        sdp_free(p.s);
        return fail_code(&p, SDP_E_NOMEM, "out of memory");
    }
    if (len) memcpy(buf, text, len);
    buf[len] = '\0';
    int r = 0;
    char *pos = buf, *end = buf + len;
    while (pos < end && r == 0) {
        char *nl = memchr(pos, '\n', (size_t)(end - pos));
        char *line_end = nl ? nl : end;
        p.line++;
        if (line_end > pos && line_end[-1] == '\r') line_end--;
        if (line_end > pos) {
            r = parse_line(&p, pos, (size_t)(line_end - pos));
            p.line_index++;
        }
        pos = nl ? nl + 1 : end;
    }
    if (r == 0 && p.line_index == 0) r = fail(&p, "empty SDP");
    if (r == 0 && (!p.have_o || !p.have_s)) r = fail(&p, "missing o= or s= line");
    if (r == SDP_E_NOMEM) fail_code(&p, r, "out of memory");
    if (r < 0) {
        sdp_free(p.s);
        return r;
    }
    end_media(&p);
    *out = p.s;
    return 0;
}

/* ---- names and lookups ---- */

const char *sdp_strerror(int err) {
    switch (err) {
    case 0:
        return "ok";
    case SDP_E_SYNTAX:
        return "syntax error";
    case SDP_E_LIMIT:
        return "over a limit";
    case SDP_E_NOMEM:
        return "out of memory";
    case SDP_E_INVALID:
        return "invalid argument";
    case SDP_E_FULL:
        return "too many entries";
    default:
        return "unknown error";
    }
}

const char *sdp_dir_str(sdp_dir d) {
    switch (d) {
    case SDP_DIR_SENDRECV:
        return "sendrecv";
    case SDP_DIR_SENDONLY:
        return "sendonly";
    case SDP_DIR_RECVONLY:
        return "recvonly";
    case SDP_DIR_INACTIVE:
        return "inactive";
    default:
        return "";
    }
}

const char *sdp_setup_str(sdp_setup st) {
    switch (st) {
    case SDP_SETUP_ACTPASS:
        return "actpass";
    case SDP_SETUP_ACTIVE:
        return "active";
    case SDP_SETUP_PASSIVE:
        return "passive";
    case SDP_SETUP_HOLDCONN:
        return "holdconn";
    default:
        return "";
    }
}

sdp_dir sdp_dir_reverse(sdp_dir d) {
    return d == SDP_DIR_SENDONLY ? SDP_DIR_RECVONLY : d == SDP_DIR_RECVONLY ? SDP_DIR_SENDONLY : d;
}

const char *sdp_media_ice_ufrag(const sdp_session *s, const sdp_media *m) {
    return m && m->ice_ufrag ? m->ice_ufrag : s->ice_ufrag;
}

const char *sdp_media_ice_pwd(const sdp_session *s, const sdp_media *m) {
    return m && m->ice_pwd ? m->ice_pwd : s->ice_pwd;
}

const char *sdp_media_ice_options(const sdp_session *s, const sdp_media *m) {
    return m && m->ice_options ? m->ice_options : s->ice_options;
}

const sdp_fingerprint *sdp_media_fingerprint(const sdp_session *s, const sdp_media *m) {
    if (m && m->fingerprint.algorithm) return &m->fingerprint;
    return s->fingerprint.algorithm ? &s->fingerprint : NULL;
}

sdp_setup sdp_media_setup(const sdp_session *s, const sdp_media *m) {
    return m && m->setup ? m->setup : s->setup;
}

bool sdp_media_is_rejected(const sdp_media *m) {
    return m->port == 0 && !m->bundle_only;
}

const sdp_codec *sdp_media_find_codec(const sdp_media *m, const char *name, uint32_t clock,
                                      uint8_t channels) {
    for (uint16_t i = 0; i < m->n_codecs; i++) {
        const sdp_codec *c = &m->codecs[i];
        if (!c->name || strcasecmp(c->name, name) != 0) continue;
        if (clock && c->clock != clock) continue;
        if (channels && (c->channels ? c->channels : 1) != channels) continue;
        return c;
    }
    return NULL;
}

const sdp_codec *sdp_media_find_pt(const sdp_media *m, uint8_t pt) {
    for (uint16_t i = 0; i < m->n_codecs; i++)
        if (m->codecs[i].pt == pt) return &m->codecs[i];
    return NULL;
}

const sdp_codec *sdp_media_find_rtx(const sdp_media *m, uint8_t pt) {
    for (uint16_t i = 0; i < m->n_codecs; i++) {
        const sdp_codec *c = &m->codecs[i];
        if (c->apt == pt && c->name && strcasecmp(c->name, "rtx") == 0) return c;
    }
    return NULL;
}

uint16_t sdp_media_find_ext(const sdp_media *m, const char *uri) {
    for (uint16_t i = 0; i < m->n_extmaps; i++)
        if (strcmp(m->extmaps[i].uri, uri) == 0) return m->extmaps[i].id;
    return 0;
}

const sdp_ssrc *sdp_media_find_ssrc(const sdp_media *m, uint32_t ssrc) {
    for (uint16_t i = 0; i < m->n_ssrcs; i++)
        if (m->ssrcs[i].ssrc == ssrc) return &m->ssrcs[i];
    return NULL;
}

sdp_media *sdp_find_media_by_mid(const sdp_session *s, const char *mid) {
    for (size_t i = 0; i < s->n_media; i++)
        if (s->media[i]->mid && strcmp(s->media[i]->mid, mid) == 0) return s->media[i];
    return NULL;
}

const sdp_group *sdp_find_group(const sdp_session *s, const char *semantics) {
    for (uint16_t i = 0; i < s->n_groups; i++)
        if (strcmp(s->groups[i].semantics, semantics) == 0) return &s->groups[i];
    return NULL;
}
