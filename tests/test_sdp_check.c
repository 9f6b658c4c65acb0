/* sfu/sdp_check: what the node accepts from a publish offer or a subscribe
 * answer, with the exact error code and message, on real browser SDP and
 * on edits of it (issue 15: offers that can never complete). */
#include "sfu/sdp_check.h"
#include "tests/test.h"
#include "tests/test_sdp_samples.h"

/* text with every occurrence of from replaced by to (malloc'd). */
static char *replace_all(const char *text, const char *from, const char *to) {
    size_t n = 0, fl = strlen(from), tl = strlen(to);
    for (const char *p = strstr(text, from); p; p = strstr(p + fl, from))
        n++;
    ASSERT(n > 0);
    char *out = malloc(strlen(text) + n * tl + 1), *o = out;
    ASSERT(out);
    for (const char *p = text, *q; (q = strstr(p, from)); p = q + fl) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
        text = q + fl;
    }
    strcpy(o, text);
    return out;
}

/* Runs the check on text; returns its result and fills err/msg. */
static int check(const char *text, int offer, sfu_error *err, char *msg, size_t cap) {
    sdp_session *s = parse_ok(text);
    const sdp_media *first = NULL;
    int r = sdp_check_remote(s, offer, &first, err, msg, cap);
    if (r == 0 && first) ASSERT(first->mid != NULL);
    sdp_free(s);
    return r;
}

static void expect_ok(const char *text, int offer) {
    sfu_error e = 0;
    char msg[200] = "";
    int r = check(text, offer, &e, msg, sizeof msg);
    if (r) fprintf(stderr, "unexpected refusal: %s\n", msg);
    ASSERT_EQ(r, 0);
    ASSERT_STR_EQ(msg, "");
}

static void expect_fail(const char *text, int offer, sfu_error want, const char *want_msg) {
    sfu_error e = 0;
    char msg[200] = "";
    ASSERT_EQ(check(text, offer, &e, msg, sizeof msg), -1);
    ASSERT_EQ(e, want);
    ASSERT_STR_EQ(msg, want_msg);
}

static void edited_fails(const char *base, int offer, const char *from, const char *to,
                         sfu_error want, const char *want_msg) {
    char *t = replace_all(base, from, to);
    expect_fail(t, offer, want, want_msg);
    free(t);
}

static void edited_ok(const char *base, int offer, const char *from, const char *to) {
    char *t = replace_all(base, from, to);
    expect_ok(t, offer);
    free(t);
}

static void test_browsers_pass(void) {
    expect_ok(CHROME_PUBLISH_OFFER, 1);
    expect_ok(FIREFOX_PUBLISH_OFFER, 1);
    expect_ok(CHROME_SUBSCRIBE_ANSWER, 0);
    expect_ok(FIREFOX_SUBSCRIBE_ANSWER, 0);
}

static void test_setup_roles(void) {
    /* Offers: actpass (JSEP) and active leave the node the server. */
    edited_ok(CHROME_PUBLISH_OFFER, 1, "a=setup:actpass", "a=setup:active");
    edited_fails(CHROME_PUBLISH_OFFER, 1, "a=setup:actpass", "a=setup:passive", SFU_ERR_BAD_SDP,
                 "a=setup:passive cannot work: the node is always the DTLS server; offer "
                 "a=setup:actpass");
    edited_fails(FIREFOX_PUBLISH_OFFER, 1, "a=setup:actpass", "a=setup:holdconn", SFU_ERR_BAD_SDP,
                 "a=setup:holdconn cannot work: the node is always the DTLS server; offer "
                 "a=setup:actpass");
    /* Answers: only active. */
    edited_fails(CHROME_SUBSCRIBE_ANSWER, 0, "a=setup:active", "a=setup:passive", SFU_ERR_BAD_SDP,
                 "a=setup:passive cannot work: the node is always the DTLS server; answer with "
                 "a=setup:active");
    edited_fails(CHROME_SUBSCRIBE_ANSWER, 0, "a=setup:active", "a=setup:holdconn", SFU_ERR_BAD_SDP,
                 "a=setup:holdconn cannot work: the node is always the DTLS server; answer with "
                 "a=setup:active");
    edited_fails(CHROME_SUBSCRIBE_ANSWER, 0, "a=setup:active", "a=setup:actpass", SFU_ERR_BAD_SDP,
                 "a=setup:actpass cannot work: the node is always the DTLS server; answer with "
                 "a=setup:active");
    /* No a=setup at all means active (RFC 4145). */
    edited_ok(CHROME_SUBSCRIBE_ANSWER, 0, "a=setup:active\r\n", "");
    edited_ok(CHROME_PUBLISH_OFFER, 1, "a=setup:actpass\r\n", "");
}

static void test_ice_lengths(void) {
    edited_fails(CHROME_PUBLISH_OFFER, 1, "a=ice-pwd:nGk4dLX5gNQ9jTpRUgLkRl7y", "a=ice-pwd:x",
                 SFU_ERR_BAD_SDP, "a=ice-pwd must have 22-256 characters (RFC 8839)");
    /* 21 characters: one short. 22: the minimum. */
    edited_fails(CHROME_PUBLISH_OFFER, 1, "a=ice-pwd:nGk4dLX5gNQ9jTpRUgLkRl7y",
                 "a=ice-pwd:nGk4dLX5gNQ9jTpRUgLkR", SFU_ERR_BAD_SDP,
                 "a=ice-pwd must have 22-256 characters (RFC 8839)");
    edited_ok(CHROME_PUBLISH_OFFER, 1, "a=ice-pwd:nGk4dLX5gNQ9jTpRUgLkRl7y",
              "a=ice-pwd:nGk4dLX5gNQ9jTpRUgLkRl");
    edited_fails(CHROME_SUBSCRIBE_ANSWER, 0, "a=ice-ufrag:Qb/v", "a=ice-ufrag:Qb/", SFU_ERR_BAD_SDP,
                 "a=ice-ufrag must have 4-256 characters (RFC 8839)");
    edited_fails(CHROME_SUBSCRIBE_ANSWER, 0, "a=ice-pwd:1lX7ZyIo5wLSd0ABXn1Qh8ZK\r\n", "",
                 SFU_ERR_BAD_SDP, "a=ice-ufrag and a=ice-pwd are required");
}

static void test_other_rules(void) {
    edited_fails(CHROME_PUBLISH_OFFER, 1, "UDP/TLS/RTP/SAVPF", "RTP/AVP", SFU_ERR_UNSUPPORTED_MEDIA,
                 "m-sections must use UDP/TLS/RTP/SAVPF (DTLS-SRTP)");
    edited_fails(CHROME_PUBLISH_OFFER, 1, "a=rtcp-mux\r\n", "", SFU_ERR_UNSUPPORTED_MEDIA,
                 "a=rtcp-mux is required");
    edited_fails(CHROME_PUBLISH_OFFER, 1, "a=group:BUNDLE 0 1 2\r\n", "", SFU_ERR_UNSUPPORTED_MEDIA,
                 "a=group:BUNDLE is required");
    edited_fails(CHROME_PUBLISH_OFFER, 1, "a=fingerprint:sha-256 ", "a=fingerprint:sha-1 ",
                 SFU_ERR_NO_FINGERPRINT, "a=fingerprint:sha-256 is required");
    edited_fails(CHROME_PUBLISH_OFFER, 1, "opus/48000/2", "isac/16000", SFU_ERR_NO_CODEC,
                 "audio needs Opus");
    /* The same text as an answer does not need codecs: subscribers reject
     * what they cannot decode. */
    edited_ok(CHROME_SUBSCRIBE_ANSWER, 0, "VP8/90000", "XYZ/90000");
}

static void test_no_media(void) {
    static const char empty[] = "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
    expect_fail(empty, 1, SFU_ERR_BAD_SDP, "the offer has no audio or video");
    expect_ok(empty, 0); /* an answer may reject everything */
}

int main(void) {
    RUN_TEST(test_browsers_pass);
    RUN_TEST(test_setup_roles);
    RUN_TEST(test_ice_lengths);
    RUN_TEST(test_other_rules);
    RUN_TEST(test_no_media);
    TEST_DONE();
}
