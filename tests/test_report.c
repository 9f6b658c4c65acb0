/* Unit tests for loadtest/report: the failure table, merging, the JSON
 * document (parsed back with jansson), the human table, the thresholds of
 * report_check and report_check_rejoin, and the live progress line. */
#include "loadtest/report.h"
#include "tests/test.h"

#include <jansson.h>
#include <math.h>

#define MS 1000ull
#define SEC (1000 * MS)

static report r, prev;

/* 10 s, 100 bots of which 97 connected; audio 10000 packets of which 50
 * missing and 10 never recovered, delays 1..10 ms; video 20000 packets with
 * delays of 20 ms and one of 80 ms, frames every 40 ms. */
static void fill(report *x) {
    report_init(x);
    x->duration_us = 10 * SEC;
    x->bots_requested = 100;
    x->bots_connected = 97;
    report_add_failures(x, "ice", 2);
    report_add_failures(x, "timeout", 1);
    for (int i = 1; i <= 97; i++)
        histogram_record(&x->join_us, (uint64_t)i * 10 * MS);
    x->packets_sent = 30000;
    x->bytes_sent = 30000 * 500;

    rx_totals *a = &x->audio;
    a->streams = 10;
    a->jitter_streams = 10;
    a->jitter_ms_sum = 10 * 1.5;
    a->packets = 10000;
    a->bytes = 10000 * 100;
    a->expected = 10000;
    a->lost_before = 50;
    a->recovered = 40;
    a->lost_after = 10;
    for (int i = 0; i < 10000; i++)
        histogram_record(&a->delay_us, (uint64_t)(1 + i % 10) * MS);

    rx_totals *v = &x->video;
    v->streams = 10;
    v->packets = 20000;
    v->bytes = 20000 * 1000;
    v->expected = 20000;
    v->frames = 2500;
    for (int i = 0; i < 19999; i++)
        histogram_record(&v->delay_us, 20 * MS);
    histogram_record(&v->delay_us, 80 * MS);
    for (int i = 0; i < 2499; i++)
        histogram_record(&v->frame_gap_us, 40 * MS);
}

/* 6 reconnects (4 ws-closed, 1 moving, 1 shutting-down) in 9 attempts; 5
 * came back after 1, 2, 3, 4 and 10 s, one bot is still disconnected. */
static void add_reconnects(report *x) {
    lt_reconnects *rc = &x->reconnects;
    rc->count = 6;
    rc->by_reason[LT_RC_WS_CLOSED] = 4;
    rc->by_reason[LT_RC_MOVING] = 1;
    rc->by_reason[LT_RC_SHUTTING_DOWN] = 1;
    rc->attempts = 9;
    rc->reconnecting = 1;
    rc->disconnected = 1;
    const uint64_t s[] = {1, 2, 3, 4, 10};
    for (int i = 0; i < 5; i++)
        histogram_record(&rc->failover_us, s[i] * SEC);
}

static void test_failures_table(void) {
    report_init(&r);
    report_add_failures(&r, "ice", 1);
    report_add_failures(&r, "dtls", 2);
    report_add_failures(&r, "ice", 3);
    report_add_failures(&r, "ignored", 0);
    ASSERT_EQ(r.n_failures, 2);
    ASSERT_EQ(r.bots_failed, 6);
    ASSERT_STR_EQ(r.failures[0].reason, "ice");
    ASSERT_EQ(r.failures[0].count, 4);

    /* Long reasons are cut; the same long reason lands in the same row. */
    report_add_failures(&r, "a-very-long-reason-that-does-not-fit-in-the-table", 1);
    report_add_failures(&r, "a-very-long-reason-that-does-not-fit-in-the-table", 1);
    ASSERT_EQ(r.n_failures, 3);
    ASSERT_EQ(strlen(r.failures[2].reason), REPORT_REASON_LEN - 1);
    ASSERT_EQ(r.failures[2].count, 2);

    /* More reasons than rows: the last row is "other". */
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "reason-%d", i);
        report_add_failures(&r, name, 1);
    }
    ASSERT_EQ(r.n_failures, REPORT_MAX_FAILURES);
    ASSERT_STR_EQ(r.failures[REPORT_MAX_FAILURES - 1].reason, "other");
    ASSERT_EQ(r.failures[REPORT_MAX_FAILURES - 1].count, 20 - (REPORT_MAX_FAILURES - 1 - 3));
    ASSERT_EQ(r.bots_failed, 6 + 2 + 20);
    report_add_failures(&r, NULL, 1);
    ASSERT_EQ(r.failures[REPORT_MAX_FAILURES - 1].count, 20 - (REPORT_MAX_FAILURES - 1 - 3) + 1);
}

static void test_merge(void) {
    fill(&r);
    fill(&prev);
    prev.duration_us = 12 * SEC;
    report_add_failures(&prev, "dtls", 4);
    report_merge(&r, &prev);
    ASSERT_EQ(r.duration_us, 12 * SEC);
    ASSERT_EQ(r.bots_requested, 200);
    ASSERT_EQ(r.bots_connected, 194);
    ASSERT_EQ(r.bots_failed, 10);
    ASSERT_EQ(r.n_failures, 3);
    ASSERT_EQ(r.failures[0].count, 4); /* ice */
    ASSERT_EQ(r.failures[2].count, 4); /* dtls */
    ASSERT_EQ(r.join_us.count, 194);
    ASSERT_EQ(r.audio.lost_after, 20);
    ASSERT_EQ(r.video.delay_us.count, 40000);
    ASSERT_EQ(r.packets_sent, 60000);

    fill(&r);
    fill(&prev);
    add_reconnects(&r);
    prev.reconnects.count = 1;
    prev.reconnects.by_reason[LT_RC_PING_TIMEOUT] = 1;
    prev.reconnects.disconnected = 1;
    report_merge(&r, &prev);
    ASSERT_EQ(r.reconnects.count, 7);
    ASSERT_EQ(r.reconnects.by_reason[LT_RC_WS_CLOSED], 4);
    ASSERT_EQ(r.reconnects.by_reason[LT_RC_PING_TIMEOUT], 1);
    ASSERT_EQ(r.reconnects.disconnected, 2);
    ASSERT_EQ(r.reconnects.failover_us.count, 5);
}

static double num(json_t *root, const char *path) {
    /* path like "audio.delay_ms.p99" */
    char buf[64];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *o = root;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
        o = json_object_get(o, k);
    ASSERT(json_is_number(o));
    return json_number_value(o);
}

static void test_json(void) {
    fill(&r);
    char *s = report_to_json(&r);
    ASSERT(s != NULL);
    json_error_t err;
    json_t *root = json_loads(s, 0, &err);
    ASSERT(root != NULL);
    free(s);

    ASSERT(num(root, "version") == 1);
    ASSERT(num(root, "duration_s") == 10.0);
    ASSERT(num(root, "bots.requested") == 100);
    ASSERT(num(root, "bots.connected") == 97);
    ASSERT(num(root, "bots.failed") == 3);
    ASSERT(num(root, "bots.failures.ice") == 2);
    ASSERT(num(root, "bots.failures.timeout") == 1);
    ASSERT(num(root, "join_ms.count") == 97);
    ASSERT(fabs(num(root, "join_ms.p50") - 490.0) <= 490.0 / 128);
    ASSERT(num(root, "join_ms.max") == 970.0);
    ASSERT(num(root, "join_ms.min") == 10.0);
    ASSERT(num(root, "sent.packets") == 30000);
    ASSERT(num(root, "sent.bytes") == 15000000);
    ASSERT(num(root, "sent.pps") == 3000.0);
    ASSERT(num(root, "sent.kbps") == 12000.0);

    ASSERT(num(root, "audio.packets") == 10000);
    ASSERT(num(root, "audio.pps") == 1000.0);
    ASSERT(num(root, "audio.lost_before") == 50);
    ASSERT(num(root, "audio.lost_after") == 10);
    ASSERT(num(root, "audio.recovered") == 40);
    ASSERT(num(root, "audio.loss_before_pct") == 0.5);
    ASSERT(num(root, "audio.loss_after_pct") == 0.1);
    ASSERT(num(root, "audio.jitter_ms") == 1.5);
    ASSERT(fabs(num(root, "audio.delay_ms.p50") - 5.0) <= 5.0 / 128);
    ASSERT(num(root, "audio.delay_ms.max") == 10.0);
    ASSERT(num(root, "audio.delay_ms.mean") == 5.5);
    ASSERT(num(root, "audio.frames") == 0);
    ASSERT(num(root, "audio.frame_gap_ms.count") == 0);
    ASSERT(fabs(num(root, "video.delay_ms.p99") - 20.0) <= 20.0 / 128);
    ASSERT(num(root, "video.delay_ms.max") == 80.0);
    ASSERT(num(root, "video.frames") == 2500);
    ASSERT(num(root, "video.frame_gap_ms.p99") == 40.0);
    ASSERT(num(root, "video.jitter_ms") == 0);
    ASSERT(num(root, "received.packets") == 30000);
    ASSERT(num(root, "received.expected") == 30000);
    ASSERT(num(root, "received.streams") == 20);
    ASSERT(num(root, "audio.streams_with_media") == 10);
    ASSERT(fabs(num(root, "received.loss_after_pct") - 100.0 / 3000) < 1e-4);
    ASSERT(num(root, "received.jitter_ms") == 1.5);
    ASSERT(num(root, "received.delay_ms.count") == 30000);

    /* Every documented key is there, for audio, video and received. */
    const char *rx_keys[] = {
        "streams",        "packets",     "bytes",      "pps",          "kbps",
        "expected",       "lost_before", "lost_after", "recovered",    "loss_before_pct",
        "loss_after_pct", "duplicates",  "late",       "restarts",     "clock_trouble",
        "jitter_ms",      "delay_ms",    "frames",     "frame_gap_ms", "streams_with_media"};
    const char *hist_keys[] = {"count", "min", "mean", "p50", "p95", "p99", "max"};
    const char *kinds[] = {"audio", "video", "received"};
    for (size_t k = 0; k < 3; k++) {
        json_t *rx = json_object_get(root, kinds[k]);
        ASSERT(json_is_object(rx));
        ASSERT_EQ(json_object_size(rx), sizeof rx_keys / sizeof rx_keys[0]);
        for (size_t i = 0; i < sizeof rx_keys / sizeof rx_keys[0]; i++)
            ASSERT(json_object_get(rx, rx_keys[i]) != NULL);
        for (size_t i = 0; i < sizeof hist_keys / sizeof hist_keys[0]; i++) {
            ASSERT(json_is_number(json_object_get(json_object_get(rx, "delay_ms"), hist_keys[i])));
            ASSERT(
                json_is_number(json_object_get(json_object_get(rx, "frame_gap_ms"), hist_keys[i])));
        }
    }
    ASSERT_EQ(json_object_size(root), 9);
    /* No reconnects: zeros, every reason present. */
    json_t *rc = json_object_get(root, "reconnects");
    ASSERT(json_is_object(rc));
    ASSERT(num(root, "reconnects.count") == 0);
    ASSERT(num(root, "reconnects.failover_ms.count") == 0);
    ASSERT_EQ(json_object_size(json_object_get(rc, "by_reason")), 6);
    json_decref(root);

    /* With reconnects: exact keys and values. */
    add_reconnects(&r);
    s = report_to_json(&r);
    root = json_loads(s, 0, &err);
    ASSERT(root != NULL);
    free(s);
    rc = json_object_get(root, "reconnects");
    const char *rc_keys[] = {"count", "attempts", "by_reason", "failover_ms", "disconnected"};
    ASSERT_EQ(json_object_size(rc), 5);
    for (size_t i = 0; i < 5; i++)
        ASSERT(json_object_get(rc, rc_keys[i]) != NULL);
    ASSERT(num(root, "reconnects.count") == 6);
    ASSERT(num(root, "reconnects.attempts") == 9);
    ASSERT(num(root, "reconnects.disconnected") == 1);
    ASSERT(num(root, "reconnects.by_reason.ws-closed") == 4);
    ASSERT(num(root, "reconnects.by_reason.shutting-down") == 1);
    ASSERT(num(root, "reconnects.by_reason.transport-failed") == 0);
    ASSERT(num(root, "reconnects.by_reason.moving") == 1);
    ASSERT(num(root, "reconnects.by_reason.cluster-unavailable") == 0);
    ASSERT(num(root, "reconnects.by_reason.ping-timeout") == 0);
    ASSERT(num(root, "reconnects.failover_ms.count") == 5);
    ASSERT(num(root, "reconnects.failover_ms.min") == 1000.0);
    ASSERT(num(root, "reconnects.failover_ms.max") == 10000.0);
    ASSERT(num(root, "reconnects.failover_ms.mean") == 4000.0);
    ASSERT(fabs(num(root, "reconnects.failover_ms.p50") - 3000.0) <= 3000.0 / 128);
    for (size_t i = 0; i < sizeof hist_keys / sizeof hist_keys[0]; i++)
        ASSERT(json_is_number(json_object_get(json_object_get(rc, "failover_ms"), hist_keys[i])));
    json_decref(root);

    /* An empty report is valid JSON too. */
    report_init(&r);
    s = report_to_json(&r);
    root = json_loads(s, 0, &err);
    ASSERT(root != NULL);
    ASSERT(num(root, "audio.loss_after_pct") == 0);
    ASSERT(json_object_size(json_object_get(json_object_get(root, "bots"), "failures")) == 0);
    json_decref(root);
    free(s);
}

static void test_table(void) {
    fill(&r);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ASSERT(f != NULL);
    report_print_table(&r, f);
    fclose(f);
    fputs(buf, stdout);
    ASSERT(strstr(buf, "10.0 s") != NULL);
    ASSERT(strstr(buf, "100 requested, 97 connected, 3 failed") != NULL);
    ASSERT(strstr(buf, "ice 2, timeout 1") != NULL);
    ASSERT(strstr(buf, "max 970.0 ms (97 bots)") != NULL);
    ASSERT(strstr(buf, "30000 packets, 3000 pps, 12000 kbps") != NULL);
    ASSERT(strstr(buf, "audio") != NULL);
    ASSERT(strstr(buf, "video") != NULL);
    ASSERT(strstr(buf, "  0.500   0.100") != NULL); /* audio loss before / after */
    ASSERT(strstr(buf, "  reconnects 0\n") != NULL);
    free(buf);

    add_reconnects(&r);
    f = open_memstream(&buf, &len);
    ASSERT(f != NULL);
    report_print_table(&r, f);
    fclose(f);
    fputs(buf, stdout);
    ASSERT(strstr(buf, "  reconnects 6 (ws-closed 4, shutting-down 1, moving 1), 9 attempts, "
                       "failover p50 2998.3 ms, max 10000.0 ms, 1 disconnected at end\n") != NULL);
    free(buf);
}

static void test_check(void) {
    char why[128];
    fill(&r);
    /* loss after recovery: 10 of 30000 = 0.033 %; delay p99 = 20 ms */
    ASSERT_EQ(report_check(&r, -1, -1, -1, why, sizeof why), 0);
    ASSERT_STR_EQ(why, "all thresholds met");
    ASSERT_EQ(report_check(&r, 0.1, 25, 97, why, sizeof why), 0);
    ASSERT_EQ(report_check(&r, 0.1, 25, 98, why, sizeof why), 1);
    ASSERT_STR_EQ(why, "97 bots connected, fewer than --min-bots 98");
    ASSERT_EQ(report_check(&r, 0.03, 25, 97, why, sizeof why), 1);
    ASSERT_STR_EQ(why, "loss after recovery 0.033% above --max-loss 0.03%");
    ASSERT_EQ(report_check(&r, 0.04, 19.5, -1, why, sizeof why), 1);
    ASSERT_STR_EQ(why, "delay p99 20.1 ms above --max-delay-p99 19.5 ms");
    ASSERT_EQ(report_check(&r, 0.04, 20.1, -1, NULL, 0), 0); /* p99 20.096 ms */
    /* order: bots first */
    ASSERT_EQ(report_check(&r, 0, 0, 1000, why, sizeof why), 1);
    ASSERT(strstr(why, "--min-bots") != NULL);
    /* a short buffer is cut, still terminated */
    ASSERT_EQ(report_check(&r, 0, -1, -1, why, 8), 1);
    ASSERT_EQ(strlen(why), 7);

    /* Nothing received: the quality thresholds cannot pass. */
    report_init(&r);
    r.bots_connected = 5;
    ASSERT_EQ(report_check(&r, -1, -1, 5, why, sizeof why), 0);
    ASSERT_EQ(report_check(&r, 1.0, -1, 5, why, sizeof why), 1);
    ASSERT(strstr(why, "no media received") != NULL);
    ASSERT_EQ(report_check(&r, -1, 100, 5, why, sizeof why), 1);
    ASSERT(strstr(why, "no delay measured") != NULL);
}

static void test_check_rejoin(void) {
    char why[128];
    /* Nothing reconnected: holds. */
    fill(&r);
    ASSERT_EQ(report_check_rejoin(&r, 5, why, sizeof why), 0);
    ASSERT_STR_EQ(why, "0 reconnects, all rejoined within 5 s");
    /* A bot still disconnected fails whatever the times. */
    add_reconnects(&r);
    ASSERT_EQ(report_check_rejoin(&r, 60, why, sizeof why), 1);
    ASSERT_STR_EQ(why, "1 bots disconnected at the end (--min-rejoined-within 60)");
    /* All back: the slowest one (the exact max, 10 s) decides. */
    r.reconnects.disconnected = 0;
    ASSERT_EQ(report_check_rejoin(&r, 10, why, sizeof why), 0);
    ASSERT_STR_EQ(why, "6 reconnects, all rejoined within 10 s");
    ASSERT_EQ(report_check_rejoin(&r, 9.5, why, sizeof why), 1);
    ASSERT_STR_EQ(why, "slowest failover 10.000 s above --min-rejoined-within 9.5 s");
    ASSERT_EQ(report_check_rejoin(&r, 9.5, NULL, 0), 1);
}

static void test_progress(void) {
    char line[256];
    fill(&prev);
    fill(&r);
    /* One second later: 3000 more sent, 1000 more audio packets with 10 more
     * missing (5 recovered), delays of 50 ms. */
    r.duration_us = 11 * SEC;
    r.packets_sent += 3000;
    r.audio.packets += 1000;
    r.audio.expected += 1000;
    r.audio.lost_before += 10;
    r.audio.lost_after += 5;
    for (int i = 0; i < 1000; i++)
        histogram_record(&r.audio.delay_us, 50 * MS);
    report_progress_line(&r, &prev, line, sizeof line);
    puts(line);
    ASSERT_STR_EQ(line, "[  11.0s] bots 97/100 connected, 3 failed, 0 reconnecting | sent 3000 pps "
                        "| recv 1000 pps | loss 1.00% (after 0.50%) | delay p99 49.9 ms");

    /* Over the whole run. */
    report_progress_line(&prev, NULL, line, sizeof line);
    ASSERT_STR_EQ(line, "[  10.0s] bots 97/100 connected, 3 failed, 0 reconnecting | sent 3000 pps "
                        "| recv 3000 pps | loss 0.17% (after 0.03%) | delay p99 20.1 ms");

    /* Nothing new: no rates, no delay. */
    report_progress_line(&prev, &prev, line, sizeof line);
    ASSERT_STR_EQ(line, "[  10.0s] bots 97/100 connected, 3 failed, 0 reconnecting | sent 0 pps "
                        "| recv 0 pps | loss 0.00% (after 0.00%) | delay p99 - ms");
    /* Bots on their way back are shown. */
    add_reconnects(&prev);
    report_progress_line(&prev, &prev, line, sizeof line);
    ASSERT(strstr(line, "3 failed, 1 reconnecting |") != NULL);
    /* Truncation returns the full length like snprintf. */
    int n = report_progress_line(&prev, &prev, line, 10);
    ASSERT(n > 10);
    ASSERT_EQ(strlen(line), 9);
}

int main(void) {
    RUN_TEST(test_failures_table);
    RUN_TEST(test_merge);
    RUN_TEST(test_json);
    RUN_TEST(test_table);
    RUN_TEST(test_check);
    RUN_TEST(test_check_rejoin);
    RUN_TEST(test_progress);
    TEST_DONE();
}
