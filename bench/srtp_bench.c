/* SRTP cost per packet: libsrtp2 (sfu/srtp_session.c; Debian's is built on
 * NSS) against our OpenSSL EVP implementation (sfu/srtp_ossl.c), for both
 * negotiated profiles. One sender session protects RTP packets of one SSRC
 * with consecutive sequence numbers, its peer session unprotects them.
 *
 * Standalone, built by hand from the repository root:
 *
 *   cc -O2 -std=c17 -D_GNU_SOURCE -I. bench/srtp_bench.c sfu/srtp_ossl.c \
 *      sfu/srtp_session.c common/log.c $(pkg-config --cflags --libs libsrtp2 openssl) \
 *      -lpthread -o /tmp/srtp_bench && /tmp/srtp_bench [BYTES [PACKETS]]
 *
 * BYTES is the RTP packet size before protection (default 1000, header 12),
 * PACKETS the packets per run (default 64000). Figures are CPU ns per packet
 * (thread CPU time, read once per batch of 64 packets), each the least of
 * 11 runs on fresh sessions, so that other load on the machine inflates
 * them as little as possible: "protect" (less the cost of copying the
 * packet into place, timed alone), "unprotect", and "both", one of each:
 * the SRTP work of forwarding one packet to one subscriber. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "sfu/srtp_ossl.h"
#include "sfu/srtp_session.h"

#define RUNS 11
#define BATCH 64

typedef struct impl {
    const char *name;
    void *(*make)(const dtls_srtp_keys *k);
    void (*release)(void *s);
    int (*protect)(void *s, uint8_t *buf, size_t *len, size_t cap);
    int (*unprotect)(void *s, uint8_t *buf, size_t *len);
} impl;

static void *lib_make(const dtls_srtp_keys *k) {
    return srtp_session_new(k);
}
static void lib_release(void *s) {
    srtp_session_free(s);
}
static int lib_protect(void *s, uint8_t *buf, size_t *len, size_t cap) {
    return srtp_session_protect_rtp(s, buf, len, cap);
}
static int lib_unprotect(void *s, uint8_t *buf, size_t *len) {
    return srtp_session_unprotect_rtp(s, buf, len);
}
static void *ossl_make(const dtls_srtp_keys *k) {
    return srtp_ossl_new(k);
}
static void ossl_release(void *s) {
    srtp_ossl_free(s);
}
static int ossl_protect(void *s, uint8_t *buf, size_t *len, size_t cap) {
    return srtp_ossl_protect_rtp(s, buf, len, cap);
}
static int ossl_unprotect(void *s, uint8_t *buf, size_t *len) {
    return srtp_ossl_unprotect_rtp(s, buf, len);
}

static const impl IMPLS[] = {
    {"libsrtp2", lib_make, lib_release, lib_protect, lib_unprotect},
    {"openssl", ossl_make, ossl_release, ossl_protect, ossl_unprotect},
};

static uint64_t cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void make_keys(srtp_profile_id p, dtls_srtp_keys *a, dtls_srtp_keys *b) {
    memset(a, 0, sizeof *a);
    a->profile = p;
    a->key_len = 16;
    a->salt_len = p == SRTP_PROFILE_AEAD_AES_128_GCM ? 12 : 14;
    for (int i = 0; i < 16; i++) {
        a->local_key[i] = (uint8_t)(i * 7 + 1);
        a->remote_key[i] = (uint8_t)(i * 11 + 5);
    }
    for (int i = 0; i < 14; i++) {
        a->local_salt[i] = (uint8_t)(i * 13 + 3);
        a->remote_salt[i] = (uint8_t)(i * 17 + 9);
    }
    *b = *a;
    memcpy(b->local_key, a->remote_key, 16);
    memcpy(b->local_salt, a->remote_salt, 14);
    memcpy(b->remote_key, a->local_key, 16);
    memcpy(b->remote_salt, a->local_salt, 14);
}

/* Per-packet CPU ns of one run over fresh sessions: copying the packet into
 * place alone, then copying and protecting, then unprotecting. Packets go
 * in batches (protect BATCH, then unprotect them) so that the clock, read
 * per batch, costs little per packet. */
typedef struct cost {
    double copy, protect, unprotect;
} cost;

static cost run(const impl *im, srtp_profile_id p, const uint8_t *plain, size_t n, int packets) {
    static uint8_t bufs[BATCH][65536 + SRTP_SESSION_RTP_TRAILER];
    size_t lens[BATCH];
    dtls_srtp_keys a, b;
    make_keys(p, &a, &b);
    void *tx = im->make(&a), *rx = im->make(&b);
    if (!tx || !rx) {
        fprintf(stderr, "%s: session setup failed\n", im->name);
        exit(1);
    }
    uint64_t copy = 0, prot = 0, unprot = 0;
    int batches = (packets + BATCH - 1) / BATCH;
    for (int k = 0; k < batches; k++) {
        uint64_t t0 = cpu_ns();
        for (int j = 0; j < BATCH; j++)
            memcpy(bufs[j], plain, n);
        uint64_t t1 = cpu_ns();
        for (int j = 0; j < BATCH; j++) {
            int seq = k * BATCH + j;
            memcpy(bufs[j], plain, n);
            bufs[j][2] = (uint8_t)(seq >> 8);
            bufs[j][3] = (uint8_t)seq;
            lens[j] = n;
            if (im->protect(tx, bufs[j], &lens[j], sizeof bufs[j]) != 0) {
                fprintf(stderr, "%s: protect failed at %d\n", im->name, seq);
                exit(1);
            }
        }
        uint64_t t2 = cpu_ns();
        for (int j = 0; j < BATCH; j++) {
            if (im->unprotect(rx, bufs[j], &lens[j]) != 0 || lens[j] != n) {
                fprintf(stderr, "%s: unprotect failed at %d\n", im->name, k * BATCH + j);
                exit(1);
            }
        }
        uint64_t t3 = cpu_ns();
        copy += t1 - t0;
        prot += t2 - t1;
        unprot += t3 - t2;
    }
    im->release(tx);
    im->release(rx);
    double count = (double)batches * BATCH;
    return (cost){copy / count, prot / count, unprot / count};
}

/* The least disturbed of RUNS runs, phase by phase. */
static cost best(const impl *im, srtp_profile_id p, const uint8_t *plain, size_t n, int packets) {
    cost m = {1e30, 1e30, 1e30};
    for (int r = 0; r < RUNS; r++) {
        cost c = run(im, p, plain, n, packets);
        if (c.copy < m.copy) m.copy = c.copy;
        if (c.protect < m.protect) m.protect = c.protect;
        if (c.unprotect < m.unprotect) m.unprotect = c.unprotect;
    }
    return m;
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    int packets = argc > 2 ? atoi(argv[2]) : 64000;
    if (n < 12 || n > 65536 || packets <= 0) {
        fprintf(stderr, "usage: %s [BYTES 12..65536 [PACKETS]]\n", argv[0]);
        return 2;
    }
    log_set_level(LOG_ERROR);
    uint8_t *plain = malloc(n);
    if (!plain) return 1;
    for (size_t i = 0; i < n; i++)
        plain[i] = (uint8_t)(i * 31 + 7);
    static const uint8_t hdr[12] = {0x80, 96, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78};
    memcpy(plain, hdr, sizeof hdr);

    static const struct {
        srtp_profile_id id;
        const char *name;
    } profiles[] = {{SRTP_PROFILE_AEAD_AES_128_GCM, "AEAD_AES_128_GCM"},
                    {SRTP_PROFILE_AES128_CM_SHA1_80, "AES128_CM_SHA1_80"}};
    printf("%zu-byte RTP packets, %d per run, best of %d, CPU ns per packet\n", n, packets, RUNS);
    printf("%-18s %-9s %9s %9s %9s\n", "profile", "impl", "protect", "unprotect", "both");
    for (size_t pi = 0; pi < sizeof profiles / sizeof profiles[0]; pi++) {
        for (size_t ii = 0; ii < sizeof IMPLS / sizeof IMPLS[0]; ii++) {
            const impl *im = &IMPLS[ii];
            cost c = best(im, profiles[pi].id, plain, n, packets);
            double prot = c.protect - c.copy;
            printf("%-18s %-9s %9.0f %9.0f %9.0f\n", profiles[pi].name, im->name, prot, c.unprotect,
                   prot + c.unprotect);
        }
    }
    free(plain);
    return 0;
}
