/* One bot's session: the WebSocket and the protocol of docs/protocol.md,
 * negotiation of the publish and subscribe connections, what it receives,
 * and reconnecting after a failure (loadtest/reconnect.h). See
 * bot_internal.h for the lifetime rules. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "loadtest/bot_internal.h"
#include "loadtest/media_src.h"
#include "sfu/rtcp.h"
#include "sfu/rtp.h"
#include "sfu/sdp.h"

#define PT_OPUS 111
#define PT_VP8 96
#define EXT_AUDIO_LEVEL 1
#define EXT_ABS_SEND_TIME 2
#define URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define URI_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define PROTO_SAVPF "UDP/TLS/RTP/SAVPF"
#define MAX_REDIRECTS 3 /* in a row without `joined`, as docs/protocol.md asks */
#define WS_MAX_MESSAGE (1u << 22)
#define JANUS_ROOM_PUBLISHERS 1000 /* the cap of the Janus rooms the bots create */

void bot_fail(lt_bot *b, lt_fail why, const char *detail) {
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
 * has for it; what the bot answers goes back in through bot_send_json, whose
 * nested pump only sends (the outer loop hands over the rest, in order). */
void bot_janus_pump(lt_bot *b) {
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

void bot_send_json(lt_bot *b, json_t *msg) {
    if (!b->ja) {
        ws_send_json(b, msg);
        return;
    }
    janus_adapter_from_bot(b->ja, msg);
    json_decref(msg);
    bot_janus_pump(b);
}

/* ---- reconnecting ------------------------------------------------------- */

void bot_notice(lt_bot *b, lt_rc_reason why, const char *move_url) {
    if (b->done || b->fail || b->gave_up || b->pending) return;
    if (!b->in_episode) {
        b->in_episode = 1;
        b->ep_start = clock_now_us();
        b->backoff_step = 0;
        b->w->rc.count++;
        b->w->rc.by_reason[why]++;
    }
    b->pending = 1;
    snprintf(b->move_url, sizeof b->move_url, "%s", move_url ? move_url : "");
}

/* Media flows again: the episode is over. */
static void episode_done(lt_bot *b, uint64_t now) {
    if (!b->in_episode || b->pending || !b->joined) return;
    histogram_record(&b->w->rc.failover_us, now - b->ep_start);
    b->in_episode = 0;
    b->backoff_step = 0;
}

static void give_up(lt_bot *b, const char *why) {
    b->gave_up = 1;
    LOG_RATELIMITED(LOG_WARN, "bot", "bot %d (%s): stays disconnected: %s", b->id, b->room, why);
}

/* ---- transports -------------------------------------------------------- */

static void record_join(lt_bot *b) {
    /* After a reconnect the time would include the outage: that is the
     * failover time's business, not the join time's. */
    if (b->join_recorded || b->ep_start) return;
    b->join_recorded = 1;
    histogram_record(&b->w->join_us, clock_now_us() - b->t_open);
}

static rx_entry *rx_find(lt_bot *b, uint32_t ssrc) {
    for (int i = 0; i < b->n_rx; i++)
        if (b->rx[i].ssrc == ssrc) return &b->rx[i];
    return NULL;
}

/* The stream of entry i ended: its numbers go into rx_closed and the entry
 * away. Finishing now counts gaps whose grace period is over; younger ones
 * are not loss (a retransmission could not come any more, but the packet
 * might have). Packets the sender would have sent after the end are not
 * expected at all. */
static void rx_fold(lt_bot *b, int i, uint64_t now) {
    rx_entry *e = &b->rx[i];
    if (!b->rx_closed && (b->rx_closed = malloc(2 * sizeof *b->rx_closed))) {
        rx_totals_init(&b->rx_closed[0]);
        rx_totals_init(&b->rx_closed[1]);
    }
    if (b->rx_closed) {
        rx_stream_finish(&e->st, now);
        rx_stream_snapshot(&e->st, &b->rx_closed[e->video ? 1 : 0]);
    }
    if (i != b->n_rx - 1) memcpy(e, &b->rx[b->n_rx - 1], sizeof *e);
    b->n_rx--;
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
    if (b->in_episode) episode_done(b, now); /* media from a room mate again */
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
    if (b->pending) return; /* torn down at the next tick anyway */
    if (st == TRANSPORT_CONNECTED) {
        if (is_pub)
            b->pub_up = 1;
        else
            b->sub_up = 1;
        if (is_pub && b->alone && !b->listener) {
            record_join(b);
            episode_done(b, clock_now_us()); /* alone: our own media flows again */
        }
        return;
    }
    /* A connection that worked and broke is a lost node (or path); one that
     * never came up in the first session is a failure to report. */
    if (b->in_episode || (b->joined && (is_pub ? b->pub_up : b->sub_up))) {
        bot_notice(b, LT_RC_TRANSPORT_FAILED, NULL);
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
static sdp_session *bot_sdp(lt_bot *b, transport *t) {
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

/* Negotiation failures end the bot, except inside an episode, where they
 * are one more failed attempt (the node may be half up). */
static void negotiate_failed(lt_bot *b, const char *why) {
    if (b->in_episode)
        bot_notice(b, LT_RC_WS_CLOSED, NULL);
    else
        bot_fail(b, LT_FAIL_NEGOTIATE, why);
}

/* ---- publish ------------------------------------------------------------ */

static void publish(lt_bot *b) {
    const lt_opts *o = b->w->o;
    if (!(b->pub = make_transport(b, 1))) {
        negotiate_failed(b, "no local media port");
        return;
    }
    sdp_session *s = bot_sdp(b, b->pub);
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
        negotiate_failed(b, "cannot build the publish offer");
        return;
    }
    bot_send_json(b, json_pack("{s:s,s:s,s:o}", "type", "publish", "sdp", sdp, "tracks", tracks));
    free(sdp);
}

static void on_publish_answer(lt_bot *b, const char *sdp) {
    sdp_session *s = NULL;
    char err[128];
    if (!b->pub || sdp_parse(sdp, strlen(sdp), &s, err, sizeof err) != 0 ||
        apply_remote(b->pub, s) != 0)
        negotiate_failed(b, "bad publish-answer");
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
    e->in_offer = 1;
}

static void on_subscribe_offer(lt_bot *b, const char *sdp, json_t *tracks) {
    sdp_session *off = NULL;
    char err[128];
    if (sdp_parse(sdp, strlen(sdp), &off, err, sizeof err) != 0) {
        negotiate_failed(b, "bad subscribe-offer");
        return;
    }
    int first = !b->sub;
    if (first && !(b->sub = make_transport(b, 0))) {
        sdp_free(off);
        negotiate_failed(b, "no local media port");
        return;
    }
    for (int i = 0; i < b->n_rx; i++)
        b->rx[i].in_offer = 0;
    sdp_session *ans = bot_sdp(b, b->sub);
    int have_candidates = 0;
    for (size_t i = 0; ans && i < off->n_media; i++) {
        const sdp_media *om = off->media[i];
        int rtp = om->kind == SDP_KIND_AUDIO || om->kind == SDP_KIND_VIDEO;
        const sdp_codec *c = !rtp || sdp_media_is_rejected(om) ? NULL
                             : om->kind == SDP_KIND_AUDIO
                                 ? sdp_media_find_codec(om, "opus", 48000, 2)
                                 : sdp_media_find_codec(om, "VP8", 90000, 0);
        /* What a bot cannot decode (VP9, H.264 from a browser) it rejects
         * with port 0, as docs/protocol.md tells clients to: the node then
         * leaves that stream out for this bot. */
        sdp_media *m = sdp_add_media(ans, rtp ? om->kind : SDP_KIND_APPLICATION, c ? 9 : 0,
                                     om->proto, om->mid);
        if (m && !c) {
            /* A rejected m-line still lists the offered formats. */
            if (rtp)
                for (int k = 0; k < om->n_pts; k++)
                    sdp_media_add_pt(m, om->pts[k]);
            else if (om->fmt)
                m->fmt = sdp_strdup(ans, om->fmt);
            m->dir = SDP_DIR_INACTIVE;
        }
        if (!m || !c) continue;
        m->rtcp_mux = true;
        m->setup = SDP_SETUP_ACTIVE;
        m->dir = om->dir == SDP_DIR_SENDONLY ? SDP_DIR_RECVONLY : SDP_DIR_INACTIVE;
        sdp_media_add_codec(m, c->pt, c->name, c->clock, c->channels, c->fmtp,
                            c->fb & (SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR));
        uint16_t abs = sdp_media_find_ext(om, URI_ABS_SEND_TIME);
        uint16_t lvl = sdp_media_find_ext(om, URI_AUDIO_LEVEL);
        if (abs) sdp_media_add_ext(m, abs, URI_ABS_SEND_TIME, SDP_DIR_NONE);
        if (lvl) sdp_media_add_ext(m, lvl, URI_AUDIO_LEVEL, SDP_DIR_NONE);
        if (!have_candidates) have_candidates = add_candidates(m, b->sub) == 0;
        if (om->dir == SDP_DIR_SENDONLY && om->n_ssrcs > 0)
            rx_add(b, om->ssrcs[0].ssrc, owner_of(tracks, om->mid), om->kind == SDP_KIND_VIDEO,
                   (uint8_t)abs);
    }
    char *text = ans ? write_sdp(ans) : NULL;
    if (!text) {
        sdp_free(off);
        negotiate_failed(b, "cannot build the subscribe answer");
        return;
    }
    /* Streams no longer offered ended (their sender left or reconnected). */
    uint64_t now = clock_now_us();
    for (int i = b->n_rx - 1; i >= 0; i--)
        if (!b->rx[i].in_offer) rx_fold(b, i, now);
    bot_send_json(b, json_pack("{s:s,s:s}", "type", "subscribe-answer", "sdp", text));
    free(text);
    if (first && apply_remote(b->sub, off) != 0) negotiate_failed(b, "subscribe-offer");
    sdp_free(off);
}

/* ---- signaling ------------------------------------------------------------ */

static void on_joined(lt_bot *b, json_t *msg) {
    b->joined = 1;
    b->redirects = 0;
    snprintf(b->you, sizeof b->you, "%s", json_string_value(json_object_get(msg, "you")) ?: "");
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(msg, "participants"), i, p) {
        const char *id = json_string_value(json_object_get(p, "id"));
        if (id && json_array_size(json_object_get(p, "tracks")) > 0 && b->n_peers < MAX_PEERS)
            snprintf(b->peers[b->n_peers++], sizeof b->peers[0], "%s", id);
    }
    b->alone = b->n_peers == 0;
    if (b->listener) {
        if (b->alone) {
            record_join(b);
            episode_done(b, clock_now_us()); /* nothing to receive, nothing to send */
        }
        return;
    }
    publish(b);
}

static void on_open(void *ud);
static void on_text(void *ud, const char *text, size_t len);
static void on_close(void *ud, int code, const char *reason);
static const ws_client_cbs bot_ws_cbs = {on_open, on_text, on_close};

static void on_redirect(lt_bot *b, const char *url) {
    int ok = lt_url_supported(url);
    if (b->joined) {
        /* Our node drains (or gives way): set everything up afresh there.
         * An URL we cannot use sends us back through the entry URLs. */
        bot_notice(b, LT_RC_MOVING, ok ? url : NULL);
        return;
    }
    if (!ok || ++b->redirects > MAX_REDIRECTS) {
        if (b->in_episode)
            bot_notice(b, LT_RC_MOVING, NULL);
        else
            bot_fail(b, LT_FAIL_REFUSED,
                     ok ? "too many redirects" : "redirect to an unsupported url (ws:// only)");
        return;
    }
    /* The cluster placed our room on another node: go there, as the web
     * client does (before joining, so nothing else is to be undone). Freeing
     * the client inside its own on_text is allowed (ws_client.h). */
    ws_client_free(b->ws);
    b->ws = ws_client_new(b->w->ctx, url, WS_MAX_MESSAGE, &bot_ws_cbs, b);
    if (!b->ws) bot_fail(b, LT_FAIL_CONNECT, "bad redirect url");
}

static void on_error(lt_bot *b, json_t *msg) {
    const char *code = json_string_value(json_object_get(msg, "code"));
    const char *req = json_string_value(json_object_get(msg, "request"));
    int join = req && strcmp(req, "join") == 0;
    if (code && strcmp(code, "shutting-down") == 0)
        bot_notice(b, LT_RC_SHUTTING_DOWN, NULL);
    else if (code && join && strcmp(code, "cluster-unavailable") == 0)
        bot_notice(b, LT_RC_CLUSTER_UNAVAILABLE, NULL);
    else if (b->in_episode)
        bot_notice(b, LT_RC_WS_CLOSED, NULL); /* this attempt failed; try again */
    else
        bot_fail(b, join ? LT_FAIL_REFUSED : LT_FAIL_NEGOTIATE, code);
}

/* One message of the Relais protocol, from the node or from the adapter. */
static void on_message(lt_bot *b, json_t *msg) {
    const char *type = json_string_value(json_object_get(msg, "type"));
    if (!type || b->pending) return;
    if (strcmp(type, "joined") == 0) {
        on_joined(b, msg);
    } else if (strcmp(type, "publish-answer") == 0) {
        const char *sdp = json_string_value(json_object_get(msg, "sdp"));
        if (sdp) on_publish_answer(b, sdp);
    } else if (strcmp(type, "subscribe-offer") == 0) {
        const char *sdp = json_string_value(json_object_get(msg, "sdp"));
        if (sdp) on_subscribe_offer(b, sdp, json_object_get(msg, "tracks"));
    } else if (strcmp(type, "pong") == 0) {
        b->ping_wait = 0;
    } else if (strcmp(type, "redirect") == 0) {
        on_redirect(b, json_string_value(json_object_get(msg, "url")));
    } else if (strcmp(type, "error") == 0) {
        on_error(b, msg);
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
    bot_janus_pump(b);
}

static void on_open(void *ud) {
    lt_bot *b = ud;
    b->t_open = clock_now_us();
    b->next_ping = b->t_open + b->w->o->ping_us;
    b->ping_wait = 0;
    bot_send_json(b, json_pack("{s:s,s:s,s:s}", "type", "join", "room", b->room, "name", b->name));
}

static void on_close(void *ud, int code, const char *reason) {
    lt_bot *b = ud;
    if (b->done) return; /* our own close at the end of the run */
    if (b->joined || b->in_episode)
        bot_notice(b, LT_RC_WS_CLOSED, NULL);
    else
        bot_fail(b, LT_FAIL_CONNECT, reason);
}

/* ---- session lifetime ------------------------------------------------------ */

void bot_start_session(lt_bot *b, const char *url) {
    lt_worker *w = b->w;
    const lt_opts *o = w->o;
    b->attempt_at = clock_now_us();
    /* Fresh SSRCs, as a new browser PeerConnection would have: to the room
     * our streams are new streams, never a continuation with a gap. */
    b->rtcp_ssrc = g_random_int();
    if (!b->listener) {
        b->a_ssrc = g_random_int();
        b->v_ssrc = g_random_int();
        if (o->audio && w->al)
            b->asrc = audio_src_new(w->al, b->a_ssrc, PT_OPUS, EXT_AUDIO_LEVEL, EXT_ABS_SEND_TIME);
        if (o->video && w->vl) b->vsrc = video_src_new(w->vl, b->v_ssrc, PT_VP8, EXT_ABS_SEND_TIME);
    }
    if (o->janus) {
        b->ja = janus_adapter_new(0, JANUS_ROOM_PUBLISHERS);
        b->ws = b->ja ? ws_client_new_proto(w->ctx, url, JANUS_SUBPROTOCOL, WS_MAX_MESSAGE,
                                            &bot_ws_cbs, b)
                      : NULL;
    } else {
        b->ws = ws_client_new(w->ctx, url, WS_MAX_MESSAGE, &bot_ws_cbs, b);
    }
    if (b->ws) return;
    if (b->in_episode)
        bot_notice(b, LT_RC_WS_CLOSED, NULL);
    else
        bot_fail(b, LT_FAIL_CONNECT, "bad url");
}

/* Everything of the current session goes; what was received stays counted. */
static void session_teardown(lt_bot *b, uint64_t now) {
    if (b->ws) {
        ws_client_close(b->ws, 1000); /* the node lets our old participant go */
        ws_client_free(b->ws);
        b->ws = NULL;
    }
    janus_adapter_free(b->ja);
    transport_free(b->pub);
    transport_free(b->sub);
    audio_src_free(b->asrc);
    video_src_free(b->vsrc);
    b->ja = NULL, b->pub = b->sub = NULL, b->asrc = NULL, b->vsrc = NULL;
    while (b->n_rx > 0)
        rx_fold(b, b->n_rx - 1, now);
    b->joined = b->alone = b->pub_up = b->sub_up = 0;
    b->n_peers = b->n_peers_seen = 0;
    b->redirects = 0;
    b->next_ping = b->ping_wait = 0;
    b->you[0] = '\0';
}

void bot_reconnect_tick(lt_bot *b, uint64_t now) {
    const lt_opts *o = b->w->o;
    if (b->done || b->fail || b->gave_up) return;
    if (b->pending) {
        b->pending = 0;
        session_teardown(b, now);
        if (b->attempts >= o->max_reconnects) {
            give_up(b, "--max-reconnects used up");
            return;
        }
        if (b->move_url[0]) {
            b->retry_at = now; /* the node told us where: no reason to wait */
        } else {
            b->retry_at = now + lt_backoff_us(b->backoff_step++, &b->rng);
            b->entry = lt_entry_next(b->entry, o->n_urls);
        }
        if (o->end_us && b->retry_at >= o->end_us) {
            give_up(b, "the run ends before the next attempt");
            return;
        }
    }
    if (b->retry_at && now >= b->retry_at) {
        b->retry_at = 0;
        b->attempts++;
        b->w->rc.attempts++;
        int moving = b->move_url[0] != '\0';
        bot_start_session(b, moving ? b->move_url : o->urls[b->entry]);
        b->redirects = moving; /* the move was the first redirect of a new row */
        b->move_url[0] = '\0';
        return;
    }
    if (!b->ja && b->ws && b->next_ping && now >= b->next_ping) { /* as docs/protocol.md asks */
        b->next_ping = now + o->ping_us;
        if (!b->ping_wait) b->ping_wait = now;
        bot_send_json(b, json_pack("{s:s}", "type", "ping"));
    }
    if (b->ping_wait && (b->joined || b->in_episode) && now - b->ping_wait > LT_PONG_TIMEOUT_US)
        bot_notice(b, LT_RC_PING_TIMEOUT, NULL);
    /* An attempt that neither fails nor brings media (ICE stuck, a node that
     * takes the join and goes quiet) would keep the bot off for good. */
    if (b->in_episode && !b->retry_at && b->attempt_at && now - b->attempt_at > JOIN_DEADLINE_US)
        bot_notice(b, LT_RC_WS_CLOSED, NULL);
}

void bot_free(lt_bot *b) {
    b->n_rx = 0; /* the final snapshot has counted them */
    session_teardown(b, clock_now_us());
    free(b->rx_closed);
    free(b->rx);
    free(b);
}
