/* The admin HTTP API (docs/cluster.md): per-room detail, which /metrics
 * deliberately leaves out, and drain/undrain of this node. Off unless
 * --admin-token is set; every request needs `Authorization: Bearer TOKEN`.
 *
 *   GET  /admin/rooms                  rooms and their participants
 *   POST /admin/drain?deadline=90s     drain (default: --drain-deadline)
 *   POST /admin/undrain                take an admin drain back */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "signaling/sig_internal.h"

/* Compares without an early exit, so timing does not reveal a prefix. */
static int token_ok(const char *given, const char *want) {
    size_t n = strlen(want), m = strlen(given);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(want[i] ^ (i < m ? given[i] : 0));
    return diff == 0;
}

static char *rooms_json(sig_server *srv) {
    json_t *o = json_object(), *list = json_array();
    if (!o || !list) goto fail;
    json_object_set_new(o, "draining", json_boolean(srv->draining));
    json_object_set_new(o, "rooms", list);
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, srv->rooms_by_name);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        sig_room *r = v;
        json_t *room = json_object(), *members = json_array();
        if (!room || !members) {
            json_decref(room);
            json_decref(members);
            goto fail;
        }
        json_object_set_new(room, "name", json_string(r->name));
        json_object_set_new(room, "participants", json_integer(r->n_members));
        for (session *m = r->members; m; m = m->next_in_room)
            json_array_append_new(members,
                                  json_pack("{s:s,s:s}", "id", m->pid_str, "name", m->name));
        json_object_set_new(room, "members", members);
        json_array_append_new(list, room);
    }
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
fail:
    json_decref(o);
    json_decref(list);
    return NULL;
}

char *admin_http(struct lws *wsi, sig_server *srv, const char *uri, int post, int *status) {
    char auth[256] = "";
    if (!srv->cfg.admin_token[0]) {
        *status = 404;
        return strdup("{\"error\":\"the admin API is off (set admin-token)\"}\n");
    }
    if (lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION) < 0 ||
        strncmp(auth, "Bearer ", 7) != 0 || !token_ok(auth + 7, srv->cfg.admin_token)) {
        *status = 401;
        LOG_RATELIMITED(LOG_WARN, "sig", "admin API: a request without the right token");
        return strdup("{\"error\":\"missing or wrong bearer token\"}\n");
    }
    *status = 200;
    if (!post && strcmp(uri, "/admin/rooms") == 0) {
        char *j = rooms_json(srv);
        char *out = NULL;
        if (j && asprintf(&out, "%s\n", j) < 0) out = NULL;
        free(j);
        return out;
    }
    if (post && strcmp(uri, "/admin/drain") == 0) {
        char arg[32];
        int deadline = srv->cfg.drain_deadline;
        const char *val = lws_get_urlarg_by_name(wsi, "deadline=", arg, sizeof arg);
        if (val && config_parse_duration(val, &deadline) != 0) {
            *status = 400;
            return strdup("{\"error\":\"deadline: expected e.g. 90s, 30m or 2h\"}\n");
        }
        link_start_drain(srv, SIG_DRAIN_ADMIN, (uint32_t)deadline);
        char *out = NULL;
        if (asprintf(&out, "{\"draining\":true,\"deadline_s\":%d}\n", deadline) < 0) out = NULL;
        return out;
    }
    if (post && strcmp(uri, "/admin/undrain") == 0) {
        link_stop_drain(srv);
        return strdup(srv->draining ? "{\"draining\":true}\n" : "{\"draining\":false}\n");
    }
    *status = 404;
    return strdup("{\"error\":\"unknown admin request\"}\n");
}
