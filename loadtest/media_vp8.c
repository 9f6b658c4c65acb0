/* Video source of relais-loadtest: a synthetic moving picture encoded once
 * with libvpx VP8 into a loop, played by many cheap RTP sources with
 * RFC 7741 packetization (see media_src.h).
 *
 * Measured cost of video_loop_new() (Debian 12, 2-core Xeon VM, -O2, CPU
 * time, libvpx 1.12, cpu-used -6), including the warm-up frames:
 *   640x360, 30 fps,  500 kbps,  2 s: 0.3-0.45 s (1 ms a frame of drawing)
 *   640x360, 30 fps,  800 kbps, 10 s: 1.7 s
 *   1280x720, 30 fps, 1500 kbps, 2 s: 1.2 s; 10 s: 5 s
 *   320x180, 15 fps,  150 kbps,  2 s: 0.05 s
 * The loop holds the encoded frames (seconds x kbps / 8: 125 KB for the
 * first line) and a 12-byte entry per frame. A poll builds a 20-byte header
 * and a 4-byte descriptor and copies at most 1096 bytes; the retransmission
 * ring stores 24 bytes of metadata per packet and rebuilds the packet on
 * demand, so a source is about 12 KB. */
#include "loadtest/media_src.h"

#include <stdlib.h>
#include <string.h>

#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include "sfu/rtp.h"

#define VP8_DESC_LEN 4 /* X=1 | I=1 | M=1 + 15-bit PictureID */
#define VP8_MAX_DATA (VIDEO_SRC_MAX_PAYLOAD - VP8_DESC_LEN)
#define VP8_CPU_USED -6 /* libwebrtc's realtime speed on desktop */
#define WARMUP_FRAMES(fps) ((fps) / 2 + 1)

typedef struct video_frame {
    uint32_t off, len; /* into video_loop.data */
    int key;
} video_frame;

struct video_loop {
    int width, height, fps, n_frames;
    video_frame *frames;
    size_t data_len;
    uint8_t *data;
};

/* What it takes to rebuild a sent packet byte for byte. */
typedef struct rtx_entry {
    uint16_t seq;
    uint8_t valid, start, marker;
    uint8_t ast[3];  /* abs-send-time as sent */
    uint16_t pic_id; /* 15 bits */
    uint16_t frame;  /* loop frame (at most 60 s x 60 fps) */
    uint32_t ts;
    uint32_t off; /* into the frame */
    uint16_t len; /* VP8 data bytes */
} rtx_entry;      /* 24 bytes */

struct video_src {
    const video_loop *loop;
    uint32_t ssrc;
    uint8_t pt, ext_ast_id;
    int started;
    int kf_requested;
    uint16_t seq;     /* of the next packet sent */
    uint16_t pic_id;  /* of the current frame */
    uint32_t ts0;     /* RTP timestamp of slot 0 */
    uint64_t base_us; /* time of slot 0 */
    uint64_t slot;    /* frame interval of the current frame */
    int idx;          /* loop frame of the current frame */
    int pkt, n_pkt;   /* next packet of the frame, packets in the frame (0: not started) */
    rtx_entry ring[VIDEO_SRC_RTX_PACKETS];
};

static uint32_t rng_next(uint32_t *s) {
    uint32_t x = *s ? *s : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* ---- the synthetic picture --------------------------------------------------- */

/* A triangle wave bouncing between 0 and span. */
static int bounce(int t, int span) {
    if (span <= 0) return 0;
    int p = t % (2 * span);
    return p < span ? p : 2 * span - p;
}

/* Draws frame n into an I420 image: a diagonal gradient scrolling right, a
 * fine texture scrolling down (what a camera's detail costs in bits), a
 * bouncing box and the frame number as a row of 16 black or white squares. */
static void draw_frame(vpx_image_t *img, int n) {
    int w = (int)img->d_w, h = (int)img->d_h;
    uint8_t *Y = img->planes[0], *U = img->planes[1], *V = img->planes[2];
    int ys = img->stride[0], us = img->stride[1], vs = img->stride[2];
    for (int y = 0; y < h; y++) {
        uint8_t *row = Y + (size_t)y * ys;
        int ty = (y + 2 * n) & 63;
        for (int x = 0; x < w; x++) {
            int g = ((x + y / 2 + 4 * n) * 256 / (w + h)) & 0x1ff;
            g = g > 255 ? 511 - g : g; /* triangle: no hard wrap edge */
            int tex = ((x * 7 + ty * 13) ^ (x * ty)) & 31;
            row[x] = (uint8_t)(16 + g * 180 / 256 + tex);
        }
    }
    for (int y = 0; y < h / 2; y++)
        for (int x = 0; x < w / 2; x++) {
            U[(size_t)y * us + x] = (uint8_t)(128 + bounce(x + n, 96) - 48);
            V[(size_t)y * vs + x] = (uint8_t)(128 + bounce(y + 2 * n, 80) - 40);
        }

    int bw = w / 6 & ~1, bh = h / 5 & ~1;
    int bx = bounce(5 * n, w - bw) & ~1, by = bounce(3 * n, h - bh) & ~1;
    for (int y = by; y < by + bh; y++)
        memset(Y + (size_t)y * ys + bx, 235, (size_t)bw);
    for (int y = by / 2; y < (by + bh) / 2; y++) {
        memset(U + (size_t)y * us + bx / 2, 90, (size_t)bw / 2);
        memset(V + (size_t)y * vs + bx / 2, 240, (size_t)bw / 2);
    }

    int sq = (w / 40 < h / 4 ? w / 40 : h / 4) & ~1;
    for (int b = 0; b < 16 && sq > 0; b++) {
        uint8_t v = (n >> (15 - b)) & 1 ? 235 : 16;
        for (int y = 0; y < sq; y++)
            memset(Y + (size_t)(y + sq) * ys + sq + b * sq, v, (size_t)sq);
        for (int y = 0; y < sq / 2; y++) { /* grey: no colour on the bits */
            memset(U + (size_t)(y + sq / 2) * us + (sq + b * sq) / 2, 128, (size_t)sq / 2);
            memset(V + (size_t)(y + sq / 2) * vs + (sq + b * sq) / 2, 128, (size_t)sq / 2);
        }
    }
}

/* ---- video_loop --------------------------------------------------------------- */

static int vp8_enc_init(vpx_codec_ctx_t *enc, int width, int height, int fps, int kbps) {
    vpx_codec_enc_cfg_t cfg;
    if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) return -1;
    cfg.g_w = (unsigned)width;
    cfg.g_h = (unsigned)height;
    cfg.g_timebase = (struct vpx_rational){1, fps};
    cfg.g_threads = 1;
    cfg.g_lag_in_frames = 0;
    cfg.g_pass = VPX_RC_ONE_PASS;
    cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
    cfg.rc_end_usage = VPX_CBR;
    cfg.rc_target_bitrate = (unsigned)kbps;
    cfg.rc_dropframe_thresh = 0; /* every frame encoded: timestamps stay regular */
    cfg.rc_min_quantizer = 2;
    cfg.rc_max_quantizer = 56;
    cfg.rc_undershoot_pct = 100;
    cfg.rc_overshoot_pct = 15;
    cfg.rc_buf_initial_sz = 500;
    cfg.rc_buf_optimal_sz = 600;
    cfg.rc_buf_sz = 1000;
    cfg.kf_mode = VPX_KF_DISABLED; /* key frames are forced, every fps frames */
    if (vpx_codec_enc_init(enc, vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) return -1;
    if (vpx_codec_control(enc, VP8E_SET_CPUUSED, VP8_CPU_USED) != VPX_CODEC_OK ||
        vpx_codec_control(enc, VP8E_SET_TOKEN_PARTITIONS, VP8_ONE_TOKENPARTITION) != VPX_CODEC_OK ||
        vpx_codec_control(enc, VP8E_SET_MAX_INTRA_BITRATE_PCT, 600) != VPX_CODEC_OK) {
        vpx_codec_destroy(enc);
        return -1;
    }
    return 0;
}

/* Appends the packets the encoder has for frame i to the loop. */
static int loop_collect(video_loop *loop, vpx_codec_ctx_t *enc, int i, size_t *cap) {
    vpx_codec_iter_t it = NULL;
    const vpx_codec_cx_pkt_t *p;
    video_frame *f = &loop->frames[i];
    f->off = (uint32_t)loop->data_len;
    while ((p = vpx_codec_get_cx_data(enc, &it)) != NULL) {
        if (p->kind != VPX_CODEC_CX_FRAME_PKT) continue;
        size_t sz = p->data.frame.sz;
        if (loop->data_len + sz > *cap) {
            size_t ncap = (*cap + sz) * 2;
            uint8_t *nd = realloc(loop->data, ncap);
            if (!nd) return -1;
            loop->data = nd;
            *cap = ncap;
        }
        memcpy(loop->data + loop->data_len, p->data.frame.buf, sz);
        loop->data_len += sz;
        if (p->data.frame.flags & VPX_FRAME_IS_KEY) f->key = 1;
    }
    f->len = (uint32_t)(loop->data_len - f->off);
    return 0;
}

video_loop *video_loop_new(int width, int height, int fps, int kbps, int seconds) {
    if (width < 16 || width > 1920 || height < 16 || height > 1080 || (width | height) & 1 ||
        fps < 1 || fps > 60 || kbps < 50 || kbps > 10000 || seconds < 1 || seconds > 60)
        return NULL;
    video_loop *loop = calloc(1, sizeof *loop);
    if (!loop) return NULL;
    loop->width = width;
    loop->height = height;
    loop->fps = fps;
    loop->n_frames = fps * seconds;
    loop->frames = calloc((size_t)loop->n_frames, sizeof *loop->frames);
    size_t cap = (size_t)kbps * 125 * (size_t)seconds * 2; /* twice the target */
    loop->data = malloc(cap);
    vpx_image_t img;
    int have_img =
        vpx_img_alloc(&img, VPX_IMG_FMT_I420, (unsigned)width, (unsigned)height, 16) != NULL;
    vpx_codec_ctx_t enc;
    int have_enc =
        have_img && loop->frames && loop->data && vp8_enc_init(&enc, width, height, fps, kbps) == 0;
    int ok = have_enc, warmup = WARMUP_FRAMES(fps), n = loop->n_frames;
    /* Warm-up, thrown away: the encoder first codes the end of the loop,
     * starting with two key frames. VP8's one-pass rate control learns the
     * size of key frames from those it has coded and needs half a second of
     * frames since the last one to give a key frame its full share: without
     * this, frame 0 (the key frame every wrap returns to) came out at a
     * quarter of the size of the next key frame, and blurry. */
    for (int i = 0; ok && i < warmup; i++) {
        draw_frame(&img, (n - warmup % n + i) % n);
        vpx_enc_frame_flags_t flags = i < 2 ? VPX_EFLAG_FORCE_KF : 0;
        ok = vpx_codec_encode(&enc, &img, i, 1, flags, VPX_DL_REALTIME) == VPX_CODEC_OK;
        vpx_codec_iter_t it = NULL;
        while (vpx_codec_get_cx_data(&enc, &it) != NULL)
            ;
    }
    for (int i = 0; ok && i < n; i++) {
        draw_frame(&img, i);
        vpx_enc_frame_flags_t flags = i % fps == 0 ? VPX_EFLAG_FORCE_KF : 0;
        ok = vpx_codec_encode(&enc, &img, warmup + i, 1, flags, VPX_DL_REALTIME) == VPX_CODEC_OK &&
             loop_collect(loop, &enc, i, &cap) == 0 && loop->frames[i].len > 0 &&
             (i % fps != 0 || loop->frames[i].key);
    }
    if (have_enc) vpx_codec_destroy(&enc);
    if (have_img) vpx_img_free(&img);
    if (!ok) {
        video_loop_free(loop);
        return NULL;
    }
    return loop;
}

void video_loop_free(video_loop *loop) {
    if (!loop) return;
    free(loop->frames);
    free(loop->data);
    free(loop);
}

int video_loop_frames(const video_loop *loop) {
    return loop->n_frames;
}
int video_loop_fps(const video_loop *loop) {
    return loop->fps;
}
size_t video_loop_bytes(const video_loop *loop) {
    return loop->data_len;
}

const uint8_t *video_loop_frame(const video_loop *loop, int i, size_t *len, int *key) {
    const video_frame *f = &loop->frames[i];
    if (len) *len = f->len;
    if (key) *key = f->key;
    return loop->data + f->off;
}

/* ---- video_src ---------------------------------------------------------------- */

video_src *video_src_new(const video_loop *loop, uint32_t ssrc, uint8_t pt,
                         uint8_t ext_abs_send_time_id) {
    if (!loop || pt > 127) return NULL;
    video_src *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    uint32_t rng = ssrc * 2654435761u ^ 0x5a5a5a5au;
    s->loop = loop;
    s->ssrc = ssrc;
    s->pt = pt;
    s->ext_ast_id = ext_abs_send_time_id;
    s->seq = (uint16_t)rng_next(&rng);
    s->ts0 = rng_next(&rng);
    s->pic_id = (uint16_t)(rng_next(&rng) & 0x7fff);
    int n_keys = (loop->n_frames + loop->fps - 1) / loop->fps;
    s->idx = (int)(rng_next(&rng) % (uint32_t)n_keys) * loop->fps; /* a key frame */
    return s;
}

void video_src_free(video_src *src) {
    free(src);
}

void video_src_request_keyframe(video_src *src) {
    src->kf_requested = 1;
}

static uint64_t video_due(const video_src *s) {
    return s->base_us + s->slot * 1000000u / (uint64_t)s->loop->fps;
}

uint64_t video_src_next_due(const video_src *src) {
    return src->started ? video_due(src) : 0;
}

/* Writes the packet e describes: used for the first send and for resends,
 * so that both are the same bytes. */
static int video_build(const video_src *s, const rtx_entry *e, uint8_t *out, size_t cap) {
    rtp_ext_elem ext = {.id = s->ext_ast_id, .len = 3, .data = e->ast};
    rtp_header h = {.marker = e->marker,
                    .payload_type = s->pt,
                    .seq = e->seq,
                    .timestamp = e->ts,
                    .ssrc = s->ssrc};
    int hl = rtp_build_header(out, cap, &h, &ext, s->ext_ast_id ? 1 : 0);
    if (hl < 0) return hl;
    if ((size_t)hl + VP8_DESC_LEN + e->len > cap) return RTP_E_NOSPACE;
    uint8_t *d = out + hl;
    d[0] = (uint8_t)(0x80 | (e->start ? 0x10 : 0)); /* X, S, PID 0 */
    d[1] = 0x80;                                    /* I: PictureID present */
    d[2] = (uint8_t)(0x80 | (e->pic_id >> 8));      /* M: 15-bit PictureID */
    d[3] = (uint8_t)e->pic_id;
    memcpy(d + VP8_DESC_LEN, s->loop->data + s->loop->frames[e->frame].off + e->off, e->len);
    return hl + VP8_DESC_LEN + (int)e->len;
}

/* Starts the frame of the current slot: honours a key frame request. */
static void video_start_frame(video_src *s) {
    const video_loop *l = s->loop;
    if (s->kf_requested) {
        while (!l->frames[s->idx].key)
            s->idx = s->idx + 1 == l->n_frames ? 0 : s->idx + 1;
        s->kf_requested = 0;
    }
    uint32_t len = l->frames[s->idx].len;
    s->n_pkt = (int)((len + VP8_MAX_DATA - 1) / VP8_MAX_DATA);
    s->pkt = 0;
}

int video_src_poll(video_src *s, uint64_t now_us, uint64_t wall_us, uint8_t *out, size_t cap) {
    if (!s->started) {
        s->started = 1;
        s->base_us = now_us;
    }
    if (s->n_pkt == 0) { /* between frames */
        if (video_due(s) > now_us) return 0;
        if (now_us - video_due(s) > MEDIA_SRC_MAX_LAG_US) /* stalled: move the schedule */
            s->slot = (now_us - s->base_us) * (uint64_t)s->loop->fps / 1000000u;
        video_start_frame(s);
    }

    /* Payload sizes of one frame differ by one byte at most. */
    const video_frame *f = &s->loop->frames[s->idx];
    uint32_t base = f->len / (uint32_t)s->n_pkt, extra = f->len % (uint32_t)s->n_pkt;
    uint32_t i = (uint32_t)s->pkt;
    rtx_entry e = {.seq = s->seq,
                   .valid = 1,
                   .start = i == 0,
                   .marker = s->pkt + 1 == s->n_pkt,
                   .pic_id = s->pic_id,
                   .ts = s->ts0 + (uint32_t)(s->slot * 90000u / (uint64_t)s->loop->fps),
                   .frame = (uint16_t)s->idx,
                   .off = i * base + (i < extra ? i : extra),
                   .len = (uint16_t)(base + (i < extra))};
    rtp_ext_write_abs_send_time(e.ast, wall_us);
    int n = video_build(s, &e, out, cap);
    if (n < 0) return n;

    s->ring[s->seq % VIDEO_SRC_RTX_PACKETS] = e;
    s->seq++;
    if (++s->pkt == s->n_pkt) { /* frame done */
        s->n_pkt = 0;
        s->slot++;
        s->idx = s->idx + 1 == s->loop->n_frames ? 0 : s->idx + 1;
        s->pic_id = (uint16_t)((s->pic_id + 1) & 0x7fff);
    }
    return n;
}

int video_src_retransmit(video_src *src, uint16_t seq, uint8_t *out, size_t cap) {
    const rtx_entry *e = &src->ring[seq % VIDEO_SRC_RTX_PACKETS];
    if (!e->valid || e->seq != seq) return 0;
    return video_build(src, e, out, cap);
}
