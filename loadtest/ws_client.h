/* WebSocket client IO for relais-loadtest bots: the ws.h codec on a GIO
 * socket, driven by one GMainContext.
 *
 * Plain ws:// only: TLS (wss://) is out of scope; ws_client_new refuses such
 * URLs. No extensions; a subprotocol only through ws_client_new_proto.
 *
 * Threading: a client belongs to the thread that runs its GMainContext. Call
 * every function below on that thread (ws_client_new also before the context
 * runs anywhere); callbacks run there too, from the context's dispatch. No
 * thread of ours, no blocking call: the connect is asynchronous (GSocketClient
 * with ctx as thread-default), reads and writes are non-blocking GSocket
 * calls from GSource watches attached to ctx. */
#ifndef RELAIS_WS_CLIENT_H
#define RELAIS_WS_CLIENT_H

#include <stddef.h>

#include <glib.h>

#define WS_CLIENT_TIMEOUT_MS 10000     /* TCP connect + opening handshake */
#define WS_CLIENT_SENDQ_MAX (4u << 20) /* bytes of frames waiting to be written */

typedef struct ws_client ws_client;

typedef struct ws_client_cbs {
    /* The handshake succeeded: ws_client_send_text may be used from now on. */
    void (*on_open)(void *ud);
    /* One complete text message (valid UTF-8). text is NUL-terminated
     * (text[len] == 0) and valid only during the call. */
    void (*on_text)(void *ud, const char *text, size_t len);
    /* The connection is over; called once, and no callback follows it.
     * code is the server's close code (1005 if its close frame had none), or
     * the code we sent on a protocol error (1002, 1007, 1009), or 1006 when
     * there was no closing handshake: connect failures ("connection refused",
     * "handshake failed: status is not 101 (HTTP/1.1 404 Not Found)",
     * "timeout"), resets and EOF. reason is never NULL, valid during the call. */
    void (*on_close)(void *ud, int code, const char *reason);
} ws_client_cbs;

/* Starts connecting to url ("ws://host[:port][/path]", host a name, an IPv4
 * address or a bracketed IPv6 address; port 80 and path "/" by default) on
 * ctx, with WS_CLIENT_TIMEOUT_MS for connect and handshake. Messages from the
 * server larger than max_message bytes close the connection with 1009.
 * Takes a reference on ctx; copies cbs. Every outcome, failures included, is
 * reported through cbs later, never from inside this call. Returns NULL only
 * for an URL it cannot parse (or a wss:// one). */
ws_client *ws_client_new(GMainContext *ctx, const char *url, size_t max_message,
                         const ws_client_cbs *cbs, void *ud);

#define WS_CLIENT_PROTO_MAX 64 /* bytes of a subprotocol name, NUL excluded */

/* ws_client_new, asking the server for `subprotocol` (e.g. "janus-protocol":
 * a token of printable ASCII without spaces or commas, at most
 * WS_CLIENT_PROTO_MAX bytes; NULL = none, which is exactly ws_client_new).
 * The server may accept it or answer without a subprotocol; any other answer
 * fails the handshake ("unrequested extension or subprotocol"). Returns NULL
 * also for a subprotocol that is not such a token. */
ws_client *ws_client_new_proto(GMainContext *ctx, const char *url, const char *subprotocol,
                               size_t max_message, const ws_client_cbs *cbs, void *ud);

/* Queues text[0..len) as one text frame (random mask) and starts writing it;
 * the rest goes out when the socket is writable. The caller vouches that the
 * text is UTF-8. Never calls a callback (a write failure surfaces later as
 * on_close). Returns 0, or -1 if the connection is not open (before on_open,
 * after on_close or ws_client_close) or if the queue would exceed
 * WS_CLIENT_SENDQ_MAX. */
int ws_client_send_text(ws_client *c, const char *text, size_t len);

/* Sends a close frame with code (1000 normal, 1001 going away, ...; 1005 =
 * none) as far as the socket takes it without blocking, closes the socket
 * and cancels a connect in flight. No callback is called after this. Frames
 * still queued behind a full socket are dropped. Idempotent; the client
 * still has to be freed. */
void ws_client_close(ws_client *c, int code);

/* Closes like ws_client_close(c, 1001) if needed and frees the client. Safe
 * anywhere on ctx's thread, including from inside one of c's own callbacks:
 * there the memory is released when the callback returns (text passed to
 * on_text stays valid until then). If a connect is in flight, GIO drops its
 * last references when ctx next dispatches the cancelled operation. NULL is
 * a no-op. */
void ws_client_free(ws_client *c);

#endif
