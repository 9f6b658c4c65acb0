/* SDP parser: the a= attribute handlers. See sdp.h.
 *
 * sdp.c cuts the text into lines and hands each a= line to sdp__line_attr(),
 * which looks the attribute name up in a table and calls its small handler
 * (if the attribute is allowed at that level). A handler checks the value
 * against its grammar, fills the session or the current m-section, and sets
 * `truncated` where a bounded array is full. Attributes the model does not
 * keep are skipped here. The parser state, the tokenizer and the error helper
 * are shared with sdp.c through the internal section of sdp.h. */
#include "sfu/sdp.h"

#include <string.h>
#include <strings.h>

#define fail(p, ...) sdp__fail(p, SDP_E_SYNTAX, __VA_ARGS__)

/* The codec entry for pt, created if new; NULL when the array is full. */
static sdp_codec *codec_for(sdp__parser *p, uint8_t pt) {
    sdp_media *m = p->m;
    for (uint16_t i = 0; i < m->n_codecs; i++)
        if (m->codecs[i].pt == pt) return &m->codecs[i];
    if (m->n_codecs == SDP_MAX_CODECS) {
        sdp__truncate_here(p);
        return NULL;
    }
    sdp_codec *c = &m->codecs[m->n_codecs++];
    *c = (sdp_codec){.pt = pt, .apt = -1};
    return c;
}

/* Each handler gets the attribute name (the line after "a=", unmodified
 * until the handler cuts it) and the value after ':' without leading
 * spaces, or NULL for a flag attribute. */
typedef int (*attr_fn)(sdp__parser *p, const char *name, char *val);

#define NEED_VAL(p, name, val)                                                                     \
    do {                                                                                           \
        if (!(val) || !*(val)) return fail(p, "a=%s needs a value", name);                         \
    } while (0)

static int a_group(sdp__parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "group", val);
    char *cur = val, *sem = sdp__tok(&cur), *t;
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
    while ((t = sdp__tok(&cur)) != NULL) {
        if (!sdp__is_token(t)) return fail(p, "bad mid in a=group");
        if (mids && k < n) mids[k++] = t;
    }
    if (keep)
        p->s->groups[p->s->n_groups++] = (sdp_group){.semantics = sem, .mids = mids, .n_mids = k};
    return 0;
}

static int a_msid_semantic(sdp__parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "msid-semantic", val);
    char *cur = val, *sem = sdp__tok(&cur);
    if (!sdp__is_token(sem)) return fail(p, "bad a=msid-semantic");
    p->s->msid_semantic = sem;
    p->s->msid_semantic_ids = sdp__rest(&cur);
    return 0;
}

static int a_ice_lite(sdp__parser *p, const char *name, char *val) {
    (void)name;
    (void)val;
    p->s->ice_lite = true;
    return 0;
}

static int a_ice(sdp__parser *p, const char *name, char *val) {
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

static int a_ice_options(sdp__parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "ice-options", val);
    *(p->m ? &p->m->ice_options : &p->s->ice_options) = val;
    return 0;
}

static int a_fingerprint(sdp__parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "fingerprint", val);
    char *cur = val, *alg = sdp__tok(&cur), *hex = sdp__tok(&cur);
    sdp_fingerprint fp;
    if (!hex || sdp__rest(&cur) || sdp__fingerprint(&fp, alg, hex) < 0)
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

static int a_setup(sdp__parser *p, const char *name, char *val) {
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

static int a_allow_mixed(sdp__parser *p, const char *name, char *val) {
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

static int a_dir(sdp__parser *p, const char *name, char *val) {
    (void)val;
    sdp_dir d = dir_from(name, strcspn(name, ":"));
    if (p->m)
        p->m->dir = d;
    else
        p->session_dir = d;
    return 0;
}

static int a_mid(sdp__parser *p, const char *name, char *val) {
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

static int a_rtcp(sdp__parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "rtcp", val);
    char *cur = val, *port = sdp__tok(&cur);
    uint32_t v;
    if (!sdp__parse_u32(port, 65535, &v) || v == 0) return fail(p, "bad a=rtcp port");
    p->m->rtcp_port = (uint16_t)v;
    p->m->rtcp_addr = sdp__rest(&cur);
    return 0;
}

static int a_flag(sdp__parser *p, const char *name, char *val) {
    (void)val;
    size_t n = strcspn(name, ":");
    if (n == 8 && memcmp(name, "rtcp-mux", 8) == 0) p->m->rtcp_mux = true;
    if (n == 10 && memcmp(name, "rtcp-rsize", 10) == 0) p->m->rtcp_rsize = true;
    if (n == 11 && memcmp(name, "bundle-only", 11) == 0) p->m->bundle_only = true;
    if (n == 17 && memcmp(name, "end-of-candidates", 17) == 0) p->m->end_of_candidates = true;
    return 0;
}

static int a_rtpmap(sdp__parser *p, const char *name, char *val) {
    (void)name;
    if (!sdp__is_rtp_proto(p->m->proto)) return 0;
    NEED_VAL(p, "rtpmap", val);
    char *cur = val, *pts = sdp__tok(&cur), *enc = sdp__tok(&cur);
    uint8_t pt;
    if (!sdp__parse_pt(pts, &pt)) return fail(p, "bad payload type in a=rtpmap");
    if (!enc || sdp__rest(&cur)) return fail(p, "bad a=rtpmap");
    char *clock = strchr(enc, '/'), *ch = NULL;
    if (!clock) return fail(p, "a=rtpmap without clock rate");
    *clock++ = '\0';
    if ((ch = strchr(clock, '/')) != NULL) *ch++ = '\0';
    uint32_t rate, chans = 0;
    if (!sdp__is_token(enc) || !sdp__parse_u32(clock, UINT32_MAX, &rate) || rate == 0 ||
        (ch && (!sdp__parse_u32(ch, 255, &chans) || chans == 0)))
        return fail(p, "bad a=rtpmap");
    sdp_codec *c = codec_for(p, pt);
    if (!c) return 0;
    if (c->name) return fail(p, "duplicate a=rtpmap for %u", pt);
    c->name = enc;
    c->clock = rate;
    c->channels = (uint8_t)chans;
    return 0;
}

static int a_fmtp(sdp__parser *p, const char *name, char *val) {
    (void)name;
    if (!sdp__is_rtp_proto(p->m->proto)) return 0;
    NEED_VAL(p, "fmtp", val);
    char *cur = val, *pts = sdp__tok(&cur), *params = sdp__rest(&cur);
    uint8_t pt;
    if (!sdp__parse_pt(pts, &pt)) return fail(p, "bad payload type in a=fmtp");
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

static int a_rtcp_fb(sdp__parser *p, const char *name, char *val) {
    (void)name;
    if (!sdp__is_rtp_proto(p->m->proto)) return 0;
    NEED_VAL(p, "rtcp-fb", val);
    char *cur = val, *pts = sdp__tok(&cur), *type = sdp__tok(&cur), *param = sdp__tok(&cur);
    uint8_t pt = 0;
    bool wild = pts && strcmp(pts, "*") == 0;
    if (!wild && !sdp__parse_pt(pts, &pt)) return fail(p, "bad payload type in a=rtcp-fb");
    if (!sdp__is_token(type) || (param && !sdp__is_token(param))) return fail(p, "bad a=rtcp-fb");
    uint32_t flag = sdp__rest(&cur) ? 0 : fb_flag(type, param);
    if (wild) {
        p->wildcard_fb |= flag;
    } else if (flag) {
        sdp_codec *c = codec_for(p, pt);
        if (c) c->fb |= flag;
    }
    return 0;
}

static int a_extmap(sdp__parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "extmap", val);
    char *cur = val, *idd = sdp__tok(&cur), *uri = sdp__tok(&cur), *attrs = sdp__rest(&cur);
    char *slash = strchr(idd, '/');
    sdp_dir d = SDP_DIR_NONE;
    if (slash) {
        *slash++ = '\0';
        if ((d = dir_from(slash, strlen(slash))) == SDP_DIR_NONE)
            return fail(p, "bad a=extmap direction");
    }
    uint32_t id;
    if (!sdp__parse_u32(idd, 255, &id) || id == 0) return fail(p, "bad a=extmap id");
    if (!sdp__is_word(uri)) return fail(p, "a=extmap without uri");
    sdp_media *m = p->m;
    for (uint16_t i = 0; i < m->n_extmaps; i++)
        if (m->extmaps[i].id == id) return fail(p, "duplicate a=extmap id %u", id);
    if (m->n_extmaps == SDP_MAX_EXTMAPS) {
        sdp__truncate_here(p);
        return 0;
    }
    m->extmaps[m->n_extmaps++] =
        (sdp_extmap){.id = (uint16_t)id, .dir = d, .uri = uri, .attrs = attrs};
    return 0;
}

static int a_ssrc(sdp__parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "ssrc", val);
    char *cur = val, *num = sdp__tok(&cur), *attr = sdp__rest(&cur);
    uint32_t ssrc;
    if (!sdp__parse_u32(num, UINT32_MAX, &ssrc) || !attr) return fail(p, "bad a=ssrc");
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
            sdp__truncate_here(p);
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

static int a_ssrc_group(sdp__parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "ssrc-group", val);
    char *cur = val, *sem = sdp__tok(&cur), *t;
    if (!sdp__is_token(sem)) return fail(p, "bad a=ssrc-group");
    sdp_ssrc_group g = {.semantics = sem};
    bool trunc = false;
    while ((t = sdp__tok(&cur)) != NULL) {
        uint32_t v;
        if (!sdp__parse_u32(t, UINT32_MAX, &v)) return fail(p, "bad ssrc in a=ssrc-group");
        if (g.n_ssrcs < SDP_MAX_GROUP_SSRCS)
            g.ssrcs[g.n_ssrcs++] = v;
        else
            trunc = true;
    }
    if (g.n_ssrcs == 0) return fail(p, "a=ssrc-group without ssrcs");
    if (p->m->n_ssrc_groups == SDP_MAX_SSRC_GROUPS) trunc = true;
    if (trunc) sdp__truncate_here(p);
    if (p->m->n_ssrc_groups < SDP_MAX_SSRC_GROUPS) p->m->ssrc_groups[p->m->n_ssrc_groups++] = g;
    return 0;
}

static int a_msid(sdp__parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "msid", val);
    char *cur = val, *stream = sdp__tok(&cur), *track = sdp__tok(&cur);
    if (!sdp__is_token(stream) || (track && !sdp__is_token(track)) || sdp__rest(&cur))
        return fail(p, "bad a=msid");
    if (p->m->msid_stream) {
        sdp__truncate_here(p);
        return 0;
    }
    p->m->msid_stream = stream;
    p->m->msid_track = track;
    return 0;
}

static int a_rid(sdp__parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "rid", val);
    char *cur = val, *id = sdp__tok(&cur), *dir = sdp__tok(&cur), *restr = sdp__rest(&cur);
    if (!sdp__is_rid_id(id) || !dir) return fail(p, "bad a=rid");
    sdp_rid_dir d = strcmp(dir, "send") == 0   ? SDP_RID_SEND
                    : strcmp(dir, "recv") == 0 ? SDP_RID_RECV
                                               : 0;
    if (!d) return fail(p, "bad a=rid direction");
    sdp_media *m = p->m;
    for (uint16_t i = 0; i < m->n_rids; i++)
        if (strcmp(m->rids[i].id, id) == 0) return fail(p, "duplicate a=rid %s", id);
    if (m->n_rids == SDP_MAX_RIDS) {
        sdp__truncate_here(p);
        return 0;
    }
    m->rids[m->n_rids++] = (sdp_rid){.id = id, .dir = d, .restrictions = restr};
    return 0;
}

static int a_simulcast(sdp__parser *p, const char *name, char *val) {
    (void)name;
    NEED_VAL(p, "simulcast", val);
    if (p->m->simulcast.raw) return fail(p, "duplicate a=simulcast");
    int r = sdp__simulcast(p->s, &p->m->simulcast, val);
    if (r == SDP_E_NOMEM) return r;
    if (r < 0) return fail(p, "bad a=simulcast");
    if (r > 0) sdp__truncate_here(p);
    return 0;
}

static int a_candidate(sdp__parser *p, const char *name, char *val) {
    (void)val;
    /* name is the whole "candidate:..." text, still unmodified. */
    if (!sdp__is_candidate(name)) return fail(p, "bad a=candidate");
    sdp_media *m = p->m;
    if (m->n_candidates == SDP_MAX_CANDIDATES) {
        sdp__truncate_here(p);
        return 0;
    }
    m->candidates[m->n_candidates++] = name;
    return 0;
}

static int a_sctp_port(sdp__parser *p, const char *name, char *val) {
    (void)name;
    uint32_t v;
    if (!val || !sdp__parse_u32(val, 65535, &v) || v == 0) return fail(p, "bad a=sctp-port");
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

int sdp__line_attr(sdp__parser *p, char *v) {
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
