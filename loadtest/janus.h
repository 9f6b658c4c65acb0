/* Janus VideoRoom adapter for relais-loadtest: lets the same bots, which speak
 * the Relais protocol (docs/protocol.md), run against Janus 1.1's VideoRoom
 * plugin over its WebSocket API (subprotocol "janus-protocol"), so that both
 * systems are measured with the same media, profile and statistics.
 *
 * Sans-IO: one adapter per bot translates messages both ways and never
 * touches a socket or the clock. Feed it what the bot would send to a Relais
 * node (janus_adapter_from_bot) and what Janus sends
 * (janus_adapter_from_server), then drain the two output queues; give it the
 * time through janus_adapter_handle_timeout for the session keepalive.
 *
 * What it does, Relais message by message:
 *   join             create a session, attach janus.plugin.videoroom (the
 *                    publisher handle), create the room (numeric id from
 *                    janus_room_id; "already exists" is fine), join it as a
 *                    publisher with the display name; Janus's "joined"
 *                    becomes `joined` (you = the Janus participant id).
 *   publish          "configure" with the offer as JSEP (its a=setup:actpass
 *                    rewritten to active: the bots are always the DTLS client
 *                    and Janus would pick client for actpass), then a
 *                    trickle "completed"; the JSEP answer becomes
 *                    `publish-answer`.
 *   subscriptions    one multistream subscriber handle per bot: "join" as
 *                    subscriber with every publisher present, later
 *                    "subscribe" / "unsubscribe" / "update" as publishers
 *                    come and go; each JSEP offer becomes `subscribe-offer`
 *                    (tracks from the event's streams), the bot's
 *                    `subscribe-answer` becomes "start" + trickle
 *                    "completed". One offer in flight at a time: changes
 *                    wait until Janus reports "started".
 *   errors           Janus errors become `error` with a Relais code and the
 *                    Relais request that caused them.
 *   ping, leave      `pong` locally; "destroy" of the session.
 * `candidate` and `mute` are dropped: the bots put every candidate in their
 * SDP. Request `id`s are not echoed.
 *
 * Threading: an adapter belongs to its caller's thread; nothing is shared. */
#ifndef RELAIS_LOADTEST_JANUS_H
#define RELAIS_LOADTEST_JANUS_H

#include <stdint.h>

#include <jansson.h>

#define JANUS_KEEPALIVE_US 25000000ull /* Janus drops sessions idle for 60 s */
#define JANUS_PLUGIN "janus.plugin.videoroom"
#define JANUS_SUBPROTOCOL "janus-protocol"

typedef struct janus_adapter janus_adapter;

/* The numeric Janus room of a Relais room name: room_id_base plus the
 * FNV-1a 64-bit hash of the name folded to 48 bits, kept below 2^53 (safe
 * for JavaScript clients) and never 0. */
uint64_t janus_room_id(uint64_t room_id_base, const char *name);

/* A new adapter; rooms it creates allow max_publishers active publishers.
 * Returns NULL only when out of memory. Nothing is queued until the bot's
 * `join`. */
janus_adapter *janus_adapter_new(uint64_t room_id_base, int max_publishers);
void janus_adapter_free(janus_adapter *a);

/* One message the bot would send to a Relais node. Borrows msg. Invalid
 * input queues an `error` for the bot, as a node would. */
void janus_adapter_from_bot(janus_adapter *a, json_t *msg);

/* One message from Janus (a parsed text frame); now_us is any monotonic
 * clock, the one handle_timeout gets. Borrows msg. Messages that are not for
 * this adapter's session or handles are ignored. */
void janus_adapter_from_server(janus_adapter *a, json_t *msg, uint64_t now_us);

/* The next message to send to Janus / to hand to the bot, or NULL when the
 * queue is empty. The caller owns it (json_decref). */
json_t *janus_adapter_poll_to_server(janus_adapter *a);
json_t *janus_adapter_poll_to_bot(janus_adapter *a);

/* When handle_timeout next has something to do (the session keepalive), or
 * UINT64_MAX when nothing is scheduled (no session yet, or closed). */
uint64_t janus_adapter_next_timeout(const janus_adapter *a);

/* Queues a keepalive when it is due; harmless at any other time. */
void janus_adapter_handle_timeout(janus_adapter *a, uint64_t now_us);

#endif
