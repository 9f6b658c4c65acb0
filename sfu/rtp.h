/* RTP codec on raw buffers (RFC 3550, header extensions RFC 8285).
 *
 * Pure and allocation-free: runs on the media hot path for every packet.
 * rtp_parse validates a datagram and records where its parts are; nothing in
 * the packet is copied, so the header stays valid only while the buffer does.
 * Length fields from the wire are never trusted: every offset in rtp_header
 * lies inside the buffer that was parsed. The extension helpers read (find,
 * typed readers) or rewrite in place (remap) what rtp_parse located; the
 * setters and the builder serve the forwarder, the load tester and tests.
 * Thread-safe: no state. */
#ifndef RELAIS_RTP_H
#define RELAIS_RTP_H

#include <stddef.h>
#include <stdint.h>

enum {
    RTP_E_SHORT = -1,    /* fewer than 12 bytes */
    RTP_E_VERSION = -2,  /* version is not 2 */
    RTP_E_CSRC = -3,     /* CSRC list runs past the end */
    RTP_E_EXT = -4,      /* extension header or body runs past the end */
    RTP_E_PADDING = -5,  /* padding count 0 or larger than what follows the header */
    RTP_E_TOO_LONG = -6, /* more than 65535 bytes: offsets would not fit */
    RTP_E_EXT_DATA = -7, /* extension element has the wrong size or content */
    RTP_E_NOSPACE = -8,  /* output buffer too small */
    RTP_E_ARG = -9,      /* invalid argument (extension id or length) */
};

#define RTP_HEADER_MIN 12
#define RTP_EXT_ONE_BYTE 0xBEDE
#define RTP_EXT_TWO_BYTE 0x1000 /* low 4 bits are "appbits": 0x1000-0x100F */

typedef struct rtp_header {
    uint8_t version, padding, extension, csrc_count, marker, payload_type;
    uint16_t seq;
    uint32_t timestamp, ssrc;
    uint16_t header_len;     /* fixed 12 + CSRCs + extension block (4-byte ext header + body) */
    uint16_t ext_profile;    /* raw profile: 0xBEDE one-byte, 0x1000-0x100F two-byte, 0 if none */
    uint16_t ext_offset;     /* offset of the extension body (first element) */
    uint16_t ext_len;        /* length of the extension body in bytes */
    uint16_t payload_offset; /* == header_len */
    uint16_t payload_len;    /* payload without padding */
    uint8_t padding_len;     /* 0 unless the P bit is set */
} rtp_header;

/* Demultiplexing (RFC 5761 and 7983), on the first bytes of a datagram. */
/* 1 if b looks like RTCP: n >= 4, b[0] in 128..191 and b[1] in 192..223. */
int rtp_is_rtcp(const uint8_t *b, size_t n);
/* 1 if b looks like RTP: n >= 12, b[0] in 128..191 and not RTCP. */
int rtp_is_rtp(const uint8_t *b, size_t n);

/* Parses the n-byte packet b into *h. Returns 0, or a negative RTP_E_* code
 * and *h is then unspecified. An extension block with an unknown profile is
 * accepted and located but its elements are not interpreted. */
int rtp_parse(rtp_header *h, const uint8_t *b, size_t n);
/* Static text for an RTP_E_* code ("unknown error" otherwise). */
const char *rtp_strerror(int err);

/* Finds the element with this id in the extension block of the packet b that
 * h describes (one-byte form: id 1..14, id 0 is a padding byte, id 15 stops
 * parsing; two-byte form: id 1..255, id 0 is a padding byte). Returns 1 and
 * points *data (into b) and *len at the element's payload, or 0 if absent,
 * if the profile is unknown, or if the element would run past the body. */
int rtp_ext_find(const rtp_header *h, const uint8_t *b, uint8_t id, const uint8_t **data,
                 uint8_t *len);

/* Rewrites extension ids in place for the packet b that h describes:
 * map[old_id] is the new id, or 0 to blank the element (its id, length and
 * data bytes become zero, which is padding per RFC 8285). A new id that does
 * not fit the form (one-byte: > 14) blanks the element too. Lengths never
 * change, so h stays valid. Unknown profiles are left untouched. */
void rtp_ext_remap(const rtp_header *h, uint8_t *b, const uint8_t map[256]);

/* Field setters on a packet already known to hold at least 12 bytes. */
static inline void rtp_set_seq(uint8_t *b, uint16_t seq) {
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
}
static inline void rtp_set_timestamp(uint8_t *b, uint32_t ts) {
    b[4] = (uint8_t)(ts >> 24);
    b[5] = (uint8_t)(ts >> 16);
    b[6] = (uint8_t)(ts >> 8);
    b[7] = (uint8_t)ts;
}
static inline void rtp_set_ssrc(uint8_t *b, uint32_t ssrc) {
    b[8] = (uint8_t)(ssrc >> 24);
    b[9] = (uint8_t)(ssrc >> 16);
    b[10] = (uint8_t)(ssrc >> 8);
    b[11] = (uint8_t)ssrc;
}
/* Keeps the marker bit. */
static inline void rtp_set_payload_type(uint8_t *b, uint8_t pt) {
    b[1] = (uint8_t)((b[1] & 0x80) | (pt & 0x7f));
}
static inline void rtp_set_marker(uint8_t *b, int marker) {
    b[1] = (uint8_t)((b[1] & 0x7f) | (marker ? 0x80 : 0));
}

/* Typed readers of an element's payload (d, len from rtp_ext_find).
 * Each returns 0, or RTP_E_EXT_DATA if the payload is malformed. */
/* RFC 6464 client-to-mixer audio level: voice flag and level in -dBov (0 loudest, 127 silence). */
int rtp_ext_audio_level(const uint8_t *d, uint8_t len, int *voice, uint8_t *level_dbov);
/* abs-send-time: 24-bit 6.18 fixed-point seconds. */
int rtp_ext_abs_send_time(const uint8_t *d, uint8_t len, uint32_t *t24);
/* transport-wide-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01): sequence number. */
int rtp_ext_transport_seq(const uint8_t *d, uint8_t len, uint16_t *seq);
/* sdes:mid / rtp-stream-id / repaired-rtp-stream-id: copies the value into
 * out as a NUL-terminated string. Trailing NUL bytes are ignored; the value
 * must be non-empty printable ASCII (0x21..0x7e) and fit in cap with its NUL.
 * Returns 0 (like the other readers; strlen(out) is the length) or
 * RTP_E_EXT_DATA, and then out is "" if cap > 0. */
int rtp_ext_string(const uint8_t *d, uint8_t len, char *out, size_t cap);

/* Writers of element payloads; each returns the number of bytes written. */
int rtp_ext_write_abs_send_time(uint8_t d[3], uint64_t now_us);
int rtp_ext_write_audio_level(uint8_t d[1], int voice, uint8_t level_dbov);
int rtp_ext_write_transport_seq(uint8_t d[2], uint16_t seq);

/* One extension element for rtp_build_header. */
typedef struct rtp_ext_elem {
    uint8_t id, len;
    const uint8_t *data;
} rtp_ext_elem;

/* Writes an RTP header into out (cap bytes) from h's marker, payload_type,
 * seq, timestamp and ssrc (no CSRCs, no padding), followed by the n_ext
 * elements in order. The one-byte form is used when every element fits it
 * (id 1..14, len 1..16), else the two-byte form (id 1..255, len 0..255); the
 * block is zero-padded to 32 bits. Returns the header length (the payload
 * goes there), RTP_E_NOSPACE or RTP_E_ARG. */
int rtp_build_header(uint8_t *out, size_t cap, const rtp_header *h, const rtp_ext_elem *ext,
                     int n_ext);

/* VP8 (RFC 7741): 1 if this RTP payload starts a key frame, 0 if it is not a
 * key frame or not the first packet of one (S bit and partition 0), or
 * RTP_E_SHORT if the payload descriptor is truncated. Reads only the
 * payload descriptor and the P bit of the VP8 frame tag. */
int rtp_vp8_is_keyframe(const uint8_t *payload, size_t len);

#endif
