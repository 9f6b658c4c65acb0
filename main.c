/* relais: one node = media workers + signaling/HTTP server + STUN server.
 *
 * Start-up order matters: configuration is checked completely first (a bad
 * option prints one line and exits 2 before anything binds), then every
 * socket is bound (so a busy port fails start-up, not the first call), then
 * the workers start and the control thread runs the service loop. */
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster/cluster.h"
#include "common/config.h"
#include "common/log.h"
#include "sfu/sfu.h"
#include "signaling/server.h"
#include "stun/stun_server.h"

static sig_server *g_server;
static volatile sig_atomic_t g_signals;

/* First signal: drain; second: stop now (sessions told, Redis keys removed);
 * a third ^C does not wait for anything. */
static void on_signal(int sig) {
    g_signals++;
    if (g_signals > 2 && sig == SIGINT) _exit(130);
    if (g_server) sig_server_signal(g_server);
}

static int stun_urls(const relais_config *cfg, char urls[][96], size_t max) {
    config_endpoint eps[CONFIG_MAX_ADDRS];
    int n = config_stun_endpoints(cfg, eps);
    size_t k = 0;
    for (int i = 0; i < n && k < max; i++) {
        /* Clients must reach the STUN server the way they reach media: on
         * the announced address when there is one. */
        const config_addr *a = cfg->has_announce ? &cfg->announce : &eps[i].addr;
        int dup = 0;
        char url[96];
        snprintf(url, sizeof url, a->family == AF_INET6 ? "stun:[%s]:%u" : "stun:%s:%u", a->host,
                 eps[i].port);
        for (size_t j = 0; j < k; j++)
            dup |= strcmp(urls[j], url) == 0;
        if (!dup) memcpy(urls[k++], url, sizeof url);
    }
    return (int)k;
}

int main(int argc, char **argv) {
    relais_config cfg;
    char err[512];
    if (argc > 1 && strcmp(argv[1], "admin") == 0) return cluster_admin_main(argc - 1, argv + 1);
    config_defaults(&cfg);
    int rc = config_parse_args(&cfg, argc, argv, err, sizeof err);
    if (rc == 1) return 0; /* --help / --version */
    if (rc != 0 || config_validate(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "relais: %s\n", err);
        return 2;
    }
    if (cfg.admin_token[0] && strlen(cfg.admin_token) < 16) {
        fprintf(stderr, "relais: admin-token: at least 16 bytes, please (it guards drain)\n");
        return 2;
    }
    cluster_opts co;
    /* Checked before anything binds; the default public URL gets the real
     * port later when --listen asks for any free one. */
    int listen_any =
        strcmp(cfg.listen.addr.host, "0.0.0.0") == 0 || strcmp(cfg.listen.addr.host, "::") == 0;
    if (cfg.redis[0] && cluster_opts_from_config(&cfg, listen_any ? NULL : "ws://127.0.0.1:1/ws",
                                                 &co, err, sizeof err) != 0) {
        fprintf(stderr, "relais: %s\n", err);
        return 2;
    }
    log_set_level(cfg.log_level);
    signal(SIGPIPE, SIG_IGN);

    /* STUN first: it binds UDP ports that must not collide with media. */
    stun_server *stun = NULL;
    config_endpoint eps[CONFIG_MAX_ADDRS];
    int n_eps = config_stun_endpoints(&cfg, eps);
    if (n_eps > 0) {
        const char *addrs[CONFIG_MAX_ADDRS];
        for (int i = 0; i < n_eps; i++)
            addrs[i] = eps[i].addr.host;
        /* Every endpoint shares the port of the first in the embedded
         * default; listed endpoints with different ports each get one. */
        for (int i = 0; i < n_eps; i++) {
            if (eps[i].port != eps[0].port) {
                fprintf(stderr, "relais: --stun-listen: all STUN endpoints must use one port\n");
                return 2;
            }
        }
        stun_server_opts so = {
            .addrs = addrs,
            .n_addrs = (size_t)n_eps,
            .port = eps[0].port,
            /* stun-rate 0 means unlimited; the server's 0 means its default. */
            .rate_per_sec = cfg.stun_rate ? (uint32_t)cfg.stun_rate : UINT32_MAX / 4,
            .burst = cfg.stun_rate ? (uint32_t)cfg.stun_rate * 2 : UINT32_MAX / 4,
        };
        if (stun_server_start(&stun, &so, err, sizeof err) != 0) {
            fprintf(stderr, "relais: --stun-listen: %s\n", err);
            return 1;
        }
    }

    char urls[CONFIG_MAX_ADDRS][96];
    const char *url_ptrs[CONFIG_MAX_ADDRS];
    int n_urls = stun_urls(&cfg, urls, CONFIG_MAX_ADDRS);
    for (int i = 0; i < n_urls; i++)
        url_ptrs[i] = urls[i];

    sig_server *srv = NULL;
    if (sig_server_new(&srv, &cfg, url_ptrs, (size_t)n_urls, err, sizeof err) != 0) {
        fprintf(stderr, "relais: %s\n", err);
        stun_server_stop(stun);
        return 1;
    }

    const char *media[CONFIG_MAX_ADDRS];
    for (int i = 0; i < cfg.n_media; i++)
        media[i] = cfg.media[i].host;
    sfu_opts so = {
        .workers = config_worker_count(&cfg),
        .media_addrs = media,
        .n_media_addrs = (size_t)cfg.n_media,
        .announce_addr = cfg.has_announce ? cfg.announce.host : NULL,
        .port_min = cfg.rtp_port_lo,
        .port_max = cfg.rtp_port_hi,
        .max_bitrate_kbps = (uint32_t)cfg.max_bitrate,
    };
    sfu *media_plane = NULL;
    if (sfu_new(&media_plane, &so, sig_server_wakeup, srv, err, sizeof err) != 0) {
        fprintf(stderr, "relais: %s\n", err);
        sig_server_free(srv);
        stun_server_stop(stun);
        return 1;
    }
    sig_server_set_sfu(srv, media_plane);
    sig_server_set_stun(srv, stun);

    cluster *cl = NULL;
    if (cfg.redis[0]) {
        char def_url[128] = "";
        const config_addr *la = &cfg.listen.addr;
        if (!listen_any)
            snprintf(def_url, sizeof def_url,
                     la->family == AF_INET6 ? "%s://[%s]:%d/ws" : "%s://%s:%d/ws",
                     cfg.tls_cert[0] ? "wss" : "ws", la->host, sig_server_port(srv));
        if (cluster_opts_from_config(&cfg, def_url[0] ? def_url : NULL, &co, err, sizeof err) !=
            0) {
            fprintf(stderr, "relais: %s\n", err);
            sfu_free(media_plane);
            sig_server_free(srv);
            stun_server_stop(stun);
            return 2;
        }
        co.wakeup = sig_server_wakeup;
        co.wakeup_ud = srv;
        if (cluster_new(&cl, &co, err, sizeof err) != 0) {
            fprintf(stderr, "relais: %s\n", err);
            sfu_free(media_plane);
            sig_server_free(srv);
            stun_server_stop(stun);
            return 1;
        }
        sig_server_set_cluster(srv, cl);
        LOG_I("main", "cluster: node '%s' at %s, Redis %s:%u, capacity %d, TTL %d s", co.node_id,
              co.public_url, co.redis.host, (unsigned)co.redis.port, cfg.capacity, cfg.cluster_ttl);
    }

    g_server = srv;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    char ep[80];
    config_endpoint_str(&cfg.listen, ep, sizeof ep);
    LOG_I("main", "relais %s: %d media worker(s), media on %s%s%s, RTP ports %u-%u, STUN %s",
          RELAIS_VERSION, so.workers, media[0], cfg.has_announce ? " announced as " : "",
          cfg.has_announce ? cfg.announce.host : "", cfg.rtp_port_lo, cfg.rtp_port_hi,
          n_urls ? urls[0] : "off");
    printf("Relais is running: open %s://%s/ in your browser (Ctrl-C stops it)\n",
           cfg.tls_cert[0] ? "https" : "http", ep);
    fflush(stdout);

    sig_server_run(srv);
    LOG_I("main", "stopping");
    g_server = NULL;
    sig_server_free(srv); /* closes sessions: their leaves reach the workers */
    cluster_free(cl);     /* after the sessions: their rooms' claims go with it */
    sfu_free(media_plane);
    stun_server_stop(stun);
    return 0;
}
