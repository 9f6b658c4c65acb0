/* libFuzzer target for the configuration parser: config_parse_text on
 * arbitrary bytes (and, when the input starts with "ARGV\n", the rest split
 * at NUL bytes as a command line), then the invariants every accepted
 * configuration keeps. */
#include "common/config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const relais_config *c) {
    if (c->n_media < 1 || c->n_media > CONFIG_MAX_ADDRS) abort();
    if (c->n_stun_listen < 0 || c->n_stun_listen > CONFIG_MAX_ADDRS) abort();
    if (c->rtp_port_lo < 1024 || c->rtp_port_lo > c->rtp_port_hi) abort();
    if (c->workers < 0 || c->workers > CONFIG_MAX_WORKERS) abort();
    if (c->max_message_bytes < 1024 || c->max_message_bytes > 16777216) abort();
    if (c->room_size < 2 || c->room_size > 10000) abort();
    if (memchr(c->web_root, '\0', sizeof c->web_root) == NULL) abort();
    config_endpoint st[CONFIG_MAX_ADDRS];
    char buf[64], err[256];
    int n = config_stun_endpoints(c, st);
    for (int i = 0; i < n; i++)
        config_endpoint_str(&st[i], buf, sizeof buf);
    config_endpoint_str(&c->listen, buf, sizeof buf);
    config_validate(c, err, sizeof err);
}

/* Splits data at NULs into argv, leaving out what would read files or
 * print (--config, --help, --version, -h). */
static void fuzz_args(const uint8_t *data, size_t size) {
    char *copy = malloc(size + 1);
    char *argv[64] = {"relais"};
    int argc = 1;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (char *p = copy; p <= copy + size && argc < 64; p += strlen(p) + 1) {
        if (strncmp(p, "--config", 8) == 0 || strncmp(p, "--help", 6) == 0 ||
            strncmp(p, "--version", 9) == 0 || strcmp(p, "-h") == 0)
            continue;
        argv[argc++] = p;
    }
    relais_config c;
    char err[512];
    config_defaults(&c);
    int rc = config_parse_args(&c, argc, argv, err, sizeof err);
    if (rc == 1) abort();
    if (rc == 0) check(&c);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size >= 5 && memcmp(data, "ARGV\n", 5) == 0) {
        fuzz_args(data + 5, size - 5);
        return 0;
    }
    relais_config c;
    char err[512];
    config_defaults(&c);
    if (config_parse_text(&c, (const char *)data, size, "fuzz.conf", err, sizeof err) == 0)
        check(&c);
    else if (strncmp(err, "fuzz.conf:", 10) != 0)
        abort();
    return 0;
}
