/* STUN message codec (RFC 8489): parse, build, FINGERPRINT, MESSAGE-INTEGRITY.
 *
 * Pure: no sockets, no clock, no heap. The parser reads a caller-owned buffer
 * and fills a caller-owned stun_msg whose pointers (username, reason) point
 * into that buffer, so the buffer must outlive the stun_msg. Every length in
 * the input is checked against the buffer before it is used; a parse either
 * succeeds completely or returns a negative stun_err and the stun_msg must not
 * be used.
 *
 * Used by the built-in STUN server (stun_server.h) and by the load tester.
 * ICE connectivity checks on media ports are libnice's business, not ours. */
#ifndef RELAIS_STUN_MSG_H
#define RELAIS_STUN_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define STUN_HEADER_LEN 20
#define STUN_MAGIC_COOKIE 0x2112A442u
#define STUN_TXID_LEN 12
#define STUN_FINGERPRINT_XOR 0x5354554eu

/* Message classes, as decoded from the C1/C0 bits of the message type. */
typedef enum stun_class {
    STUN_CLASS_REQUEST = 0,
    STUN_CLASS_INDICATION = 1,
    STUN_CLASS_SUCCESS = 2,
    STUN_CLASS_ERROR = 3,
} stun_class;

#define STUN_METHOD_BINDING 0x001

/* Attribute types the codec knows (RFC 8489 section 18.3). */
#define STUN_ATTR_MAPPED_ADDRESS 0x0001
#define STUN_ATTR_USERNAME 0x0006
#define STUN_ATTR_MESSAGE_INTEGRITY 0x0008
#define STUN_ATTR_ERROR_CODE 0x0009
#define STUN_ATTR_UNKNOWN_ATTRIBUTES 0x000A
#define STUN_ATTR_REALM 0x0014
#define STUN_ATTR_NONCE 0x0015
#define STUN_ATTR_MESSAGE_INTEGRITY_SHA256 0x001C
#define STUN_ATTR_PASSWORD_ALGORITHM 0x001D
#define STUN_ATTR_USERHASH 0x001E
#define STUN_ATTR_XOR_MAPPED_ADDRESS 0x0020
#define STUN_ATTR_SOFTWARE 0x8022
#define STUN_ATTR_FINGERPRINT 0x8028

/* Sizes of what the builders produce, so callers can reason about
 * amplification: a Binding success response is the header plus one
 * XOR-MAPPED-ADDRESS, plus FINGERPRINT when asked for. */
#define STUN_XMA_V4_LEN 12 /* attribute header + family/port + 4-byte address */
#define STUN_XMA_V6_LEN 24 /* attribute header + family/port + 16-byte address */
#define STUN_FINGERPRINT_LEN 8
#define STUN_BINDING_RESPONSE_MAX (STUN_HEADER_LEN + STUN_XMA_V6_LEN + STUN_FINGERPRINT_LEN)

typedef enum stun_err {
    STUN_OK = 0,
    STUN_ERR_TOO_SHORT = -1,       /* fewer than 20 bytes */
    STUN_ERR_NOT_STUN = -2,        /* top two bits set or wrong magic cookie */
    STUN_ERR_BAD_LENGTH = -3,      /* length field not a multiple of 4 or not the buffer size */
    STUN_ERR_ATTR_OVERRUN = -4,    /* an attribute (with padding) runs past the message */
    STUN_ERR_BAD_ATTR = -5,        /* a known attribute with a malformed value */
    STUN_ERR_BAD_FINGERPRINT = -6, /* FINGERPRINT present but wrong, or not last */
    STUN_ERR_NO_INTEGRITY = -7,    /* check_integrity on a message without one */
    STUN_ERR_BAD_INTEGRITY = -8,   /* MESSAGE-INTEGRITY does not match the key */
    STUN_ERR_NO_SPACE = -9,        /* builder: output buffer too small */
    STUN_ERR_INVALID = -10,        /* builder: bad argument (e.g. address family) */
} stun_err;

/* At most this many unknown comprehension-required attribute types are kept
 * (for a 420 response's UNKNOWN-ATTRIBUTES); n_unknown_required counts all. */
#define STUN_MAX_UNKNOWN 4

typedef struct stun_msg {
    uint16_t method; /* 12 bits, e.g. STUN_METHOD_BINDING */
    stun_class cls;
    uint8_t txid[STUN_TXID_LEN];
    size_t len; /* whole message, header included (== buffer length) */

    const uint8_t *username; /* into the parsed buffer; NULL if absent */
    size_t username_len;

    int has_integrity;       /* MESSAGE-INTEGRITY present */
    size_t integrity_offset; /* of its attribute header, from the message start */

    int has_fingerprint; /* present, and valid (an invalid one fails the parse) */

    int has_xor_mapped;
    struct sockaddr_storage xor_mapped; /* AF_INET or AF_INET6, port and address */

    int has_error_code;
    int error_code;        /* class * 100 + number, e.g. 420 */
    const uint8_t *reason; /* UTF-8, into the parsed buffer, not terminated */
    size_t reason_len;

    unsigned n_unknown_required; /* unknown attributes in 0x0000-0x7FFF */
    uint16_t unknown[STUN_MAX_UNKNOWN];
} stun_msg;

/* Quick demultiplexing test: at least a header, top two bits zero, magic
 * cookie, length a multiple of 4 matching len. Does not look at attributes. */
int stun_is_stun(const uint8_t *buf, size_t len);

/* Parses exactly one message occupying buf[0..len) (one UDP datagram).
 * Returns 0 and fills *out, or a negative stun_err. Only the first occurrence
 * of an attribute is used; attributes after MESSAGE-INTEGRITY other than
 * FINGERPRINT and MESSAGE-INTEGRITY-SHA256 are ignored (RFC 8489 14.5). */
int stun_msg_parse(stun_msg *out, const uint8_t *buf, size_t len);

/* Verifies MESSAGE-INTEGRITY (HMAC-SHA1) of a parsed message with key
 * (the short-term password, or MD5(user:realm:pass) for long-term
 * credentials). buf/len and msg must be the same as given to stun_msg_parse.
 * Returns 0, STUN_ERR_NO_INTEGRITY or STUN_ERR_BAD_INTEGRITY. */
int stun_msg_check_integrity(const uint8_t *buf, size_t len, const stun_msg *msg,
                             const uint8_t *key, size_t keylen);

/* Writes a Binding request with no attributes (20 bytes) or with FINGERPRINT
 * only (28 bytes). Returns the length or STUN_ERR_NO_SPACE. */
int stun_msg_build_binding_request(uint8_t *out, size_t cap, const uint8_t txid[STUN_TXID_LEN],
                                   int with_fingerprint);

/* Writes a Binding success response carrying only XOR-MAPPED-ADDRESS of
 * `mapped` (AF_INET or AF_INET6) and, if with_fingerprint, FINGERPRINT:
 * 32 or 44 bytes, plus 8 with FINGERPRINT. Returns the length or a negative
 * stun_err (NO_SPACE, INVALID for another family). */
int stun_msg_build_binding_response(uint8_t *out, size_t cap, const uint8_t txid[STUN_TXID_LEN],
                                    const struct sockaddr *mapped, int with_fingerprint);

/* CRC-32 (ISO-HDLC, as zlib) of buf; FINGERPRINT is this XOR 0x5354554e. */
uint32_t stun_crc32(const uint8_t *buf, size_t len);

/* Static English text for a stun_err (or "unknown error"). */
const char *stun_strerror(int err);

#endif
