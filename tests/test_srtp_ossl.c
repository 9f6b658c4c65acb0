/* SRTP on OpenSSL EVP (sfu/srtp_ossl.c): RFC 3711 and RFC 7714 test vectors,
 * byte-for-byte and round-trip cross-validation with libsrtp2 (through
 * srtp_session), replay window, tampering, capacity and malformed input. */
#include <openssl/hmac.h>

#include "sfu/srtp_ossl.h"
#include "sfu/srtp_session.h"
#include "tests/test.h"

#define BUF_CAP (1200 + 64 + 4 * 15 + SRTP_SESSION_RTCP_TRAILER)

/* ---- helpers ---- */

/* Hex digits (whitespace ignored) -> bytes; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap) {
    size_t n = 0;
    int half = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            v = *s - 'A' + 10;
        else
            continue;
        if (half < 0) {
            half = v;
        } else {
            ASSERT(n < cap);
            out[n++] = (uint8_t)(half << 4 | v);
            half = -1;
        }
    }
    ASSERT(half < 0);
    return n;
}

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}
static void rnd_fill(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* RTP with csrcs CSRCs, an extension of ext_words words (0: none, -1: none)
 * and a random payload. Returns the length. */
static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, int csrcs, int ext_words,
                       size_t payload) {
    buf[0] = (uint8_t)(0x80 | (ext_words > 0 ? 0x10 : 0) | csrcs);
    buf[1] = 96;
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    put32(buf + 4, seq * 3000u);
    put32(buf + 8, ssrc);
    size_t n = 12;
    for (int i = 0; i < csrcs; i++, n += 4)
        put32(buf + n, rnd());
    if (ext_words > 0) {
        buf[n] = 0xbe;
        buf[n + 1] = 0xde;
        buf[n + 2] = 0;
        buf[n + 3] = (uint8_t)ext_words;
        rnd_fill(buf + n + 4, 4u * (size_t)ext_words);
        n += 4 + 4u * (size_t)ext_words;
    }
    rnd_fill(buf + n, payload);
    return n + payload;
}

/* An RTCP packet of 8 + 4 * words bytes (sender SSRC, then random words). */
static size_t make_rtcp(uint8_t *buf, uint32_t ssrc, int words) {
    buf[0] = 0x80;
    buf[1] = 200;
    buf[2] = (uint8_t)((words + 1) >> 8);
    buf[3] = (uint8_t)(words + 1);
    put32(buf + 4, ssrc);
    rnd_fill(buf + 8, 4u * (size_t)words);
    return 8 + 4u * (size_t)words;
}

static size_t tag_len(srtp_profile_id p) {
    return p == SRTP_PROFILE_AEAD_AES_128_GCM ? 16 : 10;
}

/* Random master keys: a is one end, b the other (local and remote swapped). */
static void make_keys(srtp_profile_id p, dtls_srtp_keys *a, dtls_srtp_keys *b) {
    memset(a, 0, sizeof *a);
    a->profile = p;
    a->key_len = 16;
    a->salt_len = p == SRTP_PROFILE_AEAD_AES_128_GCM ? 12 : 14;
    rnd_fill(a->local_key, 16);
    rnd_fill(a->local_salt, 14);
    rnd_fill(a->remote_key, 16);
    rnd_fill(a->remote_salt, 14);
    *b = *a;
    memcpy(b->local_key, a->remote_key, 16);
    memcpy(b->local_salt, a->remote_salt, 14);
    memcpy(b->remote_key, a->local_key, 16);
    memcpy(b->remote_salt, a->local_salt, 14);
}

/* ---- RFC 3711 ---- */

static void test_rfc3711_b3_key_derivation(void) {
    uint8_t mk[16], ms[14], want[94], out[94];
    unhex("E1F97A0D3E018BE0D64FA32C06DE4139", mk, sizeof mk);
    unhex("0EC675AD498AFEEBB6960B3AABE6", ms, sizeof ms);
    ASSERT_EQ(srtp_ossl__kdf(mk, ms, 14, 0x00, out, 16), 0);
    unhex("C61E7A93744F39EE10734AFE3FF7A087", want, sizeof want);
    ASSERT_MEM_EQ(out, want, 16); /* cipher key */
    ASSERT_EQ(srtp_ossl__kdf(mk, ms, 14, 0x02, out, 14), 0);
    unhex("30CBBC08863D8C85D49DB34A9AE1", want, sizeof want);
    ASSERT_MEM_EQ(out, want, 14); /* cipher salt */
    ASSERT_EQ(srtp_ossl__kdf(mk, ms, 14, 0x01, out, 94), 0);
    ASSERT_EQ(unhex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE"
                    "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25"
                    "6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2",
                    want, sizeof want),
              94);
    ASSERT_MEM_EQ(out, want, 94); /* auth key, all 94 bytes of the table */
    ASSERT_EQ(srtp_ossl__kdf(mk, ms, 13, 0x00, out, 16), -1);
    ASSERT_EQ(srtp_ossl__kdf(NULL, ms, 14, 0x00, out, 16), -1);
}

/* Appendix B.2: session key 2B7E.., salt F0F1..FCFD, SSRC 0, ROC 0, SEQ 0:
 * the IV is F0F1..FCFD0000 and a zero payload comes out as the keystream.
 * 0xFF02 blocks reach the table's last rows (counter ..FEFF to ..FF01). */
static void test_rfc3711_b2_aes_cm_keystream(void) {
    uint8_t key[16], salt[14], auth[20] = {0}, want[48];
    unhex("2B7E151628AED2A6ABF7158809CF4F3C", key, sizeof key);
    unhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD", salt, sizeof salt);
    srtp_ossl *s = srtp_ossl__new_session_keys(SRTP_PROFILE_AES128_CM_SHA1_80, key, salt, auth);
    ASSERT(s);
    size_t payload = 0xff02 * 16, n = 12 + payload, cap = n + 10;
    uint8_t *buf = calloc(1, cap);
    ASSERT(buf);
    buf[0] = 0x80; /* seq 0, timestamp 0, SSRC 0 */
    size_t len = n;
    ASSERT_EQ(srtp_ossl_protect_rtp(s, buf, &len, cap), 0);
    ASSERT_EQ(len, n + 10);
    unhex("E03EAD0935C95E80E166B16DD92B4EB4"
          "D23513162B02D0F72A43A2FE4A5F97AB"
          "41E95B3BB0A2E8DD477901E4FCA894C0",
          want, sizeof want);
    ASSERT_MEM_EQ(buf + 12, want, 48);
    unhex("EC8CDF7398607CB0F2D21675EA9EA1E4"
          "362B7C3C6773516318A077D7FC5073AE"
          "6A2CC3787889374FBEB4C81B17BA6C44",
          want, sizeof want);
    ASSERT_MEM_EQ(buf + 12 + 0xfeff * 16, want, 48);
    /* The same session's inbound side has the same keys: back to zeros. */
    ASSERT_EQ(srtp_ossl_unprotect_rtp(s, buf, &len), 0);
    ASSERT_EQ(len, n);
    uint8_t *zero = calloc(1, payload);
    ASSERT(zero);
    ASSERT_MEM_EQ(buf + 12, zero, payload);
    free(zero);
    free(buf);
    srtp_ossl_free(s);
}

/* SRTCP with E = 0 (authenticated only) on AES-CM: built by hand with
 * OpenSSL's one-shot HMAC(), which also checks our precomputed HMAC. */
static void test_aes_cm_srtcp_auth_only(void) {
    uint8_t key[16], salt[14], auth[20], plain[64], buf[64 + 14];
    rnd_fill(key, 16);
    rnd_fill(salt, 14);
    rnd_fill(auth, 20);
    srtp_ossl *s = srtp_ossl__new_session_keys(SRTP_PROFILE_AES128_CM_SHA1_80, key, salt, auth);
    ASSERT(s);
    size_t n = make_rtcp(plain, 0x01020304, 6);
    memcpy(buf, plain, n);
    put32(buf + n, 7); /* E = 0, index 7 */
    uint8_t mac[20];
    unsigned mac_len = 0;
    ASSERT(HMAC(EVP_sha1(), auth, 20, buf, n + 4, mac, &mac_len));
    ASSERT_EQ(mac_len, 20);
    memcpy(buf + n + 4, mac, 10);
    size_t len = n + 14;
    ASSERT_EQ(srtp_ossl_unprotect_rtcp(s, buf, &len), 0);
    ASSERT_EQ(len, n);
    ASSERT_MEM_EQ(buf, plain, n);
    srtp_ossl_free(s);
}

/* ---- RFC 7714 (vectors use the session key and salt directly) ---- */

static const char *RFC7714_KEY = "000102030405060708090a0b0c0d0e0f";
static const char *RFC7714_SALT = "517569642070726f2071756f";

static srtp_ossl *rfc7714_session(void) {
    uint8_t key[16], salt[12];
    unhex(RFC7714_KEY, key, sizeof key);
    unhex(RFC7714_SALT, salt, sizeof salt);
    srtp_ossl *s = srtp_ossl__new_session_keys(SRTP_PROFILE_AEAD_AES_128_GCM, key, salt, NULL);
    ASSERT(s);
    return s;
}

/* §16.1.1 / §16.1.2: SSRC 0x5501a0b2, ROC 0, SEQ 0xf17b. */
static void test_rfc7714_16_srtp_gcm(void) {
    uint8_t plain[64], want[96], buf[96];
    size_t pn = unhex("8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973"
                      "20646976 69736120 696e2070 61727465 73207472 6573",
                      plain, sizeof plain);
    size_t wn = unhex("8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca"
                      "be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1"
                      "6a9152cf 765ee439 0cce",
                      want, sizeof want);
    ASSERT_EQ(wn, pn + 16);
    srtp_ossl *tx = rfc7714_session(), *rx = rfc7714_session();
    memcpy(buf, plain, pn);
    size_t len = pn;
    ASSERT_EQ(srtp_ossl_protect_rtp(tx, buf, &len, sizeof buf), 0);
    ASSERT_EQ(len, wn);
    ASSERT_MEM_EQ(buf, want, wn);
    buf[20] ^= 1;
    ASSERT_EQ(srtp_ossl_unprotect_rtp(rx, buf, &len), SRTP_SESSION_ERR_AUTH);
    memcpy(buf, want, wn);
    len = wn;
    ASSERT_EQ(srtp_ossl_unprotect_rtp(rx, buf, &len), 0);
    ASSERT_EQ(len, pn);
    ASSERT_MEM_EQ(buf, plain, pn);
    memcpy(buf, want, wn);
    len = wn;
    ASSERT_EQ(srtp_ossl_unprotect_rtp(rx, buf, &len), SRTP_SESSION_ERR_REPLAY);
    srtp_ossl_free(tx);
    srtp_ossl_free(rx);
}

/* §17.1 (encrypted, E = 1) and §17.3 (authenticated only, E = 0): SSRC
 * 0x4d617273 ("Mars"), SRTCP index 0x5d4. */
static void test_rfc7714_17_srtcp_gcm(void) {
    uint8_t plain[64], enc[96], auth[96], buf[96];
    size_t pn = unhex("81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
                      "deadbeef deadbeef deadbeef deadbeef deadbeef",
                      plain, sizeof plain);
    size_t en = unhex("81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d"
                      "c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872"
                      "45d9eade 800005d4",
                      enc, sizeof enc);
    size_t an = unhex("81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
                      "deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790"
                      "125f62b3 000005d4",
                      auth, sizeof auth);
    ASSERT_EQ(en, pn + 20);
    ASSERT_EQ(an, pn + 20);

    srtp_ossl *tx = rfc7714_session();
    ASSERT_EQ(srtp_ossl__set_rtcp_index(tx, 0x4d617273, 0x5d4), 0);
    memcpy(buf, plain, pn);
    size_t len = pn;
    ASSERT_EQ(srtp_ossl_protect_rtcp(tx, buf, &len, sizeof buf), 0);
    ASSERT_EQ(len, en);
    ASSERT_MEM_EQ(buf, enc, en);
    memcpy(buf, plain, pn); /* the next one gets index 0x5d5 */
    len = pn;
    ASSERT_EQ(srtp_ossl_protect_rtcp(tx, buf, &len, sizeof buf), 0);
    ASSERT_EQ(buf[len - 1], 0xd5);
    ASSERT_EQ(srtp_ossl__set_rtcp_index(tx, 1, 0), -1);
    ASSERT_EQ(srtp_ossl__set_rtcp_index(tx, 1, 0x80000000u), -1);
    srtp_ossl_free(tx);

    srtp_ossl *rx = rfc7714_session();
    memcpy(buf, enc, en);
    len = en;
    ASSERT_EQ(srtp_ossl_unprotect_rtcp(rx, buf, &len), 0);
    ASSERT_EQ(len, pn);
    ASSERT_MEM_EQ(buf, plain, pn);
    memcpy(buf, auth, an); /* same index again: a replay, checked before the tag */
    len = an;
    ASSERT_EQ(srtp_ossl_unprotect_rtcp(rx, buf, &len), SRTP_SESSION_ERR_REPLAY);
    srtp_ossl_free(rx);

    rx = rfc7714_session();
    memcpy(buf, auth, an);
    len = an;
    buf[10] ^= 4; /* E = 0: the whole packet is authenticated */
    ASSERT_EQ(srtp_ossl_unprotect_rtcp(rx, buf, &len), SRTP_SESSION_ERR_AUTH);
    memcpy(buf, auth, an);
    ASSERT_EQ(srtp_ossl_unprotect_rtcp(rx, buf, &len), 0);
    ASSERT_EQ(len, pn);
    ASSERT_MEM_EQ(buf, plain, pn);
    srtp_ossl_free(rx);
}

/* ---- cross-validation with libsrtp2 ---- */

/* Four ends: ours and libsrtp's with keys a, ours and libsrtp's with keys b
 * (a's peer). */
typedef struct ends {
    srtp_profile_id p;
    srtp_ossl *oa, *ob;
    srtp_session *la, *lb;
} ends;

static void ends_open(ends *e, srtp_profile_id p) {
    dtls_srtp_keys a, b;
    make_keys(p, &a, &b);
    e->p = p;
    e->oa = srtp_ossl_new(&a);
    e->ob = srtp_ossl_new(&b);
    e->la = srtp_session_new(&a);
    e->lb = srtp_session_new(&b);
    ASSERT(e->oa && e->ob && e->la && e->lb);
}

static void ends_close(ends *e) {
    srtp_ossl_free(e->oa);
    srtp_ossl_free(e->ob);
    srtp_session_free(e->la);
    srtp_session_free(e->lb);
}

/* One RTP packet both ways: ours and libsrtp's protection give the same
 * bytes; each side unprotects what the other protected. */
static void cross_rtp(ends *e, const uint8_t *plain, size_t n) {
    uint8_t ours[BUF_CAP], lib[BUF_CAP];
    size_t on = n, ln = n;
    memcpy(ours, plain, n);
    memcpy(lib, plain, n);
    ASSERT_EQ(srtp_ossl_protect_rtp(e->oa, ours, &on, sizeof ours), 0);
    ASSERT_EQ(srtp_session_protect_rtp(e->la, lib, &ln, sizeof lib), 0);
    ASSERT_EQ(on, n + tag_len(e->p));
    ASSERT_EQ(ln, on);
    ASSERT_MEM_EQ(ours, lib, on);
    ASSERT_EQ(srtp_session_unprotect_rtp(e->lb, ours, &on), 0); /* ours -> libsrtp */
    ASSERT_EQ(on, n);
    ASSERT_MEM_EQ(ours, plain, n);

    on = ln = n;
    memcpy(ours, plain, n);
    memcpy(lib, plain, n);
    ASSERT_EQ(srtp_ossl_protect_rtp(e->ob, ours, &on, sizeof ours), 0);
    ASSERT_EQ(srtp_session_protect_rtp(e->lb, lib, &ln, sizeof lib), 0);
    ASSERT_EQ(ln, on);
    ASSERT_MEM_EQ(ours, lib, on);
    ASSERT_EQ(srtp_ossl_unprotect_rtp(e->oa, lib, &ln), 0); /* libsrtp -> ours */
    ASSERT_EQ(ln, n);
    ASSERT_MEM_EQ(lib, plain, n);
}

static void cross_rtcp(ends *e, const uint8_t *plain, size_t n) {
    uint8_t ours[BUF_CAP], lib[BUF_CAP];
    size_t on = n, ln = n;
    memcpy(ours, plain, n);
    memcpy(lib, plain, n);
    ASSERT_EQ(srtp_ossl_protect_rtcp(e->oa, ours, &on, sizeof ours), 0);
    ASSERT_EQ(srtp_session_protect_rtcp(e->la, lib, &ln, sizeof lib), 0);
    ASSERT_EQ(on, n + 4 + tag_len(e->p));
    ASSERT_EQ(ln, on);
    ASSERT_MEM_EQ(ours, lib, on);
    ASSERT_EQ(srtp_session_unprotect_rtcp(e->lb, ours, &on), 0);
    ASSERT_EQ(on, n);
    ASSERT_MEM_EQ(ours, plain, n);

    ln = n;
    memcpy(lib, plain, n);
    ASSERT_EQ(srtp_session_protect_rtcp(e->lb, lib, &ln, sizeof lib), 0);
    ASSERT_EQ(srtp_ossl_unprotect_rtcp(e->oa, lib, &ln), 0);
    ASSERT_EQ(ln, n);
    ASSERT_MEM_EQ(lib, plain, n);
}

/* Three interleaved SSRCs, random payloads of 0..1200 bytes, every
 * combination of CSRCs and header extension: the first SSRC sends 70,000
 * packets from sequence number 65000 (two wraps, ROC 0 -> 2), the others
 * 3000 across one wrap. Then RTCP from several SSRCs. */
static void cross_validate(srtp_profile_id p) {
    ends e;
    ends_open(&e, p);
    static const uint32_t ssrcs[] = {0x11223344, 0xdeadbeef, 7};
    static const uint16_t first_seq[] = {65000, 63000, 65535};
    uint8_t plain[BUF_CAP];
    for (int i = 0; i < 70000; i++) {
        for (int k = 0; k < (i < 3000 ? 3 : 1); k++) {
            int csrcs = (i + k) % 4 == 1 || (i + k) % 4 == 3 ? 1 + (int)(rnd() % 3) : 0;
            int ext = (i + k) % 4 >= 2 ? 1 + (int)(rnd() % 4) : 0;
            uint16_t seq = (uint16_t)(first_seq[k] + i);
            size_t n = make_rtp(plain, seq, ssrcs[k], csrcs, ext, rnd() % 1201);
            cross_rtp(&e, plain, n);
        }
    }
    for (int i = 0; i < 3000; i++) {
        size_t n = make_rtcp(plain, ssrcs[i % 3] ^ (uint32_t)(i % 5), (int)(rnd() % 300));
        cross_rtcp(&e, plain, n);
    }
    ends_close(&e);
}

static void test_cross_libsrtp_gcm(void) {
    cross_validate(SRTP_PROFILE_AEAD_AES_128_GCM);
}
static void test_cross_libsrtp_aes_cm_sha1_80(void) {
    cross_validate(SRTP_PROFILE_AES128_CM_SHA1_80);
}

/* A NACK answered from the ring (500 packets back): our sender accepts it
 * and libsrtp's receiver (window 1024) takes it; resending gives the same
 * bytes. */
static void retransmission(srtp_profile_id p) {
    ends e;
    ends_open(&e, p);
    uint8_t plain[BUF_CAP], buf[BUF_CAP], first[BUF_CAP];
    size_t n, len, first_len = 0, first_n = 0;
    uint8_t old_plain[BUF_CAP];
    for (int i = 0; i <= 500; i++) {
        n = make_rtp(plain, (uint16_t)(100 + i), 42, 0, 0, 200);
        memcpy(buf, plain, n);
        len = n;
        ASSERT_EQ(srtp_ossl_protect_rtp(e.oa, buf, &len, sizeof buf), 0);
        if (i == 0) { /* lost: never delivered */
            memcpy(first, buf, len);
            first_len = len;
            first_n = n;
            memcpy(old_plain, plain, n);
            continue;
        }
        ASSERT_EQ(srtp_session_unprotect_rtp(e.lb, buf, &len), 0);
    }
    for (int k = 0; k < 2; k++) {
        memcpy(buf, old_plain, first_n);
        len = first_n;
        ASSERT_EQ(srtp_ossl_protect_rtp(e.oa, buf, &len, sizeof buf), 0);
        ASSERT_EQ(len, first_len);
        ASSERT_MEM_EQ(buf, first, len);
        int rc = srtp_session_unprotect_rtp(e.lb, buf, &len);
        ASSERT_EQ(rc, k == 0 ? 0 : SRTP_SESSION_ERR_REPLAY);
    }
    ends_close(&e);
}

static void test_retransmission(void) {
    retransmission(SRTP_PROFILE_AEAD_AES_128_GCM);
    retransmission(SRTP_PROFILE_AES128_CM_SHA1_80);
}

/* ---- ours to ours: replay, tampering, capacity, malformed input ---- */

typedef struct pair {
    srtp_profile_id p;
    srtp_ossl *tx, *rx;
} pair;

static pair pair_open(srtp_profile_id p) {
    dtls_srtp_keys a, b;
    make_keys(p, &a, &b);
    pair r = {p, srtp_ossl_new(&a), srtp_ossl_new(&b)};
    ASSERT(r.tx && r.rx);
    return r;
}

static void pair_close(pair *r) {
    srtp_ossl_free(r->tx);
    srtp_ossl_free(r->rx);
}

/* Protected copies of RTP packets first..first+count-1 on one SSRC. */
typedef struct pkt {
    uint8_t b[BUF_CAP];
    size_t len;
} pkt;

static void protect_seqs(pair *r, uint32_t ssrc, uint16_t first, int count, pkt *out) {
    for (int i = 0; i < count; i++) {
        size_t n = make_rtp(out[i].b, (uint16_t)(first + i), ssrc, 0, 0, 50);
        out[i].len = n;
        ASSERT_EQ(srtp_ossl_protect_rtp(r->tx, out[i].b, &out[i].len, BUF_CAP), 0);
    }
}

static int deliver(pair *r, const pkt *k) {
    uint8_t b[BUF_CAP];
    size_t len = k->len;
    memcpy(b, k->b, len);
    return srtp_ossl_unprotect_rtp(r->rx, b, &len);
}

static void replay(srtp_profile_id p) {
    pair r = pair_open(p);
    static pkt k[300];
    protect_seqs(&r, 5, 1000, 300, k);
    ASSERT_EQ(deliver(&r, &k[0]), 0);
    ASSERT_EQ(deliver(&r, &k[3]), 0);
    ASSERT_EQ(deliver(&r, &k[1]), 0); /* late, inside the window: once */
    ASSERT_EQ(deliver(&r, &k[1]), SRTP_SESSION_ERR_REPLAY);
    ASSERT_EQ(deliver(&r, &k[3]), SRTP_SESSION_ERR_REPLAY);
    ASSERT_EQ(deliver(&r, &k[2]), 0);
    ASSERT_EQ(deliver(&r, &k[0]), SRTP_SESSION_ERR_REPLAY);

    /* Window bits move from the low word to the high one: 1000 is 60 behind
     * after 1060, 70 behind after 1070. */
    ASSERT_EQ(deliver(&r, &k[60]), 0);
    ASSERT_EQ(deliver(&r, &k[70]), 0);
    ASSERT_EQ(deliver(&r, &k[0]), SRTP_SESSION_ERR_REPLAY);
    ASSERT_EQ(deliver(&r, &k[3]), SRTP_SESSION_ERR_REPLAY);
    ASSERT_EQ(deliver(&r, &k[5]), 0);
    ASSERT_EQ(deliver(&r, &k[5]), SRTP_SESSION_ERR_REPLAY);

    /* A tampered copy fails and leaves no trace: the real one still goes. */
    pkt bad = k[4];
    bad.b[bad.len - 1] ^= 1;
    ASSERT_EQ(deliver(&r, &bad), SRTP_SESSION_ERR_AUTH);
    ASSERT_EQ(deliver(&r, &k[4]), 0);
    ASSERT_EQ(deliver(&r, &k[4]), SRTP_SESSION_ERR_REPLAY);

    /* Newest 1200 (index top): 1200 - 127 is inside the window, 1200 - 128
     * is not, whether seen before or not. */
    ASSERT_EQ(deliver(&r, &k[200]), 0);
    ASSERT_EQ(deliver(&r, &k[200 - 127]), 0);
    ASSERT_EQ(deliver(&r, &k[200 - 128]), SRTP_SESSION_ERR_REPLAY);
    ASSERT_EQ(deliver(&r, &k[5]), SRTP_SESSION_ERR_REPLAY);
    ASSERT_EQ(deliver(&r, &k[299]), 0); /* jump of 99: window shifts */
    ASSERT_EQ(deliver(&r, &k[200]), SRTP_SESSION_ERR_REPLAY);
    ASSERT_EQ(deliver(&r, &k[250]), 0);
    ASSERT_EQ(deliver(&r, &k[172]), 0); /* 127 behind 299 */
    ASSERT_EQ(deliver(&r, &k[171]), SRTP_SESSION_ERR_REPLAY);

    /* SRTCP: the same rules on its own index. */
    static pkt c[3];
    uint8_t b[BUF_CAP];
    for (int i = 0; i < 3; i++) {
        c[i].len = make_rtcp(c[i].b, 5, 4);
        ASSERT_EQ(srtp_ossl_protect_rtcp(r.tx, c[i].b, &c[i].len, BUF_CAP), 0);
    }
    int order[] = {2, 0, 0, 1, 2};
    int want[] = {0, 0, SRTP_SESSION_ERR_REPLAY, 0, SRTP_SESSION_ERR_REPLAY};
    for (int i = 0; i < 5; i++) {
        size_t len = c[order[i]].len;
        memcpy(b, c[order[i]].b, len);
        ASSERT_EQ(srtp_ossl_unprotect_rtcp(r.rx, b, &len), want[i]);
    }
    pair_close(&r);
}

static void test_replay_window(void) {
    replay(SRTP_PROFILE_AEAD_AES_128_GCM);
    replay(SRTP_PROFILE_AES128_CM_SHA1_80);
}

/* Reordering around a wrap: the ROC of each packet is estimated right. */
static void wrap_reorder(srtp_profile_id p) {
    pair r = pair_open(p);
    pkt k[6]; /* 65533, 65534, 65535, 0, 1, 2 */
    protect_seqs(&r, 9, 65533, 6, k);
    int order[] = {0, 3, 2, 4, 1, 5};
    for (int i = 0; i < 6; i++)
        ASSERT_EQ(deliver(&r, &k[order[i]]), 0);
    for (int i = 0; i < 6; i++)
        ASSERT_EQ(deliver(&r, &k[i]), SRTP_SESSION_ERR_REPLAY);
    pair_close(&r);
}

static void test_wrap_reorder(void) {
    wrap_reorder(SRTP_PROFILE_AEAD_AES_128_GCM);
    wrap_reorder(SRTP_PROFILE_AES128_CM_SHA1_80);
}

static void tamper(srtp_profile_id p) {
    pair r = pair_open(p);
    uint8_t plain[BUF_CAP], b[BUF_CAP];
    /* RTP with CSRCs and an extension: header bytes, CSRC, extension,
     * payload, tag. Each flip on a fresh sequence number. */
    size_t spots[] = {1, 5, 9, 13, 22, 40, 100, 0};
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        size_t n = make_rtp(plain, (uint16_t)(10 + i), 77, 1, 2, 120), len = n;
        memcpy(b, plain, n);
        ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, b, &len, sizeof b), 0);
        size_t at = spots[i] ? spots[i] : len - 1;
        b[at] ^= 0x10;
        ASSERT_EQ(srtp_ossl_unprotect_rtp(r.rx, b, &len), SRTP_SESSION_ERR_AUTH);
    }
    /* RTCP: header, SSRC, body, E+index word, tag. */
    size_t n = make_rtcp(plain, 77, 10);
    size_t t = tag_len(p);
    size_t word = p == SRTP_PROFILE_AEAD_AES_128_GCM ? n + t : n;
    size_t rspots[] = {1, 6, 20, word, word + 3, n + 4 + t - 1};
    for (size_t i = 0; i < sizeof rspots / sizeof rspots[0]; i++) {
        size_t len = n;
        memcpy(b, plain, n);
        ASSERT_EQ(srtp_ossl_protect_rtcp(r.tx, b, &len, sizeof b), 0);
        b[rspots[i]] ^= 0x80;
        ASSERT_EQ(srtp_ossl_unprotect_rtcp(r.rx, b, &len), SRTP_SESSION_ERR_AUTH);
    }
    pair_close(&r);
}

static void test_tamper(void) {
    tamper(SRTP_PROFILE_AEAD_AES_128_GCM);
    tamper(SRTP_PROFILE_AES128_CM_SHA1_80);
}

/* cap one byte short: NOSPACE, buffer and length untouched (heap buffers of
 * exactly cap bytes, so ASan sees any write past it); exact cap works. */
static void nospace(srtp_profile_id p) {
    pair r = pair_open(p);
    uint8_t plain[BUF_CAP];
    for (int rtcp = 0; rtcp < 2; rtcp++) {
        size_t n = rtcp ? make_rtcp(plain, 3, 20) : make_rtp(plain, 1, 3, 2, 1, 300);
        size_t cap = n + tag_len(p) + (rtcp ? 4 : 0);
        uint8_t *tight = malloc(cap - 1), *exact = malloc(cap);
        ASSERT(tight && exact);
        memcpy(tight, plain, n);
        size_t len = n;
        int rc = rtcp ? srtp_ossl_protect_rtcp(r.tx, tight, &len, cap - 1)
                      : srtp_ossl_protect_rtp(r.tx, tight, &len, cap - 1);
        ASSERT_EQ(rc, SRTP_SESSION_ERR_NOSPACE);
        ASSERT_EQ(len, n);
        ASSERT_MEM_EQ(tight, plain, n);
        memcpy(exact, plain, n);
        rc = rtcp ? srtp_ossl_protect_rtcp(r.tx, exact, &len, cap)
                  : srtp_ossl_protect_rtp(r.tx, exact, &len, cap);
        ASSERT_EQ(rc, 0);
        ASSERT_EQ(len, cap);
        rc = rtcp ? srtp_ossl_unprotect_rtcp(r.rx, exact, &len)
                  : srtp_ossl_unprotect_rtp(r.rx, exact, &len);
        ASSERT_EQ(rc, 0);
        ASSERT_EQ(len, n);
        ASSERT_MEM_EQ(exact, plain, n);
        len = n;
        rc = rtcp ? srtp_ossl_protect_rtcp(r.tx, exact, &len, n - 1)
                  : srtp_ossl_protect_rtp(r.tx, exact, &len, n - 1);
        ASSERT_EQ(rc, SRTP_SESSION_ERR_NOSPACE); /* cap below len */
        free(tight);
        free(exact);
    }
    pair_close(&r);
}

static void test_nospace(void) {
    nospace(SRTP_PROFILE_AEAD_AES_128_GCM);
    nospace(SRTP_PROFILE_AES128_CM_SHA1_80);
}

static void malformed(srtp_profile_id p) {
    pair r = pair_open(p);
    uint8_t b[BUF_CAP];
    size_t t = tag_len(p), len;
    ASSERT_EQ(srtp_ossl_protect_rtp(NULL, b, &len, sizeof b), SRTP_SESSION_ERR);
    ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, NULL, &len, sizeof b), SRTP_SESSION_ERR);
    ASSERT_EQ(srtp_ossl_unprotect_rtp(r.rx, b, NULL), SRTP_SESSION_ERR);
    ASSERT_EQ(srtp_ossl_unprotect_rtcp(NULL, b, &len), SRTP_SESSION_ERR);

    size_t n = make_rtp(b, 1, 1, 0, 0, 0);
    len = 11;
    ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, b, &len, sizeof b), SRTP_SESSION_ERR);
    b[0] = 0x40; /* version 1 */
    len = n;
    ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, b, &len, sizeof b), SRTP_SESSION_ERR);
    b[0] = 0x8f; /* 15 CSRCs claimed, 40 bytes there */
    len = 40;
    ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, b, &len, sizeof b), SRTP_SESSION_ERR);
    b[0] = 0x90; /* extension bit, no room for its header */
    len = 14;
    ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, b, &len, sizeof b), SRTP_SESSION_ERR);
    b[12] = 0xbe, b[13] = 0xde, b[14] = 0x01, b[15] = 0x00; /* 256 words claimed */
    len = 100;
    ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, b, &len, sizeof b), SRTP_SESSION_ERR);
    b[14] = 0, b[15] = 2; /* 2 words, header exactly fills 24 bytes: empty payload */
    len = 24;
    ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, b, &len, sizeof b), 0);
    ASSERT_EQ(srtp_ossl_unprotect_rtp(r.rx, b, &len), 0);
    ASSERT_EQ(len, 24);

    /* Unprotect: the header must fit in front of the tag. */
    len = t - 1;
    ASSERT_EQ(srtp_ossl_unprotect_rtp(r.rx, b, &len), SRTP_SESSION_ERR);
    len = 24 + t - 1; /* extension reaches into the tag */
    ASSERT_EQ(srtp_ossl_unprotect_rtp(r.rx, b, &len), SRTP_SESSION_ERR);
    memset(b, 0x80, 64);
    len = 64; /* parses, but it is garbage */
    ASSERT_EQ(srtp_ossl_unprotect_rtp(r.rx, b, &len), SRTP_SESSION_ERR_AUTH);

    /* RTCP: 8 bytes at least; protected: 8 + 4 + tag. */
    n = make_rtcp(b, 1, 0);
    len = 7;
    ASSERT_EQ(srtp_ossl_protect_rtcp(r.tx, b, &len, sizeof b), SRTP_SESSION_ERR);
    len = 8 + 4 + t - 1;
    ASSERT_EQ(srtp_ossl_unprotect_rtcp(r.rx, b, &len), SRTP_SESSION_ERR);
    b[0] = 0x00;
    len = n;
    ASSERT_EQ(srtp_ossl_protect_rtcp(r.tx, b, &len, sizeof b), SRTP_SESSION_ERR);

    /* Over SRTP_OSSL_MAX_LEN. */
    size_t big = SRTP_OSSL_MAX_LEN + 1;
    uint8_t *huge = calloc(1, big + 32);
    ASSERT(huge);
    huge[0] = 0x80;
    len = big;
    ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, huge, &len, big + 32), SRTP_SESSION_ERR);
    ASSERT_EQ(srtp_ossl_protect_rtcp(r.tx, huge, &len, big + 32), SRTP_SESSION_ERR);
    len = big + 20;
    ASSERT_EQ(srtp_ossl_unprotect_rtp(r.rx, huge, &len), SRTP_SESSION_ERR);
    ASSERT_EQ(srtp_ossl_unprotect_rtcp(r.rx, huge, &len), SRTP_SESSION_ERR);
    free(huge);
    pair_close(&r);
}

static void test_malformed(void) {
    malformed(SRTP_PROFILE_AEAD_AES_128_GCM);
    malformed(SRTP_PROFILE_AES128_CM_SHA1_80);
}

/* Forged packets never take a slot; 64 inbound and 256 outbound SSRCs fit,
 * one more is refused while the known ones keep working. */
static void test_ssrc_table(void) {
    pair r = pair_open(SRTP_PROFILE_AEAD_AES_128_GCM);
    uint8_t b[BUF_CAP];
    for (int i = 0; i < 1000; i++) {
        size_t len = make_rtp(b, 1, rnd(), 0, 0, 40);
        ASSERT_EQ(srtp_ossl_unprotect_rtp(r.rx, b, &len), SRTP_SESSION_ERR_AUTH);
        len = make_rtcp(b, rnd(), 10);
        ASSERT_EQ(srtp_ossl_unprotect_rtcp(r.rx, b, &len), SRTP_SESSION_ERR_AUTH);
    }
    for (uint32_t i = 0; i <= SRTP_OSSL_MAX_SSRC_IN; i++) {
        size_t len = make_rtp(b, 1, 1000 + i * 7919, 0, 0, 40);
        ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, b, &len, sizeof b), 0);
        int want = i < SRTP_OSSL_MAX_SSRC_IN ? 0 : SRTP_SESSION_ERR;
        ASSERT_EQ(srtp_ossl_unprotect_rtp(r.rx, b, &len), want);
    }
    size_t len = make_rtp(b, 2, 1000, 0, 0, 40); /* the first SSRC, next packet */
    ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, b, &len, sizeof b), 0);
    ASSERT_EQ(srtp_ossl_unprotect_rtp(r.rx, b, &len), 0);
    len = make_rtcp(b, 1000 + 3 * 7919, 2); /* RTCP of a known SSRC */
    ASSERT_EQ(srtp_ossl_protect_rtcp(r.tx, b, &len, sizeof b), 0);
    ASSERT_EQ(srtp_ossl_unprotect_rtcp(r.rx, b, &len), 0);

    /* Outbound: MAX_SSRC_IN + 1 SSRCs sent so far, room for the rest. */
    uint32_t room = SRTP_OSSL_MAX_SSRC_OUT - (SRTP_OSSL_MAX_SSRC_IN + 1);
    for (uint32_t i = 0; i <= room; i++) {
        len = make_rtcp(b, 0xf0000000u + i, 2);
        int want = i < room ? 0 : SRTP_SESSION_ERR;
        ASSERT_EQ(srtp_ossl_protect_rtcp(r.tx, b, &len, sizeof b), want);
    }
    len = make_rtp(b, 3, 1000, 0, 0, 40); /* known outbound SSRCs still go */
    ASSERT_EQ(srtp_ossl_protect_rtp(r.tx, b, &len, sizeof b), 0);
    pair_close(&r);
}

/* Forgetting frees table slots for new SSRCs, and every SSRC that stays
 * keeps its state: libsrtp2, as receiver, accepts the next SRTCP index of
 * each (a lost entry would restart at index 1, a replay). Many rounds of
 * churn exercise the backward shift of the probing runs. */
static void test_forget(void) {
    ends e;
    ends_open(&e, SRTP_PROFILE_AEAD_AES_128_GCM);
    uint8_t b[BUF_CAP];
    uint32_t live[SRTP_OSSL_MAX_SSRC_OUT];
    uint32_t next_ssrc = 0x10000;
    for (int i = 0; i < SRTP_OSSL_MAX_SSRC_OUT; i++) {
        live[i] = next_ssrc++;
        size_t len = make_rtcp(b, live[i], 2);
        ASSERT_EQ(srtp_ossl_protect_rtcp(e.oa, b, &len, sizeof b), 0);
        ASSERT_EQ(srtp_session_unprotect_rtcp(e.lb, b, &len), 0);
    }
    size_t len = make_rtcp(b, next_ssrc, 2); /* full */
    ASSERT_EQ(srtp_ossl_protect_rtcp(e.oa, b, &len, sizeof b), SRTP_SESSION_ERR);
    srtp_ossl_forget(e.oa, 0xdeadbeef, 1); /* unknown: nothing happens */
    for (int round = 0; round < 20; round++) {
        /* Replace a random third of the SSRCs by new ones. */
        for (int k = 0; k < SRTP_OSSL_MAX_SSRC_OUT / 3; k++) {
            int i = (int)(rnd() % SRTP_OSSL_MAX_SSRC_OUT);
            srtp_ossl_forget(e.oa, live[i], 1);
            live[i] = next_ssrc++;
            len = make_rtcp(b, live[i], 2);
            ASSERT_EQ(srtp_ossl_protect_rtcp(e.oa, b, &len, sizeof b), 0);
            ASSERT_EQ(srtp_session_unprotect_rtcp(e.lb, b, &len), 0);
        }
        for (int i = 0; i < SRTP_OSSL_MAX_SSRC_OUT; i++) {
            len = make_rtcp(b, live[i], 2);
            ASSERT_EQ(srtp_ossl_protect_rtcp(e.oa, b, &len, sizeof b), 0);
            ASSERT_EQ(srtp_session_unprotect_rtcp(e.lb, b, &len), 0);
        }
    }
    /* Inbound: a forgotten SSRC frees a slot for a new sender. */
    for (uint32_t i = 0; i < SRTP_OSSL_MAX_SSRC_IN; i++) {
        len = make_rtp(b, 1, 0x500000 + i, 0, 0, 40);
        ASSERT_EQ(srtp_session_protect_rtp(e.la, b, &len, sizeof b), 0);
        ASSERT_EQ(srtp_ossl_unprotect_rtp(e.ob, b, &len), 0);
    }
    len = make_rtp(b, 1, 0x600000, 0, 0, 40);
    ASSERT_EQ(srtp_session_protect_rtp(e.la, b, &len, sizeof b), 0);
    uint8_t copy[BUF_CAP];
    size_t clen = len;
    memcpy(copy, b, len);
    ASSERT_EQ(srtp_ossl_unprotect_rtp(e.ob, b, &len), SRTP_SESSION_ERR); /* full */
    srtp_ossl_forget(e.ob, 0x500000 + 5, 0);
    ASSERT_EQ(srtp_ossl_unprotect_rtp(e.ob, copy, &clen), 0);
    for (uint32_t i = 0; i < SRTP_OSSL_MAX_SSRC_IN; i++) { /* the others keep their windows */
        if (i == 5) continue;
        len = make_rtp(b, 2, 0x500000 + i, 0, 0, 40);
        ASSERT_EQ(srtp_session_protect_rtp(e.la, b, &len, sizeof b), 0);
        ASSERT_EQ(srtp_ossl_unprotect_rtp(e.ob, b, &len), 0);
    }
    ends_close(&e);
}

static void test_wrong_keys(void) {
    pair r1 = pair_open(SRTP_PROFILE_AES128_CM_SHA1_80);
    pair r2 = pair_open(SRTP_PROFILE_AES128_CM_SHA1_80);
    uint8_t b[BUF_CAP];
    size_t len = make_rtp(b, 1, 1, 0, 0, 100);
    ASSERT_EQ(srtp_ossl_protect_rtp(r1.tx, b, &len, sizeof b), 0);
    ASSERT_EQ(srtp_ossl_unprotect_rtp(r2.rx, b, &len), SRTP_SESSION_ERR_AUTH);
    pair_close(&r1);
    pair_close(&r2);
}

static void test_bad_keys_rejected(void) {
    dtls_srtp_keys k;
    memset(&k, 0, sizeof k);
    k.profile = SRTP_PROFILE_AEAD_AES_128_GCM;
    k.key_len = 16;
    k.salt_len = 14; /* GCM wants 12 */
    ASSERT(srtp_ossl_new(&k) == NULL);
    k.salt_len = 12;
    srtp_ossl *s = srtp_ossl_new(&k);
    ASSERT(s);
    srtp_ossl_free(s);
    k.profile = SRTP_PROFILE_AES128_CM_SHA1_80; /* wants 14 */
    ASSERT(srtp_ossl_new(&k) == NULL);
    k.salt_len = 14;
    k.key_len = 32;
    ASSERT(srtp_ossl_new(&k) == NULL);
    k.key_len = 16;
    k.profile = (srtp_profile_id)2;
    ASSERT(srtp_ossl_new(&k) == NULL);
    ASSERT(srtp_ossl_new(NULL) == NULL);
    ASSERT(srtp_ossl__new_session_keys(SRTP_PROFILE_AES128_CM_SHA1_80, k.local_key, k.local_salt,
                                       NULL) == NULL); /* AES-CM needs auth */
    srtp_ossl_free(NULL);
}

int main(void) {
    RUN_TEST(test_rfc3711_b3_key_derivation);
    RUN_TEST(test_rfc3711_b2_aes_cm_keystream);
    RUN_TEST(test_aes_cm_srtcp_auth_only);
    RUN_TEST(test_rfc7714_16_srtp_gcm);
    RUN_TEST(test_rfc7714_17_srtcp_gcm);
    RUN_TEST(test_cross_libsrtp_gcm);
    RUN_TEST(test_cross_libsrtp_aes_cm_sha1_80);
    RUN_TEST(test_retransmission);
    RUN_TEST(test_replay_window);
    RUN_TEST(test_wrap_reorder);
    RUN_TEST(test_tamper);
    RUN_TEST(test_nospace);
    RUN_TEST(test_malformed);
    RUN_TEST(test_ssrc_table);
    RUN_TEST(test_forget);
    RUN_TEST(test_wrong_keys);
    RUN_TEST(test_bad_keys_rejected);
    TEST_DONE();
}
