/* DTLS-SRTP core: a client and a server wired together in memory.
 *
 * Time is virtual except where a retransmission must fire: OpenSSL 3.0 runs
 * its retransmission timer on the real clock, so the pump sleeps for real
 * when it advances to a retransmission deadline (250 ms at most here). */
#include <ctype.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "common/log.h"
#include "sfu/dtls.h"
#include "tests/test.h"

typedef struct pair {
    dtls_conn *client, *server;
    uint64_t now;
    size_t max_dgram;
    int sent[2]; /* datagrams produced: [0] client, [1] server */
    int dropped[2];
    /* Return 1 to drop the datagram; idx counts that side's datagrams from 0. */
    int (*drop)(struct pair *p, int from_server, int idx, const uint8_t *d, size_t n);
    int drop_state; /* for the drop callbacks */
} pair;

static dtls_cert *g_cert_a, *g_cert_b; /* server's, client's */

/* Moves every queued datagram from one side to the other. */
static int transfer(pair *p, int from_server) {
    dtls_conn *from = from_server ? p->server : p->client;
    dtls_conn *to = from_server ? p->client : p->server;
    uint8_t buf[2048];
    int n, moved = 0;
    while ((n = dtls_conn_poll_output(from, buf, sizeof buf)) > 0) {
        moved++;
        /* Whole records only, never split across datagrams. */
        int off = 0;
        while (off + 13 <= n)
            off += 13 + (buf[off + 11] << 8 | buf[off + 12]);
        ASSERT_EQ(off, n);
        if ((size_t)n > p->max_dgram) p->max_dgram = (size_t)n;
        int idx = p->sent[from_server]++;
        if (p->drop && p->drop(p, from_server, idx, buf, (size_t)n)) {
            p->dropped[from_server]++;
            continue;
        }
        dtls_conn_feed(to, buf, (size_t)n, p->now);
    }
    ASSERT_EQ(n, 0);
    return moved;
}

static int settled(dtls_conn *c) {
    dtls_state s = dtls_conn_state(c);
    return s == DTLS_STATE_CONNECTED || s == DTLS_STATE_FAILED || s == DTLS_STATE_CLOSED;
}

static uint64_t earliest(uint64_t a, uint64_t b) {
    if (!a) return b;
    if (!b) return a;
    return a < b ? a : b;
}

/* Runs until both sides settle or nothing is left to do. */
static void pump(pair *p) {
    for (int round = 0; round < 200; round++) {
        int moved = transfer(p, 0) + transfer(p, 1);
        if (moved) continue;
        if (settled(p->client) && settled(p->server)) return;
        uint64_t t = earliest(dtls_conn_next_timeout(p->client, p->now),
                              dtls_conn_next_timeout(p->server, p->now));
        if (!t) return;
        if (t > p->now) {
            ASSERT(t - p->now <= 5000000); /* a retransmission, not the 30 s deadline */
            usleep((useconds_t)(t - p->now) + 2000);
            p->now = t;
        }
        dtls_conn_handle_timeout(p->client, p->now);
        dtls_conn_handle_timeout(p->server, p->now);
    }
    ASSERT(!"pump did not settle");
}

/* Server with cert A expecting B, client with cert B expecting A, unless
 * the expected fingerprints are given. */
static void pair_init(pair *p, dtls_ctx *sctx, dtls_ctx *cctx, const char *server_expects,
                      const char *client_expects) {
    memset(p, 0, sizeof *p);
    p->now = 1000000;
    p->server =
        dtls_conn_new(sctx, server_expects ? server_expects : dtls_cert_fingerprint(g_cert_b));
    p->client =
        dtls_conn_new(cctx, client_expects ? client_expects : dtls_cert_fingerprint(g_cert_a));
    ASSERT(p->server && p->client);
    ASSERT_EQ(dtls_conn_state(p->server), DTLS_STATE_NEW);
    ASSERT_EQ(dtls_conn_state(p->client), DTLS_STATE_NEW);
}

static void pair_start(pair *p) {
    ASSERT_EQ(dtls_conn_start(p->server, p->now), 0);
    ASSERT_EQ(dtls_conn_start(p->client, p->now), 0);
    ASSERT_EQ(dtls_conn_state(p->client), DTLS_STATE_HANDSHAKING);
}

static void pair_free(pair *p) {
    dtls_conn_free(p->client);
    dtls_conn_free(p->server);
}

static void check_keys_crosswise(pair *p, srtp_profile_id want) {
    dtls_srtp_keys ck, sk;
    ASSERT_EQ(dtls_conn_srtp_keys(p->client, &ck), 0);
    ASSERT_EQ(dtls_conn_srtp_keys(p->server, &sk), 0);
    ASSERT_EQ(ck.profile, want);
    ASSERT_EQ(sk.profile, want);
    ASSERT_EQ(ck.key_len, 16);
    ASSERT_EQ(ck.salt_len, want == SRTP_PROFILE_AEAD_AES_128_GCM ? 12 : 14);
    ASSERT_EQ(sk.salt_len, ck.salt_len);
    ASSERT_MEM_EQ(ck.local_key, sk.remote_key, 16);
    ASSERT_MEM_EQ(ck.local_salt, sk.remote_salt, ck.salt_len);
    ASSERT_MEM_EQ(ck.remote_key, sk.local_key, 16);
    ASSERT_MEM_EQ(ck.remote_salt, sk.local_salt, ck.salt_len);
    ASSERT(memcmp(ck.local_key, ck.remote_key, 16) != 0);
    ASSERT(memcmp(ck.local_salt, ck.remote_salt, ck.salt_len) != 0);
}

/* ---- certificate ---- */

static void test_cert_fingerprint(void) {
    const char *fp = dtls_cert_fingerprint(g_cert_a);
    ASSERT_EQ(strlen(fp), 95);
    ASSERT_EQ(strlen(fp), DTLS_FINGERPRINT_LEN);
    for (int i = 0; i < 95; i++) {
        if (i % 3 == 2)
            ASSERT_EQ(fp[i], ':');
        else
            ASSERT(isxdigit((unsigned char)fp[i]) && !islower((unsigned char)fp[i]));
    }

    /* Independently: SHA-256 over the DER, formatted here. */
    int n = dtls_cert_der(g_cert_a, NULL, 0);
    ASSERT(n > 100 && n < 1000);
    ASSERT_EQ(dtls_cert_der(g_cert_a, NULL, 10), n);
    uint8_t der[1000], md[32];
    ASSERT_EQ(dtls_cert_der(g_cert_a, der, sizeof der), n);
    unsigned int mdlen = 0;
    ASSERT_EQ(EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL), 1);
    ASSERT_EQ(mdlen, 32);
    char want[96], *w = want;
    for (int i = 0; i < 32; i++)
        w += sprintf(w, i ? ":%02X" : "%02X", md[i]);
    ASSERT_STR_EQ(fp, want);

    /* Each certificate has its own key. */
    ASSERT(strcmp(fp, dtls_cert_fingerprint(g_cert_b)) != 0);
}

static void test_conn_new_rejects_bad_fingerprint(void) {
    dtls_ctx *ctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    ASSERT(ctx);
    char fp[128];
    ASSERT(dtls_conn_new(ctx, NULL) == NULL);
    ASSERT(dtls_conn_new(ctx, "") == NULL);
    ASSERT(dtls_conn_new(ctx, "AB:CD") == NULL);
    snprintf(fp, sizeof fp, "%s:00", dtls_cert_fingerprint(g_cert_b)); /* 33 bytes */
    ASSERT(dtls_conn_new(ctx, fp) == NULL);
    snprintf(fp, sizeof fp, "%s", dtls_cert_fingerprint(g_cert_b));
    fp[2] = '-';
    ASSERT(dtls_conn_new(ctx, fp) == NULL);
    fp[2] = ':';
    fp[0] = 'G';
    ASSERT(dtls_conn_new(ctx, fp) == NULL);
    /* Lowercase and surrounding blanks are fine. */
    snprintf(fp, sizeof fp, " %s\r\n", dtls_cert_fingerprint(g_cert_b));
    for (char *q = fp; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    dtls_conn *c = dtls_conn_new(ctx, fp);
    ASSERT(c);
    dtls_conn_free(c);
    dtls_ctx_free(ctx);
}

/* ---- handshakes ---- */

static void test_handshake_gcm(void) {
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    /* The server gets the client's fingerprint in lowercase, as some SDPs have it. */
    char lower[96];
    snprintf(lower, sizeof lower, "%s", dtls_cert_fingerprint(g_cert_b));
    for (char *q = lower; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    pair p;
    pair_init(&p, sctx, cctx, lower, NULL);

    dtls_srtp_keys k;
    ASSERT_EQ(dtls_conn_srtp_keys(p.client, &k), -1);      /* not yet */
    ASSERT_EQ(dtls_conn_next_timeout(p.server, p.now), 0); /* server: nothing started */
    pair_start(&p);
    ASSERT(dtls_conn_next_timeout(p.client, p.now) > p.now);
    pump(&p);
    ASSERT_EQ(dtls_conn_state(p.client), DTLS_STATE_CONNECTED);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CONNECTED);
    ASSERT_EQ(dtls_conn_error(p.client), DTLS_ERR_NONE);
    ASSERT_EQ(dtls_conn_error(p.server), DTLS_ERR_NONE);
    check_keys_crosswise(&p, SRTP_PROFILE_AEAD_AES_128_GCM);
    ASSERT(p.max_dgram > 0 && p.max_dgram <= DTLS_MTU);
    /* Two flights each way, one datagram per flight (more only if a real-time
     * retransmission fired on a very slow machine). */
    ASSERT(p.sent[0] >= 2 && p.sent[1] >= 2);
    ASSERT_EQ(dtls_conn_next_timeout(p.client, p.now), 0);
    ASSERT_EQ(dtls_conn_next_timeout(p.server, p.now), 0);
    ASSERT_EQ(dtls_conn_handle_timeout(p.server, p.now + 60000000), 0); /* no deadline now */
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CONNECTED);

    /* Two connections from the same contexts get different keys. */
    pair q;
    pair_init(&q, sctx, cctx, NULL, NULL);
    pair_start(&q);
    pump(&q);
    dtls_srtp_keys k1, k2;
    ASSERT_EQ(dtls_conn_srtp_keys(p.server, &k1), 0);
    ASSERT_EQ(dtls_conn_srtp_keys(q.server, &k2), 0);
    ASSERT(memcmp(k1.local_key, k2.local_key, 16) != 0);

    pair_free(&q);
    pair_free(&p);
    dtls_ctx_free(cctx);
    dtls_ctx_free(sctx);
}

static void test_handshake_client_offers_aes_cm_only(void) {
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    ASSERT_EQ(dtls_ctx_set_srtp_profiles(cctx, "SRTP_AES128_CM_SHA1_80"), 0);
    ASSERT_EQ(dtls_ctx_set_srtp_profiles(cctx, "NO_SUCH_PROFILE"), -1);
    pair p;
    pair_init(&p, sctx, cctx, NULL, NULL);
    pair_start(&p);
    pump(&p);
    ASSERT_EQ(dtls_conn_state(p.client), DTLS_STATE_CONNECTED);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CONNECTED);
    check_keys_crosswise(&p, SRTP_PROFILE_AES128_CM_SHA1_80);
    pair_free(&p);
    dtls_ctx_free(cctx);
    dtls_ctx_free(sctx);
}

static void test_handshake_client_prefers_aes_cm(void) {
    /* The server's order wins even if the client lists AES_CM first. */
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    ASSERT_EQ(dtls_ctx_set_srtp_profiles(cctx, "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM"), 0);
    pair p;
    pair_init(&p, sctx, cctx, NULL, NULL);
    pair_start(&p);
    pump(&p);
    check_keys_crosswise(&p, SRTP_PROFILE_AEAD_AES_128_GCM);
    pair_free(&p);
    dtls_ctx_free(cctx);
    dtls_ctx_free(sctx);
}

static void test_no_common_srtp_profile(void) {
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    ASSERT_EQ(dtls_ctx_set_srtp_profiles(cctx, "SRTP_AES128_CM_SHA1_32"), 0);
    pair p;
    pair_init(&p, sctx, cctx, NULL, NULL);
    pair_start(&p);
    pump(&p);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_FAILED);
    ASSERT_EQ(dtls_conn_error(p.server), DTLS_ERR_NO_SRTP_PROFILE);
    ASSERT_EQ(dtls_conn_state(p.client), DTLS_STATE_FAILED);
    ASSERT_EQ(dtls_conn_error(p.client), DTLS_ERR_NO_SRTP_PROFILE);
    dtls_srtp_keys k;
    ASSERT_EQ(dtls_conn_srtp_keys(p.server, &k), -1);
    pair_free(&p);
    dtls_ctx_free(cctx);
    dtls_ctx_free(sctx);
}

static void test_fingerprint_mismatch(int server_checks_wrong) {
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    dtls_cert *other = NULL;
    ASSERT_EQ(dtls_cert_generate(&other), 0);
    const char *wrong = dtls_cert_fingerprint(other);
    pair p;
    pair_init(&p, sctx, cctx, server_checks_wrong ? wrong : NULL,
              server_checks_wrong ? NULL : wrong);
    pair_start(&p);
    pump(&p);
    dtls_conn *checker = server_checks_wrong ? p.server : p.client;
    dtls_conn *peer = server_checks_wrong ? p.client : p.server;
    ASSERT_EQ(dtls_conn_state(checker), DTLS_STATE_FAILED);
    ASSERT_EQ(dtls_conn_error(checker), DTLS_ERR_FINGERPRINT);
    ASSERT_STR_EQ(dtls_error_str(dtls_conn_error(checker)),
                  "peer certificate does not match fingerprint");
    /* The checker's alert ends the peer's handshake too; it never connects. */
    ASSERT_EQ(dtls_conn_state(peer), DTLS_STATE_FAILED);
    ASSERT_EQ(dtls_conn_error(peer), DTLS_ERR_HANDSHAKE);
    dtls_srtp_keys k;
    ASSERT_EQ(dtls_conn_srtp_keys(checker, &k), -1);
    ASSERT_EQ(dtls_conn_feed(checker, (const uint8_t *)"\x16", 1, p.now), -1);
    pair_free(&p);
    dtls_cert_free(other);
    dtls_ctx_free(cctx);
    dtls_ctx_free(sctx);
}

static void test_fingerprint_mismatch_client_checks(void) {
    test_fingerprint_mismatch(0);
}
static void test_fingerprint_mismatch_server_checks(void) {
    test_fingerprint_mismatch(1);
}

/* ---- loss and retransmission ---- */

static int drop_first_client(pair *p, int from_server, int idx, const uint8_t *d, size_t n) {
    return !from_server && idx == 0;
}
static int drop_first_server(pair *p, int from_server, int idx, const uint8_t *d, size_t n) {
    return from_server && idx == 0;
}
/* The server's last flight (sent once it is CONNECTED), the first time. */
static int drop_server_final(pair *p, int from_server, int idx, const uint8_t *d, size_t n) {
    if (!from_server || p->drop_state || dtls_conn_state(p->server) != DTLS_STATE_CONNECTED)
        return 0;
    p->drop_state = 1;
    return 1;
}

static void run_lossy(int (*drop)(pair *, int, int, const uint8_t *, size_t), int lossy_side) {
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    pair p;
    pair_init(&p, sctx, cctx, NULL, NULL);
    p.drop = drop;
    pair_start(&p);
    pump(&p);
    ASSERT_EQ(p.dropped[lossy_side], 1);
    ASSERT_EQ(dtls_conn_state(p.client), DTLS_STATE_CONNECTED);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CONNECTED);
    ASSERT(p.sent[lossy_side] >= 3); /* the lost flight went out again */
    ASSERT(p.max_dgram <= DTLS_MTU);
    check_keys_crosswise(&p, SRTP_PROFILE_AEAD_AES_128_GCM);
    pair_free(&p);
    dtls_ctx_free(cctx);
    dtls_ctx_free(sctx);
}

static void test_retransmit_client_hello(void) {
    run_lossy(drop_first_client, 0);
}
static void test_retransmit_server_flight(void) {
    run_lossy(drop_first_server, 1);
}
/* The server is already CONNECTED when its last flight is lost: the client
 * retransmits, and the server must answer from feed() alone. */
static void test_retransmit_server_final_flight(void) {
    run_lossy(drop_server_final, 1);
}

static void test_handshake_timeout(void) {
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    pair p;
    pair_init(&p, sctx, cctx, NULL, NULL);
    uint64_t t0 = p.now;
    ASSERT_EQ(dtls_conn_start(p.client, t0), 0);
    uint8_t buf[2048];
    ASSERT(dtls_conn_poll_output(p.client, buf, sizeof buf) > 0); /* lost */
    uint64_t due = dtls_conn_next_timeout(p.client, t0);
    ASSERT(due > t0 && due <= t0 + DTLS_HANDSHAKE_TIMEOUT_US);
    ASSERT_EQ(dtls_conn_handle_timeout(p.client, t0 + DTLS_HANDSHAKE_TIMEOUT_US - 1), 0);
    ASSERT_EQ(dtls_conn_state(p.client), DTLS_STATE_HANDSHAKING);
    ASSERT_EQ(dtls_conn_handle_timeout(p.client, t0 + DTLS_HANDSHAKE_TIMEOUT_US), -1);
    ASSERT_EQ(dtls_conn_state(p.client), DTLS_STATE_FAILED);
    ASSERT_EQ(dtls_conn_error(p.client), DTLS_ERR_TIMEOUT);
    ASSERT_EQ(dtls_conn_next_timeout(p.client, t0), 0);

    /* A server's clock starts at its first datagram: here, a ClientHello
     * whose answer never arrives. */
    dtls_conn *c2 = dtls_conn_new(cctx, dtls_cert_fingerprint(g_cert_a));
    ASSERT(c2);
    ASSERT_EQ(dtls_conn_start(c2, t0), 0);
    int n = dtls_conn_poll_output(c2, buf, sizeof buf);
    ASSERT(n > 0);
    uint64_t t1 = t0 + 5000000;
    ASSERT_EQ(dtls_conn_feed(p.server, buf, (size_t)n, t1), 0);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_HANDSHAKING);
    ASSERT(dtls_conn_poll_output(p.server, buf, sizeof buf) > 0);
    due = dtls_conn_next_timeout(p.server, t1);
    ASSERT(due > t1 && due <= t1 + DTLS_HANDSHAKE_TIMEOUT_US);
    ASSERT_EQ(dtls_conn_handle_timeout(p.server, t0 + DTLS_HANDSHAKE_TIMEOUT_US), 0);
    ASSERT_EQ(dtls_conn_handle_timeout(p.server, t1 + DTLS_HANDSHAKE_TIMEOUT_US), -1);
    ASSERT_EQ(dtls_conn_error(p.server), DTLS_ERR_TIMEOUT);
    ASSERT_STR_EQ(dtls_error_str(DTLS_ERR_TIMEOUT), "handshake timed out");

    dtls_conn_free(c2);
    pair_free(&p);
    dtls_ctx_free(cctx);
    dtls_ctx_free(sctx);
}

/* ---- hostile input ---- */

static uint32_t rng_state = 12345;
static uint32_t rnd(void) {
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static int sane(dtls_conn *c) {
    dtls_state s = dtls_conn_state(c);
    return s == DTLS_STATE_NEW || s == DTLS_STATE_HANDSHAKING || s == DTLS_STATE_FAILED;
}

static void test_garbage_to_server(void) {
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    pair p;
    pair_init(&p, sctx, cctx, NULL, NULL);
    uint8_t buf[4096], out[2048];

    /* Not records at all, or records that cannot be authentic: dropped. */
    ASSERT_EQ(dtls_conn_feed(p.server, buf, 0, p.now), 0);
    ASSERT_EQ(dtls_conn_feed(p.server, (const uint8_t *)"\x16", 1, p.now), 0);
    static const uint8_t huge_len[13] = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    ASSERT_EQ(dtls_conn_feed(p.server, huge_len, sizeof huge_len, p.now), 0);
    static const uint8_t appdata[20] = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0,
                                        5,  0,    7,    1, 2, 3, 4, 5, 6, 7};
    ASSERT_EQ(dtls_conn_feed(p.server, appdata, sizeof appdata, p.now), 0);
    for (int i = 0; i < 300; i++) {
        size_t n = 1 + rnd() % sizeof buf;
        for (size_t j = 0; j < n; j++)
            buf[j] = (uint8_t)rnd();
        buf[0] = (uint8_t)(20 + i % 44); /* what the demux would pass as DTLS */
        if (i % 2) {                     /* plausible header, random everything else */
            buf[1] = 0xfe;
            buf[2] = 0xfd;
            buf[3] = buf[4] = 1; /* an epoch we have no keys for */
        }
        dtls_conn_feed(p.server, buf, n, p.now);
        ASSERT(sane(p.server));
        while (dtls_conn_poll_output(p.server, out, sizeof out) > 0) {
        }
    }
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_HANDSHAKING);

    /* The real client still gets through. */
    ASSERT_EQ(dtls_conn_start(p.client, p.now), 0);
    pump(&p);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CONNECTED);
    ASSERT_EQ(dtls_conn_state(p.client), DTLS_STATE_CONNECTED);

    /* And garbage after the handshake does not disturb it. */
    for (int i = 0; i < 100; i++) {
        size_t n = 1 + rnd() % 1500;
        for (size_t j = 0; j < n; j++)
            buf[j] = (uint8_t)rnd();
        buf[0] = (uint8_t)(20 + i % 4);
        dtls_conn_feed(p.server, buf, n, p.now);
        while (dtls_conn_poll_output(p.server, out, sizeof out) > 0) {
        }
    }
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CONNECTED);
    pair_free(&p);

    /* A well-formed record carrying a nonsense ClientHello: the server may
     * give up on this peer, but cleanly. */
    for (int i = 0; i < 50; i++) {
        dtls_conn *s = dtls_conn_new(sctx, dtls_cert_fingerprint(g_cert_b));
        ASSERT(s);
        size_t body = 12 + rnd() % 200;
        uint8_t rec[13 + 212];
        for (size_t j = 0; j < sizeof rec; j++)
            rec[j] = (uint8_t)rnd();
        memcpy(rec, (const uint8_t[]){22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}, 11);
        rec[11] = (uint8_t)(body >> 8);
        rec[12] = (uint8_t)body;
        rec[13] = 1; /* client_hello */
        dtls_conn_feed(s, rec, 13 + body, p.now);
        ASSERT(sane(s));
        int n;
        while ((n = dtls_conn_poll_output(s, out, sizeof out)) > 0)
            ASSERT(n <= DTLS_MTU);
        ASSERT_EQ(n, 0);
        dtls_conn_free(s);
    }
    dtls_ctx_free(cctx);
    dtls_ctx_free(sctx);
}

/* Issue 15, defect 1: a forged record of the current epoch (any content
 * type, a payload too short for the AEAD nonce and tag, or just a wrong
 * tag) sent to an established connection. RFC 6347 4.1.2.7: discarded
 * silently. OpenSSL 3.0 treats some of these as fatal and queues an alert;
 * the connection must stay up and the peer must never see that alert. */
static int has_alert(const uint8_t *d, int n) {
    for (int off = 0; off + 13 <= n; off += 13 + (d[off + 11] << 8 | d[off + 12]))
        if (d[off] == 21) return 1;
    return 0;
}

static void forge_after_handshake(dtls_conn *victim, uint64_t now) {
    uint8_t rec[13 + 600], out[2048];
    static const size_t lens[] = {0, 1, 8, 15, 16, 23, 24, 25, 26, 40, 48, 64, 300, 587};
    for (int type = 20; type <= 23; type++) {
        for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
            for (int epoch = 0; epoch <= 2; epoch++) {
                size_t len = lens[i];
                memcpy(rec, (const uint8_t[]){(uint8_t)type, 0xfe, 0xfd, 0, (uint8_t)epoch}, 5);
                for (int j = 5; j < 11; j++)
                    rec[j] = (uint8_t)rnd();
                rec[11] = (uint8_t)(len >> 8);
                rec[12] = (uint8_t)len;
                for (size_t j = 0; j < len; j++)
                    rec[13 + j] = (uint8_t)rnd();
                ASSERT_EQ(dtls_conn_feed(victim, rec, 13 + len, now), 0);
                ASSERT_EQ(dtls_conn_state(victim), DTLS_STATE_CONNECTED);
                int n;
                while ((n = dtls_conn_poll_output(victim, out, sizeof out)) > 0)
                    ASSERT(!has_alert(out, n));
            }
        }
    }
    /* The exact datagram of the attack run: 17 fe fd 00 01, a sequence
     * number, length 8, eight bytes. */
    static const uint8_t attack[21] = {0x17, 0xfe, 0xfd, 0x00, 0x01, 0x00, 0x00,
                                       0x00, 0x00, 0x00, 0x07, 0x00, 0x08, 0xde,
                                       0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};
    ASSERT_EQ(dtls_conn_feed(victim, attack, sizeof attack, now), 0);
    ASSERT_EQ(dtls_conn_state(victim), DTLS_STATE_CONNECTED);
    ASSERT_EQ(dtls_conn_poll_output(victim, out, sizeof out), 0);
}

static void test_forged_record_after_handshake(void) {
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    pair p;
    pair_init(&p, sctx, cctx, NULL, NULL);
    pair_start(&p);
    pump(&p);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CONNECTED);
    ASSERT_EQ(dtls_conn_state(p.client), DTLS_STATE_CONNECTED);
    forge_after_handshake(p.server, p.now);
    forge_after_handshake(p.client, p.now);
    /* Both still speak DTLS with each other: a real close_notify is heard. */
    ASSERT_EQ(dtls_conn_close(p.client), 0);
    uint8_t buf[2048];
    int n = dtls_conn_poll_output(p.client, buf, sizeof buf);
    ASSERT(n > 13);
    ASSERT_EQ(dtls_conn_feed(p.server, buf, (size_t)n, p.now), 0);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CLOSED);
    ASSERT_EQ(dtls_conn_error(p.server), DTLS_ERR_NONE);
    pair_free(&p);
    dtls_ctx_free(sctx);
    dtls_ctx_free(cctx);
}

/* ---- output, close ---- */

static int count_records(const uint8_t *d, int n) {
    int recs = 0;
    for (int off = 0; off + 13 <= n; off += 13 + (d[off + 11] << 8 | d[off + 12]))
        recs++;
    return recs;
}

/* A forged application data record of the next epoch, alone or in front
 * of real records in one datagram, to either side during the handshake:
 * OpenSSL 3.0.19 would buffer it and fail the connection once the epoch
 * changes. The handshake completes and SRTP keys agree. */
static void test_early_appdata(void) {
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    static const uint8_t forged[20] = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0,
                                       5,  0,    7,    1, 2, 3, 4, 5, 6, 7};
    pair p;
    pair_init(&p, sctx, cctx, NULL, NULL);
    pair_start(&p);
    ASSERT_EQ(dtls_conn_feed(p.server, forged, sizeof forged, p.now), 0);
    ASSERT_EQ(dtls_conn_feed(p.client, forged, sizeof forged, p.now), 0);
    uint8_t hello[2048], dgram[2048 + sizeof forged];
    int n = dtls_conn_poll_output(p.client, hello, sizeof hello);
    ASSERT(n > 0);
    memcpy(dgram, forged, sizeof forged);
    memcpy(dgram + sizeof forged, hello, (size_t)n);
    ASSERT_EQ(dtls_conn_feed(p.server, dgram, sizeof forged + (size_t)n, p.now), 0);
    /* and one behind the server's first flight */
    n = dtls_conn_poll_output(p.server, dgram, 2048);
    ASSERT(n > 0);
    memcpy(dgram + n, forged, sizeof forged);
    ASSERT_EQ(dtls_conn_feed(p.client, dgram, (size_t)n + sizeof forged, p.now), 0);
    pump(&p);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CONNECTED);
    ASSERT_EQ(dtls_conn_state(p.client), DTLS_STATE_CONNECTED);
    check_keys_crosswise(&p, SRTP_PROFILE_AEAD_AES_128_GCM);
    pair_free(&p);
    dtls_ctx_free(sctx);
    dtls_ctx_free(cctx);
}

static void test_datagrams(void) {
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    dtls_conn *c = dtls_conn_new(cctx, dtls_cert_fingerprint(g_cert_a));
    dtls_conn *s = dtls_conn_new(sctx, dtls_cert_fingerprint(g_cert_b));
    ASSERT(c && s);
    uint8_t buf[2048];
    ASSERT_EQ(dtls_conn_poll_output(c, buf, sizeof buf), 0); /* nothing before start */
    ASSERT_EQ(dtls_conn_start(c, 1), 0);
    ASSERT_EQ(dtls_conn_poll_output(c, buf, 20), -1); /* cap too small: stays queued */
    int n = dtls_conn_poll_output(c, buf, sizeof buf);
    ASSERT(n > 13 && n <= DTLS_MTU);
    ASSERT_EQ(buf[0], 22);                    /* handshake */
    ASSERT(buf[1] == 0xfe && buf[2] == 0xff); /* DTLS 1.0 record version in ClientHello */
    ASSERT_EQ(count_records(buf, n), 1);
    ASSERT_EQ(dtls_conn_poll_output(c, buf, sizeof buf), 0);

    /* The server's first flight: ServerHello, Certificate, ServerKeyExchange,
     * CertificateRequest, ServerHelloDone, grouped into one datagram. */
    ASSERT_EQ(dtls_conn_feed(s, buf, (size_t)n, 1), 0);
    n = dtls_conn_poll_output(s, buf, sizeof buf);
    ASSERT(n > 13 && n <= DTLS_MTU);
    ASSERT_EQ(count_records(buf, n), 5);
    ASSERT(buf[1] == 0xfe && buf[2] == 0xfd); /* DTLS 1.2 from here on */
    ASSERT_EQ(dtls_conn_poll_output(s, buf, sizeof buf), 0);
    dtls_conn_free(s);
    dtls_conn_free(c);
    dtls_ctx_free(cctx);
    dtls_ctx_free(sctx);
}

static void test_close(void) {
    dtls_ctx *sctx = dtls_ctx_new(g_cert_a, DTLS_ROLE_SERVER);
    dtls_ctx *cctx = dtls_ctx_new(g_cert_b, DTLS_ROLE_CLIENT);
    ASSERT(sctx && cctx);
    pair p;
    pair_init(&p, sctx, cctx, NULL, NULL);
    pair_start(&p);
    pump(&p);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CONNECTED);

    ASSERT_EQ(dtls_conn_close(p.client), 0);
    ASSERT_EQ(dtls_conn_state(p.client), DTLS_STATE_CLOSED);
    ASSERT_EQ(dtls_conn_close(p.client), -1);
    uint8_t buf[2048];
    int n = dtls_conn_poll_output(p.client, buf, sizeof buf);
    ASSERT(n > 13);
    ASSERT_EQ(buf[0], 21); /* alert */
    ASSERT_EQ(dtls_conn_feed(p.server, buf, (size_t)n, p.now), 0);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CLOSED);
    ASSERT_EQ(dtls_conn_error(p.server), DTLS_ERR_NONE);
    /* The server answers with its own close_notify; the client ignores it. */
    n = dtls_conn_poll_output(p.server, buf, sizeof buf);
    ASSERT(n > 13);
    ASSERT_EQ(buf[0], 21);
    ASSERT_EQ(dtls_conn_feed(p.client, buf, (size_t)n, p.now), 0);
    ASSERT_EQ(dtls_conn_state(p.client), DTLS_STATE_CLOSED);
    dtls_srtp_keys k;
    ASSERT_EQ(dtls_conn_srtp_keys(p.server, &k), -1);
    pair_free(&p);

    /* Closing during the handshake sends nothing. */
    pair_init(&p, sctx, cctx, NULL, NULL);
    pair_start(&p);
    ASSERT_EQ(dtls_conn_close(p.server), 0);
    ASSERT_EQ(dtls_conn_poll_output(p.server, buf, sizeof buf), 0);
    ASSERT_EQ(dtls_conn_state(p.server), DTLS_STATE_CLOSED);
    ASSERT_EQ(dtls_conn_next_timeout(p.server, p.now), 0);
    pair_free(&p);
    dtls_ctx_free(cctx);
    dtls_ctx_free(sctx);
}

int main(void) {
    log_set_level(LOG_ERROR);
    ASSERT_EQ(dtls_cert_generate(&g_cert_a), 0);
    ASSERT_EQ(dtls_cert_generate(&g_cert_b), 0);
    RUN_TEST(test_cert_fingerprint);
    RUN_TEST(test_conn_new_rejects_bad_fingerprint);
    RUN_TEST(test_handshake_gcm);
    RUN_TEST(test_handshake_client_offers_aes_cm_only);
    RUN_TEST(test_handshake_client_prefers_aes_cm);
    RUN_TEST(test_no_common_srtp_profile);
    RUN_TEST(test_fingerprint_mismatch_client_checks);
    RUN_TEST(test_fingerprint_mismatch_server_checks);
    RUN_TEST(test_retransmit_client_hello);
    RUN_TEST(test_retransmit_server_flight);
    RUN_TEST(test_retransmit_server_final_flight);
    RUN_TEST(test_handshake_timeout);
    RUN_TEST(test_garbage_to_server);
    RUN_TEST(test_early_appdata);
    RUN_TEST(test_forged_record_after_handshake);
    RUN_TEST(test_datagrams);
    RUN_TEST(test_close);
    dtls_cert_free(g_cert_a);
    dtls_cert_free(g_cert_b);
    TEST_DONE();
}
