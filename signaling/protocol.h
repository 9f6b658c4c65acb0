/* The signaling protocol (docs/protocol.md): decoder for client messages and
 * encoders for node messages. Pure: no sockets, no clock, no state beyond one
 * message. Thread-safe (no globals).
 *
 * Decoding checks everything the protocol page says about a message's members
 * and nothing that needs session or room state (not-joined, room-full, ... are
 * the session's business). Errors carry the stable code of the page's table. */
#ifndef RELAIS_PROTOCOL_H
#define RELAIS_PROTOCOL_H

#include <stddef.h>

struct json_t; /* jansson */

#define PROTO_VERSION 1
#define PROTO_MAX_TRACKS 8   /* tracks per participant / per publish */
#define PROTO_NAME_MAX 64    /* room and display name, bytes */
#define PROTO_MID_MAX 32     /* a=mid value, bytes */
#define PROTO_ID_MAX 64      /* bytes of a string `id` */
#define PROTO_PID_SIZE 24    /* participant id buffer ("p123") */
#define PROTO_REQUEST_MAX 32 /* longest `type` echoed as `request` */
/* JSON text of the longest `id`: 64 bytes that all need a \u00XX escape,
 * plus quotes and NUL. */
#define PROTO_ID_JSON_SIZE (PROTO_ID_MAX * 6 + 3)

/* Error codes, exactly the table of docs/protocol.md. */
typedef enum proto_err {
    PROTO_ERR_BAD_JSON = 0,
    PROTO_ERR_BAD_MESSAGE,
    PROTO_ERR_UNKNOWN_TYPE,
    PROTO_ERR_TOO_LARGE,
    PROTO_ERR_PROTOCOL_VERSION,
    PROTO_ERR_NOT_JOINED,
    PROTO_ERR_ALREADY_JOINED,
    PROTO_ERR_BAD_ROOM,
    PROTO_ERR_BAD_NAME,
    PROTO_ERR_ROOM_FULL,
    PROTO_ERR_TOO_MANY_ROOMS,
    PROTO_ERR_RATE_LIMITED,
    PROTO_ERR_BAD_SDP,
    PROTO_ERR_UNSUPPORTED_MEDIA,
    PROTO_ERR_NO_FINGERPRINT,
    PROTO_ERR_NO_CODEC,
    PROTO_ERR_NO_OFFER_PENDING,
    PROTO_ERR_PUBLISH_PENDING,
    PROTO_ERR_FINGERPRINT_MISMATCH,
    PROTO_ERR_DTLS_FAILED,
    PROTO_ERR_ICE_FAILED,
    PROTO_ERR_SHUTTING_DOWN,
    PROTO_ERR_CLUSTER_UNAVAILABLE,
    PROTO_ERR_INTERNAL,
    PROTO_ERR_TOO_MANY_CONNECTIONS,
    PROTO_ERR__COUNT
} proto_err;

/* The stable wire string ("bad-json", ...); "internal" for out-of-range. */
const char *proto_err_code(proto_err e);
/* 1 if the node closes the connection after this error (the table's column).
 * `rate-limited` is fatal only as the answer to a `join`: a refused join
 * leaves the connection with nothing to do, while a refused message of a
 * joined participant must not end its call. */
int proto_err_fatal(proto_err e);
int proto_err_fatal_request(proto_err e, const char *request);

typedef enum proto_type {
    PROTO_JOIN = 0,
    PROTO_PUBLISH,
    PROTO_SUBSCRIBE_ANSWER,
    PROTO_CANDIDATE,
    PROTO_MUTE,
    PROTO_LEAVE,
    PROTO_PING,
    PROTO_TYPE__COUNT
} proto_type;

/* "join", "publish", ...; NULL for out-of-range. */
const char *proto_type_name(proto_type t);

typedef enum proto_source {
    PROTO_SRC_MICROPHONE = 0,
    PROTO_SRC_CAMERA,
    PROTO_SRC_SCREEN,
    PROTO_SRC__COUNT
} proto_source;

/* "microphone", "camera", "screen"; NULL for out-of-range. */
const char *proto_source_name(proto_source s);
/* Exact, case-sensitive match of the NUL-terminated `s`: 0 and *out set, or -1. */
int proto_source_parse(const char *s, proto_source *out);

typedef enum proto_pc { PROTO_PC_PUBLISH = 0, PROTO_PC_SUBSCRIBE } proto_pc;

typedef enum proto_kind { PROTO_KIND_AUDIO = 0, PROTO_KIND_VIDEO } proto_kind;

typedef struct proto_track {
    char mid[PROTO_MID_MAX + 1];
    proto_source source;
} proto_track;

/* One decoded client message. Strings in fixed arrays are NUL-terminated
 * copies; `sdp` and `candidate` point into `root` and stay valid until
 * proto_msg_clear(). All strings are valid UTF-8 without NUL bytes. */
typedef struct proto_msg {
    proto_type type;
    /* The request's `id` as JSON text to echo (`"abc"` with its quotes, or
     * `42`); empty string when the message had none. */
    char id_json[PROTO_ID_JSON_SIZE];
    union {
        struct {
            char room[PROTO_NAME_MAX + 1];
            char name[PROTO_NAME_MAX + 1];
        } join;
        struct {
            const char *sdp;
            size_t sdp_len;
            proto_track tracks[PROTO_MAX_TRACKS];
            int n_tracks;
        } publish;
        struct {
            const char *sdp;
            size_t sdp_len;
        } answer; /* subscribe-answer */
        struct {
            proto_pc pc;
            const char *candidate; /* "" = end of candidates */
            size_t candidate_len;
            char mid[PROTO_MID_MAX + 1]; /* sdpMid, "" if absent or null */
        } candidate;
        struct {
            proto_source source;
            int muted; /* 0 or 1 */
        } mute;
    };
    struct json_t *root; /* owns the parsed document */
} proto_msg;

typedef struct proto_error {
    proto_err code;
    int fatal;
    char message[160]; /* English, names the offending member */
    /* `type` of the message if it was a string of at most PROTO_REQUEST_MAX
     * bytes, else "" (encoded as null). */
    char request[PROTO_REQUEST_MAX + 1];
    char id_json[PROTO_ID_JSON_SIZE]; /* the request's valid `id`, or "" */
} proto_error;

/* Decodes one frame of `len` bytes (need not be NUL-terminated).
 * Returns 0 with *out filled (the caller must proto_msg_clear() it), or -1
 * with *err filled and *out left holding nothing that needs clearing
 * (calling proto_msg_clear() on it is harmless). Frames longer than
 * `max_len` are refused before parsing (too-large, fatal). */
int proto_decode(const char *buf, size_t len, size_t max_len, proto_msg *out, proto_error *err);

/* Releases the parsed document; sdp/candidate pointers become invalid.
 * Safe on a zeroed or already cleared message. */
void proto_msg_clear(proto_msg *m);

/* ---- Encoders. Each returns a malloc'd, NUL-terminated compact JSON text
 * (caller frees), or NULL on out-of-memory or when a string argument is not
 * valid UTF-8. `id_json` is the `id_json` of the decoded request (NULL or ""
 * for none) and is echoed as `id` right after `type`. ---- */

typedef struct proto_track_state {
    proto_source source;
    int muted;
} proto_track_state;

typedef struct proto_participant {
    char id[PROTO_PID_SIZE];
    char name[PROTO_NAME_MAX + 1];
    proto_track_state tracks[PROTO_MAX_TRACKS];
    int n_tracks;
} proto_participant;

typedef struct proto_sub_track {
    char mid[PROTO_MID_MAX + 1];
    char participant[PROTO_PID_SIZE];
    proto_source source;
    proto_kind kind;
} proto_sub_track;

/* {"type":"error","code":…,"message":…,"request":…|null,"fatal":…}; `fatal`
 * comes from the code. `message` bytes that are not valid UTF-8 are replaced
 * by '?'. `request` NULL or "" encodes null. */
char *proto_encode_error(proto_err code, const char *message, const char *request,
                         const char *id_json);

/* `stun_urls` are complete URLs ("stun:127.0.0.1:3478"), one iceServers entry
 * each; n_urls may be 0. */
char *proto_encode_joined(const char *room, const char *you, const proto_participant *others,
                          size_t n, const char *const *stun_urls, size_t n_urls,
                          size_t max_message_bytes, int room_size, const char *id_json);

/* `type` must be "participant-joined" or "participant-updated" (else NULL). */
char *proto_encode_participant_event(const char *type, const proto_participant *p);

char *proto_encode_participant_left(const char *participant_id);

char *proto_encode_publish_answer(const char *sdp, const char *id_json);

char *proto_encode_subscribe_offer(const char *sdp, const proto_sub_track *tracks, size_t n);

char *proto_encode_pong(const char *id_json);

/* {"type":"redirect","id":…,"url":…,"room":…,"reason":…}; `reason` is
 * "placement", "moving" or "conflict" (else NULL). */
char *proto_encode_redirect(const char *url, const char *room, const char *reason,
                            const char *id_json);

#endif
