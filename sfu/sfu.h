/* The media plane as the control thread sees it.
 *
 * An `sfu` owns N media workers (threads with a GMainContext each). Every
 * room lives on exactly one worker, chosen by the control thread when the
 * room is created; everything in a room (participants, transports, tracks,
 * forwarders) is owned by that worker's thread and touched by no other.
 *
 * The control thread talks to rooms only through commands (sfu_cmd, queued
 * to the room's worker) and hears back through events (sfu_event, queued to
 * the control thread, which is woken by the `wakeup` callback given to
 * sfu_new and then drains sfu_poll_event). Commands and events are heap
 * objects handed over whole: the receiver frees them. */
#ifndef RELAIS_SFU_H
#define RELAIS_SFU_H

#include <stddef.h>
#include <stdint.h>

#define SFU_MAX_TRACKS 8 /* published tracks per participant */
#define SFU_MID_MAX 33

typedef enum { SFU_SRC_MICROPHONE = 0, SFU_SRC_CAMERA = 1, SFU_SRC_SCREEN = 2 } sfu_source;
typedef enum { SFU_KIND_AUDIO = 0, SFU_KIND_VIDEO = 1 } sfu_kind;
typedef enum { SFU_PC_PUBLISH = 0, SFU_PC_SUBSCRIBE = 1 } sfu_pc;

/* Errors reported in SFU_EV_ERROR; the signaling layer maps them to the
 * protocol's stable codes (docs/protocol.md). */
typedef enum {
    SFU_ERR_BAD_SDP = 1,
    SFU_ERR_UNSUPPORTED_MEDIA,
    SFU_ERR_NO_FINGERPRINT,
    SFU_ERR_NO_CODEC,
    SFU_ERR_NO_OFFER_PENDING,
    SFU_ERR_FINGERPRINT_MISMATCH,
    SFU_ERR_DTLS_FAILED,
    SFU_ERR_ICE_FAILED,
    SFU_ERR_INTERNAL,
} sfu_error;

typedef struct sfu_opts {
    int workers;                    /* >= 1 */
    const char *const *media_addrs; /* addresses libnice binds (it gathers no loopback itself) */
    size_t n_media_addrs;
    const char *announce_addr; /* put in candidates instead of the bound address, or NULL */
    uint16_t port_min, port_max;
    uint32_t max_bitrate_kbps; /* REMB sent to publishers */
} sfu_opts;

typedef struct sfu_track_desc {
    char mid[SFU_MID_MAX];
    sfu_source source;
} sfu_track_desc;

typedef enum {
    SFU_CMD_JOIN,             /* room, pid */
    SFU_CMD_LEAVE,            /* room, pid; frees the room on the worker when it empties */
    SFU_CMD_PUBLISH,          /* sdp (offer), tracks */
    SFU_CMD_SUBSCRIBE_ANSWER, /* sdp (answer) */
    SFU_CMD_CANDIDATE,        /* pc, candidate ("candidate:..." or "" for end) */
} sfu_cmd_type;

typedef struct sfu_cmd {
    sfu_cmd_type type;
    uint32_t room, pid;
    char *sdp;       /* owned, malloc'd */
    char *candidate; /* owned, malloc'd */
    sfu_pc pc;
    sfu_track_desc tracks[SFU_MAX_TRACKS];
    int n_tracks;
} sfu_cmd;

typedef struct sfu_sub_track {
    char mid[SFU_MID_MAX];
    uint32_t owner; /* publishing participant */
    sfu_source source;
    sfu_kind kind;
} sfu_sub_track;

typedef enum {
    SFU_EV_PUBLISH_ANSWER,  /* sdp; sources[] = what is now published */
    SFU_EV_SUBSCRIBE_OFFER, /* sdp; sub_tracks[] = active mid -> owner/source */
    SFU_EV_ERROR,           /* error, message; pc says which connection when relevant */
} sfu_event_type;

typedef struct sfu_event {
    sfu_event_type type;
    uint32_t room, pid;
    char *sdp; /* owned */
    sfu_source sources[SFU_MAX_TRACKS];
    int n_sources;
    sfu_sub_track *sub_tracks; /* owned */
    int n_sub_tracks;
    sfu_error error;
    int cause; /* SFU_EV_ERROR: 1 + the sfu_cmd_type that failed, 0 if asynchronous */
    char message[160];
} sfu_event;

/* Per-worker counters, written only by the worker thread (relaxed atomics,
 * no locks) and summed on read by any thread. */
typedef struct sfu_stats {
    uint64_t rtp_in, rtp_in_bytes, rtcp_in;
    uint64_t rtp_out, rtp_out_bytes, rtcp_out;
    uint64_t nacks_in, nacks_out, retransmits, plis_in, plis_out;
    uint64_t drop_srtp, drop_malformed, drop_unknown_ssrc, drop_not_ready;
    uint64_t dtls_failures, ice_failures;
    uint64_t
        rtx_suppressed; /* NACKed packets not resent: too recent a resend, too old, over budget */
    uint64_t rooms, participants, transports;
} sfu_stats;

typedef struct sfu sfu;

/* Starts the workers. `wakeup(ud)` is called from worker threads whenever an
 * event is queued; it must be thread-safe and cheap (e.g. lws_cancel_service).
 * Returns 0, or negative with a reason in err. */
int sfu_new(sfu **out, const sfu_opts *opts, void (*wakeup)(void *ud), void *ud, char *err,
            size_t errlen);
/* Stops and joins the workers; frees every room still alive. */
void sfu_free(sfu *s);

/* The worker a new room should go to (least rooms). Control thread only. */
int sfu_pick_worker(sfu *s);
int sfu_worker_count(const sfu *s);
/* Placement bookkeeping: +1 when the control thread creates a room on
 * worker w, -1 when that room ends. */
void sfu_room_placed(sfu *s, int w, int delta);

sfu_cmd *sfu_cmd_new(sfu_cmd_type type, uint32_t room, uint32_t pid);
void sfu_cmd_free(sfu_cmd *c);
/* Hands `cmd` to worker `w` (takes ownership, also on failure). */
int sfu_send(sfu *s, int w, sfu_cmd *cmd);

/* Next queued event or NULL. Caller frees with sfu_event_free. */
sfu_event *sfu_poll_event(sfu *s);
void sfu_event_free(sfu_event *e);

void sfu_get_stats(sfu *s, sfu_stats *out);
/* CPU time worker `w`'s thread has used, sampled about once a second. Any thread. */
uint64_t sfu_worker_cpu_ns(sfu *s, int w);
const char *sfu_source_name(sfu_source s);

#endif
