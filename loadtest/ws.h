/* WebSocket (RFC 6455) client codec for relais-loadtest: the opening
 * handshake and the framing, with no sockets, threads or clock. The IO
 * lives in ws_client.c.
 *
 * Client side only: frames we encode are always masked, frames we decode
 * must be unmasked. Plain ws:// only: TLS (wss://) is out of scope, as are
 * extensions (permessage-deflate), which we never request. A subprotocol is
 * requested only through the *_proto variants (Janus wants "janus-protocol").
 *
 * Errors are negative WS_ERR_* codes; ws_strerror() names them. Nothing here
 * trusts a length from the network. */
#ifndef RELAIS_WS_H
#define RELAIS_WS_H

#include <stddef.h>
#include <stdint.h>

enum {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA,
};

/* Close codes we use (RFC 6455 section 7.4.1). */
enum {
    WS_CLOSE_NORMAL = 1000,
    WS_CLOSE_GOING_AWAY = 1001,
    WS_CLOSE_PROTOCOL = 1002,
    WS_CLOSE_NO_STATUS = 1005, /* never on the wire: a close frame without a code */
    WS_CLOSE_ABNORMAL = 1006,  /* never on the wire: the connection dropped */
    WS_CLOSE_BAD_DATA = 1007,  /* text that is not UTF-8 */
    WS_CLOSE_TOO_BIG = 1009,
};

enum {
    WS_ERR_ARG = -1,            /* bad argument (url part with CR/LF, bad opcode...) */
    WS_ERR_SPACE = -2,          /* output buffer too small */
    WS_ERR_HTTP = -3,           /* malformed HTTP response */
    WS_ERR_HEADER_SIZE = -4,    /* response header over WS_HANDSHAKE_MAX bytes */
    WS_ERR_STATUS = -5,         /* status is not 101 */
    WS_ERR_UPGRADE = -6,        /* Upgrade is not "websocket" */
    WS_ERR_CONNECTION = -7,     /* Connection lacks the "upgrade" token */
    WS_ERR_ACCEPT = -8,         /* Sec-WebSocket-Accept missing or wrong */
    WS_ERR_UNREQUESTED = -9,    /* an extension or subprotocol we did not ask for */
    WS_ERR_MASKED = -10,        /* server frame with the mask bit */
    WS_ERR_RSV = -11,           /* reserved bits set */
    WS_ERR_OPCODE = -12,        /* unknown opcode */
    WS_ERR_CONTROL = -13,       /* control frame over 125 bytes or fragmented */
    WS_ERR_CONTINUATION = -14,  /* continuation without a message, or a new message inside one */
    WS_ERR_LENGTH = -15,        /* length not in its shortest form, or 64-bit with the top bit */
    WS_ERR_TOO_BIG = -16,       /* message over max_message */
    WS_ERR_UTF8 = -17,          /* text message or close reason that is not UTF-8 */
    WS_ERR_CLOSE_PAYLOAD = -18, /* close frame of 1 byte or with an invalid code */
    WS_ERR_NOMEM = -19,         /* the message buffer could not grow */
};

/* A static English name for an error code, e.g. "status is not 101". */
const char *ws_strerror(int err);

/* The close code to send when the decoder reports `err`: 1009 for
 * WS_ERR_TOO_BIG and WS_ERR_NOMEM, 1007 for WS_ERR_UTF8, else 1002. */
int ws_error_close_code(int err);

/* ---- opening handshake ---------------------------------------------------- */

#define WS_KEY_B64_LEN 24     /* base64 of 16 bytes, without the NUL */
#define WS_HANDSHAKE_MAX 8192 /* largest response header we accept, CRLFCRLF included */

/* Writes the HTTP/1.1 Upgrade request for `path` (starting with '/') on
 * `host_port` ("127.0.0.1:8080", as sent in Host) into out, NUL-terminated.
 * key16 are 16 random bytes; their base64 goes to key_b64_out (25 bytes,
 * NUL-terminated) for ws_handshake_response_parse. Returns the request length
 * (without the NUL), WS_ERR_ARG if host_port or path is empty or holds a
 * space or control byte, WS_ERR_SPACE if cap is too small. */
int ws_handshake_request(char *out, size_t cap, const char *host_port, const char *path,
                         const uint8_t key16[16], char *key_b64_out);

/* The same, asking for `subprotocol` in Sec-WebSocket-Protocol (one token of
 * printable ASCII without spaces or commas; NULL = none, which is exactly
 * ws_handshake_request). WS_ERR_ARG for a subprotocol that is not a token. */
int ws_handshake_request_proto(char *out, size_t cap, const char *host_port, const char *path,
                               const char *subprotocol, const uint8_t key16[16], char *key_b64_out);

/* Parses the server's answer, buf[0..len) being everything received so far.
 * Returns 1 when the header is complete and accepts the upgrade: *consumed is
 * the header length, and bytes after it are already WebSocket frames.
 * Returns 0 when the header is incomplete (read more), or a negative WS_ERR_*
 * (WS_ERR_HEADER_SIZE once WS_HANDSHAKE_MAX bytes hold no complete header). */
int ws_handshake_response_parse(const char *buf, size_t len, const char *key_b64, size_t *consumed);

/* The same for a request made with `subprotocol` (NULL = none, which is
 * exactly ws_handshake_response_parse): the server may answer with that
 * subprotocol or with none; any other value is WS_ERR_UNREQUESTED. */
int ws_handshake_response_parse_proto(const char *buf, size_t len, const char *key_b64,
                                      const char *subprotocol, size_t *consumed);

/* The Sec-WebSocket-Accept value for a key: base64(SHA-1(key + GUID)), 28
 * characters plus NUL into out[29]. */
void ws_accept_value(const char *key_b64, char out[29]);

/* ---- frames ---------------------------------------------------------------- */

/* Bytes a client frame with a payload of len bytes takes on the wire. */
size_t ws_frame_size(size_t len);

/* Encodes one client frame: FIN set, masked with `mask`. Returns the bytes
 * written (ws_frame_size(len)), WS_ERR_ARG for an unknown opcode,
 * WS_OP_CONT or a control frame over 125 bytes, WS_ERR_SPACE if cap is too
 * small. payload may be NULL when len is 0; it must not overlap out. */
int ws_frame_encode(uint8_t *out, size_t cap, int opcode, const uint8_t *payload, size_t len,
                    const uint8_t mask[4]);

/* Encodes a close frame with `code` (no payload for WS_CLOSE_NO_STATUS) and
 * an optional reason (truncated to fit 125 bytes). Same returns. */
int ws_close_encode(uint8_t *out, size_t cap, int code, const char *reason, const uint8_t mask[4]);

typedef enum ws_event_type {
    WS_EV_NONE = 0, /* all input consumed, need more */
    WS_EV_TEXT,     /* a complete text message (valid UTF-8) */
    WS_EV_BINARY,   /* a complete binary message */
    WS_EV_PING,     /* answer with a pong carrying the same payload */
    WS_EV_PONG,
    WS_EV_CLOSE, /* the server's close; data after it is ignored */
} ws_event_type;

typedef struct ws_event {
    ws_event_type type;
    /* TEXT/BINARY: the message; PING/PONG: the payload; CLOSE: the reason.
     * Points into the decoder, NUL-terminated (data[len] == 0), valid until
     * the next ws_decoder_feed or ws_decoder_free. */
    const uint8_t *data;
    size_t len;
    int close_code; /* CLOSE only: WS_CLOSE_NO_STATUS if the frame had none */
} ws_event;

/* Incremental decoder of server frames. Reassembles fragmented messages into
 * one buffer that it owns, grown on demand up to max_message bytes (its only
 * allocation); control frames use a fixed buffer inside the struct. */
typedef struct ws_decoder {
    size_t max_message;
    int state; /* internal */
    int error; /* sticky: once negative, every feed returns it */
    uint8_t hdr[10];
    size_t hdr_len, hdr_need;
    int opcode, fin;
    uint64_t remaining; /* payload bytes of the current frame still to come */
    int msg_opcode;     /* WS_OP_TEXT/BINARY of the message in progress, 0 if none */
    uint8_t *msg;
    size_t msg_len, msg_cap;
    int msg_delivered; /* msg handed out: reset on the next feed */
    uint8_t ctl[126];
    size_t ctl_len;
} ws_decoder;

void ws_decoder_init(ws_decoder *d, size_t max_message);
void ws_decoder_free(ws_decoder *d);

/* Consumes bytes from in[0..len) until one event completes or the input
 * ends; *consumed says how many. Returns the event type (> 0, described in
 * *ev), WS_EV_NONE when all len bytes were consumed without completing one,
 * or a negative WS_ERR_* protocol error (sticky; close the connection with
 * ws_error_close_code()). Call again with the rest of the input after an
 * event. */
int ws_decoder_feed(ws_decoder *d, const uint8_t *in, size_t len, size_t *consumed, ws_event *ev);

#endif
