/* Media sources of relais-loadtest: the audio and video a simulated
 * participant ("bot") sends, as plain RTP packets.
 *
 * Encoding is the expensive part, so it happens once, up front, into a
 * *loop*: audio_loop_new() encodes 20 s of a synthetic voice with libopus,
 * video_loop_new() a few seconds of a synthetic moving picture with libvpx
 * VP8. A *source* (audio_src, video_src) is one RTP stream that plays a loop
 * over and over: it only packetizes frames that are already encoded, so
 * hundreds of sources can share a handful of loops in one process.
 *
 * Sans-IO: nothing here reads a clock, opens a socket or logs. A source is
 * driven by two times the caller passes to every poll:
 *   now_us   monotonic time (clock_now_us()), used for pacing only;
 *   wall_us  wall-clock time (clock_wall_us()), written into the
 *            abs-send-time extension (24-bit 6.18 fixed-point seconds).
 * The first poll starts the stream: its first frame is due at that now_us.
 * Packets come out unencrypted; the caller SRTP-protects and sends them.
 * Call *_poll() when *_next_due() is reached and repeat until it returns 0.
 * A caller that falls more than MEDIA_SRC_MAX_LAG_US behind does not get a
 * burst of stale frames: the source moves its schedule to now_us (RTP
 * timestamps jump by the lost time, as they would in a stalled browser).
 *
 * Ownership and threads: the caller owns loops and sources and frees every
 * source of a loop before the loop. A loop is immutable once created, so one
 * loop may feed sources on several threads; a source belongs to one thread.
 *
 * Errors: constructors return NULL on bad arguments, encoder errors or when
 * out of memory. Polls return a packet length, 0 when nothing is due, or
 * RTP_E_NOSPACE (sfu/rtp.h) when `cap` is too small; the packet then stays
 * pending. MEDIA_SRC_MAX_PACKET bytes are always enough.
 *
 * Measured costs: at the top of media_src.c (audio: 0.3 s of CPU per loop)
 * and media_vp8.c (video: 0.3-0.45 s for 2 s of 640x360 at 30 fps). */
#ifndef RELAIS_MEDIA_SRC_H
#define RELAIS_MEDIA_SRC_H

#include <stddef.h>
#include <stdint.h>

#define MEDIA_SRC_MAX_PACKET 1200     /* largest packet a source writes */
#define MEDIA_SRC_MAX_LAG_US 200000   /* see "falls behind" above */
#define VIDEO_SRC_MAX_PAYLOAD 1100    /* RTP payload (descriptor + VP8 data) */
#define VIDEO_SRC_RTX_PACKETS 512     /* packets kept for video_src_retransmit() */
#define AUDIO_LOOP_SECONDS 20         /* length of every audio loop */
#define AUDIO_SAMPLES_PER_FRAME 960   /* 20 ms at 48 kHz */
#define AUDIO_DTX_KEEPALIVE_FRAMES 20 /* 400 ms: the packet interval of a silence (DTX) */

/* ---- audio ---------------------------------------------------------------- */

typedef struct audio_loop audio_loop;
typedef struct audio_src audio_src;

/* Encodes AUDIO_LOOP_SECONDS of a synthetic voice into 20 ms Opus frames
 * (48 kHz mono, VOIP application, 32 kbps VBR, inband FEC off, DTX if `dtx`).
 * The signal is a few harmonics of a fundamental gliding in 100-250 Hz with
 * 3-6 Hz syllable-rate amplitude modulation, in talk spurts of 1-4 s between
 * silences of 0.5-3 s, over faint noise. Everything follows from `seed`: the
 * same seed gives the same frames. The loop starts and ends in silence so
 * that it wraps without a click. For each frame the loop also keeps the
 * RFC 6464 audio level (-dBov of the frame's PCM) and its voice flag (the
 * frame lies in a talk spurt). This is the only expensive audio call. */
audio_loop *audio_loop_new(uint32_t seed, int dtx);
void audio_loop_free(audio_loop *loop); /* NULL is accepted */

/* Introspection, for tests and statistics. */
int audio_loop_frames(const audio_loop *loop);
/* Encoded size, voice flag and level (-dBov, 0 loudest .. 127) of frame i
 * (0 <= i < audio_loop_frames()); any output pointer may be NULL. */
void audio_loop_frame(const audio_loop *loop, int i, size_t *len, int *voice, uint8_t *level);

/* A new stream of `loop` (not copied: keep it alive) on `ssrc` with payload
 * type `pt`. The header extensions audio level (RFC 6464) and abs-send-time
 * are written with these ids (1..14 one-byte form, up to 255 two-byte form)
 * and left out when an id is 0. The start of the sequence number, of the
 * RTP timestamp and the position in the loop are random, derived from
 * `ssrc` (so pick SSRCs at random; a given SSRC always starts the same way,
 * which keeps tests reproducible). Cheap. */
audio_src *audio_src_new(const audio_loop *loop, uint32_t ssrc, uint8_t pt,
                         uint8_t ext_audio_level_id, uint8_t ext_abs_send_time_id);
void audio_src_free(audio_src *src); /* NULL is accepted */

/* Writes the next packet due at or before now_us into out. One packet per
 * call; returns its length, 0 if none is due, or RTP_E_NOSPACE.
 * Timestamp +960 every 20 ms whether or not a frame is sent; sequence number
 * +1 per packet sent. With a DTX loop, the frames of a silence (Opus packets
 * of 2 bytes or less, and the encoder's comfort noise updates) go out only
 * after AUDIO_DTX_KEEPALIVE_FRAMES frames without a packet: one packet every
 * 400 to 420 ms (RFC 7587, section 3.1.3). The marker bit is set on the
 * first packet of each talk spurt. */
int audio_src_poll(audio_src *src, uint64_t now_us, uint64_t wall_us, uint8_t *out, size_t cap);
/* When the next packet is due (frames DTX suppresses are skipped); 0 before
 * the first poll, meaning "now". */
uint64_t audio_src_next_due(const audio_src *src);

/* ---- video ---------------------------------------------------------------- */

typedef struct video_loop video_loop;
typedef struct video_src video_src;

/* Encodes `seconds` of a synthetic moving picture (scrolling gradient and
 * texture, a bouncing box, the frame number as a row of bits) with libvpx
 * VP8: realtime, one-pass CBR at `kbps`, error resilient, one token
 * partition, a key frame every second (every `fps` frames, so frame 0 is
 * one and the loop wraps decodably), no dropped frames. width and height:
 * even, 16..1920 x 16..1080; fps 1..60; kbps 50..10000; seconds 1..60.
 * This is the only expensive video call. */
video_loop *video_loop_new(int width, int height, int fps, int kbps, int seconds);
void video_loop_free(video_loop *loop); /* NULL is accepted */

/* Introspection, for tests and statistics. */
int video_loop_frames(const video_loop *loop);
int video_loop_fps(const video_loop *loop);
/* Total encoded bytes of the loop (bitrate = bytes * 8 * fps / frames). */
size_t video_loop_bytes(const video_loop *loop);
/* Encoded VP8 frame i (0 <= i < video_loop_frames()); *key (may be NULL) is
 * set to 1 for a key frame. The pointer lives as long as the loop. */
const uint8_t *video_loop_frame(const video_loop *loop, int i, size_t *len, int *key);

/* A new stream of `loop` (not copied: keep it alive) on `ssrc` with payload
 * type `pt`, with the abs-send-time extension under `ext_abs_send_time_id`
 * (none if 0). The start of the sequence number, of the RTP timestamp and of
 * the PictureID, and the key frame of the loop to start from are random,
 * derived from `ssrc` as for audio_src_new(). The source embeds its
 * retransmission ring (about 12 KB in all). Cheap. */
video_src *video_src_new(const video_loop *loop, uint32_t ssrc, uint8_t pt,
                         uint8_t ext_abs_send_time_id);
void video_src_free(video_src *src); /* NULL is accepted */

/* Writes the next packet due at or before now_us into out; one packet per
 * call, call until it returns 0. Returns the length, 0 or RTP_E_NOSPACE.
 * RFC 7741 packetization: payload descriptor with X=1, S=1 on the first
 * packet of a frame, partition id 0, a 15-bit PictureID (M=1) that grows by
 * one per frame; payloads of at most VIDEO_SRC_MAX_PAYLOAD bytes, their sizes
 * within a frame differing by one byte at most; the marker bit on the last
 * packet of a frame; all packets of a frame carry its timestamp, +90000/fps
 * per frame. After the last frame of the loop comes frame 0, a key frame. */
int video_src_poll(video_src *src, uint64_t now_us, uint64_t wall_us, uint8_t *out, size_t cap);
/* When the next packet is due; 0 before the first poll, meaning "now". */
uint64_t video_src_next_due(const video_src *src);

/* On PLI or FIR: the next frame that starts (after the packets of the
 * current one, if it is half sent) is the next key frame of the loop, so the
 * picture jumps ahead by less than a second and stays decodable. */
void video_src_request_keyframe(video_src *src);

/* Rewrites packet `seq` exactly as it was first sent (same bytes, including
 * abs-send-time, so that SRTP never protects different bytes under one
 * sequence number) if it is among the last VIDEO_SRC_RTX_PACKETS sent.
 * Returns its length, 0 if it is not available, or RTP_E_NOSPACE. The
 * packets are rebuilt from the loop, so the ring holds a few bytes of
 * metadata per packet instead of copies. */
int video_src_retransmit(video_src *src, uint16_t seq, uint8_t *out, size_t cap);

#endif
