/* STUN codec: see stun_msg.h. Everything read from the wire is bounds-checked
 * against the message length before use; nothing here allocates. */
#include "stun/stun_msg.h"

#include <netinet/in.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define STUN_USERNAME_MAX 513 /* RFC 5389 limit; RFC 8489 lowered it to 509 */

static const uint8_t cookie_bytes[4] = {0x21, 0x12, 0xA4, 0x42};

static uint16_t rd16(const uint8_t *p) {
    return (uint16_t)((p[0] << 8) | p[1]);
}
static uint32_t rd32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static void wr16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void wr32(uint8_t *p, uint32_t v) {
    wr16(p, (uint16_t)(v >> 16));
    wr16(p + 2, (uint16_t)v);
}

/* Nibble-wise table for the reflected polynomial 0xEDB88320: 64 bytes of
 * table instead of 1 KiB; STUN messages are short. */
static const uint32_t crc_nibble[16] = {
    0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4, 0x4DB26158, 0x5005713C,
    0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C, 0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C,
};

uint32_t stun_crc32(const uint8_t *buf, size_t len) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= buf[i];
        crc = (crc >> 4) ^ crc_nibble[crc & 15];
        crc = (crc >> 4) ^ crc_nibble[crc & 15];
    }
    return ~crc;
}

const char *stun_strerror(int err) {
    switch (err) {
    case STUN_OK:
        return "ok";
    case STUN_ERR_TOO_SHORT:
        return "shorter than a STUN header";
    case STUN_ERR_NOT_STUN:
        return "not STUN (first bits or magic cookie)";
    case STUN_ERR_BAD_LENGTH:
        return "length field not a multiple of 4 or not the datagram size";
    case STUN_ERR_ATTR_OVERRUN:
        return "attribute runs past the end of the message";
    case STUN_ERR_BAD_ATTR:
        return "malformed attribute value";
    case STUN_ERR_BAD_FINGERPRINT:
        return "bad FINGERPRINT";
    case STUN_ERR_NO_INTEGRITY:
        return "no MESSAGE-INTEGRITY";
    case STUN_ERR_BAD_INTEGRITY:
        return "MESSAGE-INTEGRITY mismatch";
    case STUN_ERR_NO_SPACE:
        return "output buffer too small";
    case STUN_ERR_INVALID:
        return "invalid argument";
    default:
        return "unknown error";
    }
}

static int check_header(const uint8_t *buf, size_t len) {
    if (!buf || len < STUN_HEADER_LEN) return STUN_ERR_TOO_SHORT;
    if (buf[0] & 0xC0) return STUN_ERR_NOT_STUN;
    if (rd32(buf + 4) != STUN_MAGIC_COOKIE) return STUN_ERR_NOT_STUN;
    size_t mlen = rd16(buf + 2);
    if ((mlen & 3) != 0 || mlen + STUN_HEADER_LEN != len) return STUN_ERR_BAD_LENGTH;
    return STUN_OK;
}

int stun_is_stun(const uint8_t *buf, size_t len) {
    return check_header(buf, len) == STUN_OK;
}

/* Comprehension-required attributes (type < 0x8000) that RFC 8489 defines.
 * Anything else in that range makes a request unanswerable (420). */
static int known_required(uint16_t type) {
    switch (type) {
    case STUN_ATTR_MAPPED_ADDRESS:
    case STUN_ATTR_USERNAME:
    case STUN_ATTR_MESSAGE_INTEGRITY:
    case STUN_ATTR_ERROR_CODE:
    case STUN_ATTR_UNKNOWN_ATTRIBUTES:
    case STUN_ATTR_REALM:
    case STUN_ATTR_NONCE:
    case STUN_ATTR_MESSAGE_INTEGRITY_SHA256:
    case STUN_ATTR_PASSWORD_ALGORITHM:
    case STUN_ATTR_USERHASH:
    case STUN_ATTR_XOR_MAPPED_ADDRESS:
        return 1;
    default:
        return 0;
    }
}

static int parse_xor_address(stun_msg *m, const uint8_t *v, size_t alen) {
    if (alen != 8 && alen != 20) return STUN_ERR_BAD_ATTR; /* before reading v[1] */
    uint16_t port = rd16(v + 2) ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16);
    memset(&m->xor_mapped, 0, sizeof m->xor_mapped);
    if (v[1] == 0x01 && alen == 8) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&m->xor_mapped;
        uint8_t *a = (uint8_t *)&sin->sin_addr;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        for (int i = 0; i < 4; i++)
            a[i] = v[4 + i] ^ cookie_bytes[i];
    } else if (v[1] == 0x02 && alen == 20) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&m->xor_mapped;
        uint8_t *a = sin6->sin6_addr.s6_addr;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        for (int i = 0; i < 4; i++)
            a[i] = v[4 + i] ^ cookie_bytes[i];
        for (int i = 0; i < 12; i++)
            a[4 + i] = v[8 + i] ^ m->txid[i];
    } else {
        return STUN_ERR_BAD_ATTR;
    }
    m->has_xor_mapped = 1;
    return STUN_OK;
}

static int parse_error_code(stun_msg *m, const uint8_t *v, size_t alen) {
    if (alen < 4) return STUN_ERR_BAD_ATTR;
    int cls = v[2] & 7, num = v[3];
    if (cls < 3 || cls > 6 || num > 99) return STUN_ERR_BAD_ATTR;
    m->has_error_code = 1;
    m->error_code = cls * 100 + num;
    m->reason = v + 4;
    m->reason_len = alen - 4;
    return STUN_OK;
}

/* One attribute before MESSAGE-INTEGRITY; first occurrence wins. */
static int parse_attr(stun_msg *m, uint16_t type, const uint8_t *v, size_t alen, size_t off) {
    switch (type) {
    case STUN_ATTR_USERNAME:
        if (alen > STUN_USERNAME_MAX) return STUN_ERR_BAD_ATTR;
        if (!m->username) {
            m->username = v;
            m->username_len = alen;
        }
        return STUN_OK;
    case STUN_ATTR_MESSAGE_INTEGRITY:
        if (alen != 20) return STUN_ERR_BAD_ATTR;
        m->has_integrity = 1;
        m->integrity_offset = off;
        return STUN_OK;
    case STUN_ATTR_XOR_MAPPED_ADDRESS:
        return m->has_xor_mapped ? STUN_OK : parse_xor_address(m, v, alen);
    case STUN_ATTR_ERROR_CODE:
        return m->has_error_code ? STUN_OK : parse_error_code(m, v, alen);
    default:
        if (type < 0x8000 && !known_required(type)) {
            if (m->n_unknown_required < STUN_MAX_UNKNOWN) m->unknown[m->n_unknown_required] = type;
            m->n_unknown_required++;
        }
        return STUN_OK;
    }
}

static int check_fingerprint(const uint8_t *buf, size_t off, const uint8_t *v, size_t alen,
                             size_t len) {
    /* FINGERPRINT must be last, so the header length already covers it. */
    if (alen != 4 || off + 8 != len) return STUN_ERR_BAD_FINGERPRINT;
    if ((stun_crc32(buf, off) ^ STUN_FINGERPRINT_XOR) != rd32(v)) return STUN_ERR_BAD_FINGERPRINT;
    return STUN_OK;
}

int stun_msg_parse(stun_msg *out, const uint8_t *buf, size_t len) {
    if (!out) return STUN_ERR_INVALID;
    int rc = check_header(buf, len);
    if (rc != STUN_OK) return rc;

    stun_msg *m = out;
    memset(m, 0, sizeof *m);
    uint16_t type = rd16(buf);
    m->method = (uint16_t)((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
    m->cls = (stun_class)(((type >> 7) & 2) | ((type >> 4) & 1));
    memcpy(m->txid, buf + 8, STUN_TXID_LEN);
    m->len = len;

    int after_integrity = 0;
    size_t off = STUN_HEADER_LEN;
    while (off < len) {
        if (len - off < 4) return STUN_ERR_ATTR_OVERRUN;
        uint16_t atype = rd16(buf + off);
        size_t alen = rd16(buf + off + 2);
        size_t padded = (alen + 3) & ~(size_t)3;
        if (padded > len - off - 4) return STUN_ERR_ATTR_OVERRUN;
        const uint8_t *v = buf + off + 4;

        if (atype == STUN_ATTR_FINGERPRINT) {
            rc = check_fingerprint(buf, off, v, alen, len);
            if (rc != STUN_OK) return rc;
            m->has_fingerprint = 1;
        } else if (atype == STUN_ATTR_MESSAGE_INTEGRITY_SHA256) {
            after_integrity = 1; /* known; we only verify HMAC-SHA1 */
        } else if (!after_integrity) {
            rc = parse_attr(m, atype, v, alen, off);
            if (rc != STUN_OK) return rc;
            if (atype == STUN_ATTR_MESSAGE_INTEGRITY) after_integrity = 1;
        }
        off += 4 + padded;
    }
    return STUN_OK;
}

int stun_msg_check_integrity(const uint8_t *buf, size_t len, const stun_msg *msg,
                             const uint8_t *key, size_t keylen) {
    if (!msg || !msg->has_integrity) return STUN_ERR_NO_INTEGRITY;
    size_t mi = msg->integrity_offset;
    if (!buf || mi < STUN_HEADER_LEN || mi > len || len - mi < 24) return STUN_ERR_BAD_INTEGRITY;

    /* The HMAC covers everything before the attribute, with the header's
     * length field set as if MESSAGE-INTEGRITY were the last attribute. */
    uint8_t hdr[STUN_HEADER_LEN];
    memcpy(hdr, buf, sizeof hdr);
    wr16(hdr + 2, (uint16_t)(mi + 24 - STUN_HEADER_LEN));

    static const uint8_t empty_key[1] = {0};
    uint8_t mac[EVP_MAX_MD_SIZE];
    size_t maclen = 0;
    int ok = 0;
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    if (ctx) {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA1", 0),
            OSSL_PARAM_construct_end(),
        };
        ok = EVP_MAC_init(ctx, keylen ? key : empty_key, keylen, params) &&
             EVP_MAC_update(ctx, hdr, sizeof hdr) &&
             EVP_MAC_update(ctx, buf + STUN_HEADER_LEN, mi - STUN_HEADER_LEN) &&
             EVP_MAC_final(ctx, mac, &maclen, sizeof mac) && maclen == 20;
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(hmac);
    if (!ok || CRYPTO_memcmp(mac, buf + mi + 4, 20) != 0) return STUN_ERR_BAD_INTEGRITY;
    return STUN_OK;
}

/* Header with message length 0; returns its size. */
static size_t put_header(uint8_t *out, uint16_t type, const uint8_t txid[STUN_TXID_LEN]) {
    wr16(out, type);
    wr16(out + 2, 0);
    wr32(out + 4, STUN_MAGIC_COOKIE);
    memcpy(out + 8, txid, STUN_TXID_LEN);
    return STUN_HEADER_LEN;
}

/* Appends FINGERPRINT at off (after fixing the header length to include
 * it); returns the new length. */
static size_t put_fingerprint(uint8_t *out, size_t off) {
    wr16(out + 2, (uint16_t)(off + STUN_FINGERPRINT_LEN - STUN_HEADER_LEN));
    wr16(out + off, STUN_ATTR_FINGERPRINT);
    wr16(out + off + 2, 4);
    wr32(out + off + 4, stun_crc32(out, off) ^ STUN_FINGERPRINT_XOR);
    return off + STUN_FINGERPRINT_LEN;
}

int stun_msg_build_binding_request(uint8_t *out, size_t cap, const uint8_t txid[STUN_TXID_LEN],
                                   int with_fingerprint) {
    size_t need = STUN_HEADER_LEN + (with_fingerprint ? STUN_FINGERPRINT_LEN : 0);
    if (!txid) return STUN_ERR_INVALID;
    if (!out || cap < need) return STUN_ERR_NO_SPACE;
    size_t off = put_header(out, STUN_METHOD_BINDING, txid);
    if (with_fingerprint) off = put_fingerprint(out, off);
    return (int)off;
}

/* XOR-MAPPED-ADDRESS value+header at out; returns bytes written, 0 on a bad
 * family. The caller has checked the space. */
static size_t put_xor_address(uint8_t *out, const uint8_t txid[STUN_TXID_LEN],
                              const struct sockaddr *sa) {
    uint8_t *v = out + 4;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        const uint8_t *a = (const uint8_t *)&sin->sin_addr;
        wr16(out, STUN_ATTR_XOR_MAPPED_ADDRESS);
        wr16(out + 2, 8);
        v[0] = 0;
        v[1] = 0x01;
        wr16(v + 2, ntohs(sin->sin_port) ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16));
        for (int i = 0; i < 4; i++)
            v[4 + i] = a[i] ^ cookie_bytes[i];
        return STUN_XMA_V4_LEN;
    }
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
    const uint8_t *a = sin6->sin6_addr.s6_addr;
    wr16(out, STUN_ATTR_XOR_MAPPED_ADDRESS);
    wr16(out + 2, 20);
    v[0] = 0;
    v[1] = 0x02;
    wr16(v + 2, ntohs(sin6->sin6_port) ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16));
    for (int i = 0; i < 4; i++)
        v[4 + i] = a[i] ^ cookie_bytes[i];
    for (int i = 0; i < 12; i++)
        v[8 + i] = a[4 + i] ^ txid[i];
    return STUN_XMA_V6_LEN;
}

int stun_msg_build_binding_response(uint8_t *out, size_t cap, const uint8_t txid[STUN_TXID_LEN],
                                    const struct sockaddr *mapped, int with_fingerprint) {
    if (!txid || !mapped) return STUN_ERR_INVALID;
    size_t xma;
    if (mapped->sa_family == AF_INET)
        xma = STUN_XMA_V4_LEN;
    else if (mapped->sa_family == AF_INET6)
        xma = STUN_XMA_V6_LEN;
    else
        return STUN_ERR_INVALID;
    size_t need = STUN_HEADER_LEN + xma + (with_fingerprint ? STUN_FINGERPRINT_LEN : 0);
    if (!out || cap < need) return STUN_ERR_NO_SPACE;

    /* Binding success: method 0x001, class 0b10 -> type 0x0101. */
    size_t off = put_header(out, 0x0101, txid);
    off += put_xor_address(out + off, txid, mapped);
    wr16(out + 2, (uint16_t)(off - STUN_HEADER_LEN));
    if (with_fingerprint) off = put_fingerprint(out, off);
    return (int)off;
}
