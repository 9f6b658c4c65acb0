/* SRTP/SRTCP protection for one transport (libsrtp2), keyed from DTLS-SRTP.
 *
 * A session holds two libsrtp contexts: inbound (any SSRC, remote keys) and
 * outbound (any SSRC, local keys); a stream per SSRC is created on first use.
 * Replay window 1024 packets. Repeated protection of the same RTP sequence
 * number is allowed (the SFU answers NACKs by resending the packet it sent);
 * the resent payload must be identical, and the sequence number must still be
 * within 1024 of the newest one sent on that SSRC.
 *
 * A session belongs to one thread (libsrtp contexts are not thread-safe);
 * only srtp_session_global_init may be called from anywhere.
 *
 * All calls work in place. Errors are negative SRTP_SESSION_ERR_* codes; none
 * of them logs (they happen at packet rate), the caller counts them. */
#ifndef RELAIS_SRTP_SESSION_H
#define RELAIS_SRTP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "sfu/dtls.h"

/* Room libsrtp may write behind a packet when protecting it (its documented
 * worst case, SRTP_MAX_TRAILER_LEN, plus the SRTCP index): the protect calls
 * need cap >= *len + this. The bytes actually added are fewer (RTP: 10 for
 * AES_CM_SHA1_80, 16 for GCM; RTCP: 14 or 20). */
#define SRTP_SESSION_RTP_TRAILER 144
#define SRTP_SESSION_RTCP_TRAILER 148

enum {
    SRTP_SESSION_ERR = -1,         /* bad arguments, malformed packet, other libsrtp error */
    SRTP_SESSION_ERR_REPLAY = -2,  /* replayed or too old (outside the window) */
    SRTP_SESSION_ERR_AUTH = -3,    /* authentication failed: tampered or wrong keys */
    SRTP_SESSION_ERR_NOSPACE = -4, /* cap too small for the trailer; buffer untouched */
};

/* srtp_init, once per process; idempotent and thread-safe. 0 or -1.
 * srtp_session_new calls it too. */
int srtp_session_global_init(void);

typedef struct srtp_session srtp_session;

/* A session for k->profile with k's local (outbound) and remote (inbound)
 * keys. libsrtp copies the keys: the caller may wipe k right after.
 * NULL on failure (unknown profile, bad lengths, libsrtp error). */
srtp_session *srtp_session_new(const dtls_srtp_keys *k);
void srtp_session_free(srtp_session *s);

/* RTP in buf[0..*len) -> SRTP in place; *len grows by the tag. Requires
 * cap >= *len + SRTP_SESSION_RTP_TRAILER, else SRTP_SESSION_ERR_NOSPACE
 * without touching buf. 0 or a negative code. */
int srtp_session_protect_rtp(srtp_session *s, uint8_t *buf, size_t *len, size_t cap);
/* SRTP -> RTP in place; *len shrinks. 0 or a negative code (buf may then
 * hold garbage: drop the packet). */
int srtp_session_unprotect_rtp(srtp_session *s, uint8_t *buf, size_t *len);
/* The same for RTCP; cap >= *len + SRTP_SESSION_RTCP_TRAILER. */
int srtp_session_protect_rtcp(srtp_session *s, uint8_t *buf, size_t *len, size_t cap);
int srtp_session_unprotect_rtcp(srtp_session *s, uint8_t *buf, size_t *len);

#endif
