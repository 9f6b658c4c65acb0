#include "loadtest/report.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

void report_init(report *r) {
    memset(r, 0, sizeof(*r));
    histogram_init(&r->join_us);
    rx_totals_init(&r->audio);
    rx_totals_init(&r->video);
    lt_reconnects_init(&r->reconnects);
}

static report_failure *find_failure(report *r, const char *reason) {
    for (int i = 0; i < r->n_failures; i++)
        if (strncmp(r->failures[i].reason, reason, REPORT_REASON_LEN - 1) == 0)
            return &r->failures[i];
    return NULL;
}

void report_add_failures(report *r, const char *reason, uint64_t n) {
    if (n == 0) return;
    if (!reason || !*reason) reason = "other";
    report_failure *f = find_failure(r, reason);
    if (!f && r->n_failures >= REPORT_MAX_FAILURES - 1) {
        /* The last slot is kept for "other". */
        reason = "other";
        f = find_failure(r, reason);
    }
    if (!f) {
        f = &r->failures[r->n_failures++];
        snprintf(f->reason, sizeof f->reason, "%s", reason);
        f->count = 0;
    }
    f->count += n;
    r->bots_failed += n;
}

void report_merge(report *dst, const report *src) {
    if (src->duration_us > dst->duration_us) dst->duration_us = src->duration_us;
    dst->bots_requested += src->bots_requested;
    dst->bots_connected += src->bots_connected;
    for (int i = 0; i < src->n_failures; i++)
        report_add_failures(dst, src->failures[i].reason, src->failures[i].count);
    histogram_merge(&dst->join_us, &src->join_us);
    dst->packets_sent += src->packets_sent;
    dst->bytes_sent += src->bytes_sent;
    rx_totals_merge(&dst->audio, &src->audio);
    rx_totals_merge(&dst->video, &src->video);
    lt_reconnects_merge(&dst->reconnects, &src->reconnects);
}

/* Audio and video together. */
static void received(const report *r, rx_totals *out) {
    rx_totals_init(out);
    rx_totals_merge(out, &r->audio);
    rx_totals_merge(out, &r->video);
}

static double per_s(uint64_t n, uint64_t duration_us) {
    return duration_us ? (double)n * 1e6 / (double)duration_us : 0.0;
}

static double ms(uint64_t us) {
    return (double)us / 1000.0;
}

/* "12.3" (ms, one decimal) or "-" when the histogram is empty. */
static const char *q_ms(char *buf, size_t len, const histogram *h, double q) {
    if (h->count == 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.1f", ms(histogram_quantile(h, q)));
    return buf;
}

/* ---- table -------------------------------------------------------------- */

static void print_rx_row(FILE *f, const char *kind, const rx_totals *t, uint64_t duration_us,
                         int video) {
    char p50[24], p95[24], p99[24], gap[24];
    q_ms(p50, sizeof p50, &t->delay_us, 0.50);
    q_ms(p95, sizeof p95, &t->delay_us, 0.95);
    q_ms(p99, sizeof p99, &t->delay_us, 0.99);
    if (video)
        q_ms(gap, sizeof gap, &t->frame_gap_us, 0.99);
    else
        snprintf(gap, sizeof gap, "-");
    fprintf(
        f,
        "  %-6s %7" PRIu64 " %11" PRIu64 " %9.0f %7.3f %7.3f %6" PRIu64 " %7s %7s %7s %7.2f %9s\n",
        kind, t->streams, t->packets, per_s(t->packets, duration_us), rx_totals_loss_before_pct(t),
        rx_totals_loss_after_pct(t), t->duplicates, p50, p95, p99, rx_totals_jitter_ms(t), gap);
}

/* "  reconnects 0", or the reasons seen, attempts, failover p50/max and the
 * bots left disconnected. */
static void print_reconnects(const lt_reconnects *rc, FILE *f) {
    fprintf(f, "  reconnects %" PRIu64, rc->count);
    if (rc->count == 0 && rc->disconnected == 0) {
        fprintf(f, "\n");
        return;
    }
    const char *sep = " (";
    for (int i = 0; i < LT_RC__COUNT; i++) {
        if (!rc->by_reason[i]) continue;
        fprintf(f, "%s%s %" PRIu64, sep, lt_rc_reason_name((lt_rc_reason)i), rc->by_reason[i]);
        sep = ", ";
    }
    char p50[24], max[24];
    fprintf(f,
            "%s, %" PRIu64 " attempts, failover p50 %s ms, max %s ms, %" PRIu64
            " disconnected at end\n",
            rc->count ? ")" : "", rc->attempts, q_ms(p50, sizeof p50, &rc->failover_us, 0.50),
            q_ms(max, sizeof max, &rc->failover_us, 1.0), rc->disconnected);
}

void report_print_table(const report *r, FILE *f) {
    char p50[24], p99[24], max[24];
    fprintf(f, "relais-loadtest results, %.1f s\n", (double)r->duration_us / 1e6);
    fprintf(f, "  bots       %" PRIu64 " requested, %" PRIu64 " connected, %" PRIu64 " failed\n",
            r->bots_requested, r->bots_connected, r->bots_failed);
    if (r->n_failures > 0) {
        fprintf(f, "  failures  ");
        for (int i = 0; i < r->n_failures; i++)
            fprintf(f, "%s %s %" PRIu64, i ? "," : "", r->failures[i].reason, r->failures[i].count);
        fprintf(f, "\n");
    }
    fprintf(f, "  join time  p50 %s ms, p99 %s ms, max %s ms (%" PRIu64 " bots)\n",
            q_ms(p50, sizeof p50, &r->join_us, 0.50), q_ms(p99, sizeof p99, &r->join_us, 0.99),
            q_ms(max, sizeof max, &r->join_us, 1.0), r->join_us.count);
    fprintf(f, "  sent       %" PRIu64 " packets, %.0f pps, %.0f kbps\n", r->packets_sent,
            per_s(r->packets_sent, r->duration_us),
            per_s(r->bytes_sent, r->duration_us) * 8 / 1000);
    print_reconnects(&r->reconnects, f);
    fprintf(f, "\n");
    /* Group titles centred over their columns (15 and 23 wide). */
    fprintf(f, "  %-6s %7s %11s %9s %15s %6s %23s %7s %9s\n", "", "", "", "", "loss %    ", "",
            "delay ms        ", "jitter", "frame gap");
    fprintf(f, "  %-6s %7s %11s %9s %7s %7s %6s %7s %7s %7s %7s %9s\n", "kind", "streams",
            "packets", "pps", "before", "after", "dup", "p50", "p95", "p99", "ms", "p99 ms");
    rx_totals all;
    received(r, &all);
    print_rx_row(f, "audio", &r->audio, r->duration_us, 0);
    print_rx_row(f, "video", &r->video, r->duration_us, 1);
    print_rx_row(f, "total", &all, r->duration_us, 0);
}

/* ---- JSON --------------------------------------------------------------- */

/* ms with µs precision, as a JSON real. */
static json_t *j_ms(uint64_t us) {
    return json_real(ms(us));
}

static json_t *j_round(double x, double scale) {
    return json_real(round(x * scale) / scale);
}

static json_t *j_hist(const histogram *h) {
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "count", (json_int_t)h->count, "min",
                     j_ms(h->min), "mean", j_round(histogram_mean(h) / 1000.0, 1000.0), "p50",
                     j_ms(histogram_quantile(h, 0.50)), "p95", j_ms(histogram_quantile(h, 0.95)),
                     "p99", j_ms(histogram_quantile(h, 0.99)), "max", j_ms(h->max));
}

static json_t *j_rx(const rx_totals *t, uint64_t duration_us) {
    json_t *o = json_pack(
        "{s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:o}",
        "streams", (json_int_t)t->streams, "packets", (json_int_t)t->packets, "bytes",
        (json_int_t)t->bytes, "pps", j_round(per_s(t->packets, duration_us), 10.0), "kbps",
        j_round(per_s(t->bytes, duration_us) * 8 / 1000, 10.0), "expected", (json_int_t)t->expected,
        "lost_before", (json_int_t)t->lost_before, "lost_after", (json_int_t)t->lost_after,
        "recovered", (json_int_t)t->recovered, "loss_before_pct",
        j_round(rx_totals_loss_before_pct(t), 1e4), "loss_after_pct",
        j_round(rx_totals_loss_after_pct(t), 1e4), "duplicates", (json_int_t)t->duplicates, "late",
        (json_int_t)t->late, "restarts", (json_int_t)t->restarts, "clock_trouble",
        (json_int_t)t->clock_trouble, "jitter_ms", j_round(rx_totals_jitter_ms(t), 1000.0));
    if (!o) return NULL;
    if (json_object_set_new(o, "delay_ms", j_hist(&t->delay_us)) != 0 ||
        json_object_set_new(o, "frames", json_integer((json_int_t)t->frames)) != 0 ||
        json_object_set_new(o, "streams_with_media", json_integer((json_int_t)t->jitter_streams)) !=
            0 ||
        json_object_set_new(o, "frame_gap_ms", j_hist(&t->frame_gap_us)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *j_reconnects(const lt_reconnects *rc) {
    json_t *reasons = json_object();
    for (int i = 0; reasons && i < LT_RC__COUNT; i++)
        json_object_set_new(reasons, lt_rc_reason_name((lt_rc_reason)i),
                            json_integer((json_int_t)rc->by_reason[i]));
    return json_pack("{s:I, s:I, s:o, s:o, s:I}", "count", (json_int_t)rc->count, "attempts",
                     (json_int_t)rc->attempts, "by_reason", reasons, "failover_ms",
                     j_hist(&rc->failover_us), "disconnected", (json_int_t)rc->disconnected);
}

char *report_to_json(const report *r) {
    json_t *failures = json_object();
    for (int i = 0; failures && i < r->n_failures; i++)
        json_object_set_new(failures, r->failures[i].reason,
                            json_integer((json_int_t)r->failures[i].count));
    rx_totals all;
    received(r, &all);
    json_t *root = json_pack(
        "{s:i, s:o, s:{s:I, s:I, s:I, s:o}, s:o, s:{s:I, s:I, s:o, s:o}, s:o, s:o, s:o}", "version",
        1, "duration_s", j_round((double)r->duration_us / 1e6, 1000.0), "bots", "requested",
        (json_int_t)r->bots_requested, "connected", (json_int_t)r->bots_connected, "failed",
        (json_int_t)r->bots_failed, "failures", failures, "join_ms", j_hist(&r->join_us), "sent",
        "packets", (json_int_t)r->packets_sent, "bytes", (json_int_t)r->bytes_sent, "pps",
        j_round(per_s(r->packets_sent, r->duration_us), 10.0), "kbps",
        j_round(per_s(r->bytes_sent, r->duration_us) * 8 / 1000, 10.0), "received",
        j_rx(&all, r->duration_us), "audio", j_rx(&r->audio, r->duration_us), "video",
        j_rx(&r->video, r->duration_us));
    if (root && json_object_set_new(root, "reconnects", j_reconnects(&r->reconnects)) != 0) {
        json_decref(root);
        root = NULL;
    }
    if (!root) return NULL;
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    json_decref(root);
    return s;
}

/* ---- verdict and progress ----------------------------------------------- */

int report_check(const report *r, double max_loss_pct, double max_delay_p99_ms, int min_bots,
                 char *why, size_t whylen) {
    char tmp[1];
    if (!why || whylen == 0) {
        why = tmp;
        whylen = sizeof tmp;
    }
    rx_totals all;
    received(r, &all);
    if (min_bots >= 0 && r->bots_connected < (uint64_t)min_bots) {
        snprintf(why, whylen, "%" PRIu64 " bots connected, fewer than --min-bots %d",
                 r->bots_connected, min_bots);
        return 1;
    }
    if (max_loss_pct >= 0) {
        if (all.expected == 0) {
            snprintf(why, whylen, "no media received, cannot check --max-loss %g", max_loss_pct);
            return 1;
        }
        double loss = rx_totals_loss_after_pct(&all);
        if (loss > max_loss_pct) {
            snprintf(why, whylen, "loss after recovery %.3f%% above --max-loss %g%%", loss,
                     max_loss_pct);
            return 1;
        }
    }
    if (max_delay_p99_ms >= 0) {
        if (all.delay_us.count == 0) {
            snprintf(why, whylen, "no delay measured, cannot check --max-delay-p99 %g",
                     max_delay_p99_ms);
            return 1;
        }
        double p99 = ms(histogram_quantile(&all.delay_us, 0.99));
        if (p99 > max_delay_p99_ms) {
            snprintf(why, whylen, "delay p99 %.1f ms above --max-delay-p99 %g ms", p99,
                     max_delay_p99_ms);
            return 1;
        }
    }
    snprintf(why, whylen, "all thresholds met");
    return 0;
}

int report_check_rejoin(const report *r, double within_s, char *why, size_t whylen) {
    char tmp[1];
    if (!why || whylen == 0) {
        why = tmp;
        whylen = sizeof tmp;
    }
    const lt_reconnects *rc = &r->reconnects;
    if (rc->disconnected > 0) {
        snprintf(why, whylen, "%" PRIu64 " bots disconnected at the end (--min-rejoined-within %g)",
                 rc->disconnected, within_s);
        return 1;
    }
    double slowest = (double)rc->failover_us.max / 1e6;
    if (rc->failover_us.count > 0 && slowest > within_s) {
        snprintf(why, whylen, "slowest failover %.3f s above --min-rejoined-within %g s", slowest,
                 within_s);
        return 1;
    }
    snprintf(why, whylen, "%" PRIu64 " reconnects, all rejoined within %g s", rc->count, within_s);
    return 0;
}

int report_progress_line(const report *cur, const report *prev, char *buf, size_t len) {
    rx_totals now;
    received(cur, &now);
    uint64_t sent = cur->packets_sent, interval = cur->duration_us;
    if (prev) {
        rx_totals before;
        received(prev, &before);
        rx_totals_subtract(&now, &before);
        sent = sent > prev->packets_sent ? sent - prev->packets_sent : 0;
        interval = interval > prev->duration_us ? interval - prev->duration_us : 0;
    }
    char p99[24];
    return snprintf(buf, len,
                    "[%6.1fs] bots %" PRIu64 "/%" PRIu64 " connected, %" PRIu64 " failed, %" PRIu64
                    " reconnecting | sent %.0f pps | recv %.0f pps | loss %.2f%% (after %.2f%%) | "
                    "delay p99 %s ms",
                    (double)cur->duration_us / 1e6, cur->bots_connected, cur->bots_requested,
                    cur->bots_failed, cur->reconnects.reconnecting, per_s(sent, interval),
                    per_s(now.packets, interval), rx_totals_loss_before_pct(&now),
                    rx_totals_loss_after_pct(&now), q_ms(p99, sizeof p99, &now.delay_us, 0.99));
}
