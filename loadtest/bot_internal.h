/* Inside relais-loadtest's bots: the structures shared by bot.c (worker
 * thread, media and feedback ticks, snapshots) and bot_session.c (one
 * session: WebSocket, signaling, both transports; reconnecting). Not for
 * other users; see bot.h.
 *
 * Session lifetime: a failure noticed inside a callback (WebSocket, transport,
 * message) is only recorded (bot_notice); the session is torn down from the
 * worker's tick (bot_reconnect_tick), never from inside a callback of the
 * transport or socket being freed. */
#ifndef RELAIS_LOADTEST_BOT_INTERNAL_H
#define RELAIS_LOADTEST_BOT_INTERNAL_H

#include <glib.h>
#include <jansson.h>
#include <stdint.h>

#include "loadtest/bot.h"
#include "loadtest/janus.h"
#include "loadtest/reconnect.h"
#include "loadtest/ws_client.h"
#include "sfu/dtls.h"
#include "sfu/rtp_nack.h"
#include "sfu/transport.h"

#define MAX_PEERS 256
#define JOIN_DEADLINE_US 30000000ull
#define PKT_CAP (1500 + TRANSPORT_SRTP_TRAILER)

/* One stream we receive. Entries of streams that ended (gone from the
 * subscribe-offer, or our own session torn down) are folded into the bot's
 * rx_closed totals and removed, so memory stays bounded across reconnects and
 * an SSRC seen again is a new stream. */
typedef struct rx_entry {
    uint32_t ssrc;
    char owner[24];
    int video;
    uint8_t ext_abs; /* abs-send-time id in this m-section, 0 = none */
    int in_offer;    /* listed by the subscribe-offer being answered */
    rx_stream st;
    rtp_nack nack;
    int got_first;
} rx_entry;

typedef struct lt_worker lt_worker;

typedef struct lt_bot {
    lt_worker *w;
    int id, listener;
    char room[72], name[40], you[24];
    ws_client *ws;
    janus_adapter *ja; /* --target janus: translates our messages both ways */
    int pumping;       /* inside janus_pump */
    lt_fail fail;
    int done;
    uint64_t t_open, t_start, next_ping;
    int join_recorded;
    int redirects; /* in a row, without a `joined` */
    transport *pub, *sub;
    int pub_up, sub_up; /* the transport reached CONNECTED in this session */
    audio_src *asrc;
    video_src *vsrc;
    uint32_t a_ssrc, v_ssrc, rtcp_ssrc;
    /* Publishers in the room when we joined: join time is until media from
     * all of them arrived (or, alone, until our own media flows). */
    char peers[MAX_PEERS][24];
    int n_peers, n_peers_seen;
    rx_entry *rx;
    int n_rx, cap_rx;
    rx_totals *rx_closed; /* [0] audio, [1] video; allocated on first use */

    /* Reconnecting (loadtest/reconnect.h). */
    int joined;          /* got `joined` in the current session */
    int entry;           /* index into lt_opts.urls */
    uint64_t ping_wait;  /* when the oldest unanswered ping went out, 0 = none */
    int in_episode;      /* failure noticed, media not flowing again yet */
    int alone;           /* joined this session with no publishing room mate */
    uint64_t ep_start;   /* when the failure was noticed */
    uint64_t attempt_at; /* the current attempt's WebSocket was opened */
    int pending;         /* a failure to handle at the next tick */
    char move_url[512];  /* redirect of a joined bot: where to go at once */
    uint64_t retry_at;   /* next attempt, 0 = none scheduled */
    int backoff_step;    /* attempts in this episode */
    int attempts;        /* attempts over the whole run */
    int gave_up;         /* --max-reconnects used up, or the run is ending */
    uint32_t rng;        /* backoff jitter */
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
    lt_reconnects rc; /* count, reasons, attempts, failover times */
    int stopping;
};

/* bot_session.c */
void bot_fail(lt_bot *b, lt_fail why, const char *detail);
/* A failure of the running session: starts an episode (reason counted) or,
 * inside one, fails the current attempt. move_url: go there at once (a
 * redirect of a joined bot), else NULL. */
void bot_notice(lt_bot *b, lt_rc_reason why, const char *move_url);
/* Opens a session on url: new media sources and SSRCs, WebSocket, join. */
void bot_start_session(lt_bot *b, const char *url);
/* Handles pending failures and due attempts; pings; the attempt deadline. */
void bot_reconnect_tick(lt_bot *b, uint64_t now);
/* Frees the session (WebSocket closed with 1000) and everything of the bot. */
void bot_free(lt_bot *b);
/* Sends one message of the Relais protocol (through the Janus adapter with
 * --target janus). Takes msg. */
void bot_send_json(lt_bot *b, json_t *msg);
void bot_janus_pump(lt_bot *b);

#endif
