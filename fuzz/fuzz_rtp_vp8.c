/* libFuzzer target for sfu/rtp_vp8: parse any payload; when it parses, a
 * rewrite of its PictureID and TL0PICIDX must parse back to the same
 * descriptor with only those fields changed; and a munger fed the input in
 * slices from two sources never writes outside a payload or accepts what
 * the parser refuses. Seeds: fuzz/corpus/fuzz_rtp_vp8/. */
#include "sfu/rtp_vp8.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t buf[2048];
    if (size > sizeof buf) return 0;
    rtp_vp8_desc d, e;
    memcpy(buf, data, size);
    if (rtp_vp8_desc_parse(buf, size, &d) == 0) {
        if (d.header_len == 0 || d.header_len >= size) abort();
        rtp_vp8_desc_set_picture_id(buf, &d, (uint16_t)(d.picture_id + 4321));
        rtp_vp8_desc_set_tl0picidx(buf, &d, (uint8_t)(d.tl0picidx + 17));
        if (rtp_vp8_desc_parse(buf, size, &e) != 0) abort();
        if (memcmp(buf + d.header_len, data + d.header_len, size - d.header_len) != 0) abort();
        if (e.header_len != d.header_len || e.picture_id_bits != d.picture_id_bits ||
            e.has_tl0 != d.has_tl0 || e.tid != d.tid || e.keyidx != d.keyidx ||
            e.keyframe != d.keyframe)
            abort();
        unsigned mask = d.picture_id_bits == 15 ? 0x7fff : 0x7f;
        if (d.has_picture_id && e.picture_id != ((d.picture_id + 4321) & mask)) abort();
        if (d.has_tl0 && e.tl0picidx != (uint8_t)(d.tl0picidx + 17)) abort();
    }
    rtp_vp8_munger m;
    rtp_vp8_munger_init(&m);
    for (size_t pos = 0; pos + 1 < size;) {
        size_t n = 1 + data[pos] % 16;
        if (n > size - pos - 1) n = size - pos - 1;
        memcpy(buf, data + pos + 1, n);
        int ok = rtp_vp8_desc_parse(buf, n, &d) == 0;
        if ((rtp_vp8_munge(&m, data[pos] & 0x80 ? 1 : 2, buf, n) == 0) != ok) abort();
        pos += 1 + n;
    }
    return 0;
}
