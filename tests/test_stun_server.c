/* Integration tests for the STUN server: a real server on loopback, real UDP
 * clients. "No answer" is shown with a barrier: after the packet that must
 * not be answered, the client sends a valid request, and the first reply it
 * gets must be the barrier's (one server thread, loopback keeps order). */
#include "stun/stun_msg.h"
#include "stun/stun_server.h"
#include "tests/test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 500

static stun_server *start_on(const char *const *addrs, size_t n, uint32_t rate, uint32_t burst) {
    stun_server_opts o = {
        .addrs = addrs, .n_addrs = n, .port = 0, .rate_per_sec = rate, .burst = burst};
    stun_server *s = NULL;
    char err[256] = "";
    int rc = stun_server_start(&s, &o, err, sizeof err);
    if (rc != 0) fprintf(stderr, "start: %s\n", err);
    ASSERT_EQ(rc, 0);
    ASSERT(s != NULL);
    ASSERT(stun_server_port(s) != 0);
    return s;
}

static stun_server *start_v4(uint32_t rate, uint32_t burst) {
    static const char *const addrs[] = {"127.0.0.1"};
    return start_on(addrs, 1, rate, burst);
}

static int client(int family, const char *ip, struct sockaddr_storage *self) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        ASSERT(inet_pton(AF_INET, ip, &sin->sin_addr) == 1);
        sl = sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        ASSERT(inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1);
        sl = sizeof *sin6;
    }
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT(fd >= 0);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
        close(fd);
        return -1;
    }
    socklen_t got = sizeof *self;
    ASSERT_EQ(getsockname(fd, (struct sockaddr *)self, &got), 0);
    return fd;
}

static void server_addr(const stun_server *s, int family, struct sockaddr_storage *out) {
    memset(out, 0, sizeof *out);
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)out;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(stun_server_port(s));
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(stun_server_port(s));
        sin6->sin6_addr = in6addr_loopback;
    }
}

static void send_to(int fd, const struct sockaddr_storage *to, const void *buf, size_t len) {
    socklen_t tl =
        to->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    ASSERT_EQ(sendto(fd, buf, len, 0, (const struct sockaddr *)to, tl), (ssize_t)len);
}

/* Next datagram within timeout_ms, or -1. */
static ssize_t recv_within(int fd, uint8_t *buf, size_t cap, int timeout_ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) != 1) return -1;
    return recv(fd, buf, cap, 0);
}

static void make_txid(uint8_t txid[12], int n) {
    for (int i = 0; i < 12; i++)
        txid[i] = (uint8_t)(n * 31 + i);
}

/* Sends a Binding request and checks that the very next reply answers it. */
static void barrier(int fd, const struct sockaddr_storage *srv, int n) {
    uint8_t txid[12], req[20], resp[128];
    make_txid(txid, 1000 + n);
    ASSERT_EQ(stun_msg_build_binding_request(req, sizeof req, txid, 0), 20);
    send_to(fd, srv, req, 20);
    ssize_t got = recv_within(fd, resp, sizeof resp, WAIT_MS);
    ASSERT(got > 20);
    ASSERT_MEM_EQ(resp + 8, txid, 12);
}

static void check_invariant(stun_server *s) {
    stun_server_stats st;
    stun_server_get_stats(s, &st);
    ASSERT_EQ(st.requests, st.answered + st.malformed + st.rate_limited + st.dropped_other);
}

/* The answered counter is bumped after the send: give it a moment. */
static void wait_answered(stun_server *s, uint64_t want) {
    stun_server_stats st;
    for (int i = 0; i < WAIT_MS; i++) {
        stun_server_get_stats(s, &st);
        if (st.answered >= want) break;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    ASSERT_EQ(st.answered, want);
    check_invariant(s);
}

static void test_bare_request(void) {
    stun_server *s = start_v4(1000, 1000);
    struct sockaddr_storage self, srv;
    int fd = client(AF_INET, "127.0.0.1", &self);
    server_addr(s, AF_INET, &srv);

    uint8_t txid[12], req[20], resp[128];
    make_txid(txid, 1);
    ASSERT_EQ(stun_msg_build_binding_request(req, sizeof req, txid, 0), 20);
    send_to(fd, &srv, req, 20);
    ASSERT_EQ(recv_within(fd, resp, sizeof resp, WAIT_MS), 32);

    stun_msg m;
    ASSERT_EQ(stun_msg_parse(&m, resp, 32), STUN_OK);
    ASSERT_EQ(m.cls, STUN_CLASS_SUCCESS);
    ASSERT_EQ(m.method, STUN_METHOD_BINDING);
    ASSERT_MEM_EQ(m.txid, txid, 12);
    ASSERT_EQ(m.has_fingerprint, 0);
    ASSERT_EQ(m.has_xor_mapped, 1);
    ASSERT_EQ(m.xor_mapped.ss_family, AF_INET);
    ASSERT_MEM_EQ(&m.xor_mapped, &self, sizeof(struct sockaddr_in));

    wait_answered(s, 1);
    close(fd);
    stun_server_stop(s);
}

static void test_fingerprint_and_padding(void) {
    stun_server *s = start_v4(1000, 1000);
    struct sockaddr_storage self, srv;
    int fd = client(AF_INET, "127.0.0.1", &self);
    server_addr(s, AF_INET, &srv);
    uint8_t txid[12], req[128], resp[128];
    stun_msg m;

    /* FINGERPRINT in, FINGERPRINT out: 28 -> 40 bytes. */
    make_txid(txid, 2);
    ASSERT_EQ(stun_msg_build_binding_request(req, sizeof req, txid, 1), 28);
    send_to(fd, &srv, req, 28);
    ASSERT_EQ(recv_within(fd, resp, sizeof resp, WAIT_MS), 40);
    ASSERT_EQ(stun_msg_parse(&m, resp, 40), STUN_OK);
    ASSERT_EQ(m.has_fingerprint, 1);
    ASSERT_MEM_EQ(m.txid, txid, 12);
    ASSERT_MEM_EQ(&m.xor_mapped, &self, sizeof(struct sockaddr_in));

    /* 36 bytes of an unknown comprehension-optional attribute: answered, and
     * nothing of it echoed back. */
    make_txid(txid, 3);
    ASSERT_EQ(stun_msg_build_binding_request(req, sizeof req, txid, 0), 20);
    memcpy(req + 20, "\xC0\x57\x00\x24", 4);
    memset(req + 24, 0xAB, 36);
    req[3] = 40;
    ASSERT_EQ(stun_msg_parse(&m, req, 60), STUN_OK);
    send_to(fd, &srv, req, 60);
    ssize_t got = recv_within(fd, resp, sizeof resp, WAIT_MS);
    ASSERT_EQ(got, 32);
    ASSERT(got <= 60);
    ASSERT_MEM_EQ(resp + 8, txid, 12);

    /* An unknown comprehension-required attribute: not answered. */
    make_txid(txid, 4);
    ASSERT_EQ(stun_msg_build_binding_request(req, sizeof req, txid, 0), 20);
    memcpy(req + 20, "\x40\x57\x00\x04\x01\x02\x03\x04", 8);
    req[3] = 8;
    send_to(fd, &srv, req, 28);
    barrier(fd, &srv, 4);

    wait_answered(s, 3);
    stun_server_stats st;
    stun_server_get_stats(s, &st);
    ASSERT_EQ(st.dropped_other, 1);
    close(fd);
    stun_server_stop(s);
}

static void test_garbage_not_answered(void) {
    stun_server *s = start_v4(1000, 1000);
    struct sockaddr_storage self, srv;
    int fd = client(AF_INET, "127.0.0.1", &self);
    server_addr(s, AF_INET, &srv);
    uint8_t txid[12], req[64];

    send_to(fd, &srv, "hello, are you a STUN server?", 29); /* not STUN */
    uint8_t rtp[64] = {0x80, 0x60};
    send_to(fd, &srv, rtp, sizeof rtp); /* top bits set */
    make_txid(txid, 5);
    ASSERT_EQ(stun_msg_build_binding_request(req, sizeof req, txid, 1), 28);
    req[27] ^= 1;
    send_to(fd, &srv, req, 28); /* bad FINGERPRINT */
    ASSERT_EQ(stun_msg_build_binding_request(req, sizeof req, txid, 0), 20);
    send_to(fd, &srv, req, 19); /* truncated */
    req[3] = 8;
    send_to(fd, &srv, req, 20); /* length longer than the datagram */
    barrier(fd, &srv, 5);

    /* Valid STUN that is not a Binding request: indication, success
     * response, another method. Dropped, counted apart from malformed. */
    ASSERT_EQ(stun_msg_build_binding_request(req, sizeof req, txid, 0), 20);
    req[1] = 0x11;
    send_to(fd, &srv, req, 20);
    req[0] = 0x01, req[1] = 0x01;
    send_to(fd, &srv, req, 20);
    req[0] = 0x00, req[1] = 0x03; /* Allocate request: we are not TURN */
    send_to(fd, &srv, req, 20);
    barrier(fd, &srv, 6);

    wait_answered(s, 2);
    stun_server_stats st;
    stun_server_get_stats(s, &st);
    ASSERT_EQ(st.malformed, 5);
    ASSERT_EQ(st.dropped_other, 3);
    ASSERT_EQ(st.rate_limited, 0);
    ASSERT_EQ(st.requests, 10);
    close(fd);
    stun_server_stop(s);
}

static void test_flood_rate_limited(void) {
    enum { BURST = 5, FLOOD = 200 };
    stun_server *s = start_v4(1, BURST);
    struct sockaddr_storage self_a, self_b, srv;
    int a = client(AF_INET, "127.0.0.1", &self_a);
    int b = client(AF_INET, "127.0.0.2", &self_b);
    ASSERT(a >= 0 && b >= 0);
    server_addr(s, AF_INET, &srv);
    uint8_t txid[12], req[20], resp[128];

    for (int i = 0; i < FLOOD; i++) {
        make_txid(txid, 100 + i);
        ASSERT_EQ(stun_msg_build_binding_request(req, sizeof req, txid, 0), 20);
        send_to(a, &srv, req, 20);
    }
    int answers = 0;
    while (recv_within(a, resp, sizeof resp, 300) > 0)
        answers++;
    ASSERT(answers >= 1);
    ASSERT(answers <= BURST + 2); /* the bucket refills at 1/s during the test */

    /* Another source is still served, and told its own address. */
    make_txid(txid, 7);
    ASSERT_EQ(stun_msg_build_binding_request(req, sizeof req, txid, 0), 20);
    send_to(b, &srv, req, 20);
    ASSERT_EQ(recv_within(b, resp, sizeof resp, WAIT_MS), 32);
    stun_msg m;
    ASSERT_EQ(stun_msg_parse(&m, resp, 32), STUN_OK);
    ASSERT_MEM_EQ(m.txid, txid, 12);
    ASSERT_MEM_EQ(&m.xor_mapped, &self_b, sizeof(struct sockaddr_in));

    wait_answered(s, (uint64_t)answers + 1);
    stun_server_stats st;
    stun_server_get_stats(s, &st);
    ASSERT(st.rate_limited > 0);
    ASSERT_EQ(st.malformed, 0);
    printf("     flood: %d of %d answered, %llu rate-limited\n", answers, FLOOD,
           (unsigned long long)st.rate_limited);
    close(a);
    close(b);
    stun_server_stop(s);
}

static void test_ipv6_and_shared_port(void) {
    struct sockaddr_storage self;
    int probe = client(AF_INET6, "::1", &self);
    if (probe < 0) {
        printf("     (no IPv6 loopback here: skipped)\n");
        return;
    }
    close(probe);
    static const char *const addrs[] = {"127.0.0.1", "[::1]"};
    stun_server *s = start_on(addrs, 2, 1000, 1000);
    struct sockaddr_storage srv4, srv6, self4;
    server_addr(s, AF_INET, &srv4);
    server_addr(s, AF_INET6, &srv6);
    int fd6 = client(AF_INET6, "::1", &self);
    int fd4 = client(AF_INET, "127.0.0.1", &self4);
    uint8_t txid[12], req[28], resp[128];
    stun_msg m;

    make_txid(txid, 8);
    ASSERT_EQ(stun_msg_build_binding_request(req, sizeof req, txid, 1), 28);
    send_to(fd6, &srv6, req, 28);
    ASSERT_EQ(recv_within(fd6, resp, sizeof resp, WAIT_MS), 52);
    ASSERT_EQ(stun_msg_parse(&m, resp, 52), STUN_OK);
    ASSERT_EQ(m.xor_mapped.ss_family, AF_INET6);
    const struct sockaddr_in6 *got = (const struct sockaddr_in6 *)&m.xor_mapped;
    const struct sockaddr_in6 *want = (const struct sockaddr_in6 *)&self;
    ASSERT_EQ(got->sin6_port, want->sin6_port);
    ASSERT_MEM_EQ(&got->sin6_addr, &want->sin6_addr, 16);

    /* The IPv4 socket has the same port. */
    send_to(fd4, &srv4, req, 28);
    ASSERT_EQ(recv_within(fd4, resp, sizeof resp, WAIT_MS), 40);
    wait_answered(s, 2);
    close(fd4);
    close(fd6);
    stun_server_stop(s);
}

static void test_start_errors(void) {
    char err[256];
    stun_server *s = (stun_server *)&err; /* must be reset to NULL on failure */

    static const char *const bad[] = {"stun.example.org"};
    stun_server_opts o = {.addrs = bad, .n_addrs = 1};
    ASSERT(stun_server_start(&s, &o, err, sizeof err) < 0);
    ASSERT(s == NULL);
    ASSERT(strstr(err, "stun.example.org") != NULL);

    o.n_addrs = 0;
    ASSERT(stun_server_start(&s, &o, err, sizeof err) < 0);

    /* The second server cannot have the first one's port; the error names
     * the address and the reason, and nothing is left bound. */
    stun_server *first = start_v4(0, 0);
    static const char *const both[] = {"127.0.0.2", "127.0.0.1"};
    o = (stun_server_opts){.addrs = both, .n_addrs = 2, .port = stun_server_port(first)};
    ASSERT(stun_server_start(&s, &o, err, sizeof err) < 0);
    ASSERT(s == NULL);
    ASSERT(strstr(err, "127.0.0.1") != NULL);
    ASSERT(strstr(err, "in use") != NULL);
    printf("     error as reported: %s\n", err);
    stun_server_stop(first);

    /* Once the first is gone, the same options work (127.0.0.2 was released). */
    ASSERT_EQ(stun_server_start(&s, &o, err, sizeof err), 0);
    stun_server_stop(s);
    stun_server_stop(NULL);
}

int main(void) {
    RUN_TEST(test_bare_request);
    RUN_TEST(test_fingerprint_and_padding);
    RUN_TEST(test_garbage_not_answered);
    RUN_TEST(test_flood_rate_limited);
    RUN_TEST(test_ipv6_and_shared_port);
    RUN_TEST(test_start_errors);
    TEST_DONE();
}
