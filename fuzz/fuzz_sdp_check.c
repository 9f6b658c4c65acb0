/* libFuzzer target for the node's offer path up to the answer's media:
 * sfu/sdp parse, then sfu/sdp_check as a publish offer and as a subscribe
 * answer, then the codec pick per m-section, exactly as negotiate.c runs
 * them. A refusal must come with a code and a message. Seeds:
 * fuzz/corpus/fuzz_sdp_check/ (browser offers and answers). */
#include "sfu/sdp_check.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[160], msg[200];
    sdp_session *s = NULL;
    if (sdp_parse((const char *)data, size, &s, err, sizeof err) != 0) return 0;
    for (int offer = 0; offer <= 1; offer++) {
        const sdp_media *first = (const sdp_media *)1;
        sfu_error e = 0;
        msg[0] = 'x';
        msg[1] = '\0';
        int r = sdp_check_remote(s, offer, &first, &e, msg, sizeof msg);
        if (r == 0) {
            if (strlen(msg) != 0) abort();
            if (offer && !first) abort(); /* an accepted offer has media */
            for (size_t i = 0; offer && i < s->n_media; i++) {
                sfu_codec c;
                if (sdp_check_is_rtp_media(s->media[i]) && !sdp_check_pick_codec(s->media[i], &c))
                    abort(); /* accepted, so every m-section has a codec */
            }
        } else if (r != -1 || e < SFU_ERR_BAD_SDP || e > SFU_ERR_INTERNAL || !msg[0]) {
            abort();
        }
    }
    sdp_free(s);
    return 0;
}
