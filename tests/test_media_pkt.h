/* Packets for the media core's tests (track, forwarder, fan-out). */
#ifndef RELAIS_TEST_MEDIA_PKT_H
#define RELAIS_TEST_MEDIA_PKT_H

#include "sfu/rtp.h"
#include "tests/test.h"

/* An RTP packet of `len` bytes (header + payload pattern from seq), with
 * abs-send-time under ext id `abs_id` when non-zero. Parses it into *h. */
static inline size_t media_pkt(uint8_t *buf, rtp_header *h, uint32_t ssrc, uint8_t pt, uint16_t seq,
                               uint32_t ts, size_t len, uint8_t abs_id) {
    rtp_header in = {.version = 2, .payload_type = pt, .seq = seq, .timestamp = ts, .ssrc = ssrc};
    static const uint8_t abs[3] = {1, 2, 3};
    rtp_ext_elem e = {abs_id, 3, abs};
    int hl = rtp_build_header(buf, len, &in, &e, abs_id ? 1 : 0);
    ASSERT(hl > 0 && (size_t)hl < len);
    for (size_t i = (size_t)hl; i < len; i++)
        buf[i] = (uint8_t)(seq + i);
    ASSERT_EQ(rtp_parse(h, buf, len), 0);
    return len;
}

#endif
