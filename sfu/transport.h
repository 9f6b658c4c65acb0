/* One WebRTC transport (one PeerConnection on the node's side): a libnice
 * agent in ICE-lite mode with one stream and one component (BUNDLE and
 * rtcp-mux always), a DTLS server connection and an SRTP session.
 *
 * Incoming datagrams are demultiplexed (RFC 7983): DTLS goes to the DTLS
 * layer, SRTP/SRTCP is unprotected in place and handed to the owner's
 * callbacks; STUN never reaches us (libnice consumes it).
 *
 * A transport belongs to the worker thread whose GMainContext it was created
 * on; it is owned by a participant and freed with transport_free. */
#ifndef RELAIS_TRANSPORT_H
#define RELAIS_TRANSPORT_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/sfu.h"

#define TRANSPORT_MAX_CANDIDATES 16
#define TRANSPORT_CAND_LEN 160
/* Room for the SRTP auth tag behind a packet protected in place. */
#define TRANSPORT_SRTP_TRAILER 148

typedef struct transport transport;

typedef enum {
    TRANSPORT_NEW,       /* waiting for ICE / DTLS */
    TRANSPORT_CONNECTED, /* DTLS done, SRTP keys installed */
    TRANSPORT_FAILED,    /* terminal */
} transport_state;

typedef struct transport_cbs {
    /* Plain (decrypted) packet; buf may be modified in place. */
    void (*on_rtp)(void *ud, uint8_t *buf, size_t len, uint64_t now_us);
    void (*on_rtcp)(void *ud, uint8_t *buf, size_t len, uint64_t now_us);
    /* A packet that failed SRTP authentication or replay checks. */
    void (*on_srtp_error)(void *ud);
    /* CONNECTED, or FAILED with the reason. */
    void (*on_state)(void *ud, transport_state st, sfu_error err);
} transport_cbs;

typedef struct transport_opts {
    GMainContext *ctx;
    /* The node: ICE-lite, controlled, DTLS server. The load tester's bots:
     * full ICE agent, controlling, DTLS client (a client dtls_ctx). */
    int client;
    struct dtls_ctx *dtls; /* the worker's DTLS context of the matching role */
    const char *const *media_addrs;
    size_t n_media_addrs;
    const char *announce_addr; /* or NULL */
    uint16_t port_min, port_max;
} transport_opts;

/* Creates the agent and gathers host candidates on the configured addresses.
 * A client starts connectivity checks once it has the peer's credentials and
 * candidates, and its DTLS handshake once ICE has a working pair.
 * Returns NULL on failure (no address could be bound). */
transport *transport_new(const transport_opts *o, const transport_cbs *cbs, void *ud);
void transport_free(transport *t);

const char *transport_ice_ufrag(const transport *t);
const char *transport_ice_pwd(const transport *t);
/* "candidate:..." lines (without "a="), with the announce address if set. */
int transport_local_candidates(const transport *t, char out[][TRANSPORT_CAND_LEN], int max);

/* The peer's ICE credentials and DTLS fingerprint (sha-256) from its SDP.
 * Credentials may be set again (renegotiation); a changed ufrag is an ICE
 * restart, which we do not support: returns -1. */
int transport_set_remote(transport *t, const char *ufrag, const char *pwd,
                         const char *fingerprint_sha256);
/* A trickled "candidate:..." line. Unsupported (TCP, unparsable) ones are
 * ignored and return -1; the connection is unaffected. */
int transport_add_remote_candidate(transport *t, const char *cand);

transport_state transport_get_state(const transport *t);
/* A stream that ended: its SRTP state may go (the tables are bounded). */
void transport_forget_ssrc(transport *t, uint32_t ssrc, int outbound);
/* Drives DTLS retransmission timers; called by the worker's periodic tick. */
void transport_tick(transport *t, uint64_t now_us);

/* Protect buf (len bytes, cap >= len + TRANSPORT_SRTP_TRAILER) in place and
 * send it. 0, or -1 when not connected or the send failed. */
int transport_send_rtp(transport *t, uint8_t *buf, size_t len, size_t cap);
int transport_send_rtcp(transport *t, uint8_t *buf, size_t len, size_t cap);

#endif
