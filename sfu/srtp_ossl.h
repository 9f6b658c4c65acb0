/* SRTP/SRTCP on OpenSSL EVP, for the two profiles we negotiate, as a drop-in
 * replacement of srtp_session.h (same keys, same error codes, same calls):
 *
 * - SRTP_AEAD_AES_128_GCM (RFC 7714): 16-byte tag; AAD = RTP header with
 *   CSRCs and extension; SRTCP: header(8) | ciphertext | tag | E+index.
 * - SRTP_AES128_CM_HMAC_SHA1_80 (RFC 3711): AES-CM, HMAC-SHA1 over
 *   packet | ROC cut to 10 bytes; SRTCP: header(8) | ciphertext | E+index | tag.
 *
 * Session keys come from the master keys by the RFC 3711 §4.3 KDF (AES-CM
 * PRF, key derivation rate 0). The packet index of RTP is estimated as in
 * RFC 3711 Appendix A; SRTCP carries its own 31-bit index.
 *
 * State per SSRC (rollover counter, highest sequence number, replay window)
 * lives in two fixed open-addressing tables per session: inbound (remote
 * keys) SRTP_OSSL_MAX_SSRC_IN, outbound (local keys) SRTP_OSSL_MAX_SSRC_OUT.
 * A new SSRC takes a free slot; when the table is full the packet is refused
 * (SRTP_SESSION_ERR) and nothing is evicted. An inbound SSRC gets its slot
 * only once one of its packets has authenticated, so forged packets cannot
 * fill the table. Slots are never freed during a session's life.
 *
 * Inbound: replay window of SRTP_OSSL_REPLAY_WINDOW packets per SSRC, for
 * SRTP and SRTCP separately (srtp_session's is 1024). A packet that many or
 * more behind the newest one accepted is refused as a replay, as is a
 * second copy of one inside the window.
 * Outbound: repeated protection of one RTP sequence number is allowed (NACKs
 * are answered by resending the packet that was sent); the resent bytes must
 * be identical, or GCM's nonce is reused. Any sequence number is accepted;
 * one more than 2^15 behind the newest one sent is taken for a forward jump
 * (Appendix A), so do not resend that far back. Each SRTCP packet gets the
 * next index of its SSRC (the first is 1); after 2^31 - 1 the SSRC is
 * refused, as is an RTP SSRC whose rollover counter would pass 2^32 - 1.
 *
 * No allocation, lock or log per packet: the EVP contexts are made once per
 * session and re-initialised per packet with the IV only. Packets longer
 * than SRTP_OSSL_MAX_LEN are refused (AES-CM allows 2^16 blocks per packet).
 *
 * A session belongs to one thread. All calls work in place. Errors are the
 * negative SRTP_SESSION_ERR_* codes of srtp_session.h; none of them logs. */
#ifndef RELAIS_SRTP_OSSL_H
#define RELAIS_SRTP_OSSL_H

#include <stddef.h>
#include <stdint.h>

#include "sfu/dtls.h"
#include "sfu/srtp_session.h" /* SRTP_SESSION_ERR_* */

/* Bytes protection adds, at most: RTP 10 (AES-CM) or 16 (GCM); RTCP 14 or
 * 20 (the 4-byte E+index word and the tag). Buffers sized for srtp_session
 * (SRTP_SESSION_*_TRAILER) are large enough too. */
#define SRTP_OSSL_RTP_TRAILER 16
#define SRTP_OSSL_RTCP_TRAILER 20
#define SRTP_OSSL_MAX_LEN (1u << 20)
#define SRTP_OSSL_REPLAY_WINDOW 128
#define SRTP_OSSL_MAX_SSRC_IN 64
#define SRTP_OSSL_MAX_SSRC_OUT 256

typedef struct srtp_ossl srtp_ossl;

/* A session for k->profile with k's local (outbound) and remote (inbound)
 * master keys; key_len must be 16 and salt_len 14 (AES-CM) or 12 (GCM).
 * Only derived session keys are kept: the caller may wipe k right after.
 * NULL on failure (unknown profile, bad lengths, OpenSSL error). */
srtp_ossl *srtp_ossl_new(const dtls_srtp_keys *k);
/* Wipes the session keys and frees. NULL is fine. */
/* RFC 3711 appendix A: the 48-bit packet index (ROC << 16 | SEQ) of seq,
 * given the highest index so far; what protect and unprotect use, and so
 * what an SRTP nonce is made of. Pure. */
uint64_t srtp_ossl_estimate_index(uint64_t top, uint16_t seq);
void srtp_ossl_free(srtp_ossl *s);

/* RTP in buf[0..*len) -> SRTP in place; *len grows by the tag. Requires
 * cap >= *len + the tag length, else SRTP_SESSION_ERR_NOSPACE without
 * touching buf or *len. SRTP_SESSION_ERR for a malformed header (version,
 * CSRC count or extension past the end), a full SSRC table or an exhausted
 * index. 0 or a negative code. */
int srtp_ossl_protect_rtp(srtp_ossl *s, uint8_t *buf, size_t *len, size_t cap);
/* SRTP -> RTP in place; *len shrinks. 0, or SRTP_SESSION_ERR_AUTH,
 * SRTP_SESSION_ERR_REPLAY, SRTP_SESSION_ERR (malformed, too short, SSRC
 * table full); buf may then hold garbage: drop the packet. State changes
 * only for packets that authenticate. */
int srtp_ossl_unprotect_rtp(srtp_ossl *s, uint8_t *buf, size_t *len);
/* The same for RTCP (at least the 8-byte header and sender SSRC); protection
 * always encrypts (E = 1), cap >= *len + 4 + the tag length. Unprotection
 * also takes authenticated-only packets (E = 0). */
int srtp_ossl_protect_rtcp(srtp_ossl *s, uint8_t *buf, size_t *len, size_t cap);
int srtp_ossl_unprotect_rtcp(srtp_ossl *s, uint8_t *buf, size_t *len);

/* Forgets the state of ssrc in one direction (outbound: 1), so its table
 * slot can serve another SSRC: for streams that ended (a subscriber's
 * m-section that now carries another track, a publisher's old SSRC after
 * renegotiation). A packet of a forgotten SSRC starts it afresh, so forget
 * only streams that will not come back. Unknown SSRCs are ignored. */
void srtp_ossl_forget(srtp_ossl *s, uint32_t ssrc, int outbound);

/* For tests only (RFC test vectors), not for the media path. */

/* RFC 3711 §4.3.1 with kdr 0: out_len bytes of the AES-CM PRF keyed with the
 * 16-byte master key, for label (0x00..0x05) and a 14- or 12-byte master
 * salt (12 is right-padded with zeros, as for GCM). 0 or -1. */
int srtp_ossl__kdf(const uint8_t *master_key, const uint8_t *master_salt, size_t salt_len,
                   uint8_t label, uint8_t *out, size_t out_len);
/* A session whose RTP and RTCP, inbound and outbound, all use the given
 * session key (16), session salt (14 for AES-CM, 12 for GCM) and, for
 * AES-CM, auth key (20; NULL for GCM): the shape of the RFC vectors. */
srtp_ossl *srtp_ossl__new_session_keys(srtp_profile_id profile, const uint8_t *key,
                                       const uint8_t *salt, const uint8_t *auth_key);
/* Sets the index the next SRTCP packet sent for ssrc gets (1..2^31-1).
 * 0, or -1 if the value is out of range or the outbound table is full. */
int srtp_ossl__set_rtcp_index(srtp_ossl *s, uint32_t ssrc, uint32_t next_index);

#endif
