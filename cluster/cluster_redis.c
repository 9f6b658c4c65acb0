/* The cluster thread's Redis side: see cluster.h and docs/cluster.md.
 *
 * Keys (all with the TTL unless said otherwise):
 *   relais:node:<id>   the node's record (cluster_core.h), rewritten each beat
 *   relais:nodes       set of ids that registered (no TTL; expired ids are
 *                      removed by whoever notices their record is gone)
 *   relais:room:<name> the id of the node that holds the room
 *   relais:drain:<id>  set by `relais admin drain`: Unix ms of the deadline
 *
 * Every decision that two nodes could race on is one Lua script, so Redis
 * runs it atomically: two joins for a new room on two nodes end with one
 * claim, and the loser follows it. Single Redis only: the scripts touch keys
 * they do not declare, which Redis Cluster forbids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_internal.h"
#include "common/log.h"

/* Owner of KEYS[1] if its node is alive, else claim it for ARGV[1] (the
 * placement's choice, if that node is alive and not draining: the caller's
 * view may be a heartbeat old). Returns {owner, record} or {}.
 * Alive = the record's remaining TTL is above ARGV[3] ms: a node rewrites it
 * every beat, so a record that aged 2.5 beats belongs to a dead node even
 * though it has not expired yet. That halves failover time, and Redis's own
 * clock decides, so node clocks may differ. */
static const char LUA_CLAIM[] =
    "local function alive(id)\n"
    "  local k = 'relais:node:' .. id\n"
    "  local rec = redis.call('GET', k)\n"
    "  if rec and redis.call('PTTL', k) > tonumber(ARGV[3]) then return rec end\n"
    "  return nil\n"
    "end\n"
    "local cur = redis.call('GET', KEYS[1])\n"
    "if cur then\n"
    "  local rec = alive(cur)\n"
    "  if rec then return {cur, rec} end\n"
    "end\n"
    "if ARGV[1] == '' then return {} end\n"
    "local rec = alive(ARGV[1])\n"
    "if not rec or string.find(rec, ' state=draining', 1, true) then return {} end\n"
    "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])\n"
    "return {ARGV[1], rec}\n";

/* Hand KEYS[1] from ARGV[3] (this node) to ARGV[1], unless someone else
 * holds it already (then that one stays). Returns {owner, record} or {}. */
static const char LUA_MOVE[] =
    "local cur = redis.call('GET', KEYS[1])\n"
    "if cur and cur ~= ARGV[3] then\n"
    "  local rec = redis.call('GET', 'relais:node:' .. cur)\n"
    "  if rec then return {cur, rec} end\n"
    "end\n"
    "if ARGV[1] == '' then\n"
    "  if cur == ARGV[3] then redis.call('DEL', KEYS[1]) end\n"
    "  return {}\n"
    "end\n"
    "local rec = redis.call('GET', 'relais:node:' .. ARGV[1])\n"
    "if not rec or string.find(rec, ' state=draining', 1, true) then return {} end\n"
    "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])\n"
    "return {ARGV[1], rec}\n";

/* Extend this node's claims (ARGV[1]) on KEYS, taking free ones back (after
 * a Redis restart nothing is claimed). Returns {i, owner, ...} for each key
 * held by another node. */
static const char LUA_REFRESH[] = "local out = {}\n"
                                  "for i, k in ipairs(KEYS) do\n"
                                  "  local cur = redis.call('GET', k)\n"
                                  "  if not cur or cur == ARGV[1] then\n"
                                  "    redis.call('SET', k, ARGV[1], 'EX', ARGV[2])\n"
                                  "  else\n"
                                  "    out[#out + 1] = i\n"
                                  "    out[#out + 1] = cur\n"
                                  "  end\n"
                                  "end\n"
                                  "return out\n";

/* Delete KEYS[1] if it is still ARGV[1]'s. */
static const char LUA_RELEASE[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

/* ---- Redis ---------------------------------------------------------------- */

static void redis_down(cluster *c, const char *what) {
    const char *why = c->rc && c->rc->errstr[0] ? c->rc->errstr : "no reply";
    pthread_mutex_lock(&c->lock);
    int was_up = c->status.redis_up;
    c->status.redis_up = 0;
    c->status.redis_errors++;
    pthread_mutex_unlock(&c->lock);
    /* Once per outage, not per failed command. */
    if (was_up) LOG_W("cluster", "Redis %s failed (%s); retrying every second", what, why);
    if (c->rc) redisFree(c->rc);
    c->rc = NULL;
    c->next_connect_ms = cluster_mono_ms() + 1000;
}

/* One command; NULL (and the connection dropped) on a transport error. A
 * Redis error reply is returned to the caller, who checks its type. */
static redisReply *cmdv(cluster *c, const char *what, int argc, const char **argv,
                        const size_t *lens) {
    if (!c->rc) return NULL;
    redisReply *r = redisCommandArgv(c->rc, argc, argv, lens);
    if (!r) redis_down(c, what);
    return r;
}

static redisReply *eval(cluster *c, const char *script, int nkeys, const char **keys, int nargs,
                        const char **args) {
    const char *argv[3 + REFRESH_CHUNK + 4];
    size_t lens[3 + REFRESH_CHUNK + 4];
    char nk[16];
    snprintf(nk, sizeof nk, "%d", nkeys);
    int n = 0;
    argv[n++] = "EVAL";
    argv[n++] = script;
    argv[n++] = nk;
    for (int i = 0; i < nkeys; i++)
        argv[n++] = keys[i];
    for (int i = 0; i < nargs; i++)
        argv[n++] = args[i];
    for (int i = 0; i < n; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = cmdv(c, "EVAL", n, argv, lens);
    if (r && r->type == REDIS_REPLY_ERROR) {
        LOG_W("cluster", "Redis script error: %.200s", r->str);
        pthread_mutex_lock(&c->lock);
        c->status.redis_errors++;
        pthread_mutex_unlock(&c->lock);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

static void delete_drain_key(cluster *c);

void cluster_io_connect(cluster *c) {
    struct timeval tv = {IO_TIMEOUT_MS / 1000, (IO_TIMEOUT_MS % 1000) * 1000};
    redisContext *rc = redisConnectWithTimeout(c->o.redis.host, c->o.redis.port, tv);
    c->next_connect_ms = cluster_mono_ms() + 1000;
    if (!rc || rc->err) {
        pthread_mutex_lock(&c->lock);
        int was_up = c->status.redis_up;
        int first = c->status.redis_connects == 0 && c->status.redis_errors == 0;
        c->status.redis_up = 0;
        c->status.redis_errors++;
        pthread_mutex_unlock(&c->lock);
        /* Logged at start-up and when an outage begins, not every second. */
        if (was_up || first)
            LOG_W("cluster", "cannot connect to Redis at %s:%u: %s", c->o.redis.host,
                  (unsigned)c->o.redis.port, rc ? rc->errstr : "out of memory");
        if (rc) redisFree(rc);
        return;
    }
    redisSetTimeout(rc, tv);
    c->rc = rc;
    if (c->o.redis.password[0]) {
        const cluster_redis_url *u = &c->o.redis;
        /* With a user name: a Redis 6+ ACL user; without: the default user. */
        const char *a[] = {"AUTH", u->user[0] ? u->user : u->password, u->password};
        size_t lens[] = {4, strlen(a[1]), strlen(u->password)};
        redisReply *r = cmdv(c, "AUTH", u->user[0] ? 3 : 2, a, lens);
        int ok = r && r->type != REDIS_REPLY_ERROR;
        /* Once, not every second; the password itself is never logged. */
        if (r && !ok && !c->auth_refused)
            LOG_W("cluster", "Redis refused the %s: %.120s; retrying every second",
                  u->user[0] ? "user name or password" : "password", r->str);
        c->auth_refused = r && !ok;
        if (r) freeReplyObject(r);
        if (!ok) {
            if (c->rc) redis_down(c, "AUTH");
            return;
        }
    }
    if (c->o.redis.db) {
        char db[16];
        snprintf(db, sizeof db, "%d", c->o.redis.db);
        const char *a[] = {"SELECT", db};
        redisReply *r = cmdv(c, "SELECT", 2, a, (size_t[]){6, strlen(db)});
        int ok = r && r->type != REDIS_REPLY_ERROR;
        if (r) freeReplyObject(r);
        if (!ok) {
            if (c->rc) redis_down(c, "SELECT");
            return;
        }
    }
    pthread_mutex_lock(&c->lock);
    c->status.redis_up = 1;
    c->status.redis_connects++;
    uint64_t n = c->status.redis_connects;
    pthread_mutex_unlock(&c->lock);
    /* A drain request left from before this process started (the node
     * crashed while draining, or was drained while down) is stale: a fresh
     * start serves. */
    if (n == 1) delete_drain_key(c);
    /* Later reconnections are announced by the first heartbeat that works
     * ("Redis answers again"): a Redis that accepts connections but refuses
     * commands must not log a line a second. */
    if (n == 1)
        LOG_I("cluster", "connected to Redis at %s:%u as node '%s'", c->o.redis.host,
              (unsigned)c->o.redis.port, c->o.node_id);
}

/* ---- owned rooms ------------------------------------------------------------ */

static long owned_find(const cluster *c, const char *room) {
    for (size_t i = 0; i < c->n_owned; i++)
        if (strcmp(c->owned[i], room) == 0) return (long)i;
    return -1;
}

void cluster_io_add(cluster *c, const char *room) {
    if (owned_find(c, room) >= 0) return;
    if (c->n_owned == c->cap_owned) {
        size_t cap = c->cap_owned ? c->cap_owned * 2 : 64;
        char **p = realloc(c->owned, cap * sizeof *p);
        if (!p) {
            LOG_E("cluster", "out of memory: room '%s' is not refreshed", room);
            return;
        }
        c->owned = p;
        c->cap_owned = cap;
    }
    char *s = strdup(room);
    if (!s) return;
    c->owned[c->n_owned++] = s;
}

static int owned_remove(cluster *c, const char *room) {
    long i = owned_find(c, room);
    if (i < 0) return 0;
    free(c->owned[i]);
    c->owned[i] = c->owned[--c->n_owned];
    return 1;
}

/* ---- requests ---------------------------------------------------------------- */

static void read_view(cluster *c);

static void room_key(char *buf, size_t len, const char *room) {
    snprintf(buf, len, "relais:room:%s", room);
}

/* A {owner, record} reply into owner/url; 0, or -1 when empty or bad. */
static int owner_of(cluster *c, redisReply *r, char *owner, char *url) {
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return -1;
    redisReply *o = r->element[0], *rec = r->element[1];
    if (o->type != REDIS_REPLY_STRING || rec->type != REDIS_REPLY_STRING) return -1;
    cluster_node n;
    char id[CLUSTER_ID_MAX + 1];
    if (o->len > CLUSTER_ID_MAX) return -1;
    memcpy(id, o->str, o->len);
    id[o->len] = '\0';
    if (cluster_node_parse(id, rec->str, rec->len, &n) != 0) {
        LOG_W("cluster", "node '%s' has a malformed record in Redis", id);
        return -1;
    }
    strcpy(owner, n.id);
    strcpy(url, n.url);
    return 0;
}

void cluster_io_locate(cluster *c, const cmd *m) {
    if (!c->rc) {
        cluster_answer(c, CLUSTER_EV_LOCATED, m, CLUSTER_UNAVAILABLE, NULL, NULL,
                       "Redis is unreachable");
        return;
    }
    char key[CLUSTER_ROOM_MAX + 16], ttl[16];
    room_key(key, sizeof key, m->room);
    snprintf(ttl, sizeof ttl, "%u", c->o.ttl_s);
    char min_pttl[16], failed[CLUSTER_ID_MAX + 1] = "";
    snprintf(min_pttl, sizeof min_pttl, "%u", c->o.ttl_s * 1000u - cluster_beat_ms(c) * 5u / 2u);
    for (int attempt = 0; attempt < 2; attempt++) {
        int idx = cluster_place(c->view, c->n_view, m->room, cluster_wall_ms(), 3000u * c->o.ttl_s,
                                failed[0] ? failed : NULL);
        const char *cand = idx >= 0 ? c->view[idx].id : "";
        const char *keys[] = {key};
        const char *args[] = {cand, ttl, min_pttl};
        redisReply *r = eval(c, LUA_CLAIM, 1, keys, 3, args);
        if (!r) {
            cluster_answer(c, CLUSTER_EV_LOCATED, m, CLUSTER_UNAVAILABLE, NULL, NULL,
                           "Redis is unreachable");
            return;
        }
        char owner[CLUSTER_ID_MAX + 1], url[CLUSTER_URL_MAX + 1];
        int ok = owner_of(c, r, owner, url) == 0;
        freeReplyObject(r);
        if (ok) {
            /* Count the room on its node now, so a burst of new rooms
             * spreads before the next heartbeats show it. */
            if (idx >= 0 && strcmp(owner, cand) == 0) {
                c->view[idx].rooms++;
                c->view[idx].participants++;
            }
            int local = strcmp(owner, c->o.node_id) == 0;
            cluster_answer(c, CLUSTER_EV_LOCATED, m, local ? CLUSTER_LOCAL : CLUSTER_REMOTE, owner,
                           url, NULL);
            return;
        }
        if (idx < 0) break;
        /* The chosen node died or began draining since the last view: look
         * again, without it. */
        snprintf(failed, sizeof failed, "%s", cand);
        c->n_view = 0;
        read_view(c);
    }
    cluster_answer(c, CLUSTER_EV_LOCATED, m, CLUSTER_UNAVAILABLE, NULL, NULL,
                   "no node in the cluster can take a new room");
}

void cluster_io_move(cluster *c, const cmd *m) {
    owned_remove(c, m->room);
    if (!c->rc) {
        cluster_answer(c, CLUSTER_EV_MOVED, m, CLUSTER_UNAVAILABLE, NULL, NULL,
                       "Redis is unreachable");
        return;
    }
    char key[CLUSTER_ROOM_MAX + 16], ttl[16];
    room_key(key, sizeof key, m->room);
    snprintf(ttl, sizeof ttl, "%u", c->o.ttl_s);
    int idx = cluster_place(c->view, c->n_view, m->room, cluster_wall_ms(), 3000u * c->o.ttl_s,
                            c->o.node_id);
    const char *cand = idx >= 0 ? c->view[idx].id : "";
    const char *keys[] = {key};
    const char *args[] = {cand, ttl, c->o.node_id};
    redisReply *r = eval(c, LUA_MOVE, 1, keys, 3, args);
    char owner[CLUSTER_ID_MAX + 1], url[CLUSTER_URL_MAX + 1];
    int ok = r && owner_of(c, r, owner, url) == 0;
    if (r) freeReplyObject(r);
    if (ok && strcmp(owner, c->o.node_id) != 0) {
        if (idx >= 0 && strcmp(owner, cand) == 0) c->view[idx].rooms++;
        cluster_answer(c, CLUSTER_EV_MOVED, m, CLUSTER_REMOTE, owner, url, NULL);
    } else {
        cluster_answer(c, CLUSTER_EV_MOVED, m, CLUSTER_UNAVAILABLE, NULL, NULL,
                       c->rc ? "no other node can take the room" : "Redis is unreachable");
    }
}

void cluster_io_remove(cluster *c, const cmd *m) {
    owned_remove(c, m->room);
    if (!c->rc) return; /* the claim expires by itself */
    char key[CLUSTER_ROOM_MAX + 16];
    room_key(key, sizeof key, m->room);
    const char *keys[] = {key};
    const char *args[] = {c->o.node_id};
    redisReply *r = eval(c, LUA_RELEASE, 1, keys, 1, args);
    if (r) freeReplyObject(r);
}

/* ---- heartbeat ------------------------------------------------------------------ */

static void own_record(cluster *c, cluster_node *n) {
    memset(n, 0, sizeof *n);
    snprintf(n->id, sizeof n->id, "%s", c->o.node_id);
    snprintf(n->url, sizeof n->url, "%s", c->o.public_url);
    n->state = atomic_load(&c->draining) ? CLUSTER_DRAINING : CLUSTER_ACTIVE;
    n->capacity = c->o.capacity;
    n->participants = atomic_load(&c->participants);
    n->rooms = atomic_load(&c->rooms);
    n->load = (double)atomic_load(&c->load_milli) / 1000.0;
    if (n->load > 64) n->load = 64;
    n->heartbeat_ms = cluster_wall_ms();
}

/* Reads every registered node's record into the view; forgets ids whose
 * record expired. */
static void read_view(cluster *c) {
    const char *a[] = {"SMEMBERS", "relais:nodes"};
    redisReply *r = cmdv(c, "SMEMBERS", 2, a, (size_t[]){8, 12});
    if (!r) return;
    if (r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return;
    }
    size_t n = r->elements < VIEW_MAX ? r->elements : VIEW_MAX;
    const char *argv[1 + VIEW_MAX];
    size_t lens[1 + VIEW_MAX];
    char keys[VIEW_MAX][CLUSTER_ID_MAX + 16];
    char ids[VIEW_MAX][CLUSTER_ID_MAX + 1];
    size_t k = 0;
    argv[0] = "MGET";
    lens[0] = 4;
    for (size_t i = 0; i < n; i++) {
        redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_STRING || e->len > CLUSTER_ID_MAX) continue;
        memcpy(ids[k], e->str, e->len);
        ids[k][e->len] = '\0';
        snprintf(keys[k], sizeof keys[k], "relais:node:%s", ids[k]);
        argv[1 + k] = keys[k];
        lens[1 + k] = strlen(keys[k]);
        k++;
    }
    freeReplyObject(r);
    if (k == 0) {
        c->n_view = 0;
        return;
    }
    r = cmdv(c, "MGET", (int)(1 + k), argv, lens);
    if (!r) return;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != k) {
        freeReplyObject(r);
        return;
    }
    size_t nv = 0;
    for (size_t i = 0; i < k; i++) {
        redisReply *e = r->element[i];
        if (e->type == REDIS_REPLY_NIL) {
            const char *s[] = {"SREM", "relais:nodes", ids[i]};
            redisReply *x = cmdv(c, "SREM", 3, s, (size_t[]){4, 12, strlen(ids[i])});
            if (x) freeReplyObject(x);
            if (!c->rc) break;
            continue;
        }
        if (e->type != REDIS_REPLY_STRING) continue;
        if (cluster_node_parse(ids[i], e->str, e->len, &c->view[nv]) == 0) nv++;
    }
    freeReplyObject(r);
    /* This node's own figures are fresher than what it wrote a beat ago. */
    for (size_t i = 0; i < nv; i++)
        if (strcmp(c->view[i].id, c->o.node_id) == 0) own_record(c, &c->view[i]);
    c->n_view = nv;
    pthread_mutex_lock(&c->lock);
    c->status.live_nodes = (int)nv;
    pthread_mutex_unlock(&c->lock);
}

static void refresh_rooms(cluster *c) {
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%u", c->o.ttl_s);
    static char keys[REFRESH_CHUNK][CLUSTER_ROOM_MAX + 16]; /* cluster thread only */
    const char *kp[REFRESH_CHUNK];
    for (size_t start = 0; start < c->n_owned && c->rc; start += REFRESH_CHUNK) {
        size_t n = c->n_owned - start < REFRESH_CHUNK ? c->n_owned - start : REFRESH_CHUNK;
        for (size_t i = 0; i < n; i++) {
            room_key(keys[i], sizeof keys[i], c->owned[start + i]);
            kp[i] = keys[i];
        }
        const char *args[] = {c->o.node_id, ttl};
        redisReply *r = eval(c, LUA_REFRESH, (int)n, kp, 2, args);
        if (!r) return;
        /* Rooms another node claimed while this one could not refresh
         * (a Redis outage longer than the TTL): that claim wins. */
        for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
            redisReply *idx = r->element[i], *who = r->element[i + 1];
            if (idx->type != REDIS_REPLY_INTEGER || who->type != REDIS_REPLY_STRING) continue;
            if (idx->integer < 1 || (size_t)idx->integer > n) continue;
            cmd m = {.type = CMD_MOVE};
            snprintf(m.room, sizeof m.room, "%s", c->owned[start + (size_t)idx->integer - 1]);
            char owner[CLUSTER_ID_MAX + 1];
            snprintf(owner, sizeof owner, "%.*s", (int)who->len, who->str);
            const char *url = NULL;
            for (size_t v = 0; v < c->n_view; v++)
                if (strcmp(c->view[v].id, owner) == 0) url = c->view[v].url;
            LOG_W("cluster", "room '%s' is claimed by node '%s' too: its participants move there",
                  m.room, owner);
            pthread_mutex_lock(&c->lock);
            c->status.rooms_lost++;
            pthread_mutex_unlock(&c->lock);
            cluster_answer(c, CLUSTER_EV_LOST, &m, url ? CLUSTER_REMOTE : CLUSTER_UNAVAILABLE,
                           owner, url, url ? NULL : "the other node's record is not known yet");
        }
        /* Forget lost rooms (iterate from the end: indices stay valid). */
        for (size_t i = r->type == REDIS_REPLY_ARRAY ? r->elements : 0; i >= 2; i -= 2) {
            redisReply *idx = r->element[i - 2];
            if (idx->type == REDIS_REPLY_INTEGER && idx->integer >= 1 && (size_t)idx->integer <= n)
                owned_remove(c, c->owned[start + (size_t)idx->integer - 1]);
        }
        freeReplyObject(r);
    }
}

static void delete_drain_key(cluster *c) {
    char key[CLUSTER_ID_MAX + 16];
    snprintf(key, sizeof key, "relais:drain:%s", c->o.node_id);
    const char *a[] = {"DEL", key};
    redisReply *r = cmdv(c, "DEL", 2, a, (size_t[]){3, strlen(key)});
    if (r) freeReplyObject(r);
}

static void check_drain_key(cluster *c) {
    char key[CLUSTER_ID_MAX + 16];
    snprintf(key, sizeof key, "relais:drain:%s", c->o.node_id);
    if (c->drain_seen && atomic_load(&c->draining)) c->drain_applied = 1;
    if (c->drain_applied && !atomic_load(&c->draining)) {
        /* Taken back through the admin HTTP API: the key must go too, or
         * the next start would drain again. */
        delete_drain_key(c);
        c->drain_seen = c->drain_applied = 0;
        return;
    }
    const char *a[] = {"GET", key};
    redisReply *r = cmdv(c, "GET", 2, a, (size_t[]){3, strlen(key)});
    if (!r) return;
    cluster_event ev;
    memset(&ev, 0, sizeof ev);
    if (r->type == REDIS_REPLY_STRING && !c->drain_seen) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.*s", (int)(r->len < 31 ? r->len : 31), r->str);
        uint64_t deadline = strtoull(buf, NULL, 10), now = cluster_wall_ms();
        ev.type = CLUSTER_EV_DRAIN;
        ev.deadline_s = deadline > now ? (uint32_t)((deadline - now + 999) / 1000) : 0;
        c->drain_seen = 1;
        cluster_push_event(c, &ev);
    } else if (r->type == REDIS_REPLY_NIL && c->drain_seen) {
        ev.type = CLUSTER_EV_UNDRAIN;
        c->drain_seen = c->drain_applied = 0;
        cluster_push_event(c, &ev);
    }
    freeReplyObject(r);
}

void cluster_io_heartbeat(cluster *c) {
    cluster_node me;
    own_record(c, &me);
    char rec[CLUSTER_RECORD_MAX], key[CLUSTER_ID_MAX + 16], ttl[16];
    if (cluster_node_encode(&me, rec, sizeof rec) < 0) {
        LOG_E("cluster", "cannot encode this node's record");
        return;
    }
    snprintf(key, sizeof key, "relais:node:%s", c->o.node_id);
    snprintf(ttl, sizeof ttl, "%u", c->o.ttl_s);
    const char *set[] = {"SET", key, rec, "EX", ttl};
    redisReply *r = cmdv(c, "SET", 5, set, (size_t[]){3, strlen(key), strlen(rec), 2, strlen(ttl)});
    if (!r) return;
    int ok = r->type == REDIS_REPLY_STATUS;
    if (!ok) {
        /* E.g. NOAUTH (no or wrong password), READONLY (a replica): say it
         * once per outage. */
        pthread_mutex_lock(&c->lock);
        int say = c->status.redis_up || c->status.redis_connects <= 1;
        pthread_mutex_unlock(&c->lock);
        if (say)
            LOG_W("cluster", "Redis refused the heartbeat: %.200s",
                  r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
    }
    freeReplyObject(r);
    if (!ok) {
        redis_down(c, "SET");
        return;
    }
    const char *add[] = {"SADD", "relais:nodes", c->o.node_id};
    r = cmdv(c, "SADD", 3, add, (size_t[]){4, 12, strlen(c->o.node_id)});
    if (!r) return;
    freeReplyObject(r);
    pthread_mutex_lock(&c->lock);
    int was_down = !c->status.redis_up;
    c->status.redis_up = 1;
    pthread_mutex_unlock(&c->lock);
    if (was_down) LOG_I("cluster", "Redis answers again; node '%s' re-registered", c->o.node_id);
    refresh_rooms(c);
    if (c->rc) check_drain_key(c);
    if (c->rc) read_view(c);
}

void cluster_io_unregister(cluster *c) {
    if (!c->rc) return;
    for (size_t i = 0; i < c->n_owned && c->rc; i++) {
        cmd m = {.type = CMD_REMOVE};
        snprintf(m.room, sizeof m.room, "%s", c->owned[i]);
        char key[CLUSTER_ROOM_MAX + 16];
        room_key(key, sizeof key, m.room);
        const char *keys[] = {key};
        const char *args[] = {c->o.node_id};
        redisReply *r = eval(c, LUA_RELEASE, 1, keys, 1, args);
        if (r) freeReplyObject(r);
    }
    char key[CLUSTER_ID_MAX + 16];
    snprintf(key, sizeof key, "relais:node:%s", c->o.node_id);
    const char *del[] = {"DEL", key};
    redisReply *r = cmdv(c, "DEL", 2, del, (size_t[]){3, strlen(key)});
    if (r) freeReplyObject(r);
    const char *rem[] = {"SREM", "relais:nodes", c->o.node_id};
    r = cmdv(c, "SREM", 3, rem, (size_t[]){4, 12, strlen(c->o.node_id)});
    if (r) freeReplyObject(r);
    /* A drain that ended in this exit is done; the next start is active. */
    if (atomic_load(&c->draining) && c->drain_seen) {
        snprintf(key, sizeof key, "relais:drain:%s", c->o.node_id);
        r = cmdv(c, "DEL", 2, del, (size_t[]){3, strlen(key)});
        if (r) freeReplyObject(r);
    }
}
