/* Tests for the cluster's pure core (cluster/cluster_core.h): node records,
 * weights, the hash, weighted rendezvous placement (with a fake clock) and
 * the Redis URL and duration parsers. */
#include "cluster/cluster_core.h"
#include "tests/test.h"

#include <math.h>

static cluster_node node(const char *id, uint32_t capacity, uint32_t participants, double load,
                         uint64_t heartbeat_ms) {
    cluster_node n;
    memset(&n, 0, sizeof n);
    snprintf(n.id, sizeof n.id, "%s", id);
    snprintf(n.url, sizeof n.url, "wss://%s.example.org/ws", id);
    n.state = CLUSTER_ACTIVE;
    n.capacity = capacity;
    n.participants = participants;
    n.load = load;
    n.heartbeat_ms = heartbeat_ms;
    return n;
}

static int parse(const char *text, cluster_node *out) {
    return cluster_node_parse("n1", text, strlen(text), out);
}

static void test_ids_urls_states(void) {
    char id[CLUSTER_ID_MAX + 2];
    ASSERT(cluster_id_valid("b2"));
    ASSERT(cluster_id_valid("node-1.eu_west"));
    memset(id, 'a', CLUSTER_ID_MAX);
    id[CLUSTER_ID_MAX] = '\0';
    ASSERT(cluster_id_valid(id));
    id[CLUSTER_ID_MAX] = 'a';
    id[CLUSTER_ID_MAX + 1] = '\0';
    ASSERT(!cluster_id_valid(id));
    ASSERT(!cluster_id_valid(""));
    ASSERT(!cluster_id_valid(NULL));
    ASSERT(!cluster_id_valid("a b"));
    ASSERT(!cluster_id_valid("a:b"));
    ASSERT(!cluster_id_valid("a/b"));
    ASSERT(!cluster_id_valid("\xc3\xa9"));

    ASSERT(cluster_url_valid("ws://h"));
    ASSERT(cluster_url_valid("wss://b2.example.org/ws"));
    ASSERT(cluster_url_valid("wss://b2.example.org:8443/ws?x=1"));
    ASSERT(cluster_url_valid("ws://[::1]:8080/ws"));
    ASSERT(cluster_url_valid("ws://10.0.0.2:65535"));
    ASSERT(!cluster_url_valid(NULL));
    ASSERT(!cluster_url_valid(""));
    ASSERT(!cluster_url_valid("http://h/ws"));
    ASSERT(!cluster_url_valid("WSS://h/ws"));
    ASSERT(!cluster_url_valid("ws://"));
    ASSERT(!cluster_url_valid("ws:///ws"));
    ASSERT(!cluster_url_valid("ws://:80/ws"));
    ASSERT(!cluster_url_valid("ws://[]/ws"));
    ASSERT(!cluster_url_valid("ws://[::1/ws"));
    ASSERT(!cluster_url_valid("ws://[::1]x/ws"));
    ASSERT(!cluster_url_valid("ws://h:/ws"));
    ASSERT(!cluster_url_valid("ws://h:0/ws"));
    ASSERT(!cluster_url_valid("ws://h:65536/ws"));
    ASSERT(!cluster_url_valid("ws://h:123456/ws"));
    ASSERT(!cluster_url_valid("ws://h:8x/ws"));
    ASSERT(!cluster_url_valid("ws://h/a b"));
    ASSERT(!cluster_url_valid("ws://h/\x7f"));
    ASSERT(!cluster_url_valid("ws://h/\xc3\xa9"));
    char url[CLUSTER_URL_MAX + 2] = "wss://h/";
    memset(url + 8, 'x', CLUSTER_URL_MAX - 8);
    url[CLUSTER_URL_MAX] = '\0';
    ASSERT(cluster_url_valid(url));
    url[CLUSTER_URL_MAX] = 'x';
    url[CLUSTER_URL_MAX + 1] = '\0';
    ASSERT(!cluster_url_valid(url));

    ASSERT_STR_EQ(cluster_state_name(CLUSTER_ACTIVE), "active");
    ASSERT_STR_EQ(cluster_state_name(CLUSTER_DRAINING), "draining");
    ASSERT(cluster_state_name((cluster_state)2) == NULL);
    ASSERT(cluster_state_name((cluster_state)-1) == NULL);
}

static void assert_same(const cluster_node *a, const cluster_node *b) {
    ASSERT_STR_EQ(a->id, b->id);
    ASSERT_STR_EQ(a->url, b->url);
    ASSERT_EQ(a->state, b->state);
    ASSERT_EQ(a->capacity, b->capacity);
    ASSERT_EQ(a->participants, b->participants);
    ASSERT_EQ(a->rooms, b->rooms);
    ASSERT(fabs(a->load - b->load) <= 0.0005);
    ASSERT(a->heartbeat_ms == b->heartbeat_ms);
}

static void test_record_round_trip(void) {
    char buf[CLUSTER_RECORD_MAX];
    cluster_node n = node("n1", 500, 12, 0.042, 1763790000123ull), back;
    n.rooms = 3;
    snprintf(n.url, sizeof n.url, "wss://b2.example.org/ws");
    const char *want = "v=1 url=wss://b2.example.org/ws state=active capacity=500 participants=12 "
                       "rooms=3 load=0.042 heartbeat=1763790000123";
    ASSERT_EQ(cluster_node_encode(&n, buf, sizeof buf), strlen(want));
    ASSERT_STR_EQ(buf, want);
    memset(&back, 0xAA, sizeof back);
    ASSERT_EQ(cluster_node_parse("n1", buf, strlen(buf), &back), 0);
    assert_same(&back, &n);
    ASSERT(back.load == 0.042);

    /* Extremes: every field at its limit, load rounded to 3 decimals. */
    n = node("n1", UINT32_MAX, UINT32_MAX, 63.99951, UINT64_MAX);
    n.rooms = UINT32_MAX;
    n.state = CLUSTER_DRAINING;
    memset(n.url, 'u', CLUSTER_URL_MAX);
    memcpy(n.url, "ws://", 5);
    n.url[CLUSTER_URL_MAX] = '\0';
    int len = cluster_node_encode(&n, buf, sizeof buf);
    ASSERT(len > 0 && len < CLUSTER_RECORD_MAX);
    ASSERT(strstr(buf, " state=draining capacity=4294967295 participants=4294967295 "
                       "rooms=4294967295 load=64.000 heartbeat=18446744073709551615") != NULL);
    ASSERT_EQ(cluster_node_parse("n1", buf, (size_t)len, &back), 0);
    assert_same(&back, &n);
    ASSERT(back.load == 64);

    /* Small loads, and -0.0 which must not come out as "-0.000". */
    n = node("n1", 1, 0, -0.0, 0);
    ASSERT(cluster_node_encode(&n, buf, sizeof buf) > 0);
    ASSERT(strstr(buf, " load=0.000 heartbeat=0") != NULL);
    n.load = 0.0004;
    ASSERT(cluster_node_encode(&n, buf, sizeof buf) > 0);
    ASSERT(strstr(buf, " load=0.000 ") != NULL);
    n.load = 0.5;
    ASSERT(cluster_node_encode(&n, buf, sizeof buf) > 0);
    ASSERT(strstr(buf, " load=0.500 ") != NULL);
    n.load = 1;
    ASSERT(cluster_node_encode(&n, buf, sizeof buf) > 0);
    ASSERT(strstr(buf, " load=1.000 ") != NULL);

    /* Every buffer too short by at least one byte fails, and leaves "". */
    n = node("n1", 500, 12, 0.042, 1763790000123ull);
    len = cluster_node_encode(&n, buf, sizeof buf);
    for (size_t l = 1; l <= (size_t)len; l++) {
        char small[CLUSTER_RECORD_MAX];
        ASSERT_EQ(cluster_node_encode(&n, small, l), -1);
        ASSERT_EQ(small[0], '\0');
    }
    ASSERT_EQ(cluster_node_encode(&n, buf, (size_t)len + 1), len);
    ASSERT_EQ(cluster_node_encode(&n, buf, 0), -1);
    ASSERT_EQ(cluster_node_encode(NULL, buf, sizeof buf), -1);
    ASSERT_EQ(cluster_node_encode(&n, NULL, sizeof buf), -1);
}

static void test_record_encode_invalid(void) {
    char buf[CLUSTER_RECORD_MAX];
    cluster_node n = node("n1", 10, 0, 0, 1);
    ASSERT(cluster_node_encode(&n, buf, sizeof buf) > 0);
    n.capacity = 0;
    ASSERT_EQ(cluster_node_encode(&n, buf, sizeof buf), -1);
    n = node("n1", 10, 0, 0, 1);
    n.state = (cluster_state)2;
    ASSERT_EQ(cluster_node_encode(&n, buf, sizeof buf), -1);
    n = node("n1", 10, 0, 0, 1);
    snprintf(n.url, sizeof n.url, "https://h/ws");
    ASSERT_EQ(cluster_node_encode(&n, buf, sizeof buf), -1);
    snprintf(n.url, sizeof n.url, "ws://h/a b");
    ASSERT_EQ(cluster_node_encode(&n, buf, sizeof buf), -1);
    const double bad_loads[] = {-0.001, 64.001, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad_loads / sizeof bad_loads[0]; i++) {
        n = node("n1", 10, 0, bad_loads[i], 1);
        ASSERT_EQ(cluster_node_encode(&n, buf, sizeof buf), -1);
    }
}

static void test_record_parse_lenient(void) {
    cluster_node n;
    /* Only v, url, state, capacity and heartbeat are needed; order is free,
     * unknown keys are skipped, spaces may repeat. */
    ASSERT_EQ(parse("  heartbeat=5 capacity=7   state=draining url=ws://h v=1 zone=eu-west-1 "
                    "future=a=b ",
                    &n),
              0);
    ASSERT_STR_EQ(n.id, "n1");
    ASSERT_STR_EQ(n.url, "ws://h");
    ASSERT_EQ(n.state, CLUSTER_DRAINING);
    ASSERT_EQ(n.capacity, 7);
    ASSERT_EQ(n.participants, 0);
    ASSERT_EQ(n.rooms, 0);
    ASSERT(n.load == 0);
    ASSERT(n.heartbeat_ms == 5);

    const struct {
        const char *text;
        double load;
    } loads[] = {
        {"0", 0},         {"1", 1},         {"64", 64},     {"0.5", 0.5},
        {"10.25", 10.25}, {"0.042", 0.042}, {"64.000", 64}, {"0.000000001", 1e-9},
        {"1.10", 1.1},
    };
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=%s",
                 loads[i].text);
        ASSERT_EQ(parse(text, &n), 0);
        ASSERT(n.load == loads[i].load);
    }

    /* The length bounds the record: whatever follows is not read. */
    const char *rec = "v=1 url=ws://h state=active capacity=1 heartbeat=9";
    char buf[128];
    snprintf(buf, sizeof buf, "%s1 junk", rec);
    ASSERT_EQ(cluster_node_parse("b-2", buf, strlen(rec), &n), 0);
    ASSERT_STR_EQ(n.id, "b-2");
    ASSERT(n.heartbeat_ms == 9);
}

static void test_record_parse_malformed(void) {
    static const char *const bad[] = {
        "",
        "   ",
        /* missing required keys */
        "url=ws://h state=active capacity=1 heartbeat=0",
        "v=1 state=active capacity=1 heartbeat=0",
        "v=1 url=ws://h capacity=1 heartbeat=0",
        "v=1 url=ws://h state=active heartbeat=0",
        "v=1 url=ws://h state=active capacity=1",
        /* version */
        "v=2 url=ws://h state=active capacity=1 heartbeat=0",
        "v=01 url=ws://h state=active capacity=1 heartbeat=0",
        "v=1.0 url=ws://h state=active capacity=1 heartbeat=0",
        /* a key twice, known or not */
        "v=1 v=1 url=ws://h state=active capacity=1 heartbeat=0",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 heartbeat=0",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 x=1 x=2",
        /* tokens that are not key=value */
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 junk",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 x=",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 =x",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 =",
        "v=1 url= state=active capacity=1 heartbeat=0",
        "v=1 url=ws://h state= capacity=1 heartbeat=0",
        "v=1 url=ws://h state=active capacity= heartbeat=0",
        "v=1 url=ws://h state=active capacity=1 heartbeat=",
        /* separators other than spaces */
        "v=1\turl=ws://h state=active capacity=1 heartbeat=0",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0\n",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0\r\n",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 x=\xc3\xa9",
        /* url */
        "v=1 url=http://h state=active capacity=1 heartbeat=0",
        "v=1 url=ws:// state=active capacity=1 heartbeat=0",
        "v=1 url=ws://h:0 state=active capacity=1 heartbeat=0",
        /* state */
        "v=1 url=ws://h state=Active capacity=1 heartbeat=0",
        "v=1 url=ws://h state=stopped capacity=1 heartbeat=0",
        "v=1 url=ws://h state=0 capacity=1 heartbeat=0",
        /* integers: no zero capacity, sign, leading zero, overflow, junk */
        "v=1 url=ws://h state=active capacity=0 heartbeat=0",
        "v=1 url=ws://h state=active capacity=-1 heartbeat=0",
        "v=1 url=ws://h state=active capacity=+1 heartbeat=0",
        "v=1 url=ws://h state=active capacity=01 heartbeat=0",
        "v=1 url=ws://h state=active capacity=4294967296 heartbeat=0",
        "v=1 url=ws://h state=active capacity=1x heartbeat=0",
        "v=1 url=ws://h state=active capacity=1 participants=4294967296 heartbeat=0",
        "v=1 url=ws://h state=active capacity=1 rooms=99999999999999999999 heartbeat=0",
        "v=1 url=ws://h state=active capacity=1 rooms=-0 heartbeat=0",
        "v=1 url=ws://h state=active capacity=1 heartbeat=18446744073709551616",
        "v=1 url=ws://h state=active capacity=1 heartbeat=99999999999999999999999",
        "v=1 url=ws://h state=active capacity=1 heartbeat=1.5",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0x10",
        "v=1 url=ws://h state=active capacity=1 heartbeat=1e3",
        "v=1 url=ws://h state=active capacity=1 heartbeat= 1",
        /* load: finite, decimal, in [0, 64] */
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=-0.1",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=-0",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=64.001",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=65",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=100",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=nan",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=inf",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=1e-3",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=.5",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=5.",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=0,5",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=1.2.3",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=01.5",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=+0.5",
        "v=1 url=ws://h state=active capacity=1 heartbeat=0 load=0.1234567891",
    };
    cluster_node n;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&n, 0x5A, sizeof n);
        if (parse(bad[i], &n) != -1) {
            fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
            ASSERT(0);
        }
        ASSERT_EQ(((unsigned char *)&n)[0], 0x5A); /* out untouched */
    }

    /* An embedded NUL, wherever it is. */
    const char rec[] = "v=1 url=ws://h state=active capacity=1 heartbeat=0";
    char buf[sizeof rec];
    for (size_t i = 0; i < sizeof rec - 1; i++) {
        memcpy(buf, rec, sizeof rec);
        buf[i] = '\0';
        ASSERT_EQ(cluster_node_parse("n1", buf, sizeof rec - 1, &n), -1);
    }
    ASSERT_EQ(cluster_node_parse("n1", rec, sizeof rec - 1, &n), 0);
    ASSERT_EQ(cluster_node_parse("n1", rec, sizeof rec, &n), -1); /* the NUL counted */

    /* Over 512 bytes, even if only by spaces; exactly 512 is fine. */
    char big[CLUSTER_RECORD_MAX + 2];
    memset(big, ' ', sizeof big);
    memcpy(big, rec, sizeof rec - 1);
    ASSERT_EQ(cluster_node_parse("n1", big, CLUSTER_RECORD_MAX, &n), 0);
    ASSERT_EQ(cluster_node_parse("n1", big, CLUSTER_RECORD_MAX + 1, &n), -1);
    /* A url one byte too long. */
    char longurl[CLUSTER_RECORD_MAX];
    int k = snprintf(longurl, sizeof longurl, "v=1 state=active capacity=1 heartbeat=0 url=ws://");
    memset(longurl + k, 'h', CLUSTER_URL_MAX - 5 + 1);
    longurl[k + CLUSTER_URL_MAX - 5 + 1] = '\0';
    ASSERT_EQ(parse(longurl, &n), -1);
    longurl[k + CLUSTER_URL_MAX - 5] = '\0';
    ASSERT_EQ(parse(longurl, &n), 0);
    ASSERT_EQ(strlen(n.url), CLUSTER_URL_MAX);

    /* The id is checked too, and NULLs are refused. */
    ASSERT_EQ(cluster_node_parse("", rec, sizeof rec - 1, &n), -1);
    ASSERT_EQ(cluster_node_parse("a b", rec, sizeof rec - 1, &n), -1);
    ASSERT_EQ(cluster_node_parse(NULL, rec, sizeof rec - 1, &n), -1);
    ASSERT_EQ(cluster_node_parse("n1", NULL, 10, &n), -1);
    ASSERT_EQ(cluster_node_parse("n1", NULL, 0, &n), -1);
    ASSERT_EQ(cluster_node_parse("n1", rec, sizeof rec - 1, NULL), -1);
}

static void test_weight(void) {
    cluster_node n = node("a", 100, 0, 0, 0);
    ASSERT(cluster_weight(&n) == 100);
    n.participants = 50; /* half full: half the weight */
    ASSERT(cluster_weight(&n) == 50);
    n.participants = 99;
    ASSERT(cluster_weight(&n) == 1);
    n.participants = 100; /* full */
    ASSERT(cluster_weight(&n) == 0);
    n.participants = 150;
    ASSERT(cluster_weight(&n) == 0);
    n.participants = 0;
    n.state = CLUSTER_DRAINING;
    ASSERT(cluster_weight(&n) == 0);
    n.state = CLUSTER_ACTIVE;
    n.capacity = 0;
    ASSERT(cluster_weight(&n) == 0);
    /* Load: fully busy halves the weight; out-of-range loads are clamped. */
    n = node("a", 100, 0, 1, 0);
    ASSERT(cluster_weight(&n) == 50);
    n.load = 0.5;
    ASSERT(cluster_weight(&n) == 75);
    n.load = 64;
    ASSERT(cluster_weight(&n) == 50);
    n.load = NAN;
    ASSERT(cluster_weight(&n) == 50);
    n.load = -3;
    ASSERT(cluster_weight(&n) == 100);
    n = node("a", 100, 50, 1, 0);
    ASSERT(cluster_weight(&n) == 25);
    ASSERT(cluster_weight(NULL) == 0);
}

/* Expected values computed once with an independent Python script
 * (FNV-1a 64 over id, b"\0", room, then splitmix64's finalizer, mod 2^64). */
static void test_hash(void) {
    static const struct {
        const char *id, *room;
        uint64_t h;
    } v[] = {
        {"", "", 0x25fc6dd36ce04b20ull},
        {"n1", "room-0", 0xbb7ad4cfd5e75b4eull},
        {"node-a", "lobby", 0xcfdef2d8800e53d2ull},
        {"b2.example", "standup", 0xe7acc2924c7ca8e7ull},
        {"ab", "c", 0x9291f5e7171dc35aull},
        {"a", "bc", 0x82a144826e72d59eull},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        ASSERT(cluster_hash(v[i].id, v[i].room) == v[i].h);
    ASSERT(cluster_hash(NULL, NULL) == cluster_hash("", ""));
    ASSERT(cluster_hash("ab", "c") != cluster_hash("a", "bc"));
}

static void test_place_basic(void) {
    cluster_node nodes[3] = {node("alpha", 100, 0, 0, 1000), node("bravo", 100, 0, 0, 1000),
                             node("charlie", 100, 0, 0, 1000)};
    /* The same owners as the Python reference of cluster_hash and the score. */
    static const char *const owner[] = {"alpha", "alpha", "alpha",   "bravo",
                                        "alpha", "alpha", "charlie", "charlie"};
    for (int r = 0; r < 8; r++) {
        char room[16];
        snprintf(room, sizeof room, "room-%d", r);
        int i = cluster_place(nodes, 3, room, 1000, 15000, NULL);
        ASSERT(i >= 0);
        ASSERT_STR_EQ(nodes[i].id, owner[r]);
        ASSERT_EQ(cluster_place(nodes, 3, room, 1000, 15000, NULL), i); /* deterministic */
    }
    /* Order of the array does not matter. */
    cluster_node rev[3] = {nodes[2], nodes[1], nodes[0]};
    ASSERT_STR_EQ(rev[cluster_place(rev, 3, "room-3", 1000, 15000, NULL)].id, "bravo");

    /* room-6 is charlie's: draining, full, stale or excluded, it goes away. */
    int c = cluster_place(nodes, 3, "room-6", 1000, 15000, NULL);
    ASSERT_EQ(c, 2);
    nodes[2].state = CLUSTER_DRAINING;
    int moved = cluster_place(nodes, 3, "room-6", 1000, 15000, NULL);
    ASSERT(moved == 0 || moved == 1);
    nodes[2] = node("charlie", 100, 100, 0, 1000);
    ASSERT_EQ(cluster_place(nodes, 3, "room-6", 1000, 15000, NULL), moved);
    nodes[2] = node("charlie", 100, 0, 0, 1000);
    ASSERT_EQ(cluster_place(nodes, 3, "room-6", 1000, 15000, "charlie"), moved);
    ASSERT_EQ(cluster_place(nodes, 3, "room-6", 1000, 15000, "nobody"), 2);
    nodes[2].heartbeat_ms = 0;
    ASSERT_EQ(cluster_place(nodes, 3, "room-6", 20000, 15000, NULL), -1);
    nodes[0].heartbeat_ms = nodes[1].heartbeat_ms = 20000;
    ASSERT_EQ(cluster_place(nodes, 3, "room-6", 20000, 15000, NULL), moved);

    /* Nobody qualifies: -1. */
    ASSERT_EQ(cluster_place(nodes, 0, "room-6", 1000, 15000, NULL), -1);
    ASSERT_EQ(cluster_place(NULL, 0, "room-6", 1000, 15000, NULL), -1);
    ASSERT_EQ(cluster_place(nodes, 1, "room-6", 1000, 15000, "alpha"), -1);
    cluster_node dead[2] = {node("a", 10, 10, 0, 0), node("b", 10, 0, 0, 0)};
    dead[1].state = CLUSTER_DRAINING;
    ASSERT_EQ(cluster_place(dead, 2, "x", 0, 15000, NULL), -1);
    ASSERT_EQ(cluster_place(nodes, 3, NULL, 1000, 15000, NULL), -1);

    /* A heartbeat from the future (clock skew) is not stale; a huge
     * stale_ms does not overflow. */
    cluster_node future = node("f", 10, 0, 0, UINT64_MAX);
    ASSERT_EQ(cluster_place(&future, 1, "x", 5, 0, NULL), 0);
    future.heartbeat_ms = 5;
    ASSERT_EQ(cluster_place(&future, 1, "x", UINT64_MAX, UINT64_MAX, NULL), 0);
    ASSERT_EQ(cluster_place(&future, 1, "x", UINT64_MAX, UINT64_MAX - 6, NULL), -1);

    /* Identical scores (the same id twice): the first one stays. */
    cluster_node twins[2] = {node("same", 10, 0, 0, 0), node("same", 10, 0, 0, 0)};
    ASSERT_EQ(cluster_place(twins, 2, "x", 0, 15000, NULL), 0);
}

#define ROOMS 1000

/* A fake clock: every node writes its record every 5 s except b, which
 * stops at t = 100 s. Until its record is older than stale_ms it keeps its
 * rooms; one millisecond later they spread over the others, and no other
 * room moves. */
static void test_place_fake_clock(void) {
    const uint64_t stale = 15000, t0 = 100000;
    cluster_node nodes[3] = {node("a", 100, 0, 0, t0), node("b", 100, 0, 0, t0),
                             node("c", 100, 0, 0, t0)};
    int before[ROOMS], on_b = 0;
    char room[16];
    for (int r = 0; r < ROOMS; r++) {
        snprintf(room, sizeof room, "r%d", r);
        before[r] = cluster_place(nodes, 3, room, t0, stale, NULL);
        on_b += before[r] == 1;
    }
    ASSERT(on_b > ROOMS / 5);
    for (uint64_t now = t0; now <= t0 + stale; now += 5000) {
        nodes[0].heartbeat_ms = nodes[2].heartbeat_ms = now;
        for (int r = 0; r < ROOMS; r++) {
            snprintf(room, sizeof room, "r%d", r);
            ASSERT_EQ(cluster_place(nodes, 3, room, now, stale, NULL), before[r]);
        }
    }
    uint64_t now = t0 + stale + 1;
    int moved = 0;
    for (int r = 0; r < ROOMS; r++) {
        snprintf(room, sizeof room, "r%d", r);
        int i = cluster_place(nodes, 3, room, now, stale, NULL);
        if (before[r] == 1) {
            ASSERT(i == 0 || i == 2);
            moved++;
        } else {
            ASSERT_EQ(i, before[r]);
        }
    }
    ASSERT_EQ(moved, on_b);
    /* b comes back: its rooms return to it. */
    nodes[1].heartbeat_ms = now;
    for (int r = 0; r < ROOMS; r++) {
        snprintf(room, sizeof room, "r%d", r);
        ASSERT_EQ(cluster_place(nodes, 3, room, now, stale, NULL), before[r]);
    }
}

/* Rendezvous: removing one of 4 nodes moves exactly the rooms it had. */
static void test_place_stability(void) {
    cluster_node nodes[4] = {node("n-a", 100, 10, 0.2, 0), node("n-b", 200, 0, 0, 0),
                             node("n-c", 100, 0, 0.9, 0), node("n-d", 150, 40, 0, 0)};
    const char *owner[ROOMS];
    int count[4] = {0};
    char room[16];
    for (int r = 0; r < ROOMS; r++) {
        snprintf(room, sizeof room, "room-%d", r);
        int i = cluster_place(nodes, 4, room, 0, 15000, NULL);
        ASSERT(i >= 0);
        owner[r] = nodes[i].id;
        count[i]++;
    }
    for (int i = 0; i < 4; i++)
        ASSERT(count[i] > 0);
    for (int gone = 0; gone < 4; gone++) {
        cluster_node rest[3];
        for (int i = 0, j = 0; i < 4; i++)
            if (i != gone) rest[j++] = nodes[i];
        int moved = 0;
        for (int r = 0; r < ROOMS; r++) {
            snprintf(room, sizeof room, "room-%d", r);
            int i = cluster_place(rest, 3, room, 0, 15000, NULL);
            ASSERT(i >= 0);
            if (strcmp(owner[r], nodes[gone].id) == 0) {
                moved++;
                ASSERT(strcmp(rest[i].id, nodes[gone].id) != 0);
            } else {
                ASSERT_STR_EQ(rest[i].id, owner[r]);
            }
            /* exclude_id does the same as taking the node out. */
            int e = cluster_place(nodes, 4, room, 0, 15000, nodes[gone].id);
            ASSERT_STR_EQ(nodes[e].id, rest[i].id);
        }
        ASSERT_EQ(moved, count[gone]);
    }
}

static void test_place_balance(void) {
    cluster_node nodes[3] = {node("alpha", 100, 0, 0, 0), node("bravo", 100, 0, 0, 0),
                             node("charlie", 100, 0, 0, 0)};
    int count[3] = {0};
    char room[16];
    for (int r = 0; r < 3000; r++) {
        snprintf(room, sizeof room, "room-%d", r);
        int i = cluster_place(nodes, 3, room, 0, 15000, NULL);
        ASSERT(i >= 0);
        count[i]++;
    }
    for (int i = 0; i < 3; i++) {
        ASSERT(count[i] >= 900);  /* 30% */
        ASSERT(count[i] <= 1110); /* 37% */
    }
    /* The exact split, as the Python reference computes it. */
    ASSERT_EQ(count[0], 1005);
    ASSERT_EQ(count[1], 973);
    ASSERT_EQ(count[2], 1022);
}

static void test_place_weighted(void) {
    cluster_node nodes[2] = {node("big", 200, 0, 0, 0), node("small", 100, 0, 0, 0)};
    int count[2] = {0};
    char room[16];
    for (int r = 0; r < 3000; r++) {
        snprintf(room, sizeof room, "room-%d", r);
        count[cluster_place(nodes, 2, room, 0, 15000, NULL)]++;
    }
    double ratio = (double)count[0] / count[1];
    ASSERT(ratio >= 1.7 && ratio <= 2.3);
    ASSERT_EQ(count[0], 2002); /* Python reference */

    /* The same through participants: a node half full gets about half. */
    nodes[0] = node("big", 200, 100, 0, 0);
    nodes[1] = node("small", 200, 150, 0, 0);
    memset(count, 0, sizeof count);
    for (int r = 0; r < 3000; r++) {
        snprintf(room, sizeof room, "room-%d", r);
        count[cluster_place(nodes, 2, room, 0, 15000, NULL)]++;
    }
    ratio = (double)count[0] / count[1];
    ASSERT(ratio >= 1.7 && ratio <= 2.3);
}

static char err[256];

static void url_ok(const char *text, const char *host, int port, const char *password, int db) {
    cluster_redis_url u;
    memset(&u, 0x5A, sizeof u);
    err[0] = '\0';
    ASSERT_EQ(cluster_redis_url_parse(text, &u, err, sizeof err), 0);
    ASSERT_STR_EQ(err, "");
    ASSERT_STR_EQ(u.host, host);
    ASSERT_EQ(u.port, port);
    ASSERT_STR_EQ(u.password, password);
    ASSERT_EQ(u.db, db);
}

static void test_redis_url_user(void) {
    cluster_redis_url u;
    ASSERT_EQ(cluster_redis_url_parse("redis://relais:s3cret@10.0.0.5:6379/2", &u, err, sizeof err),
              0);
    ASSERT_STR_EQ(u.user, "relais");
    ASSERT_STR_EQ(u.password, "s3cret");
    ASSERT_EQ(u.db, 2);
    ASSERT_EQ(cluster_redis_url_parse("redis://:s3cret@h", &u, err, sizeof err), 0);
    ASSERT_STR_EQ(u.user, "");
    ASSERT_EQ(cluster_redis_url_parse("redis://h", &u, err, sizeof err), 0);
    ASSERT_STR_EQ(u.user, "");
    ASSERT_STR_EQ(u.password, "");
    ASSERT_EQ(cluster_redis_url_parse("redis://a%40b:pw@h", &u, err, sizeof err), 0);
    ASSERT_STR_EQ(u.user, "a@b");
    char long_user[200];
    memset(long_user, 'u', sizeof long_user);
    memcpy(long_user, "redis://", 8);
    snprintf(long_user + 8 + 150, sizeof long_user - 158, ":pw@h");
    ASSERT_EQ(cluster_redis_url_parse(long_user, &u, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "Redis user name too long (max 127 bytes)");
}

static void url_fails(const char *text, const char *want) {
    cluster_redis_url u;
    memset(&u, 0x5A, sizeof u);
    err[0] = '\0';
    ASSERT_EQ(cluster_redis_url_parse(text, &u, err, sizeof err), -1);
    ASSERT_STR_EQ(err, want);
    ASSERT(strchr(err, '\n') == NULL);
    ASSERT_EQ(((unsigned char *)&u)[0], 0x5A); /* out untouched */
}

static void test_redis_url(void) {
    url_ok("redis://localhost", "localhost", 6379, "", 0);
    url_ok("redis://localhost/", "localhost", 6379, "", 0);
    url_ok("redis://redis.internal:6380", "redis.internal", 6380, "", 0);
    url_ok("redis://10.0.0.5:6379/2", "10.0.0.5", 6379, "", 2);
    url_ok("redis://:pass@host:6380/3", "host", 6380, "pass", 3);
    url_ok("redis://user:pass@[::1]:6380/0", "::1", 6380, "pass", 0);
    url_ok("redis://[2001:db8::7]", "2001:db8::7", 6379, "", 0);
    url_ok("REDIS://h:1/2147483647", "h", 1, "", 2147483647);
    url_ok("redis://h:65535/15", "h", 65535, "", 15);
    url_ok("redis://h/16", "h", 6379, "", 16);
    url_ok("redis://:@h", "h", 6379, "", 0);
    url_ok("redis://:p%40ss%2Fw:rd@h", "h", 6379, "p@ss/w:rd", 0);
    url_ok("redis://:a@b@h", "h", 6379, "a@b", 0); /* user info ends at the last '@' */
    url_ok("redis://my_redis-1", "my_redis-1", 6379, "", 0);

    char pw[200], host[300];
    memset(pw, 'p', 127);
    pw[127] = '\0';
    char text[512];
    snprintf(text, sizeof text, "redis://:%s@h", pw);
    url_ok(text, "h", 6379, pw, 0);
    snprintf(text, sizeof text, "redis://:%sp@h", pw);
    url_fails(text, "Redis password too long (max 127 bytes)");
    memset(host, 'h', CLUSTER_HOST_MAX);
    host[CLUSTER_HOST_MAX] = '\0';
    snprintf(text, sizeof text, "redis://%s:1", host);
    url_ok(text, host, 1, "", 0);
    snprintf(text, sizeof text, "redis://%sh:1", host);
    url_fails(text, "Redis host too long (max 255 bytes)");

    url_fails("rediss://h:6380", "TLS to Redis is not supported (rediss://); use redis://");
    url_fails("REDISS://h", "TLS to Redis is not supported (rediss://); use redis://");
    url_fails("http://h", "unsupported Redis URL scheme 'http://' (expected redis://)");
    url_fails("unix:///tmp/redis.sock",
              "unsupported Redis URL scheme 'unix://' (expected redis://)");
    url_fails("localhost:6379",
              "Redis URL must look like redis://[[user]:password@]host[:port][/db]");
    url_fails("", "Redis URL must look like redis://[[user]:password@]host[:port][/db]");
    url_fails("redis:/h", "Redis URL must look like redis://[[user]:password@]host[:port][/db]");
    url_fails("redis://", "empty host in Redis URL");
    url_fails("redis:///0", "empty host in Redis URL");
    url_fails("redis://:6379", "empty host in Redis URL");
    url_fails("redis://:pw@", "empty host in Redis URL");
    url_fails("redis://[]:6379", "empty host in Redis URL");
    url_fails("redis://h:0", "invalid Redis port '0' (expected 1-65535)");
    url_fails("redis://h:65536", "invalid Redis port '65536' (expected 1-65535)");
    url_fails("redis://h:99999999999999999999",
              "invalid Redis port '9999999999999999' (expected 1-65535)");
    url_fails("redis://h:", "invalid Redis port '' (expected 1-65535)");
    url_fails("redis://h:-1", "invalid Redis port '-1' (expected 1-65535)");
    url_fails("redis://h:63x9", "invalid Redis port '63x9' (expected 1-65535)");
    url_fails("redis://h/3x", "invalid Redis database '3x' (expected 0-2147483647)");
    url_fails("redis://h/3/", "invalid Redis database '3/' (expected 0-2147483647)");
    url_fails("redis://h/-1", "invalid Redis database '-1' (expected 0-2147483647)");
    url_fails("redis://h/2147483648",
              "invalid Redis database '2147483648' (expected 0-2147483647)");
    url_fails("redis://h?db=1", "unexpected '?db=1' in Redis URL (no query or fragment)");
    url_fails("redis://h#x", "unexpected '#x' in Redis URL (no query or fragment)");
    url_fails("redis://h x", "Redis URL has a space or non-ASCII byte at offset 9");
    url_fails("redis://h\n", "Redis URL has a space or non-ASCII byte at offset 9");
    url_fails("redis://h\xc3\xa9", "Redis URL has a space or non-ASCII byte at offset 9");
    url_fails("redis://::1:6379", "an IPv6 Redis host needs brackets: redis://[::1]:6379");
    url_fails("redis://[::1", "unterminated '[' in the Redis host");
    url_fails("redis://[::1]6379", "unexpected text after ']' in the Redis host");
    url_fails("redis://[10.0.0.1]", "invalid IPv6 address '[10.0.0.1]' in Redis URL");
    url_fails("redis://[::g]", "invalid IPv6 address '[::g]' in Redis URL");
    url_fails("redis://h!st", "invalid character '!' in the Redis host");
    url_fails("redis://secret@h",
              "Redis URL user info needs a password: user:password@ or :password@");
    url_fails("redis://:pw%zz@h", "bad %-escape in the Redis URL password");
    url_fails("redis://:pw%00@h", "bad %-escape in the Redis URL password");
    url_fails("redis://:pw%4@h", "bad %-escape in the Redis URL password");
    url_fails("redis://u%g:pw@h", "bad %-escape in the Redis URL user name");
    url_fails(NULL, "no Redis URL");
    /* The password never shows in an error. */
    url_fails("redis://:hunter2@h:0", "invalid Redis port '0' (expected 1-65535)");

    /* err may be small or absent. */
    cluster_redis_url u;
    char tiny[8];
    ASSERT_EQ(cluster_redis_url_parse("rediss://h", &u, tiny, sizeof tiny), -1);
    ASSERT_STR_EQ(tiny, "TLS to ");
    ASSERT_EQ(cluster_redis_url_parse("rediss://h", &u, NULL, 0), -1);
    ASSERT_EQ(cluster_redis_url_parse("redis://h", NULL, err, sizeof err), -1);
}

static void test_duration(void) {
    static const struct {
        const char *text;
        uint32_t s;
    } ok[] = {
        {"0", 0},           {"90", 90},         {"90s", 90},      {"30m", 1800}, {"2h", 7200},
        {"604800", 604800}, {"10080m", 604800}, {"168h", 604800}, {"0h", 0},     {"007", 7},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint32_t s = 12345;
        ASSERT_EQ(cluster_duration_parse(ok[i].text, &s), 0);
        ASSERT_EQ(s, ok[i].s);
    }
    static const char *const bad[] = {
        "",
        "-1",
        "1.5m",
        "10x",
        "m",
        "s",
        "h",
        "604801",
        "10081m",
        "169h",
        "604801s",
        "1 m",
        " 1",
        "1 ",
        "+1",
        "1ms",
        "1d",
        "1M",
        "1H",
        "1mm",
        "0x10",
        "4294967296",
        "99999999999999999999999999",
        "4294967296s",
        "71582789m",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t s = 12345;
        ASSERT_EQ(cluster_duration_parse(bad[i], &s), -1);
        ASSERT_EQ(s, 12345);
    }
    uint32_t s;
    ASSERT_EQ(cluster_duration_parse(NULL, &s), -1);
    ASSERT_EQ(cluster_duration_parse("1", NULL), -1);
}

int main(void) {
    RUN_TEST(test_ids_urls_states);
    RUN_TEST(test_record_round_trip);
    RUN_TEST(test_record_encode_invalid);
    RUN_TEST(test_record_parse_lenient);
    RUN_TEST(test_record_parse_malformed);
    RUN_TEST(test_weight);
    RUN_TEST(test_hash);
    RUN_TEST(test_place_basic);
    RUN_TEST(test_place_fake_clock);
    RUN_TEST(test_place_stability);
    RUN_TEST(test_place_balance);
    RUN_TEST(test_place_weighted);
    RUN_TEST(test_redis_url);
    RUN_TEST(test_redis_url_user);
    RUN_TEST(test_duration);
    TEST_DONE();
}
