/* SDP builder, writer and structural compare. See sdp.h.
 *
 * The builder validates every value against the same grammar the parser
 * enforces, so whatever it builds is written as text that parses back to the
 * same model. */
#include "sfu/sdp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- builder ---- */

sdp_session *sdp_new(void) {
    sdp_session *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->origin = (sdp_origin){.username = "-", .addrtype = "IP4", .addr = "127.0.0.1"};
    s->name = "-";
    return s;
}

/* Copies val into the arena after checking it with valid (NULL val allowed
 * when optional). */
static int set_str(sdp_session *s, const char **dst, const char *val, bool (*valid)(const char *),
                   bool optional) {
    if (!val) {
        if (!optional) return SDP_E_INVALID;
        *dst = NULL;
        return 0;
    }
    if (!valid(val)) return SDP_E_INVALID;
    const char *copy = sdp_strdup(s, val);
    if (!copy) return SDP_E_NOMEM;
    *dst = copy;
    return 0;
}

static bool valid_ice(const char *v) {
    return sdp__is_ice_chars(v, 1, SDP_MAX_ICE_CHARS);
}

int sdp_set_origin(sdp_session *s, const char *username, uint64_t sess_id, uint64_t sess_version,
                   const char *addr) {
    const char *user, *a;
    int r = set_str(s, &user, username, sdp__is_word, false);
    if (r == 0) r = set_str(s, &a, addr, sdp__is_word, false);
    if (r < 0) return r;
    s->origin = (sdp_origin){.username = user,
                             .sess_id = sess_id,
                             .sess_version = sess_version,
                             .addrtype = strchr(a, ':') ? "IP6" : "IP4",
                             .addr = a};
    return 0;
}

static int set_ice(sdp_session *s, const char **ufrag, const char **pwd, const char **options,
                   const char *u, const char *p, const char *o) {
    const char *nu, *np, *no;
    int r = set_str(s, &nu, u, valid_ice, false);
    if (r == 0) r = set_str(s, &np, p, valid_ice, false);
    if (r == 0) r = set_str(s, &no, o, sdp__is_text, true);
    if (r < 0) return r;
    *ufrag = nu;
    *pwd = np;
    *options = no;
    return 0;
}

int sdp_set_ice(sdp_session *s, const char *ufrag, const char *pwd, const char *options) {
    return set_ice(s, &s->ice_ufrag, &s->ice_pwd, &s->ice_options, ufrag, pwd, options);
}

int sdp_media_set_ice(sdp_media *m, const char *ufrag, const char *pwd, const char *options) {
    return set_ice(m->session, &m->ice_ufrag, &m->ice_pwd, &m->ice_options, ufrag, pwd, options);
}

static int set_fingerprint(sdp_session *s, sdp_fingerprint *fp, const char *alg,
                           const char *value) {
    sdp_fingerprint tmp;
    if (!alg || !value || sdp__fingerprint(&tmp, alg, value) < 0) return SDP_E_INVALID;
    tmp.algorithm = sdp_strdup(s, alg);
    tmp.value = sdp_strdup(s, value);
    if (!tmp.algorithm || !tmp.value) return SDP_E_NOMEM;
    *fp = tmp;
    return 0;
}

int sdp_set_fingerprint(sdp_session *s, const char *algorithm, const char *value) {
    return set_fingerprint(s, &s->fingerprint, algorithm, value);
}

int sdp_media_set_fingerprint(sdp_media *m, const char *algorithm, const char *value) {
    return set_fingerprint(m->session, &m->fingerprint, algorithm, value);
}

int sdp_add_group(sdp_session *s, const char *semantics, const char *const *mids, size_t n_mids) {
    if (!sdp__is_token(semantics) || n_mids > SDP_MAX_MEDIA || (n_mids && !mids))
        return SDP_E_INVALID;
    for (size_t i = 0; i < n_mids; i++)
        if (!sdp__is_token(mids[i])) return SDP_E_INVALID;
    if (s->n_groups == SDP_MAX_GROUPS) return SDP_E_FULL;
    sdp_group g = {.semantics = sdp_strdup(s, semantics), .n_mids = (uint16_t)n_mids};
    g.mids = n_mids ? sdp__alloc(s, n_mids * sizeof(*g.mids)) : NULL;
    if (!g.semantics || (n_mids && !g.mids)) return SDP_E_NOMEM;
    for (size_t i = 0; i < n_mids; i++)
        if (!(g.mids[i] = sdp_strdup(s, mids[i]))) return SDP_E_NOMEM;
    s->groups[s->n_groups++] = g;
    return 0;
}

int sdp_bundle_all(sdp_session *s) {
    uint16_t k = 0;
    for (uint16_t i = 0; i < s->n_groups; i++)
        if (strcmp(s->groups[i].semantics, "BUNDLE") != 0) s->groups[k++] = s->groups[i];
    s->n_groups = k;
    size_t n = 0;
    const char **mids = sdp__alloc(s, (s->n_media ? s->n_media : 1) * sizeof(*mids));
    if (!mids) return SDP_E_NOMEM;
    for (size_t i = 0; i < s->n_media; i++)
        if (s->media[i]->mid && !sdp_media_is_rejected(s->media[i])) mids[n++] = s->media[i]->mid;
    return sdp_add_group(s, "BUNDLE", mids, n);
}

int sdp_set_msid_semantic(sdp_session *s, const char *semantic, const char *ids) {
    const char *sem, *i;
    int r = set_str(s, &sem, semantic, sdp__is_token, false);
    if (r == 0) r = set_str(s, &i, ids, sdp__is_text, true);
    if (r < 0) return r;
    s->msid_semantic = sem;
    s->msid_semantic_ids = i;
    return 0;
}

sdp_media *sdp_add_media(sdp_session *s, sdp_kind kind, uint16_t port, const char *proto,
                         const char *mid) {
    static const char *const kinds[] = {"", "audio", "video", "application"};
    if (kind < SDP_KIND_AUDIO || kind > SDP_KIND_APPLICATION || !sdp__is_proto(proto) ||
        (mid && (!sdp__is_token(mid) || sdp_find_media_by_mid(s, mid))))
        return NULL;
    const char *p = sdp_strdup(s, proto), *mi = mid ? sdp_strdup(s, mid) : NULL;
    if (!p || (mid && !mi)) return NULL;
    sdp_media *m = sdp__new_media(s);
    if (!m) return NULL;
    m->kind = kind;
    m->kind_token = kinds[kind];
    m->port = port;
    m->proto = p;
    m->mid = mi;
    m->conn = (sdp_conn){.addrtype = "IP4", .addr = "0.0.0.0"};
    return m;
}

int sdp_media_set_fmt(sdp_media *m, const char *fmt) {
    if (sdp__is_rtp_proto(m->proto)) return SDP_E_INVALID;
    return set_str(m->session, &m->fmt, fmt, sdp__is_text, false);
}

int sdp_media_add_pt(sdp_media *m, uint8_t pt) {
    if (pt > 127 || !sdp__is_rtp_proto(m->proto)) return SDP_E_INVALID;
    for (uint16_t i = 0; i < m->n_pts; i++)
        if (m->pts[i] == pt) return 0;
    if (m->n_pts == SDP_MAX_PTS) return SDP_E_FULL;
    m->pts[m->n_pts++] = pt;
    return 0;
}

int sdp_media_add_codec(sdp_media *m, uint8_t pt, const char *name, uint32_t clock,
                        uint8_t channels, const char *fmtp, uint32_t fb) {
    const uint32_t all_fb =
        SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB | SDP_FB_TRANSPORT_CC;
    int apt = fmtp ? sdp__fmtp_apt(fmtp) : -1;
    if (pt > 127 || !sdp__is_token(name) || clock == 0 || (fmtp && !sdp__is_text(fmtp)) ||
        apt == -2 || (fb & ~all_fb) || sdp_media_find_pt(m, pt) || !sdp__is_rtp_proto(m->proto))
        return SDP_E_INVALID;
    if (m->n_codecs == SDP_MAX_CODECS) return SDP_E_FULL;
    sdp_codec c = {.pt = pt, .channels = channels, .apt = (int16_t)apt, .clock = clock, .fb = fb};
    int r = set_str(m->session, &c.name, name, sdp__is_token, false);
    if (r == 0) r = set_str(m->session, &c.fmtp, fmtp, sdp__is_text, true);
    if (r == 0) r = sdp_media_add_pt(m, pt);
    if (r < 0) return r;
    m->codecs[m->n_codecs++] = c;
    return 0;
}

int sdp_media_add_ext(sdp_media *m, uint16_t id, const char *uri, sdp_dir dir) {
    if (id == 0 || id > 255 || dir > SDP_DIR_INACTIVE || sdp_media_find_ext(m, uri ? uri : ""))
        return SDP_E_INVALID;
    for (uint16_t i = 0; i < m->n_extmaps; i++)
        if (m->extmaps[i].id == id) return SDP_E_INVALID;
    if (m->n_extmaps == SDP_MAX_EXTMAPS) return SDP_E_FULL;
    sdp_extmap e = {.id = id, .dir = dir};
    int r = set_str(m->session, &e.uri, uri, sdp__is_word, false);
    if (r < 0) return r;
    m->extmaps[m->n_extmaps++] = e;
    return 0;
}

int sdp_media_add_ssrc(sdp_media *m, uint32_t ssrc, const char *cname, const char *msid) {
    if ((!cname && !msid) || sdp_media_find_ssrc(m, ssrc)) return SDP_E_INVALID;
    if (m->n_ssrcs == SDP_MAX_SSRCS) return SDP_E_FULL;
    sdp_ssrc e = {.ssrc = ssrc};
    int r = set_str(m->session, &e.cname, cname, sdp__is_text, true);
    if (r == 0) r = set_str(m->session, &e.msid, msid, sdp__is_text, true);
    if (r < 0) return r;
    m->ssrcs[m->n_ssrcs++] = e;
    return 0;
}

int sdp_media_add_ssrc_group(sdp_media *m, const char *semantics, const uint32_t *ssrcs, size_t n) {
    if (n == 0 || n > SDP_MAX_GROUP_SSRCS || !ssrcs) return SDP_E_INVALID;
    if (m->n_ssrc_groups == SDP_MAX_SSRC_GROUPS) return SDP_E_FULL;
    sdp_ssrc_group g = {.n_ssrcs = (uint8_t)n};
    int r = set_str(m->session, &g.semantics, semantics, sdp__is_token, false);
    if (r < 0) return r;
    memcpy(g.ssrcs, ssrcs, n * sizeof(*ssrcs));
    m->ssrc_groups[m->n_ssrc_groups++] = g;
    return 0;
}

int sdp_media_set_msid(sdp_media *m, const char *stream, const char *track) {
    const char *st, *tr;
    int r = set_str(m->session, &st, stream, sdp__is_token, false);
    if (r == 0) r = set_str(m->session, &tr, track, sdp__is_token, true);
    if (r < 0) return r;
    m->msid_stream = st;
    m->msid_track = tr;
    return 0;
}

int sdp_media_add_rid(sdp_media *m, const char *id, sdp_rid_dir dir, const char *restrictions) {
    if (!sdp__is_rid_id(id) || (dir != SDP_RID_SEND && dir != SDP_RID_RECV)) return SDP_E_INVALID;
    for (uint16_t i = 0; i < m->n_rids; i++)
        if (strcmp(m->rids[i].id, id) == 0) return SDP_E_INVALID;
    if (m->n_rids == SDP_MAX_RIDS) return SDP_E_FULL;
    sdp_rid rid = {.dir = dir};
    int r = set_str(m->session, &rid.id, id, sdp__is_rid_id, false);
    if (r == 0) r = set_str(m->session, &rid.restrictions, restrictions, sdp__is_text, true);
    if (r < 0) return r;
    m->rids[m->n_rids++] = rid;
    return 0;
}

int sdp_media_set_simulcast(sdp_media *m, const char *value) {
    if (!value) {
        memset(&m->simulcast, 0, sizeof(m->simulcast));
        return 0;
    }
    if (!sdp__is_text(value)) return SDP_E_INVALID;
    sdp_simulcast sc;
    int r = sdp__simulcast(m->session, &sc, value);
    if (r == SDP_E_NOMEM) return r;
    if (r < 0) return SDP_E_INVALID;
    if (r > 0) return SDP_E_FULL;
    m->simulcast = sc;
    return 0;
}

int sdp_media_add_candidate(sdp_media *m, const char *candidate) {
    if (!sdp__is_candidate(candidate)) return SDP_E_INVALID;
    if (m->n_candidates == SDP_MAX_CANDIDATES) return SDP_E_FULL;
    const char *c = sdp_strdup(m->session, candidate);
    if (!c) return SDP_E_NOMEM;
    m->candidates[m->n_candidates++] = c;
    return 0;
}

/* ---- writer ---- */

typedef struct wbuf {
    char *buf;
    size_t len, cap;
    int err;
} wbuf;

static void put(wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(wbuf *w, const char *fmt, ...) {
    if (w->err) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            w->err = SDP_E_INVALID;
            return;
        }
        if ((size_t)n < w->cap - w->len) {
            w->len += (size_t)n;
            if (w->len > SDP_MAX_SIZE) w->err = SDP_E_LIMIT;
            return;
        }
        size_t cap = w->cap * 2;
        while (cap - w->len <= (size_t)n)
            cap *= 2;
        if (cap > 2 * (size_t)SDP_MAX_SIZE + 2) {
            w->err = SDP_E_LIMIT;
            return;
        }
        char *nb = realloc(w->buf, cap);
        if (!nb) {
            w->err = SDP_E_NOMEM;
            return;
        }
        w->buf = nb;
        w->cap = cap;
    }
}

static void put_transport(wbuf *w, const char *ufrag, const char *pwd, const char *options,
                          const sdp_fingerprint *fp, sdp_setup setup) {
    if (ufrag) put(w, "a=ice-ufrag:%s\r\n", ufrag);
    if (pwd) put(w, "a=ice-pwd:%s\r\n", pwd);
    if (options) put(w, "a=ice-options:%s\r\n", options);
    if (fp->algorithm) put(w, "a=fingerprint:%s %s\r\n", fp->algorithm, fp->value);
    if (setup) put(w, "a=setup:%s\r\n", sdp_setup_str(setup));
}

static void put_codec(wbuf *w, const sdp_codec *c) {
    static const struct {
        uint32_t flag;
        const char *text;
    } fbs[] = {{SDP_FB_GOOG_REMB, "goog-remb"},
               {SDP_FB_TRANSPORT_CC, "transport-cc"},
               {SDP_FB_CCM_FIR, "ccm fir"},
               {SDP_FB_NACK, "nack"},
               {SDP_FB_NACK_PLI, "nack pli"}};
    if (c->name) {
        put(w, "a=rtpmap:%u %s/%u", c->pt, c->name, (unsigned)c->clock);
        if (c->channels) put(w, "/%u", c->channels);
        put(w, "\r\n");
    }
    for (size_t i = 0; i < sizeof(fbs) / sizeof(fbs[0]); i++)
        if (c->fb & fbs[i].flag) put(w, "a=rtcp-fb:%u %s\r\n", c->pt, fbs[i].text);
    if (c->fmtp) put(w, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
}

static void put_ssrcs(wbuf *w, const sdp_media *m) {
    for (uint16_t i = 0; i < m->n_ssrc_groups; i++) {
        const sdp_ssrc_group *g = &m->ssrc_groups[i];
        put(w, "a=ssrc-group:%s", g->semantics);
        for (uint8_t k = 0; k < g->n_ssrcs; k++)
            put(w, " %u", (unsigned)g->ssrcs[k]);
        put(w, "\r\n");
    }
    for (uint16_t i = 0; i < m->n_ssrcs; i++) {
        const sdp_ssrc *e = &m->ssrcs[i];
        if (e->cname) put(w, "a=ssrc:%u cname:%s\r\n", (unsigned)e->ssrc, e->cname);
        if (e->msid) put(w, "a=ssrc:%u msid:%s\r\n", (unsigned)e->ssrc, e->msid);
    }
}

static void put_mline(wbuf *w, const sdp_media *m) {
    if (!m->kind_token || !m->proto || (sdp__is_rtp_proto(m->proto) ? !m->n_pts : !m->fmt)) {
        w->err = SDP_E_INVALID; /* would not parse back */
        return;
    }
    put(w, "m=%s %u", m->kind_token, m->port);
    if (m->port_count) put(w, "/%u", m->port_count);
    put(w, " %s", m->proto);
    if (sdp__is_rtp_proto(m->proto))
        for (uint16_t i = 0; i < m->n_pts; i++)
            put(w, " %u", m->pts[i]);
    else
        put(w, " %s", m->fmt);
    put(w, "\r\n");
    if (m->conn.addr) put(w, "c=IN %s %s\r\n", m->conn.addrtype, m->conn.addr);
}

static void put_media(wbuf *w, const sdp_media *m) {
    put_mline(w, m);
    if (sdp_media_is_rejected(m)) {
        if (m->mid) put(w, "a=mid:%s\r\n", m->mid);
        put(w, "a=inactive\r\n");
        return;
    }
    if (m->rtcp_port)
        put(w, "a=rtcp:%u%s%s\r\n", m->rtcp_port, m->rtcp_addr ? " " : "",
            m->rtcp_addr ? m->rtcp_addr : "");
    put_transport(w, m->ice_ufrag, m->ice_pwd, m->ice_options, &m->fingerprint, m->setup);
    if (m->mid) put(w, "a=mid:%s\r\n", m->mid);
    if (m->bundle_only) put(w, "a=bundle-only\r\n");
    for (uint16_t i = 0; i < m->n_extmaps; i++) {
        const sdp_extmap *e = &m->extmaps[i];
        put(w, "a=extmap:%u%s%s %s%s%s\r\n", e->id, e->dir ? "/" : "", sdp_dir_str(e->dir), e->uri,
            e->attrs ? " " : "", e->attrs ? e->attrs : "");
    }
    if (m->extmap_allow_mixed) put(w, "a=extmap-allow-mixed\r\n");
    if (m->dir && (m->dir != SDP_DIR_SENDRECV || sdp__is_rtp_proto(m->proto)))
        put(w, "a=%s\r\n", sdp_dir_str(m->dir));
    if (m->msid_stream)
        put(w, "a=msid:%s%s%s\r\n", m->msid_stream, m->msid_track ? " " : "",
            m->msid_track ? m->msid_track : "");
    if (m->rtcp_mux) put(w, "a=rtcp-mux\r\n");
    if (m->rtcp_rsize) put(w, "a=rtcp-rsize\r\n");
    for (uint16_t i = 0; i < m->n_codecs; i++)
        put_codec(w, &m->codecs[i]);
    put_ssrcs(w, m);
    for (uint16_t i = 0; i < m->n_rids; i++) {
        const sdp_rid *r = &m->rids[i];
        put(w, "a=rid:%s %s%s%s\r\n", r->id, r->dir == SDP_RID_SEND ? "send" : "recv",
            r->restrictions ? " " : "", r->restrictions ? r->restrictions : "");
    }
    if (m->simulcast.raw) put(w, "a=simulcast:%s\r\n", m->simulcast.raw);
    if (m->sctp_port) put(w, "a=sctp-port:%u\r\n", m->sctp_port);
    for (uint16_t i = 0; i < m->n_candidates; i++)
        put(w, "a=%s\r\n", m->candidates[i]);
    if (m->end_of_candidates) put(w, "a=end-of-candidates\r\n");
}

static void put_session(wbuf *w, const sdp_session *s) {
    const sdp_origin *o = &s->origin;
    put(w, "v=0\r\n");
    put(w, "o=%s %llu %llu IN %s %s\r\n", o->username ? o->username : "-",
        (unsigned long long)o->sess_id, (unsigned long long)o->sess_version,
        o->addrtype ? o->addrtype : "IP4", o->addr ? o->addr : "127.0.0.1");
    put(w, "s=%s\r\n", s->name ? s->name : "-");
    if (s->conn.addr) put(w, "c=IN %s %s\r\n", s->conn.addrtype, s->conn.addr);
    put(w, "t=0 0\r\n");
    for (uint16_t i = 0; i < s->n_groups; i++) {
        put(w, "a=group:%s", s->groups[i].semantics);
        for (uint16_t k = 0; k < s->groups[i].n_mids; k++)
            put(w, " %s", s->groups[i].mids[k]);
        put(w, "\r\n");
    }
    if (s->msid_semantic)
        put(w, "a=msid-semantic:%s%s%s\r\n", s->msid_semantic, s->msid_semantic_ids ? " " : "",
            s->msid_semantic_ids ? s->msid_semantic_ids : "");
    if (s->ice_lite) put(w, "a=ice-lite\r\n");
    if (s->extmap_allow_mixed) put(w, "a=extmap-allow-mixed\r\n");
    put_transport(w, s->ice_ufrag, s->ice_pwd, s->ice_options, &s->fingerprint, s->setup);
}

int sdp_write(const sdp_session *s, char **out, size_t *out_len) {
    *out = NULL;
    if (out_len) *out_len = 0;
    if (s->n_media > SDP_MAX_MEDIA) return SDP_E_LIMIT;
    wbuf w = {.cap = 4096};
    if (!(w.buf = malloc(w.cap))) return SDP_E_NOMEM;
    put_session(&w, s);
    for (size_t i = 0; i < s->n_media && !w.err; i++)
        put_media(&w, s->media[i]);
    if (w.err) {
        free(w.buf);
        return w.err;
    }
    *out = w.buf;
    if (out_len) *out_len = w.len;
    return 0;
}

/* ---- compare ---- */

typedef struct cmp {
    char *diff;
    size_t len;
    long media; /* index of the m-section being compared, or -1 */
} cmp;

static int differ(cmp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int differ(cmp *c, const char *fmt, ...) {
    if (c->diff && c->len) {
        int n = c->media >= 0 ? snprintf(c->diff, c->len, "m-section %ld: ", c->media) : 0;
        if (n >= 0 && (size_t)n < c->len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(c->diff + n, c->len - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return 1;
}

static bool str_eq(const char *a, const char *b) {
    return (!a || !b) ? a == b : strcmp(a, b) == 0;
}

#define NUL_STR(x) ((x) ? (x) : "(null)")
#define CMP_STR(c, what, a, b)                                                                     \
    do {                                                                                           \
        if (!str_eq((a), (b)))                                                                     \
            return differ(c, "%s: \"%s\" != \"%s\"", what, NUL_STR(a), NUL_STR(b));                \
    } while (0)
#define CMP_NUM(c, what, a, b)                                                                     \
    do {                                                                                           \
        if ((a) != (b))                                                                            \
            return differ(c, "%s: %lld != %lld", what, (long long)(a), (long long)(b));            \
    } while (0)

static int cmp_transport(cmp *c, const char *const a[3], const char *const b[3],
                         const sdp_fingerprint *fa, const sdp_fingerprint *fb, sdp_setup sa,
                         sdp_setup sb) {
    CMP_STR(c, "ice-ufrag", a[0], b[0]);
    CMP_STR(c, "ice-pwd", a[1], b[1]);
    CMP_STR(c, "ice-options", a[2], b[2]);
    CMP_STR(c, "fingerprint algorithm", fa->algorithm, fb->algorithm);
    CMP_STR(c, "fingerprint", fa->value, fb->value);
    CMP_NUM(c, "setup", sa, sb);
    return 0;
}

static int cmp_codecs(cmp *c, const sdp_media *a, const sdp_media *b) {
    CMP_NUM(c, "codec count", a->n_codecs, b->n_codecs);
    for (uint16_t i = 0; i < a->n_codecs; i++) {
        const sdp_codec *x = &a->codecs[i], *y = &b->codecs[i];
        CMP_NUM(c, "codec pt", x->pt, y->pt);
        CMP_STR(c, "codec name", x->name, y->name);
        CMP_NUM(c, "codec clock", x->clock, y->clock);
        CMP_NUM(c, "codec channels", x->channels, y->channels);
        CMP_STR(c, "codec fmtp", x->fmtp, y->fmtp);
        CMP_NUM(c, "codec apt", x->apt, y->apt);
        CMP_NUM(c, "codec rtcp-fb", x->fb, y->fb);
    }
    CMP_NUM(c, "extmap count", a->n_extmaps, b->n_extmaps);
    for (uint16_t i = 0; i < a->n_extmaps; i++) {
        const sdp_extmap *x = &a->extmaps[i], *y = &b->extmaps[i];
        CMP_NUM(c, "extmap id", x->id, y->id);
        CMP_NUM(c, "extmap direction", x->dir, y->dir);
        CMP_STR(c, "extmap uri", x->uri, y->uri);
        CMP_STR(c, "extmap attributes", x->attrs, y->attrs);
    }
    return 0;
}

static int cmp_streams(cmp *c, const sdp_media *a, const sdp_media *b) {
    CMP_NUM(c, "ssrc count", a->n_ssrcs, b->n_ssrcs);
    for (uint16_t i = 0; i < a->n_ssrcs; i++) {
        CMP_NUM(c, "ssrc", a->ssrcs[i].ssrc, b->ssrcs[i].ssrc);
        CMP_STR(c, "ssrc cname", a->ssrcs[i].cname, b->ssrcs[i].cname);
        CMP_STR(c, "ssrc msid", a->ssrcs[i].msid, b->ssrcs[i].msid);
    }
    CMP_NUM(c, "ssrc-group count", a->n_ssrc_groups, b->n_ssrc_groups);
    for (uint16_t i = 0; i < a->n_ssrc_groups; i++) {
        const sdp_ssrc_group *x = &a->ssrc_groups[i], *y = &b->ssrc_groups[i];
        CMP_STR(c, "ssrc-group semantics", x->semantics, y->semantics);
        CMP_NUM(c, "ssrc-group size", x->n_ssrcs, y->n_ssrcs);
        for (uint8_t k = 0; k < x->n_ssrcs; k++)
            CMP_NUM(c, "ssrc-group ssrc", x->ssrcs[k], y->ssrcs[k]);
    }
    CMP_STR(c, "msid stream", a->msid_stream, b->msid_stream);
    CMP_STR(c, "msid track", a->msid_track, b->msid_track);
    CMP_NUM(c, "rid count", a->n_rids, b->n_rids);
    for (uint16_t i = 0; i < a->n_rids; i++) {
        CMP_STR(c, "rid", a->rids[i].id, b->rids[i].id);
        CMP_NUM(c, "rid direction", a->rids[i].dir, b->rids[i].dir);
        CMP_STR(c, "rid restrictions", a->rids[i].restrictions, b->rids[i].restrictions);
    }
    const sdp_simulcast *x = &a->simulcast, *y = &b->simulcast;
    CMP_STR(c, "simulcast", x->raw, y->raw);
    CMP_NUM(c, "simulcast send count", x->n_send, y->n_send);
    CMP_NUM(c, "simulcast recv count", x->n_recv, y->n_recv);
    for (int dir = 0; dir < 2; dir++) {
        const sdp_simulcast_rid *l = dir ? x->recv : x->send, *r = dir ? y->recv : y->send;
        for (uint8_t i = 0; i < (dir ? x->n_recv : x->n_send); i++) {
            CMP_STR(c, "simulcast rid", l[i].id, r[i].id);
            CMP_NUM(c, "simulcast paused", l[i].paused, r[i].paused);
            CMP_NUM(c, "simulcast alternative", l[i].alt, r[i].alt);
        }
    }
    return 0;
}

static int cmp_media(cmp *c, const sdp_media *a, const sdp_media *b) {
    CMP_STR(c, "media", a->kind_token, b->kind_token);
    CMP_NUM(c, "kind", a->kind, b->kind);
    CMP_NUM(c, "port", a->port, b->port);
    CMP_NUM(c, "port count", a->port_count, b->port_count);
    CMP_STR(c, "proto", a->proto, b->proto);
    CMP_STR(c, "fmt", a->fmt, b->fmt);
    CMP_NUM(c, "payload type count", a->n_pts, b->n_pts);
    for (uint16_t i = 0; i < a->n_pts; i++)
        CMP_NUM(c, "payload type", a->pts[i], b->pts[i]);
    CMP_STR(c, "c= addrtype", a->conn.addrtype, b->conn.addrtype);
    CMP_STR(c, "c= address", a->conn.addr, b->conn.addr);
    CMP_STR(c, "mid", a->mid, b->mid);
    CMP_NUM(c, "bundle-only", a->bundle_only, b->bundle_only);
    if (sdp_media_is_rejected(a)) return 0;
    CMP_NUM(c, "rtcp port", a->rtcp_port, b->rtcp_port);
    CMP_STR(c, "rtcp address", a->rtcp_addr, b->rtcp_addr);
    CMP_NUM(c, "direction", a->dir, b->dir);
    CMP_NUM(c, "rtcp-mux", a->rtcp_mux, b->rtcp_mux);
    CMP_NUM(c, "rtcp-rsize", a->rtcp_rsize, b->rtcp_rsize);
    CMP_NUM(c, "extmap-allow-mixed", a->extmap_allow_mixed, b->extmap_allow_mixed);
    CMP_NUM(c, "end-of-candidates", a->end_of_candidates, b->end_of_candidates);
    CMP_NUM(c, "sctp-port", a->sctp_port, b->sctp_port);
    const char *ta[3] = {a->ice_ufrag, a->ice_pwd, a->ice_options};
    const char *tb[3] = {b->ice_ufrag, b->ice_pwd, b->ice_options};
    if (cmp_transport(c, ta, tb, &a->fingerprint, &b->fingerprint, a->setup, b->setup)) return 1;
    if (cmp_codecs(c, a, b) || cmp_streams(c, a, b)) return 1;
    CMP_NUM(c, "candidate count", a->n_candidates, b->n_candidates);
    for (uint16_t i = 0; i < a->n_candidates; i++)
        CMP_STR(c, "candidate", a->candidates[i], b->candidates[i]);
    return 0;
}

static int cmp_session(cmp *c, const sdp_session *a, const sdp_session *b) {
    CMP_STR(c, "o= username", a->origin.username, b->origin.username);
    CMP_NUM(c, "o= sess-id", a->origin.sess_id, b->origin.sess_id);
    CMP_NUM(c, "o= sess-version", a->origin.sess_version, b->origin.sess_version);
    CMP_STR(c, "o= addrtype", a->origin.addrtype, b->origin.addrtype);
    CMP_STR(c, "o= address", a->origin.addr, b->origin.addr);
    CMP_STR(c, "s=", a->name, b->name);
    CMP_STR(c, "c= addrtype", a->conn.addrtype, b->conn.addrtype);
    CMP_STR(c, "c= address", a->conn.addr, b->conn.addr);
    CMP_NUM(c, "ice-lite", a->ice_lite, b->ice_lite);
    CMP_NUM(c, "extmap-allow-mixed", a->extmap_allow_mixed, b->extmap_allow_mixed);
    const char *ta[3] = {a->ice_ufrag, a->ice_pwd, a->ice_options};
    const char *tb[3] = {b->ice_ufrag, b->ice_pwd, b->ice_options};
    if (cmp_transport(c, ta, tb, &a->fingerprint, &b->fingerprint, a->setup, b->setup)) return 1;
    CMP_NUM(c, "group count", a->n_groups, b->n_groups);
    for (uint16_t i = 0; i < a->n_groups; i++) {
        const sdp_group *x = &a->groups[i], *y = &b->groups[i];
        CMP_STR(c, "group semantics", x->semantics, y->semantics);
        CMP_NUM(c, "group size", x->n_mids, y->n_mids);
        for (uint16_t k = 0; k < x->n_mids; k++)
            CMP_STR(c, "group mid", x->mids[k], y->mids[k]);
    }
    CMP_STR(c, "msid-semantic", a->msid_semantic, b->msid_semantic);
    CMP_STR(c, "msid-semantic ids", a->msid_semantic_ids, b->msid_semantic_ids);
    CMP_NUM(c, "m-section count", a->n_media, b->n_media);
    return 0;
}

int sdp_compare(const sdp_session *a, const sdp_session *b, char *diff, size_t difflen) {
    cmp c = {.diff = diff, .len = difflen, .media = -1};
    if (diff && difflen) diff[0] = '\0';
    if (cmp_session(&c, a, b)) return 1;
    for (size_t i = 0; i < a->n_media; i++) {
        c.media = (long)i;
        if (cmp_media(&c, a->media[i], b->media[i])) return 1;
    }
    return 0;
}
