/* The built-in STUN server: answers Binding requests on UDP so that browsers
 * can learn their server-reflexive address without a third-party server.
 *
 * One thread of its own poll()s one UDP socket per configured address and
 * answers each valid Binding request with a success response carrying only
 * XOR-MAPPED-ADDRESS (and FINGERPRINT when the request had one), sent from
 * the address the request came to. Everything else is dropped and counted;
 * nothing is ever echoed back, and per-source token buckets cap how much a
 * spoofed flood can reflect (see docs/stun.md).
 *
 * Ownership: stun_server_start creates the server and its thread; the caller
 * owns the handle and must call stun_server_stop exactly once, from any one
 * thread. opts and the strings in it are copied/used only during start.
 * stun_server_get_stats may be called from any thread while it runs. */
#ifndef RELAIS_STUN_SERVER_H
#define RELAIS_STUN_SERVER_H

#include <stddef.h>
#include <stdint.h>

#define STUN_SERVER_MAX_ADDRS 16
#define STUN_SERVER_DEFAULT_RATE 20  /* answers per second per source */
#define STUN_SERVER_DEFAULT_BURST 40 /* answers a quiet source may get at once */

/* A response may be at most this much larger than its request: exactly the
 * XOR-MAPPED-ADDRESS a bare 20-byte request asks for (12 bytes IPv4, 24 IPv6).
 * FINGERPRINT is only added when the request paid 8 bytes for its own. */
#define STUN_SERVER_MAX_GROWTH 24

typedef struct stun_server stun_server;

typedef struct stun_server_opts {
    const char *const *addrs; /* numeric IPs: "0.0.0.0", "::", "192.0.2.7", "[::1]" */
    size_t n_addrs;           /* 1..STUN_SERVER_MAX_ADDRS */
    uint16_t port;            /* 0: any free port, the same on every address */
    uint32_t rate_per_sec;    /* 0: STUN_SERVER_DEFAULT_RATE */
    uint32_t burst;           /* 0: STUN_SERVER_DEFAULT_BURST */
} stun_server_opts;

/* Every datagram received counts once in `requests` and once in exactly one
 * of the other four, so requests == answered + malformed + rate_limited +
 * dropped_other (give or take one being processed). */
typedef struct stun_server_stats {
    uint64_t requests;      /* datagrams received */
    uint64_t answered;      /* Binding success responses sent */
    uint64_t malformed;     /* not a valid STUN message */
    uint64_t rate_limited;  /* valid Binding requests over their source's budget */
    uint64_t dropped_other; /* valid STUN but not answerable (responses, indications,
                               other methods, unknown comprehension-required
                               attributes) or the send failed */
} stun_server_stats;

/* Binds every address first, then starts the thread. Returns 0 and sets
 * *out, or a negative value with a one-line reason in err (which address and
 * why, e.g. "bind 0.0.0.0 port 3478: Address already in use"). */
int stun_server_start(stun_server **out, const stun_server_opts *opts, char *err, size_t errlen);

/* Wakes and joins the thread, closes the sockets, frees s. NULL is a no-op. */
void stun_server_stop(stun_server *s);

/* Snapshot of the counters; safe from any thread. */
void stun_server_get_stats(stun_server *s, stun_server_stats *out);

/* The UDP port every socket is bound to (the chosen one when opts->port was 0). */
uint16_t stun_server_port(const stun_server *s);

#endif
