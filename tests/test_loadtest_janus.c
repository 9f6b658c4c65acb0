/* The Janus VideoRoom adapter (loadtest/janus.c) fed scripted Janus 1.1
 * answers, modelled on the VideoRoom API documentation: the exact requests it
 * sends and the Relais messages it hands to the bot. Plus the WebSocket
 * subprotocol the Janus transport requires (loadtest/ws.c, ws_client.c). */
#include "loadtest/janus.h"
#include "loadtest/ws.h"
#include "loadtest/ws_client.h"
#include "tests/test.h"

#include <stdarg.h>

#define SESSION 8975507287275027ull
#define PUB 3929633697900236ull
#define SUB 1234567890123456ull
#define ME 1994187414405618ull

/* JSON from a printf format; exits on a typo in the test itself. */
static json_t *J(const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_error_t err;
    json_t *j = json_loads(buf, 0, &err);
    if (!j) {
        fprintf(stderr, "bad test JSON (%s): %s\n", err.text, buf);
        exit(1);
    }
    return j;
}

static void srv(janus_adapter *a, uint64_t now, json_t *m) {
    janus_adapter_from_server(a, m, now);
    json_decref(m);
}

static void bot(janus_adapter *a, json_t *m) {
    janus_adapter_from_bot(a, m);
    json_decref(m);
}

/* The next queued message equals `want` (taken). */
static void expect_at(int line, json_t *got, json_t *want) {
    test_checks++;
    if (!got || !json_equal(got, want)) {
        char *g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(stderr, "%s:%d: got  %s\n    want %s\n", __FILE__, line, g ? g : "(nothing)", w);
        exit(1);
    }
    json_decref(got);
    json_decref(want);
}
#define EXPECT_SERVER(a, want) expect_at(__LINE__, janus_adapter_poll_to_server(a), want)
#define EXPECT_BOT(a, want) expect_at(__LINE__, janus_adapter_poll_to_bot(a), want)
#define EXPECT_QUIET(a)                                                                            \
    do {                                                                                           \
        json_t *_s = janus_adapter_poll_to_server(a), *_b = janus_adapter_poll_to_bot(a);          \
        if (_s || _b) {                                                                            \
            char *t = json_dumps(_s ? _s : _b, JSON_COMPACT);                                      \
            fprintf(stderr, "%s:%d: unexpected message to the %s: %s\n", __FILE__, __LINE__,       \
                    _s ? "server" : "bot", t);                                                     \
            exit(1);                                                                               \
        }                                                                                          \
        test_checks++;                                                                             \
    } while (0)

static const char PUB_OFFER[] = "v=0\\r\\na=setup:actpass\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF "
                                "111\\r\\na=setup:actpass\\r\\n";
static const char PUB_OFFER_SENT[] = "v=0\\r\\na=setup:active\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF "
                                     "111\\r\\na=setup:active\\r\\n";

/* join -> session, attach, create (exists), join as publisher. */
static void session_up(janus_adapter *a, uint64_t room) {
    bot(a, J("{\"type\":\"join\",\"room\":\"board\",\"name\":\"bot 1\"}"));
    EXPECT_SERVER(a, J("{\"janus\":\"create\",\"transaction\":\"t1\"}"));
    EXPECT_QUIET(a);
    srv(a, 1000,
        J("{\"janus\":\"success\",\"transaction\":\"t1\",\"data\":{\"id\":%llu}}",
          (unsigned long long)SESSION));
    EXPECT_SERVER(a, J("{\"janus\":\"attach\",\"transaction\":\"t2\",\"session_id\":%llu,"
                       "\"plugin\":\"janus.plugin.videoroom\"}",
                       (unsigned long long)SESSION));
    srv(a, 1000,
        J("{\"janus\":\"success\",\"session_id\":%llu,\"transaction\":\"t2\",\"data\":{\"id\":%llu}"
          "}",
          (unsigned long long)SESSION, (unsigned long long)PUB));
    EXPECT_SERVER(a, J("{\"janus\":\"message\",\"transaction\":\"t3\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"body\":{\"request\":\"create\",\"room\":%llu,"
                       "\"description\":\"board\",\"publishers\":50,\"videocodec\":\"vp8\","
                       "\"audiocodec\":\"opus\",\"record\":false}}",
                       (unsigned long long)SESSION, (unsigned long long)PUB,
                       (unsigned long long)room));
    /* A second bot of the room: Janus says the room exists, which is fine. */
    srv(a, 1000,
        J("{\"janus\":\"success\",\"session_id\":%llu,\"transaction\":\"t3\",\"sender\":%llu,"
          "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\","
          "\"error_code\":427,\"error\":\"Room %llu already exists\"}}}",
          (unsigned long long)SESSION, (unsigned long long)PUB, (unsigned long long)room));
    EXPECT_SERVER(a, J("{\"janus\":\"message\",\"transaction\":\"t4\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"body\":{\"request\":\"join\",\"ptype\":\"publisher\","
                       "\"room\":%llu,\"display\":\"bot 1\"}}",
                       (unsigned long long)SESSION, (unsigned long long)PUB,
                       (unsigned long long)room));
    srv(a, 1000,
        J("{\"janus\":\"ack\",\"session_id\":%llu,\"transaction\":\"t4\"}",
          (unsigned long long)SESSION));
    EXPECT_QUIET(a);
}

static void test_room_id(void) {
    uint64_t r = janus_room_id(0, "board");
    ASSERT(r != 0 && r < (1ull << 53));
    ASSERT_EQ(janus_room_id(0, "board"), r);
    ASSERT(janus_room_id(0, "board2") != r);
    ASSERT_EQ(janus_room_id(1000, "board"), r + 1000);
    ASSERT(janus_room_id(0, "") != 0);
}

/* The whole life of a bot in a room where Anna publishes (microphone and a
 * screen), then Ben arrives, Anna stops publishing and Ben leaves. */
static void test_flow(void) {
    janus_adapter *a = janus_adapter_new(0, 50);
    uint64_t room = janus_room_id(0, "board");
    unsigned long long S = SESSION, P = PUB, Q = SUB;
    session_up(a, room);
    srv(a, 2000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"transaction\":\"t4\",\"sender\":%llu,"
          "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":"
          "{\"videoroom\":\"joined\",\"room\":%llu,\"description\":\"board\",\"id\":%llu,"
          "\"private_id\":4242,\"publishers\":[{\"id\":555,\"display\":\"Anna\",\"streams\":["
          "{\"type\":\"audio\",\"mindex\":0,\"mid\":\"0\",\"codec\":\"opus\"},"
          "{\"type\":\"video\",\"mindex\":1,\"mid\":\"1\",\"codec\":\"vp8\","
          "\"description\":\"screen\"},"
          "{\"type\":\"data\",\"mindex\":2,\"mid\":\"2\"}]}]}}}",
          S, P, (unsigned long long)room, (unsigned long long)ME));
    EXPECT_BOT(a, J("{\"type\":\"joined\",\"protocol\":1,\"room\":\"board\",\"you\":\"%llu\","
                    "\"participants\":[{\"id\":\"555\",\"name\":\"Anna\",\"tracks\":["
                    "{\"source\":\"microphone\",\"muted\":false},"
                    "{\"source\":\"screen\",\"muted\":false}]}]}",
                    (unsigned long long)ME));
    /* Someone publishes: a subscriber handle. */
    EXPECT_SERVER(a, J("{\"janus\":\"attach\",\"transaction\":\"t5\",\"session_id\":%llu,"
                       "\"plugin\":\"janus.plugin.videoroom\"}",
                       S));
    EXPECT_QUIET(a);

    /* The bot publishes: configure with the offer (setup active), trickle done. */
    bot(a, J("{\"type\":\"publish\",\"sdp\":\"%s\",\"tracks\":[{\"mid\":\"0\",\"source\":"
             "\"microphone\"},{\"mid\":\"1\",\"source\":\"camera\"}]}",
             PUB_OFFER));
    EXPECT_SERVER(a, J("{\"janus\":\"message\",\"transaction\":\"t6\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"body\":{\"request\":\"configure\",\"audio\":true,"
                       "\"video\":true,\"descriptions\":[{\"mid\":\"0\",\"description\":"
                       "\"microphone\"},{\"mid\":\"1\",\"description\":\"camera\"}]},"
                       "\"jsep\":{\"type\":\"offer\",\"sdp\":\"%s\"}}",
                       S, P, PUB_OFFER_SENT));
    EXPECT_SERVER(a, J("{\"janus\":\"trickle\",\"transaction\":\"t7\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"candidate\":{\"completed\":true}}",
                       S, P));
    bot(a, J("{\"type\":\"publish\",\"sdp\":\"v=0\",\"tracks\":[]}"));
    EXPECT_BOT(a, J("{\"type\":\"error\",\"code\":\"publish-pending\",\"message\":\"the previous "
                    "publish is not answered\",\"request\":\"publish\",\"fatal\":false}"));

    /* The subscriber handle joins with every publisher. */
    srv(a, 2000,
        J("{\"janus\":\"success\",\"session_id\":%llu,\"transaction\":\"t5\",\"data\":{\"id\":%llu}"
          "}",
          S, Q));
    EXPECT_SERVER(a, J("{\"janus\":\"message\",\"transaction\":\"t8\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"body\":{\"request\":\"join\",\"ptype\":\"subscriber\","
                       "\"room\":%llu,\"private_id\":4242,\"streams\":[{\"feed\":555}]}}",
                       S, Q, (unsigned long long)room));

    /* Janus answers the publish. */
    srv(a, 2000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"transaction\":\"t6\",\"sender\":%llu,"
          "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\","
          "\"room\":%llu,\"configured\":\"ok\",\"audio_codec\":\"opus\",\"video_codec\":\"vp8\","
          "\"streams\":[]}},\"jsep\":{\"type\":\"answer\",\"sdp\":\"v=0 answer\"}}",
          S, P, (unsigned long long)room));
    EXPECT_BOT(a, J("{\"type\":\"publish-answer\",\"sdp\":\"v=0 answer\"}"));

    /* Janus offers the subscription: tracks from the streams. */
    srv(a, 2000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"transaction\":\"t8\",\"sender\":%llu,"
          "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":"
          "\"attached\",\"room\":%llu,\"streams\":["
          "{\"mindex\":0,\"mid\":\"0\",\"type\":\"audio\",\"feed_id\":555,\"feed_mid\":\"0\","
          "\"feed_display\":\"Anna\",\"send\":true,\"ready\":false},"
          "{\"mindex\":1,\"mid\":\"1\",\"type\":\"video\",\"feed_id\":555,\"feed_mid\":\"1\","
          "\"feed_display\":\"Anna\",\"send\":true,\"ready\":false}]}},"
          "\"jsep\":{\"type\":\"offer\",\"sdp\":\"v=0 sub offer\"}}",
          S, Q, (unsigned long long)room));
    EXPECT_BOT(a, J("{\"type\":\"subscribe-offer\",\"sdp\":\"v=0 sub offer\",\"tracks\":["
                    "{\"mid\":\"0\",\"participant\":\"555\",\"source\":\"microphone\","
                    "\"kind\":\"audio\"},"
                    "{\"mid\":\"1\",\"participant\":\"555\",\"source\":\"screen\","
                    "\"kind\":\"video\"}]}"));
    bot(a, J("{\"type\":\"subscribe-answer\",\"sdp\":\"v=0 sub answer\"}"));
    EXPECT_SERVER(a, J("{\"janus\":\"message\",\"transaction\":\"t9\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"body\":{\"request\":\"start\"},"
                       "\"jsep\":{\"type\":\"answer\",\"sdp\":\"v=0 sub answer\"}}",
                       S, Q));
    EXPECT_SERVER(a, J("{\"janus\":\"trickle\",\"transaction\":\"t10\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"candidate\":{\"completed\":true}}",
                       S, Q));

    /* Ben publishes while the answer is still being applied: it waits. */
    srv(a, 3000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"sender\":%llu,\"plugindata\":{\"plugin\":"
          "\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\",\"room\":%llu,"
          "\"publishers\":[{\"id\":888,\"display\":\"Ben\",\"streams\":[{\"type\":\"audio\","
          "\"mindex\":0,\"mid\":\"0\",\"codec\":\"opus\"}]}]}}}",
          S, P, (unsigned long long)room));
    EXPECT_BOT(a, J("{\"type\":\"participant-updated\",\"participant\":{\"id\":\"888\",\"name\":"
                    "\"Ben\",\"tracks\":[{\"source\":\"microphone\",\"muted\":false}]}}"));
    EXPECT_QUIET(a);
    srv(a, 3000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"transaction\":\"t9\",\"sender\":%llu,"
          "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\","
          "\"room\":%llu,\"started\":\"ok\"}}}",
          S, Q, (unsigned long long)room));
    EXPECT_SERVER(a, J("{\"janus\":\"message\",\"transaction\":\"t11\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"body\":{\"request\":\"subscribe\",\"streams\":"
                       "[{\"feed\":888}]}}",
                       S, Q));

    /* Anna stops publishing while that is in flight. */
    srv(a, 3000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"sender\":%llu,\"plugindata\":{\"plugin\":"
          "\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\",\"room\":%llu,"
          "\"unpublished\":555}}}",
          S, P, (unsigned long long)room));
    EXPECT_BOT(a, J("{\"type\":\"participant-updated\",\"participant\":{\"id\":\"555\",\"name\":"
                    "\"Anna\",\"tracks\":[]}}"));
    EXPECT_QUIET(a);
    srv(a, 3000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"transaction\":\"t11\",\"sender\":%llu,"
          "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":"
          "\"updated\",\"room\":%llu,\"streams\":["
          "{\"mindex\":0,\"mid\":\"0\",\"type\":\"audio\",\"active\":false},"
          "{\"mindex\":1,\"mid\":\"1\",\"type\":\"video\",\"active\":false},"
          "{\"mindex\":2,\"mid\":\"2\",\"type\":\"audio\",\"feed_id\":888,\"feed_mid\":\"0\","
          "\"feed_display\":\"Ben\",\"send\":true,\"ready\":false}]}},"
          "\"jsep\":{\"type\":\"offer\",\"sdp\":\"v=0 offer 2\"}}",
          S, Q, (unsigned long long)room));
    EXPECT_BOT(a, J("{\"type\":\"subscribe-offer\",\"sdp\":\"v=0 offer 2\",\"tracks\":["
                    "{\"mid\":\"2\",\"participant\":\"888\",\"source\":\"microphone\","
                    "\"kind\":\"audio\"}]}"));
    bot(a, J("{\"type\":\"subscribe-answer\",\"sdp\":\"v=0 answer 2\"}"));
    EXPECT_SERVER(a, J("{\"janus\":\"message\",\"transaction\":\"t12\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"body\":{\"request\":\"start\"},"
                       "\"jsep\":{\"type\":\"answer\",\"sdp\":\"v=0 answer 2\"}}",
                       S, Q));
    EXPECT_SERVER(a, J("{\"janus\":\"trickle\",\"transaction\":\"t13\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"candidate\":{\"completed\":true}}",
                       S, Q));
    srv(a, 3000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"transaction\":\"t12\",\"sender\":%llu,"
          "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\","
          "\"started\":\"ok\"}}}",
          S, Q));
    /* Anna is still in our subscription: remove her. */
    EXPECT_SERVER(a, J("{\"janus\":\"message\",\"transaction\":\"t14\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"body\":{\"request\":\"unsubscribe\",\"streams\":"
                       "[{\"feed\":555}]}}",
                       S, Q));
    /* Janus had dropped her already: nothing to renegotiate. */
    srv(a, 3000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"transaction\":\"t14\",\"sender\":%llu,"
          "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":"
          "\"updated\",\"room\":%llu}}}",
          S, Q, (unsigned long long)room));
    EXPECT_QUIET(a);

    /* Ben leaves. */
    srv(a, 4000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"sender\":%llu,\"plugindata\":{\"plugin\":"
          "\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\",\"room\":%llu,"
          "\"leaving\":888}}}",
          S, P, (unsigned long long)room));
    EXPECT_BOT(a, J("{\"type\":\"participant-left\",\"participant\":{\"id\":\"888\"}}"));
    EXPECT_SERVER(a, J("{\"janus\":\"message\",\"transaction\":\"t15\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"body\":{\"request\":\"unsubscribe\",\"streams\":"
                       "[{\"feed\":888}]}}",
                       S, Q));
    EXPECT_QUIET(a);

    /* Keepalive every 25 s from the session's creation (t = 1000 us). */
    ASSERT_EQ(janus_adapter_next_timeout(a), 1000 + JANUS_KEEPALIVE_US);
    janus_adapter_handle_timeout(a, 999 + JANUS_KEEPALIVE_US);
    EXPECT_QUIET(a);
    janus_adapter_handle_timeout(a, 1000 + JANUS_KEEPALIVE_US);
    EXPECT_SERVER(a, J("{\"janus\":\"keepalive\",\"transaction\":\"t16\",\"session_id\":%llu}", S));
    ASSERT_EQ(janus_adapter_next_timeout(a), 1000 + 2 * JANUS_KEEPALIVE_US);

    /* ping is answered locally; leave destroys the session. */
    bot(a, J("{\"type\":\"ping\"}"));
    EXPECT_BOT(a, J("{\"type\":\"pong\"}"));
    bot(a, J("{\"type\":\"leave\"}"));
    EXPECT_SERVER(a, J("{\"janus\":\"destroy\",\"transaction\":\"t17\",\"session_id\":%llu}", S));
    ASSERT_EQ(janus_adapter_next_timeout(a), UINT64_MAX);
    EXPECT_QUIET(a);
    janus_adapter_free(a);
}

/* Errors: the bot's own mistakes, then Janus's refusals. */
static void test_errors(void) {
    unsigned long long S = SESSION, P = PUB, Q = SUB;
    uint64_t room = janus_room_id(0, "board");
    janus_adapter *a = janus_adapter_new(0, 50);
    ASSERT_EQ(janus_adapter_next_timeout(a), UINT64_MAX);
    bot(a, J("{\"type\":\"publish\",\"sdp\":\"v=0\",\"tracks\":[]}"));
    EXPECT_BOT(a, J("{\"type\":\"error\",\"code\":\"not-joined\",\"message\":\"join first\","
                    "\"request\":\"publish\",\"fatal\":false}"));
    bot(a, J("{\"type\":\"subscribe-answer\",\"sdp\":\"v=0\"}"));
    EXPECT_BOT(a, J("{\"type\":\"error\",\"code\":\"no-offer-pending\",\"message\":\"no "
                    "subscribe-offer pending\",\"request\":\"subscribe-answer\",\"fatal\":false}"));
    bot(a, J("{\"type\":\"dance\"}"));
    EXPECT_BOT(a, J("{\"type\":\"error\",\"code\":\"unknown-type\",\"message\":\"unknown message "
                    "type\",\"request\":\"dance\",\"fatal\":false}"));
    bot(a, J("{\"type\":\"join\",\"room\":7}"));
    EXPECT_BOT(a, J("{\"type\":\"error\",\"code\":\"bad-message\",\"message\":\"member 'room' and "
                    "'name' must be strings\",\"request\":\"join\",\"fatal\":false}"));
    bot(a, J("{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":\"\"}"));
    EXPECT_QUIET(a);

    /* The room is full: the join is refused. */
    session_up(a, room);
    bot(a, J("{\"type\":\"join\",\"room\":\"board\",\"name\":\"again\"}"));
    EXPECT_BOT(a, J("{\"type\":\"error\",\"code\":\"already-joined\",\"message\":\"already "
                    "joined\",\"request\":\"join\",\"fatal\":false}"));
    srv(a, 2000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"transaction\":\"t4\",\"sender\":%llu,"
          "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\","
          "\"error_code\":432,\"error\":\"Maximum number of publishers (50) reached\"}}}",
          S, P));
    EXPECT_BOT(a, J("{\"type\":\"error\",\"code\":\"room-full\",\"message\":\"janus 432: Maximum "
                    "number of publishers (50) reached\",\"request\":\"join\",\"fatal\":false}"));
    EXPECT_QUIET(a);
    janus_adapter_free(a);

    /* Joined alone; a bad offer is refused by the core; a feed that is gone
     * by the time we subscribe is skipped silently; a hangup is reported. */
    a = janus_adapter_new(0, 50);
    session_up(a, room);
    srv(a, 2000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"transaction\":\"t4\",\"sender\":%llu,"
          "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":"
          "\"joined\",\"room\":%llu,\"id\":%llu,\"private_id\":7,\"publishers\":[]}}}",
          S, P, (unsigned long long)room, (unsigned long long)ME));
    EXPECT_BOT(a, J("{\"type\":\"joined\",\"protocol\":1,\"room\":\"board\",\"you\":\"%llu\","
                    "\"participants\":[]}",
                    (unsigned long long)ME));
    EXPECT_QUIET(a);
    bot(a, J("{\"type\":\"publish\",\"sdp\":\"garbage\",\"tracks\":[]}"));
    json_decref(janus_adapter_poll_to_server(a)); /* t5 configure */
    json_decref(janus_adapter_poll_to_server(a)); /* t6 trickle */
    srv(a, 2000,
        J("{\"janus\":\"error\",\"session_id\":%llu,\"transaction\":\"t5\",\"error\":{\"code\":465,"
          "\"reason\":\"Invalid SDP (doesn't start with v=)\"}}",
          S));
    EXPECT_BOT(a, J("{\"type\":\"error\",\"code\":\"bad-sdp\",\"message\":\"janus 465: Invalid SDP "
                    "(doesn't start with v=)\",\"request\":\"publish\",\"fatal\":false}"));
    /* Another session's traffic is not ours. */
    srv(a, 2000,
        J("{\"janus\":\"event\",\"session_id\":99,\"sender\":%llu,\"plugindata\":{\"plugin\":"
          "\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\",\"leaving\":5}}}",
          P));
    EXPECT_QUIET(a);

    srv(a, 3000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"sender\":%llu,\"plugindata\":{\"plugin\":"
          "\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\",\"room\":%llu,"
          "\"publishers\":[{\"id\":901,\"display\":\"X\",\"streams\":[{\"type\":\"video\","
          "\"mindex\":0,\"mid\":\"v\"}]}]}}}",
          S, P, (unsigned long long)room));
    EXPECT_BOT(a, J("{\"type\":\"participant-updated\",\"participant\":{\"id\":\"901\",\"name\":"
                    "\"X\",\"tracks\":[{\"source\":\"camera\",\"muted\":false}]}}"));
    EXPECT_SERVER(a, J("{\"janus\":\"attach\",\"transaction\":\"t7\",\"session_id\":%llu,"
                       "\"plugin\":\"janus.plugin.videoroom\"}",
                       S));
    srv(a, 3000,
        J("{\"janus\":\"success\",\"session_id\":%llu,\"transaction\":\"t7\",\"data\":{\"id\":%llu}"
          "}",
          S, Q));
    EXPECT_SERVER(a, J("{\"janus\":\"message\",\"transaction\":\"t8\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"body\":{\"request\":\"join\",\"ptype\":\"subscriber\","
                       "\"room\":%llu,\"private_id\":7,\"streams\":[{\"feed\":901}]}}",
                       S, Q, (unsigned long long)room));
    srv(a, 3000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"transaction\":\"t8\",\"sender\":%llu,"
          "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\","
          "\"error_code\":428,\"error\":\"No such feed (901)\"}}}",
          S, Q));
    EXPECT_QUIET(a);
    /* The next publisher gets a fresh subscriber join on the same handle. */
    srv(a, 3000,
        J("{\"janus\":\"event\",\"session_id\":%llu,\"sender\":%llu,\"plugindata\":{\"plugin\":"
          "\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\",\"room\":%llu,"
          "\"publishers\":[{\"id\":902,\"display\":\"Y\",\"streams\":[{\"type\":\"audio\","
          "\"mindex\":0,\"mid\":\"a\"}]}]}}}",
          S, P, (unsigned long long)room));
    json_decref(janus_adapter_poll_to_bot(a)); /* participant-updated */
    EXPECT_SERVER(a, J("{\"janus\":\"message\",\"transaction\":\"t9\",\"session_id\":%llu,"
                       "\"handle_id\":%llu,\"body\":{\"request\":\"join\",\"ptype\":\"subscriber\","
                       "\"room\":%llu,\"private_id\":7,\"streams\":[{\"feed\":902}]}}",
                       S, Q, (unsigned long long)room));
    srv(a, 4000,
        J("{\"janus\":\"hangup\",\"session_id\":%llu,\"sender\":%llu,\"reason\":\"ICE failed\"}", S,
          P));
    EXPECT_BOT(a, J("{\"type\":\"error\",\"code\":\"ice-failed\",\"message\":\"janus hung up the "
                    "publish connection: ICE failed\",\"request\":null,\"fatal\":false}"));
    srv(a, 5000, J("{\"janus\":\"timeout\",\"session_id\":%llu}", S));
    EXPECT_BOT(a, J("{\"type\":\"error\",\"code\":\"internal\",\"message\":\"janus session timed "
                    "out\",\"request\":null,\"fatal\":true}"));
    ASSERT_EQ(janus_adapter_next_timeout(a), UINT64_MAX);
    EXPECT_QUIET(a);
    janus_adapter_free(a);
}

/* ---- the WebSocket subprotocol ------------------------------------------------- */

static const char RFC_KEY[] = "dGhlIHNhbXBsZSBub25jZQ==";

static int parse_proto(const char *proto_line, const char *asked) {
    char resp[512];
    snprintf(resp, sizeof resp,
             "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n%s\r\n",
             proto_line);
    size_t used = 0;
    int r = ws_handshake_response_parse_proto(resp, strlen(resp), RFC_KEY, asked, &used);
    if (r == 1) ASSERT_EQ(used, strlen(resp));
    return r;
}

static void test_subprotocol(void) {
    static const uint8_t nonce[16] = "the sample nonce";
    char out[512], key[WS_KEY_B64_LEN + 1];
    int n = ws_handshake_request_proto(out, sizeof out, "127.0.0.1:8188", "/", "janus-protocol",
                                       nonce, key);
    ASSERT(n > 0);
    ASSERT_STR_EQ(out, "GET / HTTP/1.1\r\nHost: 127.0.0.1:8188\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: janus-protocol\r\n"
                       "\r\n");
    ASSERT_EQ(n, (int)strlen(out));
    char plain[512];
    ASSERT_EQ(ws_handshake_request_proto(plain, sizeof plain, "h", "/", NULL, nonce, key),
              ws_handshake_request(out, sizeof out, "h", "/", nonce, key));
    ASSERT_STR_EQ(plain, out);
    ASSERT(!strstr(plain, "Protocol"));
    ASSERT_EQ(ws_handshake_request_proto(out, sizeof out, "h", "/", "a b", nonce, key), WS_ERR_ARG);
    ASSERT_EQ(ws_handshake_request_proto(out, sizeof out, "h", "/", "a,b", nonce, key), WS_ERR_ARG);
    ASSERT_EQ(ws_handshake_request_proto(out, sizeof out, "h", "/", "", nonce, key), WS_ERR_ARG);
    ASSERT_EQ(ws_handshake_request_proto(out, sizeof out, "h", "/", "x\r\nY: z", nonce, key),
              WS_ERR_ARG);

    ASSERT_EQ(parse_proto("Sec-WebSocket-Protocol: janus-protocol\r\n", "janus-protocol"), 1);
    ASSERT_EQ(parse_proto("", "janus-protocol"), 1); /* the server may choose none */
    ASSERT_EQ(parse_proto("Sec-WebSocket-Protocol: other\r\n", "janus-protocol"),
              WS_ERR_UNREQUESTED);
    ASSERT_EQ(parse_proto("Sec-WebSocket-Protocol: Janus-Protocol\r\n", "janus-protocol"),
              WS_ERR_UNREQUESTED);
    ASSERT_EQ(parse_proto("Sec-WebSocket-Protocol: janus-protocol\r\n", NULL), WS_ERR_UNREQUESTED);
    ASSERT_EQ(parse_proto("Sec-WebSocket-Extensions: x\r\n", "janus-protocol"), WS_ERR_UNREQUESTED);

    GMainContext *ctx = g_main_context_new();
    ws_client_cbs cbs = {0};
    ASSERT(ws_client_new_proto(ctx, "ws://127.0.0.1:1/", "bad proto", 1024, &cbs, NULL) == NULL);
    ASSERT(ws_client_new_proto(ctx, "ws://127.0.0.1:1/", "", 1024, &cbs, NULL) == NULL);
    ws_client *c =
        ws_client_new_proto(ctx, "ws://127.0.0.1:1/", JANUS_SUBPROTOCOL, 1024, &cbs, NULL);
    ASSERT(c != NULL);
    ws_client_free(c);
    while (g_main_context_iteration(ctx, FALSE))
        ;
    g_main_context_unref(ctx);
}

int main(void) {
    RUN_TEST(test_room_id);
    RUN_TEST(test_flow);
    RUN_TEST(test_errors);
    RUN_TEST(test_subprotocol);
    TEST_DONE();
}
