/* SDP parser, model lifetime and lookups. See sdp.h.
 *
 * This file holds the arena and the session's lifetime, the character classes
 * and small value grammars that the parser and the builder share, the line
 * parser (v= o= s= c= t= m= and the m-section bookkeeping), and the names and
 * lookups of the model. The input is copied once into the session's arena and
 * cut into lines and tokens in place, so the model's strings point into that
 * copy. Each a= line is handed to sdp__line_attr() in sdp_attr.c. */
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

bool sdp__parse_u32(const char *str, uint32_t max, uint32_t *out) {
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
char *sdp__tok(char **cur) {
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
char *sdp__rest(char **cur) {
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
    while ((dir = sdp__tok(&cur)) != NULL) {
        bool send = strcmp(dir, "send") == 0;
        char *list = sdp__tok(&cur);
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

int sdp__fail(sdp__parser *p, int code, const char *fmt, ...) {
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
#define fail(p, ...) sdp__fail(p, SDP_E_SYNTAX, __VA_ARGS__)

void sdp__truncate_here(sdp__parser *p) {
    p->m->truncated = true;
    p->s->truncated = true;
}

bool sdp__parse_pt(const char *str, uint8_t *pt) {
    uint32_t v;
    if (!sdp__parse_u32(str, 127, &v)) return false;
    *pt = (uint8_t)v;
    return true;
}

/* Applies a=rtcp-fb:* and puts the codecs in m= line (preference) order;
 * codecs whose pt is not on the m= line keep their order at the end. */
static void end_media(sdp__parser *p) {
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

static int line_media(sdp__parser *p, char *v) {
    static const char *const kinds[] = {"", "audio", "video", "application"};
    end_media(p);
    if (!p->have_o || !p->have_s) return fail(p, "m= before o= and s=");
    char *cur = v, *kind = sdp__tok(&cur), *port = sdp__tok(&cur), *proto = sdp__tok(&cur);
    if (!sdp__is_token(kind)) return fail(p, "bad media type");
    if (!port) return fail(p, "m= line without port");
    char *slash = strchr(port, '/');
    uint32_t pv, count = 0;
    if (slash) *slash++ = '\0';
    if (!sdp__parse_u32(port, 65535, &pv) ||
        (slash && (!sdp__parse_u32(slash, 65535, &count) || !count)))
        return fail(p, "bad port");
    if (!sdp__is_proto(proto)) return fail(p, "bad proto");
    if (!sdp__rest(&cur)) return fail(p, "m= line without formats");
    if (p->s->n_media == SDP_MAX_MEDIA)
        return sdp__fail(p, SDP_E_LIMIT, "more than %d m-sections", SDP_MAX_MEDIA);
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
        m->fmt = sdp__rest(&cur);
        return 0;
    }
    char *t;
    while ((t = sdp__tok(&cur)) != NULL) {
        uint8_t pt;
        if (!sdp__parse_pt(t, &pt)) return fail(p, "bad payload type on m= line");
        if (m->n_pts < SDP_MAX_PTS)
            m->pts[m->n_pts++] = pt;
        else
            sdp__truncate_here(p);
    }
    return 0;
}

static int line_origin(sdp__parser *p, char *v) {
    if (p->have_o || p->m) return fail(p, "unexpected o= line");
    char *cur = v, *user = sdp__tok(&cur), *id = sdp__tok(&cur), *ver = sdp__tok(&cur);
    char *net = sdp__tok(&cur), *type = sdp__tok(&cur), *addr = sdp__tok(&cur);
    sdp_origin *o = &p->s->origin;
    if (!sdp__is_word(user) || !parse_u64(id, UINT64_MAX, &o->sess_id) ||
        !parse_u64(ver, UINT64_MAX, &o->sess_version) || !net || strcmp(net, "IN") != 0 ||
        !sdp__is_token(type) || !sdp__is_word(addr) || sdp__rest(&cur))
        return fail(p, "bad o= line");
    o->username = user;
    o->addrtype = type;
    o->addr = addr;
    p->have_o = true;
    return 0;
}

static int line_conn(sdp__parser *p, char *v) {
    sdp_conn *c = p->m ? &p->m->conn : &p->s->conn;
    char *cur = v, *net = sdp__tok(&cur), *type = sdp__tok(&cur), *addr = sdp__tok(&cur);
    if (!net || strcmp(net, "IN") != 0 || !sdp__is_token(type) || !sdp__is_word(addr) ||
        sdp__rest(&cur))
        return fail(p, "bad c= line");
    if (c->addr) return fail(p, "duplicate c= line");
    c->addrtype = type;
    c->addr = addr;
    return 0;
}

static int line_timing(sdp__parser *p, char *v) {
    char *cur = v, *start = sdp__tok(&cur), *stop = sdp__tok(&cur);
    uint64_t a, b;
    if (!parse_u64(start, UINT64_MAX, &a) || !parse_u64(stop, UINT64_MAX, &b) || sdp__rest(&cur))
        return fail(p, "bad t= line");
    return 0;
}

static int parse_line(sdp__parser *p, char *line, size_t n) {
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
        return sdp__line_attr(p, v);
    default:
        return 0; /* i= u= e= p= b= z= k= r= and unknown types carry nothing we keep */
    }
}

int sdp_parse(const char *text, size_t len, sdp_session **out, char *err, size_t errlen) {
    sdp__parser p = {.err = err, .errlen = errlen, .session_dir = SDP_DIR_SENDRECV};
    *out = NULL;
    if (err && errlen) err[0] = '\0';
    if (len > SDP_MAX_SIZE)
        return sdp__fail(&p, SDP_E_LIMIT, "SDP larger than %u bytes", SDP_MAX_SIZE);
    if (!text && len) return fail(&p, "no text");
    p.s = session_alloc();
    char *buf = p.s ? sdp__alloc(p.s, len + 1) : NULL;
    if (!buf) {
        sdp_free(p.s);
        return sdp__fail(&p, SDP_E_NOMEM, "out of memory");
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
    if (r == SDP_E_NOMEM) sdp__fail(&p, r, "out of memory");
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
