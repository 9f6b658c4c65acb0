/* Bots and their worker threads: signaling, negotiation and media of one
 * simulated participant. See bot.h. */
#include "loadtest/bot.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "loadtest/janus.h"
#include "loadtest/media_src.h"
#include "loadtest/ws_client.h"
#include "sfu/dtls.h"
#include "sfu/rtcp.h"
#include "sfu/rtp.h"
#include "sfu/rtp_nack.h"
#include "sfu/sdp.h"
#include "sfu/transport.h"

#define PT_OPUS 111
#define PT_VP8 96
#define EXT_AUDIO_LEVEL 1
#define EXT_ABS_SEND_TIME 2
#define URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define URI_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define PROTO_SAVPF "UDP/TLS/RTP/SAVPF"
#define MEDIA_TICK_MS 5
#define JOIN_DEADLINE_US 30000000ull
#define PING_US 20000000ull /* the node drops connections idle for 60 s */
#define PKT_CAP (1500 + TRANSPORT_SRTP_TRAILER)
#define MAX_PEERS 256
#define JANUS_ROOM_PUBLISHERS 1000 /* the cap of the Janus rooms the bots create */

typedef struct rx_entry {
    uint32_t ssrc;
    char owner[24];
    int video;
    uint8_t ext_abs; /* abs-send-time id in this m-section, 0 = none */
    rx_stream st;
    rtp_nack nack;
    int got_first;
} rx_entry;

typedef struct lt_bot {
    lt_worker *w;
    int id, listener;
    char room[72], name[32], you[24];
    ws_client *ws;
    janus_adapter *ja; /* --target janus: translates our messages both ways */
    int pumping;       /* inside janus_pump */
    lt_fail fail;
    int done;
    uint64_t t_open, t_start, next_ping;
    int join_recorded;
    int redirects;
    transport *pub, *sub;
    audio_src *asrc;
    video_src *vsrc;
    uint32_t a_ssrc, v_ssrc, rtcp_ssrc;
    /* Publishers in the room when we joined: join time is until media from
     * all of them arrived (or, alone, until our own media flows). */
    char peers[MAX_PEERS][24];
    int n_peers, n_peers_seen;
    rx_entry *rx;
    int n_rx, cap_rx;
} lt_bot;

struct lt_worker {
    int idx;
    const lt_opts *o;
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    dtls_cert *cert;
    dtls_ctx *dtls;
    audio_loop *al;
    video_loop *vl;
    GPtrArray *bots;
    GMutex lock;
    lt_snapshot snap; /* under lock */
    uint64_t packets_sent, bytes_sent;
    histogram join_us;
    int stopping;
};

static const char *const fail_names[LT_FAIL__COUNT] = {
    "none", "connect", "refused", "negotiate", "ice", "dtls", "timeout",
};
const char *lt_fail_name(lt_fail f) {
    return f < LT_FAIL__COUNT ? fail_names[f] : "?";
}

static void bot_fail(lt_bot *b, lt_fail why, const char *detail) {
    if (b->fail || b->done) return;
    b->fail = why;
    LOG_RATELIMITED(LOG_WARN, "bot", "bot %d (%s): %s: %s", b->id, b->room, lt_fail_name(why),
                    detail ? detail : "");
}

static void ws_send_json(lt_bot *b, json_t *msg) {
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (text && b->ws) ws_client_send_text(b->ws, text, strlen(text));
    free(text);
}

static void on_message(lt_bot *b, json_t *msg);

/* Sends what the Janus adapter has for the server and hands the bot what it
 * has for it; what the bot answers goes back in through send_json, whose
 * nested pump only sends (the outer loop hands over the rest, in order). */
static void janus_pump(lt_bot *b) {
    json_t *m;
    while ((m = janus_adapter_poll_to_server(b->ja)))
        ws_send_json(b, m);
    if (b->pumping) return;
    b->pumping = 1;
    while ((m = janus_adapter_poll_to_bot(b->ja))) {
        on_message(b, m);
        json_decref(m);
    }
    b->pumping = 0;
}

/* A message of the Relais protocol from the bot: to the node, or through
 * the adapter to Janus. Takes msg. */
static void send_json(lt_bot *b, json_t *msg) {
    if (!b->ja) {
        ws_send_json(b, msg);
        return;
    }
    janus_adapter_from_bot(b->ja, msg);
    json_decref(msg);
    janus_pump(b);
}

/* ---- transports -------------------------------------------------------- */

static void record_join(lt_bot *b) {
    if (b->join_recorded) return;
    b->join_recorded = 1;
    histogram_record(&b->w->join_us, clock_now_us() - b->t_open);
}

static rx_entry *rx_find(lt_bot *b, uint32_t ssrc) {
    for (int i = 0; i < b->n_rx; i++)
        if (b->rx[i].ssrc == ssrc) return &b->rx[i];
    return NULL;
}

static void peer_seen(lt_bot *b, const char *owner) {
    for (int i = 0; i < b->n_peers; i++) {
        if (strcmp(b->peers[i], owner) != 0) continue;
        b->peers[i][0] = '\0'; /* count once */
        if (++b->n_peers_seen == b->n_peers) record_join(b);
        return;
    }
}

static void sub_on_rtp(void *ud, uint8_t *buf, size_t len, uint64_t now) {
    lt_bot *b = ud;
    rtp_header h;
    if (rtp_parse(&h, buf, len) != 0) return;
    rx_entry *e = rx_find(b, h.ssrc);
    if (!e) return;
    uint32_t abs = 0;
    int has_abs = 0;
    const uint8_t *d;
    uint8_t dl;
    if (e->ext_abs && rtp_ext_find(&h, buf, e->ext_abs, &d, &dl) &&
        rtp_ext_abs_send_time(d, dl, &abs) == 0)
        has_abs = 1;
    rx_stream_on_packet(&e->st, h.seq, h.timestamp, h.marker, has_abs, abs, now, clock_wall_us(),
                        len);
    if (e->video) rtp_nack_on_packet(&e->nack, h.seq, now);
    if (!e->got_first) {
        e->got_first = 1;
        peer_seen(b, e->owner);
    }
}

static void pub_on_rtp(void *ud, uint8_t *buf, size_t len, uint64_t now) {}
static void sub_on_rtcp(void *ud, uint8_t *buf, size_t len, uint64_t now) {}

/* The node's feedback to us as a publisher: NACKs and keyframe requests. */
static void pub_on_rtcp(void *ud, uint8_t *buf, size_t len, uint64_t now) {
    lt_bot *b = ud;
    rtcp_iter it;
    rtcp_pkt p;
    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &p) == 1) {
        uint32_t sender, media;
        if ((p.pt != RTCP_RTPFB && p.pt != RTCP_PSFB) || rtcp_parse_fb(&p, &sender, &media) != 0)
            continue;
        if (!b->vsrc) continue;
        if (p.pt == RTCP_PSFB && (p.count == 1 || p.count == 4)) {
            video_src_request_keyframe(b->vsrc);
        } else if (p.pt == RTCP_RTPFB && p.count == 1 && media == b->v_ssrc) {
            uint16_t seqs[64];
            int n = 0;
            if (rtcp_parse_nack(&p, seqs, 64, &n) != 0) continue;
            for (int i = 0; i < n; i++) {
                uint8_t out[PKT_CAP];
                int m = video_src_retransmit(b->vsrc, seqs[i], out, sizeof out);
                if (m > 0 && transport_send_rtp(b->pub, out, (size_t)m, sizeof out) == 0) {
                    b->w->packets_sent++;
                    b->w->bytes_sent += (uint64_t)m;
                }
            }
        }
    }
}

static void on_srtp_error(void *ud) {}

static void on_state(lt_bot *b, int is_pub, transport_state st, sfu_error err) {
    if (st == TRANSPORT_CONNECTED) {
        if (is_pub && b->n_peers == 0 && b->listener == 0) record_join(b);
        return;
    }
    bot_fail(b, err == SFU_ERR_ICE_FAILED ? LT_FAIL_ICE : LT_FAIL_DTLS,
             is_pub ? "publish connection" : "subscribe connection");
}
static void pub_on_state(void *ud, transport_state st, sfu_error err) {
    on_state(ud, 1, st, err);
}
static void sub_on_state(void *ud, transport_state st, sfu_error err) {
    on_state(ud, 0, st, err);
}

static transport *make_transport(lt_bot *b, int is_pub) {
    static const transport_cbs pub_cbs = {pub_on_rtp, pub_on_rtcp, on_srtp_error, pub_on_state};
    static const transport_cbs sub_cbs = {sub_on_rtp, sub_on_rtcp, on_srtp_error, sub_on_state};
    const lt_opts *o = b->w->o;
    const char *addrs[1] = {o->media_address};
    transport_opts to = {
        .ctx = b->w->ctx,
        .client = 1,
        .dtls = b->w->dtls,
        .media_addrs = addrs,
        .n_media_addrs = 1,
        .port_min = o->port_min,
        .port_max = o->port_max,
    };
    return transport_new(&to, is_pub ? &pub_cbs : &sub_cbs, b);
}

/* The peer's credentials, fingerprint and candidates from its SDP. */
static int apply_remote(transport *t, const sdp_session *s) {
    const sdp_media *first = NULL;
    for (size_t i = 0; i < s->n_media && !first; i++)
        if (!sdp_media_is_rejected(s->media[i])) first = s->media[i];
    if (!first) return -1;
    const sdp_fingerprint *fp = sdp_media_fingerprint(s, first);
    const char *uf = sdp_media_ice_ufrag(s, first), *pw = sdp_media_ice_pwd(s, first);
    if (!fp || !fp->value || !uf || !pw) return -1;
    if (transport_set_remote(t, uf, pw, fp->value) != 0) return -1;
    for (size_t i = 0; i < s->n_media; i++)
        for (int k = 0; k < s->media[i]->n_candidates; k++)
            transport_add_remote_candidate(t, s->media[i]->candidates[k]);
    return 0;
}

/* Common session part of the bot's SDP. */
static sdp_session *bot_session(lt_bot *b, transport *t) {
    sdp_session *s = sdp_new();
    if (!s) return NULL;
    if (sdp_set_origin(s, "-", (uint64_t)g_random_int(), 1, "127.0.0.1") != 0 ||
        sdp_set_ice(s, transport_ice_ufrag(t), transport_ice_pwd(t), NULL) != 0 ||
        sdp_set_fingerprint(s, "sha-256", dtls_cert_fingerprint(b->w->cert)) != 0) {
        sdp_free(s);
        return NULL;
    }
    return s;
}

static int add_candidates(sdp_media *m, transport *t) {
    char c[TRANSPORT_MAX_CANDIDATES][TRANSPORT_CAND_LEN];
    int n = transport_local_candidates(t, c, TRANSPORT_MAX_CANDIDATES);
    for (int i = 0; i < n; i++)
        if (sdp_media_add_candidate(m, c[i]) != 0) return -1;
    return 0;
}

static char *write_sdp(sdp_session *s) {
    char *out = NULL;
    size_t len;
    if (sdp_bundle_all(s) != 0 || sdp_write(s, &out, &len) != 0) out = NULL;
    sdp_free(s);
    return out;
}

/* ---- publish ------------------------------------------------------------ */

static void publish(lt_bot *b) {
    const lt_opts *o = b->w->o;
    if (!(b->pub = make_transport(b, 1))) {
        bot_fail(b, LT_FAIL_NEGOTIATE, "no local media port");
        return;
    }
    sdp_session *s = bot_session(b, b->pub);
    if (!s) return;
    char cname[24], msid[64];
    snprintf(cname, sizeof cname, "bot%d", b->id);
    json_t *tracks = json_array();
    if (o->audio) {
        sdp_media *m = sdp_add_media(s, SDP_KIND_AUDIO, 9, PROTO_SAVPF, "0");
        m->rtcp_mux = true;
        m->setup = SDP_SETUP_ACTPASS;
        m->dir = SDP_DIR_SENDONLY;
        snprintf(msid, sizeof msid, "%s %s-a", cname, cname);
        sdp_media_add_codec(m, PT_OPUS, "opus", 48000, 2, "minptime=10;useinbandfec=1", 0);
        sdp_media_add_ext(m, EXT_AUDIO_LEVEL, URI_AUDIO_LEVEL, SDP_DIR_NONE);
        sdp_media_add_ext(m, EXT_ABS_SEND_TIME, URI_ABS_SEND_TIME, SDP_DIR_NONE);
        sdp_media_add_ssrc(m, b->a_ssrc, cname, msid);
        add_candidates(m, b->pub);
        json_array_append_new(tracks, json_pack("{s:s,s:s}", "mid", "0", "source", "microphone"));
    }
    if (o->video) {
        sdp_media *m = sdp_add_media(s, SDP_KIND_VIDEO, 9, PROTO_SAVPF, "1");
        m->rtcp_mux = true;
        m->setup = SDP_SETUP_ACTPASS;
        m->dir = SDP_DIR_SENDONLY;
        snprintf(msid, sizeof msid, "%s %s-v", cname, cname);
        sdp_media_add_codec(m, PT_VP8, "VP8", 90000, 0, NULL,
                            SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB);
        sdp_media_add_ext(m, EXT_ABS_SEND_TIME, URI_ABS_SEND_TIME, SDP_DIR_NONE);
        sdp_media_add_ssrc(m, b->v_ssrc, cname, msid);
        add_candidates(m, b->pub);
        json_array_append_new(tracks, json_pack("{s:s,s:s}", "mid", "1", "source", "camera"));
    }
    char *sdp = write_sdp(s);
    if (!sdp) {
        json_decref(tracks);
        bot_fail(b, LT_FAIL_NEGOTIATE, "cannot build the publish offer");
        return;
    }
    send_json(b, json_pack("{s:s,s:s,s:o}", "type", "publish", "sdp", sdp, "tracks", tracks));
    free(sdp);
}

static void on_publish_answer(lt_bot *b, const char *sdp) {
    sdp_session *s = NULL;
    char err[128];
    if (!b->pub || sdp_parse(sdp, strlen(sdp), &s, err, sizeof err) != 0 ||
        apply_remote(b->pub, s) != 0)
        bot_fail(b, LT_FAIL_NEGOTIATE, "bad publish-answer");
    sdp_free(s);
}

/* ---- subscribe ---------------------------------------------------------- */

static const char *owner_of(json_t *tracks, const char *mid) {
    size_t i;
    json_t *t;
    json_array_foreach(tracks, i, t) {
        const char *m = json_string_value(json_object_get(t, "mid"));
        if (m && strcmp(m, mid) == 0) return json_string_value(json_object_get(t, "participant"));
    }
    return NULL;
}

static void rx_add(lt_bot *b, uint32_t ssrc, const char *owner, int video, uint8_t ext_abs) {
    rx_entry *e = rx_find(b, ssrc);
    if (!e) {
        if (b->n_rx == b->cap_rx) {
            int cap = b->cap_rx ? b->cap_rx * 2 : 16;
            rx_entry *n = realloc(b->rx, (size_t)cap * sizeof *n);
            if (!n) return;
            b->rx = n;
            b->cap_rx = cap;
        }
        e = &b->rx[b->n_rx++];
        memset(e, 0, sizeof *e);
        e->ssrc = ssrc;
        e->video = video;
        rx_stream_init(&e->st, video, video ? 90000 : 48000);
        rtp_nack_init(&e->nack, NULL);
    }
    snprintf(e->owner, sizeof e->owner, "%s", owner ? owner : "");
    e->ext_abs = ext_abs;
}

static void on_subscribe_offer(lt_bot *b, const char *sdp, json_t *tracks) {
    sdp_session *off = NULL;
    char err[128];
    if (sdp_parse(sdp, strlen(sdp), &off, err, sizeof err) != 0) {
        bot_fail(b, LT_FAIL_NEGOTIATE, "bad subscribe-offer");
        return;
    }
    int first = !b->sub;
    if (first && !(b->sub = make_transport(b, 0))) {
        sdp_free(off);
        bot_fail(b, LT_FAIL_NEGOTIATE, "no local media port");
        return;
    }
    sdp_session *ans = bot_session(b, b->sub);
    for (size_t i = 0; ans && i < off->n_media; i++) {
        const sdp_media *om = off->media[i];
        int rtp = om->kind == SDP_KIND_AUDIO || om->kind == SDP_KIND_VIDEO;
        sdp_media *m = sdp_add_media(ans, rtp ? om->kind : SDP_KIND_APPLICATION,
                                     sdp_media_is_rejected(om) ? 0 : 9, om->proto, om->mid);
        if (!m || !rtp || sdp_media_is_rejected(om)) continue;
        m->rtcp_mux = true;
        m->setup = SDP_SETUP_ACTIVE;
        m->dir = om->dir == SDP_DIR_SENDONLY ? SDP_DIR_RECVONLY : SDP_DIR_INACTIVE;
        const sdp_codec *c = om->kind == SDP_KIND_AUDIO ? sdp_media_find_codec(om, "opus", 48000, 2)
                                                        : sdp_media_find_codec(om, "VP8", 90000, 0);
        if (!c) continue;
        sdp_media_add_codec(m, c->pt, c->name, c->clock, c->channels, c->fmtp,
                            c->fb & (SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR));
        uint16_t abs = sdp_media_find_ext(om, URI_ABS_SEND_TIME);
        uint16_t lvl = sdp_media_find_ext(om, URI_AUDIO_LEVEL);
        if (abs) sdp_media_add_ext(m, abs, URI_ABS_SEND_TIME, SDP_DIR_NONE);
        if (lvl) sdp_media_add_ext(m, lvl, URI_AUDIO_LEVEL, SDP_DIR_NONE);
        if (i == 0) add_candidates(m, b->sub);
        if (om->dir == SDP_DIR_SENDONLY && om->n_ssrcs > 0)
            rx_add(b, om->ssrcs[0].ssrc, owner_of(tracks, om->mid), om->kind == SDP_KIND_VIDEO,
                   (uint8_t)abs);
    }
    char *text = ans ? write_sdp(ans) : NULL;
    if (!text) {
        sdp_free(off);
        bot_fail(b, LT_FAIL_NEGOTIATE, "cannot build the subscribe answer");
        return;
    }
    send_json(b, json_pack("{s:s,s:s}", "type", "subscribe-answer", "sdp", text));
    free(text);
    if (first && apply_remote(b->sub, off) != 0) bot_fail(b, LT_FAIL_NEGOTIATE, "subscribe-offer");
    sdp_free(off);
}

/* ---- signaling ------------------------------------------------------------ */

static void on_joined(lt_bot *b, json_t *msg) {
    snprintf(b->you, sizeof b->you, "%s", json_string_value(json_object_get(msg, "you")) ?: "");
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(msg, "participants"), i, p) {
        const char *id = json_string_value(json_object_get(p, "id"));
        if (id && json_array_size(json_object_get(p, "tracks")) > 0 && b->n_peers < MAX_PEERS)
            snprintf(b->peers[b->n_peers++], sizeof b->peers[0], "%s", id);
    }
    if (b->listener) {
        if (b->n_peers == 0) record_join(b);
        return;
    }
    publish(b);
}

static void on_open(void *ud);
static void on_text(void *ud, const char *text, size_t len);
static void on_close(void *ud, int code, const char *reason);
static const ws_client_cbs bot_ws_cbs = {on_open, on_text, on_close};

/* One message of the Relais protocol, from the node or from the adapter. */
static void on_message(lt_bot *b, json_t *msg) {
    const char *type = json_string_value(json_object_get(msg, "type"));
    if (!type) return;
    if (strcmp(type, "joined") == 0) {
        on_joined(b, msg);
    } else if (strcmp(type, "publish-answer") == 0) {
        const char *sdp = json_string_value(json_object_get(msg, "sdp"));
        if (sdp) on_publish_answer(b, sdp);
    } else if (strcmp(type, "subscribe-offer") == 0) {
        const char *sdp = json_string_value(json_object_get(msg, "sdp"));
        if (sdp) on_subscribe_offer(b, sdp, json_object_get(msg, "tracks"));
    } else if (strcmp(type, "redirect") == 0) {
        /* The cluster placed our room on another node: go there, as the web
         * client does (before joining, so nothing else is to be undone). */
        const char *url = json_string_value(json_object_get(msg, "url"));
        if (!url || strncmp(url, "ws://", 5) != 0 || ++b->redirects > 3) {
            bot_fail(b, LT_FAIL_REFUSED, "bad or too many redirects");
        } else {
            ws_client_free(b->ws);
            b->ws = ws_client_new(b->w->ctx, url, 1u << 22, &bot_ws_cbs, b);
            if (!b->ws) bot_fail(b, LT_FAIL_CONNECT, "bad redirect url");
        }
    } else if (strcmp(type, "error") == 0) {
        const char *code = json_string_value(json_object_get(msg, "code"));
        const char *req = json_string_value(json_object_get(msg, "request"));
        bot_fail(b, req && strcmp(req, "join") == 0 ? LT_FAIL_REFUSED : LT_FAIL_NEGOTIATE, code);
    }
}

static void on_text(void *ud, const char *text, size_t len) {
    lt_bot *b = ud;
    json_t *msg = json_loadb(text, len, 0, NULL);
    if (!msg) return;
    if (!b->ja) {
        on_message(b, msg);
        json_decref(msg);
        return;
    }
    janus_adapter_from_server(b->ja, msg, clock_now_us());
    json_decref(msg);
    janus_pump(b);
}

static void on_open(void *ud) {
    lt_bot *b = ud;
    b->t_open = clock_now_us();
    b->next_ping = b->t_open + PING_US;
    char name[40];
    snprintf(name, sizeof name, "%s %d", b->listener ? "listener" : "bot", b->id);
    send_json(b, json_pack("{s:s,s:s,s:s}", "type", "join", "room", b->room, "name", name));
}

static void on_close(void *ud, int code, const char *reason) {
    lt_bot *b = ud;
    if (!b->done) bot_fail(b, LT_FAIL_CONNECT, reason);
}

/* ---- the worker ------------------------------------------------------------ */

static void bot_free(lt_bot *b) {
    if (b->ws) {
        ws_client_close(b->ws, 1000);
        ws_client_free(b->ws);
    }
    janus_adapter_free(b->ja);
    transport_free(b->pub);
    transport_free(b->sub);
    audio_src_free(b->asrc);
    video_src_free(b->vsrc);
    free(b->rx);
    free(b);
}

static void bot_media(lt_worker *w, lt_bot *b, uint64_t now) {
    if (!b->pub || transport_get_state(b->pub) != TRANSPORT_CONNECTED) return;
    uint8_t out[PKT_CAP];
    uint64_t wall = clock_wall_us();
    int n;
    while (b->asrc && (n = audio_src_poll(b->asrc, now, wall, out, sizeof out)) > 0) {
        if (transport_send_rtp(b->pub, out, (size_t)n, sizeof out) != 0) break;
        w->packets_sent++;
        w->bytes_sent += (uint64_t)n;
    }
    while (b->vsrc && (n = video_src_poll(b->vsrc, now, wall, out, sizeof out)) > 0) {
        if (transport_send_rtp(b->pub, out, (size_t)n, sizeof out) != 0) break;
        w->packets_sent++;
        w->bytes_sent += (uint64_t)n;
    }
}

/* NACKs for gaps in what we receive, so the node's retransmissions are
 * exercised and "loss after recovery" means something. */
static void bot_feedback(lt_bot *b, uint64_t now) {
    if (!b->sub || transport_get_state(b->sub) != TRANSPORT_CONNECTED) return;
    for (int i = 0; i < b->n_rx; i++) {
        rx_entry *e = &b->rx[i];
        uint64_t due = e->video ? rtp_nack_next_due(&e->nack) : 0;
        if (!due || due > now) continue;
        uint16_t seqs[64];
        int n = rtp_nack_poll(&e->nack, now, seqs, 64);
        if (n <= 0) continue;
        uint8_t buf[1500 + TRANSPORT_SRTP_TRAILER];
        int a = rtcp_build_rr(buf, 1500, b->rtcp_ssrc, NULL, 0);
        int c =
            a < 0 ? -1 : rtcp_build_nack(buf + a, 1500 - (size_t)a, b->rtcp_ssrc, e->ssrc, seqs, n);
        if (c > 0) transport_send_rtcp(b->sub, buf, (size_t)(a + c), sizeof buf);
    }
}

static gboolean media_tick(gpointer data) {
    lt_worker *w = data;
    uint64_t now = clock_now_us();
    for (guint i = 0; i < w->bots->len; i++) {
        lt_bot *b = g_ptr_array_index(w->bots, i);
        if (b->done) continue;
        bot_media(w, b, now);
        bot_feedback(b, now);
        if (b->pub) transport_tick(b->pub, now);
        if (b->sub) transport_tick(b->sub, now);
        if (!b->ja && b->next_ping && now >= b->next_ping) { /* as docs/protocol.md asks */
            b->next_ping = now + PING_US;
            send_json(b, json_pack("{s:s}", "type", "ping"));
        }
        if (b->ja && now >= janus_adapter_next_timeout(b->ja)) { /* session keepalive */
            janus_adapter_handle_timeout(b->ja, now);
            janus_pump(b);
        }
        if (!b->join_recorded && !b->fail && b->t_start && now - b->t_start > JOIN_DEADLINE_US)
            bot_fail(b, LT_FAIL_TIMEOUT, "no media from every publisher in time");
    }
    return G_SOURCE_CONTINUE;
}

static void take_snapshot(lt_worker *w, int final) {
    lt_snapshot s;
    memset(&s, 0, sizeof s);
    histogram_init(&s.join_us);
    rx_totals_init(&s.audio);
    rx_totals_init(&s.video);
    uint64_t now = clock_now_us();
    for (guint i = 0; i < w->bots->len; i++) {
        lt_bot *b = g_ptr_array_index(w->bots, i);
        s.bots++;
        if (b->fail)
            s.failed[b->fail]++;
        else if (b->join_recorded)
            s.connected++;
        for (int k = 0; k < b->n_rx; k++) {
            if (final) rx_stream_finish(&b->rx[k].st, now);
            rx_stream_snapshot(&b->rx[k].st, b->rx[k].video ? &s.video : &s.audio);
        }
    }
    s.packets_sent = w->packets_sent;
    s.bytes_sent = w->bytes_sent;
    histogram_merge(&s.join_us, &w->join_us);
    g_mutex_lock(&w->lock);
    w->snap = s;
    g_mutex_unlock(&w->lock);
}

static gboolean stats_tick(gpointer data) {
    take_snapshot(data, 0);
    return G_SOURCE_CONTINUE;
}

static gpointer worker_main(gpointer data) {
    lt_worker *w = data;
    g_main_context_push_thread_default(w->ctx);
    GSource *mt = g_timeout_source_new(MEDIA_TICK_MS);
    g_source_set_callback(mt, media_tick, w, NULL);
    g_source_attach(mt, w->ctx);
    GSource *st = g_timeout_source_new(1000);
    g_source_set_callback(st, stats_tick, w, NULL);
    g_source_attach(st, w->ctx);
    g_main_loop_run(w->loop);
    g_source_destroy(mt);
    g_source_unref(mt);
    g_source_destroy(st);
    g_source_unref(st);
    take_snapshot(w, 1);
    for (guint i = 0; i < w->bots->len; i++)
        bot_free(g_ptr_array_index(w->bots, i));
    g_ptr_array_set_size(w->bots, 0);
    g_main_context_pop_thread_default(w->ctx);
    return NULL;
}

lt_worker *lt_worker_new(int idx, const lt_opts *o, audio_loop *al, video_loop *vl) {
    lt_worker *w = g_new0(lt_worker, 1);
    w->idx = idx;
    w->o = o;
    w->al = al;
    w->vl = vl;
    w->bots = g_ptr_array_new();
    g_mutex_init(&w->lock);
    histogram_init(&w->join_us);
    if (dtls_cert_generate(&w->cert) != 0 || !(w->dtls = dtls_ctx_new(w->cert, DTLS_ROLE_CLIENT))) {
        LOG_E("loadtest", "cannot set up DTLS");
        return NULL;
    }
    w->ctx = g_main_context_new();
    w->loop = g_main_loop_new(w->ctx, FALSE);
    char name[24];
    snprintf(name, sizeof name, "bots-%d", idx);
    w->thread = g_thread_new(name, worker_main, w);
    return w;
}

typedef struct add_req {
    lt_worker *w;
    int id, listener;
    char room[72];
} add_req;

static gboolean do_add_bot(gpointer data) {
    add_req *r = data;
    lt_worker *w = r->w;
    if (w->stopping) return G_SOURCE_REMOVE;
    lt_bot *b = calloc(1, sizeof *b);
    if (!b) return G_SOURCE_REMOVE;
    b->w = w;
    b->id = r->id;
    b->listener = r->listener;
    b->t_start = clock_now_us();
    snprintf(b->room, sizeof b->room, "%s", r->room);
    b->rtcp_ssrc = g_random_int();
    if (!b->listener) {
        b->a_ssrc = g_random_int();
        b->v_ssrc = g_random_int();
        if (w->o->audio && w->al)
            b->asrc = audio_src_new(w->al, b->a_ssrc, PT_OPUS, EXT_AUDIO_LEVEL, EXT_ABS_SEND_TIME);
        if (w->o->video && w->vl)
            b->vsrc = video_src_new(w->vl, b->v_ssrc, PT_VP8, EXT_ABS_SEND_TIME);
    }
    if (w->o->janus) {
        b->ja = janus_adapter_new(0, JANUS_ROOM_PUBLISHERS);
        b->ws = b->ja ? ws_client_new_proto(w->ctx, w->o->url, JANUS_SUBPROTOCOL, 1u << 22,
                                            &bot_ws_cbs, b)
                      : NULL;
    } else {
        b->ws = ws_client_new(w->ctx, w->o->url, 1u << 22, &bot_ws_cbs, b);
    }
    if (!b->ws) bot_fail(b, LT_FAIL_CONNECT, "bad url");
    g_ptr_array_add(w->bots, b);
    return G_SOURCE_REMOVE;
}

void lt_worker_add_bot(lt_worker *w, int id, const char *room, int listener) {
    add_req *r = g_new0(add_req, 1);
    r->w = w;
    r->id = id;
    r->listener = listener;
    snprintf(r->room, sizeof r->room, "%s", room);
    g_main_context_invoke_full(w->ctx, G_PRIORITY_DEFAULT, do_add_bot, r, g_free);
}

void lt_worker_snapshot(lt_worker *w, lt_snapshot *out) {
    g_mutex_lock(&w->lock);
    *out = w->snap;
    g_mutex_unlock(&w->lock);
}

static gboolean do_stop(gpointer data) {
    lt_worker *w = data;
    w->stopping = 1;
    for (guint i = 0; i < w->bots->len; i++)
        ((lt_bot *)g_ptr_array_index(w->bots, i))->done = 1;
    g_main_loop_quit(w->loop);
    return G_SOURCE_REMOVE;
}

void lt_worker_stop(lt_worker *w, lt_snapshot *final) {
    g_main_context_invoke(w->ctx, do_stop, w);
    g_thread_join(w->thread);
    lt_worker_snapshot(w, final);
    g_ptr_array_free(w->bots, TRUE);
    g_main_loop_unref(w->loop);
    g_main_context_unref(w->ctx);
    dtls_ctx_free(w->dtls);
    dtls_cert_free(w->cert);
    g_mutex_clear(&w->lock);
    g_free(w);
}
