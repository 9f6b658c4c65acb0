/* GET /metrics: the node's counters in the Prometheus text format (0.0.4).
 * Labels are bounded by construction (direction, reason, result): nothing
 * per room or per participant, which belongs to the admin API. */
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/resource.h>

#include "cluster/cluster.h"
#include "signaling/sig_internal.h"
#include "stun/stun_server.h"

static void put(GString *o, const char *name, const char *type, const char *help) {
    g_string_append_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void val(GString *o, const char *name, const char *labels, uint64_t v) {
    g_string_append_printf(o, "%s%s%s%s %llu\n", name, labels ? "{" : "", labels ? labels : "",
                           labels ? "}" : "", (unsigned long long)v);
}

char *metrics_text(sig_server *srv, size_t *len) {
    sfu_stats st = {0};
    if (srv->media) sfu_get_stats(srv->media, &st);
    GString *o = g_string_sized_new(4096);

    put(o, "relais_build_info", "gauge", "Version of this node.");
    g_string_append_printf(o, "relais_build_info{version=\"%s\"} 1\n", RELAIS_VERSION);
    put(o, "relais_sessions", "gauge", "Open signaling WebSocket connections.");
    val(o, "relais_sessions", NULL, (uint64_t)srv->n_sessions);
    put(o, "relais_rooms", "gauge", "Rooms on this node.");
    val(o, "relais_rooms", NULL, g_hash_table_size(srv->rooms_by_name));
    put(o, "relais_participants", "gauge", "Participants in the media workers.");
    val(o, "relais_participants", NULL, st.participants);
    put(o, "relais_transports", "gauge", "WebRTC transports (two per participant at most).");
    val(o, "relais_transports", NULL, st.transports);

    put(o, "relais_rtp_packets_total", "counter",
        "RTP packets received from publishers and "
        "forwarded to subscribers.");
    val(o, "relais_rtp_packets_total", "direction=\"in\"", st.rtp_in);
    val(o, "relais_rtp_packets_total", "direction=\"out\"", st.rtp_out);
    put(o, "relais_rtp_bytes_total", "counter", "RTP bytes (plain, before SRTP) in and out.");
    val(o, "relais_rtp_bytes_total", "direction=\"in\"", st.rtp_in_bytes);
    val(o, "relais_rtp_bytes_total", "direction=\"out\"", st.rtp_out_bytes);
    put(o, "relais_rtcp_packets_total", "counter", "RTCP packets in and out.");
    val(o, "relais_rtcp_packets_total", "direction=\"in\"", st.rtcp_in);
    val(o, "relais_rtcp_packets_total", "direction=\"out\"", st.rtcp_out);
    put(o, "relais_nacks_total", "counter",
        "NACK packets from subscribers (in) and to "
        "publishers (out).");
    val(o, "relais_nacks_total", "direction=\"in\"", st.nacks_in);
    val(o, "relais_nacks_total", "direction=\"out\"", st.nacks_out);
    put(o, "relais_retransmits_total", "counter", "Packets resent from the node's buffer.");
    val(o, "relais_retransmits_total", NULL, st.retransmits);
    put(o, "relais_retransmits_suppressed_total", "counter",
        "NACKed packets not resent: resent less than a round trip ago, older than 1 s, or over "
        "the subscriber's retransmission budget.");
    val(o, "relais_retransmits_suppressed_total", NULL, st.rtx_suppressed);
    put(o, "relais_plis_total", "counter",
        "Keyframe requests from subscribers (in) and to "
        "publishers (out, merged).");
    val(o, "relais_plis_total", "direction=\"in\"", st.plis_in);
    val(o, "relais_plis_total", "direction=\"out\"", st.plis_out);
    put(o, "relais_dropped_packets_total", "counter", "Packets not forwarded, by reason.");
    val(o, "relais_dropped_packets_total", "reason=\"srtp\"", st.drop_srtp);
    val(o, "relais_dropped_packets_total", "reason=\"malformed\"", st.drop_malformed);
    val(o, "relais_dropped_packets_total", "reason=\"unknown_ssrc\"", st.drop_unknown_ssrc);
    val(o, "relais_dropped_packets_total", "reason=\"not_ready\"", st.drop_not_ready);
    put(o, "relais_transport_failures_total", "counter", "Transports that failed, by layer.");
    val(o, "relais_transport_failures_total", "layer=\"dtls\"", st.dtls_failures);
    val(o, "relais_transport_failures_total", "layer=\"ice\"", st.ice_failures);
    put(o, "relais_signaling_refused_total", "counter",
        "Signaling refused for abuse: messages over a rate limit, WebSockets from a foreign "
        "Origin or over ws-per-ip.");
    val(o, "relais_signaling_refused_total", "reason=\"rate_limited\"", srv->n_rate_limited);
    val(o, "relais_signaling_refused_total", "reason=\"origin\"", srv->n_origin_refused);
    val(o, "relais_signaling_refused_total", "reason=\"ws_per_ip\"", srv->n_ws_per_ip_refused);

    if (srv->stun) {
        stun_server_stats ss;
        stun_server_get_stats(srv->stun, &ss);
        put(o, "relais_stun_requests_total", "counter",
            "Datagrams to the STUN server, by outcome.");
        val(o, "relais_stun_requests_total", "result=\"answered\"", ss.answered);
        val(o, "relais_stun_requests_total", "result=\"malformed\"", ss.malformed);
        val(o, "relais_stun_requests_total", "result=\"rate_limited\"", ss.rate_limited);
        val(o, "relais_stun_requests_total", "result=\"dropped\"", ss.dropped_other);
    }

    if (srv->media) {
        put(o, "relais_worker_cpu_seconds_total", "counter",
            "CPU time of each media worker thread (sampled every second).");
        for (int w = 0; w < sfu_worker_count(srv->media); w++)
            g_string_append_printf(o, "relais_worker_cpu_seconds_total{worker=\"%d\"} %.3f\n", w,
                                   (double)sfu_worker_cpu_ns(srv->media, w) / 1e9);
    }
    put(o, "relais_load", "gauge", "Busy fraction of the media workers over the last second.");
    g_string_append_printf(o, "relais_load %.3f\n", srv->load);
    put(o, "relais_draining", "gauge", "1 while the node drains (takes no new rooms).");
    val(o, "relais_draining", NULL, srv->draining ? 1 : 0);
    if (srv->cl) {
        cluster_status cs;
        cluster_get_status(srv->cl, &cs);
        put(o, "relais_cluster_redis_up", "gauge", "1 if the last Redis command succeeded.");
        val(o, "relais_cluster_redis_up", NULL, cs.redis_up ? 1 : 0);
        put(o, "relais_cluster_redis_errors_total", "counter",
            "Failed Redis connects, commands and scripts.");
        val(o, "relais_cluster_redis_errors_total", NULL, cs.redis_errors);
        put(o, "relais_cluster_redis_connects_total", "counter",
            "Successful (re)connections to Redis.");
        val(o, "relais_cluster_redis_connects_total", NULL, cs.redis_connects);
        put(o, "relais_cluster_placements_total", "counter",
            "Joins for rooms not held here, by where the room went.");
        val(o, "relais_cluster_placements_total", "result=\"local\"", cs.located_local);
        val(o, "relais_cluster_placements_total", "result=\"redirect\"", cs.located_remote);
        val(o, "relais_cluster_placements_total", "result=\"unavailable\"", cs.unavailable);
        put(o, "relais_cluster_rooms_lost_total", "counter",
            "Rooms found claimed by another node after a Redis outage (participants sent there).");
        val(o, "relais_cluster_rooms_lost_total", NULL, cs.rooms_lost);
        put(o, "relais_cluster_nodes", "gauge", "Live nodes in the last view, this one included.");
        val(o, "relais_cluster_nodes", NULL, (uint64_t)cs.live_nodes);
    }

    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        put(o, "relais_process_cpu_seconds_total", "counter",
            "CPU time of the node (all threads).");
        g_string_append_printf(o, "relais_process_cpu_seconds_total %.3f\n",
                               (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                                   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    }
    *len = o->len;
    return g_string_free(o, FALSE);
}
