/* libFuzzer target for the cluster core's parsers: the input as a node
 * record (which, when accepted, must encode and parse back to the same
 * record), and as a NUL-terminated Redis URL and duration. */
#include "cluster/cluster_core.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_record(const uint8_t *data, size_t size) {
    cluster_node a, b;
    char buf[CLUSTER_RECORD_MAX], again[CLUSTER_RECORD_MAX];
    if (cluster_node_parse("n1", (const char *)data, size, &a) != 0) return;
    if (strcmp(a.id, "n1") != 0 || !cluster_url_valid(a.url) || a.capacity < 1) abort();
    if (!(a.load >= 0 && a.load <= 64)) abort();
    int len = cluster_node_encode(&a, buf, sizeof buf);
    if (len <= 0 || (size_t)len != strlen(buf)) abort();
    if (cluster_node_parse("n1", buf, (size_t)len, &b) != 0) abort();
    /* Equal, except load which the encoder writes with 3 decimals. */
    if (strcmp(a.url, b.url) != 0 || a.state != b.state || a.capacity != b.capacity ||
        a.participants != b.participants || a.rooms != b.rooms ||
        a.heartbeat_ms != b.heartbeat_ms || fabs(a.load - b.load) > 0.0005)
        abort();
    /* And from there on the text is a fixed point. */
    if (cluster_node_encode(&b, again, sizeof again) != len || strcmp(buf, again) != 0) abort();
    double w = cluster_weight(&a);
    if (!(w >= 0) || w > a.capacity) abort();
    if (cluster_place(&a, 1, "room", a.heartbeat_ms, 0, NULL) != (w > 0 ? 0 : -1)) abort();
}

static void check_strings(const char *s) {
    cluster_redis_url u;
    char err[256];
    err[0] = '\0';
    if (cluster_redis_url_parse(s, &u, err, sizeof err) == 0) {
        if (u.host[0] == '\0' || u.port == 0 || u.db < 0) abort();
        if (memchr(u.host, '\0', sizeof u.host) == NULL) abort();
        if (memchr(u.password, '\0', sizeof u.password) == NULL) abort();
    } else if (err[0] == '\0' || strchr(err, '\n')) {
        abort();
    }
    uint32_t sec;
    if (cluster_duration_parse(s, &sec) == 0 && sec > 604800) abort();
    if (cluster_id_valid(s) && strlen(s) > CLUSTER_ID_MAX) abort();
    cluster_url_valid(s);
    cluster_hash(s, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_record(data, size);
    char *copy = malloc(size + 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    check_strings(copy);
    free(copy);
    return 0;
}
