/* libFuzzer target for sfu/srtp_ossl.c. The input is a profile byte, then
 * records [op][len hi][len lo][len bytes] run in order on one pair of
 * sessions (so the ROC, replay window and SRTCP index state carry over):
 *
 *   op 0: protect the bytes as RTP, unprotect on the peer: either the
 *         original comes back or (same sequence number again) a replay;
 *         libsrtp2 protecting the same packet gives the same bytes
 *   op 1: the same for RTCP (a new index each time: never a replay)
 *   op 2: unprotect the bytes as SRTP (garbage: must fail cleanly)
 *   op 3: unprotect the bytes as SRTCP
 *
 * libsrtp2 is asked only about packets ours accepted; once it refuses one,
 * its state differs from ours and it is left out for the rest of the input. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "sfu/srtp_ossl.h"
#include "sfu/srtp_session.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) abort();                                                                         \
    } while (0)

#define MAX_PKT 2048

typedef struct run {
    srtp_ossl *tx, *rx;
    srtp_session *lib; /* libsrtp2 with tx's keys; NULL once it diverged */
    size_t tag;
    uint32_t ssrcs[SRTP_OSSL_MAX_SSRC_IN]; /* SSRCs rx has taken */
    int n_ssrcs;
} run;

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Whether rx knows ssrc; learns it (if there is room) when `learn`. */
static int known_ssrc(run *r, uint32_t ssrc, int learn) {
    for (int i = 0; i < r->n_ssrcs; i++)
        if (r->ssrcs[i] == ssrc) return 1;
    if (learn && r->n_ssrcs < SRTP_OSSL_MAX_SSRC_IN) r->ssrcs[r->n_ssrcs++] = ssrc;
    return 0;
}

static void make_keys(srtp_profile_id p, dtls_srtp_keys *a, dtls_srtp_keys *b) {
    memset(a, 0, sizeof *a);
    a->profile = p;
    a->key_len = 16;
    a->salt_len = p == SRTP_PROFILE_AEAD_AES_128_GCM ? 12 : 14;
    for (int i = 0; i < 16; i++) {
        a->local_key[i] = (uint8_t)(i + 1);
        a->remote_key[i] = (uint8_t)(0xa0 + i);
    }
    for (int i = 0; i < 14; i++) {
        a->local_salt[i] = (uint8_t)(0x30 + i);
        a->remote_salt[i] = (uint8_t)(0xc0 + i);
    }
    *b = *a;
    memcpy(b->local_key, a->remote_key, 16);
    memcpy(b->local_salt, a->remote_salt, 14);
    memcpy(b->remote_key, a->local_key, 16);
    memcpy(b->remote_salt, a->local_salt, 14);
}

/* Protect with ours, compare with libsrtp2, unprotect on the peer. */
static void round_trip(run *r, int rtcp, const uint8_t *in, size_t n) {
    static uint8_t buf[MAX_PKT + SRTP_SESSION_RTCP_TRAILER], lib[sizeof buf];
    size_t len = n, cap = n + (rtcp ? 4 : 0) + r->tag;
    memcpy(buf, in, n);
    int rc = rtcp ? srtp_ossl_protect_rtcp(r->tx, buf, &len, cap)
                  : srtp_ossl_protect_rtp(r->tx, buf, &len, cap);
    if (rc != 0) {
        CHECK(rc == SRTP_SESSION_ERR && len == n && memcmp(buf, in, n) == 0);
        return;
    }
    CHECK(len == cap);
    if (r->lib) {
        size_t ln = n;
        memcpy(lib, in, n);
        int lrc = rtcp ? srtp_session_protect_rtcp(r->lib, lib, &ln, sizeof lib)
                       : srtp_session_protect_rtp(r->lib, lib, &ln, sizeof lib);
        if (lrc == 0) {
            CHECK(ln == len && memcmp(lib, buf, len) == 0);
        } else {
            srtp_session_free(r->lib);
            r->lib = NULL;
        }
    }
    rc = rtcp ? srtp_ossl_unprotect_rtcp(r->rx, buf, &len)
              : srtp_ossl_unprotect_rtp(r->rx, buf, &len);
    uint32_t ssrc = rd32(in + (rtcp ? 4 : 8));
    if (rc == 0) {
        CHECK(len == n && memcmp(buf, in, n) == 0);
        known_ssrc(r, ssrc, 1);
    } else if (rc == SRTP_SESSION_ERR) { /* only when rx's table is full */
        CHECK(r->n_ssrcs == SRTP_OSSL_MAX_SSRC_IN && !known_ssrc(r, ssrc, 0));
    } else {
        CHECK(!rtcp && rc == SRTP_SESSION_ERR_REPLAY);
    }
}

static void garbage(run *r, int rtcp, const uint8_t *in, size_t n) {
    static uint8_t buf[MAX_PKT];
    size_t len = n;
    memcpy(buf, in, n);
    int rc = rtcp ? srtp_ossl_unprotect_rtcp(r->rx, buf, &len)
                  : srtp_ossl_unprotect_rtp(r->rx, buf, &len);
    CHECK(rc <= 0 && rc >= SRTP_SESSION_ERR_NOSPACE);
    if (rc == 0) CHECK(len + r->tag + (rtcp ? 4 : 0) == n); /* a lucky forgery */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int init;
    if (!init) {
        log_set_level(LOG_ERROR);
        init = 1;
    }
    if (size < 1) return 0;
    srtp_profile_id p =
        data[0] & 1 ? SRTP_PROFILE_AES128_CM_SHA1_80 : SRTP_PROFILE_AEAD_AES_128_GCM;
    dtls_srtp_keys a, b;
    make_keys(p, &a, &b);
    run r = {srtp_ossl_new(&a),
             srtp_ossl_new(&b),
             srtp_session_new(&a),
             p == SRTP_PROFILE_AEAD_AES_128_GCM ? 16 : 10,
             {0},
             0};
    CHECK(r.tx && r.rx && r.lib);
    size_t at = 1;
    while (size - at >= 3) {
        int op = data[at] & 3;
        size_t n = (size_t)data[at + 1] << 8 | data[at + 2];
        at += 3;
        if (n > size - at) n = size - at;
        if (n > MAX_PKT) n = MAX_PKT;
        if (op < 2)
            round_trip(&r, op, data + at, n);
        else
            garbage(&r, op == 3, data + at, n);
        at += n;
    }
    srtp_ossl_free(r.tx);
    srtp_ossl_free(r.rx);
    srtp_session_free(r.lib);
    return 0;
}
