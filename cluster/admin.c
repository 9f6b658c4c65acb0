/* `relais admin`: the cluster as Redis sees it (docs/cluster.md).
 *
 *   relais admin [--redis URL | --config FILE] nodes
 *   relais admin ... rooms
 *   relais admin ... drain NODE [--deadline 30m]
 *   relais admin ... undrain NODE
 *
 * It reads and writes the same keys the nodes use (cluster.c); a drain is a
 * key the node notices at its next heartbeat, so it works for every node
 * without opening their admin HTTP APIs to the admin's machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "cluster/cluster.h"
#include "common/config.h"

#define ADMIN_MAX_ROWS 100000

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int usage(FILE *out) {
    fprintf(out,
            "Usage: relais admin [--redis URL | --config FILE] COMMAND\n"
            "The cluster as its Redis sees it.\n\n"
            "  nodes                         nodes: id, URL, state, rooms, participants, load,\n"
            "                                last heartbeat\n"
            "  rooms                         rooms and the node each lives on\n"
            "  drain NODE [--deadline D]     NODE takes no new rooms; after D (default 30m,\n"
            "                                e.g. 90s, 2h) its rooms move; it exits when empty\n"
            "  undrain NODE                  take a drain back (before its deadline)\n\n"
            "The Redis URL comes from --redis, else the redis option of --config FILE,\n"
            "else $RELAIS_REDIS, else redis://127.0.0.1:6379.\n");
    return out == stdout ? 0 : 2;
}

static redisContext *connect_redis(const char *url, char *err, size_t errlen) {
    cluster_redis_url u;
    char why[160];
    if (cluster_redis_url_parse(url, &u, why, sizeof why) != 0) {
        snprintf(err, errlen, "--redis: %s", why);
        return NULL;
    }
    struct timeval tv = {2, 0};
    redisContext *rc = redisConnectWithTimeout(u.host, u.port, tv);
    if (!rc || rc->err) {
        snprintf(err, errlen, "cannot connect to Redis at %s:%u: %s", u.host, (unsigned)u.port,
                 rc ? rc->errstr : "out of memory");
        if (rc) redisFree(rc);
        return NULL;
    }
    redisSetTimeout(rc, tv);
    redisReply *r = NULL;
    if (u.password[0] && (!(r = u.user[0] ? redisCommand(rc, "AUTH %s %s", u.user, u.password)
                                          : redisCommand(rc, "AUTH %s", u.password)) ||
                          r->type == REDIS_REPLY_ERROR)) {
        snprintf(err, errlen, "Redis refused the password");
        goto fail;
    }
    if (r) freeReplyObject(r);
    r = NULL;
    if (u.db && (!(r = redisCommand(rc, "SELECT %d", u.db)) || r->type == REDIS_REPLY_ERROR)) {
        snprintf(err, errlen, "Redis refused SELECT %d", u.db);
        goto fail;
    }
    if (r) freeReplyObject(r);
    return rc;
fail:
    if (r) freeReplyObject(r);
    redisFree(rc);
    return NULL;
}

static int cmp_node(const void *a, const void *b) {
    return strcmp(((const cluster_node *)a)->id, ((const cluster_node *)b)->id);
}

/* Every live node's record, sorted by id. Returns the count, -1 on error. */
static int read_nodes(redisContext *rc, cluster_node **out, int *expired) {
    *out = NULL;
    *expired = 0;
    redisReply *ids = redisCommand(rc, "SMEMBERS relais:nodes");
    if (!ids || ids->type != REDIS_REPLY_ARRAY) {
        /* E.g. NOAUTH: say what Redis said. */
        if (ids && ids->type == REDIS_REPLY_ERROR)
            fprintf(stderr, "relais admin: Redis: %.200s\n", ids->str);
        if (ids) freeReplyObject(ids);
        return -1;
    }
    cluster_node *nodes = calloc(ids->elements + 1, sizeof *nodes);
    int n = 0;
    for (size_t i = 0; nodes && i < ids->elements; i++) {
        redisReply *id = ids->element[i];
        if (id->type != REDIS_REPLY_STRING || id->len > CLUSTER_ID_MAX) continue;
        redisReply *rec = redisCommand(rc, "GET relais:node:%b", id->str, id->len);
        if (!rec) break;
        if (rec->type == REDIS_REPLY_STRING &&
            cluster_node_parse(id->str, rec->str, rec->len, &nodes[n]) == 0)
            n++;
        else if (rec->type == REDIS_REPLY_NIL)
            (*expired)++;
        freeReplyObject(rec);
    }
    freeReplyObject(ids);
    if (!nodes) return -1;
    qsort(nodes, (size_t)n, sizeof *nodes, cmp_node);
    *out = nodes;
    return n;
}

static int cmd_nodes(redisContext *rc) {
    cluster_node *nodes;
    int expired;
    int n = read_nodes(rc, &nodes, &expired);
    if (n < 0) {
        fprintf(stderr, "relais admin: cannot read the nodes from Redis\n");
        return 1;
    }
    uint64_t now = now_ms();
    printf("%-16s %-36s %-9s %6s %12s %8s %6s %s\n", "NODE", "URL", "STATE", "ROOMS",
           "PARTICIPANTS", "CAPACITY", "LOAD", "HEARTBEAT");
    for (int i = 0; i < n; i++) {
        const cluster_node *x = &nodes[i];
        double age = now >= x->heartbeat_ms ? (double)(now - x->heartbeat_ms) / 1000.0 : 0;
        printf("%-16s %-36s %-9s %6u %12u %8u %5.0f%% %.1fs ago\n", x->id, x->url,
               cluster_state_name(x->state), x->rooms, x->participants, x->capacity, x->load * 100,
               age);
    }
    printf("%d node(s)%s", n, expired ? "" : "\n");
    if (expired) printf("; %d registered id(s) whose heartbeat expired\n", expired);
    free(nodes);
    return 0;
}

typedef struct room_row {
    char name[CLUSTER_ROOM_MAX + 1];
    char node[CLUSTER_ID_MAX + 1];
    long long ttl;
} room_row;

static int cmp_room(const void *a, const void *b) {
    return strcmp(((const room_row *)a)->name, ((const room_row *)b)->name);
}

static int cmd_rooms(redisContext *rc) {
    room_row *rows = NULL;
    size_t n = 0, cap = 0;
    char cursor[32] = "0";
    do {
        redisReply *r = redisCommand(rc, "SCAN %s MATCH relais:room:* COUNT 1000", cursor);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            if (r && r->type == REDIS_REPLY_ERROR)
                fprintf(stderr, "relais admin: Redis: %.200s\n", r->str);
            if (r) freeReplyObject(r);
            free(rows);
            fprintf(stderr, "relais admin: cannot list the rooms in Redis\n");
            return 1;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        redisReply *keys = r->element[1];
        for (size_t i = 0; i < keys->elements && n < ADMIN_MAX_ROWS; i++) {
            redisReply *k = keys->element[i];
            if (k->type != REDIS_REPLY_STRING || k->len <= 12) continue;
            redisReply *v = redisCommand(rc, "GET %b", k->str, k->len);
            redisReply *t = redisCommand(rc, "TTL %b", k->str, k->len);
            if (v && v->type == REDIS_REPLY_STRING && t && t->type == REDIS_REPLY_INTEGER) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 64;
                    room_row *p = realloc(rows, cap * sizeof *p);
                    if (!p) break;
                    rows = p;
                }
                snprintf(rows[n].name, sizeof rows[n].name, "%.*s", (int)(k->len - 12),
                         k->str + 12);
                snprintf(rows[n].node, sizeof rows[n].node, "%.*s", (int)v->len, v->str);
                rows[n].ttl = t->integer;
                n++;
            }
            if (v) freeReplyObject(v);
            if (t) freeReplyObject(t);
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    if (n) qsort(rows, n, sizeof *rows, cmp_room);
    printf("%-32s %-16s %s\n", "ROOM", "NODE", "CLAIM EXPIRES");
    for (size_t i = 0; i < n; i++)
        printf("%-32s %-16s in %llds\n", rows[i].name, rows[i].node, rows[i].ttl);
    printf("%zu room(s)\n", n);
    free(rows);
    return 0;
}

static int node_known(redisContext *rc, const char *id) {
    redisReply *r = redisCommand(rc, "EXISTS relais:node:%s", id);
    int ok = r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    if (r) freeReplyObject(r);
    return ok;
}

static int cmd_drain(redisContext *rc, const char *id, int deadline_s) {
    if (!node_known(rc, id)) {
        fprintf(stderr, "relais admin: no live node '%s' (see relais admin nodes)\n", id);
        return 1;
    }
    uint64_t deadline = now_ms() + (uint64_t)deadline_s * 1000u;
    /* The key outlives the deadline by a day at most: a node that never
     * came back must not find it a week later. */
    redisReply *r = redisCommand(rc, "SET relais:drain:%s %llu EX %d", id,
                                 (unsigned long long)deadline, deadline_s + 86400);
    int ok = r && r->type == REDIS_REPLY_STATUS;
    if (r) freeReplyObject(r);
    if (!ok) {
        fprintf(stderr, "relais admin: cannot write the drain request\n");
        return 1;
    }
    time_t t = (time_t)(deadline / 1000);
    char when[32];
    strftime(when, sizeof when, "%H:%M:%S", localtime(&t));
    printf("node %s: draining from its next heartbeat (about a second): no new rooms; its rooms "
           "move at %s (in %d s); it exits when empty\n",
           id, when, deadline_s);
    return 0;
}

static int cmd_undrain(redisContext *rc, const char *id) {
    redisReply *r = redisCommand(rc, "DEL relais:drain:%s", id);
    int ok = r && r->type == REDIS_REPLY_INTEGER;
    long long n = ok ? r->integer : 0;
    if (r) freeReplyObject(r);
    if (!ok) {
        fprintf(stderr, "relais admin: cannot delete the drain request\n");
        return 1;
    }
    printf(n ? "node %s: drain taken back; it takes new rooms again\n"
             : "node %s: had no drain request\n",
           id);
    return 0;
}

int cluster_admin_main(int argc, char **argv) {
    const char *url = getenv("RELAIS_REDIS");
    static relais_config cfg; /* large: not on the stack */
    const char *words[3] = {0};
    int n_words = 0, deadline = 30 * 60;
    char err[512];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return usage(stdout);
        if ((strcmp(a, "--redis") == 0 || strcmp(a, "--config") == 0 ||
             strcmp(a, "--deadline") == 0) &&
            i + 1 >= argc) {
            fprintf(stderr, "relais admin: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--redis") == 0) {
            url = argv[++i];
        } else if (strcmp(a, "--config") == 0) {
            config_defaults(&cfg);
            if (config_load_file(&cfg, argv[++i], err, sizeof err) != 0) {
                fprintf(stderr, "relais admin: %s\n", err);
                return 2;
            }
            if (cfg.redis[0]) url = cfg.redis;
        } else if (strcmp(a, "--deadline") == 0) {
            if (config_parse_duration(argv[++i], &deadline) != 0) {
                fprintf(stderr,
                        "relais admin: --deadline: expected e.g. 90s, 30m or 2h, got '%s'\n",
                        argv[i]);
                return 2;
            }
        } else if (a[0] == '-' || n_words == 3) {
            fprintf(stderr, "relais admin: unexpected '%s' (see relais admin --help)\n", a);
            return 2;
        } else {
            words[n_words++] = a;
        }
    }
    if (n_words == 0) return usage(stderr);
    const char *cmd = words[0];
    int needs_node = strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0;
    int known = needs_node || strcmp(cmd, "nodes") == 0 || strcmp(cmd, "rooms") == 0;
    if (!known || (needs_node ? n_words != 2 : n_words != 1)) {
        fprintf(stderr,
                known ? "relais admin: %s: wrong arguments (see relais admin --help)\n"
                      : "relais admin: unknown command '%s' (see relais admin --help)\n",
                cmd);
        return 2;
    }
    if (needs_node && !cluster_id_valid(words[1])) {
        fprintf(stderr, "relais admin: '%s' is not a node id\n", words[1]);
        return 2;
    }
    redisContext *rc = connect_redis(url ? url : "redis://127.0.0.1:6379", err, sizeof err);
    if (!rc) {
        fprintf(stderr, "relais admin: %s\n", err);
        return 1;
    }
    int rc_exit;
    if (strcmp(cmd, "nodes") == 0)
        rc_exit = cmd_nodes(rc);
    else if (strcmp(cmd, "rooms") == 0)
        rc_exit = cmd_rooms(rc);
    else if (strcmp(cmd, "drain") == 0)
        rc_exit = cmd_drain(rc, words[1], deadline);
    else
        rc_exit = cmd_undrain(rc, words[1]);
    redisFree(rc);
    return rc_exit;
}
