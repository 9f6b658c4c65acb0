/* RTCP codec on raw buffers: compound packets (RFC 3550), feedback
 * (RFC 4585: generic NACK, PLI), codec control (RFC 5104: FIR) and REMB
 * (draft-alvestrand-rmcat-remb).
 *
 * Pure and allocation-free. The node terminates RTCP: it walks each
 * incoming compound packet with rtcp_iter, hands each packet to the parser
 * of its type, and builds its own reports and feedback one packet at a time
 * with the rtcp_build_* functions, concatenating them into a compound
 * packet. Length fields from the wire are never trusted. Parsers take the
 * rtcp_pkt the iterator produced and check its type and size themselves.
 * Thread-safe: no state. */
#ifndef RELAIS_RTCP_H
#define RELAIS_RTCP_H

#include <stddef.h>
#include <stdint.h>

enum {
    RTCP_E_SHORT = -1,   /* fewer bytes than the packet's fixed part */
    RTCP_E_VERSION = -2, /* version is not 2 */
    RTCP_E_LENGTH = -3,  /* length field runs past the end of the compound */
    RTCP_E_PADDING = -4, /* padding on a packet that is not last, or invalid count */
    RTCP_E_TYPE = -5,    /* parser called on a packet of another type/format */
    RTCP_E_COUNT = -6,   /* count field announces more than the packet holds */
    RTCP_E_NOSPACE = -7, /* output buffer too small */
    RTCP_E_ARG = -8,     /* invalid argument */
};

enum {
    RTCP_SR = 200,
    RTCP_RR = 201,
    RTCP_SDES = 202,
    RTCP_BYE = 203,
    RTCP_APP = 204,
    RTCP_RTPFB = 205,
    RTCP_PSFB = 206,
    RTCP_XR = 207,
};

/* FMT values of the feedback packets (the count field of RTPFB/PSFB). */
enum {
    RTCP_FMT_NACK = 1,  /* RTPFB generic NACK */
    RTCP_FMT_TWCC = 15, /* RTPFB transport-wide congestion control */
    RTCP_FMT_PLI = 1,   /* PSFB picture loss indication */
    RTCP_FMT_FIR = 4,   /* PSFB full intra request */
    RTCP_FMT_AFB = 15,  /* PSFB application layer feedback (REMB) */
};

/* Iterator over the packets of a compound packet; fill with rtcp_iter_init. */
typedef struct rtcp_iter {
    const uint8_t *buf;
    size_t len, off;
} rtcp_iter;

/* One packet of a compound: points into the iterated buffer. */
typedef struct rtcp_pkt {
    uint8_t pt, count;   /* packet type; RC, SC or FMT */
    const uint8_t *data; /* the packet, starting at its 4-byte header */
    size_t len;          /* bytes at data, header included, trailing padding excluded */
} rtcp_pkt;

void rtcp_iter_init(rtcp_iter *it, const uint8_t *b, size_t n);
/* Returns 1 and fills *out with the next packet, 0 at the end, or a negative
 * RTCP_E_* code if the rest is malformed (short header, version != 2, length
 * past the end, padding on a packet that is not last or padding count 0 or
 * larger than the packet body). After an error the iterator is at the end:
 * packets returned before it stay valid, the rest is dropped. */
int rtcp_iter_next(rtcp_iter *it, rtcp_pkt *out);

/* Static text for an RTCP_E_* code. */
const char *rtcp_strerror(int err);

typedef struct rtcp_report_block {
    uint32_t ssrc;
    uint8_t fraction_lost;
    int32_t cumulative_lost; /* 24-bit signed on the wire */
    uint32_t ext_highest_seq, jitter, lsr, dlsr;
} rtcp_report_block;

typedef struct rtcp_sr_info {
    uint32_t ssrc;
    uint64_t ntp; /* 32.32 fixed point, see clock_us_to_ntp */
    uint32_t rtp_ts, packet_count, octet_count;
} rtcp_sr_info;

/* The middle 32 bits of an NTP timestamp: the LSR of a report block. */
static inline uint32_t rtcp_ntp_compact(uint64_t ntp) {
    return (uint32_t)(ntp >> 16);
}

/* Parsers. Each returns 0 or a negative RTCP_E_* code (RTCP_E_TYPE if p is
 * not of its type, RTCP_E_SHORT/RTCP_E_COUNT if the packet is too small for
 * its fixed part or what its count announces). List outputs are written up
 * to max entries (the array may be NULL when max is 0) and *n gets the
 * number written; entries beyond max are dropped without error. */
int rtcp_parse_sr(const rtcp_pkt *p, rtcp_sr_info *sr, rtcp_report_block *blocks, int max, int *n);
int rtcp_parse_rr(const rtcp_pkt *p, uint32_t *sender_ssrc, rtcp_report_block *blocks, int max,
                  int *n);
/* Common part of RTPFB/PSFB: the packet sender and the media source. */
int rtcp_parse_fb(const rtcp_pkt *p, uint32_t *sender_ssrc, uint32_t *media_ssrc);
/* Generic NACK (RTPFB fmt 1): expands each PID+BLP into sequence numbers,
 * in packet order (PID, then BLP bits from least significant), mod 2^16. */
int rtcp_parse_nack(const rtcp_pkt *p, uint16_t *seqs, int max, int *n);
/* FIR (PSFB fmt 4): the SSRCs of the FCI entries. */
int rtcp_parse_fir(const rtcp_pkt *p, uint32_t *ssrcs, int max, int *n);
/* The same, plus each entry's command sequence number into seq_nrs (a
 * repeated number is a retransmission of the same request, RFC 5104 4.3.1). */
int rtcp_parse_fir_seq(const rtcp_pkt *p, uint32_t *ssrcs, uint8_t *seq_nrs, int max, int *n);
/* REMB (PSFB fmt 15 with "REMB"): bitrate (saturates at UINT64_MAX for
 * encodings that overflow) and the SSRCs it applies to. */
int rtcp_parse_remb(const rtcp_pkt *p, uint64_t *bitrate_bps, uint32_t *ssrcs, int max, int *n);
/* BYE: the SSRCs leaving (the optional reason is ignored). */
int rtcp_parse_bye(const rtcp_pkt *p, uint32_t *ssrcs, int max, int *n);

/* Builders write one packet at out (cap bytes) and return its length, or
 * RTCP_E_NOSPACE if it does not fit, or RTCP_E_ARG for an invalid count.
 * Callers concatenate them into a compound packet. No padding is written. */
/* SR with n (0..31) report blocks; cumulative_lost is clamped to 24 bits. */
int rtcp_build_sr(uint8_t *out, size_t cap, const rtcp_sr_info *sr, const rtcp_report_block *b,
                  int n);
/* RR with n (0..31) report blocks. */
int rtcp_build_rr(uint8_t *out, size_t cap, uint32_t sender_ssrc, const rtcp_report_block *b,
                  int n);
/* PLI: 12 bytes. */
int rtcp_build_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc);
/* FIR for one media source: 20 bytes, media source field 0 per RFC 5104. */
int rtcp_build_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                   uint8_t seq_nr);
/* Generic NACK for n >= 1 sequence numbers, packed into PID/BLP pairs.
 * seqs may be unsorted, hold duplicates and wrap: they are ordered by their
 * signed 16-bit distance from seqs[0], so they must span < 32768. */
int rtcp_build_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                    const uint16_t *seqs, int n);
/* REMB for n (0..255) SSRCs: 18-bit mantissa, 6-bit exponent, rounded down. */
int rtcp_build_remb(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint64_t bitrate_bps,
                    const uint32_t *ssrcs, int n);
/* BYE for n (0..31) SSRCs, no reason. */
int rtcp_build_bye(uint8_t *out, size_t cap, const uint32_t *ssrcs, int n);
/* SDES with one chunk holding one CNAME item (1..255 bytes of cname). */
int rtcp_build_sdes_cname(uint8_t *out, size_t cap, uint32_t ssrc, const char *cname);

#endif
