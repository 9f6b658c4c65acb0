/* libFuzzer target for sfu/sdp: parse; if it parses, write it, parse the
 * output again (must succeed), check that the two models are equal and that
 * writing is idempotent. Seeds: fuzz/corpus/fuzz_sdp/. */
#include "sfu/sdp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[160], diff[256];
    sdp_session *a = NULL, *b = NULL;
    if (sdp_parse((const char *)data, size, &a, err, sizeof(err)) != 0) {
        if (a != NULL) abort();
        return 0;
    }
    char *out1 = NULL, *out2 = NULL;
    size_t len1 = 0, len2 = 0;
    int r = sdp_write(a, &out1, &len1);
    if (r == SDP_E_LIMIT) { /* the model written out can be larger than its input */
        sdp_free(a);
        return 0;
    }
    if (r != 0 || strlen(out1) != len1) abort();
    if (sdp_parse(out1, len1, &b, err, sizeof(err)) != 0) {
        fprintf(stderr, "written SDP does not parse: %s\n%s", err, out1);
        abort();
    }
    if (sdp_compare(a, b, diff, sizeof(diff)) != 0) {
        fprintf(stderr, "round trip differs: %s\n%s", diff, out1);
        abort();
    }
    if (sdp_write(b, &out2, &len2) != 0 || len1 != len2 || memcmp(out1, out2, len1) != 0) {
        fprintf(stderr, "writing is not idempotent\n");
        abort();
    }
    free(out1);
    free(out2);
    sdp_free(a);
    sdp_free(b);
    return 0;
}
