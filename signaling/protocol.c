/* Signaling protocol codec: see protocol.h and docs/protocol.md. */
#include "signaling/protocol.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- tables */

static const struct {
    const char *code;
    int fatal;
} err_table[PROTO_ERR__COUNT] = {
    [PROTO_ERR_BAD_JSON] = {"bad-json", 0},
    [PROTO_ERR_BAD_MESSAGE] = {"bad-message", 0},
    [PROTO_ERR_UNKNOWN_TYPE] = {"unknown-type", 0},
    [PROTO_ERR_TOO_LARGE] = {"too-large", 1},
    [PROTO_ERR_PROTOCOL_VERSION] = {"protocol-version", 1},
    [PROTO_ERR_NOT_JOINED] = {"not-joined", 0},
    [PROTO_ERR_ALREADY_JOINED] = {"already-joined", 0},
    [PROTO_ERR_BAD_ROOM] = {"bad-room", 0},
    [PROTO_ERR_BAD_NAME] = {"bad-name", 0},
    [PROTO_ERR_ROOM_FULL] = {"room-full", 0},
    [PROTO_ERR_TOO_MANY_ROOMS] = {"too-many-rooms", 0},
    [PROTO_ERR_RATE_LIMITED] = {"rate-limited", 1},
    [PROTO_ERR_BAD_SDP] = {"bad-sdp", 0},
    [PROTO_ERR_UNSUPPORTED_MEDIA] = {"unsupported-media", 0},
    [PROTO_ERR_NO_FINGERPRINT] = {"no-fingerprint", 0},
    [PROTO_ERR_NO_CODEC] = {"no-codec", 0},
    [PROTO_ERR_NO_OFFER_PENDING] = {"no-offer-pending", 0},
    [PROTO_ERR_PUBLISH_PENDING] = {"publish-pending", 0},
    [PROTO_ERR_FINGERPRINT_MISMATCH] = {"fingerprint-mismatch", 0},
    [PROTO_ERR_DTLS_FAILED] = {"dtls-failed", 0},
    [PROTO_ERR_ICE_FAILED] = {"ice-failed", 0},
    [PROTO_ERR_SHUTTING_DOWN] = {"shutting-down", 1},
    [PROTO_ERR_CLUSTER_UNAVAILABLE] = {"cluster-unavailable", 0},
    [PROTO_ERR_INTERNAL] = {"internal", 0},
    [PROTO_ERR_TOO_MANY_CONNECTIONS] = {"too-many-connections", 1},
};

const char *proto_err_code(proto_err e) {
    if ((unsigned)e >= PROTO_ERR__COUNT) e = PROTO_ERR_INTERNAL;
    return err_table[e].code;
}

int proto_err_fatal(proto_err e) {
    if ((unsigned)e >= PROTO_ERR__COUNT) e = PROTO_ERR_INTERNAL;
    return err_table[e].fatal;
}

int proto_err_fatal_request(proto_err e, const char *request) {
    if (e == PROTO_ERR_RATE_LIMITED) return request && strcmp(request, "join") == 0;
    return proto_err_fatal(e);
}

static const char *const source_names[PROTO_SRC__COUNT] = {"microphone", "camera", "screen"};

const char *proto_source_name(proto_source s) {
    return (unsigned)s < PROTO_SRC__COUNT ? source_names[s] : NULL;
}

int proto_source_parse(const char *s, proto_source *out) {
    for (int i = 0; i < PROTO_SRC__COUNT; i++) {
        if (strcmp(s, source_names[i]) == 0) {
            *out = (proto_source)i;
            return 0;
        }
    }
    return -1;
}

/* ---------------------------------------------------------------- errors */

/* Replaces every byte that is not part of valid UTF-8, and every control
 * character, by '?', in place. Keeps messages encodable and printable. */
static void sanitize_utf8(char *s) {
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t n = 0;
        uint32_t cp = 0, min = 0;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) *p = '?';
            p++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            *p++ = '?';
            continue;
        }
        size_t i = 1;
        for (; i <= n && (p[i] & 0xc0) == 0x80; i++)
            cp = (cp << 6) | (p[i] & 0x3f);
        if (i <= n || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            *p++ = '?';
            continue;
        }
        p += n + 1;
    }
}

static int fail(proto_error *err, proto_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(proto_error *err, proto_err code, const char *fmt, ...) {
    err->code = code;
    err->fatal = proto_err_fatal(code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    sanitize_utf8(err->message);
    return -1;
}

/* --------------------------------------------------------------- members */

/* 1 if the `n` bytes are valid UTF-8 (no overlongs, no surrogates). */
static int utf8_valid(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= k) return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
        i += k + 1;
    }
    return 1;
}

/* A room or display name: missing or not a string is bad-message; a string
 * breaking the rules is `code` (bad-room / bad-name). */
static int get_name(json_t *root, const char *key, proto_err code, char *dst, proto_error *err) {
    json_t *v = json_object_get(root, key);
    if (!json_is_string(v))
        return fail(err, PROTO_ERR_BAD_MESSAGE, "member '%s' must be a string of 1-%d bytes", key,
                    PROTO_NAME_MAX);
    const unsigned char *s = (const unsigned char *)json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n > PROTO_NAME_MAX)
        return fail(err, code, "member '%s' must be a string of 1-%d bytes", key, PROTO_NAME_MAX);
    if (!utf8_valid(s, n)) return fail(err, code, "member '%s' must be valid UTF-8", key);
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] == 0x7f)
            return fail(err, code, "member '%s' must not contain control characters", key);
    }
    if (s[0] == ' ' || s[n - 1] == ' ')
        return fail(err, code, "member '%s' must not start or end with a space", key);
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

/* 1 if `v` is a string usable as an a=mid: 1-32 bytes of 0x21-0x7e. */
static int mid_valid(json_t *v) {
    if (!json_is_string(v)) return 0;
    const unsigned char *s = (const unsigned char *)json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n > PROTO_MID_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] <= 0x20 || s[i] >= 0x7f) return 0;
    }
    return 1;
}

static int get_source(json_t *v, const char *what, proto_source *out, proto_error *err) {
    if (!json_is_string(v) || proto_source_parse(json_string_value(v), out) != 0)
        return fail(err, PROTO_ERR_BAD_MESSAGE,
                    "member '%s' must be 'microphone', 'camera' or 'screen'", what);
    return 0;
}

static int get_sdp(json_t *root, size_t max_len, const char **sdp, size_t *len, proto_error *err) {
    json_t *v = json_object_get(root, "sdp");
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max_len)
        return fail(err, PROTO_ERR_BAD_MESSAGE,
                    "member 'sdp' must be a non-empty string of at most %zu bytes", max_len);
    *sdp = json_string_value(v);
    *len = json_string_length(v);
    return 0;
}

/* ------------------------------------------------------ per-type decoders */

typedef int (*decode_fn)(json_t *root, size_t max_len, proto_msg *m, proto_error *err);

static int decode_join(json_t *root, size_t max_len, proto_msg *m, proto_error *err) {
    /* First, so that a client of another version gets the error that says so. */
    json_t *p = json_object_get(root, "protocol");
    if (p && !(json_is_number(p) && json_number_value(p) == PROTO_VERSION))
        return fail(err, PROTO_ERR_PROTOCOL_VERSION,
                    "member 'protocol' must be 1, the version this node speaks");
    if (get_name(root, "room", PROTO_ERR_BAD_ROOM, m->join.room, err)) return -1;
    return get_name(root, "name", PROTO_ERR_BAD_NAME, m->join.name, err);
}

static int decode_track(json_t *t, size_t i, proto_track *out, proto_error *err) {
    if (!json_is_object(t))
        return fail(err, PROTO_ERR_BAD_MESSAGE, "member 'tracks[%zu]' must be an object", i);
    json_t *mid = json_object_get(t, "mid");
    if (!mid_valid(mid))
        return fail(err, PROTO_ERR_BAD_MESSAGE,
                    "member 'tracks[%zu].mid' must be a string of 1-%d printable bytes without "
                    "spaces",
                    i, PROTO_MID_MAX);
    char what[40];
    snprintf(what, sizeof what, "tracks[%d].source", (int)i);
    if (get_source(json_object_get(t, "source"), what, &out->source, err)) return -1;
    memcpy(out->mid, json_string_value(mid), json_string_length(mid) + 1);
    return 0;
}

static int decode_publish(json_t *root, size_t max_len, proto_msg *m, proto_error *err) {
    if (get_sdp(root, max_len, &m->publish.sdp, &m->publish.sdp_len, err)) return -1;
    json_t *tracks = json_object_get(root, "tracks");
    if (!json_is_array(tracks) || json_array_size(tracks) > PROTO_MAX_TRACKS)
        return fail(err, PROTO_ERR_BAD_MESSAGE,
                    "member 'tracks' must be an array of at most %d tracks", PROTO_MAX_TRACKS);
    size_t n = json_array_size(tracks);
    for (size_t i = 0; i < n; i++) {
        proto_track *t = &m->publish.tracks[i];
        if (decode_track(json_array_get(tracks, i), i, t, err)) return -1;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(m->publish.tracks[j].mid, t->mid) == 0)
                return fail(err, PROTO_ERR_BAD_MESSAGE,
                            "member 'tracks[%zu].mid' repeats the mid of tracks[%zu]", i, j);
        }
    }
    m->publish.n_tracks = (int)n;
    return 0;
}

static int decode_answer(json_t *root, size_t max_len, proto_msg *m, proto_error *err) {
    return get_sdp(root, max_len, &m->answer.sdp, &m->answer.sdp_len, err);
}

static int decode_candidate(json_t *root, size_t max_len, proto_msg *m, proto_error *err) {
    const char *pc = json_string_value(json_object_get(root, "pc"));
    if (pc && strcmp(pc, "publish") == 0) {
        m->candidate.pc = PROTO_PC_PUBLISH;
    } else if (pc && strcmp(pc, "subscribe") == 0) {
        m->candidate.pc = PROTO_PC_SUBSCRIBE;
    } else {
        return fail(err, PROTO_ERR_BAD_MESSAGE, "member 'pc' must be 'publish' or 'subscribe'");
    }
    json_t *c = json_object_get(root, "candidate");
    if (!json_is_string(c))
        return fail(err, PROTO_ERR_BAD_MESSAGE, "member 'candidate' must be a string");
    json_t *mid = json_object_get(root, "sdpMid");
    if (mid && !json_is_null(mid) && !mid_valid(mid))
        return fail(err, PROTO_ERR_BAD_MESSAGE,
                    "member 'sdpMid' must be null or a string of 1-%d printable bytes without "
                    "spaces",
                    PROTO_MID_MAX);
    m->candidate.candidate = json_string_value(c);
    m->candidate.candidate_len = json_string_length(c);
    m->candidate.mid[0] = '\0';
    if (json_is_string(mid))
        memcpy(m->candidate.mid, json_string_value(mid), json_string_length(mid) + 1);
    return 0;
}

static int decode_mute(json_t *root, size_t max_len, proto_msg *m, proto_error *err) {
    if (get_source(json_object_get(root, "source"), "source", &m->mute.source, err)) return -1;
    json_t *muted = json_object_get(root, "muted");
    if (!json_is_boolean(muted))
        return fail(err, PROTO_ERR_BAD_MESSAGE, "member 'muted' must be a boolean");
    m->mute.muted = json_is_true(muted);
    return 0;
}

static int decode_nothing(json_t *root, size_t max_len, proto_msg *m, proto_error *err) {
    return 0;
}

static const struct {
    const char *name;
    decode_fn decode;
} type_table[PROTO_TYPE__COUNT] = {
    [PROTO_JOIN] = {"join", decode_join},
    [PROTO_PUBLISH] = {"publish", decode_publish},
    [PROTO_SUBSCRIBE_ANSWER] = {"subscribe-answer", decode_answer},
    [PROTO_CANDIDATE] = {"candidate", decode_candidate},
    [PROTO_MUTE] = {"mute", decode_mute},
    [PROTO_LEAVE] = {"leave", decode_nothing},
    [PROTO_PING] = {"ping", decode_nothing},
};

const char *proto_type_name(proto_type t) {
    return (unsigned)t < PROTO_TYPE__COUNT ? type_table[t].name : NULL;
}

/* --------------------------------------------------------------- decoder */

/* Stores a valid `id` as JSON text; 0, or -1 if present but invalid. */
static int read_id(json_t *root, char *dst, size_t dstlen) {
    json_t *id = json_object_get(root, "id");
    if (!id) return 0;
    if (json_is_integer(id)) {
        snprintf(dst, dstlen, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        return 0;
    }
    if (!json_is_string(id) || json_string_length(id) > PROTO_ID_MAX) return -1;
    char *text = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text || strlen(text) >= dstlen) { /* cannot happen: PROTO_ID_JSON_SIZE is the worst case */
        free(text);
        return -1;
    }
    strcpy(dst, text);
    free(text);
    return 0;
}

/* Reads `type` and `id` and runs the type's decoder, which fills *m (not m->root). */
static int decode_object(json_t *root, size_t max_len, proto_msg *m, proto_error *err) {
    json_t *type = json_object_get(root, "type");
    const char *tname = json_string_value(type);
    if (tname && json_string_length(type) <= PROTO_REQUEST_MAX) strcpy(err->request, tname);
    int id_ok = read_id(root, err->id_json, sizeof err->id_json) == 0;
    if (!tname) return fail(err, PROTO_ERR_BAD_MESSAGE, "member 'type' must be a string");
    if (!id_ok)
        return fail(err, PROTO_ERR_BAD_MESSAGE,
                    "member 'id' must be a string of at most %d bytes or an integer", PROTO_ID_MAX);
    for (int t = 0; t < PROTO_TYPE__COUNT; t++) {
        if (strcmp(tname, type_table[t].name) != 0) continue;
        m->type = (proto_type)t;
        return type_table[t].decode(root, max_len, m, err);
    }
    if (err->request[0])
        return fail(err, PROTO_ERR_UNKNOWN_TYPE, "unknown message type '%s'", err->request);
    return fail(err, PROTO_ERR_UNKNOWN_TYPE, "unknown message type");
}

int proto_decode(const char *buf, size_t len, size_t max_len, proto_msg *out, proto_error *err) {
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    if (len > max_len)
        return fail(err, PROTO_ERR_TOO_LARGE, "message of %zu bytes exceeds the limit of %zu bytes",
                    len, max_len);
    json_error_t jerr;
    /* Without JSON_ALLOW_NUL jansson rejects \u0000 in strings; raw NUL
     * bytes are invalid JSON anyway. */
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return fail(err, PROTO_ERR_BAD_JSON, "invalid JSON at line %d, column %d: %s", jerr.line,
                    jerr.column, jerr.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return fail(err, PROTO_ERR_BAD_JSON, "message must be a JSON object");
    }
    if (decode_object(root, max_len, out, err) != 0) {
        json_decref(root);
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->root = root;
    memcpy(out->id_json, err->id_json, sizeof out->id_json);
    memset(err, 0, sizeof *err);
    return 0;
}

void proto_msg_clear(proto_msg *m) {
    if (m->root) json_decref(m->root);
    memset(m, 0, sizeof *m);
}

/* -------------------------------------------------------------- encoders */

/* Attach helpers: each takes ownership of `v` (released on failure) and
 * returns it as a borrowed reference, or NULL. */

static json_t *add(json_t *o, const char *key, json_t *v) {
    if (!v || json_object_set_new(o, key, v) != 0) return NULL;
    return v;
}

static json_t *append(json_t *a, json_t *v) {
    if (!v || json_array_append_new(a, v) != 0) return NULL;
    return v;
}

/* NULL `v` (e.g. an out-of-range enum's name) fails. */
static json_t *add_str(json_t *o, const char *key, const char *v) {
    return v ? add(o, key, json_string(v)) : NULL;
}

/* {"type":type[,"id":id]} or NULL. */
static json_t *msg_new(const char *type, const char *id_json) {
    json_t *o = json_object();
    if (!o || !add_str(o, "type", type)) goto fail;
    if (id_json && id_json[0]) {
        json_t *id = json_loads(id_json, JSON_DECODE_ANY, NULL);
        if (!json_is_string(id) && !json_is_integer(id)) {
            json_decref(id);
            goto fail;
        }
        if (!add(o, "id", id)) goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

/* Dumps and releases `o`; NULL if `ok` is 0 or on failure. */
static char *finish(json_t *o, int ok) {
    char *s = NULL;
    if (o && ok) s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

char *proto_encode_error(proto_err code, const char *message, const char *request,
                         const char *id_json) {
    json_t *o = msg_new("error", id_json);
    if (!o) return NULL;
    char msg[256];
    snprintf(msg, sizeof msg, "%s", message ? message : "");
    sanitize_utf8(msg);
    int ok = add_str(o, "code", proto_err_code(code)) && add_str(o, "message", msg) &&
             add(o, "request", request && request[0] ? json_string(request) : json_null()) &&
             add(o, "fatal", json_boolean(proto_err_fatal_request(code, request)));
    return finish(o, ok);
}

static json_t *participant_json(const proto_participant *p) {
    if (p->n_tracks < 0 || p->n_tracks > PROTO_MAX_TRACKS) return NULL;
    json_t *o = json_object();
    json_t *tracks;
    if (!o || !add_str(o, "id", p->id) || !add_str(o, "name", p->name) ||
        !(tracks = add(o, "tracks", json_array())))
        goto fail;
    for (int i = 0; i < p->n_tracks; i++) {
        json_t *t = append(tracks, json_object());
        if (!t || !add_str(t, "source", proto_source_name(p->tracks[i].source)) ||
            !add(t, "muted", json_boolean(p->tracks[i].muted)))
            goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

char *proto_encode_joined(const char *room, const char *you, const proto_participant *others,
                          size_t n, const char *const *stun_urls, size_t n_urls,
                          size_t max_message_bytes, int room_size, const char *id_json) {
    json_t *o = msg_new("joined", id_json);
    json_t *list, *servers, *limits;
    if (!o || !add(o, "protocol", json_integer(PROTO_VERSION)) || !add_str(o, "room", room) ||
        !add_str(o, "you", you) || !(list = add(o, "participants", json_array())))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (!append(list, participant_json(&others[i]))) goto fail;
    }
    if (!(servers = add(o, "iceServers", json_array()))) goto fail;
    for (size_t i = 0; i < n_urls; i++) {
        json_t *s = append(servers, json_object());
        if (!s || !add_str(s, "urls", stun_urls[i])) goto fail;
    }
    if (!(limits = add(o, "limits", json_object())) ||
        !add(limits, "maxMessageBytes", json_integer((json_int_t)max_message_bytes)) ||
        !add(limits, "roomSize", json_integer(room_size)))
        goto fail;
    return finish(o, 1);
fail:
    json_decref(o);
    return NULL;
}

char *proto_encode_participant_event(const char *type, const proto_participant *p) {
    if (!type ||
        (strcmp(type, "participant-joined") != 0 && strcmp(type, "participant-updated") != 0))
        return NULL;
    json_t *o = msg_new(type, NULL);
    return finish(o, o && add(o, "participant", participant_json(p)));
}

char *proto_encode_participant_left(const char *participant_id) {
    json_t *o = msg_new("participant-left", NULL);
    json_t *p;
    int ok = o && (p = add(o, "participant", json_object())) && add_str(p, "id", participant_id);
    return finish(o, ok);
}

char *proto_encode_publish_answer(const char *sdp, const char *id_json) {
    json_t *o = msg_new("publish-answer", id_json);
    return finish(o, o && add_str(o, "sdp", sdp));
}

static const char *kind_name(proto_kind k) {
    return k == PROTO_KIND_AUDIO ? "audio" : k == PROTO_KIND_VIDEO ? "video" : NULL;
}

char *proto_encode_subscribe_offer(const char *sdp, const proto_sub_track *tracks, size_t n) {
    json_t *o = msg_new("subscribe-offer", NULL);
    json_t *list;
    if (!o || !add_str(o, "sdp", sdp) || !(list = add(o, "tracks", json_array()))) goto fail;
    for (size_t i = 0; i < n; i++) {
        const proto_sub_track *t = &tracks[i];
        json_t *e = append(list, json_object());
        if (!e || !add_str(e, "mid", t->mid) || !add_str(e, "participant", t->participant) ||
            !add_str(e, "source", proto_source_name(t->source)) ||
            !add_str(e, "kind", kind_name(t->kind)))
            goto fail;
    }
    return finish(o, 1);
fail:
    json_decref(o);
    return NULL;
}

char *proto_encode_pong(const char *id_json) {
    json_t *o = msg_new("pong", id_json);
    return finish(o, o != NULL);
}

char *proto_encode_redirect(const char *url, const char *room, const char *reason,
                            const char *id_json) {
    if (!reason || (strcmp(reason, "placement") != 0 && strcmp(reason, "moving") != 0 &&
                    strcmp(reason, "conflict") != 0))
        return NULL;
    json_t *o = msg_new("redirect", id_json);
    return finish(o, o && add_str(o, "url", url) && add_str(o, "room", room) &&
                         add_str(o, "reason", reason));
}
