/* Tests for the node configuration (common/config.h). */
#include "common/config.h"
#include "tests/test.h"

#include <sys/socket.h>
#include <unistd.h>

static char err[512];

static int text(relais_config *c, const char *t) {
    err[0] = '\0';
    return config_parse_text(c, t, strlen(t), "relais.conf", err, sizeof err);
}

/* Expects the file text to fail with exactly `want`. */
static void text_fails(const char *t, const char *want) {
    relais_config c;
    config_defaults(&c);
    ASSERT_EQ(text(&c, t), -1);
    ASSERT_STR_EQ(err, want);
}

/* Runs config_parse_args over a NULL-terminated list (argv[0] added). */
static int args(relais_config *c, const char *const *list) {
    char *argv[64] = {"relais"};
    int argc = 1;
    while (*list)
        argv[argc++] = (char *)*list++;
    err[0] = '\0';
    return config_parse_args(c, argc, argv, err, sizeof err);
}

static void args_fail(const char *const *list, const char *want) {
    relais_config c;
    config_defaults(&c);
    ASSERT_EQ(args(&c, list), -1);
    ASSERT_STR_EQ(err, want);
}

static char *ep(const config_endpoint *e) {
    static char buf[64];
    return (char *)config_endpoint_str(e, buf, sizeof buf);
}

/* Writes a temporary file; returns its path (static buffer per slot). */
static const char *tmpfile_with(int slot, const char *content) {
    static char paths[4][64];
    snprintf(paths[slot], sizeof paths[slot], "/tmp/relais-test-config-XXXXXX");
    int fd = mkstemp(paths[slot]);
    ASSERT(fd >= 0);
    ASSERT_EQ(write(fd, content, strlen(content)), (long long)strlen(content));
    close(fd);
    return paths[slot];
}

static void test_defaults(void) {
    relais_config c;
    memset(&c, 0x5a, sizeof c);
    config_defaults(&c);
    ASSERT_STR_EQ(ep(&c.listen), "127.0.0.1:8080");
    ASSERT_EQ(c.listen.addr.family, AF_INET);
    ASSERT_EQ(c.n_media, 1);
    ASSERT_STR_EQ(c.media[0].host, "127.0.0.1");
    ASSERT_EQ(c.has_announce, 0);
    ASSERT_EQ(c.rtp_port_lo, 40000);
    ASSERT_EQ(c.rtp_port_hi, 49999);
    ASSERT_EQ(c.stun_mode, CONFIG_STUN_DEFAULT);
    ASSERT_EQ(c.n_stun_listen, 0);
    ASSERT_EQ(c.workers, 0);
    ASSERT_STR_EQ(c.tls_cert, "");
    ASSERT_STR_EQ(c.tls_key, "");
    ASSERT_STR_EQ(c.web_root, "web-client"); /* no RELAIS_WEB_ROOT in this test */
    ASSERT_EQ(c.max_message_bytes, 262144);
    ASSERT_EQ(c.room_size, 100);
    ASSERT_EQ(c.max_rooms, 1000);
    ASSERT_EQ(c.join_rate, 20);
    ASSERT_EQ(c.n_trusted_proxy, 0);
    ASSERT_EQ(c.ws_per_ip, 500);
    ASSERT_EQ(c.message_rate, 100);
    ASSERT_EQ(c.n_allowed_origin, 0);
    ASSERT_EQ(c.stun_rate, 20);
    ASSERT_EQ(c.log_level, LOG_INFO);
    ASSERT_EQ(c.max_bitrate, 2500);
    ASSERT_EQ(config_validate(&c, err, sizeof err), 0);

    config_endpoint st[CONFIG_MAX_ADDRS];
    ASSERT_EQ(config_stun_endpoints(&c, st), 1);
    ASSERT_STR_EQ(ep(&st[0]), "127.0.0.1:3478");

    config_defaults_web_root(&c, "/usr/share/relais/web");
    ASSERT_STR_EQ(c.web_root, "/usr/share/relais/web");
}

static const char *full_file = "\xef\xbb\xbf# Relais node\r\n"
                               "\n"
                               "listen = [::1]:8443\r\n"
                               "  media-address=10.0.0.5\n"
                               "media-address = ::1\n"
                               "announce-address = 203.0.113.7\n"
                               "\t# indented comment\n"
                               "rtp-ports = 20000-20100\n"
                               "stun-listen = 10.0.0.5:3479\n"
                               "stun-listen = [::1]:3479\n"
                               "workers = 4\n"
                               "tls-cert = /etc/relais/cert.pem\n"
                               "tls-key = /etc/relais/key with space.pem   \n"
                               "web-root = /srv/relais web\n"
                               "max-message-bytes = 1024\n"
                               "room-size = 2\n"
                               "max-rooms = 5\n"
                               "join-rate = 0\n"
                               "trusted-proxy = 10.0.0.0/8\n"
                               "trusted-proxy = 2001:db8::7\n"
                               "ws-per-ip = 3\n"
                               "message-rate = 250\n"
                               "allowed-origin = https://meet.example.org\n"
                               "allowed-origin = http://[::1]:8080\n"
                               "stun-rate = 100\n"
                               "log-level = debug\n"
                               "max-bitrate = 800"; /* no final newline */

static void test_file_all_options(void) {
    relais_config c;
    config_defaults(&c);
    ASSERT_EQ(text(&c, full_file), 0);
    ASSERT_STR_EQ(ep(&c.listen), "[::1]:8443");
    ASSERT_EQ(c.listen.addr.family, AF_INET6);
    ASSERT_EQ(c.n_media, 2);
    ASSERT_STR_EQ(c.media[0].host, "10.0.0.5");
    ASSERT_STR_EQ(c.media[1].host, "::1");
    ASSERT_EQ(c.media[1].family, AF_INET6);
    ASSERT_EQ(c.has_announce, 1);
    ASSERT_STR_EQ(c.announce.host, "203.0.113.7");
    ASSERT_EQ(c.rtp_port_lo, 20000);
    ASSERT_EQ(c.rtp_port_hi, 20100);
    ASSERT_EQ(c.stun_mode, CONFIG_STUN_LISTED);
    ASSERT_EQ(c.n_stun_listen, 2);
    ASSERT_STR_EQ(ep(&c.stun_listen[0]), "10.0.0.5:3479");
    ASSERT_STR_EQ(ep(&c.stun_listen[1]), "[::1]:3479");
    ASSERT_EQ(c.workers, 4);
    ASSERT_STR_EQ(c.tls_cert, "/etc/relais/cert.pem");
    ASSERT_STR_EQ(c.tls_key, "/etc/relais/key with space.pem");
    ASSERT_STR_EQ(c.web_root, "/srv/relais web");
    ASSERT_EQ(c.max_message_bytes, 1024);
    ASSERT_EQ(c.room_size, 2);
    ASSERT_EQ(c.max_rooms, 5);
    ASSERT_EQ(c.join_rate, 0);
    ASSERT_EQ(c.n_trusted_proxy, 2);
    char net[64];
    ipnet_format(&c.trusted_proxy[0], net, sizeof net);
    ASSERT_STR_EQ(net, "10.0.0.0/8");
    ipnet_format(&c.trusted_proxy[1], net, sizeof net);
    ASSERT_STR_EQ(net, "2001:db8::7");
    ASSERT_EQ(c.ws_per_ip, 3);
    ASSERT_EQ(c.message_rate, 250);
    ASSERT_EQ(c.n_allowed_origin, 2);
    ASSERT_STR_EQ(c.allowed_origin[0], "https://meet.example.org");
    ASSERT_STR_EQ(c.allowed_origin[1], "http://[::1]:8080");
    ASSERT_EQ(c.stun_rate, 100);
    ASSERT_EQ(c.log_level, LOG_DEBUG);
    ASSERT_EQ(c.max_bitrate, 800);
    /* The TLS files do not exist; everything else is consistent except the
     * announce address with two media addresses. */
    ASSERT_EQ(config_validate(&c, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "tls-cert: cannot read '/etc/relais/cert.pem': No such file or directory");

    /* Empty and comment-only texts change nothing. */
    relais_config d, e;
    config_defaults(&d);
    config_defaults(&e);
    ASSERT_EQ(text(&d, ""), 0);
    ASSERT_EQ(text(&d, "\n\n# x = y\n   \n\t\r\n"), 0);
    ASSERT_MEM_EQ(&d, &e, sizeof d);
    /* The last value of a single option wins. */
    ASSERT_EQ(text(&d, "workers = 3\nworkers = 5\n"), 0);
    ASSERT_EQ(d.workers, 5);
    /* Levels are case-insensitive; values may contain '='. */
    ASSERT_EQ(text(&d, "log-level = WARN\nweb-root = /a=b\n"), 0);
    ASSERT_EQ(d.log_level, LOG_WARN);
    ASSERT_STR_EQ(d.web_root, "/a=b");
}

static void test_file_errors(void) {
    text_fails("listen = 127.0.0.1:8080\n\nrtp-ports = 5000-100\n",
               "relais.conf:3: rtp-ports: expected LO-HI with 1024 <= LO <= HI <= 65535, got "
               "'5000-100'");
    text_fails("rtp-ports = 80-2000", "relais.conf:1: rtp-ports: expected LO-HI with 1024 <= LO "
                                      "<= HI <= 65535, got '80-2000'");
    text_fails("rtp-ports = 5000", "relais.conf:1: rtp-ports: expected LO-HI with 1024 <= LO <= "
                                   "HI <= 65535, got '5000'");
    text_fails("rtp-ports = 5000-65536", "relais.conf:1: rtp-ports: expected LO-HI with 1024 <= "
                                         "LO <= HI <= 65535, got '5000-65536'");
    text_fails("rtp-ports = -5000-6000", "relais.conf:1: rtp-ports: expected LO-HI with 1024 <= "
                                         "LO <= HI <= 65535, got '-5000-6000'");
    text_fails("# c\nfoo = 1\n", "relais.conf:2: unknown option 'foo'");
    text_fails("--listen = 1.2.3.4:5\n", "relais.conf:1: write 'listen' without the leading '--'");
    text_fails("config = other.conf\n",
               "relais.conf:1: 'config' is only valid on the command line");
    text_fails("help = 1\n", "relais.conf:1: 'help' is only valid on the command line");
    text_fails("workers 4\n", "relais.conf:1: expected 'name = value', got 'workers 4'");
    text_fails("workers = 4 # four\n",
               "relais.conf:1: workers: expected an integer from 0 to 64, got '4 # four'");
    text_fails("workers = 65\n",
               "relais.conf:1: workers: expected an integer from 0 to 64, got '65'");
    text_fails("workers =\n", "relais.conf:1: workers: expected an integer from 0 to 64, got ''");
    text_fails("workers = +4\n",
               "relais.conf:1: workers: expected an integer from 0 to 64, got '+4'");
    text_fails("workers = 99999999999999999999999\n",
               "relais.conf:1: workers: expected an integer from 0 to 64, got "
               "'99999999999999999999999'");
    text_fails("listen = localhost:8080\n",
               "relais.conf:1: listen: expected ADDR:PORT (IPv6 as [ADDR]:PORT), got "
               "'localhost:8080'");
    text_fails("listen = ::1:8080\n", "relais.conf:1: listen: expected ADDR:PORT (IPv6 as "
                                      "[ADDR]:PORT), got '::1:8080'");
    text_fails("listen = 127.0.0.1\n", "relais.conf:1: listen: expected ADDR:PORT (IPv6 as "
                                       "[ADDR]:PORT), got '127.0.0.1'");
    text_fails("listen = 127.0.0.1:65536\n", "relais.conf:1: listen: expected ADDR:PORT (IPv6 as "
                                             "[ADDR]:PORT), got '127.0.0.1:65536'");
    text_fails("listen = [127.0.0.1]:80\n", "relais.conf:1: listen: expected ADDR:PORT (IPv6 as "
                                            "[ADDR]:PORT), got '[127.0.0.1]:80'");
    text_fails("media-address = 10.0.0.256\n", "relais.conf:1: media-address: expected an IPv4 "
                                               "or IPv6 address, got '10.0.0.256'");
    text_fails("media-address = 0.0.0.0\n", "relais.conf:1: media-address: expected a concrete "
                                            "address (not 0.0.0.0 or ::), got '0.0.0.0'");
    text_fails("announce-address = ::\n", "relais.conf:1: announce-address: expected a concrete "
                                          "address (not 0.0.0.0 or ::), got '::'");
    text_fails("stun-listen = 1.2.3.4\n", "relais.conf:1: stun-listen: expected ADDR:PORT (IPv6 "
                                          "as [ADDR]:PORT) or 'off', got '1.2.3.4'");
    text_fails("stun-listen = off\nstun-listen = 1.2.3.4:3478\n",
               "relais.conf:2: stun-listen: 'off' cannot be combined with addresses");
    text_fails("stun-listen = 1.2.3.4:3478\nstun-listen = off\n",
               "relais.conf:2: stun-listen: 'off' cannot be combined with addresses");
    text_fails("tls-cert =\n", "relais.conf:1: tls-cert: expected a path of 1-1023 bytes");
    text_fails("max-message-bytes = 1023\n", "relais.conf:1: max-message-bytes: expected an "
                                             "integer from 1024 to 16777216, got '1023'");
    text_fails("max-message-bytes = 16777217\n", "relais.conf:1: max-message-bytes: expected an "
                                                 "integer from 1024 to 16777216, got '16777217'");
    text_fails("room-size = 1\n",
               "relais.conf:1: room-size: expected an integer from 2 to 10000, got '1'");
    text_fails("max-rooms = 0\n",
               "relais.conf:1: max-rooms: expected an integer from 1 to 1000000, got '0'");
    text_fails("join-rate = -1\n",
               "relais.conf:1: join-rate: expected an integer from 0 to 1000000, got '-1'");
    text_fails("allowed-origin = meet.example.org\n",
               "relais.conf:1: allowed-origin: expected an origin such as "
               "https://meet.example.org[:PORT] or '*', got 'meet.example.org'");
    text_fails("allowed-origin = https://meet.example.org/\n",
               "relais.conf:1: allowed-origin: expected an origin such as "
               "https://meet.example.org[:PORT] or '*', got 'https://meet.example.org/'");
    text_fails("allowed-origin = https://\n",
               "relais.conf:1: allowed-origin: expected an origin such as "
               "https://meet.example.org[:PORT] or '*', got 'https://'");
    text_fails("ws-per-ip = -1\n",
               "relais.conf:1: ws-per-ip: expected an integer from 0 to 1000000, got '-1'");
    text_fails("message-rate = 100001\n",
               "relais.conf:1: message-rate: expected an integer from 0 to 100000, got '100001'");
    text_fails("trusted-proxy = 10.0.0.5/8\n",
               "relais.conf:1: trusted-proxy: expected an IP address or network (ADDR/PREFIX, no "
               "bits set after the prefix), got '10.0.0.5/8'");
    text_fails("trusted-proxy = proxy.example.org\n",
               "relais.conf:1: trusted-proxy: expected an IP address or network (ADDR/PREFIX, no "
               "bits set after the prefix), got 'proxy.example.org'");
    text_fails("trusted-proxy = 1.0.0.0/8\ntrusted-proxy = 2.0.0.0/8\ntrusted-proxy = "
               "3.0.0.0/8\ntrusted-proxy = 4.0.0.0/8\ntrusted-proxy = 5.0.0.0/8\ntrusted-proxy "
               "= 6.0.0.0/8\ntrusted-proxy = 7.0.0.0/8\ntrusted-proxy = 8.0.0.0/8\ntrusted-proxy "
               "= 9.0.0.0/8\ntrusted-proxy = 10.0.0.0/8\ntrusted-proxy = 11.0.0.0/8\n"
               "trusted-proxy = 12.0.0.0/8\ntrusted-proxy = 13.0.0.0/8\ntrusted-proxy = "
               "14.0.0.0/8\ntrusted-proxy = 15.0.0.0/8\ntrusted-proxy = 16.0.0.0/8\n"
               "trusted-proxy = 17.0.0.0/8\n",
               "relais.conf:17: trusted-proxy: at most 16 networks");
    text_fails("stun-rate = x\n",
               "relais.conf:1: stun-rate: expected an integer from 0 to 1000000, got 'x'");
    text_fails("log-level = verbose\n",
               "relais.conf:1: log-level: expected debug, info, warn or error, got 'verbose'");
    text_fails("max-bitrate = 10\n",
               "relais.conf:1: max-bitrate: expected an integer from 50 to 100000, got '10'");
    /* Long values are cut in the message. */
    text_fails("workers = 0123456789012345678901234567890123456789012345678901234567890123456789\n",
               "relais.conf:1: workers: expected an integer from 0 to 64, got "
               "'0123456789012345678901234567890123456789012345678901234567890123...'");
    /* Bytes the parser cannot take. */
    relais_config c;
    config_defaults(&c);
    ASSERT_EQ(config_parse_text(&c, "workers = 1\nwork\0ers = 2\n", 25, "x.conf", err, sizeof err),
              -1);
    ASSERT_STR_EQ(err, "x.conf:2: NUL byte in line");
    char *big = malloc(5000);
    memset(big, 'a', 4999);
    big[4999] = '\0';
    memcpy(big, "\nweb-root = /", 13);
    ASSERT_EQ(text(&c, big), -1);
    ASSERT_STR_EQ(err, "relais.conf:2: line longer than 4095 bytes");
    free(big);
    /* A path of 1023 bytes fits, 1024 does not. */
    char line[1200] = "web-root = ";
    memset(line + 11, 'p', 1023);
    ASSERT_EQ(text(&c, line), 0);
    ASSERT_EQ(strlen(c.web_root), 1023);
    strcat(line, "p");
    ASSERT_EQ(text(&c, line), -1);
    ASSERT_STR_EQ(err, "relais.conf:1: web-root: expected a path of 1-1023 bytes");
}

static void test_repeatable(void) {
    relais_config c;
    config_defaults(&c);
    /* A source that gives the option replaces the default / earlier list. */
    ASSERT_EQ(text(&c, "media-address = 10.0.0.1\nmedia-address = 10.0.0.2\n"), 0);
    ASSERT_EQ(c.n_media, 2);
    ASSERT_STR_EQ(c.media[0].host, "10.0.0.1");
    ASSERT_STR_EQ(c.media[1].host, "10.0.0.2");
    ASSERT_EQ(text(&c, "media-address = 10.0.0.3\n"), 0);
    ASSERT_EQ(c.n_media, 1);
    ASSERT_STR_EQ(c.media[0].host, "10.0.0.3");

    char buf[512] = "";
    for (int i = 1; i <= 8; i++)
        sprintf(buf + strlen(buf), "media-address = 10.0.0.%d\n", i);
    ASSERT_EQ(text(&c, buf), 0);
    ASSERT_EQ(c.n_media, 8);
    strcat(buf, "media-address = 10.0.0.9\n");
    ASSERT_EQ(text(&c, buf), -1);
    ASSERT_STR_EQ(err, "relais.conf:9: media-address: at most 8 addresses");

    /* Canonical forms. */
    ASSERT_EQ(text(&c, "media-address = 0:0::1\nmedia-address = [FE80::A]\n"), 0);
    ASSERT_STR_EQ(c.media[0].host, "::1");
    ASSERT_STR_EQ(c.media[1].host, "fe80::a");

    /* stun-listen: default, listed, off. */
    config_endpoint st[CONFIG_MAX_ADDRS];
    config_defaults(&c);
    ASSERT_EQ(text(&c, "media-address = 10.0.0.1\nmedia-address = ::1\n"), 0);
    ASSERT_EQ(config_stun_endpoints(&c, st), 2);
    ASSERT_STR_EQ(ep(&st[0]), "10.0.0.1:3478");
    ASSERT_STR_EQ(ep(&st[1]), "[::1]:3478");
    ASSERT_EQ(text(&c, "stun-listen = 0.0.0.0:3478\nstun-listen = [::]:0\n"), 0);
    ASSERT_EQ(config_stun_endpoints(&c, st), 2);
    ASSERT_STR_EQ(ep(&st[0]), "0.0.0.0:3478");
    ASSERT_STR_EQ(ep(&st[1]), "[::]:0");
    ASSERT_EQ(text(&c, "stun-listen = off\nstun-listen = off\n"), 0);
    ASSERT_EQ(c.stun_mode, CONFIG_STUN_OFF);
    ASSERT_EQ(config_stun_endpoints(&c, st), 0);
    /* A later source may turn it back on. */
    ASSERT_EQ(text(&c, "stun-listen = 127.0.0.1:3478\n"), 0);
    ASSERT_EQ(c.stun_mode, CONFIG_STUN_LISTED);
    ASSERT_EQ(config_stun_endpoints(&c, st), 1);
}

static void test_cli(void) {
    relais_config c;
    config_defaults(&c);
    ASSERT_EQ(args(&c, (const char *[]){NULL}), 0);
    relais_config d;
    config_defaults(&d);
    ASSERT_MEM_EQ(&c, &d, sizeof c);

    ASSERT_EQ(args(&c, (const char *[]){"--listen",
                                        "[::]:443",
                                        "--workers=2",
                                        "--rtp-ports",
                                        "50000-50010",
                                        "--log-level=error",
                                        "--media-address",
                                        "192.0.2.1",
                                        "--media-address=192.0.2.2",
                                        "--announce-address",
                                        "198.51.100.1",
                                        "--stun-listen=off",
                                        "--tls-cert",
                                        "c.pem",
                                        "--tls-key=k.pem",
                                        "--web-root",
                                        "/w",
                                        "--max-message-bytes",
                                        "65536",
                                        "--room-size=50",
                                        "--max-rooms",
                                        "7",
                                        "--join-rate=600",
                                        "--trusted-proxy",
                                        "192.0.2.0/24",
                                        "--stun-rate",
                                        "0",
                                        "--max-bitrate=5000",
                                        NULL}),
              0);
    ASSERT_STR_EQ(ep(&c.listen), "[::]:443");
    ASSERT_EQ(c.workers, 2);
    ASSERT_EQ(c.rtp_port_lo, 50000);
    ASSERT_EQ(c.rtp_port_hi, 50010);
    ASSERT_EQ(c.log_level, LOG_ERROR);
    ASSERT_EQ(c.n_media, 2);
    ASSERT_STR_EQ(c.media[1].host, "192.0.2.2");
    ASSERT_STR_EQ(c.announce.host, "198.51.100.1");
    ASSERT_EQ(c.stun_mode, CONFIG_STUN_OFF);
    ASSERT_STR_EQ(c.tls_cert, "c.pem");
    ASSERT_STR_EQ(c.tls_key, "k.pem");
    ASSERT_STR_EQ(c.web_root, "/w");
    ASSERT_EQ(c.max_message_bytes, 65536);
    ASSERT_EQ(c.room_size, 50);
    ASSERT_EQ(c.max_rooms, 7);
    ASSERT_EQ(c.join_rate, 600);
    /* The command line's list replaces the file's (there was none here). */
    ASSERT_EQ(c.n_trusted_proxy, 1);
    ASSERT_EQ(c.trusted_proxy[0].prefix, 24);
    ASSERT_EQ(c.stun_rate, 0);
    ASSERT_EQ(c.max_bitrate, 5000);

    /* A value may start with '-' or contain '='. */
    ASSERT_EQ(args(&c, (const char *[]){"--web-root", "--odd=dir", NULL}), 0);
    ASSERT_STR_EQ(c.web_root, "--odd=dir");
}

static void test_cli_overrides_file(void) {
    const char *path = tmpfile_with(0, "workers = 3\n"
                                       "room-size = 10\n"
                                       "media-address = 10.0.0.1\n"
                                       "media-address = 10.0.0.2\n"
                                       "stun-listen = 10.0.0.1:3478\n");
    relais_config c;
    config_defaults(&c);
    /* --config is applied first even when it comes last. */
    ASSERT_EQ(args(&c, (const char *[]){"--workers", "6", "--media-address=10.0.0.9", "--config",
                                        path, NULL}),
              0);
    ASSERT_EQ(c.workers, 6);
    ASSERT_EQ(c.room_size, 10);
    ASSERT_EQ(c.n_media, 1); /* the command line's list replaces the file's */
    ASSERT_STR_EQ(c.media[0].host, "10.0.0.9");
    ASSERT_EQ(c.n_stun_listen, 1); /* untouched on the command line: the file's */
    ASSERT_STR_EQ(ep(&c.stun_listen[0]), "10.0.0.1:3478");

    config_defaults(&c);
    ASSERT_EQ(args(&c, (const char *[]){"--config=", NULL}), -1);
    ASSERT_STR_EQ(err, ": cannot read: No such file or directory");
    ASSERT_EQ(args(&c, (const char *[]){"--config", "/nonexistent/relais.conf", NULL}), -1);
    ASSERT_STR_EQ(err, "/nonexistent/relais.conf: cannot read: No such file or directory");
    ASSERT_EQ(args(&c, (const char *[]){"--config", path, "--config", path, NULL}), -1);
    ASSERT_STR_EQ(err, "--config: given more than once");

    /* A file error names the file and line. */
    const char *badf = tmpfile_with(1, "# x\nworkers = 3\nrtp-ports = 5000-100\n");
    ASSERT_EQ(args(&c, (const char *[]){"--config", badf, NULL}), -1);
    char want[256];
    snprintf(want, sizeof want,
             "%s:3: rtp-ports: expected LO-HI with 1024 <= LO <= HI <= 65535, got '5000-100'",
             badf);
    ASSERT_STR_EQ(err, want);
    config_defaults(&c);
    ASSERT_EQ(config_load_file(&c, badf, err, sizeof err), -1);
    ASSERT_STR_EQ(err, want);
    ASSERT_EQ(config_load_file(&c, path, err, sizeof err), 0);
    ASSERT_EQ(c.workers, 3);
    unlink(path);
    unlink(badf);
}

static void test_cli_errors(void) {
    args_fail((const char *[]){"--rtp-ports", "5000-100", NULL},
              "--rtp-ports: expected LO-HI with 1024 <= LO <= HI <= 65535, got '5000-100'");
    args_fail((const char *[]){"--rtp-ports=1-2", NULL},
              "--rtp-ports: expected LO-HI with 1024 <= LO <= HI <= 65535, got '1-2'");
    args_fail((const char *[]){"--listen", NULL}, "--listen: missing value ADDR:PORT");
    args_fail((const char *[]){"--listen=", NULL},
              "--listen: expected ADDR:PORT (IPv6 as [ADDR]:PORT), got ''");
    args_fail((const char *[]){"--bogus", NULL}, "unknown option '--bogus' (see --help)");
    args_fail((const char *[]){"--bogus=1", NULL}, "unknown option '--bogus' (see --help)");
    args_fail((const char *[]){"--", NULL}, "unexpected argument '--' (options start with --)");
    args_fail((const char *[]){"-v", NULL}, "unexpected argument '-v' (options start with --)");
    args_fail((const char *[]){"serve", NULL},
              "unexpected argument 'serve' (options start with --)");
    args_fail((const char *[]){"--version=2", NULL}, "--version: takes no value");
    args_fail((const char *[]){"--workers", "4", "--room-size", "1", NULL},
              "--room-size: expected an integer from 2 to 10000, got '1'");
    args_fail((const char *[]){"--media-address", "::1", "--media-address", "::2",
                               "--media-address", "::3", "--media-address", "::4",
                               "--media-address", "::5", "--media-address", "::6",
                               "--media-address", "::7", "--media-address", "::8",
                               "--media-address", "::9", NULL},
              "--media-address: at most 8 addresses");
    args_fail((const char *[]){"--stun-listen", "off", "--stun-listen", "127.0.0.1:1", NULL},
              "--stun-listen: 'off' cannot be combined with addresses");
    args_fail((const char *[]){"--log-level", "loud", NULL},
              "--log-level: expected debug, info, warn or error, got 'loud'");
}

/* Runs config_parse_args with stdout captured into out. */
static int args_capture(const char *const *list, char *out, size_t outlen) {
    fflush(stdout);
    int saved = dup(1);
    FILE *tmp = tmpfile();
    ASSERT(tmp != NULL);
    dup2(fileno(tmp), 1);
    relais_config c;
    config_defaults(&c);
    int rc = args(&c, list);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, outlen - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    return rc;
}

static void test_help_version(void) {
    static char out[8192];
    ASSERT_EQ(args_capture((const char *[]){"--version", NULL}, out, sizeof out), 1);
    ASSERT_STR_EQ(out, "relais " RELAIS_VERSION "\n");
    /* --help wins over errors and over --version after it. */
    ASSERT_EQ(
        args_capture((const char *[]){"--bogus", "--rtp-ports=1", "--help", "--version", NULL}, out,
                     sizeof out),
        1);
    ASSERT(strncmp(out, "Usage: relais [OPTION]...\n", 26) == 0);
    ASSERT_EQ(args_capture((const char *[]){"-h", NULL}, out, sizeof out), 1);
    /* The whole text, generated from the table, with the defaults. */
    static const char *want =
        "Usage: relais [OPTION]...\n"
        "Relais " RELAIS_VERSION
        ": a WebRTC SFU node (media, signaling, STUN and the web client).\n"
        "\n"
        "Every option can also be set in a config file (--config FILE) as a\n"
        "'name = value' line; the command line wins over the file.\n"
        "\n"
        "Options:\n"
        "  --config FILE              read options from FILE first ('name = value' lines)\n"
        "  --listen ADDR:PORT         HTTP and WebSocket address; IPv6 as [ADDR]:PORT\n"
        "                             (default 127.0.0.1:8080)\n"
        "  --media-address ADDR       local address for media (ICE host candidate);\n"
        "                             repeatable, up to 8 (default 127.0.0.1)\n"
        "  --announce-address ADDR    address put in SDP candidates instead of the media\n"
        "                             address (1:1 NAT) (default none)\n"
        "  --rtp-ports LO-HI          UDP port range for media (default 40000-49999)\n"
        "  --stun-listen ADDR:PORT    STUN server address, repeatable, up to 8; 'off'\n"
        "                             disables it (default port 3478 on every media\n"
        "                             address)\n"
        "  --workers N                media worker threads, 0 = one per core (0-64,\n"
        "                             default 0)\n"
        "  --tls-cert FILE            TLS certificate (PEM) for HTTPS and wss; needs\n"
        "                             tls-key (default none)\n"
        "  --tls-key FILE             TLS private key (PEM); needs tls-cert (default\n"
        "                             none)\n"
        "  --web-root DIR             directory of the web client's files (default\n"
        "                             web-client)\n"
        "  --max-message-bytes BYTES  largest signaling message (1024-16777216, default\n"
        "                             262144)\n"
        "  --room-size N              most participants in one room (2-10000, default\n"
        "                             100)\n"
        "  --max-rooms N              most rooms on this node (1-1000000, default 1000)\n"
        "  --join-rate N              joins per minute per IP address, 0 = unlimited\n"
        "                             (0-1000000, default 20)\n"
        "  --trusted-proxy NET        proxy (ADDR or ADDR/PREFIX) whose X-Forwarded-For\n"
        "                             names the client; repeatable (default none)\n"
        "  --ws-per-ip N              open WebSockets per client IP address, 0 =\n"
        "                             unlimited (0-1000000, default 500)\n"
        "  --message-rate PERCENT     per-session message limits in percent of the\n"
        "                             defaults, 0 = none (0-100000, default 100)\n"
        "  --allowed-origin ORIGIN    another origin whose pages may open /ws (or '*');\n"
        "                             repeatable (default pages of the node's own host\n"
        "                             name)\n"
        "  --stun-rate N              STUN requests per second per source (burst 2x), 0 =\n"
        "                             unlimited (0-1000000, default 20)\n"
        "  --log-level LEVEL          debug, info, warn or error (default info)\n"
        "  --max-bitrate KBPS         bitrate publishers are asked to stay under (REMB)\n"
        "                             (50-100000, default 2500)\n"
        "  --redis URL                join the cluster coordinated by this Redis,\n"
        "                             redis://[:PASSWORD@]HOST[:PORT][/DB] (default none:\n"
        "                             standalone)\n"
        "  --node-id ID               this node's name in the cluster ([A-Za-z0-9._-],\n"
        "                             1-64) (default the host name)\n"
        "  --public-url URL           the WebSocket URL clients are redirected to for\n"
        "                             rooms on this node (default ws(s)://LISTEN/ws)\n"
        "  --capacity N               participants this node takes; weighs room placement\n"
        "                             (1-1000000, default 500)\n"
        "  --cluster-ttl SECONDS      lifetime of the heartbeat and room claims; a dead\n"
        "                             node is gone after this (2-300, default 5)\n"
        "  --cluster-fallback MODE    new rooms while Redis is unreachable: error\n"
        "                             (cluster-unavailable) or local (default error)\n"
        "  --drain-deadline DURATION  after SIGTERM or a drain: how long rooms may stay\n"
        "                             before they are moved (default 30m)\n"
        "  --admin-token TOKEN        bearer token of the admin HTTP API (/admin/...),\n"
        "                             16+ bytes (default none: API off)\n"
        "  --help                     print this help and exit\n"
        "  --version                  print the version and exit\n"
        "\n"
        "A bad option or config file prints one error line and exits with status 2.\n";
    ASSERT_STR_EQ(out, want);
    /* The defaults shown are the caller's. */
    relais_config c;
    config_defaults_web_root(&c, "/opt/web");
    c.workers = 9;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    config_usage(m, "relais", &c);
    fclose(m);
    ASSERT(strstr(buf, "(default\n                             /opt/web)\n") != NULL);
    ASSERT(strstr(buf, "(0-64,\n                             default 9)\n") != NULL);
    free(buf);
}

static void test_validate(void) {
    relais_config c;
    const char *cert = tmpfile_with(2, "cert");
    const char *key = tmpfile_with(3, "key");

    config_defaults(&c);
    snprintf(c.tls_cert, sizeof c.tls_cert, "%s", cert);
    ASSERT_EQ(config_validate(&c, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "tls-cert and tls-key must be given together (tls-key is missing)");
    config_defaults(&c);
    snprintf(c.tls_key, sizeof c.tls_key, "%s", key);
    ASSERT_EQ(config_validate(&c, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "tls-cert and tls-key must be given together (tls-cert is missing)");
    snprintf(c.tls_cert, sizeof c.tls_cert, "%s", cert);
    ASSERT_EQ(config_validate(&c, err, sizeof err), 0);
    snprintf(c.tls_key, sizeof c.tls_key, "/nonexistent/key.pem");
    ASSERT_EQ(config_validate(&c, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "tls-key: cannot read '/nonexistent/key.pem': No such file or directory");
    unlink(cert);
    unlink(key);

    config_defaults(&c);
    ASSERT_EQ(text(&c, "announce-address = 203.0.113.1\n"), 0);
    ASSERT_EQ(config_validate(&c, err, sizeof err), 0);
    ASSERT_EQ(text(&c, "media-address = 10.0.0.1\nmedia-address = 10.0.0.2\n"), 0);
    ASSERT_EQ(config_validate(&c, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "announce-address: needs exactly one media-address, got 2");

    config_defaults(&c);
    ASSERT_EQ(text(&c, "media-address = ::1\nmedia-address = 0::1\n"), 0);
    ASSERT_EQ(config_validate(&c, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "media-address: ::1 is given twice");

    config_defaults(&c);
    ASSERT_EQ(text(&c, "stun-listen = 127.0.0.1:3478\nstun-listen = 127.0.0.1:3478\n"), 0);
    ASSERT_EQ(config_validate(&c, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "stun-listen: 127.0.0.1:3478 is given twice");

    /* The STUN port must not be one of the media ports of its address. */
    config_defaults(&c);
    ASSERT_EQ(text(&c, "rtp-ports = 3000-4000\n"), 0);
    ASSERT_EQ(config_validate(&c, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "stun-listen: 127.0.0.1:3478 is inside rtp-ports 3000-4000 on media "
                       "address 127.0.0.1");
    ASSERT_EQ(text(&c, "stun-listen = 0.0.0.0:3500\n"), 0);
    ASSERT_EQ(config_validate(&c, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "stun-listen: 0.0.0.0:3500 is inside rtp-ports 3000-4000 on media "
                       "address 127.0.0.1");
    ASSERT_EQ(text(&c, "stun-listen = [::]:3500\nstun-listen = 127.0.0.2:3500\n"), 0);
    ASSERT_EQ(config_validate(&c, err, sizeof err), 0); /* other family, other address */
    ASSERT_EQ(text(&c, "stun-listen = off\n"), 0);
    ASSERT_EQ(config_validate(&c, err, sizeof err), 0);
    ASSERT_EQ(text(&c, "stun-listen = 127.0.0.1:4001\n"), 0);
    ASSERT_EQ(config_validate(&c, err, sizeof err), 0);
}

static void test_cluster_options(void) {
    relais_config c;
    config_defaults(&c);
    ASSERT_STR_EQ(c.redis, "");
    ASSERT_EQ(c.capacity, 500);
    ASSERT_EQ(c.cluster_ttl, 5);
    ASSERT_EQ(c.drain_deadline, 1800);
    ASSERT_EQ(c.cluster_fallback_local, 0);
    char why[256];
    const char *args[] = {"relais",
                          "--redis",
                          "redis://10.0.0.5:6379",
                          "--node-id",
                          "b2",
                          "--public-url",
                          "wss://b2.example.org/ws",
                          "--capacity",
                          "60",
                          "--cluster-ttl",
                          "3",
                          "--cluster-fallback",
                          "local",
                          "--drain-deadline",
                          "2h",
                          "--admin-token",
                          "0123456789abcdef"};
    ASSERT_EQ(config_parse_args(&c, 17, (char **)args, why, sizeof why), 0);
    ASSERT_STR_EQ(c.redis, "redis://10.0.0.5:6379");
    ASSERT_STR_EQ(c.node_id, "b2");
    ASSERT_STR_EQ(c.public_url, "wss://b2.example.org/ws");
    ASSERT_EQ(c.capacity, 60);
    ASSERT_EQ(c.cluster_ttl, 3);
    ASSERT_EQ(c.cluster_fallback_local, 1);
    ASSERT_EQ(c.drain_deadline, 7200);
    ASSERT_STR_EQ(c.admin_token, "0123456789abcdef");

    int d = -1;
    ASSERT_EQ(config_parse_duration("0", &d), 0);
    ASSERT_EQ(d, 0);
    ASSERT_EQ(config_parse_duration("90", &d), 0);
    ASSERT_EQ(d, 90);
    ASSERT_EQ(config_parse_duration("90s", &d), 0);
    ASSERT_EQ(d, 90);
    ASSERT_EQ(config_parse_duration("30m", &d), 0);
    ASSERT_EQ(d, 1800);
    ASSERT_EQ(config_parse_duration("168h", &d), 0);
    ASSERT_EQ(d, 604800);
    const char *bad[] = {"",    "-1", "1.5m", "10x", "m", "169h", "604801", "99999999999999999999",
                         "5 m", "5mm"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT_EQ(config_parse_duration(bad[i], &d), -1);

    text_fails("drain-deadline = soon\n",
               "relais.conf:1: drain-deadline: expected a duration like 90s, 30m or 2h (at most 7 "
               "days), got 'soon'");
    text_fails("cluster-fallback = maybe\n",
               "relais.conf:1: cluster-fallback: expected error or local, got 'maybe'");
    text_fails("cluster-ttl = 1\n",
               "relais.conf:1: cluster-ttl: expected an integer from 2 to 300, got '1'");
    text_fails("redis =\n", "relais.conf:1: redis: expected a value of 1-1023 bytes");
}

static void test_helpers(void) {
    relais_config c;
    config_defaults(&c);
    int n = config_worker_count(&c);
    ASSERT(n >= 1 && n <= CONFIG_MAX_WORKERS);
    ASSERT_EQ(n, sysconf(_SC_NPROCESSORS_ONLN) > 64 ? 64 : sysconf(_SC_NPROCESSORS_ONLN));
    c.workers = 7;
    ASSERT_EQ(config_worker_count(&c), 7);

    config_endpoint e;
    ASSERT_EQ(text(&c, "listen = [::ffff:1.2.3.4]:1\n"), 0);
    ASSERT_STR_EQ(ep(&c.listen), "[::ffff:1.2.3.4]:1");
    ASSERT_EQ(text(&c, "listen = 10.1.2.3:0\n"), 0);
    e = c.listen;
    ASSERT_EQ(e.port, 0);
    ASSERT_STR_EQ(ep(&e), "10.1.2.3:0");
}

int main(void) {
    RUN_TEST(test_defaults);
    RUN_TEST(test_file_all_options);
    RUN_TEST(test_file_errors);
    RUN_TEST(test_repeatable);
    RUN_TEST(test_cli);
    RUN_TEST(test_cli_overrides_file);
    RUN_TEST(test_cli_errors);
    RUN_TEST(test_help_version);
    RUN_TEST(test_validate);
    RUN_TEST(test_cluster_options);
    RUN_TEST(test_helpers);
    TEST_DONE();
}
