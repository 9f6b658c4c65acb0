/* Unit tests for the STUN codec (RFC 5769 vectors, exact builder output,
 * malformed input) and the per-source rate limiter (fake clock). */
#include "stun/stun_msg.h"
#include "stun/stun_ratelimit.h"
#include "tests/test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

/* RFC 5769 section 2.1: Binding request with SOFTWARE, PRIORITY,
 * ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY and FINGERPRINT. */
static const uint8_t rfc_request[] = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 section 2.2: success response, XOR-MAPPED-ADDRESS 192.0.2.1:32853. */
static const uint8_t rfc_response_v4[] = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 section 2.3: the same over IPv6,
 * [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const uint8_t rfc_response_v6[] = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

static const char rfc_password[] = "VOkJxbRl1RmTxUk/WvJxBt";
static const uint8_t rfc_txid[12] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                     0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

static struct sockaddr_storage sa4(const char *ip, uint16_t port) {
    struct sockaddr_storage ss;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    memset(&ss, 0, sizeof ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    ASSERT(inet_pton(AF_INET, ip, &sin->sin_addr) == 1);
    return ss;
}

static struct sockaddr_storage sa6(const char *ip, uint16_t port) {
    struct sockaddr_storage ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    memset(&ss, 0, sizeof ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    ASSERT(inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1);
    return ss;
}

static int check_key(const uint8_t *buf, size_t len, const stun_msg *m) {
    return stun_msg_check_integrity(buf, len, m, (const uint8_t *)rfc_password,
                                    strlen(rfc_password));
}

static void test_crc32(void) {
    ASSERT_EQ(stun_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
    ASSERT_EQ(stun_crc32(NULL, 0), 0);
}

static void test_rfc5769_request(void) {
    stun_msg m;
    ASSERT(stun_is_stun(rfc_request, sizeof rfc_request));
    ASSERT_EQ(stun_msg_parse(&m, rfc_request, sizeof rfc_request), STUN_OK);
    ASSERT_EQ(m.method, STUN_METHOD_BINDING);
    ASSERT_EQ(m.cls, STUN_CLASS_REQUEST);
    ASSERT_EQ(m.len, 108);
    ASSERT_MEM_EQ(m.txid, rfc_txid, 12);
    ASSERT_EQ(m.username_len, 9);
    ASSERT_MEM_EQ(m.username, "evtj:h6vY", 9);
    ASSERT_EQ(m.has_integrity, 1);
    ASSERT_EQ(m.integrity_offset, 76);
    ASSERT_EQ(m.has_fingerprint, 1);
    ASSERT_EQ(m.has_xor_mapped, 0);
    ASSERT_EQ(m.has_error_code, 0);
    /* PRIORITY (0x0024) is ICE's, not STUN's: a plain STUN server does not
     * understand it, so it must not answer this request with a success. */
    ASSERT_EQ(m.n_unknown_required, 1);
    ASSERT_EQ(m.unknown[0], 0x0024);

    ASSERT_EQ(check_key(rfc_request, sizeof rfc_request, &m), STUN_OK);
    ASSERT_EQ(
        stun_msg_check_integrity(rfc_request, sizeof rfc_request, &m, (const uint8_t *)"wrong", 5),
        STUN_ERR_BAD_INTEGRITY);
}

static void test_rfc5769_response_v4(void) {
    stun_msg m;
    ASSERT_EQ(stun_msg_parse(&m, rfc_response_v4, sizeof rfc_response_v4), STUN_OK);
    ASSERT_EQ(m.method, STUN_METHOD_BINDING);
    ASSERT_EQ(m.cls, STUN_CLASS_SUCCESS);
    ASSERT_EQ(m.has_fingerprint, 1);
    ASSERT_EQ(m.has_integrity, 1);
    ASSERT_EQ(m.integrity_offset, 48);
    ASSERT_EQ(m.n_unknown_required, 0);
    ASSERT_EQ(m.has_xor_mapped, 1);
    struct sockaddr_storage want = sa4("192.0.2.1", 32853);
    ASSERT_EQ(m.xor_mapped.ss_family, AF_INET);
    ASSERT_MEM_EQ(&m.xor_mapped, &want, sizeof(struct sockaddr_in));
    ASSERT_EQ(check_key(rfc_response_v4, sizeof rfc_response_v4, &m), STUN_OK);
}

static void test_rfc5769_response_v6(void) {
    stun_msg m;
    ASSERT_EQ(stun_msg_parse(&m, rfc_response_v6, sizeof rfc_response_v6), STUN_OK);
    ASSERT_EQ(m.cls, STUN_CLASS_SUCCESS);
    ASSERT_EQ(m.has_fingerprint, 1);
    ASSERT_EQ(m.has_xor_mapped, 1);
    struct sockaddr_storage want = sa6("2001:db8:1234:5678:11:2233:4455:6677", 32853);
    ASSERT_EQ(m.xor_mapped.ss_family, AF_INET6);
    ASSERT_MEM_EQ(&m.xor_mapped, &want, sizeof(struct sockaddr_in6));
    ASSERT_EQ(check_key(rfc_response_v6, sizeof rfc_response_v6, &m), STUN_OK);
}

static void test_build_request(void) {
    uint8_t out[64];
    static const uint8_t bare[] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7,
                                   0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};
    ASSERT_EQ(stun_msg_build_binding_request(out, sizeof out, rfc_txid, 0), 20);
    ASSERT_MEM_EQ(out, bare, 20);

    static const uint8_t with_fp[] = {0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7,
                                      0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
                                      0x80, 0x28, 0x00, 0x04, 0xfd, 0xf6, 0xae, 0x02};
    ASSERT_EQ(stun_msg_build_binding_request(out, sizeof out, rfc_txid, 1), 28);
    ASSERT_MEM_EQ(out, with_fp, 28);

    stun_msg m;
    ASSERT_EQ(stun_msg_parse(&m, out, 28), STUN_OK);
    ASSERT_EQ(m.cls, STUN_CLASS_REQUEST);
    ASSERT_EQ(m.has_fingerprint, 1);
    ASSERT_EQ(stun_msg_build_binding_request(out, 27, rfc_txid, 1), STUN_ERR_NO_SPACE);
    ASSERT_EQ(stun_msg_build_binding_request(out, 19, rfc_txid, 0), STUN_ERR_NO_SPACE);
}

static void test_build_response_v4(void) {
    uint8_t out[64];
    struct sockaddr_storage a = sa4("192.0.2.1", 32853);
    static const uint8_t want[] = {0x01, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7,
                                   0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x00, 0x20,
                                   0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43};
    ASSERT_EQ(stun_msg_build_binding_response(out, sizeof out, rfc_txid, (struct sockaddr *)&a, 0),
              32);
    ASSERT_MEM_EQ(out, want, 32);

    static const uint8_t fp[] = {0x80, 0x28, 0x00, 0x04, 0x7d, 0x28, 0x1f, 0x59};
    ASSERT_EQ(stun_msg_build_binding_response(out, sizeof out, rfc_txid, (struct sockaddr *)&a, 1),
              40);
    ASSERT_EQ(out[3], 0x14); /* length now covers FINGERPRINT */
    ASSERT_MEM_EQ(out + 4, want + 4, 28);
    ASSERT_MEM_EQ(out + 32, fp, 8);

    stun_msg m;
    ASSERT_EQ(stun_msg_parse(&m, out, 40), STUN_OK);
    ASSERT_EQ(m.cls, STUN_CLASS_SUCCESS);
    ASSERT_EQ(m.method, STUN_METHOD_BINDING);
    ASSERT_EQ(m.has_fingerprint, 1);
    ASSERT_MEM_EQ(&m.xor_mapped, &a, sizeof(struct sockaddr_in));

    ASSERT_EQ(stun_msg_build_binding_response(out, 39, rfc_txid, (struct sockaddr *)&a, 1),
              STUN_ERR_NO_SPACE);
    ASSERT_EQ(stun_msg_build_binding_response(out, 31, rfc_txid, (struct sockaddr *)&a, 0),
              STUN_ERR_NO_SPACE);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    ASSERT_EQ(stun_msg_build_binding_response(out, sizeof out, rfc_txid, (struct sockaddr *)&un, 0),
              STUN_ERR_INVALID);
}

static void test_build_response_v6(void) {
    uint8_t out[64];
    struct sockaddr_storage a = sa6("2001:db8:1234:5678:11:2233:4455:6677", 32853);
    static const uint8_t want[] = {
        0x01, 0x01, 0x00, 0x18, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6,
        0x86, 0xfa, 0x87, 0xdf, 0xae, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13,
        0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9};
    ASSERT_EQ(stun_msg_build_binding_response(out, sizeof out, rfc_txid, (struct sockaddr *)&a, 0),
              44);
    ASSERT_MEM_EQ(out, want, 44);
    static const uint8_t fp[] = {0x80, 0x28, 0x00, 0x04, 0x68, 0xd5, 0xc9, 0x50};
    ASSERT_EQ(stun_msg_build_binding_response(out, sizeof out, rfc_txid, (struct sockaddr *)&a, 1),
              STUN_BINDING_RESPONSE_MAX);
    ASSERT_MEM_EQ(out + 44, fp, 8);
    stun_msg m;
    ASSERT_EQ(stun_msg_parse(&m, out, 52), STUN_OK);
    ASSERT_MEM_EQ(&m.xor_mapped, &a, sizeof(struct sockaddr_in6));
}

/* A copy of the RFC request to damage. */
static uint8_t work[256];
static size_t copy_request(void) {
    memcpy(work, rfc_request, sizeof rfc_request);
    return sizeof rfc_request;
}

static int parse(const uint8_t *buf, size_t len) {
    stun_msg m;
    int rc = stun_msg_parse(&m, buf, len);
    if (rc == STUN_OK) ASSERT(stun_is_stun(buf, len));
    return rc;
}

static void test_malformed_header(void) {
    size_t n = copy_request();
    ASSERT_EQ(parse(work, 0), STUN_ERR_TOO_SHORT);
    ASSERT_EQ(parse(NULL, 20), STUN_ERR_TOO_SHORT);
    ASSERT_EQ(parse(work, 19), STUN_ERR_TOO_SHORT);
    ASSERT(!stun_is_stun(work, 19));

    /* Every strict prefix fails: the length field no longer matches. */
    for (size_t i = 20; i < n; i++)
        ASSERT_EQ(parse(work, i), STUN_ERR_BAD_LENGTH);
    /* Trailing bytes after the message are not accepted either. */
    ASSERT_EQ(parse(work, n + 4), STUN_ERR_BAD_LENGTH);

    work[4] = 0x21 ^ 0x01; /* wrong magic cookie */
    ASSERT_EQ(parse(work, n), STUN_ERR_NOT_STUN);
    ASSERT(!stun_is_stun(work, n));
    copy_request();
    work[0] = 0x40; /* top bits set: RTP/DTLS, not STUN */
    ASSERT_EQ(parse(work, n), STUN_ERR_NOT_STUN);
    copy_request();
    work[0] = 0x80;
    ASSERT_EQ(parse(work, n), STUN_ERR_NOT_STUN);

    /* Length not a multiple of 4. */
    uint8_t hdr[24];
    ASSERT_EQ(stun_msg_build_binding_request(hdr, sizeof hdr, rfc_txid, 0), 20);
    hdr[3] = 2;
    ASSERT_EQ(parse(hdr, 22), STUN_ERR_BAD_LENGTH);
    ASSERT(!stun_is_stun(hdr, 22));
    /* Length longer than the buffer. */
    hdr[3] = 4;
    ASSERT_EQ(parse(hdr, 20), STUN_ERR_BAD_LENGTH);
}

static void test_malformed_attributes(void) {
    size_t n = copy_request();
    /* SOFTWARE claims 0x0100 bytes: runs past the end. */
    work[22] = 0x01;
    ASSERT_EQ(parse(work, n), STUN_ERR_ATTR_OVERRUN);
    /* The last attribute claims 5 bytes, padded to 8, in 4 available. */
    copy_request();
    work[103] = 0x05;
    ASSERT_EQ(parse(work, n), STUN_ERR_ATTR_OVERRUN);
    /* Maximal length: 0xFFFF. */
    copy_request();
    work[22] = work[23] = 0xFF;
    ASSERT_EQ(parse(work, n), STUN_ERR_ATTR_OVERRUN);

    /* FINGERPRINT off by one bit, or body changed under it. */
    copy_request();
    work[n - 1] ^= 0x01;
    ASSERT_EQ(parse(work, n), STUN_ERR_BAD_FINGERPRINT);
    copy_request();
    work[30] ^= 0x20;
    ASSERT_EQ(parse(work, n), STUN_ERR_BAD_FINGERPRINT);
    /* FINGERPRINT not last: append an attribute after it. */
    copy_request();
    memcpy(work + n, "\x80\x22\x00\x00", 4);
    work[3] += 4;
    ASSERT_EQ(parse(work, n + 4), STUN_ERR_BAD_FINGERPRINT);

    /* Damaging MESSAGE-INTEGRITY is caught by the key check, not the parser
     * (there is no FINGERPRINT in this cut-down copy). */
    copy_request();
    work[2] = 0x00, work[3] = 0x50; /* drop FINGERPRINT */
    stun_msg m;
    ASSERT_EQ(stun_msg_parse(&m, work, 100), STUN_OK);
    ASSERT_EQ(check_key(work, 100, &m), STUN_OK);
    work[80] ^= 1;
    ASSERT_EQ(stun_msg_parse(&m, work, 100), STUN_OK);
    ASSERT_EQ(check_key(work, 100, &m), STUN_ERR_BAD_INTEGRITY);
    /* MESSAGE-INTEGRITY of the wrong size. */
    work[79] = 0x10;
    ASSERT_EQ(parse(work, 100), STUN_ERR_BAD_ATTR);
    ASSERT_EQ(stun_msg_parse(&m, rfc_response_v4, 48), STUN_ERR_BAD_LENGTH);
}

/* Builds header + one attribute of type t with value v (len bytes, padded). */
static size_t one_attr(uint16_t t, const uint8_t *v, size_t len) {
    ASSERT_EQ(stun_msg_build_binding_request(work, sizeof work, rfc_txid, 0), 20);
    size_t padded = (len + 3) & ~(size_t)3;
    work[20] = (uint8_t)(t >> 8), work[21] = (uint8_t)t;
    work[22] = 0, work[23] = (uint8_t)len;
    memset(work + 24, 0, padded);
    memcpy(work + 24, v, len);
    work[3] = (uint8_t)(4 + padded);
    return 24 + padded;
}

static void test_attribute_values(void) {
    stun_msg m;
    /* XOR-MAPPED-ADDRESS with family 3, and IPv4 with an IPv6 length. */
    static const uint8_t fam3[8] = {0, 3, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43};
    ASSERT_EQ(parse(work, one_attr(STUN_ATTR_XOR_MAPPED_ADDRESS, fam3, 8)), STUN_ERR_BAD_ATTR);
    /* Empty or short XOR-MAPPED-ADDRESS as the last attribute: the value must
     * not be read past its length (found by fuzz_stun). */
    ASSERT_EQ(parse(work, one_attr(STUN_ATTR_XOR_MAPPED_ADDRESS, fam3, 0)), STUN_ERR_BAD_ATTR);
    ASSERT_EQ(parse(work, one_attr(STUN_ATTR_XOR_MAPPED_ADDRESS, fam3, 2)), STUN_ERR_BAD_ATTR);
    static const uint8_t v4long[20] = {0, 1, 0xa1, 0x47};
    ASSERT_EQ(parse(work, one_attr(STUN_ATTR_XOR_MAPPED_ADDRESS, v4long, 20)), STUN_ERR_BAD_ATTR);

    /* ERROR-CODE 420 with a reason; class 7 is invalid. */
    static const uint8_t e420[] = {0, 0, 4, 20, 'U', 'n', 'k'};
    ASSERT_EQ(stun_msg_parse(&m, work, one_attr(STUN_ATTR_ERROR_CODE, e420, 7)), STUN_OK);
    ASSERT_EQ(m.has_error_code, 1);
    ASSERT_EQ(m.error_code, 420);
    ASSERT_EQ(m.reason_len, 3);
    ASSERT_MEM_EQ(m.reason, "Unk", 3);
    static const uint8_t e799[] = {0, 0, 7, 99};
    ASSERT_EQ(parse(work, one_attr(STUN_ATTR_ERROR_CODE, e799, 4)), STUN_ERR_BAD_ATTR);
    ASSERT_EQ(parse(work, one_attr(STUN_ATTR_ERROR_CODE, e799, 3)), STUN_ERR_BAD_ATTR);

    /* Unknown optional attribute: fine. Unknown required: counted. */
    static const uint8_t junk[6] = {1, 2, 3, 4, 5, 6};
    ASSERT_EQ(stun_msg_parse(&m, work, one_attr(0xC001, junk, 6)), STUN_OK);
    ASSERT_EQ(m.n_unknown_required, 0);
    ASSERT_EQ(stun_msg_parse(&m, work, one_attr(0x7F01, junk, 6)), STUN_OK);
    ASSERT_EQ(m.n_unknown_required, 1);
    ASSERT_EQ(m.unknown[0], 0x7F01);

    /* Indication class decodes (type 0x0011). */
    ASSERT_EQ(stun_msg_build_binding_request(work, sizeof work, rfc_txid, 0), 20);
    work[1] = 0x11;
    ASSERT_EQ(stun_msg_parse(&m, work, 20), STUN_OK);
    ASSERT_EQ(m.cls, STUN_CLASS_INDICATION);
    ASSERT_EQ(m.method, STUN_METHOD_BINDING);
    /* Error response of the highest method: type 0x3FFF -> method 0xFFF, class 3. */
    work[0] = 0x3F, work[1] = 0xFF;
    ASSERT_EQ(stun_msg_parse(&m, work, 20), STUN_OK);
    ASSERT_EQ(m.cls, STUN_CLASS_ERROR);
    ASSERT_EQ(m.method, 0xFFF);
    ASSERT_EQ(stun_msg_check_integrity(work, 20, &m, NULL, 0), STUN_ERR_NO_INTEGRITY);
    ASSERT_EQ(stun_msg_parse(NULL, work, 20), STUN_ERR_INVALID);
}

static void test_after_integrity_ignored(void) {
    /* RFC request without FINGERPRINT, plus an unknown required attribute
     * after MESSAGE-INTEGRITY: ignored, not counted. */
    size_t n = copy_request() - 8;
    memcpy(work + n, "\x7f\x02\x00\x00", 4);
    work[2] = 0x00, work[3] = (uint8_t)(n + 4 - 20);
    stun_msg m;
    ASSERT_EQ(stun_msg_parse(&m, work, n + 4), STUN_OK);
    ASSERT_EQ(m.n_unknown_required, 1); /* PRIORITY only */
    ASSERT_EQ(m.has_fingerprint, 0);
    ASSERT_EQ(check_key(work, n + 4, &m), STUN_OK);
}

static void test_strerror(void) {
    for (int e = 0; e >= STUN_ERR_INVALID; e--) {
        ASSERT(stun_strerror(e) != NULL);
        ASSERT(strcmp(stun_strerror(e), "unknown error") != 0);
    }
    ASSERT_STR_EQ(stun_strerror(-999), "unknown error");
}

/* ---- rate limiter ------------------------------------------------------- */

static stun_ratelimit rl; /* ~160 KiB: static, not on the stack */

static int allow4(const char *ip, uint64_t now) {
    struct sockaddr_storage a = sa4(ip, 1234);
    return stun_ratelimit_allow(&rl, (struct sockaddr *)&a, now);
}

static int allow6(const char *ip, uint64_t now) {
    struct sockaddr_storage a = sa6(ip, 1234);
    return stun_ratelimit_allow(&rl, (struct sockaddr *)&a, now);
}

static void test_ratelimit_bucket(void) {
    stun_ratelimit_init(&rl, 10, 5, 42); /* 10/s: one token per 100 ms */
    uint64_t t = 1000000;
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(allow4("192.0.2.1", t), 1);
    ASSERT_EQ(allow4("192.0.2.1", t), 0);
    ASSERT_EQ(allow4("192.0.2.1", t + 99999), 0); /* 0.99999 of a token */
    ASSERT_EQ(allow4("192.0.2.1", t + 100000), 1);
    ASSERT_EQ(allow4("192.0.2.1", t + 100000), 0);
    /* Another source is not affected. */
    ASSERT_EQ(allow4("192.0.2.2", t + 100000), 1);
    /* A long pause refills to the burst, not beyond. */
    t += 60000000;
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(allow4("192.0.2.1", t), 1);
    ASSERT_EQ(allow4("192.0.2.1", t), 0);
    /* Clock going backwards: no refill, no crash. */
    ASSERT_EQ(allow4("192.0.2.1", t - 5000000), 0);
    /* A huge gap does not overflow. */
    ASSERT_EQ(allow4("192.0.2.1", UINT64_MAX / 2), 1);
    /* Sustained rate: 10 per simulated second, after the burst. */
    int got = 0;
    t = UINT64_MAX / 2;
    for (int ms = 0; ms < 10000; ms++)
        got += allow4("192.0.2.1", t + (uint64_t)ms * 1000);
    ASSERT(got >= 4 + 99 && got <= 4 + 101);
}

static void test_ratelimit_keys(void) {
    stun_ratelimit_init(&rl, 1, 2, 7);
    /* Same IPv6 /64: one bucket. */
    ASSERT_EQ(allow6("2001:db8:0:1::1", 0), 1);
    ASSERT_EQ(allow6("2001:db8:0:1::2", 0), 1);
    ASSERT_EQ(allow6("2001:db8:0:1:ffff::3", 0), 0);
    ASSERT_EQ(allow6("2001:db8:0:2::1", 0), 1); /* another /64 */
    /* IPv4 and its IPv4-mapped IPv6 form: one bucket. */
    ASSERT_EQ(allow4("198.51.100.9", 0), 1);
    ASSERT_EQ(allow6("::ffff:198.51.100.9", 0), 1);
    ASSERT_EQ(allow4("198.51.100.9", 0), 0);
    /* Other families are refused. */
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    ASSERT_EQ(stun_ratelimit_allow(&rl, (struct sockaddr *)&un, 0), 0);
    ASSERT_EQ(stun_ratelimit_allow(&rl, NULL, 0), 0);

    /* rate 0: the burst, then nothing ever again; burst 0: nothing. */
    stun_ratelimit_init(&rl, 0, 1, 7);
    ASSERT_EQ(allow4("192.0.2.1", 0), 1);
    ASSERT_EQ(allow4("192.0.2.1", 1000000000), 0);
    stun_ratelimit_init(&rl, 100, 0, 7);
    ASSERT_EQ(allow4("192.0.2.1", 0), 0);
}

static void test_ratelimit_eviction(void) {
    stun_ratelimit_init(&rl, 10, 3, 99);
    char ip[32];
    /* Twice as many sources as slots, one per µs: old ones get evicted. */
    for (int i = 0; i < 2 * STUN_RL_SLOTS; i++) {
        snprintf(ip, sizeof ip, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        ASSERT_EQ(allow4(ip, 1 + (uint64_t)i), 1);
    }
    ASSERT(rl.evictions >= STUN_RL_SLOTS);

    /* A source that just spent its budget is the newest entry in its probe
     * window, so newcomers evict older entries, never it. */
    uint64_t t = 100000;
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(allow4("192.0.2.77", t), 1);
    for (int i = 0; i < 200; i++) {
        snprintf(ip, sizeof ip, "172.16.%d.%d", i >> 8, i & 255);
        ASSERT_EQ(allow4(ip, t + 1 + (uint64_t)i), 1);
    }
    ASSERT_EQ(allow4("192.0.2.77", t + 300), 0);
}

int main(void) {
    RUN_TEST(test_crc32);
    RUN_TEST(test_rfc5769_request);
    RUN_TEST(test_rfc5769_response_v4);
    RUN_TEST(test_rfc5769_response_v6);
    RUN_TEST(test_build_request);
    RUN_TEST(test_build_response_v4);
    RUN_TEST(test_build_response_v6);
    RUN_TEST(test_malformed_header);
    RUN_TEST(test_malformed_attributes);
    RUN_TEST(test_attribute_values);
    RUN_TEST(test_after_integrity_ignored);
    RUN_TEST(test_strerror);
    RUN_TEST(test_ratelimit_bucket);
    RUN_TEST(test_ratelimit_keys);
    RUN_TEST(test_ratelimit_eviction);
    TEST_DONE();
}
