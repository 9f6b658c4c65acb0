/* The node's rules for remote SDP; see sdp_check.h. */
#include "sfu/sdp_check.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PROTO_SAVPF "UDP/TLS/RTP/SAVPF"

static int fail(sfu_error *err, char *msg, size_t msglen, sfu_error e, const char *text) {
    *err = e;
    snprintf(msg, msglen, "%s", text);
    return -1;
}

int sdp_check_is_rtp_media(const sdp_media *m) {
    return (m->kind == SDP_KIND_AUDIO || m->kind == SDP_KIND_VIDEO) && !sdp_media_is_rejected(m);
}

static int video_codec_of(const sdp_codec *c, sfu_codec *out) {
    if (!c->name || c->clock != 90000) return 0;
    if (strcasecmp(c->name, "VP8") == 0)
        *out = SFU_CODEC_VP8;
    else if (strcasecmp(c->name, "VP9") == 0)
        *out = SFU_CODEC_VP9;
    /* Single NAL unit mode (packetization-mode 0) cannot carry what
     * browsers send; mode 1 is what all of them offer. */
    else if (strcasecmp(c->name, "H264") == 0 && c->fmtp && strstr(c->fmtp, "packetization-mode=1"))
        *out = SFU_CODEC_H264;
    else
        return 0;
    return 1;
}

const sdp_codec *sdp_check_pick_codec(const sdp_media *m, sfu_codec *which) {
    if (m->kind == SDP_KIND_AUDIO) {
        if (which) *which = SFU_CODEC_OPUS;
        return sdp_media_find_codec(m, "opus", 48000, 2);
    }
    for (int i = 0; i < m->n_pts; i++) {
        const sdp_codec *c = sdp_media_find_pt(m, m->pts[i]);
        sfu_codec k;
        if (c && video_codec_of(c, &k)) {
            if (which) *which = k;
            return c;
        }
    }
    return NULL;
}

/* The node is always the DTLS server (it never opens a DTLS client). An
 * offer that insists on being the server, or holds the connection, could
 * only produce a connection that never completes; so could an answer that
 * does not take the client role. A missing a=setup means active (RFC 4145). */
static int check_setup(sdp_setup st, int offer, sfu_error *err, char *msg, size_t msglen) {
    int ok = offer ? st != SDP_SETUP_PASSIVE && st != SDP_SETUP_HOLDCONN
                   : st == SDP_SETUP_NONE || st == SDP_SETUP_ACTIVE;
    if (ok) return 0;
    snprintf(msg, msglen, "a=setup:%s cannot work: the node is always the DTLS server; %s",
             sdp_setup_str(st), offer ? "offer a=setup:actpass" : "answer with a=setup:active");
    *err = SFU_ERR_BAD_SDP;
    return -1;
}

static int check_ice(const char *ufrag, const char *pwd, sfu_error *err, char *msg, size_t msglen) {
    if (!ufrag || !pwd)
        return fail(err, msg, msglen, SFU_ERR_BAD_SDP, "a=ice-ufrag and a=ice-pwd are required");
    if (strlen(ufrag) < SDP_CHECK_UFRAG_MIN)
        return fail(err, msg, msglen, SFU_ERR_BAD_SDP,
                    "a=ice-ufrag must have 4-256 characters (RFC 8839)");
    if (strlen(pwd) < SDP_CHECK_PWD_MIN)
        return fail(err, msg, msglen, SFU_ERR_BAD_SDP,
                    "a=ice-pwd must have 22-256 characters (RFC 8839)");
    return 0;
}

int sdp_check_remote(const sdp_session *s, int offer, const sdp_media **first, sfu_error *err,
                     char *msg, size_t msglen) {
    *first = NULL;
    if (msglen) msg[0] = '\0';
    for (size_t i = 0; i < s->n_media; i++) {
        const sdp_media *m = s->media[i];
        if (!sdp_check_is_rtp_media(m)) continue;
        if (strcmp(m->proto, PROTO_SAVPF) != 0)
            return fail(err, msg, msglen, SFU_ERR_UNSUPPORTED_MEDIA,
                        "m-sections must use UDP/TLS/RTP/SAVPF (DTLS-SRTP)");
        if (!m->rtcp_mux)
            return fail(err, msg, msglen, SFU_ERR_UNSUPPORTED_MEDIA, "a=rtcp-mux is required");
        if (!m->mid) return fail(err, msg, msglen, SFU_ERR_BAD_SDP, "every m-section needs a=mid");
        if (!*first) *first = m;
    }
    if (!*first)
        return offer ? fail(err, msg, msglen, SFU_ERR_BAD_SDP, "the offer has no audio or video")
                     : 0;
    if (!sdp_find_group(s, "BUNDLE"))
        return fail(err, msg, msglen, SFU_ERR_UNSUPPORTED_MEDIA, "a=group:BUNDLE is required");
    const sdp_fingerprint *fp = sdp_media_fingerprint(s, *first);
    if (!fp || !fp->algorithm || strcasecmp(fp->algorithm, "sha-256") != 0)
        return fail(err, msg, msglen, SFU_ERR_NO_FINGERPRINT, "a=fingerprint:sha-256 is required");
    if (check_ice(sdp_media_ice_ufrag(s, *first), sdp_media_ice_pwd(s, *first), err, msg, msglen) !=
            0 ||
        check_setup(sdp_media_setup(s, *first), offer, err, msg, msglen) != 0)
        return -1;
    for (size_t i = 0; offer && i < s->n_media; i++)
        if (sdp_check_is_rtp_media(s->media[i]) && !sdp_check_pick_codec(s->media[i], NULL))
            return fail(err, msg, msglen, SFU_ERR_NO_CODEC,
                        s->media[i]->kind == SDP_KIND_AUDIO ? "audio needs Opus"
                                                            : "video needs VP8, VP9 or H.264");
    return 0;
}
