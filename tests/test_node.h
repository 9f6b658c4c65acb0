/* Starting and stopping a real `relais` node (RELAIS_BIN) for tests that
 * talk to it over loopback: a free port, the node's process, its log. */
#ifndef RELAIS_TEST_NODE_H
#define RELAIS_TEST_NODE_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <glib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "tests/test.h"

/* RELAIS_BIN when it names an executable, else NULL (the test skips). */
static inline const char *test_node_bin(void) {
    const char *bin = getenv("RELAIS_BIN");
    return bin && *bin && access(bin, X_OK) == 0 ? bin : NULL;
}

static inline int test_free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    ASSERT(fd >= 0);
    ASSERT(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    ASSERT(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static inline int test_tcp_accepts(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* Starts `bin --listen 127.0.0.1:PORT --stun-listen off --rtp-ports RTP
 * --log-level warn --workers 1 EXTRA...` (extra: NULL-terminated, may be
 * NULL), its stderr to log_path unless NULL, and waits until it accepts. */
static inline pid_t test_node_start(const char *bin, int port, const char *rtp_ports,
                                    const char *const *extra, const char *log_path) {
    char listen[32];
    const char *argv[64] = {bin,       "--listen",    listen, "--stun-listen", "off", "--rtp-ports",
                            rtp_ports, "--log-level", "warn", "--workers",     "1"};
    int argc = 11;
    for (int i = 0; extra && extra[i] && argc < 63; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        /* A failed check exits the test at once: the node must not outlive
         * it (and hold ctest's output pipe open). */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() == 1) _exit(125);
        if (log_path) {
            int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (fd < 0 || dup2(fd, 2) < 0) _exit(126);
        }
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    uint64_t end = clock_now_us() + 5000000;
    while (!test_tcp_accepts(port)) {
        int st;
        ASSERT(waitpid(pid, &st, WNOHANG) == 0); /* still running */
        ASSERT(clock_now_us() < end);
        g_usleep(20000);
    }
    return pid;
}

/* SIGTERM, and the node must be gone within 5 s (it holds no rooms). */
static inline void test_node_stop(pid_t pid) {
    kill(pid, SIGTERM);
    uint64_t end = clock_now_us() + 5000000;
    int st;
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (clock_now_us() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            ASSERT(!"node did not stop on SIGTERM");
        }
        g_usleep(20000);
    }
    ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

#endif
