/* SRTP sessions keyed by a real in-memory DTLS handshake, both profiles. */
#include <stdlib.h>

#include "common/log.h"
#include "sfu/dtls.h"
#include "sfu/srtp_session.h"
#include "tests/test.h"

static dtls_cert *g_server_cert, *g_client_cert;

static void move_all(dtls_conn *from, dtls_conn *to, uint64_t now) {
    uint8_t buf[2048];
    int n;
    while ((n = dtls_conn_poll_output(from, buf, sizeof buf)) > 0)
        dtls_conn_feed(to, buf, (size_t)n, now);
    ASSERT_EQ(n, 0);
}

/* Handshake without loss; fills the client's and the server's keys. */
static void handshake(const char *client_profiles, dtls_srtp_keys *ck, dtls_srtp_keys *sk) {
    dtls_ctx *sctx = dtls_ctx_new(g_server_cert, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_client_cert, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    if (client_profiles) ASSERT_EQ(dtls_ctx_set_srtp_profiles(cctx, client_profiles), 0);
    dtls_conn *s = dtls_conn_new(sctx, dtls_cert_fingerprint(g_client_cert));
    dtls_conn *c = dtls_conn_new(cctx, dtls_cert_fingerprint(g_server_cert));
    ASSERT(s && c);
    uint64_t now = 1000;
    ASSERT_EQ(dtls_conn_start(c, now), 0);
    for (int i = 0; i < 10; i++) {
        move_all(c, s, now);
        move_all(s, c, now);
    }
    ASSERT_EQ(dtls_conn_state(c), DTLS_STATE_CONNECTED);
    ASSERT_EQ(dtls_conn_state(s), DTLS_STATE_CONNECTED);
    ASSERT_EQ(dtls_conn_srtp_keys(c, ck), 0);
    ASSERT_EQ(dtls_conn_srtp_keys(s, sk), 0);
    dtls_conn_free(c);
    dtls_conn_free(s);
    dtls_ctx_free(cctx);
    dtls_ctx_free(sctx);
}

/* V=2, PT 111, the given seq, timestamp and SSRC, then a patterned payload. */
static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload) {
    uint32_t ts = seq * 960u;
    const uint8_t hdr[12] = {0x80,
                             111,
                             (uint8_t)(seq >> 8),
                             (uint8_t)seq,
                             (uint8_t)(ts >> 24),
                             (uint8_t)(ts >> 16),
                             (uint8_t)(ts >> 8),
                             (uint8_t)ts,
                             (uint8_t)(ssrc >> 24),
                             (uint8_t)(ssrc >> 16),
                             (uint8_t)(ssrc >> 8),
                             (uint8_t)ssrc};
    memcpy(buf, hdr, 12);
    for (size_t i = 0; i < payload; i++)
        buf[12 + i] = (uint8_t)(i * 7 + seq);
    return 12 + payload;
}

/* A sender report without report blocks: 28 bytes. */
static size_t make_rtcp_sr(uint8_t *buf, uint32_t ssrc) {
    memset(buf, 0, 28);
    buf[0] = 0x80;
    buf[1] = 200;
    buf[3] = 6; /* length in words - 1 */
    buf[4] = (uint8_t)(ssrc >> 24);
    buf[5] = (uint8_t)(ssrc >> 16);
    buf[6] = (uint8_t)(ssrc >> 8);
    buf[7] = (uint8_t)ssrc;
    for (int i = 8; i < 28; i++)
        buf[i] = (uint8_t)(i * 13);
    return 28;
}

static size_t tag_len(srtp_profile_id p) {
    return p == SRTP_PROFILE_AEAD_AES_128_GCM ? 16 : 10;
}

static void check_rtp_round_trip(srtp_session *tx, srtp_session *rx, srtp_profile_id prof,
                                 uint32_t ssrc) {
    uint8_t plain[1200], buf[1200 + SRTP_SESSION_RTP_TRAILER];
    for (uint16_t seq = 100; seq < 110; seq++) {
        size_t n = make_rtp(plain, seq, ssrc, 160 + seq);
        memcpy(buf, plain, n);
        size_t len = n;
        ASSERT_EQ(srtp_session_protect_rtp(tx, buf, &len, sizeof buf), 0);
        ASSERT_EQ(len, n + tag_len(prof));
        ASSERT_MEM_EQ(buf, plain, 12);                 /* header stays clear */
        ASSERT(memcmp(buf + 12, plain + 12, 32) != 0); /* payload does not */
        ASSERT_EQ(srtp_session_unprotect_rtp(rx, buf, &len), 0);
        ASSERT_EQ(len, n);
        ASSERT_MEM_EQ(buf, plain, n);
    }
}

static void run_profile(const char *client_profiles, srtp_profile_id want) {
    dtls_srtp_keys ck, sk;
    handshake(client_profiles, &ck, &sk);
    ASSERT_EQ(ck.profile, want);
    srtp_session *cs = srtp_session_new(&ck);
    srtp_session *ss = srtp_session_new(&sk);
    ASSERT(cs && ss);
    memset(&ck, 0, sizeof ck); /* libsrtp keeps its own copy */

    /* Both directions. */
    check_rtp_round_trip(cs, ss, want, 0x11223344);
    check_rtp_round_trip(ss, cs, want, 0x55667788);

    uint8_t plain[300], buf[300 + SRTP_SESSION_RTCP_TRAILER], copy[sizeof buf];
    size_t n, len;

    /* A tampered byte anywhere fails authentication. */
    size_t spots[] = {1, 5, 12, 100, 0 /* tag: filled in below */};
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        n = make_rtp(plain, (uint16_t)(200 + i), 0x11223344, 150);
        memcpy(buf, plain, n);
        len = n;
        ASSERT_EQ(srtp_session_protect_rtp(cs, buf, &len, sizeof buf), 0);
        size_t at = spots[i] ? spots[i] : len - 1;
        buf[at] ^= 0x20;
        ASSERT_EQ(srtp_session_unprotect_rtp(ss, buf, &len), SRTP_SESSION_ERR_AUTH);
    }

    /* Replay: the same packet twice. */
    n = make_rtp(plain, 300, 0x11223344, 100);
    memcpy(buf, plain, n);
    len = n;
    ASSERT_EQ(srtp_session_protect_rtp(cs, buf, &len, sizeof buf), 0);
    memcpy(copy, buf, len);
    size_t clen = len;
    ASSERT_EQ(srtp_session_unprotect_rtp(ss, buf, &len), 0);
    ASSERT_EQ(srtp_session_unprotect_rtp(ss, copy, &clen), SRTP_SESSION_ERR_REPLAY);

    /* Repeated protect of one sequence number (NACK answered from the ring):
     * same bytes out, and the receiver takes the first copy it gets. */
    n = make_rtp(plain, 301, 0x11223344, 100);
    memcpy(buf, plain, n);
    len = n;
    ASSERT_EQ(srtp_session_protect_rtp(cs, buf, &len, sizeof buf), 0);
    memcpy(copy, plain, n);
    clen = n;
    ASSERT_EQ(srtp_session_protect_rtp(cs, copy, &clen, sizeof copy), 0);
    ASSERT_EQ(clen, len);
    ASSERT_MEM_EQ(copy, buf, len);
    n = make_rtp(plain, 302, 0x11223344, 100); /* newer packets go on in between */
    memcpy(buf, plain, n);
    len = n;
    ASSERT_EQ(srtp_session_protect_rtp(cs, buf, &len, sizeof buf), 0);
    ASSERT_EQ(srtp_session_unprotect_rtp(ss, buf, &len), 0);
    n = make_rtp(plain, 301, 0x11223344, 100); /* and the old one once more */
    memcpy(buf, plain, n);
    len = n;
    ASSERT_EQ(srtp_session_protect_rtp(cs, buf, &len, sizeof buf), 0);
    ASSERT_EQ(srtp_session_unprotect_rtp(ss, buf, &len), 0); /* 301 arrives late: fine */
    ASSERT_MEM_EQ(buf, plain, n);

    /* RTCP both ways; replayed SRTCP is refused too. */
    for (int dir = 0; dir < 2; dir++) {
        srtp_session *tx = dir ? ss : cs, *rx = dir ? cs : ss;
        for (int i = 0; i < 3; i++) {
            n = make_rtcp_sr(plain, 0xabcdef00u + (uint32_t)i);
            memcpy(buf, plain, n);
            len = n;
            ASSERT_EQ(srtp_session_protect_rtcp(tx, buf, &len, sizeof buf), 0);
            ASSERT_EQ(len, n + 4 + tag_len(want)); /* E flag + index, tag */
            memcpy(copy, buf, len);
            clen = len;
            ASSERT_EQ(srtp_session_unprotect_rtcp(rx, buf, &len), 0);
            ASSERT_EQ(len, n);
            ASSERT_MEM_EQ(buf, plain, n);
            ASSERT_EQ(srtp_session_unprotect_rtcp(rx, copy, &clen), SRTP_SESSION_ERR_REPLAY);
        }
    }
    n = make_rtcp_sr(plain, 1);
    memcpy(buf, plain, n);
    len = n;
    ASSERT_EQ(srtp_session_protect_rtcp(cs, buf, &len, sizeof buf), 0);
    buf[10] ^= 1;
    ASSERT_EQ(srtp_session_unprotect_rtcp(ss, buf, &len), SRTP_SESSION_ERR_AUTH);

    /* Capacity: one byte short is refused without touching the buffer; the
     * exact size works. Heap buffers of exactly cap bytes, so that ASan
     * catches any write past cap. */
    n = make_rtp(plain, 400, 0x11223344, 200);
    size_t cap = n + SRTP_SESSION_RTP_TRAILER;
    uint8_t *tight = malloc(cap - 1);
    ASSERT(tight);
    memcpy(tight, plain, n);
    len = n;
    ASSERT_EQ(srtp_session_protect_rtp(cs, tight, &len, cap - 1), SRTP_SESSION_ERR_NOSPACE);
    ASSERT_EQ(len, n);
    ASSERT_MEM_EQ(tight, plain, n);
    free(tight);
    uint8_t *exact = malloc(cap);
    ASSERT(exact);
    memcpy(exact, plain, n);
    ASSERT_EQ(srtp_session_protect_rtp(cs, exact, &len, cap), 0);
    ASSERT_EQ(srtp_session_unprotect_rtp(ss, exact, &len), 0);
    ASSERT_MEM_EQ(exact, plain, n);
    free(exact);

    n = make_rtcp_sr(plain, 2);
    cap = n + SRTP_SESSION_RTCP_TRAILER;
    tight = malloc(cap - 1);
    ASSERT(tight);
    memcpy(tight, plain, n);
    len = n;
    ASSERT_EQ(srtp_session_protect_rtcp(cs, tight, &len, cap - 1), SRTP_SESSION_ERR_NOSPACE);
    ASSERT_EQ(len, n);
    free(tight);
    exact = malloc(cap);
    ASSERT(exact);
    memcpy(exact, plain, n);
    ASSERT_EQ(srtp_session_protect_rtcp(cs, exact, &len, cap), 0);
    ASSERT_EQ(srtp_session_unprotect_rtcp(ss, exact, &len), 0);
    ASSERT_MEM_EQ(exact, plain, n);
    free(exact);
    len = n;
    ASSERT_EQ(srtp_session_protect_rtp(cs, buf, &len, n - 1), SRTP_SESSION_ERR_NOSPACE);

    /* Garbage and truncated input is refused, not trusted. */
    uint8_t junk[64];
    memset(junk, 0x80, sizeof junk);
    len = 5;
    ASSERT(srtp_session_unprotect_rtp(ss, junk, &len) < 0);
    len = sizeof junk;
    ASSERT(srtp_session_unprotect_rtp(ss, junk, &len) < 0);
    len = 8;
    ASSERT(srtp_session_unprotect_rtcp(ss, junk, &len) < 0);

    srtp_session_free(cs);
    srtp_session_free(ss);
    memset(&sk, 0, sizeof sk);
}

static void test_gcm(void) {
    run_profile(NULL, SRTP_PROFILE_AEAD_AES_128_GCM);
}
static void test_aes_cm_sha1_80(void) {
    run_profile("SRTP_AES128_CM_SHA1_80", SRTP_PROFILE_AES128_CM_SHA1_80);
}

static void test_keys_from_another_handshake_fail(void) {
    dtls_srtp_keys ck1, sk1, ck2, sk2;
    handshake(NULL, &ck1, &sk1);
    handshake(NULL, &ck2, &sk2);
    srtp_session *tx = srtp_session_new(&ck1);
    srtp_session *rx = srtp_session_new(&sk2);
    ASSERT(tx && rx);
    uint8_t buf[200 + SRTP_SESSION_RTP_TRAILER];
    size_t len = make_rtp(buf, 1, 42, 100);
    ASSERT_EQ(srtp_session_protect_rtp(tx, buf, &len, sizeof buf), 0);
    ASSERT_EQ(srtp_session_unprotect_rtp(rx, buf, &len), SRTP_SESSION_ERR_AUTH);
    srtp_session_free(tx);
    srtp_session_free(rx);
}

static void test_bad_keys_rejected(void) {
    ASSERT_EQ(srtp_session_global_init(), 0);
    ASSERT_EQ(srtp_session_global_init(), 0); /* idempotent */
    dtls_srtp_keys k;
    memset(&k, 0, sizeof k);
    k.profile = SRTP_PROFILE_AEAD_AES_128_GCM;
    k.key_len = 16;
    k.salt_len = 14; /* GCM wants 12 */
    ASSERT(srtp_session_new(&k) == NULL);
    k.salt_len = 12;
    srtp_session *s = srtp_session_new(&k);
    ASSERT(s);
    srtp_session_free(s);
    k.profile = (srtp_profile_id)2;
    ASSERT(srtp_session_new(&k) == NULL);
    ASSERT(srtp_session_new(NULL) == NULL);
    srtp_session_free(NULL);
}

int main(void) {
    log_set_level(LOG_ERROR);
    ASSERT_EQ(dtls_cert_generate(&g_server_cert), 0);
    ASSERT_EQ(dtls_cert_generate(&g_client_cert), 0);
    RUN_TEST(test_gcm);
    RUN_TEST(test_aes_cm_sha1_80);
    RUN_TEST(test_keys_from_another_handshake_fail);
    RUN_TEST(test_bad_keys_rejected);
    dtls_cert_free(g_server_cert);
    dtls_cert_free(g_client_cert);
    TEST_DONE();
}
