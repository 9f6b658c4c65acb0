/* libFuzzer target for the DTLS record path of an established connection
 * (what anyone who can put a datagram on a participant's 5-tuple reaches):
 * datagrams fed to the server side of a dtls_conn whose handshake with a
 * real client finished in memory. No forged datagram can be authentic, so
 * the connection must stay CONNECTED and never send an alert. Input:
 * datagrams, each a 2-byte big-endian length and its bytes. Seeds:
 * fuzz/corpus/fuzz_dtls_established/. */
#include "common/log.h"
#include "sfu/dtls.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dtls_cert *g_sc, *g_cc;
static dtls_ctx *g_sctx, *g_cctx;
static dtls_conn *g_server, *g_client;

static void pump(void) {
    uint8_t buf[2048];
    for (int round = 0; round < 20; round++) {
        int moved = 0, n;
        while ((n = dtls_conn_poll_output(g_client, buf, sizeof buf)) > 0) {
            dtls_conn_feed(g_server, buf, (size_t)n, 1);
            moved = 1;
        }
        while ((n = dtls_conn_poll_output(g_server, buf, sizeof buf)) > 0) {
            dtls_conn_feed(g_client, buf, (size_t)n, 1);
            moved = 1;
        }
        if (!moved) return;
    }
}

/* A fresh established pair (once, and again if an input ever broke it,
 * after the abort below would have reported it). */
static void establish(void) {
    if (!g_sc) {
        log_set_level(LOG_ERROR);
        if (dtls_cert_generate(&g_sc) || dtls_cert_generate(&g_cc)) abort();
        g_sctx = dtls_ctx_new(g_sc, DTLS_ROLE_SERVER);
        g_cctx = dtls_ctx_new(g_cc, DTLS_ROLE_CLIENT);
        if (!g_sctx || !g_cctx) abort();
    }
    dtls_conn_free(g_server);
    dtls_conn_free(g_client);
    g_server = dtls_conn_new(g_sctx, dtls_cert_fingerprint(g_cc));
    g_client = dtls_conn_new(g_cctx, dtls_cert_fingerprint(g_sc));
    if (!g_server || !g_client) abort();
    dtls_conn_start(g_server, 1);
    dtls_conn_start(g_client, 1);
    pump();
    if (dtls_conn_state(g_server) != DTLS_STATE_CONNECTED) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_server) establish();
    size_t pos = 0;
    uint8_t out[2048];
    while (size - pos >= 2) {
        size_t len = (size_t)data[pos] << 8 | data[pos + 1];
        pos += 2;
        if (len > size - pos) len = size - pos;
        dtls_conn_feed(g_server, data + pos, len, 2);
        pos += len;
        if (dtls_conn_state(g_server) != DTLS_STATE_CONNECTED) abort();
        int n;
        while ((n = dtls_conn_poll_output(g_server, out, sizeof out)) > 0)
            for (int off = 0; off + 13 <= n; off += 13 + (out[off + 11] << 8 | out[off + 12]))
                if (out[off] == 21) abort(); /* an alert: the peer would end the call */
    }
    return 0;
}
