/* Tests for sfu/sdp: parsing real browser SDP (Chrome and Firefox, as
 * written in tests/data/sdp/) and checking the model field by field, that
 * the embedded samples match those files, and the names of enum values. The
 * builder, writer and round trip are in test_sdp_build.c; malformed,
 * over-limit and lenient input in test_sdp_malformed.c. */
#include "sfu/sdp.h"
#include "tests/test.h"
#include "tests/test_sdp_samples.h"

#include <stdbool.h>

static void check_mids(const sdp_session *s, const char *const *mids, size_t n) {
    ASSERT_EQ(s->n_media, n);
    for (size_t i = 0; i < n; i++)
        ASSERT_STR_EQ(s->media[i]->mid, mids[i]);
}

static void check_bundle(const sdp_session *s, const char *const *mids, size_t n) {
    const sdp_group *g = sdp_find_group(s, "BUNDLE");
    ASSERT(g != NULL);
    ASSERT_EQ(g->n_mids, n);
    for (size_t i = 0; i < n; i++)
        ASSERT_STR_EQ(g->mids[i], mids[i]);
}

static void test_chrome_publish_offer(void) {
    sdp_session *s = parse_ok(CHROME_PUBLISH_OFFER);
    static const char *const mids[] = {"0", "1", "2"};
    check_mids(s, mids, 3);
    check_bundle(s, mids, 3);
    ASSERT_STR_EQ(s->origin.username, "-");
    ASSERT_EQ(s->origin.sess_id, 4215775240449105457ull);
    ASSERT_EQ(s->origin.sess_version, 2);
    ASSERT_STR_EQ(s->origin.addr, "127.0.0.1");
    ASSERT_STR_EQ(s->name, "-");
    ASSERT(s->extmap_allow_mixed);
    ASSERT(!s->ice_lite);
    ASSERT(!s->truncated);
    ASSERT_STR_EQ(s->msid_semantic, "WMS");
    ASSERT_STR_EQ(s->msid_semantic_ids, "0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a");
    ASSERT(s->ice_ufrag == NULL && s->fingerprint.algorithm == NULL);

    const sdp_media *a = s->media[0];
    ASSERT_EQ(a->kind, SDP_KIND_AUDIO);
    ASSERT_STR_EQ(a->kind_token, "audio");
    ASSERT_EQ(a->port, 54400);
    ASSERT_STR_EQ(a->proto, "UDP/TLS/RTP/SAVPF");
    ASSERT_EQ(a->n_pts, 8);
    ASSERT_EQ(a->pts[0], 111);
    ASSERT_EQ(a->pts[7], 126);
    ASSERT_STR_EQ(a->conn.addrtype, "IP4");
    ASSERT_STR_EQ(a->conn.addr, "203.0.113.45");
    ASSERT_EQ(a->rtcp_port, 9);
    ASSERT_STR_EQ(a->rtcp_addr, "IN IP4 0.0.0.0");
    ASSERT_EQ(a->dir, SDP_DIR_SENDONLY);
    ASSERT(a->rtcp_mux && a->rtcp_rsize);
    ASSERT_STR_EQ(sdp_media_ice_ufrag(s, a), "Yp3K");
    ASSERT_STR_EQ(sdp_media_ice_pwd(s, a), "nGk4dLX5gNQ9jTpRUgLkRl7y");
    ASSERT_STR_EQ(sdp_media_ice_options(s, a), "trickle");
    ASSERT_EQ(sdp_media_setup(s, a), SDP_SETUP_ACTPASS);
    const sdp_fingerprint *fp = sdp_media_fingerprint(s, a);
    ASSERT(fp != NULL);
    ASSERT_STR_EQ(fp->algorithm, "sha-256");
    ASSERT_EQ(fp->len, 32);
    ASSERT_EQ(fp->bytes[0], 0x7B);
    ASSERT_EQ(fp->bytes[31], 0x08);
    ASSERT_EQ(a->n_codecs, 8);
    const sdp_codec *opus = sdp_media_find_codec(a, "OPUS", 48000, 2);
    ASSERT(opus != NULL);
    ASSERT_EQ(opus->pt, 111);
    ASSERT_EQ(opus->channels, 2);
    ASSERT_EQ(opus->fb, SDP_FB_TRANSPORT_CC);
    ASSERT_STR_EQ(opus->fmtp, "minptime=10;useinbandfec=1");
    ASSERT_EQ(opus->apt, -1);
    ASSERT(sdp_media_find_codec(a, "opus", 48000, 1) == NULL);
    ASSERT_EQ(sdp_media_find_codec(a, "red", 0, 0)->pt, 63);
    ASSERT_EQ(sdp_media_find_codec(a, "telephone-event", 8000, 0)->pt, 126);
    ASSERT_EQ(sdp_media_find_codec(a, "PCMU", 8000, 1)->pt, 0);
    ASSERT_EQ(sdp_media_find_ext(a, LEVEL_URI), 1);
    ASSERT_EQ(sdp_media_find_ext(a, AST_URI), 2);
    ASSERT_EQ(sdp_media_find_ext(a, TWCC_URI), 3);
    ASSERT_EQ(sdp_media_find_ext(a, MID_URI), 4);
    ASSERT_EQ(sdp_media_find_ext(a, "urn:3gpp:video-orientation"), 0);
    ASSERT_EQ(a->n_ssrcs, 1);
    ASSERT_EQ(a->ssrcs[0].ssrc, 1870454853u);
    ASSERT_STR_EQ(a->ssrcs[0].cname, "qJkT0sK9dV3m/f2r");
    ASSERT_STR_EQ(a->ssrcs[0].msid,
                  "0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a 9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f");
    ASSERT_STR_EQ(a->msid_stream, "0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a");
    ASSERT_STR_EQ(a->msid_track, "9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f");
    ASSERT_EQ(a->n_candidates, 3);
    ASSERT_STR_EQ(a->candidates[1], "candidate:842163049 1 udp 1686052607 203.0.113.45 54400 "
                                    "typ srflx raddr 0.0.0.0 rport 0 generation 0 network-id 1 "
                                    "network-cost 10");
    ASSERT(!a->end_of_candidates);

    const sdp_media *v = s->media[1];
    ASSERT_EQ(v->kind, SDP_KIND_VIDEO);
    ASSERT_EQ(v->n_pts, 25);
    ASSERT_EQ(v->n_codecs, 25);
    for (int i = 0; i < 25; i++)
        ASSERT_EQ(v->codecs[i].pt, v->pts[i]); /* preference order */
    const sdp_codec *vp8 = sdp_media_find_codec(v, "vp8", 90000, 0);
    ASSERT(vp8 != NULL);
    ASSERT_EQ(vp8->pt, 96);
    ASSERT_EQ(vp8->fb, ALL_FB);
    ASSERT(vp8->fmtp == NULL);
    const sdp_codec *rtx = sdp_media_find_rtx(v, 96);
    ASSERT(rtx != NULL);
    ASSERT_EQ(rtx->pt, 97);
    ASSERT_EQ(rtx->apt, 96);
    ASSERT_EQ(rtx->clock, 90000);
    ASSERT_EQ(sdp_media_find_codec(v, "VP9", 90000, 0)->pt, 98);
    ASSERT_STR_EQ(sdp_media_find_pt(v, 100)->fmtp, "profile-id=2");
    ASSERT_EQ(sdp_media_find_codec(v, "AV1", 90000, 0)->pt, 45);
    ASSERT_EQ(sdp_media_find_rtx(v, 45)->pt, 46);
    ASSERT_EQ(sdp_media_find_codec(v, "H264", 90000, 0)->pt, 102);
    ASSERT_EQ(sdp_media_find_rtx(v, 116)->pt, 117);
    ASSERT_EQ(sdp_media_find_codec(v, "ulpfec", 90000, 0)->pt, 118);
    ASSERT_EQ(sdp_media_find_pt(v, 118)->fb, 0);
    ASSERT_EQ(v->n_extmaps, 11);
    ASSERT_EQ(sdp_media_find_ext(v, "urn:ietf:params:rtp-hdrext:toffset"), 14);
    ASSERT_EQ(sdp_media_find_ext(v, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"), 10);
    ASSERT_EQ(sdp_media_find_ext(v, MID_URI), 4);
    ASSERT_EQ(v->n_rids, 3);
    ASSERT_STR_EQ(v->rids[0].id, "q");
    ASSERT_STR_EQ(v->rids[2].id, "f");
    ASSERT_EQ(v->rids[1].dir, SDP_RID_SEND);
    ASSERT(v->rids[1].restrictions == NULL);
    ASSERT_STR_EQ(v->simulcast.raw, "send q;h;f");
    ASSERT_EQ(v->simulcast.n_send, 3);
    ASSERT_EQ(v->simulcast.n_recv, 0);
    ASSERT_STR_EQ(v->simulcast.send[1].id, "h");
    ASSERT(!v->simulcast.send[1].paused && !v->simulcast.send[1].alt);
    ASSERT_EQ(v->n_ssrcs, 0);
    ASSERT_EQ(v->n_candidates, 0);

    const sdp_media *v2 = sdp_find_media_by_mid(s, "2");
    ASSERT(v2 == s->media[2]);
    ASSERT_EQ(v2->n_ssrc_groups, 1);
    ASSERT_STR_EQ(v2->ssrc_groups[0].semantics, "FID");
    ASSERT_EQ(v2->ssrc_groups[0].n_ssrcs, 2);
    ASSERT_EQ(v2->ssrc_groups[0].ssrcs[0], 2730135519u);
    ASSERT_EQ(v2->ssrc_groups[0].ssrcs[1], 3254618101u);
    ASSERT_EQ(v2->n_ssrcs, 2);
    ASSERT_STR_EQ(sdp_media_find_ssrc(v2, 3254618101u)->cname, "qJkT0sK9dV3m/f2r");
    ASSERT_EQ(v2->n_rids, 0);
    ASSERT(v2->simulcast.raw == NULL);
    ASSERT(sdp_find_media_by_mid(s, "3") == NULL);
    sdp_free(s);
}

static void test_firefox_publish_offer(void) {
    sdp_session *s = parse_ok(FIREFOX_PUBLISH_OFFER);
    static const char *const mids[] = {"0", "1"};
    check_mids(s, mids, 2);
    check_bundle(s, mids, 2);
    ASSERT_STR_EQ(s->origin.username, "mozilla...THIS_IS_SDPARTA-128.0");
    ASSERT_EQ(s->origin.sess_id, 6129932914128935113ull);
    ASSERT_EQ(s->origin.sess_version, 0);
    ASSERT_STR_EQ(s->msid_semantic, "WMS");
    ASSERT_STR_EQ(s->msid_semantic_ids, "*");
    ASSERT_STR_EQ(s->ice_options, "trickle");
    ASSERT_STR_EQ(s->fingerprint.algorithm, "sha-256");
    ASSERT_EQ(s->fingerprint.bytes[0], 0x5D);
    ASSERT_EQ(s->fingerprint.bytes[31], 0x3C);

    const sdp_media *a = s->media[0];
    ASSERT(a->fingerprint.algorithm == NULL);
    ASSERT(sdp_media_fingerprint(s, a) == &s->fingerprint); /* session level */
    ASSERT(a->ice_options == NULL);
    ASSERT_STR_EQ(sdp_media_ice_options(s, a), "trickle");
    ASSERT_STR_EQ(sdp_media_ice_ufrag(s, a), "a1b2c3d4");
    ASSERT_STR_EQ(sdp_media_ice_pwd(s, a), "6d2f8f3e1c0b4a5d9e7f2c1b0a9d8e7f");
    ASSERT_EQ(sdp_media_setup(s, a), SDP_SETUP_ACTPASS);
    ASSERT_EQ(a->port, 56021);
    ASSERT_STR_EQ(a->conn.addr, "198.51.100.23");
    ASSERT_EQ(a->rtcp_port, 0);
    ASSERT(a->rtcp_mux && !a->rtcp_rsize);
    ASSERT_EQ(a->dir, SDP_DIR_SENDONLY);
    /* fmtp lines come before rtpmap in Firefox: codecs still in m= line order */
    ASSERT_EQ(a->n_codecs, 5);
    ASSERT_EQ(a->codecs[0].pt, 109);
    ASSERT_EQ(a->codecs[1].pt, 9);
    ASSERT_EQ(a->codecs[4].pt, 101);
    const sdp_codec *opus = sdp_media_find_codec(a, "opus", 48000, 2);
    ASSERT_EQ(opus->pt, 109);
    ASSERT_STR_EQ(opus->fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
    ASSERT_EQ(sdp_media_find_codec(a, "G722", 8000, 1)->channels, 1);
    ASSERT_STR_EQ(sdp_media_find_pt(a, 101)->fmtp, "0-15");
    ASSERT_EQ(a->n_extmaps, 3);
    ASSERT_EQ(a->extmaps[1].id, 2);
    ASSERT_EQ(a->extmaps[1].dir, SDP_DIR_RECVONLY);
    ASSERT_STR_EQ(a->extmaps[1].uri, "urn:ietf:params:rtp-hdrext:csrc-audio-level");
    ASSERT_EQ(a->extmaps[0].dir, SDP_DIR_NONE);
    ASSERT_EQ(sdp_media_find_ext(a, LEVEL_URI), 1);
    ASSERT_EQ(sdp_media_find_ext(a, MID_URI), 3);
    ASSERT_EQ(sdp_media_find_ext(a, AST_URI), 0);
    ASSERT_EQ(a->n_candidates, 3);
    ASSERT_STR_EQ(a->candidates[0], "candidate:0 1 UDP 2122252543 192.168.1.34 56021 typ host");
    ASSERT(a->end_of_candidates);
    ASSERT_EQ(a->n_ssrcs, 1);
    ASSERT_EQ(a->ssrcs[0].ssrc, 2856241417u);
    ASSERT_STR_EQ(a->ssrcs[0].cname, "{4f6e8d2c-1b3a-4c5d-9e8f-7a6b5c4d3e2f}");
    ASSERT(a->ssrcs[0].msid == NULL);
    ASSERT_STR_EQ(a->msid_stream, "{7c3b5a1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c}");
    ASSERT_STR_EQ(a->msid_track, "{e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9}");

    const sdp_media *v = s->media[1];
    ASSERT_EQ(v->port, 0);
    ASSERT(v->bundle_only);
    ASSERT(!sdp_media_is_rejected(v));
    ASSERT_EQ(v->n_codecs, 11);
    const sdp_codec *vp8 = sdp_media_find_codec(v, "VP8", 90000, 0);
    ASSERT_EQ(vp8->pt, 120);
    ASSERT_EQ(vp8->fb, ALL_FB);
    ASSERT_STR_EQ(vp8->fmtp, "max-fs=12288;max-fr=60");
    ASSERT_EQ(sdp_media_find_rtx(v, 120)->pt, 124);
    ASSERT_EQ(sdp_media_find_codec(v, "VP9", 90000, 0)->pt, 121);
    ASSERT_EQ(sdp_media_find_codec(v, "H264", 90000, 0)->pt, 126);
    ASSERT_EQ(sdp_media_find_rtx(v, 97)->pt, 98);
    ASSERT_EQ(sdp_media_find_rtx(v, 122)->pt, 119);
    ASSERT_EQ(sdp_media_find_ext(v, MID_URI), 3);
    ASSERT_EQ(sdp_media_find_ext(v, AST_URI), 4);
    ASSERT_EQ(sdp_media_find_ext(v, TWCC_URI), 7);
    ASSERT_EQ(v->n_ssrcs, 2);
    ASSERT_EQ(v->ssrc_groups[0].ssrcs[0], 3400513412u);
    ASSERT_EQ(v->ssrc_groups[0].ssrcs[1], 1582921218u);
    ASSERT_EQ(v->n_candidates, 0);
    ASSERT(!v->end_of_candidates);
    sdp_free(s);
}

static void test_chrome_subscribe_answer(void) {
    sdp_session *s = parse_ok(CHROME_SUBSCRIBE_ANSWER);
    static const char *const mids[] = {"0", "1", "2", "3"};
    check_mids(s, mids, 4);
    check_bundle(s, mids, 4);
    ASSERT_STR_EQ(s->msid_semantic, "WMS");
    ASSERT(s->msid_semantic_ids == NULL);
    for (size_t i = 0; i < 4; i++) {
        const sdp_media *m = s->media[i];
        ASSERT_EQ(sdp_media_setup(s, m), SDP_SETUP_ACTIVE);
        ASSERT_STR_EQ(sdp_media_ice_ufrag(s, m), "Qb/v");
        ASSERT_STR_EQ(sdp_media_ice_pwd(s, m), "1lX7ZyIo5wLSd0ABXn1Qh8ZK");
        ASSERT_EQ(sdp_media_fingerprint(s, m)->bytes[0], 0xA1);
        ASSERT_EQ(m->dir, i == 3 ? SDP_DIR_INACTIVE : SDP_DIR_RECVONLY);
        ASSERT_EQ(m->n_ssrcs, 0);
        ASSERT(m->rtcp_mux);
        ASSERT_EQ(sdp_media_find_ext(m, MID_URI), 4);
        ASSERT_EQ(sdp_media_find_ext(m, AST_URI), 2);
    }
    ASSERT_EQ(sdp_media_find_ext(s->media[0], LEVEL_URI), 1);
    ASSERT_EQ(sdp_media_find_codec(s->media[2], "opus", 48000, 2)->pt, 111);
    const sdp_media *v = s->media[1];
    ASSERT_EQ(v->n_codecs, 2);
    ASSERT_EQ(sdp_media_find_codec(v, "VP8", 90000, 0)->pt, 96);
    ASSERT_EQ(sdp_media_find_codec(v, "VP8", 90000, 0)->fb,
              SDP_FB_GOOG_REMB | SDP_FB_CCM_FIR | SDP_FB_NACK | SDP_FB_NACK_PLI);
    ASSERT_EQ(sdp_media_find_rtx(v, 96)->pt, 97);
    sdp_free(s);
}

static void test_firefox_subscribe_answer(void) {
    sdp_session *s = parse_ok(FIREFOX_SUBSCRIBE_ANSWER);
    static const char *const mids[] = {"0", "1", "2", "3"};
    static const char *const bundle[] = {"0", "1", "2"};
    check_mids(s, mids, 4);
    check_bundle(s, bundle, 3);
    ASSERT_EQ(s->fingerprint.bytes[31], 0x11);
    static const uint32_t ssrcs[] = {1127364912u, 2034957713u, 3561204418u};
    for (size_t i = 0; i < 3; i++) {
        const sdp_media *m = s->media[i];
        ASSERT(!sdp_media_is_rejected(m));
        ASSERT_EQ(m->dir, SDP_DIR_RECVONLY);
        ASSERT_EQ(sdp_media_setup(s, m), SDP_SETUP_ACTIVE);
        ASSERT_STR_EQ(sdp_media_ice_ufrag(s, m), "9c8b7a6f");
        ASSERT_EQ(m->n_ssrcs, 1); /* Firefox signals its RTCP sender SSRC */
        ASSERT_EQ(m->ssrcs[0].ssrc, ssrcs[i]);
        ASSERT_STR_EQ(m->ssrcs[0].cname, "{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}");
    }
    ASSERT_EQ(sdp_media_find_rtx(s->media[1], 96)->pt, 97);
    const sdp_media *r = s->media[3];
    ASSERT(sdp_media_is_rejected(r));
    ASSERT_EQ(r->dir, SDP_DIR_INACTIVE);
    ASSERT_EQ(r->n_pts, 1);
    ASSERT_EQ(sdp_media_setup(s, r), SDP_SETUP_NONE);
    sdp_free(s);
}

/* The files in tests/data/sdp are the originals; the embedded copies must
 * match. Found through __FILE__ (absolute in CMake builds); skipped when the
 * tree is not where the test was compiled. */
static void test_data_files(void) {
    const char *slash = strrchr(__FILE__, '/');
    if (!slash) return;
    for (size_t i = 0; i < N_SAMPLES; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%.*s/data/sdp/%s", (int)(slash - __FILE__), __FILE__,
                 samples[i].file);
        FILE *f = fopen(path, "rb");
        if (!f) {
            printf("     (%s not found, skipped)\n", path);
            return;
        }
        static char buf[65536];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        ASSERT_STR_EQ(buf, samples[i].text);
    }
}

static void test_names(void) {
    ASSERT_STR_EQ(sdp_dir_str(SDP_DIR_RECVONLY), "recvonly");
    ASSERT_STR_EQ(sdp_dir_str(SDP_DIR_NONE), "");
    ASSERT_EQ(sdp_dir_reverse(SDP_DIR_SENDONLY), SDP_DIR_RECVONLY);
    ASSERT_EQ(sdp_dir_reverse(SDP_DIR_RECVONLY), SDP_DIR_SENDONLY);
    ASSERT_EQ(sdp_dir_reverse(SDP_DIR_INACTIVE), SDP_DIR_INACTIVE);
    ASSERT_STR_EQ(sdp_setup_str(SDP_SETUP_PASSIVE), "passive");
    ASSERT_STR_EQ(sdp_strerror(SDP_E_LIMIT), "over a limit");
    sdp_free(NULL);
}

int main(void) {
    RUN_TEST(test_chrome_publish_offer);
    RUN_TEST(test_firefox_publish_offer);
    RUN_TEST(test_chrome_subscribe_answer);
    RUN_TEST(test_firefox_subscribe_answer);
    RUN_TEST(test_data_files);
    RUN_TEST(test_names);
    TEST_DONE();
}
