/* Tests of the load tester's media sources (loadtest/media_src.h): RTP
 * framing, pacing and DTX of the Opus source; RFC 7741 packetization,
 * decodability, key frame requests and retransmission of the VP8 source. */
#include "loadtest/media_src.h"

#include <math.h>
#include <time.h>

#include <opus/opus.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>

#include "sfu/rtp.h"
#include "tests/test.h"

#define EXT_LEVEL 1
#define EXT_AST 3
#define WALL_OFFSET 1700000000123457ull /* wall clock = monotonic + this */

static double cpu_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* abs-send-time of wall_us: 6.18 fixed-point seconds, modulo 64 s. */
static uint32_t ast24(uint64_t wall_us) {
    return (uint32_t)llround(fmod((double)wall_us / 1e6 * 262144.0, 16777216.0)) & 0xffffff;
}

static void check_ast(const rtp_header *h, const uint8_t *b, uint64_t wall_us) {
    const uint8_t *d;
    uint8_t len;
    uint32_t t24;
    ASSERT(rtp_ext_find(h, b, EXT_AST, &d, &len));
    ASSERT_EQ(rtp_ext_abs_send_time(d, len, &t24), 0);
    uint32_t want = ast24(wall_us), diff = (t24 - want) & 0xffffff;
    ASSERT(diff <= 1 || diff == 0xffffff); /* within one 1/262144 s step */
}

/* ---- audio ---------------------------------------------------------------------- */

typedef struct audio_pkt {
    uint64_t t;
    uint16_t seq;
    uint32_t ts;
    int marker, voice, len;
    uint8_t level;
} audio_pkt;

/* Polls src every millisecond from t0 for `ms` ms; parses and checks each
 * packet, decodes its payload, and fills pk (up to max). */
static int audio_run(audio_src *src, uint64_t t0, int ms, audio_pkt *pk, int max) {
    int err, n = 0;
    OpusDecoder *dec = opus_decoder_create(48000, 1, &err);
    ASSERT(dec && err == OPUS_OK);
    static opus_int16 pcm[5760];
    for (int i = 0; i < ms; i++) {
        uint64_t now = t0 + (uint64_t)i * 1000;
        uint8_t b[MEDIA_SRC_MAX_PACKET];
        int len;
        while ((len = audio_src_poll(src, now, now + WALL_OFFSET, b, sizeof b)) > 0) {
            rtp_header h;
            ASSERT_EQ(rtp_parse(&h, b, (size_t)len), 0);
            ASSERT_EQ(h.payload_type, 111);
            ASSERT_EQ(h.ssrc, 0x11223344);
            const uint8_t *d;
            uint8_t dl;
            ASSERT(rtp_ext_find(&h, b, EXT_LEVEL, &d, &dl));
            audio_pkt p = {.t = now, .seq = h.seq, .ts = h.timestamp, .marker = h.marker};
            ASSERT_EQ(rtp_ext_audio_level(d, dl, &p.voice, &p.level), 0);
            check_ast(&h, b, now + WALL_OFFSET);
            p.len = h.payload_len;
            ASSERT_EQ(opus_decode(dec, b + h.payload_offset, h.payload_len, pcm, 5760, 0), 960);
            ASSERT(n < max);
            pk[n++] = p;
        }
        ASSERT_EQ(len, 0);
        ASSERT(audio_src_next_due(src) > now);
    }
    opus_decoder_destroy(dec);
    return n;
}

static void test_audio_loop(void) {
    double t = cpu_ms();
    audio_loop *a = audio_loop_new(7, 1);
    double cost = cpu_ms() - t;
    audio_loop *b = audio_loop_new(7, 1), *c = audio_loop_new(8, 1);
    ASSERT(a && b && c);
    printf("     audio_loop_new: %.0f ms CPU for %d s\n", cost, AUDIO_LOOP_SECONDS);
    ASSERT_EQ(audio_loop_frames(a), AUDIO_LOOP_SECONDS * 50);
    int same = 1, differ = 0, voiced = 0, loud = 0, dtx = 0;
    for (int i = 0; i < audio_loop_frames(a); i++) {
        size_t la, lb, lc;
        int va;
        uint8_t lev;
        audio_loop_frame(a, i, &la, &va, &lev);
        audio_loop_frame(b, i, &lb, NULL, NULL);
        audio_loop_frame(c, i, &lc, NULL, NULL);
        same &= la == lb;
        differ |= la != lc;
        voiced += va;
        dtx += la <= 2;
        loud += va && lev < 50;    /* speech is loud (but fades in and out) */
        if (!va) ASSERT(lev > 60); /* silence is faint noise */
    }
    ASSERT(same);   /* a seed gives the same loop */
    ASSERT(differ); /* another seed another one */
    /* Talk spurts and silences alternate: both take a fair share. */
    ASSERT(voiced > 200 && voiced < 850);
    ASSERT(loud > voiced * 9 / 10);
    ASSERT(dtx > 50); /* DTX really happens in the silences */
    int first_voice, last_voice;
    audio_loop_frame(a, 0, NULL, &first_voice, NULL);
    audio_loop_frame(a, audio_loop_frames(a) - 1, NULL, &last_voice, NULL);
    ASSERT(!first_voice && !last_voice); /* wraps in silence */
    audio_loop_free(a);
    audio_loop_free(b);
    audio_loop_free(c);
}

static void test_audio_continuous(void) {
    audio_loop *loop = audio_loop_new(3, 0);
    audio_src *src = audio_src_new(loop, 0x11223344, 111, EXT_LEVEL, EXT_AST);
    ASSERT(loop && src);
    ASSERT_EQ(audio_src_next_due(src), 0);
    static audio_pkt pk[2000];
    const uint64_t t0 = 5000000;
    int n = audio_run(src, t0, 25000, pk, 2000); /* wraps the 20 s loop */
    ASSERT_EQ(n, 1250);
    ASSERT_EQ(pk[0].t, t0);
    double lv_voice = 0, lv_silence = 0;
    int n_voice = 0, markers = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0) {
            ASSERT_EQ(pk[i].t - pk[i - 1].t, 20000);
            ASSERT_EQ((uint16_t)(pk[i].seq - pk[i - 1].seq), 1);
            ASSERT_EQ(pk[i].ts - pk[i - 1].ts, 960);
            ASSERT_EQ(pk[i].marker, pk[i].voice && !pk[i - 1].voice);
        }
        markers += pk[i].marker;
        if (pk[i].voice) {
            lv_voice += pk[i].level;
            n_voice++;
        } else {
            lv_silence += pk[i].level;
        }
    }
    ASSERT(n_voice > 100 && n - n_voice > 100);
    ASSERT(markers >= 3);
    /* -dBov: lower is louder. */
    ASSERT(lv_voice / n_voice + 30 < lv_silence / (n - n_voice));
    audio_src_free(src);
    audio_loop_free(loop);
}

static void test_audio_dtx(void) {
    audio_loop *loop = audio_loop_new(5, 1);
    audio_src *src = audio_src_new(loop, 0x11223344, 111, EXT_LEVEL, EXT_AST);
    ASSERT(loop && src);
    static audio_pkt pk[3000];
    int n = audio_run(src, 1000, 45000, pk, 3000);
    ASSERT(n > 100 && n < 2250 * 9 / 10); /* DTX saves packets */
    int silent = 0, spurts = 0;
    for (int i = 1; i < n; i++) {
        uint64_t gap = pk[i].t - pk[i - 1].t;
        ASSERT_EQ(gap % 20000, 0);
        ASSERT(gap <= 420000); /* never quiet longer than 400 ms + one frame */
        ASSERT_EQ((uint16_t)(pk[i].seq - pk[i - 1].seq), 1);
        ASSERT_EQ(pk[i].ts - pk[i - 1].ts, gap / 20000 * 960);
        /* Inside a talk spurt a packet goes out every 20 ms. */
        if (pk[i].voice && pk[i - 1].voice) ASSERT_EQ(gap, 20000);
        /* A packet after skipped frames starts a talk spurt, or is the one
         * packet of its 400 ms of silence (DTX frame or comfort noise). */
        if (gap > 20000 && !pk[i].voice) {
            ASSERT(gap >= 400000);
            silent++;
        }
        if (pk[i].len <= 2) ASSERT(gap >= 400000);
        ASSERT_EQ(pk[i].marker, pk[i].voice && !pk[i - 1].voice);
        spurts += pk[i].marker;
    }
    ASSERT(silent > 20);
    ASSERT(spurts >= 3);
    printf("     DTX: %d packets in 45 s (2250 without DTX), %d in silences\n", n, silent);
    audio_src_free(src);
    audio_loop_free(loop);
}

static void test_audio_edge_cases(void) {
    audio_loop *loop = audio_loop_new(1, 0);
    ASSERT(loop);
    /* No extension when both ids are 0. */
    audio_src *src = audio_src_new(loop, 9, 100, 0, 0);
    uint8_t b[MEDIA_SRC_MAX_PACKET];
    ASSERT_EQ(audio_src_poll(src, 1000, 1000, b, 8), RTP_E_NOSPACE);
    int len = audio_src_poll(src, 1000, 1000, b, sizeof b);
    ASSERT(len > 12);
    rtp_header h;
    ASSERT_EQ(rtp_parse(&h, b, (size_t)len), 0);
    ASSERT_EQ(h.extension, 0);
    ASSERT_EQ(h.header_len, 12);
    uint16_t seq0 = h.seq;
    uint32_t ts0 = h.timestamp;
    ASSERT_EQ(audio_src_poll(src, 1000, 1000, b, sizeof b), 0);
    ASSERT_EQ(audio_src_next_due(src), 21000);

    /* A caller stalled for 1 s gets no burst: the schedule moves to now. */
    uint64_t now = 1000 + 1000000;
    int burst = 0;
    while ((len = audio_src_poll(src, now, now, b, sizeof b)) > 0) {
        ASSERT_EQ(rtp_parse(&h, b, (size_t)len), 0);
        burst++;
    }
    ASSERT_EQ(burst, 1);
    ASSERT_EQ((uint16_t)(h.seq - seq0), 1);
    ASSERT_EQ(h.timestamp - ts0, 50 * 960); /* 1 s later */
    ASSERT_EQ(audio_src_next_due(src), now + 20000);
    audio_src_free(src);
    audio_loop_free(loop);
}

/* ---- video ---------------------------------------------------------------------- */

typedef struct frame_asm {
    uint8_t data[1 << 18];
    size_t len;
    int packets, key;
    uint32_t ts;
    uint16_t pic_id, first_seq;
} frame_asm;

typedef struct vid_run {
    vpx_codec_ctx_t dec;
    frame_asm f;
    int frames, keys, content[1024]; /* loop frame shown, read from the picture */
    uint32_t last_ts;
    uint16_t last_seq, last_pic;
    int have_last;
    uint64_t first_t;
} vid_run;

/* Reads the frame number the picture shows as 16 squares (see draw_frame). */
static int read_counter(const vpx_image_t *img) {
    int sq = (int)img->d_w / 40 & ~1, n = 0;
    for (int b = 0; b < 16; b++) {
        int y = sq + sq / 2, x = sq + b * sq + sq / 2;
        n = n << 1 | (img->planes[0][(size_t)y * img->stride[0] + x] > 128);
    }
    return n;
}

/* Checks one VP8 packet, adds it to the frame being assembled, and decodes
 * the frame on its marker. */
static void vid_packet(vid_run *r, const uint8_t *b, int len, uint64_t now) {
    rtp_header h;
    ASSERT_EQ(rtp_parse(&h, b, (size_t)len), 0);
    ASSERT_EQ(h.payload_type, 96);
    ASSERT_EQ(h.ssrc, 0xabcdef01);
    ASSERT(h.payload_len <= VIDEO_SRC_MAX_PAYLOAD && h.payload_len > 4);
    check_ast(&h, b, now + WALL_OFFSET);
    const uint8_t *p = b + h.payload_offset;
    ASSERT_EQ(p[0] & 0xef, 0x80); /* X=1, N=0, PID 0 */
    ASSERT_EQ(p[1], 0x80);        /* I */
    ASSERT(p[2] & 0x80);          /* M: 15-bit PictureID */
    uint16_t pic = (uint16_t)((p[2] & 0x7f) << 8 | p[3]);
    int start = (p[0] & 0x10) != 0;
    if (r->have_last) ASSERT_EQ((uint16_t)(h.seq - r->last_seq), 1);
    r->last_seq = h.seq;
    frame_asm *f = &r->f;
    if (f->packets == 0) {
        ASSERT(start);
        if (r->frames > 0) {
            ASSERT_EQ(h.timestamp - r->last_ts, 3000);
            ASSERT_EQ(pic, (r->last_pic + 1) & 0x7fff);
        }
        f->ts = h.timestamp;
        f->pic_id = pic;
        f->key = rtp_vp8_is_keyframe(p, h.payload_len);
        ASSERT(f->key == 0 || f->key == 1);
        f->len = 0;
    } else {
        ASSERT(!start);
        ASSERT_EQ(h.timestamp, f->ts);
        ASSERT_EQ(pic, f->pic_id);
    }
    ASSERT(f->len + h.payload_len - 4 <= sizeof f->data);
    memcpy(f->data + f->len, p + 4, h.payload_len - 4u);
    f->len += h.payload_len - 4u;
    f->packets++;
    r->have_last = 1;
    if (!h.marker) return;

    ASSERT_EQ(vpx_codec_decode(&r->dec, f->data, (unsigned)f->len, NULL, 0), VPX_CODEC_OK);
    vpx_codec_iter_t it = NULL;
    vpx_image_t *img = vpx_codec_get_frame(&r->dec, &it);
    ASSERT(img != NULL);
    ASSERT_EQ(img->d_w, 640);
    ASSERT_EQ(img->d_h, 360);
    ASSERT(r->frames < 1024);
    if (r->frames == 0) ASSERT_EQ(f->key, 1); /* a stream starts with a key frame */
    r->content[r->frames++] = read_counter(img);
    r->keys += f->key;
    r->last_ts = f->ts;
    r->last_pic = f->pic_id;
    f->packets = 0;
}

static void vid_init(vid_run *r) {
    memset(r, 0, sizeof *r);
    ASSERT_EQ(vpx_codec_dec_init(&r->dec, vpx_codec_vp8_dx(), NULL, 0), VPX_CODEC_OK);
}

/* Polls every millisecond for `ms` ms from t0. */
static void vid_poll_for(vid_run *r, video_src *src, uint64_t t0, int ms) {
    for (int i = 0; i < ms; i++) {
        uint64_t now = t0 + (uint64_t)i * 1000;
        uint8_t b[MEDIA_SRC_MAX_PACKET];
        int len;
        while ((len = video_src_poll(src, now, now + WALL_OFFSET, b, sizeof b)) > 0)
            vid_packet(r, b, len, now);
        ASSERT_EQ(len, 0);
        ASSERT(video_src_next_due(src) > now);
    }
}

static video_loop *shared_loop;

static void test_video_loop(void) {
    double t = cpu_ms();
    shared_loop = video_loop_new(640, 360, 30, 500, 2);
    double cost = cpu_ms() - t;
    ASSERT(shared_loop);
    /* Reported, not asserted: tests never judge speed (bench/ measures). */
    printf("     video_loop_new 640x360 30 fps 500 kbps 2 s: %.0f ms CPU\n", cost);
    ASSERT_EQ(video_loop_frames(shared_loop), 60);
    ASSERT_EQ(video_loop_fps(shared_loop), 30);
    double kbps = (double)video_loop_bytes(shared_loop) * 8 / 2 / 1000;
    printf("     loop bitrate %.0f kbps (target 500)\n", kbps);
    ASSERT(kbps > 250 && kbps < 750);
    for (int i = 0; i < 60; i++) {
        size_t len;
        int key;
        ASSERT(video_loop_frame(shared_loop, i, &len, &key) != NULL);
        ASSERT(len > 0);
        if (i % 30 == 0) ASSERT(key);
    }
    ASSERT(video_loop_new(641, 360, 30, 500, 2) == NULL);
    ASSERT(video_loop_new(640, 360, 0, 500, 2) == NULL);
}

static void test_video_stream(void) {
    video_src *src = video_src_new(shared_loop, 0xabcdef01, 96, EXT_AST);
    ASSERT(src);
    static vid_run r;
    vid_init(&r);
    vid_poll_for(&r, src, 3000000, 5000); /* 2.5 loops: wraps twice */
    ASSERT_EQ(r.frames, 150);             /* 30 per second of now */
    ASSERT(r.content[0] % 30 == 0);       /* starts on a key frame */
    ASSERT_EQ(r.keys, 5);                 /* one a second */
    for (int i = 1; i < r.frames; i++)    /* the loop plays in order and wraps */
        ASSERT_EQ(r.content[i], (r.content[i - 1] + 1) % 60);
    vpx_codec_destroy(&r.dec);
    video_src_free(src);
}

static void test_video_keyframe_request(void) {
    video_src *src = video_src_new(shared_loop, 0xabcdef01, 96, EXT_AST);
    static vid_run r;
    vid_init(&r);
    uint64_t now = 0;
    vid_poll_for(&r, src, now, 200); /* frames 0..6 of the run */
    ASSERT_EQ(r.frames, 6);
    int before = r.content[5];
    /* Between frames: the very next frame is the next key frame. */
    video_src_request_keyframe(src);
    vid_poll_for(&r, src, 200000, 50);
    ASSERT(r.frames >= 7);
    ASSERT_EQ(r.content[6], (before / 30 + 1) * 30 % 60);
    /* In the middle of a frame: it completes, then the key frame comes. */
    uint8_t b[MEDIA_SRC_MAX_PACKET];
    uint64_t t;
    do { /* one packet at a time up to the first packet of a frame of several */
        t = video_src_next_due(src);
        int len = video_src_poll(src, t, t + WALL_OFFSET, b, sizeof b);
        ASSERT(len > 0);
        vid_packet(&r, b, len, t);
    } while (r.f.packets != 1);
    int shown = r.frames;
    video_src_request_keyframe(src);
    vid_poll_for(&r, src, t, 100);
    ASSERT(r.frames >= shown + 2);
    int cur = r.content[shown]; /* the half-sent frame was finished */
    ASSERT_EQ(r.content[shown + 1], (cur / 30 + 1) * 30 % 60);
    vpx_codec_destroy(&r.dec);
    video_src_free(src);
}

static void test_video_retransmit(void) {
    video_src *src = video_src_new(shared_loop, 0xabcdef01, 96, EXT_AST);
    static uint8_t sent[1024][MEDIA_SRC_MAX_PACKET];
    static int sent_len[1024];
    uint16_t first = 0, last = 0;
    int count = 0;
    for (uint64_t now = 0; now < 12000000; now += 1000) {
        uint8_t b[MEDIA_SRC_MAX_PACKET];
        int len;
        while ((len = video_src_poll(src, now, now + WALL_OFFSET, b, sizeof b)) > 0) {
            rtp_header h;
            ASSERT_EQ(rtp_parse(&h, b, (size_t)len), 0);
            if (count++ == 0) first = h.seq;
            last = h.seq;
            memcpy(sent[h.seq % 1024], b, (size_t)len);
            sent_len[h.seq % 1024] = len;
        }
    }
    ASSERT(count > 600);
    uint8_t b[MEDIA_SRC_MAX_PACKET];
    for (int k = 0; k < VIDEO_SRC_RTX_PACKETS; k++) {
        uint16_t seq = (uint16_t)(last - k);
        int len = video_src_retransmit(src, seq, b, sizeof b);
        ASSERT_EQ(len, sent_len[seq % 1024]);
        ASSERT_MEM_EQ(b, sent[seq % 1024], (size_t)len);
    }
    ASSERT_EQ(video_src_retransmit(src, (uint16_t)(last - VIDEO_SRC_RTX_PACKETS), b, sizeof b), 0);
    ASSERT_EQ(video_src_retransmit(src, (uint16_t)(last + 1), b, sizeof b), 0);
    ASSERT_EQ(video_src_retransmit(src, first, b, sizeof b), 0);
    ASSERT_EQ(video_src_retransmit(src, last, b, 20), RTP_E_NOSPACE);
    video_src_free(src);

    /* A new source has nothing to resend. */
    src = video_src_new(shared_loop, 1, 96, 0);
    ASSERT_EQ(video_src_retransmit(src, first, b, sizeof b), 0);
    video_src_free(src);
}

static void test_video_stall(void) {
    video_src *src = video_src_new(shared_loop, 0xabcdef01, 96, EXT_AST);
    static vid_run r;
    vid_init(&r);
    vid_poll_for(&r, src, 0, 101); /* slots 0..3 */
    ASSERT_EQ(r.frames, 4);
    /* 1 s without polling: one frame then, not 30, with the timestamp of
     * slot 33 (30 slots after slot 3). */
    uint64_t now = 1100000;
    uint8_t b[MEDIA_SRC_MAX_PACKET];
    int len;
    r.last_ts += 29 * 3000; /* vid_packet checks +3000 */
    while ((len = video_src_poll(src, now, now + WALL_OFFSET, b, sizeof b)) > 0)
        vid_packet(&r, b, len, now);
    ASSERT_EQ(r.frames, 5);
    ASSERT_EQ(r.content[4], (r.content[3] + 1) % 60); /* picture continues */
    vpx_codec_destroy(&r.dec);
    video_src_free(src);
}

int main(void) {
    RUN_TEST(test_audio_loop);
    RUN_TEST(test_audio_continuous);
    RUN_TEST(test_audio_dtx);
    RUN_TEST(test_audio_edge_cases);
    RUN_TEST(test_video_loop);
    RUN_TEST(test_video_stream);
    RUN_TEST(test_video_keyframe_request);
    RUN_TEST(test_video_retransmit);
    RUN_TEST(test_video_stall);
    video_loop_free(shared_loop);
    TEST_DONE();
}
