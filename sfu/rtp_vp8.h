/* The VP8 RTP payload descriptor (RFC 7741 4.2) and the rewrite that keeps
 * a subscriber's picture numbering continuous when the node switches the
 * source behind its stream (simulcast layers, a publisher's restart).
 *
 * A decoder that sees PictureID or TL0PICIDX jump backwards or repeat at a
 * layer switch takes the new pictures for old or missing ones; rtp_rewrite
 * already keeps SSRC, sequence numbers and timestamps continuous, this does
 * the same one level down, in place (the descriptor's length never changes).
 *
 * Pure: no clock, heap, logging or locks. A munger is a plain struct
 * embedded in its forwarder and used by that forwarder's worker thread. */
#ifndef RELAIS_RTP_VP8_H
#define RELAIS_RTP_VP8_H

#include <stddef.h>
#include <stdint.h>

typedef struct rtp_vp8_desc {
    uint8_t start;                           /* S: first packet of a VP8 partition */
    uint8_t pid;                             /* partition index */
    uint8_t non_ref;                         /* N: a frame no other frame references (droppable) */
    uint8_t has_picture_id, picture_id_bits; /* 7 or 15 */
    uint16_t picture_id;
    uint8_t has_tl0, tl0picidx;
    uint8_t has_tid, tid, layer_sync; /* T: temporal layer index and Y */
    uint8_t has_keyidx, keyidx;
    uint8_t keyframe;  /* the start of a key frame (S, partition 0, P bit clear) */
    size_t header_len; /* bytes of the descriptor; the VP8 payload follows */
} rtp_vp8_desc;

/* Parses the descriptor at the start of an RTP payload. 0, or -1 when it is
 * truncated (a flag announces a field that is not there) or leaves no VP8
 * payload after it. */
int rtp_vp8_desc_parse(const uint8_t *payload, size_t len, rtp_vp8_desc *out);

/* Rewrites the fields of a parsed descriptor in place (same width: a 7-bit
 * PictureID keeps 7 bits). Fields the descriptor does not carry are left. */
void rtp_vp8_desc_set_picture_id(uint8_t *payload, const rtp_vp8_desc *d, uint16_t picture_id);
void rtp_vp8_desc_set_tl0picidx(uint8_t *payload, const rtp_vp8_desc *d, uint8_t tl0picidx);

/* One output stream's picture numbering: out = in + offset per source; on
 * the first packet of a new source the offsets make its numbers continue
 * after the highest ones sent (the caller switches only at a key frame, so
 * that packet starts the new source's first picture). */
typedef struct rtp_vp8_munger {
    int started;
    uint32_t src_ssrc;
    uint16_t pid_offset;
    uint8_t tl0_offset;
    uint8_t have_pid, have_tl0;
    uint16_t last_out_pid; /* highest PictureID sent (in its width) */
    uint8_t last_out_tl0;
    uint64_t switches;
} rtp_vp8_munger;

void rtp_vp8_munger_init(rtp_vp8_munger *m);
/* Rewrites one packet's descriptor of source src_ssrc in place. 0, or -1
 * (malformed: drop it; the munger is unchanged). */
int rtp_vp8_munge(rtp_vp8_munger *m, uint32_t src_ssrc, uint8_t *payload, size_t len);

#endif
