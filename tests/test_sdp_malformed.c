/* Tests for the sfu/sdp parser at its edges: malformed input (each grammar
 * error with its message, NUL bytes, every prefix of a real SDP), the size
 * and count limits and what is truncated rather than rejected, and lenient
 * input that must parse (LF line ends, unknown lines, datachannels). */
#include "sfu/sdp.h"
#include "tests/test.h"
#include "tests/test_sdp_samples.h"

#include <stdbool.h>

/* Parses text, expects code, and (if want is not NULL) that err contains want. */
static void parse_fails(const char *text, size_t len, int code, const char *want) {
    char err[128] = "unset";
    sdp_session *s = (sdp_session *)1;
    int r = sdp_parse(text, len, &s, err, sizeof(err));
    if (r != code || (want && !strstr(err, want)))
        fprintf(stderr, "input: %.60s...\nexpected %d \"%s\", got %d \"%s\"\n", text, code,
                want ? want : "", r, err);
    ASSERT_EQ(r, code);
    ASSERT(s == NULL);
    if (want) ASSERT(strstr(err, want) != NULL);
}

/* Replaces the first occurrence of from in CHROME_PUBLISH_OFFER by to and
 * expects the parse to fail with code and a message containing want. */
static void chrome_with(const char *from, const char *to, int code, const char *want) {
    const char *base = CHROME_PUBLISH_OFFER;
    const char *at = strstr(base, from);
    ASSERT(at != NULL);
    size_t n = strlen(base) - strlen(from) + strlen(to);
    char *buf = malloc(n + 1);
    size_t head = (size_t)(at - base);
    memcpy(buf, base, head);
    memcpy(buf + head, to, strlen(to));
    strcpy(buf + head + strlen(to), at + strlen(from));
    parse_fails(buf, n, code, want);
    free(buf);
}

static void test_malformed(void) {
    const char *ok = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
    sdp_session *s = parse_ok(ok);
    sdp_free(s);
    parse_fails("", 0, SDP_E_SYNTAX, "empty");
    parse_fails("v=1\r\n", 5, SDP_E_SYNTAX, "line 1: first line must be v=0");
    parse_fails("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n", 29, SDP_E_SYNTAX, "line 1");
    parse_fails("v=0\r\n", 5, SDP_E_SYNTAX, "missing o=");
    parse_fails("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n", 29, SDP_E_SYNTAX, "missing o= or s=");

    struct {
        const char *from, *to, *want;
    } cases[] = {
        {"s=-\r\n", "s=-\r\nhello\r\n", "line 4: not a <type>=<value> line"},
        {"s=-\r\n", "s=-\r\nA=x\r\n", "line 4: not a"},
        {"s=-\r\n", "s=-\r\n=x\r\n", "line 4: not a"},
        {"s=-\r\n", "s=-\r\nv=0\r\n", "duplicate v="},
        {"s=-\r\n", "s=-\r\ns=-\r\n", "unexpected s="},
        {"o=- 4215775240449105457 2", "o=- 42157752404491054570000 2", "line 2: bad o= line"},
        {"IN IP4 127.0.0.1", "IN IP4", "bad o= line"},
        {"t=0 0", "t=0", "bad t= line"},
        {"m=audio 54400", "m=audio 65536", "line 8: bad port"},
        {"m=audio 54400", "m=audio -1", "bad port"},
        {"m=audio 54400", "m=audio 54400/0", "bad port"},
        {"m=audio 54400", "m=audio x", "bad port"},
        {"m=audio 54400 UDP/TLS/RTP/SAVPF", "m=audio 54400 UDP//RTP/SAVPF", "bad proto"},
        {"m=audio 54400 UDP/TLS/RTP/SAVPF", "m=audio 54400 UDP/TLS/RTP/", "bad proto"},
        {"m=audio 54400 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "m=audio 54400", "bad proto"},
        {"SAVPF 111 63 9 0 8 13 110 126", "SAVPF", "without formats"},
        {"SAVPF 111 63", "SAVPF 128 63", "bad payload type on m= line"},
        {"c=IN IP4 203.0.113.45", "c=IN IP4", "line 9: bad c= line"},
        {"c=IN IP4 203.0.113.45", "c=ATM NSAP 203.0.113.45", "bad c= line"},
        {"a=rtcp:9", "a=rtcp:0", "bad a=rtcp port"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap:128 opus/48000/2", "bad payload type in a=rtpmap"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus", "without clock rate"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/0/2", "bad a=rtpmap"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/48000/256", "bad a=rtpmap"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap:111", "bad a=rtpmap"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap", "a=rtpmap needs a value"},
        {"a=rtpmap:9 G722/8000", "a=rtpmap:111 G722/8000", "duplicate a=rtpmap for 111"},
        {"a=fmtp:63 111/111", "a=fmtp:63", "a=fmtp without parameters"},
        {"a=fmtp:97 apt=96", "a=fmtp:97 apt=x96", "bad apt"},
        {"a=fmtp:97 apt=96", "a=fmtp:97 apt=128", "bad apt"},
        {"a=rtcp-fb:96 nack pli", "a=rtcp-fb:300 nack pli", "bad payload type in a=rtcp-fb"},
        {"a=extmap:1 urn", "a=extmap:0 urn", "bad a=extmap id"},
        {"a=extmap:1 urn", "a=extmap:256 urn", "bad a=extmap id"},
        {"a=extmap:1 urn", "a=extmap:one urn", "bad a=extmap id"},
        {"a=extmap:1 urn", "a=extmap:1/both urn", "bad a=extmap direction"},
        {"a=extmap:2 http", "a=extmap:1 http", "duplicate a=extmap id 1"},
        {"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level", "a=extmap:1",
         "a=extmap without uri"},
        {"a=ice-ufrag:Yp3K", "a=ice-ufrag:Yp3K!", "bad ICE ufrag"},
        {"a=ice-ufrag:Yp3K", "a=ice-ufrag:Yp3K\r\na=ice-ufrag:x1y2", "duplicate a=ice-ufrag"},
        {"a=ice-pwd:nGk4", "a=ice-pwd:n\"k4", "bad ICE pwd"},
        {"a=fingerprint:sha-256 7B:8B", "a=fingerprint:sha-256 7B:8", "bad a=fingerprint"},
        {"a=fingerprint:sha-256 7B:8B", "a=fingerprint:sha-256 7B::8B", "bad a=fingerprint"},
        {"a=fingerprint:sha-256 7B:8B", "a=fingerprint:sha-256 7G:8B", "bad a=fingerprint"},
        {"2C:19:08", "2C:19:08 extra", "bad a=fingerprint"},
        {"a=setup:actpass", "a=setup:client", "bad a=setup"},
        {"a=mid:1", "a=mid:0", "mid \"0\" used twice"},
        {"a=mid:0", "a=mid:0\r\na=mid:9", "duplicate a=mid"},
        {"a=ssrc:1870454853 cname", "a=ssrc:4294967296 cname", "bad a=ssrc"},
        {"a=ssrc:1870454853 cname", "a=ssrc:-5 cname", "bad a=ssrc"},
        {"a=ssrc:1870454853 cname:qJkT0sK9dV3m/f2r", "a=ssrc:1870454853 cname",
         "cname without value"},
        {"a=ssrc:1870454853 cname:qJkT0sK9dV3m/f2r", "a=ssrc:1870454853", "bad a=ssrc"},
        {"a=ssrc-group:FID 2730135519", "a=ssrc-group:FID x", "bad ssrc in a=ssrc-group"},
        {"a=ssrc-group:FID 2730135519 3254618101", "a=ssrc-group:FID", "without ssrcs"},
        {"a=msid:0b3f", "a=msid:0b3f extra", "bad a=msid"},
        {"a=rid:q send", "a=rid:q sideways", "bad a=rid direction"},
        {"a=rid:q send", "a=rid:q!x send", "bad a=rid"},
        {"a=rid:h send", "a=rid:q send", "duplicate a=rid q"},
        {"a=simulcast:send q;h;f", "a=simulcast:send q;;f", "bad a=simulcast"},
        {"a=simulcast:send q;h;f", "a=simulcast:sendrecv q", "bad a=simulcast"},
        {"a=simulcast:send q;h;f", "a=simulcast:send q recv h send f", "bad a=simulcast"},
        {"a=candidate:842163049 1 udp", "a=candidate:842163049 x udp", "bad a=candidate"},
        {"a=candidate:842163049 1 udp 1686052607", "a=candidate:842163049 1 udp 99999999999",
         "bad a=candidate"},
        {"54400 typ srflx", "54400 type srflx", "bad a=candidate"},
        {"54400 typ srflx", "654400 typ srflx", "bad a=candidate"},
        {"a=extmap-allow-mixed", "a=bad name", "bad attribute name"},
        {"a=rtcp-rsize\r\na=rtpmap:111",
         "a=rtcp-rsize\r\na=rtpmap:111 opus/48000/2\r\n"
         "a=rtpmap:111",
         "duplicate a=rtpmap"},
        {"a=sendonly", "t=0 0", "t= line in an m-section"},
        /* control characters in values, NUL included */
        {"a=mid:0", "a=mid:0\x01", "control character 0x01"},
        {"a=mid:0", "a=mid:\x7f", "control character 0x7f"},
        {"a=mid:0", "a=mid:\t0", "control character 0x09"},
        {"a=mid:0\r\n", "a=mid:0\r\r\n", "control character 0x0d"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        chrome_with(cases[i].from, cases[i].to, SDP_E_SYNTAX, cases[i].want);

    /* NUL bytes inside the given length */
    size_t n = strlen(CHROME_PUBLISH_OFFER);
    char *buf = malloc(n);
    memcpy(buf, CHROME_PUBLISH_OFFER, n);
    buf[200] = '\0';
    parse_fails(buf, n, SDP_E_SYNTAX, "control character 0x00");
    free(buf);

    /* every prefix of a real SDP either parses or fails cleanly */
    int ok_count = 0;
    for (size_t len = 0; len <= n; len++) {
        sdp_session *t = NULL;
        char err[128];
        int r = sdp_parse(CHROME_PUBLISH_OFFER, len, &t, err, sizeof(err));
        ASSERT(r == 0 || r == SDP_E_SYNTAX);
        ASSERT((r == 0) == (t != NULL));
        ok_count += r == 0;
        sdp_free(t);
    }
    ASSERT(ok_count > 0);
}

/* Appends a copy of str to a growing buffer. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *str) {
    size_t n = strlen(str);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        ASSERT(b->p != NULL);
    }
    memcpy(b->p + b->len, str, n + 1);
    b->len += n;
}

static void test_limits(void) {
    /* 600 m-sections: over SDP_MAX_MEDIA */
    sbuf b = {0};
    sb_add(&b, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
    for (int i = 0; i < 600; i++) {
        char line[96];
        snprintf(line, sizeof(line), "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:%d\r\n", i);
        sb_add(&b, line);
        if (i == SDP_MAX_MEDIA - 1) {
            sdp_session *s = parse_ok(b.p);
            ASSERT_EQ(s->n_media, SDP_MAX_MEDIA);
            sdp_free(s);
        }
    }
    parse_fails(b.p, b.len, SDP_E_LIMIT, "more than 512 m-sections");
    free(b.p);

    /* over 1 MiB */
    size_t big = SDP_MAX_SIZE + 1;
    char *huge = malloc(big);
    memset(huge, 'a', big);
    parse_fails(huge, big, SDP_E_LIMIT, "larger than");
    free(huge);

    /* huge counts inside one m-section are truncated, not errors */
    b = (sbuf){0};
    sb_add(&b, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
               "a=group:BUNDLE 0 1 2 3 4\r\na=group:A\r\na=group:B\r\na=group:C\r\na=group:D\r\n"
               "m=video 9 UDP/TLS/RTP/SAVPF");
    for (int i = 0; i < 200; i++)
        sb_add(&b, i % 2 ? " 96" : " 97");
    sb_add(&b, "\r\na=mid:0\r\n");
    char line[160];
    for (int pt = 127; pt >= 0; pt--) {
        snprintf(line, sizeof(line), "a=rtpmap:%d VP8/90000\r\na=rtcp-fb:* nack\r\n", pt);
        sb_add(&b, line);
    }
    for (int i = 1; i <= 100; i++) {
        snprintf(line, sizeof(line), "a=extmap:%d urn:x:%d\r\n", i, i);
        sb_add(&b, line);
    }
    for (int i = 1; i <= 100; i++) {
        snprintf(line, sizeof(line), "a=ssrc:%d cname:c\r\na=ssrc-group:FID %d 1 2 3 4 5 6 7 8\r\n",
                 i, i);
        sb_add(&b, line);
    }
    for (int i = 0; i < 100; i++) {
        snprintf(line, sizeof(line), "a=rid:r%d send\r\n", i);
        sb_add(&b, line);
        snprintf(line, sizeof(line), "a=candidate:%d 1 udp 1 10.0.0.1 %d typ host\r\n", i,
                 1000 + i);
        sb_add(&b, line);
    }
    sb_add(&b, "a=simulcast:send 0;1;2;3;4;5;6;7;8;9 recv a\r\n"
               "a=fingerprint:sha-1 AB:CD\r\na=fingerprint:sha-256 01:02\r\n"
               "a=fingerprint:sha-512 03:04\r\nm=audio 9 RTP/AVP 0\r\na=mid:1\r\n");
    sdp_session *s = parse_ok(b.p);
    free(b.p);
    ASSERT(s->truncated);
    ASSERT_EQ(s->n_groups, SDP_MAX_GROUPS);
    ASSERT_EQ(s->groups[0].n_mids, 5);
    ASSERT_EQ(s->groups[1].n_mids, 0);
    const sdp_media *m = s->media[0];
    ASSERT(m->truncated);
    ASSERT(!s->media[1]->truncated);
    ASSERT_EQ(m->n_pts, SDP_MAX_PTS);
    ASSERT_EQ(m->n_codecs, SDP_MAX_CODECS);
    ASSERT_EQ(m->codecs[0].pt, 97); /* ordered as on the m= line */
    ASSERT_EQ(m->codecs[1].pt, 96);
    ASSERT_EQ(m->codecs[2].pt, 127);
    ASSERT_EQ(m->codecs[63].fb, SDP_FB_NACK); /* wildcard applied */
    ASSERT_EQ(m->n_extmaps, SDP_MAX_EXTMAPS);
    ASSERT_EQ(m->n_ssrcs, SDP_MAX_SSRCS);
    ASSERT_EQ(m->n_ssrc_groups, SDP_MAX_SSRC_GROUPS);
    ASSERT_EQ(m->ssrc_groups[0].n_ssrcs, SDP_MAX_GROUP_SSRCS);
    ASSERT_EQ(m->n_rids, SDP_MAX_RIDS);
    ASSERT_EQ(m->n_candidates, SDP_MAX_CANDIDATES);
    ASSERT_EQ(m->simulcast.n_send, SDP_MAX_SIMULCAST);
    ASSERT_EQ(m->simulcast.n_recv, 1);
    ASSERT_STR_EQ(m->fingerprint.algorithm,
                  "sha-256"); /* preferred over sha-1, kept over sha-512 */
    ASSERT_EQ(m->fingerprint.len, 2);
    ASSERT_EQ(m->fingerprint.bytes[1], 0x02);
    /* the truncated model still round-trips */
    char *out;
    size_t len;
    ASSERT_EQ(sdp_write(s, &out, &len), 0);
    sdp_session *t = parse_ok(out);
    ASSERT_EQ(sdp_compare(s, t, NULL, 0), 0);
    ASSERT(t->media[0]->n_ssrcs == SDP_MAX_SSRCS);
    free(out);
    sdp_free(t);
    sdp_free(s);
}

static void test_lenient(void) {
    /* LF only, no final newline, blank lines, trailing spaces, unknown lines
     * and attributes, session-level direction, datachannel m-section */
    const char *text = "v=0\n"
                       "o=- 1 2 IN IP6 ::1\n"
                       "s= \n"
                       "i=info\n"
                       "b=AS:300\n"
                       "t=0 0\n"
                       "a=sendonly\n"
                       "a=x-unknown:whatever it is\n"
                       "\n"
                       "m=audio 9/2 RTP/AVP 0 8\n"
                       "b=TIAS:64000\n"
                       "a=mid:a  \n"
                       "a=ptime:20\n"
                       "a=rtcp-fb:0 ccm tmmbr\n"
                       "a=rtcp-fb:0 nack sli\n"
                       "a=ssrc:5 label:foo\n"
                       "a=msid-semantic:WMS\n"
                       "a=simulcast: send rid=1;~2\n"
                       "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
                       "a=mid:dc\n"
                       "a=sctp-port:5000\n"
                       "a=max-message-size:262144\n"
                       "a=fmtp:webrtc-datachannel x\n"
                       "a=rtpmap:1000 x/1\n"
                       "a=rtcp-fb:* nack";
    sdp_session *s = parse_ok(text);
    ASSERT_STR_EQ(s->name, "-");
    ASSERT_STR_EQ(s->origin.addrtype, "IP6");
    ASSERT(s->msid_semantic == NULL); /* media-level: not kept */
    const sdp_media *a = s->media[0];
    ASSERT_STR_EQ(a->mid, "a");
    ASSERT_EQ(a->port_count, 2);
    ASSERT_EQ(a->dir, SDP_DIR_SENDONLY); /* from the session level */
    ASSERT_EQ(a->n_codecs, 0);
    ASSERT_EQ(a->n_ssrcs, 0);
    ASSERT(a->conn.addr == NULL);
    ASSERT_EQ(a->simulcast.n_send, 2);
    ASSERT_STR_EQ(a->simulcast.send[0].id, "1");
    ASSERT(a->simulcast.send[1].paused);
    const sdp_media *d = s->media[1];
    ASSERT_EQ(d->kind, SDP_KIND_APPLICATION);
    ASSERT_STR_EQ(d->fmt, "webrtc-datachannel");
    ASSERT_EQ(d->n_pts, 0);
    ASSERT_EQ(d->sctp_port, 5000);
    ASSERT_EQ(d->n_codecs, 0);
    round_trip(text, strlen(text));
    sdp_free(s);

    s = parse_ok("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=x\r\nt=0 0\r\nm=video 9 RTP/AVP 96\r\n"
                 "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:* nack pli\r\na=rtcp-fb:* goog-remb\r\n"
                 "a=fmtp:97 apt=96\r\na=rtpmap:97 rtx/90000\r\na=recvonly:x\r\nm=bogus 9 X 1\r\n");
    ASSERT_EQ(s->media[0]->n_codecs, 2);
    ASSERT_EQ(s->media[0]->codecs[0].pt, 96);
    ASSERT_EQ(s->media[0]->codecs[1].fb, SDP_FB_NACK_PLI | SDP_FB_GOOG_REMB);
    ASSERT_EQ(s->media[0]->dir, SDP_DIR_RECVONLY); /* a flag with a value (found by fuzzing) */
    ASSERT_EQ(s->media[1]->kind, SDP_KIND_OTHER);
    ASSERT_STR_EQ(s->media[1]->kind_token, "bogus");
    sdp_free(s);
}

int main(void) {
    RUN_TEST(test_malformed);
    RUN_TEST(test_limits);
    RUN_TEST(test_lenient);
    TEST_DONE();
}
