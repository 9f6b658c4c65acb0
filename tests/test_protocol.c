/* Tests for the signaling protocol codec (signaling/protocol.h). */
#include "signaling/protocol.h"
#include "tests/test.h"

#define MAX 4096

/* Decodes a NUL-terminated frame and expects success; the caller clears. */
static void ok(const char *json, proto_msg *m) {
    proto_error e;
    int rc = proto_decode(json, strlen(json), MAX, m, &e);
    if (rc != 0)
        fprintf(stderr, "unexpected error for %s: %s: %s\n", json, proto_err_code(e.code),
                e.message);
    ASSERT_EQ(rc, 0);
    ASSERT(m->root != NULL);
}

/* Decodes `len` bytes and expects the error; `message` NULL = not checked. */
static void fails_n(const char *buf, size_t len, proto_err code, int fatal, const char *request,
                    const char *message) {
    proto_msg m;
    proto_error e;
    memset(&m, 0x55, sizeof m);
    int rc = proto_decode(buf, len, MAX, &m, &e);
    ASSERT_EQ(rc, -1);
    ASSERT(m.root == NULL);
    if (e.code != code)
        fprintf(stderr, "for %.*s got %s: %s\n", (int)len, buf, proto_err_code(e.code), e.message);
    ASSERT_STR_EQ(proto_err_code(e.code), proto_err_code(code));
    ASSERT_EQ(e.fatal, fatal);
    ASSERT_STR_EQ(e.request, request);
    if (message) ASSERT_STR_EQ(e.message, message);
    proto_msg_clear(&m); /* harmless after a failure */
}

static void fails(const char *json, proto_err code, int fatal, const char *request,
                  const char *message) {
    fails_n(json, strlen(json), code, fatal, request, message);
}

static void test_error_table(void) {
    static const struct {
        proto_err e;
        const char *code;
        int fatal;
    } want[] = {
        {PROTO_ERR_BAD_JSON, "bad-json", 0},
        {PROTO_ERR_BAD_MESSAGE, "bad-message", 0},
        {PROTO_ERR_UNKNOWN_TYPE, "unknown-type", 0},
        {PROTO_ERR_TOO_LARGE, "too-large", 1},
        {PROTO_ERR_PROTOCOL_VERSION, "protocol-version", 1},
        {PROTO_ERR_NOT_JOINED, "not-joined", 0},
        {PROTO_ERR_ALREADY_JOINED, "already-joined", 0},
        {PROTO_ERR_BAD_ROOM, "bad-room", 0},
        {PROTO_ERR_BAD_NAME, "bad-name", 0},
        {PROTO_ERR_ROOM_FULL, "room-full", 0},
        {PROTO_ERR_TOO_MANY_ROOMS, "too-many-rooms", 0},
        {PROTO_ERR_RATE_LIMITED, "rate-limited", 1},
        {PROTO_ERR_BAD_SDP, "bad-sdp", 0},
        {PROTO_ERR_UNSUPPORTED_MEDIA, "unsupported-media", 0},
        {PROTO_ERR_NO_FINGERPRINT, "no-fingerprint", 0},
        {PROTO_ERR_NO_CODEC, "no-codec", 0},
        {PROTO_ERR_NO_OFFER_PENDING, "no-offer-pending", 0},
        {PROTO_ERR_PUBLISH_PENDING, "publish-pending", 0},
        {PROTO_ERR_FINGERPRINT_MISMATCH, "fingerprint-mismatch", 0},
        {PROTO_ERR_DTLS_FAILED, "dtls-failed", 0},
        {PROTO_ERR_ICE_FAILED, "ice-failed", 0},
        {PROTO_ERR_SHUTTING_DOWN, "shutting-down", 1},
        {PROTO_ERR_CLUSTER_UNAVAILABLE, "cluster-unavailable", 0},
        {PROTO_ERR_INTERNAL, "internal", 0},
        {PROTO_ERR_TOO_MANY_CONNECTIONS, "too-many-connections", 1},
    };
    ASSERT_EQ(sizeof want / sizeof want[0], PROTO_ERR__COUNT);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ASSERT_STR_EQ(proto_err_code(want[i].e), want[i].code);
        ASSERT_EQ(proto_err_fatal(want[i].e), want[i].fatal);
        if (want[i].e != PROTO_ERR_RATE_LIMITED)
            ASSERT_EQ(proto_err_fatal_request(want[i].e, "mute"), want[i].fatal);
    }
    ASSERT_STR_EQ(proto_err_code(PROTO_ERR__COUNT), "internal");
    ASSERT_STR_EQ(proto_err_code((proto_err)-1), "internal");
}

static void test_names(void) {
    ASSERT_STR_EQ(proto_source_name(PROTO_SRC_MICROPHONE), "microphone");
    ASSERT_STR_EQ(proto_source_name(PROTO_SRC_CAMERA), "camera");
    ASSERT_STR_EQ(proto_source_name(PROTO_SRC_SCREEN), "screen");
    ASSERT(proto_source_name(PROTO_SRC__COUNT) == NULL);
    proto_source s = PROTO_SRC_MICROPHONE;
    ASSERT_EQ(proto_source_parse("screen", &s), 0);
    ASSERT_EQ(s, PROTO_SRC_SCREEN);
    ASSERT_EQ(proto_source_parse("Screen", &s), -1);
    ASSERT_EQ(proto_source_parse("", &s), -1);
    ASSERT_STR_EQ(proto_type_name(PROTO_JOIN), "join");
    ASSERT_STR_EQ(proto_type_name(PROTO_SUBSCRIBE_ANSWER), "subscribe-answer");
    ASSERT_STR_EQ(proto_type_name(PROTO_PING), "ping");
    ASSERT(proto_type_name(PROTO_TYPE__COUNT) == NULL);
}

static void test_too_large(void) {
    char buf[64];
    snprintf(buf, sizeof buf, "{\"type\":\"ping\"}");
    proto_msg m;
    proto_error e;
    ASSERT_EQ(proto_decode(buf, strlen(buf), strlen(buf), &m, &e), 0);
    proto_msg_clear(&m);
    ASSERT_EQ(proto_decode(buf, strlen(buf), strlen(buf) - 1, &m, &e), -1);
    ASSERT_EQ(e.code, PROTO_ERR_TOO_LARGE);
    ASSERT_EQ(e.fatal, 1);
    ASSERT_STR_EQ(e.request, ""); /* refused before parsing */
    ASSERT_STR_EQ(e.id_json, "");
    ASSERT_STR_EQ(e.message, "message of 15 bytes exceeds the limit of 14 bytes");
    /* Checked before parsing: garbage gets too-large, not bad-json. */
    ASSERT_EQ(proto_decode("xxxxxxxx", 8, 4, &m, &e), -1);
    ASSERT_EQ(e.code, PROTO_ERR_TOO_LARGE);
}

static void test_bad_json(void) {
    fails("", PROTO_ERR_BAD_JSON, 0, "", NULL);
    fails("{", PROTO_ERR_BAD_JSON, 0, "", NULL);
    fails("{\"type\":\"ping\"} x", PROTO_ERR_BAD_JSON, 0, "", NULL);
    fails("{\"type\":\"ping\",}", PROTO_ERR_BAD_JSON, 0, "", NULL);
    fails("ping", PROTO_ERR_BAD_JSON, 0, "", NULL);
    fails("[{\"type\":\"ping\"}]", PROTO_ERR_BAD_JSON, 0, "", "message must be a JSON object");
    fails("\"ping\"", PROTO_ERR_BAD_JSON, 0, "", NULL);
    fails("42", PROTO_ERR_BAD_JSON, 0, "", NULL);
    fails("null", PROTO_ERR_BAD_JSON, 0, "", NULL);
    fails("{\"type\":\"ping\",\"type\":\"ping\"}", PROTO_ERR_BAD_JSON, 0, "",
          "invalid JSON at line 1, column 21: duplicate object key near '\"type\"'");
    /* Integers beyond 64 bits are a jansson parse error. */
    fails("{\"type\":\"ping\",\"id\":99999999999999999999}", PROTO_ERR_BAD_JSON, 0, "", NULL);
    /* NUL bytes: raw, and escaped. */
    fails_n("{\"type\":\"ping\"}\0", 16, PROTO_ERR_BAD_JSON, 0, "", NULL);
    fails_n("{\"type\":\"pi\0ng\"}", 16, PROTO_ERR_BAD_JSON, 0, "", NULL);
    fails("{\"type\":\"join\",\"room\":\"a\\u0000b\",\"name\":\"x\"}", PROTO_ERR_BAD_JSON, 0, "",
          NULL);
}

static void test_utf8(void) {
    /* Invalid bytes, overlong forms, encoded surrogates, beyond U+10FFFF,
     * truncated sequences, lone escaped surrogates: all rejected by jansson. */
    static const char *bad[] = {
        "\xff",         "\xc0\xaf",         "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
        "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3",         "\xe2\x82",
        "\x80",         "\\ud800",          "\\udc00x",     "\xf8\x88\x80\x80\x80",
    };
    char buf[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":\"r\",\"name\":\"a%sb\"}", bad[i]);
        fails(buf, PROTO_ERR_BAD_JSON, 0, "", NULL);
    }
    /* The error message stays valid UTF-8 even when jansson quotes the bytes. */
    proto_msg m;
    proto_error e;
    const char *j = "{\"type\":\xff}";
    ASSERT_EQ(proto_decode(j, strlen(j), MAX, &m, &e), -1);
    for (const char *p = e.message; *p; p++)
        ASSERT((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
    char *enc = proto_encode_error(e.code, e.message, e.request, e.id_json);
    ASSERT(enc != NULL);
    free(enc);

    /* Valid multi-byte names, raw and escaped, including a pair escape. */
    ok("{\"type\":\"join\",\"room\":\"caf\xc3\xa9\",\"name\":\"\\u00e9\\ud83d\\ude00 "
       "\xe2\x82\xac\"}",
       &m);
    ASSERT_STR_EQ(m.join.room, "caf\xc3\xa9");
    ASSERT_STR_EQ(m.join.name, "\xc3\xa9\xf0\x9f\x98\x80 \xe2\x82\xac");
    proto_msg_clear(&m);
    ASSERT(m.root == NULL);
    proto_msg_clear(&m); /* twice is fine */
}

static void test_type_and_id(void) {
    fails("{}", PROTO_ERR_BAD_MESSAGE, 0, "", "member 'type' must be a string");
    fails("{\"type\":7}", PROTO_ERR_BAD_MESSAGE, 0, "", "member 'type' must be a string");
    fails("{\"type\":null}", PROTO_ERR_BAD_MESSAGE, 0, "", "member 'type' must be a string");
    fails("{\"type\":\"hello\"}", PROTO_ERR_UNKNOWN_TYPE, 0, "hello",
          "unknown message type 'hello'");
    fails("{\"type\":\"\"}", PROTO_ERR_UNKNOWN_TYPE, 0, "", "unknown message type");
    fails("{\"type\":\"JOIN\"}", PROTO_ERR_UNKNOWN_TYPE, 0, "JOIN", NULL);
    /* A type of 32 bytes is echoed, 33 is not. */
    fails("{\"type\":\"abcdefghijklmnopqrstuvwxyz012345\"}", PROTO_ERR_UNKNOWN_TYPE, 0,
          "abcdefghijklmnopqrstuvwxyz012345", NULL);
    fails("{\"type\":\"abcdefghijklmnopqrstuvwxyz0123456\"}", PROTO_ERR_UNKNOWN_TYPE, 0, "",
          "unknown message type");

    const char *idmsg = "member 'id' must be a string of at most 64 bytes or an integer";
    fails("{\"type\":\"ping\",\"id\":1.5}", PROTO_ERR_BAD_MESSAGE, 0, "ping", idmsg);
    fails("{\"type\":\"ping\",\"id\":true}", PROTO_ERR_BAD_MESSAGE, 0, "ping", idmsg);
    fails("{\"type\":\"ping\",\"id\":null}", PROTO_ERR_BAD_MESSAGE, 0, "ping", idmsg);
    fails("{\"type\":\"ping\",\"id\":[1]}", PROTO_ERR_BAD_MESSAGE, 0, "ping", idmsg);
    fails("{\"type\":\"ping\",\"id\":"
          "\"01234567890123456789012345678901234567890123456789012345678901234\"}",
          PROTO_ERR_BAD_MESSAGE, 0, "ping", idmsg);

    proto_msg m;
    ok("{\"type\":\"ping\"}", &m);
    ASSERT_EQ(m.type, PROTO_PING);
    ASSERT_STR_EQ(m.id_json, "");
    proto_msg_clear(&m);
    ok("{\"type\":\"ping\",\"id\":42}", &m);
    ASSERT_STR_EQ(m.id_json, "42");
    proto_msg_clear(&m);
    ok("{\"id\":-7,\"type\":\"ping\"}", &m);
    ASSERT_STR_EQ(m.id_json, "-7");
    proto_msg_clear(&m);
    ok("{\"type\":\"ping\",\"id\":\"\"}", &m);
    ASSERT_STR_EQ(m.id_json, "\"\"");
    proto_msg_clear(&m);
    ok("{\"type\":\"ping\",\"id\":\"a\\\"b\\\\c\\u0001\xc3\xa9\"}", &m);
    ASSERT_STR_EQ(m.id_json, "\"a\\\"b\\\\c\\u0001\xc3\xa9\"");
    proto_msg_clear(&m);
    /* 64 bytes that each need a 6-byte escape still fit. */
    char big[512] = "{\"type\":\"ping\",\"id\":\"";
    for (int i = 0; i < 64; i++)
        strcat(big, "\\u0001");
    strcat(big, "\"}");
    ok(big, &m);
    ASSERT_EQ(strlen(m.id_json), 64 * 6 + 2);
    char *pong = proto_encode_pong(m.id_json);
    ASSERT(pong != NULL);
    ASSERT_EQ(strlen(pong), strlen("{\"type\":\"pong\",\"id\":}") + 64 * 6 + 2);
    free(pong);
    proto_msg_clear(&m);

    /* The id of a failing message is kept for the error's echo. */
    proto_error e;
    const char *j = "{\"type\":\"mute\",\"id\":\"m1\",\"source\":\"camera\"}";
    ASSERT_EQ(proto_decode(j, strlen(j), MAX, &m, &e), -1);
    ASSERT_STR_EQ(e.id_json, "\"m1\"");
    ASSERT_STR_EQ(e.request, "mute");
    j = "{\"type\":5,\"id\":3}";
    ASSERT_EQ(proto_decode(j, strlen(j), MAX, &m, &e), -1);
    ASSERT_STR_EQ(e.id_json, "3");
    ASSERT_STR_EQ(e.request, "");
    j = "{\"type\":\"nope\",\"id\":3}";
    ASSERT_EQ(proto_decode(j, strlen(j), MAX, &m, &e), -1);
    ASSERT_EQ(e.code, PROTO_ERR_UNKNOWN_TYPE);
    ASSERT_STR_EQ(e.id_json, "3");
}

static void test_join(void) {
    proto_msg m;
    ok("{\"type\":\"join\",\"room\":\"board\",\"name\":\"Anna K\"}", &m);
    ASSERT_EQ(m.type, PROTO_JOIN);
    ASSERT_STR_EQ(m.join.room, "board");
    ASSERT_STR_EQ(m.join.name, "Anna K");
    proto_msg_clear(&m);
    ok("{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\",\"protocol\":1,\"extra\":{\"x\":[]}}", &m);
    proto_msg_clear(&m);
    ok("{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\",\"protocol\":1.0}", &m);
    proto_msg_clear(&m);

    const char *pv = "member 'protocol' must be 1, the version this node speaks";
    fails("{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\",\"protocol\":2}",
          PROTO_ERR_PROTOCOL_VERSION, 1, "join", pv);
    fails("{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\",\"protocol\":\"1\"}",
          PROTO_ERR_PROTOCOL_VERSION, 1, "join", pv);
    fails("{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\",\"protocol\":null}",
          PROTO_ERR_PROTOCOL_VERSION, 1, "join", pv);
    /* The version is checked before the names. */
    fails("{\"type\":\"join\",\"protocol\":0}", PROTO_ERR_PROTOCOL_VERSION, 1, "join", pv);

    fails("{\"type\":\"join\",\"name\":\"n\"}", PROTO_ERR_BAD_MESSAGE, 0, "join",
          "member 'room' must be a string of 1-64 bytes");
    fails("{\"type\":\"join\",\"room\":5,\"name\":\"n\"}", PROTO_ERR_BAD_MESSAGE, 0, "join",
          "member 'room' must be a string of 1-64 bytes");
    fails("{\"type\":\"join\",\"room\":\"r\"}", PROTO_ERR_BAD_MESSAGE, 0, "join",
          "member 'name' must be a string of 1-64 bytes");
    fails("{\"type\":\"join\",\"room\":\"\",\"name\":\"n\"}", PROTO_ERR_BAD_ROOM, 0, "join",
          "member 'room' must be a string of 1-64 bytes");
    fails("{\"type\":\"join\",\"room\":\"r\",\"name\":\"\"}", PROTO_ERR_BAD_NAME, 0, "join",
          "member 'name' must be a string of 1-64 bytes");

    /* 64 bytes pass, 65 do not; multi-byte characters count in bytes. */
    char buf[256];
    const char *s64 = "0123456789012345678901234567890123456789012345678901234567890123";
    snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":\"%s\",\"name\":\"%s\"}", s64, s64);
    ok(buf, &m);
    ASSERT_STR_EQ(m.join.room, s64);
    ASSERT_STR_EQ(m.join.name, s64);
    proto_msg_clear(&m);
    snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":\"%sx\",\"name\":\"n\"}", s64);
    fails(buf, PROTO_ERR_BAD_ROOM, 0, "join", NULL);
    snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":\"r\",\"name\":\"%sx\"}", s64);
    fails(buf, PROTO_ERR_BAD_NAME, 0, "join", NULL);
    char euros[80] = "";
    for (int i = 0; i < 21; i++)
        strcat(euros, "\xe2\x82\xac"); /* 63 bytes */
    snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":\"%sx\",\"name\":\"n\"}", euros);
    ok(buf, &m);
    proto_msg_clear(&m);
    snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":\"%s\xc3\xa9\",\"name\":\"n\"}", euros);
    fails(buf, PROTO_ERR_BAD_ROOM, 0, "join", NULL);

    /* Control characters and edge spaces. */
    const char *ctl = "member 'name' must not contain control characters";
    fails("{\"type\":\"join\",\"room\":\"r\",\"name\":\"a\\tb\"}", PROTO_ERR_BAD_NAME, 0, "join",
          ctl);
    fails("{\"type\":\"join\",\"room\":\"r\",\"name\":\"a\\u001fb\"}", PROTO_ERR_BAD_NAME, 0,
          "join", ctl);
    fails("{\"type\":\"join\",\"room\":\"r\",\"name\":\"a\x7f\"}", PROTO_ERR_BAD_NAME, 0, "join",
          ctl);
    fails("{\"type\":\"join\",\"room\":\"r\",\"name\":\"a\\u007f\"}", PROTO_ERR_BAD_NAME, 0, "join",
          ctl);
    fails("{\"type\":\"join\",\"room\":\"r\\n\",\"name\":\"n\"}", PROTO_ERR_BAD_ROOM, 0, "join",
          "member 'room' must not contain control characters");
    fails("{\"type\":\"join\",\"room\":\" r\",\"name\":\"n\"}", PROTO_ERR_BAD_ROOM, 0, "join",
          "member 'room' must not start or end with a space");
    fails("{\"type\":\"join\",\"room\":\"r\",\"name\":\"n \"}", PROTO_ERR_BAD_NAME, 0, "join",
          "member 'name' must not start or end with a space");
    fails("{\"type\":\"join\",\"room\":\"r\",\"name\":\" \"}", PROTO_ERR_BAD_NAME, 0, "join", NULL);
    /* Raw control bytes inside a JSON string are invalid JSON already. */
    fails("{\"type\":\"join\",\"room\":\"r\",\"name\":\"a\tb\"}", PROTO_ERR_BAD_JSON, 0, "", NULL);
}

static void test_publish(void) {
    proto_msg m;
    ok("{\"type\":\"publish\",\"id\":1,\"sdp\":\"v=0\\r\\n\",\"tracks\":["
       "{\"mid\":\"0\",\"source\":\"microphone\"},{\"mid\":\"1\",\"source\":\"camera\"},"
       "{\"mid\":\"scr-1\",\"source\":\"screen\",\"extra\":1}]}",
       &m);
    ASSERT_EQ(m.type, PROTO_PUBLISH);
    ASSERT_STR_EQ(m.id_json, "1");
    ASSERT_STR_EQ(m.publish.sdp, "v=0\r\n");
    ASSERT_EQ(m.publish.sdp_len, 5);
    ASSERT_EQ(m.publish.n_tracks, 3);
    ASSERT_STR_EQ(m.publish.tracks[0].mid, "0");
    ASSERT_EQ(m.publish.tracks[0].source, PROTO_SRC_MICROPHONE);
    ASSERT_STR_EQ(m.publish.tracks[1].mid, "1");
    ASSERT_EQ(m.publish.tracks[1].source, PROTO_SRC_CAMERA);
    ASSERT_STR_EQ(m.publish.tracks[2].mid, "scr-1");
    ASSERT_EQ(m.publish.tracks[2].source, PROTO_SRC_SCREEN);
    proto_msg_clear(&m);

    ok("{\"type\":\"publish\",\"sdp\":\"v=0\",\"tracks\":[]}", &m);
    ASSERT_EQ(m.publish.n_tracks, 0);
    proto_msg_clear(&m);

    char buf[1024];
    strcpy(buf, "{\"type\":\"publish\",\"sdp\":\"v=0\",\"tracks\":[");
    for (int i = 0; i < 8; i++)
        sprintf(buf + strlen(buf), "%s{\"mid\":\"%d\",\"source\":\"camera\"}", i ? "," : "", i);
    strcat(buf, "]}");
    ok(buf, &m);
    ASSERT_EQ(m.publish.n_tracks, 8);
    ASSERT_STR_EQ(m.publish.tracks[7].mid, "7");
    proto_msg_clear(&m);
    strcpy(buf + strlen(buf) - 2, ",{\"mid\":\"8\",\"source\":\"camera\"}]}");
    fails(buf, PROTO_ERR_BAD_MESSAGE, 0, "publish",
          "member 'tracks' must be an array of at most 8 tracks");

    const char *sdpmsg = "member 'sdp' must be a non-empty string of at most 4096 bytes";
    fails("{\"type\":\"publish\",\"tracks\":[]}", PROTO_ERR_BAD_MESSAGE, 0, "publish", sdpmsg);
    fails("{\"type\":\"publish\",\"sdp\":\"\",\"tracks\":[]}", PROTO_ERR_BAD_MESSAGE, 0, "publish",
          sdpmsg);
    fails("{\"type\":\"publish\",\"sdp\":{},\"tracks\":[]}", PROTO_ERR_BAD_MESSAGE, 0, "publish",
          sdpmsg);
    fails("{\"type\":\"publish\",\"sdp\":\"v=0\"}", PROTO_ERR_BAD_MESSAGE, 0, "publish",
          "member 'tracks' must be an array of at most 8 tracks");
    fails("{\"type\":\"publish\",\"sdp\":\"v=0\",\"tracks\":{}}", PROTO_ERR_BAD_MESSAGE, 0,
          "publish", NULL);
    fails("{\"type\":\"publish\",\"sdp\":\"v=0\",\"tracks\":[\"0\"]}", PROTO_ERR_BAD_MESSAGE, 0,
          "publish", "member 'tracks[0]' must be an object");
    const char *midmsg =
        "member 'tracks[1].mid' must be a string of 1-32 printable bytes without spaces";
    const char *pre = "{\"type\":\"publish\",\"sdp\":\"v=0\",\"tracks\":[{\"mid\":\"a\",\"source\":"
                      "\"camera\"},";
    static const char *bad_tracks[] = {
        "{\"source\":\"camera\"}",
        "{\"mid\":\"\",\"source\":\"camera\"}",
        "{\"mid\":\"a b\",\"source\":\"camera\"}",
        "{\"mid\":1,\"source\":\"camera\"}",
        "{\"mid\":\"\xc3\xa9\",\"source\":\"camera\"}",
        "{\"mid\":\"\\u007f\",\"source\":\"camera\"}",
        "{\"mid\":\"012345678901234567890123456789012\",\"source\":\"camera\"}",
    };
    for (size_t i = 0; i < sizeof bad_tracks / sizeof bad_tracks[0]; i++) {
        snprintf(buf, sizeof buf, "%s%s]}", pre, bad_tracks[i]);
        fails(buf, PROTO_ERR_BAD_MESSAGE, 0, "publish", midmsg);
    }
    snprintf(buf, sizeof buf, "%s%s]}", pre,
             "{\"mid\":\"01234567890123456789012345678901\",\"source\":\"camera\"}");
    ok(buf, &m);
    ASSERT_STR_EQ(m.publish.tracks[1].mid, "01234567890123456789012345678901");
    proto_msg_clear(&m);
    const char *srcmsg = "member 'tracks[1].source' must be 'microphone', 'camera' or 'screen'";
    snprintf(buf, sizeof buf, "%s%s]}", pre, "{\"mid\":\"b\",\"source\":\"webcam\"}");
    fails(buf, PROTO_ERR_BAD_MESSAGE, 0, "publish", srcmsg);
    snprintf(buf, sizeof buf, "%s%s]}", pre, "{\"mid\":\"b\"}");
    fails(buf, PROTO_ERR_BAD_MESSAGE, 0, "publish", srcmsg);
    snprintf(buf, sizeof buf, "%s%s]}", pre, "{\"mid\":\"a\",\"source\":\"screen\"}");
    fails(buf, PROTO_ERR_BAD_MESSAGE, 0, "publish",
          "member 'tracks[1].mid' repeats the mid of tracks[0]");
    /* Two tracks of one source are allowed. */
    snprintf(buf, sizeof buf, "%s%s]}", pre, "{\"mid\":\"b\",\"source\":\"camera\"}");
    ok(buf, &m);
    proto_msg_clear(&m);
}

static void test_sdp_limit(void) {
    /* The sdp bound is max_len; escapes make the string shorter than the frame. */
    const char *j = "{\"type\":\"subscribe-answer\",\"sdp\":\"0123456789\"}";
    proto_msg m;
    proto_error e;
    ASSERT_EQ(proto_decode(j, strlen(j), strlen(j), &m, &e), 0);
    ASSERT_EQ(m.type, PROTO_SUBSCRIBE_ANSWER);
    ASSERT_STR_EQ(m.answer.sdp, "0123456789");
    ASSERT_EQ(m.answer.sdp_len, 10);
    proto_msg_clear(&m);
    fails("{\"type\":\"subscribe-answer\"}", PROTO_ERR_BAD_MESSAGE, 0, "subscribe-answer",
          "member 'sdp' must be a non-empty string of at most 4096 bytes");
    fails("{\"type\":\"subscribe-answer\",\"sdp\":1}", PROTO_ERR_BAD_MESSAGE, 0, "subscribe-answer",
          NULL);
}

static void test_candidate(void) {
    proto_msg m;
    ok("{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":\"candidate:1 1 udp 2122260223 "
       "127.0.0.1 5000 typ host\",\"sdpMid\":\"0\"}",
       &m);
    ASSERT_EQ(m.type, PROTO_CANDIDATE);
    ASSERT_EQ(m.candidate.pc, PROTO_PC_PUBLISH);
    ASSERT_STR_EQ(m.candidate.candidate, "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host");
    ASSERT_EQ(m.candidate.candidate_len, strlen(m.candidate.candidate));
    ASSERT_STR_EQ(m.candidate.mid, "0");
    proto_msg_clear(&m);
    ok("{\"type\":\"candidate\",\"pc\":\"subscribe\",\"candidate\":\"\",\"sdpMid\":null}", &m);
    ASSERT_EQ(m.candidate.pc, PROTO_PC_SUBSCRIBE);
    ASSERT_STR_EQ(m.candidate.candidate, "");
    ASSERT_EQ(m.candidate.candidate_len, 0);
    ASSERT_STR_EQ(m.candidate.mid, "");
    proto_msg_clear(&m);
    ok("{\"type\":\"candidate\",\"pc\":\"subscribe\",\"candidate\":\"\"}", &m);
    ASSERT_STR_EQ(m.candidate.mid, "");
    proto_msg_clear(&m);

    const char *pcmsg = "member 'pc' must be 'publish' or 'subscribe'";
    fails("{\"type\":\"candidate\",\"candidate\":\"\"}", PROTO_ERR_BAD_MESSAGE, 0, "candidate",
          pcmsg);
    fails("{\"type\":\"candidate\",\"pc\":\"both\",\"candidate\":\"\"}", PROTO_ERR_BAD_MESSAGE, 0,
          "candidate", pcmsg);
    fails("{\"type\":\"candidate\",\"pc\":1,\"candidate\":\"\"}", PROTO_ERR_BAD_MESSAGE, 0,
          "candidate", pcmsg);
    fails("{\"type\":\"candidate\",\"pc\":\"publish\"}", PROTO_ERR_BAD_MESSAGE, 0, "candidate",
          "member 'candidate' must be a string");
    fails("{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":null}", PROTO_ERR_BAD_MESSAGE,
          0, "candidate", "member 'candidate' must be a string");
    const char *midmsg =
        "member 'sdpMid' must be null or a string of 1-32 printable bytes without spaces";
    fails("{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":\"\",\"sdpMid\":0}",
          PROTO_ERR_BAD_MESSAGE, 0, "candidate", midmsg);
    fails("{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":\"\",\"sdpMid\":\"\"}",
          PROTO_ERR_BAD_MESSAGE, 0, "candidate", midmsg);
}

static void test_mute_leave_ping(void) {
    proto_msg m;
    ok("{\"type\":\"mute\",\"source\":\"camera\",\"muted\":true}", &m);
    ASSERT_EQ(m.type, PROTO_MUTE);
    ASSERT_EQ(m.mute.source, PROTO_SRC_CAMERA);
    ASSERT_EQ(m.mute.muted, 1);
    proto_msg_clear(&m);
    ok("{\"type\":\"mute\",\"source\":\"microphone\",\"muted\":false}", &m);
    ASSERT_EQ(m.mute.source, PROTO_SRC_MICROPHONE);
    ASSERT_EQ(m.mute.muted, 0);
    proto_msg_clear(&m);
    fails("{\"type\":\"mute\",\"muted\":true}", PROTO_ERR_BAD_MESSAGE, 0, "mute",
          "member 'source' must be 'microphone', 'camera' or 'screen'");
    fails("{\"type\":\"mute\",\"source\":\"Camera\",\"muted\":true}", PROTO_ERR_BAD_MESSAGE, 0,
          "mute", "member 'source' must be 'microphone', 'camera' or 'screen'");
    fails("{\"type\":\"mute\",\"source\":\"camera\"}", PROTO_ERR_BAD_MESSAGE, 0, "mute",
          "member 'muted' must be a boolean");
    fails("{\"type\":\"mute\",\"source\":\"camera\",\"muted\":1}", PROTO_ERR_BAD_MESSAGE, 0, "mute",
          "member 'muted' must be a boolean");
    fails("{\"type\":\"mute\",\"source\":\"camera\",\"muted\":\"true\"}", PROTO_ERR_BAD_MESSAGE, 0,
          "mute", "member 'muted' must be a boolean");

    ok("{\"type\":\"leave\",\"room\":5}", &m); /* unknown members are ignored */
    ASSERT_EQ(m.type, PROTO_LEAVE);
    proto_msg_clear(&m);
    ok(" {\"type\" : \"ping\", \"id\" : \"p-1\"}\n", &m);
    ASSERT_EQ(m.type, PROTO_PING);
    ASSERT_STR_EQ(m.id_json, "\"p-1\"");
    proto_msg_clear(&m);
}

static void expect_str(char *got, const char *want) {
    ASSERT(got != NULL);
    ASSERT_STR_EQ(got, want);
    free(got);
}

static void test_encode_error(void) {
    expect_str(
        proto_encode_error(PROTO_ERR_ROOM_FULL, "room is full (100 participants)", "join", NULL),
        "{\"type\":\"error\",\"code\":\"room-full\",\"message\":\"room is full (100 "
        "participants)\",\"request\":\"join\",\"fatal\":false}");
    expect_str(proto_encode_error(PROTO_ERR_TOO_LARGE, "big", NULL, ""),
               "{\"type\":\"error\",\"code\":\"too-large\",\"message\":\"big\",\"request\":null,"
               "\"fatal\":true}");
    expect_str(proto_encode_error(PROTO_ERR_BAD_NAME, "x", "", "\"a\\\"b\""),
               "{\"type\":\"error\",\"id\":\"a\\\"b\",\"code\":\"bad-name\",\"message\":\"x\","
               "\"request\":null,\"fatal\":false}");
    /* rate-limited ends the connection only as the answer to a join. */
    ASSERT_EQ(proto_err_fatal_request(PROTO_ERR_RATE_LIMITED, "join"), 1);
    ASSERT_EQ(proto_err_fatal_request(PROTO_ERR_RATE_LIMITED, "mute"), 0);
    ASSERT_EQ(proto_err_fatal_request(PROTO_ERR_RATE_LIMITED, NULL), 0);
    expect_str(proto_encode_error(PROTO_ERR_RATE_LIMITED, "slow down", "mute", NULL),
               "{\"type\":\"error\",\"code\":\"rate-limited\",\"message\":\"slow down\","
               "\"request\":\"mute\",\"fatal\":false}");
    expect_str(proto_encode_error(PROTO_ERR_RATE_LIMITED, "wait", "join", NULL),
               "{\"type\":\"error\",\"code\":\"rate-limited\",\"message\":\"wait\","
               "\"request\":\"join\",\"fatal\":true}");
    expect_str(proto_encode_error(PROTO_ERR_INTERNAL, "bad \xff byte \xc3", "ping", "12"),
               "{\"type\":\"error\",\"id\":12,\"code\":\"internal\",\"message\":\"bad ? byte ?\","
               "\"request\":\"ping\",\"fatal\":false}");
    expect_str(proto_encode_error(PROTO_ERR_SHUTTING_DOWN, NULL, NULL, NULL),
               "{\"type\":\"error\",\"code\":\"shutting-down\",\"message\":\"\",\"request\":null,"
               "\"fatal\":true}");
    /* An id that is not a JSON string or integer is a caller bug. */
    ASSERT(proto_encode_error(PROTO_ERR_INTERNAL, "x", NULL, "{}") == NULL);
    ASSERT(proto_encode_error(PROTO_ERR_INTERNAL, "x", NULL, "1.5") == NULL);
    ASSERT(proto_encode_error(PROTO_ERR_INTERNAL, "x", NULL, "nope") == NULL);

    /* Round trip: a decode error encodes with its request and id. */
    proto_msg m;
    proto_error e;
    const char *j = "{\"type\":\"join\",\"id\":\"j\",\"room\":\"r\",\"name\":\"\"}";
    ASSERT_EQ(proto_decode(j, strlen(j), MAX, &m, &e), -1);
    expect_str(proto_encode_error(e.code, e.message, e.request, e.id_json),
               "{\"type\":\"error\",\"id\":\"j\",\"code\":\"bad-name\",\"message\":\"member "
               "'name' must be a string of 1-64 bytes\",\"request\":\"join\",\"fatal\":false}");
}

static proto_participant anna(void) {
    proto_participant p = {.id = "p3", .name = "Anna", .n_tracks = 2};
    p.tracks[0] = (proto_track_state){PROTO_SRC_MICROPHONE, 0};
    p.tracks[1] = (proto_track_state){PROTO_SRC_CAMERA, 1};
    return p;
}

static void test_encode_joined(void) {
    proto_participant others[2] = {anna(), {.id = "p9", .name = "B\"en", .n_tracks = 0}};
    const char *urls[] = {"stun:127.0.0.1:3478", "stun:[::1]:3478"};
    expect_str(proto_encode_joined("board", "p7", others, 1, urls, 1, 262144, 100, NULL),
               "{\"type\":\"joined\",\"protocol\":1,\"room\":\"board\",\"you\":\"p7\","
               "\"participants\":[{\"id\":\"p3\",\"name\":\"Anna\",\"tracks\":[{\"source\":"
               "\"microphone\",\"muted\":false},{\"source\":\"camera\",\"muted\":true}]}],"
               "\"iceServers\":[{\"urls\":\"stun:127.0.0.1:3478\"}],"
               "\"limits\":{\"maxMessageBytes\":262144,\"roomSize\":100}}");
    expect_str(proto_encode_joined("r\xc3\xa9", "p1", others, 2, urls, 2, 1024, 2, "5"),
               "{\"type\":\"joined\",\"id\":5,\"protocol\":1,\"room\":\"r\xc3\xa9\",\"you\":"
               "\"p1\",\"participants\":[{\"id\":\"p3\",\"name\":\"Anna\",\"tracks\":[{"
               "\"source\":\"microphone\",\"muted\":false},{\"source\":\"camera\",\"muted\":"
               "true}]},{\"id\":\"p9\",\"name\":\"B\\\"en\",\"tracks\":[]}],\"iceServers\":[{"
               "\"urls\":\"stun:127.0.0.1:3478\"},{\"urls\":\"stun:[::1]:3478\"}],\"limits\":{"
               "\"maxMessageBytes\":1024,\"roomSize\":2}}");
    expect_str(proto_encode_joined("r", "p1", NULL, 0, NULL, 0, 262144, 100, ""),
               "{\"type\":\"joined\",\"protocol\":1,\"room\":\"r\",\"you\":\"p1\","
               "\"participants\":[],\"iceServers\":[],\"limits\":{\"maxMessageBytes\":262144,"
               "\"roomSize\":100}}");
    /* Invalid input: bad UTF-8, bad enum, bad track count. */
    ASSERT(proto_encode_joined("\xff", "p1", NULL, 0, NULL, 0, 1, 1, NULL) == NULL);
    proto_participant bad = anna();
    bad.tracks[1].source = PROTO_SRC__COUNT;
    ASSERT(proto_encode_joined("r", "p1", &bad, 1, NULL, 0, 1, 1, NULL) == NULL);
    bad = anna();
    bad.n_tracks = 9;
    ASSERT(proto_encode_joined("r", "p1", &bad, 1, NULL, 0, 1, 1, NULL) == NULL);
}

static void test_encode_events(void) {
    proto_participant p = anna();
    expect_str(proto_encode_participant_event("participant-joined", &p),
               "{\"type\":\"participant-joined\",\"participant\":{\"id\":\"p3\",\"name\":"
               "\"Anna\",\"tracks\":[{\"source\":\"microphone\",\"muted\":false},{\"source\":"
               "\"camera\",\"muted\":true}]}}");
    p.n_tracks = 1;
    p.tracks[0] = (proto_track_state){PROTO_SRC_SCREEN, 0};
    expect_str(proto_encode_participant_event("participant-updated", &p),
               "{\"type\":\"participant-updated\",\"participant\":{\"id\":\"p3\",\"name\":"
               "\"Anna\",\"tracks\":[{\"source\":\"screen\",\"muted\":false}]}}");
    ASSERT(proto_encode_participant_event("participant-left", &p) == NULL);
    ASSERT(proto_encode_participant_event(NULL, &p) == NULL);
    expect_str(proto_encode_participant_left("p9"),
               "{\"type\":\"participant-left\",\"participant\":{\"id\":\"p9\"}}");
    ASSERT(proto_encode_participant_left(NULL) == NULL);
    expect_str(proto_encode_publish_answer("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n", "\"x\""),
               "{\"type\":\"publish-answer\",\"id\":\"x\",\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 "
               "0.0.0.0\\r\\n\"}");
    expect_str(proto_encode_publish_answer("v=0", NULL),
               "{\"type\":\"publish-answer\",\"sdp\":\"v=0\"}");
    expect_str(proto_encode_pong(NULL), "{\"type\":\"pong\"}");
    expect_str(proto_encode_pong("-3"), "{\"type\":\"pong\",\"id\":-3}");
    expect_str(proto_encode_redirect("wss://b2.example.org/ws", "board", "placement", "7"),
               "{\"type\":\"redirect\",\"id\":7,\"url\":\"wss://b2.example.org/ws\","
               "\"room\":\"board\",\"reason\":\"placement\"}");
    expect_str(proto_encode_redirect("ws://h/ws", "r", "moving", NULL),
               "{\"type\":\"redirect\",\"url\":\"ws://h/ws\",\"room\":\"r\","
               "\"reason\":\"moving\"}");
    ASSERT(proto_encode_redirect("ws://h/ws", "r", "elsewhere", NULL) == NULL);

    proto_sub_track t[2] = {{"0", "p3", PROTO_SRC_MICROPHONE, PROTO_KIND_AUDIO},
                            {"1", "p3", PROTO_SRC_CAMERA, PROTO_KIND_VIDEO}};
    expect_str(proto_encode_subscribe_offer("v=0", t, 2),
               "{\"type\":\"subscribe-offer\",\"sdp\":\"v=0\",\"tracks\":[{\"mid\":\"0\","
               "\"participant\":\"p3\",\"source\":\"microphone\",\"kind\":\"audio\"},{\"mid\":"
               "\"1\",\"participant\":\"p3\",\"source\":\"camera\",\"kind\":\"video\"}]}");
    expect_str(proto_encode_subscribe_offer("v=0", NULL, 0),
               "{\"type\":\"subscribe-offer\",\"sdp\":\"v=0\",\"tracks\":[]}");
    t[1].kind = (proto_kind)7;
    ASSERT(proto_encode_subscribe_offer("v=0", t, 2) == NULL);
}

/* What the encoder produces, the doc's examples and a browser can parse:
 * a decoded name goes back out unchanged. */
static void test_round_trip(void) {
    proto_msg m;
    ok("{\"type\":\"join\",\"room\":\"\\u00e9t\\u00e9\",\"name\":\"\\\"Q\\\" \\\\ /\"}", &m);
    proto_participant p = {.n_tracks = 0};
    strcpy(p.id, "p1");
    strcpy(p.name, m.join.name);
    expect_str(proto_encode_participant_event("participant-joined", &p),
               "{\"type\":\"participant-joined\",\"participant\":{\"id\":\"p1\",\"name\":"
               "\"\\\"Q\\\" \\\\ /\",\"tracks\":[]}}");
    proto_msg_clear(&m);
}

int main(void) {
    RUN_TEST(test_error_table);
    RUN_TEST(test_names);
    RUN_TEST(test_too_large);
    RUN_TEST(test_bad_json);
    RUN_TEST(test_utf8);
    RUN_TEST(test_type_and_id);
    RUN_TEST(test_join);
    RUN_TEST(test_publish);
    RUN_TEST(test_sdp_limit);
    RUN_TEST(test_candidate);
    RUN_TEST(test_mute_leave_ping);
    RUN_TEST(test_encode_error);
    RUN_TEST(test_encode_joined);
    RUN_TEST(test_encode_events);
    RUN_TEST(test_round_trip);
    TEST_DONE();
}
