/* SDP negotiation for both connections of a participant: the answer to a
 * publisher's offer (which defines its tracks) and the node's subscribe
 * offers and their answers (which switch forwarders on). Runs per
 * negotiation on the worker thread; may allocate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/log.h"
#include "sfu/dtls.h"
#include "sfu/sdp.h"
#include "sfu/sdp_check.h"
#include "sfu/sfu_internal.h"

#define PROTO_SAVPF "UDP/TLS/RTP/SAVPF"
#define OPUS_FMTP "minptime=10;useinbandfec=1"
#define VIDEO_FB (SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR)

static int fail(sfu_error *err, char *msg, size_t msglen, sfu_error e, const char *text) {
    *err = e;
    snprintf(msg, msglen, "%s", text);
    return -1;
}

static int apply_transport(transport *t, const sdp_session *s, const sdp_media *first,
                           sfu_error *err, char *msg, size_t msglen) {
    if (transport_set_remote(t, sdp_media_ice_ufrag(s, first), sdp_media_ice_pwd(s, first),
                             sdp_media_fingerprint(s, first)->value) != 0)
        return fail(err, msg, msglen, SFU_ERR_BAD_SDP,
                    "ICE restart is not supported: keep the ICE credentials");
    for (size_t i = 0; i < s->n_media; i++)
        for (int k = 0; k < s->media[i]->n_candidates; k++)
            transport_add_remote_candidate(t, s->media[i]->candidates[k]);
    return 0;
}

static const char *const codec_names[] = {"opus", "VP8", "VP9", "H264"};

/* Common part of the node's SDP: origin, ice-lite, credentials, fingerprint. */
static sdp_session *node_session(worker *w, participant *p, transport *t, uint32_t version) {
    sdp_session *s = sdp_new();
    if (!s) return NULL;
    if (sdp_set_origin(s, "-", p->sdp_session_id, version, "0.0.0.0") != 0 ||
        sdp_set_ice(s, transport_ice_ufrag(t), transport_ice_pwd(t), NULL) != 0 ||
        sdp_set_fingerprint(s, "sha-256", dtls_cert_fingerprint(sfu_cert(w->owner))) != 0) {
        sdp_free(s);
        return NULL;
    }
    s->ice_lite = true;
    return s;
}

static int add_candidates(sdp_media *m, transport *t) {
    char cands[TRANSPORT_MAX_CANDIDATES][TRANSPORT_CAND_LEN];
    int n = transport_local_candidates(t, cands, TRANSPORT_MAX_CANDIDATES);
    for (int i = 0; i < n; i++)
        if (sdp_media_add_candidate(m, cands[i]) != 0) return -1;
    m->end_of_candidates = true;
    return 0;
}

static int finish(sdp_session *s, char **out) {
    size_t len;
    int rc = sdp_bundle_all(s);
    if (rc == 0) rc = sdp_write(s, out, &len);
    sdp_free(s);
    return rc == 0 ? 0 : -1;
}

/* ---- publish ------------------------------------------------------------- */

/* The primary SSRC of an m-section: the first that is not the repair
 * stream of an FID group. 0 if the publisher signalled none. */
static uint32_t primary_ssrc(const sdp_media *m) {
    for (int i = 0; i < m->n_ssrcs; i++) {
        uint32_t ssrc = m->ssrcs[i].ssrc;
        int repair = 0;
        for (int g = 0; g < m->n_ssrc_groups; g++) {
            const sdp_ssrc_group *sg = &m->ssrc_groups[g];
            for (int k = 1; k < sg->n_ssrcs; k++)
                repair |= sg->ssrcs[k] == ssrc;
        }
        if (!repair) return ssrc;
    }
    return 0;
}

static sfu_source source_for(const sfu_cmd *c, const sdp_media *m) {
    for (int i = 0; i < c->n_tracks; i++)
        if (strcmp(c->tracks[i].mid, m->mid) == 0) return c->tracks[i].source;
    return m->kind == SDP_KIND_AUDIO ? SFU_SRC_MICROPHONE : SFU_SRC_CAMERA;
}

static void apply_exts(track *t, const sdp_media *m) {
    track_set_exts(t, (uint8_t)sdp_media_find_ext(m, URI_MID),
                   (uint8_t)sdp_media_find_ext(m, URI_AUDIO_LEVEL),
                   (uint8_t)sdp_media_find_ext(m, URI_ABS_SEND_TIME), SFU_EXT_AUDIO_LEVEL,
                   SFU_EXT_ABS_SEND_TIME);
}

/* Builds the new track list from the offer (codecs already checked): tracks
 * keep their identity by mid across renegotiations, new mids make new tracks, and tracks whose
 * m-section stopped are freed (their subscribers get re-offered). */
static int update_tracks(participant *p, const sfu_cmd *c, const sdp_session *s, sfu_error *err,
                         char *msg, size_t msglen) {
    track *next[SFU_MAX_TRACKS];
    int n = 0;
    for (size_t i = 0; i < s->n_media; i++) {
        const sdp_media *m = s->media[i];
        if (!sdp_check_is_rtp_media(m) ||
            (m->dir != SDP_DIR_SENDONLY && m->dir != SDP_DIR_SENDRECV))
            continue;
        if (n == SFU_MAX_TRACKS) break;
        sfu_kind kind = m->kind == SDP_KIND_AUDIO ? SFU_KIND_AUDIO : SFU_KIND_VIDEO;
        /* A track keeps its identity while its mid and codec stay; a new
         * codec is a new track, so subscribers are offered the new codec. */
        sfu_codec codec;
        sdp_check_pick_codec(m, &codec);
        track *t = NULL;
        for (int k = 0; k < p->n_tracks && !t; k++)
            if (strcmp(p->tracks[k]->mid, m->mid) == 0 && p->tracks[k]->kind == kind &&
                p->tracks[k]->codec == codec)
                t = p->tracks[k];
        if (!t && !(t = track_new(m->mid, kind))) {
            for (int k = 0; k < n; k++)
                if (!next[k]->owner) track_destroy(next[k]); /* new: no forwarders yet */
            return fail(err, msg, msglen, SFU_ERR_INTERNAL, "out of memory");
        }
        next[n++] = t;
    }
    /* Commit: free dropped tracks, adopt new ones, refresh parameters. */
    for (int k = 0; k < p->n_tracks; k++) {
        int kept = 0;
        for (int j = 0; j < n; j++)
            kept |= next[j] == p->tracks[k];
        if (!kept) participant_drop_track(p->tracks[k]);
    }
    p->n_tracks = 0;
    for (size_t i = 0, j = 0; i < s->n_media && j < (size_t)n; i++) {
        const sdp_media *m = s->media[i];
        if (!sdp_check_is_rtp_media(m) ||
            (m->dir != SDP_DIR_SENDONLY && m->dir != SDP_DIR_SENDRECV))
            continue;
        track *t = next[j++];
        t->owner = p;
        t->source = source_for(c, m);
        const sdp_codec *pc = sdp_check_pick_codec(m, &t->codec);
        t->pt = pc->pt;
        snprintf(t->fmtp, sizeof t->fmtp, "%s",
                 pc->fmtp && t->codec != SFU_CODEC_OPUS ? pc->fmtp : "");
        uint32_t ssrc = primary_ssrc(m);
        if (ssrc) track_set_ssrc(t, ssrc);
        apply_exts(t, m);
        p->tracks[p->n_tracks++] = t;
    }
    return 0;
}

static int answer_media(sdp_session *a, const sdp_media *om, transport *t) {
    if (!sdp_check_is_rtp_media(om)) {
        sdp_media *m = sdp_add_media(
            a, om->kind == SDP_KIND_OTHER ? SDP_KIND_APPLICATION : om->kind, 0, om->proto, om->mid);
        if (!m) return -1;
        if (om->fmt) m->fmt = sdp_strdup(a, om->fmt);
        m->dir = SDP_DIR_INACTIVE;
        return 0;
    }
    const sdp_codec *c = sdp_check_pick_codec(om, NULL);
    sdp_media *m = sdp_add_media(a, om->kind, 9, PROTO_SAVPF, om->mid);
    if (!m) return -1;
    m->dir = (om->dir == SDP_DIR_SENDONLY || om->dir == SDP_DIR_SENDRECV) ? SDP_DIR_RECVONLY
                                                                          : SDP_DIR_INACTIVE;
    m->rtcp_mux = true;
    m->setup = SDP_SETUP_PASSIVE;
    int audio = om->kind == SDP_KIND_AUDIO;
    if (sdp_media_add_codec(m, c->pt, c->name, c->clock, c->channels, audio ? OPUS_FMTP : c->fmtp,
                            audio ? 0 : (VIDEO_FB | SDP_FB_GOOG_REMB)) != 0)
        return -1;
    static const char *const uris[] = {URI_MID, URI_AUDIO_LEVEL, URI_ABS_SEND_TIME};
    for (size_t i = 0; i < sizeof uris / sizeof *uris; i++) {
        uint16_t id = sdp_media_find_ext(om, uris[i]);
        if (id && sdp_media_add_ext(m, id, uris[i], SDP_DIR_NONE) != 0) return -1;
    }
    return add_candidates(m, t);
}

int negotiate_publish(worker *w, participant *p, const sfu_cmd *c, char **answer, sfu_error *err,
                      char *msg, size_t msglen) {
    sdp_session *s = NULL;
    char perr[128];
    if (!c->sdp || sdp_parse(c->sdp, strlen(c->sdp), &s, perr, sizeof perr) != 0) {
        *err = SFU_ERR_BAD_SDP;
        snprintf(msg, msglen, "cannot parse the SDP offer: %s", perr);
        return -1;
    }
    const sdp_media *first;
    int rc = sdp_check_remote(s, 1, &first, err, msg, msglen);
    if (rc == 0) rc = apply_transport(p->pub, s, first, err, msg, msglen);
    if (rc == 0) rc = update_tracks(p, c, s, err, msg, msglen);
    sdp_session *a = NULL;
    if (rc == 0 && !(a = node_session(w, p, p->pub, ++p->pub_version)))
        rc = fail(err, msg, msglen, SFU_ERR_INTERNAL, "out of memory");
    for (size_t i = 0; rc == 0 && i < s->n_media; i++)
        if (answer_media(a, s->media[i], p->pub) != 0)
            rc = fail(err, msg, msglen, SFU_ERR_INTERNAL, "cannot build the answer");
    sdp_free(s);
    if (rc != 0) {
        sdp_free(a);
        return rc;
    }
    if (finish(a, answer) != 0)
        return fail(err, msg, msglen, SFU_ERR_INTERNAL, "cannot write the answer");
    return 0;
}

/* ---- subscribe ------------------------------------------------------------ */

int negotiate_subscribe_offer(worker *w, participant *p, char **offer) {
    sdp_session *s = node_session(w, p, p->sub, ++p->sub_version);
    if (!s) return -1;
    sdp_set_msid_semantic(s, "WMS", "*");
    for (int i = 0; i < p->n_slots; i++) {
        sub_slot *sl = &p->slots[i];
        int audio = sl->kind == SFU_KIND_AUDIO;
        sdp_media *m = sdp_add_media(s, audio ? SDP_KIND_AUDIO : SDP_KIND_VIDEO,
                                     sl->rejected ? 0 : 9, PROTO_SAVPF, sl->mid);
        if (!m) goto fail;
        m->rtcp_mux = true;
        m->setup = SDP_SETUP_ACTPASS;
        m->dir = sl->src && !sl->rejected ? SDP_DIR_SENDONLY : SDP_DIR_INACTIVE;
        if ((audio ? sdp_media_add_codec(m, SFU_PT_OPUS, "opus", 48000, 2, OPUS_FMTP, 0)
                   : sdp_media_add_codec(m, forwarder_codec_pt(sl->codec), codec_names[sl->codec],
                                         90000, 0, sl->fmtp[0] ? sl->fmtp : NULL, VIDEO_FB)) != 0)
            goto fail;
        if (sl->rejected) continue; /* written as a bare rejected m-section */
        if (audio && sdp_media_add_ext(m, SFU_EXT_AUDIO_LEVEL, URI_AUDIO_LEVEL, SDP_DIR_NONE) != 0)
            goto fail;
        if (sdp_media_add_ext(m, SFU_EXT_ABS_SEND_TIME, URI_ABS_SEND_TIME, SDP_DIR_NONE) != 0)
            goto fail;
        if (sl->src && !sl->rejected) {
            /* Stream id = participant, so one participant's audio and video
             * form one MediaStream and are lip-synced. */
            char stream[32], trk[64];
            snprintf(stream, sizeof stream, "p%u", sl->owner_id);
            snprintf(trk, sizeof trk, "p%u-%s-%s", sl->owner_id, sfu_source_name(sl->source),
                     sl->mid);
            char msid[100];
            snprintf(msid, sizeof msid, "%s %s", stream, trk);
            if (sdp_media_set_msid(m, stream, trk) != 0 ||
                sdp_media_add_ssrc(m, sl->out_ssrc, stream, msid) != 0)
                goto fail;
        }
        if (add_candidates(m, p->sub) != 0) goto fail;
    }
    return finish(s, offer);
fail:
    sdp_free(s);
    return -1;
}

int negotiate_subscribe_answer(worker *w, participant *p, const char *sdp, sfu_error *err,
                               char *msg, size_t msglen) {
    sdp_session *s = NULL;
    char perr[128];
    if (!sdp || sdp_parse(sdp, strlen(sdp), &s, perr, sizeof perr) != 0) {
        *err = SFU_ERR_BAD_SDP;
        snprintf(msg, msglen, "cannot parse the SDP answer: %s", perr);
        return -1;
    }
    const sdp_media *first;
    int rc = sdp_check_remote(s, 0, &first, err, msg, msglen);
    if (rc == 0 && first) rc = apply_transport(p->sub, s, first, err, msg, msglen);
    if (rc != 0) {
        sdp_free(s);
        return rc;
    }
    int connected = transport_get_state(p->sub) == TRANSPORT_CONNECTED;
    uint64_t now = clock_now_us();
    for (int i = 0; i < p->n_slots; i++) {
        sub_slot *sl = &p->slots[i];
        if (!sl->fwd) continue;
        const sdp_media *m = sdp_find_media_by_mid(s, sl->mid);
        forwarder *f = sl->fwd;
        /* A subscriber that cannot decode the track's codec rejects the
         * m-section (port 0); JSEP does not let it be reused, so it stays
         * rejected and the subscriber does without that track. */
        if (m && sdp_media_is_rejected(m)) sl->rejected = 1;
        int ok = m && sdp_check_is_rtp_media(m) &&
                 (m->dir == SDP_DIR_RECVONLY || m->dir == SDP_DIR_SENDRECV) &&
                 sdp_media_find_pt(m, f->out_pt);
        int was = f->active;
        f->active = ok;
        f->accepted_exts = 0;
        if (ok) {
            if (sdp_media_find_ext(m, URI_AUDIO_LEVEL) == SFU_EXT_AUDIO_LEVEL)
                f->accepted_exts |= 1u << SFU_EXT_AUDIO_LEVEL;
            if (sdp_media_find_ext(m, URI_ABS_SEND_TIME) == SFU_EXT_ABS_SEND_TIME)
                f->accepted_exts |= 1u << SFU_EXT_ABS_SEND_TIME;
        }
        forwarder_update_ext_map(f);
        if (ok && !was && connected) participant_request_keyframe(f->src, now);
    }
    participant_sync_sending(p);
    sdp_free(s);
    return 0;
}
