/* Audio source of relais-loadtest: a synthetic voice encoded once with
 * libopus into a loop, played by many cheap RTP sources (see media_src.h).
 *
 * Measured cost (Debian 12, 2-core Xeon VM, -O2, CPU time): audio_loop_new()
 * takes about 0.3 s for its 20 s (1000 frames): 35 ms to synthesize the
 * voice, the rest in libopus at complexity 5 (0.2 s at complexity 0, 0.5 s
 * at 10). A loop holds 45 to 80 KB (8 KB of frame table, the rest Opus
 * data: less with DTX); a source is 64 bytes. A poll builds a 24-byte header
 * and copies one Opus packet (about 80 bytes). */
#include "loadtest/media_src.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <opus/opus.h>

#include "sfu/rtp.h"

#define SAMPLE_RATE 48000
#define FRAME_US 20000
#define LOOP_FRAMES (AUDIO_LOOP_SECONDS * 1000000 / FRAME_US)
#define OPUS_BITRATE 32000
#define OPUS_COMPLEXITY 5 /* 10 costs twice as much for no benefit to a load test */
#define MAX_OPUS_PACKET 1275
#define HARMONICS 8
#define NOISE_AMP 0.0004f   /* about -68 dBFS: a quiet room, DTX treats it as silence */
#define BREATH_AMP 0.01f    /* noise in speech, scaled by the envelope */
#define FADE_SAMPLES 960    /* 20 ms fade in and out of a talk spurt */
#define CONTROL_SAMPLES 48  /* pitch and envelope change every 1 ms */
#define DTX_FRAME_MAX_LEN 2 /* libopus marks a frame not to be sent this way */
#define PREROLL_FRAMES 25   /* 0.5 s: the silence the loop ends with */

enum frame_kind {
    FRAME_SEND, /* speech or its hangover: always sent */
    FRAME_CN,   /* comfort noise update in a silence: sent after 400 ms without a packet */
    FRAME_DTX,  /* 2 bytes or less: sent after 400 ms without a packet if no update follows */
};

typedef struct audio_frame {
    uint32_t off;                /* into audio_loop.data */
    uint16_t len;                /* Opus packet bytes */
    uint8_t level;               /* RFC 6464 -dBov */
    uint8_t voice : 1, kind : 2; /* in a talk spurt; enum frame_kind */
} audio_frame;

struct audio_loop {
    int n_frames;
    audio_frame frames[LOOP_FRAMES];
    size_t data_len;
    uint8_t *data;
};

struct audio_src {
    const audio_loop *loop;
    uint32_t ssrc;
    uint8_t pt, ext_level_id, ext_ast_id;
    int started;
    uint16_t seq;     /* of the next packet sent */
    uint32_t ts0;     /* RTP timestamp of slot 0 */
    uint64_t base_us; /* time of slot 0 */
    uint64_t slot;    /* 20 ms slot of the next frame to send */
    int idx;          /* loop frame of that slot */
    int since_sent;   /* slots since the last packet sent */
    int last_voice;   /* the last packet sent was speech */
};

/* xorshift32: deterministic, cheap, good enough for a test signal. */
static uint32_t rng_next(uint32_t *s) {
    uint32_t x = *s ? *s : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Uniform in [lo, hi). */
static float rng_range(uint32_t *s, float lo, float hi) {
    return lo + (hi - lo) * (float)(rng_next(s) >> 8) / (float)(1u << 24);
}

/* ---- the synthetic voice ---------------------------------------------------- */

/* Generator state: the loop is cut into segments, alternately silence and
 * talk spurt; a spurt has its own pitch glide, syllable rate and loudness. */
typedef struct voice_gen {
    uint32_t rng;
    int64_t total; /* samples in the loop */
    int64_t pos;   /* next sample */
    int64_t seg_start, seg_end;
    int talking;
    float f0_a, f0_b;     /* pitch at the start and end of the spurt */
    float vib_hz, vib_ph; /* slow pitch wander */
    float syl_hz, amp;
    double phase;    /* of the fundamental, radians */
    float step, syl; /* phase step and syllable envelope, per CONTROL_SAMPLES */
} voice_gen;

static void voice_next_segment(voice_gen *g) {
    const int64_t sr = SAMPLE_RATE, tail = sr / 2; /* the loop ends in >= 0.5 s of silence */
    g->seg_start = g->seg_end;
    g->talking = !g->talking;
    int64_t len;
    if (g->talking) {
        len = (int64_t)(rng_range(&g->rng, 1.0f, 4.0f) * (float)sr);
        if (g->seg_start + len > g->total - tail) len = g->total - tail - g->seg_start;
        if (len < sr) { /* no room for a spurt of 1 s: silence to the end */
            g->talking = 0;
            len = g->total - g->seg_start;
        }
        float center = rng_range(&g->rng, 110.0f, 200.0f);
        g->f0_a = center * rng_range(&g->rng, 0.85f, 1.2f);
        g->f0_b = center * rng_range(&g->rng, 0.8f, 1.1f);
        g->vib_hz = rng_range(&g->rng, 0.5f, 2.0f);
        g->vib_ph = rng_range(&g->rng, 0.0f, 6.2831853f);
        g->syl_hz = rng_range(&g->rng, 3.0f, 6.0f);
        g->amp = rng_range(&g->rng, 0.12f, 0.3f);
    } else {
        len = (int64_t)(rng_range(&g->rng, 0.5f, 3.0f) * (float)sr);
    }
    g->seg_end = g->seg_start + len;
    if (g->seg_end > g->total) g->seg_end = g->total;
}

/* One sample of speech at offset t (samples) into the current spurt. */
static float voice_sample(voice_gen *g, int64_t t) {
    int64_t len = g->seg_end - g->seg_start;
    if (t % CONTROL_SAMPLES == 0) { /* pitch and loudness move slowly */
        float sec = (float)t / SAMPLE_RATE;
        float f0 = g->f0_a + (g->f0_b - g->f0_a) * (float)t / (float)len;
        f0 *= 1.0f + 0.08f * sinf(6.2831853f * g->vib_hz * sec + g->vib_ph);
        f0 = f0 < 100.0f ? 100.0f : f0 > 250.0f ? 250.0f : f0;
        g->step = 6.2831853f * f0 / SAMPLE_RATE;
        /* Syllables: the envelope dips to 10 % between them. */
        g->syl = 0.1f + 0.9f * (0.5f - 0.5f * cosf(6.2831853f * g->syl_hz * sec));
    }
    g->phase += g->step;
    if (g->phase > 6.283185307179586) g->phase -= 6.283185307179586;

    /* Harmonics k*f0 with amplitude 1/k, by the Chebyshev recurrence
     * sin((k+1)p) = 2cos(p)sin(kp) - sin((k-1)p): two trig calls a sample. */
    float s1 = sinf((float)g->phase), c2 = 2.0f * cosf((float)g->phase);
    float prev = 0.0f, cur = s1, sum = 0.0f;
    for (int k = 1; k <= HARMONICS; k++) {
        sum += cur / (float)k;
        float next = c2 * cur - prev;
        prev = cur;
        cur = next;
    }
    float fade = 1.0f;
    if (t < FADE_SAMPLES) fade = (float)t / FADE_SAMPLES;
    if (len - t < FADE_SAMPLES) fade = (float)(len - t) / FADE_SAMPLES;
    float env = g->amp * g->syl * fade;
    float breath = BREATH_AMP * env / g->amp * rng_range(&g->rng, -1.0f, 1.0f);
    return env * sum / 2.7f + breath; /* sum of 1/k for k <= 8 is 2.72 */
}

/* Fills one frame of PCM; returns 1 if any of it lies in a talk spurt. */
static int voice_frame(voice_gen *g, int16_t *pcm, int n) {
    int voice = 0;
    for (int i = 0; i < n; i++, g->pos++) {
        while (g->pos >= g->seg_end && g->seg_end < g->total)
            voice_next_segment(g);
        float v = NOISE_AMP * rng_range(&g->rng, -1.0f, 1.0f);
        if (g->talking) {
            v += voice_sample(g, g->pos - g->seg_start);
            voice = 1;
        }
        float s = v * 32767.0f;
        pcm[i] = (int16_t)(s > 32767.0f ? 32767.0f : s < -32768.0f ? -32768.0f : s);
    }
    return voice;
}

/* RFC 6464 level: -dBov of the frame's RMS, 0 (full scale) .. 127. */
static uint8_t pcm_level(const int16_t *pcm, int n) {
    double e = 0.0;
    for (int i = 0; i < n; i++)
        e += (double)pcm[i] * pcm[i];
    double rms = sqrt(e / n) / 32768.0;
    if (rms <= 0.0) return 127;
    double db = -20.0 * log10(rms);
    return db >= 127.0 ? 127 : db <= 0.0 ? 0 : (uint8_t)lround(db);
}

/* ---- audio_loop --------------------------------------------------------------- */

static OpusEncoder *opus_enc_new(int dtx) {
    int err = 0;
    OpusEncoder *enc = opus_encoder_create(SAMPLE_RATE, 1, OPUS_APPLICATION_VOIP, &err);
    if (!enc || err != OPUS_OK) return NULL;
    if (opus_encoder_ctl(enc, OPUS_SET_BITRATE(OPUS_BITRATE)) != OPUS_OK ||
        opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(OPUS_COMPLEXITY)) != OPUS_OK ||
        opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK ||
        opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(0)) != OPUS_OK ||
        opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(0)) != OPUS_OK ||
        opus_encoder_ctl(enc, OPUS_SET_DTX(dtx ? 1 : 0)) != OPUS_OK) {
        opus_encoder_destroy(enc);
        return NULL;
    }
    return enc;
}

/* Classifies the frames for DTX (RFC 7587 3.1.3), once per loop. libopus
 * in DTX returns a packet of 2 bytes or less for a frame not to be sent and,
 * about every 400 ms, a comfort noise update. Sources send a DTX frame or a
 * comfort noise update only when nothing went out for 400 ms, so a silence
 * costs one packet per 400 to 420 ms whatever the encoder's own rhythm. */
static void loop_classify(audio_loop *loop) {
    int n = loop->n_frames;
    for (int i = 0; i < n; i++) {
        audio_frame *f = &loop->frames[i];
        const audio_frame *prev = &loop->frames[(i + n - 1) % n];
        if (f->len <= DTX_FRAME_MAX_LEN)
            f->kind = FRAME_DTX;
        else if (!f->voice && prev->len <= DTX_FRAME_MAX_LEN)
            f->kind = FRAME_CN;
        else
            f->kind = FRAME_SEND;
    }
}

audio_loop *audio_loop_new(uint32_t seed, int dtx) {
    const int spf = AUDIO_SAMPLES_PER_FRAME;
    audio_loop *loop = calloc(1, sizeof *loop);
    uint8_t *buf = malloc((size_t)LOOP_FRAMES * MAX_OPUS_PACKET);
    int16_t *pcm = malloc((size_t)LOOP_FRAMES * spf * sizeof *pcm);
    OpusEncoder *enc = opus_enc_new(dtx);
    if (!loop || !buf || !pcm || !enc) goto fail;

    /* talking = 1 so that the first segment is a silence. */
    voice_gen g = {
        .rng = seed * 2654435761u + 1u, .total = (int64_t)LOOP_FRAMES * spf, .talking = 1};
    for (int i = 0; i < LOOP_FRAMES; i++)
        loop->frames[i].voice = (uint8_t)voice_frame(&g, pcm + (size_t)i * spf, spf);

    /* Pre-roll: the encoder first hears the end of the loop (silence), so
     * that frame 0 continues frame N-1 as if the loop had been playing. */
    size_t used = 0;
    for (int i = LOOP_FRAMES - PREROLL_FRAMES; i < LOOP_FRAMES; i++)
        if (opus_encode(enc, pcm + (size_t)i * spf, spf, buf, MAX_OPUS_PACKET) <= 0) goto fail;
    for (int i = 0; i < LOOP_FRAMES; i++) {
        const int16_t *p = pcm + (size_t)i * spf;
        opus_int32 n = opus_encode(enc, p, spf, buf + used, MAX_OPUS_PACKET);
        if (n <= 0) goto fail;
        loop->frames[i].off = (uint32_t)used;
        loop->frames[i].len = (uint16_t)n;
        loop->frames[i].level = pcm_level(p, spf);
        used += (size_t)n;
    }
    opus_encoder_destroy(enc);
    free(pcm);
    loop->n_frames = LOOP_FRAMES;
    loop_classify(loop);
    loop->data_len = used;
    /* Shrink (the encoded loop is ~15x smaller than the worst case) by copy:
     * GCC 12 flags the realloc-failure fallback as a use after free. */
    loop->data = malloc(used ? used : 1);
    if (loop->data) {
        memcpy(loop->data, buf, used);
        free(buf);
    } else {
        loop->data = buf;
    }
    return loop;

fail:
    if (enc) opus_encoder_destroy(enc);
    free(pcm);
    free(buf);
    free(loop);
    return NULL;
}

void audio_loop_free(audio_loop *loop) {
    if (!loop) return;
    free(loop->data);
    free(loop);
}

int audio_loop_frames(const audio_loop *loop) {
    return loop->n_frames;
}

void audio_loop_frame(const audio_loop *loop, int i, size_t *len, int *voice, uint8_t *level) {
    const audio_frame *f = &loop->frames[i];
    if (len) *len = f->len;
    if (voice) *voice = f->voice;
    if (level) *level = f->level;
}

/* ---- audio_src ---------------------------------------------------------------- */

audio_src *audio_src_new(const audio_loop *loop, uint32_t ssrc, uint8_t pt,
                         uint8_t ext_audio_level_id, uint8_t ext_abs_send_time_id) {
    if (!loop || pt > 127) return NULL;
    audio_src *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    uint32_t rng = ssrc * 2654435761u ^ 0xa5a5a5a5u;
    s->loop = loop;
    s->ssrc = ssrc;
    s->pt = pt;
    s->ext_level_id = ext_audio_level_id;
    s->ext_ast_id = ext_abs_send_time_id;
    s->seq = (uint16_t)rng_next(&rng);
    s->ts0 = rng_next(&rng);
    s->idx = (int)(rng_next(&rng) % (uint32_t)loop->n_frames);
    s->since_sent = AUDIO_DTX_KEEPALIVE_FRAMES; /* start at once, even in a silence */
    return s;
}

void audio_src_free(audio_src *src) {
    free(src);
}

/* Whether the source's current frame goes out (see loop_classify()). */
static int audio_frame_sent(const audio_src *s) {
    const audio_frame *fr = s->loop->frames;
    int quiet = s->since_sent >= AUDIO_DTX_KEEPALIVE_FRAMES;
    switch (fr[s->idx].kind) {
    case FRAME_SEND:
        return 1;
    case FRAME_CN:
        return quiet;
    default: /* FRAME_DTX: a frame that follows would do as well */
        return quiet && fr[s->idx + 1 == s->loop->n_frames ? 0 : s->idx + 1].kind == FRAME_DTX;
    }
}

/* Moves to the next 20 ms slot (and loop frame); the frame is not sent. */
static void audio_advance(audio_src *s) {
    s->slot++;
    s->idx = s->idx + 1 == s->loop->n_frames ? 0 : s->idx + 1;
    s->since_sent++;
}

/* Skips the frames DTX suppresses: at most AUDIO_DTX_KEEPALIVE_FRAMES. */
static void audio_skip_suppressed(audio_src *s) {
    while (!audio_frame_sent(s))
        audio_advance(s);
}

static uint64_t audio_due(const audio_src *s) {
    return s->base_us + s->slot * FRAME_US;
}

uint64_t audio_src_next_due(const audio_src *src) {
    return src->started ? audio_due(src) : 0;
}

int audio_src_poll(audio_src *s, uint64_t now_us, uint64_t wall_us, uint8_t *out, size_t cap) {
    if (!s->started) {
        s->started = 1;
        s->base_us = now_us;
        audio_skip_suppressed(s);
    }
    if (audio_due(s) > now_us) return 0;
    if (now_us - audio_due(s) > MEDIA_SRC_MAX_LAG_US) { /* stalled: drop the stale frames */
        uint64_t slot = (now_us - s->base_us) / FRAME_US, skip = slot - s->slot;
        s->slot = slot;
        s->idx = (int)((s->idx + skip) % (uint64_t)s->loop->n_frames);
        s->since_sent += skip > AUDIO_DTX_KEEPALIVE_FRAMES ? AUDIO_DTX_KEEPALIVE_FRAMES : (int)skip;
        audio_skip_suppressed(s);
        if (audio_due(s) > now_us) return 0;
    }

    const audio_frame *f = &s->loop->frames[s->idx];
    uint8_t level[1], ast[3];
    rtp_ext_elem ext[2];
    int n_ext = 0;
    if (s->ext_level_id) {
        rtp_ext_write_audio_level(level, f->voice, f->level);
        ext[n_ext++] = (rtp_ext_elem){.id = s->ext_level_id, .len = 1, .data = level};
    }
    if (s->ext_ast_id) {
        rtp_ext_write_abs_send_time(ast, wall_us);
        ext[n_ext++] = (rtp_ext_elem){.id = s->ext_ast_id, .len = 3, .data = ast};
    }
    rtp_header h = {.marker = f->voice && !s->last_voice,
                    .payload_type = s->pt,
                    .seq = s->seq,
                    .timestamp = s->ts0 + (uint32_t)(s->slot * AUDIO_SAMPLES_PER_FRAME),
                    .ssrc = s->ssrc};
    int hl = rtp_build_header(out, cap, &h, ext, n_ext);
    if (hl < 0) return hl;
    if ((size_t)hl + f->len > cap) return RTP_E_NOSPACE;
    memcpy(out + hl, s->loop->data + f->off, f->len);

    s->seq++;
    s->last_voice = f->voice;
    s->since_sent = 0;
    audio_advance(s);
    audio_skip_suppressed(s);
    return hl + f->len;
}
