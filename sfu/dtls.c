/* DTLS-SRTP over OpenSSL with memory BIOs: see dtls.h. */
#include "sfu/dtls.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/log.h"

#define TAG "dtls"

/* Browsers offer these with ECDSA certificates; ours is ECDSA, so only the
 * ECDSA suites can ever be chosen. */
#define DTLS_CIPHERS                                                                               \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"                                 \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA"
/* Server preference order decides (OpenSSL picks the first of ours the
 * client offered): GCM first. */
#define DTLS_SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"
#define DTLS_EXPORTER_LABEL "EXTRACTOR-dtls_srtp"

/* Retransmission timeout: first wait, doubled per retransmission up to the
 * cap (RFC 6347 §4.2.4.1 allows less than its 1 s for known-short paths;
 * WebRTC peers use 50 ms .. 3 s). OpenSSL gives up after 12 retransmissions,
 * which at these values comes after our 30 s deadline. */
#define DTLS_RTO_INITIAL_US 250000u
#define DTLS_RTO_MAX_US 4000000u

#define DTLS_RECORD_HEADER 13
#define DTLS_CT_APPLICATION_DATA 23
#define SHA256_LEN 32

struct dtls_cert {
    EVP_PKEY *key;
    X509 *x509;
    char fp[DTLS_FINGERPRINT_LEN + 1];
};

struct dtls_ctx {
    SSL_CTX *ssl_ctx;
    dtls_role role;
};

struct dtls_conn {
    dtls_ctx *ctx;
    SSL *ssl;
    BIO *rbio, *wbio; /* owned by ssl */
    dtls_state state;
    dtls_error err;
    uint8_t expected_fp[SHA256_LEN];
    int fp_mismatch; /* set by the verify callback */
    int started;
    uint64_t start_us;
    /* After the handshake: the smallest body an authentic record of the
     * negotiated epoch can have (explicit nonce or IV plus tag or MAC). */
    size_t min_protected;
    /* OpenSSL failed on a record after the handshake (see drain_records):
     * it is never asked again, the SRTP keys stand. */
    int ssl_dead;
};

/* The reason of the oldest queued OpenSSL error, for one log line. */
static const char *ossl_reason(void) {
    unsigned long e = ERR_peek_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "no detail";
}

/* ---- fingerprints ---- */

static void fp_format(const uint8_t md[SHA256_LEN], char out[DTLS_FINGERPRINT_LEN + 1]) {
    static const char hex[] = "0123456789ABCDEF";
    char *p = out;
    for (int i = 0; i < SHA256_LEN; i++) {
        if (i) *p++ = ':';
        *p++ = hex[md[i] >> 4];
        *p++ = hex[md[i] & 15];
    }
    *p = 0;
}

static int hexval(int ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    ch = tolower(ch);
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}

/* "AB:cd:..." (exactly 32 pairs, surrounding blanks allowed) -> bytes. */
static int fp_parse(const char *s, uint8_t out[SHA256_LEN]) {
    while (*s == ' ' || *s == '\t')
        s++;
    for (int i = 0; i < SHA256_LEN; i++) {
        if (i && *s++ != ':') return -1;
        int hi = hexval((unsigned char)s[0]);
        int lo = hi < 0 ? -1 : hexval((unsigned char)s[1]);
        if (lo < 0) return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return *s ? -1 : 0;
}

static int cert_sha256(X509 *x, uint8_t md[SHA256_LEN]) {
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!x || X509_digest(x, EVP_sha256(), buf, &n) != 1 || n != SHA256_LEN) return -1;
    memcpy(md, buf, SHA256_LEN);
    return 0;
}

static int cert_matches(const dtls_conn *c, X509 *x) {
    uint8_t md[SHA256_LEN];
    return cert_sha256(x, md) == 0 && CRYPTO_memcmp(md, c->expected_fp, SHA256_LEN) == 0;
}

/* ---- certificate ---- */

static X509 *make_x509(EVP_PKEY *key) {
    X509 *x = X509_new();
    BIGNUM *bn = BN_new();
    X509_NAME *name = X509_NAME_new();
    uint8_t serial[8];
    int ok = x && bn && name && RAND_bytes(serial, sizeof serial) == 1;
    if (ok) {
        serial[0] &= 0x7f; /* positive */
        serial[0] |= 0x01; /* and never zero */
        ok = BN_bin2bn(serial, sizeof serial, bn) &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    }
    ok = ok && X509_set_version(x, 2) == 1; /* v3 */
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -30L * 86400) &&
         X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400);
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"relais",
                                          -1, -1, 0) == 1;
    ok = ok && X509_set_subject_name(x, name) == 1 && X509_set_issuer_name(x, name) == 1;
    ok = ok && X509_set_pubkey(x, key) == 1 && X509_sign(x, key, EVP_sha256()) > 0;
    BN_free(bn);
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

int dtls_cert_generate(dtls_cert **out) {
    dtls_cert *c = calloc(1, sizeof *c);
    if (!c) return -1;
    uint8_t md[SHA256_LEN];
    c->key = EVP_EC_gen("P-256");
    if (c->key) c->x509 = make_x509(c->key);
    if (!c->x509 || cert_sha256(c->x509, md) != 0) {
        LOG_E(TAG, "certificate generation failed: %s", ossl_reason());
        ERR_clear_error();
        dtls_cert_free(c);
        return -1;
    }
    fp_format(md, c->fp);
    *out = c;
    return 0;
}

const char *dtls_cert_fingerprint(const dtls_cert *c) {
    return c->fp;
}

int dtls_cert_der(const dtls_cert *c, uint8_t *out, size_t cap) {
    int n = i2d_X509(c->x509, NULL);
    if (n <= 0) return -1;
    if (out && cap >= (size_t)n) {
        unsigned char *p = out;
        if (i2d_X509(c->x509, &p) != n) return -1;
    }
    return n;
}

void dtls_cert_free(dtls_cert *c) {
    if (!c) return;
    X509_free(c->x509);
    EVP_PKEY_free(c->key);
    free(c);
}

/* ---- context ---- */

/* The peer's certificate is self-signed: chain errors are expected and
 * ignored; the only check is that its SHA-256 matches the fingerprint from
 * the SDP. Failing here aborts the handshake with a bad_certificate alert. */
static int verify_cb(int preverify_ok, X509_STORE_CTX *store) {
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    dtls_conn *c = ssl ? SSL_get_app_data(ssl) : NULL;
    if (!c) return 0;
    if (!cert_matches(c, X509_STORE_CTX_get0_cert(store))) {
        c->fp_mismatch = 1;
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
        return 0;
    }
    return 1;
}

static unsigned int rto_cb(SSL *ssl, unsigned int prev_us) {
    if (prev_us == 0) return DTLS_RTO_INITIAL_US;
    return prev_us >= DTLS_RTO_MAX_US / 2 ? DTLS_RTO_MAX_US : prev_us * 2;
}

dtls_ctx *dtls_ctx_new(const dtls_cert *cert, dtls_role role) {
    dtls_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->role = role;
    SSL_CTX *s =
        SSL_CTX_new(role == DTLS_ROLE_SERVER ? DTLS_server_method() : DTLS_client_method());
    ctx->ssl_ctx = s;
    int ok = s != NULL;
    ok = ok && SSL_CTX_set_min_proto_version(s, DTLS1_2_VERSION) == 1 &&
         SSL_CTX_set_max_proto_version(s, DTLS1_2_VERSION) == 1;
    if (ok) {
        /* MTU is ours to set (memory BIOs cannot be asked); no resumption,
         * no renegotiation: WebRTC uses neither. */
        SSL_CTX_set_options(s, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                                   SSL_OP_CIPHER_SERVER_PREFERENCE);
        SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
        /* Nothing we send exceeds a datagram; this shrinks the per-connection
         * write buffer from ~17 KB to ~1.5 KB. */
        SSL_CTX_set_max_send_fragment(s, DTLS_MTU);
    }
    ok = ok && SSL_CTX_set_cipher_list(s, DTLS_CIPHERS) == 1;
    ok = ok && SSL_CTX_set1_groups_list(s, "P-256") == 1;
    ok = ok && SSL_CTX_use_certificate(s, cert->x509) == 1 &&
         SSL_CTX_use_PrivateKey(s, cert->key) == 1 && SSL_CTX_check_private_key(s) == 1;
    ok = ok && SSL_CTX_set_tlsext_use_srtp(s, DTLS_SRTP_PROFILES) == 0; /* 0 = success */
    if (!ok) {
        LOG_E(TAG, "SSL_CTX setup failed: %s", ossl_reason());
        ERR_clear_error();
        dtls_ctx_free(ctx);
        return NULL;
    }
    int mode = SSL_VERIFY_PEER;
    if (role == DTLS_ROLE_SERVER) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(s, mode, verify_cb);
    return ctx;
}

void dtls_ctx_free(dtls_ctx *ctx) {
    if (!ctx) return;
    SSL_CTX_free(ctx->ssl_ctx);
    free(ctx);
}

int dtls_ctx_set_srtp_profiles(dtls_ctx *ctx, const char *profiles) {
    if (!ctx || !profiles) return -1;
    if (SSL_CTX_set_tlsext_use_srtp(ctx->ssl_ctx, profiles) != 0) {
        ERR_clear_error();
        return -1;
    }
    return 0;
}

/* ---- connection ---- */

dtls_conn *dtls_conn_new(dtls_ctx *ctx, const char *expected_fp_sha256) {
    if (!ctx || !expected_fp_sha256) return NULL;
    dtls_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->ctx = ctx;
    if (fp_parse(expected_fp_sha256, c->expected_fp) != 0) {
        LOG_W(TAG, "unparsable peer fingerprint");
        free(c);
        return NULL;
    }
    c->ssl = SSL_new(ctx->ssl_ctx);
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (!c->ssl || !c->rbio || !c->wbio) {
        BIO_free(c->rbio);
        BIO_free(c->wbio);
        SSL_free(c->ssl);
        free(c);
        ERR_clear_error();
        return NULL;
    }
    /* Empty BIO = "try again later", not end of file. */
    BIO_set_mem_eof_return(c->rbio, -1);
    BIO_set_mem_eof_return(c->wbio, -1);
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    SSL_set_app_data(c->ssl, c);
    DTLS_set_timer_cb(c->ssl, rto_cb);
    DTLS_set_link_mtu(c->ssl, DTLS_MTU);
    if (ctx->role == DTLS_ROLE_SERVER)
        SSL_set_accept_state(c->ssl);
    else
        SSL_set_connect_state(c->ssl);
    return c;
}

void dtls_conn_free(dtls_conn *c) {
    if (!c) return;
    SSL_free(c->ssl);
    free(c);
}

static const char *role_str(const dtls_conn *c) {
    return c->ctx->role == DTLS_ROLE_SERVER ? "server" : "client";
}

/* Once per connection, never per datagram. */
static void conn_fail(dtls_conn *c, dtls_error e) {
    if (c->state == DTLS_STATE_FAILED) return;
    log_msg(e == DTLS_ERR_FINGERPRINT ? LOG_WARN : LOG_INFO, TAG, "%s failed %s: %s (%s)",
            role_str(c), c->state == DTLS_STATE_CONNECTED ? "after handshake" : "in handshake",
            dtls_error_str(e), ossl_reason());
    c->state = DTLS_STATE_FAILED;
    c->err = e;
}

static srtp_profile_id selected_profile(dtls_conn *c) {
    SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(c->ssl);
    if (!p) return 0;
    if (p->id == SRTP_AEAD_AES_128_GCM) return SRTP_PROFILE_AEAD_AES_128_GCM;
    if (p->id == SRTP_AES128_CM_SHA1_80) return SRTP_PROFILE_AES128_CM_SHA1_80;
    return 0; /* a profile we have no key layout for */
}

/* Body bytes of the shortest record an authentic peer can send under the
 * cipher: AES-GCM has an 8-byte explicit nonce and a 16-byte tag,
 * ChaCha20-Poly1305 only the tag, CBC an IV and at least one block of MAC
 * and padding. OpenSSL 3.0 treats a shorter record of the current epoch as
 * fatal rather than discarding it. */
static size_t min_protected_len(const SSL_CIPHER *ciph) {
    if (!ciph) return 48;
    if (SSL_CIPHER_get_cipher_nid(ciph) == NID_chacha20_poly1305) return 16;
    if (SSL_CIPHER_is_aead(ciph)) return 8 + 16;
    return 16 + 32; /* IV, then SHA-1 MAC (20) + padding rounded to a block */
}

/* SSL_do_handshake returned 1. The verify callback already pinned the
 * certificate; check again here so that no path can reach CONNECTED with an
 * unverified peer. */
static void handshake_done(dtls_conn *c) {
    dtls_error e = DTLS_ERR_NONE;
    if (c->fp_mismatch || !cert_matches(c, SSL_get0_peer_certificate(c->ssl)))
        e = DTLS_ERR_FINGERPRINT;
    else if (!selected_profile(c))
        e = DTLS_ERR_NO_SRTP_PROFILE;
    if (e != DTLS_ERR_NONE) {
        conn_fail(c, e);
        SSL_shutdown(c->ssl); /* tell the peer rather than let it time out */
        return;
    }
    c->state = DTLS_STATE_CONNECTED;
    c->min_protected = min_protected_len(SSL_get_current_cipher(c->ssl));
    LOG_D(TAG, "%s connected, %s, SRTP profile %d", role_str(c), SSL_get_cipher_name(c->ssl),
          (int)selected_profile(c));
}

/* After the handshake: read and drop application data, answer retransmitted
 * Finished messages (OpenSSL does that inside SSL_read), notice close_notify
 * and fatal alerts.
 *
 * A fatal alert from the peer is authenticated and ends the connection. Any
 * other failure here comes from a record the peer may never have sent: RFC
 * 6347 4.1.2.7 says to discard invalid records, and anyone who can put a
 * datagram on the 5-tuple must not end a call. So the alert OpenSSL queued
 * is thrown away and the SSL is left alone from then on; SRTP keeps its
 * keys, and the end of the session is learnt from ICE and signaling. */
static void drain_records(dtls_conn *c) {
    uint8_t buf[2048];
    for (int i = 0; i < 64; i++) {
        int r = SSL_read(c->ssl, buf, sizeof buf);
        if (r > 0) continue;
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
        if (e == SSL_ERROR_ZERO_RETURN) {
            LOG_D(TAG, "%s received close_notify", role_str(c));
            c->state = DTLS_STATE_CLOSED;
            SSL_shutdown(c->ssl); /* answer with ours */
        } else if (SSL_get_shutdown(c->ssl) & SSL_RECEIVED_SHUTDOWN) {
            conn_fail(c, DTLS_ERR_HANDSHAKE); /* the peer's fatal alert */
        } else {
            LOG_RATELIMITED(LOG_INFO, TAG,
                            "%s: a record after the handshake upset OpenSSL (%s): "
                            "ignored, the connection stays",
                            role_str(c), ossl_reason());
            (void)BIO_reset(c->wbio);
            c->ssl_dead = 1;
        }
        return;
    }
}

/* Runs OpenSSL on whatever is in the read BIO. The error queue is
 * per-thread and shared with every other SSL on it: leave it empty. */
static void drive(dtls_conn *c) {
    ERR_clear_error();
    if (c->state == DTLS_STATE_HANDSHAKING) {
        int r = SSL_do_handshake(c->ssl);
        if (r == 1) {
            handshake_done(c);
        } else {
            int e = SSL_get_error(c->ssl, r);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                conn_fail(c, c->fp_mismatch ? DTLS_ERR_FINGERPRINT : DTLS_ERR_HANDSHAKE);
        }
    }
    if (c->state == DTLS_STATE_CONNECTED) drain_records(c);
    ERR_clear_error();
}

int dtls_conn_start(dtls_conn *c, uint64_t now_us) {
    if (c->state == DTLS_STATE_FAILED) return -1;
    if (c->state != DTLS_STATE_NEW) return 0;
    c->started = 1;
    c->start_us = now_us;
    c->state = DTLS_STATE_HANDSHAKING;
    if (c->ctx->role == DTLS_ROLE_CLIENT) drive(c);
    return c->state == DTLS_STATE_FAILED ? -1 : 0;
}

/* Bytes of the record starting at p: header plus its length field. */
static size_t record_size(const uint8_t *p) {
    return DTLS_RECORD_HEADER + ((size_t)p[11] << 8 | p[12]);
}

/* A record OpenSSL must not see. Application data: we never use it (no
 * SCTP), and OpenSSL 3.0.19 buffers an early one of the next epoch and, when
 * it cannot decrypt it after the Finished, fails the whole connection with
 * an internal_error alert -- one forged datagram would end a handshake.
 * After the handshake, a record of a protected epoch too short to carry a
 * nonce and tag: OpenSSL fails the connection on those too. */
static int record_unwanted(const dtls_conn *c, const uint8_t *rec) {
    if (rec[0] == DTLS_CT_APPLICATION_DATA) return 1;
    int epoch = rec[3] << 8 | rec[4];
    size_t body = record_size(rec) - DTLS_RECORD_HEADER;
    return c->state == DTLS_STATE_CONNECTED && epoch != 0 && body < c->min_protected;
}

/* Hands one datagram to OpenSSL without the records it must not see (see
 * record_unwanted). What is not a whole record goes through unchanged;
 * OpenSSL drops it. */
static int bio_write_datagram(dtls_conn *c, const uint8_t *in, size_t len) {
    size_t start = 0, pos = 0;
    while (len - pos >= DTLS_RECORD_HEADER) {
        size_t rec = record_size(in + pos);
        if (rec > len - pos) break;
        if (record_unwanted(c, in + pos)) {
            if (pos > start &&
                BIO_write(c->rbio, in + start, (int)(pos - start)) != (int)(pos - start))
                return -1;
            start = pos + rec;
        }
        pos += rec;
    }
    if (len > start && BIO_write(c->rbio, in + start, (int)(len - start)) != (int)(len - start))
        return -1;
    return 0;
}

int dtls_conn_feed(dtls_conn *c, const uint8_t *in, size_t len, uint64_t now_us) {
    if (c->state == DTLS_STATE_FAILED) return -1;
    if (c->state == DTLS_STATE_CLOSED || c->ssl_dead || !in || len == 0 || len > 0xffff) return 0;
    if (c->state == DTLS_STATE_NEW && dtls_conn_start(c, now_us) != 0) return -1;
    if (bio_write_datagram(c, in, len) != 0) {
        ERR_clear_error();
        return 0;
    }
    drive(c);
    /* One datagram at a time: never let a leftover run into the next one. */
    if (BIO_ctrl_pending(c->rbio) > 0) (void)BIO_reset(c->rbio);
    return c->state == DTLS_STATE_FAILED ? -1 : 0;
}

/* Length of the next datagram: whole records, as many as fit in the MTU. The
 * write BIO only ever holds whole records (OpenSSL writes one per call). */
static size_t next_datagram_len(const uint8_t *p, size_t avail) {
    size_t n = 0;
    while (avail - n >= DTLS_RECORD_HEADER) {
        size_t rec = record_size(p + n);
        if (rec > avail - n) break;
        if (n > 0 && n + rec > DTLS_MTU) break;
        n += rec;
    }
    if (n == 0) n = avail < DTLS_MTU ? avail : DTLS_MTU; /* not records: cannot happen */
    return n;
}

int dtls_conn_poll_output(dtls_conn *c, uint8_t *out, size_t cap) {
    char *data = NULL;
    long avail = BIO_get_mem_data(c->wbio, &data);
    if (avail <= 0 || !data) return 0;
    size_t n = next_datagram_len((const uint8_t *)data, (size_t)avail);
    if (n > cap) return -1;
    if (BIO_read(c->wbio, out, (int)n) != (int)n) {
        ERR_clear_error();
        return -1;
    }
    return (int)n;
}

uint64_t dtls_conn_next_timeout(dtls_conn *c, uint64_t now_us) {
    if (c->state != DTLS_STATE_HANDSHAKING || !c->started) return 0;
    uint64_t due = c->start_us + DTLS_HANDSHAKE_TIMEOUT_US;
    struct timeval tv;
    if (DTLSv1_get_timeout(c->ssl, &tv) == 1) {
        uint64_t t = now_us + (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
        if (t < due) due = t;
    }
    return due;
}

int dtls_conn_handle_timeout(dtls_conn *c, uint64_t now_us) {
    if (c->state == DTLS_STATE_FAILED) return -1;
    if (c->state != DTLS_STATE_HANDSHAKING) return 0;
    if (now_us >= c->start_us + DTLS_HANDSHAKE_TIMEOUT_US) {
        conn_fail(c, DTLS_ERR_TIMEOUT);
        return -1;
    }
    ERR_clear_error();
    /* Does nothing unless OpenSSL's own (real-time) timer has expired. */
    if (DTLSv1_handle_timeout(c->ssl) < 0) conn_fail(c, DTLS_ERR_TIMEOUT);
    ERR_clear_error();
    return c->state == DTLS_STATE_FAILED ? -1 : 0;
}

dtls_state dtls_conn_state(const dtls_conn *c) {
    return c->state;
}
dtls_error dtls_conn_error(const dtls_conn *c) {
    return c->err;
}

const char *dtls_error_str(dtls_error e) {
    switch (e) {
    case DTLS_ERR_NONE:
        return "none";
    case DTLS_ERR_HANDSHAKE:
        return "handshake failed";
    case DTLS_ERR_FINGERPRINT:
        return "peer certificate does not match fingerprint";
    case DTLS_ERR_NO_SRTP_PROFILE:
        return "no common SRTP profile";
    case DTLS_ERR_TIMEOUT:
        return "handshake timed out";
    }
    return "unknown";
}

const char *dtls_state_str(dtls_state s) {
    switch (s) {
    case DTLS_STATE_NEW:
        return "new";
    case DTLS_STATE_HANDSHAKING:
        return "handshaking";
    case DTLS_STATE_CONNECTED:
        return "connected";
    case DTLS_STATE_FAILED:
        return "failed";
    case DTLS_STATE_CLOSED:
        return "closed";
    }
    return "unknown";
}

int dtls_conn_srtp_keys(dtls_conn *c, dtls_srtp_keys *out) {
    if (c->state != DTLS_STATE_CONNECTED) return -1;
    srtp_profile_id prof = selected_profile(c);
    if (!prof) return -1;
    const size_t kl = 16, sl = prof == SRTP_PROFILE_AEAD_AES_128_GCM ? 12 : 14;
    uint8_t m[2 * (16 + 14)];
    const size_t mlen = 2 * (kl + sl);
    if (SSL_export_keying_material(c->ssl, m, mlen, DTLS_EXPORTER_LABEL,
                                   sizeof DTLS_EXPORTER_LABEL - 1, NULL, 0, 0) != 1) {
        ERR_clear_error();
        OPENSSL_cleanse(m, sizeof m);
        return -1;
    }
    const uint8_t *ckey = m, *skey = m + kl, *csalt = m + 2 * kl, *ssalt = m + 2 * kl + sl;
    int server = c->ctx->role == DTLS_ROLE_SERVER;
    memset(out, 0, sizeof *out);
    out->profile = prof;
    out->key_len = kl;
    out->salt_len = sl;
    memcpy(out->local_key, server ? skey : ckey, kl);
    memcpy(out->local_salt, server ? ssalt : csalt, sl);
    memcpy(out->remote_key, server ? ckey : skey, kl);
    memcpy(out->remote_salt, server ? csalt : ssalt, sl);
    OPENSSL_cleanse(m, sizeof m);
    return 0;
}

int dtls_conn_close(dtls_conn *c) {
    if (c->state == DTLS_STATE_FAILED || c->state == DTLS_STATE_CLOSED) return -1;
    if (c->state == DTLS_STATE_CONNECTED) {
        ERR_clear_error();
        SSL_shutdown(c->ssl); /* queues close_notify; we do not wait for the peer's */
        ERR_clear_error();
    }
    c->state = DTLS_STATE_CLOSED;
    return 0;
}
