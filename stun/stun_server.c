/* STUN server: the thin IO layer around stun_msg and stun_ratelimit.
 *
 * Threading: after start, everything in struct stun_server except the
 * counters belongs to the server thread. The counters are relaxed atomics
 * read by stun_server_get_stats; stop talks to the thread through a pipe. */
#include "stun/stun_server.h"

#include "common/clock.h"
#include "common/log.h"
#include "stun/stun_msg.h"
#include "stun/stun_ratelimit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define TAG "stun"
#define RECV_BUF 1500 /* larger datagrams are not Binding requests worth answering */
#define BATCH 64      /* datagrams per socket per wakeup, so one socket cannot starve others */

struct stun_server {
    pthread_t thread;
    int wake[2]; /* stop writes to wake[1]; the thread polls wake[0] */
    size_t n_fds;
    int fds[STUN_SERVER_MAX_ADDRS];
    uint16_t port;

    _Atomic uint64_t requests, answered, malformed, rate_limited, dropped_other;

    stun_ratelimit rl; /* server thread only */
};

/* Everything one datagram needs to be answered from where it arrived. */
typedef struct datagram {
    uint8_t buf[RECV_BUF];
    size_t len;
    int truncated;
    struct sockaddr_storage src;
    int has_pktinfo;
    struct in_pktinfo pi4;
    struct in6_pktinfo pi6;
} datagram;

static void count(_Atomic uint64_t *c) {
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static const char *addr_str(const struct sockaddr_storage *ss, char *buf, size_t n) {
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
        port = ntohs(sin->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
        port = ntohs(sin6->sin6_port);
    }
    snprintf(buf, n, ss->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
    return buf;
}

/* ---- receive / answer (server thread) ---------------------------------- */

static int recv_one(int fd, datagram *d) {
    union {
        char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = d->buf, .iov_len = sizeof d->buf};
    struct msghdr mh = {.msg_name = &d->src,
                        .msg_namelen = sizeof d->src,
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = ctl.b,
                        .msg_controllen = sizeof ctl.b};
    ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
    if (n < 0) return -1;
    d->len = (size_t)n;
    d->truncated = (mh.msg_flags & MSG_TRUNC) != 0;
    d->has_pktinfo = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            memcpy(&d->pi4, CMSG_DATA(c), sizeof d->pi4);
            d->has_pktinfo = AF_INET;
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            memcpy(&d->pi6, CMSG_DATA(c), sizeof d->pi6);
            d->has_pktinfo = AF_INET6;
        }
    }
    return 0;
}

/* Requests sent to a multicast or broadcast address get no answer: we could
 * not send from that address, and answering them serves nobody. */
static int to_group_address(const datagram *d) {
    if (d->has_pktinfo == AF_INET) {
        uint32_t a = ntohl(d->pi4.ipi_addr.s_addr);
        return IN_MULTICAST(a) || a == INADDR_BROADCAST;
    }
    if (d->has_pktinfo == AF_INET6) return IN6_IS_ADDR_MULTICAST(&d->pi6.ipi6_addr);
    return 0;
}

/* Sends from the address the request was sent to, so that a server bound to
 * a wildcard address on a multi-homed host answers through the same
 * NAT mapping the client used. */
static int send_reply(int fd, const datagram *d, const uint8_t *out, size_t len) {
    union {
        char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec iov = {.iov_base = (void *)out, .iov_len = len};
    struct msghdr mh = {.msg_name = (void *)&d->src,
                        .msg_namelen = d->src.ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                                                   : sizeof(struct sockaddr_in6),
                        .msg_iov = &iov,
                        .msg_iovlen = 1};
    if (d->has_pktinfo) {
        struct cmsghdr *c = (struct cmsghdr *)ctl.b;
        if (d->has_pktinfo == AF_INET) {
            struct in_pktinfo pi = {.ipi_ifindex = 0, .ipi_spec_dst = d->pi4.ipi_addr};
            c->cmsg_level = IPPROTO_IP;
            c->cmsg_type = IP_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof pi);
            memcpy(CMSG_DATA(c), &pi, sizeof pi);
            mh.msg_controllen = CMSG_SPACE(sizeof pi);
        } else {
            c->cmsg_level = IPPROTO_IPV6;
            c->cmsg_type = IPV6_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof d->pi6);
            memcpy(CMSG_DATA(c), &d->pi6, sizeof d->pi6);
            mh.msg_controllen = CMSG_SPACE(sizeof d->pi6);
        }
        mh.msg_control = ctl.b;
    }
    return sendmsg(fd, &mh, MSG_DONTWAIT) == (ssize_t)len ? 0 : -1;
}

/* The address to report: a dual-stack socket's ::ffff:a.b.c.d is reported as
 * the IPv4 address the client actually has. */
static void mapped_address(const struct sockaddr_storage *src, struct sockaddr_storage *out) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)src;
    if (src->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
        struct sockaddr_in *sin = (struct sockaddr_in *)out;
        memset(out, 0, sizeof *out);
        sin->sin_family = AF_INET;
        sin->sin_port = sin6->sin6_port;
        memcpy(&sin->sin_addr, sin6->sin6_addr.s6_addr + 12, 4);
        return;
    }
    *out = *src;
}

static uint16_t src_port(const struct sockaddr_storage *ss) {
    if (ss->ss_family == AF_INET) return ntohs(((const struct sockaddr_in *)ss)->sin_port);
    if (ss->ss_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    return 0;
}

static void handle_datagram(stun_server *s, int fd, const datagram *d) {
    char a[INET6_ADDRSTRLEN + 16];
    stun_msg m;
    int rc = d->truncated ? STUN_ERR_BAD_LENGTH : stun_msg_parse(&m, d->buf, d->len);
    if (rc != STUN_OK) {
        count(&s->malformed);
        LOG_RATELIMITED(LOG_WARN, TAG, "dropping %zu-byte malformed packet from %s: %s", d->len,
                        addr_str(&d->src, a, sizeof a), stun_strerror(rc));
        return;
    }
    if (m.cls != STUN_CLASS_REQUEST || m.method != STUN_METHOD_BINDING ||
        m.n_unknown_required > 0 || src_port(&d->src) == 0 || to_group_address(d)) {
        count(&s->dropped_other);
        return;
    }
    if (!stun_ratelimit_allow(&s->rl, (const struct sockaddr *)&d->src, clock_now_us())) {
        count(&s->rate_limited);
        LOG_RATELIMITED(LOG_INFO, TAG, "rate limiting Binding requests from %s",
                        addr_str(&d->src, a, sizeof a));
        return;
    }

    struct sockaddr_storage mapped;
    uint8_t out[STUN_BINDING_RESPONSE_MAX];
    mapped_address(&d->src, &mapped);
    int olen = stun_msg_build_binding_response(out, sizeof out, m.txid,
                                               (const struct sockaddr *)&mapped, m.has_fingerprint);
    /* Invariant of the response format; checked so that a later change to it
     * cannot quietly turn the server into an amplifier. */
    if (olen < 0 || (size_t)olen > d->len + STUN_SERVER_MAX_GROWTH) {
        count(&s->dropped_other);
        return;
    }
    if (send_reply(fd, d, out, (size_t)olen) != 0) {
        count(&s->dropped_other);
        LOG_RATELIMITED(LOG_WARN, TAG, "send to %s failed: %s", addr_str(&d->src, a, sizeof a),
                        strerror(errno));
        return;
    }
    count(&s->answered);
}

static void drain_socket(stun_server *s, int fd) {
    datagram d;
    for (int i = 0; i < BATCH; i++) {
        if (recv_one(fd, &d) != 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                LOG_RATELIMITED(LOG_WARN, TAG, "recvmsg: %s", strerror(errno));
            return;
        }
        count(&s->requests);
        handle_datagram(s, fd, &d);
    }
}

static void *server_main(void *arg) {
    stun_server *s = arg;
    struct pollfd pfd[STUN_SERVER_MAX_ADDRS + 1];
    pfd[0] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
    for (size_t i = 0; i < s->n_fds; i++)
        pfd[i + 1] = (struct pollfd){.fd = s->fds[i], .events = POLLIN};

    for (;;) {
        int n = poll(pfd, (nfds_t)(s->n_fds + 1), -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            LOG_E(TAG, "poll: %s; STUN server stopped", strerror(errno));
            return NULL;
        }
        if (pfd[0].revents) return NULL; /* stop requested */
        for (size_t i = 0; i < s->n_fds; i++) {
            if (pfd[i + 1].revents & POLLERR) {
                int e;
                socklen_t el = sizeof e; /* clears a pending ICMP error */
                getsockopt(s->fds[i], SOL_SOCKET, SO_ERROR, &e, &el);
            }
            if (pfd[i + 1].revents & POLLIN) drain_socket(s, s->fds[i]);
        }
    }
}

/* ---- setup (caller's thread) -------------------------------------------- */

/* Parses a numeric address ("192.0.2.1", "::", "[::1]", "fe80::1%eth0"). */
static int parse_addr(const char *text, uint16_t port, struct sockaddr_storage *out,
                      socklen_t *outlen) {
    char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    size_t n = strlen(text);
    if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
        text++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof host) return -1;
    memcpy(host, text, n);
    host[n] = '\0';

    char serv[8];
    snprintf(serv, sizeof serv, "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_DGRAM,
                             .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(host, serv, &hints, &ai) != 0 || !ai) return -1;
    memcpy(out, ai->ai_addr, ai->ai_addrlen);
    *outlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

/* Opens, configures and binds one socket; returns the fd or -1 with err set. */
static int open_socket(const char *text, uint16_t port, char *err, size_t errlen) {
    struct sockaddr_storage ss;
    socklen_t sl;
    if (parse_addr(text, port, &ss, &sl) != 0) {
        snprintf(err, errlen, "invalid STUN address '%s' (want a numeric IPv4 or IPv6 address)",
                 text);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket for %s: %s", text, strerror(errno));
        return -1;
    }
    int one = 1, rc;
    if (ss.ss_family == AF_INET6) {
        /* "::" and "0.0.0.0" must be able to share a port. */
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    } else {
        rc = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    }
    if (rc != 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0) {
        snprintf(err, errlen, "bind %s port %u: %s", text, port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static uint16_t bound_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) return 0;
    return src_port(&ss);
}

static void close_all(stun_server *s) {
    for (size_t i = 0; i < s->n_fds; i++)
        close(s->fds[i]);
    if (s->wake[0] >= 0) close(s->wake[0]);
    if (s->wake[1] >= 0) close(s->wake[1]);
}

static uint64_t random_seed(void) {
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
        seed = clock_wall_us() ^ ((uint64_t)getpid() << 32);
    return seed;
}

static int bind_all(stun_server *s, const stun_server_opts *opts, char *err, size_t errlen) {
    uint16_t port = opts->port;
    for (size_t i = 0; i < opts->n_addrs; i++) {
        const char *text = opts->addrs[i] ? opts->addrs[i] : "";
        int fd = open_socket(text, port, err, errlen);
        if (fd < 0) return -1;
        s->fds[s->n_fds++] = fd;
        if (port == 0) port = bound_port(fd); /* the others share the chosen port */
        if (port == 0) {
            snprintf(err, errlen, "getsockname for %s: %s", text, strerror(errno));
            return -1;
        }
    }
    s->port = port;
    return 0;
}

int stun_server_start(stun_server **out, const stun_server_opts *opts, char *err, size_t errlen) {
    char dummy[1];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (!out) return -1;
    *out = NULL;
    if (!opts || !opts->addrs || opts->n_addrs == 0 || opts->n_addrs > STUN_SERVER_MAX_ADDRS) {
        snprintf(err, errlen, "STUN server needs 1 to %d addresses", STUN_SERVER_MAX_ADDRS);
        return -1;
    }
    stun_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->wake[0] = s->wake[1] = -1;
    uint32_t rate = opts->rate_per_sec ? opts->rate_per_sec : STUN_SERVER_DEFAULT_RATE;
    uint32_t burst = opts->burst ? opts->burst : STUN_SERVER_DEFAULT_BURST;
    stun_ratelimit_init(&s->rl, rate, burst, random_seed());

    int rc = bind_all(s, opts, err, errlen);
    if (rc == 0 && pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        rc = -1;
    }
    if (rc == 0) {
        /* The thread inherits a full mask: signals are the main thread's business. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int e = pthread_create(&s->thread, NULL, server_main, s);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (e != 0) {
            snprintf(err, errlen, "pthread_create: %s", strerror(e));
            rc = -1;
        }
    }
    if (rc != 0) {
        close_all(s);
        free(s);
        return -1;
    }
    for (size_t i = 0; i < opts->n_addrs; i++)
        LOG_I(TAG, "STUN server on %s port %u (%u/s per source, burst %u)", opts->addrs[i], s->port,
              rate, burst);
    *out = s;
    return 0;
}

void stun_server_stop(stun_server *s) {
    if (!s) return;
    ssize_t w;
    do {
        w = write(s->wake[1], "x", 1);
    } while (w < 0 && errno == EINTR);
    pthread_join(s->thread, NULL);
    close_all(s);
    free(s);
}

void stun_server_get_stats(stun_server *s, stun_server_stats *out) {
    out->requests = atomic_load_explicit(&s->requests, memory_order_relaxed);
    out->answered = atomic_load_explicit(&s->answered, memory_order_relaxed);
    out->malformed = atomic_load_explicit(&s->malformed, memory_order_relaxed);
    out->rate_limited = atomic_load_explicit(&s->rate_limited, memory_order_relaxed);
    out->dropped_other = atomic_load_explicit(&s->dropped_other, memory_order_relaxed);
}

uint16_t stun_server_port(const stun_server *s) {
    return s->port;
}
