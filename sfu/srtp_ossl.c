/* SRTP/SRTCP on OpenSSL EVP: see srtp_ossl.h.
 *
 * HMAC-SHA1 uses the low-level SHA1_* calls, deprecated in OpenSSL 3.0, on
 * purpose: the key's inner and outer pad states are hashed once per session
 * (RFC 2104 §4) and copied per packet as plain structs. OpenSSL 3.0's
 * EVP_MAC and EVP_MD_CTX_copy_ex re-create the provider digest context on
 * every re-initialisation (one or two malloc/free per packet, measured),
 * which is what this module exists to avoid. Same SHA-NI/AVX code inside. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sfu/srtp_ossl.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#define KEY_LEN 16
#define AUTH_KEY_LEN 20
#define SALT_CM 14
#define SALT_GCM 12
#define TAG_CM 10
#define TAG_GCM 16
#define RTP_MIN 12
#define RTCP_MIN 8 /* header word and sender SSRC */
#define E_FLAG 0x80000000u
#define RTCP_INDEX_MAX 0x7fffffffu
#define RTP_INDEX_MAX ((1ull << 48) - 1)

/* RFC 3711 §4.3.1 labels. */
enum { L_RTP_KEY, L_RTP_AUTH, L_RTP_SALT, L_RTCP_KEY, L_RTCP_AUTH, L_RTCP_SALT };

_Static_assert((SRTP_OSSL_MAX_SSRC_IN & (SRTP_OSSL_MAX_SSRC_IN - 1)) == 0, "power of two");
_Static_assert((SRTP_OSSL_MAX_SSRC_OUT & (SRTP_OSSL_MAX_SSRC_OUT - 1)) == 0, "power of two");
_Static_assert(SRTP_OSSL_REPLAY_WINDOW == 128, "the window is two 64-bit words");
_Static_assert(SRTP_OSSL_MAX_LEN <= (1u << 20), "AES-CM: at most 2^16 blocks, int lengths");

/* Session keys of one direction of SRTP or SRTCP. */
typedef struct xform {
    EVP_CIPHER_CTX *cipher; /* AES-128-CTR or -GCM, keyed once; the IV is set per packet */
    SHA_CTX ipad, opad;     /* AES-CM: HMAC-SHA1 state after (key ^ ipad), (key ^ opad) */
    uint8_t salt[SALT_CM];  /* session salt; GCM uses the first 12 bytes */
} xform;

/* Inbound replay state of one SSRC for SRTP (index ROC << 16 | SEQ) or
 * SRTCP (its own index). */
typedef struct replay {
    uint64_t top;    /* highest authenticated index */
    uint64_t lo, hi; /* window: bit k set = index (top - k) was accepted */
    int seen;        /* any packet yet: top and window are valid */
} replay;

typedef struct in_slot {
    uint32_t ssrc;
    int used;
    replay rtp, rtcp;
} in_slot;

typedef struct out_slot {
    uint32_t ssrc;
    uint8_t used, rtp_seen;
    uint32_t rtcp_next; /* index of the next SRTCP packet */
    uint64_t rtp_top;   /* highest packet index sent */
} out_slot;

struct srtp_ossl {
    int gcm;
    size_t tag_len;
    xform out_rtp, out_rtcp; /* local keys */
    xform in_rtp, in_rtcp;   /* remote keys */
    in_slot in[SRTP_OSSL_MAX_SSRC_IN];
    out_slot out[SRTP_OSSL_MAX_SSRC_OUT];
};

/* ---- bytes ---- */

static uint16_t rd16(const uint8_t *p) {
    return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
/* p[0..n) ^= v as an n-byte big-endian number. */
static void xor_be(uint8_t *p, uint64_t v, int n) {
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] ^= (uint8_t)v;
}

/* Length of the RTP header of buf[0..len) with its CSRCs and extension, or 0
 * if it is not version 2 or does not fit. */
static size_t rtp_header_len(const uint8_t *buf, size_t len) {
    if (len < RTP_MIN || buf[0] >> 6 != 2) return 0;
    size_t h = RTP_MIN + 4u * (buf[0] & 0x0f);
    if (buf[0] & 0x10) {
        if (h + 4 > len) return 0;
        h += 4 + 4u * rd16(buf + h + 2);
    }
    return h <= len ? h : 0;
}

/* ---- per-SSRC state ---- */

static unsigned ssrc_hash(uint32_t ssrc) {
    return (ssrc * 0x9e3779b1u) >> 16;
}

/* The slot of ssrc, or NULL; then *free_slot is where it would go (NULL if
 * the table is full). Deletion shifts entries back (srtp_ossl_forget), so
 * the first empty slot still ends a probe. */
static in_slot *in_find(srtp_ossl *s, uint32_t ssrc, in_slot **free_slot) {
    unsigned mask = SRTP_OSSL_MAX_SSRC_IN - 1, i = ssrc_hash(ssrc) & mask;
    *free_slot = NULL;
    for (unsigned n = 0; n <= mask; n++, i = (i + 1) & mask) {
        in_slot *e = &s->in[i];
        if (!e->used) {
            *free_slot = e;
            return NULL;
        }
        if (e->ssrc == ssrc) return e;
    }
    return NULL;
}

/* The slot of an inbound SSRC whose packet just authenticated: e as found
 * by in_find, else the free slot it offered. */
static in_slot *in_claim(in_slot *e, in_slot *free_slot, uint32_t ssrc) {
    if (e) return e;
    free_slot->used = 1;
    free_slot->ssrc = ssrc;
    return free_slot;
}

/* The slot of ssrc, taking a free one if needed; NULL if the table is full. */
static out_slot *out_get(srtp_ossl *s, uint32_t ssrc) {
    unsigned mask = SRTP_OSSL_MAX_SSRC_OUT - 1, i = ssrc_hash(ssrc) & mask;
    for (unsigned n = 0; n <= mask; n++, i = (i + 1) & mask) {
        out_slot *o = &s->out[i];
        if (!o->used) {
            memset(o, 0, sizeof *o);
            o->used = 1;
            o->ssrc = ssrc;
            o->rtcp_next = 1; /* as libsrtp */
            return o;
        }
        if (o->ssrc == ssrc) return o;
    }
    return NULL;
}

/* Linear-probing deletion without tombstones (Knuth 6.4 Algorithm R): empty
 * slot i, then move back every later entry of the same run whose home is
 * not cyclically in (i, j], so that no probe meets a hole before its key. */
#define FORGET(table, mask, ssrc)                                                                  \
    do {                                                                                           \
        unsigned i_ = ssrc_hash(ssrc) & (mask), n_;                                                \
        for (n_ = 0; n_ <= (mask); n_++, i_ = (i_ + 1) & (mask)) {                                 \
            if (!(table)[i_].used) return;                                                         \
            if ((table)[i_].ssrc == (ssrc)) break;                                                 \
        }                                                                                          \
        if (n_ > (mask)) return;                                                                   \
        memset(&(table)[i_], 0, sizeof(table)[i_]);                                                \
        for (unsigned j_ = (i_ + 1) & (mask); (table)[j_].used; j_ = (j_ + 1) & (mask)) {          \
            unsigned k_ = ssrc_hash((table)[j_].ssrc) & (mask);                                    \
            int stays = i_ <= j_ ? (i_ < k_ && k_ <= j_) : (i_ < k_ || k_ <= j_);                  \
            if (stays) continue;                                                                   \
            (table)[i_] = (table)[j_];                                                             \
            memset(&(table)[j_], 0, sizeof(table)[j_]);                                            \
            i_ = j_;                                                                               \
        }                                                                                          \
    } while (0)

static void forget_in(srtp_ossl *s, uint32_t ssrc) {
    FORGET(s->in, SRTP_OSSL_MAX_SSRC_IN - 1u, ssrc);
}

static void forget_out(srtp_ossl *s, uint32_t ssrc) {
    FORGET(s->out, SRTP_OSSL_MAX_SSRC_OUT - 1u, ssrc);
}

void srtp_ossl_forget(srtp_ossl *s, uint32_t ssrc, int outbound) {
    if (!s) return;
    if (outbound)
        forget_out(s, ssrc);
    else
        forget_in(s, ssrc);
}

/* RFC 3711 Appendix A: the packet index of seq given the highest index so
 * far. A guess of ROC - 1 below 0 is ROC 0 (a forward jump), as in libsrtp. */
uint64_t srtp_ossl_estimate_index(uint64_t top, uint16_t seq) {
    uint64_t roc = top >> 16;
    unsigned s_l = (uint16_t)top;
    if (s_l < 32768) {
        if (seq > s_l + 32768 && roc > 0) roc--;
    } else if (s_l - 32768 > seq) {
        roc++;
    }
    return roc << 16 | seq;
}

/* 0 if index may be accepted (new, or late but inside the window and not
 * seen), else SRTP_SESSION_ERR_REPLAY. */
static int replay_check(const replay *r, uint64_t index) {
    if (!r->seen || index > r->top) return 0;
    uint64_t k = r->top - index;
    if (k >= SRTP_OSSL_REPLAY_WINDOW) return SRTP_SESSION_ERR_REPLAY;
    uint64_t bit = k < 64 ? r->lo >> k : r->hi >> (k - 64);
    return bit & 1 ? SRTP_SESSION_ERR_REPLAY : 0;
}

/* Records an authenticated index that passed replay_check. */
static void replay_accept(replay *r, uint64_t index) {
    if (!r->seen || index > r->top) {
        uint64_t d = r->seen ? index - r->top : SRTP_OSSL_REPLAY_WINDOW;
        if (d >= 128) {
            r->lo = r->hi = 0;
        } else if (d >= 64) {
            r->hi = r->lo << (d - 64);
            r->lo = 0;
        } else {
            r->hi = r->hi << d | r->lo >> (64 - d);
            r->lo <<= d;
        }
        r->lo |= 1;
        r->top = index;
        r->seen = 1;
        return;
    }
    uint64_t k = r->top - index;
    if (k < 64)
        r->lo |= 1ull << k;
    else
        r->hi |= 1ull << (k - 64);
}

/* ---- primitives ---- */

/* AES-CM: p[0..n) ^= keystream(iv), in place. */
static int cm_crypt(xform *x, const uint8_t iv[16], uint8_t *p, size_t n) {
    int outl;
    if (EVP_EncryptInit_ex(x->cipher, NULL, NULL, NULL, iv) != 1) return -1;
    if (n == 0) return 0;
    return EVP_EncryptUpdate(x->cipher, p, &outl, p, (int)n) == 1 ? 0 : -1;
}

/* The 16-byte AES-CM IV: (salt << 16) ^ (ssrc << 64) ^ (index << 16). */
static void cm_iv(const xform *x, uint32_t ssrc, uint64_t index, uint8_t iv[16]) {
    memcpy(iv, x->salt, SALT_CM);
    iv[14] = iv[15] = 0;
    xor_be(iv + 4, ssrc, 4);
    xor_be(iv + 8, index, 6);
}

/* HMAC-SHA1(a | b), all 20 bytes. */
static void hmac_sha1(const xform *x, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
                      uint8_t out[SHA_DIGEST_LENGTH]) {
    SHA_CTX c = x->ipad;
    SHA1_Update(&c, a, an);
    SHA1_Update(&c, b, bn);
    SHA1_Final(out, &c);
    c = x->opad;
    SHA1_Update(&c, out, SHA_DIGEST_LENGTH);
    SHA1_Final(out, &c); /* c now holds the digest, not the key state */
}

static void hmac_key(xform *x, const uint8_t key[AUTH_KEY_LEN]) {
    uint8_t pad[64];
    memset(pad, 0x36, sizeof pad);
    for (int i = 0; i < AUTH_KEY_LEN; i++)
        pad[i] ^= key[i];
    SHA1_Init(&x->ipad);
    SHA1_Update(&x->ipad, pad, sizeof pad);
    memset(pad, 0x5c, sizeof pad);
    for (int i = 0; i < AUTH_KEY_LEN; i++)
        pad[i] ^= key[i];
    SHA1_Init(&x->opad);
    SHA1_Update(&x->opad, pad, sizeof pad);
    OPENSSL_cleanse(pad, sizeof pad);
}

/* AES-GCM over p[0..n) in place with AAD a | b; the tag goes to / is checked
 * against tag[0..16). Sealing: 0 or SRTP_SESSION_ERR; opening: 0 or
 * SRTP_SESSION_ERR_AUTH. */
static int gcm_run(xform *x, int seal, const uint8_t iv[12], const uint8_t *a, size_t an,
                   const uint8_t *b, size_t bn, uint8_t *p, size_t n, uint8_t *tag) {
    EVP_CIPHER_CTX *c = x->cipher;
    uint8_t fin[16]; /* GCM's final step writes nothing */
    int outl, fail = seal ? SRTP_SESSION_ERR : SRTP_SESSION_ERR_AUTH;
    if (EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, seal) != 1) return SRTP_SESSION_ERR;
    if (an && EVP_CipherUpdate(c, NULL, &outl, a, (int)an) != 1) return fail;
    if (bn && EVP_CipherUpdate(c, NULL, &outl, b, (int)bn) != 1) return fail;
    if (n && EVP_CipherUpdate(c, p, &outl, p, (int)n) != 1) return fail;
    /* The tag as a parameter: a little cheaper than EVP_CIPHER_CTX_ctrl. */
    OSSL_PARAM tp[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, TAG_GCM),
                        OSSL_PARAM_construct_end()};
    if (seal) {
        if (EVP_CipherFinal_ex(c, fin, &outl) != 1) return fail;
        return EVP_CIPHER_CTX_get_params(c, tp) == 1 ? 0 : fail;
    }
    if (EVP_CIPHER_CTX_set_params(c, tp) != 1) return fail;
    return EVP_CipherFinal_ex(c, fin, &outl) == 1 ? 0 : fail;
}

/* ---- sessions ---- */

static int xform_init(xform *x, int gcm, int seal, const uint8_t *key, const uint8_t *salt,
                      const uint8_t *auth) {
    x->cipher = EVP_CIPHER_CTX_new();
    if (!x->cipher) return -1;
    const EVP_CIPHER *cipher = gcm ? EVP_aes_128_gcm() : EVP_aes_128_ctr();
    if (EVP_CipherInit_ex(x->cipher, cipher, NULL, NULL, NULL, gcm ? seal : 1) != 1) return -1;
    if (gcm && EVP_CIPHER_CTX_ctrl(x->cipher, EVP_CTRL_GCM_SET_IVLEN, SALT_GCM, NULL) != 1)
        return -1;
    if (EVP_CipherInit_ex(x->cipher, NULL, NULL, key, NULL, -1) != 1) return -1;
    memcpy(x->salt, salt, gcm ? SALT_GCM : SALT_CM);
    if (!gcm) hmac_key(x, auth);
    return 0;
}

int srtp_ossl__kdf(const uint8_t *master_key, const uint8_t *master_salt, size_t salt_len,
                   uint8_t label, uint8_t *out, size_t out_len) {
    if (!master_key || !master_salt || !out || (salt_len != SALT_CM && salt_len != SALT_GCM) ||
        out_len > 1024)
        return -1;
    /* x = (label || r) ^ master_salt with r = 0; IV = x << 16. */
    uint8_t iv[16] = {0};
    memcpy(iv, master_salt, salt_len);
    iv[7] ^= label;
    memset(out, 0, out_len);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int outl, ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, master_key, iv) == 1 &&
                   (out_len == 0 || EVP_EncryptUpdate(c, out, &outl, out, (int)out_len) == 1);
    EVP_CIPHER_CTX_free(c);
    OPENSSL_cleanse(iv, sizeof iv);
    return ok ? 0 : -1;
}

/* Both transforms of one direction from its master key and salt. */
static int derive_dir(int gcm, int seal, xform *rtp, xform *rtcp, const uint8_t *mkey,
                      const uint8_t *msalt) {
    size_t salt_len = gcm ? SALT_GCM : SALT_CM;
    uint8_t k[KEY_LEN], a[AUTH_KEY_LEN], sl[SALT_CM];
    int rc = -1;
    if (srtp_ossl__kdf(mkey, msalt, salt_len, L_RTP_KEY, k, sizeof k) ||
        srtp_ossl__kdf(mkey, msalt, salt_len, L_RTP_AUTH, a, sizeof a) ||
        srtp_ossl__kdf(mkey, msalt, salt_len, L_RTP_SALT, sl, salt_len) ||
        xform_init(rtp, gcm, seal, k, sl, a))
        goto out;
    if (srtp_ossl__kdf(mkey, msalt, salt_len, L_RTCP_KEY, k, sizeof k) ||
        srtp_ossl__kdf(mkey, msalt, salt_len, L_RTCP_AUTH, a, sizeof a) ||
        srtp_ossl__kdf(mkey, msalt, salt_len, L_RTCP_SALT, sl, salt_len) ||
        xform_init(rtcp, gcm, seal, k, sl, a))
        goto out;
    rc = 0;
out:
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(sl, sizeof sl);
    return rc;
}

static srtp_ossl *session_alloc(srtp_profile_id profile) {
    if (profile != SRTP_PROFILE_AEAD_AES_128_GCM && profile != SRTP_PROFILE_AES128_CM_SHA1_80)
        return NULL;
    srtp_ossl *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->gcm = profile == SRTP_PROFILE_AEAD_AES_128_GCM;
    s->tag_len = s->gcm ? TAG_GCM : TAG_CM;
    return s;
}

srtp_ossl *srtp_ossl_new(const dtls_srtp_keys *k) {
    if (!k || k->key_len != KEY_LEN) return NULL;
    srtp_ossl *s = session_alloc(k->profile);
    if (!s) return NULL;
    if (k->salt_len != (s->gcm ? SALT_GCM : SALT_CM) ||
        derive_dir(s->gcm, 1, &s->out_rtp, &s->out_rtcp, k->local_key, k->local_salt) ||
        derive_dir(s->gcm, 0, &s->in_rtp, &s->in_rtcp, k->remote_key, k->remote_salt)) {
        srtp_ossl_free(s);
        return NULL;
    }
    return s;
}

srtp_ossl *srtp_ossl__new_session_keys(srtp_profile_id profile, const uint8_t *key,
                                       const uint8_t *salt, const uint8_t *auth_key) {
    srtp_ossl *s = session_alloc(profile);
    if (!s) return NULL;
    if (!key || !salt || (!s->gcm && !auth_key) ||
        xform_init(&s->out_rtp, s->gcm, 1, key, salt, auth_key) ||
        xform_init(&s->out_rtcp, s->gcm, 1, key, salt, auth_key) ||
        xform_init(&s->in_rtp, s->gcm, 0, key, salt, auth_key) ||
        xform_init(&s->in_rtcp, s->gcm, 0, key, salt, auth_key)) {
        srtp_ossl_free(s);
        return NULL;
    }
    return s;
}

int srtp_ossl__set_rtcp_index(srtp_ossl *s, uint32_t ssrc, uint32_t next_index) {
    out_slot *o = s ? out_get(s, ssrc) : NULL;
    if (!o || next_index == 0 || next_index > RTCP_INDEX_MAX) return -1;
    o->rtcp_next = next_index;
    return 0;
}

void srtp_ossl_free(srtp_ossl *s) {
    if (!s) return;
    xform *xs[] = {&s->out_rtp, &s->out_rtcp, &s->in_rtp, &s->in_rtcp};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        EVP_CIPHER_CTX_free(xs[i]->cipher); /* wipes the key schedule */
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
}

/* ---- SRTP ---- */

/* Seals (enc) or opens buf[0..n): header h bytes, then the payload, then
 * (when opening) the tag; n excludes the tag. Opening checks before it
 * decrypts. 0 or a negative code. */
static int rtp_transform(srtp_ossl *s, int enc, uint8_t *buf, size_t h, size_t n, uint64_t index) {
    xform *x = enc ? &s->out_rtp : &s->in_rtp;
    uint32_t ssrc = rd32(buf + 8);
    if (s->gcm) {
        uint8_t iv[SALT_GCM];
        memcpy(iv, x->salt, SALT_GCM);
        xor_be(iv + 2, ssrc, 4);
        xor_be(iv + 6, index, 6); /* ROC || SEQ */
        return gcm_run(x, enc, iv, buf, h, NULL, 0, buf + h, n - h, buf + n);
    }
    uint8_t iv[16], roc[4], mac[SHA_DIGEST_LENGTH];
    cm_iv(x, ssrc, index, iv);
    wr32(roc, (uint32_t)(index >> 16));
    if (!enc) {
        hmac_sha1(x, buf, n, roc, sizeof roc, mac);
        if (CRYPTO_memcmp(mac, buf + n, TAG_CM) != 0) return SRTP_SESSION_ERR_AUTH;
    }
    if (cm_crypt(x, iv, buf + h, n - h) != 0) return SRTP_SESSION_ERR;
    if (enc) {
        hmac_sha1(x, buf, n, roc, sizeof roc, mac);
        memcpy(buf + n, mac, TAG_CM);
    }
    return 0;
}

int srtp_ossl_protect_rtp(srtp_ossl *s, uint8_t *buf, size_t *len, size_t cap) {
    if (!s || !buf || !len) return SRTP_SESSION_ERR;
    size_t n = *len;
    if (cap < n || cap - n < s->tag_len) return SRTP_SESSION_ERR_NOSPACE;
    size_t h = n <= SRTP_OSSL_MAX_LEN ? rtp_header_len(buf, n) : 0;
    if (!h) return SRTP_SESSION_ERR;
    out_slot *o = out_get(s, rd32(buf + 8));
    if (!o) return SRTP_SESSION_ERR;
    uint16_t seq = rd16(buf + 2);
    uint64_t index = o->rtp_seen ? srtp_ossl_estimate_index(o->rtp_top, seq) : seq;
    if (index > RTP_INDEX_MAX) return SRTP_SESSION_ERR;
    int rc = rtp_transform(s, 1, buf, h, n, index);
    if (rc != 0) return rc;
    if (!o->rtp_seen || index > o->rtp_top) o->rtp_top = index;
    o->rtp_seen = 1;
    *len = n + s->tag_len;
    return 0;
}

int srtp_ossl_unprotect_rtp(srtp_ossl *s, uint8_t *buf, size_t *len) {
    if (!s || !buf || !len || *len < s->tag_len) return SRTP_SESSION_ERR;
    size_t n = *len - s->tag_len;
    size_t h = n <= SRTP_OSSL_MAX_LEN ? rtp_header_len(buf, n) : 0;
    if (!h) return SRTP_SESSION_ERR;
    uint32_t ssrc = rd32(buf + 8);
    in_slot *free_slot, *e = in_find(s, ssrc, &free_slot);
    if (!e && !free_slot) return SRTP_SESSION_ERR; /* table full */
    uint16_t seq = rd16(buf + 2);
    uint64_t index = e && e->rtp.seen ? srtp_ossl_estimate_index(e->rtp.top, seq) : seq;
    if (index > RTP_INDEX_MAX) return SRTP_SESSION_ERR;
    if (e && replay_check(&e->rtp, index) != 0) return SRTP_SESSION_ERR_REPLAY;
    int rc = rtp_transform(s, 0, buf, h, n, index);
    if (rc != 0) return rc;
    replay_accept(&in_claim(e, free_slot, ssrc)->rtp, index);
    *len = n;
    return 0;
}

/* ---- SRTCP ---- */

int srtp_ossl_protect_rtcp(srtp_ossl *s, uint8_t *buf, size_t *len, size_t cap) {
    if (!s || !buf || !len) return SRTP_SESSION_ERR;
    size_t n = *len;
    if (cap < n || cap - n < 4 + s->tag_len) return SRTP_SESSION_ERR_NOSPACE;
    if (n < RTCP_MIN || n > SRTP_OSSL_MAX_LEN || buf[0] >> 6 != 2) return SRTP_SESSION_ERR;
    uint32_t ssrc = rd32(buf + 4);
    out_slot *o = out_get(s, ssrc);
    if (!o || o->rtcp_next > RTCP_INDEX_MAX) return SRTP_SESSION_ERR;
    uint32_t word = E_FLAG | o->rtcp_next;
    xform *x = &s->out_rtcp;
    if (s->gcm) {
        /* header | ciphertext | tag | E+index; AAD = header | E+index */
        uint8_t iv[SALT_GCM], w[4];
        memcpy(iv, x->salt, SALT_GCM);
        xor_be(iv + 2, ssrc, 4);
        xor_be(iv + 8, o->rtcp_next, 4);
        wr32(w, word);
        int rc = gcm_run(x, 1, iv, buf, RTCP_MIN, w, 4, buf + RTCP_MIN, n - RTCP_MIN, buf + n);
        if (rc != 0) return rc;
        memcpy(buf + n + TAG_GCM, w, 4);
    } else {
        /* header | ciphertext | E+index | tag, the tag over all before it */
        uint8_t iv[16], mac[SHA_DIGEST_LENGTH];
        cm_iv(x, ssrc, o->rtcp_next, iv);
        if (cm_crypt(x, iv, buf + RTCP_MIN, n - RTCP_MIN) != 0) return SRTP_SESSION_ERR;
        wr32(buf + n, word);
        hmac_sha1(x, buf, n + 4, NULL, 0, mac);
        memcpy(buf + n + 4, mac, TAG_CM);
    }
    o->rtcp_next++;
    *len = n + 4 + s->tag_len;
    return 0;
}

/* Checks and (E set) decrypts buf[0..n) carrying E+index `word` and its tag
 * (both already cut from n). 0 or a negative code. */
static int rtcp_open(srtp_ossl *s, uint8_t *buf, size_t n, uint32_t word, uint8_t *tag) {
    xform *x = &s->in_rtcp;
    uint32_t ssrc = rd32(buf + 4), index = word & RTCP_INDEX_MAX;
    int encrypted = (word & E_FLAG) != 0;
    if (s->gcm) {
        uint8_t iv[SALT_GCM], w[4];
        memcpy(iv, x->salt, SALT_GCM);
        xor_be(iv + 2, ssrc, 4);
        xor_be(iv + 8, index, 4);
        wr32(w, word);
        if (encrypted)
            return gcm_run(x, 0, iv, buf, RTCP_MIN, w, 4, buf + RTCP_MIN, n - RTCP_MIN, tag);
        return gcm_run(x, 0, iv, buf, n, w, 4, NULL, 0, tag); /* all of it is AAD */
    }
    uint8_t iv[16], mac[SHA_DIGEST_LENGTH];
    hmac_sha1(x, buf, n + 4, NULL, 0, mac); /* E+index follows the packet */
    if (CRYPTO_memcmp(mac, tag, TAG_CM) != 0) return SRTP_SESSION_ERR_AUTH;
    if (!encrypted) return 0;
    cm_iv(x, ssrc, index, iv);
    return cm_crypt(x, iv, buf + RTCP_MIN, n - RTCP_MIN) == 0 ? 0 : SRTP_SESSION_ERR;
}

int srtp_ossl_unprotect_rtcp(srtp_ossl *s, uint8_t *buf, size_t *len) {
    if (!s || !buf || !len || *len < RTCP_MIN + 4 + s->tag_len) return SRTP_SESSION_ERR;
    size_t n = *len - 4 - s->tag_len;
    if (n > SRTP_OSSL_MAX_LEN || buf[0] >> 6 != 2) return SRTP_SESSION_ERR;
    /* GCM: ... | tag | E+index; AES-CM: ... | E+index | tag. */
    uint8_t *wp = s->gcm ? buf + n + TAG_GCM : buf + n;
    uint8_t *tag = s->gcm ? buf + n : buf + n + 4;
    uint32_t word = rd32(wp), index = word & RTCP_INDEX_MAX;
    uint32_t ssrc = rd32(buf + 4);
    in_slot *free_slot, *e = in_find(s, ssrc, &free_slot);
    if (!e && !free_slot) return SRTP_SESSION_ERR; /* table full */
    if (e && replay_check(&e->rtcp, index) != 0) return SRTP_SESSION_ERR_REPLAY;
    int rc = rtcp_open(s, buf, n, word, tag);
    if (rc != 0) return rc;
    replay_accept(&in_claim(e, free_slot, ssrc)->rtcp, index);
    *len = n;
    return 0;
}
