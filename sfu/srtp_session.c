/* SRTP sessions over libsrtp2: see srtp_session.h. */
#include "sfu/srtp_session.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "common/log.h"

#define TAG "srtp"
#define REPLAY_WINDOW 1024

_Static_assert(SRTP_SESSION_RTP_TRAILER >= SRTP_MAX_TRAILER_LEN, "RTP trailer room");
_Static_assert(SRTP_SESSION_RTCP_TRAILER >= SRTP_MAX_TRAILER_LEN + 4, "RTCP trailer room");

struct srtp_session {
    srtp_t in;  /* ssrc_any_inbound, remote keys */
    srtp_t out; /* ssrc_any_outbound, local keys */
};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_rc = -1;

static void global_init_once(void) {
    srtp_err_status_t st = srtp_init();
    if (st != srtp_err_status_ok) {
        LOG_E(TAG, "srtp_init failed: %d", (int)st);
        return;
    }
    g_init_rc = 0;
}

int srtp_session_global_init(void) {
    pthread_once(&g_once, global_init_once);
    return g_init_rc;
}

static int set_policy(srtp_policy_t *p, srtp_profile_id profile) {
    switch (profile) {
    case SRTP_PROFILE_AES128_CM_SHA1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
        return 0;
    case SRTP_PROFILE_AEAD_AES_128_GCM:
        /* RFC 7714: 16-byte tag for both SRTP and SRTCP. */
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
        return 0;
    }
    return -1;
}

/* key || salt, the layout libsrtp expects. */
static srtp_t create_ctx(srtp_profile_id profile, srtp_ssrc_type_t dir, const uint8_t *key,
                         const uint8_t *salt, size_t key_len, size_t salt_len) {
    uint8_t master[16 + 14];
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    if (set_policy(&p, profile) != 0) return NULL;
    memcpy(master, key, key_len);
    memcpy(master + key_len, salt, salt_len);
    p.ssrc.type = dir;
    p.key = master;
    p.window_size = REPLAY_WINDOW;
    p.allow_repeat_tx = 1;
    p.next = NULL;
    srtp_t ctx = NULL;
    srtp_err_status_t st = srtp_create(&ctx, &p);
    memset(master, 0, sizeof master);
    if (st != srtp_err_status_ok) {
        LOG_E(TAG, "srtp_create failed: %d", (int)st);
        return NULL;
    }
    return ctx;
}

srtp_session *srtp_session_new(const dtls_srtp_keys *k) {
    if (!k || srtp_session_global_init() != 0) return NULL;
    size_t want_salt = k->profile == SRTP_PROFILE_AEAD_AES_128_GCM ? 12 : 14;
    if (k->key_len != 16 || k->salt_len != want_salt) return NULL;
    srtp_session *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->in = create_ctx(k->profile, ssrc_any_inbound, k->remote_key, k->remote_salt, k->key_len,
                       k->salt_len);
    s->out = create_ctx(k->profile, ssrc_any_outbound, k->local_key, k->local_salt, k->key_len,
                        k->salt_len);
    if (!s->in || !s->out) {
        srtp_session_free(s);
        return NULL;
    }
    return s;
}

void srtp_session_free(srtp_session *s) {
    if (!s) return;
    if (s->in) srtp_dealloc(s->in);
    if (s->out) srtp_dealloc(s->out);
    free(s);
}

static int map_err(srtp_err_status_t st) {
    switch (st) {
    case srtp_err_status_ok:
        return 0;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        return SRTP_SESSION_ERR_REPLAY;
    case srtp_err_status_auth_fail:
        return SRTP_SESSION_ERR_AUTH;
    default:
        return SRTP_SESSION_ERR;
    }
}

typedef srtp_err_status_t (*srtp_fn)(srtp_t, void *, int *);

static int protect(srtp_t ctx, srtp_fn fn, uint8_t *buf, size_t *len, size_t cap, size_t trailer) {
    if (!buf || !len) return SRTP_SESSION_ERR;
    if (*len > INT_MAX - trailer) return SRTP_SESSION_ERR;
    if (cap < *len || cap - *len < trailer) return SRTP_SESSION_ERR_NOSPACE;
    int n = (int)*len;
    int rc = map_err(fn(ctx, buf, &n));
    if (rc == 0) *len = (size_t)n;
    return rc;
}

static int unprotect(srtp_t ctx, srtp_fn fn, uint8_t *buf, size_t *len) {
    if (!buf || !len || *len > INT_MAX) return SRTP_SESSION_ERR;
    int n = (int)*len;
    int rc = map_err(fn(ctx, buf, &n));
    if (rc == 0) *len = (size_t)n;
    return rc;
}

int srtp_session_protect_rtp(srtp_session *s, uint8_t *buf, size_t *len, size_t cap) {
    return protect(s->out, srtp_protect, buf, len, cap, SRTP_SESSION_RTP_TRAILER);
}

int srtp_session_unprotect_rtp(srtp_session *s, uint8_t *buf, size_t *len) {
    return unprotect(s->in, srtp_unprotect, buf, len);
}

int srtp_session_protect_rtcp(srtp_session *s, uint8_t *buf, size_t *len, size_t cap) {
    return protect(s->out, srtp_protect_rtcp, buf, len, cap, SRTP_SESSION_RTCP_TRAILER);
}

int srtp_session_unprotect_rtcp(srtp_session *s, uint8_t *buf, size_t *len) {
    return unprotect(s->in, srtp_unprotect_rtcp, buf, len);
}
