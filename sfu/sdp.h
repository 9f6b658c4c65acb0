/* SDP model, parser and writer (RFC 8866, with the WebRTC attributes of JSEP,
 * RFC 8829: BUNDLE, ICE, DTLS, rtcp-fb, extmap, msid, ssrc, rid, simulcast).
 *
 * Pure: no IO, no clock, no global state; thread-safe as long as one session
 * is used by one thread at a time. Runs once per negotiation, not per packet,
 * so it allocates from the heap, but every array in the model is bounded and
 * every bound is checked against untrusted input.
 *
 * Ownership. A session owns its m-sections (sdp_media, stable pointers: they
 * do not move when more are added) and an arena holding every string the
 * model points to; sdp_free() releases all of it at once. The setters below
 * copy and validate their string arguments into the arena. A string field may
 * also be pointed at storage that outlives the session (a literal), but then
 * the caller must make sure it is valid SDP for that field.
 *
 * The parser keeps what the model describes and drops any other attribute.
 * Where input has more entries than a bound, the extra ones are skipped and
 * `truncated` is set on the m-section and the session: that is not an error.
 * A line that does not match its grammar is an error. parse(write(x)) gives
 * back x for every session that sdp_parse() produced (see sdp_compare).
 *
 * Errors: functions return 0 or a negative SDP_E_*; sdp_parse also writes a
 * human-readable reason with the line number into the caller's buffer. */
#ifndef RELAIS_SDP_H
#define RELAIS_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    SDP_E_SYNTAX = -1,  /* a line does not match its grammar */
    SDP_E_LIMIT = -2,   /* input (or output) over SDP_MAX_SIZE, or over SDP_MAX_MEDIA m-sections */
    SDP_E_NOMEM = -3,   /* allocation failed */
    SDP_E_INVALID = -4, /* builder: invalid argument (bad token, duplicate id, ...) */
    SDP_E_FULL = -5,    /* builder: a bounded array is full */
};

#define SDP_MAX_SIZE (1u << 20) /* bytes of SDP text, parsed or written */
#define SDP_MAX_MEDIA 512       /* m-sections per session */
#define SDP_MAX_GROUPS 4        /* a=group lines per session */
#define SDP_MAX_PTS 128         /* payload types on one m= line */
#define SDP_MAX_CODECS 64       /* rtpmap/fmtp/rtcp-fb payload types per m-section */
#define SDP_MAX_EXTMAPS 32
#define SDP_MAX_SSRCS 16
#define SDP_MAX_SSRC_GROUPS 8
#define SDP_MAX_GROUP_SSRCS 8 /* ssrcs in one a=ssrc-group */
#define SDP_MAX_RIDS 8
#define SDP_MAX_SIMULCAST 8 /* rids per direction of a=simulcast */
#define SDP_MAX_CANDIDATES 32
#define SDP_MAX_FINGERPRINT 64 /* bytes of a decoded fingerprint (sha-512) */
#define SDP_MAX_ICE_CHARS 256  /* bytes of an ICE ufrag or pwd (RFC 8839) */

typedef enum { SDP_KIND_OTHER = 0, SDP_KIND_AUDIO, SDP_KIND_VIDEO, SDP_KIND_APPLICATION } sdp_kind;

/* SDP_DIR_NONE only for extmaps without a direction; an m-section always has
 * one (sendrecv unless the SDP says otherwise). */
typedef enum {
    SDP_DIR_NONE = 0,
    SDP_DIR_SENDRECV,
    SDP_DIR_SENDONLY,
    SDP_DIR_RECVONLY,
    SDP_DIR_INACTIVE
} sdp_dir;

typedef enum {
    SDP_SETUP_NONE = 0,
    SDP_SETUP_ACTPASS,
    SDP_SETUP_ACTIVE,
    SDP_SETUP_PASSIVE,
    SDP_SETUP_HOLDCONN
} sdp_setup;

/* a=rtcp-fb values the model keeps, as flags in sdp_codec.fb. A wildcard
 * `a=rtcp-fb:* ...` is applied to every codec of its m-section. */
enum {
    SDP_FB_NACK = 1u << 0,         /* nack */
    SDP_FB_NACK_PLI = 1u << 1,     /* nack pli */
    SDP_FB_CCM_FIR = 1u << 2,      /* ccm fir */
    SDP_FB_GOOG_REMB = 1u << 3,    /* goog-remb */
    SDP_FB_TRANSPORT_CC = 1u << 4, /* transport-cc */
};

typedef enum { SDP_RID_SEND = 1, SDP_RID_RECV = 2 } sdp_rid_dir;

typedef struct sdp_fingerprint {
    const char *algorithm;              /* "sha-256" as written; NULL = no fingerprint */
    const char *value;                  /* "AB:CD:..." as written */
    uint8_t bytes[SDP_MAX_FINGERPRINT]; /* value decoded */
    uint8_t len;
} sdp_fingerprint;

typedef struct sdp_origin {
    const char *username; /* "-" */
    uint64_t sess_id, sess_version;
    const char *addrtype; /* "IP4" or "IP6" (nettype is always IN) */
    const char *addr;
} sdp_origin;

/* c= line (nettype IN). addr NULL = no c= line. */
typedef struct sdp_conn {
    const char *addrtype;
    const char *addr;
} sdp_conn;

typedef struct sdp_group {
    const char *semantics; /* "BUNDLE", "LS", ... */
    const char **mids;     /* n_mids entries, at most SDP_MAX_MEDIA */
    uint16_t n_mids;
} sdp_group;

/* One payload type: a=rtpmap, a=fmtp and a=rtcp-fb merged. An entry exists
 * for every payload type that one of those lines names. */
typedef struct sdp_codec {
    uint8_t pt;       /* 0..127 */
    uint8_t channels; /* from rtpmap; 0 = not written (one channel for audio) */
    int16_t apt;      /* rtx/red "apt=" from fmtp, or -1 */
    uint32_t clock;   /* clock rate from rtpmap; 0 if no rtpmap */
    uint32_t fb;      /* SDP_FB_* */
    const char *name; /* encoding name as written ("VP8", "opus"); NULL if no rtpmap */
    const char *fmtp; /* parameters after "a=fmtp:<pt> ", NULL if none */
} sdp_codec;

typedef struct sdp_extmap {
    uint16_t id; /* 1..255 */
    sdp_dir dir; /* SDP_DIR_NONE unless "a=extmap:<id>/<dir>" */
    const char *uri;
    const char *attrs; /* extension attributes after the uri, or NULL */
} sdp_extmap;

/* a=ssrc lines of one SSRC, merged. Only cname and msid are kept, so every
 * entry has at least one of them. */
typedef struct sdp_ssrc {
    uint32_t ssrc;
    const char *cname; /* or NULL */
    const char *msid;  /* "<stream> <track>" as written, or NULL */
} sdp_ssrc;

typedef struct sdp_ssrc_group {
    const char *semantics; /* "FID", "SIM", "FEC-FR" */
    uint32_t ssrcs[SDP_MAX_GROUP_SSRCS];
    uint8_t n_ssrcs;
} sdp_ssrc_group;

typedef struct sdp_rid {
    const char *id;
    sdp_rid_dir dir;
    const char *restrictions; /* "pt=96;max-width=1280" as written, or NULL */
} sdp_rid;

/* One rid of a=simulcast (RFC 8853): streams are separated by ';', the
 * alternatives of one stream by ','. */
typedef struct sdp_simulcast_rid {
    const char *id;
    bool paused; /* written "~id" */
    bool alt;    /* an alternative of the previous entry (written after ',') */
} sdp_simulcast_rid;

/* The rid lists are derived from raw: set both through
 * sdp_media_set_simulcast(). raw NULL = no a=simulcast. */
typedef struct sdp_simulcast {
    const char *raw; /* value after "a=simulcast:", e.g. "send q;h;f" */
    sdp_simulcast_rid send[SDP_MAX_SIMULCAST];
    sdp_simulcast_rid recv[SDP_MAX_SIMULCAST];
    uint8_t n_send, n_recv;
} sdp_simulcast;

typedef struct sdp_session sdp_session;

typedef struct sdp_media {
    sdp_session *session; /* owner; set by sdp_add_media / sdp_parse */
    sdp_kind kind;
    const char *kind_token; /* "audio", "video", "application", or any other token */
    uint16_t port;          /* 0 = rejected, unless bundle_only */
    uint16_t port_count;    /* "<port>/<count>"; 0 = not written */
    const char *proto;      /* "UDP/TLS/RTP/SAVPF" */
    /* RTP protos: the payload types of the m= line in order. Other protos
     * (e.g. "UDP/DTLS/SCTP webrtc-datachannel"): fmt is the raw list. */
    uint8_t pts[SDP_MAX_PTS];
    uint16_t n_pts;
    const char *fmt;
    sdp_conn conn;
    uint16_t rtcp_port;    /* a=rtcp, 0 = none */
    const char *rtcp_addr; /* "IN IP4 0.0.0.0" after the port, or NULL */
    const char *mid;       /* or NULL */
    sdp_dir dir;
    bool rtcp_mux, rtcp_rsize, bundle_only, extmap_allow_mixed, end_of_candidates;
    bool truncated; /* something was over a bound and was skipped */
    /* Media-level transport attributes; NULL/NONE = use the session's (see
     * the resolving accessors below). */
    const char *ice_ufrag, *ice_pwd, *ice_options;
    sdp_fingerprint fingerprint;
    sdp_setup setup;
    sdp_codec codecs[SDP_MAX_CODECS]; /* parsed: in m= line (preference) order */
    uint16_t n_codecs;
    sdp_extmap extmaps[SDP_MAX_EXTMAPS];
    uint16_t n_extmaps;
    sdp_ssrc ssrcs[SDP_MAX_SSRCS];
    uint16_t n_ssrcs;
    sdp_ssrc_group ssrc_groups[SDP_MAX_SSRC_GROUPS];
    uint16_t n_ssrc_groups;
    const char *msid_stream, *msid_track; /* a=msid (the first one); track may be NULL */
    sdp_rid rids[SDP_MAX_RIDS];
    uint16_t n_rids;
    sdp_simulcast simulcast;
    const char *candidates[SDP_MAX_CANDIDATES]; /* "candidate:..." without "a=" */
    uint16_t n_candidates;
    uint16_t sctp_port;        /* a=sctp-port, 0 = none */
    uint32_t max_message_size; /* a=max-message-size, 0 = none */
} sdp_media;

struct sdp_session {
    sdp_origin origin;
    const char *name; /* s= ("-"); set it to a literal or an sdp_strdup() copy */
    sdp_conn conn;    /* session-level c=, usually absent */
    const char *ice_ufrag, *ice_pwd, *ice_options;
    bool ice_lite, extmap_allow_mixed;
    bool truncated; /* any m-section or session list was truncated */
    sdp_fingerprint fingerprint;
    sdp_setup setup;
    sdp_group groups[SDP_MAX_GROUPS];
    uint16_t n_groups;
    const char *msid_semantic;     /* "WMS" or NULL */
    const char *msid_semantic_ids; /* what follows it ("*"), or NULL */
    sdp_media **media;             /* n_media stable pointers */
    size_t n_media;
    /* private */
    size_t cap_media;
    struct sdp__block *arena;
};

/* ---- parse ---- */

/* Parses len bytes of SDP (CRLF or LF line ends; need not be NUL-terminated;
 * embedded NULs are an error). On success returns 0 and a new session in *out
 * (free it with sdp_free). On failure returns SDP_E_*, leaves *out NULL and
 * writes the reason ("line 7: bad port") into err (if errlen > 0).
 *
 * SDP_E_LIMIT: more than SDP_MAX_SIZE bytes or SDP_MAX_MEDIA m-sections.
 * SDP_E_SYNTAX: first line not v=0; a line not "<a-z>=..."; a control
 * character anywhere (NUL, tab, a CR not before LF); no o= or s= before the
 * first m=; a bad o=, c=, t= or m= line (port > 65535, proto not
 * token/token..., a payload type > 127, no formats); and for the attributes
 * the model keeps, a value off its grammar: rtpmap/fmtp/rtcp-fb pt > 127,
 * extmap id not 1..255 or bad direction, fingerprint not hex pairs, ufrag/pwd
 * not ice-chars, unknown setup, rid direction not send/recv, bad simulcast
 * list or candidate. Duplicates that would be ambiguous are errors too: a mid
 * used twice, two rtpmap or fmtp for one pt, two extmaps with one id, a rid
 * twice, a second ice-ufrag/ice-pwd/setup/c=/simulcast in one section.
 * Tolerated: blank lines, trailing spaces, unknown line types and attributes,
 * known attributes at the wrong level (ignored; session-level extmap too),
 * unknown rtcp-fb types, a second a=msid (ignored, truncated). Of several
 * a=fingerprint lines the first is kept, except that sha-256 replaces
 * another hash. A session-level direction is the default of every section. */
int sdp_parse(const char *text, size_t len, sdp_session **out, char *err, size_t errlen);

/* Frees the session, its m-sections and every string in its arena. NULL ok. */
void sdp_free(sdp_session *s);

const char *sdp_strerror(int err);
const char *sdp_dir_str(sdp_dir d);      /* "sendrecv"...; "" for NONE */
const char *sdp_setup_str(sdp_setup st); /* "actpass"...; "" for NONE */
sdp_dir sdp_dir_reverse(sdp_dir d);      /* sendonly <-> recvonly, others unchanged */

/* ---- lookups ---- */

/* Transport attributes of m: its own, else the session's. NULL/NONE if neither. */
const char *sdp_media_ice_ufrag(const sdp_session *s, const sdp_media *m);
const char *sdp_media_ice_pwd(const sdp_session *s, const sdp_media *m);
const char *sdp_media_ice_options(const sdp_session *s, const sdp_media *m);
const sdp_fingerprint *sdp_media_fingerprint(const sdp_session *s, const sdp_media *m);
sdp_setup sdp_media_setup(const sdp_session *s, const sdp_media *m);

/* Port 0 and not bundle-only: the m-section was rejected or stopped. */
bool sdp_media_is_rejected(const sdp_media *m);

/* First codec named `name` (case-insensitive) with that clock rate (0 = any)
 * and channel count (0 = any; a codec without a count has one), or NULL. */
const sdp_codec *sdp_media_find_codec(const sdp_media *m, const char *name, uint32_t clock,
                                      uint8_t channels);
const sdp_codec *sdp_media_find_pt(const sdp_media *m, uint8_t pt);
/* The rtx codec whose apt is pt, or NULL. */
const sdp_codec *sdp_media_find_rtx(const sdp_media *m, uint8_t pt);
/* Id of the extmap with this uri, or 0. */
uint16_t sdp_media_find_ext(const sdp_media *m, const char *uri);
const sdp_ssrc *sdp_media_find_ssrc(const sdp_media *m, uint32_t ssrc);
sdp_media *sdp_find_media_by_mid(const sdp_session *s, const char *mid);
/* The first a=group with these semantics ("BUNDLE"), or NULL. */
const sdp_group *sdp_find_group(const sdp_session *s, const char *semantics);

/* ---- build ---- */

/* An empty session: origin "- 0 0 IN IP4 127.0.0.1", name "-", no media.
 * NULL on allocation failure. */
sdp_session *sdp_new(void);

/* Copies str into s's arena; NULL on allocation failure or str NULL. */
const char *sdp_strdup(sdp_session *s, const char *str);

/* The setters return 0, SDP_E_INVALID for a value the SDP grammar does not
 * allow there, SDP_E_FULL when a bound is reached, SDP_E_NOMEM. */
int sdp_set_origin(sdp_session *s, const char *username, uint64_t sess_id, uint64_t sess_version,
                   const char *addr);
/* Session-level ICE credentials; options (e.g. "trickle") may be NULL. */
int sdp_set_ice(sdp_session *s, const char *ufrag, const char *pwd, const char *options);
/* Session-level fingerprint: algorithm token and "AB:CD:..." hex value. */
int sdp_set_fingerprint(sdp_session *s, const char *algorithm, const char *value);
/* Appends an a=group line. */
int sdp_add_group(sdp_session *s, const char *semantics, const char *const *mids, size_t n_mids);
/* Replaces any BUNDLE group by one over the mids of all m-sections that are
 * not rejected, in order. */
int sdp_bundle_all(sdp_session *s);
/* Sets a=msid-semantic (e.g. "WMS", "*"); ids may be NULL. */
int sdp_set_msid_semantic(sdp_session *s, const char *semantic, const char *ids);

/* Appends an m-section with c=IN IP4 0.0.0.0, direction sendrecv and the
 * given mid (NULL = none; must be unique). Returns NULL on an invalid
 * argument, allocation failure or past SDP_MAX_MEDIA. kind must not be
 * OTHER. The pointer stays valid until sdp_free. */
sdp_media *sdp_add_media(sdp_session *s, sdp_kind kind, uint16_t port, const char *proto,
                         const char *mid);
/* For a proto that is not RTP: the m= line's format list ("webrtc-datachannel"). */
int sdp_media_set_fmt(sdp_media *m, const char *fmt);
/* Appends pt to the m= line without a codec (e.g. to mirror a rejected offer). */
int sdp_media_add_pt(sdp_media *m, uint8_t pt);
int sdp_media_set_ice(sdp_media *m, const char *ufrag, const char *pwd, const char *options);
int sdp_media_set_fingerprint(sdp_media *m, const char *algorithm, const char *value);
/* Adds a codec and appends pt to the m= line (if not there yet). fmtp NULL =
 * none; its "apt=" sets apt. channels 0 = not written. pt must be new. */
int sdp_media_add_codec(sdp_media *m, uint8_t pt, const char *name, uint32_t clock,
                        uint8_t channels, const char *fmtp, uint32_t fb);
/* id 1..255, unique in m; dir SDP_DIR_NONE = no direction written. */
int sdp_media_add_ext(sdp_media *m, uint16_t id, const char *uri, sdp_dir dir);
/* a=ssrc lines for ssrc: cname and/or msid ("stream track"), not both NULL. */
int sdp_media_add_ssrc(sdp_media *m, uint32_t ssrc, const char *cname, const char *msid);
int sdp_media_add_ssrc_group(sdp_media *m, const char *semantics, const uint32_t *ssrcs, size_t n);
/* a=msid:<stream> <track>; track may be NULL. */
int sdp_media_set_msid(sdp_media *m, const char *stream, const char *track);
int sdp_media_add_rid(sdp_media *m, const char *id, sdp_rid_dir dir, const char *restrictions);
/* value as after "a=simulcast:", e.g. "recv q;h;f"; NULL clears it. */
int sdp_media_set_simulcast(sdp_media *m, const char *value);
/* "candidate:<foundation> <component> <transport> <priority> <addr> <port>
 * typ <type> ..." (without "a="). */
int sdp_media_add_candidate(sdp_media *m, const char *candidate);

/* ---- write ---- */

/* Writes s as CRLF-terminated SDP in JSEP order into a new NUL-terminated
 * malloc'd buffer (*out, length *out_len; the caller frees it). Port-0
 * m-sections that are not bundle-only are written as m=, c=, a=mid and
 * a=inactive only. Returns 0, SDP_E_NOMEM, or SDP_E_LIMIT when the text would
 * exceed SDP_MAX_SIZE (so that the output always parses). */
int sdp_write(const sdp_session *s, char **out, size_t *out_len);

/* Compares what sdp_write preserves: 0 if a and b are equal, else 1 with the
 * first difference described in diff ("m-section 1: codec apt: 96 != 100";
 * if difflen > 0). Truncation flags are not compared, and rejected
 * m-sections only on their m= line, c= line and mid. */
int sdp_compare(const sdp_session *a, const sdp_session *b, char *diff, size_t difflen);

/* ---- internal, shared by sdp.c, sdp_attr.c and sdp_write.c ---- */
void *sdp__alloc(sdp_session *s, size_t n);
bool sdp__is_token(const char *str);
bool sdp__is_ice_chars(const char *str, size_t min, size_t max);
bool sdp__is_text(const char *str); /* non-empty, no control chars, no leading/trailing space */
bool sdp__is_word(const char *str); /* non-empty, no spaces or control characters */
bool sdp__is_rid_id(const char *str);
bool sdp__is_proto(const char *str); /* token *("/" token) */
int sdp__fingerprint(sdp_fingerprint *fp, const char *algorithm, const char *value);
int sdp__simulcast(sdp_session *s, sdp_simulcast *sc, const char *value);
int sdp__fmtp_apt(const char *fmtp); /* -1 none, -2 malformed, else 0..127 */
bool sdp__is_candidate(const char *cand);
bool sdp__is_rtp_proto(const char *proto);
sdp_media *sdp__new_media(sdp_session *s);

/* Tokenizing, for the parser and sdp__simulcast. sdp__tok splits the next
 * space-separated token off *cur (NUL-terminating it in place), NULL when
 * nothing is left; sdp__rest is what is left after spaces, or NULL. */
char *sdp__tok(char **cur);
char *sdp__rest(char **cur);
bool sdp__parse_u32(const char *str, uint32_t max, uint32_t *out); /* decimal, at most max */
bool sdp__parse_pt(const char *str, uint8_t *pt);                  /* 0..127 */

/* State of one sdp_parse() run: sdp.c cuts the text into lines and handles
 * all but a= lines, sdp_attr.c handles the a= lines. */
typedef struct sdp__parser {
    sdp_session *s;
    sdp_media *m;   /* current m-section, NULL at session level */
    int line;       /* 1-based line number, for errors */
    int line_index; /* non-empty lines seen before this one */
    char *err;
    size_t errlen;
    bool have_o, have_s;
    sdp_dir session_dir;
    uint32_t wildcard_fb; /* a=rtcp-fb:* of the current m-section */
} sdp__parser;

/* Writes "line <n>: <message>" into the caller's error buffer; returns code. */
int sdp__fail(sdp__parser *p, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Something was over a bound: marks the current m-section and the session. */
void sdp__truncate_here(sdp__parser *p);
/* One a= line; v is the text after "a=". Returns 0 or SDP_E_*. */
int sdp__line_attr(sdp__parser *p, char *v);

#endif
