/* The results of one relais-loadtest run: what the bots achieved and what
 * they received, as a human table, a JSON document, a pass/fail verdict
 * against thresholds, and a one-line live progress status.
 *
 * A report is a plain struct (about 30 KB, no pointers) built by the main
 * thread from the workers' snapshots; nothing here reads a clock, and only
 * report_to_json allocates. Times in the report are µs; what is printed is
 * ms (or s for the duration).
 *
 * JSON (report_to_json), key names are stable; times in ms, rates per
 * second over the whole run:
 *   {
 *     "version": 1,
 *     "duration_s": 60.0,
 *     "bots": { "requested": 100, "connected": 98, "failed": 2,
 *               "failures": { "<reason>": <count>, ... } },
 *     "join_ms": <hist>,      WebSocket open -> media from every publisher
 *     "sent": { "packets": n, "bytes": n, "pps": x, "kbps": x },
 *     "received": <rx>,       audio and video together
 *     "audio": <rx>,
 *     "video": <rx>,
 *     "reconnects": { "count": n, "attempts": n,
 *                     "by_reason": { "ws-closed": n, "shutting-down": n,
 *                                    "transport-failed": n, "moving": n,
 *                                    "cluster-unavailable": n, "ping-timeout": n },
 *                     "failover_ms": <hist>,   failure noticed -> media again
 *                     "disconnected": n }      bots not rejoined at the end
 *   }
 *   <hist> = { "count", "min", "mean", "p50", "p95", "p99", "max" }
 *   <rx>   = { "streams" (offered), "streams_with_media" (>= 1 packet), "packets", "bytes", "pps",
 * "kbps", "expected", "lost_before", "lost_after", "recovered", "loss_before_pct",
 * "loss_after_pct", "duplicates", "late", "restarts", "clock_trouble", "jitter_ms", "delay_ms":
 * <hist>, "frames", "frame_gap_ms": <hist> } (see loadtest/rx_stats.h for what each count means).
 */
#ifndef RELAIS_REPORT_H
#define RELAIS_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "loadtest/histogram.h"
#include "loadtest/reconnect.h"
#include "loadtest/rx_stats.h"

#define REPORT_MAX_FAILURES 16 /* distinct reasons; more are counted as "other" */
#define REPORT_REASON_LEN 32   /* longer reasons are cut */

typedef struct report_failure {
    char reason[REPORT_REASON_LEN];
    uint64_t count;
} report_failure;

/* Fill the fields directly, except failures (report_add_failures). */
typedef struct report {
    uint64_t duration_us;    /* since the run started */
    uint64_t bots_requested; /* --bots */
    uint64_t bots_connected; /* joined and receiving from every other publisher */
    uint64_t bots_failed;    /* sum of failures[].count */
    report_failure failures[REPORT_MAX_FAILURES];
    int n_failures;
    histogram join_us;
    uint64_t packets_sent, bytes_sent;
    rx_totals audio, video;
    lt_reconnects reconnects; /* loadtest/reconnect.h */
} report;

/* Empties r. */
void report_init(report *r);

/* Counts n more bots that failed for `reason` (a short word such as
 * "ice-timeout"). Table full: counted under "other". */
void report_add_failures(report *r, const char *reason, uint64_t n);

/* Adds src into dst: counters and tables summed, the longer duration kept. */
void report_merge(report *dst, const report *src);

/* Writes the final human-readable table to f. */
void report_print_table(const report *r, FILE *f);

/* The JSON document described above, indented, NUL-terminated, for the
 * caller to free(); NULL when out of memory. */
char *report_to_json(const report *r);

/* Checks r against thresholds; a negative threshold is not checked:
 *   min_bots          bots_connected must be at least this;
 *   max_loss_pct      loss after recovery (audio and video) at most this;
 *                     fails when nothing was expected at all;
 *   max_delay_p99_ms  p99 of the delay (audio and video) at most this;
 *                     fails when there is no delay measurement.
 * Returns 0 when every checked threshold holds, 1 at the first one crossed
 * (in the order above). One line without a newline goes into why (if
 * whylen > 0): the reason, or "all thresholds met". */
int report_check(const report *r, double max_loss_pct, double max_delay_p99_ms, int min_bots,
                 char *why, size_t whylen);

/* --min-rejoined-within: 0 when every reconnect brought media again within
 * within_s seconds and no bot is disconnected at the end (also when nothing
 * reconnected), else 1. One line without a newline goes into why (if
 * whylen > 0). */
int report_check_rejoin(const report *r, double within_s, char *why, size_t whylen);

/* Formats the live status line (no newline) into buf: elapsed time, bots
 * connected/requested, failed and reconnecting, packets per second sent and received,
 * loss before and after recovery, delay p99. Rates, loss and delay are over
 * the time since `prev` (the report of the previous line, e.g. one second
 * ago), or over the whole run if prev is NULL. Returns what snprintf
 * returns. */
int report_progress_line(const report *cur, const report *prev, char *buf, size_t len);

#endif
