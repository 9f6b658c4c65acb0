/* Thin IO around libnice, the DTLS core and SRTP: see transport.h. */
#include "sfu/transport.h"

#include <nice/agent.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/clock.h"
#include "common/log.h"
#include "sfu/dtls.h"
#include "sfu/srtp_ossl.h"

/* DTLS datagrams that arrive before the peer's fingerprint is known (the
 * browser can start its handshake before its answer reached us). */
#define EARLY_DTLS_MAX 4
#define EARLY_DTLS_BYTES 1500

struct transport {
    NiceAgent *agent;
    guint stream_id;
    transport_cbs cbs;
    void *ud;
    struct dtls_ctx *dtls_ctx;
    dtls_conn *dtls;
    /* SRTP on OpenSSL (AES-NI): libsrtp2 as Debian builds it goes through
     * NSS/PKCS#11 and cost ~3x more per packet; both are byte-identical
     * (tests/test_srtp_ossl.c cross-validates them). */
    srtp_ossl *srtp;
    transport_state state;
    char ufrag[64], pwd[128];
    char remote_ufrag[64];
    char cands[TRANSPORT_MAX_CANDIDATES][TRANSPORT_CAND_LEN];
    int n_cands;
    uint8_t early[EARLY_DTLS_MAX][EARLY_DTLS_BYTES];
    size_t early_len[EARLY_DTLS_MAX];
    int n_early;
    int client, ice_ready, dtls_started;
    /* The selected pair's socket and peer: media is sent with sendto()
     * directly, skipping libnice's agent lock and GIO layers per packet. */
    GSocket *sel_sock;
    int sel_fd;
    struct sockaddr_storage sel_peer;
    socklen_t sel_peer_len;
};

static void transport_fail(transport *t, sfu_error err) {
    if (t->state == TRANSPORT_FAILED) return;
    t->state = TRANSPORT_FAILED;
    if (t->cbs.on_state) t->cbs.on_state(t->ud, TRANSPORT_FAILED, err);
}

static void dtls_flush(transport *t) {
    uint8_t out[2048];
    int n;
    while ((n = dtls_conn_poll_output(t->dtls, out, sizeof out)) > 0)
        nice_agent_send(t->agent, t->stream_id, 1, (guint)n, (const gchar *)out);
}

static void dtls_after_feed(transport *t) {
    dtls_flush(t);
    dtls_state st = dtls_conn_state(t->dtls);
    if (st == DTLS_STATE_CONNECTED && t->state == TRANSPORT_NEW) {
        dtls_srtp_keys keys;
        if (dtls_conn_srtp_keys(t->dtls, &keys) != 0 || !(t->srtp = srtp_ossl_new(&keys))) {
            memset(&keys, 0, sizeof keys);
            transport_fail(t, SFU_ERR_DTLS_FAILED);
            return;
        }
        memset(&keys, 0, sizeof keys); /* keys live only inside libsrtp */
        t->state = TRANSPORT_CONNECTED;
        if (t->cbs.on_state) t->cbs.on_state(t->ud, TRANSPORT_CONNECTED, 0);
    } else if (st == DTLS_STATE_FAILED) {
        dtls_error e = dtls_conn_error(t->dtls);
        transport_fail(t, e == DTLS_ERR_FINGERPRINT ? SFU_ERR_FINGERPRINT_MISMATCH
                                                    : SFU_ERR_DTLS_FAILED);
    } else if (st == DTLS_STATE_CLOSED && t->state != TRANSPORT_FAILED) {
        transport_fail(t, SFU_ERR_DTLS_FAILED);
    }
}

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *gbuf,
                    gpointer data) {
    transport *t = data;
    uint8_t *buf = (uint8_t *)gbuf;
    if (len == 0 || t->state == TRANSPORT_FAILED) return;
    uint64_t now = clock_now_us();
    uint8_t b0 = buf[0];
    if (b0 >= 20 && b0 <= 63) { /* DTLS */
        if (!t->dtls) {
            if (t->n_early < EARLY_DTLS_MAX && len <= EARLY_DTLS_BYTES) {
                memcpy(t->early[t->n_early], buf, len);
                t->early_len[t->n_early++] = len;
            }
            return;
        }
        dtls_conn_feed(t->dtls, buf, len, now);
        dtls_after_feed(t);
        return;
    }
    if (b0 < 128 || b0 > 191 || !t->srtp || len < 12) return;
    size_t n = len;
    /* RFC 5761: RTCP packet types 192-223 share the second byte's range. */
    if (buf[1] >= 192 && buf[1] <= 223) {
        if (srtp_ossl_unprotect_rtcp(t->srtp, buf, &n) != 0) goto bad;
        t->cbs.on_rtcp(t->ud, buf, n, now);
    } else {
        if (srtp_ossl_unprotect_rtp(t->srtp, buf, &n) != 0) goto bad;
        t->cbs.on_rtp(t->ud, buf, n, now);
    }
    return;
bad:
    t->cbs.on_srtp_error(t->ud);
}

/* The DTLS client speaks first, once ICE has a pair to send on. */
static void client_start_dtls(transport *t) {
    if (!t->client || !t->dtls || t->dtls_started || !t->ice_ready) return;
    t->dtls_started = 1;
    dtls_conn_start(t->dtls, clock_now_us());
    dtls_after_feed(t);
}

static void on_component_state(NiceAgent *agent, guint stream_id, guint component_id, guint state,
                               gpointer data) {
    transport *t = data;
    if (state == NICE_COMPONENT_STATE_FAILED) {
        transport_fail(t, SFU_ERR_ICE_FAILED);
    } else if (state == NICE_COMPONENT_STATE_CONNECTED || state == NICE_COMPONENT_STATE_READY) {
        t->ice_ready = 1;
        client_start_dtls(t);
    }
}

static void on_selected_pair(NiceAgent *agent, guint stream_id, guint component_id,
                             NiceCandidate *lcand, NiceCandidate *rcand, gpointer data) {
    transport *t = data;
    if (t->sel_sock) g_object_unref(t->sel_sock);
    t->sel_sock = NULL;
    t->sel_fd = -1;
    if (!rcand || rcand->transport != NICE_CANDIDATE_TRANSPORT_UDP) return;
    GSocket *gs = nice_agent_get_selected_socket(agent, stream_id, component_id);
    if (!gs) return; /* TURN/TCP: keep nice_agent_send */
    memset(&t->sel_peer, 0, sizeof t->sel_peer);
    nice_address_copy_to_sockaddr(&rcand->addr, (struct sockaddr *)&t->sel_peer);
    t->sel_peer_len = t->sel_peer.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                        : sizeof(struct sockaddr_in);
    t->sel_sock = gs;
    t->sel_fd = g_socket_get_fd(gs);
}

static int send_datagram(transport *t, const uint8_t *buf, size_t len) {
    if (t->sel_fd >= 0)
        return sendto(t->sel_fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&t->sel_peer,
                      t->sel_peer_len) == (ssize_t)len
                   ? 0
                   : -1;
    return nice_agent_send(t->agent, t->stream_id, 1, (guint)len, (const gchar *)buf) == (gint)len
               ? 0
               : -1;
}

static void format_candidate(const transport_opts *o, NiceCandidate *c, char *out, size_t cap) {
    char addr[INET6_ADDRSTRLEN];
    nice_address_to_string(&c->addr, addr);
    snprintf(out, cap, "candidate:%s %u udp %u %s %u typ host", c->foundation, c->component_id,
             c->priority, o->announce_addr ? o->announce_addr : addr,
             nice_address_get_port(&c->addr));
}

transport *transport_new(const transport_opts *o, const transport_cbs *cbs, void *ud) {
    transport *t = g_new0(transport, 1);
    t->cbs = *cbs;
    t->ud = ud;
    t->dtls_ctx = o->dtls;
    t->client = o->client;
    t->agent =
        nice_agent_new_full(o->ctx, NICE_COMPATIBILITY_RFC5245,
                            o->client ? NICE_AGENT_OPTION_NONE : NICE_AGENT_OPTION_LITE_MODE);
    if (!t->agent) goto fail;
    g_object_set(t->agent, "ice-tcp", FALSE, "ice-udp", TRUE, "controlling-mode",
                 o->client ? TRUE : FALSE, NULL);
    /* Debian's libnice is built with UPnP: it would open an HTTP server and
     * send SSDP discovery for every agent. A bridge announces its addresses
     * from configuration and talks to nobody else. */
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(t->agent), "upnp"))
        g_object_set(t->agent, "upnp", FALSE, NULL);
    for (size_t i = 0; i < o->n_media_addrs; i++) {
        NiceAddress a;
        if (!nice_address_set_from_string(&a, o->media_addrs[i])) continue;
        nice_agent_add_local_address(t->agent, &a);
    }
    t->stream_id = nice_agent_add_stream(t->agent, 1);
    if (!t->stream_id) goto fail;
    nice_agent_set_port_range(t->agent, t->stream_id, 1, o->port_min, o->port_max);
    t->sel_fd = -1;
    g_signal_connect(t->agent, "component-state-changed", G_CALLBACK(on_component_state), t);
    g_signal_connect(t->agent, "new-selected-pair-full", G_CALLBACK(on_selected_pair), t);
    if (!nice_agent_gather_candidates(t->agent, t->stream_id)) goto fail;
    nice_agent_attach_recv(t->agent, t->stream_id, 1, o->ctx, on_recv, t);

    gchar *uf = NULL, *pw = NULL;
    if (!nice_agent_get_local_credentials(t->agent, t->stream_id, &uf, &pw)) goto fail;
    g_strlcpy(t->ufrag, uf, sizeof t->ufrag);
    g_strlcpy(t->pwd, pw, sizeof t->pwd);
    g_free(uf);
    g_free(pw);

    GSList *cands = nice_agent_get_local_candidates(t->agent, t->stream_id, 1);
    for (GSList *l = cands; l; l = l->next) {
        NiceCandidate *c = l->data;
        if (c->transport == NICE_CANDIDATE_TRANSPORT_UDP && t->n_cands < TRANSPORT_MAX_CANDIDATES)
            format_candidate(o, c, t->cands[t->n_cands++], TRANSPORT_CAND_LEN);
    }
    g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
    if (t->n_cands == 0) {
        LOG_RATELIMITED(LOG_ERROR, "ice",
                        "no local candidate: cannot bind any media address "
                        "in the configured port range");
        goto fail;
    }
    return t;
fail:
    transport_free(t);
    return NULL;
}

void transport_free(transport *t) {
    if (!t) return;
    if (t->agent) {
        if (t->stream_id) {
            nice_agent_attach_recv(t->agent, t->stream_id, 1, NULL, NULL, NULL);
            nice_agent_remove_stream(t->agent, t->stream_id);
        }
        g_signal_handlers_disconnect_by_data(t->agent, t);
        g_object_unref(t->agent);
    }
    if (t->sel_sock) g_object_unref(t->sel_sock);
    if (t->dtls) dtls_conn_free(t->dtls);
    if (t->srtp) srtp_ossl_free(t->srtp);
    memset(t->pwd, 0, sizeof t->pwd);
    g_free(t);
}

const char *transport_ice_ufrag(const transport *t) {
    return t->ufrag;
}
const char *transport_ice_pwd(const transport *t) {
    return t->pwd;
}

int transport_local_candidates(const transport *t, char out[][TRANSPORT_CAND_LEN], int max) {
    int n = t->n_cands < max ? t->n_cands : max;
    for (int i = 0; i < n; i++)
        memcpy(out[i], t->cands[i], TRANSPORT_CAND_LEN);
    return n;
}

int transport_set_remote(transport *t, const char *ufrag, const char *pwd, const char *fp) {
    if (t->remote_ufrag[0]) {
        /* Renegotiation keeps the transport; a new ufrag would be an ICE
         * restart, which needs a new DTLS session too: not supported. */
        return strcmp(t->remote_ufrag, ufrag) == 0 ? 0 : -1;
    }
    if (!nice_agent_set_remote_credentials(t->agent, t->stream_id, ufrag, pwd)) return -1;
    g_strlcpy(t->remote_ufrag, ufrag, sizeof t->remote_ufrag);
    t->dtls = dtls_conn_new(t->dtls_ctx, fp);
    if (!t->dtls) return -1;
    client_start_dtls(t);
    uint64_t now = clock_now_us();
    for (int i = 0; i < t->n_early && t->dtls; i++) {
        dtls_conn_feed(t->dtls, t->early[i], t->early_len[i], now);
        dtls_after_feed(t);
    }
    t->n_early = 0;
    return 0;
}

int transport_add_remote_candidate(transport *t, const char *cand) {
    if (!cand || !*cand) return 0; /* end of candidates: nothing to do for a lite agent */
    char line[512];
    if (snprintf(line, sizeof line, "a=%s", cand) >= (int)sizeof line) return -1;
    NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(t->agent, t->stream_id, line);
    if (!c) return -1;
    int rc = -1;
    /* Only UDP, component 1 (rtcp-mux); mDNS names never parse into an address. */
    if (c->transport == NICE_CANDIDATE_TRANSPORT_UDP && c->component_id == 1) {
        GSList l = {.data = c, .next = NULL};
        rc = nice_agent_set_remote_candidates(t->agent, t->stream_id, 1, &l) == 1 ? 0 : -1;
    }
    nice_candidate_free(c);
    return rc;
}

transport_state transport_get_state(const transport *t) {
    return t->state;
}

void transport_forget_ssrc(transport *t, uint32_t ssrc, int outbound) {
    if (t && t->srtp) srtp_ossl_forget(t->srtp, ssrc, outbound);
}

void transport_tick(transport *t, uint64_t now_us) {
    if (!t->dtls || t->state != TRANSPORT_NEW) return;
    uint64_t due = dtls_conn_next_timeout(t->dtls, now_us);
    if (due && due <= now_us) {
        dtls_conn_handle_timeout(t->dtls, now_us);
        dtls_after_feed(t);
    }
}

int transport_send_rtp(transport *t, uint8_t *buf, size_t len, size_t cap) {
    if (t->state != TRANSPORT_CONNECTED) return -1;
    if (srtp_ossl_protect_rtp(t->srtp, buf, &len, cap) != 0) return -1;
    return send_datagram(t, buf, len);
}

int transport_send_rtcp(transport *t, uint8_t *buf, size_t len, size_t cap) {
    if (t->state != TRANSPORT_CONNECTED) return -1;
    if (srtp_ossl_protect_rtcp(t->srtp, buf, &len, cap) != 0) return -1;
    return send_datagram(t, buf, len);
}
