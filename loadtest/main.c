/* relais-loadtest: simulated participants with real WebRTC media against a
 * Relais node; prints a live status line, a final table and optionally a
 * JSON report, and exits non-zero when a threshold is crossed.
 *
 * Always bounded: at most LT_MAX_BOTS bots, at most LT_MAX_DURATION_S
 * seconds, only the URLs given (and the ones the node redirects to), at most
 * --max-reconnects attempts per bot. */
#include <getopt.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "loadtest/bot.h"
#include "loadtest/media_src.h"
#include "loadtest/report.h"

#define LT_MAX_BOTS 5000
#define LT_MAX_DURATION_S 3600
#define LT_MAX_WORKERS 64
#define LT_CHECK_OFF -2.0      /* --max-delay-p99 off: not even --find-capacity's default */
#define LT_MAX_RECONNECTS 1000 /* --max-reconnects at most: attempts stay bounded */

typedef struct run {
    lt_opts o;
    int rooms, per_room, listeners, workers;
    double duration_s, ramp_per_s;
    const char *json_path;
    double max_loss, max_delay_p99, min_rejoined_s;
    int min_bots, quiet;
    int find_capacity, step;
    double hold_s;
    /* state */
    GMainLoop *loop;
    lt_worker *w[LT_MAX_WORKERS];
    int n_workers;
    int next_bot, total_bots;
    uint64_t t0;
    report prev;
    int have_prev;
    /* --find-capacity: the bots of the current step, when its hold window
     * started, the report then, and the largest count that held. */
    int step_target;
    uint64_t hold_start;
    report hold_base;
    int holding, sustained;
    char verdict[512];
} run;

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) {
    g_stop = 1;
}

static void usage(FILE *f) {
    fprintf(f,
            "Usage: relais-loadtest --url ws://HOST:PORT/ws [OPTION]...\n"
            "Simulated participants with real WebRTC media (Opus + VP8 over DTLS-SRTP).\n\n"
            "  --url URL            the node's WebSocket URL (required, ws:// only); up to %d\n"
            "                       times for a cluster's entry URLs: bot i starts at URL\n"
            "                       i %% n, a reconnect goes on to the next one\n"
            "  --target T           relais (default) or janus: the URL is a Janus VideoRoom\n"
            "                       WebSocket API (e.g. ws://127.0.0.1:8188/), for comparisons\n"
            "  --profile NAME       meeting (rooms of 8, audio + 300k video, default),\n"
            "                       lecture (1 room, 1 speaker with 1M video, N listeners),\n"
            "                       audio (rooms of 30, audio only)\n"
            "  --rooms N            rooms (default: meeting 1, lecture 1, audio 1)\n"
            "  --per-room N         publishing bots per room\n"
            "  --listeners N        receive-only bots per room\n"
            "  --duration S         run length in seconds, ramp included (default 30, max %d)\n"
            "  --ramp N/s           bots started per second (default 10/s)\n"
            "  --video KBPS         video bitrate, e.g. 300k or 1M; 0 = no video\n"
            "  --fps N              video frame rate (default 20)\n"
            "  --size WxH           video size (default 640x360)\n"
            "  --no-audio           publish no audio\n"
            "  --workers N          threads running bots (default: cores)\n"
            "  --media-address IP   the bots' address (default 127.0.0.1)\n"
            "  --ports LO-HI        the bots' UDP ports (default 50000-59999)\n"
            "  --room-prefix S      room names are S-1, S-2, ... (default lt)\n"
            "  --json FILE          write the report as JSON\n"
            "  --max-loss PCT       exit 1 if loss after NACK recovery exceeds PCT\n"
            "  --max-delay-p99 MS   exit 1 if the p99 delay through the node exceeds MS\n"
            "                       (off: no delay check; the default with --target janus,\n"
            "                       which does not forward abs-send-time, so no delay is seen)\n"
            "  --min-bots N         exit 1 if fewer than N bots got media from everyone\n"
            "  --max-reconnects N   reconnect attempts per bot after a lost node (default 20;\n"
            "                       0 = never reconnect)\n"
            "  --min-rejoined-within S  exit 1 unless every reconnect had media again within\n"
            "                       S seconds and no bot is disconnected at the end\n"
            "  --ping S             seconds between pings (default 20); a ping without pong\n"
            "                       for 10 s is a dead node\n"
            "  --quiet              no live status line\n"
            "  --find-capacity      add bots in steps, hold each step, and stop at the first\n"
            "                       step whose loss, delay p99 or join failures cross the\n"
            "                       thresholds (defaults 1 %%, 50 ms, none); report the\n"
            "                       largest count that held. --rooms bounds the search.\n"
            "  --step N             bots per step (default: one room)\n"
            "  --hold S             seconds each step is held and measured (default 10)\n"
            "  --help\n",
            LT_MAX_URLS, LT_MAX_DURATION_S);
}

static int parse_kbps(const char *s, int *out) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) return -1;
    if (*end == 'k' || *end == 'K')
        end++;
    else if (*end == 'M' || *end == 'm')
        v *= 1000, end++;
    else
        v /= 1000; /* plain number: bits per second */
    if (*end) return -1;
    *out = (int)v;
    return 0;
}

static void profile(run *r, const char *name) {
    if (strcmp(name, "lecture") == 0) {
        r->rooms = 1, r->per_room = 1, r->listeners = 20, r->o.video_kbps = 1000;
    } else if (strcmp(name, "audio") == 0) {
        r->rooms = 1, r->per_room = 30, r->listeners = 0, r->o.video = 0;
    } else { /* meeting */
        r->rooms = 1, r->per_room = 8, r->listeners = 0, r->o.video_kbps = 300;
    }
}

static int parse_args(run *r, int argc, char **argv) {
    enum {
        O_URL = 1,
        O_PROFILE,
        O_ROOMS,
        O_PER_ROOM,
        O_LISTENERS,
        O_DURATION,
        O_RAMP,
        O_VIDEO,
        O_FPS,
        O_SIZE,
        O_NO_AUDIO,
        O_WORKERS,
        O_MEDIA,
        O_PORTS,
        O_PREFIX,
        O_JSON,
        O_MAX_LOSS,
        O_MAX_DELAY,
        O_MIN_BOTS,
        O_QUIET,
        O_HELP,
        O_FIND,
        O_STEP,
        O_HOLD,
        O_TARGET,
        O_MAX_RECONNECTS,
        O_MIN_REJOINED,
        O_PING
    };
    static const struct option opts[] = {
        {"url", 1, 0, O_URL},
        {"profile", 1, 0, O_PROFILE},
        {"rooms", 1, 0, O_ROOMS},
        {"per-room", 1, 0, O_PER_ROOM},
        {"listeners", 1, 0, O_LISTENERS},
        {"duration", 1, 0, O_DURATION},
        {"ramp", 1, 0, O_RAMP},
        {"video", 1, 0, O_VIDEO},
        {"fps", 1, 0, O_FPS},
        {"size", 1, 0, O_SIZE},
        {"no-audio", 0, 0, O_NO_AUDIO},
        {"workers", 1, 0, O_WORKERS},
        {"media-address", 1, 0, O_MEDIA},
        {"ports", 1, 0, O_PORTS},
        {"room-prefix", 1, 0, O_PREFIX},
        {"json", 1, 0, O_JSON},
        {"max-loss", 1, 0, O_MAX_LOSS},
        {"max-delay-p99", 1, 0, O_MAX_DELAY},
        {"min-bots", 1, 0, O_MIN_BOTS},
        {"quiet", 0, 0, O_QUIET},
        {"help", 0, 0, O_HELP},
        {"find-capacity", 0, 0, O_FIND},
        {"step", 1, 0, O_STEP},
        {"hold", 1, 0, O_HOLD},
        {"target", 1, 0, O_TARGET},
        {"max-reconnects", 1, 0, O_MAX_RECONNECTS},
        {"min-rejoined-within", 1, 0, O_MIN_REJOINED},
        {"ping", 1, 0, O_PING},
        {0, 0, 0, 0},
    };
    /* The profile sets defaults that the other options then override. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
            profile(r, argv[i + 1]);
        else if (strncmp(argv[i], "--profile=", 10) == 0)
            profile(r, argv[i] + 10);
    }
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *a = optarg;
        switch (c) {
        case O_URL:
            if (r->o.n_urls == LT_MAX_URLS) {
                fprintf(stderr, "relais-loadtest: --url at most %d times\n", LT_MAX_URLS);
                return -1;
            }
            if (!lt_url_supported(a)) goto bad;
            r->o.urls[r->o.n_urls++] = a;
            break;
        case O_PROFILE:
            if (strcmp(a, "meeting") && strcmp(a, "lecture") && strcmp(a, "audio")) goto bad;
            break;
        case O_ROOMS:
            r->rooms = atoi(a);
            break;
        case O_PER_ROOM:
            r->per_room = atoi(a);
            break;
        case O_LISTENERS:
            r->listeners = atoi(a);
            break;
        case O_DURATION:
            r->duration_s = atof(a);
            break;
        case O_RAMP:
            r->ramp_per_s = atof(a);
            break;
        case O_VIDEO:
            if (parse_kbps(a, &r->o.video_kbps) != 0) goto bad;
            r->o.video = r->o.video_kbps > 0;
            break;
        case O_FPS:
            r->o.fps = atoi(a);
            break;
        case O_SIZE:
            if (sscanf(a, "%dx%d", &r->o.width, &r->o.height) != 2) goto bad;
            break;
        case O_NO_AUDIO:
            r->o.audio = 0;
            break;
        case O_WORKERS:
            r->workers = atoi(a);
            break;
        case O_MEDIA:
            r->o.media_address = a;
            break;
        case O_PORTS: {
            unsigned lo, hi;
            if (sscanf(a, "%u-%u", &lo, &hi) != 2 || lo < 1024 || hi > 65535 || lo > hi) goto bad;
            r->o.port_min = (uint16_t)lo, r->o.port_max = (uint16_t)hi;
            break;
        }
        case O_PREFIX:
            r->o.room_prefix = a;
            break;
        case O_JSON:
            r->json_path = a;
            break;
        case O_MAX_LOSS:
            r->max_loss = atof(a);
            break;
        case O_MAX_DELAY:
            r->max_delay_p99 = strcmp(a, "off") == 0 ? LT_CHECK_OFF : atof(a);
            break;
        case O_MIN_BOTS:
            r->min_bots = atoi(a);
            break;
        case O_QUIET:
            r->quiet = 1;
            break;
        case O_HELP:
            usage(stdout);
            return 1;
        case O_FIND:
            r->find_capacity = 1;
            break;
        case O_STEP:
            r->step = atoi(a);
            break;
        case O_HOLD:
            r->hold_s = atof(a);
            break;
        case O_TARGET:
            if (strcmp(a, "relais") && strcmp(a, "janus")) goto bad;
            r->o.janus = strcmp(a, "janus") == 0;
            break;
        case O_MAX_RECONNECTS:
            r->o.max_reconnects = atoi(a);
            if (r->o.max_reconnects < 0 || r->o.max_reconnects > LT_MAX_RECONNECTS) goto bad;
            break;
        case O_MIN_REJOINED:
            r->min_rejoined_s = atof(a);
            if (r->min_rejoined_s <= 0) goto bad;
            break;
        case O_PING: {
            double p = atof(a);
            if (p < 1 || p > 50) goto bad; /* the node drops connections idle for 60 s */
            r->o.ping_us = (uint64_t)(p * 1e6);
            break;
        }
        default:
            fprintf(stderr, "relais-loadtest: unknown option or missing value: %s\n",
                    argv[optind - 1]);
            return -1;
        }
        continue;
    bad:
        fprintf(stderr, "relais-loadtest: bad option value '%s' (see --help)\n", a ? a : "");
        return -1;
    }
    if (r->o.n_urls == 0) {
        fprintf(stderr, "relais-loadtest: --url ws://HOST:PORT/ws is required\n");
        return -1;
    }
    if (r->rooms < 1 || r->per_room < 0 || r->listeners < 0 || r->per_room + r->listeners < 1) {
        fprintf(stderr, "relais-loadtest: need at least one room and one bot per room\n");
        return -1;
    }
    if ((long)r->rooms * (r->per_room + r->listeners) > LT_MAX_BOTS) {
        fprintf(stderr, "relais-loadtest: at most %d bots\n", LT_MAX_BOTS);
        return -1;
    }
    if (r->duration_s <= 0 || r->duration_s > LT_MAX_DURATION_S || r->ramp_per_s <= 0 ||
        r->o.fps < 1 || r->o.fps > 60 || r->o.width < 16 || r->o.height < 16) {
        fprintf(stderr, "relais-loadtest: --duration 0-%d s, --ramp > 0, --fps 1-60\n",
                LT_MAX_DURATION_S);
        return -1;
    }
    if (r->find_capacity) {
        if (r->step <= 0) r->step = r->per_room + r->listeners;
        if (r->hold_s <= 0) r->hold_s = 10;
        if (r->max_loss < 0) r->max_loss = 1;
        if (r->max_delay_p99 < 0 && r->max_delay_p99 != LT_CHECK_OFF)
            r->max_delay_p99 = r->o.janus ? LT_CHECK_OFF : 50;
        /* The search ends by itself; --duration is only its hard cap. */
        r->duration_s = LT_MAX_DURATION_S;
    }
    return 0;
}

/* Sums the workers' snapshots into a report. */
static void collect(run *r, report *rep, int final) {
    report_init(rep);
    rep->duration_us = clock_now_us() - r->t0;
    rep->bots_requested = (uint64_t)r->total_bots;
    for (int i = 0; i < r->n_workers; i++) {
        lt_snapshot s;
        if (final)
            lt_worker_stop(r->w[i], &s);
        else
            lt_worker_snapshot(r->w[i], &s);
        rep->bots_connected += (uint64_t)s.connected;
        for (int f = 1; f < LT_FAIL__COUNT; f++)
            if (s.failed[f])
                report_add_failures(rep, lt_fail_name((lt_fail)f), (uint64_t)s.failed[f]);
        rep->packets_sent += s.packets_sent;
        rep->bytes_sent += s.bytes_sent;
        rx_totals_merge(&rep->audio, &s.audio);
        rx_totals_merge(&rep->video, &s.video);
        histogram_merge(&rep->join_us, &s.join_us);
        lt_reconnects_merge(&rep->reconnects, &s.rc);
    }
}

static gboolean ramp_tick(gpointer data) {
    run *r = data;
    int per_room = r->per_room + r->listeners;
    /* Bots are started room by room so that rooms fill up in turn. */
    if (r->next_bot >= r->total_bots || g_stop) return G_SOURCE_REMOVE;
    if (r->find_capacity && r->next_bot >= r->step_target) return G_SOURCE_CONTINUE;
    int i = r->next_bot++;
    int room = i / per_room, k = i % per_room;
    char name[80];
    snprintf(name, sizeof name, "%s-%d", r->o.room_prefix, room + 1);
    lt_worker_add_bot(r->w[i % r->n_workers], i + 1, name, k >= r->per_room);
    return G_SOURCE_CONTINUE;
}

/* One step of --find-capacity: once all bots of the step are started and
 * have had 3 s to settle, measure `hold_s` seconds; the step holds when loss
 * and delay p99 of that window and the failures stay within the thresholds. */
static void capacity_tick(run *r) {
    uint64_t now = clock_now_us();
    report cur;
    if (r->next_bot < r->step_target) return; /* still ramping */
    if (!r->holding) {
        if (!r->hold_start) r->hold_start = now + 3000000; /* settle */
        if (now < r->hold_start) return;
        collect(r, &r->hold_base, 0);
        r->holding = 1;
        return;
    }
    if (now - r->hold_start < (uint64_t)(r->hold_s * 1e6) + 3000000) return;
    collect(r, &cur, 0);
    report win = cur;
    rx_totals_subtract(&win.audio, &r->hold_base.audio);
    rx_totals_subtract(&win.video, &r->hold_base.video);
    char why[200];
    int bad = report_check(&win, r->max_loss, r->max_delay_p99, -1, why, sizeof why);
    if (!bad && cur.bots_failed > 0) {
        bad = 1;
        snprintf(why, sizeof why, "%llu bots failed", (unsigned long long)cur.bots_failed);
    }
    if (!bad && cur.bots_connected < (uint64_t)r->step_target) {
        bad = 1;
        snprintf(why, sizeof why, "only %llu of %d bots got media from everyone",
                 (unsigned long long)cur.bots_connected, r->step_target);
    }
    fprintf(stderr, "%sstep %d bots: %s (%s)\n", r->quiet ? "" : "\n", r->step_target,
            bad ? "FAILED" : "held", why);
    if (!bad) r->sustained = r->step_target;
    if (bad || r->step_target >= r->total_bots) {
        snprintf(r->verdict, sizeof r->verdict, "largest sustained: %d bots (%s at %d: %s)",
                 r->sustained, bad ? "stopped" : "all held, limit of the search", r->step_target,
                 why);
        g_stop = 1;
        return;
    }
    r->step_target += r->step;
    if (r->step_target > r->total_bots) r->step_target = r->total_bots;
    r->holding = 0;
    r->hold_start = 0;
}

static gboolean progress_tick(gpointer data) {
    run *r = data;
    if (r->find_capacity && !g_stop) capacity_tick(r);
    if (g_stop || clock_now_us() - r->t0 >= (uint64_t)(r->duration_s * 1e6)) {
        g_main_loop_quit(r->loop);
        return G_SOURCE_REMOVE;
    }
    if (r->quiet) return G_SOURCE_CONTINUE;
    report cur;
    collect(r, &cur, 0);
    char line[256];
    report_progress_line(&cur, r->have_prev ? &r->prev : NULL, line, sizeof line);
    fprintf(stderr, isatty(STDERR_FILENO) ? "\r%s\033[K" : "%s\n", line);
    r->prev = cur;
    r->have_prev = 1;
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv) {
    static run r;
    r.o = (lt_opts){.room_prefix = "lt",
                    .media_address = "127.0.0.1",
                    .port_min = 50000,
                    .port_max = 59999,
                    .audio = 1,
                    .video = 1,
                    .video_kbps = 300,
                    .fps = 20,
                    .width = 640,
                    .height = 360,
                    .dtx = 1};
    r.rooms = 1, r.per_room = 8, r.duration_s = 30, r.ramp_per_s = 10;
    r.max_loss = -1, r.max_delay_p99 = -1, r.min_bots = -1, r.min_rejoined_s = -1;
    r.o.ping_us = 20000000, r.o.max_reconnects = 20;
    int rc = parse_args(&r, argc, argv);
    if (rc != 0) return rc > 0 ? 0 : 2;
    log_set_level(LOG_WARN);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    /* Encoding is the expensive part: done once, shared by every bot. */
    audio_loop *al = r.o.audio ? audio_loop_new(1, r.o.dtx) : NULL;
    video_loop *vl =
        r.o.video ? video_loop_new(r.o.width, r.o.height, r.o.fps, r.o.video_kbps, 4) : NULL;
    if ((r.o.audio && !al) || (r.o.video && !vl)) {
        fprintf(stderr, "relais-loadtest: cannot encode the media loops\n");
        return 2;
    }
    r.total_bots = r.rooms * (r.per_room + r.listeners);
    r.n_workers = r.workers > 0 ? r.workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (r.n_workers > LT_MAX_WORKERS) r.n_workers = LT_MAX_WORKERS;
    if (r.n_workers > r.total_bots) r.n_workers = r.total_bots;
    for (int i = 0; i < r.n_workers; i++) {
        if (!(r.w[i] = lt_worker_new(i, &r.o, al, vl))) return 2;
    }
    if (!r.quiet)
        fprintf(stderr,
                "relais-loadtest: %d bots in %d room(s) (%d publishing, %d listening per room), "
                "%.0f s, ramp %.1f/s\n",
                r.total_bots, r.rooms, r.per_room, r.listeners, r.duration_s, r.ramp_per_s);
    r.step_target = r.find_capacity ? r.step : r.total_bots;
    r.t0 = clock_now_us();
    /* Set before the first bot exists (lt_worker_add_bot synchronizes). */
    r.o.end_us = r.t0 + (uint64_t)(r.duration_s * 1e6);
    r.loop = g_main_loop_new(NULL, FALSE);
    guint interval = (guint)(1000.0 / r.ramp_per_s);
    g_timeout_add(interval ? interval : 1, ramp_tick, &r);
    g_timeout_add(1000, progress_tick, &r);
    g_main_loop_run(r.loop);
    if (!r.quiet && isatty(STDERR_FILENO)) fputc('\n', stderr);

    report rep;
    collect(&r, &rep, 1);
    report_print_table(&rep, stdout);
    if (r.json_path) {
        char *json = report_to_json(&rep);
        FILE *f = json ? fopen(r.json_path, "w") : NULL;
        if (!f || fputs(json, f) < 0 || fclose(f) != 0)
            fprintf(stderr, "relais-loadtest: cannot write %s\n", r.json_path);
        free(json);
    }
    char why[256];
    int bad = 0;
    if (r.find_capacity) {
        printf("%s\n", r.verdict[0] ? r.verdict : "capacity search interrupted");
        bad = r.min_bots >= 0 && r.sustained < r.min_bots;
    } else {
        bad = report_check(&rep, r.max_loss, r.max_delay_p99, r.min_bots, why, sizeof why);
        if (!bad && r.min_rejoined_s > 0)
            bad = report_check_rejoin(&rep, r.min_rejoined_s, why, sizeof why);
        if (r.max_loss >= 0 || r.max_delay_p99 >= 0 || r.min_bots >= 0 || r.min_rejoined_s > 0)
            printf("%s: %s\n", bad ? "FAIL" : "PASS", why);
    }
    audio_loop_free(al);
    video_loop_free(vl);
    g_main_loop_unref(r.loop);
    return bad ? 1 : 0;
}
