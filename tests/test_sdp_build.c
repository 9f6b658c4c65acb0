/* Tests for sfu/sdp_write.c: the write -> parse round trip of the browser
 * samples, the exact text of built SDP, a large built offer, and every value
 * the builder must reject. */
#include "sfu/sdp.h"
#include "tests/test.h"
#include "tests/test_sdp_samples.h"

#include <stdbool.h>

static void test_round_trip(void) {
    for (size_t i = 0; i < N_SAMPLES; i++) {
        round_trip(samples[i].text, strlen(samples[i].text));
        /* the same with LF line ends parses to the same model */
        char *lf = strdup(samples[i].text);
        size_t k = 0;
        for (size_t j = 0; lf[j]; j++)
            if (lf[j] != '\r') lf[k++] = lf[j];
        lf[k] = '\0';
        sdp_session *a = parse_ok(samples[i].text), *b = parse_ok(lf);
        ASSERT_EQ(sdp_compare(a, b, NULL, 0), 0);
        sdp_free(a);
        sdp_free(b);
        free(lf);
    }
    /* compare notices a difference */
    sdp_session *a = parse_ok(CHROME_PUBLISH_OFFER), *b = parse_ok(CHROME_PUBLISH_OFFER);
    char diff[128];
    b->media[1]->codecs[1].apt = 100;
    ASSERT_EQ(sdp_compare(a, b, diff, sizeof(diff)), 1);
    ASSERT_STR_EQ(diff, "m-section 1: codec apt: 96 != 100");
    sdp_free(a);
    sdp_free(b);
}

static const char FP[] = "D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:"
                         "2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F";

/* What the node answers to a publish offer: ICE-lite, passive, one
 * candidate, Opus and VP8 with rtx and simulcast, a rejected m-section. */
static void test_build_answer_exact(void) {
    sdp_session *s = sdp_new();
    ASSERT(s != NULL);
    ASSERT_EQ(sdp_set_origin(s, "-", 7045236516519478563ull, 1, "127.0.0.1"), 0);
    ASSERT_EQ(sdp_set_msid_semantic(s, "WMS", "*"), 0);
    s->ice_lite = true;
    const char *cand = "candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host";

    sdp_media *a = sdp_add_media(s, SDP_KIND_AUDIO, 40000, "UDP/TLS/RTP/SAVPF", "0");
    ASSERT(a != NULL);
    a->conn.addr = "192.0.2.10";
    ASSERT_EQ(sdp_media_set_ice(a, "rl4Uf3Zq", "S3cr3tPassw0rdOf22chrs", NULL), 0);
    ASSERT_EQ(sdp_media_set_fingerprint(a, "sha-256", FP), 0);
    a->setup = SDP_SETUP_PASSIVE;
    a->dir = SDP_DIR_RECVONLY;
    a->rtcp_mux = true;
    ASSERT_EQ(sdp_media_add_ext(a, 1, LEVEL_URI, SDP_DIR_NONE), 0);
    ASSERT_EQ(sdp_media_add_ext(a, 4, MID_URI, SDP_DIR_NONE), 0);
    ASSERT_EQ(sdp_media_add_codec(a, 111, "opus", 48000, 2, "minptime=10;useinbandfec=1",
                                  SDP_FB_TRANSPORT_CC),
              0);
    ASSERT_EQ(sdp_media_add_candidate(a, cand), 0);
    a->end_of_candidates = true;

    sdp_media *v = sdp_add_media(s, SDP_KIND_VIDEO, 40000, "UDP/TLS/RTP/SAVPF", "1");
    ASSERT(v != NULL);
    v->conn.addr = "192.0.2.10";
    ASSERT_EQ(sdp_media_set_ice(v, "rl4Uf3Zq", "S3cr3tPassw0rdOf22chrs", NULL), 0);
    ASSERT_EQ(sdp_media_set_fingerprint(v, "sha-256", FP), 0);
    v->setup = SDP_SETUP_PASSIVE;
    v->dir = SDP_DIR_RECVONLY;
    v->rtcp_mux = v->rtcp_rsize = true;
    ASSERT_EQ(sdp_media_add_ext(v, 4, MID_URI, SDP_DIR_NONE), 0);
    ASSERT_EQ(
        sdp_media_add_ext(v, 10, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", SDP_DIR_RECVONLY),
        0);
    ASSERT_EQ(
        sdp_media_add_codec(v, 96, "VP8", 90000, 0, NULL,
                            SDP_FB_GOOG_REMB | SDP_FB_CCM_FIR | SDP_FB_NACK | SDP_FB_NACK_PLI),
        0);
    ASSERT_EQ(sdp_media_add_codec(v, 97, "rtx", 90000, 0, "apt=96", 0), 0);
    ASSERT_EQ(sdp_media_add_rid(v, "q", SDP_RID_RECV, NULL), 0);
    ASSERT_EQ(sdp_media_add_rid(v, "h", SDP_RID_RECV, NULL), 0);
    ASSERT_EQ(sdp_media_add_rid(v, "f", SDP_RID_RECV, "max-width=1280;max-height=720"), 0);
    ASSERT_EQ(sdp_media_set_simulcast(v, "recv q;h;f"), 0);
    ASSERT_EQ(sdp_media_add_candidate(v, cand), 0);
    v->end_of_candidates = true;

    sdp_media *r = sdp_add_media(s, SDP_KIND_VIDEO, 0, "UDP/TLS/RTP/SAVPF", "2");
    ASSERT(r != NULL);
    ASSERT_EQ(sdp_media_add_pt(r, 45), 0);
    ASSERT_EQ(sdp_bundle_all(s), 0);

    static const char want[] =
        "v=0\r\n"
        "o=- 7045236516519478563 1 IN IP4 127.0.0.1\r\n"
        "s=-\r\n"
        "t=0 0\r\n"
        "a=group:BUNDLE 0 1\r\n"
        "a=msid-semantic:WMS *\r\n"
        "a=ice-lite\r\n"
        "m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\n"
        "c=IN IP4 192.0.2.10\r\n"
        "a=ice-ufrag:rl4Uf3Zq\r\n"
        "a=ice-pwd:S3cr3tPassw0rdOf22chrs\r\n"
        "a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:"
        "2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r\n"
        "a=setup:passive\r\n"
        "a=mid:0\r\n"
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
        "a=recvonly\r\n"
        "a=rtcp-mux\r\n"
        "a=rtpmap:111 opus/48000/2\r\n"
        "a=rtcp-fb:111 transport-cc\r\n"
        "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
        "a=candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host\r\n"
        "a=end-of-candidates\r\n"
        "m=video 40000 UDP/TLS/RTP/SAVPF 96 97\r\n"
        "c=IN IP4 192.0.2.10\r\n"
        "a=ice-ufrag:rl4Uf3Zq\r\n"
        "a=ice-pwd:S3cr3tPassw0rdOf22chrs\r\n"
        "a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:"
        "2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r\n"
        "a=setup:passive\r\n"
        "a=mid:1\r\n"
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
        "a=extmap:10/recvonly urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
        "a=recvonly\r\n"
        "a=rtcp-mux\r\n"
        "a=rtcp-rsize\r\n"
        "a=rtpmap:96 VP8/90000\r\n"
        "a=rtcp-fb:96 goog-remb\r\n"
        "a=rtcp-fb:96 ccm fir\r\n"
        "a=rtcp-fb:96 nack\r\n"
        "a=rtcp-fb:96 nack pli\r\n"
        "a=rtpmap:97 rtx/90000\r\n"
        "a=fmtp:97 apt=96\r\n"
        "a=rid:q recv\r\n"
        "a=rid:h recv\r\n"
        "a=rid:f recv max-width=1280;max-height=720\r\n"
        "a=simulcast:recv q;h;f\r\n"
        "a=candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host\r\n"
        "a=end-of-candidates\r\n"
        "m=video 0 UDP/TLS/RTP/SAVPF 45\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=mid:2\r\n"
        "a=inactive\r\n";
    char *out = NULL;
    size_t len = 0;
    ASSERT_EQ(sdp_write(s, &out, &len), 0);
    ASSERT_STR_EQ(out, want);
    ASSERT_EQ(len, sizeof(want) - 1);

    /* and it parses back to what was built */
    sdp_session *b = parse_ok(out);
    char diff[256];
    int d = sdp_compare(s, b, diff, sizeof(diff));
    if (d) fprintf(stderr, "%s\n", diff);
    ASSERT_EQ(d, 0);
    ASSERT_EQ(b->media[1]->simulcast.n_recv, 3);
    ASSERT_EQ(sdp_media_find_rtx(b->media[1], 96)->pt, 97);
    ASSERT(sdp_media_is_rejected(b->media[2]));
    free(out);
    sdp_free(b);
    sdp_free(s);
}

/* A subscribe offer for a 100-person room: 2 m-sections per participant,
 * session-level transport, msid per track, ssrc with FID for video. */
static void test_build_large_offer(void) {
    sdp_session *s = sdp_new();
    ASSERT_EQ(sdp_set_ice(s, "rl4Uf3Zq", "S3cr3tPassw0rdOf22chrs", "trickle"), 0);
    ASSERT_EQ(sdp_set_fingerprint(s, "sha-256", FP), 0);
    s->setup = SDP_SETUP_ACTPASS;
    s->ice_lite = true;
    for (int i = 0; i < 200; i++) {
        char mid[8], stream[16], track[16];
        snprintf(mid, sizeof(mid), "%d", i);
        snprintf(stream, sizeof(stream), "p%d", i / 2);
        snprintf(track, sizeof(track), "t%d", i);
        bool video = i % 2;
        sdp_media *m = sdp_add_media(s, video ? SDP_KIND_VIDEO : SDP_KIND_AUDIO, i < 180 ? 9 : 0,
                                     "UDP/TLS/RTP/SAVPF", mid);
        ASSERT(m != NULL);
        m->dir = i < 180 ? SDP_DIR_SENDONLY : SDP_DIR_INACTIVE;
        m->rtcp_mux = true;
        if (video) {
            ASSERT_EQ(sdp_media_add_codec(m, 96, "VP8", 90000, 0, NULL, ALL_FB), 0);
            ASSERT_EQ(sdp_media_add_codec(m, 97, "rtx", 90000, 0, "apt=96", 0), 0);
            uint32_t fid[2] = {1000u + (uint32_t)i, 5000u + (uint32_t)i};
            ASSERT_EQ(sdp_media_add_ssrc_group(m, "FID", fid, 2), 0);
            char msid[40];
            snprintf(msid, sizeof(msid), "%s %s", stream, track);
            ASSERT_EQ(sdp_media_add_ssrc(m, fid[0], "relais", msid), 0);
            ASSERT_EQ(sdp_media_add_ssrc(m, fid[1], "relais", msid), 0);
        } else {
            ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 48000, 2, "minptime=10", 0), 0);
            ASSERT_EQ(sdp_media_add_ssrc(m, 1000u + (uint32_t)i, "relais", NULL), 0);
        }
        ASSERT_EQ(sdp_media_set_msid(m, stream, track), 0);
        ASSERT_EQ(sdp_media_add_ext(m, 4, MID_URI, SDP_DIR_NONE), 0);
    }
    ASSERT_EQ(sdp_bundle_all(s), 0);
    ASSERT_EQ(sdp_find_group(s, "BUNDLE")->n_mids, 180);
    s->media[7]->dir = SDP_DIR_SENDRECV; /* pointers stay valid after growth */
    char *out;
    size_t len;
    ASSERT_EQ(sdp_write(s, &out, &len), 0);
    sdp_session *b = parse_ok(out);
    ASSERT_EQ(b->n_media, 200);
    ASSERT_EQ(sdp_compare(s, b, NULL, 0), 0);
    ASSERT_STR_EQ(sdp_media_ice_pwd(b, b->media[150]), "S3cr3tPassw0rdOf22chrs");
    ASSERT_EQ(sdp_media_setup(b, b->media[150]), SDP_SETUP_ACTPASS);
    ASSERT_STR_EQ(sdp_find_media_by_mid(b, "199")->kind_token, "video");
    ASSERT_EQ(b->media[7]->dir, SDP_DIR_SENDRECV);
    ASSERT_STR_EQ(sdp_media_find_ssrc(b->media[7], 5007)->msid, "p3 t7");
    free(out);
    sdp_free(b);
    sdp_free(s);
}

static void test_builder_rejects(void) {
    sdp_session *s = sdp_new();
    ASSERT(sdp_add_media(s, SDP_KIND_OTHER, 9, "UDP/TLS/RTP/SAVPF", "0") == NULL);
    ASSERT(sdp_add_media(s, SDP_KIND_AUDIO, 9, "UDP//RTP", "0") == NULL);
    ASSERT(sdp_add_media(s, SDP_KIND_AUDIO, 9, "UDP/TLS/RTP/SAVPF", "a b") == NULL);
    sdp_media *m = sdp_add_media(s, SDP_KIND_AUDIO, 9, "UDP/TLS/RTP/SAVPF", "0");
    ASSERT(m != NULL);
    ASSERT(sdp_add_media(s, SDP_KIND_AUDIO, 9, "UDP/TLS/RTP/SAVPF", "0") == NULL); /* dup mid */

    /* an RTP m-section without payload types would not parse back */
    char *out = NULL;
    size_t len;
    ASSERT_EQ(sdp_write(s, &out, &len), SDP_E_INVALID);
    ASSERT(out == NULL);

    ASSERT_EQ(sdp_media_add_codec(m, 128, "opus", 48000, 2, NULL, 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "op us", 48000, 2, NULL, 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 0, 2, NULL, 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 48000, 2, "a\r\nb", 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 97, "rtx", 90000, 0, "apt=300", 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 48000, 2, NULL, 1u << 20), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 48000, 2, NULL, 0), 0);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 48000, 2, NULL, 0), SDP_E_INVALID);
    for (int pt = 0; pt < SDP_MAX_CODECS - 1; pt++)
        ASSERT_EQ(sdp_media_add_codec(m, (uint8_t)pt, "x", 8000, 0, NULL, 0), 0);
    ASSERT_EQ(sdp_media_add_codec(m, 100, "x", 8000, 0, NULL, 0), SDP_E_FULL);

    ASSERT_EQ(sdp_media_add_ext(m, 0, MID_URI, SDP_DIR_NONE), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ext(m, 256, MID_URI, SDP_DIR_NONE), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ext(m, 1, "a uri", SDP_DIR_NONE), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ext(m, 1, MID_URI, SDP_DIR_NONE), 0);
    ASSERT_EQ(sdp_media_add_ext(m, 1, LEVEL_URI, SDP_DIR_NONE), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ssrc(m, 1, NULL, NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ssrc(m, 1, "x", NULL), 0);
    ASSERT_EQ(sdp_media_add_ssrc(m, 1, "y", NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ssrc_group(m, "FID", NULL, 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_ice(m, "bad ufrag", "S3cr3tPassw0rdOf22chrs", NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_ice(m, "abcd", "pwd!", NULL), SDP_E_INVALID);
    ASSERT(m->ice_ufrag == NULL);
    ASSERT_EQ(sdp_media_set_fingerprint(m, "sha-256", "AB:C"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_fingerprint(m, "sha-256", "AB:"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_fingerprint(m, "sha 256", "AB"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_msid(m, "a b", NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_rid(m, "q!", SDP_RID_SEND, NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_rid(m, "q", 3, NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_simulcast(m, "send"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_simulcast(m, "send a;b recv c send d"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_simulcast(m, "send 1;2;3;4;5;6;7;8;9"), SDP_E_FULL);
    ASSERT_EQ(sdp_media_set_simulcast(m, "send 1,~2;3 recv 4"), 0);
    ASSERT_EQ(m->simulcast.n_send, 3);
    ASSERT(m->simulcast.send[1].paused && m->simulcast.send[1].alt);
    ASSERT(!m->simulcast.send[2].alt);
    ASSERT_STR_EQ(m->simulcast.recv[0].id, "4");
    ASSERT_EQ(sdp_media_set_simulcast(m, NULL), 0);
    ASSERT(m->simulcast.raw == NULL);
    ASSERT_EQ(sdp_media_add_candidate(m, "candidate:1 1 udp 1 1.2.3.4 5 typ"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_candidate(m, "1 1 udp 1 1.2.3.4 5 typ host"), SDP_E_INVALID);
    for (int i = 0; i < SDP_MAX_CANDIDATES; i++)
        ASSERT_EQ(sdp_media_add_candidate(m, "candidate:1 1 udp 1 1.2.3.4 5 typ host"), 0);
    ASSERT_EQ(sdp_media_add_candidate(m, "candidate:1 1 udp 1 1.2.3.4 5 typ host"), SDP_E_FULL);
    ASSERT_EQ(sdp_set_origin(s, "a b", 1, 1, "::1"), SDP_E_INVALID);
    ASSERT_EQ(sdp_set_origin(s, "-", 1, 1, "::1"), 0);
    ASSERT_STR_EQ(s->origin.addrtype, "IP6");
    ASSERT_EQ(sdp_set_msid_semantic(s, "WMS", " x"), SDP_E_INVALID);
    const char *mids[] = {"0", "bad mid"};
    ASSERT_EQ(sdp_add_group(s, "BUNDLE", mids, 2), SDP_E_INVALID);
    ASSERT_EQ(sdp_write(s, &out, &len), 0);
    free(out);
    sdp_free(s);

    sdp_session *big = sdp_new();
    for (int i = 0; i < SDP_MAX_MEDIA; i++)
        ASSERT(sdp_add_media(big, SDP_KIND_AUDIO, 0, "RTP/AVP", NULL) != NULL);
    ASSERT(sdp_add_media(big, SDP_KIND_AUDIO, 0, "RTP/AVP", NULL) == NULL);
    sdp_free(big);
}

int main(void) {
    RUN_TEST(test_round_trip);
    RUN_TEST(test_build_answer_exact);
    RUN_TEST(test_build_large_offer);
    RUN_TEST(test_builder_rejects);
    TEST_DONE();
}
