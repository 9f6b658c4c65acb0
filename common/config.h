/* The node's configuration (docs/config.md): compiled-in defaults, then a
 * config file, then command-line options; the command line wins.
 *
 * One table in config.c defines each option for both the command line
 * (`--name VALUE`, `--name=VALUE`) and the file (`name = VALUE`), with its
 * parser and help text; --help is generated from it. To add an option: a
 * field here, a default in config_defaults(), a parser and a table row.
 *
 * Parsing is pure (text in, struct out) apart from config_load_file() reading
 * its file, config_validate() checking that the TLS files are readable, and
 * config_parse_args() printing --help / --version to stdout.
 * Errors: -1 and one line in the caller's buffer naming where (file:line or
 * --option) and the option. */
#ifndef RELAIS_CONFIG_H
#define RELAIS_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ipnet.h"
#include "common/log.h"

#define CONFIG_MAX_ADDRS 8 /* media-address, stun-listen */
#define CONFIG_MAX_WORKERS 64
#define CONFIG_MAX_PROXIES 16 /* trusted-proxy */
#define CONFIG_MAX_ORIGINS 16 /* allowed-origin */
#define CONFIG_ORIGIN_MAX 256 /* bytes of an origin, NUL included */
#define CONFIG_PATH_MAX 1024  /* bytes of a path option, NUL included */
#define CONFIG_HOST_MAX 46    /* INET6_ADDRSTRLEN */

/* An IP address literal (no host names), kept in canonical text form
 * ("127.0.0.1", "::1": no brackets), with its family. */
typedef struct config_addr {
    int family; /* AF_INET or AF_INET6 */
    char host[CONFIG_HOST_MAX];
} config_addr;

/* An address and a port. Port 0 means "any free port" (tests). */
typedef struct config_endpoint {
    config_addr addr;
    uint16_t port;
} config_endpoint;

typedef enum config_stun_mode {
    CONFIG_STUN_DEFAULT = 0, /* port 3478 on every media address */
    CONFIG_STUN_LISTED,      /* exactly stun_listen[] */
    CONFIG_STUN_OFF,         /* no STUN server */
} config_stun_mode;

#define CONFIG_STUN_DEFAULT_PORT 3478

typedef struct relais_config {
    config_endpoint listen;              /* HTTP + WebSocket */
    config_addr media[CONFIG_MAX_ADDRS]; /* media-address */
    int n_media;                         /* >= 1 */
    config_addr announce;                /* announce-address */
    int has_announce;
    uint16_t rtp_port_lo, rtp_port_hi; /* rtp-ports, inclusive */
    config_stun_mode stun_mode;
    config_endpoint stun_listen[CONFIG_MAX_ADDRS]; /* used when CONFIG_STUN_LISTED */
    int n_stun_listen;
    int workers;                    /* 0 = number of cores */
    char tls_cert[CONFIG_PATH_MAX]; /* "" = no TLS */
    char tls_key[CONFIG_PATH_MAX];
    char web_root[CONFIG_PATH_MAX];
    size_t max_message_bytes;
    int room_size;
    int max_rooms;
    int join_rate; /* joins per minute per IP address; 0 = unlimited */
    /* Peers whose X-Forwarded-For names the client (ipnet.h). */
    ipnet trusted_proxy[CONFIG_MAX_PROXIES];
    int n_trusted_proxy;
    int stun_rate;    /* STUN requests per second per source; 0 = unlimited */
    int ws_per_ip;    /* open WebSockets per client address; 0 = unlimited */
    int message_rate; /* percent of the per-session message limits; 0 = none */
    /* Origins (scheme://host[:port], or "*") whose pages may open /ws
     * besides pages of the node's own host name. */
    char allowed_origin[CONFIG_MAX_ORIGINS][CONFIG_ORIGIN_MAX];
    int n_allowed_origin;
    log_level log_level;
    int max_bitrate; /* kbps, announced to publishers by REMB */
    /* Cluster and operations (docs/cluster.md). The cluster module checks
     * the text options' contents (URL syntax, id characters). */
    char redis[CONFIG_PATH_MAX];       /* "" = standalone */
    char node_id[CONFIG_PATH_MAX];     /* "" = the host name */
    char public_url[CONFIG_PATH_MAX];  /* "" = ws(s)://listen/ws */
    int capacity;                      /* participants this node takes */
    int cluster_ttl;                   /* seconds a heartbeat or room claim lives */
    int cluster_fallback_local;        /* Redis down: place new rooms here */
    int drain_deadline;                /* seconds from drain to moving everyone */
    char admin_token[CONFIG_PATH_MAX]; /* "" = admin API off */
} relais_config;

/* The compiled-in web root: RELAIS_WEB_ROOT where the including file is
 * compiled with it (the `relais` program), else "web-client". */
#ifdef RELAIS_WEB_ROOT
#define CONFIG_WEB_ROOT_DEFAULT RELAIS_WEB_ROOT
#else
#define CONFIG_WEB_ROOT_DEFAULT "web-client"
#endif

/* Fills *c with every default, the web root being `web_root`. */
void config_defaults_web_root(relais_config *c, const char *web_root);

/* Fills *c with every default (web root: CONFIG_WEB_ROOT_DEFAULT as seen by
 * the caller's translation unit). */
static inline void config_defaults(relais_config *c) {
    config_defaults_web_root(c, CONFIG_WEB_ROOT_DEFAULT);
}

/* Applies the `key = value` lines of a config file (`len` bytes, need not be
 * NUL-terminated) on top of *c. `origin` names the text in errors ("relais.conf").
 * Within one text a repeatable option (media-address, stun-listen) adds
 * to a list that replaces the earlier list; other options: the last one wins.
 * Returns 0, or -1 with "origin:LINE: option: problem" in err (*c may then be
 * partly updated). */
int config_parse_text(relais_config *c, const char *text, size_t len, const char *origin, char *err,
                      size_t errlen);

/* Reads `path` (at most 1 MiB) and applies it with config_parse_text(),
 * origin = path. 0 or -1 with err ("PATH: cannot read: REASON" or a parse
 * error). */
int config_load_file(relais_config *c, const char *path, char *err, size_t errlen);

/* Applies the command line (argv[0] is the program name) on top of *c, which
 * the caller has set to defaults. --config FILE is applied first wherever it
 * appears, then the other options in order. Returns 0; 1 when --help or
 * --version was given (printed to stdout; the caller exits 0); -1 with
 * "--option: problem" (or a config file error) in err. */
int config_parse_args(relais_config *c, int argc, char **argv, char *err, size_t errlen);

/* Writes the --help text, generated from the option table; the defaults
 * shown are the values in *defaults. */
void config_usage(FILE *out, const char *prog, const relais_config *defaults);

/* Cross-field checks after all sources are applied: tls-cert and tls-key
 * given together and readable, announce-address with one media-address,
 * no duplicate media addresses, STUN ports outside rtp-ports. 0 or -1 with
 * "option: problem" in err. */
int config_validate(const relais_config *c, char *err, size_t errlen);

/* The STUN server's endpoints: the listed ones, port 3478 on every media
 * address by default, none when off. Returns how many were written to out. */
int config_stun_endpoints(const relais_config *c, config_endpoint out[CONFIG_MAX_ADDRS]);

/* workers, with 0 resolved to the number of online cores (1..64). */
int config_worker_count(const relais_config *c);

/* A duration "90", "90s", "30m", "2h" (whole units, at most 7 days) into
 * seconds. 0 or -1. */
int config_parse_duration(const char *text, int *seconds);

/* "127.0.0.1:8080" or "[::1]:8080" into buf; returns buf. */
const char *config_endpoint_str(const config_endpoint *e, char *buf, size_t len);

#endif
