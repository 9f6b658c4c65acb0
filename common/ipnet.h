/* IP networks ("10.0.0.0/8", "2001:db8::1") and the client address behind
 * trusted reverse proxies (X-Forwarded-For).
 *
 * Behind a load balancer every WebSocket comes from the proxy's address, so
 * a per-address limit would count all users together. A proxy appends the
 * address it saw to X-Forwarded-For; anyone can put anything to the left of
 * that. So the header is read only when the socket's peer is a trusted
 * proxy, from the right, skipping further trusted proxies: the first address
 * that is not one is the client. Everything left of it is the client's own
 * claim and is ignored.
 *
 * Pure: text in, values out; no allocation. IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 peers) count as the
 * IPv4 address. */
#ifndef RELAIS_IPNET_H
#define RELAIS_IPNET_H

#include <stddef.h>
#include <stdint.h>

#define IPNET_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN: canonical text, NUL included */

/* An address (family 4 or 6, bytes in network order) with a prefix length. */
typedef struct ipnet {
    int family; /* 4 or 6 */
    uint8_t addr[16];
    int prefix; /* 0-32 or 0-128; the bits after it are zero */
} ipnet;

/* "ADDR" or "ADDR/PREFIX" (len bytes, need not be NUL-terminated). An
 * address alone is a host (/32, /128). Bits set after the prefix are an
 * error: "10.0.0.5/8" is most likely a typo. 0 or -1. */
int ipnet_parse(const char *text, size_t len, ipnet *out);

/* The network in canonical text, "10.0.0.0/8" (host: without /N). */
void ipnet_format(const ipnet *n, char *buf, size_t cap);

/* Whether the address `a` (a host ipnet) lies in network n. */
int ipnet_contains(const ipnet *n, const ipnet *a);

/* Whether `a` lies in any of the n_nets networks. */
int ipnet_list_contains(const ipnet *nets, int n_nets, const ipnet *a);

typedef enum ipnet_fwd_result {
    IPNET_FWD_PEER = 0,      /* peer not trusted, or no header: the peer's address */
    IPNET_FWD_HEADER = 1,    /* the address came from the header */
    IPNET_FWD_BAD = -1,      /* a trusted hop sent an element that is no address:
                              * out is the last address before it (counted
                              * against the proxy rather than trusted) */
    IPNET_FWD_BAD_PEER = -2, /* the peer's own address does not parse */
} ipnet_fwd_result;

/* The client's address, canonical, into out[IPNET_ADDR_STRLEN]:
 * `peer` is the socket's peer address ("10.0.0.2", "::ffff:10.0.0.2");
 * `xff` the X-Forwarded-For value (several headers joined by commas), or
 * NULL. Elements may carry a port ("1.2.3.4:5", "[2001:db8::1]:5") and
 * spaces around the commas. With no trusted networks the header is never
 * read. When every address is a trusted proxy, the leftmost one is the
 * answer. */
ipnet_fwd_result ipnet_forwarded_client(const ipnet *trusted, int n_trusted, const char *peer,
                                        const char *xff, char out[IPNET_ADDR_STRLEN]);

#endif
