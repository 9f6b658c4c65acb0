/* libFuzzer target for the STUN codec: stun_msg_parse on arbitrary bytes,
 * and, for whatever parses, the checks the server relies on: pointers stay
 * inside the input, the response fits its buffer and the growth bound, and
 * a built response parses back to the same transaction and address. */
#include "stun/stun_msg.h"
#include "stun/stun_server.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) abort();                                                                         \
    } while (0)

static int inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len) {
    return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

/* The address to answer with: the parsed XOR-MAPPED-ADDRESS if any, else a
 * fixed IPv4 or IPv6 one picked by the last byte. */
static void pick_mapped(const stun_msg *m, const uint8_t *data, size_t size,
                        struct sockaddr_storage *out) {
    if (m->has_xor_mapped) {
        *out = m->xor_mapped;
        return;
    }
    memset(out, 0, sizeof *out);
    if (data[size - 1] & 1) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(54321);
        memcpy(&sin6->sin6_addr, data + 4, 16); /* cookie + txid: any 16 bytes */
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)out;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(3478);
        memcpy(&sin->sin_addr, data + 8, 4);
    }
}

static void check_response(const stun_msg *m, const uint8_t *data, size_t size) {
    struct sockaddr_storage mapped;
    pick_mapped(m, data, size, &mapped);

    uint8_t out[STUN_BINDING_RESPONSE_MAX];
    int n = stun_msg_build_binding_response(out, sizeof out, m->txid,
                                            (const struct sockaddr *)&mapped, m->has_fingerprint);
    CHECK(n > 0 && (size_t)n <= sizeof out);
    CHECK((size_t)n <= size + STUN_SERVER_MAX_GROWTH);

    stun_msg r;
    CHECK(stun_msg_parse(&r, out, (size_t)n) == STUN_OK);
    CHECK(r.cls == STUN_CLASS_SUCCESS && r.method == STUN_METHOD_BINDING);
    CHECK(memcmp(r.txid, m->txid, STUN_TXID_LEN) == 0);
    CHECK(r.has_fingerprint == m->has_fingerprint);
    CHECK(r.has_xor_mapped && r.xor_mapped.ss_family == mapped.ss_family);
    size_t alen =
        mapped.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    if (mapped.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)&r.xor_mapped, *b = (const void *)&mapped;
        CHECK(a->sin6_port == b->sin6_port);
        CHECK(memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0);
    } else {
        CHECK(memcmp(&r.xor_mapped, &mapped, alen) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    stun_msg m;
    int rc = stun_msg_parse(&m, data, size);
    CHECK(rc <= 0 && rc >= STUN_ERR_INVALID);
    if (rc != STUN_OK) {
        CHECK(rc != STUN_ERR_TOO_SHORT || size < STUN_HEADER_LEN);
        return 0;
    }
    CHECK(stun_is_stun(data, size));
    CHECK(m.len == size && m.cls <= STUN_CLASS_ERROR && m.method <= 0xFFF);
    if (m.username) CHECK(inside(m.username, m.username_len, data, size));
    if (m.has_error_code) {
        CHECK(m.error_code >= 300 && m.error_code <= 699);
        CHECK(inside(m.reason, m.reason_len, data, size));
    }
    if (m.has_integrity) {
        CHECK(m.integrity_offset >= STUN_HEADER_LEN && m.integrity_offset + 24 <= size);
        static const uint8_t key[] = "VOkJxbRl1RmTxUk/WvJxBt";
        rc = stun_msg_check_integrity(data, size, &m, key, sizeof key - 1);
        CHECK(rc == STUN_OK || rc == STUN_ERR_BAD_INTEGRITY);
    } else {
        CHECK(stun_msg_check_integrity(data, size, &m, NULL, 0) == STUN_ERR_NO_INTEGRITY);
    }
    check_response(&m, data, size);
    return 0;
}
