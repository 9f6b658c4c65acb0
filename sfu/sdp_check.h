/* What the node accepts from a remote SDP: the checks a publish offer or a
 * subscribe answer must pass before anything is applied, and the codec the
 * node picks per m-section. Pure functions over a parsed sdp_session (no
 * transport, no worker), so the whole offer path up to the answer's media
 * has a unit test and a fuzzer. The order of the checks is the order of
 * the error table in docs/protocol.md: the first problem is reported. */
#ifndef RELAIS_SDP_CHECK_H
#define RELAIS_SDP_CHECK_H

#include <stddef.h>

#include "sfu/sdp.h"
#include "sfu/sfu.h"

/* Codecs the node forwards. Video: the publisher's preferred one of VP8,
 * VP9 and H.264 (packetization-mode 1); subscribers get exactly that codec
 * and reject the m-section if they cannot decode it. */
typedef enum { SFU_CODEC_OPUS, SFU_CODEC_VP8, SFU_CODEC_VP9, SFU_CODEC_H264 } sfu_codec;

/* RFC 8839 5.4: ice-ufrag 4-256 characters, ice-pwd 22-256. */
#define SDP_CHECK_UFRAG_MIN 4
#define SDP_CHECK_PWD_MIN 22

/* Audio or video and not rejected (port 0). */
int sdp_check_is_rtp_media(const sdp_media *m);

/* Audio: Opus/48000/2. Video: the first of VP8, VP9, H.264 (mode 1) in the
 * m= line's order (the sender's preference). NULL if none; *which (may be
 * NULL) gets the codec. */
const sdp_codec *sdp_check_pick_codec(const sdp_media *m, sfu_codec *which);

/* A publish offer (offer != 0) or a subscribe answer: SAVPF, rtcp-mux,
 * mid, BUNDLE, a sha-256 fingerprint, ICE credentials of RFC lengths, and a
 * DTLS role that leaves the node the server (offer: actpass or active;
 * answer: active). An offer must also carry audio or video, each with a
 * codec the node forwards. *first is the first audio/video m-section (the
 * bundle's transport), NULL for an answer that rejected everything.
 * 0, or -1 with *err and a one-line reason in msg (always NUL-terminated). */
int sdp_check_remote(const sdp_session *s, int offer, const sdp_media **first, sfu_error *err,
                     char *msg, size_t msglen);

#endif
