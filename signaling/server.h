/* The node's HTTP and WebSocket server (libwebsockets): serves the web
 * client's files, `/health`, `/stats` (JSON), `/metrics` (Prometheus) and the signaling protocol on
 * `/ws` (docs/protocol.md). It runs on the control thread; sig_server_run is that thread's loop.
 * The server owns the sessions and the signaling view of the rooms; it does not own the sfu it
 * sends commands to. */
#ifndef RELAIS_SIGNALING_SERVER_H
#define RELAIS_SIGNALING_SERVER_H

#include <stddef.h>

#include "common/config.h"
#include "sfu/sfu.h"

typedef struct sig_server sig_server;

/* Binds the listening socket. stun_urls go into every `joined` message.
 * Returns 0, or negative with a one-line reason in err. */
int sig_server_new(sig_server **out, const relais_config *cfg, const char *const *stun_urls,
                   size_t n_stun_urls, char *err, size_t errlen);
/* The media plane to command; set before sig_server_run. */
void sig_server_set_sfu(sig_server *s, sfu *media);
/* The STUN server whose counters /metrics shows (not owned; may be NULL). */
struct stun_server;
void sig_server_set_stun(sig_server *s, struct stun_server *stun);
/* The cluster link (not owned; NULL = standalone). Set before sig_server_run. */
struct cluster;
void sig_server_set_cluster(sig_server *s, struct cluster *cl);
/* A SIGTERM/SIGINT arrived: the first drains (no new rooms, the rest moved
 * after --drain-deadline, exit when empty), the second stops at once.
 * Async-signal-safe. */
void sig_server_signal(sig_server *s);
/* sfu's wakeup callback: thread-safe, wakes the service loop to drain events. */
void sig_server_wakeup(void *s);
/* Serves until sig_server_stop; then tells every client the node is
 * stopping and flushes for at most a second. */
int sig_server_run(sig_server *s);
/* Async-signal-safe. */
void sig_server_stop(sig_server *s);
void sig_server_free(sig_server *s);
/* The port actually bound (for --listen with port 0). */
int sig_server_port(const sig_server *s);

#endif
