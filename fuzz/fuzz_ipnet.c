/* libFuzzer target for common/ipnet.c. The input is "PEER\nXFF": PEER is
 * parsed as a network and used as the only trusted proxy, then as the
 * socket peer with XFF as its header. Invariants: a parsed network formats
 * back to text that parses to the same network; the client address found
 * is canonical (parses and formats to itself), and the header is never
 * read when nothing is trusted. */
#include "common/ipnet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void roundtrip(const ipnet *n) {
    char text[64];
    ipnet back;
    ipnet_format(n, text, sizeof text);
    if (ipnet_parse(text, strlen(text), &back) != 0) abort();
    if (back.family != n->family || back.prefix != n->prefix ||
        memcmp(back.addr, n->addr, sizeof back.addr) != 0)
        abort();
    if (!ipnet_contains(n, &back)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nl = memchr(data, '\n', size);
    size_t peer_len = nl ? (size_t)(nl - data) : size;
    ipnet n;
    if (ipnet_parse((const char *)data, peer_len, &n) == 0) roundtrip(&n);
    if (!nl || peer_len > 63 || memchr(data, '\0', peer_len)) return 0;

    char peer[64];
    memcpy(peer, data, peer_len);
    peer[peer_len] = '\0';
    size_t xff_len = size - peer_len - 1;
    char *xff = malloc(xff_len + 1);
    if (!xff) return 0;
    memcpy(xff, nl + 1, xff_len);
    xff[xff_len] = '\0';

    ipnet trusted[1];
    int n_trusted = ipnet_parse(peer, peer_len, &trusted[0]) == 0 ? 1 : 0;
    char out[IPNET_ADDR_STRLEN];
    ipnet_fwd_result r = ipnet_forwarded_client(trusted, n_trusted, peer, xff, out);
    if (r != IPNET_FWD_BAD_PEER) {
        ipnet a;
        char again[64];
        if (ipnet_parse(out, strlen(out), &a) != 0) abort();
        if (a.prefix != (a.family == 4 ? 32 : 128)) abort();
        ipnet_format(&a, again, sizeof again);
        if (strcmp(again, out) != 0) abort();
    }
    if (!n_trusted && r != IPNET_FWD_BAD_PEER && r != IPNET_FWD_PEER) abort();
    free(xff);
    return 0;
}
