/* DTLS-SRTP (RFC 5764) as a sans-IO core over OpenSSL: datagrams and `now`
 * go in, datagrams, state and SRTP keys come out. No sockets, no threads, no
 * clock reads of our own.
 *
 * Objects and threads:
 * - dtls_cert: one per process, immutable once generated; any thread may read
 *   it (dtls_cert_fingerprint) concurrently.
 * - dtls_ctx: an SSL_CTX configured for one role and one certificate. Once
 *   dtls_ctx_new returned (and any dtls_ctx_set_* calls are done), it is
 *   read-only and may be shared by all connections of all threads: OpenSSL
 *   makes SSL_new on a configured SSL_CTX thread-safe. Free it after the last
 *   connection made from it.
 * - dtls_conn: one handshake with one peer; belongs to one thread.
 *
 * Driving a connection (the same pair as every core: feed / poll / timeout):
 *   dtls_conn_start(c, now)                      client only; harmless on a server
 *   on each received DTLS datagram: dtls_conn_feed(c, dgram, len, now)
 *   after every call: while ((n = dtls_conn_poll_output(c, buf, cap)) > 0) send(buf, n)
 *   at dtls_conn_next_timeout(c, now): dtls_conn_handle_timeout(c, now), then poll again
 *   when dtls_conn_state() is CONNECTED: dtls_conn_srtp_keys()
 * Keep feeding datagrams after CONNECTED: if the peer's last flight is
 * retransmitted (our final flight was lost), the answer comes out of poll_output.
 *
 * Time: OpenSSL 3.0 measures its retransmission timer on the real clock and
 * offers no hook to replace it. now_us only anchors the handshake deadline and
 * the absolute times we report, so callers must pass a monotonic clock that
 * runs at real speed (clock_now_us()). A virtual clock works for everything
 * except the moment a retransmission fires.
 *
 * Errors: functions return 0 (or a length) on success and -1 on failure;
 * detail is in dtls_conn_state / dtls_conn_error. Key material is never
 * logged. */
#ifndef RELAIS_DTLS_H
#define RELAIS_DTLS_H

#include <stddef.h>
#include <stdint.h>

/* Datagram size we never exceed (flights are fragmented and grouped to fit). */
#define DTLS_MTU 1200
/* Length of a fingerprint string: 32 bytes as "AB:" triples, minus one colon. */
#define DTLS_FINGERPRINT_LEN 95
/* The handshake fails with DTLS_ERR_TIMEOUT this long after it started. */
#define DTLS_HANDSHAKE_TIMEOUT_US 30000000ull

/* ECDSA P-256 key and a self-signed X.509 certificate (random serial,
 * CN "relais", valid from 30 days ago to one year ahead), with its SHA-256
 * fingerprint in SDP form. */
typedef struct dtls_cert dtls_cert;

/* Generates a new key and certificate. 0, or -1 (*out untouched). */
int dtls_cert_generate(dtls_cert **out);
/* "AB:CD:..." (uppercase, DTLS_FINGERPRINT_LEN chars), for a=fingerprint:sha-256.
 * Valid until dtls_cert_free. */
const char *dtls_cert_fingerprint(const dtls_cert *c);
/* The certificate in DER. Returns its length; copies it to out if cap is large
 * enough (pass out NULL / cap 0 to ask for the length). -1 on error. For
 * stats ("certificate" in getStats) and tests. */
int dtls_cert_der(const dtls_cert *c, uint8_t *out, size_t cap);
void dtls_cert_free(dtls_cert *c);

typedef enum { DTLS_ROLE_SERVER, DTLS_ROLE_CLIENT } dtls_role;

typedef enum {
    DTLS_STATE_NEW,         /* nothing sent or received yet */
    DTLS_STATE_HANDSHAKING, /* flights in progress */
    DTLS_STATE_CONNECTED,   /* handshake done, fingerprint verified, SRTP profile agreed */
    DTLS_STATE_FAILED,      /* terminal: see dtls_conn_error */
    DTLS_STATE_CLOSED,      /* terminal: close_notify sent or received */
} dtls_state;

typedef enum {
    DTLS_ERR_NONE,
    DTLS_ERR_HANDSHAKE,       /* protocol failure or fatal alert from the peer */
    DTLS_ERR_FINGERPRINT,     /* peer certificate does not match the expected fingerprint */
    DTLS_ERR_NO_SRTP_PROFILE, /* no common DTLS-SRTP protection profile */
    DTLS_ERR_TIMEOUT,         /* no handshake within DTLS_HANDSHAKE_TIMEOUT_US */
} dtls_error;

/* One SSL_CTX (DTLS 1.2 only, ECDHE P-256, ECDSA ciphers browsers offer,
 * SRTP profiles AEAD_AES_128_GCM then AES128_CM_SHA1_80, peer certificate
 * required) for one role and certificate. Takes its own references to the
 * certificate and key: cert may be freed afterwards. NULL on failure. */
typedef struct dtls_ctx dtls_ctx;
dtls_ctx *dtls_ctx_new(const dtls_cert *cert, dtls_role role);
void dtls_ctx_free(dtls_ctx *ctx);
/* Replaces the offered (client) or accepted-in-order (server) SRTP profiles,
 * an OpenSSL list such as "SRTP_AES128_CM_SHA1_80". For tests and the load
 * tester (to act like an older client). Call before the first dtls_conn_new
 * on this ctx, from the thread that owns it. 0 or -1. */
int dtls_ctx_set_srtp_profiles(dtls_ctx *ctx, const char *profiles);

typedef struct dtls_conn dtls_conn;

/* A connection in the ctx's role. expected_fp_sha256 is the peer's
 * a=fingerprint value for sha-256 ("AB:CD:..", case-insensitive) and is
 * required: NULL or unparsable -> NULL. It is checked when the peer's
 * certificate arrives; a mismatch aborts the handshake (fatal alert to the
 * peer) and the connection ends FAILED with DTLS_ERR_FINGERPRINT; it never
 * becomes CONNECTED. ctx must outlive the connection. */
dtls_conn *dtls_conn_new(dtls_ctx *ctx, const char *expected_fp_sha256);
void dtls_conn_free(dtls_conn *c);

/* Starts the handshake clock (DTLS_HANDSHAKE_TIMEOUT_US counts from here).
 * Client: queues the ClientHello. Server: nothing to send; without this call
 * a server's clock starts at its first datagram. 0, or -1 if already failed. */
int dtls_conn_start(dtls_conn *c, uint64_t now_us);

/* One received datagram (first byte 20..63, RFC 7983). Drives the handshake;
 * application data and malformed records are dropped. 0, or -1 if the
 * connection is FAILED after this datagram (the fatal alert for the peer, if
 * any, is waiting in poll_output). Datagrams after FAILED/CLOSED are ignored. */
int dtls_conn_feed(dtls_conn *c, const uint8_t *in, size_t len, uint64_t now_us);

/* The next datagram to send: copies it to out and returns its length, or 0 if
 * there is none. Datagrams hold whole records and are at most DTLS_MTU bytes;
 * cap >= DTLS_MTU always suffices. -1 if cap is too small (the datagram stays
 * queued). Call until it returns 0. */
int dtls_conn_poll_output(dtls_conn *c, uint8_t *out, size_t cap);

/* Absolute time (µs, same clock as now_us) at which dtls_conn_handle_timeout
 * must be called, or 0 if none (not started, or handshake over). The earliest
 * of the retransmission timer and the handshake deadline. */
uint64_t dtls_conn_next_timeout(dtls_conn *c, uint64_t now_us);

/* Retransmits the last flight if its timer expired (then poll output), and
 * fails the connection (DTLS_ERR_TIMEOUT) once the handshake deadline has
 * passed. Calling it early is harmless. 0, or -1 if FAILED. */
int dtls_conn_handle_timeout(dtls_conn *c, uint64_t now_us);

dtls_state dtls_conn_state(const dtls_conn *c);
dtls_error dtls_conn_error(const dtls_conn *c);
const char *dtls_error_str(dtls_error e);
const char *dtls_state_str(dtls_state s);

/* DTLS-SRTP protection profiles (RFC 5764, RFC 7714), by IANA id. */
typedef enum {
    SRTP_PROFILE_AES128_CM_SHA1_80 = 1, /* key 16, salt 14 */
    SRTP_PROFILE_AEAD_AES_128_GCM = 7,  /* key 16, salt 12 */
} srtp_profile_id;

/* Master keys for one SRTP session. local_* protects what we send, remote_*
 * unprotects what we receive. Secret: wipe after use. */
typedef struct dtls_srtp_keys {
    srtp_profile_id profile;
    uint8_t local_key[16], local_salt[14];
    uint8_t remote_key[16], remote_salt[14];
    size_t key_len, salt_len;
} dtls_srtp_keys;

/* After CONNECTED: exports "EXTRACTOR-dtls_srtp" (RFC 5764 §4.2:
 * client_key | server_key | client_salt | server_salt) and assigns local and
 * remote by our role. 0, or -1 if not connected. */
int dtls_conn_srtp_keys(dtls_conn *c, dtls_srtp_keys *out);

/* Queues a close_notify alert (poll output to send it) and moves to CLOSED.
 * During the handshake there is nothing to notify: just moves to CLOSED.
 * 0, or -1 if already FAILED/CLOSED. */
int dtls_conn_close(dtls_conn *c);

#endif
